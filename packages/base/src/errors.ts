/**
 * `DbError` is the one error type operating failures take across every package: bad SQL, a
 * serialization conflict, corruption, an I/O failure. Each carries a PostgreSQL SQLSTATE so pgwire
 * can send it as-is and callers can branch on `sqlState` (never on message text). Retryable errors
 * are exactly those of SQLSTATE class 40.
 *
 * Packages define concrete subclasses in their own `errors.ts`, each with a literal `name`.
 * Messages follow PostgreSQL style: lowercase, no final period, identifiers quoted.
 */
import { assert } from "./assert.ts";

/** The SQLSTATE codes OmniKV-TS raises. Values are PostgreSQL's (Appendix A of its manual). */
export const SqlState = {
  SuccessfulCompletion: "00000",
  FeatureNotSupported: "0A000",
  InvalidParameterValue: "22023",
  InvalidRowCountInLimitClause: "2201W",
  InvalidRowCountInResultOffsetClause: "2201X",
  InvalidTextRepresentation: "22P02",
  NumericValueOutOfRange: "22003",
  DivisionByZero: "22012",
  StringDataRightTruncation: "22001",
  InvalidDatetimeFormat: "22007",
  DatetimeFieldOverflow: "22008",
  InvalidTimeZoneDisplacementValue: "22009",
  InvalidBinaryRepresentation: "22P03",
  InvalidEscapeSequence: "22025",
  UntranslatableCharacter: "22P05",
  InvalidRegularExpression: "2201B",
  SubstringError: "22011",
  InvalidUseOfEscapeCharacter: "2200C",
  DataException: "22000",
  InvalidArgumentForLogarithm: "2201E",
  InvalidArgumentForPowerFunction: "2201F",
  ArraySubscriptError: "2202E",
  NullValueNotAllowed: "22004",
  InvalidPrecedingOrFollowingSize: "22013",
  IntervalFieldOverflow: "22015",
  DatatypeMismatch: "42804",
  UndefinedFunction: "42883",
  AmbiguousFunction: "42725",
  UndefinedColumn: "42703",
  AmbiguousColumn: "42702",
  UndefinedObject: "42704",
  WrongObjectType: "42809",
  CannotCoerce: "42846",
  CharacterNotInRepertoire: "22021",
  UndefinedParameter: "42P02",
  WindowingError: "42P20",
  ProgramLimitExceeded: "54000",
  StatementTooComplex: "54001",
  SerializationFailure: "40001",
  DeadlockDetected: "40P01",
  LockNotAvailable: "55P03",
  QueryCanceled: "57014",
  InvalidTransactionState: "25000",
  ActiveSqlTransaction: "25001",
  ReadOnlySqlTransaction: "25006",
  InFailedSqlTransaction: "25P02",
  NoActiveSqlTransaction: "25P01",
  InvalidSavepointSpecification: "3B001",
  SyntaxError: "42601",
  InvalidName: "42602",
  UndefinedTable: "42P01",
  GroupingError: "42803",
  InvalidColumnReference: "42P10",
  InvalidObjectDefinition: "42P17",
  DuplicateAlias: "42712",
  CardinalityViolation: "21000",
  InvalidRecursion: "42P19",
  UniqueViolation: "23505",
  NotNullViolation: "23502",
  ForeignKeyViolation: "23503",
  CheckViolation: "23514",
  DuplicateTable: "42P07",
  DuplicateObject: "42710",
  DuplicateSchema: "42P06",
  DuplicateColumn: "42701",
  DuplicatePreparedStatement: "42P05",
  InvalidSqlStatementName: "26000",
  InvalidCursorName: "34000",
  InvalidSchemaName: "3F000",
  InvalidTableDefinition: "42P16",
  DependentObjectsStillExist: "2BP01",
  SequenceGeneratorLimitExceeded: "2200H",
  InvalidColumnDefinition: "42611",
  BadCopyFileFormat: "22P04",
  IdleInTransactionSessionTimeout: "25P03",
  InvalidForeignKey: "42830",
  InvalidPassword: "28P01",
  InvalidAuthorizationSpecification: "28000",
  InsufficientPrivilege: "42501",
  InvalidGrantOperation: "0LP01",
  UndefinedDatabase: "3D000",
  ReservedName: "42939",
  ObjectInUse: "55006",
  ProtocolViolation: "08P01",
  ObjectNotInPrerequisiteState: "55000",
  DataCorrupted: "XX001",
  IoError: "58030",
  InternalError: "XX000",
} as const;

export type SqlState = (typeof SqlState)[keyof typeof SqlState];

/** What a `DbError` may carry beside its message; pgwire sends each as its ErrorResponse field. */
export interface DbErrorOptions {
  readonly cause?: unknown;
  /** 1-based character index into the statement text (ErrorResponse `P`), where it applies. */
  readonly position?: number;
  /** A suggestion for the user (`H`). */
  readonly hint?: string;
  /** More detail about the failure (`D`). */
  readonly detail?: string;
}

export abstract class DbError extends Error {
  abstract readonly sqlState: SqlState;
  readonly position: number | undefined;
  readonly hint: string | undefined;
  readonly detail: string | undefined;

  constructor(message: string, options: DbErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    if (options.position !== undefined) {
      assert(Number.isInteger(options.position) && options.position >= 1, "an error position is 1-based");
    }
    this.position = options.position;
    this.hint = options.hint;
    this.detail = options.detail;
  }

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

/** 2201W: a negative LIMIT. */
export class InvalidRowCountInLimitClauseError extends DbError {
  override readonly name: string = "InvalidRowCountInLimitClauseError";
  readonly sqlState = SqlState.InvalidRowCountInLimitClause;
}

/** 2201X: a negative OFFSET. */
export class InvalidRowCountInResultOffsetClauseError extends DbError {
  override readonly name: string = "InvalidRowCountInResultOffsetClauseError";
  readonly sqlState = SqlState.InvalidRowCountInResultOffsetClause;
}

/** A feature PostgreSQL has and OmniKV-TS does not (yet): the message names it. */
export class FeatureNotSupportedError extends DbError {
  override readonly name: string = "FeatureNotSupportedError";
  readonly sqlState = SqlState.FeatureNotSupported;
}

/** A statement nests deeper than the documented limit (PostgreSQL: stack depth limit exceeded). */
export class StatementTooComplexError extends DbError {
  override readonly name: string = "StatementTooComplexError";
  readonly sqlState = SqlState.StatementTooComplex;
}

/** 22P02: text that is not a valid value of its type (`invalid input syntax for type integer: "x"`). */
export class InvalidTextRepresentationError extends DbError {
  override readonly name: string = "InvalidTextRepresentationError";
  readonly sqlState = SqlState.InvalidTextRepresentation;
}

/** 22003: a value outside its type's range (`integer out of range`, `numeric field overflow`). */
export class NumericValueOutOfRangeError extends DbError {
  override readonly name: string = "NumericValueOutOfRangeError";
  readonly sqlState = SqlState.NumericValueOutOfRange;
}

/** 22012: `division by zero`. */
export class DivisionByZeroError extends DbError {
  override readonly name: string = "DivisionByZeroError";
  readonly sqlState = SqlState.DivisionByZero;
}

/** 22001: `value too long for type character varying(3)`. */
export class StringDataRightTruncationError extends DbError {
  override readonly name: string = "StringDataRightTruncationError";
  readonly sqlState = SqlState.StringDataRightTruncation;
}

/** 22007: a date/time string in no recognizable format. */
export class InvalidDatetimeFormatError extends DbError {
  override readonly name: string = "InvalidDatetimeFormatError";
  readonly sqlState = SqlState.InvalidDatetimeFormat;
}

/** 22008: a date/time field out of range (`date/time field value out of range`, `timestamp out of range`). */
export class DatetimeFieldOverflowError extends DbError {
  override readonly name: string = "DatetimeFieldOverflowError";
  readonly sqlState = SqlState.DatetimeFieldOverflow;
}

/** 22P03: a binary-format value (pgwire `Bind` with format 1) that does not decode. */
export class InvalidBinaryRepresentationError extends DbError {
  override readonly name: string = "InvalidBinaryRepresentationError";
  readonly sqlState = SqlState.InvalidBinaryRepresentation;
}

/** 2201E: `cannot take logarithm of zero`, `cannot take logarithm of a negative number`. */
export class InvalidArgumentForLogarithmError extends DbError {
  override readonly name: string = "InvalidArgumentForLogarithmError";
  readonly sqlState = SqlState.InvalidArgumentForLogarithm;
}

/** 2201F: `zero raised to a negative power is undefined`, square root of a negative number. */
export class InvalidArgumentForPowerFunctionError extends DbError {
  override readonly name: string = "InvalidArgumentForPowerFunctionError";
  readonly sqlState = SqlState.InvalidArgumentForPowerFunction;
}

/** 2202E: an impossible array subscript or bound (`upper bound cannot be less than lower bound`). */
export class ArraySubscriptError extends DbError {
  override readonly name: string = "ArraySubscriptError";
  readonly sqlState = SqlState.ArraySubscriptError;
}

/** 42804: a value of one type where another is required (e.g. an array's element type). */
export class DatatypeMismatchError extends DbError {
  override readonly name: string = "DatatypeMismatchError";
  readonly sqlState = SqlState.DatatypeMismatch;
}

/** 22021: bytes that are not valid UTF-8, from an escape in a literal or a binary value. */
export class CharacterNotInRepertoireError extends DbError {
  override readonly name: string = "CharacterNotInRepertoireError";
  readonly sqlState = SqlState.CharacterNotInRepertoire;
}

/** 22P05: a character the database encoding cannot hold, such as `\u0000` in jsonb. */
export class UntranslatableCharacterError extends DbError {
  override readonly name: string = "UntranslatableCharacterError";
  readonly sqlState = SqlState.UntranslatableCharacter;
}

/** 22004: a NULL where none is allowed (`path element at position 1 is null`). */
export class NullValueNotAllowedError extends DbError {
  override readonly name: string = "NullValueNotAllowedError";
  readonly sqlState = SqlState.NullValueNotAllowed;
}

/** 08P01: a message or binary value that breaks the protocol (`insufficient data left in message`). */
export class ProtocolViolationError extends DbError {
  override readonly name: string = "ProtocolViolationError";
  readonly sqlState = SqlState.ProtocolViolation;
}

/** XX000: a state PostgreSQL reports with `elog(ERROR)`, e.g. `unsupported jsonb version number 2`. */
export class InternalError extends DbError {
  override readonly name: string = "InternalError";
  readonly sqlState = SqlState.InternalError;
}

/** 22015: `interval field value out of range`. */
export class IntervalFieldOverflowError extends DbError {
  override readonly name: string = "IntervalFieldOverflowError";
  readonly sqlState = SqlState.IntervalFieldOverflow;
}

/** 22009: `time zone displacement out of range`. */
export class InvalidTimeZoneDisplacementValueError extends DbError {
  override readonly name: string = "InvalidTimeZoneDisplacementValueError";
  readonly sqlState = SqlState.InvalidTimeZoneDisplacementValue;
}

/** 42846: `cannot cast type integer to boolean`. */
export class CannotCoerceError extends DbError {
  override readonly name: string = "CannotCoerceError";
  readonly sqlState = SqlState.CannotCoerce;
}

/** 42704: `type "foo" does not exist`. */
export class UndefinedObjectError extends DbError {
  override readonly name: string = "UndefinedObjectError";
  readonly sqlState = SqlState.UndefinedObject;
}

/** 42809: `op ANY/ALL (array) requires array on right side`. */
export class WrongObjectTypeError extends DbError {
  override readonly name: string = "WrongObjectTypeError";
  readonly sqlState = SqlState.WrongObjectType;
}

/** 22011: `negative substring length not allowed`. */
export class SubstringError extends DbError {
  override readonly name: string = "SubstringError";
  readonly sqlState = SqlState.SubstringError;
}

/** 22025: a LIKE pattern ending in its escape character, an invalid escape string. */
export class InvalidEscapeSequenceError extends DbError {
  override readonly name: string = "InvalidEscapeSequenceError";
  readonly sqlState = SqlState.InvalidEscapeSequence;
}

/** 2201B: a regular expression that does not compile. */
export class InvalidRegularExpressionError extends DbError {
  override readonly name: string = "InvalidRegularExpressionError";
  readonly sqlState = SqlState.InvalidRegularExpression;
}

/** 2200C: more than two escape-double-quote separators in a SIMILAR TO pattern. */
export class InvalidUseOfEscapeCharacterError extends DbError {
  override readonly name: string = "InvalidUseOfEscapeCharacterError";
  readonly sqlState = SqlState.InvalidUseOfEscapeCharacter;
}

/** 22000: a data exception with no more specific code (array_append on a multidimensional array). */
export class DataExceptionError extends DbError {
  override readonly name: string = "DataExceptionError";
  readonly sqlState = SqlState.DataException;
}

/** Whether `error` is a `DbError` of the given SQLSTATE. */
export function hasSqlState(error: unknown, sqlState: SqlState): boolean {
  return error instanceof DbError && error.sqlState === sqlState;
}
