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
  return conjuncts(predicate).every((needed) => queryConjuncts.some((have) => isSameExpr(needed, have) || implies(have, needed)));
}

/**
 * Whether a row for which conjunct `have` is true must make `needed` true, for the two forms of
 * PostgreSQL's predtest this covers beyond equality:
 * - `col IS NOT NULL` follows from a strict call on the column (`col = 5`, `col > $1`,
 *   `lower(col) = 'x'`): for a NULL column that call is NULL, never true;
 * - `col op c2` follows from `col op c1` when every value the first admits, the second admits
 *   (`x > 5` implies `x > 3` and `x >= 5`; `x = 4` implies `x < 10`), for numeric constants.
 */
function implies(have: BoundExpr, needed: BoundExpr): boolean {
  if (needed.kind === "null_test" && needed.isNegated && needed.arg.kind === "column") {
    const column = needed.arg.index;
    return have.kind === "call" && have.isStrict && have.args.some((arg) => arg.kind === "column" && arg.index === column);
  }
  const a = numericComparison(have);
  const b = numericComparison(needed);
  return a !== undefined && b !== undefined && a.column === b.column && isRangeWithin(a, b);
}

type RangeOperator = "=" | "<" | "<=" | ">" | ">=";

interface NumericComparison {
  readonly column: number;
  readonly op: RangeOperator;
  readonly value: number | bigint;
}

const flippedOperators: Readonly<Record<RangeOperator, RangeOperator>> = { "=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<=" };

/** `column op constant` (either way round) with a number or bigint constant, if `expr` is one. */
function numericComparison(expr: BoundExpr): NumericComparison | undefined {
  if (expr.kind !== "call" || expr.args.length !== 2) return undefined;
  const name = expr.signatureId.slice(0, expr.signatureId.indexOf("("));
  const op = (["=", "<", "<=", ">", ">="] as const).find((candidate) => candidate === name);
  const [left, right] = expr.args;
  if (op === undefined || left === undefined || right === undefined) return undefined;
  const constantOf = (side: BoundExpr): number | bigint | undefined => (side.kind === "const" && (typeof side.value === "bigint" || (typeof side.value === "number" && !Number.isNaN(side.value))) ? side.value : undefined);
  const rightValue = constantOf(right);
  if (left.kind === "column" && rightValue !== undefined) return { column: left.index, op, value: rightValue };
  const leftValue = constantOf(left);
  if (right.kind === "column" && leftValue !== undefined) return { column: right.index, op: flippedOperators[op], value: leftValue };
  return undefined;
}

/** Whether every x with `x have.op have.value` also has `x needed.op needed.value`. */
function isRangeWithin(have: NumericComparison, needed: NumericComparison): boolean {
  const c1 = have.value;
  const c2 = needed.value;
  switch (needed.op) {
    case ">":
      return (have.op === "=" || have.op === ">=") ? c1 > c2 : have.op === ">" && c1 >= c2;
    case ">=":
      return (have.op === "=" || have.op === ">" || have.op === ">=") && c1 >= c2;
    case "<":
      return (have.op === "=" || have.op === "<=") ? c1 < c2 : have.op === "<" && c1 <= c2;
    case "<=":
      return (have.op === "=" || have.op === "<" || have.op === "<=") && c1 <= c2;
    case "=":
      return have.op === "=" && c1 === c2;
    default:
      return false;
  }
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
