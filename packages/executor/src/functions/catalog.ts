/**
 * Implementations of the catalog family's signatures (planner's builtins-catalog.ts), by id:
 * PostgreSQL 15's system catalog information functions and the regclass/regnamespace casts.
 * Those that need the catalog read it through `SessionInfo.catalog`, which the engine provides;
 * without one (stand-alone evaluation) they fail with 0A000, as the session functions do.
 *
 * `format_type` needs no catalog: it prints a type OID and typmod as PostgreSQL does
 * (`character varying(100)`, `numeric(10,2)`, `timestamp(3) with time zone`, `integer[]`).
 */
import { FeatureNotSupportedError, TypeOid, assert, typeInfo, type TextIoSettings } from "@omnikv/base";
import { textIoSettings } from "../expr/compile.ts";
import type { CatalogFunctions, EvalContext, FunctionTable } from "./function-types.ts";
import { asBool, asText, type SqlValue } from "../values.ts";

function catalogOf(context: EvalContext, functionName: string): CatalogFunctions {
  const catalog = context.session?.catalog;
  if (catalog === undefined) throw new FeatureNotSupportedError(`${functionName}() needs a database catalog, and this expression is evaluated without one`);
  return catalog;
}

function asOid(value: SqlValue | undefined): number {
  assert(typeof value === "number", "an oid argument is a number");
  return value;
}

/** has_*_privilege: `object` is a name (text) or an oid; the role defaults to current_user. */
function privilegeOf(context: EvalContext, objectClass: "table" | "sequence" | "schema" | "database", role: SqlValue | undefined, object: SqlValue | undefined, privilege: SqlValue | undefined): boolean {
  const target = typeof object === "number" ? object : asText(object ?? null);
  return catalogOf(context, `has_${objectClass}_privilege`).hasPrivilege(objectClass, role === undefined ? undefined : asText(role), target, asText(privilege ?? null));
}

/** The typmod's text after the type name, as PostgreSQL's typmodout functions print it. */
function typmodText(oid: number, typmod: number): string {
  if (typmod < 0) return "";
  switch (oid) {
    case TypeOid.varchar:
    case TypeOid.bpchar:
      return `(${typmod - 4})`;
    case TypeOid.numeric: {
      const value = typmod - 4;
      return `(${(value >> 16) & 0xffff},${value & 0xffff})`;
    }
    case TypeOid.time:
    case TypeOid.timetz:
    case TypeOid.timestamp:
    case TypeOid.timestamptz:
    case TypeOid.interval:
      return `(${typmod})`;
    default:
      return "";
  }
}

/** `timestamp(3) with time zone`: the precision goes after the first word, as PostgreSQL writes it. */
function withTypmod(displayName: string, oid: number, typmod: number): string {
  const modifier = typmodText(oid, typmod);
  if (modifier === "") return oid === TypeOid.bpchar && typmod < 0 ? "bpchar" : displayName;
  const space = displayName.indexOf(" ");
  const isSplit = oid !== TypeOid.varchar && oid !== TypeOid.bpchar && space > 0;
  return isSplit ? `${displayName.slice(0, space)}${modifier}${displayName.slice(space)}` : `${displayName}${modifier}`;
}

/** `format_type(oid, typmod)`: NULL for a NULL oid, `???` for an unknown one. */
export function formatType(oid: number, typmod: number, settings?: TextIoSettings): string {
  const info = typeInfo(oid);
  if (info === undefined) return settings?.typeName?.(oid) ?? settings?.enumType?.(oid)?.name ?? "???";
  const elementOid = info.elementOid;
  if (elementOid !== undefined) {
    const element = typeInfo(elementOid);
    assert(element !== undefined, "an array's element type is known");
    return `${withTypmod(element.displayName, elementOid, typmod)}[]`;
  }
  const text = withTypmod(info.displayName, oid, typmod);
  assert(text.length > 0, "a type has a name");
  return text;
}

const encodings: Readonly<Record<number, string>> = { 0: "SQL_ASCII", 6: "UTF8", 8: "LATIN1" };

const nullOf = (): SqlValue => null;
const always = (value: boolean) => (): SqlValue => value;

export const catalogFunctions: FunctionTable = {
  "pg_table_is_visible(oid)": (args, context) => catalogOf(context, "pg_table_is_visible").isTableVisible(asOid(args[0])),
  "pg_type_is_visible(oid)": (args, context) => typeInfo(asOid(args[0])) !== undefined || textIoSettings(context).typeName?.(asOid(args[0])) !== undefined,
  "format_type(oid,int4)": (args, context) => {
    const [oid = null, typmod = null] = args;
    if (oid === null) return null;
    return formatType(asOid(oid), typmod === null ? -1 : asOid(typmod), textIoSettings(context));
  },
  "pg_get_userbyid(oid)": (args, context) => {
    const oid = asOid(args[0]);
    return catalogOf(context, "pg_get_userbyid").userName(oid) ?? `unknown (OID=${oid})`;
  },
  "pg_get_indexdef(oid)": (args, context) => catalogOf(context, "pg_get_indexdef").indexDefinition(asOid(args[0]), 0, false) ?? null,
  "pg_get_indexdef(oid,int4,bool)": (args, context) =>
    catalogOf(context, "pg_get_indexdef").indexDefinition(asOid(args[0]), asOid(args[1]), asBool(args[2] ?? null)) ?? null,
  "pg_get_constraintdef(oid)": (args, context) => catalogOf(context, "pg_get_constraintdef").constraintDefinition(asOid(args[0]), false) ?? null,
  "pg_get_constraintdef(oid,bool)": (args, context) =>
    catalogOf(context, "pg_get_constraintdef").constraintDefinition(asOid(args[0]), asBool(args[1] ?? null)) ?? null,
  "pg_get_expr(text,oid)": (args, context) => catalogOf(context, "pg_get_expr").expressionText(asText(args[0] ?? null), asOid(args[1]), false),
  "pg_get_expr(text,oid,bool)": (args, context) =>
    catalogOf(context, "pg_get_expr").expressionText(asText(args[0] ?? null), asOid(args[1]), asBool(args[2] ?? null)),
  "obj_description(oid)": (args, context) => catalogOf(context, "obj_description").description(asOid(args[0]), "", 0) ?? null,
  "obj_description(oid,name)": (args, context) => catalogOf(context, "obj_description").description(asOid(args[0]), asText(args[1] ?? null), 0) ?? null,
  "col_description(oid,int4)": (args, context) => catalogOf(context, "col_description").description(asOid(args[0]), "pg_class", asOid(args[1])) ?? null,
  "shobj_description(oid,name)": (args, context) => catalogOf(context, "shobj_description").description(asOid(args[0]), asText(args[1] ?? null), 0) ?? null,
  "pg_relation_size(regclass)": (args, context) => catalogOf(context, "pg_relation_size").relationSize?.(asOid(args[0]), "main") ?? null,
  "pg_relation_size(regclass,text)": (args, context) => (asText(args[1] ?? null) === "main" ? (catalogOf(context, "pg_relation_size").relationSize?.(asOid(args[0]), "main") ?? null) : 0n),
  "pg_table_size(regclass)": (args, context) => catalogOf(context, "pg_table_size").relationSize?.(asOid(args[0]), "main") ?? null,
  "pg_indexes_size(regclass)": (args, context) => catalogOf(context, "pg_indexes_size").relationSize?.(asOid(args[0]), "indexes") ?? null,
  "pg_total_relation_size(regclass)": (args, context) => catalogOf(context, "pg_total_relation_size").relationSize?.(asOid(args[0]), "total") ?? null,
  "pg_database_size(name)": (_args, context) => catalogOf(context, "pg_database_size").databaseSize?.() ?? null,
  "pg_database_size(oid)": (_args, context) => catalogOf(context, "pg_database_size").databaseSize?.() ?? null,
  "pg_get_viewdef(oid)": (args, context) => catalogOf(context, "pg_get_viewdef").viewDefinition?.(asOid(args[0])) ?? null,
  "pg_get_viewdef(oid,bool)": (args, context) => catalogOf(context, "pg_get_viewdef").viewDefinition?.(asOid(args[0])) ?? null,
  "pg_get_viewdef(text)": (args, context) => {
    const catalog = catalogOf(context, "pg_get_viewdef");
    return catalog.viewDefinition?.(catalog.relationOid(asText(args[0] ?? null))) ?? null;
  },
  "pg_get_viewdef(text,bool)": (args, context) => {
    const catalog = catalogOf(context, "pg_get_viewdef");
    return catalog.viewDefinition?.(catalog.relationOid(asText(args[0] ?? null))) ?? null;
  },
  // Every tablespace is the data directory's own: PostgreSQL prints "" for pg_default and pg_global.
  "pg_tablespace_location(oid)": () => "",
  "pg_function_is_visible(oid)": (args, context) => catalogOf(context, "pg_function_is_visible").functionSignature?.(asOid(args[0])) !== undefined,
  // Operators are built in (pg_catalog is always searched); there are no conversions or text search configurations.
  "pg_operator_is_visible(oid)": always(true),
  "pg_conversion_is_visible(oid)": always(true),
  "pg_ts_config_is_visible(oid)": always(true),
  "pg_get_function_result(oid)": (args, context) => catalogOf(context, "pg_get_function_result").functionSignature?.(asOid(args[0]))?.result ?? null,
  "pg_get_function_arguments(oid)": (args, context) => catalogOf(context, "pg_get_function_arguments").functionSignature?.(asOid(args[0]))?.arguments ?? null,
  "pg_get_function_identity_arguments(oid)": (args, context) =>
    catalogOf(context, "pg_get_function_identity_arguments").functionSignature?.(asOid(args[0]))?.arguments ?? null,
  // There are no rewrite rules (a view is its query, not a _RETURN rule): NULL, as for an unknown oid.
  "pg_get_ruledef(oid)": nullOf,
  "pg_get_ruledef(oid,bool)": nullOf,
  "pg_size_pretty(int8)": (args) => sizePretty(BigInt(asBigIntLike(args[0] ?? null))),
  "pg_encoding_to_char(int4)": (args) => encodings[asOid(args[0])] ?? "",
  "pg_get_partkeydef(oid)": nullOf,
  "pg_relation_is_publishable(oid)": always(false),
  "pg_get_triggerdef(oid)": nullOf,
  "pg_get_triggerdef(oid,bool)": nullOf,
  "pg_get_statisticsobjdef_columns(oid)": nullOf,
  "pg_get_serial_sequence(text,text)": (args, context) =>
    catalogOf(context, "pg_get_serial_sequence").serialSequence(asText(args[0] ?? null), asText(args[1] ?? null)) ?? null,
  "has_table_privilege(text,text)": (args, context) => privilegeOf(context, "table", undefined, args[0], args[1]),
  "has_table_privilege(oid,text)": (args, context) => privilegeOf(context, "table", undefined, args[0], args[1]),
  "has_table_privilege(name,text,text)": (args, context) => privilegeOf(context, "table", args[0], args[1], args[2]),
  "has_table_privilege(name,oid,text)": (args, context) => privilegeOf(context, "table", args[0], args[1], args[2]),
  "has_column_privilege(text,text,text)": (args, context) =>
    catalogOf(context, "has_column_privilege").hasColumnPrivilege(undefined, asText(args[0] ?? null), asText(args[1] ?? null), asText(args[2] ?? null)),
  "has_column_privilege(name,text,text,text)": (args, context) =>
    catalogOf(context, "has_column_privilege").hasColumnPrivilege(asText(args[0] ?? null), asText(args[1] ?? null), asText(args[2] ?? null), asText(args[3] ?? null)),
  "has_sequence_privilege(text,text)": (args, context) => privilegeOf(context, "sequence", undefined, args[0], args[1]),
  "has_sequence_privilege(name,text,text)": (args, context) => privilegeOf(context, "sequence", args[0], args[1], args[2]),
  "has_schema_privilege(text,text)": (args, context) => privilegeOf(context, "schema", undefined, args[0], args[1]),
  "has_schema_privilege(oid,text)": (args, context) => privilegeOf(context, "schema", undefined, args[0], args[1]),
  "has_schema_privilege(name,text,text)": (args, context) => privilegeOf(context, "schema", args[0], args[1], args[2]),
  "pg_has_role(name,text)": (args, context) => catalogOf(context, "pg_has_role").hasRole(undefined, asText(args[0] ?? null), asText(args[1] ?? null)),
  "pg_has_role(name,name,text)": (args, context) => catalogOf(context, "pg_has_role").hasRole(asText(args[0] ?? null), asText(args[1] ?? null), asText(args[2] ?? null)),
  "has_database_privilege(text,text)": (args, context) => privilegeOf(context, "database", undefined, args[0], args[1]),
  "has_database_privilege(name,text,text)": (args, context) => privilegeOf(context, "database", args[0], args[1], args[2]),
  // Declared scalar (see builtins-catalog.ts): its one row is the relation itself.
  "pg_partition_ancestors(oid)": (args) => asOid(args[0]),
  "cast(text,regclass)": (args, context) => catalogOf(context, "regclass").relationOid(asText(args[0] ?? null)),
  "cast(regclass,text)": (args, context) => catalogOf(context, "regclass").relationName(asOid(args[0])),
  "cast(text,regnamespace)": (args, context) => catalogOf(context, "regnamespace").namespaceOid(asText(args[0] ?? null)),
  "cast(regnamespace,text)": (args, context) => catalogOf(context, "regnamespace").namespaceName(asOid(args[0])),
};

/** An integer argument (int8 as bigint, smaller integers as numbers). */
function asBigIntLike(value: SqlValue): bigint | number {
  return typeof value === "bigint" || typeof value === "number" ? value : 0;
}

/**
 * `pg_size_pretty(bigint)`, as PostgreSQL 15 computes it: bytes below 10 kB; then, keeping one
 * extra bit for rounding, kB, MB, GB, TB while below 20,479 halves, else PB, rounded half away
 * from zero.
 */
export function sizePretty(bytes: bigint): string {
  const abs = (value: bigint): bigint => (value < 0n ? -value : value);
  if (abs(bytes) < 10n * 1024n) return `${bytes} bytes`;
  const halfLimit = 2n * 10n * 1024n - 1n;
  // Division, not shifts, so negative sizes round as positive ones do (PostgreSQL 15's dbsize.c).
  let size = bytes / 512n;
  for (const unit of ["kB", "MB", "GB", "TB"]) {
    if (abs(size) < halfLimit) return `${halfRounded(size)} ${unit}`;
    size /= 1024n;
  }
  return `${halfRounded(size)} PB`;
}

function halfRounded(value: bigint): bigint {
  return (value + (value < 0n ? -1n : 1n)) / 2n;
}
