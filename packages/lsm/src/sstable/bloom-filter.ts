/**
 * One bloom filter per table over its USER keys (every version of a key maps to the same bits), so
 * a point lookup skips a table that cannot hold the key without reading any of its data blocks.
 *
 *   +----------------------------------------------+-----+
 *   | bit array, m = 8 * byteLength bits            | k   |
 *   | bit i is byte i >> 3, mask 1 << (i & 7)       | u8  |
 *   +----------------------------------------------+-----+
 *
 * m = max(64, ceil(n * bitsPerKey)) rounded up to a whole byte; k = round(bitsPerKey * ln 2)
 * clamped to [1, 30], the k that minimises the false-positive rate (1 - e^(-k/b))^k, about
 * 0.6185^b: 0.82% at 10 bits per key. A key's k bit positions come from one 32-bit murmur3 hash by
 * enhanced double hashing (Dillinger and Manolios): h1 = hash, h2 = a remix of it, probe i is
 * ((h1 + i*h2 + C(i, 3)) mod 2^32) mod m, computed incrementally. The cubic term keeps two keys
 * whose probes collide once from colliding on every probe, as plain double hashing's arithmetic
 * progressions do, so the measured rate stays at the theoretical one (see the test).
 *
 * The builder keeps only the 32-bit hashes of the keys added (4 bytes a key, not the keys).
 */
import { assert } from "@omnikv/base";
import { blockCorruption, type BlockLocation } from "./format.ts";

export const bloomBitsPerKeyDefault = 10;
/** More bits per key than this buys nothing measurable (0.6185^64 is below 1e-13). */
export const bloomBitsPerKeyMax = 64;
const probeCountMax = 30;
const bitsMin = 64;
const hashSeed = 0xbc9f1d34;

/** The number of probes (hash functions) for `bitsPerKey`. */
export function bloomProbeCount(bitsPerKey: number): number {
  assert(bitsPerKey > 0, "a filter has a positive number of bits per key");
  return Math.min(probeCountMax, Math.max(1, Math.round(bitsPerKey * Math.LN2)));
}

/** The theoretical false-positive rate of a filter with `bitsPerKey` and its probe count. */
export function bloomFalsePositiveRate(bitsPerKey: number): number {
  const k = bloomProbeCount(bitsPerKey);
  return (1 - Math.exp(-k / bitsPerKey)) ** k;
}

/** The filter's hash of the key bytes[start, end): murmur3 with the filter's seed. */
export function bloomHash(bytes: Uint8Array, start = 0, end: number = bytes.length): number {
  return murmur3Hash32(bytes, start, end, hashSeed);
}

/** MurmurHash3 x86_32 of bytes[start, end) (Austin Appleby's reference); an unsigned value. */
export function murmur3Hash32(bytes: Uint8Array, start: number, end: number, seed: number): number {
  assert(start >= 0 && start <= end && end <= bytes.length, "hash range inside the bytes");
  let h = seed | 0;
  const wordsEnd = start + ((end - start) & ~3);
  let i = start;
  for (; i < wordsEnd; i += 4) {
    const word = (bytes[i] ?? 0) | ((bytes[i + 1] ?? 0) << 8) | ((bytes[i + 2] ?? 0) << 16) | ((bytes[i + 3] ?? 0) << 24);
    h ^= mixWord(word);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const tailLength = end - i;
  if (tailLength > 0) {
    let word = bytes[i] ?? 0;
    if (tailLength > 1) word |= (bytes[i + 1] ?? 0) << 8;
    if (tailLength > 2) word |= (bytes[i + 2] ?? 0) << 16;
    h ^= mixWord(word);
  }
  return finalMix(h ^ (end - start)) >>> 0;
}

function mixWord(word: number): number {
  let k = Math.imul(word, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, 0x1b873593);
}

function finalMix(value: number): number {
  let h = value;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

/** Collects key hashes, then lays out the filter. */
export class BloomFilterBuilder {
  readonly #bitsPerKey: number;
  #hashes = new Uint32Array(1024);
  #keyCount = 0;

  constructor(bitsPerKey: number) {
    assert(bitsPerKey > 0 && bitsPerKey <= bloomBitsPerKeyMax, "bits per key within (0, bloomBitsPerKeyMax]");
    this.#bitsPerKey = bitsPerKey;
  }

  get keyCount(): number {
    return this.#keyCount;
  }

  /** Adds a key by its `bloomHash`. Adding a key twice is harmless; the table adds each user key once. */
  addHash(hash: number): void {
    assert(hash >= 0 && hash <= 0xffff_ffff, "hash is an unsigned 32-bit value");
    if (this.#keyCount === this.#hashes.length) {
      const grown = new Uint32Array(this.#hashes.length * 2);
      grown.set(this.#hashes);
      this.#hashes = grown;
    }
    this.#hashes[this.#keyCount++] = hash;
  }

  finish(): Uint8Array {
    const bitCountWanted = Math.max(bitsMin, Math.ceil(this.#keyCount * this.#bitsPerKey));
    const byteLength = Math.ceil(bitCountWanted / 8);
    const bitCount = byteLength * 8;
    assert(bitCount <= 0xffff_ffff, "the bit array is addressable by a 32-bit probe");
    const k = bloomProbeCount(this.#bitsPerKey);
    const filter = new Uint8Array(byteLength + 1);
    for (let i = 0; i < this.#keyCount; i++) setProbes(filter, bitCount, k, this.#hashes[i] ?? 0);
    filter[byteLength] = k;
    return filter;
  }
}

/** A decoded filter. `mayContain` is false only for keys that were never added. */
export class BloomFilter {
  readonly #bits: Uint8Array;
  readonly #bitCount: number;
  readonly #probeCount: number;

  private constructor(bits: Uint8Array, probeCount: number) {
    this.#bits = bits;
    this.#bitCount = bits.length * 8;
    this.#probeCount = probeCount;
  }

  /** Wraps the filter block `bytes` (kept, not copied). */
  static decode(bytes: Uint8Array, location: BlockLocation): BloomFilter {
    if (bytes.length < 2) throw blockCorruption(location, `filter of ${bytes.length} bytes is too short`);
    const probeCount = bytes[bytes.length - 1] ?? 0;
    if (probeCount < 1 || probeCount > probeCountMax) throw blockCorruption(location, `filter probe count ${probeCount} outside [1, ${probeCountMax}]`);
    return new BloomFilter(bytes.subarray(0, bytes.length - 1), probeCount);
  }

  get probeCount(): number {
    return this.#probeCount;
  }

  get bitCount(): number {
    return this.#bitCount;
  }

  mayContain(userKey: Uint8Array): boolean {
    return this.mayContainHash(bloomHash(userKey));
  }

  /** `mayContain` for a key whose `bloomHash` the caller computed once for many tables. */
  mayContainHash(hash: number): boolean {
    const bits = this.#bits;
    const m = this.#bitCount;
    let a = hash;
    let b = secondHash(hash);
    for (let i = 0; i < this.#probeCount; i++) {
      const bit = a % m;
      if (((bits[bit >>> 3] ?? 0) & (1 << (bit & 7))) === 0) return false;
      a = (a + b) >>> 0;
      b = (b + i) >>> 0;
    }
    return true;
  }
}

function setProbes(filter: Uint8Array, bitCount: number, k: number, hash: number): void {
  let a = hash;
  let b = secondHash(hash);
  for (let i = 0; i < k; i++) {
    const bit = a % bitCount;
    filter[bit >>> 3] = (filter[bit >>> 3] ?? 0) | (1 << (bit & 7));
    a = (a + b) >>> 0;
    b = (b + i) >>> 0;
  }
}

function secondHash(hash: number): number {
  return finalMix(hash ^ 0x5bd1e995) >>> 0;
}
