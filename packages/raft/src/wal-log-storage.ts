/**
 * `WalLogStorage`: a durable `RaftLogStorage` on `@omnikv/wal`. Every mutation is one WAL record
 * (format in internal/log-record.ts) appended with `sync: true`; mutations issued back to back
 * share one fsync through the WAL's group commit. Opening replays the records to rebuild the
 * state, which is then served from memory.
 *
 * Invariants: the in-memory state is updated at call time, in call order, and each promise
 * resolves only once its record is durable; a WAL failure fails the storage for good (the WAL
 * refuses further appends), so memory never runs ahead of what a reopen would see without the
 * caller having been told.
 *
 * Limits, until snapshots exist: the whole log is held in memory, and records are never
 * rewritten, so the WAL grows with every mutation (`purgeUpTo` is recorded but frees no segment).
 */
import { assert } from "@omnikv/base";
import { Wal, type WalOptions } from "@omnikv/wal";
import { RaftStorageError } from "./errors.ts";
import { decodeLogRecord, encodeLogRecord, type LogRecord } from "./internal/log-record.ts";
import type { HardState, LogEntry, SnapshotMeta } from "./log-entry.ts";
import type { LogState, RaftLogStorage } from "./log-storage.ts";
import type { MembershipConfig } from "./membership.ts";
import { MemoryLogStorage } from "./memory-log-storage.ts";
import { checkIndex, type LogIndex } from "./types.ts";

export class WalLogStorage implements RaftLogStorage {
  readonly #wal: Wal;
  /** The replayed state; MemoryLogStorage applies the same rules the records were written under. */
  readonly #state: MemoryLogStorage;
  #lastIndex: LogIndex;
  #purgedIndex: LogIndex;

  private constructor(wal: Wal, state: MemoryLogStorage, lastIndex: LogIndex, purgedIndex: LogIndex) {
    this.#wal = wal;
    this.#state = state;
    this.#lastIndex = lastIndex;
    this.#purgedIndex = purgedIndex;
  }

  static async open(dir: string, options: WalOptions = {}): Promise<WalLogStorage> {
    const wal = await Wal.open(dir, options);
    const state = new MemoryLogStorage();
    try {
      for (const record of wal.replay()) await replayRecord(state, decodeLogRecord(record.payload, `${dir} lsn ${record.lsn}`));
    } catch (error) {
      await wal.close();
      throw error;
    }
    const logState = await state.logState();
    return new WalLogStorage(wal, state, logState.lastIndex, logState.purgedIndex);
  }

  readHardState(): Promise<HardState> {
    return this.#state.readHardState();
  }

  saveHardState(state: HardState): Promise<void> {
    void this.#state.saveHardState(state);
    return this.#write({ kind: "hardState", state });
  }

  append(entries: readonly LogEntry[]): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    if (entries[0]?.index !== this.#lastIndex + 1 || !isContiguous(entries)) {
      return Promise.reject(new RaftStorageError(`append of index ${entries[0]?.index} where ${this.#lastIndex + 1} was expected`));
    }
    void this.#state.append(entries);
    this.#lastIndex += entries.length;
    return this.#write({ kind: "entries", entries });
  }

  truncateAfter(index: LogIndex): Promise<void> {
    checkIndex(index, "truncation index");
    if (index < this.#purgedIndex) return Promise.reject(new RaftStorageError(`truncation below the purged index ${this.#purgedIndex}`));
    if (index >= this.#lastIndex) return Promise.resolve();
    void this.#state.truncateAfter(index);
    this.#lastIndex = index;
    return this.#write({ kind: "truncate", index });
  }

  async purgeUpTo(index: LogIndex, config?: MembershipConfig): Promise<void> {
    checkIndex(index, "purge index");
    if (index <= this.#purgedIndex) return;
    if (index > this.#lastIndex) throw new RaftStorageError(`purge up to ${index} past the last index`);
    const [entry] = await this.#state.readRange(index, index + 1);
    assert(entry !== undefined, "an entry below the last index exists");
    void this.#state.purgeUpTo(index, config);
    this.#purgedIndex = index;
    await this.#write({ kind: "purge", index, term: entry.term, config });
  }

  resetToSnapshot(meta: SnapshotMeta): Promise<void> {
    checkIndex(meta.index, "snapshot index");
    void this.#state.resetToSnapshot(meta);
    this.#lastIndex = meta.index;
    this.#purgedIndex = meta.index;
    return this.#write({ kind: "reset", index: meta.index, term: meta.term, config: meta.config });
  }

  readRange(fromIndex: LogIndex, toIndexExclusive: LogIndex): Promise<readonly LogEntry[]> {
    return this.#state.readRange(fromIndex, toIndexExclusive);
  }

  logState(): Promise<LogState> {
    return this.#state.logState();
  }

  async close(): Promise<void> {
    await this.#wal.close();
    await this.#state.close();
  }

  async #write(record: LogRecord): Promise<void> {
    await this.#wal.append(encodeLogRecord(record), { sync: true });
  }
}

function isContiguous(entries: readonly LogEntry[]): boolean {
  return entries.every((entry, i) => i === 0 || entry.index === (entries[i - 1]?.index ?? 0) + 1);
}

async function replayRecord(state: MemoryLogStorage, record: LogRecord): Promise<void> {
  switch (record.kind) {
    case "hardState":
      return state.saveHardState(record.state);
    case "entries":
      return state.append(record.entries);
    case "truncate":
      return state.truncateAfter(record.index);
    case "purge":
      return state.purgeUpTo(record.index, record.config);
    case "reset":
      return state.resetToSnapshot({ index: record.index, term: record.term, config: record.config });
  }
}
