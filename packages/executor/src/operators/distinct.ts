/** DISTINCT: the first row of each set of equal rows (NULLs equal to each other), streaming. */
import type { PlanColumn } from "@omnikv/planner";
import type { CompileEnvironment } from "./execution-context.ts";
import type { RowSource } from "./row-source.ts";
import { RowKeyTable } from "./row-keys.ts";

export function compileDistinct(input: RowSource, columns: readonly PlanColumn[], env: CompileEnvironment): RowSource {
  const oids = columns.map((c) => c.type.oid);
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
