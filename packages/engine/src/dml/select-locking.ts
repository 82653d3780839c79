/**
 * SELECT … FOR UPDATE / NO KEY UPDATE / SHARE / KEY SHARE [OF t] [NOWAIT | SKIP LOCKED] over one
 * table, as PostgreSQL's LockRows node runs it: the query's rows are read at the statement's
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
 * Not here (0A000): joins and subqueries in FROM, and the clauses PostgreSQL rejects with
 * locking (GROUP BY, HAVING, DISTINCT, aggregates, window functions, set operations).
 */
import { FeatureNotSupportedError, type SqlValue } from "@omnikv/base";
import { UndefinedTableError } from "@omnikv/planner";
import type { Row } from "@omnikv/executor";
import type { Expr, LockingClause, ResTarget, SelectCore, SelectStatement } from "@omnikv/parser";
import type { PlanNode } from "@omnikv/planner";
import type { LockWaitPolicy, RowLockMode } from "@omnikv/txn";
import type { TableDefinition } from "../catalog/definitions.ts";
import { rowIdColumnName } from "../catalog/planner-catalog.ts";
import { compareBytes } from "../encoding/key-codec.ts";
import { lockOptions } from "../storage/row-writer.ts";
import { layoutOf } from "../storage/table-layout.ts";
import { columnRef, queryOf, target } from "./ast-builders.ts";
import { SingleRowAccess, SingleRowCatalog, targetTable } from "./modify.ts";
import { planQuery, runQuery, type QueryRows, type StatementEnvironment } from "./statement-environment.ts";

/** Names of the appended key columns: no user column can be called this (NUL is not allowed in names). */
const lockColumnPrefix = "\u0000lock";

export async function executeLockingSelect(env: StatementEnvironment, statement: SelectStatement): Promise<QueryRows> {
  const { table, alias, core } = lockedTable(env, statement);
  const how = lockingOf(statement.locking, alias, table.name);
  const width = table.columns.length + (table.primaryKey === undefined ? 1 : 0);
  // The query with the table's columns appended (to key and re-check each row), without locking,
  // LIMIT and OFFSET, which apply to the locked rows.
  const own: ResTarget[] = Array.from({ length: width }, (_, i) => target(columnRef([alias, table.columns[i]?.name ?? rowIdColumnName], statement.pos), `${lockColumnPrefix}${i}`));
  const { limit, offset, ...rest } = statement;
  const query: SelectStatement = { ...rest, locking: [], body: { ...core, targets: [...core.targets, ...own] } };
  // Aggregates and window functions are found in the statement's own plan (with the table's
  // columns appended, an aggregate would be a grouping error instead).
  rejectAggregation(planQuery(env, { ...rest, locking: [] }, env.planner, { key: statement, site: "locking check" }).plan);
  const slot = { key: statement, site: "locking" };
  const planned = planQuery(env, query, env.planner, slot);
  const visible = planned.columns.length - width;
  const { first, count } = lockedWindow(env, statement.pos, limit, offset);
  const locked: LockedQuery = { env, statement, query, table, width, how };
  const rows: Row[] = [];
  let skipped = 0;
  for (const selected of runQuery(env, query, env.planner, env.access, slot).rows) {
    if (rows.length >= count) break;
    const current = await lockRow(locked, selected);
    if (current === undefined) continue;
    if (skipped < first) {
      skipped += 1;
      continue;
    }
    rows.push(current.slice(0, visible));
  }
  return { columns: planned.columns.slice(0, visible), rows };
}

interface LockedQuery {
  readonly env: StatementEnvironment;
  readonly statement: SelectStatement;
  /** The statement's query with the table's columns appended, unlocked and unlimited. */
  readonly query: SelectStatement;
  readonly table: TableDefinition;
  /** The appended table columns (a hidden row id included). */
  readonly width: number;
  readonly how: { readonly mode: RowLockMode; readonly wait: LockWaitPolicy };
}

/** Locks `selected`'s table row; the row to return (re-checked when changed), or undefined to skip it. */
async function lockRow(locked: LockedQuery, selected: Row): Promise<Row | undefined> {
  const { env, table, width, how } = locked;
  const layout = layoutOf(table);
  const tableRow = selected.slice(selected.length - width);
  const key = layout.rowKey(tableRow);
  const isLocked = await env.txn.lock(key, { mode: how.mode, wait: how.wait, ...lockOptions(env) });
  if (!isLocked) return undefined; // SKIP LOCKED
  if (env.txn.isolation !== "read committed") return selected;
  const newest = env.txn.latest(key);
  if (newest === undefined) return undefined; // deleted after the snapshot
  if (compareBytes(newest, layout.encodeValue(tableRow)) === 0) return selected;
  // Changed after the snapshot: the query again, over the newest version alone.
  const version = layout.decode(key, newest);
  const catalog = new SingleRowCatalog(env.planner, table.id);
  const access = new SingleRowAccess(env.access, table.id, version);
  return runQuery(env, locked.query, catalog, access, { key: locked.statement, site: "locking recheck" }).rows[0];
}

/** The one table the statement reads (PostgreSQL allows joins; these are not supported yet). */
function lockedTable(env: StatementEnvironment, statement: SelectStatement): { readonly table: TableDefinition; readonly alias: string; readonly core: SelectCore } {
  const core = statement.body;
  if (core.kind !== "select_core") throw new FeatureNotSupportedError("FOR UPDATE is not allowed with UNION/INTERSECT/EXCEPT");
  if (core.groupBy.length > 0 || core.groupingSets !== undefined) throw new FeatureNotSupportedError("FOR UPDATE is not allowed with GROUP BY clause");
  if (core.having !== undefined) throw new FeatureNotSupportedError("FOR UPDATE is not allowed with HAVING clause");
  if (core.distinct !== false) throw new FeatureNotSupportedError("FOR UPDATE is not allowed with DISTINCT clause");
  if (core.windows.length > 0) throw new FeatureNotSupportedError("FOR UPDATE is not allowed with window functions");
  const [from] = core.from;
  if (core.from.length !== 1 || from?.kind !== "table_ref" || statement.with !== undefined) {
    throw new FeatureNotSupportedError("SELECT FOR UPDATE/SHARE is supported over one table (without WITH); joins and subqueries in FROM are not supported yet");
  }
  const table = targetTable(env, from.name);
  return { table, alias: from.alias?.name ?? table.name, core };
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

function lockingOf(clauses: readonly LockingClause[], alias: string, tableName: string): { readonly mode: RowLockMode; readonly wait: LockWaitPolicy } {
  let strength: LockingClause["strength"] = "key_share";
  let wait: LockWaitPolicy = "block";
  for (const clause of clauses) {
    for (const name of clause.tables) {
      const named = name.at(-1);
      if (named !== alias && !(name.length === 1 && named === tableName && alias === tableName)) {
        throw new UndefinedTableError(`relation "${name.join(".")}" in FOR ${clause.strength.replaceAll("_", " ").toUpperCase()} clause not found in FROM clause`);
      }
    }
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
