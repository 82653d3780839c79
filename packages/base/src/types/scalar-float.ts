/**
 * PostgreSQL 15's `float4` (`real`) and `float8` (`double precision`) as JS numbers: text input
 * as glibc `strtod`/`strtof` read it, text output under `extra_float_digits`, binary IEEE 754
 * big-endian, PostgreSQL's ordering (NaN equals NaN and sorts above everything, -0 equals 0) and
 * the overflow/underflow checks of `float.c`.
 *
 * Invariants: a float4 value is always a `Math.fround` fixed point. Parsing rounds the decimal
 * exactly once to the target precision (a float4 is not rounded through float8 when that could
 * change the result). Output is byte-for-byte PostgreSQL's:
 *   extra_float_digits > 0   shortest round-trip digits (Ryu), fixed notation for decimal
 *                            exponents -4 <= e < 15 (float4: < 6), else `d.ddde+XX`
 *   extra_float_digits <= 0  printf `%.{P}g` with P = 15 + efd (float4: 6 + efd), at least 1,
 *                            rounded half-to-even on the exact binary value as glibc does
 * Text input grammar (after C-space trimming): [+|-] (digits[.digits][e[+|-]digits] |
 * 0x hexdigits[.hexdigits][p[+|-]digits] | inf | infinity | nan[(chars)]), case-insensitive.
 */
import { assert, assertNever } from "../assert.ts";
import { DivisionByZeroError, InvalidTextRepresentationError, NumericValueOutOfRangeError } from "../errors.ts";
import { type Ordering, fixedBinary, hexDigitValue, isCDigit, newBinary, skipCSpace } from "./scalar-common.ts";

/** `extra_float_digits`' range in PostgreSQL 15. */
export const extraFloatDigitsMin = -15;
export const extraFloatDigitsMax = 3;

type FloatWidth = "float4" | "float8";

function sqlName(width: FloatWidth): string {
  switch (width) {
    case "float4":
      return "real";
    case "float8":
      return "double precision";
  }
  return assertNever(width);
}

// ---------------------------------------------------------------------------------------------
// Input

/** What `strtod` consumed: its end index and the number before range checks. */
interface Scanned {
  readonly end: number;
  readonly value: number;
  /** The consumed text had a non-zero digit, so a zero result means underflow. */
  readonly hasNonZeroDigit: boolean;
}

const float32Max = 3.4028234663852886e38;

function parseFloatText(text: string, width: FloatWidth): number {
  const invalid = (): InvalidTextRepresentationError =>
    new InvalidTextRepresentationError(`invalid input syntax for type ${sqlName(width)}: "${text}"`);
  const start = skipCSpace(text, 0);
  if (start === text.length) throw invalid();
  const scanned = scanStrtod(text, start, width);
  if (scanned === undefined) throw invalid();
  const { value } = scanned;
  const isOutOfRange = !Number.isFinite(value) ? !Number.isNaN(value) && !isInfinityWord(text, start, scanned.end) : value === 0 && scanned.hasNonZeroDigit;
  if (isOutOfRange) {
    // float8in quotes the number as strtod consumed it; float4in quotes the whole input.
    const quoted = width === "float8" ? text.slice(start, scanned.end) : text;
    throw new NumericValueOutOfRangeError(`"${quoted}" is out of range for type ${sqlName(width)}`);
  }
  if (skipCSpace(text, scanned.end) !== text.length) throw invalid();
  return value;
}

/** `float8in`. */
export function parseFloat8(text: string): number {
  return parseFloatText(text, "float8");
}

/** `float4in`; the result is a float32 value. */
export function parseFloat4(text: string): number {
  return parseFloatText(text, "float4");
}

function isInfinityWord(text: string, start: number, end: number): boolean {
  return /^[+-]?inf/iu.test(text.slice(start, end));
}

/** glibc `strtod`/`strtof` from `start`: undefined when nothing numeric is there. */
function scanStrtod(text: string, start: number, width: FloatWidth): Scanned | undefined {
  let index = start;
  const sign = text[index] === "-" ? -1 : 1;
  if (text[index] === "-" || text[index] === "+") index++;
  const rest = text.slice(index, index + 8).toLowerCase();
  if (rest.startsWith("inf")) {
    const end = index + (rest.startsWith("infinity") ? 8 : 3);
    return { end, value: sign * Infinity, hasNonZeroDigit: false };
  }
  if (rest.startsWith("nan")) {
    const paren = /^\([0-9A-Za-z_]*\)/u.exec(text.slice(index + 3));
    return { end: index + 3 + (paren?.[0].length ?? 0), value: Number.NaN, hasNonZeroDigit: false };
  }
  if (rest.startsWith("0x") && hexDigitValue(rest[2] === "." ? rest[3] : rest[2]) >= 0) {
    return scanHexFloat(text, index + 2, sign, width);
  }
  return scanDecimalFloat(text, index, sign, width);
}

function scanDecimalFloat(text: string, start: number, sign: number, width: FloatWidth): Scanned | undefined {
  let index = start;
  while (isCDigit(text[index])) index++;
  let digitCount = index - start;
  if (text[index] === ".") {
    const fractionStart = ++index;
    while (isCDigit(text[index])) index++;
    digitCount += index - fractionStart;
  }
  if (digitCount === 0) return undefined;
  const mantissaEnd = index;
  if (text[index] === "e" || text[index] === "E") {
    let exponentIndex = index + 1;
    if (text[exponentIndex] === "+" || text[exponentIndex] === "-") exponentIndex++;
    if (isCDigit(text[exponentIndex])) {
      while (isCDigit(text[exponentIndex])) exponentIndex++;
      index = exponentIndex;
    }
  }
  const literal = text.slice(start, index);
  const hasNonZeroDigit = /[1-9]/u.test(text.slice(start, mantissaEnd));
  const double = Number.parseFloat(literal);
  const value = width === "float8" ? double : decimalToFloat32(literal, double);
  return { end: index, value: sign * value, hasNonZeroDigit };
}

function scanHexFloat(text: string, start: number, sign: number, width: FloatWidth): Scanned {
  let index = start;
  let mantissa = 0n;
  let binaryExponent = 0;
  let isFraction = false;
  for (;;) {
    const char = text[index];
    if (char === "." && !isFraction) {
      isFraction = true;
    } else {
      const digit = hexDigitValue(char);
      if (digit < 0) break;
      mantissa = mantissa * 16n + BigInt(digit);
      if (isFraction) binaryExponent -= 4;
    }
    index++;
  }
  const exponentMatch = /^[pP]([+-]?\d+)/u.exec(text.slice(index));
  if (exponentMatch !== null) {
    index += exponentMatch[0].length;
    // Clamp: any exponent beyond ±100000 already overflows or underflows every format.
    binaryExponent += Math.max(-100_000, Math.min(100_000, Number(exponentMatch[1])));
  }
  const value = width === "float8" ? roundBinary(mantissa, binaryExponent, 53, -1022) : roundBinary(mantissa, binaryExponent, 24, -126);
  return { end: index, value: sign * value, hasNonZeroDigit: mantissa !== 0n };
}

/**
 * `mantissa * 2^exponent` rounded half-to-even to `precisionBits` with IEEE gradual underflow
 * below 2^exponentMin; Infinity when it overflows the format.
 */
function roundBinary(mantissa: bigint, exponent: number, precisionBits: number, exponentMin: number): number {
  assert(mantissa >= 0n, "a mantissa is non-negative");
  if (mantissa === 0n) return 0;
  const bitLength = mantissa.toString(2).length;
  const shift = Math.max(bitLength - precisionBits, exponentMin - precisionBits + 1 - exponent);
  let kept = mantissa;
  if (shift > 0) {
    const bigShift = BigInt(shift);
    kept = mantissa >> bigShift;
    const remainder = mantissa - (kept << bigShift);
    const half = 1n << (bigShift - 1n);
    if (remainder > half || (remainder === half && (kept & 1n) === 1n)) kept += 1n;
  }
  const scale = exponent + Math.max(shift, 0);
  const exponentMax = precisionBits === 53 ? 1023 : 127;
  const maxFinite = precisionBits === 53 ? Number.MAX_VALUE : float32Max;
  if (scale + kept.toString(2).length - 1 > exponentMax) return Infinity;
  // Split the power of two so neither factor underflows or overflows on its own.
  const result = Number(kept) * 2 ** Math.trunc(scale / 2) * 2 ** (scale - Math.trunc(scale / 2));
  return result > maxFinite ? Infinity : result;
}

/**
 * The float32 nearest a decimal literal. Rounding through the nearest double is exact unless that
 * double lands exactly halfway between two float32s; then the literal is compared with the
 * halfway point exactly (BigInt), as `strtof` would round it.
 */
function decimalToFloat32(literal: string, double: number): number {
  const rounded = Math.fround(double);
  if (rounded === double || !Number.isFinite(double)) return rounded;
  const [low, high] = rounded < double ? [rounded, nextFloat32Up(rounded)] : [nextFloat32Down(rounded), rounded];
  // Past the largest float32 the next step would be 2^128, which rounds to Infinity.
  if ((low + (high === Infinity ? 2 ** 128 : high)) / 2 !== double) return rounded;
  const order = compareDecimalWithDouble(literal, double);
  if (order === 0) return rounded;
  return order < 0 ? low : high;
}

function float32Bits(value: number): number {
  const buffer = new DataView(new ArrayBuffer(4));
  buffer.setFloat32(0, value);
  return buffer.getUint32(0);
}

function float32FromBits(bits: number): number {
  const buffer = new DataView(new ArrayBuffer(4));
  buffer.setUint32(0, bits >>> 0);
  return buffer.getFloat32(0);
}

/** The next float32 above a non-negative finite float32 (Infinity above the largest). */
function nextFloat32Up(value: number): number {
  assert(value >= 0 && Number.isFinite(value), "stepping up from a non-negative finite float32");
  return float32FromBits(float32Bits(value) + 1);
}

function nextFloat32Down(value: number): number {
  assert(value > 0, "stepping down from a positive float32");
  if (value === Infinity) return float32Max;
  return float32FromBits(float32Bits(value) - 1);
}

/** Exact order of an unsigned decimal literal against a positive finite double. */
function compareDecimalWithDouble(literal: string, double: number): Ordering {
  const match = /^(\d*)\.?(\d*)(?:[eE]([+-]?\d+))?$/u.exec(literal);
  assert(match !== null, "a scanned decimal literal matches the decimal grammar");
  const [, whole = "", fraction = "", exponentText = "0"] = match;
  let numerator = BigInt(`${whole}${fraction}` || "0");
  let denominator = 1n;
  const exponent10 = Number(exponentText) - fraction.length;
  if (exponent10 >= 0) numerator *= 10n ** BigInt(exponent10);
  else denominator = 10n ** BigInt(-exponent10);
  const { mantissa, exponent2 } = decomposeDouble(double);
  let left = numerator;
  let right = mantissa * denominator;
  if (exponent2 >= 0) right <<= BigInt(exponent2);
  else left <<= BigInt(-exponent2);
  if (left === right) return 0;
  return left < right ? -1 : 1;
}

/** A positive finite double as `mantissa * 2^exponent2` with an integer mantissa. */
function decomposeDouble(value: number): { readonly mantissa: bigint; readonly exponent2: number } {
  assert(value > 0 && Number.isFinite(value), "decomposing a positive finite double");
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  const bits = view.getBigUint64(0);
  const biased = Number(bits >> 52n);
  const fraction = bits & ((1n << 52n) - 1n);
  if (biased === 0) return { mantissa: fraction, exponent2: -1074 };
  return { mantissa: fraction | (1n << 52n), exponent2: biased - 1075 };
}

// ---------------------------------------------------------------------------------------------
// Output

/** `float8out` under the session's `extra_float_digits` (default 1). */
export function formatFloat8(value: number, extraFloatDigits = 1): string {
  return formatFloat(value, extraFloatDigits, "float8");
}

/** `float4out` under the session's `extra_float_digits` (default 1). */
export function formatFloat4(value: number, extraFloatDigits = 1): string {
  assert(Math.fround(value) === value || Number.isNaN(value), "a float4 value is a float32");
  return formatFloat(value, extraFloatDigits, "float4");
}

function formatFloat(value: number, extraFloatDigits: number, width: FloatWidth): string {
  assert(Number.isInteger(extraFloatDigits), "extra_float_digits is an integer");
  assert(extraFloatDigits >= extraFloatDigitsMin && extraFloatDigits <= extraFloatDigitsMax, "extra_float_digits is in range");
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "Infinity";
  if (value === -Infinity) return "-Infinity";
  if (value === 0) return Object.is(value, -0) ? "-0" : "0";
  const sign = value < 0 ? "-" : "";
  if (extraFloatDigits > 0) {
    const { digits, exponent10 } = width === "float8" ? shortestFloat8(Math.abs(value)) : shortestFloat4(Math.abs(value));
    return sign + layoutShortest(digits, exponent10, width === "float8" ? 15 : 6);
  }
  const precision = Math.max(1, (width === "float8" ? 15 : 6) + extraFloatDigits);
  return sign + formatPrintfG(Math.abs(value), precision);
}

/** Significant digits (no trailing zeros) and the decimal exponent of the first digit. */
interface Decimal {
  readonly digits: string;
  readonly exponent10: number;
}

function fromExponential(text: string): Decimal {
  const match = /^(\d)(?:\.(\d+))?e([+-]\d+)$/u.exec(text);
  assert(match !== null, "toExponential output has the d.ddde±x shape");
  const [, first = "", rest = "", exponent = "0"] = match;
  return { digits: `${first}${rest}`.replace(/0+$/u, "") || "0", exponent10: Number(exponent) };
}

/** An exact non-negative rational `numerator / denominator`. */
interface Rational {
  readonly numerator: bigint;
  readonly denominator: bigint;
}

function rationalOfDouble(value: number): Rational {
  if (value === 0) return { numerator: 0n, denominator: 1n };
  const { mantissa, exponent2 } = decomposeDouble(value);
  return exponent2 >= 0 ? { numerator: mantissa << BigInt(exponent2), denominator: 1n } : { numerator: mantissa, denominator: 1n << BigInt(-exponent2) };
}

function rationalOfDecimal(decimal: Decimal): Rational {
  const scale = decimal.exponent10 - decimal.digits.length + 1;
  const digits = BigInt(decimal.digits);
  return scale >= 0 ? { numerator: digits * 10n ** BigInt(scale), denominator: 1n } : { numerator: digits, denominator: 10n ** BigInt(-scale) };
}

function midpoint(a: Rational, b: Rational): Rational {
  return { numerator: a.numerator * b.denominator + b.numerator * a.denominator, denominator: 2n * a.denominator * b.denominator };
}

function compareRational(a: Rational, b: Rational): Ordering {
  const left = a.numerator * b.denominator;
  const right = b.numerator * a.denominator;
  if (left === right) return 0;
  return left < right ? -1 : 1;
}

function distance(a: Rational, b: Rational): Rational {
  const difference = a.numerator * b.denominator - b.numerator * a.denominator;
  return { numerator: difference < 0n ? -difference : difference, denominator: a.denominator * b.denominator };
}

/**
 * The rounding interval of a positive finite float: decimals strictly between the midpoints to its
 * neighbours read back as it. PostgreSQL's Ryu excludes both bounds even when round-half-even
 * would accept them (it prints 1e23 as 9.999999999999999e+22), so the interval here is open.
 */
interface RoundingInterval {
  readonly value: Rational;
  readonly low: Rational;
  readonly high: Rational;
}

function roundingInterval(value: number, width: FloatWidth): RoundingInterval {
  assert(value > 0 && Number.isFinite(value), "a rounding interval is of a positive finite value");
  let below: number;
  let above: number;
  if (width === "float4") {
    below = float32FromBits(float32Bits(value) - 1);
    above = value === float32Max ? 2 ** 128 : float32FromBits(float32Bits(value) + 1);
  } else {
    const view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, value);
    const bits = view.getBigUint64(0);
    view.setBigUint64(0, bits - 1n);
    below = view.getFloat64(0);
    view.setBigUint64(0, bits + 1n);
    above = view.getFloat64(0);
  }
  const exact = rationalOfDouble(value);
  // Past the largest double the next step would be 2^1024.
  const high = above === Infinity ? midpoint(exact, { numerator: 1n << 1024n, denominator: 1n }) : midpoint(exact, rationalOfDouble(above));
  return { value: exact, low: midpoint(exact, rationalOfDouble(below)), high };
}

function isInside(decimal: Decimal, interval: RoundingInterval): boolean {
  const exact = rationalOfDecimal(decimal);
  return compareRational(interval.low, exact) < 0 && compareRational(exact, interval.high) < 0;
}

/** Shortest digits for a float8: ECMAScript's shortest (inclusive bounds) unless it sits on a bound. */
function shortestFloat8(value: number): Decimal {
  const candidate = fromExponential(value.toExponential());
  const interval = roundingInterval(value, "float8");
  return isInside(candidate, interval) ? candidate : searchShortest(value, interval, 17);
}

function shortestFloat4(value: number): Decimal {
  return searchShortest(value, roundingInterval(value, "float4"), 9);
}

/**
 * Ryu's choice by search: the fewest significant digits strictly inside the rounding interval,
 * and among those the nearest to the value (ties to an even last digit). At each length only the
 * decimals just below and just above the value can be inside, so three or four are tried.
 */
function searchShortest(value: number, interval: RoundingInterval, digitsMax: number): Decimal {
  for (let precision = 1; precision <= digitsMax; precision++) {
    const nearest = fromExponential(value.toExponential(precision - 1));
    const scaled = BigInt(nearest.digits.padEnd(precision, "0"));
    const scale = nearest.exponent10 - precision + 1;
    const candidates = [-1n, 0n, 1n].map((delta) => decimalOf(scaled + delta, scale));
    if (scaled === 10n ** BigInt(precision - 1)) candidates.push(decimalOf(10n ** BigInt(precision) - 1n, scale - 1));
    let best: Decimal | undefined;
    for (const candidate of candidates) {
      if (candidate.digits === "0" || !isInside(candidate, interval)) continue;
      if (best === undefined || isCloser(candidate, best, interval.value)) best = candidate;
    }
    if (best !== undefined) return best;
  }
  throw new Error(`unreachable: ${digitsMax} digits always identify a float`);
}

function decimalOf(integer: bigint, scale: number): Decimal {
  const text = integer.toString();
  const exponent10 = scale + text.length - 1;
  return { digits: text.replace(/0+$/u, "") || "0", exponent10 };
}

function isCloser(candidate: Decimal, best: Decimal, value: Rational): boolean {
  const order = compareRational(distance(rationalOfDecimal(candidate), value), distance(rationalOfDecimal(best), value));
  if (order !== 0) return order < 0;
  return Number(candidate.digits.at(-1)) % 2 === 0;
}

/** PostgreSQL's Ryu layout: fixed for -4 <= exponent < `fixedExponentMax`, else `d.ddde±XX`. */
function layoutShortest(digits: string, exponent10: number, fixedExponentMax: number): string {
  if (exponent10 >= -4 && exponent10 < fixedExponentMax) return layoutFixed(digits, exponent10);
  return layoutScientific(digits, exponent10);
}

function layoutFixed(digits: string, exponent10: number): string {
  if (exponent10 < 0) return `0.${"0".repeat(-exponent10 - 1)}${digits}`;
  const whole = digits.slice(0, exponent10 + 1).padEnd(exponent10 + 1, "0");
  const fraction = digits.slice(exponent10 + 1);
  return fraction === "" ? whole : `${whole}.${fraction}`;
}

function layoutScientific(digits: string, exponent10: number): string {
  const mantissa = digits.length > 1 ? `${digits[0] ?? ""}.${digits.slice(1)}` : digits;
  const magnitude = String(Math.abs(exponent10)).padStart(2, "0");
  return `${mantissa}e${exponent10 < 0 ? "-" : "+"}${magnitude}`;
}

/** printf `%.{precision}g` of a positive finite double, exactly as glibc rounds (half-even on the exact value). */
function formatPrintfG(value: number, precision: number): string {
  const { digits, exponent10 } = roundExact(value, precision);
  const trimmed = digits.replace(/0+$/u, "") || "0";
  if (exponent10 >= -4 && exponent10 < precision) return layoutFixed(trimmed, exponent10);
  return layoutScientific(trimmed, exponent10);
}

/** The exact decimal expansion of a positive finite double, rounded half-to-even to `precision` digits. */
function roundExact(value: number, precision: number): Decimal {
  const { mantissa, exponent2 } = decomposeDouble(value);
  const exact = exponent2 >= 0 ? (mantissa << BigInt(exponent2)).toString() : (mantissa * 5n ** BigInt(-exponent2)).toString();
  const scale = Math.min(exponent2, 0);
  let exponent10 = exact.length - 1 + scale;
  if (exact.length <= precision) return { digits: exact, exponent10 };
  let kept = BigInt(exact.slice(0, precision));
  const firstDropped = exact[precision] ?? "0";
  const isTie = firstDropped === "5" && /^0*$/u.test(exact.slice(precision + 1));
  if (firstDropped > "5" || (firstDropped === "5" && (!isTie || kept % 2n === 1n))) kept += 1n;
  let digits = kept.toString();
  if (digits.length > precision) {
    digits = digits.slice(0, precision);
    exponent10++;
  }
  return { digits, exponent10 };
}

// ---------------------------------------------------------------------------------------------
// Binary

export function sendFloat8(value: number): Uint8Array {
  const { bytes, view } = newBinary(8);
  view.setFloat64(0, value);
  return bytes;
}

export function recvFloat8(bytes: Uint8Array): number {
  return fixedBinary(bytes, 8).getFloat64(0);
}

export function sendFloat4(value: number): Uint8Array {
  assert(Math.fround(value) === value || Number.isNaN(value), "a float4 value is a float32");
  const { bytes, view } = newBinary(4);
  view.setFloat32(0, value);
  return bytes;
}

export function recvFloat4(bytes: Uint8Array): number {
  return fixedBinary(bytes, 4).getFloat32(0);
}

// ---------------------------------------------------------------------------------------------
// Ordering and arithmetic

/** `float8_cmp_internal` (also float4): NaN equals NaN and sorts above every number; -0 equals 0. */
export function compareFloat(a: number, b: number): Ordering {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : 1;
  if (Number.isNaN(b)) return -1;
  if (a < b) return -1;
  return a > b ? 1 : 0;
}

function overflow(): NumericValueOutOfRangeError {
  return new NumericValueOutOfRangeError("value out of range: overflow");
}

function underflow(): NumericValueOutOfRangeError {
  return new NumericValueOutOfRangeError("value out of range: underflow");
}

type Round = (value: number) => number;
const asDouble: Round = (value) => value;

function checkedAdd(a: number, b: number, round: Round): number {
  const result = round(a + b);
  if (!Number.isFinite(result) && !Number.isNaN(result) && Number.isFinite(a) && Number.isFinite(b)) throw overflow();
  return result;
}

function checkedMul(a: number, b: number, round: Round): number {
  const result = round(a * b);
  if (Math.abs(result) === Infinity && Math.abs(a) !== Infinity && Math.abs(b) !== Infinity) throw overflow();
  if (result === 0 && a !== 0 && b !== 0) throw underflow();
  return result;
}

function checkedDiv(a: number, b: number, round: Round): number {
  if (b === 0 && !Number.isNaN(a)) throw new DivisionByZeroError("division by zero");
  const result = round(a / b);
  if (Math.abs(result) === Infinity && Math.abs(a) !== Infinity) throw overflow();
  if (result === 0 && a !== 0 && Math.abs(b) !== Infinity) throw underflow();
  return result;
}

export const float8Add = (a: number, b: number): number => checkedAdd(a, b, asDouble);
export const float8Sub = (a: number, b: number): number => checkedAdd(a, -b, asDouble);
export const float8Mul = (a: number, b: number): number => checkedMul(a, b, asDouble);
export const float8Div = (a: number, b: number): number => checkedDiv(a, b, asDouble);
// A float32 operation is the double operation rounded once more: exact for + - * / (2*24+2 <= 53).
export const float4Add = (a: number, b: number): number => checkedAdd(a, b, Math.fround);
export const float4Sub = (a: number, b: number): number => checkedAdd(a, -b, Math.fround);
export const float4Mul = (a: number, b: number): number => checkedMul(a, b, Math.fround);
export const float4Div = (a: number, b: number): number => checkedDiv(a, b, Math.fround);

/** `dtof`: float8 to float4, with PostgreSQL's overflow and underflow errors. */
export function float8ToFloat4(value: number): number {
  const result = Math.fround(value);
  if (Math.abs(result) === Infinity && Math.abs(value) !== Infinity) throw overflow();
  if (result === 0 && value !== 0) throw underflow();
  return result;
}
