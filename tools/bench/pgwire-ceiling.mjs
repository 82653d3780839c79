// The ceiling of one Node event loop under pgbench select-only: how many transactions a second a
// server reaches when the engine costs nothing, and how much CPU it spends per transaction. Two
// servers, each in its own process on a free loopback port, measured in the same run:
//
//   raw     a minimal protocol-3 responder that answers pgbench with canned bytes (no pgwire, no
//           engine): the cost of Node's sockets alone;
//   pgwire  @omnikv/pgwire (built dist/) over a backend that answers every query from a constant
//           row: the cost of the wire protocol layer.
//
// For each, `pgbench -S -n` with `-M simple` and `-M prepared` (trust authentication, no data).
// CPU per transaction is the server process's user and system time from /proc/PID/stat (Linux)
// over the run, divided by the transactions pgbench processed. Compare with `pgbench-compare.mjs`,
// which runs the same workload against omnikv and PostgreSQL: the difference between omnikv and
// `pgwire` here is the engine's share.
//
// Usage: node tools/bench/pgwire-ceiling.mjs [--seconds 8] [--clients 8] [--threads 2] [--no-build]
import { execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve as resolvePath } from "node:path";
import { parseArgs } from "node:util";

const repoRoot = resolvePath(import.meta.dirname, "..", "..");
const pgBinDir = process.env["OMNIKV_PG_BIN"] ?? "/usr/lib/postgresql/15/bin";
/** Clock ticks per second of /proc/PID/stat's utime and stime (USER_HZ; 100 on Linux). */
const ticksPerSecond = 100;

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "8" },
    clients: { type: "string", default: "8" },
    threads: { type: "string", default: "2" },
    serve: { type: "string" },
    "no-build": { type: "boolean", default: false },
  },
});

// ---------------------------------------------------------------------------------------------
// The servers (run in a child process: `--serve raw|pgwire`, prints its port)

/** @param {string} kind */
async function serve(kind) {
  const port = kind === "raw" ? await serveRaw() : kind === "pgwire" ? await servePgwire() : undefined;
  if (port === undefined) throw new Error(`--serve must be raw or pgwire, not ${kind}`);
  process.stdout.write(`${port}\n`);
  // The parent's death (or its kill) ends this server.
  process.stdin.resume();
  process.stdin.on("end", () => process.exit(0));
}

/** @param {string} type @param {Buffer} body */
function message(type, body) {
  const out = Buffer.alloc(5 + body.length);
  out[0] = type.charCodeAt(0);
  out.writeInt32BE(4 + body.length, 1);
  body.copy(out, 5);
  return out;
}
const cstring = (/** @type {string} */ text) => Buffer.from(`${text}\0`);
const int16 = (/** @type {number} */ n) => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
const int32 = (/** @type {number} */ n) => {
  const out = Buffer.alloc(4);
  out.writeInt32BE(n);
  return out;
};
/** RowDescription of int4 text columns. @param {readonly string[]} names */
const rowDescription = (names) =>
  message("T", Buffer.concat([int16(names.length), ...names.map((name) => Buffer.concat([cstring(name), int32(0), int16(0), int32(23), int16(4), int32(-1), int16(0)]))]));
/** @param {readonly (string | null)[]} cells */
const dataRow = (cells) =>
  message("D", Buffer.concat([int16(cells.length), ...cells.map((cell) => (cell === null ? int32(-1) : Buffer.concat([int32(Buffer.byteLength(cell)), Buffer.from(cell)])))]));

/**
 * Canned answers for what pgbench -S sends: its two catalog probes at start (the partition query
 * and the branch count), the select, and the extended-protocol messages of -M prepared.
 * @returns {Promise<number>}
 */
function serveRaw() {
  const ready = message("Z", Buffer.from("I"));
  const selectOne = message("C", cstring("SELECT 1"));
  const abalance = rowDescription(["abalance"]);
  const zero = dataRow(["0"]);
  const startup = Buffer.concat([
    message("R", int32(0)),
    ...[["server_version", "15.0"], ["client_encoding", "UTF8"], ["server_encoding", "UTF8"], ["standard_conforming_strings", "on"], ["integer_datetimes", "on"], ["DateStyle", "ISO, MDY"]].map(
      ([name = "", value = ""]) => message("S", Buffer.concat([cstring(name), cstring(value)])),
    ),
    message("K", Buffer.concat([int32(1), int32(2)])),
    ready,
  ]);
  /** @param {string} sql */
  const simple = (sql) => {
    if (sql.includes("partstrat")) return Buffer.concat([rowDescription(["n", "partstrat", "count"]), dataRow(["1", null, "0"]), selectOne, ready]);
    if (sql.includes("pgbench_branches")) return Buffer.concat([rowDescription(["count"]), dataRow(["10"]), selectOne, ready]);
    if (/^\s*select/i.test(sql)) return Buffer.concat([abalance, zero, selectOne, ready]);
    return Buffer.concat([message("C", cstring("SET")), ready]);
  };
  const empty = Buffer.alloc(0);
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    let input = Buffer.alloc(0);
    let isStarted = false;
    socket.on("data", (chunk) => {
      input = input.length === 0 ? chunk : Buffer.concat([input, chunk]);
      /** @type {Buffer[]} */
      const out = [];
      for (;;) {
        if (!isStarted) {
          if (input.length < 8 || input.length < input.readInt32BE(0)) break;
          const code = input.readInt32BE(4);
          input = input.subarray(input.readInt32BE(0));
          if (code === 80877103 || code === 80877104) out.push(Buffer.from("N")); // SSLRequest, GSSENCRequest
          else {
            isStarted = true;
            out.push(startup);
          }
          continue;
        }
        if (input.length < 5 || input.length < 1 + input.readInt32BE(1)) break;
        const type = String.fromCharCode(input[0] ?? 0);
        const body = input.subarray(5, 1 + input.readInt32BE(1));
        input = input.subarray(1 + input.readInt32BE(1));
        if (type === "X") {
          socket.end();
          return;
        }
        if (type === "Q") out.push(simple(body.toString("utf8", 0, body.length - 1)));
        else if (type === "P") out.push(message("1", empty));
        else if (type === "B") out.push(message("2", empty));
        else if (type === "D") out.push(body[0] === 83 ? Buffer.concat([message("t", Buffer.concat([int16(1), int32(23)])), abalance]) : abalance);
        else if (type === "E") out.push(zero, selectOne);
        else if (type === "S") out.push(ready);
      }
      if (out.length > 0) socket.write(out.length === 1 ? (out[0] ?? empty) : Buffer.concat(out));
    });
    socket.on("error", () => undefined);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(addressPort(server.address()))));
}

/** @param {unknown} address */
function addressPort(address) {
  if (typeof address !== "object" || address === null || !("port" in address) || typeof address.port !== "number") throw new Error("no port");
  return address.port;
}

/** @returns {Promise<number>} */
async function servePgwire() {
  const { PgServer } = await import("@omnikv/pgwire");
  const utf8 = new TextEncoder();
  /** @param {string} name @returns {import("@omnikv/pgwire").FieldDescription} */
  const column = (name) => ({ name, tableOid: 0, columnNumber: 0, typeOid: 23, typeSize: 4, typeModifier: -1, format: 0 });
  /** @param {string} sql @returns {import("@omnikv/pgwire").QueryEvent[]} */
  const run = (sql) => {
    /** @param {string[]} names @param {(string | null)[]} cells @returns {import("@omnikv/pgwire").QueryEvent[]} */
    const one = (names, cells) => [
      { kind: "rowDescription", fields: names.map(column) },
      { kind: "rows", rows: [cells.map((cell) => (cell === null ? null : utf8.encode(cell)))] },
      { kind: "commandComplete", tag: "SELECT 1" },
    ];
    if (sql.includes("partstrat")) return one(["n", "partstrat", "count"], ["1", null, "0"]);
    if (sql.includes("pgbench_branches")) return one(["count"], ["10"]);
    if (/^\s*select/i.test(sql)) return one(["abalance"], ["0"]);
    return [{ kind: "commandComplete", tag: "SET" }];
  };
  /** @type {import("@omnikv/pgwire").Backend} */
  const backend = {
    passwordSecret: () => undefined,
    startup: () => {
      /** @type {Map<string, string>} */
      const statements = new Map();
      /** @type {Map<string, string>} */
      const portals = new Map();
      return {
        transactionStatus: "I",
        simpleQuery: (sql) => run(sql),
        parse: (name, sql) => void statements.set(name, sql),
        bind: ({ portal, statement }) => void portals.set(portal, statements.get(statement) ?? ""),
        describeStatement: () => ({ paramTypeOids: [23], fields: [column("abalance")] }),
        describePortal: () => [column("abalance")],
        execute: (portal) => run(portals.get(portal) ?? "").filter((event) => event.kind !== "rowDescription"),
        close: () => undefined,
        sync: () => undefined,
        cancel: () => undefined,
        end: () => undefined,
      };
    },
  };
  const server = new PgServer({ backend, port: 0, host: "127.0.0.1", hba: [{ database: "all", user: "all", address: "all", method: "trust" }] });
  return server.listen();
}

// ---------------------------------------------------------------------------------------------
// The run

async function main() {
  const seconds = count("seconds", values.seconds, 600);
  const clients = count("clients", values.clients, 90);
  const threads = Math.min(count("threads", values.threads, 64), clients);
  if (!values["no-build"]) execFileSync(join(repoRoot, "node_modules", ".bin", "tsc"), ["-b", join(repoRoot, "packages", "pgwire", "tsconfig.lib.json")], { stdio: "inherit" });
  /** @type {string[][]} */
  const rows = [["server", "mode", "TPS", "user µs/txn", "system µs/txn"]];
  for (const kind of ["raw", "pgwire"]) {
    const child = spawn(process.execPath, [import.meta.filename, "--serve", kind], { stdio: ["pipe", "pipe", "inherit"] });
    try {
      const port = await firstLine(child.stdout);
      for (const mode of ["simple", "prepared"]) {
        const pid = child.pid ?? 0;
        const before = cpuTicks(pid);
        const output = execFileSync(join(pgBinDir, "pgbench"), ["-h", "127.0.0.1", "-p", port, "-U", "bench", "-n", "-S", "-M", mode, "-c", String(clients), "-j", String(threads), "-T", String(seconds), "bench"], {
          encoding: "utf8",
          env: { PATH: process.env["PATH"] ?? "", PGSSLMODE: "disable" },
          timeout: (seconds + 60) * 1000,
        });
        const after = cpuTicks(pid);
        const tps = Number(/tps = ([\d.]+)/.exec(output)?.[1] ?? Number.NaN);
        const processed = Number(/processed: (\d+)/.exec(output)?.[1] ?? Number.NaN);
        const perTxn = (/** @type {number} */ ticks) => ((ticks / ticksPerSecond) * 1e6) / processed;
        rows.push([kind, mode, Math.round(tps).toLocaleString("en-US"), perTxn(after.user - before.user).toFixed(1), perTxn(after.system - before.system).toFixed(1)]);
        process.stderr.write(`${kind} ${mode}: ${Math.round(tps)} TPS\n`);
      }
    } finally {
      child.kill();
    }
  }
  process.stdout.write(`pgbench -S -n, ${clients} clients, -j ${threads}, ${seconds} s per run, servers that do no engine work:\n\n`);
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((row) => (row[i] ?? "").length)));
  for (const row of rows) process.stdout.write(`${row.map((cell, i) => (i < 2 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join("  ")}\n`);
}

/** @param {string} name @param {string | undefined} text @param {number} max */
function count(name, text, max) {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > max) throw new Error(`--${name} must be an integer in 1..${max}`);
  return value;
}

/** User and system clock ticks of a process so far (fields 14 and 15 of /proc/PID/stat). @param {number} pid */
function cpuTicks(pid) {
  // The command name (field 2) may hold spaces; the fields after its closing parenthesis do not.
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return { user: Number(fields[11]), system: Number(fields[12]) };
}

/** @param {NodeJS.ReadableStream | null} stream @returns {Promise<string>} */
function firstLine(stream) {
  return new Promise((resolve, reject) => {
    if (stream === null) return reject(new Error("no output"));
    let text = "";
    stream.on("data", (chunk) => {
      text += String(chunk);
      const end = text.indexOf("\n");
      if (end >= 0) resolve(text.slice(0, end).trim());
    });
    stream.on("end", () => reject(new Error(`the server ended before printing its port: ${text}`)));
  });
}

// Last, so every constant above is initialized before either side runs.
if (values.serve === undefined) await main();
else await serve(values.serve);
