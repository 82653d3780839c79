/**
 * The sqllogictest files through the whole engine (parser, planner, executor, transactions,
 * storage): the shared corpus (SQLite's select1-3 and in1, which PostgreSQL 15 passes) and the
 * engine's own files in test/slt/, which use the `statement error <SQLSTATE>` and `connection`
 * extensions. The shared files also run over an LSM store on disk.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { parseTimeZone } from "@omnikv/base";
import { makeTempDir, parseSlt, runSlt, type SltDriver } from "@omnikv/testkit";
import { afterAll, describe, expect, it } from "vitest";
import { Database, formatRow, type Session } from "../src/index.ts";

const corpus = join(import.meta.dirname, "../../../../shared/sqllogictest");
const ownFiles = join(import.meta.dirname, "slt");
const settings = { extraFloatDigits: 1, timeZone: parseTimeZone("UTC") };

/**
 * Where PostgreSQL 15 itself fails (the corpus README): `'hello' IN (SELECT <int column>)` is a
 * type error there (lines 279, 290), and `x'303132'` is a bit string (lines 313, 324).
 */
const postgresFailures: Readonly<Record<string, readonly number[]>> = { "in1.test": [279, 290, 313, 324] };

function engineDriver(db: Database): SltDriver {
  const sessions = new Map<string, Session>();
  const session = (name: string): Session => {
    let found = sessions.get(name);
    if (found === undefined) {
      found = db.connect();
      sessions.set(name, found);
    }
    return found;
  };
  return {
    statement: async (sql, connection) => {
      await session(connection).query(sql);
    },
    query: async (sql, connection) => {
      const result = await session(connection).query(sql);
      return { oids: result.fields.map((f) => f.typeOid), rows: result.rows.map((row) => formatRow(result.fields, row, settings)) };
    },
  };
}

const temp = makeTempDir("engine-slt");
afterAll(() => temp.cleanup());

describe("sqllogictest corpus through the engine", () => {
  for (const file of ["select1.test", "select2.test", "select3.test", "in1.test"]) {
    it(`passes ${file} as PostgreSQL 15 does (in memory)`, async () => {
      const db = await Database.open();
      const { failures, queries } = await runSlt(parseSlt(readFileSync(join(corpus, file), "utf8")), engineDriver(db));
      await db.close();
      const failedLines = failures.map((failure) => Number(/^line (\d+)/.exec(failure)?.[1]));
      expect(failedLines, failures.join("\n")).toEqual(postgresFailures[file] ?? []);
      expect(queries).toBeGreaterThan(100);
    });
  }

  it("passes select1.test over an LSM store on disk", async () => {
    const db = await Database.open({ dir: join(temp.path, "select1"), sync: false });
    const { failures } = await runSlt(parseSlt(readFileSync(join(corpus, "select1.test"), "utf8")), engineDriver(db));
    await db.close();
    expect(failures).toEqual([]);
  });
});

describe("the engine's own sqllogictest files", () => {
  for (const file of readdirSync(ownFiles).filter((name) => name.endsWith(".slt"))) {
    it(`passes ${file}`, async () => {
      const db = await Database.open();
      const { failures } = await runSlt(parseSlt(readFileSync(join(ownFiles, file), "utf8")), engineDriver(db), 50);
      await db.close();
      expect(failures).toEqual([]);
    });
  }
});
