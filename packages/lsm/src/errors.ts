/**
 * The lsm's operating errors, each a `DbError` with a SQLSTATE.
 */
import { DbError, SqlState } from "@omnikv/base";

/**
 * Stored bytes fail a checksum or a structural check: a table block, a footer, the manifest. A
 * reader gets this error, never a wrong answer. `path` names the file and `offset` the byte where
 * the damage starts (or -1 when the file as a whole is wrong, e.g. missing).
 */
export class CorruptionError extends DbError {
  override readonly name = "CorruptionError";
  readonly sqlState = SqlState.DataCorrupted;
  readonly path: string;
  readonly offset: number;

  constructor(path: string, offset: number, detail: string, options?: { readonly cause?: unknown }) {
    super(`lsm corruption in "${path}"${offset >= 0 ? ` at offset ${offset}` : ""}: ${detail}`, options);
    this.path = path;
    this.offset = offset;
  }
}

/** The store is closed, or failed earlier (a background write failed) and refuses new work. */
export class LsmStateError extends DbError {
  override readonly name = "LsmStateError";
  readonly sqlState = SqlState.ObjectNotInPrerequisiteState;
}

/** A key, value, batch or option is outside its documented limit. */
export class LsmLimitError extends DbError {
  override readonly name = "LsmLimitError";
  readonly sqlState = SqlState.ProgramLimitExceeded;
}

/** An argument outside its domain, e.g. an empty key or a released snapshot. */
export class LsmArgumentError extends DbError {
  override readonly name = "LsmArgumentError";
  readonly sqlState = SqlState.InvalidParameterValue;
}

/** A file operation failed (ENOSPC, EIO, a failed fsync). */
export class LsmIoError extends DbError {
  override readonly name = "LsmIoError";
  readonly sqlState = SqlState.IoError;
}
