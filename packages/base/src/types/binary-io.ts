/**
 * Binary send and receive by type OID: PostgreSQL's `typsend`/`typreceive` for every type this
 * build implements, the binary counterpart of text-io.ts. pgwire uses them for binary-format
 * parameters (Bind) and results; the per-type codecs live beside each type.
 *
 * Invariants: `recvValue(oid, sendValue(oid, v))` equals `v` for every value of the type; an
 * array's elements use their element type's codec and the array header carries the element OID.
 */
import { assert } from "../assert.ts";
import { FeatureNotSupportedError } from "../errors.ts";
import { recvArray, sendArray, type PgArray } from "./array.ts";
import {
  decodeDateBinary,
  decodeIntervalBinary,
  decodeTimeBinary,
  decodeTimestampBinary,
  encodeDateBinary,
  encodeIntervalBinary,
  encodeTimeBinary,
  encodeTimestampBinary,
  type IntervalValue,
} from "./datetime.ts";
import { recvJson, recvJsonb, sendJson, sendJsonb, type JsonbValue } from "./json.ts";
import { Numeric } from "./numeric.ts";
import { TypeOid } from "./oids.ts";
import {
  recvBool,
  recvBytea,
  recvFloat4,
  recvFloat8,
  recvInt2,
  recvInt4,
  recvInt8,
  recvOid,
  recvText,
  recvUuid,
  sendBool,
  sendBytea,
  sendFloat4,
  sendFloat8,
  sendInt2,
  sendInt4,
  sendInt8,
  sendOid,
  sendText,
  sendUuid,
} from "./scalar.ts";
import type { SqlValue } from "./text-io.ts";
import { typeInfo } from "./type-catalog.ts";
import { EnumValue } from "./enum.ts";
import { RecordValue, sendRecord } from "./record.ts";

interface BinaryCodec {
  readonly send: (value: SqlValue) => Uint8Array;
  readonly recv: (bytes: Uint8Array) => SqlValue;
}

function asNumber(value: SqlValue): number {
  assert(typeof value === "number", "the value of a number-represented type is a number");
  return value;
}

function asBigInt(value: SqlValue): bigint {
  assert(typeof value === "bigint", "the value of an int8 or date/time type is a bigint");
  return value;
}

function asString(value: SqlValue): string {
  assert(typeof value === "string", "the value of a string-represented type is a string");
  return value;
}

function asBoolean(value: SqlValue): boolean {
  assert(typeof value === "boolean", "a bool value is a boolean");
  return value;
}

function asNumeric(value: SqlValue): Numeric {
  assert(value instanceof Numeric, "a numeric value is a Numeric");
  return value;
}

function asBytes(value: SqlValue): Uint8Array {
  assert(value instanceof Uint8Array, "a bytea value is a Uint8Array");
  return value;
}

function asInterval(value: SqlValue): IntervalValue {
  assert(typeof value === "object" && value !== null && "months" in value && "micros" in value, "an interval value is an IntervalValue");
  return value;
}

function asJsonb(value: SqlValue): JsonbValue {
  assert(typeof value === "object" && value !== null && !(value instanceof Numeric) && "kind" in value, "a jsonb value is a JsonbValue");
  return value;
}

function asArray(value: SqlValue): PgArray<SqlValue> {
  assert(typeof value === "object" && value !== null && "dims" in value && "elements" in value, "an array value is a PgArray");
  return value;
}

const textCodec: BinaryCodec = { send: (v) => sendText(asString(v)), recv: recvText };
const oidCodec: BinaryCodec = { send: (v) => sendOid(asNumber(v)), recv: recvOid };

const codecs: ReadonlyMap<number, BinaryCodec> = new Map<number, BinaryCodec>([
  [TypeOid.bool, { send: (v) => sendBool(asBoolean(v)), recv: recvBool }],
  [TypeOid.int2, { send: (v) => sendInt2(asNumber(v)), recv: recvInt2 }],
  [TypeOid.int4, { send: (v) => sendInt4(asNumber(v)), recv: recvInt4 }],
  [TypeOid.int8, { send: (v) => sendInt8(asBigInt(v)), recv: recvInt8 }],
  [TypeOid.oid, oidCodec],
  [TypeOid.regtype, oidCodec],
  [TypeOid.regclass, oidCodec],
  [TypeOid.regnamespace, oidCodec],
  [TypeOid.float4, { send: (v) => sendFloat4(asNumber(v)), recv: recvFloat4 }],
  [TypeOid.float8, { send: (v) => sendFloat8(asNumber(v)), recv: recvFloat8 }],
  [TypeOid.numeric, { send: (v) => asNumeric(v).toBinary(), recv: (bytes) => Numeric.fromBinary(bytes) }],
  [TypeOid.text, textCodec],
  [TypeOid.varchar, textCodec],
  [TypeOid.bpchar, textCodec],
  [TypeOid.name, textCodec],
  [TypeOid.unknown, textCodec],
  [TypeOid.bytea, { send: (v) => sendBytea(asBytes(v)), recv: recvBytea }],
  [TypeOid.uuid, { send: (v) => sendUuid(asString(v)), recv: recvUuid }],
  [TypeOid.json, { send: (v) => sendJson(asString(v)), recv: recvJson }],
  [TypeOid.jsonb, { send: (v) => sendJsonb(asJsonb(v)), recv: recvJsonb }],
  [TypeOid.date, { send: (v) => encodeDateBinary(asNumber(v)), recv: decodeDateBinary }],
  [TypeOid.time, { send: (v) => encodeTimeBinary(asBigInt(v)), recv: decodeTimeBinary }],
  [TypeOid.timestamp, { send: (v) => encodeTimestampBinary(asBigInt(v)), recv: decodeTimestampBinary }],
  [TypeOid.timestamptz, { send: (v) => encodeTimestampBinary(asBigInt(v)), recv: decodeTimestampBinary }],
  [TypeOid.interval, { send: (v) => encodeIntervalBinary(asInterval(v)), recv: decodeIntervalBinary }],
]);

function codecFor(oid: number): BinaryCodec {
  const codec = codecs.get(oid);
  if (codec !== undefined) return codec;
  const info = typeInfo(oid);
  const elementOid = info?.elementOid;
  if (elementOid !== undefined) {
    const element = codecs.get(elementOid);
    if (element !== undefined) {
      const binary = { elementTypeOid: elementOid, send: element.send, recv: element.recv };
      return { send: (v) => sendArray(asArray(v), binary), recv: (bytes) => recvArray(bytes, binary) };
    }
  }
  throw new FeatureNotSupportedError(`binary input and output of type ${info?.displayName ?? String(oid)} are not supported`);
}

/** The binary form of a non-NULL value of type `oid` (the type's send function). */
export function sendValue(oid: number, value: SqlValue): Uint8Array {
  assert(value !== null, "NULL has no binary form; callers send it as NULL");
  // enum_send: the label's bytes. (Receiving needs the type's definition: see enum.ts.)
  if (value instanceof EnumValue) return new TextEncoder().encode(value.label);
  if (value instanceof RecordValue) return sendRecord(value, sendValue);
  return codecFor(oid).send(value);
}

/** A value of type `oid` from its binary form (the type's receive function); errors are PostgreSQL's. */
export function recvValue(oid: number, bytes: Uint8Array): SqlValue {
  return codecFor(oid).recv(bytes);
}

/** Whether this build has binary I/O for the type. */
export function hasBinaryIo(oid: number): boolean {
  // record has a send form (sendValue writes record_send) but no receive: results of it go as text.
  if (codecs.has(oid)) return true;
  const elementOid = typeInfo(oid)?.elementOid;
  return elementOid !== undefined && codecs.has(elementOid);
}
