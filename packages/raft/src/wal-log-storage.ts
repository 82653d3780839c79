/**
 * `WalLogStorage`: a durable `RaftLogStorage` on `@omnikv/wal`, bounded on disk and in memory.
 * Every mutation is one WAL record (format in internal/log-record.ts) appended with `sync: true`;
 * mutations issued back to back share one fsync through the WAL's group commit.
 *
 * Memory. Only the newest entries stay in memory (`EntryCache`, `cacheBytesMax`); older ones are
 * read back from the WAL on demand. `EntryLocations` maps each live entry to the LSN of the record
 * holding it, two numbers per appended batch.
 *
 * Disk. A purge or a reset writes a *checkpoint* record: the new purge point together with the
 * hard state in force, so every earlier hard-state, purge and reset record is superseded. Once
 * that record is durable, the WAL segments whose records all precede
 *   bound = min(LSN of the checkpoint, LSN of the oldest record holding a live entry)
 * are deleted (`Wal.truncateBefore`). The bound is computed when the purge is issued, from the
 * state the checkpoint describes, so a crash at any moment finds either the old segments or a
 * durable checkpoint that makes them unnecessary. A truncated tail (`truncateAfter`) frees
 * nothing by itself: its dead records stay until the bound passes them, which happens once the
 * live entries written before them are purged. So the disk holds the records from the oldest live
 * entry onward, plus at most one partly dead segment before it.
 *
 * Replay after a deletion starts in the middle of the history: the first records retained may
 * hold entries whose predecessors were deleted, or entries that a later purge drops. Replay
 * therefore accepts an entries record that does not continue the log by starting a new run there
 * (`#applyEntries`); every entry still live was written after everything deleted, so at the end
 * the located entries must cover exactly purgedIndex+1..lastIndex, or the log is corrupt.
 *
 * Invariants: the in-memory state is updated at call time, in call order, and each promise
 * resolves only once its record is durable; a WAL failure fails the storage for good (the WAL
 * refuses further appends). The cache always holds a suffix of the located entries (asserted).
 */
import { assert, lsn as toLsn } from "@omnikv/base";
import { CorruptionError, Wal, type WalOptions } from "@omnikv/wal";
import { RaftConfigError, RaftStorageError } from "./errors.ts";
import { EntryCache } from "./internal/entry-cache.ts";
import { EntryLocations } from "./internal/entry-locations.ts";
import { decodeLogRecord, encodeLogRecord, type LogRecord } from "./internal/log-record.ts";
import type { HardState, LogEntry, SnapshotMeta } from "./log-entry.ts";
import type { LogState, RaftLogStorage } from "./log-storage.ts";
import type { MembershipConfig } from "./membership.ts";
import { checkIndex, noNode, termZero, type LogIndex, type Term } from "./types.ts";

export interface WalLogStorageOptions extends WalOptions {
  /** Bytes of the newest entries kept in memory (default 16 MiB); older entries are read from the WAL. */
  readonly cacheBytesMax?: number;
}

export interface WalLogStorageStats {
  readonly cachedEntries: number;
  readonly cachedBytes: number;
  /** Runs in the index → LSN map (one per appended batch still live). */
  readonly locationRuns: number;
  /** Entries read back from the WAL because they had left the cache. */
  readonly entriesReadFromDisk: number;
  /** WAL segments deleted after purges and resets since open. */
  readonly segmentsDeleted: number;
  readonly walSegments: number;
}

/** A raft log is purged often, so smaller segments than the WAL's 64 MiB free space sooner. */
export const walLogSegmentBytesDefault = 8 * 1024 * 1024;
export const walLogCacheBytesDefault = 16 * 1024 * 1024;

type PositionRecord = Extract<LogRecord, { kind: "purge" | "reset" }>;

export class WalLogStorage implements RaftLogStorage {
  readonly #wal: Wal;
  #hardState: HardState = { term: termZero, votedFor: noNode, commitIndex: 0 };
  #purgedIndex: LogIndex = 0;
  #purgedTerm: Term = termZero;
  #purgedConfig: MembershipConfig | undefined;
  readonly #locations = new EntryLocations(0);
  readonly #cache: EntryCache;
  readonly #counters = { entriesReadFromDisk: 0, segmentsDeleted: 0 };

  private constructor(wal: Wal, cacheBytesMax: number) {
    this.#wal = wal;
    this.#cache = new EntryCache(cacheBytesMax, 1);
  }

  static async open(dir: string, options: WalLogStorageOptions = {}): Promise<WalLogStorage> {
    const { cacheBytesMax = walLogCacheBytesDefault, ...walOptions } = options;
    if (!Number.isSafeInteger(cacheBytesMax) || cacheBytesMax <= 0) throw new RaftConfigError(`cacheBytesMax must be a positive integer, got ${cacheBytesMax}`);
    const wal = await Wal.open(dir, { segmentBytesTarget: walLogSegmentBytesDefault, ...walOptions });
    const storage = new WalLogStorage(wal, cacheBytesMax);
    try {
      storage.#replay(dir);
    } catch (error) {
      await wal.close();
      throw error;
    }
    return storage;
  }

  #replay(dir: string): void {
    for (const record of this.#wal.replay()) {
      this.#applyRecord(decodeLogRecord(record.payload, `${dir} lsn ${record.lsn}`), Number(record.lsn));
    }
    const locations = this.#locations;
    const isConsistent = locations.lastIndex >= this.#purgedIndex && (locations.lastIndex === this.#purgedIndex || locations.firstIndex === this.#purgedIndex + 1);
    if (!isConsistent) {
      const why = `raft log replay found entries ${locations.firstIndex}..${locations.lastIndex} after purge point ${this.#purgedIndex}`;
      throw new CorruptionError(dir, 0, why);
    }
  }

  readHardState(): Promise<HardState> {
    return Promise.resolve(this.#hardState);
  }

  saveHardState(state: HardState): Promise<void> {
    this.#hardState = { term: state.term, votedFor: state.votedFor, commitIndex: state.commitIndex };
    return this.#write({ kind: "hardState", state: this.#hardState });
  }

  append(entries: readonly LogEntry[]): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    const lastIndex = this.#locations.lastIndex;
    if (entries[0]?.index !== lastIndex + 1 || !isContiguous(entries)) {
      return Promise.reject(new RaftStorageError(`append of index ${entries[0]?.index} where ${lastIndex + 1} was expected`));
    }
    const copies = entries.map(copyEntry);
    this.#applyEntries(copies, this.#nextLsn());
    return this.#write({ kind: "entries", entries: copies });
  }

  truncateAfter(index: LogIndex): Promise<void> {
    checkIndex(index, "truncation index");
    if (index < this.#purgedIndex) return Promise.reject(new RaftStorageError(`truncation below the purged index ${this.#purgedIndex}`));
    if (index >= this.#locations.lastIndex) return Promise.resolve();
    this.#applyTruncate(index);
    return this.#write({ kind: "truncate", index });
  }

  async purgeUpTo(index: LogIndex, config?: MembershipConfig): Promise<void> {
    checkIndex(index, "purge index");
    if (index <= this.#purgedIndex) return;
    if (index > this.#locations.lastIndex) throw new RaftStorageError(`purge up to ${index} past the last index`);
    const term = this.#termAt(index); // synchronous: nothing may run between the check and the write
    // The checkpoint carries the membership in force even when this purge names none: the record
    // that set it may be in a segment this checkpoint lets go.
    const record: PositionRecord = { kind: "purge", index, term, config: config ?? this.#purgedConfig, hardState: this.#hardState };
    await this.#checkpoint(record);
  }

  async resetToSnapshot(meta: SnapshotMeta): Promise<void> {
    checkIndex(meta.index, "snapshot index");
    await this.#checkpoint({ kind: "reset", index: meta.index, term: meta.term, config: meta.config, hardState: this.#hardState });
  }

  readRange(fromIndex: LogIndex, toIndexExclusive: LogIndex): Promise<readonly LogEntry[]> {
    checkIndex(fromIndex, "range start");
    if (fromIndex <= this.#purgedIndex) return Promise.reject(new RaftStorageError(`entry ${fromIndex} was purged`));
    const end = Math.min(toIndexExclusive, this.#locations.lastIndex + 1);
    if (fromIndex >= end) return Promise.resolve([]);
    const cacheFirst = this.#cache.firstIndex;
    if (fromIndex >= cacheFirst) return Promise.resolve(this.#cache.slice(fromIndex, end));
    try {
      const fromDisk = this.#readFromWal(fromIndex, Math.min(end, cacheFirst));
      return Promise.resolve(end > cacheFirst ? [...fromDisk, ...this.#cache.slice(cacheFirst, end)] : fromDisk);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  logState(): Promise<LogState> {
    return Promise.resolve({
      firstIndex: this.#purgedIndex + 1,
      lastIndex: this.#locations.lastIndex,
      purgedIndex: this.#purgedIndex,
      purgedTerm: this.#purgedTerm,
      purgedConfig: this.#purgedConfig,
    });
  }

  stats(): WalLogStorageStats {
    return {
      cachedEntries: this.#cache.count,
      cachedBytes: this.#cache.sizeBytes,
      locationRuns: this.#locations.runCount,
      entriesReadFromDisk: this.#counters.entriesReadFromDisk,
      segmentsDeleted: this.#counters.segmentsDeleted,
      walSegments: this.#wal.stats().segmentCount,
    };
  }

  async close(): Promise<void> {
    await this.#wal.close();
  }

  /**
   * Writes a purge or reset with the hard state, then deletes the segments it makes unnecessary.
   * The bound is taken now, from the state the record describes; records written later are above it.
   */
  async #checkpoint(record: PositionRecord): Promise<void> {
    const lsn = this.#nextLsn();
    this.#applyRecord(record, lsn);
    assert(this.#purgedIndex === record.index, "a checkpoint moves the purge point to its index");
    assert(this.#locations.firstIndex === record.index + 1, "no located entry remains at or below the purge point");
    // Records below the bound hold only purged entries or state this checkpoint supersedes.
    const bound = Math.min(lsn, this.#locations.lsnMin ?? lsn);
    await this.#write(record);
    this.#counters.segmentsDeleted += await this.#wal.truncateBefore(toLsn(bound));
  }

  #applyRecord(record: LogRecord, lsn: number): void {
    switch (record.kind) {
      case "hardState":
        this.#hardState = record.state;
        break;
      case "entries":
        this.#applyEntries(record.entries, lsn);
        break;
      case "truncate":
        this.#applyTruncate(record.index);
        break;
      case "purge":
        this.#applyPurge(record);
        break;
      case "reset":
        this.#applyReset(record);
        break;
    }
    assert(this.#cache.lastIndex === this.#locations.lastIndex, "the cache holds a suffix of the located entries");
  }

  /** Appends a run; on replay, a run that does not continue the located entries starts afresh (see the header). */
  #applyEntries(entries: readonly LogEntry[], lsn: number): void {
    const first = entries[0];
    const last = entries[entries.length - 1];
    if (first === undefined || last === undefined) return;
    const locations = this.#locations;
    if (first.index > locations.lastIndex + 1 || first.index < locations.firstIndex) {
      locations.reset(first.index - 1);
      this.#cache.reset(first.index);
    } else if (first.index <= locations.lastIndex) {
      this.#applyTruncate(first.index - 1);
    }
    locations.addRun(first.index, last.index, lsn);
    this.#cache.append(entries);
  }

  #applyTruncate(index: LogIndex): void {
    if (index >= this.#locations.lastIndex) return;
    this.#locations.truncateAfter(index);
    this.#cache.truncateAfter(index);
  }

  #applyPurge(record: PositionRecord): void {
    if (record.hardState !== undefined) this.#hardState = record.hardState;
    if (record.index <= this.#purgedIndex) return;
    this.#locations.dropUpTo(record.index);
    this.#cache.dropUpTo(record.index);
    this.#purgedIndex = record.index;
    this.#purgedTerm = record.term;
    if (record.config !== undefined) this.#purgedConfig = record.config;
  }

  #applyReset(record: PositionRecord): void {
    if (record.hardState !== undefined) this.#hardState = record.hardState;
    this.#locations.reset(record.index);
    this.#cache.reset(record.index + 1);
    this.#purgedIndex = record.index;
    this.#purgedTerm = record.term;
    this.#purgedConfig = record.config;
  }

  #termAt(index: LogIndex): Term {
    if (index === this.#purgedIndex) return this.#purgedTerm;
    const [entry] = index >= this.#cache.firstIndex ? this.#cache.slice(index, index + 1) : this.#readFromWal(index, index + 1);
    assert(entry?.index === index, "a located entry has a term");
    return entry.term;
  }

  /** Reads located entries `fromIndex..toIndexExclusive - 1` back from the WAL, in one pass from the first one's record. */
  #readFromWal(fromIndex: LogIndex, toIndexExclusive: LogIndex): LogEntry[] {
    assert(fromIndex > this.#purgedIndex && toIndexExclusive <= this.#locations.lastIndex + 1, "only located entries are read from the wal");
    const entries: LogEntry[] = [];
    let next = fromIndex;
    for (const record of this.#wal.replay(toLsn(this.#locations.lsnOf(fromIndex)))) {
      if (next >= toIndexExclusive) break;
      const lsn = Number(record.lsn);
      if (lsn !== this.#locations.lsnOf(next)) continue;
      const decoded = decodeLogRecord(record.payload, `${this.#wal.dir} lsn ${record.lsn}`);
      if (decoded.kind !== "entries") throw new CorruptionError(this.#wal.dir, 0, `lsn ${record.lsn} should hold entry ${next}`);
      for (const entry of decoded.entries) {
        // A record's entries past its run were truncated and rewritten by a later record.
        const isLive = entry.index === next && next < toIndexExclusive && this.#locations.lsnOf(next) === lsn;
        if (isLive) {
          entries.push(entry);
          next += 1;
        }
      }
    }
    if (next !== toIndexExclusive) throw new CorruptionError(this.#wal.dir, 0, `raft log entry ${next} is missing from the wal`);
    assert(entries.length === toIndexExclusive - fromIndex, "one entry per index read");
    this.#counters.entriesReadFromDisk += entries.length;
    return entries;
  }

  #nextLsn(): number {
    const next = Number(this.#wal.nextLsn);
    assert(Number.isSafeInteger(next), "wal lsns fit a safe integer");
    return next;
  }

  /** Appends synchronously (the WAL assigns the LSN now, so LSN order is call order) and resolves when durable. */
  async #write(record: LogRecord): Promise<void> {
    const expected = this.#nextLsn();
    const written = await this.#wal.append(encodeLogRecord(record), { sync: true });
    assert(Number(written) === expected, "the record got the lsn its entries were located at");
  }
}

function isContiguous(entries: readonly LogEntry[]): boolean {
  return entries.every((entry, i) => i === 0 || entry.index === (entries[i - 1]?.index ?? 0) + 1);
}

function copyEntry(entry: LogEntry): LogEntry {
  if (entry.payload.kind !== "command") return entry;
  return { index: entry.index, term: entry.term, payload: { kind: "command", command: entry.payload.command.slice() } };
}
