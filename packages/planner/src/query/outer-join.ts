/**
 * Outer-join simplification (PostgreSQL's reduce_outer_joins): a condition above an outer join
 * that can never be true when a column of its null-extended side is NULL removes every
 * null-extended row, so the join is an inner one (or, for FULL, a one-sided one):
 *
 *   a LEFT JOIN b ON a.id = b.a_id WHERE b.x > 5   ≡   a JOIN b ON a.id = b.a_id WHERE b.x > 5
 *
 * Inner joins can then be reordered with the rest of their region. "Rejecting" conditions are
 * WHERE conjuncts and inner joins' ON conjuncts above the join; those of outer joins' ON clauses
 * are not used (they do not remove the preserved side's rows). The analysis is conservative:
 * it only follows filters and joins, and only strict expressions (NULL in, NULL out).
 *
 * WHERE conditions on a remaining LEFT/RIGHT join's preserved side alone move below the join.
 */
import type { BoundExpr } from "../bound-expr.ts";
import { columnRange, conjunction, conjuncts, mapColumns } from "./expr-columns.ts";
import type { JoinType, PlanNode } from "./plan.ts";
import { mapChildren } from "./plan-children.ts";

type Join = Extract<PlanNode, { kind: "hash_join" | "nested_loop_join" }>;

/** `plan` with outer joins reduced where conditions above them reject their NULL-extended rows. */
export function simplifyOuterJoins(plan: PlanNode, rejected: ReadonlySet<number> = new Set()): PlanNode {
  if (plan.kind === "filter") return pushToPreservedSide(plan.predicate, simplifyOuterJoins(plan.input, union(rejected, rejectedColumns(plan.predicate))));
  if (plan.kind === "hash_join" || plan.kind === "nested_loop_join") return simplifyJoin(plan, rejected);
  // Other nodes change or hide columns: what is rejected above says nothing below.
  return mapChildren(plan, (child) => simplifyOuterJoins(child));
}

/**
 * `predicate` over `input`, its conjuncts on an outer join's preserved side alone applied below
 * the join, on that side: each preserved row's columns are the same in all of its output rows,
 * so filtering before the join keeps exactly the rows filtering after it does (and join
 * ordering and access paths can use the condition there).
 */
function pushToPreservedSide(predicate: BoundExpr, input: PlanNode): PlanNode {
  const parts = conjuncts(predicate);
  if ((input.kind !== "hash_join" && input.kind !== "nested_loop_join") || (input.joinType !== "left" && input.joinType !== "right")) {
    return { kind: "filter", input, predicate, columns: input.columns };
  }
  const width = input.left.columns.length;
  const isPushed = (part: BoundExpr): boolean => {
    const { min, max } = columnRange(part);
    if (min === Number.POSITIVE_INFINITY) return false;
    return input.joinType === "left" ? max < width : min >= width;
  };
  const pushed = parts.filter(isPushed);
  const kept = parts.filter((part) => !isPushed(part));
  if (pushed.length === 0) return { kind: "filter", input, predicate, columns: input.columns };
  const onSide = (side: PlanNode, shift: number): PlanNode => ({
    kind: "filter",
    input: side,
    predicate: conjunction(pushed.map((part) => mapColumns(part, (i) => i - shift))),
    columns: side.columns,
  });
  const join: PlanNode = input.joinType === "left" ? { ...input, left: onSide(input.left, 0) } : { ...input, right: onSide(input.right, width) };
  return kept.length === 0 ? join : { kind: "filter", input: join, predicate: conjunction(kept), columns: input.columns };
}

function simplifyJoin(join: Join, rejected: ReadonlySet<number>): PlanNode {
  const width = join.left.columns.length;
  const isLeftRejected = [...rejected].some((c) => c < width);
  const isRightRejected = [...rejected].some((c) => c >= width);
  const joinType = reducedType(join.joinType, isLeftRejected, isRightRejected);
  const below = joinType === "inner" && join.condition !== undefined ? union(rejected, rejectedColumns(join.condition)) : rejected;
  const leftRejected = new Set([...below].filter((c) => c < width));
  const rightRejected = new Set([...below].filter((c) => c >= width).map((c) => c - width));
  const isLeftPreserved = joinType === "inner" || joinType === "left" || joinType === "semi" || joinType === "anti";
  const isRightPreserved = joinType === "inner" || joinType === "right";
  return {
    ...join,
    joinType,
    left: simplifyOuterJoins(join.left, isLeftPreserved ? leftRejected : new Set()),
    right: simplifyOuterJoins(join.right, isRightPreserved ? rightRejected : new Set()),
  };
}

/** The join type once rows NULL-extended on a rejected side are known to be filtered out. */
function reducedType(joinType: JoinType, isLeftRejected: boolean, isRightRejected: boolean): JoinType {
  if (joinType === "left") return isRightRejected ? "inner" : "left";
  if (joinType === "right") return isLeftRejected ? "inner" : "right";
  if (joinType !== "full") return joinType;
  // Rejecting NULL-extended left columns removes the unmatched right rows: a LEFT join remains.
  if (isLeftRejected && isRightRejected) return "inner";
  return isLeftRejected ? "left" : isRightRejected ? "right" : "full";
}

function union(a: ReadonlySet<number>, b: ReadonlySet<number>): ReadonlySet<number> {
  return b.size === 0 ? a : new Set([...a, ...b]);
}

/** The columns for which `condition` is false or NULL whenever that column is NULL. */
function rejectedColumns(condition: BoundExpr): ReadonlySet<number> {
  const result = new Set<number>();
  for (const part of conjuncts(condition)) {
    const columns = new Set<number>();
    mapColumns(part, (index) => {
      columns.add(index);
      return index;
    });
    for (const column of columns) if (isRejecting(part, column)) result.add(column);
  }
  return result;
}

/** Whether `expr` is false or NULL whenever column `column` is NULL. */
function isRejecting(expr: BoundExpr, column: number): boolean {
  if (expr.kind === "null_test") return expr.isNegated && isNullWhen(expr.arg, column);
  if (expr.kind === "bool_test") return !expr.isNegated && expr.test !== "unknown" && isNullWhen(expr.arg, column);
  if (expr.kind === "bool") return expr.op === "and" ? expr.args.some((arg) => isRejecting(arg, column)) : expr.args.every((arg) => isRejecting(arg, column));
  return isNullWhen(expr, column);
}

/** Whether `expr` is NULL whenever column `column` is NULL (strict all the way down to it). */
function isNullWhen(expr: BoundExpr, column: number): boolean {
  if (expr.kind === "column") return expr.index === column;
  if (expr.kind === "call") return expr.isStrict && expr.args.some((arg) => isNullWhen(arg, column));
  // Every cast maps NULL to NULL, and NOT NULL is NULL.
  if (expr.kind === "cast") return isNullWhen(expr.expr, column);
  if (expr.kind === "not") return isNullWhen(expr.arg, column);
  return false;
}
