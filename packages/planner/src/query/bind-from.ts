/**
 * The FROM clause: tables (or CTEs), subqueries and joins become one plan producing the FROM
 * row, and a `FromScope` naming its columns. A comma list is a chain of cross joins. A join
 * whose condition has equalities between the two sides becomes a hash join on them (the rest of
 * the condition is its residual); any other join is a nested loop. Join order is the written
 * order for now.
 */
import { DatatypeMismatchError, FeatureNotSupportedError, TypeOid, assert } from "@omnikv/base";
import { SqlSyntaxError, type CommonTableExpr, type Expr, type FromItem, type JoinExpr, type QueryBody, type SelectStatement } from "@omnikv/parser";
import { formatTypeName } from "../functions/resolve.ts";
import { bindCondition, bindExpr, callOperator, coerce } from "../bind/bind-expr.ts";
import { resolveFunction } from "../functions/resolve.ts";
import type { BoundExpr } from "../bound-expr.ts";
import { columnRange, conjuncts, mapColumns } from "./expr-columns.ts";
import { DuplicateAliasError, InvalidColumnReferenceError, InvalidRecursionError, UndefinedTableError } from "./errors.ts";
import type { JoinType, PlanColumn, PlanNode } from "./plan.ts";
import type { CatalogTable } from "./catalog.ts";
import { characterPosition, correlationSlotBase, exprContext, noColumns, type OuterLevel, type QueryContext, type WorkTable } from "./query-context.ts";
import { FromScope, levelScope, type MergedColumn, type ScopeRelation } from "./scope.ts";

export interface BoundFrom {
  readonly plan: PlanNode;
  readonly scope: FromScope;
}

/** Binds a whole query; supplied by bind-select.ts (subqueries and CTEs recurse through it). */
export type QueryBinder = (query: SelectStatement, context: QueryContext) => PlanNode;

export function bindFromClause(items: readonly FromItem[], context: QueryContext, bindQuery: QueryBinder): BoundFrom {
  if (items.length === 0) return { plan: { kind: "values", rows: [[]], columns: [] }, scope: FromScope.empty() };
  let bound: BoundFrom | undefined;
  for (const item of items) {
    if (bound !== undefined && isLateralCandidate(item)) {
      bound = bindLateral(bound, item, "inner", undefined, context, bindQuery);
      continue;
    }
    const next = bindFromItem(item, context, bindQuery);
    bound = bound === undefined ? next : combine(bound, next, "inner", undefined, context);
  }
  assert(bound !== undefined, "a non-empty FROM list binds");
  checkDuplicateAliases(bound.scope.relations);
  return bound;
}

function checkDuplicateAliases(relations: readonly ScopeRelation[]): void {
  const seen = new Set<string>();
  for (const relation of relations) {
    if (relation.alias === undefined) continue;
    if (seen.has(relation.alias)) throw new DuplicateAliasError(`table name "${relation.alias}" specified more than once`);
    seen.add(relation.alias);
  }
}

function bindFromItem(item: FromItem, context: QueryContext, bindQuery: QueryBinder): BoundFrom {
  switch (item.kind) {
    case "table_ref":
      return bindTableRef(item, context, bindQuery);
    case "subquery_ref":
      return bindSubqueryRef(item, context, bindQuery);
    case "function_ref":
      return bindFunctionRef(item, context);
    case "join":
      return bindJoin(item, context, bindQuery);
  }
  return assertUnreachable(item);
}

function bindSubqueryRef(item: Extract<FromItem, { kind: "subquery_ref" }>, context: QueryContext, bindQuery: QueryBinder): BoundFrom {
  if (item.alias === undefined) {
    throw new SqlSyntaxError("subquery in FROM must have an alias", { position: position(context.sql, item.pos), hint: "For example, FROM (SELECT ...) [AS] foo." });
  }
  const plan = bindQuery(item.query, context);
  return relationOf(plan, item.alias.name, undefined, item.alias.columns);
}

/** A FROM item that may read the items before it: a LATERAL subquery, or any function (LATERAL is implied for functions). */
function isLateralCandidate(item: FromItem): item is Extract<FromItem, { kind: "subquery_ref" | "function_ref" }> {
  return (item.kind === "subquery_ref" && item.isLateral) || item.kind === "function_ref";
}

/**
 * `left` joined with a LATERAL item bound one query level below it: the item's references to
 * `left`'s columns (or to enclosing levels) become correlation parameters, as a correlated
 * subquery's do, and the join re-runs it for each left row. An item that reads nothing of
 * `left` joins as any other.
 */
function bindLateral(
  left: BoundFrom,
  item: Extract<FromItem, { kind: "subquery_ref" | "function_ref" }>,
  joinType: JoinType,
  on: Expr | undefined,
  context: QueryContext,
  bindQuery: QueryBinder,
): BoundFrom {
  const slots = context.slots ?? { next: correlationSlotBase };
  const outer: OuterLevel = { scope: levelScope(left.scope, context.outer), correlations: [], slots };
  const lateralContext: QueryContext = { ...context, outer, slots, subqueryDepth: (context.subqueryDepth ?? 0) + 1 };
  const right = item.kind === "subquery_ref" ? bindSubqueryRef(item, lateralContext, bindQuery) : bindFunctionRef(item, lateralContext);
  if (outer.correlations.length === 0) return combine(left, right, joinType, on, context);
  if (joinType !== "inner" && joinType !== "left") {
    throw new InvalidColumnReferenceError("invalid reference to FROM-clause entry", { detail: "The combining JOIN type must be INNER or LEFT for a LATERAL reference." });
  }
  const { scope, columns } = sideBySide(left, right);
  const condition = on === undefined ? undefined : bindCondition(on, "JOIN/ON", exprContext(context, scope));
  return { plan: { kind: "lateral_join", joinType, left: left.plan, right: right.plan, correlations: outer.correlations, condition, columns }, scope };
}

/**
 * A function in FROM. Its columns are a set-returning function's OUT columns, else one column
 * named after the alias (or the function), of the resolved result type.
 */
function bindFunctionRef(item: Extract<FromItem, { kind: "function_ref" }>, context: QueryContext): BoundFrom {
  const call = item.call;
  if (call.kind !== "func_call" || call.isStar || call.isDistinct || call.filter !== undefined || call.over !== undefined) {
    throw new FeatureNotSupportedError("only plain function calls are supported in FROM");
  }
  // Its arguments see no FROM item of their own level, but may read an enclosing query's columns.
  const bindContext = exprContext(context, context.outer === undefined ? undefined : levelScope(noColumns, context.outer));
  const name = call.name.at(-1) ?? "";
  const args = call.args.map((arg) => bindExpr(arg, bindContext));
  const resolved = resolveFunction(name, args.map((arg) => arg.type.oid));
  const coerced = args.map((arg, i) => coerce(arg, { oid: resolved.argTypes[i] ?? arg.type.oid, typmod: -1 }, "implicit", bindContext));
  const signature = resolved.signature;
  const alias = item.alias?.name ?? name;
  const outputs = signature.outputColumns ?? [{ name: item.alias?.name ?? name, type: resolved.returnType }];
  const columns: PlanColumn[] = outputs.map((c) => ({ name: c.name, type: { oid: c.type, typmod: -1 } }));
  if (item.withOrdinality) columns.push({ name: "ordinality", type: { oid: TypeOid.int8, typmod: -1 } });
  const plan: PlanNode = {
    kind: "function_scan",
    signatureId: signature.id,
    argTypes: resolved.argTypes,
    args: coerced,
    isSetReturning: signature.returnsSet === true,
    isStrict: signature.isStrict,
    withOrdinality: item.withOrdinality,
    columns,
  };
  return relationOf(plan, alias, undefined, item.alias?.columns ?? []);
}

function assertUnreachable(item: never): never {
  throw new Error(`unexpected FROM item ${JSON.stringify(item)}`);
}

function bindTableRef(item: Extract<FromItem, { kind: "table_ref" }>, context: QueryContext, bindQuery: QueryBinder): BoundFrom {
  const name = item.name.at(-1) ?? "";
  const schema = item.name.length >= 2 ? item.name.at(-2) : undefined;
  const alias = item.alias?.name ?? name;
  const workTable = schema === undefined ? context.workTables?.find((w) => w.name === name) : undefined;
  if (workTable !== undefined) {
    if ((context.subqueryDepth ?? 0) !== workTable.subqueryDepth) {
      throw new InvalidRecursionError(`recursive reference to query "${name}" must not appear within a subquery`);
    }
    const scan: PlanNode = { kind: "worktable_scan", workTableId: workTable.id, columns: workTable.columns };
    return relationOf(scan, alias, undefined, item.alias?.columns ?? []);
  }
  const cte = schema === undefined ? context.ctes.find((c) => c.name === name) : undefined;
  if (cte !== undefined && context.recursiveCtes?.has(cte) === true && mentionsTable(cte.query, name)) {
    const plan = bindRecursiveCte(cte, context, bindQuery);
    return relationOf(plan, alias, undefined, item.alias?.columns ?? []);
  }
  if (cte !== undefined) {
    if (cte.query.kind !== "select") throw new FeatureNotSupportedError("data-modifying statements in WITH are not supported yet");
    const inner: QueryContext = { ...context, ctes: context.ctes.slice(context.ctes.indexOf(cte) + 1) };
    const plan = bindQuery(cte.query, inner);
    const renamed = cte.columns.length > 0 ? renameColumns(plan.columns, cte.columns, name) : plan.columns;
    return relationOf({ ...plan, columns: renamed }, alias, undefined, item.alias?.columns ?? []);
  }
  const view = context.catalog.findView?.(schema, name);
  if (view !== undefined) {
    // A view is its query, bound where it is used (as PostgreSQL's rewriter expands it), with no
    // outer scope: its names resolve in the view's own query only.
    const { outer: _outer, recursiveCtes: _recursive, ...standalone } = context;
    const plan = bindQuery(view.query, { ...standalone, ctes: [], subqueryDepth: 0, workTables: [] });
    const renamed = view.columns.length > 0 ? renameColumns(plan.columns, view.columns, name) : plan.columns;
    return relationOf({ ...plan, columns: renamed }, alias, view.schema, item.alias?.columns ?? []);
  }
  const table = context.catalog.findTable(schema, name);
  if (table === undefined) {
    const shown = item.name.join(".");
    throw new UndefinedTableError(`relation "${shown}" does not exist`, { position: position(context.sql, item.pos) });
  }
  const columns = table.columns.map((c) => ({ name: c.name, type: c.type }));
  const bound = relationOf({ kind: "seq_scan", table, columns }, alias, table.schema, item.alias?.columns ?? []);
  return table.columns.some((c) => c.isSystem === true) ? markSystemColumns(bound, table) : bound;
}

/** Flags the table's system columns in its scope, so `*` leaves them out. */
function markSystemColumns(bound: BoundFrom, table: CatalogTable): BoundFrom {
  const scope = bound.scope;
  const relations = scope.relations.map((r) => ({ ...r, columns: r.columns.map((c) => (table.columns[c.index]?.isSystem === true ? { ...c, isSystem: true } : c)) }));
  return { ...bound, scope: new FromScope(relations, scope.merged, scope.width) };
}

function position(sql: string, offset: number): number {
  return characterPosition(sql, offset);
}

function renameColumns(columns: readonly PlanColumn[], names: readonly string[], relation: string): PlanColumn[] {
  if (names.length > columns.length) {
    throw new FeatureNotSupportedError(`table "${relation}" has ${columns.length} columns available but ${names.length} columns specified`);
  }
  return columns.map((c, i) => ({ name: names[i] ?? c.name, type: c.type }));
}

/** A plan as one FROM relation named `alias`, its columns renamed by an alias column list. */
function relationOf(plan: PlanNode, alias: string, schema: string | undefined, columnAliases: readonly string[]): BoundFrom {
  const columns = renameColumns(plan.columns, columnAliases, alias);
  const relation: ScopeRelation = { alias, schema, columns: columns.map((c, index) => ({ name: c.name, type: c.type, index })) };
  return { plan: withColumns(plan, columns), scope: new FromScope([relation], [], columns.length) };
}

/** The same plan, producing the same values under other column names. */
export function withColumns(plan: PlanNode, columns: readonly PlanColumn[]): PlanNode {
  assert(columns.length === plan.columns.length, "renaming keeps the column count");
  return { ...plan, columns };
}

// ---------------------------------------------------------------------------------------------
// Joins

function bindJoin(join: JoinExpr, context: QueryContext, bindQuery: QueryBinder): BoundFrom {
  const left = bindFromItem(join.left, context, bindQuery);
  const joinType: JoinType = join.joinType === "cross" ? "inner" : join.joinType;
  const isLateral = isLateralCandidate(join.right) && !join.isNatural && join.using === undefined;
  if (isLateral && join.alias === undefined) return bindLateral(left, join.right, joinType, join.on, context, bindQuery);
  const right = bindFromItem(join.right, context, bindQuery);
  const usingNames = join.isNatural ? naturalColumns(left.scope, right.scope) : join.using;
  let bound: BoundFrom;
  if (usingNames !== undefined) {
    bound = joinUsing(left, right, joinType, usingNames, context);
  } else {
    bound = combine(left, right, joinType, join.on, context);
  }
  if (join.alias === undefined) return bound;
  // `(a JOIN b) AS j`: one relation named j with the join's visible columns.
  const visible = bound.scope.star(undefined);
  const project: PlanNode = {
    kind: "project",
    input: bound.plan,
    exprs: visible.map((c) => ({ kind: "column", type: c.type, index: c.index, name: c.name })),
    columns: visible.map((c) => ({ name: c.name, type: c.type })),
  };
  return relationOf(project, join.alias.name, undefined, join.alias.columns);
}

function naturalColumns(left: FromScope, right: FromScope): string[] {
  const rightNames = new Set(right.star(undefined).map((c) => c.name));
  return left.star(undefined).map((c) => c.name).filter((name) => rightNames.has(name));
}

/** Two FROM items side by side: the right's columns follow the left's. */
function sideBySide(left: BoundFrom, right: BoundFrom): { scope: FromScope; columns: PlanColumn[] } {
  const offset = left.scope.width;
  const shifted = right.scope.relations.map((r) => ({ ...r, columns: r.columns.map((c) => ({ ...c, index: c.index + offset })) }));
  const merged = [...left.scope.merged, ...right.scope.merged.map((c) => ({ ...c, index: c.index + offset }))];
  const scope = new FromScope([...left.scope.relations, ...shifted], merged, offset + right.scope.width);
  return { scope, columns: [...left.plan.columns, ...right.plan.columns] };
}

function combine(left: BoundFrom, right: BoundFrom, joinType: JoinType, on: Expr | undefined, context: QueryContext): BoundFrom {
  const { scope, columns } = sideBySide(left, right);
  const condition = on === undefined ? undefined : bindCondition(on, "JOIN/ON", exprContext(context, scope));
  return { plan: makeJoin(joinType, left.plan, right.plan, condition, columns), scope };
}

function joinUsing(left: BoundFrom, right: BoundFrom, joinType: JoinType, names: readonly string[], context: QueryContext): BoundFrom {
  const { scope, columns } = sideBySide(left, right);
  const offset = left.scope.width;
  const bindContext = exprContext(context, scope);
  const equalities: BoundExpr[] = [];
  const pairs: { name: string; left: BoundExpr; right: BoundExpr }[] = [];
  for (const name of names) {
    const l = left.scope.resolve([name], 0);
    const r = right.scope.resolve([name], 0);
    const leftRef: BoundExpr = { kind: "column", type: l.type, index: l.index, name };
    const rightRef: BoundExpr = { kind: "column", type: r.type, index: r.index + offset, name };
    equalities.push(callOperator("=", [leftRef, rightRef], bindContext));
    pairs.push({ name, left: leftRef, right: rightRef });
  }
  const condition = equalities.length === 0 ? undefined : equalities.length === 1 ? equalities[0] : { kind: "bool" as const, type: { oid: TypeOid.bool, typmod: -1 }, op: "and" as const, args: equalities };
  let plan = makeJoin(joinType, left.plan, right.plan, condition, columns);
  const merged: MergedColumn[] = [];
  if (joinType === "full") {
    // The merged column of a FULL join is COALESCE(left, right), computed after the join.
    const extra = pairs.map((p) => ({ kind: "coalesce" as const, type: p.left.type, args: [p.left, p.right] }));
    const width = columns.length;
    plan = {
      kind: "project",
      input: plan,
      exprs: [...columns.map((c, index): BoundExpr => ({ kind: "column", type: c.type, index, name: c.name })), ...extra],
      columns: [...columns, ...pairs.map((p) => ({ name: p.name, type: p.left.type }))],
    };
    pairs.forEach((p, i) => merged.push({ name: p.name, type: p.left.type, index: width + i }));
  } else {
    for (const p of pairs) {
      const source = joinType === "right" ? p.right : p.left;
      assert(source.kind === "column", "a USING side is a column");
      merged.push({ name: p.name, type: source.type, index: source.index });
    }
  }
  const hidden = new Set(names);
  const relations = scope.relations.map((r) => ({ ...r, columns: r.columns.map((c) => (hidden.has(c.name) ? { ...c, isMergedAway: true } : c)) }));
  const width = plan.columns.length;
  return { plan, scope: new FromScope(relations, [...scope.merged, ...merged], width) };
}

/** Integer types hash alike across widths (5 = 5::int8), so a cross-width equality can hash. */
const integerTypes: ReadonlySet<number> = new Set([TypeOid.int2, TypeOid.int4, TypeOid.int8]);

/** A hash join on the equalities between the sides, with the rest as residual; else a nested loop. */
export function makeJoin(joinType: JoinType, left: PlanNode, right: PlanNode, condition: BoundExpr | undefined, columns: readonly PlanColumn[]): PlanNode {
  const leftWidth = left.columns.length;
  const leftKeys: BoundExpr[] = [];
  const rightKeys: BoundExpr[] = [];
  const keyTypes: { oid: number; typmod: number }[] = [];
  const rest: BoundExpr[] = [];
  for (const part of condition === undefined ? [] : conjuncts(condition)) {
    const key = hashableEquality(part, leftWidth);
    if (key === undefined) {
      rest.push(part);
      continue;
    }
    leftKeys.push(key.left);
    rightKeys.push(mapColumns(key.right, (index) => index - leftWidth));
    // Integer keys of different widths hash and compare as int8 (the executor widens them).
    keyTypes.push(key.left.type.oid === key.right.type.oid ? key.left.type : { oid: TypeOid.int8, typmod: -1 });
  }
  if (leftKeys.length === 0 || condition === undefined) return { kind: "nested_loop_join", joinType, left, right, condition, columns };
  const residual = rest.length === 0 ? undefined : rest.length === 1 ? rest[0] : { kind: "bool" as const, type: { oid: TypeOid.bool, typmod: -1 }, op: "and" as const, args: rest };
  return { kind: "hash_join", joinType, left, right, leftKeys, rightKeys, keyTypes, residual, condition, columns };
}

/** `l = r` with `l` over the left side only and `r` over the right only (either way round). */
function hashableEquality(expr: BoundExpr, leftWidth: number): { left: BoundExpr; right: BoundExpr } | undefined {
  if (expr.kind !== "call" || !expr.signatureId.startsWith("=(") || expr.args.length !== 2) return undefined;
  const [a, b] = expr.args;
  if (a === undefined || b === undefined) return undefined;
  const isSameFamily = a.type.oid === b.type.oid || (integerTypes.has(a.type.oid) && integerTypes.has(b.type.oid));
  if (!isSameFamily) return undefined;
  const ra = columnRange(a);
  const rb = columnRange(b);
  const isLeft = (r: { min: number; max: number }): boolean => r.max < leftWidth && r.max >= 0;
  const isRight = (r: { min: number; max: number }): boolean => r.min >= leftWidth;
  if (isLeft(ra) && isRight(rb)) return { left: a, right: b };
  if (isLeft(rb) && isRight(ra)) return { left: b, right: a };
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// WITH RECURSIVE

let workTableIds = 0;

/** Whether a table reference named `name` appears anywhere in `node`. */
function mentionsTable(node: unknown, name: string): boolean {
  if (Array.isArray(node)) return node.some((item) => mentionsTable(item, name));
  if (typeof node !== "object" || node === null) return false;
  if ("kind" in node && node.kind === "table_ref" && "name" in node && Array.isArray(node.name) && node.name.length === 1 && node.name[0] === name) return true;
  return Object.values(node).some((child) => mentionsTable(child, name));
}

/**
 * `name AS (non-recursive UNION [ALL] recursive)`: the left term binds first and fixes the
 * columns' names and types; the right term reads them from the work table. As in PostgreSQL the
 * recursive term's column types must equal the non-recursive term's (42804 otherwise).
 */
function bindRecursiveCte(cte: CommonTableExpr, context: QueryContext, bindQuery: QueryBinder): PlanNode {
  const query = cte.query;
  const body = query.kind === "select" ? query.body : undefined;
  if (query.kind !== "select" || body === undefined || body.kind !== "set_operation" || body.op !== "union") {
    throw new InvalidRecursionError(`recursive query "${cte.name}" does not have the form non-recursive-term UNION [ALL] recursive-term`);
  }
  if (query.orderBy.length > 0 || query.limit !== undefined || query.offset !== undefined) {
    throw new FeatureNotSupportedError("ORDER BY/LIMIT/OFFSET in a recursive query is not implemented");
  }
  const inner: QueryContext = { ...context, ctes: context.ctes.slice(context.ctes.indexOf(cte) + 1) };
  const asQuery = (part: QueryBody): SelectStatement => ({ kind: "select", body: part, orderBy: [], locking: [], isLimitWithTies: false, pos: part.pos });
  const nonRecursive = bindQuery(asQuery(body.left), inner);
  const columns = cte.columns.length > 0 ? renameColumns(nonRecursive.columns, cte.columns, cte.name) : nonRecursive.columns;
  const workTable: WorkTable = { name: cte.name, id: ++workTableIds, columns, subqueryDepth: context.subqueryDepth ?? 0 };
  const recursive = bindQuery(asQuery(body.right), { ...inner, workTables: [workTable, ...(context.workTables ?? [])] });
  if (recursive.columns.length !== columns.length) {
    throw new SqlSyntaxError("each UNION query must have the same number of columns");
  }
  recursive.columns.forEach((column, i) => {
    const expected = columns[i];
    if (expected !== undefined && column.type.oid !== expected.type.oid) {
      throw new DatatypeMismatchError(
        `recursive query "${cte.name}" column ${i + 1} has type ${formatTypeName(expected.type.oid)} in non-recursive term but type ${formatTypeName(column.type.oid)} overall`,
        { hint: "Cast the output of the non-recursive term to the correct type." },
      );
    }
  });
  return { kind: "recursive_union", workTableId: workTable.id, isAll: body.isAll, nonRecursive: withColumns(nonRecursive, columns), recursive: withColumns(recursive, columns), columns };
}
