/**
 * Hash aggregation: one group per distinct key row (NULL keys form one group, as in PostgreSQL),
 * each group running every aggregate call's state (FILTER, strictness and DISTINCT handled by
 * `prepareAggregateCall`). Without group keys the input is one group, so an empty input still
 * yields one row (`count(*)` = 0). Groups come out in first-seen order.
 *
 * Memory: once the groups' estimated size passes `workMemBytes`, rows of groups not yet in the
 * table are kept aside by hash partition (the groups already there keep aggregating); after the
 * input ends those partitions are written to temporary files and aggregated one at a time, each
 * again with the budget, so every group's rows are aggregated in one place and no state needs
 * merging. Partition files are appended to as rows arrive, so memory stays near the budget.
 */
import { assert, hashValue } from "@omnikv/base";
import type { AggregateCall, BoundExpr } from "@omnikv/planner";
import { compileExpr, type CompiledExpr } from "../expr/compile.ts";
import { prepareAggregateCall, type AggregateGroup } from "../functions/aggregate-call.ts";
import type { AggregateTable } from "../functions/aggregate-types.ts";
import type { SqlValue } from "../values.ts";
import type { CompileEnvironment, ExecutionContext } from "./execution-context.ts";
import { RowKeyTable } from "./row-keys.ts";
import { defaultWorkMemBytes, keyComparator } from "./sort.ts";
import { SpillDirectory, canSpill, estimateRowBytes, type SpillFileWriter } from "./spill-file.ts";
import type { Row } from "./table-access.ts";
import type { RowSource } from "./row-source.ts";

interface CompiledCall {
  readonly createGroup: () => AggregateGroup;
  readonly args: readonly CompiledExpr[];
  readonly directArgs: readonly CompiledExpr[];
  readonly filter: CompiledExpr | undefined;
}

/** Partitions a spilling aggregation splits the rows it cannot hold into. */
const spillPartitions = 16;
/** A guess at one group's state beyond its key: what each aggregate's state occupies. */
const stateBytesPerCall = 96;
/** Recursion limit of re-partitioning: past it a partition is aggregated in memory whatever its size. */
const spillLevelsMax = 4;

/** The aggregate calls of one aggregation, compiled: fresh states, a row's contribution, the results. */
export interface AggregateCalls {
  newStates(): AggregateGroup[];
  /** Adds `row` to the states of its group (FILTER, arguments and ORDER BY keys evaluated here). */
  addRow(states: readonly AggregateGroup[], row: Row, run: ExecutionContext): void;
  /** The result of each call for a group. */
  finals(states: readonly AggregateGroup[], run: ExecutionContext): SqlValue[];
}

export function compileAggregateCalls(calls: readonly AggregateCall[], env: CompileEnvironment & { readonly aggregates: AggregateTable }): AggregateCalls {
  const compiled: CompiledCall[] = calls.map((call) => {
    const aggregate = env.aggregates[call.signatureId];
    assert(aggregate !== undefined, `an implementation of aggregate ${call.signatureId}`);
    const directArgs = call.directArgs ?? [];
    const orderBy = call.orderBy.map((key) => keyComparator(key, env));
    return {
      createGroup: prepareAggregateCall({ aggregate, argTypes: call.argTypes, isStrict: call.isStrict, isDistinct: call.isDistinct, orderBy, directArgCount: directArgs.length }, env.registry),
      // Direct arguments come first and ORDER BY keys after the arguments (see prepareAggregateCall).
      args: [...directArgs, ...call.args, ...call.orderBy.map((key) => key.expr)].map((arg) => compileExpr(arg, env.registry)),
      directArgs: directArgs.map((arg) => compileExpr(arg, env.registry)),
      filter: call.filter === undefined ? undefined : compileExpr(call.filter, env.registry),
    };
  });
  // One argument array per call, reused for every row: `add` does not keep it.
  const argValues = compiled.map((call) => call.args.map((): SqlValue => null));
  return {
    newStates: () => compiled.map((call) => call.createGroup()),
    addRow(states, row, run) {
      for (let i = 0; i < compiled.length; i++) {
        const call = compiled[i];
        const state = states[i];
        const values = argValues[i];
        assert(call !== undefined && state !== undefined && values !== undefined, "one state per aggregate call");
        const isCounted: SqlValue = call.filter === undefined ? true : call.filter(row, run.params, run.context);
        for (let a = 0; a < call.args.length; a++) values[a] = call.args[a]?.(row, run.params, run.context) ?? null;
        state.add(isCounted, values, run.context);
      }
    },
    // A group without rows (no GROUP BY, no input) evaluates direct arguments without a row: the
    // planner allows them no input columns then.
    finals: (states, run) =>
      states.map((state, i) => {
        const call = compiled[i];
        assert(call !== undefined, "one compiled call per aggregate state");
        return state.final(run.context, () => call.directArgs.map((arg) => arg([], run.params, run.context)));
      }),
  };
}

export function compileAggregate(
  input: RowSource,
  groupKeys: readonly BoundExpr[],
  calls: readonly AggregateCall[],
  env: CompileEnvironment & { readonly aggregates: AggregateTable },
  inputOids: readonly number[],
): RowSource {
  const keys = groupKeys.map((expr) => compileExpr(expr, env.registry));
  const keyOids = groupKeys.map((expr) => expr.type.oid);
  const prepared = compileAggregateCalls(calls, env);
  const newStates = (): AggregateGroup[] => prepared.newStates();
  const isSpillable = keys.length > 0 && canSpill(inputOids);

  /** Aggregates `rows`; groups that do not fit in `budget` go to partition files, aggregated after. */
  function* aggregateRows(rows: Iterable<Row>, run: ExecutionContext, level: number, spill: { directory?: SpillDirectory }): Generator<Row, undefined, undefined> {
    const groups = new RowKeyTable<AggregateGroup[]>(keyOids, env.registry, true);
    const single = keys.length === 0 ? groups.getOrInsert([], run.context, newStates) : undefined;
    const budget = run.workMemBytes ?? defaultWorkMemBytes;
    let bytes = 0;
    let partitions: SpillFileWriter[] | undefined;
    // The key of each row is built in one scratch array, copied only when it starts a new group.
    const scratch: SqlValue[] = keys.map((): SqlValue => null);
    for (const row of rows) {
      let states: AggregateGroup[] | undefined = single;
      if (states === undefined) {
        for (let i = 0; i < keys.length; i++) scratch[i] = keys[i]?.(row, run.params, run.context) ?? null;
        states = groups.get(scratch, run.context);
        if (states === undefined && partitions !== undefined) {
          partitions[partitionOf(scratch, keyOids, level)]?.append(row);
          continue;
        }
        if (states === undefined) {
          const key = scratch.slice();
          const created = newStates();
          states = groups.getOrInsert(key, run.context, () => created);
          bytes += estimateRowBytes(key) + stateBytesPerCall * calls.length;
          if (bytes > budget && isSpillable && level < spillLevelsMax) {
            const directory = (spill.directory ??= new SpillDirectory(run.tempDirectory, run.spillCipher));
            partitions = Array.from({ length: spillPartitions }, () => directory.createWriter(inputOids));
          }
        }
      }
      prepared.addRow(states, row, run);
    }
    for (const { key, value } of groups.values()) yield [...key, ...prepared.finals(value, run)];
    if (partitions === undefined) return undefined;
    // The rows of groups first seen after the table filled up, aggregated a partition at a time.
    const files = partitions.map((writer) => ({ rows: writer.rowCount, file: writer.finish() }));
    for (const { rows: count, file } of files) {
      if (count > 0) yield* aggregateRows(file.rows(), run, level + 1, spill);
    }
    return undefined;
  }

  return function* aggregate(run) {
    const spill: { directory?: SpillDirectory } = {};
    try {
      yield* aggregateRows(input(run), run, 0, spill);
    } finally {
      spill.directory?.remove();
    }
    return undefined;
  };
}

/** A row's partition at a spill level: its key's hash, mixed with the level so each level splits anew. */
function partitionOf(key: readonly SqlValue[], oids: readonly number[], level: number): number {
  let hash = level * 0x9e3779b1;
  key.forEach((value, i) => {
    hash = Math.imul(hash ^ (value === null ? 0x5bd1e995 : hashValue(oids[i] ?? 0, value)), 0x85ebca6b);
    hash ^= hash >>> 13;
  });
  return (hash >>> 0) % spillPartitions;
}
