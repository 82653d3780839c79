/**
 * `RaftNode`: the pure protocol core. Inputs are `tick()`, `step(message)`, `propose(command)`,
 * `readIndex(id)` and `transferLeadership(to)`; outputs are collected and taken with
 * `takeReady()` (see ready.ts for the order a runtime must follow). No I/O, no timers, no
 * randomness of its own, so a simulator and a real server run the very same code.
 *
 * Implemented: leader election with pre-vote and check-quorum (with the follower-side lease),
 * pipelined batched replication with per-follower flow control (progress.ts), fast back-off on
 * conflicts, commit of current-term entries only (figure 8), ReadIndex, leader transfer, log
 * compaction with snapshots sent to followers that fell behind it, joint-consensus membership
 * changes and learners.
 *
 * Membership takes effect when appended, not when committed (the thesis's rule, §4.1): every
 * node uses the configuration of the last membership entry in its log, committed or not, for
 * elections, commits, check-quorum and ReadIndex, and falls back to the previous one if that
 * entry is truncated. Consecutive configurations overlap (a joint one contains both), so two
 * leaders of one term still need intersecting quorums. What it buys: once a change that removes
 * the leader commits, the new voters that hold it elect and commit among themselves, even if
 * every removed node (the old leader included) is gone at once.
 *
 * Safety invariants asserted here: term never decreases; at most one vote per term; a leader
 * never truncates its log; commit never decreases and never covers an entry of an earlier term
 * by counting (only by the Log Matching property, through a current-term entry above it).
 */
import { assert, assertNever } from "@omnikv/base";
import { Progress } from "./internal/progress.ts";

import { RaftLog } from "./internal/raft-log.ts";
import { ReadIndexQueue, type ReadState } from "./internal/read-index-queue.ts";
import type { HardState, LogEntry, SnapshotMeta } from "./log-entry.ts";
import {
  allMembers,
  allVoters,
  checkMembership,
  isJoint,
  isVoter,
  jointQuorumIndex,
  jointVoteOutcome,
  membershipOf,
  sortedIds,
  type MembershipConfig,
} from "./membership.ts";
import type {
  AppendMessage,
  AppendResponseMessage,
  HeartbeatMessage,
  HeartbeatResponseMessage,
  RaftMessage,
  SnapshotMessage,
  VoteMessage,
  VoteResponseMessage,
} from "./message.ts";
import { resolveRaftConfig, type RaftConfig } from "./raft-config.ts";
import type { Ready, ReceivedSnapshot } from "./ready.ts";
import { checkNodeId, nextTerm, noNode, termZero, type LogIndex, type NodeId, type RandomSource, type Term } from "./types.ts";

export type RaftRole = "follower" | "preCandidate" | "candidate" | "leader";

export interface RaftNodeOptions {
  readonly id: NodeId;
  /**
   * The bootstrap voters, used until a snapshot or a committed membership entry says otherwise.
   * A node joining an existing cluster passes `[]` and learns its configuration from the leader.
   */
  readonly voters: readonly NodeId[];
  readonly random: RandomSource;
  readonly config?: Partial<RaftConfig>;
  /** Durable state read back from storage on restart. */
  readonly hardState?: HardState;
  /** The snapshot the log was last compacted to; `entries` follow it. */
  readonly snapshot?: SnapshotMeta;
  readonly entries?: readonly LogEntry[];
  /** The state machine's last applied index (at least the snapshot's): entries up to it are known committed. */
  readonly appliedIndex?: LogIndex;
}

export interface FollowerStatus {
  readonly id: NodeId;
  readonly matchIndex: LogIndex;
  readonly nextIndex: LogIndex;
  readonly state: "probe" | "replicate" | "snapshot";
  readonly inflightCount: number;
}

export interface RaftStatus {
  readonly id: NodeId;
  readonly role: RaftRole;
  readonly term: Term;
  readonly votedFor: NodeId;
  readonly leaderId: NodeId;
  readonly commitIndex: LogIndex;
  readonly lastIndex: LogIndex;
  readonly lastTerm: Term;
  readonly followers: readonly FollowerStatus[];
  readonly config: MembershipConfig;
}

/** A requested membership: the voters and learners the cluster should end up with. */
export interface MembershipChange {
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
}

/** A message without its header; `term` defaults to the sender's current term. */
type MessageBody<M extends RaftMessage = RaftMessage> = M extends RaftMessage
  ? Omit<M, "from" | "to" | "term"> & { readonly term?: Term }
  : never;

/** Adds the header to a body: the spread of one union member plus the header is that member again. */
function messageOf(body: MessageBody, header: { readonly from: NodeId; readonly to: NodeId; readonly term: Term }): RaftMessage {
  return { ...body, ...header };
}

export class RaftNode {
  readonly id: NodeId;
  readonly config: RaftConfig;
  #config: MembershipConfig;
  /**
   * The membership at the snapshot point, then every membership entry in the log after it
   * (committed or not), oldest first. The last one is in force (`#config`).
   */
  #configHistory: { readonly index: LogIndex; readonly config: MembershipConfig }[] = [];
  /** Index of the last membership entry this leader appended; a new change waits until it commits. */
  #pendingConfigIndex: LogIndex = 0;
  readonly #random: RandomSource;
  readonly #log: RaftLog;
  #term: Term;
  #votedFor: NodeId;
  #role: RaftRole = "follower";
  #leaderId: NodeId = noNode;
  #electionElapsed = 0;
  #heartbeatElapsed = 0;
  #randomizedElectionTicks = 0;
  /** Leader only: ticks since it became leader (stall detection, lease reads). */
  #leaderTicks = 0;
  /**
   * Lease reads, follower side: ticks since this node last heard from a leader, which only that
   * resets (becoming a follower of a higher term without a leader does not). Starts at 0, so a
   * node that just (re)started also refuses votes for an election timeout: it may have answered
   * the current leader's heartbeat just before it crashed.
   */
  #ticksSinceLeader = 0;
  /** Lease reads, leader side: the tick each heartbeat round was sent at, oldest first. */
  #roundTicks: { readonly seq: number; readonly tick: number }[] = [];
  /** A TimeoutNow was sent this term: its target campaigns past the followers' lease, so this leader's lease is void. */
  #isLeaseForfeited = false;
  #votes = new Map<NodeId, boolean>();
  #progress = new Map<NodeId, Progress>();
  #leadTransferee: NodeId = noNode;
  #needsBroadcast = false;
  #needsReadBroadcast = false;
  #readQueue = new ReadIndexQueue();
  #persistedHardState: HardState;
  #messages: RaftMessage[] = [];
  #readStates: ReadState[] = [];
  #droppedReads: number[] = [];
  #receivedSnapshot: ReceivedSnapshot | undefined;

  constructor(options: RaftNodeOptions) {
    this.id = checkNodeId(options.id, "node id");
    this.config = resolveRaftConfig(options.config);
    assert(new Set(options.voters).size === options.voters.length, "voters are distinct");
    this.#random = options.random;
    const hardState = options.hardState ?? { term: termZero, votedFor: noNode, commitIndex: 0 };
    this.#term = hardState.term;
    this.#votedFor = hardState.votedFor;
    this.#persistedHardState = hardState;
    const snapshot = options.snapshot ?? { index: 0, term: termZero };
    // Past index 0 the bootstrap voters may be long gone: the snapshot must say who the members are.
    assert(snapshot.index === 0 || snapshot.config !== undefined, "a snapshot past index 0 carries its membership");
    this.#log = new RaftLog(options.entries ?? [], snapshot, options.appliedIndex ?? snapshot.index, hardState.commitIndex);
    this.#config = snapshot.config ?? membershipOf(options.voters);
    this.#configHistory = [{ index: snapshot.index, config: this.#config }];
    this.#recordMembership(snapshot.index + 1);
    this.#resetElectionTimer();
  }

  get role(): RaftRole {
    return this.#role;
  }

  get term(): Term {
    return this.#term;
  }

  get leaderId(): NodeId {
    return this.#leaderId;
  }

  get commitIndex(): LogIndex {
    return this.#log.commitIndex;
  }

  get lastIndex(): LogIndex {
    return this.#log.lastIndex();
  }

  get voters(): readonly NodeId[] {
    return this.#config.voters;
  }

  /** The membership in force: that of the last membership entry in the log, committed or not. */
  get membership(): MembershipConfig {
    return this.#config;
  }

  /** The entry at `index` held in memory, for inspection by tests and tools. */
  entryAt(index: LogIndex): LogEntry | undefined {
    return this.#log.entryAt(index);
  }

  termAt(index: LogIndex): Term | undefined {
    return this.#log.termAt(index);
  }

  /** The snapshot point (entries up to it were compacted away) and the membership in force there. */
  get snapshot(): SnapshotMeta {
    const point = this.#configHistory[0];
    assert(point !== undefined && point.index === this.#log.snapshot.index, "the membership history starts at the snapshot point");
    return { ...this.#log.snapshot, config: point.config };
  }

  /**
   * The state machine took a snapshot covering every entry up to `index` (which it applied):
   * drop those entries. Followers that need them get the snapshot instead. The runtime purges
   * its storage up to `index` itself.
   */
  compact(index: LogIndex): void {
    this.#log.compact(index);
    const kept = this.#configHistory.filter((c) => c.index > index);
    this.#configHistory = [{ index, config: this.#configAt(index) }, ...kept];
  }

  /** The membership in force at `index` (at or after the snapshot point). */
  #configAt(index: LogIndex): MembershipConfig {
    let config = this.#configHistory[0]?.config;
    for (const entry of this.#configHistory) if (entry.index <= index) config = entry.config;
    assert(config !== undefined, "the history starts at the snapshot point");
    return config;
  }

  status(): RaftStatus {
    const followers = [...this.#progress.entries()].map(([id, pr]) => ({
      id,
      matchIndex: pr.matchIndex,
      nextIndex: pr.nextIndex,
      state: pr.state,
      inflightCount: pr.inflightCount(),
    }));
    return {
      id: this.id,
      role: this.#role,
      term: this.#term,
      votedFor: this.#votedFor,
      leaderId: this.#leaderId,
      commitIndex: this.#log.commitIndex,
      lastIndex: this.#log.lastIndex(),
      lastTerm: this.#log.lastTerm(),
      followers,
      config: this.#config,
    };
  }

  // ---- inputs --------------------------------------------------------------------------------

  /** One logical clock tick. */
  tick(): void {
    if (this.#role === "leader") {
      this.#tickLeader();
      return;
    }
    this.#ticksSinceLeader += 1;
    this.#electionElapsed += 1;
    if (this.#electionElapsed >= this.#randomizedElectionTicks && this.#isPromotable()) {
      this.#campaign(this.config.isPreVoteEnabled ? "preVote" : "election", false);
    }
  }

  /** Starts an election now (tests and operators); a no-op on the leader. */
  campaign(): void {
    if (this.#role === "leader" || !this.#isPromotable()) return;
    this.#campaign(this.config.isPreVoteEnabled ? "preVote" : "election", false);
  }

  /**
   * Appends a command on the leader. Returns its index (the entry is committed when it is applied
   * with the returned term), or undefined when this node cannot accept proposals now.
   */
  propose(command: Uint8Array): { readonly index: LogIndex; readonly term: Term } | undefined {
    if (!this.#canPropose()) return undefined;
    const entry: LogEntry = { index: this.#log.lastIndex() + 1, term: this.#term, payload: { kind: "command", command } };
    this.#appendAsLeader(entry);
    return { index: entry.index, term: entry.term };
  }

  /**
   * Requests a linearizable read point. Returns false when refused (not leader, too many pending);
   * otherwise `requestId` later appears in a Ready's `readStates` or `droppedReads`.
   */
  readIndex(requestId: number): boolean {
    if (this.#role !== "leader" || this.#readQueue.size() >= this.config.pendingReadsMax) return false;
    if (this.#log.termAt(this.#log.commitIndex) !== this.#term) {
      this.#readQueue.deferUntilTermCommit(requestId);
      return true;
    }
    if (this.#hasReadLease()) {
      this.#readStates.push({ requestId, index: this.#log.commitIndex });
      return true;
    }
    this.#readQueue.add(requestId, this.#log.commitIndex);
    this.#releaseReads();
    if (this.#readQueue.size() > 0) this.#needsReadBroadcast = true;
    return true;
  }

  /**
   * Proposes a membership change (leader only). Changing the voters goes through a joint
   * configuration (old and new voters must both agree) that the leader leaves on its own once it
   * commits; changing only the learners is a single step. Refused (undefined) while another change
   * is uncommitted, during a transfer, or when a voter would become a learner directly (remove it
   * first). A leader that is not among the new voters hands leadership to one once it commits.
   */
  changeMembership(change: MembershipChange): { readonly index: LogIndex; readonly term: Term } | undefined {
    if (!this.#canPropose() || this.#pendingConfigIndex > this.#log.commitIndex || isJoint(this.#config)) return undefined;
    const voters = sortedIds(change.voters);
    const learners = sortedIds(change.learners);
    if (voters.length === 0 || learners.some((id) => voters.includes(id) || isVoter(this.#config, id))) return undefined;
    const isSameVoters = voters.join(",") === this.#config.voters.join(",");
    const outgoingVoters = isSameVoters ? [] : this.#config.voters;
    return this.#proposeMembership(checkMembership({ voters, outgoingVoters, learners }));
  }

  #proposeMembership(config: MembershipConfig): { readonly index: LogIndex; readonly term: Term } {
    const entry: LogEntry = { index: this.#log.lastIndex() + 1, term: this.#term, payload: { kind: "membership", config } };
    this.#pendingConfigIndex = entry.index;
    this.#appendAsLeader(entry);
    return { index: entry.index, term: entry.term };
  }

  /** Hands leadership to `to` (TimeoutNow once its log is caught up). Returns false if refused. */
  transferLeadership(to: NodeId): boolean {
    if (this.#role !== "leader" || to === this.id || !this.#config.voters.includes(to)) return false;
    if (this.#leadTransferee === to) return true;
    this.#leadTransferee = to;
    this.#electionElapsed = 0;
    const progress = this.#progressOf(to);
    if (progress.matchIndex === this.#log.lastIndex()) this.#sendTimeoutNow(to);
    else this.#sendAppend(to, true);
    return true;
  }

  step(message: RaftMessage): void {
    assert(message.to === this.id, "a message reaches its addressee");
    assert(message.from !== this.id, "a node sends nothing to itself");
    if (message.term > this.#term) {
      if (!this.#stepHigherTerm(message)) return;
    } else if (message.term < this.#term) {
      this.#stepLowerTerm(message);
      return;
    }
    this.#stepCurrentTerm(message);
  }

  hasReady(): boolean {
    return (
      this.#receivedSnapshot !== undefined ||
      this.#messages.length > 0 ||
      this.#log.hasWrite() ||
      this.#log.hasCommittedToHand() ||
      this.#readStates.length > 0 ||
      this.#droppedReads.length > 0 ||
      (this.#role === "leader" && (this.#needsBroadcast || this.#needsReadBroadcast)) ||
      this.#isHardStateDirty()
    );
  }

  /**
   * Takes only the pending heartbeats and heartbeat answers, leaving everything else for
   * `takeReady`. They promise nothing durable (ready.ts), so a runtime may send them while an
   * earlier Ready is still being made durable: a slow sync must not depose a healthy leader.
   */
  takeLivenessMessages(): RaftMessage[] {
    const isLiveness = (m: RaftMessage): boolean => m.kind === "heartbeat" || m.kind === "heartbeatResponse";
    const liveness = this.#messages.filter(isLiveness);
    if (liveness.length === 0) return liveness;
    const rest = this.#messages.filter((m) => !isLiveness(m));
    assert(liveness.length + rest.length === this.#messages.length, "every message is taken once");
    this.#messages = rest;
    return liveness;
  }

  /** Takes everything the runtime must do now; see ready.ts for the required order. */
  takeReady(): Ready {
    this.#flushBroadcasts();
    const hardState = this.#isHardStateDirty() ? { term: this.#term, votedFor: this.#votedFor, commitIndex: this.#log.commitIndex } : undefined;
    if (hardState !== undefined) this.#persistedHardState = hardState;
    const ready: Ready = {
      snapshot: this.#receivedSnapshot,
      hardState,
      logWrite: this.#log.takeWrite(),
      messages: this.#messages,
      committedEntries: this.#log.takeCommitted(this.config.applyBatchEntriesMax),
      readStates: this.#readStates,
      droppedReads: this.#droppedReads,
    };
    this.#receivedSnapshot = undefined;
    this.#messages = [];
    this.#readStates = [];
    this.#droppedReads = [];
    return ready;
  }

  // ---- term handling -------------------------------------------------------------------------

  /** Returns whether processing continues at the (possibly new) current term. */
  #stepHigherTerm(message: RaftMessage): boolean {
    if (message.kind === "vote") {
      const isInLease = this.config.isLeaseReadEnabled
        ? this.#ticksSinceLeader < this.config.electionTicks
        : this.config.isCheckQuorumEnabled && this.#leaderId !== noNode && this.#electionElapsed < this.config.electionTicks;
      if (isInLease && !message.isLeaderTransfer) return false;
      if (message.isPreVote) {
        this.#handleVote(message);
        return false;
      }
    }
    if (message.kind === "voteResponse" && message.isPreVote && message.isGranted) return true;
    const isFromLeader = message.kind === "append" || message.kind === "heartbeat" || message.kind === "timeoutNow" || message.kind === "snapshot";
    this.#becomeFollower(message.term, isFromLeader ? message.from : noNode);
    return true;
  }

  #stepLowerTerm(message: RaftMessage): void {
    const isLeaderTraffic = message.kind === "append" || message.kind === "heartbeat" || message.kind === "snapshot";
    if (isLeaderTraffic && (this.config.isCheckQuorumEnabled || this.config.isPreVoteEnabled)) {
      // A stale leader (or a node that rejoined with a lower term) learns our term and steps down.
      this.#send(message.from, { kind: "appendResponse", isSuccess: false, matchIndex: 0, rejectedIndex: 0, hintIndex: 0, hintTerm: termZero });
    } else if (message.kind === "vote" && message.isPreVote) {
      this.#send(message.from, { kind: "voteResponse", isPreVote: true, isGranted: false });
    }
  }

  #stepCurrentTerm(message: RaftMessage): void {
    switch (message.kind) {
      case "vote":
        this.#handleVote(message);
        return;
      case "voteResponse":
        this.#handleVoteResponse(message);
        return;
      case "append":
      case "heartbeat":
      case "snapshot":
        if (this.#role === "leader") return; // same-term leader traffic is impossible; a duplicate at worst
        if (this.#role !== "follower") this.#becomeFollower(this.#term, message.from);
        this.#leaderId = message.from;
        this.#electionElapsed = 0;
        this.#ticksSinceLeader = 0;
        if (message.kind === "append") this.#handleAppend(message);
        else if (message.kind === "heartbeat") this.#handleHeartbeat(message);
        else this.#handleSnapshot(message);
        return;
      case "appendResponse":
        if (this.#role === "leader") this.#handleAppendResponse(message);
        return;
      case "heartbeatResponse":
        if (this.#role === "leader") this.#handleHeartbeatResponse(message);
        return;
      case "timeoutNow":
        if (this.#role !== "leader" && this.#isPromotable()) this.#campaign("election", true);
        return;
      default:
        assertNever(message);
    }
  }

  // ---- elections -----------------------------------------------------------------------------

  /**
   * Whether this node may campaign: it is a voter in the membership in force, or in the last
   * committed one while a newer change is uncommitted. The thesis (§4.1): a server not in its own
   * latest configuration may still be needed until that configuration commits, so it still
   * campaigns, but its own vote counts only where it is a voter. (Without this, a node whose
   * uncommitted entry removes it, holding the longest log, refused every other candidate and
   * could not become one itself.)
   */
  #isPromotable(): boolean {
    return isVoter(this.#config, this.id) || isVoter(this.#configAt(this.#log.commitIndex), this.id);
  }

  #campaign(kind: "preVote" | "election", isLeaderTransfer: boolean): void {
    const isPreVote = kind === "preVote";
    if (isPreVote) this.#becomePreCandidate();
    else this.#becomeCandidate();
    const term = isPreVote ? nextTerm(this.#term) : this.#term;
    this.#votes.set(this.id, true);
    if (jointVoteOutcome(this.#config, this.#votes) === "won") {
      this.#onVoteWon(isPreVote);
      return;
    }
    for (const voter of allVoters(this.#config)) {
      if (voter === this.id) continue;
      this.#send(voter, {
        kind: "vote",
        term,
        isPreVote,
        isLeaderTransfer,
        lastLogIndex: this.#log.lastIndex(),
        lastLogTerm: this.#log.lastTerm(),
      });
    }
  }

  #handleVote(message: VoteMessage): void {
    const canVote =
      this.#votedFor === message.from ||
      (this.#votedFor === noNode && this.#leaderId === noNode) ||
      (message.isPreVote && message.term > this.#term);
    const isGranted = canVote && this.#log.isUpToDate(message.lastLogIndex, message.lastLogTerm);
    if (isGranted && !message.isPreVote) {
      assert(this.#votedFor === noNode || this.#votedFor === message.from, "one vote per term");
      this.#votedFor = message.from;
      this.#electionElapsed = 0;
    }
    // A granted pre-vote answers in the proposed term so the pre-candidate does not discard it.
    const term = isGranted ? message.term : this.#term;
    this.#send(message.from, { kind: "voteResponse", term, isPreVote: message.isPreVote, isGranted });
  }

  #handleVoteResponse(message: VoteResponseMessage): void {
    const isExpected = message.isPreVote ? this.#role === "preCandidate" : this.#role === "candidate";
    if (!isExpected) return;
    this.#votes.set(message.from, message.isGranted);
    const outcome = jointVoteOutcome(this.#config, this.#votes);
    if (outcome === "won") this.#onVoteWon(message.isPreVote);
    else if (outcome === "lost") this.#becomeFollower(this.#term, noNode);
  }

  #onVoteWon(isPreVote: boolean): void {
    if (isPreVote) this.#campaign("election", false);
    else this.#becomeLeader();
  }

  #becomeFollower(term: Term, leaderId: NodeId): void {
    assert(term >= this.#term, "the term never decreases");
    if (this.#role === "leader") this.#endLeadership();
    if (term > this.#term) {
      this.#term = term;
      this.#votedFor = noNode;
    }
    this.#role = "follower";
    this.#leaderId = leaderId;
    this.#resetElectionTimer();
  }

  #becomePreCandidate(): void {
    assert(this.#role !== "leader", "a leader does not campaign");
    this.#role = "preCandidate";
    this.#leaderId = noNode;
    this.#votes = new Map();
    this.#resetElectionTimer();
  }

  #becomeCandidate(): void {
    assert(this.#role !== "leader", "a leader does not campaign");
    this.#term = nextTerm(this.#term);
    this.#votedFor = this.id;
    this.#role = "candidate";
    this.#leaderId = noNode;
    this.#votes = new Map();
    this.#resetElectionTimer();
  }

  #becomeLeader(): void {
    assert(this.#role === "candidate", "only a candidate becomes leader");
    assert(this.#votedFor === this.id, "a leader voted for itself");
    this.#role = "leader";
    this.#leaderId = this.id;
    this.#leaderTicks = 0;
    this.#heartbeatElapsed = 0;
    this.#electionElapsed = 0;
    this.#leadTransferee = noNode;
    this.#roundTicks = [];
    this.#isLeaseForfeited = false;
    this.#progress = new Map();
    this.#syncProgress();
    // Entries of earlier terms may hold an uncommitted membership change: no new change (and no
    // leaving a joint configuration) until everything up to the blank entry has committed.
    this.#pendingConfigIndex = this.#log.lastIndex() + 1;
    this.#appendAsLeader({ index: this.#log.lastIndex() + 1, term: this.#term, payload: { kind: "blank" } });
  }

  #endLeadership(): void {
    this.#progress = new Map();
    this.#leadTransferee = noNode;
    this.#needsBroadcast = false;
    this.#needsReadBroadcast = false;
    this.#droppedReads.push(...this.#readQueue.drain());
  }

  #resetElectionTimer(): void {
    this.#electionElapsed = 0;
    this.#heartbeatElapsed = 0;
    const base = this.config.electionTicks;
    this.#randomizedElectionTicks = this.#random.int(base, 2 * base - 1);
    assert(this.#randomizedElectionTicks >= base && this.#randomizedElectionTicks < 2 * base, "timeout in range");
  }

  #tickLeader(): void {
    this.#leaderTicks += 1;
    this.#heartbeatElapsed += 1;
    this.#electionElapsed += 1;
    if (this.#electionElapsed >= this.config.electionTicks) {
      this.#electionElapsed = 0;
      this.#leadTransferee = noNode;
      if (this.config.isCheckQuorumEnabled && !this.#checkQuorumActive()) {
        this.#becomeFollower(this.#term, noNode);
        return;
      }
      if (this.#isMembershipCommitted()) this.#handOverIfRemoved();
    }
    if (this.#heartbeatElapsed >= this.config.heartbeatTicks) {
      this.#heartbeatElapsed = 0;
      this.#broadcastHeartbeat();
    }
  }

  /** Whether a quorum was heard from since the last call; resets the activity flags. */
  #checkQuorumActive(): boolean {
    const active = new Map<NodeId, boolean>([[this.id, true]]);
    for (const [id, progress] of this.#progress) {
      active.set(id, progress.isRecentActive);
      progress.isRecentActive = false;
    }
    return jointVoteOutcome(this.#config, new Map([...active].filter(([, isActive]) => isActive))) === "won";
  }

  // ---- replication ---------------------------------------------------------------------------

  #canPropose(): boolean {
    if (this.#role !== "leader" || this.#leadTransferee !== noNode) return false;
    return this.#log.lastIndex() - this.#log.commitIndex < this.config.uncommittedEntriesMax;
  }

  #appendAsLeader(entry: LogEntry): void {
    assert(this.#role === "leader", "only the leader appends on its own");
    this.#log.append(entry);
    if (entry.payload.kind === "membership") this.#recordMembership(entry.index);
    this.#needsBroadcast = true;
    this.#maybeCommit();
  }

  #flushBroadcasts(): void {
    if (this.#role !== "leader") {
      // Leadership ended after a broadcast was asked for (a commit removed this leader, say).
      this.#needsBroadcast = false;
      this.#needsReadBroadcast = false;
      return;
    }
    if (this.#needsBroadcast) {
      this.#needsBroadcast = false;
      for (const id of this.#progress.keys()) this.#sendAppends(id);
    }
    if (this.#needsReadBroadcast) {
      this.#needsReadBroadcast = false;
      this.#broadcastHeartbeat();
    }
  }

  /** Pipelines appends to `to` while the window has room and entries remain. */
  #sendAppends(to: NodeId): void {
    while (this.#sendAppend(to, false)) {
      // Each call sends one message; the loop stops when paused or caught up.
    }
  }

  /** Sends one append; returns whether one was sent and another may follow. */
  #sendAppend(to: NodeId, isEmptyAllowed: boolean): boolean {
    // A commit may meanwhile have removed this leader, or the follower, from the membership.
    const progress = this.#role === "leader" ? this.#progress.get(to) : undefined;
    if (progress === undefined) return false;
    if (progress.isPaused()) return false;
    const prevIndex = progress.nextIndex - 1;
    const prevTerm = this.#log.termAt(prevIndex);
    if (prevTerm === undefined) {
      this.#sendSnapshot(to, progress);
      return false;
    }
    const entries = this.#log.slice(progress.nextIndex, this.config.entriesPerMessageMax);
    if (entries.length === 0 && !isEmptyAllowed) return false;
    this.#send(to, { kind: "append", prevIndex, prevTerm, entries, commitIndex: this.#log.commitIndex });
    progress.sent(prevIndex + entries.length, entries.length > 0, this.#leaderTicks);
    return entries.length > 0 && progress.state === "replicate";
  }

  #handleAppend(message: AppendMessage): void {
    const base = { kind: "appendResponse", isSuccess: true, rejectedIndex: 0, hintIndex: 0, hintTerm: termZero } as const;
    if (message.prevIndex < this.#log.commitIndex) {
      // Everything up to our commit index matches any current leader already.
      this.#send(message.from, { ...base, matchIndex: this.#log.commitIndex });
      return;
    }
    const lastNewIndex = this.#log.appendFromLeader(message.prevIndex, message.prevTerm, message.entries);
    // What followed prevIndex may have been replaced: membership entries with it. (Nothing to
    // re-read when the append brings none and none was held past prevIndex: the common case.)
    const isMembershipTouched = message.entries.some((e) => e.payload.kind === "membership") || (this.#configHistory.at(-1)?.index ?? 0) > message.prevIndex;
    if (lastNewIndex !== undefined && message.entries.length > 0 && isMembershipTouched) this.#recordMembership(message.prevIndex + 1);
    if (lastNewIndex !== undefined) {
      this.#commitTo(Math.min(message.commitIndex, lastNewIndex));
      this.#send(message.from, { ...base, matchIndex: lastNewIndex });
      return;
    }
    const hintIndex = this.#log.findConflictByTerm(Math.min(message.prevIndex, this.#log.lastIndex()), message.prevTerm);
    const hintTerm = this.#log.termAt(hintIndex);
    assert(hintTerm !== undefined, "the hint index is inside the log");
    this.#send(message.from, { ...base, isSuccess: false, matchIndex: 0, rejectedIndex: message.prevIndex, hintIndex, hintTerm });
  }

  /** The follower needs entries compacted away: send the snapshot (the runtime attaches its data). */
  #sendSnapshot(to: NodeId, progress: Progress): void {
    const snapshot = this.snapshot;
    assert(progress.nextIndex <= snapshot.index, "only a follower behind the snapshot point needs it");
    this.#send(to, { kind: "snapshot", snapshot, data: undefined });
    progress.becomeSnapshot(snapshot.index, this.#leaderTicks);
  }

  #handleSnapshot(message: SnapshotMessage): void {
    const base = { kind: "appendResponse", isSuccess: true, rejectedIndex: 0, hintIndex: 0, hintTerm: termZero } as const;
    const meta = message.snapshot;
    if (meta.index <= this.#log.commitIndex) {
      this.#send(message.from, { ...base, matchIndex: this.#log.commitIndex });
      return;
    }
    assert(message.data !== undefined, "a snapshot message carries its data when delivered");
    if (this.#log.termAt(meta.index) === meta.term) {
      // We hold the snapshot's last entry, hence (log matching) everything before it: just commit.
      this.#commitTo(meta.index);
    } else {
      this.#log.restore(meta);
      this.#configHistory = [{ index: meta.index, config: meta.config ?? this.#config }];
      this.#recordMembership(meta.index + 1);
      this.#receivedSnapshot = { meta, data: message.data };
    }
    this.#send(message.from, { ...base, matchIndex: meta.index });
  }

  #handleAppendResponse(message: AppendResponseMessage): void {
    const progress = this.#progress.get(message.from);
    if (progress === undefined) return; // not (or no longer) a member
    progress.isRecentActive = true;
    if (!message.isSuccess) {
      this.#handleAppendRejection(progress, message);
      return;
    }
    if (progress.acknowledge(message.matchIndex, this.#leaderTicks)) {
      if (this.#maybeCommit()) this.#needsBroadcast = true;
      this.#sendAppends(message.from);
    } else if (progress.state === "probe") {
      // An answer that taught nothing new still ends the probe round.
      progress.isProbeSent = false;
      this.#sendAppend(message.from, false);
    }
    if (message.from === this.#leadTransferee && progress.matchIndex === this.#log.lastIndex()) {
      this.#sendTimeoutNow(message.from);
    }
  }

  #handleAppendRejection(progress: Progress, message: AppendResponseMessage): void {
    if (progress.state === "snapshot") return;
    const isStale =
      progress.state === "replicate" ? message.rejectedIndex <= progress.matchIndex : message.rejectedIndex !== progress.nextIndex - 1;
    if (isStale) return;
    const hint = this.#log.findConflictByTerm(message.hintIndex, message.hintTerm);
    const nextIndex = Math.max(Math.min(message.rejectedIndex, hint + 1), progress.matchIndex + 1);
    progress.becomeProbe(nextIndex);
    this.#sendAppend(message.from, true);
  }

  /** Advances the commit index to what a quorum holds, if that entry is of the current term (figure 8). */
  #maybeCommit(): boolean {
    const index = jointQuorumIndex(this.#config, (id) => this.#matchOf(id));
    if (index <= this.#log.commitIndex || this.#log.termAt(index) !== this.#term) return false;
    this.#commitTo(index);
    this.#onCommitAdvanced();
    return true;
  }

  #matchOf(id: NodeId): LogIndex {
    if (id === this.id) return this.#log.lastIndex();
    return this.#progress.get(id)?.matchIndex ?? 0;
  }

  /**
   * Advances the commit index. A leader reacts when a membership entry commits, or its first
   * entry (`#pendingConfigIndex` after an election): it may have inherited a joint configuration.
   */
  #commitTo(index: LogIndex): void {
    const previous = this.#log.commitIndex;
    if (!this.#log.commitTo(index)) return;
    if (this.#role !== "leader") return;
    const isInRange = (at: LogIndex): boolean => at > previous && at <= index;
    if (isInRange(this.#pendingConfigIndex) || this.#configHistory.some((c) => isInRange(c.index))) this.#onLeaderMembershipCommitted();
  }

  /**
   * Re-reads the membership entries of the log from `fromIndex` on (appended, or replaced after
   * a truncation) into the history, and puts the last one in force.
   */
  #recordMembership(fromIndex: LogIndex): void {
    assert(fromIndex > this.#log.snapshot.index, "the snapshot point's membership stays");
    this.#configHistory = this.#configHistory.filter((c) => c.index < fromIndex);
    for (let index = fromIndex; index <= this.#log.lastIndex(); index++) {
      const entry = this.#log.entryAt(index);
      assert(entry !== undefined, "entries after the snapshot point are in memory");
      if (entry.payload.kind === "membership") this.#configHistory.push({ index, config: checkMembership(entry.payload.config) });
    }
    const latest = this.#configHistory.at(-1);
    assert(latest !== undefined, "the history starts at the snapshot point");
    if (latest.config === this.#config) return;
    this.#config = latest.config;
    if (this.#role !== "leader") return;
    // A leader never truncates: this is its own new entry, in force at once. New members are sent
    // the log from that entry on (and probed back from there).
    this.#syncProgress(latest.index);
    if (this.#leadTransferee !== noNode && !this.#config.voters.includes(this.#leadTransferee)) this.#leadTransferee = noNode;
  }

  /** Whether the membership in force is committed (its entry is at or below the commit index). */
  #isMembershipCommitted(): boolean {
    return (this.#configHistory.at(-1)?.index ?? 0) <= this.#log.commitIndex;
  }

  /** A membership entry committed: the leader leaves a joint configuration, or hands over if removed. */
  #onLeaderMembershipCommitted(): void {
    if (!this.#isMembershipCommitted() || this.#pendingConfigIndex > this.#log.commitIndex) return; // a change is still on its way
    if (isJoint(this.#config)) {
      this.#proposeMembership({ voters: this.#config.voters, outgoingVoters: [], learners: this.#config.learners });
      return;
    }
    this.#handOverIfRemoved();
  }

  /**
   * A leader removed from the voters keeps leading (without counting itself) until it hands over:
   * stepping down at once could strand the new voters, which may not know yet that the change
   * committed and so still need old voters' votes, refused to a log behind theirs. It transfers
   * leadership to the most caught-up new voter instead (retried every election timeout).
   */
  #handOverIfRemoved(): void {
    if (this.#role !== "leader" || isVoter(this.#config, this.id) || this.#leadTransferee !== noNode) return;
    const target = [...this.#config.voters].sort((a, b) => this.#matchOf(b) - this.#matchOf(a) || a - b)[0];
    if (target !== undefined) this.transferLeadership(target);
  }

  /** One `Progress` per member other than this node: new members probed from `nextIndex` (default: the end of the log). */
  #syncProgress(nextIndex = this.#log.lastIndex() + 1): void {
    const members = allMembers(this.#config).filter((id) => id !== this.id);
    // Deleting the current key while iterating a Map is well defined.
    for (const id of this.#progress.keys()) if (!members.includes(id)) this.#progress.delete(id);
    for (const id of members) {
      if (!this.#progress.has(id)) this.#progress.set(id, new Progress(nextIndex, this.config.inflightMessagesMax));
    }
    this.#needsBroadcast = true;
  }

  #releaseReads(): void {
    if (this.#role !== "leader") return;
    const confirmed = jointQuorumIndex(this.#config, (id) => this.#readQueue.ackedSeq(id, this.id));
    if (this.config.isLeaseReadEnabled) this.#pruneRoundTicks(confirmed);
    this.#readStates.push(...this.#readQueue.release(confirmed));
  }

  #onCommitAdvanced(): void {
    const deferred = this.#readQueue.takeDeferred();
    if (deferred.length === 0) return;
    for (const requestId of deferred) this.#readQueue.add(requestId, this.#log.commitIndex);
    this.#releaseReads();
    if (this.#readQueue.size() > 0) this.#needsReadBroadcast = true;
  }

  #broadcastHeartbeat(): void {
    if (this.config.isLeaseReadEnabled) {
      // Every heartbeat is its own round, so an answer tells which send time it confirms.
      const seq = this.#readQueue.newRound();
      this.#roundTicks.push({ seq, tick: this.#leaderTicks });
    }
    for (const [id, progress] of this.#progress) {
      const commitIndex = Math.min(progress.matchIndex, this.#log.commitIndex);
      this.#send(id, { kind: "heartbeat", commitIndex, readSeq: this.#readQueue.seq });
    }
  }

  #handleHeartbeat(message: HeartbeatMessage): void {
    this.#commitTo(Math.min(message.commitIndex, this.#log.lastIndex()));
    this.#send(message.from, { kind: "heartbeatResponse", readSeq: message.readSeq });
  }

  #handleHeartbeatResponse(message: HeartbeatResponseMessage): void {
    const progress = this.#progress.get(message.from);
    if (progress === undefined) return; // not (or no longer) a member
    progress.isRecentActive = true;
    progress.heartbeatAnswered();
    const ticksSinceProgress = this.#leaderTicks - progress.lastProgressTick;
    if (progress.state === "snapshot" && ticksSinceProgress >= this.config.electionTicks) {
      // The snapshot (or its answer) was lost: start over from probing.
      progress.becomeProbe(progress.matchIndex + 1);
    }
    const isStalled = ticksSinceProgress >= this.config.heartbeatTicks;
    if (progress.state === "replicate" && isStalled && progress.matchIndex < this.#log.lastIndex()) {
      // Entries outstanding for a whole heartbeat interval while the follower answers heartbeats:
      // the appends were lost. Fall back to probing from the match.
      progress.becomeProbe(progress.matchIndex + 1);
      progress.lastProgressTick = this.#leaderTicks;
    }
    if (progress.matchIndex < this.#log.lastIndex()) this.#sendAppend(message.from, false);
    if (message.readSeq > 0) {
      this.#readQueue.acknowledge(message.from, message.readSeq);
      this.#releaseReads();
    }
  }

  // ---- lease reads ---------------------------------------------------------------------------

  /**
   * Whether this leader's lease holds now: a quorum (itself included) answered a heartbeat round
   * sent at tick `t`, each of them refuses votes until `electionTicks` after receiving it, so no
   * other leader can exist before `t + electionTicks` — less the drift margin, in this node's
   * ticks. Void after a TimeoutNow (its target campaigns through the followers' lease).
   */
  #hasReadLease(): boolean {
    if (!this.config.isLeaseReadEnabled || this.#role !== "leader" || this.#isLeaseForfeited) return false;
    const confirmed = jointQuorumIndex(this.#config, (id) => this.#readQueue.ackedSeq(id, this.id));
    this.#pruneRoundTicks(confirmed);
    // The newest heartbeat round at or before the confirmed one (a read's own round is not sent).
    const newest = this.#roundTicks[0];
    if (newest === undefined || newest.seq > confirmed) return false;
    return this.#leaderTicks < newest.tick + this.config.electionTicks - this.config.leaseDriftTicks;
  }

  /** Drops the send times of rounds older than the newest one at or before `confirmed`. */
  #pruneRoundTicks(confirmed: number): void {
    let drop = 0;
    while (drop + 1 < this.#roundTicks.length && (this.#roundTicks[drop + 1]?.seq ?? Infinity) <= confirmed) drop += 1;
    if (drop > 0) this.#roundTicks.splice(0, drop);
  }

  #sendTimeoutNow(to: NodeId): void {
    this.#isLeaseForfeited = true;
    this.#send(to, { kind: "timeoutNow" });
  }

  // ---- helpers -------------------------------------------------------------------------------

  #progressOf(id: NodeId): Progress {
    const progress = this.#progress.get(id);
    assert(progress !== undefined, "the leader tracks every other voter");
    return progress;
  }

  #isHardStateDirty(): boolean {
    const persisted = this.#persistedHardState;
    return persisted.term !== this.#term || persisted.votedFor !== this.#votedFor || persisted.commitIndex !== this.#log.commitIndex;
  }

  #send(to: NodeId, body: MessageBody): void {
    assert(to !== this.id, "a node sends nothing to itself");
    assert(to !== noNode, "messages have an addressee");
    this.#messages.push(messageOf(body, { from: this.id, to, term: body.term ?? this.#term }));
  }
}
