/**
 * EXPLAIN and EXPLAIN ANALYZE text: operator names, details and nesting as PostgreSQL prints
 * them, estimates on every line, and the rows and loops each operator actually produced.
 */
import { describe, expect, it } from "vitest";
import { builtinAggregates, builtinRegistry, compilePlan, type MutableActuals } from "@omnikv/executor";
import { parse } from "@omnikv/parser";
import { explainPlan, planSelect, type Catalog, type CatalogTable, type PlanNode } from "@omnikv/planner";
import { MemoryDatabase, context, settings } from "./memory-tables.ts";

const db = new MemoryDatabase([
  { name: "t1", columns: [["a", "int4"], ["b", "text"]], rows: [["1", "x"], ["2", "y"], ["2", "z"], [null, "w"]] },
  { name: "t2", columns: [["a", "int4"], ["d", "int8"]], rows: [["1", "10"], ["2", "20"], ["3", "30"]] },
]);

function planOf(sql: string): PlanNode {
  const [statement] = parse(sql);
  if (statement?.kind !== "select") throw new Error("not a select");
  return planSelect(statement, { catalog: db, settings, paramTypes: [], sql, ctes: [] }).plan;
}

describe("access paths", () => {
  const indexed = new MemoryDatabase([
    {
      name: "accounts",
      columns: [["id", "int4"], ["branch", "int4"], ["balance", "int8"]],
      rows: Array.from({ length: 200 }, (_, i) => [String(i), String(i % 10), String(i * 100)]),
      indexes: [
        { name: "accounts_pkey", columns: ["id"], isUnique: true },
        { name: "accounts_branch_balance", columns: ["branch", "balance"] },
      ],
    },
  ]);
  const plan = (sql: string): PlanNode => {
    const [statement] = parse(sql);
    if (statement?.kind !== "select") throw new Error("not a select");
    return planSelect(statement, { catalog: indexed, settings, paramTypes: [], sql, ctes: [] }).plan;
  };

  it("looks a primary key up instead of scanning, and reads ranges of a composite index", () => {
    expect(explainPlan(plan("SELECT balance FROM accounts WHERE id = 42"), { isCostless: true })).toEqual([
      "Index Scan using accounts_pkey on accounts",
      "  Index Cond: (id = 42)",
    ]);
    expect(explainPlan(plan("SELECT * FROM accounts WHERE branch = 3 AND balance >= 5000 AND balance < 9000 AND id <> 7"), { isCostless: true })).toEqual([
      "Filter",
      "  Filter: (id <> 7)",
      "  ->  Index Scan using accounts_branch_balance on accounts",
      "        Index Cond: (branch = 3) AND (balance >= 5000) AND (balance < 9000)",
    ]);
    expect(indexed.query("SELECT balance FROM accounts WHERE id = 42").rows).toEqual([["4200"]]);
    expect(indexed.query("SELECT id FROM accounts WHERE branch = 3 AND balance >= 5000 AND balance < 9000 AND id <> 7").rows).toEqual([["53"], ["63"], ["73"], ["83"]]);
  });

  it("keeps the sequential scan when no index serves the condition", () => {
    expect(explainPlan(plan("SELECT * FROM accounts WHERE balance > 100"), { isCostless: true })[0]).toBe("Filter");
  });
});

describe("EXPLAIN", () => {
  it("prints operators, details and children as PostgreSQL lays them out", () => {
    const plan = planOf("SELECT t1.b, sum(d) FROM t1 JOIN t2 ON t1.a = t2.a WHERE t2.d > 5 GROUP BY t1.b ORDER BY 2 DESC LIMIT 2");
    expect(explainPlan(plan, { isCostless: true })).toEqual([
      "Limit",
      "  ->  Sort",
      "        Sort Key: sum DESC",
      "        ->  HashAggregate",
      "              Group Key: b",
      "              ->  Hash Join",
      "                    Hash Cond: (a = a)",
      "                    ->  Seq Scan on t1",
      "                    ->  Filter",
      "                          Filter: (d > 5)",
      "                          ->  Seq Scan on t2",
    ]);
  });

  it("joins the small tables first and builds hash tables on the smaller side, whatever the written order", () => {
    const int4 = { oid: 23, typmod: -1 };
    const table = (id: number, name: string, rows: number): CatalogTable => ({
      id,
      schema: "public",
      name,
      rowCountEstimate: rows,
      columns: [
        { name: `${name}_x`, type: int4, isNotNull: false },
        { name: `${name}_y`, type: int4, isNotNull: false },
      ],
    });
    const tables = [table(1, "big", 1_000_000), table(2, "mid", 10_000), table(3, "small", 10)];
    const catalog: Catalog = { findTable: (_schema, name) => tables.find((t) => t.name === name) };
    const sql = "SELECT * FROM big, mid, small WHERE big_x = mid_x AND mid_y = small_y AND small_x = 1";
    const [statement] = parse(sql);
    if (statement?.kind !== "select") throw new Error("not a select");
    const plan = planSelect(statement, { catalog, settings, paramTypes: [], sql, ctes: [] }).plan;
    expect(explainPlan(plan, { isCostless: true })).toEqual([
      "Hash Join",
      "  Hash Cond: (big_x = mid_x)",
      "  ->  Seq Scan on big",
      "  ->  Hash Join",
      "        Hash Cond: (mid_y = small_y)",
      "        ->  Seq Scan on mid",
      "        ->  Filter",
      "              Filter: (small_x = 1)",
      "              ->  Seq Scan on small",
    ]);
    // The written column order is kept above the re-planned joins.
    expect(plan.columns.map((c) => c.name)).toEqual(["big_x", "big_y", "mid_x", "mid_y", "small_x", "small_y"]);
  });

  it("puts an estimate on every line, smaller below a selective filter", () => {
    const lines = explainPlan(planOf("SELECT * FROM t1 WHERE a = 1"));
    expect(lines[0]).toMatch(/^Filter {2}\(cost=\d+\.\d\d\.\.\d+\.\d\d rows=5 width=36\)$/);
    expect(lines[2]).toMatch(/^ {2}->  Seq Scan on t1 {2}\(cost=0\.00\.\.1000\.00 rows=1000 width=36\)$/);
  });

  it("EXPLAIN ANALYZE adds each operator's actual rows and loops", () => {
    const plan = planOf("SELECT a, (SELECT count(*) FROM t2 WHERE t2.a = t1.a) FROM t1 LEFT JOIN t2 USING (a) ORDER BY a");
    const actuals = new Map<PlanNode, MutableActuals>();
    const run = compilePlan(plan, { registry: builtinRegistry, aggregates: builtinAggregates, actuals });
    const rows = [...run({ tables: db, context, params: [] })];
    expect(rows).toHaveLength(4);
    const lines = explainPlan(plan, { isCostless: true, actuals: (node) => actuals.get(node) });
    expect(lines.map((line) => line.replaceAll(/actual time=[\d.]+\.\.[\d.]+ /g, ""))).toEqual([
      "Sort  (rows=4 loops=1)",
      "  Sort Key: a",
      "  ->  Hash Left Join  (rows=4 loops=1)",
      "        Hash Cond: (a = a)",
      "        ->  Seq Scan on t1  (rows=4 loops=1)",
      "        ->  Seq Scan on t2  (rows=3 loops=1)",
    ]);
  });
});
