/**
 * The plugin point pgwire calls: a `Backend` authenticates nothing itself but supplies password
 * secrets and opens a `Session` per connection; the `Session` runs statements. pgwire knows no SQL:
 * it frames what the Session yields and turns the client's messages into these calls.
 *
 * Contract, in one place:
 * - Every method may return a value or a promise. pgwire never calls two methods of one Session at
 *   the same time, except `cancel()`, which may arrive (from another connection) while a statement
 *   runs, and `end()`, which may arrive while a statement is suspended on backpressure.
 * - Results are streams of `QueryEvent`s. pgwire pulls them one at a time and stops pulling while the
 *   client's socket is backed up, so a Session that produces rows lazily is never made to buffer.
 * - Cells are already encoded by the engine: text format is UTF-8 bytes of the value's text output,
 *   binary format is the type's `send` representation; `null` is SQL NULL. pgwire only frames them.
 * - Statement and portal names ("" is the unnamed one) are the Session's to keep; the Session
 *   replaces the unnamed statement/portal on re-use and raises a `DbError` for unknown or duplicate
 *   names, as PostgreSQL does (26000, 34000, 42P05).
 * - Errors: a thrown `DbError` becomes an ErrorResponse carrying its SQLSTATE, message, detail, hint
 *   and position; anything else becomes XX000 with a generic message.
 */

/** Format code of a parameter or result column: 0 = text, 1 = binary. */
export type FormatCode = 0 | 1;

/** A value on the wire: encoded bytes, or `null` for SQL NULL. */
export type Cell = Uint8Array | null;

/** One result row, one cell per RowDescription field. */
export type Row = readonly Cell[];

/** ReadyForQuery's status byte: idle, in a transaction block, in a failed transaction block. */
export type TransactionStatus = "I" | "T" | "E";

/** One RowDescription field, as PostgreSQL sends it. */
export interface FieldDescription {
  readonly name: string;
  /** OID of the table the column comes from, or 0. */
  readonly tableOid: number;
  /** Attribute number of the column in that table, or 0. */
  readonly columnNumber: number;
  readonly typeOid: number;
  /** pg_type.typlen: -1 for variable length, -2 for C strings. */
  readonly typeSize: number;
  /** pg_attribute.atttypmod, -1 when none. */
  readonly typeModifier: number;
  readonly format: FormatCode;
}

/** What NoticeResponse carries (ErrorResponse takes the same fields from a `DbError`). */
export interface Notice {
  /** WARNING, NOTICE, DEBUG, INFO or LOG. */
  readonly severity: "WARNING" | "NOTICE" | "DEBUG" | "INFO" | "LOG";
  readonly sqlState: string;
  readonly message: string;
  readonly detail?: string;
  readonly hint?: string;
}

/** Where a COPY FROM STDIN sends the client's data. */
export interface CopyInSink {
  /** One CopyData payload; chunk boundaries are the client's, not rows. */
  write(data: Uint8Array): void | Promise<void>;
  /** CopyDone arrived: finish; the stream then yields the statement's CommandComplete. */
  finish(): void | Promise<void>;
  /** CopyFail arrived, or the connection closed: discard; pgwire reports 57014 itself. */
  abort(reason: string): void | Promise<void>;
}

/**
 * What a statement produces, in order. A simple query may yield several statements' worth:
 * `rowDescription? (rows | notice)* commandComplete`, or `emptyQuery` for an empty statement.
 * COPY: `copyIn` (then pgwire drives the sink, then `commandComplete`), or
 * `copyOut copyData* commandComplete`. `execute` yields no `rowDescription` (Describe gives it)
 * and ends with `commandComplete`, `portalSuspended` (after exactly maxRows rows) or `emptyQuery`.
 * As in PostgreSQL, the `SELECT n` tag of an Execute that finishes a suspended portal counts only
 * the rows that Execute returned (testdata/pg15-frames.txt records this from PostgreSQL 15).
 */
export type QueryEvent =
  | { readonly kind: "rowDescription"; readonly fields: readonly FieldDescription[] }
  | { readonly kind: "rows"; readonly rows: readonly Row[] }
  | { readonly kind: "commandComplete"; readonly tag: string }
  | { readonly kind: "emptyQuery" }
  | { readonly kind: "portalSuspended" }
  | { readonly kind: "notice"; readonly notice: Notice }
  | { readonly kind: "parameterStatus"; readonly name: string; readonly value: string }
  | { readonly kind: "copyIn"; readonly format: FormatCode; readonly columnFormats: readonly FormatCode[]; readonly sink: CopyInSink }
  | { readonly kind: "copyOut"; readonly format: FormatCode; readonly columnFormats: readonly FormatCode[] }
  | { readonly kind: "copyData"; readonly data: Uint8Array };

/** A stream of events; a plain array is fine for small results. */
export type QueryEvents = Iterable<QueryEvent> | AsyncIterable<QueryEvent>;

/** Describe of a prepared statement: ParameterDescription plus RowDescription or NoData (null). */
export interface StatementDescription {
  readonly paramTypeOids: readonly number[];
  readonly fields: readonly FieldDescription[] | null;
}

/** Bind's contents, formats already expanded to one code per parameter (and per column, or empty = all text). */
export interface BindRequest {
  readonly portal: string;
  readonly statement: string;
  readonly params: readonly Cell[];
  readonly paramFormats: readonly FormatCode[];
  /** Empty means "all text"; one entry per result column otherwise, or a single code for all. */
  readonly resultFormats: readonly FormatCode[];
}

/** One client's connection to the engine. */
export interface Session {
  /** ReadyForQuery's status byte, read after each Query and Sync. */
  readonly transactionStatus: TransactionStatus;
  /**
   * The process id BackendKeyData announces (what the engine's `pg_backend_pid()` returns), if the
   * Session has one; pgwire picks its own when absent or taken.
   */
  readonly processId?: number;
  /** ParameterStatus values that override pgwire's PostgreSQL 15 defaults at startup. */
  readonly parameterStatus?: Readonly<Record<string, string>>;
  /**
   * A Query message: one or more `;`-separated statements, run under the implicit-transaction
   * rules. A plain array of events, returned synchronously, is written at once (no promise per
   * Query: the common short OLTP answer); anything else is streamed with backpressure.
   */
  simpleQuery(sql: string): QueryEvents | Promise<QueryEvents>;
  /** Parse: `paramTypeOids` may hold 0 for "infer". */
  parse(name: string, sql: string, paramTypeOids: readonly number[]): void | Promise<void>;
  bind(request: BindRequest): void | Promise<void>;
  describeStatement(name: string): StatementDescription | Promise<StatementDescription>;
  /** RowDescription fields with the portal's result formats, or null for NoData. */
  describePortal(name: string): readonly FieldDescription[] | null | Promise<readonly FieldDescription[] | null>;
  /** `maxRows` 0 means all rows. */
  execute(portal: string, maxRows: number): QueryEvents | Promise<QueryEvents>;
  close(kind: "statement" | "portal", name: string): void | Promise<void>;
  /** Sync: end of an extended-protocol batch (commit an implicit transaction, drop the unnamed portal). */
  sync(): void | Promise<void>;
  /** A CancelRequest matched this session: make the running statement fail with 57014, if any. */
  cancel(): void;
  /** The connection is gone (Terminate or socket close): roll back and release everything. */
  end(): void | Promise<void>;
}

/** How the client proved who it is, and where it connected from. */
export interface AuthContext {
  readonly method: AuthMethod;
  readonly remoteAddress: string;
  readonly isTls: boolean;
}

/** pg_hba methods pgwire implements. */
export type AuthMethod = "scram-sha-256" | "md5" | "password" | "trust" | "reject";

/** The StartupMessage, decoded. */
export interface StartupParams {
  readonly user: string;
  readonly database: string;
  readonly applicationName: string;
  /**
   * Run-time settings the client asked for: every startup parameter other than user, database,
   * options and replication, plus each `-c name=value` (or `--name=value`) from `options`.
   */
  readonly settings: ReadonlyMap<string, string>;
}

export interface Backend {
  /**
   * The user's password secret as PostgreSQL stores it in pg_authid.rolpassword:
   * `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`, `md5<32 hex>`, or plain text;
   * `undefined` when the user does not exist or has no password (login then fails with 28P01).
   */
  passwordSecret(user: string): string | undefined | Promise<string | undefined>;
  /** Called after authentication succeeded; a thrown `DbError` is sent as FATAL and the connection closes. */
  startup(params: StartupParams, auth: AuthContext): Session | Promise<Session>;
}
