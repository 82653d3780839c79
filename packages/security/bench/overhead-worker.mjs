// One side of the encryption-overhead benchmark (see encryption-overhead.mjs), in its own process:
// an LsmStore with or without the security package's ciphers, loaded in synced batches, flushed
// and compacted, then timed on random point reads and full scans. Prints one JSON line.
//
// usage: node overhead-worker.mjs <plain|encrypted> <dir> <keys> <seconds> <block cache bytes>
import { randomFillSync } from "node:crypto";
import { LsmStore } from "@omnikv/lsm";
import { Keyring, createStoreCiphers } from "@omnikv/security";

const [variant, dir, keysText, secondsText, cacheText] = process.argv.slice(2);
if (variant === undefined || dir === undefined) throw new Error("usage: overhead-worker <plain|encrypted> <dir> <keys> <seconds> <cache bytes>");
const keyCount = Number(keysText ?? "300000");
const seconds = Number(secondsText ?? "2");
const blockCacheBytes = Number(cacheText ?? String(8 * 1024 * 1024));
const batchSize = 1000;

/** 16-byte keys in numeric order. @param {number} i */
function keyOf(i) {
  const key = Buffer.alloc(16);
  key.write("key:", 0, "latin1");
  key.writeUInt32BE(i >>> 0, 8);
  return key;
}
const values = Array.from({ length: 1024 }, () => randomFillSync(Buffer.alloc(100)));
const valueOf = (/** @type {number} */ i) => values[i % values.length] ?? Buffer.alloc(100);
const shuffled = (/** @type {number} */ i) => Number((BigInt(i) * 2654435761n) % BigInt(keyCount));

const ciphers = variant === "encrypted" ? createStoreCiphers(Keyring.generate()) : undefined;
const store = await LsmStore.open(dir, {
  blockCacheBytes,
  ...(ciphers === undefined ? {} : { cipher: { block: ciphers.block, wal: ciphers.wal, manifest: ciphers.manifest } }),
});

let started = performance.now();
for (let i = 0; i < keyCount; i += batchSize) {
  const entries = [];
  for (let j = i; j < Math.min(i + batchSize, keyCount); j++) entries.push({ type: /** @type {const} */ ("put"), key: keyOf(shuffled(j)), value: valueOf(j) });
  await store.write(entries, { sync: true });
}
const loadPerSecond = keyCount / ((performance.now() - started) / 1000);
await store.flush();
await store.compact();

const probes = Array.from({ length: 65536 }, () => keyOf(Math.floor(Math.random() * keyCount)));
let reads = 0;
started = performance.now();
const deadline = started + seconds * 1000;
while (performance.now() < deadline) {
  for (let k = 0; k < 1024; k++) {
    if (store.get(probes[(reads + k) & 65535] ?? keyOf(0)) === undefined) throw new Error("missing key");
  }
  reads += 1024;
}
const readsPerSecond = reads / ((performance.now() - started) / 1000);

let scanned = 0;
started = performance.now();
let scans = 0;
do {
  for (const _ of store.scan()) scanned++;
  scans++;
} while (performance.now() - started < seconds * 1000);
const scanPerSecond = scanned / ((performance.now() - started) / 1000);
if (scanned !== scans * keyCount) throw new Error(`scan saw ${scanned} entries in ${scans} scans of ${keyCount}`);

await store.close();
console.log(JSON.stringify({ loadPerSecond, readsPerSecond, scanPerSecond }));
