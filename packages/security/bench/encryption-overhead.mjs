// Encryption overhead on the lsm benchmark: the same store, workload and machine, with and
// without @omnikv/security's AES-256-GCM ciphers, in the same run. Each variant runs in its own
// process, alternating, BENCH_REPEATS times; the table shows medians and encrypted/plain.
// Target (issue 11): at most 15% slower.
//
// Two configurations: the lsm's defaults (a 128 MiB block cache of decrypted blocks, which holds
// this data set once warm) and a constrained 8 MiB cache, where most reads and every scan block
// are read from disk and decrypted: the worst case.
//
// Environment: BENCH_KEYS (default 500,000 keys of 16 bytes, 100-byte incompressible values),
// BENCH_SECONDS per timed phase (default 2), BENCH_REPEATS (default 3).
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const keys = process.env["BENCH_KEYS"] ?? "500000";
const seconds = process.env["BENCH_SECONDS"] ?? "2";
const repeats = Number(process.env["BENCH_REPEATS"] ?? "3");
const configurations = [
  {
    label: "lsm defaults (128 MiB block cache)",
    cacheBytes: String(128 * 1024 * 1024),
  },
  {
    label: "constrained 8 MiB block cache (worst case)",
    cacheBytes: String(8 * 1024 * 1024),
  },
];
const variants = ["plain", "encrypted"];
const worker = join(import.meta.dirname, "overhead-worker.mjs");

console.log(`@omnikv/security encryption overhead on the lsm: ${Number(keys).toLocaleString("en-US")} keys, ${seconds} s phases, median of ${repeats}`);
for (const { label, cacheBytes } of configurations) {
  console.log(`\n${label}`);
  printTable(measure(cacheBytes));
}

/** @param {string} cacheBytes @returns {Map<string, Record<string, number>[]>} */
function measure(cacheBytes) {
  /** @type {Map<string, Record<string, number>[]>} */
  const results = new Map(variants.map((v) => [v, []]));
  for (let run = 0; run < repeats; run++) {
    for (const variant of variants) {
      const dir = mkdtempSync(join(tmpdir(), `omnikv-enc-bench-${variant}-`));
      try {
        const output = execFileSync(process.execPath, [worker, variant, dir, keys, seconds, cacheBytes], {
          encoding: "utf8",
          stdio: ["ignore", "pipe", "inherit"],
        });
        /** @type {unknown} */
        const parsed = JSON.parse(output.trim().split("\n").at(-1) ?? "{}");
        /** @type {Record<string, number>} */
        const figures = {};
        if (typeof parsed === "object" && parsed !== null)
          for (const [key, value] of Object.entries(parsed)) if (typeof value === "number") figures[key] = value;
        results.get(variant)?.push(figures);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  return results;
}

/** @param {Map<string, Record<string, number>[]>} results @param {string} variant @param {string} field */
function median(results, variant, field) {
  const sorted = (results.get(variant) ?? []).map((r) => r[field] ?? 0).sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** @param {Map<string, Record<string, number>[]>} results */
function printTable(results) {
  const rows = [["metric", "plain", "encrypted", "encrypted/plain", "target >= 0.85"]];
  for (const [label, field] of [
    ["batched load, sync per 1,000 (keys/s)", "loadPerSecond"],
    ["random point reads (ops/s)", "readsPerSecond"],
    ["full scans (entries/s)", "scanPerSecond"],
  ]) {
    const plain = median(results, "plain", field ?? "");
    const encrypted = median(results, "encrypted", field ?? "");
    const ratio = plain > 0 ? encrypted / plain : 0;
    rows.push([
      label ?? "",
      Math.round(plain).toLocaleString("en-US"),
      Math.round(encrypted).toLocaleString("en-US"),
      ratio.toFixed(2),
      ratio >= 0.85 ? "met" : "missed",
    ]);
  }
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  for (const row of rows) console.log(row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join("  "));
}
