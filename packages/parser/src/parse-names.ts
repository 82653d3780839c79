/**
 * Names and the small shared pieces of the grammar that need no expressions: identifiers with
 * PostgreSQL's keyword rules, qualified names, option lists, role specifications, and the 0A000
 * error for syntax PostgreSQL has and OmniKV-TS does not.
 */
import type { DropBehavior, GenericOption, QualifiedName } from "./ast.ts";
import { FeatureNotSupportedError } from "@omnikv/base";
import { characterPosition } from "./errors.ts";
import { isColId } from "./keywords.ts";
import { TokenType, type Token } from "./lexer.ts";
import type { TokenStream } from "./token-stream.ts";

/** A column, table or alias name: PostgreSQL's `ColId`. */
export function parseColId(p: TokenStream): string {
  const token = p.next();
  if (token.type === TokenType.QuotedIdent) return token.text;
  if (token.type === TokenType.Word && isColId(token.text)) return token.text;
  throw p.unexpected(token);
}

/** Any name after a dot or AS, where even reserved words are names: PostgreSQL's `ColLabel`. */
export function parseColLabel(p: TokenStream): string {
  const token = p.next();
  if (token.type === TokenType.QuotedIdent || token.type === TokenType.Word) return token.text;
  throw p.unexpected(token);
}

/** `name` or `schema.name` (or `db.schema.name`). */
export function parseQualifiedName(p: TokenStream): QualifiedName {
  const names = [parseColId(p)];
  while (p.isPunct(".") && names.length < 3) {
    p.next();
    names.push(parseColLabel(p));
  }
  return names;
}

/** A dotted name such as a collation or operator class: `pg_catalog."default"`. */
export function parseAnyName(p: TokenStream): QualifiedName {
  return parseQualifiedName(p);
}

export function parseColIdList(p: TokenStream): string[] {
  const names = [parseColId(p)];
  while (p.acceptPunct(",")) names.push(parseColId(p));
  return names;
}

/** `(a, b, c)`. */
export function parseParenthesizedColumns(p: TokenStream): string[] {
  p.expectPunct("(");
  const names = parseColIdList(p);
  p.expectPunct(")");
  return names;
}

/**
 * A node under construction, returned as its readonly type once complete. Optional fields are
 * assigned only when present: building with object spreads was the parser's hottest cost.
 */
export type Building<T> = { -readonly [K in keyof T]: T[K] };

export function featureNotSupported(p: TokenStream, token: Token, message: string): FeatureNotSupportedError {
  return new FeatureNotSupportedError(message, { position: characterPosition(p.sql, token.pos) });
}

export function parseDropBehavior(p: TokenStream): DropBehavior | undefined {
  if (p.acceptKeyword("cascade")) return "cascade";
  if (p.acceptKeyword("restrict")) return "restrict";
  return undefined;
}

export function parseStringToken(p: TokenStream): string {
  const token = p.next();
  if (token.type !== TokenType.String) throw p.unexpected(token);
  return token.text;
}

/** A role name, PUBLIC, or CURRENT_USER/SESSION_USER/CURRENT_ROLE (lowercased). */
export function parseRoleSpec(p: TokenStream): string {
  const token = p.peek();
  if (token.type === TokenType.Word && ["current_user", "session_user", "current_role", "public"].includes(token.text)) {
    p.next();
    return token.text;
  }
  return parseColId(p);
}

/** `( name [value], … )` as COPY, EXPLAIN and VACUUM take them. */
export function parseGenericOptions(p: TokenStream): GenericOption[] {
  p.expectPunct("(");
  const options: GenericOption[] = [];
  do {
    const pos = p.pos;
    const name = parseColLabel(p);
    const value = parseOptionValue(p);
    options.push({ kind: "option", pos, name, ...(value === undefined ? {} : { value }) });
  } while (p.acceptPunct(","));
  p.expectPunct(")");
  return options;
}

function parseOptionValue(p: TokenStream): GenericOption["value"] {
  const token = p.peek();
  if (p.isPunct(",") || p.isPunct(")")) return undefined;
  if (p.acceptOp("*")) return "*";
  if (p.isPunct("(")) return parseParenthesizedColumns(p);
  if (token.type === TokenType.Op && (token.text === "-" || token.text === "+")) {
    p.next();
    const number = p.next();
    if (number.type !== TokenType.Integer && number.type !== TokenType.Decimal) throw p.unexpected(number);
    return token.text === "-" ? `-${number.text}` : number.text;
  }
  if (token.type === TokenType.Punct || token.type === TokenType.Eof || token.type === TokenType.Op) throw p.unexpected();
  p.next();
  return token.text;
}
