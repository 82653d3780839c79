/**
 * `Session`: one connection's SQL. Runs statements in PostgreSQL's transaction model: outside a
 * block every statement string runs in one implicit transaction (committed at its end, rolled back
 * on an error); BEGIN … COMMIT makes an explicit block; after an error inside a block only
 * ROLLBACK (or ROLLBACK TO SAVEPOINT) is accepted (25P02). DDL is transactional like DML.
 */
import { DbError, FeatureNotSupportedError, SqlState, StatementTooComplexError, TypeOid, WrongObjectTypeError, assert, assertNever, formatValue, parseTimeZone, parseValue, type SqlValue, type TextIoSettings } from "@omnikv/base";
import { compileExpr, compilePlan, type CompiledPlan, type MutableActuals, type EvalContext, type Row, type CatalogFunctions, type SequenceFunctions, type SessionInfo } from "@omnikv/executor";
import { SqlSyntaxError as SqlSyntaxErrorMultiple, UndefinedParameterError, deparse, parse, type LockStatement, type CopyStatement, type DeleteStatement, type ExecuteStatement, type Expr, type GenericOption, type InsertStatement, type PrepareStatement, type SelectStatement, type Statement, type UpdateStatement } from "@omnikv/parser";
import { bindExpr, coerce, explainOver, explainPlan, planSelect, resolveTypeName, type ExplainOptions, type JoinMethods, type NodeActuals, type PlanColumn, type PlanNode } from "@omnikv/planner";
import { LockNotAvailableError, ReadOnlyTransactionError, SavepointError, SerializationFailureError, type IsolationLevel, type Transaction } from "@omnikv/txn";
import type { CatalogState, CatalogView } from "../catalog/catalog-store.ts";
import { indexStorage, tableStorage, type ObjectDefinition, type SequenceDefinition, type TableDefinition, type ViewDefinition } from "../catalog/definitions.ts";
import { BulkRows } from "../storage/bulk-rows.ts";
import type { FreshRange } from "../storage/fresh-range.ts";
import { alterTable, dropOwned, createIndex, createSchema, createSequence, createTable, createTableAs, alterSequence, commentOn, createView, drop, renameObject, renameTag, truncate, type DdlEnvironment, type IndexBuildProgress } from "../catalog/ddl.ts";
import { alterEnumType, createEnumType, dropEnumTypes, userTypeHooks } from "../catalog/enum-types.ts";
import { alterDomain, createDomain, dropDomains } from "../catalog/domains.ts";
import { PlannerCatalog, catalogTableOf } from "../catalog/planner-catalog.ts";
import { SequenceOverlay, currvalNotDefined, lastvalNotDefined } from "../catalog/sequences.ts";
import type { Database } from "../database.ts";
import { executeDelete, executeInsert, executeUpdate, lockResolvedTable, returningColumns, type ModifyResult } from "../dml/modify.ts";
import { planQuery, runContext, streamPlan, type AnalyzedRun, type QueryEnvironment, type StatementEnvironment } from "../dml/statement-environment.ts";
import {

  DuplicatePreparedStatementError,
  InFailedTransactionError,
  InvalidPortalError,
  InvalidStatementNameError,
  NoActiveTransactionError,
  ActiveTransactionError,
  QueryCanceledError,
} from "../errors.ts";
import { SnapshotReader, TxnTableAccess, type RowReader } from "../storage/table-access.ts";
import { Settings, settingNames, type SettingsSnapshot } from "./settings.ts";
import { SystemTableAccess, type SessionActivity, type SystemContext } from "../catalog/system-tables.ts";
import { ViewCatalogFunctions, type KeyRangeScan } from "../catalog/system-functions.ts";
import { PrivilegeChecker, databaseObject, permissionDenied } from "../catalog/privileges.ts";
import { alterDefaultPrivileges, alterOwner, alterRole, createRole, dropRole, grantPrivileges, grantRole, reassignOwned, renameRole, roleOrThrow, type AuthContext } from "../catalog/roles.ts";
import { checkStatementPrivileges } from "../catalog/statement-privileges.ts";
import { InsufficientPrivilegeError } from "../errors.ts";
import { copyIn, copyOut, type CopyIn } from "./copy.ts";
import { isKeyOnlyParam, pointLookupOf, runPointLookup, type PointLookup } from "./point-lookup.ts";
import { executeLockingSelect } from "../dml/select-locking.ts";
import { LiteralShapeCache, withRemappedPosition, type ShapedStatement, type ShapeEntry } from "./literal-shapes.ts";
import { isSameStamp, SessionPlanMemo, type PlanStamp } from "./plan-memo.ts";
import { UndefinedTableError } from "@omnikv/planner";
import { analyzeTable } from "@omnikv/executor";
import { relationLockKey, storageRange } from "../storage/keys.ts";
import type { RelationLockMode, RelationLockOptions } from "../storage/row-writer.ts";
import { layoutOf } from "../storage/table-layout.ts";
import { noticeOf, type Notice } from "./notice.ts";

export interface ConnectOptions {
  readonly user?: string;
  readonly database?: string;
  /** Initial settings, as a client's startup `options` carry them. */
  readonly settings?: ReadonlyMap<string, string>;
}

export interface Field {
  readonly name: string;
  readonly typeOid: number;
  readonly typmod: number;
}

export interface QueryResult {
  /** Runtime values (see `@omnikv/base`'s `SqlValue`); `formatRow` gives PostgreSQL's text. */
  readonly rows: readonly (readonly SqlValue[])[];
  readonly fields: readonly Field[];
  /** The command tag's verb: `SELECT`, `INSERT`, `CREATE TABLE`, … */
  readonly command: string;
  readonly rowCount: number;
  /** The full command tag PostgreSQL sends, e.g. `INSERT 0 3`. */
  readonly commandTag: string;
  readonly notices: readonly Notice[];
}

/** A statement prepared once: parsed now, planned on first use and again only when the catalog changes. */
interface PreparedStatement {
  readonly sql: string;
  readonly statement: Statement | undefined;
  readonly paramTypes: readonly number[];
  /** The last catalog version and current_user its privileges were checked for (and passed). */
  privilegesChecked?: { readonly version: number; readonly roleId: number };
  plan?: { readonly stamp: PlanStamp; readonly columns: readonly PlanColumn[]; readonly fields: readonly Field[]; readonly run: CompiledPlan; readonly point: PointLookup | undefined };
}

/** A bound statement and where its execution is: rows not yet fetched stay in the iterator. */
interface Portal {
  readonly prepared: PreparedStatement;
  readonly params: readonly SqlValue[];
  formats: readonly number[];
  /** Set once execution started: the remaining rows and the result's shape. */
  pending?: {
    readonly rows: Iterator<Row>;
    readonly fields: readonly Field[];
    readonly command: string;
    readonly tag: (count: number) => string;
    /** Releases what the portal reads from (a snapshot) once its rows are done or it is closed. */
    readonly release?: () => void;
    /** A data-changing statement's row count (its RETURNING rows may be fewer or none). */
    readonly rowCount?: number;
    /** Every row, when they were read at once (a point lookup): `rows` iterates them. */
    readonly allRows?: readonly Row[];
  };
}

/** Where COPY FROM STDIN's data goes (the shape pgwire's CopyInSink drives). */
export interface CopySink {
  /** The number of columns each line carries. */
  readonly columnCount: number;
  write(chunk: Uint8Array): Promise<void>;
  finish(): Promise<QueryResult>;
  abort(reason: string): Promise<void>;
}

/** A parameter value: a runtime value (text is parsed by the declared type), a JS Date, or undefined for NULL. */
export type ParamValue = SqlValue | Date | undefined;

/** pg_sleep waits in steps of this many milliseconds, checking cancel and statement_timeout between them. */
const sleepStepMs = 50;

/** How deep EXECUTEs may run one inside another (a protocol-level statement can be an EXECUTE): then 54001. */
const executeDepthMax = 16;

/** One statement's outcome in `queryEach`. */
export type StatementOutcome =
  | { readonly kind: "result"; readonly result: QueryResult }
  | { readonly kind: "rows"; readonly stream: RowStream }
  | { readonly kind: "copyIn"; readonly sink: CopySink }
  | { readonly kind: "copyOut"; readonly chunks: AsyncGenerator<Uint8Array, QueryResult> }
  | { readonly kind: "empty" };

/**
 * A SELECT's rows as the executor produces them, for a caller that sends them on as it goes
 * (the simple query protocol outside a transaction block): the caller takes batches at its own
 * pace, so a slow client holds the query back instead of the server buffering the whole result.
 * The rows come from one store snapshot, held until the caller moves on to the next statement.
 */
export interface RowStream {
  readonly fields: readonly Field[];
  /** Up to `maxRows` more rows; fewer (none at the end) once the result is exhausted. */
  take(maxRows: number): (readonly SqlValue[])[];
  /** Rows taken so far: CommandComplete's count once `take` returned fewer than asked. */
  readonly rowCount: number;
  /** Notices raised so far. */
  readonly notices: readonly Notice[];
}

export interface PreparedDescription {
  readonly paramTypes: readonly number[];
  /** The result's columns; empty for a statement that returns no rows. */
  readonly fields: readonly Field[];
}

export interface ExecuteResult extends QueryResult {
  /** More rows remain: `executePortal` with the same portal fetches them. */
  readonly isSuspended: boolean;
}

/** What a statement reads in: a transaction, or (a single autocommit SELECT) a bare snapshot. */
interface StatementScope {
  readonly catalog: CatalogView;
  readonly startMicros: bigint;
  readonly txn?: Transaction;
  /** The transaction's sequence DDL (none for a read outside a transaction). */
  readonly sequences?: SequenceOverlay;
}

/** Values derived from the settings, recomputed only when a setting changes. */
interface DerivedSettings {
  readonly version: number;
  readonly searchPath: readonly string[];
  readonly text: TextIoSettings;
  readonly extraFloatDigits: number;
  readonly timeZone: string;
  readonly workMemBytes: number;
  readonly isolation: IsolationLevel;
  readonly lockTimeoutMs: number;
  readonly idleInTransactionTimeoutMs: number;
  readonly statementTimeoutMs: number;
  /** enable_hashjoin / enable_mergejoin, for the planner's join method choice. */
  readonly joinMethods: JoinMethods;
}

interface ActiveTransaction {
  /** Rows written per table, for auto-analyze once the transaction commits. */
  readonly changedRows: Map<number, number>;
  /** The table locks it holds (`RelationLockMode`), by table id. */
  readonly relationLocks: Map<number, RelationLockMode>;
  /** Tables a bulk load filled straight to the store (storage/bulk-rows.ts): see `CatalogState.storageSince`. */
  readonly bulkLoaded: Set<number>;
  readonly txn: Transaction;
  readonly catalog: CatalogView;
  readonly isExplicit: boolean;
  isFailed: boolean;
  /**
   * Whether a statement that reads or writes has run in it (PostgreSQL takes the transaction's
   * snapshot then): until then only SET, RESET and SHOW have, and SET TRANSACTION may still
   * change its modes.
   */
  hasSnapshot: boolean;
  readonly startMicros: bigint;
  readonly savepoints: {
    readonly name: string;
    readonly catalog: ReadonlyMap<number, ObjectDefinition | undefined>;
    readonly sequences: ReturnType<SequenceOverlay["snapshot"]>;
    /** SET and RESET are rolled back to a savepoint too, and so are SET ROLE / SET SESSION AUTHORIZATION. */
    readonly settings: SettingsSnapshot;
    readonly roles: SavepointRoles;
    /** A ROLLBACK TO releases the table locks taken since, as the transaction layer does. */
    readonly relationLocks: ReadonlyMap<number, RelationLockMode>;
  }[];
  /** What the transaction's DDL did to sequences: applied when it commits. */
  readonly sequences: SequenceOverlay;
}

const postgresEpochMs = 946_684_800_000;

/** session_user and current_user, by role id. */
interface RoleState {
  readonly sessionRoleId: number;
  readonly currentRoleId: number;
}

/** The roles at a savepoint, and the transaction's session-level role change up to it. */
interface SavepointRoles extends RoleState {
  readonly sessionValue: RoleState | undefined;
}

/** A view's columns as its query binds, per view definition (definitions are replaced when they change). */
const viewColumnsCache = new WeakMap<ViewDefinition, { name: string; typeOid: number; typmod: number }[] | undefined>();

/** How many statement texts a session keeps parsed and planned (see `#cachedStatement`). */
export const statementCacheSize = 100;

interface CachedStatement {
  readonly prepared: PreparedStatement;
  /** The cache's clock at the last use: the least recent is evicted first. */
  lastUse: number;
}

function isSameTypes(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The portal `query(sql, params)` runs in; no client name can collide with it. */
const internalPortal = "\u0000query";

class IdleInTransactionTimeoutError extends DbError {
  override readonly name: string = "IdleInTransactionTimeoutError";
  readonly sqlState = SqlState.IdleInTransactionSessionTimeout;
}

export class Session {
  readonly #db: Database;
  readonly #onClose: () => void;
  readonly settings: Settings;
  /** session_user (SET SESSION AUTHORIZATION changes it) and current_user (SET ROLE changes it). */
  #sessionRoleId: number;
  #currentRoleId: number;
  /** The role that logged in: SET SESSION AUTHORIZATION is allowed when it is a superuser. */
  readonly #authenticatedRoleId: number;
  /** The name the session logged in with, shown if its role is dropped meanwhile. */
  readonly #loginName: string;
  /** The roles when the running transaction first changed them, and its last session-level change. */
  #roleAtStart: RoleState | undefined;
  #roleSessionValue: RoleState | undefined;
  readonly databaseName: string;
  readonly backendPid: number;
  #active: ActiveTransaction | undefined;
  /**
   * BEGIN was issued but no statement ran in the block yet. As in PostgreSQL, the transaction (and
   * its snapshot) starts with the block's first statement, not at BEGIN: a REPEATABLE READ block
   * opened early still sees what committed before its first query.
   */
  #pendingBlock: { readonly isolation?: IsolationLevel; readonly readOnly?: boolean; readonly startMicros: bigint } | undefined;
  /**
   * False while the statements of a several-statement string run: PostgreSQL runs them in an
   * implicit transaction block, inside which SET LOCAL and SET TRANSACTION apply without a warning.
   */
  #isSoleStatement = true;
  /** EXECUTEs running inside one another (`#executeSql`). */
  #executeDepth = 0;
  /** How many statements of the current statement string have started (this one included). */
  #statementsRunInString = 0;
  #notices: Notice[] = [];
  /** What the running statement's pg_sleep calls asked to wait, in milliseconds. */
  #pendingSleepMs = 0;
  #isCanceled = false;
  #deadline = 0;
  readonly #currvals = new Map<number, bigint>();
  readonly #prepared = new Map<string, PreparedStatement>();
  /** Parsed statements by SQL text (several when sent with different parameter types); see `#cachedStatement`. */
  readonly #statementCache = new Map<string, CachedStatement[]>();
  #statementCacheCount = 0;
  #statementCacheClock = 0;
  /** Simple-protocol statements by literal shape (see literal-shapes.ts), as prepared statements. */
  readonly #shapes = new LiteralShapeCache();
  readonly #shapedStatements = new WeakMap<ShapeEntry, PreparedStatement>();
  /** `queryNow`'s lookup of a statement it left to `queryEach`, which takes it instead of looking again. */
  #lastLookup: { readonly sql: string; readonly shaped: ShapedStatement | undefined } | undefined;
  readonly #planMemo = new SessionPlanMemo((catalogVersion) => this.#stamp(catalogVersion));
  readonly #portals = new Map<string, Portal>();
  #lastval: bigint | undefined;
  #isClosed = false;
  readonly #backendStart = BigInt(Date.now() - postgresEpochMs) * 1000n;
  /** What pg_stat_activity shows: the last statement text, when it started, and whether it runs. */
  #query = "";
  #queryStart: bigint | undefined;
  #running = 0;
  /** A CREATE INDEX running in this session (pg_stat_progress_create_index). */
  #indexBuild: IndexBuildProgress | undefined;
  #idleTimer: NodeJS.Timeout | undefined;
  /** Set when the session was terminated (idle_in_transaction_session_timeout): every later call fails with it. */
  #terminated: DbError | undefined;
  #derivedCache: DerivedSettings | undefined;
  #pointScopeCache:
    | { readonly ms: number; readonly derived: DerivedSettings; readonly catalogVersion: number; readonly roleId: number; readonly scope: StatementScope; readonly context: EvalContext }
    | undefined;

  constructor(db: Database, options: ConnectOptions, backendPid: number, onClose: () => void) {
    this.#db = db;
    this.#onClose = onClose;
    this.settings = new Settings(options.settings);
    // Roles are held by id (as PostgreSQL holds OIDs): a rename does not detach the session.
    this.#loginName = options.user ?? "postgres";
    this.#sessionRoleId = db.catalog.role(this.#loginName)?.id ?? -1;
    this.#currentRoleId = this.#sessionRoleId;
    this.#authenticatedRoleId = this.#sessionRoleId;
    this.databaseName = options.database ?? "postgres";
    this.backendPid = backendPid;
  }

  /** session_user: who pg_stat_activity shows. */
  get user(): string {
    return this.sessionUser;
  }

  get sessionUser(): string {
    return this.#roleName(this.#sessionRoleId);
  }

  get currentUser(): string {
    return this.#roleName(this.#currentRoleId);
  }

  #roleName(id: number): string {
    const role = (this.#active?.catalog ?? this.#db.catalogView()).roleById(id);
    return role?.name ?? this.#loginName;
  }

  /** Whether current_user is a superuser now (the server's `is_superuser` ParameterStatus). */
  get isSuperuser(): boolean {
    return this.#db.catalogView().roleById(this.#currentRoleId)?.isSuperuser === true;
  }

  /** The privilege context of a statement over `catalog`: who runs it (a dropped role holds nothing). */
  #auth(catalog: CatalogView): AuthContext {
    const verifier = this.#db.passwordVerifier;
    return {
      roleId: this.#currentRoleId,
      sessionRoleId: this.#sessionRoleId,
      checker: new PrivilegeChecker(catalog),
      ...(verifier === undefined ? {} : { passwordVerifier: verifier }),
    };
  }

  /** 42501 unless current_user may run `statement` (see statement-privileges.ts). */
  #checkPrivileges(statement: Statement, catalog: CatalogView): void {
    const auth = this.#auth(catalog);
    if (auth.checker.isSuperuser(auth.roleId)) return;
    checkStatementPrivileges({ catalog, checker: auth.checker, roleId: auth.roleId, searchPath: this.#usableSearchPath(catalog, auth) }, statement);
  }

  /**
   * The search path as name lookup uses it: schemas current_user has no USAGE on are skipped
   * (PostgreSQL's recomputeNamespacePath), so an unqualified name never resolves into them.
   */
  #usableSearchPath(catalog: CatalogView, auth: AuthContext = this.#auth(catalog)): readonly string[] {
    const path = this.#searchPath();
    if (auth.checker.isSuperuser(auth.roleId)) return path;
    return path.filter((name) => {
      const schema = catalog.schema(name);
      return schema === undefined || auth.checker.has(auth.roleId, schema, "U");
    });
  }

  /** The id of the transaction this session runs now, if any. */
  get transactionId(): number | undefined {
    const txn = this.#active?.txn;
    return txn === undefined || txn.status !== "active" ? undefined : Number(txn.id);
  }

  /** Whether session `pid` waits on a lock held by one of `pids` (see `Database.isSessionBlocked`). */
  isSessionBlocked(pid: number, pids: readonly number[]): boolean {
    return this.#db.isSessionBlocked(pid, pids);
  }

  /** `I` idle, `T` in a transaction block, `E` in a failed block (ReadyForQuery's status). */
  get transactionStatus(): "I" | "T" | "E" {
    if (this.#pendingBlock !== undefined) return "T";
    if (this.#active === undefined || !this.#active.isExplicit) return "I";
    return this.#active.isFailed ? "E" : "T";
  }

  /** Runs every statement of `sql` and returns the last one's result. */
  async query(sql: string, params: readonly unknown[] = []): Promise<QueryResult> {
    const results = await this.queryAll(sql, params);
    const last = results.at(-1);
    return last ?? { rows: [], fields: [], command: "", rowCount: 0, commandTag: "", notices: [] };
  }

  /** Runs every statement of `sql`, as the simple query protocol does, and returns each result. */
  async queryAll(sql: string, params: readonly unknown[] = []): Promise<QueryResult[]> {
    this.#assertOpen();
    this.#lastLookup = undefined;
    this.#noteQuery(sql);
    try {
      return await this.#queryAll(sql, params);
    } finally {
      this.#running -= 1;
    }
  }

  /** pg_stat_activity: this session as it is now. */
  activity(): SessionActivity {
    const transactionId = this.transactionId;
    const status = this.transactionStatus;
    const state = this.#running > 0 ? "active" : status === "T" ? "idle in transaction" : status === "E" ? "idle in transaction (aborted)" : "idle";
    return {
      pid: this.backendPid,
      userName: this.user,
      userId: this.#sessionRoleId,
      applicationName: this.settings.get("application_name"),
      backendStart: this.#backendStart,
      transactionStart: this.#active?.startMicros ?? this.#pendingBlock?.startMicros,
      queryStart: this.#queryStart,
      state,
      query: this.#query,
      transactionId,
      waitsFor: transactionId === undefined ? [] : this.#db.transactions.waitsFor(transactionId),
      indexBuild: this.#indexBuild,
    };
  }

  #noteQuery(sql: string): void {
    this.#query = sql;
    this.#queryStart = BigInt(Date.now() - postgresEpochMs) * 1000n;
    this.#running += 1;
  }

  async #queryAll(sql: string, params: readonly unknown[]): Promise<QueryResult[]> {
    if (params.length > 0) {
      // One statement with parameters, as the extended protocol sends it: planned once per SQL
      // text (the session's statement cache), like a prepared statement.
      const result = await this.#executePrepared(internalPortal, this.#cachedStatement(sql, []), params.map(paramText), 0);
      return [result];
    }
    const shaped = this.#shapes.lookup(sql);
    if (shaped !== undefined) {
      let result: QueryResult;
      try {
        result = await this.#runShapedStatement(shaped);
        await this.#endImplicit();
      } finally {
        this.#armIdleTimer();
      }
      return [result];
    }
    const statements = parse(sql);
    const textParams = params.map(paramText);
    const results: QueryResult[] = [];
    this.#isSoleStatement = statements.length <= 1;
    this.#statementsRunInString = 0;
    try {
      for (const statement of statements) {
        this.#statementsRunInString += 1;
        results.push(await this.#runStatement(statement, sql, textParams, []));
      }
      await this.#endImplicit();
    } finally {
      this.#isSoleStatement = true;
      this.#armIdleTimer();
    }
    return results;
  }

  /**
   * Runs every statement of `sql` one at a time, as the simple query protocol does, yielding
   * each one's outcome as it completes; COPY statements yield their data channel instead (the
   * caller drives it before asking for the next statement). Stops at the first error.
   */
  async *queryEach(sql: string): AsyncGenerator<StatementOutcome> {
    this.#assertOpen();
    this.#noteQuery(sql);
    try {
      yield* this.#queryEach(sql);
    } finally {
      this.#running -= 1;
    }
  }

  /**
   * `sql` answered at once, without a promise, when it can be: one statement of a known literal
   * shape that reads one row by primary key outside a transaction block, its plan (kept for the
   * shape) current. Undefined otherwise, having run nothing: the caller then takes `queryEach`,
   * which reuses this call's shape lookup. Errors are thrown as `queryEach` throws them.
   */
  queryNow(sql: string): QueryResult | undefined {
    this.#assertOpen();
    const shaped = this.#shapes.lookup(sql);
    const prepared = shaped === undefined ? undefined : this.#immediatePrepared(shaped.entry);
    if (shaped === undefined || prepared === undefined) {
      this.#lastLookup = { sql, shaped };
      return undefined;
    }
    this.#lastLookup = undefined;
    this.#noteQuery(sql);
    try {
      const pending = this.#startSnapshotSelect({ prepared, params: shaped.params, formats: [] });
      const rows = pending?.allRows;
      assert(pending !== undefined && rows !== undefined && pending.release === undefined, "a current primary-key plan reads its row at once");
      return this.#result("SELECT", rows.length, `SELECT ${rows.length}`, rows, pending.fields);
    } catch (error) {
      throw withRemappedPosition(error, shaped.entry.planningSpans, shaped.spans);
    } finally {
      this.#running -= 1;
    }
  }

  /** The prepared statement of a shape `queryNow` can run at once (see `#startSnapshotSelect`), else undefined. */
  #immediatePrepared(entry: ShapeEntry): PreparedStatement | undefined {
    const statement = entry.statement;
    if (statement.kind !== "select" || !this.#isSnapshotRead(statement, entry.planningSql) || /pg_sleep/i.test(entry.planningSql)) return undefined;
    const prepared = this.#shapedPrepared(entry);
    const plan = prepared.plan;
    return plan?.point?.isPrimary === true && this.#isCurrentSnapshotPlan(plan) ? prepared : undefined;
  }

  /** The literal-shape lookup of `sql`: the one `queryNow` just made for the same text, or a new one. */
  #lookupShape(sql: string): ShapedStatement | undefined {
    const last = this.#lastLookup;
    this.#lastLookup = undefined;
    return last !== undefined && last.sql === sql ? last.shaped : this.#shapes.lookup(sql);
  }

  async *#queryEach(sql: string): AsyncGenerator<StatementOutcome> {
    const shaped = this.#lookupShape(sql);
    if (shaped !== undefined) {
      const { outcome, release } = await this.#runShaped(shaped);
      if (outcome.kind === "result") {
        // A complete result: commit first, so a failing commit reports its error instead of it.
        await this.#endImplicit();
        yield outcome;
        return;
      }
      try {
        yield outcome;
      } finally {
        release();
      }
      await this.#endImplicit();
      return;
    }
    const statements = parse(sql);
    if (statements.length === 0) {
      yield { kind: "empty" };
      return;
    }
    const last = statements.at(-1);
    this.#isSoleStatement = statements.length <= 1;
    try {
      yield* this.#runEach(statements, last, sql);
    } finally {
      this.#isSoleStatement = true;
    }
    await this.#endImplicit();
  }

  async *#runEach(statements: readonly Statement[], last: Statement | undefined, sql: string): AsyncGenerator<StatementOutcome> {
    this.#statementsRunInString = 0;
    for (const statement of statements) {
      this.#statementsRunInString += 1;
      if (statement.kind === "copy" && statement.direction === "from" && statement.target === "stdin") {
        yield { kind: "copyIn", sink: await this.#copyFrom(statement, sql) };
      } else if (statement.kind === "copy" && statement.direction === "to" && statement.target === "stdout") {
        yield { kind: "copyOut", chunks: this.#copyTo(statement, sql) };
      } else if (statement.kind === "select" && this.#isSnapshotRead(statement, sql) && !/pg_sleep/i.test(sql)) {
        // (A statement that may sleep runs whole, so its sleep is served before its rows go out.)
        const { stream, release } = this.#streamSnapshotSelect(statement, sql);
        try {
          yield { kind: "rows", stream };
        } finally {
          release();
        }
      } else if (statement.kind === "select" && statement.locking.length === 0 && !/pg_sleep/i.test(sql)) {
        const { stream, release } = await this.#streamTransactionSelect(statement, sql, [], [], (error) => error);
        try {
          yield { kind: "rows", stream };
        } finally {
          release();
        }
      } else {
        const result = await this.#runStatement(statement, sql, [], []);
        // The implicit transaction commits before the last statement's CommandComplete, as in
        // PostgreSQL: a commit that fails (40001, a write set past its limit) is that statement's
        // error, not a success followed by one. (A streamed SELECT's rows and CommandComplete go
        // out as they are taken, so a message ending in one still commits after them.)
        if (statement === last) await this.#endImplicit();
        yield { kind: "result", result };
      }
    }
  }

  /**
   * A simple-protocol statement whose literal shape is cached: run as its prepared statement
   * with the literals as parameters (see literal-shapes.ts). A snapshot SELECT streams, as
   * `#streamSnapshotSelect` does; anything else runs whole. Error positions are moved from the
   * planning text to the text the client sent.
   */
  async #runShaped(shaped: ShapedStatement): Promise<{ readonly outcome: StatementOutcome; readonly release: () => void }> {
    const { entry } = shaped;
    const statement = entry.statement;
    const remap = (error: unknown): unknown => withRemappedPosition(error, entry.planningSpans, shaped.spans);
    if (statement.kind !== "select" || statement.locking.length > 0 || /pg_sleep/i.test(entry.planningSql)) {
      return { outcome: { kind: "result", result: await this.#runShapedStatement(shaped) }, release: () => undefined };
    }
    if (!this.#isSnapshotRead(statement, entry.planningSql)) {
      const { stream, release } = await this.#streamTransactionSelect(statement, entry.planningSql, shaped.params, entry.paramTypes, remap);
      return { outcome: { kind: "rows", stream }, release };
    }
    let pending: NonNullable<Portal["pending"]> | undefined;
    try {
      pending = this.#startSnapshotSelect({ prepared: this.#shapedPrepared(entry), params: shaped.params, formats: [] });
    } catch (error) {
      throw remap(error);
    }
    assert(pending !== undefined, "a snapshot read starts synchronously");
    const { rows, release, allRows } = pending;
    if (allRows !== undefined && release === undefined) {
      // A point lookup read its row already: nothing to stream and nothing held.
      const result = this.#result("SELECT", allRows.length, `SELECT ${allRows.length}`, allRows, pending.fields);
      return { outcome: { kind: "result", result }, release: () => undefined };
    }
    let isReleased = false;
    const finish = (): void => {
      if (isReleased) return;
      isReleased = true;
      release?.();
    };
    const onError = (error: unknown): unknown => {
      finish();
      return remap(error);
    };
    const stream = rowStream(rows, pending.fields, this.#notices, { onEnd: finish, onError });
    return { outcome: { kind: "rows", stream }, release: finish };
  }

  async #runShapedStatement(shaped: ShapedStatement): Promise<QueryResult> {
    const { entry } = shaped;
    try {
      return await this.#runStatement(entry.statement, entry.planningSql, shaped.params, entry.paramTypes);
    } catch (error) {
      throw withRemappedPosition(error, entry.planningSpans, shaped.spans);
    }
  }

  /** The prepared statement of a literal shape: its kept plan (and point lookup) lives there. */
  #shapedPrepared(entry: ShapeEntry): PreparedStatement {
    let prepared = this.#shapedStatements.get(entry);
    if (prepared === undefined) {
      prepared = { sql: entry.planningSql, statement: entry.statement, paramTypes: entry.paramTypes };
      this.#shapedStatements.set(entry, prepared);
    }
    return prepared;
  }

  /**
   * Prepares `sql` (one statement, or none) under `name` ("" is the unnamed statement, replaced
   * by each prepare). `paramTypes` declares `$n` types by OID (0: typed by use, sent as text).
   */
  prepare(name: string, sql: string, paramTypes: readonly number[] = []): PreparedDescription {
    this.#assertOpen();
    if (name !== "" && this.#prepared.has(name)) throw new DuplicatePreparedStatementError(`prepared statement "${name}" already exists`);
    this.#prepared.set(name, this.#cachedStatement(sql, paramTypes));
    return { paramTypes, fields: [] };
  }

  /**
   * The parsed statement for `sql` with these declared types, shared by every prepare of the
   * same text (drivers re-send Parse for each parameterized query): its plan is made once and
   * remade only when the catalog changes. The last `statementCacheSize` texts are kept.
   */
  #cachedStatement(sql: string, paramTypes: readonly number[]): PreparedStatement {
    // Keyed by the text alone: a caller passing the same string gets its hash cached by the
    // engine, where a composite key string was built and hashed anew on every call (a tenth of
    // a point select). Recency is a counter on the entry, not a delete and re-insert per hit.
    const entries = this.#statementCache.get(sql);
    const clock = ++this.#statementCacheClock;
    if (entries !== undefined) {
      for (const entry of entries) {
        if (isSameTypes(entry.prepared.paramTypes, paramTypes)) {
          entry.lastUse = clock;
          return entry.prepared;
        }
      }
    }
    const statements = parse(sql);
    if (statements.length > 1) throw new SqlSyntaxErrorMultiple("cannot insert multiple commands into a prepared statement");
    const prepared: PreparedStatement = { sql, statement: statements[0], paramTypes };
    const entry: CachedStatement = { prepared, lastUse: clock };
    if (entries === undefined) this.#statementCache.set(sql, [entry]);
    else entries.push(entry);
    this.#statementCacheCount += 1;
    if (this.#statementCacheCount > statementCacheSize) this.#evictLeastRecentStatement();
    return prepared;
  }

  #evictLeastRecentStatement(): void {
    let oldest: { readonly sql: string; readonly entry: CachedStatement } | undefined;
    for (const [sql, entries] of this.#statementCache) {
      for (const entry of entries) if (oldest === undefined || entry.lastUse < oldest.entry.lastUse) oldest = { sql, entry };
    }
    if (oldest === undefined) return;
    const entries = this.#statementCache.get(oldest.sql) ?? [];
    const kept = entries.filter((entry) => entry !== oldest?.entry);
    if (kept.length === 0) this.#statementCache.delete(oldest.sql);
    else this.#statementCache.set(oldest.sql, kept);
    this.#statementCacheCount -= 1;
    assert(this.#statementCacheCount <= statementCacheSize, "the statement cache holds at most statementCacheSize statements");
  }

  /** The declared parameter types of a prepared statement (0 where undeclared). */
  paramTypesOf(name: string): readonly number[] {
    const prepared = this.#prepared.get(name);
    if (prepared === undefined) throw new InvalidStatementNameError(`prepared statement "${name}" does not exist`);
    return prepared.paramTypes;
  }

  /** The settings values are printed with (extra_float_digits, TimeZone), as this session has them now. */
  textSettings(): TextIoSettings {
    return this.#textSettings();
  }

  /** DEALLOCATE / Close: forgets a prepared statement. */
  deallocate(name: string): void {
    this.#prepared.delete(name);
  }

  /**
   * Binds the prepared statement `statementName` to `params` as portal `portalName` (Bind).
   * Declared parameter types parse the values from their text forms.
   */
  bind(portalName: string, statementName: string, params: readonly ParamValue[]): void {
    this.#assertOpen();
    const prepared = this.#prepared.get(statementName);
    if (prepared === undefined) throw new InvalidStatementNameError(`prepared statement "${statementName}" does not exist`);
    this.#bindPrepared(portalName, prepared, params);
  }

  #bindPrepared(portalName: string, prepared: PreparedStatement, params: readonly ParamValue[]): void {
    const settings = this.#textSettings();
    const values = params.map((param, i) => paramValue(param, prepared.paramTypes[i] ?? 0, settings));
    this.#portals.set(portalName, { prepared, params: values, formats: [] });
  }

  /** Result formats (0 text, 1 binary) the client asked for at Bind; kept for Describe of the portal. */
  setResultFormats(portalName: string, formats: readonly number[]): void {
    const portal = this.#portals.get(portalName);
    if (portal !== undefined) portal.formats = formats;
  }

  /** Describe of a prepared statement: its parameter types (undeclared ones as text) and result columns. */
  async describePrepared(name: string): Promise<PreparedDescription> {
    const prepared = this.#prepared.get(name);
    if (prepared === undefined) throw new InvalidStatementNameError(`prepared statement "${name}" does not exist`);
    const count = Math.max(prepared.paramTypes.length, highestParam(prepared.statement));
    const inferred = count === 0 ? new Map<number, number>() : await this.#inferParamTypes(prepared, count);
    const paramTypes = Array.from({ length: count }, (_, i) => (prepared.paramTypes[i] ?? 0) || (inferred.get(i + 1) ?? TypeOid.text));
    return { paramTypes, fields: await this.#describeFields(prepared) };
  }

  /**
   * The types PostgreSQL would infer for undeclared parameters: each one's type where the
   * statement's plans first convert it (`id = $1` makes $1 an int4; a VALUES item or SET value
   * takes its column's type). DML is dry-run: its queries are planned, none is run.
   */
  async #inferParamTypes(prepared: PreparedStatement, count: number): Promise<Map<number, number>> {
    const statement = prepared.statement;
    const inferred = new Map<number, number>();
    if (statement === undefined) return inferred;
    const isDml = statement.kind === "insert" || statement.kind === "update" || statement.kind === "delete";
    if (statement.kind !== "select" && !isDml) return inferred;
    const nulls = Array.from({ length: count }, () => null);
    if (statement.kind === "select" && this.#active === undefined && this.#pendingBlock === undefined) {
      const env = this.#queryEnvironment(this.#snapshotScope(), this.#db.latestReader, prepared.sql, nulls, prepared.paramTypes);
      collectParamCasts([planQuery(env, withoutLocking(statement)).plan], inferred);
      return inferred;
    }
    const active = this.#active ?? (await this.#startTransaction());
    if (active.isFailed) throw new InFailedTransactionError("current transaction is aborted, commands ignored until end of transaction block");
    const plans: PlanNode[] = [];
    const env = { ...this.#environment(active, prepared.sql, nulls, prepared.paramTypes), plans };
    if (statement.kind === "select") plans.push(planQuery(env, withoutLocking(statement)).plan);
    else if (statement.kind === "insert") await executeInsert(env, statement);
    else if (statement.kind === "update") await executeUpdate(env, statement);
    else if (statement.kind === "delete") await executeDelete(env, statement);
    collectParamCasts(plans, inferred);
    return inferred;
  }

  /** Describe of a portal: its result columns (empty when it returns no rows). */
  async describePortal(name: string): Promise<readonly Field[]> {
    const portal = this.#portals.get(name);
    if (portal === undefined) throw new InvalidPortalError(`portal "${name}" does not exist`);
    return portal.pending?.fields ?? this.#describeFields(portal.prepared);
  }

  /**
   * `describePortal` answered synchronously, or undefined when it must start the implicit
   * transaction first (a statement other than a SELECT, outside a block): then await `describePortal`.
   */
  describePortalNow(name: string): readonly Field[] | undefined {
    const portal = this.#portals.get(name);
    if (portal === undefined) throw new InvalidPortalError(`portal "${name}" does not exist`);
    return portal.pending?.fields ?? this.#describeFieldsNow(portal.prepared);
  }

  async #describeFields(prepared: PreparedStatement): Promise<readonly Field[]> {
    return this.#describeFieldsNow(prepared) ?? this.#describeInTransaction(prepared, await this.#startTransaction());
  }

  /** The statement's result columns, or undefined when describing it needs a transaction that is not open yet. */
  #describeFieldsNow(described: PreparedStatement): readonly Field[] | undefined {
    // EXECUTE answers with the rows of the statement it runs: Describe says so.
    const prepared = this.#executedStatement(described);
    const statement = prepared.statement;
    if (statement === undefined) return [];
    const isQuery = statement.kind === "select" || ((statement.kind === "insert" || statement.kind === "update" || statement.kind === "delete") && statement.returning.length > 0);
    if (statement.kind === "show") return [{ name: Settings.displayName(statement.name), typeOid: TypeOid.text, typmod: -1 }];
    if (statement.kind === "explain") return [{ name: "QUERY PLAN", typeOid: TypeOid.text, typmod: -1 }];
    if (!isQuery) return [];
    if (statement.kind === "select" && this.#active === undefined && this.#pendingBlock === undefined) {
      // Drivers send Describe before every Execute (libpq's PQexecPrepared does): plan once, with
      // no transaction — the plan is what Execute runs next. A plan kept for this catalog answers
      // without building a query environment (that was a quarter of a pgbench -S transaction).
      const kept = prepared.plan;
      if (statement.locking.length === 0 && kept !== undefined && this.#isCurrentSnapshotPlan(kept)) return kept.fields;
      const scope = this.#snapshotScope();
      const env = this.#queryEnvironment(scope, this.#db.latestReader, prepared.sql, [], prepared.paramTypes);
      if (statement.locking.length > 0) return fieldsOf(planQuery(env, withoutLocking(statement)).columns);
      return this.#planFor(prepared, statement, env).fields;
    }
    return this.#active === undefined ? undefined : this.#describeInTransaction(prepared, this.#active);
  }

  /**
   * The prepared statement an EXECUTE names (followed through EXECUTEs of EXECUTEs a few levels),
   * or `prepared` itself; one that does not exist leaves the EXECUTE, whose run fails with 26000.
   */
  #executedStatement(prepared: PreparedStatement): PreparedStatement {
    let current = prepared;
    for (let depth = 0; depth < executeDepthMax && current.statement?.kind === "execute"; depth += 1) {
      const target = this.#prepared.get(current.statement.name);
      if (target === undefined) return current;
      current = target;
    }
    return current;
  }

  /** The result columns of a statement that returns rows, planned in the open transaction `active`. */
  #describeInTransaction(described: PreparedStatement, active: ActiveTransaction): readonly Field[] {
    const prepared = this.#executedStatement(described);
    const statement = prepared.statement;
    const isModify = statement?.kind === "insert" || statement?.kind === "update" || statement?.kind === "delete";
    assert(statement?.kind === "select" || isModify, "a statement described in a transaction returns rows");
    if (active.isFailed) throw new InFailedTransactionError("current transaction is aborted, commands ignored until end of transaction block");
    const env = this.#environment(active, prepared.sql, [], prepared.paramTypes);
    if (statement.kind === "select" && statement.locking.length > 0) return fieldsOf(planQuery(env, withoutLocking(statement)).columns);
    if (statement.kind === "select") return this.#planFor(prepared, statement, env).fields;
    if (statement.kind === "insert" || statement.kind === "update" || statement.kind === "delete") return fieldsOf(returningColumns(env, statement));
    return [];
  }

  /** Runs (or resumes) a portal, returning at most `maxRows` rows (0: all). */
  async executePortal(portalName: string, maxRows = 0): Promise<ExecuteResult> {
    const portal = this.#portals.get(portalName);
    if (portal === undefined) throw new InvalidPortalError(`portal "${portalName}" does not exist`);
    this.#noteQuery(portal.prepared.sql);
    try {
      return await this.#executePortal(portal, maxRows);
    } finally {
      this.#running -= 1;
    }
  }

  /**
   * `executePortal` without a promise where nothing needs one: a SELECT read at a snapshot outside a
   * transaction block (every point select of a driver's prepared statement), or the next rows of a
   * portal already running. Anything else, and a pg_sleep to serve, returns the promise as
   * `executePortal` does. Drivers send Bind/Describe/Execute/Sync per query: a promise per step
   * was a fifth of a prepared point select.
   */
  executePortalNow(portalName: string, maxRows = 0): ExecuteResult | Promise<ExecuteResult> {
    const portal = this.#portals.get(portalName);
    if (portal === undefined) throw new InvalidPortalError(`portal "${portalName}" does not exist`);
    if (portal.prepared.statement === undefined) return this.executePortal(portalName, maxRows);
    this.#noteQuery(portal.prepared.sql);
    let isRunningAfterReturn = false;
    try {
      if (portal.pending === undefined) {
        // Starting a snapshot SELECT has no effect when it declines (undefined): the statement then
        // runs through `executePortal`, which notes the query again.
        const pending = this.#startSnapshotSelect(portal);
        if (pending === undefined) return this.executePortal(portalName, maxRows);
        portal.pending = pending;
      }
      const result = this.#fetch(portal, maxRows);
      if (this.#pendingSleepMs === 0) return result;
      isRunningAfterReturn = true;
      return this.#servePendingSleep(() => this.#abandonPortal(portal)).then(
        () => result,
      ).finally(() => {
        this.#running -= 1;
      });
    } finally {
      if (!isRunningAfterReturn) this.#running -= 1;
    }
  }

  async #executePortal(portal: Portal, maxRows: number): Promise<ExecuteResult> {
    const statement = portal.prepared.statement;
    if (statement === undefined) return { ...this.#result(""), isSuspended: false };
    if (portal.pending === undefined) {
      if (statement.kind !== "select" || statement.locking.length > 0) {
        // (SELECT FOR UPDATE locks its rows one by one, asynchronously: it runs whole.)
        const result = await this.#runStatement(statement, portal.prepared.sql, portal.params, portal.prepared.paramTypes);
        portal.pending = { rows: result.rows[Symbol.iterator](), fields: result.fields, command: result.command, tag: () => result.commandTag, rowCount: result.rowCount };
      } else {
        portal.pending = this.#startSnapshotSelect(portal) ?? (await this.#startSelect(portal));
      }
    }
    const result = this.#fetch(portal, maxRows);
    if (this.#pendingSleepMs > 0) await this.#servePendingSleep(() => this.#abandonPortal(portal));
    return result;
  }

  /** Prepares, binds and runs in one call (the unnamed portal); see `executePortal` for `maxRows`. */
  async execute(name: string, params: readonly ParamValue[] = [], options: { readonly maxRows?: number } = {}): Promise<ExecuteResult> {
    const prepared = this.#prepared.get(name);
    if (prepared === undefined) throw new InvalidStatementNameError(`prepared statement "${name}" does not exist`);
    return this.#executePrepared("", prepared, params, options.maxRows ?? 0);
  }

  async #executePrepared(portalName: string, prepared: PreparedStatement, params: readonly ParamValue[], maxRows: number): Promise<ExecuteResult> {
    const pointResult = this.#pointSelect(portalName, prepared, params);
    if (pointResult !== undefined) {
      if (this.#pendingSleepMs > 0) await this.#servePendingSleep();
      return pointResult;
    }
    this.#bindPrepared(portalName, prepared, params);
    const portal = this.#portals.get(portalName);
    // A SELECT outside a block runs synchronously to the end (no await, no transaction to commit).
    const pending = portal === undefined ? undefined : this.#startSnapshotSelect(portal);
    if (portal !== undefined && pending !== undefined) {
      portal.pending = pending;
      const result = this.#fetch(portal, maxRows);
      if (this.#pendingSleepMs > 0) await this.#servePendingSleep(() => this.#abandonPortal(portal));
      if (!result.isSuspended) this.#finishPortals();
      return result;
    }
    const result = await this.executePortal(portalName, maxRows);
    if (!result.isSuspended) await this.sync();
    return result;
  }

  /** Sync without an implicit transaction to end: portals released, the idle timer armed. */
  #finishPortals(): void {
    for (const portal of this.#portals.values()) portal.pending?.release?.();
    this.#portals.clear();
    this.#armIdleTimer();
  }

  /**
   * `sync` done at once when no implicit transaction is open (true: portals dropped, idle timer
   * armed); false when one is, and the caller awaits `sync` to commit it.
   */
  syncNow(): boolean {
    if (this.#active !== undefined) return false;
    this.#finishPortals();
    return true;
  }

  /** Sync: ends the implicit transaction of the extended protocol (commits it) and drops the portals. */
  async sync(): Promise<void> {
    for (const portal of this.#portals.values()) portal.pending?.release?.();
    this.#portals.clear();
    if (this.#active !== undefined) await this.#endImplicit();
    this.#armIdleTimer();
  }

  closePortal(name: string): void {
    this.#portals.get(name)?.pending?.release?.();
    this.#portals.delete(name);
  }

  /**
   * The commonest OLTP statement, a prepared primary-key SELECT outside a transaction block,
   * without a portal: one read of the newest committed version (a single read needs no snapshot
   * to be consistent), as `#startSnapshotSelect` does, minus the portal's bookkeeping. Undefined
   * when the statement is not one (not planned yet for this catalog, not a primary-key lookup).
   */
  #pointSelect(portalName: string, prepared: PreparedStatement, params: readonly ParamValue[]): ExecuteResult | undefined {
    const plan = prepared.plan;
    const statement = prepared.statement;
    if (plan?.point?.isPrimary !== true || !this.#isCurrentSnapshotPlan(plan) || statement?.kind !== "select") return undefined;
    if (!this.#isSnapshotRead(statement, prepared.sql) || this.#portals.has(portalName)) return undefined;
    // In the portal path's order: parameters are converted at Bind, privileges checked at Execute.
    const settings = this.#textSettings();
    const point = plan.point;
    // A parameter only the key reads goes to it as it is (runPointLookup): its text would go unused.
    const values = params.map((param, i) => (isKeyOnlyParam(point, i, param) ? null : paramValue(param, prepared.paramTypes[i] ?? 0, settings)));
    this.#startStatement();
    const { scope, context } = this.#pointScope();
    this.#checkPrepared(prepared, statement, scope.catalog);
    const rows = runPointLookup(plan.point, scope.catalog, this.#db.latestReader, values, context, params);
    // As a completed execute does; outside a block there is no idle-in-transaction timer to arm.
    if (this.#portals.size > 0) this.#finishPortals();
    return { rows, fields: plan.fields, command: "SELECT", rowCount: rows.length, commandTag: rows.length === 1 ? "SELECT 1" : "SELECT 0", notices: this.#notices, isSuspended: false };
  }

  /**
   * The scope and evaluation context of a point select, shared by the point selects of one
   * millisecond (their statement timestamps are equal) while the catalog, the settings and the
   * current role stay the same: at hundreds of thousands of statements a second, building them
   * anew (bigints, closures) was a tenth of the work.
   */
  #pointScope(): { readonly scope: StatementScope; readonly context: EvalContext } {
    const ms = Date.now();
    const derived = this.#derived();
    const catalogVersion = this.#db.catalog.version;
    const cached = this.#pointScopeCache;
    if (cached !== undefined && cached.ms === ms && cached.derived === derived && cached.catalogVersion === catalogVersion && cached.roleId === this.#currentRoleId) return cached;
    const scope: StatementScope = { catalog: this.#db.catalogView(), startMicros: BigInt(ms - postgresEpochMs) * 1000n };
    const fresh = { ms, derived, catalogVersion, roleId: this.#currentRoleId, scope, context: this.#evalContext(scope, derived) };
    this.#pointScopeCache = fresh;
    return fresh;
  }

  /** A SELECT portal outside a transaction block starts at a store snapshot, synchronously (see `#isSnapshotRead`). */
  #startSnapshotSelect(portal: Portal): NonNullable<Portal["pending"]> | undefined {
    const statement = portal.prepared.statement;
    const prepared = portal.prepared;
    if (statement?.kind !== "select" || !this.#isSnapshotRead(statement, prepared.sql)) return undefined;
    this.#startStatement();
    this.#checkPrepared(prepared, statement, this.#db.catalogView());
    const plan = prepared.plan;
    if (plan?.point?.isPrimary === true && this.#isCurrentSnapshotPlan(plan)) {
      // A primary-key lookup planned for this catalog: one read of the newest committed version
      // (a single read needs no snapshot to be consistent) and the projection.
      const { scope, context } = this.#pointScope();
      const rows = runPointLookup(plan.point, scope.catalog, this.#db.latestReader, portal.params, context);
      return { rows: rows[Symbol.iterator](), allRows: rows, fields: plan.fields, command: "SELECT", tag: (count) => `SELECT ${count}` };
    }
    const reader = new SnapshotReader(this.#db.store);
    try {
      const scope = this.#snapshotScope();
      const env = this.#queryEnvironment(scope, reader, prepared.sql, portal.params, prepared.paramTypes);
      return { ...this.#openPortal(prepared, statement, env, reader, scope.catalog), release: () => reader.release() };
    } catch (error) {
      reader.release();
      throw error;
    }
  }

  async #startSelect(portal: Portal): Promise<NonNullable<Portal["pending"]>> {
    const statement = portal.prepared.statement;
    assert(statement?.kind === "select", "a SELECT portal");
    const prepared = portal.prepared;
    const current = await this.#statementTransaction();
    try {
      this.#checkPrepared(prepared, statement, current.catalog);
      return this.#openPortal(prepared, statement, this.#environment(current, prepared.sql, portal.params, prepared.paramTypes), current.txn, current.catalog);
    } catch (error) {
      this.#fail(current);
      throw error;
    }
  }


  /** `#checkPrivileges`, skipped when it passed already for this catalog version and user. */
  #checkPrepared(prepared: PreparedStatement, statement: Statement, catalog: CatalogView): void {
    const passed = prepared.privilegesChecked;
    if (passed !== undefined && passed.version === catalog.version && passed.roleId === this.#currentRoleId) return;
    this.#checkPrivileges(statement, catalog);
    prepared.privilegesChecked = { version: catalog.version, roleId: this.#currentRoleId };
  }

  /** The statement's plan for the catalog `env` sees: made once per catalog version and kept. */
  #planFor(prepared: PreparedStatement, statement: SelectStatement, env: QueryEnvironment): NonNullable<PreparedStatement["plan"]> {
    const stamp = this.#stamp(env.planner.version);
    if (prepared.plan !== undefined && isSameStamp(prepared.plan.stamp, stamp)) return prepared.plan;
    const { plan, columns } = planQuery(env, statement);
    prepared.plan = {
      stamp,
      columns,
      fields: fieldsOf(columns),
      run: compilePlan(plan, { registry: env.registry, aggregates: env.aggregates }),
      point: pointLookupOf(plan, env.registry),
    };
    return prepared.plan;
  }

  /** Plans (once per catalog version) and starts the portal's rows. */
  #openPortal(prepared: PreparedStatement, statement: SelectStatement, env: QueryEnvironment, reader: RowReader, catalog: CatalogView): NonNullable<Portal["pending"]> {
    const plan = this.#planFor(prepared, statement, env);
    const point = plan.point;
    const rows = point === undefined ? plan.run(runContext(env))[Symbol.iterator]() : runPointLookup(point, catalog, reader, env.params, env.context)[Symbol.iterator]();
    return { rows, fields: plan.fields, command: "SELECT", tag: (count) => `SELECT ${count}` };
  }


  /** After an error while a portal runs: its rows are released, and a transaction it runs in fails. */
  #abandonPortal(portal: Portal): void {
    portal.pending?.release?.();
    if (this.#active !== undefined) this.#fail(this.#active);
  }

  #fetch(portal: Portal, maxRows: number): ExecuteResult {
    const pending = portal.pending;
    assert(pending !== undefined, "a started portal");
    const rows: Row[] = [];
    let isDone = false;
    try {
      const limit = maxRows === 0 ? Number.POSITIVE_INFINITY : maxRows;
      while (rows.length < limit) {
        const next = pending.rows.next();
        if (next.done === true) {
          isDone = true;
          break;
        }
        rows.push(next.value);
      }
    } catch (error) {
      pending.release?.();
      if (this.#active !== undefined) this.#fail(this.#active);
      throw error;
    }
    if (isDone) pending.release?.();
    // As PostgreSQL: the tag of an Execute that finishes a suspended portal counts only its own rows.
    return { rows, fields: pending.fields, command: pending.command, rowCount: pending.rowCount ?? rows.length, commandTag: pending.tag(rows.length), notices: this.#notices, isSuspended: !isDone };
  }


  /**
   * COPY … FROM STDIN: the sink takes the data in chunks of any size; `finish` writes the last
   * line and ends the statement (committing its implicit transaction), `abort` rolls it back.
   */
  async copyFrom(sql: string): Promise<CopySink> {
    return this.#copyFrom(this.#singleCopy(sql, "from"), sql);
  }

  async #copyFrom(statement: CopyStatement, sql: string): Promise<CopySink> {
    const current = await this.#statementTransaction();
    const env = this.#environment(current, sql, [], []);
    let sink: CopyIn | undefined;
    const fail = async (error: unknown): Promise<never> => {
      sink?.close();
      this.#fail(current);
      throw error;
    };
    try {
      this.#checkPrivileges(statement, current.catalog);
      sink = copyIn(env, statement);
      // As PostgreSQL: once the table is found, before any data is read.
      if (current.txn.isReadOnly) throw new ReadOnlyTransactionError("cannot execute COPY FROM in a read-only transaction");
    } catch (error) {
      return fail(error);
    }
    return {
      columnCount: sink.columnCount,
      write: async (chunk) => {
        try {
          await sink.write(chunk);
        } catch (error) {
          await fail(error);
        }
      },
      finish: async () => {
        let count = 0;
        try {
          count = await sink.finish();
        } catch (error) {
          return fail(error);
        }
        await this.#endImplicit();
        return this.#result("COPY", count, `COPY ${count}`);
      },
      abort: async (reason) => {
        sink.close();
        this.#fail(current);
        if (current.isExplicit) return;
        this.#notices.push(noticeOf(`COPY aborted: ${reason}`));
      },
    };
  }

  /** COPY … TO STDOUT: the data in chunks (lines); the statement's result is the generator's return value. */
  copyTo(sql: string): AsyncGenerator<Uint8Array, QueryResult> {
    return this.#copyTo(this.#singleCopy(sql, "to"), sql);
  }

  async *#copyTo(statement: CopyStatement, sql: string): AsyncGenerator<Uint8Array, QueryResult> {
    const current = await this.#statementTransaction();
    let count = 0;
    try {
      this.#checkPrivileges(statement, current.catalog);
      const lines = copyOut(this.#environment(current, sql, [], []), statement);
      for (let next = lines.next(); ; next = lines.next()) {
        if (next.done === true) {
          count = next.value;
          break;
        }
        yield next.value;
      }
    } catch (error) {
      this.#fail(current);
      throw error;
    }
    await this.#endImplicit();
    return this.#result("COPY", count, `COPY ${count}`);
  }

  #singleCopy(sql: string, direction: "from" | "to"): CopyStatement {
    this.#assertOpen();
    const statements = parse(sql);
    const statement = statements[0];
    if (statements.length !== 1 || statement?.kind !== "copy" || statement.direction !== direction) {
      throw new FeatureNotSupportedError(`expected one COPY … ${direction === "from" ? "FROM STDIN" : "TO STDOUT"} statement`);
    }
    return statement;
  }

  /** The transaction a statement runs in: the block's, or a new implicit one. */
  async #statementTransaction(): Promise<ActiveTransaction> {
    this.#startStatement();
    const active = this.#active;
    if (active?.isFailed === true) throw new InFailedTransactionError("current transaction is aborted, commands ignored until end of transaction block");
    const current = active ?? (await this.#startTransaction());
    current.hasSnapshot = true;
    if (current.txn.isolation === "read committed") current.txn.beginStatement();
    return current;
  }

  /** Asks the running statement to stop (57014); a no-op when none runs. */
  cancel(): void {
    this.#isCanceled = true;
  }

  async close(): Promise<void> {
    if (this.#isClosed) return;
    this.#isClosed = true;
    clearTimeout(this.#idleTimer);
    // A suspended portal pins a store snapshot until it is released.
    for (const portal of this.#portals.values()) portal.pending?.release?.();
    this.#portals.clear();
    if (this.#active !== undefined && this.#active.txn.status === "active") this.#active.txn.rollback();
    this.#active = undefined;
    this.#pendingBlock = undefined;
    this.#onClose();
    await Promise.resolve();
  }

  #assertOpen(): void {
    if (this.#terminated !== undefined) throw this.#terminated;
    if (this.#isClosed) throw new FeatureNotSupportedError("the session is closed");
  }

  /**
   * After a call returns inside a transaction block: idle_in_transaction_session_timeout starts.
   * When it fires the transaction rolls back (releasing its locks) and the session is terminated
   * (25P03), as PostgreSQL terminates the connection.
   */
  #armIdleTimer(): void {
    clearTimeout(this.#idleTimer);
    const timeout = this.#derived().idleInTransactionTimeoutMs;
    if (timeout <= 0 || this.transactionStatus === "I") return;
    this.#idleTimer = setTimeout(() => {
      this.#terminated = new IdleInTransactionTimeoutError("terminating connection due to idle-in-transaction timeout");
      void this.close();
    }, timeout);
    this.#idleTimer.unref();
  }

  async #runStatement(statement: Statement, sql: string, params: readonly SqlValue[], paramTypes: readonly number[]): Promise<QueryResult> {
    this.#startStatement();
    if (statement.kind === "transaction") return this.#transactionControl(statement, sql);
    if (statement.kind === "select" && this.#isSnapshotRead(statement, sql)) {
      this.#checkPrivileges(statement, this.#db.catalogView());
      const result = this.#snapshotSelect(statement, sql, params, paramTypes);
      if (this.#pendingSleepMs > 0) await this.#servePendingSleep();
      return result;
    }
    const active = this.#active;
    if (active?.isFailed === true) throw new InFailedTransactionError("current transaction is aborted, commands ignored until end of transaction block");
    if (statement.kind === "set_transaction") {
      try {
        return await this.#setTransaction(statement);
      } catch (error) {
        if (this.#active !== undefined) this.#fail(this.#active);
        throw error;
      }
    }
    const current = active ?? (await this.#startTransaction());
    // LOCK takes no snapshot either, as in PostgreSQL: it takes one once its locks are held (`#lockTables`).
    if (statement.kind !== "set" && statement.kind !== "reset" && statement.kind !== "show" && statement.kind !== "lock") current.hasSnapshot = true;
    if (current.txn.isolation === "read committed") current.txn.beginStatement();
    try {
      this.#checkPrivileges(statement, current.catalog);
      const result = await this.#execute(statement, sql, params, paramTypes, current);
      if (this.#pendingSleepMs > 0) await this.#servePendingSleep();
      return result;
    } catch (error) {
      this.#fail(current);
      throw error;
    }
  }

  #startStatement(): void {
    this.#assertOpen();
    clearTimeout(this.#idleTimer);
    this.#notices = [];
    this.#pendingSleepMs = 0;
    this.#isCanceled = false;
    const timeout = this.#derived().statementTimeoutMs;
    this.#deadline = timeout > 0 ? Date.now() + timeout : 0;
  }

  /**
   * Serves what the statement's pg_sleep calls asked for: a timer wait (the event loop stays free
   * for other sessions), in steps that check cancel and statement_timeout (57014). The calls
   * themselves returned at once, so clock_timestamp() does not advance across them within a
   * statement, unlike PostgreSQL (documented).
   */
  async #servePendingSleep(onInterrupt?: () => void): Promise<void> {
    const until = Date.now() + this.#pendingSleepMs;
    this.#pendingSleepMs = 0;
    try {
      for (let now = Date.now(); now < until; now = Date.now()) {
        await new Promise((resolve) => setTimeout(resolve, Math.min(until - now, sleepStepMs)));
        this.#interrupt();
      }
    } catch (error) {
      onInterrupt?.();
      throw error;
    }
  }

  /**
   * A SELECT in a transaction (a block, or an implicit one: SERIALIZABLE, txid_current) whose rows
   * are pulled by the caller, as `#streamSnapshotSelect` does outside one: a slow client holds the
   * query back instead of the session buffering the whole result. An error while rows are taken
   * fails the transaction, as one while planning does. `mapError` rewrites errors (positions of a
   * literal shape) before they leave.
   */
  async #streamTransactionSelect(statement: SelectStatement, sql: string, params: readonly SqlValue[], paramTypes: readonly number[], mapError: (error: unknown) => unknown): Promise<{ readonly stream: RowStream; readonly release: () => void }> {
    let current: ActiveTransaction;
    try {
      current = await this.#statementTransaction();
    } catch (error) {
      throw mapError(error);
    }
    let rows: Iterator<Row>;
    let fields: readonly Field[];
    try {
      this.#checkPrivileges(statement, current.catalog);
      const env = this.#environment(current, sql, params, paramTypes);
      const { plan, columns } = planQuery(env, statement);
      rows = streamPlan(env, plan)[Symbol.iterator]();
      fields = fieldsOf(columns);
    } catch (error) {
      this.#fail(current);
      throw mapError(error);
    }
    const onError = (error: unknown): unknown => {
      this.#fail(current);
      return mapError(error);
    };
    const stream = rowStream(rows, fields, this.#notices, { onError });
    // Closing the generators runs the operators' cleanup (spill files) when the caller stops early.
    return { stream, release: () => void rows.return?.() };
  }

  /** A snapshot SELECT whose rows are pulled by the caller (see `RowStream`); `release` ends it. */
  #streamSnapshotSelect(statement: SelectStatement, sql: string): { readonly stream: RowStream; readonly release: () => void } {
    this.#startStatement();
    this.#checkPrivileges(statement, this.#db.catalogView());
    const reader = new SnapshotReader(this.#db.store);
    try {
      const env = this.#queryEnvironment(this.#snapshotScope(), reader, sql, [], []);
      const { plan, columns } = planQuery(env, statement);
      const rows = streamPlan(env, plan)[Symbol.iterator]();
      const stream = rowStream(rows, fieldsOf(columns), this.#notices);
      // Closing the generators runs the operators' cleanup (spill files) when the caller stops early.
      const release = (): void => {
        try {
          rows.return?.();
        } finally {
          reader.release();
        }
      };
      return { stream, release };
    } catch (error) {
      reader.release();
      throw error;
    }
  }

  #snapshotSelect(statement: SelectStatement, sql: string, params: readonly SqlValue[], paramTypes: readonly number[]): QueryResult {
    const reader = new SnapshotReader(this.#db.store);
    try {
      const env = this.#queryEnvironment(this.#snapshotScope(), reader, sql, params, paramTypes);
      const { plan, columns } = planQuery(env, statement);
      const rows = Array.from(streamPlan(env, plan));
      return this.#result("SELECT", rows.length, `SELECT ${rows.length}`, rows, fieldsOf(columns));
    } finally {
      reader.release();
    }
  }

  /** After an error: a block is marked failed (25P02 until ROLLBACK); an implicit transaction rolls back. */
  #fail(current: ActiveTransaction): void {
    if (current.isExplicit) {
      // As PostgreSQL aborts the (sub)transaction at once: its writes are undone and its row locks
      // released now, not at the ROLLBACK that ends the failed block — waiters go on.
      current.isFailed = true;
      const savepoint = current.savepoints.at(-1);
      if (current.txn.status !== "active") return;
      if (savepoint === undefined) {
        current.txn.rollback();
      } else {
        current.txn.rollbackToSavepoint(savepoint.name);
        current.catalog.restore(savepoint.catalog);
        current.sequences.restore(savepoint.sequences);
        restoreMap(current.relationLocks, savepoint.relationLocks);
      }
      return;
    }
    if (current.txn.status === "active") current.txn.rollback();
    this.#active = undefined;
    this.settings.endTransaction(false);
    this.#endRoleTransaction(false);
  }

  /** The transaction a statement runs in when none is active: the pending block's, or an implicit one. */
  async #startTransaction(): Promise<ActiveTransaction> {
    const pending = this.#pendingBlock;
    if (pending === undefined) return this.#begin(false, {});
    this.#pendingBlock = undefined;
    const active = await this.#begin(true, pending);
    const started: ActiveTransaction = { ...active, startMicros: pending.startMicros };
    this.#active = started;
    return started;
  }

  async #begin(isExplicit: boolean, modes: { isolation?: IsolationLevel; readOnly?: boolean }): Promise<ActiveTransaction> {
    const defaults = this.#defaultModes();
    const txn = await this.#db.transactions.begin({ isolation: modes.isolation ?? defaults.isolation, readOnly: modes.readOnly ?? defaults.readOnly });
    const active: ActiveTransaction = {
      txn,
      catalog: this.#db.catalogView(),
      isExplicit,
      isFailed: false,
      hasSnapshot: false,
      changedRows: new Map(),
      bulkLoaded: new Set(),
      relationLocks: new Map(),
      startMicros: BigInt(Date.now() - postgresEpochMs) * 1000n,
      savepoints: [],
      sequences: new SequenceOverlay(),
    };
    this.#active = active;
    return active;
  }

  /** Commits the implicit transaction of a statement string. */
  async #endImplicit(): Promise<void> {
    const active = this.#active;
    if (active === undefined || active.isExplicit) return;
    this.#active = undefined;
    await this.#commit(active);
  }

  async #commit(active: ActiveTransaction): Promise<void> {
    if (active.txn.status !== "active") {
      this.settings.endTransaction(false);
      this.#endRoleTransaction(false);
      return;
    }
    try {
      await this.#db.sequences.settled();
      // Published before the transaction's locks go: a DDL's waiters wake to the new catalog.
      await active.txn.commit({
        beforeRelease: (sequence) => {
          this.#db.publishCatalog(active.catalog, sequence, active.bulkLoaded);
          this.#db.noteRelationWrites(active.changedRows.keys(), alteredTables(active), sequence);
        },
      });
    } catch (error) {
      // The transaction aborted (or never reached its commit: roll it back, releasing its locks);
      // its SET, SET ROLE and SET SESSION AUTHORIZATION go with it.
      if (active.txn.status === "active") active.txn.rollback();
      this.settings.endTransaction(false);
      this.#endRoleTransaction(false);
      throw error;
    }
    this.settings.endTransaction(true);
    this.#endRoleTransaction(true);
    this.#db.sequences.apply(active.sequences);
    if (active.changedRows.size > 0) this.#db.noteCommittedChanges(active.changedRows);
  }

  async #transactionControl(statement: Extract<Statement, { kind: "transaction" }>, sql: string): Promise<QueryResult> {
    const active = this.#active;
    const action = statement.action;
    // The AST does not keep BEGIN and START TRANSACTION apart; the tag does, as PostgreSQL's.
    if (action === "begin") return this.#beginBlock(active, statement.modes, /^\s*start\b/i.test(sql.slice(statement.pos)) ? "START TRANSACTION" : "BEGIN");
    if (action === "commit") return this.#commitBlock(active);
    if (action === "rollback") return this.#rollbackBlock(active);
    if (this.#pendingBlock !== undefined) await this.#startTransaction();
    return this.#savepoint(action, statement.savepoint ?? "");
  }

  /**
   * A statement that only applies inside a transaction block, run outside one (a statement string
   * of its own, or the extended protocol): PostgreSQL's WARNING, and it lapses with the statement.
   */
  #warnOutsideBlock(isLocal: boolean, what: string): void {
    if (isLocal && this.#active?.isExplicit !== true && this.#pendingBlock === undefined && this.#isSoleStatement) {
      this.#notices.push(noticeOf(`${what} can only be used in transaction blocks`, "WARNING", "25P01"));
    }
  }

  /**
   * SET TRANSACTION modes (isolation level, READ ONLY / READ WRITE; DEFERRABLE is accepted and,
   * as at BEGIN, has no effect) and SET SESSION CHARACTERISTICS AS TRANSACTION (the defaults of
   * later transactions), as PostgreSQL 15:
   * - in a block before its first query, they are the block's modes;
   * - after SET, RESET or SHOW only, the transaction starts again with the new modes (nothing read
   *   or written in it; PostgreSQL takes its snapshot only at its first query);
   * - after a query, changing the isolation level, or going from READ ONLY to READ WRITE, is
   *   25001 (in a subtransaction, an isolation change always is); going to READ ONLY then is not
   *   supported here (0A000: a transaction's access mode is fixed once it has read);
   * - outside a block, a statement string of its own gets WARNING 25P01 and changes nothing; the
   *   first statement of a several-statement string starts that string's implicit transaction
   *   with the modes.
   */
  async #setTransaction(statement: Extract<Statement, { kind: "set_transaction" }>): Promise<QueryResult> {
    const modes = transactionModesOf(statement.modes);
    if (statement.isSessionDefault) {
      // The transaction this statement runs in keeps the modes it started with (PostgreSQL fixes
      // them when the block or the string's implicit transaction begins), so pin them first.
      if (this.#pendingBlock !== undefined) this.#pendingBlock = { ...this.#defaultModes(), ...this.#pendingBlock };
      else if (this.#active === undefined && !this.#isSoleStatement) await this.#begin(false, {});
      const level = statement.modes.findLast((m) => m.isolationLevel !== undefined)?.isolationLevel;
      if (level !== undefined) this.settings.set("default_transaction_isolation", level, false);
      if (modes.readOnly !== undefined) this.settings.set("default_transaction_read_only", modes.readOnly ? "on" : "off", false);
      return this.#result("SET");
    }
    if (this.#pendingBlock !== undefined) {
      this.#pendingBlock = { ...this.#pendingBlock, ...modes };
      return this.#result("SET");
    }
    const active = this.#active;
    if (active === undefined) {
      if (this.#isSoleStatement) {
        this.#notices.push(noticeOf("SET TRANSACTION can only be used in transaction blocks", "WARNING", "25P01"));
        return this.#result("SET");
      }
      // The string's first statement starts its implicit transaction with the modes; a later one
      // follows a query that ran without a transaction (a snapshot SELECT) or one that ended (COPY).
      if (this.#statementsRunInString > 1) {
        this.#checkModesAfterQuery(modes, { ...this.#defaultModes(), savepoints: 0 });
        // READ ONLY applies to the rest of the string, which runs in one transaction from here.
        if (modes.readOnly === true && !this.#defaultModes().readOnly) await this.#begin(false, { readOnly: true });
        return this.#result("SET");
      }
      await this.#begin(false, modes);
      return this.#result("SET");
    }
    // An implicit transaction of the extended protocol (open until Sync): PostgreSQL warns and applies.
    if (!active.isExplicit && this.#isSoleStatement) this.#notices.push(noticeOf("SET TRANSACTION can only be used in transaction blocks", "WARNING", "25P01"));
    const isolation = modes.isolation ?? active.txn.isolation;
    const readOnly = modes.readOnly ?? active.txn.isReadOnly;
    if (isolation === active.txn.isolation && readOnly === active.txn.isReadOnly) return this.#result("SET");
    if (!active.hasSnapshot && active.savepoints.length === 0) {
      // Nothing has read or written in it yet: it starts again with the new modes (its snapshot
      // would be taken only now in PostgreSQL).
      active.txn.rollback();
      const txn = await this.#db.transactions.begin({ isolation, readOnly });
      this.#active = { ...active, txn, catalog: this.#db.catalogView(), relationLocks: new Map() };
      return this.#result("SET");
    }
    this.#checkModesAfterQuery(modes, { isolation: active.txn.isolation, readOnly: active.txn.isReadOnly, savepoints: active.savepoints.length, hasSnapshot: active.hasSnapshot });
    // READ ONLY may come at any point, as in PostgreSQL: later writes are refused (ROLLBACK TO a
    // savepoint from before undoes it).
    if (modes.readOnly === true) active.txn.setReadOnly();
    return this.#result("SET");
  }

  /** The isolation level and access mode a transaction started now would have. */
  #defaultModes(): { isolation: IsolationLevel; readOnly: boolean } {
    return { isolation: isolationOf(this.settings.get("default_transaction_isolation")), readOnly: this.settings.get("default_transaction_read_only") === "on" };
  }

  /**
   * SET TRANSACTION once the transaction cannot start again: PostgreSQL's checks, in its order
   * (check_XactIsoLevel, check_transaction_read_only). Modes that change nothing pass.
   */
  #checkModesAfterQuery(modes: { isolation?: IsolationLevel; readOnly?: boolean }, current: { isolation: IsolationLevel; readOnly: boolean; savepoints: number; hasSnapshot?: boolean }): void {
    const hasSnapshot = current.hasSnapshot ?? true;
    if (modes.isolation !== undefined && modes.isolation !== current.isolation) {
      if (hasSnapshot) throw new ActiveTransactionError("SET TRANSACTION ISOLATION LEVEL must be called before any query");
      throw new ActiveTransactionError("SET TRANSACTION ISOLATION LEVEL must not be called in a subtransaction");
    }
    if (modes.readOnly === false && current.readOnly) {
      if (current.savepoints > 0) throw new ActiveTransactionError("cannot set transaction read-write mode inside a read-only transaction");
      throw new ActiveTransactionError("transaction read-write mode must be set before any query");
    }
  }

  #beginBlock(active: ActiveTransaction | undefined, modes: Extract<Statement, { kind: "transaction" }>["modes"], tag: string): QueryResult {
    if (active?.isExplicit === true || this.#pendingBlock !== undefined) {
      this.#notices.push(noticeOf("there is already a transaction in progress", "WARNING", "25001"));
      return this.#result(tag);
    }
    const mode = transactionModesOf(modes);
    this.settings.beginTransaction();
    if (active !== undefined) {
      // BEGIN inside a statement string's implicit transaction turns it into a block.
      this.#active = { ...active, isExplicit: true };
      return this.#result(tag);
    }
    this.#pendingBlock = { ...mode, startMicros: BigInt(Date.now() - postgresEpochMs) * 1000n };
    return this.#result(tag);
  }

  async #commitBlock(active: ActiveTransaction | undefined): Promise<QueryResult> {
    if (this.#pendingBlock !== undefined) {
      this.#pendingBlock = undefined;
      this.settings.endTransaction();
      return this.#result("COMMIT");
    }
    this.#active = undefined;
    if (active === undefined || !active.isExplicit) {
      if (active !== undefined) await this.#commit(active);
      this.#notices.push(noticeOf("there is no transaction in progress", "WARNING", "25P01"));
      return this.#result("COMMIT");
    }
    if (active.isFailed) {
      if (active.txn.status === "active") active.txn.rollback();
      this.settings.endTransaction(false);
      this.#endRoleTransaction(false);
      return this.#result("ROLLBACK");
    }
    await this.#commit(active);
    return this.#result("COMMIT");
  }

  #rollbackBlock(active: ActiveTransaction | undefined): QueryResult {
    if (this.#pendingBlock !== undefined) {
      this.#pendingBlock = undefined;
      this.settings.endTransaction(false);
      return this.#result("ROLLBACK");
    }
    this.#active = undefined;
    this.settings.endTransaction(false);
    this.#endRoleTransaction(false);
    if (active !== undefined && active.txn.status === "active") active.txn.rollback();
    if (active === undefined || !active.isExplicit) this.#notices.push(noticeOf("there is no transaction in progress", "WARNING", "25P01"));
    return this.#result("ROLLBACK");
  }

  #savepoint(action: "savepoint" | "release" | "rollback_to", name: string): QueryResult {
    const active = this.#active;
    const tag = action === "savepoint" ? "SAVEPOINT" : action === "release" ? "RELEASE" : "ROLLBACK";
    if (active === undefined || !active.isExplicit) throw new NoActiveTransactionError(`${tag === "ROLLBACK" ? "ROLLBACK TO SAVEPOINT" : tag} can only be used in transaction blocks`);
    if (active.isFailed && action !== "rollback_to") throw new InFailedTransactionError("current transaction is aborted, commands ignored until end of transaction block");
    try {
      this.#applySavepoint(active, action, name);
    } catch (error) {
      // As any failed statement in a block: a missing savepoint (3B001) aborts the transaction.
      active.isFailed = true;
      throw error;
    }
    return this.#result(tag);
  }

  #applySavepoint(active: ActiveTransaction, action: "savepoint" | "release" | "rollback_to", name: string): void {
    if (action !== "savepoint" && !active.savepoints.some((s) => s.name === name)) throw new SavepointError(`savepoint "${name}" does not exist`);
    if (action === "savepoint") {
      active.txn.savepoint(name);
      active.savepoints.push({ name, catalog: new Map(active.catalog.changes), sequences: active.sequences.snapshot(), settings: this.settings.snapshot(), roles: this.#savepointRoles(), relationLocks: new Map(active.relationLocks) });
    } else if (action === "release") {
      active.txn.releaseSavepoint(name);
      const at = active.savepoints.findLastIndex((s) => s.name === name);
      active.savepoints.length = Math.max(0, at);
    } else {
      active.txn.rollbackToSavepoint(name);
      const at = active.savepoints.findLastIndex((s) => s.name === name);
      const saved = active.savepoints[at];
      if (saved !== undefined) {
        active.catalog.restore(saved.catalog);
        active.sequences.restore(saved.sequences);
        restoreMap(active.relationLocks, saved.relationLocks);
        this.settings.restore(saved.settings);
        this.#restoreRoles(saved.roles);
        active.savepoints.length = at + 1;
      }
      active.isFailed = false;
    }
  }

  #result(command: string, rowCount = 0, tag?: string, rows: readonly (readonly SqlValue[])[] = [], fields: readonly Field[] = []): QueryResult {
    return { rows, fields, command, rowCount, commandTag: tag ?? command, notices: this.#notices };
  }

  #derived(): DerivedSettings {
    const cached = this.#derivedCache;
    if (cached?.version === this.settings.version) return cached;
    const extraFloatDigits = Number(this.settings.get("extra_float_digits"));
    const timeZone = this.settings.get("timezone");
    const searchPath = this.settings
      .get("search_path")
      .split(",")
      .map((s) => s.trim().replace(/^"(.*)"$/, "$1"))
      .map((s) => (s === "$user" ? this.currentUser : s))
      .filter((s) => s !== "");
    const derived: DerivedSettings = {
      version: this.settings.version,
      searchPath,
      text: {
        extraFloatDigits,
        timeZone: parseTimeZone(timeZone),
        relationName: (oid) => new ViewCatalogFunctions(this.#active?.catalog ?? this.#db.catalogView(), derived.searchPath, this.currentUser).relationName(oid),
        ...userTypeHooks(() => this.#active?.catalog ?? this.#db.catalogView(), searchPath),
      },
      extraFloatDigits,
      timeZone,
      workMemBytes: this.settings.bytes("work_mem"),
      isolation: isolationOf(this.settings.get("default_transaction_isolation")),
      lockTimeoutMs: this.settings.milliseconds("lock_timeout"),
      idleInTransactionTimeoutMs: this.settings.milliseconds("idle_in_transaction_session_timeout"),
      statementTimeoutMs: this.settings.milliseconds("statement_timeout"),
      joinMethods: { isHashJoinEnabled: this.settings.get("enable_hashjoin") === "on", isMergeJoinEnabled: this.settings.get("enable_mergejoin") === "on" },
    };
    this.#derivedCache = derived;
    return derived;
  }

  #textSettings(): TextIoSettings {
    return this.#derived().text;
  }

  #searchPath(): readonly string[] {
    return this.#derived().searchPath;
  }

  #evalContext(scope: StatementScope, derived: DerivedSettings): EvalContext {
    return {
      extraFloatDigits: derived.extraFloatDigits,
      timeZone: derived.timeZone,
      transactionStartMicros: scope.startMicros,
      session: this.#sessionInfo(scope, derived.searchPath),
      ...(derived.text.enumType === undefined ? {} : { enumType: derived.text.enumType }),
      ...(derived.text.typeName === undefined ? {} : { typeName: derived.text.typeName }),
    };
  }

  #queryEnvironment(scope: StatementScope, reader: RowReader, sql: string, params: readonly SqlValue[], paramTypes: readonly number[]): QueryEnvironment {
    const derived = this.#derived();
    const searchPath = this.#usableSearchPath(scope.catalog);
    const context = this.#evalContext(scope, derived);
    return {
      registry: this.#db.registry,
      aggregates: this.#db.aggregates,
      context,
      planner: new PlannerCatalog(scope.catalog, () => searchPath, () => this.#db.statistics),
      access: new SystemTableAccess(new TxnTableAccess(reader, scope.catalog), this.#systemContext(scope.catalog)),
      settings: derived.text,
      params,
      paramTypes,
      sql,
      workMemBytes: derived.workMemBytes,
      spill: this.#db.spill,
      interrupt: () => this.#interrupt(),
      planMemo: this.#planMemo,
      joinMethods: derived.joinMethods,
    };
  }

  /** Whether `plan` was made for what a statement outside a block sees now: `#stamp` of the latest catalog, compared without building it. */
  #isCurrentSnapshotPlan(plan: { readonly stamp: PlanStamp }): boolean {
    const stamp = plan.stamp;
    return stamp.catalog === this.#db.catalog.version && stamp.statistics === this.#db.statisticsVersion && stamp.settings === this.settings.version && stamp.role === this.#currentRoleId;
  }

  /** What a plan made now for a catalog at `catalogVersion` depends on (see plan-memo.ts). */
  #stamp(catalogVersion: number): PlanStamp {
    return { catalog: catalogVersion, statistics: this.#db.statisticsVersion, settings: this.settings.version, role: this.#currentRoleId };
  }

  /**
   * Takes table `id`'s lock in `mode` for the transaction (once). A writer whose statement began
   * before a DDL on the table committed (it waited for that DDL, or the DDL slipped in before it)
   * works from the old definition — its index list, its row layout — and stops with 40001 rather
   * than write rows the new definition does not describe. DDL sees every row committed before it
   * got the lock: under READ COMMITTED its statement reads at a snapshot taken now; under
   * REPEATABLE READ and SERIALIZABLE a write to the table committed after the transaction's
   * snapshot fails it with 40001, as a concurrent update of a row would.
   */
  async #lockRelation(active: ActiveTransaction, id: number, mode: RelationLockMode, committedAtStart: CatalogState, lockTimeoutMs: number, options: RelationLockOptions): Promise<void> {
    const held = active.relationLocks.get(id);
    if (held === "exclusive" || held === mode) return;
    const object = committedAtStart.objects.get(id);
    const name = object?.kind === "table" ? object.name : String(id);
    try {
      await active.txn.lockObject(relationLockKey(id), mode, { what: `relation "${name}"`, ...(lockTimeoutMs > 0 ? { timeoutMs: lockTimeoutMs } : {}), ...(options.isNowait === true ? { wait: "nowait" } : {}) });
    } catch (error) {
      if (options.isNowait === true && error instanceof LockNotAvailableError) throw new LockNotAvailableError(`could not obtain lock on relation "${name}"`);
      throw error;
    }
    // Counted as held only once the checks below pass: a later statement must not skip them. A
    // lock LOCK TABLE took made no checks at all, so it is not counted: the transaction's later
    // reads, writes and DDL of the table take theirs (the lock is held already; taking it again
    // is at once).
    if (options.isLockOnly === true) return;
    this.#checkLockedRelation(active, id, mode, name, committedAtStart, options);
    active.relationLocks.set(id, mode);
  }

  #checkLockedRelation(active: ActiveTransaction, id: number, mode: RelationLockMode, name: string, committedAtStart: CatalogState, options: RelationLockOptions): void {
    if (options.isReferenced === true) return;
    if (mode === "share" && options.isResolvedAgain === true) {
      // The statement's target, locked before it reads or plans anything: it reads at a snapshot
      // taken now under READ COMMITTED (rows a DDL it waited for rewrote are seen as rewritten);
      // a snapshot older than a DDL on the table holds rows of another shape, so REPEATABLE READ
      // and SERIALIZABLE stop.
      if (active.txn.isolation === "read committed") active.txn.beginStatement();
      else if (this.#db.lastDdlSequence(id) > active.txn.snapshotSequence) throw new SerializationFailureError(`could not serialize access due to concurrent DDL on relation "${name}"`);
      return;
    }
    if (mode === "share") {
      if (this.#db.catalog.objects.get(id) !== committedAtStart.objects.get(id)) {
        throw new SerializationFailureError(`could not serialize access due to concurrent DDL on relation "${name}"`, { hint: "The table's definition changed while the statement ran; run it again." });
      }
      return;
    }
    if (active.txn.isolation === "read committed") active.txn.beginStatement();
    else if (this.#db.lastWriteSequence(id) > active.txn.snapshotSequence) throw new SerializationFailureError("could not serialize access due to concurrent update");
  }

  /**
   * A bulk load into `table` straight to the store (storage/bulk-rows.ts), when it is safe: the
   * transaction created the storage of the table and of each of its indexes (CREATE TABLE or
   * TRUNCATE in it, not committed yet), has no savepoint, has buffered no write in that storage,
   * and the table has no foreign key to itself.
   */
  async #openBulkLoad(active: ActiveTransaction, table: TableDefinition): Promise<BulkRows | undefined> {
    if (active.savepoints.length > 0 || table.foreignKeys.some((fk) => fk.refTableId === table.id)) return undefined;
    const committed = this.#db.catalog.objects.get(table.id);
    const committedStorage = new Set(committed?.kind === "table" ? [tableStorage(committed), ...committed.indexes.map(indexStorage)] : []);
    const storage = [tableStorage(table), ...table.indexes.map(indexStorage)];
    const isWritten = (id: number): boolean => {
      const range = storageRange(id);
      return active.txn.hasWritesIn(range.gte, range.lt);
    };
    if (storage.some((id) => committedStorage.has(id) || isWritten(id))) return undefined;
    const ranges: FreshRange[] = [];
    try {
      for (const id of storage) ranges.push(await this.#db.openFreshRange(active.txn, id));
    } catch (error) {
      for (const range of ranges) range.close();
      throw error;
    }
    active.bulkLoaded.add(table.id);
    return new BulkRows(active.txn, ranges);
  }

  #environment(active: ActiveTransaction, sql: string, params: readonly SqlValue[], paramTypes: readonly number[]): DdlEnvironment {
    // Written out rather than spread from #queryEnvironment: spreading this many properties took
    // V8's slow object-copy path, ~5% of a TPC-B transaction's time.
    const derived = this.#derived();
    const catalog = active.catalog;
    const searchPath = this.#usableSearchPath(catalog);
    const committedAtStart = this.#db.catalog;
    const env: DdlEnvironment = {
      registry: this.#db.registry,
      aggregates: this.#db.aggregates,
      context: this.#evalContext(active, derived),
      planner: new PlannerCatalog(catalog, () => searchPath, () => this.#db.statistics),
      access: new SystemTableAccess(new TxnTableAccess(active.txn, catalog), this.#systemContext(catalog)),
      settings: derived.text,
      params,
      paramTypes,
      sql,
      workMemBytes: derived.workMemBytes,
      spill: this.#db.spill,
      interrupt: () => this.#interrupt(),
      planMemo: this.#planMemo,
      joinMethods: derived.joinMethods,
      txn: active.txn,
      catalog,
      changedRows: active.changedRows,
      searchPath,
      auth: this.#auth(active.catalog),
      databaseName: this.databaseName,
      allocateRowId: (storage) => Promise.resolve(this.#db.allocateRowId(storage)),
      allocateObjectId: () => this.#db.allocateObjectId(),
      openFreshRange: (id) => this.#db.openFreshRange(active.txn, id),
      openBulkLoad: (table) => this.#openBulkLoad(active, table),
      estimatedRows: (tableId) => this.#db.statistics.get(tableId)?.rowCount ?? 0,
      lockRelation: (id, mode, options) => this.#lockRelation(active, id, mode, committedAtStart, derived.lockTimeoutMs, options ?? {}),
      sequences: active.sequences,
      notice: (message, severity, sqlState) => this.#notices.push(noticeOf(message, severity, sqlState)),
      reportIndexBuild: (progress) => {
        this.#indexBuild = progress;
      },
    };
    return derived.lockTimeoutMs > 0 ? { ...env, lockTimeoutMs: derived.lockTimeoutMs } : env;
  }

  /**
   * A single SELECT outside a transaction block under READ COMMITTED or REPEATABLE READ reads at
   * a bare store snapshot: the same answer as a one-statement transaction, without one.
   * SERIALIZABLE keeps its transaction (SSI must see the read), and so does txid_current().
   */
  #isSnapshotRead(statement: Statement, sql: string): boolean {
    return this.#active === undefined && this.#pendingBlock === undefined && statement.kind === "select" && statement.locking.length === 0 && this.#derived().isolation !== "serializable" && !/txid_current/i.test(sql);
  }

  #snapshotScope(): StatementScope {
    return { catalog: this.#db.catalogView(), startMicros: BigInt(Date.now() - postgresEpochMs) * 1000n };
  }

  #interrupt(): void {
    if (this.#isCanceled) {
      this.#isCanceled = false;
      throw new QueryCanceledError("canceling statement due to user request");
    }
    if (this.#deadline !== 0 && Date.now() > this.#deadline) throw new QueryCanceledError("canceling statement due to statement timeout");
  }

  /** What the system catalogs (system-tables.ts) show of this session. */
  #systemContext(view: CatalogView): SystemContext {
    const settings = (): (readonly [string, string])[] => settingNames.map((name) => [Settings.displayName(name), this.settings.get(name)]);
    const viewColumns = (definition: ViewDefinition): ReturnType<NonNullable<SystemContext["viewColumns"]>> => {
      if (viewColumnsCache.has(definition)) return viewColumnsCache.get(definition);
      let columns: { name: string; typeOid: number; typmod: number }[] | undefined;
      try {
        const [statement] = parse(definition.sql);
        if (statement?.kind === "select") {
          const catalog = new PlannerCatalog(view, () => this.#searchPath(), () => this.#db.statistics);
          const planned = planSelect(statement, { catalog, settings: this.#textSettings(), paramTypes: [], sql: definition.sql, ctes: [] });
          columns = planned.columns.map((c, i) => ({ name: definition.columns[i] ?? c.name, typeOid: c.type.oid, typmod: c.type.typmod }));
        }
      } catch {
        columns = undefined; // a view that no longer binds lists no columns
      }
      viewColumnsCache.set(definition, columns);
      return columns;
    };
    // The transaction's own state of the sequence (created or restarted in it) first.
    const sequenceState = (definition: SequenceDefinition): { readonly last: bigint; readonly isCalled: boolean } =>
      this.#active?.sequences.state(definition.id) ?? this.#db.sequences.peek(definition.id) ?? { last: BigInt(definition.start), isCalled: false };
    return { view, userName: this.currentUser, databaseName: this.databaseName, settings, activity: () => this.#db.sessions().map((session) => session.activity()), viewColumns, sequenceState };
  }

  #sessionInfo(active: StatementScope, searchPath: readonly string[]): SessionInfo {
    return new StatementSessionInfo(
      this,
      active,
      searchPath,
      () => this.#sequenceFunctions(active, searchPath),
      (seconds) => {
        this.#pendingSleepMs += seconds * 1000;
      },
      // The size functions read what the statement sees: its transaction, or the newest committed data.
      (gte, lt) => (active.txn ?? this.#db.latestReader).scan({ gte, ...(lt === undefined ? {} : { lt }) }),
    );
  }


  #sequenceFunctions(active: StatementScope, searchPath: readonly string[]): SequenceFunctions {
    const auth = this.#auth(active.catalog);
    const usable = this.#usableSearchPath(active.catalog, auth);
    // PostgreSQL: nextval needs USAGE or UPDATE, currval USAGE or SELECT, setval UPDATE.
    const find = (name: string, letters: string): SequenceDefinition => {
      const parts = name.split(".");
      const relation = active.catalog.findRelation(parts.length > 1 ? parts[0] : undefined, parts.at(-1) ?? "", parts.length > 1 ? searchPath : usable);
      if (relation?.kind !== "sequence") throw new UndefinedTableError(`relation "${name}" does not exist`);
      if (!auth.checker.hasAny(auth.roleId, relation, letters)) throw permissionDenied(relation);
      return relation;
    };
    // As PostgreSQL, after the lookup and the privilege check; outside a transaction (a snapshot
    // SELECT) the default access mode is the transaction's.
    const refuseIfReadOnly = (what: string): void => {
      if (active.txn?.isReadOnly ?? this.#defaultModes().readOnly) {
        throw new ReadOnlyTransactionError(`cannot execute ${what} in a read-only transaction`);
      }
    };
    return {
      nextval: (name) => {
        const sequence = find(name, "Uw");
        refuseIfReadOnly("nextval()");
        const value = this.#db.sequences.nextval(sequence, active.sequences);
        this.#currvals.set(sequence.id, value);
        this.#lastval = value;
        return value;
      },
      currval: (name) => {
        const sequence = find(name, "Ur");
        const value = this.#currvals.get(sequence.id);
        if (value === undefined) throw currvalNotDefined(sequence.name);
        return value;
      },
      setval: (name, value, isCalled) => {
        const sequence = find(name, "w");
        refuseIfReadOnly("setval()");
        this.#db.sequences.setval(sequence, value, isCalled, active.sequences);
        if (isCalled) this.#currvals.set(sequence.id, value);
        return value;
      },
      lastval: () => {
        if (this.#lastval === undefined) throw lastvalNotDefined();
        return this.#lastval;
      },
    };
  }

  async #execute(statement: Statement, sql: string, params: readonly SqlValue[], paramTypes: readonly number[], active: ActiveTransaction): Promise<QueryResult> {
    // As PostgreSQL's PreventCommandIfReadOnly: before the statement is analysed at all.
    const refused = active.txn.isReadOnly ? commandRefusedIfReadOnly(statement) : undefined;
    if (refused !== undefined) throw new ReadOnlyTransactionError(`cannot execute ${refused} in a read-only transaction`);
    const env = this.#environment(active, sql, params, paramTypes);
    switch (statement.kind) {
      case "select": {
        if (statement.locking.length > 0) {
          const locked = await executeLockingSelect(env, statement);
          return this.#result("SELECT", locked.rows.length, `SELECT ${locked.rows.length}`, locked.rows, fieldsOf(locked.columns));
        }
        const { plan, columns } = planQuery(env, statement);
        const rows = Array.from(streamPlan(env, plan));
        return this.#result("SELECT", rows.length, `SELECT ${rows.length}`, rows, fieldsOf(columns));
      }
      case "insert":
        return this.#modifyResult("INSERT", await refusedIfReadOnly(active, "INSERT", () => executeInsert(env, statement)));
      case "update":
        return this.#modifyResult("UPDATE", await refusedIfReadOnly(active, "UPDATE", () => executeUpdate(env, statement)));
      case "delete":
        return this.#modifyResult("DELETE", await refusedIfReadOnly(active, "DELETE", () => executeDelete(env, statement)));
      case "create_table":
        await createTable(env, statement);
        return this.#result("CREATE TABLE");
      case "create_index":
        await createIndex(env, statement);
        return this.#result("CREATE INDEX");
      case "create_sequence":
        await createSequence(env, statement);
        return this.#result("CREATE SEQUENCE");
      case "create_view":
        await createView(env, statement);
        return this.#result("CREATE VIEW");
      case "create_table_as": {
        const count = await createTableAs(env, statement);
        return this.#result("SELECT", count, `SELECT ${count}`);
      }
      case "create_schema":
        this.#checkCreateSchema(env, statement.authorization);
        await createSchema(env, statement.name ?? statement.authorization ?? this.currentUser, statement.ifNotExists, statement.authorization === undefined ? env.auth.roleId : roleOrThrow(env.catalog, statement.authorization).id);
        return this.#result("CREATE SCHEMA");
      case "drop":
        if (statement.objectType === "type") await dropEnumTypes(env, statement);
        else if (statement.objectType === "domain") await dropDomains(env, statement);
        else await drop(env, statement);
        return this.#result(`DROP ${statement.objectType.toUpperCase()}`);
      case "create_enum_type":
        await createEnumType(env, statement);
        return this.#result("CREATE TYPE");
      case "alter_enum_type":
        await alterEnumType(env, statement);
        return this.#result("ALTER TYPE");
      case "create_domain":
        await createDomain(env, statement);
        return this.#result("CREATE DOMAIN");
      case "alter_domain":
        await alterDomain(env, statement);
        return this.#result("ALTER DOMAIN");
      case "alter_table":
        await alterTable(env, statement);
        return this.#result("ALTER TABLE");
      case "truncate":
        await truncate(env, statement);
        return this.#result("TRUNCATE TABLE");
      case "set":
        if (statement.name === "role" || statement.name === "session_authorization") {
          this.#setRole(env.catalog, statement.name, statement.values[0]?.kind === "string" ? statement.values[0].value : undefined, statement.isLocal);
          this.#warnOutsideBlock(statement.isLocal, "SET LOCAL");
          return this.#result("SET");
        }
        this.settings.set(statement.name, statement.values.map(setValueText).join(", "), statement.isLocal);
        this.#warnOutsideBlock(statement.isLocal, "SET LOCAL");
        return this.#result("SET");
      case "reset":
        if (statement.name === "role" || statement.name === "session_authorization") {
          this.#setRole(env.catalog, statement.name, undefined, false);
          return this.#result("RESET");
        }
        this.settings.reset(statement.name);
        return this.#result("RESET");
      case "create_role":
        await createRole(env, statement);
        return this.#result("CREATE ROLE");
      case "alter_role":
        await alterRole(env, statement);
        return this.#result("ALTER ROLE");
      case "drop_role":
        await dropRole(env, statement);
        return this.#result("DROP ROLE");
      case "grant":
        await grantPrivileges(env, statement);
        return this.#result(statement.isGrant ? "GRANT" : "REVOKE");
      case "grant_role":
        await grantRole(env, statement);
        return this.#result(statement.isGrant ? "GRANT ROLE" : "REVOKE ROLE");
      case "alter_default_privileges":
        await alterDefaultPrivileges(env, statement);
        return this.#result("ALTER DEFAULT PRIVILEGES");
      case "drop_owned":
        await dropOwned(env, statement);
        return this.#result("DROP OWNED");
      case "reassign_owned":
        await reassignOwned(env, statement);
        return this.#result("REASSIGN OWNED");
      case "alter_owner":
        await alterOwner(env, statement);
        return this.#result(`ALTER ${statement.objectType.toUpperCase()}`);
      case "comment":
        await commentOn(env, statement);
        return this.#result("COMMENT");
      case "rename":
        if (statement.objectType !== "role") return this.#result(await renameObject(env, statement));
        await renameRole(env, statement);
        return this.#result("ALTER ROLE");
      case "show": {
        const name = statement.name;
        const lower = name.toLowerCase();
        const isIsolation = lower === "transaction_isolation" || lower === "transaction isolation level";
        const isReadOnly = lower === "transaction_read_only";
        const value = isIsolation ? active.txn.isolation : isReadOnly ? (active.txn.isReadOnly ? "on" : "off") : (this.#roleSetting(lower, env.auth) ?? this.settings.get(name));
        return this.#result("SHOW", 1, "SHOW", [[value]], [{ name: Settings.displayName(name), typeOid: TypeOid.text, typmod: -1 }]);
      }
      case "explain": {
        const lines = await explainLines(env, statement);
        return this.#result("EXPLAIN", lines.length, "EXPLAIN", lines.map((line) => [line]), [{ name: "QUERY PLAN", typeOid: TypeOid.text, typmod: -1 }]);
      }
      case "analyze":
        this.#analyze(env, statement.tables);
        return this.#result("ANALYZE");
      case "vacuum":
        // PostgreSQL's PreventInTransactionBlock: not in a block, nor in a several-statement string.
        if (active.isExplicit || !this.#isSoleStatement) throw new ActiveTransactionError("VACUUM cannot run inside a transaction block");
        return this.#result("VACUUM");
      case "checkpoint":
        // PostgreSQL 15: superusers and members of pg_checkpoint (a role OmniKV-TS does not have).
        if (!this.isSuperuser) throw new InsufficientPrivilegeError("must be superuser or have privileges of pg_checkpoint to do CHECKPOINT");
        await this.#db.checkpoint();
        return this.#result("CHECKPOINT");
      case "deallocate":
        if (statement.name === undefined) this.#prepared.clear();
        else if (!this.#prepared.delete(statement.name)) throw new InvalidStatementNameError(`prepared statement "${statement.name}" does not exist`);
        return this.#result("DEALLOCATE");
      case "alter_sequence":
        await alterSequence(env, statement);
        return this.#result("ALTER SEQUENCE");
      case "lock":
        return this.#lockTables(statement, env, active);
      case "prepare":
        return this.#prepareSql(statement, env);
      case "execute":
        return this.#executeSql(statement, env, active);
      case "copy":
      case "discard":
      case "set_transaction":
      case "transaction":
        break;
    }
    throw new FeatureNotSupportedError(`${statement.kind.replaceAll("_", " ").toUpperCase()} is not supported yet`);
  }

  /**
   * LOCK TABLE: PostgreSQL's eight modes on this engine's two table lock modes
   * (`RelationLockMode`). ACCESS SHARE, ROW SHARE and ROW EXCLUSIVE take the shared lock, which
   * conflicts with DDL's exclusive one only, as in PostgreSQL; the stronger modes take the
   * exclusive lock, so they also exclude every writer and each other (coarser than PostgreSQL,
   * where SHARE does not conflict with SHARE, nor EXCLUSIVE with plain reads: reads here take no
   * lock at all). Held until the transaction ends; only in a transaction block (25P01). The
   * privileges are PostgreSQL's: SELECT for ACCESS SHARE, a write privilege for stronger modes.
   */
  async #lockTables(statement: LockStatement, env: DdlEnvironment, active: ActiveTransaction): Promise<QueryResult> {
    // In an implicit block of several statements too, as PostgreSQL's RequireTransactionBlock.
    if (!active.isExplicit && this.#isSoleStatement) throw new NoActiveTransactionError("LOCK TABLE can only be used in transaction blocks");
    const isShared = statement.mode === "access share" || statement.mode === "row share" || statement.mode === "row exclusive";
    for (const name of statement.tables) {
      // Resolved again after each wait (42P01 if the table is gone by then).
      await lockResolvedTable(
        () => this.#lockableTable(name, statement.mode, env),
        async (id) => env.lockRelation?.(id, isShared ? "share" : "exclusive", { isLockOnly: true, isNowait: statement.isNowait }),
      );
    }
    // Reads after the LOCK see what the transactions it waited for committed, as in PostgreSQL,
    // where LOCK takes no snapshot: when it is the block's first statement, the snapshot is
    // taken now (so SET TRANSACTION after it is too late here, where PostgreSQL allows it).
    if (!active.hasSnapshot) {
      active.txn.retakeSnapshot();
      active.hasSnapshot = true;
    }
    return this.#result("LOCK TABLE");
  }

  /** The table LOCK TABLE names, with PostgreSQL's errors and per-mode privileges. */
  #lockableTable(name: readonly string[], mode: LockStatement["mode"], env: DdlEnvironment): TableDefinition {
    const last = name.at(-1) ?? "";
    const schema = name.length > 1 ? name.at(-2) : undefined;
    const relation = env.catalog.findRelation(schema, last, env.searchPath);
    if (relation === undefined) {
      const isIndex = env.catalog.findIndex(schema, last, env.searchPath) !== undefined;
      if (isIndex) throw new WrongObjectTypeError(`cannot lock relation "${last}"`, { detail: "This operation is not supported for indexes." });
      throw new UndefinedTableError(`relation "${name.join(".")}" does not exist`);
    }
    if (relation.kind !== "table") throw new WrongObjectTypeError(`cannot lock relation "${last}"`, { detail: `This operation is not supported for ${relation.kind === "view" ? "views" : "sequences"}.` });
    const privileges = mode === "access share" ? "r" : mode === "row exclusive" ? "awdD" : "wdD";
    if (!env.auth.checker.hasAny(env.auth.roleId, relation, privileges)) throw new InsufficientPrivilegeError(`permission denied for table ${relation.name}`);
    return relation;
  }

  /**
   * PREPARE name [(types)] AS statement: into the namespace of the protocol's named statements
   * (pg_prepared_statements), and, as in PostgreSQL, not undone by ROLLBACK. Only the statements
   * PostgreSQL's grammar takes: SELECT (VALUES), INSERT, UPDATE, DELETE.
   */
  async #prepareSql(statement: PrepareStatement, env: DdlEnvironment): Promise<QueryResult> {
    const inner = statement.statement;
    if (inner.kind !== "select" && inner.kind !== "insert" && inner.kind !== "update" && inner.kind !== "delete") {
      throw new SqlSyntaxErrorMultiple(`syntax error at or near "${inner.kind.split("_")[0]?.toUpperCase() ?? ""}"`, { position: inner.pos + 1 });
    }
    if (this.#prepared.has(statement.name)) throw new DuplicatePreparedStatementError(`prepared statement "${statement.name}" already exists`);
    const declared = statement.paramTypes.map((type) => resolveTypeName(type, env.settings).oid);
    // Kept as its own text (deparsed and parsed again), so the positions of its errors are in it.
    const sql = deparse(inner);
    const parsed = parse(sql)[0];
    // Analysed now, as PostgreSQL analyses at PREPARE (a dry run, as Describe's): an undefined
    // table or column fails here, and each undeclared parameter takes the type its use gives it
    // (text where no use does; PostgreSQL refuses those with 42P18).
    const count = Math.max(declared.length, highestParam(parsed));
    const inferred = await this.#inferParamTypes({ sql, statement: parsed, paramTypes: declared }, count);
    const paramTypes = Array.from({ length: count }, (_, i) => (declared[i] ?? 0) || (inferred.get(i + 1) ?? TypeOid.text));
    // A statement parsed again: plans are kept per parsed statement, and the dry run's were made
    // with the parameters untyped.
    this.#prepared.set(statement.name, { sql, statement: parse(sql)[0], paramTypes });
    return this.#result("PREPARE");
  }

  /**
   * EXECUTE name [(values)]: the statement PREPARE kept, run in this transaction with the values
   * (each an expression, assigned to its declared type; an undeclared one is passed as text, as a
   * client's untyped parameter), answering with the statement's own result and command tag.
   */
  async #executeSql(statement: ExecuteStatement, env: DdlEnvironment, active: ActiveTransaction): Promise<QueryResult> {
    const prepared = this.#prepared.get(statement.name);
    if (prepared?.statement === undefined) throw new InvalidStatementNameError(`prepared statement "${statement.name}" does not exist`);
    // As PostgreSQL: exactly the statement's parameters, declared or used.
    const expected = Math.max(prepared.paramTypes.length, highestParam(prepared.statement));
    if (statement.params.length !== expected) {
      throw new SqlSyntaxErrorMultiple(`wrong number of parameters for prepared statement "${statement.name}"`, {
        detail: `Expected ${expected} parameters but got ${statement.params.length}.`,
      });
    }
    const outer = highestParam(statement.params);
    if (outer > 0) throw new UndefinedParameterError(`there is no parameter $${outer}`);
    // A protocol-level statement may itself be an EXECUTE: PostgreSQL's stack depth limit.
    if (this.#executeDepth >= executeDepthMax) throw new StatementTooComplexError("stack depth limit exceeded", { hint: "EXECUTE runs a prepared statement that runs EXECUTE again." });
    const paramTypes = statement.params.map((_, i) => prepared.paramTypes[i] ?? 0);
    const values = statement.params.map((expr, i) => this.#parameterValue(expr, paramTypes[i] ?? 0, env));
    this.#checkPrivileges(prepared.statement, active.catalog);
    this.#executeDepth += 1;
    try {
      return await this.#execute(prepared.statement, prepared.sql, values, paramTypes, active);
    } finally {
      this.#executeDepth -= 1;
    }
  }

  /** An EXECUTE parameter's value: assigned to `type`, or (0, undeclared) as its text. */
  #parameterValue(expr: Expr, type: number, env: DdlEnvironment): SqlValue {
    const context = { settings: env.settings, paramTypes: [], sql: env.sql };
    const bound = bindExpr(expr, context);
    if (type !== 0) return compileExpr(coerce(bound, { oid: type, typmod: -1 }, "assignment", context), env.registry)([], [], env.context);
    const value = compileExpr(bound, env.registry)([], [], env.context);
    return value === null ? null : formatValue(bound.type.oid === TypeOid.unknown ? TypeOid.text : bound.type.oid, value, env.settings);
  }

  /**
   * SET [LOCAL] ROLE r / RESET ROLE (membership of the session user needed) and SET SESSION
   * AUTHORIZATION u / RESET (only when the authenticated user is a superuser); `undefined` resets.
   * Transactional as in PostgreSQL: a ROLLBACK undoes it, and SET LOCAL lasts until the
   * transaction ends (see `#endRoleTransaction`).
   */
  #setRole(catalog: CatalogView, name: "role" | "session_authorization", value: string | undefined, isLocal: boolean): void {
    this.#roleAtStart ??= { sessionRoleId: this.#sessionRoleId, currentRoleId: this.#currentRoleId };
    this.#applyRole(catalog, name, value);
    if (!isLocal) this.#roleSessionValue = { sessionRoleId: this.#sessionRoleId, currentRoleId: this.#currentRoleId };
    this.#derivedCache = undefined;
  }

  /** The role state a savepoint keeps, for ROLLBACK TO SAVEPOINT. */
  #savepointRoles(): SavepointRoles {
    return { sessionRoleId: this.#sessionRoleId, currentRoleId: this.#currentRoleId, sessionValue: this.#roleSessionValue };
  }

  /** ROLLBACK TO SAVEPOINT: the roles as they were at the savepoint (the transaction's start values stay). */
  #restoreRoles(saved: SavepointRoles): void {
    this.#sessionRoleId = saved.sessionRoleId;
    this.#currentRoleId = saved.currentRoleId;
    this.#roleSessionValue = saved.sessionValue;
    this.#derivedCache = undefined;
  }

  /**
   * At a transaction's end: a commit keeps the last session-level role change (SET LOCAL's ends),
   * a rollback restores the roles the transaction started with.
   */
  #endRoleTransaction(isCommit: boolean): void {
    const atStart = this.#roleAtStart;
    if (atStart === undefined) return;
    const kept = isCommit ? (this.#roleSessionValue ?? atStart) : atStart;
    this.#sessionRoleId = kept.sessionRoleId;
    this.#currentRoleId = kept.currentRoleId;
    this.#roleAtStart = undefined;
    this.#roleSessionValue = undefined;
    this.#derivedCache = undefined;
  }

  #applyRole(catalog: CatalogView, name: "role" | "session_authorization", value: string | undefined): void {
    const checker = new PrivilegeChecker(catalog);
    if (name === "session_authorization") {
      const authenticated = catalog.roleById(this.#authenticatedRoleId);
      const isDefault = value === undefined || value.toLowerCase() === "default";
      const role = isDefault ? authenticated : roleOrThrow(catalog, value);
      if (role === undefined) throw new InsufficientPrivilegeError("permission denied to set session authorization");
      if (role.id !== this.#authenticatedRoleId && authenticated?.isSuperuser !== true) throw new InsufficientPrivilegeError("permission denied to set session authorization");
      this.#sessionRoleId = role.id;
      this.#currentRoleId = role.id;
    } else if (value === undefined || value.toLowerCase() === "none") {
      this.#currentRoleId = this.#sessionRoleId;
    } else {
      const role = roleOrThrow(catalog, value);
      const session = catalog.roleById(this.#sessionRoleId);
      const isAllowed = session !== undefined && (session.isSuperuser || checker.isMemberOf(session.id, role.id));
      if (!isAllowed) throw new InsufficientPrivilegeError(`permission denied to set role "${role.name}"`);
      this.#currentRoleId = role.id;
    }
  }

  /** CREATE SCHEMA needs CREATE on the database; AUTHORIZATION r, membership in r (PostgreSQL's rules). */
  #checkCreateSchema(env: DdlEnvironment, authorization: string | undefined): void {
    const { checker, roleId } = env.auth;
    if (!checker.has(roleId, databaseObject(env.catalog, this.databaseName), "C")) throw new InsufficientPrivilegeError(`permission denied for database ${this.databaseName}`);
    const owner = authorization === undefined ? undefined : roleOrThrow(env.catalog, authorization);
    if (owner !== undefined && !checker.isSuperuser(roleId) && !checker.isMemberOf(roleId, owner.id)) throw new InsufficientPrivilegeError(`must be member of role "${owner.name}"`);
  }

  /** SHOW of the settings roles decide: is_superuser, role (`none` unless SET ROLE), session_authorization. */
  #roleSetting(name: string, auth: AuthContext): string | undefined {
    if (name === "is_superuser") return auth.checker.isSuperuser(auth.roleId) ? "on" : "off";
    if (name === "role") return this.#currentRoleId === this.#sessionRoleId ? "none" : this.currentUser;
    if (name === "session_authorization") return this.sessionUser;
    return undefined;
  }

  /** ANALYZE: tables current_user does not own are skipped with PostgreSQL 15's warning. */
  #analyze(env: DdlEnvironment, names: readonly (readonly string[])[]): void {
    const listed = names.length === 0 ? [...env.catalog.tables()] : names.map((name) => {
      const relation = env.catalog.findRelation(name.length > 1 ? name.at(-2) : undefined, name.at(-1) ?? "", env.searchPath);
      if (relation?.kind !== "table") throw new UndefinedTableError(`relation "${name.join(".")}" does not exist`);
      return relation;
    });
    const tables = listed.filter((table) => {
      const isOwned = env.auth.checker.isOwner(env.auth.roleId, table);
      if (!isOwned) env.notice(`skipping "${table.name}" --- only table or database owner can analyze it`, "WARNING");
      return isOwned;
    });
    for (const definition of tables) {
      const layout = layoutOf(definition);
      const rows = (function* rows(): Iterable<Row> {
        for (const [key, value] of env.txn.scan(storageRange(tableStorage(definition)))) yield layout.decode(key, value);
      })();
      this.#db.setStatistics(definition, analyzeTable(catalogTableOf(definition, undefined), rows, env.registry, env.context));
    }
  }

  #modifyResult(command: "INSERT" | "UPDATE" | "DELETE", result: ModifyResult): QueryResult {
    const tag = command === "INSERT" ? `INSERT 0 ${result.rowCount}` : `${command} ${result.rowCount}`;
    const returning = result.returning;
    if (returning === undefined) return this.#result(command, result.rowCount, tag);
    return this.#result(command, result.rowCount, tag, returning.rows, fieldsOf(returning.columns));
  }
}

function fieldsOf(columns: readonly PlanColumn[]): Field[] {
  return columns.map((c) => ({ name: c.name, typeOid: c.type.oid === TypeOid.unknown ? TypeOid.text : c.type.oid, typmod: c.type.typmod }));
}

function isolationOf(level: string): IsolationLevel {
  if (level === "serializable") return "serializable";
  if (level === "repeatable read") return "repeatable read";
  return "read committed";
}

function setValueText(value: { readonly kind: "string"; readonly value: string } | { readonly kind: "number"; readonly text: string }): string {
  return value.kind === "string" ? value.value : value.text;
}

/**
 * A bound parameter: text is parsed by the declared type's input function (or kept as text for an
 * undeclared one, typed by use); JavaScript numbers, bigints, booleans and dates go through their
 * text form; anything else is taken as a runtime value of the declared type.
 */
function paramValue(param: ParamValue, oid: number, settings: TextIoSettings): SqlValue {
  if (param === null || param === undefined) return null;
  if (typeof param === "number") {
    const direct = numberParam(param, oid);
    if (direct !== undefined) return direct;
  }
  const isPlain = typeof param === "string" || typeof param === "number" || typeof param === "bigint" || typeof param === "boolean" || param instanceof Date;
  if (oid === 0 || isPlain) {
    const text = paramText(param);
    return oid === 0 || typeof text !== "string" ? text : parseValue(oid, text, settings);
  }
  return param;
}

/**
 * A JavaScript number bound to an integer or float8 parameter, as parsing its text would give
 * it (`String(n)` round-trips, and "-0" parses to 0), without the text; undefined when only the
 * text path decides (out of range, a fraction for an integer: those fail there with 22003/22P02).
 */
function numberParam(param: number, oid: number): SqlValue | undefined {
  switch (oid) {
    case TypeOid.int4:
      return Number.isInteger(param) && param >= -0x8000_0000 && param <= 0x7fff_ffff ? param | 0 : undefined;
    case TypeOid.int8:
      return Number.isSafeInteger(param) ? BigInt(param) : undefined;
    case TypeOid.int2:
      return Number.isInteger(param) && param >= -0x8000 && param <= 0x7fff ? param | 0 : undefined;
    case TypeOid.float8:
      return Object.is(param, -0) ? 0 : param;
    default:
      return undefined;
  }
}

/** For each parameter of unknown type, the type of the first cast applied to it in the plans. */
function collectParamCasts(node: unknown, found: Map<number, number>): void {
  if (typeof node !== "object" || node === null) return;
  if (Array.isArray(node)) {
    for (const item of node) collectParamCasts(item, found);
    return;
  }
  if ("kind" in node && node.kind === "cast" && "expr" in node && "type" in node) {
    const inner = node.expr;
    const type = node.type;
    if (typeof inner === "object" && inner !== null && "kind" in inner && inner.kind === "param" && "index" in inner && typeof inner.index === "number") {
      const innerType = "type" in inner && typeof inner.type === "object" && inner.type !== null && "oid" in inner.type ? inner.type.oid : undefined;
      const oid = typeof type === "object" && type !== null && "oid" in type && typeof type.oid === "number" ? type.oid : undefined;
      if (innerType === TypeOid.unknown && oid !== undefined && !found.has(inner.index)) found.set(inner.index, oid);
    }
  }
  for (const value of Object.values(node)) if (typeof value === "object") collectParamCasts(value, found);
}

/** The highest `$n` a statement refers to. */
function highestParam(node: unknown): number {
  if (typeof node !== "object" || node === null) return 0;
  if (Array.isArray(node)) return node.reduce((max: number, item: unknown) => Math.max(max, highestParam(item)), 0);
  let max = "kind" in node && node.kind === "param" && "index" in node && typeof node.index === "number" ? node.index : 0;
  for (const value of Object.values(node)) if (typeof value === "object") max = Math.max(max, highestParam(value));
  return max;
}

/** A client's parameter as PostgreSQL's text form; the statement's untyped `$n` read it like a literal. */
function paramText(value: unknown): SqlValue {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  if (typeof value === "boolean") return value ? "true" : "false";
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return `\\x${Buffer.from(value).toString("hex")}`;
  return JSON.stringify(value);
}

/** PostgreSQL's text form of a result row's values (null stays null). */
export function formatRow(fields: readonly Field[], row: readonly SqlValue[], settings: TextIoSettings): (string | null)[] {
  return row.map((value, i) => (value === null ? null : formatValue(fields[i]?.typeOid ?? TypeOid.text, value, settings)));
}


/**
 * The session as a statement's functions see it. Made per statement, so it is cheap: what only
 * some functions need (the visible schemas, sequence access) is computed when first asked for.
 */
class StatementSessionInfo implements SessionInfo {
  readonly #session: Session;
  readonly #scope: StatementScope;
  readonly #searchPath: readonly string[];
  readonly #makeSequences: () => SequenceFunctions;
  #sequences: SequenceFunctions | undefined;

  readonly #onSleep: (seconds: number) => void;

  readonly #scanRange: KeyRangeScan;

  constructor(session: Session, scope: StatementScope, searchPath: readonly string[], makeSequences: () => SequenceFunctions, onSleep: (seconds: number) => void, scanRange: KeyRangeScan) {
    this.#session = session;
    this.#scope = scope;
    this.#searchPath = searchPath;
    this.#makeSequences = makeSequences;
    this.#onSleep = onSleep;
    this.#scanRange = scanRange;
  }

  sleep(seconds: number): void {
    this.#onSleep(seconds);
  }

  get databaseName(): string {
    return this.#session.databaseName;
  }

  get currentUser(): string {
    return this.#session.currentUser;
  }

  get sessionUser(): string {
    return this.#session.sessionUser;
  }

  get backendPid(): number {
    return this.#session.backendPid;
  }

  get searchPath(): readonly string[] {
    return this.#searchPath.filter((s) => this.#scope.catalog.schema(s) !== undefined);
  }

  get serverVersion(): string {
    return this.#session.settings.get("server_version");
  }

  get catalog(): CatalogFunctions {
    return new ViewCatalogFunctions(this.#scope.catalog, this.#searchPath, this.#session.currentUser, this.#scanRange);
  }

  get sequences(): SequenceFunctions {
    this.#sequences ??= this.#makeSequences();
    return this.#sequences;
  }

  getSetting(name: string): string | undefined {
    // As SHOW: the running transaction's own level (BEGIN ISOLATION LEVEL, SET TRANSACTION).
    if (name.toLowerCase() === "transaction_isolation") return this.#scope.txn?.isolation ?? this.#session.settings.get("default_transaction_isolation");
    if (name.toLowerCase() === "transaction_read_only") return this.#scope.txn === undefined ? this.#session.settings.get("default_transaction_read_only") : this.#scope.txn.isReadOnly ? "on" : "off";
    return this.#session.settings.has(name) ? this.#session.settings.get(name) : undefined;
  }

  setSetting(name: string, value: string, isLocal: boolean): string {
    return this.#session.settings.set(name, value, isLocal);
  }

  currentTransactionId(): bigint {
    return this.#scope.txn === undefined ? 0n : BigInt(this.#scope.txn.id);
  }

  isSessionBlocked(pid: number, pids: readonly number[]): boolean {
    return this.#session.isSessionBlocked(pid, pids);
  }
}

/** The option `name` of EXPLAIN: absent, or given bare or as true/on/1. */
function isExplainOption(options: readonly GenericOption[], name: string): boolean {
  const option = options.find((o) => o.name.toLowerCase() === name);
  if (option === undefined) return false;
  const value = typeof option.value === "string" ? option.value.toLowerCase() : "true";
  return value === "true" || value === "on" || value === "1";
}

/**
 * EXPLAIN's options: COSTS OFF omits the estimates; ANALYZE runs the plan (to its end, its rows
 * discarded, as PostgreSQL) with every operator instrumented and shows each one's actual rows.
 */
function explainOptions(options: readonly GenericOption[], plan: PlanNode | undefined, env: QueryEnvironment): ExplainOptions {
  const isCostless = options.some((o) => o.name.toLowerCase() === "costs") && !isExplainOption(options, "costs");
  if (!isExplainOption(options, "analyze") || plan === undefined) return { isCostless };
  const actuals = new Map<PlanNode, MutableActuals>();
  const run = compilePlan(plan, { registry: env.registry, aggregates: env.aggregates, actuals });
  for (const row of run(runContext(env))) void row;
  return { isCostless, actuals: (node) => actuals.get(node) };
}

/**
 * EXPLAIN's lines. A SELECT shows its plan (under `LockRows` with FOR UPDATE/SHARE); INSERT,
 * UPDATE and DELETE show `Insert on t` / `Update on t` / `Delete on t` over the query that reads
 * their rows, planned by a dry run of the statement (nothing is written). EXPLAIN ANALYZE runs
 * the statement, as PostgreSQL does: an INSERT, UPDATE or DELETE changes its rows (a transaction
 * block and ROLLBACK undo it), and the modify node shows the statement's time and the rows it
 * returned (0 without RETURNING). EXPLAIN ANALYZE of SELECT FOR UPDATE/SHARE is not supported.
 */
async function explainLines(env: DdlEnvironment, statement: Extract<Statement, { kind: "explain" }>): Promise<string[]> {
  const inner = statement.statement;
  const isAnalyze = isExplainOption(statement.options, "analyze");
  if (inner.kind === "select" && inner.locking.length === 0) {
    const { plan } = planQuery(env, inner);
    return explainPlan(plan, explainOptions(statement.options, plan, env));
  }
  const isModify = inner.kind === "insert" || inner.kind === "update" || inner.kind === "delete";
  if (!isModify && (inner.kind !== "select" || isAnalyze)) {
    throw new FeatureNotSupportedError(`EXPLAIN ${isAnalyze ? "ANALYZE " : ""}of ${inner.kind.toUpperCase()}${inner.kind === "select" ? " FOR UPDATE/SHARE" : ""} is not supported yet`);
  }
  const options = explainOptions(statement.options.filter((o) => o.name.toLowerCase() !== "analyze"), undefined, env);
  if (inner.kind === "select") return explainOver("LockRows", planQuery(env, withoutLocking(inner)).plan, "lock_rows", options);
  const verb = inner.kind === "insert" ? "Insert" : inner.kind === "update" ? "Update" : "Delete";
  const name = inner.table.at(-1) ?? "";
  const alias = inner.alias !== undefined && inner.alias !== name ? ` ${inner.alias}` : "";
  const header = `${verb} on ${name}${alias}`;
  if (isAnalyze) return explainAnalyzeModify(env, inner, header, options);
  const plans: PlanNode[] = [];
  await executeModify({ ...env, plans }, inner);
  return explainOver(header, plans[0] ?? defaultValuesInput(), "modify", options);
}

/** EXPLAIN ANALYZE of INSERT, UPDATE or DELETE: runs it, its reading query instrumented. */
async function explainAnalyzeModify(env: DdlEnvironment, statement: ModifyStatement, header: string, options: ExplainOptions): Promise<string[]> {
  const analyzed: AnalyzedRun = { plans: [], actuals: new Map() };
  const started = performance.now();
  const result = await executeModify({ ...env, analyzed }, statement);
  const totalMs = performance.now() - started;
  const input = analyzed.plans[0] ?? defaultValuesInput();
  // INSERT … DEFAULT VALUES ran no query: its one empty row took no measurable time.
  const inputActuals = (node: PlanNode): NodeActuals | undefined => analyzed.actuals.get(node) ?? (node === input ? { rows: 1, loops: 1, firstRowMs: 0, totalMs: 0 } : undefined);
  const returned = result.returning?.rows.length ?? 0;
  return explainOver(header, input, "modify", { ...options, actuals: inputActuals }, { rows: returned, loops: 1, firstRowMs: totalMs, totalMs });
}

type ModifyStatement = InsertStatement | UpdateStatement | DeleteStatement;

function executeModify(env: StatementEnvironment, statement: ModifyStatement): Promise<ModifyResult> {
  switch (statement.kind) {
    case "insert":
      return executeInsert(env, statement);
    case "update":
      return executeUpdate(env, statement);
    case "delete":
      return executeDelete(env, statement);
    default:
      return assertNever(statement);
  }
}

/** INSERT … DEFAULT VALUES reads no query: one empty row, PostgreSQL's Result. */
function defaultValuesInput(): PlanNode {
  return { kind: "values", rows: [[]], columns: [] };
}

/** The query of a SELECT FOR UPDATE/SHARE without its locking clause: its columns and parameter types. */
function withoutLocking(statement: SelectStatement): SelectStatement {
  return statement.locking.length === 0 ? statement : { ...statement, locking: [] };
}

/**
 * A SELECT's rows as a `RowStream`: batches pulled from `rows` as the caller asks. `onEnd` runs
 * when the rows run out; `onError` turns an error raised while rows are taken into the one thrown
 * (failing the transaction, moving its position, releasing the snapshot early).
 */
function rowStream(rows: Iterator<Row>, fields: readonly Field[], notices: readonly Notice[], hooks: { readonly onEnd?: () => void; readonly onError?: (error: unknown) => unknown } = {}): RowStream {
  let rowCount = 0;
  return {
    fields,
    take: (maxRows) => {
      const batch: Row[] = [];
      try {
        while (batch.length < maxRows) {
          const next = rows.next();
          if (next.done === true) {
            hooks.onEnd?.();
            break;
          }
          batch.push(next.value);
        }
      } catch (error) {
        throw hooks.onError === undefined ? error : hooks.onError(error);
      }
      rowCount += batch.length;
      return batch;
    },
    get rowCount() {
      return rowCount;
    },
    notices,
  };
}

/** The isolation level and access mode that transaction modes (BEGIN's, SET TRANSACTION's) name; the last of each wins. */
function transactionModesOf(modes: Extract<Statement, { kind: "transaction" }>["modes"]): { isolation?: IsolationLevel; readOnly?: boolean } {
  return modes.reduce<{ isolation?: IsolationLevel; readOnly?: boolean }>(
    (acc, m) => ({
      ...acc,
      ...(m.isolationLevel === undefined ? {} : { isolation: isolationOf(m.isolationLevel) }),
      ...(m.isReadOnly === undefined ? {} : { readOnly: m.isReadOnly }),
    }),
    {},
  );
}

/** The tables whose definitions the transaction changed (it holds their locks exclusive). */
function alteredTables(active: ActiveTransaction): number[] {
  return [...active.catalog.changes.keys()].filter((id) => active.relationLocks.get(id) === "exclusive");
}

function restoreMap<K, V>(target: Map<K, V>, saved: ReadonlyMap<K, V>): void {
  target.clear();
  for (const [key, value] of saved) target.set(key, value);
}

/**
 * The command a read-only transaction refuses before running it, named as PostgreSQL's
 * CreateCommandName names it in 25006, or undefined for one it may run (queries, SET, SHOW,
 * EXPLAIN, ANALYZE, VACUUM, CHECKPOINT, prepared statements, transaction control). INSERT,
 * UPDATE, DELETE and COPY FROM are refused as they run (see `refusedIfReadOnly`).
 */
function commandRefusedIfReadOnly(statement: Statement): string | undefined {
  switch (statement.kind) {
    case "select": {
      const [first] = statement.locking;
      return first === undefined ? undefined : `SELECT FOR ${first.strength.replace(/_/g, " ").toUpperCase()}`;
    }
    case "create_table":
      return "CREATE TABLE";
    case "create_table_as":
      return "CREATE TABLE AS";
    case "create_index":
      return "CREATE INDEX";
    case "create_sequence":
      return "CREATE SEQUENCE";
    case "alter_sequence":
      return "ALTER SEQUENCE";
    case "create_view":
      return "CREATE VIEW";
    case "create_schema":
      return "CREATE SCHEMA";
    case "drop":
      return `DROP ${statement.objectType.toUpperCase()}`;
    case "create_enum_type":
      return "CREATE TYPE";
    case "alter_enum_type":
      return "ALTER TYPE";
    case "create_domain":
      return "CREATE DOMAIN";
    case "alter_domain":
      return "ALTER DOMAIN";
    case "alter_table":
      return "ALTER TABLE";
    case "truncate":
      return "TRUNCATE TABLE";
    case "create_role":
      return "CREATE ROLE";
    case "alter_role":
      return "ALTER ROLE";
    case "drop_role":
      return "DROP ROLE";
    case "grant":
      return statement.isGrant ? "GRANT" : "REVOKE";
    case "grant_role":
      return statement.isGrant ? "GRANT ROLE" : "REVOKE ROLE";
    case "alter_default_privileges":
      return "ALTER DEFAULT PRIVILEGES";
    case "drop_owned":
      return "DROP OWNED";
    case "reassign_owned":
      return "REASSIGN OWNED";
    case "alter_owner":
      return `ALTER ${statement.objectType.toUpperCase()}`;
    case "comment":
      return "COMMENT";
    case "rename":
      return renameTag(statement);
    // Allowed, or (the writes) refused as they run.
    case "insert":
    case "update":
    case "delete":
    case "copy":
    case "analyze":
    case "vacuum":
    case "checkpoint":
    case "deallocate":
    case "discard":
    case "execute":
    case "prepare":
    case "lock":
    case "explain":
    case "set":
    case "reset":
    case "show":
    case "set_transaction":
    case "transaction":
      return undefined;
    default:
      return assertNever(statement);
  }
}

/**
 * INSERT, UPDATE and DELETE in a read-only transaction: PostgreSQL's 25006 naming the command.
 * The statement runs first, so its analysis errors (42P01, 42703, …) come first as in PostgreSQL;
 * the transaction layer refuses its first row lock or write (naming that, renamed here), and one
 * that wrote nothing (no row matched) is refused as PostgreSQL refuses it, at its end.
 */
async function refusedIfReadOnly<T>(active: ActiveTransaction, command: string, run: () => Promise<T>): Promise<T> {
  const refusal = (): ReadOnlyTransactionError => new ReadOnlyTransactionError(`cannot execute ${command} in a read-only transaction`);
  let result: T;
  try {
    result = await run();
  } catch (error) {
    if (error instanceof ReadOnlyTransactionError) throw refusal();
    throw error;
  }
  if (active.txn.isReadOnly) throw refusal();
  return result;
}
