/**
 * The planner's catalog and the executor's implementations must name the same ids: every
 * operator and function signature (aggregates aside) and every cast that has an id is implemented
 * exactly once across the function tables, and no table implements an id the catalog lacks.
 */
import { describe, expect, it } from "vitest";
import { builtinCasts, builtinFunctions } from "../../../planner/src/functions/builtins.ts";
import { arithmeticFunctions } from "../../src/functions/arithmetic.ts";
import { castFunctions } from "../../src/functions/casts.ts";
import { comparisonFunctions } from "../../src/functions/comparison.ts";
import type { FunctionTable } from "../../src/functions/function-types.ts";
import { mathFunctions } from "../../src/functions/math.ts";
import { stringFunctions } from "../../src/functions/string.ts";

const tables: Readonly<Record<string, FunctionTable>> = {
  arithmeticFunctions,
  comparisonFunctions,
  mathFunctions,
  stringFunctions,
  castFunctions,
};

function catalogIds(): string[] {
  const ids = builtinFunctions.filter((signature) => signature.kind !== "aggregate").map((signature) => signature.id);
  for (const cast of builtinCasts) if (cast.id !== undefined) ids.push(cast.id);
  return ids;
}

function implementations(): Map<string, string[]> {
  const owners = new Map<string, string[]>();
  for (const [tableName, table] of Object.entries(tables)) {
    for (const id of Object.keys(table)) owners.set(id, [...(owners.get(id) ?? []), tableName]);
  }
  return owners;
}

describe("function tables cover the planner's catalog", () => {
  it("catalog ids are unique", () => {
    const ids = catalogIds();
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("every catalog id has exactly one implementation", () => {
    const owners = implementations();
    const missing = catalogIds().filter((id) => !owners.has(id));
    const duplicated = [...owners].filter(([, names]) => names.length > 1).map(([id, names]) => `${id}: ${names.join(", ")}`);
    expect(missing).toEqual([]);
    expect(duplicated).toEqual([]);
  });

  it("no table implements an id the catalog lacks", () => {
    const ids = new Set(catalogIds());
    const extra = [...implementations().keys()].filter((id) => !ids.has(id));
    expect(extra).toEqual([]);
  });
});
