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
 * Invariants: `final` is called once per group; a DISTINCT group holds at most
 * `distinctRowsMax` rows (the aggregation operator spills before that, once it exists).
 */
import { ProgramLimitExceededError, assert } from "@omnikv/base";
import { resolveOperator } from "@omnikv/planner";
import type { SqlValue } from "../values.ts";
import type { AggregateFunction } from "./aggregate-types.ts";
import type { EvalContext, ScalarFunction } from "./function-types.ts";
import type { FunctionRegistry } from "./registry.ts";
import { pgQsort } from "../internal/pg-qsort.ts";

/** The most rows one DISTINCT aggregate group buffers in memory. */
export const distinctRowsMax = 16_000_000;

export interface AggregateCallSpec {
  readonly aggregate: AggregateFunction;
  /** The resolved argument types (`ResolvedCall.argTypes`); empty for `count(*)`. */
  readonly argTypes: readonly number[];
  readonly isStrict: boolean;
  readonly isDistinct: boolean;
}

/** The running aggregate of one group. */
export interface AggregateGroup {
  /** One input row: its FILTER result (`true` without FILTER) and its argument values. */
  add(filter: SqlValue, args: readonly SqlValue[], context: EvalContext): void;
  /** The aggregate's value over the rows added; call once. */
  final(context: EvalContext): SqlValue;
}

type Compare = (a: SqlValue, b: SqlValue, context: EvalContext) => number;

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

function compareLists(compares: readonly Compare[], a: readonly SqlValue[], b: readonly SqlValue[], context: EvalContext): number {
  for (let i = 0; i < compares.length; i++) {
    const compare = compares[i];
    assert(compare !== undefined, "one comparator per argument");
    const order = compare(a[i] ?? null, b[i] ?? null, context);
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
  return () => {
    const state = aggregate(argTypes);
    const pending: (readonly SqlValue[])[] = [];
    let isFinal = false;
    return {
      add(filter, args, context) {
        assert(!isFinal, "no rows after final");
        assert(args.length === argTypes.length, "one value per argument");
        if (filter !== true) return;
        if (isStrict && args.some((arg) => arg === null)) return;
        if (!isDistinct) return state.step(args, context);
        if (pending.length >= distinctRowsMax) {
          throw new ProgramLimitExceededError(`a DISTINCT aggregate group holds at most ${distinctRowsMax} rows`);
        }
        pending.push([...args]);
      },
      final(context) {
        assert(!isFinal, "final is called once");
        isFinal = true;
        // PostgreSQL's own quicksort, so that of equal rows that print differently (1.0 and 1.00)
        // the same one comes first and is kept.
        pgQsort(pending, (a, b) => compareLists(compares, a, b, context));
        let previous: readonly SqlValue[] | undefined;
        for (const args of pending) {
          if (previous === undefined || compareLists(compares, previous, args, context) !== 0) state.step(args, context);
          previous = args;
        }
        return state.final(context);
      },
    };
  };
}
