/**
 * Reading one decoded block (the format is in block-builder.ts): `Block` checks the restart array
 * once when the block is decoded, and `BlockIterator` walks the entries.
 *
 * Trust: the bytes passed a CRC, but the decoder still treats them as hostile. Every varint, key
 * delta, value length and restart offset is bounds-checked before use; anything malformed throws
 * `CorruptionError` naming the file, the block and the entry. Checked on decode: restart count and
 * offsets (restart 0 at 0, strictly ascending, inside the entry region), and the hash index if the
 * footer flags one (it fits, and every bucket names a real restart interval). Checked per entry: varints
 * end inside the entry region, `shared` is 0 at a restart point and never exceeds the previous
 * key, key and value end inside the entry region, an entry never straddles a restart point, and
 * keys are whole internal keys. With `invariants.enabled`, `next()` also checks key order.
 *
 * Performance: `seek` binary-searches the restart keys in place, then decodes forward at most one
 * restart interval. (Point lookups do not come here: `BlockLookup`, block-lookup.ts, reads the
 * block bytes directly, starting where the hash index points.) While it scans, an entry's key is
 * compared where it lies, split between the reused key buffer (the `shared` prefix) and the block
 * (the delta): the buffer is extended only by the bytes the next entry shares, and the whole key
 * is assembled once, for the entry the iterator stops at. `prev` and `seekToLast` scan forward the
 * same way. `key()` and `value()` are views; moving allocates nothing. Byte reads are written `bytes[i] ?? 0`: every index is
 * checked against the entry region first, so the `?? 0` never applies; it is the cast-free way to
 * read under `noUncheckedIndexedAccess`, and it keeps the inner loops free of helper calls, which
 * module transforms such as vitest's make expensive (each imported call goes through a getter).
 *
 *   key of the current entry = key buffer [0, shared) ++ block [delta, delta + length - shared)
 *   key buffer bytes [0, #keyValid) are the current key's; the iterator stops with all valid
 */
import { assert as baseAssert, invariants as baseInvariants } from "@omnikv/base";
import type { InternalIterator } from "../internal-iterator.ts";
import { trailerBytes as internalKeyTrailerBytes } from "../internal-key.ts";
import { blockCorruption, readUint32, type BlockLocation } from "./format.ts";
import { compareInternalKeyRanges } from "./key-range.ts";
import { blockFlagHashIndex, checkHashIndex, hashIndexTrailerBytes } from "./block-hash-index.ts";

// Module-local bindings for what every entry touches: under a module transform (vitest's) each
// use of an import is a getter call.
const assert: typeof baseAssert = baseAssert;
const invariants = baseInvariants;
const trailerBytes = internalKeyTrailerBytes;

/** Where a block's restart array ends and its hash index (if any) lies. */
interface HashIndexPlace {
  readonly restartsEnd: number;
  readonly bucketsOffset: number;
  readonly bucketCount: number;
}

/** Finds and checks the hash index that sits before the footer of a flagged block. */
function placeHashIndex(bytes: Uint8Array, location: BlockLocation, restartCount: number): HashIndexPlace {
  const countOffset = bytes.length - 4 - hashIndexTrailerBytes;
  if (countOffset < 0) throw blockCorruption(location, "block too short for its hash index");
  const bucketCount = (bytes[countOffset] ?? 0) | ((bytes[countOffset + 1] ?? 0) << 8);
  const bucketsOffset = countOffset - bucketCount;
  if (bucketsOffset < 4) throw blockCorruption(location, `hash index of ${bucketCount} buckets does not fit the ${bytes.length}-byte block`);
  const problem = checkHashIndex(bytes, bucketsOffset, bucketCount, restartCount);
  if (problem !== undefined) throw blockCorruption(location, problem);
  return { restartsEnd: bucketsOffset, bucketsOffset, bucketCount };
}

/** A decoded, immutable block whose restart array and hash index have been checked. */
export class Block {
  readonly bytes: Uint8Array;
  readonly location: BlockLocation;
  /** Where the entries end and the restart array begins. */
  readonly restartsOffset: number;
  readonly restartCount: number;

  /** Where the hash index's buckets start, and how many there are (0: the block has no hash index). */
  readonly hashBucketsOffset: number;
  readonly hashBucketCount: number;

  private constructor(bytes: Uint8Array, location: BlockLocation, restartCount: number, hashIndex: HashIndexPlace) {
    this.bytes = bytes;
    this.location = location;
    this.restartsOffset = hashIndex.restartsEnd - 4 * restartCount;
    this.restartCount = restartCount;
    this.hashBucketsOffset = hashIndex.bucketsOffset;
    this.hashBucketCount = hashIndex.bucketCount;
  }

  /** Checks the restart array and hash index of `bytes` (kept, not copied) and wraps it. */
  static decode(bytes: Uint8Array, location: BlockLocation): Block {
    if (bytes.length < 8) throw blockCorruption(location, `block is ${bytes.length} bytes, too short to hold an entry and a restart`);
    const footer = readUint32(bytes, bytes.length - 4);
    const restartCount = footer & ~blockFlagHashIndex;
    const hashIndex = (footer & blockFlagHashIndex) === 0 ? { restartsEnd: bytes.length - 4, bucketsOffset: 0, bucketCount: 0 } : placeHashIndex(bytes, location, restartCount);
    if (restartCount === 0) throw blockCorruption(location, "block has no restart points");
    if (restartCount > hashIndex.restartsEnd / 4) throw blockCorruption(location, `restart count ${restartCount} does not fit the ${bytes.length}-byte block`);
    const restartsOffset = hashIndex.restartsEnd - 4 * restartCount;
    let previous = -1;
    for (let i = 0; i < restartCount; i++) {
      const restart = readUint32(bytes, restartsOffset + 4 * i);
      if (i === 0 && restart !== 0) throw blockCorruption(location, `restart 0 is at ${restart}, not 0`);
      if (restart <= previous || restart >= restartsOffset) {
        throw blockCorruption(location, `restart ${i} at ${restart} is out of order or outside the entries (0..${restartsOffset})`);
      }
      previous = restart;
    }
    return new Block(bytes, location, restartCount, hashIndex);
  }

  /** Restart `index`'s offset, read in place (checked at decode; no copy, so a cached block is one buffer). */
  restartAt(index: number): number {
    const bytes = this.bytes;
    const at = this.restartsOffset + 4 * index;
    return ((bytes[at] ?? 0) | ((bytes[at + 1] ?? 0) << 8) | ((bytes[at + 2] ?? 0) << 16) | ((bytes[at + 3] ?? 0) << 24)) >>> 0;
  }
}

/**
 * A cursor over one block. It can be re-pointed at another block with `reset`, so a table
 * iterator or a point lookup reuses one iterator and its key buffer for every block it visits.
 */
export class BlockIterator implements InternalIterator {
  #block: Block;
  #bytes: Uint8Array;
  /** End of the entry region; `#current === #limit` means "not positioned". */
  #limit: number;
  #current: number;
  #next = 0;
  #restartIndex = -1;
  #nextRestart = 0;
  #key = new Uint8Array(64);
  #keyLength = 0;
  /** The current entry's `shared` and where its key delta starts in the block. */
  #keyShared = 0;
  #deltaOffset = 0;
  /** Leading bytes of `#key` that hold the current key; `#keyLength` once assembled. */
  #keyValid = 0;
  #keyView: Uint8Array | undefined;
  #valueOffset = 0;
  #valueLength = 0;
  /** Varint decoding position and the last header decoded: fields, so decoding allocates nothing. */
  #cursor = 0;
  #headerShared = 0;
  #headerUnshared = 0;
  #headerValueLength = 0;
  /** The key before a `next()`, kept only when `invariants.enabled` to check the order. */
  #previousKey = new Uint8Array(0);
  #previousKeyLength = 0;

  constructor(block: Block) {
    this.#block = block;
    this.#bytes = block.bytes;
    this.#limit = block.restartsOffset;
    this.#current = this.#limit;
  }

  /** Points the iterator at another block, unpositioned. */
  reset(block: Block): void {
    this.#block = block;
    this.#bytes = block.bytes;
    this.#limit = block.restartsOffset;
    this.#current = this.#limit;
  }

  get block(): Block {
    return this.#block;
  }

  get isValid(): boolean {
    return this.#current < this.#limit;
  }

  seekToFirst(): void {
    this.#seekToRestart(0);
    if (this.#parseNext()) this.#assembleKey();
  }

  seekToLast(): void {
    this.#seekToRestart(this.#block.restartCount - 1);
    while (this.#parseNext() && this.#next < this.#limit) {
      // Headers only: the key is assembled once, for the last entry.
    }
    if (this.isValid) this.#assembleKey();
  }

  seek(target: Uint8Array): void {
    this.seekRange(target, 0, target.length);
  }

  /** `seek` to the internal key at target[start, end). */
  seekRange(target: Uint8Array, start: number, end: number): void {
    let left = 0;
    let right = this.#block.restartCount - 1;
    // The last restart whose key is < target; entries before it are all < target too.
    while (left < right) {
      const mid = (left + right + 1) >>> 1;
      if (this.#compareRestartKey(mid, target, start, end) < 0) left = mid;
      else right = mid - 1;
    }
    this.#seekToRestart(left);
    while (this.#parseNext()) {
      if (this.#compareCurrentKey(target, start, end) >= 0) {
        this.#assembleKey();
        return;
      }
    }
  }

  seekForPrev(target: Uint8Array): void {
    this.seek(target);
    if (!this.isValid) {
      this.seekToLast();
      return;
    }
    if (compareInternalKeyRanges(this.#key, 0, this.#keyLength, target, 0, target.length) > 0) this.prev();
  }

  next(): void {
    assert(this.isValid, "next() needs a positioned iterator");
    if (invariants.enabled) this.#rememberPreviousKey();
    if (!this.#parseNext()) return;
    this.#assembleKey();
    if (invariants.enabled) this.#checkOrder();
  }

  prev(): void {
    assert(this.isValid, "prev() needs a positioned iterator");
    const original = this.#current;
    let restart = this.#restartIndex;
    if (this.#block.restartAt(restart) === original) restart -= 1;
    if (restart < 0) {
      this.#current = this.#limit;
      return;
    }
    this.#seekToRestart(restart);
    while (this.#parseNext() && this.#next < original) {
      // Headers only, up to the entry just before the original one.
    }
    if (this.#next !== original) throw this.#corruption(this.#current, `entries from restart ${restart} do not lead to the entry at ${original}`);
    this.#assembleKey();
  }

  /** The current key: a view into a reused buffer, valid until the iterator moves. */
  key(): Uint8Array {
    assert(this.isValid, "key() needs a positioned iterator");
    this.#keyView ??= this.#key.subarray(0, this.#keyLength);
    return this.#keyView;
  }

  /** The current value: a view into the immutable block, valid as long as the block. */
  value(): Uint8Array {
    assert(this.isValid, "value() needs a positioned iterator");
    return this.#bytes.subarray(this.#valueOffset, this.#valueOffset + this.#valueLength);
  }

  /** The reused key buffer holding the current key in [0, keyLength), for comparisons without views. */
  get keyBuffer(): Uint8Array {
    return this.#key;
  }

  get keyLength(): number {
    return this.#keyLength;
  }

  close(): void {
    this.#current = this.#limit;
  }

  #seekToRestart(index: number): void {
    this.#restartIndex = index - 1;
    this.#nextRestart = this.#block.restartAt(index);
    this.#next = this.#nextRestart;
    this.#keyLength = 0;
    this.#keyValid = 0;
    this.#keyShared = 0;
    this.#current = this.#limit;
  }

  /**
   * Decodes the entry header at `#next` and makes the key buffer hold the bytes it shares with
   * the previous key; the rest of its key stays in the block until `#assembleKey`. Returns false
   * (unpositioned) at the end of the entries.
   */
  #parseNext(): boolean {
    const at = this.#next;
    this.#keyView = undefined;
    if (at >= this.#limit) {
      this.#current = this.#limit;
      return false;
    }
    this.#readHeader(at);
    const shared = this.#headerShared;
    const unshared = this.#headerUnshared;
    const valueLength = this.#headerValueLength;
    this.#trackRestart(at, shared);
    if (shared > this.#keyLength) throw this.#corruption(at, `shares ${shared} bytes with a ${this.#keyLength}-byte previous key`);
    const keyStart = this.#cursor;
    const valueEnd = keyStart + unshared + valueLength;
    if (valueEnd > this.#limit) throw this.#corruption(at, `key and value end at ${valueEnd}, past the entries (${this.#limit})`);
    const keyLength = shared + unshared;
    if (keyLength < trailerBytes) throw this.#corruption(at, `key of ${keyLength} bytes is not an internal key`);
    if (shared > this.#keyValid) this.#extendKey(shared);
    this.#keyShared = shared;
    this.#deltaOffset = keyStart;
    this.#keyLength = keyLength;
    this.#keyValid = shared;
    this.#valueOffset = keyStart + unshared;
    this.#valueLength = valueLength;
    this.#current = at;
    this.#next = valueEnd;
    return true;
  }

  #trackRestart(at: number, shared: number): void {
    if (at > this.#nextRestart) throw this.#corruption(at, `entry straddles the restart point at ${this.#nextRestart}`);
    if (at < this.#nextRestart) return;
    if (shared !== 0) throw this.#corruption(at, `restart entry shares ${shared} bytes`);
    this.#restartIndex += 1;
    const following = this.#restartIndex + 1;
    this.#nextRestart = following < this.#block.restartCount ? this.#block.restartAt(following) : this.#limit;
  }

  /** Copies the current key's bytes [#keyValid, length) from its delta into the key buffer. */
  #extendKey(length: number): void {
    if (length > this.#key.length) {
      const grown = new Uint8Array(Math.max(length, this.#key.length * 2));
      grown.set(this.#key.subarray(0, this.#keyValid));
      this.#key = grown;
    }
    const key = this.#key;
    const bytes = this.#bytes;
    const from = this.#deltaOffset - this.#keyShared;
    for (let i = this.#keyValid; i < length; i++) key[i] = bytes[from + i] ?? 0;
    this.#keyValid = length;
  }

  #assembleKey(): void {
    if (this.#keyValid < this.#keyLength) this.#extendKey(this.#keyLength);
  }

  /** The current key, where it lies (buffer prefix + block delta), against target[start, end). */
  #compareCurrentKey(target: Uint8Array, start: number, end: number): number {
    const key = this.#key;
    const bytes = this.#bytes;
    const shared = this.#keyShared;
    const from = this.#deltaOffset - shared;
    const userLength = this.#keyLength - trailerBytes;
    const targetUserLength = end - start - trailerBytes;
    const n = userLength < targetUserLength ? userLength : targetUserLength;
    const inBuffer = n < shared ? n : shared;
    let i = 0;
    for (; i < inBuffer; i++) {
      const d = (key[i] ?? 0) - (target[start + i] ?? 0);
      if (d !== 0) return d;
    }
    for (; i < n; i++) {
      const d = (bytes[from + i] ?? 0) - (target[start + i] ?? 0);
      if (d !== 0) return d;
    }
    if (userLength !== targetUserLength) return userLength - targetUserLength;
    // Trailers compare descending: larger sequence (then larger kind) first.
    for (let j = 0; j < trailerBytes; j++) {
      const at = userLength + j;
      const d = (target[end - trailerBytes + j] ?? 0) - (at < shared ? (key[at] ?? 0) : (bytes[from + at] ?? 0));
      if (d !== 0) return d;
    }
    return 0;
  }

  /**
   * Decodes the three varints of the entry header at `at` into the `#header…` fields and leaves
   * `#cursor` after them. Most headers are three single-byte varints: read those directly.
   */
  #readHeader(at: number): void {
    const bytes = this.#bytes;
    if (at + 3 <= this.#limit) {
      const shared = bytes[at] ?? 0;
      const unshared = bytes[at + 1] ?? 0;
      const valueLength = bytes[at + 2] ?? 0;
      if ((shared | unshared | valueLength) < 0x80) {
        this.#headerShared = shared;
        this.#headerUnshared = unshared;
        this.#headerValueLength = valueLength;
        this.#cursor = at + 3;
        return;
      }
    }
    this.#cursor = at;
    this.#headerShared = this.#readVarint();
    this.#headerUnshared = this.#readVarint();
    this.#headerValueLength = this.#readVarint();
    if (this.#headerShared < 0 || this.#headerUnshared < 0 || this.#headerValueLength < 0) throw this.#corruption(at, "malformed entry header");
  }

  /** A varint of at most 5 bytes at `#cursor`, or -1 when it is malformed or runs past the entries. */
  #readVarint(): number {
    const bytes = this.#bytes;
    const limit = this.#limit;
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

  /** The key at restart `index` (stored whole there) against target[start, end). */
  #compareRestartKey(index: number, target: Uint8Array, start: number, end: number): number {
    const at = this.#block.restartAt(index);
    this.#readHeader(at);
    const unshared = this.#headerUnshared;
    if (this.#headerShared !== 0 || unshared < trailerBytes) throw this.#corruption(at, "malformed restart entry");
    const keyStart = this.#cursor;
    if (keyStart + unshared + this.#headerValueLength > this.#limit) throw this.#corruption(at, "restart entry runs past the entries");
    return compareInternalKeyRanges(this.#bytes, keyStart, keyStart + unshared, target, start, end);
  }

  #rememberPreviousKey(): void {
    if (this.#previousKey.length < this.#keyLength) this.#previousKey = new Uint8Array(this.#key.length);
    this.#previousKey.set(this.#key.subarray(0, this.#keyLength));
    this.#previousKeyLength = this.#keyLength;
  }

  #checkOrder(): void {
    const order = compareInternalKeyRanges(this.#previousKey, 0, this.#previousKeyLength, this.#key, 0, this.#keyLength);
    if (order >= 0) throw this.#corruption(this.#current, "keys are out of order");
  }

  #corruption(entryOffset: number, detail: string): Error {
    return blockCorruption(this.#block.location, `entry at block byte ${entryOffset}: ${detail}`);
  }
}
