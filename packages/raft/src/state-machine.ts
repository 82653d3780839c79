/**
 * `RaftStateMachine`: the replicated application (openraft's state-machine half). The runtime
 * hands it committed entries in log order, exactly once per index per incarnation; `R` is what a
 * command returns to the `clientWrite` caller on the leader.
 *
 * Snapshots are optional. A state machine that implements `buildSnapshot` and `installSnapshot`
 * lets the runtime compact the log (every `snapshotIntervalEntries` applied entries) and bring a
 * follower that fell behind the compaction point up to date with one message. The snapshot is
 * built and installed whole, in memory; `TcpNetwork` streams it in chunks on the wire.
 */
import type { LogEntry, SnapshotMeta } from "./log-entry.ts";
import type { LogIndex } from "./types.ts";

export interface RaftStateMachine<R> {
  /**
   * Applies committed entries (in order, contiguous, starting after `appliedIndex()`). Returns one
   * result per entry, `undefined` for blank entries.
   */
  apply(entries: readonly LogEntry[]): Promise<readonly (R | undefined)[]> | readonly (R | undefined)[];
  /** The last index applied; entries up to it are not handed out again after a restart. */
  appliedIndex(): LogIndex;
  /** An image of the state at `appliedIndex()`, from which `installSnapshot` can rebuild it. */
  buildSnapshot?(): Promise<Uint8Array> | Uint8Array;
  /** Replaces the whole state by a snapshot; afterwards `appliedIndex()` is `meta.index`. */
  installSnapshot?(meta: SnapshotMeta, data: Uint8Array): Promise<void> | void;
}
