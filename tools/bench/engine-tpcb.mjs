// The engine's ceiling under pgbench's TPC-B: the same transactions `pgbench-compare.mjs` sends
// the omnikv server, run by @omnikv/engine (built dist/) in this process, with no server, no
// sockets and no client process. The gap between this and the server's TPC-B figure is what the
// server's side of the wire costs (pgwire, Node's sockets, the kernel's TCP, pgbench's own CPU on
// the same cores); see `pgwire-ceiling.mjs` for the same split under select-only.
//
// The database is filled as `pgbench -i -s SCALE` fills it (100,000 accounts, 10 tellers and one
// branch per unit of scale, primary keys, ANALYZE), in a fresh temporary directory removed at the
// end. Then, for each client count C, C sessions run pgbench's built-in `tpcb-like` script for
// `--seconds` after a warm-up of a third of that: BEGIN; UPDATE pgbench_accounts; SELECT abalance;
// UPDATE pgbench_tellers; UPDATE pgbench_branches; INSERT INTO pgbench_history; END, each statement
// a simple-protocol string with its literals in it, through `Session.queryEach` as the server runs
// them. Every commit waits for the WAL fsync (`sync: true`, the server's default) and every
// session runs at READ COMMITTED (what `pgbench-compare.mjs` passes through PGOPTIONS). The
// sessions interleave on this one event loop as a server's connections do: each awaits its
// statements, so lock waits and group commit happen as in the server.
//
// It prints TPS, failed transactions (none are expected at READ COMMITTED) and this process's
// user and system CPU per transaction (`process.cpuUsage`).
//
// Usage: node tools/bench/engine-tpcb.mjs [--scale 10] [--seconds 10] [--clients 1,8,32] [--no-build]
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve as resolvePath } from "node:path";
import { parseArgs } from "node:util";

const repoRoot = resolvePath(import.meta.dirname, "..", "..");
const { values } = parseArgs({
  options: {
    scale: { type: "string", default: "10" },
    seconds: { type: "string", default: "10" },
    clients: { type: "string", default: "1,8,32" },
    "no-build": { type: "boolean", default: false },
  },
});
const scale = positiveInteger(values.scale, "--scale");
const seconds = positiveInteger(values.seconds, "--seconds");
const clientCounts = values.clients.split(",").map((c) => positiveInteger(c, "--clients"));
/** Rows per INSERT while loading pgbench_accounts. */
const loadBatchRows = 1_000;

/** @param {string} text @param {string} name @returns {number} */
function positiveInteger(text, name) {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) {
    console.error(`${name} must be a positive integer, got "${text}"`);
    process.exit(2);
  }
  return n;
}

if (!values["no-build"]) execFileSync("npx", ["tsc", "-b", "packages/engine/tsconfig.lib.json"], { cwd: repoRoot, stdio: "inherit" });
const { Database } = await import("@omnikv/engine");

/** @typedef {import("@omnikv/engine").Session} Session */

/** Runs every statement of `sql` through `queryEach`, as the server does, reading any rows. @param {Session} session @param {string} sql */
async function run(session, sql) {
  for await (const outcome of session.queryEach(sql)) {
    if (outcome.kind === "rows") while (outcome.stream.take(1_000).length > 0);
  }
}

/** @param {number} n @returns {number} a uniform random integer in [1, n] */
const random = (n) => 1 + Math.floor(Math.random() * n);

/** pgbench -i -s scale: the four tables, their rows, primary keys, ANALYZE. @param {Session} session */
async function load(session) {
  await run(session, "CREATE TABLE pgbench_history (tid int, bid int, aid int, delta int, mtime timestamp, filler char(22))");
  await run(session, "CREATE TABLE pgbench_tellers (tid int PRIMARY KEY, bid int, tbalance int, filler char(84))");
  await run(session, "CREATE TABLE pgbench_accounts (aid int PRIMARY KEY, bid int, abalance int, filler char(84))");
  await run(session, "CREATE TABLE pgbench_branches (bid int PRIMARY KEY, bbalance int, filler char(88))");
  const rows = (/** @type {number} */ count, /** @type {(i: number) => string} */ row) => Array.from({ length: count }, (_, i) => row(i + 1)).join(",");
  await run(session, `INSERT INTO pgbench_branches VALUES ${rows(scale, (b) => `(${b}, 0, NULL)`)}`);
  await run(session, `INSERT INTO pgbench_tellers VALUES ${rows(10 * scale, (t) => `(${t}, ${Math.ceil(t / 10)}, 0, NULL)`)}`);
  const accountCount = 100_000 * scale;
  await run(session, "BEGIN");
  for (let first = 1; first <= accountCount; first += loadBatchRows) {
    const count = Math.min(loadBatchRows, accountCount - first + 1);
    await run(session, `INSERT INTO pgbench_accounts VALUES ${rows(count, (i) => `(${first + i - 1}, ${Math.ceil((first + i - 1) / 100_000)}, 0, '')`)}`);
  }
  await run(session, "COMMIT");
  await run(session, "ANALYZE");
}

/**
 * C sessions running tpcb-like until `deadline`; the transactions they committed and failed.
 * @param {Session[]} sessions @param {number} deadline @returns {Promise<{ committed: number; failed: number }>}
 */
async function tpcb(sessions, deadline) {
  let committed = 0;
  let failed = 0;
  await Promise.all(
    sessions.map(async (session) => {
      while (performance.now() < deadline) {
        const aid = random(100_000 * scale);
        const bid = random(scale);
        const tid = random(10 * scale);
        const delta = random(10_001) - 5_001;
        try {
          await run(session, "BEGIN;");
          await run(session, `UPDATE pgbench_accounts SET abalance = abalance + ${delta} WHERE aid = ${aid};`);
          await run(session, `SELECT abalance FROM pgbench_accounts WHERE aid = ${aid};`);
          await run(session, `UPDATE pgbench_tellers SET tbalance = tbalance + ${delta} WHERE tid = ${tid};`);
          await run(session, `UPDATE pgbench_branches SET bbalance = bbalance + ${delta} WHERE bid = ${bid};`);
          await run(session, `INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (${tid}, ${bid}, ${aid}, ${delta}, CURRENT_TIMESTAMP);`);
          await run(session, "END;");
          committed += 1;
        } catch (error) {
          failed += 1;
          if (failed === 1) console.error(`first failure: ${error instanceof Error ? error.message : String(error)}`);
          await run(session, "ROLLBACK");
        }
      }
    }),
  );
  return { committed, failed };
}

const dir = mkdtempSync(join(tmpdir(), "omnikv-engine-tpcb-"));
try {
  const db = await Database.open({ dir, sync: true });
  try {
    const loader = db.connect();
    const loadStarted = performance.now();
    await load(loader);
    await loader.close();
    console.log(`engine TPC-B ceiling: scale ${scale}, ${seconds} s per client count (after ${Math.ceil(seconds / 3)} s warm-up), sync commits, READ COMMITTED`);
    console.log(`loaded in ${((performance.now() - loadStarted) / 1000).toFixed(1)} s; load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
    const table = [["clients", "TPS", "failed", "user µs/txn", "system µs/txn"]];
    for (const clients of clientCounts) {
      const sessions = Array.from({ length: clients }, () => db.connect());
      await tpcb(sessions, performance.now() + (seconds * 1000) / 3);
      const cpuBefore = process.cpuUsage();
      const started = performance.now();
      const { committed, failed } = await tpcb(sessions, started + seconds * 1000);
      const elapsed = (performance.now() - started) / 1000;
      const cpu = process.cpuUsage(cpuBefore);
      await Promise.all(sessions.map((session) => session.close()));
      const perTxn = (/** @type {number} */ micros) => (committed === 0 ? "-" : (micros / committed).toFixed(0));
      table.push([String(clients), Math.round(committed / elapsed).toLocaleString("en-US"), String(failed), perTxn(cpu.user), perTxn(cpu.system)]);
    }
    const widths = (table[0] ?? []).map((_, i) => Math.max(...table.map((row) => (row[i] ?? "").length)));
    for (const row of table) console.log(row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join("  "));
  } finally {
    await db.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
