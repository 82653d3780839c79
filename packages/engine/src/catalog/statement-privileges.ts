/**
 * The privileges a DML statement needs, checked before it runs, as PostgreSQL's
 * ExecCheckRTPerms does: SELECT on every table, view or sequence read (a view's own tables are
 * checked as the view's owner), INSERT/UPDATE/DELETE on the target, SELECT on the target too when
 * the statement reads its rows (WHERE, RETURNING, a SET expression over columns, ON CONFLICT DO
 * UPDATE), USAGE on every schema named explicitly. Unqualified names resolve along the search
 * path with the schemas lacking USAGE already left out (see `usableSearchPath`).
 *
 * The walk is over the statement's AST, not the plan: the plan has views expanded and no longer
 * says whose privileges a table is read with.
 */
import type { CopyStatement, DeleteStatement, InsertStatement, QualifiedName, SelectStatement, Statement, UpdateStatement } from "@omnikv/parser";
import { parse } from "@omnikv/parser";
import type { CatalogView, RelationDefinition } from "./catalog-store.ts";
import { InsufficientPrivilegeError } from "../errors.ts";
import type { ColumnDefinition, TableDefinition, ViewDefinition } from "./definitions.ts";
import { letterList, ownerOf, permissionDenied, type PrivilegeChecker } from "./privileges.ts";
import { resolveSystemTable } from "./system-tables.ts";

export interface AccessContext {
  readonly catalog: CatalogView;
  readonly checker: PrivilegeChecker;
  /** The search path with schemas the role may not use removed. */
  readonly searchPath: readonly string[];
  readonly roleId: number;
}

/** Views nest at most this deep (a cycle cannot be created, but a bound keeps the walk finite). */
const viewDepthMax = 64;

/** Throws 42501 unless the role may run `statement`; a no-op for superusers and for other statements. */
export function checkStatementPrivileges(context: AccessContext, statement: Statement): void {
  if (context.checker.isSuperuser(context.roleId)) return;
  if (statement.kind === "select") {
    checkReads(context, statement, 0);
    checkLocking(context, statement);
  }
  else if (statement.kind === "insert") checkInsert(context, statement);
  else if (statement.kind === "update") checkUpdate(context, statement);
  else if (statement.kind === "delete") checkDelete(context, statement);
  else if (statement.kind === "copy") checkCopy(context, statement);
  else if (statement.kind === "explain") checkStatementPrivileges(context, statement.statement);
  else if (statement.kind === "create_table_as") checkReads(context, statement.query, 0);
  else if (statement.kind === "truncate") for (const name of statement.tables) requireOn(context, name, "D");
}

/** SELECT … FOR UPDATE/SHARE: each locked table needs UPDATE too (PostgreSQL's rule). */
function checkLocking(context: AccessContext, statement: SelectStatement): void {
  if (statement.locking.length === 0 || statement.body.kind !== "select_core") return;
  const named = statement.locking.flatMap((clause) => clause.tables.map((name) => name.at(-1) ?? ""));
  for (const item of statement.body.from) {
    if (item.kind !== "table_ref") continue;
    const alias = item.alias?.name ?? item.name.at(-1) ?? "";
    if (named.length === 0 || named.includes(alias)) requireOn(context, item.name, "w", () => "any");
  }
}

function checkInsert(context: AccessContext, statement: InsertStatement): void {
  let letters = "a";
  if (statement.onConflict?.action === "update") letters += "w";
  if (statement.returning.length > 0 || statement.onConflict?.action === "update") letters += "r";
  const alias = statement.alias ?? statement.table.at(-1) ?? "";
  const updated = statement.onConflict?.set.flatMap((s) => s.columns) ?? [];
  requireOn(context, statement.table, letters, (letter, table) => {
    if (letter === "a") return statement.columns.length > 0 ? statement.columns : table.columns.map((c) => c.name);
    return letter === "w" ? updated : referencedColumns(statement, table, alias);
  });
  checkReads(context, statement, 0);
}

function checkUpdate(context: AccessContext, statement: UpdateStatement): void {
  const readsRows = statement.where !== undefined || statement.returning.length > 0 || statement.from.length > 0 || hasColumnRef(statement.set);
  const alias = statement.alias ?? statement.table.at(-1) ?? "";
  const assigned = statement.set.flatMap((s) => s.columns);
  requireOn(context, statement.table, readsRows ? "wr" : "w", (letter, table) => (letter === "w" ? assigned : referencedColumns(statement, table, alias)));
  checkReads(context, statement, 0);
}

function checkDelete(context: AccessContext, statement: DeleteStatement): void {
  const readsRows = statement.where !== undefined || statement.returning.length > 0 || statement.using.length > 0;
  const alias = statement.alias ?? statement.table.at(-1) ?? "";
  requireOn(context, statement.table, readsRows ? "dr" : "d", (letter, table) => (letter === "r" ? referencedColumns(statement, table, alias) : undefined));
  checkReads(context, statement, 0);
}

function checkCopy(context: AccessContext, statement: CopyStatement): void {
  if (statement.query !== undefined) checkReads(context, statement.query, 0);
  const columns = (table: TableDefinition): readonly string[] => (statement.columns.length > 0 ? statement.columns : table.columns.map((c) => c.name));
  if (statement.table !== undefined) requireOn(context, statement.table, statement.direction === "from" ? "a" : "r", (_letter, table) => columns(table));
}

/**
 * The columns a letter can be held on instead of the table (column privileges): a list (each
 * needed), "any" (one suffices: PostgreSQL's rule when a statement names none), or undefined
 * (only the table-level privilege will do).
 */
type ColumnNeeds = (letter: string, table: TableDefinition) => readonly string[] | "any" | undefined;

/** The letters on the relation `name` names (a missing relation is left for the planner to report). */
function requireOn(context: AccessContext, name: QualifiedName, letters: string, columns?: ColumnNeeds): void {
  const relation = resolve(context, name);
  if (relation !== undefined) requireLetters(context, relation, letters, columns);
}

function requireLetters(context: AccessContext, relation: RelationDefinition, letters: string, columns: ColumnNeeds | undefined): void {
  const { checker, roleId } = context;
  for (const letter of letterList(letters)) {
    if (checker.has(roleId, relation, letter)) continue;
    const needed = relation.kind === "table" ? columns?.(letter, relation) : undefined;
    if (needed === undefined || relation.kind !== "table") throw permissionDenied(relation);
    const holds = (column: ColumnDefinition): boolean => checker.hasColumn(roleId, relation, column, letter);
    const isHeld = needed === "any" ? relation.columns.some(holds) : needed.every((name) => relation.columns.some((c) => c.name === name && holds(c)));
    if (!isHeld) throw permissionDenied(relation);
  }
}

/**
 * The columns of `table` (named `alias` in the statement) that `node` refers to: `*` and
 * `alias.*` are all of them, `alias.c` is c, an unqualified `c` is c when the table has one.
 * Unqualified names are not resolved scope by scope, so a column of the same name in another
 * table of the statement counts too (more privileges may be asked than PostgreSQL asks).
 */
function referencedColumns(node: unknown, table: TableDefinition, alias: string): readonly string[] | "any" {
  const found = new Set<string>();
  for (const ref of columnRefs(node)) {
    const qualifier = ref.isStar ? ref.names.at(-1) : ref.names.at(-2);
    if (ref.isStar) {
      if (qualifier === undefined || qualifier === alias) return table.columns.map((c) => c.name);
      continue;
    }
    const name = ref.names.at(-1) ?? "";
    if (qualifier === undefined ? table.columns.some((c) => c.name === name) : qualifier === alias) found.add(name);
  }
  return found.size === 0 ? "any" : [...found];
}

function columnRefs(node: unknown, found: { readonly names: readonly string[]; readonly isStar: boolean }[] = []): { readonly names: readonly string[]; readonly isStar: boolean }[] {
  if (typeof node !== "object" || node === null) return found;
  if ("kind" in node && node.kind === "column_ref" && "names" in node && Array.isArray(node.names) && "isStar" in node) {
    found.push({ names: node.names.filter((n): n is string => typeof n === "string"), isStar: node.isStar === true });
  }
  for (const value of Object.values(node)) if (typeof value === "object") columnRefs(value, found);
  return found;
}

function resolve(context: AccessContext, name: QualifiedName): RelationDefinition | undefined {
  const schemaName = name.length > 1 ? name.at(-2) : undefined;
  const relationName = name.at(-1) ?? "";
  if (schemaName !== undefined) {
    const schema = context.catalog.schema(schemaName);
    if (schema !== undefined) context.checker.requireUsage(context.roleId, schema);
  }
  const system = resolveSystemTable(schemaName, relationName, context.searchPath, (s) => context.catalog.relation(s, relationName) !== undefined);
  if (system !== undefined) {
    // PostgreSQL grants SELECT on its catalogs to PUBLIC, except pg_authid (it holds the password verifiers).
    if (system.name === "pg_authid") throw new InsufficientPrivilegeError("permission denied for table pg_authid");
    return undefined;
  }
  return context.catalog.findRelation(schemaName, relationName, context.searchPath);
}

/** SELECT on every relation a statement reads (CTE names excluded), views checked as their owners. */
function checkReads(context: AccessContext, node: unknown, depth: number): void {
  const cteNames = new Set<string>();
  collectCteNames(node, cteNames);
  for (const { name, alias } of tableRefs(node)) {
    if (name.length === 1 && cteNames.has(name[0] ?? "")) continue;
    const relation = resolve(context, name);
    if (relation === undefined) continue;
    requireLetters(context, relation, "r", (_letter, table) => referencedColumns(node, table, alias));
    if (relation.kind === "view" && depth < viewDepthMax) {
      checkReads({ ...context, roleId: ownerOf(relation) }, viewQuery(relation), depth + 1);
    }
  }
}

const viewQueries = new WeakMap<ViewDefinition, unknown>();

/** A view's stored query, parsed once per definition (a checked statement may name it often). */
function viewQuery(view: ViewDefinition): unknown {
  let query = viewQueries.get(view);
  if (query === undefined) {
    query = parse(view.sql)[0];
    viewQueries.set(view, query);
  }
  return query;
}

function collectCteNames(node: unknown, found: Set<string>): void {
  if (typeof node !== "object" || node === null) return;
  if ("kind" in node && node.kind === "cte" && "name" in node && typeof node.name === "string") found.add(node.name);
  for (const value of Object.values(node)) if (typeof value === "object") collectCteNames(value, found);
}

/** Every `table_ref` under `node`, in the order written: its name and the alias it is known by. */
function tableRefs(node: unknown, found: { readonly name: QualifiedName; readonly alias: string }[] = []): { readonly name: QualifiedName; readonly alias: string }[] {
  if (typeof node !== "object" || node === null) return found;
  if ("kind" in node && node.kind === "table_ref" && "name" in node && Array.isArray(node.name)) {
    const name = node.name.filter((part): part is string => typeof part === "string");
    const alias = "alias" in node && typeof node.alias === "object" && node.alias !== null && "name" in node.alias && typeof node.alias.name === "string" ? node.alias.name : (name.at(-1) ?? "");
    found.push({ name, alias });
  }
  for (const value of Object.values(node)) if (typeof value === "object") tableRefs(value, found);
  return found;
}

function hasColumnRef(node: unknown): boolean {
  if (typeof node !== "object" || node === null) return false;
  if ("kind" in node && node.kind === "column_ref") return true;
  return Object.values(node).some((value) => typeof value === "object" && hasColumnRef(value));
}
