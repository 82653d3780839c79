/**
 * `TableAccess`: how the executor reads stored tables, declared here because the executor is its
 * caller (the engine implements it over the store at a transaction's snapshot; tests implement it
 * with in-memory arrays). A scan streams rows; the executor never asks for a whole table at once.
 */
import type { CatalogTable } from "@omnikv/planner";
import type { SqlValue } from "../values.ts";

export type Row = readonly SqlValue[];

export interface TableAccess {
  /** The table's rows, one column value per catalog column, in any order. */
  scan(table: CatalogTable): Iterable<Row>;
}
