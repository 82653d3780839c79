/**
 * `TableAccess`: how the executor reads stored tables, declared here because the executor is its
 * caller (the engine implements it over the store at a transaction's snapshot; tests implement it
 * with in-memory arrays). A scan streams rows; the executor never asks for a whole table at once.
 */
import type { CatalogIndex, CatalogTable } from "@omnikv/planner";
import type { SqlValue } from "../values.ts";

export type Row = readonly SqlValue[];

/** The key range of an index scan: the rows whose key starts with `equal`, the next key column within the bounds. */
export interface IndexScanRequest {
  readonly index: CatalogIndex;
  /** Values of the index's first columns; never NULL (an equality with NULL matches nothing). */
  readonly equal: readonly SqlValue[];
  readonly lower?: { readonly value: SqlValue; readonly isInclusive: boolean };
  readonly upper?: { readonly value: SqlValue; readonly isInclusive: boolean };
  readonly isReverse: boolean;
  /** The only columns the plan reads (projection pruning): the others may be NULL. */
  readonly columns?: ReadonlySet<number>;
}

/** What a sequential scan reads. */
export interface ScanOptions {
  /** The only columns the plan reads (projection pruning): the others may be NULL, undecoded. */
  readonly columns?: ReadonlySet<number>;
}

export interface TableAccess {
  /** The table's rows, one column value per catalog column, in any order. */
  scan(table: CatalogTable, options?: ScanOptions): Iterable<Row>;
  /**
   * The rows in the index's key range, in index order (ascending, NULLs last; reversed with
   * `isReverse`). Required when the catalog offers indexes: the planner then plans index scans.
   */
  scanIndex?(table: CatalogTable, request: IndexScanRequest): Iterable<Row>;
}
