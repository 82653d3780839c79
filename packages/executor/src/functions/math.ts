/**
 * PostgreSQL 15's mathematical functions (`float.c`, `numeric.c`, `int.c`): abs, ceil/ceiling,
 * floor, round, trunc, sign, sqrt, cbrt, exp, ln, log, power, mod, div, pi and random.
 *
 * Invariants: float8 results go through PostgreSQL's libm checks (an infinite result from a finite
 * argument is `value out of range: overflow`, a zero result from a non-zero one is `underflow`);
 * float8 `round` is C's `rint`, i.e. half to even with the sign of zero kept (`round(-0.5)` is
 * -0). numeric results come from `Numeric`, whose scales follow numeric.c; `log(b, x)` reproduces
 * numeric.c's `log_var` scale selection here because `Numeric` has no two-argument logarithm.
 */
import {
  InvalidArgumentForLogarithmError,
  InvalidArgumentForPowerFunctionError,
  Numeric,
  NumericValueOutOfRangeError,
  assert,
  int2Abs,
  int2Mod,
  int4Abs,
  int4Mod,
  int8Abs,
  int8Mod,
} from "@omnikv/base";
import { asBigInt, asNumber, asNumeric, type SqlValue } from "../values.ts";
import type { FunctionTable, ScalarFunction } from "./function-types.ts";

function fn0(compute: () => SqlValue): ScalarFunction {
  return (args) => {
    assert(args.length === 0, "the function takes no arguments");
    return compute();
  };
}

function fn1(compute: (a: SqlValue) => SqlValue): ScalarFunction {
  return (args) => {
    assert(args.length === 1, "the function takes one argument");
    return compute(args[0] ?? null);
  };
}

function fn2(compute: (a: SqlValue, b: SqlValue) => SqlValue): ScalarFunction {
  return (args) => {
    assert(args.length === 2, "the function takes two arguments");
    return compute(args[0] ?? null, args[1] ?? null);
  };
}

function overflowError(): NumericValueOutOfRangeError {
  return new NumericValueOutOfRangeError("value out of range: overflow");
}

function underflowError(): NumericValueOutOfRangeError {
  return new NumericValueOutOfRangeError("value out of range: underflow");
}

/** PostgreSQL's check after a libm call: an infinite or zero result from finite inputs is an error. */
export function checkFloatResult(result: number, options: { readonly isInfAllowed: boolean; readonly isZeroAllowed: boolean }): number {
  if (Math.abs(result) === Infinity && !options.isInfAllowed) throw overflowError();
  if (result === 0 && !options.isZeroAllowed) throw underflowError();
  return result;
}

/** `dpow`: POSIX special cases done explicitly, 2201F for 0^negative and negative^fraction. */
export function float8Power(x: number, y: number): number {
  if (Number.isNaN(x)) return Number.isNaN(y) || y !== 0 ? Number.NaN : 1;
  if (Number.isNaN(y)) return x === 1 ? 1 : Number.NaN;
  if (x === 0 && y < 0) throw new InvalidArgumentForPowerFunctionError("zero raised to a negative power is undefined");
  if (x < 0 && Math.floor(y) !== y) {
    throw new InvalidArgumentForPowerFunctionError("a negative number raised to a non-integer power yields a complex result");
  }
  if (Math.abs(y) === Infinity) {
    const absX = Math.abs(x);
    if (absX === 1) return 1;
    if (y > 0) return absX > 1 ? y : 0;
    return absX > 1 ? 0 : -y;
  }
  if (Math.abs(x) === Infinity) return infiniteBasePower(x, y);
  if (x === 0) return y === 0 ? 1 : Object.is(x, -0) && Math.abs(y % 2) === 1 ? -0 : 0;
  const result = correctlyRoundedPow(x, y);
  assert(!Number.isNaN(result), "pow of a valid domain is a number");
  return checkFloatResult(result, { isInfAllowed: false, isZeroAllowed: x === 0 });
}

function infiniteBasePower(x: number, y: number): number {
  if (y === 0) return 1;
  if (x > 0) return y > 0 ? x : 0;
  const isOddInteger = Math.abs(y) <= 2 ** 53 && Math.abs(y % 2) === 1;
  if (y > 0) return isOddInteger ? x : -x;
  return isOddInteger ? -0 : 0;
}

// ---------------------------------------------------------------------------------------------
// libm as PostgreSQL's glibc computes it. glibc's exp, log and pow are correctly rounded in all
// but vanishingly rare cases, and V8's Math.exp/log/pow are not (they are off by an ulp often),
// so those three are evaluated here in 144-bit binary fixed point and rounded once. log10 and
// cbrt are ports of glibc's own algorithms, which are not correctly rounded. glibc's decimal
// constants are written as the shortest literals of the same doubles.

const fixedBits = 144;
const fixedOne = 1n << BigInt(fixedBits);
/** Terms any series below may take; convergence needs about 50. */
const seriesTermsMax = 200;
/** Beyond |t| = 800 a power e^t is certainly outside the double range either way. */
const expArgumentMax = 800;
const scratch = new DataView(new ArrayBuffer(8));
let ln2FixedCache: bigint | undefined;

/** A positive finite double as mantissa × 2^exponent (exact). */
function decompose(x: number): { readonly mantissa: bigint; readonly exponent: number } {
  assert(x > 0 && Number.isFinite(x), "decompose takes a positive finite double");
  scratch.setFloat64(0, x);
  const bits = scratch.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  return biased === 0 ? { mantissa: fraction, exponent: -1074 } : { mantissa: fraction | (1n << 52n), exponent: biased - 1075 };
}

function bitLength(value: bigint): number {
  assert(value > 0n, "bitLength takes a positive bigint");
  return value.toString(2).length;
}

/** 2^q exactly, built from its bits (Math.pow is not trusted), 0 or Infinity beyond the range. */
function pow2(q: number): number {
  if (q > 1023) return Infinity;
  if (q < -1074) return 0;
  scratch.setBigUint64(0, q >= -1022 ? BigInt(q + 1023) << 52n : 1n << BigInt(q + 1074));
  return scratch.getFloat64(0);
}

/** The double nearest magnitude × 2^shift, ties to even, subnormals and overflow included. */
function roundToDouble(magnitude: bigint, shift: number): number {
  if (magnitude === 0n) return 0;
  const top = bitLength(magnitude) + shift;
  const quantum = Math.max(top - 53, -1074);
  const drop = quantum - shift;
  let rounded = drop <= 0 ? magnitude << BigInt(-drop) : magnitude >> BigInt(drop);
  if (drop > 0) {
    const remainder = magnitude - (rounded << BigInt(drop));
    const half = 1n << BigInt(drop - 1);
    if (remainder > half || (remainder === half && (rounded & 1n) === 1n)) rounded++;
  }
  assert(rounded <= 1n << 53n, "a rounded mantissa has at most 53 bits");
  return Number(rounded) * pow2(quantum);
}

/** ln(a / 2^144) × 2^144 for a fixed-point a near 1, by ln a = 2 atanh((a - 1) / (a + 1)). */
function lnNearOne(a: bigint): bigint {
  const z = ((a - fixedOne) << BigInt(fixedBits)) / (a + fixedOne);
  const z2 = (z * z) >> BigInt(fixedBits);
  let term = z;
  let sum = z;
  for (let k = 3n; term !== 0n; k += 2n) {
    assert(k < BigInt(2 * seriesTermsMax), "the atanh series converges");
    term = (term * z2) / fixedOne;
    sum += term / k;
  }
  return 2n * sum;
}

function ln2Fixed(): bigint {
  ln2FixedCache ??= lnNearOne(2n * fixedOne);
  return ln2FixedCache;
}

/** ln(x) × 2^144 for a positive finite double. */
function lnFixed(x: number): bigint {
  const { mantissa, exponent } = decompose(x);
  const bits = bitLength(mantissa);
  let power = exponent + bits - 1;
  let a = mantissa << BigInt(fixedBits - bits + 1);
  // Reduce to [1/sqrt(2), sqrt(2)] so the series gains five bits a term.
  if (a * a > 2n * fixedOne * fixedOne) {
    a >>= 1n;
    power++;
  }
  return lnNearOne(a) + BigInt(power) * ln2Fixed();
}

/** e^(t / 2^144) rounded to a double, for |t| / 2^144 <= 800. */
function expOfFixed(t: bigint): number {
  const ln2 = ln2Fixed();
  const k = Math.round(Number(t) / Number(ln2));
  const r = t - BigInt(k) * ln2;
  let term = fixedOne;
  let sum = fixedOne;
  for (let n = 1n; term !== 0n; n++) {
    assert(n < BigInt(seriesTermsMax), "the exp series converges");
    term = (term * r) / (fixedOne * n);
    sum += term;
  }
  return roundToDouble(sum, k - fixedBits);
}

/** glibc's exp for a finite double: correctly rounded. */
export function correctlyRoundedExp(x: number): number {
  if (x === 0 || Math.abs(x) < 2 ** -60) return 1;
  if (x > expArgumentMax) return Infinity;
  if (x < -expArgumentMax) return 0;
  const { mantissa, exponent } = decompose(Math.abs(x));
  const t = mantissa << BigInt(exponent + fixedBits);
  return expOfFixed(x < 0 ? -t : t);
}

/** glibc's log for a positive finite double: correctly rounded. */
export function correctlyRoundedLn(x: number): number {
  const l = lnFixed(x);
  if (l === 0n) return 0;
  const magnitude = roundToDouble(l < 0n ? -l : l, -fixedBits);
  return l < 0n ? -magnitude : magnitude;
}

/** glibc's pow for finite x != 0 and finite y, with x < 0 only for integral y. */
export function correctlyRoundedPow(x: number, y: number): number {
  if (y === 0 || x === 1) return 1;
  const isNegative = x < 0 && Math.abs(y % 2) === 1;
  const base = Math.abs(x);
  const { mantissa, exponent } = decompose(base);
  let magnitude: number;
  if (Number.isInteger(y) && y > 0 && y <= 64) {
    // Exact: a result halfway between two doubles must round to even, not by luck.
    magnitude = roundToDouble(mantissa ** BigInt(y), exponent * y);
  } else {
    const estimate = y * Math.log(base);
    if (estimate > expArgumentMax) magnitude = Infinity;
    else if (estimate < -expArgumentMax) magnitude = 0;
    else {
      const power = decompose(Math.abs(y));
      const product = lnFixed(base) * power.mantissa * (y < 0 ? -1n : 1n);
      const t = power.exponent >= 0 ? product << BigInt(power.exponent) : product >> BigInt(-power.exponent);
      magnitude = expOfFixed(t);
    }
  }
  return isNegative ? -magnitude : magnitude;
}

const log10TwoHigh = 0.30102999566361177;
const log10TwoLow = 3.694239077158931e-13;
// glibc's ivln10 (4.34294481903251816668e-01) is exactly Math.LOG10E.
const inverseLn10 = Math.LOG10E;
const two54 = 1.8014398509481984e16;

/** glibc's `__ieee754_log10` (fdlibm) for a positive finite double, on the correctly rounded log. */
export function glibcLog10(x: number): number {
  let value = x;
  scratch.setFloat64(0, value);
  let high = scratch.getInt32(0);
  let k = 0;
  if (high < 0x0010_0000) {
    k -= 54;
    value *= two54;
    scratch.setFloat64(0, value);
    high = scratch.getInt32(0);
  }
  k += (high >> 20) - 1023;
  const i = k < 0 ? 1 : 0;
  scratch.setInt32(0, (high & 0x000f_ffff) | ((0x3ff - i) << 20));
  const reduced = scratch.getFloat64(0);
  const y = k + i;
  const z = y * log10TwoLow + inverseLn10 * correctlyRoundedLn(reduced);
  return z + y * log10TwoHigh;
}

const cbrtFactors = [1 / 1.5874010519681996, 1 / 1.2599210498948732, 1, 1.2599210498948732, 1.5874010519681996];

/** glibc's `__cbrt` (sysdeps/ieee754/dbl-64/s_cbrt.c): a polynomial and one rational step. */
export function glibcCbrt(x: number): number {
  if (x === 0 || !Number.isFinite(x)) return x + x;
  const { mantissa, exponent } = decompose(Math.abs(x));
  const bits = bitLength(mantissa);
  const xm = Number(mantissa) * pow2(-bits);
  const xe = exponent + bits;
  const u =
    0.35489576504391984 +
    (1.508191937815849 +
      (-2.114994941673713 +
        (2.4469312256353444 + (-1.8346927748361308 + (0.7849323449766392 - 0.14526389938548637 * xm) * xm) * xm) * xm) *
        xm) *
      xm;
  const t2 = u * u * u;
  const ym = ((u * (t2 + 2 * xm)) / (2 * t2 + xm)) * (cbrtFactors[2 + (xe % 3)] ?? 1);
  const result = ym * pow2(Math.trunc(xe / 3));
  return x < 0 ? -result : result;
}

/** C `rint` in the default rounding mode: half to even, keeping the sign of zero. */
export function rint(value: number): number {
  if (!Number.isFinite(value)) return value;
  const floor = Math.floor(value);
  const fraction = value - floor;
  let result = floor;
  if (fraction > 0.5 || (fraction === 0.5 && floor % 2 !== 0)) result = floor + 1;
  return result === 0 && (value < 0 || Object.is(value, -0)) ? -0 : result;
}

function checkLogArgument(value: number): void {
  if (value === 0) throw new InvalidArgumentForLogarithmError("cannot take logarithm of zero");
  if (value < 0) throw new InvalidArgumentForLogarithmError("cannot take logarithm of a negative number");
}

/** `dlog1` and `dlog10`. */
function float8Log(value: number, log: (x: number) => number): number {
  checkLogArgument(value);
  if (!Number.isFinite(value)) return value;
  const result = log(value);
  return checkFloatResult(result, { isInfAllowed: Math.abs(value) === Infinity, isZeroAllowed: value === 1 || Number.isNaN(value) });
}

function float8Sqrt(value: number): number {
  if (value < 0) throw new InvalidArgumentForPowerFunctionError("cannot take square root of a negative number");
  const result = Math.sqrt(value);
  return checkFloatResult(result, { isInfAllowed: Math.abs(value) === Infinity, isZeroAllowed: value === 0 });
}

function float8Cbrt(value: number): number {
  const result = glibcCbrt(value);
  return checkFloatResult(result, { isInfAllowed: Math.abs(value) === Infinity, isZeroAllowed: value === 0 });
}

/** `dexp`: exp(-Infinity) is 0, NaN stays NaN, otherwise overflow and underflow are errors. */
function float8Exp(value: number): number {
  if (Number.isNaN(value)) return value;
  if (Math.abs(value) === Infinity) return value > 0 ? value : 0;
  return checkFloatResult(correctlyRoundedExp(value), { isInfAllowed: false, isZeroAllowed: false });
}

/** `dsign`: NaN and ±0 give 0. */
function float8Sign(value: number): number {
  if (value > 0) return 1;
  return value < 0 ? -1 : 0;
}

function float8Functions(): Record<string, ScalarFunction> {
  const on = (compute: (x: number) => number): ScalarFunction => fn1((a) => compute(asNumber(a)));
  return {
    "ceil(float8)": on(Math.ceil),
    "ceiling(float8)": on(Math.ceil),
    "floor(float8)": on(Math.floor),
    "round(float8)": on(rint),
    "trunc(float8)": on(Math.trunc),
    "sign(float8)": on(float8Sign),
    "sqrt(float8)": on(float8Sqrt),
    "cbrt(float8)": on(float8Cbrt),
    "exp(float8)": on(float8Exp),
    "ln(float8)": on((x) => float8Log(x, correctlyRoundedLn)),
    "log(float8)": on((x) => float8Log(x, glibcLog10)),
    "power(float8,float8)": fn2((a, b) => float8Power(asNumber(a), asNumber(b))),
    "pi()": fn0(() => Math.PI),
    "random()": fn0(() => Math.random()),
  };
}

function numericFunctions(): Record<string, ScalarFunction> {
  const on = (compute: (x: Numeric) => Numeric): ScalarFunction => fn1((a) => compute(asNumeric(a)));
  return {
    "ceil(numeric)": on((x) => x.ceil()),
    "ceiling(numeric)": on((x) => x.ceil()),
    "floor(numeric)": on((x) => x.floor()),
    "round(numeric)": on((x) => x.round(0)),
    "trunc(numeric)": on((x) => x.trunc(0)),
    "sign(numeric)": on((x) => x.sign()),
    "sqrt(numeric)": on((x) => x.sqrt()),
    "exp(numeric)": on((x) => x.exp()),
    "ln(numeric)": on((x) => x.ln()),
    "log(numeric)": on((x) => x.log10()),
    "round(numeric,int4)": fn2((a, b) => asNumeric(a).round(asNumber(b))),
    "trunc(numeric,int4)": fn2((a, b) => asNumeric(a).trunc(asNumber(b))),
    "log(numeric,numeric)": fn2((a, b) => numericLog(asNumeric(a), asNumeric(b))),
    "power(numeric,numeric)": fn2((a, b) => asNumeric(a).power(asNumeric(b))),
    "mod(numeric,numeric)": fn2((a, b) => asNumeric(a).mod(asNumeric(b))),
    "div(numeric,numeric)": fn2((a, b) => asNumeric(a).divTrunc(asNumeric(b))),
  };
}

function integerFunctions(): Record<string, ScalarFunction> {
  return {
    "abs(int2)": fn1((a) => int2Abs(asNumber(a))),
    "abs(int4)": fn1((a) => int4Abs(asNumber(a))),
    "abs(int8)": fn1((a) => int8Abs(asBigInt(a))),
    "abs(float4)": fn1((a) => Math.abs(asNumber(a))),
    "abs(float8)": fn1((a) => Math.abs(asNumber(a))),
    "abs(numeric)": fn1((a) => asNumeric(a).abs()),
    "mod(int2,int2)": fn2((a, b) => int2Mod(asNumber(a), asNumber(b))),
    "mod(int4,int4)": fn2((a, b) => int4Mod(asNumber(a), asNumber(b))),
    "mod(int8,int8)": fn2((a, b) => int8Mod(asBigInt(a), asBigInt(b))),
  };
}

// ---------------------------------------------------------------------------------------------
// numeric log(base, x): numeric.c's log_var

const minSigDigits = 16;
const maxDisplayScale = 1000;

function pow10(exponent: number): bigint {
  assert(Number.isInteger(exponent) && exponent >= 0, "a power of ten has a non-negative exponent");
  return 10n ** BigInt(exponent);
}

function decimalDigitCount(value: bigint): number {
  return (value < 0n ? -value : value).toString().length;
}

/** floor(|unscaled| × 10^-dscale / 10^exponent10), for any integer exponent. */
function scaledDown(unscaled: bigint, dscale: number, exponent10: number): bigint {
  const shift = exponent10 + dscale;
  return shift >= 0 ? unscaled / pow10(shift) : unscaled * pow10(-shift);
}

/** numeric.c's estimate_ln_dweight for a finite value. */
function estimateLnDweight(x: Numeric): number {
  if (x.unscaled <= 0n) return 0;
  const one = pow10(x.dscale);
  if (x.unscaled * 10n >= 9n * one && x.unscaled * 10n <= 11n * one) {
    const diff = x.unscaled - one;
    return diff === 0n ? 0 : decimalDigitCount(diff) - 1 - x.dscale;
  }
  // The base-10000 view PostgreSQL stores: weight, first digit, and whether more digits follow.
  const weight = Math.floor((decimalDigitCount(x.unscaled) - 1 - x.dscale) / 4);
  const shift = 4 * weight + x.dscale;
  const hasSecondDigit = shift > 0 && x.unscaled % pow10(shift) !== 0n;
  const digitsWeight = hasSecondDigit ? weight - 1 : weight;
  const digits = Number(scaledDown(x.unscaled, x.dscale, 4 * digitsWeight));
  const dweight = digitsWeight * 4;
  const lnEstimate = Math.log(digits) + dweight * Math.LN10;
  return Math.trunc(Math.log10(Math.abs(lnEstimate)));
}

/** ln(x) rounded to `scale` digits, computed by `Numeric.ln` at a display scale of at least `scale`. */
function lnAtScale(x: Numeric, scale: number): Numeric {
  const widened = scale > x.dscale ? Numeric.fromParts(x.unscaled * pow10(scale - x.dscale), scale) : x;
  return widened.ln().round(scale);
}

/** a / b rounded half away from zero to `scale` digits (div_var_fast with round = true). */
function divideAtScale(a: Numeric, b: Numeric, scale: number): Numeric {
  if (b.isZero) return a.div(b);
  const numerator = a.unscaled * pow10(scale + b.dscale);
  const denominator = b.unscaled * pow10(a.dscale);
  const isNegative = numerator < 0n !== denominator < 0n;
  const absNumerator = numerator < 0n ? -numerator : numerator;
  const absDenominator = denominator < 0n ? -denominator : denominator;
  const quotient = (2n * absNumerator + absDenominator) / (2n * absDenominator);
  return Numeric.fromUnscaled(isNegative ? -quotient : quotient, scale);
}

function numericLogSpecial(base: Numeric, x: Numeric): Numeric {
  if (base.isNaN || x.isNaN) return Numeric.nan;
  const baseSign = base.sign().compare(Numeric.zero);
  const xSign = x.sign().compare(Numeric.zero);
  if (baseSign < 0 || xSign < 0) throw new InvalidArgumentForLogarithmError("cannot take logarithm of a negative number");
  if (baseSign === 0 || xSign === 0) throw new InvalidArgumentForLogarithmError("cannot take logarithm of zero");
  if (base.kind === "pinf") return x.kind === "pinf" ? Numeric.nan : Numeric.zero;
  assert(x.kind === "pinf", "the non-finite argument is +Infinity");
  return Numeric.positiveInfinity;
}

/** numeric `log(base, x)`: ln(x) / ln(base) at log_var's scales. */
export function numericLog(base: Numeric, x: Numeric): Numeric {
  if (!base.isFinite || !x.isFinite) return numericLogSpecial(base, x);
  const lnBaseDweight = estimateLnDweight(base);
  const lnXDweight = estimateLnDweight(x);
  const resultDweight = lnXDweight - lnBaseDweight;
  const rscale = Math.min(Math.max(minSigDigits - resultDweight, base.dscale, x.dscale, 0), maxDisplayScale);
  const lnBaseScale = Math.max(rscale + resultDweight - lnBaseDweight + 8, 0);
  const lnXScale = Math.max(rscale + resultDweight - lnXDweight + 8, 0);
  const lnBase = lnAtScale(base, lnBaseScale);
  const lnX = lnAtScale(x, lnXScale);
  return divideAtScale(lnX, lnBase, rscale);
}

export const mathFunctions: FunctionTable = {
  ...integerFunctions(),
  ...float8Functions(),
  ...numericFunctions(),
};
