/**
 * Session settings (GUCs) as PostgreSQL 15 names, defaults and prints them: SET, SET LOCAL
 * (until the transaction ends), RESET, SHOW, `current_setting` and `set_config`. Values are kept
 * as the text SHOW prints; the few the engine acts on are validated when set.
 */
import { DbError, InvalidParameterValueError, SqlState, UndefinedObjectError, parseTimeZone } from "@omnikv/base";

const defaults: ReadonlyMap<string, string> = new Map([
  ["application_name", ""],
  ["client_encoding", "UTF8"],
  ["client_min_messages", "notice"],
  ["datestyle", "ISO, MDY"],
  ["default_transaction_isolation", "read committed"],
  ["default_transaction_read_only", "off"],
  ["enable_hashjoin", "on"],
  ["enable_mergejoin", "on"],
  ["extra_float_digits", "1"],
  ["idle_in_transaction_session_timeout", "0"],
  ["integer_datetimes", "on"],
  ["intervalstyle", "postgres"],
  ["is_superuser", "on"],
  ["lock_timeout", "0"],
  ["max_identifier_length", "63"],
  // Accepted and shown for clients that set them (pg_dump sets both off); nothing here acts on
  // them: there is no row-level security, and sequential scans are never synchronized.
  ["row_security", "on"],
  ["search_path", '"$user", public'],
  ["server_encoding", "UTF8"],
  ["server_version", "15.0"],
  ["server_version_num", "150000"],
  ["standard_conforming_strings", "on"],
  ["statement_timeout", "0"],
  ["synchronize_seqscans", "on"],
  ["timezone", "UTC"],
  ["transaction_isolation", "read committed"],
  ["transaction_read_only", "off"],
  ["work_mem", "4MB"],
]);

/** Every setting's name, in order, as pg_settings lists them. */
export const settingNames: readonly string[] = [...defaults.keys()];

/** Settings a session cannot change. */
const readOnly: ReadonlySet<string> = new Set(["integer_datetimes", "is_superuser", "max_identifier_length", "server_encoding", "server_version", "server_version_num", "transaction_isolation", "transaction_read_only"]);

/** The spelling SHOW uses in its column header (PostgreSQL keeps the canonical name's case). */
const displayNames: ReadonlyMap<string, string> = new Map([
  ["datestyle", "DateStyle"],
  ["intervalstyle", "IntervalStyle"],
  ["timezone", "TimeZone"],
]);

/** The settings at one moment (a savepoint's), to go back to. */
export interface SettingsSnapshot {
  readonly session: ReadonlyMap<string, string>;
  readonly local: ReadonlyMap<string, string>;
}

/**
 * A session's settings. SET and RESET inside a transaction block are transactional, as in
 * PostgreSQL: a block that rolls back (ROLLBACK, COMMIT of a failed block) restores the values it
 * began with, and ROLLBACK TO SAVEPOINT those of the savepoint. SET LOCAL lapses at the block's end.
 */
export class Settings {
  #session = new Map<string, string>();
  #local = new Map<string, string>();
  #version = 0;
  /** Inside a transaction block (see `beginTransaction`). */
  #isInTransaction = false;
  /** The session values before the block's first SET or RESET: what a rollback restores. */
  #atTransactionStart: Map<string, string> | undefined;

  /** Changes with every SET, RESET and lapse of SET LOCAL: values derived from settings can be cached by it. */
  get version(): number {
    return this.#version;
  }

  constructor(initial: ReadonlyMap<string, string> = new Map()) {
    for (const [name, value] of initial) this.set(name, value, false);
  }

  get(name: string): string {
    const key = name.toLowerCase();
    const value = this.#local.get(key) ?? this.#session.get(key) ?? defaults.get(key);
    if (value === undefined) throw new UndefinedObjectError(`unrecognized configuration parameter "${name}"`);
    return value;
  }

  has(name: string): boolean {
    return defaults.has(name.toLowerCase());
  }

  set(name: string, value: string, isLocal: boolean): string {
    const key = name.toLowerCase();
    if (!defaults.has(key)) throw new UndefinedObjectError(`unrecognized configuration parameter "${name}"`);
    if (readOnly.has(key)) throw new CantChangeError(`parameter "${key}" cannot be changed`);
    const normalized = normalize(key, value);
    if (!isLocal) this.#noteSessionChange();
    (isLocal ? this.#local : this.#session).set(key, normalized);
    this.#version += 1;
    return normalized;
  }

  reset(name: string): void {
    const key = name.toLowerCase();
    this.#noteSessionChange();
    this.#version += 1;
    if (key === "all") {
      this.#session.clear();
      this.#local.clear();
      return;
    }
    if (!defaults.has(key)) throw new UndefinedObjectError(`unrecognized configuration parameter "${name}"`);
    this.#session.delete(key);
    this.#local.delete(key);
  }

  /** A transaction block begins: later SET and RESET can be rolled back. */
  beginTransaction(): void {
    this.#isInTransaction = true;
    this.#atTransactionStart = undefined;
  }

  /**
   * At transaction end: SET LOCAL values lapse, and a block that did not commit gives back the
   * session values it changed.
   */
  endTransaction(isCommit = true): void {
    const atStart = this.#atTransactionStart;
    this.#isInTransaction = false;
    this.#atTransactionStart = undefined;
    if (!isCommit && atStart !== undefined) {
      this.#session = atStart;
      this.#version += 1;
    }
    if (this.#local.size === 0) return;
    this.#local.clear();
    this.#version += 1;
  }

  /** The values now, for a savepoint. */
  snapshot(): SettingsSnapshot {
    return { session: new Map(this.#session), local: new Map(this.#local) };
  }

  /** ROLLBACK TO SAVEPOINT: the values as they were at the savepoint. */
  restore(snapshot: SettingsSnapshot): void {
    this.#session = new Map(snapshot.session);
    this.#local = new Map(snapshot.local);
    this.#version += 1;
  }

  #noteSessionChange(): void {
    if (this.#isInTransaction && this.#atTransactionStart === undefined) this.#atTransactionStart = new Map(this.#session);
  }

  static displayName(name: string): string {
    const key = name.toLowerCase();
    return displayNames.get(key) ?? key;
  }

  /** Milliseconds of a time setting such as statement_timeout (`0` = none). */
  milliseconds(name: string): number {
    return parseDuration(this.get(name));
  }

  bytes(name: string): number {
    const match = /^(\d+)\s*(kB|MB|GB)?$/.exec(this.get(name));
    if (match === null) return 4 * 1024 * 1024;
    const unit = match[2] === "GB" ? 1024 ** 3 : match[2] === "MB" ? 1024 ** 2 : 1024;
    return Number(match[1]) * unit;
  }
}


class CantChangeError extends DbError {
  override readonly name: string = "CantChangeRuntimeParamError";
  readonly sqlState = SqlState.ObjectNotInPrerequisiteState;
}

function normalize(key: string, value: string): string {
  if (key === "statement_timeout" || key === "lock_timeout" || key === "idle_in_transaction_session_timeout") {
    parseDuration(value);
    return /^\d+$/.test(value.trim()) ? (value.trim() === "0" ? "0" : `${value.trim()}ms`) : value.trim();
  }
  if (key === "timezone") {
    parseTimeZone(value);
    return value;
  }
  if (key === "extra_float_digits") {
    const digits = Number(value);
    if (!Number.isInteger(digits) || digits < -15 || digits > 3) {
      throw new InvalidParameterValueError(`${value} is outside the valid range for parameter "extra_float_digits" (-15 .. 3)`);
    }
    return String(digits);
  }
  if (booleanSettings.has(key)) return normalizeBoolean(key, value);
  if (key === "default_transaction_isolation") {
    const level = value.toLowerCase();
    if (!["read committed", "repeatable read", "serializable", "read uncommitted"].includes(level)) {
      throw new InvalidParameterValueError(`invalid value for parameter "default_transaction_isolation": "${value}"`);
    }
    return level;
  }
  return value;
}

/** Settings PostgreSQL types as booleans: printed as on/off, set from any of its spellings. */
const booleanSettings: ReadonlySet<string> = new Set(["enable_hashjoin", "enable_mergejoin", "row_security", "synchronize_seqscans"]);

/** PostgreSQL's parse_bool: on/off, true/false, yes/no, 1/0 and unique prefixes of the words. */
function normalizeBoolean(key: string, value: string): string {
  const text = value.trim().toLowerCase();
  const isPrefix = (word: string, min: number): boolean => text.length >= min && word.startsWith(text);
  if (text === "1" || text === "on" || isPrefix("true", 1) || isPrefix("yes", 1)) return "on";
  if (text === "0" || isPrefix("off", 2) || isPrefix("false", 1) || isPrefix("no", 1)) return "off";
  throw new InvalidParameterValueError(`parameter "${key}" requires a Boolean value`);
}

const durationUnits: Readonly<Record<string, number>> = { ms: 1, s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000 };

function parseDuration(text: string): number {
  const match = /^\s*(\d+)\s*(ms|s|min|h|d)?\s*$/.exec(text);
  if (match === null) throw new InvalidParameterValueError(`invalid value for parameter: "${text}"`);
  return Number(match[1]) * (durationUnits[match[2] ?? "ms"] ?? 1);
}
