/**
 * IN lists served by an index: `col IN (…)` on the index column after an equality prefix runs
 * one index scan per distinct non-NULL item, and its rows must equal the sequential scan's
 * (the same table without the index) as multisets — duplicate and NULL items, integers of
 * another width, items of another type that coerce, an equality prefix, other conditions kept
 * as a filter — while ORDER BY keeps its Sort (the scan is in index order only per item).
 */
import { describe, expect, it } from "vitest";
import { parse } from "@omnikv/parser";
import { explainPlan, planSelect } from "@omnikv/planner";
import { SeededRandom } from "@omnikv/testkit";
import { MemoryDatabase, settings, type TableSpec } from "./memory-tables.ts";

function tables(withIndexes: boolean): MemoryDatabase {
  const random = new SeededRandom(7);
  const value = (max: number): string | null => (random.chance(0.1) ? null : String(random.int(0, max)));
  const spec: TableSpec = {
    name: "t",
    columns: [
      ["id", "int4"],
      ["g", "int4"],
      ["k", "int8"],
      ["s", "text"],
    ],
    rows: Array.from({ length: 400 }, (_, i) => [String(i), value(5), value(50), random.chance(0.1) ? null : `s${random.int(0, 20)}`]),
    ...(withIndexes
      ? {
          indexes: [
            { name: "t_id", columns: ["id"], isUnique: true },
            { name: "t_g_k", columns: ["g", "k"] },
            { name: "t_s", columns: ["s"] },
          ],
        }
      : {}),
  };
  return new MemoryDatabase([spec]);
}

const [indexed, plain] = [tables(true), tables(false)];

function planText(sql: string): string {
  const [statement] = parse(sql);
  if (statement?.kind !== "select") throw new Error("not a select");
  return explainPlan(planSelect(statement, { catalog: indexed, settings, paramTypes: [], sql, ctes: [] }).plan, { isCostless: true }).join("\n");
}

const queries: readonly [string, string][] = [
  ["SELECT id, g FROM t WHERE id IN (5, 1, 5, NULL, 399, 1000)", "Index Scan using t_id"],
  ["SELECT id FROM t WHERE id IN (3, 7::int2, 11)", "Index Scan using t_id"],
  ["SELECT id, k FROM t WHERE g = 2 AND k IN (10, 20, 30, 40, 10)", "Index Scan using t_g_k"],
  ["SELECT id FROM t WHERE s IN ('s1', 's2', 's1') AND g > 1", "Index Scan using t_s"],
  ["SELECT id FROM t WHERE id IN (1, 2, 3) ORDER BY id DESC", "Sort"],
];

describe("IN-list index scans", () => {
  for (const [sql, expected] of queries) {
    it(`plans ${expected} and answers as a sequential scan: ${sql}`, () => {
      const text = planText(sql);
      expect(text).toContain(expected);
      expect(text).toContain("= ANY");
      const rows = (db: MemoryDatabase): string[] =>
        db
          .query(sql)
          .rows.map((row) => JSON.stringify(row))
          .sort();
      expect(rows(indexed)).toEqual(rows(plain));
      if (sql.includes("ORDER BY")) expect(indexed.query(sql).rows).toEqual(plain.query(sql).rows);
    });
  }
});
