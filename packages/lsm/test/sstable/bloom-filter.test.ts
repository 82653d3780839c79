/**
 * The bloom filter, in both layouts: no false negatives ever, and a measured false-positive rate
 * that matches theory over 100,000 absent keys at several bits-per-key settings: for the classic
 * layout (1 - e^(-k/b))^k ~ 0.6185^b; for the blocked one the same per 512-bit line, averaged over
 * the Poisson-distributed number of keys a line gets.
 */
import { describe, expect, it } from "vitest";
import { CorruptionError } from "../../src/errors.ts";
import {
  BloomFilter,
  BloomFilterBuilder,
  blockedBloomProbeCount,
  bloomFalsePositiveRate,
  type BloomLayout,
  bloomHash,
  bloomProbeCount,
  murmur3Hash32,
} from "../../src/sstable/bloom-filter.ts";
import { text } from "./helpers.ts";

const location = { path: "t.sst", offset: 100, what: "filter block" };

function keyBytes(prefix: string, i: number): Uint8Array {
  return text(`${prefix}${String(i).padStart(8, "0")}`);
}

function buildFilter(bitsPerKey: number, keyCount: number, layout: BloomLayout = "blocked"): BloomFilter {
  const builder = new BloomFilterBuilder(bitsPerKey);
  for (let i = 0; i < keyCount; i++) builder.addHash(bloomHash(keyBytes("present-", i)));
  return BloomFilter.decode(builder.finish(layout), location, layout);
}

/** The false-positive rate of a blocked filter: a line of 512 bits gets Poisson(512 / b) keys. */
function blockedFalsePositiveRate(bitsPerKey: number): number {
  const k = blockedBloomProbeCount(bitsPerKey);
  const keysPerLine = 512 / bitsPerKey;
  let probability = Math.exp(-keysPerLine);
  let rate = 0;
  for (let keys = 0; keys < 1000; keys++) {
    if (keys > 0) probability *= keysPerLine / keys;
    rate += probability * (1 - (1 - 1 / 512) ** (k * keys)) ** k;
  }
  return rate;
}

describe("murmur3", () => {
  it("matches the reference vectors", () => {
    const hash = (s: string, seed: number): number => {
      const bytes = text(s);
      return murmur3Hash32(bytes, 0, bytes.length, seed);
    };
    expect(hash("", 0)).toBe(0);
    expect(hash("", 1)).toBe(0x514e28b7);
    expect(hash("", 0xffffffff)).toBe(0x81f16f39);
    expect(hash("test", 0)).toBe(0xba6bd213);
    expect(hash("Hello, world!", 0x9747b28c)).toBe(0x24884cba);
    expect(hash("The quick brown fox jumps over the lazy dog", 0x9747b28c)).toBe(0x2fa826cd);
    expect(hash("abc", 0)).toBe(0xb3dd93fa);
  });

  it("hashes a range the same as a copy of it", () => {
    const bytes = text("xxuser-key-1yy");
    expect(bloomHash(bytes, 2, 12)).toBe(bloomHash(text("user-key-1")));
  });
});

describe("bloom filter", () => {
  it("picks k = round(b ln 2) clamped to [1, 30]", () => {
    expect(bloomProbeCount(10)).toBe(7);
    expect(bloomProbeCount(1)).toBe(1);
    expect(bloomProbeCount(0.5)).toBe(1);
    expect(bloomProbeCount(16)).toBe(11);
    expect(bloomProbeCount(64)).toBe(30);
    expect(bloomFalsePositiveRate(10)).toBeCloseTo(0.6185 ** 10, 3);
  });

  it.each(["blocked", "classic"] as const)("has no false negatives (%s)", (layout) => {
    for (const bitsPerKey of [1, 4, 10, 20]) {
      const filter = buildFilter(bitsPerKey, 20_000, layout);
      expect(filter.layout).toBe(layout);
      for (let i = 0; i < 20_000; i++) expect(filter.mayContain(keyBytes("present-", i))).toBe(true);
    }
  });

  it.each([
    ["blocked", 6],
    ["blocked", 10],
    ["blocked", 16],
    ["classic", 6],
    ["classic", 10],
    ["classic", 16],
  ] as const)("measures the theoretical false-positive rate (%s, %i bits per key)", (layout, bitsPerKey) => {
    const keyCount = 100_000;
    const probes = 100_000;
    const filter = buildFilter(bitsPerKey, keyCount, layout);
    let falsePositives = 0;
    for (let i = 0; i < probes; i++) if (filter.mayContain(keyBytes("absent-", i))) falsePositives += 1;
    const measured = falsePositives / probes;
    const theory = layout === "blocked" ? blockedFalsePositiveRate(bitsPerKey) : bloomFalsePositiveRate(bitsPerKey);
    // The count is binomial: allow 5 standard deviations of sampling noise plus 15% of systematic
    // deviation from the ideal independent-hash model.
    const tolerance = 5 * Math.sqrt(theory * (1 - theory) / probes) + 0.15 * theory;
    expect(Math.abs(measured - theory), `measured ${measured}, theory ${theory}`).toBeLessThan(tolerance);
  });

  it("stays within 1% false positives at the default 10 bits per key in the blocked layout", () => {
    expect(blockedBloomProbeCount(10)).toBe(6);
    expect(blockedFalsePositiveRate(10)).toBeLessThan(0.01);
    expect(blockedBloomProbeCount(1)).toBe(1);
  });

  it("sizes the bit array from the key count: whole 512-bit lines (blocked), at least 64 bits (classic)", () => {
    expect(buildFilter(10, 1000).bitCount).toBe(10_240);
    expect(buildFilter(10, 1).bitCount).toBe(512);
    expect(buildFilter(10, 1000, "classic").bitCount).toBe(10_000);
    expect(buildFilter(10, 1, "classic").bitCount).toBe(64);
    expect(buildFilter(7, 3, "classic").bitCount).toBe(64);
    expect(buildFilter(10, 1001, "classic").bitCount).toBe(10_016);
  });

  it("rejects a malformed filter block", () => {
    expect(() => BloomFilter.decode(new Uint8Array(1), location, "classic")).toThrow(CorruptionError);
    expect(() => BloomFilter.decode(Uint8Array.from([0xff, 0]), location, "classic")).toThrow(/probe count 0/);
    expect(() => BloomFilter.decode(Uint8Array.from([0xff, 31]), location, "classic")).toThrow(/probe count 31/);
    expect(() => BloomFilter.decode(Uint8Array.from([0xff, 6]), location, "blocked")).toThrow(/not whole 64-byte lines/);
  });

  it.each(["blocked", "classic"] as const)("an empty filter contains nothing (%s)", (layout) => {
    const filter = BloomFilter.decode(new BloomFilterBuilder(10).finish(layout), location, layout);
    expect(filter.mayContain(text("anything"))).toBe(false);
  });
});
