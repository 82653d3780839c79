/**
 * The server: an engine `Database` on the data directory, its users, and a pgwire `PgServer` in
 * front. `startServer` is what `omnikv start` runs; tests start it in a child process.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { Database } from "@omnikv/engine";
import { PgServer, type Backend, type HbaRule } from "@omnikv/pgwire";
import { createScramVerifier, type KeySource } from "@omnikv/security";
import { storeEncryption } from "./encryption.ts";
import { startHttpApi, type RunningHttpApi } from "./http-api.ts";
import { ApiKeyStore, tokenSecret } from "./http-credentials.ts";
import type { Logger } from "./logger.ts";
import { WireSession } from "./wire-session.ts";

export interface ServerConfig {
  readonly dataDir: string;
  readonly host: string;
  readonly port: number;
  /** Directories to also listen in through a Unix-domain socket `.s.PGSQL.<port>`; none when absent. */
  readonly unixSocketDirectories?: readonly string[];
  readonly maxConnections: number;
  /** Statements slower than this are logged (0: never). */
  readonly slowQueryMs: number;
  readonly hba?: readonly HbaRule[];
  readonly tls?: { readonly cert: string; readonly key: string };
  /** Encryption at rest: where the key-encryption key comes from (see encryption.ts). */
  readonly encryption?: KeySource;
  /** The HTTP API's port (see http-api.ts); off when absent. */
  readonly httpPort?: number;
}

export const superuserName = "omnikv";

/**
 * `<data>/tmp`, where statements spill beyond work_mem (as PostgreSQL's pgsql_tmp): inside the
 * data directory so it is covered by the same disk, permissions and encryption. Emptied at start:
 * a crash leaves spill files behind that no statement will read.
 */
function freshTempDirectory(dataDir: string): string {
  const path = join(dataDir, "tmp");
  rmSync(path, { recursive: true, force: true });
  mkdirSync(path, { recursive: true });
  return path;
}

export interface RunningServer {
  readonly port: number;
  readonly httpPort?: number;
  close(): Promise<void>;
}

/**
 * Opens (creating on first run) the data directory and starts listening. Roles and their
 * password verifiers live in the engine's catalog; on first run the superuser `omnikv` gets the
 * password in OMNIKV_PASSWORD, or a generated one logged once.
 */
export async function startServer(config: ServerConfig, logger: Logger, env: NodeJS.ProcessEnv = process.env): Promise<RunningServer> {
  const isNew = !existsSync(config.dataDir);
  mkdirSync(config.dataDir, { recursive: true });
  // Checked first: a wrong key or a mismatched directory fails before anything is written.
  const storeDir = join(config.dataDir, "store");
  const { storeOptions, spillCipher } = await storeEncryption(config.dataDir, storeDir, config.encryption);
  const tempDirectory = freshTempDirectory(config.dataDir);
  const passwordVerifier = (password: string): string => createScramVerifier(password);
  const db = await Database.open({ dir: storeDir, storeOptions, tempDirectory, ...(spillCipher === undefined ? {} : { spillCipher }), bootstrapSuperuser: superuserName, passwordVerifier });
  if (isNew) logger.info("created data directory", { dataDir: config.dataDir });
  await ensureSuperuserPassword(db, config.dataDir, env, logger);
  const backend: Backend = {
    passwordSecret: (user) => db.passwordSecret(user),
    startup: (params) =>
      new WireSession(db.connect({ user: params.user, database: params.database, settings: params.settings }), { slowQueryMs: config.slowQueryMs, logger }),
  };
  const server = new PgServer({
    backend,
    host: config.host,
    port: config.port,
    ...(config.unixSocketDirectories === undefined ? {} : { unixSocketDirectories: config.unixSocketDirectories }),
    maxConnections: config.maxConnections,
    // is_superuser is per session (WireSession.parameterStatus).
    parameterStatus: { server_version: "15.0" },
    onInternalError: (error) => logger.error("internal error", { error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
    ...(config.hba === undefined ? {} : { hba: config.hba }),
    ...(config.tls === undefined ? {} : { tls: { cert: readFileSync(config.tls.cert), key: readFileSync(config.tls.key) } }),
  });
  const port = await server.listen();
  const http = config.httpPort === undefined ? undefined : await startHttp(config, config.httpPort, db, logger);
  logger.info("listening", { host: config.host, port, ...(server.unixSocketPaths.length === 0 ? {} : { sockets: server.unixSocketPaths }), dataDir: config.dataDir });
  return {
    port,
    ...(http === undefined ? {} : { httpPort: http.port }),
    close: async () => {
      await http?.close();
      await server.close();
      await db.close();
    },
  };
}

async function startHttp(config: ServerConfig, httpPort: number, db: Database, logger: Logger): Promise<RunningHttpApi> {
  const apiKeys = new ApiKeyStore(config.dataDir);
  const http = await startHttpApi({
    db,
    host: config.host,
    port: httpPort,
    tokenKey: { alg: "HS256", secret: tokenSecret(config.dataDir) },
    apiKeys: () => apiKeys.records(),
    logger,
    ...(config.tls === undefined ? {} : { tls: { cert: readFileSync(config.tls.cert), key: readFileSync(config.tls.key) } }),
  });
  logger.info("http api listening", { host: config.host, port: http.port, tls: config.tls !== undefined });
  return http;
}

/**
 * The superuser's password, once: a data directory from before roles lived in the catalog has a
 * users.json of verifiers, which move into the catalog (the file is renamed, so this runs once);
 * a new one takes OMNIKV_PASSWORD or a generated password, logged once. Only verifiers are stored.
 */
async function ensureSuperuserPassword(db: Database, dataDir: string, env: NodeJS.ProcessEnv, logger: Logger): Promise<void> {
  if (db.passwordSecret(superuserName) !== undefined) return;
  const session = db.connect();
  try {
    const path = join(dataDir, "users.json");
    if (existsSync(path)) {
      for (const [name, verifier] of Object.entries(readUsersFile(path))) {
        const role = quoteIdentifier(name);
        if (name !== superuserName) await session.query(`CREATE ROLE ${role} LOGIN`).catch(() => undefined);
        await session.query(`ALTER ROLE ${role} PASSWORD '${verifier.replaceAll("'", "''")}'`);
      }
      renameSync(path, `${path}.migrated`);
      logger.info("moved users.json into the catalog", { dataDir });
      return;
    }
    const given = env["OMNIKV_PASSWORD"];
    const password = given === undefined || given === "" ? randomBytes(18).toString("base64url") : given;
    if (given === undefined || given === "") logger.warn("generated the superuser's password; it is shown only once", { user: superuserName, password });
    await session.query(`ALTER ROLE ${superuserName} PASSWORD '${createScramVerifier(password)}'`);
  } finally {
    await session.close();
  }
}

/** users.json from before: `{ "users": { name: verifier } }`. */
function readUsersFile(path: string): Record<string, string> {
  const parsed: unknown = JSON.parse(readFileSync(path, "utf8"));
  if (typeof parsed !== "object" || parsed === null || !("users" in parsed) || typeof parsed.users !== "object" || parsed.users === null) {
    throw new Error(`${path} is not a users file`);
  }
  const users: Record<string, string> = {};
  for (const [name, secret] of Object.entries(parsed.users)) if (typeof secret === "string") users[name] = secret;
  return users;
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
