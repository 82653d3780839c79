/**
 * CREATE TYPE … AS ENUM and ALTER TYPE … ADD VALUE / RENAME VALUE. The other forms of CREATE TYPE
 * (composite, range, base types) are a clear 0A000, as is every other ALTER TYPE action.
 */
import type { AlterEnumTypeStatement, CreateEnumTypeStatement } from "./ast.ts";
import { TokenType } from "./lexer.ts";
import { featureNotSupported, parseQualifiedName } from "./parse-names.ts";
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
  if (p.acceptKeywords("rename", "value")) {
    const label = parseLabel(p);
    p.expectKeyword("to");
    return { kind: "alter_enum_type", pos, name, action: { type: "rename_value", label, newLabel: parseLabel(p) } };
  }
  throw featureNotSupported(p, p.peek(), "ALTER TYPE supports only ADD VALUE and RENAME VALUE of enum types");
}
