/**
 * `parse(sql)`: the entry point. Splits the text into statements at top-level semicolons (the
 * simple query protocol sends several in one string), skips empty ones, and dispatches on the
 * first word.
 *
 * Limits (each an explicit, documented option): `lengthMax` characters of input (54000
 * program_limit_exceeded) and `depthMax` levels of nesting (54001 statement_too_complex). A
 * stack overflow that slips past the depth guard is still reported as 54001, never as a
 * `RangeError`.
 */
import { ProgramLimitExceededError, StatementTooComplexError, assert } from "@omnikv/base";
import type { Statement } from "./ast.ts";
import { tokenize } from "./lexer.ts";
import { TokenType } from "./lexer.ts";
import { featureNotSupported } from "./parse-names.ts";
import {
  parseAlterOther,
  parseAlterTable,
  parseCreateIndex,
  parseCreateRelation,
  parseCreateSchema,
  parseDrop,
} from "./parse-ddl.ts";
import { parseAlterDomain, parseAlterType, parseCreateDomain, parseCreateType } from "./parse-type-ddl.ts";
import { parseCopy, parseDelete, parseInsert, parseLock, parseTruncate, parseUpdate } from "./parse-dml.ts";
import { parseSelectStatement, parseWith } from "./parse-select.ts";
import {
  parseAlterRole,
  parseAnalyze,
  parseCreateRole,
  parseDeallocate,
  parseDiscard,
  parseAlterDefaultPrivileges,
  parseDropOwned,
  parseDropRole,
  parseReassignOwned,
  parseComment,
  parseExecute,
  parseExplain,
  parseGrant,
  parsePrepare,
  parseReset,
  parseSet,
  parseShow,
  parseTransactionStatement,
  parseVacuum,
} from "./parse-utility.ts";
import { TokenStream, type GrammarHooks } from "./token-stream.ts";

export interface ParseOptions {
  /** Longest accepted input, in UTF-16 code units. Default 64 Mi. */
  readonly lengthMax?: number;
  /** Deepest accepted nesting of expressions, subqueries and joins. Default 1,000. */
  readonly depthMax?: number;
}

/**
 * `depthMax` 500 leaves the stack room to spare: before the JIT has optimized the parser (a
 * fresh process), the deepest forms overflow Node's default stack from about 900 levels (a
 * subquery counts two), and deparsing must also get through whatever parses.
 */
export const parseDefaults = { lengthMax: 64 * 1024 * 1024, depthMax: 500 } as const;

/** Parses every statement in `sql`. Throws a `DbError` (never anything else) on bad input. */
export function parse(sql: string, options: ParseOptions = {}): Statement[] {
  const lengthMax = options.lengthMax ?? parseDefaults.lengthMax;
  const depthMax = options.depthMax ?? parseDefaults.depthMax;
  assert(lengthMax > 0 && depthMax > 0, "parse limits are positive");
  if (sql.length > lengthMax) {
    throw new ProgramLimitExceededError(
      `statement of ${sql.length} characters exceeds the limit of ${lengthMax} characters`,
    );
  }
  try {
    const p = new TokenStream(sql, tokenize(sql), { depthMax }, grammarHooks);
    return parseStatements(p);
  } catch (error) {
    if (error instanceof RangeError) {
      throw new StatementTooComplexError("stack depth limit exceeded", {
        cause: error,
        hint: `The statement nests too deeply; the parser accepts ${depthMax} levels.`,
      });
    }
    throw error;
  }
}

/** The mutually recursive entry points, handed to the modules that must not import them. */
const grammarHooks: GrammarHooks = {
  parseQuery: parseSelectStatement,
  parseModifyingStatement: (p) => {
    if (p.isKeyword("insert")) return parseInsert(p, undefined);
    if (p.isKeyword("update")) return parseUpdate(p, undefined);
    return parseDelete(p, undefined);
  },
};

function parseStatements(p: TokenStream): Statement[] {
  const statements: Statement[] = [];
  for (;;) {
    while (p.acceptPunct(";")) {
      // Empty statements are allowed, as in PostgreSQL.
    }
    if (p.atEnd()) return statements;
    statements.push(parseStatement(p));
    if (!p.atEnd() && !p.isPunct(";")) throw p.unexpected();
  }
}

/** One statement, dispatched on its first word. */
export function parseStatement(p: TokenStream): Statement {
  const token = p.peek();
  if (p.isPunct("(")) return parseSelectStatement(p);
  if (token.type !== TokenType.Word) throw p.unexpected();
  switch (token.text) {
    case "select":
    case "values":
    case "table":
      return parseSelectStatement(p);
    case "with":
      return parseWithStatement(p);
    case "insert":
      return parseInsert(p, undefined);
    case "update":
      return parseUpdate(p, undefined);
    case "delete":
      return parseDelete(p, undefined);
    case "truncate":
      return parseTruncate(p);
    case "lock":
      return parseLock(p);
    case "copy":
      return parseCopy(p);
    case "create":
      return parseCreate(p);
    case "drop":
      return parseDropStatement(p);
    case "alter":
      return parseAlter(p);
    default:
      return parseUtilityStatement(p);
  }
}

function parseUtilityStatement(p: TokenStream): Statement {
  const token = p.peek();
  switch (token.text) {
    case "begin":
    case "start":
    case "commit":
    case "end":
    case "rollback":
    case "abort":
    case "savepoint":
    case "release":
      return parseTransactionStatement(p, token);
    case "set":
      return parseSet(p);
    case "reset":
      return parseReset(p);
    case "show":
      return parseShow(p);
    case "discard":
      return parseDiscard(p);
    case "prepare":
      return parsePrepare(p, () => parseStatement(p));
    case "execute":
      return parseExecute(p);
    case "deallocate":
      return parseDeallocate(p);
    case "explain":
      return parseExplain(p, () => parseStatement(p));
    case "analyze":
    case "analyse":
      return parseAnalyze(p);
    case "vacuum":
      return parseVacuum(p);
    case "checkpoint":
      return { kind: "checkpoint", pos: p.next().pos };
    case "grant":
    case "revoke":
      return parseGrant(p);
    case "reassign":
      return parseReassignOwned(p);
    case "comment":
      return parseComment(p);
    default:
      if (unsupportedStatements.has(token.text)) {
        throw featureNotSupported(p, token, `${token.text.toUpperCase()} is not supported`);
      }
      throw p.unexpected();
  }
}

/** PostgreSQL statements OmniKV-TS does not implement: a clear 0A000, not a syntax error. */
const unsupportedStatements: ReadonlySet<string> = new Set([
  "listen", "notify", "unlisten", "do", "call", "cluster", "reindex",
  "refresh", "security", "fetch", "move", "declare", "close", "load", "import", "merge",
]);

/** WITH … SELECT is a query; WITH … INSERT/UPDATE/DELETE attaches the CTEs to the DML. */
function parseWithStatement(p: TokenStream): Statement {
  const start = p.index;
  const withClause = parseWith(p);
  if (p.isKeyword("insert")) return parseInsert(p, withClause);
  if (p.isKeyword("update")) return parseUpdate(p, withClause);
  if (p.isKeyword("delete")) return parseDelete(p, withClause);
  p.rewind(start);
  return parseSelectStatement(p);
}

function parseCreate(p: TokenStream): Statement {
  const pos = p.next().pos;
  const orReplace = p.acceptKeywords("or", "replace");
  if (p.acceptKeyword("unique")) {
    p.expectKeyword("index");
    return parseCreateIndex(p, pos, true);
  }
  if (p.acceptKeyword("index")) return parseCreateIndex(p, pos, false);
  if (p.acceptKeyword("schema")) return parseCreateSchema(p, pos);
  if (!orReplace && p.acceptKeyword("type")) return parseCreateType(p, pos);
  if (!orReplace && p.acceptKeyword("domain")) return parseCreateDomain(p, pos);
  if (p.isKeyword("role") || p.isKeyword("user") || p.isKeyword("group")) return parseCreateRole(p, pos);
  let persistence: "permanent" | "temporary" | "unlogged" = "permanent";
  if (p.acceptKeyword("local") || p.acceptKeyword("global")) {
    if (!p.acceptKeyword("temporary")) p.expectKeyword("temp");
    persistence = "temporary";
  } else if (p.acceptKeyword("temporary") || p.acceptKeyword("temp")) {
    persistence = "temporary";
  } else if (p.acceptKeyword("unlogged")) {
    persistence = "unlogged";
  }
  const next = p.peek();
  if (next.type === TokenType.Word && unsupportedCreates.has(next.text)) {
    throw featureNotSupported(p, next, `CREATE ${next.text.toUpperCase()} is not supported`);
  }
  return parseCreateRelation(p, pos, orReplace, persistence);
}

const unsupportedCreates: ReadonlySet<string> = new Set([
  "function", "procedure", "trigger", "type", "domain", "extension", "database", "materialized", "policy",
  "rule", "aggregate", "operator", "collation", "cast", "publication", "subscription", "tablespace",
  "server", "foreign", "event", "language", "statistics", "transform", "conversion", "access",
]);

function parseDropStatement(p: TokenStream): Statement {
  const pos = p.next().pos;
  if (p.isKeyword("role") || p.isKeyword("user") || p.isKeyword("group")) return parseDropRole(p, pos);
  if (p.isKeyword("owned")) return parseDropOwned(p, pos);
  const next = p.peek();
  if (next.type === TokenType.Word && next.text !== "type" && next.text !== "domain" && unsupportedCreates.has(next.text)) {
    throw featureNotSupported(p, next, `DROP ${next.text.toUpperCase()} is not supported`);
  }
  return parseDrop(p, pos);
}

function parseAlter(p: TokenStream): Statement {
  const pos = p.next().pos;
  if (p.acceptKeyword("table")) return parseAlterTable(p, pos);
  if (p.acceptKeyword("type")) return parseAlterType(p, pos);
  if (p.acceptKeyword("domain")) return parseAlterDomain(p, pos);
  if (p.isKeyword("index") || p.isKeyword("view") || p.isKeyword("sequence") || p.isKeyword("schema")) {
    return parseAlterOther(p, pos);
  }
  if (p.isKeyword("role") || p.isKeyword("user") || p.isKeyword("group")) return parseAlterRole(p, pos);
  if (p.acceptKeywords("default", "privileges")) return parseAlterDefaultPrivileges(p, pos);
  const next = p.peek();
  if (next.type === TokenType.Word && (unsupportedCreates.has(next.text) || next.text === "system" || next.text === "default")) {
    throw featureNotSupported(p, next, `ALTER ${next.text.toUpperCase()} is not supported`);
  }
  throw p.unexpected();
}
