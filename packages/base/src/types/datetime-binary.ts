/**
 * PostgreSQL's binary send/recv formats of the date/time types (network byte order):
 *
 *   date         int32   days since 2000-01-01 (int32 min/max = -infinity/infinity)
 *   time         int64   microseconds since midnight
 *   timestamp    int64   microseconds since 2000-01-01 (timestamptz: UTC; int64 min/max = ∓infinity)
 *   interval     int64 microseconds | int32 days | int32 months    (16 bytes)
 *
 * Decoders reject a wrong length and out-of-range values with 22P03 / 22008 as PostgreSQL's recv
 * functions do (`time out of range`, `timestamp out of range`, `date out of range`).
 */
import { assert } from "../assert.ts";
import { DatetimeFieldOverflowError, InvalidBinaryRepresentationError } from "../errors.ts";
import {
  DATE_END,
  DATE_MIN,
  MICROS_PER_DAY,
  isFiniteDate,
  isFiniteTimestamp,
  isInt32,
  isInt64,
  isValidTimestamp,
  type DateValue,
  type IntervalValue,
  type TimeValue,
  type TimestampValue,
} from "./datetime-core.ts";

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function expectLength(bytes: Uint8Array, length: number): void {
  if (bytes.byteLength !== length) {
    throw new InvalidBinaryRepresentationError(`incorrect binary data format: expected ${length} bytes, got ${bytes.byteLength}`);
  }
}

export function encodeDateBinary(date: DateValue): Uint8Array {
  assert(isInt32(date), "a date is an int32");
  const out = new Uint8Array(4);
  view(out).setInt32(0, date);
  return out;
}

export function decodeDateBinary(bytes: Uint8Array): DateValue {
  expectLength(bytes, 4);
  const date = view(bytes).getInt32(0);
  if (isFiniteDate(date) && (date < DATE_MIN || date >= DATE_END)) throw new DatetimeFieldOverflowError("date out of range");
  return date;
}

export function encodeTimeBinary(time: TimeValue): Uint8Array {
  assert(time >= 0n && time <= MICROS_PER_DAY, "a time is within a day");
  const out = new Uint8Array(8);
  view(out).setBigInt64(0, time);
  return out;
}

export function decodeTimeBinary(bytes: Uint8Array): TimeValue {
  expectLength(bytes, 8);
  const time = view(bytes).getBigInt64(0);
  if (time < 0n || time > MICROS_PER_DAY) throw new DatetimeFieldOverflowError("time out of range");
  return time;
}

/** Timestamp and timestamptz share the format. */
export function encodeTimestampBinary(ts: TimestampValue): Uint8Array {
  assert(isInt64(ts), "a timestamp is an int64");
  const out = new Uint8Array(8);
  view(out).setBigInt64(0, ts);
  return out;
}

export function decodeTimestampBinary(bytes: Uint8Array): TimestampValue {
  expectLength(bytes, 8);
  const ts = view(bytes).getBigInt64(0);
  if (isFiniteTimestamp(ts) && !isValidTimestamp(ts)) throw new DatetimeFieldOverflowError("timestamp out of range");
  return ts;
}

export function encodeIntervalBinary(span: IntervalValue): Uint8Array {
  assert(isInt64(span.micros) && isInt32(span.days) && isInt32(span.months), "interval fields fit their widths");
  const out = new Uint8Array(16);
  const data = view(out);
  data.setBigInt64(0, span.micros);
  data.setInt32(8, span.days);
  data.setInt32(12, span.months);
  return out;
}

export function decodeIntervalBinary(bytes: Uint8Array): IntervalValue {
  expectLength(bytes, 16);
  const data = view(bytes);
  return { micros: data.getBigInt64(0), days: data.getInt32(8), months: data.getInt32(12) };
}
