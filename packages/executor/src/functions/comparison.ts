/**
 * The comparison operators `= <> < <= > >=` of PostgreSQL 15 for every type pair in the
 * planner's catalog: integers across widths, floats across widths, and numeric, text, bpchar,
 * name, bool, bytea, uuid, oid and jsonb against themselves.
 *
 * Invariants: every operator is derived from one three-way comparison per type pair, the same
 * function a btree index would use, so `<` and `=` can never disagree. Floats order NaN above
 * everything and equal to itself, and -0 equals 0 (`float8_cmp_internal`). Text and name compare
 * in the C collation (code point order); bpchar ignores trailing spaces; bool orders false first;
 * oid compares unsigned (its representation already is).
 */
import {
  Numeric,
  assert,
  assertNever,
  compareBpchar,
  compareEnum,
  compareBytea,
  compareFloat,
  compareJsonb,
  compareOrdered,
  compareText,
  compareUuid,
  type JsonbValue,
  type Ordering,
} from "@omnikv/base";
import { asBool, asBytes, asEnum, asNumber, asNumeric, asText, type SqlValue } from "../values.ts";
import { intArgAsBigInt } from "./arithmetic.ts";
import type { FunctionTable, ScalarFunction } from "./function-types.ts";

type Compare = (a: SqlValue, b: SqlValue) => Ordering;

type ComparisonOp = "=" | "<>" | "<" | "<=" | ">" | ">=";
const comparisonOps: readonly ComparisonOp[] = ["=", "<>", "<", "<=", ">", ">="];

/** A jsonb argument: the one representation with a `kind` that is not a Numeric. */
export function asJsonb(value: SqlValue): JsonbValue {
  assert(value !== null && typeof value === "object", "a jsonb argument is an object");
  assert(!(value instanceof Numeric) && !(value instanceof Uint8Array), "a jsonb argument is not a numeric or bytea");
  assert("kind" in value, "a jsonb argument is a JsonbValue");
  return value;
}

function holds(op: ComparisonOp, order: Ordering): boolean {
  switch (op) {
    case "=":
      return order === 0;
    case "<>":
      return order !== 0;
    case "<":
      return order < 0;
    case "<=":
      return order <= 0;
    case ">":
      return order > 0;
    case ">=":
      return order >= 0;
  }
  return assertNever(op);
}

function operator(op: ComparisonOp, compare: Compare): ScalarFunction {
  return (args) => {
    assert(args.length === 2, "a comparison takes two arguments");
    return holds(op, compare(args[0] ?? null, args[1] ?? null));
  };
}

const compareInteger: Compare = (a, b) => {
  if (typeof a === "number" && typeof b === "number") return compareOrdered(a, b);
  return compareOrdered(intArgAsBigInt(a), intArgAsBigInt(b));
};

/** Two values of one enum type, by their labels' positions. */
export const compareEnumArgs: Compare = (a, b) => compareEnum(asEnum(a), asEnum(b));

const compareBool: Compare = (a, b) => compareOrdered(asBool(a) ? 1 : 0, asBool(b) ? 1 : 0);

function typeComparisons(): readonly (readonly [string, string, Compare])[] {
  const pairs: (readonly [string, string, Compare])[] = [];
  for (const left of ["int2", "int4", "int8"]) {
    for (const right of ["int2", "int4", "int8"]) pairs.push([left, right, compareInteger]);
  }
  for (const left of ["float4", "float8"]) {
    for (const right of ["float4", "float8"]) pairs.push([left, right, (a, b) => compareFloat(asNumber(a), asNumber(b))]);
  }
  pairs.push(
    ["numeric", "numeric", (a, b) => asNumeric(a).compare(asNumeric(b))],
    ["text", "text", (a, b) => compareText(asText(a), asText(b))],
    ["bpchar", "bpchar", (a, b) => compareBpchar(asText(a), asText(b))],
    ["name", "name", (a, b) => compareText(asText(a), asText(b))],
    ["bool", "bool", compareBool],
    ["bytea", "bytea", (a, b) => compareBytea(asBytes(a), asBytes(b))],
    ["uuid", "uuid", (a, b) => compareUuid(asText(a), asText(b))],
    ["oid", "oid", (a, b) => compareOrdered(asNumber(a), asNumber(b))],
    ["jsonb", "jsonb", (a, b) => compareJsonb(asJsonb(a), asJsonb(b))],
    ["anyenum", "anyenum", compareEnumArgs],
  );
  return pairs;
}

function comparisonTable(): FunctionTable {
  const table: Record<string, ScalarFunction> = {};
  for (const [left, right, compare] of typeComparisons()) {
    for (const op of comparisonOps) table[`${op}(${left},${right})`] = operator(op, compare);
  }
  return table;
}

export const comparisonFunctions: FunctionTable = comparisonTable();
