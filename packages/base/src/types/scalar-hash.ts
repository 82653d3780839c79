/**
 * PostgreSQL 15's hash support functions for the scalar types (`hashint4`, `hashtext`, ...), bit
 * for bit, so hash joins, hash aggregation and hash partitioning agree with PostgreSQL and
 * `SELECT hashint4(5)` returns the same number.
 *
 * The core is `hash_bytes` / `hash_bytes_uint32` of `src/common/hashfn.c`: Bob Jenkins' lookup3
 * with PostgreSQL's seed (0x9e3779b9 + length + 3923095) and its little-endian tail layout, in
 * which the lowest byte of `c` is left for the length:
 *
 *   bytes  0..3 -> a   4..7 -> b   8..10 -> c << 8   (whole 12-byte blocks: 8..11 -> c)
 *
 * The other types reuse these: date hashes as `hashInt4` of its day number, time, timestamp and
 * timestamptz as `hashInt8` of their microseconds (`time_hash`, `timestamp_hash`), bytea as
 * `hashBytes` of its bytes (`hashvarlena`); numeric, interval, arrays and jsonb have their own
 * below.
 *
 * Invariants: every result is a signed int32, as the SQL functions return it. Values equal under
 * their type's `=` hash equal: -0 and 0, every NaN, bpchars differing in trailing spaces,
 * int2/int4/int8 (and float4/float8) holding the same number (PostgreSQL's cross-type hash
 * opfamilies rely on that), numerics differing only in trailing zeros (1.0 and 1.00), intervals
 * of equal span ('1 day' and '24 hours').
 */
import { assert, assertNever } from "../assert.ts";
import type { PgArray } from "./array.ts";
import type { IntervalValue } from "./datetime-core.ts";
import type { JsonbValue } from "./json-value.ts";
import { Numeric } from "./numeric.ts";
import { bpcharTrimmed, utf8Bytes } from "./scalar-text.ts";

function rotate(value: number, count: number): number {
  return (value << count) | (value >>> (32 - count));
}

interface State {
  a: number;
  b: number;
  c: number;
}

function mix(state: State): void {
  let { a, b, c } = state;
  a = (a - c) | 0; a ^= rotate(c, 4); c = (c + b) | 0;
  b = (b - a) | 0; b ^= rotate(a, 6); a = (a + c) | 0;
  c = (c - b) | 0; c ^= rotate(b, 8); b = (b + a) | 0;
  a = (a - c) | 0; a ^= rotate(c, 16); c = (c + b) | 0;
  b = (b - a) | 0; b ^= rotate(a, 19); a = (a + c) | 0;
  c = (c - b) | 0; c ^= rotate(b, 4); b = (b + a) | 0;
  state.a = a;
  state.b = b;
  state.c = c;
}

function finalMix(state: State): number {
  let { a, b, c } = state;
  c ^= b; c = (c - rotate(b, 14)) | 0;
  a ^= c; a = (a - rotate(c, 11)) | 0;
  b ^= a; b = (b - rotate(a, 25)) | 0;
  c ^= b; c = (c - rotate(b, 16)) | 0;
  a ^= c; a = (a - rotate(c, 4)) | 0;
  b ^= a; b = (b - rotate(a, 14)) | 0;
  c ^= b; c = (c - rotate(b, 24)) | 0;
  return c | 0;
}

function readWord(bytes: Uint8Array, at: number, count: number): number {
  let word = 0;
  for (let index = 0; index < count; index++) word |= (bytes[at + index] ?? 0) << (8 * index);
  return word | 0;
}

/** `hash_bytes` (SQL `hash_any`): lookup3 over the bytes. */
export function hashBytes(bytes: Uint8Array): number {
  const seed = (0x9e3779b9 + bytes.length + 3923095) | 0;
  const state: State = { a: seed, b: seed, c: seed };
  let at = 0;
  while (bytes.length - at >= 12) {
    state.a = (state.a + readWord(bytes, at, 4)) | 0;
    state.b = (state.b + readWord(bytes, at + 4, 4)) | 0;
    state.c = (state.c + readWord(bytes, at + 8, 4)) | 0;
    mix(state);
    at += 12;
  }
  const left = bytes.length - at;
  assert(left >= 0 && left < 12, "at most 11 bytes remain after the blocks");
  state.a = (state.a + readWord(bytes, at, Math.min(left, 4))) | 0;
  if (left > 4) state.b = (state.b + readWord(bytes, at + 4, Math.min(left - 4, 4))) | 0;
  if (left > 8) state.c = (state.c + (readWord(bytes, at + 8, left - 8) << 8)) | 0;
  return finalMix(state);
}

/** `hash_bytes_uint32` (SQL `hash_uint32`): lookup3 of one 32-bit word. */
export function hashUint32(value: number): number {
  assert(Number.isInteger(value), "a hashed word is an integer");
  const seed = (0x9e3779b9 + 4 + 3923095) | 0;
  return finalMix({ a: (seed + (value | 0)) | 0, b: seed, c: seed });
}

/** `hashint2`, `hashint4`, `hashoid`: the value's (sign-extended) 32 bits. */
export function hashInt4(value: number): number {
  return hashUint32(value);
}

/** `hashint8`: folds the high half in so values in int4 range hash as `hashint4` does. */
export function hashInt8(value: bigint): number {
  const low = Number(BigInt.asUintN(32, value));
  const high = Number(BigInt.asUintN(32, value >> 32n));
  return hashUint32(value >= 0n ? low ^ high : low ^ ~high);
}

/** `hashchar` as the bool opclass uses it. */
export function hashBool(value: boolean): number {
  return hashUint32(value ? 1 : 0);
}

const float8Scratch = new DataView(new ArrayBuffer(8));

/** `hashfloat8` (also `hashfloat4`, which widens first): 0 for ±0, one hash for every NaN. */
export function hashFloat8(value: number): number {
  if (value === 0) return 0;
  // PostgreSQL hashes get_float8_nan(), the quiet NaN 0x7ff8000000000000, for every NaN.
  if (Number.isNaN(value)) float8Scratch.setBigUint64(0, 0x7ff8_0000_0000_0000n, true);
  else float8Scratch.setFloat64(0, value, true);
  return hashBytes(new Uint8Array(float8Scratch.buffer.slice(0)));
}

/** `hashtext` under a deterministic collation (C): the UTF-8 bytes. */
export function hashText(value: string): number {
  return hashBytes(utf8Bytes(value));
}

/** `hashbpchar`: the text without its trailing spaces. */
export function hashBpchar(value: string): number {
  return hashText(bpcharTrimmed(value));
}

/** `uuid_hash`: the 16 bytes. */
export function hashUuid(value: string): number {
  assert(value.length === 36, "a uuid value is canonical");
  const hex = value.replaceAll("-", "");
  const bytes = new Uint8Array(16);
  for (let index = 0; index < 16; index++) bytes[index] = Number.parseInt(hex.slice(index * 2, index * 2 + 2), 16);
  return hashBytes(bytes);
}

/**
 * `hash_numeric`: NaN and the infinities hash to 0, zero to -1; otherwise `hash_any` over the
 * base-10000 digits without leading and trailing zero digits, as int16s in memory (little-endian,
 * the byte order of the machines PostgreSQL runs on), XORed with the weight of the first digit.
 * The digits and weight are those of the binary send format, which strips zero digits the same way.
 */
export function hashNumeric(value: Numeric): number {
  if (!value.isFinite) return 0;
  const sent = value.toBinary();
  const view = new DataView(sent.buffer, sent.byteOffset, sent.byteLength);
  const digitCount = view.getInt16(0);
  if (digitCount === 0) return -1;
  const weight = view.getInt16(2);
  const digits = new Uint8Array(2 * digitCount);
  const digitView = new DataView(digits.buffer);
  for (let index = 0; index < digitCount; index++) digitView.setInt16(2 * index, view.getInt16(8 + 2 * index), true);
  assert(digitView.getInt16(0, true) !== 0 && digitView.getInt16(2 * digitCount - 2, true) !== 0, "zero digits are stripped");
  return (hashBytes(digits) ^ weight) | 0;
}

const microsPerDay = 86_400_000_000n;

/** `interval_hash`: `hashint8` of the low 64 bits of the span, months counted as 30 days. */
export function hashInterval(value: IntervalValue): number {
  const span = value.micros + (BigInt(value.months) * 30n + BigInt(value.days)) * microsPerDay;
  return hashInt8(BigInt.asIntN(64, span));
}

/**
 * `hash_array`: `h = h * 31 + hash(element)` in uint32 arithmetic from 1, over the elements in
 * storage order with NULL hashing as 0; dimensions and lower bounds are not hashed.
 */
export function hashArray<T>(value: PgArray<T>, hashElement: (element: T) => number): number {
  let result = 1;
  for (const element of value.elements) {
    const elementHash = element === null ? 0 : hashElement(element);
    result = (Math.imul(result, 31) + elementHash) | 0;
  }
  return result;
}

/** jsonb container flags as `jsonb_hash` mixes them in (JB_FARRAY, JB_FOBJECT). */
const jsonbArrayFlag = 0x4000_0000;
const jsonbObjectFlag = 0x2000_0000;

/** JsonbHashScalarValue: rotate the running hash left by one, XOR in the scalar's hash. */
function mixJsonbScalar(hash: number, value: Exclude<JsonbValue, { kind: "array" | "object" }>): number {
  let scalarHash: number;
  switch (value.kind) {
    case "null":
      scalarHash = 0x01;
      break;
    case "bool":
      scalarHash = value.value ? 0x02 : 0x04;
      break;
    case "string":
      scalarHash = hashText(value.value);
      break;
    case "number":
      scalarHash = hashNumeric(Numeric.parse(value.text));
      break;
  }
  return (rotate(hash, 1) ^ scalarHash) | 0;
}

/** jsonb_hash's walk: a container XORs its flag in, then every key, value and element mixes in order. */
function mixJsonb(hash: number, value: JsonbValue): number {
  switch (value.kind) {
    case "array":
      return value.elements.reduce(mixJsonb, hash ^ jsonbArrayFlag);
    case "object":
      return value.entries.reduce((h, entry) => mixJsonb(mixJsonbScalar(h, { kind: "string", value: entry.key }), entry.value), hash ^ jsonbObjectFlag);
    case "null":
    case "bool":
    case "string":
    case "number":
      return mixJsonbScalar(hash, value);
  }
  return assertNever(value);
}

/**
 * `jsonb_hash`: 0 for an empty array or object at the top; a scalar document hashes as the raw
 * scalar pseudo-array PostgreSQL stores it as. Object keys come in jsonb's stored order, which is
 * the order of `entries`.
 */
export function hashJsonb(value: JsonbValue): number {
  if (value.kind === "array" && value.elements.length === 0) return 0;
  if (value.kind === "object" && value.entries.length === 0) return 0;
  if (value.kind !== "array" && value.kind !== "object") return mixJsonbScalar(jsonbArrayFlag, value);
  return mixJsonb(0, value);
}
