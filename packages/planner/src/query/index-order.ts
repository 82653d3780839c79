/**
 * Index-provided order: a sort whose keys are columns of a table read by a sequential or index
 * scan (through filters and the select list's projection) is dropped when an index returns the
 * rows in that order. A btree index (the primary key too) is ascending with NULLs last, so it
 * serves `ASC NULLS LAST` forwards and `DESC NULLS FIRST` read backwards — PostgreSQL's defaults —
 * and never a mix of directions. Columns the scan's equality prefix fixes may appear anywhere in
 * the keys (they are constant). The key encoding orders values by their type's btree order
 * (text by bytes, the C collation the executor compares with); only the column's own `<`
 * operator is accepted, so a sort by another type's order (a cast) keeps its Sort.
 */
import { TypeOid } from "@omnikv/base";
import type { BoundExpr } from "../bound-expr.ts";
import type { CatalogIndex } from "./catalog.ts";
import { estimate } from "./estimate.ts";
import type { PlanNode, SortKey } from "./plan.ts";

type Scan = Extract<PlanNode, { kind: "seq_scan" | "index_scan" }>;
type SortNode = Extract<PlanNode, { kind: "sort" }>;

/**
 * Types whose key encoding orders exactly as their btree `<` (others, such as bpchar, which
 * ignores trailing blanks, or jsonb, keep their Sort).
 */
export const keyOrderedTypes: ReadonlySet<number> = new Set<number>([
  TypeOid.bool, TypeOid.int2, TypeOid.int4, TypeOid.int8, TypeOid.float4, TypeOid.float8, TypeOid.numeric,
  TypeOid.text, TypeOid.varchar, TypeOid.bytea, TypeOid.date, TypeOid.time, TypeOid.timestamp, TypeOid.timestamptz, TypeOid.uuid,
]);

/** Relative costs (the access-path constants): a full index scan reads 0.25 per row; a sort compares n·log2(n). */
const indexScanCostPerRow = 0.25;
const sortCostPerComparison = 0.01;
const seqScanCostPerRow = 1.0;

/** `sort` without its Sort when an index of the scan under its projection gives the order, else `sort`. */
export function withIndexOrder(sort: SortNode): PlanNode {
  if (sort.input.kind === "distinct") return withDistinctOrder(sort, sort.input);
  const path = scanPath(sort.input);
  if (path === undefined) return withGroupedOrder(sort);
  const columns = sort.keys.map((key) => tableColumn(key, sort.input, path.exprs));
  if (columns.some((c) => c === undefined)) return sort;
  const keyColumns = columns.filter((c): c is number => c !== undefined);
  const scan = scanInKeyOrder(path.scan, sort.keys, keyColumns);
  return scan === undefined ? sort : replaceScan(sort.input, scan);
}

/** The index columns an equality prefix of `scan` fixes: constant, so their direction does not matter. */
function fixedColumns(scan: Scan): ReadonlySet<number> {
  return new Set(scan.kind === "index_scan" ? scan.index.columns.slice(0, scan.equal.length) : []);
}

/**
 * `scan` reading its rows in the order of `keys` (whose table columns are `keyColumns`), forwards
 * or backwards, when an index gives that order cheaply enough; undefined when none does or the
 * keys mix directions.
 */
function scanInKeyOrder(scan: Scan, keys: readonly SortKey[], keyColumns: readonly number[]): Scan | undefined {
  const fixed = fixedColumns(scan);
  const direction = uniformDirection(keys.filter((_, i) => !fixed.has(keyColumns[i] ?? -1)));
  return direction === undefined ? undefined : orderedScan(scan, keyColumns, direction === "descending");
}

type DistinctNode = Extract<PlanNode, { kind: "distinct" }>;

/**
 * A sort of DISTINCT rows of a projection of plain columns, whose keys name every one of those
 * columns: when an index returns the rows in the keys' order, equal rows come out adjacent (the
 * key encoding gives equal values equal bytes), so the DISTINCT becomes a streaming Unique over
 * that index scan and the Sort goes (PostgreSQL's Unique over an Index Scan).
 */
function withDistinctOrder(sort: SortNode, distinct: DistinctNode): PlanNode {
  const path = scanPath(distinct.input);
  if (path === undefined) return sort;
  const columns = sort.keys.map((key) => tableColumn(key, distinct.input, path.exprs));
  if (columns.some((c) => c === undefined)) return sort;
  const keyColumns = columns.filter((c): c is number => c !== undefined);
  // Columns an equality of the scan fixes are constant: they need no key.
  const fixed = fixedColumns(path.scan);
  const isEveryColumnKeyed = path.exprs.every((expr) => expr.kind === "column" && keyOrderedTypes.has(expr.type.oid) && (keyColumns.includes(expr.index) || fixed.has(expr.index)));
  if (!isEveryColumnKeyed) return sort;
  const scan = scanInKeyOrder(path.scan, sort.keys, keyColumns);
  return scan === undefined ? sort : { ...distinct, input: replaceScan(distinct.input, scan), isSorted: true };
}

interface ScanPath {
  readonly scan: Scan;
  /** The projection's expressions (over the scan's columns, which are the table's). */
  readonly exprs: readonly BoundExpr[];
}

/** A projection over filters over a scan of a stored table. */
function scanPath(plan: PlanNode): ScanPath | undefined {
  if (plan.kind !== "project") return undefined;
  let input = plan.input;
  while (input.kind === "filter") input = input.input;
  if (input.kind !== "seq_scan" && input.kind !== "index_scan") return undefined;
  return { scan: input, exprs: plan.exprs };
}

/** The table column a sort key reads: a projected column that is a plain column of the scan. */
function tableColumn(key: SortKey, project: PlanNode, exprs: readonly BoundExpr[]): number | undefined {
  if (key.expr.kind !== "column" || project.kind !== "project") return undefined;
  const source = exprs[key.expr.index];
  if (source?.kind !== "column") return undefined;
  // Only the column type's own btree order is the key encoding's order.
  if (!keyOrderedTypes.has(source.type.oid) || source.type.oid !== key.expr.type.oid) return undefined;
  return source.index;
}

/** "ascending" for all ASC NULLS LAST, "descending" for all DESC NULLS FIRST, else undefined. */
function uniformDirection(keys: readonly SortKey[]): "ascending" | "descending" | undefined {
  if (keys.every((k) => !k.isDescending && !k.isNullsFirst)) return "ascending";
  if (keys.every((k) => k.isDescending && k.isNullsFirst)) return "descending";
  return undefined;
}

/** Whether `index` (with its first `fixed` columns bound by equalities) returns rows ordered by `keyColumns`. */
export function indexServesOrder(index: CatalogIndex, fixed: number, keyColumns: readonly number[]): boolean {
  const constant = new Set(index.columns.slice(0, fixed));
  let position = 0;
  for (const column of keyColumns) {
    if (constant.has(column)) continue;
    while (position < fixed) position++;
    if (index.columns[position] !== column) return false;
    position++;
  }
  return true;
}

/** The scan reading its rows in the key order, or undefined when no index gives it cheaply enough. */
function orderedScan(scan: Scan, keyColumns: readonly number[], isReverse: boolean): Scan | undefined {
  if (scan.kind === "index_scan") {
    // An IN-list scan runs once per item: its rows are in index order only within an item.
    if (scan.equalAny !== undefined || !indexServesOrder(scan.index, scan.equal.length, keyColumns)) return undefined;
    return { ...scan, isReverse };
  }
  const rows = estimate(scan).rows;
  const sortCost = rows * seqScanCostPerRow + rows * Math.log2(rows + 1) * sortCostPerComparison;
  let best: { readonly index: CatalogIndex; readonly cost: number } | undefined;
  for (const index of scan.table.indexes ?? []) {
    // A partial index lacks the rows its predicate excludes: it cannot stand for the whole table.
    if (index.predicate !== undefined || !indexServesOrder(index, 0, keyColumns)) continue;
    // The primary key holds the rows themselves: reading it costs what a sequential scan does.
    const cost = index.isPrimary ? rows * seqScanCostPerRow : rows * indexScanCostPerRow + 1;
    if (cost < sortCost && (best === undefined || cost < best.cost)) best = { index, cost };
  }
  if (best === undefined) return undefined;
  const pruning = scan.readColumns === undefined ? {} : { readColumns: scan.readColumns };
  return { kind: "index_scan", table: scan.table, index: best.index, equal: [], lower: undefined, upper: undefined, isReverse, columns: scan.columns, ...pruning };
}

type WindowNode = Extract<PlanNode, { kind: "window" }>;

/**
 * A window whose first window's partition and order keys are plain columns of the scan under
 * its filters, in one direction, and an index returns the rows in that order: the scan becomes
 * that index scan and the window skips its sort (PostgreSQL's WindowAgg over an Index Scan).
 * The keys keep their roles: rows equal on the partition keys come together, and within them
 * rows come in the order keys' order.
 */
export function withWindowOrder(window: WindowNode): WindowNode {
  const first = window.windows[0];
  if (first === undefined) return window;
  const keys = [...first.partitionBy, ...first.orderBy];
  if (keys.length === 0) return window;
  let input = window.input;
  while (input.kind === "filter") input = input.input;
  if (input.kind !== "seq_scan" && input.kind !== "index_scan") return window;
  const columns: number[] = [];
  for (const key of keys) {
    const column = input.columns[key.expr.kind === "column" ? key.expr.index : -1];
    if (key.expr.kind !== "column" || column === undefined || !keyOrderedTypes.has(key.expr.type.oid) || column.type.oid !== key.expr.type.oid) return window;
    columns.push(key.expr.index);
  }
  const scan = scanInKeyOrder(input, keys, columns);
  return scan === undefined ? window : { ...window, input: replaceScan(window.input, scan), isInputOrdered: true };
}

/** `plan` (a projection over filters over a scan) with its scan replaced. */
function replaceScan(plan: PlanNode, scan: Scan): PlanNode {
  if (plan.kind === "project" || plan.kind === "filter") return { ...plan, input: replaceScan(plan.input, scan) };
  return scan;
}

/**
 * A sort of a streamed aggregation's output (GroupAggregate, see group-order.ts) by its group
 * keys: the groups come out in the index order of their scan, so the Sort is dropped when the
 * index serves the keys' order; a descending order reads the index backwards, which keeps each
 * group's rows together.
 */
function withGroupedOrder(sort: SortNode): PlanNode {
  const project = sort.input;
  if (project.kind !== "project") return sort;
  let aggregate = project.input;
  while (aggregate.kind === "filter") aggregate = aggregate.input;
  if (aggregate.kind !== "aggregate" || aggregate.isSorted !== true) return sort;
  let scan = aggregate.input;
  while (scan.kind === "filter") scan = scan.input;
  if (scan.kind !== "index_scan" || scan.equalAny !== undefined) return sort;
  const { groupKeys } = aggregate;
  const columns = sort.keys.map((key): number | undefined => {
    if (key.expr.kind !== "column") return undefined;
    const source = project.exprs[key.expr.index];
    if (source?.kind !== "column" || source.index >= groupKeys.length) return undefined;
    const group = groupKeys[source.index];
    if (group?.kind !== "column" || group.type.oid !== key.expr.type.oid || !keyOrderedTypes.has(group.type.oid)) return undefined;
    return group.index;
  });
  const keyColumns = columns.filter((c): c is number => c !== undefined);
  if (keyColumns.length !== columns.length) return sort;
  const fixed = fixedColumns(scan);
  const direction = uniformDirection(sort.keys.filter((_, i) => !fixed.has(keyColumns[i] ?? -1)));
  if (direction === undefined || !indexServesOrder(scan.index, scan.equal.length, keyColumns)) return sort;
  return replaceDeepScan(project, { ...scan, isReverse: direction === "descending" });
}

/** `plan` (projections, filters and aggregations over a scan) with its scan replaced. */
function replaceDeepScan(plan: PlanNode, scan: Scan): PlanNode {
  if (plan.kind === "project" || plan.kind === "filter" || plan.kind === "aggregate") return { ...plan, input: replaceDeepScan(plan.input, scan) };
  return scan;
}
