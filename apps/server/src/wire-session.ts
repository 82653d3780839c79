/**
 * The engine's `Session` behind pgwire's `Session` interface: statements run in the engine,
 * results are encoded here (text: the type's output function; binary: its send function), and
 * notices, COPY and portals are mapped onto pgwire's events.
 */
import { TypeOid, formatValue, hasBinaryIo, recvValue, sendValue, typeLength, type SqlValue } from "@omnikv/base";
import type { Field, QueryResult, RowStream, Session as EngineSession, StatementOutcome } from "@omnikv/engine";
import type { BindRequest, Cell, FieldDescription, FormatCode, QueryEvent, Session, StatementDescription, TransactionStatus } from "@omnikv/pgwire";
import type { Logger } from "./logger.ts";


/** Settings whose changes PostgreSQL reports to the client with ParameterStatus. */
const reportedSettings: ReadonlyMap<string, string> = new Map([
  ["application_name", "application_name"],
  ["client_encoding", "client_encoding"],
  ["datestyle", "DateStyle"],
  ["intervalstyle", "IntervalStyle"],
  ["timezone", "TimeZone"],
  ["standard_conforming_strings", "standard_conforming_strings"],
  ["default_transaction_read_only", "default_transaction_read_only"],
]);

/**
 * Rows fetched and encoded per step of a result (simple-protocol SELECTs and Execute): between
 * steps pgwire waits while the socket is backed up, so a slow client bounds what is buffered.
 */
const streamBatchRows = 256;

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

export interface WireSessionOptions {
  readonly slowQueryMs: number;
  readonly logger: Logger;
}

export class WireSession implements Session {
  readonly #session: EngineSession;
  readonly #options: WireSessionOptions;
  readonly #portalFormats = new Map<string, readonly FormatCode[]>();

  constructor(session: EngineSession, options: WireSessionOptions) {
    this.#session = session;
    this.#options = options;
  }

  /** ParameterStatus at startup: whether the logged-in role is a superuser (PostgreSQL reports it). */
  get parameterStatus(): Readonly<Record<string, string>> {
    return { is_superuser: this.#session.isSuperuser ? "on" : "off" };
  }

  /** BackendKeyData's process id is the engine session's pg_backend_pid(), so pids agree (isolationtester). */
  get processId(): number {
    return this.#session.backendPid;
  }

  get transactionStatus(): TransactionStatus {
    return this.#session.transactionStatus;
  }

  simpleQuery(sql: string): AsyncIterable<QueryEvent> {
    return this.#timed(sql, this.#simpleQuery(sql));
  }

  async *#simpleQuery(sql: string): AsyncGenerator<QueryEvent> {
    for await (const outcome of this.#session.queryEach(sql)) yield* this.#outcomeEvents(outcome);
  }

  async *#outcomeEvents(outcome: StatementOutcome): AsyncGenerator<QueryEvent> {
    if (outcome.kind === "empty") {
      yield { kind: "emptyQuery" };
      return;
    }
    if (outcome.kind === "copyIn") {
      let finished: QueryResult | undefined;
      const sink = outcome.sink;
      yield {
        kind: "copyIn",
        format: 0,
        columnFormats: Array.from({ length: sink.columnCount }, () => 0 as const),
        sink: {
          write: (data) => sink.write(data),
          finish: async () => {
            finished = await sink.finish();
          },
          abort: (reason) => sink.abort(reason),
        },
      };
      if (finished !== undefined) yield { kind: "commandComplete", tag: finished.commandTag };
      return;
    }
    if (outcome.kind === "copyOut") {
      yield { kind: "copyOut", format: 0, columnFormats: [] };
      const chunks = outcome.chunks;
      for (let next = await chunks.next(); ; next = await chunks.next()) {
        if (next.done === true) {
          yield { kind: "commandComplete", tag: next.value.commandTag };
          break;
        }
        yield { kind: "copyData", data: next.value };
      }
      return;
    }
    if (outcome.kind === "rows") {
      yield* this.#streamedRows(outcome.stream);
      return;
    }
    const result = outcome.result;
    yield* this.#notices(result);
    if (result.fields.length > 0 || result.command === "SELECT") {
      yield { kind: "rowDescription", fields: this.#describe(result.fields, []) };
      yield { kind: "rows", rows: this.#encodeRows(result, []) };
    }
    yield* this.#parameterStatus(result);
    yield { kind: "commandComplete", tag: result.commandTag };
  }

  /** A SELECT's rows in batches: pgwire waits for the socket to drain before asking for the next. */
  *#streamedRows(stream: RowStream): Generator<QueryEvent> {
    yield { kind: "rowDescription", fields: this.#describe(stream.fields, []) };
    const oids = stream.fields.map((field) => field.typeOid);
    for (;;) {
      const rows = stream.take(streamBatchRows);
      if (rows.length > 0) yield { kind: "rows", rows: this.#encode(rows, oids, []) };
      if (rows.length < streamBatchRows) break;
    }
    yield* this.#notices(stream);
    yield { kind: "commandComplete", tag: `SELECT ${stream.rowCount}` };
  }

  *#notices(result: { readonly notices: readonly string[] }): Generator<QueryEvent> {
    for (const message of result.notices) yield { kind: "notice", notice: { severity: "NOTICE", sqlState: "00000", message } };
  }

  *#parameterStatus(result: QueryResult): Generator<QueryEvent> {
    if (result.command !== "SET" && result.command !== "RESET") return;
    for (const [setting, name] of reportedSettings) yield { kind: "parameterStatus", name, value: this.#session.settings.get(setting) };
  }

  parse(name: string, sql: string, paramTypeOids: readonly number[]): void {
    if (name === "") this.#session.deallocate("");
    this.#session.prepare(name, sql, paramTypeOids);
  }

  bind(request: BindRequest): void {
    const types = this.#session.paramTypesOf(request.statement);
    const values = request.params.map((cell, i) => decodeParam(cell, request.paramFormats[i] ?? 0, types[i] ?? 0));
    this.#session.bind(request.portal, request.statement, values);
    this.#portalFormats.set(request.portal, request.resultFormats);
  }

  async describeStatement(name: string): Promise<StatementDescription> {
    const description = await this.#session.describePrepared(name);
    return { paramTypeOids: description.paramTypes, fields: description.fields.length === 0 ? null : this.#describe(description.fields, []) };
  }

  async describePortal(name: string): Promise<readonly FieldDescription[] | null> {
    const fields = await this.#session.describePortal(name);
    return fields.length === 0 ? null : this.#describe(fields, this.#portalFormats.get(name) ?? []);
  }

  execute(portal: string, maxRows: number): AsyncIterable<QueryEvent> {
    return this.#timed(`portal ${portal}`, this.#execute(portal, maxRows));
  }

  /**
   * Execute, fetched from the portal in batches of at most `streamBatchRows` (pgwire waits for the
   * socket to drain between them), up to `maxRows` (0: all). The tag counts this Execute's rows.
   */
  async *#execute(portal: string, maxRows: number): AsyncGenerator<QueryEvent> {
    const formats = this.#portalFormats.get(portal) ?? [];
    let sent = 0;
    for (;;) {
      const want = maxRows === 0 ? streamBatchRows : Math.min(streamBatchRows, maxRows - sent);
      const result = await this.#session.executePortal(portal, want);
      if (result.command === "") {
        yield { kind: "emptyQuery" };
        return;
      }
      yield* this.#notices(result);
      if (result.rows.length > 0) yield { kind: "rows", rows: this.#encodeRows(result, formats) };
      sent += result.rows.length;
      if (!result.isSuspended) {
        yield* this.#parameterStatus(result);
        yield { kind: "commandComplete", tag: result.command === "SELECT" ? `SELECT ${sent}` : result.commandTag };
        return;
      }
      if (maxRows !== 0 && sent >= maxRows) {
        yield { kind: "portalSuspended" };
        return;
      }
    }
  }

  close(kind: "statement" | "portal", name: string): void {
    if (kind === "statement") this.#session.deallocate(name);
    else {
      this.#session.closePortal(name);
      this.#portalFormats.delete(name);
    }
  }

  async sync(): Promise<void> {
    this.#portalFormats.clear();
    await this.#session.sync();
  }

  cancel(): void {
    this.#session.cancel();
  }

  async end(): Promise<void> {
    await this.#session.close();
  }

  #describe(fields: readonly Field[], formats: readonly FormatCode[]): FieldDescription[] {
    return fields.map((field, i) => ({
      name: field.name,
      tableOid: 0,
      columnNumber: 0,
      typeOid: field.typeOid,
      typeSize: typeLength(field.typeOid),
      typeModifier: field.typmod,
      format: formatOf(formats, i),
    }));
  }

  #encodeRows(result: QueryResult, formats: readonly FormatCode[]): Cell[][] {
    return this.#encode(
      result.rows,
      result.fields.map((f) => f.typeOid),
      formats,
    );
  }

  #encode(rows: readonly (readonly SqlValue[])[], oids: readonly number[], formats: readonly FormatCode[]): Cell[][] {
    const settings = this.#session.textSettings();
    const binary = oids.map((oid, i) => formatOf(formats, i) === 1 && hasBinaryIo(oid));
    return rows.map((row) => row.map((value, i) => encodeCell(value, oids[i] ?? TypeOid.text, binary[i] === true, settings)));
  }

  /** Logs statements slower than the slow-query threshold. */
  async *#timed(what: string, events: AsyncGenerator<QueryEvent>): AsyncGenerator<QueryEvent> {
    const started = performance.now();
    yield* events;
    const ms = performance.now() - started;
    if (this.#options.slowQueryMs > 0 && ms >= this.#options.slowQueryMs) this.#options.logger.warn("slow query", { ms: Math.round(ms), statement: what.slice(0, 1000) });
  }
}

/** One entry per column, or a single code for every column, or none (all text). */
function formatOf(formats: readonly FormatCode[], index: number): FormatCode {
  if (formats.length === 0) return 0;
  if (formats.length === 1) return formats[0] ?? 0;
  return formats[index] ?? 0;
}

function encodeCell(value: SqlValue, oid: number, isBinary: boolean, settings: Parameters<typeof formatValue>[2]): Cell {
  if (value === null) return null;
  return isBinary ? sendValue(oid, value) : utf8.encode(formatValue(oid, value, settings));
}

/** A Bind parameter: binary by the declared type's receive function, text as a string (parsed by the engine). */
function decodeParam(cell: Cell, format: FormatCode, oid: number): SqlValue {
  if (cell === null) return null;
  if (format === 1 && oid !== 0 && hasBinaryIo(oid)) return recvValue(oid, cell);
  return utf8Decoder.decode(cell);
}
