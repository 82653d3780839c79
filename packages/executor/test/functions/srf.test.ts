/**
 * Unit tests of the set-returning functions (functions/srf.ts): laziness of huge series, the
 * overflow stop at the integer limits, PostgreSQL's errors, and the row shapes of the array,
 * jsonb and regexp functions. srf.pg.test.ts compares generated calls with PostgreSQL 15.
 */
import { describe, expect, it } from "vitest";
import { DbError, Numeric, arrayOf, makeInterval, parseJsonb, type SqlValue } from "@omnikv/base";
import type { EvalContext } from "../../src/functions/function-types.ts";
import { setReturningFunctions } from "../../src/functions/srf.ts";

const context: EvalContext = { extraFloatDigits: 1, timeZone: "UTC", transactionStartMicros: 0n };
const rowsMax = 10_000;

function rows(id: string, args: readonly SqlValue[], limit = rowsMax): SqlValue[][] {
  const implementation = setReturningFunctions[id];
  if (implementation === undefined) throw new Error(`no implementation of ${id}`);
  const result: SqlValue[][] = [];
  for (const row of implementation(args, context)) {
    result.push([...row]);
    if (result.length >= limit) break;
  }
  return result;
}

/** A numeric result column as text. */
function numericText(row: readonly SqlValue[]): string {
  const value = row[0];
  if (!(value instanceof Numeric)) throw new Error("a numeric series yields Numeric values");
  return value.toString();
}

function sqlStateOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof DbError) return `${error.sqlState} ${error.message}`;
    throw error;
  }
  return "no error";
}

describe("generate_series", () => {
  it("is lazy: three rows of a two-billion-row series come at once", () => {
    const started = performance.now();
    expect(rows("generate_series(int4,int4)", [1, 2147483647], 3)).toEqual([[1], [2], [3]]);
    expect(rows("generate_series(int8,int8)", [1n, 9223372036854775807n], 3)).toEqual([[1n], [2n], [3n]]);
    expect(rows("generate_series(numeric,numeric)", [Numeric.one, Numeric.parse("1e100")], 2).map(numericText)).toEqual(["1", "2"]);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it("stops without error at the integer limits", () => {
    expect(rows("generate_series(int4,int4)", [2147483646, 2147483647])).toEqual([[2147483646], [2147483647]]);
    expect(rows("generate_series(int4,int4,int4)", [-2147483647, -2147483648, -5])).toEqual([[-2147483647]]);
    const int8Max = 2n ** 63n - 1n;
    expect(rows("generate_series(int8,int8,int8)", [int8Max - 3n, int8Max, 2n])).toEqual([[int8Max - 3n], [int8Max - 1n]]);
  });

  it("counts down with a negative step and is empty in the wrong direction", () => {
    expect(rows("generate_series(int4,int4,int4)", [5, 1, -2])).toEqual([[5], [3], [1]]);
    expect(rows("generate_series(int4,int4)", [5, 1])).toEqual([]);
  });

  it("raises PostgreSQL's errors", () => {
    expect(sqlStateOf(() => rows("generate_series(int4,int4,int4)", [1, 2, 0]))).toBe("22023 step size cannot equal zero");
    expect(sqlStateOf(() => rows("generate_series(numeric,numeric)", [Numeric.nan, Numeric.one]))).toBe("22023 start value cannot be NaN");
    const infinity = Numeric.positiveInfinity;
    expect(sqlStateOf(() => rows("generate_series(numeric,numeric)", [Numeric.one, infinity]))).toBe("22023 stop value cannot be infinity");
    const zero = makeInterval(1, -30, 0n);
    expect(sqlStateOf(() => rows("generate_series(timestamp,timestamp,interval)", [0n, 1n, zero]))).toBe("22023 step size cannot equal zero");
  });

  it("keeps the larger scale of start and step for numeric", () => {
    const series = rows("generate_series(numeric,numeric,numeric)", [Numeric.parse("1.5"), Numeric.parse("2"), Numeric.parse("0.25")]);
    expect(series.map(numericText)).toEqual(["1.5", "1.75", "2.00"]);
  });
});

describe("arrays", () => {
  it("unnests every element in storage order, NULLs included", () => {
    const matrix = { dims: [2, 2], lowerBounds: [0, 5], elements: [1, null, 3, 4] };
    expect(rows("unnest(anyarray)", [matrix])).toEqual([[1], [null], [3], [4]]);
    expect(rows("unnest(anyarray)", [arrayOf([])])).toEqual([]);
  });

  it("generates subscripts of a dimension, reversed on request", () => {
    const matrix = { dims: [2, 3], lowerBounds: [0, 5], elements: [1, 2, 3, 4, 5, 6] };
    expect(rows("generate_subscripts(anyarray,int4)", [matrix, 2])).toEqual([[5], [6], [7]]);
    expect(rows("generate_subscripts(anyarray,int4,bool)", [matrix, 1, true])).toEqual([[1], [0]]);
    expect(rows("generate_subscripts(anyarray,int4)", [matrix, 3])).toEqual([]);
  });
});

describe("jsonb", () => {
  it("extracts array elements and object entries", () => {
    expect(rows("jsonb_array_elements_text(jsonb)", [parseJsonb('[1, "a", null]')])).toEqual([["1"], ["a"], [null]]);
    expect(rows("jsonb_object_keys(jsonb)", [parseJsonb('{"bb": 1, "a": 2}')])).toEqual([["a"], ["bb"]]);
    expect(rows("jsonb_each_text(jsonb)", [parseJsonb('{"a": {"b": 1}, "c": null}')])).toEqual([
      ["a", '{"b": 1}'],
      ["c", null],
    ]);
  });

  it("raises PostgreSQL's errors", () => {
    expect(sqlStateOf(() => rows("jsonb_array_elements(jsonb)", [parseJsonb("1")]))).toBe("22023 cannot extract elements from a scalar");
    expect(sqlStateOf(() => rows("jsonb_object_keys(jsonb)", [parseJsonb("[]")]))).toBe("22023 cannot call jsonb_object_keys on an array");
    expect(sqlStateOf(() => rows("jsonb_each(jsonb)", [parseJsonb("[]")]))).toBe("22023 cannot call jsonb_each on a non-object");
  });
});

describe("json", () => {
  it("returns array elements verbatim, decoding strings for the text form", () => {
    const doc = ' [ 1 , "a\\u0041" ,null, {"a" : [1 ]} , [] ] ';
    expect(rows("json_array_elements(json)", [doc])).toEqual([["1"], ['"a\\u0041"'], ["null"], ['{"a" : [1 ]}'], ["[]"]]);
    expect(rows("json_array_elements_text(json)", [doc])).toEqual([["1"], ["aA"], [null], ['{"a" : [1 ]}'], ["[]"]]);
    expect(rows("json_array_elements(json)", ["[]"])).toEqual([]);
    expect(sqlStateOf(() => rows("json_array_elements(json)", [" 1"]))).toBe("22023 cannot call json_array_elements on a scalar");
    expect(sqlStateOf(() => rows("json_array_elements_text(json)", ["{}"]))).toBe("22023 cannot call json_array_elements_text on a non-array");
  });
});

describe("regular expressions", () => {
  it("never matches between the halves of a surrogate pair", () => {
    expect(rows("regexp_matches(text,text,text)", ["ba😀 😀Aa", "^", "gn"])).toEqual([[arrayOf([""])]]);
  });

  it("returns the groups of the first match, or of every match with flag g", () => {
    expect(rows("regexp_matches(text,text)", ["abcabc", "(b)(c)"])).toEqual([[arrayOf(["b", "c"])]]);
    expect(rows("regexp_matches(text,text,text)", ["aab", "a*", "g"])).toEqual([[arrayOf(["aa"])], [arrayOf([""])], [arrayOf([""])]]);
    expect(rows("regexp_matches(text,text)", ["xyz", "a"])).toEqual([]);
  });

  it("splits around non-degenerate matches", () => {
    expect(rows("regexp_split_to_table(text,text)", ["a b  c", "\\s+"])).toEqual([["a"], ["b"], ["c"]]);
    expect(rows("regexp_split_to_table(text,text)", ["abc", ""])).toEqual([["a"], ["b"], ["c"]]);
    expect(rows("regexp_split_to_table(text,text)", ["", "x"])).toEqual([[""]]);
    expect(sqlStateOf(() => rows("regexp_split_to_table(text,text,text)", ["a", "a", "g"]))).toBe(
      '22023 regexp_split_to_table() does not support the "global" option',
    );
  });
});
