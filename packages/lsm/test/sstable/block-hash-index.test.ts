/**
 * The data block hash index: a point lookup through it (`BlockLookup`: bucket -> restart interval
 * -> forward scan) lands on the same entry as the binary search over the restart keys
 * (`BlockIterator.seek`), for present keys at every
 * snapshot and for absent keys; buckets stay mostly unshared; a malformed index is a
 * CorruptionError at decode; and a block too large to index is written without one.
 */
import { describe, expect, it } from "vitest";
import { withSeed, type SeededRandom } from "@omnikv/testkit";
import { CorruptionError } from "../../src/errors.ts";
import { ValueKind, kindForSeek, trailerBytes } from "../../src/internal-key.ts";
import { writeUint32 } from "../../src/sstable/format.ts";
import { Block, BlockIterator } from "../../src/sstable/block.ts";
import { BlockBuilder } from "../../src/sstable/block-builder.ts";
import {
  HashIndexBuilder,
  blockFlagHashIndex,
  bucketOf,
  hashBucketCollision,
  hashBucketEmpty,
  hashIndexRestartCountMax,
  hashLookupAbsent,
  hashLookupUnknown,
  lookupHashIndex,
} from "../../src/sstable/block-hash-index.ts";
import { BlockLookup } from "../../src/sstable/block-lookup.ts";
import { bloomHash } from "../../src/sstable/bloom-filter.ts";
import { describeKey, ikey, sortEntries, text, type Entry } from "./helpers.ts";

const location = { path: "test.sst", offset: 0, what: "data block" };

function userKeyHash(internalKey: Uint8Array): number {
  return bloomHash(internalKey, 0, internalKey.length - trailerBytes);
}

function buildBlock(entries: readonly Entry[], restartInterval: number): Block {
  const builder = new BlockBuilder({ restartInterval, hasHashIndex: true });
  for (const e of entries) builder.add(e.key, e.value, userKeyHash(e.key));
  return Block.decode(builder.finish().slice(), location);
}

/** Up to `userKeyCount` user keys with 1..4 versions each (some deletes), sorted. */
function versionedEntries(random: SeededRandom, userKeyCount: number): Entry[] {
  const entries = new Map<string, Entry>();
  for (let i = 0; i < userKeyCount; i++) {
    const userKey = `k/${random.int(0, 3 * userKeyCount)}`;
    for (let v = random.int(1, 4); v > 0; v--) {
      const key = ikey(userKey, random.int(1, 100), random.chance(0.2) ? ValueKind.Delete : ValueKind.Put);
      entries.set(describeKey(key), { key, value: random.bytes(random.int(0, 20)) });
    }
  }
  return sortEntries([...entries.values()]);
}

/** What the block's hash index says of a user key: a restart index, absent or unknown. */
function restartFor(block: Block, userKey: Uint8Array): number {
  if (block.hashBucketCount === 0) return hashLookupUnknown;
  return lookupHashIndex(block.bytes, block.hashBucketsOffset, block.hashBucketCount, bloomHash(userKey));
}

/** The lookup of (userKey, snapshot) through the hash index (`BlockLookup`): the entry's key, or "none". */
function lookupByHash(block: Block, userKey: string, snapshot: number): string {
  const lookup = new BlockLookup();
  const user = text(userKey);
  if (!lookup.find(block.bytes, { path: location.path, blockOffset: location.offset }, user, snapshot, bloomHash(user))) return "none";
  return `${userKey}#${lookup.sequence},${lookup.kind === ValueKind.Delete ? "DEL" : "PUT"}`;
}

/** The same lookup by binary search over the restart keys (`BlockIterator.seek`). */
function lookupBySearch(block: Block, userKey: string, snapshot: number): string {
  const iterator = new BlockIterator(block);
  iterator.seek(ikey(userKey, snapshot, kindForSeek));
  if (!iterator.isValid) return "none";
  const found = describeKey(iterator.key());
  return found.startsWith(`${userKey}#`) ? found : "none";
}

describe("data block hash index", () => {
  it("finds what the binary search finds, for present and absent keys at every snapshot", async () => {
    await withSeed("hash index vs binary search", (random) => {
      const counts = { restart: 0, absent: 0, unknown: 0 };
      for (let round = 0; round < 200; round++) {
        const entries = versionedEntries(random, random.int(1, 60));
        const block = buildBlock(entries, random.pick([1, 2, 4, 8, 16]));
        expect(block.hashBucketCount).toBeGreaterThan(0);
        for (let q = 0; q < 100; q++) {
          const userKey = `k/${random.int(0, 200)}`;
          const snapshot = random.int(0, 101);
          const restart = restartFor(block, text(userKey));
          if (restart >= 0) counts.restart += 1;
          else if (restart === hashLookupAbsent) counts.absent += 1;
          else counts.unknown += 1;
          expect(lookupByHash(block, userKey, snapshot)).toBe(lookupBySearch(block, userKey, snapshot));
        }
      }
      // Every path is exercised, and shared buckets stay the exception.
      expect(counts.restart).toBeGreaterThan(0);
      expect(counts.absent).toBeGreaterThan(0);
      expect(counts.unknown).toBeGreaterThan(0);
      expect(counts.unknown).toBeLessThan(0.3 * (counts.restart + counts.unknown));
    });
  });

  it("names the interval of a user key's first entry when its versions span intervals", () => {
    const entries = [ikey("a", 1), ikey("b", 9), ikey("b", 8), ikey("b", 7), ikey("b", 6), ikey("b", 5), ikey("c", 3)].map((key) => ({ key, value: text("v") }));
    const block = buildBlock(entries, 2);
    expect(restartFor(block, text("b"))).toBeOneOf([0, hashLookupUnknown]);
    for (const snapshot of [4, 5, 6, 7, 8, 9, 10]) {
      expect(lookupByHash(block, "b", snapshot)).toBe(snapshot < 5 ? "none" : `b#${Math.min(snapshot, 9)},PUT`);
    }
  });

  it("spreads keys over the buckets uniformly", () => {
    const bucketCount = 64;
    const hits = Array.from({ length: bucketCount }, () => 0);
    for (let i = 0; i < 64_000; i++) {
      const bucket = bucketOf(bloomHash(text(`user${i}`)), bucketCount);
      hits[bucket] = (hits[bucket] ?? 0) + 1;
    }
    for (const count of hits) expect(count).toBeGreaterThan(800);
    for (const count of hits) expect(count).toBeLessThan(1200);
  });

  it("marks a bucket shared by two intervals as a collision, and one interval's keys as that interval", () => {
    const builder = new HashIndexBuilder();
    const hash = 12345;
    builder.add(hash, 0);
    builder.add(hash, 0);
    builder.add(hash, 1);
    const bytes = new Uint8Array(builder.sizeBytesEstimate);
    expect(builder.finishInto(bytes, 0)).toBe(bytes.length);
    const bucketCount = bytes.length - 2;
    expect(bucketCount).toBe(12);
    expect(bytes[bucketOf(hash, bucketCount)]).toBe(hashBucketCollision);
    expect(bytes.filter((b) => b === hashBucketEmpty).length).toBe(bucketCount - 1);
  });

  it("leaves the index out of a block with more restart intervals than a bucket can name", () => {
    const builder = new BlockBuilder({ restartInterval: 1, hasHashIndex: true });
    for (let i = 0; i < hashIndexRestartCountMax + 1; i++) {
      const key = ikey(`k${String(i).padStart(4, "0")}`, 1);
      builder.add(key, text("v"), userKeyHash(key));
    }
    const block = Block.decode(builder.finish().slice(), location);
    expect(block.restartCount).toBe(hashIndexRestartCountMax + 1);
    expect(block.hashBucketCount).toBe(0);
    expect(restartFor(block, text("k0000"))).toBe(hashLookupUnknown);
  });

  it("rejects a malformed index with CorruptionError", () => {
    const entries = [ikey("a", 1), ikey("b", 1), ikey("c", 1)].map((key) => ({ key, value: text("v") }));
    const builder = new BlockBuilder({ restartInterval: 1, hasHashIndex: true });
    for (const e of entries) builder.add(e.key, e.value, userKeyHash(e.key));
    const good = builder.finish().slice();
    const countOffset = good.length - 6;
    const bucketCount = (good[countOffset] ?? 0) | ((good[countOffset + 1] ?? 0) << 8);
    expect(bucketCount).toBe(12);

    const badBucket = good.slice();
    badBucket[countOffset - 1] = 3;
    expect(() => Block.decode(badBucket, location)).toThrow(/hash bucket 11 names restart 3 of 3/);

    const hugeCount = good.slice();
    hugeCount[countOffset + 1] = 0x40;
    expect(() => Block.decode(hugeCount, location)).toThrow(CorruptionError);

    const noBuckets = good.slice();
    noBuckets[countOffset] = 0;
    expect(() => Block.decode(noBuckets, location)).toThrow(/no buckets|restart/);

    const flagOnPlainBlock = new BlockBuilder({ restartInterval: 1 });
    flagOnPlainBlock.add(ikey("a", 1), text("v"));
    const plain = flagOnPlainBlock.finish().slice();
    writeUint32(plain, plain.length - 4, 1 + blockFlagHashIndex);
    expect(() => Block.decode(plain, location)).toThrow(CorruptionError);
  });
});
