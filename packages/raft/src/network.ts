/**
 * `RaftNetwork`: how one node's messages reach the others. The core is message-passing (etcd's
 * model): every RPC of openraft's network trait — append entries, vote, pre-vote, timeout-now —
 * is a `RaftMessage` kind, and answers are messages too, so a transport needs only two verbs.
 * Delivery may lose, delay, duplicate or reorder messages; the protocol tolerates all of it.
 */
import type { RaftMessage } from "./message.ts";
import type { SnapshotWriterFactory } from "./snapshot-data.ts";

export interface RaftNetwork {
  /** Sends messages (fire and forget). Must not block; a full queue may drop. */
  send(messages: readonly RaftMessage[]): void;
  /** Sets the receiver of messages addressed to this node. */
  onMessage(handler: (message: RaftMessage) => void): void;
  /**
   * Optional, for networks that receive a snapshot in chunks: where to write them (the state
   * machine's `receiveSnapshot`; set by `RaftServer`). Without it a network collects them in memory.
   */
  setSnapshotReceiver?(open: SnapshotWriterFactory): void;
  close(): void;
}
