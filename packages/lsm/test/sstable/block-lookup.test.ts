/**
 * BlockLookup, the point lookup `TableReader.get` runs inside a block: against a model (the newest
 * version of the user key at or below the snapshot) over random blocks with and without hash
 * indexes, at several restart intervals, with long keys and values (multi-byte varints); and
 * fuzzed blocks that still decode fail only with CorruptionError.
 */
import { describe, expect, it } from "vitest";
import { withSeed, type SeededRandom } from "@omnikv/testkit";
import { CorruptionError } from "../../src/errors.ts";
import { ValueKind, internalKeyKind, internalKeySequence, internalKeyUserKey, trailerBytes } from "../../src/internal-key.ts";
import { compareBytes } from "../../src/internal/bytes.ts";
import { Block } from "../../src/sstable/block.ts";
import { BlockBuilder } from "../../src/sstable/block-builder.ts";
import { BlockLookup, blockShapeSlots } from "../../src/sstable/block-lookup.ts";
import { bloomHash } from "../../src/sstable/bloom-filter.ts";
import { describeKey, ikey, sortEntries, text, type Entry } from "./helpers.ts";

const location = { path: "test.sst", offset: 8192, what: "data block" };
const where = { path: location.path, blockOffset: location.offset };

function userKeyHash(internalKey: Uint8Array): number {
  return bloomHash(internalKey, 0, internalKey.length - trailerBytes);
}

function buildBlockBytes(entries: readonly Entry[], restartInterval: number, hasHashIndex: boolean): Uint8Array {
  const builder = new BlockBuilder({ restartInterval, hasHashIndex });
  for (const e of entries) builder.add(e.key, e.value, hasHashIndex ? userKeyHash(e.key) : undefined);
  return builder.finish().slice();
}

function userKeyOf(random: SeededRandom, isLong: boolean): string {
  return `u/${isLong ? "L".repeat(random.int(100, 300)) : ""}${random.int(0, 50)}`;
}

/** Versions of up to 40 user keys, some long, some values over 127 bytes, some deletes. */
function randomEntries(random: SeededRandom): Entry[] {
  const entries = new Map<string, Entry>();
  const isLong = random.chance(0.2);
  for (let i = random.int(1, 40); i > 0; i--) {
    const userKey = userKeyOf(random, isLong);
    for (let v = random.int(1, 3); v > 0; v--) {
      const isDelete = random.chance(0.2);
      const key = ikey(userKey, random.int(0, 60), isDelete ? ValueKind.Delete : ValueKind.Put);
      entries.set(describeKey(key), { key, value: isDelete ? new Uint8Array(0) : random.bytes(random.chance(0.2) ? random.int(128, 400) : random.int(0, 20)) });
    }
  }
  return sortEntries([...entries.values()]);
}

/** The newest version of `userKey` with sequence <= `snapshot` (then the higher kind), or undefined. */
function modelFind(entries: readonly Entry[], userKey: Uint8Array, snapshot: number): Entry | undefined {
  // Entries are in internal-key order: the first visible version of the user key is the newest.
  return entries.find((e) => compareBytes(internalKeyUserKey(e.key), userKey) === 0 && internalKeySequence(e.key) <= snapshot);
}

describe("block point lookup", () => {
  it("finds the newest visible version, as the model does", async () => {
    await withSeed("block lookup vs model", (random) => {
      const lookup = new BlockLookup();
      for (let round = 0; round < 300; round++) {
        const entries = randomEntries(random);
        const bytes = buildBlockBytes(entries, random.pick([1, 2, 4, 8, 16]), random.chance(0.7));
        const block = Block.decode(bytes, location);
        // The shape as TableReader keeps it for resident blocks (findWithShape), at a non-zero slot.
        const shapes = Int32Array.of(-1, -1, -1, -1, block.restartsOffset, block.restartCount, block.hashBucketsOffset, block.hashBucketCount);
        for (let q = 0; q < 60; q++) {
          const userKey = text(userKeyOf(random, random.chance(0.2)));
          const snapshot = random.pick([0, random.int(0, 61), 1000]);
          const expected = modelFind(entries, userKey, snapshot);
          const isShaped = random.chance(0.5);
          const isFound = isShaped
            ? lookup.findWithShape(bytes, where, userKey, snapshot, bloomHash(userKey), shapes, blockShapeSlots)
            : lookup.find(bytes, where, userKey, snapshot, bloomHash(userKey));
          const actual = isFound ? `${lookup.kind}@${lookup.sequence}:${Buffer.from(bytes.subarray(lookup.valueOffset, lookup.valueOffset + lookup.valueLength)).toString("hex")}` : "none";
          const wanted = expected === undefined ? "none" : `${internalKeyKind(expected.key)}@${internalKeySequence(expected.key)}:${Buffer.from(expected.value).toString("hex")}`;
          expect(actual).toBe(wanted);
        }
      }
    });
  });

  it("fails only with CorruptionError on damaged blocks that still decode", async () => {
    let corruptions = 0;
    await withSeed("block lookup fuzz", (random) => {
      const lookup = new BlockLookup();
      for (let round = 0; round < 2000; round++) {
        const entries = randomEntries(random);
        const bytes = buildBlockBytes(entries, random.pick([1, 2, 16]), random.chance(0.5));
        for (let i = random.int(1, 4); i > 0; i--) bytes[random.int(0, bytes.length - 1)] = random.nextUint32() & 0xff;
        try {
          Block.decode(bytes, location);
        } catch (error) {
          if (!(error instanceof CorruptionError)) throw error;
          continue;
        }
        try {
          for (const entry of entries.slice(0, 5)) {
            const userKey = internalKeyUserKey(entry.key);
            if (lookup.find(bytes, where, userKey, 1000, bloomHash(userKey))) expect(lookup.valueOffset + lookup.valueLength).toBeLessThanOrEqual(bytes.length);
          }
        } catch (error) {
          if (!(error instanceof CorruptionError)) throw error;
          expect(error.offset).toBe(location.offset);
          corruptions += 1;
        }
      }
    });
    // Most flips land in values or key bytes, which only the block CRC catches; header damage is caught here.
    expect(corruptions).toBeGreaterThan(20);
  });

  it("reports the block's kind byte as stored, for the reader to check", () => {
    const key = ikey("k", 5);
    key[key.length - 1] = 7;
    const bytes = buildBlockBytes([{ key, value: text("v") }], 16, true);
    const lookup = new BlockLookup();
    expect(lookup.find(bytes, where, text("k"), 5, bloomHash(text("k")))).toBe(true);
    expect(lookup.kind).toBe(7);
    expect(internalKeyKind(key)).toBe(7);
  });
});
