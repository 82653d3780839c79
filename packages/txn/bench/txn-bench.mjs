// Whole-process benchmark of @omnikv/txn over the built packages (dist/), as a consumer runs it.
//
// 1. Low-contention read-modify-write transactions per second: W workers, each transaction reads
//    one random key of 100,000 and writes it back incremented, SERIALIZABLE, commits unsynced
//    (target >= 100,000/s) — over LsmStore and over MemoryMvccStore; and durable (synced) commits
//    over LsmStore for reference.
// 2. Abort rate under contention: the same workload of transactions (read 4 of 64 hot keys,
//    write 1 of them) run once under SSI and once under plain optimistic validation of every
//    read (REPEATABLE READ plus backward validation: abort if anything read was committed by a
//    transaction that validated after this one began). SSI must abort fewer.
//
// Usage: node bench/txn-bench.mjs [seconds per measurement, default 3]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LsmStore } from "@omnikv/lsm";
import { MemoryMvccStore, TransactionManager } from "@omnikv/txn";

const seconds = Number(process.argv[2] ?? 3);
const encoder = new TextEncoder();
const decoder = new TextDecoder();
/** Keys are encoded once, so the figures measure transactions, not TextEncoder. */
const encodedKeys = Array.from({ length: 100_000 }, (_, i) => encoder.encode(`key${String(i).padStart(8, "0")}`));
/** @param {number} i */
const keyOf = (i) => encodedKeys[i] ?? encoder.encode(`key${String(i).padStart(8, "0")}`);

/**
 * A small deterministic generator (mulberry32), so both contention runs see the same stream.
 * @param {number} seed
 * @returns {() => number}
 */
function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** @param {unknown} error */
function isRetryable(error) {
  return typeof error === "object" && error !== null && "sqlState" in error && typeof error.sqlState === "string" && error.sqlState.startsWith("40");
}

/**
 * @param {import("@omnikv/txn").MvccStore} store
 * @param {number} count
 */
async function preload(store, count) {
  for (let start = 0; start < count; start += 1000) {
    /** @type {import("@omnikv/txn").MvccWrite[]} */
    const batch = [];
    for (let i = start; i < Math.min(count, start + 1000); i++) batch.push({ type: "put", key: keyOf(i), value: encoder.encode("0") });
    await store.write(batch, { sync: false });
  }
}

/**
 * Read-modify-write transactions from `workers` workers for `seconds`; returns commits/s and aborts.
 * @param {TransactionManager} manager
 * @param {number} keyCount
 * @param {number} workers
 */
async function readModifyWrite(manager, keyCount, workers) {
  let commits = 0;
  let aborts = 0;
  const deadline = performance.now() + seconds * 1000;
  const next = random(42);
  async function worker() {
    while (performance.now() < deadline) {
      for (let burst = 0; burst < 64; burst++) {
        const txn = await manager.begin();
        const key = keyOf(Math.floor(next() * keyCount));
        try {
          const value = Number(decoder.decode(txn.get(key)));
          await txn.put(key, encoder.encode(String(value + 1)));
          await txn.commit();
          commits += 1;
        } catch (error) {
          if (!isRetryable(error)) throw error;
          if (txn.status === "active") txn.rollback();
          aborts += 1;
        }
      }
    }
  }
  const started = performance.now();
  await Promise.all(Array.from({ length: workers }, worker));
  return { perSecond: commits / ((performance.now() - started) / 1000), commits, aborts };
}

/**
 * @template T
 * @param {(store: LsmStore) => Promise<T>} body
 * @returns {Promise<T>}
 */
async function withLsm(body) {
  const dir = mkdtempSync(join(tmpdir(), "txn-bench-"));
  const store = await LsmStore.open(join(dir, "db"));
  try {
    return await body(store);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The contended workload: a fixed list of transactions (4 reads, 1 write of 64 hot keys).
 * @param {number} count
 * @returns {{ reads: number[]; write: number }[]}
 */
function contendedPlan(count) {
  const next = random(7);
  return Array.from({ length: count }, () => {
    const reads = Array.from({ length: 4 }, () => Math.floor(next() * 64));
    return { reads, write: reads[Math.floor(next() * 4)] ?? 0 };
  });
}

/**
 * Runs `plan` with `workers` concurrent workers; `validate` adds optimistic validation.
 * @param {{ reads: number[]; write: number }[]} plan
 * @param {import("@omnikv/txn").IsolationLevel} isolation
 * @param {number} workers
 * @param {boolean} validate
 */
async function runContended(plan, isolation, workers, validate) {
  const store = new MemoryMvccStore();
  await preload(store, 64);
  const manager = new TransactionManager(store, { sync: false });
  /** @type {Map<number, number>} */
  const lastValidated = new Map();
  let validations = 0;
  let aborts = 0;
  let index = 0;
  async function worker() {
    for (let item = plan[index++]; item !== undefined; item = plan[index++]) {
      const txn = await manager.begin({ isolation });
      const begunAt = validations;
      try {
        for (const read of item.reads) {
          txn.get(keyOf(read));
          await new Promise((resolve) => setImmediate(resolve));
        }
        const value = Number(decoder.decode(txn.get(keyOf(item.write))));
        await txn.put(keyOf(item.write), encoder.encode(String(value + 1)));
        if (validate && item.reads.some((read) => (lastValidated.get(read) ?? 0) > begunAt)) {
          txn.rollback();
          aborts += 1;
          continue;
        }
        if (validate) lastValidated.set(item.write, ++validations);
        await txn.commit();
      } catch (error) {
        if (!isRetryable(error)) throw error;
        if (txn.status === "active") txn.rollback();
        aborts += 1;
      }
    }
  }
  await Promise.all(Array.from({ length: workers }, worker));
  return { aborts, rate: aborts / plan.length };
}

/**
 * @param {string} label
 * @param {string} value
 */
function line(label, value) {
  console.log(`${label.padEnd(62)} ${value}`);
}

const workers = 32;
console.log(`@omnikv/txn benchmark: ${seconds} s per measurement, ${workers} workers, Node ${process.version}`);
const memory = new MemoryMvccStore();
await preload(memory, 100_000);
const memoryResult = await readModifyWrite(new TransactionManager(memory, { sync: false }), 100_000, workers);
line("RMW txns/s, SERIALIZABLE, MemoryMvccStore", `${Math.round(memoryResult.perSecond).toLocaleString("en-US")}/s (aborts ${memoryResult.aborts})`);
const lsmUnsynced = await withLsm(async (store) => {
  await preload(store, 100_000);
  return readModifyWrite(new TransactionManager(store, { sync: false }), 100_000, workers);
});
line("RMW txns/s, SERIALIZABLE, LsmStore, unsynced commits", `${Math.round(lsmUnsynced.perSecond).toLocaleString("en-US")}/s (aborts ${lsmUnsynced.aborts})`);
const lsmSynced = await withLsm(async (store) => {
  await preload(store, 100_000);
  return readModifyWrite(new TransactionManager(store), 100_000, 64);
});
line("RMW txns/s, SERIALIZABLE, LsmStore, durable commits, 64 workers", `${Math.round(lsmSynced.perSecond).toLocaleString("en-US")}/s (aborts ${lsmSynced.aborts})`);

const plan = contendedPlan(20_000);
for (const contendedWorkers of [4, 16]) {
  const ssi = await runContended(plan, "serializable", contendedWorkers, false);
  const occ = await runContended(plan, "repeatable read", contendedWorkers, true);
  const ratio = occ.rate === 0 ? "n/a" : (ssi.rate / occ.rate).toFixed(2);
  line(`abort rate, 64 hot keys, ${contendedWorkers} workers: SSI`, `${(ssi.rate * 100).toFixed(2)}% (${ssi.aborts} of ${plan.length})`);
  line(`abort rate, 64 hot keys, ${contendedWorkers} workers: optimistic validation of reads`, `${(occ.rate * 100).toFixed(2)}% (${occ.aborts} of ${plan.length}); SSI/OCC = ${ratio}`);
}
