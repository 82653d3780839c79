/**
 * Unit tests of the aggregate states: paths the differential test cannot reach cheaply (an int4
 * sum past 2^53, a million-row numeric sum), the array_agg(anyarray) errors, string_agg's NULL
 * handling, and json_agg without the argument types. Results are PostgreSQL 15's.
 */
import { describe, expect, it } from "vitest";
import { DbError, Numeric, TypeOid, UTC, formatValue, type SqlValue } from "@omnikv/base";
import type { AggregateState, EvalContext } from "@omnikv/executor";
import { aggregatesFunctions, hypotheticalSetFunctions } from "@omnikv/planner";
import { aggregateFunctions } from "../../src/functions/aggregates.ts";

const context: EvalContext = { extraFloatDigits: 1, timeZone: "UTC", transactionStartMicros: 0n };

function stateOf(id: string): AggregateState {
  const factory = aggregateFunctions[id];
  if (factory === undefined) throw new Error(`no aggregate ${id}`);
  // Most aggregates ignore their argument types; json_agg/jsonb_agg are tested with them elsewhere.
  return factory([]);
}

function run(id: string, rows: readonly (readonly SqlValue[])[]): SqlValue {
  const state = stateOf(id);
  for (const args of rows) state.step(args, context);
  return state.final(context);
}

function sqlStateOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    if (error instanceof DbError) return error.sqlState;
    throw error;
  }
  return "no error";
}

function numericText(value: SqlValue): string {
  if (!(value instanceof Numeric)) throw new Error("expected a numeric result");
  return value.toString();
}

const int4Array = (...elements: number[]): SqlValue => ({ dims: [elements.length], lowerBounds: [1], elements });
const emptyArray: SqlValue = { dims: [], lowerBounds: [], elements: [] };

describe("aggregate catalog", () => {
  it("every aggregate signature has exactly one implementation and no implementation lacks one", () => {
    // The hypothetical-set aggregates are aggregates only WITHIN GROUP, so they are listed apart.
    const ids = [...aggregatesFunctions, ...hypotheticalSetFunctions].map((signature) => signature.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => aggregateFunctions[id] === undefined)).toEqual([]);
    expect(Object.keys(aggregateFunctions).filter((id) => !ids.includes(id))).toEqual([]);
    expect(aggregatesFunctions.every((signature) => signature.kind === "aggregate")).toBe(true);
  });

  it("only the collecting aggregates see NULL rows", () => {
    const nonStrict = aggregatesFunctions.filter((signature) => !signature.isStrict).map((signature) => signature.name);
    expect([...new Set(nonStrict)].sort()).toEqual(["array_agg", "json_agg", "jsonb_agg", "string_agg"]);
  });
});

describe("aggregate states", () => {
  it("count() counts rows and is 0 over none", () => {
    expect(run("count()", [])).toBe(0n);
    expect(run("count()", [[], [], []])).toBe(3n);
  });

  it("sum(int4) stays exact past 2^53", () => {
    const state = stateOf("sum(int4)");
    const rowCount = 5_000_000;
    const row = [2147483647];
    for (let i = 0; i < rowCount; i++) state.step(row, context);
    state.step([-2147483648], context);
    expect(state.final(context)).toBe(2147483647n * BigInt(rowCount) - 2147483648n);
  });

  it("avg(int4) divides with numeric division's scale", () => {
    expect(numericText(run("avg(int4)", [[1], [2]]))).toBe("1.5000000000000000");
    expect(numericText(run("avg(int4)", [[1], [2], [2]]))).toBe("1.6666666666666667");
  });

  it("sum(numeric) over a million values", () => {
    const state = stateOf("sum(numeric)");
    const values = [Numeric.parse("1.25"), Numeric.parse("-0.5"), Numeric.parse("3"), Numeric.parse("0.001")];
    const started = performance.now();
    for (let i = 0; i < 1_000_000; i++) state.step([values[i % 4] ?? null], context);
    const elapsedMs = performance.now() - started;
    expect(numericText(state.final(context))).toBe("937750.000");
    expect(elapsedMs).toBeLessThan(5_000);
  });

  it("string_agg skips NULL values but joins without a NULL delimiter", () => {
    expect(run("string_agg(text,text)", [["a", ","], [null, ","], ["b", null], ["c", "-"]])).toBe("ab-c");
    expect(run("string_agg(text,text)", [[null, ","]])).toBeNull();
    expect(run("string_agg(bytea,bytea)", [[new Uint8Array([1]), new Uint8Array([0])], [new Uint8Array([2]), new Uint8Array([0])]])).toEqual(
      new Uint8Array([1, 0, 2]),
    );
  });

  it("array_agg keeps NULLs and stacks arrays", () => {
    expect(run("array_agg(anynonarray)", [[1], [null], [3]])).toEqual({ dims: [3], lowerBounds: [1], elements: [1, null, 3] });
    expect(run("array_agg(anynonarray)", [])).toBeNull();
    expect(run("array_agg(anyarray)", [[int4Array(1, 2)], [int4Array(3, 4)]])).toEqual({
      dims: [2, 2],
      lowerBounds: [1, 1],
      elements: [1, 2, 3, 4],
    });
  });

  it("array_agg(anyarray) rejects NULL, empty and mismatched arrays as PostgreSQL does", () => {
    expect(sqlStateOf(() => run("array_agg(anyarray)", [[null]]))).toBe("22004");
    expect(sqlStateOf(() => run("array_agg(anyarray)", [[emptyArray]]))).toBe("2202E");
    expect(sqlStateOf(() => run("array_agg(anyarray)", [[int4Array(1)], [int4Array(1, 2)]]))).toBe("2202E");
    expect(sqlStateOf(() => run("array_agg(anyarray)", [[int4Array(1)], [emptyArray]]))).toBe("2202E");
    const sixDims: SqlValue = { dims: [1, 1, 1, 1, 1, 1], lowerBounds: [1, 1, 1, 1, 1, 1], elements: [1] };
    expect(sqlStateOf(() => run("array_agg(anyarray)", [[sixDims]]))).toBe("54000");
  });

  it("float sums and accumulations overflow as PostgreSQL's", () => {
    expect(sqlStateOf(() => run("sum(float8)", [[1e308], [1e308]]))).toBe("22003");
    expect(sqlStateOf(() => run("avg(float8)", [[1e308], [1e308]]))).toBe("22003");
    expect(run("sum(float8)", [[Infinity], [1]])).toBe(Infinity);
    expect(run("var_pop(float8)", [[Infinity]])).toBeNaN();
    expect(run("stddev_samp(float8)", [[1]])).toBeNull();
  });

  it("json_agg without argument types reads the runtime representation", () => {
    expect(run("json_agg(anyelement)", [[1], [null], ["a"], [true], [Numeric.parse("1.50")]])).toBe('[1, null, "a", true, 1.50]');
    const jsonb = run("jsonb_agg(anyelement)", [[1n], [null]]);
    expect(jsonb === null ? "NULL" : formatValue(TypeOid.jsonb, jsonb, { extraFloatDigits: 1, timeZone: UTC })).toBe("[1, null]");
  });
});
