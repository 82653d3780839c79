// Key-value comparison benchmark: OmniKV lsm against lmdb (lmdb-js) and classic-level (LevelDB),
// same machine, same run, same data: KV_KEYS keys of 16 bytes with 100-byte incompressible values,
// loaded in batches of 1,000 (one sync per batch), then flushed and compacted so reads come from
// tables. Each engine runs in its own process, KV_REPEATS times in rotation; the table shows
// medians and OmniKV's ratio to each comparator.
//
// Environment: KV_KEYS (default 1,000,000), KV_SECONDS per timed phase (default 2),
// KV_REPEATS (default 3), KV_BENCH_DIR (default the OS temp dir).
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const keyCount = Number(process.env["KV_KEYS"] ?? "1000000");
const seconds = Number(process.env["KV_SECONDS"] ?? "2");
const repeats = Number(process.env["KV_REPEATS"] ?? "3");
const baseDir = process.env["KV_BENCH_DIR"] ?? tmpdir();
const engines = ["omnikv", "lmdb", "classic-level"];
const worker = join(import.meta.dirname, "kv-engines.mjs");

/** @type {Map<string, Record<string, number>[]>} */
const results = new Map(engines.map((e) => [e, []]));
console.log(`@omnikv/lsm kv comparison: ${keyCount.toLocaleString("en-US")} keys, ${seconds} s phases, median of ${repeats}, dir ${baseDir}`);
for (let run = 0; run < repeats; run++) {
  for (const engine of engines) {
    const dir = mkdtempSync(join(baseDir, `omnikv-kv-${engine}-`));
    try {
      const output = execFileSync(process.execPath, [worker, engine, dir, String(keyCount), String(seconds)], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
      const line = output.trim().split("\n").at(-1) ?? "{}";
      /** @type {unknown} */
      const parsed = JSON.parse(line);
      results.get(engine)?.push(toFigures(parsed));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  console.log(`  run ${run + 1}/${repeats} done`);
}

/** The numeric fields of one engine's JSON line. @param {unknown} parsed @returns {Record<string, number>} */
function toFigures(parsed) {
  /** @type {Record<string, number>} */
  const figures = {};
  if (typeof parsed !== "object" || parsed === null) return figures;
  for (const [key, value] of Object.entries(parsed)) if (typeof value === "number") figures[key] = value;
  return figures;
}

/** @param {string} engine @param {string} field */
function median(engine, field) {
  const values = (results.get(engine) ?? []).map((r) => r[field] ?? 0).sort((a, b) => a - b);
  return values[Math.floor(values.length / 2)] ?? 0;
}

const fmt = (/** @type {number} */ n) => Math.round(n).toLocaleString("en-US");
const metrics = [
  ["random point reads (ops/s)", "readsPerSecond"],
  ["  the same reads again, warm (ops/s)", "readsWarmPerSecond"],
  ["bulk load, sync per 1,000 (keys/s)", "loadPerSecond"],
  ["full forward scan (entries/s)", "scanPerSecond"],
  ["durable puts, 64 writers (ops/s)", "putsPerSecond"],
  ["flush + compact after load (s)", "settleSeconds"],
  ["peak RSS (MB)", "peakRssBytes"],
];
const rows = [["metric", ...engines, "omnikv / lmdb", "omnikv / classic-level"]];
for (const [label, field] of metrics) {
  const scale = field === "peakRssBytes" ? 1e-6 : 1;
  const values = engines.map((e) => median(e, field ?? "") * scale);
  const [ours = 0, lmdb = 0, level = 0] = values;
  const digits = field === "settleSeconds" ? 1 : 0;
  // A ratio means nothing where a comparator does no such work (lmdb has no compaction).
  const ratio = (/** @type {number} */ other) => (field === "settleSeconds" || other <= 0 ? "-" : (ours / other).toFixed(2));
  rows.push([label ?? "", ...values.map((v) => (digits > 0 ? v.toFixed(digits) : fmt(v))), ratio(lmdb), ratio(level)]);
}
const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
for (const row of rows) console.log(row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join("  "));
