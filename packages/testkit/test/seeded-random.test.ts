import { describe, expect, it } from "vitest";
import { SeededRandom, propertyParams, propertyRunTimeoutMs, withSeed } from "@omnikv/testkit";

describe("SeededRandom", () => {
  it("is deterministic for a seed and differs across seeds", () => {
    const a = new SeededRandom(42);
    const b = new SeededRandom(42);
    const c = new SeededRandom(43);
    const drawsA = Array.from({ length: 8 }, () => a.nextUint32());
    expect(Array.from({ length: 8 }, () => b.nextUint32())).toEqual(drawsA);
    expect(Array.from({ length: 8 }, () => c.nextUint32())).not.toEqual(drawsA);
  });

  it("keeps int() within bounds and reaches both ends", () => {
    const random = new SeededRandom(7);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const v = random.int(-2, 2);
      expect(v).toBeGreaterThanOrEqual(-2);
      expect(v).toBeLessThanOrEqual(2);
      seen.add(v);
    }
    expect([...seen].sort((a, b) => a - b)).toEqual([-2, -1, 0, 1, 2]);
  });

  it("rejects empty ranges", () => {
    expect(() => new SeededRandom(1).int(3, 2)).toThrow(RangeError);
    expect(() => new SeededRandom(1).pick([])).toThrow(RangeError);
  });
});

describe("withSeed", () => {
  it("puts the seed into a failure message", async () => {
    process.env["SEED"] = "1234";
    try {
      await expect(
        withSeed("demo", () => {
          throw new Error("boom");
        }),
      ).rejects.toThrowError(/demo failed with SEED=1234[\s\S]*boom/);
    } finally {
      delete process.env["SEED"];
    }
  });

  it("returns the body's value", async () => {
    expect(await withSeed("ok", (random) => random.seed >= 0)).toBe(true);
  });
});

describe("propertyParams", () => {
  it("reads FC_SEED and FC_NUM_RUNS", () => {
    process.env["FC_SEED"] = "99";
    process.env["FC_NUM_RUNS"] = "5";
    try {
      expect(propertyParams(100)).toEqual({ seed: 99, numRuns: 5, verbose: 1, timeout: propertyRunTimeoutMs });
    } finally {
      delete process.env["FC_SEED"];
      delete process.env["FC_NUM_RUNS"];
    }
    expect(propertyParams(100).numRuns).toBe(100);
  });
});
