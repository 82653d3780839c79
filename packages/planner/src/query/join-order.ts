/**
 * Join ordering. A FROM clause's inner joins (comma lists, [INNER] JOIN and CROSS JOIN) and the
 * WHERE filter above them form a join region: its base relations and the AND-ed conditions of
 * all its ON clauses and its WHERE clause. The region is planned again from those parts:
 *
 * - A condition on one relation is applied right above it (predicate pushdown).
 * - Relations are joined in the cheapest order found by dynamic programming over subsets
 *   (every split of every connected subset, at most `dpRelationsMax` relations), or greedily
 *   beyond (join next the relation that keeps the result smallest). A split that no condition
 *   connects is considered only when no connected one exists (no needless cross products).
 * - Each join gets the conditions that become evaluable at it; equalities between the two sides
 *   become hash-join keys (`makeJoin`). The smaller side is the hash table's build side.
 * - A projection restores the region's original column order, so nothing above it changes.
 *
 * Outer joins end a region (their inputs are optimized on their own): reordering across them
 * would change results. Estimates come from `estimate.ts`.
 */
import { assert } from "@omnikv/base";
import type { BoundExpr } from "../bound-expr.ts";
import { makeJoin } from "./bind-from.ts";
import { columnStatistics, estimate, selectivity, type ColumnStatisticsOf } from "./estimate.ts";
import { conjunction, conjuncts, mapColumns } from "./expr-columns.ts";
import type { PlanColumn, PlanNode } from "./plan.ts";
import { chooseAccessPaths } from "./access-path.ts";
import { mapChildren } from "./plan-children.ts";

/** Regions of up to this many relations are planned exhaustively; larger ones greedily. */
export const dpRelationsMax = 10;

interface Relation {
  readonly plan: PlanNode;
  /** Where its columns start in the region's original row. */
  readonly offset: number;
  readonly width: number;
}

interface Condition {
  readonly expr: BoundExpr;
  /** Bit set of the relations it reads (a bigint: regions may have more than 32 relations). */
  readonly relations: bigint;
}

interface Candidate {
  readonly plan: PlanNode;
  /** Relation indexes in the order their columns appear in `plan`'s row. */
  readonly layout: readonly number[];
  readonly rows: number;
  readonly cost: number;
}

/** `plan` with every join region below (and including) it re-planned. */
export function optimizeJoins(plan: PlanNode): PlanNode {
  const region = collectRegion(plan);
  if (region !== undefined && region.relations.length >= 2) return planRegion(region);
  return mapChildren(plan, optimizeJoins);
}

function isInnerJoin(plan: PlanNode): plan is Extract<PlanNode, { kind: "hash_join" | "nested_loop_join" }> {
  return (plan.kind === "hash_join" || plan.kind === "nested_loop_join") && plan.joinType === "inner";
}

interface Region {
  readonly relations: Relation[];
  readonly conditions: BoundExpr[];
  readonly columns: readonly PlanColumn[];
}

/** The region rooted at `plan`: a filter over inner joins, or inner joins; undefined otherwise. */
function collectRegion(plan: PlanNode): Region | undefined {
  const root = plan.kind === "filter" && isInnerJoin(plan.input) ? plan.input : plan;
  if (!isInnerJoin(root)) return undefined;
  const region: Region = { relations: [], conditions: [], columns: plan.columns };
  collect(root, 0, region);
  if (plan.kind === "filter") region.conditions.push(...conjuncts(plan.predicate));
  return region;
}

function collect(plan: PlanNode, offset: number, region: Region): void {
  if (!isInnerJoin(plan)) {
    region.relations.push({ plan: optimizeJoins(plan), offset, width: plan.columns.length });
    return;
  }
  collect(plan.left, offset, region);
  collect(plan.right, offset + plan.left.columns.length, region);
  if (plan.condition !== undefined) {
    region.conditions.push(...conjuncts(mapColumns(plan.condition, (index) => index + offset)));
  }
}

function relationsOf(expr: BoundExpr, relations: readonly Relation[]): bigint {
  let mask = 0n;
  mapColumns(expr, (index) => {
    const found = relations.findIndex((r) => index >= r.offset && index < r.offset + r.width);
    assert(found >= 0, "a condition's column belongs to a relation of its region");
    mask |= bit(found);
    return index;
  });
  return mask;
}

function planRegion(region: Region): PlanNode {
  const { relations } = region;
  const conditions: Condition[] = region.conditions.map((expr) => ({ expr, relations: relationsOf(expr, relations) }));
  const leaves = relations.map((relation, i) => leaf(relation, i, conditions));
  const full = bit(relations.length) - 1n;
  const joining = conditions.filter((c) => bitCount(c.relations) >= 2);
  const best = relations.length <= dpRelationsMax ? dynamicProgramming(leaves, joining, relations) : greedy(leaves, joining, relations);
  const chosen = best.get(full);
  assert(chosen !== undefined, "the whole region has a plan");
  let plan = chosen.plan;
  // Conditions on no relation at all (constants) apply once, on top.
  const constant = conditions.filter((c) => c.relations === 0n).map((c) => c.expr);
  if (constant.length > 0) plan = { kind: "filter", input: plan, predicate: conjunction(constant), columns: plan.columns };
  return restoreOrder(plan, chosen.layout, relations, region.columns);
}

function leaf(relation: Relation, index: number, conditions: readonly Condition[]): Candidate {
  const own = conditions.filter((c) => c.relations === bit(index)).map((c) => mapColumns(c.expr, (i) => i - relation.offset));
  const filtered: PlanNode = own.length === 0 ? relation.plan : { kind: "filter", input: relation.plan, predicate: conjunction(own), columns: relation.plan.columns };
  const plan = chooseAccessPaths(filtered);
  const e = estimate(plan);
  return { plan, layout: [index], rows: e.rows, cost: e.totalCost };
}

/** Joins two candidates with the conditions that become evaluable; the smaller side builds. */
function join(a: Candidate, b: Candidate, conditions: readonly Condition[], maskA: bigint, maskB: bigint, relations: readonly Relation[]): Candidate {
  const [left, right, leftMask, rightMask] = a.rows >= b.rows ? [a, b, maskA, maskB] : [b, a, maskB, maskA];
  const layout = [...left.layout, ...right.layout];
  const position = layoutPositions(layout, relations);
  const union = leftMask | rightMask;
  const applicable = conditions.filter((c) => (c.relations & union) === c.relations && (c.relations & leftMask) !== c.relations && (c.relations & rightMask) !== c.relations);
  const remapped = applicable.map((c) => mapColumns(c.expr, position));
  const columns = [...left.plan.columns, ...right.plan.columns];
  const plan = makeJoin("inner", left.plan, right.plan, remapped.length === 0 ? undefined : conjunction(remapped), columns);
  const statsOf = regionStatistics(relations);
  const rows = Math.max(1, left.rows * right.rows * applicable.reduce((product, c) => product * selectivity(c.expr, statsOf), 1));
  const joinCost = plan.kind === "hash_join" ? right.rows * 2.0 + left.rows * 0.1 : left.rows * right.rows * 0.01;
  return { plan, layout, rows, cost: left.cost + right.cost + joinCost + rows * 0.01 };
}

/** Statistics of the region's original row's columns, from the relation each belongs to. */
function regionStatistics(relations: readonly Relation[]): ColumnStatisticsOf {
  return (index) => {
    const relation = relations.find((r) => index >= r.offset && index < r.offset + r.width);
    return relation === undefined ? undefined : columnStatistics(relation.plan, index - relation.offset);
  };
}

/** Maps an index of the region's original row to its index in a row laid out as `layout`. */
function layoutPositions(layout: readonly number[], relations: readonly Relation[]): (index: number) => number {
  const newOffset = new Map<number, number>();
  let offset = 0;
  for (const r of layout) {
    newOffset.set(r, offset);
    offset += relations[r]?.width ?? 0;
  }
  return (index) => {
    const r = relations.findIndex((relation) => index >= relation.offset && index < relation.offset + relation.width);
    const relation = relations[r];
    const start = newOffset.get(r);
    assert(relation !== undefined && start !== undefined, "a column's relation is in the layout");
    return start + (index - relation.offset);
  };
}

function restoreOrder(plan: PlanNode, layout: readonly number[], relations: readonly Relation[], columns: readonly PlanColumn[]): PlanNode {
  const position = layoutPositions(layout, relations);
  const isIdentity = columns.every((_, i) => position(i) === i);
  if (isIdentity) return { ...plan, columns };
  const exprs: BoundExpr[] = columns.map((column, i) => ({ kind: "column", type: column.type, index: position(i), name: column.name }));
  return { kind: "project", input: plan, exprs, columns };
}

function bit(index: number): bigint {
  return 1n << BigInt(index);
}

function bitCount(mask: bigint): number {
  let count = 0;
  for (let m = mask; m !== 0n; m &= m - 1n) count++;
  return count;
}

function isConnected(maskA: bigint, maskB: bigint, conditions: readonly Condition[]): boolean {
  const union = maskA | maskB;
  return conditions.some((c) => (c.relations & maskA) !== 0n && (c.relations & maskB) !== 0n && (c.relations & union) === c.relations);
}

/** A subset's best plan shape found so far: its estimates and the split that gives them. */
interface Choice {
  readonly rows: number;
  readonly cost: number;
  readonly split: readonly [bigint, bigint] | undefined;
}

/**
 * Costs each split from the two sides' estimates only (rows multiply by the selectivities of the
 * conditions that join them; a hash join when one of those is an equality across the sides),
 * and builds plans only for the chosen splits at the end.
 */
function dynamicProgramming(leaves: readonly Candidate[], conditions: readonly Condition[], relations: readonly Relation[]): Map<bigint, Candidate> {
  const count = leaves.length;
  const choices = new Map<number, Choice>();
  leaves.forEach((candidate, i) => choices.set(1 << i, { rows: candidate.rows, cost: candidate.cost, split: undefined }));
  const statsOf = regionStatistics(relations);
  const facts = conditions.map((c) => ({ mask: Number(c.relations), selectivity: selectivity(c.expr, statsOf), sides: equalitySides(c.expr, relations) }));
  const full = (1 << count) - 1;
  const bySize: number[][] = Array.from({ length: count + 1 }, () => []);
  for (let mask = 1; mask <= full; mask++) bySize[bitCount(BigInt(mask))]?.push(mask);
  for (let size = 2; size <= count; size++) {
    for (const mask of bySize[size] ?? []) {
      let chosen: Choice | undefined;
      let chosenConnected = false;
      // Each split once: `a` holds the subset's lowest relation (masks fit a number: at most dpRelationsMax relations).
      const lowest = mask & -mask;
      for (let a = (mask - 1) & mask; a > 0; a = (a - 1) & mask) {
        if ((a & lowest) === 0) continue;
        const b = mask & ~a;
        const [ca, cb] = [choices.get(a), choices.get(b)];
        if (ca === undefined || cb === undefined) continue;
        let splitSelectivity = 1;
        let isConnectedSplit = false;
        let isHash = false;
        for (const fact of facts) {
          if ((fact.mask & mask) !== fact.mask || (fact.mask & a) === fact.mask || (fact.mask & b) === fact.mask) continue;
          isConnectedSplit = true;
          splitSelectivity *= fact.selectivity;
          if (fact.sides !== undefined && (((fact.sides[0] & a) === fact.sides[0] && (fact.sides[1] & b) === fact.sides[1]) || ((fact.sides[0] & b) === fact.sides[0] && (fact.sides[1] & a) === fact.sides[1]))) isHash = true;
        }
        if (chosenConnected && !isConnectedSplit) continue;
        const [big, small] = ca.rows >= cb.rows ? [ca, cb] : [cb, ca];
        const rows = Math.max(1, ca.rows * cb.rows * splitSelectivity);
        const joinCost = isHash ? small.rows * 2.0 + big.rows * 0.1 : big.rows * small.rows * 0.01;
        const cost = ca.cost + cb.cost + joinCost + rows * 0.01;
        if (chosen === undefined || (isConnectedSplit && !chosenConnected) || cost < chosen.cost) {
          chosen = { rows, cost, split: [BigInt(a), BigInt(b)] };
          chosenConnected = isConnectedSplit;
        }
      }
      if (chosen !== undefined) choices.set(mask, chosen);
    }
  }
  const built = new Map<bigint, Candidate>();
  const build = (mask: bigint): Candidate => {
    const choice = choices.get(Number(mask));
    assert(choice !== undefined, "every subset has a choice");
    if (choice.split === undefined) {
      const index = bitCount(mask - 1n);
      const candidate = leaves[index];
      assert(candidate !== undefined, "a single relation's subset is its leaf");
      return candidate;
    }
    const [a, b] = choice.split;
    return join(build(a), build(b), conditions, a, b, relations);
  };
  const full64 = bit(count) - 1n;
  built.set(full64, build(full64));
  return built;
}

/** For `l = r` with each side over its own relations: the two relation sets (as numbers). */
function equalitySides(expr: BoundExpr, relations: readonly Relation[]): readonly [number, number] | undefined {
  if (expr.kind !== "call" || !expr.signatureId.startsWith("=(") || expr.args.length !== 2) return undefined;
  const [l, r] = expr.args;
  if (l === undefined || r === undefined) return undefined;
  const [ml, mr] = [Number(relationsOf(l, relations)), Number(relationsOf(r, relations))];
  return ml === 0 || mr === 0 || (ml & mr) !== 0 ? undefined : [ml, mr];
}

function greedy(leaves: readonly Candidate[], conditions: readonly Condition[], relations: readonly Relation[]): Map<bigint, Candidate> {
  const order = leaves.map((_, i) => i).sort((a, b) => (leaves[a]?.rows ?? 0) - (leaves[b]?.rows ?? 0));
  const first = order[0] ?? 0;
  let mask = bit(first);
  let current = leaves[first];
  assert(current !== undefined, "a region has relations");
  const remaining = new Set(order.slice(1));
  while (remaining.size > 0) {
    let chosen: { index: number; candidate: Candidate; connected: boolean } | undefined;
    for (const index of remaining) {
      const next = leaves[index];
      if (next === undefined) continue;
      const connected = isConnected(mask, bit(index), conditions);
      if (chosen !== undefined && chosen.connected && !connected) continue;
      const candidate = join(current, next, conditions, mask, bit(index), relations);
      if (chosen === undefined || (connected && !chosen.connected) || candidate.rows < chosen.candidate.rows) chosen = { index, candidate, connected };
    }
    assert(chosen !== undefined, "a remaining relation joins");
    mask |= bit(chosen.index);
    current = chosen.candidate;
    remaining.delete(chosen.index);
  }
  return new Map([[mask, current]]);
}


