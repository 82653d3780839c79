/**
 * The query binder's errors, with PostgreSQL's SQLSTATEs and messages.
 */
import { DbError, SqlState } from "@omnikv/base";

/** 42P01: `relation "t" does not exist`, `missing FROM-clause entry for table "t"`. */
export class UndefinedTableError extends DbError {
  override readonly name = "UndefinedTableError";
  readonly sqlState = SqlState.UndefinedTable;
}

/** 42703: `column "x" does not exist`. */
export class UndefinedColumnError extends DbError {
  override readonly name = "UndefinedColumnError";
  readonly sqlState = SqlState.UndefinedColumn;
}

/** 42702: `column reference "x" is ambiguous`. */
export class AmbiguousColumnError extends DbError {
  override readonly name = "AmbiguousColumnError";
  readonly sqlState = SqlState.AmbiguousColumn;
}

/** 42803: a column outside GROUP BY and aggregates, or an aggregate where none may be. */
export class GroupingError extends DbError {
  override readonly name = "GroupingError";
  readonly sqlState = SqlState.GroupingError;
}

/** 42P10: an ORDER BY or GROUP BY position out of range; DISTINCT with ORDER BY outside it. */
export class InvalidColumnReferenceError extends DbError {
  override readonly name = "InvalidColumnReferenceError";
  readonly sqlState = SqlState.InvalidColumnReference;
}

/** 42712: `table name "t" specified more than once`. */
export class DuplicateAliasError extends DbError {
  override readonly name = "DuplicateAliasError";
  readonly sqlState = SqlState.DuplicateAlias;
}

/** 42P19: a WITH RECURSIVE query not of the form non-recursive-term UNION [ALL] recursive-term. */
export class InvalidRecursionError extends DbError {
  override readonly name = "InvalidRecursionError";
  readonly sqlState = SqlState.InvalidRecursion;
}
