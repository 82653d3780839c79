/**
 * PostgreSQL 15's `bool`, `int2`, `int4`, `int8` and `oid` as values: text input and output,
 * binary send/recv, and the checked integer arithmetic of `int.c`/`int8.c`.
 *
 * Representations: bool is `boolean`; int2, int4 and oid are `number` (oid unsigned 32-bit);
 * int8 is `bigint`. Every function keeps its result inside the type's range or throws PostgreSQL's
 * error with its SQLSTATE: 22P02 for bad syntax, 22003 for overflow, 22012 for division by zero.
 *
 * Text formats (PostgreSQL 15, before 16's hex/underscore integer literals):
 *   bool  [space] prefix-of(true|false|yes|no|on|off) | 1 | 0 [space]   (case-insensitive)
 *   intN  [space] [+|-] digit+ [space]                                   (C isspace/isdigit)
 *   oid   as C strtoul: [space] [+|-] digit+ [space]; -1 is 4294967295, down to -2147483648
 * Binary formats: bool 1 byte (non-zero is true); int2/int4/int8/oid big-endian two's complement
 * of 2/4/8/4 bytes.
 */
import { assert, assertNever } from "../assert.ts";
import { DivisionByZeroError, InvalidTextRepresentationError, NumericValueOutOfRangeError } from "../errors.ts";
import { fixedBinary, isCDigit, newBinary, skipCSpace, trimCSpaceEnd } from "./scalar-common.ts";

// ---------------------------------------------------------------------------------------------
// bool

const boolWords: readonly (readonly [word: string, value: boolean, prefixMin: number])[] = [
  ["true", true, 1],
  ["false", false, 1],
  ["yes", true, 1],
  ["no", false, 1],
  ["on", true, 2],
  ["off", false, 2],
];

/** `boolin`: a unique case-insensitive prefix of a boolean word, `1` or `0`, with C whitespace around it. */
export function parseBool(text: string): boolean {
  const start = skipCSpace(text, 0);
  const word = text.slice(start, trimCSpaceEnd(text, start)).toLowerCase();
  if (word === "1") return true;
  if (word === "0") return false;
  for (const [full, value, prefixMin] of boolWords) {
    if (word.length >= prefixMin && full.startsWith(word)) return value;
  }
  throw new InvalidTextRepresentationError(`invalid input syntax for type boolean: "${text}"`);
}

/** `boolout`: `t` or `f`. */
export function formatBool(value: boolean): string {
  return value ? "t" : "f";
}

export function sendBool(value: boolean): Uint8Array {
  return Uint8Array.of(value ? 1 : 0);
}

/** `boolrecv`: one byte; any non-zero byte is true. */
export function recvBool(bytes: Uint8Array): boolean {
  return fixedBinary(bytes, 1).getUint8(0) !== 0;
}

// ---------------------------------------------------------------------------------------------
// Integer input

/** The integer widths PostgreSQL has, with the names its messages use. */
export type IntWidth = "int2" | "int4" | "int8";

interface IntSpec {
  readonly sqlName: string;
  readonly min: bigint;
  readonly max: bigint;
}

const int2Spec: IntSpec = { sqlName: "smallint", min: -32768n, max: 32767n };
const int4Spec: IntSpec = { sqlName: "integer", min: -2147483648n, max: 2147483647n };
const int8Spec: IntSpec = { sqlName: "bigint", min: -9223372036854775808n, max: 9223372036854775807n };

// The int2/int4 limits as numbers: arithmetic checks its results against these on every row.
const int2Min = -32768;
const int2Max = 32767;
const int4Min = -2147483648;
const int4Max = 2147483647;

/** A width's name and limits; constant objects, as the arithmetic below runs per row. */
function intSpec(width: IntWidth): IntSpec {
  switch (width) {
    case "int2":
      return int2Spec;
    case "int4":
      return int4Spec;
    case "int8":
      return int8Spec;
  }
  return assertNever(width);
}

/**
 * PostgreSQL 15's `pg_strtoint16/32/64`. The order of checks is PostgreSQL's: overflow found while
 * reading digits wins over trailing junk (`99999999999x` is out of range), but the positive
 * `-min` overflow is found only after the trailing check (`2147483648x` is bad syntax).
 */
function parseIntText(text: string, width: IntWidth): bigint {
  const spec = intSpec(width);
  const invalid = (): InvalidTextRepresentationError =>
    new InvalidTextRepresentationError(`invalid input syntax for type ${spec.sqlName}: "${text}"`);
  let index = skipCSpace(text, 0);
  const isNegative = text[index] === "-";
  if (isNegative || text[index] === "+") index++;
  const digitsStart = index;
  while (isCDigit(text[index])) index++;
  if (index === digitsStart) throw invalid();
  // Leading zeros never overflow, so only the significant digits are compared with the limit.
  const digits = text.slice(digitsStart, index).replace(/^0+(?=\d)/u, "");
  const magnitude = digits.length > 20 ? -spec.min + 1n : BigInt(digits);
  if (magnitude > -spec.min) {
    throw new NumericValueOutOfRangeError(`value "${text}" is out of range for type ${spec.sqlName}`);
  }
  if (skipCSpace(text, index) !== text.length) throw invalid();
  if (!isNegative && magnitude > spec.max) {
    throw new NumericValueOutOfRangeError(`value "${text}" is out of range for type ${spec.sqlName}`);
  }
  return isNegative ? -magnitude : magnitude;
}

/** `int2in`. */
export function parseInt2(text: string): number {
  return Number(parseIntText(text, "int2"));
}

/** `int4in`. */
export function parseInt4(text: string): number {
  return Number(parseIntText(text, "int4"));
}

/** `int8in`. */
export function parseInt8(text: string): bigint {
  return parseIntText(text, "int8");
}

/** `int2out`/`int4out`: plain decimal, `-` for negatives. */
export function formatInt(value: number): string {
  assert(Number.isSafeInteger(value), "an integer value is a safe integer");
  return String(value);
}

/** `int8out`. */
export function formatInt8(value: bigint): string {
  return value.toString();
}

// ---------------------------------------------------------------------------------------------
// Integer binary

export function sendInt2(value: number): Uint8Array {
  assertInt(value, "int2");
  const { bytes, view } = newBinary(2);
  view.setInt16(0, value);
  return bytes;
}

export function recvInt2(bytes: Uint8Array): number {
  return fixedBinary(bytes, 2).getInt16(0);
}

export function sendInt4(value: number): Uint8Array {
  assertInt(value, "int4");
  const { bytes, view } = newBinary(4);
  view.setInt32(0, value);
  return bytes;
}

export function recvInt4(bytes: Uint8Array): number {
  return fixedBinary(bytes, 4).getInt32(0);
}

export function sendInt8(value: bigint): Uint8Array {
  assertInt8(value);
  const { bytes, view } = newBinary(8);
  view.setBigInt64(0, value);
  return bytes;
}

export function recvInt8(bytes: Uint8Array): bigint {
  return fixedBinary(bytes, 8).getBigInt64(0);
}

function assertInt(value: number, width: "int2" | "int4"): void {
  const spec = intSpec(width);
  assert(Number.isInteger(value), `${width} value is an integer`);
  assert(value >= Number(spec.min) && value <= Number(spec.max), `${width} value is in range`);
}

function assertInt8(value: bigint): void {
  assert(value >= intSpec("int8").min, "int8 value is not below its minimum");
  assert(value <= intSpec("int8").max, "int8 value is not above its maximum");
}

// ---------------------------------------------------------------------------------------------
// oid

/**
 * `oidin`, which reads with C `strtoul`: a negative input wraps (`-1` is 4294967295), accepted
 * down to -2147483648 because PostgreSQL also accepts anything that fits a signed int32.
 */
export function parseOid(text: string): number {
  const invalid = (): InvalidTextRepresentationError =>
    new InvalidTextRepresentationError(`invalid input syntax for type oid: "${text}"`);
  let index = skipCSpace(text, 0);
  const isNegative = text[index] === "-";
  if (isNegative || text[index] === "+") index++;
  const digitsStart = index;
  while (isCDigit(text[index])) index++;
  if (index === digitsStart) throw invalid();
  const digits = text.slice(digitsStart, index).replace(/^0+(?=\d)/u, "");
  const magnitude = digits.length > 21 ? 1n << 70n : BigInt(digits);
  const outOfRange = (): NumericValueOutOfRangeError => new NumericValueOutOfRangeError(`value "${text}" is out of range for type oid`);
  // strtoul's own ERANGE (beyond 64 bits) comes before the trailing-junk check, the 32-bit one after.
  if (magnitude > 0xffff_ffff_ffff_ffffn) throw outOfRange();
  if (skipCSpace(text, index) !== text.length) throw invalid();
  const isInRange = isNegative ? magnitude <= 0x8000_0000n : magnitude <= 0xffff_ffffn;
  if (!isInRange) throw outOfRange();
  const value = isNegative ? (0x1_0000_0000n - magnitude) % 0x1_0000_0000n : magnitude;
  return Number(value);
}

/** `oidout`: unsigned decimal. */
export function formatOid(value: number): string {
  assertOid(value);
  return String(value);
}

export function sendOid(value: number): Uint8Array {
  assertOid(value);
  const { bytes, view } = newBinary(4);
  view.setUint32(0, value);
  return bytes;
}

export function recvOid(bytes: Uint8Array): number {
  return fixedBinary(bytes, 4).getUint32(0);
}

function assertOid(value: number): void {
  assert(Number.isInteger(value), "an oid is an integer");
  assert(value >= 0 && value <= 0xffff_ffff, "an oid is unsigned 32-bit");
}

// ---------------------------------------------------------------------------------------------
// Checked arithmetic (int.c / int8.c): int2 and int4 on `number`, int8 on `bigint`.

function rangeError(width: IntWidth): NumericValueOutOfRangeError {
  return new NumericValueOutOfRangeError(`${intSpec(width).sqlName} out of range`);
}

/** The result of an int2/int4 operation, or PostgreSQL's `integer out of range`. */
function checkedSmall(result: number, width: "int2" | "int4"): number {
  // A product of two int4 values can exceed 2^53 and lose bits, but then it is far out of range.
  const isInRange = width === "int4" ? result >= int4Min && result <= int4Max : result >= int2Min && result <= int2Max;
  if (!isInRange) throw rangeError(width);
  return result === 0 ? 0 : result;
}

function checkedBig(result: bigint): bigint {
  if (result < int8Spec.min || result > int8Spec.max) throw rangeError("int8");
  return result;
}

function smallDiv(a: number, b: number, width: "int2" | "int4"): number {
  assertInt(a, width);
  assertInt(b, width);
  if (b === 0) throw new DivisionByZeroError("division by zero");
  return checkedSmall(Math.trunc(a / b), width);
}

function smallMod(a: number, b: number, width: "int2" | "int4"): number {
  assertInt(a, width);
  assertInt(b, width);
  if (b === 0) throw new DivisionByZeroError("division by zero");
  // C's % truncates like JS's; PostgreSQL special-cases -1 so INT_MIN % -1 is 0, not a trap.
  const result = b === -1 ? 0 : a % b;
  return result === 0 ? 0 : result;
}

export const int2Add = (a: number, b: number): number => checkedSmall(a + b, "int2");
export const int2Sub = (a: number, b: number): number => checkedSmall(a - b, "int2");
export const int2Mul = (a: number, b: number): number => checkedSmall(a * b, "int2");
export const int2Div = (a: number, b: number): number => smallDiv(a, b, "int2");
export const int2Mod = (a: number, b: number): number => smallMod(a, b, "int2");
export const int2Neg = (a: number): number => checkedSmall(-a, "int2");
export const int2Abs = (a: number): number => checkedSmall(Math.abs(a), "int2");

export const int4Add = (a: number, b: number): number => checkedSmall(a + b, "int4");
export const int4Sub = (a: number, b: number): number => checkedSmall(a - b, "int4");
export const int4Mul = (a: number, b: number): number => checkedSmall(a * b, "int4");
export const int4Div = (a: number, b: number): number => smallDiv(a, b, "int4");
export const int4Mod = (a: number, b: number): number => smallMod(a, b, "int4");
export const int4Neg = (a: number): number => checkedSmall(-a, "int4");
export const int4Abs = (a: number): number => checkedSmall(Math.abs(a), "int4");

export const int8Add = (a: bigint, b: bigint): bigint => checkedBig(a + b);
export const int8Sub = (a: bigint, b: bigint): bigint => checkedBig(a - b);
export const int8Mul = (a: bigint, b: bigint): bigint => checkedBig(a * b);
export const int8Neg = (a: bigint): bigint => checkedBig(-a);
export const int8Abs = (a: bigint): bigint => checkedBig(a < 0n ? -a : a);

export function int8Div(a: bigint, b: bigint): bigint {
  assertInt8(a);
  assertInt8(b);
  if (b === 0n) throw new DivisionByZeroError("division by zero");
  // BigInt division truncates toward zero, as C's does.
  return checkedBig(a / b);
}

export function int8Mod(a: bigint, b: bigint): bigint {
  assertInt8(a);
  assertInt8(b);
  if (b === 0n) throw new DivisionByZeroError("division by zero");
  return b === -1n ? 0n : a % b;
}

/** A cast between integer widths (`int8::int4`, `int4::int2`), with the target's overflow error. */
export function castInt(value: number | bigint, width: "int2" | "int4"): number {
  const spec = intSpec(width);
  const big = typeof value === "bigint" ? value : BigInt(value);
  if (big < spec.min || big > spec.max) throw rangeError(width);
  return Number(big);
}
