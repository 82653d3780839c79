/**
 * Streaming (sorted-input) aggregation, PostgreSQL's GroupAggregate: the planner marks an
 * aggregation `isSorted` when its input delivers each group's rows together (an index or the
 * primary key orders them by the group keys), so one group's states are live at a time: memory
 * is O(1) in the number of groups, nothing spills, the first group comes out before the input
 * ends, and groups come out in the input's order.
 *
 * Group boundaries use each key type's `=` with NULLs grouped together, exactly as the hash
 * aggregation's key table does, so both strategies form the same groups. The planner's
 * invariant: rows with equal keys never come apart in the input (else a group would come out
 * twice).
 */
import type { AggregateCall, BoundExpr } from "@omnikv/planner";
import { compileExpr } from "../expr/compile.ts";
import type { AggregateTable } from "../functions/aggregate-types.ts";
import type { SqlValue } from "../values.ts";
import { compileAggregateCalls } from "./aggregate.ts";
import type { CompileEnvironment } from "./execution-context.ts";
import type { RowSource } from "./row-source.ts";
import { equalityOf } from "./row-keys.ts";
import type { Row } from "./table-access.ts";

export function compileGroupAggregate(input: RowSource, groupKeys: readonly BoundExpr[], calls: readonly AggregateCall[], env: CompileEnvironment & { readonly aggregates: AggregateTable }): RowSource {
  const keys = groupKeys.map((expr) => compileExpr(expr, env.registry));
  const equals = groupKeys.map((expr) => equalityOf(expr.type.oid, env.registry));
  const prepared = compileAggregateCalls(calls, env);
  return function* groupAggregate(run) {
    let current: SqlValue[] | undefined;
    let states = prepared.newStates();
    const isSameGroup = (key: readonly SqlValue[], group: readonly SqlValue[]): boolean => {
      for (let i = 0; i < key.length; i++) {
        const [a, b] = [key[i] ?? null, group[i] ?? null];
        if (a === null || b === null) {
          if (a !== b) return false;
        } else if (equals[i]?.(a, b, run.context) !== true) {
          return false;
        }
      }
      return true;
    };
    for (const row of input(run)) {
      const key = keys.map((expr) => expr(row, run.params, run.context));
      if (current === undefined) {
        current = key;
      } else if (!isSameGroup(key, current)) {
        const finished: Row = [...current, ...prepared.finals(states, run)];
        current = key;
        states = prepared.newStates();
        yield finished;
      }
      prepared.addRow(states, row, run);
    }
    // With group keys, no input means no groups (the planner never sorts a keyless aggregation).
    if (current !== undefined) yield [...current, ...prepared.finals(states, run)];
    return undefined;
  };
}
