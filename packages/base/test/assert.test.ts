import { describe, expect, it } from "vitest";
import { AssertionError, assert, assertDefined, assertNever, invariants } from "@omnikv/base";

describe("assert", () => {
  it("passes when the condition holds", () => {
    expect(() => assert(1 + 1 === 2, "arithmetic")).not.toThrow();
  });

  it("throws AssertionError naming the broken invariant", () => {
    expect(() => assert(false, "lsn > lastLsn")).toThrowError(new AssertionError("assertion failed: lsn > lastLsn"));
  });

  it("narrows types after the check", () => {
    const value = ["x"].find((v) => v === "x");
    assert(value !== undefined, "value present");
    expect(value.length).toBe(1);
  });
});

describe("assertDefined", () => {
  it("returns the value when present, including falsy values", () => {
    expect(assertDefined(0, "zero")).toBe(0);
    expect(assertDefined("", "empty")).toBe("");
  });

  it("throws on undefined and null", () => {
    expect(() => assertDefined(undefined, "missing")).toThrow(AssertionError);
    expect(() => assertDefined(null, "missing")).toThrow(AssertionError);
  });
});

describe("assertNever", () => {
  type Shape = { readonly kind: "circle" } | { readonly kind: "square" };
  function area(shape: Shape): number {
    switch (shape.kind) {
      case "circle":
        return 3;
      case "square":
        return 4;
      default:
        return assertNever(shape);
    }
  }

  it("is unreachable for handled variants and reports the kind otherwise", () => {
    expect(area({ kind: "circle" })).toBe(3);
    // A value from outside the type system, as JSON from disk could be, checked only loosely.
    const rogue: unknown = JSON.parse('{ "kind": "triangle" }');
    const isShapeLike = (v: unknown): v is Shape => typeof v === "object" && v !== null && "kind" in v;
    assert(isShapeLike(rogue), "parsed an object with a kind");
    expect(() => area(rogue)).toThrowError(/kind triangle/);
  });
});

describe("invariants", () => {
  it("are enabled under test", () => {
    expect(invariants.enabled).toBe(true);
  });
});
