/**
 * TableBuilder and TableReader together: lookups at snapshots, iteration across blocks, options,
 * exclusive creation, abandon, the cipher hook, the block cache, and the checks at open.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AssertionError, SqlState, hasSqlState } from "@omnikv/base";
import { makeTempDir, type TempDir } from "@omnikv/testkit";
import { CorruptionError, LsmArgumentError, LsmIoError, LsmStateError } from "../../src/errors.ts";
import { ValueKind, seekKey } from "../../src/internal-key.ts";
import { BlockCache } from "../../src/sstable/block-cache.ts";
import { bloomHash } from "../../src/sstable/bloom-filter.ts";
import { readUint32 } from "../../src/sstable/format.ts";
import { TableBuilder, type TableBuilderOptions } from "../../src/sstable/table-builder.ts";
import { TableReader } from "../../src/sstable/table-reader.ts";
import { ToyCipher, buildTable, describeKey, ikey, str, text, type Entry } from "./helpers.ts";

/** 300 user keys, each with versions at sequences 10, 20, 30; the 20s are deletes of every third key. */
function versionedEntries(): Entry[] {
  const entries: Entry[] = [];
  for (let i = 0; i < 300; i++) {
    const user = `key${String(i).padStart(4, "0")}`;
    for (const sequence of [30, 20, 10]) {
      const isDelete = sequence === 20 && i % 3 === 0;
      entries.push({ key: ikey(user, sequence, isDelete ? ValueKind.Delete : ValueKind.Put), value: isDelete ? new Uint8Array(0) : text(`${user}@${sequence}`) });
    }
  }
  return entries;
}

describe("table builder and reader", () => {
  let temp: TempDir;
  let cache: BlockCache;
  beforeEach(() => {
    temp = makeTempDir("sstable");
    cache = new BlockCache({ capacityBytes: 1 << 20 });
  });
  afterEach(() => temp.cleanup());
  const pathOf = (n: number): string => join(temp.path, `${n}.sst`);

  async function build(entries: readonly Entry[], options: Partial<TableBuilderOptions> = {}, fileNumber = 1): Promise<TableReader> {
    await buildTable({ path: pathOf(fileNumber), fileNumber, ...options }, entries);
    const { cipher } = options;
    return TableReader.open({ path: pathOf(fileNumber), fileNumber, blockCache: cache, ...(cipher === undefined ? {} : { cipher }) });
  }

  it("finds the newest version visible at each snapshot", async () => {
    const reader = await build(versionedEntries(), { blockBytes: 256 });
    const lookup = (user: string, snapshot: number): string => {
      const found = reader.get(text(user), snapshot);
      return found === undefined ? "none" : `${found.kind === ValueKind.Put ? "put" : "del"}@${found.sequence}:${str(found.value)}`;
    };
    expect(lookup("key0001", 100)).toBe("put@30:key0001@30");
    expect(lookup("key0001", 30)).toBe("put@30:key0001@30");
    expect(lookup("key0001", 29)).toBe("put@20:key0001@20");
    expect(lookup("key0003", 25)).toBe("del@20:");
    expect(lookup("key0003", 15)).toBe("put@10:key0003@10");
    expect(lookup("key0003", 9)).toBe("none");
    expect(lookup("key0299", 10)).toBe("put@10:key0299@10");
    for (const absent of ["key", "key00011", "key0300", "a", "zzz", ""]) expect(lookup(absent, 100)).toBe("none");
    expect(reader.get(text("key0042"), 100, bloomHash(text("key0042")))?.sequence).toBe(30);
    reader.close();
  });

  it("returns properties from finish and from open alike", async () => {
    const entries = versionedEntries();
    const built = await buildTable({ path: pathOf(1), fileNumber: 1, blockBytes: 512 }, entries);
    const reader = TableReader.open({ path: pathOf(1), fileNumber: 1, blockCache: cache });
    expect(reader.properties).toEqual(built);
    expect(built.fileBytes).toBe(statSync(pathOf(1)).size);
    expect(built.entryCount).toBe(900);
    expect(built.deleteCount).toBe(100);
    expect(built.dataBlockCount).toBe(reader.index.blockCount);
    expect(built.dataBlockCount).toBeGreaterThan(10);
    expect(describeKey(built.smallestKey)).toBe("key0000#30,PUT");
    expect(describeKey(built.largestKey)).toBe("key0299#10,PUT");
    expect([built.smallestSequence, built.largestSequence]).toEqual([10, 30]);
    reader.close();
  });

  it("iterates forward and backward across blocks, and seeks", async () => {
    const entries = versionedEntries();
    const reader = await build(entries, { blockBytes: 128, restartInterval: 2 });
    const cursor = reader.iterator();
    const seen: string[] = [];
    for (cursor.seekToFirst(); cursor.isValid; cursor.next()) seen.push(`${describeKey(cursor.key())}=${str(cursor.value())}`);
    expect(seen).toEqual(entries.map((e) => `${describeKey(e.key)}=${str(e.value)}`));
    const back: string[] = [];
    for (cursor.seekToLast(); cursor.isValid; cursor.prev()) back.push(describeKey(cursor.key()));
    expect(back).toEqual(entries.map((e) => describeKey(e.key)).toReversed());
    cursor.seek(ikey("key0099", 25));
    expect(describeKey(cursor.key())).toBe("key0099#20,DEL");
    cursor.seekForPrev(ikey("key0099", 25));
    expect(describeKey(cursor.key())).toBe("key0099#30,PUT");
    cursor.seek(ikey("key9", 1));
    expect(cursor.isValid).toBe(false);
    cursor.seekForPrev(ikey("a", 1));
    expect(cursor.isValid).toBe(false);
    cursor.seekForPrev(ikey("zzz", 1));
    expect(describeKey(cursor.key())).toBe("key0299#10,PUT");
    cursor.close();
    reader.close();
  });

  it("compresses compressible blocks with lz4 and leaves them plain with none", async () => {
    const entries = Array.from({ length: 2000 }, (_, i) => ({ key: ikey(`k${String(i).padStart(6, "0")}`, 1), value: text("repetitive value ".repeat(6)) }));
    const lz4 = await build(entries, { compression: "lz4" }, 1);
    const none = await build(entries, { compression: "none" }, 2);
    expect(lz4.properties.fileBytes).toBeLessThan(none.properties.fileBytes / 3);
    expect(str(lz4.get(text("k001234"), 5)?.value ?? new Uint8Array(0))).toBe("repetitive value ".repeat(6));
    lz4.close();
    none.close();
  });

  it("writes no filter when bloomBitsPerKey is 0", async () => {
    const reader = await build(versionedEntries(), { bloomBitsPerKey: 0 });
    expect(reader.hasFilter).toBe(false);
    expect(reader.get(text("key0007"), 100)?.sequence).toBe(30);
    expect(reader.get(text("nope"), 100)).toBeUndefined();
    reader.close();
  });

  it("reads no block for an absent key the filter rules out, and answers it from a resident block", async () => {
    const reader = await build(versionedEntries(), { blockBytes: 512, bloomBitsPerKey: 10 });
    // Absent keys between present ones: each maps to a data block, so only the filter can spare the read.
    const absent = Array.from({ length: 300 }, (_, i) => text(`key${String(i).padStart(4, "0")}x`));
    for (const key of absent) expect(reader.get(key, 100)).toBeUndefined();
    // 10 bits per key: about 1% false positives; 300 lookups would read ~300 blocks without it.
    expect(cache.misses).toBeLessThan(15);
    // Every block resident: the same keys, now answered from the blocks (filter skipped), still absent.
    for (let i = 0; i < 300; i++) expect(reader.get(text(`key${String(i).padStart(4, "0")}`), 100)).toBeDefined();
    const missesWarm = cache.misses;
    for (const key of absent) expect(reader.get(key, 100)).toBeUndefined();
    expect(cache.misses).toBe(missesWarm);
    reader.close();
  });

  it("serves repeated reads of a block from the cache, decoded once", async () => {
    const cipher = new ToyCipher();
    const reader = await build(versionedEntries(), { blockBytes: 512, cipher });
    const opensAtOpen = cipher.openCount;
    reader.get(text("key0010"), 100);
    const missesAfterFirst = cache.misses;
    for (let i = 0; i < 10; i++) reader.get(text("key0010"), 100);
    expect(cache.misses).toBe(missesAfterFirst);
    expect(cache.hits).toBeGreaterThanOrEqual(10);
    expect(cipher.openCount).toBe(opensAtOpen + 1);
    expect(cache.evictFile(1)).toBe(1);
    reader.get(text("key0010"), 100);
    expect(cipher.openCount).toBe(opensAtOpen + 2);
    reader.close();
  });

  it("seals every block with the cipher, and refuses a cipher mismatch", async () => {
    const cipher = new ToyCipher();
    const entries = [{ key: ikey("secret-key", 1), value: text("secret-value-that-must-not-show") }];
    const reader = await build(entries, { cipher, compression: "none" });
    expect(str(reader.get(text("secret-key"), 1)?.value ?? new Uint8Array(0))).toBe("secret-value-that-must-not-show");
    reader.close();
    const raw = readFileSync(pathOf(1)).toString("latin1");
    expect(raw).not.toContain("secret");
    expect(cipher.sealCount).toBe(4); // data, filter, index, properties
    expect(() => TableReader.open({ path: pathOf(1), fileNumber: 1, blockCache: cache })).toThrow(LsmStateError);
    await build(entries, {}, 2);
    expect(() => TableReader.open({ path: pathOf(2), fileNumber: 2, blockCache: cache, cipher })).toThrow(/not encrypted but a cipher was configured/);
  });

  it("creates the file exclusively and abandons partial files", async () => {
    writeFileSync(pathOf(1), "precious");
    expect(() => new TableBuilder({ path: pathOf(1), fileNumber: 1 })).toThrow(LsmIoError);
    expect(readFileSync(pathOf(1), "utf8")).toBe("precious");

    const builder = new TableBuilder({ path: pathOf(2), fileNumber: 2, compression: "none" });
    for (let i = 0; i < 100; i++) builder.add(ikey(`k${String(i).padStart(3, "0")}`, 1), new Uint8Array(1000));
    // Finished blocks go out through a bounded buffer as they fill, long before finish().
    expect(statSync(pathOf(2)).size).toBeGreaterThan(100 * 1000 - 64 * 1024 - 4096);
    builder.abandon();
    builder.abandon();
    expect(existsSync(pathOf(2))).toBe(false);
  });

  it("asserts ascending keys, known kinds and a non-empty table", async () => {
    const builder = new TableBuilder({ path: pathOf(1), fileNumber: 1 });
    builder.add(ikey("b", 5), text("x"));
    expect(() => builder.add(ikey("b", 5), text("again"))).toThrow(AssertionError);
    expect(() => builder.add(ikey("b", 6), text("newer sorts first"))).toThrow(AssertionError);
    expect(() => builder.add(ikey("a", 9), text("smaller"))).toThrow(AssertionError);
    expect(() => builder.add(ikey("c", 1, 0xff), text("seek kind"))).toThrow(AssertionError);
    builder.add(ikey("b", 4), text("older is fine"));
    builder.abandon();
    const empty = new TableBuilder({ path: pathOf(2), fileNumber: 2 });
    await expect(empty.finish()).rejects.toThrow(AssertionError);
    empty.abandon();
  });

  it("rejects invalid options with LsmArgumentError", () => {
    const bad: Partial<TableBuilderOptions>[] = [{ blockBytes: 0 }, { restartInterval: 0 }, { restartInterval: 5000 }, { bloomBitsPerKey: -1 }, { bloomBitsPerKey: 1.5 }, { fileNumber: -1 }];
    for (const options of bad) {
      expect(() => new TableBuilder({ path: pathOf(9), fileNumber: 9, ...options })).toThrow(LsmArgumentError);
    }
    expect(existsSync(pathOf(9))).toBe(false);
  });

  it("estimates the file size while building", async () => {
    const builder = new TableBuilder({ path: pathOf(1), fileNumber: 1, compression: "none" });
    for (const e of versionedEntries()) builder.add(e.key, e.value);
    const estimate = builder.fileBytesEstimate;
    const properties = await builder.finish();
    expect(Math.abs(estimate - properties.fileBytes) / properties.fileBytes).toBeLessThan(0.2);
  });

  it("refuses a table under another file number, and a missing file", async () => {
    await buildTable({ path: pathOf(1), fileNumber: 1 }, versionedEntries());
    expect(() => TableReader.open({ path: pathOf(1), fileNumber: 5, blockCache: cache })).toThrow(/table says it is file 1, expected 5/);
    const missing = (): TableReader => TableReader.open({ path: pathOf(404), fileNumber: 404, blockCache: cache });
    expect(missing).toThrow(CorruptionError);
    expect(missing).toThrow(/table file is missing/);
    try {
      missing();
    } catch (error) {
      expect(hasSqlState(error, SqlState.DataCorrupted)).toBe(true);
      expect(error instanceof CorruptionError && error.offset).toBe(-1);
    }
  });

  it("verifies a sound table with no problems", async () => {
    const reader = await build(versionedEntries(), { blockBytes: 300 });
    const report = reader.verify();
    expect(report.problems).toEqual([]);
    expect(report.blocksChecked).toBe(reader.index.blockCount + 3);
    reader.close();
  });

  it("reads tables of format version 1 (no hash indexes, classic bloom filter)", async () => {
    const entries = versionedEntries();
    const reader = await build(entries, { blockBytes: 300, formatVersion: 1 });
    const bytes = readFileSync(pathOf(1));
    expect(readUint32(bytes, bytes.length - 12)).toBe(1);
    for (let i = 0; i < 300; i++) {
      const user = `key${String(i).padStart(4, "0")}`;
      expect(str(reader.get(text(user), 35)?.value ?? new Uint8Array(0))).toBe(`${user}@30`);
      const atTwentyFive = reader.get(text(user), 25);
      if (i % 3 === 0) expect(atTwentyFive?.kind).toBe(ValueKind.Delete);
      else expect(str(atTwentyFive?.value ?? new Uint8Array(0))).toBe(`${user}@20`);
    }
    expect(reader.get(text("key0001x"), 25)).toBeUndefined();
    expect(reader.verify().problems).toEqual([]);
    reader.close();
    expect(() => new TableBuilder({ path: pathOf(2), fileNumber: 2, formatVersion: 1, hasHashIndex: true })).toThrow(LsmArgumentError);
    expect(() => new TableBuilder({ path: pathOf(3), fileNumber: 3, formatVersion: 3 })).toThrow(LsmArgumentError);
  });

  it("finds a seek key's block from (user key, snapshot) as from the built seek key", async () => {
    const entries = versionedEntries();
    const reader = await build(entries, { blockBytes: 120 });
    expect(reader.index.blockCount).toBeGreaterThan(50);
    for (let i = 0; i < 305; i++) {
      for (const user of [`key${String(i).padStart(4, "0")}`, `key${String(i).padStart(4, "0")}!`, `key${i}`, "k", ""]) {
        for (const snapshot of [0, 9, 10, 11, 20, 25, 30, 31, 2 ** 53 - 1]) {
          const target = seekKey(text(user), snapshot);
          expect(reader.index.findUserKey(text(user), snapshot)).toBe(reader.index.find(target, 0, target.length));
        }
      }
    }
    reader.close();
  });

  it("gives the same answers with and without data block hash indexes", async () => {
    const entries = versionedEntries();
    const indexed = await build(entries, { blockBytes: 300 }, 1);
    const plain = await build(entries, { blockBytes: 300, hasHashIndex: false }, 2);
    for (let i = 0; i < 310; i++) {
      for (const snapshot of [5, 10, 15, 20, 25, 30, 35]) {
        const user = text(`key${String(i).padStart(4, "0")}`);
        const a = indexed.get(user, snapshot);
        const b = plain.get(user, snapshot);
        expect(a === undefined ? "none" : `${a.kind}@${a.sequence}:${str(a.value)}`).toBe(b === undefined ? "none" : `${b.kind}@${b.sequence}:${str(b.value)}`);
      }
    }
    indexed.close();
    plain.close();
  });

  it("handles large values and keys, each in a block of its own", async () => {
    const big = new Uint8Array(100_000).map((_, i) => (i * 7) & 0xff);
    const longKey = `b${"L".repeat(5000)}`;
    const entries = [
      { key: ikey("a", 1), value: big },
      { key: ikey(longKey, 1), value: text("long key") },
      { key: ikey("m", 1), value: big.subarray(0, 9000) },
    ];
    const reader = await build(entries, { blockBytes: 4096 });
    expect(reader.get(text("a"), 1)?.value).toEqual(big);
    expect(str(reader.get(text(longKey), 1)?.value ?? new Uint8Array(0))).toBe("long key");
    expect(reader.get(text("m"), 1)?.value).toEqual(big.subarray(0, 9000));
    expect(reader.verify().problems).toEqual([]);
    reader.close();
  });
});
