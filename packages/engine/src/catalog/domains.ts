/**
 * Domains: CREATE DOMAIN, ALTER DOMAIN (SET/DROP DEFAULT, SET/DROP NOT NULL, ADD/DROP CONSTRAINT)
 * and DROP DOMAIN. A column of a domain stores its base type's values and records the domain
 * (`ColumnDefinition.domain`); its table keeps a snapshot of the domain, so writes check the
 * domain's NOT NULL and CHECK constraints and take its default without reading the catalog.
 * Changing a domain re-checks the rows of its columns (ALTER) and refreshes those snapshots.
 */
import { DbError, FeatureNotSupportedError, SqlState, assertNever, UndefinedObjectError, WrongObjectTypeError, type SqlValue } from "@omnikv/base";
import { compileExpr } from "@omnikv/executor";
import { deparse, type AlterDomainStatement, type ColumnConstraint, type CreateDomainStatement, type DropStatement, type Expr } from "@omnikv/parser";
import { bindDomainCheck, bindExpr, coerce, resolveTypeTarget, type SqlType } from "@omnikv/planner";
import { tableStorage, type CheckDefinition, type DomainDefinition, type TableDefinition } from "./definitions.ts";
import { creationSchema, dropColumnsCascading, refreshTypeSnapshots, requireDropRight, requireOwner, type DdlEnvironment } from "./ddl.ts";
import { CheckViolationError, DependentObjectsStillExistError, DuplicateObjectError, NotNullViolationError } from "../errors.ts";
import { storageRange } from "../storage/keys.ts";
import { layoutOf } from "../storage/table-layout.ts";
import { renameUserType } from "./type-rename.ts";

/** 42601: what PostgreSQL's DefineDomain reports as a syntax error (conflicting, repeated or impossible clauses). */
class DomainDefinitionError extends DbError {
  override readonly name: string = "DomainDefinitionError";
  readonly sqlState = SqlState.SyntaxError;
}

function baseTypeOf(domain: Pick<DomainDefinition, "baseOid" | "baseTypmod">): SqlType {
  return { oid: domain.baseOid, typmod: domain.baseTypmod };
}

/** The default's SQL, once it binds and converts to the base type (as PostgreSQL checks it at definition). */
function checkedDefault(env: DdlEnvironment, base: SqlType, expr: Expr): string {
  const sql = deparse(expr);
  const context = { settings: env.settings, paramTypes: [], sql };
  coerce(bindExpr(expr, context), base, "assignment", context);
  return sql;
}

/** A CHECK's definition, once its expression binds over VALUE as a boolean. */
function checkedCheck(env: DdlEnvironment, base: SqlType, name: string, expr: Expr): CheckDefinition {
  const sql = deparse(expr);
  bindDomainCheck(sql, base, env.settings);
  return { name, sql };
}

/** `domain_check`, `domain_check1`, …: PostgreSQL's names for unnamed domain constraints. */
function chooseCheckName(domainName: string, taken: readonly CheckDefinition[]): string {
  const base = `${domainName}_check`.slice(0, 63);
  if (!taken.some((c) => c.name === base)) return base;
  for (let n = 1; ; n++) {
    const candidate = `${base.slice(0, 63 - String(n).length)}${n}`;
    if (!taken.some((c) => c.name === candidate)) return candidate;
  }
}

export async function createDomain(env: DdlEnvironment, statement: CreateDomainStatement): Promise<void> {
  const name = statement.name.at(-1) ?? "";
  const schema = creationSchema(env, statement.name);
  const target = resolveTypeTarget(statement.type, env.settings);
  if (target.domain !== undefined) throw new FeatureNotSupportedError(`a domain over another domain (${target.domain.name}) is not supported`);
  const base = target.type;
  let isNotNull: boolean | undefined;
  let defaultSql: string | undefined;
  const checks: CheckDefinition[] = [];
  for (const constraint of statement.constraints) {
    switch (constraint.type) {
      case "not_null":
      case "null": {
        const wants = constraint.type === "not_null";
        if (isNotNull !== undefined && isNotNull !== wants) throw new DomainDefinitionError("conflicting NULL/NOT NULL constraints");
        isNotNull = wants;
        break;
      }
      case "default":
        if (defaultSql !== undefined) throw new DomainDefinitionError("multiple default expressions");
        defaultSql = checkedDefault(env, base, constraint.expr);
        break;
      case "check":
        checks.push(checkedCheck(env, base, constraint.name ?? chooseCheckName(name, checks), constraint.expr));
        break;
      case "primary_key":
      case "unique":
      case "references":
      case "identity":
      case "generated":
        throw unsupportedConstraint(constraint);
      default:
        assertNever(constraint);
    }
  }
  if (env.catalog.relation(schema, name) !== undefined) throw new DuplicateObjectError(`type "${name}" already exists`);
  const definition: DomainDefinition = {
    kind: "domain",
    id: env.allocateObjectId(),
    schema,
    name,
    baseOid: base.oid,
    baseTypmod: base.typmod,
    isNotNull: isNotNull ?? false,
    ...(defaultSql === undefined ? {} : { defaultSql }),
    checks,
    owner: env.auth.roleId,
  };
  await env.catalog.write(env.txn, definition);
}

function unsupportedConstraint(constraint: ColumnConstraint): DbError {
  const what: Readonly<Record<ColumnConstraint["type"], string>> = {
    primary_key: "primary key",
    unique: "unique",
    references: "foreign key",
    identity: "identity",
    generated: "generated column",
    check: "check",
    default: "default",
    not_null: "not null",
    null: "null",
  };
  return new DomainDefinitionError(`${what[constraint.type]} constraints not possible for domains`);
}

function findDomain(env: DdlEnvironment, names: readonly string[]): DomainDefinition | undefined {
  const type = env.catalog.findUserType(names.length > 1 ? names.at(-2) : undefined, names.at(-1) ?? "", env.searchPath);
  if (type !== undefined && type.kind !== "domain") throw new WrongObjectTypeError(`"${type.name}" is not a domain`);
  return type;
}

/** Table columns of the domain. */
function domainColumns(env: DdlEnvironment, domainId: number): { readonly table: TableDefinition; readonly position: number }[] {
  const found: { table: TableDefinition; position: number }[] = [];
  for (const table of env.catalog.tables()) {
    table.columns.forEach((column, position) => {
      if (column.domain === domainId) found.push({ table, position });
    });
  }
  return found;
}

export async function alterDomain(env: DdlEnvironment, statement: AlterDomainStatement): Promise<void> {
  if (statement.action.type === "rename_to") {
    if (findDomain(env, statement.name) === undefined) throw new UndefinedObjectError(`type "${statement.name.join(".")}" does not exist`);
    await renameUserType(env, statement.name, statement.action.newName);
    return;
  }
  const domain = findDomain(env, statement.name);
  if (domain === undefined) throw new UndefinedObjectError(`type "${statement.name.join(".")}" does not exist`);
  requireOwner(env, domain);
  const action = statement.action;
  const base = baseTypeOf(domain);
  let next: DomainDefinition;
  switch (action.type) {
    case "set_default":
      next = { ...domain, defaultSql: checkedDefault(env, base, action.expr) };
      break;
    case "drop_default": {
      const { defaultSql: _dropped, ...rest } = domain;
      next = rest;
      break;
    }
    case "set_not_null":
      next = { ...domain, isNotNull: true };
      validateRows(env, domain, (value) => (value === null ? "null" : undefined));
      break;
    case "drop_not_null":
      next = { ...domain, isNotNull: false };
      break;
    case "add_constraint": {
      const constraint = action.constraint;
      if (constraint.type === "not_null") {
        next = { ...domain, isNotNull: true };
        validateRows(env, domain, (value) => (value === null ? "null" : undefined));
        break;
      }
      if (constraint.type !== "check") throw unsupportedConstraint(constraint);
      if (constraint.name !== undefined && domain.checks.some((c) => c.name === constraint.name)) {
        throw new DuplicateObjectError(`constraint "${constraint.name}" for domain ${domain.name} already exists`);
      }
      const check = checkedCheck(env, base, constraint.name ?? chooseCheckName(domain.name, domain.checks), constraint.expr);
      const test = compileExpr(bindDomainCheck(check.sql, base, env.settings), env.registry);
      validateRows(env, domain, (value) => (test([value], [], env.context) === false ? "check" : undefined));
      next = { ...domain, checks: [...domain.checks, check] };
      break;
    }
    case "drop_constraint": {
      if (!domain.checks.some((c) => c.name === action.constraintName)) {
        if (action.ifExists) {
          env.notice(`constraint "${action.constraintName}" of domain "${domain.name}" does not exist, skipping`);
          return;
        }
        throw new UndefinedObjectError(`constraint "${action.constraintName}" of domain "${domain.name}" does not exist`);
      }
      next = { ...domain, checks: domain.checks.filter((c) => c.name !== action.constraintName) };
      break;
    }
  }
  await env.catalog.write(env.txn, next);
  await refreshTypeSnapshots(env, domain.id);
}

/**
 * Every stored value of the domain's columns against a new constraint: `violation` names what a
 * value breaks (23502 for NULL, 23514 for a CHECK), as PostgreSQL's validateDomainConstraint.
 */
function validateRows(env: DdlEnvironment, domain: DomainDefinition, violation: (value: SqlValue) => "null" | "check" | undefined): void {
  for (const { table, position } of domainColumns(env, domain.id)) {
    const layout = layoutOf(table);
    const column = table.columns[position]?.name ?? "?";
    for (const [key, value] of env.txn.scan(storageRange(tableStorage(table)))) {
      const found = violation(layout.decode(key, value, new Set([position]))[position] ?? null);
      if (found === "null") throw new NotNullViolationError(`column "${column}" of table "${table.name}" contains null values`);
      if (found === "check") throw new CheckViolationError(`column "${column}" of table "${table.name}" contains values that violate the new constraint`);
    }
  }
}


/** DROP DOMAIN: refused (2BP01) while a column has the domain; CASCADE drops those columns first. */
export async function dropDomains(env: DdlEnvironment, statement: DropStatement): Promise<void> {
  for (const names of statement.names) {
    const domain = findDomain(env, names);
    if (domain === undefined) {
      if (statement.ifExists) {
        env.notice(`type "${names.join(".")}" does not exist, skipping`);
        continue;
      }
      throw new UndefinedObjectError(`type "${names.join(".")}" does not exist`);
    }
    requireDropRight(env, domain);
    const dependents = domainColumns(env, domain.id);
    if (dependents.length > 0) {
      const detail = dependents.map((d) => `column ${d.table.columns[d.position]?.name ?? "?"} of table ${d.table.name} depends on type ${domain.name}`).join("\n");
      if (statement.behavior !== "cascade") {
        throw new DependentObjectsStillExistError(`cannot drop type ${domain.name} because other objects depend on it`, { detail, hint: "Use DROP ... CASCADE to drop the dependent objects too." });
      }
      await dropColumnsCascading(env, dependents.map((d) => ({ table: d.table, column: d.table.columns[d.position]?.name ?? "?" })));
    }
    await env.catalog.remove(env.txn, domain.id);
  }
}
