/**
 * OFFSET/LIMIT: both evaluated once per run. LIMIT NULL means no limit, as in PostgreSQL; a
 * negative count is an error (2201W/2201X, reported as 22023 here until base has those codes).
 */
import { InvalidRowCountInLimitClauseError, InvalidRowCountInResultOffsetClauseError } from "@omnikv/base";
import type { BoundExpr } from "@omnikv/planner";
import { compileExpr } from "../expr/compile.ts";
import type { CompileEnvironment } from "./execution-context.ts";
import type { RowSource } from "./row-source.ts";

export function compileLimit(input: RowSource, limit: BoundExpr | undefined, offset: BoundExpr | undefined, env: CompileEnvironment): RowSource {
  const limitExpr = limit === undefined ? undefined : compileExpr(limit, env.registry);
  const offsetExpr = offset === undefined ? undefined : compileExpr(offset, env.registry);
  return function* limited(run) {
    const count = limitExpr?.([], run.params, run.context) ?? null;
    const skip = offsetExpr?.([], run.params, run.context) ?? null;
    if (typeof count === "bigint" && count < 0n) throw new InvalidRowCountInLimitClauseError("LIMIT must not be negative");
    if (typeof skip === "bigint" && skip < 0n) throw new InvalidRowCountInResultOffsetClauseError("OFFSET must not be negative");
    let remaining = typeof count === "bigint" ? count : -1n;
    let skipped = typeof skip === "bigint" ? skip : 0n;
    if (remaining === 0n) return undefined;
    for (const row of input(run)) {
      if (skipped > 0n) {
        skipped -= 1n;
        continue;
      }
      yield row;
      if (remaining > 0n && --remaining === 0n) return undefined;
    }
    return undefined;
  };
}
