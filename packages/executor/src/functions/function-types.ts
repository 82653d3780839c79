/**
 * What an implementation of a built-in function, operator or cast looks like. Implementations
 * are keyed by the planner's signature ids (`+(int4,int8)`, `lower(text)`, `cast(int4,int8)`), so
 * the planner resolves against signatures and the executor never re-resolves anything per row.
 */
import type { SqlValue } from "../values.ts";

/** Session state an expression may read. */
export interface EvalContext {
  /** The `extra_float_digits` setting (-15…3, default 1), for float output. */
  readonly extraFloatDigits: number;
  /** The session `TimeZone`, an IANA name or a fixed offset as PostgreSQL accepts it. */
  readonly timeZone: string;
  /** The transaction's start time in microseconds since 2000-01-01 UTC (`now()`). */
  readonly transactionStartMicros: bigint;
}

/** A strict implementation is never called with a NULL argument; the evaluator handles that. */
export type ScalarFunction = (args: readonly SqlValue[], context: EvalContext) => SqlValue;

export type FunctionTable = Readonly<Record<string, ScalarFunction>>;

/**
 * An implementation specialized once per call site with the resolved argument type OIDs: int4,
 * float8 and date share one JavaScript representation, so `to_json` or `format` cannot tell them
 * apart from values alone.
 */
export type TypedScalarFunction = (argTypes: readonly number[]) => ScalarFunction;

export type TypedFunctionTable = Readonly<Record<string, TypedScalarFunction>>;
