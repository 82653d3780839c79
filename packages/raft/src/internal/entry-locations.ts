/**
 * `EntryLocations`: where each live entry of a `WalLogStorage` log sits in its WAL, kept compactly
 * as runs. One `entries` record holds a contiguous run of entries, so the map from raft index to
 * LSN is a list of (first index of the run, LSN of its record), sorted by both; a run ends where
 * the next begins, and the last one at `lastIndex`. Two numbers per appended batch, not per entry.
 *
 * Invariants (asserted):
 * - runs are contiguous and strictly increasing in first index and in LSN;
 * - every run holds at least one entry: `firstIndexes[i] < firstIndexes[i + 1]`, and the last
 *   run's first index is at most `lastIndex`;
 * - an empty map still has a position: `lastIndex`, so the next run must start at `lastIndex + 1`.
 *
 * LSNs are kept as numbers: a WAL would need 2^53 records to exceed them (asserted on the way in).
 */
import { assert } from "@omnikv/base";
import type { LogIndex } from "../types.ts";

/** Dropped runs are compacted away once this many have accumulated at the front. */
const headCompactionCountMin = 1024;

export class EntryLocations {
  #firstIndexes: number[] = [];
  #lsns: number[] = [];
  /** Runs before `#head` were dropped (purged); they are spliced out in bulk. */
  #head = 0;
  #lastIndex: LogIndex;

  constructor(lastIndex: LogIndex) {
    this.#lastIndex = lastIndex;
  }

  get lastIndex(): LogIndex {
    return this.#lastIndex;
  }

  get isEmpty(): boolean {
    return this.#head === this.#firstIndexes.length;
  }

  /** The first index located, or `lastIndex + 1` when empty. */
  get firstIndex(): LogIndex {
    return this.#firstIndexes[this.#head] ?? this.#lastIndex + 1;
  }

  /** The smallest LSN any live entry needs, or undefined when none is located. */
  get lsnMin(): number | undefined {
    return this.#lsns[this.#head];
  }

  get runCount(): number {
    return this.#firstIndexes.length - this.#head;
  }

  /** Records that entries `firstIndex..lastIndex` sit in the record at `lsn`. */
  addRun(firstIndex: LogIndex, lastIndex: LogIndex, lsn: number): void {
    assert(firstIndex === this.#lastIndex + 1, "a run continues the located entries");
    assert(lastIndex >= firstIndex, "a run holds at least one entry");
    assert(Number.isSafeInteger(lsn), "an lsn fits a safe integer");
    const lsnBefore = this.#lsns[this.#lsns.length - 1];
    assert(this.isEmpty || lsnBefore === undefined || lsn > lsnBefore, "runs are appended in lsn order");
    this.#firstIndexes.push(firstIndex);
    this.#lsns.push(lsn);
    this.#lastIndex = lastIndex;
  }

  /** Forgets entries above `index` (a truncated tail); the position becomes `index`. */
  truncateAfter(index: LogIndex): void {
    if (index >= this.#lastIndex) return;
    while (!this.isEmpty && (this.#firstIndexes[this.#firstIndexes.length - 1] ?? 0) > index) {
      this.#firstIndexes.pop();
      this.#lsns.pop();
    }
    this.#lastIndex = index;
    this.#compactIfEmpty();
  }

  /**
   * Forgets entries up to `index` (a purge). A run that straddles `index` keeps its LSN but starts
   * at `index + 1`. The position moves up to `index` if it was below.
   */
  dropUpTo(index: LogIndex): void {
    while (!this.isEmpty && this.#runLastIndex(this.#head) <= index) this.#head += 1;
    if (!this.isEmpty) {
      const first = this.#firstIndexes[this.#head] ?? 0;
      if (first <= index) this.#firstIndexes[this.#head] = index + 1;
    }
    this.#lastIndex = Math.max(this.#lastIndex, index);
    this.#compactIfEmpty();
    if (this.#head >= headCompactionCountMin && this.#head * 2 >= this.#firstIndexes.length) {
      this.#firstIndexes = this.#firstIndexes.slice(this.#head);
      this.#lsns = this.#lsns.slice(this.#head);
      this.#head = 0;
    }
  }

  /** Forgets every run; the next one must start at `position + 1`. */
  reset(position: LogIndex): void {
    this.#firstIndexes = [];
    this.#lsns = [];
    this.#head = 0;
    this.#lastIndex = position;
  }

  /** The LSN of the record holding `index`, which must be located. */
  lsnOf(index: LogIndex): number {
    assert(index >= this.firstIndex && index <= this.#lastIndex, "only located entries have an lsn");
    let low = this.#head;
    let high = this.#firstIndexes.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >>> 1;
      if ((this.#firstIndexes[middle] ?? 0) <= index) low = middle;
      else high = middle - 1;
    }
    const lsn = this.#lsns[low];
    assert(lsn !== undefined && (this.#firstIndexes[low] ?? Infinity) <= index, "the run holding a located index exists");
    return lsn;
  }

  #runLastIndex(run: number): LogIndex {
    const next = this.#firstIndexes[run + 1];
    return next === undefined ? this.#lastIndex : next - 1;
  }

  #compactIfEmpty(): void {
    if (this.isEmpty && this.#head > 0) this.reset(this.#lastIndex);
  }
}
