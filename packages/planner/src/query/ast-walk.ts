/**
 * Generic walks over parser expressions, for the query binder's needs: finding aggregate calls
 * and rewriting subtrees (aggregates and GROUP BY expressions become references to the
 * aggregation's output). Subqueries are not entered: their aggregates belong to them.
 *
 * The AST is immutable; `mapExpr` copies only the nodes on the path to a replacement.
 */
import type { Expr } from "@omnikv/parser";

/** Node kinds that start a nested query level. */
const queryKinds: ReadonlySet<string> = new Set(["select", "select_core", "set_operation", "values", "in_subquery", "exists", "scalar_subquery", "array_subquery", "quantified_subquery"]);

/** Nodes inside expressions that are not expressions themselves: walked through, never visited or replaced. */
const clauseKinds: ReadonlySet<string> = new Set(["sort_by", "window_def", "window_frame", "frame_bound", "type_name", "alias"]);

function isNode(value: unknown): value is { readonly kind: string } {
  return typeof value === "object" && value !== null && "kind" in value && typeof value.kind === "string";
}

/** Calls `visit` on `expr` and every expression below it, outside nested queries. */
export function visitExpr(expr: Expr, visit: (node: Expr) => void): void {
  visitValue(expr, (node) => {
    visit(node);
  });
}

function visitValue(value: unknown, visit: (node: Expr) => void): void {
  if (Array.isArray(value)) {
    for (const item of value) visitValue(item, visit);
    return;
  }
  if (!isNode(value)) return;
  if (queryKinds.has(value.kind)) return;
  if (!clauseKinds.has(value.kind)) visit(asExpr(value));
  for (const [field, child] of Object.entries(value)) {
    if (field !== "kind" && typeof child === "object" && child !== null) visitValue(child, visit);
  }
}

/** `expr` with each node for which `replace` returns an expression swapped for it. */
export function mapExpr(expr: Expr, replace: (node: Expr) => Expr | undefined): Expr {
  return asExpr(mapValue(expr, replace));
}

function mapValue(value: unknown, replace: (node: Expr) => Expr | undefined): unknown {
  if (Array.isArray(value)) {
    let changed = false;
    const mapped = value.map((item: unknown) => {
      const next = mapValue(item, replace);
      if (next !== item) changed = true;
      return next;
    });
    return changed ? mapped : value;
  }
  if (!isNode(value) || queryKinds.has(value.kind)) return value;
  const replacement = clauseKinds.has(value.kind) ? undefined : replace(asExpr(value));
  if (replacement !== undefined) return replacement;
  let copy: Record<string, unknown> | undefined;
  for (const [field, child] of Object.entries(value)) {
    if (typeof child !== "object" || child === null) continue;
    const next = mapValue(child, replace);
    if (next === child) continue;
    copy ??= { ...value };
    copy[field] = next;
  }
  return copy ?? value;
}

/**
 * The walks above only ever hand on values taken from an `Expr` tree (or built by `replace` as
 * one), so a node found there is an expression node.
 */
function asExpr(value: unknown): Expr {
  // oxlint-disable-next-line typescript/no-unsafe-type-assertion -- see the doc comment above
  return value as Expr;
}
