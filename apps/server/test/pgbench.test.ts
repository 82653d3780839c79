/**
 * pgbench (PostgreSQL 15's, from Debian's client package) against the real server: `pgbench -i`
 * (its COPY path and ALTER TABLE … ADD PRIMARY KEY), select-only and the built-in TPC-B script
 * with zero failed transactions, then TPC-B's consistency check; and a crash under load: SIGKILL
 * the server while TPC-B runs, restart, and every transaction pgbench logged as committed is in
 * pgbench_history, with the balances still consistent.
 */
import { execFile, type ExecFileException } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { makeTempDir, postgresBinDir } from "@omnikv/testkit";
import { Client } from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { password, startServerProcess } from "./server-process.ts";

const temp = makeTempDir("server-pgbench");
afterAll(() => temp.cleanup());

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** PostgreSQL's client binaries (Debian's postgresql-15, which .ci/run installs) hold pgbench. */
function pgbenchPath(): string {
  const dir = postgresBinDir();
  if (dir === undefined) throw new Error("pgbench needs PostgreSQL 15's binaries (apt-get install postgresql-15)");
  return join(dir, "pgbench");
}

function pgbench(port: number, args: readonly string[], cwd = temp.path): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      pgbenchPath(),
      ["-h", "127.0.0.1", "-p", String(port), "-U", "omnikv", ...args, "postgres"],
      { env: { PATH: process.env["PATH"] ?? "", PGPASSWORD: password }, cwd, timeout: 120_000 },
      (error: ExecFileException | null, stdout, stderr) => resolve({ code: typeof error?.code === "number" ? error.code : error === null ? 0 : -1, stdout, stderr }),
    );
  });
}

function processed(run: Run): { readonly done: number; readonly failed: number } {
  const done = Number(/number of transactions actually processed: (\d+)/.exec(run.stdout)?.[1] ?? "0");
  const failed = Number(/number of failed transactions: (\d+)/.exec(run.stdout)?.[1] ?? "-1");
  return { done, failed };
}

interface Balances {
  readonly accounts: string;
  readonly tellers: string;
  readonly branches: string;
  readonly history: string;
  readonly historyRows: number;
}

async function balances(port: number): Promise<Balances> {
  const client = new Client({ host: "127.0.0.1", port, user: "omnikv", password, database: "postgres" });
  await client.connect();
  try {
    const sum = async (sql: string): Promise<string> => (await client.query<{ s: string | null }>(sql)).rows[0]?.s ?? "0";
    return {
      accounts: await sum("SELECT sum(abalance)::text AS s FROM pgbench_accounts"),
      tellers: await sum("SELECT sum(tbalance)::text AS s FROM pgbench_tellers"),
      branches: await sum("SELECT sum(bbalance)::text AS s FROM pgbench_branches"),
      history: await sum("SELECT coalesce(sum(delta), 0)::text AS s FROM pgbench_history"),
      historyRows: Number(await sum("SELECT count(*)::text AS s FROM pgbench_history")),
    };
  } finally {
    await client.end();
  }
}

describe("pgbench", () => {
  it("initializes, runs select-only and TPC-B without failures, and the balances are consistent", async () => {
    const server = await startServerProcess(join(temp.path, "bench"));
    try {
      const init = await pgbench(server.port, ["-i", "-s", "1", "-q"]);
      expect(init.code, init.stderr).toBe(0);
      const selectOnly = await pgbench(server.port, ["-S", "-T", "2", "-c", "2"]);
      expect(selectOnly.code, selectOnly.stderr).toBe(0);
      expect(processed(selectOnly).failed).toBe(0);
      expect(processed(selectOnly).done).toBeGreaterThan(100);
      const prepared = await pgbench(server.port, ["-S", "-M", "prepared", "-T", "2", "-n"]);
      expect(processed(prepared)).toMatchObject({ failed: 0 });
      const tpcb = await pgbench(server.port, ["-T", "3", "-c", "4", "-n"]);
      expect(tpcb.code, tpcb.stderr).toBe(0);
      const { done, failed } = processed(tpcb);
      expect(failed).toBe(0);
      const sums = await balances(server.port);
      expect(sums.historyRows).toBe(done);
      expect(sums.accounts).toBe(sums.history);
      expect(sums.tellers).toBe(sums.history);
      expect(sums.branches).toBe(sums.history);
    } finally {
      await server.stop();
    }
  });

  it("after a SIGKILL under TPC-B load, every transaction pgbench saw commit is in pgbench_history", async () => {
    const dataDir = join(temp.path, "crash");
    const logDir = makeTempDir("pgbench-log");
    const server = await startServerProcess(dataDir);
    try {
      expect((await pgbench(server.port, ["-i", "-s", "1", "-q"])).code).toBe(0);
      const load = pgbench(server.port, ["-T", "30", "-c", "4", "-n", "-l", "--log-prefix", join(logDir.path, "tx")], logDir.path);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(await server.stop("SIGKILL")).toBeNull();
      await load;
      // One line per transaction pgbench saw commit, across the clients' log files.
      const committed = readdirSync(logDir.path)
        .filter((name) => name.startsWith("tx"))
        .map((name) => readFileSync(join(logDir.path, name), "utf8").split("\n").filter((line) => line.trim() !== "").length)
        .reduce((a, b) => a + b, 0);
      expect(committed).toBeGreaterThan(0);
      const restarted = await startServerProcess(dataDir);
      try {
        const sums = await balances(restarted.port);
        expect(sums.historyRows).toBeGreaterThanOrEqual(committed);
        expect(sums.accounts).toBe(sums.history);
        expect(sums.tellers).toBe(sums.history);
        expect(sums.branches).toBe(sums.history);
      } finally {
        await restarted.stop();
      }
    } finally {
      await server.stop();
      logDir.cleanup();
    }
  });
});
