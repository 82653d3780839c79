/**
 * ANALYZE's statistics (a bounded reservoir sample) and the estimates built on them: null
 * fractions, distinct counts, most common values and histograms close to the truth, estimated
 * rows of filters near the actual counts, and a join order that follows the tables' real sizes.
 */
import { describe, expect, it } from "vitest";
import { TypeOid } from "@omnikv/base";
import { analyzeTable, builtinRegistry, type Row } from "@omnikv/executor";
import { parse } from "@omnikv/parser";
import { estimate, explainPlan, planSelect, type Catalog, type CatalogTable, type PlanNode } from "@omnikv/planner";
import { SeededRandom } from "@omnikv/testkit";
import { context, settings } from "./memory-tables.ts";

const int4 = { oid: TypeOid.int4, typmod: -1 };

function tableOf(id: number, name: string, columns: readonly string[]): CatalogTable {
  return { id, schema: "public", name, columns: columns.map((column) => ({ name: column, type: int4, isNotNull: false })) };
}

function analyzed(table: CatalogTable, rows: readonly Row[], seed = 1): CatalogTable {
  const random = new SeededRandom(seed);
  return { ...table, statistics: analyzeTable(table, rows, builtinRegistry, context, { random: () => random.nextFloat() }) };
}

function planOf(sql: string, catalog: Catalog): PlanNode {
  const [statement] = parse(sql);
  if (statement?.kind !== "select") throw new Error("not a select");
  return planSelect(statement, { catalog, settings, paramTypes: [], sql, ctes: [] }).plan;
}

const bigRows: Row[] = Array.from({ length: 100_000 }, (_, i) => [i % 1000, i % 2 === 0 ? 7 : i, i % 10 === 0 ? null : i]);
const big = analyzed(tableOf(1, "big", ["a", "b", "c"]), bigRows);

describe("analyzeTable", () => {
  it("is exact when the sample is the whole table", () => {
    const table = analyzed(tableOf(9, "small", ["x"]), [[1], [1], [2], [null], [3], [1]]);
    const stats = table.statistics?.columns[0];
    expect(table.statistics?.rowCount).toBe(6);
    expect(stats?.nullFraction).toBeCloseTo(1 / 6);
    expect(stats?.distinctCount).toBe(3);
    expect(stats?.mostCommon.map((m) => [m.value, m.frequency])).toEqual([
      [1, 0.5],
      [2, 1 / 6],
      [3, 1 / 6],
    ]);
    expect(stats?.histogram).toEqual([]);
  });

  it("estimates from a 30,000-row sample of 100,000 rows", () => {
    const [a, b, c] = big.statistics?.columns ?? [];
    expect(big.statistics?.rowCount).toBe(100_000);
    // a: 1,000 values, each 100 times.
    expect(a?.distinctCount).toBeGreaterThan(900);
    expect(a?.distinctCount).toBeLessThan(1100);
    expect(a?.histogram.length).toBe(101);
    const bounds = (a?.histogram ?? []).map(Number);
    expect(bounds).toEqual(bounds.toSorted((x, y) => x - y));
    // b: half the rows are 7, the rest distinct.
    expect(b?.mostCommon[0]?.value).toBe(7);
    expect(b?.mostCommon[0]?.frequency).toBeGreaterThan(0.47);
    expect(b?.mostCommon[0]?.frequency).toBeLessThan(0.53);
    // Duj1 (as PostgreSQL) underestimates under this skew: 50,001 true, about half of it estimated.
    expect(b?.distinctCount).toBeGreaterThan(20_000);
    expect(b?.distinctCount).toBeLessThan(100_000);
    // c: a tenth NULL.
    expect(c?.nullFraction).toBeGreaterThan(0.08);
    expect(c?.nullFraction).toBeLessThan(0.12);
  });
});

describe("estimates with statistics", () => {
  const catalog: Catalog = { findTable: (_schema, name) => (name === "big" ? big : undefined) };
  const rowsOf = (sql: string): number => estimate(planOf(sql, catalog)).rows;

  it("come near the actual row counts of filters", () => {
    const cases: [string, number][] = [
      ["SELECT * FROM big WHERE b = 7", 50_000],
      ["SELECT * FROM big WHERE b = 8", 1],
      ["SELECT * FROM big WHERE a < 100", 10_000],
      ["SELECT * FROM big WHERE a >= 900", 10_000],
      ["SELECT * FROM big WHERE c IS NULL", 10_000],
      ["SELECT * FROM big WHERE a = 5", 100],
    ];
    for (const [sql, actual] of cases) {
      const estimated = rowsOf(sql);
      expect(estimated, sql).toBeGreaterThan(actual * 0.5);
      expect(estimated, sql).toBeLessThan(actual * 2 + 5);
    }
  });

  it("look up a primary key rather than scan a one-row table", () => {
    // Equal estimated costs (one row either way): the lookup must win, since a scan also walks
    // every row version not yet compacted away, which statistics do not count.
    const keyed: CatalogTable = { ...tableOf(3, "one", ["k", "v"]), indexes: [{ id: 30, name: "one_pkey", columns: [0], isUnique: true, isPrimary: true }] };
    const one = analyzed(keyed, [[1, 10]]);
    const oneCatalog: Catalog = { findTable: (_schema, name) => (name === "one" ? one : undefined) };
    const lines = explainPlan(planOf("SELECT v FROM one WHERE k = 1", oneCatalog), { isCostless: true });
    expect(lines).toEqual(["Index Scan using one_pkey on one", "  Index Cond: (k = 1)"]);
  });

  it("order joins by the tables' counted sizes", () => {
    const smallRows: Row[] = Array.from({ length: 50 }, (_, i) => [i, i]);
    const small = analyzed(tableOf(2, "tiny", ["a", "d"]), smallRows);
    // Written with the small table first; the big one must stream as the probe side.
    const withStats: Catalog = { findTable: (_schema, name) => (name === "big" ? big : name === "tiny" ? small : undefined) };
    const lines = explainPlan(planOf("SELECT * FROM tiny JOIN big ON tiny.a = big.a", withStats), { isCostless: true });
    expect(lines).toEqual(["Hash Join", "  Hash Cond: (a = a)", "  ->  Seq Scan on big", "  ->  Seq Scan on tiny"]);
    expect(estimate(planOf("SELECT * FROM tiny JOIN big ON tiny.a = big.a", withStats)).rows).toBeGreaterThan(2500);
  });
});
