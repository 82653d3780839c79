/**
 * Writes rows of one table inside a transaction and enforces its constraints there, with
 * PostgreSQL's SQLSTATEs and messages: NOT NULL (23502), CHECK (23514), PRIMARY KEY and UNIQUE
 * (23505), FOREIGN KEY (23503, with NO ACTION / RESTRICT / CASCADE / SET NULL on the referenced
 * side). Every index is maintained in the same transaction as the row.
 *
 * Uniqueness holds between concurrent transactions because a unique key is a key of its own:
 * the writer reads it with `getForUpdate`, which takes the row lock (a concurrent inserter of the
 * same value waits), and then sees the newest committed value under READ COMMITTED or fails with
 * 40001 under REPEATABLE READ and SERIALIZABLE — what PostgreSQL does.
 */
import { TypeOid, formatValue, type SqlValue } from "@omnikv/base";
import { compileExpr, type CompiledExpr, type EvalContext, type FunctionRegistry, type Row } from "@omnikv/executor";
import { parse, type Expr } from "@omnikv/parser";
import { UndefinedColumnError, UndefinedTableError, bindExpr, coerce, withDomainCheck, type BoundExpr, type ColumnScope, type SqlType } from "@omnikv/planner";
import type { Transaction } from "@omnikv/txn";
import type { CatalogView } from "../catalog/catalog-store.ts";
import { tableStorage, type ForeignKeyDefinition, type IndexDefinition, type TableDefinition } from "../catalog/definitions.ts";
import { CheckViolationError, ForeignKeyViolationError, NotNullViolationError, UniqueViolationError } from "../errors.ts";
import { compareBytes } from "../encoding/key-codec.ts";
import { storageRange, withPrefix } from "./keys.ts";
import { layoutOf, storageTextSettings, tableTextSettings, type IndexEntry, type TableLayout } from "./table-layout.ts";
import { domainOfColumn } from "../catalog/enum-values.ts";
import { paceRowWork } from "./pacing.ts";

/**
 * What a RowWriter reads and writes rows through: a transaction, or a bulk load into storage the
 * transaction created (storage/bulk-rows.ts).
 */
export type RowStore = Pick<Transaction, "get" | "getForUpdate" | "put" | "putFresh" | "delete" | "lock" | "scan" | "snapshotSequence">;

export interface WriteEnvironment {
  readonly txn: RowStore;
  readonly catalog: CatalogView;
  readonly registry: FunctionRegistry;
  readonly context: EvalContext;
  /** The session's lock_timeout: how long a row-lock wait may last before 55P03 (absent: wait indefinitely). */
  readonly lockTimeoutMs?: number;
  /** Counts rows written per table (auto-analyze decides from the committed counts). */
  readonly changedRows?: Map<number, number>;
  /** Throws 57014 when the statement was canceled or ran past statement_timeout (checked at pacing pauses). */
  readonly interrupt?: () => void;
  /**
   * Takes table `id`'s lock for the transaction (see `RelationLockMode`), waiting while another
   * transaction holds it in a conflicting mode. Absent: no table locks (a store of one writer).
   */
  lockRelation?(id: number, mode: RelationLockMode, options?: RelationLockOptions): Promise<void>;
}

/**
 * A table's lock: `share` for writing its rows (several writers at once), `exclusive` for DDL
 * that reads or changes every row or the definition writers use (CREATE INDEX, ALTER TABLE,
 * TRUNCATE, DROP). PostgreSQL's ROW EXCLUSIVE and ACCESS EXCLUSIVE, in effect; reads take none.
 */
export type RelationLockMode = "share" | "exclusive";

export interface RelationLockOptions {
  /**
   * The statement's target, locked before it planned or read anything: it resolves the table
   * again after the lock, and (READ COMMITTED) reads at a snapshot taken then.
   */
  readonly isResolvedAgain?: boolean;
  /** A table the statement only reads the definition of live (a foreign key's referenced table): no check that it is unchanged. */
  readonly isReferenced?: boolean;
  /** LOCK TABLE: the lock alone, with none of the checks a reader or writer of the table needs. */
  readonly isLockOnly?: boolean;
  /** LOCK TABLE … NOWAIT: 55P03 at once instead of waiting. */
  readonly isNowait?: boolean;
}

/** How deep ON DELETE CASCADE / SET NULL may recurse (a cycle of cascades stops here). */
export const cascadeDepthMax = 64;

export class RowWriter {
  readonly #env: WriteEnvironment;
  readonly layout: TableLayout;
  readonly #checks: readonly { readonly name: string; readonly test: CompiledExpr }[];
  /** Per column of a domain: its value checked against the domain (throws 23502 / 23514). */
  readonly #domainChecks: readonly CompiledExpr[];
  readonly #covers: IndexCoverage;
  readonly #keys: IndexKeys;
  #isLocked = false;

  constructor(env: WriteEnvironment, definition: TableDefinition) {
    this.#env = env;
    this.layout = layoutOf(definition);
    this.#checks = definition.checks.map((check) => ({ name: check.name, test: compileTableExpr(definition, check.sql, { oid: TypeOid.bool, typmod: -1 }, env.registry) }));
    this.#domainChecks = domainChecks(definition, env.registry);
    this.#covers = indexCoverage(definition, env.registry);
    this.#keys = new IndexKeys(definition, env.registry);
  }

  #entry(index: IndexDefinition, row: Row, keySuffix: Uint8Array): IndexEntry {
    return this.#keys.entry(this.layout, index, row, keySuffix, this.#env.context);
  }

  /** Waits out a pacing pause, then stops here if the statement was canceled or timed out meanwhile. */
  async #pause(pause: Promise<void>): Promise<void> {
    await pause;
    this.#env.interrupt?.();
  }

  get definition(): TableDefinition {
    return this.layout.definition;
  }

  /**
   * Before the first write: the table's share lock, so no DDL runs on it until this transaction
   * ends, and those of the tables its foreign keys reference, whose definitions its checks read
   * (PostgreSQL's RowShareLock on them).
   */
  async #lock(): Promise<void> {
    if (this.#isLocked) return;
    if (this.#env.lockRelation !== undefined) {
      await this.#env.lockRelation(this.definition.id, "share");
      for (const fk of this.definition.foreignKeys) if (fk.refTableId !== this.definition.id) await this.#env.lockRelation(fk.refTableId, "share", { isReferenced: true });
    }
    // Its uniqueness checks read the table's storage at the transaction's snapshot: one another
    // transaction moved after that snapshot (TRUNCATE, a rewrite) would look empty to them.
    this.#env.catalog.assertStorageVisible(this.definition.id, this.#env.txn.snapshotSequence, this.definition.name);
    this.#isLocked = true;
  }

  /**
   * Inserts `row`. A row of a table without a primary key carries, last, a row id fresh from
   * `allocateRowId`, which its key is made of.
   */
  async insert(row: Row): Promise<void> {
    await this.#lock();
    const pause = paceRowWork();
    if (pause !== undefined) await this.#pause(pause);
    this.#checkRow(row);
    await this.#checkReferences(row, undefined);
    const suffix = this.layout.keySuffix(row);
    const key = withPrefix(this.layout.storage, suffix);
    if (this.definition.primaryKey !== undefined) {
      const existing = await this.#env.txn.getForUpdate(key, lockOptions(this.#env));
      if (existing !== undefined) throw this.#duplicate(this.definition.primaryKey.name, this.definition.primaryKey.columns, row);
      await this.#env.txn.put(key, this.layout.encodeValue(row));
    } else {
      // Keyed by the row id the caller was just given: no other transaction can name the key while
      // this one runs, so it takes no row lock. (After a restart `allocateRowId` starts above the
      // largest stored id, so the id of a deleted last row can come back; a transaction that still
      // sees that old row then gets 40001 from the write-conflict check, as for any write.)
      await this.#env.txn.putFresh(key, this.layout.encodeValue(row));
    }
    this.#countChange();
    await this.#insertIndexEntries(row, suffix, undefined);
  }

  /**
   * Whether inserting `row` would conflict with an existing row on the primary key or a unique
   * index named in `arbiters` (every one when undefined) — ON CONFLICT's arbiter check, made
   * before the insert as PostgreSQL's speculative insertion does. Takes the keys' row locks.
   */
  async conflicts(row: Row, arbiters: ReadonlySet<string> | undefined): Promise<boolean> {
    return (await this.conflictingRow(row, arbiters)) !== undefined;
  }

  /**
   * The key of the existing row `row` would conflict with on an arbiter (locked), or undefined.
   * NOT NULL and CHECK come first, as PostgreSQL's ExecConstraints runs before the arbiter check.
   */
  async conflictingRow(row: Row, arbiters: ReadonlySet<string> | undefined): Promise<Uint8Array | undefined> {
    await this.#lock();
    this.#checkRow(row);
    const primaryKey = this.definition.primaryKey;
    if (primaryKey !== undefined && (arbiters === undefined || arbiters.has(primaryKey.name))) {
      const key = this.layout.rowKey(row);
      if ((await this.#env.txn.getForUpdate(key, lockOptions(this.#env))) !== undefined) return key;
    }
    const suffix = this.layout.keySuffix(row);
    for (const index of this.definition.indexes) {
      if (!index.isUnique || (arbiters !== undefined && !arbiters.has(index.name)) || !this.#covers(index, row, this.#env.context)) continue;
      const entry = this.#entry(index, row, suffix);
      if (!entry.isUniqueKey) continue;
      const existing = await this.#env.txn.getForUpdate(entry.key, lockOptions(this.#env));
      if (existing !== undefined) return withPrefix(this.layout.storage, existing);
    }
    return undefined;
  }


  /** Checks an existing row against the table's constraints (after ALTER TABLE ADD CONSTRAINT). */
  async validate(row: Row): Promise<void> {
    this.#checkRow(row);
    await this.#checkReferences(row, undefined);
  }

  /** Replaces `oldRow` (already locked by the caller) with `newRow`. */
  async update(oldRow: Row, newRow: Row, depth = 0): Promise<void> {
    await this.#lock();
    const pause = paceRowWork();
    if (pause !== undefined) await this.#pause(pause);
    this.#checkRow(newRow);
    await this.#checkReferences(newRow, oldRow);
    const oldSuffix = this.layout.keySuffix(oldRow);
    const newSuffix = this.layout.keySuffix(newRow);
    const isKeyChanged = compareBytes(oldSuffix, newSuffix) !== 0;
    const isReferencedChanged = isKeyChanged || this.#isReferencedKeyChanged(oldRow, newRow);
    if (isKeyChanged) {
      await this.#env.txn.delete(withPrefix(this.layout.storage, oldSuffix));
      const key = withPrefix(this.layout.storage, newSuffix);
      const primaryKey = this.definition.primaryKey;
      if (primaryKey !== undefined && (await this.#env.txn.getForUpdate(key, lockOptions(this.#env))) !== undefined) throw this.#duplicate(primaryKey.name, primaryKey.columns, newRow);
    }
    await this.#env.txn.put(withPrefix(this.layout.storage, newSuffix), this.layout.encodeValue(newRow));
    this.#countChange();
    await this.#insertIndexEntries(newRow, newSuffix, { row: oldRow, suffix: oldSuffix });
    // After the new key exists: ON UPDATE CASCADE moves referencing rows to it, and their
    // foreign-key check finds it.
    if (isReferencedChanged) await this.#applyReferencingActions(oldRow, newRow, depth);
  }


  /** Deletes `row` (already locked by the caller) and its index entries. */
  async delete(row: Row, depth = 0): Promise<void> {
    await this.#lock();
    const pause = paceRowWork();
    if (pause !== undefined) await this.#pause(pause);
    await this.#applyReferencingActions(row, undefined, depth);
    const suffix = this.layout.keySuffix(row);
    await this.#env.txn.delete(withPrefix(this.layout.storage, suffix));
    this.#countChange();
    for (const index of this.definition.indexes) {
      if (this.#covers(index, row, this.#env.context)) await this.#env.txn.delete(this.#entry(index, row, suffix).key);
    }
  }

  #countChange(): void {
    const counts = this.#env.changedRows;
    if (counts !== undefined) counts.set(this.definition.id, (counts.get(this.definition.id) ?? 0) + 1);
  }

  async #insertIndexEntries(row: Row, suffix: Uint8Array, old: { readonly row: Row; readonly suffix: Uint8Array } | undefined): Promise<void> {
    const context = this.#env.context;
    for (const index of this.definition.indexes) {
      // A partial index holds the rows its predicate covers: an update may move a row in or out.
      const entry = this.#covers(index, row, context) ? this.#entry(index, row, suffix) : undefined;
      if (old !== undefined && this.#covers(index, old.row, context)) {
        const previous = this.#entry(index, old.row, old.suffix);
        if (entry !== undefined && compareBytes(previous.key, entry.key) === 0 && compareBytes(old.suffix, suffix) === 0) continue;
        await this.#env.txn.delete(previous.key);
      }
      if (entry === undefined) continue;
      if (entry.isUniqueKey) {
        const existing = await this.#env.txn.getForUpdate(entry.key, lockOptions(this.#env));
        if (existing !== undefined) throw this.#duplicateInIndex(index, row);
      }
      await this.#env.txn.put(entry.key, suffix);
    }
  }

  #checkRow(row: Row): void {
    const definition = this.definition;
    // A value becomes its column's domain's before the row's own constraints are checked.
    for (const check of this.#domainChecks) check(row, [], this.#env.context);
    definition.columns.forEach((column, i) => {
      if (column.isNotNull && (row[i] ?? null) === null) {
        throw new NotNullViolationError(`null value in column "${column.name}" of relation "${definition.name}" violates not-null constraint`, {
          detail: `Failing row contains ${describeRow(this.layout.oids, row)}.`,
        });
      }
    });
    for (const check of this.#checks) {
      if (check.test(row, [], this.#env.context) === false) {
        throw new CheckViolationError(`new row for relation "${definition.name}" violates check constraint "${check.name}"`, {
          detail: `Failing row contains ${describeRow(this.layout.oids, row)}.`,
        });
      }
    }
  }

  /** The outgoing foreign keys: each referenced row must exist (MATCH SIMPLE: a NULL skips the check). */
  async #checkReferences(row: Row, oldRow: Row | undefined): Promise<void> {
    for (const foreignKey of this.definition.foreignKeys) {
      const values = foreignKey.columns.map((c) => row[c] ?? null);
      if (values.includes(null)) continue;
      if (oldRow !== undefined && foreignKey.columns.every((c) => sameValue(this.layout.oids[c] ?? 0, oldRow[c] ?? null, row[c] ?? null))) continue;
      const parent = this.#env.catalog.table(foreignKey.refTableId);
      if (parent === undefined) continue;
      const found = await findReferencedRow(this.#env, parent, foreignKey.refColumns, values);
      if (!found) {
        const names = foreignKey.columns.map((c) => this.definition.columns[c]?.name ?? "?");
        throw new ForeignKeyViolationError(`insert or update on table "${this.definition.name}" violates foreign key constraint "${foreignKey.name}"`, {
          detail: `Key (${names.join(", ")})=(${describeValues(foreignKey.columns.map((c) => this.layout.oids[c] ?? 0), values)}) is not present in table "${parent.name}".`,
        });
      }
    }
  }

  #isReferencedKeyChanged(oldRow: Row, newRow: Row): boolean {
    for (const child of this.#env.catalog.tables()) {
      for (const foreignKey of child.foreignKeys) {
        if (foreignKey.refTableId !== this.definition.id) continue;
        if (!foreignKey.refColumns.every((c) => sameValue(this.layout.oids[c] ?? 0, oldRow[c] ?? null, newRow[c] ?? null))) return true;
      }
    }
    return false;
  }

  /** The referencing side: rows of other tables whose foreign keys point at `oldRow`. */
  async #applyReferencingActions(oldRow: Row, newRow: Row | undefined, depth: number): Promise<void> {
    for (const child of Array.from(this.#env.catalog.tables())) {
      for (const foreignKey of child.foreignKeys) {
        if (foreignKey.refTableId !== this.definition.id) continue;
        const keyValues = foreignKey.refColumns.map((c) => oldRow[c] ?? null);
        if (keyValues.includes(null)) continue;
        if (newRow !== undefined && foreignKey.refColumns.every((c) => sameValue(this.layout.oids[c] ?? 0, oldRow[c] ?? null, newRow[c] ?? null))) continue;
        await this.#applyAction(child, foreignKey, keyValues, newRow, depth);
      }
    }
  }

  async #applyAction(child: TableDefinition, foreignKey: ForeignKeyDefinition, keyValues: readonly SqlValue[], newRow: Row | undefined, depth: number): Promise<void> {
    // No DDL may move the referencing rows while they are looked for (PostgreSQL's RI check locks
    // them), and storage moved after the snapshot would hide them: 40001 then.
    await this.#env.lockRelation?.(child.id, "share", { isReferenced: true });
    this.#env.catalog.assertStorageVisible(child.id, this.#env.txn.snapshotSequence, child.name);
    const childLayout = layoutOf(child);
    const referencing: Row[] = [];
    for (const [key, value] of this.#env.txn.scan(storageRange(tableStorage(child)))) {
      const row = childLayout.decode(key, value);
      if (foreignKey.columns.every((c, i) => sameValue(childLayout.oids[c] ?? 0, row[c] ?? null, keyValues[i] ?? null))) referencing.push(row);
    }
    if (referencing.length === 0) return;
    const action = newRow === undefined ? foreignKey.onDelete : foreignKey.onUpdate;
    if (action === "no_action" || action === "restrict" || action === "set_default" || depth >= cascadeDepthMax) {
      const names = foreignKey.refColumns.map((c) => this.definition.columns[c]?.name ?? "?");
      throw new ForeignKeyViolationError(`update or delete on table "${this.definition.name}" violates foreign key constraint "${foreignKey.name}" on table "${child.name}"`, {
        detail: `Key (${names.join(", ")})=(${describeValues(foreignKey.refColumns.map((c) => this.layout.oids[c] ?? 0), keyValues)}) is still referenced from table "${child.name}".`,
      });
    }
    const writer = new RowWriter(this.#env, child);
    for (const row of referencing) {
      await this.#env.txn.getForUpdate(childLayout.rowKey(row), lockOptions(this.#env));
      if (action === "cascade" && newRow === undefined) {
        await writer.delete(row, depth + 1);
        continue;
      }
      const updated = [...row];
      foreignKey.columns.forEach((c, i) => {
        updated[c] = action === "set_null" ? null : (newRow?.[foreignKey.refColumns[i] ?? -1] ?? null);
      });
      await writer.update(row, updated, depth + 1);
    }
  }

  #duplicateInIndex(index: IndexDefinition, row: Row): UniqueViolationError {
    if (index.expressions === undefined) return this.#duplicate(index.name, index.columns, row);
    const values = this.#keys.values(index, row, this.#env.context);
    return new UniqueViolationError(`duplicate key value violates unique constraint "${index.name}"`, {
      detail: `Key (${indexElementLabels(this.definition, index).join(", ")})=(${describeValues(this.#keys.oids(index), values)}) already exists.`,
    }, index.name);
  }

  #duplicate(constraint: string, columns: readonly number[], row: Row): UniqueViolationError {
    const names = columns.map((c) => this.definition.columns[c]?.name ?? "?");
    return new UniqueViolationError(`duplicate key value violates unique constraint "${constraint}"`, {
      detail: `Key (${names.join(", ")})=(${describeValues(columns.map((c) => this.layout.oids[c] ?? 0), columns.map((c) => row[c] ?? null))}) already exists.`,
    }, constraint);
  }
}

/** Row-lock wait options from the session's lock_timeout. */
export function lockOptions(env: WriteEnvironment): { readonly timeoutMs?: number } {
  return env.lockTimeoutMs === undefined ? {} : { timeoutMs: env.lockTimeoutMs };
}

/** Whether the referenced table has a row with `values` in `columns` (its primary key or a unique index). */
async function findReferencedRow(env: WriteEnvironment, parent: TableDefinition, columns: readonly number[], values: readonly SqlValue[]): Promise<boolean> {
  env.catalog.assertStorageVisible(parent.id, env.txn.snapshotSequence, parent.name);
  const layout = layoutOf(parent);
  const probe: SqlValue[] = parent.columns.map(() => null);
  columns.forEach((c, i) => {
    probe[c] = values[i] ?? null;
  });
  const primaryKey = parent.primaryKey;
  if (primaryKey !== undefined && sameColumns(primaryKey.columns, columns)) {
    const key = layout.rowKey(probe);
    // FOR KEY SHARE in PostgreSQL: a concurrent delete of the parent waits for this transaction.
    await env.txn.lock(key, { mode: "share", ...lockOptions(env) });
    return env.txn.get(key) !== undefined;
  }
  const index = parent.indexes.find((i) => i.isUnique && i.predicate === undefined && sameColumns(i.columns, columns));
  if (index !== undefined) {
    const entry = layout.indexEntry(index, probe, new Uint8Array(0));
    await env.txn.lock(entry.key, { mode: "share", ...lockOptions(env) });
    return env.txn.get(entry.key) !== undefined;
  }
  for (const [key, value] of env.txn.scan(storageRange(tableStorage(parent)))) {
    const row = layout.decode(key, value);
    if (columns.every((c, i) => sameValue(layout.oids[c] ?? 0, row[c] ?? null, values[i] ?? null))) return true;
  }
  return false;
}

function sameColumns(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((c) => b.includes(c));
}

/** Equality as a key sees it (NULL equals nothing). */
export function sameValue(oid: number, a: SqlValue, b: SqlValue): boolean {
  if (a === null || b === null) return a === null && b === null;
  return formatValue(oid, a, storageTextSettings) === formatValue(oid, b, storageTextSettings);
}

function describeValues(oids: readonly number[], values: readonly SqlValue[]): string {
  return values.map((value, i) => (value === null ? "null" : formatValue(oids[i] ?? TypeOid.text, value, storageTextSettings))).join(", ");
}

function describeRow(oids: readonly number[], row: Row): string {
  return `(${describeValues(oids, row.slice(0, oids.length))})`;
}

/** A scope of one table's columns by name (qualified by the table's name or not), for CHECK and DEFAULT expressions. */
export class TableScope implements ColumnScope {
  readonly #definition: TableDefinition;

  constructor(definition: TableDefinition) {
    this.#definition = definition;
  }

  resolve(names: readonly string[]): { readonly index: number; readonly type: SqlType; readonly name: string } {
    const name = names.at(-1) ?? "";
    if (names.length > 1 && names.at(-2) !== this.#definition.name) {
      throw new UndefinedTableError(`missing FROM-clause entry for table "${names.at(-2) ?? ""}"`);
    }
    const index = this.#definition.columns.findIndex((c) => c.name === name);
    const column = this.#definition.columns[index];
    if (column === undefined) throw new UndefinedColumnError(`column "${name}" does not exist`);
    return { index, type: { oid: column.typeOid, typmod: column.typmod }, name };
  }
}

/** The domain checks of a table's columns of domains, compiled from the table's snapshots. */
function domainChecks(definition: TableDefinition, registry: FunctionRegistry): CompiledExpr[] {
  const checks: CompiledExpr[] = [];
  definition.columns.forEach((column, index) => {
    const domain = domainOfColumn(definition, index);
    if (domain === undefined) return;
    const value: BoundExpr = { kind: "column", type: { oid: column.typeOid, typmod: column.typmod }, index, name: column.name };
    const checked = withDomainCheck(value, domain, tableTextSettings(definition));
    if (checked !== value) checks.push(compileExpr(checked, registry));
  });
  return checks;
}

/** Parses one stored expression (`SELECT <sql>`), returning its AST. */
export function parseStoredExpression(sql: string): Expr {
  const [statement] = parse(`SELECT ${sql}`);
  if (statement?.kind !== "select" || statement.body.kind !== "select_core") throw new TypeError(`not an expression: ${sql}`);
  const target = statement.body.targets[0];
  if (target === undefined) throw new TypeError(`not an expression: ${sql}`);
  return target.expr;
}

/** Binds a stored boolean expression (a partial index's predicate) over the table's columns. */
export function bindTableExpr(definition: TableDefinition, sql: string): BoundExpr {
  const bindContext = { settings: tableTextSettings(definition), paramTypes: [], sql: `SELECT ${sql}`, scope: new TableScope(definition) };
  return bindExpr(parseStoredExpression(sql), bindContext);
}

/**
 * Whether each index covers a row: true for a full index, the predicate's value for a partial one
 * (NULL counts as false, as a WHERE clause). Compiled once per table definition.
 */
export type IndexCoverage = (index: IndexDefinition, row: Row, context: EvalContext) => boolean;

export function indexCoverage(definition: TableDefinition, registry: FunctionRegistry): IndexCoverage {
  const predicates = new Map<number, CompiledExpr>();
  for (const index of definition.indexes) {
    if (index.predicate !== undefined) predicates.set(index.id, compileTableExpr(definition, index.predicate, { oid: TypeOid.bool, typmod: -1 }, registry));
  }
  if (predicates.size === 0) return () => true;
  return (index, row, context) => {
    const predicate = predicates.get(index.id);
    return predicate === undefined || predicate(row, [], context) === true;
  };
}

/**
 * The keys of a table's indexes as stored: per element, its column, or for an expression index
 * the value of its expression over the row (compiled once per table definition), with each
 * element's type. Plain-column indexes take `TableLayout.indexEntry` directly.
 */
export class IndexKeys {
  readonly #definition: TableDefinition;
  readonly #registry: FunctionRegistry;
  readonly #compiled = new Map<number, readonly (CompiledExpr | undefined)[]>();
  readonly #oids = new Map<number, readonly number[]>();

  constructor(definition: TableDefinition, registry: FunctionRegistry) {
    this.#definition = definition;
    this.#registry = registry;
  }

  /** The entry of `row` in `index`. */
  entry(layout: TableLayout, index: IndexDefinition, row: Row, keySuffix: Uint8Array, context: EvalContext): IndexEntry {
    if (index.expressions === undefined) return layout.indexEntry(index, row, keySuffix);
    return layout.indexEntryOf(index, this.values(index, row, context), this.oids(index), keySuffix);
  }

  /** Each element's key value for `row`. */
  values(index: IndexDefinition, row: Row, context: EvalContext): SqlValue[] {
    let compiled = this.#compiled.get(index.id);
    if (compiled === undefined) {
      compiled = (index.expressions ?? []).map((sql, i) => (sql === null || sql === undefined ? undefined : compileTableExpr(this.#definition, sql, { oid: this.oids(index)[i] ?? TypeOid.text, typmod: -1 }, this.#registry)));
      this.#compiled.set(index.id, compiled);
    }
    return index.columns.map((column, i) => {
      const expression = compiled[i];
      return expression === undefined ? (row[column] ?? null) : expression(row, [], context);
    });
  }

  /** Each element's type: its column's, or its expression's. */
  oids(index: IndexDefinition): readonly number[] {
    let oids = this.#oids.get(index.id);
    if (oids === undefined) {
      oids = indexKeyOids(this.#definition, index);
      this.#oids.set(index.id, oids);
    }
    return oids;
  }
}

/** Key element types by index definition: binding an expression per scan would cost more than the scan. */
const keyOidsOf = new WeakMap<IndexDefinition, readonly number[]>();

/**
 * The type of each key element of `index`: its column's, or (binding it) its expression's. Kept
 * per index definition: an index's expressions and the types of the columns they read never
 * change while the definition lives.
 */
export function indexKeyOids(definition: TableDefinition, index: IndexDefinition): readonly number[] {
  const kept = keyOidsOf.get(index);
  if (kept !== undefined) return kept;
  const oids = index.columns.map((column, i) => {
    const sql = index.expressions?.[i];
    return sql === null || sql === undefined ? (definition.columns[column]?.typeOid ?? TypeOid.text) : bindTableExpr(definition, sql).type.oid;
  });
  keyOidsOf.set(index, oids);
  return oids;
}

/** How an index's elements read in messages and catalogs: the column's name, or the expression. */
export function indexElementLabels(definition: TableDefinition, index: IndexDefinition): string[] {
  return index.columns.map((column, i) => index.expressions?.[i] ?? definition.columns[column]?.name ?? "?");
}

/** Compiles a stored expression over the table's row, coerced to `type` as an assignment. */
export function compileTableExpr(definition: TableDefinition, sql: string, type: SqlType, registry: FunctionRegistry): CompiledExpr {
  const text = `SELECT ${sql}`;
  const bindContext = { settings: tableTextSettings(definition), paramTypes: [], sql: text, scope: new TableScope(definition) };
  const bound = bindExpr(parseStoredExpression(sql), bindContext);
  return compileExpr(coerce(bound, type, "assignment", bindContext), registry);
}
