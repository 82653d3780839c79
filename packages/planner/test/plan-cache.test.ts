import { describe, expect, it } from "vitest";
import { TypeOid, parseTimeZone } from "@omnikv/base";
import { parse, type SelectStatement } from "@omnikv/parser";
import { PlanCache, type Catalog, type CatalogTable } from "@omnikv/planner";

const settings = { extraFloatDigits: 1, timeZone: parseTimeZone("UTC") };
const table: CatalogTable = { id: 1, schema: "public", name: "t", columns: [{ name: "a", type: { oid: TypeOid.int4, typmod: -1 }, isNotNull: false }] };

function select(sql: string): SelectStatement {
  const [statement] = parse(sql);
  if (statement?.kind !== "select") throw new Error("not a select");
  return statement;
}

describe("PlanCache", () => {
  it("reuses a plan for the same text and parameter types until the catalog version changes", () => {
    const catalog: { version: number; findTable: Catalog["findTable"] } = { version: 1, findTable: () => table };
    const cache = new PlanCache();
    const sql = "SELECT a FROM t WHERE a = $1";
    const plan = (paramTypes: number[]) => cache.plan(select(sql), { catalog, settings, paramTypes, sql, ctes: [] });
    const first = plan([TypeOid.int4]);
    expect(plan([TypeOid.int4])).toBe(first);
    expect(plan([TypeOid.int8])).not.toBe(first);
    catalog.version = 2; // DDL or ANALYZE
    const replanned = plan([TypeOid.int4]);
    expect(replanned).not.toBe(first);
    expect(plan([TypeOid.int4])).toBe(replanned);
    expect(cache.stats()).toEqual({ entries: 2, hits: 2, misses: 3 });
  });

  it("keeps at most entriesMax plans, dropping the least recently used", () => {
    const catalog: Catalog = { version: 1, findTable: () => table };
    const cache = new PlanCache(2);
    const plan = (sql: string) => cache.plan(select(sql), { catalog, settings, paramTypes: [], sql, ctes: [] });
    const one = plan("SELECT 1");
    plan("SELECT 2");
    expect(plan("SELECT 1")).toBe(one);
    plan("SELECT 3");
    expect(cache.stats().entries).toBe(2);
    expect(plan("SELECT 1")).toBe(one);
    expect(cache.stats().misses).toBe(3);
  });

  it("does not cache without a catalog version", () => {
    const catalog: Catalog = { findTable: () => table };
    const cache = new PlanCache();
    const sql = "SELECT a FROM t";
    expect(cache.plan(select(sql), { catalog, settings, paramTypes: [], sql, ctes: [] })).not.toBe(cache.plan(select(sql), { catalog, settings, paramTypes: [], sql, ctes: [] }));
    expect(cache.stats().entries).toBe(0);
  });
});
