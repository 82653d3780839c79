/**
 * The functions the differential tests cannot compare with PostgreSQL because their values
 * depend on the moment or on chance: `now()` and its SQL-standard spellings are the transaction's
 * start, `clock_timestamp()` is the wall clock at the call, `random()` is uniform in [0, 1).
 */
import { describe, expect, it } from "vitest";
import { builtinRegistry, evaluateExpression, type EvalContext } from "@omnikv/executor";

/** Microseconds between 1970-01-01 and 2000-01-01, PostgreSQL's epoch. */
const postgresEpochMicros = 946_684_800_000_000n;
const context: EvalContext = { extraFloatDigits: 1, timeZone: "UTC", transactionStartMicros: 1_500_000n };

function evaluate(expr: string): { text: string | null; typeName: string } {
  const { text, typeName } = evaluateExpression(`SELECT ${expr}`, builtinRegistry, context);
  return { text, typeName };
}

describe("time and chance", () => {
  it("now(), current_timestamp and transaction_timestamp() are the transaction's start", () => {
    for (const expr of ["now()", "current_timestamp", "transaction_timestamp()", "localtimestamp", "current_date"]) {
      expect(evaluate(expr).text, expr).toMatch(/^2000-01-01( 00:00:01\.5(\+00)?)?$/);
    }
    expect(evaluate("now()")).toEqual({ text: "2000-01-01 00:00:01.5+00", typeName: "timestamp with time zone" });
    expect(evaluate("current_timestamp(0)").text).toBe("2000-01-01 00:00:02+00");
    expect(evaluate("now() = current_timestamp").text).toBe("t");
  });

  it("clock_timestamp() is the wall clock at the call", () => {
    const before = BigInt(Date.now()) * 1000n - postgresEpochMicros;
    const { value } = evaluateExpression("SELECT clock_timestamp()", builtinRegistry, context);
    const after = BigInt(Date.now()) * 1000n - postgresEpochMicros;
    expect(typeof value).toBe("bigint");
    if (typeof value !== "bigint") return;
    expect(value >= before - 1000n && value <= after + 1000n).toBe(true);
    expect(evaluate("clock_timestamp() > now()").text).toBe("t");
  });

  it("random() is uniform in [0, 1) and differs between calls", () => {
    const values = Array.from({ length: 2000 }, () => evaluateExpression("SELECT random()", builtinRegistry, context).value);
    const numbers = values.filter((value): value is number => typeof value === "number");
    expect(numbers.length).toBe(values.length);
    expect(numbers.every((n) => n >= 0 && n < 1)).toBe(true);
    expect(new Set(numbers).size).toBeGreaterThan(1990);
    const mean = numbers.reduce((sum, n) => sum + n, 0) / numbers.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.05);
    expect(evaluate("pg_typeof(random())").text).toBe("double precision");
  });
});
