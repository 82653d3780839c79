/**
 * Differential test of the date/time operators, functions and casts against a real PostgreSQL 15:
 * generated arguments (dates with leap days, month ends, BC and infinities; timestamps around the
 * DST changes of America/New_York and Europe/Berlin; intervals with mixed signs) are passed to our
 * implementations and, as typed literals, to PostgreSQL; the text results, or SQLSTATE and
 * message of the error, must be identical in every session time zone tried.
 *
 * PostgreSQL evaluates each case inside a PL/pgSQL function that traps the error, so a batch is
 * one query, run inside a transaction whose now() also feeds our EvalContext. A mismatch reports
 * `FC_SEED=<n>` to replay the same cases.
 */
import * as fc from "fast-check";
import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DbError,
  TypeOid,
  formatDate,
  formatInterval,
  formatTime,
  formatTimestamp,
  formatTimestamptz,
  formatValue,
  parseTimeZone,
  UTC,
  type IntervalValue,
} from "@omnikv/base";
import { propertyParams, startPostgres, type PostgresServer } from "@omnikv/testkit";
import { datetimeFunctions as signatures } from "@omnikv/planner";
import { datetimeFunctions } from "../../src/functions/datetime.ts";
import type { EvalContext } from "../../src/functions/function-types.ts";
import type { SqlValue } from "../../src/values.ts";

const batchSizeMax = 3000;
const mismatchesShownMax = 30;
const zones = ["UTC", "America/New_York", "Europe/Berlin", "Asia/Kolkata"] as const;

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

/** An argument: our value and its SQL spelling. */
interface Arg {
  readonly value: SqlValue;
  readonly sql: string;
}

function quote(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

const dayMicros = 86_400_000_000n;
const dateEdges = [0, 59, 60, 365, 366, -1, -730_120, -730_485, -2_451_545, 2_145_031_948, 106_741_033, 106_741_034, -0x8000_0000, 0x7fff_ffff];
const dateOf: fc.Arbitrary<number> = fc.oneof(
  fc.integer({ min: -80_000, max: 80_000 }),
  fc.constantFrom(...dateEdges),
  fc.integer({ min: -3_000, max: 3_000 }).map((month) => Math.floor((month * 30_436_875) / 1_000_000)),
  fc.integer({ min: -2_451_545, max: 2_145_031_948 }),
);
const dateArg = dateOf.map((d): Arg => ({ value: d, sql: `${quote(formatDate(d))}::date` }));

/** UTC instants of DST changes in New York and Berlin (2024 and 1990), in µs since 2000. */
const transitions = ["2024-03-10 07:00", "2024-11-03 06:00", "2024-03-31 01:00", "2024-10-27 01:00", "1990-04-01 07:00", "1990-09-30 01:00"].map(
  (text) => BigInt(Date.parse(`${text}Z`) - 946_684_800_000) * 1000n,
);
const timestampOf: fc.Arbitrary<bigint> = fc.oneof(
  fc.bigInt({ min: -6_311_390_400_000_000n, max: 6_311_390_400_000_000n }),
  fc.tuple(fc.constantFrom(...transitions), fc.integer({ min: -16, max: 16 })).map(([t, quarter]) => t + BigInt(quarter) * 900_000_000n),
  fc.tuple(fc.constantFrom(...transitions), fc.bigInt({ min: -7_200_000_000n, max: 7_200_000_000n })).map(([t, delta]) => t + delta),
  fc.bigInt({ min: -211_813_488_000_000_000n, max: 9_223_371_331_199_999_999n }),
  fc.constantFrom(-(2n ** 63n), 2n ** 63n - 1n, 0n, -211_813_488_000_000_000n, 9_223_371_331_199_999_999n),
);
const timestampArg = timestampOf.map((t): Arg => ({ value: t, sql: `${quote(formatTimestamp(t))}::timestamp` }));
const timestamptzArg = timestampOf.map((t): Arg => ({ value: t, sql: `${quote(formatTimestamptz(t, UTC))}::timestamptz` }));
const timeArg = fc.oneof(fc.bigInt({ min: 0n, max: dayMicros }), fc.constantFrom(0n, dayMicros, dayMicros - 1n, 43_200_000_000n)).map(
  (t): Arg => ({ value: t, sql: `${quote(formatTime(t))}::time` }),
);
const intervalOf: fc.Arbitrary<IntervalValue> = fc.oneof(
  fc.record({ months: fc.integer({ min: -30, max: 30 }), days: fc.integer({ min: -40, max: 40 }), micros: fc.bigInt({ min: -200_000_000_000n, max: 200_000_000_000n }) }),
  fc.record({ months: fc.integer({ min: -1200, max: 1200 }), days: fc.integer({ min: -1000, max: 1000 }), micros: fc.bigInt({ min: -(10n ** 13n), max: 10n ** 13n }) }),
  fc.record({ months: fc.constant(0), days: fc.constant(0), micros: fc.bigInt({ min: -(10n ** 11n), max: 10n ** 11n }) }),
);
const intervalArg = intervalOf.map((i): Arg => ({ value: i, sql: `${quote(formatInterval(i))}::interval` }));
const int4Arg = fc.oneof(fc.integer({ min: -400, max: 400 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })).map((n): Arg => ({ value: n, sql: `(${n})::int4` }));
const float8Arg = fc
  .oneof(fc.double({ min: -1e4, max: 1e4, noNaN: true }), fc.constantFrom(0, 0.5, -1.5, 2, 1e-7, 3.3333, Number.NaN, Infinity, 1e300))
  .map((x): Arg => ({ value: x, sql: `${quote(Object.is(x, -0) ? "-0" : String(x))}::float8` }));

function textArg(values: readonly string[]): fc.Arbitrary<Arg> {
  return fc.constantFrom(...values).map((t): Arg => ({ value: t, sql: `${quote(t)}::text` }));
}

const units = ["microseconds", "milliseconds", "second", "minute", "hour", "day", "week", "month", "quarter", "year", "decade", "century", "millennium",
  "epoch", "julian", "dow", "isodow", "doy", "isoyear", "timezone", "timezone_hour", "timezone_minute", "Hours", "MON", "secs", "fortnight", "us"];
const zoneNames = ["UTC", "EST", "cet", "America/New_York", "europe/berlin", "Asia/Tokyo", "5", "+05", "-03:30", "UTC+5", "foo", "Z", "Japan", "jst"];
const charFormats = ["YYYY-MM-DD HH24:MI:SS", "FMDD Month YYYY", "Day, DD Mon YYYY HH12:MI:SS AM", "dy mon dd yyyy hh:mi pm", "DDD D Q WW W J", "MS US SS",
  "YYY YY Y CC", "MONTH month Month", "DAY day Dy DY", "HH24\"h\"MI", "FMHH12 a.m. A.M. p.m.", "YYYY BC AD b.c.", "FMDDth FMMMTH", "SSSS", "OF", "\\\"YYYY\\\""];
const intervalFormats = ["YYYY MM DD HH24:MI:SS", "HH24:MI:SS.MS.US", "FMHH24 FMMI FMSS", "DDD", "HH HH12", "SSSS", "YY Y CC"];

interface Spec {
  readonly id: string;
  readonly sql: (args: readonly string[]) => string;
  readonly args: fc.Arbitrary<Arg[]>;
  readonly result: number;
}

const infixOps = new Set(["=", "<>", "<", "<=", ">", ">=", "+", "-", "*", "/"]);
const argByType: Readonly<Record<string, fc.Arbitrary<Arg>>> = {
  date: dateArg, time: timeArg, timestamp: timestampArg, timestamptz: timestamptzArg, interval: intervalArg, int4: int4Arg, float8: float8Arg,
};

function argsFor(name: string, types: readonly string[]): fc.Arbitrary<Arg[]> {
  return fc.tuple(
    ...types.map((type, index) => {
      if (type !== "text") return argByType[type] ?? fc.constant<Arg>({ value: null, sql: "NULL" });
      if (name === "to_char") return textArg(types[0] === "interval" ? intervalFormats : charFormats);
      return index === 0 && name !== "timezone" ? textArg(units) : textArg(zoneNames);
    }),
  );
}

/** A spec per catalog signature whose arguments can be generated from types alone. */
function specsFromCatalog(): Spec[] {
  const specs: Spec[] = [];
  const skipped = new Set(["to_timestamp", "to_date", "now", "transaction_timestamp", "statement_timestamp", "clock_timestamp", "current_date", "current_timestamp",
    "localtimestamp", "localtime", "make_date", "make_time", "make_timestamp", "make_timestamptz", "make_interval", "age"]);
  for (const signature of signatures) {
    if (skipped.has(signature.name)) continue;
    const types = signature.id.slice(signature.id.indexOf("(") + 1, -1).split(",").filter((t) => t !== "");
    const sql = infixOps.has(signature.name)
      ? (a: readonly string[]): string => (a.length === 1 ? `(${signature.name} ${a[0]})` : `(${a[0]} ${signature.name} ${a[1]})`)
      : (a: readonly string[]): string => `${signature.name === "extract" ? "pg_catalog.extract" : signature.name}(${a.join(", ")})`;
    specs.push({ id: signature.id, sql, args: argsFor(signature.name, types), result: signature.returnType });
  }
  return specs;
}

/** age() of an infinite timestamp is garbage in PostgreSQL 15 (fixed in 17); ours raises 22008. */
const finiteTimestampArg = timestampArg.filter((a) => a.value !== -(2n ** 63n) && a.value !== 2n ** 63n - 1n);
const finiteTimestamptzArg = timestamptzArg.filter((a) => a.value !== -(2n ** 63n) && a.value !== 2n ** 63n - 1n);
const ageSpecs: readonly Spec[] = [
  { id: "age(timestamp,timestamp)", sql: (a) => `age(${a.join(", ")})`, args: fc.tuple(finiteTimestampArg, finiteTimestampArg), result: TypeOid.interval },
  { id: "age(timestamptz,timestamptz)", sql: (a) => `age(${a.join(", ")})`, args: fc.tuple(finiteTimestamptzArg, finiteTimestamptzArg), result: TypeOid.interval },
];

/** TZ shows tz database abbreviations, which ICU knows for modern dates only (no LMT). */
const modernTimestamptzArg = fc
  .bigInt({ min: -1_577_923_200_000_000n, max: 3_155_760_000_000_000n })
  .map((t): Arg => ({ value: t, sql: `${quote(formatTimestamptz(t, UTC))}::timestamptz` }));
const zoneAbbreviationSpec: Spec = {
  id: "to_char(timestamptz,text)",
  sql: (a) => `to_char(${a.join(", ")})`,
  args: fc.tuple(fc.oneof(modernTimestamptzArg, fc.constantFrom(...transitions).map((t): Arg => ({ value: t, sql: `${quote(formatTimestamptz(t, UTC))}::timestamptz` }))), textArg(["TZ OF tz", "FMOF"])),
  result: TypeOid.text,
};

const castSpecs: readonly Spec[] = (
  [
    ["date", "timestamp"], ["date", "timestamptz"], ["timestamp", "timestamptz"], ["timestamptz", "timestamp"], ["timestamp", "date"], ["timestamptz", "date"],
    ["timestamp", "time"], ["timestamptz", "time"], ["interval", "time"], ["time", "interval"],
  ] as const
).map(([source, target]) => ({
  id: `cast(${source},${target})`,
  sql: (a: readonly string[]): string => `(${a[0]})::${target}`,
  args: fc.tuple(argByType[source] ?? dateArg),
  result: TypeOid[target],
}));

const smallInt = (min: number, max: number): fc.Arbitrary<Arg> => fc.integer({ min, max }).map((n): Arg => ({ value: n, sql: String(n) }));
const plainSecondsArg = fc.integer({ min: 0, max: 610_000 }).map((n) => n / 1e4).map((x): Arg => ({ value: x, sql: `${quote(String(x))}::float8` }));
const secondsArg = fc
  .oneof(fc.double({ min: -1, max: 61, noNaN: true }), fc.constantFrom(0, 59.9999995, 60, 1234567.5))
  .map((x): Arg => ({ value: x, sql: `${quote(Object.is(x, -0) ? "-0" : String(x))}::float8` }));

const constructorSpecs: readonly Spec[] = [
  { id: "make_date(int4,int4,int4)", sql: (a) => `make_date(${a.join(", ")})`, args: fc.tuple(smallInt(-5000, 5000), smallInt(0, 13), smallInt(0, 32)), result: TypeOid.date },
  { id: "make_time(int4,int4,float8)", sql: (a) => `make_time(${a.join(", ")})`, args: fc.tuple(smallInt(-1, 25), smallInt(-1, 60), secondsArg), result: TypeOid.time },
  {
    id: "make_timestamp(int4,int4,int4,int4,int4,float8)",
    sql: (a) => `make_timestamp(${a.join(", ")})`,
    args: fc.tuple(smallInt(-300, 3000), smallInt(1, 12), smallInt(1, 31), smallInt(0, 24), smallInt(0, 59), plainSecondsArg),
    result: TypeOid.timestamp,
  },
  {
    id: "make_timestamptz(int4,int4,int4,int4,int4,float8)",
    sql: (a) => `make_timestamptz(${a.join(", ")})`,
    args: fc.tuple(smallInt(1900, 2100), fc.constantFrom(3, 10, 11).map((n): Arg => ({ value: n, sql: String(n) })), smallInt(1, 31), smallInt(0, 23), smallInt(0, 59), plainSecondsArg),
    result: TypeOid.timestamptz,
  },
  {
    id: "make_timestamptz(int4,int4,int4,int4,int4,float8,text)",
    sql: (a) => `make_timestamptz(${a.join(", ")})`,
    args: fc.tuple(smallInt(1900, 2100), smallInt(1, 12), smallInt(1, 28), smallInt(0, 23), smallInt(0, 59), plainSecondsArg, textArg([...zoneNames, "+05:30", "-8", "1"])),
    result: TypeOid.timestamptz,
  },
  {
    id: "make_interval(int4,int4,int4,int4,int4,int4,float8)",
    sql: (a) => `make_interval(${a.join(", ")})`,
    args: fc.tuple(smallInt(-100, 100), smallInt(-30, 30), smallInt(-10, 10), smallInt(-50, 50), smallInt(-100, 100), smallInt(-100, 100), secondsArg),
    result: TypeOid.interval,
  },
];

function formatOurs(result: SqlValue, oid: number, zone: string): string {
  if (result === null) return "NULL";
  if (typeof result === "boolean") return String(result);
  return formatValue(oid, result, { extraFloatDigits: 1, timeZone: parseTimeZone(zone) });
}

interface Case {
  readonly sql: string;
  readonly ours: (context: EvalContext) => string;
}

function caseOf(spec: Spec, args: readonly Arg[], zone: string): Case {
  const fn = datetimeFunctions[spec.id];
  if (fn === undefined) throw new Error(`no implementation of ${spec.id}`);
  return {
    sql: spec.sql(args.map((a) => a.sql)),
    ours: (context) => {
      try {
        return formatOurs(fn(args.map((a) => a.value), context), spec.result, zone);
      } catch (error) {
        if (!(error instanceof DbError)) throw error;
        return `ERROR ${error.sqlState} ${error.message}`;
      }
    },
  };
}

/** Runs cases in PostgreSQL inside one transaction per batch, whose now() is our start time. */
async function compareInZone(cases: readonly Case[], zone: string, seed: number): Promise<string[]> {
  const lines: string[] = [];
  for (let start = 0; start < cases.length; start += batchSizeMax) {
    const chunk = cases.slice(start, start + batchSizeMax);
    await client.query("BEGIN");
    await client.query(`SET LOCAL TimeZone = ${quote(zone)}`);
    const now = await client.query<{ micros: string }>("SELECT ((extract(epoch FROM now()) - 946684800) * 1000000)::int8::text AS micros");
    const result = await client.query<{ r: string }>("SELECT try_eval(e) AS r FROM unnest($1::text[]) WITH ORDINALITY AS t(e, n) ORDER BY n", [chunk.map((c) => c.sql)]);
    await client.query("COMMIT");
    const context: EvalContext = { extraFloatDigits: 1, timeZone: zone, transactionStartMicros: BigInt(now.rows[0]?.micros ?? "0") };
    chunk.forEach((c, index) => {
      const theirs = result.rows[index]?.r;
      const mine = c.ours(context);
      if (mine !== theirs && lines.length < mismatchesShownMax) lines.push(`TimeZone ${zone}, FC_SEED=${seed}: ${c.sql}\n   pg:   ${theirs}\n   ours: ${mine}`);
    });
  }
  return lines;
}

function buildCases(specs: readonly Spec[], perSpec: number, seed: number, zone: string): Case[] {
  return specs.flatMap((spec, index) => fc.sample(spec.args, { numRuns: perSpec, seed: seed + index }).map((args) => caseOf(spec, args, zone)));
}

describe("date/time functions match PostgreSQL 15", () => {
  for (const zone of zones) {
    it(`operators, functions and casts in TimeZone ${zone}`, async () => {
      const { seed } = propertyParams(1);
      const cases = buildCases([...specsFromCatalog(), ...castSpecs, ...constructorSpecs, ...ageSpecs, zoneAbbreviationSpec], 60, seed, zone);
      expect(await compareInZone(cases, zone, seed)).toEqual([]);
    }, 60_000);
  }

  it("current time functions and age against the transaction start", async () => {
    const { seed } = propertyParams(1);
    for (const zone of zones) {
      const precision = fc.integer({ min: 0, max: 6 }).map((n): Arg => ({ value: n, sql: String(n) }));
      const specs: Spec[] = [
        { id: "now()", sql: () => "now()", args: fc.constant([]), result: TypeOid.timestamptz },
        { id: "current_date()", sql: () => "current_date", args: fc.constant([]), result: TypeOid.date },
        { id: "localtimestamp()", sql: () => "localtimestamp", args: fc.constant([]), result: TypeOid.timestamp },
        { id: "localtime()", sql: () => "localtime", args: fc.constant([]), result: TypeOid.time },
        { id: "current_timestamp(int4)", sql: (a) => `current_timestamp(${a[0]})`, args: fc.tuple(precision), result: TypeOid.timestamptz },
        { id: "localtimestamp(int4)", sql: (a) => `localtimestamp(${a[0]})`, args: fc.tuple(precision), result: TypeOid.timestamp },
        { id: "localtime(int4)", sql: (a) => `localtime(${a[0]})`, args: fc.tuple(precision), result: TypeOid.time },
        { id: "age(timestamp)", sql: (a) => `age(${a[0]})`, args: fc.tuple(finiteTimestampArg), result: TypeOid.interval },
        { id: "age(timestamptz)", sql: (a) => `age(${a[0]})`, args: fc.tuple(finiteTimestamptzArg), result: TypeOid.interval },
      ];
      expect(await compareInZone(buildCases(specs, 20, seed, zone), zone, seed)).toEqual([]);
    }
  }, 60_000);

  it("to_timestamp and to_date read what to_char writes, and reject what PostgreSQL rejects", async () => {
    const { seed } = propertyParams(1);
    const readFormats = ["YYYY-MM-DD HH24:MI:SS", "FMDD Month YYYY", "DD Mon YYYY HH12:MI:SS AM", "YYYYMMDD", "YYYY-MM-DD HH24:MI:SS.US", "YY-MM-DD", "YYYY DDD",
      "HH24:MI:SS.MS", "Day DD Mon YYYY", "YYYY-MM-DD BC"];
    const inputs = fc.tuple(timestampOf.filter((t) => t > -6_311_390_400_000_000n && t < 6_311_390_400_000_000n), fc.constantFrom(...readFormats)).map(([t, format]) => {
      const text = datetimeFunctions["to_char(timestamp,text)"]?.([t, format], { extraFloatDigits: 1, timeZone: "UTC", transactionStartMicros: 0n });
      return [typeof text === "string" ? text : "", format] as const;
    });
    const edges = fc.constantFrom(
      ["2024-02-30", "YYYY-MM-DD"], ["2024-13-01", "YYYY-MM-DD"], ["13:00 PM", "HH12:MI PM"], ["0:30", "HH:MI"], ["2024 Foo 01", "YYYY Mon DD"],
      ["20241", "YYYYMMDD"], ["2024-01-01 junk", "YYYY-MM-DD"], ["  2024   01 01", "YYYY MM DD"], ["2024/01/01", "YYYY-MM-DD"], ["05-2024", "MM-YYYY-DD"],
      ["2024-1-1", "YYYY-MM-DD"], ["x", "YYYY"], ["2024-01-01 10:00 EST", "YYYY-MM-DD HH24:MI TZ"], ["366", "DDD"], ["2024 366", "YYYY DDD"], ["2024-01-01", "YYYY-MM-DD-MM"],
    );
    for (const zone of ["UTC", "America/New_York"]) {
      const pairs = [...fc.sample(inputs, { numRuns: 150, seed }), ...fc.sample(edges, { numRuns: 40, seed })];
      const cases = pairs.flatMap(([input, format]) => {
        const args: Arg[] = [{ value: input, sql: quote(input) }, { value: format, sql: quote(format) }];
        return [
          caseOf({ id: "to_timestamp(text,text)", sql: (a) => `to_timestamp(${a.join(", ")})`, args: fc.constant(args), result: TypeOid.timestamptz }, args, zone),
          caseOf({ id: "to_date(text,text)", sql: (a) => `to_date(${a.join(", ")})`, args: fc.constant(args), result: TypeOid.date }, args, zone),
        ];
      });
      const epochs = fc.sample(float8Arg, { numRuns: 60, seed }).map((x) =>
        caseOf({ id: "to_timestamp(float8)", sql: (a) => `to_timestamp(${a[0]})`, args: fc.constant([x]), result: TypeOid.timestamptz }, [x], zone),
      );
      expect(await compareInZone([...cases, ...epochs], zone, seed)).toEqual([]);
    }
  }, 60_000);
});
