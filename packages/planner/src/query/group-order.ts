/**
 * Group order: an aggregation whose input already delivers each group's rows together is run as
 * a stream (GroupAggregate) instead of through a hash table. The input qualifies when it is a
 * scan (under filters) whose index returns rows ordered by the group keys:
 * - an index scan the access paths chose, whose index continues its equality prefix with exactly
 *   the group-key columns not fixed by it, in any order of the GROUP BY list;
 * - a sequential scan of a table whose primary key starts with exactly those columns: it becomes
 *   a full scan of the primary key, which holds the rows themselves and costs what the
 *   sequential scan did. A secondary index is never chosen for this alone: reading a table
 *   through one costs a point read per row, more than the hash table saves.
 * Group keys must be plain columns of types whose key encoding orders exactly as their btree `<`
 * (see index-order.ts), so rows with `=` keys are adjacent in the index.
 */
import type { CatalogIndex } from "./catalog.ts";
import { keyOrderedTypes } from "./index-order.ts";
import type { PlanNode } from "./plan.ts";

type Aggregate = Extract<PlanNode, { kind: "aggregate" }>;
type Scan = Extract<PlanNode, { kind: "seq_scan" | "index_scan" }>;

/** `aggregate`, marked sorted (and its scan ordered) when its input can deliver groups together. */
export function withGroupOrder(aggregate: Aggregate): Aggregate {
  if (aggregate.groupKeys.length === 0) return aggregate;
  const columns: number[] = [];
  for (const key of aggregate.groupKeys) {
    if (key.kind !== "column" || !keyOrderedTypes.has(key.type.oid)) return aggregate;
    columns.push(key.index);
  }
  const scan = scanUnderFilters(aggregate.input);
  if (scan === undefined) return aggregate;
  if (scan.kind === "index_scan") {
    // (An IN-list scan runs once per item; it is not treated as grouping anything.)
    return scan.equalAny === undefined && groupsTogether(scan.index, scan.equal.length, columns) ? { ...aggregate, isSorted: true } : aggregate;
  }
  const primary = scan.table.indexes?.find((index) => index.isPrimary);
  if (primary === undefined || !groupsTogether(primary, 0, columns)) return aggregate;
  const pruning = scan.readColumns === undefined ? {} : { readColumns: scan.readColumns };
  const ordered: Scan = { kind: "index_scan", table: scan.table, index: primary, equal: [], lower: undefined, upper: undefined, isReverse: false, columns: scan.columns, ...pruning };
  return { ...aggregate, input: replaceScan(aggregate.input, ordered), isSorted: true };
}

/**
 * Whether `index`, its first `fixed` columns bound by equalities, returns rows with equal values
 * of `columns` together: the columns it does not fix are exactly its next ones.
 */
export function groupsTogether(index: CatalogIndex, fixed: number, columns: readonly number[]): boolean {
  const constant = new Set(index.columns.slice(0, fixed));
  const varying = new Set(columns.filter((column) => !constant.has(column)));
  const next = index.columns.slice(fixed, fixed + varying.size);
  return next.length === varying.size && next.every((column) => varying.has(column));
}

function scanUnderFilters(plan: PlanNode): Scan | undefined {
  let input = plan;
  while (input.kind === "filter") input = input.input;
  return input.kind === "seq_scan" || input.kind === "index_scan" ? input : undefined;
}

function replaceScan(plan: PlanNode, scan: Scan): PlanNode {
  if (plan.kind === "filter") return { ...plan, input: replaceScan(plan.input, scan) };
  return scan;
}
