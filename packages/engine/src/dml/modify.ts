/**
 * INSERT, UPDATE and DELETE. Each reads the rows it changes with a query the engine synthesizes
 * (planned by the planner, run by the executor), reads them all before writing any (so a
 * statement never sees its own changes), then writes through `RowWriter`, which enforces the
 * constraints and maintains the indexes.
 *
 * UPDATE and DELETE lock each target row. Under READ COMMITTED a row another transaction changed
 * since the statement's snapshot is re-checked against its newest version, as PostgreSQL's
 * EvalPlanQual does: the same query runs again over just that version; a row that no longer
 * matches is skipped, one that does is changed from its newest values (no lost updates).
 */
import { SerializationFailureError } from "@omnikv/txn";
import { DatatypeMismatchError, DbError, FeatureNotSupportedError, SqlState, assert, assertNever, TypeOid, UndefinedObjectError, WrongObjectTypeError, type SqlValue } from "@omnikv/base";

class CardinalityViolationError extends DbError {
  override readonly name: string = "CardinalityViolationError";
  readonly sqlState = SqlState.CardinalityViolation;
}
import { compileExpr, type CompiledExpr, type IndexScanRequest, type Row, type TableAccess } from "@omnikv/executor";
import type { DeleteStatement, Expr, FromItem, InsertStatement, ResTarget, SelectStatement, UpdateStatement } from "@omnikv/parser";
import { SqlSyntaxError, deparse } from "@omnikv/parser";
import {
  InvalidColumnReferenceError,
  UndefinedColumnError,
  UndefinedTableError,
  bindExpr,
  coerce,
  formatTypeName,
  type BoundExpr,
  type Catalog,
  type CatalogTable,
  type CatalogView,
  type PlanColumn,
} from "@omnikv/planner";
import { tableStorage, type ColumnDefinition, type TableDefinition } from "../catalog/definitions.ts";
import { rowIdColumnName } from "../catalog/planner-catalog.ts";
import { compareBytes } from "../encoding/key-codec.ts";
import { RowWriter, lockOptions, parseStoredExpression } from "../storage/row-writer.ts";
import { layoutOf } from "../storage/table-layout.ts";
import { columnRef, columnTypeName, queryOf, selectStatement, tableRef, target, typedForColumn, type EnumTypeLookup } from "./ast-builders.ts";
import { planQuery, runQuery, type MemoSlot, type QueryRows, type StatementEnvironment } from "./statement-environment.ts";

export interface ModifyResult {
  readonly rowCount: number;
  /** The RETURNING rows, when the statement has a RETURNING clause. */
  readonly returning?: QueryRows;
}

export function targetTable(env: StatementEnvironment, name: readonly string[]): TableDefinition {
  const relationName = name.at(-1) ?? "";
  const schema = name.length > 1 ? name.at(-2) : undefined;
  const relation = env.catalog.findRelation(schema, relationName, env.searchPath);
  if (relation === undefined) throw new UndefinedTableError(`relation "${name.join(".")}" does not exist`);
  if (relation.kind !== "table") throw new WrongObjectTypeError(`"${relationName}" is not a table`);
  return relation;
}

// ---------------------------------------------------------------------------------------------
// INSERT

/**
 * The statement's target table, its lock taken before anything is planned or read (PostgreSQL's
 * RowExclusiveLock at analysis): a DDL running on the table makes the statement wait, and it then
 * works from the definition that DDL committed.
 */
export async function lockedTargetTable(env: StatementEnvironment, name: readonly string[]): Promise<TableDefinition> {
  // Describe's dry run reads nothing and writes nothing: no lock, no new snapshot.
  if (env.lockRelation === undefined || env.plans !== undefined) return targetTable(env, name);
  return lockResolvedTable(
    () => targetTable(env, name),
    async (id) => env.lockRelation?.(id, "share", { isResolvedAgain: true }),
  );
}

/**
 * Locks the table `resolve` names, then resolves the name again: once the wait is over it may
 * name another table (dropped and created again), which is locked too, until the name stays on a
 * locked table. 40001 after `targetLockAttemptsMax` tables.
 */
export async function lockResolvedTable<T extends { readonly id: number; readonly name: string }>(resolve: () => T, lock: (id: number) => Promise<void>): Promise<T> {
  let table = resolve();
  for (let attempt = 0; attempt < targetLockAttemptsMax; attempt += 1) {
    await lock(table.id);
    const current = resolve();
    if (current.id === table.id) return current;
    table = current;
  }
  throw new SerializationFailureError(`could not serialize access due to concurrent DDL on relation "${table.name}"`);
}

/** How often a statement follows a table's name to another table before it gives up (40001). */
export const targetLockAttemptsMax = 8;

export async function executeInsert(env: StatementEnvironment, statement: InsertStatement): Promise<ModifyResult> {
  const table = await lockedTargetTable(env, statement.table);
  const allPositions = targetPositions(table, statement.columns);
  const source = readInsertSource(env, table, allPositions, statement);
  // Without a column list, the source's columns fill the table's first columns; the rest take defaults.
  const positions = statement.columns.length === 0 ? allPositions.slice(0, source.columns.length) : allPositions;
  const assign = positions.map((position, i) => assignment(env, source.columns[i], i, table.columns[position]));
  const defaults = table.columns.map((column, i) => (positions.includes(i) ? undefined : defaultOf(env, column)));
  const writer = new RowWriter(env, table);
  const hasRowId = table.primaryKey === undefined;
  // The rows go back only for RETURNING; otherwise they are counted, not kept (a bulk INSERT
  // would hold every row it wrote until the end).
  const inserted = new ModifiedRows(statement.returning.length > 0);
  const onConflict = statement.onConflict;
  if (onConflict?.action === "update" && onConflict.targetColumns.length === 0 && onConflict.targetConstraint === undefined) {
    throw new SqlSyntaxError("ON CONFLICT DO UPDATE requires inference specification or constraint name", {
      hint: "For example, ON CONFLICT (column_name).",
    });
  }
  const arbiters = onConflict === undefined ? undefined : conflictArbiters(table, onConflict);
  const upsert = onConflict?.action === "update" ? new Upsert(env, table, statement.alias ?? table.name, onConflict, writer) : undefined;
  for (const sourceRow of source.rows) {
    const row: SqlValue[] = table.columns.map((_, i) => {
      const fill = defaults[i];
      return fill === undefined ? null : fill([], env.params, env.context);
    });
    positions.forEach((position, i) => {
      row[position] = assign[i]?.(sourceRow, env.params, env.context) ?? null;
    });
    if (hasRowId) row.push(await env.allocateRowId(tableStorage(table)));
    if (onConflict === undefined) {
      await writer.insert(row);
    } else if (upsert !== undefined) {
      const existing = await writer.conflictingRow(row, arbiters);
      if (existing !== undefined) {
        const updated = await upsert.update(existing, row);
        if (updated !== undefined) inserted.add(updated);
        continue;
      }
      await writer.insert(row);
      upsert.noteInserted(row);
    } else if (!(await insertOrSkip(writer, row, arbiters))) {
      continue;
    }
    inserted.add(row);
  }
  return inserted.isKept ? withReturning(env, table, statement.alias, statement.returning, inserted.rows) : { rowCount: inserted.count };
}

/** The rows a statement changed: kept when its RETURNING needs them, else only counted. */
class ModifiedRows {
  readonly rows: Row[] = [];
  count = 0;

  constructor(readonly isKept: boolean) {}

  add(row: Row): void {
    this.count += 1;
    if (this.isKept) this.rows.push(row);
  }
}

/** The synthetic table `excluded` (the row proposed for insertion) is read under this id. */
const excludedTableId = -1;

/**
 * ON CONFLICT … DO UPDATE: the SET expressions and the WHERE condition are planned once, as a
 * query over the existing row (a row source under the target's name) and `excluded` (the proposed
 * row), and run for each conflict over exactly those two rows. A row may be updated once per statement (21000).
 */
class Upsert {
  readonly #env: StatementEnvironment;
  readonly #writer: RowWriter;
  readonly #positions: readonly number[];
  readonly #assign: readonly CompiledExpr[];
  readonly #query: SelectStatement;
  readonly #catalog: Catalog;
  readonly #hasWhere: boolean;
  readonly #updatedKeys = new Set<string>();
  /** Where the SET query's plan is kept: planned once per statement, not once per conflict. */
  readonly #slot: MemoSlot;

  constructor(env: StatementEnvironment, table: TableDefinition, alias: string, onConflict: NonNullable<InsertStatement["onConflict"]>, writer: RowWriter) {
    this.#slot = { key: onConflict, site: "upsert" };
    this.#env = env;
    this.#writer = writer;
    const assignments = onConflict.set.flatMap((clause) => splitSetClause(clause.columns, clause.value, clause.isMulti));
    this.#positions = assignments.map(({ column }) => {
      const position = table.columns.findIndex((c) => c.name === column);
      if (position < 0) throw new UndefinedColumnError(`column "${column}" of relation "${table.name}" does not exist`);
      return position;
    });
    const values = assignments.map(({ value }, i) => target(valueForColumn(env, table.columns[this.#positions[i] ?? -1], value)));
    const pos = onConflict.pos;
    this.#hasWhere = onConflict.where !== undefined;
    const condition = onConflict.where === undefined ? [] : [target({ kind: "cast", expr: onConflict.where, type: { kind: "type_name", names: ["bool"], modifiers: [], arrayBounds: [], pos }, pos })];
    // The existing row is a row source of its own (see `withReturning`): a subquery naming the
    // table reads the table, as in PostgreSQL, not just the conflicting row.
    this.#query = selectStatement({ targets: [...values, ...condition], from: [tableRef([rowSourceSchema, table.name], alias, pos), tableRef(["\u0000excluded"], "excluded", pos)] }, pos);
    this.#catalog = new ExcludedCatalog(new RowSourceCatalog(env.planner, table), env.planner.findTable(table.schema, table.name));
    const { columns } = planQuery(env, this.#query, this.#catalog, this.#slot);
    this.#assign = this.#positions.map((position, i) => assignment(env, columns[i], i, table.columns[position]));
  }

  /** A row this command inserted: a later proposed row that conflicts with it is an error too (21000). */
  noteInserted(row: Row): void {
    this.#updatedKeys.add(Buffer.from(this.#writer.layout.rowKey(row)).toString("latin1"));
  }

  /** Updates the existing row (key locked) from the proposed one; the new row, or undefined when WHERE rejects it. */
  async update(existingKey: Uint8Array, proposed: Row): Promise<Row | undefined> {
    const seen = Buffer.from(existingKey).toString("latin1");
    if (this.#updatedKeys.has(seen)) {
      throw new CardinalityViolationError("ON CONFLICT DO UPDATE command cannot affect row a second time", {
        hint: "Ensure that no rows proposed for insertion within the same command have duplicate constrained values.",
      });
    }
    const layout = this.#writer.layout;
    const bytes = await this.#env.txn.getForUpdate(existingKey, lockOptions(this.#env));
    if (bytes === undefined) return undefined;
    const existing = layout.decode(existingKey, bytes);
    const access = new TwoRowAccess(this.#env.access, rowSourceId, existing, proposed);
    const [result] = runQuery(this.#env, this.#query, this.#catalog, access, this.#slot).rows;
    if (result === undefined) return undefined;
    if (this.#hasWhere && result[this.#positions.length] !== true) return undefined;
    const updated = existing.slice();
    this.#positions.forEach((position, i) => {
      updated[position] = this.#assign[i]?.(result, this.#env.params, this.#env.context) ?? null;
    });
    await this.#writer.update(existing, updated);
    this.#updatedKeys.add(Buffer.from(layout.rowKey(updated)).toString("latin1"));
    this.#updatedKeys.add(seen);
    return updated;
  }
}

/** The planner's catalog plus `excluded`: the target table's columns under a table id of its own. */
class ExcludedCatalog implements Catalog {
  readonly #inner: Catalog;
  readonly #excluded: CatalogTable | undefined;

  constructor(inner: Catalog, upsertTarget: CatalogTable | undefined) {
    this.#inner = inner;
    this.#excluded = upsertTarget === undefined ? undefined : { id: excludedTableId, schema: upsertTarget.schema, name: "excluded", columns: upsertTarget.columns, indexes: [] };
  }

  findTable(schema: string | undefined, name: string): CatalogTable | undefined {
    if (schema === undefined && name === "\u0000excluded") return this.#excluded;
    return this.#inner.findTable(schema, name);
  }
}

/** The target table holding one row and `excluded` holding the other; everything else as usual. */
class TwoRowAccess implements TableAccess {
  readonly #inner: TableAccess;
  readonly #tableId: number;
  readonly #existing: Row;
  readonly #proposed: Row;

  constructor(inner: TableAccess, tableId: number, existing: Row, proposed: Row) {
    this.#inner = inner;
    this.#tableId = tableId;
    this.#existing = existing;
    this.#proposed = proposed;
  }

  scan(table: CatalogTable): Iterable<Row> {
    if (table.id === this.#tableId) return [this.#existing];
    if (table.id === excludedTableId) return [this.#proposed];
    return this.#inner.scan(table);
  }

  scanIndex(table: CatalogTable, request: IndexScanRequest): Iterable<Row> {
    if (table.id === this.#tableId || table.id === excludedTableId || this.#inner.scanIndex === undefined) throw new Error("the upsert's tables have no indexes");
    return this.#inner.scanIndex(table, request);
  }
}

/**
 * The constraints an ON CONFLICT clause arbitrates (PostgreSQL's arbiter indexes): the one named,
 * the primary key or unique index on exactly the listed columns (42P10 when none), or every
 * unique constraint when no target is given (undefined).
 */
function conflictArbiters(table: TableDefinition, onConflict: NonNullable<InsertStatement["onConflict"]>): ReadonlySet<string> | undefined {
  // Each key element as the target names it: a column's name, or an expression's SQL.
  const elementsOf = (columns: readonly number[], expressions?: readonly (string | null)[]): string[] =>
    columns.map((column, i) => expressions?.[i] ?? `column:${table.columns[column]?.name ?? ""}`);
  const keys: { readonly name: string; readonly elements: readonly string[]; readonly predicate?: string }[] = [
    ...(table.primaryKey === undefined ? [] : [{ name: table.primaryKey.name, elements: elementsOf(table.primaryKey.columns) }]),
    ...table.indexes.filter((i) => i.isUnique).map((i) => ({ name: i.name, elements: elementsOf(i.columns, i.expressions), ...(i.predicate === undefined ? {} : { predicate: i.predicate }) })),
  ];
  if (onConflict.targetConstraint !== undefined) {
    const named = keys.find((k) => k.name === onConflict.targetConstraint);
    if (named === undefined) throw new UndefinedObjectError(`constraint "${onConflict.targetConstraint}" for table "${table.name}" does not exist`);
    return new Set([named.name]);
  }
  if (onConflict.targetColumns.length === 0) return undefined;
  const wanted = onConflict.targetColumns.map((element) => (element.expr === undefined ? `column:${element.column ?? ""}` : deparse(element.expr)));
  // A partial unique index arbitrates only when the target's WHERE states its predicate (as
  // written; PostgreSQL proves implication more generally). A full one arbitrates either way.
  const targetWhere = onConflict.targetWhere === undefined ? undefined : deparse(onConflict.targetWhere);
  const matching = keys.filter((k) => k.elements.length === wanted.length && wanted.every((e) => k.elements.includes(e)) && (k.predicate === undefined || k.predicate === targetWhere));
  if (matching.length === 0) {
    throw new InvalidColumnReferenceError("there is no unique or exclusion constraint matching the ON CONFLICT specification");
  }
  return new Set(matching.map((k) => k.name));
}

/**
 * ON CONFLICT DO NOTHING: the arbiters are checked first (a conflict there skips the row, even if
 * another constraint would also fail); otherwise the row is inserted, and any other violation is
 * an error, as in PostgreSQL.
 */
async function insertOrSkip(writer: RowWriter, row: Row, arbiters: ReadonlySet<string> | undefined): Promise<boolean> {
  if (await writer.conflicts(row, arbiters)) return false;
  await writer.insert(row);
  return true;
}

function targetPositions(table: TableDefinition, columns: readonly string[]): number[] {
  if (columns.length === 0) return table.columns.map((_, i) => i);
  const positions = columns.map((name) => {
    const position = table.columns.findIndex((c) => c.name === name);
    if (position < 0) throw new UndefinedColumnError(`column "${name}" of relation "${table.name}" does not exist`);
    return position;
  });
  const duplicate = positions.find((p, i) => positions.indexOf(p) !== i);
  if (duplicate !== undefined) throw new SqlSyntaxError(`column "${table.columns[duplicate]?.name ?? ""}" specified more than once`);
  return positions;
}

function readInsertSource(env: StatementEnvironment, table: TableDefinition, positions: readonly number[], statement: InsertStatement): QueryRows {
  const source = statement.source;
  // DEFAULT VALUES: one row of defaults — none in a dry run (Describe, EXPLAIN), which writes nothing.
  if (source === undefined) return { columns: [], rows: env.plans === undefined ? [[]] : [] };
  const body = source.body;
  if (body.kind === "values" && source.orderBy.length === 0 && source.limit === undefined && source.offset === undefined) {
    const rows = body.rows.map((values) => {
      if (values.length > positions.length) throw new SqlSyntaxError("INSERT has more expressions than target columns");
      return values.map((expr, i) => valueForColumn(env, table.columns[positions[i] ?? -1], expr));
    });
    if (statement.columns.length > 0 && (rows[0]?.length ?? 0) < positions.length) throw new SqlSyntaxError("INSERT has more target columns than expressions");
    // Synthesized anew each time from the same statement: its plan is kept for the statement.
    return runQuery(env, queryOf({ ...body, rows }, body.pos, source.with ?? statement.with), env.planner, env.access, { key: statement, site: "insert values" });
  }
  const query = statement.with === undefined || source.with !== undefined ? source : { ...source, with: statement.with };
  const result = runQuery(env, query);
  if (result.columns.length > positions.length) throw new SqlSyntaxError("INSERT has more expressions than target columns");
  if (statement.columns.length > 0 && result.columns.length < positions.length) throw new SqlSyntaxError("INSERT has more target columns than expressions");
  return result;
}

/** A VALUES or SET expression for `column`: DEFAULT becomes the column's default, untyped literals its type. */
function valueForColumn(env: StatementEnvironment, column: ColumnDefinition | undefined, expr: Expr): Expr {
  if (column === undefined) return expr;
  if (expr.kind === "default") {
    const sql = columnDefaultSql(env, column);
    const value = sql === undefined ? ({ kind: "null", pos: expr.pos } as const) : parseStoredExpression(sql);
    return typedForColumn(value, column, env.paramTypes, env.catalog);
  }
  return typedForColumn(expr, column, env.paramTypes, env.catalog);
}

/** The column's default: its own, its identity's nextval, or its domain's (PostgreSQL's order). */
export function columnDefaultSql(env: StatementEnvironment, column: ColumnDefinition): string | undefined {
  return column.defaultSql ?? identityDefault(env, column) ?? (column.domain === undefined ? undefined : env.catalog.domain(column.domain)?.defaultSql);
}

function identityDefault(env: StatementEnvironment, column: ColumnDefinition): string | undefined {
  if (column.identitySequence === undefined) return undefined;
  const sequence = env.catalog.get(column.identitySequence);
  if (sequence?.kind !== "sequence") return undefined;
  return `nextval('${sequence.schema}.${sequence.name}')`;
}

/** The value a column gets when the statement does not set it. */
function defaultOf(env: StatementEnvironment, column: ColumnDefinition): CompiledExpr | undefined {
  const sql = columnDefaultSql(env, column);
  if (sql === undefined) return undefined;
  const text = `SELECT ${sql}`;
  const context = { settings: env.settings, paramTypes: [], sql: text };
  const expr = parseStoredExpression(sql);
  const bound = bindExpr(expr, context);
  return compileExpr(coerce(bound, { oid: column.typeOid, typmod: column.typmod }, "assignment", context), env.registry);
}

/** The assignment cast of a source column into `column` (PostgreSQL's rules: 42804 when there is none). */
function assignment(env: StatementEnvironment, source: PlanColumn | undefined, sourceIndex: number, column: ColumnDefinition | undefined): CompiledExpr {
  if (source === undefined || column === undefined) return () => null;
  const from = source.type.oid === TypeOid.unknown ? { oid: TypeOid.text, typmod: -1 } : source.type;
  const context = { settings: env.settings, paramTypes: env.paramTypes, sql: env.sql };
  const input: BoundExpr = { kind: "column", type: from, index: sourceIndex, name: source.name };
  let bound: BoundExpr;
  try {
    bound = coerce(input, { oid: column.typeOid, typmod: column.typmod }, "assignment", context);
  } catch (error) {
    if (error instanceof DbError && error.sqlState === SqlState.CannotCoerce) {
      const typeName = (oid: number): string => env.settings.enumType?.(oid)?.name ?? formatTypeName(oid);
      throw new DatatypeMismatchError(`column "${column.name}" is of type ${typeName(column.typeOid)} but expression is of type ${typeName(from.oid)}`, {
        hint: "You will need to rewrite or cast the expression.",
      });
    }
    throw error;
  }
  return compileExpr(bound, env.registry);
}

// ---------------------------------------------------------------------------------------------
// UPDATE and DELETE

interface TargetRows {
  readonly table: TableDefinition;
  readonly alias: string;
  /** The synthesized query: the table's columns (and row id), then the new values (UPDATE). */
  readonly query: SelectStatement;
  /** The UPDATE or DELETE: the key its queries' plans are kept under. */
  readonly statement: UpdateStatement | DeleteStatement;
  readonly rows: Row[];
  readonly columns: readonly PlanColumn[];
}

function readTargets(env: StatementEnvironment, statement: UpdateStatement | DeleteStatement, extraTargets: (table: TableDefinition, alias: string) => readonly ResTarget[]): TargetRows {
  const table = targetTable(env, statement.table);
  const alias = statement.alias ?? table.name;
  const pos = statement.pos;
  const width = table.columns.length + (table.primaryKey === undefined ? 1 : 0);
  const own = Array.from({ length: width }, (_, i) => target(columnRef([alias, table.columns[i]?.name ?? rowIdColumnName], pos)));
  const others = statement.kind === "update" ? statement.from : statement.using;
  const query = selectStatement(
    // The target by its catalog name, never a CTE of the same name (which the statement's WITH may
    // define: PostgreSQL's target is always the table).
    { targets: [...own, ...extraTargets(table, alias)], from: [tableRef([table.schema, table.name], statement.alias, pos), ...others], ...(statement.where === undefined ? {} : { where: statement.where }) },
    pos,
    statement.with,
  );
  const result = runQuery(env, query, env.planner, env.access, { key: statement, site: "targets" });
  return { table, alias, query, statement, rows: dedupeByKey(table, result.rows), columns: result.columns };
}

/** UPDATE … FROM may join a target row to several rows: PostgreSQL changes it once. */
function dedupeByKey(table: TableDefinition, rows: Row[]): Row[] {
  if (rows.length < 2) return rows;
  const layout = layoutOf(table);
  const seen = new Set<string>();
  return rows.filter((row) => {
    const key = Buffer.from(layout.keySuffix(row)).toString("latin1");
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export async function executeUpdate(env: StatementEnvironment, statement: UpdateStatement): Promise<ModifyResult> {
  const table = await lockedTargetTable(env, statement.table);
  const assignments = statement.set.flatMap((clause) => splitSetClause(clause.columns, clause.value, clause.isMulti));
  const positions = assignments.map(({ column }) => {
    const position = table.columns.findIndex((c) => c.name === column);
    if (position < 0) throw new UndefinedColumnError(`column "${column}" of relation "${table.name}" does not exist`);
    return position;
  });
  const values = assignments.map(({ value }, i) => valueForColumn(env, table.columns[positions[i] ?? -1], value));
  // With FROM tables, RETURNING is computed by the target query (it may name those tables), its
  // target columns replaced by their new values.
  const alias = statement.alias ?? table.name;
  const returningInQuery = statement.from.length > 0 ? expandStars(statement.returning, table, alias, statement.from).map((t) => withNewValues(t, table, alias, positions, values, env.catalog)) : [];
  const targets = readTargets(env, statement, () => [...values.map((value) => target(value)), ...returningInQuery]);
  const width = targets.table.columns.length + (table.primaryKey === undefined ? 1 : 0);
  const returningAt = width + values.length;
  const assign = positions.map((position, i) => assignment(env, targets.columns[width + i], width + i, table.columns[position]));
  const writer = new RowWriter(env, table);
  const updated = new ModifiedRows(returningInQuery.length === 0 && statement.returning.length > 0);
  const returned: Row[] = [];
  for (const selected of targets.rows) {
    const current = await lockCurrent(env, targets, writer, selected);
    if (current === undefined) continue;
    const newRow = current.slice(0, width);
    positions.forEach((position, i) => {
      newRow[position] = assign[i]?.(current, env.params, env.context) ?? null;
    });
    await writer.update(current.slice(0, width), newRow);
    updated.add(newRow);
    if (returningInQuery.length > 0) returned.push(current.slice(returningAt));
  }
  if (returningInQuery.length > 0) return { rowCount: updated.count, returning: { columns: targets.columns.slice(returningAt), rows: returned } };
  return updated.isKept ? withReturning(env, table, statement.alias, statement.returning, updated.rows) : { rowCount: updated.count };
}

/**
 * RETURNING of UPDATE … FROM with its stars spelled out, so `withNewValues` can replace the
 * target's columns: `alias.*` is the target's columns, and `*` is the target's columns followed
 * by each FROM item's (`item.*`), PostgreSQL's order. Items whose `*` is not a plain list of
 * named items (a join with USING or NATURAL, which merges columns, or an unaliased function) are
 * refused rather than answered differently.
 */
function expandStars(items: readonly ResTarget[], table: TableDefinition, alias: string, from: readonly FromItem[]): ResTarget[] {
  return items.flatMap((item) => {
    const expr = item.expr;
    if (expr.kind !== "column_ref" || !expr.isStar) return [item];
    const isTargetStar = expr.names.length === 1 && expr.names[0] === alias;
    if (!isTargetStar && expr.names.length > 0) return [item];
    const own = table.columns.map((column) => target(columnRef([alias, column.name], expr.pos), column.name));
    if (isTargetStar) return own;
    return [...own, ...from.flatMap((fromItem) => starsOf(fromItem, expr.pos))];
  });
}

/** `name.*` for each relation a FROM item brings, in order. */
function starsOf(item: FromItem, pos: number): ResTarget[] {
  const star = (name: string): ResTarget => target({ kind: "column_ref", names: [name], isStar: true, pos });
  if (item.alias !== undefined) return [star(item.alias.name)];
  switch (item.kind) {
    case "table_ref":
      return [star(item.name.at(-1) ?? "")];
    case "join":
      if (item.isNatural || item.using !== undefined) break;
      return [...starsOf(item.left, pos), ...starsOf(item.right, pos)];
    case "subquery_ref":
    case "function_ref":
      break;
    default:
      return assertNever(item);
  }
  throw new FeatureNotSupportedError("RETURNING * of UPDATE … FROM over a join with USING or NATURAL, or an unaliased function, is not supported yet; list the columns");
}

/**
 * A RETURNING item of UPDATE … FROM rewritten to read the new row: references to a target column
 * become that column's SET expression (cast to the column's type); `*` and `alias.*` list the
 * target's columns so each can be replaced. Other tables' columns stay as they are.
 */
function withNewValues(item: ResTarget, table: TableDefinition, alias: string, positions: readonly number[], values: readonly Expr[], types: EnumTypeLookup): ResTarget {
  const replaced = (column: number, pos: number): Expr => {
    const at = positions.lastIndexOf(column);
    const name = table.columns[column]?.name ?? "";
    const value = values[at];
    const definition = table.columns[column];
    if (at < 0 || value === undefined || definition === undefined) return columnRef([alias, name], pos);
    return { kind: "cast", expr: value, type: columnTypeName(definition, pos, types), pos };
  };
  const rewrite = (node: unknown): unknown => {
    if (typeof node !== "object" || node === null) return node;
    if (Array.isArray(node)) return node.map(rewrite);
    if ("kind" in node && node.kind === "column_ref" && "names" in node && Array.isArray(node.names) && "pos" in node && typeof node.pos === "number") {
      const names = node.names.filter((name): name is string => typeof name === "string");
      const isTarget = names.length === 1 || (names.length === 2 && names[0] === alias);
      const column = table.columns.findIndex((c) => c.name === names.at(-1));
      if (isTarget && column >= 0 && !("isStar" in node && node.isStar === true)) return replaced(column, node.pos);
      return node;
    }
    if ("kind" in node && (node.kind === "select" || node.kind === "select_core")) return node; // subqueries keep their own scope
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, rewrite(value)]));
  };
  const expr = item.expr;
  assert(!(expr.kind === "column_ref" && expr.isStar && (expr.names.length === 0 || expr.names[0] === alias)), "expandStars listed the target's columns");
  const rewritten = rewrite(expr);
  if (!isExprNode(rewritten)) throw new TypeError("a rewritten RETURNING item is an expression");
  // The output keeps the name PostgreSQL gives the item as written.
  const name = item.alias ?? (expr.kind === "column_ref" ? expr.names.at(-1) : undefined);
  return name === undefined ? { ...item, expr: rewritten } : { ...item, expr: rewritten, alias: name };
}

function isExprNode(value: unknown): value is Expr {
  return typeof value === "object" && value !== null && "kind" in value && typeof value.kind === "string" && "pos" in value;
}

function splitSetClause(columns: readonly string[], value: Expr, isMulti: boolean): { readonly column: string; readonly value: Expr }[] {
  if (!isMulti) return [{ column: columns[0] ?? "", value }];
  if (value.kind !== "row") throw new FeatureNotSupportedError("UPDATE … SET (columns) = (SELECT …) is not supported yet");
  if (value.items.length !== columns.length) throw new SqlSyntaxError("number of columns does not match number of values");
  return columns.map((column, i) => ({ column, value: value.items[i] ?? value }));
}

export async function executeDelete(env: StatementEnvironment, statement: DeleteStatement): Promise<ModifyResult> {
  // RETURNING is computed by the target query itself, so it may name the USING tables too; the
  // deleted row's values are the ones it reads (re-read when the row changed concurrently).
  await lockedTargetTable(env, statement.table);
  const targets = readTargets(env, statement, () => statement.returning);
  const table = targets.table;
  const writer = new RowWriter(env, table);
  const width = table.columns.length + (table.primaryKey === undefined ? 1 : 0);
  let count = 0;
  const returned: Row[] = [];
  for (const selected of targets.rows) {
    const current = await lockCurrent(env, targets, writer, selected);
    if (current === undefined) continue;
    await writer.delete(current.slice(0, width));
    count += 1;
    if (statement.returning.length > 0) returned.push(current.slice(width));
  }
  if (statement.returning.length === 0) return { rowCount: count };
  return { rowCount: count, returning: { columns: targets.columns.slice(width), rows: returned } };
}

/**
 * Locks the target row and returns the statement's row for it: `selected` when the row is
 * unchanged since the snapshot, the re-evaluated row when it changed (READ COMMITTED), undefined
 * when it was deleted or no longer matches.
 */
async function lockCurrent(env: StatementEnvironment, targets: TargetRows, writer: RowWriter, selected: Row): Promise<Row | undefined> {
  const layout = writer.layout;
  const key = layout.rowKey(selected);
  const newest = await env.txn.getForUpdate(key, lockOptions(env));
  if (newest === undefined) return undefined;
  if (compareBytes(newest, layout.encodeValue(selected)) === 0) return selected;
  const version = layout.decode(key, newest);
  return reevaluate(env, targets, version);
}

/**
 * Runs the target query again with its target reduced to one row version (PostgreSQL's
 * EvalPlanQual). Only the target FROM item reads that row: a subquery naming the same table
 * reads the table, as in PostgreSQL (before, it too saw the one row, so `(SELECT count(*) FROM t)`
 * was 1 in the re-check).
 */
function reevaluate(env: StatementEnvironment, targets: TargetRows, version: Row): Row | undefined {
  const catalog = new RowSourceCatalog(env.planner, targets.table);
  const access = new SingleRowAccess(env.access, rowSourceId, [version]);
  return runQuery(env, withRowSourceTarget(targets), catalog, access, { key: targets.statement, site: "recheck" }).rows[0];
}

/** The target query with its first FROM item (the target table) read from the row source instead. */
function withRowSourceTarget(targets: TargetRows): SelectStatement {
  const body = targets.query.body;
  assert(body.kind === "select_core", "a target query is a plain SELECT core");
  const pos = targets.query.pos;
  const source = tableRef([rowSourceSchema, targets.table.name], targets.alias, pos);
  return { ...targets.query, body: { ...body, from: [source, ...body.from.slice(1)] } };
}

/**
 * The planner's catalog with some tables stripped of indexes and statistics: they are scanned,
 * never probed (SELECT … FOR UPDATE's re-check reads each locked table as one row version).
 */
export class SingleRowCatalog implements Catalog {
  readonly #inner: Catalog;
  readonly #tableIds: ReadonlySet<number>;

  /** `tableIds`: the tables read from given rows, which have no indexes here. */
  constructor(inner: Catalog, tableIds: ReadonlySet<number>) {
    this.#inner = inner;
    this.#tableIds = tableIds;
  }

  findTable(schema: string | undefined, name: string): CatalogTable | undefined {
    const table = this.#inner.findTable(schema, name);
    if (table === undefined || !this.#tableIds.has(table.id)) return table;
    return { id: table.id, schema: table.schema, name: table.name, columns: table.columns, indexes: [] };
  }
}

/** Table access where one table (or each of several) holds exactly the given rows. */
export class SingleRowAccess implements TableAccess {
  readonly #inner: TableAccess;
  readonly #rows: ReadonlyMap<number, readonly Row[]>;

  /** `rows`: the rows of table `tables` (an array, not spread arguments: RETURNING may pass millions). */
  constructor(inner: TableAccess, tables: number | ReadonlyMap<number, Row>, rows: readonly Row[] = []) {
    this.#inner = inner;
    this.#rows = typeof tables === "number" ? new Map([[tables, rows]]) : new Map([...tables].map(([id, row]) => [id, [row]]));
  }

  scan(table: CatalogTable): Iterable<Row> {
    return this.#rows.get(table.id) ?? this.#inner.scan(table);
  }

  scanIndex(table: CatalogTable, request: IndexScanRequest): Iterable<Row> {
    if (this.#rows.has(table.id) || this.#inner.scanIndex === undefined) throw new Error("the re-checked table has no indexes");
    return this.#inner.scanIndex(table, request);
  }
}

// ---------------------------------------------------------------------------------------------
// RETURNING

/** The columns a DML statement's RETURNING clause produces (Describe), planned without running it. */
export function returningColumns(env: StatementEnvironment, statement: InsertStatement | UpdateStatement | DeleteStatement): readonly PlanColumn[] {
  const table = targetTable(env, statement.table);
  return withReturning(env, table, statement.alias, statement.returning, []).returning?.columns ?? [];
}

function withReturning(env: StatementEnvironment, table: TableDefinition, alias: string | undefined, returning: readonly ResTarget[], rows: Row[]): ModifyResult {
  if (returning.length === 0) return { rowCount: rows.length };
  // RETURNING is `SELECT <targets> FROM <the modified rows> AS <alias or table name>`. The rows are
  // a relation of their own, not the table: a subquery in RETURNING that names the table reads the
  // table, not just the modified rows. Unlike PostgreSQL, which reads it at the statement's
  // snapshot, it sees the statement's own writes (they are in the transaction's write set by now;
  // reads have no per-statement view of it).
  const catalog = new RowSourceCatalog(env.planner, table);
  const pos = returning[0]?.pos ?? 0;
  const query = selectStatement({ targets: returning, from: [tableRef([rowSourceSchema, table.name], alias ?? table.name, pos)] }, pos);
  const access = new SingleRowAccess(env.access, rowSourceId, rows);
  return { rowCount: rows.length, returning: runQuery(env, query, catalog, access) };
}

/**
 * The schema that names a row source: RETURNING's modified rows, or the one row version a
 * re-check reads. No SQL name holds a NUL (the protocol's strings end at one), so nothing a
 * statement writes reaches it: only the FROM item built here.
 */
const rowSourceSchema = "\u0000rows";
/** The row source's table id: real tables' ids are positive and `excluded` is -1, so scans of it never reach the store. */
const rowSourceId = -2;

/** The planner's catalog plus a row source: a relation with the target table's columns and no indexes. */
class RowSourceCatalog implements Catalog {
  readonly #inner: Catalog;
  readonly #source: CatalogTable;

  constructor(inner: Catalog, table: TableDefinition) {
    this.#inner = inner;
    const found = inner.findTable(table.schema, table.name);
    assert(found !== undefined && found.id === table.id, "the modified table is in the catalog");
    this.#source = { id: rowSourceId, schema: found.schema, name: found.name, columns: found.columns, indexes: [] };
  }

  findTable(schema: string | undefined, name: string): CatalogTable | undefined {
    if (schema === rowSourceSchema && name === this.#source.name) return this.#source;
    return this.#inner.findTable(schema, name);
  }

  findView(schema: string | undefined, name: string): CatalogView | undefined {
    return this.#inner.findView?.(schema, name);
  }
}
