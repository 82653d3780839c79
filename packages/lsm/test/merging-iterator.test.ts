/**
 * The merging iterator against a model: the children's items sorted by (internal key, child
 * index). Children are memtables with disjoint or overlapping key sets, and array iterators that
 * hold *equal* internal keys, where the order must still be deterministic and `prev` the inverse
 * of `next`. fast-check prints the seed and the shrunk counterexample of a failure.
 */
import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AssertionError } from "@omnikv/base";
import { propertyParams } from "@omnikv/testkit";
import type { InternalIterator } from "../src/internal-iterator.ts";
import { encodeInternalKey, ValueKind } from "../src/internal-key.ts";
import { MemTable } from "../src/mem-table.ts";
import { MergingIterator } from "../src/merging-iterator.ts";
import {
  ArrayIterator,
  collectBothWays,
  compareItems,
  cursorMoveArb,
  CursorWalk,
  describeItems,
  entriesArb,
  type ModelEntry,
  type ModelItem,
  sortedItems,
} from "./internal-model.ts";

const text = (value: string): Uint8Array => new TextEncoder().encode(value);
const put = (key: string, sequence: number, value = `${key}${sequence}`): ModelEntry => ({
  userKey: text(key),
  sequence,
  kind: ValueKind.Put,
  value: text(value),
});

function memTableOf(entries: readonly ModelEntry[]): MemTable {
  const table = new MemTable();
  for (const entry of entries) table.add(entry.sequence, entry.kind, entry.userKey, entry.value);
  return table;
}

/** The merged model: every child's items, ordered by key and then child index. */
function mergedItems(childEntries: readonly (readonly ModelEntry[])[]): ModelItem[] {
  return childEntries.flatMap((entries, index) => sortedItems(entries, index)).sort(compareItems);
}

/** Splits entries among `childCount` children by a chooser, so children overlap in user keys but never share an entry. */
function split(entries: readonly ModelEntry[], choices: readonly number[], childCount: number): ModelEntry[][] {
  const children: ModelEntry[][] = Array.from({ length: childCount }, () => []);
  entries.forEach((entry, i) => children[(choices[i] ?? i) % childCount]?.push(entry));
  return children;
}

/** Children in disjoint key ranges: child i holds the user keys that start with byte i (mod count). */
function splitByKey(entries: readonly ModelEntry[], childCount: number): ModelEntry[][] {
  const children: ModelEntry[][] = Array.from({ length: childCount }, () => []);
  for (const entry of entries) children[(entry.userKey[0] ?? 0) % childCount]?.push(entry);
  return children;
}

const childrenArb = fc.tuple(entriesArb(200), fc.array(fc.nat(), { maxLength: 200, size: "max" }), fc.integer({ min: 1, max: 5 }), fc.boolean()).map(
  ([entries, choices, childCount, isDisjoint]) => (isDisjoint ? splitByKey(entries, childCount) : split(entries, choices, childCount)),
);

function mergingOver(childEntries: readonly (readonly ModelEntry[])[]): MergingIterator {
  return new MergingIterator(childEntries.map((entries) => memTableOf(entries).iterator()));
}

describe("MergingIterator", () => {
  it("is never valid without children or with empty ones", () => {
    for (const children of [[], [new MemTable().iterator(), new MemTable().iterator()]]) {
      const merged = new MergingIterator(children);
      merged.seekToFirst();
      expect(merged.isValid).toBe(false);
      merged.seekToLast();
      expect(merged.isValid).toBe(false);
      merged.seek(encodeInternalKey(text("a"), 1, ValueKind.Put));
      expect(merged.isValid).toBe(false);
      expect(() => merged.next()).toThrow(AssertionError);
    }
  });

  it("interleaves children and turns around at any point", () => {
    const children = [[put("b", 1), put("e", 2)], [put("a", 3), put("c", 4), put("f", 5)], [], [put("d", 6)]];
    const merged = mergingOver(children);
    const { forward, backward } = collectBothWays(merged);
    const expected = describeItems(mergedItems(children));
    expect(forward).toEqual(expected);
    expect(backward).toEqual(expected.toReversed());
    const userKeys: string[] = [];
    const record = (): void => {
      userKeys.push(new TextDecoder().decode(merged.key().subarray(0, -8)));
    };
    merged.seek(encodeInternalKey(text("c"), 100, ValueKind.Put));
    record();
    merged.prev();
    record();
    merged.next();
    record();
    merged.next();
    record();
    merged.prev();
    record();
    merged.prev();
    record();
    expect(userKeys).toEqual(["c", "b", "c", "d", "c", "b"]);
  });

  it("orders equal keys by child index forward and exactly in reverse backward", () => {
    const shared = encodeInternalKey(text("k"), 5, ValueKind.Put);
    const item = (key: Uint8Array, value: string): ModelItem => ({ key, value: text(value), source: 0 });
    const before = encodeInternalKey(text("j"), 1, ValueKind.Put);
    const after = encodeInternalKey(text("l"), 1, ValueKind.Put);
    const children = [
      new ArrayIterator([item(shared, "0")]),
      new ArrayIterator([item(before, "before"), item(shared, "1")]),
      new ArrayIterator([item(shared, "2"), item(after, "after")]),
    ];
    const merged = new MergingIterator(children);
    const values = (): string => new TextDecoder().decode(merged.value());
    const forward: string[] = [];
    for (merged.seekToFirst(); merged.isValid; merged.next()) forward.push(values());
    expect(forward).toEqual(["before", "0", "1", "2", "after"]);
    const backward: string[] = [];
    for (merged.seekToLast(); merged.isValid; merged.prev()) backward.push(values());
    expect(backward).toEqual(["after", "2", "1", "0", "before"]);
    merged.seek(shared);
    expect(values()).toBe("0");
    merged.seekForPrev(shared);
    expect(values()).toBe("2");
    const zigzag: string[] = [];
    merged.seek(shared);
    merged.next();
    zigzag.push(values()); // 1
    merged.prev();
    zigzag.push(values()); // 0
    merged.next();
    zigzag.push(values()); // 1
    merged.next();
    zigzag.push(values()); // 2
    merged.prev();
    zigzag.push(values()); // 1
    expect(zigzag).toEqual(["1", "0", "1", "2", "1"]);
  });

  it("closes every child once, however often it is closed", () => {
    const children = [new ArrayIterator([]), new ArrayIterator([])];
    const merged = new MergingIterator(children);
    merged.close();
    merged.close();
    expect(children.map((child) => child.closeCount)).toEqual([1, 1]);
    expect(merged.isValid).toBe(false);
  });

  it("matches the model for full iteration over memtables with disjoint or overlapping keys", () => {
    fc.assert(
      fc.property(childrenArb, (children) => {
        const expected = describeItems(mergedItems(children));
        const { forward, backward } = collectBothWays(mergingOver(children));
        expect(forward).toEqual(expected);
        expect(backward).toEqual(expected.toReversed());
      }),
      propertyParams(200),
    );
  });

  it("matches the model for random seeks, steps and direction switches over memtables", () => {
    fc.assert(
      fc.property(childrenArb, fc.array(cursorMoveArb, { maxLength: 150, size: "max" }), (children, moves) => {
        const walk = new CursorWalk(mergingOver(children), mergedItems(children));
        for (const move of moves) walk.apply(move);
      }),
      propertyParams(200),
    );
  });

  it("matches the model when children share equal internal keys", () => {
    // Every child draws from one small pool of entries, so equal internal keys are common.
    const arb = fc.tuple(entriesArb(12), fc.array(fc.array(fc.nat({ max: 11 }), { maxLength: 12, size: "max" }), { minLength: 1, maxLength: 4 }));
    fc.assert(
      fc.property(arb, fc.array(cursorMoveArb, { maxLength: 120, size: "max" }), ([pool, picks], moves) => {
        const childEntries = picks.map((indices) => [...new Set(indices)].flatMap((i) => (pool[i] === undefined ? [] : [pool[i]])));
        const children: InternalIterator[] = childEntries.map((entries) => new ArrayIterator(sortedItems(entries)));
        const merged = new MergingIterator(children);
        const model = mergedItems(childEntries);
        const { forward, backward } = collectBothWays(merged);
        expect(forward).toEqual(describeItems(model));
        expect(backward).toEqual(describeItems(model).toReversed());
        const walk = new CursorWalk(merged, model);
        for (const move of moves) walk.apply(move);
      }),
      propertyParams(200),
    );
  });

  it("tells equal keys apart by child in walks (values name their child)", () => {
    fc.assert(
      fc.property(entriesArb(10), fc.integer({ min: 2, max: 4 }), fc.array(cursorMoveArb, { maxLength: 100, size: "max" }), (pool, childCount, moves) => {
        // Every child holds the same entries; values carry the child index so positions are distinguishable.
        const childItems = Array.from({ length: childCount }, (_, child) =>
          sortedItems(pool).map((item): ModelItem => ({ key: item.key, value: Uint8Array.of(child), source: child })),
        );
        const merged = new MergingIterator(childItems.map((items) => new ArrayIterator(items)));
        const walk = new CursorWalk(merged, childItems.flat().sort(compareItems));
        for (const move of moves) walk.apply(move);
      }),
      propertyParams(200),
    );
  });
});
