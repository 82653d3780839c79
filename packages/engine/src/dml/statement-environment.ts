/**
 * What one statement runs with: its transaction and catalog, the planner's and the executor's
 * views of them, the session's settings, and the statement's parameters. `runQuery` plans and
 * runs a SELECT (or a query the engine synthesized) over it.
 */
import type { SqlValue, TextIoSettings } from "@omnikv/base";
import { compilePlan, type AggregateTable, type CompiledPlan, type ExecutionContext, type MutableActuals, type Row, type SpillCipher, type TableAccess } from "@omnikv/executor";
import type { SelectStatement } from "@omnikv/parser";
import { planSelect, type Catalog, type JoinMethods, type PlanColumn, type PlanNode } from "@omnikv/planner";
import type { PlannerCatalog } from "../catalog/planner-catalog.ts";
import type { Transaction } from "@omnikv/txn";
import type { TableDefinition } from "../catalog/definitions.ts";
import type { BulkRows } from "../storage/bulk-rows.ts";
import type { WriteEnvironment } from "../storage/row-writer.ts";

export interface SpillSettings {
  /** Default: the operating system's temporary directory. */
  readonly tempDirectory?: string;
  readonly cipher?: SpillCipher;
}

export interface StatementEnvironment extends WriteEnvironment {
  readonly txn: Transaction;
  /**
   * A bulk load into `table` straight to the store (storage/bulk-rows.ts), when its transaction
   * created the table's storage and nothing else rules it out; undefined otherwise.
   */
  openBulkLoad?(table: TableDefinition): Promise<BulkRows | undefined>;
  readonly planner: PlannerCatalog;
  readonly access: TableAccess;
  readonly aggregates: AggregateTable;
  readonly settings: TextIoSettings;
  readonly params: readonly SqlValue[];
  readonly paramTypes: readonly number[];
  readonly sql: string;
  readonly searchPath: readonly string[];
  readonly workMemBytes: number;
  /** Where operators spill beyond work_mem, and the cipher that seals what they spill. */
  readonly spill: SpillSettings;
  /** A fresh row id for a table without a primary key, whose rows are under the key prefix `storage` (`tableStorage`). */
  allocateRowId(storage: number): Promise<bigint>;
  /**
   * Describe's dry run: when set, every query the statement would run is planned, recorded here
   * and not run (it yields no rows), so the statement changes nothing.
   */
  readonly plans?: PlanNode[];
  /** EXPLAIN ANALYZE of INSERT, UPDATE or DELETE: the statement runs, its first query instrumented. */
  readonly analyzed?: AnalyzedRun;
  /** Plans kept across executions of the same parsed statement (see `PlanMemo`). */
  readonly planMemo?: PlanMemo;
  /** enable_hashjoin / enable_mergejoin (both on when absent). */
  readonly joinMethods?: JoinMethods;
}

/**
 * What EXPLAIN ANALYZE of a data-modifying statement records: the plan of the statement's first
 * query (the one that reads its rows, as in the dry run) and the actuals of its operators. Later
 * queries (a RETURNING row, a re-check, an ON CONFLICT update) run uninstrumented: PostgreSQL
 * shows them as part of the modify node, and instrumenting one per row would grow without bound.
 */
export interface AnalyzedRun {
  readonly plans: PlanNode[];
  readonly actuals: Map<PlanNode, MutableActuals>;
}

export interface PlannedQuery {
  readonly plan: PlanNode;
  readonly columns: readonly PlanColumn[];
}

/**
 * Where a session keeps the plans of parsed statements it runs again (prepared statements, and
 * simple-protocol statements that share a literal shape): keyed by the statement object and the
 * call site that plans a query for it, valid while the catalog version `get` is given (and the
 * statistics, settings and current role the memo checks itself) stay the same.
 */
export interface PlanMemo {
  get(key: object, site: string, catalogVersion: number): PlannedQuery | undefined;
  set(key: object, site: string, catalogVersion: number, planned: PlannedQuery): void;
}

/** Which statement a plan is kept for, and which of its queries (a DML statement plans several). */
export interface MemoSlot {
  readonly key: object;
  readonly site: string;
}

/** What planning and running a query needs (a read-only statement has no transaction). */
export type QueryEnvironment = Pick<
  StatementEnvironment,
  "planner" | "settings" | "paramTypes" | "sql" | "registry" | "aggregates" | "access" | "context" | "params" | "workMemBytes" | "spill" | "interrupt" | "planMemo" | "joinMethods"
>;

export interface QueryRows {
  readonly columns: readonly PlanColumn[];
  readonly rows: Row[];
}

/**
 * Plans `statement`, or takes the plan kept for `slot`. Without a slot, a plan over the
 * environment's own catalog is kept for the statement itself; a caller planning over another
 * catalog (one row, `excluded`) keeps its plan only by naming a slot, which asserts that the
 * catalog is made the same way from `env.planner` each time (a recording catalog never is).
 */
export function planQuery(env: QueryEnvironment, statement: SelectStatement, catalog: Catalog = env.planner, slot?: MemoSlot): PlannedQuery {
  const memoSlot = slot ?? (catalog === env.planner ? { key: statement, site: "query" } : undefined);
  const memo = memoSlot === undefined ? undefined : env.planMemo;
  const version = env.planner.version;
  const kept = memoSlot === undefined ? undefined : memo?.get(memoSlot.key, memoSlot.site, version);
  if (kept !== undefined) return kept;
  const planned = planSelect(statement, { catalog, settings: env.settings, paramTypes: env.paramTypes, sql: env.sql, ctes: [], ...(env.joinMethods === undefined ? {} : { joinMethods: env.joinMethods }) });
  if (memoSlot !== undefined) memo?.set(memoSlot.key, memoSlot.site, version, planned);
  return planned;
}

/** Plans and runs `statement`, returning every row (DML reads its targets in full before writing). */
export function runQuery(env: StatementEnvironment, statement: SelectStatement, catalog: Catalog = env.planner, access: TableAccess = env.access, slot?: MemoSlot): QueryRows {
  const { plan, columns } = planQuery(env, statement, catalog, slot);
  if (env.plans !== undefined) {
    env.plans.push(plan);
    return { columns, rows: [] };
  }
  const analyzed = env.analyzed;
  if (analyzed !== undefined && analyzed.plans.length === 0) {
    analyzed.plans.push(plan);
    const run = compilePlan(plan, { registry: env.registry, aggregates: env.aggregates, actuals: analyzed.actuals });
    return { columns, rows: [...run(runContext(env, access))] };
  }
  return { columns, rows: [...streamPlan(env, plan, access)] };
}

export function streamPlan(env: QueryEnvironment, plan: PlanNode, access: TableAccess = env.access): Iterable<Row> {
  return compiledPlanOf(env, plan)(runContext(env, access));
}

/**
 * Compiled plans by plan object. A plan the session's memo keeps (a prepared statement's, or a
 * literal shape's: every UPDATE of pgbench's TPC-B) is the same object each time it runs, and a
 * compiled plan is made to run many times (each run brings its own context); compiling it anew
 * for each statement was a fifth of an UPDATE's work. Weak keys: a plan the memo dropped goes with
 * its compiled form.
 */
const compiledPlans = new WeakMap<PlanNode, { readonly registry: QueryEnvironment["registry"]; readonly aggregates: AggregateTable; readonly run: CompiledPlan }>();

function compiledPlanOf(env: QueryEnvironment, plan: PlanNode): CompiledPlan {
  const kept = compiledPlans.get(plan);
  if (kept !== undefined && kept.registry === env.registry && kept.aggregates === env.aggregates) return kept.run;
  const run = compilePlan(plan, { registry: env.registry, aggregates: env.aggregates });
  compiledPlans.set(plan, { registry: env.registry, aggregates: env.aggregates, run });
  return run;
}

/** What a compiled plan runs with in this statement. */
export function runContext(env: QueryEnvironment, access: TableAccess = env.access): ExecutionContext {
  // Assigned, not spread from conditional objects: this runs for every statement.
  const run: { -readonly [K in keyof ExecutionContext]: ExecutionContext[K] } = { tables: access, context: env.context, params: env.params, workMemBytes: env.workMemBytes };
  const { tempDirectory, cipher } = env.spill;
  if (tempDirectory !== undefined) run.tempDirectory = tempDirectory;
  if (cipher !== undefined) run.spillCipher = cipher;
  if (env.interrupt !== undefined) run.interrupt = env.interrupt;
  return run;
}
