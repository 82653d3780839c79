/**
 * Binds parser expressions to typed `BoundExpr`s: literals get their PostgreSQL types (an
 * integer that fits is int4, then int8, then numeric; a quoted string is `unknown` until context
 * gives it a type), operators and functions resolve against the catalog, and every coercion
 * becomes an explicit cast node. Untyped literals coerced to a type are converted here, once, by
 * that type's input function, so `'x'::int` fails at bind time with 22P02 and a position.
 *
 * Rewrites, as PostgreSQL's parser does them: BETWEEN into comparisons, `IN (list)` into
 * `= ANY`, simple CASE into `=` tests, `a LIKE b` into the `~~` operator.
 */
import {
  CannotCoerceError,
  DatatypeMismatchError,
  FeatureNotSupportedError,
  Numeric,
  TypeOid,
  assert,
  assertNever,
  parseValue,
  typeInfo,
  WrongObjectTypeError,
  type DbError,
  type DomainType,
  type TextIoSettings,
} from "@omnikv/base";
import { SqlSyntaxError, parse, type Expr, type SelectStatement } from "@omnikv/parser";
import type { BoundExpr, SqlType, SubqueryCorrelation } from "../bound-expr.ts";
import type { PlanNode } from "../query/plan.ts";
import { canCoerceImplicitly, findCast, formatTypeName, resolveFunction, resolveOperator } from "../functions/resolve.ts";
import type { CastContext } from "../functions/signature.ts";
import { hypotheticalSetReturnTypes } from "../functions/builtins-aggregates.ts";
import { arrayOidOf, resolveTypeTarget, withUserTypeNames } from "./type-names.ts";
import { UndefinedColumnError } from "../query/errors.ts";
import { selectCommonType } from "./common-type.ts";

/** Resolves column references; queries supply one per scope (none for a bare expression). */
export interface ColumnScope {
  /**
   * The column `names` refers to. `paramIndex` is set when it is an enclosing query's column that
   * a subquery reads through a correlation parameter.
   */
  resolve(names: readonly string[], pos: number): { readonly index: number; readonly type: SqlType; readonly name: string; readonly paramIndex?: number };
  /** The columns of the FROM item named `name`, for a whole-row reference; undefined when there is none. */
  wholeRow?(name: string): readonly { readonly index: number; readonly type: SqlType; readonly name: string }[] | undefined;
}

/** Binds a subquery expression's query; supplied by the query binder (which the expression binder cannot import). */
export interface SubqueryBinder {
  bind(query: SelectStatement): { readonly plan: PlanNode; readonly correlations: SubqueryCorrelation[] };
}

export interface BindContext {
  readonly settings: TextIoSettings;
  /** Declared types of `$1…$n`; an undeclared parameter is `unknown`. */
  readonly paramTypes: readonly number[];
  readonly scope?: ColumnScope;
  /** The statement text, for 1-based error positions. */
  readonly sql: string;
  /** Present inside a query: subquery expressions are bound through it (else they are 0A000). */
  readonly subqueries?: SubqueryBinder;
}

const boolType: SqlType = { oid: TypeOid.bool, typmod: -1 };
const int4Max = 2147483647n;
const int8Max = 9223372036854775807n;

export function typeOf(oid: number, typmod = -1): SqlType {
  return { oid, typmod };
}

/** Attaches a statement position to errors raised while binding `expr`. */
function withPosition<T>(context: BindContext, pos: number, bind: () => T): T {
  try {
    return bind();
  } catch (error) {
    if (isDbError(error) && error.position === undefined) {
      Object.defineProperty(error, "position", { value: characterPosition(context.sql, pos) });
      error.message = withUserTypeNames(error.message, context.settings);
    }
    throw error;
  }
}

function isDbError(error: unknown): error is DbError {
  return error instanceof Error && "sqlState" in error;
}

function characterPosition(sql: string, offset: number): number {
  let count = 0;
  for (let i = 0; i < offset && i < sql.length; i++) {
    const code = sql.charCodeAt(i);
    if (code < 0xdc00 || code > 0xdfff) count += 1;
  }
  return count + 1;
}

export function bindExpr(expr: Expr, context: BindContext): BoundExpr {
  return withPosition(context, expr.pos, () => bindExprInner(expr, context));
}

function bindExprInner(expr: Expr, context: BindContext): BoundExpr {
  switch (expr.kind) {
    case "number":
      return bindNumber(expr.text, expr.isInteger);
    case "string":
      return { kind: "const", type: typeOf(TypeOid.unknown), value: expr.value };
    case "boolean":
      return { kind: "const", type: boolType, value: expr.value };
    case "null":
      return { kind: "const", type: typeOf(TypeOid.unknown), value: null };
    case "param":
      // 0 is the protocol's "unspecified": the parameter is typed by its use, as an untyped literal.
      return { kind: "param", type: typeOf(context.paramTypes[expr.index - 1] || TypeOid.unknown), index: expr.index };
    case "column_ref":
      return bindColumn(expr, context);
    case "cast": {
      const { type: target, domain } = resolveTypeTarget(expr.type, context.settings);
      const cast = coerce(bindExpr(expr.expr, context), target, "explicit", context);
      return domain === undefined ? cast : withDomainCheck(cast, domain, context.settings);
    }
    case "binary":
      return bindOperator(expr.op, [expr.left, expr.right], context);
    case "unary":
      return bindOperator(expr.op, [expr.operand], context);
    case "bool_expr":
      return { kind: "bool", type: boolType, op: expr.op, args: expr.args.map((arg) => bindCondition(arg, expr.op.toUpperCase(), context)) };
    case "not":
      return { kind: "not", type: boolType, arg: bindCondition(expr.operand, "NOT", context) };
    case "is":
    case "is_distinct_from":
    case "between":
    case "like":
    case "in_list":
      return bindPredicate(expr, context);
    case "case":
    case "special_function":
    case "func_call":
    case "array":
      return bindCompound(expr, context);
    case "sql_value_function":
      return bindSqlValueFunction(expr, context);
    case "quantified_array":
      return bindQuantifiedArray(expr, context);
    case "in_subquery":
    case "quantified_subquery":
    case "exists":
    case "scalar_subquery":
    case "array_subquery":
      return bindSubqueryExpr(expr, context);
    case "collate":
      return bindCollate(expr, context);
    case "subscript":
      return bindSubscript(expr, context);
    case "row":
      return bindRow(expr, context);
    case "field_select":
      return bindFieldSelect(expr, context);
    case "bit_string":
    case "default":
    case "named_arg":
    case "grouping":
      throw new FeatureNotSupportedError(`${expr.kind.replaceAll("_", " ")} expressions are not supported yet`);
  }
  return assertNever(expr);
}

function bindNumber(text: string, isInteger: boolean): BoundExpr {
  if (isInteger) {
    const value = BigInt(text);
    const magnitude = value < 0n ? -value : value;
    if (magnitude <= int4Max || value === -int4Max - 1n) return { kind: "const", type: typeOf(TypeOid.int4), value: Number(value) };
    if (magnitude <= int8Max || value === -int8Max - 1n) return { kind: "const", type: typeOf(TypeOid.int8), value };
  }
  return { kind: "const", type: typeOf(TypeOid.numeric), value: Numeric.parse(text) };
}

function bindColumn(expr: Extract<Expr, { kind: "column_ref" }>, context: BindContext): BoundExpr {
  if (context.scope === undefined || expr.isStar) {
    throw new FeatureNotSupportedError("column references need a FROM clause, which is not bound yet");
  }
  let column: ReturnType<ColumnScope["resolve"]>;
  try {
    column = context.scope.resolve(expr.names, expr.pos);
  } catch (error) {
    // A name that is no column but a FROM item's is a whole-row reference (`row_to_json(t)`).
    const [name] = expr.names;
    const columns = error instanceof UndefinedColumnError && expr.names.length === 1 && name !== undefined ? context.scope.wholeRow?.(name) : undefined;
    if (columns === undefined) throw error;
    const fields: BoundExpr[] = columns.map((c) => ({ kind: "column", type: c.type, index: c.index, name: c.name }));
    return { kind: "row", type: { oid: TypeOid.record, typmod: -1 }, fields, names: columns.map((c) => c.name) };
  }
  if (column.paramIndex !== undefined) return { kind: "param", type: column.type, index: column.paramIndex };
  return { kind: "column", type: column.type, index: column.index, name: column.name };
}

/** `(r).f`: a field of a row constructor or whole-row reference, by name (42703 when it has none). */
function bindFieldSelect(expr: Extract<Expr, { kind: "field_select" }>, context: BindContext): BoundExpr {
  const row = bindExpr(expr.expr, context);
  if (row.kind !== "row") {
    if (row.type.oid === TypeOid.record) throw new FeatureNotSupportedError("selecting a field of this record is not supported yet");
    throw new WrongObjectTypeError(`column notation .${expr.field} applied to type ${formatTypeName(row.type.oid)}, which is not a composite type`);
  }
  if (expr.field === "*") throw new FeatureNotSupportedError("(record).* is not supported yet");
  const at = row.names.indexOf(expr.field);
  const field = row.fields[at];
  if (at < 0 || field === undefined) throw new UndefinedColumnError(`could not identify column "${expr.field}" in record data type`);
  return field;
}

/**
 * `ROW(a, b)` / `(a, b)`: an anonymous record with fields f1, f2, …. Untyped literals stay
 * unknown (they print as written), so a row comparison can still resolve them against the other
 * row's fields.
 */
function bindRow(expr: Extract<Expr, { kind: "row" }>, context: BindContext): BoundExpr {
  const fields = expr.items.map((item) => bindExpr(item, context));
  return { kind: "row", type: { oid: TypeOid.record, typmod: -1 }, fields, names: fields.map((_, i) => `f${i + 1}`) };
}

/** `a[i]` on an array (slices `a[i:j]` are not supported yet). */
function bindSubscript(expr: Extract<Expr, { kind: "subscript" }>, context: BindContext): BoundExpr {
  if (expr.isSlice || expr.index === undefined) throw new FeatureNotSupportedError("array slices are not supported yet");
  const array = bindExpr(expr.expr, context);
  if (typeInfo(array.type.oid)?.elementOid === undefined) {
    throw new DatatypeMismatchError(`cannot subscript type ${formatTypeName(array.type.oid)} because it does not support subscripting`);
  }
  return callOperator("[]", [array, bindExpr(expr.index, context)], context, [expr.index.pos]);
}

/**
 * `expr COLLATE name`: every string here compares by code point, which is the C collation and
 * also what `default` means in this build; other collations are 0A000.
 */
function bindCollate(expr: Extract<Expr, { kind: "collate" }>, context: BindContext): BoundExpr {
  const names = expr.collation;
  const collation = names.at(-1) ?? "";
  const isBuiltin = names.length === 1 || (names.length === 2 && names[0] === "pg_catalog");
  if (!isBuiltin || !["default", "C", "POSIX", "ucs_basic"].includes(collation)) {
    throw new FeatureNotSupportedError(`collation "${names.join(".")}" is not supported (only "C" and "default")`);
  }
  const bound = bindExpr(expr.expr, context);
  const oid = bound.type.oid;
  const isCollatable = oid === TypeOid.text || oid === TypeOid.varchar || oid === TypeOid.bpchar || oid === TypeOid.name || oid === TypeOid.unknown;
  if (!isCollatable) throw new DatatypeMismatchError(`collations are not supported by type ${formatTypeName(oid)}`);
  return bound;
}

type SubqueryAst = Extract<Expr, { kind: "in_subquery" | "quantified_subquery" | "exists" | "scalar_subquery" | "array_subquery" }>;

/** EXISTS, scalar subqueries, `x IN (subquery)` (= ANY) and `x op ANY|ALL (subquery)`. */
function bindSubqueryExpr(expr: SubqueryAst, context: BindContext): BoundExpr {
  if (context.subqueries === undefined) throw new FeatureNotSupportedError("subqueries are not supported outside a query");
  const { plan, correlations } = context.subqueries.bind(expr.query);
  if (expr.kind === "exists") return { kind: "subquery", type: boolType, form: "exists", plan, correlations };
  const [column, ...extra] = plan.columns;
  if (column === undefined || extra.length > 0) {
    throw new SqlSyntaxError(extra.length > 0 ? "subquery has too many columns" : "subquery must return a column");
  }
  if (expr.kind === "scalar_subquery") return { kind: "subquery", type: column.type, form: "scalar", plan, correlations };
  if (expr.kind === "array_subquery") return { kind: "subquery", type: typeOf(arrayOidOf(column.type.oid)), form: "array", plan, correlations };
  const isAny = expr.kind === "in_subquery" ? !expr.isNegated : expr.quantifier === "any";
  const op = expr.kind === "in_subquery" ? (expr.isNegated ? "<>" : "=") : expr.op;
  const leftExpr = expr.kind === "in_subquery" ? expr.expr : expr.left;
  const left = bindExpr(leftExpr, context);
  const comparison = callOperator(op, [left, { kind: "column", type: column.type, index: 0, name: column.name }], context, [leftExpr.pos]);
  if (comparison.kind !== "call" || comparison.type.oid !== TypeOid.bool) {
    throw new DatatypeMismatchError(`operator ${op} must return type boolean, not type ${formatTypeName(comparison.type.oid)}`);
  }
  const [coercedLeft, right] = comparison.args;
  assert(coercedLeft !== undefined && right !== undefined, "a comparison has two arguments");
  const test = { left: coercedLeft, right, signatureId: comparison.signatureId, argTypes: [coercedLeft.type.oid, right.type.oid], isStrict: comparison.isStrict };
  return { kind: "subquery", type: boolType, form: isAny ? "any" : "all", plan, correlations, test };
}

/** An argument of AND/OR/NOT/WHERE: a boolean, or an untyped literal read as one. */
export function bindCondition(expr: Expr, construct: string, context: BindContext): BoundExpr {
  const bound = bindExpr(expr, context);
  if (bound.type.oid === TypeOid.bool) return bound;
  if (bound.type.oid === TypeOid.unknown) return coerce(bound, boolType, "assignment", context);
  throw new DatatypeMismatchError(`argument of ${construct} must be type boolean, not type ${formatTypeName(bound.type.oid)}`);
}

function bindOperator(op: string, operands: readonly Expr[], context: BindContext): BoundExpr {
  const args = operands.map((operand) => bindExpr(operand, context));
  return callOperator(op, args, context, operands.map((operand) => operand.pos));
}

/**
 * A call of the operator `op` resolved for `args`. `positions` are the arguments' offsets in the
 * statement, so a literal that fails its conversion is reported where it stands.
 */
export function callOperator(op: string, args: readonly BoundExpr[], context: BindContext, positions: readonly number[] = []): BoundExpr {
  if (args.some((arg) => arg.type.oid === TypeOid.record)) return compareRows(op, args, context);
  const resolved = resolveOperator(op, args.map((arg) => arg.type.oid));
  return {
    kind: "call",
    type: typeOf(resolved.returnType),
    signatureId: resolved.signature.id,
    args: args.map((arg, i) => coerceAt(arg, typeOf(resolved.argTypes[i] ?? TypeOid.text), context, positions[i])),
    isStrict: resolved.signature.isStrict,
  };
}

/**
 * A comparison of two row constructors, field by field, as PostgreSQL's RowCompareExpr: `=` when
 * every pair is equal, `<>` when some pair is not; `<`, `<=`, `>`, `>=` decided by the first pair
 * that is not equal (`(a, b) < (c, d)` is `a < c OR (a = c AND b < d)`), NULL when a pair before
 * it compares NULL. Rows of other origins, and other operators, are 0A000.
 */
function compareRows(op: string, args: readonly BoundExpr[], context: BindContext): BoundExpr {
  const [left, right] = args;
  if (args.length !== 2 || left?.kind !== "row" || right?.kind !== "row") {
    throw new FeatureNotSupportedError("only comparisons of two row constructors are supported for records");
  }
  if (left.fields.length !== right.fields.length) throw new SqlSyntaxError("unequal number of entries in row expressions");
  const pairs = left.fields.map((field, i): [BoundExpr, BoundExpr] => [field, right.fields[i] ?? field]);
  if (pairs.length === 0) throw new FeatureNotSupportedError("cannot compare rows of zero length");
  const all = (parts: BoundExpr[], how: "and" | "or"): BoundExpr => (parts.length === 1 ? (parts[0] ?? left) : { kind: "bool", type: boolType, op: how, args: parts });
  switch (op) {
    case "=":
      return all(pairs.map(([a, b]) => callOperator("=", [a, b], context)), "and");
    case "<>":
      return all(pairs.map(([a, b]) => callOperator("<>", [a, b], context)), "or");
    case "<":
    case "<=":
    case ">":
    case ">=": {
      const strict = op.startsWith("<") ? "<" : ">";
      let result: BoundExpr | undefined;
      for (let i = pairs.length - 1; i >= 0; i--) {
        const [a, b] = pairs[i] ?? pairs[0] ?? [left, right];
        if (result === undefined) {
          result = callOperator(op, [a, b], context);
          continue;
        }
        const decided = callOperator(strict, [a, b], context);
        const tied: BoundExpr = { kind: "bool", type: boolType, op: "and", args: [callOperator("=", [a, b], context), result] };
        result = { kind: "bool", type: boolType, op: "or", args: [decided, tied] };
      }
      // `a >= c` (or `a <= c`) is implied, and stated, so an index on the leading field reads a range
      // (keyset pagination) rather than the whole table; it never changes the result.
      const [a0, b0] = pairs[0] ?? [left, right];
      if (result === undefined || pairs.length === 1) return result ?? left;
      return { kind: "bool", type: boolType, op: "and", args: [callOperator(`${strict}=`, [a0, b0], context), result] };
    }
    default: {
      const [a, b] = pairs[0] ?? [left, right];
      const first = callOperator(op, [a, b], context);
      if (first.type.oid !== TypeOid.bool) throw new DatatypeMismatchError(`row comparison operator must yield type boolean, not type ${formatTypeName(first.type.oid)}`);
      throw new FeatureNotSupportedError(`operator ${op} on rows is not supported`);
    }
  }
}

function coerceAt(arg: BoundExpr, target: SqlType, context: BindContext, pos: number | undefined): BoundExpr {
  if (pos === undefined) return coerce(arg, target, "implicit", context);
  return withPosition(context, pos, () => coerce(arg, target, "implicit", context));
}

function callFunction(name: string, args: readonly BoundExpr[], context: BindContext, positions: readonly number[]): BoundExpr {
  const resolved = resolveFunction(name, args.map((arg) => arg.type.oid));
  if (resolved.signature.returnsSet === true) {
    // A set-returning function yields rows, not a value: only FROM runs it (for now).
    throw new FeatureNotSupportedError(`set-returning function ${name}() is not supported here yet`, { hint: `Call it in FROM: SELECT * FROM ${name}(…).` });
  }
  return {
    kind: "call",
    type: typeOf(resolved.returnType),
    signatureId: resolved.signature.id,
    args: args.map((arg, i) => coerceAt(arg, typeOf(resolved.argTypes[i] ?? TypeOid.text), context, positions[i])),
    isStrict: resolved.signature.isStrict,
  };
}

function bindPredicate(expr: Extract<Expr, { kind: "is" | "is_distinct_from" | "between" | "like" | "in_list" }>, context: BindContext): BoundExpr {
  switch (expr.kind) {
    case "is": {
      const arg = bindExpr(expr.expr, context);
      if (expr.test === "null") return { kind: "null_test", type: boolType, arg, isNegated: expr.isNegated };
      const condition = bindCondition(expr.expr, `IS ${expr.test.toUpperCase()}`, context);
      return { kind: "bool_test", type: boolType, arg: condition, test: expr.test, isNegated: expr.isNegated };
    }
    case "is_distinct_from": {
      const equality = callOperator("=", [bindExpr(expr.left, context), bindExpr(expr.right, context)], context);
      const [left, right] = callArgs(equality);
      return { kind: "distinct", type: boolType, signatureId: callId(equality), left, right, isNegated: expr.isNegated };
    }
    case "between":
      return bindBetween(expr, context);
    case "like":
      return bindLike(expr, context);
    case "in_list":
      return bindInList(expr, context);
  }
  return assertNever(expr);
}

function callArgs(call: BoundExpr): [BoundExpr, BoundExpr] {
  if (call.kind !== "call" || call.args.length !== 2) throw new Error("a comparison binds to a two-argument call");
  const [left, right] = call.args;
  if (left === undefined || right === undefined) throw new Error("a comparison has two arguments");
  return [left, right];
}

function callId(call: BoundExpr): string {
  if (call.kind !== "call") throw new Error("a comparison binds to a call");
  return call.signatureId;
}

function bindBetween(expr: Extract<Expr, { kind: "between" }>, context: BindContext): BoundExpr {
  const value = bindExpr(expr.expr, context);
  const low = bindExpr(expr.low, context);
  const high = bindExpr(expr.high, context);
  const inRange = (from: BoundExpr, to: BoundExpr): BoundExpr =>
    expr.isNegated
      ? { kind: "bool", type: boolType, op: "or", args: [callOperator("<", [value, from], context), callOperator(">", [value, to], context)] }
      : { kind: "bool", type: boolType, op: "and", args: [callOperator(">=", [value, from], context), callOperator("<=", [value, to], context)] };
  if (!expr.isSymmetric) return inRange(low, high);
  const either = [inRange(low, high), inRange(high, low)];
  return { kind: "bool", type: boolType, op: expr.isNegated ? "and" : "or", args: either };
}

/**
 * LIKE/ILIKE are the `~~`/`~~*` operators; an ESCAPE clause rewrites the pattern with
 * `like_escape`. SIMILAR TO is the regex operator `~` on `similar_to_escape(pattern[, escape])`,
 * as PostgreSQL's parser rewrites it.
 */
function bindLike(expr: Extract<Expr, { kind: "like" }>, context: BindContext): BoundExpr {
  const subject = bindExpr(expr.expr, context);
  let pattern = bindExpr(expr.pattern, context);
  const escape = expr.escape === undefined ? undefined : bindExpr(expr.escape, context);
  if (expr.op === "similar") {
    pattern = callFunction("similar_to_escape", escape === undefined ? [pattern] : [pattern, escape], context, []);
    return callOperator(expr.isNegated ? "!~" : "~", [subject, pattern], context, [expr.expr.pos, expr.pattern.pos]);
  }
  if (escape !== undefined) pattern = callFunction("like_escape", [pattern, escape], context, [expr.pattern.pos, expr.escape?.pos ?? expr.pos]);
  const op = `${expr.isNegated ? "!" : ""}~~${expr.op === "ilike" ? "*" : ""}`;
  return callOperator(op, [subject, pattern], context, [expr.expr.pos, expr.pattern.pos]);
}

/**
 * `x IN (a, b)`: with a common type, one `= ANY` over the list; without one, PostgreSQL falls
 * back to `x = a OR x = b`, each comparison resolved on its own.
 */
function bindInList(expr: Extract<Expr, { kind: "in_list" }>, context: BindContext): BoundExpr {
  const left = bindExpr(expr.expr, context);
  const items = expr.items.map((item) => bindExpr(item, context));
  if (left.type.oid === TypeOid.record) {
    // `(a, b) IN ((1, 2), (3, 4))`: one row equality per item.
    const matches = items.map((item) => callOperator("=", [left, item], context));
    const anyMatch: BoundExpr = matches.length === 1 ? (matches[0] ?? left) : { kind: "bool", type: boolType, op: "or", args: matches };
    return expr.isNegated ? { kind: "not", type: boolType, arg: anyMatch } : anyMatch;
  }
  let common: number;
  try {
    common = selectCommonType([left, ...items].map((item) => item.type.oid), "IN");
  } catch (error) {
    // No common type, or one some item cannot reach (PostgreSQL's verify_common_type): compare one by one.
    if (!(error instanceof DatatypeMismatchError || error instanceof CannotCoerceError)) throw error;
    const comparisons = items.map((item, i) => callOperator("=", [left, item], context, [expr.expr.pos, expr.items[i]?.pos ?? expr.pos]));
    const anyMatch: BoundExpr = comparisons.length === 1 ? (comparisons[0] ?? left) : { kind: "bool", type: boolType, op: "or", args: comparisons };
    return expr.isNegated ? { kind: "not", type: boolType, arg: anyMatch } : anyMatch;
  }
  const target = typeOf(common);
  const comparison = callOperator("=", [coerce(left, target, "implicit", context), coerce(items[0] ?? left, target, "implicit", context)], context);
  const [coercedLeft] = callArgs(comparison);
  const equality: BoundExpr = {
    kind: "scalar_array_op",
    type: boolType,
    signatureId: callId(comparison),
    isAny: true,
    left: coercedLeft,
    items: items.map((item) => coerce(item, target, "implicit", context)),
  };
  return expr.isNegated ? { kind: "not", type: boolType, arg: equality } : equality;
}

/**
 * `x op ANY/ALL (array)`, as PostgreSQL's make_scalar_array_op: the operator is resolved between
 * `x` and the array's element type (an untyped literal on the right stays unknown, so
 * `1 = ANY ('{1,2}')` reads it as int4[]), must yield boolean, and the array is coerced to the
 * array of the operator's right input type.
 */
function bindQuantifiedArray(expr: Extract<Expr, { kind: "quantified_array" }>, context: BindContext): BoundExpr {
  const left = bindExpr(expr.left, context);
  const array = bindExpr(expr.array, context);
  const arrayOid = array.type.oid;
  const fail = (message: string): never =>
    withPosition(context, expr.pos, () => {
      throw new WrongObjectTypeError(message);
    });
  const elementOid = arrayOid === TypeOid.unknown ? TypeOid.unknown : (typeInfo(arrayOid)?.elementOid ?? fail("op ANY/ALL (array) requires array on right side"));
  const resolved = withPosition(context, expr.pos, () => resolveOperator(expr.op, [left.type.oid, elementOid]));
  if (resolved.returnType !== TypeOid.bool) fail("op ANY/ALL (array) requires operator to yield boolean");
  const [leftOid = TypeOid.text, rightOid = TypeOid.text] = resolved.argTypes;
  // A polymorphic right input (anyarray = anyarray over arrays of arrays) keeps the array's own type.
  const isPolymorphicRight = typeInfo(resolved.signature.argTypes[1] ?? 0)?.category === "P";
  const arrayTarget = isPolymorphicRight && arrayOid !== TypeOid.unknown ? arrayOid : arrayOidOf(rightOid);
  return {
    kind: "array_op",
    type: boolType,
    signatureId: resolved.signature.id,
    argTypes: [leftOid, rightOid],
    isStrict: resolved.signature.isStrict,
    isAny: expr.quantifier === "any",
    left: coerceAt(left, typeOf(leftOid), context, expr.left.pos),
    array: coerceAt(array, typeOf(arrayTarget), context, expr.array.pos),
  };
}

function bindCompound(expr: Extract<Expr, { kind: "case" | "special_function" | "func_call" | "array" }>, context: BindContext): BoundExpr {
  switch (expr.kind) {
    case "case":
      return bindCase(expr, context);
    case "special_function":
      return bindSpecialFunction(expr, context);
    case "func_call":
      return bindFuncCall(expr, context);
    case "array": {
      const elements = expr.elements.map((element) => bindExpr(element, context));
      const elementType = selectCommonType(elements.map((element) => element.type.oid), "ARRAY");
      // Sub-arrays make a multidimensional array of the same array type.
      const isMultiDimensional = typeInfo(elementType)?.elementOid !== undefined;
      const arrayOid = isMultiDimensional ? elementType : arrayOidOf(elementType);
      const target = typeOf(elementType === TypeOid.unknown ? TypeOid.text : elementType);
      const coerced = elements.map((element) => coerce(element, target, "implicit", context));
      return { kind: "array", type: typeOf(arrayOid), elements: coerced, isMultiDimensional };
    }
  }
  return assertNever(expr);
}

function bindCase(expr: Extract<Expr, { kind: "case" }>, context: BindContext): BoundExpr {
  const operand = expr.operand === undefined ? undefined : bindExpr(expr.operand, context);
  const conditions = expr.whens.map((when) =>
    operand === undefined
      ? bindCondition(when.condition, "CASE/WHEN", context)
      : callOperator("=", [operand, bindExpr(when.condition, context)], context),
  );
  const results = expr.whens.map((when) => bindExpr(when.result, context));
  const elseResult: BoundExpr =
    expr.elseResult === undefined ? { kind: "const", type: typeOf(TypeOid.unknown), value: null } : bindExpr(expr.elseResult, context);
  const common = typeOf(selectCommonType([...results, elseResult].map((result) => result.type.oid), "CASE", false));
  const [coercedElse, ...coercedResults] = coerceToCommon([elseResult, ...results], common, "CASE", context);
  return {
    kind: "case",
    type: common,
    whens: results.map((result, i) => ({ condition: conditions[i] ?? result, result: coercedResults[i] ?? result })),
    elseResult: coercedElse ?? elseResult,
  };
}

function bindSpecialFunction(expr: Extract<Expr, { kind: "special_function" }>, context: BindContext): BoundExpr {
  const args = expr.args.map((arg) => bindExpr(arg, context));
  if (expr.name === "nullif") {
    const equality = callOperator("=", args, context, expr.args.map((arg) => arg.pos));
    const [left, right] = callArgs(equality);
    return { kind: "nullif", type: left.type, signatureId: callId(equality), left, right };
  }
  const common = typeOf(selectCommonType(args.map((arg) => arg.type.oid), expr.name.toUpperCase(), false));
  const coerced = coerceToCommon(args, common, expr.name.toUpperCase(), context);
  if (expr.name === "coalesce") return { kind: "coalesce", type: common, args: coerced };
  const comparison = callOperator("<", [coerced[0] ?? coerced[1] ?? { kind: "const", type: common, value: null }, coerced[0] ?? { kind: "const", type: common, value: null }], context);
  return { kind: "min_max", type: common, op: expr.name, compareId: callId(comparison), args: coerced };
}

/**
 * Each input coerced to the construct's common type in order, as PostgreSQL's
 * coerce_to_common_type: an input that cannot get there is 42846 "X could not convert type …",
 * raised only after the inputs before it were converted (their bad literals fail first).
 */
function coerceToCommon(args: readonly BoundExpr[], common: SqlType, construct: string, context: BindContext): BoundExpr[] {
  return args.map((arg) => {
    if (arg.type.oid !== TypeOid.unknown && arg.type.oid !== common.oid && !canCoerceImplicitly(arg.type.oid, common.oid)) {
      throw new CannotCoerceError(`${construct} could not convert type ${formatTypeName(arg.type.oid)} to ${formatTypeName(common.oid)}`);
    }
    return coerce(arg, common, "implicit", context);
  });
}

/** CURRENT_DATE, LOCALTIMESTAMP(3), CURRENT_USER …: calls of the catalog's functions of those names. */
function bindSqlValueFunction(expr: Extract<Expr, { kind: "sql_value_function" }>, context: BindContext): BoundExpr {
  if (expr.name === "current_time") throw new FeatureNotSupportedError("CURRENT_TIME (time with time zone) is not supported yet");
  const args: BoundExpr[] =
    expr.precision === undefined ? [] : [{ kind: "const", type: typeOf(TypeOid.int4), value: expr.precision }];
  return callFunction(expr.name, args, context, []);
}

function bindFuncCall(expr: Extract<Expr, { kind: "func_call" }>, context: BindContext): BoundExpr {
  if (expr.isStar || expr.isDistinct || expr.orderBy.length > 0 || expr.filter !== undefined || expr.over !== undefined) {
    throw new FeatureNotSupportedError("aggregate and window calls are bound by the query binder");
  }
  const name = expr.name.length === 2 && expr.name[0] === "pg_catalog" ? (expr.name[1] ?? "") : expr.name.join(".");
  if (hypotheticalSetReturnTypes.has(name)) {
    // rank() is the window function, rank(x) the hypothetical-set aggregate: both need more here.
    throw new WrongObjectTypeError(expr.args.length === 0 ? `window function ${name} requires an OVER clause` : `WITHIN GROUP is required for ordered-set aggregate ${name}`);
  }
  const args = expr.args.map((arg) => {
    if (arg.kind === "named_arg") throw new FeatureNotSupportedError("named function arguments are not supported yet");
    return bindExpr(arg, context);
  });
  return callFunction(name, args, context, expr.args.map((arg) => arg.pos));
}

/**
 * Converts `expr` to `target` in `context`. An untyped literal is converted now by the target's
 * input function; anything else becomes a cast node the executor runs. A typmod on the target
 * adds a length coercion.
 */
export function coerce(expr: BoundExpr, target: SqlType, context: CastContext, bindContext: BindContext): BoundExpr {
  let result = expr;
  if (expr.type.oid !== target.oid) {
    if (expr.kind === "const" && expr.type.oid === TypeOid.unknown && isCatalogName(target.oid, expr.value)) {
      // `'users'::regclass`: the name is resolved by the catalog when the statement runs.
      const name: BoundExpr = { kind: "const", type: typeOf(TypeOid.text), value: expr.value };
      result = { kind: "cast", type: typeOf(target.oid), expr: name, method: "function", castId: `cast(text,${target.oid === TypeOid.regclass ? "regclass" : "regnamespace"})`, isExplicit: context === "explicit" };
    } else if (expr.kind === "const" && expr.type.oid === TypeOid.unknown) {
      const value = typeof expr.value === "string" ? parseValue(target.oid, expr.value, bindContext.settings) : null;
      result = { kind: "const", type: typeOf(target.oid), value };
    } else if (expr.type.oid === TypeOid.unknown) {
      result = { kind: "cast", type: typeOf(target.oid), expr, method: "io", isExplicit: context === "explicit" };
    } else {
      result = castNode(expr, target.oid, context);
    }
  }
  if (target.typmod !== -1 && target.typmod !== expr.type.typmod) {
    result = { kind: "cast", type: target, expr: result, method: "length", isExplicit: context === "explicit" };
  }
  return result;
}

/** A quoted name (not digits) given as a regclass or regnamespace: the catalog resolves it at run time. */
function isCatalogName(targetOid: number, value: unknown): boolean {
  const isCatalogType = targetOid === TypeOid.regclass || targetOid === TypeOid.regnamespace;
  return isCatalogType && typeof value === "string" && !/^\s*[0-9]+\s*$/.test(value);
}

function castNode(expr: BoundExpr, targetOid: number, context: CastContext): BoundExpr {
  const path = findCast(expr.type.oid, targetOid, context);
  if (path === undefined) {
    throw new CannotCoerceError(`cannot cast type ${formatTypeName(expr.type.oid)} to ${formatTypeName(targetOid)}`);
  }
  const type = typeOf(targetOid);
  const isExplicit = context === "explicit";
  switch (path.method) {
    case "none":
      return expr;
    case "binary":
      return { kind: "cast", type, expr, method: "binary", isExplicit };
    case "io":
      return { kind: "cast", type, expr, method: "io", isExplicit };
    case "function":
      return { kind: "cast", type, expr, method: "function", castId: path.castId, isExplicit };
    case "array": {
      const element = path.element;
      const elementCast = {
        method: element.method,
        ...(element.method === "function" ? { castId: element.castId } : {}),
        sourceOid: path.sourceElement,
        targetOid: path.targetElement,
      };
      return { kind: "cast", type, expr, method: "array", elementCast, isExplicit };
    }
  }
  throw new Error("unreachable cast path");
}

// ---------------------------------------------------------------------------------------------
// Domains

/** `arg` (of the domain's base type) checked against the domain's NOT NULL and CHECK constraints. */
export function withDomainCheck(arg: BoundExpr, domain: DomainType, settings: TextIoSettings): BoundExpr {
  if (!domain.isNotNull && domain.checks.length === 0) return arg;
  const baseType: SqlType = { oid: domain.baseOid, typmod: domain.baseTypmod };
  const checks = domain.checks.map((check) => ({ name: check.name, expr: bindDomainCheck(check.sql, baseType, settings) }));
  return { kind: "domain_check", type: arg.type, arg, domain: domain.name, isNotNull: domain.isNotNull, checks };
}

/**
 * A domain's CHECK expression (SQL text over VALUE), bound with VALUE as column 0 of a row of
 * the base type; no other column exists there (42703), and the result must be boolean (42804).
 */
export function bindDomainCheck(sql: string, baseType: SqlType, settings: TextIoSettings): BoundExpr {
  const text = `SELECT ${sql}`;
  const [statement] = parse(text);
  const target = statement?.kind === "select" && statement.body.kind === "select_core" ? statement.body.targets[0] : undefined;
  assert(target !== undefined, "a stored CHECK expression parses as one select target");
  const scope: ColumnScope = {
    resolve(names) {
      if (names.length === 1 && names[0] === "value") return { index: 0, type: baseType, name: "value" };
      throw new UndefinedColumnError(`column "${names.join(".")}" does not exist`);
    },
  };
  const bound = bindExpr(target.expr, { settings, paramTypes: [], sql: text, scope });
  const checked = bound.type.oid === TypeOid.unknown ? coerce(bound, { oid: TypeOid.bool, typmod: -1 }, "implicit", { settings, paramTypes: [], sql: text }) : bound;
  if (checked.type.oid !== TypeOid.bool) throw new DatatypeMismatchError(`argument of CHECK must be type boolean, not type ${formatTypeName(checked.type.oid)}`);
  return checked;
}
