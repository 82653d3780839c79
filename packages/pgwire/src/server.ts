/**
 * `PgServer`: a TCP listener (127.0.0.1 by default) that runs one `Connection` per client over a
 * `Backend`. It owns the server-wide state: the session-slot count behind `maxConnections`, the
 * cancel keys (process id + secret) that CancelRequest matches, and the TLS context.
 *
 * Invariants: `sessionCount <= maxConnections`; a cancel key maps to a live connection only; a
 * failure in one connection never reaches the listener or another connection; `close()` stops
 * accepting, destroys every socket and resolves once every connection has released its session.
 */
import { assert } from "@omnikv/base";
import { randomBytes, randomInt } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import { createSecureContext, type SecureContext } from "node:tls";
import { Connection } from "./connection.ts";
import type { Cancelable, ConnectionHost } from "./connection-port.ts";
import { resolveServerOptions, type PgServerOptions, type ResolvedServerOptions } from "./server-options.ts";

/** Sockets still in startup, beyond `maxConnections`, before new ones are dropped unanswered. */
const startupSocketsReserve = 64;

export class PgServer implements ConnectionHost {
  readonly options: ResolvedServerOptions;
  readonly tlsContext: SecureContext | undefined;
  readonly #server: Server;
  readonly #connections = new Set<Connection>();
  readonly #running = new Set<Promise<void>>();
  readonly #cancelKeys = new Map<number, { readonly secretKey: number; readonly target: Cancelable }>();
  #sessionCount = 0;
  #nextProcessId = randomInt(1000, 1 << 22);

  constructor(options: PgServerOptions) {
    this.options = resolveServerOptions(options);
    const tls = this.options.tls;
    this.tlsContext = tls === undefined ? undefined : createSecureContext({ cert: tls.cert, key: tls.key });
    this.#server = createServer((socket) => this.#accept(socket));
    this.#server.maxConnections = this.options.maxConnections + startupSocketsReserve;
  }

  /** Starts listening; resolves with the bound port (useful with port 0). */
  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen(this.options.port, this.options.host, () => {
        this.#server.off("error", reject);
        resolve();
      });
    });
    return this.port;
  }

  get port(): number {
    const address = this.#server.address();
    assert(address !== null && typeof address === "object", "the server is listening on TCP");
    return address.port;
  }

  /** Sessions past startup (or in it, holding a slot). */
  get sessionCount(): number {
    return this.#sessionCount;
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
    });
    for (const connection of this.#connections) connection.destroy();
    await Promise.all(this.#running);
    await closed;
    assert(this.#sessionCount === 0, "every session slot is released at close");
  }

  tryAcquireSessionSlot(): boolean {
    if (this.#sessionCount >= this.options.maxConnections) return false;
    this.#sessionCount += 1;
    return true;
  }

  releaseSessionSlot(): void {
    assert(this.#sessionCount > 0, "a released slot was acquired");
    this.#sessionCount -= 1;
  }

  registerCancelKey(target: Cancelable, preferred?: number): { readonly processId: number; readonly secretKey: number } {
    const isPreferredFree = preferred !== undefined && Number.isInteger(preferred) && preferred > 0 && preferred <= 0x7fff_ffff && !this.#cancelKeys.has(preferred);
    let processId: number;
    if (isPreferredFree) {
      processId = preferred;
    } else {
      while (this.#cancelKeys.has(this.#nextProcessId)) this.#nextProcessId = (this.#nextProcessId % 0x7fff_fff0) + 1;
      processId = this.#nextProcessId;
      this.#nextProcessId = (this.#nextProcessId % 0x7fff_fff0) + 1;
    }
    const secretKey = randomBytes(4).readInt32BE(0);
    this.#cancelKeys.set(processId, { secretKey, target });
    return { processId, secretKey };
  }

  unregisterCancelKey(processId: number): void {
    const isDeleted = this.#cancelKeys.delete(processId);
    assert(isDeleted, "a cancel key is unregistered once");
  }

  /** CancelRequest: a wrong secret is ignored silently, as PostgreSQL does. */
  cancel(processId: number, secretKey: number): void {
    const entry = this.#cancelKeys.get(processId);
    if (entry !== undefined && entry.secretKey === secretKey) entry.target.cancel();
  }

  #accept(socket: Socket): void {
    const connection = new Connection(socket, this);
    this.#connections.add(connection);
    const running = connection.run().finally(() => {
      this.#connections.delete(connection);
      this.#running.delete(running);
    });
    this.#running.add(running);
  }
}
