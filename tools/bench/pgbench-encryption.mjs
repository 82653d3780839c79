// Encryption overhead on pgbench select-only: two omnikv servers on the same machine in the same
// run, one on a plain data directory and one on a data directory encrypted at rest
// (`--encryption-key-file`), both filled by `pgbench -i -s SCALE`, then `pgbench -S -n` with
// `-M simple` and `-M prepared` at each client count, `--repeat` times for `--seconds` each,
// alternating plain then encrypted. Prints the median TPS of each and encrypted/plain; the
// target (issue 11) is at most 15% slower, i.e. a ratio of at least 0.85.
//
// Usage: node tools/bench/pgbench-encryption.mjs [--scale 10] [--seconds 15] [--repeat 3]
//        [--clients 1,8] [--no-build]   (`npm run bench:pgbench-encryption -- …`)
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve as resolvePath } from "node:path";
import { parseArgs } from "node:util";

const repoRoot = resolvePath(import.meta.dirname, "..", "..");
const cliPath = join(repoRoot, "apps", "server", "dist", "cli.js");
const pgBinDir = process.env["OMNIKV_PG_BIN"] ?? "/usr/lib/postgresql/15/bin";
const password = "bench-password";

const { values } = parseArgs({
  options: {
    scale: { type: "string", default: "10" },
    seconds: { type: "string", default: "15" },
    repeat: { type: "string", default: "3" },
    clients: { type: "string", default: "1,8" },
    "no-build": { type: "boolean", default: false },
  },
});
const scale = Number(values.scale);
const seconds = Number(values.seconds);
const repeat = Number(values.repeat);
const clientCounts = values.clients.split(",").map(Number);
/** @type {[string, number, number][]} */
const limits = [["scale", scale, 1000], ["seconds", seconds, 3600], ["repeat", repeat, 25], ...clientCounts.map((c) => /** @type {[string, number, number]} */ (["clients", c, 90]))];
for (const [name, value, max] of limits) {
  if (!Number.isInteger(value) || value < 1 || value > max) throw new Error(`--${name} must be an integer in 1..${max}`);
}

if (!values["no-build"]) execFileSync(join(repoRoot, "node_modules", ".bin", "tsc"), ["-b", join(repoRoot, "apps", "server", "tsconfig.lib.json")], { stdio: "inherit" });

const root = mkdtempSync(join(tmpdir(), "omnikv-bench-encryption-"));
/** @type {import("node:child_process").ChildProcess[]} */
const children = [];
const cleanup = () => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
  rmSync(root, { recursive: true, force: true });
};
process.on("exit", cleanup);
for (const signal of /** @type {const} */ (["SIGINT", "SIGTERM"])) process.on(signal, () => process.exit(130));

/**
 * Starts omnikv on `dataDir`; resolves with its port once it logs "listening".
 * @param {string} dataDir @param {readonly string[]} extraArgs @returns {Promise<number>}
 */
function startServer(dataDir, extraArgs) {
  const child = spawn(process.execPath, [cliPath, "start", "--data", dataDir, "--port", "0", ...extraArgs], { env: { ...process.env, OMNIKV_PASSWORD: password }, stdio: ["ignore", "pipe", "inherit"] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let buffered = "";
    child.stdout?.on("data", (/** @type {Buffer} */ chunk) => {
      buffered += chunk.toString("utf8");
      const match = /"msg":"listening".*"port":(\d+)/.exec(buffered);
      if (match !== null) resolve(Number(match[1]));
    });
    child.once("exit", (code) => reject(new Error(`omnikv exited with code ${code}`)));
  });
}

/** @param {number} port @param {readonly string[]} args */
function pgbench(port, args) {
  return execFileSync(join(pgBinDir, "pgbench"), ["-h", "127.0.0.1", "-p", String(port), "-U", "omnikv", ...args, "postgres"], {
    env: { ...process.env, PGPASSWORD: password, PGSSLMODE: "disable" },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 1 << 24,
  });
}

const keyFile = join(root, "key");
execFileSync(process.execPath, [cliPath, "genkey", "--out", keyFile]);
writeFileSync(join(root, "README"), "omnikv encryption benchmark scratch directory\n");
const servers = [
  { name: "plain", port: await startServer(join(root, "plain"), []) },
  { name: "encrypted", port: await startServer(join(root, "encrypted"), ["--encryption-key-file", keyFile]) },
];
for (const server of servers) pgbench(server.port, ["-i", "-s", String(scale), "-q"]);

/** @type {Map<string, number[]>} */
const tps = new Map();
for (let run = 0; run < repeat; run++) {
  for (const mode of ["simple", "prepared"]) {
    for (const clients of clientCounts) {
      for (const server of servers) {
        const output = pgbench(server.port, ["-S", "-n", "-M", mode, "-c", String(clients), "-j", String(Math.min(clients, 2)), "-T", String(seconds)]);
        const match = /tps = ([\d.]+)/.exec(output);
        if (match === null) throw new Error(`no tps in pgbench output:\n${output}`);
        const key = `${mode}/${clients}/${server.name}`;
        tps.set(key, [...(tps.get(key) ?? []), Number(match[1])]);
      }
    }
  }
}

/** @param {string} key */
const median = (key) => {
  const sorted = [...(tps.get(key) ?? [])].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};
console.log(`pgbench -S against omnikv, plain vs encrypted at rest: scale ${scale}, ${seconds} s runs, median of ${repeat}`);
const rows = [["mode", "clients", "plain TPS", "encrypted TPS", "encrypted/plain", "target >= 0.85"]];
for (const mode of ["simple", "prepared"]) {
  for (const clients of clientCounts) {
    const plain = median(`${mode}/${clients}/plain`);
    const encrypted = median(`${mode}/${clients}/encrypted`);
    const ratio = plain > 0 ? encrypted / plain : 0;
    rows.push([mode, String(clients), plain.toFixed(0), encrypted.toFixed(0), ratio.toFixed(2), ratio >= 0.85 ? "met" : "missed"]);
  }
}
const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((row) => (row[i] ?? "").length)));
for (const row of rows) console.log(row.map((cell, i) => cell.padStart(widths[i] ?? 0)).join("  "));
process.exit(0);
