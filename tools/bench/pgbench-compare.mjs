// pgbench against omnikv and PostgreSQL 15 on the same machine, in the same run, and a table of
// the medians with the ratio omnikv / PostgreSQL.
//
// What it does: builds the server (`tsc -b apps/server/tsconfig.lib.json`), starts omnikv on a
// free loopback port with a fresh data directory, and a private PostgreSQL 15 (initdb into a fresh
// directory, its own free port, Unix socket in that directory, `fsync=on`,
// `synchronous_commit=on`, every other setting PostgreSQL's default). Both commit durably: omnikv
// waits for the WAL fsync by default. `pgbench -i -s SCALE` fills both, an untimed `pgbench -S` warms both (`--warmup`). Then every configuration
// (workload x clients) runs `--repeat` times for `--seconds` each, alternating omnikv then
// PostgreSQL, so drift in a shared, noisy machine touches both sides alike.
//
// Workloads: select-only (`-S`) with `-M simple` and `-M prepared`, and the built-in TPC-B script,
// at READ COMMITTED; TPC-B again at SERIALIZABLE with `--max-tries=10`. The isolation level goes
// in through PGOPTIONS (`-c default_transaction_isolation=…`), which both servers accept in the
// startup packet. Select-only runs use `-n`. TPC-B runs do not: pgbench's standard pre-run step
// (VACUUM of branches and tellers, TRUNCATE pgbench_history; untimed) runs on both servers, so each
// TPC-B run starts from an empty pgbench_history instead of one grown by the runs before it.
//
// A configuration that fails (pgbench exits non-zero, a client aborts, the server dies) is
// reported as failed with pgbench's error text; the run goes on. A server that died is restarted
// on its data directory before its next run. Both servers and the temporary directories are
// removed on exit, also on Ctrl-C or SIGTERM; if this process is killed outright, the servers get
// a parent-death signal (setpriv --pdeathsig) and stop themselves.
//
// Usage: node tools/bench/pgbench-compare.mjs [--scale 10] [--seconds 20] [--repeat 3]
//        [--clients 1,8,32] [--threads 2] [--dir DIR] [--json FILE] [--unix] [--no-build]
// (`npm run bench:pgbench -- …` from the repository root). See tools/bench/README.md.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { cpus, loadavg, release, tmpdir, totalmem, type as osType } from "node:os";
import { dirname, join, resolve as resolvePath } from "node:path";
import { parseArgs } from "node:util";

const repoRoot = resolvePath(import.meta.dirname, "..", "..");
const cliPath = join(repoRoot, "apps", "server", "dist", "cli.js");
const pgBinDir = process.env["OMNIKV_PG_BIN"] ?? "/usr/lib/postgresql/15/bin";

// Limits: every option, wait and buffer has a ceiling, checked where it is used.
const scaleMax = 1000;
const secondsMax = 3600;
const repeatMax = 25;
const clientsMax = 90; // Both servers allow 100 connections; pgbench and psql need a few more.
const threadsMax = 64;
const startTimeoutMs = 60_000;
const stopTimeoutMs = 15_000;
const runSlackMs = 180_000; // Connecting, pgbench's pre-run VACUUM/TRUNCATE, the last transactions.
const initTimeoutMsPerScale = 120_000;
const outputCharsMax = 1 << 20;
const logLinesMax = 200;
const errorLinesMax = 5;

/**
 * @typedef {object} Options
 * @property {number} scale
 * @property {number} seconds
 * @property {number} repeat
 * @property {readonly number[]} clients
 * @property {number} threads
 * @property {number} warmupSeconds  untimed select-only run per server before the timed runs (0: none)
 * @property {string} dir          where the temporary data directories go
 * @property {string | undefined} jsonPath
 * @property {boolean} isBuild
 * @property {boolean} isUnix       clients connect through Unix-domain sockets instead of TCP
 */

/**
 * @typedef {object} Workload
 * @property {string} id
 * @property {string} label
 * @property {readonly string[]} args   pgbench options of this workload
 * @property {string} isolation         default_transaction_isolation for the session
 */

/** @type {readonly Workload[]} */
const workloads = [
  { id: "select-simple", label: "select-only -S -M simple", args: ["-S", "-M", "simple", "-n"], isolation: "read committed" },
  { id: "select-prepared", label: "select-only -S -M prepared", args: ["-S", "-M", "prepared", "-n"], isolation: "read committed" },
  { id: "tpcb-rc", label: "TPC-B, READ COMMITTED", args: [], isolation: "read committed" },
  { id: "tpcb-serializable", label: "TPC-B, SERIALIZABLE", args: ["--max-tries=10"], isolation: "serializable" },
];

/** The issue's targets: omnikv / PostgreSQL at least `ratioMin` at this many clients. */
const targets = [
  { workloadId: "select-simple", clients: 8, ratioMin: 1.0 },
  { workloadId: "select-prepared", clients: 8, ratioMin: 1.0 },
  { workloadId: "tpcb-rc", clients: 8, ratioMin: 1.0 },
];

const usage = `node tools/bench/pgbench-compare.mjs [options]

pgbench against omnikv and a private PostgreSQL 15, both durable (fsync on), interleaved.

  --scale N        pgbench -i scale factor (default 10)
  --seconds N      duration of each run, pgbench -T (default 20)
  --repeat N       runs per configuration and server; the median is reported (default 3)
  --clients LIST   client counts, comma-separated (default 1,8,32)
  --threads N      pgbench -j, capped at the client count (default 2)
  --warmup N       untimed select-only run of N seconds on each server after pgbench -i,
                   so both start the timed runs with their caches warm (default 10; 0: none)
  --dir DIR        where the temporary data directories go (default the OS temp dir)
  --json FILE      also write every run's figures as JSON
  --unix           connect pgbench and psql to both servers through their Unix-domain sockets
                   instead of TCP on 127.0.0.1 (omnikv is started with --socket-dir)
  --no-build       skip tsc -b apps/server/tsconfig.lib.json
  -h, --help       this text

OMNIKV_PG_BIN points at another PostgreSQL binary directory (default ${pgBinDir}).
`;

// ---------------------------------------------------------------------------------------------
// Options

/**
 * @param {string} name
 * @param {string} text
 * @param {number} max
 * @returns {number}
 */
function parseCount(name, text, max) {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > max) throw new UsageError(`--${name} must be an integer in 1..${max}, not "${text}"`);
  return value;
}

class UsageError extends Error {}

/**
 * @param {readonly string[]} argv
 * @returns {Options | undefined} undefined when only help was asked for
 */
function parseOptions(argv) {
  try {
    return optionsFrom(argv);
  } catch (error) {
    // parseArgs throws a TypeError with an ERR_PARSE_ARGS_* code on an unknown or malformed option.
    if (error instanceof TypeError) throw new UsageError(error.message);
    throw error;
  }
}

/**
 * @param {readonly string[]} argv
 * @returns {Options | undefined}
 */
function optionsFrom(argv) {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      scale: { type: "string", default: "10" },
      seconds: { type: "string", default: "20" },
      repeat: { type: "string", default: "3" },
      clients: { type: "string", default: "1,8,32" },
      threads: { type: "string", default: "2" },
      warmup: { type: "string", default: "10" },
      dir: { type: "string", default: tmpdir() },
      json: { type: "string" },
      "no-build": { type: "boolean", default: false },
      unix: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return undefined;
  const clients = values.clients.split(",").map((text) => parseCount("clients", text.trim(), clientsMax));
  assert.ok(clients.length > 0);
  return {
    scale: parseCount("scale", values.scale, scaleMax),
    seconds: parseCount("seconds", values.seconds, secondsMax),
    repeat: parseCount("repeat", values.repeat, repeatMax),
    clients: [...new Set(clients)].sort((a, b) => a - b),
    threads: parseCount("threads", values.threads, threadsMax),
    warmupSeconds: values.warmup === "0" ? 0 : parseCount("warmup", values.warmup, secondsMax),
    dir: resolvePath(values.dir),
    jsonPath: values.json === undefined ? undefined : resolvePath(values.json),
    isBuild: !values["no-build"],
    isUnix: values.unix,
  };
}

// ---------------------------------------------------------------------------------------------
// Child processes and cleanup: everything started is tracked, so an exit or a signal stops it.

/**
 * @typedef {object} Tracked
 * @property {import("node:child_process").ChildProcess} child
 * @property {NodeJS.Signals} stopSignal   the signal that stops it cleanly
 */

/** @type {Set<Tracked>} */
const liveChildren = new Set();
/** @type {string[]} */
const tempDirs = [];
let isAborting = false;

/** @param {Tracked} tracked */
function isRunning(tracked) {
  return tracked.child.exitCode === null && tracked.child.signalCode === null;
}

/**
 * Spawns a tracked child. Refuses once the run is being aborted, so no new work starts after Ctrl-C.
 * @param {string} command
 * @param {readonly string[]} args
 * @param {{ env: NodeJS.ProcessEnv, stopSignal: NodeJS.Signals, cwd?: string }} spawnOptions
 * @returns {Tracked}
 */
function spawnTracked(command, args, spawnOptions) {
  if (isAborting) throw new Error("interrupted");
  const child = spawn(command, [...args], { env: spawnOptions.env, cwd: spawnOptions.cwd ?? repoRoot, stdio: ["ignore", "pipe", "pipe"] });
  const tracked = { child, stopSignal: spawnOptions.stopSignal };
  liveChildren.add(tracked);
  child.once("exit", () => liveChildren.delete(tracked));
  child.once("error", () => liveChildren.delete(tracked));
  return tracked;
}

/**
 * Sends the clean-stop signal, then SIGKILL if the child outlives `stopTimeoutMs`.
 * @param {Tracked} tracked
 * @returns {Promise<void>}
 */
async function stopTracked(tracked) {
  if (!isRunning(tracked)) return;
  const exited = new Promise((resolve) => tracked.child.once("exit", resolve));
  tracked.child.kill(tracked.stopSignal);
  const timer = setTimeout(() => tracked.child.kill("SIGKILL"), stopTimeoutMs);
  await exited;
  clearTimeout(timer);
}

/** @param {string} prefix */
function makeTempDir(prefix) {
  const dir = mkdtempSync(join(options().dir, prefix));
  tempDirs.push(dir);
  return dir;
}

function removeTempDirs() {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

async function cleanup() {
  await Promise.all([...liveChildren].map((tracked) => stopTracked(tracked)));
  removeTempDirs();
}

/** @param {NodeJS.Signals} signal */
function onSignal(signal) {
  if (isAborting) process.exit(130); // A second Ctrl-C: the exit handler kills and removes.
  isAborting = true;
  process.stderr.write(`\n${signal}: stopping the servers and removing the temporary directories\n`);
  cleanup().then(
    () => process.exit(signal === "SIGINT" ? 130 : 143),
    () => process.exit(1),
  );
}

function installCleanupHandlers() {
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  // The last resort (an uncaught error, process.exit): nothing may outlive this process.
  process.on("exit", () => {
    for (const tracked of liveChildren) tracked.child.kill("SIGKILL");
    removeTempDirs();
  });
}

/**
 * A tracked child's stdout and stderr, kept to the last `outputCharsMax` characters each.
 * @param {Tracked} tracked
 * @param {number} timeoutMs
 * @returns {Promise<{ code: number | null, signal: NodeJS.Signals | null, stdout: string, stderr: string, isTimedOut: boolean }>}
 */
function collect(tracked, timeoutMs) {
  const { child } = tracked;
  let stdout = "";
  let stderr = "";
  let isTimedOut = false;
  child.stdout?.on("data", (chunk) => (stdout = (stdout + String(chunk)).slice(-outputCharsMax)));
  child.stderr?.on("data", (chunk) => (stderr = (stderr + String(chunk)).slice(-outputCharsMax)));
  const timer = setTimeout(() => {
    isTimedOut = true;
    child.kill("SIGKILL");
  }, timeoutMs);
  return new Promise((resolve) => {
    child.once("error", (error) => {
      clearTimeout(timer);
      resolve({ code: -1, signal: null, stdout, stderr: `${stderr}${error.message}`, isTimedOut });
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, isTimedOut });
    });
  });
}

/** @returns {Promise<number>} a port nobody listens on right now */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// The two servers. Each is `{ name, port, user, password, … }`: pgbench and psql only need that.

/**
 * @typedef {object} Server
 * @property {"omnikv" | "postgres"} name
 * @property {number} port
 * @property {string} user
 * @property {string} password   empty for PostgreSQL (trust on its private socket and loopback)
 * @property {string} socketDir  the directory of its Unix-domain socket `.s.PGSQL.<port>`
 * @property {Tracked} process
 * @property {() => string} logTail
 */

/**
 * Under root, PostgreSQL must run as another user (the `postgres` one Debian creates), which then
 * owns its directory. `--pdeathsig` stops the server if this process dies without cleaning up.
 * @param {string} dir
 * @param {NodeJS.Signals} deathSignal
 * @returns {string[]}
 */
function setprivPrefix(dir, deathSignal) {
  const prefix = ["setpriv", "--pdeathsig", deathSignal];
  if (process.getuid?.() !== 0) return [...prefix, "--"];
  const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
  const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
  assert.ok(uid > 0 && gid > 0, "the postgres user exists");
  chownSync(dir, uid, gid);
  chmodSync(dir, 0o700);
  return [...prefix, `--reuid=${uid}`, `--regid=${gid}`, "--clear-groups", "--"];
}

/**
 * Keeps the last `logLinesMax` lines a server writes, for error reports.
 * @param {Tracked} tracked
 * @param {(line: string) => void} onLine
 * @returns {() => string}
 */
function recordLog(tracked, onLine) {
  /** @type {string[]} */
  const lines = [];
  let partial = "";
  /** @param {unknown} chunk */
  const add = (chunk) => {
    const parts = (partial + String(chunk)).split("\n");
    partial = parts.pop() ?? "";
    for (const line of parts) {
      lines.push(line);
      if (lines.length > logLinesMax) lines.shift();
      onLine(line);
    }
  };
  tracked.child.stdout?.on("data", add);
  tracked.child.stderr?.on("data", add);
  return () => [...lines, partial].join("\n").trim();
}

/**
 * Starts (or restarts, on the same data directory) omnikv; resolves once it logs "listening".
 * @param {string} dataDir
 * @param {string} password
 * @returns {Promise<Server>}
 */
async function startOmnikv(dataDir, password) {
  // With --unix, the socket goes beside the data directory, in the temporary directory made for it.
  const socketDir = dirname(dataDir);
  const socketArgs = options().isUnix ? ["--socket-dir", socketDir] : [];
  const tracked = spawnTracked("setpriv", ["--pdeathsig", "SIGTERM", "--", process.execPath, cliPath, "start", "--data", dataDir, "--port", "0", ...socketArgs], {
    env: { ...process.env, OMNIKV_PASSWORD: password },
    stopSignal: "SIGTERM",
  });
  /** @type {(port: number) => void} */
  let onListening = () => {};
  const logTail = recordLog(tracked, (line) => {
    const match = /"msg":"listening".*"port":(\d+)/.exec(line);
    if (match !== null) onListening(Number(match[1]));
  });
  /** @type {number} */
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`omnikv did not start within ${startTimeoutMs} ms:\n${logTail()}`)), startTimeoutMs);
    onListening = (listeningPort) => {
      clearTimeout(timer);
      resolve(listeningPort);
    };
    tracked.child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`omnikv exited with code ${code} while starting:\n${logTail()}`));
    });
    tracked.child.once("error", (error) => reject(error));
  });
  assert.ok(Number.isInteger(port) && port > 0);
  return { name: "omnikv", port, user: "omnikv", password, socketDir, process: tracked, logTail };
}

/**
 * initdb into a fresh directory and start PostgreSQL with durable commits and default settings.
 * @returns {Promise<Server>}
 */
async function startPostgres() {
  const dir = makeTempDir("omnikv-bench-pg-");
  const runAs = setprivPrefix(dir, "SIGINT");
  const dataDir = join(dir, "data");
  const [setpriv = "", ...prefix] = runAs;
  execFileSync(setpriv, [...prefix, join(pgBinDir, "initdb"), "-D", dataDir, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  const port = await freePort();
  const settings = { listen_addresses: "127.0.0.1", unix_socket_directories: dir, fsync: "on", synchronous_commit: "on" };
  const settingArgs = Object.entries(settings).flatMap(([name, value]) => ["-c", `${name}=${value}`]);
  const tracked = spawnTracked(setpriv, [...prefix, join(pgBinDir, "postgres"), "-D", dataDir, "-p", String(port), ...settingArgs], {
    env: { PATH: process.env["PATH"] ?? "", LANG: "C" },
    stopSignal: "SIGINT", // Fast shutdown.
    cwd: dir,
  });
  const logTail = recordLog(tracked, () => {});
  /** @type {Server} */
  const server = { name: "postgres", port, user: "postgres", password: "", socketDir: dir, process: tracked, logTail };
  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    if (!isRunning(tracked)) throw new Error(`postgres exited while starting:\n${logTail()}`);
    const result = await psql(server, "SELECT 1");
    if (result.code === 0) return server;
    if (Date.now() > deadline) throw new Error(`postgres did not accept connections within ${startTimeoutMs} ms:\n${logTail()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The environment of a client (pgbench, psql): nothing from the caller's PG* variables, no TLS or
 * GSS negotiation (neither server is set up for them; both are asked the same way).
 * @param {Server} server
 * @param {string} pgOptions
 * @returns {NodeJS.ProcessEnv}
 */
function clientEnv(server, pgOptions) {
  return { PATH: process.env["PATH"] ?? "", PGPASSWORD: server.password, PGOPTIONS: pgOptions, PGSSLMODE: "disable", PGGSSENCMODE: "disable", LANG: "C" };
}

/** Through the server's Unix-domain socket with `--unix`, else TCP on 127.0.0.1. @param {Server} server */
function connectionArgs(server) {
  const host = options().isUnix ? server.socketDir : "127.0.0.1";
  return ["-h", host, "-p", String(server.port), "-U", server.user];
}

/**
 * @param {Server} server
 * @param {string} sql
 */
async function psql(server, sql) {
  const tracked = spawnTracked(join(pgBinDir, "psql"), [...connectionArgs(server), "-XAtq", "-v", "ON_ERROR_STOP=1", "-c", sql, "postgres"], {
    env: clientEnv(server, ""),
    stopSignal: "SIGTERM",
  });
  return collect(tracked, 60_000);
}

// ---------------------------------------------------------------------------------------------
// pgbench

/**
 * @typedef {object} RunResult
 * @property {"omnikv" | "postgres"} server
 * @property {string} workloadId
 * @property {number} clients
 * @property {number} repetition
 * @property {number | undefined} tps           undefined when the run failed
 * @property {number} processed
 * @property {number} failed                    pgbench's "number of failed transactions"
 * @property {number} retried                   transactions retried at least once
 * @property {number} retries                   retries in all
 * @property {number} serializationFailures
 * @property {number | undefined} latencyMs
 * @property {string | undefined} error         why the run failed
 */

/**
 * @param {string} text
 * @param {RegExp} pattern
 * @returns {number | undefined}
 */
function matchNumber(text, pattern) {
  const match = pattern.exec(text);
  return match === null ? undefined : Number(match[1]);
}

/**
 * The first distinct error lines of a pgbench run, client numbers taken out so repeats collapse.
 * @param {string} stderr
 * @returns {string}
 */
function errorText(stderr) {
  const lines = stderr.split("\n").filter((line) => /error|fatal|abort|FATAL|ERROR|DETAIL|HINT/.test(line));
  const distinct = [...new Set(lines.map((line) => line.replace(/client \d+/g, "client N").trim()))];
  return distinct.slice(0, errorLinesMax).join("\n");
}

/**
 * Reads pgbench's summary. A run failed if pgbench exited non-zero (a client aborted: pgbench
 * says "Run was aborted") or printed no TPS.
 * @param {{ code: number | null, signal: NodeJS.Signals | null, stdout: string, stderr: string, isTimedOut: boolean }} run
 * @param {Omit<RunResult, "tps" | "processed" | "failed" | "retried" | "retries" | "serializationFailures" | "latencyMs" | "error">} key
 * @returns {RunResult}
 */
function parsePgbench(run, key) {
  const out = run.stdout;
  const tps = matchNumber(out, /^tps = ([\d.]+)/m);
  const isFailed = run.code !== 0 || tps === undefined || run.isTimedOut;
  const exit = run.isTimedOut ? "timed out" : run.signal === null ? `exit code ${run.code}` : `killed by ${run.signal}`;
  const detail = errorText(run.stderr) || run.stderr.trim().split("\n").slice(-errorLinesMax).join("\n");
  return {
    ...key,
    tps: isFailed ? undefined : tps,
    processed: matchNumber(out, /number of transactions actually processed: (\d+)/) ?? 0,
    failed: matchNumber(out, /number of failed transactions: (\d+)/) ?? 0,
    retried: matchNumber(out, /number of transactions retried: (\d+)/) ?? 0,
    retries: matchNumber(out, /total number of retries: (\d+)/) ?? 0,
    serializationFailures: matchNumber(out, /number of serialization failures: (\d+)/) ?? 0,
    latencyMs: matchNumber(out, /latency average = ([\d.]+) ms/),
    error: isFailed ? `pgbench ${exit}${detail === "" ? "" : `: ${detail}`}` : undefined,
  };
}

/**
 * @param {Server} server
 * @param {readonly string[]} args
 * @param {string} pgOptions
 * @param {number} timeoutMs
 */
function runPgbench(server, args, pgOptions, timeoutMs) {
  const tracked = spawnTracked(join(pgBinDir, "pgbench"), [...connectionArgs(server), ...args, "postgres"], {
    env: clientEnv(server, pgOptions),
    stopSignal: "SIGINT",
  });
  return collect(tracked, timeoutMs);
}

/**
 * `pgbench -i -s SCALE`; throws with pgbench's output when it fails, since nothing can run after.
 * @param {Server} server
 * @param {number} scale
 * @returns {Promise<number>} seconds it took
 */
async function initialize(server, scale) {
  const startMs = Date.now();
  const run = await runPgbench(server, ["-i", "-s", String(scale), "-q"], "", initTimeoutMsPerScale * scale);
  if (run.code !== 0) {
    throw new Error(`pgbench -i on ${server.name} failed (exit ${run.code}${run.isTimedOut ? ", timed out" : ""}):\n${run.stderr.trim()}\n${server.logTail()}`);
  }
  return (Date.now() - startMs) / 1000;
}

/**
 * An untimed `pgbench -S` at 8 clients (fewer if fewer are measured), not reported: after `pgbench
 * -i` PostgreSQL's pages sit in its buffers and the OS page cache, omnikv's in no block cache yet
 * (its compaction writes them), so without it the first timed run measured cache filling.
 * @param {Server} server
 * @param {number} seconds
 */
async function warmUp(server, seconds) {
  const clients = Math.min(8, Math.max(...options().clients));
  const args = ["-S", "-n", "-c", String(clients), "-j", String(Math.min(options().threads, clients)), "-T", String(seconds)];
  const run = await runPgbench(server, args, "", seconds * 1000 + runSlackMs);
  if (run.code !== 0) throw new Error(`warm-up pgbench -S on ${server.name} failed (exit ${run.code}):\n${run.stderr.trim()}\n${server.logTail()}`);
}

// ---------------------------------------------------------------------------------------------
// The run

/** @type {Options | undefined} */
let parsedOptions;

/** @returns {Options} */
function options() {
  assert.ok(parsedOptions !== undefined, "options are parsed first");
  return parsedOptions;
}

/**
 * @param {readonly number[]} values
 * @returns {number | undefined}
 */
function median(values) {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] ?? 0;
  return sorted.length % 2 === 1 ? upper : ((sorted[middle - 1] ?? 0) + upper) / 2;
}

/**
 * @typedef {object} Servers
 * @property {Server} omnikv
 * @property {Server} postgres
 * @property {string} omnikvDataDir
 * @property {string[]} events   restarts and other things the reader must know
 */

/**
 * Runs one pgbench of one configuration on one server, restarting omnikv first if it died.
 * @param {Servers} servers
 * @param {"omnikv" | "postgres"} name
 * @param {Workload} workload
 * @param {number} clients
 * @param {number} repetition
 * @returns {Promise<RunResult>}
 */
async function runOne(servers, name, workload, clients, repetition) {
  const key = { server: name, workloadId: workload.id, clients, repetition };
  const server = servers[name];
  if (!isRunning(server.process)) {
    const code = server.process.child.exitCode ?? server.process.child.signalCode;
    const event = `${name} had exited (${code}) before ${workload.id} c=${clients} #${repetition}`;
    if (name === "postgres") {
      servers.events.push(`${event}; log tail:\n${indent(server.logTail())}`);
      return { ...parsePgbench({ code: -1, signal: null, stdout: "", stderr: "", isTimedOut: false }, key), error: "postgres is not running" };
    }
    servers.omnikv = await startOmnikv(servers.omnikvDataDir, servers.omnikv.password);
    servers.events.push(`${event}; restarted on its data directory (port ${servers.omnikv.port}, WAL recovery)`);
  }
  const threads = Math.min(options().threads, clients);
  const args = ["-c", String(clients), "-j", String(threads), "-T", String(options().seconds), "--failures-detailed", ...workload.args];
  const pgOptions = `-c default_transaction_isolation=${workload.isolation.replaceAll(" ", "\\ ")}`;
  const run = await runPgbench(servers[name], args, pgOptions, options().seconds * 1000 + runSlackMs);
  const result = parsePgbench(run, key);
  if (result.error !== undefined && !isRunning(servers[name].process)) {
    return { ...result, error: `${result.error}\n${name} died during the run; log tail:\n${indent(servers[name].logTail())}` };
  }
  return result;
}

/** @param {string} text */
function indent(text) {
  return text
    .split("\n")
    .slice(-20)
    .map((line) => `    ${line}`)
    .join("\n");
}

/**
 * Every configuration, `--repeat` times, omnikv then PostgreSQL each time.
 * @param {Servers} servers
 * @returns {Promise<RunResult[]>}
 */
async function runAll(servers) {
  const { clients: clientCounts, repeat } = options();
  const total = workloads.length * clientCounts.length * repeat * 2;
  /** @type {RunResult[]} */
  const results = [];
  for (const workload of workloads) {
    for (const clients of clientCounts) {
      for (let repetition = 1; repetition <= repeat; repetition++) {
        for (const name of /** @type {const} */ (["omnikv", "postgres"])) {
          const result = await runOne(servers, name, workload, clients, repetition);
          if (isAborting) throw new Error("interrupted");
          results.push(result);
          const figure = result.tps === undefined ? `FAILED: ${result.error?.split("\n")[0] ?? ""}` : `${formatTps(result.tps)} TPS, ${result.failed} failed`;
          process.stderr.write(`[${results.length}/${total}] ${workload.id} c=${clients} #${repetition} ${name}: ${figure}\n`);
        }
      }
    }
  }
  assert.equal(results.length, total);
  return results;
}

// ---------------------------------------------------------------------------------------------
// Report

/** @param {number | undefined} tps */
function formatTps(tps) {
  return tps === undefined ? "FAILED" : Math.round(tps).toLocaleString("en-US");
}

/**
 * @typedef {object} Row
 * @property {Workload} workload
 * @property {number} clients
 * @property {number | undefined} omnikvTps
 * @property {number | undefined} postgresTps
 * @property {number | undefined} ratio
 * @property {RunResult[]} omnikvRuns
 * @property {RunResult[]} postgresRuns
 */

/**
 * @param {readonly RunResult[]} results
 * @returns {Row[]}
 */
function summarize(results) {
  /** @type {Row[]} */
  const rows = [];
  for (const workload of workloads) {
    for (const clients of options().clients) {
      const of = (/** @type {string} */ name) => results.filter((r) => r.server === name && r.workloadId === workload.id && r.clients === clients);
      const omnikvRuns = of("omnikv");
      const postgresRuns = of("postgres");
      // A configuration with any failed run has no figure: a median of the survivors would flatter it.
      const medianOf = (/** @type {RunResult[]} */ runs) => (runs.some((r) => r.tps === undefined) ? undefined : median(runs.map((r) => r.tps ?? 0)));
      const omnikvTps = medianOf(omnikvRuns);
      const postgresTps = medianOf(postgresRuns);
      const ratio = omnikvTps !== undefined && postgresTps !== undefined && postgresTps > 0 ? omnikvTps / postgresTps : undefined;
      rows.push({ workload, clients, omnikvTps, postgresTps, ratio, omnikvRuns, postgresRuns });
    }
  }
  return rows;
}

/**
 * "failed/processed" summed over the repeats, with retries when there were any.
 * @param {readonly RunResult[]} runs
 */
function failureCell(runs) {
  const sum = (/** @type {(r: RunResult) => number} */ pick) => runs.reduce((total, r) => total + pick(r), 0);
  const broken = runs.filter((r) => r.tps === undefined).length;
  const retried = sum((r) => r.retried);
  let cell = `${sum((r) => r.failed)}`;
  if (retried > 0) cell += ` (${retried} retried)`;
  if (broken > 0) cell += ` [${broken}/${runs.length} runs failed]`;
  return cell;
}

/**
 * @param {readonly (readonly string[])[]} table   the first row is the header
 * @returns {string}
 */
function formatTable(table) {
  const widths = (table[0] ?? []).map((_, column) => Math.max(...table.map((row) => (row[column] ?? "").length)));
  const line = (/** @type {readonly string[]} */ row) => `| ${row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(" | ")} |`;
  const [header = [], ...body] = table;
  return [line(header), `|${widths.map((width) => "-".repeat(width + 2)).join("|")}|`, ...body.map(line)].join("\n");
}

/**
 * @param {readonly Row[]} rows
 * @returns {string}
 */
function resultsTable(rows) {
  const header = ["configuration", "clients", "omnikv TPS", "PostgreSQL TPS", "omnikv/PG", "failed txns omnikv", "failed txns PG"];
  const body = rows.map((row) => [
    row.workload.label,
    String(row.clients),
    formatTps(row.omnikvTps),
    formatTps(row.postgresTps),
    row.ratio === undefined ? "—" : `${row.ratio.toFixed(2)}x`,
    failureCell(row.omnikvRuns),
    failureCell(row.postgresRuns),
  ]);
  return formatTable([header, ...body]);
}

/**
 * The distinct errors of the failed runs, per configuration and server.
 * @param {readonly Row[]} rows
 * @returns {string[]}
 */
function failureReport(rows) {
  /** @type {string[]} */
  const lines = [];
  for (const row of rows) {
    for (const run of [...row.omnikvRuns, ...row.postgresRuns]) {
      if (run.error === undefined) continue;
      const heading = `${row.workload.label}, ${row.clients} clients, ${run.server} (run ${run.repetition}):`;
      lines.push(heading, indent(run.error));
    }
  }
  return lines;
}

/**
 * @param {readonly Row[]} rows
 * @returns {string[]}
 */
function targetReport(rows) {
  return targets.map((target) => {
    const row = rows.find((r) => r.workload.id === target.workloadId && r.clients === target.clients);
    const label = `${workloads.find((w) => w.id === target.workloadId)?.label ?? target.workloadId} at ${target.clients} clients >= ${target.ratioMin.toFixed(1)}x PostgreSQL`;
    if (row === undefined) return `  ${label}: not measured (add ${target.clients} to --clients)`;
    if (row.ratio === undefined) return `  ${label}: NOT MET (the configuration failed)`;
    return `  ${label}: ${row.ratio >= target.ratioMin ? "met" : "NOT MET"} (${row.ratio.toFixed(2)}x)`;
  });
}

/**
 * Versions, machine and settings: what a reader needs to compare two reports.
 * @param {Servers} servers
 * @param {{ omnikv: number, postgres: number }} initSeconds
 * @returns {Promise<string[]>}
 */
async function environmentReport(servers, initSeconds) {
  const version = async (/** @type {Server} */ server) => {
    const result = await psql(server, "SELECT version()");
    return result.code === 0 ? result.stdout.trim() : `unknown (${result.stderr.trim()})`;
  };
  const cpu = cpus();
  const serverPackageVersion = packageVersion(join(repoRoot, "apps", "server", "package.json"));
  const o = options();
  return [
    `omnikv:      ${serverPackageVersion}, ${gitRevision()}; SELECT version(): ${await version(servers.omnikv)}`,
    `PostgreSQL:  ${await version(servers.postgres)} (fsync=on, synchronous_commit=on, defaults otherwise)`,
    `node:        ${process.version}; pgbench: ${execFileSync(join(pgBinDir, "pgbench"), ["--version"], { encoding: "utf8" }).trim()}`,
    `machine:     ${cpu.length} cores, ${cpu[0]?.model ?? "unknown CPU"}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, ${osType()} ${release()}`,
    `load:        ${loadavg().map((l) => l.toFixed(2)).join(" ")} (1/5/15 min, at the end of the run)`,
    `data:        ${o.dir} (${fileSystemType(o.dir)}); both servers on 127.0.0.1, clients through ${o.isUnix ? "Unix-domain sockets" : "TCP"}`,
    `pgbench:     scale ${o.scale} (init ${initSeconds.omnikv.toFixed(1)} s omnikv, ${initSeconds.postgres.toFixed(1)} s PostgreSQL), ` +
      `${o.seconds} s per run, median of ${o.repeat}, -j ${o.threads} (at most the client count), ` +
      (o.warmupSeconds > 0 ? `after a ${o.warmupSeconds} s untimed -S warm-up on each` : "no warm-up"),
  ];
}

/** @param {string} path */
function packageVersion(path) {
  /** @type {unknown} */
  const manifest = JSON.parse(readFileSync(path, "utf8"));
  const version = typeof manifest === "object" && manifest !== null && "version" in manifest ? manifest.version : undefined;
  return typeof version === "string" ? version : "unknown version";
}

function gitRevision() {
  try {
    const head = execFileSync("git", ["-C", repoRoot, "rev-parse", "--short", "HEAD"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    const status = execFileSync("git", ["-C", repoRoot, "status", "--porcelain", "--untracked-files=no"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    return `git ${head}${status.trim() === "" ? "" : " with local changes"}`;
  } catch {
    return "git revision unknown";
  }
}

/** @param {string} dir */
function fileSystemType(dir) {
  try {
    return execFileSync("stat", ["-f", "-c", "%T", dir], { encoding: "utf8" }).trim();
  } catch {
    return "file system unknown";
  }
}

// ---------------------------------------------------------------------------------------------
// Main

/** @param {Options} o */
function checkPrerequisites(o) {
  for (const binary of ["initdb", "postgres", "pgbench", "psql"]) {
    if (!existsSync(join(pgBinDir, binary))) throw new UsageError(`${join(pgBinDir, binary)} not found: install postgresql-15 or set OMNIKV_PG_BIN`);
  }
  if (!existsSync(o.dir)) throw new UsageError(`--dir ${o.dir} does not exist`);
  if (o.isBuild) {
    process.stderr.write("building the server: tsc -b apps/server/tsconfig.lib.json\n");
    execFileSync(join(repoRoot, "node_modules", ".bin", "tsc"), ["-b", "apps/server/tsconfig.lib.json"], { cwd: repoRoot, stdio: "inherit" });
  }
  if (!existsSync(cliPath)) throw new UsageError(`${cliPath} not found: build the server first`);
}

/** @returns {Promise<Servers>} both servers, started and filled by pgbench -i */
async function startServers() {
  const omnikvDataDir = join(makeTempDir("omnikv-bench-omnikv-"), "data");
  process.stderr.write("starting omnikv and PostgreSQL\n");
  const omnikv = await startOmnikv(omnikvDataDir, randomBytes(16).toString("hex"));
  const postgres = await startPostgres();
  return { omnikv, postgres, omnikvDataDir, events: [] };
}

/** @param {readonly string[]} argv */
async function main(argv) {
  parsedOptions = parseOptions(argv);
  if (parsedOptions === undefined) {
    process.stdout.write(usage);
    return;
  }
  const o = parsedOptions;
  checkPrerequisites(o);
  installCleanupHandlers();
  const servers = await startServers();
  process.stderr.write(`pgbench -i -s ${o.scale} on omnikv (port ${servers.omnikv.port}) and PostgreSQL (port ${servers.postgres.port})\n`);
  const initSeconds = { omnikv: await initialize(servers.omnikv, o.scale), postgres: await initialize(servers.postgres, o.scale) };
  if (o.warmupSeconds > 0) {
    process.stderr.write(`warm-up: pgbench -S for ${o.warmupSeconds} s on each server (untimed)\n`);
    await warmUp(servers.omnikv, o.warmupSeconds);
    await warmUp(servers.postgres, o.warmupSeconds);
  }
  const results = await runAll(servers);
  const rows = summarize(results);
  const environment = await environmentReport(servers, initSeconds);
  const failures = failureReport(rows);
  const report = [
    "pgbench: omnikv vs PostgreSQL 15 (TPS = median over the repeats; failed txns summed over them)",
    "",
    ...environment,
    "",
    resultsTable(rows),
    "",
    "Targets:",
    ...targetReport(rows),
    ...(failures.length === 0 ? [] : ["", "Failed runs:", ...failures]),
    ...(servers.events.length === 0 ? [] : ["", "Events:", ...servers.events]),
  ];
  process.stdout.write(`${report.join("\n")}\n`);
  if (o.jsonPath !== undefined) writeFileSync(o.jsonPath, `${JSON.stringify({ options: o, environment, results }, null, 2)}\n`);
}

void main(process.argv.slice(2)).then(
  async () => {
    await cleanup();
  },
  async (/** @type {unknown} */ error) => {
    if (isAborting) return; // The signal handler cleans up and exits.
    process.stderr.write(`pgbench-compare: ${error instanceof Error ? error.message : String(error)}\n`);
    if (error instanceof UsageError) process.stderr.write(`\n${usage}`);
    await cleanup();
    process.exitCode = error instanceof UsageError ? 2 : 1;
  },
);
