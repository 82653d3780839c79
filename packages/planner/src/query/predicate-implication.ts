/**
 * Whether a query's conditions on a table imply a partial index's predicate, so that every row
 * the query can return is in the index. PostgreSQL's predtest.c proves implications between
 * operators too (`x > 5` implies `x > 3`); this check is the sound core of it: each conjunct of
 * the predicate must appear among the query's conjuncts, as the same expression. A predicate it
 * cannot prove is treated as not implied, which only costs the partial index its use.
 *
 * "The same expression" is structural: the same node kinds, functions, operators and columns (by
 * position; their display names are ignored), and constants of the same type with the same text.
 */
import { formatValue, parseTimeZone, type SqlValue, type TextIoSettings } from "@omnikv/base";
import type { BoundExpr } from "../bound-expr.ts";
import { conjuncts } from "./expr-columns.ts";

/** Fixed settings for comparing constants by their text: both sides are formatted alike. */
const constantTextSettings: TextIoSettings = { extraFloatDigits: 3, timeZone: parseTimeZone("UTC") };

export function isPredicateImplied(predicate: BoundExpr, queryConjuncts: readonly BoundExpr[]): boolean {
  return conjuncts(predicate).every((needed) => queryConjuncts.some((have) => isSameExpr(needed, have)));
}

export function isSameExpr(a: BoundExpr, b: BoundExpr): boolean {
  return isSameNode(a, b);
}

function isSameNode(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => isSameNode(item, b[i]));
  }
  if (isConst(a) || isConst(b)) return isConst(a) && isConst(b) && isSameNode(a.type, b.type) && constantText(a) === constantText(b);
  const aKeys = Object.keys(a).filter((key) => !isIgnored(a, key));
  const bKeys = Object.keys(b).filter((key) => !isIgnored(b, key));
  if (aKeys.length !== bKeys.length) return false;
  return aKeys.every((key) => Object.hasOwn(b, key) && isSameNode(Reflect.get(a, key), Reflect.get(b, key)));
}

/** A column's name is for display: two references to one column may spell it differently. */
function isIgnored(node: object, key: string): boolean {
  return key === "name" && "kind" in node && node.kind === "column";
}

function isConst(node: object): node is Extract<BoundExpr, { kind: "const" }> {
  return "kind" in node && node.kind === "const" && "type" in node && "value" in node;
}

function constantText(node: Extract<BoundExpr, { kind: "const" }>): string | null {
  const value: SqlValue = node.value;
  return value === null ? null : formatValue(node.type.oid, value, constantTextSettings);
}
