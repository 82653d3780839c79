/**
 * PostgreSQL's `pg_type` metadata for the types OmniKV-TS implements: name, category and
 * preferred flag (which drive implicit-cast and operator resolution), and the element/array
 * relation. Values are PostgreSQL 15's, so `format_type`, `pg_typeof` and resolution choices
 * match it.
 *
 * Categories (`pg_type.typcategory`): A array, B boolean, D date/time, N numeric, S string,
 * T timespan, U user-defined (uuid, bytea, json), X unknown, P pseudo-type, Z internal ("char"),
 * E enum (user-defined enum types, which the catalog's owner describes, not this table).
 */
import { TypeOid } from "./oids.ts";

export type TypeCategory = "A" | "B" | "D" | "E" | "N" | "S" | "T" | "U" | "X" | "P" | "Z";

export interface TypeInfo {
  readonly oid: number;
  /** The name `pg_typeof` prints (`integer`, `character varying`, …). */
  readonly displayName: string;
  /** The internal name (`int4`, `varchar`, …): what a cast to it spells. */
  readonly name: string;
  readonly category: TypeCategory;
  readonly isPreferred: boolean;
  /** For an array type, its element type. */
  readonly elementOid?: number;
  /** For a base type, its array type. */
  readonly arrayOid?: number;
}

const scalarTypes: readonly (readonly [number, string, string, TypeCategory, boolean, number | undefined])[] = [
  [TypeOid.bool, "bool", "boolean", "B", true, TypeOid.boolArray],
  [TypeOid.bytea, "bytea", "bytea", "U", false, TypeOid.byteaArray],
  [TypeOid.char, "char", '"char"', "Z", false, TypeOid.charArray],
  [TypeOid.name, "name", "name", "S", false, TypeOid.nameArray],
  [TypeOid.int8, "int8", "bigint", "N", false, TypeOid.int8Array],
  [TypeOid.int2, "int2", "smallint", "N", false, TypeOid.int2Array],
  [TypeOid.int4, "int4", "integer", "N", false, TypeOid.int4Array],
  [TypeOid.text, "text", "text", "S", true, TypeOid.textArray],
  [TypeOid.oid, "oid", "oid", "N", true, TypeOid.oidArray],
  [TypeOid.json, "json", "json", "U", false, TypeOid.jsonArray],
  [TypeOid.float4, "float4", "real", "N", false, TypeOid.float4Array],
  [TypeOid.float8, "float8", "double precision", "N", true, TypeOid.float8Array],
  [TypeOid.unknown, "unknown", "unknown", "X", false, undefined],
  [TypeOid.bpchar, "bpchar", "character", "S", false, TypeOid.bpcharArray],
  [TypeOid.varchar, "varchar", "character varying", "S", false, TypeOid.varcharArray],
  [TypeOid.date, "date", "date", "D", false, TypeOid.dateArray],
  [TypeOid.time, "time", "time without time zone", "D", false, TypeOid.timeArray],
  [TypeOid.timestamp, "timestamp", "timestamp without time zone", "D", false, TypeOid.timestampArray],
  [TypeOid.timestamptz, "timestamptz", "timestamp with time zone", "D", true, TypeOid.timestamptzArray],
  [TypeOid.interval, "interval", "interval", "T", true, TypeOid.intervalArray],
  [TypeOid.timetz, "timetz", "time with time zone", "D", false, TypeOid.timetzArray],
  [TypeOid.numeric, "numeric", "numeric", "N", false, TypeOid.numericArray],
  [TypeOid.regclass, "regclass", "regclass", "N", false, TypeOid.regclassArray],
  [TypeOid.regtype, "regtype", "regtype", "N", false, TypeOid.regtypeArray],
  [TypeOid.regnamespace, "regnamespace", "regnamespace", "N", false, TypeOid.regnamespaceArray],
  [TypeOid.uuid, "uuid", "uuid", "U", false, TypeOid.uuidArray],
  [TypeOid.jsonb, "jsonb", "jsonb", "U", false, TypeOid.jsonbArray],
  [TypeOid.void, "void", "void", "P", false, undefined],
  [TypeOid.anyelement, "anyelement", "anyelement", "P", false, undefined],
  [TypeOid.anyarray, "anyarray", "anyarray", "P", false, undefined],
  [TypeOid.any, "any", '"any"', "P", false, undefined],
  [TypeOid.anynonarray, "anynonarray", "anynonarray", "P", false, undefined],
  [TypeOid.anyenum, "anyenum", "anyenum", "P", false, undefined],
  // A composite value of no named type (ROW(…), a whole-row reference): output only.
  [TypeOid.record, "record", "record", "P", false, undefined],
  [TypeOid.anycompatible, "anycompatible", "anycompatible", "P", false, undefined],
  [TypeOid.anycompatiblearray, "anycompatiblearray", "anycompatiblearray", "P", false, undefined],
];

/**
 * The catalogs' vectors: one-dimensional arrays subscripted from 0, written as space-separated
 * elements (`1 2`) instead of an array literal. PostgreSQL files them under category A with an
 * element type, so subscripts, `= ANY`, unnest and the other array functions take them.
 */
const vectorTypes: readonly (readonly [number, string, number])[] = [
  [TypeOid.int2vector, "int2vector", TypeOid.int2],
  [TypeOid.oidvector, "oidvector", TypeOid.oid],
];

function buildCatalog(): ReadonlyMap<number, TypeInfo> {
  const catalog = new Map<number, TypeInfo>();
  for (const [oid, name, elementOid] of vectorTypes) catalog.set(oid, { oid, name, displayName: name, category: "A", isPreferred: false, elementOid });
  for (const [oid, name, displayName, category, isPreferred, arrayOid] of scalarTypes) {
    catalog.set(oid, { oid, name, displayName, category, isPreferred, ...(arrayOid === undefined ? {} : { arrayOid }) });
    if (arrayOid !== undefined) {
      catalog.set(arrayOid, { oid: arrayOid, name: `_${name}`, displayName: `${displayName}[]`, category: "A", isPreferred: false, elementOid: oid });
    }
  }
  return catalog;
}

const catalog = buildCatalog();
const byName = new Map([...catalog.values()].map((info) => [info.name, info]));

/** Metadata of a type OID this build knows, or undefined. */
export function typeInfo(oid: number): TypeInfo | undefined {
  return catalog.get(oid);
}

/** Metadata by internal name (`int4`, `_int4`, `timestamptz`), as the parser canonicalizes names. */
export function typeInfoByName(name: string): TypeInfo | undefined {
  return byName.get(name);
}

/** pg_type.typlen of the fixed-length types; everything else is variable (-1), cstring-like -2. */
const typeLengths: ReadonlyMap<number, number> = new Map([
  [TypeOid.bool, 1], [TypeOid.char, 1], [TypeOid.name, 64], [TypeOid.int8, 8], [TypeOid.int2, 2], [TypeOid.int4, 4], [TypeOid.oid, 4],
  [TypeOid.float4, 4], [TypeOid.float8, 8], [TypeOid.unknown, -2], [TypeOid.date, 4], [TypeOid.time, 8], [TypeOid.timestamp, 8],
  [TypeOid.timestamptz, 8], [TypeOid.interval, 16], [TypeOid.timetz, 12], [TypeOid.regclass, 4], [TypeOid.regtype, 4], [TypeOid.uuid, 16],
  [TypeOid.void, 4], [TypeOid.anyelement, 4], [TypeOid.any, 4], [TypeOid.anynonarray, 4], [TypeOid.anyenum, 4], [TypeOid.anycompatible, 4],
]);

/** pg_type.typlen: the byte length of a fixed-length type, -1 for a variable-length one (RowDescription's typeSize). */
export function typeLength(oid: number): number {
  return typeLengths.get(oid) ?? -1;
}
