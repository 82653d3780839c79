/**
 * Index nested-loop joins over in-memory tables: a join whose other side is small looks the big
 * table up through its index once per row instead of hashing it, and its rows must equal the
 * hash join's (the same tables without indexes) — inner joins with either side looked up, LEFT
 * joins, NULL and missing keys, duplicate matches through a non-unique index, filters on the
 * looked-up table and extra join conditions.
 */
import { describe, expect, it } from "vitest";
import { parse } from "@omnikv/parser";
import { explainPlan, planSelect } from "@omnikv/planner";
import { SeededRandom } from "@omnikv/testkit";
import { MemoryDatabase, settings, type TableSpec } from "./memory-tables.ts";

function tables(withIndexes: boolean): MemoryDatabase {
  const random = new SeededRandom(11);
  const big: TableSpec = {
    name: "big",
    columns: [
      ["id", "int4"],
      ["grp", "int4"],
      ["v", "text"],
    ],
    rows: Array.from({ length: 3000 }, (_, i) => [String(i), random.chance(0.05) ? null : String(random.int(0, 300)), `v${i % 17}`]),
    ...(withIndexes
      ? {
          indexes: [
            { name: "big_id", columns: ["id"], isUnique: true },
            { name: "big_grp", columns: ["grp"] },
          ],
        }
      : {}),
    isCounted: true,
  };
  const small: TableSpec = {
    name: "small",
    columns: [
      ["k", "int8"],
      ["g", "int4"],
      ["w", "text"],
    ],
    rows: [
      ["5", "7", "a"],
      ["2999", "8", "b"],
      ["4000", "9", "c"],
      [null, null, "d"],
      ["5", "300", "e"],
    ],
    isCounted: true,
  };
  return new MemoryDatabase([big, small]);
}

const [indexed, plain] = [tables(true), tables(false)];

function planText(sql: string): string {
  const [statement] = parse(sql);
  if (statement?.kind !== "select") throw new Error("not a select");
  return explainPlan(planSelect(statement, { catalog: indexed, settings, paramTypes: [], sql, ctes: [] }).plan, { isCostless: true }).join("\n");
}

const queries: readonly string[] = [
  "SELECT s.w, b.id, b.v FROM small s JOIN big b ON b.id = s.k",
  "SELECT b.id, s.w FROM big b JOIN small s ON b.id = s.k",
  "SELECT s.w, b.id FROM small s LEFT JOIN big b ON b.id = s.k",
  "SELECT s.w, b.id FROM small s JOIN big b ON b.grp = s.g AND b.v <> 'v3'",
  "SELECT s.w, count(b.id) FROM small s LEFT JOIN big b ON b.grp = s.g AND b.id > 100 GROUP BY s.w",
  "SELECT s.w, b.id FROM small s JOIN big b ON b.id = s.k WHERE b.v LIKE 'v%'",
];

describe("index nested-loop joins", () => {
  for (const sql of queries) {
    it(`looks the big table up per row and answers as a hash join: ${sql}`, () => {
      const text = planText(sql);
      expect(text).toMatch(/Nested Loop(?! \(lateral\))/);
      expect(text).toMatch(/Index Scan using big_(id|grp) on big/);
      const rows = (db: MemoryDatabase): string[] =>
        db
          .query(sql)
          .rows.map((row) => JSON.stringify(row))
          .sort();
      expect(rows(indexed)).toEqual(rows(plain));
    });
  }

  it("keeps a hash or merge join when both sides are large", () => {
    expect(planText("SELECT count(*) FROM big a JOIN big b ON a.grp = b.id")).not.toContain("Nested Loop");
  });
});
