/**
 * `RaftNode` directly, for what the interaction scripts and the simulator do not pin down:
 * configuration errors, a single-node cluster, backpressure limits, and restart from a snapshot.
 */
import { describe, expect, it } from "vitest";
import { term } from "@omnikv/base";
import { RaftConfigError, RaftNode, membershipOf, type Ready } from "@omnikv/raft";

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
