/**
 * A table's index, decoded once at open into flat arrays: entry i says data block i ends with
 * internal key `lastKey(i)` and lives at (`blockOffset(i)`, `blockSize(i)`). Finding the block
 * that may hold a key is a binary search over the last keys, compared in place in one
 * concatenated buffer: no per-entry objects, nothing allocated per lookup.
 *
 *   keys:        | last key 0 | last key 1 | ... |        one Uint8Array
 *   keyOffsets:  0            k1           k2   ... kn    Uint32Array(n + 1)
 *   offsets:     block offsets (Float64Array: a table may pass 4 GiB)
 *   sizes:       block sizes without trailer (Uint32Array)
 *
 * The binary search decides most steps with one integer compare: every key shares the prefix its
 * first and last user keys share (sorted order keeps a common prefix contiguous), so `words[i]`
 * holds the 4 user-key bytes after that prefix, big-endian, zero-padded. Word order never
 * contradicts key order (a shorter key pads with zeros, and a proper prefix sorts first), so
 * unequal words decide a step and only equal words need the full key compare. A table of keys
 * behind a long shared prefix (one SQL table's rows) still gets 4 distinguishing bytes.
 *
 * Checked on decode: last keys strictly ascend, each value is exactly one block handle, and the
 * data blocks tile [0, dataEnd) in order with nothing between them (block i + its trailer ends
 * where block i + 1 starts). So a damaged index is a `CorruptionError` at open, never a read of
 * arbitrary file bytes later.
 */
import { assert } from "@omnikv/base";
import { trailerBytes } from "../internal-key.ts";
import { type Block, BlockIterator } from "./block.ts";
import { blockCorruption, blockTrailerBytes, decodeBlockHandle } from "./format.ts";
import { compareRanges, wordAfter } from "../internal/bytes.ts";
import { compareInternalKeyRanges, sequenceAt } from "./key-range.ts";

export class TableIndex {
  readonly blockCount: number;
  readonly #keys: Uint8Array;
  readonly #keyOffsets: Uint32Array;
  readonly #offsets: Float64Array;
  readonly #sizes: Uint32Array;
  /** Length of the user-key prefix every key shares. */
  readonly #prefixLength: number;
  /** Per key: the 4 user-key bytes after the shared prefix, big-endian, zero-padded. */
  readonly #words: Uint32Array;

  private constructor(keys: Uint8Array, keyOffsets: Uint32Array, offsets: Float64Array, sizes: Uint32Array) {
    assert(offsets.length > 0, "an index has at least one entry");
    this.blockCount = offsets.length;
    this.#keys = keys;
    this.#keyOffsets = keyOffsets;
    this.#offsets = offsets;
    this.#sizes = sizes;
    const firstUserEnd = (keyOffsets[1] ?? 0) - trailerBytes;
    const lastStart = keyOffsets[this.blockCount - 1] ?? 0;
    const lastUserEnd = (keyOffsets[this.blockCount] ?? 0) - trailerBytes;
    let prefixLength = 0;
    while (prefixLength < firstUserEnd && lastStart + prefixLength < lastUserEnd && (keys[prefixLength] ?? 0) === (keys[lastStart + prefixLength] ?? 0)) {
      prefixLength += 1;
    }
    this.#prefixLength = prefixLength;
    this.#words = new Uint32Array(this.blockCount);
    for (let i = 0; i < this.blockCount; i++) {
      this.#words[i] = wordAfter(keys, (keyOffsets[i] ?? 0) + prefixLength, (keyOffsets[i + 1] ?? 0) - trailerBytes);
    }
  }

  /** Decodes the index block; data blocks must tile the file from 0 to `dataEnd`. */
  static decode(block: Block, dataEnd: number): TableIndex {
    const keyChunks: Uint8Array[] = [];
    const offsets: number[] = [];
    const sizes: number[] = [];
    let keyBytes = 0;
    let expectedOffset = 0;
    const iterator = new BlockIterator(block);
    for (iterator.seekToFirst(); iterator.isValid; iterator.next()) {
      const value = iterator.value();
      const decoded = decodeBlockHandle(value, 0, value.length);
      if (decoded?.next !== value.length) throw blockCorruption(block.location, `entry ${offsets.length} is not a block handle`);
      const { offset, size } = decoded.handle;
      if (offset !== expectedOffset) throw blockCorruption(block.location, `data block ${offsets.length} is at ${offset}, expected ${expectedOffset}`);
      expectedOffset = offset + size + blockTrailerBytes;
      if (expectedOffset > dataEnd) throw blockCorruption(block.location, `data block ${offsets.length} runs past the data (${dataEnd})`);
      const key = iterator.key().slice();
      const previous = keyChunks.at(-1);
      if (previous !== undefined && compareInternalKeyRanges(previous, 0, previous.length, key, 0, key.length) >= 0) {
        throw blockCorruption(block.location, `entry ${offsets.length} is out of order`);
      }
      keyChunks.push(key);
      keyBytes += key.length;
      offsets.push(offset);
      sizes.push(size);
    }
    if (expectedOffset !== dataEnd) throw blockCorruption(block.location, `data blocks end at ${expectedOffset}, the data ends at ${dataEnd}`);
    return TableIndex.#pack(keyChunks, keyBytes, offsets, sizes);
  }

  static #pack(keyChunks: readonly Uint8Array[], keyBytes: number, offsets: readonly number[], sizes: readonly number[]): TableIndex {
    const keys = new Uint8Array(keyBytes);
    const keyOffsets = new Uint32Array(keyChunks.length + 1);
    let at = 0;
    keyChunks.forEach((key, i) => {
      keys.set(key, at);
      at += key.length;
      keyOffsets[i + 1] = at;
    });
    assert(at === keyBytes, "packed keys fill the buffer");
    return new TableIndex(keys, keyOffsets, Float64Array.from(offsets), Uint32Array.from(sizes));
  }

  /** The first block whose last key is >= the internal key target[start, end); `blockCount` if none. */
  find(target: Uint8Array, start: number, end: number): number {
    const keys = this.#keys;
    const keyOffsets = this.#keyOffsets;
    const targetUserEnd = end - trailerBytes;
    // A target outside the shared prefix sorts before or after every key alike.
    for (let i = 0; i < this.#prefixLength; i++) {
      if (start + i >= targetUserEnd) return 0;
      const d = (target[start + i] ?? 0) - (keys[i] ?? 0);
      if (d !== 0) return d < 0 ? 0 : this.blockCount;
    }
    const targetWord = wordAfter(target, start + this.#prefixLength, targetUserEnd);
    const words = this.#words;
    let low = 0;
    let high = this.blockCount;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const word = words[mid] ?? 0;
      const order =
        word === targetWord
          ? compareInternalKeyRanges(keys, keyOffsets[mid] ?? 0, keyOffsets[mid + 1] ?? 0, target, start, end)
          : word - targetWord;
      if (order < 0) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /**
   * `find` for the seek key (userKey, snapshot, kindForSeek) without building it: the first block
   * whose last key is >= it, `blockCount` if none. A point lookup's form of `find`.
   */
  findUserKey(userKey: Uint8Array, snapshot: number): number {
    const keys = this.#keys;
    const keyOffsets = this.#keyOffsets;
    const userLength = userKey.length;
    // A key outside the shared prefix sorts before or after every key alike.
    for (let i = 0; i < this.#prefixLength; i++) {
      if (i >= userLength) return 0;
      const d = (userKey[i] ?? 0) - (keys[i] ?? 0);
      if (d !== 0) return d < 0 ? 0 : this.blockCount;
    }
    const targetWord = wordAfter(userKey, this.#prefixLength, userLength);
    const words = this.#words;
    let low = 0;
    let high = this.blockCount;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const word = words[mid] ?? 0;
      const order = word === targetWord ? compareWithSeekKey(keys, keyOffsets[mid] ?? 0, keyOffsets[mid + 1] ?? 0, userKey, snapshot) : word - targetWord;
      if (order < 0) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  blockOffset(index: number): number {
    assert(index >= 0 && index < this.blockCount, "block index in range");
    return this.#offsets[index] ?? 0;
  }

  blockSize(index: number): number {
    assert(index >= 0 && index < this.blockCount, "block index in range");
    return this.#sizes[index] ?? 0;
  }

  /** The last internal key of block `index`, as a view. */
  lastKey(index: number): Uint8Array {
    assert(index >= 0 && index < this.blockCount, "block index in range");
    return this.#keys.subarray(this.#keyOffsets[index], this.#keyOffsets[index + 1]);
  }
}

/**
 * The internal key keys[start, end) against the seek key (userKey, snapshot, kindForSeek). At the
 * same user key the seek key sorts before every version at or below the snapshot (its kind, 0xff,
 * is above every real kind) and after every newer one.
 */
function compareWithSeekKey(keys: Uint8Array, start: number, end: number, userKey: Uint8Array, snapshot: number): number {
  const byUser = compareRanges(keys, start, end - trailerBytes, userKey, 0, userKey.length);
  if (byUser !== 0) return byUser;
  return sequenceAt(keys, end) > snapshot ? -1 : 1;
}
