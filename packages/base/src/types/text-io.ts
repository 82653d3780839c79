/**
 * Text input and output by type OID: PostgreSQL's `typinput`/`typoutput`, for every type this
 * build implements. The planner uses `parseValue` to turn an untyped literal into a constant of
 * the type it resolves to, the executor uses both for I/O casts, and pgwire uses `formatValue`
 * for text-format results.
 *
 * Runtime representations (`SqlValue`): bool → boolean; int2, int4, oid, float4, float8, date →
 * number; int8, time, timestamp, timestamptz → bigint; numeric → `Numeric`; text, varchar,
 * bpchar, name, unknown, json, uuid → string; bytea → Uint8Array; jsonb → `JsonbValue`; interval
 * → `IntervalValue`; arrays → `PgArray<SqlValue>`; NULL → null.
 */
import { assert } from "../assert.ts";
import { FeatureNotSupportedError, InvalidParameterValueError, InvalidTextRepresentationError } from "../errors.ts";
import { formatArray, parseArray, type PgArray } from "./array.ts";
import {
  formatDate,
  formatInterval,
  formatTime,
  formatTimestamp,
  formatTimestamptz,
  parseDate,
  parseInterval,
  parseTime,
  parseTimestamp,
  parseTimestamptz,
  type IntervalValue,
  type TimeZone,
} from "./datetime.ts";
import { formatJsonb, parseJson, parseJsonb, type JsonbValue } from "./json.ts";
import { Numeric } from "./numeric.ts";
import { TypeOid } from "./oids.ts";
import {
  formatBool,
  formatBytea,
  formatFloat4,
  formatFloat8,
  formatInt,
  formatInt8,
  formatOid,
  formatUuid,
  parseBool,
  parseBytea,
  parseFloat4,
  parseFloat8,
  parseInt2,
  parseInt4,
  parseInt8,
  parseOid,
  parseUuid,
} from "./scalar.ts";
import { typeInfo, typeInfoByName } from "./type-catalog.ts";
import { RecordValue, formatRecord } from "./record.ts";
import { isEnumOid, isEnumValue, type EnumType, type EnumValue, type UserType } from "./enum.ts";
import { UndefinedObjectError } from "../errors.ts";

export type SqlValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Numeric
  | Uint8Array
  | JsonbValue
  | IntervalValue
  | EnumValue
  | RecordValue
  | PgArray<SqlValue>;

/** The session settings text I/O depends on. */
export interface TextIoSettings {
  readonly extraFloatDigits: number;
  readonly timeZone: TimeZone;
  /**
   * `regclass` output: a relation's name as the catalog's owner prints it (qualified when it is
   * not visible on the search_path). Without it, or for an unknown OID, the OID's digits.
   */
  readonly relationName?: (oid: number) => string | undefined;
  /** An enum type's definition by OID: text input of enum types needs it (see enum.ts). */
  readonly enumType?: (oid: number) => EnumType | undefined;
  /** A user-defined type by name (`schema` undefined: along the search_path), for type names in SQL. */
  readonly typeByName?: (schema: string | undefined, name: string) => UserType | undefined;
  /** Any user-defined type's name by OID (an enum's or a domain's), as format_type prints it. */
  readonly typeName?: (oid: number) => string | undefined;
}

interface TextCodec {
  readonly parse: (text: string, settings: TextIoSettings) => SqlValue;
  readonly format: (value: SqlValue, settings: TextIoSettings) => string;
}

/** Narrows a value to the representation its type guarantees; a mismatch is a bug upstream. */
function expect<T>(value: SqlValue, isType: (v: SqlValue) => v is SqlValue & T, what: string): T {
  assert(isType(value), `a ${what} value has its runtime representation`);
  return value;
}

const isNumber = (v: SqlValue): v is number => typeof v === "number";
const isBigInt = (v: SqlValue): v is bigint => typeof v === "bigint";
const isString = (v: SqlValue): v is string => typeof v === "string";
const isBoolean = (v: SqlValue): v is boolean => typeof v === "boolean";
const isNumeric = (v: SqlValue): v is Numeric => v instanceof Numeric;
const isBytes = (v: SqlValue): v is Uint8Array => v instanceof Uint8Array;
const isInterval = (v: SqlValue): v is IntervalValue =>
  typeof v === "object" && v !== null && "months" in v && "days" in v && "micros" in v;
const isJsonb = (v: SqlValue): v is JsonbValue =>
  typeof v === "object" && v !== null && "kind" in v && typeof v.kind === "string";

/**
 * `regtype`: a type OID shown as its name (`integer`, `character varying[]`), read from an
 * internal or SQL name or a number. Only the types of this build resolve; others are 42704.
 */
function parseRegtype(text: string, settings: TextIoSettings): number {
  const trimmed = text.trim();
  if (/^[0-9]+$/.test(trimmed)) return Number(trimmed);
  const isArray = trimmed.endsWith("[]");
  const base = (isArray ? trimmed.slice(0, -2) : trimmed).trim().toLowerCase();
  const info = typeInfoByName(base) ?? displayNames.get(base);
  const dot = base.indexOf(".");
  const userType = info !== undefined || isArray ? undefined : settings.typeByName?.(dot < 0 ? undefined : base.slice(0, dot), dot < 0 ? base : base.slice(dot + 1));
  const oid = userType?.oid ?? (isArray ? info?.arrayOid : info?.oid);
  if (oid === undefined) throw new UndefinedObjectError(`type "${trimmed}" does not exist`);
  return oid;
}

const displayNames = new Map<string, NonNullable<ReturnType<typeof typeInfo>>>();

function formatRegtype(oid: number, settings: TextIoSettings): string {
  return typeInfo(oid)?.displayName ?? settings.typeName?.(oid) ?? settings.enumType?.(oid)?.name ?? String(oid);
}

/**
 * `regclass` and `regnamespace` read from digits only here: a name needs the catalog, so the
 * planner resolves a quoted name through the session instead (42P01 when there is none).
 */
function parseRegOid(what: string): (text: string) => number {
  return (text) => {
    const trimmed = text.trim();
    if (/^[0-9]+$/.test(trimmed)) return parseOid(trimmed);
    throw new UndefinedObjectError(`${what} "${trimmed}" needs the catalog to be resolved`);
  };
}

const identityText: TextCodec = { parse: (text) => text, format: (value) => expect(value, isString, "text") };

const codecs: ReadonlyMap<number, TextCodec> = new Map<number, TextCodec>([
  [TypeOid.bool, { parse: parseBool, format: (v) => formatBool(expect(v, isBoolean, "bool")) }],
  [TypeOid.int2, { parse: parseInt2, format: (v) => formatInt(expect(v, isNumber, "int2")) }],
  [TypeOid.int4, { parse: parseInt4, format: (v) => formatInt(expect(v, isNumber, "int4")) }],
  [TypeOid.int8, { parse: parseInt8, format: (v) => formatInt8(expect(v, isBigInt, "int8")) }],
  [TypeOid.oid, { parse: parseOid, format: (v) => formatOid(expect(v, isNumber, "oid")) }],
  [TypeOid.regtype, { parse: parseRegtype, format: (v, s) => formatRegtype(expect(v, isNumber, "regtype"), s) }],
  [
    TypeOid.regclass,
    {
      parse: parseRegOid("relation"),
      format: (v, s) => {
        const oid = expect(v, isNumber, "regclass");
        return s.relationName?.(oid) ?? formatOid(oid);
      },
    },
  ],
  [TypeOid.regnamespace, { parse: parseRegOid("schema"), format: (v) => formatOid(expect(v, isNumber, "regnamespace")) }],
  [TypeOid.float4, { parse: parseFloat4, format: (v, s) => formatFloat4(expect(v, isNumber, "float4"), s.extraFloatDigits) }],
  [TypeOid.float8, { parse: parseFloat8, format: (v, s) => formatFloat8(expect(v, isNumber, "float8"), s.extraFloatDigits) }],
  [TypeOid.numeric, { parse: (text) => Numeric.parse(text), format: (v) => expect(v, isNumeric, "numeric").toString() }],
  [TypeOid.text, identityText],
  [TypeOid.varchar, identityText],
  [TypeOid.bpchar, identityText],
  [TypeOid.name, identityText],
  [TypeOid.unknown, identityText],
  [TypeOid.bytea, { parse: parseBytea, format: (v) => formatBytea(expect(v, isBytes, "bytea")) }],
  [TypeOid.uuid, { parse: parseUuid, format: (v) => formatUuid(expect(v, isString, "uuid")) }],
  [TypeOid.json, { parse: parseJson, format: (v) => expect(v, isString, "json") }],
  [TypeOid.jsonb, { parse: parseJsonb, format: (v) => formatJsonb(expect(v, isJsonb, "jsonb")) }],
  [TypeOid.date, { parse: (t) => parseDate(t), format: (v) => formatDate(expect(v, isNumber, "date")) }],
  [TypeOid.time, { parse: (t) => parseTime(t), format: (v) => formatTime(expect(v, isBigInt, "time")) }],
  [TypeOid.timestamp, { parse: (t) => parseTimestamp(t), format: (v) => formatTimestamp(expect(v, isBigInt, "timestamp")) }],
  [
    TypeOid.timestamptz,
    {
      parse: (t, s) => parseTimestamptz(t, s.timeZone),
      format: (v, s) => formatTimestamptz(expect(v, isBigInt, "timestamptz"), s.timeZone),
    },
  ],
  [TypeOid.interval, { parse: parseInterval, format: (v) => formatInterval(expect(v, isInterval, "interval")) }],
  // void (what pg_sleep returns): its output is the empty string, and any input reads as it.
  [TypeOid.void, { parse: () => "", format: () => "" }],
]);

for (const oid of Object.values(TypeOid)) {
  const info = typeInfo(oid);
  if (info !== undefined && info.category !== "A") displayNames.set(info.displayName, info);
}

function codecFor(oid: number): TextCodec {
  const codec = codecs.get(oid);
  if (codec !== undefined) return codec;
  if (isEnumOid(oid)) return enumCodec(oid);
  if (oid === TypeOid.record) return recordCodec;
  if (oid === TypeOid.int2vector || oid === TypeOid.oidvector) return vectorCodec(oid === TypeOid.int2vector ? TypeOid.int2 : TypeOid.oid);
  const info = typeInfo(oid);
  const elementOid = info?.elementOid;
  if (elementOid !== undefined && codecs.has(elementOid)) return arrayCodec(elementOid);
  throw new FeatureNotSupportedError(`text input and output of type ${info?.displayName ?? String(oid)} are not supported`);
}

function isArrayValue(value: SqlValue): value is PgArray<SqlValue> {
  return typeof value === "object" && value !== null && "dims" in value && "elements" in value;
}

function arrayCodec(elementOid: number): TextCodec {
  const element = codecFor(elementOid);
  return {
    parse: (text, settings) => parseArray(text, { parse: (t) => element.parse(t, settings), format: (v) => element.format(v, settings) }),
    format: (value, settings) =>
      formatArray(expect(value, isArrayValue, "array"), { parse: (t) => element.parse(t, settings), format: (v) => element.format(v, settings) }),
  };
}

/** record: output by the fields' own types; input of anonymous records is PostgreSQL's 0A000 too. */
const recordCodec: TextCodec = {
  parse: () => {
    throw new FeatureNotSupportedError("input of anonymous composite types is not implemented");
  },
  format: (value, settings) => formatRecord(expect(value, isRecordValue, "record"), (oid, field) => formatValue(oid, field, settings)),
};

const isRecordValue = (v: SqlValue): v is RecordValue => v instanceof RecordValue;

/** An enum type: its label is its text; input finds the label in the type's definition (case-sensitive). */
function enumCodec(oid: number): TextCodec {
  return {
    parse: (text, settings) => {
      const type = settings.enumType?.(oid);
      if (type === undefined) throw new UndefinedObjectError(`type with OID ${oid} does not exist`);
      const value = type.values.find((v) => v.label === text);
      if (value === undefined) throw new InvalidTextRepresentationError(`invalid input value for enum ${type.name}: "${text}"`);
      return value;
    },
    format: (value) => expect(value, isEnumValue, "enum").label,
  };
}

/** PostgreSQL's limit on an int2vector's or oidvector's elements (FUNC_MAX_ARGS). */
const vectorElementsMax = 100;

/**
 * int2vector / oidvector: elements separated by spaces, subscripted from 0 (`1 2` is
 * `[0:1]={1,2}`); an empty string is the empty vector. Elements parse as the element type does
 * (22P02 / 22003 with its messages); NULL elements do not exist.
 */
function vectorCodec(elementOid: number): TextCodec {
  const element = codecFor(elementOid);
  const typeName = elementOid === TypeOid.int2 ? "int2vector" : "oidvector";
  return {
    parse: (text, settings) => {
      const items = text.split(/[ \t\n\r\f\v]+/).filter((item) => item !== "");
      if (items.length > vectorElementsMax) throw new InvalidParameterValueError(`${typeName} has too many elements`);
      const elements = items.map((item) => element.parse(item, settings));
      return elements.length === 0 ? { dims: [], lowerBounds: [], elements: [] } : { dims: [elements.length], lowerBounds: [0], elements };
    },
    format: (value, settings) => {
      const vector = expect(value, isArrayValue, typeName);
      return vector.elements.map((item) => (item === null ? "" : element.format(item, settings))).join(" ");
    },
  };
}

/** A value of type `oid` from its text form (the type's input function); errors are PostgreSQL's. */
export function parseValue(oid: number, text: string, settings: TextIoSettings): SqlValue {
  return codecFor(oid).parse(text, settings);
}

/** The text form of a non-NULL value of type `oid` (the type's output function). */
export function formatValue(oid: number, value: SqlValue, settings: TextIoSettings): string {
  assert(value !== null, "NULL has no text form; callers send it as NULL");
  return codecFor(oid).format(value, settings);
}

/** Whether this build has text I/O for the type. */
export function hasTextIo(oid: number): boolean {
  if (codecs.has(oid) || isEnumOid(oid) || oid === TypeOid.record) return true;
  const elementOid = typeInfo(oid)?.elementOid;
  return elementOid !== undefined && codecs.has(elementOid);
}
