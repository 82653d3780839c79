/**
 * Enum types: CREATE TYPE … AS ENUM, ALTER TYPE … ADD VALUE / RENAME VALUE, DROP TYPE, and the
 * catalog's answers about them (`EnumType` for text input, names for `format_type`). Labels keep
 * the positions they were given (pg_enum.enumsortorder): a new label goes between two others at
 * the midpoint, so stored keys, which order by position, stay valid.
 */
import {
  DbError,
  EnumValue,
  SqlState,
  FeatureNotSupportedError,
  InvalidParameterValueError,
  ProgramLimitExceededError,
  UndefinedObjectError,
  WrongObjectTypeError,
  enumLabelBytesMax,
  type TextIoSettings,
  type UserType,
} from "@omnikv/base";
import type { AlterEnumTypeStatement, CreateEnumTypeStatement, DropStatement } from "@omnikv/parser";
import type { CatalogView } from "./catalog-store.ts";
import { tableStorage, type DomainDefinition, type EnumLabel, type EnumTypeDefinition, type TableDefinition } from "./definitions.ts";
import { creationSchema, dropColumnsCascading, refreshTypeSnapshots, requireDropRight, requireOwner, type DdlEnvironment } from "./ddl.ts";
import { DependentObjectsStillExistError, DuplicateObjectError, UniqueViolationError } from "../errors.ts";
import { storageRange } from "../storage/keys.ts";
import { layoutOf } from "../storage/table-layout.ts";
import { quoteIdent } from "./system-functions.ts";
import { domainTypeOf, enumTypeOf, enumValuesOf } from "./enum-values.ts";
import { renameUserType } from "./type-rename.ts";

const labelEncoder = new TextEncoder();

/** 42602, as PostgreSQL reports a label longer than a name. */
class InvalidNameError extends DbError {
  override readonly name: string = "InvalidNameError";
  readonly sqlState = SqlState.InvalidName;
}

function checkLabel(label: string): void {
  if (labelEncoder.encode(label).length > enumLabelBytesMax) {
    throw new InvalidNameError(`invalid enum label "${label}"`, { detail: `Labels must be ${enumLabelBytesMax} bytes or less.` });
  }
}

// ---------------------------------------------------------------------------------------------
// The catalog's view of enum types

/** A user type's name as format_type prints it: qualified when the search path does not find it first. */
export function userTypeName(catalog: CatalogView, definition: EnumTypeDefinition | DomainDefinition, searchPath: readonly string[]): string {
  const visible = catalog.findUserType(undefined, definition.name, searchPath);
  return visible?.id === definition.id ? quoteIdent(definition.name) : `${quoteIdent(definition.schema)}.${quoteIdent(definition.name)}`;
}

/** The text-I/O hooks over a catalog: enum types by OID, user types by name, their names by OID. */
export function userTypeHooks(catalog: () => CatalogView, searchPath: readonly string[]): Pick<TextIoSettings, "enumType" | "typeByName" | "typeName"> {
  const toType = (view: CatalogView, definition: EnumTypeDefinition | DomainDefinition | undefined): UserType | undefined => {
    if (definition === undefined) return undefined;
    const name = userTypeName(view, definition, searchPath);
    return definition.kind === "enum_type" ? enumTypeOf(definition, name) : domainTypeOf(definition, name);
  };
  return {
    // Text input of every enum value asks for its type: the name (a search over the catalog) is
    // only worked out when a message or format_type reads it.
    enumType: (oid) => {
      const view = catalog();
      const definition = view.enumType(oid);
      if (definition === undefined) return undefined;
      return {
        oid: definition.id,
        values: enumValuesOf(definition),
        get name(): string {
          return userTypeName(view, definition, searchPath);
        },
      };
    },
    typeByName: (schema, name) => {
      const view = catalog();
      return toType(view, view.findUserType(schema, name, searchPath));
    },
    typeName: (oid) => {
      const view = catalog();
      const definition = view.enumType(oid) ?? view.domain(oid);
      return definition === undefined ? undefined : userTypeName(view, definition, searchPath);
    },
  };
}

/** Table columns of the type, as `column c of table t`. */
function dependentColumns(catalog: CatalogView, typeOid: number): { readonly table: TableDefinition; readonly column: string }[] {
  const found: { table: TableDefinition; column: string }[] = [];
  for (const table of catalog.tables()) {
    for (const column of table.columns) if (column.typeOid === typeOid) found.push({ table, column: column.name });
  }
  return found;
}

// ---------------------------------------------------------------------------------------------
// DDL

export async function createEnumType(env: DdlEnvironment, statement: CreateEnumTypeStatement): Promise<void> {
  const name = statement.name.at(-1) ?? "";
  const schema = creationSchema(env, statement.name);
  const seen = new Set<string>();
  for (const label of statement.labels) {
    checkLabel(label);
    // PostgreSQL reports it from pg_enum's unique index on (enumtypid, enumlabel).
    if (seen.has(label)) throw new UniqueViolationError(`duplicate key value violates unique constraint "pg_enum_typid_label_index"`);
    seen.add(label);
  }
  if (env.catalog.relation(schema, name) !== undefined) throw new DuplicateObjectError(`type "${name}" already exists`);
  const labels: EnumLabel[] = statement.labels.map((label, i) => ({ label, sortOrder: i + 1 }));
  const definition: EnumTypeDefinition = { kind: "enum_type", id: env.allocateObjectId(), schema, name, labels, owner: env.auth.roleId };
  await env.catalog.write(env.txn, definition);
}

function findForAlter(env: DdlEnvironment, names: readonly string[]): EnumTypeDefinition {
  const name = names.at(-1) ?? "";
  const type = env.catalog.findUserType(names.length > 1 ? names.at(-2) : undefined, name, env.searchPath);
  if (type === undefined) throw new UndefinedObjectError(`type "${names.join(".")}" does not exist`);
  if (type.kind !== "enum_type") throw new WrongObjectTypeError(`${type.name} is not an enum`);
  return type;
}

function existingLabel(type: EnumTypeDefinition, label: string): number {
  const at = type.labels.findIndex((l) => l.label === label);
  if (at < 0) throw new InvalidParameterValueError(`"${label}" is not an existing enum label`);
  return at;
}

/** The position of a label added at `index` (before the label now there): the midpoint of its neighbours. */
function positionAt(labels: readonly EnumLabel[], index: number): number {
  const before = labels[index - 1]?.sortOrder;
  const after = labels[index]?.sortOrder;
  if (before === undefined) return (after ?? 2) - 1;
  if (after === undefined) return before + 1;
  const middle = before + (after - before) / 2;
  // PostgreSQL renumbers the type's labels here; positions are stored in rows and keys, so we may not.
  if (middle <= before || middle >= after) throw new ProgramLimitExceededError("cannot add an enum label here: no sort position is left between its neighbours");
  return middle;
}

export async function alterEnumType(env: DdlEnvironment, statement: AlterEnumTypeStatement): Promise<void> {
  if (statement.action.type === "rename_to") {
    await renameUserType(env, statement.name, statement.action.newName);
    return;
  }
  const type = findForAlter(env, statement.name);
  requireOwner(env, type);
  const action = statement.action;
  if (action.type === "add_value") {
    checkLabel(action.label);
    if (type.labels.some((l) => l.label === action.label)) {
      if (action.ifNotExists) {
        env.notice(`enum label "${action.label}" already exists, skipping`, "NOTICE", "42710");
        return;
      }
      throw new DuplicateObjectError(`enum label "${action.label}" already exists`);
    }
    const neighbor = action.neighbor;
    const index = neighbor === undefined ? type.labels.length : existingLabel(type, neighbor.label) + (neighbor.isBefore ? 0 : 1);
    const labels = [...type.labels];
    labels.splice(index, 0, { label: action.label, sortOrder: positionAt(type.labels, index) });
    await env.catalog.write(env.txn, { ...type, labels });
    await refreshTypeSnapshots(env, type.id);
    return;
  }
  const index = existingLabel(type, action.label);
  checkLabel(action.newLabel);
  if (type.labels.some((l) => l.label === action.newLabel)) throw new DuplicateObjectError(`enum label "${action.newLabel}" already exists`);
  refuseRenameInStoredSql(env, type, action.label);
  const labels = type.labels.map((l, i) => (i === index ? { ...l, label: action.newLabel } : l));
  await env.catalog.write(env.txn, { ...type, labels });
  await rewriteRenamedLabel(env, type.id, action.label, action.newLabel);
  await refreshTypeSnapshots(env, type.id);
}


/**
 * Stored expressions keep their SQL text, where a label is a string literal: PostgreSQL's refer
 * to the label's OID and follow a rename, ours would break, so such a rename is refused (0A000).
 */
function refuseRenameInStoredSql(env: DdlEnvironment, type: EnumTypeDefinition, label: string): void {
  const literal = `'${label.replaceAll("'", "''")}'`;
  for (const { table } of dependentColumns(env.catalog, type.id)) {
    const stored = [
      ...table.columns.map((c) => c.defaultSql),
      ...table.checks.map((c) => c.sql),
      ...table.indexes.flatMap((i) => [i.predicate, ...(i.expressions ?? [])]),
    ];
    if (stored.some((sql) => typeof sql === "string" && sql.includes(literal))) {
      throw new FeatureNotSupportedError(`cannot rename enum label "${label}": a default, CHECK constraint or index of table ${table.name} names it`);
    }
  }
}

/** Stored rows carry labels: rewrite the values of the renamed label in every column of the type. */
async function rewriteRenamedLabel(env: DdlEnvironment, typeOid: number, from: string, to: string): Promise<void> {
  const tables = new Set(dependentColumns(env.catalog, typeOid).map((d) => d.table));
  for (const table of tables) {
    const layout = layoutOf(table);
    const positions = table.columns.flatMap((c, i) => (c.typeOid === typeOid ? [i] : []));
    const rewrites: [Uint8Array, Uint8Array][] = [];
    for (const [key, value] of env.txn.scan(storageRange(tableStorage(table)))) {
      const row = [...layout.decode(key, value)];
      let isChanged = false;
      for (const i of positions) {
        const cell = row[i];
        if (cell instanceof EnumValue && cell.label === from) {
          row[i] = new EnumValue(typeOid, to, cell.sortOrder);
          isChanged = true;
        }
      }
      if (isChanged) rewrites.push([key, layout.encodeValue(row)]);
    }
    for (const [key, value] of rewrites) await env.txn.put(key, value);
  }
}

/** DROP TYPE: refused (2BP01) while a column has the type; CASCADE drops those columns first. */
export async function dropEnumTypes(env: DdlEnvironment, statement: DropStatement): Promise<void> {
  for (const names of statement.names) {
    const name = names.at(-1) ?? "";
    const type = env.catalog.findEnumType(names.length > 1 ? names.at(-2) : undefined, name, env.searchPath);
    if (type === undefined) {
      if (env.catalog.findRelation(names.length > 1 ? names.at(-2) : undefined, name, env.searchPath)?.kind === "table") {
        throw new WrongObjectTypeError(`"${name}" is a table's row type, which DROP TYPE cannot drop`, { hint: "Use DROP TABLE to remove a table." });
      }
      if (statement.ifExists) {
        env.notice(`type "${names.join(".")}" does not exist, skipping`);
        continue;
      }
      throw new UndefinedObjectError(`type "${names.join(".")}" does not exist`);
    }
    requireDropRight(env, type);
    const dependents = dependentColumns(env.catalog, type.id);
    if (dependents.length > 0) {
      const detail = dependents.map((d) => `column ${d.column} of table ${d.table.name} depends on type ${type.name}`).join("\n");
      if (statement.behavior !== "cascade") {
        throw new DependentObjectsStillExistError(`cannot drop type ${type.name} because other objects depend on it`, {
          detail,
          hint: "Use DROP ... CASCADE to drop the dependent objects too.",
        });
      }
      await dropColumnsCascading(env, dependents);
    }
    await env.catalog.remove(env.txn, type.id);
  }
}
