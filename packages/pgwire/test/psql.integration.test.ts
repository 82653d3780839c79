/**
 * psql (the real libpq client) against PgServer: SCRAM with PGPASSWORD, sslmode prefer/require,
 * several -c commands, error output with position and hint, COPY through stdin/stdout, and a wrong
 * password.
 */
import { execFile, type ExecFileException } from "node:child_process";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./fixtures/servers.ts";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({
    tls: { cert: readFileSync(new URL("fixtures/tls-cert.pem", import.meta.url)), key: readFileSync(new URL("fixtures/tls-key.pem", import.meta.url)) },
  });
});

afterAll(async () => {
  await server.close();
  expect(server.internalErrors).toEqual([]);
});

interface PsqlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function psql(args: readonly string[], options: { readonly password?: string; readonly sslMode?: string; readonly input?: string } = {}): Promise<PsqlResult> {
  const env = { PATH: process.env["PATH"] ?? "", PGPASSWORD: options.password ?? "wonderland", PGSSLMODE: options.sslMode ?? "prefer", PGCONNECT_TIMEOUT: "5" };
  return new Promise((resolve) => {
    const child = execFile(
      "psql",
      ["-X", "-h", "127.0.0.1", "-p", String(server.port), "-U", "alice", "-d", "app", "-v", "ON_ERROR_STOP=1", ...args],
      { env, timeout: 15_000 },
      (error: ExecFileException | null, stdout, stderr) => resolve({ code: typeof error?.code === "number" ? error.code : error === null ? 0 : -1, stdout, stderr }),
    );
    child.stdin?.end(options.input ?? "");
  });
}

describe("psql", () => {
  it("runs -c commands over SCRAM, with and without TLS", async () => {
    expect(await psql(["-tA", "-c", "SELECT 1", "-c", "SELECT generate_series(1, 3)"])).toEqual({ code: 0, stdout: "1\n1\n2\n3\n", stderr: "" });
    expect(await psql(["-tA", "-c", "SELECT 1"], { sslMode: "require" })).toMatchObject({ code: 0, stdout: "1\n" });
    expect(await psql(["-tA", "-c", "SELECT 1"], { sslMode: "disable" })).toMatchObject({ code: 0, stdout: "1\n" });
  });

  it("prints aligned output with the column header", async () => {
    expect((await psql(["-c", "SELECT 1"])).stdout).toBe(" ?column? \n----------\n        1\n(1 row)\n\n");
  });

  it("shows errors with the statement position and hint", async () => {
    const result = await psql(["-c", "SELECT * FROM nope"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('ERROR:  relation "nope" does not exist');
    expect(result.stderr).toContain("LINE 1: SELECT * FROM nope\n                      ^");
    expect(result.stderr).toContain("HINT:  Create it first.");
  });

  it("copies from stdin and to stdout", async () => {
    server.state.table.length = 0;
    expect(await psql(["-c", "COPY t FROM STDIN"], { input: "alpha\nbeta\n\\.\n" })).toMatchObject({ code: 0, stdout: "COPY 2\n" });
    expect(await psql(["-c", "COPY t TO STDOUT"])).toMatchObject({ code: 0, stdout: "alpha\nbeta\n" });
  });

  it("fails with the PostgreSQL message on a wrong password", async () => {
    const result = await psql(["-c", "SELECT 1"], { password: "nope" });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('FATAL:  password authentication failed for user "alice"');
  });
});
