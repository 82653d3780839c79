/** Project: one output row of expressions per input row. */
import type { BoundExpr } from "@omnikv/planner";
import { compileExpr } from "../expr/compile.ts";
import type { SqlValue } from "../values.ts";
import type { CompileEnvironment } from "./execution-context.ts";
import type { RowSource } from "./row-source.ts";

export function compileProject(input: RowSource, exprs: readonly BoundExpr[], env: CompileEnvironment): RowSource {
  const compiled = exprs.map((expr) => compileExpr(expr, env.registry));
  const width = compiled.length;
  return function* project(run) {
    for (const row of input(run)) {
      const out: SqlValue[] = [];
      for (let i = 0; i < width; i++) out.push(compiled[i]?.(row, run.params, run.context) ?? null);
      yield out;
    }
    return undefined;
  };
}
