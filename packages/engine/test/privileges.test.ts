/**
 * Roles and privileges: the privilege matrix (each privilege × the statements that need it:
 * denied with PostgreSQL 15's 42501 message, allowed once granted, denied again once revoked),
 * membership inheritance, PUBLIC, owners, superuser bypass, SET ROLE, logins, role DDL rules,
 * the system catalogs (pg_roles, pg_authid, relacl), and persistence across a reopen.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from "node:crypto";
import { join } from "node:path";
import { DbError } from "@omnikv/base";
import { makeTempDir } from "@omnikv/testkit";
import { afterAll, beforeEach, afterEach, describe, expect, it } from "vitest";
import { Database, type Session } from "../src/index.ts";

const temp = makeTempDir("engine-privileges");
afterAll(() => temp.cleanup());

/** A real SCRAM-SHA-256 verifier (RFC 7677), as the server's hook makes it. */
function scramVerifier(password: string): string {
  const salt = randomBytes(16);
  const salted = pbkdf2Sync(password, salt, 4096, 32, "sha256");
  const clientKey = createHmac("sha256", salted).update("Client Key").digest();
  const storedKey = createHash("sha256").update(clientKey).digest();
  const serverKey = createHmac("sha256", salted).update("Server Key").digest();
  return `SCRAM-SHA-256$4096:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
}

async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return error instanceof DbError ? `${error.sqlState} ${error.message}` : `not a DbError: ${String(error)}`;
  }
  return "no error";
}

/** Runs one statement; COPY … TO STDOUT through its data channel. */
async function run(session: Session, sql: string): Promise<void> {
  if (!sql.startsWith("COPY")) {
    await session.query(sql);
    return;
  }
  const chunks = session.copyTo(sql);
  for (let next = await chunks.next(); next.done !== true; next = await chunks.next());
}

let db: Database;
let admin: Session;
let alice: Session;

beforeEach(async () => {
  db = await Database.open({ passwordVerifier: scramVerifier });
  admin = db.connect();
  await admin.query("CREATE ROLE alice LOGIN PASSWORD 'secret'");
  await admin.query("CREATE TABLE t (id int PRIMARY KEY, v text)");
  await admin.query("INSERT INTO t VALUES (1, 'one'), (2, 'two')");
  alice = db.connect({ user: "alice" });
});

afterEach(async () => {
  await db.close();
});

/** Each privilege with statements that need exactly it (and, where PostgreSQL asks, SELECT too). */
const matrix: readonly { readonly privilege: string; readonly statements: readonly string[]; readonly alsoSelect?: readonly string[] }[] = [
  { privilege: "SELECT", statements: ["SELECT * FROM t", "SELECT count(*) FROM t WHERE id > 0", "COPY t TO STDOUT"] },
  { privilege: "INSERT", statements: ["INSERT INTO t VALUES (10, 'ten')", "INSERT INTO t (id) SELECT 11"] },
  { privilege: "UPDATE", statements: ["UPDATE t SET v = 'x'"], alsoSelect: ["UPDATE t SET v = 'y' WHERE id = 1", "UPDATE t SET v = v || '!'"] },
  { privilege: "DELETE", statements: ["DELETE FROM t"], alsoSelect: ["DELETE FROM t WHERE id = 1", "DELETE FROM t RETURNING id"] },
  { privilege: "TRUNCATE", statements: ["TRUNCATE t"] },
];

describe("the privilege matrix on a table", () => {
  for (const { privilege, statements, alsoSelect = [] } of matrix) {
    for (const sql of statements) {
      it(`${sql} needs ${privilege}`, async () => {
        expect(await failure(run(alice, sql))).toBe("42501 permission denied for table t");
        await admin.query(`GRANT ${privilege} ON t TO alice`);
        expect(await failure(run(alice, sql))).toBe("no error");
        await admin.query(`REVOKE ${privilege} ON TABLE t FROM alice`);
        expect(await failure(run(alice, sql))).toBe("42501 permission denied for table t");
      });
    }
    for (const sql of alsoSelect) {
      it(`${sql} needs ${privilege} and SELECT`, async () => {
        await admin.query(`GRANT ${privilege} ON t TO alice`);
        expect(await failure(alice.query(sql))).toBe("42501 permission denied for table t");
        await admin.query("GRANT SELECT ON t TO alice");
        expect(await failure(alice.query(sql))).toBe("no error");
      });
    }
  }

  it("INSERT … ON CONFLICT DO UPDATE needs UPDATE, RETURNING needs SELECT", async () => {
    await admin.query("GRANT INSERT ON t TO alice");
    expect(await failure(alice.query("INSERT INTO t VALUES (1, 'a') ON CONFLICT (id) DO UPDATE SET v = 'b'"))).toBe("42501 permission denied for table t");
    expect(await failure(alice.query("INSERT INTO t VALUES (5, 'a') RETURNING id"))).toBe("42501 permission denied for table t");
    await admin.query("GRANT UPDATE, SELECT ON t TO alice");
    expect(await failure(alice.query("INSERT INTO t VALUES (1, 'a') ON CONFLICT (id) DO UPDATE SET v = 'b'"))).toBe("no error");
    expect((await alice.query("INSERT INTO t VALUES (6, 'a') RETURNING id")).rows).toEqual([[6]]);
  });

  it("COPY FROM needs INSERT", async () => {
    expect(await failure(alice.copyFrom("COPY t FROM STDIN"))).toBe("42501 permission denied for table t");
    await admin.query("GRANT INSERT ON t TO alice");
    const sink = await alice.copyFrom("COPY t FROM STDIN");
    await sink.write(new TextEncoder().encode("7\tseven\n"));
    expect((await sink.finish()).rowCount).toBe(1);
  });

  it("a prepared SELECT is checked at every execution (a REVOKE takes effect)", async () => {
    await admin.query("GRANT SELECT ON t TO alice");
    alice.prepare("q", "SELECT v FROM t WHERE id = $1");
    expect((await alice.execute("q", [1])).rows).toEqual([["one"]]);
    await admin.query("REVOKE ALL ON t FROM alice");
    expect(await failure(alice.execute("q", [1]))).toBe("42501 permission denied for table t");
  });

  it("FOREIGN KEY creation needs REFERENCES (and CREATE on the schema)", async () => {
    const create = "CREATE TABLE c (x int REFERENCES t (id))";
    expect(await failure(alice.query(create))).toBe("42501 permission denied for schema public");
    await admin.query("GRANT CREATE ON SCHEMA public TO alice");
    expect(await failure(alice.query(create))).toBe("42501 permission denied for table t");
    await admin.query("GRANT REFERENCES ON t TO alice");
    expect(await failure(alice.query(create))).toBe("no error");
  });
});

describe("sequences, views, schemas", () => {
  it("nextval needs USAGE or UPDATE, currval USAGE or SELECT, setval UPDATE", async () => {
    await admin.query("CREATE SEQUENCE s");
    expect(await failure(alice.query("SELECT nextval('s')"))).toBe("42501 permission denied for sequence s");
    await admin.query("GRANT USAGE ON SEQUENCE s TO alice");
    expect((await alice.query("SELECT nextval('s')")).rows).toEqual([[1n]]);
    expect((await alice.query("SELECT currval('s')")).rows).toEqual([[1n]]);
    expect(await failure(alice.query("SELECT setval('s', 10)"))).toBe("42501 permission denied for sequence s");
    await admin.query("GRANT UPDATE ON s TO alice");
    expect(await failure(alice.query("SELECT setval('s', 10)"))).toBe("no error");
  });

  it("a serial default's nextval is checked too (as PostgreSQL)", async () => {
    await admin.query("CREATE TABLE sr (id serial, x int)");
    await admin.query("GRANT INSERT ON sr TO alice");
    expect(await failure(alice.query("INSERT INTO sr (x) VALUES (1)"))).toBe("42501 permission denied for sequence sr_id_seq");
    await admin.query("GRANT USAGE ON SEQUENCE sr_id_seq TO alice");
    expect(await failure(alice.query("INSERT INTO sr (x) VALUES (1)"))).toBe("no error");
  });

  it("a view is read with its owner's privileges on its tables", async () => {
    await admin.query("CREATE ROLE bob");
    await admin.query("GRANT SELECT ON t TO bob");
    await admin.query("GRANT CREATE ON SCHEMA public TO bob");
    await admin.query("SET ROLE bob");
    await admin.query("CREATE VIEW v AS SELECT id FROM t");
    await admin.query("RESET ROLE");
    expect(await failure(alice.query("SELECT * FROM v"))).toBe("42501 permission denied for view v");
    await admin.query("GRANT SELECT ON v TO alice");
    expect((await alice.query("SELECT * FROM v ORDER BY id")).rows).toEqual([[1], [2]]);
    // The owner loses SELECT on t: the view fails for everyone but superusers.
    await admin.query("REVOKE SELECT ON t FROM bob");
    expect(await failure(alice.query("SELECT * FROM v"))).toBe("42501 permission denied for table t");
  });

  it("a schema needs USAGE for its objects, CREATE to create in it", async () => {
    await admin.query("CREATE SCHEMA app");
    await admin.query("CREATE TABLE app.x (a int)");
    await admin.query("GRANT SELECT ON app.x TO alice");
    expect(await failure(alice.query("SELECT * FROM app.x"))).toBe("42501 permission denied for schema app");
    await admin.query("GRANT USAGE ON SCHEMA app TO alice");
    expect(await failure(alice.query("SELECT * FROM app.x"))).toBe("no error");
    expect(await failure(alice.query("CREATE TABLE app.y (a int)"))).toBe("42501 permission denied for schema app");
    await admin.query("GRANT CREATE ON SCHEMA app TO alice");
    expect(await failure(alice.query("CREATE TABLE app.y (a int)"))).toBe("no error");
    // Unqualified names skip a schema without USAGE.
    await admin.query("REVOKE USAGE ON SCHEMA app FROM alice");
    await alice.query("SET search_path = app, public");
    expect(await failure(alice.query("SELECT * FROM x"))).toBe('42P01 relation "x" does not exist');
  });

  it("PostgreSQL 15's public schema: USAGE for PUBLIC, no CREATE", async () => {
    expect(await failure(alice.query("CREATE TABLE mine (a int)"))).toBe("42501 permission denied for schema public");
    expect((await admin.query("SELECT nspacl::text FROM pg_namespace WHERE nspname = 'public'")).rows).toEqual([["{postgres=UC/postgres,=U/postgres}"]]);
  });
});

describe("owners, PUBLIC, membership, superusers", () => {
  it("owners hold every privilege and alone may ALTER, DROP, CREATE INDEX", async () => {
    await admin.query("GRANT CREATE ON SCHEMA public TO alice");
    await alice.query("CREATE TABLE own (a int)");
    await alice.query("INSERT INTO own VALUES (1)");
    expect((await alice.query("SELECT a FROM own")).rows).toEqual([[1]]);
    await admin.query("CREATE ROLE carol LOGIN");
    const carol = db.connect({ user: "carol" });
    expect(await failure(carol.query("ALTER TABLE own ADD COLUMN b int"))).toBe("42501 must be owner of table own");
    expect(await failure(carol.query("CREATE INDEX ON own (a)"))).toBe("42501 must be owner of table own");
    expect(await failure(carol.query("DROP TABLE own"))).toBe("42501 must be owner of table own");
    expect(await failure(alice.query("DROP TABLE t"))).toBe("42501 must be owner of table t");
    await alice.query("DROP TABLE own");
  });

  it("ANALYZE skips tables current_user does not own, with PostgreSQL 15's warning", async () => {
    expect((await alice.query("ANALYZE t")).notices).toEqual([{ severity: "WARNING", message: 'skipping "t" --- only table or database owner can analyze it', sqlState: "01000" }]);
    expect((await admin.query("ANALYZE t")).notices).toEqual([]);
  });

  it("column privileges: SELECT/UPDATE/INSERT on named columns only", async () => {
    await admin.query("GRANT SELECT (id), UPDATE (v), INSERT (id) ON t TO alice");
    expect((await alice.query("SELECT id FROM t ORDER BY id")).rows).toEqual([[1], [2]]);
    expect(await failure(alice.query("SELECT v FROM t"))).toBe("42501 permission denied for table t");
    expect(await failure(alice.query("SELECT * FROM t"))).toBe("42501 permission denied for table t");
    expect(await failure(alice.query("UPDATE t SET v = 'x' WHERE id = 1"))).toBe("no error");
    expect(await failure(alice.query("UPDATE t SET v = v"))).toBe("42501 permission denied for table t");
    expect(await failure(alice.query("INSERT INTO t (id) VALUES (9)"))).toBe("no error");
    expect(await failure(alice.query("INSERT INTO t VALUES (10, 'ten')"))).toBe("42501 permission denied for table t");
    expect((await admin.query("SELECT attname, attacl::text FROM pg_attribute WHERE attrelid = 't'::regclass AND attnum > 0 ORDER BY attnum")).rows).toEqual([
      ["id", "{alice=ar/postgres}"],
      ["v", "{alice=w/postgres}"],
    ]);
  });

  it("PUBLIC grants reach every role", async () => {
    await admin.query("GRANT SELECT ON t TO PUBLIC");
    expect(await failure(alice.query("SELECT * FROM t"))).toBe("no error");
    expect((await admin.query("SELECT relacl::text FROM pg_class WHERE relname = 't'")).rows).toEqual([["{postgres=arwdDxt/postgres,=r/postgres}"]]);
  });

  it("members inherit a role's privileges when INHERIT, and may SET ROLE either way", async () => {
    await admin.query("CREATE ROLE readers");
    await admin.query("GRANT SELECT ON t TO readers");
    expect(await failure(alice.query("SET ROLE readers"))).toBe('42501 permission denied to set role "readers"');
    await admin.query("GRANT readers TO alice");
    expect(await failure(alice.query("SELECT * FROM t"))).toBe("no error");
    await admin.query("ALTER ROLE alice NOINHERIT");
    expect(await failure(alice.query("SELECT * FROM t"))).toBe("42501 permission denied for table t");
    await alice.query("SET ROLE readers");
    expect((await alice.query("SELECT current_user, session_user")).rows).toEqual([["readers", "alice"]]);
    expect(await failure(alice.query("SELECT * FROM t"))).toBe("no error");
    await alice.query("RESET ROLE");
    expect((await alice.query("SELECT current_user")).rows).toEqual([["alice"]]);
    await admin.query("REVOKE readers FROM alice");
    expect(await failure(alice.query("SET ROLE readers"))).toBe('42501 permission denied to set role "readers"');
  });

  it("superusers bypass every check; has_table_privilege and pg_has_role answer as the checks do", async () => {
    await admin.query("CREATE ROLE root SUPERUSER LOGIN");
    const root = db.connect({ user: "root" });
    expect(await failure(root.query("SELECT * FROM t"))).toBe("no error");
    expect((await admin.query("SELECT has_table_privilege('alice', 't', 'SELECT'), has_table_privilege('root', 't', 'DELETE'), pg_has_role('alice', 'root', 'MEMBER')")).rows).toEqual([[false, true, false]]);
    await admin.query("GRANT SELECT ON t TO alice WITH GRANT OPTION");
    expect((await alice.query("SELECT has_table_privilege('t', 'select'), has_table_privilege('t', 'SELECT WITH GRANT OPTION'), has_schema_privilege('public', 'CREATE')")).rows).toEqual([[true, true, false]]);
    expect((await admin.query("SELECT relacl::text FROM pg_class WHERE relname = 't'")).rows).toEqual([["{postgres=arwdDxt/postgres,alice=r*/postgres}"]]);
  });

  it("a grant option lets its holder grant, as grantor", async () => {
    await admin.query("CREATE ROLE dave");
    await admin.query("GRANT SELECT ON t TO alice WITH GRANT OPTION");
    await alice.query("GRANT SELECT ON t TO dave");
    expect((await admin.query("SELECT relacl::text FROM pg_class WHERE relname = 't'")).rows).toEqual([["{postgres=arwdDxt/postgres,alice=r*/postgres,dave=r/alice}"]]);
    expect(await failure(alice.query("GRANT INSERT ON t TO dave"))).toBe("no error");
    expect((await alice.query("GRANT INSERT ON t TO dave")).notices).toEqual([{ severity: "WARNING", message: 'no privileges were granted for "t"', sqlState: "01007" }]);
    // ALL grants what the grantor holds with grant option, without "not all privileges" (PostgreSQL 15 agrees).
    expect((await alice.query("GRANT ALL ON t TO dave")).notices).toEqual([]);
    expect((await alice.query("GRANT SELECT, INSERT ON t TO dave")).notices).toEqual([{ severity: "WARNING", message: 'not all privileges were granted for "t"', sqlState: "01007" }]);
    // GRANT ALL ON TABLE of a sequence is the sequence's own set, USAGE included, without a warning.
    await admin.query("CREATE SEQUENCE seq");
    expect((await admin.query("GRANT ALL ON TABLE seq TO dave")).notices).toEqual([]);
    expect((await admin.query("SELECT relacl::text FROM pg_class WHERE relname = 'seq'")).rows).toEqual([["{postgres=rwU/postgres,dave=rwU/postgres}"]]);
    await admin.query("CREATE TABLE other (a int)");
    expect(await failure(alice.query("GRANT SELECT ON other TO dave"))).toBe("42501 permission denied for table other");
  });
});

describe("role DDL", () => {
  it("CREATE ROLE needs superuser or CREATEROLE", async () => {
    expect(await failure(alice.query("CREATE ROLE x"))).toBe("42501 permission denied to create role");
    await admin.query("ALTER ROLE alice CREATEROLE");
    expect(await failure(alice.query("CREATE ROLE x"))).toBe("no error");
    expect(await failure(alice.query("CREATE ROLE y SUPERUSER"))).toBe("42501 must be superuser to create superusers");
    expect(await failure(admin.query("CREATE ROLE x"))).toBe('42710 role "x" already exists');
    expect(await failure(admin.query("CREATE ROLE pg_x"))).toBe('42939 role name "pg_x" is reserved');
  });

  it("DROP ROLE refuses while the role owns objects or holds privileges (2BP01)", async () => {
    await admin.query("GRANT SELECT ON t TO alice");
    await admin.query("GRANT CREATE ON SCHEMA public TO alice");
    expect(await failure(admin.query("DROP ROLE alice"))).toBe('2BP01 role "alice" cannot be dropped because some objects depend on it');
    await admin.query("REVOKE ALL ON t FROM alice");
    await admin.query("REVOKE CREATE ON SCHEMA public FROM alice");
    await alice.close();
    expect(await failure(admin.query("DROP ROLE alice"))).toBe("no error");
    expect(await failure(admin.query("DROP ROLE alice"))).toBe('42704 role "alice" does not exist');
    expect((await admin.query("DROP ROLE IF EXISTS alice")).notices).toEqual([{ severity: "NOTICE", message: 'role "alice" does not exist, skipping', sqlState: "00000" }]);
  });

  it("logins: unknown roles and NOLOGIN roles are refused with 28000", async () => {
    await admin.query("CREATE ROLE nologin");
    expect(() => db.connect({ user: "ghost" })).toThrow('role "ghost" does not exist');
    expect(() => db.connect({ user: "nologin" })).toThrow('role "nologin" is not permitted to log in');
    try {
      db.connect({ user: "nologin" });
    } catch (error) {
      expect(error instanceof DbError ? error.sqlState : "").toBe("28000");
    }
  });

  it("logins need CONNECT on the database (PUBLIC has it by default); CREATE SCHEMA needs CREATE on it", async () => {
    await admin.query("REVOKE CONNECT ON DATABASE postgres FROM PUBLIC");
    expect(() => db.connect({ user: "alice" })).toThrow('permission denied for database "postgres"');
    await admin.query("GRANT CONNECT ON DATABASE postgres TO alice");
    const again = db.connect({ user: "alice" });
    expect(await failure(again.query("CREATE SCHEMA mine"))).toBe("42501 permission denied for database postgres");
    await admin.query("GRANT CREATE ON DATABASE postgres TO alice");
    expect(await failure(again.query("CREATE SCHEMA mine"))).toBe("no error");
    expect((await admin.query("SELECT datacl::text FROM pg_database")).rows).toEqual([["{=T/postgres,postgres=CTc/postgres,alice=Cc/postgres}"]]);
  });

  it("passwords are stored as SCRAM verifiers; passwordSecret serves LOGIN roles only", async () => {
    const secret = db.passwordSecret("alice") ?? "";
    expect(secret).toMatch(/^SCRAM-SHA-256\$4096:/);
    expect(secret).not.toContain("secret");
    expect((await admin.query("SELECT rolpassword FROM pg_authid WHERE rolname = 'alice'")).rows).toEqual([[secret]]);
    expect(await failure(alice.query("SELECT * FROM pg_authid"))).toBe("42501 permission denied for table pg_authid");
    await admin.query("ALTER ROLE alice NOLOGIN");
    expect(db.passwordSecret("alice")).toBeUndefined();
    expect(db.passwordSecret("nobody")).toBeUndefined();
    await admin.query("ALTER ROLE alice LOGIN PASSWORD 'md5aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'");
    expect(db.passwordSecret("alice")).toBe("md5aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
  });

  it("ALTER ROLE … RENAME keeps the role's sessions, grants and password; OWNER TO moves the ACL", async () => {
    await admin.query("GRANT SELECT ON t TO alice");
    await admin.query("ALTER ROLE alice RENAME TO alicia");
    expect((await alice.query("SELECT current_user")).rows).toEqual([["alicia"]]);
    expect(await failure(alice.query("SELECT * FROM t"))).toBe("no error");
    expect(db.passwordSecret("alicia")).toMatch(/^SCRAM-SHA-256\$/);
    await admin.query("ALTER TABLE t OWNER TO alicia");
    expect((await admin.query("SELECT pg_get_userbyid(relowner), relacl::text FROM pg_class WHERE relname = 't'")).rows).toEqual([["alicia", "{alicia=arwdDxt/alicia}"]]);
    expect(await failure(alice.query("DROP TABLE t"))).toBe("no error");
  });

  it("a plain password without a verifier hook is refused (0A000)", async () => {
    const bare = await Database.open();
    try {
      expect(await failure(bare.connect().query("CREATE ROLE x PASSWORD 'p'"))).toMatch(/^0A000 a plain-text PASSWORD needs a password verifier/);
    } finally {
      await bare.close();
    }
  });

  it("pg_roles and pg_auth_members show roles and memberships", async () => {
    await admin.query("CREATE ROLE g");
    await admin.query("GRANT g TO alice");
    const roles = await admin.query("SELECT rolname, rolsuper, rolcanlogin, rolinherit FROM pg_roles ORDER BY rolname");
    expect(roles.rows).toEqual([["alice", false, true, true], ["g", false, false, true], ["postgres", true, true, true]]);
    const members = await admin.query("SELECT r.rolname, m.rolname, pg_get_userbyid(a.grantor) FROM pg_auth_members a JOIN pg_roles r ON r.oid = a.roleid JOIN pg_roles m ON m.oid = a.member");
    expect(members.rows).toEqual([["g", "alice", "postgres"]]);
  });
});

describe("persistence", () => {
  it("roles, memberships, owners and grants survive a reopen; a rolled-back CREATE ROLE leaves nothing", async () => {
    const dir = join(temp.path, "reopen");
    const first = await Database.open({ dir, passwordVerifier: scramVerifier });
    const session = first.connect();
    await session.query("CREATE ROLE r1 LOGIN PASSWORD 'pw'");
    await session.query("CREATE ROLE g1");
    await session.query("GRANT g1 TO r1");
    await session.query("CREATE TABLE k (a int)");
    await session.query("GRANT SELECT, INSERT ON k TO g1");
    await session.query("BEGIN");
    await session.query("CREATE ROLE gone");
    await session.query("ROLLBACK");
    const verifier = first.passwordSecret("r1");
    await first.close();
    const second = await Database.open({ dir });
    try {
      expect(second.passwordSecret("r1")).toBe(verifier);
      const r1 = second.connect({ user: "r1" });
      expect((await r1.query("INSERT INTO k VALUES (1)")).rowCount).toBe(1);
      expect(await failure(r1.query("DELETE FROM k"))).toBe("42501 permission denied for table k");
      const check = await second.connect().query("SELECT rolname FROM pg_roles ORDER BY 1");
      expect(check.rows).toEqual([["g1"], ["postgres"], ["r1"]]);
      expect((await second.connect().query("SELECT relacl::text FROM pg_class WHERE relname = 'k'")).rows).toEqual([["{postgres=arwdDxt/postgres,g1=ar/postgres}"]]);
    } finally {
      await second.close();
    }
  });
});
