/**
 * The HTTP API (off unless `--http-port` is given), on its own port, over TLS when the server has
 * a certificate:
 *
 *   POST   /sql        {"sql": "...", "params": ["1", null]}  → {"results": [{command, rowCount, fields, rows}]}
 *   GET    /kv/<key>   → the value's bytes (404 when absent)
 *   PUT    /kv/<key>   ← the value's bytes                    → 204
 *   DELETE /kv/<key>                                          → 204 (404 when absent)
 *
 * Every request carries `Authorization: Bearer <credential>`: a JWT (HS256, signed with the data
 * directory's token secret; `omnikv token` mints them) whose `role` claim names a SQL role, or an
 * API key (`omnikv apikey`; stored hashed). The request runs in a session of that role, so SQL
 * privileges apply exactly as over pgwire. The KV interface is the table `omnikv_kv.entries`
 * (key text primary key, value bytea): GET needs SELECT on it, PUT INSERT and UPDATE, DELETE
 * DELETE (and USAGE on the schema), granted like any table's.
 *
 * Values in /sql results are PostgreSQL's text output (NULL is null), exact for every type;
 * `fields` gives each column's type OID. Errors are JSON {"error": {sqlstate, message, position?}}
 * with 401 (authentication), 403 (42501), 404, 405, 413 (body over the limit), 400 (any other SQL
 * error) or 500.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { TypeOid, formatValue, type SqlValue } from "@omnikv/base";
import type { Database, QueryResult, Session } from "@omnikv/engine";
import { apiKeyId, apiKeyMatches, verifyToken, type ApiKeyRecord, type JwtVerifyingKey } from "@omnikv/security";
import type { Logger } from "./logger.ts";

/** The largest request body accepted (SQL text or a KV value). */
export const httpBodyBytesMax = 1024 * 1024;
/** The longest KV key, in bytes of UTF-8. */
export const kvKeyBytesMax = 1024;

export const kvSchemaSql = [
  "CREATE SCHEMA IF NOT EXISTS omnikv_kv",
  "CREATE TABLE IF NOT EXISTS omnikv_kv.entries (key text PRIMARY KEY, value bytea NOT NULL)",
];

export interface HttpApiOptions {
  readonly db: Database;
  readonly host: string;
  readonly port: number;
  readonly tls?: { readonly cert: Uint8Array; readonly key: Uint8Array };
  readonly tokenKey: JwtVerifyingKey;
  /** The stored API keys (read per request, so keys added by `omnikv apikey` work at once). */
  readonly apiKeys: () => readonly ApiKeyRecord[];
  readonly logger: Logger;
}

export interface RunningHttpApi {
  readonly port: number;
  close(): Promise<void>;
}

/** An error answered with an HTTP status and a JSON body. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly sqlstate: string,
    message: string,
  ) {
    super(message);
  }
}

export async function startHttpApi(options: HttpApiOptions): Promise<RunningHttpApi> {
  await ensureKvTable(options.db);
  const handler = (request: IncomingMessage, response: ServerResponse): void => {
    handle(options, request, response).catch((error: unknown) => {
      options.logger.error("http api internal error", { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      if (!response.headersSent) sendJson(response, 500, { error: { sqlstate: "XX000", message: "internal error" } });
      else response.destroy();
    });
  };
  const server: Server = options.tls === undefined ? createHttpServer(handler) : createHttpsServer({ cert: Buffer.from(options.tls.cert), key: Buffer.from(options.tls.key) }, handler);
  server.requestTimeout = 60_000;
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address !== null ? (address satisfies AddressInfo).port : options.port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function ensureKvTable(db: Database): Promise<void> {
  const session = db.connect();
  try {
    for (const sql of kvSchemaSql) await session.query(sql);
  } finally {
    await session.close();
  }
}

async function handle(options: HttpApiOptions, request: IncomingMessage, response: ServerResponse): Promise<void> {
  try {
    const url = new URL(request.url ?? "/", "http://localhost");
    const route = routeOf(request.method ?? "GET", url.pathname);
    const role = await authenticate(options, request.headers.authorization);
    const body = await readBody(request);
    const session = connectAs(options.db, role);
    try {
      await route(session, body, response);
    } finally {
      await session.close();
    }
  } catch (error) {
    const failure = httpErrorOf(error);
    const headers: Record<string, string> = failure.status === 401 ? { "www-authenticate": 'Bearer realm="omnikv"' } : {};
    const position = typeof error === "object" && error !== null && "position" in error && typeof error.position === "number" ? { position: error.position } : {};
    sendJson(response, failure.status, { error: { sqlstate: failure.sqlstate, message: failure.message, ...position } }, headers);
  }
}

type Route = (session: Session, body: Buffer, response: ServerResponse) => Promise<void>;

function routeOf(method: string, pathname: string): Route {
  if (pathname === "/sql") {
    if (method !== "POST") throw new HttpError(405, "42601", "use POST /sql");
    return runSql;
  }
  if (pathname.startsWith("/kv/")) {
    const key = kvKey(pathname.slice("/kv/".length));
    if (method === "GET") return (session, _body, response) => kvGet(session, key, response);
    if (method === "PUT") return (session, body, response) => kvPut(session, key, body, response);
    if (method === "DELETE") return (session, _body, response) => kvDelete(session, key, response);
    throw new HttpError(405, "42601", "use GET, PUT or DELETE on /kv/<key>");
  }
  throw new HttpError(404, "42704", `no such endpoint: ${pathname}`);
}

function kvKey(encoded: string): string {
  let key: string;
  try {
    key = decodeURIComponent(encoded);
  } catch {
    throw new HttpError(400, "22021", "the key is not valid percent-encoded UTF-8");
  }
  if (key === "") throw new HttpError(400, "22023", "empty key");
  if (Buffer.byteLength(key) > kvKeyBytesMax) throw new HttpError(400, "54000", `a key is at most ${kvKeyBytesMax} bytes`);
  return key;
}

async function authenticate(options: HttpApiOptions, header: string | undefined): Promise<string> {
  const match = /^Bearer ([^\s]+)$/i.exec(header ?? "");
  if (match?.[1] === undefined) throw new HttpError(401, "28000", "an Authorization: Bearer credential is required");
  const credential = match[1];
  const id = apiKeyId(credential);
  if (id !== undefined) {
    const record = options.apiKeys().find((candidate) => candidate.id === id);
    if (record === undefined || !apiKeyMatches(record, credential)) throw new HttpError(401, "28P01", "invalid API key");
    return record.role;
  }
  try {
    return (await verifyToken(options.tokenKey, credential)).role;
  } catch (error) {
    throw new HttpError(401, "28P01", error instanceof Error ? error.message : "invalid token");
  }
}

function connectAs(db: Database, role: string): Session {
  try {
    return db.connect({ user: role });
  } catch (error) {
    const failure = httpErrorOf(error);
    throw new HttpError(401, failure.sqlstate, failure.message);
  }
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of request) {
    const piece = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    bytes += piece.length;
    if (bytes > httpBodyBytesMax) throw new HttpError(413, "54000", `the request body exceeds ${httpBodyBytesMax} bytes`);
    chunks.push(piece);
  }
  return Buffer.concat(chunks);
}

async function runSql(session: Session, body: Buffer, response: ServerResponse): Promise<void> {
  const { sql, params } = sqlRequest(body);
  const results = await session.queryAll(sql, params);
  const settings = session.textSettings();
  sendJson(response, 200, {
    results: results.map((result: QueryResult) => ({
      command: result.commandTag,
      rowCount: result.rowCount,
      fields: result.fields.map((field) => ({ name: field.name, typeOid: field.typeOid })),
      rows: result.rows.map((row) => row.map((value: SqlValue, index) => (value === null ? null : formatValue(result.fields[index]?.typeOid ?? TypeOid.text, value, settings)))),
    })),
  });
}

function sqlRequest(body: Buffer): { readonly sql: string; readonly params: readonly (string | null)[] } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    throw new HttpError(400, "22P02", "the body is not JSON");
  }
  if (typeof parsed !== "object" || parsed === null || !("sql" in parsed) || typeof parsed.sql !== "string") {
    throw new HttpError(400, "22023", 'the body is {"sql": string, "params"?: (string | null)[]}');
  }
  const params: unknown = "params" in parsed ? parsed.params : [];
  if (!Array.isArray(params) || !params.every((param: unknown) => param === null || typeof param === "string")) {
    throw new HttpError(400, "22023", "params are strings (PostgreSQL text form) or null");
  }
  return { sql: parsed.sql, params: params.map((param: unknown) => (typeof param === "string" ? param : null)) };
}

async function kvGet(session: Session, key: string, response: ServerResponse): Promise<void> {
  const result = await session.query("SELECT value FROM omnikv_kv.entries WHERE key = $1", [key]);
  const value = result.rows[0]?.[0];
  if (!(value instanceof Uint8Array)) throw new HttpError(404, "02000", `no value for key "${key}"`);
  response.writeHead(200, { "content-type": "application/octet-stream", "content-length": value.length });
  response.end(value);
}

async function kvPut(session: Session, key: string, body: Buffer, response: ServerResponse): Promise<void> {
  await session.query("INSERT INTO omnikv_kv.entries (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value", [key, new Uint8Array(body)]);
  response.writeHead(204).end();
}

async function kvDelete(session: Session, key: string, response: ServerResponse): Promise<void> {
  const result = await session.query("DELETE FROM omnikv_kv.entries WHERE key = $1", [key]);
  if (result.rowCount === 0) throw new HttpError(404, "02000", `no value for key "${key}"`);
  response.writeHead(204).end();
}

function httpErrorOf(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  const sqlstate = typeof error === "object" && error !== null && "sqlState" in error && typeof error.sqlState === "string" ? error.sqlState : "XX000";
  const message = error instanceof Error ? error.message : String(error);
  if (sqlstate === "XX000") throw error;
  if (sqlstate === "42501") return new HttpError(403, sqlstate, message);
  if (sqlstate.startsWith("28")) return new HttpError(401, sqlstate, message);
  return new HttpError(400, sqlstate, message);
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text), ...headers });
  response.end(text);
}
