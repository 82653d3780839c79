/**
 * The casts of the planner's catalog that need code (`pg_cast` entries with a function),
 * keyed `cast(source,target)`: between the numeric types, bool ↔ int4, integers ↔ oid, and the
 * string casts (bpchar → text strips pad spaces, text → name truncates, bool → text is
 * `true`/`false`, json ↔ jsonb), and jsonb → bool/numeric/int2/int4/int8/float4/float8.
 *
 * Invariants (PostgreSQL 15's conversion functions):
 * - Narrowing integers and float/numeric → integer raise the target's `… out of range` (22003);
 *   float → integer rounds half to even (`rint`), numeric → integer half away from zero.
 * - int8 → float4 rounds the exact integer once, as C's conversion does; numeric → float goes
 *   through the decimal text (`float4in`/`float8in`), and float → numeric through `%.6g`/`%.15g`.
 * - Length typmods (`bpchar(n)`, `varchar(n)`, `numeric(p,s)`) are applied separately by the
 *   caller, so text → bpchar is the identity here.
 */
import {
  InvalidParameterValueError,
  NumericValueOutOfRangeError,
  Numeric,
  assert,
  assertNever,
  castInt,
  float8ToFloat4,
  formatJsonb,
  parseFloat4,
  parseJsonb,
  utf8Bytes,
  bpcharTrimmed,
  type JsonbValue,
} from "@omnikv/base";
import { asBool, asNumber, asNumeric, asText, type SqlValue } from "../values.ts";
import { intArgAsBigInt } from "./arithmetic.ts";
import { asJsonb } from "./comparison.ts";
import type { FunctionTable, ScalarFunction } from "./function-types.ts";
import { rint } from "./math.ts";

type IntType = "int2" | "int4" | "int8";
type NumericType = IntType | "numeric" | "float4" | "float8";

const numericTypes: readonly NumericType[] = ["int2", "int4", "int8", "numeric", "float4", "float8"];
/** NAMEDATALEN - 1: the bytes a `name` holds. */
const nameBytesMax = 63;

function cast(convert: (value: SqlValue) => SqlValue): ScalarFunction {
  return (args) => {
    assert(args.length === 1, "a cast takes one argument");
    return convert(args[0] ?? null);
  };
}

function isIntType(type: NumericType): type is IntType {
  return type === "int2" || type === "int4" || type === "int8";
}

function intRangeError(type: IntType): NumericValueOutOfRangeError {
  const names: Readonly<Record<IntType, string>> = { int2: "smallint", int4: "integer", int8: "bigint" };
  return new NumericValueOutOfRangeError(`${names[type]} out of range`);
}

function toIntType(value: bigint, type: IntType): number | bigint {
  return type === "int8" ? value : castInt(value, type);
}

/** `dtoi2`/`dtoi4`/`dtoi8` (also from float4): rint, then the target's range. */
export function floatToInt(value: number, type: IntType): number | bigint {
  const rounded = rint(value);
  const limit = type === "int2" ? 2 ** 15 : type === "int4" ? 2 ** 31 : 2 ** 63;
  if (Number.isNaN(rounded) || rounded < -limit || rounded >= limit) throw intRangeError(type);
  return type === "int8" ? BigInt(rounded) : rounded === 0 ? 0 : rounded;
}

/** C's int64 → float conversion: the exact integer rounded once to 24 bits, half to even. */
export function bigIntToFloat4(value: bigint): number {
  const magnitude = value < 0n ? -value : value;
  if (magnitude < 2n ** 53n) return Math.fround(Number(value));
  const shift = BigInt(magnitude.toString(2).length - 24);
  let mantissa = magnitude >> shift;
  const remainder = magnitude - (mantissa << shift);
  const half = 1n << (shift - 1n);
  if (remainder > half || (remainder === half && (mantissa & 1n) === 1n)) mantissa++;
  const result = Number(mantissa) * 2 ** Number(shift);
  assert(Math.fround(result) === result, "the rounded value is a float4");
  return value < 0n ? -result : result;
}

/** `float4_numeric`: the value printed with `%.6g`, read back as numeric. */
export function float4ToNumeric(value: number): Numeric {
  return Numeric.fromFloat4(value);
}

/** `numeric_float4`: the numeric's text read by `float4in`. */
function numericToFloat4(value: Numeric): number {
  return value.isFinite ? parseFloat4(value.toString()) : value.toNumber();
}

function fromInt(value: SqlValue, target: NumericType): SqlValue {
  const big = intArgAsBigInt(value);
  switch (target) {
    case "int2":
    case "int4":
    case "int8":
      return toIntType(big, target);
    case "numeric":
      return Numeric.fromBigInt(big);
    case "float4":
      return bigIntToFloat4(big);
    case "float8":
      return Number(big);
  }
  return assertNever(target);
}

function fromFloat(value: number, isFloat4: boolean, target: NumericType): SqlValue {
  switch (target) {
    case "int2":
    case "int4":
    case "int8":
      return floatToInt(value, target);
    case "numeric":
      return isFloat4 ? float4ToNumeric(value) : Numeric.fromFloat8(value);
    case "float4":
      return float8ToFloat4(value);
    case "float8":
      return value;
  }
  return assertNever(target);
}

function fromNumeric(value: Numeric, target: NumericType): SqlValue {
  switch (target) {
    case "int2":
    case "int4":
      return value.toInt(target);
    case "int8":
      return value.toBigInt("int8");
    case "numeric":
      return value;
    case "float4":
      return numericToFloat4(value);
    case "float8":
      return value.toNumber();
  }
  return assertNever(target);
}

function numericCast(source: NumericType, target: NumericType): ScalarFunction {
  if (isIntType(source)) return cast((value) => fromInt(value, target));
  if (source === "numeric") return cast((value) => fromNumeric(asNumeric(value), target));
  return cast((value) => fromFloat(asNumber(value), source === "float4", target));
}

/** `i8tooid`: 0..4294967295, else `OID out of range`. */
function int8ToOid(value: SqlValue): number {
  const big = intArgAsBigInt(value);
  if (big < 0n || big > 0xffff_ffffn) throw new NumericValueOutOfRangeError("OID out of range");
  return Number(big);
}

/** `text_name`: at most 63 bytes, cut on a character boundary. */
export function textToName(value: string): string {
  if (utf8Bytes(value).length <= nameBytesMax) return value;
  let result = "";
  let sizeBytes = 0;
  for (const char of value) {
    const charBytes = utf8Bytes(char).length;
    if (sizeBytes + charBytes > nameBytesMax) break;
    result += char;
    sizeBytes += charBytes;
  }
  assert(sizeBytes <= nameBytesMax, "a name fits NAMEDATALEN");
  return result;
}

/** How `cannotCastJsonbValue` names a jsonb value's kind. */
const jsonbKindNames: Readonly<Record<JsonbValue["kind"], string>> = {
  null: "null",
  string: "string",
  number: "numeric",
  bool: "boolean",
  array: "array",
  object: "object",
};

/**
 * `jsonb_bool`, `jsonb_numeric`, `jsonb_int4` …: a scalar document of the wanted kind, else 22023
 * `cannot cast jsonb <kind> to type <type>` (a JSON null too: PostgreSQL 15 does not map it to NULL).
 */
function jsonbCastError(document: JsonbValue, sqlName: string): InvalidParameterValueError {
  return new InvalidParameterValueError(`cannot cast jsonb ${jsonbKindNames[document.kind]} to type ${sqlName}`);
}

function jsonbBool(value: SqlValue): boolean {
  const document = asJsonb(value);
  if (document.kind !== "bool") throw jsonbCastError(document, "boolean");
  return document.value;
}

function jsonbNumber(value: SqlValue, sqlName: string): Numeric {
  const document = asJsonb(value);
  if (document.kind !== "number") throw jsonbCastError(document, sqlName);
  return Numeric.parse(document.text);
}

function jsonbCasts(): Record<string, ScalarFunction> {
  const table: Record<string, ScalarFunction> = {
    "cast(jsonb,bool)": cast(jsonbBool),
    "cast(jsonb,numeric)": cast((value) => jsonbNumber(value, "numeric")),
  };
  const targets: readonly (readonly [Exclude<NumericType, "numeric">, string])[] = [
    ["int2", "smallint"],
    ["int4", "integer"],
    ["int8", "bigint"],
    ["float4", "real"],
    ["float8", "double precision"],
  ];
  for (const [target, sqlName] of targets) {
    table[`cast(jsonb,${target})`] = cast((value) => fromNumeric(jsonbNumber(value, sqlName), target));
  }
  return table;
}

function otherCasts(): Record<string, ScalarFunction> {
  return {
    "cast(int4,bool)": cast((value) => asNumber(value) !== 0),
    "cast(bool,int4)": cast((value) => (asBool(value) ? 1 : 0)),
    "cast(int2,oid)": cast((value) => asNumber(value) >>> 0),
    "cast(int4,oid)": cast((value) => asNumber(value) >>> 0),
    "cast(int8,oid)": cast(int8ToOid),
    "cast(oid,int4)": cast((value) => asNumber(value) | 0),
    "cast(oid,int8)": cast((value) => BigInt(asNumber(value))),
    "cast(bpchar,text)": cast((value) => bpcharTrimmed(asText(value))),
    "cast(bpchar,varchar)": cast((value) => bpcharTrimmed(asText(value))),
    "cast(text,bpchar)": cast((value) => asText(value)),
    "cast(varchar,bpchar)": cast((value) => asText(value)),
    "cast(name,text)": cast((value) => asText(value)),
    "cast(text,name)": cast((value) => textToName(asText(value))),
    "cast(bool,text)": cast((value) => (asBool(value) ? "true" : "false")),
    "cast(bool,varchar)": cast((value) => (asBool(value) ? "true" : "false")),
    "cast(bool,bpchar)": cast((value) => (asBool(value) ? "true" : "false")),
    "cast(json,jsonb)": cast((value) => parseJsonb(asText(value))),
    "cast(jsonb,json)": cast((value) => formatJsonb(asJsonb(value))),
  };
}

function castTable(): FunctionTable {
  const table: Record<string, ScalarFunction> = { ...otherCasts(), ...jsonbCasts() };
  for (const source of numericTypes) {
    for (const target of numericTypes) {
      if (source !== target) table[`cast(${source},${target})`] = numericCast(source, target);
    }
  }
  return table;
}

export const castFunctions: FunctionTable = castTable();
