/**
 * The lexer: SQL text → tokens, following PostgreSQL 15's `scan.l`.
 *
 * It scans with `charCodeAt` and no regular expressions on the hot path, because per-statement
 * parse cost must stay small next to a network round trip. Rules that matter for compatibility:
 * - Unquoted identifiers fold ASCII letters to lower case (only ASCII, as PostgreSQL does under
 *   UTF-8) and every identifier is truncated to 63 bytes (NAMEDATALEN - 1).
 * - Adjacent string literals separated by whitespace that holds a newline are one literal.
 * - A multi-character operator may not end in `+` or `-` unless it holds one of ``~!@#%^&|`?``, so
 *   `a<-1` is `a < -1`; `!=` is `<>`; `--` and `/*` inside an operator start a comment.
 * - Numbers and parameters followed directly by identifier characters are errors ("trailing
 *   junk"), as in PostgreSQL 15.
 * Invariant: token positions are strictly increasing and every token's [pos, end) lies in the text.
 */
import { assert } from "@omnikv/base";
import type { DbError } from "@omnikv/base";
import type { SqlSyntaxError } from "./errors.ts";
import { CharacterNotInRepertoireError, InvalidEscapeSequenceError } from "@omnikv/base";
import { characterPosition, nearText, syntaxError } from "./errors.ts";

export const TokenType = {
  /** An unquoted word; `text` is case-folded. Keywords are words recognized by context. */
  Word: 0,
  /** A double-quoted identifier; `text` is verbatim. */
  QuotedIdent: 1,
  String: 2,
  /** `B'…'` or `X'…'`; `text` is the prefix letter followed by the digits. */
  BitString: 3,
  Integer: 4,
  /** A number with a decimal point or exponent. */
  Decimal: 5,
  /** `$n`; `text` is the digits. */
  Param: 6,
  /** An operator such as `+`, `<=`, `||`, `@>`. */
  Op: 7,
  /** Punctuation: `( ) [ ] , ; : . :: := => ..` */
  Punct: 8,
  Eof: 9,
} as const;
export type TokenType = (typeof TokenType)[keyof typeof TokenType];

export interface Token {
  readonly type: TokenType;
  readonly text: string;
  /** 0-based offset of the first character. */
  readonly pos: number;
  /** 0-based offset just past the last character. */
  readonly end: number;
}

const identifierBytesMax = 63;

const opChars = new Set("~!@#^&|`?+-*/%<>=");

function isIdentStart(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || code === 95 || code >= 128;
}

function isIdentContinue(code: number): boolean {
  return isIdentStart(code) || (code >= 48 && code <= 57) || code === 36;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13 || code === 12 || code === 11;
}

/**
 * Lowercases ASCII letters only (PostgreSQL's `downcase_identifier` under UTF-8): `É` stays `É`.
 * The native `toLowerCase` is used when the word is all ASCII, which is the common case.
 */
function foldAscii(text: string, hasNonAscii: boolean): string {
  if (!hasNonAscii) return text.toLowerCase();
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    out += code >= 65 && code <= 90 ? String.fromCharCode(code + 32) : text.charAt(i);
  }
  return out;
}

/** Truncates to 63 UTF-8 bytes at a character boundary, as PostgreSQL truncates names. */
export function truncateIdentifier(name: string): string {
  if (name.length * 3 <= identifierBytesMax) return name;
  let bytes = 0;
  let index = 0;
  for (const char of name) {
    const code = char.codePointAt(0) ?? 0;
    const width = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    if (bytes + width > identifierBytesMax) return name.slice(0, index);
    bytes += width;
    index += char.length;
  }
  return name;
}

/** Splits `sql` into tokens; the last token is always `Eof`. Throws `SqlSyntaxError` on bad input. */
export function tokenize(sql: string): Token[] {
  const lexer = new Lexer(sql);
  const tokens: Token[] = [];
  for (;;) {
    const token = lexer.next();
    tokens.push(token);
    if (token.type === TokenType.Eof) return tokens;
  }
}

class Lexer {
  readonly #sql: string;
  #offset = 0;

  constructor(sql: string) {
    this.#sql = sql;
  }

  next(): Token {
    this.#skipWhitespaceAndComments();
    const sql = this.#sql;
    const start = this.#offset;
    if (start >= sql.length) return { type: TokenType.Eof, text: "", pos: sql.length, end: sql.length };
    const code = sql.charCodeAt(start);
    const next = sql.charCodeAt(start + 1);
    if (code === 39) return this.#standardString(start, start);
    if (code === 34) return this.#quotedIdentifier(start, start, false);
    if (isDigit(code) || (code === 46 && isDigit(next))) return this.#number(start);
    if (code === 36) return this.#dollar(start);
    if (isIdentStart(code)) return this.#wordOrPrefixedLiteral(start);
    return this.#operatorOrPunct(start);
  }

  #error(offset: number, message: string, hint?: string): SqlSyntaxError {
    return syntaxError(this.#sql, offset, message, hint);
  }

  /** 22025, with the hint PostgreSQL's scanner gives for a malformed `\u` or `\U` escape. */
  #escapeError(offset: number, message: string): InvalidEscapeSequenceError {
    return new InvalidEscapeSequenceError(message, {
      position: characterPosition(this.#sql, offset),
      hint: "Unicode escapes must be \\uXXXX or \\UXXXXXXXX.",
    });
  }

  #encodingError(offset: number, message: string): CharacterNotInRepertoireError {
    return new CharacterNotInRepertoireError(message, { position: characterPosition(this.#sql, offset) });
  }

  #skipWhitespaceAndComments(): void {
    const sql = this.#sql;
    while (this.#offset < sql.length) {
      const code = sql.charCodeAt(this.#offset);
      if (isSpace(code)) {
        this.#offset += 1;
      } else if (code === 45 && sql.charCodeAt(this.#offset + 1) === 45) {
        this.#skipLineComment();
      } else if (code === 47 && sql.charCodeAt(this.#offset + 1) === 42) {
        this.#skipBlockComment();
      } else {
        return;
      }
    }
  }

  #skipLineComment(): void {
    const newline = this.#sql.indexOf("\n", this.#offset);
    this.#offset = newline < 0 ? this.#sql.length : newline + 1;
  }

  /** Block comments nest, as in PostgreSQL (and unlike C). */
  #skipBlockComment(): void {
    const sql = this.#sql;
    const start = this.#offset;
    let depth = 0;
    let i = start;
    while (i < sql.length) {
      if (sql.charCodeAt(i) === 47 && sql.charCodeAt(i + 1) === 42) {
        depth += 1;
        i += 2;
      } else if (sql.charCodeAt(i) === 42 && sql.charCodeAt(i + 1) === 47) {
        depth -= 1;
        i += 2;
        if (depth === 0) {
          this.#offset = i;
          return;
        }
      } else {
        i += 1;
      }
    }
    throw this.#error(start, `unterminated /* comment ${nearText(sql.slice(start))}`);
  }

  #wordOrPrefixedLiteral(start: number): Token {
    const sql = this.#sql;
    const code = sql.charCodeAt(start);
    const next = sql.charCodeAt(start + 1);
    if (next === 39) {
      // E'…', B'…', X'…', N'…'
      if (code === 101 || code === 69) return this.#escapeString(start);
      if (code === 98 || code === 66 || code === 120 || code === 88) return this.#bitString(start, code);
      if (code === 110 || code === 78) return this.#nationalString(start);
    }
    if ((code === 117 || code === 85) && next === 38) {
      // U&'…' or U&"…"
      const quote = sql.charCodeAt(start + 2);
      if (quote === 39) return this.#unicodeString(start);
      if (quote === 34) return this.#quotedIdentifier(start, start + 2, true);
    }
    let end = start;
    let hasUpper = false;
    let hasNonAscii = false;
    for (; end < sql.length; end++) {
      const char = sql.charCodeAt(end);
      if (!isIdentContinue(char)) break;
      if (char >= 65 && char <= 90) hasUpper = true;
      else if (char >= 128) hasNonAscii = true;
    }
    this.#offset = end;
    const word = sql.slice(start, end);
    const text = truncateIdentifier(hasUpper ? foldAscii(word, hasNonAscii) : word);
    return { type: TokenType.Word, text, pos: start, end };
  }

  /**
   * Reads the body of a `'…'` literal whose opening quote is at `quote`, turning `''` into a
   * quote; returns the body (backslash escapes untouched) and moves past the closing quote, joining adjacent
   * literals separated by a newline.
   */
  #quotedBody(tokenStart: number, quote: number, isBackslashEscaping: boolean): string {
    const sql = this.#sql;
    let body = "";
    let i = quote + 1;
    for (;;) {
      let segmentStart = i;
      for (;;) {
        if (i >= sql.length) throw this.#error(tokenStart, `unterminated quoted string ${nearText(sql.slice(tokenStart))}`);
        const code = sql.charCodeAt(i);
        if (code === 92 && isBackslashEscaping) {
          i += 2;
        } else if (code === 39) {
          if (sql.charCodeAt(i + 1) !== 39) break;
          body += sql.slice(segmentStart, i + 1);
          i += 2;
          segmentStart = i;
        } else {
          i += 1;
        }
      }
      body += sql.slice(segmentStart, i);
      i += 1;
      const continuation = this.#quoteContinuation(i);
      if (continuation < 0) break;
      i = continuation + 1;
    }
    this.#offset = i;
    return body;
  }

  /** If whitespace holding a newline and then a quote follows `offset`, the quote's offset; else -1. */
  #quoteContinuation(offset: number): number {
    const sql = this.#sql;
    let i = offset;
    let hasNewline = false;
    for (;;) {
      const code = sql.charCodeAt(i);
      if (code === 10 || code === 13) {
        hasNewline = true;
        i += 1;
      } else if (isSpace(code)) {
        i += 1;
      } else if (code === 45 && sql.charCodeAt(i + 1) === 45) {
        // A `--` comment counts as whitespace here; it ends at the newline it needs.
        const newline = sql.indexOf("\n", i);
        if (newline < 0) return -1;
        hasNewline = true;
        i = newline + 1;
      } else {
        return hasNewline && code === 39 ? i : -1;
      }
    }
  }

  #standardString(tokenStart: number, quote: number): Token {
    const body = this.#quotedBody(tokenStart, quote, false);
    return { type: TokenType.String, text: body, pos: tokenStart, end: this.#offset };
  }

  #nationalString(start: number): Token {
    // N'…' is a bpchar literal; PostgreSQL emits a NCHAR keyword before the string.
    this.#offset = start + 1;
    return { type: TokenType.Word, text: "nchar", pos: start, end: start + 1 };
  }

  #escapeString(start: number): Token {
    const body = this.#quotedBody(start, start + 1, true);
    const value = decodeEscapes(body, {
      syntax: (message, offset = 0) => this.#error(start + offset, message),
      encoding: (message) => this.#encodingError(start, message),
      escape: (message, offset = 0) => this.#escapeError(start + offset, message),
    });
    return { type: TokenType.String, text: value, pos: start, end: this.#offset };
  }

  #bitString(start: number, prefix: number): Token {
    const body = this.#quotedBody(start, start + 1, false);
    const letter = prefix === 98 || prefix === 66 ? "b" : "x";
    return { type: TokenType.BitString, text: letter + body, pos: start, end: this.#offset };
  }

  #unicodeString(start: number): Token {
    const body = this.#quotedBody(start, start + 2, false);
    const escape = this.#unicodeEscapeChar(start);
    const value = decodeUnicodeEscapes(body, escape, (message, offset = 0, hint) => this.#error(start + offset, message, hint));
    return { type: TokenType.String, text: value, pos: start, end: this.#offset };
  }

  /** Reads an optional `UESCAPE 'c'` after a U& literal. */
  #unicodeEscapeChar(tokenStart: number): string {
    const sql = this.#sql;
    const save = this.#offset;
    this.#skipWhitespaceAndComments();
    const word = sql.slice(this.#offset, this.#offset + 7).toLowerCase();
    if (word !== "uescape" || isIdentContinue(sql.charCodeAt(this.#offset + 7))) {
      this.#offset = save;
      return "\\";
    }
    this.#offset += 7;
    this.#skipWhitespaceAndComments();
    const match = /^'([^'])'/.exec(sql.slice(this.#offset, this.#offset + 3));
    const escape = match?.[1];
    if (escape === undefined || /[0-9a-fA-F+'"\s]/.test(escape)) {
      throw this.#error(tokenStart, "invalid Unicode escape character");
    }
    this.#offset += 3;
    return escape;
  }

  #quotedIdentifier(tokenStart: number, quote: number, isUnicode: boolean): Token {
    const sql = this.#sql;
    let i = quote + 1;
    let body = "";
    for (;;) {
      const close = sql.indexOf('"', i);
      if (close < 0) {
        throw this.#error(tokenStart, `unterminated quoted identifier ${nearText(sql.slice(tokenStart))}`);
      }
      body += sql.slice(i, close);
      if (sql.charCodeAt(close + 1) !== 34) {
        i = close + 1;
        break;
      }
      body += '"';
      i = close + 2;
    }
    this.#offset = i;
    let name = body;
    if (isUnicode) {
      const escape = this.#unicodeEscapeChar(tokenStart);
      name = decodeUnicodeEscapes(body, escape, (message, offset = 0, hint) => this.#error(tokenStart + offset, message, hint));
    }
    if (name.length === 0) {
      throw this.#error(tokenStart, `zero-length delimited identifier ${nearText(sql.slice(tokenStart, i))}`);
    }
    return { type: TokenType.QuotedIdent, text: truncateIdentifier(name), pos: tokenStart, end: this.#offset };
  }

  #number(start: number): Token {
    const sql = this.#sql;
    let i = start;
    while (isDigit(sql.charCodeAt(i))) i += 1;
    let isInteger = true;
    // `1..5` is an integer followed by `..`, not the decimal `1.`.
    if (sql.charCodeAt(i) === 46 && sql.charCodeAt(i + 1) !== 46) {
      isInteger = false;
      i += 1;
      while (isDigit(sql.charCodeAt(i))) i += 1;
    }
    const exponent = sql.charCodeAt(i);
    if (exponent === 101 || exponent === 69) {
      let j = i + 1;
      const sign = sql.charCodeAt(j);
      if (sign === 43 || sign === 45) j += 1;
      if (isDigit(sql.charCodeAt(j))) {
        isInteger = false;
        i = j;
        while (isDigit(sql.charCodeAt(i))) i += 1;
      }
    }
    if (isIdentStart(sql.charCodeAt(i))) {
      let end = i;
      while (isIdentContinue(sql.charCodeAt(end))) end += 1;
      throw this.#error(start, `trailing junk after numeric literal ${nearText(sql.slice(start, end))}`);
    }
    this.#offset = i;
    return { type: isInteger ? TokenType.Integer : TokenType.Decimal, text: sql.slice(start, i), pos: start, end: i };
  }

  #dollar(start: number): Token {
    const sql = this.#sql;
    if (isDigit(sql.charCodeAt(start + 1))) {
      let i = start + 1;
      while (isDigit(sql.charCodeAt(i))) i += 1;
      if (isIdentContinue(sql.charCodeAt(i))) {
        let end = i;
        while (isIdentContinue(sql.charCodeAt(end))) end += 1;
        throw this.#error(start, `trailing junk after parameter ${nearText(sql.slice(start, end))}`);
      }
      this.#offset = i;
      return { type: TokenType.Param, text: sql.slice(start + 1, i), pos: start, end: i };
    }
    let i = start + 1;
    if (isIdentStart(sql.charCodeAt(i))) {
      while (isIdentContinue(sql.charCodeAt(i)) && sql.charCodeAt(i) !== 36) i += 1;
    }
    if (sql.charCodeAt(i) !== 36) {
      this.#offset = start + 1;
      return { type: TokenType.Punct, text: "$", pos: start, end: start + 1 };
    }
    const delimiter = sql.slice(start, i + 1);
    const close = sql.indexOf(delimiter, i + 1);
    if (close < 0) {
      throw this.#error(start, `unterminated dollar-quoted string ${nearText(sql.slice(start))}`);
    }
    this.#offset = close + delimiter.length;
    return { type: TokenType.String, text: sql.slice(i + 1, close), pos: start, end: this.#offset };
  }

  #operatorOrPunct(start: number): Token {
    const sql = this.#sql;
    const code = sql.charCodeAt(start);
    const char = sql.charAt(start);
    const next = sql.charAt(start + 1);
    if (char === ":" && (next === ":" || next === "=")) return this.#punct(start, 2);
    if (char === "." && next === ".") return this.#punct(start, 2);
    if (!opChars.has(char)) {
      // Surrogate pairs stay together so an error quotes a whole character.
      const width = code >= 0xd800 && code <= 0xdbff ? 2 : 1;
      return this.#punct(start, width);
    }
    let end = start;
    while (end < sql.length && opChars.has(sql.charAt(end))) {
      if (end > start && (sql.startsWith("--", end) || sql.startsWith("/*", end))) break;
      end += 1;
    }
    let text = sql.slice(start, end);
    if (text.length > 1 && /[+-]$/.test(text) && !/[~!@#^&|`?%]/.test(text)) {
      text = text.replace(/[+-]+$/, "");
      if (text.length === 0) text = sql.charAt(start);
    }
    assert(text.length > 0, "an operator has at least one character");
    end = start + text.length;
    this.#offset = end;
    if (text === "!=") text = "<>";
    // `=>` names a function argument; PostgreSQL forbids it as an operator name.
    if (text === "=>") return { type: TokenType.Punct, text, pos: start, end };
    return { type: TokenType.Op, text, pos: start, end };
  }

  #punct(start: number, width: number): Token {
    this.#offset = start + width;
    return { type: TokenType.Punct, text: this.#sql.slice(start, start + width), pos: start, end: start + width };
  }
}

/** Makes an error; `offset` is a distance past the token's start where PostgreSQL points its caret. */
type ErrorFactory = (message: string, offset?: number, hint?: string) => DbError;

/** Decodes the backslash escapes of an E'' literal; byte escapes must form valid UTF-8. */
export interface EscapeErrors {
  /** 42601: a bad code point or surrogate pair. */
  readonly syntax: ErrorFactory;
  /** 22021: byte escapes that are not UTF-8. */
  readonly encoding: ErrorFactory;
  /** 22025: a `\u` or `\U` without its hex digits. */
  readonly escape: ErrorFactory;
}

export function decodeEscapes(body: string, errors: EscapeErrors): string {
  if (!body.includes("\\")) return body;
  let out = "";
  let bytes: number[] = [];
  const flushBytes = (): void => {
    if (bytes.length === 0) return;
    out += decodeUtf8(bytes, errors.encoding);
    bytes = [];
  };
  let i = 0;
  while (i < body.length) {
    const char = body.charAt(i);
    if (char !== "\\") {
      flushBytes();
      out += char;
      i += 1;
      continue;
    }
    const escaped = decodeOneEscape(body, i + 1, errors);
    if (escaped.byte !== undefined) {
      bytes.push(escaped.byte);
    } else {
      flushBytes();
      out += escaped.text;
    }
    i = escaped.next;
  }
  flushBytes();
  return out;
}

interface Escaped {
  readonly text: string;
  readonly byte?: number;
  readonly next: number;
}

const simpleEscapes: Readonly<Record<string, string>> = { b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };

function decodeOneEscape(body: string, at: number, errors: EscapeErrors): Escaped {
  const char = body.charAt(at);
  const simple = simpleEscapes[char];
  if (simple !== undefined) return { text: simple, next: at + 1 };
  if (char >= "0" && char <= "7") {
    const digits = /^[0-7]{1,3}/.exec(body.slice(at))?.[0] ?? char;
    return { text: "", byte: Number.parseInt(digits, 8) & 0xff, next: at + digits.length };
  }
  if (char === "x" && /[0-9a-fA-F]/.test(body.charAt(at + 1))) {
    const digits = /^[0-9a-fA-F]{1,2}/.exec(body.slice(at + 1))?.[0] ?? "";
    return { text: "", byte: Number.parseInt(digits, 16), next: at + 1 + digits.length };
  }
  if (char === "u" || char === "U") return decodeUnicodeBackslashEscape(body, at, errors);
  if (char === "") throw errors.syntax("unterminated quoted string");
  return { text: char, next: at + 1 };
}

/** `E'` comes before the body of an escape string literal. */
const escapeStringPrefixLength = 2;

/**
 * `\uXXXX` or `\UXXXXXXXX` at `at` (just past the backslash); a high surrogate must be followed by
 * a low one written the same way, and the pair is one character, as in PostgreSQL's scanner. Errors
 * point where PostgreSQL's do and name the text there (`at or near "\uDC00"`), assuming no doubled
 * quote or continuation line comes before the escape in the literal.
 */
function decodeUnicodeBackslashEscape(body: string, at: number, errors: EscapeErrors): Escaped {
  const unit = unicodeBackslashEscapeAt(body, at - 1);
  const escapeText = body.slice(at - 1, at + 1 + (body.charAt(at) === "u" ? 4 : 8));
  const errorAt = (message: string, offset: number, near: string): DbError =>
    errors.syntax(`${message} at or near "${near}"`, escapeStringPrefixLength + offset);
  if (unit === undefined) throw errors.escape("invalid Unicode escape", escapeStringPrefixLength + at - 1);
  const { codePoint, next } = unit;
  if (codePoint >= 0xdc00 && codePoint <= 0xdfff) throw errorAt("invalid Unicode surrogate pair", at - 1, escapeText);
  if (codePoint < 0xd800 || codePoint > 0xdbff) {
    if (codePoint === 0 || codePoint > 0x10ffff) throw errorAt("invalid Unicode escape value", at - 1, escapeText);
    return { text: String.fromCodePoint(codePoint), next };
  }
  const low = unicodeBackslashEscapeAt(body, next);
  if (low === undefined || low.codePoint < 0xdc00 || low.codePoint > 0xdfff) {
    const near = low === undefined ? (next < body.length ? body.charAt(next) : "'") : body.slice(next, low.next);
    throw errorAt("invalid Unicode surrogate pair", next, near);
  }
  return { text: String.fromCodePoint(0x10000 + ((codePoint - 0xd800) << 10) + (low.codePoint - 0xdc00)), next: low.next };
}

/** The code unit of a well-formed `\uXXXX` or `\UXXXXXXXX` at `at` (the backslash), if there is one. */
function unicodeBackslashEscapeAt(body: string, at: number): { codePoint: number; next: number } | undefined {
  if (body.charAt(at) !== "\\") return undefined;
  const letter = body.charAt(at + 1);
  if (letter !== "u" && letter !== "U") return undefined;
  const width = letter === "u" ? 4 : 8;
  const digits = body.slice(at + 2, at + 2 + width);
  if (!(width === 4 ? /^[0-9a-fA-F]{4}$/ : /^[0-9a-fA-F]{8}$/).test(digits)) return undefined;
  return { codePoint: Number.parseInt(digits, 16), next: at + 2 + width };
}

function codePointText(codePoint: number, error: ErrorFactory): string {
  if (codePoint === 0 || codePoint > 0x10ffff || (codePoint >= 0xd800 && codePoint <= 0xdfff)) {
    throw error("invalid Unicode escape value");
  }
  return String.fromCodePoint(codePoint);
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

function decodeUtf8(bytes: readonly number[], error: ErrorFactory): string {
  if (bytes.includes(0)) throw error(`invalid byte sequence for encoding "UTF8": 0x00`);
  try {
    return strictUtf8.decode(new Uint8Array(bytes));
  } catch {
    const hex = bytes.map((byte) => `0x${byte.toString(16).padStart(2, "0")}`).join(" ");
    throw error(`invalid byte sequence for encoding "UTF8": ${hex}`);
  }
}

/** `U&'` or `U&"`: what comes before the body of a Unicode-escaped literal or identifier. */
const unicodePrefixLength = 3;

/** Decodes U&'' escapes: `\XXXX`, `\+XXXXXX`, and a doubled escape character for itself. */
export function decodeUnicodeEscapes(body: string, escape: string, error: ErrorFactory): string {
  let out = "";
  let i = 0;
  while (i < body.length) {
    const char = body.charAt(i);
    if (char !== escape) {
      out += char;
      i += 1;
      continue;
    }
    if (body.charAt(i + 1) === escape) {
      out += escape;
      i += 2;
      continue;
    }
    const isLong = body.charAt(i + 1) === "+";
    const width = isLong ? 6 : 4;
    const start = i + (isLong ? 2 : 1);
    const digits = body.slice(start, start + width);
    // PostgreSQL points at the escape character: its offset in the body, past `U&'`.
    const escapeOffset = i + unicodePrefixLength;
    if (!new RegExp(`^[0-9a-fA-F]{${width}}$`).test(digits)) {
      // PostgreSQL's hint names the backslash whatever UESCAPE chose.
      throw error("invalid Unicode escape", escapeOffset, "Unicode escapes must be \\XXXX or \\+XXXXXX.");
    }
    let codePoint = Number.parseInt(digits, 16);
    let next = start + width;
    if (codePoint >= 0xdc00 && codePoint <= 0xdfff) throw error("invalid Unicode surrogate pair", escapeOffset);
    // A surrogate pair written as two escapes; PostgreSQL points just past the high half when the low is missing.
    if (codePoint >= 0xd800 && codePoint <= 0xdbff) {
      const low = unicodeEscapeAt(body, next, escape);
      if (low === undefined || low.codePoint < 0xdc00 || low.codePoint > 0xdfff) {
        throw error("invalid Unicode surrogate pair", next + unicodePrefixLength);
      }
      codePoint = 0x10000 + ((codePoint - 0xd800) << 10) + (low.codePoint - 0xdc00);
      next = low.next;
    }
    out += codePointText(codePoint, (message) => error(message, escapeOffset));
    i = next;
  }
  return out;
}

/** The code unit of a well-formed `\XXXX` or `\+XXXXXX` (with the literal's escape character) at `at`. */
function unicodeEscapeAt(body: string, at: number, escape: string): { codePoint: number; next: number } | undefined {
  if (body.charAt(at) !== escape) return undefined;
  const isLong = body.charAt(at + 1) === "+";
  const start = at + (isLong ? 2 : 1);
  const digits = body.slice(start, start + (isLong ? 6 : 4));
  if (!(isLong ? /^[0-9a-fA-F]{6}$/ : /^[0-9a-fA-F]{4}$/).test(digits)) return undefined;
  return { codePoint: Number.parseInt(digits, 16), next: start + digits.length };
}
