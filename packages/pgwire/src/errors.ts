/**
 * pgwire's operating errors. Every one is a `DbError`, so a Session may also throw them and they
 * reach the client with their SQLSTATE. `MalformedMessageError` is special to the connection
 * loop: it is always FATAL (the byte stream can no longer be trusted) and closes the connection.
 */
import { DbError, SqlState } from "@omnikv/base";

/** 08P01 FATAL: bytes that are not a valid message, or a message the current state forbids. */
export class MalformedMessageError extends DbError {
  override readonly name = "MalformedMessageError";
  readonly sqlState = SqlState.ProtocolViolation;
}

/** 28P01: the password (or SCRAM proof) did not match; the message never says which part was wrong. */
export class InvalidPasswordError extends DbError {
  override readonly name = "InvalidPasswordError";
  readonly sqlState = SqlState.InvalidPassword;
}

/** 57014: a CancelRequest or CopyFail stopped the statement. Sessions throw it from `cancel()`ed work. */
export class QueryCanceledError extends DbError {
  override readonly name = "QueryCanceledError";
  readonly sqlState = SqlState.QueryCanceled;
}
