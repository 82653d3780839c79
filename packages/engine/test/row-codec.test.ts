/**
 * Tests of the stored row format (src/encoding/row-codec.ts): the documented layout, round trips
 * of random rows over every type base has binary I/O for (arrays, json and jsonb included), rows
 * written before an ADD COLUMN, and corrupt input — every truncation, malformed varints, stray
 * bitmap bits, trailing bytes, bad values and random damage — failing with DataCorruptedError
 * (XX001) only. `FC_SEED=<n>` (and `FC_PATH`) replay a failing property; fast-check prints both.
 */
import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DATE_NEG_INFINITY,
  DATE_POS_INFINITY,
  DataCorruptedError,
  FeatureNotSupportedError,
  Numeric,
  SqlState,
  TIMESTAMP_NEG_INFINITY,
  TIMESTAMP_POS_INFINITY,
  TypeOid,
  arrayOf,
  hasBinaryIo,
  parseJsonb,
  recvValue,
  sendValue,
  typeInfo,
  type SqlValue,
} from "@omnikv/base";
import { propertyParams } from "@omnikv/testkit";
import { decodeRow, encodeRow } from "../src/encoding/row-codec.ts";

const params = propertyParams(200);

const int64Min = -(2n ** 63n);
const int64Max = 2n ** 63n - 1n;
const microsPerDay = 86_400_000_000n;
// PostgreSQL's finite ranges (datetime-core.ts DATE_MIN/DATE_END, TIMESTAMP_MIN/TIMESTAMP_END),
// which the receive functions enforce.
const dateMin = -2_451_545;
const dateEnd = 2_145_031_949;
const timestampMin = -211_813_488_000_000_000n;
const timestampEnd = 9_223_371_331_200_000_000n;

// text cannot hold NUL (textrecv rejects it), and strings are well-formed UTF-16.
const textArbitrary: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: "binary", maxLength: 8 }).map((text) => text.replaceAll("\u0000", "")),
  fc.string({ unit: fc.constantFrom("a", " ", "é", "😀", "\u{10ffff}"), maxLength: 5 }),
);

const jsonTextArbitrary: fc.Arbitrary<string> = fc
  .jsonValue({ maxDepth: 3 })
  .map((value) => JSON.stringify(value))
  // PostgreSQL's jsonb rejects \u0000 in strings.
  .filter((text) => !text.includes("\\u0000"));

const timestampArbitrary: fc.Arbitrary<SqlValue> = fc.oneof(
  fc.bigInt({ min: timestampMin, max: timestampEnd - 1n }),
  fc.constantFrom(TIMESTAMP_NEG_INFINITY, TIMESTAMP_POS_INFINITY, 0n),
);

const oidArbitrary: fc.Arbitrary<SqlValue> = fc.integer({ min: 0, max: 0xffff_ffff });

const scalarArbitraries: ReadonlyMap<number, fc.Arbitrary<SqlValue>> = new Map<number, fc.Arbitrary<SqlValue>>([
  [TypeOid.bool, fc.boolean()],
  [TypeOid.int2, fc.integer({ min: -0x8000, max: 0x7fff })],
  [TypeOid.int4, fc.integer()],
  [TypeOid.int8, fc.bigInt({ min: int64Min, max: int64Max })],
  [TypeOid.oid, oidArbitrary],
  [TypeOid.regtype, oidArbitrary],
  [TypeOid.regclass, oidArbitrary],
  [TypeOid.regnamespace, oidArbitrary],
  [TypeOid.float4, fc.float()],
  [TypeOid.float8, fc.double()],
  [
    TypeOid.numeric,
    fc.oneof(
      fc.tuple(fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }), fc.integer({ min: 0, max: 40 })).map(([unscaled, dscale]) => Numeric.fromParts(unscaled, dscale)),
      fc.constantFrom(Numeric.nan, Numeric.positiveInfinity, Numeric.negativeInfinity, Numeric.zero, Numeric.parse("1.000")),
    ),
  ],
  [TypeOid.text, textArbitrary],
  [TypeOid.varchar, textArbitrary],
  [TypeOid.bpchar, textArbitrary.map((text) => `${text}  `)],
  [TypeOid.name, textArbitrary],
  [TypeOid.unknown, textArbitrary],
  [TypeOid.bytea, fc.uint8Array({ maxLength: 12 })],
  [TypeOid.uuid, fc.uint8Array({ minLength: 16, maxLength: 16 }).map((bytes) => recvValue(TypeOid.uuid, bytes))],
  [TypeOid.json, jsonTextArbitrary.map((text) => ` ${text}`)],
  [TypeOid.jsonb, jsonTextArbitrary.map((text) => parseJsonb(text))],
  [TypeOid.date, fc.oneof(fc.integer({ min: dateMin, max: dateEnd - 1 }), fc.constantFrom(DATE_NEG_INFINITY, DATE_POS_INFINITY))],
  [TypeOid.time, fc.bigInt({ min: 0n, max: microsPerDay })],
  [TypeOid.timestamp, timestampArbitrary],
  [TypeOid.timestamptz, timestampArbitrary],
  [TypeOid.interval, fc.record({ months: fc.integer(), days: fc.integer(), micros: fc.bigInt({ min: int64Min, max: int64Max }) })],
]);

/** Every type with binary I/O: the scalars above and their one-dimensional arrays. */
const binaryOids = [...new Set(Object.values(TypeOid))].filter((oid) => hasBinaryIo(oid));

function arbitraryFor(oid: number): fc.Arbitrary<SqlValue> {
  const scalar = scalarArbitraries.get(oid);
  if (scalar !== undefined) return scalar;
  const elementOid = typeInfo(oid)?.elementOid;
  const element = elementOid === undefined ? undefined : scalarArbitraries.get(elementOid);
  if (element === undefined) throw new Error(`no generator for oid ${oid}`);
  return fc.array(fc.option(element, { nil: null, freq: 4 }), { maxLength: 4 }).map((elements) => arrayOf(elements));
}

const rowArbitrary = fc.array(fc.constantFrom(...binaryOids), { maxLength: 10 }).chain((oids) =>
  fc.tuple(
    fc.constant(oids),
    fc.tuple(...oids.map((oid) => fc.option(arbitraryFor(oid), { nil: null, freq: 3 }))),
    fc.oneof(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 0xffff_ffff }).map((n) => n)),
  ),
);

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex");
}

function fromHex(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text.replaceAll(" ", ""), "hex"));
}

/** The SQLSTATE a decode ends with, or "ok". */
function decodeOutcome(bytes: Uint8Array, oids: readonly number[]): string {
  try {
    decodeRow(bytes, oids);
    return "ok";
  } catch (error) {
    if (error instanceof DataCorruptedError) return error.sqlState;
    throw error;
  }
}

describe("row format", () => {
  it("lays out version, count, NULL bitmap and length-prefixed binary values", () => {
    const oids = [TypeOid.int4, TypeOid.text, TypeOid.int2, TypeOid.bool];
    const bytes = encodeRow(300, oids, [1, null, -2, true]);
    // 300 = ac 02; 4 columns; bitmap 0b0010; int4 1; int2 -2; bool true.
    expect(hex(bytes)).toBe("ac02 04 02 04 00000001 02 fffe 01 01".replaceAll(" ", ""));
    expect(decodeRow(bytes, oids)).toEqual({ schemaVersion: 300, values: [1, null, -2, true] });
  });

  it("encodes an empty row and a row of NULLs", () => {
    expect(hex(encodeRow(0, [], []))).toBe("0000");
    expect(decodeRow(fromHex("0000"), [])).toEqual({ schemaVersion: 0, values: [] });
    const nine = Array.from({ length: 9 }, () => TypeOid.text);
    const bytes = encodeRow(1, nine, Array.from({ length: 9 }, () => null));
    expect(hex(bytes)).toBe("0109ff01");
    expect(decodeRow(bytes, nine).values).toEqual(Array.from({ length: 9 }, () => null));
  });

  it("has a generator for every type with binary I/O", () => {
    expect(binaryOids).toContain(TypeOid.jsonb);
    expect(binaryOids).toContain(TypeOid.int4Array);
    for (const oid of binaryOids) expect(() => arbitraryFor(oid), `oid ${oid}`).not.toThrow();
  });

  for (const oid of binaryOids) {
    it(`round-trips values of oid ${oid}`, () => {
      fc.assert(
        fc.property(fc.option(arbitraryFor(oid), { nil: null, freq: 8 }), fc.nat(), (value, schemaVersion) => {
          const decoded = decodeRow(encodeRow(schemaVersion, [oid], [value]), [oid]);
          expect(decoded.schemaVersion).toBe(schemaVersion);
          expect(decoded.values).toEqual([value]);
        }),
        { ...params, numRuns: Math.min(params.numRuns, 100) },
      );
    });
  }

  it("round-trips random rows of mixed types", () => {
    fc.assert(
      fc.property(rowArbitrary, ([oids, values, schemaVersion]) => {
        const bytes = encodeRow(schemaVersion, oids, values);
        expect(decodeRow(bytes, oids)).toEqual({ schemaVersion, values });
      }),
      params,
    );
  });

  it("encodes and decodes the fixed-width types it handles in place exactly as their send and receive functions do, at the edges", () => {
    const cases: readonly (readonly [number, readonly (number | bigint | boolean)[]])[] = [
      [TypeOid.int2, [0, -1, 1, -32768, 32767, 255, -256]],
      [TypeOid.int4, [0, -1, 1, -2147483648, 2147483647, 65535, -65536]],
      [TypeOid.int8, [0n, -1n, 1n, -(2n ** 63n), 2n ** 63n - 1n, 2n ** 53n, -(2n ** 53n), 2n ** 53n - 1n, 2n ** 32n, -(2n ** 32n), 4294967295n, -4294967297n]],
      [TypeOid.float8, [0, -0, 1.5, -1e308, 5e-324, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN]],
      [TypeOid.bool, [true, false]],
    ];
    for (const [oid, values] of cases) {
      const decoded = decodeRow(encodeRow(1, values.map(() => oid), values), values.map(() => oid)).values;
      expect(decoded.map((value) => (Object.is(value, -0) ? "-0" : value)), `oid ${oid}`).toEqual(values.map((value) => (Object.is(value, -0) ? "-0" : value)));
      values.forEach((value, index) => expect(decoded[index], `oid ${oid} value ${String(value)}`).toEqual(recvValue(oid, sendValue(oid, value))));
      for (const value of values) {
        // Version 1, one column, empty bitmap, then the value's length and its send bytes.
        const sent = sendValue(oid, value);
        expect(hex(encodeRow(1, [oid], [value])), `oid ${oid} value ${String(value)}`).toBe(hex(Uint8Array.from([1, 1, 0, sent.length, ...sent])));
      }
    }
  });

  it("writes text in place (all-ASCII) or through its send function, with the same bytes either way", () => {
    // ASCII takes the in-place path; the others (accents, emoji, lone surrogates, which UTF-8 turns into U+FFFD) the send path.
    // No NUL: text cannot hold one (the receive function refuses it).
    const text = fc
      .oneof(fc.string({ unit: "binary", maxLength: 30 }), fc.string({ maxLength: 30 }), fc.string({ unit: fc.constantFrom("a", " ", "\u007f", "\u0080", "é", "\ud800"), maxLength: 30 }))
      .map((value) => value.replaceAll("\u0000", ""));
    fc.assert(
      fc.property(fc.constantFrom(TypeOid.text, TypeOid.varchar, TypeOid.bpchar), text, (oid, value) => {
        const sent = sendValue(oid, value);
        expect(sent.length).toBeLessThan(128);
        expect(hex(encodeRow(1, [oid], [value]))).toBe(hex(Uint8Array.from([1, 1, 0, sent.length, ...sent])));
        expect(decodeRow(encodeRow(1, [oid, TypeOid.int4], [value, 7]), [oid, TypeOid.int4]).values).toEqual([recvValue(oid, sent), 7]);
      }),
      params,
    );
  });

  it("returns only the stored columns of a row written before ADD COLUMN", () => {
    fc.assert(
      fc.property(rowArbitrary, fc.array(fc.constantFrom(...binaryOids), { minLength: 1, maxLength: 3 }), ([oids, values, schemaVersion], added) => {
        const decoded = decodeRow(encodeRow(schemaVersion, oids, values), [...oids, ...added]);
        expect(decoded.values).toEqual(values);
        expect(decoded.values.length).toBeLessThan(oids.length + added.length);
      }),
      params,
    );
  });

  it("decodes values that do not share memory with the stored bytes", () => {
    const oids = [TypeOid.bytea, TypeOid.byteaArray];
    const bytes = encodeRow(1, oids, [Uint8Array.of(1, 2, 3), arrayOf([Uint8Array.of(4)])]);
    const { values } = decodeRow(bytes, oids);
    bytes.fill(0xee);
    expect(values).toEqual([Uint8Array.of(1, 2, 3), arrayOf([Uint8Array.of(4)])]);
  });

  it("refuses to store a type without binary I/O", () => {
    expect(() => encodeRow(1, [TypeOid.timetz], [0n])).toThrow(FeatureNotSupportedError);
  });
});

describe("corrupt rows", () => {
  it("rejects every truncation of a valid row", () => {
    fc.assert(
      fc.property(rowArbitrary, ([oids, values, schemaVersion]) => {
        const bytes = encodeRow(schemaVersion, oids, values);
        for (let length = 0; length < bytes.length; length++) {
          expect(decodeOutcome(bytes.subarray(0, length), oids), `truncated to ${length} of ${bytes.length}`).toBe(SqlState.DataCorrupted);
        }
      }),
      params,
    );
  });

  it("rejects malformed varints, stray bitmap bits, extra columns and trailing bytes", () => {
    const int4 = [TypeOid.int4];
    const cases: readonly (readonly [string, string, readonly number[]])[] = [
      ["empty", "", int4],
      ["six-byte varint", "80 80 80 80 80 01 00", int4],
      ["fifth varint byte above 0x0f", "ff ff ff ff 1f 00", int4],
      ["overlong varint", "80 00 00", []],
      ["overlong column count", "01 81 00 00", int4],
      ["more columns than the table", "01 02 00 04 00000001 04 00000002", int4],
      ["bitmap bit beyond the columns", "01 01 02 04 00000001", int4],
      ["missing bitmap", "01 01", int4],
      ["value length past the end", "01 01 00 05 00000001", int4],
      ["trailing bytes", "01 01 00 04 00000001 00", int4],
      ["trailing bytes after an empty row", "01 00 00", []],
      ["value the type rejects", "01 01 00 03 000001", int4],
      ["invalid UTF-8 text", "01 01 00 02 c328", [TypeOid.text]],
      ["date out of range", "01 01 00 04 7ffffffe", [TypeOid.date]],
    ];
    for (const [name, text, oids] of cases) expect(decodeOutcome(fromHex(text), oids), name).toBe(SqlState.DataCorrupted);
    // The largest 5-byte varint is fine.
    expect(decodeRow(fromHex("ff ff ff ff 0f 00"), []).schemaVersion).toBe(0xffff_ffff);
  });

  it("keeps the cause of a value the type rejects", () => {
    try {
      decodeRow(fromHex("01 01 00 03 000001"), [TypeOid.int4]);
      expect.unreachable("a 3-byte int4 is corrupt");
    } catch (error) {
      expect(error).toBeInstanceOf(DataCorruptedError);
      expect(String(error)).toContain("integer");
      expect(error instanceof Error ? error.cause : undefined).toBeDefined();
    }
  });

  it("fails on damaged bytes with DataCorruptedError or decodes, never anything else", () => {
    const damage = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 3 });
    fc.assert(
      fc.property(rowArbitrary, damage, ([oids, values, schemaVersion], changes) => {
        const bytes = encodeRow(schemaVersion, oids, values);
        for (const [position, byte] of changes) bytes[position % bytes.length] = byte;
        expect(["ok", SqlState.DataCorrupted]).toContain(decodeOutcome(bytes, oids));
      }),
      params,
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.array(fc.constantFrom(...binaryOids), { maxLength: 4 }), (bytes, oids) => {
        expect(["ok", SqlState.DataCorrupted]).toContain(decodeOutcome(bytes, oids));
      }),
      params,
    );
  });
});
