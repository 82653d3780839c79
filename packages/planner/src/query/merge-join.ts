/**
 * Join method choice between hash join and merge join, a pass over the finished plan: each hash
 * join whose keys have a btree order is costed again as a merge join, with a Sort under each
 * input that does not already arrive ordered on its keys (unless an index scan gives that order,
 * see index-order.ts), and the cheaper of the two is kept.
 * The session's `enable_hashjoin` / `enable_mergejoin` (as in PostgreSQL) can rule either out;
 * with hash joins disabled every mergeable hash join becomes a merge join.
 *
 * Invariant: a merge join's inputs are sorted ascending, NULLs last, on exactly its key
 * expressions — by a Sort node this pass adds, or by an input Sort that already leads with them.
 */
import { TypeOid } from "@omnikv/base";
import type { BoundExpr } from "../bound-expr.ts";
import { resolveOperator } from "../functions/resolve.ts";
import { estimate } from "./estimate.ts";
import { withIndexOrder } from "./index-order.ts";
import type { PlanNode, SortKey } from "./plan.ts";
import { mapChildren } from "./plan-children.ts";

export interface JoinMethods {
  readonly isHashJoinEnabled: boolean;
  readonly isMergeJoinEnabled: boolean;
}

export const defaultJoinMethods: JoinMethods = { isHashJoinEnabled: true, isMergeJoinEnabled: true };

type HashJoin = Extract<PlanNode, { kind: "hash_join" }>;
type MergeJoin = Extract<PlanNode, { kind: "merge_join" }>;

/** `plan` with each hash join replaced by a merge join where that is cheaper or hash joins are off. */
export function chooseJoinMethods(plan: PlanNode, methods: JoinMethods): PlanNode {
  if (!methods.isMergeJoinEnabled) return plan;
  const rebuilt = mapChildren(plan, (child) => chooseJoinMethods(child, methods));
  if (rebuilt.kind !== "hash_join") return rebuilt;
  const merge = asMergeJoin(rebuilt);
  if (merge === undefined) return rebuilt;
  if (!methods.isHashJoinEnabled) return merge;
  return mergeCost(merge) < hashCost(rebuilt) ? merge : rebuilt;
}

/**
 * A Sort the merge join adds costs `sortCostPerRowLog · n · log2 n`: with 0.2, sorting 1000 rows
 * (2.0/row) costs what hashing them does (`hashBuildCostPerRow`), so sorting both inputs never
 * beats one hash build and a merge join wins when inputs arrive sorted or the build side spills.
 * The generic Sort estimate (ORDER BY) is far cheaper; this one is the join choice's only.
 */
const sortCostPerRowLog = 0.2;
/** The merge itself: one key comparison per input row. */
const mergeCostPerRow = 0.05;
/** Each joined row, as estimate.ts charges it (`cpuCostPerRow`). */
const outputCostPerRow = 0.01;
/** A spilling hash join writes and rereads both inputs once (grace join). */
const spillCostPerRow = 1.0;
/** PostgreSQL's default work_mem (the planner does not see the session's). */
const workMemBytes = 4 * 1024 * 1024;
/** A row's in-memory size for the spill estimate: per column, a value and its slot. */
const columnBytes = 16;

function hashCost(join: HashJoin): number {
  const [left, right] = [estimate(join.left), estimate(join.right)];
  const build = right.rows * join.right.columns.length * columnBytes;
  const spill = build > workMemBytes ? (left.rows + right.rows) * spillCostPerRow : 0;
  return estimate(join).totalCost + spill;
}

function mergeCost(merge: MergeJoin): number {
  const inputCost = (input: PlanNode): number => {
    if (input.kind !== "sort") return estimate(input).totalCost;
    const below = estimate(input.input);
    return below.totalCost + below.rows * Math.log2(Math.max(2, below.rows)) * sortCostPerRowLog;
  };
  const rows = estimate(merge.left).rows + estimate(merge.right).rows;
  // The output rows cost what the hash join's estimate charges for them (0.01 each).
  return inputCost(merge.left) + inputCost(merge.right) + rows * mergeCostPerRow + estimate(merge).rows * outputCostPerRow;
}

/** The merge join equivalent to `join`, when every key type has a btree `<` and `=`. */
function asMergeJoin(join: HashJoin): MergeJoin | undefined {
  const leftSort = sortKeysFor(join.leftKeys);
  const rightSort = sortKeysFor(join.rightKeys);
  if (leftSort === undefined || rightSort === undefined) return undefined;
  const left = isOrderedOn(join.left, leftSort) ? join.left : sortNode(join.left, leftSort);
  const right = isOrderedOn(join.right, rightSort) ? join.right : sortNode(join.right, rightSort);
  return { ...join, kind: "merge_join", left, right };
}

/** A Sort on `keys`, or the scan an index gives that order by (index-provided order). */
function sortNode(input: PlanNode, keys: readonly SortKey[]): PlanNode {
  const sort: PlanNode = { kind: "sort", input, keys, columns: input.columns };
  if (input.kind === "project") return withIndexOrder(sort);
  // withIndexOrder looks through a projection: give a bare (filtered) scan an identity one.
  const exprs = input.columns.map((c, index): BoundExpr => ({ kind: "column", type: c.type, index, name: c.name }));
  const ordered = withIndexOrder({ ...sort, input: { kind: "project", input, exprs, columns: input.columns } });
  return ordered.kind === "project" ? ordered.input : sort;
}

/** Ascending, NULLs-last sort keys on `exprs`, or undefined when a type has no btree order. */
function sortKeysFor(exprs: readonly BoundExpr[]): SortKey[] | undefined {
  const keys: SortKey[] = [];
  for (const expr of exprs) {
    const oid = expr.type.oid;
    // Only types whose order is PostgreSQL's btree order by value (not json, not arrays of records…).
    if (!orderableOids.has(oid)) return undefined;
    const less = resolveOperator("<", [oid, oid]);
    const equal = resolveOperator("=", [oid, oid]);
    keys.push({ expr, isDescending: false, isNullsFirst: false, lessSignatureId: less.signature.id, equalSignatureId: equal.signature.id });
  }
  return keys;
}

/**
 * Key types a merge join may use: those with a total btree order the executor agrees on, where
 * the type's `=` and `<` come from one comparison (so equal runs are exactly the `<`-ties):
 * interval compares normalized spans ('1 day' = '24 hours'), bpchar ignores trailing blanks,
 * bytea and uuid compare bytes.
 */
const orderableOids: ReadonlySet<number> = new Set([
  TypeOid.int2,
  TypeOid.int4,
  TypeOid.int8,
  TypeOid.oid,
  TypeOid.float4,
  TypeOid.float8,
  TypeOid.numeric,
  TypeOid.text,
  TypeOid.varchar,
  TypeOid.bool,
  TypeOid.date,
  TypeOid.timestamp,
  TypeOid.timestamptz,
  TypeOid.time,
  TypeOid.interval,
  TypeOid.bpchar,
  TypeOid.bytea,
  TypeOid.uuid,
]);

/** Whether `plan` is a Sort whose leading keys are exactly `keys` (same expressions, ascending, NULLs last). */
function isOrderedOn(plan: PlanNode, keys: readonly SortKey[]): boolean {
  if (plan.kind !== "sort" || plan.keys.length < keys.length) return false;
  return keys.every((key, i) => {
    const have = plan.keys[i];
    return have !== undefined && !have.isDescending && !have.isNullsFirst && JSON.stringify(have.expr) === JSON.stringify(key.expr);
  });
}
