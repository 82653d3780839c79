/**
 * @omnikv/raft — Raft consensus: a pure protocol core (`RaftNode`), with log storage, state machine
 * and network interfaces. See README.md.
 */
export { RaftNode } from "./raft-node.ts";
export type { FollowerStatus, RaftNodeOptions, RaftRole, RaftStatus } from "./raft-node.ts";
export { defaultRaftConfig, resolveRaftConfig } from "./raft-config.ts";
export type { RaftConfig } from "./raft-config.ts";
export type { LogWrite, ReadState, Ready } from "./ready.ts";
export type { EntryPayload, HardState, LogEntry } from "./log-entry.ts";
export type {
  AppendMessage,
  AppendResponseMessage,
  HeartbeatMessage,
  HeartbeatResponseMessage,
  RaftMessage,
  RaftMessageKind,
  TimeoutNowMessage,
  VoteMessage,
  VoteResponseMessage,
} from "./message.ts";
export { checkIndex, mathRandomSource, nextTerm, noNode, termZero } from "./types.ts";
export type { LogIndex, NodeId, RandomSource, Term } from "./types.ts";
export { NotLeaderError, RaftConfigError, RaftStoppedError, RaftStorageError } from "./errors.ts";
