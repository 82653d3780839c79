// Whole-process benchmark of durable appends (run by `npx nx run wal:bench` after a build).
//
// Measures, in one run on one disk: the raw `write + fdatasync` loop (the hardware limit for one
// writer), durable appends/s of 100-byte records with 1, 8, 64 and 256 concurrent appenders, each
// one's ratio to the raw limit, the mean records per fdatasync (the group-commit batching factor),
// and unsynced appends/s. Every figure is the median of REPEATS runs, with the raw loop measured
// inside each repetition so that disk drift hits both sides alike.
//
// Environment: WAL_BENCH_DIR (default: the OS temp dir), WAL_BENCH_SECONDS per measurement
// (default 2), WAL_BENCH_REPEATS (default 3).
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Wal } from "@omnikv/wal";

const baseDir = process.env["WAL_BENCH_DIR"] ?? tmpdir();
const seconds = Number(process.env["WAL_BENCH_SECONDS"] ?? "2");
const repeats = Number(process.env["WAL_BENCH_REPEATS"] ?? "3");
const recordBytes = 100;
const concurrencies = [1, 8, 64, 256];
const payload = new Uint8Array(recordBytes).fill(0x61);

/** @param {number[]} values */
function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function freshDir() {
  return mkdtempSync(join(baseDir, "omnikv-wal-bench-"));
}

/** The raw limit: one writer, `write` of 100 bytes then `fdatasync`, in a tight loop. */
function rawFdatasyncRate() {
  const dir = freshDir();
  const fd = openSync(join(dir, "raw.log"), "w");
  const deadline = performance.now() + seconds * 1000;
  let count = 0;
  let position = 0;
  while (performance.now() < deadline) {
    writeSync(fd, payload, 0, payload.length, position);
    position += payload.length;
    fdatasyncSync(fd);
    count += 1;
  }
  closeSync(fd);
  rmSync(dir, { recursive: true, force: true });
  return count / seconds;
}

/** @param {number} concurrency */
async function durableAppendRate(concurrency) {
  const dir = freshDir();
  const wal = await Wal.open(dir);
  const deadline = performance.now() + seconds * 1000;
  let count = 0;
  const started = performance.now();
  async function appender() {
    while (performance.now() < deadline) {
      await wal.append(payload);
      count += 1;
    }
  }
  await Promise.all(Array.from({ length: concurrency }, () => appender()));
  const elapsedSeconds = (performance.now() - started) / 1000;
  const stats = wal.stats();
  await wal.close();
  rmSync(dir, { recursive: true, force: true });
  return { rate: count / elapsedSeconds, recordsPerSync: stats.recordsPerSyncMean };
}

/**
 * Unsynced appends: `single` issues one `append(record, { sync: false })` call per record
 * (1,000 calls outstanding at a time); `batched` appends arrays of 1,000 records per call.
 * @param {"single" | "batched"} mode
 */
async function unsyncedAppendRate(mode) {
  const dir = freshDir();
  const wal = await Wal.open(dir);
  const batch = Array.from({ length: 1000 }, () => payload);
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  let count = 0;
  while (performance.now() < deadline) {
    if (mode === "batched") {
      await wal.append(batch, { sync: false });
    } else {
      const calls = [];
      for (let i = 0; i < 1000; i++) calls.push(wal.append(payload, { sync: false }));
      await Promise.all(calls);
    }
    count += 1000;
  }
  const elapsedSeconds = (performance.now() - started) / 1000;
  await wal.close();
  rmSync(dir, { recursive: true, force: true });
  return count / elapsedSeconds;
}

/** @type {{ raw: number[], durable: Map<number, { rate: number[], perSync: number[] }>, unsyncedSingle: number[], unsyncedBatched: number[] }} */
const samples = { raw: [], durable: new Map(concurrencies.map((c) => [c, { rate: [], perSync: [] }])), unsyncedSingle: [], unsyncedBatched: [] };

console.log(`@omnikv/wal durable-append benchmark: ${recordBytes}-byte records, ${seconds} s per measurement, median of ${repeats}, dir ${baseDir}`);
for (let run = 0; run < repeats; run++) {
  samples.raw.push(rawFdatasyncRate());
  for (const concurrency of concurrencies) {
    const result = await durableAppendRate(concurrency);
    const entry = samples.durable.get(concurrency);
    entry?.rate.push(result.rate);
    entry?.perSync.push(result.recordsPerSync);
  }
  samples.unsyncedSingle.push(await unsyncedAppendRate("single"));
  samples.unsyncedBatched.push(await unsyncedAppendRate("batched"));
  console.log(`  run ${run + 1}/${repeats} done`);
}

const raw = median(samples.raw);
const one = median(samples.durable.get(1)?.rate ?? []);
const fmt = (/** @type {number} */ n) => Math.round(n).toLocaleString("en-US");
const rows = [["workload", "appends/s", "x raw fdatasync", "x 1 appender", "records/sync"]];
rows.push(["raw write+fdatasync loop", fmt(raw), "1.00", "", "1"]);
for (const concurrency of concurrencies) {
  const entry = samples.durable.get(concurrency);
  const rate = median(entry?.rate ?? []);
  rows.push([`durable, ${concurrency} appender(s)`, fmt(rate), (rate / raw).toFixed(2), (rate / one).toFixed(1), median(entry?.perSync ?? []).toFixed(1)]);
}
rows.push(["unsynced, 1 record per call", fmt(median(samples.unsyncedSingle)), "", "", ""]);
rows.push(["unsynced, 1,000 records per call", fmt(median(samples.unsyncedBatched)), "", "", ""]);
const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
for (const row of rows) console.log(row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join("  "));
