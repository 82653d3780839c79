/**
 * Datadriven goldens of the query binder and the optimizer: plan shapes as EXPLAIN prints them
 * (join order, predicate pushdown, hash-join build sides, aggregation, windows, sorts) and
 * binding errors with their SQLSTATE and position. The catalog below has tables of very
 * different counted sizes, so the join-order cases show the optimizer's choices.
 * `REWRITE=1 npx nx run planner:test --skip-nx-cache` regenerates the outputs.
 *
 * Commands:
 *   plan    EXPLAIN (COSTS OFF) of the statement
 *   cost    EXPLAIN with estimates
 *   error   the binding error: SQLSTATE, message, position
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "vitest";
import { DbError, TypeOid, parseTimeZone } from "@omnikv/base";
import { parse } from "@omnikv/parser";
import { explainPlan, planSelect, type Catalog, type CatalogIndex, type CatalogTable, type ColumnStatistics, type PlanNode } from "@omnikv/planner";
import { runDataDriven, unknownCommand, type DataDrivenCase } from "@omnikv/testkit";

const testdata = join(import.meta.dirname, "../testdata");
const settings = { extraFloatDigits: 1, timeZone: parseTimeZone("UTC") };

function uniform(rows: number, distinct: number): ColumnStatistics {
  return { nullFraction: 0, distinctCount: Math.min(rows, distinct), mostCommon: [], histogram: [] };
}

function table(id: number, name: string, rows: number, columns: readonly [string, number, number][]): CatalogTable {
  return {
    id,
    schema: "public",
    name,
    columns: columns.map(([column, oid]) => ({ name: column, type: { oid, typmod: -1 }, isNotNull: false })),
    statistics: { rowCount: rows, columns: columns.map(([, , distinct]) => uniform(rows, distinct)) },
  };
}

const { int4, text, numeric } = TypeOid;
const tables = [
  table(1, "orders", 1_000_000, [["id", int4, 1_000_000], ["customer_id", int4, 50_000], ["product_id", int4, 1_000], ["amount", numeric, 10_000]]),
  table(2, "customers", 50_000, [["id", int4, 50_000], ["region_id", int4, 10], ["name", text, 50_000]]),
  table(3, "products", 1_000, [["id", int4, 1_000], ["category", text, 20]]),
  table(4, "regions", 10, [["id", int4, 10], ["name", text, 10]]),
  withIndexes(table(5, "events", 100_000, [["id", int4, 100_000], ["kind", text, 50], ["at", int4, 100_000], ["note", text, 100_000]]), [
    { id: 50, name: "events_pkey", columns: [0], isUnique: true, isPrimary: true },
    { id: 51, name: "events_kind_at", columns: [1, 2], isUnique: false, isPrimary: false },
  ]),
];

function withIndexes(base: CatalogTable, indexes: readonly CatalogIndex[]): CatalogTable {
  return { ...base, indexes };
}
const catalog: Catalog = { findTable: (_schema, name) => tables.find((t) => t.name === name) };

function planOf(sql: string): PlanNode {
  const [statement] = parse(sql);
  if (statement?.kind !== "select") throw new Error("plan goldens take one SELECT");
  return planSelect(statement, { catalog, settings, paramTypes: [], sql, ctes: [] }).plan;
}

function handle(testCase: DataDrivenCase): string {
  switch (testCase.command) {
    case "plan":
      return explainPlan(planOf(testCase.input), { isCostless: true }).join("\n");
    case "cost":
      return explainPlan(planOf(testCase.input)).join("\n");
    case "error":
      try {
        planOf(testCase.input);
        return "no error";
      } catch (error) {
        if (!(error instanceof DbError)) throw error;
        return `${error.sqlState}: ${error.message}${error.position === undefined ? "" : ` (position ${error.position})`}`;
      }
    default:
      return unknownCommand(testCase);
  }
}

describe("planner goldens", () => {
  for (const file of readdirSync(testdata).filter((name) => name.endsWith(".txt"))) {
    it(`testdata/${file}`, () => {
      runDataDriven(join(testdata, file), handle);
    });
  }
});
