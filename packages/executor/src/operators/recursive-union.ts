/**
 * WITH RECURSIVE: yields the non-recursive term's rows, then runs the recursive term over the
 * previous round's rows (the work table its `worktable_scan` reads) until a round yields none.
 * UNION (without ALL) drops rows produced before, so a cycle in the data ends the recursion.
 * Each round is read completely before it is yielded, so the work table never changes under a
 * running round. A recursion that never ends is stopped by statement cancellation.
 */
import type { PlanColumn } from "@omnikv/planner";
import type { CompileEnvironment } from "./execution-context.ts";
import { RowKeyTable } from "./row-keys.ts";
import type { RowSource } from "./row-source.ts";
import type { Row } from "./table-access.ts";

/** The rows a work table holds during one round; shared by a recursive union and its scans. */
export interface WorkTableSlot {
  rows: readonly Row[];
}

export function compileRecursiveUnion(
  nonRecursive: RowSource,
  recursive: RowSource,
  slot: WorkTableSlot,
  spec: { readonly isAll: boolean; readonly columns: readonly PlanColumn[] },
  env: CompileEnvironment,
): RowSource {
  const oids = spec.columns.map((c) => c.type.oid);
  return function* recursiveUnion(run) {
    const seen = spec.isAll ? undefined : new RowKeyTable<true>(oids, env.registry, true);
    const isNew = (row: Row): boolean => {
      if (seen === undefined) return true;
      let added = false;
      seen.getOrInsert(row, run.context, () => {
        added = true;
        return true;
      });
      return added;
    };
    let round: Row[] = [];
    for (const row of nonRecursive(run)) {
      if (!isNew(row)) continue;
      round.push(row);
      yield row;
    }
    while (round.length > 0) {
      run.interrupt?.();
      slot.rows = round;
      const next = [...recursive(run)].filter(isNew);
      slot.rows = [];
      yield* next;
      round = next;
    }
    return undefined;
  };
}

export function compileWorkTableScan(slot: WorkTableSlot): RowSource {
  return () => slot.rows;
}
