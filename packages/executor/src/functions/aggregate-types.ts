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
  /**
   * The aggregate's value over the rows stepped so far (NULL for none, except count). Ordered-set
   * aggregates also get their group's direct arguments and the WITHIN GROUP key's equality.
   */
  final(context: EvalContext, group?: OrderedSetGroup): SqlValue;
}

/** What an ordered-set aggregate's final function needs beyond its sorted values. */
export interface OrderedSetGroup {
  /** The direct arguments (the fraction of percentile_cont), evaluated once for the group. */
  readonly directArgs: readonly SqlValue[];
  /** Whether two values are equal under the WITHIN GROUP key's btree order (mode counts runs of them). */
  readonly isPeer: (a: SqlValue, b: SqlValue) => boolean;
  /** The order of two argument rows under every WITHIN GROUP key (hypothetical-set aggregates). */
  readonly compareRows: (a: readonly SqlValue[], b: readonly SqlValue[]) => number;
}

/**
 * Creates a fresh state for one group. `argTypes` are the resolved argument types (the planner's
 * `ResolvedCall.argTypes`): polymorphic aggregates such as `json_agg` need them to format values.
 */
export type AggregateFunction = (argTypes: readonly number[]) => AggregateState;

export type AggregateTable = Readonly<Record<string, AggregateFunction>>;
