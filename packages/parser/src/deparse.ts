/**
 * `deparse(node)`: any statement or node back to SQL that `parse` reads to the same tree
 * (positions aside). Used for EXPLAIN output, views stored as text, error context, and the
 * round-trip property that keeps parser and deparser honest with each other.
 */
import { StatementTooComplexError, assert, assertNever } from "@omnikv/base";
import type {
  Alias,
  ColumnConstraint,
  ColumnDef,
  CommonTableExpr,
  CopyStatement,
  Expr,
  ForeignKeySpec,
  FromItem,
  GenericOption,
  IndexElem,
  LockingClause,
  Node,
  QueryBody,
  ResTarget,
  RoleOption,
  SelectCore,
  SelectStatement,
  SequenceOption,
  SetClause,
  Statement,
  TableConstraint,
  TransactionMode,
  WithClause,
} from "./ast.ts";
import {
  deparseExpr,
  deparseSortBy,
  deparseSortList,
  deparseTypeName,
  deparseWindowSpec,
  installQueryDeparser,
  quoteIdent,
  quoteName,
  quoteString,
} from "./deparse-expr.ts";

installQueryDeparser(deparseSelect);

/** SQL text for a node; several statements are joined with `; `. */
export function deparse(node: Node | readonly Statement[]): string {
  try {
    if (Array.isArray(node)) return node.map((statement: Statement) => deparseNode(statement)).join("; ");
    // oxlint-disable-next-line typescript/no-unsafe-type-assertion -- Array.isArray does not narrow readonly arrays away
    return deparseNode(node as Node);
  } catch (error) {
    // A tree deeper than any the parser builds (constructed by hand) must not crash the caller.
    if (error instanceof RangeError) throw new StatementTooComplexError("stack depth limit exceeded", { cause: error });
    throw error;
  }
}

function deparseNode(node: Node): string {
  if (node.kind === "select_core" || node.kind === "set_operation" || node.kind === "values") return deparseBody(node);
  if (node.kind === "table_ref" || node.kind === "subquery_ref" || node.kind === "function_ref" || node.kind === "join") {
    return deparseFromItem(node);
  }
  if (node.kind === "type_name") return deparseTypeName(node);
  if (node.kind === "sort_by") return deparseSortBy(node);
  if (node.kind === "window_def") return deparseWindowSpec(node);
  if (node.kind === "res_target") return deparseTarget(node);
  if (node.kind === "column_def") return deparseColumnDef(node);
  if (node.kind === "table_constraint") return deparseTableConstraint(node);
  if (node.kind === "column_constraint") return deparseColumnConstraint(node);
  if (node.kind === "index_elem") return deparseIndexElem(node);
  return isStatement(node) ? deparseStatement(node) : deparseExpr(node);
}

const statementKinds: ReadonlySet<string> = new Set([
  "select", "insert", "update", "delete", "truncate", "lock", "copy", "create_table", "create_table_as", "drop",
  "alter_table", "rename", "create_index", "create_view", "create_sequence", "alter_sequence", "create_schema", "create_enum_type", "alter_enum_type", "create_domain", "alter_domain",
  "transaction", "set", "set_transaction", "reset", "show", "discard", "prepare", "execute", "deallocate",
  "explain", "analyze", "vacuum", "checkpoint", "create_role", "alter_role", "drop_role", "grant", "grant_role", "alter_owner", "drop_owned", "reassign_owned", "alter_default_privileges",
]);

function isStatement(node: Node): node is Statement {
  return statementKinds.has(node.kind);
}

export function deparseStatement(statement: Statement): string {
  switch (statement.kind) {
    case "select":
      return deparseSelect(statement);
    case "insert":
    case "update":
    case "delete":
      return deparseModifying(statement);
    case "truncate": {
      const restart = statement.restartIdentity ? " RESTART IDENTITY" : "";
      return `TRUNCATE ${statement.tables.map(quoteName).join(", ")}${restart}${behavior(statement.behavior)}`;
    }
    case "lock":
      return `LOCK TABLE ${statement.tables.map(quoteName).join(", ")} IN ${statement.mode.toUpperCase()} MODE${statement.isNowait ? " NOWAIT" : ""}`;
    case "copy":
      return deparseCopy(statement);
    case "create_table":
    case "create_table_as":
    case "drop":
    case "alter_table":
    case "rename":
    case "create_index":
    case "create_view":
    case "create_sequence":
    case "alter_sequence":
    case "create_schema":
    case "create_enum_type":
    case "alter_enum_type":
    case "create_domain":
    case "alter_domain":
      return deparseDdl(statement);
    case "transaction":
      return deparseTransaction(statement);
    case "set":
    case "set_transaction":
    case "reset":
    case "show":
    case "discard":
    case "prepare":
    case "execute":
    case "deallocate":
    case "explain":
      return deparseSession(statement);
    case "analyze":
    case "vacuum":
    case "checkpoint":
    case "create_role":
    case "alter_role":
    case "drop_role":
    case "grant":
    case "grant_role":
    case "alter_owner":
    case "drop_owned":
    case "reassign_owned":
    case "alter_default_privileges":
      return deparseAdministrative(statement);
    case "comment":
      return `COMMENT ON ${statement.objectType.toUpperCase()} ${quoteName(statement.name)} IS ${statement.comment === null ? "NULL" : quoteString(statement.comment)}`;
  }
  return assertNever(statement);
}

type SessionKind = "set" | "set_transaction" | "reset" | "show" | "discard" | "prepare" | "execute" | "deallocate" | "explain";
type AdministrativeKind = "analyze" | "vacuum" | "checkpoint" | "create_role" | "alter_role" | "drop_role" | "grant" | "grant_role" | "alter_owner" | "drop_owned" | "reassign_owned" | "alter_default_privileges";

// ---------------------------------------------------------------------------------------------
// Queries

export function deparseSelect(statement: SelectStatement): string {
  const parts: string[] = [];
  if (statement.with !== undefined) parts.push(deparseWith(statement.with));
  parts.push(deparseBody(statement.body));
  if (statement.orderBy.length > 0) parts.push(`ORDER BY ${deparseSortList(statement.orderBy)}`);
  if (statement.limit !== undefined) {
    parts.push(
      statement.isLimitWithTies
        ? `FETCH FIRST ${parenthesizeFetch(statement.limit)} ROWS WITH TIES`
        : `LIMIT ${deparseExpr(statement.limit)}`,
    );
  }
  if (statement.offset !== undefined) parts.push(`OFFSET ${deparseExpr(statement.offset)}`);
  for (const locking of statement.locking) parts.push(deparseLocking(locking));
  return parts.join(" ");
}

function parenthesizeFetch(limit: Expr): string {
  return `(${deparseExpr(limit)})`;
}

function deparseLocking(locking: LockingClause): string {
  let text = `FOR ${locking.strength.replaceAll("_", " ").toUpperCase()}`;
  if (locking.tables.length > 0) text += ` OF ${locking.tables.map(quoteName).join(", ")}`;
  if (locking.waitPolicy === "nowait") text += " NOWAIT";
  if (locking.waitPolicy === "skip_locked") text += " SKIP LOCKED";
  return text;
}

function deparseWith(clause: WithClause): string {
  return `WITH ${clause.isRecursive ? "RECURSIVE " : ""}${clause.ctes.map(deparseCte).join(", ")}`;
}

function deparseCte(cte: CommonTableExpr): string {
  const columns = cte.columns.length > 0 ? `(${cte.columns.map(quoteIdent).join(", ")})` : "";
  const materialized =
    cte.isMaterialized === undefined ? "" : cte.isMaterialized ? "MATERIALIZED " : "NOT MATERIALIZED ";
  return `${quoteIdent(cte.name)}${columns} AS ${materialized}(${deparseStatement(cte.query)})`;
}

const setOperationPrecedence = { union: 1, except: 1, intersect: 2 } as const;

function deparseBody(body: QueryBody): string {
  switch (body.kind) {
    case "select_core":
      return deparseCore(body);
    case "values":
      return `VALUES ${body.rows.map((row) => `(${row.map(deparseExpr).join(", ")})`).join(", ")}`;
    case "select":
      return `(${deparseSelect(body)})`;
    case "set_operation": {
      const prec = setOperationPrecedence[body.op];
      const side = (operand: QueryBody, minPrec: number): string => {
        const needsParens = operand.kind === "set_operation" && setOperationPrecedence[operand.op] < minPrec;
        return needsParens ? `(${deparseBody(operand)})` : deparseBody(operand);
      };
      return `${side(body.left, prec)} ${body.op.toUpperCase()}${body.isAll ? " ALL" : ""} ${side(body.right, prec + 1)}`;
    }
  }
  return assertNever(body);
}

function deparseCore(core: SelectCore): string {
  const parts = ["SELECT"];
  if (core.distinct === true) parts.push("DISTINCT");
  else if (Array.isArray(core.distinct)) parts.push(`DISTINCT ON (${core.distinct.map(deparseExpr).join(", ")})`);
  if (core.targets.length > 0) parts.push(core.targets.map(deparseTarget).join(", "));
  if (core.from.length > 0) parts.push(`FROM ${core.from.map(deparseFromItem).join(", ")}`);
  if (core.where !== undefined) parts.push(`WHERE ${deparseExpr(core.where)}`);
  if (core.groupingSets !== undefined) {
    const sets = core.groupingSets.map((set) => `(${set.map((index) => deparseExpr(groupingExpr(core, index))).join(", ")})`);
    parts.push(`GROUP BY GROUPING SETS (${sets.join(", ")})`);
  } else if (core.groupBy.length > 0) parts.push(`GROUP BY ${core.groupBy.map(deparseExpr).join(", ")}`);
  if (core.having !== undefined) parts.push(`HAVING ${deparseExpr(core.having)}`);
  if (core.windows.length > 0) {
    const windows = core.windows.map((window) => `${quoteIdent(window.name ?? "")} AS ${deparseWindowSpec(window)}`);
    parts.push(`WINDOW ${windows.join(", ")}`);
  }
  return parts.join(" ");
}

function deparseTarget(target: ResTarget): string {
  const expr = deparseExpr(target.expr);
  return target.alias === undefined ? expr : `${expr} AS ${quoteIdent(target.alias)}`;
}

function deparseAlias(alias: Alias | undefined): string {
  if (alias === undefined) return "";
  const columns = alias.columns.length > 0 ? `(${alias.columns.map(quoteIdent).join(", ")})` : "";
  return ` AS ${quoteIdent(alias.name)}${columns}`;
}

function deparseFromItem(item: FromItem): string {
  switch (item.kind) {
    case "table_ref":
      return `${item.isOnly ? "ONLY " : ""}${quoteName(item.name)}${deparseAlias(item.alias)}`;
    case "subquery_ref":
      return `${item.isLateral ? "LATERAL " : ""}(${deparseSelect(item.query)})${deparseAlias(item.alias)}`;
    case "function_ref": {
      const ordinality = item.withOrdinality ? " WITH ORDINALITY" : "";
      return `${item.isLateral ? "LATERAL " : ""}${deparseExpr(item.call)}${ordinality}${deparseAlias(item.alias)}`;
    }
    case "join":
      return item.alias === undefined ? deparseJoin(item) : `(${deparseJoin(item)})${deparseAlias(item.alias)}`;
  }
  return assertNever(item);
}

function deparseJoin(join: Extract<FromItem, { kind: "join" }>): string {
  const left = deparseFromItem(join.left);
  const right = join.right.kind === "join" && join.right.alias === undefined ? `(${deparseJoin(join.right)})` : deparseFromItem(join.right);
  const natural = join.isNatural ? "NATURAL " : "";
  const type = join.joinType === "inner" ? "JOIN" : `${join.joinType.toUpperCase()} JOIN`;
  let condition = "";
  if (join.on !== undefined) condition = ` ON ${deparseExpr(join.on)}`;
  else if (join.using !== undefined) condition = ` USING (${join.using.map(quoteIdent).join(", ")})`;
  return `${left} ${natural}${type} ${right}${condition}`;
}

// ---------------------------------------------------------------------------------------------
// DML

function deparseReturning(targets: readonly ResTarget[]): string {
  return targets.length > 0 ? ` RETURNING ${targets.map(deparseTarget).join(", ")}` : "";
}

function deparseSetClauses(clauses: readonly SetClause[]): string {
  return clauses
    .map((clause) => {
      const columns = clause.isMulti ? `(${clause.columns.map(quoteIdent).join(", ")})` : quoteIdent(clause.columns[0] ?? "");
      return `${columns} = ${deparseExpr(clause.value)}`;
    })
    .join(", ");
}

function deparseModifying(statement: Extract<Statement, { kind: "insert" | "update" | "delete" }>): string {
  const withText = statement.with === undefined ? "" : `${deparseWith(statement.with)} `;
  const where = (expr: Expr | undefined): string => (expr === undefined ? "" : ` WHERE ${deparseExpr(expr)}`);
  switch (statement.kind) {
    case "insert":
      return withText + deparseInsert(statement);
    case "update": {
      const alias = statement.alias === undefined ? "" : ` AS ${quoteIdent(statement.alias)}`;
      const from = statement.from.length > 0 ? ` FROM ${statement.from.map(deparseFromItem).join(", ")}` : "";
      const only = statement.isOnly ? "ONLY " : "";
      return `${withText}UPDATE ${only}${quoteName(statement.table)}${alias} SET ${deparseSetClauses(statement.set)}${from}${where(statement.where)}${deparseReturning(statement.returning)}`;
    }
    case "delete": {
      const alias = statement.alias === undefined ? "" : ` AS ${quoteIdent(statement.alias)}`;
      const using = statement.using.length > 0 ? ` USING ${statement.using.map(deparseFromItem).join(", ")}` : "";
      const only = statement.isOnly ? "ONLY " : "";
      return `${withText}DELETE FROM ${only}${quoteName(statement.table)}${alias}${using}${where(statement.where)}${deparseReturning(statement.returning)}`;
    }
  }
  return assertNever(statement);
}

function deparseInsert(statement: Extract<Statement, { kind: "insert" }>): string {
  let text = `INSERT INTO ${quoteName(statement.table)}`;
  if (statement.alias !== undefined) text += ` AS ${quoteIdent(statement.alias)}`;
  if (statement.columns.length > 0) text += ` (${statement.columns.map(quoteIdent).join(", ")})`;
  if (statement.overriding !== undefined) text += ` OVERRIDING ${statement.overriding.toUpperCase()} VALUE`;
  text += statement.source === undefined ? " DEFAULT VALUES" : ` ${deparseSelect(statement.source)}`;
  const conflict = statement.onConflict;
  if (conflict !== undefined) {
    text += " ON CONFLICT";
    if (conflict.targetColumns.length > 0) text += ` (${conflict.targetColumns.map(deparseIndexElem).join(", ")})`;
    if (conflict.targetWhere !== undefined) text += ` WHERE ${deparseExpr(conflict.targetWhere)}`;
    if (conflict.targetConstraint !== undefined) text += ` ON CONSTRAINT ${quoteIdent(conflict.targetConstraint)}`;
    text += conflict.action === "nothing" ? " DO NOTHING" : ` DO UPDATE SET ${deparseSetClauses(conflict.set)}`;
    if (conflict.where !== undefined) text += ` WHERE ${deparseExpr(conflict.where)}`;
  }
  return text + deparseReturning(statement.returning);
}

function deparseOptionValue(value: GenericOption["value"]): string {
  if (value === undefined) return "";
  if (typeof value === "string") return ` ${quoteString(value)}`;
  if (value.length === 1 && value[0] === "*") return " *";
  return ` (${value.map(quoteIdent).join(", ")})`;
}

function deparseOptions(options: readonly GenericOption[]): string {
  return `(${options.map((option) => `${quoteIdent(option.name)}${deparseOptionValue(option.value)}`).join(", ")})`;
}

function deparseCopy(statement: CopyStatement): string {
  let text = "COPY ";
  if (statement.query !== undefined) text += `(${deparseSelect(statement.query)})`;
  else text += quoteName(statement.table ?? []);
  if (statement.columns.length > 0) text += ` (${statement.columns.map(quoteIdent).join(", ")})`;
  text += statement.direction === "from" ? " FROM " : " TO ";
  text += typeof statement.target === "string" ? statement.target.toUpperCase() : quoteString(statement.target.file);
  if (statement.options.length > 0) text += ` WITH ${deparseOptions(statement.options)}`;
  if (statement.where !== undefined) text += ` WHERE ${deparseExpr(statement.where)}`;
  return text;
}

function behavior(value: "cascade" | "restrict" | undefined): string {
  return value === undefined ? "" : ` ${value.toUpperCase()}`;
}

// ---------------------------------------------------------------------------------------------
// DDL

function deparseDdl(statement: Extract<Statement, { kind: DdlKind }>): string {
  switch (statement.kind) {
    case "create_table":
      return deparseCreateTable(statement);
    case "create_table_as": {
      const columns = statement.columns.length > 0 ? ` (${statement.columns.map(quoteIdent).join(", ")})` : "";
      const data = statement.withData ? "" : " WITH NO DATA";
      return `CREATE ${persistenceText(statement.persistence)}TABLE ${ifNotExists(statement.ifNotExists)}${quoteName(statement.name)}${columns} AS ${deparseSelect(statement.query)}${data}`;
    }
    case "drop": {
      const concurrent = statement.isConcurrent ? " CONCURRENTLY" : "";
      const ifExists = statement.ifExists ? " IF EXISTS" : "";
      return `DROP ${statement.objectType.toUpperCase()}${concurrent}${ifExists} ${statement.names.map(quoteName).join(", ")}${behavior(statement.behavior)}`;
    }
    case "alter_table": {
      const ifExists = statement.ifExists ? "IF EXISTS " : "";
      const only = statement.isOnly ? "ONLY " : "";
      return `ALTER TABLE ${ifExists}${only}${quoteName(statement.table)} ${statement.actions.map(deparseAlterAction).join(", ")}`;
    }
    case "rename":
      return deparseRename(statement);
    case "create_index":
      return deparseCreateIndex(statement);
    case "create_view": {
      const columns = statement.columns.length > 0 ? ` (${statement.columns.map(quoteIdent).join(", ")})` : "";
      const replace = statement.orReplace ? "OR REPLACE " : "";
      const temp = statement.isTemporary ? "TEMPORARY " : "";
      return `CREATE ${replace}${temp}VIEW ${quoteName(statement.name)}${columns} AS ${deparseSelect(statement.query)}`;
    }
    case "create_sequence": {
      const temp = statement.isTemporary ? "TEMPORARY " : "";
      return `CREATE ${temp}SEQUENCE ${ifNotExists(statement.ifNotExists)}${quoteName(statement.name)}${deparseSequenceOptions(statement.options)}`;
    }
    case "alter_sequence": {
      const ifExists = statement.ifExists ? "IF EXISTS " : "";
      return `ALTER SEQUENCE ${ifExists}${quoteName(statement.name)}${deparseSequenceOptions(statement.options)}`;
    }
    case "create_schema": {
      const name = statement.name === undefined ? "" : ` ${quoteIdent(statement.name)}`;
      const authorization = statement.authorization === undefined ? "" : ` AUTHORIZATION ${deparseRole(statement.authorization)}`;
      return `CREATE SCHEMA${statement.ifNotExists ? " IF NOT EXISTS" : ""}${name}${authorization}`;
    }
    case "create_enum_type":
      return `CREATE TYPE ${quoteName(statement.name)} AS ENUM (${statement.labels.map(quoteString).join(", ")})`;
    case "alter_enum_type":
      return `ALTER TYPE ${quoteName(statement.name)} ${deparseEnumAction(statement.action)}`;
    case "create_domain": {
      const collation = statement.collation === undefined ? "" : ` COLLATE ${quoteName(statement.collation)}`;
      const constraints = statement.constraints.map((c) => ` ${deparseColumnConstraint(c)}`).join("");
      return `CREATE DOMAIN ${quoteName(statement.name)} AS ${deparseTypeName(statement.type)}${collation}${constraints}`;
    }
    case "alter_domain":
      return `ALTER DOMAIN ${quoteName(statement.name)} ${deparseDomainAction(statement.action)}`;
  }
  return assertNever(statement);
}

type DdlKind =
  | "create_table"
  | "create_table_as"
  | "drop"
  | "alter_table"
  | "rename"
  | "create_index"
  | "create_view"
  | "create_sequence"
  | "alter_sequence"
  | "create_schema"
  | "create_enum_type"
  | "alter_enum_type"
  | "create_domain"
  | "alter_domain";

function deparseDomainAction(action: Extract<Statement, { kind: "alter_domain" }>["action"]): string {
  switch (action.type) {
    case "set_default":
      return `SET DEFAULT ${deparseExpr(action.expr)}`;
    case "drop_default":
      return "DROP DEFAULT";
    case "set_not_null":
      return "SET NOT NULL";
    case "drop_not_null":
      return "DROP NOT NULL";
    case "add_constraint":
      return `ADD ${deparseColumnConstraint(action.constraint)}`;
    case "drop_constraint":
      return `DROP CONSTRAINT ${action.ifExists ? "IF EXISTS " : ""}${quoteIdent(action.constraintName)}${behavior(action.behavior)}`;
    case "rename_to":
      return `RENAME TO ${quoteIdent(action.newName)}`;
  }
  return assertNever(action);
}

function deparseEnumAction(action: Extract<Statement, { kind: "alter_enum_type" }>["action"]): string {
  if (action.type === "rename_value") return `RENAME VALUE ${quoteString(action.label)} TO ${quoteString(action.newLabel)}`;
  if (action.type === "rename_to") return `RENAME TO ${quoteIdent(action.newName)}`;
  const neighbor = action.neighbor === undefined ? "" : ` ${action.neighbor.isBefore ? "BEFORE" : "AFTER"} ${quoteString(action.neighbor.label)}`;
  return `ADD VALUE ${ifNotExists(action.ifNotExists)}${quoteString(action.label)}${neighbor}`;
}

function persistenceText(persistence: "permanent" | "temporary" | "unlogged"): string {
  return persistence === "permanent" ? "" : `${persistence.toUpperCase()} `;
}

function ifNotExists(flag: boolean): string {
  return flag ? "IF NOT EXISTS " : "";
}

function deparseCreateTable(statement: Extract<Statement, { kind: "create_table" }>): string {
  const elements = [...statement.columns.map(deparseColumnDef), ...statement.constraints.map(deparseTableConstraint)];
  let text = `CREATE ${persistenceText(statement.persistence)}TABLE ${ifNotExists(statement.ifNotExists)}${quoteName(statement.name)} (${elements.join(", ")})`;
  if (statement.storageParams.length > 0) text += ` WITH (${deparseStorageParams(statement.storageParams)})`;
  return text;
}

function deparseStorageParams(options: readonly GenericOption[]): string {
  return options
    .map((option) => (option.value === undefined ? quoteIdent(option.name) : `${quoteIdent(option.name)} = ${storageValue(option.value)}`))
    .join(", ");
}

function storageValue(value: string | readonly string[]): string {
  const text = typeof value === "string" ? value : value.join(",");
  return /^[0-9]+(\.[0-9]+)?$/.test(text) ? text : quoteString(text);
}

function deparseColumnDef(column: ColumnDef): string {
  let text = `${quoteIdent(column.name)} ${deparseTypeName(column.type)}`;
  if (column.collation !== undefined) text += ` COLLATE ${quoteName(column.collation)}`;
  for (const constraint of column.constraints) text += ` ${deparseColumnConstraint(constraint)}`;
  return text;
}

function constraintName(name: string | undefined): string {
  return name === undefined ? "" : `CONSTRAINT ${quoteIdent(name)} `;
}

function deparseColumnConstraint(constraint: ColumnConstraint): string {
  const prefix = constraintName(constraint.name);
  switch (constraint.type) {
    case "not_null":
      return `${prefix}NOT NULL`;
    case "null":
      return `${prefix}NULL`;
    case "primary_key":
      return `${prefix}PRIMARY KEY`;
    case "unique":
      return `${prefix}UNIQUE`;
    case "default":
      return `${prefix}DEFAULT (${deparseExpr(constraint.expr)})`;
    case "check":
      return `${prefix}CHECK (${deparseExpr(constraint.expr)})`;
    case "references":
      return `${prefix}REFERENCES ${deparseForeignKey(constraint)}`;
    case "identity": {
      const generated = constraint.generated === "always" ? "ALWAYS" : "BY DEFAULT";
      const options = constraint.options.length > 0 ? ` (${deparseSequenceOptions(constraint.options).trim()})` : "";
      return `${prefix}GENERATED ${generated} AS IDENTITY${options}`;
    }
    case "generated":
      return `${prefix}GENERATED ALWAYS AS (${deparseExpr(constraint.expr)}) STORED`;
  }
  return assertNever(constraint);
}

function deparseForeignKey(spec: ForeignKeySpec): string {
  let text = quoteName(spec.refTable);
  if (spec.refColumns.length > 0) text += ` (${spec.refColumns.map(quoteIdent).join(", ")})`;
  if (spec.match !== undefined) text += ` MATCH ${spec.match.toUpperCase()}`;
  const action = (value: string): string => value.replaceAll("_", " ").toUpperCase();
  if (spec.onDelete !== undefined) text += ` ON DELETE ${action(spec.onDelete)}`;
  if (spec.onUpdate !== undefined) text += ` ON UPDATE ${action(spec.onUpdate)}`;
  return text;
}

function deparseTableConstraint(constraint: TableConstraint): string {
  const prefix = constraintName(constraint.name);
  const columns = (names: readonly string[]): string => `(${names.map(quoteIdent).join(", ")})`;
  switch (constraint.type) {
    case "primary_key":
      return `${prefix}PRIMARY KEY ${columns(constraint.columns)}`;
    case "unique":
      return `${prefix}UNIQUE ${columns(constraint.columns)}`;
    case "check":
      return `${prefix}CHECK (${deparseExpr(constraint.expr)})`;
    case "foreign_key":
      return `${prefix}FOREIGN KEY ${columns(constraint.columns)} REFERENCES ${deparseForeignKey(constraint)}`;
  }
  return assertNever(constraint);
}

function deparseAlterAction(action: Extract<Statement, { kind: "alter_table" }>["actions"][number]): string {
  switch (action.type) {
    case "add_column":
      return `ADD COLUMN ${action.ifNotExists ? "IF NOT EXISTS " : ""}${deparseColumnDef(action.column)}`;
    case "drop_column":
      return `DROP COLUMN ${action.ifExists ? "IF EXISTS " : ""}${quoteIdent(action.column)}${behavior(action.behavior)}`;
    case "add_constraint":
      return `ADD ${deparseTableConstraint(action.constraint)}`;
    case "drop_constraint":
      return `DROP CONSTRAINT ${action.ifExists ? "IF EXISTS " : ""}${quoteIdent(action.constraint)}${behavior(action.behavior)}`;
    case "set_default":
      return `ALTER COLUMN ${quoteIdent(action.column)} SET DEFAULT (${deparseExpr(action.expr)})`;
    case "drop_default":
      return `ALTER COLUMN ${quoteIdent(action.column)} DROP DEFAULT`;
    case "set_not_null":
      return `ALTER COLUMN ${quoteIdent(action.column)} SET NOT NULL`;
    case "drop_not_null":
      return `ALTER COLUMN ${quoteIdent(action.column)} DROP NOT NULL`;
    case "set_type": {
      const using = action.using === undefined ? "" : ` USING ${deparseExpr(action.using)}`;
      return `ALTER COLUMN ${quoteIdent(action.column)} TYPE ${deparseTypeName(action.dataType)}${using}`;
    }
  }
  return assertNever(action);
}

function deparseRename(statement: Extract<Statement, { kind: "rename" }>): string {
  const ifExists = statement.ifExists ? "IF EXISTS " : "";
  const newName = quoteIdent(statement.newName);
  switch (statement.objectType) {
    case "column":
      return `ALTER TABLE ${ifExists}${quoteName(statement.name)} RENAME COLUMN ${quoteIdent(statement.subName ?? "")} TO ${newName}`;
    case "constraint":
      return `ALTER TABLE ${ifExists}${quoteName(statement.name)} RENAME CONSTRAINT ${quoteIdent(statement.subName ?? "")} TO ${newName}`;
    case "table":
    case "index":
    case "view":
    case "sequence":
    case "schema":
      return `ALTER ${statement.objectType.toUpperCase()} ${ifExists}${quoteName(statement.name)} RENAME TO ${newName}`;
    case "role":
      return `ALTER ROLE ${deparseRole(statement.name.at(-1) ?? "")} RENAME TO ${newName}`;
  }
  return assertNever(statement.objectType);
}

function deparseIndexElem(elem: IndexElem): string {
  let text = elem.column === undefined ? `(${deparseExpr(elem.expr ?? { kind: "null", pos: 0 })})` : quoteIdent(elem.column);
  if (elem.collation !== undefined) text += ` COLLATE ${quoteName(elem.collation)}`;
  if (elem.opclass !== undefined) text += ` ${quoteName(elem.opclass)}`;
  if (elem.direction !== undefined) text += ` ${elem.direction.toUpperCase()}`;
  if (elem.nulls !== undefined) text += ` NULLS ${elem.nulls.toUpperCase()}`;
  return text;
}

function deparseCreateIndex(statement: Extract<Statement, { kind: "create_index" }>): string {
  let text = `CREATE ${statement.isUnique ? "UNIQUE " : ""}INDEX${statement.isConcurrent ? " CONCURRENTLY" : ""}`;
  if (statement.name !== undefined) text += ` ${ifNotExists(statement.ifNotExists)}${quoteIdent(statement.name)}`;
  text += ` ON ${quoteName(statement.table)}`;
  if (statement.method !== undefined) text += ` USING ${quoteIdent(statement.method)}`;
  text += ` (${statement.elements.map(deparseIndexElem).join(", ")})`;
  if (statement.include.length > 0) text += ` INCLUDE (${statement.include.map(quoteIdent).join(", ")})`;
  if (statement.storageParams.length > 0) {
    text += ` WITH (${deparseStorageParams(statement.storageParams)})`;
  }
  if (statement.where !== undefined) text += ` WHERE ${deparseExpr(statement.where)}`;
  return text;
}

function deparseSequenceOptions(options: readonly SequenceOption[]): string {
  return options.map((option) => ` ${deparseSequenceOption(option)}`).join("");
}

function deparseSequenceOption(option: SequenceOption): string {
  const value = option.value;
  if (option.isNegated) return `NO ${option.name.toUpperCase()}`;
  if (value === undefined) return option.name.toUpperCase();
  if (option.name === "owned_by") {
    // oxlint-disable-next-line typescript/no-unsafe-type-assertion -- OWNED BY always holds a name
    return `OWNED BY ${quoteName(value as readonly string[])}`;
  }
  if ("kind" in value && value.kind === "type_name") return `AS ${deparseTypeName(value)}`;
  if ("kind" in value && value.kind === "number") return `${option.name.toUpperCase()} ${value.text}`;
  return option.name.toUpperCase();
}

// ---------------------------------------------------------------------------------------------
// Utility statements

function deparseTransactionModes(modes: readonly TransactionMode[]): string {
  return modes
    .map((mode) => {
      if (mode.isolationLevel !== undefined) return `ISOLATION LEVEL ${mode.isolationLevel.toUpperCase()}`;
      if (mode.isReadOnly !== undefined) return mode.isReadOnly ? "READ ONLY" : "READ WRITE";
      return mode.isDeferrable === true ? "DEFERRABLE" : "NOT DEFERRABLE";
    })
    .join(", ");
}

function deparseSession(statement: Extract<Statement, { kind: SessionKind }>): string {
  switch (statement.kind) {
    case "set": {
      const scope = statement.isLocal ? "LOCAL " : "";
      const values = statement.values.length === 0 ? "DEFAULT" : statement.values.map(deparseExpr).join(", ");
      return `SET ${scope}${statement.name.split(".").map(quoteIdent).join(".")} = ${values}`;
    }
    case "set_transaction":
      return statement.isSessionDefault
        ? `SET SESSION CHARACTERISTICS AS TRANSACTION ${deparseTransactionModes(statement.modes)}`
        : `SET TRANSACTION ${deparseTransactionModes(statement.modes)}`;
    case "reset":
      return `RESET ${statement.name === "all" ? "ALL" : statement.name.split(".").map(quoteIdent).join(".")}`;
    case "show":
      return `SHOW ${statement.name === "all" ? "ALL" : statement.name.split(".").map(quoteIdent).join(".")}`;
    case "discard":
      return `DISCARD ${statement.target.toUpperCase()}`;
    case "prepare": {
      const types = statement.paramTypes.length > 0 ? ` (${statement.paramTypes.map(deparseTypeName).join(", ")})` : "";
      return `PREPARE ${quoteIdent(statement.name)}${types} AS ${deparseStatement(statement.statement)}`;
    }
    case "execute":
      return `EXECUTE ${quoteIdent(statement.name)}${statement.params.length > 0 ? ` (${statement.params.map(deparseExpr).join(", ")})` : ""}`;
    case "deallocate":
      return statement.name === undefined ? "DEALLOCATE ALL" : `DEALLOCATE ${quoteIdent(statement.name)}`;
    case "explain": {
      const options = statement.options.length > 0 ? ` ${deparseOptions(statement.options)}` : "";
      return `EXPLAIN${options} ${deparseStatement(statement.statement)}`;
    }
  }
  return assertNever(statement);
}

function deparseTransaction(statement: Extract<Statement, { kind: "transaction" }>): string {
  const chain = statement.chain ? " AND CHAIN" : "";
  switch (statement.action) {
    case "begin":
      return statement.modes.length > 0 ? `BEGIN ${deparseTransactionModes(statement.modes)}` : "BEGIN";
    case "commit":
      return `COMMIT${chain}`;
    case "rollback":
      return `ROLLBACK${chain}`;
    case "savepoint":
      return `SAVEPOINT ${quoteIdent(statement.savepoint ?? "")}`;
    case "release":
      return `RELEASE SAVEPOINT ${quoteIdent(statement.savepoint ?? "")}`;
    case "rollback_to":
      return `ROLLBACK TO SAVEPOINT ${quoteIdent(statement.savepoint ?? "")}`;
  }
  return assertNever(statement.action);
}

function deparseAdministrative(statement: Extract<Statement, { kind: AdministrativeKind }>): string {
  switch (statement.kind) {
    case "analyze":
      return `ANALYZE${statement.isVerbose ? " VERBOSE" : ""}${tableList(statement.tables)}`;
    case "vacuum": {
      const options = statement.options.length > 0 ? ` ${deparseOptions(statement.options)}` : "";
      return `VACUUM${options}${tableList(statement.tables)}`;
    }
    case "checkpoint":
      return "CHECKPOINT";
    case "create_role":
      return `CREATE ${statement.isUser ? "USER" : "ROLE"} ${deparseRole(statement.name)}${deparseRoleOptions(statement.options)}`;
    case "alter_role":
      return `ALTER ROLE ${deparseRole(statement.name)}${deparseRoleOptions(statement.options)}`;
    case "drop_role":
      return `DROP ROLE ${statement.ifExists ? "IF EXISTS " : ""}${statement.names.map(deparseRole).join(", ")}`;
    case "grant":
      return deparseGrant(statement);
    case "grant_role": {
      const roles = statement.roles.map(deparseRole).join(", ");
      const grantees = statement.grantees.map(deparseRole).join(", ");
      if (statement.isGrant) return `GRANT ${roles} TO ${grantees}${statement.withAdminOption ? " WITH ADMIN OPTION" : ""}`;
      const admin = statement.withAdminOption ? "ADMIN OPTION FOR " : "";
      return `REVOKE ${admin}${roles} FROM ${grantees}${behavior(statement.behavior)}`;
    }
    case "alter_owner": {
      const name = statement.objectType === "schema" ? quoteIdent(statement.name.at(-1) ?? "") : quoteName(statement.name);
      return `ALTER ${statement.objectType.toUpperCase()} ${statement.ifExists ? "IF EXISTS " : ""}${name} OWNER TO ${deparseRole(statement.owner)}`;
    }
    case "drop_owned":
      return `DROP OWNED BY ${statement.roles.map(deparseRole).join(", ")}${behavior(statement.behavior)}`;
    case "reassign_owned":
      return `REASSIGN OWNED BY ${statement.roles.map(deparseRole).join(", ")} TO ${deparseRole(statement.newOwner)}`;
    case "alter_default_privileges": {
      const roles = statement.roles.length === 0 ? "" : ` FOR ROLE ${statement.roles.map(deparseRole).join(", ")}`;
      const schemas = statement.schemas.length === 0 ? "" : ` IN SCHEMA ${statement.schemas.map(quoteIdent).join(", ")}`;
      return `ALTER DEFAULT PRIVILEGES${roles}${schemas} ${deparseGrant(statement.action, `${statement.action.objectType.toUpperCase()}S`)}`;
    }
  }
  return assertNever(statement);
}

function tableList(tables: readonly (readonly string[])[]): string {
  return tables.length > 0 ? ` ${tables.map(quoteName).join(", ")}` : "";
}

const specialRoles: ReadonlySet<string> = new Set(["current_user", "session_user", "current_role", "public"]);

function deparseRole(name: string): string {
  return specialRoles.has(name) ? name.toUpperCase() : quoteIdent(name);
}

function deparseRoleOptions(options: readonly RoleOption[]): string {
  if (options.length === 0) return "";
  return ` WITH ${options.map(deparseRoleOption).join(" ")}`;
}

function deparseRoleOption(option: RoleOption): string {
  const value = option.value;
  if (typeof value === "boolean") return value ? option.name.toUpperCase() : `NO${option.name.toUpperCase()}`;
  switch (option.name) {
    case "connection_limit":
      return `CONNECTION LIMIT ${String(value)}`;
    case "password":
      return value === null ? "PASSWORD NULL" : `PASSWORD ${quoteString(String(value))}`;
    case "valid_until":
      return `VALID UNTIL ${quoteString(String(value))}`;
    case "in_role":
    case "role":
    case "admin": {
      const roles = Array.isArray(value) ? value.map(String).map(deparseRole).join(", ") : "";
      return `${option.name === "in_role" ? "IN ROLE" : option.name.toUpperCase()} ${roles}`;
    }
    default:
      return `SYSID 0`;
  }
}

/** GRANT/REVOKE; `abbreviated` is ALTER DEFAULT PRIVILEGES' object class (`TABLES`, …) in place of objects. */
function deparseGrant(statement: Extract<Statement, { kind: "grant" }>, abbreviated?: string): string {
  const withColumns = (name: string, i: number): string => {
    const columns = statement.columns?.[i] ?? [];
    return columns.length === 0 ? name.toUpperCase() : `${name.toUpperCase()} (${columns.map(quoteIdent).join(", ")})`;
  };
  const privileges = statement.privileges.length === 0 ? "ALL PRIVILEGES" : statement.privileges.map(withColumns).join(", ");
  let on: string;
  if (abbreviated !== undefined) {
    on = abbreviated;
  } else if (statement.isAllInSchema) {
    on = `ALL ${statement.objectType === "table" ? "TABLES" : "SEQUENCES"} IN SCHEMA ${statement.objects.map(quoteName).join(", ")}`;
  } else {
    on = `${statement.objectType.toUpperCase()} ${statement.objects.map(quoteName).join(", ")}`;
  }
  const grantees = statement.grantees.map(deparseRole).join(", ");
  if (statement.isGrant) {
    return `GRANT ${privileges} ON ${on} TO ${grantees}${statement.withGrantOption ? " WITH GRANT OPTION" : ""}`;
  }
  const option = statement.withGrantOption ? "GRANT OPTION FOR " : "";
  return `REVOKE ${option}${privileges} ON ${on} FROM ${grantees}${behavior(statement.behavior)}`;
}

function groupingExpr(core: SelectCore, index: number): Expr {
  const expr = core.groupBy[index];
  assert(expr !== undefined, "a grouping set names GROUP BY expressions");
  return expr;
}
