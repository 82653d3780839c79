/**
 * `MemoryLogStorage`: a `RaftLogStorage` in memory, for tests, the simulator and benchmarks.
 * "Durable" means it survives `reopen()`, which models a process restart over the same disk.
 * Payload bytes are copied in, so a caller reusing its buffers cannot change the stored log.
 */
import { assert } from "@omnikv/base";
import type { HardState, LogEntry, SnapshotMeta } from "./log-entry.ts";
import type { MembershipConfig } from "./membership.ts";
import type { LogState, RaftLogStorage } from "./log-storage.ts";
import { checkIndex, noNode, termZero, type LogIndex, type Term } from "./types.ts";
import { RaftStorageError } from "./errors.ts";

interface MemoryDisk {
  hardState: HardState;
  entries: LogEntry[];
  purgedIndex: LogIndex;
  purgedTerm: Term;
  purgedConfig: MembershipConfig | undefined;
}

export class MemoryLogStorage implements RaftLogStorage {
  readonly #disk: MemoryDisk;
  #isClosed = false;

  constructor(disk?: MemoryDisk) {
    this.#disk = disk ?? { hardState: { term: termZero, votedFor: noNode, commitIndex: 0 }, entries: [], purgedIndex: 0, purgedTerm: termZero, purgedConfig: undefined };
  }

  /** A new instance over the same contents, as after a restart; this one must be closed. */
  reopen(): MemoryLogStorage {
    assert(this.#isClosed, "close a storage before reopening it");
    return new MemoryLogStorage(this.#disk);
  }

  readHardState(): Promise<HardState> {
    this.#checkOpen();
    return Promise.resolve(this.#disk.hardState);
  }

  saveHardState(state: HardState): Promise<void> {
    this.#checkOpen();
    this.#disk.hardState = { term: state.term, votedFor: state.votedFor, commitIndex: state.commitIndex };
    return Promise.resolve();
  }

  append(entries: readonly LogEntry[]): Promise<void> {
    this.#checkOpen();
    let expected = this.#lastIndex() + 1;
    for (const entry of entries) {
      if (entry.index !== expected) {
        return Promise.reject(new RaftStorageError(`append of index ${entry.index} where ${expected} was expected`));
      }
      this.#disk.entries.push(copyEntry(entry));
      expected += 1;
    }
    return Promise.resolve();
  }

  truncateAfter(index: LogIndex): Promise<void> {
    this.#checkOpen();
    checkIndex(index, "truncation index");
    if (index < this.#disk.purgedIndex) return Promise.reject(new RaftStorageError(`truncation below the purged index ${this.#disk.purgedIndex}`));
    if (index < this.#lastIndex()) this.#disk.entries.length = index - this.#disk.purgedIndex;
    return Promise.resolve();
  }

  purgeUpTo(index: LogIndex, config?: MembershipConfig): Promise<void> {
    this.#checkOpen();
    checkIndex(index, "purge index");
    if (index <= this.#disk.purgedIndex) return Promise.resolve();
    const term = this.#termAt(index);
    if (term === undefined) return Promise.reject(new RaftStorageError(`purge up to ${index} past the last index`));
    this.#disk.entries.splice(0, index - this.#disk.purgedIndex);
    this.#disk.purgedIndex = index;
    this.#disk.purgedTerm = term;
    if (config !== undefined) this.#disk.purgedConfig = config;
    return Promise.resolve();
  }

  resetToSnapshot(meta: SnapshotMeta): Promise<void> {
    this.#checkOpen();
    checkIndex(meta.index, "snapshot index");
    this.#disk.entries = [];
    this.#disk.purgedIndex = meta.index;
    this.#disk.purgedTerm = meta.term;
    this.#disk.purgedConfig = meta.config;
    return Promise.resolve();
  }

  readRange(fromIndex: LogIndex, toIndexExclusive: LogIndex): Promise<readonly LogEntry[]> {
    this.#checkOpen();
    checkIndex(fromIndex, "range start");
    if (fromIndex <= this.#disk.purgedIndex) return Promise.reject(new RaftStorageError(`entry ${fromIndex} was purged`));
    const start = fromIndex - this.#disk.purgedIndex - 1;
    const end = Math.max(start, toIndexExclusive - this.#disk.purgedIndex - 1);
    return Promise.resolve(this.#disk.entries.slice(start, end));
  }

  logState(): Promise<LogState> {
    this.#checkOpen();
    return Promise.resolve({
      firstIndex: this.#disk.purgedIndex + 1,
      lastIndex: this.#lastIndex(),
      purgedIndex: this.#disk.purgedIndex,
      purgedTerm: this.#disk.purgedTerm,
      purgedConfig: this.#disk.purgedConfig,
    });
  }

  close(): Promise<void> {
    this.#isClosed = true;
    return Promise.resolve();
  }

  #lastIndex(): LogIndex {
    return this.#disk.purgedIndex + this.#disk.entries.length;
  }

  #termAt(index: LogIndex): Term | undefined {
    if (index === this.#disk.purgedIndex) return this.#disk.purgedTerm;
    return this.#disk.entries[index - this.#disk.purgedIndex - 1]?.term;
  }

  #checkOpen(): void {
    assert(!this.#isClosed, "the storage is open");
  }
}

function copyEntry(entry: LogEntry): LogEntry {
  if (entry.payload.kind !== "command") return entry;
  return { index: entry.index, term: entry.term, payload: { kind: "command", command: entry.payload.command.slice() } };
}
