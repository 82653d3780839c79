/**
 * One bloom filter per table over its USER keys (every version of a key maps to the same bits), so
 * a point lookup skips a table that cannot hold the key without reading any of its data blocks.
 * Tables of format version 2 use the blocked layout, version 1 tables the classic one; the reader
 * picks by the table's version. Both start from one 32-bit murmur3 hash of the user key.
 *
 * Blocked (cache-line local, after RocksDB's FastLocalBloom): all k probes of a key fall in one
 * 64-byte line, so a lookup costs one cache miss instead of k, and no division.
 *
 *   +------------------------------------------------+-----+
 *   | lines of 512 bits (64 bytes), L = byteLength/64 | k   |
 *   | bit i of a line is byte i >> 3, mask 1 << (i&7) | u8  |
 *   +------------------------------------------------+-----+
 *
 * L = max(1, ceil(n * bitsPerKey / 512)); line = floor(hash * L / 2^32); within it, probe j is the
 * top 9 bits of x_j, where x_0 = a remix of the hash and x_{j+1} = x_j * 0x9e3779b9 mod 2^32.
 * k = round(bitsPerKey * ln 2) - 1, at least 1: lines fill unevenly, so one probe fewer than the
 * classic optimum is best. About 0.95% false positives at 10 bits per key (classic: 0.82%).
 *
 * Classic (format version 1, read only):
 *
 *   +----------------------------------------------+-----+
 *   | bit array, m = 8 * byteLength bits            | k   |
 *   | bit i is byte i >> 3, mask 1 << (i & 7)       | u8  |
 *   +----------------------------------------------+-----+
 *
 * m = max(64, ceil(n * bitsPerKey)) rounded up to a whole byte; k = round(bitsPerKey * ln 2)
 * clamped to [1, 30], the k that minimises the false-positive rate (1 - e^(-k/b))^k, about
 * 0.6185^b. A key's k bit positions come by enhanced double hashing (Dillinger and Manolios):
 * h1 = hash, h2 = a remix of it, probe i is ((h1 + i*h2 + C(i, 3)) mod 2^32) mod m, computed
 * incrementally.
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
const lineBytes = 64;
const lineBits = 8 * lineBytes;
const probeMultiplier = 0x9e3779b9;

/** Filter block layouts: which one a table uses follows from its format version. */
export type BloomLayout = "blocked" | "classic";

/** The number of probes (hash functions) of a classic filter with `bitsPerKey`. */
export function bloomProbeCount(bitsPerKey: number): number {
  assert(bitsPerKey > 0, "a filter has a positive number of bits per key");
  return Math.min(probeCountMax, Math.max(1, Math.round(bitsPerKey * Math.LN2)));
}

/** The number of probes of a blocked filter with `bitsPerKey`: one fewer than the classic optimum. */
export function blockedBloomProbeCount(bitsPerKey: number): number {
  return Math.max(1, bloomProbeCount(bitsPerKey) - 1);
}

/** The theoretical false-positive rate of a classic filter with `bitsPerKey` and its probe count. */
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

/** Collects key hashes, then lays out a blocked filter (the only layout written). */
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

  /** The filter block in `layout` (classic only to write version 1 tables for compatibility tests). */
  finish(layout: BloomLayout = "blocked"): Uint8Array {
    if (layout === "classic") return this.#finishClassic();
    const lineCount = Math.max(1, Math.ceil((this.#keyCount * this.#bitsPerKey) / lineBits));
    const byteLength = lineCount * lineBytes;
    assert(byteLength <= 0x7fff_ffff, "the filter is addressable");
    const k = blockedBloomProbeCount(this.#bitsPerKey);
    const filter = new Uint8Array(byteLength + 1);
    for (let i = 0; i < this.#keyCount; i++) setBlockedProbes(filter, lineCount, k, this.#hashes[i] ?? 0);
    filter[byteLength] = k;
    return filter;
  }

  #finishClassic(): Uint8Array {
    const bitCountWanted = Math.max(bitsMin, Math.ceil(this.#keyCount * this.#bitsPerKey));
    const byteLength = Math.ceil(bitCountWanted / 8);
    const bitCount = byteLength * 8;
    assert(bitCount <= 0xffff_ffff, "the bit array is addressable by a 32-bit probe");
    const k = bloomProbeCount(this.#bitsPerKey);
    const filter = new Uint8Array(byteLength + 1);
    for (let i = 0; i < this.#keyCount; i++) setClassicProbes(filter, bitCount, k, this.#hashes[i] ?? 0);
    filter[byteLength] = k;
    return filter;
  }
}

/** A decoded filter. `mayContain` is false only for keys that were never added. */
export class BloomFilter {
  readonly #bits: Uint8Array;
  readonly #bitCount: number;
  readonly #probeCount: number;
  readonly #isBlocked: boolean;
  readonly #lineCount: number;

  private constructor(bits: Uint8Array, probeCount: number, layout: BloomLayout) {
    this.#bits = bits;
    this.#bitCount = bits.length * 8;
    this.#probeCount = probeCount;
    this.#isBlocked = layout === "blocked";
    this.#lineCount = this.#isBlocked ? bits.length / lineBytes : 0;
  }

  /** Wraps the filter block `bytes` (kept, not copied) of the given layout. */
  static decode(bytes: Uint8Array, location: BlockLocation, layout: BloomLayout): BloomFilter {
    if (bytes.length < 2) throw blockCorruption(location, `filter of ${bytes.length} bytes is too short`);
    const probeCount = bytes[bytes.length - 1] ?? 0;
    if (probeCount < 1 || probeCount > probeCountMax) throw blockCorruption(location, `filter probe count ${probeCount} outside [1, ${probeCountMax}]`);
    const bits = bytes.subarray(0, bytes.length - 1);
    if (layout === "blocked" && bits.length % lineBytes !== 0) {
      throw blockCorruption(location, `blocked filter of ${bits.length} bytes is not whole ${lineBytes}-byte lines`);
    }
    return new BloomFilter(bits, probeCount, layout);
  }

  get probeCount(): number {
    return this.#probeCount;
  }

  get bitCount(): number {
    return this.#bitCount;
  }

  get layout(): BloomLayout {
    return this.#isBlocked ? "blocked" : "classic";
  }

  mayContain(userKey: Uint8Array): boolean {
    return this.mayContainHash(bloomHash(userKey));
  }

  /** `mayContain` for a key whose `bloomHash` the caller computed once for many tables. */
  mayContainHash(hash: number): boolean {
    const bits = this.#bits;
    if (this.#isBlocked) {
      const lineStart = Math.floor((hash * this.#lineCount) / 0x1_0000_0000) * lineBytes;
      let x = secondHash(hash);
      for (let i = 0; i < this.#probeCount; i++) {
        const bit = x >>> 23;
        if (((bits[lineStart + (bit >>> 3)] ?? 0) & (1 << (bit & 7))) === 0) return false;
        x = Math.imul(x, probeMultiplier);
      }
      return true;
    }
    return mayContainClassic(bits, this.#bitCount, this.#probeCount, hash);
  }
}

function setBlockedProbes(filter: Uint8Array, lineCount: number, k: number, hash: number): void {
  const lineStart = Math.floor((hash * lineCount) / 0x1_0000_0000) * lineBytes;
  let x = secondHash(hash);
  for (let i = 0; i < k; i++) {
    const bit = x >>> 23;
    const at = lineStart + (bit >>> 3);
    filter[at] = (filter[at] ?? 0) | (1 << (bit & 7));
    x = Math.imul(x, probeMultiplier);
  }
}

function mayContainClassic(bits: Uint8Array, m: number, k: number, hash: number): boolean {
  let a = hash;
  let b = secondHash(hash);
  for (let i = 0; i < k; i++) {
    const bit = a % m;
    if (((bits[bit >>> 3] ?? 0) & (1 << (bit & 7))) === 0) return false;
    a = (a + b) >>> 0;
    b = (b + i) >>> 0;
  }
  return true;
}

function setClassicProbes(filter: Uint8Array, bitCount: number, k: number, hash: number): void {
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
