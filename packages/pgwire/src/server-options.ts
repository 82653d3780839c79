/**
 * PgServer's configuration, with defaults resolved once so the connection code never sees an
 * optional limit. Every limit is named `…Max` or `…Ms` and checked here.
 */
import { resolve as resolvePath } from "node:path";
import { assert } from "@omnikv/base";
import type { Backend } from "./backend.ts";
import type { HbaRule } from "./auth/hba.ts";
import { checkHbaRule, hbaRulesDefault } from "./auth/hba.ts";

export interface PgServerOptions {
  readonly backend: Backend;
  /** Default 127.0.0.1: listening anywhere else is a deliberate choice. */
  readonly host?: string;
  /** Default 5432; 0 picks a free port (see `PgServer.port`). */
  readonly port?: number;
  /**
   * Directories to also listen in through a Unix-domain socket named `.s.PGSQL.<port>`, as
   * PostgreSQL's `unix_socket_directories` (clients connect with `psql -h DIR`). A relative one is
   * taken from the working directory (libpq needs an absolute one); a repeated one counts once.
   * Default none.
   */
  readonly unixSocketDirectories?: readonly string[];
  /** The sockets' file mode (PostgreSQL's `unix_socket_permissions`). Default 0o777: hba rules decide who gets in. */
  readonly unixSocketPermissions?: number;
  /** PEM certificate chain and key: SSLRequest is answered 'S' and the connection upgraded. */
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer };
  /** pg_hba-like rules, first match wins. Default: SCRAM-SHA-256 for every user, database and address. */
  readonly hba?: readonly HbaRule[];
  /** Sessions at once (PostgreSQL's max_connections); one more gets 53300. Default 100. */
  readonly maxConnections?: number;
  /** From accept to ReadyForQuery (PostgreSQL's authentication_timeout). Default 60 000. */
  readonly startupTimeoutMs?: number;
  /** Largest message a client may send; larger gets FATAL 08P01. Default 64 MiB. */
  readonly messageSizeBytesMax?: number;
  /** ParameterStatus values that override the PostgreSQL 15 defaults (a Session may override again). */
  readonly parameterStatus?: Readonly<Record<string, string>>;
  /** Called with every non-`DbError` a Session or Backend throws (the client sees only XX000). */
  readonly onInternalError?: (error: unknown) => void;
}

export interface ResolvedServerOptions {
  readonly backend: Backend;
  readonly host: string;
  readonly port: number;
  readonly unixSocketDirectories: readonly string[];
  readonly unixSocketPermissions: number;
  readonly tls: PgServerOptions["tls"];
  readonly hba: readonly HbaRule[];
  readonly maxConnections: number;
  readonly startupTimeoutMs: number;
  readonly messageSizeBytesMax: number;
  readonly parameterStatus: Readonly<Record<string, string>>;
  readonly onInternalError: (error: unknown) => void;
}

/** The ParameterStatus set PostgreSQL 15 sends after authentication, with PostgreSQL's defaults. */
export const parameterStatusDefaults: Readonly<Record<string, string>> = {
  server_version: "15.8",
  server_encoding: "UTF8",
  client_encoding: "UTF8",
  DateStyle: "ISO, MDY",
  IntervalStyle: "postgres",
  TimeZone: "UTC",
  integer_datetimes: "on",
  standard_conforming_strings: "on",
  is_superuser: "off",
  default_transaction_read_only: "off",
  in_hot_standby: "off",
};

export function resolveServerOptions(options: PgServerOptions): ResolvedServerOptions {
  const resolved: ResolvedServerOptions = {
    backend: options.backend,
    host: options.host ?? "127.0.0.1",
    port: options.port ?? 5432,
    // Absolute, as libpq takes a host for a socket directory only when it starts with "/"; once each.
    unixSocketDirectories: [...new Set((options.unixSocketDirectories ?? []).map((dir) => resolvePath(dir)))],
    unixSocketPermissions: options.unixSocketPermissions ?? 0o777,
    tls: options.tls,
    hba: options.hba ?? hbaRulesDefault,
    maxConnections: options.maxConnections ?? 100,
    startupTimeoutMs: options.startupTimeoutMs ?? 60_000,
    messageSizeBytesMax: options.messageSizeBytesMax ?? 64 * 1024 * 1024,
    parameterStatus: { ...parameterStatusDefaults, ...options.parameterStatus },
    onInternalError: options.onInternalError ?? ((): void => {}),
  };
  assert(Number.isInteger(resolved.port) && resolved.port >= 0 && resolved.port <= 65_535, "port is 0..65535");
  assert((options.unixSocketDirectories ?? []).every((dir) => dir !== ""), "a Unix socket directory is not empty");
  assert(Number.isInteger(resolved.unixSocketPermissions) && resolved.unixSocketPermissions >= 0 && resolved.unixSocketPermissions <= 0o777, "unixSocketPermissions is 0..0o777");
  assert(Number.isInteger(resolved.maxConnections) && resolved.maxConnections >= 1, "maxConnections is at least 1");
  assert(resolved.startupTimeoutMs > 0, "startupTimeoutMs is positive");
  assert(resolved.messageSizeBytesMax >= 1024 && resolved.messageSizeBytesMax <= 0x3fff_ffff, "messageSizeBytesMax is 1 KiB..1 GiB");
  for (const rule of resolved.hba) checkHbaRule(rule);
  return resolved;
}
