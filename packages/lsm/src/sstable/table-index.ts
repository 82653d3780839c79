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
 * Checked on decode: last keys strictly ascend, each value is exactly one block handle, and the
 * data blocks tile [0, dataEnd) in order with nothing between them (block i + its trailer ends
 * where block i + 1 starts). So a damaged index is a `CorruptionError` at open, never a read of
 * arbitrary file bytes later.
 */
import { assert } from "@omnikv/base";
import { type Block, BlockIterator } from "./block.ts";
import { blockCorruption, blockTrailerBytes, decodeBlockHandle } from "./format.ts";
import { compareInternalKeyRanges } from "./key-range.ts";
import { float64At, uint32At } from "./element-at.ts";

export class TableIndex {
  readonly blockCount: number;
  readonly #keys: Uint8Array;
  readonly #keyOffsets: Uint32Array;
  readonly #offsets: Float64Array;
  readonly #sizes: Uint32Array;

  private constructor(keys: Uint8Array, keyOffsets: Uint32Array, offsets: Float64Array, sizes: Uint32Array) {
    this.blockCount = offsets.length;
    this.#keys = keys;
    this.#keyOffsets = keyOffsets;
    this.#offsets = offsets;
    this.#sizes = sizes;
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
    let low = 0;
    let high = this.blockCount;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (compareInternalKeyRanges(keys, uint32At(keyOffsets, mid), uint32At(keyOffsets, mid + 1), target, start, end) < 0) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  blockOffset(index: number): number {
    assert(index >= 0 && index < this.blockCount, "block index in range");
    return float64At(this.#offsets, index);
  }

  blockSize(index: number): number {
    assert(index >= 0 && index < this.blockCount, "block index in range");
    return uint32At(this.#sizes, index);
  }

  /** The last internal key of block `index`, as a view. */
  lastKey(index: number): Uint8Array {
    assert(index >= 0 && index < this.blockCount, "block index in range");
    return this.#keys.subarray(this.#keyOffsets[index], this.#keyOffsets[index + 1]);
  }
}
