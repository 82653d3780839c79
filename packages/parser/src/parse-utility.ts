/**
 * Transaction control, session settings, prepared statements, EXPLAIN/ANALYZE/VACUUM, and the
 * role and privilege statements.
 */
import type {
  AnalyzeStatement,
  CommentStatement,
  ExplainStatement,
  GenericOption,
  GrantRoleStatement,
  GrantStatement,
  QualifiedName,
  RoleOption,
  SetStatement,
  SetValue,
  Statement,
  TransactionMode,
  TransactionStatement,
  TypeName,
  VacuumStatement,
} from "./ast.ts";
import { assertNever } from "@omnikv/base";
import { reservedKeywords } from "./keywords.ts";
import { TokenType, type Token } from "./lexer.ts";
import { parseExprList } from "./parse-expr.ts";
import {
  featureNotSupported,
  parseColId,
  parseColLabel,
  parseDropBehavior,
  parseGenericOptions,
  parseQualifiedName,
  parseRoleSpec,
  parseStringToken,
} from "./parse-names.ts";
import { parseTypeName } from "./parse-type.ts";
import type { TokenStream } from "./token-stream.ts";

// ---------------------------------------------------------------------------------------------
// Transactions

/** SET TRANSACTION's modes: at least one (BEGIN may have none; a bare SET TRANSACTION is 42601). */
function parseSetTransactionModes(p: TokenStream): TransactionMode[] {
  const modes = parseTransactionModes(p);
  if (modes.length === 0) throw p.unexpected();
  return modes;
}

export function parseTransactionModes(p: TokenStream): TransactionMode[] {
  const modes: TransactionMode[] = [];
  for (;;) {
    const pos = p.pos;
    if (p.acceptKeywords("isolation", "level")) {
      modes.push({ kind: "transaction_mode", pos, isolationLevel: parseIsolationLevel(p) });
    } else if (p.acceptKeywords("read", "only")) {
      modes.push({ kind: "transaction_mode", pos, isReadOnly: true });
    } else if (p.acceptKeywords("read", "write")) {
      modes.push({ kind: "transaction_mode", pos, isReadOnly: false });
    } else if (p.acceptKeyword("deferrable")) {
      modes.push({ kind: "transaction_mode", pos, isDeferrable: true });
    } else if (p.acceptKeywords("not", "deferrable")) {
      modes.push({ kind: "transaction_mode", pos, isDeferrable: false });
    } else {
      return modes;
    }
    if (!p.acceptPunct(",") && modes.length > 0 && !startsTransactionMode(p)) return modes;
  }
}

function startsTransactionMode(p: TokenStream): boolean {
  return p.isKeyword("isolation") || p.isKeyword("read") || p.isKeyword("deferrable") || p.isKeywords("not", "deferrable");
}

function parseIsolationLevel(p: TokenStream): NonNullable<TransactionMode["isolationLevel"]> {
  if (p.acceptKeyword("serializable")) return "serializable";
  // The error is at the word after READ or REPEATABLE, where PostgreSQL's grammar fails.
  if (p.acceptKeyword("repeatable")) {
    p.expectKeyword("read");
    return "repeatable read";
  }
  p.expectKeyword("read");
  if (p.acceptKeyword("committed")) return "read committed";
  if (p.acceptKeyword("uncommitted")) return "read uncommitted";
  throw p.unexpected();
}

function transaction(pos: number, action: TransactionStatement["action"], extra: Partial<TransactionStatement> = {}): TransactionStatement {
  return { kind: "transaction", pos, action, modes: [], chain: false, ...extra };
}

function acceptWorkOrTransaction(p: TokenStream): void {
  if (!p.acceptKeyword("work")) p.acceptKeyword("transaction");
}

/** BEGIN, START TRANSACTION, COMMIT, END, ROLLBACK [TO SAVEPOINT], ABORT, SAVEPOINT, RELEASE. */
export function parseTransactionStatement(p: TokenStream, word: Token): TransactionStatement {
  const pos = word.pos;
  p.next();
  switch (word.text) {
    case "begin":
      acceptWorkOrTransaction(p);
      return transaction(pos, "begin", { modes: parseTransactionModes(p) });
    case "start":
      p.expectKeyword("transaction");
      return transaction(pos, "begin", { modes: parseTransactionModes(p) });
    case "commit":
    case "end":
      if (word.text === "commit" && p.isKeyword("prepared")) throw featureNotSupported(p, p.peek(), "two-phase commit is not supported");
      acceptWorkOrTransaction(p);
      return transaction(pos, "commit", { chain: parseChain(p) });
    case "savepoint":
      return transaction(pos, "savepoint", { savepoint: parseColId(p) });
    case "release":
      p.acceptKeyword("savepoint");
      return transaction(pos, "release", { savepoint: parseColId(p) });
    default:
      return parseRollback(p, pos, word.text === "abort");
  }
}

function parseRollback(p: TokenStream, pos: number, isAbort: boolean): TransactionStatement {
  if (p.isKeyword("prepared")) throw featureNotSupported(p, p.peek(), "two-phase commit is not supported");
  acceptWorkOrTransaction(p);
  if (!isAbort && p.acceptKeyword("to")) {
    p.acceptKeyword("savepoint");
    return transaction(pos, "rollback_to", { savepoint: parseColId(p) });
  }
  return transaction(pos, "rollback", { chain: parseChain(p) });
}

function parseChain(p: TokenStream): boolean {
  if (p.acceptKeywords("and", "chain")) return true;
  p.acceptKeywords("and", "no", "chain");
  return false;
}

// ---------------------------------------------------------------------------------------------
// SET, RESET, SHOW, DISCARD

export function parseSet(p: TokenStream): Statement {
  const pos = p.next().pos;
  const isLocal = p.acceptKeyword("local");
  if (!isLocal) {
    if (p.acceptKeywords("session", "authorization")) {
      const values = p.acceptKeyword("default") ? [] : [parseSetValue(p)];
      return { kind: "set", pos, name: "session_authorization", isLocal, values };
    }
    if (p.acceptKeywords("session", "characteristics")) {
      p.expectKeyword("as");
      p.expectKeyword("transaction");
      return { kind: "set_transaction", pos, isSessionDefault: true, modes: parseSetTransactionModes(p) };
    }
    if (p.isKeyword("session") && !p.isOp("=", 1) && !p.isKeyword("to", 1)) p.next();
  }
  if (p.acceptKeyword("transaction")) {
    if (p.isKeyword("snapshot")) throw featureNotSupported(p, p.peek(), "SET TRANSACTION SNAPSHOT is not supported");
    return { kind: "set_transaction", pos, isSessionDefault: false, modes: parseSetTransactionModes(p) };
  }
  const special = parseSpecialSet(p, pos, isLocal);
  if (special !== undefined) return special;
  const name = parseSettingName(p);
  if (!p.acceptKeyword("to")) p.expectOp("=");
  if (p.acceptKeyword("default")) return { kind: "set", pos, name, isLocal, values: [] };
  const values: SetValue[] = [];
  do values.push(parseSetValue(p));
  while (p.acceptPunct(","));
  return { kind: "set", pos, name, isLocal, values };
}

/** SET TIME ZONE, SET NAMES, SET SCHEMA, SET ROLE, SET SESSION AUTHORIZATION. */
function parseSpecialSet(p: TokenStream, pos: number, isLocal: boolean): SetStatement | undefined {
  const make = (name: string, values: SetValue[]): SetStatement => ({ kind: "set", pos, name, isLocal, values });
  if (p.acceptKeywords("time", "zone")) {
    if (p.acceptKeyword("local") || p.acceptKeyword("default")) return make("timezone", []);
    if (p.isKeyword("interval")) throw featureNotSupported(p, p.peek(), "SET TIME ZONE INTERVAL is not supported");
    return make("timezone", [parseSetValue(p)]);
  }
  if (p.acceptKeyword("names")) {
    return make("client_encoding", p.acceptKeyword("default") ? [] : [parseSetValue(p)]);
  }
  if (p.isKeyword("schema") && p.peek(1).type === TokenType.String) {
    p.next();
    return make("search_path", [parseSetValue(p)]);
  }
  if (p.isKeyword("role") && !p.isOp("=", 1) && !p.isKeyword("to", 1)) {
    p.next();
    return make("role", p.acceptKeyword("none") ? [] : [parseSetValue(p)]);
  }
  return undefined;
}

/** `name` or `extension.name` (custom settings are dotted). */
function parseSettingName(p: TokenStream): string {
  let name = parseColId(p);
  while (p.acceptPunct(".")) name += `.${parseColLabel(p)}`;
  return name;
}

/** A string, a signed number, or a word (kept as a string: `on`, `warning`, `public`). */
function parseSetValue(p: TokenStream): SetValue {
  const token = p.peek();
  if (token.type === TokenType.Op && (token.text === "-" || token.text === "+")) {
    p.next();
    const number = p.next();
    if (number.type !== TokenType.Integer && number.type !== TokenType.Decimal) throw p.unexpected(number);
    const text = token.text === "-" ? `-${number.text}` : number.text;
    return { kind: "number", pos: token.pos, text, isInteger: number.type === TokenType.Integer };
  }
  p.next();
  switch (token.type) {
    case TokenType.String:
    case TokenType.Word:
    case TokenType.QuotedIdent:
      return { kind: "string", pos: token.pos, value: token.text };
    case TokenType.Integer:
    case TokenType.Decimal:
      return { kind: "number", pos: token.pos, text: token.text, isInteger: token.type === TokenType.Integer };
    case TokenType.BitString:
    case TokenType.Param:
    case TokenType.Op:
    case TokenType.Punct:
    case TokenType.Eof:
      throw p.unexpected(token);
  }
  return assertNever(token.type);
}

/** The setting named by RESET/SHOW, with the multi-word spellings PostgreSQL accepts. */
function parseShowName(p: TokenStream): string {
  if (p.acceptKeywords("time", "zone")) return "timezone";
  if (p.acceptKeywords("transaction", "isolation", "level")) return "transaction_isolation";
  if (p.acceptKeywords("session", "authorization")) return "session_authorization";
  if (p.acceptKeyword("all")) return "all";
  return parseSettingName(p);
}

export function parseReset(p: TokenStream): Statement {
  const pos = p.next().pos;
  return { kind: "reset", pos, name: parseShowName(p) };
}

export function parseShow(p: TokenStream): Statement {
  const pos = p.next().pos;
  return { kind: "show", pos, name: parseShowName(p) };
}

export function parseDiscard(p: TokenStream): Statement {
  const pos = p.next().pos;
  if (p.acceptKeyword("all")) return { kind: "discard", pos, target: "all" };
  if (p.acceptKeyword("plans")) return { kind: "discard", pos, target: "plans" };
  if (p.acceptKeyword("sequences")) return { kind: "discard", pos, target: "sequences" };
  if (p.acceptKeyword("temp") || p.acceptKeyword("temporary")) return { kind: "discard", pos, target: "temporary" };
  throw p.unexpected();
}

// ---------------------------------------------------------------------------------------------
// PREPARE, EXECUTE, DEALLOCATE, EXPLAIN, ANALYZE, VACUUM

export function parsePrepare(p: TokenStream, parseInner: () => Statement): Statement {
  const pos = p.next().pos;
  if (p.isKeyword("transaction")) throw featureNotSupported(p, p.peek(), "two-phase commit is not supported");
  const name = parseColId(p);
  const paramTypes: TypeName[] = [];
  if (p.acceptPunct("(")) {
    do paramTypes.push(parseTypeName(p));
    while (p.acceptPunct(","));
    p.expectPunct(")");
  }
  p.expectKeyword("as");
  const statement = parseInner();
  const allowed = ["select", "insert", "update", "delete"];
  if (!allowed.includes(statement.kind)) throw p.errorAt(statement.pos, "only SELECT, INSERT, UPDATE, DELETE and VALUES can be prepared");
  return { kind: "prepare", pos, name, paramTypes, statement };
}

export function parseExecute(p: TokenStream): Statement {
  const pos = p.next().pos;
  const name = parseColId(p);
  let params: ReturnType<typeof parseExprList> = [];
  if (p.acceptPunct("(")) {
    params = parseExprList(p);
    p.expectPunct(")");
  }
  return { kind: "execute", pos, name, params };
}

export function parseDeallocate(p: TokenStream): Statement {
  const pos = p.next().pos;
  p.acceptKeyword("prepare");
  if (p.acceptKeyword("all")) return { kind: "deallocate", pos };
  return { kind: "deallocate", pos, name: parseColId(p) };
}

export function parseExplain(p: TokenStream, parseInner: () => Statement): ExplainStatement {
  const pos = p.next().pos;
  let options: GenericOption[] = [];
  if (p.isPunct("(")) {
    options = parseGenericOptions(p);
  } else {
    const optionAt = (name: string): GenericOption => ({ kind: "option", pos: p.pos, name });
    if (p.isKeyword("analyze") || p.isKeyword("analyse")) {
      options.push(optionAt("analyze"));
      p.next();
    }
    if (p.isKeyword("verbose")) {
      options.push(optionAt("verbose"));
      p.next();
    }
  }
  const statement = parseInner();
  const explainable = ["select", "insert", "update", "delete", "create_table_as", "execute"];
  if (!explainable.includes(statement.kind)) throw p.errorAt(statement.pos, "syntax error: EXPLAIN needs a query");
  return { kind: "explain", pos, options, statement };
}

function parseTableNames(p: TokenStream): QualifiedName[] {
  const tables: QualifiedName[] = [];
  if (p.atEnd() || p.isPunct(";")) return tables;
  do {
    tables.push(parseQualifiedName(p));
    if (p.isPunct("(")) throw featureNotSupported(p, p.peek(), "column lists in ANALYZE and VACUUM are not supported");
  } while (p.acceptPunct(","));
  return tables;
}

export function parseAnalyze(p: TokenStream): AnalyzeStatement {
  const pos = p.next().pos;
  const isVerbose = p.acceptKeyword("verbose");
  return { kind: "analyze", pos, tables: parseTableNames(p), isVerbose };
}

export function parseVacuum(p: TokenStream): VacuumStatement {
  const pos = p.next().pos;
  const options: GenericOption[] = [];
  if (p.isPunct("(")) {
    options.push(...parseGenericOptions(p));
  } else {
    for (const word of ["full", "freeze", "verbose", "analyze"]) {
      const optionPos = p.pos;
      if (p.acceptKeyword(word) || (word === "analyze" && p.acceptKeyword("analyse"))) {
        options.push({ kind: "option", pos: optionPos, name: word });
      }
    }
  }
  return { kind: "vacuum", pos, tables: parseTableNames(p), options };
}

// ---------------------------------------------------------------------------------------------
// Roles and privileges

const booleanRoleOptions: ReadonlySet<string> = new Set([
  "superuser", "createdb", "createrole", "inherit", "login", "replication", "bypassrls",
]);

export function parseRoleOptions(p: TokenStream): RoleOption[] {
  p.acceptKeyword("with");
  const options: RoleOption[] = [];
  for (;;) {
    const option = parseRoleOption(p);
    if (option === undefined) return options;
    options.push(option);
  }
}

function parseRoleOption(p: TokenStream): RoleOption | undefined {
  const pos = p.pos;
  const token = p.peek();
  if (token.type !== TokenType.Word) return undefined;
  const word = token.text;
  const make = (name: string, value: RoleOption["value"]): RoleOption => ({ kind: "role_option", pos, name, value });
  if (booleanRoleOptions.has(word)) return (p.next(), make(word, true));
  if (word.startsWith("no") && booleanRoleOptions.has(word.slice(2))) return (p.next(), make(word.slice(2), false));
  if (p.acceptKeywords("connection", "limit")) return make("connection_limit", Number(parseSignedInteger(p)));
  if (p.acceptKeyword("encrypted") || p.isKeyword("password")) {
    p.expectKeyword("password");
    if (p.acceptKeyword("null")) return make("password", null);
    return make("password", parseStringToken(p));
  }
  if (p.acceptKeywords("unencrypted", "password")) throw featureNotSupported(p, token, "UNENCRYPTED PASSWORD is not supported");
  if (p.acceptKeywords("valid", "until")) return make("valid_until", parseStringToken(p));
  if (p.acceptKeywords("in", "role") || p.acceptKeywords("in", "group")) return make("in_role", parseRoleList(p));
  if (p.acceptKeyword("role") || p.acceptKeyword("user")) return make("role", parseRoleList(p));
  if (p.acceptKeyword("admin")) return make("admin", parseRoleList(p));
  if (p.acceptKeyword("sysid")) return (parseSignedInteger(p), make("sysid", null));
  return undefined;
}

function parseSignedInteger(p: TokenStream): string {
  const sign = p.acceptOp("-") ? "-" : "";
  const token = p.next();
  if (token.type !== TokenType.Integer) throw p.unexpected(token);
  return sign + token.text;
}

export function parseRoleList(p: TokenStream): string[] {
  const roles = [parseRoleSpec(p)];
  while (p.acceptPunct(",")) roles.push(parseRoleSpec(p));
  return roles;
}

/** CREATE ROLE | USER | GROUP name [WITH] options, after the CREATE keyword. */
export function parseCreateRole(p: TokenStream, pos: number): Statement {
  const isUser = p.next().text === "user";
  const name = parseRoleSpec(p);
  return { kind: "create_role", pos, name, isUser, options: parseRoleOptions(p) };
}

export function parseAlterRole(p: TokenStream, pos: number): Statement {
  p.next();
  const name = parseRoleSpec(p);
  if (p.acceptKeyword("rename")) {
    p.expectKeyword("to");
    return { kind: "rename", pos, objectType: "role", name: [name], ifExists: false, newName: parseRoleSpec(p) };
  }
  if (p.isKeyword("set") || p.isKeyword("reset") || p.isKeyword("in")) {
    throw featureNotSupported(p, p.peek(), `ALTER ROLE … ${p.peek().text.toUpperCase()} is not supported`);
  }
  return { kind: "alter_role", pos, name, options: parseRoleOptions(p) };
}

/** ALTER DEFAULT PRIVILEGES [FOR ROLE …] [IN SCHEMA …] GRANT|REVOKE … ON TABLES|SEQUENCES|SCHEMAS …, after PRIVILEGES. */
export function parseAlterDefaultPrivileges(p: TokenStream, pos: number): Statement {
  const roles: string[] = [];
  const schemas: string[] = [];
  for (;;) {
    if (p.acceptKeyword("for")) {
      if (!p.acceptKeyword("role")) p.expectKeyword("user");
      roles.push(...parseRoleList(p));
    } else if (p.acceptKeyword("in")) {
      p.expectKeyword("schema");
      do schemas.push(parseColId(p));
      while (p.acceptPunct(","));
    } else {
      break;
    }
  }
  const first = p.peek();
  if (first.type !== TokenType.Word || (first.text !== "grant" && first.text !== "revoke")) throw p.unexpected();
  p.next();
  const isGrant = first.text === "grant";
  const isOptionRevoke = !isGrant && p.acceptKeywords("grant", "option", "for");
  const items = parsePrivilegeItems(p);
  const unknown = items?.find((item) => !privilegeWords.has(item.name));
  if (unknown !== undefined) throw p.errorAt(unknown.token.pos, `unrecognized privilege type "${unknown.name}"`);
  if (items?.some((item) => item.columns !== undefined) === true) throw featureNotSupported(p, p.peek(), "default privileges cannot name columns");
  p.expectKeyword("on");
  const objectType = parseDefaultObjectType(p);
  const rest = parseGranteesRest(p, isGrant, isOptionRevoke);
  const action: GrantStatement = { kind: "grant", pos: first.pos, isGrant, privileges: (items ?? []).map((item) => item.name), objectType, objects: [], isAllInSchema: false, ...rest };
  return { kind: "alter_default_privileges", pos, roles, schemas, action };
}

function parseDefaultObjectType(p: TokenStream): GrantStatement["objectType"] {
  if (p.acceptKeyword("tables")) return "table";
  if (p.acceptKeyword("sequences")) return "sequence";
  if (p.acceptKeyword("schemas")) return "schema";
  if (p.acceptKeyword("functions") || p.acceptKeyword("routines")) return "function";
  if (p.isKeyword("types")) throw featureNotSupported(p, p.peek(), "default privileges on types are not supported");
  throw p.unexpected();
}

/** TO|FROM grantees [WITH GRANT OPTION] [GRANTED BY r] [CASCADE|RESTRICT]. */
function parseGranteesRest(p: TokenStream, isGrant: boolean, isOptionRevoke: boolean): Pick<GrantStatement, "grantees" | "withGrantOption" | "behavior"> {
  if (isGrant) p.expectKeyword("to");
  else p.expectKeyword("from");
  const grantees = parseRoleList(p);
  const withGrantOption = (isGrant && p.acceptKeywords("with", "grant", "option")) || isOptionRevoke;
  if (p.acceptKeywords("granted", "by")) parseRoleSpec(p);
  const behavior = isGrant ? undefined : parseDropBehavior(p);
  return { grantees, withGrantOption, ...(behavior ? { behavior } : {}) };
}

/** DROP OWNED BY roles [CASCADE | RESTRICT], after DROP. */
export function parseDropOwned(p: TokenStream, pos: number): Statement {
  p.expectKeyword("owned");
  p.expectKeyword("by");
  const roles = parseRoleList(p);
  const behavior = parseDropBehavior(p);
  return { kind: "drop_owned", pos, roles, ...(behavior === undefined ? {} : { behavior }) };
}

/** REASSIGN OWNED BY roles TO role. */
export function parseReassignOwned(p: TokenStream): Statement {
  const pos = p.next().pos;
  p.expectKeyword("owned");
  p.expectKeyword("by");
  const roles = parseRoleList(p);
  p.expectKeyword("to");
  return { kind: "reassign_owned", pos, roles, newOwner: parseRoleSpec(p) };
}

export function parseDropRole(p: TokenStream, pos: number): Statement {
  p.next();
  const ifExists = p.acceptKeywords("if", "exists");
  return { kind: "drop_role", pos, names: parseRoleList(p), ifExists };
}

const privilegeWords: ReadonlySet<string> = new Set([
  "select", "insert", "update", "delete", "truncate", "references", "trigger", "usage", "create", "connect",
  "temporary", "temp", "execute",
]);

/** GRANT/REVOKE of privileges ON objects, or of roles TO roles. */
export function parseGrant(p: TokenStream): GrantStatement | GrantRoleStatement {
  const first = p.next();
  const isGrant = first.text === "grant";
  const isOptionRevoke = !isGrant && (p.acceptKeywords("grant", "option", "for") || p.acceptKeywords("admin", "option", "for"));
  const items = parsePrivilegeItems(p);
  if (!p.acceptKeyword("on")) {
    if (items === undefined) throw p.unexpected();
    const reservedItem = items.find((item) => item.isPrivilege && reservedKeywords.has(item.token.text));
    if (reservedItem !== undefined) throw p.unexpected(reservedItem.token);
    const roles = items.map((item) => item.name);
    if (isGrant) p.expectKeyword("to");
    else p.expectKeyword("from");
    const grantees = parseRoleList(p);
    const withAdminOption = isGrant && p.acceptKeywords("with", "admin", "option");
    const behavior = isGrant ? undefined : parseDropBehavior(p);
    return { kind: "grant_role", pos: first.pos, isGrant, roles, grantees, withAdminOption: withAdminOption || isOptionRevoke, ...(behavior ? { behavior } : {}) };
  }
  // As in PostgreSQL, a privilege is a name (`"select"` works); an unknown one is an error.
  const unknown = items?.find((item) => !privilegeWords.has(item.name));
  if (unknown !== undefined) throw p.errorAt(unknown.token.pos, `unrecognized privilege type "${unknown.name}"`);
  const privileges = (items ?? []).map((item) => item.name);
  const grant = parsePrivilegeGrantRest(p, first.pos, isGrant, privileges, isOptionRevoke);
  if (items === undefined || !items.some((item) => item.columns !== undefined)) return grant;
  return { ...grant, columns: items.map((item) => item.columns ?? []) };
}

/** `( col, … )` after a privilege. */
function parseColumnList(p: TokenStream): string[] {
  p.expectPunct("(");
  const columns = [parseColId(p)];
  while (p.acceptPunct(",")) columns.push(parseColId(p));
  p.expectPunct(")");
  return columns;
}

interface PrivilegeOrRole {
  readonly token: Token;
  readonly name: string;
  /** An unquoted privilege keyword (SELECT, USAGE, …) rather than a role name. */
  readonly isPrivilege: boolean;
  /** `SELECT (a, b)`: the columns a privilege is limited to. */
  readonly columns?: readonly string[];
}

/**
 * The list after GRANT/REVOKE: privileges if ON follows, roles otherwise, which is only known
 * after the list. Undefined for ALL [PRIVILEGES].
 */
function parsePrivilegeItems(p: TokenStream): PrivilegeOrRole[] | undefined {
  if (p.acceptKeyword("all")) {
    p.acceptKeyword("privileges");
    return undefined;
  }
  const items: PrivilegeOrRole[] = [];
  do {
    const token = p.peek();
    if (token.type === TokenType.Word && privilegeWords.has(token.text)) {
      p.next();
      const name = token.text === "temp" ? "temporary" : token.text;
      items.push({ token, name, isPrivilege: true, ...(p.isPunct("(") ? { columns: parseColumnList(p) } : {}) });
    } else {
      items.push({ token, name: parseRoleSpec(p), isPrivilege: false });
    }
  } while (p.acceptPunct(","));
  return items;
}

function parsePrivilegeGrantRest(
  p: TokenStream,
  pos: number,
  isGrant: boolean,
  privileges: string[],
  isOptionRevoke: boolean,
): GrantStatement {
  let objectType: GrantStatement["objectType"] = "table";
  let isAllInSchema = false;
  let objects: QualifiedName[];
  if (p.acceptKeyword("all")) {
    objectType = p.acceptKeyword("tables") ? "table" : (p.expectKeyword("sequences"), "sequence");
    p.expectKeyword("in");
    p.expectKeyword("schema");
    isAllInSchema = true;
    objects = parseNameList(p);
  } else {
    if (p.acceptKeyword("sequence")) objectType = "sequence";
    else if (p.acceptKeyword("schema")) objectType = "schema";
    else if (p.acceptKeyword("database")) objectType = "database";
    else if (p.acceptKeyword("function")) throw featureNotSupported(p, p.peek(), "privileges on functions are not supported");
    else p.acceptKeyword("table");
    objects = parseNameList(p);
  }
  if (isGrant) p.expectKeyword("to");
  else p.expectKeyword("from");
  const grantees = parseRoleList(p);
  const withGrantOption = (isGrant && p.acceptKeywords("with", "grant", "option")) || isOptionRevoke;
  if (p.acceptKeywords("granted", "by")) parseRoleSpec(p);
  const behavior = isGrant ? undefined : parseDropBehavior(p);
  return {
    kind: "grant",
    pos,
    isGrant,
    privileges,
    objectType,
    objects,
    isAllInSchema,
    grantees,
    withGrantOption,
    ...(behavior ? { behavior } : {}),
  };
}

function parseNameList(p: TokenStream): QualifiedName[] {
  const names = [parseQualifiedName(p)];
  while (p.acceptPunct(",")) names.push(parseQualifiedName(p));
  return names;
}

const commentObjectTypes: readonly CommentStatement["objectType"][] = ["table", "column", "index", "view", "sequence", "schema"];

/** `COMMENT ON {TABLE | COLUMN | INDEX | VIEW | SEQUENCE | SCHEMA} name IS {'text' | NULL}`. */
export function parseComment(p: TokenStream): Statement {
  const pos = p.next().pos;
  p.expectKeyword("on");
  const typeToken = p.peek();
  const objectType = commentObjectTypes.find((type) => p.isKeyword(type));
  if (objectType === undefined) throw featureNotSupported(p, typeToken, `COMMENT ON ${typeToken.text.toUpperCase()} is not supported`);
  p.next();
  const name = parseQualifiedName(p);
  if (objectType === "column" && name.length < 2) throw p.errorAt(typeToken.pos, "column name must be qualified");
  p.expectKeyword("is");
  const value = p.peek();
  if (p.acceptKeyword("null")) return { kind: "comment", pos, objectType, name, comment: null };
  if (value.type !== TokenType.String) throw p.unexpected(value);
  p.next();
  return { kind: "comment", pos, objectType, name, comment: value.text };
}
