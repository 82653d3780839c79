/**
 * The user iterator against a model (each key's newest version at the snapshot, deletes hiding
 * keys, bounds, order, limit), over merges of memtables holding many versions per key. The cursor
 * is also walked at random — seeks, steps, direction switches — since backward steps over
 * multiple versions are where this layer is subtle. fast-check prints the seed of a failure.
 */
import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AssertionError, assertNever } from "@omnikv/base";
import { propertyParams } from "@omnikv/testkit";
import { encodeInternalKey, ValueKind } from "../src/internal-key.ts";
import { compareBytes } from "../src/internal/bytes.ts";
import { MemTable } from "../src/mem-table.ts";
import { MergingIterator } from "../src/merging-iterator.ts";
import { type UserKeyRange, UserIterator, userEntries } from "../src/user-iterator.ts";
import { ArrayIterator, entriesArb, hex, liveEntries, type ModelEntry, sequenceArb, sortedItems, userKeyArb } from "./internal-model.ts";

const text = (value: string): Uint8Array => new TextEncoder().encode(value);
const decode = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
const put = (key: string, sequence: number, value: string): ModelEntry => ({ userKey: text(key), sequence, kind: ValueKind.Put, value: text(value) });
const del = (key: string, sequence: number): ModelEntry => ({ userKey: text(key), sequence, kind: ValueKind.Delete, value: new Uint8Array(0) });

/** A merge of `childCount` memtables sharing out the entries round-robin (children overlap in keys). */
function sourceOf(entries: readonly ModelEntry[], childCount = 1): MergingIterator {
  const tables = Array.from({ length: childCount }, () => new MemTable());
  entries.forEach((entry, i) => tables[i % childCount]?.add(entry.sequence, entry.kind, entry.userKey, entry.value));
  return new MergingIterator(tables.map((table) => table.iterator()));
}

function scanText(entries: readonly ModelEntry[], options: Parameters<typeof userEntries>[1]): string[] {
  return [...userEntries(sourceOf(entries, 2), options)].map(([key, value]) => `${decode(key)}=${decode(value)}`);
}

interface Bound {
  readonly key: Uint8Array;
  readonly isInclusive: boolean;
}

function rangeOf(lower: Bound | null, upper: Bound | null): UserKeyRange {
  return {
    ...(lower === null ? {} : lower.isInclusive ? { gte: lower.key } : { gt: lower.key }),
    ...(upper === null ? {} : upper.isInclusive ? { lte: upper.key } : { lt: upper.key }),
  };
}

function isInRange(key: Uint8Array, lower: Bound | null, upper: Bound | null): boolean {
  if (lower !== null) {
    const order = compareBytes(key, lower.key);
    if (lower.isInclusive ? order < 0 : order <= 0) return false;
  }
  if (upper !== null) {
    const order = compareBytes(key, upper.key);
    if (upper.isInclusive ? order > 0 : order >= 0) return false;
  }
  return true;
}

const boundArb: fc.Arbitrary<Bound | null> = fc.option(fc.record({ key: userKeyArb, isInclusive: fc.boolean() }), { nil: null });

const describeEntries = (entries: readonly (readonly [Uint8Array, Uint8Array])[]): string[] => entries.map(([key, value]) => `${hex(key)}=${hex(value)}`);

describe("userEntries", () => {
  // Versions of a, b, c and d; the snapshot is 5 unless a test says otherwise.
  const history = [
    put("a", 1, "a1"),
    del("a", 3),
    put("a", 6, "a6"), // invisible at 5
    put("b", 2, "b2"),
    put("b", 4, "b4"),
    del("b", 7), // invisible at 5: b stays
    del("c", 1),
    put("c", 5, "c5"),
    put("d", 2, "d2"),
    del("d", 5),
  ];

  it("shows each key's newest version at the snapshot and hides deleted keys, both ways", () => {
    expect(scanText(history, { snapshotSequence: 5 })).toEqual(["b=b4", "c=c5"]);
    expect(scanText(history, { snapshotSequence: 5, reverse: true })).toEqual(["c=c5", "b=b4"]);
    expect(scanText(history, { snapshotSequence: 2 })).toEqual(["a=a1", "b=b2", "d=d2"]);
    expect(scanText(history, { snapshotSequence: 2, reverse: true })).toEqual(["d=d2", "b=b2", "a=a1"]);
    expect(scanText(history, { snapshotSequence: 100 })).toEqual(["a=a6", "c=c5"]);
    expect(scanText(history, { snapshotSequence: 100, reverse: true })).toEqual(["c=c5", "a=a6"]);
    expect(scanText(history, { snapshotSequence: 0 })).toEqual([]);
  });

  it("honours gte, gt, lte and lt bounds in both directions", () => {
    const entries = ["a", "b", "c", "d", "e"].map((key, i) => put(key, i + 1, key));
    const all = { snapshotSequence: 10 };
    expect(scanText(entries, { ...all, gte: text("b"), lte: text("d") })).toEqual(["b=b", "c=c", "d=d"]);
    expect(scanText(entries, { ...all, gt: text("b"), lt: text("d") })).toEqual(["c=c"]);
    expect(scanText(entries, { ...all, gt: text("b"), lt: text("d"), reverse: true })).toEqual(["c=c"]);
    expect(scanText(entries, { ...all, gte: text("b"), lte: text("d"), reverse: true })).toEqual(["d=d", "c=c", "b=b"]);
    expect(scanText(entries, { ...all, gt: text("bb"), lt: text("dd") })).toEqual(["c=c", "d=d"]);
    expect(scanText(entries, { ...all, gt: text("bb"), lt: text("dd"), reverse: true })).toEqual(["d=d", "c=c"]);
    expect(scanText(entries, { ...all, gte: text("d"), lte: text("b") })).toEqual([]);
    expect(scanText(entries, { ...all, gt: text("c"), lt: text("c"), reverse: true })).toEqual([]);
    expect(scanText(entries, { ...all, lt: text("a") })).toEqual([]);
    expect(scanText(entries, { ...all, gt: text("e"), reverse: true })).toEqual([]);
  });

  it("stops after the limit, in either direction", () => {
    const entries = ["a", "b", "c"].map((key, i) => put(key, i + 1, key));
    expect(scanText(entries, { snapshotSequence: 9, limit: 0 })).toEqual([]);
    expect(scanText(entries, { snapshotSequence: 9, limit: 2 })).toEqual(["a=a", "b=b"]);
    expect(scanText(entries, { snapshotSequence: 9, limit: 2, reverse: true })).toEqual(["c=c", "b=b"]);
    expect(scanText(entries, { snapshotSequence: 9, limit: 5 })).toEqual(["a=a", "b=b", "c=c"]);
    expect(() => userEntries(sourceOf(entries), { snapshotSequence: 9, limit: -1 })).toThrow(AssertionError);
    expect(() => userEntries(sourceOf(entries), { snapshotSequence: 9, gt: text("a"), gte: text("a") })).toThrow(AssertionError);
  });

  it("hands out key copies and value views", () => {
    const table = new MemTable();
    table.add(1, ValueKind.Put, text("key"), text("value"));
    const [first] = [...userEntries(table.iterator(), { snapshotSequence: 1 })];
    expect(first).toBeDefined();
    if (first === undefined) return;
    first[0].fill(0);
    expect(table.get(text("key"), 1)?.value).toEqual(text("value"));
    expect(decode(first[1])).toBe("value");
  });

  it("streams: a step moves the source a few times, and stopping early closes it", () => {
    const entries = Array.from({ length: 10_000 }, (_, i) => put(`k${String(i).padStart(5, "0")}`, i + 1, "v"));
    for (const reverse of [false, true]) {
      const source = new ArrayIterator(sortedItems(entries));
      let count = 0;
      for (const [key] of userEntries(source, { snapshotSequence: 1e6, reverse })) {
        expect(decode(key)).toBe(reverse ? `k0999${9 - count}` : `k0000${count}`);
        count += 1;
        if (count === 3) break;
      }
      expect(source.moveCount).toBeLessThan(10);
      expect(source.closeCount).toBe(1);
    }
    const exhausted = new ArrayIterator(sortedItems(entries.slice(0, 5)));
    const scan = userEntries(exhausted, { snapshotSequence: 1e6, limit: 2 });
    expect([...scan]).toHaveLength(2);
    expect(scan.next().done).toBe(true);
    expect(exhausted.closeCount).toBe(1);
  });

  it("matches the model for random snapshots, bounds, order and limits", () => {
    const arb = fc.record({
      entries: entriesArb(300),
      childCount: fc.integer({ min: 1, max: 3 }),
      snapshot: sequenceArb,
      lower: boundArb,
      upper: boundArb,
      reverse: fc.boolean(),
      limit: fc.option(fc.nat({ max: 30 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(arb, ({ entries, childCount, snapshot, lower, upper, reverse, limit }) => {
        let expected = liveEntries(entries, snapshot).filter(([key]) => isInRange(key, lower, upper));
        if (reverse) expected.reverse();
        if (limit !== undefined) expected = expected.slice(0, limit);
        const options = { snapshotSequence: snapshot, reverse, ...rangeOf(lower, upper), ...(limit === undefined ? {} : { limit }) };
        const actual = [...userEntries(sourceOf(entries, childCount), options)];
        expect(describeEntries(actual)).toEqual(describeEntries(expected));
      }),
      propertyParams(300),
    );
  });
});

type UserMove =
  | { readonly kind: "seek" | "seekForPrev"; readonly key: Uint8Array }
  | { readonly kind: "seekToFirst" | "seekToLast" | "next" | "prev" };

const userMoveArb: fc.Arbitrary<UserMove> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom("seek" as const, "seekForPrev" as const), key: userKeyArb }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom("seekToFirst" as const, "seekToLast" as const) }) },
  { weight: 8, arbitrary: fc.record({ kind: fc.constantFrom("next" as const, "prev" as const) }) },
);

/** Applies a move to the cursor and to a model position in `live`; next/prev only when positioned. */
function applyUserMove(cursor: UserIterator, live: readonly (readonly [Uint8Array, Uint8Array])[], position: number, move: UserMove): number {
  switch (move.kind) {
    case "seek":
      cursor.seek(move.key);
      return live.findIndex(([key]) => compareBytes(key, move.key) >= 0);
    case "seekForPrev":
      cursor.seekForPrev(move.key);
      return live.findLastIndex(([key]) => compareBytes(key, move.key) <= 0);
    case "seekToFirst":
      cursor.seekToFirst();
      return live.length > 0 ? 0 : -1;
    case "seekToLast":
      cursor.seekToLast();
      return live.length - 1;
    case "next":
      if (position < 0) return position;
      cursor.next();
      return position + 1 < live.length ? position + 1 : -1;
    case "prev":
      if (position < 0) return position;
      cursor.prev();
      return position - 1;
    default:
      return assertNever(move);
  }
}

describe("UserIterator", () => {
  it("turns around over keys with many versions, invisible ones and deletes", () => {
    const entries = [put("a", 1, "a1"), put("a", 2, "a2"), put("b", 3, "b3"), del("b", 4), put("b", 9, "b9"), put("c", 5, "c5"), put("c", 8, "c8"), put("d", 6, "d6")];
    const cursor = new UserIterator(sourceOf(entries, 2), 6);
    const seen: string[] = [];
    const record = (): void => {
      seen.push(cursor.isValid ? `${decode(cursor.key())}=${decode(cursor.value())}` : "-");
    };
    cursor.seekToFirst();
    record(); // a=a2
    cursor.next();
    record(); // c=c5
    cursor.prev();
    record(); // a=a2
    cursor.prev();
    record(); // -
    cursor.seekToLast();
    record(); // d=d6
    cursor.prev();
    record(); // c=c5
    cursor.next();
    record(); // d=d6
    cursor.next();
    record(); // -
    cursor.seek(text("b"));
    record(); // c=c5
    cursor.seekForPrev(text("b"));
    record(); // a=a2
    expect(seen).toEqual(["a=a2", "c=c5", "a=a2", "-", "d=d6", "c=c5", "d=d6", "-", "c=c5", "a=a2"]);
    expect(decode(cursor.copyKey())).toBe("a");
    cursor.close();
    expect(cursor.isValid).toBe(false);
  });

  it("matches the model for random seeks, steps and direction switches within bounds", () => {
    const arb = fc.record({
      entries: entriesArb(250),
      childCount: fc.integer({ min: 1, max: 3 }),
      snapshot: sequenceArb,
      lower: boundArb,
      upper: boundArb,
      moves: fc.array(userMoveArb, { maxLength: 120, size: "max" }),
    });
    fc.assert(
      fc.property(arb, ({ entries, childCount, snapshot, lower, upper, moves }) => {
        const live = liveEntries(entries, snapshot).filter(([key]) => isInRange(key, lower, upper));
        const cursor = new UserIterator(sourceOf(entries, childCount), snapshot, rangeOf(lower, upper));
        let position = -1;
        for (const move of moves) {
          position = applyUserMove(cursor, live, position, move);
          const expected = live[position];
          expect(cursor.isValid, `isValid after ${move.kind}`).toBe(expected !== undefined);
          if (expected === undefined) continue;
          expect(hex(cursor.key()), `key after ${move.kind}`).toBe(hex(expected[0]));
          expect(hex(cursor.copyKey())).toBe(hex(expected[0]));
          expect(hex(cursor.value()), `value after ${move.kind}`).toBe(hex(expected[1]));
        }
      }),
      propertyParams(300),
    );
  });

  it("skips a source entry that equals an exclusive bound's seek key", () => {
    // (k, 0, Delete) is the last possible entry of k: `gt: k` seeks to it and must step over it.
    const items = sortedItems([del("k", 0), put("k", 1, "k1"), put("l", 2, "l2")]);
    const forward = [...userEntries(new ArrayIterator(items), { snapshotSequence: 5, gt: text("k") })];
    expect(forward.map(([key]) => decode(key))).toEqual(["l"]);
    const backward = [...userEntries(new ArrayIterator(items), { snapshotSequence: 5, lt: text("l"), reverse: true })];
    expect(backward.map(([key]) => decode(key))).toEqual(["k"]);
    expect(hex(encodeInternalKey(text("k"), 0, 0))).toBe(hex(items[1]?.key ?? new Uint8Array(0)));
  });
});
