/**
 * Sort: reads its whole input, then yields it in key order — each key by its type's btree `<`
 * and `=`, descending or not, NULLs first or last as the plan says. The sort is stable (input
 * order among equal keys). In memory for now: spilling beyond work_mem is not built yet.
 */
import type { SortKey } from "@omnikv/planner";
import { compileExpr } from "../expr/compile.ts";
import type { EvalContext } from "../functions/function-types.ts";
import type { SqlValue } from "../values.ts";
import type { CompileEnvironment } from "./execution-context.ts";
import type { RowSource } from "./row-source.ts";
import type { Row } from "./table-access.ts";

type Compare = (a: SqlValue, b: SqlValue, context: EvalContext) => number;

export function keyComparator(key: SortKey, env: CompileEnvironment): Compare {
  const oid = key.expr.type.oid;
  const less = env.registry.lookup(key.lessSignatureId, [oid, oid]);
  const equal = env.registry.lookup(key.equalSignatureId, [oid, oid]);
  const direction = key.isDescending ? -1 : 1;
  const nulls = key.isNullsFirst ? -1 : 1;
  return (a, b, context) => {
    if (a === null || b === null) return a === b ? 0 : a === null ? nulls : -nulls;
    if (equal([a, b], context) === true) return 0;
    return (less([a, b], context) === true ? -1 : 1) * direction;
  };
}

export function compileSort(input: RowSource, keys: readonly SortKey[], env: CompileEnvironment): RowSource {
  const exprs = keys.map((key) => compileExpr(key.expr, env.registry));
  const compares = keys.map((key) => keyComparator(key, env));
  return function* sorted(run) {
    const entries: { row: Row; keys: SqlValue[] }[] = [];
    for (const row of input(run)) entries.push({ row, keys: exprs.map((expr) => expr(row, run.params, run.context)) });
    entries.sort((x, y) => {
      for (let i = 0; i < compares.length; i++) {
        const order = compares[i]?.(x.keys[i] ?? null, y.keys[i] ?? null, run.context) ?? 0;
        if (order !== 0) return order;
      }
      return 0;
    });
    for (const entry of entries) yield entry.row;
    return undefined;
  };
}
