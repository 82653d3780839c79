/**
 * The aggregation operator's part of an aggregate call, without PostgreSQL (the differential test
 * in aggregates.pg.test.ts compares DISTINCT and FILTER with a real server): FILTER, strict NULL
 * skipping, DISTINCT order and equality, and the preconditions.
 */
import { describe, expect, it } from "vitest";
import { AssertionError, DbError, Numeric, TypeOid } from "@omnikv/base";
import { builtinAggregates, builtinRegistry, prepareAggregateCall, type EvalContext } from "@omnikv/executor";

const context: EvalContext = { extraFloatDigits: 1, timeZone: "UTC", transactionStartMicros: 0n };

function aggregate(id: string): NonNullable<(typeof builtinAggregates)[string]> {
  const found = builtinAggregates[id];
  if (found === undefined) throw new Error(`no aggregate ${id}`);
  return found;
}

function sqlStateOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof DbError) return error.sqlState;
    throw error;
  }
  return undefined;
}

describe("prepareAggregateCall", () => {
  it("counts a row only when its FILTER is true", () => {
    const group = prepareAggregateCall({ aggregate: aggregate("count(anyelement)"), argTypes: [TypeOid.int4], isStrict: true, isDistinct: false }, builtinRegistry)();
    group.add(true, [1], context);
    group.add(false, [2], context);
    group.add(null, [3], context);
    group.add(true, [null], context);
    expect(group.final(context)).toBe(1n);
  });

  it("feeds DISTINCT input once per value, sorted, NULLs last for non-strict aggregates", () => {
    const group = prepareAggregateCall({ aggregate: aggregate("array_agg(anynonarray)"), argTypes: [TypeOid.int4], isStrict: false, isDistinct: true }, builtinRegistry)();
    for (const value of [3, null, 1, 3, null, 2, 1]) group.add(true, [value], context);
    expect(group.final(context)).toMatchObject({ elements: [1, 2, 3, null] });
  });

  it("compares DISTINCT numerics by value", () => {
    const group = prepareAggregateCall({ aggregate: aggregate("sum(numeric)"), argTypes: [TypeOid.numeric], isStrict: true, isDistinct: true }, builtinRegistry)();
    for (const text of ["1.0", "1.00", "2", "2.0"]) group.add(true, [Numeric.parse(text)], context);
    const sum = group.final(context);
    expect(sum instanceof Numeric ? sum.toString() : sum).toBe("3.0");
  });

  it("fails on a type without equality when prepared, and on misuse", () => {
    const json = { aggregate: aggregate("json_agg(anyelement)"), argTypes: [TypeOid.json], isStrict: false, isDistinct: true };
    expect(sqlStateOf(() => prepareAggregateCall(json, builtinRegistry))).toBe("42883");
    const count = prepareAggregateCall({ aggregate: aggregate("count()"), argTypes: [], isStrict: false, isDistinct: false }, builtinRegistry)();
    expect(() => count.add(true, [1], context)).toThrow(AssertionError);
    count.final(context);
    expect(() => count.final(context)).toThrow(AssertionError);
  });
});
