/**
 * Text input and output of date, time, timestamp and timestamptz, and the conversions between
 * timestamptz (a UTC instant) and local time in a zone. Output follows DateStyle `ISO, MDY`:
 *
 *   date         2024-01-31          0044-03-15 BC       infinity
 *   time         13:45:00.123456     24:00:00            (fraction trimmed, absent when zero)
 *   timestamp    2024-01-31 13:45:00.5                   -infinity
 *   timestamptz  2024-01-31 13:45:00+00   ...-04:56:02   (offset in the session zone)
 *
 * Errors are PostgreSQL's: 22007 for text in no recognizable format, 22008 for a field or result
 * out of range, 22009 for a numeric zone offset beyond ±15 hours, 22023 for an unknown zone name.
 */
import { assert, assertNever } from "../assert.ts";
import { DatetimeFieldOverflowError, IntervalFieldOverflowError, InvalidTimeZoneDisplacementValueError } from "../errors.ts";
import {
  DATE_END,
  DATE_MIN,
  DATE_NEG_INFINITY,
  DATE_POS_INFINITY,
  MICROS_PER_DAY,
  MICROS_PER_SECOND,
  TIMESTAMP_NEG_INFINITY,
  TIMESTAMP_POS_INFINITY,
  UNIX_EPOCH_DAYS,
  civilFromDays,
  daysFromCivil,
  fieldOverflow,
  fieldsToTimestamp,
  floorDiv,
  fractionText,
  invalidSyntax,
  isFiniteDate,
  isFiniteTimestamp,
  isValidJulian,
  isValidTimestamp,
  pad2,
  padStart,
  timestampToFields,
  timestampOutOfRange,
  type DateTimeFields,
  type DateValue,
  type TimeValue,
  type TimestampValue,
} from "./datetime-core.ts";
import { decodeDateTime, decodeTimeOnly, type DecodedDateTime } from "./datetime-decode.ts";
import { DecodeFailure, tokenize, type Field } from "./datetime-tokens.ts";
import { UTC, type TimeZone } from "./datetime-zone.ts";

/** What input of `now`, `today`, `tomorrow` and `yesterday` needs: the transaction's start and zone. */
export interface DatetimeInputContext {
  /** The statement or transaction timestamp; defaults to the wall clock. */
  readonly now?: TimestampValue;
  /** The session zone, for local `today` and for timestamptz input without a zone. Default UTC. */
  readonly timeZone?: TimeZone;
}

/** PostgreSQL's MAXDATELEN + 1: the work buffer of date/time input. */
const dateBufferSizeMax = 129;

/** Runs a decoder over tokenized text, turning a `DecodeFailure` into PostgreSQL's error. */
export function decodeText<T>(text: string, typeName: string, bufferSizeMax: number, decode: (fields: readonly Field[]) => T): T {
  try {
    return decode(tokenize(text, bufferSizeMax));
  } catch (error) {
    if (!(error instanceof DecodeFailure)) throw error;
    switch (error.code) {
      case "badFormat":
        throw invalidSyntax(typeName, text);
      case "fieldOverflow":
        throw fieldOverflow(text);
      case "tzOverflow":
        throw new InvalidTimeZoneDisplacementValueError(`time zone displacement out of range: "${text}"`);
      case "intervalOverflow":
        throw new IntervalFieldOverflowError(`interval field value out of range: "${text}"`);
    }
    return assertNever(error.code);
  }
}

function nowOf(context: DatetimeInputContext): TimestampValue {
  return context.now ?? (BigInt(Date.now()) - BigInt(UNIX_EPOCH_DAYS) * 86_400_000n) * 1000n;
}

/** The local midnight (as a local timestamp) of `now` shifted by whole days. */
function localMidnight(context: DatetimeInputContext, dayShift: number): TimestampValue {
  const local = timestamptzToTimestamp(nowOf(context), context.timeZone ?? UTC);
  return (floorDiv(local, MICROS_PER_DAY) + BigInt(dayShift)) * MICROS_PER_DAY;
}

function localFromSpecial(decoded: DecodedDateTime, context: DatetimeInputContext): TimestampValue | undefined {
  switch (decoded.special) {
    case undefined:
      return undefined;
    case "epoch":
      return BigInt(UNIX_EPOCH_DAYS) * MICROS_PER_DAY;
    case "infinity":
      return TIMESTAMP_POS_INFINITY;
    case "-infinity":
      return TIMESTAMP_NEG_INFINITY;
    case "now":
      return timestamptzToTimestamp(nowOf(context), context.timeZone ?? UTC);
    case "today":
      return localMidnight(context, 0) + timeOfDecoded(decoded);
    case "tomorrow":
      return localMidnight(context, 1) + timeOfDecoded(decoded);
    case "yesterday":
      return localMidnight(context, -1) + timeOfDecoded(decoded);
  }
  return assertNever(decoded.special);
}

function timeOfDecoded(decoded: DecodedDateTime): bigint {
  return BigInt(((decoded.hour * 60 + decoded.minute) * 60 + decoded.second) * 1_000_000 + decoded.micros);
}

export function parseDate(text: string, context: DatetimeInputContext = {}): DateValue {
  const decoded = decodeText(text, "date", dateBufferSizeMax, decodeDateTime);
  if (decoded.special === "infinity") return DATE_POS_INFINITY;
  if (decoded.special === "-infinity") return DATE_NEG_INFINITY;
  if (decoded.special !== undefined) {
    const local = localFromSpecial({ ...decoded, hour: 0, minute: 0, second: 0, micros: 0 }, context);
    assert(local !== undefined && isFiniteTimestamp(local), "a finite special");
    return Number(floorDiv(local, MICROS_PER_DAY));
  }
  const outOfRange = (): DatetimeFieldOverflowError => new DatetimeFieldOverflowError(`date out of range: "${text}"`);
  if (!isValidJulian(decoded.year, decoded.month, decoded.day)) throw outOfRange();
  const date = daysFromCivil(decoded.year, decoded.month, decoded.day);
  if (date < DATE_MIN || date >= DATE_END) throw outOfRange();
  return date;
}

export function parseTime(text: string, context: DatetimeInputContext = {}): TimeValue {
  const decoded = decodeText(text, "time", dateBufferSizeMax, decodeTimeOnly);
  if (decoded.special === "now") {
    const local = timestamptzToTimestamp(nowOf(context), context.timeZone ?? UTC);
    return local - floorDiv(local, MICROS_PER_DAY) * MICROS_PER_DAY;
  }
  return timeOfDecoded(decoded);
}

export function parseTimestamp(text: string, context: DatetimeInputContext = {}): TimestampValue {
  const decoded = decodeText(text, "timestamp", dateBufferSizeMax, decodeDateTime);
  const special = localFromSpecial(decoded, context);
  if (special !== undefined) return special;
  if (!isValidJulian(decoded.year, decoded.month, decoded.day)) throw new DatetimeFieldOverflowError(`timestamp out of range: "${text}"`);
  const local = fieldsToTimestamp(decoded);
  if (!isValidTimestamp(local)) throw new DatetimeFieldOverflowError(`timestamp out of range: "${text}"`);
  return local;
}

export function parseTimestamptz(text: string, timeZone: TimeZone, context: DatetimeInputContext = {}): TimestampValue {
  const decoded = decodeText(text, "timestamp with time zone", dateBufferSizeMax, decodeDateTime);
  const zoneContext = { ...context, timeZone };
  if (decoded.special === "epoch") return BigInt(UNIX_EPOCH_DAYS) * MICROS_PER_DAY;
  if (decoded.special === "now") return nowOf(context);
  const special = localFromSpecial(decoded, zoneContext);
  if (special !== undefined) return isFiniteTimestamp(special) ? timestampToTimestamptz(special, timeZone) : special;
  const outOfRange = (): DatetimeFieldOverflowError => new DatetimeFieldOverflowError(`timestamp out of range: "${text}"`);
  if (!isValidJulian(decoded.year, decoded.month, decoded.day)) throw outOfRange();
  const local = fieldsToTimestamp(decoded);
  const localSeconds = Number(floorDiv(local, MICROS_PER_SECOND));
  const offsetSeconds = decoded.offsetSeconds ?? (decoded.namedZone ?? timeZone).localOffsetFor(localSeconds);
  const instant = local - BigInt(offsetSeconds) * MICROS_PER_SECOND;
  if (!isValidTimestamp(instant)) throw outOfRange();
  return instant;
}

function yearText(year: number): string {
  return padStart(year > 0 ? year : -(year - 1), 4);
}

function dateText(fields: { readonly year: number; readonly month: number; readonly day: number }): string {
  return `${yearText(fields.year)}-${pad2(fields.month)}-${pad2(fields.day)}`;
}

function timeText(fields: DateTimeFields): string {
  return `${pad2(fields.hour)}:${pad2(fields.minute)}:${pad2(fields.second)}${fractionText(fields.micros)}`;
}

export function formatDate(date: DateValue): string {
  if (date === DATE_POS_INFINITY) return "infinity";
  if (date === DATE_NEG_INFINITY) return "-infinity";
  const civil = civilFromDays(date);
  return civil.year > 0 ? dateText(civil) : `${dateText(civil)} BC`;
}

export function formatTime(time: TimeValue): string {
  assert(time >= 0n && time <= MICROS_PER_DAY, "a time of day is 0..24:00:00");
  const micros = Number(time);
  const seconds = Math.floor(micros / 1_000_000);
  return `${pad2(Math.floor(seconds / 3600))}:${pad2(Math.floor(seconds / 60) % 60)}:${pad2(seconds % 60)}${fractionText(micros % 1_000_000)}`;
}

export function formatTimestamp(ts: TimestampValue): string {
  if (ts === TIMESTAMP_POS_INFINITY) return "infinity";
  if (ts === TIMESTAMP_NEG_INFINITY) return "-infinity";
  const fields = timestampToFields(ts);
  const text = `${dateText(fields)} ${timeText(fields)}`;
  return fields.year > 0 ? text : `${text} BC`;
}

/** `+05:30`, `-08`, `-04:56:02`: an offset east as PostgreSQL prints it (EncodeTimezone). */
export function formatUtcOffset(offsetSeconds: number): string {
  const total = Math.abs(offsetSeconds);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor(total / 60) % 60;
  const seconds = total % 60;
  const sign = offsetSeconds >= 0 ? "+" : "-";
  if (seconds !== 0) return `${sign}${pad2(hours)}:${pad2(minutes)}:${pad2(seconds)}`;
  if (minutes !== 0) return `${sign}${pad2(hours)}:${pad2(minutes)}`;
  return `${sign}${pad2(hours)}`;
}

export function formatTimestamptz(ts: TimestampValue, timeZone: TimeZone): string {
  if (!isFiniteTimestamp(ts)) return formatTimestamp(ts);
  const offsetSeconds = utcOffsetOf(ts, timeZone);
  const fields = timestampToFields(ts + BigInt(offsetSeconds) * MICROS_PER_SECOND);
  const text = `${dateText(fields)} ${timeText(fields)}${formatUtcOffset(offsetSeconds)}`;
  return fields.year > 0 ? text : `${text} BC`;
}

/** The zone's offset (seconds east) at the instant `ts`. */
export function utcOffsetOf(ts: TimestampValue, timeZone: TimeZone): number {
  assert(isFiniteTimestamp(ts), "only finite instants have an offset");
  return timeZone.utcOffsetAt(Number(floorDiv(ts, MICROS_PER_SECOND)));
}

/** The wall-clock time of a finite instant in `timeZone`, not range-checked (timestamp2tm). */
export function localTimeOf(ts: TimestampValue, timeZone: TimeZone): TimestampValue {
  return ts + BigInt(utcOffsetOf(ts, timeZone)) * MICROS_PER_SECOND;
}

/** timestamptz -> timestamp: the wall-clock time at `ts` in `timeZone` (also `ts AT TIME ZONE zone`). */
export function timestamptzToTimestamp(ts: TimestampValue, timeZone: TimeZone): TimestampValue {
  if (!isFiniteTimestamp(ts)) return ts;
  const local = ts + BigInt(utcOffsetOf(ts, timeZone)) * MICROS_PER_SECOND;
  if (!isValidTimestamp(local)) throw timestampOutOfRange();
  return local;
}

/** timestamp -> timestamptz: the instant of a wall-clock time in `timeZone`, DST resolved as PostgreSQL. */
export function timestampToTimestamptz(local: TimestampValue, timeZone: TimeZone): TimestampValue {
  if (!isFiniteTimestamp(local)) return local;
  const offsetSeconds = timeZone.localOffsetFor(Number(floorDiv(local, MICROS_PER_SECOND)));
  const instant = local - BigInt(offsetSeconds) * MICROS_PER_SECOND;
  if (!isValidTimestamp(instant)) throw timestampOutOfRange();
  return instant;
}

/** date -> timestamp (midnight). */
export function dateToTimestamp(date: DateValue): TimestampValue {
  if (date === DATE_POS_INFINITY) return TIMESTAMP_POS_INFINITY;
  if (date === DATE_NEG_INFINITY) return TIMESTAMP_NEG_INFINITY;
  const ts = BigInt(date) * MICROS_PER_DAY;
  if (!isValidTimestamp(ts)) throw new DatetimeFieldOverflowError("date out of range for timestamp");
  return ts;
}

/** date -> timestamptz: local midnight in `timeZone`. */
export function dateToTimestamptz(date: DateValue, timeZone: TimeZone): TimestampValue {
  const local = dateToTimestamp(date);
  if (!isFiniteDate(date)) return local;
  const instant = timestampToTimestamptz(local, timeZone);
  if (!isValidTimestamp(instant)) throw new DatetimeFieldOverflowError("date out of range for timestamp");
  return instant;
}

/** timestamp -> date (the day part); infinities map to date infinities. */
export function timestampToDate(ts: TimestampValue): DateValue {
  if (ts === TIMESTAMP_POS_INFINITY) return DATE_POS_INFINITY;
  if (ts === TIMESTAMP_NEG_INFINITY) return DATE_NEG_INFINITY;
  return Number(floorDiv(ts, MICROS_PER_DAY));
}

/** timestamptz -> date in `timeZone`. */
export function timestamptzToDate(ts: TimestampValue, timeZone: TimeZone): DateValue {
  return timestampToDate(isFiniteTimestamp(ts) ? localTimeOf(ts, timeZone) : ts);
}
