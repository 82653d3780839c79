/**
 * A transaction's buffered writes: the newest value (or deletion) of each key it wrote, in a Map
 * from key string to value, with an undo log so a rollback to a savepoint restores the set exactly.
 * The key's bytes are not kept beside its string (the string is them, one char per byte): a bulk
 * load buffers millions of writes, and a copy of each key cost about 150 bytes of memory with its
 * array buffer, a third of a write.
 *
 * Invariants:
 * - While undo recording is on (the transaction has a savepoint), `#undo` holds one entry per
 *   `set` call, in call order; unwinding to length n restores the set as it was when the log had
 *   length n. With no savepoint nothing can be rolled back to, so nothing is recorded.
 * - `sortedKeys()` is the set's keys in byte order; it is rebuilt only after a new key appears.
 * - `bytes` is the sum of `writeBytes` over the entries: kept by `set` and `rollbackTo`.
 */
import { assert } from "@omnikv/base";
import { rangeHas, type KeyRange } from "./key-string.ts";

/** A buffered write's value: `null` is a deletion. */
export type BufferedValue = Uint8Array | null;

/** A buffered write with its key's bytes, as a scan merges it with the store's entries. */
export interface BufferedWrite {
  readonly key: Uint8Array;
  /** Undefined: a deletion. */
  readonly value: Uint8Array | undefined;
}

/**
 * What one buffered write counts against the transaction's limit: its key and value bytes and a
 * fixed charge for the record around them in the store's batch (kind, lengths, sequence).
 */
export function writeBytes(keyLength: number, value: BufferedValue | undefined): number {
  return keyLength + (value?.length ?? 0) + writeOverheadBytes;
}

const writeOverheadBytes = 16;

interface UndoEntry {
  readonly keyString: string;
  /** The value before the write, or undefined when the key was not in the set. */
  readonly previous: BufferedValue | undefined;
}

export class WriteSet {
  readonly #entries = new Map<string, BufferedValue>();
  readonly #undo: UndoEntry[] = [];
  /** The keys in byte order, built when a scan needs them and dropped when a key is added. */
  #sorted: string[] | undefined = undefined;
  #isRecordingUndo = false;
  #bytes = 0;

  get size(): number {
    return this.#entries.size;
  }

  /** What the buffered writes count against the transaction's limit (see `writeBytes`). */
  get bytes(): number {
    return this.#bytes;
  }

  /** The number of undo entries: a savepoint remembers it. */
  get undoLength(): number {
    return this.#undo.length;
  }

  /** Turns undo recording on (a savepoint exists) or off (none does; the log is dropped). */
  setUndoRecording(isOn: boolean): void {
    this.#isRecordingUndo = isOn;
    if (!isOn) this.#undo.length = 0;
  }

  /** The buffered value of the key (`null`: deleted), or undefined when the set does not have it. */
  get(keyString: string): BufferedValue | undefined {
    return this.#entries.get(keyString);
  }

  has(keyString: string): boolean {
    return this.#entries.has(keyString);
  }

  set(keyString: string, value: BufferedValue): void {
    const previous = this.#entries.get(keyString);
    if (previous === undefined) this.#sorted = undefined;
    if (this.#isRecordingUndo) this.#undo.push({ keyString, previous });
    this.#entries.set(keyString, value);
    this.#bytes += writeBytes(keyString.length, value) - (previous === undefined ? 0 : writeBytes(keyString.length, previous));
  }

  /** Restores the set as it was when the undo log had `length` entries; returns the keys that left it. */
  rollbackTo(length: number): string[] {
    assert(length >= 0 && length <= this.#undo.length, "rollback target within the undo log");
    const removed: string[] = [];
    while (this.#undo.length > length) {
      const entry = this.#undo.pop();
      assert(entry !== undefined, "undo log entry");
      const undone = this.#entries.get(entry.keyString);
      assert(undone !== undefined, "an undo entry's key is in the set");
      this.#bytes -= writeBytes(entry.keyString.length, undone);
      if (entry.previous === undefined) {
        this.#entries.delete(entry.keyString);
        this.#sorted = undefined;
        removed.push(entry.keyString);
      } else {
        this.#entries.set(entry.keyString, entry.previous);
        this.#bytes += writeBytes(entry.keyString.length, entry.previous);
      }
    }
    return removed;
  }

  /** Every buffered write, in key order: the batch a commit sends to the store. */
  entries(): IterableIterator<[string, BufferedValue]> {
    return this.#entries.entries();
  }

  keys(): IterableIterator<string> {
    return this.#entries.keys();
  }

  /** The keys in byte order within `range`, ascending or descending. */
  keysInRange(range: KeyRange, isReverse: boolean): string[] {
    const sorted = this.#sortedKeys();
    const from = range.gte === undefined ? 0 : lowerBound(sorted, range.gte);
    const to = range.lt === undefined ? sorted.length : lowerBound(sorted, range.lt);
    const slice = sorted.slice(from, Math.max(from, to));
    return isReverse ? slice.toReversed() : slice;
  }

  /** Whether any written key lies in `range`. */
  intersects(range: KeyRange): boolean {
    if (this.#entries.size <= 8) {
      for (const key of this.#entries.keys()) if (rangeHas(range, key)) return true;
      return false;
    }
    const sorted = this.#sortedKeys();
    const from = range.gte === undefined ? 0 : lowerBound(sorted, range.gte);
    const first = sorted[from];
    return first !== undefined && rangeHas(range, first);
  }

  #sortedKeys(): string[] {
    if (this.#sorted === undefined) this.#sorted = [...this.#entries.keys()].sort();
    return this.#sorted;
  }
}

/** The index of the first element >= `target` in a sorted array. */
function lowerBound(sorted: readonly string[], target: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const value = sorted[middle];
    if (value !== undefined && value < target) low = middle + 1;
    else high = middle;
  }
  return low;
}
