/**
 * @omnikv/base — the leaf every OmniKV-TS package imports: assertions, `DbError` and SQLSTATE
 * codes, and branded ids. It has no dependencies of its own.
 */
export { AssertionError, assert, assertDefined, assertNever, invariants } from "./assert.ts";
export {
  DataCorruptedError,
  DatetimeFieldOverflowError,
  DbError,
  DivisionByZeroError,
  FeatureNotSupportedError,
  InvalidBinaryRepresentationError,
  InvalidDatetimeFormatError,
  InvalidTextRepresentationError,
  NumericValueOutOfRangeError,
  StringDataRightTruncationError,
  InvalidParameterValueError,
  IoError,
  ObjectNotInPrerequisiteStateError,
  ProgramLimitExceededError,
  SqlState,
  StatementTooComplexError,
  hasSqlState,
} from "./errors.ts";
export type { DbErrorOptions } from "./errors.ts";
export { lsn, pageId, term, txnId } from "./ids.ts";
export { TypeOid } from "./types/oids.ts";
export type { Brand, Lsn, PageId, Term, TxnId } from "./ids.ts";
