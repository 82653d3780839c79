/**
 * Builds one block: sorted entries with prefix-compressed keys and restart points (LevelDB's
 * block format, used for data blocks and the index block alike).
 *
 *   +---------+---------+---------+---------+-------+---------+-----------+--------------+-------+
 *   | entry 0 | entry 1 |   ...   | entry n-1       | restart 0 | ...   restart r-1  | r     |
 *   |         |         |         |                 | u32 LE    |       u32 LE       | u32 LE|
 *   +---------+---------+---------+-----------------+-----------+--------------------+-------+
 *
 *   entry = varint shared | varint unshared | varint valueLength | key[shared..] | value
 *
 * `shared` is how many leading bytes the key has in common with the previous key. Every
 * `restartInterval`-th entry is a restart point: it stores its key whole (`shared` = 0) and its
 * offset goes in the restart array, so a reader can binary-search the restarts and decode forward
 * from any of them. Restart 0 is always offset 0. A block holds at least one entry.
 *
 * The builder reuses its buffers from block to block: `finish()` returns a view that stays valid
 * only until the next `add` or `reset`.
 */
import { assert } from "@omnikv/base";
import { trailerBytes } from "../internal-key.ts";
import { varintLength, writeVarint } from "../internal/bytes.ts";
import { blockBytesLimit, writeUint32 } from "./format.ts";

/** Restart points at most this far apart: a reader scans at most this many entries after a binary search. */
export const restartIntervalMax = 1024;

const bufferBytesInitial = 8 * 1024;

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

  constructor(restartInterval: number) {
    assert(Number.isInteger(restartInterval), "restart interval is an integer");
    assert(restartInterval >= 1 && restartInterval <= restartIntervalMax, "restart interval within [1, restartIntervalMax]");
    this.#restartInterval = restartInterval;
  }

  get entryCount(): number {
    return this.#entryCount;
  }

  get isEmpty(): boolean {
    return this.#entryCount === 0;
  }

  /** The size `finish()` would return now. */
  get sizeBytesEstimate(): number {
    return this.#length + 4 * this.#restarts.length + 4;
  }

  /** The last key added, as a view valid until the next `add` or `reset`. */
  get lastKey(): Uint8Array {
    assert(this.#entryCount > 0, "an empty block has no last key");
    return this.#lastKey.subarray(0, this.#lastKeyLength);
  }

  /** Appends an entry. Keys must ascend; the table builder asserts the order. */
  add(key: Uint8Array, value: Uint8Array): void {
    assert(!this.#isFinished, "add after finish needs a reset first");
    assert(key.length >= trailerBytes, "a block key is an internal key");
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

  /** Appends the restart array and count; returns the block as a view into the builder's buffer. */
  finish(): Uint8Array {
    assert(!this.#isFinished, "finish once per block");
    assert(this.#entryCount > 0, "a block holds at least one entry");
    this.#reserve(4 * this.#restarts.length + 4);
    for (const restart of this.#restarts) {
      writeUint32(this.#buffer, this.#length, restart);
      this.#length += 4;
    }
    writeUint32(this.#buffer, this.#length, this.#restarts.length);
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
