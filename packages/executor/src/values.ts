/**
 * Runtime values of SQL expressions, one JavaScript representation per PostgreSQL type:
 *
 *   bool → boolean        int2, int4, oid → number      int8 → bigint
 *   float4, float8 → number (float4 values are always `Math.fround`ed)
 *   numeric → Numeric     text, varchar, bpchar, name, unknown, json → string
 *   bytea → Uint8Array    uuid → string (canonical)    jsonb → JsonbValue
 *   interval → IntervalValue   arrays → PgArray      SQL NULL → null
 *   an enum type → EnumValue (label and sort position)
 *
 * The planner guarantees each call receives values of its signature's argument types, so an
 * implementation narrows with the accessors below, which assert rather than convert: a wrong
 * representation is a bug upstream, never a user error.
 */
import { EnumValue, Numeric, assert, type IntervalValue, type PgArray, type SqlValue } from "@omnikv/base";

export type { SqlValue };

export type SqlArray = PgArray<SqlValue>;

export function asBool(value: SqlValue): boolean {
  assert(typeof value === "boolean", "a bool argument is a boolean");
  return value;
}

export function asNumber(value: SqlValue): number {
  assert(typeof value === "number", "an int2/int4/float argument is a number");
  return value;
}

export function asBigInt(value: SqlValue): bigint {
  assert(typeof value === "bigint", "an int8 argument is a bigint");
  return value;
}

export function asText(value: SqlValue): string {
  assert(typeof value === "string", "a text argument is a string");
  return value;
}

export function asEnum(value: SqlValue): EnumValue {
  assert(value instanceof EnumValue, "an enum argument is an EnumValue");
  return value;
}

export function asNumeric(value: SqlValue): Numeric {
  assert(value instanceof Numeric, "a numeric argument is a Numeric");
  return value;
}

export function asBytes(value: SqlValue): Uint8Array {
  assert(value instanceof Uint8Array, "a bytea argument is a Uint8Array");
  return value;
}

export function asInterval(value: SqlValue): IntervalValue {
  assert(typeof value === "object" && value !== null && "months" in value && "days" in value && "micros" in value, "an interval argument is an IntervalValue");
  return value;
}
