/**
 * Messages between Raft nodes. Every message carries the sender's term; the receiver's first step
 * compares terms (see `RaftNode.step`). They are plain immutable objects: a `RaftNetwork`
 * serializes them, the simulator passes them by reference.
 *
 * - `vote` / `voteResponse`: elections; `isPreVote` marks the pre-vote round (thesis §9.6), in
 *   which nobody changes term or vote. `isLeaderTransfer` lets a TimeoutNow campaign pass the
 *   check-quorum lease.
 * - `append` / `appendResponse`: replication; a rejection carries a hint (index, term) so the
 *   leader skips a whole conflicting term at once instead of one entry per round trip.
 * - `heartbeat` / `heartbeatResponse`: leadership and commit propagation; `readSeq` confirms
 *   ReadIndex requests.
 * - `timeoutNow`: leader transfer, the target campaigns at once.
 * - `snapshot`: the leader no longer holds the entries a follower needs and sends its latest
 *   snapshot instead. The core emits it without `data`: the runtime attaches the state machine's
 *   snapshot at exactly `snapshot.index` (the one the log was last compacted to) before sending.
 *   The data is a `SnapshotData` read in pieces, so a network streams it in chunks (TcpNetwork)
 *   and a receiver writes it through a `SnapshotWriter` without holding it whole.
 */
import type { LogEntry, SnapshotMeta } from "./log-entry.ts";
import type { SnapshotData } from "./snapshot-data.ts";
import type { LogIndex, NodeId, Term } from "./types.ts";

interface Header {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: Term;
}

export interface VoteMessage extends Header {
  readonly kind: "vote";
  readonly isPreVote: boolean;
  readonly isLeaderTransfer: boolean;
  readonly lastLogIndex: LogIndex;
  readonly lastLogTerm: Term;
}

export interface VoteResponseMessage extends Header {
  readonly kind: "voteResponse";
  readonly isPreVote: boolean;
  readonly isGranted: boolean;
}

export interface AppendMessage extends Header {
  readonly kind: "append";
  readonly prevIndex: LogIndex;
  readonly prevTerm: Term;
  readonly entries: readonly LogEntry[];
  readonly commitIndex: LogIndex;
}

export interface AppendResponseMessage extends Header {
  readonly kind: "appendResponse";
  readonly isSuccess: boolean;
  /** On success: the last index known to match the leader's log. */
  readonly matchIndex: LogIndex;
  /** On rejection: the `prevIndex` that did not match. */
  readonly rejectedIndex: LogIndex;
  /** On rejection: the largest index whose term is at most the rejected `prevTerm`, and its term. */
  readonly hintIndex: LogIndex;
  readonly hintTerm: Term;
}

export interface HeartbeatMessage extends Header {
  readonly kind: "heartbeat";
  readonly commitIndex: LogIndex;
  readonly readSeq: number;
}

export interface HeartbeatResponseMessage extends Header {
  readonly kind: "heartbeatResponse";
  readonly readSeq: number;
}

export interface TimeoutNowMessage extends Header {
  readonly kind: "timeoutNow";
}

export interface SnapshotMessage extends Header {
  readonly kind: "snapshot";
  readonly snapshot: SnapshotMeta;
  /** The state machine snapshot; undefined as the core emits it, set by the runtime. */
  readonly data: SnapshotData | undefined;
}

export type RaftMessage =
  | VoteMessage
  | VoteResponseMessage
  | AppendMessage
  | AppendResponseMessage
  | HeartbeatMessage
  | HeartbeatResponseMessage
  | TimeoutNowMessage
  | SnapshotMessage;

export type RaftMessageKind = RaftMessage["kind"];
