/**
 * Physical plans: the planner's output and the executor's input. Every node lists the columns
 * it produces (`columns`); expressions inside a node refer to its input's columns by index (a
 * join's condition to the left input's columns, then the right's). Nodes are immutable.
 */
import type { BoundExpr, SqlType, SubqueryCorrelation } from "../bound-expr.ts";
import type { CatalogIndex, CatalogTable } from "./catalog.ts";

export interface PlanColumn {
  readonly name: string;
  readonly type: SqlType;
  /**
   * A select-list literal of unknown type, made text (PostgreSQL 10+): a set operation still
   * resolves it as unknown, so `SELECT 1 UNION SELECT NULL` is an integer column.
   */
  readonly isUnknownLiteral?: true;
}

export interface SortKey {
  readonly expr: BoundExpr;
  readonly isDescending: boolean;
  readonly isNullsFirst: boolean;
  /** The `<` operator's signature for the key's type (the btree order). */
  readonly lessSignatureId: string;
  readonly equalSignatureId: string;
}

/** One aggregate call of an aggregation node. */
export interface AggregateCall {
  readonly name: string;
  /** The catalog signature id: the executor's implementation key. */
  readonly signatureId: string;
  readonly argTypes: readonly number[];
  readonly args: readonly BoundExpr[];
  readonly isStrict: boolean;
  readonly isDistinct: boolean;
  readonly filter: BoundExpr | undefined;
  /** ORDER BY inside the call (`string_agg(x, ',' ORDER BY y)`): the order rows reach the aggregate in. */
  readonly orderBy: readonly SortKey[];
  readonly type: SqlType;
  /**
   * An ordered-set aggregate's direct arguments (the fraction of `percentile_cont(0.5) WITHIN
   * GROUP (ORDER BY x)`): the same for every row of a group, evaluated once per group and passed
   * to the final function. `args` and `orderBy` are then the WITHIN GROUP arguments and keys.
   */
  readonly directArgs?: readonly BoundExpr[];
}

/**
 * `semi`: each left row that has a match, once (EXISTS, IN); `anti`: each left row without one
 * (NOT EXISTS). Both produce only the left columns.
 */
export type JoinType = "inner" | "left" | "right" | "full" | "semi" | "anti";

export interface IndexBound {
  readonly value: BoundExpr;
  readonly isInclusive: boolean;
}

/**
 * A window frame edge. Offsets are evaluated at each row whose frame is computed: an int8 row or
 * group count in ROWS and GROUPS mode, a value of the in_range offset type in RANGE mode.
 */
export type FrameEdge =
  | { readonly kind: "unbounded_preceding" }
  | { readonly kind: "preceding"; readonly offset: BoundExpr }
  | { readonly kind: "current_row" }
  | { readonly kind: "following"; readonly offset: BoundExpr }
  | { readonly kind: "unbounded_following" };

export interface WindowFrameSpec {
  /** ROWS counts rows, GROUPS peer groups, RANGE compares the single ORDER BY value. */
  readonly mode: "rows" | "range" | "groups";
  readonly start: FrameEdge;
  readonly end: FrameEdge;
  /** EXCLUDE CURRENT ROW / GROUP / TIES; undefined for EXCLUDE NO OTHERS (the default). */
  readonly exclusion?: "current_row" | "group" | "ties";
  /** RANGE mode with an offset edge: how `value ± offset` is computed and compared. */
  readonly rangeOffset?: RangeOffsetArithmetic;
}

/**
 * PostgreSQL's in_range support functions for RANGE offsets, by the ORDER BY column's type:
 * integers (any integer offset), floats (float8 offset), numeric and time of day (interval
 * offset, whose months and days are ignored) are computed exactly in the executor, so
 * `value ± offset` never overflows; dates, timestamps and intervals go through the type's own
 * `+`/`-` with an interval (month arithmetic, the session time zone) and the cross-type
 * comparison of the column with the sum.
 */
export type RangeOffsetArithmetic =
  | { readonly kind: "integer" | "float" | "numeric" | "time" }
  | {
      readonly kind: "operators";
      readonly addSignatureId: string;
      readonly subtractSignatureId: string;
      readonly lessEqualSignatureId: string;
      readonly greaterEqualSignatureId: string;
      /** The type of `value ± offset` (timestamp for a date). */
      readonly sumType: number;
    };

/** One window function call: a ranking or navigation function, or an aggregate over the frame. */
export interface WindowCall {
  readonly name: string;
  readonly args: readonly BoundExpr[];
  /** Set for an aggregate used as a window function. */
  readonly aggregate: AggregateCall | undefined;
  readonly type: SqlType;
}

/** The calls that share one window definition (partitioning, ordering, frame). */
export interface WindowSpec {
  readonly partitionBy: readonly SortKey[];
  readonly orderBy: readonly SortKey[];
  readonly frame: WindowFrameSpec;
  readonly calls: readonly WindowCall[];
}

export type PlanNode =
  | {
      readonly kind: "seq_scan";
      readonly table: CatalogTable;
      readonly columns: readonly PlanColumn[];
      /** Projection pruning: the only table columns the plan reads; the others may arrive as NULL. */
      readonly readColumns?: readonly number[];
    }
  | {
      /**
       * The rows whose index key starts with the `equal` values and whose next key column lies
       * within `lower`/`upper`, in index order (reversed with `isReverse`). The bound values are
       * constants or parameters, evaluated once per run. Produces the table's columns.
       */
      readonly kind: "index_scan";
      readonly table: CatalogTable;
      readonly index: CatalogIndex;
      readonly equal: readonly BoundExpr[];
      readonly lower: IndexBound | undefined;
      readonly upper: IndexBound | undefined;
      readonly isReverse: boolean;
      readonly columns: readonly PlanColumn[];
      /** Projection pruning: the only table columns the plan reads; the others may arrive as NULL. */
      readonly readColumns?: readonly number[];
      /**
       * `col IN (…)` on the index column after `equal` (never with `lower`/`upper`): one scan per
       * distinct non-NULL item, in list order — so the whole scan is in index order only within
       * each item's rows.
       */
      readonly equalAny?: readonly BoundExpr[];
    }
  | {
      /** A function in FROM: a set-returning function's rows, or a scalar function's one row. */
      readonly kind: "function_scan";
      readonly signatureId: string;
      readonly argTypes: readonly number[];
      readonly args: readonly BoundExpr[];
      readonly isSetReturning: boolean;
      readonly isStrict: boolean;
      /** WITH ORDINALITY: a last int8 column numbering the rows from 1. */
      readonly withOrdinality: boolean;
      readonly columns: readonly PlanColumn[];
    }
  | { readonly kind: "values"; readonly rows: readonly (readonly BoundExpr[])[]; readonly columns: readonly PlanColumn[] }
  | {
      /**
       * WITH RECURSIVE: the non-recursive term's rows, then the recursive term run again and
       * again over the rows the previous round produced (its work table), until a round produces
       * none. Without ALL, rows already produced are dropped.
       */
      readonly kind: "recursive_union";
      readonly workTableId: number;
      readonly isAll: boolean;
      readonly nonRecursive: PlanNode;
      readonly recursive: PlanNode;
      readonly columns: readonly PlanColumn[];
    }
  | { readonly kind: "worktable_scan"; readonly workTableId: number; readonly columns: readonly PlanColumn[] }
  | { readonly kind: "filter"; readonly input: PlanNode; readonly predicate: BoundExpr; readonly columns: readonly PlanColumn[] }
  | { readonly kind: "project"; readonly input: PlanNode; readonly exprs: readonly BoundExpr[]; readonly columns: readonly PlanColumn[] }
  | {
      readonly kind: "nested_loop_join";
      readonly joinType: JoinType;
      readonly left: PlanNode;
      readonly right: PlanNode;
      /** Over the concatenated row; undefined for a cross join. */
      readonly condition: BoundExpr | undefined;
      readonly columns: readonly PlanColumn[];
    }
  | {
      /**
       * LATERAL: for each left row the right side runs again with its correlation parameters
       * (`slot`) set from the left row, as a correlated subquery does; the condition is over the
       * concatenated row. PostgreSQL allows only INNER and LEFT here.
       */
      readonly kind: "lateral_join";
      readonly joinType: "inner" | "left";
      readonly left: PlanNode;
      readonly right: PlanNode;
      readonly correlations: readonly SubqueryCorrelation[];
      readonly condition: BoundExpr | undefined;
      readonly columns: readonly PlanColumn[];
      /** An index nested-loop join the planner made of a hash join (index-nested-loop.ts), not a LATERAL. */
      readonly isIndexLookup?: boolean;
    }
  | {
      readonly kind: "hash_join";
      readonly joinType: JoinType;
      readonly left: PlanNode;
      readonly right: PlanNode;
      /** Equal-length key lists, each over its own side's row, compared with `keyEqualSignatureIds`. */
      readonly leftKeys: readonly BoundExpr[];
      readonly rightKeys: readonly BoundExpr[];
      readonly keyTypes: readonly SqlType[];
      /** The rest of the condition, over the concatenated row. */
      readonly residual: BoundExpr | undefined;
      /** The whole join condition as written, over the concatenated row (for re-planning). */
      readonly condition: BoundExpr;
      readonly columns: readonly PlanColumn[];
    }
  | {
      /**
       * Merge join: both inputs arrive sorted ascending on their keys (NULLs last), usually
       * through Sort nodes the planner adds; the fields mean what they mean for `hash_join`.
       */
      readonly kind: "merge_join";
      readonly joinType: JoinType;
      readonly left: PlanNode;
      readonly right: PlanNode;
      readonly leftKeys: readonly BoundExpr[];
      readonly rightKeys: readonly BoundExpr[];
      readonly keyTypes: readonly SqlType[];
      readonly residual: BoundExpr | undefined;
      readonly condition: BoundExpr;
      readonly columns: readonly PlanColumn[];
    }
  | {
      readonly kind: "aggregate";
      readonly input: PlanNode;
      readonly groupKeys: readonly BoundExpr[];
      readonly aggregates: readonly AggregateCall[];
      /** The group keys' columns, then one per aggregate. */
      readonly columns: readonly PlanColumn[];
      /**
       * The input delivers each group's rows together (group-order.ts): aggregated as a stream,
       * one group at a time (GroupAggregate), instead of in a hash table.
       */
      readonly isSorted?: boolean;
    }
  | { readonly kind: "sort"; readonly input: PlanNode; readonly keys: readonly SortKey[]; readonly columns: readonly PlanColumn[] }
  | {
      /** Window functions: the input columns, then one column per call, window by window. */
      readonly kind: "window";
      readonly input: PlanNode;
      readonly windows: readonly WindowSpec[];
      readonly columns: readonly PlanColumn[];
      /**
       * The input arrives ordered by the first window's partition then order keys (an index
       * scan, index-order.ts): the executor skips sorting for that window.
       */
      readonly isInputOrdered?: boolean;
    }
  | {
      readonly kind: "limit";
      readonly input: PlanNode;
      readonly limit: BoundExpr | undefined;
      readonly offset: BoundExpr | undefined;
      readonly columns: readonly PlanColumn[];
    }
  | {
      readonly kind: "distinct";
      readonly input: PlanNode;
      readonly columns: readonly PlanColumn[];
      /**
       * The input arrives ordered on every column (an index scan, index-order.ts), so equal rows
       * are adjacent: removed as a stream (Unique) instead of through a hash table.
       */
      readonly isSorted?: boolean;
    }
  | {
      /** DISTINCT ON: of each run of rows with equal `keys` (the input is sorted on them), the first. */
      readonly kind: "distinct_on";
      readonly input: PlanNode;
      readonly keys: readonly BoundExpr[];
      readonly columns: readonly PlanColumn[];
    }
  | {
      readonly kind: "set_operation";
      readonly op: "union" | "intersect" | "except";
      readonly isAll: boolean;
      readonly left: PlanNode;
      readonly right: PlanNode;
      readonly columns: readonly PlanColumn[];
    };
