/**
 * A deterministic cluster simulator (in the spirit of FoundationDB's simulation and TigerBeetle's
 * VOPR). One seed drives everything: a virtual clock, message delay, loss, duplication and
 * reordering, directed link cuts and heals, node isolation, crashes that lose unsynced state
 * (mid-Ready: before the sync, or after it but before the messages left), restarts, tick jitter,
 * log compaction with snapshot catch-up, membership churn (in half of the seeds: 5 nodes of which
 * 3 start as voters, and leaders are asked to change voters and learners), and key-value clients
 * issuing puts (proposals) and linearizable gets (ReadIndex).
 *
 * After every event the safety properties are checked (see `#checkInvariants`). The chaos phase
 * is followed by a liveness phase: links heal, crashed nodes restart, loss stops, and a probe
 * command must commit and be applied everywhere. The client history goes to the linearizability
 * checker. Every event is folded into `traceHash`, so a seed's run can be compared byte for byte.
 */
import { assert, term as makeTerm } from "@omnikv/base";
import { readSnapshotSync } from "./snapshot-sync.ts";
import { RaftNode, snapshotDataFromBytes, allMembers, describeMembership, isJoint, isVoter, noNode, type HardState, type LogEntry, type RaftMessage, type Ready, type SnapshotData, type SnapshotMeta } from "@omnikv/raft";
import { SeededRandom } from "@omnikv/testkit";
import { EventQueue } from "./event-queue.ts";
import { commandText, decodeKvCommand, encodeKvCommand } from "./kv-command.ts";
import type { KvOperation } from "./linearizability.ts";
import { fnvOffset, mixNumber, mixString } from "./trace-hash.ts";

export interface SimOptions {
  readonly seed: number;
  readonly nodeCount?: number;
  readonly chaosMs?: number;
  readonly livenessMs?: number;
  readonly clientCount?: number;
  /** Receives a line per notable event (role, term and membership changes), for debugging a seed. */
  readonly log?: (line: string) => void;
  /**
   * Lease reads on every node (check-quorum forced on). Process pauses are replaced by crashes:
   * a leader stalled past its lease's drift margin serves stale reads by design (see RaftConfig).
   * Tick jitter of ±2 ms per 10 ms tick stays, inside the default margin of half an election.
   */
  readonly isLeaseRead?: boolean;
}

export interface SimResult {
  readonly seed: number;
  readonly traceHash: number;
  readonly steps: number;
  readonly committedIndex: number;
  readonly elections: number;
  readonly crashes: number;
  readonly compactions: number;
  readonly snapshotsInstalled: number;
  readonly membershipChanges: number;
  /** Removed leaders crashed (chaos) or shut down with every removed node (liveness) right as their removal committed. */
  readonly removedLeaderDrops: number;
  readonly history: readonly KvOperation[];
}

type SimEvent =
  | { readonly kind: "tick"; readonly node: number; readonly incarnation: number }
  | { readonly kind: "deliver"; readonly message: RaftMessage }
  | { readonly kind: "client"; readonly client: number; readonly opSeq: number }
  | { readonly kind: "fault" }
  | { readonly kind: "restart"; readonly node: number }
  | { readonly kind: "probe" };

interface SimNode {
  readonly id: number;
  raft: RaftNode | undefined;
  incarnation: number;
  durableHardState: HardState;
  /** The last snapshot taken or installed (durable at once), and the durable entries after it. */
  durableSnapshot: { readonly meta: SnapshotMeta; readonly kv: ReadonlyMap<string, string> };
  durableEntries: LogEntry[];
  kv: Map<string, string>;
  appliedIndex: number;
  /** hashes[i] is the hash of the in-memory log prefix through index i. */
  hashes: number[];
  pendingReads: { readonly requestId: number; readonly index: number }[];
  commitSeen: number;
  /** A paused process (GC pause, VM stall, clock jump) handles nothing before this time. */
  pausedUntilMs: number;
  /** The voters it is started with; a node joining later starts with none. */
  readonly bootstrapVoters: readonly number[];
  /** Removed from the cluster and shut down for good (liveness phase). */
  isDecommissioned: boolean;
}

type PendingOp =
  | { readonly kind: "put"; readonly opSeq: number; readonly node: number; readonly incarnation: number; readonly index: number; readonly term: bigint; readonly key: string; readonly value: string; readonly invokeMs: number }
  | { readonly kind: "get"; readonly opSeq: number; readonly node: number; readonly incarnation: number; readonly requestId: number; readonly key: string; readonly invokeMs: number };

interface SimClient {
  readonly id: number;
  opSeq: number;
  pending: PendingOp | undefined;
  leaderGuess: number;
}

const tickMs = 10;
const messageDelayMsMax = 30;
const clientTimeoutMs = 1500;
const keys = ["a", "b"];

export class SimulationFailure extends Error {
  override readonly name = "SimulationFailure";
}

export class Simulator {
  readonly #random: SeededRandom;
  readonly #seed: number;
  readonly #nodes: SimNode[] = [];
  readonly #clients: SimClient[] = [];
  readonly #queue = new EventQueue<SimEvent>();
  readonly #cut = new Set<string>();
  readonly #leaders = new Map<bigint, number>();
  readonly #committed: { hash: number; term: bigint }[] = [{ hash: fnvOffset, term: 0n }];
  readonly #applied = new Map<number, string>();
  readonly #history: KvOperation[] = [];
  readonly #chaosMs: number;
  readonly #endMs: number;
  /** Swarm testing: each seed draws its own fault mix. */
  readonly #faultGapMsMax: number;
  readonly #lossChance: number;
  readonly #duplicateChance: number;
  readonly #midReadyCrashChance: number;
  readonly #isPreVoteEnabled: boolean;
  readonly #isCheckQuorumEnabled: boolean;
  readonly #isLeaseRead: boolean;
  readonly #compactChance: number;
  readonly #isChurn: boolean;
  #membershipChanges = 0;
  #removedLeaderDrops = 0;
  readonly #log: ((line: string) => void) | undefined;
  readonly #lastSeen = new Map<number, string>();
  #now = 0;
  #steps = 0;
  #trace = fnvOffset;
  #isChaos = true;
  #requestSeq = 0;
  #crashes = 0;
  #compactions = 0;
  #snapshotsInstalled = 0;
  #probe: { value: string; node: number; index: number; term: bigint } | undefined;
  #isProbeDone = false;

  constructor(options: SimOptions) {
    this.#seed = options.seed;
    this.#log = options.log;
    this.#random = new SeededRandom(options.seed);
    this.#isChurn = options.nodeCount === undefined && this.#random.chance(0.5);
    const nodeCount = this.#isChurn ? 5 : (options.nodeCount ?? this.#random.pick([3, 3, 5]));
    this.#chaosMs = options.chaosMs ?? 3000;
    this.#endMs = this.#chaosMs + (options.livenessMs ?? 3000);
    this.#faultGapMsMax = this.#random.pick([150, 300, 600]);
    this.#lossChance = this.#random.pick([0, 0.02, 0.1, 0.2]);
    this.#duplicateChance = this.#random.pick([0, 0.03, 0.1]);
    this.#midReadyCrashChance = this.#random.pick([0, 0.002, 0.01]);
    this.#isPreVoteEnabled = this.#random.chance(0.75);
    this.#isCheckQuorumEnabled = this.#random.chance(0.75) || options.isLeaseRead === true;
    this.#isLeaseRead = options.isLeaseRead === true;
    this.#compactChance = this.#random.pick([0, 0.02, 0.1]);
    for (let id = 1; id <= nodeCount; id++) {
      const node: SimNode = {
        id,
        raft: undefined,
        incarnation: 0,
        durableHardState: { term: makeTerm(0), votedFor: noNode, commitIndex: 0 },
        durableSnapshot: { meta: { index: 0, term: makeTerm(0) }, kv: new Map() },
        durableEntries: [],
        kv: new Map(),
        appliedIndex: 0,
        hashes: [fnvOffset],
        pendingReads: [],
        commitSeen: 0,
        pausedUntilMs: 0,
        bootstrapVoters: this.#isChurn && id > 3 ? [] : Array.from({ length: this.#isChurn ? 3 : nodeCount }, (_, i) => i + 1),
        isDecommissioned: false,
      };
      this.#nodes.push(node);
    }
    for (const node of this.#nodes) this.#start(node);
    for (let id = 0; id < (options.clientCount ?? 5); id++) {
      this.#clients.push({ id, opSeq: 0, pending: undefined, leaderGuess: 1 });
      this.#queue.push(this.#random.int(0, 200), { kind: "client", client: id, opSeq: 0 });
    }
    this.#queue.push(this.#random.int(100, 400), { kind: "fault" });
    this.#queue.push(this.#chaosMs, { kind: "probe" });
  }

  run(): SimResult {
    for (;;) {
      const next = this.#queue.pop();
      if (next === undefined || next.atMs > this.#endMs) break;
      assert(next.atMs >= this.#now, "virtual time never goes back");
      this.#now = next.atMs;
      this.#steps += 1;
      this.#trace = mixNumber(mixString(this.#trace, next.event.kind), this.#now);
      this.#handle(next.event);
      this.#checkInvariants();
    }
    if (!this.#isProbeDone) this.#fail(`liveness: the healed cluster did not commit a new proposal everywhere\n${this.#describeCluster()}`);
    this.#finishClients();
    return {
      seed: this.#seed,
      traceHash: this.#trace,
      steps: this.#steps,
      committedIndex: this.#committed.length - 1,
      elections: this.#leaders.size,
      crashes: this.#crashes,
      compactions: this.#compactions,
      snapshotsInstalled: this.#snapshotsInstalled,
      membershipChanges: this.#membershipChanges,
      removedLeaderDrops: this.#removedLeaderDrops,
      history: this.#history,
    };
  }

  #describeCluster(): string {
    const probe = this.#probe === undefined ? "none" : `${this.#probe.index}/${this.#probe.term} on ${this.#probe.node}`;
    const lines = this.#nodes.map((n) => {
      if (n.raft === undefined) return `  ${n.id}: down${n.isDecommissioned ? " (decommissioned)" : ""}`;
      const st = n.raft.status();
      return `  ${n.id}: ${st.role} term ${st.term} leader ${st.leaderId} commit ${st.commitIndex} applied ${n.appliedIndex} last ${st.lastIndex} ${describeMembership(st.config)}`;
    });
    return [`probe ${probe}`, ...lines].join("\n");
  }

  #fail(message: string): never {
    throw new SimulationFailure(`seed ${this.#seed} at ${this.#now}ms (step ${this.#steps}): ${message}`);
  }

  // ---- events --------------------------------------------------------------------------------

  #handle(event: SimEvent): void {
    const target = event.kind === "tick" || event.kind === "restart" ? event.node : event.kind === "deliver" ? event.message.to : undefined;
    const pausedUntilMs = target === undefined ? 0 : this.#node(target).pausedUntilMs;
    if (pausedUntilMs > this.#now) {
      this.#queue.push(pausedUntilMs, event);
      return;
    }
    switch (event.kind) {
      case "tick":
        return this.#onTick(event.node, event.incarnation);
      case "deliver":
        return this.#onDeliver(event.message);
      case "client":
        return this.#onClient(event.client, event.opSeq);
      case "fault":
        return this.#onFault();
      case "restart":
        return this.#onRestart(event.node);
      case "probe":
        return this.#onProbe();
    }
  }

  #node(id: number): SimNode {
    const node = this.#nodes[id - 1];
    assert(node !== undefined, "node ids are 1..n");
    return node;
  }

  #onTick(id: number, incarnation: number): void {
    const node = this.#node(id);
    if (node.raft === undefined || node.incarnation !== incarnation) return;
    node.raft.tick();
    // Tick jitter models clock drift between nodes.
    this.#queue.push(this.#now + tickMs + this.#random.int(-2, 2), { kind: "tick", node: id, incarnation });
    this.#drive(node);
  }

  #onDeliver(message: RaftMessage): void {
    const node = this.#node(message.to);
    if (node.raft === undefined) return;
    this.#trace = mixNumber(mixNumber(mixString(this.#trace, message.kind), message.from), Number(message.term));
    node.raft.step(message);
    this.#drive(node);
  }

  #onRestart(id: number): void {
    const node = this.#node(id);
    if (node.raft !== undefined || node.isDecommissioned) return;
    this.#start(node);
  }

  #start(node: SimNode): void {
    node.incarnation += 1;
    node.raft = new RaftNode({
      id: node.id,
      voters: node.bootstrapVoters,
      random: new SeededRandom(this.#random.nextUint32()),
      hardState: node.durableHardState,
      snapshot: node.durableSnapshot.meta,
      entries: node.durableEntries,
      config: {
        electionTicks: 10,
        heartbeatTicks: 2,
        inflightMessagesMax: 8,
        entriesPerMessageMax: 4,
        isPreVoteEnabled: this.#isPreVoteEnabled,
        isCheckQuorumEnabled: this.#isCheckQuorumEnabled,
        isLeaseReadEnabled: this.#isLeaseRead,
      },
    });
    node.kv = new Map(node.durableSnapshot.kv);
    node.appliedIndex = node.durableSnapshot.meta.index;
    node.pendingReads = [];
    node.commitSeen = 0;
    node.hashes = this.#committedHashes(node.durableSnapshot.meta.index);
    for (const entry of node.durableEntries) node.hashes.push(entryHash(node.hashes.at(-1) ?? fnvOffset, entry));
    this.#queue.push(this.#now + this.#random.int(1, tickMs), { kind: "tick", node: node.id, incarnation: node.incarnation });
  }

  #crash(node: SimNode): void {
    assert(node.raft !== undefined, "only a live node crashes");
    node.raft = undefined;
    this.#crashes += 1;
    this.#trace = mixNumber(mixString(this.#trace, "crash"), node.id);
    for (const client of this.#clients) {
      const op = client.pending;
      if (op === undefined || op.node !== node.id) continue;
      // A put in flight on a crashed node may or may not take effect: its outcome is unknown.
      if (op.kind === "put") this.#history.push({ kind: "put", key: op.key, value: op.value, invokeMs: op.invokeMs, responseMs: Infinity });
      this.#finishOp(client);
    }
    this.#queue.push(this.#now + this.#random.int(50, 1000), { kind: "restart", node: node.id });
  }

  #onFault(): void {
    if (!this.#isChaos) return;
    this.#queue.push(this.#now + this.#random.int(30, this.#faultGapMsMax), { kind: "fault" });
    if (this.#isChurn && this.#random.chance(0.2)) return this.#changeMembership();
    const ids = this.#nodes.map((n) => n.id);
    const a = this.#random.pick(ids);
    const b = this.#random.pick(ids.filter((id) => id !== a));
    const roll = this.#random.int(0, 99);
    if (roll < 20) this.#cut.add(`${a}>${b}`);
    else if (roll < 30) {
      this.#cut.add(`${a}>${b}`);
      this.#cut.add(`${b}>${a}`);
    } else if (roll < 38) {
      for (const other of ids) if (other !== a) this.#cut.add(`${a}>${other}`).add(`${other}>${a}`);
    } else if (roll < 60) this.#cut.delete(this.#random.pick([...this.#cut, ""]));
    else if (roll < 68) this.#cut.clear();
    else if (roll < 78) {
      const node = this.#node(a);
      if (node.raft !== undefined) this.#crash(node);
    } else this.#disturbLeader(roll);
    this.#trace = mixNumber(mixString(this.#trace, "fault"), roll);
  }

  /** Asks a leader for a random new membership (it may refuse: a change is in progress, say). */
  #changeMembership(): void {
    const leader = this.#nodes.find((n) => n.raft?.role === "leader");
    if (leader?.raft === undefined) return;
    const ids = this.#nodes.map((n) => n.id);
    const voters = ids.filter(() => this.#random.chance(0.6));
    if (voters.length === 0) voters.push(this.#random.pick(ids));
    const learners = ids.filter((id) => !voters.includes(id) && this.#random.chance(0.5));
    const proposal = leader.raft.changeMembership({ voters, learners });
    this.#trace = mixString(this.#trace, `conf ${voters.join(",")}/${learners.join(",")} ${proposal === undefined ? "refused" : proposal.index}`);
    if (proposal !== undefined) this.#membershipChanges += 1;
    this.#drive(leader);
  }

  /** Leaders attract faults: crash one, isolate it, or make it hand over leadership. */
  #disturbLeader(disturbance: number): void {
    let roll = disturbance;
    const leader = this.#nodes.find((n) => n.raft?.role === "leader");
    if (leader?.raft === undefined) return;
    // Lease reads: no pauses (they void any lease by design), and isolations — where a deposed
    // leader could serve stale reads — far more often than crashes.
    const leaseRoll = roll < 40 ? 0 : roll < 90 ? 90 : roll;
    if (this.#isLeaseRead) roll = leaseRoll;
    if (roll < 84) return this.#crash(leader);
    if (roll < 90) {
      leader.pausedUntilMs = this.#now + this.#random.int(100, 600);
      return;
    }
    if (roll < 96) {
      for (const other of this.#nodes) if (other.id !== leader.id) this.#cut.add(`${leader.id}>${other.id}`).add(`${other.id}>${leader.id}`);
      return;
    }
    leader.raft.transferLeadership(this.#random.int(1, this.#nodes.length));
    this.#drive(leader);
  }

  // ---- one node's Ready ----------------------------------------------------------------------

  #drive(node: SimNode): void {
    let rounds = 0;
    while (node.raft?.hasReady() === true) {
      rounds += 1;
      if (rounds > 1000) this.#fail(`node ${node.id} never runs out of Ready: ${JSON.stringify(node.raft.status(), (_k, v: unknown) => (typeof v === "bigint" ? Number(v) : v))}`);
      const ready = node.raft.takeReady();
      if (this.#isChaos && this.#random.chance(this.#midReadyCrashChance)) {
        // Crash before the sync (lose this Ready) or after it (persisted, nothing sent).
        if (this.#random.chance(0.5)) this.#persist(node, ready);
        this.#crash(node);
        return;
      }
      this.#persist(node, ready);
      if (this.#isRemovalCommittedOn(node) && this.#dropRemovedLeader(node)) return;
      for (const message of ready.messages) this.#send(this.#withSnapshotData(node, message));
      this.#apply(node, ready);
      this.#maybeCompact(node);
    }
  }

  /**
   * Whether `node` leads and has just committed a membership that removed it (no joint
   * configuration, no membership entry above its commit index).
   */
  #isRemovalCommittedOn(node: SimNode): boolean {
    const raft = node.raft;
    if (raft?.role !== "leader" || isVoter(raft.membership, node.id) || isJoint(raft.membership)) return false;
    for (let index = raft.commitIndex + 1; index <= raft.lastIndex; index++) if (raft.entryAt(index)?.payload.kind === "membership") return false;
    return true;
  }

  /**
   * The worst moment for a removed leader to die: its removal committed, and the messages that
   * would tell the followers so are not sent yet. In the chaos phase it crashes there half of the
   * time (it restarts later); in the liveness phase the operator shuts down every removed node at
   * once, the leader included, so the new voters must elect and commit on their own (which needs
   * membership to take effect on append). Returns whether the node crashed.
   */
  #dropRemovedLeader(node: SimNode): boolean {
    const raft = node.raft;
    if (raft === undefined) return false;
    if (this.#isChaos) {
      if (!this.#random.chance(0.5)) return false;
      this.#removedLeaderDrops += 1;
      this.#crash(node);
      return true;
    }
    this.#removedLeaderDrops += 1;
    const members = allMembers(raft.membership);
    for (const other of this.#nodes) {
      if (members.includes(other.id)) continue;
      other.isDecommissioned = true;
      if (other.raft !== undefined) this.#crash(other);
    }
    return true;
  }

  /** Prefix hashes through `index`, from the committed record (a snapshot covers committed entries only). */
  #committedHashes(index: number): number[] {
    if (index >= this.#committed.length) this.#fail(`a snapshot at ${index} covers uncommitted entries`);
    return this.#committed.slice(0, index + 1).map((c) => c.hash);
  }

  /** The runtime's part of sending a snapshot: attach the state machine image at its index. */
  #withSnapshotData(node: SimNode, message: RaftMessage): RaftMessage {
    if (message.kind !== "snapshot") return message;
    const snapshot = node.durableSnapshot;
    assert(snapshot.meta.index === message.snapshot.index && snapshot.meta.term === message.snapshot.term, "the snapshot sent is the one compacted to");
    return { ...message, data: snapshotDataFromBytes(new TextEncoder().encode(JSON.stringify([...snapshot.kv]))) };
  }

  #maybeCompact(node: SimNode): void {
    const raft = node.raft;
    if (raft === undefined || !this.#random.chance(this.#compactChance) || node.appliedIndex <= raft.snapshot.index) return;
    raft.compact(node.appliedIndex);
    const meta = raft.snapshot;
    this.#compactions += 1;
    node.durableSnapshot = { meta, kv: new Map(node.kv) };
    node.durableEntries = node.durableEntries.filter((e) => e.index > meta.index);
    this.#trace = mixNumber(mixString(this.#trace, "compact"), meta.index);
  }

  #installSnapshot(node: SimNode, meta: SnapshotMeta, data: SnapshotData): void {
    const parsed: unknown = JSON.parse(new TextDecoder().decode(readSnapshotSync(data)));
    assert(Array.isArray(parsed), "snapshot data is a list of pairs");
    const kv = new Map<string, string>(parsed.map((pair: unknown) => (Array.isArray(pair) ? [String(pair[0]), String(pair[1])] : ["", ""])));
    node.kv = kv;
    node.appliedIndex = meta.index;
    this.#snapshotsInstalled += 1;
    node.durableSnapshot = { meta, kv: new Map(kv) };
    node.durableEntries = [];
    node.hashes = this.#committedHashes(meta.index);
    this.#checkProbeDone();
    for (const client of this.#clients) {
      const op = client.pending;
      // A put this node proposed may be inside the snapshot: its outcome is unknown from here.
      if (op?.kind !== "put" || op.node !== node.id || op.index > meta.index) continue;
      this.#history.push({ kind: "put", key: op.key, value: op.value, invokeMs: op.invokeMs, responseMs: Infinity });
      this.#finishOp(client);
    }
  }

  #persist(node: SimNode, ready: Ready): void {
    if (ready.snapshot !== undefined) this.#installSnapshot(node, ready.snapshot.meta, ready.snapshot.data);
    const hardState = ready.hardState;
    if (hardState !== undefined) {
      const old = node.durableHardState;
      if (hardState.term < old.term) this.#fail(`node ${node.id} persisted a lower term`);
      if (hardState.term === old.term && old.votedFor !== noNode && hardState.votedFor !== old.votedFor) {
        this.#fail(`node ${node.id} changed its vote in term ${hardState.term}`);
      }
      if (hardState.commitIndex < old.commitIndex) this.#fail(`node ${node.id} persisted a lower commit index`);
      node.durableHardState = hardState;
    }
    const write = ready.logWrite;
    if (write === undefined) return;
    const offset = node.durableSnapshot.meta.index;
    assert(write.fromIndex > offset && write.fromIndex <= offset + node.durableEntries.length + 1, "a log write leaves no gap");
    if (write.fromIndex <= node.commitSeen) this.#fail(`node ${node.id} truncated at ${write.fromIndex}, below its commit`);
    node.durableEntries.length = write.fromIndex - offset - 1;
    node.durableEntries.push(...write.entries);
    node.hashes.length = write.fromIndex;
    for (const entry of write.entries) node.hashes.push(entryHash(node.hashes.at(-1) ?? fnvOffset, entry));
  }

  #send(message: RaftMessage): void {
    if (this.#cut.has(`${message.from}>${message.to}`)) return;
    if (this.#isChaos && this.#random.chance(this.#lossChance)) return;
    this.#queue.push(this.#now + this.#random.int(1, messageDelayMsMax), { kind: "deliver", message });
    if (this.#isChaos && this.#random.chance(this.#duplicateChance)) {
      this.#queue.push(this.#now + this.#random.int(1, messageDelayMsMax * 3), { kind: "deliver", message });
    }
  }

  #apply(node: SimNode, ready: Ready): void {
    for (const entry of ready.committedEntries) {
      if (entry.index !== node.appliedIndex + 1) this.#fail(`node ${node.id} applied ${entry.index} after ${node.appliedIndex}`);
      node.appliedIndex = entry.index;
      const payload = entry.payload;
      const text = `${entry.term}:${payload.kind === "command" ? commandText(payload.command) : payload.kind === "membership" ? describeMembership(payload.config) : "blank"}`;
      const previous = this.#applied.get(entry.index);
      if (previous === undefined) this.#applied.set(entry.index, text);
      else if (previous !== text) this.#fail(`state machine safety: index ${entry.index} applied as ${previous} and ${text}`);
      if (entry.payload.kind === "command") this.#applyCommand(node, entry, entry.payload.command);

    }
    node.pendingReads.push(...ready.readStates);
    for (const requestId of ready.droppedReads) this.#dropRead(node, requestId);
    this.#serveReads(node);
  }

  #applyCommand(node: SimNode, entry: LogEntry, bytes: Uint8Array): void {
    const command = decodeKvCommand(bytes);
    if (command.op === "put") node.kv.set(command.key, command.value);
    if (command.op === "probe" && this.#probe?.value === command.value) this.#checkProbeDone();
    for (const client of this.#clients) {
      const op = client.pending;
      if (op?.kind !== "put" || op.node !== node.id || op.incarnation !== node.incarnation || op.index !== entry.index) continue;
      // Another term's entry at our index means ours was overwritten: it never took effect.
      if (op.term === entry.term) this.#history.push({ kind: "put", key: op.key, value: op.value, invokeMs: op.invokeMs, responseMs: this.#now });
      this.#finishOp(client);
    }
  }

  #serveReads(node: SimNode): void {
    const ready = node.pendingReads.filter((read) => read.index <= node.appliedIndex);
    node.pendingReads = node.pendingReads.filter((read) => read.index > node.appliedIndex);
    for (const read of ready) {
      const client = this.#clients.find((c) => c.pending?.kind === "get" && c.pending.requestId === read.requestId);
      const op = client?.pending;
      if (client === undefined || op?.kind !== "get" || op.node !== node.id) continue;
      this.#history.push({ kind: "get", key: op.key, result: node.kv.get(op.key), invokeMs: op.invokeMs, responseMs: this.#now });
      this.#finishOp(client);
    }
  }

  #dropRead(node: SimNode, requestId: number): void {
    const client = this.#clients.find((c) => c.pending?.kind === "get" && c.pending.requestId === requestId && c.pending.node === node.id);
    if (client !== undefined) this.#finishOp(client);
  }

  // ---- clients -------------------------------------------------------------------------------

  #client(id: number): SimClient {
    const client = this.#clients[id];
    assert(client !== undefined, "client ids are dense");
    return client;
  }

  #finishOp(client: SimClient): void {
    client.pending = undefined;
    client.opSeq += 1;
    this.#queue.push(this.#now + this.#random.int(0, 40), { kind: "client", client: client.id, opSeq: client.opSeq });
  }

  #onClient(id: number, opSeq: number): void {
    const client = this.#client(id);
    if (opSeq !== client.opSeq) return;
    const op = client.pending;
    if (op !== undefined) {
      // Timed out: a put's outcome is unknown; a get that never answered had no effect.
      if (op.kind === "put") this.#history.push({ kind: "put", key: op.key, value: op.value, invokeMs: op.invokeMs, responseMs: Infinity });
      // A client that timed out suspects its leader and tries another node.
      client.leaderGuess = this.#random.int(1, this.#nodes.length);
      this.#finishOp(client);
      return;
    }
    if (this.#random.chance(0.05)) client.leaderGuess = this.#random.int(1, this.#nodes.length);
    const target = this.#node(client.leaderGuess);
    const raft = target.pausedUntilMs > this.#now ? undefined : target.raft;
    if (raft?.role !== "leader") {
      const hint = raft?.leaderId ?? noNode;
      client.leaderGuess = hint !== noNode ? hint : this.#random.int(1, this.#nodes.length);
      this.#queue.push(this.#now + this.#random.int(5, 30), { kind: "client", client: id, opSeq });
      return;
    }
    this.#invoke(client, this.#node(client.leaderGuess), raft);
  }

  #invoke(client: SimClient, node: SimNode, raft: RaftNode): void {
    const key = this.#random.pick(keys);
    const base = { opSeq: client.opSeq, node: node.id, incarnation: node.incarnation, key, invokeMs: this.#now };
    if (this.#random.chance(0.5)) {
      const value = `c${client.id}-${client.opSeq}`;
      const proposal = raft.propose(encodeKvCommand({ op: "put", key, value }));
      if (proposal === undefined) return this.#finishOp(client);
      client.pending = { ...base, kind: "put", index: proposal.index, term: proposal.term, value };
    } else {
      const requestId = ++this.#requestSeq;
      if (!raft.readIndex(requestId)) return this.#finishOp(client);
      client.pending = { ...base, kind: "get", requestId };
    }
    this.#queue.push(this.#now + clientTimeoutMs, { kind: "client", client: client.id, opSeq: client.opSeq });
    this.#drive(node);
  }

  #finishClients(): void {
    for (const client of this.#clients) {
      const op = client.pending;
      if (op?.kind === "put") this.#history.push({ kind: "put", key: op.key, value: op.value, invokeMs: op.invokeMs, responseMs: Infinity });
      client.pending = undefined;
    }
  }

  // ---- liveness ------------------------------------------------------------------------------

  #onProbe(): void {
    if (this.#isChaos) {
      // The chaos phase ends: heal everything, restart the crashed, stop loss and duplication.
      this.#isChaos = false;
      this.#cut.clear();
      for (const node of this.#nodes) if (node.raft === undefined && !node.isDecommissioned && node.pausedUntilMs <= this.#now) this.#start(node);
    }
    this.#decommissionRemoved();
    this.#checkProbeDone();
    if (this.#isProbeDone) return;
    this.#queue.push(this.#now + 100, { kind: "probe" });
    const leader = this.#currentLeader();
    if (leader?.raft === undefined || this.#probe?.term === leader.raft.term) return;
    const value = `probe-${this.#now}`;
    const proposal = leader.raft.propose(encodeKvCommand({ op: "probe", value }));
    if (proposal === undefined) return;
    this.#probe = { value, node: leader.id, index: proposal.index, term: proposal.term };
    this.#drive(leader);
  }

  /**
   * Like an operator would, shut down the nodes the cluster removed: those outside the current
   * leader's membership, once it is committed (no joint configuration, no membership entry above
   * the commit index anywhere). That includes the leader itself when the change removed it: it
   * dies at once, before handing over, which is the case membership-on-append exists for (the
   * new voters that hold the change elect and commit without any removed node). Membership churn
   * has stopped in the liveness phase, so a removed node is never needed again; left running, one
   * that never learned of its removal would keep campaigning.
   */
  #decommissionRemoved(): void {
    const leader = this.#currentLeader()?.raft;
    if (leader === undefined || isJoint(leader.membership) || this.#hasPendingMembership(leader.commitIndex)) return;
    const members = allMembers(leader.membership);
    for (const node of this.#nodes) {
      if (members.includes(node.id)) continue;
      node.isDecommissioned = true;
      if (node.raft !== undefined) this.#crash(node);
    }
  }

  /** Whether any live node holds a membership entry above `commitIndex` (a change that may still commit). */
  #hasPendingMembership(commitIndex: number): boolean {
    return this.#nodes.some((n) => {
      const raft = n.raft;
      if (raft === undefined) return n.durableEntries.some((e) => e.index > commitIndex && e.payload.kind === "membership");
      for (let index = commitIndex + 1; index <= raft.lastIndex; index++) if (raft.entryAt(index)?.payload.kind === "membership") return true;
      return false;
    });
  }

  /**
   * The leader of the highest term among live leaders. (Not "of the highest term": a removed node
   * that never learned of its removal may campaign on and on at terms nobody follows.)
   */
  #currentLeader(): SimNode | undefined {
    let best: SimNode | undefined;
    for (const node of this.#nodes) {
      if (node.raft?.role !== "leader" || node.pausedUntilMs > this.#now) continue;
      if (best?.raft === undefined || node.raft.term > best.raft.term) best = node;
    }
    return best;
  }

  /** Done when every member of the current leader's membership applied the probe. */
  #checkProbeDone(): void {
    const probe = this.#probe;
    const leader = this.#currentLeader()?.raft;
    if (probe === undefined || leader === undefined) return;
    const members = allMembers(leader.membership);
    this.#isProbeDone = members.every((id) => {
      const node = this.#node(id);
      return node.raft !== undefined && node.appliedIndex >= probe.index;
    });
  }

  // ---- invariants ----------------------------------------------------------------------------

  #checkInvariants(): void {
    const live = this.#nodes.filter((n) => n.raft !== undefined);
    for (const node of live) this.#checkNode(node);
    for (let i = 0; i < live.length; i++) {
      for (let j = i + 1; j < live.length; j++) this.#checkLogMatching(live[i], live[j]);
    }
  }

  #checkNode(node: SimNode): void {
    const raft = node.raft;
    assert(raft !== undefined, "checked nodes are live");
    if (this.#log !== undefined) {
      const seen = `${raft.role} t${raft.term} v${raft.status().votedFor} c${raft.commitIndex} l${raft.lastIndex} ${describeMembership(raft.membership)}`;
      if (this.#lastSeen.get(node.id) !== seen) this.#log(`${this.#now} n${node.id} ${seen}`);
      this.#lastSeen.set(node.id, seen);
    }
    if (raft.term < node.durableHardState.term) this.#fail(`node ${node.id}: term below its durable term`);
    if (raft.commitIndex < node.commitSeen) this.#fail(`node ${node.id}: commit index went back`);
    node.commitSeen = raft.commitIndex;
    if (node.hashes.length !== raft.lastIndex + 1) this.#fail(`node ${node.id}: log writes do not cover the in-memory log`);
    if (raft.role === "leader") {
      const other = this.#leaders.get(raft.term);
      if (other !== undefined && other !== node.id) this.#fail(`election safety: ${other} and ${node.id} lead term ${raft.term}`);
      this.#leaders.set(raft.term, node.id);
      this.#checkLeaderCompleteness(node, raft.term);
    }
    this.#recordCommitted(node, raft.commitIndex, raft.term);
  }

  /** Commits seen first are recorded with the observer's term (an upper bound of the committing term). */
  #recordCommitted(node: SimNode, commitIndex: number, term: bigint): void {
    const known = this.#committed.length - 1;
    const upTo = Math.min(commitIndex, known);
    if (this.#committed[upTo]?.hash !== node.hashes[upTo]) this.#fail(`node ${node.id}: committed prefix through ${upTo} differs`);
    for (let index = known + 1; index <= commitIndex; index++) {
      const hash = node.hashes[index];
      assert(hash !== undefined, "committed entries are in the log");
      const floor = this.#committed.at(-1)?.term ?? 0n;
      this.#committed.push({ hash, term: term > floor ? term : floor });
    }
  }

  /** A leader of term T holds every entry committed in a term before T. */
  #checkLeaderCompleteness(node: SimNode, term: bigint): void {
    let low = 0;
    let high = this.#committed.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((this.#committed[mid]?.term ?? 0n) < term) low = mid;
      else high = mid - 1;
    }
    if (node.hashes[low] !== this.#committed[low]?.hash) this.#fail(`leader completeness: leader ${node.id} of term ${term} lacks index ${low}`);
  }

  /** Same index and term imply the same prefix. Hashes find the agreeing prefix; past it, no term may agree. */
  #checkLogMatching(a: SimNode | undefined, b: SimNode | undefined): void {
    assert(a?.raft !== undefined && b?.raft !== undefined, "compared nodes are live");
    const last = Math.min(a.raft.lastIndex, b.raft.lastIndex);
    let low = 0;
    let high = last;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (a.hashes[mid] === b.hashes[mid]) low = mid;
      else high = mid - 1;
    }
    for (let index = low + 1; index <= last; index++) {
      const termA = a.raft.termAt(index);
      if (termA !== undefined && termA === b.raft.termAt(index)) this.#fail(`log matching: nodes ${a.id} and ${b.id} agree on term at ${index} but not before`);
    }
  }
}

function entryHash(previous: number, entry: LogEntry): number {
  const payload = entry.payload;
  const text = payload.kind === "command" ? commandText(payload.command) : payload.kind === "membership" ? describeMembership(payload.config) : "blank";
  return mixString(mixNumber(mixNumber(previous, entry.index), Number(entry.term)), text);
}
