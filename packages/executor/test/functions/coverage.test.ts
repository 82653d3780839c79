/**
 * The planner's catalog and the executor's implementations must name the same ids: every
 * operator, function and cast id of the catalog has exactly one implementation in the builtin
 * registry (its constructor rejects duplicates), every aggregate id one aggregate, and no
 * implementation exists for an id the planner cannot resolve to.
 */
import { describe, expect, it } from "vitest";
import { builtinCasts, builtinFunctions } from "@omnikv/planner";
import { builtinAggregates, builtinRegistry } from "@omnikv/executor";

function catalogIds(kind: "scalar" | "aggregate"): string[] {
  const ids = builtinFunctions
    .filter((signature) => (signature.kind === "aggregate") === (kind === "aggregate"))
    .map((signature) => signature.id);
  if (kind === "scalar") for (const cast of builtinCasts) if (cast.id !== undefined) ids.push(cast.id);
  return ids;
}

describe("the executor implements exactly the planner's catalog", () => {
  it("has unique catalog ids", () => {
    const ids = [...catalogIds("scalar"), ...catalogIds("aggregate")];
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
  });

  it("implements every operator, function and cast, and nothing else", () => {
    const catalog = new Set(catalogIds("scalar"));
    expect([...catalog].filter((id) => !builtinRegistry.has(id))).toEqual([]);
    expect(builtinRegistry.ids.filter((id) => !catalog.has(id))).toEqual([]);
  });

  it("implements every aggregate, and nothing else", () => {
    const catalog = new Set(catalogIds("aggregate"));
    expect([...catalog].filter((id) => builtinAggregates[id] === undefined)).toEqual([]);
    expect(Object.keys(builtinAggregates).filter((id) => !catalog.has(id))).toEqual([]);
  });
});
