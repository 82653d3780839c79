/**
 * The planner's catalog and the executor's implementations must name the same ids: every
 * operator, function and cast id of the catalog has exactly one implementation in the builtin
 * registry (its constructor rejects duplicates), every aggregate id one aggregate, and no
 * implementation exists for an id the planner cannot resolve to.
 */
import { describe, expect, it } from "vitest";
import { builtinCasts, builtinFunctions } from "@omnikv/planner";
import { builtinAggregates, builtinRegistry, builtinSetReturningFunctions } from "@omnikv/executor";

function kindOf(signature: (typeof builtinFunctions)[number]): "scalar" | "aggregate" | "set" {
  if (signature.kind === "aggregate") return "aggregate";
  return signature.returnsSet === true ? "set" : "scalar";
}

function catalogIds(kind: "scalar" | "aggregate" | "set"): string[] {
  const ids = builtinFunctions.filter((signature) => kindOf(signature) === kind).map((signature) => signature.id);
  if (kind === "scalar") for (const cast of builtinCasts) if (cast.id !== undefined) ids.push(cast.id);
  return ids;
}

describe("the executor implements exactly the planner's catalog", () => {
  it("has unique catalog ids", () => {
    const ids = [...catalogIds("scalar"), ...catalogIds("aggregate"), ...catalogIds("set")];
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
  });

  it("implements every operator, function and cast, and nothing else", () => {
    const catalog = new Set(catalogIds("scalar"));
    expect([...catalog].filter((id) => !builtinRegistry.has(id))).toEqual([]);
    expect(builtinRegistry.ids.filter((id) => !catalog.has(id))).toEqual([]);
  });

  it("implements every set-returning function, and nothing else", () => {
    const catalog = new Set(catalogIds("set"));
    expect([...catalog].filter((id) => builtinSetReturningFunctions[id] === undefined)).toEqual([]);
    expect(Object.keys(builtinSetReturningFunctions).filter((id) => !catalog.has(id))).toEqual([]);
  });

  it("implements every aggregate, and nothing else", () => {
    const catalog = new Set(catalogIds("aggregate"));
    expect([...catalog].filter((id) => builtinAggregates[id] === undefined)).toEqual([]);
    expect(Object.keys(builtinAggregates).filter((id) => !catalog.has(id))).toEqual([]);
  });
});
