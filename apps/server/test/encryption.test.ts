/**
 * Encryption at rest through the real server: `omnikv genkey`, `omnikv start --encryption-key-file`,
 * the passphrase variable, `omnikv rekey`. No file of an encrypted data directory holds a value,
 * a table name or a column name in plaintext; a wrong or missing key fails at start, before
 * anything is written; data survives SIGKILL and a rekey.
 */
import { execFile, type ExecFileException } from "node:child_process";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { makeTempDir } from "@omnikv/testkit";
import { Client } from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { cliPath, password, startServerProcess, type ServerProcess } from "./server-process.ts";

const temp = makeTempDir("server-encryption");
afterAll(() => temp.cleanup());

const canary = "CANARY-PLAINTEXT-7Q";
const tableName = "canary_secrets_table";

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function omnikv(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cliPath, ...args], { env: { ...process.env, ...env }, timeout: 60_000 }, (error: ExecFileException | null, stdout, stderr) =>
      resolve({ code: typeof error?.code === "number" ? error.code : error === null ? 0 : -1, stdout, stderr }),
    );
  });
}

/** Runs `body` against a started server and always stops it (SIGTERM), so a failure leaves no lock behind. */
async function withServer(dataDir: string, args: readonly string[], env: Readonly<Record<string, string>>, body: (server: ServerProcess) => Promise<void>): Promise<number | null> {
  const server = await startServerProcess(dataDir, args, env);
  try {
    await body(server);
  } finally {
    await server.stop();
  }
  return server.stop();
}

async function withClient<T>(server: ServerProcess, body: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ host: "127.0.0.1", port: server.port, user: "omnikv", password, database: "postgres" });
  await client.connect();
  try {
    return await body(client);
  } finally {
    await client.end();
  }
}

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile());
}

function filesContaining(dir: string, text: string): string[] {
  const needle = Buffer.from(text);
  return files(dir).filter((path) => readFileSync(path).includes(needle));
}

function snapshot(dir: string): string[] {
  return files(dir).map((path) => `${path}:${readFileSync(path).toString("base64")}`);
}

async function startFails(dataDir: string, args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<string> {
  return startServerProcess(dataDir, args, env).then(
    async (server) => {
      await server.stop();
      throw new Error("the server started");
    },
    (error: unknown) => String(error),
  );
}

describe("an encrypted data directory", () => {
  const dataDir = join(temp.path, "encrypted");
  const keyFile = join(temp.path, "key");
  const otherKeyFile = join(temp.path, "other-key");

  it("genkey writes a 256-bit key readable by its owner only, and never overwrites one", async () => {
    expect((await omnikv(["genkey", "--out", keyFile])).code).toBe(0);
    expect((await omnikv(["genkey", "--out", otherKeyFile])).code).toBe(0);
    expect(readFileSync(keyFile, "utf8")).toMatch(/^[0-9a-f]{64}\n$/);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const again = await omnikv(["genkey", "--out", keyFile]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/never overwrites/);
  });

  it("holds no plaintext value, table name or column name in any file", async () => {
    const code = await withServer(dataDir, ["--encryption-key-file", keyFile], {}, (server) =>
      withClient(server, async (client) => {
        await client.query(`CREATE TABLE ${tableName} (id int PRIMARY KEY, secret_column text)`);
        await client.query(`INSERT INTO ${tableName} SELECT g, '${canary}-' || g FROM generate_series(1, 2000) g`);
        await client.query(`CREATE INDEX ON ${tableName} (secret_column)`);
        // Table files too, not only the log.
        await client.query("CHECKPOINT");
        await client.query(`INSERT INTO ${tableName} VALUES (3000, '${canary}-in-the-log-only')`);
        // A sort beyond work_mem spills (sealed) into <data>/tmp.
        await client.query("SET work_mem = '64kB'");
        expect((await client.query(`SELECT secret_column FROM ${tableName} ORDER BY secret_column DESC LIMIT 1 OFFSET 1000`)).rows).toHaveLength(1);
      }),
    );
    expect(code).toBe(0);
    expect(files(dataDir).some((path) => path.endsWith(".sst"))).toBe(true);
    for (const text of [canary, tableName, "secret_column"]) expect(filesContaining(dataDir, text), text).toEqual([]);
  });

  it("reopens with its key, and survives SIGKILL", async () => {
    const server = await startServerProcess(dataDir, ["--encryption-key-file", keyFile]);
    try {
      await withClient(server, async (client) => {
        expect((await client.query(`SELECT count(*)::int AS n FROM ${tableName}`)).rows).toEqual([{ n: 2001 }]);
        await client.query(`INSERT INTO ${tableName} VALUES (5000, '${canary}-after')`);
      });
    } finally {
      await server.stop("SIGKILL");
    }
    await withServer(dataDir, ["--encryption-key-file", keyFile], {}, (restarted) =>
      withClient(restarted, async (client) => {
        expect((await client.query(`SELECT secret_column FROM ${tableName} WHERE id = 5000`)).rows).toEqual([{ secret_column: `${canary}-after` }]);
      }),
    );
    expect(filesContaining(dataDir, canary)).toEqual([]);
  });

  it("refuses to start without its key or with another key, before writing anything", async () => {
    const before = snapshot(dataDir);
    expect(await startFails(dataDir, [])).toMatch(/is encrypted: pass --encryption-key-file/);
    expect(await startFails(dataDir, ["--encryption-key-file", otherKeyFile])).toMatch(/wrong passphrase or key file/);
    expect(await startFails(dataDir, [], { OMNIKV_ENCRYPTION_PASSPHRASE: "guess" })).toMatch(/opened with a key file, not a passphrase/);
    expect(snapshot(dataDir)).toEqual(before);
  });

  it("rekeys to a passphrase without rewriting data; the old key stops working", async () => {
    const tables = files(join(dataDir, "store")).filter((path) => path.endsWith(".sst"));
    const tableBytes = tables.map((path) => readFileSync(path).toString("base64"));
    const rekeyed = await omnikv(["rekey", "--data", dataDir, "--encryption-key-file", keyFile, "--rotate-data-key"], { OMNIKV_NEW_ENCRYPTION_PASSPHRASE: "a long passphrase" });
    expect(rekeyed.stderr).toBe("");
    expect(rekeyed.stdout).toMatch(/data key 2 seals new data/);
    expect(tables.map((path) => readFileSync(path).toString("base64"))).toEqual(tableBytes);
    expect(await startFails(dataDir, ["--encryption-key-file", keyFile])).toMatch(/opened with a passphrase/);
    await withServer(dataDir, [], { OMNIKV_ENCRYPTION_PASSPHRASE: "a long passphrase" }, (server) =>
      withClient(server, async (client) => {
        expect((await client.query(`SELECT count(*)::int AS n FROM ${tableName}`)).rows).toEqual([{ n: 2002 }]);
        await client.query(`INSERT INTO ${tableName} VALUES (6000, '${canary}-rotated')`);
      }),
    );
    expect(filesContaining(dataDir, canary)).toEqual([]);
  });

  it("refuses to encrypt a directory that already holds unencrypted data", async () => {
    const plainDir = join(temp.path, "plain");
    await withServer(plainDir, [], {}, async () => {});
    expect(await startFails(plainDir, ["--encryption-key-file", keyFile])).toMatch(/holds unencrypted data/);
  });
});
