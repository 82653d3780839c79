#!/usr/bin/env node
/**
 * `omnikv`: the server's command line.
 *
 *   omnikv start [--data DIR] [--host HOST] [--port PORT] [--config FILE]
 *   omnikv help [COMMAND]
 *
 * Options override the config file (JSON: dataDir, host, port, maxConnections, slowQueryMs,
 * hba, tls), which overrides the defaults. SIGINT and SIGTERM shut down cleanly.
 */
import { readFileSync } from "node:fs";
import { jsonLogger } from "./logger.ts";
import { startServer, type ServerConfig } from "./server.ts";

const usage: Readonly<Record<string, string>> = {
  main: `omnikv — a PostgreSQL-compatible SQL database

Usage:
  omnikv start [options]   start the server (creates the data directory on first run)
  omnikv help [command]    show help

Run "omnikv start --help" for the server's options.
`,
  start: `omnikv start [--data DIR] [--host HOST] [--port PORT] [--config FILE] [--slow-query-ms MS]

  --data DIR           data directory, created on first run (default ./omnikv-data)
  --host HOST          address to listen on (default 127.0.0.1)
  --port PORT          TCP port (default 5432; 0 picks a free one)
  --config FILE        JSON config: dataDir, host, port, maxConnections, slowQueryMs, hba, tls
  --slow-query-ms MS   log statements slower than MS milliseconds (default 1000; 0 disables)

On first run the superuser "omnikv" gets the password in OMNIKV_PASSWORD, or a generated one
that is printed once. Connect with: psql -h 127.0.0.1 -U omnikv
`,
};

const defaults: ServerConfig = { dataDir: "./omnikv-data", host: "127.0.0.1", port: 5432, maxConnections: 100, slowQueryMs: 1000 };

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
    const value = match[2] ?? args[++i];
    if (value === undefined) throw new UsageError(`--${match[1] ?? ""} needs a value`);
    options.set(match[1] ?? "", value);
  }
  return options;
}

class UsageError extends Error {}

function configFrom(options: ReadonlyMap<string, string>): ServerConfig {
  const known = new Set(["data", "host", "port", "config", "slow-query-ms", "help"]);
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
  };
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
  if (command !== "start") throw new UsageError(`unknown command "${command}"`);
  const options = parseOptions(rest);
  if (options.has("help")) {
    process.stdout.write(usage["start"] ?? "");
    return 0;
  }
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
