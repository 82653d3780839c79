/**
 * Enum types (`CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')`): user-defined types whose OIDs
 * are allocated with the database's other objects, from 16384 up. A value is an `EnumValue`: its
 * type, label and sort position (pg_enum.enumsortorder). Carrying the position makes comparison,
 * ordering and hashing independent of the catalog — only text input (a label to its value) needs
 * the type's definition, which the catalog's owner supplies through `TextIoSettings.enumType`.
 *
 * Invariants: within one type, positions are distinct and never change once given (ALTER TYPE …
 * ADD VALUE BEFORE takes a position between two others; RENAME VALUE keeps it), so stored
 * positions stay valid, and two values are equal exactly when their positions are.
 */
import { compareOrdered, type Ordering } from "./scalar-common.ts";
import { typeInfo } from "./type-catalog.ts";

/** The first OID of a user-defined object (PostgreSQL's FirstNormalObjectId). */
export const firstUserOid = 16384;

export class EnumValue {
  readonly typeOid: number;
  readonly label: string;
  readonly sortOrder: number;

  constructor(typeOid: number, label: string, sortOrder: number) {
    this.typeOid = typeOid;
    this.label = label;
    this.sortOrder = sortOrder;
  }

  toString(): string {
    return this.label;
  }
}

/** An enum type's definition: its values in sort order. */
export interface EnumType {
  readonly oid: number;
  /** The type's name as `format_type` prints it (qualified when not on the search path). */
  readonly name: string;
  readonly values: readonly EnumValue[];
}

/**
 * Whether `oid` is an enum type's: every user-defined type OIDs reach the executor with is one
 * (tables' row types are not values here), and built-in types are all below 16384.
 */
export function isEnumOid(oid: number): boolean {
  return oid >= firstUserOid && typeInfo(oid) === undefined;
}

export function compareEnum(a: EnumValue, b: EnumValue): Ordering {
  return compareOrdered(a.sortOrder, b.sortOrder);
}

export function isEnumValue(value: unknown): value is EnumValue {
  return value instanceof EnumValue;
}

/**
 * A domain (`CREATE DOMAIN posint AS int CHECK (VALUE > 0)`): values are its base type's, with
 * constraints checked where a value becomes the domain's (a cast, a write to a column of it).
 * `checks` are the CHECK expressions' SQL over `VALUE`, which the planner binds.
 */
export interface DomainType {
  readonly oid: number;
  readonly name: string;
  readonly baseOid: number;
  readonly baseTypmod: number;
  readonly isNotNull: boolean;
  readonly checks: readonly { readonly name: string; readonly sql: string }[];
}

/** A user-defined type a name in SQL can denote. */
export type UserType = EnumType | DomainType;

export function isDomainType(type: UserType): type is DomainType {
  return "baseOid" in type;
}

/** PostgreSQL's limit on a label's length in bytes (NAMEDATALEN - 1). */
export const enumLabelBytesMax = 63;

/**
 * An enum value's stored form, readable without the type's definition: its sort position as a
 * big-endian float8, then its label in UTF-8. Rows and spill files keep values so; the engine
 * rewrites stored rows when a label is renamed.
 */
export function encodeEnumStorage(value: EnumValue): Uint8Array {
  const label = new TextEncoder().encode(value.label);
  const bytes = new Uint8Array(8 + label.length);
  new DataView(bytes.buffer).setFloat64(0, value.sortOrder);
  bytes.set(label, 8);
  return bytes;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** The value `encodeEnumStorage` wrote; undefined when the bytes cannot be one (the caller reports damage). */
export function decodeEnumStorage(typeOid: number, bytes: Uint8Array): EnumValue | undefined {
  if (bytes.length < 8) return undefined;
  const sortOrder = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getFloat64(0);
  if (!Number.isFinite(sortOrder)) return undefined;
  try {
    return new EnumValue(typeOid, strictUtf8.decode(bytes.subarray(8)), sortOrder);
  } catch {
    return undefined;
  }
}
