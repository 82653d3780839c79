/**
 * The built-in operators, functions and casts, as PostgreSQL 15 declares them (`pg_operator`,
 * `pg_proc`, `pg_cast`) for the types OmniKV-TS implements. Families with many type
 * combinations (integer arithmetic across int2/int4/int8, comparisons) are generated, the way
 * PostgreSQL's catalog spells them out one by one.
 *
 * Resolution depends on exactly which signatures exist: `int4 + int8` finds `+(int4,int8)`,
 * while `int4 + numeric` finds none and resolves to `+(numeric,numeric)` through the implicit
 * cast, as in PostgreSQL. Adding a convenient signature PostgreSQL lacks would change results.
 */
import { TypeOid } from "@omnikv/base";
import type { CastContext, CastSignature, FunctionSignature, Volatility } from "./signature.ts";
import { anyNonArrayOid, signature, signatureId, typeName } from "./signature.ts";
import { aggregatesFunctions, hypotheticalSetFunctions } from "./builtins-aggregates.ts";
import { datetimeFunctions } from "./builtins-datetime.ts";
import { jsonFunctions } from "./builtins-json.ts";
import { sessionFunctions } from "./builtins-session.ts";
import { catalogFunctions } from "./builtins-catalog.ts";
import { srfFunctions } from "./builtins-srf.ts";
import { textFunctions } from "./builtins-text.ts";

export { anyNonArrayOid };

const { bool, int2, int4, int8, float4, float8, numeric, text, bpchar, name: nameType, bytea, uuid, oid, jsonb } = TypeOid;
const integerTypes = [int2, int4, int8] as const;
const floatTypes = [float4, float8] as const;
const integerRank: ReadonlyMap<number, number> = new Map([
  [int2, 0],
  [int4, 1],
  [int8, 2],
]);

function widerInteger(a: number, b: number): number {
  return (integerRank.get(a) ?? 0) >= (integerRank.get(b) ?? 0) ? a : b;
}

function operator(name: string, args: readonly number[], returns: number): FunctionSignature {
  return signature({ name, kind: "operator", args, returns });
}

function arithmeticOperators(): FunctionSignature[] {
  const operators: FunctionSignature[] = [];
  for (const left of integerTypes) {
    for (const right of integerTypes) {
      for (const op of ["+", "-", "*", "/"]) operators.push(operator(op, [left, right], widerInteger(left, right)));
    }
    operators.push(operator("%", [left, left], left));
    for (const op of ["&", "|", "#"]) operators.push(operator(op, [left, left], left));
    for (const op of ["<<", ">>"]) operators.push(operator(op, [left, int4], left));
    for (const op of ["-", "+", "@", "~"]) operators.push(operator(op, [left], left));
  }
  for (const left of floatTypes) {
    for (const right of floatTypes) {
      const result = left === float8 || right === float8 ? float8 : float4;
      for (const op of ["+", "-", "*", "/"]) operators.push(operator(op, [left, right], result));
    }
    for (const op of ["-", "+", "@"]) operators.push(operator(op, [left], left));
  }
  operators.push(operator("^", [float8, float8], float8));
  for (const op of ["+", "-", "*", "/", "%", "^"]) operators.push(operator(op, [numeric, numeric], numeric));
  for (const op of ["-", "+", "@"]) operators.push(operator(op, [numeric], numeric));
  return operators;
}

const comparisonOps = ["=", "<>", "<", "<=", ">", ">="] as const;

/** Types with comparison operators only against themselves. */
const selfComparableTypes = [numeric, text, bpchar, nameType, bool, bytea, uuid, oid, jsonb] as const;

function comparisonOperators(): FunctionSignature[] {
  const operators: FunctionSignature[] = [];
  const pairs: [number, number][] = [];
  for (const left of integerTypes) for (const right of integerTypes) pairs.push([left, right]);
  for (const left of floatTypes) for (const right of floatTypes) pairs.push([left, right]);
  for (const type of selfComparableTypes) pairs.push([type, type]);
  for (const [left, right] of pairs) {
    for (const op of comparisonOps) operators.push(operator(op, [left, right], bool));
  }
  // Enum types compare by their labels' positions (enum_eq, enum_lt, …).
  for (const op of comparisonOps) operators.push(operator(op, [TypeOid.anyenum, TypeOid.anyenum], bool));
  // Whole-array comparisons, element by element with the element type's operators.
  for (const op of comparisonOps) operators.push(operator(op, [TypeOid.anyarray, TypeOid.anyarray], bool));
  return operators;
}

function textOperators(): FunctionSignature[] {
  return [
    operator("||", [text, text], text),
    operator("||", [bytea, bytea], bytea),
    operator("||", [text, anyNonArrayOid], text),
    operator("||", [anyNonArrayOid, text], text),
    ...["~~", "!~~", "~~*", "!~~*", "~", "!~", "~*", "!~*"].map((op) => operator(op, [text, text], bool)),
    ...["~~", "!~~", "~~*", "!~~*"].map((op) => operator(op, [bpchar, text], bool)),
  ];
}

function mathFunctions(): FunctionSignature[] {
  const functions: FunctionSignature[] = [];
  const fn = (name: string, args: readonly number[], returns: number, volatility: Volatility = "immutable"): void => {
    functions.push(signature({ name, args, returns, volatility }));
  };
  for (const type of [int2, int4, int8, float4, float8, numeric]) fn("abs", [type], type);
  for (const type of [float8, numeric]) {
    for (const name of ["ceil", "ceiling", "floor", "round", "trunc", "sign", "sqrt", "exp", "ln", "log"]) fn(name, [type], type);
  }
  fn("cbrt", [float8], float8);
  fn("round", [numeric, int4], numeric);
  fn("trunc", [numeric, int4], numeric);
  fn("log", [numeric, numeric], numeric);
  fn("power", [float8, float8], float8);
  fn("power", [numeric, numeric], numeric);
  fn("mod", [int2, int2], int2);
  fn("mod", [int4, int4], int4);
  fn("mod", [int8, int8], int8);
  fn("mod", [numeric, numeric], numeric);
  fn("div", [numeric, numeric], numeric);
  fn("pi", [], float8);
  fn("random", [], float8, "volatile");
  return functions;
}

function stringFunctions(): FunctionSignature[] {
  const functions: FunctionSignature[] = [];
  const fn = (name: string, args: readonly number[], returns: number): void => {
    functions.push(signature({ name, args, returns }));
  };
  for (const name of ["length", "char_length", "character_length", "octet_length"]) fn(name, [text], int4);
  fn("length", [bpchar], int4);
  fn("octet_length", [bpchar], int4);
  fn("length", [bytea], int4);
  fn("octet_length", [bytea], int4);
  fn("md5", [bytea], text);
  for (const name of ["lower", "upper", "initcap", "reverse", "md5", "btrim", "ltrim", "rtrim", "quote_ident"]) fn(name, [text], text);
  for (const name of ["btrim", "ltrim", "rtrim"]) fn(name, [text, text], text);
  fn("substr", [text, int4], text);
  fn("substr", [text, int4, int4], text);
  fn("substring", [text, int4], text);
  fn("substring", [text, int4, int4], text);
  fn("strpos", [text, text], int4);
  fn("position", [text, text], int4);
  fn("replace", [text, text, text], text);
  fn("split_part", [text, text, int4], text);
  fn("left", [text, int4], text);
  fn("right", [text, int4], text);
  fn("lpad", [text, int4], text);
  fn("lpad", [text, int4, text], text);
  fn("rpad", [text, int4], text);
  fn("rpad", [text, int4, text], text);
  fn("repeat", [text, int4], text);
  fn("starts_with", [text, text], bool);
  fn("to_hex", [int4], text);
  fn("to_hex", [int8], text);
  return functions;
}

export const builtinFunctions: readonly FunctionSignature[] = [
  ...arithmeticOperators(),
  ...comparisonOperators(),
  ...textOperators(),
  ...mathFunctions(),
  ...stringFunctions(),
  ...datetimeFunctions,
  ...jsonFunctions,
  ...textFunctions,
  ...aggregatesFunctions,
  ...hypotheticalSetFunctions,
  ...srfFunctions,
  ...sessionFunctions,
  ...catalogFunctions,
];

// ---------------------------------------------------------------------------------------------
// Casts (pg_cast)

function cast(source: number, target: number, context: CastContext, isBinaryCoercible = false): CastSignature {
  const base = { source, target, context };
  return isBinaryCoercible ? base : { ...base, id: signatureId("cast", [typeName(source), typeName(target)]) };
}

function numericCasts(): CastSignature[] {
  const casts: CastSignature[] = [];
  const numericTypes = [int2, int4, int8, numeric, float4, float8];
  // Widening along int2 → int4 → int8 → numeric → float4 → float8 is implicit; narrowing is assignment.
  for (const [i, source] of numericTypes.entries()) {
    for (const [j, target] of numericTypes.entries()) {
      if (source !== target) casts.push(cast(source, target, j > i ? "implicit" : "assignment"));
    }
  }
  casts.push(cast(int4, bool, "explicit"), cast(bool, int4, "explicit"));
  casts.push(cast(int2, oid, "implicit"), cast(int4, oid, "implicit"), cast(int8, oid, "implicit"));
  casts.push(cast(oid, int4, "assignment"), cast(oid, int8, "assignment"));
  // regtype is an oid shown as a type name: the two convert without any work, both ways.
  casts.push(cast(oid, TypeOid.regtype, "implicit", true), cast(TypeOid.regtype, oid, "implicit", true));
  casts.push(cast(int4, TypeOid.regtype, "implicit", true));
  // regclass and regnamespace likewise; their names come from the catalog (executor catalog.ts).
  for (const reg of [TypeOid.regclass, TypeOid.regnamespace]) {
    casts.push(cast(oid, reg, "implicit", true), cast(reg, oid, "implicit", true), cast(int4, reg, "implicit", true));
    casts.push(cast(text, reg, "explicit"), cast(reg, text, "assignment"));
  }
  return casts;
}

function stringCasts(): CastSignature[] {
  return [
    cast(TypeOid.varchar, text, "implicit", true),
    cast(text, TypeOid.varchar, "implicit", true),
    cast(bpchar, text, "implicit"),
    cast(bpchar, TypeOid.varchar, "implicit"),
    cast(text, bpchar, "assignment"),
    cast(TypeOid.varchar, bpchar, "assignment"),
    cast(nameType, text, "implicit"),
    cast(text, nameType, "implicit"),
    // bool has its own cast to strings ("true"/"false"), unlike its output function ("t"/"f").
    cast(bool, text, "assignment"),
    cast(bool, TypeOid.varchar, "assignment"),
    cast(bool, bpchar, "assignment"),
    cast(TypeOid.json, jsonb, "assignment"),
    cast(jsonb, TypeOid.json, "assignment"),
    // jsonb scalars to SQL types (PostgreSQL 11+), explicit only.
    ...[bool, numeric, int2, int4, int8, float4, float8].map((target) => cast(jsonb, target, "explicit")),
  ];
}

function datetimeCasts(): CastSignature[] {
  const { date, time, timestamp, timestamptz, interval } = TypeOid;
  return [
    cast(date, timestamp, "implicit"),
    cast(date, timestamptz, "implicit"),
    cast(timestamp, timestamptz, "implicit"),
    cast(time, interval, "implicit"),
    cast(timestamptz, timestamp, "assignment"),
    cast(timestamp, date, "assignment"),
    cast(timestamptz, date, "assignment"),
    cast(timestamp, time, "assignment"),
    cast(timestamptz, time, "assignment"),
    cast(interval, time, "assignment"),
  ];
}

export const builtinCasts: readonly CastSignature[] = [...numericCasts(), ...stringCasts(), ...datetimeCasts()];
