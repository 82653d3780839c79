/**
 * Hashing by type OID: the hash function of each type's default hash opclass in PostgreSQL 15,
 * bit for bit, for hash joins, hash aggregation and hash partitioning. The functions themselves
 * are in scalar-hash.ts.
 *
 * Invariants: values equal under the type's `=` hash alike (1.0 and 1.00, -0 and 0, 'a' and
 * 'a '::bpchar, '1 day' and '24 hours'). json has no hash opclass in PostgreSQL, so `hasHash`
 * is false for it and its arrays: a planner must not choose hashing for them, as PostgreSQL's
 * does not ("could not identify a hash function").
 */
import { assert } from "../assert.ts";
import { FeatureNotSupportedError } from "../errors.ts";
import type { PgArray } from "./array.ts";
import type { IntervalValue } from "./datetime.ts";
import type { JsonbValue } from "./json.ts";
import { Numeric } from "./numeric.ts";
import { TypeOid } from "./oids.ts";
import {
  hashArray,
  hashBool,
  hashBpchar,
  hashBytes,
  hashFloat8,
  hashInt4,
  hashInt8,
  hashInterval,
  hashJsonb,
  hashNumeric,
  hashText,
  hashUuid,
} from "./scalar-hash.ts";
import type { SqlValue } from "./text-io.ts";
import { typeInfo } from "./type-catalog.ts";
import { isEnumOid, isEnumValue } from "./enum.ts";

type Hasher = (value: SqlValue) => number;

function typed<T>(isType: (value: SqlValue) => value is SqlValue & T, hash: (value: T) => number, what: string): Hasher {
  return (value) => {
    assert(isType(value), `a ${what} value has its runtime representation`);
    return hash(value);
  };
}

const isNumber = (v: SqlValue): v is number => typeof v === "number";
const isBigInt = (v: SqlValue): v is bigint => typeof v === "bigint";
const isString = (v: SqlValue): v is string => typeof v === "string";
const isBoolean = (v: SqlValue): v is boolean => typeof v === "boolean";
const isNumeric = (v: SqlValue): v is Numeric => v instanceof Numeric;
const isBytes = (v: SqlValue): v is Uint8Array => v instanceof Uint8Array;
const isInterval = (v: SqlValue): v is IntervalValue => typeof v === "object" && v !== null && "months" in v && "micros" in v;
const isJsonb = (v: SqlValue): v is JsonbValue => typeof v === "object" && v !== null && !(v instanceof Numeric) && "kind" in v;
const isArray = (v: SqlValue): v is PgArray<SqlValue> => typeof v === "object" && v !== null && "dims" in v && "elements" in v;

const int4Hash = typed(isNumber, hashInt4, "int2/int4/oid/date");
const int8Hash = typed(isBigInt, hashInt8, "int8/time/timestamp");
const textHash = typed(isString, hashText, "text");

const hashers: ReadonlyMap<number, Hasher> = new Map<number, Hasher>([
  [TypeOid.bool, typed(isBoolean, hashBool, "bool")],
  [TypeOid.int2, int4Hash],
  [TypeOid.int4, int4Hash],
  [TypeOid.oid, int4Hash],
  [TypeOid.regtype, int4Hash],
  [TypeOid.regclass, int4Hash],
  [TypeOid.regnamespace, int4Hash],
  [TypeOid.date, int4Hash],
  [TypeOid.int8, int8Hash],
  [TypeOid.time, int8Hash],
  [TypeOid.timestamp, int8Hash],
  [TypeOid.timestamptz, int8Hash],
  [TypeOid.float4, typed(isNumber, hashFloat8, "float4")],
  [TypeOid.float8, typed(isNumber, hashFloat8, "float8")],
  [TypeOid.numeric, typed(isNumeric, hashNumeric, "numeric")],
  [TypeOid.text, textHash],
  [TypeOid.varchar, textHash],
  [TypeOid.name, textHash],
  [TypeOid.bpchar, typed(isString, hashBpchar, "bpchar")],
  [TypeOid.bytea, typed(isBytes, hashBytes, "bytea")],
  [TypeOid.uuid, typed(isString, hashUuid, "uuid")],
  [TypeOid.interval, typed(isInterval, hashInterval, "interval")],
  [TypeOid.jsonb, typed(isJsonb, hashJsonb, "jsonb")],
]);

/** An enum value hashes by its sort position, which identifies it within its type (PostgreSQL hashes the label's OID). */
const enumHash = typed(isEnumValue, (value) => hashFloat8(value.sortOrder), "enum");

function hasherFor(oid: number): Hasher {
  const hasher = hashers.get(oid);
  if (hasher !== undefined) return hasher;
  if (isEnumOid(oid)) return enumHash;
  const info = typeInfo(oid);
  const elementOid = info?.elementOid;
  const element = elementOid === undefined ? undefined : hashers.get(elementOid);
  if (element !== undefined) return typed(isArray, (array) => hashArray(array, element), "array");
  throw new FeatureNotSupportedError(`hashing of type ${info?.displayName ?? String(oid)} is not supported`);
}

/** PostgreSQL's hash of a non-NULL value of type `oid` (its default hash opclass's function), as an int32. */
export function hashValue(oid: number, value: SqlValue): number {
  assert(value !== null, "NULL is not hashed; callers treat it apart");
  return hasherFor(oid)(value);
}

/** Whether this build can hash values of the type. */
export function hasHash(oid: number): boolean {
  const elementOid = typeInfo(oid)?.elementOid;
  return hashers.has(oid) || isEnumOid(oid) || (elementOid !== undefined && hashers.has(elementOid));
}
