/**
 * What it measures: the memtable's CPU cost on the issue's data shape — 16-byte random keys,
 * 100-byte values, 100,000 entries: inserting them into a fresh memtable (random and ascending
 * key order), 100,000 point lookups of present and of absent keys, a full pass of the raw
 * `InternalIterator` both ways, and a full `userEntries` scan through a `MergingIterator` (the
 * read path of `scan` over one memtable, key copies included). Divide 100,000 by the mean time
 * per iteration for per-entry rates.
 * What it does not: tables, the block cache, the wal, or concurrency with flushes — those are the
 * store benchmarks'. This is an internal benchmark, so it imports from ../src.
 */
import { bench, describe } from "vitest";
import { invariants } from "@omnikv/base";
import { SeededRandom } from "@omnikv/testkit";
import { ValueKind } from "../src/internal-key.ts";
import { MemTable } from "../src/mem-table.ts";
import { MergingIterator } from "../src/merging-iterator.ts";
import { userEntries } from "../src/user-iterator.ts";

// vitest turns the expensive invariant checks on; a benchmark measures the production build.
invariants.enabled = false;

const entryCount = 100_000;
const random = new SeededRandom(42);
const keys = Array.from({ length: entryCount }, () => random.bytes(16));
const values = Array.from({ length: entryCount }, () => random.bytes(100));
const ascendingKeys = [...keys].sort((a, b) => Buffer.compare(a, b));
const absentKeys = Array.from({ length: entryCount }, () => random.bytes(16));
const lookupOrder = Array.from({ length: entryCount }, () => random.int(0, entryCount - 1));

function filled(order: readonly Uint8Array[]): MemTable {
  const table = new MemTable();
  for (let i = 0; i < entryCount; i++) table.add(i + 1, ValueKind.Put, order[i] ?? keys[0] ?? new Uint8Array(16), values[i] ?? new Uint8Array(0));
  return table;
}

const table = filled(keys);
const entryCountLabel = entryCount.toLocaleString("en-US");

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`benchmark self-check failed: ${what}`);
}

describe(`memtable, ${entryCountLabel} entries of 16 B keys and 100 B values`, () => {
  bench(`add ${entryCountLabel} random keys`, () => {
    check(filled(keys).entryCount === entryCount, "entry count");
  });

  bench(`add ${entryCountLabel} ascending keys`, () => {
    check(filled(ascendingKeys).entryCount === entryCount, "entry count");
  });

  bench(`get ${entryCountLabel} present keys, random order`, () => {
    let found = 0;
    for (const index of lookupOrder) {
      if (table.get(keys[index] ?? new Uint8Array(0), entryCount)?.value.length === 100) found += 1;
    }
    check(found === entryCount, "every key found");
  });

  bench(`get ${entryCountLabel} absent keys`, () => {
    let found = 0;
    for (const key of absentKeys) if (table.get(key, entryCount) !== undefined) found += 1;
    check(found === 0, "no absent key found");
  });

  bench(`iterate ${entryCountLabel} entries forward (InternalIterator)`, () => {
    const it = table.iterator();
    let count = 0;
    for (it.seekToFirst(); it.isValid; it.next()) count += it.key().length > 0 && it.value().length > 0 ? 1 : 0;
    check(count === entryCount, "every entry seen");
  });

  bench(`iterate ${entryCountLabel} entries backward (InternalIterator)`, () => {
    const it = table.iterator();
    let count = 0;
    for (it.seekToLast(); it.isValid; it.prev()) count += it.key().length > 0 && it.value().length > 0 ? 1 : 0;
    check(count === entryCount, "every entry seen");
  });

  bench(`scan ${entryCountLabel} entries (MergingIterator + userEntries)`, () => {
    let count = 0;
    for (const [key, value] of userEntries(new MergingIterator([table.iterator()]), { snapshotSequence: entryCount })) {
      count += key.length > 0 && value.length > 0 ? 1 : 0;
    }
    check(count === entryCount, "every entry scanned");
  });

  bench(`scan ${entryCountLabel} entries in reverse (MergingIterator + userEntries)`, () => {
    let count = 0;
    for (const [key, value] of userEntries(new MergingIterator([table.iterator()]), { snapshotSequence: entryCount, reverse: true })) {
      count += key.length > 0 && value.length > 0 ? 1 : 0;
    }
    check(count === entryCount, "every entry scanned");
  });
});
