/**
 * Implementations of the aggregate signatures (planner's builtins-aggregates.ts), by id, computing
 * what PostgreSQL 15 computes, digit for digit:
 *
 * - Integer sums never overflow: int2/int4 sums run in a double while it is exact (|sum| < 2^52)
 *   and spill into a bigint beyond; int8 sums are bigints (PostgreSQL's int128).
 * - numeric sums keep one bigint at the largest input scale (PostgreSQL's NumericSumAccum), so
 *   a step allocates only the bigint; NaN and the infinities are counted apart, as in
 *   do_numeric_accum, and the range check happens once at the end (make_result).
 * - avg divides the numeric sum by the count with numeric division's scale (numeric_div).
 * - The statistics aggregates over integers and numeric follow numeric_stddev_internal: exact
 *   N·Σx² − (Σx)², divided at select_div_scale's scale, square-rooted at that same scale. Over
 *   floats they follow float8_accum's Youngs-Cramer update, operation for operation.
 * - min/max return the later row on ties (`numeric_larger` keeps `1.00` over `1.0`, the interval
 *   ones keep `24:00:00` over `1 day`), except bpchar, which keeps the earlier one.
 *
 * The aggregation operator skips NULL rows of strict aggregates and does DISTINCT and FILTER, so
 * a state sees only counting rows; the non-strict ones (array_agg, string_agg, json_agg,
 * jsonb_agg) see NULLs and handle them here. Every `final` over no rows is NULL, but count's 0.
 */
import {
  ArraySubscriptError,
  Numeric,
  NullValueNotAllowedError,
  NumericValueOutOfRangeError,
  ProgramLimitExceededError,
  TypeOid,
  addIntervals,
  arrayDimensionsMax,
  assert,
  assertNever,
  compareBpchar,
  compareFloat,
  compareIntervals,
  compareOrdered,
  compareText,
  divideInterval,
  float4Add,
  float8Add,
  formatValue,
  jsonAggFinal,
  jsonbAggFinal,
  typeInfo,
  type IntervalValue,
  type JsonbValue,
  type Ordering,
  type SqlJsonArg,
  EnumValue,
  RecordValue,
} from "@omnikv/base";
import { asBigInt, asBool, asBytes, asInterval, asNumber, asNumeric, asText, type SqlArray, type SqlValue } from "../values.ts";
import type { AggregateFunction, AggregateState, AggregateTable } from "./aggregate-types.ts";
import type { EvalContext } from "./function-types.ts";
import { textIoSettings } from "../expr/compile.ts";
import { compareEnumArgs } from "./comparison.ts";
import { orderedSetAggregateFunctions } from "./ordered-set-aggregates.ts";

// ---------------------------------------------------------------------------------------------
// count

class CountState implements AggregateState {
  #count = 0;

  step(): void {
    this.#count++;
  }

  final(): SqlValue {
    return BigInt(this.#count);
  }
}

// ---------------------------------------------------------------------------------------------
// Integer sum and avg

/** Beyond this magnitude a double could stop holding an int4 sum exactly, so it spills. */
const exactSumMax = 2 ** 52;

/** sum/avg over int2/int4: a double fast path, spilled into a bigint before it could round. */
class SmallIntSumState implements AggregateState {
  #small = 0;
  #spilled = 0n;
  #count = 0;
  readonly #isAvg: boolean;

  constructor(isAvg: boolean) {
    this.#isAvg = isAvg;
  }

  step(args: readonly SqlValue[]): void {
    const sum = this.#small + asNumber(args[0] ?? null);
    this.#count++;
    if (sum > exactSumMax || sum < -exactSumMax) {
      this.#spilled += BigInt(sum);
      this.#small = 0;
    } else {
      this.#small = sum;
    }
  }

  final(): SqlValue {
    if (this.#count === 0) return null;
    const sum = this.#spilled + BigInt(this.#small);
    if (!this.#isAvg) return sum;
    return Numeric.fromBigInt(sum).div(Numeric.fromInt(this.#count));
  }
}

/** sum/avg over int8 (int8_avg_accum): exact bigint sum; both results are numeric. */
class Int8SumState implements AggregateState {
  #sum = 0n;
  #count = 0;
  readonly #isAvg: boolean;

  constructor(isAvg: boolean) {
    this.#isAvg = isAvg;
  }

  step(args: readonly SqlValue[]): void {
    this.#sum += asBigInt(args[0] ?? null);
    this.#count++;
  }

  final(): SqlValue {
    if (this.#count === 0) return null;
    const sum = Numeric.fromBigInt(this.#sum);
    return this.#isAvg ? sum.div(Numeric.fromInt(this.#count)) : sum;
  }
}

// ---------------------------------------------------------------------------------------------
// numeric accumulation (NumericAggState)

const pow10Cache: bigint[] = [1n];

function pow10(exponent: number): bigint {
  assert(Number.isInteger(exponent) && exponent >= 0, "a power of ten has a natural exponent");
  const cached = pow10Cache[exponent];
  if (cached !== undefined) return cached;
  const value = 10n ** BigInt(exponent);
  if (exponent < 64) pow10Cache[exponent] = value;
  return value;
}

/** round(value / 10^shift), half away from zero (round_var on a truncated extra digit). */
function roundShift(value: bigint, shift: number): bigint {
  assert(shift >= 0, "rounding drops digits");
  if (shift === 0) return value;
  const divisor = pow10(shift);
  const quotient = value / divisor;
  const remainder = value - quotient * divisor;
  const twice = (remainder < 0n ? -remainder : remainder) * 2n;
  if (twice < divisor) return quotient;
  return value < 0n ? quotient - 1n : quotient + 1n;
}

/**
 * PostgreSQL's NumericAggState: the count of finite inputs, NaN and infinity counts, Σx at the
 * largest input scale and, for the statistics aggregates, Σx² at twice that scale.
 */
class NumericAccumulator {
  count = 0n;
  nanCount = 0;
  positiveInfinityCount = 0;
  negativeInfinityCount = 0;
  sumX = 0n;
  scale = 0;
  sumX2 = 0n;

  /** Counts a NaN or infinity; false for a finite value, which the caller adds. */
  addSpecial(value: Numeric): boolean {
    switch (value.kind) {
      case "finite":
        return false;
      case "nan":
        this.nanCount++;
        return true;
      case "pinf":
        this.positiveInfinityCount++;
        return true;
      case "ninf":
        this.negativeInfinityCount++;
        return true;
    }
    return assertNever(value.kind);
  }

  /** Σx += unscaled × 10^-scale. */
  addFinite(unscaled: bigint, scale: number): void {
    this.count++;
    if (scale === this.scale) {
      this.sumX += unscaled;
    } else if (scale < this.scale) {
      this.sumX += unscaled * pow10(this.scale - scale);
    } else {
      const grow = scale - this.scale;
      this.sumX = this.sumX * pow10(grow) + unscaled;
      this.sumX2 *= pow10(2 * grow);
      this.scale = scale;
    }
  }

  /** Σx² += x², exact at twice the value's scale; call after addFinite. */
  addSquare(unscaled: bigint, scale: number): void {
    assert(scale <= this.scale, "addFinite has raised the scale first");
    this.sumX2 += unscaled * unscaled * pow10(2 * (this.scale - scale));
  }

  get totalCount(): bigint {
    return this.count + BigInt(this.nanCount + this.positiveInfinityCount + this.negativeInfinityCount);
  }

  /** numeric_sum's special results: NaN wins, +Inf and -Inf together give NaN. */
  specialSum(): Numeric | undefined {
    if (this.nanCount > 0) return Numeric.nan;
    const hasPositive = this.positiveInfinityCount > 0;
    const hasNegative = this.negativeInfinityCount > 0;
    if (hasPositive && hasNegative) return Numeric.nan;
    if (hasPositive) return Numeric.positiveInfinity;
    return hasNegative ? Numeric.negativeInfinity : undefined;
  }

  /** make_result of Σx: 22003 beyond numeric's range. */
  finalSum(): Numeric {
    return Numeric.fromUnscaled(this.sumX, this.scale);
  }
}

/** sum/avg over numeric (numeric_avg_accum → numeric_sum / numeric_avg). */
class NumericSumState implements AggregateState {
  readonly #accumulator = new NumericAccumulator();
  readonly #isAvg: boolean;

  constructor(isAvg: boolean) {
    this.#isAvg = isAvg;
  }

  step(args: readonly SqlValue[]): void {
    const value = asNumeric(args[0] ?? null);
    if (!this.#accumulator.addSpecial(value)) this.#accumulator.addFinite(value.unscaled, value.dscale);
  }

  final(): SqlValue {
    const accumulator = this.#accumulator;
    if (accumulator.totalCount === 0n) return null;
    const special = accumulator.specialSum();
    if (special !== undefined) return special;
    const sum = accumulator.finalSum();
    return this.#isAvg ? sum.div(Numeric.fromBigInt(accumulator.count)) : sum;
  }
}

// ---------------------------------------------------------------------------------------------
// Statistics over integers and numeric (numeric_stddev_internal)

/** select_div_scale's bounds: NUMERIC_MIN_SIG_DIGITS and NUMERIC_MAX_DISPLAY_SCALE. */
const minSignificantDigits = 16;
const displayScaleMax = 1000;

interface StatisticsKind {
  /** variance rather than standard deviation. */
  readonly isVariance: boolean;
  /** the sample (N − 1) rather than the population (N) form. */
  readonly isSample: boolean;
}

const statisticsKinds: Readonly<Record<string, StatisticsKind>> = {
  stddev: { isVariance: false, isSample: true },
  stddev_samp: { isVariance: false, isSample: true },
  stddev_pop: { isVariance: false, isSample: false },
  variance: { isVariance: true, isSample: true },
  var_samp: { isVariance: true, isSample: true },
  var_pop: { isVariance: true, isSample: false },
};

/** Integer square root: the largest r with r² <= n (Newton's method from a double's estimate). */
function isqrt(n: bigint): bigint {
  assert(n >= 0n, "square root of a non-negative integer");
  if (n < 4503599627370496n) return BigInt(Math.floor(Math.sqrt(Number(n))));
  const bitLength = n.toString(16).length * 4;
  const shift = Math.max(0, bitLength - 100) & ~1;
  const estimate = BigInt(Math.floor(Math.sqrt(Number(n >> BigInt(shift))))) << BigInt(shift / 2);
  // One step from any positive start lands at or above the root; from there Newton descends.
  let x = (estimate + n / (estimate > 0n ? estimate : 1n)) >> 1n;
  for (;;) {
    const next = (x + n / x) >> 1n;
    if (next >= x) break;
    x = next;
  }
  assert(x * x <= n && (x + 1n) * (x + 1n) > n, "isqrt is the floor of the root");
  return x;
}

/** A positive exact decimal `unscaled × 10^-scale` with no range limit (PostgreSQL's NumericVar). */
interface Decimal {
  readonly unscaled: bigint;
  readonly scale: number;
}

/** sqrt_var at the value's own scale, correctly rounded (half away from zero). */
function sqrtAtScale(value: Decimal): Decimal {
  assert(value.unscaled > 0n, "the variance is positive here");
  const root = isqrt(value.unscaled * pow10(value.scale + 2));
  return { unscaled: roundShift(root, 1), scale: value.scale };
}

/** The base-10000 weight and first digit of a positive decimal, as select_div_scale reads them. */
function leadingBase10000(value: Decimal): { readonly weight: number; readonly firstDigit: number } {
  const digits = value.unscaled.toString();
  const exponent = digits.length - 1 - value.scale;
  const weight = Math.floor(exponent / 4);
  return { weight, firstDigit: Number(digits.slice(0, exponent - 4 * weight + 1)) };
}

/** numerator / denominator (an integer) rounded as div_var rounds at select_div_scale's scale. */
function divideAtSelectedScale(numerator: Decimal, denominator: bigint): Decimal {
  assert(numerator.unscaled > 0n && denominator > 0n, "a positive variance numerator and denominator");
  const a = leadingBase10000(numerator);
  const b = leadingBase10000({ unscaled: denominator, scale: 0 });
  const qweight = a.weight - b.weight - (a.firstDigit <= b.firstDigit ? 1 : 0);
  const scale = Math.min(Math.max(minSignificantDigits - qweight * 4, numerator.scale, 0), displayScaleMax);
  const shift = scale - numerator.scale;
  const dividend = shift >= 0 ? numerator.unscaled * pow10(shift) : numerator.unscaled;
  const divisor = shift >= 0 ? denominator : denominator * pow10(-shift);
  return { unscaled: (2n * dividend + divisor) / (2n * divisor), scale };
}

function numericStatistics(accumulator: NumericAccumulator, kind: StatisticsKind): SqlValue {
  const total = accumulator.totalCount;
  if (total === 0n || (kind.isSample && total <= 1n)) return null;
  // Any NaN or infinity input gives NaN, by analogy with the float8 functions.
  if (total !== accumulator.count) return Numeric.nan;
  const count = accumulator.count;
  const numerator = count * accumulator.sumX2 - accumulator.sumX * accumulator.sumX;
  if (numerator <= 0n) return Numeric.zero;
  const denominator = kind.isSample ? count * (count - 1n) : count * count;
  // Intermediate values may exceed numeric's range; only the result is checked (make_result).
  const variance = divideAtSelectedScale({ unscaled: numerator, scale: 2 * accumulator.scale }, denominator);
  const result = kind.isVariance ? variance : sqrtAtScale(variance);
  return Numeric.fromUnscaled(result.unscaled, result.scale);
}

/** stddev/variance over int2/int4/int8/numeric: exact sums, then PostgreSQL's final arithmetic. */
class NumericStatisticsState implements AggregateState {
  readonly #accumulator = new NumericAccumulator();
  readonly #kind: StatisticsKind;
  readonly #toNumeric: (value: SqlValue) => Numeric;

  constructor(kind: StatisticsKind, toNumeric: (value: SqlValue) => Numeric) {
    this.#kind = kind;
    this.#toNumeric = toNumeric;
  }

  step(args: readonly SqlValue[]): void {
    const value = this.#toNumeric(args[0] ?? null);
    if (this.#accumulator.addSpecial(value)) return;
    this.#accumulator.addFinite(value.unscaled, value.dscale);
    this.#accumulator.addSquare(value.unscaled, value.dscale);
  }

  final(): SqlValue {
    return numericStatistics(this.#accumulator, this.#kind);
  }
}

// ---------------------------------------------------------------------------------------------
// Floats: sum (float4pl/float8pl) and float8_accum's Youngs-Cramer statistics

class FloatSumState implements AggregateState {
  #sum = 0;
  #hasValue = false;
  readonly #add: (a: number, b: number) => number;

  constructor(add: (a: number, b: number) => number) {
    this.#add = add;
  }

  step(args: readonly SqlValue[]): void {
    const value = asNumber(args[0] ?? null);
    this.#sum = this.#hasValue ? this.#add(this.#sum, value) : value;
    this.#hasValue = true;
  }

  final(): SqlValue {
    return this.#hasValue ? this.#sum : null;
  }
}

function floatOverflow(): NumericValueOutOfRangeError {
  return new NumericValueOutOfRangeError("value out of range: overflow");
}

/** "avg" or a key of statisticsKinds. */
type FloatResult = string;

/** float8_accum's {N, Sx, Sxx} and the float8_avg/var/stddev finals. */
class FloatAccumState implements AggregateState {
  #n = 0;
  #sx = 0;
  #sxx = 0;
  readonly #result: FloatResult;

  constructor(result: FloatResult) {
    this.#result = result;
  }

  step(args: readonly SqlValue[]): void {
    const value = asNumber(args[0] ?? null);
    const previousN = this.#n;
    const previousSx = this.#sx;
    const n = previousN + 1;
    const sx = previousSx + value;
    let sxx = this.#sxx;
    if (previousN > 0) {
      const tmp = value * n - sx;
      sxx += (tmp * tmp) / (n * previousN);
      if (Math.abs(sx) === Infinity || Math.abs(sxx) === Infinity) {
        if (Math.abs(previousSx) !== Infinity && Math.abs(value) !== Infinity) throw floatOverflow();
        sxx = NaN;
      }
    } else if (!Number.isFinite(value)) {
      sxx = NaN;
    }
    this.#n = n;
    this.#sx = sx;
    this.#sxx = sxx;
  }

  final(): SqlValue {
    const n = this.#n;
    if (this.#result === "avg") return n === 0 ? null : this.#sx / n;
    const kind = statisticsKinds[this.#result];
    assert(kind !== undefined, "a float statistics aggregate has a kind");
    if (n === 0 || (kind.isSample && n <= 1)) return null;
    const variance = this.#sxx / (kind.isSample ? n - 1 : n);
    return kind.isVariance ? variance : Math.sqrt(variance);
  }
}

// ---------------------------------------------------------------------------------------------
// interval sum and avg

class IntervalSumState implements AggregateState {
  #sum: IntervalValue = { months: 0, days: 0, micros: 0n };
  #count = 0;
  readonly #isAvg: boolean;

  constructor(isAvg: boolean) {
    this.#isAvg = isAvg;
  }

  step(args: readonly SqlValue[]): void {
    this.#sum = addIntervals(this.#sum, asInterval(args[0] ?? null));
    this.#count++;
  }

  final(): SqlValue {
    if (this.#count === 0) return null;
    return this.#isAvg ? divideInterval(this.#sum, this.#count) : this.#sum;
  }
}

function isInterval(value: SqlValue): value is IntervalValue {
  return typeof value === "object" && value !== null && "months" in value && "days" in value && "micros" in value;
}

// ---------------------------------------------------------------------------------------------
// min and max

/** Whether a new value replaces the kept one, from compare(new, kept). */
type ReplaceRule = (ordering: Ordering) => boolean;

const replaceForMax: ReplaceRule = (ordering) => ordering >= 0;
const replaceForMin: ReplaceRule = (ordering) => ordering <= 0;
/** bpchar_larger/bpchar_smaller keep the earlier of two equal values. */
const replaceForMaxKeepingFirst: ReplaceRule = (ordering) => ordering > 0;
const replaceForMinKeepingFirst: ReplaceRule = (ordering) => ordering < 0;

class ExtremeState implements AggregateState {
  #kept: SqlValue = null;
  readonly #compare: (a: SqlValue, b: SqlValue) => Ordering;
  readonly #isReplaced: ReplaceRule;

  constructor(compare: (a: SqlValue, b: SqlValue) => Ordering, isReplaced: ReplaceRule) {
    this.#compare = compare;
    this.#isReplaced = isReplaced;
  }

  step(args: readonly SqlValue[]): void {
    const value = args[0] ?? null;
    assert(value !== null, "min/max are strict: NULL rows are skipped");
    if (this.#kept === null || this.#isReplaced(this.#compare(value, this.#kept))) this.#kept = value;
  }

  final(): SqlValue {
    return this.#kept;
  }
}

const compareNumbers = (a: SqlValue, b: SqlValue): Ordering => compareOrdered(asNumber(a), asNumber(b));
const compareBigInts = (a: SqlValue, b: SqlValue): Ordering => compareOrdered(asBigInt(a), asBigInt(b));

/** Each min/max type's btree comparison, and whether ties keep the earlier value. */
const extremeComparisons: readonly (readonly [string, (a: SqlValue, b: SqlValue) => Ordering, boolean])[] = [
  ["int2", compareNumbers, false],
  ["int4", compareNumbers, false],
  ["int8", compareBigInts, false],
  ["oid", compareNumbers, false],
  ["float4", (a, b) => compareFloat(asNumber(a), asNumber(b)), false],
  ["float8", (a, b) => compareFloat(asNumber(a), asNumber(b)), false],
  ["numeric", (a, b) => asNumeric(a).compare(asNumeric(b)), false],
  ["text", (a, b) => compareText(asText(a), asText(b)), false],
  ["bpchar", (a, b) => compareBpchar(asText(a), asText(b)), true],
  ["date", compareNumbers, false],
  ["time", compareBigInts, false],
  ["timestamp", compareBigInts, false],
  ["timestamptz", compareBigInts, false],
  ["interval", (a, b) => compareIntervals(asInterval(a), asInterval(b)), false],
];

function extremeAggregates(): Record<string, AggregateFunction> {
  const table: Record<string, AggregateFunction> = {};
  for (const [type, compare, isKeepingFirst] of extremeComparisons) {
    const maxRule = isKeepingFirst ? replaceForMaxKeepingFirst : replaceForMax;
    const minRule = isKeepingFirst ? replaceForMinKeepingFirst : replaceForMin;
    table[`max(${type})`] = () => new ExtremeState(compare, maxRule);
    table[`min(${type})`] = () => new ExtremeState(compare, minRule);
  }
  table["max(anyenum)"] = () => new ExtremeState(compareEnumArgs, replaceForMax);
  table["min(anyenum)"] = () => new ExtremeState(compareEnumArgs, replaceForMin);
  return table;
}

// ---------------------------------------------------------------------------------------------
// bool_and, bool_or, every

class BoolState implements AggregateState {
  #result: boolean | null = null;
  readonly #isAnd: boolean;

  constructor(isAnd: boolean) {
    this.#isAnd = isAnd;
  }

  step(args: readonly SqlValue[]): void {
    const value = asBool(args[0] ?? null);
    if (this.#result === null) this.#result = value;
    else this.#result = this.#isAnd ? this.#result && value : this.#result || value;
  }

  final(): SqlValue {
    return this.#result;
  }
}

// ---------------------------------------------------------------------------------------------
// string_agg

/** string_agg_transfn: NULL values are skipped; a NULL delimiter joins without a separator. */
class StringAggState implements AggregateState {
  #text = "";
  #hasValue = false;

  step(args: readonly SqlValue[]): void {
    const value = args[0] ?? null;
    if (value === null) return;
    const delimiter = args[1] ?? null;
    if (this.#hasValue && delimiter !== null) this.#text += asText(delimiter);
    this.#text += asText(value);
    this.#hasValue = true;
  }

  final(): SqlValue {
    return this.#hasValue ? this.#text : null;
  }
}

class ByteaStringAggState implements AggregateState {
  readonly #chunks: Uint8Array[] = [];
  #hasValue = false;

  step(args: readonly SqlValue[]): void {
    const value = args[0] ?? null;
    if (value === null) return;
    const delimiter = args[1] ?? null;
    if (this.#hasValue && delimiter !== null) this.#chunks.push(asBytes(delimiter));
    this.#chunks.push(asBytes(value));
    this.#hasValue = true;
  }

  final(): SqlValue {
    if (!this.#hasValue) return null;
    const sizeBytes = this.#chunks.reduce((size, chunk) => size + chunk.length, 0);
    const out = new Uint8Array(sizeBytes);
    let offset = 0;
    for (const chunk of this.#chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// array_agg

/** array_agg(anynonarray): every row, NULLs included, into a one-dimensional array. */
class ArrayAggState implements AggregateState {
  readonly #elements: SqlValue[] = [];

  step(args: readonly SqlValue[]): void {
    this.#elements.push(args[0] ?? null);
  }

  final(): SqlValue {
    const count = this.#elements.length;
    if (count === 0) return null;
    const array: SqlArray = { dims: [count], lowerBounds: [1], elements: this.#elements };
    return array;
  }
}

function isArray(value: SqlValue): value is SqlArray {
  return typeof value === "object" && value !== null && "dims" in value && "elements" in value;
}

function differentDimensionality(): ArraySubscriptError {
  return new ArraySubscriptError("cannot accumulate arrays of different dimensionality");
}

/** array_agg(anyarray) (accumArrayResultArr): equal-shaped arrays stacked along a new dimension. */
class ArrayOfArraysAggState implements AggregateState {
  #first: SqlArray | undefined;
  readonly #elements: SqlValue[] = [];
  #count = 0;

  step(args: readonly SqlValue[]): void {
    const value = args[0] ?? null;
    if (value === null) throw new NullValueNotAllowedError("cannot accumulate null arrays");
    assert(isArray(value), "an anyarray argument is a PgArray");
    const first = this.#first;
    if (first === undefined) this.#checkFirst(value);
    else if (!isSameShape(first, value)) throw differentDimensionality();
    this.#first ??= value;
    for (const element of value.elements) this.#elements.push(element);
    this.#count++;
  }

  #checkFirst(value: SqlArray): void {
    if (value.dims.length === 0) throw new ArraySubscriptError("cannot accumulate empty arrays");
    if (value.dims.length + 1 > arrayDimensionsMax) {
      throw new ProgramLimitExceededError(
        `number of array dimensions (${value.dims.length + 1}) exceeds the maximum allowed (${arrayDimensionsMax})`,
      );
    }
  }

  final(): SqlValue {
    const first = this.#first;
    if (first === undefined) return null;
    const array: SqlArray = {
      dims: [this.#count, ...first.dims],
      lowerBounds: [1, ...first.lowerBounds],
      elements: this.#elements,
    };
    return array;
  }
}

function isSameShape(a: SqlArray, b: SqlArray): boolean {
  if (a.dims.length !== b.dims.length) return false;
  return a.dims.every((length, i) => length === b.dims[i] && a.lowerBounds[i] === b.lowerBounds[i]);
}

// ---------------------------------------------------------------------------------------------
// json_agg, jsonb_agg

/**
 * A SQL value as json_categorize_type sees it. The argument's type is needed to tell a date (a
 * number) from an int4, or json (a string) from text: a factory given the resolved argument types
 * uses them; without them the runtime representation decides (dates then read as numbers).
 */
const jsonNumberTypes: ReadonlySet<number> = new Set([
  TypeOid.int2,
  TypeOid.int4,
  TypeOid.int8,
  TypeOid.float4,
  TypeOid.float8,
  TypeOid.numeric,
]);

function jsonArgOf(value: SqlValue, type: number | undefined, context: EvalContext): SqlJsonArg {
  if (value === null) return { kind: "null" };
  if (type === undefined) return jsonArgOfRepresentation(value, context);
  const info = typeInfo(type);
  const elementType = info?.elementOid;
  if (elementType !== undefined && isArray(value)) return jsonArgOfArray(value, elementType, context);
  const settings = textIoSettings(context);
  if (value instanceof RecordValue) {
    return { kind: "object", entries: value.values.map((field, i) => ({ key: value.names[i] ?? "", value: jsonArgOf(field, value.types[i], context) })) };
  }
  if (type === TypeOid.bool) return { kind: "bool", value: asBool(value) };
  if (jsonNumberTypes.has(type)) return { kind: "number", text: formatValue(type, value, settings) };
  if (type === TypeOid.json) return { kind: "json", text: asText(value) };
  if (type === TypeOid.jsonb) return { kind: "jsonb", value: asJsonb(value) };
  if (type === TypeOid.timestamp || type === TypeOid.timestamptz) {
    return { kind: "text", text: xsdDateTime(formatValue(type, value, settings)) };
  }
  return { kind: "text", text: formatValue(type, value, settings) };
}

function jsonArgOfArray(array: SqlArray, elementType: number, context: EvalContext): SqlJsonArg {
  const elements = array.elements.map((element) => jsonArgOf(element, elementType, context));
  return nestJsonArray(elements, array.dims);
}

/** Row-major elements into nested json arrays, one level per dimension. */
function nestJsonArray(elements: readonly SqlJsonArg[], dims: readonly number[]): SqlJsonArg {
  const [outer, ...inner] = dims;
  if (outer === undefined || inner.length === 0) return { kind: "array", elements };
  const stride = inner.reduce((product, length) => product * length, 1);
  const nested: SqlJsonArg[] = [];
  for (let start = 0; start < elements.length; start += stride) {
    nested.push(nestJsonArray(elements.slice(start, start + stride), inner));
  }
  return { kind: "array", elements: nested };
}

/** JsonEncodeDateTime's XSD form: `T` between date and time, and a `+HH:MM` zone. */
function xsdDateTime(iso: string): string {
  const isBc = iso.endsWith(" BC");
  const body = isBc ? iso.slice(0, -3) : iso;
  let text = body.replace(" ", "T");
  if (/[+-]\d\d$/.test(text)) text += ":00";
  return isBc ? `${text} BC` : text;
}

function jsonArgOfRepresentation(value: SqlValue, context: EvalContext): SqlJsonArg {
  if (value === null) return { kind: "null" };
  if (typeof value === "boolean") return { kind: "bool", value };
  if (typeof value === "number") return { kind: "number", text: formatValue(TypeOid.float8, value, textIoSettings(context)) };
  if (typeof value === "bigint" || value instanceof Numeric) return { kind: "number", text: value.toString() };
  if (typeof value === "string") return { kind: "text", text: value };
  if (value instanceof Uint8Array) return { kind: "text", text: formatValue(TypeOid.bytea, value, textIoSettings(context)) };
  if (isInterval(value)) return { kind: "text", text: formatValue(TypeOid.interval, value, textIoSettings(context)) };
  if (value instanceof EnumValue) return { kind: "text", text: value.label };
  if (value instanceof RecordValue) return jsonArgOf(value, TypeOid.record, context);
  if (isArray(value)) {
    return nestJsonArray(value.elements.map((element) => jsonArgOfRepresentation(element, context)), value.dims);
  }
  return { kind: "jsonb", value };
}

function asJsonb(value: SqlValue): JsonbValue {
  assert(typeof value === "object" && value !== null && "kind" in value, "a jsonb argument is a JsonbValue");
  // oxlint-disable-next-line typescript/no-unsafe-type-assertion -- jsonb is the only SqlValue object with a string `kind`
  return value as JsonbValue;
}

/** json_agg/jsonb_agg: every row, NULLs included as json null. */
class JsonAggState implements AggregateState {
  readonly #elements: SqlJsonArg[] = [];
  readonly #type: number | undefined;
  readonly #isJsonb: boolean;

  constructor(isJsonb: boolean, argTypes: readonly number[] | undefined) {
    this.#isJsonb = isJsonb;
    this.#type = argTypes?.[0];
  }

  step(args: readonly SqlValue[], context: EvalContext): void {
    this.#elements.push(jsonArgOf(args[0] ?? null, this.#type, context));
  }

  final(): SqlValue {
    const result = this.#isJsonb ? jsonbAggFinal(this.#elements) : jsonAggFinal(this.#elements);
    return result ?? null;
  }
}

// ---------------------------------------------------------------------------------------------
// The table

function statisticsAggregates(): Record<string, AggregateFunction> {
  const table: Record<string, AggregateFunction> = {};
  const fromSmall = (value: SqlValue): Numeric => Numeric.fromInt(asNumber(value));
  const fromInt8 = (value: SqlValue): Numeric => Numeric.fromBigInt(asBigInt(value));
  for (const [name, kind] of Object.entries(statisticsKinds)) {
    table[`${name}(int2)`] = () => new NumericStatisticsState(kind, fromSmall);
    table[`${name}(int4)`] = () => new NumericStatisticsState(kind, fromSmall);
    table[`${name}(int8)`] = () => new NumericStatisticsState(kind, fromInt8);
    table[`${name}(numeric)`] = () => new NumericStatisticsState(kind, asNumeric);
    table[`${name}(float4)`] = () => new FloatAccumState(name);
    table[`${name}(float8)`] = () => new FloatAccumState(name);
  }
  return table;
}

export const aggregateFunctions: AggregateTable = {
  "count()": () => new CountState(),
  "count(anyelement)": () => new CountState(),
  "sum(int2)": () => new SmallIntSumState(false),
  "sum(int4)": () => new SmallIntSumState(false),
  "sum(int8)": () => new Int8SumState(false),
  "sum(float4)": () => new FloatSumState(float4Add),
  "sum(float8)": () => new FloatSumState(float8Add),
  "sum(numeric)": () => new NumericSumState(false),
  "sum(interval)": () => new IntervalSumState(false),
  "avg(int2)": () => new SmallIntSumState(true),
  "avg(int4)": () => new SmallIntSumState(true),
  "avg(int8)": () => new Int8SumState(true),
  "avg(float4)": () => new FloatAccumState("avg"),
  "avg(float8)": () => new FloatAccumState("avg"),
  "avg(numeric)": () => new NumericSumState(true),
  "avg(interval)": () => new IntervalSumState(true),
  ...extremeAggregates(),
  ...statisticsAggregates(),
  "bool_and(bool)": () => new BoolState(true),
  "bool_or(bool)": () => new BoolState(false),
  "every(bool)": () => new BoolState(true),
  "string_agg(text,text)": () => new StringAggState(),
  "string_agg(bytea,bytea)": () => new ByteaStringAggState(),
  "array_agg(anynonarray)": () => new ArrayAggState(),
  "array_agg(anyarray)": () => new ArrayOfArraysAggState(),
  // The resolved argument types are optional until the aggregation operator passes them.
  "json_agg(anyelement)": (argTypes?: readonly number[]) => new JsonAggState(false, argTypes),
  "jsonb_agg(anyelement)": (argTypes?: readonly number[]) => new JsonAggState(true, argTypes),
  ...orderedSetAggregateFunctions,
};
