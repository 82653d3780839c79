/**
 * `PgServer`: a TCP listener (127.0.0.1 by default), and optionally Unix-domain sockets, that runs
 * one `Connection` per client over a `Backend`. It owns the server-wide state: the session-slot count behind `maxConnections`, the
 * cancel keys (process id + secret) that CancelRequest matches, and the TLS context.
 *
 * Invariants: `sessionCount <= maxConnections`; a cancel key maps to a live connection only; a
 * failure in one connection never reaches the listener or another connection; `close()` stops
 * accepting, destroys every socket and resolves once every connection has released its session.
 */
import { assert } from "@omnikv/base";
import { randomBytes, randomInt } from "node:crypto";
import { chmodSync, lstatSync, unlinkSync } from "node:fs";
import { connect, createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { createSecureContext, type SecureContext } from "node:tls";
import { Connection } from "./connection.ts";
import type { Cancelable, ConnectionHost } from "./connection-port.ts";
import { resolveServerOptions, type PgServerOptions, type ResolvedServerOptions } from "./server-options.ts";

/** Sockets still in startup, beyond `maxConnections`, before new ones are dropped unanswered. */
const startupSocketsReserve = 64;

/** The longest Unix-domain socket path Linux takes: `sun_path` holds 108 bytes with the final NUL. */
export const unixSocketPathBytesMax = 107;

/** The socket PostgreSQL clients look for in a directory given as their host: `DIR/.s.PGSQL.PORT`. */
export function unixSocketPath(directory: string, port: number): string {
  return join(directory, `.s.PGSQL.${port}`);
}

export class PgServer implements ConnectionHost {
  readonly options: ResolvedServerOptions;
  readonly tlsContext: SecureContext | undefined;
  readonly #server: Server;
  readonly #unixServers: Server[] = [];
  readonly #unixSocketPaths: string[] = [];
  #isClosed = false;
  readonly #connections = new Set<Connection>();
  readonly #running = new Set<Promise<void>>();
  readonly #cancelKeys = new Map<number, { readonly secretKey: number; readonly target: Cancelable }>();
  #sessionCount = 0;
  #nextProcessId = randomInt(1000, 1 << 22);

  constructor(options: PgServerOptions) {
    this.options = resolveServerOptions(options);
    const tls = this.options.tls;
    this.tlsContext = tls === undefined ? undefined : createSecureContext({ cert: tls.cert, key: tls.key });
    this.#server = this.#newListener(false);
  }

  #newListener(isLocal: boolean): Server {
    return createServer((socket) => this.#accept(socket, isLocal));
  }

  /**
   * Starts listening on TCP, then in each of `unixSocketDirectories` (the socket takes the TCP
   * port's number, as PostgreSQL's does); resolves with the bound port (useful with port 0). If any
   * socket fails, the server is closed (clients accepted meanwhile included) and nothing is left
   * listening: PostgreSQL 15 instead carries on when at least one socket could be made.
   */
  async listen(): Promise<number> {
    await listenOn(this.#server, (done) => this.#server.listen(this.options.port, this.options.host, done));
    try {
      for (const directory of this.options.unixSocketDirectories) await this.#listenInDirectory(directory);
    } catch (error) {
      await this.close();
      throw error;
    }
    return this.port;
  }

  async #listenInDirectory(directory: string): Promise<void> {
    const path = unixSocketPath(directory, this.port);
    if (Buffer.byteLength(path) > unixSocketPathBytesMax) {
      throw new Error(`Unix-domain socket path "${path}" is longer than ${unixSocketPathBytesMax} bytes; choose a shorter directory`);
    }
    await removeStaleSocket(path);
    const server = this.#newListener(true);
    await listenOn(server, (done) => server.listen(path, done));
    if (this.#isClosed) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      throw new Error("the server was closed while it started listening");
    }
    this.#unixServers.push(server);
    this.#unixSocketPaths.push(path);
    chmodSync(path, this.options.unixSocketPermissions);
  }

  /** The Unix-domain sockets being listened on. */
  get unixSocketPaths(): readonly string[] {
    return this.#unixSocketPaths;
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
    this.#isClosed = true;
    const closed = this.#closeListeners();
    for (const connection of this.#connections) connection.destroy();
    await Promise.all(this.#running);
    await closed;
    assert(this.#sessionCount === 0, "every session slot is released at close");
  }

  /** Stops accepting; closing a Unix-domain listener removes its socket file. */
  async #closeListeners(): Promise<void> {
    const servers = [this.#server, ...this.#unixServers.splice(0)];
    this.#unixSocketPaths.length = 0;
    await Promise.all(servers.map(async (server) => new Promise<void>((resolve) => server.close(() => resolve()))));
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

  #accept(socket: Socket, isLocal: boolean): void {
    // One bound over every listener (TCP and sockets alike); sessions past `maxConnections` get 53300.
    if (this.#connections.size >= this.options.maxConnections + startupSocketsReserve) {
      socket.destroy();
      return;
    }
    const connection = new Connection(socket, this, isLocal);
    this.#connections.add(connection);
    const running = connection.run().finally(() => {
      this.#connections.delete(connection);
      this.#running.delete(running);
    });
    this.#running.add(running);
  }
}

/** Listens through `start(done)`, rejecting on the listener's error (a port or path in use). */
async function listenOn(server: Server, start: (done: () => void) => void): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    start(() => {
      server.off("error", reject);
      resolve();
    });
  });
}

/**
 * Clears the way for a socket at `path`: a socket file whose connect is refused is what a killed
 * server leaves behind, and is removed; a socket that accepts, or one the probe cannot judge (a
 * full backlog gives EAGAIN, another user's socket EACCES), or a file that is not a socket, is an
 * error: only a refusal proves nobody is there. (PostgreSQL guards the path with a lock file
 * naming its pid; this has no file of its own to clean up, and two servers starting at the same
 * instant on one path are not told apart.)
 */
async function removeStaleSocket(path: string): Promise<void> {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch (error) {
    if (errorCode(error) === "ENOENT") return;
    throw error;
  }
  if (!isSocket) throw new Error(`"${path}" exists and is not a socket; remove it or choose another directory`);
  const probe = await probeSocket(path);
  if (probe === "answering") throw new Error(`another server is listening on "${path}"`);
  if (probe === "refused") unlinkSync(path);
  else if (probe !== "gone") throw new Error(`could not tell whether a server is listening on "${path}" (${probe}); remove it if none is`);
}

/** Connects to the socket at `path`: whether it accepts, refuses, has gone, or else the error code. */
async function probeSocket(path: string): Promise<string> {
  return new Promise((resolve) => {
    const probe = connect(path);
    probe.once("connect", () => {
      probe.destroy();
      resolve("answering");
    });
    probe.once("error", (error) => {
      const code = errorCode(error);
      resolve(code === "ECONNREFUSED" ? "refused" : code === "ENOENT" ? "gone" : (code ?? error.message));
    });
  });
}

function errorCode(error: unknown): string | undefined {
  return error instanceof Error && "code" in error && typeof error.code === "string" ? error.code : undefined;
}
