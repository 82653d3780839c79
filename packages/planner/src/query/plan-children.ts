/**
 * Rebuilding a plan node with its child plans transformed — the walk the plan rewrites share
 * (join ordering, access paths). Subquery plans inside expressions are left alone.
 */
import type { PlanNode } from "./plan.ts";

/** `plan` with `f` applied to each child plan (expressions' subquery plans are left alone). */
export function mapChildren(plan: PlanNode, f: (child: PlanNode) => PlanNode): PlanNode {
  switch (plan.kind) {
    case "seq_scan":
    case "index_scan":
    case "values":
    case "function_scan":
    case "worktable_scan":
      return plan;
    case "recursive_union":
      return { ...plan, nonRecursive: f(plan.nonRecursive), recursive: f(plan.recursive) };
    case "filter":
    case "project":
    case "aggregate":
    case "sort":
    case "window":
    case "limit":
    case "distinct":
    case "distinct_on":
      return { ...plan, input: f(plan.input) };
    case "nested_loop_join":
    case "lateral_join":
    case "hash_join":
    case "merge_join":
    case "set_operation":
      return { ...plan, left: f(plan.left), right: f(plan.right) };
  }
  return plan;
}

