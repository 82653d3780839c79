/**
 * Internal keys addressed as byte ranges of a larger buffer: a key inside a block, in the
 * concatenated index keys, or in a reused scratch buffer. The read path compares and decodes keys
 * in place with these, so a lookup makes no subarray views.
 *
 * The order and trailer layout are those of `../internal-key.ts`; a range always covers a whole
 * internal key (user key + 8-byte trailer), which the block decoder checks before calling here.
 */
import { trailerBytes } from "../internal-key.ts";
import { compareRanges } from "../internal/bytes.ts";

/** `compareInternalKeys` of a[aStart, aEnd) and b[bStart, bEnd). */
export function compareInternalKeyRanges(
  a: Uint8Array,
  aStart: number,
  aEnd: number,
  b: Uint8Array,
  bStart: number,
  bEnd: number,
): number {
  const aUserEnd = aEnd - trailerBytes;
  const bUserEnd = bEnd - trailerBytes;
  const byUser = compareRanges(a, aStart, aUserEnd, b, bStart, bUserEnd);
  if (byUser !== 0) return byUser;
  // Trailers compare descending: larger sequence (then larger kind) first.
  return compareRanges(b, bUserEnd, bEnd, a, aUserEnd, aEnd);
}

/** Whether the user key of the internal key at a[start, end) equals `userKey`. */
export function hasUserKey(a: Uint8Array, start: number, end: number, userKey: Uint8Array): boolean {
  const length = end - trailerBytes - start;
  if (length !== userKey.length) return false;
  for (let i = 0; i < length; i++) {
    if (a[start + i] !== userKey[i]) return false;
  }
  return true;
}

/** The sequence number in the trailer of the internal key ending at `end`. */
export function sequenceAt(a: Uint8Array, end: number): number {
  const t = end - trailerBytes;
  const high = ((a[t] ?? 0) << 16) | ((a[t + 1] ?? 0) << 8) | (a[t + 2] ?? 0);
  const low = (((a[t + 3] ?? 0) << 24) | ((a[t + 4] ?? 0) << 16) | ((a[t + 5] ?? 0) << 8) | (a[t + 6] ?? 0)) >>> 0;
  return high * 0x1_0000_0000 + low;
}

/** The kind byte of the internal key ending at `end`. */
export function kindAt(a: Uint8Array, end: number): number {
  return a[end - 1] ?? 0;
}
