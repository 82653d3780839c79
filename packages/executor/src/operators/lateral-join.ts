/**
 * LATERAL join (a subquery or function in FROM that reads columns of the FROM items before it):
 * for each left row the right side runs afresh, its correlation parameters set from that row as a
 * correlated subquery's are. INNER keeps the joined rows that pass the condition; LEFT also keeps
 * a left row without any, with NULLs (PostgreSQL allows no other join type with LATERAL).
 */
import type { BoundExpr, SubqueryCorrelation } from "@omnikv/planner";
import { compileExpr } from "../expr/compile.ts";
import { interruptIntervalRows, type CompileEnvironment } from "./execution-context.ts";
import { joinedRow, withNullsAfter } from "./nested-loop-join.ts";
import type { RowSource } from "./row-source.ts";

export interface LateralJoinSpec {
  readonly joinType: "inner" | "left";
  readonly correlations: readonly SubqueryCorrelation[];
  readonly condition: BoundExpr | undefined;
  readonly rightWidth: number;
}

export function compileLateralJoin(spec: LateralJoinSpec, left: RowSource, right: RowSource, env: CompileEnvironment): RowSource {
  const test = spec.condition === undefined ? undefined : compileExpr(spec.condition, env.registry);
  const correlations = spec.correlations.map((c) => ({ slot: c.slot, value: compileExpr(c.value, env.registry) }));
  return function* lateralJoin(run) {
    let steps = 0;
    for (const l of left(run)) {
      const params = run.params.slice();
      for (const { slot, value } of correlations) params[slot - 1] = value(l, run.params, run.context);
      let isMatched = false;
      for (const r of right({ ...run, params })) {
        if (++steps % interruptIntervalRows === 0) run.interrupt?.();
        const joined = joinedRow(l, r);
        if (test !== undefined && test(joined, run.params, run.context) !== true) continue;
        isMatched = true;
        yield joined;
      }
      if (!isMatched && spec.joinType === "left") yield withNullsAfter(l, spec.rightWidth);
    }
    return undefined;
  };
}
