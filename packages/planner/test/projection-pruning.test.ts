/** Projection pruning: which table columns a scan under a select list is told to read. */
import { TypeOid, parseTimeZone } from "@omnikv/base";
import { parse } from "@omnikv/parser";
import { planSelect, type Catalog, type CatalogTable, type PlanNode } from "@omnikv/planner";
import { describe, expect, it } from "vitest";

const settings = { extraFloatDigits: 1, timeZone: parseTimeZone("UTC") };
const wide: CatalogTable = {
  id: 1,
  schema: "public",
  name: "wide",
  columns: ["id", "a", "b", "c", "d"].map((name) => ({ name, type: { oid: TypeOid.int4, typmod: -1 }, isNotNull: false })),
  indexes: [{ id: 10, name: "wide_pkey", columns: [0], isUnique: true, isPrimary: true }],
};
const catalog: Catalog = { findTable: (_schema, name) => (name === "wide" ? wide : undefined) };

function scanOf(sql: string): PlanNode | undefined {
  const [statement] = parse(sql);
  if (statement?.kind !== "select") throw new Error("one SELECT");
  let plan: PlanNode = planSelect(statement, { catalog, settings, paramTypes: [], sql, ctes: [] }).plan;
  while (plan.kind === "project" || plan.kind === "filter" || plan.kind === "limit" || plan.kind === "sort") plan = plan.input;
  return plan;
}

function readColumns(sql: string): readonly number[] | undefined {
  const scan = scanOf(sql);
  return scan?.kind === "seq_scan" || scan?.kind === "index_scan" ? scan.readColumns : undefined;
}

describe("projection pruning", () => {
  it("reads the select list's and the filters' columns only", () => {
    expect(readColumns("SELECT a FROM wide")).toEqual([1]);
    expect(readColumns("SELECT a + c FROM wide WHERE d > 1")).toEqual([1, 2, 3, 4].filter((c) => c !== 2));
    expect(readColumns("SELECT b FROM wide ORDER BY id LIMIT 3")).toEqual([0, 2]);
    expect(readColumns("SELECT a FROM wide WHERE id = 5")).toEqual([1]);
  });

  it("reads outer references of subqueries and leaves a scan of every column alone", () => {
    expect(readColumns("SELECT (SELECT w.b FROM wide x LIMIT 1) FROM wide w")).toEqual([2]);
    expect(readColumns("SELECT * FROM wide")).toBeUndefined();
  });
});
