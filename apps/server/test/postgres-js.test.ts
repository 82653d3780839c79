/**
 * postgres.js (the `postgres` package) against the real server, with its type fetch on: it asks
 * pg_type for the array types at connect, describes every statement and serializes parameters by
 * the types the server infers (an array for a text[] column, a Date for timestamptz), and runs
 * transactions through sql.begin.
 */
import { join } from "node:path";
import { makeTempDir } from "@omnikv/testkit";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { password, startServerProcess, type ServerProcess } from "./server-process.ts";

const temp = makeTempDir("server-postgres-js");
let server: ServerProcess;

beforeAll(async () => {
  server = await startServerProcess(join(temp.path, "data"));
});

afterAll(async () => {
  await server.stop();
  temp.cleanup();
});

describe("postgres.js", () => {
  it("connects with its type fetch, infers parameter types, and runs transactions", async () => {
    const sql = postgres({ host: "127.0.0.1", port: server.port, username: "omnikv", password, database: "postgres", fetch_types: true, max: 2, onnotice: () => undefined });
    try {
      await sql`CREATE TABLE notes (id int PRIMARY KEY, title text NOT NULL, tags text[], at timestamptz, amount numeric(10,2))`;
      const at = new Date("2024-03-01T12:00:00Z");
      await sql`INSERT INTO notes ${sql([{ id: 1, title: "first", tags: ["a", "b"], at, amount: "12.50" }])}`;
      await sql`INSERT INTO notes (id, title) VALUES (${2}, ${"second"})`;
      const rows = await sql<{ id: number; title: string; tags: string[] | null; at: Date | null; amount: string | null }[]>`SELECT * FROM notes WHERE id = ${1}`;
      expect(rows).toEqual([{ id: 1, title: "first", tags: ["a", "b"], at, amount: "12.50" }]);
      const renamed = await sql.begin(async (tx) => {
        await tx`UPDATE notes SET title = ${"renamed"} WHERE id = ${2}`;
        return tx`SELECT title FROM notes WHERE id = ${2}`;
      });
      expect(renamed).toEqual([{ title: "renamed" }]);
      await expect(
        sql.begin(async (tx) => {
          await tx`UPDATE notes SET title = ${"lost"} WHERE id = ${2}`;
          await tx`INSERT INTO notes (id, title) VALUES (${1}, ${"duplicate"})`;
        }),
      ).rejects.toMatchObject({ code: "23505" });
      expect(await sql`SELECT title FROM notes ORDER BY id`).toEqual([{ title: "first" }, { title: "renamed" }]);
    } finally {
      await sql.end();
    }
  });
});
