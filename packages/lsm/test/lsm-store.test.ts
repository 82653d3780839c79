import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { SqlState, hasSqlState } from "@omnikv/base";
import { LsmArgumentError, LsmLimitError, LsmStateError, LsmStore, WriteBatch, batchBytesMax, keyBytesMax, valueBytesMax, type LsmOptions } from "@omnikv/lsm";
import { Wal } from "@omnikv/wal";
import { ValueKind } from "../src/internal-key.ts";
import { encodeBatchRecords, type BatchOp } from "../src/write-batch.ts";
import { applySliceOps } from "../src/lsm-store.ts";
import { seekBudgetOf } from "../src/seek-charges.ts";
import { makeTempDir, type TempDir } from "@omnikv/testkit";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const b = (text: string): Uint8Array => encoder.encode(text);
const text = (bytes: Uint8Array | undefined): string | undefined => (bytes === undefined ? undefined : decoder.decode(bytes));
const small: LsmOptions = { memTableBytes: 4096, targetFileBytes: 4096, levelBaseBytes: 16 * 1024, l0CompactionTrigger: 2, blockBytes: 512 };

function entries(store: LsmStore, options: Parameters<LsmStore["scan"]>[0] = {}): string[] {
  return [...store.scan(options)].map(([k, v]) => `${decoder.decode(k)}=${decoder.decode(v)}`);
}

describe("LsmStore", () => {
  let temp: TempDir;
  afterEach(() => temp.cleanup());
  const dir = (): string => {
    temp = makeTempDir("lsm");
    return join(temp.path, "db");
  };

  it("puts, gets, deletes and survives reopen", async () => {
    const path = dir();
    const store = await LsmStore.open(path);
    await store.put(b("a"), b("1"));
    await store.put(b("b"), b("2"));
    await store.delete(b("a"));
    await store.put(b("c"), b("3"), { sync: false });
    expect(text(store.get(b("a")))).toBeUndefined();
    expect(text(store.get(b("b")))).toBe("2");
    await store.close();
    const reopened = await LsmStore.open(path);
    expect(entries(reopened)).toEqual(["b=2", "c=3"]);
    await reopened.close();
  });

  it("applies a batch atomically and in order", async () => {
    const store = await LsmStore.open(dir());
    await store.write(new WriteBatch().put(b("k"), b("first")).put(b("k"), b("second")).put(b("x"), b("y")).delete(b("x")));
    expect(text(store.get(b("k")))).toBe("second");
    expect(store.get(b("x"))).toBeUndefined();
    await store.write([
      { type: "put", key: b("p"), value: b("1") },
      { type: "del", key: b("k") },
    ]);
    expect(entries(store)).toEqual(["p=1"]);
    await store.close();
  });

  it("resolves a write with the sequence at which snapshots see the whole batch", async () => {
    const store = await LsmStore.open(dir());
    const before = store.snapshot();
    const first = await store.write([{ type: "put", key: b("a"), value: b("1") }]);
    const [second, empty] = await Promise.all([
      store.write([{ type: "put", key: b("b"), value: b("2") }, { type: "put", key: b("c"), value: b("3") }], { sync: false }),
      store.write([]),
    ]);
    expect(first).toBeGreaterThan(before.sequence);
    expect(second).toBe(first + 2);
    expect(empty).toBeGreaterThanOrEqual(first);
    const after = store.snapshot();
    expect(after.sequence).toBeGreaterThanOrEqual(second);
    expect(store.get(b("c"), { snapshot: before })).toBeUndefined();
    expect(text(store.get(b("c"), { snapshot: after }))).toBe("3");
    before.release();
    after.release();
    await store.close();
  });

  it("scans with bounds, reverse and limit, streaming across memtable and tables", async () => {
    const store = await LsmStore.open(dir(), small);
    for (let i = 0; i < 300; i++) await store.put(b(`key${String(i).padStart(3, "0")}`), b(`v${i}`), { sync: false });
    await store.flush();
    for (let i = 0; i < 300; i += 3) await store.put(b(`key${String(i).padStart(3, "0")}`), b(`w${i}`));
    expect(entries(store, { gte: b("key010"), lt: b("key014") })).toEqual(["key010=v10", "key011=v11", "key012=w12", "key013=v13"]);
    expect(entries(store, { gt: b("key297"), reverse: true })).toEqual(["key299=v299", "key298=v298"]);
    expect(entries(store, { lte: b("key002"), reverse: true, limit: 2 })).toEqual(["key002=v2", "key001=v1"]);
    expect(entries(store, { limit: 0 })).toEqual([]);
    expect(entries(store)).toHaveLength(300);
    expect(() => [...store.scan({ limit: -1 })]).toThrow(LsmArgumentError);
    await store.close();
  });

  it("keeps a snapshot stable across writes, flushes and compactions", async () => {
    const store = await LsmStore.open(dir(), small);
    for (let i = 0; i < 100; i++) await store.put(b(`k${i}`), b("old"), { sync: false });
    const snapshot = store.snapshot();
    for (let i = 0; i < 100; i++) await store.put(b(`k${i}`), b("new"), { sync: false });
    await store.delete(b("k5"));
    await store.flush();
    await store.compact();
    expect(text(store.get(b("k5"), { snapshot }))).toBe("old");
    expect(text(store.get(b("k5")))).toBeUndefined();
    expect(entries(store, { snapshot }).every((e) => e.endsWith("=old"))).toBe(true);
    expect(entries(store, { snapshot })).toHaveLength(100);
    expect(entries(store)).toHaveLength(99);
    snapshot.release();
    expect(() => store.get(b("k1"), { snapshot })).toThrow(LsmArgumentError);
    await store.compact();
    expect(store.stats().liveSnapshots).toBe(0);
    await store.close();
  });

  it("flushes full memtables and compacts levels in the background, and reads stay correct", async () => {
    const path = dir();
    const roomyLevels = { ...small, levelBaseBytes: 1024 * 1024 };
    const store = await LsmStore.open(path, roomyLevels);
    const expected = new Map<string, string>();
    for (let i = 0; i < 2000; i++) {
      const key = `key${(i * 7919) % 1000}`;
      expected.set(key, `value${i}`);
      await store.put(b(key), b(`value${i}`), { sync: false });
    }
    await store.flush();
    const stats = store.stats();
    expect(stats.flushCount).toBeGreaterThan(5);
    expect(stats.compactionCount).toBeGreaterThan(0);
    expect(stats.levels.slice(1).some((l) => l.files > 0)).toBe(true);
    for (const [key, value] of expected) expect(text(store.get(b(key)))).toBe(value);
    await store.compact();
    const after = store.stats();
    expect(after.levels[0]?.files).toBe(0);
    expect(after.spaceAmplification).toBeCloseTo(1, 5);
    expect(after.writeAmplification).toBeGreaterThan(1);
    expect(entries(store)).toHaveLength(expected.size);
    expect(store.verify()).toMatchObject({ problems: [] });
    // Obsolete tables were deleted as compactions replaced them: only live ones are on disk.
    // (With all data in L1 below its target, no background compaction is running now.)
    const tables = readdirSync(path).filter((n) => n.endsWith(".sst"));
    expect(tables.length).toBe(store.stats().levels.reduce((sum, l) => sum + l.files, 0));
    await store.close();
    const reopened = await LsmStore.open(path, small);
    for (const [key, value] of expected) expect(text(reopened.get(b(key)))).toBe(value);
    await reopened.close();
  });

  it("compacts a table that point reads keep passing over, though no level is due by size (seek compaction)", async () => {
    const key = (i: number): Uint8Array => b(`key${String(i).padStart(4, "0")}`);
    // Two overlapping L0 tables, below the L0 trigger of 4: the older holds the even keys, the newer the odd ones.
    const open = async (path: string, options: LsmOptions): Promise<LsmStore> => {
      const store = await LsmStore.open(path, { l0CompactionTrigger: 4, blockBytes: 512, ...options });
      for (let i = 0; i < 200; i += 2) await store.put(key(i), b(`even${i}`), { sync: false });
      await store.flush();
      for (let i = 1; i < 200; i += 2) await store.put(key(i), b(`odd${i}`), { sync: false });
      await store.flush();
      expect(store.stats().levels[0]?.files).toBe(2);
      return store;
    };
    // key0002..key0198, all within the newer table's key range: each read passes over it first.
    const evenRead = (store: LsmStore, n: number): void => {
      const i = 2 + ((2 * n) % 198);
      expect(text(store.get(key(i)))).toBe(`even${i}`);
    };
    const path = dir();
    const store = await open(path, {});
    // The newer table (the larger file number) is the one passed over.
    const newest = readdirSync(path).filter((name) => name.endsWith(".sst")).sort().at(-1) ?? "";
    const budget = seekBudgetOf(statSync(join(path, newest)).size);
    // Keys found in the first table read charge nothing, however often they are read.
    for (let round = 0; round < 3; round++) for (let i = 1; i < 200; i += 2) expect(text(store.get(key(i)))).toBe(`odd${i}`);
    for (let n = 0; n < budget - 1; n++) evenRead(store, n);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(store.stats()).toMatchObject({ seekCompactionCount: 0, compactionCount: 0 });
    expect(store.stats().levels[0]?.files).toBe(2);
    // The read that uses up the newer table's budget starts the compaction of L0 into L1.
    evenRead(store, budget - 1);
    await vi.waitFor(() => expect(store.stats().seekCompactionCount).toBe(1), { timeout: 5000 });
    const stats = store.stats();
    expect(stats.levels[0]?.files).toBe(0);
    expect(stats.levels[1]?.files).toBeGreaterThan(0);
    for (let i = 0; i < 200; i++) expect(text(store.get(key(i)))).toBe(i % 2 === 0 ? `even${i}` : `odd${i}`);
    expect(store.verify()).toMatchObject({ problems: [] });
    await store.close();
    // With the option off, the same reads leave the tables where they are.
    const off = await open(dir(), { seekCompaction: false });
    for (let n = 0; n < 3 * budget; n++) evenRead(off, n);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(off.stats()).toMatchObject({ seekCompactionCount: 0, compactionCount: 0 });
    await off.close();
  });

  it("keeps decoded blocks within the block cache bound while reading more data than fits", async () => {
    const capacity = 32 * 1024;
    const store = await LsmStore.open(dir(), { ...small, blockCacheBytes: capacity, compression: "none" });
    for (let i = 0; i < 3000; i++) await store.put(b(`key${String(i).padStart(5, "0")}`), b(`value-${i}-${"z".repeat(60)}`), { sync: false });
    await store.compact();
    // Each key is read twice in a row (the second read hits the cache); the whole pass reads far
    // more blocks than fit, so the cache must keep evicting to stay within its bound.
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 3000; i += 7) {
        for (let repeat = 0; repeat < 2; repeat++) expect(text(store.get(b(`key${String(i).padStart(5, "0")}`)))).toBe(`value-${i}-${"z".repeat(60)}`);
      }
    }
    const stats = store.stats();
    expect(stats.blockCacheBytes).toBeLessThanOrEqual(capacity);
    expect(stats.blockCacheHitRate).toBeGreaterThan(0);
    expect(stats.blockCacheHitRate).toBeLessThan(1);
    await store.close();
  });

  it("rewrites the manifest as one snapshot once it holds manifestEditsMax records", async () => {
    const path = dir();
    const options = { ...small, manifestEditsMax: 3 };
    const store = await LsmStore.open(path, options);
    for (let round = 0; round < 12; round++) {
      for (let i = 0; i < 50; i++) await store.put(b(`r${round}-k${i}`), b(`v${round}`), { sync: false });
      await store.flush();
    }
    const manifests = (): string[] => readdirSync(path).filter((n) => n.startsWith("MANIFEST-"));
    expect(manifests()).toHaveLength(1);
    expect(manifests()[0]).not.toBe("MANIFEST-000001");
    const before = entries(store);
    await store.close();
    const reopened = await LsmStore.open(path, options);
    expect(entries(reopened)).toEqual(before);
    expect(before).toHaveLength(600);
    expect(manifests()).toHaveLength(1);
    await reopened.close();
  });

  it("refuses oversized keys and bad batches with SQLSTATEs", async () => {
    const store = await LsmStore.open(dir());
    await expect(store.put(new Uint8Array(keyBytesMax + 1), b("v"))).rejects.toBeInstanceOf(LsmLimitError);
    await expect(store.put(new Uint8Array(keyBytesMax + 1), b("v"))).rejects.toSatisfy((e) => hasSqlState(e, SqlState.ProgramLimitExceeded));
    await store.write([]);
    await store.put(new Uint8Array(0), b("empty key is a key"));
    expect(text(store.get(new Uint8Array(0)))).toBe("empty key is a key");
    await store.close();
  });

  it("commits a batch past one wal record's limit (64 MiB) atomically and replays it whole", async () => {
    const path = dir();
    const value = new Uint8Array(24 * 1024 * 1024).fill(7);
    const big = [1, 2, 3].map((i) => ({ type: "put" as const, key: b(`big${i}`), value }));
    let store = await LsmStore.open(path);
    const last = await store.write([...big, { type: "put", key: b("after"), value: b("small") }]);
    expect(last).toBe(4);
    expect(store.stats().walBytesWritten).toBeGreaterThan(72 * 1024 * 1024);
    await store.close();
    store = await LsmStore.open(path);
    for (const op of big) expect(store.get(op.key)?.length).toBe(value.length);
    expect(store.get(b("big2"))?.[12345]).toBe(7);
    expect(text(store.get(b("after")))).toBe("small");
    await store.close();
  });

  it("refuses a batch past batchBytesMax (54000) before anything is written", () => {
    const value = new Uint8Array(valueBytesMax);
    const batch = new WriteBatch();
    const fitting = Math.floor(batchBytesMax / valueBytesMax) - 1;
    for (let i = 0; i < fitting; i++) batch.put(b(`k${i}`), value);
    expect(() => batch.put(b("one more"), value).put(b("and another"), value)).toThrow(LsmLimitError);
  });

  it("applies a large batch across event-loop turns, invisible until it resolves, with flush and later writes waiting for it", async () => {
    const path = dir();
    // A memtable large enough to take both batches: only flush() rotates it here.
    const options: LsmOptions = { ...small, memTableBytes: 64 * 1024 * 1024 };
    let store = await LsmStore.open(path, options);
    const count = 3 * applySliceOps + 17;
    const keyOf = (i: number): Uint8Array => b(`big${String(i).padStart(6, "0")}`);
    const big = Array.from({ length: count }, (_, i) => ({ type: "put" as const, key: keyOf(i), value: b(`v${i}`) }));
    let isBigDone = false;
    const bigWrite = store.write(big).then((sequence) => {
      isBigDone = true;
      return sequence;
    });
    // Turns in which the memtable already holds part of the batch while readers see none of it.
    let partialTurns = 0;
    const seen = new Set<string | undefined>();
    await new Promise<void>((resolve) => {
      const turn = (): void => {
        if (isBigDone) return resolve();
        if (store.stats().memTableBytes > 0) partialTurns += 1;
        seen.add(text(store.get(keyOf(0))));
        seen.add(text(store.get(keyOf(count - 1))));
        setImmediate(turn);
      };
      setImmediate(turn);
    });
    expect(partialTurns).toBeGreaterThanOrEqual(2);
    expect(seen).toEqual(new Set([undefined]));
    expect(await bigWrite).toBe(count);
    // A flush asked for behind a small write, with a large batch queued after both: the large one
    // starts applying as the small one lands, and the flush must not cut it in two memtables.
    const after = store.write([{ type: "put", key: b("after"), value: b("1") }]);
    const flushed = store.flush();
    const second = store.write(big.map((op) => ({ ...op, value: b("second") })));
    expect(await after).toBe(count + 1);
    await flushed;
    expect(await second).toBe(2 * count + 1);
    expect(entries(store, { gte: b("big"), lt: b("bih") }).every((entry) => entry.endsWith("=second"))).toBe(true);
    await store.close();
    store = await LsmStore.open(path, options);
    expect(entries(store, { gte: b("big"), lt: b("bih") })).toHaveLength(count);
    expect(text(store.get(keyOf(123)))).toBe("second");
    expect(store.verify().problems).toEqual([]);
    await store.close();
  });

  describe("large batches applied across turns, under load", () => {
    const batchOf = (tag: string, count: number): { type: "put"; key: Uint8Array; value: Uint8Array }[] =>
      Array.from({ length: count }, (_, i) => ({ type: "put", key: b(`${tag}/${String(i).padStart(6, "0")}`), value: b(`${tag}:${i}`) }));
    const opsPerBatch = applySliceOps + 904;

    it("large batches queued back to back still turn full memtables immutable, one batch each", async () => {
      const path = dir();
      const options: LsmOptions = { ...small, memTableBytes: 64 * 1024, maxImmutableMemTables: 8 };
      // The memtable size of one such batch, measured alone.
      let store = await LsmStore.open(join(path, "one"), { ...options, memTableBytes: 64 * 1024 * 1024 });
      await store.write(batchOf("a", opsPerBatch));
      const oneBatchBytes = store.stats().memTableBytes;
      await store.close();
      store = await LsmStore.open(path, options);
      await Promise.all(["a", "b", "c", "d"].map((tag) => store.write(batchOf(tag, opsPerBatch))));
      // Before each batch the full memtable turned immutable: the last one holds one batch, not four.
      expect(store.stats().memTableBytes).toBeLessThan(1.5 * oneBatchBytes);
      await store.flush();
      expect(store.stats().flushCount).toBe(4);
      expect(entries(store, { gte: b("c/"), lt: b("c0") })).toHaveLength(opsPerBatch);
      await store.close();
    });

    it("a flush asked for while large batches keep coming finishes without waiting for them to stop", async () => {
      const store = await LsmStore.open(dir(), { ...small, memTableBytes: 1024 * 1024 });
      let batchesWritten = 0;
      let isFlushed = false;
      const writer = async (tag: string): Promise<void> => {
        for (let round = 0; round < 8; round++) {
          await store.write(batchOf(`${tag}${round}`, opsPerBatch));
          batchesWritten += 1;
        }
      };
      const writers = Promise.all([writer("x"), writer("y")]);
      await new Promise((resolve) => setImmediate(resolve));
      await store.flush().then(() => {
        isFlushed = true;
      });
      const writtenAtFlush = batchesWritten;
      await writers;
      expect(isFlushed).toBe(true);
      expect(writtenAtFlush).toBeLessThan(16);
      await store.close();
    });

    it("a batch already in the wal completes even when the store fails while it is being applied", async () => {
      const path = dir();
      let isFailing = false;
      const wal = {
        seal: (_lsn: unknown, plaintext: Uint8Array): Uint8Array => {
          if (isFailing) throw new Error("injected wal failure");
          return plaintext;
        },
        open: (_lsn: unknown, sealed: Uint8Array): Uint8Array => sealed,
      };
      const identity = { seal: (_file: number, _offset: number, plaintext: Uint8Array): Uint8Array => plaintext, open: (_file: number, _offset: number, sealed: Uint8Array): Uint8Array => sealed };
      const options: LsmOptions = { ...small, memTableBytes: 64 * 1024 * 1024, cipher: { block: identity, wal, manifest: { seal: (_l, p) => p, open: (_l, p) => p } } };
      let store = await LsmStore.open(path, options);
      const count = 5 * applySliceOps;
      const big = store.write(batchOf("big", count));
      // Once part of it is in the memtable (so its wal record is durable), a later write fails the store.
      while (store.stats().memTableBytes === 0) await new Promise((resolve) => setImmediate(resolve));
      isFailing = true;
      await expect(store.write(batchOf("late", 1))).rejects.toThrow(/failed|injected/);
      expect(await big).toBe(count);
      expect(text(store.get(b(`big/${String(count - 1).padStart(6, "0")}`)))).toBe(`big:${count - 1}`);
      await store.close().catch(() => undefined);
      isFailing = false;
      store = await LsmStore.open(path, options);
      expect(entries(store, { gte: b("big/"), lt: b("big0") })).toHaveLength(count);
      await store.close();
    });
  });

  describe("fragmented batches in the wal", () => {
    const fragmented: LsmOptions = { ...small, batchRecordBytes: 64 };
    const puts = (prefix: string, count: number): BatchOp[] =>
      Array.from({ length: count }, (_, i) => ({ kind: ValueKind.Put, key: b(`${prefix}${i}`), value: b(`${prefix} value ${i} `.repeat(3)) }));
    const entriesOf = (ops: readonly BatchOp[]): { type: "put"; key: Uint8Array; value: Uint8Array }[] => ops.map((op) => ({ type: "put", key: op.key, value: op.value }));

    /** Appends records to the closed store's wal, as a crash in the middle of a write would leave them. */
    async function appendToWal(path: string, records: readonly Uint8Array[]): Promise<void> {
      const wal = await Wal.open(join(path, "wal"));
      for (const record of records) await wal.append(record, { sync: true });
      await wal.close();
    }

    it("drops the parts of a batch whose last part never reached the log, and goes on", async () => {
      const path = dir();
      let store = await LsmStore.open(path, fragmented);
      const acknowledged = await store.write(entriesOf(puts("a", 5)));
      await store.close();
      const torn = encodeBatchRecords(acknowledged + 1, puts("torn", 6), 64);
      expect(torn.length).toBeGreaterThan(2);
      await appendToWal(path, torn.slice(0, -1));

      store = await LsmStore.open(path, fragmented);
      expect(entries(store, { gte: b("torn"), lt: b("toro") })).toEqual([]);
      expect(text(store.get(b("a4")))).toBe("a value 4 a value 4 a value 4 ");
      // The sequences the torn batch had are handed out again; the next replay must still drop it.
      expect(await store.write(entriesOf(puts("c", 5)))).toBe(acknowledged + 5);
      await store.close();
      store = await LsmStore.open(path, fragmented);
      expect(entries(store, { gte: b("torn"), lt: b("toro") })).toEqual([]);
      expect(entries(store, { gte: b("c"), lt: b("d") })).toHaveLength(5);
      await store.flush();
      expect(store.verify().problems).toEqual([]);
      await store.close();
    });

    it("a part without the parts before it is corruption at open, not a partial batch", async () => {
      const path = dir();
      const store = await LsmStore.open(path, fragmented);
      const acknowledged = await store.write(entriesOf(puts("a", 3)));
      await store.close();
      const parts = encodeBatchRecords(acknowledged + 1, puts("x", 6), 64);
      await appendToWal(path, parts.slice(1));
      await expect(LsmStore.open(path, fragmented)).rejects.toSatisfy((e) => hasSqlState(e, SqlState.DataCorrupted));
    });
  });

  it("syncs the wal before a flush records its position in the manifest, even after writes without sync", async () => {
    const store = await LsmStore.open(dir(), small);
    for (let i = 0; i < 20; i++) await store.put(b(`k${i}`), b(`v${i}`), { sync: false });
    const syncsBefore = store.stats().walSyncCount;
    await store.flush();
    expect(store.stats().walSyncCount).toBeGreaterThan(syncsBefore);
    await store.close();
  });

  it("refuses work after close", async () => {
    const store = await LsmStore.open(dir());
    await store.close();
    await expect(store.put(b("a"), b("b"))).rejects.toBeInstanceOf(LsmStateError);
    expect(() => store.get(b("a"))).toThrow(LsmStateError);
    await store.close();
  });

  it("a second open of the same directory is refused while the first is open", async () => {
    const path = dir();
    const store = await LsmStore.open(path);
    await expect(LsmStore.open(path)).rejects.toThrowError(/locked/);
    await store.close();
  });
});
