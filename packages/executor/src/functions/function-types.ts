/**
 * What an implementation of a built-in function, operator or cast looks like. Implementations
 * are keyed by the planner's signature ids (`+(int4,int8)`, `lower(text)`, `cast(int4,int8)`), so
 * the planner resolves against signatures and the executor never re-resolves anything per row.
 */
import type { EnumType } from "@omnikv/base";
import type { TableAccess } from "../operators/table-access.ts";
import type { SqlValue } from "../values.ts";

/**
 * What the session functions read and change (`current_user`, `current_setting`, `set_config`,
 * `txid_current`, …). The executor declares it; the engine's session implements it.
 */
export interface SessionInfo {
  readonly databaseName: string;
  /** `current_user` / `current_role` / `user`. */
  readonly currentUser: string;
  readonly sessionUser: string;
  readonly backendPid: number;
  /** The schemas of `search_path` that exist, in order (`current_schemas(false)`). */
  readonly searchPath: readonly string[];
  /** `server_version`, e.g. `15.0`; `version()` builds its text from it. */
  readonly serverVersion: string;
  /** A setting's current value as `SHOW` prints it, or undefined if there is no such setting. */
  getSetting(name: string): string | undefined;
  /** `set_config`: sets for the session or (isLocal) the transaction, and returns the new value. */
  setSetting(name: string, value: string, isLocal: boolean): string;
  /** The current transaction's id, assigning one if it has none (`txid_current()`). */
  currentTransactionId(): bigint;
  /**
   * Whether the session with backend pid `pid` waits on a lock held by (or queued ahead of it for)
   * a session in `pids` — `pg_isolation_test_session_is_blocked`; absent without a server.
   */
  isSessionBlocked?(pid: number, pids: readonly number[]): boolean;
  /** The database's sequences, when it has them (`nextval`, `currval`, `setval`, `lastval`). */
  readonly sequences?: SequenceFunctions;
  /** The system catalog, when there is one (`pg_get_indexdef`, `::regclass`, …; catalog.ts). */
  readonly catalog?: CatalogFunctions;
  /**
   * `pg_sleep`: evaluation is synchronous and must not block the event loop (other sessions share
   * it), so the session records the wait and serves it before the statement completes, still
   * interruptible by cancel and statement_timeout. Absent without a session that can wait.
   */
  sleep?(seconds: number): void;
}

/**
 * What the catalog information functions read, by OID, as the transaction sees the catalog.
 * Absence is undefined (the functions then return NULL, as PostgreSQL does for unknown OIDs).
 */
export interface CatalogFunctions {
  /** A role's name (`pg_get_userbyid`). */
  userName(oid: number): string | undefined;
  /** Whether the relation is found by its unqualified name along the search_path. */
  isTableVisible(oid: number): boolean;
  /** `CREATE [UNIQUE] INDEX …` (column 0), or the name of key column `column` (1-based). */
  indexDefinition(oid: number, column: number, isPretty: boolean): string | undefined;
  /** `PRIMARY KEY (id)`, `CHECK (…)`, `FOREIGN KEY (…) REFERENCES t(…)`, … */
  constraintDefinition(oid: number, isPretty: boolean): string | undefined;
  /** A stored expression (pg_attrdef.adbin, pg_constraint.conbin) as SQL text. */
  expressionText(expression: string, relationOid: number, isPretty: boolean): string;
  /** A comment (`COMMENT ON`); `subId` is a column number for col_description, else 0. */
  description(oid: number, catalogName: string, subId: number): string | undefined;
  /**
   * Bytes a relation holds (pg_relation_size and kin): `main` its own keyspace (a table's rows or
   * an index's entries), `indexes` its indexes', `total` both. Undefined for an unknown oid.
   */
  relationSize?(oid: number, part: "main" | "indexes" | "total"): bigint | undefined;
  /** Bytes the current database holds (pg_database_size). */
  databaseSize?(): bigint;
  /** A view's query as SQL text (pg_get_viewdef); undefined when `oid` is not a view. */
  viewDefinition?(oid: number): string | undefined;
  /**
   * A pg_proc row's signature as pg_get_function_result / pg_get_function_arguments print it
   * (`SETOF integer`, `text, integer`); undefined for an unknown oid.
   */
  functionSignature?(oid: number): { readonly result: string; readonly arguments: string } | undefined;
  /** `'name'::regclass`: 42P01 when there is no such relation. */
  relationOid(name: string): number;
  /** regclass output: the name, qualified when not visible; `-` for 0, the digits for an unknown OID. */
  relationName(oid: number): string;
  /** `'name'::regnamespace` (3F000 when there is none) and its output. */
  namespaceOid(name: string): number;
  namespaceName(oid: number): string;
  /** `pg_get_serial_sequence(table, column)`: the qualified sequence name, or undefined. */
  serialSequence(table: string, column: string): string | undefined;
  /**
   * has_table_privilege and its kin: whether `role` (current_user when undefined) holds
   * `privilege` (`SELECT`, `usage`, a comma list) on the object named (or with that oid).
   */
  hasPrivilege(objectClass: "table" | "sequence" | "schema" | "database", role: string | undefined, object: string | number, privilege: string): boolean;
  /** has_column_privilege: on the table, or on the column itself (SELECT, INSERT, UPDATE, REFERENCES). */
  hasColumnPrivilege(role: string | undefined, table: string, column: string, privilege: string): boolean;
  /** pg_has_role: `mode` is MEMBER, USAGE (privileges inherited) or SET. */
  hasRole(role: string | undefined, target: string, mode: string): boolean;
}

/**
 * Sequence access by name (resolved along the search_path). Sequences are not transactional, as in
 * PostgreSQL: a value handed out is never handed out again, even if the transaction rolls back.
 */
export interface SequenceFunctions {
  nextval(name: string): bigint;
  /** The value nextval last returned in this session (55000 before any). */
  currval(name: string): bigint;
  setval(name: string, value: bigint, isCalled: boolean): bigint;
  lastval(): bigint;
}

/** Session state an expression may read. */
export interface EvalContext {
  /** The `extra_float_digits` setting (-15…3, default 1), for float output. */
  readonly extraFloatDigits: number;
  /** The session `TimeZone`, an IANA name or a fixed offset as PostgreSQL accepts it. */
  readonly timeZone: string;
  /** The transaction's start time in microseconds since 2000-01-01 UTC (`now()`). */
  readonly transactionStartMicros: bigint;
  /** The session, for the session functions; stand-alone evaluation has none (they then fail with 0A000). */
  readonly session?: SessionInfo;
  /** The tables a running plan reads, for subquery expressions; set by `compilePlan` for each run. */
  readonly tables?: TableAccess;
  /** The running plan's interrupt check (see `ExecutionContext.interrupt`), for subquery plans. */
  readonly interrupt?: () => void;
  /** The catalog's enum types, for text input of their values (casts from text) and their names. */
  readonly enumType?: (oid: number) => EnumType | undefined;
  /** Any user-defined type's name by OID (enum or domain), for format_type and regtype output. */
  readonly typeName?: (oid: number) => string | undefined;
}

/** A strict implementation is never called with a NULL argument; the evaluator handles that. */
export type ScalarFunction = (args: readonly SqlValue[], context: EvalContext) => SqlValue;

export type FunctionTable = Readonly<Record<string, ScalarFunction>>;

/**
 * An implementation specialized once per call site with the resolved argument type OIDs: int4,
 * float8 and date share one JavaScript representation, so `to_json` or `format` cannot tell them
 * apart from values alone.
 */
export type TypedScalarFunction = (argTypes: readonly number[]) => ScalarFunction;

export type TypedFunctionTable = Readonly<Record<string, TypedScalarFunction>>;

/**
 * A set-returning function (`generate_series`, `unnest`, `jsonb_each`): given its arguments, the
 * rows it produces, lazily, one value per output column. The executor's function scan pulls them.
 */
export type SetReturningFunction = (args: readonly SqlValue[], context: EvalContext) => Iterable<readonly SqlValue[]>;

export type SetReturningTable = Readonly<Record<string, SetReturningFunction>>;
