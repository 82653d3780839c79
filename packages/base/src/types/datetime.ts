/**
 * PostgreSQL's date/time value types — date, time, timestamp, timestamptz and interval — as pure
 * value code for the executor and pgwire: text input and output (DateStyle `ISO, MDY`,
 * IntervalStyle `postgres`), session time zones, arithmetic, field access and the binary format.
 *
 * Representations (see datetime-core.ts): date = number of days since 2000-01-01; time = bigint µs
 * since midnight; timestamp/timestamptz = bigint µs since 2000-01-01 (timestamptz in UTC);
 * interval = { months, days, micros }. Infinities are the int32/int64 extremes, as in PostgreSQL.
 *
 * This module only re-exports; the implementation is split by concern into datetime-*.ts.
 */
export {
  DATE_NEG_INFINITY,
  DATE_POS_INFINITY,
  TIMESTAMP_NEG_INFINITY,
  TIMESTAMP_POS_INFINITY,
  isFiniteDate,
  isFiniteTimestamp,
} from "./datetime-core.ts";
export type { DateValue, IntervalValue, TimeValue, TimestampValue } from "./datetime-core.ts";
export { TimeZone, UTC, parseTimeZone } from "./datetime-zone.ts";
export {
  dateToTimestamp,
  dateToTimestamptz,
  formatDate,
  formatTime,
  formatTimestamp,
  formatTimestamptz,
  formatUtcOffset,
  parseDate,
  parseTime,
  parseTimestamp,
  parseTimestamptz,
  timestampToDate,
  timestampToTimestamptz,
  timestamptzToDate,
  timestamptzToTimestamp,
} from "./datetime-text.ts";
export type { DatetimeInputContext } from "./datetime-text.ts";
export {
  ZERO_INTERVAL,
  addIntervals,
  compareIntervals,
  divideInterval,
  formatInterval,
  justifyDays,
  justifyHours,
  justifyInterval,
  makeInterval,
  multiplyInterval,
  negateInterval,
  parseInterval,
  subtractIntervals,
} from "./datetime-interval.ts";
export {
  addDaysToDate,
  addIntervalToDate,
  addIntervalToTime,
  addIntervalToTimestamp,
  addIntervalToTimestamptz,
  addTimeToDate,
  ageOfTimestamps,
  ageOfTimestamptzs,
  makeDate,
  makeTimestamp,
  makeTimestamptz,
  subtractDates,
  subtractDaysFromDate,
  subtractIntervalFromTimestamp,
  subtractIntervalFromTimestamptz,
  subtractTimes,
  subtractTimestamps,
} from "./datetime-arith.ts";
export type { TimestampParts } from "./datetime-arith.ts";
export {
  datetimeUnitOf,
  extractFromDate,
  extractFromInterval,
  extractFromTimestamp,
  extractFromTimestamptz,
  truncateTimestamp,
  truncateTimestamptz,
  scaledDecimal,
} from "./datetime-fields.ts";
export type { DatetimeUnit } from "./datetime-fields.ts";
export {
  decodeDateBinary,
  decodeIntervalBinary,
  decodeTimeBinary,
  decodeTimestampBinary,
  encodeDateBinary,
  encodeIntervalBinary,
  encodeTimeBinary,
  encodeTimestampBinary,
} from "./datetime-binary.ts";
