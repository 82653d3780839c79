/**
 * Test support for the read path (memtable, merging iterator, user iterator): the model is a
 * sorted array of entries; `ArrayIterator` is the simplest possible `InternalIterator`; the
 * arbitraries favour tiny key alphabets (so keys share prefixes and collect many versions) and
 * sequences on both sides of 2^32 (so the trailer's split into two words is exercised); the
 * cursor walk drives an iterator and the model through the same moves and compares every step.
 */
import assert from "node:assert/strict";
import * as fc from "fast-check";
import type { InternalIterator } from "../src/internal-iterator.ts";
import { compareInternalKeys, encodeInternalKey, kindForSeek, sequenceMax, ValueKind } from "../src/internal-key.ts";
import { compareBytes } from "../src/internal/bytes.ts";

export interface ModelEntry {
  readonly userKey: Uint8Array;
  readonly sequence: number;
  readonly kind: ValueKind;
  readonly value: Uint8Array;
}

/** One position of an internal iterator's model: an internal key, its value, and its source. */
export interface ModelItem {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
  /** The child it comes from, in merging tests (ties on equal keys go to the lower index). */
  readonly source: number;
}

export function internalKeyOf(entry: ModelEntry): Uint8Array {
  return encodeInternalKey(entry.userKey, entry.sequence, entry.kind);
}

export function itemOf(entry: ModelEntry, source = 0): ModelItem {
  return { key: internalKeyOf(entry), value: entry.value, source };
}

export function compareItems(a: ModelItem, b: ModelItem): number {
  return compareInternalKeys(a.key, b.key) || a.source - b.source;
}

export function sortedItems(entries: readonly ModelEntry[], source = 0): ModelItem[] {
  return entries.map((entry) => itemOf(entry, source)).sort(compareItems);
}

/** Drops entries whose (user key, sequence) an earlier entry already has. */
export function uniqueEntries(entries: readonly ModelEntry[]): ModelEntry[] {
  const seen = new Set<string>();
  return entries.filter((entry) => {
    const id = `${hex(entry.userKey)}/${entry.sequence}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/** The newest entry of `userKey` with sequence <= snapshot, deletes included. */
export function modelGet(entries: readonly ModelEntry[], userKey: Uint8Array, snapshot: number): ModelEntry | undefined {
  let best: ModelEntry | undefined;
  for (const entry of entries) {
    if (entry.sequence > snapshot || compareBytes(entry.userKey, userKey) !== 0) continue;
    if (best === undefined || entry.sequence > best.sequence) best = entry;
  }
  return best;
}

/** The user-visible entries at the snapshot, ascending: each key's newest visible version, if a put. */
export function liveEntries(entries: readonly ModelEntry[], snapshot: number): [Uint8Array, Uint8Array][] {
  const newest = new Map<string, ModelEntry>();
  for (const entry of entries) {
    if (entry.sequence > snapshot) continue;
    const id = hex(entry.userKey);
    const best = newest.get(id);
    if (best === undefined || entry.sequence > best.sequence) newest.set(id, entry);
  }
  return [...newest.values()]
    .filter((entry) => entry.kind === ValueKind.Put)
    .sort((a, b) => compareBytes(a.userKey, b.userKey))
    .map((entry) => [entry.userKey, entry.value]);
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("hex");
}

/** An `InternalIterator` over a sorted array; counts its moves and closes, for streaming checks. */
export class ArrayIterator implements InternalIterator {
  readonly #items: readonly ModelItem[];
  #index = -1;
  moveCount = 0;
  closeCount = 0;

  constructor(items: readonly ModelItem[]) {
    for (let i = 1; i < items.length; i++) {
      if (compareInternalKeys(itemAt(items, i - 1).key, itemAt(items, i).key) >= 0) throw new RangeError(`items out of order at ${i}`);
    }
    this.#items = items;
  }

  get isValid(): boolean {
    return this.#index >= 0 && this.#index < this.#items.length;
  }

  seek(target: Uint8Array): void {
    this.#moveTo(this.#items.findIndex((item) => compareInternalKeys(item.key, target) >= 0));
  }

  seekForPrev(target: Uint8Array): void {
    this.#moveTo(this.#items.findLastIndex((item) => compareInternalKeys(item.key, target) <= 0));
  }

  seekToFirst(): void {
    this.#moveTo(0);
  }

  seekToLast(): void {
    this.#moveTo(this.#items.length - 1);
  }

  next(): void {
    if (!this.isValid) throw new RangeError("next() on an invalid iterator");
    this.#moveTo(this.#index + 1);
  }

  prev(): void {
    if (!this.isValid) throw new RangeError("prev() on an invalid iterator");
    this.#moveTo(this.#index - 1);
  }

  key(): Uint8Array {
    return itemAt(this.#items, this.#index).key;
  }

  value(): Uint8Array {
    return itemAt(this.#items, this.#index).value;
  }

  close(): void {
    this.closeCount += 1;
  }

  #moveTo(index: number): void {
    this.moveCount += 1;
    this.#index = index >= this.#items.length ? -1 : index;
  }
}

function itemAt(items: readonly ModelItem[], index: number): ModelItem {
  const item = items[index];
  if (item === undefined) throw new RangeError(`no item at ${index}`);
  return item;
}

// ---------------------------------------------------------------- arbitraries

/**
 * Keys: a shared stem of 0, 3, 7, 8 or 10 bytes (so keys straddle the memtable's 4- and 8-byte
 * prefix words) and up to 3 bytes over four values — a few hundred keys with many shared
 * prefixes, the empty key included, so each key collects many versions.
 */
export const userKeyArb: fc.Arbitrary<Uint8Array> = fc
  .tuple(
    fc.constantFrom(0, 0, 3, 7, 8, 10),
    fc.array(fc.constantFrom(0x00, 0x01, 0x7f, 0xff), { maxLength: 3 }),
  )
  .map(([stemBytes, tail]) => Uint8Array.from([...Array.from({ length: stemBytes }, () => 0x61), ...tail]));

export const sequenceArb: fc.Arbitrary<number> = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0, max: 300 }) },
  { weight: 1, arbitrary: fc.integer({ min: 2 ** 32 - 3, max: 2 ** 32 + 3 }) },
  { weight: 1, arbitrary: fc.integer({ min: sequenceMax - 3, max: sequenceMax }) },
);

export const entryArb: fc.Arbitrary<ModelEntry> = fc
  .record({
    userKey: userKeyArb,
    sequence: sequenceArb,
    isPut: fc.boolean(),
    value: fc.uint8Array({ maxLength: 6 }),
  })
  .map(({ userKey, sequence, isPut, value }) =>
    isPut ? { userKey, sequence, kind: ValueKind.Put, value } : { userKey, sequence, kind: ValueKind.Delete, value: new Uint8Array(0) },
  );

export const entriesArb = (maxLength: number): fc.Arbitrary<ModelEntry[]> =>
  fc.array(entryArb, { maxLength, size: "max" }).map(uniqueEntries);

/** Seek targets: internal keys with real kinds and the seek kind. */
export const internalTargetArb: fc.Arbitrary<Uint8Array> = fc
  .tuple(userKeyArb, sequenceArb, fc.constantFrom(ValueKind.Delete, ValueKind.Put, kindForSeek))
  .map(([userKey, sequence, kind]) => encodeInternalKey(userKey, sequence, kind));

// ---------------------------------------------------------------- cursor walks

export type CursorMove =
  | { readonly kind: "seek"; readonly target: Uint8Array }
  | { readonly kind: "seekForPrev"; readonly target: Uint8Array }
  | { readonly kind: "seekToFirst" }
  | { readonly kind: "seekToLast" }
  | { readonly kind: "next" }
  | { readonly kind: "prev" };

export const cursorMoveArb: fc.Arbitrary<CursorMove> = fc.oneof(
  { weight: 2, arbitrary: internalTargetArb.map((target) => ({ kind: "seek" as const, target })) },
  { weight: 2, arbitrary: internalTargetArb.map((target) => ({ kind: "seekForPrev" as const, target })) },
  { weight: 1, arbitrary: fc.constant({ kind: "seekToFirst" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "seekToLast" as const }) },
  { weight: 5, arbitrary: fc.constant({ kind: "next" as const }) },
  { weight: 5, arbitrary: fc.constant({ kind: "prev" as const }) },
);

/**
 * A cursor and its model position over `items` (sorted by `compareItems`; the caller may insert
 * into it between moves through `insert`). Each move is applied to both and the results compared.
 */
export class CursorWalk {
  readonly #cursor: InternalIterator;
  readonly #items: ModelItem[];
  #position = -1;

  constructor(cursor: InternalIterator, items: ModelItem[]) {
    this.#cursor = cursor;
    this.#items = items;
  }

  /** Applies `move` (next/prev only when positioned) and checks the cursor against the model. */
  apply(move: CursorMove): void {
    const items = this.#items;
    switch (move.kind) {
      case "seek":
        this.#cursor.seek(move.target);
        this.#position = items.findIndex((item) => compareInternalKeys(item.key, move.target) >= 0);
        break;
      case "seekForPrev":
        this.#cursor.seekForPrev(move.target);
        this.#position = items.findLastIndex((item) => compareInternalKeys(item.key, move.target) <= 0);
        break;
      case "seekToFirst":
        this.#cursor.seekToFirst();
        this.#position = items.length > 0 ? 0 : -1;
        break;
      case "seekToLast":
        this.#cursor.seekToLast();
        this.#position = items.length - 1;
        break;
      case "next":
        if (this.#position < 0) return;
        this.#cursor.next();
        this.#position = this.#position + 1 < items.length ? this.#position + 1 : -1;
        break;
      case "prev":
        if (this.#position < 0) return;
        this.#cursor.prev();
        this.#position -= 1;
        break;
    }
    this.check(move.kind);
  }

  /** Records an item added to the cursor's source, keeping the model position on the same item. */
  insert(item: ModelItem): void {
    let at = this.#items.findIndex((existing) => compareItems(existing, item) > 0);
    if (at < 0) at = this.#items.length;
    this.#items.splice(at, 0, item);
    if (this.#position >= at) this.#position += 1;
  }

  check(context: string): void {
    const expected = this.#items[this.#position];
    assert.equal(this.#cursor.isValid, expected !== undefined, `isValid after ${context}`);
    if (expected === undefined) return;
    assert.equal(hex(this.#cursor.key()), hex(expected.key), `key after ${context}`);
    assert.equal(hex(this.#cursor.value()), hex(expected.value), `value after ${context}`);
  }
}

/** Every item of `cursor` from first to last, then from last to first. */
export function collectBothWays(cursor: InternalIterator): { forward: string[]; backward: string[] } {
  const forward: string[] = [];
  for (cursor.seekToFirst(); cursor.isValid; cursor.next()) forward.push(`${hex(cursor.key())}=${hex(cursor.value())}`);
  const backward: string[] = [];
  for (cursor.seekToLast(); cursor.isValid; cursor.prev()) backward.push(`${hex(cursor.key())}=${hex(cursor.value())}`);
  return { forward, backward };
}

export function describeItems(items: readonly ModelItem[]): string[] {
  return items.map((item) => `${hex(item.key)}=${hex(item.value)}`);
}
