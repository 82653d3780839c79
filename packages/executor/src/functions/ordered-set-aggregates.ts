/**
 * Ordered-set aggregates (PostgreSQL's orderedsetaggs.c): `percentile_cont`, `percentile_disc`
 * and `mode` WITHIN GROUP (ORDER BY x). The aggregation feeds each state its group's non-NULL
 * values already sorted by the WITHIN GROUP key (aggregate-call.ts buffers and sorts them, as for
 * an aggregate's own ORDER BY), and hands `final` the direct arguments and the key's equality.
 *
 * - percentile_cont(f): interpolates between the values at positions floor and ceil of
 *   f × (n − 1) (float8, or interval through interval arithmetic).
 * - percentile_disc(f): the first value whose position K (1-based) has K / n ≥ f.
 * - mode(): the value of the longest run of equal values, the first such run in sort order.
 * - The array forms take a float8[] of fractions and answer an array of the same shape.
 * - rank, dense_rank, percent_rank, cume_dist (hypothetical-set): see HypotheticalState.
 *
 * Fractions: NULL gives NULL; outside [0, 1] or NaN is 22003. A scalar fraction is checked before
 * the rows are looked at (so even for a group without values); an array's only when the group has
 * values, as in PostgreSQL.
 *
 * Memory: a group's values are held in memory until its final (at most `bufferedRowsMax` per
 * group); the aggregation operator spills whole groups beyond work_mem, not one group's values.
 */
import { NumericValueOutOfRangeError, addIntervals, assert, assertNever, multiplyInterval, subtractIntervals, type PgArray } from "@omnikv/base";
import { asInterval, asNumber, type SqlArray, type SqlValue } from "../values.ts";
import type { AggregateState, AggregateTable, OrderedSetGroup } from "./aggregate-types.ts";

type Finish = (values: readonly SqlValue[], group: OrderedSetGroup) => SqlValue;

/** Collects the sorted values; `finish` is the final function. */
class OrderedSetState implements AggregateState {
  readonly #values: SqlValue[] = [];
  readonly #finish: Finish;

  constructor(finish: Finish) {
    this.#finish = finish;
  }

  step(args: readonly SqlValue[]): void {
    const value = args[0] ?? null;
    assert(value !== null, "an ordered-set aggregate sees no NULL values (it is strict)");
    this.#values.push(value);
  }

  final(_context: unknown, group?: OrderedSetGroup): SqlValue {
    assert(group !== undefined, "an ordered-set aggregate's final gets its group");
    return this.#finish(this.#values, group);
  }
}

/** C's %g for the error message: six significant digits, no trailing zeros. */
function formatG(value: number): string {
  return Number.isFinite(value) ? String(Number(value.toPrecision(6))) : String(value).replace("Infinity", "inf").toLowerCase();
}

function checkedFraction(value: SqlValue): number {
  const fraction = asNumber(value);
  if (!(fraction >= 0 && fraction <= 1)) throw new NumericValueOutOfRangeError(`percentile value ${formatG(fraction)} is not between 0 and 1`);
  return fraction;
}

type Lerp = (low: SqlValue, high: SqlValue, proportion: number) => SqlValue;

const floatLerp: Lerp = (low, high, proportion) => {
  const lo = asNumber(low);
  return lo + (asNumber(high) - lo) * proportion;
};

/** interval_lerp: lo + (hi − lo) × proportion. */
const intervalLerp: Lerp = (low, high, proportion) => addIntervals(multiplyInterval(subtractIntervals(asInterval(high), asInterval(low)), proportion), asInterval(low));

function percentileCont(values: readonly SqlValue[], fraction: number, lerp: Lerp): SqlValue {
  if (values.length === 0) return null;
  const position = fraction * (values.length - 1);
  const first = Math.floor(position);
  const second = Math.ceil(position);
  const low = values[first] ?? null;
  if (second === first) return low;
  return lerp(low, values[second] ?? null, position - first);
}

function percentileDisc(values: readonly SqlValue[], fraction: number): SqlValue {
  if (values.length === 0) return null;
  // The smallest K with K / n >= fraction; K = 0 (fraction 0) means the first value.
  const rowNumber = Math.ceil(fraction * values.length);
  assert(rowNumber <= values.length, "percentile_disc's row is in the group");
  return values[Math.max(rowNumber - 1, 0)] ?? null;
}

function scalarPercentile(pick: (values: readonly SqlValue[], fraction: number) => SqlValue): Finish {
  return (values, group) => {
    const direct = group.directArgs[0] ?? null;
    if (direct === null) return null;
    return pick(values, checkedFraction(direct));
  };
}

function isArray(value: SqlValue): value is SqlArray {
  return typeof value === "object" && value !== null && "dims" in value && "elements" in value;
}

/** The array forms: one result per fraction, NULL for a NULL fraction, in the fractions' shape. */
function arrayPercentile(pick: (values: readonly SqlValue[], fraction: number) => SqlValue): Finish {
  return (values, group) => {
    const direct = group.directArgs[0] ?? null;
    if (values.length === 0 || direct === null) return null;
    assert(isArray(direct), "the fractions are a float8[]");
    const elements = direct.elements.map((fraction) => (fraction === null ? null : pick(values, checkedFraction(fraction))));
    const result: PgArray<SqlValue> = { dims: direct.dims, lowerBounds: direct.lowerBounds, elements };
    return result;
  };
}

/** mode_final: the first value of the longest run of peers (a later run must be strictly longer). */
const mode: Finish = (values, group) => {
  let best: SqlValue = null;
  let bestCount = 0;
  let runStart = 0;
  for (let i = 1; i <= values.length; i++) {
    if (i < values.length && group.isPeer(values[runStart] ?? null, values[i] ?? null)) continue;
    if (i - runStart > bestCount) {
      best = values[runStart] ?? null;
      bestCount = i - runStart;
    }
    runStart = i;
  }
  return best;
};

/**
 * Hypothetical-set aggregates (hypothetical_rank_common): where the direct arguments' row would
 * fall among the group's rows in WITHIN GROUP order. rank and percent_rank put it before its
 * peers, cume_dist after them; dense_rank counts the distinct rows before it.
 */
type HypotheticalName = "rank" | "dense_rank" | "percent_rank" | "cume_dist";

class HypotheticalState implements AggregateState {
  readonly #rows: (readonly SqlValue[])[] = [];
  readonly #name: HypotheticalName;

  constructor(name: HypotheticalName) {
    this.#name = name;
  }

  step(args: readonly SqlValue[]): void {
    this.#rows.push([...args]);
  }

  final(_context: unknown, group?: OrderedSetGroup): SqlValue {
    assert(group !== undefined, "a hypothetical-set aggregate's final gets its group");
    const hypothetical = group.directArgs;
    const rows = this.#rows;
    const before = rows.filter((row) => group.compareRows(row, hypothetical) < 0);
    switch (this.#name) {
      case "rank":
        return BigInt(before.length + 1);
      case "percent_rank":
        return rows.length === 0 ? 0 : before.length / rows.length;
      case "cume_dist":
        return (rows.filter((row) => group.compareRows(row, hypothetical) <= 0).length + 1) / (rows.length + 1);
      case "dense_rank": {
        // The rows arrive sorted, so distinct rows before the hypothetical one are runs of peers.
        const runs = before.filter((row, i) => i === 0 || group.compareRows(before[i - 1] ?? [], row) !== 0).length;
        return BigInt(runs + 1);
      }
      default:
        return assertNever(this.#name);
    }
  }
}

export const orderedSetAggregateFunctions: AggregateTable = {
  "rank(any)": () => new HypotheticalState("rank"),
  "dense_rank(any)": () => new HypotheticalState("dense_rank"),
  "percent_rank(any)": () => new HypotheticalState("percent_rank"),
  "cume_dist(any)": () => new HypotheticalState("cume_dist"),
  "percentile_cont(float8,float8)": () => new OrderedSetState(scalarPercentile((values, f) => percentileCont(values, f, floatLerp))),
  "percentile_cont(float8,interval)": () => new OrderedSetState(scalarPercentile((values, f) => percentileCont(values, f, intervalLerp))),
  "percentile_cont(_float8,float8)": () => new OrderedSetState(arrayPercentile((values, f) => percentileCont(values, f, floatLerp))),
  "percentile_cont(_float8,interval)": () => new OrderedSetState(arrayPercentile((values, f) => percentileCont(values, f, intervalLerp))),
  "percentile_disc(float8,anyelement)": () => new OrderedSetState(scalarPercentile(percentileDisc)),
  "percentile_disc(_float8,anyelement)": () => new OrderedSetState(arrayPercentile(percentileDisc)),
  "mode(anyelement)": () => new OrderedSetState(mode),
};
