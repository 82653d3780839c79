/**
 * @omnikv/raft — Raft consensus: a pure protocol core (`RaftNode`), with log storage, state machine
 * and network interfaces. See README.md.
 */
export { RaftNode } from "./raft-node.ts";
export type { FollowerStatus, MembershipChange, RaftNodeOptions, RaftRole, RaftStatus } from "./raft-node.ts";
export { allMembers, allVoters, describeMembership, emptyMembership, isJoint, isVoter, membershipOf } from "./membership.ts";
export type { MembershipConfig } from "./membership.ts";
export { defaultRaftConfig, resolveRaftConfig } from "./raft-config.ts";
export type { RaftConfig } from "./raft-config.ts";
export type { LogWrite, ReadState, Ready, ReceivedSnapshot } from "./ready.ts";
export type { EntryPayload, HardState, LogEntry } from "./log-entry.ts";
export type {
  AppendMessage,
  AppendResponseMessage,
  HeartbeatMessage,
  HeartbeatResponseMessage,
  RaftMessage,
  RaftMessageKind,
  SnapshotMessage,
  TimeoutNowMessage,
  VoteMessage,
  VoteResponseMessage,
} from "./message.ts";
export { checkIndex, mathRandomSource, nextTerm, noNode, termZero } from "./types.ts";
export type { LogIndex, NodeId, RandomSource, Term } from "./types.ts";
export { NotLeaderError, RaftConfigError, RaftFrameTooLargeError, RaftProtocolError, RaftStoppedError, RaftStorageError } from "./errors.ts";
export type { LogState, RaftLogStorage } from "./log-storage.ts";
export type { RaftStateMachine } from "./state-machine.ts";
export { memorySnapshotWriter, readSnapshotBytes, snapshotDataFromBytes } from "./snapshot-data.ts";
export type { SnapshotData, SnapshotWriter, SnapshotWriterFactory } from "./snapshot-data.ts";
export type { RaftNetwork } from "./network.ts";
export { MemoryLogStorage } from "./memory-log-storage.ts";
export { checkRaftLogStorage } from "./log-storage-conformance.ts";
export type { LogStorageHarness } from "./log-storage-conformance.ts";
export { MemoryNetwork, queuedMessagesMax } from "./memory-network.ts";
export { RaftServer } from "./raft-server.ts";
export type { RaftMetrics, RaftServerOptions } from "./raft-server.ts";
export { WalLogStorage, walLogCacheBytesDefault, walLogSegmentBytesDefault } from "./wal-log-storage.ts";
export type { WalLogStorageOptions, WalLogStorageStats } from "./wal-log-storage.ts";
export type { SnapshotMeta } from "./log-entry.ts";
export { TcpNetwork, tcpNetworkDefaults } from "./tcp-network.ts";
export type { TcpNetworkMetrics, TcpNetworkOptions, TcpPeerAddress } from "./tcp-network.ts";
