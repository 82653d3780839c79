/** The operators' run-time errors, with PostgreSQL's SQLSTATEs. */
import { DbError, SqlState } from "@omnikv/base";

/** 21000: a scalar subquery returned more than one row. */
export class CardinalityViolationError extends DbError {
  override readonly name = "CardinalityViolationError";
  readonly sqlState = SqlState.CardinalityViolation;
}
