/**
 * Bounded memory: over 1,000,000 serializable read-modify-write transactions from concurrent
 * workers, everything the manager tracks for conflict detection — committed transactions, SIREAD
 * keys, write-conflict keys, row locks — stays bounded by what the transactions running at the
 * same time can need, because committed transactions are pruned once every active one sees them.
 */
import { describe, expect, it } from "vitest";
import { MemoryMvccStore, TransactionManager, type TransactionManagerStats } from "@omnikv/txn";
import { withSeed, type SeededRandom } from "@omnikv/testkit";
import { b } from "./helpers.ts";

const transactionsTotal = 1_000_000;
const workers = 16;
const keyCount = 10_000;
const trackedMax = 4 * workers;

async function work(manager: TransactionManager, random: SeededRandom, count: number, samples: TransactionManagerStats[]): Promise<number> {
  let aborted = 0;
  for (let i = 0; i < count; i++) {
    const txn = await manager.begin();
    const key = b(`k${random.int(0, keyCount - 1)}`);
    try {
      txn.get(b(`k${random.int(0, keyCount - 1)}`));
      await txn.put(key, b(String(i)));
      await txn.commit();
    } catch (error) {
      if (!(typeof error === "object" && error !== null && "sqlState" in error && error.sqlState === "40001")) throw error;
      if (txn.status === "active") txn.rollback();
      aborted += 1;
    }
    if (i % 4096 === 0) samples.push(manager.stats());
  }
  return aborted;
}

describe("TransactionManager memory", () => {
  it("stays bounded over 1,000,000 concurrent transactions", async () => {
    await withSeed("bounded memory", async (random) => {
      const store = new MemoryMvccStore();
      const manager = new TransactionManager(store, { sync: false });
      const samples: TransactionManagerStats[] = [];
      const perWorker = transactionsTotal / workers;
      const aborts = await Promise.all(Array.from({ length: workers }, () => work(manager, random, perWorker, samples)));
      const final = manager.stats();
      expect(final.commits + final.rollbacks).toBe(transactionsTotal);
      expect(final.commits).toBeGreaterThan(transactionsTotal * 0.99);
      expect(aborts.reduce((x, y) => x + y, 0)).toBe(final.rollbacks);
      const peak = (pick: (stats: TransactionManagerStats) => number): number => Math.max(...samples.map(pick));
      expect(samples.length).toBeGreaterThan(200);
      expect(peak((s) => s.active)).toBeLessThanOrEqual(workers);
      expect(peak((s) => s.trackedCommitted)).toBeLessThanOrEqual(trackedMax);
      expect(peak((s) => s.readLockKeys)).toBeLessThanOrEqual(trackedMax * 2);
      expect(peak((s) => s.writeConflictKeys)).toBeLessThanOrEqual(trackedMax);
      expect(peak((s) => s.lockedKeys)).toBeLessThanOrEqual(workers);
      // Idle, nothing is left behind.
      expect([final.active, final.trackedCommitted, final.readLockKeys, final.writeConflictKeys, final.lockedKeys]).toEqual([0, 0, 0, 0, 0]);
      expect(store.keyCount).toBeLessThanOrEqual(keyCount);
    });
  });
});
