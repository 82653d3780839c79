/**
 * White-box tests of `EntryLocations` (the raft index → WAL LSN runs of `WalLogStorage`) and
 * `EntryCache` (its newest entries within a byte budget); the model test in
 * wal-log-storage.test.ts covers them through the storage.
 */
import { describe, expect, it } from "vitest";
import { term } from "@omnikv/base";
import type { LogEntry } from "@omnikv/raft";
import { EntryCache, entrySizeBytes } from "../src/internal/entry-cache.ts";
import { EntryLocations } from "../src/internal/entry-locations.ts";

function entry(index: number, sizeBytes = 10): LogEntry {
  return { index, term: term(1), payload: { kind: "command", command: new Uint8Array(sizeBytes) } };
}

describe("EntryLocations", () => {
  it("maps indexes to the lsn of the run holding them, through truncations and purges", () => {
    const locations = new EntryLocations(0);
    locations.addRun(1, 10, 5);
    locations.addRun(11, 12, 9);
    locations.addRun(13, 20, 10);
    expect([1, 10, 11, 12, 13, 20].map((index) => locations.lsnOf(index))).toEqual([5, 5, 9, 9, 10, 10]);
    locations.truncateAfter(11);
    expect([locations.lastIndex, locations.runCount, locations.lsnOf(11)]).toEqual([11, 2, 9]);
    locations.addRun(12, 15, 14);
    locations.dropUpTo(4);
    expect([locations.firstIndex, locations.lsnMin, locations.lsnOf(5)]).toEqual([5, 5, 5]);
    locations.dropUpTo(11);
    expect([locations.firstIndex, locations.lsnMin, locations.runCount]).toEqual([12, 14, 1]);
    locations.dropUpTo(30); // past the end (replay of a purge whose entries were deleted)
    expect([locations.isEmpty, locations.firstIndex, locations.lastIndex, locations.lsnMin]).toEqual([true, 31, 30, undefined]);
    expect(() => locations.addRun(33, 34, 20)).toThrow(/continues/);
    expect(() => locations.lsnOf(30)).toThrow(/located/);
  });

  it("refuses runs out of lsn order and keeps many runs compact", () => {
    const locations = new EntryLocations(0);
    locations.addRun(1, 1, 7);
    expect(() => locations.addRun(2, 2, 7)).toThrow(/lsn order/);
    for (let index = 2; index <= 5000; index++) locations.addRun(index, index, index + 10);
    locations.dropUpTo(4000);
    expect([locations.runCount, locations.lsnOf(4001), locations.lsnOf(5000)]).toEqual([1000, 4011, 5010]);
  });
});

describe("EntryCache", () => {
  it("keeps a suffix within its budget, one oversized entry included", () => {
    const size = entrySizeBytes(entry(1));
    const cache = new EntryCache(size * 3, 1);
    cache.append([1, 2, 3, 4, 5].map((index) => entry(index)));
    expect([cache.firstIndex, cache.lastIndex, cache.sizeBytes]).toEqual([3, 5, size * 3]);
    expect(cache.slice(4, 10).map((e) => e.index)).toEqual([4, 5]);
    cache.append([entry(6, size * 10)]);
    expect([cache.firstIndex, cache.count]).toEqual([6, 1]);
    cache.truncateAfter(4);
    expect([cache.firstIndex, cache.lastIndex, cache.count, cache.sizeBytes]).toEqual([5, 4, 0, 0]);
    cache.append([entry(5), entry(6)]);
    cache.dropUpTo(5);
    expect([cache.firstIndex, cache.lastIndex]).toEqual([6, 6]);
    cache.dropUpTo(9);
    expect([cache.firstIndex, cache.lastIndex, cache.count]).toEqual([10, 9, 0]);
    expect(() => cache.append([entry(12)])).toThrow(/contiguous/);
  });
});
