/**
 * DDL: CREATE/DROP/ALTER of tables, indexes, views, sequences and schemas.
 *
 * Deferrable constraints change when a constraint is checked; OmniKV-TS checks every constraint
 * immediately, so `DEFERRABLE` and `INITIALLY DEFERRED` fail with 0A000 rather than being
 * accepted and silently ignored. `NOT DEFERRABLE` and `INITIALLY IMMEDIATE` are the defaults and
 * are accepted.
 */
import type {
  AlterOwnerStatement,
  AlterSequenceStatement,
  AlterTableAction,
  AlterTableStatement,
  ColumnConstraint,
  ColumnDef,
  CreateIndexStatement,
  CreateSchemaStatement,
  CreateSequenceStatement,
  CreateTableAsStatement,
  CreateTableStatement,
  CreateViewStatement,
  DropStatement,
  ForeignKeySpec,
  GenericOption,
  IndexElem,
  NumberLiteral,
  QualifiedName,
  ReferentialAction,
  RenameStatement,
  SequenceOption,
  Statement,
  TableConstraint,
} from "./ast.ts";
import { TokenType } from "./lexer.ts";
import { Prec, parseExpr, parseExprPrec } from "./parse-expr.ts";
import {
  featureNotSupported,
  parseAnyName,
  parseColId,
  parseColLabel,
  parseDropBehavior,
  parseParenthesizedColumns,
  parseQualifiedName,
  parseRoleSpec,
} from "./parse-names.ts";
import { parseSelectStatement } from "./parse-select.ts";
import { parseTypeName } from "./parse-type.ts";
import type { TokenStream } from "./token-stream.ts";

type Persistence = CreateTableStatement["persistence"];

/** After CREATE [OR REPLACE] [TEMP | UNLOGGED]: TABLE, VIEW or SEQUENCE. */
export function parseCreateRelation(p: TokenStream, pos: number, orReplace: boolean, persistence: Persistence): Statement {
  if (p.acceptKeyword("table")) {
    if (orReplace) throw p.unexpected(p.peek());
    return parseCreateTable(p, pos, persistence);
  }
  if (p.isKeyword("view") || p.isKeyword("recursive")) {
    if (p.isKeyword("recursive")) throw featureNotSupported(p, p.peek(), "CREATE RECURSIVE VIEW is not supported");
    p.next();
    return parseCreateView(p, pos, orReplace, persistence === "temporary");
  }
  if (p.acceptKeyword("sequence") && !orReplace) return parseCreateSequence(p, pos, persistence === "temporary");
  throw p.unexpected();
}

function parseIfNotExists(p: TokenStream): boolean {
  return p.acceptKeywords("if", "not", "exists");
}

function parseCreateTable(p: TokenStream, pos: number, persistence: Persistence): Statement {
  const ifNotExists = parseIfNotExists(p);
  const name = parseQualifiedName(p);
  if (!p.isPunct("(") || isCreateTableAsColumnList(p)) {
    const columns = p.isPunct("(") ? parseParenthesizedColumns(p) : [];
    return parseCreateTableAs(p, { pos, name, ifNotExists, persistence, columns });
  }
  p.expectPunct("(");
  const columns: ColumnDef[] = [];
  const constraints: TableConstraint[] = [];
  if (!p.isPunct(")")) {
    do {
      if (startsTableConstraint(p)) constraints.push(parseTableConstraint(p));
      else if (p.isKeyword("like")) throw featureNotSupported(p, p.peek(), "CREATE TABLE … (LIKE …) is not supported");
      else columns.push(parseColumnDef(p));
    } while (p.acceptPunct(","));
  }
  p.expectPunct(")");
  if (p.isKeyword("inherits") || p.isKeyword("partition")) {
    throw featureNotSupported(p, p.peek(), `${p.peek().text.toUpperCase()} is not supported`);
  }
  const storageParams = parseStorageParams(p);
  parseTableTrailer(p);
  return { kind: "create_table", pos, name, ifNotExists, persistence, columns, constraints, storageParams };
}

/** `(a, b) AS …`: names only, so this is CREATE TABLE AS. */
function isCreateTableAsColumnList(p: TokenStream): boolean {
  let i = 1;
  for (;;) {
    const token = p.peek(i);
    if (token.type !== TokenType.Word && token.type !== TokenType.QuotedIdent) return false;
    if (p.isPunct(")", i + 1)) return p.isKeyword("as", i + 2);
    if (!p.isPunct(",", i + 1)) return false;
    i += 2;
  }
}

interface TableAsHead {
  readonly pos: number;
  readonly name: QualifiedName;
  readonly ifNotExists: boolean;
  readonly persistence: Persistence;
  readonly columns: readonly string[];
}

function parseCreateTableAs(p: TokenStream, head: TableAsHead): CreateTableAsStatement {
  parseStorageParams(p);
  p.expectKeyword("as");
  if (p.isKeyword("execute")) throw featureNotSupported(p, p.peek(), "CREATE TABLE AS EXECUTE is not supported");
  const query = parseSelectStatement(p);
  let withData = true;
  if (p.acceptKeywords("with", "no", "data")) withData = false;
  else p.acceptKeywords("with", "data");
  return { kind: "create_table_as", ...head, query, withData };
}

function parseStorageParams(p: TokenStream): GenericOption[] {
  if (p.isKeyword("with") && p.isPunct("(", 1)) {
    p.next();
    return parseGenericOptionsWithEquals(p);
  }
  p.acceptKeywords("without", "oids");
  return [];
}

/** `(name = value, …)` storage parameters; the `=` is optional, as in PostgreSQL. */
function parseGenericOptionsWithEquals(p: TokenStream): GenericOption[] {
  p.expectPunct("(");
  const options: GenericOption[] = [];
  do {
    const pos = p.pos;
    const name = parseColLabel(p);
    const hasValue = p.acceptOp("=") || !(p.isPunct(",") || p.isPunct(")"));
    const value = hasValue ? p.next() : undefined;
    if (value !== undefined && value.type !== TokenType.Word && value.type !== TokenType.String &&
        value.type !== TokenType.Integer && value.type !== TokenType.Decimal) {
      throw p.unexpected(value);
    }
    options.push({ kind: "option", pos, name, ...(value === undefined ? {} : { value: value.text }) });
  } while (p.acceptPunct(","));
  p.expectPunct(")");
  return options;
}

function parseTableTrailer(p: TokenStream): void {
  const onCommit = p.peek();
  if (p.acceptKeywords("on", "commit")) {
    // PRESERVE ROWS is what every table does; the others change a temporary table's life at
    // commit, which nothing implements yet, so they fail rather than being silently ignored.
    if (!p.acceptKeywords("preserve", "rows")) {
      const isKnown = p.acceptKeywords("delete", "rows") || p.acceptKeyword("drop");
      if (!isKnown) p.expectKeyword("drop");
      throw featureNotSupported(p, onCommit, "ON COMMIT DELETE ROWS and ON COMMIT DROP are not supported yet");
    }
  }
  if (p.acceptKeyword("tablespace")) parseColId(p);
}

function parseColumnDef(p: TokenStream): ColumnDef {
  const pos = p.pos;
  const name = parseColId(p);
  const type = parseTypeName(p);
  const collation = p.acceptKeyword("collate") ? parseAnyName(p) : undefined;
  const constraints: ColumnConstraint[] = [];
  for (;;) {
    const constraint = parseColumnConstraint(p);
    if (constraint === undefined) break;
    constraints.push(constraint);
  }
  return { kind: "column_def", pos, name, type, ...(collation ? { collation } : {}), constraints };
}

function parseConstraintName(p: TokenStream): string | undefined {
  return p.acceptKeyword("constraint") ? parseColId(p) : undefined;
}

export function parseColumnConstraint(p: TokenStream): ColumnConstraint | undefined {
  const pos = p.pos;
  const name = parseConstraintName(p);
  const base = { kind: "column_constraint", pos, ...(name === undefined ? {} : { name }) } as const;
  let constraint: ColumnConstraint | undefined;
  if (p.acceptKeywords("not", "null")) constraint = { ...base, type: "not_null" };
  else if (p.acceptKeyword("null")) constraint = { ...base, type: "null" };
  else if (p.acceptKeywords("primary", "key")) constraint = { ...base, type: "primary_key" };
  else if (p.acceptKeyword("unique")) constraint = { ...base, type: "unique" };
  else if (p.acceptKeyword("default")) constraint = { ...base, type: "default", expr: parseExprPrec(p, Prec.Comparison) };
  else if (p.acceptKeyword("check")) constraint = { ...base, type: "check", expr: parseCheckExpr(p) };
  else if (p.acceptKeyword("references")) constraint = { ...base, type: "references", ...parseReferences(p) };
  else if (p.acceptKeyword("generated")) constraint = { ...base, ...parseGenerated(p) };
  if (constraint === undefined) {
    if (name !== undefined) throw p.unexpected();
    rejectMisplacedAttribute(p);
    return undefined;
  }
  if (constraint.type === "primary_key" || constraint.type === "unique") parseIndexParameters(p);
  if (constraint.type === "primary_key" || constraint.type === "unique" || constraint.type === "references") {
    parseConstraintAttributes(p);
  } else {
    rejectMisplacedAttribute(p);
  }
  return constraint;
}

/**
 * In a column definition a constraint attribute is a clause of its own, valid only after a
 * constraint that can be deferred (PRIMARY KEY, UNIQUE, REFERENCES); elsewhere PostgreSQL reports
 * it as misplaced.
 */
function rejectMisplacedAttribute(p: TokenStream): void {
  const pos = p.pos;
  let clause: string | undefined;
  if (p.isKeyword("deferrable")) clause = "DEFERRABLE";
  else if (p.isKeywords("not", "deferrable")) clause = "NOT DEFERRABLE";
  else if (p.isKeywords("initially", "deferred")) clause = "INITIALLY DEFERRED";
  else if (p.isKeywords("initially", "immediate")) clause = "INITIALLY IMMEDIATE";
  if (clause !== undefined) throw p.errorAt(pos, `misplaced ${clause} clause`);
}

function parseCheckExpr(p: TokenStream): ReturnType<typeof parseExpr> {
  p.expectPunct("(");
  const expr = parseExpr(p);
  p.expectPunct(")");
  p.acceptKeywords("no", "inherit");
  return expr;
}

/** `GENERATED {ALWAYS | BY DEFAULT} AS IDENTITY [(options)]` or `GENERATED ALWAYS AS (expr) STORED`. */
function parseGenerated(p: TokenStream): { type: "identity"; generated: "always" | "by_default"; options: SequenceOption[] } | { type: "generated"; expr: ReturnType<typeof parseExpr> } {
  const generated = p.acceptKeyword("always") ? "always" : (p.expectKeyword("by"), p.expectKeyword("default"), "by_default");
  p.expectKeyword("as");
  if (p.acceptKeyword("identity")) {
    let options: SequenceOption[] = [];
    if (p.acceptPunct("(")) {
      options = parseSequenceOptions(p);
      p.expectPunct(")");
    }
    return { type: "identity", generated, options };
  }
  if (generated !== "always") throw p.unexpected();
  p.expectPunct("(");
  const expr = parseExpr(p);
  p.expectPunct(")");
  p.expectKeyword("stored");
  return { type: "generated", expr };
}

function parseReferences(p: TokenStream): ForeignKeySpec {
  const refTable = parseQualifiedName(p);
  const refColumns = p.isPunct("(") ? parseParenthesizedColumns(p) : [];
  let match: ForeignKeySpec["match"];
  let onDelete: ReferentialAction | undefined;
  let onUpdate: ReferentialAction | undefined;
  for (;;) {
    if (p.acceptKeyword("match")) {
      if (p.acceptKeyword("full")) match = "full";
      else if (p.acceptKeyword("partial")) throw featureNotSupported(p, p.peek(), "MATCH PARTIAL is not supported");
      else {
        p.expectKeyword("simple");
        match = "simple";
      }
    } else if (p.acceptKeywords("on", "delete")) {
      onDelete = parseReferentialAction(p);
    } else if (p.acceptKeywords("on", "update")) {
      onUpdate = parseReferentialAction(p);
    } else {
      break;
    }
  }
  return {
    refTable,
    refColumns,
    ...(onDelete ? { onDelete } : {}),
    ...(onUpdate ? { onUpdate } : {}),
    ...(match ? { match } : {}),
  };
}

function parseReferentialAction(p: TokenStream): ReferentialAction {
  if (p.acceptKeywords("no", "action")) return "no_action";
  if (p.acceptKeyword("restrict")) return "restrict";
  if (p.acceptKeyword("cascade")) return "cascade";
  if (p.acceptKeywords("set", "null")) return "set_null";
  if (p.acceptKeywords("set", "default")) return "set_default";
  throw p.unexpected();
}

/** Accepts `NOT DEFERRABLE` and `INITIALLY IMMEDIATE`; refuses deferral (see the module comment). */
function parseConstraintAttributes(p: TokenStream): void {
  for (;;) {
    if (p.acceptKeywords("not", "deferrable") || p.acceptKeywords("initially", "immediate")) continue;
    if (p.isKeyword("deferrable") || p.isKeywords("initially", "deferred")) {
      throw featureNotSupported(p, p.peek(), "deferrable constraints are not supported");
    }
    return;
  }
}

/** `INCLUDE (…)`, `WITH (…)`, `USING INDEX TABLESPACE x` after PRIMARY KEY or UNIQUE: accepted. */
function parseIndexParameters(p: TokenStream): void {
  if (p.acceptKeywords("nulls", "not", "distinct") || p.acceptKeywords("nulls", "distinct")) {
    // The default (NULLS DISTINCT) and its opposite are both stored by the engine's unique check.
  }
  if (p.acceptKeyword("include")) parseParenthesizedColumns(p);
  parseStorageParams(p);
  if (p.acceptKeywords("using", "index", "tablespace")) parseColId(p);
}

function startsTableConstraint(p: TokenStream): boolean {
  return (
    p.isKeyword("constraint") ||
    p.isKeyword("check") ||
    p.isKeyword("unique") ||
    p.isKeywords("primary", "key") ||
    p.isKeywords("foreign", "key") ||
    p.isKeyword("exclude")
  );
}

export function parseTableConstraint(p: TokenStream): TableConstraint {
  const pos = p.pos;
  const name = parseConstraintName(p);
  const base = { kind: "table_constraint", pos, ...(name === undefined ? {} : { name }) } as const;
  let constraint: TableConstraint;
  if (p.acceptKeyword("check")) {
    constraint = { ...base, type: "check", expr: parseCheckExpr(p) };
  } else if (p.acceptKeyword("unique")) {
    constraint = { ...base, type: "unique", columns: parseParenthesizedColumns(p) };
    parseIndexParameters(p);
  } else if (p.acceptKeywords("primary", "key")) {
    constraint = { ...base, type: "primary_key", columns: parseParenthesizedColumns(p) };
    parseIndexParameters(p);
  } else if (p.acceptKeywords("foreign", "key")) {
    const columns = parseParenthesizedColumns(p);
    p.expectKeyword("references");
    constraint = { ...base, type: "foreign_key", columns, ...parseReferences(p) };
  } else if (p.isKeyword("exclude")) {
    throw featureNotSupported(p, p.peek(), "EXCLUDE constraints are not supported");
  } else {
    throw p.unexpected();
  }
  parseConstraintAttributes(p);
  if (p.acceptKeywords("not", "valid")) {
    // NOT VALID skips checking existing rows; the engine always checks, which is stricter.
  }
  return constraint;
}

// ---------------------------------------------------------------------------------------------
// Indexes, views, sequences, schemas

/** After CREATE [UNIQUE] INDEX. */
export function parseCreateIndex(p: TokenStream, pos: number, isUnique: boolean): CreateIndexStatement {
  const isConcurrent = p.acceptKeyword("concurrently");
  const ifNotExists = parseIfNotExists(p);
  const name = p.isKeyword("on") ? undefined : parseColId(p);
  if (ifNotExists && name === undefined) throw p.unexpected();
  p.expectKeyword("on");
  p.acceptKeyword("only");
  const table = parseQualifiedName(p);
  const method = p.acceptKeyword("using") ? parseColId(p) : undefined;
  const elements = parseIndexElems(p);
  const include = p.acceptKeyword("include") ? parseParenthesizedColumns(p) : [];
  if (!p.acceptKeywords("nulls", "not", "distinct")) p.acceptKeywords("nulls", "distinct");
  const storageParams = parseStorageParams(p);
  if (p.acceptKeyword("tablespace")) parseColId(p);
  const where = p.acceptKeyword("where") ? parseExpr(p) : undefined;
  return {
    kind: "create_index",
    pos,
    ...(name === undefined ? {} : { name }),
    table,
    isUnique,
    ifNotExists,
    isConcurrent,
    ...(method === undefined ? {} : { method }),
    elements,
    include,
    storageParams,
    ...(where ? { where } : {}),
  };
}

/** `( elem [, …] )` where an element is a column, a function call or a parenthesized expression. */
export function parseIndexElems(p: TokenStream): IndexElem[] {
  p.expectPunct("(");
  const elements: IndexElem[] = [];
  do elements.push(parseIndexElem(p));
  while (p.acceptPunct(","));
  p.expectPunct(")");
  return elements;
}

function parseIndexElem(p: TokenStream): IndexElem {
  const pos = p.pos;
  let column: string | undefined;
  let expr;
  if (p.isPunct("(")) {
    p.next();
    expr = parseExpr(p);
    p.expectPunct(")");
  } else if (p.isPunct("(", 1) || p.isPunct(".", 1)) {
    expr = parseExprPrec(p, Prec.Typecast + 1);
  } else {
    column = parseColId(p);
  }
  const collation = p.acceptKeyword("collate") ? parseAnyName(p) : undefined;
  const opclass = startsOpclass(p) ? parseAnyName(p) : undefined;
  const direction = p.acceptKeyword("asc") ? "asc" : p.acceptKeyword("desc") ? "desc" : undefined;
  let nulls: IndexElem["nulls"];
  if (p.acceptKeywords("nulls", "first")) nulls = "first";
  else if (p.acceptKeywords("nulls", "last")) nulls = "last";
  return {
    kind: "index_elem",
    pos,
    ...(column === undefined ? {} : { column }),
    ...(expr ? { expr } : {}),
    ...(collation ? { collation } : {}),
    ...(opclass ? { opclass } : {}),
    ...(direction ? { direction } : {}),
    ...(nulls ? { nulls } : {}),
  };
}

function startsOpclass(p: TokenStream): boolean {
  const token = p.peek();
  if (token.type === TokenType.QuotedIdent) return true;
  return token.type === TokenType.Word && !["asc", "desc", "nulls"].includes(token.text) && !/^(,|\))$/.test(token.text) &&
    !["where", "include", "with", "tablespace", "do", "on"].includes(token.text);
}

function parseCreateView(p: TokenStream, pos: number, orReplace: boolean, isTemporary: boolean): CreateViewStatement {
  const name = parseQualifiedName(p);
  const columns = p.isPunct("(") ? parseParenthesizedColumns(p) : [];
  parseStorageParams(p);
  p.expectKeyword("as");
  const query = parseSelectStatement(p);
  if (p.isKeyword("with")) {
    if (!p.acceptKeywords("with", "check", "option") && !p.acceptKeywords("with", "local", "check", "option")) {
      p.expectKeyword("with");
      p.expectKeyword("cascaded");
      p.expectKeyword("check");
      p.expectKeyword("option");
    }
    throw featureNotSupported(p, p.peek(), "WITH CHECK OPTION is not supported");
  }
  return { kind: "create_view", pos, name, orReplace, isTemporary, columns, query };
}

function parseCreateSequence(p: TokenStream, pos: number, isTemporary: boolean): CreateSequenceStatement {
  const ifNotExists = parseIfNotExists(p);
  const name = parseQualifiedName(p);
  const options = parseSequenceOptions(p);
  return { kind: "create_sequence", pos, name, ifNotExists, isTemporary, options };
}

/** Sequence options, for CREATE/ALTER SEQUENCE and identity columns. */
export function parseSequenceOptions(p: TokenStream): SequenceOption[] {
  const options: SequenceOption[] = [];
  for (;;) {
    const option = parseSequenceOption(p);
    if (option === undefined) return options;
    options.push(option);
  }
}

function parseSequenceOption(p: TokenStream): SequenceOption | undefined {
  const pos = p.pos;
  const make = (name: SequenceOption["name"], value?: SequenceOption["value"], isNegated = false): SequenceOption => ({
    kind: "sequence_option",
    pos,
    name,
    ...(value === undefined ? {} : { value }),
    isNegated,
  });
  if (p.acceptKeyword("as")) return make("as", parseTypeName(p));
  if (p.acceptKeyword("increment")) return (p.acceptKeyword("by"), make("increment", parseSignedNumber(p)));
  if (p.acceptKeyword("minvalue")) return make("minvalue", parseSignedNumber(p));
  if (p.acceptKeyword("maxvalue")) return make("maxvalue", parseSignedNumber(p));
  if (p.acceptKeywords("no", "minvalue")) return make("minvalue", undefined, true);
  if (p.acceptKeywords("no", "maxvalue")) return make("maxvalue", undefined, true);
  if (p.acceptKeywords("no", "cycle")) return make("cycle", undefined, true);
  if (p.acceptKeyword("cycle")) return make("cycle");
  if (p.acceptKeyword("start")) return (p.acceptKeyword("with"), make("start", parseSignedNumber(p)));
  if (p.acceptKeyword("restart")) {
    const hasWith = p.acceptKeyword("with");
    const token = p.peek();
    const hasValue =
      hasWith || token.type === TokenType.Integer || token.type === TokenType.Decimal || p.isOp("-") || p.isOp("+");
    return make("restart", hasValue ? parseSignedNumber(p) : undefined);
  }
  if (p.acceptKeyword("cache")) return make("cache", parseSignedNumber(p));
  if (p.acceptKeywords("owned", "by")) {
    if (p.acceptKeyword("none")) return make("owned_by", ["none"]);
    return make("owned_by", parseAnyName(p));
  }
  return undefined;
}

function parseSignedNumber(p: TokenStream): NumberLiteral {
  const pos = p.pos;
  const sign = p.acceptOp("-") ? "-" : (p.acceptOp("+"), "");
  const token = p.next();
  if (token.type !== TokenType.Integer && token.type !== TokenType.Decimal) throw p.unexpected(token);
  return { kind: "number", pos, text: sign + token.text, isInteger: token.type === TokenType.Integer };
}

export function parseCreateSchema(p: TokenStream, pos: number): CreateSchemaStatement {
  const ifNotExists = parseIfNotExists(p);
  let name: string | undefined;
  let authorization: string | undefined;
  if (!p.isKeyword("authorization")) name = parseColId(p);
  if (p.acceptKeyword("authorization")) authorization = parseRoleSpec(p);
  if (name === undefined && authorization === undefined) throw p.unexpected();
  if (!p.atEnd() && !p.isPunct(";")) throw featureNotSupported(p, p.peek(), "CREATE SCHEMA with schema elements is not supported");
  return {
    kind: "create_schema",
    pos,
    ...(name === undefined ? {} : { name }),
    ifNotExists,
    ...(authorization === undefined ? {} : { authorization }),
  };
}


// ---------------------------------------------------------------------------------------------
// DROP and ALTER

const droppable: ReadonlySet<string> = new Set(["table", "index", "view", "sequence", "schema", "type", "domain"]);

export function parseDrop(p: TokenStream, pos: number): DropStatement {
  const objectType = p.next();
  if (objectType.type !== TokenType.Word || !droppable.has(objectType.text)) throw p.unexpected(objectType);
  const isConcurrent = objectType.text === "index" && p.acceptKeyword("concurrently");
  const ifExists = p.acceptKeywords("if", "exists");
  const names: QualifiedName[] = [];
  do names.push(parseQualifiedName(p));
  while (p.acceptPunct(","));
  const behavior = parseDropBehavior(p);
  return {
    kind: "drop",
    pos,
    // oxlint-disable-next-line typescript/no-unsafe-type-assertion -- membership in `droppable` checked above
    objectType: objectType.text as DropStatement["objectType"],
    names,
    ifExists,
    isConcurrent,
    ...(behavior ? { behavior } : {}),
  };
}

/** After ALTER TABLE. */
export function parseAlterTable(p: TokenStream, pos: number): AlterTableStatement | RenameStatement | AlterOwnerStatement {
  const ifExists = p.acceptKeywords("if", "exists");
  const isOnly = p.acceptKeyword("only");
  const table = parseQualifiedName(p);
  p.acceptOp("*");
  if (p.acceptKeyword("rename")) return parseRenameRest(p, pos, "table", table, ifExists);
  if (p.acceptKeywords("owner", "to")) return { kind: "alter_owner", pos, objectType: "table", name: table, ifExists, owner: parseRoleSpec(p) };
  const actions: AlterTableAction[] = [];
  do actions.push(parseAlterAction(p));
  while (p.acceptPunct(","));
  return { kind: "alter_table", pos, table, ifExists, isOnly, actions };
}

function parseRenameRest(
  p: TokenStream,
  pos: number,
  objectType: RenameStatement["objectType"],
  name: QualifiedName,
  ifExists: boolean,
): RenameStatement {
  let type = objectType;
  let subName: string | undefined;
  if (objectType === "table" && p.acceptKeyword("constraint")) {
    type = "constraint";
    subName = parseColId(p);
  } else if (objectType === "table" && !p.isKeyword("to")) {
    p.acceptKeyword("column");
    type = "column";
    subName = parseColId(p);
  }
  p.expectKeyword("to");
  const newName = parseColId(p);
  return { kind: "rename", pos, objectType: type, name, ifExists, ...(subName === undefined ? {} : { subName }), newName };
}

function parseAlterAction(p: TokenStream): AlterTableAction {
  const pos = p.pos;
  const base = { kind: "alter_table_action", pos } as const;
  if (p.acceptKeyword("add")) {
    if (startsTableConstraint(p)) return { ...base, type: "add_constraint", constraint: parseTableConstraint(p) };
    p.acceptKeyword("column");
    const ifNotExists = parseIfNotExists(p);
    return { ...base, type: "add_column", column: parseColumnDef(p), ifNotExists };
  }
  if (p.acceptKeyword("drop")) {
    if (p.acceptKeyword("constraint")) {
      const ifExists = p.acceptKeywords("if", "exists");
      const constraint = parseColId(p);
      const behavior = parseDropBehavior(p);
      return { ...base, type: "drop_constraint", constraint, ifExists, ...(behavior ? { behavior } : {}) };
    }
    p.acceptKeyword("column");
    const ifExists = p.acceptKeywords("if", "exists");
    const column = parseColId(p);
    const behavior = parseDropBehavior(p);
    return { ...base, type: "drop_column", column, ifExists, ...(behavior ? { behavior } : {}) };
  }
  if (p.acceptKeyword("alter")) {
    p.acceptKeyword("column");
    return parseAlterColumn(p, pos, parseColId(p));
  }
  throw p.isKeyword("owner") || p.isKeyword("set") || p.isKeyword("enable") || p.isKeyword("disable")
    ? featureNotSupported(p, p.peek(), `ALTER TABLE … ${p.peek().text.toUpperCase()} is not supported`)
    : p.unexpected();
}

function parseAlterColumn(p: TokenStream, pos: number, column: string): AlterTableAction {
  const base = { kind: "alter_table_action", pos, column } as const;
  if (p.acceptKeywords("set", "default")) return { ...base, type: "set_default", expr: parseExprPrec(p, Prec.Comparison) };
  if (p.acceptKeywords("drop", "default")) return { ...base, type: "drop_default" };
  if (p.acceptKeywords("set", "not", "null")) return { ...base, type: "set_not_null" };
  if (p.acceptKeywords("drop", "not", "null")) return { ...base, type: "drop_not_null" };
  if (p.acceptKeywords("set", "data", "type") || p.acceptKeyword("type")) {
    const dataType = parseTypeName(p);
    if (p.acceptKeyword("collate")) parseAnyName(p);
    const using = p.acceptKeyword("using") ? parseExpr(p) : undefined;
    return { ...base, type: "set_type", dataType, ...(using ? { using } : {}) };
  }
  // PostgreSQL's other column subcommands (identity, statistics, storage, options, …).
  const word = p.peek();
  if (["add", "set", "drop", "reset", "restart"].includes(word.text) && word.type === TokenType.Word) {
    throw featureNotSupported(p, word, `ALTER COLUMN … ${word.text.toUpperCase()} ${p.peek(1).text.toUpperCase()} is not supported`);
  }
  throw p.unexpected();
}

/** ALTER INDEX / VIEW / SEQUENCE / SCHEMA … RENAME TO, and ALTER SEQUENCE options. */
export function parseAlterOther(p: TokenStream, pos: number): RenameStatement | AlterSequenceStatement | AlterOwnerStatement {
  const objectType = p.next().text;
  const ifExists = p.acceptKeywords("if", "exists");
  const name = objectType === "schema" ? [parseColId(p)] : parseQualifiedName(p);
  if ((objectType === "view" || objectType === "sequence" || objectType === "schema") && p.acceptKeywords("owner", "to")) {
    return { kind: "alter_owner", pos, objectType, name, ifExists, owner: parseRoleSpec(p) };
  }
  if (p.acceptKeyword("rename")) {
    // oxlint-disable-next-line typescript/no-unsafe-type-assertion -- the caller only dispatches these object types
    return parseRenameRest(p, pos, objectType as RenameStatement["objectType"], name, ifExists);
  }
  if (objectType !== "sequence") throw p.unexpected();
  const options = parseSequenceOptions(p);
  if (options.length === 0) throw p.unexpected();
  return { kind: "alter_sequence", pos, name, ifExists, options };
}
