/**
 * `Numeric`: PostgreSQL's arbitrary-precision exact decimal type, as an immutable value. The
 * executor evaluates with it and pgwire converts it to and from text and binary; every result must
 * equal PostgreSQL 15's byte for byte, including the display scale and the SQLSTATE of errors.
 *
 * Representation: a finite value is `unscaled × 10^-dscale` with `unscaled` a signed bigint and
 * `dscale` (display scale) the number of digits printed after the point, so `1.50` is (150n, 2).
 * Special values are NaN, +Infinity and -Infinity (`kind`). No floating point is used for values;
 * doubles appear only where PostgreSQL itself uses them to estimate a result scale.
 *
 * Invariants of every finite value (checked in `checkedFinite`, PostgreSQL's make_result):
 * - 0 <= dscale <= 16383 (PostgreSQL's NUMERIC_DSCALE_MAX);
 * - |value| < 10^131072 (at most 131072 digits before the point: base-10000 weight <= 32767);
 * - zero is never negative (`-0.0` reads as `0.0`), so the sign is the sign of `unscaled`.
 * A computation that breaks the limits raises 22003 `value overflows numeric format`.
 *
 * Result scales follow numeric.c: add/sub/mod take the larger input scale, mul the sum (capped at
 * 16383), div/sqrt/ln/exp/power pick a scale giving at least 16 significant digits (never below
 * an input's scale, never above 1000) and round half away from zero.
 *
 * Binary format (`numeric_send`/`numeric_recv`), all big-endian:
 *
 *   +---------+--------+--------+--------+------------------------------+
 *   | ndigits | weight |  sign  | dscale | ndigits × base-10000 digit   |
 *   |  int16  | int16  | uint16 | uint16 |  int16 each, 0..9999         |
 *   +---------+--------+--------+--------+------------------------------+
 *   value = Σ digit[i] × 10000^(weight - i); sign 0x0000 +, 0x4000 -, 0xC000 NaN, 0xD000 +Inf,
 *   0xF000 -Inf. Leading and trailing zero digits are not sent; zero has ndigits 0, weight 0.
 */
import { assert, assertNever } from "../assert.ts";
import {
  DivisionByZeroError,
  FeatureNotSupportedError,
  InvalidArgumentForLogarithmError,
  InvalidArgumentForPowerFunctionError,
  InvalidBinaryRepresentationError,
  InvalidParameterValueError,
  InvalidTextRepresentationError,
  NumericValueOutOfRangeError,
} from "../errors.ts";

/** Digits after the point a stored value may have (PostgreSQL's NUMERIC_DSCALE_MAX). */
export const numericDscaleMax = 16383;
/** Digits before the point a value may have: base-10000 weight 32767 means 4 × 32768 digits. */
export const numericIntegerDigitsMax = 131072;
/** The largest precision (and |scale|) a `numeric(p, s)` type modifier may name. */
export const numericPrecisionMax = 1000;

const minSigDigits = 16;
const maxDisplayScale = 1000;
const maxResultScale = 2000;
const decDigits = 4;
const base10000 = 10000;

export type NumericKind = "finite" | "nan" | "pinf" | "ninf";

/** The integer types numeric casts to, with PostgreSQL's names in messages. */
export type NumericIntType = "int2" | "int4" | "int8";

const intTypeInfo: Readonly<Record<NumericIntType, { readonly name: string; readonly min: bigint; readonly max: bigint }>> = {
  int2: { name: "smallint", min: -32768n, max: 32767n },
  int4: { name: "integer", min: -2147483648n, max: 2147483647n },
  int8: { name: "bigint", min: -9223372036854775808n, max: 9223372036854775807n },
};

// ---------------------------------------------------------------------------------------------
// Powers of ten and integer helpers
// ---------------------------------------------------------------------------------------------

const pow10CacheSize = 128;
const pow10Cache: bigint[] = [];
for (let i = 0, p = 1n; i < pow10CacheSize; i++, p *= 10n) pow10Cache.push(p);
let integerLimitCache: bigint | undefined;

/** 10^n as a bigint; small powers come from a table because add and compare use them. */
function pow10(n: number): bigint {
  assert(Number.isInteger(n) && n >= 0, "pow10 takes a non-negative integer");
  const cached = pow10Cache[n];
  return cached ?? 10n ** BigInt(n);
}

function integerLimit(): bigint {
  integerLimitCache ??= 10n ** BigInt(numericIntegerDigitsMax);
  return integerLimitCache;
}

function absBig(v: bigint): bigint {
  return v < 0n ? -v : v;
}

/** Number of decimal digits of |v| (1 for zero). */
function decimalDigitCount(v: bigint): number {
  const a = absBig(v);
  if (a < 9007199254740992n) return String(Number(a)).length;
  return a.toString().length;
}

/** v / 10^n rounded half away from zero (n > 0), or v × 10^-n (n <= 0). */
function roundShift(v: bigint, n: number): bigint {
  if (n <= 0) return n === 0 ? v : v * pow10(-n);
  const d = pow10(n);
  const q = v / d;
  const r = v - q * d;
  const r2 = absBig(r) * 2n;
  if (r2 >= d) return v < 0n ? q - 1n : q + 1n;
  return q;
}

/** v / 10^n truncated toward zero (n > 0), or v × 10^-n (n <= 0). */
function truncShift(v: bigint, n: number): bigint {
  if (n <= 0) return n === 0 ? v : v * pow10(-n);
  return v / pow10(n);
}

/** Quotient of a / b rounded half away from zero. */
function divRound(a: bigint, b: bigint): bigint {
  assert(b !== 0n, "divRound divisor is non-zero");
  const q = a / b;
  const r = a - q * b;
  if (absBig(r) * 2n >= absBig(b)) return (a < 0n) === (b < 0n) ? q + 1n : q - 1n;
  return q;
}

/** floor(sqrt(n)) for n >= 0 (Newton's method from an over-estimate). */
function isqrt(n: bigint): bigint {
  assert(n >= 0n, "isqrt of a negative number");
  if (n < 4503599627370496n) {
    let r = BigInt(Math.floor(Math.sqrt(Number(n))));
    while (r * r > n) r -= 1n;
    while ((r + 1n) * (r + 1n) <= n) r += 1n;
    return r;
  }
  let x = 1n << BigInt(Math.ceil((n.toString(16).length * 4) / 2) + 1);
  for (let i = 0; i < 100_000; i++) {
    const y = (x + n / x) >> 1n;
    if (y >= x) break;
    x = y;
  }
  assert(x * x <= n && (x + 1n) * (x + 1n) > n, "isqrt converged");
  return x;
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

function overflowError(): NumericValueOutOfRangeError {
  return new NumericValueOutOfRangeError("value overflows numeric format");
}

function syntaxError(text: string): InvalidTextRepresentationError {
  return new InvalidTextRepresentationError(`invalid input syntax for type numeric: "${text}"`);
}

function binaryError(message: string): InvalidBinaryRepresentationError {
  return new InvalidBinaryRepresentationError(message);
}

/**
 * A finite value after PostgreSQL's make_result checks: the scale fits 14 bits and the weight
 * fits int16. Zero is normalized to positive by construction (0n has no sign).
 */
function checkedFinite(unscaled: bigint, dscale: number): Numeric {
  assert(Number.isInteger(dscale) && dscale >= 0, "dscale is a non-negative integer");
  if (dscale > numericDscaleMax) throw overflowError();
  const limit = integerLimit();
  // Comparing with a bigint of very different length is O(1), so the common case stays cheap.
  if (unscaled < limit && unscaled > -limit) return Numeric.fromParts(unscaled, dscale);
  if (absBig(unscaled) >= limit * pow10(dscale)) throw overflowError();
  return Numeric.fromParts(unscaled, dscale);
}

// ---------------------------------------------------------------------------------------------
// Base-10000 view (select_div_scale, estimate_ln_dweight, binary I/O)
// ---------------------------------------------------------------------------------------------

interface Base10000 {
  readonly weight: number;
  /** Digits without leading or trailing zero digits; empty for zero. */
  readonly digits: readonly number[];
}

/** PostgreSQL's stored form of |unscaled| × 10^-dscale. */
function toBase10000(unscaled: bigint, dscale: number): Base10000 {
  if (unscaled === 0n) return { weight: 0, digits: [] };
  const pad = (decDigits - (dscale % decDigits)) % decDigits;
  let text = absBig(unscaled).toString() + "0".repeat(pad);
  const fracGroups = (dscale + pad) / decDigits;
  const lead = (decDigits - (text.length % decDigits)) % decDigits;
  text = "0".repeat(lead) + text;
  const groups: number[] = [];
  for (let i = 0; i < text.length; i += decDigits) groups.push(Number(text.slice(i, i + decDigits)));
  let weight = groups.length - 1 - fracGroups;
  let start = 0;
  while (groups[start] === 0) {
    start++;
    weight--;
  }
  let end = groups.length;
  while (end > start && groups[end - 1] === 0) end--;
  assert(end > start, "a non-zero value has a non-zero base-10000 digit");
  return { weight, digits: groups.slice(start, end) };
}

/** The decimal exponent of the leading digit of a non-zero |unscaled| × 10^-dscale. */
function leadingExponent(unscaled: bigint, dscale: number): number {
  assert(unscaled !== 0n, "zero has no leading digit");
  return decimalDigitCount(unscaled) - 1 - dscale;
}

function firstDigitOf(view: Base10000): number {
  return view.digits[0] ?? 0;
}

/** numeric.c's select_div_scale: at least 16 significant digits, not below either input's scale. */
function selectDivScale(a: Numeric, b: Numeric): number {
  const va = toBase10000(a.unscaled, a.dscale);
  const vb = toBase10000(b.unscaled, b.dscale);
  let qweight = va.weight - vb.weight;
  if (firstDigitOf(va) <= firstDigitOf(vb)) qweight--;
  let rscale = minSigDigits - qweight * decDigits;
  rscale = Math.max(rscale, a.dscale, b.dscale, 0);
  return Math.min(rscale, maxDisplayScale);
}

/** numeric.c's estimate_ln_dweight: the decimal weight of ln(x) for a positive finite x. */
function estimateLnDweight(x: Numeric): number {
  if (x.unscaled <= 0n) return 0;
  const scaled = x.unscaled * 10n;
  const lo = 9n * pow10(x.dscale);
  const hi = 11n * pow10(x.dscale);
  if (scaled >= lo && scaled <= hi) {
    const diff = x.unscaled - pow10(x.dscale);
    return diff === 0n ? 0 : leadingExponent(diff, x.dscale);
  }
  const view = toBase10000(x.unscaled, x.dscale);
  let digits = firstDigitOf(view);
  let dweight = view.weight * decDigits;
  const second = view.digits[1];
  if (second !== undefined) {
    digits = digits * base10000 + second;
    dweight -= decDigits;
  }
  const lnEstimate = Math.log(digits) + dweight * Math.LN10;
  return Math.trunc(Math.log10(Math.abs(lnEstimate)));
}

// ---------------------------------------------------------------------------------------------
// Fixed-point transcendental kernels: values are bigints scaled by 10^work
// ---------------------------------------------------------------------------------------------

const seriesTermsMax = 1_000_000;
const ln10Cache = new Map<number, bigint>();

/** ln(m / 10^work) × 10^work for m / 10^work in [1, 10], error a few units in the last place. */
function lnReduced(m: bigint, work: number): bigint {
  const one = pow10(work);
  assert(m >= one, "lnReduced takes an argument >= 1");
  const threshold = one + one / 100n;
  let x = m;
  let doublings = 0;
  while (x > threshold) {
    x = isqrt(x * one);
    doublings++;
    assert(doublings < 64, "square roots bring the argument near 1");
  }
  // ln(x) = 2 atanh(z), z = (x - 1) / (x + 1) <= 0.005: each term adds over four digits.
  const z = ((x - one) * one) / (x + one);
  const z2 = (z * z) / one;
  let term = z;
  let sum = z;
  for (let k = 3n, terms = 0; term !== 0n; k += 2n, terms++) {
    assert(terms < seriesTermsMax, "atanh series converges");
    term = (term * z2) / one;
    sum += term / k;
  }
  return (sum * 2n) << BigInt(doublings);
}

function ln10Scaled(work: number): bigint {
  const cached = ln10Cache.get(work);
  if (cached !== undefined) return cached;
  const guard = 6;
  const value = roundShift(lnReduced(10n * pow10(work + guard), work + guard), guard);
  ln10Cache.set(work, value);
  return value;
}

/** ln(x) rounded half away from zero to `scale` digits, for a positive finite x. */
function lnToScale(x: Numeric, scale: number): bigint {
  assert(x.unscaled > 0n, "ln of a positive value");
  assert(scale >= 0, "ln scale is non-negative");
  const digits = decimalDigitCount(x.unscaled);
  const e10 = digits - 1 - x.dscale;
  const work = scale + 10 + String(Math.abs(e10)).length;
  const m = truncShift(x.unscaled, digits - 1 - work);
  let result = lnReduced(m, work);
  if (e10 !== 0) result += BigInt(e10) * ln10Scaled(work);
  return roundShift(result, work - scale);
}

// ---------------------------------------------------------------------------------------------
// Text input
// ---------------------------------------------------------------------------------------------

const exponentDigitsMax = 12;
const exponentAbsMax = 1073741823; // INT_MAX / 2: set_var_from_str rejects exponents this large

function isSpace(code: number): boolean {
  return code === 32 || (code >= 9 && code <= 13);
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function skipSpaces(text: string, from: number): number {
  let i = from;
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  return i;
}

const specialSpellings: readonly (readonly [string, NumericKind])[] = [
  ["nan", "nan"],
  ["infinity", "pinf"],
  ["+infinity", "pinf"],
  ["-infinity", "ninf"],
  ["inf", "pinf"],
  ["+inf", "pinf"],
  ["-inf", "ninf"],
];

/** NaN and the infinities, matched case-insensitively as prefixes in numeric_in's order. */
function parseSpecial(text: string, from: number): { readonly kind: NumericKind; readonly end: number } | undefined {
  for (const [spelling, kind] of specialSpellings) {
    if (text.slice(from, from + spelling.length).toLowerCase() === spelling) {
      return { kind, end: from + spelling.length };
    }
  }
  return undefined;
}

/** strtol-like exponent after `e`: optional spaces and sign, then at least one digit. */
function parseExponent(text: string, from: number): { readonly value: number; readonly end: number } {
  let i = skipSpaces(text, from);
  let isNegative = false;
  const sign = text.charCodeAt(i);
  if (sign === 43 || sign === 45) {
    isNegative = sign === 45;
    i++;
  }
  const start = i;
  while (i < text.length && isDigit(text.charCodeAt(i))) i++;
  if (i === start) throw syntaxError(text);
  const digits = text.slice(start, i).replace(/^0+/u, "");
  if (digits.length > exponentDigitsMax) throw overflowError();
  const magnitude = digits === "" ? 0 : Number(digits);
  if (magnitude >= exponentAbsMax) throw overflowError();
  return { value: isNegative ? -magnitude : magnitude, end: i };
}

interface ScannedDecimal {
  readonly isNegative: boolean;
  readonly digits: string;
  readonly fractionDigitCount: number;
  readonly end: number;
}

/** Sign, digits with at most one point; at least one digit must follow the sign (or `.`). */
function scanDecimal(text: string, from: number): ScannedDecimal {
  let i = from;
  let isNegative = false;
  const sign = text.charCodeAt(i);
  if (sign === 43 || sign === 45) {
    isNegative = sign === 45;
    i++;
  }
  const start = i;
  let pointIndex = -1;
  if (text.charCodeAt(i) === 46) {
    pointIndex = i;
    i++;
  }
  if (!isDigit(text.charCodeAt(i))) throw syntaxError(text);
  for (; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (isDigit(code)) continue;
    if (code !== 46) break;
    if (pointIndex >= 0) throw syntaxError(text);
    pointIndex = i;
  }
  if (pointIndex < 0) return { isNegative, digits: text.slice(start, i), fractionDigitCount: 0, end: i };
  const digits = text.slice(start, pointIndex) + text.slice(pointIndex + 1, i);
  return { isNegative, digits, fractionDigitCount: i - pointIndex - 1, end: i };
}

function parseFinite(text: string, from: number): Numeric {
  const scanned = scanDecimal(text, from);
  let i = scanned.end;
  let exponent = 0;
  const code = text.charCodeAt(i);
  if (code === 101 || code === 69) {
    const parsed = parseExponent(text, i + 1);
    exponent = parsed.value;
    i = parsed.end;
  }
  if (skipSpaces(text, i) !== text.length) throw syntaxError(text);
  const shift = exponent - scanned.fractionDigitCount;
  const dscale = Math.max(0, -shift);
  if (dscale > numericDscaleMax) throw overflowError();
  const significant = scanned.digits.replace(/^0+/u, "");
  if (significant === "") return Numeric.fromParts(0n, dscale);
  // Digits before the point, checked before building a huge power of ten.
  if (significant.length + shift > numericIntegerDigitsMax) throw overflowError();
  const magnitude = BigInt(significant) * pow10(Math.max(0, shift));
  return checkedFinite(scanned.isNegative ? -magnitude : magnitude, dscale);
}

// ---------------------------------------------------------------------------------------------
// Text output and float8
// ---------------------------------------------------------------------------------------------

function formatFinite(unscaled: bigint, dscale: number): string {
  if (dscale === 0) return unscaled.toString();
  const isNegative = unscaled < 0n;
  let digits = absBig(unscaled).toString();
  if (digits.length <= dscale) digits = "0".repeat(dscale - digits.length + 1) + digits;
  const point = digits.length - dscale;
  return `${isNegative ? "-" : ""}${digits.slice(0, point)}.${digits.slice(point)}`;
}

const float8Digits = 15; // DBL_DIG: float8_numeric prints with "%.15g"

/** A finite double's exact value as (unscaled, scale), scale possibly negative. */
function exactDouble(value: number): { readonly unscaled: bigint; readonly scale: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  const bits = view.getBigUint64(0);
  const isNegative = bits >> 63n === 1n;
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & 0xfffffffffffffn;
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
  const exponent2 = (biased === 0 ? 1 : biased) - 1075;
  const signed = isNegative ? -mantissa : mantissa;
  if (exponent2 >= 0) return { unscaled: signed << BigInt(exponent2), scale: 0 };
  return { unscaled: signed * 5n ** BigInt(-exponent2), scale: -exponent2 };
}

/**
 * `%.<digits>g` of a finite double (round half to even on the exact binary value), as a Numeric:
 * 15 digits for float8, 6 for float4 (whose values are exact doubles).
 */
function fromFloatFinite(value: number, digits: number): Numeric {
  const exact = exactDouble(value);
  let unscaled = exact.unscaled;
  let scale = exact.scale;
  const drop = decimalDigitCount(unscaled) - digits;
  if (unscaled !== 0n && drop > 0) {
    const d = pow10(drop);
    let q = unscaled / d;
    const r2 = absBig(unscaled - q * d) * 2n;
    if (r2 > d || (r2 === d && (q & 1n) === 1n)) q += unscaled < 0n ? -1n : 1n;
    unscaled = q;
    scale -= drop;
  }
  while (scale > 0 && unscaled % 10n === 0n) {
    unscaled /= 10n;
    scale--;
  }
  if (scale < 0) return checkedFinite(unscaled * pow10(-scale), 0);
  return checkedFinite(unscaled, scale);
}

// ---------------------------------------------------------------------------------------------
// The value class
// ---------------------------------------------------------------------------------------------

function specialRank(kind: NumericKind): number {
  switch (kind) {
    case "ninf":
      return 0;
    case "finite":
      return 1;
    case "pinf":
      return 2;
    case "nan":
      return 3;
  }
  return assertNever(kind);
}

function infinity(isNegative: boolean): Numeric {
  return isNegative ? Numeric.negativeInfinity : Numeric.positiveInfinity;
}

/** -1, 0 or 1: the sign of any value but NaN (an infinity's sign is its direction). */
function signOf(x: Numeric): number {
  if (x.kind === "pinf") return 1;
  if (x.kind === "ninf") return -1;
  return x.unscaled === 0n ? 0 : x.unscaled < 0n ? -1 : 1;
}

export class Numeric {
  static readonly nan: Numeric = new Numeric("nan", 0n, 0);
  static readonly positiveInfinity: Numeric = new Numeric("pinf", 0n, 0);
  static readonly negativeInfinity: Numeric = new Numeric("ninf", 0n, 0);
  static readonly zero: Numeric = new Numeric("finite", 0n, 0);
  static readonly one: Numeric = new Numeric("finite", 1n, 0);

  readonly kind: NumericKind;
  /** The value is `unscaled × 10^-dscale`; 0n for NaN and the infinities. */
  readonly unscaled: bigint;
  /** Digits after the point in the text form; 0 for NaN and the infinities. */
  readonly dscale: number;

  private constructor(kind: NumericKind, unscaled: bigint, dscale: number) {
    this.kind = kind;
    this.unscaled = unscaled;
    this.dscale = dscale;
  }

  /** A finite value from its parts, unchecked against the limits but for cheap assertions. */
  static fromParts(unscaled: bigint, dscale: number): Numeric {
    assert(Number.isInteger(dscale) && dscale >= 0 && dscale <= numericDscaleMax, "dscale within 0..16383");
    return new Numeric("finite", unscaled, dscale);
  }

  /** `unscaled × 10^-dscale`, raising 22003 when it exceeds PostgreSQL's limits. */
  static fromUnscaled(unscaled: bigint, dscale: number): Numeric {
    return checkedFinite(unscaled, dscale);
  }

  /** numeric_in: PostgreSQL 15's text syntax; 22P02 on bad syntax, 22003 beyond the limits. */
  static parse(text: string): Numeric {
    const start = skipSpaces(text, 0);
    const special = parseSpecial(text, start);
    if (special === undefined) return parseFinite(text, start);
    if (skipSpaces(text, special.end) !== text.length) throw syntaxError(text);
    switch (special.kind) {
      case "nan":
        return Numeric.nan;
      case "pinf":
        return Numeric.positiveInfinity;
      case "ninf":
        return Numeric.negativeInfinity;
      case "finite":
        return assertUnreachableFinite();
    }
    return assertNever(special.kind);
  }

  static fromBigInt(value: bigint): Numeric {
    return checkedFinite(value, 0);
  }

  static fromInt(value: number): Numeric {
    assert(Number.isSafeInteger(value), "fromInt takes a safe integer");
    return new Numeric("finite", BigInt(value), 0);
  }

  /** float8_numeric: the double printed with 15 significant digits; NaN and infinities map. */
  static fromFloat8(value: number): Numeric {
    if (Number.isNaN(value)) return Numeric.nan;
    if (value === Infinity) return Numeric.positiveInfinity;
    if (value === -Infinity) return Numeric.negativeInfinity;
    return fromFloatFinite(value, float8Digits);
  }
  /** `float4_numeric`: `%.6g` of the float4 value, ties to even, as PostgreSQL's printf does. */
  static fromFloat4(value: number): Numeric {
    if (!Number.isFinite(value)) return Numeric.fromFloat8(value);
    return fromFloatFinite(value, 6);
  }


  /** numeric_recv: the binary wire format; 22P03 on malformed input. */
  static fromBinary(bytes: Uint8Array): Numeric {
    return decodeBinary(bytes);
  }

  get isNaN(): boolean {
    return this.kind === "nan";
  }

  get isFinite(): boolean {
    return this.kind === "finite";
  }

  get isZero(): boolean {
    return this.kind === "finite" && this.unscaled === 0n;
  }

  /** numeric_out. */
  toString(): string {
    switch (this.kind) {
      case "nan":
        return "NaN";
      case "pinf":
        return "Infinity";
      case "ninf":
        return "-Infinity";
      case "finite":
        return formatFinite(this.unscaled, this.dscale);
    }
    return assertNever(this.kind);
  }

  toJSON(): string {
    return this.toString();
  }

  add(other: Numeric): Numeric {
    if (this.kind !== "finite" || other.kind !== "finite") return addSpecial(this, other);
    const a = this.dscale;
    const b = other.dscale;
    if (a === b) return checkedFinite(this.unscaled + other.unscaled, a);
    if (a > b) return checkedFinite(this.unscaled + other.unscaled * pow10(a - b), a);
    return checkedFinite(this.unscaled * pow10(b - a) + other.unscaled, b);
  }

  sub(other: Numeric): Numeric {
    if (this.kind !== "finite" || other.kind !== "finite") return addSpecial(this, other.neg());
    const a = this.dscale;
    const b = other.dscale;
    if (a === b) return checkedFinite(this.unscaled - other.unscaled, a);
    if (a > b) return checkedFinite(this.unscaled - other.unscaled * pow10(a - b), a);
    return checkedFinite(this.unscaled * pow10(b - a) - other.unscaled, b);
  }

  /** Exact product; a scale beyond 16383 is rounded to 16383 as numeric_mul does. */
  mul(other: Numeric): Numeric {
    if (this.kind !== "finite" || other.kind !== "finite") return mulSpecial(this, other);
    const scale = this.dscale + other.dscale;
    const product = this.unscaled * other.unscaled;
    if (scale <= numericDscaleMax) return checkedFinite(product, scale);
    return checkedFinite(roundShift(product, scale - numericDscaleMax), numericDscaleMax);
  }

  /** Quotient rounded half away from zero at select_div_scale's scale; 22012 on zero. */
  div(other: Numeric): Numeric {
    if (this.kind !== "finite" || other.kind !== "finite") return divSpecial(this, other);
    if (other.unscaled === 0n) throw new DivisionByZeroError("division by zero");
    const rscale = selectDivScale(this, other);
    return checkedFinite(quotientAtScale(this, other, rscale, true), rscale);
  }

  /** Truncated-division remainder with the dividend's sign (numeric_mod); 22012 on zero. */
  mod(other: Numeric): Numeric {
    if (this.kind !== "finite" || other.kind !== "finite") return modSpecial(this, other);
    if (other.unscaled === 0n) throw new DivisionByZeroError("division by zero");
    const scale = Math.max(this.dscale, other.dscale);
    const a = this.unscaled * pow10(scale - this.dscale);
    const b = other.unscaled * pow10(scale - other.dscale);
    return checkedFinite(a % b, scale);
  }

  /** Integer quotient truncated toward zero (numeric `div(a, b)`), scale 0. */
  divTrunc(other: Numeric): Numeric {
    if (this.kind !== "finite" || other.kind !== "finite") return divTruncSpecial(this, other);
    if (other.unscaled === 0n) throw new DivisionByZeroError("division by zero");
    return checkedFinite(quotientAtScale(this, other, 0, false), 0);
  }

  neg(): Numeric {
    switch (this.kind) {
      case "nan":
        return this;
      case "pinf":
        return Numeric.negativeInfinity;
      case "ninf":
        return Numeric.positiveInfinity;
      case "finite":
        return this.unscaled === 0n ? this : new Numeric("finite", -this.unscaled, this.dscale);
    }
    return assertNever(this.kind);
  }

  abs(): Numeric {
    if (this.kind === "ninf") return Numeric.positiveInfinity;
    if (this.kind === "finite" && this.unscaled < 0n) return new Numeric("finite", -this.unscaled, this.dscale);
    return this;
  }

  /** btree order: -Infinity < finite values < Infinity < NaN, and NaN equals NaN. */
  compare(other: Numeric): -1 | 0 | 1 {
    if (this.kind !== "finite" || other.kind !== "finite") {
      const a = specialRank(this.kind);
      const b = specialRank(other.kind);
      return a < b ? -1 : a > b ? 1 : 0;
    }
    const sa = this.dscale;
    const sb = other.dscale;
    const a = sa >= sb ? this.unscaled : this.unscaled * pow10(sb - sa);
    const b = sb >= sa ? other.unscaled : other.unscaled * pow10(sa - sb);
    return a < b ? -1 : a > b ? 1 : 0;
  }

  equals(other: Numeric): boolean {
    return this.compare(other) === 0;
  }

  /** A key equal exactly for equal values (1.0 and 1.00 share one): trailing zeros are dropped. */
  hashKey(): string {
    if (this.kind !== "finite") return this.kind;
    let unscaled = this.unscaled;
    let scale = this.dscale;
    if (unscaled === 0n) return "0";
    while (scale > 0 && unscaled % 10n === 0n) {
      unscaled /= 10n;
      scale--;
    }
    return scale === 0 ? unscaled.toString() : `${unscaled}e-${scale}`;
  }

  /** numeric_round: half away from zero at `scale` (clamped to -131072..16383); negative scales give scale 0. */
  round(scale = 0): Numeric {
    if (this.kind !== "finite") return this;
    assert(Number.isInteger(scale), "round scale is an integer");
    const s = Math.min(Math.max(scale, -numericIntegerDigitsMax), numericDscaleMax);
    const rounded = roundShift(this.unscaled, this.dscale - s);
    return s >= 0 ? checkedFinite(rounded, s) : checkedFinite(rounded * pow10(-s), 0);
  }

  /** numeric_trunc: toward zero at `scale` (clamped to -131072..16383). */
  trunc(scale = 0): Numeric {
    if (this.kind !== "finite") return this;
    assert(Number.isInteger(scale), "trunc scale is an integer");
    const s = Math.min(Math.max(scale, -numericIntegerDigitsMax), numericDscaleMax);
    const truncated = truncShift(this.unscaled, this.dscale - s);
    return s >= 0 ? checkedFinite(truncated, s) : checkedFinite(truncated * pow10(-s), 0);
  }

  ceil(): Numeric {
    if (this.kind !== "finite") return this;
    const t = truncShift(this.unscaled, this.dscale);
    const isExact = t * pow10(this.dscale) === this.unscaled;
    return checkedFinite(!isExact && this.unscaled > 0n ? t + 1n : t, 0);
  }

  floor(): Numeric {
    if (this.kind !== "finite") return this;
    const t = truncShift(this.unscaled, this.dscale);
    const isExact = t * pow10(this.dscale) === this.unscaled;
    return checkedFinite(!isExact && this.unscaled < 0n ? t - 1n : t, 0);
  }

  /** -1, 0 or 1 (scale 0); NaN for NaN. */
  sign(): Numeric {
    if (this.kind === "nan") return this;
    return Numeric.fromInt(signOf(this));
  }

  /** numeric_sqrt: rounded at max(16 significant digits, input scale); 2201F when negative. */
  sqrt(): Numeric {
    if (this.kind === "nan" || this.kind === "pinf") return this;
    if (this.kind === "ninf" || this.unscaled < 0n) {
      throw new InvalidArgumentForPowerFunctionError("cannot take square root of a negative number");
    }
    const weight = toBase10000(this.unscaled, this.dscale).weight;
    const sweight = (weight * decDigits) / 2 + 1;
    const rscale = clampScale(Math.max(minSigDigits - sweight, this.dscale));
    // floor(sqrt(floor(v))) = floor(sqrt(v)), so digits beyond the result's reach may be cut.
    const root = isqrt(truncShift(this.unscaled, this.dscale - 2 * rscale - 2));
    return checkedFinite(roundShift(root, 1), rscale);
  }

  /** numeric_power, PostgreSQL 15 semantics including NaN and the infinities. */
  power(exponent: Numeric): Numeric {
    return numericPower(this, exponent);
  }

  /** numeric_ln; 2201E for zero and negative values. */
  ln(): Numeric {
    if (this.kind === "nan" || this.kind === "pinf") return this;
    checkLogArgument(this);
    const rscale = clampScale(Math.max(minSigDigits - estimateLnDweight(this), this.dscale));
    return checkedFinite(lnToScale(this, rscale), rscale);
  }

  /** numeric `log(x)`, i.e. log(10, x); 2201E for zero and negative values. */
  log10(): Numeric {
    if (this.kind === "nan" || this.kind === "pinf") return this;
    checkLogArgument(this);
    const rscale = clampScale(Math.max(minSigDigits - estimateLnDweight(this), this.dscale));
    const work = rscale + 12;
    const lnX = lnToScale(this, work);
    const quotient = divRound(lnX * pow10(work), ln10Scaled(work));
    return checkedFinite(roundShift(quotient, work - rscale), rscale);
  }

  /** numeric_exp: 22003 when the result overflows; -Infinity gives 0. */
  exp(): Numeric {
    if (this.kind === "nan" || this.kind === "pinf") return this;
    if (this.kind === "ninf") return Numeric.zero;
    let estimate = Number(this.toString()) * Math.LOG10E;
    estimate = Math.min(Math.max(estimate, -maxResultScale), maxResultScale);
    const rscale = clampScale(Math.max(minSigDigits - Math.trunc(estimate), this.dscale));
    return expAtScale(this, rscale);
  }

  /** numeric_float8: the decimal text read as a double; 22003 when out of its range. */
  toNumber(): number {
    switch (this.kind) {
      case "nan":
        return Number.NaN;
      case "pinf":
        return Infinity;
      case "ninf":
        return -Infinity;
      case "finite":
        return finiteToNumber(this);
    }
    return assertNever(this.kind);
  }

  /** Rounded half away from zero to an integer of `type`; 22003 out of range, 0A000 for specials. */
  toBigInt(type: NumericIntType = "int8"): bigint {
    const info = intTypeInfo[type];
    if (this.kind === "nan") throw new FeatureNotSupportedError(`cannot convert NaN to ${info.name}`);
    if (this.kind !== "finite") throw new FeatureNotSupportedError(`cannot convert infinity to ${info.name}`);
    const rounded = roundShift(this.unscaled, this.dscale);
    if (rounded < info.min || rounded > info.max) throw new NumericValueOutOfRangeError(`${info.name} out of range`);
    return rounded;
  }

  /** `toBigInt("int2")` or `toBigInt("int4")` as a number. */
  toInt(type: "int2" | "int4"): number {
    return Number(this.toBigInt(type));
  }

  /** numeric(p, s): round to s, then 22003 `numeric field overflow` unless |x| < 10^(p - s). */
  applyTypmod(precision: number, scale: number): Numeric {
    checkTypmod(precision, scale);
    if (this.kind === "nan") return this;
    if (this.kind !== "finite") {
      throw new NumericValueOutOfRangeError("numeric field overflow", {
        detail: `A field with precision ${precision}, scale ${scale} cannot hold an infinite value.`,
      });
    }
    const rounded = this.round(scale);
    const value = scale >= 0 ? rounded : checkedFinite(rounded.unscaled, 0);
    const maxDigits = precision - scale;
    if (value.unscaled !== 0n && leadingExponent(value.unscaled, value.dscale) + 1 > maxDigits) {
      const bound = maxDigits === 0 ? "1" : `10^${maxDigits}`;
      throw new NumericValueOutOfRangeError("numeric field overflow", {
        detail: `A field with precision ${precision}, scale ${scale} must round to an absolute value less than ${bound}.`,
      });
    }
    return value;
  }

  /** numeric_send. */
  toBinary(): Uint8Array {
    return encodeBinary(this);
  }
}

function assertUnreachableFinite(): never {
  throw new Error("assertion failed: a special spelling is never finite");
}

function clampScale(rscale: number): number {
  return Math.min(Math.max(rscale, 0), maxDisplayScale);
}

// ---------------------------------------------------------------------------------------------
// Special values in arithmetic (PostgreSQL 15)
// ---------------------------------------------------------------------------------------------

function addSpecial(a: Numeric, b: Numeric): Numeric {
  if (a.kind === "nan" || b.kind === "nan") return Numeric.nan;
  if (a.kind === "finite") return b;
  if (b.kind === "finite") return a;
  return a.kind === b.kind ? a : Numeric.nan;
}

function mulSpecial(a: Numeric, b: Numeric): Numeric {
  if (a.kind === "nan" || b.kind === "nan") return Numeric.nan;
  const product = signOf(a) * signOf(b);
  return product === 0 ? Numeric.nan : infinity(product < 0);
}

function divSpecial(a: Numeric, b: Numeric): Numeric {
  if (a.kind === "nan" || b.kind === "nan") return Numeric.nan;
  if (a.kind !== "finite") {
    if (b.kind !== "finite") return Numeric.nan;
    const s = signOf(b);
    if (s === 0) throw new DivisionByZeroError("division by zero");
    return infinity(signOf(a) * s < 0);
  }
  return Numeric.zero;
}

function divTruncSpecial(a: Numeric, b: Numeric): Numeric {
  if (a.kind === "nan" || b.kind === "nan") return Numeric.nan;
  if (a.kind !== "finite") {
    if (b.kind !== "finite") return Numeric.nan;
    const s = signOf(b);
    if (s === 0) throw new DivisionByZeroError("division by zero");
    return infinity(signOf(a) * s < 0);
  }
  return Numeric.zero;
}

function modSpecial(a: Numeric, b: Numeric): Numeric {
  if (a.kind === "nan" || b.kind === "nan") return Numeric.nan;
  if (a.kind !== "finite") {
    if (signOf(b) === 0) throw new DivisionByZeroError("division by zero");
    return Numeric.nan;
  }
  return a;
}

/** a / b at `scale` digits, rounded half away from zero or truncated. */
function quotientAtScale(a: Numeric, b: Numeric, scale: number, isRounded: boolean): bigint {
  const shift = scale + b.dscale - a.dscale;
  const numerator = shift >= 0 ? a.unscaled * pow10(shift) : a.unscaled;
  const denominator = shift >= 0 ? b.unscaled : b.unscaled * pow10(-shift);
  return isRounded ? divRound(numerator, denominator) : numerator / denominator;
}

function checkLogArgument(x: Numeric): void {
  if (x.kind === "ninf" || x.unscaled < 0n) {
    throw new InvalidArgumentForLogarithmError("cannot take logarithm of a negative number");
  }
  if (x.unscaled === 0n) throw new InvalidArgumentForLogarithmError("cannot take logarithm of zero");
}

/** exp_var: overflow beyond e^6000, zero below e^-6000. */
function expAtScale(x: Numeric, rscale: number): Numeric {
  const approx = Number(x.toString());
  if (Math.abs(approx) >= maxResultScale * 3) {
    if (approx > 0) throw overflowError();
    return checkedFinite(0n, rscale);
  }
  return checkedFinite(expVar(x, approx, rscale), rscale);
}

/** A decimal value as unscaled digits at a scale (value = v / 10^s). */
interface Scaled {
  readonly v: bigint;
  readonly s: number;
}

function atScale(a: Scaled, s: number): bigint {
  return s >= a.s ? a.v * pow10(s - a.s) : roundShift(a.v, a.s - s);
}

/** mul_var: the product rounded (half away from zero) to `rscale` digits. */
function mulVar(a: Scaled, b: Scaled, rscale: number): Scaled {
  return { v: atScale({ v: a.v * b.v, s: a.s + b.s }, rscale), s: rscale };
}

/** div_var_int with rounding: a / n at `rscale` digits. */
function divVarInt(a: Scaled, n: bigint, rscale: number): Scaled {
  const v = rscale >= a.s ? divRound(a.v * pow10(rscale - a.s), n) : divRound(a.v, n * pow10(a.s - rscale));
  return { v, s: rscale };
}

/** The base-10000 weight of a positive value: its leading NBASE digit's exponent. */
function nbaseWeight(a: Scaled): number {
  return Math.floor((decimalDigitCount(a.v) - 1 - a.s) / 4);
}

/**
 * PostgreSQL 15's exp_var, step for step, so results round exactly as there (its Taylor series
 * drops terms below its working scale: exp(-0.00000001) is 0.9999999900000001 in PostgreSQL,
 * while the exact value rounds to …0000): the argument halved ndiv2 times to |x| <= 0.01, the
 * series summed at sig_digits - 1 digits until a term rounds to zero, squared back ndiv2 times
 * at a shrinking scale, then rounded to `rscale`.
 */
function expVar(x: Numeric, approx: number, rscale: number): bigint {
  let val = approx;
  const dweight = Math.trunc(val * Math.LOG10E);
  let arg: Scaled = { v: x.unscaled, s: x.dscale };
  let ndiv2 = 0;
  if (Math.abs(val) > 0.01) {
    ndiv2 = 1;
    val /= 2;
    while (Math.abs(val) > 0.01) {
      ndiv2++;
      val /= 2;
    }
    arg = divVarInt(arg, 1n << BigInt(ndiv2), x.dscale + ndiv2);
  }
  const sigDigits = Math.max(1 + dweight + rscale + Math.trunc(ndiv2 * 0.301029995663981), 0) + 8;
  let localRscale = sigDigits - 1;
  let result: Scaled = { v: pow10(arg.s) + arg.v, s: arg.s };
  let elem = divVarInt(mulVar(arg, arg, localRscale), 2n, localRscale);
  let ni = 2n;
  while (elem.v !== 0n) {
    const s = Math.max(result.s, elem.s);
    result = { v: atScale(result, s) + atScale(elem, s), s };
    elem = mulVar(elem, arg, localRscale);
    ni += 1n;
    elem = divVarInt(elem, ni, localRscale);
  }
  for (; ndiv2 > 0; ndiv2--) {
    localRscale = Math.max(sigDigits - nbaseWeight(result) * 2 * 4, 0);
    result = mulVar(result, result, localRscale);
  }
  return atScale(result, rscale);
}

function finiteToNumber(x: Numeric): number {
  const text = x.toString();
  const value = Number(text);
  if (!Number.isFinite(value) || (value === 0 && x.unscaled !== 0n)) {
    throw new NumericValueOutOfRangeError(`"${text}" is out of range for type double precision`);
  }
  return value;
}

function checkTypmod(precision: number, scale: number): void {
  if (!Number.isInteger(precision) || precision < 1 || precision > numericPrecisionMax) {
    throw new InvalidParameterValueError(`NUMERIC precision ${precision} must be between 1 and ${numericPrecisionMax}`);
  }
  if (!Number.isInteger(scale) || scale < -numericPrecisionMax || scale > numericPrecisionMax) {
    throw new InvalidParameterValueError(
      `NUMERIC scale ${scale} must be between ${-numericPrecisionMax} and ${numericPrecisionMax}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// power
// ---------------------------------------------------------------------------------------------

function powerError(message: string): InvalidArgumentForPowerFunctionError {
  return new InvalidArgumentForPowerFunctionError(message);
}

function isIntegral(x: Numeric): boolean {
  return x.kind === "finite" && x.unscaled % pow10(x.dscale) === 0n;
}

function isOddIntegral(x: Numeric): boolean {
  return isIntegral(x) && (x.unscaled / pow10(x.dscale)) % 2n !== 0n;
}

/** |x| compared with 1: -1, 0 or 1 (x finite). */
function compareAbsWithOne(x: Numeric): number {
  const a = absBig(x.unscaled);
  const one = pow10(x.dscale);
  return a < one ? -1 : a > one ? 1 : 0;
}

function numericPower(x: Numeric, y: Numeric): Numeric {
  if (x.kind === "nan") return y.kind === "finite" && y.unscaled === 0n ? Numeric.one : Numeric.nan;
  if (y.kind === "nan") return x.kind === "finite" && x.equals(Numeric.one) ? Numeric.one : Numeric.nan;
  if (x.kind === "finite" && y.kind === "finite") return powerFinite(x, y);
  const sx = signOf(x);
  const sy = signOf(y);
  if (sx === 0 && sy < 0) throw powerError("zero raised to a negative power is undefined");
  if (y.kind !== "finite") {
    // x ^ ±Infinity: 1 when |x| = 1, else by whether |x| > 1.
    const bigness = x.kind === "finite" ? compareAbsWithOne(x) : 1;
    if (bigness === 0) return Numeric.one;
    return (bigness > 0) === (y.kind === "pinf") ? Numeric.positiveInfinity : Numeric.zero;
  }
  // x is ±Infinity, y finite.
  if (sy === 0) return Numeric.one;
  if (x.kind === "pinf") return sy > 0 ? Numeric.positiveInfinity : Numeric.zero;
  if (!isIntegral(y)) throw powerError("a negative number raised to a non-integer power yields a complex result");
  if (sy < 0) return Numeric.zero;
  return isOddIntegral(y) ? Numeric.negativeInfinity : Numeric.positiveInfinity;
}

const int32Min = -2147483648n;
const int32Max = 2147483647n;

function powerFinite(x: Numeric, y: Numeric): Numeric {
  if (x.unscaled === 0n && y.unscaled < 0n) throw powerError("zero raised to a negative power is undefined");
  const isYIntegral = isIntegral(y);
  if (x.unscaled < 0n && !isYIntegral) {
    throw powerError("a negative number raised to a non-integer power yields a complex result");
  }
  if (isYIntegral) {
    const n = y.unscaled / pow10(y.dscale);
    if (n >= int32Min && n <= int32Max) {
      const rscale = clampScale(Math.max(minSigDigits, x.dscale));
      return powerInt(x, Number(n), rscale);
    }
  }
  if (x.unscaled === 0n) return checkedFinite(0n, minSigDigits);
  if (x.unscaled < 0n) {
    const magnitude = powerGeneral(x.abs(), y);
    return isOddIntegral(y) ? magnitude.neg() : magnitude;
  }
  return powerGeneral(x, y);
}

/** Digits an exact integer power may reach before the working precision is capped. */
const exactPowerDigitsMax = 4000;

/** power_var_int: x^n rounded to rscale (n a 32-bit integer). */
function powerInt(x: Numeric, n: number, rscale: number): Numeric {
  if (n === 0) return checkedFinite(pow10(rscale), rscale);
  if (x.unscaled === 0n) {
    if (n < 0) throw new DivisionByZeroError("division by zero");
    return checkedFinite(0n, rscale);
  }
  const view = toBase10000(x.unscaled, x.dscale);
  let f = firstDigitOf(view);
  let p = view.weight * decDigits;
  for (let i = 1; i < view.digits.length && i * decDigits < 16; i++) {
    f = f * base10000 + (view.digits[i] ?? 0);
    p -= decDigits;
  }
  const estimate = n * (Math.log10(f) + p);
  if (estimate > 3 * 32767 * decDigits) throw overflowError();
  if (estimate + 1 < -rscale || estimate + 1 < -maxDisplayScale) return checkedFinite(0n, rscale);
  if (n > 0 && estimate > numericIntegerDigitsMax + 2) throw overflowError();
  const magnitude = Math.abs(n);
  const sigDigits = Math.max(1 + rscale + Math.trunc(estimate), 0) + Math.trunc(Math.log(magnitude)) + 8 + 16;
  const power = powBounded(x.unscaled, x.dscale, magnitude, sigDigits);
  if (n > 0) return checkedFinite(roundShift(power.unscaled, power.scale - rscale), rscale);
  // x^-n = 1 / x^n: rscale digits of 10^scale / unscaled.
  const shift = rscale + power.scale;
  const quotient = shift >= 0 ? divRound(pow10(shift), power.unscaled) : divRound(1n, power.unscaled * pow10(-shift));
  return checkedFinite(quotient, rscale);
}

/**
 * |base|^n by squaring, exact while the digits stay under `exactPowerDigitsMax`, otherwise
 * truncated to `sigDigits` significant digits (PostgreSQL also computes these approximately).
 */
function powBounded(unscaled: bigint, scale: number, n: number, sigDigits: number): { unscaled: bigint; scale: number } {
  const limit = Math.max(sigDigits, exactPowerDigitsMax);
  const cap = (v: { unscaled: bigint; scale: number }): { unscaled: bigint; scale: number } => {
    const excess = decimalDigitCount(v.unscaled) - limit;
    return excess > 0 ? { unscaled: v.unscaled / pow10(excess), scale: v.scale - excess } : v;
  };
  let result = { unscaled: 1n, scale: 0 };
  let square = { unscaled: unscaled, scale };
  for (let k = n; k > 0; k = Math.floor(k / 2)) {
    if (k % 2 === 1) result = cap({ unscaled: result.unscaled * square.unscaled, scale: result.scale + square.scale });
    if (k > 1) square = cap({ unscaled: square.unscaled * square.unscaled, scale: square.scale * 2 });
    assert(result.scale > -(numericIntegerDigitsMax * 4) || n > 0, "power stays within bounds");
  }
  return result;
}

/** ln(x) rounded to `scale`, times y, rounded to `scale` again (power_var's ln_num). */
function lnTimes(x: Numeric, y: Numeric, scale: number): Numeric {
  const product = lnToScale(x, scale) * y.unscaled;
  return Numeric.fromParts(roundShift(product, y.dscale), scale);
}

/** power_var's general case: e^(y × ln x) for x > 0 at PostgreSQL's estimated scale. */
function powerGeneral(x: Numeric, y: Numeric): Numeric {
  const lnDweight = estimateLnDweight(x);
  let localRscale = Math.max(8 - lnDweight, 0);
  let lnNum = lnTimes(x, y, localRscale);
  let val = Number(lnNum.toString());
  if (Math.abs(val) > maxResultScale * 3.01) {
    if (val > 0) throw overflowError();
    return checkedFinite(0n, maxDisplayScale);
  }
  val *= Math.LOG10E;
  const rscale = clampScale(Math.max(minSigDigits - Math.trunc(val), x.dscale, y.dscale));
  const sigDigits = Math.max(rscale + Math.trunc(val), 0);
  localRscale = Math.max(sigDigits - lnDweight + 8, 0);
  lnNum = lnTimes(x, y, localRscale);
  return expAtScale(lnNum, rscale);
}

// ---------------------------------------------------------------------------------------------
// Binary I/O
// ---------------------------------------------------------------------------------------------

const signPositive = 0x0000;
const signNegative = 0x4000;
const signNaN = 0xc000;
const signPositiveInfinity = 0xd000;
const signNegativeInfinity = 0xf000;
const binaryHeaderSizeBytes = 8;

function encodeHeader(view: DataView, ndigits: number, weight: number, sign: number, dscale: number): void {
  view.setInt16(0, ndigits);
  view.setInt16(2, weight);
  view.setUint16(4, sign);
  view.setUint16(6, dscale);
}

function encodeBinary(x: Numeric): Uint8Array {
  if (x.kind !== "finite") {
    const out = new Uint8Array(binaryHeaderSizeBytes);
    const view = new DataView(out.buffer);
    // PostgreSQL reads the dscale of a special value from its short header: 0 for NaN, 32 for ±Inf.
    const sign = x.kind === "nan" ? signNaN : x.kind === "pinf" ? signPositiveInfinity : signNegativeInfinity;
    encodeHeader(view, 0, 0, sign, x.kind === "nan" ? 0 : 32);
    return out;
  }
  const stored = toBase10000(x.unscaled, x.dscale);
  const out = new Uint8Array(binaryHeaderSizeBytes + 2 * stored.digits.length);
  const view = new DataView(out.buffer);
  encodeHeader(view, stored.digits.length, stored.weight, x.unscaled < 0n ? signNegative : signPositive, x.dscale);
  stored.digits.forEach((digit, i) => view.setInt16(binaryHeaderSizeBytes + 2 * i, digit));
  assert(out.length === binaryHeaderSizeBytes + 2 * view.getInt16(0), "numeric binary length matches ndigits");
  return out;
}

function decodeBinary(bytes: Uint8Array): Numeric {
  if (bytes.length < binaryHeaderSizeBytes) throw binaryError("insufficient data left in message");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ndigits = view.getUint16(0);
  const weight = view.getInt16(2);
  const sign = view.getUint16(4);
  const dscale = view.getUint16(6);
  if (bytes.length < binaryHeaderSizeBytes + 2 * ndigits) throw binaryError("insufficient data left in message");
  if (bytes.length > binaryHeaderSizeBytes + 2 * ndigits) throw binaryError("incorrect binary data format");
  const isKnownSign = [signPositive, signNegative, signNaN, signPositiveInfinity, signNegativeInfinity].includes(sign);
  if (!isKnownSign) throw binaryError('invalid sign in external "numeric" value');
  if (dscale > numericDscaleMax) throw binaryError('invalid scale in external "numeric" value');
  let text = "";
  for (let i = 0; i < ndigits; i++) {
    const digit = view.getInt16(binaryHeaderSizeBytes + 2 * i);
    if (digit < 0 || digit >= base10000) throw binaryError('invalid digit in external "numeric" value');
    text += String(digit).padStart(decDigits, "0");
  }
  if (sign === signNaN) return Numeric.nan;
  if (sign === signPositiveInfinity) return Numeric.positiveInfinity;
  if (sign === signNegativeInfinity) return Numeric.negativeInfinity;
  // value = digits × 10^(4 × (weight + 1 - ndigits)); digits hidden by dscale are truncated away.
  const fractionDigitCount = decDigits * (ndigits - 1 - weight);
  const magnitude = truncShift(ndigits === 0 ? 0n : BigInt(text), fractionDigitCount - dscale);
  return checkedFinite(sign === signNegative ? -magnitude : magnitude, dscale);
}
