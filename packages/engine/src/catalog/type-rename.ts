/**
 * ALTER TYPE … RENAME TO and ALTER DOMAIN … RENAME TO. Stored SQL names types in text where
 * PostgreSQL's refers to their OIDs, so every cast to the renamed type in a table's defaults,
 * CHECK constraints and index expressions, in a view's query and in a domain's default and
 * CHECKs is rewritten to the new name (in the same form, plain or schema-qualified).
 */
import { UndefinedObjectError } from "@omnikv/base";
import { deparse, parse, type Expr, type SelectStatement } from "@omnikv/parser";
import type { DomainDefinition, EnumTypeDefinition } from "./definitions.ts";
import { refreshTypeSnapshots, requireOwner, withStoredSql, type DdlEnvironment } from "./ddl.ts";
import { DuplicateObjectError } from "../errors.ts";
import { parseStoredExpression } from "../storage/row-writer.ts";

export async function renameUserType(env: DdlEnvironment, names: readonly string[], newName: string): Promise<void> {
  const type = env.catalog.findUserType(names.length > 1 ? names.at(-2) : undefined, names.at(-1) ?? "", env.searchPath);
  if (type === undefined) throw new UndefinedObjectError(`type "${names.join(".")}" does not exist`);
  requireOwner(env, type);
  if (env.catalog.findUserType(type.schema, newName, []) !== undefined || env.catalog.relation(type.schema, newName) !== undefined) {
    throw new DuplicateObjectError(`type "${newName}" already exists`);
  }
  const renamed: EnumTypeDefinition | DomainDefinition = { ...type, name: newName };
  await env.catalog.write(env.txn, renamed);
  await rewriteStoredSql(env, type, newName);
  await refreshTypeSnapshots(env, type.id);
}

/** `node` with every type name denoting `type` renamed. */
function renameTypeNames(node: unknown, type: { readonly schema: string; readonly name: string }, newName: string): unknown {
  if (typeof node !== "object" || node === null) return node;
  if (Array.isArray(node)) return node.map((child) => renameTypeNames(child, type, newName));
  if ("kind" in node && node.kind === "type_name" && "names" in node && Array.isArray(node.names)) {
    const typeNames = node.names.filter((n): n is string => typeof n === "string");
    const isIt = typeNames.at(-1) === type.name && (typeNames.length === 1 || (typeNames.length === 2 && typeNames[0] === type.schema));
    return isIt ? { ...node, names: [...typeNames.slice(0, -1), newName] } : node;
  }
  return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, renameTypeNames(value, type, newName)]));
}

async function rewriteStoredSql(env: DdlEnvironment, type: { readonly id: number; readonly schema: string; readonly name: string }, newName: string): Promise<void> {
  const mentions = (sql: string | null | undefined): sql is string => typeof sql === "string" && sql.includes(type.name);
  const expression = (sql: string): string => {
    if (!mentions(sql)) return sql;
    // oxlint-disable-next-line typescript/no-unsafe-type-assertion -- the rewrite keeps the expression's shape and only renames a type
    return deparse(renameTypeNames(parseStoredExpression(sql), type, newName) as Expr);
  };
  for (const object of Array.from(env.catalog.objects())) {
    if (object.kind === "table") {
      const table = withStoredSql(object, expression);
      if (JSON.stringify(table) !== JSON.stringify(object)) await env.catalog.write(env.txn, table);
    } else if (object.kind === "view" && mentions(object.sql)) {
      const [statement] = parse(object.sql);
      // oxlint-disable-next-line typescript/no-unsafe-type-assertion -- the rewrite keeps the statement's shape and only renames a type
      if (statement?.kind === "select") await env.catalog.write(env.txn, { ...object, sql: deparse(renameTypeNames(statement, type, newName) as SelectStatement) });
    } else if (object.kind === "domain" && object.id !== type.id) {
      const domain: DomainDefinition = {
        ...object,
        ...(object.defaultSql === undefined ? {} : { defaultSql: expression(object.defaultSql) }),
        checks: object.checks.map((check) => ({ ...check, sql: expression(check.sql) })),
      };
      if (JSON.stringify(domain) !== JSON.stringify(object)) await env.catalog.write(env.txn, domain);
    }
  }
}
