/**
 * Implementations of the session family's signatures (planner's builtins-session.ts), by id:
 * PostgreSQL 15's session and system information functions, reading `EvalContext.session`.
 *
 * Invariants: every function needs a session; stand-alone evaluation has none, and then each
 * fails with 0A000 naming the function rather than inventing a value. Names (`name`) are
 * strings and `name[]` is a one-dimensional PgArray of strings. `version()` text is
 *
 *   PostgreSQL <serverVersion> (OmniKV-TS) on <machine>-<platform>, compiled by Node.js <vX.Y.Z>, <NN>-bit
 *
 * e.g. `PostgreSQL 15.0 (OmniKV-TS) on x86_64-linux, compiled by Node.js v20.11.1, 64-bit`:
 * clients (JDBC, psycopg, pgAdmin) parse only the leading `PostgreSQL X.Y`.
 */
import {
  FeatureNotSupportedError,
  NullValueNotAllowedError,
  UndefinedObjectError,
  arrayOf,
  assert,
} from "@omnikv/base";
import type { EvalContext, FunctionTable, ScalarFunction, SequenceFunctions, SessionInfo, TypedFunctionTable } from "./function-types.ts";
import { asBool, asNumber, asText, type SqlValue } from "../values.ts";

/** The session, or 0A000 when the expression is evaluated outside one. */
function sessionOf(session: SessionInfo | undefined, functionName: string): SessionInfo {
  if (session === undefined) {
    throw new FeatureNotSupportedError(`${functionName}() needs a session, and this expression is evaluated without one`);
  }
  return session;
}

/** A function of the session alone (no arguments). */
function fromSession(functionName: string, read: (session: SessionInfo) => SqlValue): ScalarFunction {
  return (args, context) => {
    assert(args.length === 0, `${functionName}() takes no arguments`);
    return read(sessionOf(context.session, functionName));
  };
}

const machineByArch: Readonly<Record<string, { readonly machine: string; readonly bits: number }>> = {
  x64: { machine: "x86_64", bits: 64 },
  arm64: { machine: "aarch64", bits: 64 },
  ia32: { machine: "i686", bits: 32 },
  arm: { machine: "arm", bits: 32 },
};

/** `version()`: the format of the module header. */
export function versionText(serverVersion: string): string {
  assert(serverVersion.length > 0, "the server version is not empty");
  const { machine, bits } = machineByArch[process.arch] ?? { machine: process.arch, bits: 64 };
  const text = `PostgreSQL ${serverVersion} (OmniKV-TS) on ${machine}-${process.platform}, compiled by Node.js ${process.version}, ${bits}-bit`;
  assert(text.startsWith(`PostgreSQL ${serverVersion} `), "clients find the version right after `PostgreSQL `");
  return text;
}

/** `current_setting(name [, missing_ok])`: 42704 for an unknown setting unless missing_ok. */
function currentSetting(session: SessionInfo, settingName: string, isMissingOk: boolean): string | null {
  const value = session.getSetting(settingName);
  if (value !== undefined) return value;
  if (isMissingOk) return null;
  throw new UndefinedObjectError(`unrecognized configuration parameter "${settingName}"`);
}

/**
 * `set_config(name, value, is_local)`. A NULL name is 22004 as in PostgreSQL; a NULL value would
 * reset the setting, which SessionInfo cannot express yet; a NULL is_local means false. A name
 * without a dot must be a known setting (a dotted one is a custom placeholder PostgreSQL accepts).
 * Returns the new value as `SHOW` prints it (`8192` for work_mem comes back as `8MB`).
 */
function setConfig(args: readonly SqlValue[], session: SessionInfo): string {
  assert(args.length === 3, "set_config takes three arguments");
  const [nameArg = null, valueArg = null, isLocalArg = null] = args;
  if (nameArg === null) throw new NullValueNotAllowedError("SET requires parameter name");
  const settingName = asText(nameArg);
  if (!settingName.includes(".") && session.getSetting(settingName) === undefined) {
    throw new UndefinedObjectError(`unrecognized configuration parameter "${settingName}"`);
  }
  if (valueArg === null) throw new FeatureNotSupportedError("set_config with a NULL value (RESET) is not supported yet");
  const isLocal = isLocalArg === null ? false : asBool(isLocalArg);
  const setValue = session.setSetting(settingName, asText(valueArg), isLocal);
  return session.getSetting(settingName) ?? setValue;
}

/** `current_schemas(include_implicit)`: pg_catalog is searched first unless the path names it. */
function currentSchemas(session: SessionInfo, isImplicitIncluded: boolean): SqlValue {
  const schemas = isImplicitIncluded && !session.searchPath.includes("pg_catalog") ? ["pg_catalog", ...session.searchPath] : [...session.searchPath];
  assert(schemas.length >= session.searchPath.length, "current_schemas only adds implicit schemas");
  return arrayOf<SqlValue>(schemas);
}

export const sessionFunctions: FunctionTable = {
  "version()": fromSession("version", (session) => versionText(session.serverVersion)),
  "current_database()": fromSession("current_database", (session) => session.databaseName),
  "current_catalog()": fromSession("current_catalog", (session) => session.databaseName),
  "current_schema()": fromSession("current_schema", (session) => session.searchPath[0] ?? null),
  "current_schemas(bool)": (args, context) => currentSchemas(sessionOf(context.session, "current_schemas"), asBool(args[0] ?? null)),
  "current_user()": fromSession("current_user", (session) => session.currentUser),
  "session_user()": fromSession("session_user", (session) => session.sessionUser),
  "current_role()": fromSession("current_role", (session) => session.currentUser),
  "user()": fromSession("user", (session) => session.currentUser),
  "current_setting(text)": (args, context) =>
    currentSetting(sessionOf(context.session, "current_setting"), asText(args[0] ?? null), false),
  "current_setting(text,bool)": (args, context) =>
    currentSetting(sessionOf(context.session, "current_setting"), asText(args[0] ?? null), asBool(args[1] ?? null)),
  "set_config(text,text,bool)": (args, context) => setConfig(args, sessionOf(context.session, "set_config")),
  "pg_backend_pid()": fromSession("pg_backend_pid", (session) => session.backendPid),
  "pg_is_in_recovery()": () => false,
  "txid_current()": fromSession("txid_current", (session) => session.currentTransactionId()),
  "nextval(text)": (args, context) => sequencesOf(context.session, "nextval").nextval(asText(args[0] ?? null)),
  "currval(text)": (args, context) => sequencesOf(context.session, "currval").currval(asText(args[0] ?? null)),
  "setval(text,int8)": (args, context) => sequencesOf(context.session, "setval").setval(asText(args[0] ?? null), asInt8(args[1] ?? null), true),
  "setval(text,int8,bool)": (args, context) =>
    sequencesOf(context.session, "setval").setval(asText(args[0] ?? null), asInt8(args[1] ?? null), asBool(args[2] ?? null)),
  "lastval()": fromSession("lastval", (session) => sequencesOf(session, "lastval").lastval()),
  "pg_sleep(float8)": (args, context) => sleepFor(asNumber(args[0] ?? null), context.session),
  "pg_sleep_for(interval)": (args, context) => sleepFor(intervalSeconds(args[0] ?? null), context.session),
  "pg_isolation_test_session_is_blocked(int4,_int4)": (args, context) => {
    const session = sessionOf(context.session, "pg_isolation_test_session_is_blocked");
    if (session.isSessionBlocked === undefined) throw new FeatureNotSupportedError("pg_isolation_test_session_is_blocked() needs a database");
    const pids = args[1];
    assert(typeof pids === "object" && pids !== null && "elements" in pids, "the pids are an int4 array");
    const others: number[] = [];
    for (const pid of pids.elements) if (typeof pid === "number") others.push(pid);
    return session.isSessionBlocked(asInt4(args[0] ?? null), others);
  },
};

/** pg_sleep's void result, after asking the session to wait (a negative or NaN time waits not at all). */
function sleepFor(seconds: number, session: SessionInfo | undefined): SqlValue {
  const sleeper = sessionOf(session, "pg_sleep");
  if (sleeper.sleep === undefined) throw new FeatureNotSupportedError("pg_sleep() needs a database session");
  if (seconds > 0) sleeper.sleep(seconds);
  return "";
}

/** An interval's length in seconds, as extract(epoch from …): 30-day months, 365.25-day years. */
function intervalSeconds(value: SqlValue): number {
  assert(typeof value === "object" && value !== null && "months" in value && "days" in value && "micros" in value, "an interval value");
  const { months, days, micros } = value;
  return Math.trunc(months / 12) * 365.25 * 86_400 + (months % 12) * 30 * 86_400 + days * 86_400 + Number(micros) / 1e6;
}

/** The session's sequences, or 0A000 when it has none (stand-alone evaluation, in-memory test tables). */
function sequencesOf(session: SessionInfo | undefined, functionName: string): SequenceFunctions {
  const sequences = sessionOf(session, functionName).sequences;
  if (sequences === undefined) throw new FeatureNotSupportedError(`${functionName}() needs a database with sequences`);
  return sequences;
}

function asInt4(value: SqlValue): number {
  assert(typeof value === "number", "an int4 argument is a number");
  return value;
}

function asInt8(value: SqlValue): bigint {
  assert(typeof value === "bigint", "an int8 argument is a bigint");
  return value;
}

/**
 * Typed implementations, for the registry's typed tables: `pg_typeof("any")` names its argument's
 * resolved type as `pg_typeof` prints it (`integer`, `text[]`), whatever the value, NULL included.
 * Its signature is the planner's `pgTypeofSignature`; both join their catalogs together.
 */
export const sessionTypedFunctions: TypedFunctionTable = {
  "pg_typeof(any)": (argTypes) => {
    assert(argTypes.length === 1, "pg_typeof takes one argument");
    // A regtype value is the type's oid; its output function prints the name.
    const [oid = 0] = argTypes;
    return () => oid;
  },
  "enum_first(anyenum)": (argTypes) => (_args, context) => enumEnd(argTypes, context, "first"),
  "enum_last(anyenum)": (argTypes) => (_args, context) => enumEnd(argTypes, context, "last"),
};

/** An enum type's first or last value, by the type of the argument (its value is not read). */
function enumEnd(argTypes: readonly number[], context: EvalContext, end: "first" | "last"): SqlValue {
  const [oid = 0] = argTypes;
  const type = context.enumType?.(oid);
  if (type === undefined) throw new UndefinedObjectError(`type with OID ${oid} does not exist`);
  return (end === "first" ? type.values[0] : type.values.at(-1)) ?? null;
}
