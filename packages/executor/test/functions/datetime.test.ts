/**
 * Unit tests of the datetime family: the catalog and the table name the same ids, resolution
 * over the new signatures matches what PostgreSQL 15 answers for the same expressions (checked
 * by hand with psql), and fixed cases of the session-dependent functions.
 */
import { describe, expect, it } from "vitest";
import { TypeOid, formatInterval, formatTimestamp, formatTimestamptz, parseTimeZone, parseTimestamp, parseTimestamptz } from "@omnikv/base";
import { AmbiguousFunctionError, resolveFunction, resolveOperator } from "@omnikv/planner";
import { datetimeFunctions as signatures } from "@omnikv/planner";
import { datetimeFunctions } from "../../src/functions/datetime.ts";
import type { EvalContext, ScalarFunction } from "../../src/functions/function-types.ts";
import type { SqlValue } from "../../src/values.ts";

const { date, time, timestamp, timestamptz, interval, int4, unknown, text } = TypeOid;

function implementation(id: string): ScalarFunction {
  const fn = datetimeFunctions[id];
  if (fn === undefined) throw new Error(`no implementation of ${id}`);
  return fn;
}

function contextIn(timeZone: string, now = "2024-03-10 06:59:59.6+00"): EvalContext {
  return { extraFloatDigits: 1, timeZone, transactionStartMicros: parseTimestamptz(now, parseTimeZone("UTC")) };
}

function call(id: string, args: readonly SqlValue[], context = contextIn("UTC")): SqlValue {
  return implementation(id)(args, context);
}

describe("datetime catalog and implementations", () => {
  it("implements every signature, and every other id is a cast", () => {
    const ids = new Set(signatures.map((s) => s.id));
    expect(signatures.filter((s) => datetimeFunctions[s.id] === undefined).map((s) => s.id)).toEqual([]);
    expect(Object.keys(datetimeFunctions).filter((id) => !ids.has(id) && !id.startsWith("cast("))).toEqual([]);
    expect(ids.size).toBe(signatures.length);
  });

  it("resolves like PostgreSQL 15", () => {
    expect(resolveOperator("-", [date, unknown]).signature.id).toBe("-(date,date)");
    expect(resolveOperator("+", [timestamptz, unknown]).signature.id).toBe("+(timestamptz,interval)");
    expect(resolveOperator("*", [interval, int4]).signature.id).toBe("*(interval,float8)");
    expect(resolveOperator("<", [date, timestamptz]).signature.id).toBe("<(date,timestamptz)");
    expect(() => resolveFunction("date_trunc", [unknown, unknown])).toThrow(AmbiguousFunctionError);
    expect(() => resolveFunction("isfinite", [unknown])).toThrow(AmbiguousFunctionError);
    expect(resolveFunction("to_char", [timestamptz, unknown]).signature.id).toBe("to_char(timestamptz,text)");
    expect(resolveFunction("timezone", [text, timestamp]).returnType).toBe(timestamptz);
    expect(resolveFunction("make_time", [int4, int4, int4]).signature.id).toBe("make_time(int4,int4,float8)");
    expect(resolveOperator("-", [time, time]).returnType).toBe(interval);
  });
});

describe("session-dependent datetime functions", () => {
  it("adds a day on the wall clock across a DST change, 24 hours on the instant", () => {
    const newYork = contextIn("America/New_York");
    const zone = parseTimeZone("America/New_York");
    const start = parseTimestamptz("2024-03-09 12:00", zone);
    const day = call("+(timestamptz,interval)", [start, { months: 0, days: 1, micros: 0n }], newYork);
    const hours = call("+(timestamptz,interval)", [start, { months: 0, days: 0, micros: 86_400_000_000n }], newYork);
    expect(typeof day === "bigint" ? formatTimestamptz(day, zone) : day).toBe("2024-03-10 12:00:00-04");
    expect(typeof hours === "bigint" ? formatTimestamptz(hours, zone) : hours).toBe("2024-03-10 13:00:00-04");
  });

  it("rounds CURRENT_TIMESTAMP(p) and LOCALTIMESTAMP(p) half away from zero", () => {
    const berlin = contextIn("Europe/Berlin");
    const rounded = call("current_timestamp(int4)", [0], berlin);
    expect(typeof rounded === "bigint" ? formatTimestamptz(rounded, parseTimeZone("UTC")) : rounded).toBe("2024-03-10 07:00:00+00");
    const local = call("localtimestamp(int4)", [1], berlin);
    expect(typeof local === "bigint" ? formatTimestamp(local) : local).toBe("2024-03-10 07:59:59.6");
    expect(call("current_date()", [], contextIn("America/New_York", "2024-03-10 03:00+00"))).toBe(8834);
    expect(call("current_date()", [], contextIn("UTC", "2024-03-10 03:00+00"))).toBe(8835);
  });

  it("compares a date with a timestamptz at the session zone's midnight", () => {
    const instant = parseTimestamptz("2024-03-10 03:00+00", parseTimeZone("UTC"));
    const day = 8835; // 2024-03-10
    expect(call("<=(date,timestamptz)", [day, instant], contextIn("UTC"))).toBe(true);
    expect(call("<=(date,timestamptz)", [day, instant], contextIn("America/New_York"))).toBe(false);
  });

  it("reads and writes templates", () => {
    const ts = parseTimestamp("2024-03-05 14:07:09.123456");
    expect(call("to_char(timestamp,text)", [ts, "FMDay, FMDDth Mon YYYY HH12:MI:SS.MS PM"])).toBe("Tuesday, 5th Mar 2024 02:07:09.123 PM");
    expect(call("to_char(interval,text)", [{ months: 14, days: 3, micros: -3_600_000_000n }, "YYYY MM DD HH24"])).toBe("0001 02 03 -01");
    const read = call("to_timestamp(text,text)", ["05 March 2024 2:07 pm", "DD Month YYYY HH:MI am"], contextIn("Europe/Berlin"));
    expect(typeof read === "bigint" ? formatTimestamptz(read, parseTimeZone("UTC")) : read).toBe("2024-03-05 13:07:00+00");
    expect(() => call("to_date(text,text)", ["2023-02-29", "YYYY-MM-DD"])).toThrow('date/time field value out of range: "2023-02-29"');
  });

  it("truncates intervals and rejects units PostgreSQL rejects", () => {
    const span = { months: 27, days: 40, micros: 3_723_000_000n };
    const truncated = call("date_trunc(text,interval)", ["quarter", span]);
    expect(typeof truncated === "object" && truncated !== null && "months" in truncated ? formatInterval(truncated) : truncated).toBe("2 years 3 mons");
    expect(() => call("date_trunc(text,interval)", ["week", span])).toThrow('unit "week" not supported for type interval');
    expect(() => call("date_trunc(text,interval)", ["dow", span])).toThrow('unit "dow" not recognized for type interval');
  });
});
