/**
 * The data block hash index (after RocksDB's data_block_hash_index): a small table at the end of a
 * data block that maps a user key's hash to the restart interval holding the key's first entry, so
 * a point lookup jumps to that interval instead of binary-searching the restart keys. A binary
 * search costs a dependent memory access per step, and a block fetched from a cache larger than
 * the CPU's is one cache miss per access: this is what the index saves.
 *
 *   | ... restart array | bucket 0 u8 | ... | bucket b-1 u8 | b u16 LE | footer u32 LE |
 *                       \_________ hash index _______________________/
 *
 * The block's footer word (restart count) has bit 31 set when the index is present (block.ts).
 * Bucket of a user key: `bucketOf(hash, b)`, where `hash` is the key's `bloomHash` (computed once
 * per lookup for the bloom filter anyway) remixed, reduced to [0, b) by multiply-shift. A bucket
 * holds
 *   0xff  no user key of the block hashes here: the key is not in the block;
 *   0xfe  keys of different restart intervals hash here: fall back to the binary search;
 *   r     every key of the block that hashes here has its first entry in restart interval r.
 * So a block indexes at most `hashIndexRestartCountMax` (254) restart intervals, and the writer
 * leaves the index out of a block with more.
 *
 * Why a lookup may trust it: the table index picks the block holding the first entry >= the seek
 * key (user key, snapshot). If the user key has a visible version, that entry is it and lies at or
 * after the key's first entry in the block, so scanning forward from restart r finds it; if the
 * bucket is empty the key has no entry in the block, so the table has no visible version of it.
 * Entries before interval r sort before the key's first entry, so skipping them loses nothing.
 *
 * Checked on decode: the bucket count fits the block and every bucket is 0xff, 0xfe or a restart
 * index below the block's restart count, so a lookup never indexes outside the restart array.
 */
import { assert } from "@omnikv/base";

/** Block footer bit 31: the block carries a hash index between its restart array and its footer. */
export const blockFlagHashIndex = 0x8000_0000;
/** Buckets per distinct user key: at 4 a key shares its bucket with another interval's key ~20% of the time. */
export const hashIndexBucketsPerKey = 4;
/** Restart indexes 0..253 fit a bucket beside the two markers. */
export const hashIndexRestartCountMax = 254;
/** The bucket count is a u16. */
export const hashIndexBucketCountMax = 0xffff;
export const hashBucketEmpty = 0xff;
export const hashBucketCollision = 0xfe;
/** The bytes after the buckets: the u16 bucket count. */
export const hashIndexTrailerBytes = 2;

/** `lookupHashIndex` result: the key is not in the block. */
export const hashLookupAbsent = -1;
/** `lookupHashIndex` result: the index cannot tell; binary-search the restarts. */
export const hashLookupUnknown = -2;

/** The bucket of a user key whose `bloomHash` is `hash`, in [0, bucketCount). */
export function bucketOf(hash: number, bucketCount: number): number {
  // Remix so the bucket does not follow the bloom filter's first probe (hash mod m), then
  // multiply-shift: floor(mixed * b / 2^32), exact in a double since b < 2^16.
  const mixed = Math.imul(hash ^ (hash >>> 16), 0x45d9f3b) >>> 0;
  return Math.floor((mixed * bucketCount) / 0x1_0000_0000);
}

/**
 * The restart interval that holds the first entry of the user key with hash `hash` in a block
 * whose hash index (already checked by `checkHashIndex`) is bytes[bucketsOffset, + bucketCount):
 * a restart index, `hashLookupAbsent` or `hashLookupUnknown`.
 */
export function lookupHashIndex(bytes: Uint8Array, bucketsOffset: number, bucketCount: number, hash: number): number {
  const bucket = bytes[bucketsOffset + bucketOf(hash, bucketCount)] ?? hashBucketCollision;
  if (bucket === hashBucketEmpty) return hashLookupAbsent;
  if (bucket === hashBucketCollision) return hashLookupUnknown;
  return bucket;
}

/** Why the index at bytes[bucketsOffset, + bucketCount) is malformed for `restartCount` restarts, or undefined. */
export function checkHashIndex(bytes: Uint8Array, bucketsOffset: number, bucketCount: number, restartCount: number): string | undefined {
  if (bucketCount === 0) return "hash index has no buckets";
  if (restartCount > hashIndexRestartCountMax) return `hash index over ${restartCount} restart points, more than ${hashIndexRestartCountMax}`;
  for (let i = 0; i < bucketCount; i++) {
    const bucket = bytes[bucketsOffset + i] ?? hashBucketEmpty;
    if (bucket !== hashBucketEmpty && bucket !== hashBucketCollision && bucket >= restartCount) {
      return `hash bucket ${i} names restart ${bucket} of ${restartCount}`;
    }
  }
  return undefined;
}

/**
 * Collects (user key hash, restart index) for each distinct user key of a block, in entry order,
 * and lays out the buckets. Reused from block to block.
 */
export class HashIndexBuilder {
  #hashes = new Uint32Array(64);
  #restartIndexes = new Uint8Array(64);
  #keyCount = 0;
  /** Set once a key lands in an interval the index cannot name: the block gets no index. */
  #isOverflowing = false;

  get keyCount(): number {
    return this.#keyCount;
  }

  /** Records the first entry of a user key; `restartIndex` ascends across calls. */
  add(hash: number, restartIndex: number): void {
    assert(hash >= 0 && hash <= 0xffff_ffff, "hash is an unsigned 32-bit value");
    assert(restartIndex >= 0, "restart index is non-negative");
    if (restartIndex >= hashIndexRestartCountMax) {
      this.#isOverflowing = true;
      return;
    }
    if (this.#keyCount === this.#hashes.length) this.#grow();
    this.#hashes[this.#keyCount] = hash;
    this.#restartIndexes[this.#keyCount] = restartIndex;
    this.#keyCount += 1;
  }

  /** The bytes `finish` would write, or 0 when the block gets no index. */
  get sizeBytesEstimate(): number {
    const bucketCount = this.#bucketCount();
    return bucketCount === 0 ? 0 : bucketCount + hashIndexTrailerBytes;
  }

  /** Writes buckets and count at `target[offset..]`; returns the bytes written (0: no index). */
  finishInto(target: Uint8Array, offset: number): number {
    const bucketCount = this.#bucketCount();
    if (bucketCount === 0) return 0;
    assert(offset + bucketCount + hashIndexTrailerBytes <= target.length, "the hash index fits the target");
    target.fill(hashBucketEmpty, offset, offset + bucketCount);
    for (let i = 0; i < this.#keyCount; i++) {
      const at = offset + bucketOf(this.#hashes[i] ?? 0, bucketCount);
      const restartIndex = this.#restartIndexes[i] ?? 0;
      const bucket = target[at] ?? hashBucketEmpty;
      if (bucket === hashBucketEmpty) target[at] = restartIndex;
      else if (bucket !== restartIndex) target[at] = hashBucketCollision;
    }
    target[offset + bucketCount] = bucketCount & 0xff;
    target[offset + bucketCount + 1] = bucketCount >>> 8;
    return bucketCount + hashIndexTrailerBytes;
  }

  reset(): void {
    this.#keyCount = 0;
    this.#isOverflowing = false;
  }

  #bucketCount(): number {
    if (this.#isOverflowing || this.#keyCount === 0) return 0;
    return Math.min(hashIndexBucketCountMax, this.#keyCount * hashIndexBucketsPerKey);
  }

  #grow(): void {
    const hashes = new Uint32Array(this.#hashes.length * 2);
    hashes.set(this.#hashes);
    this.#hashes = hashes;
    const restartIndexes = new Uint8Array(this.#restartIndexes.length * 2);
    restartIndexes.set(this.#restartIndexes);
    this.#restartIndexes = restartIndexes;
  }
}
