/**
 * Built-in signatures of the aggregates family (see builtins.ts for the conventions): PostgreSQL
 * 15's `pg_aggregate`/`pg_proc` entries for the types OmniKV-TS implements, so `sum(int4)` is
 * int8, `avg(int4)` numeric, `sum(float4)` float4 and `avg(float4)` float8, exactly as there.
 * Each entry has an implementation under the same id in the executor's functions/aggregates.ts.
 *
 * `isStrict` here means what the aggregation operator must do with a row whose argument is NULL:
 * skip it. PostgreSQL gets that from the transition function's strictness (or from a non-strict
 * transition function that ignores NULLs, like `int4_sum` and `numeric_avg_accum`), so it is true
 * for every aggregate but `array_agg`, `string_agg`, `json_agg` and `jsonb_agg`, which see NULL
 * rows (`string_agg` then skips NULL values itself but still uses a NULL delimiter's row).
 * `count()` is PostgreSQL's `count(*)`: no arguments, every row counts.
 *
 * Deviations from pg_proc, each resolution-neutral for the types this build has: `count("any")`
 * is declared as `count(anyelement)` (both accept any one argument); min/max over arrays, enums,
 * money, inet, tid, pg_lsn, xid8 and timetz are absent because the executor lacks those
 * comparisons or types.
 */
import { TypeOid } from "@omnikv/base";
import type { FunctionSignature } from "./signature.ts";
import { anyNonArrayOid, signature } from "./signature.ts";
import { anyOid, pseudoSignature } from "./builtins-json.ts";

const { bool, int2, int4, int8, float4, float8, numeric, text, bpchar, bytea, oid, json, jsonb } = TypeOid;
const { date, time, timestamp, timestamptz, interval, anyelement, anyarray } = TypeOid;

function aggregate(name: string, args: readonly number[], returns: number, isStrict = true): FunctionSignature {
  return signature({ name, kind: "aggregate", args, returns, isStrict });
}

/** count, sum, avg: pg_aggregate's result types per input type. */
function countSumAvg(): FunctionSignature[] {
  return [
    aggregate("count", [], int8),
    aggregate("count", [anyelement], int8),
    aggregate("sum", [int2], int8),
    aggregate("sum", [int4], int8),
    aggregate("sum", [int8], numeric),
    aggregate("sum", [float4], float4),
    aggregate("sum", [float8], float8),
    aggregate("sum", [numeric], numeric),
    aggregate("sum", [interval], interval),
    aggregate("avg", [int2], numeric),
    aggregate("avg", [int4], numeric),
    aggregate("avg", [int8], numeric),
    aggregate("avg", [float4], float8),
    aggregate("avg", [float8], float8),
    aggregate("avg", [numeric], numeric),
    aggregate("avg", [interval], interval),
  ];
}

/** The types min and max are declared for, each returning its own type. */
export const extremeAggregateTypes: readonly number[] = [
  int2,
  int4,
  int8,
  oid,
  float4,
  float8,
  numeric,
  text,
  bpchar,
  date,
  time,
  timestamp,
  timestamptz,
  interval,
];

/** The statistics aggregates: numeric for integer and numeric input, float8 for float input. */
export const statisticsAggregateNames: readonly string[] = [
  "stddev",
  "stddev_samp",
  "stddev_pop",
  "variance",
  "var_samp",
  "var_pop",
];

function minMaxAndStatistics(): FunctionSignature[] {
  const signatures: FunctionSignature[] = [];
  for (const type of extremeAggregateTypes) {
    signatures.push(aggregate("min", [type], type), aggregate("max", [type], type));
  }
  signatures.push(aggregate("min", [TypeOid.anyenum], TypeOid.anyenum), aggregate("max", [TypeOid.anyenum], TypeOid.anyenum));
  for (const name of statisticsAggregateNames) {
    for (const type of [int2, int4, int8, numeric]) signatures.push(aggregate(name, [type], numeric));
    for (const type of [float4, float8]) signatures.push(aggregate(name, [type], float8));
  }
  return signatures;
}

function booleanAndCollecting(): FunctionSignature[] {
  return [
    aggregate("bool_and", [bool], bool),
    aggregate("bool_or", [bool], bool),
    aggregate("every", [bool], bool),
    aggregate("string_agg", [text, text], text, false),
    aggregate("string_agg", [bytea, bytea], bytea, false),
    aggregate("array_agg", [anyNonArrayOid], anyarray, false),
    aggregate("array_agg", [anyarray], anyarray, false),
    aggregate("json_agg", [anyelement], json, false),
    aggregate("jsonb_agg", [anyelement], jsonb, false),
  ];
}

/**
 * Ordered-set aggregates (`percentile_cont(0.5) WITHIN GROUP (ORDER BY x)`): the direct arguments
 * come first in the signature, then the WITHIN GROUP arguments, as in pg_proc; how many are direct
 * is `orderedSetDirectArgCounts`. Strict in the aggregated argument (PostgreSQL's
 * ordered_set_transition skips NULL values); a NULL direct argument makes the result NULL.
 */
function orderedSet(): FunctionSignature[] {
  const { float8Array } = TypeOid;
  return [
    aggregate("percentile_cont", [float8, float8], float8),
    aggregate("percentile_cont", [float8, interval], interval),
    aggregate("percentile_cont", [float8Array, float8], float8Array),
    aggregate("percentile_cont", [float8Array, interval], TypeOid.intervalArray),
    aggregate("percentile_disc", [float8, anyelement], anyelement),
    aggregate("percentile_disc", [float8Array, anyelement], anyarray),
    aggregate("mode", [anyelement], anyelement),
  ];
}

/** The number of direct arguments of each ordered-set aggregate (the rest come from WITHIN GROUP). */
export const orderedSetDirectArgCounts: ReadonlyMap<string, number> = new Map([
  ["percentile_cont", 1],
  ["percentile_disc", 1],
  ["mode", 0],
]);

/** The hypothetical-set aggregates and their result types (rank(…) WITHIN GROUP (ORDER BY …)). */
export const hypotheticalSetReturnTypes: ReadonlyMap<string, number> = new Map([
  ["rank", int8],
  ["dense_rank", int8],
  ["percent_rank", float8],
  ["cume_dist", float8],
]);

/**
 * Hypothetical-set aggregates: pg_proc's `rank(VARIADIC "any")` and friends, one hypothetical
 * direct argument per WITHIN GROUP key. Not among `aggregatesFunctions`, whose names are always
 * aggregates: these are aggregates only with WITHIN GROUP (window functions with OVER). Not strict:
 * NULL rows take part, ordered as the WITHIN GROUP keys say.
 */
export const hypotheticalSetFunctions: readonly FunctionSignature[] = [...hypotheticalSetReturnTypes].map(([name, returns]) =>
  pseudoSignature({ name, kind: "aggregate", args: [anyOid], returns, isStrict: false, variadicElementType: anyOid }),
);

export const aggregatesFunctions: readonly FunctionSignature[] = [
  ...countSumAvg(),
  ...minMaxAndStatistics(),
  ...booleanAndCollecting(),
  ...orderedSet(),
];
