/**
 * Error classes the json/jsonb value code raises beyond those in `../errors.ts`. They live here
 * only until `errors.ts` (owned elsewhere) gains them; each carries PostgreSQL's SQLSTATE.
 *
 * Invariants: every class has a literal `name` and a fixed `sqlState`. `22004` is not yet in
 * `SqlState`, so `NullValueNotAllowedError` builds its code through `sqlStateFromCode`.
 */
import { DbError, SqlState } from "../errors.ts";

/** Converts a SQLSTATE literal that `SqlState` does not list yet into the `SqlState` type. */
function sqlStateFromCode(code: string): SqlState {
  // oxlint-disable-next-line typescript/no-unsafe-type-assertion -- 22004 is a real PostgreSQL SQLSTATE missing from SqlState
  return code as SqlState;
}

/** 22P05: `unsupported Unicode escape sequence` (`\u0000` in jsonb). */
export class UntranslatableCharacterError extends DbError {
  override readonly name: string = "UntranslatableCharacterError";
  readonly sqlState = SqlState.UntranslatableCharacter;
}

/** 22004: `path element at position 1 is null`. */
export class NullValueNotAllowedError extends DbError {
  override readonly name: string = "NullValueNotAllowedError";
  readonly sqlState: SqlState = sqlStateFromCode("22004");
}

/** 22021: bytes that are not valid UTF-8 (`invalid byte sequence for encoding "UTF8"`). */
export class CharacterNotInRepertoireError extends DbError {
  override readonly name: string = "CharacterNotInRepertoireError";
  readonly sqlState = SqlState.CharacterNotInRepertoire;
}

/** 08P01: a binary value too short to hold its header (`insufficient data left in message`). */
export class ProtocolViolationError extends DbError {
  override readonly name: string = "ProtocolViolationError";
  readonly sqlState = SqlState.ProtocolViolation;
}

/** XX000: PostgreSQL's `elog(ERROR)` cases, e.g. `unsupported jsonb version number 2`. */
export class JsonInternalError extends DbError {
  override readonly name: string = "JsonInternalError";
  readonly sqlState = SqlState.InternalError;
}
