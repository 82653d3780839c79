/** Sequential scan: the table's rows as the `TableAccess` streams them, interruptible. */
import type { CatalogTable } from "@omnikv/planner";
import { interruptIntervalRows } from "./execution-context.ts";
import type { RowSource } from "./row-source.ts";
import type { ScanOptions } from "./table-access.ts";

export function compileSeqScan(table: CatalogTable, readColumns: readonly number[] | undefined): RowSource {
  const options: ScanOptions = readColumns === undefined ? {} : { columns: new Set(readColumns) };
  return function* seqScan(run) {
    const interrupt = run.interrupt;
    if (interrupt === undefined) {
      yield* run.tables.scan(table, options);
      return undefined;
    }
    let count = 0;
    for (const row of run.tables.scan(table, options)) {
      if (++count % interruptIntervalRows === 0) interrupt();
      yield row;
    }
    return undefined;
  };
}
