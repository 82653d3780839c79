/**
 * The memtable against a sorted-array model: point lookups at random snapshots, iteration both
 * ways, random cursor walks with seeks and direction switches, and iterators that keep their place
 * while entries are added around them. fast-check prints the seed and the shrunk counterexample of
 * a failure; FC_SEED / FC_PATH / FC_NUM_RUNS replay it.
 */
import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AssertionError } from "@omnikv/base";
import { propertyParams, SeededRandom } from "@omnikv/testkit";
import { compareInternalKeys, encodeInternalKey, ValueKind } from "../src/internal-key.ts";
import { entryOverheadBytes, MemTable } from "../src/mem-table.ts";
import {
  collectBothWays,
  type CursorMove,
  cursorMoveArb,
  CursorWalk,
  describeItems,
  entriesArb,
  entryArb,
  hex,
  itemOf,
  type ModelEntry,
  modelGet,
  sequenceArb,
  sortedItems,
  userKeyArb,
} from "./internal-model.ts";

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);
const text = (value: string): Uint8Array => new TextEncoder().encode(value);

function memTableOf(entries: readonly ModelEntry[]): MemTable {
  const table = new MemTable();
  for (const entry of entries) table.add(entry.sequence, entry.kind, entry.userKey, entry.value);
  return table;
}

describe("MemTable", () => {
  it("starts empty", () => {
    const table = new MemTable();
    expect(table.isEmpty).toBe(true);
    expect(table.entryCount).toBe(0);
    expect(table.approximateBytes).toBe(0);
    expect(table.get(text("a"), 100)).toBeUndefined();
    const cursor = table.iterator();
    cursor.seekToFirst();
    expect(cursor.isValid).toBe(false);
    cursor.seekToLast();
    expect(cursor.isValid).toBe(false);
    cursor.seek(encodeInternalKey(text("a"), 1, ValueKind.Put));
    expect(cursor.isValid).toBe(false);
    cursor.seekForPrev(encodeInternalKey(text("a"), 1, ValueKind.Put));
    expect(cursor.isValid).toBe(false);
  });

  it("returns the newest version visible at the snapshot, deletes included", () => {
    const table = new MemTable();
    table.add(7, ValueKind.Put, text("k"), text("v7"));
    table.add(1, ValueKind.Put, text("k"), text("v1"));
    table.add(5, ValueKind.Delete, text("k"), new Uint8Array(0));
    table.add(3, ValueKind.Put, text("k"), text("v3"));
    table.add(4, ValueKind.Put, text("k\0"), text("longer"));
    table.add(2, ValueKind.Put, text(""), text("empty key"));
    const expected: [number, string | undefined][] = [[0, undefined], [1, "v1"], [2, "v1"], [3, "v3"], [4, "v3"], [5, "delete"], [6, "delete"], [7, "v7"], [99, "v7"]];
    for (const [snapshot, value] of expected) {
      const found = table.get(text("k"), snapshot);
      const seen = found === undefined ? undefined : found.kind === ValueKind.Delete ? "delete" : new TextDecoder().decode(found.value);
      expect(seen, `at snapshot ${snapshot}`).toBe(value);
    }
    expect(table.get(text("k"), 6)?.sequence).toBe(5);
    expect(table.get(text("k\0"), 4)?.value).toEqual(text("longer"));
    expect(table.get(text("k\0"), 3)).toBeUndefined();
    expect(table.get(text(""), 2)?.value).toEqual(text("empty key"));
    expect(table.get(text("j"), 99)).toBeUndefined();
    expect(table.get(text("l"), 99)).toBeUndefined();
    expect(table.entryCount).toBe(6);
    expect(table.isEmpty).toBe(false);
  });

  it("keeps its own copies of keys and values", () => {
    const table = new MemTable();
    const key = text("key");
    const value = text("value");
    table.add(1, ValueKind.Put, key, value);
    key.fill(0);
    value.fill(0);
    expect(table.get(text("key"), 1)?.value).toEqual(text("value"));
    expect(table.get(key, 1)).toBeUndefined();
  });

  it("refuses a second entry with the same key and sequence, whatever its kind", () => {
    const table = new MemTable();
    table.add(5, ValueKind.Put, text("a"), text("x"));
    table.add(5, ValueKind.Put, text("b"), text("x"));
    expect(() => table.add(5, ValueKind.Put, text("a"), text("y"))).toThrow(AssertionError);
    expect(() => table.add(5, ValueKind.Delete, text("a"), new Uint8Array(0))).toThrow(AssertionError);
    expect(() => table.add(5, ValueKind.Delete, text("b"), new Uint8Array(0))).toThrow(AssertionError);
    expect(table.entryCount).toBe(2);
    expect(table.get(text("a"), 5)?.value).toEqual(text("x"));
    table.add(4, ValueKind.Put, text("a"), text("older"));
    expect(table.get(text("a"), 4)?.value).toEqual(text("older"));
  });

  it("refuses bad sequences and delete values", () => {
    const table = new MemTable();
    expect(() => table.add(-1, ValueKind.Put, text("a"), text("x"))).toThrow(AssertionError);
    expect(() => table.add(2 ** 53, ValueKind.Put, text("a"), text("x"))).toThrow(AssertionError);
    expect(() => table.add(1.5, ValueKind.Put, text("a"), text("x"))).toThrow(AssertionError);
    expect(() => table.add(1, ValueKind.Delete, text("a"), text("x"))).toThrow(AssertionError);
    expect(table.isEmpty).toBe(true);
  });

  it("charges key, trailer, value and a fixed overhead per entry", () => {
    const table = new MemTable();
    table.add(1, ValueKind.Put, new Uint8Array(16), new Uint8Array(100));
    table.add(2, ValueKind.Delete, new Uint8Array(10), new Uint8Array(0));
    expect(table.approximateBytes).toBe(16 + 8 + 100 + entryOverheadBytes + (10 + 8 + entryOverheadBytes));
  });

  it("stores entries larger than a chunk and keeps value views valid across later adds", () => {
    const table = new MemTable();
    const random = new SeededRandom(7);
    const big = random.bytes(3 * 1024 * 1024);
    const medium = random.bytes(70_000);
    table.add(1, ValueKind.Put, text("big"), big);
    table.add(2, ValueKind.Put, text("medium"), medium);
    const heldView = table.get(text("big"), 1)?.value;
    for (let i = 0; i < 20_000; i++) table.add(10 + i, ValueKind.Put, random.bytes(12), random.bytes(random.int(0, 300)));
    expect(isSameBytes(heldView, big)).toBe(true);
    expect(isSameBytes(table.get(text("big"), 5)?.value, big)).toBe(true);
    expect(isSameBytes(table.get(text("medium"), 5)?.value, medium)).toBe(true);
    expect(table.entryCount).toBe(20_002);
  });

  it("orders sequences on both sides of 2^32 and up to 2^53 - 1", () => {
    const table = new MemTable();
    const sequences = [0, 1, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 40, Number.MAX_SAFE_INTEGER];
    for (const sequence of sequences.toReversed()) table.add(sequence, ValueKind.Put, text("k"), text(String(sequence)));
    const seen: number[] = [];
    const cursor = table.iterator();
    for (cursor.seekToFirst(); cursor.isValid; cursor.next()) seen.push(Number(new TextDecoder().decode(cursor.value())));
    expect(seen).toEqual(sequences.toReversed());
    for (const sequence of sequences) expect(table.get(text("k"), sequence)?.sequence).toBe(sequence);
    expect(table.get(text("k"), 2 ** 32 - 2)?.sequence).toBe(1);
  });

  it("iterates in internal-key order both ways, keys first by user key then newest first", () => {
    const table = new MemTable();
    table.add(1, ValueKind.Put, bytes(2), bytes(0xa));
    table.add(3, ValueKind.Put, bytes(1), bytes(0xb));
    table.add(2, ValueKind.Delete, bytes(1), bytes());
    table.add(4, ValueKind.Put, bytes(1, 0), bytes(0xc));
    const order = ["01@3", "01@2", "0100@4", "02@1"];
    const { forward, backward } = collectBothWays(table.iterator());
    expect(forward.map(shortName)).toEqual(order);
    expect(backward.map(shortName)).toEqual(order.toReversed());
  });

  it("matches the model for gets at random snapshots", () => {
    fc.assert(
      fc.property(entriesArb(300), fc.array(fc.tuple(userKeyArb, sequenceArb), { maxLength: 100, size: "max" }), (entries, queries) => {
        const table = memTableOf(entries);
        expect(table.entryCount).toBe(entries.length);
        const probes = [...queries, ...entries.flatMap((e): [Uint8Array, number][] => [[e.userKey, e.sequence], [e.userKey, Math.max(0, e.sequence - 1)]])];
        for (const [userKey, snapshot] of probes) {
          const expected = modelGet(entries, userKey, snapshot);
          const found = table.get(userKey, snapshot);
          expect(found === undefined ? undefined : { ...found, value: hex(found.value) }).toEqual(
            expected === undefined ? undefined : { kind: expected.kind, sequence: expected.sequence, value: hex(expected.value) },
          );
        }
      }),
      propertyParams(200),
    );
  });

  it("matches the model for full iteration both ways", () => {
    fc.assert(
      fc.property(entriesArb(300), (entries) => {
        const expected = describeItems(sortedItems(entries));
        const { forward, backward } = collectBothWays(memTableOf(entries).iterator());
        expect(forward).toEqual(expected);
        expect(backward).toEqual(expected.toReversed());
      }),
      propertyParams(200),
    );
  });

  it("matches the model for random seeks, steps and direction switches", () => {
    fc.assert(
      fc.property(entriesArb(200), fc.array(cursorMoveArb, { maxLength: 150, size: "max" }), (entries, moves) => {
        const walk = new CursorWalk(memTableOf(entries).iterator(), sortedItems(entries));
        for (const move of moves) walk.apply(move);
      }),
      propertyParams(200),
    );
  });

  it("keeps iterators in place while entries are added between their moves", () => {
    type Step = { readonly kind: "move"; readonly move: CursorMove } | { readonly kind: "add"; readonly entry: ModelEntry };
    const stepArb: fc.Arbitrary<Step> = fc.oneof(
      { weight: 3, arbitrary: cursorMoveArb.map((move) => ({ kind: "move" as const, move })) },
      { weight: 2, arbitrary: entryArb.map((entry) => ({ kind: "add" as const, entry })) },
    );
    fc.assert(
      fc.property(entriesArb(100), fc.array(stepArb, { maxLength: 200, size: "max" }), (entries, steps) => {
        const table = memTableOf(entries);
        const present = new Set(entries.map(idOf));
        const walk = new CursorWalk(table.iterator(), sortedItems(entries));
        const otherCursor = table.iterator();
        otherCursor.seekToFirst();
        for (const step of steps) {
          if (step.kind === "move") {
            walk.apply(step.move);
            continue;
          }
          if (present.has(idOf(step.entry))) continue;
          present.add(idOf(step.entry));
          table.add(step.entry.sequence, step.entry.kind, step.entry.userKey, step.entry.value);
          walk.insert(itemOf(step.entry));
          walk.check("add");
          if (otherCursor.isValid) otherCursor.next();
        }
        expect(table.entryCount).toBe(present.size);
      }),
      propertyParams(200),
    );
  });

  it("sees each existing entry exactly once in a full walk with adds in between", () => {
    fc.assert(
      fc.property(entriesArb(150), fc.array(entryArb, { maxLength: 150, size: "max" }), fc.boolean(), (entries, additions, isForward) => {
        const table = memTableOf(entries);
        const present = new Set(entries.map(idOf));
        const cursor = table.iterator();
        const seen: Uint8Array[] = [];
        let additionIndex = 0;
        for (isForward ? cursor.seekToFirst() : cursor.seekToLast(); cursor.isValid; isForward ? cursor.next() : cursor.prev()) {
          seen.push(cursor.key().slice());
          const addition = additions[additionIndex++];
          if (addition !== undefined && !present.has(idOf(addition))) {
            present.add(idOf(addition));
            table.add(addition.sequence, addition.kind, addition.userKey, addition.value);
          }
        }
        const inOrder = isForward ? seen : seen.toReversed();
        for (let i = 1; i < inOrder.length; i++) {
          expect(compareInternalKeys(inOrder[i - 1] ?? new Uint8Array(0), inOrder[i] ?? new Uint8Array(0))).toBeLessThan(0);
        }
        const seenHex = new Set(seen.map(hex));
        for (const item of sortedItems(entries)) expect(seenHex.has(hex(item.key))).toBe(true);
      }),
      propertyParams(200),
    );
  });
});

/** Byte equality without vitest's element-by-element deep equality (slow on megabytes). */
function isSameBytes(actual: Uint8Array | undefined, expected: Uint8Array): boolean {
  return actual !== undefined && Buffer.compare(actual, expected) === 0;
}

function idOf(entry: ModelEntry): string {
  return `${hex(entry.userKey)}/${entry.sequence}`;
}

/** "userKeyHex@sequence" from a "internalKeyHex=valueHex" line. */
function shortName(line: string): string {
  const keyHex = line.split("=")[0] ?? "";
  const userHex = keyHex.slice(0, -16);
  const sequence = Number.parseInt(keyHex.slice(-16, -2), 16);
  return `${userHex}@${sequence}`;
}

describe("MemTable newest-version index", () => {
  it("never hides a key while it grows far beyond its first size", () => {
    const table = new MemTable();
    const key = (i: number): Uint8Array => new Uint8Array([0, 0, 0x40, 7, (i >>> 24) & 255, (i >>> 16) & 255, (i >>> 8) & 255, i & 255]);
    for (let i = 0; i < 20_000; i += 2) table.add(i + 1, ValueKind.Put, key(i), new Uint8Array([i & 255]));
    for (let i = 0; i < 20_000; i++) {
      const found = table.get(key(i), 1_000_000);
      expect(found === undefined, `key ${i}`).toBe(i % 2 === 1);
    }
  });

  it("finds every version of a hot key at every snapshot, however many newer versions there are", () => {
    const table = new MemTable();
    const hot = text("hot");
    // Versions 2, 4, ..., 100, added out of order (odd ones first), next to neighbours on both sides.
    const sequences = Array.from({ length: 50 }, (_, i) => 2 * (i + 1));
    for (const sequence of [...sequences.filter((_, i) => i % 2 === 1), ...sequences.filter((_, i) => i % 2 === 0)]) {
      table.add(sequence, ValueKind.Put, hot, text(`v${sequence}`));
    }
    table.add(1, ValueKind.Put, text("hos"), text("before"));
    table.add(3, ValueKind.Put, text("hou"), text("after"));
    expect(table.get(hot, 1)).toBeUndefined();
    for (let snapshot = 2; snapshot <= 102; snapshot++) {
      const newest = Math.min(100, snapshot - (snapshot % 2));
      expect(table.get(hot, snapshot)?.sequence, `snapshot ${snapshot}`).toBe(newest);
      expect(new TextDecoder().decode(table.get(hot, snapshot)?.value), `snapshot ${snapshot}`).toBe(`v${newest}`);
    }
  });
});
