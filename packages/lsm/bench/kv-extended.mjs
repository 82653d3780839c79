// The longer lsm measurements of issue 3, OmniKV only (run with `npm run bench:extended -w
// @omnikv/lsm`; not part of `bench`, they take minutes):
//   1. random reads on a data set about 4x larger than the block cache (cache hit rate reported);
//   2. write and space amplification after EXT_OVERWRITES (5,000,000) random overwrites of
//      EXT_KEYS (1,000,000) keys;
//   3. peak RSS while loading EXT_BIG_KEYS (10,000,000) keys with a 64 MiB memtable and a 128 MiB
//      block cache.
// Keys are 16 bytes, values 100 incompressible bytes, writes in synced batches of 1,000.
import { randomFillSync } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LsmStore } from "@omnikv/lsm";

const keyCount = Number(process.env["EXT_KEYS"] ?? "1000000");
const overwrites = Number(process.env["EXT_OVERWRITES"] ?? "5000000");
const bigKeyCount = Number(process.env["EXT_BIG_KEYS"] ?? "10000000");
const baseDir = process.env["KV_BENCH_DIR"] ?? tmpdir();
const values = Array.from({ length: 1024 }, () => randomFillSync(Buffer.alloc(100)));

/** @param {number} i */
function keyOf(i) {
  const key = Buffer.alloc(16);
  key.write("key:", 0, "latin1");
  key.writeUInt32BE(Math.floor(i / 2 ** 32), 4);
  key.writeUInt32BE(i >>> 0, 8);
  return key;
}

/** @param {LsmStore} store @param {number} count @param {(i: number) => number} keyIndex */
async function load(store, count, keyIndex) {
  for (let i = 0; i < count; i += 1000) {
    const batch = [];
    for (let j = i; j < Math.min(i + 1000, count); j++) batch.push({ type: /** @type {const} */ ("put"), key: keyOf(keyIndex(j)), value: values[j % 1024] ?? Buffer.alloc(100) });
    await store.write(batch, { sync: true });
  }
}

const fmt = (/** @type {number} */ n) => Math.round(n).toLocaleString("en-US");

{
  const dir = mkdtempSync(join(baseDir, "omnikv-ext-"));
  const dataBytes = keyCount * 116;
  const store = await LsmStore.open(dir, { blockCacheBytes: Math.floor(dataBytes / 4) });
  await load(store, keyCount, (j) => Number((BigInt(j) * 2654435761n) % BigInt(keyCount)));
  await store.compact();
  let reads = 0;
  const started = performance.now();
  while (performance.now() - started < 5000) {
    for (let k = 0; k < 1024; k++) store.get(keyOf(Math.floor(Math.random() * keyCount)));
    reads += 1024;
  }
  const stats = store.stats();
  console.log(`random reads, data ${fmt(dataBytes / 1e6)} MB vs cache ${fmt(dataBytes / 4e6)} MB: ${fmt(reads / ((performance.now() - started) / 1000))}/s, cache hit rate ${stats.blockCacheHitRate.toFixed(3)}`);

  const before = store.stats();
  await load(store, overwrites, () => Math.floor(Math.random() * keyCount));
  await store.flush();
  const after = store.stats();
  const userBytes = after.userBytesWritten - before.userBytesWritten;
  const written = after.walBytesWritten - before.walBytesWritten + (after.flushBytesWritten - before.flushBytesWritten) + (after.compactionBytesWritten - before.compactionBytesWritten);
  console.log(`after ${fmt(overwrites)} random overwrites: write amplification ${(written / userBytes).toFixed(2)}, space amplification ${after.spaceAmplification.toFixed(2)}, levels ${JSON.stringify(after.levels.map((l) => l.files))}`);
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}

{
  const dir = mkdtempSync(join(baseDir, "omnikv-ext-big-"));
  let peakRss = 0;
  const timer = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 100);
  const store = await LsmStore.open(dir, { memTableBytes: 64 * 1024 * 1024, blockCacheBytes: 128 * 1024 * 1024 });
  const started = performance.now();
  await load(store, bigKeyCount, (j) => Number((BigInt(j) * 2654435761n) % BigInt(bigKeyCount)));
  const seconds = (performance.now() - started) / 1000;
  await store.close();
  clearInterval(timer);
  console.log(`loading ${fmt(bigKeyCount)} keys: ${fmt(bigKeyCount / seconds)}/s, peak RSS ${fmt(peakRss / 1e6)} MB (limit 1,074 MB)`);
  rmSync(dir, { recursive: true, force: true });
}
