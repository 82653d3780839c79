/**
 * Unit tests of functions/json.ts: the json (text) operators keep their input's spelling, jsonb
 * operators map base's `undefined` to SQL NULL, and typed functions use their argument types.
 */
import { describe, expect, it } from "vitest";
import { TypeOid, arrayOf, parseJsonb, type SqlValue } from "@omnikv/base";
import type { EvalContext, ScalarFunction } from "../../src/functions/function-types.ts";
import { jsonFunctions, jsonTypedFunctions } from "../../src/functions/json.ts";

const context: EvalContext = { extraFloatDigits: 1, timeZone: "UTC", transactionStartMicros: 0n };

function implementation(id: string): ScalarFunction {
  const found = jsonFunctions[id];
  if (found === undefined) throw new Error(`no implementation of ${id}`);
  return found;
}

function typed(id: string, argTypes: readonly number[], args: readonly SqlValue[]): SqlValue {
  const factory = jsonTypedFunctions[id];
  if (factory === undefined) throw new Error(`no implementation of ${id}`);
  return factory(argTypes)(args, context);
}

describe("json operators on json text", () => {
  it("return the element's text verbatim, the last duplicate key winning", () => {
    expect(implementation("->(json,text)")(['{"a":1, "a" : [1,  2 ] }', "a"], context)).toBe("[1,  2 ]");
    expect(implementation("->>(json,text)")(['{"a":"x\\u0041"}', "a"], context)).toBe("xA");
    expect(implementation("->(json,int4)")(["[1, {\"b\": 2} ]", -1], context)).toBe('{"b": 2}');
    expect(implementation("->>(json,text)")(['{"a":null}', "a"], context)).toBeNull();
    expect(implementation("#>>(json,_text)")(["[1,[2, 3]]", arrayOf<SqlValue>(["1"])], context)).toBe("[2, 3]");
  });

  it("treat a scalar root as no array, unlike jsonb", () => {
    expect(implementation("->(json,int4)")(['"x"', 0], context)).toBeNull();
    expect(implementation("->(jsonb,int4)")([parseJsonb('"x"'), 0], context)).toEqual(parseJsonb('"x"'));
  });

  it("report array lengths with PostgreSQL's errors", () => {
    expect(implementation("json_array_length(json)")(["[1, [2], {}]"], context)).toBe(3);
    expect(() => implementation("json_array_length(json)")(["{}"], context)).toThrow("cannot get array length of a non-array");
  });
});

describe("typed json functions", () => {
  it("convert by SQL type: an int4 is a number, a date an ISO string, an array nests", () => {
    expect(typed("to_json(anyelement)", [TypeOid.int4], [7])).toBe("7");
    expect(typed("to_json(anyelement)", [TypeOid.date], [7306])).toBe('"2020-01-02"');
    const matrix = { dims: [2, 1], lowerBounds: [1, 1], elements: [1, null] };
    expect(typed("to_json(anyelement)", [TypeOid.int4Array], [matrix])).toBe("[[1],[null]]");
    const built = typed("jsonb_build_object(any)", [TypeOid.unknown, TypeOid.float8], ["k", 1.5]);
    expect(built).toEqual(parseJsonb('{"k": 1.5}'));
  });
});
