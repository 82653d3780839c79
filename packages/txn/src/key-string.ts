/**
 * Keys as strings for Maps and Sets: one char per byte (latin1), so JavaScript's string order
 * (UTF-16 code units, here all below 256) is exactly the store's unsigned byte order.
 */
import { Buffer } from "node:buffer";

/** Keys up to this length are converted char by char, which beats a Buffer view for short keys. */
const shortKeyBytesMax = 64;

export function keyString(key: Uint8Array): string {
  if (key.length <= shortKeyBytesMax) return String.fromCharCode.apply(null, byteCodes(key));
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString("latin1");
}

/**
 * `fromCharCode.apply` reads its arguments by index and length, which a Uint8Array provides;
 * the cast only tells the type checker so (no copy is made).
 */
function byteCodes(key: Uint8Array): number[] {
  // oxlint-disable-next-line typescript/no-unsafe-type-assertion -- see the doc comment above
  return key as unknown as number[];
}

export function keyBytes(key: string): Uint8Array {
  return new Uint8Array(Buffer.from(key, "latin1"));
}

/** A half-open key range in key-string form; `undefined` bounds are unbounded. */
export interface KeyRange {
  readonly gte: string | undefined;
  readonly lt: string | undefined;
}

export function rangeHas(range: KeyRange, key: string): boolean {
  return (range.gte === undefined || key >= range.gte) && (range.lt === undefined || key < range.lt);
}
