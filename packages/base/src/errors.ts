/**
 * `DbError` is the one error type operating failures take across every package: bad SQL, a
 * serialization conflict, corruption, an I/O failure. Each carries a PostgreSQL SQLSTATE so pgwire
 * can send it as-is and callers can branch on `sqlState` (never on message text). Retryable errors
 * are exactly those of SQLSTATE class 40.
 *
 * Packages define concrete subclasses in their own `errors.ts`, each with a literal `name`.
 * Messages follow PostgreSQL style: lowercase, no final period, identifiers quoted.
 */

/** The SQLSTATE codes OmniKV-TS raises. Values are PostgreSQL's (Appendix A of its manual). */
export const SqlState = {
  SuccessfulCompletion: "00000",
  FeatureNotSupported: "0A000",
  InvalidParameterValue: "22023",
  ProgramLimitExceeded: "54000",
  SerializationFailure: "40001",
  DeadlockDetected: "40P01",
  SyntaxError: "42601",
  UndefinedTable: "42P01",
  UniqueViolation: "23505",
  InvalidPassword: "28P01",
  InsufficientPrivilege: "42501",
  ProtocolViolation: "08P01",
  ObjectNotInPrerequisiteState: "55000",
  DataCorrupted: "XX001",
  IoError: "58030",
  InternalError: "XX000",
} as const;

export type SqlState = (typeof SqlState)[keyof typeof SqlState];

export abstract class DbError extends Error {
  abstract readonly sqlState: SqlState;

  /** Whether retrying the whole transaction may succeed: SQLSTATE class 40. */
  get isRetryable(): boolean {
    return this.sqlState.startsWith("40");
  }
}

/** Stored or transmitted bytes failed a checksum or a structural check. */
export class DataCorruptedError extends DbError {
  override readonly name: string = "DataCorruptedError";
  readonly sqlState = SqlState.DataCorrupted;
}

/** The operating system reported an I/O failure (EIO, ENOSPC, a failed fsync). */
export class IoError extends DbError {
  override readonly name: string = "IoError";
  readonly sqlState = SqlState.IoError;
}

/** A request exceeds an explicit, documented limit (record size, batch count, nesting depth). */
export class ProgramLimitExceededError extends DbError {
  override readonly name: string = "ProgramLimitExceededError";
  readonly sqlState = SqlState.ProgramLimitExceeded;
}

/** The object is in a state that forbids the request, e.g. a closed or failed log. */
export class ObjectNotInPrerequisiteStateError extends DbError {
  override readonly name: string = "ObjectNotInPrerequisiteStateError";
  readonly sqlState = SqlState.ObjectNotInPrerequisiteState;
}

/** An argument outside its documented domain, e.g. a negative size option. */
export class InvalidParameterValueError extends DbError {
  override readonly name: string = "InvalidParameterValueError";
  readonly sqlState = SqlState.InvalidParameterValue;
}

/** Whether `error` is a `DbError` of the given SQLSTATE. */
export function hasSqlState(error: unknown, sqlState: SqlState): boolean {
  return error instanceof DbError && error.sqlState === sqlState;
}
