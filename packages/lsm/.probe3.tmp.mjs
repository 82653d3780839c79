import { MemTable } from "./dist/mem-table.js";
import { invariants } from "@omnikv/base";
invariants.enabled = false;
function rnd(seed){ let x = seed; return () => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return (x >>> 0); }; }
const r = rnd(12345);
for (const N of [1000, 10000, 100000, 1000000]) {
const keys = Array.from({length: N}, () => { const b = new Uint8Array(16); for (let i=0;i<16;i++) b[i] = r() & 255; return b; });
const value = new Uint8Array(100);
const table = new MemTable();
let t = performance.now();
for (let i = 0; i < N; i++) table.add(i + 1, 1, keys[i], value);
const addNs = (performance.now() - t) * 1e6 / N;
const M = 200000;
let best = 1e9;
for (let rep = 0; rep < 5; rep++) {
  t = performance.now();
  let found = 0;
  for (let i = 0; i < M; i++) if (table.get(keys[(i * 7919) % N], N) !== undefined) found++;
  best = Math.min(best, (performance.now() - t) * 1e6 / M);
}
console.log(`N=${N} add ${addNs.toFixed(0)}ns/op get best ${best.toFixed(0)}ns/op`);
}
