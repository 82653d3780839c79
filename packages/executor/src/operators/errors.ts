/** The operators' run-time errors, with PostgreSQL's SQLSTATEs. */
import { DbError, SqlState } from "@omnikv/base";

/** 21000: a scalar subquery returned more than one row. */
export class CardinalityViolationError extends DbError {
  override readonly name = "CardinalityViolationError";
  readonly sqlState = SqlState.CardinalityViolation;
}

/** 22013: a window frame offset that is negative. */
export class InvalidPrecedingOrFollowingSizeError extends DbError {
  override readonly name = "InvalidPrecedingOrFollowingSizeError";
  readonly sqlState = SqlState.InvalidPrecedingOrFollowingSize;
}

/** 23502: NULL becoming a value of a NOT NULL domain. */
export class DomainNotNullViolationError extends DbError {
  override readonly name = "DomainNotNullViolationError";
  readonly sqlState = SqlState.NotNullViolation;
}

/** 23514: a value of a domain failing one of its CHECK constraints. */
export class DomainCheckViolationError extends DbError {
  override readonly name = "DomainCheckViolationError";
  readonly sqlState = SqlState.CheckViolation;
}
