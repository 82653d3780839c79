/**
 * Streaming aggregation (GroupAggregate) over in-memory tables: when an index scan delivers each
 * group's rows together the planner aggregates as a stream, and its groups must equal the hash
 * aggregation's (the same tables without the index) as multisets — NULL keys, duplicate keys,
 * DISTINCT, ORDER BY and FILTER aggregates, HAVING, every group-key order of the GROUP BY list —
 * over random tables whose seed a failure prints.
 */
import { describe, expect, it } from "vitest";
import { parse } from "@omnikv/parser";
import { explainPlan, planSelect } from "@omnikv/planner";
import { SeededRandom, propertyParams } from "@omnikv/testkit";
import { MemoryDatabase, settings, type TableSpec } from "./memory-tables.ts";

function tables(seed: number, withIndex: boolean): MemoryDatabase {
  const random = new SeededRandom(seed);
  const value = (max: number, nulls = 0.1): string | null => (random.chance(nulls) ? null : String(random.int(0, max)));
  const rows = Array.from({ length: random.int(0, 200) }, () => [value(4, 0.05), value(6), value(5, 0.2), value(100)]);
  const spec: TableSpec = {
    name: "t",
    columns: [
      ["a", "int4"],
      ["b", "int4"],
      ["c", "text"],
      ["d", "numeric"],
    ],
    rows,
    ...(withIndex ? { indexes: [{ name: "t_a_b", columns: ["a", "b"] }] } : {}),
  };
  return new MemoryDatabase([spec]);
}

function planText(db: MemoryDatabase, sql: string): string {
  const [statement] = parse(sql);
  if (statement?.kind !== "select") throw new Error("not a select");
  return explainPlan(planSelect(statement, { catalog: db, settings, paramTypes: [], sql, ctes: [] }).plan, { isCostless: true }).join("\n");
}

const aggregates = "count(*), sum(d), min(c), max(d), string_agg(c, ',' ORDER BY c DESC), count(DISTINCT c), count(d) FILTER (WHERE d > 50)";

/** Queries whose group keys the (a, b) index delivers together, and the plan each must get. */
const queries: readonly string[] = [
  `SELECT b, ${aggregates} FROM t WHERE a = 2 GROUP BY b`,
  `SELECT b, a, ${aggregates} FROM t WHERE a = 1 GROUP BY b, a`,
  `SELECT a, ${aggregates} FROM t WHERE a = 3 GROUP BY a`,
  `SELECT b, count(*) FROM t WHERE a = 0 AND c IS NOT NULL GROUP BY b HAVING count(*) > 1`,
  `SELECT b, sum(d) FROM t WHERE a = 4 AND b > 2 GROUP BY b`,
];

/** Ordered by the group keys: the groups' index order serves it (no Sort), compared as sequences. */
const orderedQueries: readonly string[] = [`SELECT b, ${aggregates} FROM t WHERE a = 2 GROUP BY b ORDER BY b`, `SELECT b, count(*) FROM t WHERE a = 3 GROUP BY b ORDER BY b DESC`];

describe("GroupAggregate", () => {
  it("is chosen when the index scan delivers the group keys together, and not otherwise", () => {
    const db = tables(1, true);
    for (const sql of queries) expect(planText(db, sql), sql).toContain("GroupAggregate");
    for (const sql of orderedQueries) expect(planText(db, sql), sql).not.toContain("Sort");
    // The index fixes a and orders by b: grouping by c is not delivered; without the index, hash.
    expect(planText(db, "SELECT c, count(*) FROM t WHERE a = 2 GROUP BY c")).toContain("HashAggregate");
    expect(planText(tables(1, false), queries[0] ?? "")).toContain("HashAggregate");
  });

  it("forms exactly the hash aggregation's groups", () => {
    const { seed, numRuns } = propertyParams(60);
    const random = new SeededRandom(seed);
    const failures: string[] = [];
    for (let run = 0; run < numRuns; run++) {
      const tableSeed = random.int(0, 0x7fff_ffff);
      const [sorted, hashed] = [tables(tableSeed, true), tables(tableSeed, false)];
      for (const sql of queries) {
        const rowsOf = (db: MemoryDatabase): string[] =>
          db
            .query(sql)
            .rows.map((row) => JSON.stringify(row))
            .sort();
        const [got, want] = [rowsOf(sorted), rowsOf(hashed)];
        if (JSON.stringify(got) !== JSON.stringify(want)) failures.push(`table seed ${tableSeed}: ${sql}\n  got  ${got.join(" ")}\n  want ${want.join(" ")}`);
      }
      for (const sql of orderedQueries) {
        const [got, want] = [sorted.query(sql).rows, hashed.query(sql).rows];
        if (JSON.stringify(got) !== JSON.stringify(want)) failures.push(`table seed ${tableSeed}: ${sql}\n  got  ${JSON.stringify(got)}\n  want ${JSON.stringify(want)}`);
      }
    }
    expect(failures, `FC_SEED=${seed}\n${failures.slice(0, 3).join("\n")}`).toEqual([]);
  });

  it("emits groups in index order, each once, with a NULL group of its own", () => {
    const db = new MemoryDatabase([
      {
        name: "t",
        columns: [
          ["a", "int4"],
          ["b", "int4"],
        ],
        rows: [
          ["1", "2"],
          ["1", null],
          ["1", "1"],
          ["2", "1"],
          ["1", "2"],
          ["1", null],
        ],
        indexes: [{ name: "t_a_b", columns: ["a", "b"] }],
      },
    ]);
    expect(planText(db, "SELECT b, count(*) FROM t WHERE a = 1 GROUP BY b")).toContain("GroupAggregate");
    expect(db.query("SELECT b, count(*) FROM t WHERE a = 1 GROUP BY b").rows).toEqual([
      ["1", "1"],
      ["2", "2"],
      [null, "2"],
    ]);
  });
});
