/**
 * `RaftNode` directly, for what the interaction scripts and the simulator do not pin down:
 * configuration errors, a single-node cluster, backpressure limits, restart from a snapshot, and
 * a snapshot racing with apply (etcd's trap).
 */
import { describe, expect, it } from "vitest";
import { term } from "@omnikv/base";
import { RaftConfigError, RaftNode, membershipOf, snapshotDataFromBytes, type LogEntry, type RaftMessage, type Ready } from "@omnikv/raft";

const encoder = new TextEncoder();
const fixed = { int: (min: number) => min };

function drain(node: RaftNode): Ready[] {
  const readies: Ready[] = [];
  while (node.hasReady()) readies.push(node.takeReady());
  return readies;
}

describe("RaftNode", () => {
  it("rejects bad configuration with RaftConfigError (22023)", () => {
    const make = (config: object): RaftNode => new RaftNode({ id: 1, voters: [1], random: fixed, config });
    expect(() => make({ electionTicks: 0 })).toThrow(RaftConfigError);
    expect(() => make({ heartbeatTicks: 10, electionTicks: 10 })).toThrow(/heartbeatTicks/);
    try {
      make({ inflightMessagesMax: 1.5 });
    } catch (error) {
      expect(error).toBeInstanceOf(RaftConfigError);
      if (error instanceof RaftConfigError) expect(error.sqlState).toBe("22023");
    }
  });

  it("commits and reads alone in a single-node cluster", () => {
    const node = new RaftNode({ id: 1, voters: [1], random: fixed });
    node.campaign();
    expect(node.role).toBe("leader");
    const proposal = node.propose(encoder.encode("a"));
    expect(proposal?.index).toBe(2);
    expect(node.readIndex(7)).toBe(true);
    const readies = drain(node);
    const applied = readies.flatMap((r) => r.committedEntries.map((e) => e.index));
    expect(applied).toEqual([1, 2]);
    expect(readies.flatMap((r) => r.readStates)).toEqual([{ requestId: 7, index: 2 }]);
    expect(readies.flatMap((r) => r.messages)).toEqual([]);
  });

  it("refuses proposals past uncommittedEntriesMax and reads past pendingReadsMax", () => {
    const node = new RaftNode({ id: 1, voters: [1, 2, 3], random: fixed, config: { uncommittedEntriesMax: 3, pendingReadsMax: 2, isPreVoteEnabled: false } });
    node.campaign();
    node.step({ kind: "voteResponse", from: 2, to: 1, term: node.term, isPreVote: false, isGranted: true });
    expect(node.role).toBe("leader");
    expect(node.propose(encoder.encode("a"))).toBeDefined();
    expect(node.propose(encoder.encode("b"))).toBeDefined();
    expect(node.propose(encoder.encode("c"))).toBeUndefined(); // the blank entry counts too
    expect(node.readIndex(1)).toBe(true);
    expect(node.readIndex(2)).toBe(true);
    expect(node.readIndex(3)).toBe(false);
  });

  it("refuses proposals, reads and transfers on a follower", () => {
    const node = new RaftNode({ id: 2, voters: [1, 2, 3], random: fixed });
    expect(node.propose(encoder.encode("a"))).toBeUndefined();
    expect(node.readIndex(1)).toBe(false);
    expect(node.transferLeadership(1)).toBe(false);
    expect(node.changeMembership({ voters: [1, 2], learners: [] })).toBeUndefined();
  });

  it("restarts from a snapshot and the entries after it", () => {
    const snapshot = { index: 10, term: term(2), config: membershipOf([1, 2, 3]) };
    const entries = [11, 12].map((index) => ({ index, term: term(3), payload: { kind: "command", command: encoder.encode(`e${index}`) } as const }));
    const node = new RaftNode({ id: 1, voters: [9], random: fixed, snapshot, entries, hardState: { term: term(3), votedFor: 0, commitIndex: 11 } });
    expect(node.voters).toEqual([1, 2, 3]);
    expect(node.commitIndex).toBe(11);
    expect(node.termAt(10)).toBe(2n);
    expect(node.entryAt(10)).toBeUndefined();
    expect(drain(node).flatMap((r) => r.committedEntries.map((e) => e.index))).toEqual([11]);
    expect(() => new RaftNode({ id: 1, voters: [1], random: fixed, snapshot: { index: 5, term: term(1) } })).toThrow(/membership/);
  });
});

describe("a snapshot racing with apply", () => {
  const command = (index: number): LogEntry => ({ index, term: term(1), payload: { kind: "command", command: encoder.encode(`e${index}`) } });
  const append = (entries: readonly LogEntry[], commitIndex: number, prevIndex = 1): RaftMessage => ({ kind: "append", from: 1, to: 3, term: term(1), prevIndex, prevTerm: term(1), entries, commitIndex });
  const snapshotAt6: RaftMessage = { kind: "snapshot", from: 1, to: 3, term: term(1), snapshot: { index: 6, term: term(1), config: membershipOf([1, 2, 3]) }, data: snapshotDataFromBytes(encoder.encode("state@6")) };

  /** Follower 3 holding entry 1 (applied), as after the first round of a leader of term 1. */
  function follower(): RaftNode {
    const node = new RaftNode({ id: 3, voters: [1, 2, 3], random: fixed, hardState: { term: term(1), votedFor: 1, commitIndex: 1 }, entries: [{ index: 1, term: term(1), payload: { kind: "blank" } }], appliedIndex: 1 });
    drain(node);
    return node;
  }

  it("never hands out committed entries a snapshot that arrived before the Ready was taken covers", () => {
    const node = follower();
    // 2..4 arrive and commit, but the runtime has not taken the Ready holding them...
    node.step(append([2, 3, 4].map(command), 4));
    // ...when the leader, which compacted past them, sends its snapshot at 6.
    node.step(snapshotAt6);
    const readies = drain(node);
    expect(readies.map((r) => r.snapshot?.meta.index)).toEqual([6]);
    expect(readies.flatMap((r) => r.committedEntries.map((e) => e.index))).toEqual([]);
    expect(node.commitIndex).toBe(6);
    // Replication resumes after the snapshot; only entries above it are applied.
    node.step(append([command(7)], 7, 6));
    expect(drain(node).flatMap((r) => r.committedEntries.map((e) => e.index))).toEqual([7]);
  });

  it("hands out committed entries before the snapshot that follows them, one Ready after the other", () => {
    const node = follower();
    node.step(append([2, 3, 4].map(command), 4));
    // The runtime took this Ready and is still applying 2..4 when the snapshot arrives.
    const applying = node.takeReady();
    expect(applying.committedEntries.map((e) => e.index)).toEqual([2, 3, 4]);
    node.step(snapshotAt6);
    // The snapshot comes in the next Ready (the runtime installs it only after finishing the
    // previous one: RaftServer takes one Ready at a time), with nothing to apply beside it.
    const next = drain(node);
    expect(next.map((r) => r.snapshot?.meta.index)).toEqual([6]);
    expect(next.flatMap((r) => r.committedEntries)).toEqual([]);
  });

  it("only commits when it already holds the snapshot's last entry", () => {
    const node = follower();
    node.step(append([2, 3, 4, 5, 6].map(command), 1));
    drain(node);
    node.step(snapshotAt6);
    const readies = drain(node);
    expect(readies.map((r) => r.snapshot)).toEqual([undefined]);
    expect(readies.flatMap((r) => r.committedEntries.map((e) => e.index))).toEqual([2, 3, 4, 5, 6]);
  });
});

describe("lease reads", () => {
  type Filter = (from: number, to: number) => boolean;

  /** Three nodes with lease reads; messages delivered synchronously while `isDelivered` allows. */
  function cluster(config: object = {}): { nodes: RaftNode[]; run: (isDelivered?: Filter) => Ready[][] } {
    const nodes = [1, 2, 3].map((id) => new RaftNode({ id, voters: [1, 2, 3], random: fixed, config: { isLeaseReadEnabled: true, electionTicks: 10, heartbeatTicks: 2, leaseDriftTicks: 3, ...config } }));
    const run = (isDelivered: Filter = () => true): Ready[][] => {
      const taken: Ready[][] = nodes.map(() => []);
      for (let round = 0; round < 100 && nodes.some((n) => n.hasReady()); round++) {
        nodes.forEach((node, i) => {
          while (node.hasReady()) {
            const ready = node.takeReady();
            taken[i]?.push(ready);
            for (const message of ready.messages) if (isDelivered(message.from, message.to)) nodes[message.to - 1]?.step(message);
          }
        });
      }
      return taken;
    };
    return { nodes, run };
  }

  function elect(nodes: RaftNode[], run: () => Ready[][]): RaftNode {
    const [leader] = nodes;
    if (leader === undefined) throw new Error("no node");
    // Fresh nodes refuse votes for an election timeout (they may have just heard a leader).
    for (let t = 0; t < 10; t++) for (const node of nodes) node.tick();
    leader.campaign();
    run();
    expect(leader.role).toBe("leader");
    return leader;
  }

  const readsOf = (readies: Ready[]): readonly { readonly requestId: number; readonly index: number }[] => readies.flatMap((r) => r.readStates);

  it("answers at once while a quorum answered a heartbeat sent within the lease, and by a round after it", () => {
    const { nodes, run } = cluster();
    const leader = elect(nodes, run);
    // Before any heartbeat round was answered there is no lease: the read waits for a round.
    expect(leader.readIndex(1)).toBe(true);
    const first = run()[0] ?? [];
    expect(readsOf(first).map((r) => r.requestId)).toEqual([1]);
    for (let t = 0; t < 2; t++) leader.tick(); // a heartbeat round, answered
    run();
    expect(leader.readIndex(2)).toBe(true);
    // Served from the lease: no message at all in the Ready that carries it.
    const served = leader.takeReady();
    expect(readsOf([served])).toEqual([{ requestId: 2, index: leader.commitIndex }]);
    expect(served.messages).toEqual([]);
    // Followers stop answering: the lease lapses electionTicks - leaseDriftTicks after the last answered round.
    const cut: Filter = (from, to) => from === leader.id && to === leader.id;
    for (let t = 0; t < 6; t++) leader.tick();
    run(cut);
    expect(leader.readIndex(3)).toBe(true);
    expect(readsOf([leader.takeReady()])).toEqual([{ requestId: 3, index: leader.commitIndex }]);
    leader.tick();
    run(cut);
    expect(leader.readIndex(4)).toBe(true);
    expect(readsOf(run(cut)[0] ?? [])).toEqual([]); // waits for a quorum that does not answer
    run(); // heal: the round confirms it
    for (let t = 0; t < 2; t++) leader.tick();
    expect(readsOf(run()[0] ?? []).map((r) => r.requestId)).toEqual([4]);
  });

  it("never answers from its lease once another node may have been elected", () => {
    const { nodes, run } = cluster({ leaseDriftTicks: 0 });
    const leader = elect(nodes, run);
    for (let t = 0; t < 2; t++) leader.tick();
    run();
    expect(leader.readIndex(1)).toBe(true);
    expect(readsOf([leader.takeReady()]).map((r) => r.requestId)).toEqual([1]); // the lease holds
    // The leader is cut off; every clock runs at the same rate until the others elect a leader.
    const sameSide: Filter = (from, to) => (from === leader.id) === (to === leader.id);
    let successor: RaftNode | undefined;
    nodes[1]?.tick(); // node 2's timer runs one tick ahead of node 3's, so they do not split the vote
    for (let t = 0; t < 60 && successor === undefined; t++) {
      for (const node of nodes) node.tick();
      run(sameSide);
      successor = nodes.find((node) => node !== leader && node.role === "leader");
    }
    expect(successor).toBeDefined();
    // Check-quorum may not have deposed the old leader yet; its lease must have run out already.
    expect(leader.role).toBe("leader");
    expect(leader.readIndex(2)).toBe(true);
    expect(readsOf([leader.takeReady()])).toEqual([]);
  });

  it("is void once leadership transfer started (its target campaigns through the followers' lease)", () => {
    const { nodes, run } = cluster();
    const leader = elect(nodes, run);
    for (let t = 0; t < 2; t++) leader.tick();
    run((_from, to) => to !== 3);
    expect(leader.readIndex(8)).toBe(true);
    expect(readsOf([leader.takeReady()]).map((r) => r.requestId)).toEqual([8]); // the lease holds
    expect(leader.transferLeadership(2)).toBe(true);
    run((from, to) => from === 1 && to !== 2); // the TimeoutNow (and everything to 2) is lost
    expect(leader.role).toBe("leader");
    expect(leader.readIndex(9)).toBe(true);
    const ready = leader.takeReady();
    expect(readsOf([ready])).toEqual([]);
    expect(ready.messages.some((m) => m.kind === "heartbeat")).toBe(true);
  });

  it("makes a restarted node refuse votes for an election timeout, and needs check-quorum", () => {
    const fresh = new RaftNode({ id: 3, voters: [1, 2, 3], random: fixed, config: { isLeaseReadEnabled: true } });
    fresh.step({ kind: "vote", from: 2, to: 3, term: term(5), isPreVote: false, lastLogIndex: 9, lastLogTerm: term(4), isLeaderTransfer: false });
    expect(fresh.term).toBe(0n);
    for (let t = 0; t < 10; t++) fresh.tick();
    fresh.step({ kind: "vote", from: 2, to: 3, term: term(5), isPreVote: false, lastLogIndex: 9, lastLogTerm: term(4), isLeaderTransfer: false });
    expect(fresh.term).toBe(5n);
    const make = (config: object): RaftNode => new RaftNode({ id: 1, voters: [1], random: fixed, config });
    expect(() => make({ isLeaseReadEnabled: true, isCheckQuorumEnabled: false })).toThrow(/isCheckQuorumEnabled/);
    expect(() => make({ leaseDriftTicks: 10 })).toThrow(/leaseDriftTicks/);
    expect(() => make({ leaseDriftTicks: -1 })).toThrow(RaftConfigError);
  });
});
