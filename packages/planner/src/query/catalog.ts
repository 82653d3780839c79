/**
 * `Catalog`: what the planner needs to know about stored tables, declared here because the
 * planner is its caller (the engine implements it over its system keyspace; tests implement it
 * with in-memory tables). The planner never sees storage itself.
 */
import type { SqlType } from "../bound-expr.ts";

export interface CatalogColumn {
  readonly name: string;
  readonly type: SqlType;
  readonly isNotNull: boolean;
}

export interface CatalogTable {
  /** The table's id, which the executor's `TableAccess` is asked to scan. */
  readonly id: number;
  readonly schema: string;
  readonly name: string;
  readonly columns: readonly CatalogColumn[];
  /** The number of rows statistics last counted, when they exist. */
  readonly rowCountEstimate?: number;
}

export interface Catalog {
  /**
   * The table `schema.name`, or `name` found along the session's search_path when `schema` is
   * undefined; undefined when there is none. Names arrive case-folded as PostgreSQL folds them.
   */
  findTable(schema: string | undefined, name: string): CatalogTable | undefined;
}
