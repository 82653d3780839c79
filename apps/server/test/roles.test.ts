/**
 * Roles over the wire: a role created with CREATE ROLE … LOGIN PASSWORD logs in with node-postgres,
 * postgres.js and psql (SCRAM-SHA-256 against the verifier in the catalog); a wrong password is
 * 28P01; a NOLOGIN or unknown role is refused; privileges are enforced with PostgreSQL's 42501
 * errors; ParameterStatus `is_superuser` follows the role; roles survive a restart; a data
 * directory from before (users.json) keeps its superuser password, moved into the catalog once.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createScramVerifier } from "@omnikv/pgwire";
import { makeTempDir } from "@omnikv/testkit";
import { Client } from "pg";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { password, startServerProcess, type ServerProcess } from "./server-process.ts";

const temp = makeTempDir("server-roles");
const dataDir = join(temp.path, "data");
let server: ServerProcess;

async function connect(user: string, secret: string): Promise<Client> {
  const client = new Client({ host: "127.0.0.1", port: server.port, user, password: secret, database: "postgres" });
  await client.connect();
  return client;
}

/** The SQLSTATE and message a login or query fails with. */
async function failure(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (error) {
    const code = typeof error === "object" && error !== null && "code" in error ? String(error.code) : "?";
    return `${code} ${error instanceof Error ? error.message : String(error)}`;
  }
  return "no error";
}

async function loginFailure(user: string, secret: string): Promise<string> {
  const client = new Client({ host: "127.0.0.1", port: server.port, user, password: secret, database: "postgres" });
  client.on("error", () => undefined);
  const result = await failure(() => client.connect());
  await client.end().catch(() => undefined);
  return result;
}

function psql(user: string, secret: string, sql: string): Promise<string> {
  const args = ["-X", "-A", "-t", "-h", "127.0.0.1", "-p", String(server.port), "-U", user, "-d", "postgres", "-c", sql];
  return new Promise((resolve) => {
    execFile("psql", args, { env: { ...process.env, PGPASSWORD: secret } }, (error, stdout, stderr) => resolve(error === null ? stdout : `error: ${stderr}`));
  });
}

beforeAll(async () => {
  server = await startServerProcess(dataDir);
  const admin = await connect("omnikv", password);
  await admin.query("CREATE ROLE alice LOGIN PASSWORD 'alice-pw'");
  await admin.query("CREATE ROLE locked PASSWORD 'locked-pw'");
  await admin.query("CREATE TABLE t (id int PRIMARY KEY, v text)");
  await admin.query("INSERT INTO t VALUES (1, 'one')");
  await admin.query("GRANT SELECT ON t TO alice");
  await admin.end();
});

afterAll(async () => {
  await server.stop();
  temp.cleanup();
});

describe("logins", () => {
  it("a created role logs in with its password (node-postgres) and has its privileges, no more", async () => {
    const alice = await connect("alice", "alice-pw");
    try {
      expect((await alice.query("SELECT current_user, v FROM t")).rows).toEqual([{ current_user: "alice", v: "one" }]);
      expect(await failure(() => alice.query("INSERT INTO t VALUES (2, 'two')"))).toBe("42501 permission denied for table t");
      expect(await failure(() => alice.query("CREATE TABLE mine (a int)"))).toBe("42501 permission denied for schema public");
      expect(await failure(() => alice.query("CREATE ROLE x"))).toBe("42501 permission denied to create role");
      expect(await failure(() => alice.query("SELECT rolpassword FROM pg_authid"))).toBe("42501 permission denied for table pg_authid");
    } finally {
      await alice.end();
    }
  });

  it("psql logs in as the role", async () => {
    expect(await psql("alice", "alice-pw", "SELECT current_user, count(*) FROM t")).toBe("alice|1\n");
    expect(await psql("alice", "alice-pw", "DELETE FROM t")).toContain("ERROR:  permission denied for table t");
  });

  it("a wrong password is 28P01; NOLOGIN and unknown roles are refused", async () => {
    expect(await loginFailure("alice", "wrong")).toBe('28P01 password authentication failed for user "alice"');
    expect(await loginFailure("locked", "locked-pw")).toBe('28P01 password authentication failed for user "locked"');
    expect(await loginFailure("ghost", "x")).toBe('28P01 password authentication failed for user "ghost"');
  });

  it("ParameterStatus is_superuser follows the logged-in role", async () => {
    const asAlice = postgres({ host: "127.0.0.1", port: server.port, username: "alice", password: "alice-pw", database: "postgres", max: 1, onnotice: () => undefined });
    const asAdmin = postgres({ host: "127.0.0.1", port: server.port, username: "omnikv", password, database: "postgres", max: 1, onnotice: () => undefined });
    try {
      await asAlice`SELECT 1`;
      await asAdmin`SELECT 1`;
      expect(asAlice.parameters.is_superuser).toBe("off");
      expect(asAdmin.parameters.is_superuser).toBe("on");
      expect(await asAlice`SHOW is_superuser`).toEqual([{ is_superuser: "off" }]);
    } finally {
      await asAlice.end();
      await asAdmin.end();
    }
  });

  it("roles and privileges survive a restart; the superuser password stays", async () => {
    await server.stop();
    server = await startServerProcess(dataDir, [], { OMNIKV_PASSWORD: "ignored-now" });
    const alice = await connect("alice", "alice-pw");
    expect((await alice.query("SELECT v FROM t")).rows).toEqual([{ v: "one" }]);
    await alice.end();
    const admin = await connect("omnikv", password);
    await admin.end();
  });
});

/** Each privilege with statements that need it, run by a role that has only that privilege. */
const matrix: readonly { readonly privilege: string; readonly statements: readonly string[] }[] = [
  { privilege: "SELECT", statements: ["SELECT count(*) FROM m", "SELECT id FROM m WHERE id = 1"] },
  { privilege: "INSERT", statements: ["INSERT INTO m VALUES (100 + (random() * 1000000)::int, 'x')"] },
  { privilege: "UPDATE", statements: ["UPDATE m SET v = 'y'"] },
  { privilege: "DELETE", statements: ["DELETE FROM m"] },
  { privilege: "TRUNCATE", statements: ["TRUNCATE m"] },
];

describe("the privilege matrix over the wire (simple and extended protocol)", () => {
  it("each statement: 42501 without its privilege, allowed with it, 42501 again after REVOKE", async () => {
    const admin = await connect("omnikv", password);
    await admin.query("CREATE ROLE matrix LOGIN PASSWORD 'matrix-pw'");
    await admin.query("CREATE TABLE m (id int PRIMARY KEY, v text)");
    const user = await connect("matrix", "matrix-pw");
    const outcomes: string[] = [];
    try {
      let statementIndex = 0;
      for (const { privilege, statements } of matrix) {
        for (const sql of statements) {
          statementIndex += 1;
          // A named statement is prepared once and executed three times: its plan is kept, its privileges are checked each time.
          const extended = { name: `matrix${statementIndex}`, text: sql, values: [] };
          const run = async (): Promise<string> => `${await failure(() => user.query(sql))} / ${await failure(() => user.query(extended))}`;
          outcomes.push(`${privilege} ${sql}: ${await run()}`);
          await admin.query(`GRANT ${privilege} ON m TO matrix`);
          outcomes.push(`${privilege} ${sql}: ${await run()}`);
          await admin.query(`REVOKE ${privilege} ON m FROM matrix`);
          outcomes.push(`${privilege} ${sql}: ${await run()}`);
        }
      }
    } finally {
      await user.end();
      await admin.end();
    }
    const denied = "42501 permission denied for table m / 42501 permission denied for table m";
    const expected = matrix.flatMap(({ privilege, statements }) =>
      statements.flatMap((sql) => [`${privilege} ${sql}: ${denied}`, `${privilege} ${sql}: no error / no error`, `${privilege} ${sql}: ${denied}`]),
    );
    expect(outcomes).toEqual(expected);
  });
});

describe("a data directory from before roles lived in the catalog", () => {
  it("moves users.json's verifier into the catalog, once", async () => {
    const oldDir = join(temp.path, "old");
    mkdirSync(oldDir, { recursive: true });
    writeFileSync(join(oldDir, "users.json"), JSON.stringify({ users: { omnikv: createScramVerifier("old-password") } }));
    const old = await startServerProcess(oldDir, [], { OMNIKV_PASSWORD: "not-this-one" });
    try {
      const client = new Client({ host: "127.0.0.1", port: old.port, user: "omnikv", password: "old-password", database: "postgres" });
      await client.connect();
      expect((await client.query("SELECT rolname FROM pg_authid WHERE rolpassword LIKE 'SCRAM-SHA-256$%'")).rows).toEqual([{ rolname: "omnikv" }]);
      await client.end();
      expect(existsSync(join(oldDir, "users.json"))).toBe(false);
      expect(existsSync(join(oldDir, "users.json.migrated"))).toBe(true);
    } finally {
      await old.stop();
    }
  });
});
