/**
 * Built-in signatures of the datetime family (see builtins.ts for the conventions): PostgreSQL
 * 15's `pg_operator` and `pg_proc` entries over date, time, timestamp, timestamptz and interval,
 * copied from its catalog (`\do+`, `\df+`). Entries involving timetz and xid are left out because
 * those types are not implemented; everything else is declared exactly, since resolution depends
 * on which candidates exist (`date + '1'` is ambiguous in PostgreSQL between `date + int4`,
 * `date + interval` and `date + time`, and must stay so here).
 *
 * The SQL value functions (`CURRENT_DATE`, `LOCALTIMESTAMP(2)`, …) are catalog functions named
 * `current_date`, `current_timestamp`, `localtimestamp` and `localtime`, which the binder calls;
 * `CURRENT_TIME` would return timetz and is not declared.
 */
import { TypeOid } from "@omnikv/base";
import type { FunctionSignature, Volatility } from "./signature.ts";
import { signature } from "./signature.ts";

const { bool, int4, float8, numeric, text, date, time, timestamp, timestamptz, interval } = TypeOid;

function operator(name: string, args: readonly number[], returns: number, volatility: Volatility = "immutable"): FunctionSignature {
  return signature({ name, kind: "operator", args, returns, volatility });
}

function fn(name: string, args: readonly number[], returns: number, volatility: Volatility = "immutable"): FunctionSignature {
  return signature({ name, args, returns, volatility });
}

const comparisonOps = ["=", "<>", "<", "<=", ">", ">="] as const;

/**
 * Comparisons: each type with itself, and date/timestamp/timestamptz across each other. A
 * comparison involving timestamptz and a zoneless type reads the zoneless side in the session
 * zone, so it is stable rather than immutable.
 */
function comparisonOperators(): FunctionSignature[] {
  const operators: FunctionSignature[] = [];
  const pairs: (readonly [number, number])[] = [date, time, timestamp, timestamptz, interval].map((type) => [type, type] as const);
  pairs.push([date, timestamp], [date, timestamptz], [timestamp, date], [timestamptz, date], [timestamp, timestamptz], [timestamptz, timestamp]);
  for (const [left, right] of pairs) {
    const isZoneDependent = left !== right && (left === timestamptz || right === timestamptz);
    for (const op of comparisonOps) operators.push(operator(op, [left, right], bool, isZoneDependent ? "stable" : "immutable"));
  }
  return operators;
}

function arithmeticOperators(): FunctionSignature[] {
  return [
    operator("+", [date, int4], date),
    operator("+", [int4, date], date),
    operator("-", [date, int4], date),
    operator("-", [date, date], int4),
    operator("+", [date, interval], timestamp),
    operator("+", [interval, date], timestamp),
    operator("-", [date, interval], timestamp),
    operator("+", [date, time], timestamp),
    operator("+", [time, date], timestamp),
    operator("+", [timestamp, interval], timestamp),
    operator("+", [interval, timestamp], timestamp),
    operator("-", [timestamp, interval], timestamp),
    operator("-", [timestamp, timestamp], interval),
    operator("+", [timestamptz, interval], timestamptz, "stable"),
    operator("+", [interval, timestamptz], timestamptz, "stable"),
    operator("-", [timestamptz, interval], timestamptz, "stable"),
    operator("-", [timestamptz, timestamptz], interval),
    operator("+", [time, interval], time),
    operator("+", [interval, time], time),
    operator("-", [time, interval], time),
    operator("-", [time, time], interval),
    operator("+", [interval, interval], interval),
    operator("-", [interval, interval], interval),
    operator("-", [interval], interval),
    operator("*", [interval, float8], interval),
    operator("*", [float8, interval], interval),
    operator("/", [interval, float8], interval),
  ];
}

function currentTimeFunctions(): FunctionSignature[] {
  return [
    fn("now", [], timestamptz, "stable"),
    fn("transaction_timestamp", [], timestamptz, "stable"),
    fn("statement_timestamp", [], timestamptz, "stable"),
    fn("clock_timestamp", [], timestamptz, "volatile"),
    fn("current_date", [], date, "stable"),
    fn("current_timestamp", [], timestamptz, "stable"),
    fn("current_timestamp", [int4], timestamptz, "stable"),
    fn("localtimestamp", [], timestamp, "stable"),
    fn("localtimestamp", [int4], timestamp, "stable"),
    fn("localtime", [], time, "stable"),
    fn("localtime", [int4], time, "stable"),
  ];
}

function fieldFunctions(): FunctionSignature[] {
  return [
    fn("date_trunc", [text, timestamp], timestamp),
    fn("date_trunc", [text, timestamptz], timestamptz, "stable"),
    fn("date_trunc", [text, timestamptz, text], timestamptz, "stable"),
    fn("date_trunc", [text, interval], interval),
    fn("date_part", [text, date], float8),
    fn("date_part", [text, time], float8),
    fn("date_part", [text, timestamp], float8),
    fn("date_part", [text, timestamptz], float8, "stable"),
    fn("date_part", [text, interval], float8),
    fn("extract", [text, date], numeric),
    fn("extract", [text, time], numeric),
    fn("extract", [text, timestamp], numeric),
    fn("extract", [text, timestamptz], numeric, "stable"),
    fn("extract", [text, interval], numeric),
    fn("isfinite", [date], bool),
    fn("isfinite", [timestamp], bool),
    fn("isfinite", [timestamptz], bool),
    fn("isfinite", [interval], bool),
  ];
}

function constructorFunctions(): FunctionSignature[] {
  return [
    fn("age", [timestamp, timestamp], interval),
    fn("age", [timestamptz, timestamptz], interval),
    fn("age", [timestamp], interval, "stable"),
    fn("age", [timestamptz], interval, "stable"),
    fn("make_date", [int4, int4, int4], date),
    fn("make_time", [int4, int4, float8], time),
    fn("make_timestamp", [int4, int4, int4, int4, int4, float8], timestamp),
    fn("make_timestamptz", [int4, int4, int4, int4, int4, float8], timestamptz, "stable"),
    fn("make_timestamptz", [int4, int4, int4, int4, int4, float8, text], timestamptz, "stable"),
    fn("make_interval", [int4, int4, int4, int4, int4, int4, float8], interval),
    fn("justify_days", [interval], interval),
    fn("justify_hours", [interval], interval),
    fn("justify_interval", [interval], interval),
    fn("timezone", [text, timestamp], timestamptz),
    fn("timezone", [text, timestamptz], timestamp),
    fn("timezone", [interval, timestamp], timestamptz),
    fn("timezone", [interval, timestamptz], timestamp),
  ];
}

function formattingFunctions(): FunctionSignature[] {
  return [
    fn("to_char", [timestamp, text], text, "stable"),
    fn("to_char", [timestamptz, text], text, "stable"),
    fn("to_char", [interval, text], text, "stable"),
    fn("to_timestamp", [text, text], timestamptz, "stable"),
    fn("to_timestamp", [float8], timestamptz),
    fn("to_date", [text, text], date, "stable"),
  ];
}

export const datetimeFunctions: readonly FunctionSignature[] = [
  ...comparisonOperators(),
  ...arithmeticOperators(),
  ...currentTimeFunctions(),
  ...fieldFunctions(),
  ...constructorFunctions(),
  ...formattingFunctions(),
];
