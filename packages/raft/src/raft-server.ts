/**
 * `RaftServer`: the runtime around a `RaftNode`. It owns the clock (a tick every `tickMs`), the
 * log storage, the network endpoint and the state machine, and turns the core's `Ready` batches
 * into I/O in the order ready.ts requires: persist (hard state, truncation, append), then send,
 * then apply (heartbeats and their answers, which promise nothing durable, leave before the sync). One `Ready` is processed at a time; inputs arriving meanwhile (messages, ticks,
 * proposals) accumulate in the core and form the next batch: that is where batching comes from.
 *
 * Client API: `clientWrite(command)` resolves with the state machine's result once the entry is
 * committed and applied here; `ensureLinearizable()` resolves once a read of the local state
 * machine is linearizable (ReadIndex); both reject with `NotLeaderError` on a follower or when
 * leadership is lost before they complete (the command may still commit: the caller decides).
 *
 * Snapshots: when the state machine implements `buildSnapshot`/`installSnapshot`, the runtime
 * snapshots it every `snapshotIntervalEntries` applied entries (and once at start), compacts the
 * core's log and purges the storage to that point, attaches the latest snapshot to snapshot
 * messages, and installs snapshots received from the leader (written, when the state machine
 * has `receiveSnapshot`, through its writer: the network is told so at construction). Without
 * them the log is never compacted (and a storage with a purged prefix is refused at start).
 *
 * Not yet: membership changes. Storage failures stop the server (`RaftStorageError`).
 */
import { assert } from "@omnikv/base";
import { NotLeaderError, RaftStoppedError, RaftStorageError } from "./errors.ts";
import type { LogEntry, SnapshotMeta } from "./log-entry.ts";
import type { RaftLogStorage } from "./log-storage.ts";
import type { MembershipConfig } from "./membership.ts";
import type { RaftMessage } from "./message.ts";
import type { RaftNetwork } from "./network.ts";
import type { RaftConfig } from "./raft-config.ts";
import { RaftNode, type MembershipChange, type RaftRole } from "./raft-node.ts";
import type { Ready } from "./ready.ts";
import { snapshotDataFromBytes, type SnapshotData } from "./snapshot-data.ts";
import type { RaftStateMachine } from "./state-machine.ts";
import { mathRandomSource, type LogIndex, type NodeId, type RandomSource, type Term } from "./types.ts";

export interface RaftServerOptions<R> {
  readonly id: NodeId;
  readonly voters: readonly NodeId[];
  readonly storage: RaftLogStorage;
  readonly stateMachine: RaftStateMachine<R>;
  readonly network: RaftNetwork;
  readonly config?: Partial<RaftConfig>;
  /** Milliseconds per core tick (default 20): with electionTicks 10, elections start after 200–400 ms. */
  readonly tickMs?: number;
  readonly random?: RandomSource;
  /** Applied entries between two snapshots, when the state machine supports snapshots (default 10,000). */
  readonly snapshotIntervalEntries?: number;
}

export interface RaftMetrics {
  readonly id: NodeId;
  readonly role: RaftRole;
  readonly term: Term;
  readonly leaderId: NodeId;
  readonly commitIndex: LogIndex;
  readonly appliedIndex: LogIndex;
  readonly lastIndex: LogIndex;
  /** Leader only: entries each follower is behind the leader's last index. */
  readonly replicationLag: readonly { readonly id: NodeId; readonly matchIndex: LogIndex; readonly lagEntries: number }[];
  readonly membership: MembershipConfig;
}

interface Waiter<T> {
  readonly resolve: (value: T) => void;
  readonly reject: (error: Error) => void;
}

export class RaftServer<R> {
  readonly #node: RaftNode;
  readonly #storage: RaftLogStorage;
  readonly #stateMachine: RaftStateMachine<R>;
  readonly #network: RaftNetwork;
  readonly #timer: ReturnType<typeof setInterval>;
  readonly #writes = new Map<LogIndex, Waiter<R | undefined> & { readonly term: Term }>();
  readonly #reads = new Map<number, Waiter<LogIndex>>();
  #readsAwaitingApply: { readonly requestId: number; readonly index: LogIndex }[] = [];
  #appliedIndex: LogIndex;
  #readSeq = 0;
  readonly #snapshotIntervalEntries: number;
  /** The snapshot the core's log was last compacted to, with its data (sent to lagging followers). */
  #snapshot: { readonly meta: SnapshotMeta; readonly data: SnapshotData } | undefined;
  #isRunning = false;
  #failure: Error | undefined;

  private constructor(options: RaftServerOptions<R>, node: RaftNode) {
    this.#node = node;
    this.#storage = options.storage;
    this.#stateMachine = options.stateMachine;
    this.#network = options.network;
    this.#appliedIndex = options.stateMachine.appliedIndex();
    this.#snapshotIntervalEntries = options.snapshotIntervalEntries ?? 10_000;
    assert(Number.isSafeInteger(this.#snapshotIntervalEntries) && this.#snapshotIntervalEntries > 0, "the snapshot interval is positive");
    const tickMs = options.tickMs ?? 20;
    assert(Number.isSafeInteger(tickMs) && tickMs > 0, "tickMs is a positive integer");
    this.#timer = setInterval(() => this.#tick(), tickMs);
    this.#timer.unref();
    const receiveSnapshot = options.stateMachine.receiveSnapshot?.bind(options.stateMachine);
    if (receiveSnapshot !== undefined) this.#network.setSnapshotReceiver?.(receiveSnapshot);
    this.#network.onMessage((message) => {
      if (this.#failure !== undefined) return;
      this.#node.step(message);
      this.#sendLivenessEarly();
      this.#kick();
    });
  }

  /** Reads durable state back from storage and starts ticking. */
  static async start<R>(options: RaftServerOptions<R>): Promise<RaftServer<R>> {
    const hardState = await options.storage.readHardState();
    const state = await options.storage.logState();
    const machine = options.stateMachine;
    const canSnapshot = machine.buildSnapshot !== undefined && machine.installSnapshot !== undefined;
    if (state.purgedIndex !== 0 && !canSnapshot) throw new RaftStorageError("a log with a purged prefix needs a state machine with snapshots");
    if (machine.appliedIndex() < state.purgedIndex || machine.appliedIndex() > state.lastIndex) {
      throw new RaftStorageError(`the state machine applied ${machine.appliedIndex()}, outside the log's [${state.purgedIndex}, ${state.lastIndex}]`);
    }
    const entries = await options.storage.readRange(state.purgedIndex + 1, state.lastIndex + 1);
    assert(entries.length === state.lastIndex - state.purgedIndex, "storage returns every entry it holds");
    const node = new RaftNode({
      id: options.id,
      voters: options.voters,
      random: options.random ?? mathRandomSource,
      hardState,
      snapshot: { index: state.purgedIndex, term: state.purgedTerm, config: state.purgedConfig },
      entries,
      appliedIndex: machine.appliedIndex(),
      ...(options.config === undefined ? {} : { config: options.config }),
    });
    const server = new RaftServer(options, node);
    // Snapshot messages need the data at the compaction point: take one now, at the applied index.
    // Messages may already arrive and be stepped, but no Ready is processed (so nothing is applied)
    // until the snapshot is built: the runner stays marked busy meanwhile, then is kicked.
    if (canSnapshot) {
      server.#isRunning = true;
      try {
        await server.#takeSnapshot();
      } finally {
        server.#isRunning = false;
      }
      server.#kick();
    }
    return server;
  }

  get id(): NodeId {
    return this.#node.id;
  }

  /** Proposes `command`; resolves with its result once committed and applied on this node. */
  clientWrite(command: Uint8Array): Promise<R | undefined> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    const proposal = this.#node.propose(command);
    if (proposal === undefined) return Promise.reject(this.#notLeader());
    this.#kick();
    return new Promise((resolve, reject) => {
      this.#writes.set(proposal.index, { term: proposal.term, resolve, reject });
    });
  }

  /** Resolves (with the read index) once reading the local state machine is linearizable. */
  ensureLinearizable(): Promise<LogIndex> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    this.#readSeq += 1;
    const requestId = this.#readSeq;
    if (!this.#node.readIndex(requestId)) return Promise.reject(this.#notLeader());
    this.#kick();
    return new Promise((resolve, reject) => {
      this.#reads.set(requestId, { resolve, reject });
    });
  }

  /**
   * Changes the membership (see `RaftNode.changeMembership`); resolves once the change's first
   * entry is applied here (for a change of voters: the joint configuration, which the leader
   * then leaves on its own). Rejects with `NotLeaderError` when refused or leadership is lost.
   */
  changeMembership(change: MembershipChange): Promise<void> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    const proposal = this.#node.changeMembership(change);
    if (proposal === undefined) return Promise.reject(this.#notLeader());
    this.#kick();
    return new Promise((resolve, reject) => {
      this.#writes.set(proposal.index, { term: proposal.term, resolve: () => resolve(), reject });
    });
  }

  /** Hands leadership to `to`; returns false when this node cannot (not leader, unknown target). */
  transferLeadership(to: NodeId): boolean {
    const isAccepted = this.#node.transferLeadership(to);
    this.#kick();
    return isAccepted;
  }

  /** Starts an election at once instead of waiting for the timeout. */
  campaign(): void {
    this.#node.campaign();
    this.#kick();
  }

  metrics(): RaftMetrics {
    const status = this.#node.status();
    return {
      id: status.id,
      role: status.role,
      term: status.term,
      leaderId: status.leaderId,
      commitIndex: status.commitIndex,
      appliedIndex: this.#appliedIndex,
      lastIndex: status.lastIndex,
      replicationLag: status.followers.map((f) => ({ id: f.id, matchIndex: f.matchIndex, lagEntries: status.lastIndex - f.matchIndex })),
      membership: status.config,
    };
  }

  /** Stops ticking and receiving; pending requests reject with `RaftStoppedError`. */
  async stop(): Promise<void> {
    this.#fail(new RaftStoppedError("raft server stopped"));
    this.#network.close();
    while (this.#isRunning) await new Promise((resolve) => setImmediate(resolve));
    await this.#storage.close();
  }

  #tick(): void {
    if (this.#failure !== undefined) return;
    this.#node.tick();
    this.#rejectWritesIfDeposed();
    this.#sendLivenessEarly();
    this.#kick();
  }

  /**
   * A node that is no longer the leader rejects its pending writes beyond its known commit index
   * at once (NotLeaderError: the outcome is unknown, since the new leader may still commit them).
   * Without this, a deposed leader cut off from the new one held its clients until it heard of
   * the entries that replaced theirs, possibly never. Writes at or below the commit index are
   * settled by their entry's term when applied (committed entries are final).
   */
  #rejectWritesIfDeposed(): void {
    if (this.#writes.size === 0 || this.#node.role === "leader") return;
    const commitIndex = this.#node.commitIndex;
    for (const [index, waiter] of this.#writes) {
      if (index <= commitIndex) continue;
      this.#writes.delete(index);
      waiter.reject(new NotLeaderError("this node stopped being the leader; the command's outcome is unknown", this.#node.leaderId));
    }
  }

  /**
   * While a Ready is being made durable, heartbeats and their answers produced meanwhile leave at
   * once instead of waiting for the sync (they promise nothing durable; see `splitByPromise`).
   */
  #sendLivenessEarly(): void {
    if (!this.#isRunning) return;
    const liveness = this.#node.takeLivenessMessages();
    if (liveness.length > 0) this.#network.send(liveness);
  }

  #kick(): void {
    if (this.#isRunning || this.#failure !== undefined || !this.#node.hasReady()) return;
    this.#isRunning = true;
    setImmediate(() => void this.#run());
  }

  async #run(): Promise<void> {
    try {
      while (this.#failure === undefined && this.#node.hasReady()) {
        const ready = this.#node.takeReady();
        const { liveness, durable } = splitByPromise(ready.messages);
        if (liveness.length > 0) this.#network.send(liveness);
        if (ready.snapshot !== undefined) await this.#installSnapshot(ready.snapshot.meta, ready.snapshot.data);
        await this.#persist(ready);
        if (durable.length > 0) this.#network.send(durable.map((m) => this.#withSnapshotData(m)));
        await this.#apply(ready.committedEntries);
        this.#rejectWritesIfDeposed();
        this.#handleReads(ready);
        if (this.#appliedIndex - (this.#snapshot?.meta.index ?? 0) >= this.#snapshotIntervalEntries) await this.#takeSnapshot();
      }
    } catch (error) {
      this.#fail(new RaftStorageError("raft log storage failed", { cause: error }));
    } finally {
      this.#isRunning = false;
    }
  }

  /** Issues the Ready's mutations together (one sync can cover them all), then waits for all. */
  async #persist(ready: Ready): Promise<void> {
    const writes: Promise<void>[] = [];
    if (ready.hardState !== undefined) writes.push(this.#storage.saveHardState(ready.hardState));
    const write = ready.logWrite;
    if (write !== undefined) {
      writes.push(this.#storage.truncateAfter(write.fromIndex - 1), this.#storage.append(write.entries));
    }
    await Promise.all(writes);
  }

  async #apply(entries: readonly LogEntry[]): Promise<void> {
    if (entries.length === 0) return;
    assert(entries[0]?.index === this.#appliedIndex + 1, "entries are applied in order without gaps");
    const results = await this.#stateMachine.apply(entries);
    assert(results.length === entries.length, "the state machine returns one result per entry");
    entries.forEach((entry, i) => {
      const waiter = this.#writes.get(entry.index);
      if (waiter === undefined) return;
      this.#writes.delete(entry.index);
      if (waiter.term === entry.term) waiter.resolve(results[i]);
      else waiter.reject(new NotLeaderError("leadership changed before the command committed", this.#node.leaderId));
    });
    this.#appliedIndex = entries.at(-1)?.index ?? this.#appliedIndex;
  }

  #handleReads(ready: Ready): void {
    for (const requestId of ready.droppedReads) {
      this.#reads.get(requestId)?.reject(new NotLeaderError("leadership changed before the read was confirmed", this.#node.leaderId));
      this.#reads.delete(requestId);
    }
    this.#readsAwaitingApply.push(...ready.readStates);
    const waiting: { readonly requestId: number; readonly index: LogIndex }[] = [];
    for (const read of this.#readsAwaitingApply) {
      if (read.index > this.#appliedIndex) {
        waiting.push(read);
        continue;
      }
      this.#reads.get(read.requestId)?.resolve(read.index);
      this.#reads.delete(read.requestId);
    }
    this.#readsAwaitingApply = waiting;
  }

  /** Snapshots the state machine at its applied index, then compacts the core and purges storage. */
  async #takeSnapshot(): Promise<void> {
    const buildSnapshot = this.#stateMachine.buildSnapshot?.bind(this.#stateMachine);
    if (buildSnapshot === undefined) return;
    const index = this.#appliedIndex;
    const term = this.#node.termAt(index);
    assert(term !== undefined, "the applied index is in the log or at its snapshot point");
    const built = await buildSnapshot();
    assert(this.#appliedIndex === index, "nothing is applied while a snapshot is built");
    this.#snapshot = { meta: { index, term }, data: built instanceof Uint8Array ? snapshotDataFromBytes(built) : built };
    this.#node.compact(index);
    await this.#storage.purgeUpTo(index, this.#node.snapshot.config);
  }

  async #installSnapshot(meta: SnapshotMeta, data: SnapshotData): Promise<void> {
    const installSnapshot = this.#stateMachine.installSnapshot?.bind(this.#stateMachine);
    if (installSnapshot === undefined) throw new RaftStorageError("received a snapshot, but the state machine cannot install one");
    await installSnapshot(meta, data);
    await this.#storage.resetToSnapshot(meta);
    this.#snapshot = { meta, data };
    this.#appliedIndex = meta.index;
    for (const [index, waiter] of this.#writes) {
      if (index > meta.index) continue;
      this.#writes.delete(index);
      waiter.reject(new NotLeaderError("leadership changed; the command's outcome is unknown", this.#node.leaderId));
    }
  }

  #withSnapshotData(message: RaftMessage): RaftMessage {
    if (message.kind !== "snapshot") return message;
    const snapshot = this.#snapshot;
    assert(snapshot !== undefined && snapshot.meta.index === message.snapshot.index, "the snapshot sent is the one compacted to");
    return { ...message, data: snapshot.data };
  }

  #notLeader(): NotLeaderError {
    return new NotLeaderError("this node is not the leader", this.#node.leaderId);
  }

  #fail(error: Error): void {
    if (this.#failure !== undefined) return;
    this.#failure = error;
    clearInterval(this.#timer);
    for (const waiter of this.#writes.values()) waiter.reject(error);
    for (const waiter of this.#reads.values()) waiter.reject(error);
    this.#writes.clear();
    this.#reads.clear();
  }
}

/**
 * Splits a Ready's messages by what they promise. Heartbeats and their answers promise nothing
 * durable (no vote, no log acknowledgement; a leader's term was made durable before it could
 * win), so they leave before the sync: a disk stalling for longer than an election timeout must
 * not starve followers of heartbeats or the leader of check-quorum answers and depose a healthy
 * leader. Everything else waits for the sync (ready.ts).
 */
function splitByPromise(messages: readonly RaftMessage[]): { readonly liveness: RaftMessage[]; readonly durable: RaftMessage[] } {
  const liveness: RaftMessage[] = [];
  const durable: RaftMessage[] = [];
  for (const message of messages) {
    if (message.kind === "heartbeat" || message.kind === "heartbeatResponse") liveness.push(message);
    else durable.push(message);
  }
  assert(liveness.length + durable.length === messages.length, "every message is sent once");
  return { liveness, durable };
}
