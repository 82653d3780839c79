/**
 * Expressions by precedence climbing, with PostgreSQL 15's precedence table (gram.y), lowest
 * binding first:
 *
 *   OR < AND < NOT < IS ISNULL NOTNULL < comparison < BETWEEN IN LIKE ILIKE SIMILAR < other
 *   operators < + - < * / % < ^ < AT TIME ZONE < COLLATE < unary minus < [ ] < :: 
 *
 * Comparison, IS and the BETWEEN/IN/LIKE level do not associate: `a = b = c` is a syntax error
 * at the second `=`, as in PostgreSQL. Chains of AND and OR are flattened into one node.
 * Recursion depth is bounded by `TokenStream.nested`, and left-deep chains are charged with
 * `deepen`, so no input can overflow the stack of the parser or of anything walking the tree.
 */
import type {
  CaseWhen,
  FrameBound,
  WindowFrame,
  ColumnRef,
  Expr,
  FuncCall,
  NumberLiteral,
  QualifiedName,
  SelectStatement,
  SortBy,
  SqlValueFunctionName,
  TypeName,
  WindowDef,
} from "./ast.ts";
import { assertNever } from "@omnikv/base";
import { TokenType, type Token } from "./lexer.ts";
import { asLabelKeywords, isColId, isTypeFunctionName, reservedKeywords } from "./keywords.ts";
import { InvalidTextRepresentationError } from "@omnikv/base";
import { UndefinedParameterError, WindowingError, characterPosition } from "./errors.ts";
import { featureNotSupported, parseAnyName, parseColId, parseColLabel, type Building } from "./parse-names.ts";
import type { TokenStream } from "./token-stream.ts";
import { parseTypeName, parseTypeNameTail, typeKeywords } from "./parse-type.ts";

export const Prec = {
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
  AtTimeZone: 12,
  Collate: 13,
  Unary: 14,
  Subscript: 15,
  Typecast: 17,
} as const;

const nonAssociative: ReadonlySet<number> = new Set([Prec.Is, Prec.Comparison, Prec.Like]);
const comparisonOps: ReadonlySet<string> = new Set(["<", ">", "=", "<=", ">=", "<>"]);
const likeKeywords: ReadonlySet<string> = new Set(["between", "in", "like", "ilike", "similar"]);

/** A full expression (PostgreSQL's `a_expr`). */
export function parseExpr(p: TokenStream): Expr {
  return p.nested(() => parseExprPrec(p, Prec.Or));
}

/**
 * A select-list expression: like `parseExpr`, but an operator keyword that ends the target
 * (`SELECT 1 and`, `SELECT x in FROM t`) is its bare alias, as PostgreSQL's grammar reads it.
 */
export function parseTargetExpr(p: TokenStream): Expr {
  return p.nested(() => parseExprPrec(p, Prec.Or, true));
}

/** An expression whose operators all bind at least as tightly as `minPrec`. */
export function parseExprPrec(p: TokenStream, minPrec: number, isTarget = false): Expr {
  const savedDepth = p.depth;
  let left = parsePrefix(p);
  let lastNonAssociative = 0;
  for (;;) {
    const prec = infixPrecedence(p);
    if (prec === 0 || prec < minPrec) break;
    if (isTarget && isOperatorWordAsLabel(p)) break;
    if (prec === lastNonAssociative) throw p.unexpected();
    p.deepen();
    left = parseInfix(p, left, prec);
    lastNonAssociative = nonAssociative.has(prec) && !isClosedOnTheRight(left, prec) ? prec : 0;
  }
  p.restoreDepth(savedDepth);
  return left;
}

/**
 * Whether an operator's node ends in a token of its own (`IS NULL`, `IN (…)`, `= ANY (…)`) rather
 * than in an operand. PostgreSQL's grammar then has nothing to shift, so non-associativity never
 * applies and `a IS NULL IS NULL` or `a IN (1) IN (TRUE)` chain as left-deep trees.
 */
function isClosedOnTheRight(expr: Expr, prec: number): boolean {
  // At the IS level only IS DISTINCT FROM ends in an operand (IS NORMALIZED becomes a call).
  if (prec === Prec.Is) return expr.kind !== "is_distinct_from";
  return closedOnTheRightKinds.has(expr.kind);
}

const closedOnTheRightKinds: ReadonlySet<Expr["kind"]> = new Set(["in_list", "in_subquery", "quantified_subquery", "quantified_array"]);

/** Keywords that continue an expression, yet are bare aliases when the target ends after them. */
const operatorWords: ReadonlySet<string> = new Set(["and", "or", "not", "is", "in", "like", "ilike", "similar", "between", "collate"]);

/** Words after which a select-list item has ended: the clauses that may follow a target list. */
const targetEndWords: ReadonlySet<string> = new Set([
  "from", "into", "where", "group", "having", "window", "order", "limit", "offset", "fetch", "for", "union",
  "intersect", "except", "returning", "on",
]);

function isOperatorWordAsLabel(p: TokenStream): boolean {
  const token = p.peek();
  if (token.type !== TokenType.Word || !operatorWords.has(token.text)) return false;
  const next = p.peek(1);
  if (next.type === TokenType.Eof) return true;
  if (next.type === TokenType.Punct) return next.text === "," || next.text === ")" || next.text === ";";
  return next.type === TokenType.Word && targetEndWords.has(next.text);
}

export function parseExprList(p: TokenStream): Expr[] {
  const items = [parseExpr(p)];
  while (p.acceptPunct(",")) items.push(parseExpr(p));
  return items;
}

/** The precedence of the infix or postfix operator at the current token, or 0 if there is none. */
function infixPrecedence(p: TokenStream): number {
  const token = p.peek();
  if (token.type === TokenType.Op) return opPrecedence(token.text);
  if (token.type === TokenType.Punct) {
    if (token.text === "::") return Prec.Typecast;
    return 0;
  }
  if (token.type !== TokenType.Word) return 0;
  switch (token.text) {
    case "or":
      return Prec.Or;
    case "and":
      return Prec.And;
    case "is":
    case "isnull":
    case "notnull":
      return Prec.Is;
    case "not":
      return likeKeywords.has(p.peek(1).type === TokenType.Word ? p.peek(1).text : "") ? Prec.Like : 0;
    case "between":
    case "in":
    case "like":
    case "ilike":
      return Prec.Like;
    case "similar":
      return p.isKeyword("to", 1) ? Prec.Like : 0;
    case "operator":
      return p.isPunct("(", 1) ? Prec.Op : 0;
    case "at":
      return p.isKeyword("time", 1) && p.isKeyword("zone", 2) ? Prec.AtTimeZone : 0;
    case "collate":
      return Prec.Collate;
    default:
      return 0;
  }
}

function opPrecedence(op: string): number {
  if (comparisonOps.has(op)) return Prec.Comparison;
  switch (op) {
    case "+":
    case "-":
      return Prec.Additive;
    case "*":
    case "/":
    case "%":
      return Prec.Multiplicative;
    case "^":
      return Prec.Exponent;
    default:
      return Prec.Op;
  }
}

function parseInfix(p: TokenStream, left: Expr, prec: number): Expr {
  const token = p.peek();
  const pos = exprPos(left);
  if (token.type === TokenType.Punct) {
    p.next();
    return { kind: "cast", pos, expr: left, type: parseTypeName(p) };
  }
  if (token.type === TokenType.Op) {
    p.next();
    return parseBinaryRest(p, left, token.text, undefined, prec);
  }
  switch (token.text) {
    case "or":
    case "and":
      return parseBoolChain(p, left, token.text);
    case "is":
    case "isnull":
    case "notnull":
      return parseIs(p, left);
    case "operator": {
      p.next();
      const { schema, op } = parseQualifiedOperator(p);
      return parseBinaryRest(p, left, op, schema, Prec.Op);
    }
    case "at": {
      p.next();
      p.next();
      p.next();
      const zone = parseExprPrec(p, Prec.AtTimeZone + 1);
      return systemCall(pos, "timezone", [zone, left]);
    }
    case "collate":
      p.next();
      return { kind: "collate", pos, expr: left, collation: parseAnyName(p) };
    default:
      return parseLikeLevel(p, left);
  }
}

/** The right side of a binary operator, including `op ANY|SOME|ALL (…)`. */
function parseBinaryRest(p: TokenStream, left: Expr, op: string, opSchema: string | undefined, prec: number): Expr {
  const pos = exprPos(left);
  if ((p.isKeyword("any") || p.isKeyword("some") || p.isKeyword("all")) && p.isPunct("(", 1)) {
    const quantifier = p.next().text === "all" ? "all" : "any";
    const query = startsQuery(p, 1) ? tryParenthesizedQuery(p) : undefined;
    if (query !== undefined) return { kind: "quantified_subquery", pos, op, quantifier, left, query };
    p.expectPunct("(");
    const array = parseExpr(p);
    p.expectPunct(")");
    return { kind: "quantified_array", pos, op, quantifier, left, array };
  }
  const right = parseExprPrec(p, prec + 1);
  return opSchema === undefined
    ? { kind: "binary", pos, op, left, right }
    : { kind: "binary", pos, op, opSchema, left, right };
}

/** `a OR b OR (c OR d)` is one node with four arguments: same-op operands are flattened. */
function parseBoolChain(p: TokenStream, first: Expr, op: "and" | "or"): Expr {
  const prec = op === "and" ? Prec.And : Prec.Or;
  const args: Expr[] = [];
  const add = (arg: Expr): void => {
    if (arg.kind === "bool_expr" && arg.op === op) args.push(...arg.args);
    else args.push(arg);
  };
  add(first);
  while (p.acceptKeyword(op)) add(parseExprPrec(p, prec + 1));
  return { kind: "bool_expr", pos: exprPos(first), op, args };
}

function parseIs(p: TokenStream, expr: Expr): Expr {
  const pos = exprPos(expr);
  const word = p.next().text;
  if (word === "isnull") return { kind: "is", pos, expr, test: "null", isNegated: false };
  if (word === "notnull") return { kind: "is", pos, expr, test: "null", isNegated: true };
  const isNegated = p.acceptKeyword("not");
  if (p.acceptKeywords("distinct", "from")) {
    const right = parseExprPrec(p, Prec.Is + 1);
    return { kind: "is_distinct_from", pos, left: expr, right, isNegated };
  }
  const token = p.next();
  if (token.type === TokenType.Word) {
    if (token.text === "null" || token.text === "true" || token.text === "false" || token.text === "unknown") {
      return { kind: "is", pos, expr, test: token.text, isNegated };
    }
    if (token.text === "normalized" || (unicodeNormalForms.has(token.text) && p.isKeyword("normalized"))) {
      return parseIsNormalized(p, expr, token, isNegated);
    }
    if (token.text === "document" || token.text === "json") {
      throw featureNotSupported(p, token, `IS ${token.text.toUpperCase()} is not supported`);
    }
  }
  throw p.unexpected(token);
}

/** `x IS [NOT] [form] NORMALIZED` is `[NOT] pg_catalog.is_normalized(x [, 'FORM'])`, as in PostgreSQL. */
function parseIsNormalized(p: TokenStream, expr: Expr, token: Token, isNegated: boolean): Expr {
  const pos = exprPos(expr);
  const args: Expr[] = [expr];
  if (token.text !== "normalized") {
    args.push({ kind: "string", pos: token.pos, value: token.text.toUpperCase() });
    p.expectKeyword("normalized");
  }
  const call = systemCall(pos, "is_normalized", args);
  return isNegated ? { kind: "not", pos, operand: call } : call;
}

/** BETWEEN, IN, LIKE, ILIKE and SIMILAR TO, each optionally after NOT. */
function parseLikeLevel(p: TokenStream, expr: Expr): Expr {
  const pos = exprPos(expr);
  const isNegated = p.acceptKeyword("not");
  const word = p.next().text;
  switch (word) {
    case "between":
      return parseBetween(p, expr, isNegated);
    case "in":
      return parseIn(p, expr, isNegated);
    case "like":
    case "ilike": {
      if ((p.isKeyword("any") || p.isKeyword("some") || p.isKeyword("all")) && p.isPunct("(", 1)) {
        // `a LIKE ANY (…)` is the operator form: LIKE is `~~`, ILIKE `~~*`, NOT negates with `!`.
        const op = `${isNegated ? "!" : ""}~~${word === "ilike" ? "*" : ""}`;
        return parseBinaryRest(p, expr, op, undefined, Prec.Like);
      }
      const pattern = parseExprPrec(p, Prec.Like + 1);
      const escape = p.acceptKeyword("escape") ? parseExprPrec(p, Prec.Like + 1) : undefined;
      return escape === undefined
        ? { kind: "like", pos, op: word, expr, pattern, isNegated }
        : { kind: "like", pos, op: word, expr, pattern, escape, isNegated };
    }
    default: {
      p.expectKeyword("to");
      const pattern = parseExprPrec(p, Prec.Like + 1);
      const escape = p.acceptKeyword("escape") ? parseExprPrec(p, Prec.Like + 1) : undefined;
      return escape === undefined
        ? { kind: "like", pos, op: "similar", expr, pattern, isNegated }
        : { kind: "like", pos, op: "similar", expr, pattern, escape, isNegated };
    }
  }
}

function parseBetween(p: TokenStream, expr: Expr, isNegated: boolean): Expr {
  const isSymmetric = p.acceptKeyword("symmetric");
  if (!isSymmetric) p.acceptKeyword("asymmetric");
  const low = parseExprPrec(p, Prec.Comparison);
  p.expectKeyword("and");
  const high = parseExprPrec(p, Prec.Like + 1);
  return { kind: "between", pos: exprPos(expr), expr, low, high, isNegated, isSymmetric };
}

function parseIn(p: TokenStream, expr: Expr, isNegated: boolean): Expr {
  const pos = exprPos(expr);
  // `IN ((SELECT 1), 2)` is a list whose first item is a subquery: try the subquery form first.
  const query = startsQuery(p, 1) ? tryParenthesizedQuery(p) : undefined;
  if (query !== undefined) return { kind: "in_subquery", pos, expr, query, isNegated };
  p.expectPunct("(");
  const items = parseExprList(p);
  p.expectPunct(")");
  return { kind: "in_list", pos, expr, items, isNegated };
}

function parseSubscript(p: TokenStream, expr: Expr): Expr {
  const pos = exprPos(expr);
  const index = p.isPunct(":") ? undefined : parseExpr(p);
  if (p.acceptPunct(":")) {
    const upper = p.isPunct("]") ? undefined : parseExpr(p);
    p.expectPunct("]");
    return { kind: "subscript", pos, expr, isSlice: true, ...(index ? { index } : {}), ...(upper ? { upper } : {}) };
  }
  p.expectPunct("]");
  return { kind: "subscript", pos, expr, isSlice: false, ...(index ? { index } : {}) };
}

/** `OPERATOR(schema.op)` after the OPERATOR keyword. */
function parseQualifiedOperator(p: TokenStream): { schema: string | undefined; op: string } {
  p.expectPunct("(");
  let schema: string | undefined;
  if (p.peek().type !== TokenType.Op) {
    schema = parseColLabel(p);
    p.expectPunct(".");
  }
  const token = p.next();
  if (token.type !== TokenType.Op) throw p.unexpected(token);
  p.expectPunct(")");
  return { schema, op: token.text };
}

const queryStarts: ReadonlySet<string> = new Set(["select", "values", "with", "table"]);

/** Whether the tokens at `offset` (after any opening parentheses) begin a query. */
export function startsQuery(p: TokenStream, offset = 0): boolean {
  const token = p.peek(p.skipOpenParens(offset));
  return token.type === TokenType.Word && queryStarts.has(token.text);
}

/** A full query inside an expression; the query grammar is reached through the stream's hooks. */
function parseQuery(p: TokenStream): SelectStatement {
  return p.hooks.parseQuery(p);
}

// ---------------------------------------------------------------------------------------------
// Prefix operators and primary expressions

function parsePrefix(p: TokenStream): Expr {
  const token = p.peek();
  if (token.type === TokenType.Op) {
    p.next();
    if (token.text === "-" || token.text === "+") {
      const operand = parseExprPrec(p, Prec.Unary);
      if (token.text === "-" && operand.kind === "number") return negateNumber(operand, token.pos);
      return { kind: "unary", pos: token.pos, op: token.text, operand };
    }
    // `*`, `/`, `%`, `^`, `<`, `>`, `=` are PostgreSQL's single-character tokens, never prefix operators.
    if (token.text.length === 1 && "*/%^<>=".includes(token.text)) throw p.unexpected(token);
    const operand = parseExprPrec(p, Prec.Op + 1);
    return { kind: "unary", pos: token.pos, op: token.text, operand };
  }
  if (token.type === TokenType.Word) {
    if (token.text === "not") {
      p.next();
      return { kind: "not", pos: token.pos, operand: parseExprPrec(p, Prec.Not) };
    }
    if (token.text === "operator" && p.isPunct("(", 1)) {
      p.next();
      const { schema, op } = parseQualifiedOperator(p);
      const operand = parseExprPrec(p, Prec.Op + 1);
      return schema === undefined
        ? { kind: "unary", pos: token.pos, op, operand }
        : { kind: "unary", pos: token.pos, op, opSchema: schema, operand };
    }
  }
  const primary = parsePrimary(p);
  return primary.kind === "row" && p.isKeyword("overlaps") ? parseOverlaps(p, primary) : primary;
}

/**
 * `(a, b) OVERLAPS (c, d)`, a construct on two row constructors, is
 * `pg_catalog.overlaps(a, b, c, d)`, as in PostgreSQL; each row must have two fields.
 */
function parseOverlaps(p: TokenStream, left: Extract<Expr, { kind: "row" }>): Expr {
  p.next();
  const start = p.peek();
  if (!p.isPunct("(") && !p.isKeyword("row")) throw p.unexpected(start);
  const right = parsePrimary(p);
  if (right.kind !== "row") throw p.unexpected(start);
  for (const [row, side] of [[left, "left"], [right, "right"]] as const) {
    if (row.items.length !== 2) throw p.errorAt(row.pos, `wrong number of parameters on ${side} side of OVERLAPS expression`);
  }
  return systemCall(left.pos, "overlaps", [...left.items, ...right.items]);
}

/** PostgreSQL's doNegate: `-1` is one literal, and `- -1` is `1`. */
function negateNumber(number: NumberLiteral, pos: number): NumberLiteral {
  const text = number.text.startsWith("-") ? number.text.slice(1) : `-${number.text}`;
  return { kind: "number", pos, text, isInteger: number.isInteger };
}

function parsePrimary(p: TokenStream): Expr {
  const token = p.peek();
  switch (token.type) {
    case TokenType.Integer:
    case TokenType.Decimal:
      p.next();
      return { kind: "number", pos: token.pos, text: token.text, isInteger: token.type === TokenType.Integer };
    case TokenType.String:
      p.next();
      return { kind: "string", pos: token.pos, value: token.text };
    case TokenType.BitString:
      p.next();
      return { kind: "bit_string", pos: token.pos, value: bitStringDigits(p, token) };
    case TokenType.Param:
      p.next();
      return parseIndirection(p, parseParam(p, token));
    case TokenType.Punct:
      if (token.text === "(") return parseParenthesized(p);
      throw p.unexpected();
    case TokenType.Word:
      return parseWordPrimary(p, token);
    case TokenType.QuotedIdent:
      return parseNamePrimary(p);
    case TokenType.Op:
    case TokenType.Eof:
      throw p.unexpected();
  }
  return assertNever(token.type);
}

function parseParam(p: TokenStream, token: Token): Expr {
  const index = Number(token.text);
  if (!Number.isSafeInteger(index) || index < 1 || index > 65535) {
    throw new UndefinedParameterError(`there is no parameter $${token.text}`, {
      position: characterPosition(p.sql, token.pos),
    });
  }
  return { kind: "param", pos: token.pos, index };
}

/** `B'…'` keeps its digits; `X'…'` becomes four binary digits per hex digit. */
function bitStringDigits(p: TokenStream, token: Token): string {
  const digits = token.text.slice(1);
  if (token.text.startsWith("b")) {
    const bad = /[^01]/.exec(digits)?.[0];
    if (bad !== undefined) throw invalidTextError(p, token, `"${bad}" is not a valid binary digit`);
    return digits;
  }
  let out = "";
  for (const char of digits) {
    const value = Number.parseInt(char, 16);
    if (Number.isNaN(value)) throw invalidTextError(p, token, `"${char}" is not a valid hexadecimal digit`);
    out += value.toString(2).padStart(4, "0");
  }
  return out;
}

function parseParenthesized(p: TokenStream): Expr {
  const open = p.peek();
  if (startsQuery(p, 1)) {
    const query = tryParenthesizedQuery(p);
    if (query !== undefined) return parseIndirection(p, { kind: "scalar_subquery", pos: open.pos, query });
  }
  p.next();
  const first = parseExpr(p);
  if (p.acceptPunct(",")) {
    const items = [first, ...parseExprList(p)];
    p.expectPunct(")");
    return { kind: "row", pos: open.pos, items, isExplicit: false };
  }
  p.expectPunct(")");
  return parseIndirection(p, first);
}

/**
 * At `(` before something that starts like a query, tries to read `( query )`. Returns
 * undefined (and rewinds) when the parentheses hold an expression such as `(SELECT 1) + 1`.
 */
export function tryParenthesizedQuery(p: TokenStream): SelectStatement | undefined {
  const start = p.index;
  const query = p.speculate(() => {
    p.next();
    try {
      const parsed = parseQuery(p);
      if (p.acceptPunct(")")) return parsed;
    } catch (error) {
      if (!isSyntaxFailure(error)) throw error;
    }
    return undefined;
  });
  if (query === undefined) p.rewind(start);
  return query;
}

function isSyntaxFailure(error: unknown): boolean {
  return error instanceof Error && "sqlState" in error && error.sqlState === "42601";
}

/**
 * `.field`, `.*`, `[i]` and `[lo:hi]`, in any order, after the primaries PostgreSQL's grammar
 * lets them follow: a column reference, a parameter, a parenthesized expression or a subquery.
 * After anything else (`'abc'[1]`, `f(x)[1]`, `ARRAY[1][1]`) a bracket is a syntax error, as in
 * PostgreSQL. Each step is charged one level, like a left-deep operator chain.
 */
function parseIndirection(p: TokenStream, expr: Expr): Expr {
  // The common case, a plain column or parameter, costs two token tests.
  if (!p.isPunct("[") && !p.isPunct(".")) return expr;
  const savedDepth = p.depth;
  let result = expr;
  for (;;) {
    if (p.isPunct("[")) {
      p.deepen();
      p.next();
      result = parseSubscript(p, result);
    } else if (p.isPunct(".")) {
      p.deepen();
      p.next();
      const field = p.acceptOp("*") ? "*" : parseColLabel(p);
      result = { kind: "field_select", pos: exprPos(expr), expr: result, field };
    } else {
      break;
    }
  }
  p.restoreDepth(savedDepth);
  return result;
}

function parseWordPrimary(p: TokenStream, token: Token): Expr {
  const word = token.text;
  const pos = token.pos;
  switch (word) {
    case "true":
    case "false":
      p.next();
      return { kind: "boolean", pos, value: word === "true" };
    case "null":
      p.next();
      return { kind: "null", pos };
    case "default":
      p.next();
      return { kind: "default", pos };
    case "case":
      return parseCase(p);
    case "cast":
      return parseCast(p);
    case "exists": {
      p.next();
      p.expectPunct("(");
      const query = parseQuery(p);
      p.expectPunct(")");
      return { kind: "exists", pos, query };
    }
    case "array":
      return parseArrayConstructor(p);
    default:
      break;
  }
  const special = parseSpecialSyntax(p, token);
  if (special !== undefined) return special;
  if (reservedKeywords.has(word)) throw p.unexpected();
  if (typeKeywords.has(word) || p.peek(1).type === TokenType.String) {
    const literal = tryTypedLiteral(p);
    if (literal !== undefined) return literal;
  }
  return parseNamePrimary(p);
}

/** Grammar that looks like a call but is not one: COALESCE, EXTRACT, SUBSTRING, ROW, … */
function parseSpecialSyntax(p: TokenStream, token: Token): Expr | undefined {
  const word = token.text;
  const pos = token.pos;
  const isCall = p.isPunct("(", 1);
  if (sqlValueFunctions.has(word)) return parseSqlValueFunction(p);
  if (!isCall) return undefined;
  switch (word) {
    case "coalesce":
    case "nullif":
    case "greatest":
    case "least": {
      p.next();
      p.next();
      // NULLIF takes exactly two arguments by grammar, as in PostgreSQL.
      const args = word === "nullif" ? [parseExpr(p), (p.expectPunct(","), parseExpr(p))] : parseExprList(p);
      p.expectPunct(")");
      return { kind: "special_function", pos, name: word, args };
    }
    case "row": {
      p.next();
      p.next();
      const items = p.isPunct(")") ? [] : parseExprList(p);
      p.expectPunct(")");
      return { kind: "row", pos, items, isExplicit: true };
    }
    case "grouping": {
      p.next();
      p.next();
      const args = parseExprList(p);
      p.expectPunct(")");
      return { kind: "grouping", pos, args };
    }
    case "extract":
      return parseExtract(p);
    case "substring":
      return parseSubstring(p);
    case "position":
      return parsePosition(p);
    case "trim":
      return parseTrim(p);
    case "overlay":
      return parseOverlay(p);
    case "normalize":
      return parseNormalize(p);
    default:
      return undefined;
  }
}

/** The Unicode normal forms NORMALIZE and IS NORMALIZED name; PostgreSQL passes them as strings. */
const unicodeNormalForms: ReadonlySet<string> = new Set(["nfc", "nfd", "nfkc", "nfkd"]);

/** `NORMALIZE(x [, form])` is `pg_catalog.normalize(x [, 'FORM'])`. */
function parseNormalize(p: TokenStream): Expr {
  const pos = p.next().pos;
  p.expectPunct("(");
  const source = parseExpr(p);
  const args: Expr[] = [source];
  if (p.acceptPunct(",")) args.push(parseNormalForm(p));
  p.expectPunct(")");
  return systemCall(pos, "normalize", args);
}

function parseNormalForm(p: TokenStream): Expr {
  const token = p.next();
  if (token.type !== TokenType.Word || !unicodeNormalForms.has(token.text)) throw p.unexpected(token);
  return { kind: "string", pos: token.pos, value: token.text.toUpperCase() };
}

const sqlValueFunctions: ReadonlySet<string> = new Set([
  "current_date",
  "current_time",
  "current_timestamp",
  "localtime",
  "localtimestamp",
  "current_role",
  "current_user",
  "session_user",
  "user",
  "current_catalog",
  "current_schema",
]);

/** CURRENT_DATE, CURRENT_USER, …: reserved words that are also expressions (and FROM items). */
export function isSqlValueFunction(word: string): boolean {
  return sqlValueFunctions.has(word);
}

function parseSqlValueFunction(p: TokenStream): Expr {
  const token = p.next();
  // oxlint-disable-next-line typescript/no-unsafe-type-assertion -- membership in sqlValueFunctions checked by the caller
  const name = token.text as SqlValueFunctionName;
  const hasPrecision =
    name === "current_time" || name === "current_timestamp" || name === "localtime" || name === "localtimestamp";
  if (name === "current_schema" && p.isPunct("(") && p.isPunct(")", 1)) {
    p.next();
    p.next();
  }
  if (hasPrecision && p.acceptPunct("(")) {
    const digits = p.next();
    if (digits.type !== TokenType.Integer) throw p.unexpected(digits);
    p.expectPunct(")");
    return { kind: "sql_value_function", pos: token.pos, name, precision: Number(digits.text) };
  }
  return { kind: "sql_value_function", pos: token.pos, name };
}

/** Calls PostgreSQL makes for special syntax are to `pg_catalog` functions. */
function systemCall(pos: number, name: string, args: readonly Expr[]): FuncCall {
  return {
    kind: "func_call",
    pos,
    name: ["pg_catalog", name],
    isStar: false,
    isDistinct: false,
    isVariadic: false,
    args,
    orderBy: [],
    withinGroup: [],
  };
}

function parseExtract(p: TokenStream): Expr {
  const pos = p.next().pos;
  p.expectPunct("(");
  const fieldToken = p.next();
  let field: string;
  if (fieldToken.type === TokenType.Word || fieldToken.type === TokenType.String) {
    field = fieldToken.text;
  } else {
    throw p.unexpected(fieldToken);
  }
  p.expectKeyword("from");
  const source = parseExpr(p);
  p.expectPunct(")");
  return systemCall(pos, "extract", [{ kind: "string", pos: fieldToken.pos, value: field }, source]);
}

/** SUBSTRING(x FROM a FOR b), SUBSTRING(x FOR b FROM a), SUBSTRING(x SIMILAR p ESCAPE e), or a plain call. */
function parseSubstring(p: TokenStream): Expr {
  const pos = p.next().pos;
  p.expectPunct("(");
  if (p.acceptPunct(")")) return systemCall(pos, "substring", []);
  const source = parseExpr(p);
  if (p.acceptPunct(",")) {
    const rest = parseExprList(p);
    p.expectPunct(")");
    return { ...systemCall(pos, "substring", [source, ...rest]), name: ["substring"] };
  }
  let from: Expr | undefined;
  let count: Expr | undefined;
  if (p.acceptKeyword("similar")) {
    const pattern = parseExpr(p);
    p.expectKeyword("escape");
    const escape = parseExpr(p);
    p.expectPunct(")");
    return systemCall(pos, "substring", [source, pattern, escape]);
  }
  if (p.acceptKeyword("from")) from = parseExpr(p);
  if (p.acceptKeyword("for")) count = parseExpr(p);
  if (from === undefined && p.acceptKeyword("from")) from = parseExpr(p);
  p.expectPunct(")");
  if (from === undefined && count === undefined) return { ...systemCall(pos, "substring", [source]), name: ["substring"] };
  const start: Expr = from ?? { kind: "number", pos, text: "1", isInteger: true };
  return systemCall(pos, "substring", count === undefined ? [source, start] : [source, start, count]);
}

function parsePosition(p: TokenStream): Expr {
  const pos = p.next().pos;
  p.expectPunct("(");
  const needle = parseExprPrec(p, Prec.Like + 1);
  p.expectKeyword("in");
  const haystack = parseExpr(p);
  p.expectPunct(")");
  return systemCall(pos, "position", [haystack, needle]);
}

/** TRIM([BOTH | LEADING | TRAILING] [chars] FROM s) → btrim/ltrim/rtrim(s, chars). */
function parseTrim(p: TokenStream): Expr {
  const pos = p.next().pos;
  p.expectPunct("(");
  let name = "btrim";
  if (p.acceptKeyword("leading")) name = "ltrim";
  else if (p.acceptKeyword("trailing")) name = "rtrim";
  else p.acceptKeyword("both");
  let args: Expr[];
  if (p.acceptKeyword("from")) {
    args = parseExprList(p);
  } else {
    const first = parseExpr(p);
    if (p.acceptKeyword("from")) {
      args = [...parseExprList(p), first];
    } else {
      args = [first, ...(p.acceptPunct(",") ? parseExprList(p) : [])];
    }
  }
  p.expectPunct(")");
  return systemCall(pos, name, args);
}

function parseOverlay(p: TokenStream): Expr {
  const pos = p.next().pos;
  p.expectPunct("(");
  const source = parseExpr(p);
  if (p.acceptPunct(",")) {
    const rest = parseExprList(p);
    p.expectPunct(")");
    return { ...systemCall(pos, "overlay", [source, ...rest]), name: ["overlay"] };
  }
  p.expectKeyword("placing");
  const replacement = parseExpr(p);
  p.expectKeyword("from");
  const start = parseExpr(p);
  const count = p.acceptKeyword("for") ? parseExpr(p) : undefined;
  p.expectPunct(")");
  return systemCall(pos, "overlay", count === undefined ? [source, replacement, start] : [source, replacement, start, count]);
}

function parseCase(p: TokenStream): Expr {
  const pos = p.next().pos;
  const operand = p.isKeyword("when") ? undefined : parseExpr(p);
  const whens: CaseWhen[] = [];
  while (p.isKeyword("when")) {
    const whenPos = p.next().pos;
    const condition = parseExpr(p);
    p.expectKeyword("then");
    whens.push({ kind: "case_when", pos: whenPos, condition, result: parseExpr(p) });
  }
  if (whens.length === 0) throw p.unexpected();
  const elseResult = p.acceptKeyword("else") ? parseExpr(p) : undefined;
  p.expectKeyword("end");
  return {
    kind: "case",
    pos,
    ...(operand ? { operand } : {}),
    whens,
    ...(elseResult ? { elseResult } : {}),
  };
}

function parseCast(p: TokenStream): Expr {
  const pos = p.next().pos;
  p.expectPunct("(");
  const expr = parseExpr(p);
  p.expectKeyword("as");
  const type = parseTypeName(p);
  p.expectPunct(")");
  return { kind: "cast", pos, expr, type };
}

function parseArrayConstructor(p: TokenStream): Expr {
  const pos = p.next().pos;
  if (p.isPunct("(")) {
    p.next();
    const query = parseQuery(p);
    p.expectPunct(")");
    return { kind: "array_subquery", pos, query };
  }
  return parseArrayBrackets(p, pos);
}

function parseArrayBrackets(p: TokenStream, pos: number): Expr {
  p.expectPunct("[");
  const elements: Expr[] = [];
  if (!p.isPunct("]")) {
    do {
      elements.push(p.isPunct("[") ? p.nested(() => parseArrayBrackets(p, p.pos)) : parseExpr(p));
    } while (p.acceptPunct(","));
  }
  p.expectPunct("]");
  return { kind: "array", pos, elements };
}

/**
 * `type 'literal'`: `DATE '2024-01-01'`, `INTERVAL '1' DAY`, `timestamp with time zone '…'`,
 * `int4 '1'`. Returns undefined (rewound) when the words turn out to be a column or a call.
 */
function tryTypedLiteral(p: TokenStream): Expr | undefined {
  const start = p.index;
  const pos = p.pos;
  let type: TypeName;
  try {
    type = parseTypeName(p, { isLiteralType: true });
  } catch (error) {
    if (!isSyntaxFailure(error)) throw error;
    p.rewind(start);
    return undefined;
  }
  const literal = p.peek();
  if (literal.type !== TokenType.String) {
    p.rewind(start);
    return undefined;
  }
  p.next();
  const typed = type.names.length === 1 && type.names[0] === "interval" ? parseTypeNameTail(p, type) : type;
  return { kind: "cast", pos, expr: { kind: "string", pos: literal.pos, value: literal.text }, type: typed };
}

/** `catalog.schema.table.column`: PostgreSQL's grammar rejects a longer column reference. */
const columnRefNamesMax = 4;

/** A column reference, or a (possibly qualified) function call. */
function parseNamePrimary(p: TokenStream): Expr {
  const first = p.peek();
  const names: string[] = [parseNameWord(p)];
  let isStar = false;
  while (p.isPunct(".")) {
    p.next();
    if (p.acceptOp("*")) {
      isStar = true;
      break;
    }
    names.push(parseColLabel(p));
  }
  if (!isStar && p.isPunct("(")) return parseFunctionCall(p, first, names);
  if (!isStar && names.length === 1 && !isColId(names[0] ?? "") && first.type === TokenType.Word) {
    throw p.unexpected(first);
  }
  if (names.length + (isStar ? 1 : 0) > columnRefNamesMax) {
    const text = [...names, ...(isStar ? ["*"] : [])].join(".");
    throw p.errorAt(first.pos, `improper qualified name (too many dotted names): ${text}`);
  }
  const ref: ColumnRef = { kind: "column_ref", pos: first.pos, names, isStar };
  // The names took every `.`, so only a subscript can follow a column here.
  return isStar || !p.isPunct("[") ? ref : parseIndirection(p, ref);
}

function parseNameWord(p: TokenStream): string {
  const token = p.next();
  if (token.type === TokenType.QuotedIdent) return token.text;
  if (token.type === TokenType.Word && !reservedKeywords.has(token.text)) return token.text;
  throw p.unexpected(token);
}

function parseFunctionCall(p: TokenStream, first: Token, name: QualifiedName): Expr {
  if (name.length === 1 && first.type === TokenType.Word && !isTypeFunctionName(first.text)) throw p.unexpected(first);
  p.expectPunct("(");
  const call = p.nested(() => parseCallArguments(p, first.pos, name));
  parseCallSuffixes(p, call);
  return call;
}

function parseCallArguments(p: TokenStream, pos: number, name: QualifiedName): Building<FuncCall> {
  const call: Building<FuncCall> = {
    kind: "func_call",
    pos,
    name,
    isStar: false,
    isDistinct: false,
    isVariadic: false,
    args: [],
    orderBy: [],
    withinGroup: [],
  };
  if (p.acceptOp("*")) {
    p.expectPunct(")");
    call.isStar = true;
    return call;
  }
  if (p.acceptPunct(")")) return call;
  call.isDistinct = p.acceptKeyword("distinct");
  if (!call.isDistinct) p.acceptKeyword("all");
  const args: Expr[] = [];
  do {
    if (p.acceptKeyword("variadic")) call.isVariadic = true;
    args.push(parseCallArgument(p));
  } while (!call.isVariadic && p.acceptPunct(","));
  call.args = args;
  if (p.acceptKeywords("order", "by")) call.orderBy = parseSortList(p);
  p.expectPunct(")");
  return call;
}

function parseCallArgument(p: TokenStream): Expr {
  const token = p.peek();
  const arrow = p.peek(1);
  const isNamed =
    (token.type === TokenType.Word || token.type === TokenType.QuotedIdent) &&
    arrow.type === TokenType.Punct &&
    (arrow.text === "=>" || arrow.text === ":=");
  if (!isNamed) return parseExpr(p);
  p.next();
  p.next();
  return { kind: "named_arg", pos: token.pos, name: token.text, value: parseExpr(p) };
}

/** WITHIN GROUP, FILTER and OVER after a call's argument list. */
function parseCallSuffixes(p: TokenStream, call: Building<FuncCall>): void {
  if (p.acceptKeywords("within", "group")) {
    p.expectPunct("(");
    p.expectKeyword("order");
    p.expectKeyword("by");
    call.withinGroup = parseSortList(p);
    p.expectPunct(")");
  }
  if (p.isKeyword("filter") && p.isPunct("(", 1)) {
    p.next();
    p.next();
    p.expectKeyword("where");
    call.filter = parseExpr(p);
    p.expectPunct(")");
  }
  if (p.acceptKeyword("over")) call.over = parseOver(p);
}

function parseOver(p: TokenStream): WindowDef {
  if (p.isPunct("(")) return parseWindowSpec(p, undefined);
  const pos = p.pos;
  return { kind: "window_def", pos, refName: parseColId(p), partitionBy: [], orderBy: [] };
}

export function parseSortList(p: TokenStream): SortBy[] {
  const items = [parseSortBy(p)];
  while (p.acceptPunct(",")) items.push(parseSortBy(p));
  return items;
}

function parseSortBy(p: TokenStream): SortBy {
  const pos = p.pos;
  const expr = parseExpr(p);
  let direction: SortBy["direction"];
  let usingOp: string | undefined;
  if (p.acceptKeyword("asc")) direction = "asc";
  else if (p.acceptKeyword("desc")) direction = "desc";
  else if (p.acceptKeyword("using")) {
    direction = "using";
    const op = p.next();
    if (op.type !== TokenType.Op) throw p.unexpected(op);
    usingOp = op.text;
  }
  let nulls: SortBy["nulls"];
  if (p.acceptKeyword("nulls")) {
    if (p.acceptKeyword("first")) nulls = "first";
    else if (p.acceptKeyword("last")) nulls = "last";
    else throw p.unexpected();
  }
  return {
    kind: "sort_by",
    pos,
    expr,
    ...(direction ? { direction } : {}),
    ...(usingOp ? { usingOp } : {}),
    ...(nulls ? { nulls } : {}),
  };
}

export function exprPos(expr: Expr): number {
  return expr.pos;
}

/** Whether a token may be a bare alias after a select-list expression (no AS). */
export function isBareLabel(token: Token): boolean {
  if (token.type === TokenType.QuotedIdent) return true;
  return token.type === TokenType.Word && !asLabelKeywords.has(token.text);
}

function invalidTextError(p: TokenStream, token: Token, message: string): Error {
  return new InvalidTextRepresentationError(message, { position: characterPosition(p.sql, token.pos) });
}

const windowSpecWords: ReadonlySet<string> = new Set(["partition", "order", "rows", "range", "groups"]);

/** `( [existing] [PARTITION BY …] [ORDER BY …] [frame] )`. */
export function parseWindowSpec(p: TokenStream, name: string | undefined): WindowDef {
  const pos = p.expectPunct("(").pos;
  const token = p.peek();
  let refName: string | undefined;
  if (token.type === TokenType.QuotedIdent || (token.type === TokenType.Word && isColId(token.text) && !windowSpecWords.has(token.text))) {
    refName = parseColId(p);
  }
  const partitionBy = p.acceptKeywords("partition", "by") ? parseExprList(p) : [];
  const orderBy = p.acceptKeywords("order", "by") ? parseSortList(p) : [];
  const frame = p.isKeyword("rows") || p.isKeyword("range") || p.isKeyword("groups") ? parseFrame(p) : undefined;
  p.expectPunct(")");
  return {
    kind: "window_def",
    pos,
    ...(name === undefined ? {} : { name }),
    ...(refName === undefined ? {} : { refName }),
    partitionBy,
    orderBy,
    ...(frame ? { frame } : {}),
  };
}

function parseFrame(p: TokenStream): WindowFrame {
  const token = p.next();
  // oxlint-disable-next-line typescript/no-unsafe-type-assertion -- the caller checked the word
  const mode = token.text as WindowFrame["mode"];
  let start: FrameBound;
  let end: FrameBound | undefined;
  if (p.acceptKeyword("between")) {
    start = parseFrameBound(p);
    p.expectKeyword("and");
    end = parseFrameBound(p);
  } else {
    start = parseFrameBound(p);
  }
  const windowingError = (pos: number, message: string): WindowingError =>
    new WindowingError(message, { position: characterPosition(p.sql, pos) });
  if (start.type === "unbounded_following") throw windowingError(start.pos, "frame start cannot be UNBOUNDED FOLLOWING");
  if (end?.type === "unbounded_preceding") throw windowingError(end.pos, "frame end cannot be UNBOUNDED PRECEDING");
  let exclusion: WindowFrame["exclusion"];
  if (p.acceptKeyword("exclude")) {
    if (p.acceptKeywords("current", "row")) exclusion = "current_row";
    else if (p.acceptKeyword("group")) exclusion = "group";
    else if (p.acceptKeyword("ties")) exclusion = "ties";
    else if (p.acceptKeywords("no", "others")) exclusion = "no_others";
    else throw p.unexpected();
  }
  return { kind: "window_frame", pos: token.pos, mode, start, ...(end ? { end } : {}), ...(exclusion ? { exclusion } : {}) };
}

function parseFrameBound(p: TokenStream): FrameBound {
  const pos = p.pos;
  if (p.acceptKeywords("unbounded", "preceding")) return { kind: "frame_bound", pos, type: "unbounded_preceding" };
  if (p.acceptKeywords("unbounded", "following")) return { kind: "frame_bound", pos, type: "unbounded_following" };
  if (p.acceptKeywords("current", "row")) return { kind: "frame_bound", pos, type: "current_row" };
  const offset = parseExpr(p);
  if (p.acceptKeyword("preceding")) return { kind: "frame_bound", pos, type: "preceding", offset };
  p.expectKeyword("following");
  return { kind: "frame_bound", pos, type: "following", offset };
}
