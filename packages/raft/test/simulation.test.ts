/**
 * Deterministic simulation: RAFT_SEEDS seeds (default 300) each run a 3- or 5-node cluster through
 * a chaos phase and a liveness phase (see support/simulator.ts), then the client history is
 * checked for linearizability. A failure names its seed; `RAFT_SEED=<n> npx vitest run
 * test/simulation.test.ts` replays exactly that run.
 */
import { describe, expect, it } from "vitest";
import { checkLinearizable } from "./support/linearizability.ts";
import { Simulator } from "./support/simulator.ts";

const seedCount = Number(process.env["RAFT_SEEDS"] ?? "300");
const onlySeed = process.env["RAFT_SEED"];
const firstSeed = Number(process.env["RAFT_FIRST_SEED"] ?? "1");

const leaseSeedCount = Number(process.env["RAFT_LEASE_SEEDS"] ?? "100");

/** Removed leaders dropped right as their removal committed, over the seeds run (must happen). */
let removedLeaderDrops = 0;

function runSeed(seed: number, isLeaseRead = false): void {
  const result = new Simulator({ seed, isLeaseRead }).run();
  removedLeaderDrops += result.removedLeaderDrops;
  const check = checkLinearizable(result.history);
  if (check.outcome !== "ok") {
    throw new Error(`seed ${seed}: linearizability ${check.outcome} on key ${check.key} (replay: RAFT_SEED=${seed} npx vitest run test/simulation.test.ts)`);
  }
}

describe("deterministic simulation", () => {
  it("replays a seed identically (same trace hash)", () => {
    const first = new Simulator({ seed: 42 }).run();
    const second = new Simulator({ seed: 42 }).run();
    expect(second.traceHash).toBe(first.traceHash);
    expect(second.steps).toBe(first.steps);
    expect(new Simulator({ seed: 43 }).run().traceHash).not.toBe(first.traceHash);
  });

  it(`keeps safety and liveness over ${onlySeed === undefined ? seedCount : 1} seeds`, () => {
    const seeds = onlySeed === undefined ? Array.from({ length: seedCount }, (_, i) => firstSeed + i) : [Number(onlySeed)];
    let commits = 0;
    for (const seed of seeds) {
      try {
        runSeed(seed);
      } catch (error) {
        const detail = error instanceof Error ? error.message : String(error);
        throw new Error(`simulation failed with RAFT_SEED=${seed} (replay: RAFT_SEED=${seed} npx vitest run test/simulation.test.ts)\n${detail}`, { cause: error });
      }
      commits += 1;
    }
    expect(commits).toBe(seeds.length);
    // The seeds reach the removed-leader case (membership churn is in half of them).
    if (onlySeed === undefined) expect(removedLeaderDrops).toBeGreaterThan(0);
  }, 600_000);

  it(`keeps reads linearizable with lease reads over ${onlySeed === undefined ? leaseSeedCount : 1} seeds`, () => {
    const seeds = onlySeed === undefined ? Array.from({ length: leaseSeedCount }, (_, i) => firstSeed + i) : [Number(onlySeed)];
    let passed = 0;
    for (const seed of seeds) {
      try {
        runSeed(seed, true);
        passed += 1;
      } catch (error) {
        const detail = error instanceof Error ? error.message : String(error);
        throw new Error(`lease-read simulation failed with RAFT_SEED=${seed} (lease mode)\n${detail}`, { cause: error });
      }
    }
    expect(passed).toBe(seeds.length);
  }, 600_000);
});
