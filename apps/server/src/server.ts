/**
 * The server: an engine `Database` on the data directory, its users, and a pgwire `PgServer` in
 * front. `startServer` is what `omnikv start` runs; tests start it in a child process.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Database } from "@omnikv/engine";
import { PgServer, createScramVerifier, type Backend, type HbaRule } from "@omnikv/pgwire";
import type { Logger } from "./logger.ts";
import { WireSession } from "./wire-session.ts";

export interface ServerConfig {
  readonly dataDir: string;
  readonly host: string;
  readonly port: number;
  readonly maxConnections: number;
  /** Statements slower than this are logged (0: never). */
  readonly slowQueryMs: number;
  readonly hba?: readonly HbaRule[];
  readonly tls?: { readonly cert: string; readonly key: string };
}

export const superuserName = "omnikv";

export interface RunningServer {
  readonly port: number;
  close(): Promise<void>;
}

/** The users file holds SCRAM verifiers only, never a password. */
interface UsersFile {
  readonly users: Readonly<Record<string, string>>;
}

/**
 * Opens (creating on first run) the data directory and starts listening. On first run the
 * superuser `omnikv` gets the password in OMNIKV_PASSWORD, or a generated one logged once.
 */
export async function startServer(config: ServerConfig, logger: Logger, env: NodeJS.ProcessEnv = process.env): Promise<RunningServer> {
  const isNew = !existsSync(config.dataDir);
  mkdirSync(config.dataDir, { recursive: true });
  const users = loadUsers(config.dataDir, env, logger);
  const db = await Database.open({ dir: join(config.dataDir, "store") });
  if (isNew) logger.info("created data directory", { dataDir: config.dataDir });
  const backend: Backend = {
    passwordSecret: (user) => users.users[user],
    startup: (params) =>
      new WireSession(db.connect({ user: params.user, database: params.database, settings: params.settings }), { slowQueryMs: config.slowQueryMs, logger }),
  };
  const server = new PgServer({
    backend,
    host: config.host,
    port: config.port,
    maxConnections: config.maxConnections,
    parameterStatus: { server_version: "15.0", is_superuser: "on" },
    onInternalError: (error) => logger.error("internal error", { error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
    ...(config.hba === undefined ? {} : { hba: config.hba }),
    ...(config.tls === undefined ? {} : { tls: { cert: readFileSync(config.tls.cert), key: readFileSync(config.tls.key) } }),
  });
  const port = await server.listen();
  logger.info("listening", { host: config.host, port, dataDir: config.dataDir });
  return {
    port,
    close: async () => {
      await server.close();
      await db.close();
    },
  };
}

function loadUsers(dataDir: string, env: NodeJS.ProcessEnv, logger: Logger): UsersFile {
  const path = join(dataDir, "users.json");
  if (existsSync(path)) {
    const parsed: unknown = JSON.parse(readFileSync(path, "utf8"));
    if (typeof parsed !== "object" || parsed === null || !("users" in parsed) || typeof parsed.users !== "object" || parsed.users === null) {
      throw new Error(`${path} is not a users file`);
    }
    const users: Record<string, string> = {};
    for (const [name, secret] of Object.entries(parsed.users)) if (typeof secret === "string") users[name] = secret;
    return { users };
  }
  const given = env["OMNIKV_PASSWORD"];
  const password = given === undefined || given === "" ? randomBytes(18).toString("base64url") : given;
  if (given === undefined || given === "") logger.warn("generated the superuser's password; it is shown only once", { user: superuserName, password });
  const file: UsersFile = { users: { [superuserName]: createScramVerifier(password) } };
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  return file;
}
