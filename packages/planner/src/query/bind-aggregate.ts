/**
 * GROUP BY, aggregate calls and the scope above them. The aggregation node produces one row per
 * group: the group keys, then one column per distinct aggregate call. Expressions above it
 * (select list, HAVING, ORDER BY) are rewritten so that each aggregate call, and each subtree
 * equal to a GROUP BY expression, reads that column; any other column reference is a grouping
 * error (42803), as in PostgreSQL. Without GROUP BY, the whole input is one group (one row even
 * over no input).
 */
import { DbError, FeatureNotSupportedError, TypeOid, WrongObjectTypeError, assert } from "@omnikv/base";
import { deparse, SqlSyntaxError, type Expr, type SelectCore, type SortBy } from "@omnikv/parser";
import { bindCondition, bindExpr, coerce, typeOf, type ColumnScope } from "../bind/bind-expr.ts";
import type { BoundExpr } from "../bound-expr.ts";
import { aggregatesFunctions, hypotheticalSetFunctions, hypotheticalSetReturnTypes, orderedSetDirectArgCounts } from "../functions/builtins-aggregates.ts";
import { formatTypeName, resolveFunction, selectCommonType, UndefinedFunctionError } from "../functions/resolve.ts";
import { mapExpr, visitExpr } from "./ast-walk.ts";
import { GroupingError, InvalidColumnReferenceError, UndefinedColumnError } from "./errors.ts";
import { withGroupOrder } from "./group-order.ts";
import type { AggregateCall, PlanColumn, PlanNode } from "./plan.ts";
import { characterPosition, exprContext, type QueryContext } from "./query-context.ts";
import { sortKey } from "./sort-key.ts";
import type { FromScope, ResolvedColumn } from "./scope.ts";

const aggregateNames: ReadonlySet<string> = new Set(aggregatesFunctions.map((signature) => signature.name));

type FuncCall = Extract<Expr, { kind: "func_call" }>;

function isAggregateCall(expr: Expr): expr is FuncCall {
  if (expr.kind !== "func_call" || expr.over !== undefined) return false;
  const isCatalog = expr.name.length === 1 || (expr.name.length === 2 && expr.name[0] === "pg_catalog");
  const name = expr.name.at(-1) ?? "";
  return isCatalog && (aggregateNames.has(name) || (expr.withinGroup.length > 0 && hypotheticalSetReturnTypes.has(name)));
}

export function containsAggregate(expr: Expr): boolean {
  let found = false;
  visitExpr(expr, (node) => {
    if (isAggregateCall(node)) found = true;
  });
  return found;
}

export interface AggregationInput {
  readonly core: SelectCore;
  readonly orderBy: readonly SortBy[];
  readonly input: PlanNode;
  /** The FROM clause's scope (grouping checks resolve names here). */
  readonly scope: FromScope;
  /** The scope group keys and aggregate arguments bind in (correlated inside a subquery). */
  readonly bindScope: ColumnScope;
  readonly context: QueryContext;
}

export interface Aggregation {
  readonly plan: PlanNode;
  readonly scope: ColumnScope;
  readonly rewrite: (expr: Expr) => Expr;
}

const groupPrefix = "\u0000group:";
const aggregatePrefix = "\u0000aggregate:";
const groupingPrefix = "\u0000grouping:";

type GroupingCall = Extract<Expr, { kind: "grouping" }>;

export function bindAggregation(input: AggregationInput): Aggregation {
  const { core, context, scope } = input;
  const groups = core.groupBy.map((expr) => bindGroupKey(expr, core, scope, input.bindScope, context));
  const above = [...core.targets.map((t) => t.expr), ...(core.having === undefined ? [] : [core.having]), ...input.orderBy.map((s) => s.expr)];
  const calls = collectAggregateCalls(above);
  const groupTexts = groups.map((g) => g.text);
  const aggregates = calls.map((call) => bindAggregateCall(call, input.bindScope, context, { groupTexts, groupColumns: groupColumnIndexes(groups), scope }));
  const groupingCalls = collectGroupingCalls(above);
  const groupingArgs = groupingCalls.map((call) => groupingArguments(call, groupTexts, context));
  const keyColumns = groups.map((g) => ({ name: g.name, type: g.expr.type }));
  const aggregateColumns = aggregates.map((a) => ({ name: a.name, type: a.type }));
  const columns = [...keyColumns, ...aggregateColumns, ...groupingCalls.map(() => ({ name: "grouping", type: typeOf(TypeOid.int4) }))];
  // GROUPING() under a plain GROUP BY is the one set of every key (and always 0).
  const sets = core.groupingSets ?? (groupingCalls.length > 0 ? [groups.map((_, i) => i)] : undefined);
  const plan: PlanNode =
    sets === undefined
      ? withGroupOrder({ kind: "aggregate", input: input.input, groupKeys: groups.map((g) => g.expr), aggregates, columns })
      : groupingSetsPlan({ input: input.input, groups, aggregates, groupingArgs, columns, sets });
  const callTexts = calls.map((call) => deparse(call));
  const groupingTexts = groupingCalls.map((call) => deparse(call));
  const rewrite = (expr: Expr): Expr =>
    mapExpr(expr, (node) => {
      const text = node.kind === "number" || node.kind === "string" ? undefined : deparse(node);
      if (text === undefined) return undefined;
      if (node.kind === "grouping") return { kind: "column_ref", names: [`${groupingPrefix}${groupingTexts.indexOf(text)}`], isStar: false, pos: node.pos };
      const call = isAggregateCall(node) ? callTexts.indexOf(text) : -1;
      if (call >= 0) return { kind: "column_ref", names: [`${aggregatePrefix}${call}`], isStar: false, pos: node.pos };
      const group = groupTexts.indexOf(text);
      if (group >= 0) return { kind: "column_ref", names: [`${groupPrefix}${group}`], isStar: false, pos: node.pos };
      return undefined;
    });
  return { plan, scope: new AggregateScope(scope, groups.map((g) => g.expr), columns, aggregates.length), rewrite };
}

interface GroupingSetsInput {
  readonly input: PlanNode;
  readonly groups: readonly GroupKey[];
  readonly aggregates: readonly AggregateCall[];
  /** For each GROUPING() call, the indexes of its arguments among the group keys. */
  readonly groupingArgs: readonly (readonly number[])[];
  readonly columns: readonly PlanColumn[];
  readonly sets: readonly (readonly number[])[];
}

/**
 * Grouping sets as the UNION ALL of one aggregation per set (each reads the input again), each
 * projected onto the common columns: the keys (NULL where the set does not group by one), the
 * aggregates, and each GROUPING() call's value for the set, a constant.
 */
function groupingSetsPlan(spec: GroupingSetsInput): PlanNode {
  const { groups, aggregates, columns } = spec;
  const branches = spec.sets.map((set): PlanNode => {
    const aggregation: PlanNode = withGroupOrder({
      kind: "aggregate",
      input: spec.input,
      groupKeys: set.map((i) => groups[i]?.expr ?? fail("grouping set index in range")),
      aggregates,
      columns: [...set.map((i) => columns[i] ?? fail("grouping set index in range")), ...columns.slice(groups.length, groups.length + aggregates.length)],
    });
    const exprs: BoundExpr[] = [
      ...groups.map((group, i): BoundExpr => {
        const at = set.indexOf(i);
        return at >= 0 ? { kind: "column", type: group.expr.type, index: at, name: group.name } : { kind: "const", type: group.expr.type, value: null };
      }),
      ...aggregates.map((call, j): BoundExpr => ({ kind: "column", type: call.type, index: set.length + j, name: "?column?" })),
      ...spec.groupingArgs.map((args): BoundExpr => ({ kind: "const", type: typeOf(TypeOid.int4), value: groupingValue(args, set) })),
    ];
    return { kind: "project", input: aggregation, exprs, columns };
  });
  const [first, ...rest] = branches;
  assert(first !== undefined, "GROUP BY has at least one grouping set");
  return rest.reduce((left, right): PlanNode => ({ kind: "set_operation", op: "union", isAll: true, left, right, columns }), first);
}

/** GROUPING(a, b, …): a bit per argument, the first the most significant, set when the set does not group by it. */
function groupingValue(args: readonly number[], set: readonly number[]): number {
  return args.reduce((value, arg) => (value << 1) | (set.includes(arg) ? 0 : 1), 0);
}

function fail(what: string): never {
  throw new Error(`invariant violated: ${what}`);
}

/** The distinct GROUPING() calls (by text), in order of appearance. */
function collectGroupingCalls(exprs: readonly Expr[]): GroupingCall[] {
  const calls: GroupingCall[] = [];
  const seen = new Set<string>();
  for (const expr of exprs) {
    visitExpr(expr, (node) => {
      if (node.kind !== "grouping") return;
      const text = deparse(node);
      if (seen.has(text)) return;
      seen.add(text);
      calls.push(node);
    });
  }
  return calls;
}

function groupingArguments(call: GroupingCall, groupTexts: readonly string[], context: QueryContext): number[] {
  return call.args.map((arg) => {
    const index = groupTexts.indexOf(deparse(arg));
    if (index < 0) throw new GroupingError("arguments to GROUPING must be grouping expressions of the associated query level", { position: characterPosition(context.sql, arg.pos) });
    return index;
  });
}

interface GroupKey {
  readonly expr: BoundExpr;
  readonly text: string;
  readonly name: string;
}

function bindGroupKey(expr: Expr, core: SelectCore, scope: FromScope, bindScope: ColumnScope, context: QueryContext): GroupKey {
  if (containsAggregate(expr)) throw new GroupingError("aggregate functions are not allowed in GROUP BY");
  let source = expr;
  if (expr.kind === "number" && expr.isInteger) {
    const target = core.targets[Number(expr.text) - 1];
    if (target === undefined || (target.expr.kind === "column_ref" && target.expr.isStar)) {
      throw new InvalidColumnReferenceError(`GROUP BY position ${expr.text} is not in select list`);
    }
    source = target.expr;
  } else if (expr.kind === "column_ref" && !expr.isStar && expr.names.length === 1) {
    // An input column wins over an output column of the same name.
    const name = expr.names[0] ?? "";
    const alias = core.targets.find((t) => t.alias === name);
    if (alias !== undefined && !resolves(scope, name)) source = alias.expr;
  }
  const bound = bindExpr(source, exprContext(context, bindScope));
  return { expr: bound, text: deparse(source), name: source.kind === "column_ref" ? (source.names.at(-1) ?? "?column?") : "?column?" };
}

function resolves(scope: FromScope, name: string): boolean {
  try {
    scope.resolve([name], 0);
    return true;
  } catch (error) {
    if (error instanceof UndefinedColumnError) return false;
    throw error;
  }
}

/** The distinct aggregate calls (by text), in order of appearance; nested aggregates are an error. */
function collectAggregateCalls(exprs: readonly Expr[]): FuncCall[] {
  const calls: FuncCall[] = [];
  const seen = new Set<string>();
  for (const expr of exprs) {
    visitExpr(expr, (node) => {
      if (!isAggregateCall(node)) return;
      if ([...node.args, ...(node.filter === undefined ? [] : [node.filter]), ...node.orderBy.map((item) => item.expr)].some(containsAggregate)) {
        throw new GroupingError("aggregate function calls cannot be nested");
      }
      const text = deparse(node);
      if (seen.has(text)) return;
      seen.add(text);
      calls.push(node);
    });
  }
  return calls;
}

function bindAggregateCall(call: FuncCall, scope: ColumnScope, context: QueryContext, directScope: DirectArgScope): AggregateCall & { readonly name: string } {
  if (call.isVariadic) throw new FeatureNotSupportedError("VARIADIC aggregate calls are not supported yet");
  const name = call.name.at(-1) ?? "";
  const isOrderedSet = orderedSetDirectArgCounts.has(name);
  if (isOrderedSet && call.withinGroup.length > 0) return bindOrderedSetCall(call, scope, context, directScope);
  if (hypotheticalSetReturnTypes.has(name)) return bindHypotheticalSetCall(call, scope, context, directScope);
  const bindContext = exprContext(context, scope);
  const args = call.isStar ? [] : call.args.map((arg) => bindExpr(arg, bindContext));
  // As in PostgreSQL, the function is looked up first (42883), then WITHIN GROUP checked (42809).
  const withinGroup = call.withinGroup.map((item) => bindExpr(item.expr, bindContext));
  const resolved = resolveFunction(name, [...args, ...withinGroup].map((arg) => arg.type.oid));
  if (withinGroup.length > 0) throw new WrongObjectTypeError(`${name} is not an ordered-set aggregate, so it cannot have WITHIN GROUP`);
  if (isOrderedSet) throw new WrongObjectTypeError(`WITHIN GROUP is required for ordered-set aggregate ${name}`);
  assert(resolved.signature.kind === "aggregate", "an aggregate name resolves to an aggregate");
  const coerced = args.map((arg, i) => coerce(arg, typeOf(resolved.argTypes[i] ?? arg.type.oid), "implicit", bindContext));
  const filter = call.filter === undefined ? undefined : bindCondition(call.filter, "FILTER", bindContext);
  if (call.isDistinct) {
    // PostgreSQL sorts DISTINCT input by the ORDER BY keys, so they must be among the arguments.
    const argTexts = call.args.map((arg) => deparse(arg));
    const stray = call.orderBy.find((item) => !argTexts.includes(deparse(item.expr)));
    if (stray !== undefined) {
      throw new InvalidColumnReferenceError("in an aggregate with DISTINCT, ORDER BY expressions must appear in argument list", { position: characterPosition(context.sql, stray.expr.pos) });
    }
  }
  const orderBy = call.orderBy.map((item) => {
    const bound = bindExpr(item.expr, bindContext);
    return sortKey(bound.type.oid === TypeOid.unknown ? coerce(bound, typeOf(TypeOid.text), "implicit", bindContext) : bound, item);
  });
  return {
    name,
    signatureId: resolved.signature.id,
    argTypes: resolved.argTypes,
    args: coerced,
    isStrict: resolved.signature.isStrict,
    isDistinct: call.isDistinct,
    filter,
    orderBy,
    type: typeOf(resolved.returnType),
  };
}

/** What the direct arguments of an ordered-set aggregate may read: GROUP BY keys, not other input columns. */
interface DirectArgScope {
  readonly groupTexts: readonly string[];
  /** The input columns that are GROUP BY keys on their own (`t.a` and `a` are the same key). */
  readonly groupColumns: ReadonlySet<number>;
  readonly scope: FromScope;
}

function groupColumnIndexes(groups: readonly GroupKey[]): ReadonlySet<number> {
  return new Set(groups.flatMap((g) => (g.expr.kind === "column" ? [g.expr.index] : [])));
}

/**
 * `percentile_cont(0.5) WITHIN GROUP (ORDER BY x)`: resolved as PostgreSQL does over the direct
 * then the aggregated argument types; the aggregated arguments become the call's arguments and
 * its ORDER BY (in the WITHIN GROUP direction), the direct ones `directArgs`, evaluated once per
 * group — so, as in PostgreSQL, they may read only GROUP BY keys (42803).
 */
function bindOrderedSetCall(call: FuncCall, scope: ColumnScope, context: QueryContext, directScope: DirectArgScope): AggregateCall & { readonly name: string } {
  const name = call.name.at(-1) ?? "";
  if (call.isDistinct) throw new SqlSyntaxError("cannot use DISTINCT with WITHIN GROUP");
  if (call.orderBy.length > 0) throw new SqlSyntaxError("cannot use multiple ORDER BY clauses with WITHIN GROUP");
  const bindContext = exprContext(context, scope);
  const direct = call.args.map((arg) => bindExpr(arg, bindContext));
  const aggregated = call.withinGroup.map((item) => bindExpr(item.expr, bindContext));
  const types = [...direct, ...aggregated].map((arg) => arg.type.oid);
  const directCount = orderedSetDirectArgCounts.get(name) ?? 0;
  if (direct.length !== directCount) {
    throw new UndefinedFunctionError(`function ${name}(${types.map(formatTypeName).join(", ")}) does not exist`, {
      hint: "To use the hypothetical-set aggregate or an ordered-set aggregate, the number of direct arguments must match.",
    });
  }
  const resolved = resolveFunction(name, types);
  assert(resolved.signature.kind === "aggregate", "an ordered-set aggregate resolves to an aggregate");
  for (const arg of call.args) checkDirectArg(arg, directScope, context);
  const coerced = [...direct, ...aggregated].map((arg, i) => coerce(arg, typeOf(resolved.argTypes[i] ?? arg.type.oid), "implicit", bindContext));
  const args = coerced.slice(directCount);
  const orderBy = args.map((arg, i) => {
    const item = call.withinGroup[i];
    assert(item !== undefined, "one WITHIN GROUP key per aggregated argument");
    return sortKey(arg, item);
  });
  return {
    name,
    signatureId: resolved.signature.id,
    argTypes: resolved.argTypes.slice(directCount),
    args,
    directArgs: coerced.slice(0, directCount),
    isStrict: true,
    isDistinct: false,
    filter: call.filter === undefined ? undefined : bindCondition(call.filter, "FILTER", bindContext),
    orderBy,
    type: typeOf(resolved.returnType),
  };
}

/**
 * `rank(1, 'x') WITHIN GROUP (ORDER BY a, b)`: one hypothetical direct argument per key, each pair
 * coerced to its common type (unify_hypothetical_args; 42804 when there is none); the keys are the
 * call's arguments and ORDER BY, NULL rows included.
 */
function bindHypotheticalSetCall(call: FuncCall, scope: ColumnScope, context: QueryContext, directScope: DirectArgScope): AggregateCall & { readonly name: string } {
  const name = call.name.at(-1) ?? "";
  if (call.isDistinct) throw new SqlSyntaxError("cannot use DISTINCT with WITHIN GROUP");
  if (call.orderBy.length > 0) throw new SqlSyntaxError("cannot use multiple ORDER BY clauses with WITHIN GROUP");
  const bindContext = exprContext(context, scope);
  const direct = call.args.map((arg) => bindExpr(arg, bindContext));
  const aggregated = call.withinGroup.map((item) => bindExpr(item.expr, bindContext));
  if (direct.length !== aggregated.length) {
    const types = [...direct, ...aggregated].map((arg) => formatTypeName(arg.type.oid)).join(", ");
    throw new UndefinedFunctionError(`function ${name}(${types}) does not exist`, {
      hint: `To use the hypothetical-set aggregate ${name}, the number of hypothetical direct arguments (here ${direct.length}) must match the number of ordering columns (here ${aggregated.length}).`,
    });
  }
  for (const arg of call.args) checkDirectArg(arg, directScope, context);
  const pairs = direct.map((hypothetical, i) => {
    const actual = aggregated[i];
    assert(actual !== undefined, "one ordering column per hypothetical argument");
    const common = typeOf(selectCommonType([hypothetical.type.oid, actual.type.oid], "WITHIN GROUP"));
    return [coerce(hypothetical, common, "implicit", bindContext), coerce(actual, common, "implicit", bindContext)] as const;
  });
  const args = pairs.map(([, actual]) => actual);
  const signature = hypotheticalSetFunctions.find((candidate) => candidate.name === name);
  assert(signature !== undefined, "a hypothetical-set aggregate has its signature");
  return {
    name,
    signatureId: signature.id,
    argTypes: args.map((arg) => arg.type.oid),
    args,
    directArgs: pairs.map(([hypothetical]) => hypothetical),
    isStrict: false,
    isDistinct: false,
    filter: call.filter === undefined ? undefined : bindCondition(call.filter, "FILTER", bindContext),
    orderBy: args.map((arg, i) => sortKey(arg, call.withinGroup[i] ?? fail("one WITHIN GROUP key per argument"))),
    type: typeOf(signature.returnType),
  };
}

/**
 * A direct argument's column references must be GROUP BY keys (or outer references): the FROM
 * scope says whether a name is an input column; names it cannot resolve are left to binding.
 */
function checkDirectArg(arg: Expr, directScope: DirectArgScope, context: QueryContext): void {
  visitExpr(arg, (node) => {
    if (node.kind !== "column_ref" || directScope.groupTexts.includes(deparse(node))) return;
    let isInput = false;
    try {
      isInput = !directScope.groupColumns.has(directScope.scope.resolve(node.names, node.pos).index);
    } catch (error) {
      if (!(error instanceof DbError)) throw error;
    }
    if (isInput) {
      throw new GroupingError("direct arguments of an ordered-set aggregate must use only grouped columns", { position: characterPosition(context.sql, node.pos) });
    }
  });
}

/** Names above the aggregation: its output columns, and input columns only as GROUP BY keys. */
class AggregateScope implements ColumnScope {
  readonly #input: FromScope;
  readonly #groupKeys: readonly BoundExpr[];
  readonly #columns: readonly PlanColumn[];
  readonly #aggregateCount: number;

  constructor(input: FromScope, groupKeys: readonly BoundExpr[], columns: readonly PlanColumn[], aggregateCount: number) {
    this.#input = input;
    this.#groupKeys = groupKeys;
    this.#columns = columns;
    this.#aggregateCount = aggregateCount;
  }

  resolve(names: readonly string[], pos: number): ResolvedColumn {
    const first = names[0] ?? "";
    if (names.length === 1 && first.startsWith(groupPrefix)) return this.#column(Number(first.slice(groupPrefix.length)));
    if (names.length === 1 && first.startsWith(aggregatePrefix)) {
      return this.#column(this.#groupKeys.length + Number(first.slice(aggregatePrefix.length)));
    }
    if (names.length === 1 && first.startsWith(groupingPrefix)) {
      return this.#column(this.#groupKeys.length + this.#aggregateCount + Number(first.slice(groupingPrefix.length)));
    }
    const column = this.#input.resolve(names, pos);
    const key = this.#groupKeys.findIndex((k) => k.kind === "column" && k.index === column.index);
    if (key >= 0) return this.#column(key);
    throw new GroupingError(`column "${this.#input.describe(column.index)}" must appear in the GROUP BY clause or be used in an aggregate function`);
  }

  #column(index: number): ResolvedColumn {
    const column = this.#columns[index];
    assert(column !== undefined, "aggregation output column in range");
    return { index, type: column.type, name: column.name };
  }
}
