/**
 * The `omnikv` server as a user runs it: a child process on a loopback port, talked to by real
 * clients — node-postgres (simple and extended protocol, named statements, binary results,
 * errors with SQLSTATE and position) and psql (commands, \copy, errors). Clean shutdown on
 * SIGTERM; after SIGKILL, a restart recovers every committed row.
 */
import { execFile, type ExecFileException } from "node:child_process";
import { existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeTempDir } from "@omnikv/testkit";
import { Client, type ClientConfig } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliPath, password, startServerProcess, type ServerProcess } from "./server-process.ts";

const temp = makeTempDir("server");
let server: ServerProcess;

beforeAll(async () => {
  server = await startServerProcess(join(temp.path, "main"));
});

afterAll(async () => {
  await server.stop();
  temp.cleanup();
});

function client(port = server.port, isBinary = false): Client {
  // `binary` is a runtime option @types/pg does not declare.
  const config: ClientConfig & { readonly binary: boolean } = { host: "127.0.0.1", port, user: "omnikv", password, database: "postgres", binary: isBinary };
  return new Client(config);
}

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function run(command: string, args: readonly string[], input = "", env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(command, args, { env: { PATH: process.env["PATH"] ?? "", ...env }, timeout: 30_000 }, (error: ExecFileException | null, stdout, stderr) =>
      resolve({ code: typeof error?.code === "number" ? error.code : error === null ? 0 : -1, stdout, stderr }),
    );
    child.stdin?.end(input);
  });
}

function psql(args: readonly string[], input = ""): Promise<Run> {
  return run("psql", ["-X", "-h", "127.0.0.1", "-p", String(server.port), "-U", "omnikv", "-d", "postgres", "-v", "ON_ERROR_STOP=1", ...args], input, { PGPASSWORD: password });
}

describe("node-postgres", () => {
  it("runs simple and parameterized queries, named statements and transactions", async () => {
    const db = client();
    await db.connect();
    try {
      await db.query("CREATE TABLE accounts (id int PRIMARY KEY, owner text NOT NULL, balance numeric(12,2) DEFAULT 0)");
      await db.query("INSERT INTO accounts VALUES (1, 'ann', 10), (2, 'bob', 20)");
      expect((await db.query("SELECT owner FROM accounts WHERE id = $1", [2])).rows).toEqual([{ owner: "bob" }]);
      const named = { name: "by_balance", text: "SELECT id FROM accounts WHERE balance >= $1 ORDER BY id" };
      expect((await db.query({ ...named, values: [15] })).rows).toEqual([{ id: 2 }]);
      expect((await db.query({ ...named, values: [0] })).rows).toEqual([{ id: 1 }, { id: 2 }]);
      const inserted = await db.query("INSERT INTO accounts (id, owner) VALUES ($1, $2) RETURNING id, balance", [3, "cy"]);
      expect(inserted.rows).toEqual([{ id: 3, balance: "0.00" }]);
      expect(inserted.command).toBe("INSERT");
      await db.query("BEGIN");
      await db.query("UPDATE accounts SET balance = balance - 5 WHERE id = 1");
      await db.query("UPDATE accounts SET balance = balance + 5 WHERE id = 2");
      await db.query("COMMIT");
      expect((await db.query("SELECT sum(balance)::text AS total FROM accounts")).rows).toEqual([{ total: "30.00" }]);
    } finally {
      await db.end();
    }
  });

  it("returns binary results and reports errors with SQLSTATE and position", async () => {
    const binaryClient = client(server.port, true);
    await binaryClient.connect();
    const binary = await binaryClient.query("SELECT $1::int4 AS n, true AS b, 'x'::text AS t", [42]);
    expect(binary.rows).toEqual([{ n: 42, b: true, t: "x" }]);
    expect(binary.fields[0]?.format).toBe("binary");
    await binaryClient.end();
    const db = client();
    await db.connect();
    try {
      const error = await db.query("SELECT * FROM missing_table").catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: "42P01", position: "15" });
      await db.query("BEGIN");
      await expect(db.query("SELECT 1/0")).rejects.toMatchObject({ code: "22012" });
      await expect(db.query("SELECT 1")).rejects.toMatchObject({ code: "25P02" });
      await db.query("ROLLBACK");
      expect((await db.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
    } finally {
      await db.end();
    }
  });
});

describe("psql", () => {
  it("runs commands, \\copy in and out, and prints errors with their position", async () => {
    const created = await psql(["-c", "CREATE TABLE notes (id serial PRIMARY KEY, body text)", "-c", "\\copy notes (body) from stdin"], "first\nsecond\n\\.\n");
    expect(created).toMatchObject({ code: 0, stderr: "" });
    expect((await psql(["-tA", "-c", "SELECT id, body FROM notes ORDER BY id"])).stdout).toBe("1|first\n2|second\n");
    expect((await psql(["-c", "\\copy notes to stdout"])).stdout).toBe("1\tfirst\n2\tsecond\n");
    const failed = await psql(["-c", "SELECT nope FROM notes"]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('ERROR:  column "nope" does not exist');
    expect(failed.stderr).toContain("LINE 1: SELECT nope FROM notes");
  });

  it("rejects a wrong password with 28P01 and no hint of which part was wrong", async () => {
    const result = await run("psql", ["-X", "-h", "127.0.0.1", "-p", String(server.port), "-U", "omnikv", "-c", "SELECT 1"], "", { PGPASSWORD: "wrong" });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('password authentication failed for user "omnikv"');
  });
});

describe("TLS", () => {
  it("upgrades a connection with the configured certificate, and plain connections still work", async () => {
    const config = join(temp.path, "tls.json");
    const fixtures = join(import.meta.dirname, "fixtures");
    writeFileSync(config, JSON.stringify({ tls: { cert: join(fixtures, "tls-cert.pem"), key: join(fixtures, "tls-key.pem") } }));
    const tlsServer = await startServerProcess(join(temp.path, "tls-data"), ["--config", config]);
    try {
      const args = ["-X", "-h", "127.0.0.1", "-p", String(tlsServer.port), "-U", "omnikv", "-d", "postgres", "-tA", "-c", "SELECT 40 + 2"];
      const secure = await run("psql", args, "", { PGPASSWORD: password, PGSSLMODE: "require" });
      expect(secure).toMatchObject({ code: 0, stdout: "42\n" });
      const plain = await run("psql", args, "", { PGPASSWORD: password, PGSSLMODE: "disable" });
      expect(plain).toMatchObject({ code: 0, stdout: "42\n" });
    } finally {
      await tlsServer.stop();
    }
    // Without a certificate the server answers SSLRequest with N: sslmode=require fails.
    const refused = await run("psql", ["-X", "-h", "127.0.0.1", "-p", String(server.port), "-U", "omnikv", "-c", "SELECT 1"], "", { PGPASSWORD: password, PGSSLMODE: "require" });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("server does not support SSL");
  });
});

describe("Unix-domain sockets", () => {
  it("serves psql through DIR/.s.PGSQL.PORT with --socket-dir, and removes the socket at shutdown", async () => {
    const socketDir = join(temp.path, "sockets");
    mkdirSync(socketDir);
    const local = await startServerProcess(join(temp.path, "socket-data"), ["--socket-dir", socketDir]);
    const socketPath = join(socketDir, `.s.PGSQL.${local.port}`);
    try {
      expect(statSync(socketPath).isSocket()).toBe(true);
      expect(local.logs.some((line) => line.includes(`"sockets":[${JSON.stringify(socketPath)}]`))).toBe(true);
      const result = await run("psql", ["-X", "-h", socketDir, "-p", String(local.port), "-U", "omnikv", "-d", "postgres", "-tA", "-c", "SELECT 40 + 2"], "", { PGPASSWORD: password });
      expect(result).toMatchObject({ code: 0, stdout: "42\n" });
    } finally {
      expect(await local.stop()).toBe(0);
    }
    expect(existsSync(socketPath)).toBe(false);
    expect(await run(process.execPath, [cliPath, "start", "--socket-dir", ","])).toMatchObject({ code: 2, stderr: expect.stringContaining("--socket-dir needs directories") as unknown });
  });
});

describe("the process", () => {
  it("prints help for every command", async () => {
    const main = await run(process.execPath, [cliPath, "--help"]);
    expect(main).toMatchObject({ code: 0 });
    expect(main.stdout).toContain("omnikv start");
    expect((await run(process.execPath, [cliPath, "start", "--help"])).stdout).toContain("--data DIR");
    expect((await run(process.execPath, [cliPath, "start", "--bogus", "1"])).code).toBe(2);
  });

  it("shuts down cleanly on SIGTERM and recovers committed rows after SIGKILL", async () => {
    const dataDir = join(temp.path, "crash");
    const first = await startServerProcess(dataDir);
    const db = client(first.port);
    await db.connect();
    await db.query("CREATE TABLE kv (k int PRIMARY KEY, v text)");
    for (let k = 0; k < 50; k++) await db.query("INSERT INTO kv VALUES ($1, $2)", [k, `v${k}`]);
    await db.end().catch(() => undefined);
    expect(await first.stop("SIGKILL")).toBeNull();

    const second = await startServerProcess(dataDir);
    const reopened = client(second.port);
    await reopened.connect();
    expect((await reopened.query("SELECT count(*)::int AS n FROM kv")).rows).toEqual([{ n: 50 }]);
    await reopened.query("INSERT INTO kv VALUES (50, 'after')");
    await reopened.end();
    expect(await second.stop("SIGTERM")).toBe(0);
    expect(second.logs.some((line) => line.includes('"msg":"stopped"'))).toBe(true);
  });
});
