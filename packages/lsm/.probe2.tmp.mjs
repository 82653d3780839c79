import { compareBytes } from "./dist/internal/bytes.js";
function rnd(seed){ let x = seed; return () => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return (x >>> 0); }; }
const r = rnd(12345);
const N = 100000;
const keys = Array.from({length: N}, () => { const b = new Uint8Array(16); for (let i=0;i<16;i++) b[i] = r() & 255; return b; });
const sorted = [...keys].sort(compareBytes);
for (let rep = 0; rep < 5; rep++) {
  let t = performance.now(); let found = 0;
  for (let i = 0; i < N; i++) { const k = keys[(i*7919)%N]; let lo = 0, hi = N; while (lo < hi) { const m = (lo+hi)>>1; if (compareBytes(sorted[m], k) < 0) lo = m+1; else hi = m; } if (lo < N) found++; }
  console.log(`bsearch ${(performance.now()-t).toFixed(1)}ms`);
}
