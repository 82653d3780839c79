/**
 * DDL: CREATE/DROP TABLE, CREATE/DROP INDEX, ALTER TABLE, CREATE/DROP SEQUENCE and SCHEMA,
 * TRUNCATE. Every change goes through the transaction's `CatalogView` (and so commits or rolls
 * back with the transaction). Truncating deletes the rows in the transaction; dropping leaves them
 * to the reclaimer, which deletes them after the drop commits (storage/range-reclaimer.ts).
 * Constraint names follow PostgreSQL's rules (`t_pkey`, `t_a_key`, `t_a_check`, `t_b_fkey`,
 * `t_a_seq`, `t_a_idx`), so clients and error messages see the names PostgreSQL would give.
 */
import { DatatypeMismatchError, DbError, FeatureNotSupportedError, InvalidParameterValueError, ObjectNotInPrerequisiteStateError, SqlState, TypeOid, assert, assertNever, UndefinedObjectError, WrongObjectTypeError, formatValue, type SqlValue } from "@omnikv/base";
import { compileExpr, formatType, type CompiledExpr, type Row } from "@omnikv/executor";
import { deparse, parse, type SelectStatement, type AlterSequenceStatement, type CommentStatement, type TypeName, type DropOwnedStatement, type RenameStatement, type CreateTableAsStatement, type CreateViewStatement, type AlterTableAction, type AlterTableStatement, type ColumnDef, type CreateIndexStatement, type CreateSequenceStatement, type CreateTableStatement, type DropStatement, type Expr, type SequenceOption, type TableConstraint, type TruncateStatement } from "@omnikv/parser";
import { UndefinedColumnError, UndefinedTableError, bindExpr, builtinFunctions, coerce, formatTypeName, resolveTypeName, resolveTypeTarget, type BoundExpr, type Catalog } from "@omnikv/planner";
import { isRelation } from "./catalog-store.ts";
import { indexStorage, tableStorage, type AclEntry, type CheckDefinition, type ColumnDefinition, type ForeignKeyDefinition, type IndexDefinition, type SequenceDefinition, type TableDefinition, type ViewDefinition } from "./definitions.ts";
import {
  DependentObjectsStillExistError,
  DuplicateColumnError,
  DuplicateObjectError,
  DuplicateSchemaError,
  DuplicateTableError,
  InvalidSchemaNameError,
  InvalidTableDefinitionError,
  InsufficientPrivilegeError,
  InvalidObjectDefinitionError,
  NotNullViolationError,
  UniqueViolationError,
} from "../errors.ts";
import { isKeyEncodable } from "../encoding/key-codec.ts";
import { catalogKey, reclaimMarkerKey, storageRange } from "../storage/keys.ts";
import { IndexKeys, RowWriter, TableScope, bindTableExpr, compileTableExpr, indexCoverage, indexElementLabels, parseStoredExpression } from "../storage/row-writer.ts";
import { layoutOf, storageTextSettings, type TableLayout } from "../storage/table-layout.ts";
import type { FreshRange } from "../storage/fresh-range.ts";
import { planQuery, streamPlan, type StatementEnvironment } from "../dml/statement-environment.ts";
import { initialAcl, mustBeOwner, ownerOf, permissionDenied, type OwnedObject } from "./privileges.ts";
import { ownedRoles, revokeAllFrom, type AuthContext } from "./roles.ts";
import type { NoticeSeverity } from "../session/notice.ts";

export interface DdlEnvironment extends StatementEnvironment {
  /** Who runs the statement: CREATE needs the schema's CREATE privilege, ALTER and DROP ownership. */
  readonly auth: AuthContext;
  readonly databaseName: string;
  allocateObjectId(): number;
  readonly sequences: {
    reset(definition: SequenceDefinition): void;
    drop(id: number): void;
  };
  /** Sends a notice with the statement's result, at PostgreSQL's severity and SQLSTATE for the message (default: NOTICE, 00000). */
  notice(message: string, severity?: NoticeSeverity, sqlState?: string): void;
  /**
   * Claims a relation id this transaction allocated, for writing its keys straight to the store
   * (storage/fresh-range.ts): a new index's entries.
   */
  openFreshRange(id: number): Promise<FreshRange>;
  /** The table's row count as its statistics last saw it (0 when never analyzed). */
  estimatedRows(tableId: number): number;
  /** Reports a running index build (pg_stat_progress_create_index); undefined when it ends. */
  reportIndexBuild?(progress: IndexBuildProgress | undefined): void;
}

export interface IndexBuildProgress {
  readonly tableId: number;
  readonly indexId: number;
  readonly phase: "building index";
  readonly tuplesTotal: number;
  readonly tuplesDone: number;
}

/** Rows between two progress reports of an index build. */
const progressIntervalRows = 1024;

const serialTypes: Readonly<Record<string, number>> = {
  serial: TypeOid.int4,
  serial4: TypeOid.int4,
  bigserial: TypeOid.int8,
  serial8: TypeOid.int8,
  smallserial: TypeOid.int2,
  serial2: TypeOid.int2,
};

const sequenceMax: Readonly<Record<number, bigint>> = { [TypeOid.int2]: 32767n, [TypeOid.int4]: 2147483647n, [TypeOid.int8]: 9223372036854775807n };

/**
 * The schema a new object goes into: the one named, or the first existing one on the search path
 * (which leaves out schemas without USAGE); current_user needs CREATE on it (42501).
 */
export function creationSchema(env: DdlEnvironment, name: readonly string[]): string {
  const named = name.length > 1 ? (name.at(-2) ?? "") : undefined;
  const schemaName = named ?? env.searchPath.find((candidate) => env.catalog.schema(candidate) !== undefined);
  if (schemaName === undefined) throw new InvalidSchemaNameError("no schema has been selected to create in");
  const schema = env.catalog.schema(schemaName);
  if (schema === undefined) throw new InvalidSchemaNameError(`schema "${schemaName}" does not exist`);
  if (!env.auth.checker.has(env.auth.roleId, schema, "C")) throw permissionDenied(schema);
  return schemaName;
}

/** A new object's owner (current_user) and its ACL from ALTER DEFAULT PRIVILEGES, if any. */
function ownership(env: DdlEnvironment, schema: string, objectClass: "table" | "sequence"): { readonly owner: number; readonly acl?: readonly AclEntry[] } {
  const acl = initialAcl(env.catalog, env.auth.roleId, env.catalog.schema(schema)?.id ?? 0, objectClass);
  return { owner: env.auth.roleId, ...(acl === undefined ? {} : { acl }) };
}

/** ALTER, DROP and CREATE INDEX need ownership (or the privileges of the owner's role). */
export function requireOwner(env: DdlEnvironment, object: OwnedObject): void {
  env.auth.checker.requireOwner(env.auth.roleId, object);
}

/** DROP: the object's owner, or the owner of its schema, as PostgreSQL allows. */
export function requireDropRight(env: DdlEnvironment, object: OwnedObject): void {
  const schema = object.kind === "schema" || object.kind === "database" ? undefined : env.catalog.schema(object.schema);
  if (schema !== undefined && env.auth.checker.isOwner(env.auth.roleId, schema)) return;
  if (!env.auth.checker.isOwner(env.auth.roleId, object)) throw mustBeOwner(object);
}

/** A name not yet taken in `schema`: `base`, else `base1`, `base2`… (PostgreSQL's ChooseRelationName). */
function chooseName(taken: (name: string) => boolean, base: string): string {
  const truncated = base.slice(0, 63);
  if (!taken(truncated)) return truncated;
  for (let n = 1; ; n++) {
    const candidate = `${base.slice(0, 63 - String(n).length)}${n}`;
    if (!taken(candidate)) return candidate;
  }
}

// ---------------------------------------------------------------------------------------------
// CREATE TABLE

export async function createTable(env: DdlEnvironment, statement: CreateTableStatement): Promise<boolean> {
  // The tables its foreign keys reference may not be dropped or altered under it (shared: their
  // writers go on, the new table is empty).
  for (const parent of referencedTables(env, statement)) await env.lockRelation?.(parent.id, "share", { isReferenced: true });
  const name = statement.name.at(-1) ?? "";
  const schema = creationSchema(env, statement.name);
  if (env.catalog.isNameTaken(schema, name)) {
    if (statement.ifNotExists) {
      env.notice(`relation "${name}" already exists, skipping`, "NOTICE", "42P07");
      return false;
    }
    throw new DuplicateTableError(`relation "${name}" already exists`);
  }
  const names = new Set<string>([name]);
  const taken = (candidate: string): boolean => names.has(candidate) || env.catalog.isNameTaken(schema, candidate);
  const claim = (base: string): string => {
    const chosen = chooseName(taken, base);
    names.add(chosen);
    return chosen;
  };
  const columns: ColumnDefinition[] = [];
  const sequences: SequenceDefinition[] = [];
  const constraints: TableConstraint[] = [...statement.constraints];
  for (const column of statement.columns) {
    if (columns.some((c) => c.name === column.name)) throw new DuplicateColumnError(`column "${column.name}" specified more than once`);
    const { definition, sequence, tableConstraints } = defineColumn(env, schema, name, column, claim);
    columns.push(definition);
    if (sequence !== undefined) sequences.push(sequence);
    constraints.push(...tableConstraints);
  }
  // After the serial columns' sequences, as PostgreSQL creates them first (their ids are lower).
  const id = env.allocateObjectId();
  let table: TableDefinition = { kind: "table", id, schema, name, columns, indexes: [], checks: [], foreignKeys: [], schemaVersion: 1, ...ownership(env, schema, "table") };
  for (const constraint of constraints) table = addConstraint(env, table, constraint, claim);
  for (const sequence of sequences) {
    await env.catalog.write(env.txn, { ...sequence, ...ownership(env, schema, "sequence"), ownedBy: { tableId: id, column: sequence.ownedBy?.column ?? "" } });
    env.sequences.reset(sequence);
  }
  await env.catalog.write(env.txn, table);
  return true;
}

function defineColumn(
  env: DdlEnvironment,
  schema: string,
  table: string,
  column: ColumnDef,
  claim: (base: string) => string,
): { definition: ColumnDefinition; sequence?: SequenceDefinition; tableConstraints: TableConstraint[] } {
  const typeName = column.type.names.at(-1) ?? "";
  const serialOid = column.type.names.length === 1 && column.type.arrayBounds.length === 0 ? serialTypes[typeName] : undefined;
  const target = serialOid === undefined ? resolveTypeTarget(column.type, env.settings) : { type: { oid: serialOid, typmod: -1 } };
  const type = target.type;
  let definition: ColumnDefinition = { name: column.name, typeOid: type.oid, typmod: type.typmod, isNotNull: false, ...(target.domain === undefined ? {} : { domain: target.domain.oid }) };
  let sequence: SequenceDefinition | undefined;
  const tableConstraints: TableConstraint[] = [];
  if (serialOid !== undefined) {
    sequence = sequenceFor(env, schema, claim(`${table}_${column.name}_seq`), serialOid, [], column.name);
    definition = { ...definition, isNotNull: true, defaultSql: `nextval('${sequence.name}')` };
  }
  for (const constraint of column.constraints) {
    const pos = constraint.pos;
    if (constraint.type === "not_null") definition = { ...definition, isNotNull: true };
    else if (constraint.type === "null") definition = { ...definition, isNotNull: false };
    else if (constraint.type === "default") definition = { ...definition, defaultSql: checkedDefault(env, definition, constraint.expr) };
    else if (constraint.type === "primary_key" || constraint.type === "unique") tableConstraints.push({ kind: "table_constraint", type: constraint.type, columns: [column.name], pos, ...nameOf(constraint.name) });
    else if (constraint.type === "check") tableConstraints.push({ kind: "table_constraint", type: "check", expr: constraint.expr, pos, ...nameOf(constraint.name) });
    else if (constraint.type === "references") {
      const { type: _type, kind: _kind, name: constraintName, pos: _pos, ...spec } = constraint;
      tableConstraints.push({ kind: "table_constraint", type: "foreign_key", columns: [column.name], pos, ...spec, ...nameOf(constraintName) });
    } else if (constraint.type === "identity") {
      sequence = sequenceFor(env, schema, claim(`${table}_${column.name}_seq`), type.oid, constraint.options, column.name);
      definition = { ...definition, isNotNull: true, identity: constraint.generated, identitySequence: sequence.id };
    } else {
      throw new FeatureNotSupportedError("generated columns are not supported yet");
    }
  }
  if (!isKeyEncodable(type.oid) && tableConstraints.some((c) => c.type === "primary_key" || c.type === "unique")) {
    throw new FeatureNotSupportedError(`a ${typeName} column cannot be part of a key yet`);
  }
  return { definition, ...(sequence === undefined ? {} : { sequence }), tableConstraints };
}

function nameOf(name: string | undefined): { readonly name?: string } {
  return name === undefined ? {} : { name };
}

/** Binds the default once now, so a bad default fails at CREATE (as in PostgreSQL), and keeps its text. */
function checkedDefault(env: DdlEnvironment, column: ColumnDefinition, expr: Expr): string {
  const sql = deparse(expr);
  const context = { settings: env.settings, paramTypes: [], sql };
  coerce(bindExpr(expr, context), { oid: column.typeOid, typmod: column.typmod }, "assignment", context);
  return sql;
}

function sequenceFor(env: DdlEnvironment, schema: string, name: string, typeOid: number, options: readonly SequenceOption[], column?: string): SequenceDefinition {
  const base = sequenceDefinition(env.allocateObjectId(), schema, name, typeOid, options);
  return column === undefined ? base : { ...base, ownedBy: { tableId: 0, column } };
}

function sequenceDefinition(id: number, schema: string, name: string, typeOid: number, options: readonly SequenceOption[]): SequenceDefinition {
  const numberOption = (option: string): bigint | undefined => {
    const found = options.find((o) => o.name === option && !o.isNegated);
    const value = found?.value;
    return value !== undefined && !Array.isArray(value) && "kind" in value && value.kind === "number" ? BigInt(value.text) : undefined;
  };
  const asType = options.find((o) => o.name === "as")?.value;
  const oid = asType !== undefined && !Array.isArray(asType) && "kind" in asType && asType.kind === "type_name" ? resolveTypeName(asType).oid : typeOid;
  const increment = numberOption("increment") ?? 1n;
  const max = numberOption("maxvalue") ?? (increment > 0n ? (sequenceMax[oid] ?? sequenceMax[TypeOid.int8] ?? 0n) : -1n);
  const min = numberOption("minvalue") ?? (increment > 0n ? 1n : -(sequenceMax[oid] ?? 0n) - 1n);
  const start = numberOption("start") ?? (increment > 0n ? min : max);
  const isCycle = options.some((o) => o.name === "cycle" && !o.isNegated);
  return { kind: "sequence", id, schema, name, typeOid: oid, start: String(start), increment: String(increment), min: String(min), max: String(max), isCycle };
}

/** Adds a table constraint to the definition (checking it is well-formed; data is checked by the caller). */
function addConstraint(env: DdlEnvironment, table: TableDefinition, constraint: TableConstraint, claim: (base: string) => string): TableDefinition {
  const position = (name: string): number => {
    const index = table.columns.findIndex((c) => c.name === name);
    if (index < 0) throw new UndefinedColumnError(`column "${name}" named in key does not exist`);
    return index;
  };
  if (constraint.type === "primary_key") {
    if (table.primaryKey !== undefined) throw new InvalidTableDefinitionError(`multiple primary keys for table "${table.name}" are not allowed`);
    const columns = constraint.columns.map(position);
    assertKeyTypes(table, columns);
    const name = constraint.name ?? claim(`${table.name}_pkey`);
    const withNotNull = table.columns.map((c, i) => (columns.includes(i) ? { ...c, isNotNull: true } : c));
    return { ...table, columns: withNotNull, primaryKey: { id: env.allocateObjectId(), name, columns } };
  }
  if (constraint.type === "unique") {
    const columns = constraint.columns.map(position);
    assertKeyTypes(table, columns);
    const name = constraint.name ?? claim(`${table.name}_${constraint.columns.join("_")}_key`);
    const index: IndexDefinition = { id: env.allocateObjectId(), name, columns, descending: columns.map(() => false), isUnique: true, isConstraint: true };
    return { ...table, indexes: [...table.indexes, index] };
  }
  if (constraint.type === "check") {
    const referenced = firstColumnReferenced(constraint.expr, table);
    const name = constraint.name ?? claim(referenced === undefined ? `${table.name}_check` : `${table.name}_${referenced}_check`);
    const check: CheckDefinition = { name, sql: deparse(constraint.expr) };
    compileTableExpr(env.catalog.withTypeSnapshots(table), check.sql, { oid: TypeOid.bool, typmod: -1 }, env.registry);
    return { ...table, checks: [...table.checks, check] };
  }
  if (constraint.type === "foreign_key") return { ...table, foreignKeys: [...table.foreignKeys, foreignKeyOf(env, table, constraint, position, claim)] };
  throw new FeatureNotSupportedError(`${String(constraint.type)} constraints are not supported`);
}

function foreignKeyOf(
  env: DdlEnvironment,
  table: TableDefinition,
  constraint: Extract<TableConstraint, { type: "foreign_key" }>,
  position: (name: string) => number,
  claim: (base: string) => string,
): ForeignKeyDefinition {
  const columns = constraint.columns.map(position);
  const refName = constraint.refTable.at(-1) ?? "";
  const isSelf = refName === table.name && (constraint.refTable.length === 1 || constraint.refTable.at(-2) === table.schema);
  const parent = isSelf ? table : env.catalog.findRelation(constraint.refTable.length > 1 ? constraint.refTable.at(-2) : undefined, refName, env.searchPath);
  if (parent === undefined) throw new UndefinedTableError(`relation "${constraint.refTable.join(".")}" does not exist`);
  if (parent.kind !== "table") throw new WrongObjectTypeError(`referenced relation "${refName}" is not a table`);
  const canReference = (column: number): boolean => {
    const definition = parent.columns[column];
    return definition !== undefined && env.auth.checker.hasColumn(env.auth.roleId, parent, definition, "x");
  };
  let refColumns: number[];
  if (constraint.refColumns.length === 0) {
    if (parent.primaryKey === undefined) throw new UndefinedObjectError(`there is no primary key for referenced table "${parent.name}"`);
    refColumns = [...parent.primaryKey.columns];
  } else {
    refColumns = constraint.refColumns.map((name) => {
      const index = parent.columns.findIndex((c) => c.name === name);
      if (index < 0) throw new UndefinedColumnError(`column "${name}" referenced in foreign key constraint does not exist`);
      return index;
    });
  }
  if (refColumns.length !== columns.length) throw new InvalidForeignKey("number of referencing and referenced columns for foreign key disagree");
  const isKey = (keyColumns: readonly number[]): boolean => keyColumns.length === refColumns.length && keyColumns.every((c) => refColumns.includes(c));
  if (!(parent.primaryKey !== undefined && isKey(parent.primaryKey.columns)) && !parent.indexes.some((i) => i.isUnique && i.predicate === undefined && isKey(i.columns))) {
    throw new InvalidForeignKey(`there is no unique constraint matching given keys for referenced table "${parent.name}"`);
  }
  // As PostgreSQL, after the key is found: REFERENCES on the table, or on each referenced column.
  if (!refColumns.every(canReference)) throw permissionDenied(parent);
  const name = constraint.name ?? claim(`${table.name}_${constraint.columns.join("_")}_fkey`);
  const foreignKey: ForeignKeyDefinition = { name, columns, refTableId: parent.id, refColumns, onDelete: constraint.onDelete ?? "no_action", onUpdate: constraint.onUpdate ?? "no_action" };
  assertForeignKeyTypes(foreignKey, table, parent);
  return foreignKey;
}

const integerKeyTypes: ReadonlySet<number> = new Set([TypeOid.int2, TypeOid.int4, TypeOid.int8]);
const stringKeyTypes: ReadonlySet<number> = new Set([TypeOid.text, TypeOid.varchar]);

/**
 * A foreign key compares each referencing column with its referenced one through the referenced
 * key's encoding: the same type, integers of any widths (keys hold every integer as int8), or
 * text and varchar. Anything else is PostgreSQL's 42804 for types without a usable equality.
 */
function assertForeignKeyTypes(foreignKey: ForeignKeyDefinition, child: TableDefinition, parent: TableDefinition): void {
  foreignKey.columns.forEach((column, i) => {
    const referencing = child.columns[column];
    const referenced = parent.columns[foreignKey.refColumns[i] ?? -1];
    if (referencing === undefined || referenced === undefined) return;
    const [a, b] = [referencing.typeOid, referenced.typeOid];
    const isCompatible = a === b || (integerKeyTypes.has(a) && integerKeyTypes.has(b)) || (stringKeyTypes.has(a) && stringKeyTypes.has(b));
    if (!isCompatible) {
      throw new DatatypeMismatchError(`foreign key constraint "${foreignKey.name}" cannot be implemented`, {
        detail: `Key columns "${referencing.name}" and "${referenced.name}" are of incompatible types: ${formatType(a, -1)} and ${formatType(b, -1)}.`,
      });
    }
  });
}

class InvalidForeignKey extends DbError {
  override readonly name: string = "InvalidForeignKeyError";
  readonly sqlState = SqlState.InvalidForeignKey;
}

function assertKeyTypes(table: TableDefinition, columns: readonly number[]): void {
  for (const column of columns) {
    const definition = table.columns[column];
    if (definition !== undefined && !isKeyEncodable(definition.typeOid)) {
      throw new FeatureNotSupportedError(`a column of type ${formatTypeName(definition.typeOid)} cannot be part of a key yet`);
    }
  }
}


function firstColumnReferenced(expr: Expr, table: TableDefinition): string | undefined {
  const text = deparse(expr);
  let first: { name: string; at: number } | undefined;
  for (const column of table.columns) {
    const match = new RegExp(`(^|[^a-z0-9_"])"?${column.name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}"?($|[^a-z0-9_"])`).exec(text);
    if (match !== null && (first === undefined || match.index < first.at)) first = { name: column.name, at: match.index };
  }
  return first?.name;
}

// ---------------------------------------------------------------------------------------------
// DROP, TRUNCATE

export async function drop(env: DdlEnvironment, statement: DropStatement): Promise<void> {
  for (const name of statement.names) {
    const relationName = name.at(-1) ?? "";
    const schema = name.length > 1 ? name.at(-2) : undefined;
    if (statement.objectType === "schema") {
      await dropSchema(env, relationName, statement.ifExists, statement.behavior === "cascade");
      continue;
    }
    if (statement.objectType === "index") {
      await dropIndex(env, schema, relationName, statement.ifExists);
      continue;
    }
    const relation = env.catalog.findRelation(schema, relationName, env.searchPath);
    const kind = statement.objectType === "sequence" ? "sequence" : statement.objectType === "view" ? "view" : "table";
    if (relation === undefined || relation.kind !== kind) {
      if (relation !== undefined) throw new WrongObjectTypeError(`"${relationName}" is not a ${statement.objectType}`, { hint: `Use DROP ${relation.kind.toUpperCase()} to remove a ${relation.kind}.` });
      if (statement.ifExists) {
        env.notice(`${statement.objectType} "${relationName}" does not exist, skipping`);
        continue;
      }
      if (statement.objectType === "view") throw new UndefinedTableError(`view "${relationName}" does not exist`);
      throw new UndefinedTableError(`${statement.objectType} "${relationName}" does not exist`);
    }
    requireDropRight(env, relation);
    if (relation.kind === "sequence") {
      await env.catalog.remove(env.txn, relation.id);
      env.sequences.drop(relation.id);
    } else if (relation.kind === "view") {
      await dropDependentViews(env, relation.id, relation.name, "view", statement.behavior === "cascade");
      await env.catalog.remove(env.txn, relation.id);
    } else {
      await dropTable(env, relation, statement.behavior === "cascade");
    }
  }
}

/** Views built on relation `id`: an error (2BP01) unless CASCADE, which drops them (and theirs). */
/** The views that read relation `id` (their `dependsOn`). */
function viewsDependingOn(env: DdlEnvironment, id: number): ViewDefinition[] {
  return Array.from(env.catalog.objects()).filter((o): o is ViewDefinition => o.kind === "view" && o.dependsOn.includes(id));
}

async function dropDependentViews(env: DdlEnvironment, id: number, name: string, kind: string, isCascade: boolean): Promise<void> {
  const dependents = viewsDependingOn(env, id);
  if (dependents.length === 0) return;
  if (!isCascade) {
    throw new DependentObjectsStillExistError(`cannot drop ${kind} ${name} because other objects depend on it`, {
      detail: dependents.map((view) => `view ${view.name} depends on ${kind} ${name}`).join("\n"),
      hint: "Use DROP ... CASCADE to drop the dependent objects too.",
    });
  }
  for (const view of dependents) {
    if (env.catalog.get(view.id) === undefined) continue;
    env.notice(`drop cascades to view ${view.name}`);
    await dropDependentViews(env, view.id, view.name, "view", true);
    await env.catalog.remove(env.txn, view.id);
  }
}

// ---------------------------------------------------------------------------------------------
// Views and CREATE TABLE AS

/** CREATE [OR REPLACE] VIEW: the query is planned now (so errors show at creation) and stored as text. */
export async function createView(env: DdlEnvironment, statement: CreateViewStatement): Promise<void> {
  const name = statement.name.at(-1) ?? "";
  const schema = creationSchema(env, statement.name);
  const existing = env.catalog.relation(schema, name);
  if (existing !== undefined && !(statement.orReplace && existing.kind === "view")) throw new DuplicateTableError(`relation "${name}" already exists`);
  if (existing !== undefined) requireOwner(env, existing);
  // The views the query names are expanded by the planner: record them as dependencies too.
  const usedViews = new Set<number>();
  const recording: Catalog = {
    findTable: (s, n) => env.planner.findTable(s, n),
    findView: (s, n) => {
      const found = env.planner.findView(s, n);
      const relation = found === undefined ? undefined : env.catalog.findRelation(s, n, env.searchPath);
      if (relation !== undefined) usedViews.add(relation.id);
      return found;
    },
  };
  const { plan, columns } = planQuery(env, statement.query, recording);
  if (statement.columns.length > columns.length) throw new InvalidTableDefinitionError("CREATE VIEW specifies more column names than columns");
  const names = columns.map((c, i) => statement.columns[i] ?? c.name);
  if (existing?.kind === "view") {
    const kept = existing.columns.every((c, i) => names[i] === c);
    if (!kept) throw new InvalidTableDefinitionError(`cannot change name of view column "${existing.columns.find((c, i) => names[i] !== c) ?? ""}"`);
  }
  const view: ViewDefinition = {
    kind: "view",
    id: existing?.id ?? env.allocateObjectId(),
    schema,
    name,
    sql: deparse(statement.query),
    columns: names,
    dependsOn: [...relationsOf(plan), ...usedViews],
    ...(existing === undefined ? ownership(env, schema, "table") : { owner: existing.owner ?? env.auth.roleId, ...(existing.acl === undefined ? {} : { acl: existing.acl }) }),
  };
  await env.catalog.write(env.txn, view);
}

/** The ids of the tables a plan reads (views are already expanded into their tables). */
function relationsOf(node: unknown, found = new Set<number>()): number[] {
  if (typeof node === "object" && node !== null) {
    if ("table" in node && typeof node.table === "object" && node.table !== null && "id" in node.table && typeof node.table.id === "number") found.add(node.table.id);
    for (const value of Object.values(node)) if (typeof value === "object") relationsOf(value, found);
  }
  return [...found];
}

/** CREATE TABLE … AS query: a table with the query's columns and types, filled with its rows. */
export async function createTableAs(env: DdlEnvironment, statement: CreateTableAsStatement): Promise<number> {
  const name = statement.name.at(-1) ?? "";
  const schema = creationSchema(env, statement.name);
  if (env.catalog.isNameTaken(schema, name)) {
    if (statement.ifNotExists) {
      env.notice(`relation "${name}" already exists, skipping`, "NOTICE", "42P07");
      return 0;
    }
    throw new DuplicateTableError(`relation "${name}" already exists`);
  }
  const { plan, columns } = planQuery(env, statement.query);
  const definition: TableDefinition = {
    kind: "table",
    id: env.allocateObjectId(),
    schema,
    name,
    columns: columns.map((c, i) => ({
      name: statement.columns[i] ?? c.name,
      typeOid: c.type.oid === TypeOid.unknown ? TypeOid.text : c.type.oid,
      typmod: c.type.typmod,
      isNotNull: false,
    })),
    indexes: [],
    checks: [],
    foreignKeys: [],
    schemaVersion: 1,
    ...ownership(env, schema, "table"),
  };
  await env.catalog.write(env.txn, definition);
  if (!statement.withData) return 0;
  // The new table's storage is the transaction's own: the rows go straight to the store when they
  // may (storage/bulk-rows.ts), and the query's rows then stream, since those writes land outside
  // the write set its scans merge; through the write set they are collected first.
  const bulk = await env.openBulkLoad?.(definition);
  let count = 0;
  try {
    const writer = new RowWriter(bulk === undefined ? env : { ...env, txn: bulk }, definition);
    const rows = bulk === undefined ? Array.from(streamPlan(env, plan)) : streamPlan(env, plan);
    for (const row of rows) {
      await writer.insert([...row, await env.allocateRowId(tableStorage(definition))]);
      count += 1;
    }
    await bulk?.flush();
  } finally {
    bulk?.close();
  }
  return count;
}

async function dropTable(env: DdlEnvironment, found: TableDefinition, isCascade: boolean): Promise<void> {
  const table = await lockForDdl(env, found);
  await dropDependentViews(env, table.id, table.name, "table", isCascade);
  for (const child of Array.from(env.catalog.tables())) {
    if (child.id === table.id) continue;
    const referencing = child.foreignKeys.filter((fk) => fk.refTableId === table.id);
    if (referencing.length === 0) continue;
    if (!isCascade) {
      throw new DependentObjectsStillExistError(`cannot drop table ${table.name} because other objects depend on it`, {
        detail: referencing.map((fk) => `constraint ${fk.name} on table ${child.name} depends on table ${table.name}`).join("\n"),
        hint: "Use DROP ... CASCADE to drop the dependent objects too.",
      });
    }
    env.notice(`drop cascades to constraint ${referencing.map((fk) => fk.name).join(", ")} on table ${child.name}`);
    await env.catalog.write(env.txn, { ...child, foreignKeys: child.foreignKeys.filter((fk) => fk.refTableId !== table.id) });
  }
  await markForReclaim(env, tableStorage(table));
  for (const index of table.indexes) await markForReclaim(env, indexStorage(index));
  for (const object of Array.from(env.catalog.objects())) {
    if (object.kind === "sequence" && object.ownedBy?.tableId === table.id) {
      await env.catalog.remove(env.txn, object.id);
      env.sequences.drop(object.id);
    }
  }
  await env.catalog.remove(env.txn, table.id);
}

/** The existing tables `node` names in REFERENCES clauses, in id order (a name that resolves to none is left to the DDL to report). */
function referencedTables(env: DdlEnvironment, node: unknown): TableDefinition[] {
  const found = new Map<number, TableDefinition>();
  const visit = (value: unknown): void => {
    if (typeof value !== "object" || value === null) return;
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    if ("refTable" in value && Array.isArray(value.refTable)) {
      const name = value.refTable.filter((part): part is string => typeof part === "string");
      const relation = env.catalog.findRelation(name.length > 1 ? name.at(-2) : undefined, name.at(-1) ?? "", env.searchPath);
      if (relation?.kind === "table") found.set(relation.id, relation);
    }
    for (const child of Object.values(value)) visit(child);
  };
  visit(node);
  return [...found.values()].sort((a, b) => a.id - b.id);
}

/**
 * Takes `table`'s exclusive lock — DDL waits for the transactions writing the table and they for
 * it — and returns its definition as it is now: another DDL may have committed a change to it
 * while this one waited. 42P01 if that one dropped it.
 */
async function lockForDdl(env: DdlEnvironment, table: TableDefinition): Promise<TableDefinition> {
  if (env.lockRelation === undefined) return table;
  await env.lockRelation(table.id, "exclusive");
  // The definition's own row lock too, from now until the end: a GRANT or COMMENT on the table
  // (which take no table lock) waits, instead of committing a change this DDL would write over.
  await env.txn.getForUpdate(catalogKey(table.id));
  const current = env.catalog.table(table.id);
  if (current === undefined) throw new UndefinedTableError(`relation "${table.name}" does not exist`);
  return current;
}

/**
 * Leaves the keys under storage id `storage`, which the transaction stops using, to the
 * reclaimer: it deletes them once the transaction has committed (storage/range-reclaimer.ts), so
 * a drop or truncation of any size is a small transaction. Only for a storage id no definition
 * will name again.
 */
async function markForReclaim(env: DdlEnvironment, storage: number): Promise<void> {
  await env.txn.put(reclaimMarkerKey(storage), new Uint8Array(0));
}

/**
 * `table` and its indexes on new, empty storage ids (PostgreSQL's new relfilenodes), the old
 * ones left to the reclaimer once the transaction commits. Nothing else can write the new ids
 * before then: writers lock the table, and DDL holds it exclusive.
 */
async function withNewStorage(env: DdlEnvironment, table: TableDefinition): Promise<TableDefinition> {
  await markForReclaim(env, tableStorage(table));
  for (const index of table.indexes) await markForReclaim(env, indexStorage(index));
  return { ...table, storage: env.allocateObjectId(), indexes: table.indexes.map((index) => ({ ...index, storage: env.allocateObjectId() })) };
}

/**
 * `table`'s indexes on new storage ids, built again from its rows as the transaction sees them
 * (after a rewrite changed the row keys they point at); the old entries go to the reclaimer.
 */
async function rebuildIndexes(env: DdlEnvironment, table: TableDefinition): Promise<TableDefinition> {
  let rebuilt: TableDefinition = { ...table, indexes: [] };
  for (const index of table.indexes) {
    await markForReclaim(env, indexStorage(index));
    const moved = { ...index, storage: env.allocateObjectId() };
    await buildIndex(env, rebuilt, moved, true);
    rebuilt = { ...rebuilt, indexes: [...rebuilt.indexes, moved] };
  }
  return rebuilt;
}

async function dropIndex(env: DdlEnvironment, schema: string | undefined, name: string, ifExists: boolean): Promise<void> {
  const found = env.catalog.findIndex(schema, name, env.searchPath);
  if (found === undefined) {
    if (ifExists) {
      env.notice(`index "${name}" does not exist, skipping`);
      return;
    }
    throw new UndefinedObjectError(`index "${name}" does not exist`);
  }
  if (!env.auth.checker.isOwner(env.auth.roleId, found.table)) throw new InsufficientPrivilegeError(`must be owner of index ${name}`);
  const table = await lockForDdl(env, found.table);
  const index = table.indexes.find((i) => i.id === found.indexId);
  if (index === undefined || index.isConstraint) {
    throw new DependentObjectsStillExistError(`cannot drop index ${name} because constraint ${name} on table ${table.name} requires it`, {
      hint: `You can drop constraint ${name} on table ${table.name} instead.`,
    });
  }
  await markForReclaim(env, indexStorage(index));
  await env.catalog.write(env.txn, { ...table, indexes: table.indexes.filter((i) => i.id !== index.id) });
}

/**
 * DROP OWNED BY roles: their privileges are revoked, then what they own is dropped — views,
 * tables (with their sequences and indexes), sequences, schemas; objects of other roles that
 * depend on them need CASCADE, as in PostgreSQL.
 */
export async function dropOwned(env: DdlEnvironment, statement: DropOwnedStatement): Promise<void> {
  const roles = ownedRoles(env, statement.roles, "drop");
  const ids = new Set(roles.map((r) => r.id));
  for (const role of roles) await revokeAllFrom(env, role.id);
  const order = ["view", "table", "sequence", "schema"] as const;
  for (const objectType of order) {
    for (const object of Array.from(env.catalog.objects())) {
      if (object.kind !== objectType || !ids.has(ownerOf(object)) || env.catalog.get(object.id) === undefined) continue;
      const names = object.kind === "schema" ? [[object.name]] : [[object.schema, object.name]];
      await drop(env, { kind: "drop", pos: statement.pos, objectType, names, ifExists: false, isConcurrent: false, ...(statement.behavior === undefined ? {} : { behavior: statement.behavior }) });
    }
  }
}

async function dropSchema(env: DdlEnvironment, name: string, ifExists: boolean, isCascade: boolean): Promise<void> {
  const schema = env.catalog.schema(name);
  if (schema === undefined) {
    if (ifExists) {
      env.notice(`schema "${name}" does not exist, skipping`);
      return;
    }
    throw new InvalidSchemaNameError(`schema "${name}" does not exist`);
  }
  requireOwner(env, schema);
  const members = [...env.catalog.objects()].filter((o) => isRelation(o) && o.schema === name);
  if (members.length > 0 && !isCascade) {
    throw new DependentObjectsStillExistError(`cannot drop schema ${name} because other objects depend on it`, { hint: "Use DROP ... CASCADE to drop the dependent objects too." });
  }
  for (const member of members) {
    if (env.catalog.get(member.id) === undefined) continue;
    if (member.kind === "table") await dropTable(env, member, true);
    else if (env.catalog.get(member.id) !== undefined) await env.catalog.remove(env.txn, member.id);
  }
  await env.catalog.remove(env.txn, schema.id);
}

export async function createSchema(env: DdlEnvironment, name: string, ifNotExists: boolean, owner: number): Promise<void> {
  if (env.catalog.schema(name) !== undefined) {
    if (ifNotExists) {
      env.notice(`schema "${name}" already exists, skipping`, "NOTICE", "42P06");
      return;
    }
    throw new DuplicateSchemaError(`schema "${name}" already exists`);
  }
  const acl = initialAcl(env.catalog, owner, 0, "schema");
  await env.catalog.write(env.txn, { kind: "schema", id: env.allocateObjectId(), name, owner, ...(acl === undefined ? {} : { acl }) });
}

export async function truncate(env: DdlEnvironment, statement: TruncateStatement): Promise<void> {
  const found = statement.tables.map((name) => {
    const relation = env.catalog.findRelation(name.length > 1 ? name.at(-2) : undefined, name.at(-1) ?? "", env.searchPath);
    if (relation?.kind !== "table") throw new UndefinedTableError(`relation "${name.join(".")}" does not exist`);
    return relation;
  });
  // Every table locked (in id order, so two TRUNCATEs of the same tables cannot deadlock) before
  // the foreign keys that point at them are looked at: one added meanwhile is seen.
  const tables: TableDefinition[] = [];
  // (A table named twice is truncated once.)
  const distinct = [...new Map(found.map((table) => [table.id, table])).values()];
  for (const table of distinct.sort((a, b) => a.id - b.id)) tables.push(await lockForDdl(env, table));
  const ids = new Set(tables.map((t) => t.id));
  for (const child of env.catalog.tables()) {
    const fk = child.foreignKeys.find((f) => ids.has(f.refTableId) && !ids.has(child.id));
    if (fk !== undefined && statement.behavior !== "cascade") {
      throw new FeatureNotSupportedError("cannot truncate a table referenced in a foreign key constraint", {
        detail: `Table "${child.name}" references "${tables.find((t) => t.id === fk.refTableId)?.name ?? ""}".`,
        hint: `Truncate table "${child.name}" at the same time, or use TRUNCATE ... CASCADE.`,
      });
    }
  }
  // Each table moves to new, empty storage: no row is deleted in the transaction, so a table of
  // any size truncates at once. As in PostgreSQL, this is not MVCC-safe: a transaction whose
  // snapshot is older than the commit then sees the table empty.
  for (const table of tables) {
    // Rows written, for auto-analyze and for the REPEATABLE READ checks of later DDL.
    env.changedRows?.set(table.id, (env.changedRows.get(table.id) ?? 0) + Math.max(1, env.estimatedRows(table.id)));
    await env.catalog.write(env.txn, await withNewStorage(env, table));
  }
  // RESTART IDENTITY: the sequences the tables' columns own (SERIAL, identity) start over, in the transaction.
  if (statement.restartIdentity) {
    for (const object of env.catalog.objects()) {
      if (object.kind === "sequence" && object.ownedBy !== undefined && ids.has(object.ownedBy.tableId)) env.sequences.reset(object);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// CREATE INDEX

export async function createIndex(env: DdlEnvironment, statement: CreateIndexStatement): Promise<void> {
  const tableName = statement.table.at(-1) ?? "";
  const found = env.catalog.findRelation(statement.table.length > 1 ? statement.table.at(-2) : undefined, tableName, env.searchPath);
  if (found === undefined) throw new UndefinedTableError(`relation "${statement.table.join(".")}" does not exist`);
  if (found.kind !== "table") throw new WrongObjectTypeError(`"${tableName}" is not a table`);
  requireOwner(env, found);
  const table = await lockForDdl(env, found);
  // PostgreSQL's DefineIndex: the owner still needs CREATE on the table's schema.
  const schema = env.catalog.schema(table.schema);
  if (schema !== undefined && !env.auth.checker.has(env.auth.roleId, schema, "C")) throw permissionDenied(schema);
  if (statement.method !== undefined && statement.method !== "btree") throw new FeatureNotSupportedError(`access method "${statement.method}" is not supported`);
  // Per element: a column's position, or -1 and the expression's checked SQL.
  const expressions = statement.elements.map((element) => (element.column === undefined && element.expr !== undefined ? checkedIndexExpression(table, element.expr) : null));
  const columns = statement.elements.map((element, i) => {
    if (expressions[i] !== null) return -1;
    const index = table.columns.findIndex((c) => c.name === element.column);
    if (index < 0) throw new UndefinedColumnError(`column "${element.column ?? ""}" does not exist`);
    return index;
  });
  assertKeyTypes(table, columns);
  // PostgreSQL names an expression element after its function (`t_lower_idx`), else "expr".
  const names = statement.elements.map((e) => e.column ?? (e.expr?.kind === "func_call" ? (e.expr.name.at(-1) ?? "expr") : "expr"));
  const name = statement.name ?? chooseName((n) => env.catalog.isNameTaken(table.schema, n), `${table.name}_${names.join("_")}_idx`);
  if (env.catalog.isNameTaken(table.schema, name)) {
    if (statement.ifNotExists) {
      env.notice(`relation "${name}" already exists, skipping`, "NOTICE", "42P07");
      return;
    }
    throw new DuplicateTableError(`relation "${name}" already exists`);
  }
  const predicate = statement.where === undefined ? undefined : checkedIndexPredicate(table, statement.where);
  const index: IndexDefinition = {
    id: env.allocateObjectId(),
    name,
    columns,
    descending: statement.elements.map((e) => e.direction === "desc"),
    isUnique: statement.isUnique,
    isConstraint: false,
    ...(predicate === undefined ? {} : { predicate }),
    ...(expressions.every((e) => e === null) ? {} : { expressions }),
  };
  await buildIndex(env, table, index, true);
}

/**
 * An expression index element, checked as PostgreSQL checks it, and its stored text: no
 * subqueries (0A000), only immutable functions (42P17), a type that can be a key.
 */
function checkedIndexExpression(table: TableDefinition, expr: Expr): string {
  const { sql, bound } = boundIndexPart(table, expr, "expression");
  if (!isKeyEncodable(bound.type.oid)) throw new FeatureNotSupportedError(`an expression of type ${formatTypeName(bound.type.oid)} cannot be part of a key yet`);
  return sql;
}

/**
 * What an index's expressions and predicate share: no subqueries (0A000), then `checkType` (as
 * PostgreSQL, before mutability), then immutable functions only (42P17).
 */
function boundIndexPart(table: TableDefinition, expr: Expr, what: "expression" | "predicate", checkType: (bound: BoundExpr) => void = () => undefined): { readonly sql: string; readonly bound: BoundExpr } {
  if (mentionsSubquery(expr)) throw new FeatureNotSupportedError(`cannot use subquery in index ${what}`);
  const sql = deparse(expr);
  const bound = bindTableExpr(table, sql);
  checkType(bound);
  if (!isImmutableExpr(bound)) throw new InvalidObjectDefinitionError(`functions in index ${what} must be marked IMMUTABLE`);
  return { sql, bound };
}

/**
 * A partial index's predicate, checked as PostgreSQL checks it, and its stored text: a boolean
 * expression over the table's columns (42804 otherwise), without subqueries (0A000), aggregates
 * or parameters, calling only immutable functions (42P17: a row must stay in or out of the index
 * until it changes).
 */
function checkedIndexPredicate(table: TableDefinition, where: Expr): string {
  const isBoolean = (bound: BoundExpr): void => {
    if (bound.type.oid !== TypeOid.bool) throw new DatatypeMismatchError(`argument of WHERE must be type boolean, not type ${formatTypeName(bound.type.oid)}`);
  };
  return boundIndexPart(table, where, "predicate", isBoolean).sql;
}

function mentionsSubquery(node: unknown): boolean {
  if (typeof node !== "object" || node === null) return false;
  const subqueryKinds: readonly unknown[] = ["in_subquery", "quantified_subquery", "exists", "scalar_subquery", "array_subquery", "select"];
  if ("kind" in node && subqueryKinds.includes(node.kind)) return true;
  return Object.values(node).some((value) => mentionsSubquery(value));
}

let volatilityById: ReadonlyMap<string, string> | undefined;

/** Whether every function and operator `expr` calls is immutable (casts and constructs are). */
function isImmutableExpr(expr: BoundExpr): boolean {
  volatilityById ??= new Map(builtinFunctions.map((signature) => [signature.id, signature.volatility]));
  const byId = volatilityById;
  const visit = (node: unknown): boolean => {
    if (typeof node !== "object" || node === null) return true;
    if ("kind" in node && node.kind === "subquery") return false;
    if ("kind" in node && node.kind === "call" && "signatureId" in node && typeof node.signatureId === "string" && byId.get(node.signatureId) !== "immutable") return false;
    return Object.values(node).every(visit);
  };
  return visit(expr);
}

/**
 * Adds `index` to the table and writes its entries for every existing row. A fresh index (its id
 * allocated by this transaction) is written straight to the store (storage/fresh-range.ts),
 * streaming the rows: no write-set limit, no row locks, no copy of the table in memory. An index
 * rebuilt under an id others already know goes through the transaction's writes.
 */
async function buildIndex(env: DdlEnvironment, table: TableDefinition, index: IndexDefinition, isFresh = false): Promise<void> {
  const withIndex: TableDefinition = { ...table, indexes: [...table.indexes, index] };
  const layout = layoutOf(withIndex);
  const range = storageRange(tableStorage(table));
  const covers = indexCoverage(withIndex, env.registry);
  const keys = new IndexKeys(withIndex, env.registry);
  const fresh = isFresh ? await env.openFreshRange(indexStorage(index)) : undefined;
  let built = 0;
  try {
    // A fresh index never writes the transaction's own writes, so the scan may stream across the
    // build's awaits; otherwise its puts would land in the range being read.
    const total = fresh === undefined ? undefined : await countEntries(env, range);
    const rows: Iterable<[Uint8Array, Uint8Array]> = fresh === undefined ? [...env.txn.scan(range)] : env.txn.scan(range);
    const tuplesTotal = total ?? (Array.isArray(rows) ? rows.length : 0);
    const report = (done: number): void => env.reportIndexBuild?.({ tableId: table.id, indexId: index.id, phase: "building index", tuplesTotal, tuplesDone: done });
    for (const [key, value] of rows) {
      if (built % progressIntervalRows === 0) {
        report(built);
        // Let other sessions run (and watch the progress) during a long build; stop here if the
        // statement was canceled or timed out.
        if (built > 0) await yieldTurn(env);
      }
      const row = layout.decode(key, value);
      built += 1;
      if (!covers(index, row, env.context)) continue;
      const suffix = key.subarray(4);
      const entry = keys.entry(layout, index, row, suffix, env.context);
      const isDuplicate = entry.isUniqueKey && (fresh === undefined ? (await env.txn.getForUpdate(entry.key)) !== undefined : fresh.has(entry.key));
      if (isDuplicate) {
        const values = keys.values(index, row, env.context);
        const oids = keys.oids(index);
        throw new UniqueViolationError(`could not create unique index "${index.name}"`, {
          detail: `Key (${indexElementLabels(table, index).join(", ")})=(${values.map((keyValue, i) => formatStored(oids[i] ?? 0, keyValue)).join(", ")}) is duplicated.`,
        });
      }
      if (fresh === undefined) await env.txn.put(entry.key, suffix);
      else await fresh.put(entry.key, suffix);
    }
    await fresh?.flush();
  } finally {
    fresh?.close();
    env.reportIndexBuild?.(undefined);
  }
  await env.catalog.write(env.txn, withIndex);
  if (built >= 100_000) env.notice(`index "${index.name}" built over ${built} rows`);
}

/** A turn of the event loop for other sessions, then 57014 if the statement was canceled meanwhile. */
async function yieldTurn(env: DdlEnvironment): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  env.interrupt?.();
}

/** The rows in `range` as the transaction sees them (pg_stat_progress_create_index's total), counted a slice at a time. */
async function countEntries(env: DdlEnvironment, range: { readonly gte: Uint8Array; readonly lt: Uint8Array }): Promise<number> {
  const entries = env.txn.scan(range);
  let count = 0;
  try {
    while (entries.next().done !== true) {
      count += 1;
      if (count % (progressIntervalRows * 16) === 0) await yieldTurn(env);
    }
  } finally {
    entries.return?.();
  }
  return count;
}

function formatStored(oid: number, value: SqlValue): string {
  return value === null ? "null" : formatValue(oid, value, storageTextSettings);
}

// ---------------------------------------------------------------------------------------------
// ALTER TABLE, sequences

export async function alterTable(env: DdlEnvironment, statement: AlterTableStatement): Promise<void> {
  const name = statement.table.at(-1) ?? "";
  const relation = env.catalog.findRelation(statement.table.length > 1 ? statement.table.at(-2) : undefined, name, env.searchPath);
  if (relation === undefined) {
    if (statement.ifExists) {
      env.notice(`relation "${name}" does not exist, skipping`);
      return;
    }
    throw new UndefinedTableError(`relation "${statement.table.join(".")}" does not exist`);
  }
  if (relation.kind !== "table") throw new WrongObjectTypeError(`"${name}" is not a table`);
  requireOwner(env, relation);
  let table = await lockForDdl(env, relation);
  // A foreign key added here is built from, and checked against, its referenced table: no DDL
  // may change that table, nor writer its rows, until this transaction ends.
  for (const parent of referencedTables(env, statement.actions)) if (parent.id !== table.id) await env.lockRelation?.(parent.id, "exclusive");
  for (const action of statement.actions) table = await alterAction(env, table, action);
  await env.catalog.write(env.txn, table);
}

async function alterAction(env: DdlEnvironment, table: TableDefinition, action: AlterTableAction): Promise<TableDefinition> {
  const columnIndex = (column: string): number => {
    const index = table.columns.findIndex((c) => c.name === column);
    if (index < 0) throw new UndefinedColumnError(`column "${column}" of relation "${table.name}" does not exist`);
    return index;
  };
  const claim = (base: string): string => chooseName((n) => env.catalog.isNameTaken(table.schema, n), base);
  if (action.type === "add_column") return addColumn(env, table, action.column, action.ifNotExists, claim);
  if (action.type === "set_default" || action.type === "drop_default") {
    const index = columnIndex(action.column);
    return withColumn(table, index, (c) => {
      if (action.type === "drop_default") {
        const { defaultSql: _dropped, ...rest } = c;
        return rest;
      }
      return { ...c, defaultSql: checkedDefault(env, c, action.expr) };
    });
  }
  if (action.type === "set_not_null") {
    const index = columnIndex(action.column);
    const layout = layoutOf(table);
    for (const [key, value] of env.txn.scan(storageRange(tableStorage(table)))) {
      if ((layout.decode(key, value)[index] ?? null) === null) throw new NotNullViolationError(`column "${action.column}" of relation "${table.name}" contains null values`);
    }
    return withColumn(table, index, (c) => ({ ...c, isNotNull: true }));
  }
  if (action.type === "drop_not_null") {
    const index = columnIndex(action.column);
    if (table.primaryKey?.columns.includes(index) === true) throw new InvalidTableDefinitionError(`column "${action.column}" is in a primary key`);
    return withColumn(table, index, (c) => ({ ...c, isNotNull: false }));
  }
  if (action.type === "add_constraint") {
    const updated = addConstraint(env, table, action.constraint, claim);
    return validateExistingRows(env, table, updated);
  }
  if (action.type === "drop_constraint") return dropConstraint(env, table, action.constraint, action.ifExists);
  if (action.type === "drop_column") return dropColumn(env, table, action.column, action.ifExists, action.behavior === "cascade");
  if (action.type === "set_type") return alterColumnType(env, table, columnIndex(action.column), action.dataType, action.using);
  // (Every action type is handled above; TypeScript cannot narrow the two-literal NOT NULL member away.)
  throw new FeatureNotSupportedError("this ALTER TABLE action is not supported yet");
}

function withColumn(table: TableDefinition, index: number, change: (column: ColumnDefinition) => ColumnDefinition): TableDefinition {
  return { ...table, columns: table.columns.map((c, i) => (i === index ? change(c) : c)) };
}

/**
 * ADD COLUMN never rewrites rows: older rows read the default's value at this moment (PostgreSQL's
 * "missing value"). A volatile default would need a value per row, which only a rewrite gives.
 */
async function addColumn(env: DdlEnvironment, table: TableDefinition, column: ColumnDef, ifNotExists: boolean, claim: (base: string) => string): Promise<TableDefinition> {
  if (table.columns.some((c) => c.name === column.name)) {
    if (ifNotExists) {
      env.notice(`column "${column.name}" of relation "${table.name}" already exists, skipping`, "NOTICE", "42701");
      return table;
    }
    throw new DuplicateColumnError(`column "${column.name}" of relation "${table.name}" already exists`);
  }
  const { definition, sequence, tableConstraints } = defineColumn(env, table.schema, table.name, column, claim);
  if (sequence !== undefined) throw new FeatureNotSupportedError("ADD COLUMN with a serial or identity column is not supported yet");
  let missingText: string | undefined;
  if (definition.defaultSql !== undefined) {
    if (/\b(nextval|random|gen_random_uuid|clock_timestamp)\s*\(/i.test(definition.defaultSql)) {
      throw new FeatureNotSupportedError("ADD COLUMN with a volatile default is not supported yet");
    }
    const expr = parseStoredExpression(definition.defaultSql);
    const context = { settings: env.settings, paramTypes: [], sql: definition.defaultSql };
    const value = compileExpr(coerce(bindExpr(expr, context), { oid: definition.typeOid, typmod: definition.typmod }, "assignment", context), env.registry)([], [], env.context);
    if (value !== null) missingText = formatValue(definition.typeOid, value, storageTextSettings);
  }
  const hasRows = !env.txn.scan({ ...storageRange(tableStorage(table)), limit: 1 }).next().done;
  if (definition.isNotNull && missingText === undefined && hasRows) {
    throw new NotNullViolationError(`column "${column.name}" of relation "${table.name}" contains null values`);
  }
  let updated: TableDefinition = {
    ...table,
    columns: [...table.columns, { ...definition, ...(missingText === undefined ? {} : { missingText }) }],
    schemaVersion: table.schemaVersion + 1,
  };
  for (const constraint of tableConstraints) updated = addConstraint(env, updated, constraint, claim);
  return validateExistingRows(env, table, updated);
}

/**
 * After a constraint was added: every existing row must satisfy it, and new indexes are built.
 * Returns `after` as stored now: a new primary key moves the rows (and the indexes) to new storage.
 */
async function validateExistingRows(env: DdlEnvironment, before: TableDefinition, after: TableDefinition): Promise<TableDefinition> {
  let current = before;
  if (after.primaryKey !== undefined && before.primaryKey === undefined) {
    current = await rekeyTable(env, before, { ...after, indexes: after.indexes.filter((i) => before.indexes.some((b) => b.id === i.id)) });
  }
  const placed: TableDefinition = {
    ...after,
    ...(current.storage === undefined ? {} : { storage: current.storage }),
    indexes: after.indexes.map((i) => current.indexes.find((c) => c.id === i.id) ?? i),
  };
  const newIndexes = placed.indexes.filter((i) => !current.indexes.some((b) => b.id === i.id));
  const isNewCheck = after.checks.length > before.checks.length || after.foreignKeys.length > before.foreignKeys.length;
  if (newIndexes.length === 0 && !isNewCheck) return placed;
  const layout = layoutOf(placed);
  if (isNewCheck) {
    // A new foreign key is checked against the referenced tables' rows: no writer may change
    // them meanwhile (PostgreSQL takes SHARE ROW EXCLUSIVE on them).
    const parents = after.foreignKeys.filter((fk) => !before.foreignKeys.includes(fk) && fk.refTableId !== after.id).map((fk) => fk.refTableId);
    for (const parent of new Set(parents)) await env.lockRelation?.(parent, "exclusive");
    const writer = new RowWriter(env, { ...placed, indexes: [] });
    const rows = [...env.txn.scan(storageRange(layout.storage))].map(([key, value]) => layout.decode(key, value));
    for (const row of rows) await writer.validate(row);
  }
  let table = { ...placed, indexes: placed.indexes.filter((i) => !newIndexes.includes(i)) };
  for (const index of newIndexes) {
    await buildIndex(env, table, index, true);
    table = { ...table, indexes: [...table.indexes, index] };
  }
  return placed;
}

/**
 * ALTER TABLE … ADD PRIMARY KEY on a table that had none: every row moves from its row-id key to
 * its primary-key key (NULLs are 23502, duplicates 23505, as PostgreSQL reports them), in new
 * storage, and the secondary indexes, whose entries point at row keys, are rebuilt.
 */
async function rekeyTable(env: DdlEnvironment, before: TableDefinition, after: TableDefinition): Promise<TableDefinition> {
  const primaryKey = after.primaryKey;
  assert(primaryKey !== undefined, "a primary key is being added");
  // The stored rows read with the new column list (a column the same ALTER added reads its
  // default), still keyed by row id.
  const { primaryKey: _primaryKey, ...unkeyed } = after;
  const source: TableDefinition = { ...unkeyed, storage: tableStorage(before), indexes: [] };
  // NULLs first, over the whole table, as PostgreSQL's SET NOT NULL pass comes before its index
  // build: a table with both a NULL and a duplicate reports the NULL.
  const layout = layoutOf(source);
  const keyColumns = new Set(primaryKey.columns);
  let scanned = 0;
  for (const [key, value] of env.txn.scan(storageRange(layout.storage))) {
    scanned += 1;
    if (scanned % (progressIntervalRows * 16) === 0) await yieldTurn(env);
    const row = layout.decode(key, value, keyColumns);
    const column = primaryKey.columns.find((c) => (row[c] ?? null) === null);
    if (column !== undefined) throw new NotNullViolationError(`column "${after.columns[column]?.name ?? ""}" of relation "${before.name}" contains null values`);
  }
  const width = after.columns.length;
  return rewriteTable(env, source, after, (old) => old.slice(0, width));
}

/**
 * Rewrites every row of `before` into new storage as `after` stores them (PostgreSQL's table
 * rewrite: ADD PRIMARY KEY, DROP COLUMN, ALTER COLUMN TYPE), `convert` making each new row from
 * an old one. The rows go straight to the store (storage/fresh-range.ts), so a table of any size
 * is rewritten without the write-set limits and without holding its rows in memory; the old rows
 * and index entries go to the reclaimer once the transaction commits. The indexes are rebuilt
 * over the new row keys, and the definition returned is also written to the transaction's catalog
 * (so checks made after it, such as a foreign key's, read the new rows).
 */
async function rewriteTable(
  env: DdlEnvironment,
  before: TableDefinition,
  after: TableDefinition,
  convert: (row: Row, layout: TableLayout) => Row | Promise<Row>,
): Promise<TableDefinition> {
  const oldLayout = layoutOf(before);
  const moved: TableDefinition = { ...after, storage: env.allocateObjectId(), indexes: [] };
  const newLayout = layoutOf(moved);
  const fresh = await env.openFreshRange(newLayout.storage);
  try {
    let rows = 0;
    // Streamed: the writes go to another storage id, outside the write set the scan merges.
    for (const [key, value] of env.txn.scan(storageRange(oldLayout.storage))) {
      rows += 1;
      if (rows % progressIntervalRows === 0) await yieldTurn(env);
      const row = await convert(oldLayout.decode(key, value), newLayout);
      const newKey = newLayout.rowKey(row);
      if (fresh.has(newKey)) throw duplicateKeyError(after, newLayout, row);
      await fresh.put(newKey, newLayout.encodeValue(row));
    }
    await fresh.flush();
  } finally {
    fresh.close();
  }
  await markForReclaim(env, oldLayout.storage);
  const rewritten = await rebuildIndexes(env, { ...moved, indexes: after.indexes });
  await env.catalog.write(env.txn, rewritten);
  return rewritten;
}

/** 23505 for two rows of a rewrite with one primary key, as PostgreSQL's index build reports it. */
function duplicateKeyError(table: TableDefinition, layout: TableLayout, row: Row): UniqueViolationError {
  const primaryKey = table.primaryKey;
  assert(primaryKey !== undefined, "only primary keys can collide in a rewrite: row ids are unique");
  const columns = primaryKey.columns;
  return new UniqueViolationError(`could not create unique index "${primaryKey.name}"`, {
    detail: `Key (${columns.map((c) => table.columns[c]?.name ?? "?").join(", ")})=(${columns.map((c) => formatStored(layout.oids[c] ?? 0, row[c] ?? null)).join(", ")}) is duplicated.`,
  });
}

/**
 * DROP COLUMN: indexes and CHECK constraints on the column go with it (as in PostgreSQL), foreign
 * keys of other tables that reference it and views on the table need CASCADE (2BP01). Rows are
 * rewritten without the value, since a row stores its columns by position.
 */
async function dropColumn(env: DdlEnvironment, table: TableDefinition, name: string, ifExists: boolean, isCascade: boolean): Promise<TableDefinition> {
  const dropped = table.columns.findIndex((c) => c.name === name);
  if (dropped < 0) {
    if (ifExists) {
      env.notice(`column "${name}" of relation "${table.name}" does not exist, skipping`);
      return table;
    }
    throw new UndefinedColumnError(`column "${name}" of relation "${table.name}" does not exist`);
  }
  const isPrimaryKeyDropped = table.primaryKey?.columns.includes(dropped) === true;
  await dropDependentViews(env, table.id, table.name, "table", isCascade);
  const shift = (column: number): number => (column > dropped ? column - 1 : column);
  for (const child of Array.from(env.catalog.tables())) {
    if (child.id === table.id) continue;
    const referencing = child.foreignKeys.filter((fk) => fk.refTableId === table.id && fk.refColumns.includes(dropped));
    if (referencing.length > 0 && !isCascade) {
      throw new DependentObjectsStillExistError(`cannot drop column ${name} of table ${table.name} because other objects depend on it`, {
        detail: referencing.map((fk) => `constraint ${fk.name} on table ${child.name} depends on column ${name} of table ${table.name}`).join("\n"),
        hint: "Use DROP ... CASCADE to drop the dependent objects too.",
      });
    }
    const kept = child.foreignKeys.filter((fk) => !referencing.includes(fk)).map((fk) => (fk.refTableId === table.id ? { ...fk, refColumns: fk.refColumns.map(shift) } : fk));
    if (child.foreignKeys.some((fk) => fk.refTableId === table.id)) await env.catalog.write(env.txn, { ...child, foreignKeys: kept });
  }
  const mentions = (sql: string): boolean => new RegExp(`(^|[^a-z0-9_"$])"?${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}"?($|[^a-z0-9_"$])`).test(sql);
  // An index on the column, or whose predicate mentions it, goes with it (as in PostgreSQL).
  const removedIndexes = table.indexes.filter((i) => i.columns.includes(dropped) || (i.predicate !== undefined && mentions(i.predicate)) || (i.expressions ?? []).some((e) => e !== null && mentions(e)));
  for (const index of removedIndexes) await markForReclaim(env, indexStorage(index));
  const { primaryKey: _primaryKey, ...withoutPrimaryKey } = table;
  const after: TableDefinition = {
    ...withoutPrimaryKey,
    columns: table.columns.filter((_, i) => i !== dropped),
    // A primary key on the column goes with it (as in PostgreSQL); the rows are then keyed by row id.
    ...(table.primaryKey === undefined || isPrimaryKeyDropped ? {} : { primaryKey: { ...table.primaryKey, columns: table.primaryKey.columns.map(shift) } }),
    indexes: table.indexes.filter((i) => !removedIndexes.includes(i)).map((i) => ({ ...i, columns: i.columns.map((c) => (c < 0 ? c : shift(c))) })),
    checks: table.checks.filter((c) => !mentions(c.sql)),
    foreignKeys: table.foreignKeys
      .filter((fk) => !fk.columns.includes(dropped))
      .map((fk) => ({ ...fk, columns: fk.columns.map(shift), refColumns: fk.refTableId === table.id ? fk.refColumns.map(shift) : fk.refColumns })),
    schemaVersion: table.schemaVersion + 1,
  };
  // Rows store their columns by position: every row is rewritten without the value (and with a
  // row id for its key when the primary key goes).
  const rewritten = await rewriteTable(env, table, after, async (old, layout) => {
    const row = old.filter((_, i) => i !== dropped);
    if (isPrimaryKeyDropped) row.push(await env.allocateRowId(layout.storage));
    return row;
  });
  const identity = table.columns[dropped]?.identitySequence;
  for (const object of Array.from(env.catalog.objects())) {
    if (object.kind === "sequence" && (object.id === identity || (object.ownedBy?.tableId === table.id && object.ownedBy.column === name))) {
      await env.catalog.remove(env.txn, object.id);
      env.sequences.drop(object.id);
    }
  }
  return rewritten;
}

function dropConstraint(env: DdlEnvironment, table: TableDefinition, name: string, ifExists: boolean): TableDefinition {
  if (table.checks.some((c) => c.name === name)) return { ...table, checks: table.checks.filter((c) => c.name !== name) };
  if (table.foreignKeys.some((f) => f.name === name)) return { ...table, foreignKeys: table.foreignKeys.filter((f) => f.name !== name) };
  if (table.indexes.some((i) => i.isConstraint && i.name === name)) throw new FeatureNotSupportedError("dropping a unique constraint is not supported yet");
  if (table.primaryKey?.name === name) throw new FeatureNotSupportedError("dropping a primary key is not supported yet");
  if (ifExists) {
    env.notice(`constraint "${name}" of relation "${table.name}" does not exist, skipping`);
    return table;
  }
  throw new UndefinedObjectError(`constraint "${name}" of relation "${table.name}" does not exist`);
}

export async function createSequence(env: DdlEnvironment, statement: CreateSequenceStatement): Promise<void> {
  const name = statement.name.at(-1) ?? "";
  const schema = creationSchema(env, statement.name);
  if (env.catalog.isNameTaken(schema, name)) {
    if (statement.ifNotExists) {
      env.notice(`relation "${name}" already exists, skipping`, "NOTICE", "42P07");
      return;
    }
    throw new DuplicateTableError(`relation "${name}" already exists`);
  }
  const defined: SequenceDefinition = { ...sequenceDefinition(env.allocateObjectId(), schema, name, TypeOid.int8, statement.options), ...ownership(env, schema, "sequence") };
  const ownedBy = ownerOfSequence(env, defined, statement.options.findLast((o) => o.name === "owned_by"), undefined);
  const sequence: SequenceDefinition = ownedBy === undefined ? defined : { ...defined, ownedBy };
  await env.catalog.write(env.txn, sequence);
  env.sequences.reset(sequence);
}

// ---------------------------------------------------------------------------------------------
// ALTER … RENAME

/**
 * ALTER TABLE/VIEW/SEQUENCE/INDEX … RENAME TO, ALTER TABLE … RENAME COLUMN and RENAME CONSTRAINT,
 * transactional like all DDL. Returns the command tag. Stored expressions that name the column,
 * or the table as a qualifier (CHECK, DEFAULT, partial index predicates, index expressions), are
 * rewritten. Views keep their SQL text, so renaming a relation or column a view reads is refused
 * (0A000) rather than leaving the view broken; PostgreSQL's views refer by OID and follow.
 */
/** The command tag of a RENAME: ALTER TABLE for a column or constraint, else ALTER and the object's kind. */
export function renameTag(statement: RenameStatement): string {
  return statement.objectType === "column" || statement.objectType === "constraint" ? "ALTER TABLE" : `ALTER ${statement.objectType.toUpperCase()}`;
}

export async function renameObject(env: DdlEnvironment, statement: RenameStatement): Promise<string> {
  const schemaName = statement.name.length > 1 ? statement.name.at(-2) : undefined;
  const name = statement.name.at(-1) ?? "";
  const tag = renameTag(statement);
  if (statement.objectType === "index") {
    const found = env.catalog.findIndex(schemaName, name, env.searchPath);
    if (found === undefined) return missingRelation(env, statement, tag);
    requireOwner(env, found.table);
    await env.catalog.write(env.txn, renamedIndex(env, found.table, found.indexId, statement.newName));
    return tag;
  }
  if (statement.objectType !== "table" && statement.objectType !== "view" && statement.objectType !== "sequence" && statement.objectType !== "column" && statement.objectType !== "constraint") {
    throw new FeatureNotSupportedError(`ALTER ${statement.objectType.toUpperCase()} … RENAME is not supported yet`);
  }
  const relation = env.catalog.findRelation(schemaName, name, env.searchPath);
  if (relation === undefined) return missingRelation(env, statement, tag);
  requireOwner(env, relation);
  if ((statement.objectType === "view" && relation.kind !== "view") || (statement.objectType === "sequence" && relation.kind !== "sequence")) {
    throw new WrongObjectTypeError(`"${name}" is not a ${statement.objectType}`);
  }
  if (statement.objectType === "column" || statement.objectType === "constraint") {
    if (relation.kind !== "table") throw new WrongObjectTypeError(`"${name}" is not a table`);
    const renamed = statement.objectType === "column" ? renamedColumn(relation, statement.subName ?? "", statement.newName) : renamedConstraint(relation, statement.subName ?? "", statement.newName);
    const viewRewrites = statement.objectType === "column" ? viewsForColumnRename(env, relation, statement.subName ?? "", statement.newName) : [];
    await env.catalog.write(env.txn, renamed);
    for (const rewrite of viewRewrites) await rewrite();
    if (statement.objectType === "column") await renameOwnedSequenceColumn(env, relation.id, statement.subName ?? "", statement.newName);
    return tag;
  }
  if (env.catalog.isNameTaken(relation.schema, statement.newName)) throw new DuplicateTableError(`relation "${statement.newName}" already exists`);
  await renameInDependentViews(env, relation, statement.newName);
  if (relation.kind === "sequence") await renameInDefaults(env, relation, statement.newName);
  const renamed = relation.kind === "table" ? withStoredSqlRewritten({ ...relation, name: statement.newName }, (names) => (names.length === 2 && names[0] === relation.name ? [statement.newName, names[1] ?? ""] : names)) : { ...relation, name: statement.newName };
  await env.catalog.write(env.txn, renamed);
  return tag;
}

function missingRelation(env: DdlEnvironment, statement: RenameStatement, tag: string): string {
  const name = statement.name.join(".");
  if (!statement.ifExists) throw new UndefinedTableError(`relation "${name}" does not exist`);
  env.notice(`relation "${statement.name.at(-1) ?? ""}" does not exist, skipping`);
  return tag;
}

/**
 * Column defaults name their sequence in text (`nextval('t_id_seq')`), where PostgreSQL's refer to
 * its OID: the sequence functions' name arguments naming it (as `name` or `schema.name`) are
 * rewritten to the new name, in the same form. A default naming it any other way is refused.
 */
async function renameInDefaults(env: DdlEnvironment, sequence: { readonly schema: string; readonly name: string }, newName: string): Promise<void> {
  const spellings = new Map([
    [sequence.name, newName],
    [`${sequence.schema}.${sequence.name}`, `${sequence.schema}.${newName}`],
  ]);
  const sequenceFunctions = new Set(["nextval", "currval", "setval"]);
  const renameArgument = (node: unknown): unknown => {
    if (typeof node !== "object" || node === null) return node;
    if (Array.isArray(node)) return node.map(renameArgument);
    if ("kind" in node && node.kind === "func_call" && "name" in node && "args" in node && Array.isArray(node.name) && Array.isArray(node.args)) {
      const name: unknown = node.name.at(-1);
      const [first, ...rest] = node.args as unknown[];
      if (typeof name === "string" && sequenceFunctions.has(name)) return { ...node, args: [renameLiteral(first), ...rest.map(renameArgument)] };
    }
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, renameArgument(value)]));
  };
  // The name argument: a string literal, possibly cast to regclass.
  const renameLiteral = (arg: unknown): unknown => {
    if (typeof arg !== "object" || arg === null || !("kind" in arg)) return arg;
    if (arg.kind === "string" && "value" in arg && typeof arg.value === "string") return { ...arg, value: spellings.get(arg.value) ?? arg.value };
    if (arg.kind === "cast" && "expr" in arg) return { ...arg, expr: renameLiteral(arg.expr) };
    return renameArgument(arg);
  };
  for (const table of Array.from(env.catalog.tables())) {
    let isChanged = false;
    const columns = table.columns.map((c) => {
      if (c.defaultSql === undefined || ![...spellings.keys()].some((spelling) => c.defaultSql?.includes(`'${spelling}'`) === true)) return c;
      // oxlint-disable-next-line typescript/no-unsafe-type-assertion -- the rewrite keeps the expression's shape and only renames a literal
      const rewritten = deparse(renameArgument(parseStoredExpression(c.defaultSql)) as Expr);
      if (rewritten.includes(`'${sequence.name}'`) || rewritten.includes(`'${sequence.schema}.${sequence.name}'`)) {
        throw new FeatureNotSupportedError(`cannot rename sequence "${sequence.name}" because the default of column "${c.name}" of table "${table.name}" names it outside nextval/currval/setval`);
      }
      isChanged = true;
      return { ...c, defaultSql: rewritten };
    });
    if (isChanged) await env.catalog.write(env.txn, { ...table, columns });
  }
}

/**
 * Views keep their query's SQL text, where PostgreSQL's refer to relations by OID: renaming a
 * relation a view reads rewrites the view's references to it (FROM items naming it, and column
 * qualifiers spelled with its name). When a qualifier with that name could mean something else
 * (another FROM item aliased so, or a CTE of the name), the rename is refused (0A000).
 */
async function renameInDependentViews(env: DdlEnvironment, relation: { readonly id: number; readonly schema: string; readonly name: string }, newName: string): Promise<void> {
  for (const view of viewsDependingOn(env, relation.id)) {
    const [statement] = parse(view.sql);
    if (statement?.kind !== "select") throw new FeatureNotSupportedError(`cannot rename relation "${relation.name}": view "${view.name}" could not be rewritten`);
    let isAmbiguous = false;
    const isTheRelation = (names: readonly string[]): boolean => names.at(-1) === relation.name && (names.length === 1 || names.at(-2) === relation.schema);
    const visit = (node: unknown): unknown => {
      if (typeof node !== "object" || node === null) return node;
      if (Array.isArray(node)) return node.map(visit);
      if ("kind" in node && node.kind === "table_ref" && "name" in node && Array.isArray(node.name)) {
        const names = node.name.filter((n): n is string => typeof n === "string");
        const alias: unknown = "alias" in node && typeof node.alias === "object" && node.alias !== null && "name" in node.alias ? node.alias.name : undefined;
        if (!isTheRelation(names)) {
          if (alias === relation.name || (alias === undefined && names.at(-1) === relation.name)) isAmbiguous = true;
          return node;
        }
        if (alias === relation.name) isAmbiguous = true;
        return { ...node, name: [...names.slice(0, -1), newName] };
      }
      if ("kind" in node && node.kind === "cte" && "name" in node && node.name === relation.name) isAmbiguous = true;
      if ("kind" in node && (node.kind === "subquery_ref" || node.kind === "function_ref" || node.kind === "join") && "alias" in node) {
        const alias: unknown = typeof node.alias === "object" && node.alias !== null && "name" in node.alias ? node.alias.name : undefined;
        if (alias === relation.name) isAmbiguous = true;
      }
      if ("kind" in node && node.kind === "column_ref" && "names" in node && Array.isArray(node.names)) {
        const names = node.names.filter((n): n is string => typeof n === "string");
        if (names.length >= 2 && names.at(-2) === relation.name) return { ...node, names: [...names.slice(0, -2), newName, names.at(-1) ?? ""] };
        return node;
      }
      return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, visit(value)]));
    };
    // oxlint-disable-next-line typescript/no-unsafe-type-assertion -- the rewrite keeps the statement's shape and only renames
    const rewritten = visit(statement) as SelectStatement;
    if (isAmbiguous) throw new FeatureNotSupportedError(`cannot rename relation "${relation.name}" because view "${view.name}" uses the name "${relation.name}" for something else too (drop and re-create the view)`);
    await env.catalog.write(env.txn, { ...view, sql: deparse(rewritten) });
  }
}

function renamedIndex(env: DdlEnvironment, table: TableDefinition, indexId: number, newName: string): TableDefinition {
  if (env.catalog.isNameTaken(table.schema, newName)) throw new DuplicateTableError(`relation "${newName}" already exists`);
  // A PRIMARY KEY or UNIQUE constraint shares its index's name: both change, as in PostgreSQL.
  if (table.primaryKey?.id === indexId) return { ...table, primaryKey: { ...table.primaryKey, name: newName } };
  return { ...table, indexes: table.indexes.map((index) => (index.id === indexId ? { ...index, name: newName } : index)) };
}

function renamedColumn(table: TableDefinition, oldName: string, newName: string): TableDefinition {
  const position = table.columns.findIndex((c) => c.name === oldName);
  if (position < 0) throw new UndefinedColumnError(`column "${oldName}" does not exist`);
  if (table.columns.some((c) => c.name === newName)) throw new DuplicateColumnError(`column "${newName}" of relation "${table.name}" already exists`);
  const columns = table.columns.map((c, i) => (i === position ? { ...c, name: newName } : c));
  const rename = (names: readonly string[]): readonly string[] => {
    if (names.length === 1 && names[0] === oldName) return [newName];
    if (names.length === 2 && names[0] === table.name && names[1] === oldName) return [table.name, newName];
    return names;
  };
  return withStoredSqlRewritten({ ...table, columns }, rename);
}

/**
 * The views reading a renamed column keep SQL text, where PostgreSQL's refer to the column by
 * number: each view's column references that can mean the column (`old`, or `q.old` where `q`
 * names the table in the view) are rewritten, keeping output names (`new AS old`). As the rewrite
 * decides by names alone, it is verified: the view's query is planned before (here, against the
 * catalog as it is) and after (by the returned step, once the table is renamed), and the plans
 * must be the same but for the column's name; otherwise the rename is refused (0A000).
 */
function viewsForColumnRename(env: DdlEnvironment, table: TableDefinition, oldName: string, newName: string): (() => Promise<void>)[] {
  const plain: Catalog = { findTable: (s, n) => env.planner.findTable(s, n), findView: (s, n) => env.planner.findView(s, n) };
  const planText = (statement: SelectStatement): string | undefined => {
    try {
      return JSON.stringify(planQuery(env, statement, plain).plan, (_key, value: unknown) => (typeof value === "bigint" ? `${value}n` : value));
    } catch {
      return undefined;
    }
  };
  return viewsDependingOn(env, table.id).map((view) => {
    const [statement] = parse(view.sql);
    const refuse = (): never => {
      throw new FeatureNotSupportedError(`cannot rename column "${oldName}" of relation "${table.name}" because view "${view.name}" depends on it and could not be rewritten (drop and re-create the view)`);
    };
    if (statement?.kind !== "select") return refuse;
    const before = planText(statement);
    const rewritten = renameColumnInQuery(statement, table, oldName, newName);
    return async () => {
      const after = planText(rewritten);
      const sameButName = (text: string | undefined): string | undefined => text?.replaceAll(JSON.stringify(newName), JSON.stringify(oldName));
      if (before === undefined || sameButName(after) !== before) refuse();
      await env.catalog.write(env.txn, { ...view, sql: deparse(rewritten) });
    };
  });
}

/** The query with the column references that can mean `table.oldName` renamed (see viewsForColumnRename). */
function renameColumnInQuery(statement: SelectStatement, table: TableDefinition, oldName: string, newName: string): SelectStatement {
  const qualifiers = new Set<string>();
  const collect = (node: unknown): void => {
    if (typeof node !== "object" || node === null) return;
    if ("kind" in node && node.kind === "table_ref" && "name" in node && Array.isArray(node.name)) {
      const names = node.name.filter((n): n is string => typeof n === "string");
      const alias: unknown = "alias" in node && typeof node.alias === "object" && node.alias !== null && "name" in node.alias ? node.alias.name : undefined;
      if (names.at(-1) === table.name && (names.length === 1 || names.at(-2) === table.schema)) qualifiers.add(typeof alias === "string" ? alias : table.name);
    }
    for (const value of Object.values(node)) collect(value);
  };
  collect(statement);
  const isTheColumn = (names: readonly string[]): boolean => names.at(-1) === oldName && (names.length === 1 || qualifiers.has(names.at(-2) ?? ""));
  const visit = (node: unknown): unknown => {
    if (typeof node !== "object" || node === null) return node;
    if (Array.isArray(node)) return node.map(visit);
    if ("kind" in node && node.kind === "res_target" && "expr" in node && !("alias" in node && node.alias !== undefined)) {
      const expr = node.expr;
      if (typeof expr === "object" && expr !== null && "kind" in expr && expr.kind === "column_ref" && "names" in expr && Array.isArray(expr.names)) {
        const names = expr.names.filter((n): n is string => typeof n === "string");
        // The output keeps its name: `new AS old`.
        if (isTheColumn(names)) return { ...node, expr: { ...expr, names: [...names.slice(0, -1), newName] }, alias: oldName };
      }
    }
    if ("kind" in node && node.kind === "column_ref" && "names" in node && Array.isArray(node.names)) {
      const names = node.names.filter((n): n is string => typeof n === "string");
      return isTheColumn(names) ? { ...node, names: [...names.slice(0, -1), newName] } : node;
    }
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, visit(value)]));
  };
  // oxlint-disable-next-line typescript/no-unsafe-type-assertion -- the rewrite keeps the statement's shape and only renames
  return visit(statement) as SelectStatement;
}

function renamedConstraint(table: TableDefinition, oldName: string, newName: string): TableDefinition {
  const names = [table.primaryKey?.name, ...table.indexes.filter((i) => i.isConstraint).map((i) => i.name), ...table.checks.map((c) => c.name), ...table.foreignKeys.map((f) => f.name)];
  if (!names.includes(oldName)) throw new UndefinedObjectError(`constraint "${oldName}" for table "${table.name}" does not exist`);
  if (names.includes(newName)) throw new DuplicateObjectError(`constraint "${newName}" for relation "${table.name}" already exists`);
  const rename = (name: string): string => (name === oldName ? newName : name);
  return {
    ...table,
    ...(table.primaryKey === undefined ? {} : { primaryKey: { ...table.primaryKey, name: rename(table.primaryKey.name) } }),
    indexes: table.indexes.map((index) => (index.isConstraint ? { ...index, name: rename(index.name) } : index)),
    checks: table.checks.map((check) => ({ ...check, name: rename(check.name) })),
    foreignKeys: table.foreignKeys.map((foreignKey) => ({ ...foreignKey, name: rename(foreignKey.name) })),
  };
}

/** A sequence owned by the renamed column (SERIAL, OWNED BY) follows it. */
async function renameOwnedSequenceColumn(env: DdlEnvironment, tableId: number, oldName: string, newName: string): Promise<void> {
  for (const object of Array.from(env.catalog.objects())) {
    if (object.kind === "sequence" && object.ownedBy?.tableId === tableId && object.ownedBy.column === oldName) {
      await env.catalog.write(env.txn, { ...object, ownedBy: { ...object.ownedBy, column: newName } });
    }
  }
}

/** The table with every stored expression's column references passed through `rename`. */
function withStoredSqlRewritten(table: TableDefinition, rename: (names: readonly string[]) => readonly string[]): TableDefinition {
  return withStoredSql(table, (sql) => deparse(renameColumnRefs(parseStoredExpression(sql), rename)));
}

/** The table with each of its stored expressions (defaults, CHECKs, index predicates and expressions) passed through `rewrite`. */
export function withStoredSql(table: TableDefinition, rewrite: (sql: string) => string): TableDefinition {
  return {
    ...table,
    columns: table.columns.map((c) => (c.defaultSql === undefined ? c : { ...c, defaultSql: rewrite(c.defaultSql) })),
    checks: table.checks.map((check) => ({ ...check, sql: rewrite(check.sql) })),
    indexes: table.indexes.map((index) => ({
      ...index,
      ...(index.predicate === undefined ? {} : { predicate: rewrite(index.predicate) }),
      ...(index.expressions === undefined ? {} : { expressions: index.expressions.map((sql) => (sql === null ? null : rewrite(sql))) }),
    })),
  };
}

function renameColumnRefs(expr: Expr, rename: (names: readonly string[]) => readonly string[]): Expr {
  const visit = (node: unknown): unknown => {
    if (typeof node !== "object" || node === null) return node;
    if (Array.isArray(node)) return node.map(visit);
    if ("kind" in node && node.kind === "column_ref" && "names" in node && Array.isArray(node.names)) {
      const names = node.names.filter((n): n is string => typeof n === "string");
      return { ...node, names: rename(names) };
    }
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, visit(value)]));
  };
  const rewritten = visit(expr);
  assert(typeof rewritten === "object" && rewritten !== null && "kind" in rewritten, "a rewritten expression is an expression");
  // oxlint-disable-next-line typescript/no-unsafe-type-assertion -- the same tree with column names replaced
  return rewritten as Expr;
}

// ---------------------------------------------------------------------------------------------
// COMMENT ON

/** `COMMENT ON … IS 'text' | NULL`: the owner sets or (NULL, or an empty string) removes a description. */
export async function commentOn(env: DdlEnvironment, statement: CommentStatement): Promise<void> {
  const comment = statement.comment === null || statement.comment === "" ? undefined : statement.comment;
  const withComment = <T extends { readonly comment?: string }>(object: T): T => {
    const { comment: _previous, ...rest } = object;
    // oxlint-disable-next-line typescript/no-unsafe-type-assertion -- the same object without, or with a new, comment
    return (comment === undefined ? rest : { ...rest, comment }) as T;
  };
  const path = statement.objectType === "column" ? statement.name.slice(0, -1) : statement.name;
  const schemaName = path.length > 1 ? path.at(-2) : undefined;
  const name = path.at(-1) ?? "";
  switch (statement.objectType) {
    case "schema": {
      const schema = env.catalog.schema(name);
      if (schema === undefined) throw new InvalidSchemaNameError(`schema "${name}" does not exist`);
      requireOwner(env, schema);
      await env.catalog.write(env.txn, withComment(schema));
      return;
    }
    case "index": {
      const found = env.catalog.findIndex(schemaName, name, env.searchPath);
      if (found === undefined) throw new UndefinedTableError(`relation "${path.join(".")}" does not exist`);
      requireOwner(env, found.table);
      const table = found.table;
      const primaryKey = table.primaryKey;
      const updated: TableDefinition =
        primaryKey?.id === found.indexId ? { ...table, primaryKey: withComment(primaryKey) } : { ...table, indexes: table.indexes.map((index) => (index.id === found.indexId ? withComment(index) : index)) };
      await env.catalog.write(env.txn, updated);
      return;
    }
    case "table":
    case "view":
    case "sequence":
    case "column": {
      const relation = env.catalog.findRelation(schemaName, name, env.searchPath);
      if (relation === undefined) throw new UndefinedTableError(`relation "${path.join(".")}" does not exist`);
      const expected = statement.objectType === "column" ? "table" : statement.objectType;
      if (relation.kind !== expected) throw new WrongObjectTypeError(`"${name}" is not a ${statement.objectType === "column" ? "table" : statement.objectType}`);
      requireOwner(env, relation);
      if (statement.objectType !== "column") {
        await env.catalog.write(env.txn, withComment(relation));
        return;
      }
      assert(relation.kind === "table", "a column comment is on a table");
      const column = statement.name.at(-1) ?? "";
      const position = relation.columns.findIndex((c) => c.name === column);
      if (position < 0) throw new UndefinedColumnError(`column "${column}" of relation "${relation.name}" does not exist`);
      await env.catalog.write(env.txn, { ...relation, columns: relation.columns.map((c, i) => (i === position ? withComment(c) : c)) });
      return;
    }
    default:
      assertNever(statement.objectType);
  }
}

// ---------------------------------------------------------------------------------------------
// ALTER SEQUENCE

/**
 * ALTER SEQUENCE: INCREMENT, MINVALUE/MAXVALUE (NO: the direction's default), START, RESTART [WITH],
 * [NO] CYCLE, AS type, CACHE (accepted, as there is no per-session cache), OWNED BY table.column |
 * NONE; validated as PostgreSQL's init_params does (22023). The new parameters are transactional;
 * RESTART sets the value at once, as nextval and setval do (PostgreSQL also rolls it back).
 */
export async function alterSequence(env: DdlEnvironment, statement: AlterSequenceStatement): Promise<void> {
  const name = statement.name.at(-1) ?? "";
  const relation = env.catalog.findRelation(statement.name.length > 1 ? statement.name.at(-2) : undefined, name, env.searchPath);
  if (relation === undefined) {
    if (!statement.ifExists) throw new UndefinedTableError(`relation "${statement.name.join(".")}" does not exist`);
    env.notice(`relation "${name}" does not exist, skipping`);
    return;
  }
  if (relation.kind !== "sequence") throw new WrongObjectTypeError(`"${name}" is not a sequence`);
  requireOwner(env, relation);
  const option = (optionName: SequenceOption["name"]): SequenceOption | undefined => statement.options.findLast((o) => o.name === optionName);
  const numberOf = (found: SequenceOption | undefined): bigint | undefined => {
    const value = found?.value;
    return value !== undefined && !Array.isArray(value) && "kind" in value && value.kind === "number" ? BigInt(value.text) : undefined;
  };
  const asType = option("as")?.value;
  const typeOid = asType !== undefined && !Array.isArray(asType) && "kind" in asType && asType.kind === "type_name" ? resolveTypeName(asType, env.settings).oid : relation.typeOid;
  const increment = numberOf(option("increment")) ?? BigInt(relation.increment);
  if (increment === 0n) throw new InvalidParameterValueError("INCREMENT must not be zero");
  // A bound that was the old type's (or direction's) default follows the new type and direction.
  const defaults = (oid: number, step: bigint): { readonly min: bigint; readonly max: bigint } => {
    const top = sequenceMax[oid] ?? sequenceMax[TypeOid.int8] ?? 0n;
    return step > 0n ? { min: 1n, max: top } : { min: -top - 1n, max: -1n };
  };
  const before = defaults(relation.typeOid, BigInt(relation.increment));
  const after = defaults(typeOid, increment);
  const bound = (optionName: "minvalue" | "maxvalue", current: string, wasDefault: bigint, fallback: bigint): bigint => {
    const found = option(optionName);
    if (found !== undefined) return found.isNegated ? fallback : (numberOf(found) ?? fallback);
    return BigInt(current) === wasDefault ? fallback : BigInt(current);
  };
  const min = bound("minvalue", relation.min, before.min, after.min);
  const max = bound("maxvalue", relation.max, before.max, after.max);
  const top = sequenceMax[typeOid] ?? sequenceMax[TypeOid.int8] ?? 0n;
  const typeName = formatTypeName(typeOid);
  if (min < -top - 1n || min > top) throw new InvalidParameterValueError(`MINVALUE (${min}) is out of range for sequence data type ${typeName}`);
  if (max < -top - 1n || max > top) throw new InvalidParameterValueError(`MAXVALUE (${max}) is out of range for sequence data type ${typeName}`);
  if (min >= max) throw new InvalidParameterValueError(`MINVALUE (${min}) must be less than MAXVALUE (${max})`);
  const start = numberOf(option("start")) ?? BigInt(relation.start);
  if (start < min) throw new InvalidParameterValueError(`START value (${start}) cannot be less than MINVALUE (${min})`);
  if (start > max) throw new InvalidParameterValueError(`START value (${start}) cannot be greater than MAXVALUE (${max})`);
  const restartOption = option("restart");
  const restart = restartOption === undefined ? undefined : (numberOf(restartOption) ?? start);
  if (restart !== undefined && restart < min) throw new InvalidParameterValueError(`RESTART value (${restart}) cannot be less than MINVALUE (${min})`);
  if (restart !== undefined && restart > max) throw new InvalidParameterValueError(`RESTART value (${restart}) cannot be greater than MAXVALUE (${max})`);
  const cycle = option("cycle");
  const { ownedBy: previousOwner, ...rest } = relation;
  const ownedBy = ownerOfSequence(env, relation, option("owned_by"), previousOwner);
  const updated: SequenceDefinition = {
    ...rest,
    typeOid,
    increment: String(increment),
    min: String(min),
    max: String(max),
    start: String(start),
    isCycle: cycle === undefined ? relation.isCycle : !cycle.isNegated,
    ...(ownedBy === undefined ? {} : { ownedBy }),
  };
  await env.catalog.write(env.txn, updated);
  if (restart !== undefined) env.sequences.reset({ ...updated, start: String(restart) });
}

/** OWNED BY table.column (same schema and owner, as PostgreSQL requires) or NONE; absent: unchanged. */
function ownerOfSequence(env: DdlEnvironment, sequence: SequenceDefinition, option: SequenceOption | undefined, previous: SequenceDefinition["ownedBy"]): SequenceDefinition["ownedBy"] {
  const value = option?.value;
  if (option === undefined || !Array.isArray(value)) return previous;
  const names = value.filter((part): part is string => typeof part === "string");
  if (names.length === 1 && names[0] === "none") return undefined;
  if (names.length < 2) throw new InvalidParameterValueError("invalid OWNED BY option", { hint: "Specify OWNED BY table.column or OWNED BY NONE." });
  const column = names.at(-1) ?? "";
  const tableName = names.at(-2) ?? "";
  const table = env.catalog.findRelation(names.length > 2 ? names.at(-3) : undefined, tableName, env.searchPath);
  if (table === undefined) throw new UndefinedTableError(`relation "${names.slice(0, -1).join(".")}" does not exist`);
  if (table.kind !== "table") throw new WrongObjectTypeError(`sequence cannot be owned by relation "${tableName}"`, { detail: "This operation is not supported for this kind of relation." });
  if (table.schema !== sequence.schema) throw new ObjectNotInPrerequisiteStateError("sequence must be in same schema as table it is linked to");
  if (ownerOf(table) !== ownerOf(sequence)) throw new ObjectNotInPrerequisiteStateError("sequence must have same owner as table it is linked to");
  if (!table.columns.some((c) => c.name === column)) throw new UndefinedColumnError(`column "${column}" of relation "${table.name}" does not exist`);
  return { tableId: table.id, column };
}

// ---------------------------------------------------------------------------------------------
// ALTER TABLE … ALTER COLUMN … TYPE

/**
 * ALTER COLUMN … [SET DATA] TYPE … [USING expr]: every row is rewritten with the column's new
 * value (USING, or an assignment cast of the old value: 42804 when there is none, as PostgreSQL),
 * re-keyed when the column is in the primary key, and every index is rebuilt; NOT NULL, CHECK and
 * uniqueness are checked on the new values. Refused (0A000) for a column a view reads (PostgreSQL
 * refuses too). A column in a foreign key, on either side, must keep a type the other side's can
 * be compared with (42804 otherwise), and the references are checked again under the new type.
 */
async function alterColumnType(env: DdlEnvironment, table: TableDefinition, position: number, dataType: TypeName, using: Expr | undefined): Promise<TableDefinition> {
  const column = table.columns[position];
  assert(column !== undefined, "the altered column exists");
  const [view] = viewsDependingOn(env, table.id);
  if (view !== undefined) {
    throw new FeatureNotSupportedError("cannot alter type of a column used by a view or rule", { detail: `rule _RETURN on view ${view.name} depends on column "${column.name}"` });
  }
  const target = resolveTypeTarget(dataType, env.settings);
  if (target.domain !== undefined) throw new FeatureNotSupportedError(`altering the type of column "${column.name}" to a domain is not supported yet`);
  const type = target.type;
  const { missingText: _materialized, domain: _domain, ...kept } = column;
  const after: TableDefinition = { ...withColumn(table, position, () => ({ ...kept, typeOid: type.oid, typmod: type.typmod })), schemaVersion: table.schemaVersion + 1 };
  const keyColumns = [...(table.primaryKey?.columns ?? []), ...table.indexes.flatMap((index) => index.columns)];
  if (keyColumns.includes(position)) assertKeyTypes(after, [position]);
  const convert = columnConversion(env, table, column, type, using);
  if (column.defaultSql !== undefined) {
    const context = { settings: env.settings, paramTypes: [], sql: column.defaultSql };
    try {
      // As PostgreSQL re-coerces a default: its expression without the implicit cast to the old
      // column type, except that a literal took the old type when the default was stored ('5' of
      // a text column stays text, so it does not become an integer default).
      const bound = bindExpr(parseStoredExpression(column.defaultSql), context);
      const base = bound.type.oid === TypeOid.unknown ? coerce(bound, { oid: column.typeOid, typmod: column.typmod }, "assignment", context) : bound;
      coerce(base, type, "assignment", context);
    } catch (error) {
      if (error instanceof DbError && (error.sqlState === SqlState.DatatypeMismatch || error.sqlState === SqlState.CannotCoerce)) {
        throw new DatatypeMismatchError(`default for column "${column.name}" cannot be cast automatically to type ${formatType(type.oid, type.typmod)}`);
      }
      throw error;
    }
  }
  const children = Array.from(env.catalog.tables()).filter((t) => t.id !== table.id && t.foreignKeys.some((fk) => fk.refTableId === table.id && fk.refColumns.includes(position)));
  for (const fk of after.foreignKeys) {
    const parent = fk.refTableId === table.id ? after : env.catalog.table(fk.refTableId);
    if (fk.columns.includes(position) && parent !== undefined) assertForeignKeyTypes(fk, after, parent);
  }
  for (const child of children) for (const fk of child.foreignKeys) if (fk.refTableId === table.id) assertForeignKeyTypes(fk, child, after);
  const rewritten = await rewriteRows(env, table, after, position, convert);
  await revalidateReferencingRows(env, rewritten, children);
  return rewritten;
}

/**
 * After the type of a referenced column changed, every row of the tables referencing it must
 * still find its referenced row (under the new key encoding): the catalog gets the new definition
 * first, so the checks read the rewritten table.
 */
async function revalidateReferencingRows(env: DdlEnvironment, after: TableDefinition, children: readonly TableDefinition[]): Promise<void> {
  if (children.length === 0) return;
  await env.catalog.write(env.txn, after);
  for (const child of children) {
    const layout = layoutOf(child);
    const writer = new RowWriter(env, { ...child, indexes: [], checks: [], foreignKeys: child.foreignKeys.filter((fk) => fk.refTableId === after.id) });
    for (const [key, value] of Array.from(env.txn.scan(storageRange(tableStorage(child))))) await writer.validate(layout.decode(key, value));
  }
}

/** The new value of the column for a stored row: USING, or an assignment cast of the old value. */
function columnConversion(env: DdlEnvironment, table: TableDefinition, column: ColumnDefinition, type: { readonly oid: number; readonly typmod: number }, using: Expr | undefined): CompiledExpr {
  const sql = using === undefined ? deparse({ kind: "column_ref", names: [column.name], isStar: false, pos: 0 }) : deparse(using);
  const context = { settings: env.settings, paramTypes: [], sql: `SELECT ${sql}`, scope: new TableScope(table) };
  const bound = bindExpr(parseStoredExpression(sql), context);
  try {
    return compileExpr(coerce(bound, type, "assignment", context), env.registry);
  } catch (error) {
    const isNoCast = error instanceof DbError && (error.sqlState === SqlState.DatatypeMismatch || error.sqlState === SqlState.CannotCoerce);
    if (using === undefined && isNoCast) {
      const typeName = formatType(type.oid, type.typmod);
      throw new DatatypeMismatchError(`column "${column.name}" cannot be cast automatically to type ${typeName}`, { hint: `You might need to specify "USING ${column.name}::${typeName}".` });
    }
    throw error;
  }
}

/** Rewrites every row of `before` as `after` with column `position` converted (rebuilding the indexes), then re-checks them. */
async function rewriteRows(env: DdlEnvironment, before: TableDefinition, after: TableDefinition, position: number, convert: CompiledExpr): Promise<TableDefinition> {
  const column = after.columns[position];
  const rewritten = await rewriteTable(env, before, after, (row) => {
    const converted = convert(row, [], env.context);
    if (converted === null && column?.isNotNull === true) throw new NotNullViolationError(`column "${column.name}" of relation "${after.name}" contains null values`);
    const newRow = row.slice();
    newRow[position] = converted;
    return newRow;
  });
  // CHECK constraints, domains and foreign keys over the converted values (the catalog names the
  // new rows now, so a foreign key to the table itself reads them).
  const layout = layoutOf(rewritten);
  const writer = new RowWriter(env, { ...rewritten, indexes: [] });
  for (const [key, value] of env.txn.scan(storageRange(layout.storage))) await writer.validate(layout.decode(key, value));
  return rewritten;
}

/** DROP … CASCADE of a type that columns use: each such column is dropped (ALTER TABLE … DROP COLUMN … CASCADE), with PostgreSQL's notice. */
export async function dropColumnsCascading(env: DdlEnvironment, columns: readonly { readonly table: TableDefinition; readonly column: string }[]): Promise<void> {
  for (const { table, column } of columns) {
    env.notice(`drop cascades to column ${column} of table ${table.name}`);
    const action: AlterTableAction = { kind: "alter_table_action", pos: 0, type: "drop_column", column, ifExists: false, behavior: "cascade" };
    await alterTable(env, { kind: "alter_table", pos: 0, table: [table.schema, table.name], ifExists: false, isOnly: false, actions: [action] });
  }
}

/**
 * Tables keep snapshots of their columns' enum types and domains (TableDefinition.enumTypes,
 * .domains): after ALTER TYPE or ALTER DOMAIN, writing each table of the type again refreshes them.
 */
export async function refreshTypeSnapshots(env: DdlEnvironment, typeOid: number): Promise<void> {
  const tables = Array.from(env.catalog.tables()).filter((t) => t.columns.some((c) => c.typeOid === typeOid || c.domain === typeOid));
  for (const table of tables) await env.catalog.write(env.txn, table);
}
