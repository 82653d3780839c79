/**
 * Majority arithmetic, kept apart so joint consensus (two majorities, both must agree) can wrap
 * it later: a joint quorum index is the min of the two, a joint vote is won when both are won.
 */
import { assert } from "@omnikv/base";

/** The largest value that a majority of `values` is at least: the median from the top. */
export function quorumIndex(values: readonly number[]): number {
  assert(values.length > 0, "a quorum needs at least one voter");
  const sorted = [...values].sort((a, b) => b - a);
  const value = sorted[Math.floor(sorted.length / 2)];
  assert(value !== undefined, "the quorum position is inside the array");
  return value;
}

export type VoteOutcome = "won" | "lost" | "pending";

/** Tally of a (pre-)vote round over `voters`; `votes` maps voter to granted/rejected. */
export function voteOutcome(voters: readonly number[], votes: ReadonlyMap<number, boolean>): VoteOutcome {
  const majority = Math.floor(voters.length / 2) + 1;
  let granted = 0;
  let rejected = 0;
  for (const voter of voters) {
    const vote = votes.get(voter);
    if (vote === true) granted += 1;
    if (vote === false) rejected += 1;
  }
  assert(granted + rejected <= voters.length, "no voter votes twice");
  if (granted >= majority) return "won";
  if (rejected > voters.length - majority) return "lost";
  return "pending";
}
