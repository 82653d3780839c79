/**
 * DISTINCT ON: the input arrives sorted so that rows with equal keys are adjacent; the first row
 * of each run passes (NULL keys equal to each other, as DISTINCT treats them). Streaming.
 */
import type { BoundExpr } from "@omnikv/planner";
import { compileExpr } from "../expr/compile.ts";
import type { SqlValue } from "../values.ts";
import type { CompileEnvironment } from "./execution-context.ts";
import { equalityOf } from "./row-keys.ts";
import type { RowSource } from "./row-source.ts";

export function compileDistinctOn(input: RowSource, keys: readonly BoundExpr[], env: CompileEnvironment): RowSource {
  const exprs = keys.map((key) => compileExpr(key, env.registry));
  const equals = keys.map((key) => equalityOf(key.type.oid, env.registry));
  return function* distinctOn(run) {
    let previous: SqlValue[] | undefined;
    for (const row of input(run)) {
      const current = exprs.map((expr) => expr(row, run.params, run.context));
      const isSame =
        previous !== undefined &&
        current.every((value, i) => {
          const before = previous?.[i] ?? null;
          if (value === null || before === null) return value === before;
          return equals[i]?.(value, before, run.context) ?? false;
        });
      if (!isSame) yield row;
      previous = current;
    }
    return undefined;
  };
}
