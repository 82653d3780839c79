/**
 * `RaftLogStorage`: what raft needs from durable storage (openraft's log-storage half). raft
 * declares it; implementations live here (`MemoryLogStorage`, for tests and the simulator) or in
 * the composing application. `checkRaftLogStorage` (log-storage-conformance.ts) is the contract
 * in executable form: every implementation must pass it.
 *
 * Contract:
 * - Every mutation is durable when its promise resolves (a crash after that keeps it).
 * - Mutations take effect in call order, even when the caller issues several without waiting
 *   (the runtime does, so a durable implementation can cover them with one sync); a mutation
 *   that is refused (a gap, say) rejects without affecting the ones after it.
 * - The log is contiguous: `append` continues at `lastIndex + 1`, anything else rejects.
 * - `truncateAfter(i)` drops entries above `i` (conflict repair); `purgeUpTo(i, config)` drops
 *   entries up to and including `i` (after a snapshot); the purged position's term is kept, and
 *   the membership in force there when given (a restart needs it once its entry is gone).
 *   `resetToSnapshot(meta)` drops every entry and makes `meta` the purged position (a follower
 *   installing the leader's snapshot).
 * - Reads of entries below the first held index reject; reads past the end return fewer entries.
 * - Entries are returned as stored: index, term, payload kind and bytes (callers may keep them,
 *   implementations must not keep caller-owned buffers they could see mutated later).
 */
import type { HardState, LogEntry, SnapshotMeta } from "./log-entry.ts";
import type { MembershipConfig } from "./membership.ts";
import type { LogIndex, Term } from "./types.ts";

export interface LogState {
  /** Index of the first entry held, or `lastIndex + 1` when empty. */
  readonly firstIndex: LogIndex;
  readonly lastIndex: LogIndex;
  /** Index and term of the last purged entry (0 and term 0 before any purge). */
  readonly purgedIndex: LogIndex;
  readonly purgedTerm: Term;
  /** The membership in force at the purge point, when one was recorded. */
  readonly purgedConfig: MembershipConfig | undefined;
}

export interface RaftLogStorage {
  readHardState(): Promise<HardState>;
  saveHardState(state: HardState): Promise<void>;
  append(entries: readonly LogEntry[]): Promise<void>;
  truncateAfter(index: LogIndex): Promise<void>;
  purgeUpTo(index: LogIndex, config?: MembershipConfig): Promise<void>;
  resetToSnapshot(meta: SnapshotMeta): Promise<void>;
  /** Entries with `fromIndex <= index < toIndexExclusive` that exist. */
  readRange(fromIndex: LogIndex, toIndexExclusive: LogIndex): Promise<readonly LogEntry[]>;
  logState(): Promise<LogState>;
  close(): Promise<void>;
}
