/**
 * Frames a Session's `QueryEvent` stream onto the connection, with backpressure: before pulling
 * each event it waits while the socket is backed up, so a slow reader holds the producer instead of
 * making the server buffer the result. COPY FROM STDIN is driven from here too: after `copyIn` the
 * client's CopyData goes to the sink until CopyDone (or CopyFail, which ends the statement with
 * 57014), and then the stream continues with the statement's CommandComplete.
 *
 * Invariants (a Session breaking one is a programmer error): Execute streams carry no
 * RowDescription and at most `maxRows` rows before PortalSuspended; CopyData only follows copyOut.
 */
import { assert } from "@omnikv/base";
import type { CopyInSink, QueryEvent, QueryEvents } from "./backend.ts";
import {
  writeCommandComplete,
  writeCopyData,
  writeCopyResponse,
  writeDataRow,
  writeEmpty,
  writeErrorOrNotice,
  writeParameterStatus,
  writeRowDescription,
} from "./codec/backend-messages.ts";
import type { ConnectionPort } from "./connection-port.ts";
import { MalformedMessageError, QueryCanceledError } from "./errors.ts";

export interface StreamMode {
  readonly isExecute: boolean;
  /** Execute's row limit; 0 = none. */
  readonly maxRows: number;
}

interface StreamState {
  rowCount: number;
  isInCopyOut: boolean;
}

export async function streamEvents(source: QueryEvents | Promise<QueryEvents>, port: ConnectionPort, mode: StreamMode): Promise<void> {
  const events = source instanceof Promise ? await source : source;
  // A synchronous iterable (a result the Session already holds, such as a point select's row) is
  // read without a promise tick per event; only the socket's backpressure is awaited, as for a stream.
  const asyncIterator = Symbol.asyncIterator in events ? events[Symbol.asyncIterator]() : undefined;
  const syncIterator = Symbol.asyncIterator in events ? undefined : events[Symbol.iterator]();
  const state: StreamState = { rowCount: 0, isInCopyOut: false };
  let isDone = false;
  try {
    for (;;) {
      if (port.writer.isBackedUp) await port.writer.waitForDrain();
      if (port.isClosed) return;
      const next = asyncIterator === undefined ? syncIterator?.next() : await asyncIterator.next();
      if (next === undefined || next.done === true) break;
      if (next.value.kind === "copyIn") {
        await driveCopyIn(port, next.value.sink, next.value);
        continue;
      }
      writeEvent(port, next.value, mode, state);
      port.writer.flushIfLarge();
    }
    isDone = true;
  } finally {
    // An error, a closed socket or CopyFail: let the Session release what the statement holds.
    if (!isDone) {
      syncIterator?.return?.();
      await asyncIterator?.return?.();
    }
  }
}

/**
 * A Query's or Execute's events the Session already holds in full (an array), written in one go:
 * what `streamEvents` does for them, without its promise. The caller checks the socket is not backed
 * up first; such an answer is a bounded batch (the Session streams anything larger).
 */
export function writeEventsNow(port: ConnectionPort, events: readonly QueryEvent[], mode: StreamMode = { isExecute: false, maxRows: 0 }): void {
  const state: StreamState = { rowCount: 0, isInCopyOut: false };
  for (const event of events) {
    assert(event.kind !== "copyIn", "a COPY FROM STDIN is streamed, never answered at once");
    writeEvent(port, event, mode, state);
  }
  port.writer.flushIfLarge();
}

function writeEvent(port: ConnectionPort, event: Exclude<QueryEvent, { kind: "copyIn" }>, mode: StreamMode, state: StreamState): void {
  const out = port.writer.out;
  switch (event.kind) {
    case "rowDescription":
      assert(!mode.isExecute, "Execute results carry no RowDescription (Describe sends it)");
      return writeRowDescription(out, event.fields);
    case "rows":
      state.rowCount += event.rows.length;
      assert(mode.maxRows === 0 || state.rowCount <= mode.maxRows, "Execute yields at most maxRows rows");
      for (const row of event.rows) writeDataRow(out, row);
      return;
    case "commandComplete":
      if (state.isInCopyOut) writeEmpty(out, "c");
      state.isInCopyOut = false;
      state.rowCount = 0;
      return writeCommandComplete(out, event.tag);
    case "emptyQuery":
      return writeEmpty(out, "I");
    case "portalSuspended":
      assert(mode.isExecute && mode.maxRows > 0 && state.rowCount === mode.maxRows, "PortalSuspended follows exactly maxRows rows");
      return writeEmpty(out, "s");
    case "notice":
      return writeErrorOrNotice(out, "N", event.notice);
    case "parameterStatus":
      return writeParameterStatus(out, event.name, event.value);
    case "copyOut":
      state.isInCopyOut = true;
      return writeCopyResponse(out, "H", event.format, event.columnFormats);
    case "copyData":
      assert(state.isInCopyOut, "CopyData follows CopyOutResponse");
      return writeCopyData(out, event.data);
  }
}

async function driveCopyIn(port: ConnectionPort, sink: CopyInSink, event: Extract<QueryEvent, { kind: "copyIn" }>): Promise<void> {
  writeCopyResponse(port.writer.out, "G", event.format, event.columnFormats);
  port.writer.flush();
  for (;;) {
    const message = await port.nextMessage();
    if (message === undefined) {
      await sink.abort("connection closed");
      throw new QueryCanceledError("COPY from stdin failed: connection closed");
    }
    if (message.kind === "copyData") {
      await sink.write(message.data);
    } else if (message.kind === "copyDone") {
      return sink.finish();
    } else if (message.kind === "copyFail") {
      await sink.abort(message.message);
      throw new QueryCanceledError(`COPY from stdin failed: ${message.message}`);
    } else if (message.kind !== "flush" && message.kind !== "sync") {
      // Flush and Sync are ignored during COPY IN, as PostgreSQL does (a pipelining client may send them early).
      await sink.abort("unexpected message");
      throw new MalformedMessageError(`unexpected message type ${message.kind} during COPY from stdin`);
    }
  }
}
