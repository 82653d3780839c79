/**
 * Unit and property tests of `Numeric`. The properties compare it with a plain BigInt model of
 * decimals (value = unscaled / 10^scale); numeric.pg.test.ts compares it with PostgreSQL itself.
 */
import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { propertyParams } from "@omnikv/testkit";
import { Numeric } from "../../src/types/numeric.ts";

const n = (text: string): Numeric => Numeric.parse(text);

function sqlStateOf(f: () => unknown): string {
  try {
    f();
  } catch (error) {
    if (error instanceof Error && "sqlState" in error) return String(error.sqlState);
    throw error;
  }
  return "no error";
}

/** The reference model: a decimal is [unscaled, scale]; all arithmetic is exact BigInt. */
type Decimal = readonly [bigint, number];

function modelText([u, s]: Decimal): string {
  const digits = (u < 0n ? -u : u).toString().padStart(s + 1, "0");
  const body = s === 0 ? digits : `${digits.slice(0, digits.length - s)}.${digits.slice(digits.length - s)}`;
  return u < 0n ? `-${body}` : body;
}

function align(a: Decimal, b: Decimal): [bigint, bigint, number] {
  const s = Math.max(a[1], b[1]);
  return [a[0] * 10n ** BigInt(s - a[1]), b[0] * 10n ** BigInt(s - b[1]), s];
}

const decimalArb: fc.Arbitrary<Decimal> = fc.tuple(
  fc.oneof(fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }), fc.bigInt({ min: -1000n, max: 1000n })),
  fc.integer({ min: 0, max: 30 }),
);

const toNumeric = (d: Decimal): Numeric => Numeric.parse(modelText(d));

describe("Numeric text I/O", () => {
  it("parses PostgreSQL's numeric_in syntax and prints with the display scale", () => {
    expect(n("1.50").toString()).toBe("1.50");
    expect(n("-0.0").toString()).toBe("0.0");
    expect(n(" +1.5e1 ").toString()).toBe("15");
    expect(n("1.5e-1").toString()).toBe("0.15");
    expect(n("1e 5").toString()).toBe("100000");
    expect(n(".5").toString()).toBe("0.5");
    expect(n("5.").toString()).toBe("5");
    expect(n("00012.3400").toString()).toBe("12.3400");
    expect([n("NaN"), n(" nan "), n("inf"), n("-Infinity"), n("+INF")].map(String)).toEqual([
      "NaN", "NaN", "Infinity", "-Infinity", "Infinity",
    ]);
  });

  it("rejects bad syntax with 22P02 and PostgreSQL's message, and limits with 22003", () => {
    for (const text of ["", " ", ".", "-", "1e", "1.2.3", "1_000", "infinit", "12abc", "0x10"]) {
      expect(() => n(text)).toThrow(`invalid input syntax for type numeric: "${text}"`);
      expect(sqlStateOf(() => n(text))).toBe("22P02");
    }
    for (const text of ["1e131072", "1e-16384", "0e-16384", "1e2147483648", "1e1073741823"]) {
      expect(() => n(text)).toThrow("value overflows numeric format");
      expect(sqlStateOf(() => n(text))).toBe("22003");
    }
    expect(n("1e131071").toString()).toHaveLength(131072);
    expect(n("0e200000").toString()).toBe("0");
  });

  it("round-trips any value through text, agreeing with the model", () => {
    fc.assert(
      fc.property(decimalArb, (d) => {
        const value = toNumeric(d);
        expect(value.toString()).toBe(modelText(d));
        expect(n(value.toString()).toString()).toBe(value.toString());
      }),
      propertyParams(500),
    );
  });
});

describe("Numeric arithmetic", () => {
  it("adds, subtracts and multiplies exactly with PostgreSQL's scales", () => {
    expect(n("1.5").add(n("2.25")).toString()).toBe("3.75");
    expect(n("1.50").sub(n("1.5")).toString()).toBe("0.00");
    expect(n("1.10").mul(n("2.0")).toString()).toBe("2.200");
    expect(n("1e-10000").mul(n("1e-10000")).dscale).toBe(16383);
    fc.assert(
      fc.property(decimalArb, decimalArb, (a, b) => {
        const [x, y, s] = align(a, b);
        expect(toNumeric(a).add(toNumeric(b)).toString()).toBe(modelText([x + y, s]));
        expect(toNumeric(a).sub(toNumeric(b)).toString()).toBe(modelText([x - y, s]));
        expect(toNumeric(a).mul(toNumeric(b)).toString()).toBe(modelText([a[0] * b[0], a[1] + b[1]]));
      }),
      propertyParams(500),
    );
  });

  it("divides at select_div_scale's scale, rounding half away from zero", () => {
    expect(n("1").div(n("3")).toString()).toBe("0.33333333333333333333");
    expect(n("10").div(n("4")).toString()).toBe("2.5000000000000000");
    expect(n("1e-20").div(n("3")).toString()).toBe("0.0000000000000000000033333333333333333333");
    expect(n("2.0000").div(n("3.0")).toString()).toBe("0.66666666666666666667");
    expect(() => n("1").div(n("0.00"))).toThrow("division by zero");
    expect(sqlStateOf(() => n("1").div(n("0")))).toBe("22012");
    fc.assert(
      fc.property(decimalArb, decimalArb, (a, b) => {
        fc.pre(b[0] !== 0n);
        const q = toNumeric(a).div(toNumeric(b));
        // |q - a/b| <= half a unit in q's last place: |2(q·b - a)| <= b at a common scale.
        const qScaled = q.unscaled * b[0] * 10n ** BigInt(a[1] + b[1]);
        const aScaled = a[0] * 10n ** BigInt(q.dscale + 2 * b[1]);
        const error = 2n * (qScaled - aScaled);
        const bound = (b[0] < 0n ? -b[0] : b[0]) * 10n ** BigInt(a[1] + b[1]);
        expect(error <= bound && -error <= bound).toBe(true);
        expect(q.dscale).toBeGreaterThanOrEqual(Math.max(a[1], b[1]));
      }),
      propertyParams(500),
    );
  });

  it("takes the remainder with the dividend's sign, at the larger scale", () => {
    expect(n("7.5").mod(n("2")).toString()).toBe("1.5");
    expect(n("-7").mod(n("2.00")).toString()).toBe("-1.00");
    expect(n("5").mod(n("Infinity")).toString()).toBe("5");
    expect(() => n("Infinity").mod(n("0"))).toThrow("division by zero");
    fc.assert(
      fc.property(decimalArb, decimalArb, (a, b) => {
        fc.pre(b[0] !== 0n);
        const [x, y, s] = align(a, b);
        expect(toNumeric(a).mod(toNumeric(b)).toString()).toBe(modelText([x % y, s]));
      }),
      propertyParams(300),
    );
  });

  it("follows PostgreSQL 15 for NaN and the infinities", () => {
    const table: readonly [string, string][] = [
      [n("Infinity").add(n("-Infinity")).toString(), "NaN"],
      [n("Infinity").mul(n("0")).toString(), "NaN"],
      [n("-Infinity").mul(n("-2")).toString(), "Infinity"],
      [n("5").div(n("-Infinity")).toString(), "0"],
      [n("Infinity").div(n("-3")).toString(), "-Infinity"],
      [n("NaN").power(n("0")).toString(), "1"],
      [n("1").power(n("NaN")).toString(), "1"],
      [n("0.5").power(n("-Infinity")).toString(), "Infinity"],
      [n("-Infinity").power(n("3")).toString(), "-Infinity"],
      [n("-Infinity").exp().toString(), "0"],
      [n("Infinity").sign().toString(), "1"],
    ];
    for (const [actual, expected] of table) expect(actual).toBe(expected);
    expect(sqlStateOf(() => n("0").power(n("-Infinity")))).toBe("2201F");
    expect(sqlStateOf(() => n("-Infinity").power(n("0.5")))).toBe("2201F");
    expect(sqlStateOf(() => n("Infinity").div(n("0")))).toBe("22012");
  });
});

describe("Numeric ordering and hashing", () => {
  it("orders -Infinity < finite < Infinity < NaN, and NaN equals NaN", () => {
    const sorted = ["NaN", "1", "-Infinity", "Infinity", "-1.5", "1.00", "0"].map(n).sort((a, b) => a.compare(b));
    expect(sorted.map(String)).toEqual(["-Infinity", "-1.5", "0", "1", "1.00", "Infinity", "NaN"]);
    expect(n("NaN").equals(n("NaN"))).toBe(true);
    expect(n("1.0").equals(n("1.00"))).toBe(true);
  });

  it("compares as the model does, and equal values share a hash key whatever their scale", () => {
    fc.assert(
      fc.property(decimalArb, decimalArb, fc.integer({ min: 0, max: 5 }), (a, b, extra) => {
        const [x, y] = align(a, b);
        expect(toNumeric(a).compare(toNumeric(b))).toBe(x < y ? -1 : x > y ? 1 : 0);
        const widened = toNumeric([a[0] * 10n ** BigInt(extra), a[1] + extra]);
        expect(widened.equals(toNumeric(a))).toBe(true);
        expect(widened.hashKey()).toBe(toNumeric(a).hashKey());
        if (x !== y) expect(toNumeric(a).hashKey()).not.toBe(toNumeric(b).hashKey());
      }),
      propertyParams(500),
    );
  });
});

describe("Numeric rounding", () => {
  it("rounds half away from zero and truncates toward zero", () => {
    expect(["2.5", "-2.5", "0.5", "-0.5", "1.4999"].map((t) => n(t).round().toString())).toEqual(["3", "-3", "1", "-1", "1"]);
    expect(n("0.0005").round(3).toString()).toBe("0.001");
    expect(n("1.5").round(3).toString()).toBe("1.500");
    expect(n("1234.5").round(-2).toString()).toBe("1200");
    expect(n("-0.4").round().toString()).toBe("0");
    expect(n("-2.7").trunc().toString()).toBe("-2");
    expect(n("-2.1").ceil().toString()).toBe("-2");
    expect(n("-2.1").floor().toString()).toBe("-3");
    expect(n("-7.25").sign().toString()).toBe("-1");
    fc.assert(
      fc.property(decimalArb, fc.integer({ min: -5, max: 35 }), (a, scale) => {
        const [u, s] = a;
        const rounded = toNumeric(a).round(scale);
        const target = Math.max(scale, 0);
        // Model: r = round(u / 10^(s - scale)) computed with rationals.
        const num = u * 10n ** BigInt(Math.max(scale - s, 0));
        const den = 10n ** BigInt(Math.max(s - scale, 0));
        const q = num / den;
        const r = num - q * den;
        const qr = 2n * (r < 0n ? -r : r) >= den ? q + (u < 0n ? -1n : 1n) : q;
        const model: Decimal = scale >= 0 ? [qr, target] : [qr * 10n ** BigInt(-scale), 0];
        expect(rounded.toString()).toBe(modelText(model));
        expect(toNumeric(a).trunc(scale).toString()).toBe(modelText(scale >= 0 ? [q, target] : [q * 10n ** BigInt(-scale), 0]));
      }),
      propertyParams(500),
    );
  });
});

describe("Numeric functions", () => {
  it("computes sqrt, ln, log10, exp and power at PostgreSQL's scales", () => {
    expect(n("2").sqrt().toString()).toBe("1.414213562373095");
    expect(n("0").sqrt().toString()).toBe("0.000000000000000");
    expect(n("1e30").sqrt().toString()).toBe("1000000000000000.0");
    expect(n("2").ln().toString()).toBe("0.6931471805599453");
    expect(n("1").exp().toString()).toBe("2.7182818284590452");
    expect(n("2").log10().toString()).toBe("0.3010299956639812");
    expect(n("2").power(n("0.5")).toString()).toBe("1.4142135623730950");
    expect(n("2").power(n("10")).toString()).toBe("1024.0000000000000000");
    expect(n("2").power(n("-3")).toString()).toBe("0.1250000000000000");
    expect(n("10").power(n("-5000")).toString()).toBe("0.0000000000000000");
    expect(sqlStateOf(() => n("-1").sqrt())).toBe("2201F");
    expect(sqlStateOf(() => n("0").ln())).toBe("2201E");
    expect(sqlStateOf(() => n("-2").ln())).toBe("2201E");
    expect(sqlStateOf(() => n("0").power(n("-1")))).toBe("2201F");
    expect(sqlStateOf(() => n("-2").power(n("0.5")))).toBe("2201F");
    expect(sqlStateOf(() => n("6000").exp())).toBe("22003");
    expect(sqlStateOf(() => n("10").power(n("131072")))).toBe("22003");
  });

  it("raises to small integer powers exactly as repeated multiplication rounds", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -9999n, max: 9999n }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 12 }), (u, s, k) => {
        const base = toNumeric([u, s]);
        let exact = Numeric.one;
        for (let i = 0; i < k; i++) exact = exact.mul(base);
        expect(base.power(Numeric.fromInt(k)).toString()).toBe(exact.round(Math.max(16, s)).toString());
      }),
      propertyParams(300),
    );
  });
});

describe("Numeric conversions", () => {
  it("converts from integers and float8 as PostgreSQL does", () => {
    expect(Numeric.fromInt(-42).toString()).toBe("-42");
    expect(Numeric.fromBigInt(2n ** 70n).toString()).toBe("1180591620717411303424");
    expect([0.1, 1.0000000000000002, 1e20, 1.5e-5, 123456789012345680, 1234567890123445, -0].map((x) => Numeric.fromFloat8(x).toString()))
      .toEqual(["0.1", "1", "100000000000000000000", "0.000015", "123456789012346000", "1234567890123440", "0"]);
    expect([Number.NaN, Infinity, -Infinity].map((x) => Numeric.fromFloat8(x).toString())).toEqual(["NaN", "Infinity", "-Infinity"]);
  });

  it("converts to float8, and to integers rounding half away from zero with range errors", () => {
    expect(n("0.1").toNumber()).toBe(0.1);
    expect(n("NaN").toNumber()).toBeNaN();
    expect(sqlStateOf(() => n("1e400").toNumber())).toBe("22003");
    expect(sqlStateOf(() => n("1e-400").toNumber())).toBe("22003");
    expect(n("2.5").toBigInt("int2")).toBe(3n);
    expect(n("-2.5").toInt("int4")).toBe(-3);
    expect(n("32767.4").toInt("int2")).toBe(32767);
    expect(() => n("32767.5").toInt("int2")).toThrow("smallint out of range");
    expect(() => n("2147483647.5").toInt("int4")).toThrow("integer out of range");
    expect(() => n("9223372036854775807.5").toBigInt("int8")).toThrow("bigint out of range");
    expect(() => n("NaN").toBigInt("int8")).toThrow("cannot convert NaN to bigint");
    expect(() => n("-Infinity").toInt("int2")).toThrow("cannot convert infinity to smallint");
    expect(sqlStateOf(() => n("NaN").toInt("int4"))).toBe("0A000");
  });

  it("applies numeric(p, s) with PostgreSQL's overflow detail", () => {
    expect(n("1.005").applyTypmod(5, 2).toString()).toBe("1.01");
    expect(n("12345").applyTypmod(5, -2).toString()).toBe("12300");
    expect(n("0.001").applyTypmod(3, 5).toString()).toBe("0.00100");
    expect(n("NaN").applyTypmod(3, 1).toString()).toBe("NaN");
    const overflow = (value: string, p: number, s: number): unknown => {
      try {
        n(value).applyTypmod(p, s);
      } catch (error) {
        return error;
      }
      return undefined;
    };
    expect(overflow("999.995", 5, 2)).toMatchObject({
      sqlState: "22003",
      message: "numeric field overflow",
      detail: "A field with precision 5, scale 2 must round to an absolute value less than 10^3.",
    });
    expect(overflow("0.95", 1, 1)).toMatchObject({ detail: "A field with precision 1, scale 1 must round to an absolute value less than 1." });
    expect(overflow("1234.5", 3, 5)).toMatchObject({ detail: "A field with precision 3, scale 5 must round to an absolute value less than 10^-2." });
    expect(overflow("Infinity", 3, 1)).toMatchObject({ detail: "A field with precision 3, scale 1 cannot hold an infinite value." });
    expect(sqlStateOf(() => n("1").applyTypmod(0, 0))).toBe("22023");
  });
});

describe("Numeric binary format", () => {
  const hex = (value: Numeric): string => Buffer.from(value.toBinary()).toString("hex");
  const fromHex = (text: string): Numeric => Numeric.fromBinary(Uint8Array.from(Buffer.from(text, "hex")));

  it("sends what PostgreSQL's numeric_send sends", () => {
    expect(hex(n("12345.678"))).toBe("0003000100000003000109291a7c");
    expect(hex(n("1e-20"))).toBe("0001fffb000000140001");
    expect(hex(n("-0.0"))).toBe("0000000000000001");
    expect(hex(n("NaN"))).toBe("00000000c0000000");
    expect(hex(n("Infinity"))).toBe("00000000d0000020");
    expect(hex(n("-Infinity"))).toBe("00000000f0000020");
  });

  it("receives, truncating digits hidden by dscale, and rejects malformed input with 22P03", () => {
    expect(fromHex("0003000100000003000109291a7c").toString()).toBe("12345.678");
    expect(fromHex("000200000000000000010002").toString()).toBe("1");
    expect(fromHex("0001000040000002000c").toString()).toBe("-12.00");
    for (const bad of ["0000", "000100000000000027100000", "00000000123400000", "0000000012340000", "000000000000ffff", "000100000000000000"]) {
      expect(sqlStateOf(() => fromHex(bad))).toBe("22P03");
    }
  });

  it("round-trips any value", () => {
    fc.assert(
      fc.property(decimalArb, (d) => {
        const value = toNumeric(d);
        const back = Numeric.fromBinary(value.toBinary());
        expect(back.toString()).toBe(value.toString());
      }),
      propertyParams(500),
    );
  });
});
