/**
 * psql's `\du` and `\dp` against the real server and a real PostgreSQL 15 (testkit's
 * `startPostgres`), live: the same roles, grants and objects are set up on both by a superuser
 * named `omnikv`, and psql 15 must print byte-identical output. PostgreSQL's own bootstrap
 * superuser `postgres` is left out of `\du` by a pattern (ours is `omnikv`).
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { makeTempDir, startPostgres, type PostgresServer } from "@omnikv/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { password, startServerProcess, type ServerProcess } from "./server-process.ts";

const temp = makeTempDir("server-psql-roles");
let server: ServerProcess;
let pg: PostgresServer;

const setupSql = `
CREATE ROLE alice LOGIN PASSWORD 'alice-pw' CREATEDB;
CREATE ROLE bob NOINHERIT;
CREATE ROLE readers;
CREATE ROLE "Mixed Case";
CREATE ROLE admin2 SUPERUSER CREATEROLE;
CREATE ROLE limited LOGIN CONNECTION LIMIT 3;
GRANT readers TO alice;
GRANT readers TO bob;
GRANT bob TO limited;
CREATE TABLE items (id int PRIMARY KEY, name text);
CREATE TABLE secrets (x int);
CREATE TABLE plain (y int);
CREATE SEQUENCE counter;
CREATE VIEW item_names AS SELECT name FROM items;
CREATE SCHEMA app;
CREATE TABLE app.things (a int);
GRANT SELECT ON items TO readers;
GRANT SELECT, INSERT, UPDATE ON items TO alice WITH GRANT OPTION;
GRANT ALL ON secrets TO bob;
GRANT SELECT ON secrets TO "Mixed Case";
REVOKE TRUNCATE ON secrets FROM bob;
GRANT SELECT ON item_names TO PUBLIC;
GRANT USAGE ON SEQUENCE counter TO alice;
GRANT ALL ON SEQUENCE counter TO readers;
GRANT USAGE ON SCHEMA app TO alice;
GRANT SELECT ON ALL TABLES IN SCHEMA app TO readers;
SET ROLE alice;
GRANT SELECT ON items TO bob;
RESET ROLE;
GRANT SELECT ON plain TO bob;
ALTER TABLE plain OWNER TO alice;
ALTER ROLE limited RENAME TO capped;
ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO readers;
ALTER DEFAULT PRIVILEGES FOR ROLE alice IN SCHEMA app GRANT INSERT, UPDATE ON TABLES TO bob;
ALTER DEFAULT PRIVILEGES FOR ROLE alice GRANT USAGE ON SEQUENCES TO bob WITH GRANT OPTION;
CREATE TABLE later (z int);
GRANT SELECT (id, name), UPDATE (name) ON items TO "Mixed Case";
GRANT INSERT (y) ON plain TO readers;
`;

interface Target {
  readonly port: number;
  readonly secret: string;
}

function psql(target: Target, command: string, user = "omnikv"): Promise<string> {
  const args = ["-X", "-h", "127.0.0.1", "-p", String(target.port), "-U", user, "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-c", command];
  return new Promise((resolve, reject) => {
    execFile("psql", args, { env: { ...process.env, PGPASSWORD: target.secret } }, (error, stdout, stderr) => {
      if (error !== null || stderr !== "") reject(new Error(`psql ${command} failed: ${stderr === "" ? (error?.message ?? "") : stderr}`));
      else resolve(stdout);
    });
  });
}

let omnikv: Target;
let postgresql: Target;

beforeAll(async () => {
  server = await startServerProcess(join(temp.path, "data"));
  pg = await startPostgres();
  omnikv = { port: server.port, secret: password };
  postgresql = { port: pg.port, secret: "" };
  // PostgreSQL's side: a superuser named as ours, with the bootstrap superuser's attributes.
  await psql({ port: pg.port, secret: "" }, "CREATE ROLE omnikv SUPERUSER CREATEROLE CREATEDB REPLICATION BYPASSRLS LOGIN", pg.user);
  for (const target of [omnikv, postgresql]) await psql(target, setupSql);
}, 60_000);

afterAll(async () => {
  await server.stop();
  await pg.stop();
  temp.cleanup();
});

describe("psql's role and privilege listings print what PostgreSQL 15 prints", () => {
  const commands: readonly string[] = [
    "\\du (alice|bob|readers|admin2|capped|omnikv|\"Mixed Case\")",
    "\\du alice",
    "\\dp",
    "\\dp app.*",
    "\\dp items",
    "\\z secrets",
    "\\dp plain",
    "\\dn+ app",
    "\\ddp",
    "\\dp later",
  ];
  it.each(commands)("%s", async (command) => {
    const expected = await psql(postgresql, command);
    expect(expected).toMatch(/alice|readers|omnikv/);
    expect(await psql(omnikv, command)).toBe(expected);
  });
});
