/**
 * Projection pruning: a select list over filters over a table scan reads only the columns its
 * expressions and the filters name (outer references of subqueries included, through their
 * correlation values); the scan is told so (`readColumns`) and the storage layer skips decoding
 * the others. Only this shape is pruned: joins, aggregations and the other nodes' inputs still
 * carry every column of their tables.
 */
import type { BoundExpr } from "../bound-expr.ts";
import { mapColumns } from "./expr-columns.ts";
import type { PlanNode } from "./plan.ts";

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
