/**
 * The planner's catalog and the executor's implementations must name the same ids. This file
 * checks the tables of arithmetic.ts, comparison.ts, math.ts, string.ts and casts.ts: each of
 * their ids is in the catalog, no id is implemented twice (among them or by the other committed
 * tables, text.ts and json.ts), and together with those tables they implement every operator,
 * function and cast id of the catalog, aggregates and the date/time family (datetime.ts) aside.
 */
import { describe, expect, it } from "vitest";
import { typeInfo } from "@omnikv/base";
import { anyNonArrayOid, builtinCasts, builtinFunctions } from "../../../planner/src/functions/builtins.ts";
import { arithmeticFunctions } from "../../src/functions/arithmetic.ts";
import { castFunctions } from "../../src/functions/casts.ts";
import { comparisonFunctions } from "../../src/functions/comparison.ts";
import { jsonFunctions, jsonTypedFunctions } from "../../src/functions/json.ts";
import { mathFunctions } from "../../src/functions/math.ts";
import { stringFunctions } from "../../src/functions/string.ts";
import { textFunctions, textTypedFunctions } from "../../src/functions/text.ts";

const ownTables: Readonly<Record<string, object>> = { arithmeticFunctions, comparisonFunctions, mathFunctions, stringFunctions, castFunctions };
const otherTables: Readonly<Record<string, object>> = { textFunctions, textTypedFunctions, jsonFunctions, jsonTypedFunctions };

/** Whether a type is date/time (`D`) or a timespan (`T`): datetime.ts implements those signatures. */
function isDatetimeType(oid: number): boolean {
  if (oid === anyNonArrayOid) return false;
  const category = typeInfo(oid)?.category;
  return category === "D" || category === "T";
}

function catalogIds(): { readonly all: string[]; readonly required: string[] } {
  const all: string[] = [];
  const required: string[] = [];
  for (const signature of builtinFunctions) {
    if (signature.kind === "aggregate") continue;
    all.push(signature.id);
    if (![...signature.argTypes, signature.returnType].some(isDatetimeType)) required.push(signature.id);
  }
  for (const cast of builtinCasts) {
    if (cast.id === undefined) continue;
    all.push(cast.id);
    if (!isDatetimeType(cast.source) && !isDatetimeType(cast.target)) required.push(cast.id);
  }
  return { all, required };
}

function owners(tables: Readonly<Record<string, object>>): Map<string, string[]> {
  const result = new Map<string, string[]>();
  for (const [tableName, table] of Object.entries(tables)) {
    for (const id of Object.keys(table)) result.set(id, [...(result.get(id) ?? []), tableName]);
  }
  return result;
}

describe("function tables cover the planner's catalog", () => {
  it("catalog ids are unique", () => {
    const { all } = catalogIds();
    expect(new Set(all).size).toBe(all.length);
  });

  it("no id is implemented twice", () => {
    const duplicated = [...owners({ ...ownTables, ...otherTables })].filter(([, names]) => names.length > 1);
    expect(duplicated.map(([id, names]) => `${id}: ${names.join(", ")}`)).toEqual([]);
  });

  it("every id of these tables is in the catalog", () => {
    const ids = new Set(catalogIds().all);
    expect([...owners(ownTables).keys()].filter((id) => !ids.has(id))).toEqual([]);
  });

  it("every catalog id outside the date/time family has an implementation", () => {
    const implemented = owners({ ...ownTables, ...otherTables });
    expect(catalogIds().required.filter((id) => !implemented.has(id))).toEqual([]);
  });
});
