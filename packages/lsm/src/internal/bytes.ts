/**
 * Byte-string helpers the whole package shares: the key order (unsigned lexicographic, as
 * LevelDB's default comparator and memcmp) and little-endian varints.
 */

/** Unsigned lexicographic order; a proper prefix sorts first. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** `compareBytes` of a[aStart, aEnd) and b[bStart, bEnd) without making subarrays. */
export function compareRanges(a: Uint8Array, aStart: number, aEnd: number, b: Uint8Array, bStart: number, bEnd: number): number {
  const aLength = aEnd - aStart;
  const bLength = bEnd - bStart;
  const n = aLength < bLength ? aLength : bLength;
  for (let i = 0; i < n; i++) {
    const d = (a[aStart + i] ?? 0) - (b[bStart + i] ?? 0);
    if (d !== 0) return d;
  }
  return aLength - bLength;
}

/** Bytes a varint of `value` (a non-negative safe integer) takes. */
export function varintLength(value: number): number {
  let length = 1;
  let v = value;
  while (v >= 0x80) {
    v = Math.floor(v / 0x80);
    length += 1;
  }
  return length;
}

/** Writes `value` as an unsigned LEB128 varint at `offset`; returns the offset after it. */
export function writeVarint(target: Uint8Array, offset: number, value: number): number {
  let at = offset;
  let v = value;
  while (v >= 0x80) {
    target[at++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 0x80);
  }
  target[at++] = v;
  return at;
}

/** A decoded varint and the offset after it, or `undefined` when the bytes end or run past 2^53. */
export function readVarint(source: Uint8Array, offset: number, end: number): { value: number; next: number } | undefined {
  let value = 0;
  let scale = 1;
  for (let at = offset; at < end && scale <= 2 ** 49; at++) {
    const byte = source[at] ?? 0;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return { value, next: at + 1 };
    scale *= 0x80;
  }
  return undefined;
}

/**
 * A copy of `bytes` that the caller owns. `Buffer.allocUnsafe` takes small buffers from Node's
 * shared pool, about three times cheaper here than `Uint8Array.prototype.slice` (120 ns against
 * 370 ns for 100 bytes); every byte is overwritten, so nothing stale leaks.
 */
export function copyBytes(bytes: Uint8Array, start = 0, end = bytes.length): Uint8Array {
  const out = Buffer.allocUnsafe(end - start);
  // A whole view is copied as it is: making a subarray costs as much as the copy of a small value.
  out.set(start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end));
  return out;
}

/**
 * The 4 bytes at bytes[at, end), big-endian, zero-padded past `end`, as an unsigned number. Word
 * order never contradicts byte order (a shorter key pads with zeros, and a proper prefix sorts
 * first): unequal words of two keys at the same offset order the keys; equal words say nothing.
 */
export function wordAfter(bytes: Uint8Array, at: number, end: number): number {
  const b0 = at < end ? (bytes[at] ?? 0) : 0;
  const b1 = at + 1 < end ? (bytes[at + 1] ?? 0) : 0;
  const b2 = at + 2 < end ? (bytes[at + 2] ?? 0) : 0;
  const b3 = at + 3 < end ? (bytes[at + 3] ?? 0) : 0;
  return ((b0 << 24) | (b1 << 16) | (b2 << 8) | b3) >>> 0;
}
