/**
 * Edge cases of the built-in operators, functions and casts, each checked against what
 * PostgreSQL 15 answers (values recorded from a real server with `--locale=C`). The differential
 * test covers the same ground at random; these name the cases a reader should see.
 */
import { describe, expect, it } from "vitest";
import { DbError, Numeric, TypeOid, formatFloat8, parseJsonb } from "@omnikv/base";
import { arithmeticFunctions } from "../../src/functions/arithmetic.ts";
import { bigIntToFloat4, castFunctions, float4ToNumeric, textToName } from "../../src/functions/casts.ts";
import { comparisonFunctions } from "../../src/functions/comparison.ts";
import type { EvalContext, FunctionTable } from "../../src/functions/function-types.ts";
import { correctlyRoundedPow, glibcCbrt, mathFunctions, numericLog, rint } from "../../src/functions/math.ts";
import { stringFunctions } from "../../src/functions/string.ts";
import { textTypedFunctions } from "../../src/functions/text.ts";
import type { SqlValue } from "../../src/values.ts";

const table: FunctionTable = { ...arithmeticFunctions, ...comparisonFunctions, ...mathFunctions, ...stringFunctions, ...castFunctions };
const context: EvalContext = { extraFloatDigits: 1, timeZone: "UTC", transactionStartMicros: 0n };

function call(id: string, ...args: SqlValue[]): SqlValue {
  const implementation = table[id];
  if (implementation === undefined) throw new Error(`no implementation of ${id}`);
  return implementation(args, context);
}

/** The SQLSTATE and message a call fails with. */
function failure(id: string, ...args: SqlValue[]): string {
  try {
    call(id, ...args);
  } catch (error) {
    if (error instanceof DbError) return `${error.sqlState} ${error.message}`;
    throw error;
  }
  throw new Error(`${id} did not fail`);
}

describe("integer arithmetic", () => {
  it("computes mixed widths in the wider type", () => {
    expect(call("+(int2,int8)", 1, 2n)).toBe(3n);
    expect(call("*(int2,int4)", 32767, 2)).toBe(65534);
    expect(failure("+(int2,int2)", 32767, 1)).toBe("22003 smallint out of range");
  });

  it("raises PostgreSQL's overflow and division errors", () => {
    expect(failure("/(int4,int4)", -2147483648, -1)).toBe("22003 integer out of range");
    expect(failure("/(int8,int8)", -9223372036854775808n, -1n)).toBe("22003 bigint out of range");
    expect(failure("/(int2,int4)", 1, 0)).toBe("22012 division by zero");
    expect(call("%(int4,int4)", -2147483648, -1)).toBe(0);
    expect(failure("@(int2)", -32768)).toBe("22003 smallint out of range");
    expect(failure("-(int8)", -9223372036854775808n)).toBe("22003 bigint out of range");
  });

  it("shifts like C on x86-64: counts modulo the promoted width", () => {
    expect(call("<<(int4,int4)", 1, 32)).toBe(1);
    expect(call("<<(int4,int4)", 1, -1)).toBe(-2147483648);
    expect(call("<<(int2,int4)", 1, 16)).toBe(0);
    expect(call("<<(int2,int4)", 1, 15)).toBe(-32768);
    expect(call(">>(int2,int4)", -8, 40)).toBe(-1);
    expect(call("<<(int8,int4)", 1n, 65)).toBe(2n);
    expect(call(">>(int8,int4)", 5n, -1)).toBe(0n);
  });
});

describe("float arithmetic and math", () => {
  it("raises pow's SQL-standard errors", () => {
    expect(failure("^(float8,float8)", 0, -1)).toBe("2201F zero raised to a negative power is undefined");
    expect(failure("^(float8,float8)", -8, 0.5)).toBe("2201F a negative number raised to a non-integer power yields a complex result");
    expect(call("^(float8,float8)", Number.NaN, 0)).toBe(1);
    expect(call("^(float8,float8)", -Infinity, 3)).toBe(-Infinity);
    expect(failure("^(float8,float8)", 10, 400)).toBe("22003 value out of range: overflow");
    expect(failure("^(float8,float8)", 10, -400)).toBe("22003 value out of range: underflow");
  });

  it("rounds pow correctly where V8's Math.pow is an ulp off", () => {
    expect(correctlyRoundedPow(0.5, -0.5)).toBe(Math.SQRT2);
    expect(correctlyRoundedPow(2.5, 2.5)).toBe(9.882117688026186);
    expect(glibcCbrt(1e308)).toBe(4.64158883361278e102);
  });

  it("rounds float8 half to even and keeps the sign of zero", () => {
    expect(rint(2.5)).toBe(2);
    expect(rint(3.5)).toBe(4);
    expect(Object.is(rint(-0.5), -0)).toBe(true);
    expect(formatFloat8(rint(-0.5))).toBe("-0");
  });

  it("checks logarithm and square root arguments", () => {
    expect(failure("ln(float8)", 0)).toBe("2201E cannot take logarithm of zero");
    expect(failure("log(float8)", -1)).toBe("2201E cannot take logarithm of a negative number");
    expect(failure("sqrt(float8)", -1)).toBe("2201F cannot take square root of a negative number");
    expect(failure("exp(float8)", 1000)).toBe("22003 value out of range: overflow");
    expect(call("exp(float8)", -Infinity)).toBe(0);
    expect(call("sign(float8)", Number.NaN)).toBe(0);
  });

  it("computes numeric log(b, x) at log_var's scale", () => {
    expect(numericLog(Numeric.parse("2"), Numeric.parse("1024")).toString()).toBe("10.0000000000000000");
    expect(numericLog(Numeric.parse("10.0"), Numeric.parse("0.001")).toString()).toBe("-3.0000000000000000");
    expect(numericLog(Numeric.one, Numeric.positiveInfinity).toString()).toBe("Infinity");
    expect(failure("log(numeric,numeric)", Numeric.one, Numeric.parse("10"))).toBe("22012 division by zero");
  });
});

describe("comparisons", () => {
  it("orders NaN above everything and -0 with 0", () => {
    expect(call("=(float8,float8)", Number.NaN, Number.NaN)).toBe(true);
    expect(call(">(float4,float8)", Number.NaN, Infinity)).toBe(true);
    expect(call("=(float8,float4)", -0, 0)).toBe(true);
  });

  it("compares text by code point and bpchar without trailing spaces", () => {
    expect(call("<(text,text)", "\uFFFD", "😀")).toBe(true);
    expect(call("<(text,text)", "Z", "a")).toBe(true);
    expect(call("=(bpchar,bpchar)", "ab  ", "ab")).toBe(true);
    expect(call("<(int8,int2)", -9223372036854775808n, -32768)).toBe(true);
    expect(call("<(bool,bool)", false, true)).toBe(true);
    expect(call("<(jsonb,jsonb)", parseJsonb("[]"), parseJsonb("1"))).toBe(true);
  });
});

describe("string functions", () => {
  it("counts characters, not UTF-16 units", () => {
    expect(call("length(text)", "😀é")).toBe(2);
    expect(call("octet_length(text)", "😀é")).toBe(6);
    expect(call("length(bpchar)", "ab  ")).toBe(2);
    expect(call("octet_length(bpchar)", "ab  ")).toBe(4);
    expect(call("reverse(text)", "a😀b")).toBe("b😀a");
  });

  it("maps case in the C locale: ASCII only", () => {
    expect(call("lower(text)", "ÉA")).toBe("Éa");
    expect(call("upper(text)", "éa")).toBe("éA");
    expect(call("initcap(text)", "éa bC")).toBe("éA Bc");
  });

  it("follows PostgreSQL's substring, split_part, left/right and padding rules", () => {
    expect(call("substr(text,int4,int4)", "hello", -2, 4)).toBe("h");
    expect(failure("substr(text,int4,int4)", "hello", 1, -1)).toBe("22011 negative substring length not allowed");
    expect(call("split_part(text,text,int4)", "a,b,c", ",", -1)).toBe("c");
    expect(failure("split_part(text,text,int4)", "a", "b", 0)).toBe("22023 field position must not be zero");
    expect(call("left(text,int4)", "hello", -2)).toBe("hel");
    expect(call("right(text,int4)", "hello", -2)).toBe("llo");
    expect(call("lpad(text,int4)", "hello", 3)).toBe("hel");
    expect(call("rpad(text,int4,text)", "hi", 5, "ab")).toBe("hiaba");
    expect(call("lpad(text,int4,text)", "hi", 5, "")).toBe("hi");
    expect(failure("lpad(text,int4)", "a", 300000000)).toBe("54000 requested length too large");
    expect(call("repeat(text,int4)", "ab", -1)).toBe("");
    expect(call("strpos(text,text)", "a😀b", "b")).toBe(3);
  });

  it("quotes identifiers as quote_ident does", () => {
    expect(call("quote_ident(text)", "abc")).toBe("abc");
    expect(call("quote_ident(text)", "Abc")).toBe('"Abc"');
    expect(call("quote_ident(text)", "int")).toBe('"int"');
    expect(call("quote_ident(text)", "_a1$")).toBe('"_a1$"');
    expect(call("quote_ident(text)", 'a"b')).toBe('"a""b"');
  });

  it("matches LIKE on characters, with the escape checked only when reached", () => {
    expect(call("~~(text,text)", "a😀c", "a_c")).toBe(true);
    expect(call("~~(text,text)", "abc", "abc\\")).toBe(false);
    expect(failure("~~(text,text)", "abc", "%\\")).toBe("22025 LIKE pattern must not end with escape character");
    expect(call("~~*(text,text)", "É", "é")).toBe(false);
    expect(call("~~(bpchar,text)", "a  ", "a")).toBe(false);
  });

  it("matches regular expressions with ARE's literal braces and C-locale case folding", () => {
    expect(call("~(text,text)", "a{", "a{")).toBe(true);
    expect(call("~*(text,text)", "ABC", "b")).toBe(true);
    expect(call("~*(text,text)", "É", "é")).toBe(false);
    expect(failure("~(text,text)", "a", "(")).toMatch(/^2201B /);
  });

  it("formats a non-text operand of || through its cast to text, by the operand's type", () => {
    const typed = (id: string, argTypes: readonly number[], ...args: SqlValue[]): SqlValue => {
      const implementation = textTypedFunctions[id];
      if (implementation === undefined) throw new Error(`no typed implementation of ${id}`);
      return implementation(argTypes)(args, context);
    };
    expect(typed("||(text,anynonarray)", [TypeOid.text, TypeOid.bool], "a", true)).toBe("atrue");
    expect(typed("||(anynonarray,text)", [TypeOid.float8, TypeOid.text], 1.5, "x")).toBe("1.5x");
    expect(typed("||(text,anynonarray)", [TypeOid.text, TypeOid.numeric], "a", Numeric.parse("1.50"))).toBe("a1.50");
    // A date and an int4 share a representation (a number): the operand's type decides.
    expect(typed("||(text,anynonarray)", [TypeOid.text, TypeOid.date], "d ", 0)).toBe("d 2000-01-01");
    expect(typed("||(text,anynonarray)", [TypeOid.text, TypeOid.int4], "i ", 0)).toBe("i 0");
    expect(typed("||(text,anynonarray)", [TypeOid.text, TypeOid.interval], "", { months: 0, days: 1, micros: 7_200_000_000n })).toBe("1 day 02:00:00");
  });

  it("formats to_hex as unsigned", () => {
    expect(call("to_hex(int4)", -1)).toBe("ffffffff");
    expect(call("to_hex(int8)", -1n)).toBe("ffffffffffffffff");
  });
});

describe("casts", () => {
  it("rounds float to integer half to even and checks the range", () => {
    expect(call("cast(float8,int4)", 2.5)).toBe(2);
    expect(call("cast(float8,int2)", -2.5)).toBe(-2);
    expect(failure("cast(float8,int4)", Number.NaN)).toBe("22003 integer out of range");
    expect(failure("cast(float4,int2)", 32767.5)).toBe("22003 smallint out of range");
    expect(call("cast(float8,int8)", -9223372036854775808)).toBe(-9223372036854775808n);
    expect(failure("cast(float8,int8)", 9223372036854775808)).toBe("22003 bigint out of range");
  });

  it("rounds numeric to integer half away from zero", () => {
    expect(call("cast(numeric,int4)", Numeric.parse("2.5"))).toBe(3);
    expect(call("cast(numeric,int2)", Numeric.parse("-2.5"))).toBe(-3);
    expect(failure("cast(numeric,int8)", Numeric.nan)).toBe("0A000 cannot convert NaN to bigint");
  });

  it("converts int8 to float4 with one rounding", () => {
    // 2^60 + 2^36 + 1 is just above the midpoint 2^60 + 2^36; rounding through a double lands on it.
    const value = 2n ** 60n + 2n ** 36n + 1n;
    expect(bigIntToFloat4(value)).toBe(2 ** 60 + 2 ** 37);
    expect(Math.fround(Number(value))).toBe(2 ** 60);
  });

  it("converts float4 to numeric through %.6g", () => {
    expect(float4ToNumeric(Math.fround(0.1)).toString()).toBe("0.1");
    expect(float4ToNumeric(Math.fround(1234567)).toString()).toBe("1234570");
    expect(float4ToNumeric(Math.fround(1.5e-5)).toString()).toBe("0.000015");
  });

  it("wraps and checks oids", () => {
    expect(call("cast(int4,oid)", -1)).toBe(4294967295);
    expect(call("cast(oid,int4)", 4294967295)).toBe(-1);
    expect(failure("cast(int8,oid)", -1n)).toBe("22003 OID out of range");
  });

  it("strips bpchar padding, truncates names and spells bools", () => {
    expect(call("cast(bpchar,text)", "ab  ")).toBe("ab");
    expect(call("cast(text,bpchar)", "ab  ")).toBe("ab  ");
    expect(textToName("é".repeat(40))).toBe("é".repeat(31));
    expect(call("cast(bool,text)", false)).toBe("false");
  });
});
