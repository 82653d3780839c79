/**
 * The seams between a connection and the code that drives it: `ConnectionHost` is what the server
 * gives each connection (limits, cancel keys, TLS), `ConnectionPort` is what the startup and query
 * protocols need from a connection (messages in, buffered output, TLS upgrade). Declared apart so
 * the protocol modules never import the connection class.
 */
import type { SecureContext } from "node:tls";
import type { Session } from "./backend.ts";
import type { FrontendMessage } from "./codec/frontend-messages.ts";
import type { MessageReader, RawMessage } from "./codec/message-reader.ts";
import type { MessageWriter } from "./codec/message-writer.ts";
import type { ResolvedServerOptions } from "./server-options.ts";

/** What a CancelRequest reaches. */
export interface Cancelable {
  cancel(): void;
}

export interface ConnectionHost {
  readonly options: ResolvedServerOptions;
  readonly tlsContext: SecureContext | undefined;
  tryAcquireSessionSlot(): boolean;
  releaseSessionSlot(): void;
  /** `preferred`: the Session's own process id (its `pg_backend_pid()`), used when free. */
  registerCancelKey(target: Cancelable, preferred?: number): { readonly processId: number; readonly secretKey: number };
  unregisterCancelKey(processId: number): void;
  cancel(processId: number, secretKey: number): void;
}

export interface ConnectionPort extends Cancelable {
  readonly host: ConnectionHost;
  readonly remoteAddress: string;
  /** Whether the client came through a Unix-domain socket. */
  readonly isLocal: boolean;
  readonly reader: MessageReader;
  readonly writer: MessageWriter;
  readonly isTls: boolean;
  readonly isClosed: boolean;
  /** The next framed message, or undefined at end of input; flushes output before waiting. */
  nextRawMessage(): Promise<RawMessage | undefined>;
  nextMessage(): Promise<FrontendMessage | undefined>;
  /** The next message if one is wholly buffered, else undefined (then `nextMessage` waits for it). */
  nextBufferedMessage(): FrontendMessage | undefined;
  upgradeToTls(context: SecureContext): void;
  acquireSessionSlot(): boolean;
  acquireSession(session: Session, processId: number): void;
}
