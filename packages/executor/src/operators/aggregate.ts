/**
 * Hash aggregation: one group per distinct key row (NULL keys form one group, as in PostgreSQL),
 * each group running every aggregate call's state (FILTER, strictness and DISTINCT handled by
 * `prepareAggregateCall`). Without group keys the input is one group, so an empty input still
 * yields one row (`count(*)` = 0). Groups come out in first-seen order. In memory for now.
 */
import { assert } from "@omnikv/base";
import type { AggregateCall, BoundExpr } from "@omnikv/planner";
import { compileExpr, type CompiledExpr } from "../expr/compile.ts";
import { prepareAggregateCall, type AggregateGroup } from "../functions/aggregate-call.ts";
import type { AggregateTable } from "../functions/aggregate-types.ts";
import type { SqlValue } from "../values.ts";
import type { CompileEnvironment } from "./execution-context.ts";
import { RowKeyTable } from "./row-keys.ts";
import type { RowSource } from "./row-source.ts";

interface CompiledCall {
  readonly createGroup: () => AggregateGroup;
  readonly args: readonly CompiledExpr[];
  readonly filter: CompiledExpr | undefined;
}

export function compileAggregate(
  input: RowSource,
  groupKeys: readonly BoundExpr[],
  calls: readonly AggregateCall[],
  env: CompileEnvironment & { readonly aggregates: AggregateTable },
): RowSource {
  const keys = groupKeys.map((expr) => compileExpr(expr, env.registry));
  const keyOids = groupKeys.map((expr) => expr.type.oid);
  const compiled: CompiledCall[] = calls.map((call) => {
    const aggregate = env.aggregates[call.signatureId];
    assert(aggregate !== undefined, `an implementation of aggregate ${call.signatureId}`);
    return {
      createGroup: prepareAggregateCall({ aggregate, argTypes: call.argTypes, isStrict: call.isStrict, isDistinct: call.isDistinct }, env.registry),
      args: call.args.map((arg) => compileExpr(arg, env.registry)),
      filter: call.filter === undefined ? undefined : compileExpr(call.filter, env.registry),
    };
  });
  const newStates = (): AggregateGroup[] => compiled.map((call) => call.createGroup());
  return function* aggregate(run) {
    const groups = new RowKeyTable<AggregateGroup[]>(keyOids, env.registry, true);
    const single = keys.length === 0 ? groups.getOrInsert([], run.context, newStates) : undefined;
    // One argument array per call, reused for every row: `add` does not keep it.
    const argValues = compiled.map((call) => call.args.map((): SqlValue => null));
    for (const row of input(run)) {
      const states = single ?? groups.getOrInsert(keys.map((expr) => expr(row, run.params, run.context)), run.context, newStates);
      for (let i = 0; i < compiled.length; i++) {
        const call = compiled[i];
        const state = states[i];
        const values = argValues[i];
        assert(call !== undefined && state !== undefined && values !== undefined, "one state per aggregate call");
        const isCounted: SqlValue = call.filter === undefined ? true : call.filter(row, run.params, run.context);
        for (let a = 0; a < call.args.length; a++) values[a] = call.args[a]?.(row, run.params, run.context) ?? null;
        state.add(isCounted, values, run.context);
      }
    }
    for (const { key, value } of groups.values()) yield [...key, ...value.map((state) => state.final(run.context))];
    return undefined;
  };
}
