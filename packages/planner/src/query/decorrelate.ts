/**
 * Subquery decorrelation: a WHERE conjunct `EXISTS (…)`, `NOT EXISTS (…)` or `x IN (…)` becomes
 * a semi or anti join, so the subquery runs once rather than once per outer row.
 *
 * - EXISTS / NOT EXISTS: the subquery must be a filter over a FROM clause (projections aside)
 *   whose only references to the outer query are equalities `inner = outer` (each side an
 *   expression: one over the subquery's rows, one over outer values only); those become the
 *   join's keys (hash semi/anti join), the rest of its filter stays on its side. A NULL key never
 *   matches, exactly as `=` is never true for NULL, so NOT EXISTS as an anti join is exact.
 * - `x IN (uncorrelated subquery)` as a top-level WHERE conjunct: a semi join on `x = column`;
 *   there an IN that is NULL rejects the row just as false does, so the semi join is exact.
 *   NOT IN is left alone (its NULL semantics are not an anti join's).
 * Anything else stays a subquery evaluated per row.
 */
import type { BoundExpr } from "../bound-expr.ts";
import { makeJoin } from "./bind-from.ts";
import { columnRange, conjunction, conjuncts, mapColumns } from "./expr-columns.ts";
import type { PlanNode } from "./plan.ts";
import { TypeOid } from "@omnikv/base";

type SubqueryExpr = Extract<BoundExpr, { kind: "subquery" }>;

export function decorrelate(plan: PlanNode): PlanNode {
  if (plan.kind !== "filter") return plan;
  const parts = conjuncts(plan.predicate);
  const isJoinable = parts.map((condition) => semiJoinFor(plan.input, condition) !== undefined);
  if (!isJoinable.includes(true)) return plan;
  // The other conditions stay below the semi joins, where join ordering can push them down.
  const rest = parts.filter((_, i) => isJoinable[i] !== true);
  let result: PlanNode = rest.length === 0 ? plan.input : { kind: "filter", input: plan.input, predicate: conjunction(rest), columns: plan.columns };
  parts.forEach((condition, i) => {
    if (isJoinable[i] !== true) return;
    const joined = semiJoinFor(result, condition);
    if (joined !== undefined) result = joined;
  });
  return result;
}

function semiJoinFor(left: PlanNode, condition: BoundExpr): PlanNode | undefined {
  if (condition.kind === "not" && condition.arg.kind === "subquery" && condition.arg.form === "exists") return existsJoin(left, condition.arg, "anti");
  if (condition.kind !== "subquery") return undefined;
  if (condition.form === "exists") return existsJoin(left, condition, "semi");
  const test = condition.test;
  if (condition.form === "any" && test !== undefined && condition.correlations.length === 0 && test.signatureId.startsWith("=(")) {
    const width = left.columns.length;
    const equality: BoundExpr = { kind: "call", type: { oid: TypeOid.bool, typmod: -1 }, signatureId: test.signatureId, args: [test.left, mapColumns(test.right, (i) => i + width)], isStrict: test.isStrict };
    return makeJoin("semi", left, condition.plan, equality, left.columns);
  }
  return undefined;
}

function existsJoin(left: PlanNode, subquery: SubqueryExpr, joinType: "semi" | "anti"): PlanNode | undefined {
  let inner = subquery.plan;
  while (inner.kind === "project") inner = inner.input;
  const slots = new Set(subquery.correlations.map((c) => c.slot));
  if (slots.size === 0) return undefined;
  if (inner.kind !== "filter" || usesSlots(inner.input, slots)) return undefined;
  const width = left.columns.length;
  const keys: BoundExpr[] = [];
  const rest: BoundExpr[] = [];
  for (const part of conjuncts(inner.predicate)) {
    const key = correlatedEquality(part, slots, subquery, width);
    if (key !== undefined) keys.push(key);
    else if (usesSlots(part, slots)) return undefined;
    else rest.push(part);
  }
  if (keys.length === 0) return undefined;
  const right: PlanNode = rest.length === 0 ? inner.input : { kind: "filter", input: inner.input, predicate: conjunction(rest), columns: inner.input.columns };
  return makeJoin(joinType, left, right, conjunction(keys), left.columns);
}

/**
 * `innerExpr = outerExpr` (either way round) as `outer = inner` over the concatenated row, if it
 * is one: one side reads only the subquery's rows, the other only correlation parameters (and
 * constants), which become the outer query's expressions they stand for.
 */
function correlatedEquality(part: BoundExpr, slots: ReadonlySet<number>, subquery: SubqueryExpr, width: number): BoundExpr | undefined {
  if (part.kind !== "call" || !part.signatureId.startsWith("=(") || part.args.length !== 2) return undefined;
  const [a, b] = part.args;
  if (a === undefined || b === undefined) return undefined;
  const isOuterOnly = (e: BoundExpr): boolean => usesSlots(e, slots) && columnRange(e).min === Number.POSITIVE_INFINITY && !containsSubquery(e);
  const [outerSide, innerSide] = isOuterOnly(a) && !usesSlots(b, slots) ? [a, b] : isOuterOnly(b) && !usesSlots(a, slots) ? [b, a] : [undefined, undefined];
  if (outerSide === undefined || innerSide === undefined) return undefined;
  let isExact = true;
  const outer = mapColumns(outerSide, (i) => i, (param) => {
    if (!slots.has(param.index)) return undefined;
    const value = subquery.correlations.find((c) => c.slot === param.index)?.value;
    // A parameter typed differently from the value it is bound to would change the comparison.
    if (value === undefined || value.type.oid !== param.type.oid) isExact = false;
    return value;
  });
  if (!isExact) return undefined;
  const shifted = mapColumns(innerSide, (i) => i + width);
  const args = outerSide === a ? [outer, shifted] : [shifted, outer];
  return { ...part, args };
}

function containsSubquery(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(containsSubquery);
  if (typeof node !== "object" || node === null) return false;
  if ("kind" in node && node.kind === "subquery") return true;
  return Object.values(node).some(containsSubquery);
}

/** Whether any of the correlation parameters `slots` appears anywhere inside `node`. */
function usesSlots(node: unknown, slots: ReadonlySet<number>): boolean {
  if (Array.isArray(node)) return node.some((item) => usesSlots(item, slots));
  if (typeof node !== "object" || node === null) return false;
  if ("kind" in node && node.kind === "param" && "index" in node && typeof node.index === "number" && slots.has(node.index)) return true;
  return Object.values(node).some((child) => usesSlots(child, slots));
}
