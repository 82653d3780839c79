/**
 * The system catalogs (pg_catalog and information_schema as virtual tables) and the catalog
 * information functions, in process. Expected values are PostgreSQL 15's for the same schema
 * (recorded from a real server), except OIDs, which are this engine's object ids.
 */
import { DbError } from "@omnikv/base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Database, formatRow, type Session } from "../src/index.ts";

const schemaSql = `
CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL UNIQUE, name varchar(100), age int CHECK (age >= 0), created_at timestamptz DEFAULT now());
CREATE TABLE orders (id bigint PRIMARY KEY, user_id int REFERENCES users(id) ON DELETE CASCADE, amount numeric(10,2) NOT NULL DEFAULT 0, note text);
CREATE INDEX orders_user_idx ON orders (user_id DESC);
CREATE SCHEMA app;
CREATE TABLE app.items (sku text PRIMARY KEY, qty int);
`;

let db: Database;
let session: Session;

beforeAll(async () => {
  db = await Database.open({ bootstrapSuperuser: "alice" });
  session = db.connect({ user: "alice", database: "shop" });
  await session.query(schemaSql);
});
afterAll(async () => db.close());

/** Rows in PostgreSQL's text form. */
async function text(sql: string): Promise<(string | null)[][]> {
  const result = await session.query(sql);
  return result.rows.map((row) => formatRow(result.fields, row, session.textSettings()));
}

async function oidOf(name: string): Promise<string> {
  const [row] = await text(`SELECT '${name}'::regclass::oid`);
  const oid = row?.[0];
  if (oid === undefined || oid === null) throw new Error(`no oid for ${name}`);
  return oid;
}

describe("pg_catalog tables", () => {
  it("the catalogs proper have the system column tableoid (not in *); the views over them do not", async () => {
    expect(await text("SELECT DISTINCT tableoid FROM pg_namespace")).toEqual([["2615"]]);
    expect(await text("SELECT c.tableoid, c.relname FROM pg_class c WHERE c.relname = 'pg_class'")).toEqual([["1259", "pg_class"]]);
    const star = await session.query("SELECT * FROM pg_namespace LIMIT 1");
    expect(star.fields.map((field) => field.name)).toEqual(["oid", "nspname", "nspowner", "nspacl"]);
    await expect(session.query("SELECT tableoid FROM pg_roles")).rejects.toMatchObject({ sqlState: "42703" });
    await expect(session.query("SELECT tableoid FROM information_schema.tables")).rejects.toMatchObject({ sqlState: "42703" });
  });

  it("catalogs of what OmniKV-TS does not have are there, empty, as pg_dump reads them", async () => {
    for (const table of ["pg_init_privs", "pg_opfamily", "pg_amop", "pg_amproc", "pg_ts_parser", "pg_ts_template", "pg_ts_dict", "pg_transform", "pg_subscription", "pg_largeobject_metadata", "pg_seclabel", "pg_seclabels"]) {
      expect(await text(`SELECT count(*) FROM pg_catalog.${table}`)).toEqual([["0"]]);
    }
    expect(await text("SELECT s.tableoid, s.subname FROM pg_subscription s WHERE s.subdbid = 1")).toEqual([]);
  });

  it("pg_options_to_table splits name=value options into rows", async () => {
    expect(await text("SELECT * FROM pg_options_to_table(ARRAY['fillfactor=70', 'autovacuum_enabled=false', 'bare'])")).toEqual([
      ["fillfactor", "70"],
      ["autovacuum_enabled", "false"],
      ["bare", null],
    ]);
    expect(await text("SELECT count(*) FROM pg_options_to_table(NULL::text[])")).toEqual([["0"]]);
    expect(await text("SELECT pg_is_in_recovery()")).toEqual([["f"]]);
  });

  it("pg_namespace has pg_catalog (11), information_schema and the user schemas", async () => {
    expect(await text("SELECT nspname, oid = 11 FROM pg_namespace ORDER BY nspname")).toEqual([
      ["app", "f"],
      ["information_schema", "f"],
      ["pg_catalog", "t"],
      ["public", "f"],
    ]);
  });

  it("pg_class lists tables, indexes and sequences of user schemas with their kinds", async () => {
    const rows = await text(`
      SELECT n.nspname, c.relname, c.relkind, c.relnatts, c.relchecks, c.relhasindex, am.amname
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_am am ON am.oid = c.relam
      WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2`);
    expect(rows).toEqual([
      ["app", "items", "r", "2", "0", "t", "heap"],
      ["app", "items_pkey", "i", "1", "0", "f", "btree"],
      ["public", "orders", "r", "4", "0", "t", "heap"],
      ["public", "orders_pkey", "i", "1", "0", "f", "btree"],
      ["public", "orders_user_idx", "i", "1", "0", "f", "btree"],
      ["public", "users", "r", "5", "1", "t", "heap"],
      ["public", "users_email_key", "i", "1", "0", "f", "btree"],
      ["public", "users_id_seq", "S", "3", "0", "f", null],
      ["public", "users_pkey", "i", "1", "0", "f", "btree"],
    ]);
  });

  it("system tables have PostgreSQL's OIDs and are in pg_class themselves", async () => {
    expect(await text("SELECT relname, oid, relkind FROM pg_class WHERE relname IN ('pg_class', 'pg_type', 'pg_attribute', 'pg_roles') ORDER BY oid")).toEqual([
      ["pg_type", "1247", "r"],
      ["pg_attribute", "1249", "r"],
      ["pg_class", "1259", "r"],
      ["pg_roles", "12001", "v"],
    ]);
  });

  it("pg_attribute describes columns with types, typmods, NOT NULL, defaults and collations", async () => {
    expect(
      await text(`SELECT attname, atttypid, atttypmod, attnotnull, atthasdef, attcollation FROM pg_attribute WHERE attrelid = 'users'::regclass AND attnum > 0 ORDER BY attnum`),
    ).toEqual([
      ["id", "23", "-1", "t", "t", "0"],
      ["email", "25", "-1", "t", "f", "100"],
      ["name", "1043", "104", "f", "f", "100"],
      ["age", "23", "-1", "f", "f", "0"],
      ["created_at", "1184", "-1", "f", "t", "0"],
    ]);
  });

  it("pg_index and pg_constraint describe keys, checks and foreign keys", async () => {
    expect(
      await text(`SELECT c.relname, i.indisprimary, i.indisunique, i.indkey[0] FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = 'users'::regclass ORDER BY 1`),
    ).toEqual([
      ["users_email_key", "f", "t", "2"],
      ["users_pkey", "t", "t", "1"],
    ]);
    expect(
      await text(`SELECT conname, contype, confrelid::regclass::text, confdeltype, conkey, confkey FROM pg_constraint WHERE conrelid IN ('users'::regclass, 'orders'::regclass) ORDER BY conname`),
    ).toEqual([
      ["orders_pkey", "p", "-", " ", "{1}", null],
      ["orders_user_id_fkey", "f", "users", "c", "{2}", "{1}"],
      ["users_age_check", "c", "-", " ", null, null],
      ["users_email_key", "u", "-", " ", "{2}", null],
      ["users_pkey", "p", "-", " ", "{1}", null],
    ]);
  });

  it("pg_type answers postgres.js's array type query", async () => {
    const rows = await text(
      "select b.oid, b.typarray from pg_catalog.pg_type a left join pg_catalog.pg_type b on b.oid = a.typelem where a.typcategory = 'A' group by b.oid, b.typarray order by b.oid",
    );
    expect(rows.slice(0, 4)).toEqual([
      ["16", "1000"],
      ["17", "1001"],
      ["18", "1002"],
      ["19", "1003"],
    ]);
    expect(rows).toContainEqual(["23", "1007"]);
    expect(rows).toContainEqual(["25", "1009"]);
  });

  it("pg_attrdef, pg_sequence, pg_database, pg_roles and pg_settings", async () => {
    expect(await text("SELECT adnum, pg_get_expr(adbin, adrelid) FROM pg_attrdef WHERE adrelid = 'users'::regclass ORDER BY adnum")).toEqual([
      ["1", "nextval('users_id_seq'::regclass)"],
      ["5", "now()"],
    ]);
    expect(await text("SELECT seqrelid::regclass::text, seqstart, seqincrement, seqcycle FROM pg_sequence")).toEqual([["users_id_seq", "1", "1", "f"]]);
    expect(await text("SELECT datname, pg_get_userbyid(datdba), pg_encoding_to_char(encoding) FROM pg_database")).toEqual([["shop", "alice", "UTF8"]]);
    expect(await text("SELECT rolname, rolsuper, oid FROM pg_roles")).toEqual([["alice", "t", "10"]]);
    expect(await text("SELECT usename FROM pg_user")).toEqual([["alice"]]);
    expect(await text("SELECT setting FROM pg_settings WHERE name = 'TimeZone'")).toEqual([["UTC"]]);
  });

  it("tables clients probe exist and are empty", async () => {
    for (const table of ["pg_trigger", "pg_rewrite", "pg_policy", "pg_statistic_ext", "pg_publication", "pg_publication_rel", "pg_foreign_table", "pg_extension", "pg_enum", "pg_range", "pg_event_trigger", "pg_opclass", "pg_inherits", "pg_description", "pg_partitioned_table"]) {
      expect(await text(`SELECT count(*) FROM pg_catalog.${table}`), table).toEqual([["0"]]);
    }
  });
});

describe("name resolution", () => {
  it("an unqualified pg_catalog name wins over a user table of the same name", async () => {
    await session.query("CREATE TABLE pg_am (x int)");
    expect(await text("SELECT count(*) FROM pg_am")).toEqual([["3"]]);
    expect(await text("SELECT count(*) FROM public.pg_am")).toEqual([["0"]]);
    await session.query("SET search_path = public, pg_catalog");
    expect(await text("SELECT count(*) FROM pg_am")).toEqual([["0"]]);
    await session.query("RESET search_path");
    await session.query("DROP TABLE pg_am");
  });

  it("information_schema names need the schema", async () => {
    await expect(session.query("SELECT * FROM schemata")).rejects.toThrow(DbError);
    expect(await text("SELECT schema_name FROM information_schema.schemata ORDER BY 1")).toEqual([["app"], ["information_schema"], ["pg_catalog"], ["public"]]);
  });

  it("catalog rows follow the transaction's own DDL and its rollback", async () => {
    await session.query("BEGIN");
    await session.query("CREATE TABLE scratch (a int)");
    expect(await text("SELECT count(*) FROM pg_class WHERE relname = 'scratch'")).toEqual([["1"]]);
    await session.query("ROLLBACK");
    expect(await text("SELECT count(*) FROM pg_class WHERE relname = 'scratch'")).toEqual([["0"]]);
  });
});

describe("information_schema", () => {
  it("tables and columns", async () => {
    expect(await text("SELECT table_schema, table_name, table_type FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2")).toEqual([
      ["app", "items", "BASE TABLE"],
      ["public", "orders", "BASE TABLE"],
      ["public", "users", "BASE TABLE"],
    ]);
    expect(
      await text(`SELECT column_name, ordinal_position, column_default, is_nullable, data_type, character_maximum_length, numeric_precision, numeric_scale, udt_name
        FROM information_schema.columns WHERE table_name = 'orders' ORDER BY ordinal_position`),
    ).toEqual([
      ["id", "1", null, "NO", "bigint", null, "64", "0", "int8"],
      ["user_id", "2", null, "YES", "integer", null, "32", "0", "int4"],
      ["amount", "3", "0", "NO", "numeric", null, "10", "2", "numeric"],
      ["note", "4", null, "YES", "text", null, null, null, "text"],
    ]);
  });

  it("key_column_usage and table_constraints", async () => {
    expect(await text("SELECT constraint_name, column_name, ordinal_position, position_in_unique_constraint FROM information_schema.key_column_usage WHERE table_name = 'orders' ORDER BY 1")).toEqual([
      ["orders_pkey", "id", "1", null],
      ["orders_user_id_fkey", "user_id", "1", "1"],
    ]);
    expect(await text("SELECT constraint_type, count(*) FROM information_schema.table_constraints WHERE table_name = 'users' GROUP BY 1 ORDER BY 1")).toEqual([
      ["CHECK", "3"],
      ["PRIMARY KEY", "1"],
      ["UNIQUE", "1"],
    ]);
  });
});

describe("catalog functions", () => {
  it("pg_get_indexdef, pg_get_constraintdef and pg_get_expr print PostgreSQL's text", async () => {
    expect(await text(`SELECT pg_get_indexdef('${await oidOf("users_pkey")}'), pg_get_indexdef('${await oidOf("orders_user_idx")}', 0, true), pg_get_indexdef('${await oidOf("orders_user_idx")}', 1, true)`)).toEqual([
      // Pretty output (the third argument) leaves out the schema of a table the search path finds, as PostgreSQL 15 does.
      ["CREATE UNIQUE INDEX users_pkey ON public.users USING btree (id)", "CREATE INDEX orders_user_idx ON orders USING btree (user_id DESC)", "user_id DESC"],
    ]);
    expect(await text("SELECT conname, pg_get_constraintdef(oid, true), pg_get_constraintdef(oid) FROM pg_constraint WHERE contype IN ('c', 'f', 'u') ORDER BY 1")).toEqual([
      ["orders_user_id_fkey", "FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE", "FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE"],
      ["users_age_check", "CHECK (age >= 0)", "CHECK ((age >= 0))"],
      ["users_email_key", "UNIQUE (email)", "UNIQUE (email)"],
    ]);
  });

  it("format_type prints typmods as PostgreSQL does", async () => {
    expect(await text("SELECT format_type(1043, 104), format_type(1700, 655366), format_type(1184, 3), format_type(1042, -1), format_type(1007, NULL), format_type(NULL, 1), format_type(99999, -1)")).toEqual([
      ["character varying(100)", "numeric(10,2)", "timestamp(3) with time zone", "bpchar", "integer[]", null, "???"],
    ]);
  });

  it("visibility, owners, descriptions and privileges", async () => {
    expect(await text(`SELECT pg_table_is_visible('${await oidOf("users")}'), pg_table_is_visible('${await oidOf("app.items")}'), pg_table_is_visible(1259), pg_type_is_visible(23)`)).toEqual([["t", "f", "t", "t"]]);
    expect(await text("SELECT pg_get_userbyid(10), pg_get_userbyid(99)")).toEqual([["alice", "unknown (OID=99)"]]);
    expect(await text("SELECT obj_description('users'::regclass, 'pg_class'), col_description('users'::regclass, 1), shobj_description(5, 'pg_database')")).toEqual([[null, null, null]]);
    expect(await text("SELECT has_table_privilege('users', 'SELECT'), pg_relation_is_publishable('users'::regclass), pg_get_partkeydef('users'::regclass)")).toEqual([["t", "f", null]]);
    expect(await text("SELECT pg_get_serial_sequence('users', 'id'), pg_get_serial_sequence('orders', 'id')")).toEqual([["public.users_id_seq", null]]);
  });

  it("::regclass resolves names (qualified when not visible) and fails for unknown ones", async () => {
    expect(await text("SELECT 'users'::regclass, 'app.items'::regclass, 'pg_class'::regclass::oid, 'users_pkey'::regclass::text")).toEqual([["users", "app.items", "1259", "users_pkey"]]);
    await expect(session.query("SELECT 'nope'::regclass")).rejects.toMatchObject({ sqlState: "42P01" });
    expect(await text("SELECT 'app'::regnamespace::text")).toEqual([["app"]]);
  });

  it("ARRAY(subquery), subscripts and COLLATE, which psql's queries use", async () => {
    expect(await text("SELECT ARRAY(SELECT relname FROM pg_class WHERE relname LIKE 'users%' ORDER BY 1)")).toEqual([["{users,users_email_key,users_id_seq,users_pkey}"]]);
    expect(await text("SELECT (ARRAY[10,20,30])[2], (ARRAY[10])[5]")).toEqual([["20", null]]);
    expect(await text("SELECT relname FROM pg_class WHERE relname OPERATOR(pg_catalog.~) '^(users)$' COLLATE pg_catalog.default")).toEqual([["users"]]);
    await expect(session.query(`SELECT 'a' COLLATE "de_DE"`)).rejects.toMatchObject({ sqlState: "0A000" });
  });
});
