/**
 * The core's in-memory view of the log: every entry after the snapshot point (`#offset`, the last
 * index a snapshot covers, and its term), the commit index, and how far committed entries were
 * handed to the state machine.
 *
 * Invariants:
 * - entries are contiguous: `#entries[i].index === #offset + 1 + i`, terms never decrease.
 * - `offset <= appliedHandedIndex <= commitIndex <= lastIndex()`; none of them ever decreases.
 * - committed entries are never truncated (asserted: a conflict at or below the commit index
 *   means the leader completeness property was broken).
 * - `#dirtyFromIndex` is the lowest index rewritten since the last `takeWrite()`; the runtime must
 *   make entries from there on durable (truncating anything it held at or after it).
 */
import { assert } from "@omnikv/base";
import type { LogEntry, SnapshotMeta } from "../log-entry.ts";
import { checkIndex, termZero, type LogIndex, type Term } from "../types.ts";

export interface LogWrite {
  /** Storage drops every entry at or after this index, then appends `entries` (which start here). */
  readonly fromIndex: LogIndex;
  readonly entries: readonly LogEntry[];
}

export class RaftLog {
  #entries: LogEntry[];
  /** Index of the entry before the first one held: the snapshot point (0 without a snapshot). */
  #offset: LogIndex;
  #offsetTerm: Term;
  #dirtyFromIndex: LogIndex | undefined;
  commitIndex: LogIndex;
  appliedHandedIndex: LogIndex;

  constructor(entries: readonly LogEntry[], snapshot: SnapshotMeta, appliedIndex: LogIndex, commitIndex: LogIndex) {
    this.#offset = checkIndex(snapshot.index, "snapshot index");
    this.#offsetTerm = snapshot.term;
    this.#entries = [...entries];
    this.#entries.forEach((entry, i) => {
      assert(entry.index === snapshot.index + i + 1, "restored entries are contiguous after the snapshot");
      assert(i === 0 || entry.term >= (this.#entries[i - 1]?.term ?? termZero), "terms never decrease along the log");
    });
    checkIndex(appliedIndex, "applied index");
    assert(appliedIndex <= this.lastIndex(), "the applied index is inside the log");
    assert(appliedIndex >= snapshot.index, "the state machine holds at least the snapshot");
    this.commitIndex = Math.max(appliedIndex, Math.min(checkIndex(commitIndex, "commit index"), this.lastIndex()));
    this.appliedHandedIndex = appliedIndex;
    this.#dirtyFromIndex = undefined;
  }

  get snapshot(): SnapshotMeta {
    return { index: this.#offset, term: this.#offsetTerm };
  }

  lastIndex(): LogIndex {
    return this.#offset + this.#entries.length;
  }

  lastTerm(): Term {
    return this.#entries.at(-1)?.term ?? this.#offsetTerm;
  }

  /** The term at `index`, or undefined past the end (or before the snapshot point). */
  termAt(index: LogIndex): Term | undefined {
    if (index === this.#offset) return this.#offsetTerm;
    return this.entryAt(index)?.term;
  }

  entryAt(index: LogIndex): LogEntry | undefined {
    if (index <= this.#offset) return undefined;
    return this.#entries[index - this.#offset - 1];
  }

  /** Entries [fromIndex, fromIndex + countMax) that exist. */
  slice(fromIndex: LogIndex, countMax: number): readonly LogEntry[] {
    assert(fromIndex > this.#offset, "slices start after the snapshot point");
    const start = fromIndex - this.#offset - 1;
    return this.#entries.slice(start, start + countMax);
  }

  /** Whether a candidate whose log ends at (index, term) is at least as up to date as this log (§5.4.1). */
  isUpToDate(index: LogIndex, term: Term): boolean {
    const lastTerm = this.lastTerm();
    return term > lastTerm || (term === lastTerm && index >= this.lastIndex());
  }

  /** The leader's append: entries directly follow the last one, in a term no smaller. */
  append(entry: LogEntry): void {
    assert(entry.index === this.lastIndex() + 1, "appended entries follow the last one");
    assert(entry.term >= this.lastTerm(), "appended entries do not lower the term");
    this.#entries.push(entry);
    this.#markDirty(entry.index);
  }

  /**
   * The follower's append (§5.3): when the entry at prevIndex has prevTerm, drop the first
   * conflicting suffix and append what is new. Returns the last index known to match the leader,
   * or undefined when prevIndex/prevTerm does not match.
   */
  appendFromLeader(prevIndex: LogIndex, prevTerm: Term, entries: readonly LogEntry[]): LogIndex | undefined {
    if (this.termAt(prevIndex) !== prevTerm) return undefined;
    const lastNewIndex = prevIndex + entries.length;
    for (const [i, entry] of entries.entries()) {
      assert(entry.index === prevIndex + 1 + i, "entries of an append are contiguous");
      const existing = this.termAt(entry.index);
      if (existing === entry.term) continue;
      if (existing !== undefined) {
        assert(entry.index > this.commitIndex, "a committed entry is never overwritten");
        this.#entries.length = entry.index - this.#offset - 1;
      }
      for (const rest of entries.slice(i)) this.#entries.push(rest);
      this.#markDirty(entry.index);
      break;
    }
    return lastNewIndex;
  }

  /** The largest index at or below `index` whose term is at most `term` (fast back-off). */
  findConflictByTerm(index: LogIndex, term: Term): LogIndex {
    let candidate = Math.min(index, this.lastIndex());
    while (candidate > this.#offset) {
      const candidateTerm = this.termAt(candidate);
      assert(candidateTerm !== undefined, "indexes between offset and last exist");
      if (candidateTerm <= term) return candidate;
      candidate -= 1;
    }
    return this.#offset;
  }

  commitTo(index: LogIndex): boolean {
    checkIndex(index, "commit index");
    if (index <= this.commitIndex) return false;
    assert(index <= this.lastIndex(), "the commit index never passes the last index");
    this.commitIndex = index;
    return true;
  }

  /** Committed entries not yet handed out, at most `countMax`; marks them handed out. */
  takeCommitted(countMax: number): readonly LogEntry[] {
    const count = Math.min(countMax, this.commitIndex - this.appliedHandedIndex);
    if (count <= 0) return [];
    const entries = this.slice(this.appliedHandedIndex + 1, count);
    assert(entries.length === count, "committed entries are all in memory");
    this.appliedHandedIndex += count;
    return entries;
  }

  hasCommittedToHand(): boolean {
    return this.commitIndex > this.appliedHandedIndex;
  }

  /** Drops the entries a snapshot at `index` covers; the state machine must have applied them. */
  compact(index: LogIndex): void {
    checkIndex(index, "compaction index");
    if (index <= this.#offset) return;
    assert(index <= this.appliedHandedIndex, "only applied entries are compacted");
    assert(this.#dirtyFromIndex === undefined || this.#dirtyFromIndex > index, "compacted entries were persisted");
    const term = this.termAt(index);
    assert(term !== undefined, "the compaction point is in the log");
    this.#entries.splice(0, index - this.#offset);
    this.#offset = index;
    this.#offsetTerm = term;
  }

  /** Replaces the whole log by a snapshot from the leader (which covers more than we committed). */
  restore(snapshot: SnapshotMeta): void {
    assert(snapshot.index > this.commitIndex, "a restored snapshot is ahead of the commit index");
    this.#entries = [];
    this.#offset = snapshot.index;
    this.#offsetTerm = snapshot.term;
    this.commitIndex = snapshot.index;
    this.appliedHandedIndex = snapshot.index;
    // Storage is reset to the snapshot as a whole; nothing written before it remains to persist.
    this.#dirtyFromIndex = undefined;
  }

  takeWrite(): LogWrite | undefined {
    const fromIndex = this.#dirtyFromIndex;
    if (fromIndex === undefined) return undefined;
    this.#dirtyFromIndex = undefined;
    return { fromIndex, entries: this.slice(fromIndex, this.lastIndex() - fromIndex + 1) };
  }

  hasWrite(): boolean {
    return this.#dirtyFromIndex !== undefined;
  }

  #markDirty(index: LogIndex): void {
    this.#dirtyFromIndex = this.#dirtyFromIndex === undefined ? index : Math.min(this.#dirtyFromIndex, index);
  }
}
