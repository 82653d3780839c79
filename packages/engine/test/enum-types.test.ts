/**
 * Enum types beyond what the differential test compares with PostgreSQL: OIDs in results and
 * catalogs, durability across a reopen, renames that rewrite stored rows, rollback, spilling
 * sorts, statistics, and a model-based property over random label insertions (positions between
 * others) with and without an index.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EnumValue, formatValue, parseTimeZone } from "@omnikv/base";
import { propertyParams } from "@omnikv/testkit";
import { Database, type Session } from "../src/index.ts";

/** The first column of each row, in its text form. */
async function texts(session: Session, sql: string): Promise<(string | null)[]> {
  const result = await session.query(sql);
  const oid = result.fields[0]?.typeOid ?? 0;
  return result.rows.map((row) => {
    const value = row[0] ?? null;
    return value === null ? null : formatValue(oid, value, textSettings);
  });
}

const textSettings = { extraFloatDigits: 1, timeZone: parseTimeZone("UTC") };

function temporaryDirectory(): string {
  return mkdtempSync(join(tmpdir(), "omnikv-enum-"));
}

describe("enum types", () => {
  it("report the type's OID in results and pg_type, and print its name as regtype", async () => {
    const db = await Database.open();
    try {
      const session = db.connect();
      await session.query("CREATE SCHEMA other");
      await session.query("CREATE TYPE other.mood AS ENUM ('sad', 'happy')");
      const oid = Number((await texts(session, "SELECT oid FROM pg_type WHERE typname = 'mood'"))[0]);
      expect(oid).toBeGreaterThanOrEqual(16384);
      const result = await session.query("SELECT 'happy'::other.mood AS m");
      expect(result.fields).toEqual([expect.objectContaining({ name: "m", typeOid: oid })]);
      const [value] = result.rows[0] ?? [];
      expect(value).toBeInstanceOf(EnumValue);
      // Not on the search path: qualified, as format_type prints it.
      expect(await texts(session, "SELECT format_type(oid, NULL) FROM pg_type WHERE typname = 'mood'")).toEqual(["other.mood"]);
      expect(await texts(session, "SELECT pg_typeof('sad'::other.mood)::text")).toEqual(["other.mood"]);
      await session.query("SET search_path = other, public");
      expect(await texts(session, "SELECT pg_typeof('sad'::mood)::text")).toEqual(["mood"]);
      await expect(session.query("SELECT 'sad'::other.mood = 1")).rejects.toMatchObject({ sqlState: "42883", message: "operator does not exist: mood = integer" });
    } finally {
      await db.close();
    }
  });

  it("survive a reopen: the type, stored values, their order and an index on them", async () => {
    const dir = temporaryDirectory();
    try {
      let db = await Database.open({ dir });
      let session = db.connect();
      await session.query("CREATE TYPE level AS ENUM ('low', 'high')");
      await session.query("ALTER TYPE level ADD VALUE 'mid' BEFORE 'high'");
      await session.query("CREATE TABLE task (id int PRIMARY KEY, lv level NOT NULL DEFAULT 'mid')");
      await session.query("CREATE INDEX task_lv ON task (lv)");
      await session.query("INSERT INTO task (id, lv) VALUES (1, 'high'), (2, 'low'), (4, 'high')");
      await session.query("INSERT INTO task (id) VALUES (3)");
      await db.close();

      db = await Database.open({ dir });
      session = db.connect();
      expect(await texts(session, "SELECT lv::text AS label FROM task ORDER BY lv, id")).toEqual(["low", "mid", "high", "high"]);
      expect(await texts(session, "SELECT id::text AS n FROM task WHERE lv > 'low' ORDER BY lv DESC, id")).toEqual(["1", "4", "3"]);
      const plan = await texts(session, "EXPLAIN (COSTS OFF) SELECT id FROM task WHERE lv = 'mid'");
      expect(plan.join("\n")).toContain("task_lv");
      expect(await texts(session, "SELECT id::text FROM task WHERE lv = 'mid'")).toEqual(["3"]);
      await db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("RENAME VALUE rewrites stored rows, durably; a stored expression naming the label refuses it", async () => {
    const dir = temporaryDirectory();
    try {
      let db = await Database.open({ dir });
      let session = db.connect();
      await session.query("CREATE TYPE state AS ENUM ('new', 'done')");
      await session.query("CREATE TABLE job (id int PRIMARY KEY, s state)");
      await session.query("INSERT INTO job VALUES (1, 'new'), (2, 'done'), (3, NULL)");
      await session.query("ANALYZE job");
      await session.query("BEGIN");
      await session.query("ALTER TYPE state RENAME VALUE 'new' TO 'open'");
      expect(await texts(session, "SELECT s::text FROM job ORDER BY id")).toEqual(["open", "done", null]);
      await session.query("ROLLBACK");
      expect(await texts(session, "SELECT s::text FROM job ORDER BY id")).toEqual(["new", "done", null]);
      await session.query("ALTER TYPE state RENAME VALUE 'new' TO 'open'");
      await db.close();

      // The statistics stored with the old label no longer read: dropped at open, not an error.
      db = await Database.open({ dir });
      session = db.connect();
      expect(await texts(session, "SELECT s::text AS label FROM job ORDER BY s NULLS FIRST")).toEqual([null, "open", "done"]);
      expect(await texts(session, "SELECT id::text FROM job WHERE s = 'open'")).toEqual(["1"]);
      await session.query("CREATE TABLE guarded (s state CHECK (s <> 'done'))");
      await expect(session.query("ALTER TYPE state RENAME VALUE 'done' TO 'closed'")).rejects.toMatchObject({ sqlState: "0A000" });
      await db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("DDL is transactional, DROP TYPE refuses while columns use the type", async () => {
    const db = await Database.open();
    try {
      const session = db.connect();
      await session.query("CREATE TYPE t1 AS ENUM ('a', 'b')");
      await session.query("BEGIN");
      await session.query("ALTER TYPE t1 ADD VALUE 'c'");
      expect(await texts(session, "SELECT enum_last(NULL::t1)::text")).toEqual(["c"]);
      await session.query("ROLLBACK");
      expect(await texts(session, "SELECT enum_last(NULL::t1)::text")).toEqual(["b"]);
      await session.query("CREATE TABLE uses (v t1)");
      await expect(session.query("DROP TYPE t1")).rejects.toMatchObject({ sqlState: "2BP01", detail: "column v of table uses depends on type t1" });
      await session.query("CREATE TABLE keeps (k int PRIMARY KEY)");
      await session.query("ALTER TABLE uses ADD COLUMN k int");
      await session.query("DROP TYPE t1 CASCADE");
      expect((await session.query("SELECT column_name::text FROM information_schema.columns WHERE table_name = 'uses'")).rows).toEqual([["k"]]);
      await expect(session.query("SELECT 'a'::t1")).rejects.toMatchObject({ sqlState: "42704" });
      // Another session never sees an uncommitted type.
      const other = db.connect();
      await session.query("BEGIN");
      await session.query("CREATE TYPE pending AS ENUM ('x')");
      await expect(other.query("SELECT 'x'::pending")).rejects.toMatchObject({ sqlState: "42704" });
      await session.query("COMMIT");
      expect(await texts(other, "SELECT 'x'::pending::text")).toEqual(["x"]);
    } finally {
      await db.close();
    }
  });

  it("sort beyond work_mem: enum values spill and come back in order", async () => {
    const tempDirectory = temporaryDirectory();
    const db = await Database.open({ tempDirectory });
    try {
      const session = db.connect();
      await session.query("CREATE TYPE size AS ENUM ('s', 'm', 'l', 'xl')");
      await session.query("CREATE TABLE item (id int PRIMARY KEY, sz size, pad text)");
      await session.query("INSERT INTO item SELECT g, (ARRAY['xl', 'm', 'l', 's'])[1 + g % 4]::text::size, repeat('p', 200) FROM generate_series(1, 4000) g");
      await session.query("SET work_mem = '64kB'");
      const sorted = await texts(session, "SELECT sz::text AS label FROM item ORDER BY sz, pad, id");
      expect(sorted).toHaveLength(4000);
      expect(sorted.slice(0, 1000).every((v) => v === "s")).toBe(true);
      expect(sorted.slice(3000).every((v) => v === "xl")).toBe(true);
    } finally {
      await db.close();
      rmSync(tempDirectory, { recursive: true, force: true });
    }
  });

  it("property: labels added before and after others order as the model, with and without an index", async () => {
    const labelArb = fc.stringMatching(/^[a-z]{1,4}$/);
    const opArb = fc.record({ label: labelArb, neighbor: fc.nat(), where: fc.constantFrom("before", "after", "end") });
    const caseArb = fc.record({
      initial: fc.uniqueArray(labelArb, { minLength: 1, maxLength: 4 }),
      ops: fc.array(opArb, { maxLength: 12 }),
      picks: fc.array(fc.nat(), { minLength: 1, maxLength: 30 }),
      isIndexed: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ initial, ops, picks, isIndexed }) => {
        const db = await Database.open();
        try {
          const session = db.connect();
          await session.query(`CREATE TYPE e AS ENUM (${initial.map((l) => `'${l}'`).join(", ")})`);
          const model = [...initial];
          for (const op of ops) {
            if (model.includes(op.label)) continue;
            const neighbor = model[op.neighbor % model.length] ?? "";
            if (op.where === "end") {
              await session.query(`ALTER TYPE e ADD VALUE '${op.label}'`);
              model.push(op.label);
            } else {
              await session.query(`ALTER TYPE e ADD VALUE '${op.label}' ${op.where.toUpperCase()} '${neighbor}'`);
              model.splice(model.indexOf(neighbor) + (op.where === "after" ? 1 : 0), 0, op.label);
            }
          }
          await session.query("CREATE TABLE v (id int PRIMARY KEY, x e)");
          if (isIndexed) await session.query("CREATE INDEX v_x ON v (x)");
          const values = picks.map((p) => model[p % model.length] ?? "");
          await session.query(`INSERT INTO v VALUES ${values.map((l, i) => `(${i}, '${l}')`).join(", ")}`);
          const rank = (label: string): number => model.indexOf(label);
          const expected = values.map((label, id) => ({ label, id })).sort((a, b) => rank(a.label) - rank(b.label) || a.id - b.id);
          expect(await texts(session, "SELECT x::text AS label FROM v ORDER BY x, id")).toEqual(expected.map((e) => e.label));
          expect(await texts(session, "SELECT enum_first(NULL::e)::text")).toEqual([model[0]]);
          const pivot = model[Math.floor(model.length / 2)] ?? "";
          const below = expected.filter((e) => rank(e.label) < rank(pivot)).map((e) => String(e.id));
          expect(await texts(session, `SELECT id::text AS n FROM v WHERE x < '${pivot}' ORDER BY x, id`)).toEqual(below);
        } finally {
          await db.close();
        }
      }),
      propertyParams(60),
    );
  });
});
