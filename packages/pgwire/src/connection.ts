/**
 * One client connection, as a single coroutine: startup (SSL/GSSENC negotiation, StartupMessage,
 * authentication, ParameterStatus, BackendKeyData), then the query protocol until Terminate or EOF.
 * Input arrives through `data` events into a `MessageReader`; the coroutine pulls whole messages
 * with `nextMessage()`, flushing pending output before it waits, so a client never waits on output
 * the server still holds.
 *
 * Invariants: at most one Session method runs at a time; any FATAL is written, flushed and followed
 * by closing the socket; whatever happens, `finally` releases the session slot, the cancel key and
 * the Session (`end()`), and the socket is closed. Nothing a client sends can throw past `run()`.
 */
import { assert, DbError } from "@omnikv/base";
import type { Socket } from "node:net";
import { TLSSocket, type SecureContext } from "node:tls";
import type { ConnectionHost, ConnectionPort } from "./connection-port.ts";
import type { Duplex } from "node:stream";
import { localAddress } from "./auth/hba.ts";
import type { Session } from "./backend.ts";
import { writeErrorOrNotice } from "./codec/backend-messages.ts";
import { decodeFrontendMessage, type FrontendMessage } from "./codec/frontend-messages.ts";
import { MessageReader, type RawMessage } from "./codec/message-reader.ts";
import { MessageWriter } from "./codec/message-writer.ts";
import { MalformedMessageError } from "./errors.ts";
import { ConnectionRefusal, errorFieldsOf } from "./error-fields.ts";
import { QueryProtocol } from "./query-protocol.ts";
import { runStartup } from "./startup.ts";

/** Unread input above this pauses the socket until the coroutine catches up. */
const inputBufferedBytesHigh = 1024 * 1024;
/** After a FATAL, how long a client that does not read gets before the socket is destroyed. */
const closeGraceMs = 2000;

export class Connection implements ConnectionPort {
  readonly host: ConnectionHost;
  readonly remoteAddress: string;
  /** Whether the client came through a Unix-domain socket (`remoteAddress` is then "[local]"). */
  readonly isLocal: boolean;
  readonly reader: MessageReader;
  readonly writer: MessageWriter;
  #socket: Duplex;
  #isTls = false;
  #isClosed = false;
  #wakeInput: (() => void) | undefined;
  #session: Session | undefined;
  #processId: number | undefined;
  #hasSessionSlot = false;
  #startupTimer: NodeJS.Timeout | undefined;

  constructor(socket: Socket, host: ConnectionHost, isLocal = false) {
    this.host = host;
    this.#socket = socket;
    this.isLocal = isLocal;
    this.remoteAddress = isLocal ? localAddress : (socket.remoteAddress ?? "unknown");
    this.reader = new MessageReader(host.options.messageSizeBytesMax);
    this.writer = new MessageWriter(socket);
    socket.setNoDelay(true);
    this.#attach(socket);
    this.#startupTimer = setTimeout(() => this.destroy(), host.options.startupTimeoutMs);
  }

  get isTls(): boolean {
    return this.#isTls;
  }

  get isClosed(): boolean {
    return this.#isClosed;
  }

  /** Drives the connection to its end; never rejects. */
  async run(): Promise<void> {
    try {
      const session = await runStartup(this);
      if (session === undefined) return;
      await new QueryProtocol(session, this).serve();
    } catch (error) {
      this.#sendFatal(error);
    } finally {
      await this.#release();
    }
  }

  /** Sets the session once startup succeeded: cancel keys and cleanup now refer to it. */
  acquireSession(session: Session, processId: number): void {
    assert(this.#session === undefined, "a connection has one session");
    this.#session = session;
    this.#processId = processId;
    clearTimeout(this.#startupTimer);
    this.#startupTimer = undefined;
  }

  acquireSessionSlot(): boolean {
    assert(!this.#hasSessionSlot, "a connection takes one session slot");
    this.#hasSessionSlot = this.host.tryAcquireSessionSlot();
    return this.#hasSessionSlot;
  }

  cancel(): void {
    this.#session?.cancel();
  }

  /** The next raw message, or undefined at end of input. Throws 08P01 on a bad frame. */
  async nextRawMessage(): Promise<RawMessage | undefined> {
    for (;;) {
      const message = this.reader.next();
      if (message !== undefined) return message;
      if (this.#isClosed) return undefined;
      this.writer.flushSoon();
      if (this.#socket.isPaused()) this.#socket.resume();
      await new Promise<void>((resolve) => {
        this.#wakeInput = resolve;
      });
    }
  }

  async nextMessage(): Promise<FrontendMessage | undefined> {
    const raw = await this.nextRawMessage();
    return raw === undefined ? undefined : decodeFrontendMessage(raw);
  }

  nextBufferedMessage(): FrontendMessage | undefined {
    const raw = this.reader.next();
    return raw === undefined ? undefined : decodeFrontendMessage(raw);
  }

  /** Answers SSLRequest with 'S' and continues over TLS. */
  upgradeToTls(context: SecureContext): void {
    assert(!this.#isTls, "TLS is negotiated once");
    if (this.reader.bufferedSizeBytes > 0) throw new MalformedMessageError("received unencrypted data after SSL request");
    this.writer.out.int8("S".charCodeAt(0));
    this.writer.flush();
    const plain = this.#socket;
    plain.removeAllListeners("data");
    const secure = new TLSSocket(plain, { isServer: true, secureContext: context });
    this.#socket = secure;
    this.#isTls = true;
    this.writer.replaceSocket(secure);
    this.#attach(secure);
  }

  destroy(): void {
    // What a flushSoon still holds (a COMMIT's answer, say) reaches the kernel before the socket goes.
    this.writer.flush();
    this.#socket.destroy();
  }

  #attach(socket: Duplex): void {
    socket.on("data", (chunk: Buffer) => {
      this.reader.push(chunk);
      if (this.reader.bufferedSizeBytes > inputBufferedBytesHigh) socket.pause();
      this.#wake();
    });
    socket.on("error", () => {
      // A reset or TLS failure: 'close' follows and ends the coroutine.
    });
    socket.on("close", () => {
      this.#isClosed = true;
      this.writer.releaseWaiters();
      this.#session?.cancel();
      this.#wake();
    });
  }

  #wake(): void {
    const wake = this.#wakeInput;
    this.#wakeInput = undefined;
    wake?.();
  }

  #sendFatal(error: unknown): void {
    if (!(error instanceof DbError) && !(error instanceof ConnectionRefusal)) this.host.options.onInternalError(error);
    if (this.#isClosed) return;
    const fields = error instanceof ConnectionRefusal ? error.fields : errorFieldsOf(error, "FATAL");
    writeErrorOrNotice(this.writer.out, "E", { ...fields, severity: "FATAL" });
    this.writer.flush();
  }

  async #release(): Promise<void> {
    clearTimeout(this.#startupTimer);
    if (this.#hasSessionSlot) this.host.releaseSessionSlot();
    this.#hasSessionSlot = false;
    if (this.#processId !== undefined) this.host.unregisterCancelKey(this.#processId);
    const session = this.#session;
    this.#session = undefined;
    try {
      await session?.end();
    } catch (error) {
      this.host.options.onInternalError(error);
    }
    this.writer.flush();
    const socket = this.#socket;
    socket.end();
    setTimeout(() => socket.destroy(), closeGraceMs).unref();
  }
}
