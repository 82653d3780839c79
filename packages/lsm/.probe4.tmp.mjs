import { MemTable } from "./dist/mem-table.js";
import { invariants } from "@omnikv/base";
invariants.enabled = false;
function rnd(seed){ let x = seed; return () => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return (x >>> 0); }; }
const r = rnd(12345);
const N = 100000;
const keys = Array.from({length: N}, () => { const b = new Uint8Array(16); for (let i=0;i<16;i++) b[i] = r() & 255; return b; });
const table = new MemTable();
globalThis.__cmp = 0;
for (let i = 0; i < N; i++) table.add(i + 1, 1, keys[i], new Uint8Array(100));
console.log("compares per add", globalThis.__cmp / N);
globalThis.__cmp = 0;
for (let i = 0; i < N; i++) table.get(keys[i], N);
console.log("compares per get", globalThis.__cmp / N);
