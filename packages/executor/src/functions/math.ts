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
  DivisionByZeroError,
  InvalidArgumentForLogarithmError,
  InvalidArgumentForPowerFunctionError,
  Numeric,
  assert,
  int2Abs,
  int2Mod,
  int4Abs,
  int4Mod,
  int8Abs,
  int8Mod,
} from "@omnikv/base";
import { asBigInt, asNumber, asNumeric, type SqlValue } from "../values.ts";
import { checkFloatResult, float8Power } from "./arithmetic.ts";
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
  const result = log(value);
  return checkFloatResult(result, { isInfAllowed: Math.abs(value) === Infinity, isZeroAllowed: value === 1 || Number.isNaN(value) });
}

function float8Sqrt(value: number): number {
  if (value < 0) throw new InvalidArgumentForPowerFunctionError("cannot take square root of a negative number");
  const result = Math.sqrt(value);
  return checkFloatResult(result, { isInfAllowed: Math.abs(value) === Infinity, isZeroAllowed: value === 0 });
}

function float8Cbrt(value: number): number {
  const result = Math.cbrt(value);
  return checkFloatResult(result, { isInfAllowed: Math.abs(value) === Infinity, isZeroAllowed: value === 0 });
}

/** `dexp`: exp(-Infinity) is 0, NaN stays NaN, otherwise overflow and underflow are errors. */
function float8Exp(value: number): number {
  if (Number.isNaN(value)) return value;
  if (Math.abs(value) === Infinity) return value > 0 ? value : 0;
  return checkFloatResult(Math.exp(value), { isInfAllowed: false, isZeroAllowed: false });
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
    "ln(float8)": on((x) => float8Log(x, Math.log)),
    "log(float8)": on((x) => float8Log(x, Math.log10)),
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
  if (base.compare(Numeric.one) === 0) throw new DivisionByZeroError("division by zero");
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
