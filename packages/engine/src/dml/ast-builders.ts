/**
 * Small AST constructors for the queries the engine synthesizes around DML: UPDATE and DELETE
 * read their target rows with a SELECT over the same FROM and WHERE, INSERT reads its source
 * rows with one. Synthesized nodes take the position of the clause they come from.
 */
import { TypeOid, typeInfo } from "@omnikv/base";
import type { Expr, FromItem, QueryBody, ResTarget, SelectStatement, TableRef, TypeName, WithClause } from "@omnikv/parser";
import type { ColumnDefinition } from "../catalog/definitions.ts";
import type { CatalogView } from "../catalog/catalog-store.ts";

export function columnRef(names: readonly string[], pos: number): Expr {
  return { kind: "column_ref", names, isStar: false, pos };
}

export function target(expr: Expr, alias?: string): ResTarget {
  return alias === undefined ? { kind: "res_target", expr, pos: expr.pos } : { kind: "res_target", expr, alias, pos: expr.pos };
}

export function tableRef(name: readonly string[], alias: string | undefined, pos: number): TableRef {
  return alias === undefined
    ? { kind: "table_ref", name, isOnly: false, pos }
    : { kind: "table_ref", name, alias: { kind: "alias", name: alias, columns: [], pos }, isOnly: false, pos };
}

export function selectStatement(core: { readonly targets: readonly ResTarget[]; readonly from: readonly FromItem[]; readonly where?: Expr }, pos: number, withClause?: WithClause): SelectStatement {
  const body: QueryBody = {
    kind: "select_core",
    distinct: false,
    targets: core.targets,
    from: core.from,
    ...(core.where === undefined ? {} : { where: core.where }),
    groupBy: [],
    windows: [],
    pos,
  };
  return queryOf(body, pos, withClause);
}

export function queryOf(body: QueryBody, pos: number, withClause?: WithClause): SelectStatement {
  return { kind: "select", body, orderBy: [], isLimitWithTies: false, locking: [], pos, ...(withClause === undefined ? {} : { with: withClause }) };
}

/** The column's type without its modifier (the modifier is applied by the assignment afterwards). */
/** Finds an enum type's definition for a type name in a synthesized cast (its schema and name). */
export type EnumTypeLookup = Pick<CatalogView, "enumType">;

function typeNameOf(column: ColumnDefinition, pos: number, types: EnumTypeLookup): TypeName {
  const enumType = types.enumType(column.typeOid);
  if (enumType !== undefined) return { kind: "type_name", names: [enumType.schema, enumType.name], modifiers: [], arrayBounds: [], pos };
  const info = typeInfo(column.typeOid);
  const isArray = info?.elementOid !== undefined && info.elementOid !== 0 && info.category === "A";
  const base = isArray ? typeInfo(info.elementOid ?? TypeOid.text) : info;
  return { kind: "type_name", names: [base?.name ?? "text"], modifiers: [], arrayBounds: isArray ? [-1] : [], pos };
}

/**
 * Untyped expressions (string literals, NULL, parameters of no declared type) take the column's
 * type, as PostgreSQL resolves them against an INSERT or UPDATE target; anything else keeps its
 * own type and is converted by the assignment cast.
 */
export function typedForColumn(expr: Expr, column: ColumnDefinition, paramTypes: readonly number[], types: EnumTypeLookup): Expr {
  const isUntyped = expr.kind === "string" || expr.kind === "null" || (expr.kind === "param" && (paramTypes[expr.index - 1] ?? 0) === 0);
  return isUntyped ? { kind: "cast", expr, type: typeNameOf(column, expr.pos, types), pos: expr.pos } : expr;
}

/** The column's type with its modifier (`numeric(10,2)`, `varchar(5)`, `timestamp(3)`), for an explicit cast. */
export function columnTypeName(column: ColumnDefinition, pos: number, types: EnumTypeLookup): TypeName {
  const base = typeNameOf(column, pos, types);
  const typmod = column.typmod;
  if (typmod < 0 || base.arrayBounds.length > 0) return base;
  const number = (n: number): Expr => ({ kind: "number", text: String(n), isInteger: true, pos });
  if (column.typeOid === TypeOid.numeric) return { ...base, modifiers: [number(((typmod - 4) >> 16) & 0xffff), number((typmod - 4) & 0xffff)] };
  if (column.typeOid === TypeOid.varchar || column.typeOid === TypeOid.bpchar) return { ...base, modifiers: [number(typmod - 4)] };
  if (column.typeOid === TypeOid.time || column.typeOid === TypeOid.timestamp || column.typeOid === TypeOid.timestamptz) return { ...base, modifiers: [number(typmod)] };
  return base;
}
