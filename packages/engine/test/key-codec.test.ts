/**
 * Tests of the order-preserving key encoding (src/encoding/key-codec.ts). The reference order is
 * base's own btree comparison functions (compareFloat, Numeric.compare, compareText,
 * compareBpchar, compareBytea, compareUuid, compareIntervals, compareOrdered): for random values
 * and random tuples of mixed types, NULLs, ASC/DESC and NULLS FIRST/LAST, the sign of
 * `compareBytes` of the encodings must equal the sign of the reference tuple comparison, so equal
 * values encode identically. Hand-picked ladders pin the edge cases. `FC_SEED=<n>` (and `FC_PATH`)
 * replay a failing property; fast-check prints both.
 */
import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  EnumValue,
  DATE_NEG_INFINITY,
  DATE_POS_INFINITY,
  FeatureNotSupportedError,
  Numeric,
  TIMESTAMP_NEG_INFINITY,
  TIMESTAMP_POS_INFINITY,
  TypeOid,
  compareBpchar,
  compareBytea,
  compareFloat,
  compareIntervals,
  compareOrdered,
  compareText,
  compareUuid,
  recvValue,
  type IntervalValue,
  type SqlValue,
} from "@omnikv/base";
import { propertyParams } from "@omnikv/testkit";
import { KeyWriter, compareBytes, encodeKey, isKeyEncodable, prefixEnd, type KeyColumnOptions } from "../src/encoding/key-codec.ts";
import { readRowId, rowIdLimit, rowIdSuffix, withPrefix } from "../src/storage/keys.ts";

const params = propertyParams(300);

const int64Min = -(2n ** 63n);
const int64Max = 2n ** 63n - 1n;
const microsPerDay = 86_400_000_000n;

// ---------------------------------------------------------------------------------------------
// Narrowing helpers: a value of the wrong representation is a bug in this test.

function asNumber(value: SqlValue): number {
  if (typeof value !== "number") throw new TypeError(`expected a number, got a ${typeof value}`);
  return value;
}

function asBigInt(value: SqlValue): bigint {
  if (typeof value !== "bigint") throw new TypeError(`expected a bigint, got a ${typeof value}`);
  return value;
}

function asString(value: SqlValue): string {
  if (typeof value !== "string") throw new TypeError(`expected a string, got a ${typeof value}`);
  return value;
}

function asBoolean(value: SqlValue): boolean {
  if (typeof value !== "boolean") throw new TypeError(`expected a boolean, got a ${typeof value}`);
  return value;
}

function asNumeric(value: SqlValue): Numeric {
  if (!(value instanceof Numeric)) throw new TypeError("expected a Numeric");
  return value;
}

function asBytes(value: SqlValue): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError("expected a Uint8Array");
  return value;
}

function asInterval(value: SqlValue): IntervalValue {
  if (typeof value !== "object" || value === null || !("months" in value) || !("days" in value) || !("micros" in value)) {
    throw new TypeError("expected an IntervalValue");
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// Reference order and generators per key-encodable type

type Compare = (a: SqlValue, b: SqlValue) => number;

const compareNumbers: Compare = (a, b) => compareOrdered(asNumber(a), asNumber(b));
const compareBigInts: Compare = (a, b) => compareOrdered(asBigInt(a), asBigInt(b));
const compareStrings: Compare = (a, b) => compareText(asString(a), asString(b));

const references: ReadonlyMap<number, Compare> = new Map<number, Compare>([
  [TypeOid.bool, (a, b) => compareOrdered(Number(asBoolean(a)), Number(asBoolean(b)))],
  [TypeOid.int2, compareNumbers],
  [TypeOid.int4, compareNumbers],
  [TypeOid.int8, compareBigInts],
  [TypeOid.oid, compareNumbers],
  [TypeOid.regtype, compareNumbers],
  [TypeOid.float4, (a, b) => compareFloat(asNumber(a), asNumber(b))],
  [TypeOid.float8, (a, b) => compareFloat(asNumber(a), asNumber(b))],
  [TypeOid.numeric, (a, b) => asNumeric(a).compare(asNumeric(b))],
  [TypeOid.text, compareStrings],
  [TypeOid.varchar, compareStrings],
  [TypeOid.name, compareStrings],
  [TypeOid.bpchar, (a, b) => compareBpchar(asString(a), asString(b))],
  [TypeOid.bytea, (a, b) => compareBytea(asBytes(a), asBytes(b))],
  [TypeOid.uuid, (a, b) => compareUuid(asString(a), asString(b))],
  [TypeOid.date, compareNumbers],
  [TypeOid.time, compareBigInts],
  [TypeOid.timestamp, compareBigInts],
  [TypeOid.timestamptz, compareBigInts],
  [TypeOid.interval, (a, b) => compareIntervals(asInterval(a), asInterval(b))],
]);

function referenceFor(oid: number): Compare {
  const compare = references.get(oid);
  if (compare === undefined) throw new Error(`no reference order for oid ${oid}`);
  return compare;
}

/** A NaN whose sign bit is set, which JS arithmetic never produces: it must encode as every NaN. */
const negativeNaN = new Float64Array(new BigUint64Array([0xfff8_0000_0000_0001n]).buffer)[0] ?? Number.NaN;

const floatSpecials = [0, -0, Number.NaN, negativeNaN, Infinity, -Infinity, 1, -1];
const numericSpecials = [Numeric.nan, Numeric.positiveInfinity, Numeric.negativeInfinity, Numeric.zero];

/** Finite numerics from a small domain (so equal values with different scales are common) and a wide one. */
const numericArbitrary: fc.Arbitrary<SqlValue> = fc.oneof(
  fc
    .tuple(fc.bigInt({ min: -1000n, max: 1000n }), fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 3 }))
    .map(([unscaled, dscale, zeros]) => Numeric.fromParts(unscaled * 10n ** BigInt(zeros), dscale + zeros)),
  fc.tuple(fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }), fc.integer({ min: 0, max: 40 })).map(([unscaled, dscale]) => Numeric.fromParts(unscaled, dscale)),
  fc.tuple(fc.bigInt({ min: -99n, max: 99n }), fc.integer({ min: 0, max: 16383 })).map(([unscaled, dscale]) => Numeric.fromParts(unscaled, dscale)),
  fc.tuple(fc.bigInt({ min: -99n, max: 99n }), fc.integer({ min: 0, max: 3000 })).map(([unscaled, exponent]) => Numeric.fromParts(unscaled * 10n ** BigInt(exponent), 0)),
  fc.constantFrom(...numericSpecials),
);

const textArbitrary: fc.Arbitrary<SqlValue> = fc.oneof(
  fc.string({ unit: "binary", maxLength: 6 }),
  fc.string({ unit: fc.constantFrom("\u0000", "\u0001", "a", "b", "\u00ff", "\ufffd", "\uffff", "😀", "\u{10ffff}"), maxLength: 5 }),
);

const bpcharArbitrary: fc.Arbitrary<SqlValue> = fc.string({ unit: fc.constantFrom(" ", "a", "\u0000", "\t", "\u001f", "é"), maxLength: 6 });

const byteaArbitrary: fc.Arbitrary<SqlValue> = fc.oneof(
  fc.uint8Array({ maxLength: 8 }),
  fc.array(fc.constantFrom(0x00, 0x01, 0xfe, 0xff), { maxLength: 5 }).map((bytes) => Uint8Array.from(bytes)),
);

const uuidArbitrary: fc.Arbitrary<SqlValue> = fc
  .oneof(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.array(fc.constantFrom(0x00, 0x7f, 0x80, 0xff), { minLength: 16, maxLength: 16 }).map((b) => Uint8Array.from(b)))
  .map((bytes) => recvValue(TypeOid.uuid, bytes));

const intervalArbitrary: fc.Arbitrary<SqlValue> = fc.oneof(
  fc.record({ months: fc.integer(), days: fc.integer(), micros: fc.bigInt({ min: int64Min, max: int64Max }) }),
  fc.record({
    months: fc.integer({ min: -2, max: 2 }),
    days: fc.constantFrom(-60, -30, -1, 0, 1, 30, 60),
    micros: fc.constantFrom(-30n * microsPerDay, -microsPerDay, -1n, 0n, 1n, microsPerDay, 30n * microsPerDay),
  }),
);

const timestampArbitrary: fc.Arbitrary<SqlValue> = fc.oneof(
  fc.bigInt({ min: int64Min, max: int64Max }),
  fc.bigInt({ min: -3n, max: 3n }),
  fc.constantFrom(TIMESTAMP_NEG_INFINITY, TIMESTAMP_POS_INFINITY),
);

const oidArbitrary: fc.Arbitrary<SqlValue> = fc.oneof(fc.integer({ min: 0, max: 0xffff_ffff }), fc.constantFrom(0, 1, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff));

const arbitraries: ReadonlyMap<number, fc.Arbitrary<SqlValue>> = new Map<number, fc.Arbitrary<SqlValue>>([
  [TypeOid.bool, fc.boolean()],
  [TypeOid.int2, fc.oneof(fc.integer({ min: -0x8000, max: 0x7fff }), fc.constantFrom(-0x8000, -1, 0, 1, 0x7fff))],
  [TypeOid.int4, fc.oneof(fc.integer(), fc.integer({ min: -3, max: 3 }), fc.constantFrom(-0x8000_0000, 0x7fff_ffff))],
  [TypeOid.int8, fc.oneof(fc.bigInt({ min: int64Min, max: int64Max }), fc.bigInt({ min: -3n, max: 3n }), fc.constantFrom(int64Min, int64Max))],
  [TypeOid.oid, oidArbitrary],
  [TypeOid.regtype, oidArbitrary],
  [TypeOid.float4, fc.oneof(fc.float(), fc.constantFrom(...floatSpecials))],
  [TypeOid.float8, fc.oneof(fc.double(), fc.constantFrom(...floatSpecials, Number.MIN_VALUE, -Number.MAX_VALUE))],
  [TypeOid.numeric, numericArbitrary],
  [TypeOid.text, textArbitrary],
  [TypeOid.varchar, textArbitrary],
  [TypeOid.name, textArbitrary],
  [TypeOid.bpchar, bpcharArbitrary],
  [TypeOid.bytea, byteaArbitrary],
  [TypeOid.uuid, uuidArbitrary],
  [TypeOid.date, fc.oneof(fc.integer(), fc.constantFrom(DATE_NEG_INFINITY, DATE_POS_INFINITY, -1, 0, 1))],
  [TypeOid.time, fc.oneof(fc.bigInt({ min: 0n, max: microsPerDay }), fc.constantFrom(0n, microsPerDay))],
  [TypeOid.timestamp, timestampArbitrary],
  [TypeOid.timestamptz, timestampArbitrary],
  [TypeOid.interval, intervalArbitrary],
]);

const keyOids = [...references.keys()];

function arbitraryFor(oid: number): fc.Arbitrary<SqlValue> {
  const arbitrary = arbitraries.get(oid);
  if (arbitrary === undefined) throw new Error(`no generator for oid ${oid}`);
  return arbitrary;
}

interface KeyColumn {
  readonly oid: number;
  readonly descending: boolean;
  readonly nullsFirst: boolean;
}

/** The tuple order the encoding must reproduce: per column, NULL placement then the (reversed) value order. */
function compareTuples(columns: readonly KeyColumn[], a: readonly SqlValue[], b: readonly SqlValue[]): number {
  for (const [index, column] of columns.entries()) {
    const x = a[index] ?? null;
    const y = b[index] ?? null;
    if (x === null || y === null) {
      if (x === null && y === null) continue;
      const isXFirst = (x === null) === column.nullsFirst;
      return isXFirst ? -1 : 1;
    }
    const order = referenceFor(column.oid)(x, y);
    if (order !== 0) return column.descending ? -order : order;
  }
  return 0;
}

function encodeTuple(relationId: number, columns: readonly KeyColumn[], values: readonly SqlValue[]): Uint8Array {
  const writer = new KeyWriter();
  writer.appendUint32(relationId);
  for (const [index, column] of columns.entries()) {
    writer.appendValue(column.oid, values[index] ?? null, { descending: column.descending, nullsFirst: column.nullsFirst });
  }
  return writer.finish();
}

/** -1, 0 or 1; unlike Math.sign, never -0. */
function sign(n: number): number {
  if (n < 0) return -1;
  return n > 0 ? 1 : 0;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex");
}

// ---------------------------------------------------------------------------------------------

describe("key encoding order", () => {
  it("has a reference order and a generator for exactly the key-encodable types", () => {
    for (const oid of Object.values(TypeOid)) expect(isKeyEncodable(oid), `oid ${oid}`).toBe(references.has(oid));
    expect([...arbitraries.keys()].sort((a, b) => a - b)).toEqual([...references.keys()].sort((a, b) => a - b));
  });

  for (const oid of keyOids) {
    it(`orders random pairs of oid ${oid} as base's comparison does`, () => {
      const compare = referenceFor(oid);
      fc.assert(
        fc.property(arbitraryFor(oid), arbitraryFor(oid), fc.boolean(), (a, b, descending) => {
          const options: KeyColumnOptions = { descending };
          const order = compare(a, b);
          expect(sign(compareBytes(encodeKey(oid, a, options), encodeKey(oid, b, options)))).toBe(sign(descending ? -order : order));
          expect(compareBytes(encodeKey(oid, a), encodeKey(oid, a))).toBe(0);
        }),
        params,
      );
    });
  }

  it("orders random tuples of mixed types with NULLs, ASC/DESC and NULLS FIRST/LAST", () => {
    const column = fc.record({ oid: fc.constantFrom(...keyOids), descending: fc.boolean(), nullsFirst: fc.boolean() });
    const scenario = fc.array(column, { minLength: 1, maxLength: 3 }).chain((columns) => {
      const row = fc.tuple(...columns.map((c) => fc.option(arbitraryFor(c.oid), { nil: null, freq: 4 })));
      // Sharing a random subset of a's values makes equal prefixes (and equal tuples) common.
      const shared = fc.array(fc.boolean(), { minLength: columns.length, maxLength: columns.length });
      return fc.tuple(fc.constant(columns), row, row, shared, fc.constantFrom(0, 1, 0xffff_ffff));
    });
    fc.assert(
      fc.property(scenario, ([columns, a, bRandom, shared, relationId]) => {
        const b = bRandom.map((value, index) => (shared[index] === true ? (a[index] ?? null) : value));
        const expected = compareTuples(columns, a, b);
        const actual = compareBytes(encodeTuple(relationId, columns, a), encodeTuple(relationId, columns, b));
        expect(sign(actual)).toBe(sign(expected));
      }),
      params,
    );
  });
});

describe("key encoding edge cases", () => {
  const float4Min = 2 ** -149;
  const ladders: readonly (readonly [string, number, readonly (readonly SqlValue[])[]])[] = [
    ["bool", TypeOid.bool, [[false], [true]]],
    ["int2", TypeOid.int2, [[-0x8000], [-1], [0], [1], [0x7fff]]],
    ["int4", TypeOid.int4, [[-0x8000_0000], [-1], [0], [1], [0x7fff_ffff]]],
    ["int8", TypeOid.int8, [[int64Min], [int64Min + 1n], [-1n], [0n], [1n], [int64Max - 1n], [int64Max]]],
    ["oid", TypeOid.oid, [[0], [1], [0x7fff_ffff], [0x8000_0000], [0xffff_ffff]]],
    [
      "float8",
      TypeOid.float8,
      [[-Infinity], [-Number.MAX_VALUE], [-1.5], [-Number.MIN_VALUE], [-0, 0], [Number.MIN_VALUE], [1], [Number.MAX_VALUE], [Infinity], [Number.NaN, negativeNaN]],
    ],
    ["float4", TypeOid.float4, [[-Infinity], [Math.fround(-3.4e38)], [-1.5], [-float4Min], [-0, 0], [float4Min], [1], [Infinity], [Number.NaN, negativeNaN]]],
    [
      "numeric",
      TypeOid.numeric,
      [
        [Numeric.negativeInfinity],
        [Numeric.fromParts(-(10n ** 3000n), 0)],
        [Numeric.parse("-12345.678")],
        [Numeric.parse("-1.01")],
        [Numeric.parse("-1"), Numeric.parse("-1.0"), Numeric.parse("-1.00")],
        [Numeric.parse("-0.5"), Numeric.parse("-0.50")],
        [Numeric.parse("-0.001")],
        [Numeric.fromParts(-1n, 16383)],
        [Numeric.zero, Numeric.parse("0.000"), Numeric.parse("-0.0")],
        [Numeric.fromParts(1n, 16383)],
        [Numeric.fromParts(10n, 16383)],
        [Numeric.parse("0.0001")],
        [Numeric.parse("0.001"), Numeric.parse("0.0010")],
        [Numeric.parse("0.01"), Numeric.parse("0.0100")],
        [Numeric.parse("0.1")],
        [Numeric.parse("0.12")],
        [Numeric.parse("0.1201")],
        [Numeric.parse("0.123")],
        [Numeric.parse("1"), Numeric.parse("1.0"), Numeric.parse("1.00")],
        [Numeric.parse("1.01")],
        [Numeric.parse("1.1")],
        [Numeric.parse("9.99")],
        [Numeric.parse("10"), Numeric.parse("10.0")],
        [Numeric.parse("11")],
        [Numeric.parse("99")],
        [Numeric.parse("100")],
        [Numeric.parse("100.5")],
        [Numeric.parse("12345.678")],
        [Numeric.fromParts(10n ** 3000n, 0), Numeric.fromParts(10n ** 3002n, 2)],
        [Numeric.fromParts(10n ** 3000n + 1n, 0)],
        [Numeric.positiveInfinity],
        [Numeric.nan],
      ],
    ],
    [
      "text",
      TypeOid.text,
      [[""], ["\u0000"], ["\u0000\u0000"], ["\u0000a"], ["\u0001"], ["a"], ["a\u0000"], ["a\u0001"], ["ab"], ["b"], ["\u00ff"], ["\ufffd"], ["\uffff"], ["😀"], ["😀a"], ["\u{10ffff}"]],
    ],
    ["bpchar", TypeOid.bpchar, [["", " ", "   "], ["\u0000"], ["a", "a ", "a    "], ["a\u0000"], ["a\t"], ["a a", "a a "], ["b"]]],
    ["bytea", TypeOid.bytea, [[new Uint8Array()], [Uint8Array.of(0)], [Uint8Array.of(0, 0)], [Uint8Array.of(0, 1)], [Uint8Array.of(1)], [Uint8Array.of(0xff)], [Uint8Array.of(0xff, 0)], [Uint8Array.of(0xff, 0xff)]]],
    [
      "uuid",
      TypeOid.uuid,
      [
        ["00000000-0000-0000-0000-000000000000"],
        ["00000000-0000-0000-0000-000000000001"],
        ["7fffffff-ffff-ffff-ffff-ffffffffffff"],
        ["80000000-0000-0000-0000-000000000000"],
        ["a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"],
        ["ffffffff-ffff-ffff-ffff-ffffffffffff"],
      ],
    ],
    ["date", TypeOid.date, [[DATE_NEG_INFINITY], [-2_451_545], [-1], [0], [1], [2_145_031_948], [DATE_POS_INFINITY]]],
    ["time", TypeOid.time, [[0n], [1n], [microsPerDay - 1n], [microsPerDay]]],
    ["timestamp", TypeOid.timestamp, [[TIMESTAMP_NEG_INFINITY], [-211_813_488_000_000_000n], [-1n], [0n], [1n], [9_223_371_331_199_999_999n], [TIMESTAMP_POS_INFINITY]]],
    ["timestamptz", TypeOid.timestamptz, [[TIMESTAMP_NEG_INFINITY], [-1n], [0n], [TIMESTAMP_POS_INFINITY]]],
    [
      "interval",
      TypeOid.interval,
      [
        [{ months: -0x8000_0000, days: -0x8000_0000, micros: int64Min }],
        [{ months: -1, days: 0, micros: 0n }, { months: 0, days: -30, micros: 0n }],
        [{ months: 0, days: 0, micros: -1n }],
        [{ months: 0, days: 0, micros: 0n }, { months: 1, days: -30, micros: 0n }],
        [{ months: 0, days: 1, micros: 0n }, { months: 0, days: 0, micros: microsPerDay }],
        [{ months: 1, days: 0, micros: 0n }, { months: 0, days: 30, micros: 0n }, { months: 0, days: 0, micros: 30n * microsPerDay }],
        [{ months: 1, days: 0, micros: 1n }],
        [{ months: 0x7fff_ffff, days: 0x7fff_ffff, micros: int64Max }],
      ],
    ],
  ];

  for (const [name, oid, ladder] of ladders) {
    it(`orders the ${name} ladder, equal values encoding identically`, () => {
      const compare = referenceFor(oid);
      for (const descending of [false, true]) {
        const options: KeyColumnOptions = { descending };
        const groups = ladder.map((group) => group.map((value) => encodeKey(oid, value, options)));
        for (const [i, group] of groups.entries()) {
          for (const [k, key] of group.entries()) {
            expect(hex(key), `${name} rung ${i} value ${k} equals the rung's first`).toBe(hex(group[0] ?? new Uint8Array()));
          }
          for (let j = i + 1; j < groups.length; j++) {
            const [a, b] = [ladder[i]?.[0] ?? null, ladder[j]?.[0] ?? null];
            expect(compare(a, b), "the ladder itself follows the reference order").toBe(-1);
            const order = compareBytes(group[0] ?? new Uint8Array(), groups[j]?.[0] ?? new Uint8Array());
            expect(sign(order), `${name} rung ${i} against rung ${j}`).toBe(descending ? 1 : -1);
          }
        }
      }
    });
  }

  it("puts NULL after every value by default and before with nullsFirst, in either direction", () => {
    for (const descending of [false, true]) {
      for (const nullsFirst of [false, true]) {
        const options: KeyColumnOptions = { descending, nullsFirst };
        const nullKey = encodeKey(TypeOid.text, null, options);
        expect(nullKey.length).toBe(1);
        for (const value of ["", "\u0000", "\u{10ffff}\u{10ffff}"]) {
          const order = compareBytes(nullKey, encodeKey(TypeOid.text, value, options));
          expect(sign(order), `${JSON.stringify(value)} ${JSON.stringify(options)}`).toBe(nullsFirst ? -1 : 1);
        }
      }
    }
    expect(hex(encodeKey(TypeOid.text, null))).toBe("02");
    expect(hex(encodeKey(TypeOid.text, ""))).toBe("010001");
    expect(hex(encodeKey(TypeOid.text, null, { nullsFirst: true }))).toBe("01");
    expect(hex(encodeKey(TypeOid.text, "", { nullsFirst: true }))).toBe("020001");
    expect(hex(encodeKey(TypeOid.text, null, { descending: true }))).toBe("fe");
    expect(hex(encodeKey(TypeOid.text, "", { descending: true }))).toBe("fdfffe");
  });

  it("lays out bodies as documented", () => {
    expect(hex(encodeKey(TypeOid.int4, 1))).toBe("0180000001");
    expect(hex(encodeKey(TypeOid.int4, -1))).toBe("017fffffff");
    expect(hex(encodeKey(TypeOid.int2, -0x8000))).toBe("010000");
    expect(hex(encodeKey(TypeOid.int8, 0n))).toBe("0180");
    expect(hex(encodeKey(TypeOid.int8, 1n))).toBe("018101");
    expect(hex(encodeKey(TypeOid.int8, 256n))).toBe("01820100");
    expect(hex(encodeKey(TypeOid.int8, -1n))).toBe("017f");
    expect(hex(encodeKey(TypeOid.int8, -257n))).toBe("017dfeff");
    // The least int8: ~v is 0x7fff…ff, 8 significant bytes, inverted.
    expect(hex(encodeKey(TypeOid.int8, -(2n ** 63n)))).toBe("01778000000000000000");
    expect(hex(encodeKey(TypeOid.text, "a\u0000b"))).toBe("016100ff620001");
    expect(hex(encodeKey(TypeOid.bpchar, "ab  "))).toBe("0161620001");
    expect(hex(encodeKey(TypeOid.float8, 1))).toBe("01bff0000000000000");
    expect(hex(encodeKey(TypeOid.float8, Number.NaN))).toBe("01fff8000000000000");
    expect(hex(encodeKey(TypeOid.float8, -0))).toBe(hex(encodeKey(TypeOid.float8, 0)));
    // 12.5 = 0.1250 × 100^1: exponent 1, digits 12 and 50 as 13 and 51, terminator.
    expect(hex(encodeKey(TypeOid.numeric, Numeric.parse("12.50")))).toBe("0104800000010d3300");
    expect(hex(encodeKey(TypeOid.numeric, Numeric.parse("-12.5")))).toBe("01027ffffffef2ccff");
    expect(hex(encodeKey(TypeOid.numeric, Numeric.parse("0")))).toBe("0103");
    expect(hex(encodeKey(TypeOid.uuid, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"))).toBe("01a0eebc999c0b4ef8bb6d6bb9bd380a11");
  });

  it("keeps components self-delimiting when a later column differs", () => {
    // ("a", 2) < ("a\u0000", 1): the first column decides, whatever follows it.
    const key = (text: string, n: number): Uint8Array => {
      const writer = new KeyWriter();
      writer.appendValue(TypeOid.text, text);
      writer.appendValue(TypeOid.int4, n);
      return writer.finish();
    };
    expect(compareBytes(key("a", 2), key("a\u0000", 1))).toBeLessThan(0);
    expect(compareBytes(key("", 0x7fff_ffff), key("\u0000", -0x8000_0000))).toBeLessThan(0);
  });

  it("orders enum values by their sort positions, not their labels", () => {
    const oid = 16_500;
    const positions = [-3.5, 0.25, 1, 1.5, 2, 1e9];
    const values = positions.map((p, i) => new EnumValue(oid, `label${positions.length - i}`, p));
    expect(isKeyEncodable(oid)).toBe(true);
    const keys = values.map((v) => encodeKey(oid, v));
    for (let i = 1; i < keys.length; i++) expect(compareBytes(keys[i - 1] ?? new Uint8Array(), keys[i] ?? new Uint8Array())).toBeLessThan(0);
    const descending = values.map((v) => encodeKey(oid, v, { descending: true }));
    for (let i = 1; i < descending.length; i++) expect(compareBytes(descending[i - 1] ?? new Uint8Array(), descending[i] ?? new Uint8Array())).toBeGreaterThan(0);
  });

  it("rejects types without a key encoding, naming the type", () => {
    const cases: readonly (readonly [number, SqlValue, string])[] = [
      [TypeOid.json, "{}", "json"],
      [TypeOid.jsonb, { kind: "null" }, "jsonb"],
      [TypeOid.int4Array, { dims: [1], lowerBounds: [1], elements: [1] }, "integer[]"],
      [TypeOid.timetz, 0n, "time with time zone"],
      // Below 16384: an unknown built-in OID (user OIDs from 16384 up are enum types).
      [9_999, 1, "9999"],
    ];
    for (const [oid, value, name] of cases) {
      expect(isKeyEncodable(oid)).toBe(false);
      const writer = new KeyWriter();
      expect(() => writer.appendValue(oid, value)).toThrow(FeatureNotSupportedError);
      expect(() => writer.appendValue(oid, null)).toThrow(name);
      expect(writer.length).toBe(0);
    }
  });
});

describe("KeyWriter", () => {
  it("appends big-endian uint32 prefixes and raw bytes, and grows past its initial capacity", () => {
    const writer = new KeyWriter(4);
    writer.appendUint32(0x0102_0304);
    writer.appendBytes(Uint8Array.of(0xaa, 0xbb));
    expect(writer.length).toBe(6);
    const long = "x".repeat(1000);
    writer.appendValue(TypeOid.text, long);
    expect(writer.length).toBe(6 + 1 + 1000 + 2);
    const key = writer.finish();
    expect(hex(key.subarray(0, 7))).toBe("01020304aabb01");
    expect(key.length).toBe(writer.length);
  });

  it("returns a copy from finish and can be reset", () => {
    const writer = new KeyWriter();
    writer.appendUint32(7);
    const first = writer.finish();
    writer.appendUint32(8);
    expect(hex(first)).toBe("00000007");
    expect(hex(writer.finish())).toBe("0000000700000008");
    writer.reset();
    expect(writer.length).toBe(0);
    writer.appendValue(TypeOid.bool, true);
    expect(hex(writer.finish())).toBe("0101");
  });
});

describe("prefixEnd and compareBytes", () => {
  it("computes the exclusive end of a prefix scan", () => {
    const end = (bytes: number[]): string | undefined => {
      const result = prefixEnd(Uint8Array.from(bytes));
      return result === undefined ? undefined : hex(result);
    };
    expect(end([1, 2, 3])).toBe("010204");
    expect(end([1, 2, 0xff])).toBe("0103");
    expect(end([1, 0xff, 0xff])).toBe("02");
    expect(end([0])).toBe("01");
    expect(end([0xff, 0xff])).toBeUndefined();
    expect(end([])).toBeUndefined();
    const prefix = Uint8Array.of(5, 0xff);
    prefixEnd(prefix);
    expect(hex(prefix)).toBe("05ff");
  });

  it("bounds exactly the keys that start with the prefix", () => {
    const bytes = (maxLength: number): fc.Arbitrary<Uint8Array> =>
      fc.oneof(fc.uint8Array({ maxLength }), fc.array(fc.constantFrom(0x00, 0x01, 0xfe, 0xff), { maxLength }).map((b) => Uint8Array.from(b)));
    fc.assert(
      fc.property(bytes(4), bytes(6), (prefix, key) => {
        const end = prefixEnd(prefix);
        const hasPrefix = key.length >= prefix.length && compareBytes(key.subarray(0, prefix.length), prefix) === 0;
        if (end === undefined) {
          expect(prefix.every((byte) => byte === 0xff)).toBe(true);
          return;
        }
        expect(compareBytes(end, prefix)).toBeGreaterThan(0);
        expect(hasPrefix).toBe(compareBytes(key, prefix) >= 0 && compareBytes(key, end) < 0);
      }),
      params,
    );
  });

  it("compares unsigned and puts a proper prefix first", () => {
    expect(compareBytes(Uint8Array.of(0x80), Uint8Array.of(0x7f))).toBeGreaterThan(0);
    expect(compareBytes(Uint8Array.of(1), Uint8Array.of(1, 0))).toBeLessThan(0);
    expect(compareBytes(Uint8Array.of(1, 0), Uint8Array.of(1))).toBeGreaterThan(0);
    expect(compareBytes(new Uint8Array(), new Uint8Array())).toBe(0);
    expect(compareBytes(Uint8Array.of(2, 3), Uint8Array.of(2, 3))).toBe(0);
  });
});

describe("int8 keys of JavaScript numbers", () => {
  const viaBigInt = (n: number): Uint8Array => encodeKey(TypeOid.int8, BigInt(n));
  const viaNumber = (n: number): Uint8Array => {
    const writer = new KeyWriter();
    writer.appendInt8Number(n);
    return writer.finish();
  };

  it("encodes a safe integer exactly as its bigint", () => {
    const ladder = [0, 1, -1, 127, 128, 255, 256, -255, -256, -257, 65_535, 65_536, 0x7fff_ffff, -0x8000_0000, 2 ** 32, -(2 ** 32), Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER];
    for (const n of ladder) expect(hex(viaNumber(n)), String(n)).toBe(hex(viaBigInt(n)));
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.maxSafeInteger()), (n) => {
        expect(hex(viaNumber(n))).toBe(hex(viaBigInt(n)));
      }),
      params,
    );
  });
});

describe("row-id and relation key prefixes (src/storage/keys.ts)", () => {
  it("match DataView's big-endian encoding and read back, for row ids and relation ids of every size", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: rowIdLimit - 1n }), fc.integer({ min: 0, max: 0xffff_ffff }), (rowId, id) => {
        const expected = new Uint8Array(12);
        const view = new DataView(expected.buffer);
        view.setUint32(0, id);
        view.setBigUint64(4, rowId);
        const key = withPrefix(id, rowIdSuffix(rowId));
        expect(key).toEqual(expected);
        expect(readRowId(key)).toBe(rowId);
      }),
      params,
    );
    expect(() => rowIdSuffix(rowIdLimit)).toThrow("a row id is below 2^56");
    expect(() => rowIdSuffix(-1n)).toThrow("a row id is below 2^56");
  });
});
