/** Filter: the input rows whose predicate is true (false and NULL drop the row). */
import type { BoundExpr } from "@omnikv/planner";
import { compileExpr } from "../expr/compile.ts";
import type { CompileEnvironment } from "./execution-context.ts";
import type { RowSource } from "./row-source.ts";

export function compileFilter(input: RowSource, predicate: BoundExpr, env: CompileEnvironment): RowSource {
  const test = compileExpr(predicate, env.registry);
  return function* filter(run) {
    for (const row of input(run)) if (test(row, run.params, run.context) === true) yield row;
    return undefined;
  };
}
