/**
 * DISTINCT: the first row of each set of equal rows (NULLs equal to each other), streaming. Over
 * an input the planner found ordered on every column (an index scan), equal rows are adjacent
 * and each is compared with the previous one only (Unique); otherwise a hash table of the rows
 * seen so far finds them.
 */
import type { PlanColumn } from "@omnikv/planner";
import type { SqlValue } from "../values.ts";
import type { CompileEnvironment } from "./execution-context.ts";
import type { RowSource } from "./row-source.ts";
import { RowKeyTable, equalityOf } from "./row-keys.ts";
import type { Row } from "./table-access.ts";

export function compileDistinct(input: RowSource, columns: readonly PlanColumn[], env: CompileEnvironment, isSorted = false): RowSource {
  const oids = columns.map((c) => c.type.oid);
  if (isSorted) return compileSortedDistinct(input, oids, env);
  return function* distinct(run) {
    const seen = new RowKeyTable<true>(oids, env.registry, true);
    for (const row of input(run)) {
      let isNew = false;
      seen.getOrInsert(row, run.context, () => {
        isNew = true;
        return true;
      });
      if (isNew) yield row;
    }
    return undefined;
  };
}

function compileSortedDistinct(input: RowSource, oids: readonly number[], env: CompileEnvironment): RowSource {
  const equals = oids.map((oid) => equalityOf(oid, env.registry));
  return function* uniqueRows(run) {
    let previous: Row | undefined;
    for (const row of input(run)) {
      const before = previous;
      const isSame =
        before !== undefined &&
        equals.every((equal, i) => {
          const a: SqlValue = row[i] ?? null;
          const b: SqlValue = before[i] ?? null;
          if (a === null || b === null) return a === b;
          return equal(a, b, run.context);
        });
      if (!isSame) yield row;
      previous = row;
    }
    return undefined;
  };
}
