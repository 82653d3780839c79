/**
 * Column references inside bound expressions: which input columns an expression uses, and the
 * same expression with its column indexes remapped (a join's right-side key, read against the
 * right row alone, is the condition's reference shifted left by the left side's width).
 */
import { TypeOid, assertNever } from "@omnikv/base";
import type { BoundExpr } from "../bound-expr.ts";

/** The highest and lowest column index `expr` refers to ([Infinity, -Infinity] when none). */
export function columnRange(expr: BoundExpr): { readonly min: number; readonly max: number } {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  mapColumns(expr, (index) => {
    if (index < min) min = index;
    if (index > max) max = index;
    return index;
  });
  return { min, max };
}

/**
 * `expr` with every column index replaced by `remap(index)`, and every parameter by
 * `replaceParam(param)` when that is given (and returns an expression).
 */
export function mapColumns(expr: BoundExpr, remap: (index: number) => number, replaceParam?: (param: Extract<BoundExpr, { kind: "param" }>) => BoundExpr | undefined): BoundExpr {
  const map = (child: BoundExpr): BoundExpr => mapColumns(child, remap, replaceParam);
  switch (expr.kind) {
    case "const":
      return expr;
    case "param":
      return replaceParam?.(expr) ?? expr;
    case "column":
      return { ...expr, index: remap(expr.index) };
    case "call":
      return { ...expr, args: expr.args.map(map) };
    case "cast":
      return { ...expr, expr: map(expr.expr) };
    case "bool":
      return { ...expr, args: expr.args.map(map) };
    case "not":
    case "null_test":
    case "bool_test":
      return { ...expr, arg: map(expr.arg) };
    case "case":
      return { ...expr, whens: expr.whens.map((w) => ({ condition: map(w.condition), result: map(w.result) })), elseResult: map(expr.elseResult) };
    case "coalesce":
    case "min_max":
      return { ...expr, args: expr.args.map(map) };
    case "scalar_array_op":
      return { ...expr, left: map(expr.left), items: expr.items.map(map) };
    case "array_op":
      return { ...expr, left: map(expr.left), array: map(expr.array) };
    case "array":
      return { ...expr, elements: expr.elements.map(map) };
    case "distinct":
    case "nullif":
      return { ...expr, left: map(expr.left), right: map(expr.right) };
    case "row":
      return { ...expr, fields: expr.fields.map(map) };
    case "domain_check":
      // The checks read VALUE from a row of their own, not this level's columns.
      return { ...expr, arg: map(expr.arg) };
    case "subquery":
      // The plan reads its own rows; only the outer values it is handed and the test's left side
      // refer to this level's columns.
      return {
        ...expr,
        correlations: expr.correlations.map((c) => ({ slot: c.slot, value: map(c.value) })),
        ...(expr.test === undefined ? {} : { test: { ...expr.test, left: map(expr.test.left) } }),
      };
    default:
      return assertNever(expr);
  }
}

/** The AND of `parts` (the part itself when there is one); the inverse of `conjuncts`. */
export function conjunction(parts: readonly BoundExpr[]): BoundExpr {
  const [only] = parts;
  return parts.length === 1 && only !== undefined ? only : { kind: "bool", type: { oid: TypeOid.bool, typmod: -1 }, op: "and", args: parts };
}

/** The AND-ed parts of a condition. */
export function conjuncts(expr: BoundExpr): BoundExpr[] {
  if (expr.kind === "bool" && expr.op === "and") return expr.args.flatMap(conjuncts);
  return [expr];
}
