/**
 * The transaction layer's operating errors, each a `DbError` with PostgreSQL's SQLSTATE and
 * message, so pgwire can send them unchanged. Class 40 errors are retryable: the whole
 * transaction may succeed when run again.
 */
import { DbError, SqlState } from "@omnikv/base";

/** 40001: a write conflict under REPEATABLE READ/SERIALIZABLE, or an SSI dangerous structure. */
export class SerializationFailureError extends DbError {
  override readonly name = "SerializationFailureError";
  readonly sqlState = SqlState.SerializationFailure;
}

/** 40P01: waiting for this lock would close a cycle of waiting transactions. */
export class DeadlockDetectedError extends DbError {
  override readonly name = "DeadlockDetectedError";
  readonly sqlState = SqlState.DeadlockDetected;
}

/** 55P03: NOWAIT found the row locked, or `lockTimeoutMs` passed while waiting. */
export class LockNotAvailableError extends DbError {
  override readonly name = "LockNotAvailableError";
  readonly sqlState = SqlState.LockNotAvailable;
}

/** 25006: a write in a READ ONLY transaction. */
export class ReadOnlyTransactionError extends DbError {
  override readonly name = "ReadOnlyTransactionError";
  readonly sqlState = SqlState.ReadOnlySqlTransaction;
}

/** 25P02: the transaction failed earlier; only a rollback (or ROLLBACK TO SAVEPOINT) is accepted. */
export class InFailedTransactionError extends DbError {
  override readonly name = "InFailedTransactionError";
  readonly sqlState = SqlState.InFailedSqlTransaction;
}

/** 25000: the transaction has already committed or rolled back. */
export class TransactionStateError extends DbError {
  override readonly name = "TransactionStateError";
  readonly sqlState = SqlState.InvalidTransactionState;
}

/** 3B001: ROLLBACK TO or RELEASE of a savepoint that does not exist. */
export class SavepointError extends DbError {
  override readonly name = "SavepointError";
  readonly sqlState = SqlState.InvalidSavepointSpecification;
}

/** 22023: an option outside its documented domain. */
export class TxnArgumentError extends DbError {
  override readonly name = "TxnArgumentError";
  readonly sqlState = SqlState.InvalidParameterValue;
}
