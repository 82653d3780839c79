/**
 * Type names, with the SQL-standard spellings PostgreSQL maps to its own names: `integer` →
 * `int4`, `double precision` → `float8`, `character varying(10)` → `varchar(10)`, `char` →
 * `bpchar(1)`, `timestamp with time zone` → `timestamptz`, `float(p)` → `float4` or `float8`.
 * Canonical names keep the tree independent of spelling, so the binder sees one name per type.
 */
import type { Expr, QualifiedName, TypeName } from "./ast.ts";
import { InvalidParameterValueError } from "@omnikv/base";
import { characterPosition } from "./errors.ts";
import { TokenType } from "./lexer.ts";
import { isTypeFunctionName } from "./keywords.ts";
import { featureNotSupported, parseColLabel } from "./parse-names.ts";
import type { TokenStream } from "./token-stream.ts";

/** Words that begin a type name with special syntax (PostgreSQL's column-name keywords among them). */
export const typeKeywords: ReadonlySet<string> = new Set([
  "double", "int", "integer", "smallint", "bigint", "real", "float", "boolean", "decimal", "dec", "numeric",
  "char", "character", "varchar", "nchar", "national", "bit", "time", "timestamp", "interval",
]);

const simpleAliases: Readonly<Record<string, string>> = {
  int: "int4",
  integer: "int4",
  smallint: "int2",
  bigint: "int8",
  real: "float4",
  boolean: "bool",
  decimal: "numeric",
  dec: "numeric",
  numeric: "numeric",
};

interface BaseType {
  readonly names: QualifiedName;
  readonly modifiers: readonly Expr[];
  readonly intervalFields?: string;
}

export interface TypeNameOptions {
  /**
   * A typed literal such as `int4 '1'` or `char 'xyz'`: no `[]` may follow, and CHAR and BIT
   * without a length are unrestricted rather than length 1 (PostgreSQL's `ConstTypename`).
   */
  readonly isLiteralType: boolean;
}

export function parseTypeName(p: TokenStream, options: TypeNameOptions = { isLiteralType: false }): TypeName {
  const pos = p.pos;
  if (p.isKeyword("setof")) throw featureNotSupported(p, p.peek(), "SETOF types are not supported");
  const base = parseBaseType(p, options.isLiteralType);
  const arrayBounds = options.isLiteralType ? [] : parseArrayBounds(p);
  return {
    kind: "type_name",
    pos,
    names: base.names,
    modifiers: base.modifiers,
    arrayBounds,
    ...(base.intervalFields === undefined ? {} : { intervalFields: base.intervalFields }),
  };
}

/** Interval fields written after a typed literal: `INTERVAL '1' DAY TO SECOND`. */
export function parseTypeNameTail(p: TokenStream, type: TypeName): TypeName {
  const fields = parseIntervalFields(p);
  if (fields === undefined) return type;
  return { ...type, intervalFields: fields.text, modifiers: [...type.modifiers, ...fields.modifiers] };
}

function parseArrayBounds(p: TokenStream): number[] {
  const bounds: number[] = [];
  if (p.acceptKeyword("array")) {
    bounds.push(p.isPunct("[") ? parseOneBound(p) : -1);
    return bounds;
  }
  while (p.isPunct("[")) bounds.push(parseOneBound(p));
  return bounds;
}

function parseOneBound(p: TokenStream): number {
  p.expectPunct("[");
  if (p.acceptPunct("]")) return -1;
  const token = p.next();
  if (token.type !== TokenType.Integer) throw p.unexpected(token);
  p.expectPunct("]");
  return Number(token.text);
}

function parseBaseType(p: TokenStream, isLiteralType: boolean): BaseType {
  const token = p.peek();
  if (token.type === TokenType.Word && typeKeywords.has(token.text)) {
    p.next();
    return parseKeywordType(p, token.text, isLiteralType);
  }
  if (token.type !== TokenType.QuotedIdent && !(token.type === TokenType.Word && isTypeFunctionName(token.text))) {
    throw p.unexpected();
  }
  p.next();
  const names = [token.text];
  while (p.isPunct(".")) {
    p.next();
    names.push(parseColLabel(p));
  }
  return { names, modifiers: parseModifiers(p) };
}

/**
 * `(10)`, `(10, 2)`: type modifiers. PostgreSQL's grammar allows expressions here but only
 * constants mean anything, so only constants (numbers, strings, names) are accepted.
 */
function parseModifiers(p: TokenStream): Expr[] {
  if (!p.isPunct("(")) return [];
  p.next();
  const modifiers: Expr[] = [];
  do modifiers.push(parseModifier(p));
  while (p.acceptPunct(","));
  p.expectPunct(")");
  return modifiers;
}

function parseModifier(p: TokenStream): Expr {
  const pos = p.pos;
  const isNegative = p.acceptOp("-");
  const token = p.next();
  if (token.type === TokenType.Integer || token.type === TokenType.Decimal) {
    const text = isNegative ? `-${token.text}` : token.text;
    return { kind: "number", pos, text, isInteger: token.type === TokenType.Integer };
  }
  if (isNegative) throw p.unexpected(token);
  if (token.type === TokenType.String) return { kind: "string", pos, value: token.text };
  if (token.type === TokenType.Word || token.type === TokenType.QuotedIdent) {
    return { kind: "column_ref", pos, names: [token.text], isStar: false };
  }
  throw p.unexpected(token);
}

function parseKeywordType(p: TokenStream, word: string, isLiteralType: boolean): BaseType {
  const alias = simpleAliases[word];
  if (alias !== undefined) return { names: [alias], modifiers: alias === "numeric" ? parseModifiers(p) : [] };
  switch (word) {
    case "double":
      // Without PRECISION, `double` is an ordinary (unreserved) type name, as in PostgreSQL.
      if (!p.acceptKeyword("precision")) return { names: ["double"], modifiers: parseModifiers(p) };
      return { names: ["float8"], modifiers: [] };
    case "float":
      return parseFloatType(p);
    case "char":
    case "character":
    case "nchar":
    case "national":
      return parseCharacterType(p, word, isLiteralType);
    case "varchar":
      return { names: ["varchar"], modifiers: parseModifiers(p) };
    case "bit": {
      const isVarying = p.acceptKeyword("varying");
      const modifiers = parseModifiers(p);
      if (isVarying) return { names: ["varbit"], modifiers };
      const isUnrestricted = modifiers.length > 0 || isLiteralType;
      return { names: ["bit"], modifiers: isUnrestricted ? modifiers : [integerLiteral(p.pos, 1)] };
    }
    case "time":
    case "timestamp":
      return parseTimeType(p, word);
    default:
      return parseIntervalType(p);
  }
}

function integerLiteral(pos: number, value: number): Expr {
  return { kind: "number", pos, text: String(value), isInteger: true };
}

/** `float` is float8; `float(p)` is float4 for p ≤ 24 and float8 for p ≤ 53. */
function parseFloatType(p: TokenStream): BaseType {
  if (!p.isPunct("(")) return { names: ["float8"], modifiers: [] };
  p.next();
  const token = p.next();
  if (token.type !== TokenType.Integer) throw p.unexpected(token);
  p.expectPunct(")");
  const precision = Number(token.text);
  const invalid = (message: string): InvalidParameterValueError =>
    new InvalidParameterValueError(message, { position: characterPosition(p.sql, token.pos) });
  if (precision < 1) throw invalid("precision for type float must be at least 1 bit");
  if (precision > 53) throw invalid("precision for type float must be less than 54 bits");
  return { names: [precision <= 24 ? "float4" : "float8"], modifiers: [] };
}

function parseCharacterType(p: TokenStream, word: string, isLiteralType: boolean): BaseType {
  if (word === "national" && !p.acceptKeyword("character")) p.expectKeyword("char");
  const isVarying = p.acceptKeyword("varying");
  const modifiers = parseModifiers(p);
  if (isVarying) return { names: ["varchar"], modifiers };
  // A bare CHAR means CHAR(1) in casts and column definitions, but not in `char 'xyz'`.
  const isUnrestricted = modifiers.length > 0 || isLiteralType;
  return { names: ["bpchar"], modifiers: isUnrestricted ? modifiers : [integerLiteral(p.pos, 1)] };
}

function parseTimeType(p: TokenStream, word: "time" | "timestamp"): BaseType {
  const modifiers = parseModifiers(p);
  let isWithZone = false;
  if (p.acceptKeyword("with")) {
    p.expectKeyword("time");
    p.expectKeyword("zone");
    isWithZone = true;
  } else if (p.acceptKeyword("without")) {
    p.expectKeyword("time");
    p.expectKeyword("zone");
  }
  const name = word === "time" ? (isWithZone ? "timetz" : "time") : isWithZone ? "timestamptz" : "timestamp";
  return { names: [name], modifiers };
}

function parseIntervalType(p: TokenStream): BaseType {
  const precision = parseModifiers(p);
  const fields = parseIntervalFields(p);
  if (fields === undefined) return { names: ["interval"], modifiers: precision };
  return { names: ["interval"], modifiers: [...precision, ...fields.modifiers], intervalFields: fields.text };
}

const intervalUnits = ["year", "month", "day", "hour", "minute", "second"];

/** `YEAR`, `DAY TO SECOND(3)`, …: the fields an interval type or literal is restricted to. */
function parseIntervalFields(p: TokenStream): { text: string; modifiers: Expr[] } | undefined {
  const first = p.peek();
  if (first.type !== TokenType.Word || !intervalUnits.includes(first.text)) return undefined;
  p.next();
  let text = first.text;
  if (p.acceptKeyword("to")) {
    const last = p.next();
    const from = intervalUnits.indexOf(first.text);
    const to = last.type === TokenType.Word ? intervalUnits.indexOf(last.text) : -1;
    if (to <= from || first.text === "second") throw p.unexpected(last);
    text += ` to ${last.text}`;
  }
  const modifiers = text.endsWith("second") ? parseModifiers(p) : [];
  return { text, modifiers };
}
