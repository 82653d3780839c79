/**
 * Cluster membership and its quorum arithmetic, with joint consensus (Raft thesis §4.3, etcd's
 * joint configurations). A configuration has `voters`; during a change it is *joint*: the previous
 * voters stay as `outgoingVoters`, and every decision (election, commit, ReadIndex, check-quorum)
 * needs a majority of *both* sets. `learners` receive the log but never vote or count.
 *
 * Invariants (checked by `checkMembership`): ids are positive and distinct within a set; no
 * learner is a voter in either set; `voters` is non-empty unless the configuration is the empty
 * one a joining node starts with (it then waits for the leader to send it the log).
 */
import { assert } from "@omnikv/base";
import { quorumIndex, voteOutcome, type VoteOutcome } from "./internal/quorum.ts";
import { checkNodeId, type NodeId } from "./types.ts";

export interface MembershipConfig {
  readonly voters: readonly NodeId[];
  /** The previous voters while a change is in progress (joint consensus); empty otherwise. */
  readonly outgoingVoters: readonly NodeId[];
  readonly learners: readonly NodeId[];
}

export const emptyMembership: MembershipConfig = { voters: [], outgoingVoters: [], learners: [] };

export function membershipOf(voters: readonly NodeId[], learners: readonly NodeId[] = []): MembershipConfig {
  return checkMembership({ voters: sortedIds(voters), outgoingVoters: [], learners: sortedIds(learners) });
}

export function sortedIds(ids: readonly NodeId[]): readonly NodeId[] {
  return [...new Set(ids)].sort((a, b) => a - b);
}

export function checkMembership(config: MembershipConfig): MembershipConfig {
  for (const id of [...config.voters, ...config.outgoingVoters, ...config.learners]) checkNodeId(id, "member id");
  assert(new Set(config.voters).size === config.voters.length, "voters are distinct");
  assert(new Set(config.learners).size === config.learners.length, "learners are distinct");
  assert(config.outgoingVoters.length === 0 || config.voters.length > 0, "a joint configuration has incoming voters");
  for (const learner of config.learners) {
    assert(!config.voters.includes(learner) && !config.outgoingVoters.includes(learner), "a learner is not a voter");
  }
  return config;
}

export function isJoint(config: MembershipConfig): boolean {
  return config.outgoingVoters.length > 0;
}

/** Whether `id` votes in either half of the configuration. */
export function isVoter(config: MembershipConfig, id: NodeId): boolean {
  return config.voters.includes(id) || config.outgoingVoters.includes(id);
}

export function isMember(config: MembershipConfig, id: NodeId): boolean {
  return isVoter(config, id) || config.learners.includes(id);
}

/** Every voter of either half, sorted. */
export function allVoters(config: MembershipConfig): readonly NodeId[] {
  return sortedIds([...config.voters, ...config.outgoingVoters]);
}

/** Every member (voters of both halves and learners), sorted. */
export function allMembers(config: MembershipConfig): readonly NodeId[] {
  return sortedIds([...config.voters, ...config.outgoingVoters, ...config.learners]);
}

function halves(config: MembershipConfig): readonly (readonly NodeId[])[] {
  return isJoint(config) ? [config.voters, config.outgoingVoters] : [config.voters];
}

/** The largest value a quorum (of both halves when joint) has reached. */
export function jointQuorumIndex(config: MembershipConfig, valueOf: (id: NodeId) => number): number {
  return Math.min(...halves(config).map((voters) => quorumIndex(voters.map(valueOf))));
}

export function jointVoteOutcome(config: MembershipConfig, votes: ReadonlyMap<NodeId, boolean>): VoteOutcome {
  const outcomes = halves(config).map((voters) => voteOutcome(voters, votes));
  if (outcomes.includes("lost")) return "lost";
  return outcomes.every((o) => o === "won") ? "won" : "pending";
}

export function describeMembership(config: MembershipConfig): string {
  const parts = [`voters=${config.voters.join(",") || "-"}`];
  if (isJoint(config)) parts.push(`outgoing=${config.outgoingVoters.join(",")}`);
  if (config.learners.length > 0) parts.push(`learners=${config.learners.join(",")}`);
  return parts.join(" ");
}
