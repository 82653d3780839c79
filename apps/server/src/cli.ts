#!/usr/bin/env node
/**
 * `omnikv`: the server's command line.
 *
 *   omnikv start [--data DIR] [--host HOST] [--port PORT] [--socket-dir DIRS] [--config FILE] [--encryption-key-file FILE]
 *   omnikv token --data DIR --role ROLE [--ttl 1h] [--subject S]
 *   omnikv apikey --data DIR --role ROLE
 *   omnikv genkey --out FILE
 *   omnikv rekey --data DIR [--encryption-key-file OLD] [--new-key-file NEW] [--rotate-data-key]
 *   omnikv help [COMMAND]
 *
 * Options override the config file (JSON: dataDir, host, port, unixSocketDirectories,
 * maxConnections, slowQueryMs, hba, tls), which overrides the defaults. SIGINT and SIGTERM shut down cleanly.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { generateKeyFileContents } from "@omnikv/security";
import { keySourceFrom, newPassphraseVariable, passphraseVariable, rekeyDataDirectory } from "./encryption.ts";
import { ApiKeyStore, mintToken, parseTtl } from "./http-credentials.ts";
import { jsonLogger } from "./logger.ts";
import { startServer, type ServerConfig } from "./server.ts";

const usage: Record<string, string> = {
  main: `omnikv — a PostgreSQL-compatible SQL database

Usage:
  omnikv start [options]   start the server (creates the data directory on first run)
  omnikv token [options]   mint a JWT for the HTTP API
  omnikv apikey [options]  create an API key for the HTTP API
  omnikv genkey --out F    write a new random encryption key file
  omnikv rekey [options]   re-encrypt the data keys under a new key (the data is not rewritten)
  omnikv help [command]    show help

Run "omnikv start --help" for the server's options.
`,
  start: `omnikv start [--data DIR] [--host HOST] [--port PORT] [--socket-dir DIRS] [--config FILE] [--slow-query-ms MS]

  --data DIR           data directory, created on first run (default ./omnikv-data)
  --host HOST          address to listen on (default 127.0.0.1)
  --port PORT          TCP port (default 5432; 0 picks a free one)
  --socket-dir DIRS    also listen on a Unix-domain socket DIR/.s.PGSQL.PORT in each of these
                       comma-separated directories, as PostgreSQL's unix_socket_directories
                       (connect with psql -h DIR); default none
  --config FILE        JSON config: dataDir, host, port, unixSocketDirectories, maxConnections,
                       slowQueryMs, hba, tls
  --slow-query-ms MS   log statements slower than MS milliseconds (default 1000; 0 disables)
  --http-port PORT     also serve the HTTP API (POST /sql, /kv/<key>) on PORT (default off)
  --encryption-key-file FILE
                       encrypt the data directory at rest under the key in FILE (see genkey);
                       or set ${passphraseVariable} to use a passphrase (Argon2id)

On first run the superuser "omnikv" gets the password in OMNIKV_PASSWORD, or a generated one
that is printed once. Connect with: psql -h 127.0.0.1 -U omnikv
`,
};

usage["token"] = `omnikv token --data DIR --role ROLE [--ttl 1h] [--subject NAME]

Prints a JWT (HS256, signed with DIR/http-token-secret) for the HTTP API's
"Authorization: Bearer" header. Requests run as ROLE (which must exist and may log in).
--ttl: seconds, or a number with s, m, h or d (default 1h).
`;
usage["apikey"] = `omnikv apikey --data DIR --role ROLE

Creates an API key for the HTTP API that acts as ROLE and prints it once; DIR/api-keys.json
keeps only its SHA-256. A running server accepts it at once.
`;
usage["genkey"] = `omnikv genkey --out FILE

Writes 32 random bytes (64 hex digits) to FILE, readable by its owner only, for
"omnikv start --encryption-key-file FILE". Refuses to overwrite an existing file.
`;
usage["rekey"] = `omnikv rekey --data DIR [--encryption-key-file OLD] [--new-key-file NEW] [--rotate-data-key]

Rewraps the data directory's data keys under a new key-encryption key; the data itself is not
rewritten. The current key is --encryption-key-file or ${passphraseVariable}; the new one is
--new-key-file or ${newPassphraseVariable}. --rotate-data-key also adds a new data key that seals
everything written from then on (compaction re-encrypts older files as it rewrites them).
Run it while the server is stopped or running; a running server picks up a rotated data key at restart.
`;

const defaults: ServerConfig = { dataDir: "./omnikv-data", host: "127.0.0.1", port: 5432, maxConnections: 100, slowQueryMs: 1000 };

/** Options that take no value. */
const flagOptions = new Set(["rotate-data-key"]);

function parseOptions(args: readonly string[]): Map<string, string> {
  const options = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    if (arg === "--help" || arg === "-h") {
      options.set("help", "true");
      continue;
    }
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (match === null) throw new UsageError(`unexpected argument "${arg}"`);
    if (flagOptions.has(match[1] ?? "")) {
      options.set(match[1] ?? "", "true");
      continue;
    }
    const value = match[2] ?? args[++i];
    if (value === undefined) throw new UsageError(`--${match[1] ?? ""} needs a value`);
    options.set(match[1] ?? "", value);
  }
  return options;
}

class UsageError extends Error {}

function configFrom(options: ReadonlyMap<string, string>): ServerConfig {
  const known = new Set(["data", "host", "port", "socket-dir", "config", "slow-query-ms", "encryption-key-file", "http-port", "help"]);
  for (const name of options.keys()) if (!known.has(name)) throw new UsageError(`unknown option --${name}`);
  const path = options.get("config");
  const file: Partial<ServerConfig> = path === undefined ? {} : parseConfigFile(path);
  const port = Number(options.get("port") ?? file.port ?? defaults.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new UsageError(`--port must be 0..65535`);
  const slowQueryMs = Number(options.get("slow-query-ms") ?? file.slowQueryMs ?? defaults.slowQueryMs);
  return {
    ...defaults,
    ...file,
    dataDir: options.get("data") ?? file.dataDir ?? defaults.dataDir,
    host: options.get("host") ?? file.host ?? defaults.host,
    port,
    slowQueryMs,
    ...socketDirectoriesOf(options.get("socket-dir"), file.unixSocketDirectories),
    ...encryptionOf(options.get("encryption-key-file")),
    ...httpPortOf(options.get("http-port") ?? (file.httpPort === undefined ? undefined : String(file.httpPort))),
  };
}

/** --socket-dir (comma-separated, as PostgreSQL's -k), else the config file's list, else none. */
function socketDirectoriesOf(option: string | undefined, fromFile: unknown): Pick<ServerConfig, "unixSocketDirectories"> {
  if (option !== undefined) {
    const directories = option.split(",").map((dir) => dir.trim());
    if (directories.some((dir) => dir === "")) throw new UsageError("--socket-dir needs directories separated by commas");
    return { unixSocketDirectories: directories };
  }
  if (fromFile === undefined) return {};
  if (!Array.isArray(fromFile) || !fromFile.every((dir): dir is string => typeof dir === "string" && dir !== "")) {
    throw new UsageError("unixSocketDirectories in the config is a list of directory names");
  }
  return { unixSocketDirectories: fromFile };
}

function httpPortOf(text: string | undefined): Pick<ServerConfig, "httpPort"> {
  if (text === undefined) return {};
  const httpPort = Number(text);
  if (!Number.isInteger(httpPort) || httpPort < 0 || httpPort > 65_535) throw new UsageError(`--http-port must be 0..65535`);
  return { httpPort };
}

function only(options: ReadonlyMap<string, string>, allowed: readonly string[]): void {
  for (const name of options.keys()) if (!allowed.includes(name)) throw new UsageError(`unknown option --${name}`);
}

async function token(options: ReadonlyMap<string, string>): Promise<number> {
  only(options, ["data", "role", "ttl", "subject"]);
  const role = options.get("role");
  if (role === undefined) throw new UsageError("token needs --role ROLE");
  let ttlSeconds: number;
  try {
    ttlSeconds = parseTtl(options.get("ttl") ?? "1h");
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  process.stdout.write(`${await mintToken(options.get("data") ?? defaults.dataDir, role, ttlSeconds, options.get("subject") ?? role)}\n`);
  return 0;
}

function apikey(options: ReadonlyMap<string, string>): number {
  only(options, ["data", "role"]);
  const role = options.get("role");
  if (role === undefined) throw new UsageError("apikey needs --role ROLE");
  process.stdout.write(`${new ApiKeyStore(options.get("data") ?? defaults.dataDir).add(role)}\n`);
  return 0;
}

function encryptionOf(keyFile: string | undefined): Pick<ServerConfig, "encryption"> {
  const source = keySourceFrom(keyFile, process.env);
  return source === undefined ? {} : { encryption: source };
}

function genkey(options: ReadonlyMap<string, string>): number {
  const out = options.get("out");
  if (out === undefined) throw new UsageError("genkey needs --out FILE");
  if (existsSync(out)) throw new UsageError(`${out} exists; genkey never overwrites a key`);
  writeFileSync(out, generateKeyFileContents(), { mode: 0o600, flag: "wx" });
  process.stdout.write(`wrote a new key to ${out}\n`);
  return 0;
}

async function rekey(options: ReadonlyMap<string, string>): Promise<number> {
  for (const name of options.keys()) if (!["data", "encryption-key-file", "new-key-file", "rotate-data-key"].includes(name)) throw new UsageError(`unknown option --${name}`);
  const from = keySourceFrom(options.get("encryption-key-file"), process.env);
  const to = keySourceFrom(options.get("new-key-file"), process.env, newPassphraseVariable);
  if (from === undefined) throw new UsageError(`rekey needs the current key: --encryption-key-file or ${passphraseVariable}`);
  if (to === undefined) throw new UsageError(`rekey needs the new key: --new-key-file or ${newPassphraseVariable}`);
  const currentKeyId = await rekeyDataDirectory(options.get("data") ?? defaults.dataDir, from, to, options.get("rotate-data-key") === "true");
  process.stdout.write(`rekeyed; data key ${currentKeyId} seals new data\n`);
  return 0;
}

function parseConfigFile(path: string): Partial<ServerConfig> {
  const parsed: unknown = JSON.parse(readFileSync(path, "utf8"));
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new UsageError(`${path}: the config is a JSON object`);
  return parsed;
}

async function main(args: readonly string[]): Promise<number> {
  const [command = "help", ...rest] = args;
  if (command === "help" || command === "--help" || command === "-h") {
    process.stdout.write(usage[rest[0] ?? "main"] ?? usage["main"] ?? "");
    return 0;
  }
  if (!["start", "token", "apikey", "genkey", "rekey"].includes(command)) throw new UsageError(`unknown command "${command}"`);
  const options = parseOptions(rest);
  if (options.has("help")) {
    process.stdout.write(usage[command] ?? "");
    return 0;
  }
  if (command === "token") return token(options);
  if (command === "apikey") return apikey(options);
  if (command === "genkey") return genkey(options);
  if (command === "rekey") return rekey(options);
  const logger = jsonLogger();
  const server = await startServer(configFrom(options), logger);
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      logger.info("shutting down", { signal });
      resolve();
    };
    process.once("SIGINT", () => stop("SIGINT"));
    process.once("SIGTERM", () => stop("SIGTERM"));
  });
  await server.close();
  logger.info("stopped");
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`omnikv: ${error.message}\n\n${usage["main"] ?? ""}`);
      process.exit(2);
    }
    process.stderr.write(`omnikv: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
