/**
 * Damaged tables: a flipped bit anywhere (data block, trailer, filter, index, properties, footer)
 * or a truncated file gives a CorruptionError naming the file and offset, or a correct answer from
 * an undamaged block, never a wrong answer; `verify()` names the damaged block.
 */
import { statSync, truncateSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SqlState, hasSqlState } from "@omnikv/base";
import { makeTempDir, withSeed, type TempDir } from "@omnikv/testkit";
import { CorruptionError } from "../../src/errors.ts";
import { ValueKind } from "../../src/internal-key.ts";
import { BlockCache } from "../../src/sstable/block-cache.ts";
import { blockTrailerBytes, footerBytes } from "../../src/sstable/format.ts";
import { TableReader } from "../../src/sstable/table-reader.ts";
import { ToyCipher, buildTable, describeKey, flipBits, ikey, str, text, type Entry } from "./helpers.ts";

/** Keys in the tables here; the exhaustive bit-flip tests use fewer to stay fast. */
const keyCountDefault = 120;
const keyCountExhaustive = 40;
const userKeyOf = (i: number): string => `user-${String(i).padStart(4, "0")}`;
const valueOf = (i: number): string => `value-${i}-${"v".repeat(i % 17)}`;

function tableEntries(keyCount = keyCountDefault): Entry[] {
  const entries: Entry[] = [];
  for (let i = 0; i < keyCount; i++) {
    entries.push({ key: ikey(userKeyOf(i), 9, i % 5 === 0 ? ValueKind.Delete : ValueKind.Put), value: i % 5 === 0 ? new Uint8Array(0) : text(valueOf(i)) });
    entries.push({ key: ikey(userKeyOf(i), 4), value: text(`old-${i}`) });
  }
  return entries;
}

const expectedScan = (keyCount: number): string => tableEntries(keyCount).map((e) => `${describeKey(e.key)}=${str(e.value)}`).join("\n");

/**
 * Every lookup and a full scan: each must either throw CorruptionError or answer correctly. Returns
 * the errors; a wrong answer fails the test at once. (Plain comparisons, not `expect`, because the
 * exhaustive bit-flip tests run this thousands of times.)
 */
function readEverything(reader: TableReader): CorruptionError[] {
  const keyCount = reader.properties.entryCount / 2;
  const errors: CorruptionError[] = [];
  const check = (what: string, read: () => string, expected: string): void => {
    let actual: string;
    try {
      actual = read();
    } catch (error) {
      if (!(error instanceof CorruptionError)) throw error;
      errors.push(error);
      return;
    }
    if (actual !== expected) expect.fail(`wrong answer for ${what}: ${actual} instead of ${expected}`);
  };
  const describeFound = (userKey: string, snapshot: number): string => {
    const found = reader.get(text(userKey), snapshot);
    return found === undefined ? "none" : `${found.kind}@${found.sequence}:${str(found.value)}`;
  };
  for (let i = 0; i < keyCount; i++) {
    const isDelete = i % 5 === 0;
    check(`get ${i} at 100`, () => describeFound(userKeyOf(i), 100), isDelete ? `${ValueKind.Delete}@9:` : `${ValueKind.Put}@9:${valueOf(i)}`);
    check(`get ${i} at 5`, () => describeFound(userKeyOf(i), 5), `${ValueKind.Put}@4:old-${i}`);
  }
  check(
    "scan",
    () => {
      const cursor = reader.iterator();
      const seen: string[] = [];
      for (cursor.seekToFirst(); cursor.isValid; cursor.next()) seen.push(`${describeKey(cursor.key())}=${str(cursor.value())}`);
      return seen.join("\n");
    },
    expectedScan(keyCount),
  );
  return errors;
}

describe("table corruption", () => {
  let temp: TempDir;
  let path: string;
  beforeEach(() => {
    temp = makeTempDir("sstable-corrupt");
    path = join(temp.path, "7.sst");
  });
  afterEach(() => temp.cleanup());

  const open = (cipher?: ToyCipher): TableReader =>
    TableReader.open({ path, fileNumber: 7, blockCache: new BlockCache({ capacityBytes: 1 << 20 }), ...(cipher === undefined ? {} : { cipher }) });

  /** Builds the table and returns its layout: data block offsets and the footer's meta handles. */
  async function buildAndMap(cipher?: ToyCipher, keyCount = keyCountDefault): Promise<{ dataOffsets: number[]; fileBytes: number }> {
    await buildTable({ path, fileNumber: 7, blockBytes: 256, ...(cipher === undefined ? {} : { cipher }) }, tableEntries(keyCount));
    const reader = open(cipher);
    const dataOffsets = Array.from({ length: reader.index.blockCount }, (_, i) => reader.index.blockOffset(i));
    expect(readEverything(reader)).toEqual([]);
    reader.close();
    return { dataOffsets, fileBytes: statSync(path).size };
  }

  it("a flipped bit in a data block fails reads of that block only, and verify names it", async () => {
    const { dataOffsets } = await buildAndMap();
    const damaged = dataOffsets[3] ?? 0;
    flipBits(path, damaged + 10);
    const reader = open();
    const errors = readEverything(reader);
    expect(errors.length).toBeGreaterThan(0);
    for (const error of errors) {
      expect(error.path).toBe(path);
      expect(error.offset).toBe(damaged);
      expect(hasSqlState(error, SqlState.DataCorrupted)).toBe(true);
      expect(error.message).toMatch(/data block: block checksum mismatch/);
    }
    // Only the keys in the damaged block (and the scan) fail: a few, not all.
    expect(errors.length).toBeLessThan(20);
    const report = reader.verify();
    expect(report.blocksChecked).toBe(dataOffsets.length + 3);
    expect(report.problems).toHaveLength(1);
    expect(report.problems[0]).toContain(`"${path}" at offset ${damaged}: data block: block checksum mismatch`);
    reader.close();
  });

  it("a flipped bit in a block trailer is caught too", async () => {
    const { dataOffsets } = await buildAndMap();
    const second = dataOffsets[2] ?? 0;
    flipBits(path, second - blockTrailerBytes, 0x01); // the type byte of block 1
    const reader = open();
    expect(readEverything(reader).length).toBeGreaterThan(0);
    expect(reader.verify().problems).toHaveLength(1);
    reader.close();
  });

  it("damage to the index, filter or properties block fails open with the block's offset", async () => {
    const { dataOffsets, fileBytes } = await buildAndMap();
    const lastData = dataOffsets.at(-1) ?? 0;
    // Walk the meta region byte by byte: every damaged byte there fails open.
    let failures = 0;
    for (let at = lastData + 1; at < fileBytes - footerBytes; at += 7) {
      flipBits(path, at, 0x04);
      try {
        open().close();
        // The byte belonged to the last data block: open succeeds, verify catches it.
        const reader = open();
        expect(reader.verify().problems.length).toBeGreaterThan(0);
        reader.close();
      } catch (error) {
        expect(error).toBeInstanceOf(CorruptionError);
        expect(error instanceof CorruptionError ? error.message : "").toMatch(/(filter|index|properties) block: block checksum mismatch/);
        failures += 1;
      }
      flipBits(path, at, 0x04);
    }
    expect(failures).toBeGreaterThan(10);
  });

  it("damage to any footer byte fails open naming the footer", async () => {
    const { fileBytes } = await buildAndMap();
    for (let i = 0; i < footerBytes; i++) {
      flipBits(path, fileBytes - footerBytes + i, 0x40);
      expect(() => open()).toThrow(CorruptionError);
      expect(() => open()).toThrow(new RegExp(`at offset ${fileBytes - footerBytes}: (not a table file|unsupported table format|footer checksum mismatch)`));
      flipBits(path, fileBytes - footerBytes + i, 0x40);
    }
  });

  it("a truncated file fails open with CorruptionError", async () => {
    const { fileBytes } = await buildAndMap();
    for (const cut of [1, 4, footerBytes, footerBytes + 1, 300, fileBytes - 10, fileBytes]) {
      const cutPath = join(temp.path, `cut-${cut}.sst`);
      await buildTable({ path: cutPath, fileNumber: 7, blockBytes: 256 }, tableEntries());
      truncateSync(cutPath, fileBytes - cut);
      const attempt = (): TableReader => TableReader.open({ path: cutPath, fileNumber: 7, blockCache: new BlockCache({ capacityBytes: 1 << 20 }) });
      expect(attempt).toThrow(CorruptionError);
      expect(attempt).toThrow(cut > fileBytes - footerBytes ? /shorter than a table footer/ : /not a table file \(bad magic\)/);
    }
  });

  it("a table shrunk after open reports the short read as corruption", async () => {
    const { dataOffsets } = await buildAndMap();
    const reader = open();
    truncateSync(path, (dataOffsets[5] ?? 0) + 3);
    const errors = readEverything(reader);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((e) => /file ends \d+ bytes short/.test(e.message))).toBe(true);
    reader.close();
  });

  for (const hasCipher of [false, true]) {
    it(`no single-bit flip anywhere gives a wrong answer${hasCipher ? " (with a cipher)" : ""}`, async () => {
      const cipher = hasCipher ? new ToyCipher() : undefined;
      const { fileBytes } = await buildAndMap(cipher, keyCountExhaustive);
      await withSeed("single-bit flips", (random) => {
        for (let at = 0; at < fileBytes; at++) {
          const mask = 1 << random.int(0, 7);
          flipBits(path, at, mask);
          let reader: TableReader | undefined;
          try {
            reader = open(cipher);
          } catch (error) {
            if (!(error instanceof CorruptionError)) throw error;
          }
          if (reader !== undefined) {
            // Every byte is under a CRC: a table that still opens has a damaged data block.
            expect(reader.verify().problems.length, `flip at ${at}`).toBeGreaterThan(0);
            expect(readEverything(reader).length, `flip at ${at}`).toBeGreaterThan(0);
            reader.close();
          }
          flipBits(path, at, mask);
        }
      });
    });
  }
});
