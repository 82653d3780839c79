/**
 * The query binder: a parsed SELECT (with WITH, set operations, VALUES, ORDER BY, LIMIT/OFFSET)
 * becomes a physical plan, in PostgreSQL's clause order: FROM → WHERE → GROUP BY and aggregates
 * → HAVING → select list → DISTINCT → ORDER BY → OFFSET/LIMIT.
 *
 * Names resolve as PostgreSQL resolves them: ORDER BY takes an output column's name or position
 * first, then any expression over the FROM row (carried through the projection as a hidden
 * column); GROUP BY takes an input column first, then an output column's name, or a position.
 * Unknown-typed select-list literals become text, as in PostgreSQL 10 and later.
 *
 * Not yet here (each fails with 0A000): locking clauses.
 */
import { chooseJoinMethods, defaultJoinMethods } from "./merge-join.ts";
import { FeatureNotSupportedError, TypeOid, assert } from "@omnikv/base";
import { SqlSyntaxError, WindowingError, type Expr, type QueryBody, type ResTarget, type SelectCore, type SelectStatement, type SortBy } from "@omnikv/parser";
import { bindCondition, bindExpr, coerce, typeOf, type BindContext } from "../bind/bind-expr.ts";
import { selectCommonType } from "../bind/common-type.ts";
import type { BoundExpr, SqlType } from "../bound-expr.ts";
import { bindAggregation, containsAggregate } from "./bind-aggregate.ts";
import { bindWindows, containsWindowCall } from "./bind-window.ts";
import { sortKey } from "./sort-key.ts";
import { bindFromClause, withColumns } from "./bind-from.ts";
import { decorrelate } from "./decorrelate.ts";
import { simplifyOuterJoins } from "./outer-join.ts";
import { optimizeJoins } from "./join-order.ts";
import { chooseAccessPaths } from "./access-path.ts";
import { withIndexOrder } from "./index-order.ts";
import { withSelectListSrf } from "./select-list-srf.ts";
import { columnNameOf } from "./column-name.ts";
import { pruneColumns, pruneScanColumns } from "./projection-pruning.ts";
import { chooseIndexNestedLoops } from "./index-nested-loop.ts";
import { AmbiguousColumnError, GroupingError, InvalidColumnReferenceError } from "./errors.ts";
import type { PlanColumn, PlanNode, SortKey } from "./plan.ts";
import { characterPosition, correlationSlotBase, exprContext, type QueryContext } from "./query-context.ts";
import { levelScope, type FromScope } from "./scope.ts";
import type { ColumnScope } from "../bind/bind-expr.ts";
import { deparse } from "@omnikv/parser";

/** A bound query: its plan and the names and types of its result columns. */
export interface BoundQuery {
  readonly plan: PlanNode;
  readonly columns: readonly PlanColumn[];
}

/** Plans a SELECT statement. */
export function planSelect(statement: SelectStatement, context: QueryContext): BoundQuery {
  const slots = context.slots ?? { next: correlationSlotBase };
  const bound = bindSelect(statement, { ...context, bindQuery: bindSelect, slots });
  // Index lookups first: a merge join is then weighed against the hash joins that remain.
  const plan = pruneColumns(chooseJoinMethods(chooseIndexNestedLoops(bound, slots), context.joinMethods ?? defaultJoinMethods));
  return { plan, columns: plan.columns };
}

function bindSelect(statement: SelectStatement, outer: QueryContext): PlanNode {
  if (statement.locking.length > 0) throw new FeatureNotSupportedError("SELECT FOR UPDATE/SHARE is not supported yet");
  if (statement.isLimitWithTies) throw new FeatureNotSupportedError("FETCH FIRST … WITH TIES is not supported yet");
  const context = withCtes(statement, outer);
  const body = statement.body;
  let plan: PlanNode;
  if (body.kind === "select_core") {
    plan = bindSelectCore(body, statement.orderBy, context);
  } else {
    plan = bindBody(body, context);
    if (statement.orderBy.length > 0) plan = sortByOutput(plan, statement.orderBy, context);
  }
  return applyLimit(plan, statement, context);
}

function withCtes(statement: SelectStatement, context: QueryContext): QueryContext {
  if (statement.with === undefined) return context;
  // Later CTEs see earlier ones; the innermost (last) is found first.
  const ctes = statement.with.ctes.toReversed().concat(context.ctes);
  if (!statement.with.isRecursive) return { ...context, ctes };
  return { ...context, ctes, recursiveCtes: new Set([...(context.recursiveCtes ?? []), ...statement.with.ctes]) };
}

function bindBody(body: QueryBody, context: QueryContext): PlanNode {
  switch (body.kind) {
    case "select_core":
      return bindSelectCore(body, [], context);
    case "select":
      return bindSelect(body, context);
    case "values":
      return bindValues(body.rows, context);
    case "set_operation":
      return bindSetOperation(body, context);
  }
  return unreachable(body);
}

function unreachable(value: never): never {
  throw new Error(`unexpected query body ${JSON.stringify(value)}`);
}

// ---------------------------------------------------------------------------------------------
// SELECT core

interface Target {
  readonly expr: BoundExpr;
  readonly name: string;
  /** The target was an unknown-typed literal (see PlanColumn.isUnknownLiteral). */
  readonly isUnknownLiteral?: true;
  /** The target's source expression, to match ORDER BY and GROUP BY expressions against. */
  readonly source: Expr | undefined;
}

function bindSelectCore(written: SelectCore, orderBy: readonly SortBy[], context: QueryContext): PlanNode {
  const core = withSelectListSrf(written);
  rejectWindowCalls(core);
  const from = bindFromClause(core.from, context, bindSelect);
  const fromScope = levelScope(from.scope, context.outer);
  let plan = from.plan;
  if (core.where !== undefined) {
    rejectAggregates(core.where, "WHERE", context);
    plan = filter(plan, bindCondition(core.where, "WHERE", exprContext(context, fromScope)));
  }
  // Outer joins whose NULL-extended rows the WHERE clause rejects as inner joins; EXISTS/NOT
  // EXISTS/IN conditions as semi and anti joins; then the FROM clause's inner joins
  // and the remaining WHERE conditions in the cheapest order found.
  plan = chooseAccessPaths(optimizeJoins(decorrelate(simplifyOuterJoins(plan))));
  const isAggregated = core.groupBy.length > 0 || core.groupingSets !== undefined || core.having !== undefined || [...core.targets.map((t) => t.expr), ...orderBy.map((s) => s.expr)].some(containsAggregate);
  let scope: ColumnScope = fromScope;
  let rewrite = (expr: Expr): Expr => expr;
  if (isAggregated) {
    const aggregation = bindAggregation({ core, orderBy, input: plan, scope: from.scope, bindScope: fromScope, context });
    plan = aggregation.plan;
    scope = levelScope(aggregation.scope, context.outer);
    rewrite = aggregation.rewrite;
    if (core.having !== undefined) plan = filter(plan, bindCondition(rewrite(core.having), "HAVING", exprContext(context, scope)));
  }
  const windowExprs = [...core.targets.map((t) => rewrite(t.expr)), ...orderBy.map((item) => rewrite(item.expr))];
  if (windowExprs.some(containsWindowCall)) {
    const windowing = bindWindows({ core, exprs: windowExprs, input: plan, scope, context });
    plan = windowing.plan;
    scope = windowing.scope;
    const belowWindows = rewrite;
    rewrite = (expr) => windowing.rewrite(belowWindows(expr));
  }
  const targets = bindTargets({ targets: core.targets, from: from.scope, scope, rewrite, isAggregated }, context);
  const sortKeys = bindOrderBy(orderBy, targets, scope, rewrite, core.distinct === true, context);
  if (Array.isArray(core.distinct)) {
    const distinctOn = bindDistinctOn(core.distinct, { targets, scope, rewrite, context, sortKeys });
    return finishCore(plan, targets, distinctOn.sortKeys, false, distinctOn.keys);
  }
  return finishCore(plan, targets, sortKeys, core.distinct === true);
}

/** Window functions are evaluated after WHERE, GROUP BY and HAVING, so they cannot appear there (42P20). */
function rejectWindowCalls(core: SelectCore): void {
  const clauses: [string, Expr | undefined][] = [["WHERE", core.where], ["HAVING", core.having], ...core.groupBy.map((g): [string, Expr] => ["GROUP BY", g])];
  for (const [clause, expr] of clauses) {
    if (expr !== undefined && containsWindowCall(expr)) throw new WindowingError(`window functions are not allowed in ${clause}`);
  }
}

function filter(input: PlanNode, predicate: BoundExpr): PlanNode {
  return { kind: "filter", input, predicate, columns: input.columns };
}

function rejectAggregates(expr: Expr, clause: string, context: QueryContext): void {
  if (containsAggregate(expr)) {
    throw new GroupingError(`aggregate functions are not allowed in ${clause}`, { position: position(context.sql, expr.pos) });
  }
}

export function position(sql: string, offset: number): number {
  return characterPosition(sql, offset);
}

/** Projection, then DISTINCT, then the sort (over hidden columns too), then dropping hidden ones. */
function finishCore(input: PlanNode, targets: readonly Target[], sortKeys: readonly SortKey[], isDistinct: boolean, distinctOn?: readonly BoundExpr[]): PlanNode {
  const visible = targets.filter((t) => t.name !== hiddenName);
  const columns = targets.map((t): PlanColumn => ({ name: t.name, type: t.expr.type, ...(t.isUnknownLiteral === true ? { isUnknownLiteral: true as const } : {}) }));
  let plan: PlanNode = pruneScanColumns({ kind: "project", input, exprs: targets.map((t) => t.expr), columns });
  if (isDistinct) plan = { kind: "distinct", input: plan, columns: plan.columns };
  if (sortKeys.length > 0) plan = withIndexOrder({ kind: "sort", input: plan, keys: sortKeys, columns: plan.columns });
  if (distinctOn !== undefined) plan = { kind: "distinct_on", input: plan, keys: distinctOn, columns: plan.columns };
  if (visible.length === targets.length) return plan;
  const exprs = visible.map((t, index): BoundExpr => ({ kind: "column", type: t.expr.type, index, name: t.name }));
  return { kind: "project", input: plan, exprs, columns: visible.map((t): PlanColumn => ({ name: t.name, type: t.expr.type, ...(t.isUnknownLiteral === true ? { isUnknownLiteral: true as const } : {}) })) };
}

/** The name of ORDER BY expressions carried through the projection but not returned. */
const hiddenName = "\u0000sort";

interface TargetInput {
  readonly targets: readonly ResTarget[];
  /** The FROM clause's own scope, which `*` expands over. */
  readonly from: FromScope;
  /** The scope expressions bind in (above the aggregation when there is one, correlated in a subquery). */
  readonly scope: ColumnScope;
  readonly rewrite: (expr: Expr) => Expr;
  readonly isAggregated: boolean;
}

function bindTargets(input: TargetInput, context: QueryContext): Target[] {
  const { targets, from, scope, rewrite, isAggregated } = input;
  const bound: Target[] = [];
  const bindContext = exprContext(context, scope);
  for (const target of targets) {
    const expr = target.expr;
    if (expr.kind === "column_ref" && expr.isStar) {
      const qualifier = expr.names.length > 0 ? expr.names.at(-1) : undefined;
      const columns = from.star(qualifier);
      if (columns.length === 0 && qualifier === undefined) throw new SqlSyntaxError("SELECT * with no tables specified is not valid", { position: position(context.sql, expr.pos) });
      for (const column of columns) {
        // Above an aggregation the column must resolve through its scope (a grouping error if
        // it is not grouped); below, it is simply the FROM row's column.
        const ref: Expr = { kind: "column_ref", names: column.relation === undefined ? [column.name] : [column.relation, column.name], isStar: false, pos: expr.pos };
        const value: BoundExpr = isAggregated ? bindExpr(rewrite(ref), bindContext) : { kind: "column", type: column.type, index: column.index, name: column.name };
        bound.push({ expr: value, name: column.name, source: ref });
      }
      continue;
    }
    const unbound = bindExpr(rewrite(expr), bindContext);
    const value = textIfUnknown(unbound, bindContext);
    bound.push({ expr: value, name: target.alias ?? columnNameOf(expr), source: expr, ...(unbound.type.oid === TypeOid.unknown ? { isUnknownLiteral: true as const } : {}) });
  }
  return bound;
}

function textIfUnknown(expr: BoundExpr, context: BindContext): BoundExpr {
  return expr.type.oid === TypeOid.unknown ? coerce(expr, typeOf(TypeOid.text), "implicit", context) : expr;
}


// ---------------------------------------------------------------------------------------------
// ORDER BY



/** An output column named by position (`ORDER BY 2`) or name (`ORDER BY total`), if the item is one. */
function outputReference(item: SortBy, targets: readonly Target[], context: QueryContext): number | undefined {
  const expr = item.expr;
  if (expr.kind === "number" && expr.isInteger) {
    const ordinal = Number(expr.text);
    const visible = targets.filter((t) => t.name !== hiddenName).length;
    if (ordinal < 1 || ordinal > visible) {
      throw new InvalidColumnReferenceError(`ORDER BY position ${expr.text} is not in select list`, { position: position(context.sql, expr.pos) });
    }
    return ordinal - 1;
  }
  if (expr.kind === "column_ref" && !expr.isStar && expr.names.length === 1) {
    const matches = targets.flatMap((t, i) => (t.name === expr.names[0] ? [i] : []));
    if (matches.length === 1) return matches[0];
    if (matches.length > 1) {
      const [first, second] = matches.map((i) => targets[i]?.source);
      if (first === undefined || second === undefined || deparse(first) !== deparse(second)) {
        throw new AmbiguousColumnError(`ORDER BY "${expr.names[0] ?? ""}" is ambiguous`, { position: position(context.sql, expr.pos) });
      }
      return matches[0];
    }
  }
  return undefined;
}

function bindOrderBy(orderBy: readonly SortBy[], targets: Target[], scope: ColumnScope, rewrite: (expr: Expr) => Expr, isDistinct: boolean, context: QueryContext): SortKey[] {
  const keys: SortKey[] = [];
  for (const item of orderBy) {
    let index = outputReference(item, targets, context);
    if (index === undefined) {
      const text = deparse(item.expr);
      const same = targets.findIndex((t) => t.source !== undefined && deparse(t.source) === text);
      if (same >= 0) index = same;
      else if (isDistinct) {
        throw new InvalidColumnReferenceError("for SELECT DISTINCT, ORDER BY expressions must appear in select list", { position: position(context.sql, item.expr.pos) });
      } else {
        const bindContext = exprContext(context, scope);
        targets.push({ expr: textIfUnknown(bindExpr(rewrite(item.expr), bindContext), bindContext), name: hiddenName, source: item.expr });
        index = targets.length - 1;
      }
    }
    const target = targets[index];
    assert(target !== undefined, "an ORDER BY item names a target");
    keys.push(sortKey({ kind: "column", type: target.expr.type, index, name: target.name }, item));
  }
  return keys;
}

/** ORDER BY over a set operation or VALUES: output columns only. */
function sortByOutput(plan: PlanNode, orderBy: readonly SortBy[], context: QueryContext): PlanNode {
  const targets: Target[] = plan.columns.map((c, index) => ({ expr: { kind: "column", type: c.type, index, name: c.name }, name: c.name, source: undefined }));
  const keys = orderBy.map((item) => {
    const index = outputReference(item, targets, context);
    if (index === undefined) {
      throw new FeatureNotSupportedError("ORDER BY on a UNION/INTERSECT/EXCEPT or VALUES result must name a result column", { position: position(context.sql, item.expr.pos) });
    }
    const column = plan.columns[index];
    assert(column !== undefined, "ORDER BY index in range");
    return sortKey({ kind: "column", type: column.type, index, name: column.name }, item);
  });
  return { kind: "sort", input: plan, keys, columns: plan.columns };
}

/**
 * DISTINCT ON (exprs): each expression is an output column or a hidden one (as ORDER BY items
 * are); the rows are sorted on the ORDER BY, which must begin with exactly these expressions
 * (42P10 otherwise), or on the expressions themselves without ORDER BY; of each run of rows with
 * equal values the first is kept.
 */
function bindDistinctOn(
  exprs: readonly Expr[],
  input: { readonly targets: Target[]; readonly scope: ColumnScope; readonly rewrite: (expr: Expr) => Expr; readonly context: QueryContext; readonly sortKeys: readonly SortKey[] },
): { readonly keys: BoundExpr[]; readonly sortKeys: readonly SortKey[] } {
  const items: SortBy[] = exprs.map((expr) => ({ kind: "sort_by", expr, pos: expr.pos }));
  const onKeys = bindOrderBy(items, input.targets, input.scope, input.rewrite, false, input.context);
  const keys = onKeys.map((k) => k.expr);
  const columnOf = (key: SortKey): number | undefined => (key.expr.kind === "column" ? key.expr.index : undefined);
  if (input.sortKeys.length === 0) return { keys, sortKeys: onKeys };
  const leading = new Set(input.sortKeys.slice(0, onKeys.length).map(columnOf));
  const isMatching = input.sortKeys.length >= onKeys.length && onKeys.every((k) => leading.has(columnOf(k)));
  if (!isMatching) {
    const first = exprs[0];
    throw new InvalidColumnReferenceError("SELECT DISTINCT ON expressions must match initial ORDER BY expressions", first === undefined ? {} : { position: position(input.context.sql, first.pos) });
  }
  return { keys, sortKeys: input.sortKeys };
}

// ---------------------------------------------------------------------------------------------
// LIMIT / OFFSET

function applyLimit(plan: PlanNode, statement: SelectStatement, context: QueryContext): PlanNode {
  if (statement.limit === undefined && statement.offset === undefined) return plan;
  const bindCount = (expr: Expr | undefined): BoundExpr | undefined => {
    if (expr === undefined) return undefined;
    const bindContext = exprContext(context, undefined);
    return coerce(bindExpr(expr, bindContext), typeOf(TypeOid.int8), "implicit", bindContext);
  };
  return { kind: "limit", input: plan, limit: bindCount(statement.limit), offset: bindCount(statement.offset), columns: plan.columns };
}

// ---------------------------------------------------------------------------------------------
// VALUES and set operations

function bindValues(rows: readonly (readonly Expr[])[], context: QueryContext): PlanNode {
  const bindContext = exprContext(context, undefined);
  const bound = rows.map((row) => row.map((expr) => bindExpr(expr, bindContext)));
  const width = bound[0]?.length ?? 0;
  if (bound.some((row) => row.length !== width)) throw new SqlSyntaxError("VALUES lists must all be the same length");
  const types = Array.from({ length: width }, (_, i) => commonTypeOf(bound.map((row) => row[i]?.type.oid ?? TypeOid.unknown), "VALUES"));
  const coerced = bound.map((row) => row.map((expr, i) => coerce(expr, types[i] ?? typeOf(TypeOid.text), "implicit", bindContext)));
  return { kind: "values", rows: coerced, columns: types.map((type, i) => ({ name: `column${i + 1}`, type })) };
}

function commonTypeOf(oids: readonly number[], construct: string): SqlType {
  const oid = selectCommonType(oids, construct);
  return typeOf(oid === TypeOid.unknown ? TypeOid.text : oid);
}

function bindSetOperation(body: Extract<QueryBody, { kind: "set_operation" }>, context: QueryContext): PlanNode {
  const left = bindBody(body.left, context);
  const right = bindBody(body.right, context);
  const opName = body.op.toUpperCase();
  if (left.columns.length !== right.columns.length) {
    throw new SqlSyntaxError(`each ${opName} query must have the same number of columns`, { position: position(context.sql, body.right.pos) });
  }
  const resolvedOid = (column: PlanColumn | undefined): number => (column === undefined || column.isUnknownLiteral === true ? TypeOid.unknown : column.type.oid);
  const types = left.columns.map((c, i) => commonTypeOf([resolvedOid(c), resolvedOid(right.columns[i])], opName));
  const columns = left.columns.map((c, i) => ({ name: c.name, type: types[i] ?? c.type }));
  return { kind: "set_operation", op: body.op, isAll: body.isAll, left: castColumns(left, types, context), right: castColumns(right, types, context), columns };
}

/**
 * `plan` with its columns coerced to `types` (a projection only where one differs). A column
 * that was an unknown literal takes the type's input function, as PostgreSQL resolves an
 * unknown literal (`SELECT 1 UNION SELECT '2'`), hence an explicit coercion from its text.
 */
function castColumns(plan: PlanNode, types: readonly SqlType[], context: QueryContext): PlanNode {
  if (plan.columns.every((c, i) => c.type.oid === types[i]?.oid)) return plan;
  const bindContext = exprContext(context, undefined);
  const exprs = plan.columns.map((c, index) =>
    coerce({ kind: "column", type: c.type, index, name: c.name }, types[index] ?? c.type, c.isUnknownLiteral === true ? "explicit" : "implicit", bindContext),
  );
  return { kind: "project", input: plan, exprs, columns: plan.columns.map((c, i) => ({ name: c.name, type: types[i] ?? c.type })) };
}

export { withColumns };
