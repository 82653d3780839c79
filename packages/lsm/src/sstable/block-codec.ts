/**
 * How a block's raw bytes become the stored bytes and trailer, and back (layout in format.ts).
 *
 *   write:  raw --lz4 if it saves >= 1/8--> payload --cipher.seal--> stored + [type, crc32]
 *   read:   stored + trailer --crc32 check--> cipher.open --decompress--> raw
 *
 * An lz4 payload is `varint rawLength | lz4 block` (lz4js's raw block API: no frame headers, no
 * second checksum; the trailer's CRC already covers the bytes). The checksum covers the sealed
 * bytes, so plain damage is reported as such before the cipher sees it; a cipher that fails to
 * authenticate is reported as corruption too. After decompression the length must match exactly.
 *
 * Compression is adaptive within a table: an attempt on an incompressible 4 KiB block costs about
 * as much as building it (lz4js scans it all), so after `incompressibleStreakMax` blocks in a row
 * fail to shrink by an eighth, only every `probeInterval`-th block is tried until one compresses
 * again. A table of random values then pays for a few attempts, not one per block.
 *
 * The block CRC is node:zlib's `crc32`: the same CRC-32 as the `crc-32` package (the footer's, and
 * the tests' reference), native, and about 2.5x faster over a 4 KiB block, which a read that
 * misses the block cache pays for every block.
 */
import { assert, invariants } from "@omnikv/base";
import { crc32 } from "node:zlib";
import * as lz4 from "lz4js";
import type { BlockCipher } from "../cipher.ts";
import { readVarint, varintLength, writeVarint } from "../internal/bytes.ts";
import {
  blockBytesLimit,
  blockCorruption,
  blockTrailerBytes,
  CompressionType,
  hex,
  readUint32,
  writeUint32,
  type BlockLocation,
} from "./format.ts";

/** lz4's hash table size, fixed by lz4js (16-bit hashes). */
const lz4HashTableLength = 1 << 16;
/** Consecutive incompressible blocks after which compression is only probed. */
export const incompressibleStreakMax = 8;
/** While probing, one block in this many is tried. */
export const probeInterval = 16;

export interface EncodedBlock {
  /** The stored bytes; may be a view into the encoder's reused buffer (valid until the next encode). */
  readonly payload: Uint8Array;
  readonly type: CompressionType;
}

/** Encodes the blocks of one table; reuses its compression buffers from block to block. */
export class BlockEncoder {
  readonly #isCompressing: boolean;
  readonly #cipher: BlockCipher | undefined;
  readonly #fileNumber: number;
  #compressed = new Uint8Array(0);
  readonly #hashTable = new Uint32Array(lz4HashTableLength);
  /** Compressible blocks that failed to shrink enough, in a row. */
  #incompressibleStreak = 0;

  constructor(options: { readonly isCompressing: boolean; readonly cipher: BlockCipher | undefined; readonly fileNumber: number }) {
    this.#isCompressing = options.isCompressing;
    this.#cipher = options.cipher;
    this.#fileNumber = options.fileNumber;
  }

  /** Encodes `raw` for storage at file offset `offset`; `isCompressible` is false for filter bits. */
  encode(raw: Uint8Array, offset: number, isCompressible: boolean): EncodedBlock {
    assert(raw.length > 0, "blocks are never empty");
    assert(raw.length <= blockBytesLimit, "block within the size limit");
    let payload = raw;
    let type: CompressionType = CompressionType.None;
    if (this.#isCompressing && isCompressible && this.#isWorthTrying()) {
      const compressed = this.#compress(raw);
      if (compressed === undefined) {
        this.#incompressibleStreak += 1;
      } else {
        this.#incompressibleStreak = 0;
        payload = compressed;
        type = CompressionType.Lz4;
      }
    }
    if (this.#cipher !== undefined) payload = this.#cipher.seal(this.#fileNumber, offset, payload);
    assert(payload.length > 0 && payload.length <= blockBytesLimit, "stored block within the size limit");
    return { payload, type };
  }

  /** Whether to try compressing the next block: always, unless a streak of failures says probe. */
  #isWorthTrying(): boolean {
    if (this.#incompressibleStreak < incompressibleStreakMax) return true;
    // Count the skipped blocks in the streak, so every probeInterval-th one is tried.
    const isProbe = (this.#incompressibleStreak - incompressibleStreakMax) % probeInterval === probeInterval - 1;
    if (!isProbe) this.#incompressibleStreak += 1;
    return isProbe;
  }

  /** The lz4 payload, or `undefined` when compression saves less than an eighth. */
  #compress(raw: Uint8Array): Uint8Array | undefined {
    const headerBytes = varintLength(raw.length);
    const bound = headerBytes + lz4.compressBound(raw.length);
    if (this.#compressed.length < bound) this.#compressed = new Uint8Array(bound);
    // lz4js trusts stale hash-table entries only after re-reading the bytes, but an entry at the
    // same position as the cursor would encode a zero offset: start every block clean.
    this.#hashTable.fill(0);
    const start = writeVarint(this.#compressed, 0, raw.length);
    const lz4Bytes = lz4.compressBlock(raw, this.#compressed.subarray(start), 0, raw.length, this.#hashTable);
    const storedBytes = start + lz4Bytes;
    if (lz4Bytes === 0 || storedBytes * 8 > raw.length * 7) return undefined;
    const payload = this.#compressed.subarray(0, storedBytes);
    if (invariants.enabled) assertRoundTrip(raw, payload);
    return payload;
  }
}

/** Fills `trailer` (5 bytes) for `payload` of compression `type`. */
export function writeBlockTrailer(trailer: Uint8Array, payload: Uint8Array, type: CompressionType): void {
  assert(trailer.length === blockTrailerBytes, "trailer buffer is exactly a trailer");
  trailer[0] = type;
  const crc = crc32(trailer.subarray(0, 1), crc32(payload));
  writeUint32(trailer, 1, crc);
}

export interface BlockReadContext {
  readonly fileNumber: number;
  readonly cipher: BlockCipher | undefined;
  readonly verifyChecksum: boolean;
}

/**
 * The raw block from `stored` = stored bytes + trailer as read from the file. The result may be a
 * view into `stored` (no compression, no cipher), which the caller then owns.
 */
export function decodeStoredBlock(stored: Uint8Array, location: BlockLocation, context: BlockReadContext): Uint8Array {
  assert(stored.length >= blockTrailerBytes, "stored block includes its trailer");
  const size = stored.length - blockTrailerBytes;
  const type = stored[size] ?? 0;
  if (context.verifyChecksum) {
    const expected = readUint32(stored, size + 1);
    const actual = crc32(stored.subarray(0, size + 1));
    if (expected !== actual) throw blockCorruption(location, `block checksum mismatch (stored ${hex(expected)}, computed ${hex(actual)})`);
  }
  let payload = stored.subarray(0, size);
  if (context.cipher !== undefined) payload = openBlock(context.cipher, context.fileNumber, payload, location);
  switch (type) {
    case CompressionType.None:
      return payload;
    case CompressionType.Lz4:
      return decompress(payload, location);
    default:
      throw blockCorruption(location, `unknown compression type ${type}`);
  }
}

function openBlock(cipher: BlockCipher, fileNumber: number, sealed: Uint8Array, location: BlockLocation): Uint8Array {
  try {
    return cipher.open(fileNumber, location.offset, sealed);
  } catch (error) {
    throw blockCorruption(location, "block fails to authenticate (cipher open failed)", error);
  }
}

function decompress(payload: Uint8Array, location: BlockLocation): Uint8Array {
  const header = readVarint(payload, 0, payload.length);
  if (header === undefined || header.value === 0 || header.value > blockBytesLimit) {
    throw blockCorruption(location, "malformed lz4 block length");
  }
  const raw = new Uint8Array(header.value);
  // lz4js only indexes the typed arrays it is given: reads past their end yield undefined, writes
  // past it are dropped, and its loops are bounded by the input length. So damaged input yields
  // a wrong length at worst, which is checked below.
  const produced = lz4.decompressBlock(payload, raw, header.next, payload.length - header.next, 0);
  if (produced !== header.value) throw blockCorruption(location, `lz4 block decompresses to ${produced} bytes, expected ${header.value}`);
  return raw;
}

function assertRoundTrip(raw: Uint8Array, payload: Uint8Array): void {
  const back = decompress(payload, { path: "<encoder>", offset: -1, what: "lz4 round trip" });
  assert(back.length === raw.length, "lz4 round trip keeps the length");
  for (let i = 0; i < raw.length; i++) assert(back[i] === raw[i], "lz4 round trip keeps the bytes");
}
