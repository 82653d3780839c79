/**
 * Window functions: calls with OVER in the select list and ORDER BY, evaluated after grouping and
 * HAVING and before DISTINCT, ORDER BY and LIMIT, as in PostgreSQL. Calls with the same window
 * (partitioning, ordering, frame) share one window; each call becomes a column after the
 * input's, and the expressions above read it through the rewrite (as aggregates do).
 *
 * Functions: row_number, rank, dense_rank, percent_rank, cume_dist, ntile, lag, lead,
 * first_value, last_value, nth_value, and every aggregate over its frame. Frames: ROWS with
 * UNBOUNDED / n PRECEDING / CURRENT ROW / n FOLLOWING / UNBOUNDED FOLLOWING, and RANGE with
 * UNBOUNDED, CURRENT ROW (peers) and offsets (PostgreSQL's in_range rules: one ORDER BY column
 * of a number or date/time type, the offset coerced to the type its operator family declares);
 * GROUPS counting peer groups; EXCLUDE. Aggregates take FILTER; ORDER BY and DISTINCT inside the
 * call are 0A000, as in PostgreSQL.
 */
import { withWindowOrder } from "./index-order.ts";
import { FeatureNotSupportedError, TypeOid, UndefinedObjectError, assert } from "@omnikv/base";
import { deparse, WindowingError, type Expr, type FrameBound, type SelectCore, type SortBy, type WindowDef } from "@omnikv/parser";
import { bindCondition, bindExpr, coerce, typeOf, type ColumnScope } from "../bind/bind-expr.ts";
import type { BoundExpr, SqlType } from "../bound-expr.ts";
import { aggregatesFunctions, orderedSetDirectArgCounts } from "../functions/builtins-aggregates.ts";
import { AmbiguousFunctionError, canCoerceImplicitly, formatTypeName, resolveFunction, resolveOperator } from "../functions/resolve.ts";
import { mapExpr, visitExpr } from "./ast-walk.ts";
import { sortKey } from "./sort-key.ts";
import type { FrameEdge, PlanNode, RangeOffsetArithmetic, SortKey, WindowCall, WindowFrameSpec, WindowSpec } from "./plan.ts";
import { InvalidColumnReferenceError } from "./errors.ts";
import { exprContext, type QueryContext } from "./query-context.ts";
import type { ResolvedColumn } from "./scope.ts";

type FuncCall = Extract<Expr, { kind: "func_call" }>;

const int8Type: SqlType = typeOf(TypeOid.int8);

const windowPrefix = "\u0000window:";
const aggregateNames: ReadonlySet<string> = new Set(aggregatesFunctions.map((signature) => signature.name));

export function isWindowCall(expr: Expr): expr is FuncCall {
  return expr.kind === "func_call" && expr.over !== undefined;
}

export function containsWindowCall(expr: Expr): boolean {
  let found = false;
  visitExpr(expr, (node) => {
    if (isWindowCall(node)) found = true;
  });
  return found;
}

export interface WindowInput {
  readonly core: SelectCore;
  /** The select list and ORDER BY expressions, already rewritten for the aggregation below. */
  readonly exprs: readonly Expr[];
  readonly input: PlanNode;
  readonly scope: ColumnScope;
  readonly context: QueryContext;
}

export interface Windowing {
  readonly plan: PlanNode;
  readonly scope: ColumnScope;
  readonly rewrite: (expr: Expr) => Expr;
}

export function bindWindows(input: WindowInput): Windowing {
  const calls = collectWindowCalls(input.exprs);
  const bindContext = exprContext(input.context, input.scope);
  const byWindow = new Map<string, { spec: Omit<WindowSpec, "calls">; calls: { call: WindowCall; index: number }[] }>();
  calls.forEach((call, index) => {
    const window = resolveWindow(call.over, input.core.windows);
    const key = windowKey(window);
    let entry = byWindow.get(key);
    if (entry === undefined) {
      entry = { spec: bindWindowSpec(window, bindContext), calls: [] };
      byWindow.set(key, entry);
    }
    entry.calls.push({ call: bindWindowCall(call, bindContext), index });
  });
  const windows = [...byWindow.values()];
  // Columns come window by window; a call's column is found by its index in `calls`.
  const columnOf = new Map<number, number>();
  const columns = [...input.input.columns];
  for (const window of windows) {
    for (const { call, index } of window.calls) {
      columnOf.set(index, columns.length);
      columns.push({ name: call.name, type: call.type });
    }
  }
  const plan: PlanNode = withWindowOrder({ kind: "window", input: input.input, windows: windows.map((w) => ({ ...w.spec, calls: w.calls.map((c) => c.call) })), columns });
  const texts = calls.map((call) => deparse(call));
  const rewrite = (expr: Expr): Expr =>
    mapExpr(expr, (node) => {
      if (!isWindowCall(node)) return undefined;
      const index = texts.indexOf(deparse(node));
      return index < 0 ? undefined : { kind: "column_ref", names: [`${windowPrefix}${index}`], isStar: false, pos: node.pos };
    });
  const scope: ColumnScope = {
    resolve(names: readonly string[], pos: number): ResolvedColumn {
      const first = names[0] ?? "";
      if (names.length === 1 && first.startsWith(windowPrefix)) {
        const column = columnOf.get(Number(first.slice(windowPrefix.length)));
        const type = column === undefined ? undefined : columns[column]?.type;
        assert(column !== undefined && type !== undefined, "a window call has its column");
        return { index: column, type, name: columns[column]?.name ?? "?column?" };
      }
      return input.scope.resolve(names, pos);
    },
  };
  return { plan, scope, rewrite };
}

function collectWindowCalls(exprs: readonly Expr[]): FuncCall[] {
  const calls: FuncCall[] = [];
  const seen = new Set<string>();
  for (const expr of exprs) {
    visitExpr(expr, (node) => {
      if (!isWindowCall(node)) return;
      const inner = [...node.args, ...(node.over?.partitionBy ?? []), ...(node.over?.orderBy.map((s) => s.expr) ?? [])];
      if (inner.some(containsWindowCall)) throw new WindowingError("window function calls cannot be nested");
      const text = deparse(node);
      if (seen.has(text)) return;
      seen.add(text);
      calls.push(node);
    });
  }
  return calls;
}

/** `OVER w` / `OVER (w ORDER BY …)`: the named window, refined by the call's own clauses. */
function resolveWindow(over: WindowDef | undefined, named: readonly WindowDef[]): WindowDef {
  assert(over !== undefined, "a window call has OVER");
  if (over.refName === undefined) return over;
  const base = named.find((w) => w.name === over.refName);
  if (base === undefined) throw new UndefinedObjectError(`window "${over.refName}" does not exist`);
  const resolvedBase = resolveWindow(base, named);
  return { ...over, partitionBy: resolvedBase.partitionBy, orderBy: over.orderBy.length > 0 ? over.orderBy : resolvedBase.orderBy, ...(over.frame === undefined && resolvedBase.frame !== undefined ? { frame: resolvedBase.frame } : {}) };
}

function windowKey(window: WindowDef): string {
  const partition = window.partitionBy.map((e) => deparse(e)).join(",");
  const order = window.orderBy.map((s) => `${deparse(s.expr)} ${s.direction ?? ""} ${s.nulls ?? ""}`).join(",");
  const bound = (b: FrameBound | undefined): string => (b === undefined ? "" : `${b.type}${b.offset === undefined ? "" : deparse(b.offset)}`);
  const frame = window.frame === undefined ? "" : `${window.frame.mode} ${bound(window.frame.start)} ${bound(window.frame.end)} ${window.frame.exclusion ?? ""}`;
  return `${partition}|${order}|${frame}`;
}

function bindWindowSpec(window: WindowDef, bindContext: ReturnType<typeof exprContext>): Omit<WindowSpec, "calls"> {
  const ascending: SortBy = { kind: "sort_by", expr: { kind: "null", pos: 0 }, pos: 0 };
  const partitionBy = window.partitionBy.map((expr) => sortKey(bindExpr(expr, bindContext), ascending));
  const orderBy = window.orderBy.map((item) => sortKey(bindExpr(item.expr, bindContext), item));
  return { partitionBy, orderBy, frame: bindFrame(window, bindContext, orderBy) };
}

function bindFrame(window: WindowDef, bindContext: ReturnType<typeof exprContext>, orderBy: readonly SortKey[]): WindowFrameSpec {
  const frame = window.frame;
  if (frame === undefined) {
    // PostgreSQL's default: the whole partition without ORDER BY, else up to the current row's last peer.
    return { mode: "range", start: { kind: "unbounded_preceding" }, end: window.orderBy.length === 0 ? { kind: "unbounded_following" } : { kind: "current_row" } };
  }
  checkFrameBounds(frame.start, frame.end);
  if (frame.mode === "groups" && window.orderBy.length === 0) throw new WindowingError("GROUPS mode requires an ORDER BY clause");
  const hasOffset = [frame.start, frame.end].some((bound) => bound?.type === "preceding" || bound?.type === "following");
  const rangeColumn = frame.mode === "range" && hasOffset ? rangeOffsetColumn(orderBy) : undefined;
  const edge = (bound: FrameBound): FrameEdge => {
    if (bound.type === "preceding" || bound.type === "following") {
      assert(bound.offset !== undefined, "an offset bound has its offset");
      // The executor evaluates offsets once per query, as PostgreSQL does, so they cannot read rows.
      if (containsColumnRef(bound.offset)) throw new InvalidColumnReferenceError(`argument of ${frame.mode.toUpperCase()} must not contain variables`);
      const bound0 = bindExpr(bound.offset, bindContext);
      const offset = rangeColumn === undefined ? coerce(bound0, int8Type, "implicit", bindContext) : rangeOffset(bound0, rangeColumn, bindContext);
      return { kind: bound.type, offset };
    }
    return { kind: bound.type };
  };
  const bounds: WindowFrameSpec = { mode: frame.mode, start: edge(frame.start), end: frame.end === undefined ? { kind: "current_row" as const } : edge(frame.end) };
  const withArithmetic = rangeColumn === undefined ? bounds : { ...bounds, rangeOffset: rangeArithmetic(rangeColumn, bounds) };
  return frame.exclusion === undefined || frame.exclusion === "no_others" ? withArithmetic : { ...withArithmetic, exclusion: frame.exclusion };
}

/** The bound orders PostgreSQL's grammar rejects (gram.y's frame_extent), in its order. */
function checkFrameBounds(start: FrameBound, end: FrameBound | undefined): void {
  if (end === undefined) {
    if (start.type === "following") throw new WindowingError("frame starting from following row cannot end with current row");
    return;
  }
  if (start.type === "current_row" && end.type === "preceding") throw new WindowingError("frame starting from current row cannot have preceding rows");
  if (start.type === "following" && (end.type === "preceding" || end.type === "current_row")) {
    throw new WindowingError("frame starting from following row cannot have preceding rows");
  }
}

function containsColumnRef(expr: Expr): boolean {
  let found = false;
  visitExpr(expr, (node) => {
    if (node.kind === "column_ref") found = true;
  });
  return found;
}

/**
 * The in_range offset types PostgreSQL's btree operator families declare for an ORDER BY column
 * type, preferred first when several fit (integer_ops lets an int2/int4 column take any integer).
 */
const rangeOffsetTypes: ReadonlyMap<number, readonly number[]> = new Map([
  [TypeOid.int2, [TypeOid.int8, TypeOid.int4, TypeOid.int2]],
  [TypeOid.int4, [TypeOid.int8, TypeOid.int4, TypeOid.int2]],
  [TypeOid.int8, [TypeOid.int8]],
  [TypeOid.float4, [TypeOid.float8]],
  [TypeOid.float8, [TypeOid.float8]],
  [TypeOid.numeric, [TypeOid.numeric]],
  [TypeOid.date, [TypeOid.interval]],
  [TypeOid.timestamp, [TypeOid.interval]],
  [TypeOid.timestamptz, [TypeOid.interval]],
  [TypeOid.time, [TypeOid.interval]],
  [TypeOid.interval, [TypeOid.interval]],
]);

/** RANGE with an offset needs exactly one ORDER BY column, of a type with in_range support. */
function rangeOffsetColumn(orderBy: readonly SortKey[]): SqlType {
  const [key, ...rest] = orderBy;
  if (key === undefined || rest.length > 0) throw new WindowingError("RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY column");
  if (!rangeOffsetTypes.has(key.expr.type.oid)) {
    throw new FeatureNotSupportedError(`RANGE with offset PRECEDING/FOLLOWING is not supported for column type ${formatTypeName(key.expr.type.oid)}`);
  }
  return key.expr.type;
}

/**
 * The offset coerced to the in_range type PostgreSQL's transformFrameOffset picks: among the
 * column's offset types the offset reaches implicitly, the one equal to its own type (or, for an
 * untyped literal, the column's), else the only one; none is 0A000 (as in PostgreSQL 15), several
 * 42725.
 */
function rangeOffset(offset: BoundExpr, column: SqlType, bindContext: ReturnType<typeof exprContext>): BoundExpr {
  const candidates = rangeOffsetTypes.get(column.oid) ?? [];
  const source = offset.type.oid;
  const preferred = source === TypeOid.unknown ? column.oid : source;
  const matches = candidates.filter((target) => canCoerceImplicitly(source, target));
  const shown = `column type ${formatTypeName(column.oid)} and offset type ${formatTypeName(source)}`;
  if (matches.length === 0) {
    throw new FeatureNotSupportedError(`RANGE with offset PRECEDING/FOLLOWING is not supported for ${shown}`, { hint: "Cast the offset value to an appropriate type." });
  }
  const selected = matches.includes(preferred) ? preferred : matches[0];
  if (selected === undefined || (matches.length > 1 && selected !== preferred)) {
    throw new AmbiguousFunctionError(`RANGE with offset PRECEDING/FOLLOWING is ambiguous for ${shown}`, { hint: "Cast the offset value to an appropriate type." });
  }
  return coerce(offset, typeOf(selected), "implicit", bindContext);
}

/** How the executor computes `value ± offset` for the column's type (see RangeOffsetArithmetic). */
function rangeArithmetic(column: SqlType, frame: WindowFrameSpec): RangeOffsetArithmetic {
  switch (column.oid) {
    case TypeOid.int2:
    case TypeOid.int4:
    case TypeOid.int8:
      return { kind: "integer" };
    case TypeOid.float4:
    case TypeOid.float8:
      return { kind: "float" };
    case TypeOid.numeric:
      return { kind: "numeric" };
    case TypeOid.time:
      return { kind: "time" };
    default:
      break;
  }
  const edge = [frame.start, frame.end].find((e) => e.kind === "preceding" || e.kind === "following");
  assert(edge !== undefined && (edge.kind === "preceding" || edge.kind === "following"), "a RANGE offset frame has an offset edge");
  const offsetType = edge.offset.type.oid;
  const add = resolveOperator("+", [column.oid, offsetType]);
  const subtract = resolveOperator("-", [column.oid, offsetType]);
  assert(add.returnType === subtract.returnType, "value + offset and value - offset share a type");
  return {
    kind: "operators",
    addSignatureId: add.signature.id,
    subtractSignatureId: subtract.signature.id,
    lessEqualSignatureId: resolveOperator("<=", [column.oid, add.returnType]).signature.id,
    greaterEqualSignatureId: resolveOperator(">=", [column.oid, add.returnType]).signature.id,
    sumType: add.returnType,
  };
}

function bindWindowCall(call: FuncCall, bindContext: ReturnType<typeof exprContext>): WindowCall {
  const name = call.name.at(-1) ?? "";
  if (call.withinGroup.length > 0 || orderedSetDirectArgCounts.has(name)) throw new FeatureNotSupportedError(`OVER is not supported for ordered-set aggregate ${name}`);
  if (call.isDistinct) throw new FeatureNotSupportedError("DISTINCT is not implemented for window functions");
  // PostgreSQL 15 itself rejects these (parse_func.c), so this is parity, not a gap.
  if (call.orderBy.length > 0) throw new FeatureNotSupportedError("aggregate ORDER BY is not implemented for window functions");
  const args = call.isStar ? [] : call.args.map((arg) => bindExpr(arg, bindContext));
  if (call.filter !== undefined && !aggregateNames.has(name)) throw new FeatureNotSupportedError("FILTER is not implemented for non-aggregate window functions");
  const ranking = rankingType(name, args.length);
  if (ranking !== undefined) {
    const coerced = name === "ntile" ? args.map((arg) => coerce(arg, typeOf(TypeOid.int4), "implicit", bindContext)) : args;
    return { name, args: coerced, aggregate: undefined, type: ranking };
  }
  if (["lag", "lead", "first_value", "last_value", "nth_value"].includes(name)) return bindNavigation(name, args, bindContext);
  if (!aggregateNames.has(name)) throw new FeatureNotSupportedError(`function ${name} is not a window function here`);
  const resolved = resolveFunction(name, args.map((arg) => arg.type.oid));
  assert(resolved.signature.kind === "aggregate", "an aggregate name resolves to an aggregate");
  const coerced = args.map((arg, i) => coerce(arg, typeOf(resolved.argTypes[i] ?? arg.type.oid), "implicit", bindContext));
  const filter = call.filter === undefined ? undefined : bindCondition(call.filter, "FILTER", bindContext);
  const aggregate = {
    name,
    signatureId: resolved.signature.id,
    argTypes: resolved.argTypes,
    args: coerced,
    isStrict: resolved.signature.isStrict,
    isDistinct: false,
    filter,
    orderBy: [],
    type: typeOf(resolved.returnType),
  };
  return { name, args: coerced, aggregate, type: aggregate.type };
}

/** The result type of a ranking function called with `arity` arguments, if it is one. */
function rankingType(name: string, arity: number): SqlType | undefined {
  const types: Readonly<Record<string, readonly [number, number]>> = {
    row_number: [0, TypeOid.int8],
    rank: [0, TypeOid.int8],
    dense_rank: [0, TypeOid.int8],
    percent_rank: [0, TypeOid.float8],
    cume_dist: [0, TypeOid.float8],
    ntile: [1, TypeOid.int4],
  };
  const entry = types[name];
  if (entry === undefined) return undefined;
  if (entry[0] !== arity) throw new FeatureNotSupportedError(`function ${name} takes ${entry[0]} arguments`);
  return typeOf(entry[1]);
}

/** lag/lead(x [, offset [, default]]), first_value/last_value(x), nth_value(x, n): typed like x. */
function bindNavigation(name: string, args: readonly BoundExpr[], bindContext: ReturnType<typeof exprContext>): WindowCall {
  const [value, ...rest] = args;
  if (value === undefined) throw new FeatureNotSupportedError(`function ${name} needs an argument`);
  const type = value.type.oid === TypeOid.unknown ? typeOf(TypeOid.text) : value.type;
  const first = coerce(value, type, "implicit", bindContext);
  const maxArgs = name === "lag" || name === "lead" ? 3 : name === "nth_value" ? 2 : 1;
  if (rest.length > maxArgs - 1 || (name === "nth_value" && rest.length !== 1)) throw new FeatureNotSupportedError(`function ${name} does not take ${args.length} arguments`);
  const coerced = rest.map((arg, i) => (i === 0 ? coerce(arg, typeOf(TypeOid.int4), "implicit", bindContext) : coerce(arg, type, "implicit", bindContext)));
  return { name, args: [first, ...coerced], aggregate: undefined, type };
}

export { int8Type };
