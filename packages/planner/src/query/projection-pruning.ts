/**
 * Projection pruning: a select list over filters over a table scan reads only the columns its
 * expressions and the filters name (outer references of subqueries included, through their
 * correlation values); the scan is told so (`readColumns`) and the storage layer skips decoding
 * the others. Only this shape is pruned: joins, aggregations and the other nodes' inputs still
 * carry every column of their tables.
 */
import { assertNever } from "@omnikv/base";
import type { BoundExpr } from "../bound-expr.ts";
import { mapColumns } from "./expr-columns.ts";
import type { PlanNode, WindowSpec } from "./plan.ts";

type Project = Extract<PlanNode, { kind: "project" }>;

/** `project` with the scan under its filters reading only the columns they use. */
export function pruneScanColumns(project: Project): Project {
  const used = new Set<number>();
  const note = (expr: BoundExpr): void => {
    mapColumns(expr, (index) => {
      used.add(index);
      return index;
    });
  };
  project.exprs.forEach(note);
  const input = pruned(project.input, used, note);
  return input === undefined ? project : { ...project, input };
}

function pruned(plan: PlanNode, used: Set<number>, note: (expr: BoundExpr) => void): PlanNode | undefined {
  if (plan.kind === "filter") {
    note(plan.predicate);
    const input = pruned(plan.input, used, note);
    return input === undefined ? undefined : { ...plan, input };
  }
  if (plan.kind !== "seq_scan" && plan.kind !== "index_scan") return undefined;
  // A scan needs its index's key columns only for the bounds, which are constants: not read here.
  if (used.size >= plan.columns.length) return undefined;
  return { ...plan, readColumns: [...used].toSorted((a, b) => a - b) };
}

/** Which output columns of a node its consumer reads: some, or all of them. */
type Needed = ReadonlySet<number> | "all";

/**
 * Projection pruning through joins, filters, sorts, limits, projections, aggregations, windows,
 * DISTINCT and set operations: from the root down, each node is told which of its columns are
 * read above it (`needed`) and passes on what it reads itself — a join splits the columns between
 * its sides and adds those its keys and conditions read, an aggregation reads its keys' and
 * calls' columns only, a window the input columns read above plus its partition, order, frame and
 * call arguments, UNION ALL the same columns of both sides. DISTINCT, DISTINCT ON and the other
 * set operations compare whole rows, so every input column counts as read, but the pruning goes
 * on below them (a projection under them still reads only what its expressions name). LATERAL
 * joins and recursive unions keep their whole subtree as it is.
 */
export function pruneColumns(plan: PlanNode, needed: Needed = "all"): PlanNode {
  switch (plan.kind) {
    case "seq_scan":
    case "index_scan": {
      if (needed === "all") return plan;
      const read = new Set([...needed].filter((i) => i < plan.columns.length));
      for (const column of plan.readColumns ?? []) read.add(column);
      if (read.size >= plan.columns.length) return plan;
      return { ...plan, readColumns: [...read].toSorted((a, b) => a - b) };
    }
    case "filter":
      return { ...plan, input: pruneColumns(plan.input, withRefs(needed, [plan.predicate])) };
    case "sort":
      return { ...plan, input: pruneColumns(plan.input, withRefs(needed, plan.keys.map((key) => key.expr))) };
    case "limit":
      return { ...plan, input: pruneColumns(plan.input, withRefs(needed, [plan.limit, plan.offset])) };
    case "project":
      // Every expression, needed above or not: the executor evaluates them all, and one over a
      // column left NULL could fail where the real value would not (coalesce(c, 1 / 0)).
      return { ...plan, input: pruneColumns(plan.input, withRefs(new Set(), plan.exprs)) };
    case "aggregate": {
      const exprs: (BoundExpr | undefined)[] = [...plan.groupKeys];
      for (const call of plan.aggregates) exprs.push(...call.args, ...(call.directArgs ?? []), ...call.orderBy.map((key) => key.expr), call.filter);
      return { ...plan, input: pruneColumns(plan.input, withRefs(new Set(), exprs)) };
    }
    case "hash_join":
    case "merge_join":
    case "nested_loop_join":
      return pruneJoin(plan, needed);
    case "window":
      return { ...plan, input: pruneColumns(plan.input, withRefs(inputColumns(needed, plan.input.columns.length), windowExprs(plan.windows))) };
    case "distinct":
    case "distinct_on":
      return { ...plan, input: pruneColumns(plan.input, "all") };
    case "set_operation": {
      // UNION ALL passes rows through column by column; the others compare whole rows.
      const sides = plan.op === "union" && plan.isAll ? needed : "all";
      return { ...plan, left: pruneColumns(plan.left, sides), right: pruneColumns(plan.right, sides) };
    }
    case "recursive_union":
    case "lateral_join":
    case "function_scan":
    case "values":
    case "worktable_scan":
      // Not pruned below: every input column counts as read (see the function comment).
      return plan;
    default:
      return assertNever(plan);
  }
}

type Join = Extract<PlanNode, { kind: "hash_join" | "merge_join" | "nested_loop_join" }>;

function pruneJoin(join: Join, needed: Needed): PlanNode {
  const width = join.left.columns.length;
  const isLeftOnly = join.joinType === "semi" || join.joinType === "anti";
  // Over the concatenated row: the condition as written (also what a re-plan reads) and the residual.
  const joined = withRefs(needed === "all" && isLeftOnly ? range(width) : needed, join.kind === "nested_loop_join" ? [join.condition] : [join.condition, join.residual]);
  const left = joined === "all" ? "all" : new Set([...joined].filter((i) => i < width));
  const right = joined === "all" ? "all" : new Set([...joined].filter((i) => i >= width).map((i) => i - width));
  if (join.kind === "nested_loop_join") return { ...join, left: pruneColumns(join.left, left), right: pruneColumns(join.right, right) };
  // Keys are over each side's own row.
  return { ...join, left: pruneColumns(join.left, withRefs(left, join.leftKeys)), right: pruneColumns(join.right, withRefs(right, join.rightKeys)) };
}

/** The input's share of what a node that appends columns to its input's (a window) must produce. */
function inputColumns(needed: Needed, width: number): Needed {
  return needed === "all" ? "all" : new Set([...needed].filter((i) => i < width));
}

/** Every expression a window node evaluates over its input rows. */
function windowExprs(windows: readonly WindowSpec[]): (BoundExpr | undefined)[] {
  const exprs: (BoundExpr | undefined)[] = [];
  for (const window of windows) {
    exprs.push(...window.partitionBy.map((key) => key.expr), ...window.orderBy.map((key) => key.expr));
    for (const edge of [window.frame.start, window.frame.end]) if (edge.kind === "preceding" || edge.kind === "following") exprs.push(edge.offset);
    for (const call of window.calls) {
      exprs.push(...call.args);
      const aggregate = call.aggregate;
      if (aggregate !== undefined) exprs.push(...aggregate.args, ...(aggregate.directArgs ?? []), ...aggregate.orderBy.map((key) => key.expr), aggregate.filter);
    }
  }
  return exprs;
}

function range(count: number): Set<number> {
  return new Set(Array.from({ length: count }, (_, i) => i));
}

/** `needed` with the columns `exprs` read (outer references of subqueries included). */
function withRefs(needed: Needed, exprs: readonly (BoundExpr | undefined)[]): Needed {
  if (needed === "all") return "all";
  const result = new Set(needed);
  for (const expr of exprs) {
    if (expr === undefined) continue;
    mapColumns(expr, (index) => {
      result.add(index);
      return index;
    });
  }
  return result;
}
