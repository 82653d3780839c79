/**
 * Builds one block: sorted entries with prefix-compressed keys and restart points (LevelDB's
 * block format, used for data blocks and the index block alike).
 *
 *   +---------+---------+---------+-----------------+-----------+-----+-----------+------------+--------+
 *   | entry 0 | entry 1 |   ...   | entry n-1       | restart 0 | ... | restart   | hash index | footer |
 *   |         |         |         |                 | u32 LE    |     | r-1 u32LE | (optional) | u32 LE |
 *   +---------+---------+---------+-----------------+-----------+-----+-----------+------------+--------+
 *
 *   entry  = varint shared | varint unshared | varint valueLength | key[shared..] | value
 *   footer = r | hasHashIndex << 31
 *
 * `shared` is how many leading bytes the key has in common with the previous key. Every
 * `restartInterval`-th entry is a restart point: it stores its key whole (`shared` = 0) and its
 * offset goes in the restart array, so a reader can binary-search the restarts and decode forward
 * from any of them. Restart 0 is always offset 0. A block holds at least one entry.

A data block may carry a hash index (block-hash-index.ts) from user key to restart interval,
flagged by bit 31 of the footer; without the flag the footer is the plain restart count, as in
LevelDB and in tables of format version 1. The index block never has one.
 *
 * The builder reuses its buffers from block to block: `finish()` returns a view that stays valid
 * only until the next `add` or `reset`.
 */
import { assert } from "@omnikv/base";
import { trailerBytes } from "../internal-key.ts";
import { varintLength, writeVarint } from "../internal/bytes.ts";
import { blockBytesLimit, writeUint32 } from "./format.ts";
import { HashIndexBuilder, blockFlagHashIndex } from "./block-hash-index.ts";

/** Restart points at most this far apart: a reader scans at most this many entries after a binary search. */
export const restartIntervalMax = 1024;

const bufferBytesInitial = 8 * 1024;

export interface BlockBuilderOptions {
  /** Keys between restart points (a restart point stores its key whole). */
  readonly restartInterval: number;
  /** Build a hash index over the user keys; `add` then needs each key's user-key hash. */
  readonly hasHashIndex?: boolean;
}

export class BlockBuilder {
  readonly #restartInterval: number;
  #buffer = new Uint8Array(bufferBytesInitial);
  #length = 0;
  readonly #restarts: number[] = [0];
  #entriesSinceRestart = 0;
  #entryCount = 0;
  #lastKey = new Uint8Array(64);
  #lastKeyLength = 0;
  #isFinished = false;
  readonly #hashIndex: HashIndexBuilder | undefined;

  constructor(options: BlockBuilderOptions) {
    const { restartInterval } = options;
    assert(Number.isInteger(restartInterval), "restart interval is an integer");
    assert(restartInterval >= 1 && restartInterval <= restartIntervalMax, "restart interval within [1, restartIntervalMax]");
    this.#restartInterval = restartInterval;
    this.#hashIndex = options.hasHashIndex === true ? new HashIndexBuilder() : undefined;
  }

  get entryCount(): number {
    return this.#entryCount;
  }

  get isEmpty(): boolean {
    return this.#entryCount === 0;
  }

  /** The size `finish()` would return now. */
  get sizeBytesEstimate(): number {
    return this.#length + 4 * this.#restarts.length + 4 + (this.#hashIndex?.sizeBytesEstimate ?? 0);
  }

  /** The last key added, as a view valid until the next `add` or `reset`. */
  get lastKey(): Uint8Array {
    assert(this.#entryCount > 0, "an empty block has no last key");
    return this.#lastKey.subarray(0, this.#lastKeyLength);
  }

  /**
   * Appends an entry. Keys must ascend; the table builder asserts the order. `userKeyHash` is the
   * `bloomHash` of the key's user key, required exactly when the block has a hash index.
   */
  add(key: Uint8Array, value: Uint8Array, userKeyHash?: number): void {
    assert(!this.#isFinished, "add after finish needs a reset first");
    assert(key.length >= trailerBytes, "a block key is an internal key");
    assert((userKeyHash !== undefined) === (this.#hashIndex !== undefined), "a user-key hash exactly when the block has a hash index");
    if (this.#hashIndex !== undefined && userKeyHash !== undefined && !this.#continuesUserKey(key)) {
      // The entry starts a new restart interval (pushed below) or lies in the last one.
      const startsInterval = this.#entriesSinceRestart >= this.#restartInterval;
      this.#hashIndex.add(userKeyHash, startsInterval ? this.#restarts.length : this.#restarts.length - 1);
    }
    let shared = 0;
    if (this.#entriesSinceRestart < this.#restartInterval) {
      shared = commonPrefixLength(this.#lastKey, this.#lastKeyLength, key);
    } else {
      this.#restarts.push(this.#length);
      this.#entriesSinceRestart = 0;
    }
    const unshared = key.length - shared;
    const entryBytes = varintLength(shared) + varintLength(unshared) + varintLength(value.length) + unshared + value.length;
    this.#reserve(entryBytes);
    let at = writeVarint(this.#buffer, this.#length, shared);
    at = writeVarint(this.#buffer, at, unshared);
    at = writeVarint(this.#buffer, at, value.length);
    this.#buffer.set(shared === 0 ? key : key.subarray(shared), at);
    this.#buffer.set(value, at + unshared);
    this.#length = at + unshared + value.length;
    this.#rememberLastKey(key);
    this.#entriesSinceRestart += 1;
    this.#entryCount += 1;
  }

  /** Appends the restart array, the hash index if any and the footer; returns the block as a view into the builder's buffer. */
  finish(): Uint8Array {
    assert(!this.#isFinished, "finish once per block");
    assert(this.#entryCount > 0, "a block holds at least one entry");
    const hashIndexBytes = this.#hashIndex?.sizeBytesEstimate ?? 0;
    this.#reserve(4 * this.#restarts.length + 4 + hashIndexBytes);
    for (const restart of this.#restarts) {
      writeUint32(this.#buffer, this.#length, restart);
      this.#length += 4;
    }
    const written = this.#hashIndex?.finishInto(this.#buffer, this.#length) ?? 0;
    assert(written === hashIndexBytes, "the hash index is the size it estimated");
    this.#length += written;
    writeUint32(this.#buffer, this.#length, this.#restarts.length + (written > 0 ? blockFlagHashIndex : 0));
    this.#length += 4;
    this.#isFinished = true;
    return this.#buffer.subarray(0, this.#length);
  }

  reset(): void {
    this.#length = 0;
    this.#restarts.length = 0;
    this.#restarts.push(0);
    this.#entriesSinceRestart = 0;
    this.#entryCount = 0;
    this.#lastKeyLength = 0;
    this.#isFinished = false;
    this.#hashIndex?.reset();
  }

  /** Whether `key` has the user key of the previous entry of this block. */
  #continuesUserKey(key: Uint8Array): boolean {
    if (this.#entryCount === 0 || this.#lastKeyLength !== key.length) return false;
    return commonPrefixLength(this.#lastKey, this.#lastKeyLength - trailerBytes, key) === key.length - trailerBytes;
  }

  #reserve(extraBytes: number): void {
    const needed = this.#length + extraBytes + 4 * this.#restarts.length + 4;
    assert(needed <= blockBytesLimit, "a block stays below the block size limit");
    if (needed <= this.#buffer.length) return;
    let capacity = this.#buffer.length * 2;
    while (capacity < needed) capacity *= 2;
    const grown = new Uint8Array(Math.min(capacity, blockBytesLimit));
    grown.set(this.#buffer.subarray(0, this.#length));
    this.#buffer = grown;
  }

  #rememberLastKey(key: Uint8Array): void {
    if (key.length > this.#lastKey.length) this.#lastKey = new Uint8Array(Math.max(key.length, this.#lastKey.length * 2));
    this.#lastKey.set(key);
    this.#lastKeyLength = key.length;
  }
}

function commonPrefixLength(a: Uint8Array, aLength: number, b: Uint8Array): number {
  const n = aLength < b.length ? aLength : b.length;
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}
