/**
 * @omnikv/base — the leaf every OmniKV-TS package imports: assertions, `DbError` and SQLSTATE
 * codes, and branded ids. It has no dependencies of its own.
 */
export { AssertionError, assert, assertDefined, assertNever, invariants } from "./assert.ts";
export {
  DataCorruptedError,
  ArraySubscriptError,
  CannotCoerceError,
  DataExceptionError,
  CharacterNotInRepertoireError,
  DatatypeMismatchError,
  DatetimeFieldOverflowError,
  DbError,
  DivisionByZeroError,
  FeatureNotSupportedError,
  InvalidArgumentForLogarithmError,
  InvalidArgumentForPowerFunctionError,
  InvalidBinaryRepresentationError,
  InvalidEscapeSequenceError,
  InvalidRegularExpressionError,
  InvalidUseOfEscapeCharacterError,
  InvalidDatetimeFormatError,
  InternalError,
  IntervalFieldOverflowError,
  InvalidTimeZoneDisplacementValueError,
  InvalidTextRepresentationError,
  NullValueNotAllowedError,
  NumericValueOutOfRangeError,
  StringDataRightTruncationError,
  SubstringError,
  UndefinedObjectError,
  UntranslatableCharacterError,
  WrongObjectTypeError,
  InvalidParameterValueError,
  InvalidRowCountInLimitClauseError,
  InvalidRowCountInResultOffsetClauseError,
  IoError,
  ObjectNotInPrerequisiteStateError,
  ProgramLimitExceededError,
  ProtocolViolationError,
  SqlState,
  StatementTooComplexError,
  hasSqlState,
} from "./errors.ts";
export type { DbErrorOptions } from "./errors.ts";
export { lsn, pageId, term, txnId } from "./ids.ts";
export { TypeOid } from "./types/oids.ts";
export { typeInfo, typeInfoByName, typeLength } from "./types/type-catalog.ts";
export type { TypeCategory, TypeInfo } from "./types/type-catalog.ts";
export { Numeric, numericDscaleMax, numericIntegerDigitsMax, numericPrecisionMax } from "./types/numeric.ts";
export type { NumericIntType, NumericKind } from "./types/numeric.ts";
export * from "./types/scalar.ts";
export { arrayDimensionsMax, arrayOf, formatArray, parseArray, recvArray, sendArray } from "./types/array.ts";
export type { ArrayElementBinary, ArrayElementText, PgArray } from "./types/array.ts";
export * from "./types/json.ts";
export * from "./types/datetime.ts";
export type { Brand, Lsn, PageId, Term, TxnId } from "./ids.ts";
export { formatValue, hasTextIo, parseValue } from "./types/text-io.ts";
export { EnumValue, compareEnum, decodeEnumStorage, encodeEnumStorage, enumLabelBytesMax, firstUserOid, isDomainType, isEnumOid, isEnumValue } from "./types/enum.ts";
export type { DomainType, EnumType, UserType } from "./types/enum.ts";
export { RecordValue, formatRecord } from "./types/record.ts";
export { hasBinaryIo, recvValue, sendValue } from "./types/binary-io.ts";
export { hasHash, hashValue } from "./types/hash-value.ts";
export type { SqlValue, TextIoSettings } from "./types/text-io.ts";
