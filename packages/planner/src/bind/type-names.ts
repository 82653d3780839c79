/**
 * Type names from the parser to type OIDs and modifiers, with PostgreSQL's typmod encodings (the
 * values clients read from RowDescription): `varchar(n)`/`bpchar(n)` → n + 4, `numeric(p, s)` →
 * ((p << 16) | s) + 4, `timestamp(p)`/`time(p)`/`interval(p)` → p.
 */
import { DbError, FeatureNotSupportedError, SqlState, TypeOid, UndefinedObjectError, InvalidParameterValueError, isDomainType, typeInfo, typeInfoByName, type DomainType, type TextIoSettings } from "@omnikv/base";
import type { Expr, TypeName } from "@omnikv/parser";
import type { SqlType } from "../bound-expr.ts";

/** 42601, as PostgreSQL reports a modifier on a type that takes none. */
class TypeModifierError extends DbError {
  override readonly name: string = "TypeModifierError";
  readonly sqlState = SqlState.SyntaxError;
}

/** Extra names PostgreSQL resolves that the parser leaves as written. */
const aliases: Readonly<Record<string, string>> = {
  serial: "int4",
  bigserial: "int8",
  smallserial: "int2",
  decimal: "numeric",
  character: "bpchar",
};

/**
 * A type name's type: a built-in one (found as `name` or `pg_catalog.name`), else a user-defined
 * type the settings' catalog hook finds, schema-qualified or along the search_path. A domain
 * denotes its base type here (its values are the base type's); `resolveTypeTarget` also returns
 * the domain, whose constraints a cast to it checks.
 */
export function resolveTypeName(type: TypeName, settings?: TextIoSettings): SqlType {
  return resolveTypeTarget(type, settings).type;
}

export function resolveTypeTarget(type: TypeName, settings?: TextIoSettings): { readonly type: SqlType; readonly domain?: DomainType } {
  const last = type.names.at(-1) ?? "";
  const isCatalogName = type.names.length === 1 || (type.names.length === 2 && type.names[0] === "pg_catalog");
  const info = isCatalogName ? typeInfoByName(aliases[last] ?? last) : undefined;
  if (info === undefined || info.category === "P") {
    const userType = type.names.length <= 2 ? settings?.typeByName?.(type.names.length === 2 ? type.names[0] : undefined, last) : undefined;
    if (userType === undefined) throw new UndefinedObjectError(`type "${type.names.join(".")}" does not exist`);
    const kind = isDomainType(userType) ? "domain" : "enum type";
    if (type.arrayBounds.length > 0) throw new FeatureNotSupportedError(`arrays of ${kind} ${userType.name} are not supported`);
    if (type.modifiers.length > 0) throw new TypeModifierError(`type modifier is not allowed for type "${userType.name}"`);
    if (isDomainType(userType)) return { type: { oid: userType.baseOid, typmod: userType.baseTypmod }, domain: userType };
    return { type: { oid: userType.oid, typmod: -1 } };
  }
  const typmod = typmodOf(info.oid, type.modifiers);
  if (type.arrayBounds.length === 0) return { type: { oid: info.oid, typmod } };
  return { type: { oid: arrayOidOf(info.oid), typmod } };
}

/** The array type of an element type (`int4` → `_int4`). */
export function arrayOidOf(elementOid: number): number {
  const element = elementOid === TypeOid.unknown ? TypeOid.text : elementOid;
  const arrayOid = typeInfo(element)?.arrayOid;
  if (arrayOid === undefined) throw new UndefinedObjectError(`could not find array type for data type ${typeInfo(element)?.displayName ?? element}`);
  return arrayOid;
}

function integerModifier(modifier: Expr | undefined): number {
  if (modifier?.kind !== "number" || !modifier.isInteger) {
    throw new InvalidParameterValueError("type modifiers must be simple constants or identifiers");
  }
  return Number(modifier.text);
}

function typmodOf(oid: number, modifiers: readonly Expr[]): number {
  if (modifiers.length === 0) return -1;
  switch (oid) {
    case TypeOid.varchar:
    case TypeOid.bpchar: {
      const length = integerModifier(modifiers[0]);
      if (length < 1) throw new InvalidParameterValueError(`length for type ${oid === TypeOid.varchar ? "varchar" : "char"} must be at least 1`);
      if (length > 10_485_760) throw new InvalidParameterValueError(`length for type ${oid === TypeOid.varchar ? "varchar" : "char"} cannot exceed 10485760`);
      return length + 4;
    }
    case TypeOid.numeric: {
      const precision = integerModifier(modifiers[0]);
      const scale = modifiers.length > 1 ? integerModifier(modifiers[1]) : 0;
      if (precision < 1 || precision > 1000) throw new InvalidParameterValueError(`NUMERIC precision ${precision} must be between 1 and 1000`);
      if (scale < -1000 || scale > 1000) throw new InvalidParameterValueError(`NUMERIC scale ${scale} must be between -1000 and 1000`);
      return ((precision << 16) | (scale & 0xffff)) + 4;
    }
    default:
      return integerModifier(modifiers[0]);
  }
}

/**
 * Messages name types through `formatTypeName`, which knows only the built-in ones and writes a
 * user-defined type as `type <oid>`: this puts the enum type's name in its place.
 */
export function withUserTypeNames(message: string, settings: TextIoSettings): string {
  const { enumType, typeName } = settings;
  if (enumType === undefined && typeName === undefined) return message;
  return message.replace(/\btype (\d{5,10})\b/g, (text, oid: string) => typeName?.(Number(oid)) ?? enumType?.(Number(oid))?.name ?? text);
}
