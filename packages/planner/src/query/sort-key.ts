/**
 * Sort keys: an expression, its direction and NULL placement, and its type's btree `<` and `=`
 * (the order ORDER BY, window ordering and partitioning use).
 */
import type { SortBy } from "@omnikv/parser";
import { FeatureNotSupportedError } from "@omnikv/base";
import type { BoundExpr } from "../bound-expr.ts";
import { resolveOperator } from "../functions/resolve.ts";
import type { SortKey } from "./plan.ts";

function sortDirection(item: SortBy): { isDescending: boolean; isNullsFirst: boolean } {
  if (item.direction === "using") throw new FeatureNotSupportedError("ORDER BY … USING is not supported yet");
  const isDescending = item.direction === "desc";
  return { isDescending, isNullsFirst: item.nulls === undefined ? isDescending : item.nulls === "first" };
}

/** A sort key for `expr`, in the direction and NULL order `item` says (ascending, NULLs last by default). */
export function sortKey(expr: BoundExpr, item: SortBy): SortKey {
  const { isDescending, isNullsFirst } = sortDirection(item);
  const oid = expr.type.oid;
  const less = resolveOperator("<", [oid, oid]);
  const equal = resolveOperator("=", [oid, oid]);
  return { expr, isDescending, isNullsFirst, lessSignatureId: less.signature.id, equalSignatureId: equal.signature.id };
}
