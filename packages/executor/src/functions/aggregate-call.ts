/**
 * One aggregate call of a query as the aggregation operator runs it for each group: what
 * PostgreSQL's nodeAgg does around an aggregate's transition function.
 *
 * - FILTER: a row counts only when its FILTER condition is true (false and NULL skip it).
 * - Strictness: a strict aggregate (`sum`, `count(x)`, `min` …) skips a row with a NULL argument;
 *   the non-strict ones (`array_agg`, `string_agg`, `json_agg`, `jsonb_agg`) see it.
 * - DISTINCT: the counting rows' argument lists are collected, sorted with the argument types'
 *   btree order (`<` and `=` resolved once, here, as PostgreSQL takes them from the default btree
 *   opclass; NULLs last) by PostgreSQL's own quicksort, and each run of equal lists is fed to the
 *   state once, keeping the first of the run. The state therefore sees DISTINCT input in sorted order, which is why
 *   `array_agg(DISTINCT x)` comes out sorted in PostgreSQL. A type without `=` (json) fails when
 *   the call is prepared, with 42883 as PostgreSQL's "could not identify an equality operator".
 *
 * - ORDER BY inside the call: the counting rows (arguments and key values) are buffered and
 *   fed to the state in key order at `final`; with DISTINCT the keys are among the arguments
 *   (the planner checks), the rows are sorted by keys then arguments and equal ones fed once.
 *
 * Invariants: `final` is called once per group; a DISTINCT or ORDER BY group holds at most
 * `bufferedRowsMax` rows (the aggregation operator spills before that, once it exists).
 */
import { ProgramLimitExceededError, assert } from "@omnikv/base";
import { resolveOperator } from "@omnikv/planner";
import type { SqlValue } from "../values.ts";
import type { AggregateFunction } from "./aggregate-types.ts";
import type { EvalContext, ScalarFunction } from "./function-types.ts";
import type { FunctionRegistry } from "./registry.ts";
import { pgQsort } from "../internal/pg-qsort.ts";

/** The most rows one DISTINCT or ORDER BY aggregate group buffers in memory. */
export const bufferedRowsMax = 16_000_000;

/** The order of two values of one type (negative, zero, positive). */
export type Compare = (a: SqlValue, b: SqlValue, context: EvalContext) => number;

export interface AggregateCallSpec {
  readonly aggregate: AggregateFunction;
  /** The resolved argument types (`ResolvedCall.argTypes`); empty for `count(*)`. */
  readonly argTypes: readonly number[];
  readonly isStrict: boolean;
  readonly isDistinct: boolean;
  /**
   * ORDER BY inside the call, one comparator per key (direction and NULL placement included):
   * each row's key values follow its arguments in `add`'s `args`.
   */
  readonly orderBy?: readonly Compare[];
  /**
   * Ordered-set aggregates: how many values at the front of `add`'s `args` are direct arguments.
   * They are taken from the group's first row (they are the same for every row) whatever its
   * FILTER or NULLs, and handed to `final` with the first ORDER BY key's equality.
   */
  readonly directArgCount?: number;
}

/** The running aggregate of one group. */
export interface AggregateGroup {
  /** One input row: its FILTER result (`true` without FILTER) and its argument values. */
  add(filter: SqlValue, args: readonly SqlValue[], context: EvalContext): void;
  /**
   * The aggregate's value over the rows added; call once. `directArgsWithoutRows` supplies an
   * ordered-set aggregate's direct arguments when the group saw no row at all (an aggregate
   * without GROUP BY over no input).
   */
  final(context: EvalContext, directArgsWithoutRows?: () => readonly SqlValue[]): SqlValue;
}

/** The btree order of one type, NULLs after every value and equal to each other. */
function typeComparator(oid: number, registry: FunctionRegistry): Compare {
  const lookup = (op: string): ScalarFunction => {
    const resolved = resolveOperator(op, [oid, oid]);
    return registry.lookup(resolved.signature.id, resolved.argTypes);
  };
  const equal = lookup("=");
  const less = lookup("<");
  return (a, b, context) => {
    if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
    if (equal([a, b], context) === true) return 0;
    return less([a, b], context) === true ? -1 : 1;
  };
}

/** Compares `a` and `b` on the values from index `from` on, one comparator each. */
function compareLists(compares: readonly Compare[], a: readonly SqlValue[], b: readonly SqlValue[], context: EvalContext, from = 0): number {
  for (let i = 0; i < compares.length; i++) {
    const compare = compares[i];
    assert(compare !== undefined, "one comparator per argument");
    const order = compare(a[from + i] ?? null, b[from + i] ?? null, context);
    if (order !== 0) return order;
  }
  return 0;
}

/**
 * Prepares an aggregate call once per plan; the result creates a fresh group state per group.
 * Resolving DISTINCT's operators here makes a type without them fail before any row is read.
 */
export function prepareAggregateCall(spec: AggregateCallSpec, registry: FunctionRegistry): () => AggregateGroup {
  assert(!(spec.isDistinct && spec.argTypes.length === 0), "DISTINCT needs arguments (no count(DISTINCT *))");
  const compares = spec.isDistinct ? spec.argTypes.map((oid) => typeComparator(oid, registry)) : [];
  const { aggregate, argTypes, isStrict, isDistinct } = spec;
  const orderBy = spec.orderBy ?? [];
  const directCount = spec.directArgCount ?? 0;
  const argCount = argTypes.length;
  assert(directCount === 0 || (orderBy.length === argCount && !isDistinct), "an ordered-set aggregate orders by its aggregated arguments");
  const isBuffered = isDistinct || orderBy.length > 0;
  /** ORDER BY keys first; under DISTINCT the arguments break ties, so equal ones end up adjacent. */
  const order = (a: readonly SqlValue[], b: readonly SqlValue[], context: EvalContext): number =>
    compareLists(orderBy, a, b, context, argCount) || compareLists(compares, a, b, context);
  return () => {
    const state = aggregate(argTypes);
    const pending: (readonly SqlValue[])[] = [];
    let isFinal = false;
    let directArgs: readonly SqlValue[] | undefined;
    return {
      add(filter, allArgs, context) {
        assert(!isFinal, "no rows after final");
        assert(allArgs.length === directCount + argCount + orderBy.length, "one value per direct argument, argument and ORDER BY key");
        if (directCount > 0) directArgs ??= allArgs.slice(0, directCount);
        const args = directCount === 0 ? allArgs : allArgs.slice(directCount);
        if (filter !== true) return;
        if (isStrict && args.some((arg, i) => i < argCount && arg === null)) return;
        if (!isBuffered) return state.step(args, context);
        if (pending.length >= bufferedRowsMax) {
          throw new ProgramLimitExceededError(`a DISTINCT or ORDER BY aggregate group holds at most ${bufferedRowsMax} rows`);
        }
        pending.push([...args]);
      },
      final(context, directArgsWithoutRows) {
        assert(!isFinal, "final is called once");
        isFinal = true;
        if (!isDistinct) {
          // Array.prototype.sort is stable: rows with equal keys keep their input order.
          if (orderBy.length > 0) pending.sort((a, b) => order(a, b, context));
          for (const row of pending) state.step(row.length === argCount ? row : row.slice(0, argCount), context);
          if (directCount === 0 && orderBy.length === 0) return state.final(context);
          const firstKey = orderBy[0];
          const isPeer = (a: SqlValue, b: SqlValue): boolean => firstKey?.(a, b, context) === 0;
          const compareRows = (a: readonly SqlValue[], b: readonly SqlValue[]): number => compareLists(orderBy, a, b, context);
          return state.final(context, { directArgs: directArgs ?? directArgsWithoutRows?.() ?? [], isPeer, compareRows });
        }
        // PostgreSQL's own quicksort, so that of equal rows that print differently (1.0 and 1.00)
        // the same one comes first and is kept.
        pgQsort(pending, (a, b) => order(a, b, context));
        let previous: readonly SqlValue[] | undefined;
        for (const row of pending) {
          if (previous === undefined || compareLists(compares, previous, row, context) !== 0) state.step(row.length === argCount ? row : row.slice(0, argCount), context);
          previous = row;
        }
        return state.final(context);
      },
    };
  };
}
