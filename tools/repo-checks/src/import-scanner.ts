/**
 * Finds the module specifiers a TypeScript or JavaScript file imports, without a parser.
 *
 * TypeScript 7 has no JavaScript API, so this is a small lexer: it drops comments, reads string,
 * template and regular-expression literals as single tokens, and then matches token patterns:
 *
 *   import x from "m"      import type { T } from "m"     import "m"
 *   export * from "m"      export { a } from "m"          export type { T } from "m"
 *   import("m")            import x = require("m")        require("m")
 *
 * Invariants: text inside comments and string literals never yields an import (a doc comment may
 * show `import { x } from "@omnikv/lsm"` freely); `a.import(...)` and `import.meta` are not
 * imports. A dynamic `import(expr)` whose argument is not a literal is reported separately,
 * because no lexer can tell what it loads.
 *
 * Known limit: a regular expression literal directly after `)` or `}` is read as division, as in
 * most editors' highlighters; it matters only if that regex contains a quote or a backtick.
 */

export type ImportKind = "static" | "dynamic" | "require";

export interface ImportReference {
  readonly specifier: string;
  /** 1-based line of the specifier. */
  readonly line: number;
  readonly kind: ImportKind;
}

export interface ImportScan {
  readonly imports: readonly ImportReference[];
  /** Lines of `import(expr)` calls whose argument is not a string literal. */
  readonly nonLiteralDynamicImportLines: readonly number[];
}

type TokenKind = "word" | "string" | "punctuator" | "opaque";

interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly line: number;
}

/** After these words a `/` starts a regular expression, not a division. */
const wordsBeforeExpression = new Set([
  "return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "throw", "case", "do",
  "else", "yield", "await",
]);

/** Tokens that may appear between `import`/`export` and `from` in an import or export clause. */
const clausePunctuators = new Set(["{", "}", ",", "*", "="]);

/** A clause longer than this is not an import clause (it would have hit a `from` long before). */
const clauseTokensMax = 2_000;

const wordStart = /[A-Za-z_$#\u0080-\uffff]/;
const wordPart = /[A-Za-z0-9_$\u0080-\uffff]/;
const digit = /[0-9]/;
const numberPart = /[A-Za-z0-9_.]/;

class SourceLexer {
  readonly #text: string;
  readonly #tokens: Token[] = [];
  /** Open `{` and `${`: a `}` closes a block or resumes the template it belongs to. */
  readonly #braces: ("brace" | "template")[] = [];
  #index = 0;
  #line = 1;

  constructor(text: string) {
    this.#text = text;
  }

  tokenize(): readonly Token[] {
    // A `#!` line is not JavaScript; Node skips it and so do we.
    if (this.#text.startsWith("#!")) this.#skipUntil("\n", false);
    while (this.#index < this.#text.length) this.#next();
    return this.#tokens;
  }

  #next(): void {
    const char = this.#text.charAt(this.#index);
    const following = this.#text.charAt(this.#index + 1);
    if (char === "\n") {
      this.#line += 1;
      this.#index += 1;
    } else if (char.trim() === "") {
      this.#index += 1;
    } else if (char === "/" && following === "/") {
      this.#skipUntil("\n", false);
    } else if (char === "/" && following === "*") {
      this.#index += 2;
      this.#skipUntil("*/", true);
    } else if (char === '"' || char === "'") {
      this.#readString(char);
    } else if (char === "`") {
      this.#index += 1;
      this.#readTemplate(true);
    } else if (char === "}" && this.#braces.at(-1) === "template") {
      this.#braces.pop();
      this.#index += 1;
      this.#readTemplate(false);
    } else if (char === "/" && this.#isRegexStart()) {
      this.#readRegex();
    } else if (wordStart.test(char)) {
      this.#readRun("word", wordPart, 1);
    } else if (digit.test(char)) {
      this.#readRun("opaque", numberPart, 1);
    } else {
      this.#readPunctuator(char);
    }
  }

  #push(kind: TokenKind, text: string, line: number): void {
    this.#tokens.push({ kind, text, line });
  }

  /** Advances past `end` (or to the end of the text), counting newlines. */
  #skipUntil(end: string, isEndConsumed: boolean): void {
    const found = this.#text.indexOf(end, this.#index);
    const stop = found === -1 ? this.#text.length : found + (isEndConsumed ? end.length : 0);
    this.#countLines(this.#index, stop);
    this.#index = stop;
  }

  #countLines(from: number, to: number): void {
    for (let index = from; index < to; index++) {
      if (this.#text.charAt(index) === "\n") this.#line += 1;
    }
  }

  #readString(quote: string): void {
    const line = this.#line;
    let value = "";
    this.#index += 1;
    while (this.#index < this.#text.length) {
      const char = this.#text.charAt(this.#index);
      if (char === quote || char === "\n") break;
      if (char === "\\") {
        value += this.#text.charAt(this.#index + 1);
        this.#index += 2;
      } else {
        value += char;
        this.#index += 1;
      }
    }
    if (this.#text.charAt(this.#index) === quote) this.#index += 1;
    this.#push("string", value, line);
  }

  /** Reads template text up to the closing backtick or the next `${`. */
  #readTemplate(isTemplateStart: boolean): void {
    const line = this.#line;
    const start = this.#index;
    while (this.#index < this.#text.length) {
      const char = this.#text.charAt(this.#index);
      if (char === "\\") {
        this.#index += 2;
      } else if (char === "`") {
        const text = this.#text.slice(start, this.#index);
        this.#countLines(start, this.#index);
        this.#index += 1;
        // Only a template with no substitutions at all is a fixed string.
        this.#push(isTemplateStart ? "string" : "opaque", text, line);
        return;
      } else if (char === "$" && this.#text.charAt(this.#index + 1) === "{") {
        this.#countLines(start, this.#index);
        this.#index += 2;
        this.#braces.push("template");
        this.#push("opaque", "`", line);
        return;
      } else {
        this.#index += 1;
      }
    }
    this.#countLines(start, this.#index);
  }

  #isRegexStart(): boolean {
    const previous = this.#tokens.at(-1);
    if (previous === undefined) return true;
    if (previous.kind === "word") return wordsBeforeExpression.has(previous.text);
    if (previous.kind === "punctuator") return ![")", "]", "}"].includes(previous.text);
    return false;
  }

  #readRegex(): void {
    const line = this.#line;
    let isInClass = false;
    this.#index += 1;
    while (this.#index < this.#text.length) {
      const char = this.#text.charAt(this.#index);
      if (char === "\n") break;
      this.#index += char === "\\" ? 2 : 1;
      if (char === "[") isInClass = true;
      else if (char === "]") isInClass = false;
      else if (char === "/" && !isInClass) break;
    }
    while (wordPart.test(this.#text.charAt(this.#index))) this.#index += 1;
    this.#push("opaque", "/regex/", line);
  }

  #readRun(kind: TokenKind, part: RegExp, firstLength: number): void {
    const start = this.#index;
    this.#index += firstLength;
    while (part.test(this.#text.charAt(this.#index))) this.#index += 1;
    this.#push(kind, this.#text.slice(start, this.#index), this.#line);
  }

  #readPunctuator(char: string): void {
    if (char === "{") this.#braces.push("brace");
    if (char === "}") this.#braces.pop();
    this.#index += 1;
    this.#push("punctuator", char, this.#line);
  }
}

function isPunctuator(token: Token | undefined, text: string): boolean {
  return token?.kind === "punctuator" && token.text === text;
}

/** `require("m")` starting at `index`: the string token, or undefined. */
function requireCallAt(tokens: readonly Token[], index: number): Token | undefined {
  const [name, open, argument] = [tokens[index], tokens[index + 1], tokens[index + 2]];
  const isCall = name?.kind === "word" && name.text === "require" && isPunctuator(open, "(");
  return isCall && argument?.kind === "string" ? argument : undefined;
}

/** The specifier of an import/export clause starting after `import` or `export`, if it has one. */
function clauseSpecifier(tokens: readonly Token[], start: number): Token | undefined {
  const end = Math.min(tokens.length, start + clauseTokensMax);
  for (let index = start; index < end; index++) {
    const token = tokens[index];
    if (token === undefined) return undefined;
    if (token.kind === "word") {
      const next = tokens[index + 1];
      if (token.text === "from" && next?.kind === "string") return next;
      const required = requireCallAt(tokens, index);
      if (required !== undefined) return required;
    } else if (token.kind !== "punctuator" || !clausePunctuators.has(token.text)) {
      return undefined;
    }
  }
  return undefined;
}

/** True when `import(...)` at `index` is a method named `import`, e.g. `async import(x) {`. */
function isMethodDefinition(tokens: readonly Token[], index: number): boolean {
  let depth = 0;
  for (let cursor = index + 1; cursor < tokens.length; cursor++) {
    const token = tokens[cursor];
    if (isPunctuator(token, "(")) depth += 1;
    if (isPunctuator(token, ")")) depth -= 1;
    if (depth === 0) {
      const next = tokens[cursor + 1];
      return isPunctuator(next, "{") || isPunctuator(next, ":");
    }
  }
  return false;
}

interface ScanState {
  readonly imports: Map<string, ImportReference>;
  readonly nonLiteralDynamicImportLines: number[];
}

function record(state: ScanState, token: Token, kind: ImportKind): void {
  const key = `${token.line}:${token.text}`;
  if (!state.imports.has(key)) state.imports.set(key, { specifier: token.text, line: token.line, kind });
}

function scanImportKeyword(state: ScanState, tokens: readonly Token[], index: number): void {
  const [keyword, next, argument] = [tokens[index], tokens[index + 1], tokens[index + 2]];
  if (keyword === undefined || next === undefined || isPunctuator(next, ".")) return;
  if (next.kind === "string") {
    record(state, next, "static");
  } else if (isPunctuator(next, "(")) {
    if (argument?.kind === "string") record(state, argument, "dynamic");
    else if (!isMethodDefinition(tokens, index)) state.nonLiteralDynamicImportLines.push(keyword.line);
  } else {
    const specifier = clauseSpecifier(tokens, index + 1);
    if (specifier !== undefined) record(state, specifier, "static");
  }
}

/** Every import, re-export, dynamic import and require in `sourceText`, in source order. */
export function scanImports(sourceText: string): ImportScan {
  const tokens = new SourceLexer(sourceText).tokenize();
  const state: ScanState = { imports: new Map(), nonLiteralDynamicImportLines: [] };
  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index];
    if (token?.kind !== "word" || isPunctuator(tokens[index - 1], ".")) continue;
    if (token.text === "import") {
      scanImportKeyword(state, tokens, index);
    } else if (token.text === "export") {
      const specifier = clauseSpecifier(tokens, index + 1);
      if (specifier !== undefined) record(state, specifier, "static");
    } else if (token.text === "require") {
      const specifier = requireCallAt(tokens, index);
      if (specifier !== undefined) record(state, specifier, "require");
    }
  }
  const imports = [...state.imports.values()].sort((a, b) => a.line - b.line);
  return { imports, nonLiteralDynamicImportLines: state.nonLiteralDynamicImportLines };
}
