/**
 * Roles and privileges, differentially against PostgreSQL 15 (testkit's `startPostgres`, a
 * private cluster for this file): the same scripts run on a fresh engine database and on
 * PostgreSQL, switching roles with SET SESSION AUTHORIZATION / SET ROLE, and every statement must
 * have the same outcome: for an error its SQLSTATE and message, for a success its command tag and
 * rows in text form. Roles are cluster-wide in PostgreSQL, so before each scenario its roles,
 * their objects and `public` go back to a fresh cluster's state.
 */
import * as fc from "fast-check";
import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseTimeZone } from "@omnikv/base";
import { Database, formatRow, type Session } from "@omnikv/engine";
import { propertyParams, startPostgres, type PostgresServer } from "@omnikv/testkit";

const textSettings = { extraFloatDigits: 1, timeZone: parseTimeZone("UTC") };
let server: PostgresServer;
let client: Client;

beforeAll(async () => {
  server = await startPostgres();
  client = new Client({ host: server.host, port: server.port, user: server.user, database: server.database });
  await client.connect();
  await client.query("SET client_min_messages = warning");
});

afterAll(async () => {
  await client.end();
  await server.stop();
});

/** A fresh cluster's roles and `public` (PostgreSQL 15: owned by pg_database_owner, USAGE for PUBLIC). */
async function resetPostgres(): Promise<void> {
  await client.query("ROLLBACK");
  await client.query("RESET SESSION AUTHORIZATION");
  // A scenario's SETs (search_path, …) must not leak into the next one.
  await client.query("RESET ALL");
  await client.query("SET client_min_messages = warning");
  // Every role's objects and privileges go first, then the roles (grants between them are gone by then).
  await client.query(`DO $$ DECLARE r text; BEGIN
    FOR r IN SELECT rolname FROM pg_roles WHERE rolname NOT LIKE 'pg\\_%' AND rolname <> 'postgres' LOOP
      EXECUTE format('DROP OWNED BY %I CASCADE', r);
    END LOOP;
    FOR r IN SELECT rolname FROM pg_roles WHERE rolname NOT LIKE 'pg\\_%' AND rolname <> 'postgres' LOOP
      EXECUTE format('DROP ROLE %I', r);
    END LOOP; END $$`);
  await client.query("DROP SCHEMA IF EXISTS app CASCADE; DROP SCHEMA public CASCADE; CREATE SCHEMA public AUTHORIZATION pg_database_owner; GRANT USAGE ON SCHEMA public TO PUBLIC");
}

/** A command tag as the pg client parses it: the verb and the row count (`CREATE ROLE` → `CREATE`). */
function pgClientTag(tag: string): string {
  const match = /^([A-Za-z]+)(?: (\d+))?(?: (\d+))?/.exec(tag);
  if (match === null) return tag;
  const count = match[3] ?? match[2];
  return count === undefined ? (match[1] ?? "") : `${match[1] ?? ""} ${count}`;
}

/** An error's DETAIL, compared too (DROP ROLE lists what depends on the role there). */
function detailOf(error: unknown): string {
  const detail: unknown = typeof error === "object" && error !== null && "detail" in error ? error.detail : undefined;
  return typeof detail === "string" && detail !== "" ? ` DETAIL: ${detail}` : "";
}

async function ours(session: Session, sql: string): Promise<string> {
  try {
    const result = await session.query(sql);
    const rows = result.rows.map((row) => JSON.stringify(formatRow(result.fields, row, textSettings)));
    return [pgClientTag(result.commandTag), ...rows].join("\n");
  } catch (error) {
    const code = typeof error === "object" && error !== null && "sqlState" in error ? String(error.sqlState) : "not a DbError";
    return `ERROR ${code} ${error instanceof Error ? error.message : String(error)}${detailOf(error)}`;
  }
}

async function theirs(sql: string): Promise<string> {
  try {
    const result = await client.query<(string | null)[]>({ text: sql, rowMode: "array", types: { getTypeParser: () => (value: string) => value } });
    const tag = [result.command, result.rowCount ?? ""].join(" ").trim();
    return [tag, ...result.rows.map((row) => JSON.stringify(row))].join("\n");
  } catch (error) {
    const code = typeof error === "object" && error !== null && "code" in error ? String(error.code) : "?";
    return `ERROR ${code} ${error instanceof Error ? error.message : String(error)}${detailOf(error)}`;
  }
}

/** Runs `steps` on both sides; returns every mismatch (only the first when `stopAtFirst`). */
async function runScenario(steps: readonly string[], stopAtFirst = false): Promise<string[]> {
  await resetPostgres();
  const db = await Database.open({ passwordVerifier: () => "SCRAM-SHA-256$4096:c2FsdA==$c3RvcmVk:c2VydmVy" });
  const mismatches: string[] = [];
  try {
    const session = db.connect();
    for (const [index, sql] of steps.entries()) {
      const [pgText, ourText] = [await theirs(sql), await ours(session, sql)];
      if (pgText !== ourText) mismatches.push(`#${index + 1} ${sql}\n  pg:   ${pgText}\n  ours: ${ourText}`);
      if (stopAtFirst && mismatches.length > 0) break;
    }
  } finally {
    await db.close();
  }
  return mismatches;
}

const setup = [
  "CREATE ROLE alice LOGIN",
  "CREATE ROLE bob LOGIN",
  "CREATE TABLE t (id int PRIMARY KEY, v text)",
  "INSERT INTO t VALUES (1, 'one'), (2, 'two')",
];

describe("roles and privileges: the same outcomes as PostgreSQL 15", () => {
  it("table privileges, statement by statement", async () => {
    const asAlice = (sql: string): string[] => ["SET SESSION AUTHORIZATION alice", sql, "RESET SESSION AUTHORIZATION"];
    const statements = [
      "SELECT * FROM t ORDER BY id",
      "INSERT INTO t VALUES (3, 'three')",
      "UPDATE t SET v = 'x'",
      "UPDATE t SET v = 'y' WHERE id = 1",
      "DELETE FROM t WHERE id = 3",
      "DELETE FROM t WHERE id = 99",
      "TRUNCATE t",
      "INSERT INTO t VALUES (4, 'four') RETURNING id",
      "INSERT INTO t VALUES (1, 'dup') ON CONFLICT (id) DO UPDATE SET v = 'conflict'",
      "INSERT INTO t VALUES (1, 'dup') ON CONFLICT DO NOTHING",
      "SELECT count(*) FROM (SELECT id FROM t) s",
      "EXPLAIN SELECT * FROM t",
    ];
    const steps = [...setup];
    for (const grant of ["", "SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "SELECT, INSERT, UPDATE"]) {
      steps.push("REVOKE ALL ON t FROM alice");
      if (grant !== "") steps.push(`GRANT ${grant} ON t TO alice`);
      for (const sql of statements) if (!sql.startsWith("EXPLAIN")) steps.push(...asAlice(sql));
      steps.push("SELECT relacl::text FROM pg_class WHERE relname = 't'");
    }
    expect(await runScenario(steps)).toEqual([]);
  });

  it("views, sequences, schemas, foreign keys", async () => {
    const steps = [
      ...setup,
      "GRANT CREATE ON SCHEMA public TO bob",
      "GRANT SELECT ON t TO bob",
      "SET ROLE bob",
      "CREATE VIEW v AS SELECT id FROM t",
      "CREATE TABLE b (id serial PRIMARY KEY, x int)",
      "RESET ROLE",
      "SET SESSION AUTHORIZATION alice",
      "SELECT * FROM v",
      "RESET SESSION AUTHORIZATION",
      "GRANT SELECT ON v TO alice",
      "SET SESSION AUTHORIZATION alice",
      "SELECT * FROM v ORDER BY id",
      "INSERT INTO b (x) VALUES (1)",
      "RESET SESSION AUTHORIZATION",
      "REVOKE SELECT ON t FROM bob",
      "SET SESSION AUTHORIZATION alice",
      "SELECT * FROM v ORDER BY id",
      "RESET SESSION AUTHORIZATION",
      "GRANT INSERT ON b TO alice",
      "SET SESSION AUTHORIZATION alice",
      "INSERT INTO b (x) VALUES (1)",
      "SELECT nextval('b_id_seq')",
      "RESET SESSION AUTHORIZATION",
      "GRANT USAGE ON SEQUENCE b_id_seq TO alice",
      "SET SESSION AUTHORIZATION alice",
      "INSERT INTO b (x) VALUES (1)",
      "SELECT currval('b_id_seq')",
      "SELECT setval('b_id_seq', 5)",
      "SELECT * FROM b_id_seq",
      "CREATE TABLE mine (a int)",
      "CREATE TABLE fk (a int REFERENCES t (id))",
      "RESET SESSION AUTHORIZATION",
      "CREATE SCHEMA app",
      "CREATE TABLE app.x (a int)",
      "GRANT SELECT ON ALL TABLES IN SCHEMA app TO alice",
      "SET SESSION AUTHORIZATION alice",
      "SELECT * FROM app.x",
      "SET search_path = app, public",
      "SELECT * FROM x",
      "RESET search_path",
      "RESET SESSION AUTHORIZATION",
      "GRANT USAGE ON SCHEMA app TO alice",
      "SET SESSION AUTHORIZATION alice",
      "SELECT * FROM app.x",
      "CREATE TABLE app.y (a int)",
      "RESET SESSION AUTHORIZATION",
      "GRANT CREATE ON SCHEMA public TO alice",
      "SET SESSION AUTHORIZATION alice",
      "CREATE TABLE fk (a int REFERENCES t (id))",
      "RESET SESSION AUTHORIZATION",
      "GRANT REFERENCES ON t TO alice",
      "SET SESSION AUTHORIZATION alice",
      "CREATE TABLE fk (a int REFERENCES t (id))",
      "ALTER TABLE t ADD COLUMN w int",
      "CREATE INDEX ON t (v)",
      "DROP TABLE t",
      "DROP VIEW v",
      "DROP TABLE fk",
      "RESET SESSION AUTHORIZATION",
      "ALTER TABLE t OWNER TO bob",
      "SELECT relacl::text, pg_get_userbyid(relowner) FROM pg_class WHERE relname = 't'",
      "SET SESSION AUTHORIZATION alice",
      "ALTER TABLE b OWNER TO alice",
      "RESET SESSION AUTHORIZATION",
      "SET SESSION AUTHORIZATION bob",
      "ALTER TABLE b OWNER TO alice",
      "RESET SESSION AUTHORIZATION",
      "GRANT alice TO bob",
      "SET SESSION AUTHORIZATION bob",
      "ALTER TABLE b OWNER TO alice",
      "ALTER VIEW v OWNER TO alice",
      "SELECT * FROM b",
      "RESET SESSION AUTHORIZATION",
      "ALTER SCHEMA app OWNER TO bob",
      "ALTER VIEW t OWNER TO bob",
      "ALTER TABLE nothere OWNER TO bob",
      "ALTER TABLE IF EXISTS nothere OWNER TO bob",
      "ALTER TABLE t OWNER TO nobody",
      "SELECT nspname, pg_get_userbyid(nspowner), nspacl::text FROM pg_namespace WHERE nspname = 'app'",
      "SELECT c.relname, pg_get_userbyid(c.relowner), c.relacl::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname IN ('public', 'app') AND c.relkind IN ('r', 'v', 'S') ORDER BY 1",
      "SELECT nspname, nspacl::text FROM pg_namespace WHERE nspname = 'app'",
    ];
    expect(await runScenario(steps)).toEqual([]);
  });

  it("membership, INHERIT, SET ROLE, grant options, PUBLIC, inquiry functions", async () => {
    const steps = [
      ...setup,
      "CREATE ROLE readers",
      "CREATE ROLE carol LOGIN NOINHERIT",
      "GRANT SELECT ON t TO readers",
      "GRANT readers TO alice",
      "GRANT readers TO carol",
      "GRANT readers TO alice",
      "SET SESSION AUTHORIZATION alice",
      "SELECT id FROM t ORDER BY id",
      "SHOW role",
      "SET ROLE readers",
      "SELECT current_user, session_user",
      "SHOW role",
      "SHOW session_authorization",
      "SHOW is_superuser",
      "SET ROLE bob",
      "RESET ROLE",
      "SET SESSION AUTHORIZATION carol",
      "SELECT id FROM t ORDER BY id",
      "SET ROLE readers",
      "SELECT id FROM t ORDER BY id",
      "RESET ROLE",
      "RESET SESSION AUTHORIZATION",
      "SELECT r.rolname, m.rolname, pg_get_userbyid(a.grantor), a.admin_option FROM pg_auth_members a JOIN pg_roles r ON r.oid = a.roleid JOIN pg_roles m ON m.oid = a.member WHERE m.rolname !~ '^pg_' ORDER BY 1, 2",
      "SELECT has_table_privilege('alice', 't', 'SELECT'), has_table_privilege('carol', 't', 'SELECT'), has_table_privilege('bob', 't', 'INSERT')",
      "SELECT pg_has_role('alice', 'readers', 'MEMBER'), pg_has_role('carol', 'readers', 'USAGE'), pg_has_role('bob', 'readers', 'MEMBER')",
      "GRANT readers TO readers",
      "GRANT alice TO readers",
      "GRANT SELECT, UPDATE ON t TO alice WITH GRANT OPTION",
      "SET SESSION AUTHORIZATION alice",
      "GRANT SELECT ON t TO bob",
      "GRANT INSERT ON t TO bob",
      "GRANT SELECT, INSERT ON t TO bob",
      "SELECT has_table_privilege('t', 'UPDATE WITH GRANT OPTION')",
      "SET SESSION AUTHORIZATION bob",
      "GRANT SELECT ON t TO carol",
      "RESET SESSION AUTHORIZATION",
      "GRANT SELECT ON t TO PUBLIC WITH GRANT OPTION",
      "GRANT UPDATE ON t TO nobody",
      "GRANT SELECT ON nothere TO alice",
      "GRANT USAGE ON t TO alice",
      "GRANT SELECT ON SCHEMA public TO alice",
      "GRANT DELETE ON t TO PUBLIC",
      "SELECT relacl::text FROM pg_class WHERE relname = 't'",
      "REVOKE UPDATE ON t FROM alice",
      "REVOKE GRANT OPTION FOR SELECT ON t FROM alice",
      "REVOKE GRANT OPTION FOR SELECT ON t FROM alice CASCADE",
      "GRANT SELECT ON t TO CURRENT_USER",
      "CREATE SEQUENCE sq",
      "GRANT ALL ON SEQUENCE sq TO alice",
      "GRANT INSERT ON sq TO bob",
      "GRANT SELECT, INSERT ON TABLE sq TO bob",
      "SELECT relname, relacl::text FROM pg_class WHERE relname IN ('sq', 't') ORDER BY 1",
      "SELECT has_sequence_privilege('alice', 'sq', 'USAGE'), has_sequence_privilege('bob', 'sq', 'UPDATE'), has_schema_privilege('alice', 'public', 'USAGE')",
      "SELECT relacl::text FROM pg_class WHERE relname = 't'",
      "SELECT grantor, grantee, table_schema, table_name, privilege_type, is_grantable, with_hierarchy FROM information_schema.table_privileges WHERE table_schema = 'public' ORDER BY 1, 2, 4, 5",
      "SET SESSION AUTHORIZATION bob",
      "SELECT grantor, grantee, table_name, privilege_type, is_grantable FROM information_schema.table_privileges WHERE table_schema = 'public' ORDER BY 1, 2, 3, 4",
      "SELECT grantor, grantee, table_name, privilege_type, is_grantable FROM information_schema.role_table_grants WHERE table_schema = 'public' ORDER BY 1, 2, 3, 4",
      "SET SESSION AUTHORIZATION alice",
      "SELECT role_name FROM information_schema.enabled_roles ORDER BY 1",
      "SELECT grantee, role_name, is_grantable FROM information_schema.applicable_roles WHERE role_name !~ '^pg_' ORDER BY 1, 2",
      "RESET SESSION AUTHORIZATION",
      "BEGIN",
      "SET LOCAL ROLE bob",
      "SELECT current_user, session_user",
      "COMMIT",
      "SELECT current_user",
      "BEGIN",
      "SET ROLE bob",
      "ROLLBACK",
      "SELECT current_user",
      "BEGIN",
      "SET ROLE bob",
      "COMMIT",
      "SELECT current_user",
      "RESET ROLE",
      "BEGIN",
      "SET SESSION AUTHORIZATION alice",
      "SELECT session_user, current_user",
      "ROLLBACK",
      "SELECT session_user, current_user",
      "SET LOCAL ROLE bob",
      "SELECT current_user",
      "BEGIN",
      "SET ROLE bob",
      "SELECT 1 / 0",
      "ROLLBACK",
      "SELECT current_user",
      "BEGIN",
      "SET ROLE bob",
      "SET LOCAL ROLE alice",
      "SELECT current_user",
      "COMMIT",
      "SELECT current_user",
      "RESET ROLE",
      "REVOKE readers FROM carol",
      "REVOKE readers FROM carol",
      "SELECT rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, rolconnlimit FROM pg_roles WHERE rolname !~ '^pg_' ORDER BY 1",
    ];
    expect(await runScenario(steps)).toEqual([]);
  });

  it("DROP OWNED and REASSIGN OWNED; CREATE INDEX needs CREATE on the schema", async () => {
    const steps = [
      ...setup,
      "GRANT CREATE ON SCHEMA public TO alice",
      "GRANT SELECT ON t TO alice WITH GRANT OPTION",
      "SET SESSION AUTHORIZATION alice",
      "CREATE TABLE a1 (id serial PRIMARY KEY)",
      "CREATE VIEW av AS SELECT id FROM a1",
      "CREATE SEQUENCE aseq",
      "GRANT SELECT ON t TO bob",
      "GRANT SELECT ON a1 TO bob",
      "RESET SESSION AUTHORIZATION",
      "REVOKE CREATE ON SCHEMA public FROM alice",
      "SET SESSION AUTHORIZATION alice",
      "CREATE INDEX ON a1 (id)",
      "RESET SESSION AUTHORIZATION",
      "SET SESSION AUTHORIZATION bob",
      "DROP OWNED BY alice",
      "REASSIGN OWNED BY alice TO bob",
      "RESET SESSION AUTHORIZATION",
      "DROP ROLE alice",
      "REASSIGN OWNED BY alice TO bob",
      "SELECT relname, pg_get_userbyid(relowner), relacl::text FROM pg_class WHERE relname IN ('a1', 'av', 'aseq', 'a1_id_seq', 't') ORDER BY 1",
      "DROP OWNED BY alice",
      "SELECT relacl::text FROM pg_class WHERE relname = 't'",
      "DROP ROLE alice",
      "DROP OWNED BY bob",
      "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' ORDER BY 1",
      "DROP OWNED BY postgres",
      "REASSIGN OWNED BY postgres TO bob",
      "DROP OWNED BY nobody",
      "DROP ROLE bob",
    ];
    expect(await runScenario(steps)).toEqual([]);
  });

  it("database privileges: CREATE SCHEMA, CONNECT, TEMP, datacl", async () => {
    const steps = [
      ...setup,
      "SET SESSION AUTHORIZATION alice",
      "CREATE SCHEMA s1",
      "RESET SESSION AUTHORIZATION",
      "GRANT CREATE ON DATABASE postgres TO alice",
      "SET SESSION AUTHORIZATION alice",
      "CREATE SCHEMA s1",
      "CREATE SCHEMA s2 AUTHORIZATION bob",
      "CREATE TABLE s1.x (a int)",
      "RESET SESSION AUTHORIZATION",
      "SELECT datname, pg_get_userbyid(datdba), datacl::text FROM pg_database WHERE datname = 'postgres'",
      "SELECT has_database_privilege('alice', 'postgres', 'CREATE'), has_database_privilege('bob', 'postgres', 'CONNECT'), has_database_privilege('bob', 'postgres', 'CREATE'), has_database_privilege('postgres', 'TEMP')",
      "GRANT ALL ON DATABASE postgres TO bob",
      "REVOKE CONNECT ON DATABASE postgres FROM PUBLIC",
      "SELECT datacl::text FROM pg_database WHERE datname = 'postgres'",
      "GRANT CONNECT ON DATABASE nosuch TO bob",
      "GRANT SELECT ON DATABASE postgres TO bob",
      "DROP ROLE alice",
      "DROP SCHEMA s1 CASCADE",
      "REVOKE ALL ON DATABASE postgres FROM alice",
      "DROP ROLE alice",
      "REVOKE ALL ON DATABASE postgres FROM bob",
      "GRANT CONNECT ON DATABASE postgres TO PUBLIC",
      "SELECT datacl::text FROM pg_database WHERE datname = 'postgres'",
    ];
    expect(await runScenario(steps)).toEqual([]);
  });

  it("ALTER DEFAULT PRIVILEGES: global and per-schema entries, applied at creation, pg_default_acl", async () => {
    const steps = [
      ...setup,
      "CREATE ROLE readers",
      "ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO readers",
      "CREATE TABLE d1 (a int)",
      "SELECT relacl::text FROM pg_class WHERE relname = 'd1'",
      "GRANT CREATE ON SCHEMA public TO alice",
      "ALTER DEFAULT PRIVILEGES FOR ROLE alice IN SCHEMA public GRANT INSERT ON TABLES TO bob",
      "ALTER DEFAULT PRIVILEGES FOR ROLE alice GRANT USAGE ON SEQUENCES TO bob WITH GRANT OPTION",
      "ALTER DEFAULT PRIVILEGES FOR ROLE alice REVOKE ALL ON TABLES FROM PUBLIC",
      "ALTER DEFAULT PRIVILEGES FOR ROLE alice REVOKE TRUNCATE ON TABLES FROM alice",
      "SET SESSION AUTHORIZATION alice",
      "CREATE TABLE d2 (id serial, a int)",
      "CREATE VIEW dv AS SELECT a FROM d2",
      "CREATE SEQUENCE dseq",
      "ALTER DEFAULT PRIVILEGES FOR ROLE bob GRANT SELECT ON TABLES TO alice",
      "ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO readers",
      "CREATE TABLE d3 (a int)",
      "RESET SESSION AUTHORIZATION",
      "SELECT relname, relacl::text FROM pg_class WHERE relname IN ('d1', 'd2', 'd3', 'dv', 'd2_id_seq', 'dseq') ORDER BY 1",
      "SELECT pg_get_userbyid(defaclrole), defaclnamespace = 0, defaclobjtype, defaclacl::text FROM pg_default_acl ORDER BY 1, 2, 3",
      "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE ON SCHEMAS TO bob",
      "ALTER DEFAULT PRIVILEGES GRANT USAGE ON SCHEMAS TO bob",
      "CREATE SCHEMA ds",
      "SELECT nspacl::text FROM pg_namespace WHERE nspname = 'ds'",
      "DROP ROLE alice",
      "DROP OWNED BY alice",
      "DROP ROLE alice",
      "DROP ROLE bob",
      "DROP SCHEMA ds",
      "ALTER DEFAULT PRIVILEGES REVOKE SELECT ON TABLES FROM readers",
      "ALTER DEFAULT PRIVILEGES REVOKE USAGE ON SCHEMAS FROM bob",
      "SELECT count(*) FROM pg_default_acl",
      "DROP ROLE bob",
    ];
    expect(await runScenario(steps)).toEqual([]);
  });

  it("column privileges: SELECT, INSERT, UPDATE, REFERENCES on columns; attacl", async () => {
    const attacl = "SELECT attname, attacl::text FROM pg_attribute WHERE attrelid = 'c'::regclass AND attnum > 0 ORDER BY attnum";
    const steps = [
      ...setup,
      "CREATE TABLE c (id int PRIMARY KEY, a text, secret text)",
      "INSERT INTO c VALUES (1, 'x', 's')",
      "GRANT SELECT (id, a), UPDATE (a), INSERT (id, a) ON c TO alice",
      attacl,
      "SELECT relacl::text FROM pg_class WHERE relname = 'c'",
      "SET SESSION AUTHORIZATION alice",
      "SELECT id, a FROM c ORDER BY id",
      "SELECT * FROM c",
      "SELECT secret FROM c",
      "SELECT count(*) FROM c",
      "SELECT c.a FROM c WHERE c.id = 1",
      "SELECT x.a FROM c AS x ORDER BY 1",
      "UPDATE c SET a = 'y' WHERE id = 1",
      "UPDATE c SET secret = 'z'",
      "UPDATE c SET a = secret",
      "INSERT INTO c (id, a) VALUES (2, 'b')",
      "INSERT INTO c VALUES (3, 'c', 'd')",
      "INSERT INTO c (id, a) VALUES (4, 'e') RETURNING id",
      "INSERT INTO c (id, a) VALUES (5, 'e') RETURNING *",
      "DELETE FROM c WHERE id = 1",
      "RESET SESSION AUTHORIZATION",
      "SELECT has_column_privilege('alice', 'c', 'a', 'SELECT'), has_column_privilege('alice', 'c', 'secret', 'SELECT'), has_column_privilege('alice', 'c', 'a', 'UPDATE'), has_column_privilege('postgres', 'c', 'secret', 'UPDATE')",
      "SELECT has_column_privilege('alice', 'c', 'nope', 'SELECT')",
      "SET SESSION AUTHORIZATION alice",
      "SELECT has_column_privilege('c', 'id', 'INSERT'), has_column_privilege('c', 'secret', 'INSERT')",
      "RESET SESSION AUTHORIZATION",
      "REVOKE SELECT ON c FROM alice",
      attacl,
      "GRANT DELETE (a) ON c TO alice",
      "GRANT SELECT (nope) ON c TO alice",
      "GRANT REFERENCES (id) ON c TO bob",
      "GRANT CREATE ON SCHEMA public TO bob",
      "SET SESSION AUTHORIZATION bob",
      "CREATE TABLE fkc (x int REFERENCES c (id))",
      "RESET SESSION AUTHORIZATION",
      "ALTER TABLE c OWNER TO bob",
      attacl,
      "DROP ROLE alice",
      "REVOKE ALL ON c FROM alice",
      attacl,
      "DROP ROLE alice",
    ];
    expect(await runScenario(steps)).toEqual([]);
  });

  it("role DDL: who may, and what it refuses", async () => {
    const steps = [
      ...setup,
      "SET SESSION AUTHORIZATION alice",
      "CREATE ROLE x",
      "ALTER ROLE bob CREATEDB",
      "DROP ROLE bob",
      "RESET SESSION AUTHORIZATION",
      "CREATE ROLE alice",
      "CREATE ROLE pg_mine",
      "CREATE ROLE public",
      "ALTER ROLE nobody LOGIN",
      "DROP ROLE nobody",
      "DROP ROLE IF EXISTS nobody",
      "CREATE ROLE manager CREATEROLE",
      "SET ROLE manager",
      "CREATE ROLE worker LOGIN CONNECTION LIMIT 2",
      "CREATE ROLE boss SUPERUSER",
      "ALTER ROLE worker NOLOGIN",
      "ALTER ROLE postgres NOSUPERUSER",
      "GRANT worker TO bob",
      "DROP ROLE worker",
      "RESET ROLE",
      "CREATE ROLE groupie IN ROLE manager",
      "GRANT SELECT ON t TO bob",
      "DROP ROLE bob",
      "REVOKE SELECT ON t FROM bob",
      "DROP ROLE bob",
      "DROP ROLE postgres",
      "SET SESSION AUTHORIZATION alice",
      "SET SESSION AUTHORIZATION postgres",
      "RESET SESSION AUTHORIZATION",
      "CREATE ROLE r1 LOGIN PASSWORD 'md5aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'",
      "ALTER ROLE r1 RENAME TO r2",
      "SELECT rolname, rolpassword FROM pg_authid WHERE rolname IN ('r1', 'r2')",
      "ALTER ROLE r2 RENAME TO alice",
      "ALTER ROLE nobody RENAME TO x",
      "ALTER ROLE postgres RENAME TO x",
      "ALTER ROLE r2 RENAME TO pg_r",
      "SET SESSION AUTHORIZATION alice",
      "ALTER ROLE r2 RENAME TO r3",
      "ALTER USER alice RENAME TO alicia",
      "RESET SESSION AUTHORIZATION",
      "SELECT rolname, rolcanlogin, rolconnlimit, rolcreaterole FROM pg_roles WHERE rolname !~ '^pg_' ORDER BY 1",
    ];
    expect(await runScenario(steps)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Random scenarios: grants, revokes, memberships and statements by several roles, in any order.

const randomSetup = [
  "CREATE ROLE alice LOGIN",
  "CREATE ROLE bob LOGIN",
  "CREATE ROLE carol LOGIN NOINHERIT",
  "CREATE ROLE grp",
  "CREATE TABLE t1 (id int PRIMARY KEY, v text)",
  "CREATE TABLE t2 (id int PRIMARY KEY, w int)",
  "INSERT INTO t1 VALUES (1, 'a'), (2, 'b')",
  "INSERT INTO t2 VALUES (1, 10)",
  "CREATE VIEW v1 AS SELECT t1.id, v, w FROM t1 JOIN t2 ON t1.id = t2.id",
  "CREATE SEQUENCE s1",
  "CREATE SCHEMA app",
  "CREATE TABLE app.t3 (k int)",
];

const users = ["alice", "bob", "carol"] as const;
const granteeArb = fc.constantFrom("alice", "bob", "carol", "grp", "PUBLIC");
const tableArb = fc.constantFrom("t1", "t2", "v1");
const privilegeArb = fc.subarray(["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES"], { minLength: 1 });

const grantArb = fc.tuple(fc.boolean(), privilegeArb, tableArb, granteeArb, fc.boolean()).map(([isGrant, privileges, table, grantee, withOption]) => {
  const option = withOption && grantee !== "PUBLIC";
  return isGrant ? `GRANT ${privileges.join(", ")} ON ${table} TO ${grantee}${option ? " WITH GRANT OPTION" : ""}` : `REVOKE ${option ? "GRANT OPTION FOR " : ""}${privileges.join(", ")} ON ${table} FROM ${grantee} CASCADE`;
});

const adminArb = fc.oneof(
  { weight: 4, arbitrary: grantArb },
  { weight: 1, arbitrary: fc.tuple(fc.boolean(), fc.constantFrom(...users)).map(([isGrant, user]) => (isGrant ? `GRANT grp TO ${user}` : `REVOKE grp FROM ${user}`)) },
  { weight: 1, arbitrary: fc.tuple(fc.boolean(), fc.constantFrom(...users)).map(([inherit, user]) => `ALTER ROLE ${user} ${inherit ? "INHERIT" : "NOINHERIT"}`) },
  { weight: 1, arbitrary: fc.tuple(fc.boolean(), fc.constantFrom("USAGE", "UPDATE", "SELECT"), granteeArb).map(([isGrant, privilege, grantee]) => (isGrant ? `GRANT ${privilege} ON SEQUENCE s1 TO ${grantee}` : `REVOKE ${privilege} ON SEQUENCE s1 FROM ${grantee}`)) },
  {
    weight: 2,
    arbitrary: fc.tuple(fc.boolean(), fc.constantFrom("SELECT (v)", "SELECT (id)", "UPDATE (v)", "INSERT (id, v)", "SELECT (id), UPDATE (v)"), granteeArb).map(([isGrant, privilege, grantee]) => (isGrant ? `GRANT ${privilege} ON t1 TO ${grantee}` : `REVOKE ${privilege} ON t1 FROM ${grantee}`)),
  },
  { weight: 1, arbitrary: fc.tuple(fc.boolean(), fc.constantFrom("USAGE", "CREATE", "ALL"), granteeArb).map(([isGrant, privilege, grantee]) => (isGrant ? `GRANT ${privilege} ON SCHEMA app TO ${grantee}` : `REVOKE ${privilege} ON SCHEMA app FROM ${grantee}`)) },
  { weight: 1, arbitrary: fc.tuple(fc.boolean(), granteeArb).map(([isGrant, grantee]) => (isGrant ? `ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT SELECT ON TABLES TO ${grantee}` : `ALTER DEFAULT PRIVILEGES REVOKE SELECT ON TABLES FROM ${grantee}`)) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom("t1", "t2", "v1"), fc.constantFrom("alice", "bob", "grp", "postgres")).map(([table, owner]) => `ALTER TABLE ${table} OWNER TO ${owner}`) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom("alice", "bob", "grp"), fc.constantFrom("alice", "carol", "postgres")).map(([from, to]) => `REASSIGN OWNED BY ${from} TO ${to}`) },
);

const userStatementArb = fc.constantFrom(
  "SELECT count(*) FROM t1",
  "SELECT v FROM t1 WHERE id = 1",
  "SELECT * FROM v1 ORDER BY id",
  "SELECT w FROM t2",
  "INSERT INTO t1 VALUES (3, 'c') ON CONFLICT DO NOTHING",
  "INSERT INTO t2 VALUES (5, 50) RETURNING id",
  "UPDATE t1 SET v = 'x'",
  "UPDATE t2 SET w = w + 1 WHERE id = 1",
  "DELETE FROM t1 WHERE id = 99",
  "DELETE FROM t2",
  "TRUNCATE t2",
  "SELECT nextval('s1') > 0",
  "SELECT setval('s1', 1)",
  "SET ROLE grp",
  "RESET ROLE",
  "GRANT SELECT ON t1 TO bob",
  "GRANT UPDATE ON t2 TO carol",
  "GRANT SELECT, UPDATE ON t2 TO bob WITH GRANT OPTION",
  "GRANT SELECT ON v1 TO carol WITH GRANT OPTION",
  "REVOKE SELECT ON t1 FROM bob",
  "REVOKE UPDATE ON t2 FROM carol CASCADE",
  "REVOKE GRANT OPTION FOR SELECT ON t2 FROM bob",
  "SELECT id FROM t1 ORDER BY id",
  "SELECT id, v FROM t1 ORDER BY id",
  "UPDATE t1 SET v = 'y' WHERE id = 2",
  "INSERT INTO t1 (id, v) VALUES (7, 'g') ON CONFLICT DO NOTHING",
  "SELECT * FROM app.t3",
  "CREATE TABLE app.mine (a int)",
  "SELECT relacl::text FROM pg_class WHERE relname = 'mine'",
  "SET search_path = app, public",
  "SELECT count(*) FROM t3",
  "RESET search_path",
  "ALTER TABLE t2 OWNER TO alice",
  "ALTER TABLE t1 ADD COLUMN extra int",
  "CREATE INDEX ON t2 (w)",
  "DROP VIEW v1",
  "GRANT SELECT ON t1 TO grp WITH GRANT OPTION",
  "SELECT has_table_privilege('t1', 'SELECT'), has_table_privilege('t2', 'UPDATE'), has_table_privilege('v1', 'SELECT')",
);

const userArb = fc.tuple(fc.constantFrom(...users), fc.array(userStatementArb, { minLength: 1, maxLength: 3 })).map(([user, statements]) => [`SET SESSION AUTHORIZATION ${user}`, ...statements, "RESET SESSION AUTHORIZATION"]);

const randomStepsArb = fc.array(fc.oneof({ weight: 1, arbitrary: adminArb.map((sql) => [sql]) }, { weight: 1, arbitrary: userArb }), { minLength: 1, maxLength: 14 });

const aclQuery = "SELECT relname, relacl::text FROM pg_class WHERE relname IN ('t1', 't2', 'v1', 's1', 't3', 'mine') ORDER BY 1";
const columnAclQuery = "SELECT attname, attacl::text FROM pg_attribute WHERE attrelid = 't1'::regclass AND attnum > 0 ORDER BY attnum";
const schemaAclQuery = "SELECT nspacl::text FROM pg_namespace WHERE nspname = 'app'";

describe("random grants, revokes and memberships match PostgreSQL 15", () => {
  it("every statement by every role: the same outcome, and the same ACLs after", async () => {
    await fc.assert(
      fc.asyncProperty(randomStepsArb, async (blocks) => {
        const mismatches = await runScenario([...randomSetup, ...blocks.flat(), aclQuery, columnAclQuery, schemaAclQuery], true);
        expect(mismatches.join("\n\n")).toBe("");
      }),
      propertyParams(40),
    );
  }, 120_000);
});
