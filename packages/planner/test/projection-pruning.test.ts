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

/** A child plan node (its inputs are plan nodes; everything else under these keys is not there). */
function isPlanNode(value: unknown): value is PlanNode {
  return typeof value === "object" && value !== null && "kind" in value && "columns" in value;
}

describe("projection pruning through joins and aggregations", () => {
  /** Every scan's table alias-free name and readColumns, left to right. */
  function scans(sql: string): (readonly number[] | undefined)[] {
    const [statement] = parse(sql);
    if (statement?.kind !== "select") throw new Error("one SELECT");
    const found: (readonly number[] | undefined)[] = [];
    const visit = (plan: PlanNode): void => {
      if (plan.kind === "seq_scan" || plan.kind === "index_scan") found.push(plan.readColumns);
      for (const key of ["input", "left", "right"] as const) {
        const child: unknown = key in plan ? Reflect.get(plan, key) : undefined;
        if (isPlanNode(child)) visit(child);
      }
    };
    visit(planSelect(statement, { catalog, settings, paramTypes: [], sql, ctes: [] }).plan);
    return found;
  }

  it("gives each side of a join the columns read above it and by the join's condition", () => {
    const byFirst = (a: readonly number[] | undefined, b: readonly number[] | undefined): number => (a?.[0] ?? -1) - (b?.[0] ?? -1);
    expect(scans("SELECT x.a, y.b FROM wide x JOIN wide y ON x.c = y.d").toSorted(byFirst)).toEqual([
      [1, 3],
      [2, 4],
    ]);
    expect(scans("SELECT x.a FROM wide x WHERE EXISTS (SELECT 1 FROM wide y WHERE y.d = x.c AND y.b > 0)").toSorted(byFirst)).toEqual([
      [1, 3],
      [2, 4],
    ]);
  });

  it("prunes below windows: the columns read above, and the window's keys, frame and arguments", () => {
    expect(scans("SELECT a, sum(b) OVER (PARTITION BY c ORDER BY d) FROM wide")).toEqual([[1, 2, 3, 4]]);
    expect(scans("SELECT row_number() OVER (ORDER BY a) FROM wide")).toEqual([[1]]);
    expect(scans("SELECT a, count(*) FILTER (WHERE d > 0) OVER (PARTITION BY b) FROM wide")).toEqual([[1, 2, 4]]);
    expect(scans("SELECT a, lag(c, 1) OVER w FROM wide WINDOW w AS (ORDER BY id)")).toEqual([[0, 1, 3]]);
  });

  it("prunes below DISTINCT and set operations, which read whole rows of their inputs", () => {
    expect(scans("SELECT DISTINCT a, b FROM wide")).toEqual([[1, 2]]);
    expect(scans("SELECT DISTINCT ON (a) a, c FROM wide ORDER BY a, d")).toEqual([[1, 3, 4]]);
    expect(scans("SELECT a FROM wide UNION SELECT b FROM wide WHERE c > 0")).toEqual([[1], [2, 3]]);
    expect(scans("SELECT a, b FROM wide UNION ALL SELECT c, d FROM wide")).toEqual([[1, 2], [3, 4]]);
    expect(scans("SELECT a FROM wide INTERSECT SELECT b FROM wide")).toEqual([[1], [2]]);
  });

  it("gives an aggregation's input the columns of its keys and calls", () => {
    expect(scans("SELECT b, sum(c) FILTER (WHERE d > 0) FROM wide GROUP BY b")).toEqual([[2, 3, 4]]);
    expect(scans("SELECT count(*) FROM wide x JOIN wide y ON x.id = y.a")).toEqual(expect.arrayContaining([[0], [1]]));
  });
});
