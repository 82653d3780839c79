/**
 * The engine's errors: constraint violations and catalog errors, each with PostgreSQL's SQLSTATE
 * (the messages follow PostgreSQL's wording so clients and tests can match them).
 */
import { DbError, SqlState, type DbErrorOptions } from "@omnikv/base";

export class UniqueViolationError extends DbError {
  override readonly name: string = "UniqueViolationError";
  readonly sqlState = SqlState.UniqueViolation;
  /** The violated constraint or unique index (ON CONFLICT compares it with its target). */
  readonly constraint: string | undefined;

  constructor(message: string, options: DbErrorOptions = {}, constraint?: string) {
    super(message, options);
    this.constraint = constraint;
  }
}

export class NotNullViolationError extends DbError {
  override readonly name: string = "NotNullViolationError";
  readonly sqlState = SqlState.NotNullViolation;
}

export class CheckViolationError extends DbError {
  override readonly name: string = "CheckViolationError";
  readonly sqlState = SqlState.CheckViolation;
}

export class ForeignKeyViolationError extends DbError {
  override readonly name: string = "ForeignKeyViolationError";
  readonly sqlState = SqlState.ForeignKeyViolation;
}

export class DuplicateTableError extends DbError {
  override readonly name: string = "DuplicateTableError";
  readonly sqlState = SqlState.DuplicateTable;
}

export class DuplicateObjectError extends DbError {
  override readonly name: string = "DuplicateObjectError";
  readonly sqlState = SqlState.DuplicateObject;
}

export class DuplicateSchemaError extends DbError {
  override readonly name: string = "DuplicateSchemaError";
  readonly sqlState = SqlState.DuplicateSchema;
}

export class DuplicateColumnError extends DbError {
  override readonly name: string = "DuplicateColumnError";
  readonly sqlState = SqlState.DuplicateColumn;
}

export class InvalidSchemaNameError extends DbError {
  override readonly name: string = "InvalidSchemaNameError";
  readonly sqlState = SqlState.InvalidSchemaName;
}

export class InvalidTableDefinitionError extends DbError {
  override readonly name: string = "InvalidTableDefinitionError";
  readonly sqlState = SqlState.InvalidTableDefinition;
}

export class DependentObjectsStillExistError extends DbError {
  override readonly name: string = "DependentObjectsStillExistError";
  readonly sqlState = SqlState.DependentObjectsStillExist;
}

export class SequenceLimitError extends DbError {
  override readonly name: string = "SequenceLimitError";
  readonly sqlState = SqlState.SequenceGeneratorLimitExceeded;
}

export class InFailedTransactionError extends DbError {
  override readonly name: string = "InFailedTransactionError";
  readonly sqlState = SqlState.InFailedSqlTransaction;
}

export class NoActiveTransactionError extends DbError {
  override readonly name: string = "NoActiveTransactionError";
  readonly sqlState = SqlState.NoActiveSqlTransaction;
}

export class ActiveTransactionError extends DbError {
  override readonly name: string = "ActiveTransactionError";
  readonly sqlState = SqlState.ActiveSqlTransaction;
}

export class QueryCanceledError extends DbError {
  override readonly name: string = "QueryCanceledError";
  readonly sqlState = SqlState.QueryCanceled;
}

export class InvalidStatementNameError extends DbError {
  override readonly name: string = "InvalidStatementNameError";
  readonly sqlState = SqlState.InvalidSqlStatementName;
}

export class DuplicatePreparedStatementError extends DbError {
  override readonly name: string = "DuplicatePreparedStatementError";
  readonly sqlState = SqlState.DuplicatePreparedStatement;
}

export class InvalidPortalError extends DbError {
  override readonly name: string = "InvalidPortalError";
  readonly sqlState = SqlState.InvalidCursorName;
}

export class InsufficientPrivilegeError extends DbError {
  override readonly name: string = "InsufficientPrivilegeError";
  readonly sqlState = SqlState.InsufficientPrivilege;
}

/** A login refused: no such role, or a role without LOGIN (28000). */
export class InvalidAuthorizationError extends DbError {
  override readonly name: string = "InvalidAuthorizationError";
  readonly sqlState = SqlState.InvalidAuthorizationSpecification;
}

/** 42P17: an object definition PostgreSQL refuses, e.g. a mutable function in an index predicate. */
export class InvalidObjectDefinitionError extends DbError {
  override readonly name: string = "InvalidObjectDefinitionError";
  readonly sqlState = SqlState.InvalidObjectDefinition;
}
