/**
 * `RaftStateMachine`: the replicated application (openraft's state-machine half). The runtime
 * hands it committed entries in log order, exactly once per index per incarnation; `R` is what a
 * command returns to the `clientWrite` caller on the leader.
 *
 * Snapshots are optional. A state machine that implements `buildSnapshot` and `installSnapshot`
 * lets the runtime compact the log (every `snapshotIntervalEntries` applied entries) and bring a
 * follower that fell behind the compaction point up to date with a snapshot. Snapshots stream
 * (snapshot-data.ts): `buildSnapshot` may return a `SnapshotData` the network reads in chunks
 * (say, over a file it wrote), and `receiveSnapshot` a `SnapshotWriter` the network writes the
 * chunks it receives to; the runtime then hands the writer's result to `installSnapshot`. A state
 * machine with small snapshots may return bytes from `buildSnapshot` and omit `receiveSnapshot`
 * (received snapshots are then collected in memory).
 */
import type { LogEntry, SnapshotMeta } from "./log-entry.ts";
import type { SnapshotData, SnapshotWriter } from "./snapshot-data.ts";
import type { LogIndex } from "./types.ts";

export interface RaftStateMachine<R> {
  /**
   * Applies committed entries (in order, contiguous, starting after `appliedIndex()`). Returns one
   * result per entry, `undefined` for blank entries.
   */
  apply(entries: readonly LogEntry[]): Promise<readonly (R | undefined)[]> | readonly (R | undefined)[];
  /** The last index applied; entries up to it are not handed out again after a restart. */
  appliedIndex(): LogIndex;
  /**
   * An image of the state at `appliedIndex()`, from which `installSnapshot` can rebuild it. It
   * must be durable when this resolves (the runtime then purges the log up to it), and readable
   * until the next but one snapshot is built (a follower may still be receiving it).
   */
  buildSnapshot?(): Promise<Uint8Array | SnapshotData> | Uint8Array | SnapshotData;
  /** Opens a writer for a snapshot arriving in chunks from the leader (optional; default: in memory). */
  receiveSnapshot?(meta: SnapshotMeta, byteLength: number): Promise<SnapshotWriter> | SnapshotWriter;
  /**
   * Replaces the whole state by a snapshot (from the leader: `data` is what a writer of
   * `receiveSnapshot` finished with, or the leader's own `SnapshotData` on an in-process
   * network); afterwards `appliedIndex()` is `meta.index`.
   */
  installSnapshot?(meta: SnapshotMeta, data: SnapshotData): Promise<void> | void;
}
