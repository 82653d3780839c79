/**
 * Expressions back to SQL text. The output is PostgreSQL syntax that `parse` reads back to the
 * same tree (positions aside): parentheses are added exactly where the precedence table needs
 * them, identifiers are quoted when they would otherwise fold case or read as keywords, and a
 * prefix operator is always followed by a space so `- -1` never becomes a `--` comment.
 */
import { assertNever } from "@omnikv/base";
import type { Expr, FrameBound, FuncCall, QualifiedName, SelectStatement, SortBy, TypeName, WindowDef } from "./ast.ts";
import { needsQuoting } from "./keywords.ts";

/** Deparses a query; set by the statement module so this module need not import it. */
let deparseQuery: (query: SelectStatement) => string = () => {
  throw new Error("deparseQuery is installed by deparse.ts");
};

export function installQueryDeparser(deparser: (query: SelectStatement) => string): void {
  deparseQuery = deparser;
}

export function quoteIdent(name: string): string {
  return needsQuoting(name) ? `"${name.replaceAll('"', '""')}"` : name;
}

export function quoteName(names: QualifiedName): string {
  return names.map(quoteIdent).join(".");
}

export function quoteString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

const Prec = {
  Or: 1,
  And: 2,
  Not: 3,
  Is: 4,
  Comparison: 5,
  Like: 6,
  Op: 8,
  Additive: 9,
  Multiplicative: 10,
  Exponent: 11,
  Collate: 13,
  Unary: 14,
  Subscript: 15,
  Typecast: 17,
  Primary: 100,
} as const;

const comparisonOps: ReadonlySet<string> = new Set(["<", ">", "=", "<=", ">=", "<>"]);

function binaryPrecedence(op: string, opSchema: string | undefined): number {
  if (opSchema !== undefined) return Prec.Op;
  if (comparisonOps.has(op)) return Prec.Comparison;
  if (op === "+" || op === "-") return Prec.Additive;
  if (op === "*" || op === "/" || op === "%") return Prec.Multiplicative;
  if (op === "^") return Prec.Exponent;
  return Prec.Op;
}

const likeLevelKinds: ReadonlySet<string> = new Set(["between", "like", "in_list", "in_subquery"]);

/** The binding strength of an expression's outermost construct. */
function precedence(expr: Expr): number {
  if (expr.kind === "bool_expr") return expr.op === "or" ? Prec.Or : Prec.And;
  if (expr.kind === "not") return Prec.Not;
  if (expr.kind === "is" || expr.kind === "is_distinct_from") return Prec.Is;
  if (likeLevelKinds.has(expr.kind)) return Prec.Like;
  if (expr.kind === "binary") return binaryPrecedence(expr.op, expr.opSchema);
  if (expr.kind === "quantified_subquery" || expr.kind === "quantified_array") return binaryPrecedence(expr.op, undefined);
  if (expr.kind === "unary") return (expr.op === "-" || expr.op === "+") && expr.opSchema === undefined ? Prec.Unary : Prec.Op;
  if (expr.kind === "number") return expr.text.startsWith("-") ? Prec.Unary : Prec.Primary;
  if (expr.kind === "collate") return Prec.Collate;
  if (expr.kind === "subscript") return Prec.Subscript;
  if (expr.kind === "cast") return Prec.Typecast;
  return Prec.Primary;
}

/** Whether PostgreSQL's grammar lets `[…]` follow this expression without parentheses. */
function isIndirectable(expr: Expr): boolean {
  if (expr.kind === "column_ref") return !expr.isStar;
  return indirectableKinds.has(expr.kind);
}

const indirectableKinds: ReadonlySet<Expr["kind"]> = new Set(["param", "scalar_subquery", "subscript", "field_select"]);

/** `expr`, parenthesized if it binds more loosely than `minPrec`. */
function operand(expr: Expr, minPrec: number): string {
  const text = deparseExpr(expr);
  return precedence(expr) < minPrec ? `(${text})` : text;
}

function isNonAssociative(prec: number): boolean {
  return prec === Prec.Comparison || prec === Prec.Is || prec === Prec.Like;
}

export function deparseExpr(expr: Expr): string {
  switch (expr.kind) {
    case "column_ref":
      return expr.isStar ? [...expr.names.map(quoteIdent), "*"].join(".") : quoteName(expr.names);
    case "number":
      return expr.text;
    case "string":
      return quoteString(expr.value);
    case "bit_string":
      return `B'${expr.value}'`;
    case "boolean":
      return expr.value ? "TRUE" : "FALSE";
    case "null":
      return "NULL";
    case "param":
      return `$${expr.index}`;
    case "default":
      return "DEFAULT";
    case "cast":
      return `${operand(expr.expr, Prec.Primary)}::${deparseTypeName(expr.type)}`;
    case "binary":
      return deparseBinary(expr.op, expr.opSchema, expr.left, expr.right);
    case "unary":
      return deparseUnary(expr);
    case "bool_expr": {
      const prec = precedence(expr);
      return expr.args.map((arg) => operand(arg, prec + 1)).join(expr.op === "and" ? " AND " : " OR ");
    }
    case "not":
      return `NOT ${operand(expr.operand, Prec.Not)}`;
    case "is":
      return `${operand(expr.expr, Prec.Is + 1)} IS ${expr.isNegated ? "NOT " : ""}${expr.test.toUpperCase()}`;
    case "is_distinct_from":
      return `${operand(expr.left, Prec.Is + 1)} IS ${expr.isNegated ? "NOT " : ""}DISTINCT FROM ${operand(expr.right, Prec.Is + 1)}`;
    case "between":
    case "like":
    case "in_list":
    case "in_subquery":
    case "quantified_subquery":
    case "quantified_array":
    case "exists":
    case "scalar_subquery":
    case "array_subquery":
      return deparsePredicate(expr);
    case "array":
    case "row":
    case "subscript":
    case "field_select":
    case "case":
    case "special_function":
    case "sql_value_function":
    case "func_call":
    case "named_arg":
    case "collate":
    case "grouping":
      return deparseCompound(expr);
  }
  return assertNever(expr);
}

function deparseUnary(expr: Extract<Expr, { kind: "unary" }>): string {
  const op = expr.opSchema === undefined ? expr.op : `OPERATOR(${quoteIdent(expr.opSchema)}.${expr.op})`;
  return `${op} ${operand(expr.operand, precedence(expr) === Prec.Unary ? Prec.Unary : Prec.Op + 1)}`;
}

type PredicateKind =
  | "between"
  | "like"
  | "in_list"
  | "in_subquery"
  | "quantified_subquery"
  | "quantified_array"
  | "exists"
  | "scalar_subquery"
  | "array_subquery";
type CompoundKind =
  | "array"
  | "row"
  | "subscript"
  | "field_select"
  | "case"
  | "special_function"
  | "sql_value_function"
  | "func_call"
  | "named_arg"
  | "collate"
  | "grouping";

function deparseBinary(op: string, opSchema: string | undefined, left: Expr, right: Expr): string {
  const prec = binaryPrecedence(op, opSchema);
  const leftMin = isNonAssociative(prec) ? prec + 1 : prec;
  const opText = opSchema === undefined ? op : `OPERATOR(${quoteIdent(opSchema)}.${op})`;
  return `${operand(left, leftMin)} ${opText} ${operand(right, prec + 1)}`;
}

function deparsePredicate(expr: Extract<Expr, { kind: PredicateKind }>): string {
  const not = (isNegated: boolean): string => (isNegated ? "NOT " : "");
  switch (expr.kind) {
    case "between": {
      const symmetric = expr.isSymmetric ? "SYMMETRIC " : "";
      return `${operand(expr.expr, Prec.Like + 1)} ${not(expr.isNegated)}BETWEEN ${symmetric}${operand(expr.low, Prec.Like + 1)} AND ${operand(expr.high, Prec.Like + 1)}`;
    }
    case "like": {
      const op = expr.op === "similar" ? "SIMILAR TO" : expr.op.toUpperCase();
      const escape = expr.escape === undefined ? "" : ` ESCAPE ${operand(expr.escape, Prec.Like + 1)}`;
      return `${operand(expr.expr, Prec.Like + 1)} ${not(expr.isNegated)}${op} ${operand(expr.pattern, Prec.Like + 1)}${escape}`;
    }
    case "in_list":
      return `${operand(expr.expr, Prec.Like + 1)} ${not(expr.isNegated)}IN (${expr.items.map(deparseExpr).join(", ")})`;
    case "in_subquery":
      return `${operand(expr.expr, Prec.Like + 1)} ${not(expr.isNegated)}IN (${deparseQuery(expr.query)})`;
    case "quantified_subquery":
    case "quantified_array": {
      const prec = binaryPrecedence(expr.op, undefined);
      const left = operand(expr.left, isNonAssociative(prec) ? prec + 1 : prec);
      const inner = expr.kind === "quantified_subquery" ? deparseQuery(expr.query) : deparseExpr(expr.array);
      return `${left} ${expr.op} ${expr.quantifier.toUpperCase()} (${inner})`;
    }
    case "exists":
      return `EXISTS (${deparseQuery(expr.query)})`;
    case "scalar_subquery":
      return `(${deparseQuery(expr.query)})`;
    case "array_subquery":
      return `ARRAY(${deparseQuery(expr.query)})`;
  }
  return assertNever(expr);
}

function deparseCompound(expr: Extract<Expr, { kind: CompoundKind }>): string {
  const list = (items: readonly Expr[]): string => items.map(deparseExpr).join(", ");
  switch (expr.kind) {
    case "array":
      return `ARRAY[${list(expr.elements)}]`;
    case "row":
      return expr.isExplicit ? `ROW(${list(expr.items)})` : `(${list(expr.items)})`;
    case "subscript": {
      // Brackets may follow only a column, a parameter, a subquery or another indirection;
      // anything else (`x::int[1]` would even read as array bounds) needs parentheses.
      const base = isIndirectable(expr.expr) ? deparseExpr(expr.expr) : `(${deparseExpr(expr.expr)})`;
      const index = expr.index === undefined ? "" : deparseExpr(expr.index);
      if (!expr.isSlice) return `${base}[${index}]`;
      return `${base}[${index}:${expr.upper === undefined ? "" : deparseExpr(expr.upper)}]`;
    }
    case "field_select":
      return `(${deparseExpr(expr.expr)}).${expr.field === "*" ? "*" : quoteIdent(expr.field)}`;
    case "case":
      return deparseCase(expr);
    case "special_function":
      return `${expr.name.toUpperCase()}(${list(expr.args)})`;
    case "sql_value_function":
      return expr.precision === undefined ? expr.name.toUpperCase() : `${expr.name.toUpperCase()}(${expr.precision})`;
    case "func_call":
      return deparseFuncCall(expr);
    case "named_arg":
      return `${quoteIdent(expr.name)} => ${deparseExpr(expr.value)}`;
    case "collate":
      return `${operand(expr.expr, Prec.Collate)} COLLATE ${quoteName(expr.collation)}`;
    case "grouping":
      return `GROUPING(${list(expr.args)})`;
  }
  return assertNever(expr);
}

function deparseCase(expr: Extract<Expr, { kind: "case" }>): string {
  const parts = ["CASE"];
  if (expr.operand !== undefined) parts.push(deparseExpr(expr.operand));
  for (const when of expr.whens) parts.push(`WHEN ${deparseExpr(when.condition)} THEN ${deparseExpr(when.result)}`);
  if (expr.elseResult !== undefined) parts.push(`ELSE ${deparseExpr(expr.elseResult)}`);
  parts.push("END");
  return parts.join(" ");
}

function deparseFuncCall(call: FuncCall): string {
  let args: string;
  if (call.isStar) {
    args = "*";
  } else {
    const texts = call.args.map(deparseExpr);
    const last = texts.length - 1;
    if (call.isVariadic && last >= 0) texts[last] = `VARIADIC ${texts[last] ?? ""}`;
    args = (call.isDistinct ? "DISTINCT " : "") + texts.join(", ");
    if (call.orderBy.length > 0) args += ` ORDER BY ${deparseSortList(call.orderBy)}`;
  }
  let text = `${quoteName(call.name)}(${args})`;
  if (call.withinGroup.length > 0) text += ` WITHIN GROUP (ORDER BY ${deparseSortList(call.withinGroup)})`;
  if (call.filter !== undefined) text += ` FILTER (WHERE ${deparseExpr(call.filter)})`;
  if (call.over !== undefined) {
    const over = call.over;
    const isBareReference =
      over.refName !== undefined && over.partitionBy.length === 0 && over.orderBy.length === 0 && over.frame === undefined;
    text += isBareReference ? ` OVER ${quoteIdent(over.refName ?? "")}` : ` OVER ${deparseWindowSpec(over)}`;
  }
  return text;
}

export function deparseSortList(items: readonly SortBy[]): string {
  return items.map(deparseSortBy).join(", ");
}

export function deparseSortBy(item: SortBy): string {
  let text = deparseExpr(item.expr);
  if (item.direction === "using") text += ` USING ${item.usingOp ?? "<"}`;
  else if (item.direction !== undefined) text += ` ${item.direction.toUpperCase()}`;
  if (item.nulls !== undefined) text += ` NULLS ${item.nulls.toUpperCase()}`;
  return text;
}

/** `(base PARTITION BY … ORDER BY … frame)`. */
export function deparseWindowSpec(window: WindowDef): string {
  const parts: string[] = [];
  if (window.refName !== undefined) parts.push(quoteIdent(window.refName));
  if (window.partitionBy.length > 0) parts.push(`PARTITION BY ${window.partitionBy.map(deparseExpr).join(", ")}`);
  if (window.orderBy.length > 0) parts.push(`ORDER BY ${deparseSortList(window.orderBy)}`);
  const frame = window.frame;
  if (frame !== undefined) {
    const bounds =
      frame.end === undefined
        ? deparseFrameBound(frame.start)
        : `BETWEEN ${deparseFrameBound(frame.start)} AND ${deparseFrameBound(frame.end)}`;
    const exclusion = frame.exclusion === undefined ? "" : ` EXCLUDE ${frame.exclusion.replace("_", " ").toUpperCase()}`;
    parts.push(`${frame.mode.toUpperCase()} ${bounds}${exclusion}`);
  }
  return `(${parts.join(" ")})`;
}

function deparseFrameBound(bound: FrameBound): string {
  switch (bound.type) {
    case "unbounded_preceding":
      return "UNBOUNDED PRECEDING";
    case "unbounded_following":
      return "UNBOUNDED FOLLOWING";
    case "current_row":
      return "CURRENT ROW";
    case "preceding":
    case "following":
      return `${bound.offset === undefined ? "" : operand(bound.offset, Prec.Or)} ${bound.type.toUpperCase()}`;
  }
  return assertNever(bound.type);
}

/** Type names in the canonical spelling the parser produces (`int4`, `varchar(10)`, `interval day`). */
export function deparseTypeName(type: TypeName): string {
  const isInterval = type.names.length === 1 && type.names[0] === "interval" && type.intervalFields !== undefined;
  let text = isInterval ? "interval" : quoteName(type.names);
  const modifiers = type.modifiers.length > 0 ? `(${type.modifiers.map(deparseExpr).join(", ")})` : "";
  const fields = type.intervalFields ?? "";
  if (!isInterval) text += modifiers;
  // An interval precision follows SECOND when the fields end with it: `interval day to second(3)`.
  else if (fields.endsWith("second")) text += ` ${fields}${modifiers}`;
  else text += `${modifiers} ${fields}`;
  for (const bound of type.arrayBounds) text += bound === -1 ? "[]" : `[${bound}]`;
  return text;
}
