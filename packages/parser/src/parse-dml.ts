/**
 * INSERT, UPDATE, DELETE, TRUNCATE and COPY. COPY's pre-9.0 keyword options (`CSV HEADER
 * DELIMITER ','`), which psql's `\copy` and older tools still send, are normalized into the
 * modern option list.
 */
import type {
  CopyStatement,
  DeleteStatement,
  Expr,
  GenericOption,
  IndexElem,
  InsertStatement,
  OnConflict,
  QualifiedName,
  ResTarget,
  SetClause,
  TruncateStatement,
  LockStatement,
  TableLockMode,
  UpdateStatement,
  WithClause,
} from "./ast.ts";
import { TokenType } from "./lexer.ts";
import { isColId } from "./keywords.ts";
import { parseExpr } from "./parse-expr.ts";
import {
  featureNotSupported,
  parseColId,
  parseColIdList,
  parseDropBehavior,
  parseGenericOptions,
  parseParenthesizedColumns,
  parseQualifiedName,
  parseStringToken,
} from "./parse-names.ts";
import { parseIndexElems } from "./parse-ddl.ts";
import { parseFromList, parseSelectStatement, parseTargetList } from "./parse-select.ts";
import type { TokenStream } from "./token-stream.ts";

export function parseInsert(p: TokenStream, withClause: WithClause | undefined): InsertStatement {
  const pos = withClause?.pos ?? p.pos;
  p.expectKeyword("insert");
  p.expectKeyword("into");
  const table = parseQualifiedName(p);
  const alias = p.acceptKeyword("as") ? parseColId(p) : undefined;
  const columns = p.isPunct("(") && !startsQueryInParens(p) ? parseInsertColumns(p) : [];
  let overriding: InsertStatement["overriding"];
  if (p.acceptKeyword("overriding")) {
    overriding = p.acceptKeyword("system") ? "system" : (p.expectKeyword("user"), "user");
    p.expectKeyword("value");
  }
  let source;
  if (!p.acceptKeywords("default", "values")) source = parseSelectStatement(p);
  const onConflict = p.isKeywords("on", "conflict") ? parseOnConflict(p) : undefined;
  const returning = parseReturning(p);
  return {
    kind: "insert",
    pos,
    ...(withClause ? { with: withClause } : {}),
    table,
    ...(alias === undefined ? {} : { alias }),
    columns,
    ...(overriding ? { overriding } : {}),
    ...(source ? { source } : {}),
    ...(onConflict ? { onConflict } : {}),
    returning,
  };
}

function startsQueryInParens(p: TokenStream): boolean {
  const token = p.peek(1);
  return token.type === TokenType.Word && (token.text === "select" || token.text === "values" || token.text === "with");
}

function parseInsertColumns(p: TokenStream): string[] {
  p.expectPunct("(");
  const columns: string[] = [];
  do {
    columns.push(parseColId(p));
    if (p.isPunct(".") || p.isPunct("[")) {
      throw featureNotSupported(p, p.peek(), "assigning to a field or an array element is not supported");
    }
  } while (p.acceptPunct(","));
  p.expectPunct(")");
  return columns;
}

function parseOnConflict(p: TokenStream): OnConflict {
  const pos = p.next().pos;
  p.next();
  let targetColumns: IndexElem[] = [];
  let targetWhere: Expr | undefined;
  let targetConstraint: string | undefined;
  if (p.isPunct("(")) {
    targetColumns = parseIndexElems(p);
    if (p.acceptKeyword("where")) targetWhere = parseExpr(p);
  } else if (p.acceptKeywords("on", "constraint")) {
    targetConstraint = parseColId(p);
  }
  p.expectKeyword("do");
  const base = {
    kind: "on_conflict",
    pos,
    targetColumns,
    ...(targetWhere ? { targetWhere } : {}),
    ...(targetConstraint === undefined ? {} : { targetConstraint }),
  } as const;
  if (p.acceptKeyword("nothing")) return { ...base, action: "nothing", set: [] };
  p.expectKeyword("update");
  if (targetColumns.length === 0 && targetConstraint === undefined) {
    throw p.errorAt(pos, "ON CONFLICT DO UPDATE requires inference specification or constraint name");
  }
  p.expectKeyword("set");
  const set = parseSetClauses(p);
  const where = p.acceptKeyword("where") ? parseExpr(p) : undefined;
  return { ...base, action: "update", set, ...(where ? { where } : {}) };
}

function parseReturning(p: TokenStream): ResTarget[] {
  return p.acceptKeyword("returning") ? parseTargetList(p) : [];
}

export function parseSetClauses(p: TokenStream): SetClause[] {
  const clauses: SetClause[] = [];
  do clauses.push(parseSetClause(p));
  while (p.acceptPunct(","));
  return clauses;
}

function parseSetClause(p: TokenStream): SetClause {
  const pos = p.pos;
  if (p.acceptPunct("(")) {
    const columns = parseColIdList(p);
    p.expectPunct(")");
    p.expectOp("=");
    return { kind: "set_clause", pos, columns, value: parseExpr(p), isMulti: true };
  }
  const column = parseColId(p);
  if (p.isPunct(".") || p.isPunct("[")) {
    throw featureNotSupported(p, p.peek(), "assigning to a field or an array element is not supported");
  }
  p.expectOp("=");
  return { kind: "set_clause", pos, columns: [column], value: parseExpr(p), isMulti: false };
}

/** `[AS] alias` after the target table of UPDATE or DELETE; SET and USING are never aliases. */
function parseDmlAlias(p: TokenStream): string | undefined {
  if (p.acceptKeyword("as")) return parseColId(p);
  const token = p.peek();
  if (token.type === TokenType.QuotedIdent) return parseColId(p);
  if (token.type === TokenType.Word && isColId(token.text) && token.text !== "set" && token.text !== "using") {
    return parseColId(p);
  }
  return undefined;
}

export function parseUpdate(p: TokenStream, withClause: WithClause | undefined): UpdateStatement {
  const pos = withClause?.pos ?? p.pos;
  p.expectKeyword("update");
  const isOnly = p.acceptKeyword("only");
  const table = parseQualifiedName(p);
  p.acceptOp("*");
  const alias = parseDmlAlias(p);
  p.expectKeyword("set");
  const set = parseSetClauses(p);
  const from = p.acceptKeyword("from") ? parseFromList(p) : [];
  const where = parseDmlWhere(p);
  const returning = parseReturning(p);
  return {
    kind: "update",
    pos,
    ...(withClause ? { with: withClause } : {}),
    table,
    isOnly,
    ...(alias === undefined ? {} : { alias }),
    set,
    from,
    ...(where ? { where } : {}),
    returning,
  };
}

function parseDmlWhere(p: TokenStream): Expr | undefined {
  if (!p.acceptKeyword("where")) return undefined;
  if (p.isKeywords("current", "of")) throw featureNotSupported(p, p.peek(), "WHERE CURRENT OF is not supported");
  return parseExpr(p);
}

export function parseDelete(p: TokenStream, withClause: WithClause | undefined): DeleteStatement {
  const pos = withClause?.pos ?? p.pos;
  p.expectKeyword("delete");
  p.expectKeyword("from");
  const isOnly = p.acceptKeyword("only");
  const table = parseQualifiedName(p);
  p.acceptOp("*");
  const alias = parseDmlAlias(p);
  const using = p.acceptKeyword("using") ? parseFromList(p) : [];
  const where = parseDmlWhere(p);
  const returning = parseReturning(p);
  return {
    kind: "delete",
    pos,
    ...(withClause ? { with: withClause } : {}),
    table,
    isOnly,
    ...(alias === undefined ? {} : { alias }),
    using,
    ...(where ? { where } : {}),
    returning,
  };
}

/** `[TABLE] [ONLY] name [*] [, …]`, as TRUNCATE and LOCK take their tables (no inheritance here, so ONLY and * change nothing). */
function parseTableList(p: TokenStream): QualifiedName[] {
  p.acceptKeyword("table");
  const tables: QualifiedName[] = [];
  do {
    p.acceptKeyword("only");
    tables.push(parseQualifiedName(p));
    p.acceptOp("*");
  } while (p.acceptPunct(","));
  return tables;
}

export function parseTruncate(p: TokenStream): TruncateStatement {
  const pos = p.next().pos;
  const tables = parseTableList(p);
  let restartIdentity = false;
  if (p.acceptKeywords("restart", "identity")) restartIdentity = true;
  else p.acceptKeywords("continue", "identity");
  const behavior = parseDropBehavior(p);
  return { kind: "truncate", pos, tables, restartIdentity, ...(behavior ? { behavior } : {}) };
}

// ---------------------------------------------------------------------------------------------
// LOCK

const lockModes: readonly (readonly [TableLockMode, readonly string[]])[] = [
  ["access share", ["access", "share"]],
  ["access exclusive", ["access", "exclusive"]],
  ["row share", ["row", "share"]],
  ["row exclusive", ["row", "exclusive"]],
  ["share update exclusive", ["share", "update", "exclusive"]],
  ["share row exclusive", ["share", "row", "exclusive"]],
  ["share", ["share"]],
  ["exclusive", ["exclusive"]],
];

export function parseLock(p: TokenStream): LockStatement {
  const pos = p.next().pos;
  const tables = parseTableList(p);
  let mode: TableLockMode = "access exclusive";
  if (p.acceptKeyword("in")) {
    // Longest spelling first: SHARE ROW EXCLUSIVE before SHARE.
    const found = lockModes.find(([, words]) => p.acceptKeywords(...words));
    if (found === undefined) throw p.unexpected();
    mode = found[0];
    p.expectKeyword("mode");
  }
  const isNowait = p.acceptKeyword("nowait");
  return { kind: "lock", pos, tables, mode, isNowait };
}

// ---------------------------------------------------------------------------------------------
// COPY

export function parseCopy(p: TokenStream): CopyStatement {
  const pos = p.next().pos;
  let table: QualifiedName | undefined;
  let query;
  let columns: string[] = [];
  if (p.isPunct("(")) {
    p.next();
    query = parseSelectStatement(p);
    p.expectPunct(")");
  } else {
    table = parseQualifiedName(p);
    if (p.isPunct("(")) columns = parseParenthesizedColumns(p);
  }
  if (query !== undefined && p.isKeyword("from")) throw p.unexpected();
  const direction = p.acceptKeyword("from") ? "from" : (p.expectKeyword("to"), "to");
  const target = parseCopyTarget(p, direction);
  p.acceptKeyword("with");
  const options = p.isPunct("(") ? parseGenericOptions(p) : parseLegacyCopyOptions(p);
  const where = direction === "from" && p.acceptKeyword("where") ? parseExpr(p) : undefined;
  return {
    kind: "copy",
    pos,
    ...(table ? { table } : {}),
    columns,
    ...(query ? { query } : {}),
    direction,
    target,
    options,
    ...(where ? { where } : {}),
  };
}

function parseCopyTarget(p: TokenStream, direction: "from" | "to"): CopyStatement["target"] {
  if (p.acceptKeyword(direction === "from" ? "stdin" : "stdout")) return direction === "from" ? "stdin" : "stdout";
  if (p.isKeyword("program")) throw featureNotSupported(p, p.peek(), "COPY with PROGRAM is not supported");
  const token = p.next();
  if (token.type !== TokenType.String) throw p.unexpected(token);
  return { file: token.text };
}

/** The pre-9.0 options: BINARY, CSV, HEADER, DELIMITER [AS] 'c', NULL [AS] 's', QUOTE, ESCAPE, FORCE …, FREEZE, ENCODING. */
function parseLegacyCopyOptions(p: TokenStream): GenericOption[] {
  const options: GenericOption[] = [];
  for (;;) {
    const pos = p.pos;
    const option = (name: string, value?: string | readonly string[]): void => {
      options.push({ kind: "option", pos, name, ...(value === undefined ? {} : { value }) });
    };
    if (p.acceptKeyword("binary")) option("format", "binary");
    else if (p.acceptKeyword("csv")) option("format", "csv");
    else if (p.acceptKeyword("header")) option("header", "true");
    else if (p.acceptKeyword("freeze")) option("freeze", "true");
    else if (p.isKeyword("delimiter") || p.isKeyword("null") || p.isKeyword("quote") || p.isKeyword("escape") || p.isKeyword("encoding")) {
      const name = p.next().text;
      p.acceptKeyword("as");
      option(name, parseStringToken(p));
    } else if (p.acceptKeyword("force")) {
      option(...parseLegacyForce(p));
    } else {
      return options;
    }
  }
}

function parseLegacyForce(p: TokenStream): [string, string | readonly string[]] {
  if (p.acceptKeyword("quote")) return ["force_quote", p.acceptOp("*") ? "*" : parseColIdList(p)];
  if (p.acceptKeywords("not", "null")) return ["force_not_null", parseColIdList(p)];
  p.expectKeyword("null");
  return ["force_null", parseColIdList(p)];
}
