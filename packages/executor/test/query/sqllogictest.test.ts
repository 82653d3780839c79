/**
 * The shared sqllogictest corpus (SQLite's select1-3 and in1, which PostgreSQL 15 passes) run
 * through the query binder and the executor over in-memory tables: every query's result must
 * equal the corpus' expected values or hash.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseSlt, runSlt, type SltDriver } from "@omnikv/testkit";
import { describe, expect, it } from "vitest";
import { MemoryDatabase } from "./memory-tables.ts";

const corpus = join(import.meta.dirname, "../../../../../shared/sqllogictest");

/**
 * Where PostgreSQL 15 itself fails (the corpus README): `'hello' IN (SELECT <int column>)` is a
 * type error there (lines 279, 290), and `x'303132'` is a bit string (lines 313, 324).
 */
const postgresFailures: Readonly<Record<string, readonly number[]>> = { "in1.test": [279, 290, 313, 324] };

function memoryDriver(): SltDriver {
  const db = new MemoryDatabase([]);
  return {
    statement: (sql) => db.execute(sql),
    query: (sql) => {
      const result = db.query(sql);
      return { oids: result.columns.map((c) => c.type.oid), rows: result.rows };
    },
  };
}

describe("sqllogictest corpus through the planner and executor", () => {
  for (const file of ["select1.test", "select2.test", "select3.test", "in1.test"]) {
    it(`passes ${file} as PostgreSQL 15 does`, async () => {
      const records = parseSlt(readFileSync(join(corpus, file), "utf8"));
      const { failures, queries } = await runSlt(records, memoryDriver());
      const failedLines = failures.map((failure) => Number(/^line (\d+)/.exec(failure)?.[1]));
      expect(failedLines, failures.join("\n")).toEqual(postgresFailures[file] ?? []);
      expect(queries).toBeGreaterThan(100);
    });
  }
});
