/**
 * Index nested-loop joins: a hash join (inner or left) one of whose sides is a stored table,
 * read in full only to be hashed or probed, becomes a nested loop that looks the table up
 * through an index once per row of the other side, when that costs less — `orders` of one
 * customer joined to `customers` reads one customer, not all of them.
 *
 * The lookup side must be a scan of a table (under its own filters, which stay above the index
 * scan) whose join key is a plain column that starts an index, of the key type (or an integer of
 * another width). The plan is a `lateral_join` whose right side is that index scan with the
 * outer row's key as a correlation parameter: the executor runs it once per outer row, as it
 * runs LATERAL subqueries. The whole join condition is kept as the join's condition (the lookup
 * only narrows the rows it is tested on). An inner join may look up either side; the result's
 * columns keep the hash join's order (a projection restores it when the sides swap). A LEFT join
 * looks up its right side only.
 */
import { TypeOid } from "@omnikv/base";
import type { BoundExpr, SqlType } from "../bound-expr.ts";
import type { CatalogIndex } from "./catalog.ts";
import { estimate } from "./estimate.ts";
import { mapColumns } from "./expr-columns.ts";
import { keyOrderedTypes } from "./index-order.ts";
import { mapChildren } from "./plan-children.ts";
import type { PlanNode } from "./plan.ts";

type HashJoin = Extract<PlanNode, { kind: "hash_join" }>;
type Scan = Extract<PlanNode, { kind: "seq_scan" }>;

const integerTypes: ReadonlySet<number> = new Set([TypeOid.int2, TypeOid.int4, TypeOid.int8]);

/** `plan` with each hash join that an index lookup serves more cheaply replaced by one. */
export function chooseIndexNestedLoops(plan: PlanNode, slots: { next: number }): PlanNode {
  const rebuilt = mapChildren(plan, (child) => chooseIndexNestedLoops(child, slots));
  if (rebuilt.kind !== "hash_join" || (rebuilt.joinType !== "inner" && rebuilt.joinType !== "left")) return rebuilt;
  const hashCost = estimate(rebuilt).totalCost;
  const candidates: { readonly plan: PlanNode; readonly outerRows: number }[] = [];
  const lookRight = lookupJoin(rebuilt, "right", slots);
  if (lookRight !== undefined) candidates.push({ plan: lookRight, outerRows: estimate(rebuilt.left).rows });
  if (rebuilt.joinType === "inner") {
    const lookLeft = lookupJoin(rebuilt, "left", slots);
    if (lookLeft !== undefined) candidates.push({ plan: lookLeft, outerRows: estimate(rebuilt.right).rows });
  }
  let best: PlanNode = rebuilt;
  let bestCost = hashCost;
  for (const { plan: candidate, outerRows } of candidates) {
    const cost = estimate(candidate).totalCost + outerRows * lookupSurchargePerRow;
    if (cost < bestCost) [best, bestCost] = [candidate, cost];
  }
  return best;
}

/**
 * What an index lookup costs beyond the index scan's own estimate (a unique lookup is 1.0, a
 * sequential row too): a lookup is a random read — a descent through the store's levels and a
 * block search — several times a streamed row's work, as PostgreSQL's random_page_cost (4) is
 * to seq_page_cost (1). Without it, a join of two large tables became a loop of lookups.
 */
const lookupSurchargePerRow = 3.0;

/** The join with `side` looked up per row of the other side, or undefined when it cannot be. */
function lookupJoin(join: HashJoin, side: "left" | "right", slots: { next: number }): PlanNode | undefined {
  const inner = side === "right" ? join.right : join.left;
  const outer = side === "right" ? join.left : join.right;
  const innerKeys = side === "right" ? join.rightKeys : join.leftKeys;
  const outerKeys = side === "right" ? join.leftKeys : join.rightKeys;
  const filters: Extract<PlanNode, { kind: "filter" }>[] = [];
  let scan: PlanNode = inner;
  while (scan.kind === "filter") {
    filters.push(scan);
    scan = scan.input;
  }
  if (scan.kind !== "seq_scan") return undefined;
  const found = lookupKey(scan, innerKeys, join.keyTypes);
  if (found === undefined) return undefined;
  const outerKey = outerKeys[found.keyIndex];
  if (outerKey === undefined) return undefined;
  const slot = slots.next++;
  const param: BoundExpr = { kind: "param", type: found.type, index: slot };
  const pruning = scan.readColumns === undefined ? {} : { readColumns: scan.readColumns };
  let lookup: PlanNode = { kind: "index_scan", table: scan.table, index: found.index, equal: [param], lower: undefined, upper: undefined, isReverse: false, columns: scan.columns, ...pruning };
  for (const filter of filters.toReversed()) lookup = { ...filter, input: lookup };
  const outerWidth = outer.columns.length;
  const innerWidth = inner.columns.length;
  // The condition is over the hash join's row (left then right); over the lateral row (outer then
  // inner) when the sides swap, each column moves by the other side's width.
  const condition = side === "right" ? join.condition : remapSwapped(join.condition, innerWidth, outerWidth);
  const lateral: PlanNode = {
    kind: "lateral_join",
    joinType: join.joinType === "left" ? "left" : "inner",
    left: outer,
    right: lookup,
    correlations: [{ slot, value: outerKey }],
    condition,
    columns: [...outer.columns, ...inner.columns],
    isIndexLookup: true,
  };
  if (side === "right") return lateral;
  // Back to the hash join's column order: its left side (the looked-up one), then its right side.
  const exprs: BoundExpr[] = [
    ...inner.columns.map((column, i): BoundExpr => ({ kind: "column", type: column.type, index: outerWidth + i, name: column.name })),
    ...outer.columns.map((column, i): BoundExpr => ({ kind: "column", type: column.type, index: i, name: column.name })),
  ];
  return { kind: "project", input: lateral, exprs, columns: join.columns };
}

/** The key a table index can look up: a plain column of the key type that starts an index. */
function lookupKey(scan: Scan, keys: readonly BoundExpr[], keyTypes: readonly SqlType[]): { readonly keyIndex: number; readonly index: CatalogIndex; readonly type: SqlType } | undefined {
  let best: { readonly keyIndex: number; readonly index: CatalogIndex; readonly type: SqlType } | undefined;
  keys.forEach((key, keyIndex) => {
    const keyType = keyTypes[keyIndex];
    if (key.kind !== "column" || keyType === undefined || !keyOrderedTypes.has(key.type.oid)) return;
    const isSameOrder = key.type.oid === keyType.oid || (integerTypes.has(key.type.oid) && integerTypes.has(keyType.oid));
    if (!isSameOrder) return;
    for (const index of scan.table.indexes ?? []) {
      // (Partial indexes are left out: the lookups would miss the rows their predicate excludes.)
      if (index.columns[0] !== key.index || index.predicate !== undefined) continue;
      // A unique single-column index (one row per lookup) beats any other.
      const isBetter = best === undefined || (index.isUnique && index.columns.length === 1 && !(best.index.isUnique && best.index.columns.length === 1));
      if (isBetter) best = { keyIndex, index, type: key.type };
    }
  });
  return best;
}

/** `expr` over (left ++ right) rewritten over (right ++ left). */
function remapSwapped(expr: BoundExpr, leftWidth: number, rightWidth: number): BoundExpr {
  return mapColumns(expr, (index) => (index < leftWidth ? index + rightWidth : index - leftWidth));
}
