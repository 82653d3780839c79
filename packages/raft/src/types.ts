/**
 * Raft's scalar ids and the injected randomness source.
 *
 * - `NodeId` is a positive integer; `noNode` (0) means "none" (no leader known, no vote cast).
 * - `LogIndex` is a plain number. Raft indexes count log entries; at a million entries per second a
 *   node needs 285 years to pass 2^53, so a number is enough. Every index that enters the core is
 *   checked with `checkIndex`, which asserts it is a non-negative safe integer.
 * - `Term` is the branded bigint from @omnikv/base, so a term can never be passed as an index.
 */
import { assert, term as makeTerm, type Term } from "@omnikv/base";

export type NodeId = number;
export type LogIndex = number;
export type { Term };

/** "No node": no leader known, or no vote cast in this term. */
export const noNode: NodeId = 0;

export const termZero: Term = makeTerm(0);

export function nextTerm(value: Term): Term {
  return makeTerm(value + 1n);
}

export function checkIndex(index: LogIndex, what: string): LogIndex {
  assert(Number.isSafeInteger(index), `${what} must be a safe integer`);
  assert(index >= 0, `${what} must not be negative`);
  return index;
}

export function checkNodeId(id: NodeId, what: string): NodeId {
  assert(Number.isSafeInteger(id), `${what} must be a safe integer`);
  assert(id > 0, `${what} must be positive`);
  return id;
}

/**
 * The core has no randomness of its own: the randomized election timeout comes from here. A
 * simulator passes a seeded generator; a server may pass `Math.random`-backed one.
 */
export interface RandomSource {
  /** A uniform integer in [minInclusive, maxInclusive]. */
  int(minInclusive: number, maxInclusive: number): number;
}

/** A `RandomSource` over `Math.random`, for runtimes that need no replay. */
export const mathRandomSource: RandomSource = {
  int(minInclusive, maxInclusive) {
    return minInclusive + Math.floor(Math.random() * (maxInclusive - minInclusive + 1));
  },
};
