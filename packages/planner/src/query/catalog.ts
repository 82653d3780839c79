import type { BoundExpr } from "../bound-expr.ts";
/**
 * `Catalog`: what the planner needs to know about stored tables, declared here because the
 * planner is its caller (the engine implements it over its system keyspace; tests implement it
 * with in-memory tables). The planner never sees storage itself.
 */
import type { SqlValue } from "@omnikv/base";
import type { SelectStatement } from "@omnikv/parser";
import type { SqlType } from "../bound-expr.ts";

export interface CatalogColumn {
  readonly name: string;
  readonly type: SqlType;
  readonly isNotNull: boolean;
  /**
   * A system column, such as the row id of a table without a primary key: found by name like
   * PostgreSQL's `ctid`, never expanded by `*`. The engine puts system columns last.
   */
  readonly isSystem?: boolean;
}

export interface CatalogTable {
  /** The table's id, which the executor's `TableAccess` is asked to scan. */
  readonly id: number;
  readonly schema: string;
  readonly name: string;
  readonly columns: readonly CatalogColumn[];
  /** The number of rows statistics last counted, when they exist. */
  readonly rowCountEstimate?: number;
  /** What ANALYZE gathered (`@omnikv/executor`'s `analyzeTable`), stored by the catalog's owner. */
  readonly statistics?: TableStatistics;
  /** The primary key and secondary indexes, each an ordered list of the table's columns. */
  readonly indexes?: readonly CatalogIndex[];
}

/**
 * An index (the primary key is one, with `isPrimary`): rows ordered by `columns` (ascending,
 * NULLs last, as a btree), which the executor's `TableAccess.scanIndex` reads by key bounds.
 */
export interface CatalogIndex {
  readonly id: number;
  readonly name: string;
  /** Positions of the indexed columns in the table's column list, in key order. */
  readonly columns: readonly number[];
  readonly isUnique: boolean;
  readonly isPrimary: boolean;
  /**
   * A partial index's predicate (`CREATE INDEX … WHERE`), bound over the table's columns: the
   * index holds only the rows for which it is true, so a plan may read it only when the query's
   * own conditions on the table imply it (see `isPredicateImplied`).
   */
  readonly predicate?: BoundExpr;
  /**
   * An expression index's keys (`CREATE INDEX ON t (lower(x))`): per key element, its expression
   * bound over the table's columns, or undefined for a plain column. An expression element's
   * entry in `columns` is -1. Only conditions on the same expression (`lower(x) = $1`) read it.
   */
  readonly expressions?: readonly (BoundExpr | undefined)[];
}

/** A table's statistics, as PostgreSQL's pg_class.reltuples and pg_statistic hold them. */
export interface TableStatistics {
  readonly rowCount: number;
  /** One entry per column, in column order. */
  readonly columns: readonly ColumnStatistics[];
}

export interface ColumnStatistics {
  /** The fraction of rows whose value is NULL. */
  readonly nullFraction: number;
  /** The estimated number of distinct non-NULL values in the whole table. */
  readonly distinctCount: number;
  /** The most common values with the fraction of all rows each has, most common first. */
  readonly mostCommon: readonly { readonly value: SqlValue; readonly frequency: number }[];
  /** Equi-depth histogram bounds over the other non-NULL values, ascending (empty when none). */
  readonly histogram: readonly SqlValue[];
}

export interface CatalogView {
  readonly schema: string;
  readonly name: string;
  readonly query: SelectStatement;
  readonly columns: readonly string[];
}

export interface Catalog {
  /**
   * The table `schema.name`, or `name` found along the session's search_path when `schema` is
   * undefined; undefined when there is none. Names arrive case-folded as PostgreSQL folds them.
   */
  findTable(schema: string | undefined, name: string): CatalogTable | undefined;
  /**
   * The view `schema.name` (or found along the search_path), when the catalog has views: its
   * query is bound in place of the name, and `columns` (when not empty) rename its output.
   */
  findView?(schema: string | undefined, name: string): CatalogView | undefined;
  /**
   * A number that changes whenever a plan made earlier may be wrong or worse: DDL and new
   * statistics. Plan caches compare it; a catalog without it disables caching.
   */
  readonly version?: number;
}
