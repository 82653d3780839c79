/**
 * Direct orderings for the types whose btree order is a plain comparison of their runtime
 * values: integers, floats (NaN last, -0 = 0), text and varchar (C collation = code point order),
 * numeric, bool, date and the timestamp types. Every other type orders through its `<` and `=`
 * implementations. Both agree exactly with PostgreSQL's btree opclass for the type.
 */
import { TypeOid, compareFloat, compareText } from "@omnikv/base";
import { asBigInt, asBool, asNumber, asNumeric, asText, type SqlValue } from "../values.ts";

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
]);

/** The direct order of `oid`'s values, when it has one. */
export function directOrder(oid: number): ValueOrder | undefined {
  return orders.get(oid);
}
