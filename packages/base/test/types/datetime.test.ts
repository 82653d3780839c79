/**
 * Unit and property tests of the date/time types: known PostgreSQL outputs, DST resolution,
 * arithmetic edge cases, the binary format, and round trips (text output -> input, binary encode
 * -> decode, timestamptz -> local -> timestamptz away from DST gaps). The differential test
 * against PostgreSQL itself is datetime.pg.test.ts.
 */
import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { propertyParams } from "@omnikv/testkit";
import * as dt from "../../src/types/datetime.ts";

const newYork = dt.parseTimeZone("America/New_York");
const timestampOf = fc.bigInt({ min: -211_813_488_000_000_000n, max: 9_223_371_331_199_999_999n });
const intervalOf = fc.record({
  months: fc.integer({ min: -2_000_000_000, max: 2_000_000_000 }),
  days: fc.integer({ min: -2_000_000_000, max: 2_000_000_000 }),
  micros: fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n }),
});

function sqlStateOf(compute: () => unknown): string {
  try {
    compute();
    return "ok";
  } catch (error) {
    return error instanceof Error && "sqlState" in error ? String(error.sqlState) : "not a DbError";
  }
}

describe("text input and output", () => {
  it("prints dates, times and timestamps as PostgreSQL with DateStyle ISO", () => {
    expect(dt.formatDate(dt.parseDate("Jan 31 2024"))).toBe("2024-01-31");
    expect(dt.formatDate(dt.parseDate("0044-03-15 BC"))).toBe("0044-03-15 BC");
    expect(dt.formatDate(dt.parseDate("-infinity"))).toBe("-infinity");
    expect(dt.formatTime(dt.parseTime("13:45:00.123450"))).toBe("13:45:00.12345");
    expect(dt.formatTime(dt.parseTime("allballs"))).toBe("00:00:00");
    expect(dt.formatTimestamp(dt.parseTimestamp("2024-01-31T13:45:00Z"))).toBe("2024-01-31 13:45:00");
    expect(dt.formatTimestamp(dt.parseTimestamp("epoch"))).toBe("1970-01-01 00:00:00");
    // Fractions beyond microseconds round half to even, like C's rint().
    expect(dt.formatTimestamp(dt.parseTimestamp("2024-01-01 00:00:00.0000005"))).toBe("2024-01-01 00:00:00");
    expect(dt.formatTimestamp(dt.parseTimestamp("2024-01-01 00:00:00.0000015"))).toBe("2024-01-01 00:00:00.000002");
  });

  it("resolves DST gaps and overlaps as PostgreSQL", () => {
    expect(dt.formatTimestamptz(dt.parseTimestamptz("2024-03-10 02:30", newYork), newYork)).toBe("2024-03-10 03:30:00-04");
    expect(dt.formatTimestamptz(dt.parseTimestamptz("2024-11-03 01:30", newYork), newYork)).toBe("2024-11-03 01:30:00-05");
    expect(dt.formatTimestamptz(dt.parseTimestamptz("1800-01-01", newYork), newYork)).toBe("1800-01-01 00:00:00-04:56:02");
    expect(dt.formatTimestamptz(dt.parseTimestamptz("2024-01-31 13:45+05:30", dt.UTC), dt.parseTimeZone("+05:30"))).toBe("2024-01-31 02:45:00-05:30");
    expect(dt.formatTimestamptz(dt.parseTimestamptz("2024-07-01 12:00 PDT", dt.UTC), dt.UTC)).toBe("2024-07-01 19:00:00+00");
  });

  it("raises PostgreSQL's SQLSTATEs", () => {
    expect(sqlStateOf(() => dt.parseDate("x"))).toBe("22007");
    expect(sqlStateOf(() => dt.parseDate("2024-02-30"))).toBe("22008");
    expect(sqlStateOf(() => dt.parseTimestamp("294277-01-01"))).toBe("22008");
    expect(sqlStateOf(() => dt.parseTimestamptz("2024-01-01 12:00+16", dt.UTC))).toBe("22009");
    expect(sqlStateOf(() => dt.parseTimestamptz("2024-01-01 12:00 Mars/Base", dt.UTC))).toBe("22023");
    expect(sqlStateOf(() => dt.parseTimeZone("Nowhere/Special"))).toBe("22023");
    expect(sqlStateOf(() => dt.parseInterval("1 fortnight"))).toBe("22007");
  });

  it("reads and prints intervals in IntervalStyle postgres", () => {
    const cases: [string, string][] = [
      ["1 day 2 hours", "1 day 02:00:00"], ["1-2", "1 year 2 mons"], ["-1 days +02:00:00", "-1 days +02:00:00"],
      ["@ 1 hour ago", "-01:00:00"], ["P1Y2M3DT4H5M6.5S", "1 year 2 mons 3 days 04:05:06.5"], ["P0001-02-03T04:05:06", "1 year 2 mons 3 days 04:05:06"],
      ["1.5 months", "1 mon 15 days"], ["0", "00:00:00"], ["-1 year -2 mons +3 days", "-1 years -2 mons +3 days"],
    ];
    for (const [input, output] of cases) expect(dt.formatInterval(dt.parseInterval(input)), input).toBe(output);
  });
});

describe("arithmetic", () => {
  it("adds months with month-end clamping and days on the wall clock across DST", () => {
    const ts = dt.parseTimestamp("2024-01-31 12:00");
    expect(dt.formatTimestamp(dt.addIntervalToTimestamp(ts, dt.parseInterval("1 month")))).toBe("2024-02-29 12:00:00");
    const beforeGap = dt.parseTimestamptz("2024-03-09 12:00", newYork);
    expect(dt.formatTimestamptz(dt.addIntervalToTimestamptz(beforeGap, dt.parseInterval("1 day"), newYork), newYork)).toBe("2024-03-10 12:00:00-04");
    expect(dt.formatTimestamptz(dt.addIntervalToTimestamptz(beforeGap, dt.parseInterval("24 hours"), newYork), newYork)).toBe("2024-03-10 13:00:00-04");
    expect(dt.formatDate(dt.addDaysToDate(dt.parseDate("1900-02-28"), 1))).toBe("1900-03-01");
  });

  it("subtracts timestamps into days and time, and computes age field by field", () => {
    const a = dt.parseTimestamp("2024-03-01 00:00");
    const b = dt.parseTimestamp("2024-01-31 12:00");
    expect(dt.formatInterval(dt.subtractTimestamps(a, b))).toBe("29 days 12:00:00");
    // age borrows January's 31 days, so it differs from the plain difference.
    expect(dt.formatInterval(dt.ageOfTimestamps(a, b))).toBe("1 mon 12:00:00");
    expect(dt.formatInterval(dt.ageOfTimestamps(dt.parseTimestamp("2024-03-31"), dt.parseTimestamp("2023-02-28")))).toBe("1 year 1 mon 3 days");
    expect(sqlStateOf(() => dt.subtractTimestamps(dt.TIMESTAMP_POS_INFINITY, a))).toBe("22008");
  });

  it("multiplies intervals with fractional spill and compares by 30-day months", () => {
    expect(dt.formatInterval(dt.multiplyInterval(dt.parseInterval("1 mon"), 1.5))).toBe("1 mon 15 days");
    expect(dt.formatInterval(dt.divideInterval(dt.parseInterval("1 day"), 3))).toBe("08:00:00");
    expect(dt.compareIntervals(dt.parseInterval("1 mon"), dt.parseInterval("30 days"))).toBe(0);
    expect(dt.compareIntervals(dt.parseInterval("1 day"), dt.parseInterval("23:59:59"))).toBe(1);
    expect(dt.formatInterval(dt.justifyInterval(dt.parseInterval("1 mon -1 hour")))).toBe("29 days 23:00:00");
  });

  it("extracts fields as PostgreSQL 15 prints numeric and truncates on the wall clock", () => {
    const ts = dt.parseTimestamp("2024-01-31 13:45:01.5");
    expect(dt.extractFromTimestamp("second", ts)).toBe("1.500000");
    expect(dt.extractFromTimestamp("milliseconds", ts)).toBe("1500.000");
    expect(dt.extractFromTimestamp("epoch", ts)).toBe("1706708701.500000");
    expect(dt.extractFromTimestamp("year", dt.TIMESTAMP_NEG_INFINITY)).toBe("-Infinity");
    expect(dt.extractFromTimestamp("hour", dt.TIMESTAMP_NEG_INFINITY)).toBeUndefined();
    const tz = dt.parseTimestamptz("2024-03-10 12:00", newYork);
    expect(dt.formatTimestamptz(dt.truncateTimestamptz("day", tz, newYork), newYork)).toBe("2024-03-10 00:00:00-05");
  });
});

describe("binary format", () => {
  it("encodes PostgreSQL's layouts", () => {
    expect(Buffer.from(dt.encodeDateBinary(dt.parseDate("2000-01-02"))).toString("hex")).toBe("00000001");
    expect(Buffer.from(dt.encodeTimestampBinary(dt.TIMESTAMP_POS_INFINITY)).toString("hex")).toBe("7fffffffffffffff");
    expect(Buffer.from(dt.encodeIntervalBinary(dt.parseInterval("1 mon 2 days 00:00:01"))).toString("hex")).toBe("00000000000f42400000000200000001");
    expect(sqlStateOf(() => dt.decodeTimeBinary(new Uint8Array(4)))).toBe("22P03");
  });

  it("round-trips every value", () => {
    fc.assert(
      fc.property(timestampOf, intervalOf, fc.integer({ min: -2_451_545, max: 2_145_031_948 }), (ts, span, date) => {
        expect(dt.decodeTimestampBinary(dt.encodeTimestampBinary(ts))).toBe(ts);
        expect(dt.decodeIntervalBinary(dt.encodeIntervalBinary(span))).toEqual(span);
        expect(dt.decodeDateBinary(dt.encodeDateBinary(date))).toBe(date);
      }),
      propertyParams(300),
    );
  });
});

describe("round trips", () => {
  it("text output reads back as the same value", () => {
    fc.assert(
      fc.property(timestampOf, intervalOf, fc.integer({ min: -2_451_545, max: 2_145_031_948 }), (ts, span, date) => {
        expect(dt.parseTimestamp(dt.formatTimestamp(ts))).toBe(ts);
        // On the first and last day of the range a local reading can fall outside it, as in PostgreSQL.
        if (ts > -211_813_488_000_000_000n + 86_400_000_000n && ts < 9_223_371_331_200_000_000n - 86_400_000_000n) {
          expect(dt.parseTimestamptz(dt.formatTimestamptz(ts, newYork), dt.UTC)).toBe(ts);
        }
        expect(dt.parseDate(dt.formatDate(date))).toBe(date);
        expect(dt.parseInterval(dt.formatInterval(span))).toEqual(span);
      }),
      propertyParams(500),
    );
  });

  it("timestamptz -> local -> timestamptz is the identity outside DST overlaps", () => {
    const zones = ["America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Asia/Kolkata", "UTC+5"].map((name) => dt.parseTimeZone(name));
    fc.assert(
      fc.property(fc.bigInt({ min: -3_000_000_000_000_000n, max: 3_000_000_000_000_000n }), fc.constantFrom(...zones), (ts, zone) => {
        const local = dt.timestamptzToTimestamp(ts, zone);
        const back = dt.timestampToTimestamptz(local, zone);
        // In an overlap the later reading wins, so a round trip may move by the DST shift, never more.
        const hour = 3_600_000_000n;
        expect(back === ts || (back - ts <= hour && back - ts >= -hour)).toBe(true);
        expect(dt.timestamptzToTimestamp(back, zone)).toBe(local);
      }),
      propertyParams(1000),
    );
  });
});
