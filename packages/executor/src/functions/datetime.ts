/**
 * Implementations of the datetime family's signatures (planner's builtins-datetime.ts), by id:
 * comparisons and arithmetic over date, time, timestamp, timestamptz and interval, the current
 * time functions, field access (`extract`, `date_part`, `date_trunc`), constructors, `age`,
 * `timezone` (AT TIME ZONE), `to_char`/`to_timestamp`/`to_date`, and the pg_cast conversions
 * among these types under `cast(source,target)`.
 *
 * Invariants:
 * - Values are base's representations (date = days since 2000-01-01, time/timestamp/timestamptz
 *   = bigint µs, interval = {months, days, micros}); the value arithmetic itself lives in base,
 *   this module only binds it to the session (its TimeZone and transaction start time).
 * - Anything that reads the session zone takes it from `textIoSettings(context)`, so a zone
 *   name is parsed once per session setting, never per row.
 * - Cross-type comparisons convert like PostgreSQL's `*_cmp_*_internal`: a date or timestamp
 *   beyond timestamptz's range orders after every finite value and before infinity.
 * - Errors carry PostgreSQL 15's SQLSTATE and message text.
 */
import {
  DATE_NEG_INFINITY,
  DATE_POS_INFINITY,
  DatetimeFieldOverflowError,
  FeatureNotSupportedError,
  InvalidDatetimeFormatError,
  InvalidParameterValueError,
  Numeric,
  TIMESTAMP_NEG_INFINITY,
  TIMESTAMP_POS_INFINITY,
  TimeZone,
  UTC,
  addDaysToDate,
  addIntervalToDate,
  addIntervalToTime,
  addIntervalToTimestamp,
  addIntervalToTimestamptz,
  addIntervals,
  addTimeToDate,
  ageOfTimestamps,
  ageOfTimestamptzs,
  assert,
  assertNever,
  compareIntervals,
  compareOrdered,
  dateToTimestamp,
  divideInterval,
  extractFromDate,
  extractFromInterval,
  extractFromTimestamp,
  extractFromTimestamptz,
  formatInterval,
  isFiniteDate,
  isFiniteTimestamp,
  justifyDays,
  justifyHours,
  justifyInterval,
  makeDate,
  makeTimestamp,
  multiplyInterval,
  negateInterval,
  parseTimeZone,
  parseTimestamptz,
  subtractDates,
  subtractDaysFromDate,
  subtractIntervalFromTimestamp,
  subtractIntervalFromTimestamptz,
  subtractIntervals,
  subtractTimes,
  subtractTimestamps,
  timestampToDate,
  timestampToTimestamptz,
  timestamptzToDate,
  timestamptzToTimestamp,
  truncateTimestamp,
  truncateTimestamptz,
  type IntervalValue,
  type Ordering,
  datetimeUnitOf,
  scaledDecimal,
  type DatetimeUnit,
} from "@omnikv/base";
import { textIoSettings } from "../expr/compile.ts";
import { asInterval, asNumber, asText, type SqlValue } from "../values.ts";
import type { EvalContext, FunctionTable, ScalarFunction } from "./function-types.ts";

const MICROS_PER_SECOND = 1_000_000n;
const MICROS_PER_DAY = 86_400_000_000n;
/** PostgreSQL's valid timestamp range [MIN_TIMESTAMP, END_TIMESTAMP) and date range end. */
const TIMESTAMP_MIN = -211_813_488_000_000_000n;
const TIMESTAMP_END = 9_223_371_331_200_000_000n;
/** The first date whose midnight is beyond the timestamp range (TIMESTAMP_END_JULIAN). */
const TIMESTAMP_END_DAYS = 106_751_983;
/** 1970-01-01 in µs since 2000-01-01. */
const UNIX_EPOCH_MICROS = -946_684_800_000_000n;
/** The fractional-second precision of time and timestamp types (MAX_TIMESTAMP_PRECISION). */
const precisionMax = 6;

// ---------------------------------------------------------------------------------------------
// Argument accessors: the planner guarantees the types, so these assert rather than convert.

function asDate(value: SqlValue): number {
  assert(typeof value === "number" && Number.isInteger(value), "a date argument is an integer number of days");
  return value;
}

function asMicros(value: SqlValue): bigint {
  assert(typeof value === "bigint", "a time or timestamp argument is a bigint of microseconds");
  return value;
}

function arg(args: readonly SqlValue[], index: number): SqlValue {
  assert(index < args.length, `argument ${index} is present`);
  return args[index] ?? null;
}

/** The session TimeZone, parsed once per setting. */
function sessionZone(context: EvalContext): TimeZone {
  return textIoSettings(context).timeZone;
}

function isValidTimestamp(ts: bigint): boolean {
  return ts >= TIMESTAMP_MIN && ts < TIMESTAMP_END;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const quotient = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? quotient - 1n : quotient;
}

function unary(compute: (value: SqlValue, context: EvalContext) => SqlValue): ScalarFunction {
  return (args, context) => {
    assert(args.length === 1, "a unary function takes one argument");
    return compute(arg(args, 0), context);
  };
}

function binary(compute: (left: SqlValue, right: SqlValue, context: EvalContext) => SqlValue): ScalarFunction {
  return (args, context) => {
    assert(args.length === 2, "a binary function takes two arguments");
    return compute(arg(args, 0), arg(args, 1), context);
  };
}

// ---------------------------------------------------------------------------------------------
// Comparisons

/** A finite instant, or how far outside the timestamp range a converted value fell. */
type Converted = { readonly kind: "value"; readonly ts: bigint } | { readonly kind: "overflow"; readonly sign: -1 | 1 };

/** date2timestamptz_opt_overflow: local midnight in `zone`, or which side of the range it fell off. */
function dateToInstant(date: number, zone: TimeZone | undefined): Converted {
  if (date === DATE_POS_INFINITY) return { kind: "value", ts: TIMESTAMP_POS_INFINITY };
  if (date === DATE_NEG_INFINITY) return { kind: "value", ts: TIMESTAMP_NEG_INFINITY };
  if (date >= TIMESTAMP_END_DAYS) return { kind: "overflow", sign: 1 };
  const local = BigInt(date) * MICROS_PER_DAY;
  if (zone === undefined) return { kind: "value", ts: local };
  const ts = local - BigInt(zone.localOffsetFor(Number(local / MICROS_PER_SECOND))) * MICROS_PER_SECOND;
  if (isValidTimestamp(ts)) return { kind: "value", ts };
  return { kind: "overflow", sign: ts < TIMESTAMP_MIN ? -1 : 1 };
}

/** timestamp2timestamptz_opt_overflow. */
function timestampToInstant(local: bigint, zone: TimeZone): Converted {
  if (!isFiniteTimestamp(local)) return { kind: "value", ts: local };
  const ts = local - BigInt(zone.localOffsetFor(Number(floorDiv(local, MICROS_PER_SECOND)))) * MICROS_PER_SECOND;
  if (isValidTimestamp(ts)) return { kind: "value", ts };
  return { kind: "overflow", sign: ts < TIMESTAMP_MIN ? -1 : 1 };
}

/** Orders a converted value against a timestamp: an overflow sits just inside the infinities. */
function compareConverted(left: Converted, right: bigint): Ordering {
  if (left.kind === "value") return compareOrdered(left.ts, right);
  if (left.sign > 0) return right === TIMESTAMP_POS_INFINITY ? -1 : 1;
  return right === TIMESTAMP_NEG_INFINITY ? 1 : -1;
}

function flip(order: Ordering): Ordering {
  return order === 0 ? 0 : order > 0 ? -1 : 1;
}

type Compare = (a: SqlValue, b: SqlValue, context: EvalContext) => Ordering;

const compareBySignature: readonly (readonly [string, string, Compare])[] = [
  ["date", "date", (a, b) => compareOrdered(asDate(a), asDate(b))],
  ["time", "time", (a, b) => compareOrdered(asMicros(a), asMicros(b))],
  ["timestamp", "timestamp", (a, b) => compareOrdered(asMicros(a), asMicros(b))],
  ["timestamptz", "timestamptz", (a, b) => compareOrdered(asMicros(a), asMicros(b))],
  ["interval", "interval", (a, b) => compareIntervals(asInterval(a), asInterval(b))],
  ["date", "timestamp", (a, b) => compareConverted(dateToInstant(asDate(a), undefined), asMicros(b))],
  ["timestamp", "date", (a, b) => flip(compareConverted(dateToInstant(asDate(b), undefined), asMicros(a)))],
  ["date", "timestamptz", (a, b, c) => compareConverted(dateToInstant(asDate(a), sessionZone(c)), asMicros(b))],
  ["timestamptz", "date", (a, b, c) => flip(compareConverted(dateToInstant(asDate(b), sessionZone(c)), asMicros(a)))],
  ["timestamp", "timestamptz", (a, b, c) => compareConverted(timestampToInstant(asMicros(a), sessionZone(c)), asMicros(b))],
  ["timestamptz", "timestamp", (a, b, c) => flip(compareConverted(timestampToInstant(asMicros(b), sessionZone(c)), asMicros(a)))],
];

type ComparisonOp = "=" | "<>" | "<" | "<=" | ">" | ">=";
const comparisonOps: readonly ComparisonOp[] = ["=", "<>", "<", "<=", ">", ">="];

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

function comparisonFunctions(): Record<string, ScalarFunction> {
  const table: Record<string, ScalarFunction> = {};
  for (const [left, right, compare] of compareBySignature) {
    for (const op of comparisonOps) table[`${op}(${left},${right})`] = binary((a, b, c) => holds(op, compare(a, b, c)));
  }
  return table;
}

// ---------------------------------------------------------------------------------------------
// Arithmetic operators

function intervalResult(compute: (a: SqlValue, b: SqlValue) => IntervalValue): ScalarFunction {
  return binary((a, b) => compute(a, b));
}

const arithmeticFunctions: FunctionTable = {
  "+(date,int4)": binary((d, n) => addDaysToDate(asDate(d), asNumber(n))),
  "+(int4,date)": binary((n, d) => addDaysToDate(asDate(d), asNumber(n))),
  "-(date,int4)": binary((d, n) => subtractDaysFromDate(asDate(d), asNumber(n))),
  "-(date,date)": binary((a, b) => subtractDates(asDate(a), asDate(b))),
  "+(date,interval)": binary((d, i) => addIntervalToDate(asDate(d), asInterval(i))),
  "+(interval,date)": binary((i, d) => addIntervalToDate(asDate(d), asInterval(i))),
  "-(date,interval)": binary((d, i) => subtractIntervalFromTimestamp(dateToTimestamp(asDate(d)), asInterval(i))),
  "+(date,time)": binary((d, t) => addTimeToDate(asDate(d), asMicros(t))),
  "+(time,date)": binary((t, d) => addTimeToDate(asDate(d), asMicros(t))),
  "+(timestamp,interval)": binary((t, i) => addIntervalToTimestamp(asMicros(t), asInterval(i))),
  "+(interval,timestamp)": binary((i, t) => addIntervalToTimestamp(asMicros(t), asInterval(i))),
  "-(timestamp,interval)": binary((t, i) => subtractIntervalFromTimestamp(asMicros(t), asInterval(i))),
  "-(timestamp,timestamp)": intervalResult((a, b) => subtractTimestamps(asMicros(a), asMicros(b))),
  "+(timestamptz,interval)": binary((t, i, c) => addIntervalToTimestamptz(asMicros(t), asInterval(i), sessionZone(c))),
  "+(interval,timestamptz)": binary((i, t, c) => addIntervalToTimestamptz(asMicros(t), asInterval(i), sessionZone(c))),
  "-(timestamptz,interval)": binary((t, i, c) => subtractIntervalFromTimestamptz(asMicros(t), asInterval(i), sessionZone(c))),
  "-(timestamptz,timestamptz)": intervalResult((a, b) => subtractTimestamps(asMicros(a), asMicros(b))),
  "+(time,interval)": binary((t, i) => addIntervalToTime(asMicros(t), asInterval(i))),
  "+(interval,time)": binary((i, t) => addIntervalToTime(asMicros(t), asInterval(i))),
  "-(time,interval)": binary((t, i) => addIntervalToTime(asMicros(t), { ...asInterval(i), micros: -asInterval(i).micros })),
  "-(time,time)": intervalResult((a, b) => subtractTimes(asMicros(a), asMicros(b))),
  "+(interval,interval)": intervalResult((a, b) => addIntervals(asInterval(a), asInterval(b))),
  "-(interval,interval)": intervalResult((a, b) => subtractIntervals(asInterval(a), asInterval(b))),
  "-(interval)": unary((i) => negateInterval(asInterval(i))),
  "*(interval,float8)": intervalResult((i, f) => multiplyInterval(asInterval(i), asNumber(f))),
  "*(float8,interval)": intervalResult((f, i) => multiplyInterval(asInterval(i), asNumber(f))),
  "/(interval,float8)": intervalResult((i, f) => divideInterval(asInterval(i), asNumber(f))),
};

// ---------------------------------------------------------------------------------------------
// Current time

/** AdjustTimestampForTypmod / AdjustTimeForTypmod: round µs to `precision` digits, half away from zero. */
function roundToPrecision(micros: bigint, precision: number): bigint {
  assert(Number.isInteger(precision) && precision >= 0, "a precision is a non-negative integer");
  if (precision >= precisionMax) return micros;
  const scale = 10n ** BigInt(precisionMax - precision);
  const offset = scale / 2n;
  return micros >= 0n ? ((micros + offset) / scale) * scale : -(((-micros + offset) / scale) * scale);
}

/** The precision argument of CURRENT_TIMESTAMP(p) and friends, clamped to 6 as PostgreSQL warns. */
function precisionArg(value: SqlValue, typeLabel: string): number {
  const precision = asNumber(value);
  if (precision < 0) throw new InvalidParameterValueError(`${typeLabel}(${precision}) precision must not be negative`);
  return Math.min(precision, precisionMax);
}

function localNow(context: EvalContext): bigint {
  return timestamptzToTimestamp(context.transactionStartMicros, sessionZone(context));
}

function timeOfDay(local: bigint): bigint {
  return local - floorDiv(local, MICROS_PER_DAY) * MICROS_PER_DAY;
}

/** The wall clock in µs since 2000-01-01 UTC. */
function wallClockMicros(): bigint {
  return BigInt(Date.now()) * 1000n + UNIX_EPOCH_MICROS;
}

const currentTimeFunctions: FunctionTable = {
  "now()": (_args, context) => context.transactionStartMicros,
  "transaction_timestamp()": (_args, context) => context.transactionStartMicros,
  "statement_timestamp()": (_args, context) => context.transactionStartMicros,
  "clock_timestamp()": () => wallClockMicros(),
  "current_date()": (_args, context) => timestampToDate(localNow(context)),
  "current_timestamp()": (_args, context) => context.transactionStartMicros,
  "current_timestamp(int4)": unary((p, c) => roundToPrecision(c.transactionStartMicros, precisionArg(p, "TIMESTAMP"))),
  "localtimestamp()": (_args, context) => localNow(context),
  "localtimestamp(int4)": unary((p, c) => roundToPrecision(localNow(c), precisionArg(p, "TIMESTAMP"))),
  "localtime()": (_args, context) => timeOfDay(localNow(context)),
  "localtime(int4)": unary((p, c) => roundToPrecision(timeOfDay(localNow(c)), precisionArg(p, "TIME"))),
};

// ---------------------------------------------------------------------------------------------
// Casts (pg_cast entries among the date/time types)

/** The wall-clock time of a finite instant, not range-checked (timestamp2tm). */
function unrangedLocalTime(ts: bigint, zone: TimeZone): bigint {
  return ts + BigInt(zone.utcOffsetAt(Number(floorDiv(ts, MICROS_PER_SECOND)))) * MICROS_PER_SECOND;
}

/** interval_time: the time part modulo a day, made non-negative. */
function intervalToTime(span: IntervalValue): bigint {
  const micros = span.micros % MICROS_PER_DAY;
  return micros < 0n ? micros + MICROS_PER_DAY : micros;
}

const castFunctions: FunctionTable = {
  "cast(date,timestamp)": unary((d) => dateToTimestamp(asDate(d))),
  "cast(date,timestamptz)": unary((d, c) => dateToTimestamptzChecked(asDate(d), sessionZone(c))),
  "cast(timestamp,timestamptz)": unary((t, c) => timestampToTimestamptz(asMicros(t), sessionZone(c))),
  "cast(timestamptz,timestamp)": unary((t, c) => timestamptzToTimestamp(asMicros(t), sessionZone(c))),
  "cast(timestamp,date)": unary((t) => timestampToDate(asMicros(t))),
  "cast(timestamptz,date)": unary((t, c) => timestamptzToDate(asMicros(t), sessionZone(c))),
  "cast(timestamp,time)": unary((t) => (isFiniteTimestamp(asMicros(t)) ? timeOfDay(asMicros(t)) : null)),
  "cast(timestamptz,time)": unary((t, c) => {
    const ts = asMicros(t);
    return isFiniteTimestamp(ts) ? timeOfDay(unrangedLocalTime(ts, sessionZone(c))) : null;
  }),
  "cast(interval,time)": unary((i) => intervalToTime(asInterval(i))),
  "cast(time,interval)": unary((t) => ({ months: 0, days: 0, micros: asMicros(t) })),
};

/** date_timestamptz: local midnight, 22008 "date out of range for timestamp" beyond the range. */
function dateToTimestamptzChecked(date: number, zone: TimeZone): bigint {
  const converted = dateToInstant(date, zone);
  if (converted.kind === "overflow") throw new DatetimeFieldOverflowError("date out of range for timestamp");
  return converted.ts;
}

// ---------------------------------------------------------------------------------------------
// Field access: extract (numeric), date_part (float8), date_trunc

type Unit = DatetimeUnit;

const unitOf = datetimeUnitOf;

function unitNotRecognized(text: string, typeName: string): InvalidParameterValueError {
  return new InvalidParameterValueError(`unit "${text.toLowerCase()}" not recognized for type ${typeName}`);
}

function unitNotSupported(text: string, typeName: string): FeatureNotSupportedError {
  return new FeatureNotSupportedError(`unit "${text.toLowerCase()}" not supported for type ${typeName}`);
}

/** extract(field from time) (extract_time / time_part_common), as decimal text. */
function extractFromTime(fieldText: string, time: bigint): string {
  const unit = unitOf(fieldText);
  const secondMicros = time % 60_000_000n;
  switch (unit) {
    case undefined:
      throw unitNotRecognized(fieldText, "time without time zone");
    case "microseconds":
      return String(secondMicros);
    case "milliseconds":
      return scaledDecimal(secondMicros, 3);
    case "second":
      return scaledDecimal(secondMicros, 6);
    case "minute":
      return String((time / 60_000_000n) % 60n);
    case "hour":
      return String(time / 3_600_000_000n);
    case "epoch":
      return scaledDecimal(time, 6);
    case "day":
    case "week":
    case "month":
    case "quarter":
    case "year":
    case "decade":
    case "century":
    case "millennium":
    case "julian":
    case "dow":
    case "isodow":
    case "doy":
    case "isoyear":
    case "timezone":
    case "timezone_hour":
    case "timezone_minute":
      throw unitNotSupported(fieldText, "time without time zone");
  }
  return assertNever(unit);
}

function numericOrNull(text: string | undefined): Numeric | null {
  return text === undefined ? null : Numeric.parse(text);
}

/**
 * date_part's float8 for a finite local timestamp: the fractional units are computed in double
 * arithmetic as PostgreSQL does, everything else is the exact extract value converted.
 */
function localPartFloat(unit: Unit | undefined, local: bigint, exact: string): number {
  const days = floorDiv(local, MICROS_PER_DAY);
  const dayMicros = Number(local - days * MICROS_PER_DAY);
  const second = Math.floor(dayMicros / 1e6) % 60;
  const fraction = dayMicros % 1e6;
  if (unit === "second") return second + fraction / 1e6;
  if (unit === "milliseconds") return second * 1000 + fraction / 1000;
  if (unit === "julian") return Number(days) + 2_451_545 + (Math.floor(dayMicros / 1e6) + fraction / 1e6) / 86_400;
  return Number(exact);
}

/** (timestamp - epoch) / 1000000.0, subtracting in int64 unless that would overflow. */
function epochFloat(ts: bigint): number {
  if (ts < 2n ** 63n - 1n + UNIX_EPOCH_MICROS) return Number(ts - UNIX_EPOCH_MICROS) / 1e6;
  return (Number(ts) - Number(UNIX_EPOCH_MICROS)) / 1e6;
}

function timestampPart(fieldText: string, ts: bigint): number | null {
  if (isZoneUnitOfInfinity(fieldText, ts)) return null;
  const exact = extractFromTimestamp(fieldText, ts);
  if (exact === undefined) return null;
  if (!isFiniteTimestamp(ts)) return Number(exact);
  const unit = unitOf(fieldText);
  return unit === "epoch" ? epochFloat(ts) : localPartFloat(unit, ts, exact);
}

function timestamptzPart(fieldText: string, ts: bigint, zone: TimeZone): number | null {
  const exact = extractFromTimestamptz(fieldText, ts, zone);
  if (exact === undefined) return null;
  if (!isFiniteTimestamp(ts)) return Number(exact);
  const unit = unitOf(fieldText);
  if (unit === "epoch") return epochFloat(ts);
  if (unit === "second" || unit === "milliseconds" || unit === "julian") return localPartFloat(unit, unrangedLocalTime(ts, zone), exact);
  return Number(exact);
}

function intervalPart(fieldText: string, span: IntervalValue): number {
  const exact = extractFromInterval(fieldText, span);
  const unit = unitOf(fieldText);
  const secondMicros = span.micros % 60_000_000n;
  const second = Number(secondMicros / MICROS_PER_SECOND);
  const fraction = Number(secondMicros % MICROS_PER_SECOND);
  if (unit === "second") return second + fraction / 1e6;
  if (unit === "milliseconds") return second * 1000 + fraction / 1000;
  if (unit !== "epoch") return Number(exact);
  const years = Math.trunc(span.months / 12);
  return Number(span.micros) / 1e6 + 365.25 * 86_400 * years + 30 * 86_400 * (span.months % 12) + 86_400 * span.days;
}

function timePart(fieldText: string, time: bigint): number {
  const exact = extractFromTime(fieldText, time);
  const unit = unitOf(fieldText);
  const secondMicros = Number(time % 60_000_000n);
  if (unit === "second") return Math.floor(secondMicros / 1e6) + (secondMicros % 1e6) / 1e6;
  if (unit === "milliseconds") return Math.floor(secondMicros / 1e6) * 1000 + (secondMicros % 1e6) / 1000;
  if (unit === "epoch") return Number(time) / 1e6;
  return Number(exact);
}

/** The broken-down interval of interval2itm (C's truncating division on each field). */
interface IntervalFields {
  readonly years: number;
  readonly months: number;
  readonly days: number;
  readonly hours: bigint;
  readonly minutes: bigint;
  readonly seconds: bigint;
  readonly micros: bigint;
}

function intervalFields(span: IntervalValue): IntervalFields {
  const hours = span.micros / 3_600_000_000n;
  const rest = span.micros - hours * 3_600_000_000n;
  const minutes = rest / 60_000_000n;
  const secondMicros = rest - minutes * 60_000_000n;
  const seconds = secondMicros / MICROS_PER_SECOND;
  const years = Math.trunc(span.months / 12);
  return { years, months: span.months - years * 12, days: span.days, hours, minutes, seconds, micros: secondMicros - seconds * MICROS_PER_SECOND };
}

function intervalOfFields(f: IntervalFields): IntervalValue {
  const micros = ((f.hours * 60n + f.minutes) * 60n + f.seconds) * MICROS_PER_SECOND + f.micros;
  return { months: f.years * 12 + f.months, days: f.days, micros };
}

/** date_trunc(field, interval) (interval_trunc): zero every field below the unit. */
function truncateInterval(fieldText: string, span: IntervalValue): IntervalValue {
  const unit = unitOf(fieldText);
  let f = intervalFields(span);
  const yearStep: Partial<Record<Unit, number>> = { millennium: 1000, century: 100, decade: 10 };
  switch (unit) {
    case undefined:
    case "epoch":
    case "julian":
    case "dow":
    case "isodow":
    case "doy":
    case "isoyear":
      throw unitNotRecognized(fieldText, "interval");
    case "millennium":
    case "century":
    case "decade":
    case "year":
    case "quarter":
    case "month":
    case "day":
    case "hour":
    case "minute":
    case "second": {
      const step = yearStep[unit] ?? 1;
      const order: readonly Unit[] = ["millennium", "century", "decade", "year", "quarter", "month", "day", "hour", "minute", "second"];
      const level = order.indexOf(unit);
      const years = Math.trunc(f.years / step) * step || 0;
      const months = level <= 3 ? 0 : level === 4 ? 3 * Math.trunc(f.months / 3) || 0 : f.months;
      f = { years, months, days: level <= 5 ? 0 : f.days, hours: level <= 6 ? 0n : f.hours, minutes: level <= 7 ? 0n : f.minutes, seconds: level <= 8 ? 0n : f.seconds, micros: 0n };
      return intervalOfFields(f);
    }
    case "milliseconds":
      return intervalOfFields({ ...f, micros: (f.micros / 1000n) * 1000n });
    case "microseconds":
      return span;
    case "week":
    case "timezone":
    case "timezone_hour":
    case "timezone_minute":
      throw unitNotSupported(fieldText, "interval");
  }
  return assertNever(unit);
}

/** date_trunc of an infinite timestamp is that timestamp, whatever the unit (timestamp_trunc). */
function truncateFinite(ts: bigint, truncate: (finite: bigint) => bigint): bigint {
  return isFiniteTimestamp(ts) ? truncate(ts) : ts;
}

/** NonFiniteTimestampTzPart: the zone units of an infinite timestamp are NULL, not an error. */
function isZoneUnitOfInfinity(fieldText: string, ts: bigint): boolean {
  const unit = unitOf(fieldText);
  return !isFiniteTimestamp(ts) && (unit === "timezone" || unit === "timezone_hour" || unit === "timezone_minute");
}

function extractTimestamp(fieldText: string, ts: bigint): Numeric | null {
  return isZoneUnitOfInfinity(fieldText, ts) ? null : numericOrNull(extractFromTimestamp(fieldText, ts));
}

const fieldFunctions: FunctionTable = {
  "date_trunc(text,timestamp)": binary((f, t) => truncateFinite(asMicros(t), (ts) => truncateTimestamp(asText(f), ts))),
  "date_trunc(text,timestamptz)": binary((f, t, c) => truncateFinite(asMicros(t), (ts) => truncateTimestamptz(asText(f), ts, sessionZone(c)))),
  "date_trunc(text,timestamptz,text)": (args) =>
    truncateFinite(asMicros(arg(args, 1)), (ts) => truncateTimestamptz(asText(arg(args, 0)), ts, zoneByName(asText(arg(args, 2))))),
  "date_trunc(text,interval)": binary((f, i) => truncateInterval(asText(f), asInterval(i))),
  "date_part(text,date)": binary((f, d) => timestampPart(asText(f), dateToTimestamp(asDate(d)))),
  "date_part(text,time)": binary((f, t) => timePart(asText(f), asMicros(t))),
  "date_part(text,timestamp)": binary((f, t) => timestampPart(asText(f), asMicros(t))),
  "date_part(text,timestamptz)": binary((f, t, c) => timestamptzPart(asText(f), asMicros(t), sessionZone(c))),
  "date_part(text,interval)": binary((f, i) => intervalPart(asText(f), asInterval(i))),
  "extract(text,date)": binary((f, d) => numericOrNull(extractFromDate(asText(f), asDate(d)))),
  "extract(text,time)": binary((f, t) => Numeric.parse(extractFromTime(asText(f), asMicros(t)))),
  "extract(text,timestamp)": binary((f, t) => extractTimestamp(asText(f), asMicros(t))),
  "extract(text,timestamptz)": binary((f, t, c) => numericOrNull(extractFromTimestamptz(asText(f), asMicros(t), sessionZone(c)))),
  "extract(text,interval)": binary((f, i) => Numeric.parse(extractFromInterval(asText(f), asInterval(i)))),
  "isfinite(date)": unary((d) => isFiniteDate(asDate(d))),
  "isfinite(timestamp)": unary((t) => isFiniteTimestamp(asMicros(t))),
  "isfinite(timestamptz)": unary((t) => isFiniteTimestamp(asMicros(t))),
  "isfinite(interval)": unary(() => true),
};

// ---------------------------------------------------------------------------------------------
// Time zones named in `timezone(zone, …)`, `date_trunc(…, zone)`, `make_timestamptz(…, zone)`

/** Zone names that are also fixed-offset abbreviations, which PostgreSQL looks up first. */
const abbreviationZoneOffsets: ReadonlyMap<string, number> = new Map([
  ["cet", 3600], ["eet", 7200], ["est", -18_000], ["gmt", 0], ["hst", -36_000], ["met", 3600],
  ["mst", -25_200], ["uct", 0], ["utc", 0], ["wet", 0], ["zulu", 0], ["z", 0], ["ut", 0],
]);

const zoneByNameCache = new Map<string, TimeZone>();
const zoneByNameCacheSizeMax = 1000;

/**
 * A zone as timestamp_zone looks it up: an abbreviation first (a fixed offset), then a tz
 * database name or POSIX string, where a bare number is hours west (`'5'` is UTC-5); otherwise
 * 22023 `time zone "x" not recognized`.
 */
function zoneByName(spec: string): TimeZone {
  const cached = zoneByNameCache.get(spec);
  if (cached !== undefined) return cached;
  const zone = lookupZoneByName(spec);
  if (zone === undefined) throw new InvalidParameterValueError(`time zone "${spec}" not recognized`);
  if (zoneByNameCache.size >= zoneByNameCacheSizeMax) zoneByNameCache.clear();
  zoneByNameCache.set(spec, zone);
  return zone;
}

function lookupZoneByName(spec: string): TimeZone | undefined {
  const abbreviated = abbreviationZoneOffsets.get(spec.toLowerCase());
  if (abbreviated !== undefined) return TimeZone.fixed(spec, abbreviated);
  const posixHours = /^([+-]?)(\d{1,3})$/.exec(spec);
  if (posixHours !== null) {
    const hours = Number(posixHours[2]);
    return hours > 167 ? undefined : TimeZone.fixed(spec, posixHours[1] === "-" ? hours * 3600 : -hours * 3600 || 0);
  }
  try {
    return parseTimeZone(spec);
  } catch (error) {
    if (!(error instanceof InvalidParameterValueError)) throw error;
  }
  if (!/^[A-Za-z]{1,10}$/.test(spec)) return undefined;
  // Any other abbreviation: timestamptz input knows PostgreSQL's whole abbreviation table.
  try {
    const instant = parseTimestamptz(`2000-01-01 00:00:00 ${spec}`, UTC);
    return TimeZone.fixed(spec, Number(-instant / MICROS_PER_SECOND));
  } catch (error) {
    if (error instanceof InvalidDatetimeFormatError || error instanceof InvalidParameterValueError) return undefined;
    throw error;
  }
}

/** `AT TIME ZONE interval`: whole seconds of the time part; months or days are an error. */
function intervalZoneSeconds(span: IntervalValue): bigint {
  if (span.months !== 0 || span.days !== 0) {
    throw new InvalidParameterValueError(`interval time zone "${formatInterval(span)}" must not include months or days`);
  }
  return span.micros / MICROS_PER_SECOND;
}

function shiftedTimestamp(ts: bigint, seconds: bigint): bigint {
  if (!isFiniteTimestamp(ts)) return ts;
  const result = ts + seconds * MICROS_PER_SECOND;
  if (!isValidTimestamp(result)) throw new DatetimeFieldOverflowError("timestamp out of range");
  return result;
}

/** The zone of an infinite timestamp is never looked at (timestamp_zone returns it first). */
function zoned(compute: (zone: SqlValue, ts: bigint) => bigint): ScalarFunction {
  return binary((zone, value) => {
    const ts = asMicros(value);
    return isFiniteTimestamp(ts) ? compute(zone, ts) : ts;
  });
}

const zoneFunctions: FunctionTable = {
  "timezone(text,timestamp)": zoned((z, ts) => timestampToTimestamptz(ts, zoneByName(asText(z)))),
  "timezone(text,timestamptz)": zoned((z, ts) => timestamptzToTimestamp(ts, zoneByName(asText(z)))),
  "timezone(interval,timestamp)": zoned((z, ts) => shiftedTimestamp(ts, -intervalZoneSeconds(asInterval(z)))),
  "timezone(interval,timestamptz)": zoned((z, ts) => shiftedTimestamp(ts, intervalZoneSeconds(asInterval(z)))),
};

// ---------------------------------------------------------------------------------------------
// Constructors, age, justify

/** C's `%g`: six significant digits, trailing zeros dropped, exponent form outside 1e-4..1e6. */
function cFormatG(value: number): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? "nan" : value > 0 ? "inf" : "-inf";
  if (value === 0) return Object.is(value, -0) ? "-0" : "0";
  const exponent = Math.floor(Math.log10(Math.abs(Number(value.toPrecision(6)))));
  if (exponent < -4 || exponent >= 6) {
    const [mantissa = "", power = "0"] = value.toExponential(5).split("e");
    const trimmed = mantissa.includes(".") ? mantissa.replace(/0+$/, "").replace(/\.$/, "") : mantissa;
    const powerNumber = Number(power);
    return `${trimmed}e${powerNumber < 0 ? "-" : "+"}${String(Math.abs(powerNumber)).padStart(2, "0")}`;
  }
  return String(Number(value.toPrecision(6)));
}

/** make_time(hour, min, sec) with float_time_overflows' checks. */
function makeTime(hour: number, minute: number, second: number): bigint {
  const secondMicros = rint(second * 1e6);
  const isOverflow =
    hour < 0 || hour > 24 || minute < 0 || minute >= 60 || Number.isNaN(second) || secondMicros < 0 || secondMicros > 60e6 ||
    (hour * 60 + minute) * 60e6 + secondMicros > 86_400e6;
  if (isOverflow) {
    const secondText = cFormatG(second);
    throw new DatetimeFieldOverflowError(`time field value out of range: ${hour}:${String(minute).padStart(2, "0")}:${secondText.padStart(2, "0")}`);
  }
  return BigInt((hour * 60 + minute) * 60) * MICROS_PER_SECOND + BigInt(secondMicros);
}

/** C's rint(): round half to even. */
function rint(x: number): number {
  const rounded = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 && rounded % 2 !== 0 ? rounded - 1 : rounded;
}

function timestampPartsOf(args: readonly SqlValue[]): Parameters<typeof makeTimestamp>[0] {
  assert(args.length >= 6, "make_timestamp takes six fields");
  const [year, month, day, hour, minute, second] = args.slice(0, 6).map(asNumber);
  assert(year !== undefined && month !== undefined && day !== undefined, "the date fields are present");
  assert(hour !== undefined && minute !== undefined && second !== undefined, "the time fields are present");
  return { year, month, day, hour, minute, second };
}

/** A numeric zone offset as parse_sane_timezone accepts it: `+05`, `-03:30`, east of Greenwich. */
function isoOffsetSeconds(spec: string): number | undefined {
  const match = /^([+-])(\d{1,2})(?::?(\d{2}))?(?::?(\d{2}))?$/.exec(spec);
  if (match === null) return undefined;
  const seconds = Number(match[2]) * 3600 + Number(match[3] ?? "0") * 60 + Number(match[4] ?? "0");
  return match[1] === "-" ? -seconds : seconds;
}

/** make_timestamptz(…, zone) (make_timestamptz_at_timezone with parse_sane_timezone). */
function makeTimestamptzAt(args: readonly SqlValue[]): bigint {
  const local = makeTimestamp(timestampPartsOf(args));
  const spec = asText(arg(args, 6));
  if (/^\d/.test(spec)) throw new InvalidParameterValueError(`invalid input syntax for type numeric time zone: "${spec}"`);
  const offset = isoOffsetSeconds(spec);
  if (offset === undefined) return timestampToTimestamptz(local, zoneByName(spec));
  const result = local - BigInt(offset) * MICROS_PER_SECOND;
  if (!isValidTimestamp(result)) throw new DatetimeFieldOverflowError("timestamp out of range");
  return result;
}

/** make_interval(years, months, weeks, days, hours, mins, secs), with C's int32 wrap-around. */
function makeIntervalOf(args: readonly SqlValue[]): IntervalValue {
  assert(args.length === 7, "make_interval takes seven fields");
  const [years = 0, months = 0, weeks = 0, days = 0, hours = 0, minutes = 0, seconds = 0] = args.map(asNumber);
  const secondMicros = rint(seconds * 1e6);
  if (!Number.isFinite(secondMicros) || Math.abs(secondMicros) >= 2 ** 63) throw new DatetimeFieldOverflowError("interval out of range");
  const micros = BigInt(hours) * 3_600_000_000n + BigInt(minutes) * 60_000_000n + BigInt(secondMicros);
  return { months: (Math.imul(years, 12) + months) | 0, days: (Math.imul(weeks, 7) + days) | 0, micros: BigInt.asIntN(64, micros) };
}

function currentDateTimestamp(context: EvalContext): bigint {
  return dateToTimestamp(timestampToDate(localNow(context)));
}

const constructorFunctions: FunctionTable = {
  "age(timestamp,timestamp)": binary((a, b) => ageOfTimestamps(asMicros(a), asMicros(b))),
  "age(timestamptz,timestamptz)": binary((a, b, c) => ageOfTimestamptzs(asMicros(a), asMicros(b), sessionZone(c))),
  "age(timestamp)": unary((t, c) => ageOfTimestamps(currentDateTimestamp(c), asMicros(t))),
  "age(timestamptz)": unary((t, c) => {
    const zone = sessionZone(c);
    return ageOfTimestamptzs(timestampToTimestamptz(currentDateTimestamp(c), zone), asMicros(t), zone);
  }),
  "make_date(int4,int4,int4)": (args) => makeDate(asNumber(arg(args, 0)), asNumber(arg(args, 1)), asNumber(arg(args, 2))),
  "make_time(int4,int4,float8)": (args) => makeTime(asNumber(arg(args, 0)), asNumber(arg(args, 1)), asNumber(arg(args, 2))),
  "make_timestamp(int4,int4,int4,int4,int4,float8)": (args) => makeTimestamp(timestampPartsOf(args)),
  "make_timestamptz(int4,int4,int4,int4,int4,float8)": (args, c) => timestampToTimestamptz(makeTimestamp(timestampPartsOf(args)), sessionZone(c)),
  "make_timestamptz(int4,int4,int4,int4,int4,float8,text)": (args) => makeTimestamptzAt(args),
  "make_interval(int4,int4,int4,int4,int4,int4,float8)": (args) => makeIntervalOf(args),
  "justify_days(interval)": unary((i) => justifyDays(asInterval(i))),
  "justify_hours(interval)": unary((i) => justifyHours(asInterval(i))),
  "justify_interval(interval)": unary((i) => justifyInterval(asInterval(i))),
};

// ---------------------------------------------------------------------------------------------
// to_char / to_timestamp / to_date templates (formatting.c's DCH_* keywords, a common subset)

/** Keywords, longest first where one is a prefix of another; `isDigit` marks numeric fields. */
const keywordList: readonly (readonly [string, boolean])[] = [
  ["A.D.", false], ["A.M.", false], ["AD", false], ["AM", false], ["B.C.", false], ["BC", false], ["CC", true],
  ["DAY", false], ["DDD", true], ["DD", true], ["DY", false], ["Day", false], ["Dy", false], ["D", true],
  ["HH24", true], ["HH12", true], ["HH", true], ["J", true], ["MI", true], ["MM", true], ["MONTH", false],
  ["MON", false], ["MS", true], ["Month", false], ["Mon", false], ["OF", false], ["P.M.", false], ["PM", false],
  ["Q", true], ["SSSS", true], ["SS", true], ["TZ", false], ["US", true], ["WW", true], ["W", true],
  ["YYYY", true], ["YYY", true], ["YY", true], ["Y", true],
  ["a.d.", false], ["a.m.", false], ["ad", false], ["am", false], ["b.c.", false], ["bc", false], ["cc", true],
  ["day", false], ["ddd", true], ["dd", true], ["dy", false], ["d", true], ["hh24", true], ["hh12", true],
  ["hh", true], ["j", true], ["mi", true], ["mm", true], ["month", false], ["mon", false], ["ms", true],
  ["p.m.", false], ["pm", false], ["q", true], ["ssss", true], ["ss", true], ["tz", false], ["us", true],
  ["ww", true], ["w", true], ["yyyy", true], ["yyy", true], ["yy", true], ["y", true],
];
const templateLengthMax = 10_000;

type TemplateNode =
  | { readonly kind: "keyword"; readonly name: string; readonly isDigit: boolean; readonly isFill: boolean; readonly isTh: "" | "TH" | "th" }
  | { readonly kind: "text"; readonly char: string; readonly isQuoted: boolean };

function matchKeyword(format: string, at: number): (readonly [string, boolean]) | undefined {
  return keywordList.find(([name]) => format.startsWith(name, at));
}

/** Splits a template into keywords (with FM prefix / TH suffix) and literal characters. */
function parseTemplate(format: string): TemplateNode[] {
  assert(format.length <= templateLengthMax, "a template is bounded");
  const nodes: TemplateNode[] = [];
  let at = 0;
  while (at < format.length) {
    const isFill = format.startsWith("FM", at) || format.startsWith("fm", at);
    const keyword = matchKeyword(format, isFill ? at + 2 : at);
    if (keyword !== undefined) {
      at += (isFill ? 2 : 0) + keyword[0].length;
      const th = format.startsWith("TH", at) ? "TH" : format.startsWith("th", at) ? "th" : "";
      at += th.length;
      nodes.push({ kind: "keyword", name: keyword[0], isDigit: keyword[1], isFill, isTh: th });
    } else if (isFill) {
      at += 2;
    } else if (format[at] === '"') {
      at = parseQuoted(format, at + 1, nodes);
    } else {
      const isEscapedQuote = format[at] === "\\" && format[at + 1] === '"';
      nodes.push({ kind: "text", char: isEscapedQuote ? '"' : (format[at] ?? ""), isQuoted: false });
      at += isEscapedQuote ? 2 : 1;
    }
  }
  return nodes;
}

function parseQuoted(format: string, start: number, nodes: TemplateNode[]): number {
  let at = start;
  while (at < format.length && format[at] !== '"') {
    if (format[at] === "\\" && at + 1 < format.length) at++;
    nodes.push({ kind: "text", char: format[at] ?? "", isQuoted: true });
    at++;
  }
  return at + 1;
}

const monthNames = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const dayNames = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/** What to_char reads: local fields of a timestamp, or the fields of an interval. */
interface CharFields {
  readonly isInterval: boolean;
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly micros: number;
  readonly yearDay: number;
  readonly weekDay: number;
  readonly julian: number;
  readonly offsetSeconds: number;
  readonly zoneAbbreviation: string;
}

/** C's `%0*d`: zero-padded to `width` characters including a minus sign. */
function padded(value: number, width: number): string {
  const digits = String(Math.abs(value));
  return value < 0 ? `-${digits.padStart(width - 1, "0")}` : digits.padStart(width, "0");
}

function ordinalSuffix(value: number, isUpper: boolean): string {
  const last = Math.abs(value) % 10;
  const isTeen = Math.abs(value) % 100 >= 11 && Math.abs(value) % 100 <= 13;
  const suffix = isTeen || last === 0 || last > 3 ? "th" : (["st", "nd", "rd"][last - 1] ?? "th");
  return isUpper ? suffix.toUpperCase() : suffix;
}

function intervalFormatError(): InvalidDatetimeFormatError {
  return new InvalidDatetimeFormatError("invalid format specification for an interval value");
}

/** The text of a numeric keyword, or undefined for a non-numeric one. */
function numericKeyword(name: string, f: CharFields, width: (value: number, w: number, isSignWidened?: boolean) => string): string | undefined {
  const year = f.isInterval || f.year > 0 ? f.year : -(f.year - 1);
  switch (name.toUpperCase()) {
    case "YYYY": return yearWidth(year, 4, width);
    case "YYY": return yearWidth(year, 3, width);
    case "YY": return yearWidth(year, 2, width);
    case "Y": return yearWidth(year, 1, width);
    case "CC": {
      const century = f.isInterval ? Math.trunc(f.year / 100) : f.year > 0 ? Math.trunc((f.year - 1) / 100) + 1 : Math.trunc(f.year / 100) - 1;
      return Math.abs(century) <= 99 ? width(century, 2) : String(century);
    }
    case "Q": return f.month === 0 ? "" : String(Math.trunc((f.month - 1) / 3) + 1);
    case "MM": return width(f.month, 2);
    case "DDD": return width(f.yearDay, 3, false);
    case "DD": return width(f.day, 2, false);
    case "D": if (f.isInterval) throw intervalFormatError(); return String(f.weekDay + 1);
    case "J": return String(f.julian);
    case "WW": return width(Math.trunc((f.yearDay - 1) / 7) + 1, 2);
    case "W": return String(Math.trunc((f.day - 1) / 7) + 1);
    case "HH24": return width(f.hour, 2);
    case "HH12":
    case "HH": return f.hour < 0 && !isFillWidth(width) ? padded(f.hour % 12 === 0 ? 12 : f.hour % 12, 3) : width(f.hour % 12 === 0 ? 12 : f.hour % 12, 2);
    case "MI": return width(f.minute, 2);
    case "SSSS": return String(f.hour * 3600 + f.minute * 60 + f.second);
    case "SS": return width(f.second, 2);
    case "MS": return padded(Math.trunc(f.micros / 1000), 3);
    case "US": return padded(f.micros, 6);
    default: return undefined;
  }
}

/** YYYY…YY: the low `digits` digits, one wider when the year itself is negative (an interval's); Y never is. */
function yearWidth(year: number, digits: number, width: (value: number, w: number, isSignWidened?: boolean) => string): string {
  const value = digits === 4 ? year : year % 10 ** digits;
  return isFillWidth(width) ? String(value) : padded(value, year < 0 && digits > 1 ? digits + 1 : digits);
}

/** Whether a width function is FM's (no padding): it prints 1 without a leading zero. */
function isFillWidth(width: (value: number, w: number) => string): boolean {
  return width(1, 2) === "1";
}

/** Names keep the keyword's case pattern: `MONTH` upper, `Month` capitalized, `month` lower. */
function styledName(name: string, keyword: string): string {
  if (keyword === keyword.toUpperCase()) return name.toUpperCase();
  if (keyword === keyword.toLowerCase()) return name.toLowerCase();
  return name;
}

function nameKeyword(node: Extract<TemplateNode, { kind: "keyword" }>, f: CharFields): string {
  const upper = node.name.toUpperCase();
  const pad = (text: string): string => (node.isFill ? text : text.padEnd(9, " "));
  const isPm = f.hour % 24 >= 12;
  const isBc = f.year <= 0;
  switch (upper) {
    case "MONTH": return f.month === 0 ? "" : pad(styledName(monthNames[f.month - 1] ?? "", node.name));
    case "MON": return f.month === 0 ? "" : styledName((monthNames[f.month - 1] ?? "").slice(0, 3), node.name);
    case "DAY": if (f.isInterval) throw intervalFormatError(); return pad(styledName(dayNames[f.weekDay] ?? "", node.name));
    case "DY": if (f.isInterval) throw intervalFormatError(); return styledName((dayNames[f.weekDay] ?? "").slice(0, 3), node.name);
    case "AM":
    case "PM": return styledName(isPm ? "PM" : "AM", node.name);
    case "A.M.":
    case "P.M.": return styledName(isPm ? "P.M." : "A.M.", node.name);
    case "AD":
    case "BC": return styledName(isBc ? "BC" : "AD", node.name);
    case "A.D.":
    case "B.C.": return styledName(isBc ? "B.C." : "A.D.", node.name);
    case "TZ": if (f.isInterval) throw intervalFormatError(); return styledName(f.zoneAbbreviation, node.name);
    case "OF": return offsetText(f.offsetSeconds, node.isFill);
    default: return "";
  }
}

function offsetText(offsetSeconds: number, isFill: boolean): string {
  const total = Math.abs(offsetSeconds);
  const hours = String(Math.floor(total / 3600));
  const minutes = total % 3600 === 0 ? "" : `:${String(Math.floor((total % 3600) / 60)).padStart(2, "0")}`;
  return `${offsetSeconds >= 0 ? "+" : "-"}${isFill ? hours : hours.padStart(2, "0")}${minutes}`;
}

function renderTemplate(format: string, f: CharFields): string {
  let out = "";
  for (const node of parseTemplate(format)) {
    if (node.kind === "text") {
      out += node.char;
      continue;
    }
    const width = (value: number, w: number, isSignWidened = true): string => (node.isFill ? String(value) : padded(value, value < 0 && isSignWidened ? w + 1 : w));
    const numeric = numericKeyword(node.name, f, width);
    if (numeric === undefined) {
      out += nameKeyword(node, f);
    } else {
      out += numeric;
      if (node.isTh !== "" && numeric !== "") out += ordinalSuffix(Number(numeric), node.isTh === "TH");
    }
  }
  return out;
}

function localCharFields(local: bigint, offsetSeconds: number, zoneAbbreviation: string): CharFields {
  const days = Number(floorDiv(local, MICROS_PER_DAY));
  const dayMicros = Number(local - BigInt(days) * MICROS_PER_DAY);
  const civil = civilFromDays(days);
  const seconds = Math.floor(dayMicros / 1e6);
  return {
    isInterval: false,
    ...civil,
    hour: Math.floor(seconds / 3600),
    minute: Math.floor(seconds / 60) % 60,
    second: seconds % 60,
    micros: dayMicros % 1e6,
    yearDay: days - daysFromCivil(civil.year, 1, 1) + 1,
    weekDay: (((days + 6) % 7) + 7) % 7,
    julian: days + 2_451_545,
    offsetSeconds,
    zoneAbbreviation,
  };
}

function intervalCharFields(span: IntervalValue): CharFields {
  const f = intervalFields(span);
  return {
    isInterval: true,
    year: f.years,
    month: f.months,
    day: f.days,
    hour: Number(f.hours),
    minute: Number(f.minutes),
    second: Number(f.seconds),
    micros: Number(f.micros),
    yearDay: (f.years * 12 + f.months) * 30 + f.days,
    weekDay: 0,
    julian: daysFromCivil(f.years, f.months === 0 ? 1 : Math.abs(f.months), f.days) + 2_451_545,
    offsetSeconds: 0,
    zoneAbbreviation: "",
  };
}

const abbreviationLocales = ["en-US", "en-GB", "en-IN", "en-AU", "ja-JP"] as const;
const abbreviationFormatters = new Map<string, Intl.DateTimeFormat>();
const abbreviationFormattersMax = 1000;
const gregorianCycleMicros = 146_097n * MICROS_PER_DAY;
/** 2400-01-01, after which abbreviations are looked up 400-year cycles earlier. */
const abbreviationLastMicros = 146_097n * MICROS_PER_DAY;
/** 2001-01-15 and 2001-07-15 12:00 UTC: a winter and a summer instant of the modern era. */
const abbreviationProbesMicros = [32_875_200_000_000n, 48_513_600_000_000n] as const;

function abbreviationFormatter(zoneName: string, locale: string): Intl.DateTimeFormat {
  const key = `${locale} ${zoneName}`;
  let formatter = abbreviationFormatters.get(key);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat(locale, { timeZone: zoneName, timeZoneName: "short" });
    if (abbreviationFormatters.size >= abbreviationFormattersMax) abbreviationFormatters.clear();
    abbreviationFormatters.set(key, formatter);
  }
  return formatter;
}

/**
 * The zone abbreviation PostgreSQL shows for TZ (the tz database's): ICU knows them only per
 * locale, so the first locale that names the zone with letters wins; otherwise the numeric
 * offset, as the tz database spells zones without an abbreviation (`+04`, `+0530`).
 */
function zoneAbbreviationAt(zone: TimeZone, ts: bigint, offsetSeconds: number): string {
  if (zone.fixedOffsetSeconds !== undefined) return /^[A-Za-z]+$/.test(zone.name) ? zone.name.toUpperCase() : numericAbbreviation(offsetSeconds);
  // ICU names zones only near the present; the rules repeat every 400 Gregorian years.
  const cycles = ts > abbreviationLastMicros ? (ts - abbreviationLastMicros) / gregorianCycleMicros + 1n : 0n;
  // Before ICU's metazone history (about 1970), a modern instant with the same offset names it.
  for (const probe of [ts - cycles * gregorianCycleMicros, ...abbreviationProbesMicros]) {
    if (probe !== ts && zone.utcOffsetAt(Number(probe / MICROS_PER_SECOND)) !== offsetSeconds) continue;
    const name = icuAbbreviation(zone.name, probe, offsetSeconds);
    if (name !== undefined) return name;
  }
  return numericAbbreviation(offsetSeconds);
}

function icuAbbreviation(zoneName: string, ts: bigint, offsetSeconds: number): string | undefined {
  const date = new Date(Number(floorDiv(ts - UNIX_EPOCH_MICROS, 1000n)));
  if (Number.isNaN(date.getTime())) return undefined;
  for (const locale of abbreviationLocales) {
    const name = abbreviationFormatter(zoneName, locale).formatToParts(date).find((part) => part.type === "timeZoneName")?.value ?? "";
    if (/^[A-Z]{2,5}$/.test(name) && (name !== "GMT" || offsetSeconds === 0) && name !== "UTC") return name;
  }
  return undefined;
}

function numericAbbreviation(offsetSeconds: number): string {
  const total = Math.abs(offsetSeconds);
  const minutes = Math.floor((total % 3600) / 60);
  return `${offsetSeconds < 0 ? "-" : "+"}${String(Math.floor(total / 3600)).padStart(2, "0")}${minutes === 0 ? "" : String(minutes).padStart(2, "0")}`;
}

function timestamptzToChar(ts: bigint, format: string, zone: TimeZone): string | null {
  if (!isFiniteTimestamp(ts) || format === "") return null;
  const offsetSeconds = zone.utcOffsetAt(Number(floorDiv(ts, MICROS_PER_SECOND)));
  const local = ts + BigInt(offsetSeconds) * MICROS_PER_SECOND;
  const needsAbbreviation = /tz/i.test(format);
  return renderTemplate(format, localCharFields(local, offsetSeconds, needsAbbreviation ? zoneAbbreviationAt(zone, ts, offsetSeconds) : ""));
}

/** Days since 2000-01-01 of a proleptic Gregorian date (astronomical years). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  return era * 146_097 + yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear - 730_425;
}

function civilFromDays(days: number): { readonly year: number; readonly month: number; readonly day: number } {
  const z = days + 730_425;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthIndex = Math.floor((5 * dayOfYear + 2) / 153);
  const month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9;
  return { year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day: dayOfYear - Math.floor((153 * monthIndex + 2) / 5) + 1 };
}

function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** The fields to_timestamp collects (TmFromChar); 0 means "not given", as in PostgreSQL. */
interface FromCharFields {
  year: number;
  yearDigits: number;
  isBc: number;
  month: number;
  day: number;
  dayOfYear: number;
  hour: number;
  isTwelveHour: boolean;
  isPm: number;
  minute: number;
  second: number;
  millis: number;
  micros: number;
  weekDay: number;
}

type FromCharField = "year" | "isBc" | "month" | "day" | "dayOfYear" | "hour" | "isPm" | "minute" | "second" | "millis" | "micros" | "weekDay";

/** A bounded cursor over the input of to_timestamp. */
interface Cursor {
  readonly text: string;
  at: number;
}

function setField(fields: FromCharFields, key: FromCharField, value: number, keyword: string): void {
  const current = fields[key];
  if (current !== 0 && current !== value) {
    throw new InvalidDatetimeFormatError(`conflicting values for "${keyword}" field in formatting string`);
  }
  fields[key] = value;
}

function isSeparatorChar(char: string): boolean {
  return char > " " && char < "\x7f" && !/[A-Za-z0-9]/.test(char);
}

function isNextSeparator(nodes: readonly TemplateNode[], index: number): boolean {
  const node = nodes[index];
  if (node?.kind === "keyword" && node.isTh !== "") return true;
  const next = nodes[index + 1];
  if (next === undefined) return true;
  if (next.kind === "keyword") return !next.isDigit;
  return !/^[0-9]$/.test(next.char);
}

/** from_char_parse_int_len: a fixed-width or (before a separator / with FM) free-width integer. */
function parseIntField(cursor: Cursor, width: number, nodes: readonly TemplateNode[], index: number): { value: number; length: number } {
  const node = nodes[index];
  assert(node?.kind === "keyword", "an integer field is a keyword");
  while (cursor.text[cursor.at] === " ") cursor.at++;
  const start = cursor.at;
  const copy = cursor.text.slice(start, start + width);
  const tooShortHint = { hint: 'If your source string is not fixed-width, try using the "FM" modifier.' };
  const match = /^\s*[+-]?\d+/.exec(node.isFill || isNextSeparator(nodes, index) ? cursor.text.slice(start) : copy);
  if (!(node.isFill || isNextSeparator(nodes, index))) {
    if (copy.length < width) throw new InvalidDatetimeFormatError(`source string too short for "${node.name}" formatting field`, tooShortHint);
    if (match !== null && match[0].length < width) throw new InvalidDatetimeFormatError(`invalid value "${copy}" for "${node.name}"`, tooShortHint);
  }
  if (match === null) throw new InvalidDatetimeFormatError(`invalid value "${copy}" for "${node.name}"`);
  const value = Number(match[0]);
  if (value < -(2 ** 31) || value >= 2 ** 31) throw new DatetimeFieldOverflowError(`value for "${node.name}" in source string is out of range`);
  cursor.at = start + match[0].length;
  if (node.isTh !== "") cursor.at += Math.min(2, cursor.text.length - cursor.at);
  return { value, length: match[0].length };
}

/** from_char_seq_search: a case-insensitive name from `names` at the cursor. */
function parseName(cursor: Cursor, names: readonly string[], keyword: string): number {
  const rest = cursor.text.slice(cursor.at);
  const index = names.findIndex((name) => rest.slice(0, name.length).toLowerCase() === name.toLowerCase());
  const found = names[index];
  if (found === undefined) {
    const shown = rest.split(/[ \t\n\r\f\v]/)[0] ?? "";
    throw new InvalidDatetimeFormatError(`invalid value "${shown}" for "${keyword}"`, { detail: "The given value did not match any of the allowed values for this field." });
  }
  cursor.at += found.length;
  return index;
}

/** The year after adjust_partial_year_to_2020 when fewer than four digits were given. */
function partialYear(year: number, length: number): number {
  if (length >= 4) return year;
  if (year < 70) return year + 2000;
  if (year < 100) return year + 1900;
  if (year < 520) return year + 2000;
  return year < 1000 ? year + 1000 : year;
}

const meridiemNames = ["am", "pm"];
const meridiemLongNames = ["a.m.", "p.m."];
const eraNames = ["ad", "bc"];
const eraLongNames = ["a.d.", "b.c."];
const fromCharNodesMax = 10_000;

/** One keyword of to_timestamp's template read from the cursor into `fields`. */
function readKeyword(cursor: Cursor, nodes: readonly TemplateNode[], index: number, fields: FromCharFields): void {
  const node = nodes[index];
  assert(node?.kind === "keyword", "readKeyword reads a keyword");
  const name = node.name;
  const int = (width: number): { value: number; length: number } => parseIntField(cursor, width, nodes, index);
  const set = (key: FromCharField, value: number): void => setField(fields, key, value, name);
  switch (name.toUpperCase()) {
    case "YYYY":
    case "YYY":
    case "YY":
    case "Y": {
      const { value, length } = int(name.length);
      set("year", value);
      fields.year = name.length === 4 ? value : partialYear(value, length);
      fields.yearDigits = name.length;
      return;
    }
    case "MM": set("month", int(2).value); return;
    case "DD": set("day", int(2).value); return;
    case "DDD": set("dayOfYear", int(3).value); return;
    case "D": set("weekDay", int(1).value); return;
    case "Q": int(1); return;
    case "HH":
    case "HH12": set("hour", int(2).value); fields.isTwelveHour = true; return;
    case "HH24": set("hour", int(2).value); return;
    case "MI": set("minute", int(2).value); return;
    case "SS": set("second", int(2).value); return;
    case "MS": {
      const { value, length } = int(3);
      set("millis", value);
      fields.millis = value * (length === 1 ? 100 : length === 2 ? 10 : 1);
      return;
    }
    case "US": {
      const { value, length } = int(6);
      set("micros", value);
      fields.micros = value * 10 ** Math.max(0, 6 - length);
      return;
    }
    default:
      readNameKeyword(cursor, name, fields);
  }
}

function readNameKeyword(cursor: Cursor, name: string, fields: FromCharFields): void {
  const set = (key: FromCharField, value: number): void => setField(fields, key, value, name);
  switch (name.toUpperCase()) {
    case "MONTH": set("month", parseName(cursor, monthNames, name) + 1); return;
    case "MON": set("month", parseName(cursor, monthNames.map((m) => m.slice(0, 3)), name) + 1); return;
    case "DAY": set("weekDay", parseName(cursor, dayNames, name) + 1); return;
    case "DY": set("weekDay", parseName(cursor, dayNames.map((d) => d.slice(0, 3)), name) + 1); return;
    case "AM":
    case "PM": set("isPm", parseName(cursor, meridiemNames, name)); fields.isTwelveHour = true; return;
    case "A.M.":
    case "P.M.": set("isPm", parseName(cursor, meridiemLongNames, name)); fields.isTwelveHour = true; return;
    case "AD":
    case "BC": set("isBc", parseName(cursor, eraNames, name)); return;
    case "A.D.":
    case "B.C.": set("isBc", parseName(cursor, eraLongNames, name)); return;
    default:
      throw new FeatureNotSupportedError(`formatting field "${name}" is only supported in to_char`);
  }
}

/** DCH_from_char: walks the template over the input (non-FX mode, PostgreSQL 12+ separator rules). */
function readTemplate(input: string, format: string): FromCharFields {
  const nodes = parseTemplate(format);
  assert(nodes.length <= fromCharNodesMax, "a template has a bounded number of nodes");
  const fields: FromCharFields = {
    year: 0, yearDigits: 0, isBc: 0, month: 0, day: 0, dayOfYear: 0, hour: 0, isTwelveHour: false, isPm: 0, minute: 0, second: 0, millis: 0, micros: 0, weekDay: 0,
  };
  const cursor: Cursor = { text: input, at: 0 };
  let extraSkip = 0;
  for (const [index, node] of nodes.entries()) {
    if (cursor.at >= input.length) break;
    if (node.kind === "keyword" || index === 0) {
      while (cursor.at < input.length && /\s/.test(input[cursor.at] ?? "")) {
        cursor.at++;
        extraSkip++;
      }
    }
    if (node.kind === "keyword") {
      readKeyword(cursor, nodes, index, fields);
      continue;
    }
    if (!node.isQuoted && (node.char === " " || isSeparatorChar(node.char))) {
      extraSkip--;
      const char = input[cursor.at] ?? "";
      if (/\s/.test(char) || isSeparatorChar(char)) {
        cursor.at++;
        extraSkip++;
      }
    } else if (extraSkip > 0) {
      extraSkip--;
    } else {
      cursor.at++;
    }
  }
  return fields;
}

interface ReadTimestamp {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly timeMicros: bigint;
}

/** do_to_timestamp: the collected fields checked and combined like PostgreSQL. */
function fieldsToDateTime(input: string, fields: FromCharFields): ReadTimestamp {
  let hour = fields.hour;
  if (fields.isTwelveHour) {
    if (hour < 1 || hour > 12) {
      throw new InvalidDatetimeFormatError(`hour "${hour}" is invalid for the 12-hour clock`, { hint: "Use the 24-hour clock, or give an hour between 1 and 12." });
    }
    if (fields.isPm !== 0 && hour < 12) hour += 12;
    else if (fields.isPm === 0 && hour === 12) hour = 0;
  }
  let year = 0;
  if (fields.year !== 0) {
    year = fields.isBc !== 0 ? -fields.year : fields.year;
    if (year < 0) year++;
  }
  let month = fields.month === 0 ? 1 : fields.month;
  let day = fields.day === 0 ? 1 : fields.day;
  const overflow = (): DatetimeFieldOverflowError => new DatetimeFieldOverflowError(`date/time field value out of range: "${input}"`);
  if (fields.dayOfYear !== 0 && (month <= 1 || day <= 1)) {
    if (year === 0 && fields.isBc === 0) throw new InvalidDatetimeFormatError("cannot calculate day of year without year information");
    let monthIndex = 1;
    let before = 0;
    while (monthIndex < 12 && fields.dayOfYear > before + daysInMonth(year, monthIndex)) before += daysInMonth(year, monthIndex++);
    if (month <= 1) month = monthIndex;
    if (day <= 1) day = fields.dayOfYear - before;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31) throw overflow();
  if (fields.year !== 0 && day > daysInMonth(year, month)) throw overflow();
  const fraction = fields.millis * 1000 + fields.micros;
  if (hour < 0 || hour >= 24 || fields.minute < 0 || fields.minute >= 60 || fields.second < 0 || fields.second >= 60 || fraction < 0 || fraction >= 1e6) throw overflow();
  return { year, month, day, timeMicros: BigInt(((hour * 60 + fields.minute) * 60 + fields.second) * 1e6 + fraction) };
}

function isValidJulian(year: number, month: number, day: number): boolean {
  if (year < -4713 || year >= 5_874_898) return false;
  return year > -4713 || month > 11 || (month === 11 && day >= 24);
}

function toTimestamp(input: string, format: string, zone: TimeZone): bigint {
  const read = fieldsToDateTime(input, readTemplate(input, format));
  if (!isValidJulian(read.year, read.month, read.day)) throw new DatetimeFieldOverflowError("timestamp out of range");
  const local = BigInt(daysFromCivil(read.year, read.month, read.day)) * MICROS_PER_DAY + read.timeMicros;
  if (!isValidTimestamp(local)) throw new DatetimeFieldOverflowError("timestamp out of range");
  return timestampToTimestamptz(local, zone);
}

function toDate(input: string, format: string): number {
  const read = fieldsToDateTime(input, readTemplate(input, format));
  const outOfRange = (): DatetimeFieldOverflowError => new DatetimeFieldOverflowError(`date out of range: "${input}"`);
  if (!isValidJulian(read.year, read.month, read.day)) throw outOfRange();
  const date = daysFromCivil(read.year, read.month, read.day);
  if (date < -2_451_545 || date >= 2_145_031_949) throw outOfRange();
  return date;
}

/** to_timestamp(float8): seconds since 1970, rounded to µs; ±Infinity are the infinities. */
function epochToTimestamptz(seconds: number): bigint {
  if (Number.isNaN(seconds)) throw new DatetimeFieldOverflowError("timestamp cannot be NaN");
  if (seconds === Infinity) return TIMESTAMP_POS_INFINITY;
  if (seconds === -Infinity) return TIMESTAMP_NEG_INFINITY;
  const minSeconds = -210_866_803_200;
  const endSeconds = 9_224_318_016_000;
  if (seconds < minSeconds || seconds >= endSeconds) throw new DatetimeFieldOverflowError(`timestamp out of range: "${cFormatG(seconds)}"`);
  const micros = BigInt(rint((seconds - 946_684_800) * 1e6));
  if (!isValidTimestamp(micros)) throw new DatetimeFieldOverflowError(`timestamp out of range: "${cFormatG(seconds)}"`);
  return micros;
}

function timestampToChar(ts: bigint, format: string): string | null {
  if (!isFiniteTimestamp(ts) || format === "") return null;
  return renderTemplate(format, localCharFields(ts, 0, ""));
}

const formattingFunctions: FunctionTable = {
  "to_char(timestamp,text)": binary((t, f) => timestampToChar(asMicros(t), asText(f))),
  "to_char(timestamptz,text)": binary((t, f, c) => timestamptzToChar(asMicros(t), asText(f), sessionZone(c))),
  "to_char(interval,text)": binary((i, f) => (asText(f) === "" ? null : renderTemplate(asText(f), intervalCharFields(asInterval(i))))),
  "to_timestamp(text,text)": binary((s, f, c) => toTimestamp(asText(s), asText(f), sessionZone(c))),
  "to_timestamp(float8)": unary((s) => epochToTimestamptz(asNumber(s))),
  "to_date(text,text)": binary((s, f) => toDate(asText(s), asText(f))),
};

export const datetimeFunctions: FunctionTable = {
  ...comparisonFunctions(),
  ...arithmeticFunctions,
  ...currentTimeFunctions,
  ...fieldFunctions,
  ...zoneFunctions,
  ...constructorFunctions,
  ...formattingFunctions,
  ...castFunctions,
};
