/**
 * Differential test of the whole engine against PostgreSQL 15: the same DDL, data and DML run
 * on a fresh in-memory `Database` and on a private PostgreSQL (testkit's `startPostgres`), one
 * statement at a time, and every outcome must be identical:
 * - a statement that succeeds: its command tag (as the `pg` client parses it: verb, INSERT's
 *   oid, row count), its result columns (name and type OID) and its rows in PostgreSQL's text
 *   form (`formatRow` with extra_float_digits 1 and TimeZone UTC on both sides); rows compare as
 *   a sequence when a SELECT has ORDER BY (every such query here orders totally), else as a
 *   multiset (RETURNING, unordered SELECTs);
 * - a statement that fails: its SQLSTATE.
 *
 * The scenarios cover constraints (PRIMARY KEY, UNIQUE, NOT NULL, CHECK, FOREIGN KEY with
 * CASCADE / SET NULL / RESTRICT / NO ACTION, DEFAULT, SERIAL), multi-row INSERT, INSERT …
 * SELECT, UPDATE … FROM, DELETE … USING, RETURNING, transaction blocks with errors and
 * savepoints, ALTER TABLE ADD / DROP COLUMN, ON CONFLICT DO NOTHING, secondary indexes (and,
 * by EXPLAIN, that our plans read through them), composite keys, keys of every orderable type,
 * column types and typmods, NULLs, and a fast-check property test of random INSERT / UPDATE / DELETE
 * (in and out of transaction blocks) on a table with a unique index, comparing the SQLSTATE or
 * tag of every statement and the table's contents after it. `FC_SEED` / `FC_PATH` replay it.
 *
 * Every mismatch of a scenario is collected and reported at once (the first one is usually the
 * cause; later ones may follow from the diverged state).
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
  // The engine's session defaults are these two already.
  await client.query("SET TimeZone = 'UTC'");
  await client.query("SET extra_float_digits = 1");
  // A CASCADE drop reports every dropped object as a NOTICE; nothing here reads them.
  await client.query("SET client_min_messages = warning");
});

afterAll(async () => {
  await client.end();
  await server.stop();
});

// ---------------------------------------------------------------------------------------------
// Outcomes

interface Success {
  /** As the `pg` client parses a CommandComplete tag: verb, INSERT's oid, row count. */
  readonly tag: string;
  readonly columns: readonly string[];
  readonly rows: readonly string[];
}

type Outcome = Success | { readonly error: string };

/** The `pg` client's own parse of a command tag (pg/lib/result.js), applied to ours alike. */
const tagPattern = /^([A-Za-z]+)(?: (\d+))?(?: (\d+))?/;

function normalizedTag(tag: string): string {
  const match = tagPattern.exec(tag);
  if (match === null) return `unparsable tag ${JSON.stringify(tag)}`;
  return [match[1], match[2], match[3]].filter((part) => part !== undefined).join(" ");
}

function pgTag(command: string, rowCount: number | null, oid: number | null): string {
  const parts: string[] = [command];
  if (oid !== null && rowCount !== null) parts.push(String(oid));
  if (rowCount !== null) parts.push(String(rowCount));
  return parts.join(" ");
}

function errorOutcome(error: unknown, codeProperty: "sqlState" | "code"): Outcome {
  if (typeof error === "object" && error !== null && codeProperty in error) {
    const code: unknown = Reflect.get(error, codeProperty);
    if (typeof code === "string") return { error: code };
  }
  // Not a database error: a crash of the engine (or of the client), reported as such.
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return { error: `not a DbError: ${detail}` };
}

async function ourOutcome(session: Session, sql: string, params: readonly unknown[]): Promise<Outcome> {
  try {
    const result = await session.query(sql, params);
    const tag = normalizedTag(result.commandTag);
    const tagCount = /(\d+)$/.exec(tag)?.[1];
    // The API's rowCount must agree with the tag it reports.
    const countNote = tagCount !== undefined && Number(tagCount) !== result.rowCount ? ` (rowCount ${result.rowCount})` : "";
    return {
      tag: tag + countNote,
      columns: result.fields.map((field) => `${field.name}:${field.typeOid}`),
      rows: result.rows.map((row) => JSON.stringify(formatRow(result.fields, row, textSettings))),
    };
  } catch (error) {
    return errorOutcome(error, "sqlState");
  }
}

interface PgResult {
  readonly command: string;
  readonly rowCount: number | null;
  readonly oid: number | null;
  readonly fields: readonly { readonly name: string; readonly dataTypeID: number }[];
  readonly rows: readonly (readonly (string | null)[])[];
}

/** Whether pg resolved a string of several statements to one result each (its types say it never does). */
function isResultList(results: PgResult | readonly PgResult[]): results is readonly PgResult[] {
  return Array.isArray(results);
}

/** The result compared: the last statement's, as our `query` returns. */
function lastResult(results: PgResult | readonly PgResult[]): PgResult | undefined {
  return isResultList(results) ? results.at(-1) : results;
}

async function pgOutcome(sql: string, params: readonly unknown[]): Promise<Outcome> {
  try {
    const result = lastResult(
      await client.query<(string | null)[]>({
        text: sql,
        values: [...params],
        rowMode: "array",
        types: { getTypeParser: () => (value: string) => value },
      }),
    );
    if (result === undefined) return { tag: "", columns: [], rows: [] };
    return {
      tag: pgTag(result.command, result.rowCount, result.oid),
      columns: result.fields.map((field) => `${field.name}:${field.dataTypeID}`),
      rows: result.rows.map((row) => JSON.stringify(row)),
    };
  } catch (error) {
    return errorOutcome(error, "code");
  }
}

/** A SELECT with ORDER BY is compared as a sequence; everything else as a multiset. */
function isOrdered(sql: string): boolean {
  return /^\s*(SELECT|WITH|VALUES)\b/i.test(sql) && /\bORDER BY\b/i.test(sql);
}

function comparable(outcome: Outcome, sql: string): string {
  if ("error" in outcome) return `ERROR ${outcome.error}`;
  const rows = isOrdered(sql) ? outcome.rows : [...outcome.rows].sort();
  return `${outcome.tag} | ${outcome.columns.join(",")}\n${rows.map((row) => `    ${row}`).join("\n")}`;
}

// ---------------------------------------------------------------------------------------------
// Running scenarios

/** One statement, optionally with parameters (sent as text by both clients). */
type Step = string | { readonly sql: string; readonly params: readonly unknown[] };

class Differential {
  readonly #session: Session;
  readonly mismatches: string[] = [];
  #index = 0;

  constructor(session: Session) {
    this.#session = session;
  }

  /** Runs `step` on both; records a mismatch; returns PostgreSQL's outcome. */
  async run(step: Step): Promise<Outcome> {
    const [sql, params] = typeof step === "string" ? [step, []] : [step.sql, step.params];
    this.#index += 1;
    const theirs = await pgOutcome(sql, params);
    const ours = await ourOutcome(this.#session, sql, params);
    const [pgText, ourText] = [comparable(theirs, sql), comparable(ours, sql)];
    if (pgText !== ourText) {
      const shown = params.length === 0 ? sql : `${sql}  -- params ${JSON.stringify(params)}`;
      this.mismatches.push(`#${this.#index} ${shown}\n  pg:   ${pgText}\n  ours: ${ourText}`);
    }
    return theirs;
  }
}

/** PostgreSQL back to an empty `public` schema, outside any transaction block. */
async function resetPostgres(): Promise<void> {
  await client.query("ROLLBACK");
  await client.query("DROP SCHEMA public CASCADE; CREATE SCHEMA public");
}

/** Runs `steps` on a fresh engine database and a reset PostgreSQL; returns every mismatch. */
async function runScenario(steps: readonly Step[]): Promise<string[]> {
  await resetPostgres();
  const db = await Database.open();
  try {
    const differential = new Differential(db.connect());
    for (const step of steps) await differential.run(step);
    return differential.mismatches;
  } finally {
    await db.close();
  }
}

async function expectSameAsPostgres(steps: readonly Step[]): Promise<void> {
  const mismatches = await runScenario(steps);
  expect(mismatches.join("\n\n")).toBe("");
}

// ---------------------------------------------------------------------------------------------
// Hand-written scenarios

const constraintSteps: readonly Step[] = [
  "CREATE TABLE parent (id int4 PRIMARY KEY, code varchar(10) NOT NULL UNIQUE, qty int2 DEFAULT 5 CHECK (qty >= 0), note text)",
  "INSERT INTO parent (id, code) VALUES (1, 'a'), (2, 'b'), (3, 'c') RETURNING *",
  "INSERT INTO parent VALUES (1, 'z', 1, NULL)",
  "INSERT INTO parent VALUES (4, 'a', 1, NULL)",
  "INSERT INTO parent (id) VALUES (5)",
  "INSERT INTO parent VALUES (5, 'e', -1, NULL)",
  "INSERT INTO parent VALUES (NULL, 'e', 1, NULL)",
  "INSERT INTO parent VALUES (5, 'much too long', 1, NULL)",
  "INSERT INTO parent VALUES (6, 'f', 40000, NULL)",
  // A CHECK passes on NULL; NOT NULL is checked before CHECK, CHECK before UNIQUE.
  "INSERT INTO parent VALUES (7, 'g', NULL, 'no qty') RETURNING qty, note",
  "INSERT INTO parent VALUES (8, NULL, -1, NULL)",
  "INSERT INTO parent VALUES (1, 'a', -1, NULL)",
  "INSERT INTO parent VALUES (8, 'h', DEFAULT, DEFAULT) RETURNING *",
  "INSERT INTO parent DEFAULT VALUES",
  // A failed multi-row INSERT leaves nothing behind.
  "INSERT INTO parent (id, code) VALUES (20, 'p'), (21, 'q'), (22, 'p')",
  "SELECT * FROM parent ORDER BY id",
  "UPDATE parent SET qty = qty - 6 WHERE id = 1",
  "UPDATE parent SET code = 'b' WHERE id = 1",
  "UPDATE parent SET id = 2 WHERE id = 1",
  "UPDATE parent SET code = NULL WHERE id = 3",
  "SELECT * FROM parent ORDER BY id",
];

const foreignKeySteps: readonly Step[] = [
  "CREATE TABLE parent (id int4 PRIMARY KEY, code varchar(10) NOT NULL UNIQUE, note text)",
  "INSERT INTO parent VALUES (1, 'a', NULL), (2, 'b', NULL), (3, 'c', NULL), (7, 'g', 'no children')",
  "CREATE TABLE child_cascade (id int PRIMARY KEY, parent_id int REFERENCES parent (id) ON DELETE CASCADE, v text)",
  "CREATE TABLE child_set_null (id int PRIMARY KEY, parent_id int REFERENCES parent ON DELETE SET NULL, v text)",
  "CREATE TABLE child_restrict (id int PRIMARY KEY, parent_id int REFERENCES parent ON DELETE RESTRICT)",
  "CREATE TABLE child_no_action (id int PRIMARY KEY, parent_code varchar(10) REFERENCES parent (code))",
  "CREATE TABLE child_missing (id int PRIMARY KEY, parent_id int REFERENCES nowhere (id))",
  "CREATE TABLE child_bad_column (id int PRIMARY KEY, parent_id int REFERENCES parent (nope))",
  "INSERT INTO child_cascade VALUES (10, 1, 'x'), (11, 1, 'y'), (12, 2, 'z')",
  "INSERT INTO child_cascade VALUES (13, 99, 'no parent')",
  "INSERT INTO child_cascade VALUES (13, NULL, 'NULL references nothing')",
  "UPDATE child_cascade SET parent_id = 98 WHERE id = 12",
  "INSERT INTO child_set_null VALUES (20, 1, 'p'), (21, 2, 'q')",
  "INSERT INTO child_restrict VALUES (30, 3)",
  "INSERT INTO child_no_action VALUES (40, 'b'), (41, 'c')",
  "INSERT INTO child_no_action VALUES (42, 'nope')",
  "DELETE FROM parent WHERE id = 3",
  "UPDATE parent SET code = 'bb' WHERE id = 2",
  "UPDATE parent SET code = 'aa' WHERE id = 1 RETURNING code",
  // ON UPDATE NO ACTION (the default of every child here) blocks changing a referenced key.
  "UPDATE parent SET id = 102 WHERE id = 2",
  "DELETE FROM child_set_null WHERE id = 21",
  "UPDATE parent SET id = 102 WHERE id = 2 RETURNING id",
  "UPDATE parent SET id = 107 WHERE id = 7 RETURNING id",
  "SELECT * FROM child_cascade ORDER BY id",
  // CASCADE deletes children; SET NULL clears the reference.
  "DELETE FROM parent WHERE id = 1 RETURNING id, code",
  "SELECT * FROM child_cascade ORDER BY id",
  "SELECT * FROM child_set_null ORDER BY id",
  "DELETE FROM child_restrict",
  "DELETE FROM parent WHERE id = 3",
  "DELETE FROM parent WHERE id = 2",
  "DELETE FROM child_no_action WHERE parent_code = 'b'",
  "DELETE FROM parent WHERE id = 2 RETURNING id",
  "DELETE FROM parent WHERE id = 107 RETURNING id",
  "SELECT * FROM parent ORDER BY id",
  "SELECT * FROM child_cascade ORDER BY id",
  "DROP TABLE parent",
  "SELECT count(*) FROM child_cascade",
];

/** A referenced column list must be the primary key or a unique constraint's: 42830 (invalid_foreign_key). */
const foreignKeyDefinitionSteps: readonly Step[] = [
  "CREATE TABLE parent (id int4 PRIMARY KEY, code text UNIQUE, note text)",
  "CREATE TABLE child_ok (id int PRIMARY KEY, code text REFERENCES parent (code))",
  "CREATE TABLE child_bad (id int PRIMARY KEY, parent_note text REFERENCES parent (note))",
];

/** ON UPDATE CASCADE: the referencing rows follow a changed key (the only change, no other references). */
const onUpdateCascadeSteps: readonly Step[] = [
  "CREATE TABLE parent (id int PRIMARY KEY)",
  "CREATE TABLE child (id int PRIMARY KEY, parent_id int REFERENCES parent ON UPDATE CASCADE)",
  "INSERT INTO parent VALUES (1), (2)",
  "INSERT INTO child VALUES (10, 1), (11, 1), (12, 2)",
  "UPDATE parent SET id = 100 WHERE id = 1 RETURNING id",
  "SELECT * FROM child ORDER BY id",
  "SELECT * FROM parent ORDER BY id",
];

const serialSteps: readonly Step[] = [
  "CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL, big bigserial, small smallserial)",
  "INSERT INTO items (name) VALUES ('a'), ('b') RETURNING *",
  "INSERT INTO items (name) VALUES (NULL)",
  // Sequences are not transactional: the failed row consumed 3.
  "INSERT INTO items (name) VALUES ('c') RETURNING id, big, small",
  "INSERT INTO items (id, name) VALUES (10, 'explicit') RETURNING *",
  "SELECT currval('items_id_seq'), nextval('items_id_seq'), lastval()",
  "INSERT INTO items (name) VALUES ('d') RETURNING id",
  "BEGIN",
  "INSERT INTO items (name) VALUES ('rolled back') RETURNING id",
  "ROLLBACK",
  "INSERT INTO items (name) VALUES ('e') RETURNING id",
  "SELECT * FROM items ORDER BY id",
  "CREATE SEQUENCE counter START 100 INCREMENT 5",
  "SELECT nextval('counter'), nextval('counter')",
  "SELECT setval('counter', 7), nextval('counter')",
  "CREATE TABLE defaults (id int PRIMARY KEY DEFAULT nextval('counter'), made date DEFAULT '2020-02-02', flag bool DEFAULT true, label text DEFAULT 'x' || 'y', amount numeric(6,2) DEFAULT 1.5)",
  "INSERT INTO defaults DEFAULT VALUES RETURNING *",
  "INSERT INTO defaults (flag) VALUES (false), (NULL) RETURNING *",
  "INSERT INTO defaults (id, amount) VALUES (1, 12345.678)",
  "INSERT INTO defaults (id, amount) VALUES (1, 1234.567) RETURNING amount",
  "SELECT * FROM defaults ORDER BY id",
];

const dmlSteps: readonly Step[] = [
  "CREATE TABLE products (id int PRIMARY KEY, name text NOT NULL, price numeric(10,2), stock int4 DEFAULT 0, category text)",
  "INSERT INTO products VALUES (1, 'apple', 1.20, 10, 'fruit'), (2, 'pear', 2.5, 0, 'fruit'), (3, 'hammer', 15, 3, 'tools'), (4, 'nail', 0.05, 1000, 'tools'), (5, 'mystery', NULL, NULL, NULL)",
  "INSERT INTO products (id, name) VALUES (6, 'x'), (7, 'y') RETURNING id, stock, price",
  "CREATE TABLE price_changes (category text PRIMARY KEY, factor numeric)",
  "INSERT INTO price_changes VALUES ('fruit', 1.1), ('tools', 0.9)",
  "UPDATE products SET price = price * c.factor, stock = stock + 1 FROM price_changes c WHERE products.category = c.category RETURNING products.id, products.price, stock",
  "UPDATE products SET name = upper(name) || '!', stock = coalesce(stock, 0) - 1 WHERE id IN (1, 5) RETURNING *",
  "UPDATE products SET price = price WHERE false",
  // An IN list wider than the int4 key (compared as int8) still finds its rows, and an item out of
  // int4's range none, through the primary key's index.
  "SELECT id, name FROM products WHERE id IN (2, 3000000000, -3000000000, 4) ORDER BY id",
  "SELECT count(*) FROM products WHERE id IN (2147483648, 1::int8)",
  "UPDATE products SET stock = stock * 2, price = price + 1 WHERE price < 3 AND stock > 0 RETURNING id, stock, price, price * stock AS value",
  // SET uses the old values of every column.
  "UPDATE products SET stock = id, id = stock + 100 WHERE id = 3 RETURNING id, stock",
  "UPDATE products SET (name, category) = ('renamed', 'misc') WHERE id = 6 RETURNING name, category",
  "SELECT * FROM products ORDER BY id",
  "CREATE TABLE archive (id int PRIMARY KEY, name text, total numeric)",
  "INSERT INTO archive SELECT id, name, price * stock FROM products WHERE price IS NOT NULL RETURNING *",
  "INSERT INTO archive (id, name) SELECT id + 1000, name FROM products ORDER BY id LIMIT 2",
  "INSERT INTO archive SELECT * FROM archive",
  "INSERT INTO archive (name, id) SELECT 'copy of ' || name, id + 2000 FROM archive WHERE total > 2 RETURNING id, name",
  "INSERT INTO archive SELECT * FROM archive WHERE false",
  "INSERT INTO archive VALUES (1, 'too many', 1, 2)",
  "INSERT INTO archive (id, nope) VALUES (1, 2)",
  "INSERT INTO archive VALUES ('x')",
  "DELETE FROM products p USING price_changes c WHERE p.category = c.category AND c.factor < 1 RETURNING p.id, p.price",
  "DELETE FROM products WHERE price IS NULL RETURNING id",
  "DELETE FROM products WHERE id = 12345",
  "UPDATE archive SET total = a2.total FROM archive a2 WHERE a2.id = archive.id - 1000 RETURNING archive.id, archive.total",
  "SELECT * FROM products ORDER BY id",
  "SELECT * FROM archive ORDER BY id",
  { sql: "INSERT INTO products (id, name, price) VALUES ($1, $2, $3) RETURNING *", params: [50, "param", "9.99"] },
  { sql: "UPDATE products SET stock = $1 WHERE id = $2 RETURNING stock", params: ["7", 50] },
  { sql: "DELETE FROM products WHERE name = $1 RETURNING id", params: ["param"] },
  "DELETE FROM archive",
  "SELECT count(*) FROM archive",
];

/** ON CONFLICT DO NOTHING: without a target any unique conflict skips the row; with one, only that index's. */
const onConflictSteps: readonly Step[] = [
  "CREATE TABLE oc (id int PRIMARY KEY, u int UNIQUE, v text)",
  "INSERT INTO oc VALUES (1, 1, 'a')",
  "INSERT INTO oc VALUES (1, 2, 'b') ON CONFLICT DO NOTHING RETURNING *",
  "INSERT INTO oc VALUES (2, 1, 'c') ON CONFLICT DO NOTHING RETURNING *",
  "INSERT INTO oc VALUES (3, 3, 'x'), (4, 3, 'y'), (3, 4, 'z'), (5, NULL, 'w') ON CONFLICT DO NOTHING RETURNING *",
  "INSERT INTO oc VALUES (1, 6, 'd') ON CONFLICT (id) DO NOTHING RETURNING *",
  "INSERT INTO oc VALUES (6, 1, 'd') ON CONFLICT (u) DO NOTHING RETURNING *",
  "INSERT INTO oc VALUES (6, 1, 'e') ON CONFLICT (id) DO NOTHING",
  "INSERT INTO oc VALUES (1, 7, 'f') ON CONFLICT (u) DO NOTHING",
  "INSERT INTO oc VALUES (7, 7, 'g') ON CONFLICT (v) DO NOTHING",
  "SELECT * FROM oc ORDER BY id",
];

/** ON CONFLICT DO UPDATE: excluded, WHERE, RETURNING, DEFAULT, a row affected twice, constraints. */
const upsertSteps: readonly Step[] = [
  "CREATE TABLE counters (name text PRIMARY KEY, hits int NOT NULL DEFAULT 0, note text, code int UNIQUE)",
  "INSERT INTO counters VALUES ('a', 1, 'first', 1)",
  "INSERT INTO counters (name, hits) VALUES ('a', 5), ('b', 2) ON CONFLICT (name) DO UPDATE SET hits = counters.hits + excluded.hits RETURNING *",
  "INSERT INTO counters (name, hits) VALUES ('a', 100) ON CONFLICT (name) DO UPDATE SET hits = excluded.hits WHERE counters.hits > 1000 RETURNING name",
  "INSERT INTO counters (name, note) VALUES ('b', 'noted') ON CONFLICT ON CONSTRAINT counters_pkey DO UPDATE SET note = excluded.note, hits = DEFAULT RETURNING *",
  "INSERT INTO counters AS c (name, code) VALUES ('z', 1) ON CONFLICT (code) DO UPDATE SET note = c.name || '+' || excluded.name RETURNING c.*",
  "INSERT INTO counters (name) VALUES ('c'), ('c') ON CONFLICT (name) DO UPDATE SET hits = 9",
  "INSERT INTO counters (name) VALUES ('d') ON CONFLICT DO UPDATE SET hits = 9",
  "INSERT INTO counters (name, hits) VALUES ('a', NULL) ON CONFLICT (name) DO UPDATE SET hits = 1",
  "INSERT INTO counters (name) VALUES ('a') ON CONFLICT (name) DO UPDATE SET hits = NULL",
  "INSERT INTO counters (name, code) VALUES ('e', 1) ON CONFLICT (name) DO UPDATE SET hits = 3",
  "SELECT * FROM counters ORDER BY name",
];

/** RETURNING may name the tables of UPDATE … FROM and DELETE … USING. */
const returningJoinedSteps: readonly Step[] = [
  "CREATE TABLE products (id int PRIMARY KEY, category text)",
  "CREATE TABLE price_changes (category text PRIMARY KEY, factor numeric)",
  "INSERT INTO products VALUES (1, 'a'), (2, 'b'), (3, 'a')",
  "INSERT INTO price_changes VALUES ('a', 0.5), ('b', 2)",
  "UPDATE products SET category = c.category FROM price_changes c WHERE products.id = 2 AND c.factor < 1 RETURNING products.id, c.factor",
  "DELETE FROM products p USING price_changes c WHERE p.category = c.category AND c.factor < 1 RETURNING p.id, c.factor",
  "DELETE FROM products USING price_changes WHERE products.category = price_changes.category RETURNING price_changes.*",
  // Stars of UPDATE … FROM: the target's new values, then each FROM item's columns.
  "INSERT INTO products VALUES (4, 'a'), (5, 'b'), (6, NULL)",
  "CREATE TABLE notes (category text, note text)",
  "INSERT INTO notes VALUES ('a', 'cheap'), ('b', 'dear')",
  "UPDATE products SET category = upper(c.category) FROM price_changes c WHERE products.category = c.category RETURNING *",
  "UPDATE products p SET category = lower(p.category) FROM price_changes c, notes n WHERE lower(p.category) = c.category AND n.category = c.category RETURNING p.*, n.note, *",
  "UPDATE products SET id = id + 10 FROM price_changes c JOIN notes n ON n.category = c.category WHERE products.category = c.category RETURNING products.*, c.*",
  "UPDATE products SET id = id + 10 FROM price_changes c JOIN notes n ON n.category = c.category WHERE products.category = c.category RETURNING *",
  "UPDATE products SET id = id + 10 FROM (SELECT category, 1 AS one FROM notes) s WHERE products.category = s.category RETURNING *",
  "SELECT * FROM products ORDER BY id",
];

/** Partial indexes: uniqueness among the rows the predicate covers, maintenance as rows move in and out, planning. */
const partialIndexSteps: readonly Step[] = [
  "CREATE TABLE accounts (id int PRIMARY KEY, email text, deleted_at timestamp, n int)",
  "INSERT INTO accounts SELECT g, 'e' || (g % 50), CASE WHEN g > 50 THEN timestamp '2020-01-01' END, g FROM generate_series(1, 1000) g",
  "CREATE UNIQUE INDEX accounts_email_live ON accounts (email) WHERE deleted_at IS NULL",
  "CREATE INDEX accounts_small_n ON accounts (n) WHERE n < 10",
  "INSERT INTO accounts VALUES (2000, 'e1', NULL, 1)",
  "INSERT INTO accounts VALUES (2001, 'e1', '2021-01-01', 1)",
  "UPDATE accounts SET deleted_at = NULL WHERE id = 2001",
  "UPDATE accounts SET deleted_at = '2022-02-02' WHERE id = 1",
  "UPDATE accounts SET deleted_at = NULL WHERE id = 2001",
  "UPDATE accounts SET email = 'e3' WHERE id = 2001",
  "UPDATE accounts SET email = 'e1' WHERE id = 2001",
  "DELETE FROM accounts WHERE id = 2001",
  "INSERT INTO accounts VALUES (2002, 'e1', NULL, 2)",
  "ANALYZE accounts",
  "SELECT id FROM accounts WHERE email = 'e2' AND deleted_at IS NULL",
  "SELECT count(*) FROM accounts WHERE email = 'e2'",
  "SELECT id FROM accounts WHERE n < 10 AND n > 5 ORDER BY id",
  "SELECT id FROM accounts WHERE n < 20 AND n > 5 ORDER BY id",
  "SELECT id FROM accounts WHERE email = 'e1' AND deleted_at IS NULL",
  // Implied rather than stated: n < 5 implies n < 10; email = 'e4' implies email IS NOT NULL.
  "CREATE INDEX accounts_email_set ON accounts (n) WHERE email IS NOT NULL",
  "SELECT id FROM accounts WHERE n < 5 AND n > 1 ORDER BY id",
  "SELECT id FROM accounts WHERE email = 'e4' AND n > 500 ORDER BY id",
  "SELECT pg_get_indexdef('accounts_email_live'::regclass), pg_get_indexdef('accounts_small_n'::regclass, 0, true)",
  "SELECT indpred IS NOT NULL FROM pg_index WHERE indexrelid = 'accounts_email_live'::regclass",
  "INSERT INTO accounts VALUES (3000, 'e3', NULL, 5) ON CONFLICT (email) DO NOTHING",
  "INSERT INTO accounts VALUES (3000, 'e3', NULL, 5) ON CONFLICT (email) WHERE deleted_at IS NULL DO UPDATE SET n = 99 RETURNING id, n",
  "INSERT INTO accounts VALUES (3001, 'e4', NULL, 5) ON CONFLICT DO NOTHING",
  "CREATE INDEX bad_type ON accounts (n) WHERE n",
  "CREATE INDEX bad_volatile ON accounts (n) WHERE deleted_at < now()",
  "CREATE INDEX bad_subquery ON accounts (n) WHERE n IN (SELECT 1)",
  "CREATE UNIQUE INDEX accounts_email_gone ON accounts (email) WHERE deleted_at IS NOT NULL",
  "CREATE TABLE refs (id int PRIMARY KEY, email text REFERENCES accounts (email))",
  "ALTER TABLE accounts DROP COLUMN deleted_at",
  "SELECT count(*) FROM pg_index WHERE indrelid = 'accounts'::regclass",
  "INSERT INTO accounts VALUES (4000, 'e1', 4)",
];

/** Expression indexes: uniqueness on the expression's value, maintenance, planning, catalog text. */
const expressionIndexSteps: readonly Step[] = [
  "CREATE TABLE people (id int PRIMARY KEY, email text, n int)",
  "INSERT INTO people SELECT g, 'User' || g || '@X.com', g FROM generate_series(1, 2000) g",
  "CREATE UNIQUE INDEX people_lower_email ON people (lower(email))",
  "CREATE INDEX ON people ((n * 2), n)",
  "INSERT INTO people VALUES (5000, 'user7@x.COM', 1)",
  "INSERT INTO people VALUES (5000, 'other@x.com', 1)",
  "UPDATE people SET email = 'USER8@x.com' WHERE id = 5000",
  "UPDATE people SET email = 'new@x.com' WHERE id = 8",
  "UPDATE people SET email = 'USER8@x.com' WHERE id = 5000",
  "UPDATE people SET email = NULL WHERE id = 10",
  "INSERT INTO people VALUES (5001, NULL, 3)",
  "ANALYZE people",
  "SELECT id FROM people WHERE lower(email) = 'user9@x.com'",
  "SELECT id FROM people WHERE lower(email) = 'user8@x.com'",
  "SELECT id FROM people WHERE n * 2 = 10",
  "SELECT id FROM people WHERE n * 2 > 3990 ORDER BY id",
  "SELECT id FROM people WHERE n * 2 >= 10 AND n * 2 < 16 ORDER BY id",
  "SELECT pg_get_indexdef('people_lower_email'::regclass), pg_get_indexdef('people_expr_n_idx'::regclass, 0, true)",
  "SELECT attname, atttypid FROM pg_attribute WHERE attrelid = 'people_lower_email'::regclass",
  "CREATE INDEX people_bad ON people ((random() > 0.5))",
  "CREATE UNIQUE INDEX people_dup ON people ((n % 10))",
  "INSERT INTO people VALUES (6000, 'USER9@x.com', 1) ON CONFLICT DO NOTHING",
  "INSERT INTO people VALUES (6001, 'USER11@x.com', 1) ON CONFLICT (lower(email)) DO NOTHING",
  "INSERT INTO people VALUES (6002, 'USER12@x.com', 1) ON CONFLICT ((lower(email))) DO UPDATE SET n = excluded.n + 1000 RETURNING id, n",
  "INSERT INTO people VALUES (6003, 'fresh@x.com', 1) ON CONFLICT (lower(email)) DO UPDATE SET n = 0 RETURNING id",
  "INSERT INTO people VALUES (6004, 'x@x.com', 1) ON CONFLICT (upper(email)) DO NOTHING",
  "INSERT INTO people VALUES (6005, 'y@x.com', 1) ON CONFLICT (email) DO NOTHING",
  "DELETE FROM people WHERE id = 9",
  "INSERT INTO people VALUES (6000, 'USER9@x.com', 1) RETURNING id",
  "SELECT id FROM people WHERE lower(email) = 'user9@x.com'",
  "ALTER TABLE people DROP COLUMN email",
  "SELECT count(*) FROM pg_index WHERE indrelid = 'people'::regclass",
];

/** ALTER … RENAME: tables, columns (with the expressions that name them), indexes, constraints; in blocks too. */
const renameSteps: readonly Step[] = [
  "CREATE TABLE things (id serial PRIMARY KEY, a int CHECK (a > 0 AND things.a < 100), b text DEFAULT 'x' || 'y', c int UNIQUE)",
  "CREATE INDEX things_part ON things (b) WHERE a > 5",
  "CREATE INDEX things_low ON things (lower(b))",
  "CREATE TABLE other (id int PRIMARY KEY)",
  "INSERT INTO things (a, c) VALUES (10, 1)",
  "ALTER TABLE things RENAME COLUMN a TO aa",
  "INSERT INTO things (aa, c) VALUES (0, 2)",
  "INSERT INTO things (aa, b, c) VALUES (50, 'Q', 3)",
  "SELECT * FROM things ORDER BY id",
  "ALTER TABLE things RENAME TO stuff",
  "SELECT * FROM things",
  "INSERT INTO stuff (aa, c) VALUES (200, 4)",
  "INSERT INTO stuff (aa, c) VALUES (7, 5)",
  "SELECT id, aa, b FROM stuff WHERE aa > 5 AND b = 'xy' ORDER BY id",
  "SELECT id FROM stuff WHERE lower(b) = 'q'",
  "ALTER INDEX things_pkey RENAME TO stuff_pkey",
  "ALTER INDEX things_c_key RENAME TO stuff_c_key",
  "ALTER TABLE stuff RENAME CONSTRAINT things_a_check TO stuff_aa_check",
  "INSERT INTO stuff (aa, c) VALUES (-1, 6)",
  "INSERT INTO stuff (aa, c) VALUES (8, 1)",
  "ALTER TABLE stuff RENAME CONSTRAINT nope TO x",
  "ALTER TABLE stuff RENAME CONSTRAINT stuff_aa_check TO stuff_pkey",
  "ALTER TABLE stuff RENAME COLUMN nope TO x",
  "ALTER TABLE stuff RENAME COLUMN aa TO b",
  "ALTER TABLE stuff RENAME TO other",
  "ALTER INDEX stuff_pkey RENAME TO other",
  "ALTER TABLE IF EXISTS nope RENAME TO x",
  "ALTER TABLE nope RENAME TO x",
  "SELECT pg_get_indexdef('things_part'::regclass), pg_get_indexdef('things_low'::regclass)",
  "SELECT conname FROM pg_constraint WHERE conrelid = 'stuff'::regclass ORDER BY 1",
  "BEGIN",
  "ALTER TABLE stuff RENAME COLUMN b TO bb",
  "SELECT bb FROM stuff ORDER BY id LIMIT 1",
  "ROLLBACK",
  "SELECT b FROM stuff ORDER BY id LIMIT 1",
  "SELECT nextval('things_id_seq')",
  // Rails' rename_table: the table, then its sequence and primary key index; defaults and views follow.
  "ALTER SEQUENCE things_id_seq RENAME TO stuff_id_seq",
  "INSERT INTO stuff (aa, c) VALUES (9, 10) RETURNING id",
  "SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef WHERE adrelid = 'stuff'::regclass AND adnum = 1",
  "SELECT nextval('stuff_id_seq')",
  "CREATE VIEW stuff_view AS SELECT s.id, stuff.aa, (SELECT count(*) FROM stuff t2 WHERE t2.id <= s.id) AS n FROM stuff s JOIN stuff ON stuff.id = s.id",
  "CREATE VIEW stuff_names AS SELECT id, b FROM public.stuff WHERE stuff.aa > 5",
  "ALTER TABLE stuff RENAME TO things2",
  "SELECT * FROM stuff_view ORDER BY id",
  "SELECT * FROM stuff_names ORDER BY id",
  "SELECT pg_get_viewdef('stuff_names'::regclass) LIKE '%things2%', pg_get_viewdef('stuff_names'::regclass) LIKE '%stuff%'",
  "ALTER VIEW stuff_names RENAME TO names_view",
  "SELECT count(*) FROM names_view",
  // Renaming a column views read: their references follow, output names stay.
  "ALTER TABLE things2 RENAME COLUMN aa TO amount",
  "SELECT * FROM stuff_view ORDER BY id",
  "SELECT * FROM names_view ORDER BY id",
  "CREATE VIEW sums AS SELECT b, sum(amount) AS total, max(t.amount) FROM things2 t GROUP BY b ORDER BY b",
  "CREATE VIEW sub_v AS SELECT x.amount FROM (SELECT amount, id FROM things2 WHERE amount > 1) x WHERE x.id > 0",
  "ALTER TABLE things2 RENAME COLUMN amount TO qty",
  "SELECT * FROM sums",
  "SELECT * FROM sub_v ORDER BY 1",
  "SELECT column_name, data_type, ordinal_position FROM information_schema.columns WHERE table_name IN ('sub_v', 'sums') ORDER BY table_name, ordinal_position",
  "SELECT attname, format_type(atttypid, atttypmod), attnum FROM pg_attribute WHERE attrelid = 'sums'::regclass ORDER BY attnum",
  "SELECT relnatts FROM pg_class WHERE relname = 'sums'",
  "CREATE TABLE other2 (id int, qty int)",
  "CREATE VIEW joined_v AS SELECT t.qty, o.qty AS oq FROM things2 t JOIN other2 o USING (id)",
  "ALTER TABLE things2 RENAME COLUMN qty TO quantity",
  "SELECT * FROM joined_v",
];

/** COMMENT ON: descriptions of tables, columns, indexes, views, sequences and schemas, transactional. */
const commentSteps: readonly Step[] = [
  "CREATE TABLE notes (id serial PRIMARY KEY, a int)",
  "CREATE INDEX notes_a ON notes (a)",
  "CREATE VIEW notes_view AS SELECT a FROM notes",
  "CREATE SCHEMA annotated",
  "COMMENT ON TABLE notes IS 'the notes'",
  "COMMENT ON COLUMN notes.a IS 'an a'",
  "COMMENT ON INDEX notes_a IS 'on a'",
  "COMMENT ON INDEX notes_pkey IS 'the key'",
  "COMMENT ON VIEW notes_view IS 'a view'",
  "COMMENT ON SEQUENCE notes_id_seq IS 'ids'",
  "COMMENT ON SCHEMA annotated IS 'a schema'",
  "SELECT obj_description('notes'::regclass, 'pg_class'), col_description('notes'::regclass, 2), col_description('notes'::regclass, 1), obj_description('notes_a'::regclass, 'pg_class'), obj_description('notes_pkey'::regclass, 'pg_class'), obj_description('notes_view'::regclass, 'pg_class'), obj_description('notes_id_seq'::regclass, 'pg_class')",
  "SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace WHERE nspname = 'annotated'",
  "SELECT objsubid, description FROM pg_description WHERE objoid >= 16384 ORDER BY description",
  "COMMENT ON TABLE notes_view IS 'x'",
  "COMMENT ON VIEW notes IS 'x'",
  "COMMENT ON COLUMN notes.nope IS 'x'",
  "COMMENT ON TABLE nope IS 'x'",
  "COMMENT ON INDEX nope IS 'x'",
  "COMMENT ON SCHEMA nope IS 'x'",
  "COMMENT ON TABLE notes IS NULL",
  "COMMENT ON COLUMN notes.a IS ''",
  "SELECT obj_description('notes'::regclass, 'pg_class'), col_description('notes'::regclass, 2)",
  "BEGIN",
  "COMMENT ON INDEX notes_a IS 'changed'",
  "ROLLBACK",
  "SELECT obj_description('notes_a'::regclass, 'pg_class')",
];

/** ALTER SEQUENCE: parameters, RESTART, CYCLE, AS type, OWNED BY, and PostgreSQL's checks. */
const alterSequenceSteps: readonly Step[] = [
  "CREATE TABLE counted (id serial PRIMARY KEY, x int)",
  "CREATE SEQUENCE seq",
  "SELECT nextval('seq'), nextval('seq')",
  "ALTER SEQUENCE seq INCREMENT BY 10",
  "SELECT nextval('seq')",
  "ALTER SEQUENCE seq RESTART WITH 100",
  "SELECT nextval('seq'), nextval('seq')",
  "ALTER SEQUENCE seq RESTART",
  "SELECT nextval('seq')",
  "ALTER SEQUENCE seq MAXVALUE 25 CYCLE",
  "SELECT nextval('seq'), nextval('seq'), nextval('seq'), nextval('seq')",
  "ALTER SEQUENCE seq NO CYCLE NO MAXVALUE",
  "SELECT seqincrement, seqmax, seqmin, seqcycle FROM pg_sequence WHERE seqrelid = 'seq'::regclass",
  "ALTER SEQUENCE seq MINVALUE 50 MAXVALUE 40",
  "ALTER SEQUENCE seq INCREMENT 0",
  "ALTER SEQUENCE seq AS smallint MAXVALUE 100000",
  "ALTER SEQUENCE seq START 0",
  "ALTER SEQUENCE seq RESTART WITH 0",
  "ALTER SEQUENCE seq AS smallint",
  "SELECT seqtypid::regtype::text, seqmax FROM pg_sequence WHERE seqrelid = 'seq'::regclass",
  "ALTER SEQUENCE seq INCREMENT BY -1 MINVALUE -5 MAXVALUE 5 RESTART WITH 0",
  "SELECT nextval('seq'), nextval('seq')",
  "ALTER SEQUENCE counted_id_seq RESTART WITH 1000",
  "INSERT INTO counted (x) VALUES (1) RETURNING id",
  "ALTER SEQUENCE seq OWNED BY counted.x",
  "ALTER SEQUENCE seq OWNED BY counted.nope",
  "ALTER SEQUENCE seq OWNED BY nope.x",
  "DROP TABLE counted",
  "SELECT count(*) FROM pg_class WHERE relname IN ('seq', 'counted_id_seq')",
  "ALTER SEQUENCE nope RESTART",
  "ALTER SEQUENCE IF EXISTS nope RESTART",
  "CREATE TABLE plain (a int)",
  "ALTER SEQUENCE plain RESTART",
];

/** ALTER COLUMN … TYPE: rows rewritten (USING or an assignment cast), keys and indexes rebuilt, constraints re-checked. */
const alterTypeSteps: readonly Step[] = [
  "CREATE TABLE typed (id int PRIMARY KEY, a int CHECK (a < 1000), b text DEFAULT '5', c varchar(10))",
  "CREATE INDEX typed_a ON typed (a)",
  "CREATE UNIQUE INDEX typed_c ON typed (c)",
  "INSERT INTO typed SELECT g, g * 10, (g * 3)::text, 'c' || g FROM generate_series(1, 50) g",
  "ALTER TABLE typed ALTER COLUMN a TYPE bigint",
  "SELECT pg_typeof(a)::text, a FROM typed WHERE a = 100",
  "ALTER TABLE typed ALTER COLUMN b TYPE int",
  "ALTER TABLE typed ALTER COLUMN b TYPE int USING b::int",
  "ALTER TABLE typed ALTER COLUMN b DROP DEFAULT",
  "ALTER TABLE typed ALTER COLUMN b TYPE int USING b::int",
  "ALTER TABLE typed ALTER COLUMN b SET DEFAULT 7",
  "SELECT b + 1 FROM typed WHERE id = 2",
  "ALTER TABLE typed ALTER COLUMN a TYPE numeric(10,1)",
  "SELECT a FROM typed WHERE id = 3",
  "ALTER TABLE typed ALTER COLUMN a TYPE int USING (a * 100)::int",
  "ALTER TABLE typed ALTER COLUMN id TYPE bigint",
  "SELECT pg_typeof(id)::text, count(*) FROM typed GROUP BY 1",
  "INSERT INTO typed (id, a) VALUES (3, 1)",
  "ALTER TABLE typed ALTER COLUMN id TYPE int USING id / 10",
  "ALTER TABLE typed ALTER COLUMN c TYPE varchar(3)",
  "ALTER TABLE typed ALTER COLUMN c TYPE varchar(2)",
  "ALTER TABLE typed ALTER COLUMN c TYPE text USING upper(c)",
  "SELECT c FROM typed WHERE c = 'C7'",
  "ALTER TABLE typed ALTER COLUMN c SET DATA TYPE varchar(3) USING substr(c, 1, 2)",
  "ALTER TABLE typed ALTER COLUMN b TYPE date",
  "ALTER TABLE typed ALTER COLUMN b TYPE text",
  "ALTER TABLE typed ALTER COLUMN b TYPE int USING NULL",
  "ALTER TABLE typed ALTER COLUMN nope TYPE int",
  "BEGIN",
  "ALTER TABLE typed ALTER COLUMN b TYPE bigint USING b::bigint",
  "SELECT pg_typeof(b)::text FROM typed LIMIT 1",
  "ROLLBACK",
  "SELECT pg_typeof(b)::text, sum(b::int) FROM typed GROUP BY 1",
  "SELECT * FROM typed WHERE a BETWEEN 100 AND 130 ORDER BY id",
  // Columns in foreign keys: widened on either side (int → bigint), refused when the sides could no longer be compared.
  "CREATE TABLE fk_parent (id int PRIMARY KEY, code text UNIQUE)",
  "CREATE TABLE fk_child (id int PRIMARY KEY, pid int REFERENCES fk_parent, pcode varchar(10) REFERENCES fk_parent (code))",
  "INSERT INTO fk_parent VALUES (1, 'a'), (2, 'b')",
  "INSERT INTO fk_child VALUES (10, 1, 'a'), (11, 2, NULL), (12, NULL, 'b')",
  "ALTER TABLE fk_parent ALTER COLUMN id TYPE bigint",
  "ALTER TABLE fk_child ALTER COLUMN pid TYPE bigint",
  "INSERT INTO fk_child VALUES (13, 3, NULL)",
  "INSERT INTO fk_child VALUES (13, 2, 'a')",
  "DELETE FROM fk_parent WHERE id = 1",
  "ALTER TABLE fk_child ALTER COLUMN pid TYPE text",
  "ALTER TABLE fk_parent ALTER COLUMN id TYPE text",
  "ALTER TABLE fk_child ALTER COLUMN pcode TYPE text",
  "ALTER TABLE fk_parent ALTER COLUMN code TYPE varchar(20)",
  "INSERT INTO fk_child VALUES (14, 2, 'zz')",
  "SELECT c.id, c.pid, p.code FROM fk_child c JOIN fk_parent p ON p.id = c.pid ORDER BY c.id",
  "SELECT pg_typeof(pid)::text, pg_typeof(pcode)::text FROM fk_child LIMIT 1",
  "CREATE TABLE fk_bad (x text REFERENCES fk_parent (id))",
  "CREATE TABLE fk_bad (x numeric REFERENCES fk_parent (id))",
];

/** pg_depend's rows for owned sequences and indexes (what Rails and psql look up), and pg_tablespace_location. */
const dependSteps: readonly Step[] = [
  "CREATE TABLE deps (id serial PRIMARY KEY, a int, b int, c int GENERATED ALWAYS AS IDENTITY)",
  "CREATE INDEX deps_ab ON deps (a, b)",
  "CREATE SEQUENCE loose",
  "CREATE SEQUENCE attached OWNED BY deps.b",
  "SELECT objid::regclass::text, refobjid::regclass::text, refobjsubid, deptype::text FROM pg_depend WHERE classid = 'pg_class'::regclass AND refclassid = 'pg_class'::regclass AND objid >= 16384 ORDER BY 1, 3",
  "SELECT pg_get_serial_sequence('deps', 'id'), pg_get_serial_sequence('deps', 'c')",
  "SELECT spcname, pg_tablespace_location(oid) FROM pg_tablespace ORDER BY 1",
  "DROP TABLE deps",
  "SELECT relname FROM pg_class WHERE relname IN ('loose', 'attached', 'deps_id_seq') ORDER BY 1",
];

const savepointSteps: readonly Step[] = [
  "CREATE TABLE tx (id int PRIMARY KEY, v text)",
  "BEGIN",
  "INSERT INTO tx VALUES (1, 'a')",
  "SAVEPOINT s1",
  "INSERT INTO tx VALUES (2, 'b')",
  "INSERT INTO tx VALUES (1, 'duplicate')",
  "SELECT * FROM tx",
  "COMMIT",
  "SELECT * FROM tx ORDER BY id",
  "BEGIN",
  "INSERT INTO tx VALUES (1, 'a')",
  "SAVEPOINT s1",
  "INSERT INTO tx VALUES (2, 'b')",
  "INSERT INTO tx VALUES (1, 'duplicate')",
  "ROLLBACK TO SAVEPOINT s1",
  "SELECT * FROM tx ORDER BY id",
  "INSERT INTO tx VALUES (3, 'c')",
  "SAVEPOINT s2",
  "UPDATE tx SET v = 'changed' WHERE id = 1",
  "SAVEPOINT s3",
  "DELETE FROM tx",
  "ROLLBACK TO s2",
  "SELECT * FROM tx ORDER BY id",
  "ROLLBACK TO s3",
  "ROLLBACK",
  "SELECT * FROM tx ORDER BY id",
  "BEGIN",
  "INSERT INTO tx VALUES (1, 'a')",
  "SAVEPOINT s1",
  "INSERT INTO tx VALUES (2, 'b')",
  "SAVEPOINT s2",
  "INSERT INTO tx VALUES (3, 'c')",
  "ROLLBACK TO s1",
  "ROLLBACK TO s2",
  "ROLLBACK TO s1",
  "INSERT INTO tx VALUES (3, 'c')",
  "RELEASE SAVEPOINT s1",
  "ROLLBACK TO s1",
  "ROLLBACK",
  "BEGIN",
  "INSERT INTO tx VALUES (1, 'a')",
  "SAVEPOINT s1",
  "INSERT INTO tx VALUES (3, 'c')",
  "RELEASE SAVEPOINT s1",
  "COMMIT",
  "SELECT * FROM tx ORDER BY id",
  "BEGIN",
  "UPDATE tx SET v = 'in a rolled back block'",
  "ROLLBACK",
  "SELECT * FROM tx ORDER BY id",
  "BEGIN",
  "BEGIN",
  "SAVEPOINT a",
  "INSERT INTO tx VALUES (4, 'd')",
  "SAVEPOINT a",
  "INSERT INTO tx VALUES (5, 'e')",
  "ROLLBACK TO a",
  "SELECT * FROM tx ORDER BY id",
  "RELEASE a",
  "SELECT * FROM tx ORDER BY id",
  "ROLLBACK TO a",
  "END",
  "SELECT * FROM tx ORDER BY id",
];

/** PostgreSQL aborts the block on any error, a missing savepoint's included: then only ROLLBACK (TO) is accepted. */
const missingSavepointSteps: readonly Step[] = [
  "CREATE TABLE tx (id int PRIMARY KEY, v text)",
  "BEGIN",
  "INSERT INTO tx VALUES (1, 'a')",
  "ROLLBACK TO SAVEPOINT nosuch",
  "SELECT * FROM tx",
  "COMMIT",
  "SELECT * FROM tx",
  "BEGIN",
  "INSERT INTO tx VALUES (2, 'b')",
  "RELEASE SAVEPOINT nosuch",
  "INSERT INTO tx VALUES (3, 'c')",
  "COMMIT",
  "SELECT * FROM tx",
  "BEGIN",
  "SELECT 1/0",
  "ROLLBACK TO SAVEPOINT nosuch",
  "ROLLBACK",
];

const implicitTransactionSteps: readonly Step[] = [
  "CREATE TABLE tx (id int PRIMARY KEY, v text)",
  "INSERT INTO tx VALUES (1, 'a')",
  // A statement string is one implicit transaction: an error undoes its earlier statements.
  "INSERT INTO tx VALUES (10, 'x'); INSERT INTO tx VALUES (10, 'y')",
  "SELECT count(*) FROM tx WHERE id = 10",
  "INSERT INTO tx VALUES (11, 'x'); UPDATE tx SET v = 'y' WHERE id = 11 RETURNING *",
  // BEGIN inside a string starts a block that outlives it.
  "BEGIN; INSERT INTO tx VALUES (12, 'in block')",
  "SELECT * FROM tx WHERE id >= 10 ORDER BY id",
  "ROLLBACK",
  "SELECT * FROM tx WHERE id >= 10 ORDER BY id",
  "COMMIT",
  "ROLLBACK",
  "SAVEPOINT outside",
  "RELEASE SAVEPOINT outside",
  "ROLLBACK TO SAVEPOINT outside",
  "SELECT * FROM tx ORDER BY id",
];

const transactionalDdlSteps: readonly Step[] = [
  "CREATE TABLE tx (id int PRIMARY KEY, v text)",
  "INSERT INTO tx VALUES (1, 'a')",
  "BEGIN",
  "CREATE TABLE tx2 (id int PRIMARY KEY)",
  "INSERT INTO tx2 VALUES (1)",
  "SAVEPOINT before_index",
  "CREATE UNIQUE INDEX tx_v ON tx (v)",
  "ROLLBACK TO before_index",
  "INSERT INTO tx VALUES (20, 'x')",
  "ROLLBACK",
  "SELECT * FROM tx2",
  "SELECT * FROM tx ORDER BY id",
];

/** BEGIN's spellings and modes; START TRANSACTION's tag is `START TRANSACTION`. */
const beginFormSteps: readonly Step[] = [
  "CREATE TABLE tx (id int PRIMARY KEY, v text)",
  "BEGIN ISOLATION LEVEL REPEATABLE READ",
  "SELECT count(*) FROM tx",
  "COMMIT",
  "BEGIN TRANSACTION READ ONLY",
  "INSERT INTO tx VALUES (30, 'read only')",
  "ROLLBACK",
  "BEGIN WORK",
  "COMMIT WORK",
  "START TRANSACTION",
  "INSERT INTO tx VALUES (31, 'started')",
  "COMMIT",
  "START TRANSACTION ISOLATION LEVEL SERIALIZABLE, READ ONLY",
  "SELECT * FROM tx",
  "ABORT",
];

/**
 * Read-only transactions: DDL and SELECT … FOR UPDATE are refused before they are analysed
 * (25006, also for a missing table), SET TRANSACTION READ ONLY applies at any point and a
 * ROLLBACK TO an earlier savepoint undoes it, READ WRITE after a query is refused (25001), and
 * VACUUM refuses to run in a transaction block.
 */
const readOnlySteps: readonly Step[] = [
  "CREATE TABLE ro (id int PRIMARY KEY, v int)",
  "INSERT INTO ro VALUES (1, 1)",
  "BEGIN READ ONLY",
  "CREATE TABLE ro2 (id int)",
  "ROLLBACK",
  "BEGIN READ ONLY",
  "DROP TABLE nosuch",
  "ROLLBACK",
  "BEGIN READ ONLY",
  "SELECT * FROM ro WHERE id = 99 FOR UPDATE",
  "ROLLBACK",
  "BEGIN READ ONLY",
  "CREATE INDEX ON ro (v)",
  "ROLLBACK",
  "BEGIN READ ONLY",
  "TRUNCATE ro",
  "ROLLBACK",
  "BEGIN READ ONLY",
  "ANALYZE ro",
  "SELECT count(*) FROM ro",
  "COMMIT",
  "BEGIN",
  "INSERT INTO ro VALUES (2, 2)",
  "SAVEPOINT s",
  "SET TRANSACTION READ ONLY",
  "INSERT INTO ro VALUES (3, 3)",
  "ROLLBACK TO s",
  "INSERT INTO ro VALUES (4, 4)",
  "SET TRANSACTION READ ONLY",
  "UPDATE ro SET v = 0",
  "ROLLBACK TO s",
  "SHOW transaction_read_only",
  "COMMIT",
  "SELECT * FROM ro ORDER BY id",
  "BEGIN",
  "SELECT 1",
  "SET TRANSACTION READ ONLY",
  "SHOW transaction_read_only",
  "SET TRANSACTION READ WRITE",
  "ROLLBACK",
  "BEGIN",
  "VACUUM ro",
  "ROLLBACK",
  "VACUUM ro",
];

const alterSteps: readonly Step[] = [
  "CREATE TABLE alt (id int PRIMARY KEY, a text)",
  "INSERT INTO alt VALUES (1, 'x'), (2, NULL)",
  "ALTER TABLE alt ADD COLUMN b int4 DEFAULT 7",
  "ALTER TABLE alt ADD COLUMN c text NOT NULL DEFAULT 'dflt'",
  "ALTER TABLE alt ADD COLUMN d timestamptz",
  "ALTER TABLE alt ADD COLUMN e int NOT NULL",
  "ALTER TABLE alt ADD COLUMN a text",
  "ALTER TABLE alt ADD COLUMN IF NOT EXISTS a text",
  "SELECT * FROM alt ORDER BY id",
  "INSERT INTO alt (id) VALUES (3)",
  "INSERT INTO alt (id, b, c, d) VALUES (4, NULL, 'given', '2024-05-06 07:08:09+02')",
  "SELECT * FROM alt ORDER BY id",
  "UPDATE alt SET b = b + 1 WHERE id = 1 RETURNING *",
  "SELECT id FROM alt WHERE b = 7 ORDER BY id",
  "SELECT id FROM alt WHERE c = 'dflt' ORDER BY id",
  "ALTER TABLE alt ADD COLUMN f numeric DEFAULT 1.50",
  "ALTER TABLE alt ADD COLUMN g int DEFAULT 0 CHECK (g > 0)",
  "ALTER TABLE alt ADD COLUMN g int DEFAULT 1 CHECK (g > 0)",
  "UPDATE alt SET g = 0 WHERE id = 2",
  "ALTER TABLE alt ADD COLUMN h varchar(3) DEFAULT 'abcd'",
  "ALTER TABLE alt ADD COLUMN i bool DEFAULT (1 > 0)",
  "CREATE INDEX alt_b ON alt (b)",
  "SELECT id, b FROM alt WHERE b >= 7 ORDER BY b, id",
  "BEGIN",
  "ALTER TABLE alt ADD COLUMN j int DEFAULT 9",
  "SELECT id, j FROM alt ORDER BY id",
  "ROLLBACK",
  "SELECT * FROM alt ORDER BY id",
  "ALTER TABLE nosuch ADD COLUMN x int",
];

const dropColumnSteps: readonly Step[] = [
  "CREATE TABLE alt (id int PRIMARY KEY, a text, b int DEFAULT 3)",
  "INSERT INTO alt VALUES (1, 'x', 1), (2, NULL, 2)",
  "ALTER TABLE alt DROP COLUMN a",
  "SELECT * FROM alt ORDER BY id",
  "INSERT INTO alt VALUES (3) RETURNING *",
  "ALTER TABLE alt ADD COLUMN a text DEFAULT 'new'",
  "SELECT * FROM alt ORDER BY id",
  "ALTER TABLE alt DROP COLUMN id",
  "ALTER TABLE alt DROP COLUMN nope",
];

const indexSteps: readonly Step[] = [
  "CREATE TABLE ev (id int8 PRIMARY KEY, kind text, score float8, at timestamp, day date)",
  "INSERT INTO ev SELECT g, 'k' || (g % 7), (g * 37 % 101)::float8 / 4, timestamp '2024-01-01' + g * interval '1 hour', date '2024-01-01' + (g % 30) FROM generate_series(1, 300) AS g",
  "CREATE INDEX ev_kind ON ev (kind)",
  "CREATE INDEX ev_score ON ev (score)",
  "CREATE UNIQUE INDEX ev_at ON ev (at)",
  "CREATE INDEX ev_kind_day ON ev (kind, day)",
  "CREATE INDEX ev_kind ON ev (day)",
  "CREATE INDEX IF NOT EXISTS ev_kind ON ev (day)",
  "SELECT id FROM ev WHERE kind = 'k3' ORDER BY id",
  "SELECT id, score FROM ev WHERE score > 20 AND score <= 22 ORDER BY score, id",
  "SELECT id, score FROM ev WHERE score BETWEEN 5 AND 6 ORDER BY score DESC, id",
  "SELECT id, at FROM ev WHERE at >= '2024-01-05' AND at < '2024-01-05 05:00' ORDER BY at",
  "SELECT id, at FROM ev ORDER BY at DESC LIMIT 5",
  "SELECT id, score FROM ev ORDER BY score, id LIMIT 5",
  "SELECT id FROM ev WHERE at = '2024-01-02 03:00'",
  "SELECT kind, day, count(*) FROM ev WHERE kind = 'k1' AND day >= '2024-01-10' GROUP BY kind, day ORDER BY day",
  "SELECT id FROM ev WHERE kind = 'k2' AND day = '2024-01-03' ORDER BY id",
  "SELECT id FROM ev WHERE kind > 'k5' AND id < 20 ORDER BY id",
  "INSERT INTO ev VALUES (1000, 'k1', 1, '2024-01-01 01:00', '2024-01-01')",
  "INSERT INTO ev VALUES (1000, 'k1', 1, '2024-01-01 01:00:00.5', '2024-01-01')",
  "UPDATE ev SET kind = 'moved' WHERE kind = 'k3' AND id < 50",
  "SELECT id FROM ev WHERE kind = 'k3' ORDER BY id LIMIT 5",
  "SELECT id FROM ev WHERE kind = 'moved' ORDER BY id",
  "UPDATE ev SET at = at + interval '1 hour' WHERE id = 10",
  "UPDATE ev SET at = at + interval '1 hour' WHERE id = 299",
  "UPDATE ev SET at = NULL WHERE id IN (298, 299) RETURNING id, at",
  "SELECT id, at FROM ev WHERE at IS NULL ORDER BY id",
  "DELETE FROM ev WHERE score < 3 RETURNING id, score",
  "SELECT count(*) FROM ev WHERE score < 3",
  "SELECT count(*), min(score), max(score) FROM ev",
  "SELECT id FROM ev WHERE kind IN ('k2', 'k4') AND id > 280 ORDER BY id",
  "CREATE UNIQUE INDEX ev_kind_unique ON ev (kind)",
  "CREATE INDEX ON ev (day)",
  "SELECT id FROM ev WHERE day = '2024-01-02' ORDER BY id",
  "INSERT INTO ev (id) VALUES (2000), (2001)",
  "SELECT id FROM ev WHERE kind IS NULL ORDER BY id",
  "SELECT id, kind FROM ev ORDER BY kind NULLS FIRST, id LIMIT 3",
  "SELECT id, kind FROM ev ORDER BY kind DESC, id LIMIT 3",
  "DROP INDEX ev_score",
  "SELECT id, score FROM ev WHERE score > 24 ORDER BY score, id",
  "CREATE INDEX ev_nosuch ON ev (nosuch)",
];

const compositeKeySteps: readonly Step[] = [
  "CREATE TABLE ck (a int, b text, c date, v numeric, PRIMARY KEY (a, b))",
  "INSERT INTO ck VALUES (1, 'x', '2024-01-01', 1), (1, 'y', '2024-01-02', 2), (2, 'x', '2024-01-03', 3), (-5, 'z', NULL, NULL), (1, '', '2024-01-04', 4)",
  "INSERT INTO ck VALUES (1, 'x', '2025-01-01', 9)",
  "INSERT INTO ck VALUES (1, NULL, '2025-01-01', 9)",
  "INSERT INTO ck VALUES (3, 'x', '2024-01-05', 5), (3, 'x', '2024-01-06', 6)",
  "SELECT * FROM ck ORDER BY a, b",
  "SELECT * FROM ck WHERE a = 1 ORDER BY b",
  "SELECT * FROM ck WHERE a = 1 AND b > 'x' ORDER BY b",
  "SELECT * FROM ck WHERE a = 1 AND b = 'y'",
  "SELECT a, b FROM ck WHERE a >= 1 ORDER BY a DESC, b DESC",
  "UPDATE ck SET b = 'y' WHERE a = 1 AND b = 'x'",
  "UPDATE ck SET a = 2 WHERE a = 1 AND b = 'y' RETURNING *",
  "UPDATE ck SET b = b || '2' WHERE a = 1 RETURNING a, b",
  "CREATE TABLE ck_child (id int PRIMARY KEY, a int, b text, FOREIGN KEY (a, b) REFERENCES ck (a, b) ON DELETE CASCADE)",
  "INSERT INTO ck_child VALUES (1, 2, 'y'), (2, 2, 'x'), (3, NULL, 'nope')",
  "INSERT INTO ck_child VALUES (4, 2, 'nope')",
  "DELETE FROM ck WHERE a = 2 AND b = 'y'",
  "SELECT * FROM ck_child ORDER BY id",
  "CREATE TABLE ck_unique (id int PRIMARY KEY, x int, y text, UNIQUE (x, y))",
  "INSERT INTO ck_unique VALUES (1, 1, 'a'), (2, 1, 'b'), (3, 1, NULL), (4, 1, NULL), (5, NULL, NULL)",
  "INSERT INTO ck_unique VALUES (6, 1, 'a')",
  "UPDATE ck_unique SET y = 'a' WHERE id = 2",
  "SELECT * FROM ck_unique WHERE x = 1 ORDER BY y NULLS FIRST, id",
  "CREATE TABLE ck3 (a int2, b int8, c bool, d text, PRIMARY KEY (c, a, b))",
  "INSERT INTO ck3 VALUES (1, 10, true, 'a'), (1, 10, false, 'b'), (-1, 10, true, 'c'), (1, -10, true, 'd'), (32767, 9223372036854775807, false, 'e'), (-32768, -9223372036854775808, false, 'f')",
  "INSERT INTO ck3 VALUES (1, 10, true, 'dup')",
  "SELECT * FROM ck3 ORDER BY c, a, b",
  "SELECT d FROM ck3 WHERE c AND a = 1 ORDER BY b",
  "SELECT d FROM ck3 WHERE c = false AND a < 0 ORDER BY a, b",
];

/** A key type, its column type, and values in increasing order with equal-but-distinct spellings. */
interface KeyType {
  readonly name: string;
  readonly type: string;
  /** SQL literals, ascending; duplicates (by value) are listed separately. */
  readonly values: readonly string[];
  /** Literals equal to some value in `values` (23505 as keys). */
  readonly duplicates: readonly string[];
}

const keyTypes: readonly KeyType[] = [
  { name: "int2", type: "int2", values: ["-32768", "-1", "0", "1", "255", "256", "32767"], duplicates: ["'1'", "1.0"] },
  { name: "int4", type: "int4", values: ["-2147483648", "-65536", "-1", "0", "1", "65535", "2147483647"], duplicates: ["'0'"] },
  {
    name: "int8",
    type: "int8",
    values: ["-9223372036854775808", "-4294967296", "-1", "0", "1", "2147483648", "9223372036854775807"],
    duplicates: ["'-1'"],
  },
  {
    name: "numeric",
    type: "numeric",
    values: ["'-Infinity'", "-1e20", "-1.5", "-0.001", "0", "0.0000001", "1", "1.25", "99999999999999999999.5", "'Infinity'", "'NaN'"],
    duplicates: ["1.0", "1.00", "-0.000", "1.250"],
  },
  { name: "float8", type: "float8", values: ["'-Infinity'", "-1e308", "-1.5", "-5e-324", "0", "1e-10", "0.1", "1", "1.7976931348623157e308", "'Infinity'", "'NaN'"], duplicates: ["'-0'", "1.0", "'nan'"] },
  {
    name: "text",
    type: "text",
    values: ["''", "' '", "'A'", "'B'", "'a'", "'a '", "'ab'", "'b'", "'z'", "'é'", "'\u{FFFD}'", "'😀'"],
    duplicates: ["'a' || 'b'", "E'\\u00e9'"],
  },
  { name: "varchar", type: "varchar(8)", values: ["''", "'0'", "'Zz'", "'aa'", "'abcdefgh'", "'ä'"], duplicates: ["'aa'::text"] },
  { name: "bool", type: "bool", values: ["false", "true"], duplicates: ["'t'", "'no'"] },
  { name: "date", type: "date", values: ["'4713-01-01 BC'", "'0001-12-31 BC'", "'1970-01-01'", "'1999-12-31'", "'2000-01-01'", "'2024-02-29'", "'5874897-12-31'", "'infinity'"], duplicates: ["'19700101'", "'-infinity'"] },
  {
    name: "timestamp",
    type: "timestamp",
    values: ["'-infinity'", "'1900-01-01 00:00'", "'1999-12-31 23:59:59.999999'", "'2000-01-01'", "'2000-01-01 00:00:00.000001'", "'2024-03-10 12:30'", "'infinity'"],
    duplicates: ["'2000-01-01 00:00:00.000000'", "'2024-03-10T12:30:00'"],
  },
  {
    name: "timestamptz",
    type: "timestamptz",
    values: ["'-infinity'", "'1969-12-31 23:59:59+00'", "'2000-01-01 00:00:00+01'", "'2000-01-01 00:00:00+00'", "'2024-03-10 12:30:00.5-05'", "'infinity'"],
    duplicates: ["'1999-12-31 23:00:00+00'", "'2024-03-10 17:30:00.5Z'"],
  },
  {
    name: "uuid",
    type: "uuid",
    values: ["'00000000-0000-0000-0000-000000000000'", "'0000000f-0000-0000-0000-000000000000'", "'7fffffff-ffff-ffff-ffff-ffffffffffff'", "'80000000-0000-0000-0000-000000000000'", "'ffffffff-ffff-ffff-ffff-ffffffffffff'"],
    duplicates: ["'{7FFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF}'", "'00000000000000000000000000000000'"],
  },
  { name: "bytea", type: "bytea", values: ["'\\x'", "'\\x00'", "'\\x0000'", "'\\x0001'", "'\\x01'", "'\\x7f'", "'\\x80'", "'\\xff'", "'\\xff00'"], duplicates: ["'\\000'", "'\\x7F'", "E'\\\\x80'::text::bytea"] },
];

function keyTypeSteps(key: KeyType): Step[] {
  const table = `k_${key.name}`;
  // Inserted in a scrambled order so that the key order is the index's work, not the input's.
  const scrambled = key.values.map((value, index) => ({ value, rank: (index * 7 + 3) % key.values.length })).sort((x, y) => x.rank - y.rank);
  const middle = key.values[Math.floor(key.values.length / 2)] ?? "NULL";
  const first = key.values[0] ?? "NULL";
  return [
    `CREATE TABLE ${table} (k ${key.type} PRIMARY KEY, pos int NOT NULL, u ${key.type} UNIQUE)`,
    ...scrambled.map(({ value }) => `INSERT INTO ${table} VALUES (${value}, ${key.values.indexOf(value)}, ${value})`),
    `SELECT k, pos FROM ${table} ORDER BY k`,
    `SELECT k, pos FROM ${table} ORDER BY k DESC`,
    `SELECT u, pos FROM ${table} ORDER BY u`,
    `SELECT pos FROM ${table} WHERE k = ${middle}`,
    `SELECT pos FROM ${table} WHERE u = ${middle}`,
    `SELECT pos FROM ${table} WHERE k > ${middle} ORDER BY k`,
    `SELECT pos FROM ${table} WHERE k <= ${middle} ORDER BY k DESC`,
    `SELECT pos FROM ${table} WHERE u >= ${middle} ORDER BY u`,
    `SELECT pos FROM ${table} WHERE k > ${first} AND k < ${middle} ORDER BY k`,
    ...key.duplicates.map((value) => `INSERT INTO ${table} VALUES (${value}, -1, NULL)`),
    ...key.duplicates.map((value) => `UPDATE ${table} SET u = ${value} WHERE pos = 0`),
    ...key.duplicates.map((value) => `SELECT pos FROM ${table} WHERE k = ${value}`),
    `INSERT INTO ${table} VALUES (NULL, -3, NULL)`,
    `UPDATE ${table} SET u = NULL WHERE k = ${middle} RETURNING pos, u`,
    `UPDATE ${table} SET k = ${first} WHERE k = ${middle}`,
    `DELETE FROM ${table} WHERE k = ${first} RETURNING pos`,
    `SELECT k, pos, u FROM ${table} ORDER BY k`,
  ];
}

const columnTypeSteps: readonly Step[] = [
  "CREATE TABLE typed (id int PRIMARY KEY, i2 int2, i4 int4, i8 int8, n numeric(12,3), nn numeric, f8 float8, f4 float4, t text, vc varchar(5), ch char(3), b bool, d date, ts timestamp, tz timestamptz, u uuid, by bytea, j jsonb, js json, iv interval)",
  `INSERT INTO typed VALUES
    (1, 1, 2, 3, 1.5, 1.50, 0.1, 0.1, 'text', 'vc', 'a', true, '2024-01-02', '2024-01-02 03:04:05.123456', '2024-01-02 03:04:05.678+03', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '\\xdeadbeef', '{"b": 1, "a": [1, 2.50, {"c": null}], "aa": "x"}', '{"b": 1,  "a": 2}', '1 day 2 hours'),
    (2, -32768, -2147483648, -9223372036854775808, -123456789.0005, 1e-20, -1e300, 3.4e38, '', '', '', false, 'infinity', '-infinity', 'infinity', '00000000-0000-0000-0000-000000000000', '\\x', '[]', 'null', '-1 mon 3 days -00:00:01'),
    (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
  "INSERT INTO typed (id, n) VALUES (4, 123456789.9999)",
  "INSERT INTO typed (id, n) VALUES (4, 12345.67891) RETURNING n",
  "INSERT INTO typed (id, vc) VALUES (5, 'toolong')",
  "INSERT INTO typed (id, vc, ch) VALUES (5, 'ok   ', 'ab') RETURNING vc, ch, length(ch)",
  "INSERT INTO typed (id, j) VALUES (6, '{bad json')",
  "INSERT INTO typed (id, u) VALUES (6, 'not-a-uuid')",
  "INSERT INTO typed (id, i2) VALUES (6, 32768)",
  "INSERT INTO typed (id, d) VALUES (6, '2024-02-30')",
  "INSERT INTO typed (id, f8, f4) VALUES (6, 'NaN', '-Infinity') RETURNING f8, f4",
  "SELECT * FROM typed ORDER BY id",
  "SELECT id, j -> 'a', j ->> 'aa', j @> '{\"b\": 1}' FROM typed WHERE j IS NOT NULL ORDER BY id",
  "UPDATE typed SET j = j || '{\"new\": true}', by = '\\xdeadbeef00', iv = iv * 2, tz = tz + interval '1 day' WHERE id = 1 RETURNING j, by, iv, tz",
  "UPDATE typed SET n = n / 3, nn = nn * 2, f8 = f8 / 3, ts = ts + interval '1 ms' WHERE id IN (1, 2) RETURNING id, n, nn, f8, ts",
  "SELECT id FROM typed WHERE j = '{\"aa\": \"x\", \"b\": 1, \"a\": [1, 2.5, {\"c\": null}], \"new\": true}'",
  "SELECT * FROM typed ORDER BY id",
];

/** A column's typmod rounds datetimes on assignment and casts, as it does numerics. */
const datetimeTypmodSteps: readonly Step[] = [
  "CREATE TABLE tm (id int PRIMARY KEY, ts timestamp(3), tz timestamptz(0), iv interval(0), n numeric(5,1))",
  "INSERT INTO tm VALUES (1, '2024-01-02 03:04:05.123456', '2024-01-02 03:04:05.6+00', '1 second 0.7 ms', 1.26) RETURNING *",
  "UPDATE tm SET ts = ts + interval '0.0005 s' WHERE id = 1 RETURNING ts",
  "SELECT '2024-01-02 03:04:05.123456'::timestamp(3), '2024-01-02 03:04:05.5+00'::timestamptz(0), '1.5 s'::interval(0)",
  "SELECT * FROM tm ORDER BY id",
];

const byteaConcatSteps: readonly Step[] = [
  "SELECT '\\xab'::bytea || '\\x00'::bytea",
  "SELECT '\\xab'::bytea || '\\x00'",
  "CREATE TABLE b (id int PRIMARY KEY, by bytea)",
  "INSERT INTO b VALUES (1, '\\xab')",
  "UPDATE b SET by = by || '\\x00' RETURNING by",
];

/** Index-provided order: NULLs in a secondary index, both directions, equality prefixes, LIMIT. */
const indexOrderSteps: readonly Step[] = [
  "CREATE TABLE io (id int PRIMARY KEY, g int, t text, n numeric)",
  "CREATE INDEX io_g_t ON io (g, t)",
  "CREATE INDEX io_n ON io (n)",
  "INSERT INTO io VALUES (5, 1, 'b', 2.5), (1, NULL, 'a', NULL), (3, 1, NULL, -1), (2, 2, 'a', 10), (4, 1, 'a', 2.75), (6, NULL, NULL, 0), (7, 2, 'Z', NULL)",
  "SELECT id FROM io ORDER BY id LIMIT 3",
  "SELECT id FROM io ORDER BY id DESC LIMIT 3 OFFSET 1",
  "SELECT g, t FROM io ORDER BY g, t",
  "SELECT g, t FROM io ORDER BY g DESC, t DESC",
  "SELECT t FROM io WHERE g = 1 ORDER BY t",
  "SELECT t FROM io WHERE g = 1 ORDER BY g DESC, t DESC",
  "SELECT g, t FROM io ORDER BY g NULLS FIRST, t",
  "SELECT g, t FROM io ORDER BY g DESC NULLS LAST, t DESC NULLS LAST",
  "SELECT n::text FROM io ORDER BY n DESC",
  "SELECT n::text FROM io WHERE n > 0 ORDER BY n",
  "SELECT id, n FROM io WHERE n IS NOT NULL ORDER BY id",
];

/** GROUP BY over a primary-key prefix or an index's next columns: streamed (GroupAggregate). */
const groupOrderSteps: readonly Step[] = [
  "CREATE TABLE gk (a int, b text, c numeric, v int, PRIMARY KEY (a, b))",
  "CREATE INDEX gk_v_c ON gk (v, c)",
  "INSERT INTO gk VALUES (2, 'b', 1.5, 1), (1, 'a', NULL, 2), (2, 'a', 2.50, 1), (3, 'c', 1.50, NULL), (1, 'c', -1, 2), (2, 'c', 1.5, 1), (4, 'a', NULL, NULL)",
  "SELECT a, count(*), sum(v), string_agg(b, ',' ORDER BY b DESC), max(c) FROM gk GROUP BY a ORDER BY a",
  "SELECT b, a, count(*), min(c) FROM gk GROUP BY b, a ORDER BY 1, 2",
  "SELECT a, count(DISTINCT c) FROM gk WHERE a = 2 GROUP BY a",
  "SELECT a, count(*) FROM gk WHERE b > 'a' GROUP BY a HAVING count(*) > 1 ORDER BY a",
  "SELECT c, count(*), sum(a) FROM gk WHERE v = 1 GROUP BY c ORDER BY c",
  "SELECT a, grouping(a), count(*) FROM gk GROUP BY ROLLUP (a) ORDER BY 1",
  "SELECT a, count(*) FROM gk WHERE a > 9 GROUP BY a",
  "SELECT a, count(*) FROM gk GROUP BY a ORDER BY a DESC",
  "SELECT b, sum(v) FROM gk WHERE a = 2 GROUP BY b ORDER BY b DESC",
  "SELECT a * 10 AS x, count(*) FROM gk GROUP BY a ORDER BY a",
];

/** SELECT … FOR UPDATE / SHARE over one table and over joins: rows, LIMIT/OFFSET after locking, and errors. */
const rowLockSteps: readonly Step[] = [
  "CREATE TABLE fu (id int PRIMARY KEY, v int, t text)",
  "INSERT INTO fu VALUES (1, 10, 'a'), (2, 20, 'b'), (3, 30, 'c'), (4, 40, 'd')",
  "SELECT * FROM fu WHERE id = 2 FOR UPDATE",
  "SELECT v, t FROM fu WHERE v > 15 ORDER BY v DESC FOR SHARE",
  "SELECT id FROM fu ORDER BY id LIMIT 2 OFFSET 1 FOR UPDATE",
  "SELECT id FROM fu f WHERE f.v < 35 ORDER BY id FOR NO KEY UPDATE OF f NOWAIT",
  "SELECT id FROM fu ORDER BY id FOR KEY SHARE SKIP LOCKED",
  "SELECT id, v * 2 AS dbl FROM fu WHERE id IN (1, 3) ORDER BY dbl DESC FOR UPDATE",
  "SELECT id FROM fu ORDER BY id LIMIT 0 FOR UPDATE",
  "SELECT id FROM fu ORDER BY id OFFSET 3 FOR UPDATE",
  "SELECT id FROM fu ORDER BY id LIMIT '2' OFFSET NULL FOR UPDATE",
  "SELECT id FROM fu ORDER BY id LIMIT NULL OFFSET -1 FOR UPDATE",
  "SELECT count(*) FROM fu FOR UPDATE",
  "SELECT DISTINCT v FROM fu FOR UPDATE",
  "SELECT v FROM fu GROUP BY v FOR UPDATE",
  "SELECT id FROM fu FOR UPDATE OF nosuch",
  "SELECT id FROM fu ORDER BY id LIMIT -1 FOR UPDATE",
  // Over joins: every table's rows, or those OF names; not the nullable side of an outer join.
  "CREATE TABLE fo (oid int PRIMARY KEY, fu_id int, qty int)",
  "INSERT INTO fo VALUES (10, 1, 5), (11, 1, 7), (12, 3, 1)",
  "SELECT f.id, o.oid, o.qty FROM fu f JOIN fo o ON o.fu_id = f.id ORDER BY o.oid FOR UPDATE",
  "SELECT f.id, o.oid FROM fu f, fo o WHERE o.fu_id = f.id AND o.qty > 4 ORDER BY o.oid FOR SHARE OF o",
  "SELECT f.id, o.oid FROM fu f JOIN fo o ON o.fu_id = f.id ORDER BY o.oid LIMIT 1 OFFSET 1 FOR UPDATE OF f, o",
  "SELECT f.id, o.oid FROM fu f JOIN fo o ON o.fu_id = f.id ORDER BY o.oid FOR UPDATE OF f FOR SHARE OF o",
  "SELECT f.id, o.oid FROM fu f LEFT JOIN fo o ON o.fu_id = f.id ORDER BY f.id, o.oid FOR UPDATE OF f",
  "SELECT f.id, o.oid FROM fu f LEFT JOIN fo o ON o.fu_id = f.id ORDER BY f.id, o.oid FOR UPDATE",
  "SELECT f.id, o.oid FROM fu f LEFT JOIN fo o ON o.fu_id = f.id FOR UPDATE OF o",
  "SELECT f.id FROM fu f JOIN fo o ON o.fu_id = f.id FOR UPDATE OF nosuch",
  "BEGIN",
  "SELECT * FROM fu WHERE id = 1 FOR UPDATE",
  "UPDATE fu SET v = v + 1 WHERE id = 1",
  "SELECT * FROM fu WHERE id = 1 FOR UPDATE",
  "COMMIT",
  "SELECT * FROM fu ORDER BY id",
  // IN lists through the primary key (one lookup per distinct non-NULL item).
  "SELECT id, v FROM fu WHERE id IN (4, 1, 4, NULL, 99) ORDER BY id",
  "SELECT id FROM fu WHERE id IN (2, 3) AND v > 20",
  "SELECT count(*) FROM fu WHERE id NOT IN (1, 2)",
  "UPDATE fu SET v = v * 2 WHERE id IN (1, 3) RETURNING id, v",
  "DELETE FROM fu WHERE id IN (2, 4, NULL) RETURNING id",
  "SELECT * FROM fu ORDER BY id",
];

/** Joins that look one side up through an index once per row of the other (index nested loop). */
const indexJoinSteps: readonly Step[] = [
  "CREATE TABLE cu (id int PRIMARY KEY, name text)",
  "INSERT INTO cu SELECT g, 'c' || g FROM generate_series(1, 2000) g",
  "CREATE TABLE od (id int PRIMARY KEY, cu_id int, amount int)",
  "CREATE INDEX od_cu ON od (cu_id)",
  "INSERT INTO od SELECT g, CASE WHEN g % 97 = 0 THEN NULL ELSE g % 2100 END, g FROM generate_series(1, 3000) g",
  "ANALYZE cu",
  "ANALYZE od",
  "SELECT o.id, c.name FROM od o JOIN cu c ON c.id = o.cu_id WHERE o.id IN (5, 97, 2050, 2999) ORDER BY o.id",
  "SELECT o.id, c.name FROM od o LEFT JOIN cu c ON c.id = o.cu_id WHERE o.id IN (5, 97, 2050, 2999) ORDER BY o.id",
  "SELECT c.id, count(o.id), sum(o.amount) FROM cu c LEFT JOIN od o ON o.cu_id = c.id WHERE c.id < 4 GROUP BY c.id ORDER BY c.id",
  "SELECT c.name, o.amount FROM cu c JOIN od o ON o.cu_id = c.id AND o.amount > 1000 WHERE c.id = 7 ORDER BY 2",
  "SELECT count(*) FROM od o JOIN cu c ON c.id = o.cu_id",
];

const nullSteps: readonly Step[] = [
  "CREATE TABLE nl (id int PRIMARY KEY, u int UNIQUE, v text, w int NOT NULL DEFAULT 0, x int CHECK (x > 0))",
  "CREATE INDEX nl_v ON nl (v)",
  "INSERT INTO nl (id, u, v, x) VALUES (1, NULL, NULL, NULL), (2, NULL, 'b', NULL), (3, 3, NULL, 3), (4, 4, 'a', NULL), (5, NULL, 'a', 5)",
  "INSERT INTO nl (id, u) VALUES (6, NULL) RETURNING *",
  "INSERT INTO nl (id, w) VALUES (7, NULL)",
  "UPDATE nl SET w = NULL WHERE id = 1",
  "UPDATE nl SET w = NULL WHERE id = 100",
  "UPDATE nl SET x = NULL WHERE x IS NOT NULL RETURNING id",
  "UPDATE nl SET x = 0 WHERE v IS NULL",
  "SELECT id, v FROM nl ORDER BY v, id",
  "SELECT id, v FROM nl ORDER BY v DESC, id",
  "SELECT id, v FROM nl ORDER BY v NULLS FIRST, id DESC",
  "SELECT id, v FROM nl ORDER BY v DESC NULLS LAST, id",
  "SELECT id FROM nl WHERE v IS NULL ORDER BY id",
  "SELECT id FROM nl WHERE v = NULL",
  "SELECT id FROM nl WHERE v <> 'a' ORDER BY id",
  "SELECT id FROM nl WHERE v IS DISTINCT FROM 'a' ORDER BY id",
  "SELECT id FROM nl WHERE u NOT IN (3, NULL)",
  "SELECT count(*), count(u), count(v), count(DISTINCT v), sum(u), max(v) FROM nl",
  "UPDATE nl SET u = 3 WHERE id = 1",
  "UPDATE nl SET u = NULL WHERE id = 3",
  "UPDATE nl SET u = 3 WHERE id = 1 RETURNING id, u",
  "DELETE FROM nl WHERE v = NULL",
  "DELETE FROM nl WHERE v IS NULL RETURNING id",
  "UPDATE nl SET v = NULL WHERE v = 'a' RETURNING id, v",
  "SELECT * FROM nl ORDER BY id",
  "SELECT id FROM nl WHERE v IS NULL ORDER BY id",
];

/** Index queries of `indexSteps` and the index our plan must read them through (EXPLAIN). */
const indexedQueries: readonly (readonly [string, string])[] = [
  ["SELECT id FROM ev WHERE kind = 'k3' ORDER BY id", "ev_kind"],
  ["SELECT id, score FROM ev WHERE score > 20 AND score <= 22 ORDER BY score, id", "ev_score"],
  ["SELECT id, score FROM ev WHERE score BETWEEN 5 AND 6 ORDER BY score DESC, id", "ev_score"],
  ["SELECT id, at FROM ev WHERE at >= '2024-01-05' AND at < '2024-01-05 05:00' ORDER BY at", "ev_at"],
  ["SELECT id FROM ev WHERE at = '2024-01-02 03:00'", "ev_at"],
  ["SELECT id FROM ev WHERE kind = 'k2' AND day = '2024-01-03' ORDER BY id", "ev_kind_day"],
];

/** Windows and DISTINCT over an index's order: the planner reads the index and skips the sort (and the hash table). */
const windowIndexOrderSteps: readonly Step[] = [
  "CREATE TABLE wo (id int PRIMARY KEY, k text, v int)",
  "CREATE INDEX wo_k_v ON wo (k, v)",
  "INSERT INTO wo SELECT g, CASE WHEN g % 7 = 0 THEN NULL ELSE chr(97 + g % 3) END, CASE WHEN g % 5 = 0 THEN NULL ELSE (g * 37) % 11 END FROM generate_series(1, 60) g",
  "ANALYZE wo",
  "SELECT id, row_number() OVER (ORDER BY id), sum(v) OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM wo ORDER BY id",
  "SELECT k, v, id, rank() OVER (PARTITION BY k ORDER BY v), dense_rank() OVER (PARTITION BY k ORDER BY v), count(*) OVER (PARTITION BY k ORDER BY v) FROM wo ORDER BY k, v, id",
  "SELECT id, lag(v) OVER (ORDER BY id DESC), lead(id, 2) OVER (ORDER BY id DESC) FROM wo ORDER BY id",
  "SELECT v, id, count(*) OVER (ORDER BY v), sum(id) OVER (ORDER BY v RANGE BETWEEN 2 PRECEDING AND CURRENT ROW) FROM wo WHERE k = 'a' ORDER BY v, id",
  "SELECT id, row_number() OVER (ORDER BY id), rank() OVER (PARTITION BY k ORDER BY v) FROM wo ORDER BY id",
  "SELECT k, v, id, rank() OVER (PARTITION BY k ORDER BY v DESC) FROM wo ORDER BY k, v, id",
  // DISTINCT sorted by its every column: a streaming Unique over the (k, v) index, NULLs equal.
  "SELECT DISTINCT k, v FROM wo ORDER BY k, v",
  "SELECT DISTINCT k FROM wo ORDER BY k DESC",
  "SELECT DISTINCT v FROM wo WHERE k = 'b' ORDER BY v",
  "SELECT DISTINCT v, k FROM wo ORDER BY k, v LIMIT 5",
  "SELECT DISTINCT k, v FROM wo WHERE v > 3 ORDER BY k DESC, v DESC",
];

/** The catalogs' int2vector / oidvector columns, as Rails and psql read them (space-separated). */
const vectorSteps: readonly Step[] = [
  "CREATE TABLE vx (a int PRIMARY KEY, b text, c int)",
  "CREATE INDEX vx_cb ON vx (c, b)",
  "SELECT indkey, indkey[0], indkey[1], array_length(indkey, 1), pg_typeof(indkey), indoption, indkey::int2[] FROM pg_index WHERE indexrelid = 'vx_cb'::regclass",
  "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey) WHERE i.indexrelid = 'vx_cb'::regclass ORDER BY a.attnum",
  "SELECT indkey::text, array_to_string(indkey, ',') FROM pg_index WHERE indexrelid = 'vx_pkey'::regclass",
  "SELECT '1 2  3'::int2vector, ''::int2vector, ' 7 '::oidvector, pg_typeof('1'::oidvector), ('3 4'::int2vector)[1], '1 2'::oidvector::oid[]",
  "SELECT 'a'::int2vector",
  "SELECT '1 70000'::int2vector",
  // Result column names (FigureColname): a cast keeps its operand's name, else takes its type's;
  // a subscript its operand's; CASE its ELSE's column, else "case".
  "INSERT INTO vx VALUES (1, 'one', 10)",
  "SELECT CASE WHEN a > 0 THEN 'p' ELSE b END, CASE WHEN true THEN 1 END, a::text::int, (ARRAY[a])[1], ARRAY(SELECT 1), '1'::int::text, b COLLATE \"C\" FROM vx",
];

/** Set-returning functions in the select list: one call, run as a LATERAL function per input row. */
const selectListSrfSteps: readonly Step[] = [
  "CREATE TABLE sr (id int PRIMARY KEY, arr int[], n int)",
  "INSERT INTO sr VALUES (1, '{10,20}', 2), (2, '{}', 0), (3, NULL, 3), (4, '{40,NULL}', 1)",
  "SELECT unnest(ARRAY[1, 2])",
  "SELECT id, unnest(arr) FROM sr ORDER BY id, 2",
  "SELECT id, unnest(arr) + 1 AS u, unnest(arr) FROM sr WHERE id <> 4 ORDER BY id, u",
  "SELECT id, generate_series(1, n) AS g, 'x' FROM sr ORDER BY id, g",
  "SELECT DISTINCT unnest(arr) % 20 FROM sr ORDER BY 1",
  "SELECT id, generate_series(1, n) FROM sr ORDER BY 2 DESC, 1 LIMIT 3",
  "SELECT upper(regexp_split_to_table('a,b,c', ',')) AS part",
  "SELECT CASE WHEN true THEN unnest(ARRAY[1]) END",
];

/**
 * Enum types. Their OIDs differ from PostgreSQL's, so result columns of an enum type are compared
 * through `::text` (RowDescription's type OID is the catalog's: see enum-types.test.ts).
 */
const enumTypeSteps: readonly Step[] = [
  "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')",
  "CREATE TYPE mood AS ENUM ('x')",
  "CREATE TYPE e2 AS ENUM ('a', 'a')",
  "CREATE TYPE empty_enum AS ENUM ()",
  `CREATE TYPE long_label AS ENUM ('${"x".repeat(64)}')`,
  "CREATE TABLE person (id int PRIMARY KEY, name text, m mood NOT NULL DEFAULT 'ok', CHECK (m <> 'sad' OR name IS NOT NULL))",
  "INSERT INTO person (id, name, m) VALUES (1, 'ann', 'happy'), (2, 'bob', 'sad'), (3, NULL, DEFAULT), (4, 'dee', 'ok')",
  "INSERT INTO person VALUES (5, NULL, 'sad')",
  "INSERT INTO person VALUES (6, 'eve', 'bogus')",
  "INSERT INTO person VALUES (7, 'fay', 'Happy')",
  "SELECT id, m::text FROM person ORDER BY m, id",
  "SELECT id, m::text FROM person ORDER BY m DESC, id",
  "SELECT id FROM person WHERE m > 'sad' ORDER BY id",
  "SELECT id FROM person WHERE m BETWEEN 'ok' AND 'happy' ORDER BY id",
  "SELECT id FROM person WHERE m IN ('sad', 'happy') ORDER BY id",
  "SELECT m::text, count(*) FROM person GROUP BY m ORDER BY m",
  "SELECT min(m)::text, max(m)::text FROM person",
  "SELECT DISTINCT m::text FROM person",
  "SELECT 'ok'::mood < 'happy'::mood, 'ok'::mood = 'ok', 'sad'::mood >= 'happy'",
  "SELECT 'ok'::text::mood::text, CAST('happy' AS mood)::text, pg_typeof('ok'::mood)::text",
  "SELECT 'nope'::mood",
  "SELECT 'ok'::text::mood = 'ok'::mood",
  "SELECT * FROM person WHERE m = 'ok'::text",
  "SELECT * FROM person WHERE m = 1",
  "SELECT 1::mood",
  "SELECT m || '!' FROM person ORDER BY id",
  "SELECT enum_first(NULL::mood)::text, enum_last('ok'::mood)::text",
  "SELECT greatest('ok'::mood, 'happy')::text, least('ok'::mood, 'sad', 'happy')::text, coalesce(NULL, 'ok'::mood)::text",
  "SELECT id, (CASE WHEN id > 2 THEN m END)::text FROM person ORDER BY id",
  "SELECT p.id, q.id FROM person p JOIN person q ON p.m = q.m AND p.id < q.id ORDER BY 1, 2",
  "UPDATE person SET m = 'happy' WHERE m = 'ok' RETURNING id, m::text",
  { sql: "SELECT id FROM person WHERE m = $1 ORDER BY id", params: ["happy"] },
  { sql: "SELECT id FROM person WHERE m = $1", params: ["bogus"] },
  "CREATE INDEX person_m ON person (m)",
  "SELECT id, m::text FROM person WHERE m >= 'ok' ORDER BY m, id",
  "ALTER TYPE mood ADD VALUE 'meh' BEFORE 'ok'",
  "ALTER TYPE mood ADD VALUE 'ecstatic'",
  "ALTER TYPE mood ADD VALUE 'calm' AFTER 'sad'",
  "ALTER TYPE mood ADD VALUE 'ok'",
  "ALTER TYPE mood ADD VALUE IF NOT EXISTS 'ok'",
  "ALTER TYPE mood ADD VALUE 'x' BEFORE 'nope'",
  "INSERT INTO person VALUES (8, 'gus', 'meh'), (9, 'hal', 'ecstatic'), (10, 'ivy', 'calm')",
  "SELECT id, m::text FROM person ORDER BY m, id",
  "SELECT id FROM person WHERE m < 'ok' ORDER BY m, id",
  "SELECT e.enumlabel FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid WHERE t.typname = 'mood' ORDER BY e.enumsortorder",
  "SELECT typname, typtype::text, typcategory::text, typlen, typbyval, typinput::text, typoutput::text FROM pg_type WHERE typname = 'mood'",
  "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'person'::regclass AND attname = 'm'",
  "SELECT data_type, udt_name FROM information_schema.columns WHERE table_name = 'person' AND column_name = 'm'",
  "ALTER TYPE mood RENAME VALUE 'meh' TO 'blah'",
  "ALTER TYPE mood RENAME VALUE 'nope' TO 'blah2'",
  "ALTER TYPE mood RENAME VALUE 'blah' TO 'ok'",
  "SELECT id, m::text FROM person WHERE id = 8",
  "SELECT id FROM person WHERE m = 'blah'",
  "CREATE TABLE tagged (m mood PRIMARY KEY, note text)",
  "INSERT INTO tagged SELECT DISTINCT m, 'from person' FROM person",
  "INSERT INTO tagged VALUES ('happy', 'again')",
  "SELECT m::text FROM tagged ORDER BY m",
  "SELECT m::text FROM tagged WHERE m < 'happy' ORDER BY m DESC",
  "DROP TYPE mood",
  "DROP TYPE IF EXISTS no_such_type",
  "DROP TYPE no_such_type",
  "DROP TYPE empty_enum",
  "SELECT 'a'::empty_enum",
  "BEGIN",
  "CREATE TYPE color AS ENUM ('red', 'green')",
  "CREATE TABLE paint (c color)",
  "INSERT INTO paint VALUES ('green')",
  "SELECT c::text FROM paint",
  "ROLLBACK",
  "SELECT 'red'::color",
  "ALTER TABLE person ADD COLUMN m2 mood DEFAULT 'calm'",
  "SELECT id, m2::text FROM person ORDER BY id",
  "DROP TYPE mood CASCADE",
  "SELECT * FROM tagged",
  "SELECT column_name FROM information_schema.columns WHERE table_name = 'person' ORDER BY ordinal_position",
  "SELECT 'ok'::mood(2)",
  // TypeORM's enum migration: rename the old type, create the new one, convert the column, drop the old.
  "CREATE TABLE acct (id int PRIMARY KEY, role mood DEFAULT 'ok'::mood, CHECK (role <> 'sad'::public.mood))",
  "INSERT INTO acct VALUES (1, 'happy'), (2, DEFAULT)",
  "CREATE VIEW acct_view AS SELECT id, role = 'ok'::mood AS is_ok FROM acct",
  "ALTER TYPE mood RENAME TO mood_old",
  "ALTER TYPE no_such RENAME TO x",
  "ALTER TYPE mood_old RENAME TO person",
  "CREATE TYPE mood AS ENUM ('ok', 'happy', 'great')",
  "SELECT id, is_ok FROM acct_view ORDER BY id",
  "INSERT INTO acct (id) VALUES (3)",
  "ALTER TABLE acct ALTER COLUMN role DROP DEFAULT",
  "ALTER TABLE acct DROP CONSTRAINT acct_role_check",
  "DROP VIEW acct_view",
  "ALTER TABLE acct ALTER COLUMN role TYPE mood USING role::text::mood",
  "ALTER TABLE acct ALTER COLUMN role SET DEFAULT 'great'",
  "DROP TYPE mood_old",
  "INSERT INTO acct (id) VALUES (4)",
  "SELECT id, role::text FROM acct ORDER BY role, id",
  "SELECT u::text FROM (SELECT 'ok'::mood UNION SELECT 'happy') AS s (u)",
  "SELECT 'ok'::mood UNION SELECT 'happy'::text",
];

/**
 * Domains. Values are the base type's (RowDescription carries the base type's OID, in PostgreSQL
 * too); pg_typeof of a cast to a domain names the base type here, so it is not compared.
 */
const domainSteps: readonly Step[] = [
  "CREATE DOMAIN posint AS int DEFAULT 7 CHECK (VALUE > 0)",
  "CREATE DOMAIN email AS varchar(40) NOT NULL CONSTRAINT has_at CHECK (VALUE LIKE '%@%')",
  "CREATE DOMAIN posint AS int",
  "CREATE DOMAIN bad1 AS int UNIQUE",
  "CREATE DOMAIN bad2 AS int PRIMARY KEY",
  "CREATE DOMAIN bad3 AS int NULL NOT NULL",
  "CREATE DOMAIN bad4 AS int DEFAULT 1 DEFAULT 2",
  "CREATE DOMAIN bad5 AS int CHECK (VALUE + 1)",
  "CREATE DOMAIN bad6 AS int CHECK (other > 1)",
  "CREATE DOMAIN bad7 AS int DEFAULT 'x'",
  "CREATE DOMAIN bad8 AS no_such_type",
  "SELECT 5::posint, CAST('6' AS posint), 5::posint + 1",
  "SELECT (-1)::posint",
  "SELECT NULL::posint",
  "SELECT NULL::email",
  "SELECT 'nobody'::email",
  "SELECT 'a@b'::email",
  "SELECT 5::posint(3)",
  "CREATE TABLE member (id int PRIMARY KEY, n posint, e email, note text)",
  "INSERT INTO member VALUES (1, 3, 'a@b', 'x')",
  "INSERT INTO member VALUES (2, -3, 'a@b', 'x')",
  "INSERT INTO member VALUES (3, 3, NULL, 'x')",
  "INSERT INTO member VALUES (4, 3, 'nope', 'x')",
  "INSERT INTO member (id, e) VALUES (5, 'c@d')",
  { sql: "INSERT INTO member VALUES ($1, $2, $3, 'p')", params: [6, "0", "e@f"] },
  { sql: "INSERT INTO member VALUES ($1, $2, $3, 'p')", params: [7, "8", "e@f"] },
  "INSERT INTO member SELECT 8, -1, 'g@h', 's'",
  "SELECT id, n, e FROM member ORDER BY id",
  "UPDATE member SET n = 0 WHERE id = 1",
  "UPDATE member SET n = n + 1 RETURNING id, n",
  "SELECT n * 2, e || '!' FROM member ORDER BY id",
  "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'member'::regclass AND attnum > 0 ORDER BY attnum",
  "SELECT typname, typtype::text, format_type(typbasetype, typtypmod), typnotnull, typdefault FROM pg_type WHERE typtype = 'd' AND typname IN ('posint', 'email') ORDER BY 1",
  "ALTER DOMAIN posint ADD CONSTRAINT small CHECK (VALUE < 5)",
  "ALTER DOMAIN posint ADD CONSTRAINT small CHECK (VALUE < 100)",
  "ALTER DOMAIN posint ADD CONSTRAINT small CHECK (VALUE < 50)",
  "INSERT INTO member VALUES (9, 200, 'q@r', 'x')",
  "ALTER DOMAIN posint DROP CONSTRAINT small",
  "ALTER DOMAIN posint DROP CONSTRAINT small",
  "ALTER DOMAIN posint DROP CONSTRAINT IF EXISTS small",
  "INSERT INTO member VALUES (9, 200, 'q@r', 'x')",
  "ALTER DOMAIN posint SET DEFAULT 9",
  "INSERT INTO member (id, e) VALUES (10, 'x@y')",
  "ALTER DOMAIN posint DROP DEFAULT",
  "INSERT INTO member (id, e) VALUES (11, 'x@y')",
  "ALTER DOMAIN posint SET NOT NULL",
  "DELETE FROM member WHERE n IS NULL",
  "ALTER DOMAIN posint SET NOT NULL",
  "INSERT INTO member (id, e) VALUES (12, 'x@y')",
  "ALTER DOMAIN posint DROP NOT NULL",
  "INSERT INTO member (id, e) VALUES (12, 'x@y')",
  "SELECT id, n FROM member ORDER BY id",
  "SELECT conname, contype::text, pg_get_constraintdef(oid), pg_get_constraintdef(oid, true) FROM pg_constraint WHERE contypid = 'posint'::regtype ORDER BY conname",
  "SELECT t.typname, c.conname FROM pg_constraint c JOIN pg_type t ON t.oid = c.contypid WHERE t.typnamespace = 'public'::regnamespace ORDER BY 1, 2",
  "ALTER DOMAIN no_such_domain SET NOT NULL",
  "CREATE TABLE uses_email (e email DEFAULT 'a@b'::email CHECK (e::email <> 'x@y'))",
  "ALTER DOMAIN email RENAME TO mail",
  "INSERT INTO uses_email DEFAULT VALUES",
  "SELECT 'c@d'::mail, e FROM uses_email",
  "SELECT 'c@d'::email",
  "ALTER DOMAIN mail RENAME TO email",
  "DROP TABLE uses_email",
  "DROP DOMAIN posint",
  "DROP DOMAIN IF EXISTS no_such_domain",
  "DROP DOMAIN no_such_domain",
  "BEGIN",
  "CREATE DOMAIN pending AS text CHECK (VALUE <> '')",
  "SELECT 'x'::pending",
  "ROLLBACK",
  "SELECT 'x'::pending",
  "DROP DOMAIN email CASCADE",
  "SELECT column_name FROM information_schema.columns WHERE table_name = 'member' ORDER BY ordinal_position",
  "SELECT * FROM member ORDER BY id",
  "DROP TABLE member",
  "DROP DOMAIN posint, email",
  "DROP DOMAIN posint",
  "SELECT 1::posint",
];

/**
 * Composite values: ROW(…), whole-row references and their json. A table's whole-row value has
 * the table's row type in PostgreSQL (record here), so those are compared through json or text.
 */
const recordSteps: readonly Step[] = [
  "CREATE TABLE rt (id int PRIMARY KEY, name text, born date, tags text[], score numeric, ok bool, at timestamptz)",
  "INSERT INTO rt VALUES (1, 'ann', '2001-02-03', '{a,b}', 1.50, true, '2020-01-02 03:04:05+00'), (2, 'b \"q\" (x), y', NULL, '{}', NULL, false, NULL), (3, '', '1999-12-31', NULL, -2, NULL, '2021-06-07 08:09:10.5+00')",
  "SET TimeZone = 'UTC'",
  "SELECT ROW(1, 'a'), (2, 'b c'), ROW(NULL, ''), ROW()",
  "SELECT ROW(1, 'x\"y', 'back\\slash', 'comma,here', '(paren)')",
  "SELECT ROW(1, ARRAY[1, 2], '{a}'::text[], 1.5::numeric, true, '2020-01-01'::date)",
  "SELECT row_to_json(rt) FROM rt ORDER BY id",
  "SELECT to_json(rt) FROM rt ORDER BY id",
  "SELECT to_jsonb(rt) FROM rt ORDER BY id",
  "SELECT json_agg(rt) FROM rt",
  "SELECT jsonb_agg(r ORDER BY id DESC) FROM rt r",
  "SELECT json_agg(x) FROM (SELECT id, upper(name) AS n FROM rt WHERE id < 3 ORDER BY id) x",
  "SELECT row_to_json(x) FROM (SELECT id AS key, tags FROM rt) x ORDER BY x.key",
  "SELECT json_build_object('row', r) FROM rt r WHERE id = 1",
  "SELECT id, (SELECT json_agg(s) FROM rt s WHERE s.id <= r.id) FROM rt r ORDER BY id",
  "SELECT row_to_json(ROW(1, 'a'))",
  "SELECT rt::text FROM rt ORDER BY id",
  // Row comparisons: field by field, NULLs as RowCompareExpr treats them.
  "SELECT (1, 2) = (1, 2), (1, 2) <> (1, 3), (1, 2) < (1, 3), (1, 2) < (0, 9), (1, NULL) < (2, 0), (1, NULL) < (1, 0), (1, 2) >= (1, 2), ROW(1, 'b') > ROW(1, 'a')",
  "SELECT (1, NULL) = (1, 2), (1, NULL) = (2, 2), (NULL, 1) <> (NULL, 2), ('2020-01-01', 1) = (DATE '2020-01-01', 1)",
  "SELECT id FROM rt WHERE (id, name) > (1, 'ann') ORDER BY id",
  "SELECT id FROM rt WHERE (id, score) <= (2, 5) ORDER BY id",
  "SELECT id FROM rt WHERE (id, ok) IN ((1, true), (2, false), (3, true)) ORDER BY id",
  "SELECT id FROM rt WHERE (id, ok) NOT IN ((1, true)) ORDER BY id",
  "SELECT (rt).name, (r).id FROM rt, rt AS r WHERE rt.id = r.id ORDER BY 2",
  "SELECT (ROW(1, 'a')).f2, (ROW(1, 'a')).f3",
  "SELECT (rt).nosuch FROM rt",
  "SELECT (id).x FROM rt",
  "SELECT (1, 2) = (1, 2, 3)",
  "SELECT (1, 2) + (1, 2)",
  "SELECT count(*) FROM rt WHERE rt IS NOT NULL",
  "SELECT nosuch FROM rt",
];

/** Sequence DDL is transactional (RESTART, TRUNCATE … RESTART IDENTITY, DROP, CREATE); nextval is not. */
const sequenceDdlSteps: readonly Step[] = [
  "CREATE SEQUENCE sq",
  "SELECT nextval('sq'), nextval('sq')",
  "BEGIN",
  "ALTER SEQUENCE sq RESTART WITH 100",
  "SELECT nextval('sq')",
  "ROLLBACK",
  "SELECT nextval('sq')",
  "BEGIN",
  "ALTER SEQUENCE sq RESTART WITH 100",
  "SELECT nextval('sq')",
  "COMMIT",
  "SELECT nextval('sq')",
  "BEGIN",
  "SELECT nextval('sq')",
  "ROLLBACK",
  "SELECT nextval('sq')",
  "BEGIN",
  "DROP SEQUENCE sq",
  "ROLLBACK",
  "SELECT nextval('sq')",
  "BEGIN",
  "SAVEPOINT a",
  "ALTER SEQUENCE sq RESTART WITH 500",
  "SELECT nextval('sq')",
  "ROLLBACK TO SAVEPOINT a",
  "SELECT nextval('sq')",
  "SELECT setval('sq', 1000)",
  "ROLLBACK",
  "SELECT nextval('sq')",
  "CREATE TABLE ser (id serial PRIMARY KEY, g int GENERATED BY DEFAULT AS IDENTITY (START WITH 10), v int)",
  "INSERT INTO ser (v) VALUES (1), (2)",
  "BEGIN",
  "TRUNCATE ser RESTART IDENTITY",
  "INSERT INTO ser (v) VALUES (3)",
  "SELECT * FROM ser ORDER BY id",
  "ROLLBACK",
  "INSERT INTO ser (v) VALUES (4)",
  "SELECT * FROM ser ORDER BY id",
  "TRUNCATE ser RESTART IDENTITY",
  "INSERT INTO ser (v) VALUES (5)",
  "TRUNCATE ser CONTINUE IDENTITY",
  "INSERT INTO ser (v) VALUES (6)",
  "SELECT * FROM ser ORDER BY id",
  "BEGIN",
  "CREATE SEQUENCE sq2 START 7",
  "SELECT nextval('sq2'), nextval('sq2')",
  "COMMIT",
  "SELECT nextval('sq2')",
];

const lockPrepareSteps: readonly Step[] = [
  "CREATE TABLE lp (id int PRIMARY KEY, v text, n int)",
  "CREATE SEQUENCE lp_seq",
  "LOCK TABLE lp",
  "BEGIN",
  "LOCK TABLE lp IN ACCESS SHARE MODE",
  "LOCK lp IN SHARE ROW EXCLUSIVE MODE NOWAIT",
  "LOCK TABLE ONLY lp, lp IN ROW EXCLUSIVE MODE",
  "LOCK TABLE lp_seq",
  "ROLLBACK",
  "BEGIN",
  "LOCK TABLE nope",
  "ROLLBACK",
  "BEGIN",
  "LOCK TABLE lp_pkey",
  "ROLLBACK",
  "PREPARE ins (int, text) AS INSERT INTO lp VALUES ($1, $2, $1 * 2)",
  "EXECUTE ins (1, 'a')",
  "EXECUTE ins (2, 'b' || 'c')",
  "EXECUTE ins (1, 'dup')",
  "EXECUTE ins (3)",
  "EXECUTE nope",
  "PREPARE ins AS SELECT 1",
  "PREPARE sel (int) AS SELECT v, n FROM lp WHERE id = $1",
  "EXECUTE sel (2)",
  "EXECUTE sel ('1')",
  "PREPARE upd AS UPDATE lp SET n = n + 1 WHERE id = $1 RETURNING n",
  "EXECUTE upd (1)",
  "BEGIN",
  "PREPARE inblock AS SELECT count(*) FROM lp",
  "ROLLBACK",
  "EXECUTE inblock",
  "DEALLOCATE sel",
  "EXECUTE sel (2)",
  "DEALLOCATE ALL",
  "EXECUTE ins (5, 'x')",
  // PREPARE analyses its statement: errors there, and undeclared parameters take their use's type.
  "PREPARE bad AS SELECT * FROM nope",
  "PREPARE badcol AS SELECT nope FROM lp",
  "PREPARE ins2 AS INSERT INTO lp (id, n) VALUES ($1, $2)",
  "EXECUTE ins2 (20, 2.7)",
  "EXECUTE ins2 ('21', '7')",
  "SELECT id, n FROM lp WHERE id >= 20 ORDER BY id",
  "PREPARE plus AS SELECT $1 + 1",
  "EXECUTE plus ('41')",
  "SELECT pg_is_in_recovery()",
  "SET row_security = off",
  "SET synchronize_seqscans TO off",
  "SHOW synchronize_seqscans",
  "BEGIN",
  "TRUNCATE lp",
  "SELECT count(*) FROM lp",
  "INSERT INTO lp VALUES (9, 'z', 0)",
  "ROLLBACK",
  "SELECT id, v, n FROM lp ORDER BY id",
  "ALTER TABLE lp ALTER COLUMN n TYPE bigint",
  "SELECT id, n FROM lp ORDER BY id",
  "CREATE TABLE nk (a int, b int)",
  "INSERT INTO nk VALUES (1, 1), (2, NULL), (1, 3)",
  "ALTER TABLE nk ADD PRIMARY KEY (b)",
  "DELETE FROM nk WHERE b IS NULL",
  "ALTER TABLE nk ADD PRIMARY KEY (a)",
  "ALTER TABLE nk ADD COLUMN k int PRIMARY KEY",
  "ALTER TABLE nk ADD PRIMARY KEY (b)",
  "SELECT a, b FROM nk ORDER BY b",
  "ALTER TABLE nk DROP COLUMN a",
  "SELECT * FROM nk ORDER BY b",
  "TRUNCATE nk, nk",
  "SELECT count(*) FROM nk",
  // A sequence read as a relation (pg_dump reads last_value and is_called so).
  "CREATE SEQUENCE sr START 5",
  "SELECT last_value, is_called FROM sr",
  "SELECT nextval('sr')",
  "SELECT last_value, is_called FROM public.sr",
  "SELECT setval('sr', 42, false)",
  "SELECT s.last_value + 1, s.is_called FROM sr s",
  "UPDATE sr SET last_value = 1",
  "INSERT INTO sr VALUES (1, 0, false)",
  "DELETE FROM sr",
  "BEGIN",
  "ALTER SEQUENCE sr RESTART WITH 100",
  "SELECT last_value, is_called FROM sr",
  "ROLLBACK",
];

const scenarios: readonly (readonly [string, readonly Step[]])[] = [
  ["LOCK TABLE, PREPARE / EXECUTE / DEALLOCATE, TRUNCATE and table rewrites", lockPrepareSteps],
  ["sequence DDL is transactional: RESTART, TRUNCATE … RESTART IDENTITY, DROP, savepoints", sequenceDdlSteps],
  ["composite values: ROW(…), whole-row references, row_to_json, json_agg of rows", recordSteps],
  ["domains: CREATE DOMAIN, casts, writes, defaults, ALTER DOMAIN, catalogs, DROP DOMAIN", domainSteps],
  ["enum types: CREATE TYPE, values, order, casts, ALTER TYPE, catalogs, DROP TYPE", enumTypeSteps],
  ["constraints: PRIMARY KEY, UNIQUE, NOT NULL, CHECK, DEFAULT", constraintSteps],
  ["set-returning functions in the select list", selectListSrfSteps],
  ["int2vector and oidvector in pg_index and as values", vectorSteps],
  ["windows and DISTINCT over an index's order (no sort), with NULL keys, DESC and frames", windowIndexOrderSteps],
  ["FOREIGN KEY: CASCADE, SET NULL, RESTRICT, NO ACTION, NULL references", foreignKeySteps],
  ["FOREIGN KEY to columns without a unique constraint fails with 42830", foreignKeyDefinitionSteps],
  ["FOREIGN KEY ON UPDATE CASCADE follows a changed key", onUpdateCascadeSteps],
  ["SERIAL columns, sequences and DEFAULT expressions", serialSteps],
  ["INSERT (multi-row, … SELECT), UPDATE … FROM, DELETE … USING, RETURNING, parameters", dmlSteps],
  ["RETURNING names the tables of UPDATE … FROM and DELETE … USING", returningJoinedSteps],
  ["INSERT … ON CONFLICT DO NOTHING, with and without a conflict target", onConflictSteps],
  ["INSERT … ON CONFLICT DO UPDATE", upsertSteps],
  ["partial indexes: uniqueness, maintenance, planning, ON CONFLICT, pg_get_indexdef", partialIndexSteps],
  ["expression indexes: uniqueness, maintenance, planning, catalog text", expressionIndexSteps],
  ["ALTER … RENAME of tables, columns, indexes and constraints", renameSteps],
  ["COMMENT ON tables, columns, indexes, views, sequences and schemas", commentSteps],
  ["ALTER SEQUENCE", alterSequenceSteps],
  ["ALTER TABLE … ALTER COLUMN … TYPE", alterTypeSteps],
  ["pg_depend: owned sequences and indexes; pg_tablespace_location", dependSteps],
  ["transaction blocks: errors, savepoints (nested, released, rolled back to)", savepointSteps],
  ["a missing savepoint aborts the transaction block", missingSavepointSteps],
  ["implicit transactions of statement strings; COMMIT, ROLLBACK, SAVEPOINT outside a block", implicitTransactionSteps],
  ["transactional DDL: CREATE TABLE, CREATE INDEX under savepoints", transactionalDdlSteps],
  ["BEGIN and START TRANSACTION forms", beginFormSteps],
  ["read-only transactions", readOnlySteps],
  ["ALTER TABLE ADD COLUMN with defaults over existing rows", alterSteps],
  ["ALTER TABLE DROP COLUMN", dropColumnSteps],
  ["secondary indexes: equality, ranges, ORDER BY, uniqueness, maintenance on UPDATE and DELETE", indexSteps],
  ["composite primary keys, composite UNIQUE and FOREIGN KEY", compositeKeySteps],
  ["column values of every type, jsonb included", columnTypeSteps],
  ["timestamp(p), timestamptz(p), interval(p) round as PostgreSQL does", datetimeTypmodSteps],
  ["bytea || bytea", byteaConcatSteps],
  ["index-provided order", indexOrderSteps],
  ["grouped in index order", groupOrderSteps],
  ["row locks (SELECT FOR UPDATE/SHARE)", rowLockSteps],
  ["joins through an index (nested loop)", indexJoinSteps],
  ["NULLs: in unique indexes, NOT NULL, CHECK, ORDER BY, predicates", nullSteps],
];

describe("the engine matches PostgreSQL 15 statement by statement", () => {
  for (const [name, steps] of scenarios) {
    it(`${name} (${steps.length} statements)`, async () => {
      await expectSameAsPostgres(steps);
    });
  }

  for (const key of keyTypes) {
    it(`${key.type} as primary key and unique key: order, equality, ranges, equal spellings`, async () => {
      await expectSameAsPostgres(keyTypeSteps(key));
    });
  }

  it("groups by a primary-key prefix or an index's next columns as a stream", async () => {
    const db = await Database.open();
    try {
      const session = db.connect();
      for (const step of groupOrderSteps.slice(0, 3)) await session.query(typeof step === "string" ? step : step.sql);
      const planOf = async (sql: string): Promise<string> => {
        const plan = await session.query(`EXPLAIN (COSTS OFF) ${sql}`);
        return plan.rows.map((row) => formatRow(plan.fields, row, textSettings).join(" ")).join("\n");
      };
      expect(await planOf("SELECT a, count(*) FROM gk GROUP BY a")).toMatch(/GroupAggregate[\s\S]*Index Scan using gk_pkey on gk/);
      expect(await planOf("SELECT b, count(*) FROM gk WHERE a = 2 GROUP BY b")).toMatch(/GroupAggregate[\s\S]*Index Scan using gk_pkey on gk/);
      expect(await planOf("SELECT b, count(*) FROM gk GROUP BY b")).toContain("HashAggregate");
      // The groups come out in index order: ORDER BY over the group keys needs no Sort.
      for (const sql of ["SELECT a, count(*) FROM gk GROUP BY a ORDER BY a", "SELECT a, count(*) FROM gk GROUP BY a ORDER BY a DESC", "SELECT b, count(*) FROM gk WHERE a = 2 GROUP BY b ORDER BY b DESC"]) {
        expect(await planOf(sql), sql).not.toContain("Sort");
      }
      expect(await planOf("SELECT a, count(*) FROM gk GROUP BY a ORDER BY count(*)")).toContain("Sort");
    } finally {
      await db.close();
    }
  });

  it("joins a few rows to a large table by looking each one up through its index", async () => {
    const db = await Database.open();
    try {
      const session = db.connect();
      for (const step of indexJoinSteps.slice(0, 7)) await session.query(typeof step === "string" ? step : step.sql);
      const plan = await session.query("EXPLAIN (COSTS OFF) SELECT o.id, c.name FROM od o JOIN cu c ON c.id = o.cu_id WHERE o.id IN (5, 97)");
      const text = plan.rows.map((row) => formatRow(plan.fields, row, textSettings).join(" ")).join("\n");
      expect(text).toMatch(/Nested Loop[\s\S]*Index Scan using od_pkey on od[\s\S]*Index Scan using cu_pkey on cu\n\s+Index Cond: \(id = cu_id\)/);
      const whole = await session.query("EXPLAIN (COSTS OFF) SELECT count(*) FROM od o JOIN cu c ON c.id = o.cu_id");
      expect(whole.rows.map((row) => formatRow(whole.fields, row, textSettings).join(" ")).join("\n")).not.toContain("Nested Loop");
    } finally {
      await db.close();
    }
  });

  it("the index queries read through the index they are written for", async () => {
    const db = await Database.open();
    try {
      const session = db.connect();
      for (const step of indexSteps.slice(0, 6)) await session.query(typeof step === "string" ? step : step.sql);
      for (const [sql, index] of indexedQueries) {
        const plan = await session.query(`EXPLAIN ${sql}`);
        const text = plan.rows.map((row) => formatRow(plan.fields, row, textSettings).join(" ")).join("\n");
        expect(text, sql).toContain(`Index Scan using ${index} on ev`);
      }
    } finally {
      await db.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Property: random writes on a table with a unique index

const propertyTable = [
  "CREATE TABLE p (id int PRIMARY KEY, u int, v text, n int NOT NULL DEFAULT 0 CHECK (n >= 0))",
  "CREATE UNIQUE INDEX p_u ON p (u)",
  "CREATE INDEX p_v ON p (v)",
];

const idArb = fc.integer({ min: 0, max: 9 });
const uArb = fc.option(fc.integer({ min: 0, max: 5 }), { nil: null, freq: 4 });
const vArb = fc.option(fc.constantFrom("a", "b", "c", "ab"), { nil: null, freq: 4 });
const nArb = fc.integer({ min: -1, max: 3 });

function literal(value: number | string | null): string {
  if (value === null) return "NULL";
  return typeof value === "number" ? String(value) : `'${value}'`;
}

const whereArb = fc.oneof(
  idArb.map((id) => `id = ${id}`),
  fc.tuple(idArb, idArb).map(([a, b]) => `id BETWEEN ${Math.min(a, b)} AND ${Math.max(a, b)}`),
  uArb.map((u) => (u === null ? "u IS NULL" : `u = ${u}`)),
  vArb.map((v) => (v === null ? "v IS NULL" : `v >= ${literal(v)}`)),
  nArb.map((n) => `n > ${n}`),
  fc.constant("true"),
);

/** `n` is NOT NULL and CHECK (n >= 0): -1 and NULL violate it. */
const insertedNArb = fc.option(nArb, { nil: null, freq: 8 });
const rowArb = fc.tuple(idArb, uArb, vArb, insertedNArb).map(([id, u, v, n]) => `(${id}, ${literal(u)}, ${literal(v)}, ${literal(n)})`);

/**
 * Each UPDATE changes one column, and a key column only to a constant or, on one row (`id = k`),
 * by an increment: PostgreSQL checks uniqueness row by row in heap order, so a multi-row
 * `SET u = u + 1` succeeds or fails by physical row order, which no other database shares.
 */
const writeArb: fc.Arbitrary<string> = fc.oneof(
  fc.array(rowArb, { minLength: 1, maxLength: 3 }).map((rows) => `INSERT INTO p VALUES ${rows.join(", ")}`),
  fc.tuple(idArb, uArb).map(([id, u]) => `INSERT INTO p (id, u) VALUES (${id}, ${literal(u)}) RETURNING *`),
  fc.tuple(uArb, whereArb).map(([u, where]) => `UPDATE p SET u = ${literal(u)} WHERE ${where}`),
  fc.tuple(fc.integer({ min: -2, max: 2 }), idArb).map(([delta, id]) => `UPDATE p SET u = u + ${delta} WHERE id = ${id} RETURNING u`),
  fc.tuple(fc.integer({ min: -3, max: 3 }), idArb).map(([delta, id]) => `UPDATE p SET id = id + ${delta} WHERE id = ${id}`),
  fc.tuple(idArb, whereArb).map(([id, where]) => `UPDATE p SET id = ${id} WHERE ${where}`),
  fc.tuple(vArb, whereArb).map(([v, where]) => `UPDATE p SET v = ${literal(v)} WHERE ${where} RETURNING id, v`),
  fc.tuple(fc.integer({ min: -2, max: 2 }), whereArb).map(([delta, where]) => `UPDATE p SET n = n + ${delta} WHERE ${where}`),
  whereArb.map((where) => `UPDATE p SET n = NULL WHERE ${where}`),
  fc.tuple(fc.array(rowArb, { minLength: 1, maxLength: 3 }), fc.constantFrom("", " (id)", " (u)")).map(([rows, target]) => `INSERT INTO p VALUES ${rows.join(", ")} ON CONFLICT${target} DO NOTHING RETURNING id`),
  fc.tuple(fc.integer({ min: 1, max: 9 }), whereArb).map(([delta, where]) => `INSERT INTO p (id, v) SELECT id + ${delta}, v FROM p WHERE ${where}`),
  fc.tuple(fc.constantFrom("x", "a"), whereArb).map(([suffix, where]) => `UPDATE p SET v = v || '${suffix}' WHERE ${where}`),
  whereArb.map((where) => `DELETE FROM p WHERE id IN (SELECT id FROM p WHERE ${where})`),
  whereArb.map((where) => `DELETE FROM p WHERE ${where}`),
  whereArb.map((where) => `DELETE FROM p WHERE ${where} RETURNING id`),
);

/** A statement outside a block, or a block of writes (with an optional savepoint) ending in COMMIT or ROLLBACK. */
const stepsArb: fc.Arbitrary<string[]> = fc.oneof(
  { weight: 3, arbitrary: writeArb.map((sql) => [sql]) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.array(writeArb, { minLength: 1, maxLength: 3 }), fc.array(writeArb, { maxLength: 2 }), fc.constantFrom("ROLLBACK TO s", "RELEASE s", ""), fc.constantFrom("COMMIT", "ROLLBACK"))
      .map(([before, after, savepointEnd, end]) => {
        const middle = after.length === 0 ? [] : ["SAVEPOINT s", ...after, ...(savepointEnd === "" ? [] : [savepointEnd])];
        return ["BEGIN", ...before, ...middle, end];
      }),
  },
);

const contentsQueries = ["SELECT * FROM p ORDER BY id", "SELECT u, id FROM p WHERE u IS NOT NULL ORDER BY u", "SELECT v, id FROM p WHERE v >= 'a' ORDER BY v, id"];

describe("random writes on a table with a unique index match PostgreSQL", () => {
  it("after every statement: the same SQLSTATE or tag, and the same contents", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepsArb, { minLength: 1, maxLength: 10 }), async (blocks) => {
        const steps = blocks.flatMap((block) => block.flatMap((sql) => [sql, ...contentsQueries]));
        await resetPostgres();
        const db = await Database.open();
        try {
          const differential = new Differential(db.connect());
          for (const sql of propertyTable) await differential.run(sql);
          for (const step of steps) {
            await differential.run(step);
            // The first mismatch is the finding; later ones follow from the diverged state.
            if (differential.mismatches.length > 0) break;
          }
          expect(differential.mismatches.join("\n\n")).toBe("");
        } finally {
          await db.close();
        }
      }),
      propertyParams(150),
    );
  });
});
