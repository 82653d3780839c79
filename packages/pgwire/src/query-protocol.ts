/**
 * The query phase of a connection: simple Query, the extended protocol and Terminate, each turned
 * into Session calls whose results are framed here.
 *
 * Rules kept, as PostgreSQL keeps them:
 * - A Query ends with ReadyForQuery whatever happened; an error ends the Query's statements.
 * - After an error in an extended-protocol message, every message up to the next Sync is
 *   discarded; Sync then reports ReadyForQuery with the session's status.
 * - CopyData/CopyDone/CopyFail outside COPY are ignored (the client may still be sending after a
 *   COPY failed). FunctionCall is answered 0A000.
 * - Output is flushed at ReadyForQuery, Flush and whenever the connection waits for input.
 */
import { assert, assertNever, DbError, FeatureNotSupportedError } from "@omnikv/base";
import type { QueryEvent, QueryEvents, Session } from "./backend.ts";
import {
  writeEmpty,
  writeErrorOrNotice,
  writeParameterDescription,
  writeReadyForQuery,
  writeRowDescription,
} from "./codec/backend-messages.ts";
import type { FrontendMessage } from "./codec/frontend-messages.ts";
import type { ConnectionPort } from "./connection-port.ts";
import { MalformedMessageError } from "./errors.ts";
import { errorFieldsOf } from "./error-fields.ts";
import { streamEvents, writeEventsNow } from "./result-stream.ts";

export class QueryProtocol {
  readonly #session: Session;
  readonly #port: ConnectionPort;
  #isSkippingUntilSync = false;

  constructor(session: Session, port: ConnectionPort) {
    this.#session = session;
    this.#port = port;
  }

  /** Serves messages until Terminate or end of input. MalformedMessageError escapes (FATAL). */
  async serve(): Promise<void> {
    for (;;) {
      // A message already buffered is taken without a promise: pipelined Bind/Describe/Execute/
      // Sync arrive in one packet, and a tick per message was a tenth of a point select.
      const message = this.#port.nextBufferedMessage() ?? (await this.#port.nextMessage());
      if (message === undefined || message.kind === "terminate") return;
      if (this.#isSkippingUntilSync && message.kind !== "sync") continue;
      if (message.kind === "query") {
        const pending = this.#simpleQuery(message.sql);
        if (pending !== undefined) await pending;
        continue;
      }
      try {
        const pending = this.#extended(message);
        if (pending !== undefined) await pending;
      } catch (error) {
        if (error instanceof MalformedMessageError) throw error;
        this.#sendError(error);
        if (message.kind !== "sync") this.#isSkippingUntilSync = true;
        else this.#readyForQuery();
      }
    }
  }

  /**
   * A Query. Answered within this call (undefined) when the Session returns its events as a plain
   * array and the socket is not backed up, the common case of a short OLTP statement; else the
   * promise of the answer, streamed with backpressure.
   */
  #simpleQuery(sql: string): Promise<void> | undefined {
    let events: QueryEvents | Promise<QueryEvents>;
    try {
      if (sql.trim() === "") {
        writeEmpty(this.#port.writer.out, "I");
        this.#readyForQuery();
        return undefined;
      }
      events = this.#session.simpleQuery(sql);
      if (isHeldInFull(events) && !this.#port.writer.isBackedUp && !this.#port.isClosed) {
        writeEventsNow(this.#port, events);
        this.#readyForQuery();
        return undefined;
      }
    } catch (error) {
      if (error instanceof MalformedMessageError) throw error;
      this.#sendError(error);
      this.#readyForQuery();
      return undefined;
    }
    return this.#streamQuery(events);
  }

  async #streamQuery(events: QueryEvents | Promise<QueryEvents>): Promise<void> {
    try {
      await streamEvents(events, this.#port, { isExecute: false, maxRows: 0 });
    } catch (error) {
      if (error instanceof MalformedMessageError) throw error;
      this.#sendError(error);
    }
    this.#readyForQuery();
  }

  /**
   * One extended-protocol message. Undefined when it was handled synchronously (the Session
   * answered without a promise), else the promise of its completion; either may throw.
   */
  #extended(message: Exclude<FrontendMessage, { kind: "query" | "terminate" }>): Promise<void> | undefined {
    const out = this.#port.writer.out;
    switch (message.kind) {
      case "parse":
        return then(this.#session.parse(message.name, message.sql, message.paramTypeOids), () => writeEmpty(out, "1"));
      case "bind":
        return then(this.#session.bind(message), () => writeEmpty(out, "2"));
      case "describe":
        return this.#describe(message.target, message.name);
      case "execute":
        return this.#execute(message.portal, message.maxRows);
      case "close":
        return then(this.#session.close(message.target, message.name), () => writeEmpty(out, "3"));
      case "sync":
        return then(this.#session.sync(), () => this.#readyForQuery());
      case "flush":
        this.#port.writer.flush();
        return undefined;
      case "copyData":
      case "copyDone":
      case "copyFail":
        return undefined;
      case "functionCall":
        throw new FeatureNotSupportedError("fastpath function calls are not supported");
      case "password":
        throw new MalformedMessageError("unexpected password message after authentication");
      default:
        return assertNever(message);
    }
  }

  /** Execute: written at once when the Session holds the events in full (a point select), else streamed. */
  #execute(portal: string, maxRows: number): Promise<void> | undefined {
    const events = this.#session.execute(portal, maxRows);
    const mode = { isExecute: true, maxRows };
    if (isHeldInFull(events) && !this.#port.writer.isBackedUp && !this.#port.isClosed) {
      writeEventsNow(this.#port, events, mode);
      return undefined;
    }
    return streamEvents(events, this.#port, mode);
  }

  #describe(target: "statement" | "portal", name: string): Promise<void> | undefined {
    const out = this.#port.writer.out;
    if (target === "statement") {
      return then(this.#session.describeStatement(name), (description) => {
        writeParameterDescription(out, description.paramTypeOids);
        if (description.fields === null) writeEmpty(out, "n");
        else writeRowDescription(out, description.fields);
      });
    }
    return then(this.#session.describePortal(name), (fields) => {
      if (fields === null) writeEmpty(out, "n");
      else writeRowDescription(out, fields);
    });
  }

  #readyForQuery(): void {
    this.#isSkippingUntilSync = false;
    const status = this.#session.transactionStatus;
    assert(status === "I" || status === "T" || status === "E", "transaction status is I, T or E");
    writeReadyForQuery(this.#port.writer.out, status);
    // A client that already sent more (pipelining) gets this answer now: what it sent next may run
    // long, and nothing makes it wait for that. Otherwise the answer goes out with the others at the
    // end of the event loop's turn.
    if (this.#port.reader.bufferedSizeBytes > 0) this.#port.writer.flush();
    else this.#port.writer.flushSoon();
  }

  #sendError(error: unknown): void {
    const fields = errorFieldsOf(error, "ERROR");
    if (!(error instanceof DbError)) this.#port.host.options.onInternalError(error);
    writeErrorOrNotice(this.#port.writer.out, "E", fields);
  }
}

/** `next(value)` now when `value` is not a promise (undefined returned), else once it resolves. */
function then<T>(value: T | Promise<T>, next: (resolved: T) => void): Promise<void> | undefined {
  if (value instanceof Promise) return value.then(next);
  next(value);
  return undefined;
}

/** Whether a Session's answer is a plain array of events that needs no driving (no COPY FROM STDIN). */
function isHeldInFull(events: QueryEvents | Promise<QueryEvents>): events is readonly QueryEvent[] {
  if (!Array.isArray(events)) return false;
  const held: readonly QueryEvent[] = events;
  return held.every((event) => event.kind !== "copyIn");
}
