/**
 * SELECT … FOR UPDATE / NO KEY UPDATE / SHARE / KEY SHARE [OF t] [NOWAIT | SKIP LOCKED], as PostgreSQL's LockRows node runs it: the query's rows are read at the statement's
 * snapshot (its LIMIT and OFFSET set aside), each one's table row is locked in order, and LIMIT
 * and OFFSET apply to the locked rows — so OFFSET rows are locked too, and a row skipped (SKIP
 * LOCKED, deleted meanwhile, no longer matching) is replaced by the next one.
 *
 * Under READ COMMITTED a row that another transaction changed after the snapshot is re-checked
 * once locked: the query runs again over just its newest version (the WHERE decides whether it
 * still qualifies, and the select list sees the new values), as UPDATE re-checks its targets.
 * Under REPEATABLE READ and SERIALIZABLE, locking a row changed after the snapshot is 40001.
 *
 * FOR UPDATE and NO KEY UPDATE take the row's exclusive lock, FOR SHARE and KEY SHARE its shared
 * one (the finer key-lock modes of PostgreSQL are not distinguished: a KEY SHARE lock here also
 * blocks a NO KEY UPDATE). Several clauses lock with the strongest and wait as the strictest
 * (NOWAIT over SKIP LOCKED over waiting).
 *
 * Over joins, each locked table's row is locked (all tables in FROM, or those `OF` names, each with
 * the clauses that apply to it); a table on the nullable side of an outer join cannot be locked
 * (0A000, as PostgreSQL). Not here (0A000): locking a subquery or function in FROM, WITH, one
 * table read twice, and the clauses PostgreSQL rejects with locking (GROUP BY, HAVING, DISTINCT,
 * aggregates, window functions, set operations).
 */
import { FeatureNotSupportedError, assertNever, type SqlValue } from "@omnikv/base";
import { UndefinedTableError } from "@omnikv/planner";
import type { Row } from "@omnikv/executor";
import type { Expr, FromItem, LockingClause, ResTarget, SelectCore, SelectStatement } from "@omnikv/parser";
import type { PlanNode } from "@omnikv/planner";
import { SerializationFailureError, type LockWaitPolicy, type RowLockMode } from "@omnikv/txn";
import type { TableDefinition } from "../catalog/definitions.ts";
import { rowIdColumnName } from "../catalog/planner-catalog.ts";
import { compareBytes } from "../encoding/key-codec.ts";
import { lockOptions } from "../storage/row-writer.ts";
import { layoutOf } from "../storage/table-layout.ts";
import { columnRef, queryOf, target } from "./ast-builders.ts";
import { SingleRowAccess, SingleRowCatalog, targetLockAttemptsMax, targetTable } from "./modify.ts";
import { planQuery, runQuery, type QueryRows, type StatementEnvironment } from "./statement-environment.ts";

/**
 * The locked tables, each locked shared first (PostgreSQL's RowShareLock), as writers lock their
 * target: DDL that moves or rewrites rows (TRUNCATE, ALTER TABLE) waits for the transaction, and
 * the tables are resolved and read as they are once locked (READ COMMITTED reads at a snapshot
 * taken then; REPEATABLE READ and SERIALIZABLE get 40001 after DDL on one since the snapshot).
 */
async function lockTables(env: StatementEnvironment, statement: SelectStatement): Promise<ReturnType<typeof lockedTables>> {
  let found = lockedTables(env, statement);
  // Describe's dry run reads nothing and locks nothing.
  if (env.lockRelation === undefined || env.plans !== undefined) return found;
  const locked = new Set<number>();
  // A name may name another table once a wait is over (dropped and created again): lock that one too.
  for (let attempt = 0; attempt < targetLockAttemptsMax; attempt += 1) {
    const missing = found.tables.filter((entry) => !locked.has(entry.table.id));
    if (missing.length === 0) return found;
    for (const entry of missing) {
      await env.lockRelation(entry.table.id, "share", { isResolvedAgain: true });
      locked.add(entry.table.id);
    }
    found = lockedTables(env, statement);
  }
  throw new SerializationFailureError("could not serialize access due to concurrent DDL on a locked relation");
}

/** Names of the appended key columns: no user column can be called this (NUL is not allowed in names). */
const lockColumnPrefix = "\u0000lock";

export async function executeLockingSelect(env: StatementEnvironment, statement: SelectStatement): Promise<QueryRows> {
  const { core, tables } = await lockTables(env, statement);
  // The query with each locked table's columns appended (to key and re-check its row), without
  // locking, LIMIT and OFFSET, which apply to the locked rows.
  const own: ResTarget[] = [];
  let appendedWidth = 0;
  const locked: LockedTable[] = tables.map((entry, t) => {
    const width = entry.table.columns.length + (entry.table.primaryKey === undefined ? 1 : 0);
    for (let i = 0; i < width; i++) own.push(target(columnRef([entry.alias, entry.table.columns[i]?.name ?? rowIdColumnName], statement.pos), `${lockColumnPrefix}${t}_${i}`));
    const at = appendedWidth;
    appendedWidth += width;
    return { ...entry, width, at };
  });
  const { limit, offset, ...rest } = statement;
  const query: SelectStatement = { ...rest, locking: [], body: { ...core, targets: [...core.targets, ...own] } };
  // Aggregates and window functions are found in the statement's own plan (with the tables'
  // columns appended, an aggregate would be a grouping error instead).
  rejectAggregation(planQuery(env, { ...rest, locking: [] }, env.planner, { key: statement, site: "locking check" }).plan);
  const slot = { key: statement, site: "locking" };
  const planned = planQuery(env, query, env.planner, slot);
  const visible = planned.columns.length - appendedWidth;
  const { first, count } = lockedWindow(env, statement.pos, limit, offset);
  const lockedQuery: LockedQuery = { env, statement, query, tables: locked, visible };
  const rows: Row[] = [];
  let skipped = 0;
  for (const selected of runQuery(env, query, env.planner, env.access, slot).rows) {
    if (rows.length >= count) break;
    const current = await lockRows(lockedQuery, selected);
    if (current === undefined) continue;
    if (skipped < first) {
      skipped += 1;
      continue;
    }
    rows.push(current.slice(0, visible));
  }
  return { columns: planned.columns.slice(0, visible), rows };
}

/** A table whose rows the statement locks, as FROM names it, with how its rows are locked. */
interface LockTarget {
  readonly table: TableDefinition;
  readonly alias: string;
  readonly how: { readonly mode: RowLockMode; readonly wait: LockWaitPolicy };
}

interface LockedTable extends LockTarget {
  /** The appended columns of its row (a hidden row id included) and where they start among them. */
  readonly width: number;
  readonly at: number;
}

interface LockedQuery {
  readonly env: StatementEnvironment;
  readonly statement: SelectStatement;
  /** The statement's query with the locked tables' columns appended, unlocked and unlimited. */
  readonly query: SelectStatement;
  readonly tables: readonly LockedTable[];
  /** The statement's own columns, before the appended ones. */
  readonly visible: number;
}

/**
 * Locks each locked table's row of `selected`; the row to return (re-checked when one changed),
 * or undefined to skip it. Under READ COMMITTED a changed row makes the query run again over the
 * newest version of every locked row (PostgreSQL's EvalPlanQual), which decides whether the
 * combination still qualifies and gives the select list the new values.
 */
async function lockRows(locked: LockedQuery, selected: Row): Promise<Row | undefined> {
  const { env } = locked;
  const newest = new Map<number, Row>();
  let isChanged = false;
  for (const entry of locked.tables) {
    const layout = layoutOf(entry.table);
    const tableRow = selected.slice(locked.visible + entry.at, locked.visible + entry.at + entry.width);
    const key = layout.rowKey(tableRow);
    const isLocked = await env.txn.lock(key, { mode: entry.how.mode, wait: entry.how.wait, ...lockOptions(env) });
    if (!isLocked) return undefined; // SKIP LOCKED
    if (env.txn.isolation !== "read committed") continue;
    const latest = env.txn.latest(key);
    if (latest === undefined) return undefined; // deleted after the snapshot
    if (compareBytes(latest, layout.encodeValue(tableRow)) === 0) {
      newest.set(entry.table.id, tableRow);
      continue;
    }
    newest.set(entry.table.id, layout.decode(key, latest));
    isChanged = true;
  }
  if (!isChanged) return selected;
  // Changed after the snapshot: the query again, over the newest versions alone.
  const ids = new Set(newest.keys());
  const catalog = new SingleRowCatalog(env.planner, ids);
  const access = new SingleRowAccess(env.access, newest);
  return runQuery(env, locked.query, catalog, access, { key: locked.statement, site: "locking recheck" }).rows[0];
}

/**
 * The statement's core and the tables it locks: every table in FROM, or those its clauses name
 * (`OF t`), each with the strongest strength and strictest wait of the clauses that apply to it.
 */
function lockedTables(env: StatementEnvironment, statement: SelectStatement): { readonly core: SelectCore; readonly tables: readonly LockTarget[] } {
  const core = statement.body;
  if (core.kind !== "select_core") throw new FeatureNotSupportedError("FOR UPDATE is not allowed with UNION/INTERSECT/EXCEPT");
  if (core.groupBy.length > 0 || core.groupingSets !== undefined) throw new FeatureNotSupportedError("FOR UPDATE is not allowed with GROUP BY clause");
  if (core.having !== undefined) throw new FeatureNotSupportedError("FOR UPDATE is not allowed with HAVING clause");
  if (core.distinct !== false) throw new FeatureNotSupportedError("FOR UPDATE is not allowed with DISTINCT clause");
  if (core.windows.length > 0) throw new FeatureNotSupportedError("FOR UPDATE is not allowed with window functions");
  if (statement.with !== undefined) throw new FeatureNotSupportedError("SELECT FOR UPDATE/SHARE with WITH is not supported yet");
  const items: FromEntry[] = [];
  for (const item of core.from) collectFromItems(item, false, items);
  for (const clause of statement.locking) {
    for (const name of clause.tables) {
      const named = name.at(-1);
      if (!items.some((entry) => entry.alias === named)) {
        throw new UndefinedTableError(`relation "${name.join(".")}" in FOR ${clause.strength.replaceAll("_", " ").toUpperCase()} clause not found in FROM clause`);
      }
    }
  }
  const targets: LockTarget[] = [];
  for (const entry of items) {
    const clauses = statement.locking.filter((clause) => clause.tables.length === 0 || clause.tables.some((name) => name.at(-1) === entry.alias));
    if (clauses.length === 0) continue;
    if (entry.kind !== "table") throw new FeatureNotSupportedError(`SELECT FOR UPDATE/SHARE of ${entry.kind === "subquery" ? "a subquery" : "a function"} in FROM is not supported yet`);
    if (entry.isNullable) throw new FeatureNotSupportedError("FOR UPDATE cannot be applied to the nullable side of an outer join");
    const table = targetTable(env, entry.name);
    // A re-check substitutes a table's newest row by table id: two aliases of one table would share it.
    if (targets.some((t) => t.table.id === table.id)) throw new FeatureNotSupportedError(`SELECT FOR UPDATE/SHARE reading table "${table.name}" twice is not supported yet`);
    targets.push({ table, alias: entry.alias, how: lockingOf(clauses) });
  }
  return { core, tables: targets };
}

/** A FROM item the locking clauses may name: a table (by its alias or name), subquery or function. */
type FromEntry =
  | { readonly kind: "table"; readonly alias: string; readonly name: readonly string[]; readonly isNullable: boolean }
  | { readonly kind: "subquery" | "function"; readonly alias: string | undefined; readonly isNullable: boolean };

/** The FROM items under `item`; `isNullable`: on the side of an outer join that NULLs can fill. */
function collectFromItems(item: FromItem, isNullable: boolean, into: FromEntry[]): void {
  switch (item.kind) {
    case "table_ref":
      into.push({ kind: "table", alias: item.alias?.name ?? item.name.at(-1) ?? "", name: item.name, isNullable });
      return;
    case "subquery_ref":
      into.push({ kind: "subquery", alias: item.alias?.name, isNullable });
      return;
    case "function_ref":
      into.push({ kind: "function", alias: item.alias?.name, isNullable });
      return;
    case "join":
      collectFromItems(item.left, isNullable || item.joinType === "right" || item.joinType === "full", into);
      collectFromItems(item.right, isNullable || item.joinType === "left" || item.joinType === "full", into);
      return;
  }
  assertNever(item);
}

/** Aggregates and window functions (bound from the select list) cannot lock rows. */
function rejectAggregation(plan: PlanNode): void {
  let node: PlanNode | undefined = plan;
  while (node !== undefined) {
    if (node.kind === "aggregate") throw new FeatureNotSupportedError("FOR UPDATE is not allowed with aggregate functions");
    if (node.kind === "window") throw new FeatureNotSupportedError("FOR UPDATE is not allowed with window functions");
    node = "input" in node ? node.input : undefined;
  }
}

const strengthRank = { key_share: 0, share: 1, no_key_update: 2, update: 3 } as const;

function lockingOf(clauses: readonly LockingClause[]): { readonly mode: RowLockMode; readonly wait: LockWaitPolicy } {
  let strength: LockingClause["strength"] = "key_share";
  let wait: LockWaitPolicy = "block";
  for (const clause of clauses) {
    if (strengthRank[clause.strength] > strengthRank[strength]) strength = clause.strength;
    if (clause.waitPolicy === "nowait") wait = "nowait";
    else if (clause.waitPolicy === "skip_locked" && wait === "block") wait = "skip";
  }
  return { mode: strength === "update" || strength === "no_key_update" ? "update" : "share", wait };
}

/**
 * OFFSET and LIMIT of the locked rows. They are evaluated by the executor over a one-row VALUES
 * list first, so their errors are PostgreSQL's (a negative LIMIT is 2201W, a negative OFFSET
 * 2201X), then read as values (NULL: no limit, no offset).
 */
function lockedWindow(env: StatementEnvironment, pos: number, limit: Expr | undefined, offset: Expr | undefined): { readonly first: number; readonly count: number } {
  if (limit === undefined && offset === undefined) return { first: 0, count: Number.POSITIVE_INFINITY };
  const one: Expr = { kind: "number", text: "1", isInteger: true, pos };
  const probe = queryOf({ kind: "values", rows: [[one]], pos }, pos);
  runQuery(env, { ...probe, ...(limit === undefined ? {} : { limit }), ...(offset === undefined ? {} : { offset }) });
  const asInt8 = (expr: Expr | undefined): Expr => ({ kind: "cast", expr: expr ?? { kind: "null", pos }, type: { kind: "type_name", names: ["int8"], modifiers: [], arrayBounds: [], pos }, pos });
  const [values] = runQuery(env, queryOf({ kind: "values", rows: [[asInt8(limit), asInt8(offset)]], pos }, pos)).rows;
  return { count: toCount(values?.[0] ?? null, Number.POSITIVE_INFINITY), first: toCount(values?.[1] ?? null, 0) };
}

/** LIMIT and OFFSET are bound as int8 (bigint); NULL means none. */
function toCount(value: SqlValue, whenNull: number): number {
  if (value === null) return whenNull;
  if (typeof value === "bigint" || typeof value === "number") return Number(value);
  throw new Error(`LIMIT/OFFSET evaluated to a ${typeof value}, not an integer`);
}
