/**
 * Unit and property tests of json/jsonb (src/types/json*.ts). Expected texts were taken from
 * PostgreSQL 15; json.pg.test.ts compares with a live server at scale.
 */
import { propertyParams, SeededRandom } from "@omnikv/testkit";
import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DbError } from "../../src/errors.ts";
import {
  canonicalNumberText,
  compareJsonb,
  compareJsonbKeys,
  compareUtf8,
  formatJsonb,
  formatJsonbPretty,
  jsonAggFinal,
  jsonBuildArray,
  jsonBuildObject,
  jsonbAggFinal,
  jsonbArrayElement,
  jsonbArrayLength,
  jsonbBuildObject,
  jsonbConcat,
  jsonbContains,
  jsonbDeleteIndex,
  jsonbDeleteKey,
  jsonbEquals,
  jsonbExists,
  jsonbExtractPath,
  jsonbExtractPathText,
  jsonbHashKey,
  jsonbObjectFieldText,
  jsonbSet,
  jsonbStripNulls,
  jsonNestingDepthMax,
  parseJson,
  parseJsonb,
  recvJson,
  recvJsonb,
  sendJson,
  sendJsonb,
  toJsonb,
  toJsonText,
  utf8ByteLength,
  type JsonbValue,
  type SqlJsonArg,
} from "../../src/types/json.ts";
import { mutateJson, randomJsonText } from "./json-gen.ts";

function jsonb(text: string): JsonbValue {
  return parseJsonb(text);
}

function roundTrip(text: string): string {
  return formatJsonb(parseJsonb(text));
}

/** The SQLSTATE, message and detail of the DbError `body` throws. */
function errorOf(body: () => unknown): string {
  try {
    body();
  } catch (error) {
    if (error instanceof DbError) return `${error.sqlState} ${error.message}${error.detail === undefined ? "" : ` | ${error.detail}`}`;
    throw error;
  }
  throw new Error("expected a DbError");
}

describe("json input", () => {
  it("keeps json text verbatim, including what jsonb rejects", () => {
    expect(parseJson(' {"a" :  1, "a": 2} ')).toBe(' {"a" :  1, "a": 2} ');
    expect(parseJson('"\\u0000"')).toBe('"\\u0000"');
    expect(parseJson('"\\ud800"')).toBe('"\\ud800"');
    expect(parseJson("1e999999999")).toBe("1e999999999");
  });

  it.each([
    ["tru", 'Token "tru" is invalid.'],
    ["01", 'Token "01" is invalid.'],
    [".5", 'Token "." is invalid.'],
    ['"abc', 'Token ""abc" is invalid.'],
    ["[1,2", "The input string ended unexpectedly."],
    ['{"a" 1}', 'Expected ":", but found "1".'],
    ['{"a":1 "b"}', 'Expected "," or "}", but found ""b"".'],
    ["[1 2]", 'Expected "," or "]", but found "2".'],
    ["1 2", 'Expected end of input, but found "2".'],
    ["{1:2}", 'Expected string or "}", but found "1".'],
    ['{"a":1,}', 'Expected string, but found "}".'],
    ["[1,]", 'Expected JSON value, but found "]".'],
    ['"\\x"', 'Escape sequence "\\x" is invalid.'],
    ['"\\u12"', '"\\u" must be followed by four hexadecimal digits.'],
    ['"a\tb"', "Character with value 0x09 must be escaped."],
    ["1.2.3", 'Token "." is invalid.'],
    ["-a", 'Token "-a" is invalid.'],
    ["é", 'Token "é" is invalid.'],
    ["", "The input string ended unexpectedly."],
  ])("rejects %j like PostgreSQL", (text, detail) => {
    expect(errorOf(() => parseJson(text))).toBe(`22P02 invalid input syntax for type json | ${detail}`);
    expect(errorOf(() => parseJsonb(text))).toBe(`22P02 invalid input syntax for type json | ${detail}`);
  });

  it("rejects what only jsonb must decode", () => {
    expect(errorOf(() => parseJsonb('"\\u0000"'))).toBe("22P05 unsupported Unicode escape sequence | \\u0000 cannot be converted to text.");
    expect(errorOf(() => parseJsonb('"\\ud800"'))).toContain("Unicode low surrogate must follow a high surrogate.");
    expect(errorOf(() => parseJsonb('"\\ud800\\ud800"'))).toContain("Unicode high surrogate must not follow a high surrogate.");
    expect(errorOf(() => parseJsonb("1e131072"))).toBe("22003 value overflows numeric format");
    expect(errorOf(() => parseJsonb("0e-20000"))).toBe("22003 value overflows numeric format");
  });

  it("limits nesting depth with PostgreSQL's stack depth error", () => {
    const deep = "[".repeat(jsonNestingDepthMax + 1) + "]".repeat(jsonNestingDepthMax + 1);
    expect(errorOf(() => parseJsonb(deep))).toMatch(/^54001 stack depth limit exceeded/);
    expect(errorOf(() => parseJson(deep))).toMatch(/^54001 stack depth limit exceeded/);
    const deepest = '{"a":'.repeat(jsonNestingDepthMax / 2) + "[".repeat(jsonNestingDepthMax / 2) + "]".repeat(jsonNestingDepthMax / 2) + "}".repeat(jsonNestingDepthMax / 2);
    const value = parseJsonb(deepest);
    expect(formatJsonb(value)).toHaveLength(deepest.length + jsonNestingDepthMax / 2);
    expect(formatJsonbPretty(value).length).toBeGreaterThan(deepest.length);
    expect(compareJsonb(value, parseJsonb(deepest))).toBe(0);
    expect(jsonbContains(value, value)).toBe(true);
    expect(jsonbHashKey(value)).toContain("[[[");
    // vitest's deep equality itself recurses too far here, so values compare through jsonb_cmp.
    expect(compareJsonb(jsonbStripNulls(value), value)).toBe(0);
    expect(compareJsonb(recvJsonb(sendJsonb(value)), value)).toBe(0);
  });
});

describe("jsonb values", () => {
  it("prints as jsonb_out: spaces, key order, last duplicate wins, canonical numbers", () => {
    expect(roundTrip('{"aa":1,"b":2,"a":3,"b":4, "é":0, "z":0}')).toBe('{"a": 3, "b": 4, "z": 0, "aa": 1, "é": 0}');
    expect(roundTrip('[1,{"a":null,"b":[true,false]},"x"]')).toBe('[1, {"a": null, "b": [true, false]}, "x"]');
    expect(roundTrip('"\\u00e9\\ud83d\\ude00 \\n\\t\\"\\\\\\/ \\u001f \\b\\f\\r"')).toBe('"é😀 \\n\\t\\"\\\\/ \\u001f \\b\\f\\r"');
  });

  it.each([
    ["-0", "0"],
    ["-0.0", "0.0"],
    ["1E+2", "100"],
    ["0.10", "0.10"],
    ["1.50e1", "15.0"],
    ["1e-2", "0.01"],
    ["-1.5E-3", "-0.0015"],
    ["0e200000", "0"],
    ["0.000e2", "0.0"],
    ["123.456e-1", "12.3456"],
  ])("reads the number %s as numeric %s", (token, canonical) => {
    expect(canonicalNumberText(token)).toBe(canonical);
  });

  it("pretty-prints as jsonb_pretty", () => {
    expect(formatJsonbPretty(jsonb('{"a":[1,{"b":{}}],"c":[]}'))).toBe(
      '{\n    "a": [\n        1,\n        {\n            "b": {\n            }\n        }\n    ],\n    "c": [\n    ]\n}',
    );
    expect(formatJsonbPretty(jsonb("1"))).toBe("1");
  });

  it("orders as the btree opclass, including the raw scalar quirk", () => {
    const ascending = ["[]", "null", '""', '"a"', '"b"', "-1", "0", "1.5", "false", "true", "[1]", "[[]]", "[0, 0]", "{}", '{"a": 1}', '{"a": 2}', '{"b": 0}', '{"a": 1, "b": 1}'];
    for (let index = 1; index < ascending.length; index++) {
      const [low, high] = [jsonb(ascending[index - 1] ?? ""), jsonb(ascending[index] ?? "")];
      expect(compareJsonb(low, high), `${ascending[index - 1]} < ${ascending[index]}`).toBe(-1);
      expect(compareJsonb(high, low)).toBe(1);
    }
    expect(jsonbEquals(jsonb("1.0"), jsonb("1.00"))).toBe(true);
    expect(jsonbHashKey(jsonb('{"a": [1.0]}'))).toBe(jsonbHashKey(jsonb('{"a": [1.000]}')));
  });

  it("orders keys by UTF-8 length then bytes, and strings by code point", () => {
    expect(utf8ByteLength("é😀a")).toBe(7);
    expect(compareJsonbKeys("z", "aa")).toBe(-1);
    expect(compareUtf8("\uffff", "😀")).toBe(-1);
    expect(compareUtf8("😀", "\ue000")).toBe(1);
  });
});

describe("jsonb operators", () => {
  it("-> by index treats a raw scalar as a one-element array; #> does not", () => {
    expect(jsonbArrayElement(jsonb('"abc"'), 0)).toEqual(jsonb('"abc"'));
    expect(jsonbArrayElement(jsonb('"abc"'), -1)).toEqual(jsonb('"abc"'));
    expect(jsonbArrayElement(jsonb("1"), 1)).toBeUndefined();
    expect(jsonbExtractPath(jsonb('"abc"'), ["0"])).toBeUndefined();
    expect(jsonbExtractPathText(jsonb('"abc"'), [])).toBe("abc");
    expect(jsonbExtractPathText(jsonb("null"), [])).toBeUndefined();
    expect(jsonbExtractPathText(jsonb('{"a":[1,2]}'), ["a", " 1"])).toBe("2");
    expect(jsonbExtractPathText(jsonb('{"a":[1,2]}'), ["a", "1 "])).toBeUndefined();
    expect(jsonbObjectFieldText(jsonb('{"a":"x"}'), "a")).toBe("x");
  });

  it("containment follows PostgreSQL's array semantics", () => {
    expect(jsonbContains(jsonb("[1,2]"), jsonb("1"))).toBe(true);
    expect(jsonbContains(jsonb("1"), jsonb("[1]"))).toBe(false);
    expect(jsonbContains(jsonb('{"a":[1,2]}'), jsonb('{"a":1}'))).toBe(false);
    expect(jsonbContains(jsonb("[1,[2]]"), jsonb("[[2]]"))).toBe(true);
    expect(jsonbContains(jsonb("[[1]]"), jsonb("[1]"))).toBe(false);
    expect(jsonbContains(jsonb("[1, 1.0]"), jsonb("[1.00, 1]"))).toBe(true);
  });

  it("exists, concatenation and deletion", () => {
    expect(jsonbExists(jsonb('"foo"'), "foo")).toBe(true);
    expect(formatJsonb(jsonbConcat(jsonb("1"), jsonb("2")))).toBe("[1, 2]");
    expect(formatJsonb(jsonbConcat(jsonb('{"a":1}'), jsonb("[2]")))).toBe('[{"a": 1}, 2]');
    expect(formatJsonb(jsonbConcat(jsonb("[]"), jsonb("{}")))).toBe("[{}]");
    expect(formatJsonb(jsonbDeleteKey(jsonb('["a","b",1]'), "a"))).toBe('["b", 1]');
    expect(formatJsonb(jsonbDeleteIndex(jsonb('["a","b",1]'), -1))).toBe('["a", "b"]');
    expect(errorOf(() => jsonbDeleteKey(jsonb("1"), "a"))).toBe("22023 cannot delete from scalar");
    expect(errorOf(() => jsonbDeleteIndex(jsonb("{}"), 1))).toBe("22023 cannot delete from object using integer index");
    expect(errorOf(() => jsonbArrayLength(jsonb("1")))).toBe("22023 cannot get array length of a scalar");
    expect(errorOf(() => jsonbArrayLength(jsonb("{}")))).toBe("22023 cannot get array length of a non-array");
  });

  it("jsonb_set and jsonb_strip_nulls", () => {
    const target = jsonb('{"a":[1,2,3]}');
    const nine = jsonb("9");
    expect(formatJsonb(jsonbSet(target, ["a", "-5"], nine))).toBe('{"a": [9, 1, 2, 3]}');
    expect(formatJsonb(jsonbSet(target, ["a", "5"], nine))).toBe('{"a": [1, 2, 3, 9]}');
    expect(formatJsonb(jsonbSet(target, ["a", "1"], nine, false))).toBe('{"a": [1, 9, 3]}');
    expect(formatJsonb(jsonbSet(jsonb('{"a":1}'), ["b", "c"], nine))).toBe('{"a": 1}');
    expect(errorOf(() => jsonbSet(jsonb("1"), ["a"], nine))).toBe("22023 cannot set path in scalar");
    expect(errorOf(() => jsonbSet(jsonb('{"a":[1]}'), ["a", "x"], nine))).toBe('22P02 path element at position 2 is not an integer: "x"');
    expect(errorOf(() => jsonbSet(jsonb('{"a":1}'), ["a", null], nine))).toBe("22004 path element at position 2 is null");
    expect(formatJsonb(jsonbStripNulls(jsonb('{"a":null,"b":[null,{"c":null}]}')))).toBe('{"b": [null, {}]}');
  });
});

describe("building json and jsonb from SQL values", () => {
  const args: SqlJsonArg[] = [
    { kind: "text", text: "a" },
    { kind: "number", text: "1" },
    { kind: "text", text: "a" },
    { kind: "number", text: "2" },
    { kind: "text", text: "e" },
    { kind: "json", text: '{"x" :  1}' },
    { kind: "text", text: "g" },
    { kind: "number", text: "NaN" },
    { kind: "text", text: "h" },
    { kind: "number", text: "1e+100" },
    { kind: "text", text: "i" },
    { kind: "array", elements: [{ kind: "number", text: "1" }, { kind: "number", text: "2" }] },
    { kind: "number", text: "1" },
    { kind: "bool", value: true },
  ];

  it("formats json_build_object, json_build_array and json_agg like PostgreSQL", () => {
    expect(jsonBuildObject(args)).toBe('{"a" : 1, "a" : 2, "e" : {"x" :  1}, "g" : "NaN", "h" : 1e+100, "i" : [1,2], "1" : true}');
    expect(jsonBuildArray([{ kind: "number", text: "1" }, { kind: "text", text: "a" }, { kind: "null" }, { kind: "jsonb", value: jsonb("[1,2]") }])).toBe(
      '[1, "a", null, [1, 2]]',
    );
    const arrayOf = (text: string): SqlJsonArg => ({ kind: "array", elements: [{ kind: "number", text }] });
    expect(jsonAggFinal([arrayOf("1"), arrayOf("2")])).toBe("[[1], \n [2]]");
    expect(jsonAggFinal([{ kind: "json", text: '{"a":1}' }, { kind: "null" }])).toBe('[{"a":1}, null]');
    expect(jsonAggFinal([])).toBeUndefined();
    expect(toJsonText({ kind: "text", text: 'x"y' })).toBe('"x\\"y"');
  });

  it("builds jsonb with deduplicated keys and numeric numbers", () => {
    expect(formatJsonb(jsonbBuildObject(args))).toBe(
      `{"1": true, "a": 2, "e": {"x": 1}, "g": "NaN", "h": 1${"0".repeat(100)}, "i": [1, 2]}`,
    );
    expect(formatJsonb(toJsonb({ kind: "number", text: "Infinity" }))).toBe('"Infinity"');
    expect(jsonbAggFinal([{ kind: "json", text: '{"a":1}' }, { kind: "json", text: "[2]" }])).toEqual(jsonb('[{"a": 1}, [2]]'));
  });

  it("raises PostgreSQL's errors for bad keys and argument counts", () => {
    expect(errorOf(() => jsonBuildObject([{ kind: "null" }, { kind: "number", text: "1" }]))).toBe("22023 argument 1 cannot be null");
    expect(errorOf(() => jsonbBuildObject([{ kind: "null" }, { kind: "number", text: "1" }]))).toBe("22023 argument 1: key must not be null");
    expect(errorOf(() => jsonbBuildObject([{ kind: "text", text: "a" }]))).toBe("22023 argument list must have even number of elements");
    expect(errorOf(() => jsonBuildObject([{ kind: "jsonb", value: jsonb("{}") }, { kind: "null" }]))).toBe(
      "22023 key value must be scalar, not array, composite, or json",
    );
  });
});

describe("binary send and receive", () => {
  it("writes jsonb as version 1 plus text and json as its text", () => {
    expect(Buffer.from(sendJsonb(jsonb('{"a":1}'))).toString("hex")).toBe("017b2261223a20317d");
    expect(Buffer.from(sendJson('{"a" : 1}')).toString("hex")).toBe("7b226122203a20317d");
    expect(recvJsonb(Uint8Array.from([1, 0x31]))).toEqual(jsonb("1"));
    expect(recvJson(sendJson(' [1] '))).toBe(" [1] ");
    expect(errorOf(() => recvJsonb(Uint8Array.from([2, 0x31])))).toBe("XX000 unsupported jsonb version number 2");
    expect(errorOf(() => recvJsonb(new Uint8Array(0)))).toBe("08P01 insufficient data left in message");
    expect(errorOf(() => recvJson(Uint8Array.from([0x22, 0xff, 0x22])))).toMatch(/^22021 invalid byte sequence/);
  });
});

/** A fast-check arbitrary of jsonb values built from the random document generator. */
const jsonbArbitrary: fc.Arbitrary<JsonbValue> = fc
  .tuple(fc.integer({ min: 0, max: 0x7fff_ffff }), fc.integer({ min: 0, max: 4 }))
  .map(([seed, depth]) => randomJsonText(new SeededRandom(seed), depth))
  .filter((text) => !text.includes("\\u0000"))
  .map((text) => parseJsonb(text));

/** fast-check's own JSON texts too, for shapes our generator does not draw. */
const fcJsonbArbitrary: fc.Arbitrary<JsonbValue> = fc.json({ maxDepth: 3 }).map((text) => parseJsonb(text));
const anyJsonb = fc.oneof(jsonbArbitrary, fcJsonbArbitrary);

describe("properties", () => {
  it("jsonb output parses back to the same value and the same text", () => {
    fc.assert(
      fc.property(anyJsonb, (value) => {
        const text = formatJsonb(value);
        const again = parseJsonb(text);
        expect(again).toEqual(value);
        expect(formatJsonb(again)).toBe(text);
        expect(recvJsonb(sendJsonb(value))).toEqual(value);
      }),
      propertyParams(500),
    );
  });

  it("json accepts exactly what JSON.parse accepts on generated and mutated text", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0x7fff_ffff }), (seed) => {
        const random = new SeededRandom(seed);
        const text = mutateJson(random, randomJsonText(random, 3));
        let isValidForJs = true;
        try {
          JSON.parse(text);
        } catch {
          isValidForJs = false;
        }
        // PostgreSQL and RFC 8259 differ only on whitespace: \f and friends are not JSON whitespace for either.
        let isValidForUs = true;
        try {
          parseJson(text);
        } catch {
          isValidForUs = false;
        }
        expect(isValidForUs).toBe(isValidForJs);
      }),
      propertyParams(1000),
    );
  });

  it("containment is reflexive and holds for every pruned part", () => {
    fc.assert(
      fc.property(anyJsonb, (value) => {
        expect(jsonbContains(value, value)).toBe(true);
        if (value.kind === "object" && value.entries.length > 0) {
          expect(jsonbContains(value, { kind: "object", entries: value.entries.slice(1) })).toBe(true);
        }
        if (value.kind === "array" && value.elements.length > 0) {
          expect(jsonbContains(value, { kind: "array", elements: value.elements.slice(1).toReversed() })).toBe(true);
        }
      }),
      propertyParams(500),
    );
  });

  it("ordering is a total order consistent with equality and the hash key", () => {
    fc.assert(
      fc.property(anyJsonb, anyJsonb, anyJsonb, (a, b, c) => {
        const ab = compareJsonb(a, b);
        expect(compareJsonb(b, a)).toBe(-ab || 0);
        expect(compareJsonb(a, a)).toBe(0);
        expect(ab === 0).toBe(jsonbHashKey(a) === jsonbHashKey(b));
        const sorted = [a, b, c].sort(compareJsonb);
        for (let index = 1; index < sorted.length; index++) {
          const [low, high] = [sorted[index - 1], sorted[index]];
          if (low !== undefined && high !== undefined) expect(compareJsonb(low, high)).toBeLessThanOrEqual(0);
        }
        const [first, , last] = sorted;
        if (first !== undefined && last !== undefined) expect(compareJsonb(first, last)).toBeLessThanOrEqual(0);
      }),
      propertyParams(1000),
    );
  });
});
