/**
 * Domains beyond the differential test: durability across a reopen (the table's snapshot of its
 * domain included), COPY into domain columns, transactional ALTER DOMAIN, and a model-based
 * property over random bounds: a write is accepted exactly when the model's constraints hold, and
 * ADD CONSTRAINT succeeds exactly when every stored value satisfies it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DbError } from "@omnikv/base";
import { propertyParams } from "@omnikv/testkit";
import { Database, type Session } from "../src/index.ts";

async function sqlState(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return error instanceof DbError ? error.sqlState : `not a DbError: ${String(error)}`;
  }
}

async function ints(session: Session, sql: string): Promise<(number | null)[]> {
  return (await session.query(sql)).rows.map((row) => {
    const value = row[0] ?? null;
    return typeof value === "number" ? value : null;
  });
}

describe("domains", () => {
  it("survive a reopen with their constraints and defaults", async () => {
    const dir = mkdtempSync(join(tmpdir(), "omnikv-domain-"));
    try {
      let db = await Database.open({ dir });
      let session = db.connect();
      await session.query("CREATE DOMAIN pct AS int DEFAULT 50 CONSTRAINT in_range CHECK (VALUE BETWEEN 0 AND 100)");
      await session.query("CREATE TABLE score (id int PRIMARY KEY, p pct)");
      await session.query("INSERT INTO score (id) VALUES (1)");
      await session.query("ALTER DOMAIN pct SET DEFAULT 60");
      await db.close();

      db = await Database.open({ dir });
      session = db.connect();
      await session.query("INSERT INTO score (id) VALUES (2)");
      expect(await sqlState(session.query("INSERT INTO score VALUES (3, 101)"))).toBe("23514");
      expect(await sqlState(session.query("SELECT 101::pct"))).toBe("23514");
      expect(await ints(session, "SELECT p FROM score ORDER BY id")).toEqual([50, 60]);
      await db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("COPY checks domain columns and fills their defaults", async () => {
    const db = await Database.open();
    try {
      const session = db.connect();
      await session.query("CREATE DOMAIN code AS text NOT NULL DEFAULT 'none' CHECK (length(VALUE) <= 4)");
      await session.query("CREATE TABLE item (id int PRIMARY KEY, c code)");
      const ok = await session.copyFrom("COPY item FROM STDIN");
      await ok.write(new TextEncoder().encode("1\tab\n2\tabcd\n"));
      await ok.finish();
      const defaulted = await session.copyFrom("COPY item (id) FROM STDIN");
      await defaulted.write(new TextEncoder().encode("3\n"));
      await defaulted.finish();
      const bad = await session.copyFrom("COPY item FROM STDIN");
      expect(await sqlState((async () => {
        await bad.write(new TextEncoder().encode("4\tabcde\n"));
        await bad.finish();
      })())).toBe("23514");
      const missing = await session.copyFrom("COPY item FROM STDIN");
      expect(await sqlState((async () => {
        await missing.write(new TextEncoder().encode("5\t\\N\n"));
        await missing.finish();
      })())).toBe("23502");
      expect((await session.query("SELECT c FROM item ORDER BY id")).rows).toEqual([["ab"], ["abcd"], ["none"]]);
    } finally {
      await db.close();
    }
  });

  it("ALTER DOMAIN is transactional: a rolled-back constraint no longer applies", async () => {
    const db = await Database.open();
    try {
      const session = db.connect();
      await session.query("CREATE DOMAIN small AS int");
      await session.query("CREATE TABLE s (v small)");
      await session.query("BEGIN");
      await session.query("ALTER DOMAIN small ADD CONSTRAINT lt10 CHECK (VALUE < 10)");
      expect(await sqlState(session.query("INSERT INTO s VALUES (20)"))).toBe("23514");
      await session.query("ROLLBACK");
      await session.query("INSERT INTO s VALUES (20)");
      expect(await ints(session, "SELECT v FROM s")).toEqual([20]);
      expect(await sqlState(session.query("ALTER DOMAIN small ADD CONSTRAINT lt10 CHECK (VALUE < 10)"))).toBe("23514");
      await session.query("DROP DOMAIN small CASCADE");
      expect((await session.query("SELECT count(*)::int FROM information_schema.columns WHERE table_name = 's'")).rows).toEqual([[0]]);
    } finally {
      await db.close();
    }
  });

  it("property: writes and ADD CONSTRAINT accept exactly what the model's bounds allow", async () => {
    const caseArb = fc.record({
      low: fc.integer({ min: -20, max: 0 }),
      high: fc.integer({ min: 1, max: 20 }),
      isNotNull: fc.boolean(),
      values: fc.array(fc.option(fc.integer({ min: -30, max: 30 }), { nil: null, freq: 5 }), { minLength: 1, maxLength: 15 }),
      newHigh: fc.integer({ min: -5, max: 25 }),
    });
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ low, high, isNotNull, values, newHigh }) => {
        const db = await Database.open();
        try {
          const session = db.connect();
          await session.query(`CREATE DOMAIN bounded AS int ${isNotNull ? "NOT NULL " : ""}CHECK (VALUE > ${low}) CHECK (VALUE < ${high})`);
          await session.query("CREATE TABLE b (id int PRIMARY KEY, v bounded)");
          const stored: (number | null)[] = [];
          for (const [id, value] of values.entries()) {
            const expected = value === null ? (isNotNull ? "23502" : undefined) : value > low && value < high ? undefined : "23514";
            expect(await sqlState(session.query(`INSERT INTO b VALUES (${id}, ${value === null ? "NULL" : value})`))).toBe(expected);
            if (expected === undefined) stored.push(value);
          }
          const isValid = stored.every((v) => v === null || v < newHigh);
          expect(await sqlState(session.query(`ALTER DOMAIN bounded ADD CONSTRAINT tighter CHECK (VALUE < ${newHigh})`))).toBe(isValid ? undefined : "23514");
          const probe = Math.min(newHigh, high - 1);
          const probeExpected = probe > low && probe < high && (!isValid || probe < newHigh) ? undefined : "23514";
          expect(await sqlState(session.query(`SELECT (${probe})::bounded`))).toBe(probeExpected);
        } finally {
          await db.close();
        }
      }),
      propertyParams(60),
    );
  });
});
