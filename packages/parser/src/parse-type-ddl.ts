/**
 * CREATE TYPE … AS ENUM and ALTER TYPE … ADD VALUE / RENAME VALUE; CREATE DOMAIN and ALTER
 * DOMAIN. The other forms of CREATE TYPE (composite, range, base types) are a clear 0A000, as is
 * every other ALTER TYPE or ALTER DOMAIN action.
 */
import type { AlterDomainStatement, AlterEnumTypeStatement, ColumnConstraint, CreateDomainStatement, CreateEnumTypeStatement } from "./ast.ts";
import { TokenType } from "./lexer.ts";
import { parseColumnConstraint } from "./parse-ddl.ts";
import { Prec, parseExprPrec } from "./parse-expr.ts";
import { featureNotSupported, parseAnyName, parseColId, parseDropBehavior, parseQualifiedName } from "./parse-names.ts";
import { parseTypeName } from "./parse-type.ts";
import type { TokenStream } from "./token-stream.ts";

function parseLabel(p: TokenStream): string {
  const token = p.next();
  if (token.type !== TokenType.String) throw p.unexpected(token);
  return token.text;
}

/** After CREATE TYPE. */
export function parseCreateType(p: TokenStream, pos: number): CreateEnumTypeStatement {
  const name = parseQualifiedName(p);
  if (!p.acceptKeyword("as")) throw featureNotSupported(p, p.peek(), "CREATE TYPE is supported only for enum types (CREATE TYPE … AS ENUM)");
  if (!p.acceptKeyword("enum")) throw featureNotSupported(p, p.peek(), "CREATE TYPE is supported only for enum types (CREATE TYPE … AS ENUM)");
  p.expectPunct("(");
  const labels: string[] = [];
  if (!p.acceptPunct(")")) {
    do labels.push(parseLabel(p));
    while (p.acceptPunct(","));
    p.expectPunct(")");
  }
  return { kind: "create_enum_type", pos, name, labels };
}

/** After ALTER TYPE. */
export function parseAlterType(p: TokenStream, pos: number): AlterEnumTypeStatement {
  const name = parseQualifiedName(p);
  if (p.acceptKeywords("add", "value")) {
    const ifNotExists = p.acceptKeywords("if", "not", "exists");
    const label = parseLabel(p);
    const isBefore = p.acceptKeyword("before");
    const neighbor = isBefore || p.acceptKeyword("after") ? { label: parseLabel(p), isBefore } : undefined;
    return { kind: "alter_enum_type", pos, name, action: { type: "add_value", label, ifNotExists, ...(neighbor === undefined ? {} : { neighbor }) } };
  }
  if (p.acceptKeywords("rename", "to")) return { kind: "alter_enum_type", pos, name, action: { type: "rename_to", newName: parseColId(p) } };
  if (p.acceptKeywords("rename", "value")) {
    const label = parseLabel(p);
    p.expectKeyword("to");
    return { kind: "alter_enum_type", pos, name, action: { type: "rename_value", label, newLabel: parseLabel(p) } };
  }
  throw featureNotSupported(p, p.peek(), "ALTER TYPE supports only ADD VALUE, RENAME VALUE and RENAME TO");
}

/** After CREATE DOMAIN. */
export function parseCreateDomain(p: TokenStream, pos: number): CreateDomainStatement {
  const name = parseQualifiedName(p);
  p.acceptKeyword("as");
  const type = parseTypeName(p);
  const collation = p.acceptKeyword("collate") ? parseAnyName(p) : undefined;
  const constraints: ColumnConstraint[] = [];
  for (let constraint = parseColumnConstraint(p); constraint !== undefined; constraint = parseColumnConstraint(p)) constraints.push(constraint);
  return { kind: "create_domain", pos, name, type, ...(collation === undefined ? {} : { collation }), constraints };
}

/** After ALTER DOMAIN. */
export function parseAlterDomain(p: TokenStream, pos: number): AlterDomainStatement {
  const name = parseQualifiedName(p);
  const action = parseAlterDomainAction(p);
  return { kind: "alter_domain", pos, name, action };
}

function parseAlterDomainAction(p: TokenStream): AlterDomainStatement["action"] {
  if (p.acceptKeywords("set", "default")) return { type: "set_default", expr: parseExprPrec(p, Prec.Comparison) };
  if (p.acceptKeywords("drop", "default")) return { type: "drop_default" };
  if (p.acceptKeywords("set", "not", "null")) return { type: "set_not_null" };
  if (p.acceptKeywords("drop", "not", "null")) return { type: "drop_not_null" };
  if (p.acceptKeyword("add")) {
    const constraint = parseColumnConstraint(p);
    if (constraint === undefined) throw p.unexpected();
    return { type: "add_constraint", constraint };
  }
  if (p.acceptKeywords("rename", "to")) return { type: "rename_to", newName: parseColId(p) };
  if (p.acceptKeywords("drop", "constraint")) {
    const ifExists = p.acceptKeywords("if", "exists");
    const constraintName = parseColId(p);
    const behavior = parseDropBehavior(p);
    return { type: "drop_constraint", constraintName, ifExists, ...(behavior === undefined ? {} : { behavior }) };
  }
  throw featureNotSupported(p, p.peek(), "ALTER DOMAIN supports SET/DROP DEFAULT, SET/DROP NOT NULL, ADD/DROP CONSTRAINT and RENAME TO");
}
