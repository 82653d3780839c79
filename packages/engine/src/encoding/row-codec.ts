/**
 * The stored form of a row's column values (the value half of a row's key-value pair): a schema
 * version, a NULL bitmap and each non-NULL value in its PostgreSQL binary form (`sendValue`).
 *
 *   +----------------+--------------+-----------------------+---------------------------------+
 *   | schema version | column count | NULL bitmap           | per non-NULL column, in order:  |
 *   | varint         | varint       | ceil(count / 8) bytes | varint length, then that many   |
 *   |                |              | bit (i & 7) of byte   | bytes of sendValue(oid, value)  |
 *   |                |              | (i >> 3): column i is |                                 |
 *   |                |              | NULL; spare bits 0    |                                 |
 *   +----------------+--------------+-----------------------+---------------------------------+
 *
 * An enum value is stored as `encodeEnumStorage` writes it (sort position and label), not as its
 * send form, so it decodes without the type's definition.
 *
 * Varints are unsigned LEB128 of at most 5 bytes (values up to 2^32 - 1), minimal: no overlong
 * forms, so a varint's size follows from its value. Nothing follows the last value.
 *
 * The column count may be smaller than the table's current column count: a row written before
 * `ALTER TABLE … ADD COLUMN` has only the columns that existed then, and `decodeRow` returns only
 * those (the caller fills the rest from the column defaults).
 *
 * Decoding is strict: truncated input, a malformed varint, a set spare bitmap bit, a value its
 * type's receive function rejects, or trailing bytes raise `DataCorruptedError` (XX001); nothing
 * loops on bad input (every loop is bounded by the column count, which is checked against `oids`).
 */
import { AssertionError, DataCorruptedError, EnumValue, TypeOid, assert, decodeEnumStorage, encodeEnumStorage, isEnumOid, recvValue, sendValue, typeInfo, type SqlValue } from "@omnikv/base";

const varintSizeBytesMax = 5;
const uint32Max = 0xffff_ffff;

/** A decoded row: `values.length` is the stored column count, which may be less than `oids.length`. */
export interface DecodedRow {
  readonly schemaVersion: number;
  readonly values: SqlValue[];
}

function varintLength(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x20_0000) return 3;
  if (value < 0x1000_0000) return 4;
  return varintSizeBytesMax;
}

function writeVarint(target: Uint8Array, offset: number, value: number): number {
  assert(Number.isInteger(value) && value >= 0 && value <= uint32Max, "a row varint is an unsigned 32-bit integer");
  let at = offset;
  let rest = value;
  while (rest >= 0x80) {
    target[at++] = (rest & 0x7f) | 0x80;
    rest = Math.floor(rest / 0x80);
  }
  target[at++] = rest;
  assert(at - offset === varintLength(value), "a varint takes varintLength bytes");
  return at;
}

/** The varint at `offset`; its size is `varintLength(value)` because overlong forms are rejected. */
function readVarint(source: Uint8Array, offset: number, what: string): number {
  let value = 0;
  for (let index = 0; index < varintSizeBytesMax; index++) {
    const byte = source[offset + index];
    if (byte === undefined) throw new DataCorruptedError(`row data is truncated in the ${what}`);
    if (index === varintSizeBytesMax - 1 && byte > 0x0f) throw new DataCorruptedError(`row data has an invalid varint as the ${what}`);
    value += (byte & 0x7f) * 2 ** (7 * index);
    if (byte < 0x80) {
      if (byte === 0 && index > 0) throw new DataCorruptedError(`row data has an overlong varint as the ${what}`);
      return value;
    }
  }
  // The fifth byte is at most 0x0f, so it always ends the varint.
  throw new AssertionError("a five-byte varint ends at its fifth byte");
}

/** The stored bytes of a row of `oids.length` columns. NULL is `null` in `values`. */
export function encodeRow(schemaVersion: number, oids: readonly number[], values: readonly SqlValue[]): Uint8Array {
  assert(Number.isInteger(schemaVersion) && schemaVersion >= 0 && schemaVersion <= uint32Max, "a schema version is an unsigned 32-bit integer");
  assert(oids.length === values.length, "a row has one value per column type");
  const count = values.length;
  const bitmapSizeBytes = (count + 7) >>> 3;
  // Per column: undefined for NULL, the size of a fixed-width value written in place, or the bytes of `sendValue`.
  const sent: (Uint8Array | number | undefined)[] = [];
  let sizeBytes = varintLength(schemaVersion) + varintLength(count) + bitmapSizeBytes;
  for (let index = 0; index < count; index++) {
    const value = values[index] ?? null;
    if (value === null) {
      sent.push(undefined);
      continue;
    }
    const fixedSize = fixedWidthSize(oids[index] ?? 0, value);
    const bytes = fixedSize === 0 ? storedBytes(oids[index] ?? 0, value) : fixedSize;
    sent.push(bytes);
    const length = typeof bytes === "number" ? bytes : bytes.length;
    sizeBytes += varintLength(length) + length;
  }

  // From Node's buffer pool (rows under 4 KiB): a `new Uint8Array` of more than 64 bytes is an
  // allocation of its own outside the heap, which cost a third of encoding a row. Callers keep a
  // row only briefly (a transaction's write copies it at once), so no pool slab is held long.
  const out = Buffer.allocUnsafe(sizeBytes);
  let at = writeVarint(out, 0, schemaVersion);
  at = writeVarint(out, at, count);
  const bitmapStart = at;
  out.fill(0, bitmapStart, bitmapStart + bitmapSizeBytes);
  at += bitmapSizeBytes;
  for (let index = 0; index < count; index++) {
    const bytes = sent[index];
    if (bytes === undefined) {
      out[bitmapStart + (index >>> 3)] = (out[bitmapStart + (index >>> 3)] ?? 0) | (1 << (index & 7));
      continue;
    }
    if (typeof bytes === "number") {
      at = writeVarint(out, at, bytes);
      writeFixedWidth(oids[index] ?? 0, values[index] ?? null, out, at);
      at += bytes;
      continue;
    }
    at = writeVarint(out, at, bytes.length);
    out.set(bytes, at);
    at += bytes.length;
  }
  assert(at === sizeBytes, "the row fills exactly its computed size");
  // A plain Uint8Array over the same bytes: a Buffer's `slice` is a view, not the copy a
  // Uint8Array's is, and code that slices a row (bytea's receive) relies on getting a copy.
  return new Uint8Array(out.buffer, out.byteOffset, sizeBytes);
}

/**
 * The schema version and values of a stored row, decoding each value as the type at its position
 * in `oids`. `values.length` is the stored column count and may be less than `oids.length` (the
 * row predates added columns); a row with more columns than `oids` is corrupt.
 */
/**
 * `columns`: decode only these (projection pruning); the others come back as NULL, their bytes
 * skipped by their length prefix without being converted.
 */
export function decodeRow(bytes: Uint8Array, oids: readonly number[], columns?: ReadonlySet<number>): DecodedRow {
  const end = bytes.length;
  const schemaVersion = readVarint(bytes, 0, "schema version");
  let at = varintLength(schemaVersion);
  const count = readVarint(bytes, at, "column count");
  at += varintLength(count);
  if (count > oids.length) throw new DataCorruptedError(`row data has ${count} columns but the table has ${oids.length}`);
  const bitmapStart = at;
  const bitmapSizeBytes = (count + 7) >>> 3;
  at += bitmapSizeBytes;
  if (at > end) throw new DataCorruptedError("row data is truncated in the null bitmap");
  const spareBits = count & 7;
  if (spareBits !== 0 && ((bytes[at - 1] ?? 0) >>> spareBits) !== 0) throw new DataCorruptedError("row data has a null bitmap bit beyond its columns");

  const values: SqlValue[] = [];
  for (let index = 0; index < count; index++) {
    if ((((bytes[bitmapStart + (index >>> 3)] ?? 0) >>> (index & 7)) & 1) !== 0) {
      values.push(null);
      continue;
    }
    const sizeBytes = readVarint(bytes, at, `length of column ${index + 1}`);
    at += varintLength(sizeBytes);
    if (sizeBytes > end - at) throw new DataCorruptedError(`row data is truncated in column ${index + 1}`);
    if (columns === undefined || columns.has(index)) {
      const oid = oids[index] ?? 0;
      values.push(isFixedWidth(oid, sizeBytes) ? decodeFixedWidth(oid, bytes, at) : receive(oid, bytes.subarray(at, at + sizeBytes), index));
    } else {
      values.push(null);
    }
    at += sizeBytes;
  }
  if (at !== end) throw new DataCorruptedError(`row data has ${end - at} bytes after its last column`);
  assert(values.length === count, "one value per stored column");
  return { schemaVersion, values };
}

// The commonest fixed-width types, encoded and decoded in place in the row's bytes: `sendValue`
// and `recvValue` allocate a buffer (or a view) and a DataView per value, which were a third of a
// scan's decoding and a tenth of a bulk insert. Same bytes and values as the types' send and
// receive functions (a test compares them); a stored value of the wrong size goes through
// `receive`, which reports it, and a value of an unexpected JavaScript type through `sendValue`,
// which asserts.

/** The size of `value` written by `writeFixedWidth`, or 0 when `sendValue` encodes it. */
function fixedWidthSize(oid: number, value: SqlValue): number {
  switch (oid) {
    case TypeOid.int4:
      return typeof value === "number" && (value | 0) === value ? 4 : 0;
    case TypeOid.int2:
      return typeof value === "number" && (value << 16) >> 16 === value ? 2 : 0;
    case TypeOid.int8:
      return typeof value === "bigint" && BigInt.asIntN(64, value) === value ? 8 : 0;
    case TypeOid.float8:
      return typeof value === "number" ? 8 : 0;
    case TypeOid.bool:
      return typeof value === "boolean" ? 1 : 0;
    case TypeOid.text:
    case TypeOid.varchar:
    case TypeOid.bpchar:
      return typeof value === "string" ? asciiLength(value) : 0;
    default:
      return 0;
  }
}

/**
 * The length of a non-empty all-ASCII string (its UTF-8 bytes are its char codes), else 0. Such
 * text (pgbench's fillers, most identifiers and codes) is written into the row in place: the
 * `TextEncoder` it replaces allocated an array per value and cost more than the rest of the row.
 */
function asciiLength(value: string): number {
  // Every char from U+0080 up (and each half of a surrogate pair, and a lone surrogate) takes at
  // least 2 UTF-8 bytes: as many bytes as chars means all ASCII.
  return Buffer.byteLength(value, "utf8") === value.length ? value.length : 0;
}

function writeFixedWidth(oid: number, value: SqlValue, out: Buffer, at: number): void {
  switch (oid) {
    case TypeOid.bool:
      out[at] = value === true ? 1 : 0;
      return;
    case TypeOid.int2:
      out[at] = (Number(value) >> 8) & 0xff;
      out[at + 1] = Number(value) & 0xff;
      return;
    case TypeOid.int4:
      writeInt32(out, at, Number(value));
      return;
    case TypeOid.int8: {
      assert(typeof value === "bigint", "fixedWidthSize admits bigint int8 values only");
      const unsigned = BigInt.asUintN(64, value);
      writeInt32(out, at, Number(unsigned >> 32n) | 0);
      writeInt32(out, at + 4, Number(unsigned & 0xffff_ffffn) | 0);
      return;
    }
    case TypeOid.text:
    case TypeOid.varchar:
    case TypeOid.bpchar: {
      assert(typeof value === "string", "fixedWidthSize admits string text values only");
      // All ASCII (fixedWidthSize checked): its latin1 bytes are its UTF-8 bytes.
      out.write(value, at, value.length, "latin1");
      return;
    }
    default: {
      assert(oid === TypeOid.float8 && typeof value === "number", "writeFixedWidth writes the types fixedWidthSize names");
      float8Value[0] = value;
      for (let i = 0; i < 8; i++) out[at + i] = float8Bytes[isLittleEndian ? 7 - i : i] ?? 0;
    }
  }
}

function writeInt32(out: Uint8Array, at: number, value: number): void {
  out[at] = value >>> 24;
  out[at + 1] = (value >>> 16) & 0xff;
  out[at + 2] = (value >>> 8) & 0xff;
  out[at + 3] = value & 0xff;
}

/** Whether `decodeFixedWidth` decodes a value of this type and size. */
function isFixedWidth(oid: number, sizeBytes: number): boolean {
  switch (oid) {
    case TypeOid.int4:
      return sizeBytes === 4;
    case TypeOid.int8:
    case TypeOid.float8:
      return sizeBytes === 8;
    case TypeOid.int2:
      return sizeBytes === 2;
    case TypeOid.bool:
      return sizeBytes === 1;
    default:
      return false;
  }
}

/** Scratch for float8: the value's bytes in the platform's order, read as a double. */
const float8Bytes = new Uint8Array(8);
const float8Value = new Float64Array(float8Bytes.buffer);
const isLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function decodeFixedWidth(oid: number, bytes: Uint8Array, at: number): SqlValue {
  const b0 = bytes[at] ?? 0;
  switch (oid) {
    case TypeOid.bool:
      return b0 !== 0;
    case TypeOid.int2:
      return (((b0 << 8) | (bytes[at + 1] ?? 0)) << 16) >> 16;
    case TypeOid.int4:
      return int32At(bytes, at);
    case TypeOid.int8: {
      const high = int32At(bytes, at);
      const low = int32At(bytes, at + 4) >>> 0;
      // |value| < 2^53 whenever the high word is in [-2^21, 2^21): one safe number, one BigInt.
      if (high >= -0x20_0000 && high < 0x20_0000) return BigInt(high * 0x1_0000_0000 + low);
      return (BigInt(high) << 32n) | BigInt(low);
    }
    default: {
      assert(oid === TypeOid.float8, "decodeFixedWidth decodes the types isFixedWidth names");
      for (let i = 0; i < 8; i++) float8Bytes[isLittleEndian ? 7 - i : i] = bytes[at + i] ?? 0;
      return float8Value[0] ?? 0;
    }
  }
}

/** The big-endian signed 32-bit integer at `at`. */
function int32At(bytes: Uint8Array, at: number): number {
  return ((bytes[at] ?? 0) << 24) | ((bytes[at + 1] ?? 0) << 16) | ((bytes[at + 2] ?? 0) << 8) | (bytes[at + 3] ?? 0);
}

/** A non-fixed-width value's bytes: its binary send form, or for an enum its storage form (position and label). */
function storedBytes(oid: number, value: SqlValue): Uint8Array {
  return value instanceof EnumValue ? encodeEnumStorage(value) : sendValue(oid, value);
}

/** `recvValue`, with a rejection of stored bytes reported as corruption (a bug stays a bug). */
function receive(oid: number, bytes: Uint8Array, index: number): SqlValue {
  if (isEnumOid(oid)) {
    const value = decodeEnumStorage(oid, bytes);
    if (value === undefined) throw new DataCorruptedError(`row data has an invalid enum value in column ${index + 1}`);
    return value;
  }
  try {
    return recvValue(oid, bytes);
  } catch (error) {
    if (error instanceof AssertionError) throw error;
    const type = typeInfo(oid)?.displayName ?? String(oid);
    throw new DataCorruptedError(`row data has an invalid ${type} value in column ${index + 1}`, { cause: error });
  }
}
