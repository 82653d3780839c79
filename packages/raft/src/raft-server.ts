/**
 * `RaftServer`: the runtime around a `RaftNode`. It owns the clock (a tick every `tickMs`), the
 * log storage, the network endpoint and the state machine, and turns the core's `Ready` batches
 * into I/O in the order ready.ts requires: persist (hard state, truncation, append), then send,
 * then apply. One `Ready` is processed at a time; inputs arriving meanwhile (messages, ticks,
 * proposals) accumulate in the core and form the next batch: that is where batching comes from.
 *
 * Client API: `clientWrite(command)` resolves with the state machine's result once the entry is
 * committed and applied here; `ensureLinearizable()` resolves once a read of the local state
 * machine is linearizable (ReadIndex); both reject with `NotLeaderError` on a follower or when
 * leadership is lost before they complete (the command may still commit: the caller decides).
 *
 * Not yet: snapshots and log compaction (storage with a purged prefix is refused at start),
 * membership changes. Storage failures stop the server (`RaftStorageError`).
 */
import { assert } from "@omnikv/base";
import { NotLeaderError, RaftStoppedError, RaftStorageError } from "./errors.ts";
import type { LogEntry } from "./log-entry.ts";
import type { RaftLogStorage } from "./log-storage.ts";
import type { RaftNetwork } from "./network.ts";
import type { RaftConfig } from "./raft-config.ts";
import { RaftNode, type RaftRole } from "./raft-node.ts";
import type { Ready } from "./ready.ts";
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
  #isRunning = false;
  #failure: Error | undefined;

  private constructor(options: RaftServerOptions<R>, node: RaftNode) {
    this.#node = node;
    this.#storage = options.storage;
    this.#stateMachine = options.stateMachine;
    this.#network = options.network;
    this.#appliedIndex = options.stateMachine.appliedIndex();
    const tickMs = options.tickMs ?? 20;
    assert(Number.isSafeInteger(tickMs) && tickMs > 0, "tickMs is a positive integer");
    this.#timer = setInterval(() => this.#tick(), tickMs);
    this.#timer.unref();
    this.#network.onMessage((message) => {
      if (this.#failure !== undefined) return;
      this.#node.step(message);
      this.#kick();
    });
  }

  /** Reads durable state back from storage and starts ticking. */
  static async start<R>(options: RaftServerOptions<R>): Promise<RaftServer<R>> {
    const hardState = await options.storage.readHardState();
    const state = await options.storage.logState();
    if (state.purgedIndex !== 0) throw new RaftStorageError("a log with a purged prefix needs snapshots, which are not supported yet");
    const entries = await options.storage.readRange(1, state.lastIndex + 1);
    assert(entries.length === state.lastIndex, "storage returns every entry it holds");
    const node = new RaftNode({
      id: options.id,
      voters: options.voters,
      random: options.random ?? mathRandomSource,
      hardState,
      entries,
      appliedIndex: options.stateMachine.appliedIndex(),
      ...(options.config === undefined ? {} : { config: options.config }),
    });
    return new RaftServer(options, node);
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
    this.#kick();
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
        await this.#persist(ready);
        if (ready.messages.length > 0) this.#network.send(ready.messages);
        await this.#apply(ready.committedEntries);
        this.#handleReads(ready);
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
