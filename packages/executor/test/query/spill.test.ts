/**
 * Sorts beyond work_mem: with a tiny budget the sort writes sorted runs to temporary files and
 * merges them; the result must equal the in-memory sort exactly (ties, NULL placement,
 * descending keys, every value type round-tripping), and the files must be gone afterwards,
 * also when the consumer stops early.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { builtinAggregates, builtinRegistry, compilePlan, type Row } from "@omnikv/executor";
import { parse } from "@omnikv/parser";
import { planSelect } from "@omnikv/planner";
import { SeededRandom } from "@omnikv/testkit";
import { MemoryDatabase, context, settings } from "./memory-tables.ts";

const random = new SeededRandom(20261203);
const rows = Array.from({ length: 20_000 }, (_, i) => [
  random.chance(0.05) ? null : String(random.int(-1000, 1000)),
  random.chance(0.05) ? null : `t${random.int(0, 500)}é`,
  random.chance(0.05) ? null : `${random.int(-10_000, 10_000)}.${random.int(0, 99)}`,
  String(i),
]);
const db = new MemoryDatabase([{ name: "big", columns: [["a", "int8"], ["b", "text"], ["c", "numeric"], ["id", "int4"]], rows }]);

let directory: string | undefined;
afterEach(() => {
  if (directory !== undefined) rmSync(directory, { recursive: true, force: true });
});

function run(sql: string, workMemBytes?: number, stopAfter?: number): { rows: Row[]; spillFilesSeen: number } {
  const [statement] = parse(sql);
  if (statement?.kind !== "select") throw new Error("not a select");
  const plan = planSelect(statement, { catalog: db, settings, paramTypes: [], sql, ctes: [] }).plan;
  const compiled = compilePlan(plan, { registry: builtinRegistry, aggregates: builtinAggregates });
  directory = mkdtempSync(join(tmpdir(), "omnikv-spill-test-"));
  const tempDirectory = directory;
  const out: Row[] = [];
  let spillFilesSeen = 0;
  for (const row of compiled({ tables: db, context, params: [], tempDirectory, ...(workMemBytes === undefined ? {} : { workMemBytes }) })) {
    if (out.length === 0) spillFilesSeen = readdirSync(tempDirectory).flatMap((d) => readdirSync(join(tempDirectory, d))).length;
    out.push(row);
    if (stopAfter !== undefined && out.length >= stopAfter) break;
  }
  return { rows: out, spillFilesSeen };
}

describe("external sort", () => {
  for (const sql of [
    "SELECT a, id FROM big ORDER BY a, id",
    "SELECT b, c, id FROM big ORDER BY b DESC NULLS LAST, c, id",
    "SELECT c, a, id FROM big ORDER BY c NULLS FIRST, a DESC, id",
  ]) {
    it(`spills and merges: ${sql}`, () => {
      const inMemory = run(sql).rows;
      const spilled = run(sql, 64 * 1024);
      expect(spilled.spillFilesSeen).toBeGreaterThan(10);
      expect(spilled.rows).toEqual(inMemory);
      expect(readdirSync(directory ?? "")).toEqual([]);
    });
  }

  it("removes its files when the consumer stops early", () => {
    const partial = run("SELECT a, id FROM big ORDER BY a, id", 64 * 1024, 10);
    expect(partial.rows).toHaveLength(10);
    expect(partial.spillFilesSeen).toBeGreaterThan(10);
    expect(readdirSync(directory ?? "")).toEqual([]);
  });
});

describe("spilling hash aggregation", () => {
  for (const sql of [
    "SELECT id % 5000 AS g, count(*), sum(a), max(b) FROM big GROUP BY id % 5000",
    "SELECT b, count(DISTINCT a), avg(c) FILTER (WHERE a > 0), string_agg(id::text, ',') FROM big GROUP BY b",
    "SELECT a, c, count(*) FROM big GROUP BY a, c",
  ]) {
    it(`gives the in-memory result: ${sql}`, () => {
      const sorted = (result: { rows: Row[] }): string[] => result.rows.map((row) => JSON.stringify(row, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : v))).sort();
      const inMemory = run(sql);
      const spilled = run(sql, 32 * 1024);
      expect(spilled.rows.length).toBeGreaterThan(400);
      expect(spilled.spillFilesSeen).toBeGreaterThan(0);
      expect(sorted(spilled)).toEqual(sorted(inMemory));
      expect(readdirSync(directory ?? "")).toEqual([]);
    });
  }
});

describe("grace hash join", () => {
  for (const sql of [
    "SELECT x.id, y.id FROM big x JOIN big y ON x.id = y.id + 5",
    "SELECT x.id, y.b FROM big x LEFT JOIN big y ON x.a = y.id",
    "SELECT x.id, y.id FROM big x RIGHT JOIN big y ON x.a * 10 = y.id",
    "SELECT x.id, y.id FROM big x FULL JOIN big y ON x.a * 10 = y.id",
    "SELECT x.id, y.id FROM big x JOIN big y ON x.a = y.a AND x.b = y.b",
    "SELECT x.id FROM big x WHERE x.a IN (SELECT id FROM big)",
    "SELECT x.id FROM big x WHERE NOT EXISTS (SELECT 1 FROM big y WHERE y.id = x.a)",
    "SELECT x.id FROM big x WHERE NOT EXISTS (SELECT 1 FROM big y WHERE y.a = x.a + 1 AND y.b = x.b)",
  ]) {
    it(`gives the in-memory result: ${sql}`, () => {
      const sorted = (result: { rows: Row[] }): string[] => result.rows.map((row) => JSON.stringify(row, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : v))).sort();
      const inMemory = run(sql);
      const spilled = run(sql, 32 * 1024);
      expect(inMemory.spillFilesSeen).toBe(0);
      expect(spilled.spillFilesSeen).toBeGreaterThan(0);
      expect(spilled.rows.length).toBeGreaterThan(100);
      expect(sorted(spilled)).toEqual(sorted(inMemory));
      expect(readdirSync(directory ?? "")).toEqual([]);
    });
  }

  it("partitions a partition again while its build side exceeds work_mem", () => {
    const sql = "SELECT x.id, y.c FROM big x JOIN big y ON x.id = y.id";
    const sorted = (result: { rows: Row[] }): string[] => result.rows.map((row) => JSON.stringify(row)).sort();
    const spilled = run(sql, 8 * 1024);
    // Level 0 alone makes 16 + 16 files; a partition split again adds 32 more before a row comes out.
    expect(spilled.spillFilesSeen).toBeGreaterThan(32);
    expect(sorted(spilled)).toEqual(sorted(run(sql)));
    expect(readdirSync(directory ?? "")).toEqual([]);
  });

  it("joins a partition that cannot split (one key value) in memory, and finishes", () => {
    // The build side (big, the LEFT JOIN's inner side) has two key values: repartitioning stops.
    const sql = "SELECT count(*), sum(y.id) FROM (SELECT id FROM big WHERE id < 6) x LEFT JOIN big y ON x.id % 2 = y.id % 2";
    const spilled = run(sql, 8 * 1024);
    expect(spilled.rows).toEqual(run(sql).rows);
    expect(spilled.rows[0]?.[0]).toBe(60_000n);
    expect(readdirSync(directory ?? "")).toEqual([]);
  });

  it("removes its files when the consumer stops early", () => {
    const partial = run("SELECT x.id, y.id FROM big x JOIN big y ON x.id = y.id", 32 * 1024, 5);
    expect(partial.rows).toHaveLength(5);
    expect(partial.spillFilesSeen).toBeGreaterThan(0);
    expect(readdirSync(directory ?? "")).toEqual([]);
  });
});
