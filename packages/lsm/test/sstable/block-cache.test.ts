import { describe, expect, it } from "vitest";
import { Block } from "../../src/sstable/block.ts";
import { BlockBuilder } from "../../src/sstable/block-builder.ts";
import { BlockCache } from "../../src/sstable/block-cache.ts";
import { ikey } from "./helpers.ts";

/** A decoded block whose buffer is about `bytes` long. */
function blockOf(bytes: number): Block {
  const builder = new BlockBuilder({ restartInterval: 16 });
  builder.add(ikey("k", 1), new Uint8Array(Math.max(0, bytes - 30)));
  return Block.decode(builder.finish().slice(), { path: "t.sst", offset: 0, what: "data block" });
}

describe("block cache", () => {
  it("counts hits and misses", () => {
    const cache = new BlockCache({ capacityBytes: 1 << 20 });
    const block = blockOf(1000);
    expect(cache.get(1, 0)).toBeUndefined();
    cache.set(1, 0, block);
    expect(cache.get(1, 0)).toBe(block);
    expect(cache.get(1, 4096)).toBeUndefined();
    expect(cache.get(2, 0)).toBeUndefined();
    expect({ hits: cache.hits, misses: cache.misses }).toEqual({ hits: 1, misses: 3 });
  });

  it("stays within its capacity, dropping the least recently used block", () => {
    const cache = new BlockCache({ capacityBytes: 10_000 });
    for (let i = 0; i < 8; i++) cache.set(1, i * 2000, blockOf(2000));
    const stats = cache.stats();
    expect(stats.sizeBytes).toBeLessThanOrEqual(10_000);
    expect(stats.entryCount).toBe(4);
    expect(cache.get(1, 0)).toBeUndefined();
    expect(cache.get(1, 7 * 2000)).toBeDefined();
    // Touch the oldest survivor, add one more: the next-oldest goes instead.
    expect(cache.get(1, 4 * 2000)).toBeDefined();
    cache.set(1, 8 * 2000, blockOf(2000));
    expect(cache.get(1, 4 * 2000)).toBeDefined();
    expect(cache.get(1, 5 * 2000)).toBeUndefined();
  });

  it("does not keep a block larger than the whole cache", () => {
    const cache = new BlockCache({ capacityBytes: 1000 });
    cache.set(1, 0, blockOf(5000));
    expect(cache.get(1, 0)).toBeUndefined();
    expect(cache.sizeBytes).toBe(0);
  });

  it("evicts every block of one file and nothing else", () => {
    const cache = new BlockCache({ capacityBytes: 1 << 20 });
    for (let i = 0; i < 10; i++) {
      cache.set(3, i * 100, blockOf(100));
      cache.set(4, i * 100, blockOf(100));
    }
    expect(cache.evictFile(3)).toBe(10);
    expect(cache.evictFile(3)).toBe(0);
    expect(cache.get(3, 0)).toBeUndefined();
    expect(cache.get(4, 900)).toBeDefined();
    expect(cache.stats().entryCount).toBe(10);
  });

  it("keeps huge file numbers and offsets apart (string keys past 2^53)", () => {
    const cache = new BlockCache({ capacityBytes: 1 << 20 });
    const a = blockOf(100);
    const b = blockOf(100);
    const bigFile = 2 ** 40;
    cache.set(bigFile, 2 ** 33, a);
    cache.set(bigFile + 1, 2 ** 33, b);
    expect(cache.get(bigFile, 2 ** 33)).toBe(a);
    expect(cache.get(bigFile + 1, 2 ** 33)).toBe(b);
    expect(cache.evictFile(bigFile)).toBe(1);
    expect(cache.get(bigFile + 1, 2 ** 33)).toBe(b);
    cache.clear();
    expect(cache.stats().entryCount).toBe(0);
  });
});
