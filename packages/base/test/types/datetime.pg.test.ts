/**
 * Differential test of the date/time types against a real PostgreSQL 15: generated inputs and
 * operations are evaluated by both, and the text results, or SQLSTATE + message, must be equal.
 *
 * PostgreSQL evaluates each case inside a PL/pgSQL function that traps the error and returns it
 * as text, so a batch of cases is one query. The session TimeZone is set per batch. Randomness
 * comes from fast-check with `propertyParams` seeds; a mismatch reports `FC_SEED=<n>` to replay.
 */
import * as fc from "fast-check";
import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DbError } from "@omnikv/base";
import { propertyParams, startPostgres, type PostgresServer } from "@omnikv/testkit";
import * as dt from "../../src/types/datetime.ts";
import { hashInterval } from "../../src/types/scalar-hash.ts";

const batchSizeMax = 2000;

/** Timestamps mostly in 1800..2200 (where zones have history), some anywhere in range. */
const timestampOf: fc.Arbitrary<bigint> = fc.oneof(
  fc.bigInt({ min: -6_311_390_400_000_000n, max: 6_311_390_400_000_000n }),
  fc.bigInt({ min: -211_813_488_000_000_000n, max: 9_223_371_331_199_999_999n }),
  fc.bigInt({ min: -6_311_390_400n, max: 6_311_390_400n }).map((seconds) => seconds * 1_000_000n),
);
const timestamptzOf = timestampOf;
const dateOf: fc.Arbitrary<number> = fc.oneof(fc.integer({ min: -80_000, max: 80_000 }), fc.integer({ min: -2_451_545, max: 2_145_031_948 }));
const intervalOf: fc.Arbitrary<dt.IntervalValue> = fc.oneof(
  fc.record({ months: fc.integer({ min: -30, max: 30 }), days: fc.integer({ min: -40, max: 40 }), micros: fc.bigInt({ min: -200_000_000_000n, max: 200_000_000_000n }) }),
  fc.record({ months: fc.integer({ min: -1200, max: 1200 }), days: fc.integer({ min: -1000, max: 1000 }), micros: fc.bigInt({ min: -(10n ** 13n), max: 10n ** 13n }).map((m) => (m / 1_000_000n) * 1_000_000n) }),
);


let server: PostgresServer;
let client: Client;

beforeAll(async () => {
  server = await startPostgres();
  client = new Client({ host: server.host, port: server.port, user: server.user, database: server.database });
  await client.connect();
  await client.query(`
    CREATE FUNCTION try_eval(expr text) RETURNS text LANGUAGE plpgsql AS $$
    DECLARE result text;
    BEGIN
      EXECUTE 'SELECT (' || expr || ')::text' INTO result;
      RETURN coalesce(result, 'NULL');
    EXCEPTION WHEN others THEN
      RETURN 'ERROR ' || SQLSTATE || ' ' || SQLERRM;
    END $$`);
}, 60_000);

afterAll(async () => {
  await client.end();
  await server.stop();
});

function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

function ours(compute: () => string | undefined): string {
  try {
    return compute() ?? "NULL";
  } catch (error) {
    if (!(error instanceof DbError)) throw error;
    return `ERROR ${error.sqlState} ${error.message}`;
  }
}

async function evaluateInPg(expressions: readonly string[], timeZone: string): Promise<string[]> {
  const results: string[] = [];
  for (let start = 0; start < expressions.length; start += batchSizeMax) {
    const chunk = expressions.slice(start, start + batchSizeMax);
    await client.query(`SET TimeZone = ${literal(timeZone)}`);
    const result = await client.query<{ r: string }>("SELECT try_eval(e) AS r FROM unnest($1::text[]) WITH ORDINALITY AS t(e, n) ORDER BY n", [chunk]);
    results.push(...result.rows.map((row) => row.r));
  }
  return results;
}

interface Case {
  readonly sql: string;
  readonly ours: () => string | undefined;
}

async function expectNoMismatch(name: string, build: (seed: number, zone: dt.TimeZone) => Case[], timeZone = "UTC"): Promise<number> {
  const { seed } = propertyParams(1);
  const zone = dt.parseTimeZone(timeZone);
  const cases = build(seed, zone);
  const theirs = await evaluateInPg(cases.map((c) => c.sql), timeZone);
  const lines: string[] = [];
  cases.forEach((c, index) => {
    const mine = ours(c.ours);
    if (mine !== theirs[index] && lines.length < 25) lines.push(`${c.sql}\n   pg:   ${theirs[index]}\n   ours: ${mine}`);
  });
  expect(lines, `${name} (TimeZone ${timeZone}): mismatches with FC_SEED=${seed}\n${lines.join("\n")}`).toEqual([]);
  return cases.length;
}

function sample<T>(arbitrary: fc.Arbitrary<T>, count: number, seed: number): T[] {
  return fc.sample(arbitrary, { numRuns: count, seed });
}

const monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const two = (n: number): string => String(n).padStart(2, "0");

const dateText = fc.oneof(
  fc.tuple(fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }), fc.boolean()).map(
    ([y, m, d, bc]) => `${String(y).padStart(4, "0")}-${two(m)}-${two(d)}${bc ? " BC" : ""}`,
  ),
  fc.tuple(fc.integer({ min: 1, max: 2100 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 31 })).map(([y, m, d]) => `${m}/${d}/${y}`),
  fc.tuple(fc.integer({ min: 1, max: 2100 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 31 })).map(([y, m, d]) => `${monthNames[m - 1] ?? "Jan"} ${d} ${y}`),
  fc.tuple(fc.integer({ min: 1, max: 2100 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 31 })).map(([y, m, d]) => `${d}-${monthNames[m - 1] ?? "Jan"}-${y}`),
  fc.tuple(fc.integer({ min: 1900, max: 2100 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 31 })).map(([y, m, d]) => `${y}${two(m)}${two(d)}`),
  fc.string({ unit: fc.constantFrom("1", "2", "0", "9", "-", "/", " ", " jan ", ".", "31", "2024"), maxLength: 8 }),
);

const timeText = fc.oneof(
  fc.tuple(fc.integer({ min: 0, max: 25 }), fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 61 }), fc.stringMatching(/^(\.\d{0,9})?$/)).map(
    ([h, m, s, f]) => `${two(h)}:${two(m)}:${two(s)}${f}`,
  ),
  fc.tuple(fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 59 }), fc.constantFrom(" am", " pm", "AM", "")).map(([h, m, mer]) => `${h}:${two(m)}${mer}`),
  fc.constantFrom("24:00", "24:00:00.000001", "23:59:60", "23:59:60.5", "allballs", "134500", "1345", "12:34.5", "00:00:00.0000005", "00:00:00.0000015", "0:0:0.9999995", "23:59:59.9999999"),
);

const zoneSuffix = fc.constantFrom("", "", "Z", "+00", "-08", "+05:30", "+0530", "-03:30:15", " UTC", " EST", " PDT", " CEST", " America/New_York", " Europe/Berlin", " Asia/Tokyo", "+16", " Mars/Base", " jst", "+5");

describe("date/time input and output match PostgreSQL 15", () => {
  it("date input", async () => {
    const edges = ["2024-01-31", "2024-02-29", "2023-02-29", "2024-02-30", "1900-02-29", "2000-02-29", "0000-01-01", "0001-01-01 BC", "4714-11-24 BC", "4714-11-23 BC",
      "5874897-12-31", "5874898-01-01", "infinity", "-infinity", "epoch", "Jan 31 2024", "31 Jan 2024", "January 31, 2024", "2024-Jan-31", "1/31/2024", "31/1/2024",
      "2024.01.31", "20240131", "240131", "J2451545", "x", "", "2024-01-31 13:45", "2024-01-31 junk", "99-01-31", "69-01-31", "70-01-31", "2024 1 31",
      "Tue Jan 31 2024", "2024-13-01", "2024-00-10", "2024/01/31", "2024-01-31T10:00:00Z", "2024-1-1", "1-1-2024", "2024-01-31 BC", "2024-01-31 AD",
      // Year and day of year: the day is placed after the AD/BC adjustment and may roll into the next year; a
      // year far out of range wraps in PostgreSQL's 32-bit date2j (FC_SEED=1379116648 found 13120249.311).
      "2001.360", "2023.366", "2024.366", "2001.360 BC", "2000.366 BC", "2001.366 BC", "0099.100", "5874897.365", "5874897.366", "13120249.311", "5000.100 BC", "4713.001 BC"];
    await expectNoMismatch("date", (seed) => [...edges, ...sample(dateText, 1200, seed)].map((text) => ({ sql: `${literal(text)}::date`, ours: () => dt.formatDate(dt.parseDate(text)) })));
  });

  it("time input", async () => {
    const edges = ["13:45:00.123456", "allballs", "24:00", "24:00:01", "1:45 pm", "12:00 am", "13:00 pm", "134500", "2024-01-31 13:45", "13:45 PST", "x", "", "13", "13:45:00+05", "1:2:3"];
    await expectNoMismatch("time", (seed) => [...edges, ...sample(timeText, 600, seed)].map((text) => ({ sql: `${literal(text)}::time`, ours: () => dt.formatTime(dt.parseTime(text)) })));
  });

  it("timestamp input", async () => {
    const stamp = fc.tuple(dateText, fc.constantFrom(" ", "T", " "), timeText).map(([d, sep, t]) => `${d}${d.endsWith("BC") ? " " : sep}${t}`);
    const edges = ["2024-01-31 13:45:00.123456", "2024-01-31T13:45:00Z", "2024-01-31 24:00", "1999-12-31 24:00:00", "294276-12-31 23:59:59.999999", "294277-01-01 00:00:00",
      "4714-11-24 00:00:00 BC", "4714-11-23 23:59:59 BC", "infinity", "-infinity", "epoch", "2024-01-31 13:45:00.0000005", "2024-01-31 13:45:00.0000015", "Jan 31 2024 1:45 PM",
      "2024-01-31 13:45:00 America/New_York", "20240131 134500", "20240131T134500", "2024-01-31T", "2024-01-31 T 13:45",
      "1 jan 2024- 2.0 24:00:00.000001", "1 jan 2024- 2.0", "031209..2024T12:34.5", "2024-01-31 34.5", "2024-01-31 0034.5",
      // A run of date digits reads its year with C's atoi, which wraps (FC_SEED=946497221 found the first).
      "3120242024020312 12:14", "429496929600101 00:00", "99999999999999999999990101 00:00"];
    const build = (seed: number): Case[] =>
      [...edges, ...sample(stamp, 1200, seed)].map((text) => ({ sql: `${literal(text)}::timestamp`, ours: () => dt.formatTimestamp(dt.parseTimestamp(text)) }));
    await expectNoMismatch("timestamp", build);
  });

  for (const timeZone of ["UTC", "America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Asia/Kolkata", "UTC+5", "+05:30", "-8", "<-03>+03"]) {
    it(`timestamptz input and output in ${timeZone}`, async () => {
      const stamp = fc.tuple(dateText, timeText, zoneSuffix).map(([d, t, z]) => `${d} ${t}${z}`);
      const dst = fc.tuple(fc.integer({ min: 1900, max: 2100 }), fc.constantFrom(3, 4, 10, 11), fc.integer({ min: 1, max: 31 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 59 }))
        .map(([y, m, d, h, mi]) => `${y}-${two(m)}-${two(d)} ${two(h)}:${two(mi)}`);
      const edges = ["2024-03-10 02:30", "2024-11-03 01:30", "2024-03-31 02:30", "2024-10-27 02:30", "1800-01-01", "1883-11-18 12:00", "0001-01-01 BC", "infinity", "epoch",
        "2024-01-31 13:45:00+05:30", "2024-01-31 13:45:00-08", "2024-07-01 12:00 Europe/Berlin", "2024-01-01 12:00 PST", "294276-12-31 23:59:59", "2200-07-01 12:00"];
      const build = (seed: number, zone: dt.TimeZone): Case[] =>
        [...edges, ...sample(stamp, 500, seed), ...sample(dst, 300, seed + 1)].map((text) => ({
          sql: `${literal(text)}::timestamptz`,
          ours: () => dt.formatTimestamptz(dt.parseTimestamptz(text, zone), zone),
        }));
      await expectNoMismatch("timestamptz", build, timeZone);
    });
  }

  it("interval input and output", async () => {
    const unit = fc.constantFrom("year", "years", "mon", "months", "week", "day", "days", "hour", "hours", "min", "minute", "sec", "seconds", "ms", "msec", "us", "microseconds",
      "decade", "century", "millennium", "y", "m", "d", "h", "s", "w", "hrs", "mins");
    const number = fc.tuple(fc.constantFrom("", "-", "+"), fc.integer({ min: 0, max: 1000 }), fc.constantFrom("", "", ".5", ".25", ".333", ".1", ".75", ".0000005")).map(([s, n, f]) => `${s}${n}${f}`);
    const part = fc.oneof(
      fc.tuple(number, unit).map(([n, u]) => `${n} ${u}`),
      fc.tuple(fc.constantFrom("", "-", "+"), fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 60 }), fc.constantFrom("", ".5", ".123456", ".1234567"))
        .map(([s, h, m, sec, f]) => `${s}${two(h)}:${two(m)}:${two(sec)}${f}`),
      fc.tuple(fc.constantFrom("", "-"), fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 12 })).map(([s, y, m]) => `${s}${y}-${m}`),
      number,
    );
    const text = fc.oneof(
      fc.tuple(fc.constantFrom("", "@ "), fc.array(part, { minLength: 1, maxLength: 4 }), fc.constantFrom("", "", " ago")).map(([at, parts, ago]) => `${at}${parts.join(" ")}${ago}`),
      fc.tuple(fc.nat(20), fc.nat(20), fc.nat(40), fc.nat(30), fc.nat(70), fc.constantFrom("6", "6.5", "0.25", "-3")).map(([y, m, d, h, mi, s]) => `P${y}Y${m}M${d}DT${h}H${mi}M${s}S`),
      fc.constantFrom("P1Y", "PT1.5S", "P0.5Y", "P1.5M", "P1W", "P-1D", "PT-1H", "P0001-02-03T04:05:06", "P0001-02-03", "PT04:05:06", "P", "PT", "P1", "P1Y2", "P1DT"),
    );
    const edges = ["1 day 2 hours", "1-2", "-1 days +02:00:00", "@ 1 hour ago", "01:02:03", "1.5 months", "1.5 years", "0.5 weeks", "2147483647 days", "2147483648 days",
      "-2147483648 months", "178000000 years", "1 day 1 day", "1 hour 1 minute 1 hour", "", "x", "ago", "1 ago", "1 days ago 2", "00:00:00", "-00:00:01", "1 mon -1 days",
      "1.5 seconds 3 ms", "1 2", "1 2:00", "10:", "1:2:3:4", "2562047788:00:54.775807", "2562047788:00:54.775808", "-2562047788:00:54.775808", "1 millennium 2 centuries 3 decades",
      "0.000001 sec", "0.0000005 sec", "0.0000015 sec", "1e3 days", ".5 day", "-.5 day", "- 1 day"];
    await expectNoMismatch("interval", (seed) => [...edges, ...sample(text, 1500, seed)].map((input) => ({ sql: `${literal(input)}::interval`, ours: () => dt.formatInterval(dt.parseInterval(input)) })));
  });
});

describe("date/time arithmetic matches PostgreSQL 15", () => {
  it("timestamp and date arithmetic", async () => {
    const build = (seed: number): Case[] => {
      const cases: Case[] = [];
      const stamps = sample(timestampOf, 500, seed);
      const spans = sample(intervalOf, 500, seed + 1);
      const dates = sample(dateOf, 500, seed + 2);
      stamps.forEach((ts, index) => {
        const span = spans[index] ?? dt.ZERO_INTERVAL;
        const other = stamps[(index + 1) % stamps.length] ?? ts;
        const date = dates[index] ?? 0;
        const tsSql = `${literal(dt.formatTimestamp(ts))}::timestamp`;
        const spanSql = `${literal(dt.formatInterval(span))}::interval`;
        const dateSql = `${literal(dt.formatDate(date))}::date`;
        cases.push({ sql: `${tsSql} + ${spanSql}`, ours: () => dt.formatTimestamp(dt.addIntervalToTimestamp(ts, span)) });
        cases.push({ sql: `${tsSql} - ${spanSql}`, ours: () => dt.formatTimestamp(dt.subtractIntervalFromTimestamp(ts, span)) });
        cases.push({ sql: `${tsSql} - ${literal(dt.formatTimestamp(other))}::timestamp`, ours: () => dt.formatInterval(dt.subtractTimestamps(ts, other)) });
        cases.push({ sql: `age(${tsSql}, ${literal(dt.formatTimestamp(other))}::timestamp)`, ours: () => dt.formatInterval(dt.ageOfTimestamps(ts, other)) });
        cases.push({ sql: `${dateSql} + ${index - 250}`, ours: () => dt.formatDate(dt.addDaysToDate(date, index - 250)) });
        cases.push({ sql: `${dateSql} - ${literal(dt.formatDate(dates[(index + 7) % dates.length] ?? 0))}::date`, ours: () => String(dt.subtractDates(date, dates[(index + 7) % dates.length] ?? 0)) });
        cases.push({ sql: `${dateSql} + ${spanSql}`, ours: () => dt.formatTimestamp(dt.addIntervalToDate(date, span)) });
      });
      const edges: [string, string][] = [["2024-01-31", "1 month"], ["2024-03-31", "-1 month"], ["2023-01-31", "1 month"], ["1900-02-28", "1 day"], ["2024-02-29", "1 year"],
        ["0001-01-01 BC", "-1 day"], ["2024-01-31", "1 mon 1 day"], ["294276-12-31", "1 day"], ["infinity", "1 day"]];
      for (const [date, span] of edges) {
        cases.push({ sql: `${literal(date)}::timestamp + ${literal(span)}::interval`, ours: () => dt.formatTimestamp(dt.addIntervalToTimestamp(dt.parseTimestamp(date), dt.parseInterval(span))) });
      }
      return cases;
    };
    await expectNoMismatch("timestamp arithmetic", build);
  });

  for (const timeZone of ["America/New_York", "Europe/Berlin", "Australia/Lord_Howe"]) {
    it(`timestamptz arithmetic, age, date_trunc and extract in ${timeZone}`, async () => {
      const build = (seed: number, zone: dt.TimeZone): Case[] => {
        const cases: Case[] = [];
        const stamps = sample(timestamptzOf, 400, seed);
        const spans = sample(intervalOf, 400, seed + 1);
        const units = ["microseconds", "milliseconds", "second", "minute", "hour", "day", "week", "month", "quarter", "year", "decade", "century", "millennium"];
        const extractUnits = [...units, "epoch", "dow", "isodow", "doy", "isoyear", "timezone", "timezone_hour", "timezone_minute"];
        stamps.forEach((ts, index) => {
          const span = spans[index] ?? dt.ZERO_INTERVAL;
          const other = stamps[(index + 3) % stamps.length] ?? ts;
          const tsSql = `${literal(dt.formatTimestamptz(ts, zone))}::timestamptz`;
          const unit = units[index % units.length] ?? "day";
          const extractUnit = extractUnits[index % extractUnits.length] ?? "day";
          cases.push({ sql: `${tsSql} + ${literal(dt.formatInterval(span))}::interval`, ours: () => dt.formatTimestamptz(dt.addIntervalToTimestamptz(ts, span, zone), zone) });
          cases.push({ sql: `${tsSql} - ${literal(dt.formatTimestamptz(other, zone))}::timestamptz`, ours: () => dt.formatInterval(dt.subtractTimestamps(ts, other)) });
          cases.push({ sql: `age(${tsSql}, ${literal(dt.formatTimestamptz(other, zone))}::timestamptz)`, ours: () => dt.formatInterval(dt.ageOfTimestamptzs(ts, other, zone)) });
          cases.push({ sql: `date_trunc('${unit}', ${tsSql})`, ours: () => dt.formatTimestamptz(dt.truncateTimestamptz(unit, ts, zone), zone) });
          cases.push({ sql: `extract(${extractUnit} from ${tsSql})`, ours: () => dt.extractFromTimestamptz(extractUnit, ts, zone) });
          cases.push({ sql: `${tsSql}::timestamp`, ours: () => dt.formatTimestamp(dt.timestamptzToTimestamp(ts, zone)) });
          cases.push({ sql: `${tsSql}::date`, ours: () => dt.formatDate(dt.timestamptzToDate(ts, zone)) });
        });
        const dstEdges: [string, string][] = [["2024-03-09 02:30", "1 day"], ["2024-03-10 01:59:59", "1 second"], ["2024-11-02 01:30", "1 day"], ["2024-11-03 00:30", "1 hour"],
          ["2024-03-09 12:00", "24 hours"], ["2024-01-31 12:00", "1 month"], ["2024-10-26 02:30", "1 day"], ["2024-03-30 02:30", "1 day"]];
        for (const [stamp, span] of dstEdges) {
          cases.push({
            sql: `${literal(stamp)}::timestamptz + ${literal(span)}::interval`,
            ours: () => dt.formatTimestamptz(dt.addIntervalToTimestamptz(dt.parseTimestamptz(stamp, zone), dt.parseInterval(span), zone), zone),
          });
        }
        return cases;
      };
      await expectNoMismatch("timestamptz arithmetic", build, timeZone);
    });
  }

  it("interval operators, justify and comparison", async () => {
    const build = (seed: number): Case[] => {
      const cases: Case[] = [];
      const spans = sample(intervalOf, 600, seed);
      const factors = sample(fc.oneof(fc.constantFrom(0.5, 2, -1, 1.5, 0.1, 3, 1 / 3, -0.25, 1e-7, 7), fc.double({ min: -100, max: 100, noNaN: true })), 600, seed + 1);
      spans.forEach((span, index) => {
        const other = spans[(index + 1) % spans.length] ?? span;
        const factor = factors[index] ?? 1;
        const a = `${literal(dt.formatInterval(span))}::interval`;
        const b = `${literal(dt.formatInterval(other))}::interval`;
        cases.push({ sql: `${a} + ${b}`, ours: () => dt.formatInterval(dt.addIntervals(span, other)) });
        cases.push({ sql: `${a} - ${b}`, ours: () => dt.formatInterval(dt.subtractIntervals(span, other)) });
        cases.push({ sql: `${a} * ${factor}::float8`, ours: () => dt.formatInterval(dt.multiplyInterval(span, factor)) });
        cases.push({ sql: `${a} / ${factor}::float8`, ours: () => dt.formatInterval(dt.divideInterval(span, factor)) });
        cases.push({ sql: `justify_hours(${a})`, ours: () => dt.formatInterval(dt.justifyHours(span)) });
        cases.push({ sql: `interval_hash(${a})`, ours: () => String(hashInterval(span)) });
        cases.push({ sql: `justify_days(${a})`, ours: () => dt.formatInterval(dt.justifyDays(span)) });
        cases.push({ sql: `justify_interval(${a})`, ours: () => dt.formatInterval(dt.justifyInterval(span)) });
        cases.push({ sql: `CASE WHEN ${a} < ${b} THEN -1 WHEN ${a} = ${b} THEN 0 ELSE 1 END`, ours: () => String(dt.compareIntervals(span, other)) });
        const unit = ["microseconds", "milliseconds", "second", "minute", "hour", "day", "month", "quarter", "year", "decade", "century", "millennium", "epoch"][index % 13] ?? "day";
        cases.push({ sql: `extract(${unit} from ${a})`, ours: () => dt.extractFromInterval(unit, span) });
      });
      return cases;
    };
    await expectNoMismatch("interval operators", build);
  });

  it("date_trunc, extract, make_date and make_timestamp on timestamp and date", async () => {
    const build = (seed: number): Case[] => {
      const cases: Case[] = [];
      const stamps = sample(timestampOf, 500, seed);
      const units = ["microseconds", "milliseconds", "second", "minute", "hour", "day", "week", "month", "quarter", "year", "decade", "century", "millennium", "epoch", "dow", "isodow", "doy", "isoyear", "julian", "timezone", "fortnight"];
      stamps.forEach((ts, index) => {
        const unit = units[index % units.length] ?? "day";
        const tsSql = `${literal(dt.formatTimestamp(ts))}::timestamp`;
        const date = dt.timestampToDate(ts);
        cases.push({ sql: `date_trunc('${unit}', ${tsSql})`, ours: () => dt.formatTimestamp(dt.truncateTimestamp(unit, ts)) });
        cases.push({ sql: `extract(${unit} from ${tsSql})`, ours: () => dt.extractFromTimestamp(unit, ts) });
        cases.push({ sql: `extract(${unit} from ${literal(dt.formatDate(date))}::date)`, ours: () => dt.extractFromDate(unit, date) });
      });
      const parts = sample(fc.tuple(fc.integer({ min: -5000, max: 10_000 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }), fc.integer({ min: 0, max: 25 }), fc.integer({ min: 0, max: 60 }), fc.constantFrom(0, 1.5, 59.9999995, 60, 30.25)), 300, seed + 1);
      for (const [year, month, day, hour, minute, second] of parts) {
        cases.push({ sql: `make_date(${year}, ${month}, ${day})`, ours: () => dt.formatDate(dt.makeDate(year, month, day)) });
        cases.push({ sql: `make_timestamp(${year}, ${month}, ${day}, ${hour}, ${minute}, ${second})`, ours: () => dt.formatTimestamp(dt.makeTimestamp({ year, month, day, hour, minute, second })) });
      }
      for (const value of ["infinity", "-infinity"]) {
        for (const unit of ["year", "day", "epoch"]) cases.push({ sql: `extract(${unit} from ${literal(value)}::timestamp)`, ours: () => dt.extractFromTimestamp(unit, dt.parseTimestamp(value)) });
      }
      return cases;
    };
    await expectNoMismatch("fields", build);
  });

  it("binary send format", async () => {
    const build = (seed: number): Case[] => {
      const hex = (bytes: Uint8Array): string => `\\x${Buffer.from(bytes).toString("hex")}`;
      const cases: Case[] = [];
      for (const ts of sample(timestampOf, 100, seed)) cases.push({ sql: `timestamp_send(${literal(dt.formatTimestamp(ts))}::timestamp)`, ours: () => hex(dt.encodeTimestampBinary(ts)) });
      for (const date of sample(dateOf, 100, seed)) cases.push({ sql: `date_send(${literal(dt.formatDate(date))}::date)`, ours: () => hex(dt.encodeDateBinary(date)) });
      for (const span of sample(intervalOf, 100, seed)) cases.push({ sql: `interval_send(${literal(dt.formatInterval(span))}::interval)`, ours: () => hex(dt.encodeIntervalBinary(span)) });
      for (const text of ["13:45:00.5", "24:00", "allballs"]) cases.push({ sql: `time_send(${literal(text)}::time)`, ours: () => hex(dt.encodeTimeBinary(dt.parseTime(text))) });
      return cases;
    };
    await expectNoMismatch("binary", build);
  });
});
