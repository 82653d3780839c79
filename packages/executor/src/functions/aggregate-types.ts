/**
 * What an aggregate implementation looks like. The aggregation operator creates one state per
 * group, feeds it the argument values of each row, and asks for the result at the end; DISTINCT,
 * FILTER and the skipping of NULL rows for strict aggregates are the operator's job, so a state
 * sees only the rows that count.
 */
import type { SqlValue } from "../values.ts";
import type { EvalContext } from "./function-types.ts";

export interface AggregateState {
  /** Accumulates one row's arguments. */
  step(args: readonly SqlValue[], context: EvalContext): void;
  /** The aggregate's value over the rows stepped so far (NULL for none, except count). */
  final(context: EvalContext): SqlValue;
}

/**
 * Creates a fresh state for one group. `argTypes` are the resolved argument types (the planner's
 * `ResolvedCall.argTypes`): polymorphic aggregates such as `json_agg` need them to format values.
 */
export type AggregateFunction = (argTypes: readonly number[]) => AggregateState;

export type AggregateTable = Readonly<Record<string, AggregateFunction>>;
