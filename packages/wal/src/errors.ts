/**
 * The wal's operating errors. Each is a `DbError` with a SQLSTATE, so a caller (and eventually a
 * PostgreSQL client) can branch on the code without reading messages.
 */
import { DbError, SqlState } from "@omnikv/base";

/**
 * Bytes on disk fail a checksum or a structural check in a place a crash cannot explain: damage
 * followed by valid records, a bad record in a sealed segment, a gap between segments. The log
 * refuses to guess; the segment and byte offset say where to look.
 */
export class CorruptionError extends DbError {
  override readonly name = "CorruptionError";
  readonly sqlState = SqlState.DataCorrupted;
  readonly segmentPath: string;
  readonly offset: number;

  constructor(segmentPath: string, offset: number, detail: string) {
    super(`wal corruption in segment "${segmentPath}" at offset ${offset}: ${detail}`);
    this.segmentPath = segmentPath;
    this.offset = offset;
  }
}

/**
 * A write or fsync failed. The log is now failed: every covered append was rejected and every later
 * append rejects too. After a failed fsync the kernel may have dropped the dirty pages and cleared
 * the error (PostgreSQL's "fsyncgate"), so retrying could acknowledge data that is gone.
 */
export class WalIoError extends DbError {
  override readonly name = "WalIoError";
  readonly sqlState = SqlState.IoError;
}

/** The log is closed, or failed earlier and refuses new work. */
export class WalStateError extends DbError {
  override readonly name = "WalStateError";
  readonly sqlState = SqlState.ObjectNotInPrerequisiteState;
}

/** A record or an option is outside its documented limit. */
export class WalLimitError extends DbError {
  override readonly name = "WalLimitError";
  readonly sqlState = SqlState.ProgramLimitExceeded;
}

/** An argument outside its domain, e.g. an empty batch. */
export class WalArgumentError extends DbError {
  override readonly name = "WalArgumentError";
  readonly sqlState = SqlState.InvalidParameterValue;
}
