/**
 * psql's describe commands against the real server: `\dt`, `\d table`, `\di`, `\dn` print what
 * PostgreSQL 15 prints for the same schema. The expected texts were recorded from PostgreSQL
 * 15.18 (psql 15, the same statements run by a superuser named `omnikv`), so any difference in
 * the catalog tables, the functions psql calls, or the parser/planner features its queries use
 * shows up here as a failing comparison.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { makeTempDir } from "@omnikv/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { password, startServerProcess, type ServerProcess } from "./server-process.ts";

const temp = makeTempDir("server-psql-describe");
let server: ServerProcess;

const schemaSql = `
CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL UNIQUE, name varchar(100), age int CHECK (age >= 0), created_at timestamptz DEFAULT now());
CREATE TABLE orders (id bigint PRIMARY KEY, user_id int REFERENCES users(id), amount numeric(10,2) NOT NULL DEFAULT 0, note text);
CREATE INDEX orders_user_idx ON orders (user_id);
CREATE UNIQUE INDEX orders_noted_idx ON orders (user_id) WHERE note IS NOT NULL;
CREATE INDEX ON users (lower(email));
CREATE SCHEMA app;
CREATE TABLE app.items (sku text PRIMARY KEY, qty int);
`;

/** psql's stdout for one backslash command; stderr must be empty (a failed catalog query prints there). */
function psql(command: string): Promise<string> {
  const args = ["-X", "-h", "127.0.0.1", "-p", String(server.port), "-U", "omnikv", "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-c", command];
  return new Promise((resolve, reject) => {
    execFile("psql", args, { env: { ...process.env, PGPASSWORD: password } }, (error, stdout, stderr) => {
      if (error !== null || stderr !== "") reject(new Error(`psql ${command} failed: ${stderr === "" ? (error?.message ?? "") : stderr}`));
      else resolve(stdout);
    });
  });
}

beforeAll(async () => {
  server = await startServerProcess(join(temp.path, "data"));
  await psql(schemaSql);
});

afterAll(async () => {
  await server.stop();
  temp.cleanup();
});

describe("psql describe commands print what PostgreSQL 15 prints", () => {
  it("\\dt", async () => {
    expect(await psql("\\dt")).toBe(
      "        List of relations\n Schema |  Name  | Type  | Owner  \n--------+--------+-------+--------\n public | orders | table | omnikv\n public | users  | table | omnikv\n(2 rows)\n\n",
    );
  });

  it("\\d users", async () => {
    expect(await psql("\\d users")).toBe(
      "                                       Table \"public.users\"\n   Column   |           Type           | Collation | Nullable |              Default              \n------------+--------------------------+-----------+----------+-----------------------------------\n id         | integer                  |           | not null | nextval('users_id_seq'::regclass)\n email      | text                     |           | not null | \n name       | character varying(100)   |           |          | \n age        | integer                  |           |          | \n created_at | timestamp with time zone |           |          | now()\nIndexes:\n    \"users_pkey\" PRIMARY KEY, btree (id)\n    \"users_email_key\" UNIQUE CONSTRAINT, btree (email)\n    \"users_lower_idx\" btree (lower(email))\nCheck constraints:\n    \"users_age_check\" CHECK (age >= 0)\nReferenced by:\n    TABLE \"orders\" CONSTRAINT \"orders_user_id_fkey\" FOREIGN KEY (user_id) REFERENCES users(id)\n\n",
    );
  });

  it("\\d orders", async () => {
    expect(await psql("\\d orders")).toBe(
      "                  Table \"public.orders\"\n Column  |     Type      | Collation | Nullable | Default \n---------+---------------+-----------+----------+---------\n id      | bigint        |           | not null | \n user_id | integer       |           |          | \n amount  | numeric(10,2) |           | not null | 0\n note    | text          |           |          | \nIndexes:\n    \"orders_pkey\" PRIMARY KEY, btree (id)\n    \"orders_noted_idx\" UNIQUE, btree (user_id) WHERE note IS NOT NULL\n    \"orders_user_idx\" btree (user_id)\nForeign-key constraints:\n    \"orders_user_id_fkey\" FOREIGN KEY (user_id) REFERENCES users(id)\n\n",
    );
  });

  it("\\d app.items", async () => {
    expect(await psql("\\d app.items")).toBe(
      "                 Table \"app.items\"\n Column |  Type   | Collation | Nullable | Default \n--------+---------+-----------+----------+---------\n sku    | text    |           | not null | \n qty    | integer |           |          | \nIndexes:\n    \"items_pkey\" PRIMARY KEY, btree (sku)\n\n",
    );
  });

  it("\\di", async () => {
    expect(await psql("\\di")).toBe(
      "                  List of relations\n Schema |       Name       | Type  | Owner  | Table  \n--------+------------------+-------+--------+--------\n public | orders_noted_idx | index | omnikv | orders\n public | orders_pkey      | index | omnikv | orders\n public | orders_user_idx  | index | omnikv | orders\n public | users_email_key  | index | omnikv | users\n public | users_lower_idx  | index | omnikv | users\n public | users_pkey       | index | omnikv | users\n(6 rows)\n\n",
    );
  });

  it("\\dn (PostgreSQL 15 gives public to pg_database_owner; here the superuser owns every schema)", async () => {
    // PostgreSQL 15.18 prints:
    //   "      List of schemas\n  Name  |       Owner       \n--------+-------------------\n app    | omnikv\n public | pg_database_owner\n(2 rows)\n\n"
    expect(await psql("\\dn")).toBe(" List of schemas\n  Name  | Owner  \n--------+--------\n app    | omnikv\n public | omnikv\n(2 rows)\n\n");
  });

  it("\\dt+, \\di+ and \\l+ (sizes are the bytes the rows hold, so they are not compared) and comments", async () => {
    await psql("COMMENT ON TABLE users IS 'who signs in'");
    const sizeless = (text: string): string => text.replaceAll(/\d+ (bytes|kB|MB)/gu, "SIZE");
    const tables = sizeless(await psql("\\dt+"));
    expect(tables).toContain(" public | users  | table | omnikv | permanent   | heap          | SIZE");
    expect(tables).toMatch(/users .*\| who signs in\n/u);
    expect(sizeless(await psql("\\di+"))).toContain("orders_user_idx  | index | omnikv | orders | permanent   | btree         | SIZE");
    expect(await psql("\\l+")).toMatch(/postgres .*\| \d+ (bytes|kB|MB) +\| pg_default/u);
  });

  it("\\df, \\db, \\d of a sequence (its owner from pg_depend) and \\sv run without errors", async () => {
    expect(await psql("\\df")).toContain("(0 rows)");
    expect(await psql("\\df lower")).toContain(" pg_catalog | lower | text             | text                | func\n");
    expect(await psql("\\db")).toContain(" pg_default | omnikv | \n");
    expect(await psql("\\d users_id_seq")).toContain("Owned by: public.users.id\n");
    await psql("CREATE VIEW adults AS SELECT id, name FROM users WHERE age >= 18");
    expect(await psql("\\sv adults")).toMatch(/^CREATE OR REPLACE VIEW public\.adults AS\n SELECT/u);
  });

  it("\\do, \\dC, \\dc, \\dF and \\des run over the built-in catalogs", async () => {
    expect(await psql("\\do ||")).toContain(" pg_catalog | ||   | text               | text               | text               | \n");
    expect(await psql("\\dC int4")).toContain(" smallint         | integer          |                    | yes\n");
    for (const command of ["\\dc", "\\dF", "\\des"]) expect(await psql(command), command).toContain("(0 rows)");
  });
});
