/**
 * The engine's `Session` behind pgwire's `Session` interface: statements run in the engine,
 * results are encoded here (text: the type's output function; binary: its send function), and
 * notices, COPY and portals are mapped onto pgwire's events.
 */
import { TypeOid, formatValue, hasBinaryIo, recvValue, sendValue, typeLength, type SqlValue } from "@omnikv/base";
import type { ExecuteResult, Field, Notice, QueryResult, RowStream, Session as EngineSession, StatementOutcome } from "@omnikv/engine";
import type { BindRequest, Cell, FieldDescription, FormatCode, QueryEvent, QueryEvents, Session, StatementDescription, TransactionStatus } from "@omnikv/pgwire";
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
  /** The reported settings' values as last sent to the client, and the settings version then. */
  readonly #reported = new Map<string, string>();
  #reportedVersion: number;

  constructor(session: EngineSession, options: WireSessionOptions) {
    this.#session = session;
    this.#options = options;
    for (const setting of reportedSettings.keys()) this.#reported.set(setting, session.settings.get(setting));
    this.#reportedVersion = session.settings.version;
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

  /**
   * A Query message. Statements run one by one; while their results are small (every OLTP
   * statement) their events are collected and go back as a plain array, which pgwire writes
   * without a promise per event. A COPY, or a result past one batch of rows, turns the rest into
   * a stream, so a large result is still taken at the client's pace.
   */
  simpleQuery(sql: string): QueryEvents | Promise<QueryEvents> {
    const started = performance.now();
    // A primary-key read by a known shape is answered at once: no promise for pgwire to wait on.
    const result = this.#session.queryNow(sql);
    if (result === undefined) return this.#simpleQuery(sql, started);
    const events: QueryEvent[] = [];
    for (const event of this.#syncOutcomeEvents({ kind: "result", result })) events.push(event);
    this.#logIfSlow(started, sql);
    return events;
  }

  async #simpleQuery(sql: string, started: number): Promise<QueryEvents> {
    const outcomes = this.#session.queryEach(sql);
    const events: QueryEvent[] = [];
    try {
      const rest = await this.#collect(outcomes, events);
      if (rest === undefined) {
        this.#logIfSlow(started, sql);
        return events;
      }
      return closingWith(this.#timed(sql, this.#streamFrom(events, rest, outcomes), started), outcomes);
    } catch (error) {
      // Ending the engine's generator releases what the failing statement held (its snapshot,
      // its place in pg_stat_activity). The statements before it keep their results, and the
      // failing one its RowDescription, as PostgreSQL sends them.
      await outcomes.return(undefined);
      if (events.length === 0) throw error;
      return this.#timed(sql, eventsThenThrow(events, error), started);
    }
  }

  /**
   * Runs the statements of `outcomes`, adding their events to `events` while their results stay
   * under one batch of rows in all. Undefined when every statement ran; else the events of the
   * statement where streaming starts (a COPY, or a full batch of rows), to follow `events`.
   */
  async #collect(outcomes: AsyncGenerator<StatementOutcome>, events: QueryEvent[]): Promise<Iterable<QueryEvent> | AsyncIterable<QueryEvent> | undefined> {
    let bufferedRows = 0;
    for (let next = await outcomes.next(); next.done !== true; next = await outcomes.next()) {
      const outcome = next.value;
      if (outcome.kind === "copyIn" || outcome.kind === "copyOut" || bufferedRows >= streamBatchRows) return this.#outcomeEvents(outcome);
      const outcomeEvents = this.#syncOutcomeEvents(outcome);
      for (let step = outcomeEvents.next(); step.done !== true; step = outcomeEvents.next()) {
        events.push(step.value);
        if (step.value.kind !== "rows") continue;
        bufferedRows += step.value.rows.length;
        // A full batch from a row stream: more may follow, taken as the client reads.
        if (outcome.kind === "rows" && step.value.rows.length === streamBatchRows) return outcomeEvents;
      }
    }
    return undefined;
  }

  /**
   * `events`, then the rest of the current statement's, then every later statement's. Abandoned
   * midway, `closingWith` (its only caller's wrapper) ends `outcomes`.
   */
  async *#streamFrom(events: readonly QueryEvent[], current: Iterable<QueryEvent> | AsyncIterable<QueryEvent>, outcomes: AsyncGenerator<StatementOutcome>): AsyncGenerator<QueryEvent> {
    yield* events;
    yield* current;
    for await (const outcome of outcomes) yield* this.#outcomeEvents(outcome);
  }

  async *#outcomeEvents(outcome: StatementOutcome): AsyncGenerator<QueryEvent> {
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
    yield* this.#syncOutcomeEvents(outcome);
  }

  /** The events of an outcome that needs no waiting; a row stream is taken a batch per `rows` event, as iterated. */
  *#syncOutcomeEvents(outcome: Exclude<StatementOutcome, { readonly kind: "copyIn" | "copyOut" }>): Generator<QueryEvent> {
    if (outcome.kind === "empty") {
      yield { kind: "emptyQuery" };
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
    yield* this.#parameterStatus({ command: "SELECT" });
    yield { kind: "commandComplete", tag: `SELECT ${stream.rowCount}` };
  }

  *#notices(result: { readonly notices: readonly Notice[] }): Generator<QueryEvent> {
    for (const { severity, sqlState, message } of result.notices) yield { kind: "notice", notice: { severity, sqlState, message } };
  }

  /**
   * ParameterStatus for reported settings: all of them after SET or RESET, and after any other
   * statement those that changed since last reported — a ROLLBACK (or ROLLBACK TO SAVEPOINT) that
   * restored one, or `set_config` in a query. Clients keep these values (standard_conforming_strings
   * decides how some escape literals), so a change must never go unreported.
   */
  *#parameterStatus(result: { readonly command: string }): Generator<QueryEvent> {
    const settings = this.#session.settings;
    const isSet = result.command === "SET" || result.command === "RESET";
    if (!isSet && settings.version === this.#reportedVersion) return;
    this.#reportedVersion = settings.version;
    for (const [setting, name] of reportedSettings) {
      const value = settings.get(setting);
      if (!isSet && this.#reported.get(setting) === value) continue;
      this.#reported.set(setting, value);
      yield { kind: "parameterStatus", name, value };
    }
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

  describePortal(name: string): readonly FieldDescription[] | null | Promise<readonly FieldDescription[] | null> {
    const fields = this.#session.describePortalNow(name);
    if (fields === undefined) return this.#describePortalLater(name);
    return fields.length === 0 ? null : this.#describe(fields, this.#portalFormats.get(name) ?? []);
  }

  async #describePortalLater(name: string): Promise<readonly FieldDescription[] | null> {
    const fields = await this.#session.describePortal(name);
    return fields.length === 0 ? null : this.#describe(fields, this.#portalFormats.get(name) ?? []);
  }

  /**
   * Execute. The first batch is fetched before anything is returned: a result that fits in it
   * (every point select) goes back as a plain array, which pgwire writes without a promise per
   * event; a longer one continues as a stream of batches.
   */
  execute(portal: string, maxRows: number): QueryEvents | Promise<QueryEvents> {
    const started = performance.now();
    const first = this.#executeBatch(portal, maxRows, 0);
    if (first instanceof Promise) return this.#executeLater(portal, maxRows, first, started);
    return this.#afterFirstBatch(portal, maxRows, first, started);
  }

  async #executeLater(portal: string, maxRows: number, first: Promise<ExecuteBatch>, started: number): Promise<QueryEvents> {
    return this.#afterFirstBatch(portal, maxRows, await first, started);
  }

  #afterFirstBatch(portal: string, maxRows: number, first: ExecuteBatch, started: number): QueryEvents {
    if (first.isFinished) {
      this.#logIfSlow(started, `portal ${portal}`);
      return first.events;
    }
    return this.#timed(`portal ${portal}`, this.#executeRest(portal, maxRows, first), started);
  }

  /** The events of the batches after the first (see `execute`). */
  async *#executeRest(portal: string, maxRows: number, first: ExecuteBatch): AsyncGenerator<QueryEvent> {
    let batch = first;
    yield* batch.events;
    while (!batch.isFinished) {
      batch = await this.#executeBatch(portal, maxRows, batch.sent);
      yield* batch.events;
    }
  }

  /**
   * One fetch of at most `streamBatchRows` rows from the portal (pgwire waits for the socket to
   * drain between batches), up to `maxRows` in all (0: all); `sent` rows went out before it. The
   * tag counts this Execute's rows.
   */
  #executeBatch(portal: string, maxRows: number, sent: number): ExecuteBatch | Promise<ExecuteBatch> {
    const want = maxRows === 0 ? streamBatchRows : Math.min(streamBatchRows, maxRows - sent);
    // A snapshot SELECT's rows come back without a promise (see `Session.executePortalNow`).
    const result = this.#session.executePortalNow(portal, want);
    if (result instanceof Promise) return result.then((later) => this.#batchOf(portal, maxRows, sent, later));
    return this.#batchOf(portal, maxRows, sent, result);
  }

  /** The events of one fetch (see `#executeBatch`). */
  #batchOf(portal: string, maxRows: number, sent: number, result: ExecuteResult): ExecuteBatch {
    if (result.command === "") return { events: [{ kind: "emptyQuery" }], sent, isFinished: true };
    const events: QueryEvent[] = [...this.#notices(result)];
    if (result.rows.length > 0) events.push({ kind: "rows", rows: this.#encodeRows(result, this.#portalFormats.get(portal) ?? []) });
    const total = sent + result.rows.length;
    if (!result.isSuspended) {
      events.push(...this.#parameterStatus(result), { kind: "commandComplete", tag: result.command === "SELECT" ? `SELECT ${total}` : result.commandTag });
      return { events, sent: total, isFinished: true };
    }
    if (maxRows !== 0 && total >= maxRows) {
      events.push({ kind: "portalSuspended" });
      return { events, sent: total, isFinished: true };
    }
    return { events, sent: total, isFinished: false };
  }

  close(kind: "statement" | "portal", name: string): void {
    if (kind === "statement") this.#session.deallocate(name);
    else {
      this.#session.closePortal(name);
      this.#portalFormats.delete(name);
    }
  }

  sync(): void | Promise<void> {
    this.#portalFormats.clear();
    // Without an implicit transaction to commit, Sync needs no promise.
    if (this.#session.syncNow()) return undefined;
    return this.#session.sync();
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

  /** Logs statements slower than the slow-query threshold, timed to the end of their events. */
  async *#timed(what: string, events: AsyncGenerator<QueryEvent>, started = performance.now()): AsyncGenerator<QueryEvent> {
    yield* events;
    this.#logIfSlow(started, what);
  }

  #logIfSlow(started: number, what: string): void {
    const ms = performance.now() - started;
    if (this.#options.slowQueryMs > 0 && ms >= this.#options.slowQueryMs) this.#options.logger.warn("slow query", { ms: Math.round(ms), statement: what.slice(0, 1000) });
  }
}

/** `events`, then `error`: statements that completed before a failing one keep their results. */
async function* eventsThenThrow(events: readonly QueryEvent[], error: unknown): AsyncGenerator<QueryEvent> {
  yield* events;
  throw error;
}

/**
 * `events`, whose `return` also ends `outcomes` even before the first `next`: pgwire abandons a
 * stream unstarted when the socket closed meanwhile, and a generator that never started skips its
 * `finally`, which would leave the engine's statement (and its snapshot) open.
 */
function closingWith(events: AsyncGenerator<QueryEvent>, outcomes: AsyncGenerator<StatementOutcome>): AsyncIterable<QueryEvent> {
  return {
    [Symbol.asyncIterator]: () => ({
      next: () => events.next(),
      return: async (): Promise<IteratorResult<QueryEvent>> => {
        try {
          await events.return(undefined);
        } finally {
          await outcomes.return(undefined);
        }
        return { done: true, value: undefined };
      },
    }),
  };
}

/** What one fetch from a portal gives pgwire, and whether the Execute is done. */
interface ExecuteBatch {
  readonly events: readonly QueryEvent[];
  /** Rows this Execute sent so far, this batch's included. */
  readonly sent: number;
  readonly isFinished: boolean;
}

/** One entry per column, or a single code for every column, or none (all text). */
function formatOf(formats: readonly FormatCode[], index: number): FormatCode {
  if (formats.length === 0) return 0;
  if (formats.length === 1) return formats[0] ?? 0;
  return formats[index] ?? 0;
}

function encodeCell(value: SqlValue, oid: number, isBinary: boolean, settings: Parameters<typeof formatValue>[2]): Cell {
  if (value === null) return null;
  return isBinary ? sendValue(oid, value) : encodeText(formatValue(oid, value, settings));
}

/** Texts up to this long are converted by hand when they are ASCII (see `encodeText`). */
const asciiFastPathChars = 32;

/**
 * UTF-8 of a cell's text. Most cells are short ASCII (numbers, codes, names): for those a loop is
 * several times cheaper than a TextEncoder call, whose C++ crossing dominated encoding a small row.
 */
function encodeText(text: string): Uint8Array {
  const length = text.length;
  if (length > asciiFastPathChars) return utf8.encode(text);
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0x80) return utf8.encode(text);
    bytes[i] = unit;
  }
  return bytes;
}

/** A text cell as a string; short ASCII by hand (see `encodeText`), anything else by the decoder. */
function decodeText(cell: Uint8Array): string {
  if (cell.length > asciiFastPathChars) return utf8Decoder.decode(cell);
  let text = "";
  for (const byte of cell) {
    if (byte >= 0x80) return utf8Decoder.decode(cell);
    text += String.fromCharCode(byte);
  }
  return text;
}

/** A Bind parameter: binary by the declared type's receive function, text as a string (parsed by the engine). */
function decodeParam(cell: Cell, format: FormatCode, oid: number): SqlValue {
  if (cell === null) return null;
  if (format === 1 && oid !== 0 && hasBinaryIo(oid)) return recvValue(oid, cell);
  return decodeText(cell);
}
