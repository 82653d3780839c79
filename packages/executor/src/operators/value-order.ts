/**
 * Direct orderings for the types whose btree order is a plain comparison of their runtime
 * values: integers, floats (NaN last, -0 = 0), text and varchar (C collation = code point order),
 * numeric, bool, date, time and the timestamp types, interval (normalized spans: '1 day' =
 * '24 hours'), bpchar (trailing blanks ignored), bytea and uuid (bytes). Each is the very function
 * the type's comparison operators use, so a Sort and a merge join agree with `<` and `=`. Every
 * other type orders through its `<` and `=` implementations. Both agree exactly with
 * PostgreSQL's btree opclass for the type.
 */
import { TypeOid, compareEnum, isEnumOid, compareBpchar, compareBytea, compareFloat, compareIntervals, compareText, compareUuid } from "@omnikv/base";
import { asBigInt, asBool, asBytes, asEnum, asInterval, asNumber, asNumeric, asText, type SqlValue } from "../values.ts";

export type ValueOrder = (a: SqlValue, b: SqlValue) => number;

function compareNumbers(a: SqlValue, b: SqlValue): number {
  const x = asNumber(a);
  const y = asNumber(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function compareBigInts(a: SqlValue, b: SqlValue): number {
  const x = asBigInt(a);
  const y = asBigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

const orders: ReadonlyMap<number, ValueOrder> = new Map<number, ValueOrder>([
  [TypeOid.int2, compareNumbers],
  [TypeOid.int4, compareNumbers],
  [TypeOid.int8, compareBigInts],
  [TypeOid.oid, compareNumbers],
  [TypeOid.date, compareNumbers],
  [TypeOid.timestamp, compareBigInts],
  [TypeOid.timestamptz, compareBigInts],
  [TypeOid.bool, (a, b) => Number(asBool(a)) - Number(asBool(b))],
  [TypeOid.float4, (a, b) => compareFloat(asNumber(a), asNumber(b))],
  [TypeOid.float8, (a, b) => compareFloat(asNumber(a), asNumber(b))],
  [TypeOid.text, (a, b) => compareText(asText(a), asText(b))],
  [TypeOid.varchar, (a, b) => compareText(asText(a), asText(b))],
  [TypeOid.numeric, (a, b) => asNumeric(a).compare(asNumeric(b))],
  [TypeOid.time, compareBigInts],
  [TypeOid.interval, (a, b) => compareIntervals(asInterval(a), asInterval(b))],
  [TypeOid.bpchar, (a, b) => compareBpchar(asText(a), asText(b))],
  [TypeOid.bytea, (a, b) => compareBytea(asBytes(a), asBytes(b))],
  [TypeOid.uuid, (a, b) => compareUuid(asText(a), asText(b))],
]);

/** The direct order of `oid`'s values, when it has one. */
export function directOrder(oid: number): ValueOrder | undefined {
  if (isEnumOid(oid)) return (a, b) => compareEnum(asEnum(a), asEnum(b));
  return orders.get(oid);
}
