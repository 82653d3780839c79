/**
 * Shared helpers for the sstable tests: readable internal keys, a toy cipher, a sorted-array model
 * of a table, and building a table from entries in one call.
 */
import { closeSync, openSync, readSync, writeSync } from "node:fs";
import CRC32 from "crc-32";
import { assertDefined } from "@omnikv/base";
import type { BlockCipher } from "../../src/cipher.ts";
import { ValueKind, compareInternalKeys, encodeInternalKey, internalKeyKind, internalKeySequence, internalKeyUserKey } from "../../src/internal-key.ts";
import { TableBuilder, type TableBuilderOptions } from "../../src/sstable/table-builder.ts";
import type { TableProperties } from "../../src/sstable/properties.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const text = (s: string): Uint8Array => encoder.encode(s);
export const str = (b: Uint8Array): string => decoder.decode(b);

export interface Entry {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

/** An internal key from a readable user key. */
export function ikey(userKey: string | Uint8Array, sequence: number, kind: number = ValueKind.Put): Uint8Array {
  return encodeInternalKey(typeof userKey === "string" ? text(userKey) : userKey, sequence, kind);
}

/** `apple#5,PUT` style, for failure messages and golden output. */
export function describeKey(key: Uint8Array): string {
  const kind = internalKeyKind(key);
  const kindName = kind === ValueKind.Put ? "PUT" : kind === ValueKind.Delete ? "DEL" : `KIND${kind}`;
  return `${str(internalKeyUserKey(key))}#${internalKeySequence(key)},${kindName}`;
}

/** entries[index], which must exist. */
export function entryAt(entries: readonly Entry[], index: number): Entry {
  return assertDefined(entries[index], `entry ${index} of ${entries.length}`);
}

export function sortEntries(entries: Entry[]): Entry[] {
  return entries.sort((a, b) => compareInternalKeys(a.key, b.key));
}

/** Index of the first entry >= target (entries.length if none). */
export function lowerBound(entries: readonly Entry[], target: Uint8Array): number {
  let low = 0;
  let high = entries.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (compareInternalKeys(entryAt(entries, mid).key, target) < 0) low = mid + 1;
    else high = mid;
  }
  return low;
}

export async function buildTable(options: TableBuilderOptions, entries: readonly Entry[]): Promise<TableProperties> {
  const builder = new TableBuilder(options);
  for (const entry of entries) builder.add(entry.key, entry.value);
  return await builder.finish();
}

/**
 * A toy cipher: XOR with a keystream derived from (file number, offset), plus a 4-byte tag that
 * binds the plaintext to its place. Enough to test that sealing happens after compression and
 * before the checksum, and that a block moved elsewhere fails to open. Not cryptography.
 */
export class ToyCipher implements BlockCipher {
  sealCount = 0;
  openCount = 0;

  seal(fileNumber: number, offset: number, plaintext: Uint8Array): Uint8Array {
    this.sealCount += 1;
    const out = new Uint8Array(plaintext.length + 4);
    const stream = keystream(fileNumber, offset);
    for (let i = 0; i < plaintext.length; i++) out[i] = (plaintext[i] ?? 0) ^ stream(i);
    new DataView(out.buffer).setUint32(plaintext.length, tag(fileNumber, offset, plaintext), true);
    return out;
  }

  open(fileNumber: number, offset: number, sealed: Uint8Array): Uint8Array {
    this.openCount += 1;
    if (sealed.length < 4) throw new Error("sealed block too short");
    const plain = new Uint8Array(sealed.length - 4);
    const stream = keystream(fileNumber, offset);
    for (let i = 0; i < plain.length; i++) plain[i] = (sealed[i] ?? 0) ^ stream(i);
    const stored = new DataView(sealed.buffer, sealed.byteOffset, sealed.length).getUint32(plain.length, true);
    if (stored !== tag(fileNumber, offset, plain)) throw new Error("authentication failed");
    return plain;
  }
}

function keystream(fileNumber: number, offset: number): (i: number) => number {
  const base = Math.imul(fileNumber + 1, 0x9e3779b1) ^ Math.imul(offset + 7, 0x85ebca6b);
  return (i) => (Math.imul(base + i, 0x27d4eb2d) >>> 13) & 0xff;
}

function tag(fileNumber: number, offset: number, plaintext: Uint8Array): number {
  return CRC32.buf(plaintext, fileNumber * 31 + offset) >>> 0;
}

/** XORs `mask` into the byte at `offset` of a file. */
export function flipBits(path: string, offset: number, mask = 0x10): void {
  const fd = openSync(path, "r+");
  try {
    const one = new Uint8Array(1);
    readSync(fd, one, 0, 1, offset);
    one[0] = (one[0] ?? 0) ^ mask;
    writeSync(fd, one, 0, 1, offset);
  } finally {
    closeSync(fd);
  }
}
