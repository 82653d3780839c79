/**
 * Window functions. The input is read whole; for each window (calls sharing partitioning,
 * ordering and frame) the rows are ordered by partition keys then order keys, split into
 * partitions and, within them, into peer groups (equal order keys), and each call's value is
 * computed for every row. Rows come out in the last window's order, each with its input
 * columns followed by every call's value.
 *
 * Ranking: row_number, rank, dense_rank, percent_rank, cume_dist, ntile (PostgreSQL's bucket
 * sizes: the first n % k buckets get one row more). Navigation: lag/lead (offset and default
 * evaluated at the current row), first_value/last_value/nth_value over the frame. Aggregates
 * over the frame: once per partition when the frame is the whole partition, once per peer group
 * for the default RANGE frame, else once per row over its frame (O(rows × frame), not yet the
 * incremental form PostgreSQL uses for moving frames).
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

type Compare = (a: SqlValue, b: SqlValue, context: EvalContext) => number;

interface CompiledWindow {
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
}

export function compileWindow(input: RowSource, windows: readonly WindowSpec[], env: CompileEnvironment & { readonly aggregates: AggregateTable }): RowSource {
  const compiled: CompiledWindow[] = windows.map((spec) => ({
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
    for (const w of compiled) {
      order = windowOrder(w, rows, run);
      for (const partition of partitions(w, rows, order, run)) {
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

function* partitions(w: CompiledWindow, rows: readonly Row[], order: readonly number[], run: ExecutionContext): Generator<Partition, undefined, undefined> {
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
    for (let i = 1; i <= members.length; i++) {
      const isBoundary = i === members.length || !same(w.order, evalKeys(w.order, members[i - 1] ?? 0), evalKeys(w.order, members[i] ?? 0));
      if (!isBoundary) continue;
      for (let j = groupStart; j < i; j++) {
        peerStart[j] = groupStart;
        peerEnd[j] = i - 1;
        groupOf[j] = groupStarts.length;
      }
      groupStarts.push(groupStart);
      groupStart = i;
    }
    yield { rows: members, peerStart, peerEnd, groupOf, groupStarts, input: rows };
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

/** A window's frame with its offsets compiled. */
interface Frame {
  readonly spec: WindowSpec;
  readonly startOffset: CompiledExpr | undefined;
  readonly endOffset: CompiledExpr | undefined;
}

function compileFrame(spec: WindowSpec, env: CompileEnvironment): Frame {
  const offset = (edge: FrameEdge): CompiledExpr | undefined => (edge.kind === "preceding" || edge.kind === "following" ? compileExpr(edge.offset, env.registry) : undefined);
  return { spec, startOffset: offset(spec.frame.start), endOffset: offset(spec.frame.end) };
}

/**
 * The frame of position `i`: [first, last] positions (last < first when empty), before
 * exclusion. ROWS offsets count rows; GROUPS offsets count peer groups (a start n groups back
 * is that group's first row, an end n groups ahead that group's last row); CURRENT ROW in
 * RANGE and GROUPS mode means the whole peer group.
 */
function frameOf(frame: Frame, p: Partition, i: number, run: ExecutionContext): readonly [number, number] {
  const spec = frame.spec;
  const row = p.input[p.rows[i] ?? -1] ?? [];
  const offsetOf = (compiled: CompiledExpr | undefined): number => {
    if (compiled === undefined) return 0;
    const value = compiled(row, run.params, run.context);
    if (value === null) throw new NullValueNotAllowedError("frame starting or ending offset must not be null");
    if (typeof value !== "bigint" || value < 0n) throw new InvalidPrecedingOrFollowingSizeError("frame starting or ending offset must not be negative");
    return Number(value);
  };
  const last = p.rows.length - 1;
  /** The first (start edge) or last (end edge) position of peer group `group`, clamped to the partition. */
  const groupEdge = (group: number, isStart: boolean): number => {
    if (group < 0) return isStart ? 0 : -1;
    const first = p.groupStarts[group];
    if (first === undefined) return isStart ? last + 1 : last;
    return isStart ? first : (p.peerEnd[first] ?? first);
  };
  const position = (edge: FrameEdge, isStart: boolean): number => {
    const offset = (): number => offsetOf(isStart ? frame.startOffset : frame.endOffset);
    switch (edge.kind) {
      case "unbounded_preceding":
        return 0;
      case "unbounded_following":
        return last;
      case "current_row":
        if (spec.frame.mode !== "rows") return isStart ? (p.peerStart[i] ?? i) : (p.peerEnd[i] ?? i);
        return i;
      case "preceding":
        return spec.frame.mode === "groups" ? groupEdge((p.groupOf[i] ?? 0) - offset(), isStart) : i - offset();
      case "following":
        return spec.frame.mode === "groups" ? groupEdge((p.groupOf[i] ?? 0) + offset(), isStart) : i + offset();
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
  return (p, run, out, column) => {
    const aggregateOver = (positions: readonly number[]): SqlValue => {
      const group = createGroup();
      for (const position of positions) {
        const row = p.input[p.rows[position] ?? -1] ?? [];
        group.add(true, args.map((arg) => arg(row, run.params, run.context)), run.context);
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
