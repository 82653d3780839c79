/**
 * The parser's errors. Every failure to parse is a `DbError` with PostgreSQL's SQLSTATE, its
 * wording, and a 1-based character position (pgwire sends it so psql can draw its caret).
 */
import { DbError, SqlState, StatementTooComplexError } from "@omnikv/base";

/** 42601: the text is not valid SQL. */
export class SqlSyntaxError extends DbError {
  override readonly name: string = "SqlSyntaxError";
  readonly sqlState = SqlState.SyntaxError;
}

/** 42P02: `$0`, or a parameter number beyond the protocol's limit. */
export class UndefinedParameterError extends DbError {
  override readonly name: string = "UndefinedParameterError";
  readonly sqlState = SqlState.UndefinedParameter;
}

/** 42P20: an impossible window frame. */
export class WindowingError extends DbError {
  override readonly name: string = "WindowingError";
  readonly sqlState = SqlState.WindowingError;
}

/** PostgreSQL's `at or near` context: the token text, or the rest of the input for a lexer error. */
export function nearText(text: string): string {
  return `at or near "${text}"`;
}

/**
 * Converts a 0-based UTF-16 offset into PostgreSQL's 1-based character position: characters
 * outside the Basic Multilingual Plane count once, as PostgreSQL counts them.
 */
export function characterPosition(sql: string, offset: number): number {
  let surrogatePairs = 0;
  for (let i = 0; i < offset && i < sql.length; i++) {
    const code = sql.charCodeAt(i);
    if (code >= 0xdc00 && code <= 0xdfff && i > 0) surrogatePairs += 1;
  }
  return offset - surrogatePairs + 1;
}

export function syntaxError(sql: string, offset: number, message: string, hint?: string): SqlSyntaxError {
  const position = characterPosition(sql, offset);
  return new SqlSyntaxError(message, hint === undefined ? { position } : { position, hint });
}

export function tooComplexError(sql: string, offset: number, depthMax: number): StatementTooComplexError {
  return new StatementTooComplexError("stack depth limit exceeded", {
    position: characterPosition(sql, offset),
    hint: `The statement nests expressions or subqueries deeper than ${depthMax} levels.`,
  });
}
