/** Sequential scan: the table's rows as the `TableAccess` streams them. */
import type { CatalogTable } from "@omnikv/planner";
import type { RowSource } from "./row-source.ts";

export function compileSeqScan(table: CatalogTable): RowSource {
  return (run) => run.tables.scan(table);
}
