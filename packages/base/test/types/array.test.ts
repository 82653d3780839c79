/**
 * Unit and property tests of array text and binary I/O: PostgreSQL 15's results for hand-picked
 * literals, and fast-check round trips (format -> parse, send -> recv) for generated arrays of
 * text, int4 and nullable elements. `FC_SEED=<n>` replays a failing property.
 */
import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DbError, TypeOid } from "@omnikv/base";
import { propertyParams } from "@omnikv/testkit";
import {
  type ArrayElementBinary,
  type ArrayElementText,
  type PgArray,
  arrayOf,
  formatArray,
  parseArray,
  recvArray,
  sendArray,
} from "../../src/types/array.ts";
import { formatInt, parseInt4, recvInt4, recvText, sendInt4, sendText } from "../../src/types/scalar.ts";

const int4Text: ArrayElementText<number> = { parse: parseInt4, format: formatInt };
const textText: ArrayElementText<string> = { parse: (text) => text, format: (text) => text };
const int4Binary: ArrayElementBinary<number> = { elementTypeOid: TypeOid.int4, send: sendInt4, recv: recvInt4 };
const textBinary: ArrayElementBinary<string> = { elementTypeOid: TypeOid.text, send: sendText, recv: recvText };
const params = propertyParams(300);

function outcome(compute: () => unknown): string {
  try {
    const result = compute();
    return typeof result === "string" ? result : JSON.stringify(result);
  } catch (error) {
    if (error instanceof DbError) return `ERROR ${error.sqlState} ${error.message}${error.detail === undefined ? "" : ` / ${error.detail}`}`;
    throw error;
  }
}

describe("array text input and output", () => {
  it("reads and prints PostgreSQL's literals", () => {
    expect(parseArray("{1,2,NULL}", int4Text)).toEqual({ dims: [3], lowerBounds: [1], elements: [1, 2, null] });
    expect(formatArray(parseArray(" { 1 , 2 } ", int4Text), int4Text)).toBe("{1,2}");
    expect(formatArray(parseArray("[0:1]={1,2}", int4Text), int4Text)).toBe("[0:1]={1,2}");
    expect(formatArray(parseArray("{{1,2},{3,4}}", int4Text), int4Text)).toBe("{{1,2},{3,4}}");
    expect(formatArray(parseArray("{{1},{{2}}}", int4Text), int4Text)).toBe("{{{1}},{{2}}}");
    expect(formatArray(parseArray('{"a b",NULL,"NULL","","x\\\\\\"y", a\\ b }', textText), textText)).toBe('{"a b",NULL,"NULL","","x\\\\\\"y","a b"}');
    expect(parseArray("{}", int4Text)).toEqual(arrayOf([]));
    expect(formatArray(arrayOf<number>([]), int4Text)).toBe("{}");
  });

  it("raises malformed array literal with PostgreSQL's detail", () => {
    const cases: [string, string][] = [
      ["{1,2", 'ERROR 22P02 malformed array literal: "{1,2" / Unexpected end of input.'],
      ["  {1,2", 'ERROR 22P02 malformed array literal: "{1,2" / Unexpected end of input.'],
      ["{{1,2},{3}}", 'ERROR 22P02 malformed array literal: "{{1,2},{3}}" / Multidimensional arrays must have sub-arrays with matching dimensions.'],
      ["[1:2]={1}", 'ERROR 22P02 malformed array literal: "[1:2]={1}" / Specified array dimensions do not match array contents.'],
      ["[1:2]{1,2}", 'ERROR 22P02 malformed array literal: "[1:2]{1,2}" / Missing "=" after array dimensions.'],
      ['{ a b , "c" d }', 'ERROR 22P02 malformed array literal: "{ a b , "c" d }" / Unexpected array element.'],
      ["1,2", 'ERROR 22P02 malformed array literal: "1,2" / Array value must start with "{" or dimension information.'],
      ["{1,2} x", 'ERROR 22P02 malformed array literal: "{1,2} x" / Junk after closing right brace.'],
      ["{1,x}", 'ERROR 22P02 invalid input syntax for type integer: "x"'],
      ["{{{{{{{1}}}}}}}", "ERROR 54000 number of array dimensions (7) exceeds the maximum allowed (6)"],
    ];
    for (const [text, expected] of cases) expect(outcome(() => parseArray(text, int4Text)), text).toBe(expected);
  });

  it("round-trips generated text arrays through output and input", () => {
    const element = fc.option(fc.string({ unit: fc.constantFrom("a", " ", '"', "\\", "{", "}", ",", "N", "U", "L", "é", "\t") }), { nil: null });
    fc.assert(
      fc.property(fc.array(element, { maxLength: 6 }), fc.integer({ min: -3, max: 3 }), (elements, lowerBound) => {
        const array: PgArray<string> = elements.length === 0 ? arrayOf([]) : { dims: [elements.length], lowerBounds: [lowerBound], elements };
        expect(parseArray(formatArray(array, textText), textText)).toEqual(array);
      }),
      params,
    );
  });
});

describe("array binary format", () => {
  it("lays out ndim, flags, element oid, dims and elements", () => {
    const bytes = sendArray(arrayOf([1, null]), int4Binary);
    expect(Buffer.from(bytes).toString("hex")).toBe(["00000001", "00000001", "00000017", "00000002", "00000001", "00000004", "00000001", "ffffffff"].join(""));
    expect(Buffer.from(sendArray(arrayOf<number>([]), int4Binary)).toString("hex")).toBe("000000000000000000000017");
  });

  it("round-trips generated arrays and rejects malformed input", () => {
    fc.assert(
      fc.property(fc.array(fc.option(fc.string(), { nil: null }), { maxLength: 6 }), (elements) => {
        expect(recvArray(sendArray(arrayOf(elements), textBinary), textBinary)).toEqual(arrayOf(elements));
      }),
      params,
    );
    const good = sendArray({ dims: [2, 1], lowerBounds: [0, 5], elements: [7, 8] }, int4Binary);
    expect(recvArray(good, int4Binary)).toEqual({ dims: [2, 1], lowerBounds: [0, 5], elements: [7, 8] });
    expect(outcome(() => recvArray(good, textBinary))).toBe("ERROR 42804 binary data has array element type 23 instead of expected 25");
    expect(outcome(() => recvArray(good.slice(0, 30), int4Binary))).toBe("ERROR 22P03 insufficient data left in message");
    const badFlags = good.slice();
    badFlags[7] = 2;
    expect(outcome(() => recvArray(badFlags, int4Binary))).toBe("ERROR 22P03 invalid array flags");
    const longElement = sendArray(arrayOf(["abcde"]), textBinary);
    const asInt = Uint8Array.from(longElement);
    asInt[11] = TypeOid.int4;
    expect(outcome(() => recvArray(asInt, int4Binary))).toBe("ERROR 22P03 improper binary format in array element 1");
  });
});
