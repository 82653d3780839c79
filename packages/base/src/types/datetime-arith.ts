/**
 * Date/time arithmetic with PostgreSQL's semantics:
 *
 * - timestamp + interval adds months first (clamping the day to the month's end: Jan 31 + 1 month
 *   = Feb 29 in 2024), then days, then microseconds. For timestamptz, months and days are added to
 *   the wall-clock time in the given zone and the offset is redetermined, so `+ 1 day` across a
 *   DST change keeps the clock time while `+ 24 hours` does not.
 * - timestamp - timestamp is days and time (justify_hours of the difference), never months.
 * - age() subtracts field by field, borrowing days from the month before the later operand.
 * - Infinite operands stay infinite where PostgreSQL allows and raise 22008 where it does not.
 */
import { assert } from "../assert.ts";
import { DatetimeFieldOverflowError } from "../errors.ts";
import {
  DATE_END,
  DATE_MIN,
  DATE_NEG_INFINITY,
  DATE_POS_INFINITY,
  MICROS_PER_DAY,
  MICROS_PER_SECOND,
  civilFromDays,
  dateOutOfRange,
  daysFromCivil,
  daysInMonth,
  fieldsToTimestamp,
  floorDiv,
  intervalOutOfRange,
  isFiniteDate,
  isFiniteTimestamp,
  isInt32,
  isValidJulian,
  isValidTimestamp,
  rint,
  timestampOutOfRange,
  timestampToFields,
  type DateTimeFields,
  type DateValue,
  type IntervalValue,
  type TimeValue,
  type TimestampValue,
} from "./datetime-core.ts";
import { justifyHours } from "./datetime-interval.ts";
import { dateToTimestamp, localTimeOf, timestampToTimestamptz } from "./datetime-text.ts";
import type { TimeZone } from "./datetime-zone.ts";

function fieldsToValidTimestamp(fields: DateTimeFields): TimestampValue {
  if (!isValidJulian(fields.year, fields.month, fields.day)) throw timestampOutOfRange();
  const ts = fieldsToTimestamp(fields);
  if (!isValidTimestamp(ts)) throw timestampOutOfRange();
  return ts;
}

/** Moves local fields by whole months, clamping the day to the new month's length. */
function addMonthsToFields(fields: DateTimeFields, months: number): DateTimeFields {
  const monthIndex = fields.year * 12 + (fields.month - 1) + months;
  const year = Math.floor(monthIndex / 12);
  const month = monthIndex - year * 12 + 1;
  return { ...fields, year, month, day: Math.min(fields.day, daysInMonth(year, month)) };
}

function addDaysToFields(fields: DateTimeFields, days: number): DateTimeFields {
  const civil = civilFromDays(daysFromCivil(fields.year, fields.month, fields.day) + days);
  return { ...fields, ...civil };
}

/** timestamp + interval (timestamp_pl_interval). */
export function addIntervalToTimestamp(ts: TimestampValue, span: IntervalValue): TimestampValue {
  if (!isFiniteTimestamp(ts)) return ts;
  let result = ts;
  if (span.months !== 0) result = fieldsToValidTimestamp(addMonthsToFields(timestampToFields(result), span.months));
  if (span.days !== 0) result = fieldsToValidTimestamp(addDaysToFields(timestampToFields(result), span.days));
  result += span.micros;
  if (!isValidTimestamp(result)) throw timestampOutOfRange();
  return result;
}

export function subtractIntervalFromTimestamp(ts: TimestampValue, span: IntervalValue): TimestampValue {
  return addIntervalToTimestamp(ts, negateForSubtraction(span));
}

function negateForSubtraction(span: IntervalValue): IntervalValue {
  if (span.months === -0x8000_0000 || span.days === -0x8000_0000) throw intervalOutOfRange();
  return { months: -span.months || 0, days: -span.days || 0, micros: -span.micros };
}

/** timestamptz + interval in `timeZone` (timestamptz_pl_interval): months and days on the wall clock. */
export function addIntervalToTimestamptz(ts: TimestampValue, span: IntervalValue, timeZone: TimeZone): TimestampValue {
  if (!isFiniteTimestamp(ts)) return ts;
  let result = ts;
  const shiftLocal = (move: (fields: DateTimeFields) => DateTimeFields): TimestampValue => {
    const local = localTimeOf(result, timeZone);
    const moved = fieldsToValidTimestamp(move(timestampToFields(local)));
    return timestampToTimestamptz(moved, timeZone);
  };
  if (span.months !== 0) result = shiftLocal((fields) => addMonthsToFields(fields, span.months));
  if (span.days !== 0) result = shiftLocal((fields) => addDaysToFields(fields, span.days));
  result += span.micros;
  if (!isValidTimestamp(result)) throw timestampOutOfRange();
  return result;
}

export function subtractIntervalFromTimestamptz(ts: TimestampValue, span: IntervalValue, timeZone: TimeZone): TimestampValue {
  return addIntervalToTimestamptz(ts, negateForSubtraction(span), timeZone);
}

/** timestamp - timestamp (also timestamptz - timestamptz): days and time, justified by 24 hours. */
export function subtractTimestamps(a: TimestampValue, b: TimestampValue): IntervalValue {
  if (!isFiniteTimestamp(a) || !isFiniteTimestamp(b)) throw new DatetimeFieldOverflowError("cannot subtract infinite timestamps");
  // PostgreSQL 15 does not check this subtraction; it wraps like its int64 arithmetic.
  const micros = BigInt.asIntN(64, a - b);
  return justifyHours({ months: 0, days: 0, micros });
}

function checkedDate(date: number): DateValue {
  if (!isInt32(date) || date < DATE_MIN || date >= DATE_END) throw dateOutOfRange();
  return date;
}

/** date + integer. */
export function addDaysToDate(date: DateValue, days: number): DateValue {
  assert(isInt32(days), "days is an int4");
  if (!isFiniteDate(date)) return date;
  return checkedDate(date + days);
}

/** date - integer. */
export function subtractDaysFromDate(date: DateValue, days: number): DateValue {
  assert(isInt32(days), "days is an int4");
  if (!isFiniteDate(date)) return date;
  return checkedDate(date - days);
}

/** date - date: whole days. */
export function subtractDates(a: DateValue, b: DateValue): number {
  if (!isFiniteDate(a) || !isFiniteDate(b)) throw new DatetimeFieldOverflowError("cannot subtract infinite dates");
  return a - b;
}

/** date + time -> timestamp. */
export function addTimeToDate(date: DateValue, time: TimeValue): TimestampValue {
  const ts = dateToTimestamp(date);
  if (!isFiniteTimestamp(ts)) return ts;
  const result = ts + time;
  if (!isValidTimestamp(result)) throw timestampOutOfRange();
  return result;
}

/** date + interval -> timestamp. */
export function addIntervalToDate(date: DateValue, span: IntervalValue): TimestampValue {
  return addIntervalToTimestamp(dateToTimestamp(date), span);
}

/** time + interval -> time, wrapping around midnight (only the interval's time part counts). */
export function addIntervalToTime(time: TimeValue, span: IntervalValue): TimeValue {
  const sum = (time + span.micros) % MICROS_PER_DAY;
  return sum < 0n ? sum + MICROS_PER_DAY : sum;
}

/** time - time -> interval. */
export function subtractTimes(a: TimeValue, b: TimeValue): IntervalValue {
  return { months: 0, days: 0, micros: a - b };
}

/** age(timestamp, timestamp): a symbolic difference in years, months, days and time. */
export function ageOfTimestamps(a: TimestampValue, b: TimestampValue): IntervalValue {
  if (!isFiniteTimestamp(a) || !isFiniteTimestamp(b)) throw timestampOutOfRange();
  return ageOfFields(timestampToFields(a), timestampToFields(b), a < b);
}

/** age(timestamptz, timestamptz): fields in `timeZone`. */
export function ageOfTimestamptzs(a: TimestampValue, b: TimestampValue, timeZone: TimeZone): IntervalValue {
  if (!isFiniteTimestamp(a) || !isFiniteTimestamp(b)) throw timestampOutOfRange();
  const fieldsA = timestampToFields(localTimeOf(a, timeZone));
  const fieldsB = timestampToFields(localTimeOf(b, timeZone));
  return ageOfFields(fieldsA, fieldsB, a < b);
}

function ageOfFields(a: DateTimeFields, b: DateTimeFields, isNegative: boolean): IntervalValue {
  const sign = isNegative ? -1 : 1;
  let micros = (a.micros - b.micros) * sign;
  let second = (a.second - b.second) * sign;
  let minute = (a.minute - b.minute) * sign;
  let hour = (a.hour - b.hour) * sign;
  let day = (a.day - b.day) * sign;
  let month = (a.month - b.month) * sign;
  let year = (a.year - b.year) * sign;
  // Borrow from the next larger field, a day at a time from the earlier operand's month.
  const borrowFrom = isNegative ? a : b;
  if (micros < 0) [micros, second] = [micros + 1_000_000, second - 1];
  if (second < 0) [second, minute] = [second + 60, minute - 1];
  if (minute < 0) [minute, hour] = [minute + 60, hour - 1];
  if (hour < 0) [hour, day] = [hour + 24, day - 1];
  for (let step = 0; day < 0; step++) {
    assert(step < 3, "a day difference borrows at most a few months");
    day += daysInMonth(borrowFrom.year, borrowFrom.month);
    month--;
  }
  while (month < 0) [month, year] = [month + 12, year - 1];
  const months = (year * 12 + month) * sign;
  if (!isInt32(months)) throw intervalOutOfRange();
  const time = BigInt(((hour * 60 + minute) * 60 + second) * sign) * MICROS_PER_SECOND + BigInt(micros * sign);
  return { months: months || 0, days: day * sign || 0, micros: time };
}

/** make_date(year, month, day); negative years are BC. */
export function makeDate(year: number, month: number, day: number): DateValue {
  assert(isInt32(year) && isInt32(month) && isInt32(day), "make_date takes int4 fields");
  const astronomicalYear = year < 0 ? year + 1 : year;
  // PostgreSQL prints the year after its BC conversion (-7 becomes -6).
  const label = `${astronomicalYear}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
  if (year === 0 || month < 1 || month > 12 || day < 1 || day > 31 || day > daysInMonth(astronomicalYear, month)) {
    throw new DatetimeFieldOverflowError(`date field value out of range: ${label}`);
  }
  if (!isValidJulian(astronomicalYear, month, day)) throw new DatetimeFieldOverflowError(`date out of range: ${label}`);
  const date = daysFromCivil(astronomicalYear, month, day);
  if (date < DATE_MIN || date >= DATE_END) throw new DatetimeFieldOverflowError(`date out of range: ${label}`);
  return date;
}

export interface TimestampParts {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

/** make_timestamp(year, month, mday, hour, min, sec double); years must be positive. */
export function makeTimestamp(parts: TimestampParts): TimestampValue {
  const { year: givenYear, month, day, hour, minute, second } = parts;
  const dateLabel = `${givenYear}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
  // Negative years are BC: -1 is 1 BC, astronomical year 0.
  const year = givenYear < 0 ? givenYear + 1 : givenYear;
  if (givenYear === 0 || month < 1 || month > 12 || day < 1 || day > 31 || day > daysInMonth(year, month)) {
    throw new DatetimeFieldOverflowError(`date field value out of range: ${dateLabel}`);
  }
  if (!isValidJulian(year, month, day)) throw new DatetimeFieldOverflowError(`date out of range: ${dateLabel}`);
  // C's %02g: six significant digits, trailing zeros dropped.
  const secondText = String(Number(second.toPrecision(6))).padStart(2, "0");
  const timeLabel = `${hour}:${String(minute).padStart(2, "0")}:${secondText}`;
  const secondMicros = rint(second * 1e6);
  const overflows =
    hour < 0 || hour > 24 || minute < 0 || minute >= 60 || Number.isNaN(second) || secondMicros < 0 || secondMicros > 60e6 ||
    (hour * 60 + minute) * 60e6 + secondMicros > 86_400e6;
  if (overflows) throw new DatetimeFieldOverflowError(`time field value out of range: ${timeLabel}`);
  const ts = BigInt(daysFromCivil(year, month, day)) * MICROS_PER_DAY + BigInt((hour * 60 + minute) * 60) * MICROS_PER_SECOND + BigInt(secondMicros);
  if (!isValidTimestamp(ts)) throw new DatetimeFieldOverflowError(`timestamp out of range: ${dateLabel} ${timeLabel}`);
  return ts;
}

/** make_timestamptz(...) in `timeZone`. */
export function makeTimestamptz(parts: TimestampParts, timeZone: TimeZone): TimestampValue {
  return timestampToTimestamptz(makeTimestamp(parts), timeZone);
}

/** The date of a finite day number, for callers that need the civil fields. */
export function dateFields(date: DateValue): { readonly year: number; readonly month: number; readonly day: number } {
  assert(date !== DATE_NEG_INFINITY && date !== DATE_POS_INFINITY, "only finite dates have fields");
  return civilFromDays(date);
}

/** Local midnight of a timestamp's day. */
export function startOfDay(ts: TimestampValue): TimestampValue {
  return floorDiv(ts, MICROS_PER_DAY) * MICROS_PER_DAY;
}
