import { MemTable } from "./dist/mem-table.js";
import { invariants } from "@omnikv/base";
invariants.enabled = process.env.INV === "1";
function rnd(seed){ let x = seed; return () => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return (x >>> 0); }; }
const r = rnd(12345);
const N = 100000;
const keys = Array.from({length: N}, () => { const b = new Uint8Array(16); for (let i=0;i<16;i++) b[i] = r() & 255; return b; });
const values = Array.from({length: N}, () => { const b = new Uint8Array(100); for (let i=0;i<100;i++) b[i] = r() & 255; return b; });
for (let rep = 0; rep < 8; rep++) {
  let t = performance.now();
  const table = new MemTable();
  for (let i = 0; i < N; i++) table.add(i + 1, 1, keys[i], values[i]);
  const addMs = performance.now() - t;
  t = performance.now();
  let found = 0;
  for (let i = 0; i < N; i++) if (table.get(keys[(i * 7919) % N], N) !== undefined) found++;
  const getMs = performance.now() - t;
  t = performance.now();
  const it = table.iterator(); let c = 0;
  for (it.seekToFirst(); it.isValid; it.next()) c += it.key().length;
  const iterMs = performance.now() - t;
  console.log(`add ${addMs.toFixed(1)}ms get ${getMs.toFixed(1)}ms iter ${iterMs.toFixed(1)}ms found ${found}`);
}
