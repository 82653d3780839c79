// One engine's side of the key-value comparison benchmark (see kv-compare.mjs): run in its own
// process so each engine's RSS and heap are its own. Prints one JSON line of figures.
//
// usage: node kv-engines.mjs <engine> <dir> <keys> <seconds>
//   engine: omnikv | lmdb | classic-level
import { randomFillSync } from "node:crypto";
import { mkdirSync } from "node:fs";

const [engineName, dirArgument, keysText, secondsText] = process.argv.slice(2);
if (engineName === undefined || dirArgument === undefined) throw new Error("usage: kv-engines <engine> <dir> [keys] [seconds]");
const dir = dirArgument;
const keyCount = Number(keysText ?? "1000000");
const seconds = Number(secondsText ?? "2");
const batchSize = 1000;
const concurrentWriters = 64;
mkdirSync(dir, { recursive: true });

/** 16-byte keys: "key:" + 12 bytes of the index, so order is numeric. @param {number} i */
function keyOf(i) {
  const key = Buffer.alloc(16);
  key.write("key:", 0, "latin1");
  key.writeUIntBE(Math.floor(i / 2 ** 32), 4, 4);
  key.writeUInt32BE(i >>> 0, 8);
  key.writeUInt32BE(0, 12);
  return key;
}

/** Pseudo-random 100-byte values (incompressible, as real data mostly is). */
const values = Array.from({ length: 1024 }, () => randomFillSync(Buffer.alloc(100)));
const valueOf = (/** @type {number} */ i) => values[i % values.length] ?? Buffer.alloc(100);
/** A fixed permutation so loads insert in random order. @param {number} i */
const shuffled = (i) => Number((BigInt(i) * 2654435761n) % BigInt(keyCount));

/**
 * @typedef {{
 *   loadBatch(entries: [Buffer, Buffer][]): Promise<void>,
 *   settle(): Promise<void>,
 *   get(key: Buffer): unknown,
 *   scanCount(): Promise<number>,
 *   putDurable(key: Buffer, value: Buffer): Promise<void>,
 *   close(): Promise<void>,
 * }} Engine
 */

/** @returns {Promise<Engine>} */
async function openEngine() {
  if (engineName === "omnikv") {
    const { LsmStore } = await import("@omnikv/lsm");
    const store = await LsmStore.open(dir);
    return {
      loadBatch: async (entries) => {
        await store.write(entries.map(([key, value]) => ({ type: /** @type {const} */ ("put"), key, value })), { sync: true });
      },
      settle: async () => {
        await store.flush();
        await store.compact();
      },
      get: (key) => store.get(key),
      scanCount: async () => {
        let n = 0;
        for (const _ of store.scan()) n++;
        return n;
      },
      putDurable: (key, value) => store.put(key, value, { sync: true }),
      close: () => store.close(),
    };
  }
  if (engineName === "lmdb") {
    const { open } = await import("lmdb");
    const db = open({ path: dir, keyEncoding: "binary", encoding: "binary", compression: false });
    return {
      loadBatch: async (entries) => {
        await db.transaction(() => {
          // Inside a transaction callback puts are synchronous; their promises are the transaction's.
          for (const [key, value] of entries) void db.put(key, value);
        });
      },
      settle: async () => {},
      get: (key) => db.getBinaryFast(key),
      scanCount: async () => {
        let n = 0;
        for (const _ of db.getRange()) n++;
        return n;
      },
      putDurable: async (key, value) => {
        await db.put(key, value);
      },
      close: () => db.close(),
    };
  }
  if (engineName === "classic-level") {
    const { ClassicLevel } = await import("classic-level");
    /** @type {import("classic-level").ClassicLevel<Buffer, Buffer>} */
    const db = new ClassicLevel(dir, { keyEncoding: "buffer", valueEncoding: "buffer" });
    await db.open();
    return {
      loadBatch: (entries) => db.batch(entries.map(([key, value]) => ({ type: /** @type {const} */ ("put"), key, value })), { sync: true }),
      settle: () => db.compactRange(keyOf(0), keyOf(keyCount)),
      get: (key) => db.getSync(key),
      scanCount: async () => {
        let n = 0;
        const iterator = db.iterator();
        for (let chunk = await iterator.nextv(1000); chunk.length > 0; chunk = await iterator.nextv(1000)) n += chunk.length;
        await iterator.close();
        return n;
      },
      putDurable: (key, value) => db.put(key, value, { sync: true }),
      close: () => db.close(),
    };
  }
  throw new Error(`unknown engine ${engineName}`);
}

const engine = await openEngine();
let peakRss = 0;
const rssTimer = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 50);

// 1. Bulk load: batches of 1,000 in random key order, each batch synced.
let started = performance.now();
for (let i = 0; i < keyCount; i += batchSize) {
  /** @type {[Buffer, Buffer][]} */
  const entries = [];
  for (let j = i; j < Math.min(i + batchSize, keyCount); j++) entries.push([keyOf(shuffled(j)), valueOf(j)]);
  await engine.loadBatch(entries);
}
const loadPerSecond = keyCount / ((performance.now() - started) / 1000);
started = performance.now();
await engine.settle();
const settleSeconds = (performance.now() - started) / 1000;

// 2. Random point reads, synchronous, for `seconds`, right after the load: caches start cold. Then
// the same reads again for `seconds` ("warm"): every probe key has been read, so this is the
// steady state, where an engine's own cache holds what the probes touch.
const probes = Array.from({ length: 65536 }, () => keyOf(Math.floor(Math.random() * keyCount)));
let misses = 0;
/** Reads per second over `seconds` of `get`s cycling through the probes. */
function timedReads() {
  let reads = 0;
  const readStarted = performance.now();
  const readDeadline = readStarted + seconds * 1000;
  while (performance.now() < readDeadline) {
    for (let k = 0; k < 1024; k++) {
      if (engine.get(probes[(reads + k) & 65535] ?? keyOf(0)) === undefined) misses++;
    }
    reads += 1024;
  }
  return reads / ((performance.now() - readStarted) / 1000);
}
const readsPerSecond = timedReads();
const readsWarmPerSecond = timedReads();

// 3. Full forward scan.
started = performance.now();
const scanned = await engine.scanCount();
const scanPerSecond = scanned / ((performance.now() - started) / 1000);

// 4. Durable single puts from 64 concurrent writers, for `seconds`.
let puts = 0;
started = performance.now();
const putDeadline = started + seconds * 1000;
await Promise.all(
  Array.from({ length: concurrentWriters }, async (_, w) => {
    for (let i = 0; performance.now() < putDeadline; i++) {
      await engine.putDurable(keyOf(keyCount + w * 1_000_000 + i), valueOf(i));
      puts++;
    }
  }),
);
const putsPerSecond = puts / ((performance.now() - started) / 1000);

await engine.close();
clearInterval(rssTimer);
console.log(
  JSON.stringify({
    engine: engineName,
    keyCount,
    loadPerSecond,
    settleSeconds,
    readsPerSecond,
    readsWarmPerSecond,
    readMisses: misses,
    scanned,
    scanPerSecond,
    putsPerSecond,
    peakRssBytes: peakRss,
  }),
);
