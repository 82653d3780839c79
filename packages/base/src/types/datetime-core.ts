/**
 * The value representations and calendar arithmetic shared by every date/time module. Values are
 * PostgreSQL's own (so the binary wire format is a plain copy):
 *
 *   date         number  days since 2000-01-01 (int32); DATE_NEG_INFINITY / DATE_POS_INFINITY
 *                        (int32 min / max) are -infinity / infinity
 *   time         bigint  microseconds since midnight, 0 ..= 86_400_000_000 (24:00:00 is valid)
 *   timestamp    bigint  microseconds since 2000-01-01 00:00:00 (int64); for timestamptz the
 *                        instant is UTC. TIMESTAMP_NEG_INFINITY / TIMESTAMP_POS_INFINITY (int64
 *                        min / max) are -infinity / infinity
 *   interval     { months: int32, days: int32, micros: int64 }, never normalized across fields
 *
 * Calendar math is proleptic Gregorian with astronomical year numbering (1 BC is year 0), exactly
 * as PostgreSQL's date2j/j2date. Finite values stay inside PostgreSQL's ranges: dates in
 * [4714-11-24 BC, 5874898-01-01), timestamps in [4714-11-24 BC 00:00, 294277-01-01 00:00).
 */
import { assert } from "../assert.ts";
import { DatetimeFieldOverflowError, InvalidDatetimeFormatError } from "../errors.ts";

export type DateValue = number;
export type TimeValue = bigint;
export type TimestampValue = bigint;

export interface IntervalValue {
  readonly months: number;
  readonly days: number;
  readonly micros: bigint;
}

export const DATE_NEG_INFINITY: DateValue = -0x8000_0000;
export const DATE_POS_INFINITY: DateValue = 0x7fff_ffff;
export const TIMESTAMP_NEG_INFINITY: TimestampValue = -(2n ** 63n);
export const TIMESTAMP_POS_INFINITY: TimestampValue = 2n ** 63n - 1n;

export const MICROS_PER_SECOND = 1_000_000n;
export const MICROS_PER_MINUTE = 60_000_000n;
export const MICROS_PER_HOUR = 3_600_000_000n;
export const MICROS_PER_DAY = 86_400_000_000n;
export const SECONDS_PER_DAY = 86_400;
export const DAYS_PER_MONTH = 30;

/** PostgreSQL's valid ranges (datatype/timestamp.h): MIN_TIMESTAMP and END_TIMESTAMP, MIN_DATE, END_DATE. */
export const TIMESTAMP_MIN: TimestampValue = -211_813_488_000_000_000n;
export const TIMESTAMP_END: TimestampValue = 9_223_371_331_200_000_000n;
export const DATE_MIN: DateValue = -2_451_545;
export const DATE_END: DateValue = 2_145_031_949;
/** 1970-01-01 in days since 2000-01-01. */
export const UNIX_EPOCH_DAYS = -10_957;

export const INT32_MIN = -0x8000_0000;
export const INT32_MAX = 0x7fff_ffff;
export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;

/** A broken-down local date and time; `year` is astronomical (0 = 1 BC). */
export interface DateTimeFields {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly micros: number;
}

export function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

const monthLengths = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

export function daysInMonth(year: number, month: number): number {
  assert(month >= 1 && month <= 12, "a month is 1..12");
  if (month === 2 && isLeapYear(year)) return 29;
  return monthLengths[month - 1] ?? 31;
}

/** Days since 2000-01-01 of a proleptic Gregorian date (Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const monthIndex = month > 2 ? month - 3 : month + 9;
  const dayOfYear = Math.floor((153 * monthIndex + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468 - 10_957;
}

export interface CivilDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

/** The inverse of `daysFromCivil`. */
export function civilFromDays(days: number): CivilDate {
  const z = days + 10_957 + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthIndex = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthIndex + 2) / 5) + 1;
  const month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return { year, month, day };
}

/** 0 = Sunday … 6 = Saturday. */
export function dayOfWeek(days: number): number {
  // 2000-01-01 was a Saturday.
  return (((days + 6) % 7) + 7) % 7;
}

/** PostgreSQL's IS_VALID_JULIAN: dates from 4714-11-24 BC up to (not including) 5874898 AD. */
export function isValidJulian(year: number, month: number, day: number): boolean {
  if (year < -4713 || year >= 5_874_898) return false;
  if (year > -4713) return true;
  return month > 11 || (month === 11 && day >= 24);
}

export function isFiniteDate(date: DateValue): boolean {
  return date !== DATE_NEG_INFINITY && date !== DATE_POS_INFINITY;
}

export function isFiniteTimestamp(ts: TimestampValue): boolean {
  return ts !== TIMESTAMP_NEG_INFINITY && ts !== TIMESTAMP_POS_INFINITY;
}

export function isValidTimestamp(ts: TimestampValue): boolean {
  return ts >= TIMESTAMP_MIN && ts < TIMESTAMP_END;
}

/** Floor division and modulo for bigint (bigint `/` truncates toward zero). */
export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return (a % b !== 0n && (a < 0n) !== (b < 0n)) ? q - 1n : q;
}

export function floorMod(a: bigint, b: bigint): bigint {
  return a - floorDiv(a, b) * b;
}

/** Splits a finite timestamp into local fields (the timestamp is already local time). */
export function timestampToFields(ts: TimestampValue): DateTimeFields {
  assert(isFiniteTimestamp(ts), "only finite timestamps have fields");
  const days = floorDiv(ts, MICROS_PER_DAY);
  const timeOfDay = Number(ts - days * MICROS_PER_DAY);
  const civil = civilFromDays(Number(days));
  const seconds = Math.floor(timeOfDay / 1_000_000);
  return {
    year: civil.year,
    month: civil.month,
    day: civil.day,
    hour: Math.floor(seconds / 3600),
    minute: Math.floor(seconds / 60) % 60,
    second: seconds % 60,
    micros: timeOfDay % 1_000_000,
  };
}

/** Joins fields into a timestamp; hour may be 24 and second 60 (they roll over, as in PostgreSQL). */
export function fieldsToTimestamp(fields: DateTimeFields): TimestampValue {
  const days = daysFromCivil(fields.year, fields.month, fields.day);
  return BigInt(days) * MICROS_PER_DAY + timeFromFields(fields.hour, fields.minute, fields.second, fields.micros);
}

export function timeFromFields(hour: number, minute: number, second: number, micros: number): TimeValue {
  return BigInt(((hour * 60 + minute) * 60 + second) * 1_000_000 + micros);
}

/** C's rint(): round half to even, as PostgreSQL rounds fractional seconds. */
export function rint(x: number): number {
  const r = Math.round(x);
  if (Math.abs(x - Math.trunc(x)) === 0.5 && r % 2 !== 0) return r - 1;
  return r;
}

export function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

export function padStart(n: number | bigint, width: number): string {
  return String(n).padStart(width, "0");
}

/** `.123456` with trailing zeros trimmed, or "" for zero (AppendSeconds). */
export function fractionText(micros: number): string {
  assert(micros >= 0 && micros < 1_000_000, "a fraction is 0..999999 µs");
  if (micros === 0) return "";
  let text = String(micros).padStart(6, "0");
  while (text.endsWith("0")) text = text.slice(0, -1);
  return `.${text}`;
}

export function invalidSyntax(typeName: string, text: string): InvalidDatetimeFormatError {
  return new InvalidDatetimeFormatError(`invalid input syntax for type ${typeName}: "${text}"`);
}

export function fieldOverflow(text: string): DatetimeFieldOverflowError {
  return new DatetimeFieldOverflowError(`date/time field value out of range: "${text}"`);
}

export function timestampOutOfRange(): DatetimeFieldOverflowError {
  return new DatetimeFieldOverflowError("timestamp out of range");
}

export function dateOutOfRange(): DatetimeFieldOverflowError {
  return new DatetimeFieldOverflowError("date out of range");
}

export function intervalOutOfRange(): DatetimeFieldOverflowError {
  return new DatetimeFieldOverflowError("interval out of range");
}

export function isInt32(n: number): boolean {
  return Number.isInteger(n) && n >= INT32_MIN && n <= INT32_MAX;
}

export function isInt64(n: bigint): boolean {
  return n >= INT64_MIN && n <= INT64_MAX;
}
