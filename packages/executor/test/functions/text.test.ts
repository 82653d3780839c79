/**
 * Unit tests of functions/text.ts: format() specifiers, the ARE → JavaScript regex translation
 * (classes, word boundaries, flags, refused features), LIKE/SIMILAR escapes and array shapes.
 */
import { describe, expect, it } from "vitest";
import { DbError, TypeOid, arrayOf, type SqlValue } from "@omnikv/base";
import type { EvalContext, ScalarFunction } from "../../src/functions/function-types.ts";
import { compileAre, defaultRegexOptions, parseRegexFlags } from "../../src/functions/regex.ts";
import { likeEscape, similarToEscape, textFunctions, textTypedFunctions } from "../../src/functions/text.ts";

const context: EvalContext = { extraFloatDigits: 1, timeZone: "UTC", transactionStartMicros: 0n };

function implementation(id: string): ScalarFunction {
  const found = textFunctions[id];
  if (found === undefined) throw new Error(`no implementation of ${id}`);
  return found;
}

function format(template: string, args: readonly SqlValue[], types: readonly number[]): SqlValue {
  const factory = textTypedFunctions["format(text,any)"];
  if (factory === undefined) throw new Error("no format(text,any)");
  return factory([TypeOid.text, ...types])([template, ...args], context);
}

function sqlState(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof DbError) return error.sqlState;
    throw error;
  }
  return undefined;
}

describe("format()", () => {
  it("handles positions, widths and the s, I, L conversions", () => {
    const { text, int4 } = TypeOid;
    expect(format("%s|%5s|%-5s|", ["a", "b", "c"], [text, text, text])).toBe("a|    b|c    |");
    expect(format("%2$s %1$s %s", ["a", "b"], [text, text])).toBe("b a b");
    expect(format("%*s|%-*s", [3, "x", -3, "y"], [int4, text, int4, text])).toBe("  x|y  ");
    expect(format("%I %L %L", ["Select", "it's", null], [text, text, text])).toBe(`"Select" 'it''s' NULL`);
    expect(sqlState(() => format("%s %s", ["a"], [text]))).toBe("22023");
    expect(sqlState(() => format("%I", [null], [text]))).toBe("22004");
  });
});

describe("ARE translation", () => {
  it("translates classes, word boundaries and ASCII-only case folding", () => {
    const regex = compileAre("\\m[[:alpha:]]+\\M", defaultRegexOptions);
    expect("12 abc".match(regex)?.[0]).toBe("abc");
    const insensitive = compileAre("[a-c]+", parseRegexFlags("i").options);
    expect("xAbCé".match(insensitive)?.[0]).toBe("AbC");
    expect(compileAre("é", parseRegexFlags("i").options).test("É")).toBe(false);
  });

  it("keeps . matching newlines unless n is given, and refuses embedded options", () => {
    expect(compileAre("a.b", defaultRegexOptions).test("a\nb")).toBe(true);
    expect(compileAre("a.b", parseRegexFlags("n").options).test("a\nb")).toBe(false);
    expect(sqlState(() => compileAre("(?i)a", defaultRegexOptions))).toBe("0A000");
    expect(sqlState(() => compileAre("a{300}", defaultRegexOptions))).toBe("2201B");
    expect(sqlState(() => parseRegexFlags("z"))).toBe("22023");
  });

  it("replaces with \\1 and \\& and matches groups into text[]", () => {
    expect(implementation("regexp_replace(text,text,text,text)")(["abab", "(a)b", "<\\1\\&>", "g"], context)).toBe("<aab><aab>");
    expect(implementation("regexp_match(text,text)")(["foobar", "(o+)(x)?"], context)).toEqual(arrayOf<SqlValue>(["oo", null]));
  });
});

describe("escapes and arrays", () => {
  it("rewrites LIKE and SIMILAR TO escapes as PostgreSQL does", () => {
    expect(likeEscape("a#%b\\", "#")).toBe("a\\%b\\\\");
    expect(similarToEscape("a%_(b|c)", undefined)).toBe("^(?:a.*.(?:b|c))$");
    expect(sqlState(() => likeEscape("a", "ab"))).toBe("22025");
  });

  it("keeps the lower bound on prepend and checks shapes on concatenation", () => {
    const shifted = { dims: [2], lowerBounds: [5], elements: [1, 2] };
    expect(implementation("array_prepend(anycompatible,anycompatiblearray)")([0, shifted], context)).toEqual({ dims: [3], lowerBounds: [5], elements: [0, 1, 2] });
    const matrix = { dims: [1, 2], lowerBounds: [1, 1], elements: [1, 2] };
    expect(sqlState(() => implementation("array_cat(anycompatiblearray,anycompatiblearray)")([matrix, arrayOf<SqlValue>([1, 2, 3])], context))).toBe("2202E");
  });
});
