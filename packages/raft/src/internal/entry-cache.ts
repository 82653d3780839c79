/**
 * `EntryCache`: the newest entries of a `WalLogStorage` log, in memory, within a byte budget. It
 * always holds a suffix of the log (`firstIndex..lastIndex`, possibly empty), because the entries
 * a raft node reads most are the newest: the ones it replicates to followers that keep up, and
 * the ones it has yet to apply. Older entries are read back from the WAL.
 *
 * Invariants (asserted):
 * - entries are contiguous: `entries[i].index === firstIndex + i`;
 * - `sizeBytes` is the sum of `entrySizeBytes` over the entries held;
 * - after `append` returns, `sizeBytes <= sizeBytesMax`, or only the newest entry is held (one
 *   entry larger than the whole budget is still cached: a node is about to send it).
 */
import { assert } from "@omnikv/base";
import type { LogEntry } from "../log-entry.ts";
import { termZero, type LogIndex } from "../types.ts";

/** A rough per-entry overhead (object, index, term, payload object) on top of the command bytes. */
const entryOverheadBytes = 96;

export function entrySizeBytes(entry: LogEntry): number {
  const payload = entry.payload;
  if (payload.kind === "command") return entryOverheadBytes + payload.command.length;
  if (payload.kind === "membership") return entryOverheadBytes + 8 * (payload.config.voters.length + payload.config.outgoingVoters.length + payload.config.learners.length);
  return entryOverheadBytes;
}

export class EntryCache {
  readonly sizeBytesMax: number;
  #entries: LogEntry[] = [];
  /** Entries before `#head` were evicted; they are spliced out in bulk. */
  #head = 0;
  #firstIndex: LogIndex;
  #sizeBytes = 0;

  constructor(sizeBytesMax: number, nextIndex: LogIndex) {
    assert(Number.isSafeInteger(sizeBytesMax) && sizeBytesMax > 0, "the cache budget is a positive integer");
    this.sizeBytesMax = sizeBytesMax;
    this.#firstIndex = nextIndex;
  }

  /** The first index held, or `lastIndex + 1` when empty. */
  get firstIndex(): LogIndex {
    return this.#firstIndex;
  }

  get lastIndex(): LogIndex {
    return this.#firstIndex + this.count - 1;
  }

  get count(): number {
    return this.#entries.length - this.#head;
  }

  get sizeBytes(): number {
    return this.#sizeBytes;
  }

  /** Adds entries continuing the cached suffix, then evicts the oldest down to the budget. */
  append(entries: readonly LogEntry[]): void {
    for (const entry of entries) {
      assert(entry.index === this.lastIndex + 1, "cached entries are contiguous");
      this.#entries.push(entry);
      this.#sizeBytes += entrySizeBytes(entry);
    }
    while (this.#sizeBytes > this.sizeBytesMax && this.count > 1) this.#evictOldest();
    this.#compact();
    assert(this.#sizeBytes <= this.sizeBytesMax || this.count === 1, "the cache keeps to its budget");
  }

  /** Drops entries above `index`. */
  truncateAfter(index: LogIndex): void {
    while (this.count > 0 && this.lastIndex > index) {
      const dropped = this.#entries.pop();
      assert(dropped !== undefined, "a non-empty cache has a last entry");
      this.#sizeBytes -= entrySizeBytes(dropped);
    }
    if (this.count === 0) this.reset(index + 1);
  }

  /** Drops entries up to `index`; an empty cache then starts at `index + 1` if it was below. */
  dropUpTo(index: LogIndex): void {
    while (this.count > 0 && this.#firstIndex <= index) this.#evictOldest();
    if (this.count === 0) this.reset(Math.max(this.#firstIndex, index + 1));
    this.#compact();
  }

  /** Empties the cache; the next entry appended must have index `nextIndex`. */
  reset(nextIndex: LogIndex): void {
    this.#entries = [];
    this.#head = 0;
    this.#sizeBytes = 0;
    this.#firstIndex = nextIndex;
  }

  /** The cached entries with `fromIndex <= index < toIndexExclusive`; `fromIndex` must be cached or past the end. */
  slice(fromIndex: LogIndex, toIndexExclusive: LogIndex): LogEntry[] {
    assert(fromIndex >= this.#firstIndex, "a cache slice starts inside the cache");
    const start = this.#head + fromIndex - this.#firstIndex;
    const end = Math.max(start, this.#head + toIndexExclusive - this.#firstIndex);
    return this.#entries.slice(start, end);
  }

  #evictOldest(): void {
    const evicted = this.#entries[this.#head];
    assert(evicted !== undefined && evicted.index === this.#firstIndex, "the oldest cached entry is at firstIndex");
    this.#entries[this.#head] = placeholder;
    this.#head += 1;
    this.#firstIndex += 1;
    this.#sizeBytes -= entrySizeBytes(evicted);
  }

  #compact(): void {
    if (this.#head > 0 && this.#head * 2 >= this.#entries.length) {
      this.#entries = this.#entries.slice(this.#head);
      this.#head = 0;
    }
  }
}

/** Fills evicted slots so the evicted entries can be garbage-collected before the next compaction. */
const placeholder: LogEntry = { index: 0, term: termZero, payload: { kind: "blank" } };
