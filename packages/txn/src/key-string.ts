/**
 * Keys as strings for Maps and Sets: one char per byte (latin1), so JavaScript's string order
 * (UTF-16 code units, here all below 256) is exactly the store's unsigned byte order.
 */
import { Buffer } from "node:buffer";

export function keyString(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString("latin1");
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
