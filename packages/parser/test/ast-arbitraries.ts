/**
 * fast-check arbitraries for canonical ASTs: trees in exactly the shape `parse` itself produces,
 * so that `parse(deparse(ast))` must give back `[ast]` (positions aside). Every `pos` is 0; the
 * round-trip test strips positions from both sides before comparing.
 *
 * Canonical-form rules the generators enforce (see the header of src/ast.ts):
 * - AND/OR chains are flattened: a `bool_expr` never has a direct argument with its own op.
 * - Unary minus never applies to a number (the parser folds `-1` into the literal, and `- -1`
 *   into `1`); negative numbers are generated as number text instead.
 * - Identifiers are case-folded and at most 63 UTF-8 bytes. They are drawn from plain words,
 *   every keyword category of src/keywords.ts, a list of unreserved keywords that have a meaning
 *   in some context (the deparser must quote or otherwise protect them), and arbitrary Unicode.
 * - Type names are the canonical spellings (`int4`, `float8`, `bpchar`, `timestamptz`, …); an
 *   `intervalFields` appears only on the bare name `interval`.
 * - A query's body is never itself a parenthesized `select`; only a set operation's operand may
 *   be one, and then only when it has ORDER BY / LIMIT / OFFSET / locking / WITH (otherwise the
 *   parser unwraps it).
 * - `ROW(…)` may have any number of items; the implicit `(a, b)` form has at least two.
 * - Bare `*` targets, `DEFAULT` and `name => value` appear only where the grammar puts them
 *   (target lists, INSERT VALUES / UPDATE SET, function arguments).
 *
 * Shapes excluded because they are not canonical (the parser never builds them; each would
 * read back as a different tree, as in PostgreSQL):
 * - An IN list whose only item is a scalar subquery (`x IN ((SELECT 1))` is an IN subquery), and
 *   `op ANY|ALL (array)` whose array is a scalar subquery (it reads as the subquery form).
 * - A `func_call` with DISTINCT or ORDER BY but no arguments, VARIADIC without arguments, or
 *   `count(*)` with arguments; OVER a bare window name with nothing else is `OVER w`.
 * - FETCH … WITH TIES without a LIMIT value; `DO NOTHING` with a WHERE; DO UPDATE without a
 *   conflict target; CREATE INDEX IF NOT EXISTS without an index name.
 *
 * No shape is excluded to dodge a bug: the bugs these generators found have regression tests in
 * roundtrip.property.test.ts.
 */
import * as fc from "fast-check";
import type {
  AlterTableAction,
  ColumnConstraint,
  ColumnDef,
  CommonTableExpr,
  DeleteStatement,
  Expr,
  ForeignKeySpec,
  FrameBound,
  FromItem,
  FuncCall,
  GenericOption,
  IndexElem,
  InsertStatement,
  LockingClause,
  OnConflict,
  QualifiedName,
  QueryBody,
  ResTarget,
  SelectCore,
  SelectStatement,
  SequenceOption,
  SetClause,
  SetValue,
  SortBy,
  SqlValueFunctionName,
  Statement,
  TableConstraint,
  TransactionMode,
  TypeName,
  UpdateStatement,
  WindowDef,
  WindowFrame,
  WithClause,
} from "@omnikv/parser";
import { colNameKeywords, reservedKeywords, typeFuncNameKeywords } from "../src/keywords.ts";


// ---------------------------------------------------------------------------------------------
// Positions

/** A deep copy of `value` without any `pos` field, for comparing trees from different texts. */
export function stripPos(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripPos);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(value)) {
      if (key !== "pos" && field !== undefined) out[key] = stripPos(field);
    }
    return out;
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// Identifiers

/**
 * Unreserved keywords that mean something in some context (frame bounds, SET forms, index
 * options, CREATE TABLE elements, grouping sets …): the places where an unquoted identifier can
 * be misread.
 */
const contextualWords: readonly string[] = [
  "nulls", "first", "last", "rows", "range", "groups", "partition", "unbounded", "preceding", "following",
  "current", "row", "exclude", "ties", "others", "include", "tablespace", "names", "local", "session",
  "transaction", "role", "schema", "time", "zone", "at", "escape", "filter", "over", "within", "ordinality",
  "cascade", "restrict", "nothing", "conflict", "set", "values", "key", "share", "nowait", "skip", "locked",
  "of", "no", "data", "cycle", "start", "restart", "cache", "increment", "minvalue", "maxvalue", "owned",
  "by", "always", "generated", "identity", "stored", "rollup", "cube", "sets", "double", "precision",
  "varying", "without", "zone", "action", "match", "full", "simple", "partial", "temp", "temporary",
  "unlogged", "global", "isolation", "level", "read", "write", "committed", "chain", "work", "savepoint",
  "release", "begin", "commit", "rollback", "abort", "end", "show", "reset", "all", "none", "some",
  "any", "inherit", "valid", "immediate", "deferred", "options", "materialized", "recursive", "search",
  "ordinality", "lateral", "only", "system", "user", "value", "overriding", "returning", "using", "do",
];

const plainWords: readonly string[] = ["a", "b", "c", "t", "u", "x", "y", "id", "abalance", "s1", "_x", "a$b", "col_9"];
const keywordPool: readonly string[] = [...reservedKeywords, ...typeFuncNameKeywords, ...colNameKeywords, ...contextualWords];

const encoder = new TextEncoder();

function fitsName(name: string): boolean {
  return name.length > 0 && encoder.encode(name).length <= 63;
}

/** A case-folded, untruncated identifier. */
export const identArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom(...plainWords) },
  { weight: 3, arbitrary: fc.stringMatching(/^[a-z_][a-z0-9_$]{0,12}$/) },
  { weight: 4, arbitrary: fc.constantFrom(...keywordPool) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 20 }).filter(fitsName) },
  { weight: 1, arbitrary: fc.constantFrom("A", "Mixed Case", 'quo"te', "déjà", "日本", "😀", "a.b", " ", "x".repeat(63)) },
);

const qualifiedNameArb = (maxLength: number): fc.Arbitrary<QualifiedName> =>
  fc.array(identArb, { minLength: 1, maxLength });

const schemaArb = fc.oneof(fc.constant("pg_catalog"), identArb);

// ---------------------------------------------------------------------------------------------
// Literals

const digitsArb = fc.stringMatching(/^[0-9]{1,12}$/);

const numberTextArb: fc.Arbitrary<{ text: string; isInteger: boolean }> = fc.oneof(
  digitsArb.map((text) => ({ text, isInteger: true })),
  fc.tuple(digitsArb, fc.stringMatching(/^[0-9]{0,6}$/)).map(([a, b]) => ({ text: `${a}.${b}`, isInteger: false })),
  fc.stringMatching(/^[0-9]{1,6}$/).map((b) => ({ text: `.${b}`, isInteger: false })),
  fc.tuple(digitsArb, fc.constantFrom("e", "E", "e+", "e-"), fc.stringMatching(/^[0-9]{1,3}$/)).map(([a, e, b]) => ({
    text: `${a}${e}${b}`,
    isInteger: false,
  })),
);

export const numberArb: fc.Arbitrary<Expr> = fc
  .tuple(numberTextArb, fc.boolean())
  .map(([n, isNegative]) => ({ kind: "number", pos: 0, text: isNegative ? `-${n.text}` : n.text, isInteger: n.isInteger }));

const stringValueArb: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: "binary", maxLength: 12 }),
  fc.constantFrom("", "'", "''", "\\", "\\'", "it's", "a\nb", "\\n", "$$", "--", "/*", "é", "😀", "U&'x'", "E'\\x'"),
  fc.array(fc.constantFrom("'", "\\", "a", " ", "\n", "$", "\""), { maxLength: 8 }).map((parts) => parts.join("")),
);

const stringArb: fc.Arbitrary<Expr> = stringValueArb.map((value) => ({ kind: "string", pos: 0, value }));

const columnRefArb: fc.Arbitrary<Expr> = qualifiedNameArb(3).map((names) => ({ kind: "column_ref", pos: 0, names, isStar: false }));

const sqlValueFunctionNames: readonly SqlValueFunctionName[] = [
  "current_date", "current_time", "current_timestamp", "localtime", "localtimestamp", "current_role",
  "current_user", "session_user", "user", "current_catalog", "current_schema",
];
const timedValueFunctions: ReadonlySet<string> = new Set(["current_time", "current_timestamp", "localtime", "localtimestamp"]);

const sqlValueFunctionArb: fc.Arbitrary<Expr> = fc
  .tuple(fc.constantFrom(...sqlValueFunctionNames), fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }))
  .map(([name, precision]) =>
    precision !== undefined && timedValueFunctions.has(name)
      ? { kind: "sql_value_function", pos: 0, name, precision }
      : { kind: "sql_value_function", pos: 0, name },
  );

const leafExprArb: fc.Arbitrary<Expr> = fc.oneof(
  { weight: 6, arbitrary: columnRefArb },
  { weight: 4, arbitrary: numberArb },
  { weight: 3, arbitrary: stringArb },
  { weight: 1, arbitrary: fc.stringMatching(/^[01]{0,10}$/).map((value): Expr => ({ kind: "bit_string", pos: 0, value })) },
  { weight: 1, arbitrary: fc.boolean().map((value): Expr => ({ kind: "boolean", pos: 0, value })) },
  { weight: 1, arbitrary: fc.constant<Expr>({ kind: "null", pos: 0 }) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 65535 }).map((index): Expr => ({ kind: "param", pos: 0, index })) },
  { weight: 1, arbitrary: sqlValueFunctionArb },
);

// ---------------------------------------------------------------------------------------------
// Type names

const intervalFieldsList = [
  "year", "month", "day", "hour", "minute", "second", "year to month", "day to hour", "day to minute",
  "day to second", "hour to minute", "hour to second", "minute to second",
];

const smallInt = (min: number, max: number): fc.Arbitrary<Expr> =>
  fc.integer({ min, max }).map((n): Expr => ({ kind: "number", pos: 0, text: String(n), isInteger: true }));

const modifierArb: fc.Arbitrary<Expr> = fc.oneof(
  smallInt(-5, 1000),
  stringArb,
  identArb.map((name): Expr => ({ kind: "column_ref", pos: 0, names: [name], isStar: false })),
);

const baseTypeArb: fc.Arbitrary<Omit<TypeName, "arrayBounds">> = fc.oneof(
  fc
    .tuple(fc.constantFrom("int2", "int4", "int8", "float4", "float8", "bool", "text", "date", "bytea", "jsonb", "uuid", "oid"))
    .map(([name]) => ({ kind: "type_name", pos: 0, names: [name], modifiers: [] }) as const),
  fc
    .tuple(fc.constantFrom("numeric", "varchar", "bpchar", "bit", "varbit", "time", "timetz", "timestamp", "timestamptz", "interval"),
      fc.array(smallInt(0, 99), { maxLength: 2 }))
    .map(([name, modifiers]) => ({ kind: "type_name", pos: 0, names: [name], modifiers }) as const),
  fc
    .tuple(fc.constantFrom(...intervalFieldsList), fc.array(smallInt(0, 6), { maxLength: 1 }))
    .map(([fields, modifiers]) => ({ kind: "type_name", pos: 0, names: ["interval"], modifiers, intervalFields: fields }) as const),
  fc
    .tuple(qualifiedNameArb(2), fc.array(modifierArb, { maxLength: 2 }))
    .map(([names, modifiers]) => ({ kind: "type_name", pos: 0, names, modifiers }) as const),
  fc
    .tuple(fc.constantFrom("int4", "text"))
    .map(([name]) => ({ kind: "type_name", pos: 0, names: ["pg_catalog", name], modifiers: [] }) as const),
);

export const typeNameArb: fc.Arbitrary<TypeName> = fc
  .tuple(baseTypeArb, fc.array(fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 100 })), { maxLength: 2 }))
  .map(([base, arrayBounds]) => ({ ...base, arrayBounds }));

// ---------------------------------------------------------------------------------------------
// Operators

const comparisonOps = ["<", ">", "=", "<=", ">=", "<>"];
const arithmeticOps = ["+", "-", "*", "/", "%", "^"];
const otherOps = ["||", "@>", "<@", "~", "!~", "~~", "~*", "->", "->>", "#>", "&&", "<->", "@@", "|/", "#", "&", "|", "<<", ">>", "?|", "@-@"];
const binaryOpArb = fc.oneof(fc.constantFrom(...comparisonOps), fc.constantFrom(...arithmeticOps), fc.constantFrom(...otherOps));
const prefixOpArb = fc.constantFrom("-", "+", "~", "@", "|/", "||/", "!!", "@-@", "#");

// ---------------------------------------------------------------------------------------------
// The recursive grammar

export type Tree = {
  expr: Expr;
  select: SelectStatement;
  body: QueryBody;
  from: FromItem;
};

const depth = fc.createDepthIdentifier();
const small = <T>(arb: fc.Arbitrary<T>, minLength: number, maxLength: number): fc.Arbitrary<T[]> =>
  fc.array(arb, { minLength, maxLength, depthIdentifier: depth });
const maybe = <T>(arb: fc.Arbitrary<T>, freq = 2): fc.Arbitrary<T | undefined> =>
  fc.option(arb, { nil: undefined, freq, depthIdentifier: depth });

function flattenBool(op: "and" | "or", args: readonly Expr[]): Expr[] {
  return args.flatMap((arg) => (arg.kind === "bool_expr" && arg.op === op ? arg.args : [arg]));
}

interface ExprParts {
  readonly expr: fc.Arbitrary<Expr>;
  readonly select: fc.Arbitrary<SelectStatement>;
  readonly from: fc.Arbitrary<FromItem>;
}

type Weighted = { weight: number; arbitrary: fc.Arbitrary<Expr> };

function operatorExprs({ expr }: ExprParts): Weighted[] {
  return [
    {
      weight: 6,
      arbitrary: fc.tuple(binaryOpArb, expr, expr).map(([op, left, right]): Expr => ({ kind: "binary", pos: 0, op, left, right })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(schemaArb, fc.constantFrom("~", "+", "=", "<", "||", "~~"), expr, expr)
        .map(([opSchema, op, left, right]): Expr => ({ kind: "binary", pos: 0, op, opSchema, left, right })),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(prefixOpArb, expr)
        .filter(([op, operand]) => !(op === "-" && operand.kind === "number"))
        .map(([op, operand]): Expr => ({ kind: "unary", pos: 0, op, operand })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(schemaArb, fc.constantFrom("-", "~", "+"), expr)
        .map(([opSchema, op, operand]): Expr => ({ kind: "unary", pos: 0, op, opSchema, operand })),
    },
    {
      weight: 3,
      arbitrary: fc
        .tuple(fc.constantFrom("and" as const, "or" as const), small(expr, 2, 4))
        .map(([op, args]): Expr => ({ kind: "bool_expr", pos: 0, op, args: flattenBool(op, args) })),
    },
    { weight: 2, arbitrary: expr.map((operand): Expr => ({ kind: "not", pos: 0, operand })) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(expr, fc.constantFrom("null" as const, "true" as const, "false" as const, "unknown" as const), fc.boolean())
        .map(([inner, test, isNegated]): Expr => ({ kind: "is", pos: 0, expr: inner, test, isNegated })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(expr, expr, fc.boolean())
        .map(([left, right, isNegated]): Expr => ({ kind: "is_distinct_from", pos: 0, left, right, isNegated })),
    },
    {
      weight: 2,
      arbitrary: fc.tuple(expr, typeNameArb).map(([inner, type]): Expr => ({ kind: "cast", pos: 0, expr: inner, type })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(expr, qualifiedNameArb(2))
        .map(([inner, collation]): Expr => ({ kind: "collate", pos: 0, expr: inner, collation })),
    },
  ];
}

function predicateExprs({ expr, select }: ExprParts): Weighted[] {
  const inListOk = (items: readonly Expr[]): boolean => {
    const first = items[0];
    if (first === undefined) return false;
    return !(items.length === 1 && first.kind === "scalar_subquery");
  };
  return [
    {
      weight: 2,
      arbitrary: fc
        .tuple(expr, expr, expr, fc.boolean(), fc.boolean())
        .map(([inner, low, high, isNegated, isSymmetric]): Expr => ({ kind: "between", pos: 0, expr: inner, low, high, isNegated, isSymmetric })),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.constantFrom("like" as const, "ilike" as const, "similar" as const), expr, expr, maybe(expr), fc.boolean())
        .map(([op, inner, pattern, escape, isNegated]): Expr =>
          escape === undefined
            ? { kind: "like", pos: 0, op, expr: inner, pattern, isNegated }
            : { kind: "like", pos: 0, op, expr: inner, pattern, escape, isNegated },
        ),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(expr, small(expr, 1, 3), fc.boolean())
        .filter(([, items]) => inListOk(items))
        .map(([inner, items, isNegated]): Expr => ({ kind: "in_list", pos: 0, expr: inner, items, isNegated })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(expr, select, fc.boolean())
        .map(([inner, query, isNegated]): Expr => ({ kind: "in_subquery", pos: 0, expr: inner, query, isNegated })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(binaryOpArb, fc.constantFrom("any" as const, "all" as const), expr, select)
        .map(([op, quantifier, left, query]): Expr => ({ kind: "quantified_subquery", pos: 0, op, quantifier, left, query })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(binaryOpArb, fc.constantFrom("any" as const, "all" as const), expr, expr)
        .filter(([, , , array]) => array.kind !== "scalar_subquery")
        .map(([op, quantifier, left, array]): Expr => ({ kind: "quantified_array", pos: 0, op, quantifier, left, array })),
    },
    { weight: 1, arbitrary: select.map((query): Expr => ({ kind: "exists", pos: 0, query })) },
    { weight: 1, arbitrary: select.map((query): Expr => ({ kind: "scalar_subquery", pos: 0, query })) },
    { weight: 1, arbitrary: select.map((query): Expr => ({ kind: "array_subquery", pos: 0, query })) },
  ];
}

function compoundExprs(parts: ExprParts): Weighted[] {
  const { expr } = parts;
  return [
    { weight: 1, arbitrary: small(expr, 0, 3).map((elements): Expr => ({ kind: "array", pos: 0, elements })) },
    {
      weight: 1,
      arbitrary: fc
        .oneof(
          small(expr, 0, 3).map((items): Expr => ({ kind: "row", pos: 0, items, isExplicit: true })),
          small(expr, 2, 3).map((items): Expr => ({ kind: "row", pos: 0, items, isExplicit: false })),
        ),
    },
    { weight: 2, arbitrary: subscriptArb(expr) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(expr, fc.oneof(fc.constant("*"), identArb))
        .map(([inner, field]): Expr => ({ kind: "field_select", pos: 0, expr: inner, field })),
    },
    { weight: 2, arbitrary: caseArb(expr) },
    {
      weight: 1,
      arbitrary: fc.oneof(
        fc
          .tuple(fc.constantFrom("coalesce" as const, "greatest" as const, "least" as const), small(expr, 1, 3))
          .map(([name, args]): Expr => ({ kind: "special_function", pos: 0, name, args })),
        fc.tuple(expr, expr).map(([a, b]): Expr => ({ kind: "special_function", pos: 0, name: "nullif", args: [a, b] })),
      ),
    },
    { weight: 4, arbitrary: funcCallArb(parts) },
    { weight: 1, arbitrary: small(expr, 1, 3).map((args): Expr => ({ kind: "grouping", pos: 0, args })) },
  ];
}

function subscriptArb(expr: fc.Arbitrary<Expr>): fc.Arbitrary<Expr> {
  return fc.oneof(
    fc.tuple(expr, expr).map(([inner, index]): Expr => ({ kind: "subscript", pos: 0, expr: inner, isSlice: false, index })),
    fc.tuple(expr, maybe(expr), maybe(expr)).map(([inner, index, upper]): Expr => ({
      kind: "subscript",
      pos: 0,
      expr: inner,
      isSlice: true,
      ...(index === undefined ? {} : { index }),
      ...(upper === undefined ? {} : { upper }),
    })),
  );
}

function caseArb(expr: fc.Arbitrary<Expr>): fc.Arbitrary<Expr> {
  const whenArb = fc.tuple(expr, expr).map(([condition, result]) => ({ kind: "case_when", pos: 0, condition, result }) as const);
  return fc.tuple(maybe(expr), small(whenArb, 1, 3), maybe(expr)).map(([operand, whens, elseResult]): Expr => ({
    kind: "case",
    pos: 0,
    ...(operand === undefined ? {} : { operand }),
    whens,
    ...(elseResult === undefined ? {} : { elseResult }),
  }));
}

export function sortByArb(expr: fc.Arbitrary<Expr>): fc.Arbitrary<SortBy> {
  return fc
    .tuple(
      expr,
      fc.constantFrom(undefined, "asc" as const, "desc" as const, "using" as const),
      fc.constantFrom("<", ">", "~<~", "@>"),
      fc.constantFrom(undefined, "first" as const, "last" as const),
    )
    .map(([inner, direction, usingOp, nulls]) => ({
      kind: "sort_by",
      pos: 0,
      expr: inner,
      ...(direction === undefined ? {} : { direction }),
      ...(direction === "using" ? { usingOp } : {}),
      ...(nulls === undefined ? {} : { nulls }),
    }));
}

function frameBoundArb(expr: fc.Arbitrary<Expr>, isStart: boolean): fc.Arbitrary<FrameBound> {
  const fixed = isStart
    ? fc.constantFrom("unbounded_preceding" as const, "current_row" as const)
    : fc.constantFrom("unbounded_following" as const, "current_row" as const);
  return fc.oneof(
    fixed.map((type): FrameBound => ({ kind: "frame_bound", pos: 0, type })),
    fc
      .tuple(fc.constantFrom("preceding" as const, "following" as const), expr)
      .map(([type, offset]): FrameBound => ({ kind: "frame_bound", pos: 0, type, offset })),
  );
}

function frameArb(expr: fc.Arbitrary<Expr>): fc.Arbitrary<WindowFrame> {
  return fc
    .tuple(
      fc.constantFrom("rows" as const, "range" as const, "groups" as const),
      frameBoundArb(expr, true),
      maybe(frameBoundArb(expr, false)),
      fc.constantFrom(undefined, "current_row" as const, "group" as const, "ties" as const, "no_others" as const),
    )
    .map(([mode, start, end, exclusion]) => ({
      kind: "window_frame",
      pos: 0,
      mode,
      start,
      ...(end === undefined ? {} : { end }),
      ...(exclusion === undefined ? {} : { exclusion }),
    }));
}

export function windowDefArb(expr: fc.Arbitrary<Expr>, name: string | undefined): fc.Arbitrary<WindowDef> {
  return fc
    .tuple(maybe(identArb, 3), small(expr, 0, 2), small(sortByArb(expr), 0, 2), maybe(frameArb(expr)))
    .map(([refName, partitionBy, orderBy, frame]) => ({
      kind: "window_def",
      pos: 0,
      ...(name === undefined ? {} : { name }),
      ...(refName === undefined ? {} : { refName }),
      partitionBy,
      orderBy,
      ...(frame === undefined ? {} : { frame }),
    }));
}

const funcNameArb: fc.Arbitrary<QualifiedName> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(["count"], ["sum"], ["f"], ["now"], ["pg_catalog", "substring"], ["pg_catalog", "timezone"]) },
  { weight: 2, arbitrary: fc.tuple(identArb, fc.array(identArb, { maxLength: 1 })).map(([first, rest]) => [first, ...rest]) },
);

function funcCallArb({ expr }: ExprParts): fc.Arbitrary<Expr> {
  const argArb = fc.oneof(
    { weight: 5, arbitrary: expr },
    { weight: 1, arbitrary: fc.tuple(identArb, expr).map(([name, value]): Expr => ({ kind: "named_arg", pos: 0, name, value })) },
  );
  return fc
    .record({
      name: funcNameArb,
      args: small(argArb, 0, 3),
      isStar: fc.boolean(),
      isDistinct: fc.boolean(),
      isVariadic: fc.boolean(),
      orderBy: small(sortByArb(expr), 0, 2),
      withinGroup: small(sortByArb(expr), 0, 1),
      filter: maybe(expr, 4),
      over: maybe(windowDefArb(expr, undefined), 4),
    })
    .map((r): FuncCall => {
      const isStar = r.isStar && r.args.length === 0;
      const hasArgs = !isStar && r.args.length > 0;
      return {
        kind: "func_call",
        pos: 0,
        name: r.name,
        args: isStar ? [] : r.args,
        isStar,
        isDistinct: hasArgs && r.isDistinct,
        isVariadic: hasArgs && r.isVariadic,
        orderBy: hasArgs ? r.orderBy : [],
        withinGroup: r.withinGroup,
        ...(r.filter === undefined ? {} : { filter: r.filter }),
        ...(r.over === undefined ? {} : { over: r.over }),
      };
    });
}

// ---------------------------------------------------------------------------------------------
// Queries

function targetArb(expr: fc.Arbitrary<Expr>): fc.Arbitrary<ResTarget> {
  return fc.oneof(
    { weight: 8, arbitrary: fc.tuple(expr, maybe(identArb)).map(([inner, alias]): ResTarget => ({ kind: "res_target", pos: 0, expr: inner, ...(alias === undefined ? {} : { alias }) })) },
    {
      weight: 1,
      arbitrary: qualifiedNameArb(2).map((names): ResTarget => ({ kind: "res_target", pos: 0, expr: { kind: "column_ref", pos: 0, names, isStar: true } })),
    },
    { weight: 1, arbitrary: fc.constant<ResTarget>({ kind: "res_target", pos: 0, expr: { kind: "column_ref", pos: 0, names: [], isStar: true } }) },
  );
}

function selectCoreArb({ expr, from }: ExprParts): fc.Arbitrary<QueryBody> {
  return fc
    .record({
      distinct: fc.oneof({ weight: 6, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: small(expr, 1, 2) }),
      targets: small(targetArb(expr), 0, 3),
      from: small(from, 0, 2),
      where: maybe(expr),
      groupBy: small(expr, 0, 2),
      having: maybe(expr, 4),
      windows: small(fc.tuple(identArb).chain(([name]) => windowDefArb(expr, name)), 0, 1),
    })
    .map((r): SelectCore => ({
      kind: "select_core",
      pos: 0,
      // PostgreSQL's grammar has no DISTINCT without a target list.
      distinct: r.targets.length === 0 ? false : r.distinct,
      targets: r.targets,
      from: r.from,
      ...(r.where === undefined ? {} : { where: r.where }),
      groupBy: r.groupBy,
      ...(r.having === undefined ? {} : { having: r.having }),
      windows: r.windows,
    }));
}

function valuesArb(expr: fc.Arbitrary<Expr>, allowDefault: boolean): fc.Arbitrary<QueryBody> {
  const item = allowDefault ? fc.oneof({ weight: 5, arbitrary: expr }, { weight: 1, arbitrary: fc.constant<Expr>({ kind: "default", pos: 0 }) }) : expr;
  return fc
    .tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }))
    .chain(([width, height]) => small(fc.array(item, { minLength: width, maxLength: width, depthIdentifier: depth }), height, height))
    .map((rows): QueryBody => ({ kind: "values", pos: 0, rows }));
}

function hasClauses(statement: SelectStatement): boolean {
  return statement.with !== undefined || statement.orderBy.length > 0 || statement.limit !== undefined ||
    statement.offset !== undefined || statement.locking.length > 0;
}

function setOperationArb(body: fc.Arbitrary<QueryBody>, select: fc.Arbitrary<SelectStatement>): fc.Arbitrary<QueryBody> {
  const operand = fc.oneof(
    { weight: 4, arbitrary: body },
    { weight: 1, arbitrary: select.filter(hasClauses) },
  );
  return fc
    .tuple(fc.constantFrom("union" as const, "intersect" as const, "except" as const), fc.boolean(), operand, operand)
    .map(([op, isAll, left, right]): QueryBody => ({ kind: "set_operation", pos: 0, op, isAll, left, right }));
}

function lockingArb(): fc.Arbitrary<LockingClause> {
  return fc
    .tuple(
      fc.constantFrom("update" as const, "no_key_update" as const, "share" as const, "key_share" as const),
      fc.array(qualifiedNameArb(2), { maxLength: 2 }),
      fc.constantFrom("block" as const, "nowait" as const, "skip_locked" as const),
    )
    .map(([strength, tables, waitPolicy]) => ({ kind: "locking", pos: 0, strength, tables, waitPolicy }));
}

function selectStatementArb(parts: ExprParts, body: fc.Arbitrary<QueryBody>): fc.Arbitrary<SelectStatement> {
  const { expr } = parts;
  return fc
    .record({
      with: maybe(withClauseArb(parts, false), 6),
      body: body.filter((b) => b.kind !== "select"),
      orderBy: fc.oneof({ weight: 3, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: small(sortByArb(expr), 1, 2) }),
      limit: maybe(expr, 4),
      offset: maybe(expr, 5),
      isLimitWithTies: fc.boolean(),
      locking: fc.oneof({ weight: 6, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.array(lockingArb(), { minLength: 1, maxLength: 2 }) }),
    })
    .map((r): SelectStatement => ({
      kind: "select",
      pos: 0,
      ...(r.with === undefined ? {} : { with: r.with }),
      body: r.body,
      orderBy: r.orderBy,
      ...(r.limit === undefined ? {} : { limit: r.limit }),
      ...(r.offset === undefined ? {} : { offset: r.offset }),
      isLimitWithTies: r.limit !== undefined && r.isLimitWithTies,
      locking: r.locking,
    }));
}

function withClauseArb(parts: ExprParts, allowDml: boolean): fc.Arbitrary<WithClause> {
  const query: fc.Arbitrary<CommonTableExpr["query"]> = allowDml
    ? fc.oneof({ weight: 4, arbitrary: parts.select }, { weight: 1, arbitrary: dmlArb(parts, false) })
    : parts.select;
  const cte = fc
    .tuple(identArb, fc.array(identArb, { maxLength: 2 }), fc.constantFrom(undefined, true, false), query)
    .map(([name, columns, isMaterialized, q]): CommonTableExpr => ({
      kind: "cte",
      pos: 0,
      name,
      columns,
      ...(isMaterialized === undefined ? {} : { isMaterialized }),
      query: q,
    }));
  return fc.tuple(fc.boolean(), small(cte, 1, 2)).map(([isRecursive, ctes]) => ({ kind: "with", pos: 0, isRecursive, ctes }));
}

// ---------------------------------------------------------------------------------------------
// FROM

const aliasArb = fc
  .tuple(identArb, fc.array(identArb, { maxLength: 2 }))
  .map(([name, columns]) => ({ kind: "alias", pos: 0, name, columns }) as const);

function simpleCallArb(expr: fc.Arbitrary<Expr>): fc.Arbitrary<Expr> {
  return fc.tuple(funcNameArb, small(expr, 0, 2)).map(([name, args]): Expr => ({
    kind: "func_call",
    pos: 0,
    name,
    args,
    isStar: false,
    isDistinct: false,
    isVariadic: false,
    orderBy: [],
    withinGroup: [],
  }));
}

function fromItemArb({ expr, select, from }: ExprParts): fc.Arbitrary<FromItem> {
  const tableRef = fc
    .tuple(qualifiedNameArb(3), maybe(aliasArb), fc.boolean())
    .map(([name, alias, isOnly]): FromItem => ({ kind: "table_ref", pos: 0, name, ...(alias === undefined ? {} : { alias }), isOnly }));
  const subqueryRef = fc
    .tuple(select, maybe(aliasArb, 1), fc.boolean())
    .map(([query, alias, isLateral]): FromItem => ({ kind: "subquery_ref", pos: 0, query, ...(alias === undefined ? {} : { alias }), isLateral }));
  const functionRef = fc
    .tuple(simpleCallArb(expr), maybe(aliasArb), fc.boolean(), fc.boolean())
    .map(([call, alias, isLateral, withOrdinality]): FromItem => ({
      kind: "function_ref",
      pos: 0,
      call,
      ...(alias === undefined ? {} : { alias }),
      isLateral,
      withOrdinality,
    }));
  const join = fc
    .record({
      joinType: fc.constantFrom("inner" as const, "left" as const, "right" as const, "full" as const, "cross" as const),
      isNatural: fc.boolean(),
      left: from,
      right: from,
      on: expr,
      using: fc.array(identArb, { minLength: 1, maxLength: 2 }),
      useUsing: fc.boolean(),
      alias: maybe(aliasArb, 4),
    })
    .map((r): FromItem => {
      const base = { kind: "join", pos: 0, joinType: r.joinType, left: r.left, right: r.right, ...(r.alias === undefined ? {} : { alias: r.alias }) } as const;
      if (r.joinType === "cross") return { ...base, isNatural: false };
      if (r.isNatural) return { ...base, isNatural: true };
      return r.useUsing ? { ...base, isNatural: false, using: r.using } : { ...base, isNatural: false, on: r.on };
    });
  return fc.oneof(
    { depthSize: "small", maxDepth: 3, depthIdentifier: depth },
    { weight: 6, arbitrary: tableRef },
    { weight: 1, arbitrary: subqueryRef },
    { weight: 1, arbitrary: functionRef },
    { weight: 2, arbitrary: join },
  );
}

// ---------------------------------------------------------------------------------------------
// DML

const returningArb = (expr: fc.Arbitrary<Expr>): fc.Arbitrary<ResTarget[]> =>
  fc.oneof({ weight: 3, arbitrary: fc.constant<ResTarget[]>([]) }, { weight: 1, arbitrary: small(targetArb(expr), 1, 2) });

function setClauseArb(expr: fc.Arbitrary<Expr>): fc.Arbitrary<SetClause> {
  const value = fc.oneof({ weight: 6, arbitrary: expr }, { weight: 1, arbitrary: fc.constant<Expr>({ kind: "default", pos: 0 }) });
  return fc.oneof(
    fc.tuple(identArb, value).map(([column, v]): SetClause => ({ kind: "set_clause", pos: 0, columns: [column], value: v, isMulti: false })),
    fc.tuple(fc.array(identArb, { minLength: 1, maxLength: 3 }), value).map(([columns, v]): SetClause => ({ kind: "set_clause", pos: 0, columns, value: v, isMulti: true })),
  );
}

function indexElemArb(expr: fc.Arbitrary<Expr>): fc.Arbitrary<IndexElem> {
  return fc
    .tuple(
      fc.oneof(identArb.map((column) => ({ column })), expr.map((e) => ({ expr: e }))),
      maybe(qualifiedNameArb(2), 4),
      maybe(fc.tuple(identArb, fc.array(identArb, { maxLength: 1 })).map(([first, rest]) => [first, ...rest]), 4),
      fc.constantFrom(undefined, "asc" as const, "desc" as const),
      fc.constantFrom(undefined, "first" as const, "last" as const),
    )
    .map(([target, collation, opclass, direction, nulls]): IndexElem => ({
      kind: "index_elem",
      pos: 0,
      ...target,
      ...(collation === undefined ? {} : { collation }),
      ...(opclass === undefined ? {} : { opclass }),
      ...(direction === undefined ? {} : { direction }),
      ...(nulls === undefined ? {} : { nulls }),
    }));
}

function onConflictArb(expr: fc.Arbitrary<Expr>): fc.Arbitrary<OnConflict> {
  return fc
    .record({
      target: fc.constantFrom("none" as const, "columns" as const, "constraint" as const),
      targetColumns: small(indexElemArb(expr), 1, 2),
      targetWhere: maybe(expr, 3),
      targetConstraint: identArb,
      isUpdate: fc.boolean(),
      set: small(setClauseArb(expr), 1, 2),
      where: maybe(expr, 3),
    })
    .map((r): OnConflict => {
      const target = r.isUpdate && r.target === "none" ? "columns" : r.target;
      const base = {
        kind: "on_conflict",
        pos: 0,
        targetColumns: target === "columns" ? r.targetColumns : [],
        ...(target === "columns" && r.targetWhere !== undefined ? { targetWhere: r.targetWhere } : {}),
        ...(target === "constraint" ? { targetConstraint: r.targetConstraint } : {}),
      } as const;
      if (!r.isUpdate) return { ...base, action: "nothing", set: [] };
      return { ...base, action: "update", set: r.set, ...(r.where === undefined ? {} : { where: r.where }) };
    });
}

function dmlArb(parts: ExprParts, allowWith: boolean): fc.Arbitrary<InsertStatement | UpdateStatement | DeleteStatement> {
  const { expr, select, from } = parts;
  const withArb: fc.Arbitrary<WithClause | undefined> = allowWith ? maybe(withClauseArb(parts, true), 5) : fc.constant(undefined);
  const withPart = (w: WithClause | undefined): { with?: WithClause } => (w === undefined ? {} : { with: w });
  const insert = fc
    .record({
      with: withArb,
      table: qualifiedNameArb(2),
      alias: maybe(identArb, 4),
      columns: fc.array(identArb, { maxLength: 3 }),
      overriding: fc.constantFrom(undefined, undefined, "system" as const, "user" as const),
      source: fc.oneof(
        { weight: 3, arbitrary: valuesArb(expr, true).map((body): SelectStatement => ({ kind: "select", pos: 0, body, orderBy: [], isLimitWithTies: false, locking: [] })) },
        { weight: 2, arbitrary: select },
        { weight: 1, arbitrary: fc.constant(undefined) },
      ),
      onConflict: maybe(onConflictArb(expr), 3),
      returning: returningArb(expr),
    })
    .map((r): InsertStatement => ({
      kind: "insert",
      pos: 0,
      ...withPart(r.with),
      table: r.table,
      ...(r.alias === undefined ? {} : { alias: r.alias }),
      columns: r.columns,
      ...(r.overriding === undefined ? {} : { overriding: r.overriding }),
      ...(r.source === undefined ? {} : { source: r.source }),
      ...(r.onConflict === undefined ? {} : { onConflict: r.onConflict }),
      returning: r.returning,
    }));
  const update = fc
    .record({
      with: withArb,
      table: qualifiedNameArb(2),
      isOnly: fc.boolean(),
      alias: maybe(identArb, 4),
      set: small(setClauseArb(expr), 1, 3),
      from: small(from, 0, 2),
      where: maybe(expr),
      returning: returningArb(expr),
    })
    .map((r): UpdateStatement => ({
      kind: "update",
      pos: 0,
      ...withPart(r.with),
      table: r.table,
      isOnly: r.isOnly,
      ...(r.alias === undefined ? {} : { alias: r.alias }),
      set: r.set,
      from: r.from,
      ...(r.where === undefined ? {} : { where: r.where }),
      returning: r.returning,
    }));
  const remove = fc
    .record({
      with: withArb,
      table: qualifiedNameArb(2),
      isOnly: fc.boolean(),
      alias: maybe(identArb, 4),
      using: small(from, 0, 2),
      where: maybe(expr),
      returning: returningArb(expr),
    })
    .map((r): DeleteStatement => ({
      kind: "delete",
      pos: 0,
      ...withPart(r.with),
      table: r.table,
      isOnly: r.isOnly,
      ...(r.alias === undefined ? {} : { alias: r.alias }),
      using: r.using,
      ...(r.where === undefined ? {} : { where: r.where }),
      returning: r.returning,
    }));
  return fc.oneof(insert, update, remove);
}

// ---------------------------------------------------------------------------------------------
// DDL

const referentialAction = fc.constantFrom(undefined, "no_action" as const, "restrict" as const, "cascade" as const, "set_null" as const, "set_default" as const);

const foreignKeyArb: fc.Arbitrary<ForeignKeySpec> = fc
  .tuple(qualifiedNameArb(2), fc.array(identArb, { maxLength: 2 }), referentialAction, referentialAction, fc.constantFrom(undefined, "full" as const, "simple" as const))
  .map(([refTable, refColumns, onDelete, onUpdate, match]) => ({
    refTable,
    refColumns,
    ...(onDelete === undefined ? {} : { onDelete }),
    ...(onUpdate === undefined ? {} : { onUpdate }),
    ...(match === undefined ? {} : { match }),
  }));

const signedNumberArb = fc
  .tuple(fc.boolean(), numberTextArb)
  .map(([isNegative, n]) => ({ kind: "number", pos: 0, text: (isNegative ? "-" : "") + n.text, isInteger: n.isInteger }) as const);

const sequenceOptionArb: fc.Arbitrary<SequenceOption> = fc.oneof(
  typeNameArb.map((value): SequenceOption => ({ kind: "sequence_option", pos: 0, name: "as", value, isNegated: false })),
  fc
    .tuple(fc.constantFrom("increment" as const, "minvalue" as const, "maxvalue" as const, "start" as const, "restart" as const, "cache" as const), signedNumberArb)
    .map(([name, value]): SequenceOption => ({ kind: "sequence_option", pos: 0, name, value, isNegated: false })),
  fc
    .constantFrom("minvalue" as const, "maxvalue" as const, "cycle" as const)
    .map((name): SequenceOption => ({ kind: "sequence_option", pos: 0, name, isNegated: true })),
  fc.constantFrom("cycle" as const, "restart" as const).map((name): SequenceOption => ({ kind: "sequence_option", pos: 0, name, isNegated: false })),
  fc.oneof(fc.constant(["none"]), qualifiedNameArb(3)).map((value): SequenceOption => ({ kind: "sequence_option", pos: 0, name: "owned_by", value, isNegated: false })),
);

function columnConstraintArb(expr: fc.Arbitrary<Expr>): fc.Arbitrary<ColumnConstraint> {
  const body = fc.oneof(
    fc.constantFrom("not_null" as const, "null" as const, "primary_key" as const, "unique" as const).map((type) => ({ type })),
    fc.tuple(fc.constantFrom("default" as const, "check" as const, "generated" as const), expr).map(([type, e]) => ({ type, expr: e })),
    foreignKeyArb.map((spec) => ({ type: "references" as const, ...spec })),
    fc
      .tuple(fc.constantFrom("always" as const, "by_default" as const), fc.array(sequenceOptionArb, { maxLength: 3 }))
      .map(([generated, options]) => ({ type: "identity" as const, generated, options })),
  );
  return fc
    .tuple(maybe(identArb, 4), body)
    .map(([name, b]): ColumnConstraint => ({ kind: "column_constraint", pos: 0, ...(name === undefined ? {} : { name }), ...b }));
}

function tableConstraintArb(expr: fc.Arbitrary<Expr>): fc.Arbitrary<TableConstraint> {
  const columns = fc.array(identArb, { minLength: 1, maxLength: 3 });
  const body = fc.oneof(
    fc.tuple(fc.constantFrom("primary_key" as const, "unique" as const), columns).map(([type, c]) => ({ type, columns: c })),
    expr.map((e) => ({ type: "check" as const, expr: e })),
    fc.tuple(columns, foreignKeyArb).map(([c, spec]) => ({ type: "foreign_key" as const, columns: c, ...spec })),
  );
  return fc
    .tuple(maybe(identArb, 3), body)
    .map(([name, b]): TableConstraint => ({ kind: "table_constraint", pos: 0, ...(name === undefined ? {} : { name }), ...b }));
}

function columnDefArb(expr: fc.Arbitrary<Expr>): fc.Arbitrary<ColumnDef> {
  return fc
    .tuple(identArb, typeNameArb, maybe(qualifiedNameArb(2), 4), fc.array(columnConstraintArb(expr), { maxLength: 3 }))
    .map(([name, type, collation, constraints]) => ({
      kind: "column_def",
      pos: 0,
      name,
      type,
      ...(collation === undefined ? {} : { collation }),
      constraints,
    }));
}

const storageParamArb: fc.Arbitrary<GenericOption> = fc
  .tuple(identArb, fc.oneof(fc.stringMatching(/^[0-9]{1,4}(\.[0-9]{1,2})?$/), stringValueArb, fc.constant(undefined)))
  .map(([name, value]) => ({ kind: "option", pos: 0, name, ...(value === undefined ? {} : { value }) }));

function ddlArb(expr: fc.Arbitrary<Expr>): fc.Arbitrary<Statement> {
  const createTable = fc
    .record({
      name: qualifiedNameArb(2),
      ifNotExists: fc.boolean(),
      persistence: fc.constantFrom("permanent" as const, "temporary" as const, "unlogged" as const),
      columns: fc.array(columnDefArb(expr), { maxLength: 3 }),
      constraints: fc.array(tableConstraintArb(expr), { maxLength: 2 }),
      storageParams: fc.array(storageParamArb, { maxLength: 2 }),
    })
    .map((r): Statement => ({ kind: "create_table", pos: 0, ...r }));
  const createIndex = fc
    .record({
      name: maybe(identArb, 4),
      table: qualifiedNameArb(2),
      isUnique: fc.boolean(),
      ifNotExists: fc.boolean(),
      isConcurrent: fc.boolean(),
      method: maybe(fc.oneof(fc.constantFrom("btree", "hash", "gin"), identArb)),
      elements: fc.array(indexElemArb(expr), { minLength: 1, maxLength: 3 }),
      include: fc.array(identArb, { maxLength: 2 }),
      storageParams: fc.array(storageParamArb, { maxLength: 2 }),
      where: maybe(expr, 3),
    })
    .map((r): Statement => ({
      kind: "create_index",
      pos: 0,
      ...(r.name === undefined ? {} : { name: r.name }),
      table: r.table,
      isUnique: r.isUnique,
      ifNotExists: r.name !== undefined && r.ifNotExists,
      isConcurrent: r.isConcurrent,
      ...(r.method === undefined ? {} : { method: r.method }),
      elements: r.elements,
      include: r.include,
      storageParams: r.storageParams,
      ...(r.where === undefined ? {} : { where: r.where }),
    }));
  const drop = fc
    .record({
      objectType: fc.constantFrom("table" as const, "index" as const, "view" as const, "sequence" as const, "schema" as const),
      names: fc.array(qualifiedNameArb(2), { minLength: 1, maxLength: 3 }),
      ifExists: fc.boolean(),
      isConcurrent: fc.boolean(),
      behavior: fc.constantFrom(undefined, "cascade" as const, "restrict" as const),
    })
    .map((r): Statement => ({
      kind: "drop",
      pos: 0,
      objectType: r.objectType,
      names: r.names,
      ifExists: r.ifExists,
      isConcurrent: r.objectType === "index" && r.isConcurrent,
      ...(r.behavior === undefined ? {} : { behavior: r.behavior }),
    }));
  const alterTable = fc
    .record({ table: qualifiedNameArb(2), ifExists: fc.boolean(), isOnly: fc.boolean(), actions: fc.array(alterActionArb(expr), { minLength: 1, maxLength: 3 }) })
    .map((r): Statement => ({ kind: "alter_table", pos: 0, ...r }));
  return fc.oneof({ weight: 3, arbitrary: createTable }, { weight: 2, arbitrary: createIndex }, drop, { weight: 2, arbitrary: alterTable });
}

function alterActionArb(expr: fc.Arbitrary<Expr>): fc.Arbitrary<AlterTableAction> {
  const behavior = fc.constantFrom(undefined, "cascade" as const, "restrict" as const);
  const withBehavior = (b: "cascade" | "restrict" | undefined): { behavior?: "cascade" | "restrict" } => (b === undefined ? {} : { behavior: b });
  return fc.oneof(
    fc.tuple(columnDefArb(expr), fc.boolean()).map(([column, ifNotExists]): AlterTableAction => ({ kind: "alter_table_action", pos: 0, type: "add_column", column, ifNotExists })),
    fc.tuple(identArb, fc.boolean(), behavior).map(([column, ifExists, b]): AlterTableAction => ({ kind: "alter_table_action", pos: 0, type: "drop_column", column, ifExists, ...withBehavior(b) })),
    tableConstraintArb(expr).map((constraint): AlterTableAction => ({ kind: "alter_table_action", pos: 0, type: "add_constraint", constraint })),
    fc.tuple(identArb, fc.boolean(), behavior).map(([constraint, ifExists, b]): AlterTableAction => ({ kind: "alter_table_action", pos: 0, type: "drop_constraint", constraint, ifExists, ...withBehavior(b) })),
    fc.tuple(identArb, expr).map(([column, e]): AlterTableAction => ({ kind: "alter_table_action", pos: 0, type: "set_default", column, expr: e })),
    fc
      .tuple(identArb, fc.constantFrom("drop_default" as const, "set_not_null" as const, "drop_not_null" as const))
      .map(([column, type]): AlterTableAction => ({ kind: "alter_table_action", pos: 0, type, column })),
    fc.tuple(identArb, typeNameArb, maybe(expr)).map(([column, dataType, using]): AlterTableAction => ({
      kind: "alter_table_action",
      pos: 0,
      type: "set_type",
      column,
      dataType,
      ...(using === undefined ? {} : { using }),
    })),
  );
}

// ---------------------------------------------------------------------------------------------
// Transactions and session

const transactionModeArb: fc.Arbitrary<TransactionMode> = fc.oneof(
  fc
    .constantFrom("serializable" as const, "repeatable read" as const, "read committed" as const, "read uncommitted" as const)
    .map((isolationLevel): TransactionMode => ({ kind: "transaction_mode", pos: 0, isolationLevel })),
  fc.boolean().map((isReadOnly): TransactionMode => ({ kind: "transaction_mode", pos: 0, isReadOnly })),
  fc.boolean().map((isDeferrable): TransactionMode => ({ kind: "transaction_mode", pos: 0, isDeferrable })),
);

const settingNameArb: fc.Arbitrary<string> = fc
  .tuple(identArb, fc.array(identArb, { maxLength: 1 }))
  .map(([first, rest]) => [first, ...rest])
  .filter((parts) => parts.every((part) => !part.includes(".")))
  .map((parts) => parts.join("."));

const setValueArb: fc.Arbitrary<SetValue> = fc.oneof(
  stringValueArb.map((value): SetValue => ({ kind: "string", pos: 0, value })),
  signedNumberArb,
);

const sessionArb: fc.Arbitrary<Statement> = fc.oneof(
  fc.array(transactionModeArb, { maxLength: 3 }).map((modes): Statement => ({ kind: "transaction", pos: 0, action: "begin", modes, chain: false })),
  fc
    .tuple(fc.constantFrom("commit" as const, "rollback" as const), fc.boolean())
    .map(([action, chain]): Statement => ({ kind: "transaction", pos: 0, action, modes: [], chain })),
  fc
    .tuple(fc.constantFrom("savepoint" as const, "release" as const, "rollback_to" as const), identArb)
    .map(([action, savepoint]): Statement => ({ kind: "transaction", pos: 0, action, modes: [], savepoint, chain: false })),
  fc
    .tuple(settingNameArb, fc.boolean(), fc.array(setValueArb, { maxLength: 3 }))
    .map(([name, isLocal, values]): Statement => ({ kind: "set", pos: 0, name, isLocal, values })),
  fc.oneof(settingNameArb, fc.constant("all")).map((name): Statement => ({ kind: "show", pos: 0, name })),
);

// ---------------------------------------------------------------------------------------------
// Statements

export const tree = fc.letrec<Tree>((tie) => {
  const expr = tie("expr");
  const select = tie("select");
  const parts: ExprParts = { expr, select, from: tie("from") };
  return {
    expr: fc.oneof(
      { depthSize: "small", maxDepth: 6, depthIdentifier: depth, withCrossShrink: true },
      { weight: 12, arbitrary: leafExprArb },
      ...operatorExprs(parts),
      ...predicateExprs(parts),
      ...compoundExprs(parts),
    ),
    select: selectStatementArb(parts, tie("body")),
    body: fc.oneof(
      { depthSize: "small", maxDepth: 4, depthIdentifier: depth },
      { weight: 6, arbitrary: selectCoreArb(parts) },
      { weight: 2, arbitrary: valuesArb(expr, false) },
      { weight: 2, arbitrary: setOperationArb(tie("body"), select) },
    ),
    from: fromItemArb(parts),
  };
});

export const statementArb: fc.Arbitrary<Statement> = fc.oneof(
  { weight: 8, arbitrary: tree.select },
  { weight: 6, arbitrary: dmlArb({ expr: tree.expr, select: tree.select, from: tree.from }, true) },
  { weight: 5, arbitrary: ddlArb(tree.expr) },
  { weight: 2, arbitrary: sessionArb },
);

/** An expression wrapped in `SELECT expr` (the smallest statement that carries one). */
export function selectOf(expr: Expr): SelectStatement {
  return {
    kind: "select",
    pos: 0,
    body: { kind: "select_core", pos: 0, distinct: false, targets: [{ kind: "res_target", pos: 0, expr }], from: [], groupBy: [], windows: [] },
    orderBy: [],
    isLimitWithTies: false,
    locking: [],
  };
}
