/**
 * Unit and property tests of the scalar value types: PostgreSQL 15's documented results for
 * hand-picked inputs, and fast-check round trips (output -> input, send -> recv) and orderings
 * checked against a reference. `FC_SEED=<n>` replays a failing property.
 */
import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DbError } from "@omnikv/base";
import { propertyParams } from "@omnikv/testkit";
import * as s from "../../src/types/scalar.ts";
import { Numeric } from "../../src/types/numeric.ts";
import { parseInterval } from "../../src/types/datetime.ts";

/** `ERROR <sqlstate> <message>` of what `compute` throws, or its result. */
function outcome(compute: () => unknown): string {
  try {
    return String(compute());
  } catch (error) {
    if (error instanceof DbError) return `ERROR ${error.sqlState} ${error.message}`;
    throw error;
  }
}

const params = propertyParams(500);

describe("bool", () => {
  it("reads prefixes, digits and whitespace as boolin does", () => {
    for (const text of ["t", "TRUE", "tr", " yes ", "y", "on", "1", "\ttrue\n"]) expect(s.parseBool(text), text).toBe(true);
    for (const text of ["f", "False", "n", "no", "off", "of", "0"]) expect(s.parseBool(text), text).toBe(false);
    for (const text of ["o", "", "truex", "10", "yess"]) {
      expect(outcome(() => s.parseBool(text))).toBe(`ERROR 22P02 invalid input syntax for type boolean: "${text}"`);
    }
    expect(s.formatBool(true)).toBe("t");
    expect(s.recvBool(Uint8Array.of(7))).toBe(true);
    expect(s.sendBool(false)).toEqual(Uint8Array.of(0));
  });
});

describe("integers", () => {
  it("reads PostgreSQL 15 integer syntax with its errors", () => {
    expect(s.parseInt4(" -2147483648 ")).toBe(-2147483648);
    expect(s.parseInt2("+00032767")).toBe(32767);
    expect(s.parseInt8("-9223372036854775808")).toBe(-9223372036854775808n);
    expect(outcome(() => s.parseInt4("99999999999"))).toBe('ERROR 22003 value "99999999999" is out of range for type integer');
    expect(outcome(() => s.parseInt4("99999999999x"))).toBe('ERROR 22003 value "99999999999x" is out of range for type integer');
    expect(outcome(() => s.parseInt4("2147483648x"))).toBe('ERROR 22P02 invalid input syntax for type integer: "2147483648x"');
    expect(outcome(() => s.parseInt2("x"))).toBe('ERROR 22P02 invalid input syntax for type smallint: "x"');
    expect(outcome(() => s.parseInt8("1e3"))).toBe('ERROR 22P02 invalid input syntax for type bigint: "1e3"');
    expect(outcome(() => s.parseInt4("+"))).toBe('ERROR 22P02 invalid input syntax for type integer: "+"');
  });

  it("reads oids as strtoul does", () => {
    expect(s.parseOid("-1")).toBe(4294967295);
    expect(s.parseOid("-2147483648")).toBe(2147483648);
    expect(outcome(() => s.parseOid("-2147483649"))).toBe('ERROR 22003 value "-2147483649" is out of range for type oid');
    expect(outcome(() => s.parseOid("99999999999x"))).toBe('ERROR 22P02 invalid input syntax for type oid: "99999999999x"');
    expect(s.formatOid(4294967295)).toBe("4294967295");
    expect(s.recvOid(s.sendOid(4294967295))).toBe(4294967295);
  });

  it("raises PostgreSQL's overflow and division errors", () => {
    expect(outcome(() => s.int4Div(-2147483648, -1))).toBe("ERROR 22003 integer out of range");
    expect(outcome(() => s.int4Add(2147483647, 1))).toBe("ERROR 22003 integer out of range");
    expect(outcome(() => s.int2Mul(182, 182))).toBe("ERROR 22003 smallint out of range");
    expect(outcome(() => s.int8Abs(-9223372036854775808n))).toBe("ERROR 22003 bigint out of range");
    expect(outcome(() => s.int4Mod(1, 0))).toBe("ERROR 22012 division by zero");
    expect(s.int4Mod(-2147483648, -1)).toBe(0);
    expect(s.int4Div(-7, 2)).toBe(-3);
    expect(s.int4Mod(-7, 2)).toBe(-1);
    expect(Object.is(s.int4Mul(-1, 0), 0)).toBe(true);
    expect(outcome(() => s.castInt(2147483648n, "int4"))).toBe("ERROR 22003 integer out of range");
  });

  it("round-trips text and binary, and checked arithmetic agrees with BigInt", () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer(), (a, b) => {
        expect(s.parseInt4(s.formatInt(a))).toBe(a);
        expect(s.recvInt4(s.sendInt4(a))).toBe(a);
        const exact = BigInt(a) * BigInt(b);
        const isInRange = exact >= -2147483648n && exact <= 2147483647n;
        expect(outcome(() => s.int4Mul(a, b))).toBe(isInRange ? String(exact) : "ERROR 22003 integer out of range");
      }),
      params,
    );
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (a) => {
        expect(s.parseInt8(s.formatInt8(a))).toBe(a);
        expect(s.recvInt8(s.sendInt8(a))).toBe(a);
      }),
      params,
    );
  });

  it("rejects binary values of the wrong size with 22P03", () => {
    expect(outcome(() => s.recvInt4(Uint8Array.of(1, 2)))).toBe("ERROR 22P03 insufficient data left in message");
    expect(outcome(() => s.recvInt2(Uint8Array.of(1, 2, 3)))).toBe("ERROR 22P03 incorrect binary data format");
  });
});

describe("floats", () => {
  it("reads strtod syntax with PostgreSQL's errors", () => {
    expect(s.parseFloat8(" -Infinity ")).toBe(-Infinity);
    expect(s.parseFloat8("inf")).toBe(Infinity);
    expect(Number.isNaN(s.parseFloat8("nan(123)"))).toBe(true);
    expect(s.parseFloat8("0x1.8p1")).toBe(3);
    expect(s.parseFloat8("1e-320")).toBe(1e-320);
    expect(outcome(() => s.parseFloat8(" 1e400 "))).toBe('ERROR 22003 "1e400" is out of range for type double precision');
    expect(outcome(() => s.parseFloat8("1e-400"))).toBe('ERROR 22003 "1e-400" is out of range for type double precision');
    expect(outcome(() => s.parseFloat4(" 1e40 "))).toBe('ERROR 22003 " 1e40 " is out of range for type real');
    expect(outcome(() => s.parseFloat8("infinit"))).toBe('ERROR 22P02 invalid input syntax for type double precision: "infinit"');
    expect(outcome(() => s.parseFloat4("1e"))).toBe('ERROR 22P02 invalid input syntax for type real: "1e"');
  });

  it("rounds a decimal to float4 once, not through float8", () => {
    // 1 + 2^-24 is halfway between two float32s; the digits decide, not float8's rounding.
    expect(s.parseFloat4("1.00000005960464477539062501")).toBe(Math.fround(1 + 2 ** -23));
    expect(s.parseFloat4("1.000000059604644775390625")).toBe(1);
  });

  it("prints as PostgreSQL 15 does", () => {
    const cases: [number, number, string][] = [
      [1e16, 1, "1e+16"], [1.5e-5, 1, "1.5e-05"], [0.1, 1, "0.1"], [-0, 1, "-0"], [Number.NaN, 1, "NaN"], [Infinity, 1, "Infinity"],
      [1e15, 1, "1e+15"], [123456789012345, 1, "123456789012345"], [1e-4, 1, "0.0001"], [1e23, 1, "9.999999999999999e+22"],
      [0.1, 0, "0.1"], [0.1, 3, "0.1"], [1 / 3, 0, "0.333333333333333"], [1 / 3, -3, "0.333333333333"], [2.5, -14, "2"], [1e100, 0, "1e+100"],
    ];
    for (const [value, extraFloatDigits, text] of cases) expect(s.formatFloat8(value, extraFloatDigits), `${value} efd ${extraFloatDigits}`).toBe(text);
    expect(s.formatFloat4(Math.fround(1e-5))).toBe("1e-05");
    expect(s.formatFloat4(Math.fround(1.5e10))).toBe("1.5000001e+10");
    expect(s.formatFloat4(1000000)).toBe("1e+06");
    expect(s.formatFloat4(Math.fround(0.1), 0)).toBe("0.1");
  });

  it("round-trips every double and float32 through shortest output", () => {
    fc.assert(
      fc.property(fc.double(), (value) => {
        expect(Object.is(s.parseFloat8(s.formatFloat8(value)), value)).toBe(true);
        expect(Object.is(s.recvFloat8(s.sendFloat8(value)), value)).toBe(true);
      }),
      params,
    );
    fc.assert(
      fc.property(fc.float(), (value) => {
        expect(Object.is(s.parseFloat4(s.formatFloat4(value)), value)).toBe(true);
        expect(Object.is(s.recvFloat4(s.sendFloat4(value)), value)).toBe(true);
      }),
      params,
    );
  });

  it("orders NaN above everything and -0 equal to 0", () => {
    expect(s.compareFloat(Number.NaN, Infinity)).toBe(1);
    expect(s.compareFloat(Number.NaN, Number.NaN)).toBe(0);
    expect(s.compareFloat(-0, 0)).toBe(0);
    expect(s.hashFloat8(-0)).toBe(s.hashFloat8(0));
  });

  it("checks overflow, underflow and division by zero", () => {
    expect(outcome(() => s.float8Mul(1e300, 1e300))).toBe("ERROR 22003 value out of range: overflow");
    expect(outcome(() => s.float8Mul(1e-300, 1e-300))).toBe("ERROR 22003 value out of range: underflow");
    expect(outcome(() => s.float8Div(1, 0))).toBe("ERROR 22012 division by zero");
    expect(outcome(() => s.float8ToFloat4(1e39))).toBe("ERROR 22003 value out of range: overflow");
    expect(s.float8Add(Infinity, 1)).toBe(Infinity);
    expect(outcome(() => s.float4Add(3e38, 3e38))).toBe("ERROR 22003 value out of range: overflow");
  });
});

describe("character types", () => {
  it("orders by code point (UTF-8 bytes), not UTF-16 units", () => {
    // U+FFFD is one UTF-16 unit above the surrogate 0xD83D of U+1F600, yet below it as a code point.
    const [replacement, emoji] = ["\u{FFFD}", "\u{1F600}"];
    expect(replacement > emoji).toBe(true);
    expect(s.compareText("\u{FFFD}", "\u{1F600}")).toBe(-1);
    expect(s.compareText("a\u{1F600}", "a\u{1F601}")).toBe(-1);
    expect(s.compareText("ab", "a")).toBe(1);
    const utf8Order = (a: string, b: string): number => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), fc.string({ unit: "grapheme" }), (a, b) => {
        expect(s.compareText(a, b)).toBe(utf8Order(a, b));
      }),
      params,
    );
  });

  it("coerces varchar(n) and bpchar(n) as casts and assignments do", () => {
    expect(s.coerceVarchar("abcd", 3, { isExplicit: true })).toBe("abc");
    expect(s.coerceVarchar("abc  ", 3, { isExplicit: false })).toBe("abc");
    expect(outcome(() => s.coerceVarchar("abcd", 3, { isExplicit: false }))).toBe("ERROR 22001 value too long for type character varying(3)");
    expect(outcome(() => s.coerceBpchar("abcd", 3, { isExplicit: false }))).toBe("ERROR 22001 value too long for type character(3)");
    expect(s.coerceBpchar("\u{1F600}", 3, { isExplicit: false })).toBe("\u{1F600}  ");
    expect(s.coerceVarchar("\u{1F600}\u{1F600}\u{1F600}\u{1F600}", 3, { isExplicit: true })).toBe("\u{1F600}\u{1F600}\u{1F600}");
    expect(s.bpcharLength("ab  ")).toBe(2);
    expect(s.textLength("a\u{1F600}")).toBe(2);
    expect(s.octetLength("a\u{1F600}")).toBe(5);
    expect(s.compareBpchar("ab  ", "ab")).toBe(0);
    expect(s.hashBpchar("ab  ")).toBe(s.hashBpchar("ab"));
  });

  it("round-trips text through UTF-8 and rejects NUL and invalid bytes", () => {
    expect(s.recvText(s.sendText("é\u{1F600}"))).toBe("é\u{1F600}");
    expect(outcome(() => s.recvText(Uint8Array.of(0x61, 0)))).toBe('ERROR 22021 invalid byte sequence for encoding "UTF8": 0x00');
    expect(outcome(() => s.recvText(Uint8Array.of(0xc3, 0x28)))).toBe('ERROR 22021 invalid byte sequence for encoding "UTF8"');
  });
});

describe("bytea", () => {
  it("reads hex and escape formats with PostgreSQL's errors", () => {
    expect(s.formatBytea(s.parseBytea("\\x01 02\n"))).toBe("\\x0102");
    expect(s.formatBytea(s.parseBytea("a\\\\b\\001"))).toBe("\\x615c6201");
    expect(outcome(() => s.parseBytea("\\x0g"))).toBe('ERROR 22023 invalid hexadecimal digit: "g"');
    expect(outcome(() => s.parseBytea("\\x0 1"))).toBe('ERROR 22023 invalid hexadecimal digit: " "');
    expect(outcome(() => s.parseBytea("\\x012"))).toBe("ERROR 22023 invalid hexadecimal data: odd number of digits");
    expect(outcome(() => s.parseBytea("a\\9"))).toBe("ERROR 22P02 invalid input syntax for type bytea");
    expect(s.formatBytea(Uint8Array.of(0x5c, 0x0a, 0x41, 0xff), "escape")).toBe("\\\\\\012A\\377");
  });

  it("receives a copy, also from a Buffer (whose own slice is a view)", () => {
    const stored = Buffer.from([1, 2, 3, 4]);
    const value = s.recvBytea(stored.subarray(1, 3));
    stored.fill(0xee);
    expect(value).toEqual(Uint8Array.of(2, 3));
    expect(Buffer.isBuffer(value)).toBe(false);
  });

  it("round-trips both output formats and orders bytewise", () => {
    fc.assert(
      fc.property(fc.uint8Array(), fc.uint8Array(), (a, b) => {
        expect(s.parseBytea(s.formatBytea(a))).toEqual(a);
        expect(s.parseBytea(s.formatBytea(a, "escape"))).toEqual(a);
        expect(s.compareBytea(a, b)).toBe(Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b))));
      }),
      params,
    );
  });
});

describe("uuid", () => {
  it("reads the formats PostgreSQL accepts", () => {
    const canonical = "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11";
    for (const text of ["A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}", "a0eebc999c0b4ef8bb6d6bb9bd380a11", "a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11", "{a0eebc99-9c0b4ef8-bb6d6bb9-bd380a11}"]) {
      expect(s.parseUuid(text), text).toBe(canonical);
    }
    for (const text of ["a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1", "a0eebc999c0b4ef8bb6d6bb9bd380a11-", "a0e-ebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "{a0eebc999c0b4ef8bb6d6bb9bd380a11", " a0eebc999c0b4ef8bb6d6bb9bd380a11"]) {
      expect(outcome(() => s.parseUuid(text))).toBe(`ERROR 22P02 invalid input syntax for type uuid: "${text}"`);
    }
  });

  it("round-trips text and binary", () => {
    fc.assert(
      fc.property(fc.uuid(), (uuid) => {
        expect(s.formatUuid(s.parseUuid(uuid.toUpperCase()))).toBe(uuid);
        expect(s.recvUuid(s.sendUuid(uuid))).toBe(uuid);
      }),
      params,
    );
  });
});

describe("hashes", () => {
  it("hash values equal under the type's = alike (numeric scale, interval span, NULL array elements)", () => {
    expect(s.hashNumeric(Numeric.parse("1.0"))).toBe(s.hashNumeric(Numeric.parse("1.00")));
    expect(s.hashNumeric(Numeric.parse("0.000"))).toBe(-1);
    expect(s.hashNumeric(Numeric.nan)).toBe(0);
    expect(s.hashInterval(parseInterval("1 day"))).toBe(s.hashInterval(parseInterval("24 hours")));
    expect(s.hashInterval(parseInterval("1 mon"))).toBe(s.hashInterval(parseInterval("30 days")));
    expect(s.hashArray({ dims: [2], lowerBounds: [0], elements: [1, null] }, s.hashInt4)).toBe(
      s.hashArray({ dims: [2], lowerBounds: [1], elements: [1, null] }, s.hashInt4),
    );
  });

  it("are PostgreSQL's (values from PostgreSQL 15)", () => {
    expect(s.hashInt4(5)).toBe(-1330264708);
    expect(s.hashInt8(5n)).toBe(-1330264708);
    expect(s.hashText("hello world!!")).toBe(-2118108552);
    expect(s.hashFloat8(1.5)).toBe(630860146);
    expect(s.hashBpchar("ab  ")).toBe(1718550461);
    expect(s.hashUuid("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")).toBe(1154666245);
  });

  it("hash int8 like int4 inside int4's range", () => {
    fc.assert(
      fc.property(fc.integer(), (value) => {
        expect(s.hashInt8(BigInt(value))).toBe(s.hashInt4(value));
      }),
      params,
    );
  });
});
