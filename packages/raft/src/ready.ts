/**
 * `Ready`: everything the protocol core asks its runtime to do, taken in one batch.
 *
 * The runtime MUST handle a Ready in this order:
 * 0. if `snapshot` is set: install it in the state machine and reset the log storage to it
 *    (every entry dropped, the purge point set to the snapshot's index and term);
 * 1. make `hardState` and `logWrite` durable (truncate the log at `logWrite.fromIndex`, append);
 * 2. only then send `messages` (a vote or an acknowledgement promises durability); `heartbeat`
 *    and `heartbeatResponse` messages promise nothing durable and may leave before step 1, which
 *    `RaftServer` does so that a slow sync cannot starve leadership of heartbeats;
 * 3. apply `committedEntries` in order, then answer `readStates` once applied ≥ their index;
 *    fail `droppedReads` (leadership ended; retry on the new leader). Messages of kind
 *    `snapshot` get the state machine's snapshot at their `snapshot.index` attached as `data`.
 * A crash anywhere in between is safe: nothing was promised about what was not yet synced.
 */
import type { LogWrite } from "./internal/raft-log.ts";
import type { ReadState } from "./internal/read-index-queue.ts";
import type { HardState, LogEntry, SnapshotMeta } from "./log-entry.ts";
import type { RaftMessage } from "./message.ts";
import type { SnapshotData } from "./snapshot-data.ts";

export type { LogWrite, ReadState };

/** A snapshot received from the leader, to install before anything else in the Ready. */
export interface ReceivedSnapshot {
  readonly meta: SnapshotMeta;
  readonly data: SnapshotData;
}

export interface Ready {
  readonly snapshot: ReceivedSnapshot | undefined;
  readonly hardState: HardState | undefined;
  readonly logWrite: LogWrite | undefined;
  readonly messages: readonly RaftMessage[];
  readonly committedEntries: readonly LogEntry[];
  readonly readStates: readonly ReadState[];
  readonly droppedReads: readonly number[];
}
