/**
 * A point lookup inside one block, without an iterator: the newest version of a user key with
 * sequence <= a snapshot, in the block the table index picked (the one holding the first entry >=
 * (userKey, snapshot)). It is `BlockIterator.seek` specialised for `TableReader.get`: it compares
 * the user key and the sequence directly instead of whole internal keys against a seek key, and
 * works on the block's bytes alone: the footer, hash index and restart offsets are read from the
 * block's tail, so a lookup touches the bytes object, the tail (one or two cache lines) and the
 * entries it scans, not the `Block` object or its restart array (each a cache miss when the
 * block cache is larger than the CPU's).
 *
 *   start:  the hash index names the restart interval of the key's first entry, or says the key
 *           is not in the block; without an index, or for a shared bucket, binary-search the
 *           restart keys for the last one that sorts before (userKey, snapshot);
 *   scan:   decode entries forward; a smaller user key, or the key at a sequence above the
 *           snapshot, continues; the key at or below the snapshot is the answer; a larger user
 *           key or the end of the block means the block has no visible version of it.
 *
 * Trust: the bytes must be those of a decoded `Block` (block.ts), whose restart array and hash
 * index were checked then; the reader passes the bytes of the blocks it decoded, nothing else.
 * Entries are not: every varint and length is bounds-checked against the entry region, a restart
 * entry must share nothing and no entry may share more than the previous key holds, so damage is
 * a `CorruptionError` or a miss, never a read outside the block. (The iterator's order and
 * restart-straddling checks are left to scans and `verify`.)
 */
import { assert } from "@omnikv/base";
import { trailerBytes } from "../internal-key.ts";
import { blockFlagHashIndex, hashIndexTrailerBytes, hashLookupAbsent, hashLookupUnknown, lookupHashIndex } from "./block-hash-index.ts";
import { blockCorruption, readUint32 } from "./format.ts";

/** Where a block's parts are, read from its tail. */
interface BlockShape {
  restartsOffset: number;
  restartCount: number;
  bucketsOffset: number;
  bucketCount: number;
}

/** Reused across lookups: the key being decoded and, after `find` returns true, the entry found. */
export class BlockLookup {
  #key = new Uint8Array(64);
  kind = 0;
  sequence = 0;
  valueOffset = 0;
  valueLength = 0;
  /** Header of the entry last decoded: fields, so decoding allocates nothing. */
  #shared = 0;
  #unshared = 0;
  #valueLengthNext = 0;
  #cursor = 0;
  readonly #shape: BlockShape = { restartsOffset: 0, restartCount: 0, bucketsOffset: 0, bucketCount: 0 };
  /** For error messages only: the table and the block's offset in it. */
  #path = "";
  #blockOffset = 0;

  /**
   * Finds the newest version of `userKey` with sequence <= `snapshot` in the decoded block
   * `bytes`, which lies at `blockOffset` in table `path`; `hash` is the key's `bloomHash`. True:
   * `kind`, `sequence`, `valueOffset` and `valueLength` describe it (the value is
   * bytes[valueOffset, + valueLength)).
   */
  find(bytes: Uint8Array, where: { readonly path: string; readonly blockOffset: number }, userKey: Uint8Array, snapshot: number, hash: number): boolean {
    readShape(bytes, this.#shape);
    return this.#find(bytes, where, userKey, snapshot, hash);
  }

  /**
   * `find` in a block whose shape the caller took from its decoded `Block` (`restartsOffset`,
   * `restartCount`, `hashBucketsOffset`, `hashBucketCount`, checked at decode) and kept in a flat
   * array: the block's tail is not read, one cache miss fewer per lookup when blocks are resident.
   */
  findWithShape(
    bytes: Uint8Array,
    where: { readonly path: string; readonly blockOffset: number },
    userKey: Uint8Array,
    snapshot: number,
    hash: number,
    shapes: Int32Array,
    shapeAt: number,
  ): boolean {
    const shape = this.#shape;
    shape.restartsOffset = shapes[shapeAt] ?? 0;
    shape.restartCount = shapes[shapeAt + 1] ?? 0;
    shape.bucketsOffset = shapes[shapeAt + 2] ?? 0;
    shape.bucketCount = shapes[shapeAt + 3] ?? 0;
    return this.#find(bytes, where, userKey, snapshot, hash);
  }

  #find(bytes: Uint8Array, where: { readonly path: string; readonly blockOffset: number }, userKey: Uint8Array, snapshot: number, hash: number): boolean {
    this.#path = where.path;
    this.#blockOffset = where.blockOffset;
    const shape = this.#shape;
    const restart = shape.bucketCount === 0 ? hashLookupUnknown : lookupHashIndex(bytes, shape.bucketsOffset, shape.bucketCount, hash);
    if (restart === hashLookupAbsent) return false;
    const start = restart === hashLookupUnknown ? this.#searchRestarts(bytes, userKey, snapshot) : restart;
    assert(start >= 0 && start < shape.restartCount, "lookup starts at a restart point");
    return this.#scan(bytes, restartOffset(bytes, shape, start), userKey, snapshot);
  }

  /** Decodes entries from `at` until the answer or proof there is none. */
  #scan(bytes: Uint8Array, from: number, userKey: Uint8Array, snapshot: number): boolean {
    const limit = this.#shape.restartsOffset;
    const userLength = userKey.length;
    let keyLength = 0;
    let at = from;
    while (at < limit) {
      this.#readHeader(bytes, at);
      const shared = this.#shared;
      const unshared = this.#unshared;
      const keyStart = this.#cursor;
      const valueStart = keyStart + unshared;
      const next = valueStart + this.#valueLengthNext;
      if (shared > keyLength || (at === from && shared !== 0)) throw this.#corruption(at, `shares ${shared} bytes with a ${keyLength}-byte previous key`);
      if (next > limit) throw this.#corruption(at, `key and value end at ${next}, past the entries (${limit})`);
      keyLength = shared + unshared;
      if (keyLength < trailerBytes) throw this.#corruption(at, `key of ${keyLength} bytes is not an internal key`);
      const key = this.#keyOfLength(keyLength, shared);
      for (let i = 0; i < unshared; i++) key[shared + i] = bytes[keyStart + i] ?? 0;
      const order = compareUserKey(key, keyLength - trailerBytes, userKey, userLength);
      if (order > 0) return false;
      if (order === 0 && this.#takeIfVisible(key, keyLength, snapshot)) {
        this.valueOffset = valueStart;
        this.valueLength = this.#valueLengthNext;
        return true;
      }
      at = next;
    }
    return false;
  }

  /** Whether the version in key[0, keyLength) is visible at `snapshot`; if so, notes its kind and sequence. */
  #takeIfVisible(key: Uint8Array, keyLength: number, snapshot: number): boolean {
    const t = keyLength - trailerBytes;
    const high = ((key[t] ?? 0) << 16) | ((key[t + 1] ?? 0) << 8) | (key[t + 2] ?? 0);
    const low = (((key[t + 3] ?? 0) << 24) | ((key[t + 4] ?? 0) << 16) | ((key[t + 5] ?? 0) << 8) | (key[t + 6] ?? 0)) >>> 0;
    const sequence = high * 0x1_0000_0000 + low;
    if (sequence > snapshot) return false;
    this.sequence = sequence;
    this.kind = key[t + 7] ?? 0;
    return true;
  }

  /** The last restart whose key sorts before (userKey, snapshot), or 0: the scan starts there. */
  #searchRestarts(bytes: Uint8Array, userKey: Uint8Array, snapshot: number): number {
    let left = 0;
    let right = this.#shape.restartCount - 1;
    while (left < right) {
      const mid = (left + right + 1) >>> 1;
      if (this.#restartKeyIsBefore(bytes, mid, userKey, snapshot)) left = mid;
      else right = mid - 1;
    }
    return left;
  }

  /** Whether the (whole) key at restart `index` sorts before (userKey, snapshot, seek kind). */
  #restartKeyIsBefore(bytes: Uint8Array, index: number, userKey: Uint8Array, snapshot: number): boolean {
    const at = restartOffset(bytes, this.#shape, index);
    this.#readHeader(bytes, at);
    const keyLength = this.#unshared;
    const keyStart = this.#cursor;
    if (this.#shared !== 0 || keyLength < trailerBytes) throw this.#corruption(at, "malformed restart entry");
    if (keyStart + keyLength + this.#valueLengthNext > this.#shape.restartsOffset) throw this.#corruption(at, "restart entry runs past the entries");
    const userLength = keyLength - trailerBytes;
    const n = userLength < userKey.length ? userLength : userKey.length;
    for (let i = 0; i < n; i++) {
      const d = (bytes[keyStart + i] ?? 0) - (userKey[i] ?? 0);
      if (d !== 0) return d < 0;
    }
    if (userLength !== userKey.length) return userLength < userKey.length;
    // Same user key: before the seek key iff its sequence is above the snapshot (newest first).
    const t = keyStart + userLength;
    const high = ((bytes[t] ?? 0) << 16) | ((bytes[t + 1] ?? 0) << 8) | (bytes[t + 2] ?? 0);
    const low = (((bytes[t + 3] ?? 0) << 24) | ((bytes[t + 4] ?? 0) << 16) | ((bytes[t + 5] ?? 0) << 8) | (bytes[t + 6] ?? 0)) >>> 0;
    return high * 0x1_0000_0000 + low > snapshot;
  }

  /** The key buffer, able to hold `length` bytes, keeping its first `keep` bytes. */
  #keyOfLength(length: number, keep: number): Uint8Array {
    if (length > this.#key.length) {
      const grown = new Uint8Array(Math.max(length, 2 * this.#key.length));
      grown.set(this.#key.subarray(0, keep));
      this.#key = grown;
    }
    return this.#key;
  }

  /** Decodes the entry header at `at` into the header fields; `#cursor` ends after it. */
  #readHeader(bytes: Uint8Array, at: number): void {
    const limit = this.#shape.restartsOffset;
    if (at + 3 <= limit) {
      const shared = bytes[at] ?? 0;
      const unshared = bytes[at + 1] ?? 0;
      const valueLength = bytes[at + 2] ?? 0;
      if ((shared | unshared | valueLength) < 0x80) {
        this.#shared = shared;
        this.#unshared = unshared;
        this.#valueLengthNext = valueLength;
        this.#cursor = at + 3;
        return;
      }
    }
    this.#cursor = at;
    this.#shared = this.#readVarint(bytes, limit);
    this.#unshared = this.#readVarint(bytes, limit);
    this.#valueLengthNext = this.#readVarint(bytes, limit);
    if (this.#shared < 0 || this.#unshared < 0 || this.#valueLengthNext < 0) throw this.#corruption(at, "malformed entry header");
  }

  #corruption(entryOffset: number, detail: string): Error {
    return blockCorruption({ path: this.#path, offset: this.#blockOffset, what: "data block" }, `entry at block byte ${entryOffset}: ${detail}`);
  }

  /** A varint of at most 5 bytes at `#cursor`, or -1 when malformed or past `limit`. */
  #readVarint(bytes: Uint8Array, limit: number): number {
    let at = this.#cursor;
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 5 && at < limit; i++) {
      const byte = bytes[at++] ?? 0;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) {
        this.#cursor = at;
        return value;
      }
      scale *= 0x80;
    }
    return -1;
  }
}

/** The number of `Int32Array` slots one block's shape takes in `findWithShape`'s `shapes`. */
export const blockShapeSlots = 4;

/** Fills `shape` from the footer (and hash index count) at the end of the decoded block `bytes`. */
function readShape(bytes: Uint8Array, shape: BlockShape): BlockShape {
  const footerOffset = bytes.length - 4;
  const footer = readUint32(bytes, footerOffset);
  const restartCount = footer & ~blockFlagHashIndex;
  let restartsEnd = footerOffset;
  shape.bucketCount = 0;
  if ((footer & blockFlagHashIndex) !== 0) {
    const countOffset = footerOffset - hashIndexTrailerBytes;
    shape.bucketCount = (bytes[countOffset] ?? 0) | ((bytes[countOffset + 1] ?? 0) << 8);
    shape.bucketsOffset = countOffset - shape.bucketCount;
    restartsEnd = shape.bucketsOffset;
  }
  shape.restartCount = restartCount;
  shape.restartsOffset = restartsEnd - 4 * restartCount;
  return shape;
}

/** Restart `index`'s offset, read from the block bytes (checked at decode). */
function restartOffset(bytes: Uint8Array, shape: BlockShape, index: number): number {
  return readUint32(bytes, shape.restartsOffset + 4 * index);
}

/** key[0, keyUserLength) against userKey, bytewise; a proper prefix sorts first. */
function compareUserKey(key: Uint8Array, keyUserLength: number, userKey: Uint8Array, userLength: number): number {
  const n = keyUserLength < userLength ? keyUserLength : userLength;
  for (let i = 0; i < n; i++) {
    const d = (key[i] ?? 0) - (userKey[i] ?? 0);
    if (d !== 0) return d;
  }
  return keyUserLength - userLength;
}

