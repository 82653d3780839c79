/**
 * SELECT, VALUES, set operations, FROM items, WITH and window definitions.
 *
 * Set operations follow PostgreSQL's precedence: INTERSECT binds tighter than UNION and EXCEPT,
 * which associate to the left. A parenthesized operand without ORDER BY, LIMIT, OFFSET, locking
 * or WITH is unwrapped, so the tree does not depend on redundant parentheses.
 */
import type {
  Alias,
  CommonTableExpr,
  Expr,
  FromItem,
  JoinExpr,
  TableRef,
  LockingClause,
  QualifiedName,
  QueryBody,
  ResTarget,
  SelectCore,
  SelectStatement,
  WindowDef,
  WithClause,
} from "./ast.ts";
import { StatementTooComplexError } from "@omnikv/base";
import { SqlSyntaxError, characterPosition } from "./errors.ts";
import { TokenType, type Token } from "./lexer.ts";
import { deparseExpr } from "./deparse-expr.ts";
import { isColId, reservedKeywords } from "./keywords.ts";
import {
  Prec,
  isBareLabel,
  isSqlValueFunction,
  parseTargetExpr,
  parseExpr,
  parseExprList,
  parseExprPrec,
  parseSortList,
  parseWindowSpec,
  startsQuery,
  tryParenthesizedQuery,
} from "./parse-expr.ts";
import {
  featureNotSupported,
  parseColId,
  parseColLabel,
  parseParenthesizedColumns,
  parseQualifiedName,
  type Building,
} from "./parse-names.ts";
import type { TokenStream } from "./token-stream.ts";

export function parseSelectStatement(p: TokenStream): SelectStatement {
  const start = p.index;
  const memo = p.memoLookup(start);
  if (memo !== undefined) {
    if ("error" in memo) throw memo.error;
    p.seek(memo.end);
    return memo.query;
  }
  try {
    const query = p.nested(() => parseSelectInner(p));
    p.memoStore(start, { query, end: p.index });
    return query;
  } catch (error) {
    if (error instanceof SqlSyntaxError) p.memoStore(start, { error });
    throw error;
  }
}

function parseSelectInner(p: TokenStream): SelectStatement {
  const pos = p.pos;
  const withClause = p.isKeyword("with") ? parseWith(p) : undefined;
  const body = parseSetOperations(p, 1);
  const statement = parseSelectClauses(p, pos, body, withClause);
  // `(SELECT … ORDER BY 1) LIMIT 2`: one statement, as PostgreSQL merges the clauses.
  if (body.kind === "select") return mergeClauses(p, body, statement);
  return statement;
}

export function hasClauses(statement: SelectStatement): boolean {
  return (
    statement.with !== undefined ||
    statement.orderBy.length > 0 ||
    statement.limit !== undefined ||
    statement.offset !== undefined ||
    statement.locking.length > 0
  );
}

function mergeClauses(p: TokenStream, inner: SelectStatement, outer: SelectStatement): SelectStatement {
  const conflict = (clause: string, pos: number | undefined): Error =>
    p.errorAt(pos ?? outer.pos, `multiple ${clause} clauses not allowed`);
  if (inner.orderBy.length > 0 && outer.orderBy.length > 0) throw conflict("ORDER BY", outer.orderBy[0]?.pos);
  if (inner.limit !== undefined && outer.limit !== undefined) throw conflict("LIMIT", outer.limit.pos);
  if (inner.offset !== undefined && outer.offset !== undefined) throw conflict("OFFSET", outer.offset.pos);
  if (inner.with !== undefined && outer.with !== undefined) throw conflict("WITH", outer.with.pos);
  if (inner.locking.length > 0 && outer.locking.length > 0) throw conflict("FOR UPDATE/FOR SHARE", outer.locking[0]?.pos);
  const withClause = inner.with ?? outer.with;
  const limit = inner.limit ?? outer.limit;
  const offset = inner.offset ?? outer.offset;
  return {
    kind: "select",
    pos: outer.pos,
    ...(withClause ? { with: withClause } : {}),
    body: inner.body,
    orderBy: inner.orderBy.length > 0 ? inner.orderBy : outer.orderBy,
    ...(limit ? { limit } : {}),
    ...(offset ? { offset } : {}),
    isLimitWithTies: inner.limit === undefined ? outer.isLimitWithTies : inner.isLimitWithTies,
    locking: inner.locking.length > 0 ? inner.locking : outer.locking,
  };
}

interface LimitClauses {
  limit?: Expr;
  offset?: Expr;
  isLimitWithTies: boolean;
}

/** `LIMIT … [OFFSET …]` or `OFFSET … [LIMIT …]`, with FETCH FIRST in place of LIMIT. */
function parseLimitClauses(p: TokenStream, limits: LimitClauses): void {
  const isOffsetFirst = p.isKeyword("offset");
  if (isOffsetFirst) parseOffset(p, limits);
  // `LIMIT ALL` is a LIMIT clause without a limit.
  let hasLimitClause = true;
  if (p.isKeyword("limit")) {
    const limit = parseLimit(p);
    if (limit !== undefined) limits.limit = limit;
  } else if (p.isKeyword("fetch")) {
    const fetched = parseFetch(p);
    limits.limit = fetched.limit;
    limits.isLimitWithTies = fetched.isWithTies;
  } else {
    hasLimitClause = false;
  }
  if (!isOffsetFirst && hasLimitClause && p.isKeyword("offset")) parseOffset(p, limits);
}

function parseOffset(p: TokenStream, limits: LimitClauses): void {
  p.next();
  limits.offset = parseExpr(p);
  if (!p.acceptKeyword("rows")) p.acceptKeyword("row");
}

/** `FOR UPDATE …` clauses, one after another, or `FOR READ ONLY` alone, which adds none. */
function parseLockingClauses(p: TokenStream, locking: LockingClause[]): void {
  if (p.isKeywords("for", "read")) {
    parseLocking(p);
    return;
  }
  while (p.isKeyword("for")) {
    if (p.isKeyword("read", 1)) {
      p.next();
      throw p.unexpected();
    }
    const clause = parseLocking(p);
    if (clause !== undefined) locking.push(clause);
  }
}

/** ORDER BY, LIMIT/OFFSET/FETCH and locking clauses, in either of PostgreSQL's orders. */
function parseSelectClauses(
  p: TokenStream,
  pos: number,
  body: QueryBody,
  withClause: WithClause | undefined,
): SelectStatement {
  // GROUP and ORDER are reserved, so BY must follow: a missing BY is an error at the word after.
  const orderBy = p.acceptKeyword("order") ? (p.expectKeyword("by"), parseSortList(p)) : [];
  // PostgreSQL's grammar: [LIMIT|FETCH] [OFFSET] in either order, and locking clauses before or
  // after them but not between; a second LIMIT or OFFSET is a syntax error at that word.
  const limits: LimitClauses = { isLimitWithTies: false };
  const locking: LockingClause[] = [];
  if (p.isKeyword("for")) {
    parseLockingClauses(p, locking);
    parseLimitClauses(p, limits);
  } else {
    parseLimitClauses(p, limits);
    parseLockingClauses(p, locking);
  }
  const { limit, offset, isLimitWithTies } = limits;
  if (p.isKeywords("order", "by")) throw p.unexpected();
  const statement: Building<SelectStatement> = { kind: "select", pos, body, orderBy, isLimitWithTies, locking };
  if (withClause !== undefined) statement.with = withClause;
  if (limit !== undefined) statement.limit = limit;
  if (offset !== undefined) statement.offset = offset;
  return statement;
}

function parseLimit(p: TokenStream): Expr | undefined {
  const pos = p.next().pos;
  if (p.acceptKeyword("all")) return undefined;
  const limit = parseExpr(p);
  if (p.isPunct(",")) {
    throw new SqlSyntaxError("LIMIT #,# syntax is not supported", {
      position: characterPosition(p.sql, pos),
      hint: "Use separate LIMIT and OFFSET clauses.",
    });
  }
  return limit;
}

/** `FETCH {FIRST | NEXT} [n] {ROW | ROWS} {ONLY | WITH TIES}`. */
function parseFetch(p: TokenStream): { limit: Expr; isWithTies: boolean } {
  const pos = p.next().pos;
  if (!p.acceptKeyword("first")) p.expectKeyword("next");
  const limit: Expr =
    p.isKeyword("row") || p.isKeyword("rows") ? { kind: "number", pos, text: "1", isInteger: true } : parseExpr(p);
  if (!p.acceptKeyword("rows")) p.expectKeyword("row");
  if (p.acceptKeyword("only")) return { limit, isWithTies: false };
  p.expectKeyword("with");
  p.expectKeyword("ties");
  return { limit, isWithTies: true };
}

/** `FOR UPDATE | NO KEY UPDATE | SHARE | KEY SHARE [OF t, …] [NOWAIT | SKIP LOCKED]`; `FOR READ ONLY`. */
function parseLocking(p: TokenStream): LockingClause | undefined {
  const pos = p.next().pos;
  if (p.acceptKeywords("read", "only")) return undefined;
  let strength: LockingClause["strength"];
  if (p.acceptKeyword("update")) strength = "update";
  else if (p.acceptKeywords("no", "key", "update")) strength = "no_key_update";
  else if (p.acceptKeyword("share")) strength = "share";
  else if (p.acceptKeywords("key", "share")) strength = "key_share";
  else throw p.unexpected();
  const tables: QualifiedName[] = [];
  if (p.acceptKeyword("of")) {
    do tables.push(parseQualifiedName(p));
    while (p.acceptPunct(","));
  }
  let waitPolicy: LockingClause["waitPolicy"] = "block";
  if (p.acceptKeyword("nowait")) waitPolicy = "nowait";
  else if (p.acceptKeywords("skip", "locked")) waitPolicy = "skip_locked";
  return { kind: "locking", pos, strength, tables, waitPolicy };
}

/** Set operations by precedence climbing: UNION/EXCEPT (1) < INTERSECT (2). */
function parseSetOperations(p: TokenStream, minPrec: number): QueryBody {
  const savedDepth = p.depth;
  let left = parseSetOperand(p);
  for (;;) {
    const token = p.peek();
    const op = token.type === TokenType.Word ? token.text : "";
    const prec = op === "union" || op === "except" ? 1 : op === "intersect" ? 2 : 0;
    if (prec === 0 || prec < minPrec) break;
    p.next();
    const isAll = p.acceptKeyword("all");
    if (!isAll) p.acceptKeyword("distinct");
    p.deepen();
    const right = parseSetOperations(p, prec + 1);
    // oxlint-disable-next-line typescript/no-unsafe-type-assertion -- prec > 0 means op is one of the three
    left = { kind: "set_operation", pos: left.pos, op: op as "union", isAll, left, right };
  }
  p.restoreDepth(savedDepth);
  return left;
}

function parseSetOperand(p: TokenStream): QueryBody {
  if (p.isPunct("(")) {
    p.next();
    const inner = parseSelectStatement(p);
    p.expectPunct(")");
    return hasClauses(inner) ? inner : inner.body;
  }
  if (p.isKeyword("values")) return parseValues(p);
  if (p.isKeyword("table")) {
    const pos = p.next().pos;
    const name = parseQualifiedName(p);
    return {
      ...emptyCore(pos),
      targets: [{ kind: "res_target", pos, expr: { kind: "column_ref", pos, names: [], isStar: true } }],
      from: [{ kind: "table_ref", pos, name, isOnly: false }],
    };
  }
  if (!p.isKeyword("select")) throw p.unexpected();
  return parseSelectCore(p);
}

function emptyCore(pos: number): SelectCore {
  return { kind: "select_core", pos, distinct: false, targets: [], from: [], groupBy: [], windows: [] };
}

export function parseValues(p: TokenStream): QueryBody {
  const pos = p.next().pos;
  const rows: Expr[][] = [];
  do {
    p.expectPunct("(");
    rows.push(parseExprList(p));
    p.expectPunct(")");
  } while (p.acceptPunct(","));
  const width = rows[0]?.length ?? 0;
  const ragged = rows.find((row) => row.length !== width);
  if (ragged !== undefined) throw p.errorAt(ragged[0]?.pos ?? pos, "VALUES lists must all be the same length");
  return { kind: "values", pos, rows };
}

function parseSelectCore(p: TokenStream): SelectCore {
  const pos = p.next().pos;
  let distinct: SelectCore["distinct"] = false;
  if (p.acceptKeyword("distinct")) {
    if (p.acceptKeyword("on")) {
      p.expectPunct("(");
      distinct = parseExprList(p);
      p.expectPunct(")");
    } else {
      distinct = true;
    }
  } else {
    p.acceptKeyword("all");
  }
  // Only a plain SELECT may have an empty target list: PostgreSQL requires one after DISTINCT.
  const targets = distinct !== false || startsTargetList(p) ? parseTargetList(p) : [];
  if (p.isKeyword("into")) {
    // `SELECT 1 INTO` with no target is PostgreSQL's syntax error at the word after INTO.
    const target = p.peek(1);
    if (target.type !== TokenType.Word && target.type !== TokenType.QuotedIdent) {
      p.next();
      throw p.unexpected();
    }
    throw featureNotSupported(p, p.peek(), "SELECT INTO is not supported: use CREATE TABLE AS");
  }
  const from = p.acceptKeyword("from") ? parseFromList(p) : [];
  const where = p.acceptKeyword("where") ? parseExpr(p) : undefined;
  const grouping = p.acceptKeyword("group") ? (p.expectKeyword("by"), parseGroupBy(p)) : { groupBy: [] };
  const having = p.acceptKeyword("having") ? parseExpr(p) : undefined;
  const windows = p.acceptKeyword("window") ? parseWindowClause(p) : [];
  const core: Building<SelectCore> = { kind: "select_core", pos, distinct, targets, from, groupBy: grouping.groupBy, windows };
  if (grouping.groupingSets !== undefined) core.groupingSets = grouping.groupingSets;
  if (where !== undefined) core.where = where;
  if (having !== undefined) core.having = having;
  return core;
}

/** `SELECT FROM t` and a bare `SELECT` have an empty target list, as PostgreSQL allows. */
function startsTargetList(p: TokenStream): boolean {
  const token = p.peek();
  if (token.type === TokenType.Eof) return false;
  if (token.type === TokenType.Punct) return token.text === "(";
  if (token.type !== TokenType.Word) return true;
  const clauseWords = ["from", "where", "group", "having", "window", "order", "limit", "offset", "fetch", "for",
    "union", "intersect", "except", "into", "returning", "on"];
  return !clauseWords.includes(token.text);
}

export function parseTargetList(p: TokenStream): ResTarget[] {
  const targets = [parseTarget(p)];
  while (p.acceptPunct(",")) targets.push(parseTarget(p));
  return targets;
}

function parseTarget(p: TokenStream): ResTarget {
  const pos = p.pos;
  if (p.isOp("*")) {
    p.next();
    return { kind: "res_target", pos, expr: { kind: "column_ref", pos, names: [], isStar: true } };
  }
  const expr = parseTargetExpr(p);
  if (p.acceptKeyword("as")) return { kind: "res_target", pos, expr, alias: parseColLabel(p) };
  if (isBareLabel(p.peek())) return { kind: "res_target", pos, expr, alias: p.next().text };
  return { kind: "res_target", pos, expr };
}

/** PostgreSQL's limit on the grouping sets one GROUP BY expands to. */
export const groupingSetsMax = 4096;

/** A grouping set while parsing: its expressions. */
type ExprSets = Expr[][];

/**
 * GROUP BY [ALL | DISTINCT] items. Plain expressions make a plain list; ROLLUP, CUBE, GROUPING
 * SETS and `()` make grouping sets, expanded here as PostgreSQL does: the items' set lists are
 * combined by cartesian product, and DISTINCT drops repeated sets.
 */
function parseGroupBy(p: TokenStream): { readonly groupBy: Expr[]; readonly groupingSets?: number[][] } {
  const start = p.peek();
  const isDistinct = !p.acceptKeyword("all") && p.acceptKeyword("distinct");
  const items: Expr[] = [];
  let sets: ExprSets = [[]];
  let hasGroupingSets = false;
  do {
    if (isGroupingSetStart(p)) {
      hasGroupingSets = true;
      sets = product(p, start, sets, parseGroupingSetItem(p));
    } else {
      const expr = parseExpr(p);
      items.push(expr);
      sets = product(p, start, sets, [[expr]]);
    }
  } while (p.acceptPunct(","));
  if (!hasGroupingSets) return { groupBy: items };
  return indexGroupingSets(isDistinct ? distinctSets(sets) : sets);
}

function isGroupingSetStart(p: TokenStream): boolean {
  return ((p.isKeyword("rollup") || p.isKeyword("cube")) && p.isPunct("(", 1)) || p.isKeywords("grouping", "sets") || (p.isPunct("(") && p.isPunct(")", 1));
}

/** One ROLLUP, CUBE, GROUPING SETS or `()`: its list of sets. */
function parseGroupingSetItem(p: TokenStream): ExprSets {
  if (p.acceptPunct("(")) {
    p.expectPunct(")");
    return [[]];
  }
  if (p.acceptKeyword("grouping")) {
    p.expectKeyword("sets");
    p.expectPunct("(");
    const sets: ExprSets = [];
    do sets.push(...(isGroupingSetStart(p) ? parseGroupingSetItem(p) : [parseSetElement(p)]));
    while (p.acceptPunct(","));
    p.expectPunct(")");
    return sets;
  }
  const isRollup = p.next().text === "rollup";
  p.expectPunct("(");
  const elements: Expr[][] = [];
  do elements.push(parseSetElement(p));
  while (p.acceptPunct(","));
  p.expectPunct(")");
  if (isRollup) return elements.map((_, i) => elements.slice(0, elements.length - i).flat()).concat([[]]);
  // CUBE: every subset, PostgreSQL's order (the full set first, the empty set last).
  const subsets: ExprSets = [];
  for (let mask = (1 << elements.length) - 1; mask >= 0; mask--) subsets.push(elements.filter((_, i) => (mask & (1 << (elements.length - 1 - i))) !== 0).flat());
  return subsets;
}

/** An element of ROLLUP, CUBE or GROUPING SETS: an expression, or a parenthesized list of them. */
function parseSetElement(p: TokenStream): Expr[] {
  if (!p.isPunct("(")) return [parseExpr(p)];
  const start = p.index;
  p.next();
  const list: Expr[] = [];
  do list.push(parseExpr(p));
  while (p.acceptPunct(","));
  if (p.acceptPunct(")") && (p.isPunct(",") || p.isPunct(")"))) return list;
  // Not a list after all, e.g. `(a + b) * 2`: an expression that starts with a parenthesis.
  p.rewind(start);
  return [parseExpr(p)];
}

function product(p: TokenStream, start: Token, left: ExprSets, right: ExprSets): ExprSets {
  if (left.length * right.length > groupingSetsMax) {
    throw new StatementTooComplexError(`too many grouping sets present (maximum ${groupingSetsMax})`, { position: characterPosition(p.sql, start.pos) });
  }
  return left.flatMap((set) => right.map((other) => [...set, ...other]));
}

/** GROUP BY DISTINCT: each set once (sets equal as sets of expressions). */
function distinctSets(sets: ExprSets): ExprSets {
  const seen = new Set<string>();
  return sets.filter((set) => {
    const key = [...new Set(set.map((expr) => deparseExpr(expr)))].sort().join("\u0000");
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The distinct expressions of all sets (by their text, in order of appearance), and each set as indexes into them. */
function indexGroupingSets(sets: ExprSets): { readonly groupBy: Expr[]; readonly groupingSets: number[][] } {
  const groupBy: Expr[] = [];
  const texts: string[] = [];
  const groupingSets = sets.map((set) => {
    const indexes: number[] = [];
    for (const expr of set) {
      const text = deparseExpr(expr);
      let index = texts.indexOf(text);
      if (index < 0) {
        index = texts.length;
        texts.push(text);
        groupBy.push(expr);
      }
      if (!indexes.includes(index)) indexes.push(index);
    }
    return indexes;
  });
  return { groupBy, groupingSets };
}

function parseWindowClause(p: TokenStream): WindowDef[] {
  const windows: WindowDef[] = [];
  do {
    const name = parseColId(p);
    p.expectKeyword("as");
    windows.push(parseWindowSpec(p, name));
  } while (p.acceptPunct(","));
  return windows;
}

// ---------------------------------------------------------------------------------------------
// WITH

export function parseWith(p: TokenStream): WithClause {
  const pos = p.expectKeyword("with").pos;
  const isRecursive = p.acceptKeyword("recursive");
  const ctes: CommonTableExpr[] = [];
  do ctes.push(parseCte(p));
  while (p.acceptPunct(","));
  return { kind: "with", pos, isRecursive, ctes };
}

function parseCte(p: TokenStream): CommonTableExpr {
  const pos = p.pos;
  const name = parseColId(p);
  const columns = p.isPunct("(") ? parseParenthesizedColumns(p) : [];
  p.expectKeyword("as");
  let isMaterialized: boolean | undefined;
  if (p.acceptKeyword("materialized")) isMaterialized = true;
  else if (p.acceptKeywords("not", "materialized")) isMaterialized = false;
  p.expectPunct("(");
  const query = p.nested(() => parseCteBody(p));
  p.expectPunct(")");
  if (p.isKeyword("search") || p.isKeyword("cycle")) {
    throw featureNotSupported(p, p.peek(), "SEARCH and CYCLE clauses are not supported");
  }
  return { kind: "cte", pos, name, columns, ...(isMaterialized === undefined ? {} : { isMaterialized }), query };
}

function parseCteBody(p: TokenStream): CommonTableExpr["query"] {
  if (p.isKeyword("insert") || p.isKeyword("update") || p.isKeyword("delete")) return p.hooks.parseModifyingStatement(p);
  return parseSelectStatement(p);
}

// ---------------------------------------------------------------------------------------------
// FROM

export function parseFromList(p: TokenStream): FromItem[] {
  const items = [parseFromItem(p)];
  while (p.acceptPunct(",")) items.push(parseFromItem(p));
  return items;
}

/** A table reference followed by any number of joins, left-associative. */
function parseFromItem(p: TokenStream): FromItem {
  const savedDepth = p.depth;
  let left = parseTablePrimary(p);
  for (;;) {
    const join = parseJoinType(p);
    if (join === undefined) break;
    p.deepen();
    const right = needsQualifier(join) ? p.nested(() => parseQualifiedJoinRight(p)) : parseTablePrimary(p);
    left = parseJoinCondition(p, left, right, join);
  }
  p.restoreDepth(savedDepth);
  return left;
}

function needsQualifier(join: JoinKind): boolean {
  return join.joinType !== "cross" && !join.isNatural;
}

/**
 * The right side of a join that still needs its ON or USING. PostgreSQL's grammar shifts a JOIN
 * that comes before the qualifier, so `a JOIN b JOIN c ON x ON y` is `a JOIN (b JOIN c ON x) ON y`:
 * joins after the right table nest into it until ON or USING closes the outer join.
 */
function parseQualifiedJoinRight(p: TokenStream): FromItem {
  const savedDepth = p.depth;
  let right = parseTablePrimary(p);
  while (!p.isKeyword("on") && !p.isKeyword("using")) {
    const join = parseJoinType(p);
    if (join === undefined) break;
    p.deepen();
    const inner = needsQualifier(join) ? p.nested(() => parseQualifiedJoinRight(p)) : parseTablePrimary(p);
    right = parseJoinCondition(p, right, inner, join);
  }
  p.restoreDepth(savedDepth);
  return right;
}

interface JoinKind {
  readonly joinType: "inner" | "left" | "right" | "full" | "cross";
  readonly isNatural: boolean;
}

function parseJoinType(p: TokenStream): JoinKind | undefined {
  if (p.acceptKeywords("cross", "join")) return { joinType: "cross", isNatural: false };
  const start = p.index;
  const isNatural = p.acceptKeyword("natural");
  let joinType: JoinKind["joinType"] = "inner";
  if (p.acceptKeyword("inner")) joinType = "inner";
  else if (p.acceptKeyword("left")) joinType = "left";
  else if (p.acceptKeyword("right")) joinType = "right";
  else if (p.acceptKeyword("full")) joinType = "full";
  if (joinType !== "inner") p.acceptKeyword("outer");
  if (p.acceptKeyword("join")) return { joinType, isNatural };
  if (p.index !== start) throw p.unexpected();
  return undefined;
}

function parseJoinCondition(p: TokenStream, left: FromItem, right: FromItem, join: JoinKind): FromItem {
  const node: Building<JoinExpr> = {
    kind: "join",
    pos: left.pos,
    joinType: join.joinType,
    isNatural: join.isNatural,
    left,
    right,
  };
  if (join.joinType === "cross" || join.isNatural) return node;
  if (p.acceptKeyword("on")) node.on = parseExpr(p);
  else if (p.acceptKeyword("using")) node.using = parseParenthesizedColumns(p);
  else throw p.unexpected();
  return node;
}

function parseTablePrimary(p: TokenStream): FromItem {
  const pos = p.pos;
  const isLateral = p.acceptKeyword("lateral");
  if (p.isPunct("(")) return p.nested(() => parseParenthesizedFrom(p, pos, isLateral));
  if (p.isKeyword("rows") && p.isKeyword("from", 1)) throw featureNotSupported(p, p.peek(), "ROWS FROM is not supported");
  if (isFunctionInFrom(p)) {
    const call = parseExprPrec(p, Prec.Typecast + 1);
    const withOrdinality = p.acceptKeywords("with", "ordinality");
    const alias = parseOptionalAlias(p, true);
    return { kind: "function_ref", pos, call, ...(alias ? { alias } : {}), isLateral, withOrdinality };
  }
  if (isLateral) throw p.unexpected();
  const isOnly = p.acceptKeyword("only");
  const hasParens = isOnly && p.acceptPunct("(");
  const name = parseQualifiedName(p);
  if (hasParens) p.expectPunct(")");
  p.acceptOp("*");
  if (p.isKeyword("tablesample")) throw featureNotSupported(p, p.peek(), "TABLESAMPLE is not supported");
  const table: Building<TableRef> = { kind: "table_ref", pos, name, isOnly };
  const alias = parseOptionalAlias(p, true);
  if (alias !== undefined) table.alias = alias;
  return table;
}

/** `name(` or `schema.name(`, or a special-syntax function such as `current_date` in FROM. */
function isFunctionInFrom(p: TokenStream): boolean {
  let i = 0;
  for (;;) {
    const token = p.peek(i);
    // `FROM current_date` and `FROM session_user` are function calls without parentheses.
    if (token.type === TokenType.Word && i === 0 && isSqlValueFunction(token.text)) return true;
    if (token.type === TokenType.Word && i === 0 && reservedKeywords.has(token.text)) return false;
    if (token.type !== TokenType.Word && token.type !== TokenType.QuotedIdent) return false;
    if (p.isPunct("(", i + 1)) return true;
    if (!p.isPunct(".", i + 1)) return false;
    i += 2;
  }
}

function parseParenthesizedFrom(p: TokenStream, pos: number, isLateral: boolean): FromItem {
  if (startsQuery(p, 1)) {
    const query = tryParenthesizedQuery(p);
    if (query !== undefined) {
      const alias = parseOptionalAlias(p, true);
      return { kind: "subquery_ref", pos, query, ...(alias ? { alias } : {}), isLateral };
    }
  }
  if (isLateral) throw p.unexpected();
  p.expectPunct("(");
  const inner = parseFromItem(p);
  // Only a join may stand in parentheses: PostgreSQL's grammar has no `(t)` or `(f(x))` in FROM.
  if (inner.kind !== "join") throw p.unexpected();
  p.expectPunct(")");
  const alias = parseOptionalAlias(p, true);
  if (alias === undefined) return inner;
  return { ...inner, alias };
}

/** `[AS] name [(col, …)]`; without AS the name must not be a keyword that continues the clause. */
export function parseOptionalAlias(p: TokenStream, allowColumns: boolean): Alias | undefined {
  const pos = p.pos;
  let name: string;
  if (p.acceptKeyword("as")) {
    name = parseColId(p);
  } else {
    const token = p.peek();
    const isAlias =
      token.type === TokenType.QuotedIdent ||
      (token.type === TokenType.Word && isColId(token.text) && !aliasStopWords.has(token.text));
    if (!isAlias) return undefined;
    name = parseColId(p);
  }
  const columns = allowColumns && p.isPunct("(") ? parseParenthesizedColumns(p) : [];
  return { kind: "alias", pos, name, columns };
}

/**
 * Words that may follow a FROM item and so are never taken as its alias without AS (PostgreSQL
 * resolves the same conflicts by precedence). Unreserved words that never follow one (SET,
 * VALUES, OVERRIDING) are aliases, as in PostgreSQL: `FROM t set` is `t AS set`.
 */
const aliasStopWords: ReadonlySet<string> = new Set([
  "on", "using", "where", "natural", "join", "inner", "left", "right", "full", "cross", "window",
  "returning", "group", "having", "order", "limit", "offset", "fetch", "for", "union", "intersect", "except",
  "with", "tablesample", "default", "select",
]);

export function isReservedWord(text: string): boolean {
  return reservedKeywords.has(text);
}
