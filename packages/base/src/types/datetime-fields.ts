/**
 * Field access on date/time values: `extract(field from …)` (PostgreSQL 15 returns numeric, here a
 * decimal string printed exactly as PostgreSQL prints it: `1.500000` for seconds, `1500.000` for
 * milliseconds, `Infinity` for an infinite year) and `date_trunc(field, …)`.
 *
 * An extract of a non-monotonic field of an infinite value is SQL NULL, returned as undefined.
 * Unknown unit names raise 22023, known units the type lacks raise 0A000, with PostgreSQL's text.
 */
import { assert, assertNever } from "../assert.ts";
import { FeatureNotSupportedError, InvalidParameterValueError } from "../errors.ts";
import {
  MICROS_PER_DAY,
  MICROS_PER_SECOND,
  TIMESTAMP_POS_INFINITY,
  UNIX_EPOCH_DAYS,
  dayOfWeek,
  daysFromCivil,
  civilFromDays,
  isFiniteDate,
  isFiniteTimestamp,
  isValidTimestamp,
  timestampOutOfRange,
  timestampToFields,
  DATE_POS_INFINITY,
  type DateTimeFields,
  type DateValue,
  type IntervalValue,
  type TimestampValue,
} from "./datetime-core.ts";
import { localTimeOf, timestampToTimestamptz, utcOffsetOf } from "./datetime-text.ts";
import type { TimeZone } from "./datetime-zone.ts";

export type DatetimeUnit =
  | "microseconds" | "milliseconds" | "second" | "minute" | "hour" | "day" | "week" | "month" | "quarter" | "year"
  | "decade" | "century" | "millennium" | "epoch" | "julian" | "dow" | "isodow" | "doy" | "isoyear"
  | "timezone" | "timezone_hour" | "timezone_minute";

const unitByWord: ReadonlyMap<string, DatetimeUnit> = new Map(
  (
    [
      ["microseconds", "microsecon us usec usecs useconds usecond"],
      ["milliseconds", "millisecon ms msec msecs mseconds msecond"],
      ["second", "s sec secs second seconds"],
      ["minute", "m min mins minute minutes"],
      ["hour", "h hr hrs hour hours"],
      ["day", "d day days"],
      ["week", "w week weeks"],
      ["month", "mon mons month months"],
      ["quarter", "qtr quarter"],
      ["year", "y yr yrs year years"],
      ["decade", "dec decs decade decades"],
      ["century", "c cent century centuries"],
      ["millennium", "mil mils millennia millennium"],
      ["epoch", "epoch"],
      ["julian", "j julian"],
      ["dow", "dow"],
      ["isodow", "isodow"],
      ["doy", "doy"],
      ["isoyear", "isoyear"],
      ["timezone", "timezone"],
      ["timezone_hour", "timezone_h"],
      ["timezone_minute", "timezone_m"],
    ] as const
  ).flatMap(([unit, words]) => words.split(" ").map((word) => [word, unit] as const)),
);

/** The unit a word names (`hours`, `mon`, `epoch`…), matched on its first 10 characters like DecodeUnits. */
export function datetimeUnitOf(text: string): DatetimeUnit | undefined {
  return unitByWord.get(text.toLowerCase().slice(0, 10));
}

function unitOf(text: string, typeName: string): DatetimeUnit {
  const unit = datetimeUnitOf(text);
  if (unit === undefined) throw new InvalidParameterValueError(`unit "${text.toLowerCase()}" not recognized for type ${typeName}`);
  return unit;
}

function notSupported(text: string, typeName: string): FeatureNotSupportedError {
  return new FeatureNotSupportedError(`unit "${text.toLowerCase()}" not supported for type ${typeName}`);
}

/** Seconds since 1970 with 6 decimals; beyond int64 PostgreSQL divides in numeric at scale 4. */
function epochText(ts: TimestampValue): string {
  const micros = ts - BigInt(UNIX_EPOCH_DAYS) * MICROS_PER_DAY;
  if (micros <= 2n ** 63n - 1n) return scaledDecimal(micros, 6);
  const rounded = ((micros + 50n) / 100n) * 100n;
  return scaledDecimal(rounded, 6);
}

/** An integer divided by 10^scale, printed with exactly `scale` decimals (int64_div_fast_to_numeric). */
export function scaledDecimal(value: bigint, scale: number): string {
  if (scale === 0) return String(value);
  const negative = value < 0n;
  const digits = String(negative ? -value : value).padStart(scale + 1, "0");
  return `${negative ? "-" : ""}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

function isoWeekStart(year: number): number {
  const day4 = daysFromCivil(year, 1, 4);
  // The Monday of the week holding January 4th starts ISO week 1.
  return day4 - dayOfWeek(day4 - 1);
}

/** ISO 8601 week number and week-year of a day (date2isoweek / date2isoyear). */
function isoWeek(days: number, year: number): { week: number; year: number } {
  let isoYear = year;
  let start = isoWeekStart(year);
  if (days < start) {
    isoYear = year - 1;
    start = isoWeekStart(isoYear);
  }
  let week = Math.floor((days - start) / 7) + 1;
  if (week >= 52) {
    const nextStart = isoWeekStart(year + 1);
    if (days >= nextStart) {
      week = Math.floor((days - nextStart) / 7) + 1;
      isoYear = year + 1;
    }
  }
  return { week, year: isoYear };
}

function yearBased(unit: "decade" | "century" | "millennium" | "year", year: number): number {
  switch (unit) {
    case "year":
      return year > 0 ? year : year - 1;
    case "decade":
      return year >= 0 ? Math.trunc(year / 10) : -Math.trunc((8 - (year - 1)) / 10);
    case "century":
      return year > 0 ? Math.trunc((year + 99) / 100) : -Math.trunc((99 - (year - 1)) / 100);
    case "millennium":
      return year > 0 ? Math.trunc((year + 999) / 1000) : -Math.trunc((999 - (year - 1)) / 1000);
  }
  return assertNever(unit);
}

/** Units every type with a date has; undefined means "not a date unit". */
function dateUnitValue(unit: DatetimeUnit, days: number, fields: { year: number; month: number; day: number }): string | undefined {
  switch (unit) {
    case "day":
      return String(fields.day);
    case "month":
      return String(fields.month);
    case "quarter":
      return String(Math.trunc((fields.month - 1) / 3) + 1);
    case "week":
      return String(isoWeek(days, fields.year).week);
    case "year":
    case "decade":
    case "century":
    case "millennium":
      return String(yearBased(unit, fields.year));
    case "isoyear": {
      const year = isoWeek(days, fields.year).year;
      return String(year > 0 ? year : year - 1);
    }
    case "dow":
      return String(dayOfWeek(days));
    case "isodow":
      return String(dayOfWeek(days) === 0 ? 7 : dayOfWeek(days));
    case "doy":
      return String(days - daysFromCivil(fields.year, 1, 1) + 1);
    case "microseconds":
    case "milliseconds":
    case "second":
    case "minute":
    case "hour":
    case "epoch":
    case "julian":
    case "timezone":
    case "timezone_hour":
    case "timezone_minute":
      return undefined;
  }
  return assertNever(unit);
}

const monotonicUnits: ReadonlySet<DatetimeUnit> = new Set(["year", "decade", "century", "millennium", "julian", "isoyear", "epoch"]);

function infinityResult(unit: DatetimeUnit, isPositive: boolean): string | undefined {
  if (!monotonicUnits.has(unit)) return undefined;
  return isPositive ? "Infinity" : "-Infinity";
}

/** extract(field from date). */
export function extractFromDate(fieldText: string, date: DateValue): string | undefined {
  const unit = unitOf(fieldText, "date");
  const isTimeUnit = ["microseconds", "milliseconds", "second", "minute", "hour", "timezone", "timezone_hour", "timezone_minute"].includes(unit);
  if (isTimeUnit) throw notSupported(fieldText, "date");
  if (!isFiniteDate(date)) return infinityResult(unit, date === DATE_POS_INFINITY);
  if (unit === "epoch") return String(BigInt(date - UNIX_EPOCH_DAYS) * 86_400n);
  if (unit === "julian") return String(date + 2_451_545);
  const value = dateUnitValue(unit, date, civilFromDays(date));
  assert(value !== undefined, "every remaining unit is a date unit");
  return value;
}

/** extract(field from timestamp). */
export function extractFromTimestamp(fieldText: string, ts: TimestampValue): string | undefined {
  const unit = unitOf(fieldText, "timestamp without time zone");
  if (unit === "timezone" || unit === "timezone_hour" || unit === "timezone_minute") throw notSupported(fieldText, "timestamp without time zone");
  if (!isFiniteTimestamp(ts)) return infinityResult(unit, ts === TIMESTAMP_POS_INFINITY);
  if (unit === "epoch") return epochText(ts);
  return extractLocal(unit, fieldText, ts);
}

/** extract(field from timestamptz) with fields in `timeZone`. */
export function extractFromTimestamptz(fieldText: string, ts: TimestampValue, timeZone: TimeZone): string | undefined {
  const unit = unitOf(fieldText, "timestamp with time zone");
  if (!isFiniteTimestamp(ts)) return infinityResult(unit, ts === TIMESTAMP_POS_INFINITY);
  if (unit === "epoch") return epochText(ts);
  const offset = utcOffsetOf(ts, timeZone);
  if (unit === "timezone") return String(offset);
  if (unit === "timezone_hour") return String(Math.trunc(offset / 3600));
  if (unit === "timezone_minute") return String(Math.trunc(offset / 60) % 60);
  return extractLocal(unit, fieldText, localTimeOf(ts, timeZone));
}

function extractLocal(unit: DatetimeUnit, fieldText: string, local: TimestampValue): string {
  const fields = timestampToFields(local);
  const days = daysFromCivil(fields.year, fields.month, fields.day);
  const secondMicros = BigInt(fields.second * 1_000_000 + fields.micros);
  switch (unit) {
    case "microseconds":
      return String(secondMicros);
    case "milliseconds":
      return scaledDecimal(secondMicros, 3);
    case "second":
      return scaledDecimal(secondMicros, 6);
    case "minute":
      return String(fields.minute);
    case "hour":
      return String(fields.hour);
    case "julian":
      return julianText(days, local);
    case "day":
    case "week":
    case "month":
    case "quarter":
    case "year":
    case "decade":
    case "century":
    case "millennium":
    case "dow":
    case "isodow":
    case "doy":
    case "isoyear":
    case "epoch":
    case "timezone":
    case "timezone_hour":
    case "timezone_minute": {
      const value = dateUnitValue(unit, days, fields);
      if (value === undefined) throw notSupported(fieldText, "timestamp");
      return value;
    }
  }
  return assertNever(unit);
}

/** Julian day plus the time as a fraction, at the scale PostgreSQL's numeric division picks. */
function julianText(days: number, local: TimestampValue): string {
  const dayMicros = local - BigInt(days) * MICROS_PER_DAY;
  const julian = BigInt(days + 2_451_545);
  const scale = divisionScale(dayMicros);
  const scaled = (dayMicros * 10n ** BigInt(scale) * 2n + MICROS_PER_DAY) / (2n * MICROS_PER_DAY);
  return scaledDecimal(julian * 10n ** BigInt(scale) + scaled, scale);
}

/** select_div_scale for a positive integer divided by 86400000000 (base-10000 weights 2, first digit 864). */
function divisionScale(numerator: bigint): number {
  assert(numerator >= 0n, "a non-negative numerator");
  let weight = 0;
  let first = numerator;
  while (first >= 10_000n) {
    first /= 10_000n;
    weight++;
  }
  const quotientWeight = weight - 2 - (first <= 864n ? 1 : 0);
  return Math.max(16 - quotientWeight * 4, 0);
}

/** extract(field from interval). */
export function extractFromInterval(fieldText: string, span: IntervalValue): string {
  const unit = unitOf(fieldText, "interval");
  const years = Math.trunc(span.months / 12);
  const months = span.months % 12;
  const secondMicros = span.micros % 60_000_000n;
  switch (unit) {
    case "microseconds":
      return String(secondMicros);
    case "milliseconds":
      return scaledDecimal(secondMicros, 3);
    case "second":
      return scaledDecimal(secondMicros, 6);
    case "minute":
      return String((span.micros % 3_600_000_000n) / 60_000_000n);
    case "hour":
      return String(span.micros / 3_600_000_000n);
    case "day":
      return String(span.days);
    case "month":
      return String(months);
    case "quarter":
      return String(Math.trunc(months / 3) + 1);
    case "year":
      return String(years);
    case "decade":
      return String(Math.trunc(years / 10));
    case "century":
      return String(Math.trunc(years / 100));
    case "millennium":
      return String(Math.trunc(years / 1000));
    case "epoch": {
      const seconds = (1461n * BigInt(years) + 120n * BigInt(months) + 4n * BigInt(span.days)) * 21_600n;
      return scaledDecimal(seconds * MICROS_PER_SECOND + span.micros, 6);
    }
    case "week":
    case "julian":
    case "dow":
    case "isodow":
    case "doy":
    case "isoyear":
    case "timezone":
    case "timezone_hour":
    case "timezone_minute":
      throw notSupported(fieldText, "interval");
  }
  return assertNever(unit);
}

type TruncUnit = "microseconds" | "milliseconds" | "second" | "minute" | "hour" | "day" | "week" | "month" | "quarter" | "year" | "decade" | "century" | "millennium";

function truncUnitOf(text: string, typeName: string): TruncUnit {
  const lower = text.toLowerCase();
  const unit = unitByWord.get(lower.slice(0, 10));
  switch (unit) {
    case undefined:
    case "epoch":
    case "julian":
    case "dow":
    case "isodow":
    case "doy":
    case "isoyear":
      throw new InvalidParameterValueError(`unit "${lower}" not recognized for type ${typeName}`);
    case "timezone":
    case "timezone_hour":
    case "timezone_minute":
      throw new FeatureNotSupportedError(`unit "${lower}" not supported for type ${typeName}`);
    case "microseconds":
    case "milliseconds":
    case "second":
    case "minute":
    case "hour":
    case "day":
    case "week":
    case "month":
    case "quarter":
    case "year":
    case "decade":
    case "century":
    case "millennium":
      return unit;
  }
  return assertNever(unit);
}

function truncateFields(unit: TruncUnit, fields: DateTimeFields): DateTimeFields {
  const { year, month } = fields;
  const days = daysFromCivil(fields.year, fields.month, fields.day);
  const midnight = { hour: 0, minute: 0, second: 0, micros: 0 };
  switch (unit) {
    case "microseconds":
      return fields;
    case "milliseconds":
      return { ...fields, micros: fields.micros - (fields.micros % 1000) };
    case "second":
      return { ...fields, micros: 0 };
    case "minute":
      return { ...fields, second: 0, micros: 0 };
    case "hour":
      return { ...fields, minute: 0, second: 0, micros: 0 };
    case "day":
      return { ...fields, ...midnight };
    case "week": {
      const start = days - ((dayOfWeek(days) + 6) % 7);
      return { ...civilFromDays(start), ...midnight };
    }
    case "month":
      return { year, month, day: 1, ...midnight };
    case "quarter":
      return { year, month: 3 * Math.trunc((month - 1) / 3) + 1, day: 1, ...midnight };
    case "year":
      return { year, month: 1, day: 1, ...midnight };
    case "decade":
      return { year: year > 0 ? Math.trunc(year / 10) * 10 : -Math.trunc((8 - (year - 1)) / 10) * 10, month: 1, day: 1, ...midnight };
    case "century":
      return { year: year > 0 ? Math.trunc((year + 99) / 100) * 100 - 99 : -Math.trunc((99 - (year - 1)) / 100) * 100 + 1, month: 1, day: 1, ...midnight };
    case "millennium":
      return { year: year > 0 ? Math.trunc((year + 999) / 1000) * 1000 - 999 : -Math.trunc((999 - (year - 1)) / 1000) * 1000 + 1, month: 1, day: 1, ...midnight };
  }
  return assertNever(unit);
}

function fieldsToLocal(fields: DateTimeFields): TimestampValue {
  return BigInt(daysFromCivil(fields.year, fields.month, fields.day)) * MICROS_PER_DAY +
    BigInt(((fields.hour * 60 + fields.minute) * 60 + fields.second) * 1_000_000 + fields.micros);
}

/** date_trunc(field, timestamp). */
export function truncateTimestamp(fieldText: string, ts: TimestampValue): TimestampValue {
  const unit = truncUnitOf(fieldText, "timestamp without time zone");
  if (!isFiniteTimestamp(ts)) return ts;
  const result = fieldsToLocal(truncateFields(unit, timestampToFields(ts)));
  if (!isValidTimestamp(result)) throw timestampOutOfRange();
  return result;
}

/** date_trunc(field, timestamptz [, zone]): truncation on the wall clock of `timeZone`. */
export function truncateTimestamptz(fieldText: string, ts: TimestampValue, timeZone: TimeZone): TimestampValue {
  const unit = truncUnitOf(fieldText, "timestamp with time zone");
  if (!isFiniteTimestamp(ts)) return ts;
  const offset = utcOffsetOf(ts, timeZone);
  const local = fieldsToLocal(truncateFields(unit, timestampToFields(ts + BigInt(offset) * MICROS_PER_SECOND)));
  const isDayOrLonger = !(unit === "hour" || unit === "minute" || unit === "second" || unit === "milliseconds" || unit === "microseconds");
  // Units of a day or more land on a new wall-clock time whose offset may differ (DST).
  if (isDayOrLonger) return timestampToTimestamptz(local, timeZone);
  const result = local - BigInt(offset) * MICROS_PER_SECOND;
  if (!isValidTimestamp(result)) throw timestampOutOfRange();
  return result;
}
