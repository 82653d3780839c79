/**
 * RANGE frame offsets: PostgreSQL's in_range support functions, `inRange(value, base, offset,
 * isSubtract, isLess)` = `value <= base ∓ offset` (isLess) or `value >= base ∓ offset`. The window
 * operator calls them only with non-null `value` and `base` (NULLs form their own peer group).
 *
 * - Integers and time of day are computed in bigint, so `base ± offset` never overflows (in_range's
 *   own overflow handling gives the same answers); time ignores the interval's months and days.
 * - Floats and numeric follow in_range_float8_float8 / in_range_numeric_numeric: NaN sorts after
 *   every other value, and an infinite offset from an infinite base of the opposite direction
 *   (whose sum would be NaN) holds for every value.
 * - Dates, timestamps and intervals go through the type's own `+`/`-` and comparison operators,
 *   which the planner resolved (month arithmetic, session time zone, infinities).
 *
 * A negative (or NaN) offset is 22013, as in PostgreSQL, raised when a comparison needs it.
 */
import { Numeric, assert, assertNever, type IntervalValue } from "@omnikv/base";
import type { RangeOffsetArithmetic } from "@omnikv/planner";
import type { EvalContext } from "../functions/function-types.ts";
import type { FunctionRegistry } from "../functions/registry.ts";
import { asInterval, type SqlValue } from "../values.ts";
import { InvalidPrecedingOrFollowingSizeError } from "./errors.ts";

export interface InRangeQuestion {
  readonly value: SqlValue;
  readonly base: SqlValue;
  readonly offset: SqlValue;
  readonly isSubtract: boolean;
  readonly isLess: boolean;
}

export type InRange = (question: InRangeQuestion, context: EvalContext) => boolean;

const microsPerDay = 86_400_000_000n;

function invalidSize(): InvalidPrecedingOrFollowingSizeError {
  return new InvalidPrecedingOrFollowingSizeError("invalid preceding or following size in window function");
}

function toBigInt(value: SqlValue): bigint {
  if (typeof value === "bigint") return value;
  assert(typeof value === "number" && Number.isInteger(value), "an integer RANGE value is an int2/int4 number or an int8 bigint");
  return BigInt(value);
}

function integerInRange(q: InRangeQuestion): boolean {
  const offset = toBigInt(q.offset);
  if (offset < 0n) throw invalidSize();
  const base = toBigInt(q.base);
  const sum = q.isSubtract ? base - offset : base + offset;
  const value = toBigInt(q.value);
  return q.isLess ? value <= sum : value >= sum;
}

function floatInRange(q: InRangeQuestion): boolean {
  const { value, base, offset } = q;
  assert(typeof value === "number" && typeof base === "number" && typeof offset === "number", "float RANGE values are numbers");
  if (Number.isNaN(offset) || offset < 0) throw invalidSize();
  if (Number.isNaN(value)) return Number.isNaN(base) ? true : !q.isLess;
  if (Number.isNaN(base)) return q.isLess;
  // base ∓ offset would be NaN: PostgreSQL takes every value to be inside such a frame.
  if (offset === Infinity && (q.isSubtract ? base === Infinity : base === -Infinity)) return true;
  const sum = q.isSubtract ? base - offset : base + offset;
  return q.isLess ? value <= sum : value >= sum;
}

const numericZero = Numeric.fromInt(0);

function numericInRange(q: InRangeQuestion): boolean {
  const { value, base, offset } = q;
  assert(value instanceof Numeric && base instanceof Numeric && offset instanceof Numeric, "numeric RANGE values are Numerics");
  if (offset.isNaN || offset.compare(numericZero) < 0) throw invalidSize();
  if (value.isNaN) return base.isNaN ? true : !q.isLess;
  if (base.isNaN) return q.isLess;
  const sum = q.isSubtract ? base.sub(offset) : base.add(offset);
  // +Inf − +Inf or −Inf + +Inf: every value is inside, as for floats.
  if (sum.isNaN) return true;
  const order = value.compare(sum);
  return q.isLess ? order <= 0 : order >= 0;
}

function timeInRange(q: InRangeQuestion): boolean {
  const offset = asInterval(q.offset).micros;
  // time ± interval disregards months and days, so the sign test does too (in_range_time_interval).
  if (offset < 0n) throw invalidSize();
  const base = toBigInt(q.base);
  const sum = q.isSubtract ? base - offset : base + offset;
  const value = toBigInt(q.value);
  return q.isLess ? value <= sum : value >= sum;
}

/** An interval's sign as interval_cmp_value sees it (a month is 30 days). */
function isNegativeInterval(span: IntervalValue): boolean {
  return BigInt(span.months) * 30n * microsPerDay + BigInt(span.days) * microsPerDay + span.micros < 0n;
}

function operatorsInRange(arithmetic: Extract<RangeOffsetArithmetic, { kind: "operators" }>, columnType: number, offsetType: number, registry: FunctionRegistry): InRange {
  const add = registry.lookup(arithmetic.addSignatureId, [columnType, offsetType]);
  const subtract = registry.lookup(arithmetic.subtractSignatureId, [columnType, offsetType]);
  const lessEqual = registry.lookup(arithmetic.lessEqualSignatureId, [columnType, arithmetic.sumType]);
  const greaterEqual = registry.lookup(arithmetic.greaterEqualSignatureId, [columnType, arithmetic.sumType]);
  return (q, context) => {
    if (isNegativeInterval(asInterval(q.offset))) throw invalidSize();
    const sum = (q.isSubtract ? subtract : add)([q.base, q.offset], context);
    assert(sum !== null, "value ± offset of non-null values is not null");
    return (q.isLess ? lessEqual : greaterEqual)([q.value, sum], context) === true;
  };
}

export function compileInRange(arithmetic: RangeOffsetArithmetic, columnType: number, offsetType: number, registry: FunctionRegistry): InRange {
  switch (arithmetic.kind) {
    case "integer":
      return integerInRange;
    case "float":
      return floatInRange;
    case "numeric":
      return numericInRange;
    case "time":
      return timeInRange;
    case "operators":
      return operatorsInRange(arithmetic, columnType, offsetType, registry);
    default:
      return assertNever(arithmetic);
  }
}
