/**
 * What it measures: one table of 100,000 entries (16-byte random user keys, 100-byte random
 * values, the default 4 KiB blocks, 10-bit bloom filter): 100,000 point lookups of present keys in
 * random order and of absent keys, with the block cache warm (the whole table fits); a full
 * forward and backward pass of the table iterator; and building the table, lz4 on (the default:
 * these random values do not compress, so it only costs the attempt) and off, fdatasync included.
 * Divide 100,000 by the mean time per iteration for per-entry rates.
 * What it does not: cold reads from disk (the OS page cache is warm too), the store's merge of
 * memtables and levels, or concurrency. This is an internal benchmark, so it imports from ../src.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, bench, describe } from "vitest";
import { invariants } from "@omnikv/base";
import { SeededRandom, makeTempDir } from "@omnikv/testkit";
import { ValueKind, compareInternalKeys, encodeInternalKey } from "../src/internal-key.ts";
import { BlockCache } from "../src/sstable/block-cache.ts";
import { TableBuilder } from "../src/sstable/table-builder.ts";
import { TableReader } from "../src/sstable/table-reader.ts";

// Measure what production runs: the expensive invariant checks (key order on every step, lz4
// round trips) are on under vitest by default.
invariants.enabled = false;

const entryCount = 100_000;
const entryCountLabel = entryCount.toLocaleString("en-US");
const random = new SeededRandom(42);
const userKeys = Array.from({ length: entryCount }, () => random.bytes(16));
const internalKeys = userKeys.map((key, i) => encodeInternalKey(key, i + 1, ValueKind.Put)).sort(compareInternalKeys);
const values = Array.from({ length: entryCount }, () => random.bytes(100));
const absentKeys = Array.from({ length: entryCount }, () => random.bytes(17));
const lookupOrder = Array.from({ length: entryCount }, () => random.int(0, entryCount - 1));

const temp = makeTempDir("sstable-bench");
let nextFileNumber = 1;

async function buildTable(compression: "lz4" | "none"): Promise<{ path: string; fileNumber: number }> {
  const fileNumber = nextFileNumber++;
  const path = join(temp.path, `${fileNumber}.sst`);
  const builder = new TableBuilder({ path, fileNumber, compression });
  for (let i = 0; i < entryCount; i++) builder.add(internalKeys[i] ?? new Uint8Array(8), values[i] ?? new Uint8Array(0));
  const properties = await builder.finish();
  check(properties.entryCount === entryCount, "entry count");
  return { path, fileNumber };
}

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`benchmark self-check failed: ${what}`);
}

const built = await buildTable("lz4");
const cache = new BlockCache({ capacityBytes: 64 * 1024 * 1024 });
const reader = TableReader.open({ path: built.path, fileNumber: built.fileNumber, blockCache: cache });
const warm = reader.iterator();
for (warm.seekToFirst(); warm.isValid; warm.next()) check(warm.value().length === 100, "value length");
warm.close();

afterAll(() => {
  reader.close();
  temp.cleanup();
});

describe(`sstable, ${entryCountLabel} entries of 16 B keys and 100 B values`, () => {
  bench(`get ${entryCountLabel} present keys, random order, warm cache`, () => {
    let found = 0;
    for (const index of lookupOrder) {
      if (reader.get(userKeys[index] ?? new Uint8Array(0), entryCount)?.value.length === 100) found += 1;
    }
    check(found === entryCount, "every key found");
  });

  bench(`get ${entryCountLabel} absent keys (bloom filter)`, () => {
    let found = 0;
    for (const key of absentKeys) if (reader.get(key, entryCount) !== undefined) found += 1;
    check(found === 0, "no absent key found");
  });

  bench(`iterate ${entryCountLabel} entries forward, warm cache`, () => {
    const iterator = reader.iterator();
    let count = 0;
    for (iterator.seekToFirst(); iterator.isValid; iterator.next()) count += iterator.value().length === 100 ? 1 : 0;
    iterator.close();
    check(count === entryCount, "every entry seen");
  });

  bench(`iterate ${entryCountLabel} entries backward, warm cache`, () => {
    const iterator = reader.iterator();
    let count = 0;
    for (iterator.seekToLast(); iterator.isValid; iterator.prev()) count += 1;
    iterator.close();
    check(count === entryCount, "every entry seen");
  });

  bench(
    `build a table of ${entryCountLabel} entries, lz4 (fdatasync included)`,
    async () => {
      const table = await buildTable("lz4");
      rmSync(table.path);
    },
    { iterations: 10 },
  );

  bench(
    `build a table of ${entryCountLabel} entries, no compression (fdatasync included)`,
    async () => {
      const table = await buildTable("none");
      rmSync(table.path);
    },
    { iterations: 10 },
  );
});
