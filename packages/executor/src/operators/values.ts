/** VALUES (and a FROM-less SELECT's single empty row): each row's expressions, evaluated per run. */
import type { BoundExpr } from "@omnikv/planner";
import { compileExpr } from "../expr/compile.ts";
import type { CompileEnvironment } from "./execution-context.ts";
import type { RowSource } from "./row-source.ts";

export function compileValues(rows: readonly (readonly BoundExpr[])[], env: CompileEnvironment): RowSource {
  const compiled = rows.map((row) => row.map((expr) => compileExpr(expr, env.registry)));
  return function* values(run) {
    for (const row of compiled) yield row.map((expr) => expr([], run.params, run.context));
    return undefined;
  };
}
