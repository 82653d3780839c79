/**
 * Blocks: builder and iterator against a sorted array, at several restart intervals; hand-made
 * malformed blocks, one per structural check; and a fuzz run showing that any damage surfaces as
 * a CorruptionError, never as another exception or an out-of-bounds read.
 */
import { describe, expect, it } from "vitest";
import { withSeed, type SeededRandom } from "@omnikv/testkit";
import { CorruptionError } from "../../src/errors.ts";
import { compareInternalKeys, trailerBytes } from "../../src/internal-key.ts";
import { writeVarint } from "../../src/internal/bytes.ts";
import { Block, BlockIterator } from "../../src/sstable/block.ts";
import { BlockBuilder } from "../../src/sstable/block-builder.ts";
import { bloomHash } from "../../src/sstable/bloom-filter.ts";
import { describeKey, entryAt, ikey, lowerBound, sortEntries, text, type Entry } from "./helpers.ts";

const location = { path: "test.sst", offset: 4096, what: "data block" };

function buildBlock(entries: readonly Entry[], restartInterval: number, hasHashIndex = false): Block {
  const builder = new BlockBuilder({ restartInterval, hasHashIndex });
  for (const e of entries) builder.add(e.key, e.value, hasHashIndex ? userKeyHash(e.key) : undefined);
  return Block.decode(builder.finish().slice(), location);
}

function userKeyHash(internalKey: Uint8Array): number {
  return bloomHash(internalKey, 0, internalKey.length - trailerBytes);
}

function randomEntries(random: SeededRandom, count: number): Entry[] {
  const entries = new Map<string, Entry>();
  while (entries.size < count) {
    const userKey = `user/${"p".repeat(random.int(0, 20))}${random.int(0, 40)}`;
    const key = ikey(userKey, random.int(0, 1000), random.chance(0.2) ? 0 : 1);
    entries.set(describeKey(key), { key, value: random.bytes(random.int(0, 40)) });
  }
  return sortEntries([...entries.values()]);
}

function forward(iterator: BlockIterator): string[] {
  const keys: string[] = [];
  for (iterator.seekToFirst(); iterator.isValid; iterator.next()) keys.push(describeKey(iterator.key()));
  return keys;
}

function backward(iterator: BlockIterator): string[] {
  const keys: string[] = [];
  for (iterator.seekToLast(); iterator.isValid; iterator.prev()) keys.push(describeKey(iterator.key()));
  return keys;
}

describe("block builder and iterator", () => {
  it("iterate forward and backward at every restart interval", async () => {
    await withSeed("block round trip", (random) => {
      for (const interval of [1, 2, 3, 16, 1024]) {
        const entries = randomEntries(random, random.int(1, 120));
        const iterator = new BlockIterator(buildBlock(entries, interval));
        const expected = entries.map((e) => describeKey(e.key));
        expect(forward(iterator)).toEqual(expected);
        expect(backward(iterator)).toEqual(expected.toReversed());
        for (iterator.seekToFirst(); iterator.isValid; iterator.next()) {
          const entry = entries.find((e) => compareInternalKeys(e.key, iterator.key()) === 0);
          expect(iterator.value()).toEqual(entry?.value);
        }
      }
    });
  });

  it("seek and seekForPrev land where the sorted array says", async () => {
    await withSeed("block seeks", (random) => {
      const entries = randomEntries(random, 200);
      const iterator = new BlockIterator(buildBlock(entries, random.pick([1, 4, 16])));
      for (let i = 0; i < 500; i++) {
        const target = ikey(`user/${"p".repeat(random.int(0, 21))}${random.int(0, 41)}`, random.int(0, 1001), random.int(0, 1));
        const at = lowerBound(entries, target);
        iterator.seek(target);
        expect(iterator.isValid ? describeKey(iterator.key()) : "end").toBe(at < entries.length ? describeKey(entryAt(entries, at).key) : "end");
        const exact = at < entries.length && compareInternalKeys(entryAt(entries, at).key, target) === 0;
        const before = exact ? at : at - 1;
        iterator.seekForPrev(target);
        expect(iterator.isValid ? describeKey(iterator.key()) : "start").toBe(before >= 0 ? describeKey(entryAt(entries, before).key) : "start");
      }
    });
  });

  it("keeps value views valid after moving; key views until the next move", () => {
    const entries = [
      { key: ikey("a", 1), value: text("one") },
      { key: ikey("b", 1), value: text("two") },
    ];
    const iterator = new BlockIterator(buildBlock(entries, 16));
    iterator.seekToFirst();
    const value = iterator.value();
    const key = iterator.key().slice();
    iterator.next();
    expect(value).toEqual(text("one"));
    expect(describeKey(key)).toBe("a#1,PUT");
    iterator.next();
    expect(iterator.isValid).toBe(false);
  });

  it("stores long shared prefixes compactly", () => {
    const prefix = "x".repeat(200);
    const entries = Array.from({ length: 32 }, (_, i) => ({ key: ikey(`${prefix}${String(i).padStart(2, "0")}`, 1), value: new Uint8Array(0) }));
    const block = buildBlock(entries, 16);
    // Two restarts store the 210-byte key whole; the other 30 entries store a few bytes each.
    expect(block.bytes.length).toBeLessThan(2 * 215 + 30 * 15 + 3 * 4);
    expect(forward(new BlockIterator(block))).toHaveLength(32);
  });
});

/** Encodes entries by hand so tests can write what the builder never would. */
function rawBlock(entries: readonly (readonly [shared: number, delta: Uint8Array, value: Uint8Array])[], restarts: readonly number[]): Uint8Array {
  const out = new Uint8Array(4096);
  let at = 0;
  for (const [shared, delta, value] of entries) {
    at = writeVarint(out, at, shared);
    at = writeVarint(out, at, delta.length);
    at = writeVarint(out, at, value.length);
    out.set(delta, at);
    out.set(value, at + delta.length);
    at += delta.length + value.length;
  }
  const view = new DataView(out.buffer);
  for (const restart of restarts) {
    view.setUint32(at, restart, true);
    at += 4;
  }
  view.setUint32(at, restarts.length, true);
  return out.slice(0, at + 4);
}

function expectCorruption(bytes: Uint8Array, pattern: RegExp): void {
  const run = (): void => {
    const iterator = new BlockIterator(Block.decode(bytes, location));
    forward(iterator);
    backward(iterator);
    iterator.seek(ikey("m", 5));
  };
  expect(run).toThrow(CorruptionError);
  expect(run).toThrow(pattern);
}

describe("malformed blocks", () => {
  const a = ikey("apple", 1);
  const b = ikey("apricot", 1);

  it("restart array problems are caught at decode", () => {
    const restartsZero = rawBlock([[0, a, text("v")]], []);
    expectCorruption(restartsZero, /no restart points/);
    const tooMany = rawBlock([[0, a, text("v")]], [0]);
    new DataView(tooMany.buffer).setUint32(tooMany.length - 4, 1000, true);
    expectCorruption(tooMany, /restart count 1000 does not fit/);
    expectCorruption(rawBlock([[0, a, text("v")]], [3]), /restart 0 is at 3/);
    expectCorruption(rawBlock([[0, a, text("v")], [2, b.subarray(2), text("w")]], [0, 0]), /out of order/);
    expectCorruption(rawBlock([[0, a, text("v")]], [0, 500]), /out of order or outside/);
    expectCorruption(new Uint8Array(3), /too short/);
  });

  it("entry problems are caught when the entry is decoded", () => {
    expectCorruption(rawBlock([[0, a, text("v")], [40, b.subarray(2), text("w")]], [0]), /shares 40 bytes with a 13-byte previous key/);
    expectCorruption(rawBlock([[3, a, text("v")]], [0]), /restart entry shares 3 bytes|malformed restart entry/);
    expectCorruption(rawBlock([[0, text("short"), text("v")]], [0]), /not an internal key|malformed restart entry/);
    const valuePastEnd = rawBlock([[0, a, text("v")], [2, b.subarray(2), text("w")]], [0]);
    valuePastEnd[a.length + 3 + 1 + 3 - 1] = 100; // the second entry's value length
    expectCorruption(valuePastEnd, /past the entries/);
    const badVarint = rawBlock([[0, a, text("v")], [2, b.subarray(2), text("w")]], [0]);
    badVarint.fill(0xff, a.length + 4, a.length + 9);
    expectCorruption(badVarint, /malformed entry header/);
  });

  it("an entry that straddles a restart point is caught", () => {
    const first = rawBlock([[0, a, text("v")]], [0]);
    const entryBytes = first.length - 8;
    expectCorruption(rawBlock([[0, a, text("v")], [0, b, text("w")]], [0, entryBytes - 2]), /straddles the restart point/);
  });

  it("fuzzed blocks fail only with CorruptionError", async () => {
    let corruptions = 0;
    await withSeed("block fuzz", (random) => {
      for (let round = 0; round < 3000; round++) {
        const entries = randomEntries(random, random.int(1, 30));
        const hasHashIndex = random.chance(0.5);
        const builder = new BlockBuilder({ restartInterval: random.pick([1, 2, 16]), hasHashIndex });
        for (const e of entries) builder.add(e.key, e.value, hasHashIndex ? userKeyHash(e.key) : undefined);
        const bytes = builder.finish().slice();
        const flips = random.int(1, 4);
        for (let i = 0; i < flips; i++) bytes[random.int(0, bytes.length - 1)] = random.nextUint32() & 0xff;
        const damaged = random.chance(0.2) ? bytes.subarray(0, random.int(0, bytes.length)) : bytes;
        try {
          const iterator = new BlockIterator(Block.decode(damaged, location));
          forward(iterator);
          backward(iterator);
          const target = entryAt(entries, random.int(0, entries.length - 1)).key;
          iterator.seek(target);
          if (iterator.isValid) iterator.value();
        } catch (error) {
          if (!(error instanceof CorruptionError)) throw error;
          corruptions += 1;
        }
      }
    });
    // Most damage is caught (the rest hit values or key bytes, which only the block CRC catches).
    expect(corruptions).toBeGreaterThan(1000);
  });
});
