/**
 * Tunables of the protocol core, all in ticks or counts (the core knows no wall clock: a runtime
 * calls `tick()` every `tickMs`). Limits are named `…Max` and asserted where they bind.
 */
import { RaftConfigError } from "./errors.ts";

export interface RaftConfig {
  /** Election timeout base: a follower campaigns after a random [electionTicks, 2·electionTicks) ticks of silence. */
  readonly electionTicks: number;
  /** The leader sends heartbeats every this many ticks; must be below `electionTicks`. */
  readonly heartbeatTicks: number;
  /** Run a pre-vote round before a real election, so a partitioned node never inflates terms. */
  readonly isPreVoteEnabled: boolean;
  /**
   * A leader steps down when a quorum was not heard from within an election timeout, and
   * followers ignore vote requests while they heard from a leader recently (the leader lease).
   */
  readonly isCheckQuorumEnabled: boolean;
  /** Append messages in flight to one follower before the leader waits for acknowledgements. */
  readonly inflightMessagesMax: number;
  /** Entries in one append message. */
  readonly entriesPerMessageMax: number;
  /** Committed entries handed to the state machine in one `Ready`. */
  readonly applyBatchEntriesMax: number;
  /** Proposals accepted but not yet committed; more are refused (backpressure). */
  readonly uncommittedEntriesMax: number;
  /** ReadIndex requests waiting for confirmation; more are refused. */
  readonly pendingReadsMax: number;
  /**
   * Lease reads: a leader answers `readIndex` at once, without a heartbeat round, while its lease
   * holds — until `electionTicks - leaseDriftTicks` ticks after it sent the last heartbeat a quorum
   * answered (followers that answered refuse votes for `electionTicks` after hearing it). Needs
   * check-quorum. Safe only while clocks drift less than `leaseDriftTicks` over an election
   * timeout and no process stalls between its tick and serving the read (a GC pause or VM stall
   * longer than the margin can serve a stale read); ReadIndex has no such assumption.
   */
  readonly isLeaseReadEnabled: boolean;
  /** The lease's safety margin for clock drift, in ticks (below `electionTicks`; default half of it). */
  readonly leaseDriftTicks: number;
}

export const defaultRaftConfig: RaftConfig = {
  electionTicks: 10,
  heartbeatTicks: 1,
  isPreVoteEnabled: true,
  isCheckQuorumEnabled: true,
  inflightMessagesMax: 256,
  entriesPerMessageMax: 256,
  applyBatchEntriesMax: 1024,
  uncommittedEntriesMax: 65_536,
  pendingReadsMax: 65_536,
  isLeaseReadEnabled: false,
  leaseDriftTicks: 5,
};

export function resolveRaftConfig(partial: Partial<RaftConfig> = {}): RaftConfig {
  const electionTicks = partial.electionTicks ?? defaultRaftConfig.electionTicks;
  // The drift margin defaults to half the election timeout, whatever that is.
  const config: RaftConfig = { ...defaultRaftConfig, leaseDriftTicks: Math.floor(electionTicks / 2), ...partial };
  const counts = [
    ["electionTicks", config.electionTicks],
    ["heartbeatTicks", config.heartbeatTicks],
    ["inflightMessagesMax", config.inflightMessagesMax],
    ["entriesPerMessageMax", config.entriesPerMessageMax],
    ["applyBatchEntriesMax", config.applyBatchEntriesMax],
    ["uncommittedEntriesMax", config.uncommittedEntriesMax],
    ["pendingReadsMax", config.pendingReadsMax],
  ] as const;
  for (const [name, value] of counts) {
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new RaftConfigError(`raft option "${name}" must be a positive integer, got ${value}`);
    }
  }
  if (config.heartbeatTicks >= config.electionTicks) {
    throw new RaftConfigError(`raft option "heartbeatTicks" must be below "electionTicks"`);
  }
  if (!Number.isSafeInteger(config.leaseDriftTicks) || config.leaseDriftTicks < 0 || config.leaseDriftTicks >= config.electionTicks) {
    throw new RaftConfigError(`raft option "leaseDriftTicks" must be an integer in [0, electionTicks), got ${config.leaseDriftTicks}`);
  }
  if (config.isLeaseReadEnabled && !config.isCheckQuorumEnabled) {
    throw new RaftConfigError(`raft option "isLeaseReadEnabled" needs "isCheckQuorumEnabled": followers must refuse votes while the leader's lease holds`);
  }
  return config;
}
