/**
 * Window functions. The input is read whole; for each window (calls sharing partitioning,
 * ordering and frame) the rows are ordered by partition keys then order keys, split into
 * partitions and, within them, into peer groups (equal order keys), and each call's value is
 * computed for every row. Rows come out in the last window's order, each with its input
 * columns followed by every call's value. When the planner found the input already ordered for
 * the first window (an index scan), that window takes the rows as they come instead of sorting.
 *
 * Ranking: row_number, rank, dense_rank, percent_rank, cume_dist, ntile (PostgreSQL's bucket
 * sizes: the first n % k buckets get one row more). Navigation: lag/lead (offset and default
 * evaluated at the current row), first_value/last_value/nth_value over the frame. Aggregates
 * over the frame: once per partition when the frame is the whole partition, once per peer group
 * for the default RANGE frame, else once per row over its frame (O(rows × frame), not yet the
 * incremental form PostgreSQL uses for moving frames). Frame offsets are evaluated once per run;
 * RANGE offsets compare the single ORDER BY value through in_range (window-range.ts).
 */
import { InvalidParameterValueError, NullValueNotAllowedError, assert, assertNever } from "@omnikv/base";
import type { FrameEdge, WindowCall, WindowSpec } from "@omnikv/planner";
import { compileExpr, type CompiledExpr } from "../expr/compile.ts";
import { prepareAggregateCall } from "../functions/aggregate-call.ts";
import type { AggregateTable } from "../functions/aggregate-types.ts";
import type { EvalContext } from "../functions/function-types.ts";
import type { SqlValue } from "../values.ts";
import { interruptIntervalRows, type CompileEnvironment, type ExecutionContext } from "./execution-context.ts";
import type { RowSource } from "./row-source.ts";
import { keyComparator } from "./sort.ts";
import type { Row } from "./table-access.ts";
import { InvalidPrecedingOrFollowingSizeError } from "./errors.ts";
import { compileInRange, type InRange } from "./window-range.ts";

type Compare = (a: SqlValue, b: SqlValue, context: EvalContext) => number;

interface CompiledWindow {
  readonly offsets: (run: ExecutionContext) => FrameOffsets;
  readonly partition: readonly { readonly expr: CompiledExpr; readonly compare: Compare }[];
  readonly order: readonly { readonly expr: CompiledExpr; readonly compare: Compare }[];
  readonly spec: WindowSpec;
  readonly calls: readonly CompiledCall[];
}

/** Computes one call's value for every row of one partition (`rows` in window order). */
type CompiledCall = (partition: Partition, run: ExecutionContext, out: SqlValue[][], column: number) => void;

interface Partition {
  /** Input row indexes in window order. */
  readonly rows: readonly number[];
  /** For each position, the first and last position of its peer group. */
  readonly peerStart: readonly number[];
  readonly peerEnd: readonly number[];
  /** For each position, the number of its peer group; and each group's first position. */
  readonly groupOf: readonly number[];
  readonly groupStarts: readonly number[];
  readonly input: readonly Row[];
  /** Each position's first ORDER BY value, and the first and last position where it is not null. */
  readonly orderValues: readonly SqlValue[];
  readonly nonNullFirst: number;
  readonly nonNullLast: number;
  /** The frame offsets, evaluated once per run. */
  readonly offsets: FrameOffsets;
}

/** A window's frame offsets for one run: null where the edge has none. */
interface FrameOffsets {
  readonly start: SqlValue;
  readonly end: SqlValue;
}

export function compileWindow(input: RowSource, windows: readonly WindowSpec[], env: CompileEnvironment & { readonly aggregates: AggregateTable }, isInputOrdered = false): RowSource {
  const compiled: CompiledWindow[] = windows.map((spec) => ({
    offsets: compileOffsets(spec, env),
    partition: spec.partitionBy.map((key) => ({ expr: compileExpr(key.expr, env.registry), compare: keyComparator(key, env) })),
    order: spec.orderBy.map((key) => ({ expr: compileExpr(key.expr, env.registry), compare: keyComparator(key, env) })),
    spec,
    calls: spec.calls.map((call) => compileCall(call, spec, env)),
  }));
  return function* window(run) {
    const rows = [...input(run)];
    const out: SqlValue[][] = rows.map((row) => [...row]);
    let order: number[] = rows.map((_, i) => i);
    let column = rows[0]?.length ?? 0;
    for (const [position, w] of compiled.entries()) {
      // Evaluated before any row, so an invalid offset fails even on empty input, as in PostgreSQL.
      const offsets = w.offsets(run);
      // (Input order is the order the sort would give: a stable sort of rows already in order.)
      if (position > 0 || !isInputOrdered) order = windowOrder(w, rows, run);
      for (const partition of partitions(w, rows, order, offsets, run)) {
        w.calls.forEach((call, i) => call(partition, run, out, column + i));
      }
      column += w.calls.length;
    }
    for (const index of order) yield out[index] ?? [];
    return undefined;
  };
}

function windowOrder(w: CompiledWindow, rows: readonly Row[], run: ExecutionContext): number[] {
  const keys = rows.map((row) => [...w.partition, ...w.order].map((k) => k.expr(row, run.params, run.context)));
  const compares = [...w.partition, ...w.order].map((k) => k.compare);
  let count = 0;
  return rows
    .map((_, i) => i)
    .sort((a, b) => {
      if (++count % interruptIntervalRows === 0) run.interrupt?.();
      for (let k = 0; k < compares.length; k++) {
        const order = compares[k]?.(keys[a]?.[k] ?? null, keys[b]?.[k] ?? null, run.context) ?? 0;
        if (order !== 0) return order;
      }
      return a - b;
    });
}

function* partitions(w: CompiledWindow, rows: readonly Row[], order: readonly number[], offsets: FrameOffsets, run: ExecutionContext): Generator<Partition, undefined, undefined> {
  const evalKeys = (keys: CompiledWindow["order"], index: number): SqlValue[] => keys.map((k) => k.expr(rows[index] ?? [], run.params, run.context));
  const same = (keys: CompiledWindow["order"], a: SqlValue[], b: SqlValue[]): boolean => keys.every((k, i) => k.compare(a[i] ?? null, b[i] ?? null, run.context) === 0);
  let start = 0;
  while (start < order.length) {
    const first = evalKeys(w.partition, order[start] ?? 0);
    let end = start + 1;
    while (end < order.length && same(w.partition, first, evalKeys(w.partition, order[end] ?? 0))) end++;
    const members = order.slice(start, end);
    const peerStart: number[] = [];
    const peerEnd: number[] = [];
    const groupOf: number[] = [];
    const groupStarts: number[] = [];
    let groupStart = 0;
    const orderKeys = members.map((member) => evalKeys(w.order, member));
    for (let i = 1; i <= members.length; i++) {
      const isBoundary = i === members.length || !same(w.order, orderKeys[i - 1] ?? [], orderKeys[i] ?? []);
      if (!isBoundary) continue;
      for (let j = groupStart; j < i; j++) {
        peerStart[j] = groupStart;
        peerEnd[j] = i - 1;
        groupOf[j] = groupStarts.length;
      }
      groupStarts.push(groupStart);
      groupStart = i;
    }
    const orderValues = orderKeys.map((keys) => keys[0] ?? null);
    const nonNullFirst = orderValues.findIndex((value) => value !== null);
    const nonNullLast = orderValues.findLastIndex((value) => value !== null);
    yield { rows: members, peerStart, peerEnd, groupOf, groupStarts, input: rows, orderValues, nonNullFirst, nonNullLast, offsets };
    start = end;
  }
  return undefined;
}

function compileCall(call: WindowCall, spec: WindowSpec, env: CompileEnvironment & { readonly aggregates: AggregateTable }): CompiledCall {
  const args = call.args.map((arg) => compileExpr(arg, env.registry));
  const frame = compileFrame(spec, env);
  if (call.aggregate !== undefined) return compileAggregateCall(call, frame, args, env);
  const ranking = rankingCall(call.name, args);
  if (ranking !== undefined) return ranking;
  return navigationCall(call.name, frame, args);
}

function set(out: SqlValue[][], row: number | undefined, column: number, value: SqlValue): void {
  const target = out[row ?? -1];
  assert(target !== undefined, "a partition row has its output row");
  target[column] = value;
}

function rankingCall(name: string, args: readonly CompiledExpr[]): CompiledCall | undefined {
  switch (name) {
    case "row_number":
      return (p, _run, out, column) => p.rows.forEach((row, i) => set(out, row, column, BigInt(i + 1)));
    case "rank":
      return (p, _run, out, column) => p.rows.forEach((row, i) => set(out, row, column, BigInt((p.peerStart[i] ?? 0) + 1)));
    case "dense_rank":
      return (p, _run, out, column) => {
        let rank = 0;
        p.rows.forEach((row, i) => {
          if (p.peerStart[i] === i) rank += 1;
          set(out, row, column, BigInt(rank));
        });
      };
    case "percent_rank":
      return (p, _run, out, column) => p.rows.forEach((row, i) => set(out, row, column, p.rows.length <= 1 ? 0 : (p.peerStart[i] ?? 0) / (p.rows.length - 1)));
    case "cume_dist":
      return (p, _run, out, column) => p.rows.forEach((row, i) => set(out, row, column, ((p.peerEnd[i] ?? 0) + 1) / p.rows.length));
    case "ntile":
      return (p, run, out, column) => ntile(p, run, out, column, args[0]);
    default:
      return undefined;
  }
}

function ntile(p: Partition, run: ExecutionContext, out: SqlValue[][], column: number, arg: CompiledExpr | undefined): void {
  const firstRow = p.input[p.rows[0] ?? -1];
  const buckets = firstRow === undefined || arg === undefined ? null : arg(firstRow, run.params, run.context);
  if (buckets === null) {
    for (const row of p.rows) set(out, row, column, null);
    return;
  }
  assert(typeof buckets === "number", "ntile's argument is an int4");
  if (buckets <= 0) throw new InvalidParameterValueError("argument of ntile must be greater than zero");
  const size = Math.floor(p.rows.length / buckets);
  const larger = p.rows.length % buckets;
  let bucket = 1;
  let left = size + (larger > 0 ? 1 : 0);
  for (const row of p.rows) {
    if (left === 0) {
      bucket += 1;
      left = size + (bucket <= larger ? 1 : 0);
    }
    set(out, row, column, bucket);
    left -= 1;
  }
}

/**
 * The frame offsets of a window, evaluated once per run with no row (the planner rejects offsets
 * that read columns) as PostgreSQL evaluates them when the WindowAgg starts: NULL is 22004, a
 * negative ROWS/GROUPS count 22013; RANGE offsets are checked by in_range when compared.
 */
function compileOffsets(spec: WindowSpec, env: CompileEnvironment): (run: ExecutionContext) => FrameOffsets {
  const compileEdge = (edge: FrameEdge, which: "starting" | "ending"): ((run: ExecutionContext) => SqlValue) => {
    if (edge.kind !== "preceding" && edge.kind !== "following") return () => null;
    const offset = compileExpr(edge.offset, env.registry);
    return (run) => {
      const value = offset([], run.params, run.context);
      if (value === null) throw new NullValueNotAllowedError(`frame ${which} offset must not be null`);
      if (spec.frame.mode === "range") return value;
      assert(typeof value === "bigint", "a ROWS or GROUPS offset is an int8");
      if (value < 0n) throw new InvalidPrecedingOrFollowingSizeError(`frame ${which} offset must not be negative`);
      return value;
    };
  };
  const start = compileEdge(spec.frame.start, "starting");
  const end = compileEdge(spec.frame.end, "ending");
  return (run) => ({ start: start(run), end: end(run) });
}

/** A window's frame, with its RANGE offset comparison when it has one. */
interface Frame {
  readonly spec: WindowSpec;
  readonly inRange: InRange | undefined;
  readonly isDescending: boolean;
}

function compileFrame(spec: WindowSpec, env: CompileEnvironment): Frame {
  const arithmetic = spec.frame.rangeOffset;
  const key = spec.orderBy[0];
  const isDescending = key?.isDescending ?? false;
  if (arithmetic === undefined) return { spec, inRange: undefined, isDescending };
  const edge = [spec.frame.start, spec.frame.end].find((e) => e.kind === "preceding" || e.kind === "following");
  assert(key !== undefined && spec.orderBy.length === 1, "a RANGE offset frame has one ORDER BY key");
  assert(edge !== undefined && (edge.kind === "preceding" || edge.kind === "following"), "a RANGE offset frame has an offset edge");
  return { spec, inRange: compileInRange(arithmetic, key.expr.type.oid, edge.offset.type.oid, env.registry), isDescending };
}

/**
 * A RANGE offset edge of position `i` (nodeWindowAgg's update_frameheadpos/tailpos): a null
 * current value's frame edge is its peer group's (NULLs are peers of each other only); otherwise
 * the first (start) or last (end) non-null position whose value is in range, found by binary
 * search since in_range is monotone along the window order. With none, the start falls just
 * after the non-null run and the end just before it, so NULLs at the partition's far end stay in
 * a frame that reaches them through UNBOUNDED, as in PostgreSQL.
 */
function rangeEdge(frame: Frame, p: Partition, i: number, edge: { readonly isStart: boolean; readonly isPreceding: boolean }, run: ExecutionContext): number {
  const base = p.orderValues[i] ?? null;
  if (base === null) return edge.isStart ? (p.peerStart[i] ?? i) : (p.peerEnd[i] ?? i);
  const inRange = frame.inRange;
  assert(inRange !== undefined, "a RANGE offset frame has its in_range");
  assert(p.nonNullFirst >= 0 && p.nonNullFirst <= i && i <= p.nonNullLast, "a non-null current value lies in the non-null run");
  const offset = edge.isStart ? p.offsets.start : p.offsets.end;
  // DESC ordering flips both the sum's direction and the comparison (PostgreSQL's inRangeAsc).
  const isSubtract = edge.isPreceding !== frame.isDescending;
  const isLess = !edge.isStart !== frame.isDescending;
  const holds = (k: number): boolean => inRange({ value: p.orderValues[k] ?? null, base, offset, isSubtract, isLess }, run.context);
  let low = p.nonNullFirst;
  let high = p.nonNullLast;
  if (edge.isStart) {
    // The first position that holds; the predicate goes false → true.
    while (low <= high) {
      const middle = (low + high) >> 1;
      if (holds(middle)) high = middle - 1;
      else low = middle + 1;
    }
    return low;
  }
  // The last position that holds; the predicate goes true → false.
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (holds(middle)) low = middle + 1;
    else high = middle - 1;
  }
  return high;
}

/**
 * The frame of position `i`: [first, last] positions (last < first when empty), before
 * exclusion. ROWS offsets count rows; GROUPS offsets count peer groups (a start n groups back
 * is that group's first row, an end n groups ahead that group's last row); RANGE offsets compare
 * values (rangeEdge); CURRENT ROW in RANGE and GROUPS mode means the whole peer group.
 */
function frameOf(frame: Frame, p: Partition, i: number, run: ExecutionContext): readonly [number, number] {
  const spec = frame.spec;
  const last = p.rows.length - 1;
  /** The first (start edge) or last (end edge) position of peer group `group`, clamped to the partition. */
  const groupEdge = (group: number, isStart: boolean): number => {
    if (group < 0) return isStart ? 0 : -1;
    const first = p.groupStarts[group];
    if (first === undefined) return isStart ? last + 1 : last;
    return isStart ? first : (p.peerEnd[first] ?? first);
  };
  const count = (isStart: boolean): number => {
    const value = isStart ? p.offsets.start : p.offsets.end;
    assert(typeof value === "bigint", "a ROWS or GROUPS offset is an int8");
    return Number(value);
  };
  const position = (edge: FrameEdge, isStart: boolean): number => {
    switch (edge.kind) {
      case "unbounded_preceding":
        return 0;
      case "unbounded_following":
        return last;
      case "current_row":
        if (spec.frame.mode !== "rows") return isStart ? (p.peerStart[i] ?? i) : (p.peerEnd[i] ?? i);
        return i;
      case "preceding":
      case "following": {
        const isPreceding = edge.kind === "preceding";
        if (spec.frame.mode === "range") return rangeEdge(frame, p, i, { isStart, isPreceding }, run);
        const offset = isPreceding ? -count(isStart) : count(isStart);
        return spec.frame.mode === "groups" ? groupEdge((p.groupOf[i] ?? 0) + offset, isStart) : i + offset;
      }
      default:
        return assertNever(edge);
    }
  };
  return [Math.max(0, position(spec.frame.start, true)), Math.min(last, position(spec.frame.end, false))];
}

/**
 * The positions of `i`'s frame after EXCLUDE: CURRENT ROW drops `i`, GROUP its peer group, TIES
 * its peers but not `i` itself.
 */
function framePositions(frame: Frame, p: Partition, i: number, run: ExecutionContext, bounds = frameOf(frame, p, i, run)): number[] {
  const [first, last] = bounds;
  const exclusion = frame.spec.frame.exclusion;
  const peerFirst = p.peerStart[i] ?? i;
  const peerLast = p.peerEnd[i] ?? i;
  const isExcluded = (k: number): boolean => {
    switch (exclusion) {
      case undefined:
        return false;
      case "current_row":
        return k === i;
      case "group":
        return k >= peerFirst && k <= peerLast;
      case "ties":
        return k !== i && k >= peerFirst && k <= peerLast;
      default:
        return assertNever(exclusion);
    }
  };
  const positions: number[] = [];
  for (let k = first; k <= last; k++) if (!isExcluded(k)) positions.push(k);
  return positions;
}

function navigationCall(name: string, frame: Frame, args: readonly CompiledExpr[]): CompiledCall {
  const [value, second, third] = args;
  assert(value !== undefined, "a navigation function has its value argument");
  return (p, run, out, column) => {
    p.rows.forEach((row, i) => {
      const current = p.input[row] ?? [];
      const valueAt = (position: number): SqlValue => value(p.input[p.rows[position] ?? -1] ?? [], run.params, run.context);
      if (name === "lag" || name === "lead") {
        const offsetValue = second === undefined ? 1 : second(current, run.params, run.context);
        if (offsetValue === null) return set(out, row, column, null);
        assert(typeof offsetValue === "number", "a lag/lead offset is an int4");
        const target = name === "lag" ? i - offsetValue : i + offsetValue;
        const isInside = target >= 0 && target < p.rows.length;
        return set(out, row, column, isInside ? valueAt(target) : third === undefined ? null : third(current, run.params, run.context));
      }
      const positions = framePositions(frame, p, i, run);
      const at = (index: number): SqlValue => {
        const position = positions[index];
        return position === undefined ? null : valueAt(position);
      };
      if (name === "first_value") return set(out, row, column, at(0));
      if (name === "last_value") return set(out, row, column, at(positions.length - 1));
      const n = second?.(current, run.params, run.context) ?? null;
      if (n === null) return set(out, row, column, null);
      assert(typeof n === "number", "nth_value's position is an int4");
      if (n <= 0) throw new InvalidParameterValueError("argument of nth_value must be greater than zero");
      return set(out, row, column, at(n - 1));
    });
  };
}

function compileAggregateCall(call: WindowCall, windowFrame: Frame, args: readonly CompiledExpr[], env: CompileEnvironment & { readonly aggregates: AggregateTable }): CompiledCall {
  const aggregate = call.aggregate;
  assert(aggregate !== undefined, "an aggregate window call has its aggregate");
  const implementation = env.aggregates[aggregate.signatureId];
  assert(implementation !== undefined, `an implementation of aggregate ${aggregate.signatureId}`);
  const createGroup = prepareAggregateCall({ aggregate: implementation, argTypes: aggregate.argTypes, isStrict: aggregate.isStrict, isDistinct: false }, env.registry);
  const filter = aggregate.filter === undefined ? undefined : compileExpr(aggregate.filter, env.registry);
  return (p, run, out, column) => {
    const aggregateOver = (positions: readonly number[]): SqlValue => {
      const group = createGroup();
      for (const position of positions) {
        const row = p.input[p.rows[position] ?? -1] ?? [];
        const isCounted = filter === undefined ? true : filter(row, run.params, run.context);
        group.add(isCounted, args.map((arg) => arg(row, run.params, run.context)), run.context);
      }
      return group.final(run.context);
    };
    const frame = windowFrame.spec.frame;
    if (frame.start.kind === "unbounded_preceding" && frame.end.kind === "unbounded_following" && frame.exclusion === undefined) {
      const value = aggregateOver(p.rows.map((_, i) => i));
      for (const row of p.rows) set(out, row, column, value);
      return;
    }
    // Rows with the same frame (peers under RANGE, say) share one computation; an exclusion
    // depends on the row itself.
    const computed = new Map<string, SqlValue>();
    p.rows.forEach((row, i) => {
      const bounds = frameOf(windowFrame, p, i, run);
      const key = frame.exclusion === undefined ? `${bounds[0]}:${bounds[1]}` : `${bounds[0]}:${bounds[1]}:${i}`;
      let value = computed.get(key);
      if (value === undefined && !computed.has(key)) {
        value = aggregateOver(framePositions(windowFrame, p, i, run, bounds));
        computed.set(key, value);
      }
      set(out, row, column, value ?? null);
    });
  };
}
