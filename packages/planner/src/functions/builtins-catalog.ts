/**
 * Built-in signatures of the system catalog information functions (see builtins.ts for the
 * conventions): what psql's `\d` family, drivers and ORMs call next to the pg_catalog tables.
 * PostgreSQL 15's `pg_proc` declares them; each has an implementation under the same id in the
 * executor's catalog.ts, which reaches the catalog through `SessionInfo.catalog`.
 *
 * Differences from `pg_proc`: `pg_node_tree` arguments are text (expressions are kept as SQL
 * text); regclass arguments are oid (a quoted number converts to either; a name needs
 * `::regclass`). Functions of features this build lacks (triggers, extended statistics,
 * partitioning, publications) exist so that client queries bind, and return NULL or false.
 */
import { TypeOid } from "@omnikv/base";
import { signature, type FunctionSignature, type SignatureSpec } from "./signature.ts";

const { bool, int4, text, name, oid } = TypeOid;

function catalogFunction(spec: Omit<SignatureSpec, "volatility">): FunctionSignature {
  return signature({ ...spec, volatility: "stable" });
}

export const catalogFunctions: readonly FunctionSignature[] = [
  catalogFunction({ name: "pg_table_is_visible", args: [oid], returns: bool }),
  catalogFunction({ name: "pg_type_is_visible", args: [oid], returns: bool }),
  // Not strict: a NULL typmod means none.
  catalogFunction({ name: "format_type", args: [oid, int4], returns: text, isStrict: false }),
  catalogFunction({ name: "pg_get_userbyid", args: [oid], returns: name }),
  catalogFunction({ name: "pg_get_indexdef", args: [oid], returns: text }),
  catalogFunction({ name: "pg_get_indexdef", args: [oid, int4, bool], returns: text }),
  catalogFunction({ name: "pg_get_constraintdef", args: [oid], returns: text }),
  catalogFunction({ name: "pg_get_constraintdef", args: [oid, bool], returns: text }),
  catalogFunction({ name: "pg_get_expr", args: [text, oid], returns: text }),
  catalogFunction({ name: "pg_get_expr", args: [text, oid, bool], returns: text }),
  catalogFunction({ name: "pg_relation_size", args: [TypeOid.regclass], returns: TypeOid.int8 }),
  catalogFunction({ name: "pg_relation_size", args: [TypeOid.regclass, text], returns: TypeOid.int8 }),
  catalogFunction({ name: "pg_table_size", args: [TypeOid.regclass], returns: TypeOid.int8 }),
  catalogFunction({ name: "pg_indexes_size", args: [TypeOid.regclass], returns: TypeOid.int8 }),
  catalogFunction({ name: "pg_total_relation_size", args: [TypeOid.regclass], returns: TypeOid.int8 }),
  catalogFunction({ name: "pg_database_size", args: [name], returns: TypeOid.int8 }),
  catalogFunction({ name: "pg_database_size", args: [oid], returns: TypeOid.int8 }),
  catalogFunction({ name: "pg_size_pretty", args: [TypeOid.int8], returns: text }),
  catalogFunction({ name: "pg_get_viewdef", args: [oid], returns: text }),
  catalogFunction({ name: "pg_get_viewdef", args: [oid, bool], returns: text }),
  catalogFunction({ name: "pg_get_viewdef", args: [text], returns: text }),
  catalogFunction({ name: "pg_get_viewdef", args: [text, bool], returns: text }),
  catalogFunction({ name: "pg_tablespace_location", args: [oid], returns: text }),
  catalogFunction({ name: "pg_function_is_visible", args: [oid], returns: bool }),
  catalogFunction({ name: "pg_operator_is_visible", args: [oid], returns: bool }),
  catalogFunction({ name: "pg_conversion_is_visible", args: [oid], returns: bool }),
  catalogFunction({ name: "pg_ts_config_is_visible", args: [oid], returns: bool }),
  catalogFunction({ name: "pg_get_function_result", args: [oid], returns: text }),
  catalogFunction({ name: "pg_get_function_arguments", args: [oid], returns: text }),
  catalogFunction({ name: "pg_get_function_identity_arguments", args: [oid], returns: text }),
  catalogFunction({ name: "pg_get_ruledef", args: [oid], returns: text }),
  catalogFunction({ name: "pg_get_ruledef", args: [oid, bool], returns: text }),
  catalogFunction({ name: "obj_description", args: [oid], returns: text }),
  catalogFunction({ name: "obj_description", args: [oid, name], returns: text }),
  catalogFunction({ name: "col_description", args: [oid, int4], returns: text }),
  catalogFunction({ name: "shobj_description", args: [oid, name], returns: text }),
  catalogFunction({ name: "pg_encoding_to_char", args: [int4], returns: name }),
  catalogFunction({ name: "pg_get_partkeydef", args: [oid], returns: text }),
  catalogFunction({ name: "pg_relation_is_publishable", args: [oid], returns: bool }),
  catalogFunction({ name: "pg_get_triggerdef", args: [oid], returns: text }),
  catalogFunction({ name: "pg_get_triggerdef", args: [oid, bool], returns: text }),
  catalogFunction({ name: "pg_get_statisticsobjdef_columns", args: [oid], returns: text }),
  catalogFunction({ name: "pg_get_serial_sequence", args: [text, text], returns: text }),
  // Privilege inquiry: the role is current_user when not given.
  catalogFunction({ name: "has_table_privilege", args: [text, text], returns: bool }),
  catalogFunction({ name: "has_table_privilege", args: [oid, text], returns: bool }),
  catalogFunction({ name: "has_table_privilege", args: [name, text, text], returns: bool }),
  catalogFunction({ name: "has_table_privilege", args: [name, oid, text], returns: bool }),
  catalogFunction({ name: "has_column_privilege", args: [text, text, text], returns: bool }),
  catalogFunction({ name: "has_column_privilege", args: [name, text, text, text], returns: bool }),
  catalogFunction({ name: "has_sequence_privilege", args: [text, text], returns: bool }),
  catalogFunction({ name: "has_sequence_privilege", args: [name, text, text], returns: bool }),
  catalogFunction({ name: "has_schema_privilege", args: [text, text], returns: bool }),
  catalogFunction({ name: "has_schema_privilege", args: [oid, text], returns: bool }),
  catalogFunction({ name: "has_schema_privilege", args: [name, text, text], returns: bool }),
  catalogFunction({ name: "pg_has_role", args: [name, text], returns: bool }),
  catalogFunction({ name: "pg_has_role", args: [name, name, text], returns: bool }),
  catalogFunction({ name: "has_database_privilege", args: [text, text], returns: bool }),
  catalogFunction({ name: "has_database_privilege", args: [name, text, text], returns: bool }),
  // pg_partition_ancestors(regclass) returns the relation and its ancestors. Nothing is partitioned
  // here, so its set is always the one relation: a scalar function gives the same rows in FROM
  // and also works in a select list, where set-returning calls are not supported yet.
  catalogFunction({ name: "pg_partition_ancestors", args: [oid], returns: TypeOid.regclass }),
];
