/**
 * PostgreSQL's own isolationtester (from Debian's postgresql-client-15) drives the specs in
 * test/isolation/ against the omnikv server and against a real PostgreSQL 15; the two outputs
 * must be identical: which steps wait, which fail with which error, and what they return.
 * isolationtester sees waits through pg_isolation_test_session_is_blocked(), which the engine
 * answers from its lock table, and sessions by their BackendKeyData pid (= pg_backend_pid()).
 */
import { execFile, type ExecFileException } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { makeTempDir, postgresBinDir, startPostgres, type PostgresServer } from "@omnikv/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { password, startServerProcess, type ServerProcess } from "./server-process.ts";

const specs = join(import.meta.dirname, "isolation");
const temp = makeTempDir("server-isolation");
let omnikv: ServerProcess;
let postgres: PostgresServer;

/** isolationtester ships in pgxs of the client package, not in bin/. */
function isolationtesterPath(): string {
  const bin = postgresBinDir();
  if (bin === undefined) throw new Error("isolationtester needs PostgreSQL 15's client package (apt-get install postgresql-client-15)");
  const path = join(bin, "..", "lib", "pgxs", "src", "test", "isolation", "isolationtester");
  if (!existsSync(path)) throw new Error(`no isolationtester at ${path}`);
  return path;
}

function isolationtester(conninfo: string, spec: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(isolationtesterPath(), [conninfo], { env: { PATH: process.env["PATH"] ?? "", ...env }, timeout: 60_000 }, (error: ExecFileException | null, stdout, stderr) => {
      if (error !== null && stdout === "") reject(new Error(`isolationtester failed: ${stderr}`));
      else resolve(stdout);
    });
    child.stdin?.end(spec);
  });
}

beforeAll(async () => {
  omnikv = await startServerProcess(join(temp.path, "data"));
  postgres = await startPostgres();
});

afterAll(async () => {
  await omnikv.stop();
  await postgres.stop();
  temp.cleanup();
});

describe("isolationtester", () => {
  for (const file of readdirSync(specs).filter((name) => name.endsWith(".spec"))) {
    it(`prints what PostgreSQL 15 prints for ${file}`, async () => {
      const spec = readFileSync(join(specs, file), "utf8");
      const expected = await isolationtester(`host=127.0.0.1 port=${postgres.port} user=${postgres.user} dbname=${postgres.database}`, spec, {});
      const actual = await isolationtester(`host=127.0.0.1 port=${omnikv.port} user=omnikv dbname=postgres`, spec, { PGPASSWORD: password });
      expect(expected).toContain("starting permutation");
      expect(actual).toBe(expected);
    });
  }
});
