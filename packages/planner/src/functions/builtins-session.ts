/**
 * Built-in signatures of the session family (see builtins.ts for the conventions): PostgreSQL 15's
 * session and system information functions, as `pg_proc` declares them (strictness and volatility
 * checked against `pg_proc` of a PostgreSQL 15 server). Each entry has an implementation under
 * the same id in the executor's session.ts.
 *
 * `current_role`, `user` and `current_catalog` are not `pg_proc` entries in PostgreSQL (its
 * grammar maps them to `current_user` and `current_database`); here the binder turns every SQL
 * value function into a call of a function of its own name, so each gets a signature.
 *
 * Deliberately absent: `pg_sleep(float8)` needs asynchronous evaluation (a synchronous
 * implementation would block the event loop), and `pg_typeof("any")` waits for its typed
 * implementation (executor `sessionTypedFunctions`) to be registered; its signature is exported
 * as `pgTypeofSignature` for that step.
 */
import { TypeOid } from "@omnikv/base";
import { signature } from "./signature.ts";
import type { FunctionSignature } from "./signature.ts";

const { bool, int4, int4Array, int8, text, name, nameArray, any } = TypeOid;

/** A no-argument function reading the session: stable, like its `pg_proc` entry. */
function sessionValue(functionName: string, returns: number): FunctionSignature {
  return signature({ name: functionName, args: [], returns, volatility: "stable" });
}

/**
 * `pg_typeof("any")`: not strict (`pg_typeof(NULL)` is `unknown`). PostgreSQL returns `regtype`;
 * without regtype text I/O this returns the type's display name as text.
 */
export const pgTypeofSignature: FunctionSignature = signature({
  name: "pg_typeof",
  args: [any],
  returns: TypeOid.regtype,
  isStrict: false,
  volatility: "stable",
});

export const sessionFunctions: readonly FunctionSignature[] = [
  sessionValue("version", text),
  sessionValue("current_database", name),
  sessionValue("current_catalog", name),
  sessionValue("current_schema", name),
  signature({ name: "current_schemas", args: [bool], returns: nameArray, volatility: "stable" }),
  sessionValue("current_user", name),
  sessionValue("session_user", name),
  sessionValue("current_role", name),
  sessionValue("user", name),
  signature({ name: "current_setting", args: [text], returns: text, volatility: "stable" }),
  signature({ name: "current_setting", args: [text, bool], returns: text, volatility: "stable" }),
  // Not strict: a NULL name is an error, a NULL value resets, a NULL is_local means false.
  signature({ name: "set_config", args: [text, text, bool], returns: text, isStrict: false, volatility: "volatile" }),
  sessionValue("pg_backend_pid", int4),
  // A server here is never a standby replaying another's log (pg_dump, poolers and drivers ask).
  signature({ name: "pg_is_in_recovery", args: [], returns: bool, volatility: "volatile" }),
  // Stable in pg_proc: the id does not change within a transaction.
  sessionValue("txid_current", int8),
  pgTypeofSignature,
  // An enum type's first and last label; not strict (enum_first(NULL::mood) is its first label).
  signature({ name: "enum_first", args: [TypeOid.anyenum], returns: TypeOid.anyenum, isStrict: false, volatility: "stable" }),
  signature({ name: "enum_last", args: [TypeOid.anyenum], returns: TypeOid.anyenum, isStrict: false, volatility: "stable" }),
  // Sequences (PostgreSQL declares the argument regclass; a name as text resolves the same way here).
  signature({ name: "nextval", args: [text], returns: int8, volatility: "volatile" }),
  signature({ name: "currval", args: [text], returns: int8, volatility: "volatile" }),
  signature({ name: "setval", args: [text, int8], returns: int8, volatility: "volatile" }),
  signature({ name: "setval", args: [text, int8, bool], returns: int8, volatility: "volatile" }),
  signature({ name: "lastval", args: [], returns: int8, volatility: "volatile" }),
  // Sleeps: strict (a NULL argument returns NULL at once), volatile.
  signature({ name: "pg_sleep", args: [TypeOid.float8], returns: TypeOid.void, volatility: "volatile" }),
  signature({ name: "pg_sleep_for", args: [TypeOid.interval], returns: TypeOid.void, volatility: "volatile" }),
  // isolationtester's probe: is the session with this pid waiting on a lock held by one of these?
  signature({ name: "pg_isolation_test_session_is_blocked", args: [int4, int4Array], returns: bool, volatility: "volatile" }),
];
