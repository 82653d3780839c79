/**
 * The user's view of the tree at a snapshot: turns an `InternalIterator` over every version of
 * every key (the merge of memtables and tables) into one entry per live user key — the newest
 * version with sequence <= the snapshot, unless that version is a delete, which hides the key.
 * LevelDB calls this layer DBIter; `UserIterator` is the cursor, `userEntries` the streaming
 * iterable `scan` returns.
 *
 * Forward, the source sits *on* the visible entry of the current key: the newest visible version
 * comes first among a key's entries, so stepping forward meets it before any older version.
 *
 * Backward is harder, because a key's versions arrive oldest first: the iterator cannot know a
 * version is the newest visible one until it has seen every version of that key. So going backward
 * the source sits *before* the current key — on the last entry of a smaller key, or off the start
 * — and the current key and value are saved: the key copied into a reused buffer, the value kept
 * as a view (values are views into immutable storage, per the `InternalIterator` contract).
 * `#findPrevUserEntry` walks back through a key's versions remembering the newest visible one, and
 * stops at the first visible entry of a smaller key once it holds a live value.
 *
 * Turning around (LevelDB's Next-after-Prev and Prev-after-Next):
 * - backward -> forward: step the source onto the first entry of the current key (or seek to the
 *   first entry when it is off the start), then skip the current key's entries.
 * - forward -> backward: step back once and search backward as usual (the entries of the current
 *   key before the source are invisible, so the search passes them).
 *
 * Bounds (`gte`/`gt` below, `lte`/`lt` above) are enforced where the cursor moves toward them:
 * the upper bound going forward, the lower bound going backward; seeks start inside the range.
 *
 * Invariants: the source is strictly ordered by internal key; sequences above the snapshot are
 * invisible and never affect what is returned; a returned key is within the bounds.
 */
import { assert } from "@omnikv/base";
import type { InternalIterator } from "./internal-iterator.ts";
import { encodeInternalKey, internalKeySequence, kindForSeek, sequenceMax, trailerBytes, ValueKind } from "./internal-key.ts";
import { compareRanges, copyBytes } from "./internal/bytes.ts";

/** Bounds on user keys; each side takes at most one of its two forms. */
export interface UserKeyRange {
  readonly gte?: Uint8Array;
  readonly gt?: Uint8Array;
  readonly lte?: Uint8Array;
  readonly lt?: Uint8Array;
}

export interface UserScanOptions extends UserKeyRange {
  /** Versions with a larger sequence are invisible. */
  readonly snapshotSequence: number;
  /** Descending key order. */
  readonly reverse?: boolean;
  /** At most this many entries (a non-negative integer; the store validates user input). */
  readonly limit?: number;
  /** Yield copies of the values instead of views (the store's public scan does). */
  readonly isCopyingValues?: boolean;
}

/** A key (a copy the caller owns) and its value (a view into immutable storage: do not write to it). */
export type UserEntry = [key: Uint8Array, value: Uint8Array];

const emptyValue: Uint8Array = new Uint8Array(0);

/** A cursor over the live user keys at a snapshot, within bounds, in either direction. */
export class UserIterator {
  readonly #source: InternalIterator;
  readonly #snapshotSequence: number;
  readonly #lower: Uint8Array | undefined;
  readonly #isLowerInclusive: boolean;
  readonly #upper: Uint8Array | undefined;
  readonly #isUpperInclusive: boolean;
  /** Forward: the key whose remaining versions are skipped. Backward: the current key. */
  readonly #saved = new KeyBuffer();
  /** Backward: the current value. */
  #savedValue: Uint8Array = emptyValue;
  #isForward = true;
  #isValid = false;

  /** Takes ownership of `source`: `close()` closes it. */
  constructor(source: InternalIterator, snapshotSequence: number, range: UserKeyRange = {}) {
    assert(Number.isSafeInteger(snapshotSequence) && snapshotSequence >= 0, "snapshot is a non-negative safe integer");
    assert(range.gte === undefined || range.gt === undefined, "at most one lower bound");
    assert(range.lte === undefined || range.lt === undefined, "at most one upper bound");
    this.#source = source;
    this.#snapshotSequence = snapshotSequence;
    this.#lower = range.gte ?? range.gt;
    this.#isLowerInclusive = range.gte !== undefined;
    this.#upper = range.lte ?? range.lt;
    this.#isUpperInclusive = range.lte !== undefined;
  }

  get isValid(): boolean {
    return this.#isValid;
  }

  seekToFirst(): void {
    this.#seekForward(this.#lower, this.#isLowerInclusive);
  }

  seekToLast(): void {
    this.#seekBackward(this.#upper, this.#isUpperInclusive);
  }

  /** Positions at the first live key >= `userKey` within the bounds. */
  seek(userKey: Uint8Array): void {
    const lower = this.#lower;
    if (lower !== undefined && compareBytesFull(userKey, lower) <= 0) this.#seekForward(lower, this.#isLowerInclusive);
    else this.#seekForward(userKey, true);
  }

  /** Positions at the last live key <= `userKey` within the bounds. */
  seekForPrev(userKey: Uint8Array): void {
    const upper = this.#upper;
    if (upper !== undefined && compareBytesFull(userKey, upper) >= 0) this.#seekBackward(upper, this.#isUpperInclusive);
    else this.#seekBackward(userKey, true);
  }

  next(): void {
    assert(this.#isValid, "next() needs a valid iterator");
    const source = this.#source;
    if (this.#isForward) {
      const key = source.key();
      this.#saved.set(key, key.length - trailerBytes);
      source.next();
    } else {
      // The source is before the current (saved) key's entries, with only invisible entries in
      // between; stepping forward and skipping the saved key lands on the next live key.
      if (source.isValid) source.next();
      else source.seekToFirst();
      this.#isForward = true;
    }
    this.#findNextUserEntry(true);
  }

  prev(): void {
    assert(this.#isValid, "prev() needs a valid iterator");
    if (this.#isForward) {
      // The source is on the newest visible version of the current key, so the entries just
      // before it are newer, invisible versions of that key (skipped by the backward search) and
      // then smaller keys: one step back and the search takes over.
      this.#source.prev();
      this.#isForward = false;
    }
    this.#findPrevUserEntry();
  }

  /** The current user key: a view valid until the cursor moves. */
  key(): Uint8Array {
    assert(this.#isValid, "key() needs a valid iterator");
    if (!this.#isForward) return this.#saved.view();
    const key = this.#source.key();
    return key.subarray(0, key.length - trailerBytes);
  }

  /** The current user key as a fresh copy. */
  copyKey(): Uint8Array {
    assert(this.#isValid, "copyKey() needs a valid iterator");
    if (!this.#isForward) return this.#saved.copy();
    const key = this.#source.key();
    return copyBytes(key, 0, key.length - trailerBytes);
  }

  /** The current value: a view into immutable storage (a memtable chunk or a cached block). */
  value(): Uint8Array {
    assert(this.#isValid, "value() needs a valid iterator");
    return this.#isForward ? this.#source.value() : this.#savedValue;
  }

  close(): void {
    this.#isValid = false;
    this.#source.close();
  }

  /** Seeks the source to the first entry of a key >= start (> start when exclusive), then finds a live one. */
  #seekForward(start: Uint8Array | undefined, isInclusive: boolean): void {
    const source = this.#source;
    this.#isForward = true;
    if (start === undefined) {
      source.seekToFirst();
    } else if (isInclusive) {
      // Versions newer than the snapshot are invisible: start at the newest visible one.
      source.seek(encodeInternalKey(start, this.#snapshotSequence, kindForSeek));
    } else {
      // (start, 0, 0) is the last possible entry of `start`; step over it if it exists (it can
      // only be a delete, which would hide nothing in range, but the step makes the start exact).
      source.seek(encodeInternalKey(start, 0, 0));
      if (source.isValid && userKeyEquals(source.key(), start)) source.next();
    }
    this.#findNextUserEntry(false);
  }

  /** Seeks the source to the last entry of a key <= end (< end when exclusive), then finds a live one. */
  #seekBackward(end: Uint8Array | undefined, isInclusive: boolean): void {
    const source = this.#source;
    this.#isForward = false;
    if (end === undefined) {
      source.seekToLast();
    } else if (isInclusive) {
      source.seekForPrev(encodeInternalKey(end, 0, 0));
    } else {
      // (end, max, 0xff) sorts before every real entry of `end`: no entry has the seek kind.
      source.seekForPrev(encodeInternalKey(end, sequenceMax, kindForSeek));
      assert(!source.isValid || !userKeyEquals(source.key(), end), "an exclusive upper bound's seek lands below it");
    }
    this.#findPrevUserEntry();
  }

  /**
   * Moves the source forward to the next visible put, skipping invisible versions, keys hidden by a
   * visible delete, and (when `isSkipping`) the saved key's remaining versions. Stops past the upper bound.
   */
  #findNextUserEntry(isSkipping: boolean): void {
    const source = this.#source;
    const saved = this.#saved;
    let isSkippingSaved = isSkipping;
    for (; source.isValid; source.next()) {
      const key = source.key();
      const userEnd = key.length - trailerBytes;
      if (this.#isAboveUpper(key, userEnd)) break;
      if (internalKeySequence(key) > this.#snapshotSequence) continue;
      const kind = key[userEnd + trailerBytes - 1];
      if (kind === ValueKind.Delete) {
        saved.set(key, userEnd);
        isSkippingSaved = true;
      } else {
        assert(kind === ValueKind.Put, "an entry is a put or a delete");
        if (!isSkippingSaved || saved.compareTo(key) !== 0) {
          this.#isValid = true;
          return;
        }
      }
    }
    this.#isValid = false;
  }

  /**
   * Moves the source backward through the versions of keys, remembering the newest visible
   * version of the key being passed; stops at the first visible entry of a smaller key once that
   * version is a put, leaving the source there. Stops below the lower bound.
   */
  #findPrevUserEntry(): void {
    const source = this.#source;
    const saved = this.#saved;
    let kind: number = ValueKind.Delete;
    for (; source.isValid; source.prev()) {
      const key = source.key();
      const userEnd = key.length - trailerBytes;
      if (this.#isBelowLower(key, userEnd)) break;
      if (internalKeySequence(key) > this.#snapshotSequence) continue;
      if (kind !== ValueKind.Delete && saved.compareTo(key) > 0) break;
      kind = key[userEnd + trailerBytes - 1] ?? -1;
      if (kind === ValueKind.Delete) {
        this.#savedValue = emptyValue;
      } else {
        assert(kind === ValueKind.Put, "an entry is a put or a delete");
        saved.set(key, userEnd);
        this.#savedValue = source.value();
      }
    }
    this.#isValid = kind !== ValueKind.Delete;
    if (!this.#isValid) this.#savedValue = emptyValue;
  }

  #isAboveUpper(key: Uint8Array, userEnd: number): boolean {
    const upper = this.#upper;
    if (upper === undefined) return false;
    const order = compareRanges(key, 0, userEnd, upper, 0, upper.length);
    return this.#isUpperInclusive ? order > 0 : order >= 0;
  }

  #isBelowLower(key: Uint8Array, userEnd: number): boolean {
    const lower = this.#lower;
    if (lower === undefined) return false;
    const order = compareRanges(key, 0, userEnd, lower, 0, lower.length);
    return this.#isLowerInclusive ? order < 0 : order <= 0;
  }
}

/**
 * The entries of `source` at the snapshot, within the bounds, in order (or reverse), at most
 * `limit` of them: a synchronous iterable that streams — each step moves the cursor once, nothing
 * is collected. It owns `source` and closes it when exhausted, when the limit is reached, or when
 * the consumer stops early (`break` calls `return()`). Iterate it once.
 */
export function userEntries(source: InternalIterator, options: UserScanOptions): IterableIterator<UserEntry, undefined, undefined> {
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  assert(limit === Number.POSITIVE_INFINITY || (Number.isSafeInteger(limit) && limit >= 0), "limit is a non-negative integer");
  return new UserScan(new UserIterator(source, options.snapshotSequence, options), { isReverse: options.reverse === true, isCopyingValues: options.isCopyingValues === true, limit });
}

const doneResult: IteratorReturnResult<undefined> = { done: true, value: undefined };

class UserScan implements IterableIterator<UserEntry, undefined, undefined> {
  readonly #cursor: UserIterator;
  readonly #isReverse: boolean;
  readonly #isCopyingValues: boolean;
  #remaining: number;
  #isStarted = false;
  #isDone = false;

  constructor(cursor: UserIterator, options: { readonly isReverse: boolean; readonly isCopyingValues: boolean; readonly limit: number }) {
    this.#cursor = cursor;
    this.#isReverse = options.isReverse;
    this.#isCopyingValues = options.isCopyingValues;
    this.#remaining = options.limit;
  }

  [Symbol.iterator](): this {
    return this;
  }

  next(): IteratorResult<UserEntry, undefined> {
    if (this.#isDone) return doneResult;
    if (this.#remaining === 0) return this.return();
    const cursor = this.#cursor;
    if (!this.#isStarted) {
      this.#isStarted = true;
      if (this.#isReverse) cursor.seekToLast();
      else cursor.seekToFirst();
    } else if (this.#isReverse) {
      cursor.prev();
    } else {
      cursor.next();
    }
    if (!cursor.isValid) return this.return();
    this.#remaining -= 1;
    const value = cursor.value();
    return { done: false, value: [cursor.copyKey(), this.#isCopyingValues ? copyBytes(value) : value] };
  }

  return(): IteratorResult<UserEntry, undefined> {
    if (!this.#isDone) {
      this.#isDone = true;
      this.#cursor.close();
    }
    return doneResult;
  }
}

/**
 * A reused, growable buffer holding one user key, so stepping through keys copies bytes instead
 * of allocating. Keys are at most 64 KiB (`keyBytesMax`), so it stays small.
 */
class KeyBuffer {
  #bytes = new Uint8Array(64);
  #length = 0;

  /** Copies key[0, end). */
  set(key: Uint8Array, end: number): void {
    if (end > this.#bytes.length) this.#bytes = new Uint8Array(Math.max(end, this.#bytes.length * 2));
    const bytes = this.#bytes;
    if (end > 32) bytes.set(key.subarray(0, end));
    else for (let i = 0; i < end; i++) bytes[i] = key[i] ?? 0;
    this.#length = end;
  }

  /** Sign of (saved key) - (user key of the internal key `key`). */
  compareTo(key: Uint8Array): number {
    return compareRanges(this.#bytes, 0, this.#length, key, 0, key.length - trailerBytes);
  }

  view(): Uint8Array {
    return this.#bytes.subarray(0, this.#length);
  }

  copy(): Uint8Array {
    return copyBytes(this.#bytes, 0, this.#length);
  }
}

function userKeyEquals(internalKey: Uint8Array, userKey: Uint8Array): boolean {
  return compareRanges(internalKey, 0, internalKey.length - trailerBytes, userKey, 0, userKey.length) === 0;
}

function compareBytesFull(a: Uint8Array, b: Uint8Array): number {
  return compareRanges(a, 0, a.length, b, 0, b.length);
}
