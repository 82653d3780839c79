/**
 * Order-preserving ("memcomparable") encoding of SQL values for row and index keys: comparing two
 * encodings as unsigned byte strings (`compareBytes`) gives the PostgreSQL btree order of the
 * values. A key is a concatenation of components (a relation id from `appendUint32`, then one
 * component per key column); because every component is self-delimiting — no encoding of a value
 * is a proper prefix of another value's encoding of the same type — comparing concatenations
 * compares the tuples column by column.
 *
 * Component layout:
 *
 *   +--------+--------------------------+
 *   | marker | body (absent for NULL)   |
 *   +--------+--------------------------+
 *
 *   options                       value marker   NULL marker   body
 *   ascending, NULLS LAST (default)   0x01           0x02      as below
 *   ascending, NULLS FIRST            0x02           0x01      as below
 *   descending, NULLS LAST            0xFD           0xFE      every byte inverted (~b)
 *   descending, NULLS FIRST           0xFE           0xFD      every byte inverted (~b)
 *
 * `nullsFirst` always means "NULL sorts first in key order", also for descending columns (the
 * bytes are chosen before the inversion so that it comes out that way). PostgreSQL's defaults are
 * NULLS LAST for ASC and NULLS FIRST for DESC; the caller passes the resolved flags.
 *
 * Bodies (ascending; all integers big-endian):
 *   bool                      1 byte: 0x00 false, 0x01 true
 *   int2 / int4               2 / 4 bytes, two's complement with the sign bit flipped
 *   int8                      variable length, 1–9 bytes: a header byte 0x80 + n for a value
 *                             >= 0 of n significant bytes (0 has none), then those bytes; for a
 *                             negative value v, 0x7F - n with n the significant bytes of ~v, then
 *                             those bytes inverted. Small keys stay short and differ early, which
 *                             is what the memtable's 8-byte prefix comparison feeds on.
 *   oid, regtype              4 bytes unsigned
 *   date                      as int4 (±infinity are int32 min/max, so they sort at the ends)
 *   time, timestamp(tz)       as int8 (±infinity are int64 min/max)
 *   float4 / float8           IEEE bits, -0 written as +0 and every NaN as the quiet NaN 0x7FF8…;
 *                             then positive values get the sign bit flipped and negative ones
 *                             every bit inverted: -Inf < … < -0 = 0 < … < +Inf < NaN
 *   interval                  16 bytes: the 128-bit comparison key of `compareIntervals`,
 *                             micros + (months × 30 + days) × 86 400 000 000, sign bit flipped
 *   uuid                      its 16 bytes
 *   an enum type              its label's sort position, as float8
 *   text, varchar, name,      UTF-8 (lone surrogates as their 3-byte WTF-8 form) with 0x00
 *   bpchar, bytea             escaped as 0x00 0xFF, then the terminator 0x00 0x01; bpchar drops
 *                             its trailing spaces first (bpcharcmp ignores them)
 *   numeric                   a tag, then for finite non-zero values an exponent and digits:
 *
 *     tag  0x01 -Infinity | 0x02 negative | 0x03 zero | 0x04 positive | 0x05 +Infinity | 0x06 NaN
 *     |value| = 0.d₁d₂…dₙ × 100^e with base-100 digits dᵢ, d₁ ≠ 0 and dₙ ≠ 0 (so 1.0 and 1.00
 *     encode alike); positive: e as int4 above, then each dᵢ as the byte dᵢ + 1 (1..100), then
 *     0x00; negative: the same bytes for |value|, inverted.
 *
 * Types with no btree order here (json, jsonb, arrays, …) are not key-encodable: `appendValue`
 * raises 0A000.
 */
import {
  EnumValue,
  FeatureNotSupportedError,
  isEnumOid,
  Numeric,
  TypeOid,
  assert,
  bpcharTrimmed,
  typeInfo,
  type IntervalValue,
  type SqlValue,
} from "@omnikv/base";

/** How one key column orders: `descending` reverses the value order; `nullsFirst` puts NULL first. */
export interface KeyColumnOptions {
  readonly descending?: boolean;
  readonly nullsFirst?: boolean;
}

const initialCapacityBytes = 64;
const markerLow = 0x01;
const markerHigh = 0x02;
const stringEscape = 0xff;
const stringTerminator = 0x01;
const microsPerDay = 86_400_000_000n;
const intervalKeyBias = 1n << 127n;
const int64SignBit = 1n << 63n;

const numericTag = { negativeInfinity: 0x01, negative: 0x02, zero: 0x03, positive: 0x04, positiveInfinity: 0x05, nan: 0x06 } as const;

/** The growable buffer the body encoders write into; not exported, so its fields are the module's own. */
class ByteSink {
  bytes: Uint8Array;
  view: DataView;
  length = 0;

  constructor(capacityBytes: number) {
    this.bytes = new Uint8Array(capacityBytes);
    this.view = new DataView(this.bytes.buffer);
  }

  /** Makes room for `sizeBytes` more bytes. */
  reserve(sizeBytes: number): void {
    const needed = this.length + sizeBytes;
    if (needed <= this.bytes.length) return;
    let capacity = this.bytes.length * 2;
    while (capacity < needed) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
    assert(this.bytes.length >= needed, "the grown buffer holds the reservation");
  }

  uint8(byte: number): void {
    this.reserve(1);
    this.bytes[this.length++] = byte;
  }

  uint16(n: number): void {
    this.reserve(2);
    this.view.setUint16(this.length, n);
    this.length += 2;
  }

  uint32(n: number): void {
    this.reserve(4);
    this.view.setUint32(this.length, n);
    this.length += 4;
  }

  /** A signed 64-bit integer with its sign bit flipped. */
  /** The variable-length order-preserving form of a 64-bit integer (see the header comment). */
  int64Ordered(n: bigint): void {
    const isNegative = n < 0n;
    let magnitude = isNegative ? -n - 1n : n;
    let size = 0;
    for (let rest = magnitude; rest > 0n; rest >>= 8n) size += 1;
    this.reserve(1 + size);
    this.bytes[this.length] = isNegative ? 0x7f - size : 0x80 + size;
    for (let i = size; i >= 1; i--) {
      const byte = Number(magnitude & 0xffn);
      this.bytes[this.length + i] = isNegative ? 0xff - byte : byte;
      magnitude >>= 8n;
    }
    this.length += 1 + size;
  }

  /**
   * `int64Ordered` of a safe integer, in number arithmetic: the same bytes without the bigint
   * conversions and shifts, which were a few percent of a primary-key point lookup.
   */
  int64OrderedNumber(n: number): void {
    assert(Number.isSafeInteger(n), "int64OrderedNumber takes a safe integer");
    const isNegative = n < 0;
    // -n - 1 and the divisions below stay exact: |n| < 2^53.
    let magnitude = isNegative ? -n - 1 : n;
    let size = 0;
    for (let rest = magnitude; rest > 0; rest = Math.floor(rest / 256)) size += 1;
    this.reserve(1 + size);
    this.bytes[this.length] = isNegative ? 0x7f - size : 0x80 + size;
    for (let i = size; i >= 1; i--) {
      const byte = magnitude % 256;
      this.bytes[this.length + i] = isNegative ? 0xff - byte : byte;
      magnitude = Math.floor(magnitude / 256);
    }
    this.length += 1 + size;
  }

  raw(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.bytes.set(bytes, this.length);
    this.length += bytes.length;
  }

  /** Inverts bytes [start, length): the descending form of a component. */
  invertFrom(start: number): void {
    for (let index = start; index < this.length; index++) this.bytes[index] = ~(this.bytes[index] ?? 0) & 0xff;
  }
}

type BodyEncoder = (sink: ByteSink, value: SqlValue) => void;

// ---------------------------------------------------------------------------------------------
// Bodies

function expectNumber(value: SqlValue, type: string): number {
  assert(typeof value === "number", `a ${type} key value is a number`);
  return value;
}

function expectBigInt(value: SqlValue, type: string): bigint {
  assert(typeof value === "bigint", `a ${type} key value is a bigint`);
  return value;
}

function expectString(value: SqlValue, type: string): string {
  assert(typeof value === "string", `a ${type} key value is a string`);
  return value;
}

function encodeInt2(sink: ByteSink, value: SqlValue): void {
  const n = expectNumber(value, "int2");
  assert(Number.isInteger(n) && n >= -0x8000 && n <= 0x7fff, "an int2 value is a 16-bit integer");
  sink.uint16((n & 0xffff) ^ 0x8000);
}

function encodeInt4(sink: ByteSink, n: number): void {
  assert(Number.isInteger(n) && n >= -0x8000_0000 && n <= 0x7fff_ffff, "an int4 or date value is a 32-bit integer");
  sink.uint32((n ^ 0x8000_0000) >>> 0);
}

function encodeInt8(sink: ByteSink, n: bigint): void {
  assert(n >= -int64SignBit && n < int64SignBit, "an int8 or date/time value is a 64-bit integer");
  sink.int64Ordered(n);
}

function encodeOid(sink: ByteSink, value: SqlValue): void {
  const n = expectNumber(value, "oid");
  assert(Number.isInteger(n) && n >= 0 && n <= 0xffff_ffff, "an oid value is an unsigned 32-bit integer");
  sink.uint32(n);
}

function encodeBool(sink: ByteSink, value: SqlValue): void {
  assert(typeof value === "boolean", "a bool key value is a boolean");
  sink.uint8(value ? 1 : 0);
}

/** Turns IEEE bits at [start, start + sizeBytes) into their order-preserving form. */
function orderFloatBits(sink: ByteSink, start: number, sizeBytes: number): void {
  const { bytes } = sink;
  if (((bytes[start] ?? 0) & 0x80) === 0) {
    bytes[start] = (bytes[start] ?? 0) | 0x80;
    return;
  }
  for (let index = start; index < start + sizeBytes; index++) bytes[index] = ~(bytes[index] ?? 0) & 0xff;
}

function encodeFloat4(sink: ByteSink, value: SqlValue): void {
  const n = expectNumber(value, "float4");
  sink.reserve(4);
  const start = sink.length;
  // Every NaN is one value to btree; `=== 0` also folds -0 into +0.
  if (Number.isNaN(n)) sink.view.setUint32(start, 0x7fc0_0000);
  else sink.view.setFloat32(start, n === 0 ? 0 : n);
  sink.length += 4;
  orderFloatBits(sink, start, 4);
}

function encodeFloat8(sink: ByteSink, value: SqlValue): void {
  const n = expectNumber(value, "float8");
  sink.reserve(8);
  const start = sink.length;
  if (Number.isNaN(n)) sink.view.setBigUint64(start, 0x7ff8_0000_0000_0000n);
  else sink.view.setFloat64(start, n === 0 ? 0 : n);
  sink.length += 8;
  orderFloatBits(sink, start, 8);
}

/**
 * UTF-8 of `text` with 0x00 escaped, then the terminator. A lone surrogate is written as its own
 * 3-byte sequence (WTF-8), so the byte order stays the code point order `compareText` uses.
 */
function encodeTextBody(sink: ByteSink, text: string): void {
  // Each UTF-16 unit takes at most 3 bytes (a pair takes 4 for 2 units, NUL 2 escaped).
  sink.reserve(text.length * 3 + 2);
  const { bytes } = sink;
  let at = sink.length;
  for (let index = 0; index < text.length; index++) {
    let code = text.charCodeAt(index);
    if (code < 0x80) {
      bytes[at++] = code;
      if (code === 0) bytes[at++] = stringEscape;
      continue;
    }
    if (code < 0x800) {
      bytes[at++] = 0xc0 | (code >> 6);
      bytes[at++] = 0x80 | (code & 0x3f);
      continue;
    }
    if (code >= 0xd800 && code <= 0xdbff && index + 1 < text.length) {
      const low = text.charCodeAt(index + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
        index++;
        bytes[at++] = 0xf0 | (code >> 18);
        bytes[at++] = 0x80 | ((code >> 12) & 0x3f);
        bytes[at++] = 0x80 | ((code >> 6) & 0x3f);
        bytes[at++] = 0x80 | (code & 0x3f);
        continue;
      }
    }
    bytes[at++] = 0xe0 | (code >> 12);
    bytes[at++] = 0x80 | ((code >> 6) & 0x3f);
    bytes[at++] = 0x80 | (code & 0x3f);
  }
  bytes[at++] = 0;
  bytes[at++] = stringTerminator;
  assert(at <= bytes.length, "the text body fits its reservation");
  sink.length = at;
}

function encodeBytesBody(sink: ByteSink, value: Uint8Array): void {
  sink.reserve(value.length * 2 + 2);
  const { bytes } = sink;
  let at = sink.length;
  for (const byte of value) {
    bytes[at++] = byte;
    if (byte === 0) bytes[at++] = stringEscape;
  }
  bytes[at++] = 0;
  bytes[at++] = stringTerminator;
  sink.length = at;
}

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x61 && code <= 0x66) return code - 0x61 + 10;
  return -1;
}

function encodeUuid(sink: ByteSink, value: SqlValue): void {
  const text = expectString(value, "uuid");
  assert(text.length === 36, "a uuid value is its 36-character canonical text");
  sink.reserve(16);
  let at = sink.length;
  for (let index = 0; index < 36; index += 2) {
    if (index === 8 || index === 13 || index === 18 || index === 23) index++;
    const high = hexValue(text.charCodeAt(index));
    const low = hexValue(text.charCodeAt(index + 1));
    assert(high >= 0 && low >= 0, "a uuid value is lowercase hex");
    sink.bytes[at++] = (high << 4) | low;
  }
  assert(at === sink.length + 16, "a uuid is 16 bytes");
  sink.length = at;
}

function isInterval(value: SqlValue): value is IntervalValue {
  return typeof value === "object" && value !== null && "months" in value && "days" in value && "micros" in value;
}

function encodeInterval(sink: ByteSink, value: SqlValue): void {
  assert(isInterval(value), "an interval key value is an IntervalValue");
  // The same key as base's compareIntervals: 30-day months, 24-hour days.
  const key = value.micros + (BigInt(value.months) * 30n + BigInt(value.days)) * microsPerDay;
  const biased = key + intervalKeyBias;
  assert(biased >= 0n && biased < intervalKeyBias * 2n, "an interval key fits 128 bits");
  sink.reserve(16);
  sink.view.setBigUint64(sink.length, biased >> 64n);
  sink.view.setBigUint64(sink.length + 8, BigInt.asUintN(64, biased));
  sink.length += 16;
}

function encodeNumeric(sink: ByteSink, value: SqlValue): void {
  assert(value instanceof Numeric, "a numeric key value is a Numeric");
  if (value.kind === "nan") return sink.uint8(numericTag.nan);
  if (value.kind === "pinf") return sink.uint8(numericTag.positiveInfinity);
  if (value.kind === "ninf") return sink.uint8(numericTag.negativeInfinity);
  if (value.unscaled === 0n) return sink.uint8(numericTag.zero);
  const isNegative = value.unscaled < 0n;
  sink.uint8(isNegative ? numericTag.negative : numericTag.positive);
  const bodyStart = sink.length;

  // |value| = 0.D × 10^exponent10 with D the decimal digits (no leading zeros from toString).
  let digits = (isNegative ? -value.unscaled : value.unscaled).toString();
  const exponent10 = digits.length - value.dscale;
  let end = digits.length;
  while (digits.charCodeAt(end - 1) === 0x30) end--;
  digits = digits.slice(0, end);
  // Align to base 100: an odd decimal exponent gets a leading zero digit, and the digits are
  // padded to whole pairs. d₁ stays non-zero (it holds the first non-zero digit), dₙ too.
  const isOddExponent = (exponent10 & 1) !== 0;
  if (isOddExponent) digits = `0${digits}`;
  if ((digits.length & 1) !== 0) digits = `${digits}0`;
  const exponent100 = isOddExponent ? (exponent10 + 1) / 2 : exponent10 / 2;

  encodeInt4(sink, exponent100);
  sink.reserve(digits.length / 2 + 1);
  let at = sink.length;
  for (let index = 0; index < digits.length; index += 2) {
    const pair = (digits.charCodeAt(index) - 0x30) * 10 + (digits.charCodeAt(index + 1) - 0x30);
    sink.bytes[at++] = pair + 1;
  }
  sink.bytes[at++] = 0;
  sink.length = at;
  assert((sink.bytes[bodyStart + 4] ?? 0) > 1, "the first base-100 digit is non-zero");
  assert((sink.bytes[at - 2] ?? 0) > 1, "the last base-100 digit is non-zero");
  if (isNegative) sink.invertFrom(bodyStart);
}

const encodeText: BodyEncoder = (sink, value) => encodeTextBody(sink, expectString(value, "text"));
const encodeTimeLike: BodyEncoder = (sink, value) => encodeInt8(sink, expectBigInt(value, "date/time"));

const encoders: ReadonlyMap<number, BodyEncoder> = new Map<number, BodyEncoder>([
  [TypeOid.bool, encodeBool],
  [TypeOid.int2, encodeInt2],
  [TypeOid.int4, (sink, value) => encodeInt4(sink, expectNumber(value, "int4"))],
  [TypeOid.int8, (sink, value) => encodeInt8(sink, expectBigInt(value, "int8"))],
  [TypeOid.oid, encodeOid],
  [TypeOid.regtype, encodeOid],
  [TypeOid.float4, encodeFloat4],
  [TypeOid.float8, encodeFloat8],
  [TypeOid.numeric, encodeNumeric],
  [TypeOid.text, encodeText],
  [TypeOid.varchar, encodeText],
  [TypeOid.name, encodeText],
  [TypeOid.bpchar, (sink, value) => encodeTextBody(sink, bpcharTrimmed(expectString(value, "bpchar")))],
  [
    TypeOid.bytea,
    (sink, value) => {
      assert(value instanceof Uint8Array, "a bytea key value is a Uint8Array");
      encodeBytesBody(sink, value);
    },
  ],
  [TypeOid.uuid, encodeUuid],
  [TypeOid.date, (sink, value) => encodeInt4(sink, expectNumber(value, "date"))],
  [TypeOid.time, encodeTimeLike],
  [TypeOid.timestamp, encodeTimeLike],
  [TypeOid.timestamptz, encodeTimeLike],
  [TypeOid.interval, encodeInterval],
]);

/** An enum value orders by its label's sort position (a float8: positions between others are fractions). */
function encodeEnum(sink: ByteSink, value: SqlValue): void {
  assert(value instanceof EnumValue, "an enum key value is an EnumValue");
  encodeFloat8(sink, value.sortOrder);
}

function encoderFor(oid: number): BodyEncoder {
  const encoder = encoders.get(oid);
  if (encoder !== undefined) return encoder;
  if (isEnumOid(oid)) return encodeEnum;
  const name = typeInfo(oid)?.displayName ?? `with oid ${oid}`;
  throw new FeatureNotSupportedError(`data type ${name} cannot be part of a key`);
}

// ---------------------------------------------------------------------------------------------
// Public API

/** Whether values of the type can be key columns (have an order-preserving encoding). */
export function isKeyEncodable(oid: number): boolean {
  return encoders.has(oid) || isEnumOid(oid);
}

/** Appends key components; `finish` returns the key. */
export class KeyWriter {
  readonly #sink: ByteSink;

  constructor(capacityBytes: number = initialCapacityBytes) {
    assert(Number.isInteger(capacityBytes) && capacityBytes > 0, "a key writer starts with a positive capacity");
    this.#sink = new ByteSink(capacityBytes);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.#sink.length;
  }

  /** One component: a marker and, unless `value` is NULL, the order-preserving body. */
  appendValue(oid: number, value: SqlValue, options: KeyColumnOptions = {}): void {
    const encoder = encoderFor(oid);
    const isDescending = options.descending ?? false;
    // The marker that comes first in the final (possibly inverted) bytes goes to NULL iff nullsFirst.
    const isNullLowBeforeInversion = (options.nullsFirst ?? false) !== isDescending;
    const sink = this.#sink;
    const start = sink.length;
    if (value === null) {
      sink.uint8(isNullLowBeforeInversion ? markerLow : markerHigh);
    } else {
      sink.uint8(isNullLowBeforeInversion ? markerHigh : markerLow);
      encoder(sink, value);
    }
    if (isDescending) sink.invertFrom(start);
    assert(sink.length > start, "every component has at least its marker");
  }

  /**
   * `appendValue(TypeOid.int8, BigInt(n))` with the default options (ascending, NULLS LAST) for a
   * safe integer `n`: the same bytes, without making a bigint (see `int64OrderedNumber`).
   */
  appendInt8Number(n: number): void {
    const sink = this.#sink;
    sink.uint8(markerLow);
    sink.int64OrderedNumber(n);
  }

  /** A big-endian unsigned 32-bit integer (relation and index id prefixes). */
  appendUint32(n: number): void {
    assert(Number.isInteger(n) && n >= 0 && n <= 0xffff_ffff, "appendUint32 takes an unsigned 32-bit integer");
    this.#sink.uint32(n);
  }

  /** Raw bytes, as they are (e.g. an already-encoded key prefix). */
  appendBytes(bytes: Uint8Array): void {
    this.#sink.raw(bytes);
  }

  /** A copy of the bytes written so far; the writer stays usable. */
  finish(): Uint8Array {
    return this.#sink.bytes.slice(0, this.#sink.length);
  }

  /** Empties the writer, keeping its buffer. */
  reset(): void {
    this.#sink.length = 0;
  }
}

/** The key of a single component. */
export function encodeKey(oid: number, value: SqlValue, options: KeyColumnOptions = {}): Uint8Array {
  const writer = new KeyWriter();
  writer.appendValue(oid, value, options);
  return writer.finish();
}

/**
 * The smallest key greater than every key that starts with `prefix`, the exclusive end of a
 * prefix scan; undefined when there is none (the prefix is empty or all 0xFF).
 */
export function prefixEnd(prefix: Uint8Array): Uint8Array | undefined {
  let last = prefix.length - 1;
  while (last >= 0 && prefix[last] === 0xff) last--;
  if (last < 0) return undefined;
  const end = prefix.slice(0, last + 1);
  end[last] = (end[last] ?? 0) + 1;
  assert(compareBytes(end, prefix) > 0, "a prefix end sorts after its prefix");
  return end;
}

/** Unsigned lexicographic order; a proper prefix sorts first. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const sharedLength = a.length < b.length ? a.length : b.length;
  for (let index = 0; index < sharedLength; index++) {
    const difference = (a[index] ?? 0) - (b[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return a.length - b.length;
}
