/**
 * The JSON lexer and parser behind json_in and jsonb_in, with PostgreSQL 15's acceptance rules
 * and error texts (its src/common/jsonapi.c semantics; no code is shared).
 *
 * Grammar: RFC 8259, any value at the top level, whitespace = space, tab, LF, CR. Errors are
 * 22P02 `invalid input syntax for type json` with PostgreSQL's DETAIL (`Token "x" is invalid.`),
 * raised at the first token that fails, in input order, because the lexer runs one token ahead
 * of the parser exactly as PostgreSQL's does.
 *
 * Two modes: `json` only validates (escapes are checked for shape, `\u0000` and lone surrogates
 * pass, numbers stay unread); `jsonb` decodes escapes (surrogate pairs combine, `\u0000` is 22P05)
 * and reads numbers as numeric (22003 beyond numeric's range).
 */
import { assert, assertNever } from "../assert.ts";
import { InvalidTextRepresentationError, StatementTooComplexError } from "../errors.ts";
import { UntranslatableCharacterError } from "../errors.ts";
import { canonicalNumberText } from "./json-number.ts";
import { jsonNestingDepthMax, makeJsonbObject, type JsonbEntry, type JsonbValue } from "./json-value.ts";

type TokenKind = "{" | "}" | "[" | "]" | "," | ":" | "string" | "number" | "true" | "false" | "null" | "end";

interface Token {
  readonly kind: TokenKind;
  readonly start: number;
  readonly end: number;
  /** The decoded string (jsonb mode) or the raw text between the quotes (json mode). */
  readonly decoded: string;
}

type ParseContext = "value" | "string" | "arrayNext" | "objectStart" | "objectLabel" | "objectNext" | "end";

const inputError = "invalid input syntax for type json";

function syntaxError(detail: string): InvalidTextRepresentationError {
  return new InvalidTextRepresentationError(inputError, { detail });
}

/** JSON_ALPHANUMERIC_CHAR: ASCII letters, digits, `_`, and every non-ASCII byte. */
function isJsonWordChar(code: number): boolean {
  return (
    (code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a) || (code >= 0x30 && code <= 0x39) || code === 0x5f || code >= 0x80
  );
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x61 && code <= 0x66) return code - 0x61 + 10;
  if (code >= 0x41 && code <= 0x46) return code - 0x41 + 10;
  return -1;
}

const punctuation: ReadonlyMap<string, TokenKind> = new Map<string, TokenKind>([
  ["{", "{"],
  ["}", "}"],
  ["[", "["],
  ["]", "]"],
  [",", ","],
  [":", ":"],
]);

class JsonLexer {
  readonly #text: string;
  readonly #isDecoding: boolean;
  #index = 0;

  constructor(text: string, isDecoding: boolean) {
    this.#text = text;
    this.#isDecoding = isDecoding;
  }

  tokenText(token: Token): string {
    return this.#text.slice(token.start, token.end);
  }

  next(): Token {
    const text = this.#text;
    let index = this.#index;
    while (index < text.length && " \t\n\r".includes(text.charAt(index))) index++;
    if (index >= text.length) return this.#emit("end", index, index, "");
    const char = text.charAt(index);
    const single = punctuation.get(char);
    if (single !== undefined) return this.#emit(single, index, index + 1, "");
    if (char === '"') return this.#lexString(index);
    if (char === "-") return this.#lexNumber(index, index + 1);
    if (isDigit(char.charCodeAt(0))) return this.#lexNumber(index, index);
    return this.#lexWord(index);
  }

  #emit(kind: TokenKind, start: number, end: number, decoded: string): Token {
    assert(end >= start && end <= this.#text.length, "a token lies inside the text");
    this.#index = end;
    return { kind, start, end, decoded };
  }

  #invalidToken(start: number, end: number): InvalidTextRepresentationError {
    return syntaxError(`Token "${this.#text.slice(start, end)}" is invalid.`);
  }

  #lexWord(start: number): Token {
    const text = this.#text;
    let end = start;
    while (end < text.length && isJsonWordChar(text.charCodeAt(end))) end++;
    if (end === start) throw this.#invalidToken(start, start + 1);
    const word = text.slice(start, end);
    if (word === "true" || word === "false" || word === "null") return this.#emit(word, start, end, "");
    throw this.#invalidToken(start, end);
  }

  /** A JSON number; `digitsStart` is past an optional `-`. Trailing word characters join the token. */
  #lexNumber(start: number, digitsStart: number): Token {
    const text = this.#text;
    let index = digitsStart;
    let isValid = true;
    const skipDigits = (): void => {
      while (index < text.length && isDigit(text.charCodeAt(index))) index++;
    };
    if (text.charAt(index) === "0") index++;
    else if (isDigit(text.charCodeAt(index))) skipDigits();
    else isValid = false;
    if (text.charAt(index) === ".") {
      index++;
      if (isDigit(text.charCodeAt(index))) skipDigits();
      else isValid = false;
    }
    if (text.charAt(index) === "e" || text.charAt(index) === "E") {
      index++;
      if (text.charAt(index) === "+" || text.charAt(index) === "-") index++;
      if (isDigit(text.charCodeAt(index))) skipDigits();
      else isValid = false;
    }
    while (index < text.length && isJsonWordChar(text.charCodeAt(index))) {
      index++;
      isValid = false;
    }
    if (!isValid) throw this.#invalidToken(start, index);
    return this.#emit("number", start, index, "");
  }

  #lexString(start: number): Token {
    const text = this.#text;
    const state: StringState = { out: "", highSurrogate: -1 };
    let index = start + 1;
    for (;;) {
      if (index >= text.length) throw this.#invalidToken(start, index);
      const code = text.charCodeAt(index);
      if (code === 0x22) break;
      if (code < 0x20) throw syntaxError(`Character with value 0x${code.toString(16).padStart(2, "0")} must be escaped.`);
      if (code === 0x5c) {
        index = this.#lexEscape(start, index + 1, state);
        continue;
      }
      if (this.#isDecoding) {
        if (state.highSurrogate !== -1) throw lowSurrogateError();
        state.out += text.charAt(index);
      }
      index++;
    }
    if (this.#isDecoding && state.highSurrogate !== -1) throw lowSurrogateError();
    const decoded = this.#isDecoding ? state.out : text.slice(start + 1, index);
    return this.#emit("string", start, index + 1, decoded);
  }

  /** One escape; `index` is just past the backslash. Returns the index after the escape. */
  #lexEscape(start: number, index: number, state: StringState): number {
    const text = this.#text;
    if (index >= text.length) throw this.#invalidToken(start, index);
    const char = text.charAt(index);
    if (char === "u") return this.#lexUnicodeEscape(start, index + 1, state);
    const escaped = simpleEscapes.get(char);
    if (this.#isDecoding && state.highSurrogate !== -1) throw lowSurrogateError();
    if (escaped === undefined) {
      const codePoint = text.codePointAt(index) ?? 0;
      throw syntaxError(`Escape sequence "\\${String.fromCodePoint(codePoint)}" is invalid.`);
    }
    if (this.#isDecoding) state.out += escaped;
    return index + 1;
  }

  #lexUnicodeEscape(start: number, index: number, state: StringState): number {
    const text = this.#text;
    let codeUnit = 0;
    for (let offset = 0; offset < 4; offset++) {
      if (index + offset >= text.length) throw this.#invalidToken(start, text.length);
      const digit = hexValue(text.charCodeAt(index + offset));
      if (digit < 0) throw syntaxError('"\\u" must be followed by four hexadecimal digits.');
      codeUnit = codeUnit * 16 + digit;
    }
    if (this.#isDecoding) appendCodeUnit(state, codeUnit);
    return index + 4;
  }
}

interface StringState {
  out: string;
  highSurrogate: number;
}

const simpleEscapes: ReadonlyMap<string, string> = new Map([
  ['"', '"'],
  ["\\", "\\"],
  ["/", "/"],
  ["b", "\b"],
  ["f", "\f"],
  ["n", "\n"],
  ["r", "\r"],
  ["t", "\t"],
]);

function lowSurrogateError(): InvalidTextRepresentationError {
  return syntaxError("Unicode low surrogate must follow a high surrogate.");
}

/** Decodes one `\uXXXX`: pairs surrogates, rejects lone ones and U+0000 as PostgreSQL does. */
function appendCodeUnit(state: StringState, codeUnit: number): void {
  if (codeUnit >= 0xd800 && codeUnit <= 0xdbff) {
    if (state.highSurrogate !== -1) throw syntaxError("Unicode high surrogate must not follow a high surrogate.");
    state.highSurrogate = codeUnit;
    return;
  }
  if (codeUnit >= 0xdc00 && codeUnit <= 0xdfff) {
    if (state.highSurrogate === -1) throw lowSurrogateError();
    state.out += String.fromCharCode(state.highSurrogate, codeUnit);
    state.highSurrogate = -1;
    return;
  }
  if (state.highSurrogate !== -1) throw lowSurrogateError();
  if (codeUnit === 0) {
    throw new UntranslatableCharacterError("unsupported Unicode escape sequence", {
      detail: "\\u0000 cannot be converted to text.",
    });
  }
  state.out += String.fromCharCode(codeUnit);
}

const expectedMessages: Readonly<Record<ParseContext, string>> = {
  value: "Expected JSON value",
  string: "Expected string",
  arrayNext: 'Expected "," or "]"',
  objectStart: 'Expected string or "}"',
  objectLabel: 'Expected ":"',
  objectNext: 'Expected "," or "}"',
  end: "Expected end of input",
};

class JsonParser {
  readonly #lexer: JsonLexer;
  readonly #isJsonb: boolean;
  #token: Token;

  constructor(text: string, isJsonb: boolean) {
    this.#lexer = new JsonLexer(text, isJsonb);
    this.#isJsonb = isJsonb;
    this.#token = this.#lexer.next();
  }

  parseDocument(): JsonbValue {
    const value = this.#parseValue(0);
    this.#expect("end", "end");
    return value;
  }

  /** The current token's kind; a method, so the compiler does not narrow it across `#advance`. */
  #peek(): TokenKind {
    return this.#token.kind;
  }

  #advance(): void {
    this.#token = this.#lexer.next();
  }

  #error(context: ParseContext): InvalidTextRepresentationError {
    if (this.#token.kind === "end") return syntaxError("The input string ended unexpectedly.");
    return syntaxError(`${expectedMessages[context]}, but found "${this.#lexer.tokenText(this.#token)}".`);
  }

  #expect(kind: TokenKind, context: ParseContext): void {
    if (this.#token.kind !== kind) throw this.#error(context);
    if (kind !== "end") this.#advance();
  }

  #parseValue(depth: number): JsonbValue {
    const token = this.#token;
    switch (token.kind) {
      case "{":
        return this.#parseObject(depth + 1);
      case "[":
        return this.#parseArray(depth + 1);
      case "string":
        this.#advance();
        return { kind: "string", value: token.decoded };
      case "number": {
        const text = this.#lexer.tokenText(token);
        const value: JsonbValue = { kind: "number", text: this.#isJsonb ? canonicalNumberText(text) : text };
        this.#advance();
        return value;
      }
      case "true":
      case "false":
        this.#advance();
        return { kind: "bool", value: token.kind === "true" };
      case "null":
        this.#advance();
        return { kind: "null" };
      case "}":
      case "]":
      case ",":
      case ":":
      case "end":
        throw this.#error("value");
    }
    return assertNever(token.kind);
  }

  #checkDepth(depth: number): void {
    if (depth > jsonNestingDepthMax) {
      throw new StatementTooComplexError("stack depth limit exceeded", {
        hint: 'Increase the configuration parameter "max_stack_depth" (currently 2048kB), after ensuring the platform\'s stack depth limit is adequate.',
      });
    }
  }

  #parseArray(depth: number): JsonbValue {
    this.#checkDepth(depth);
    this.#advance();
    const elements: JsonbValue[] = [];
    if (this.#peek() !== "]") {
      elements.push(this.#parseValue(depth));
      while (this.#peek() === ",") {
        this.#advance();
        elements.push(this.#parseValue(depth));
      }
    }
    this.#expect("]", "arrayNext");
    return { kind: "array", elements };
  }

  #parseObject(depth: number): JsonbValue {
    this.#checkDepth(depth);
    this.#advance();
    const entries: JsonbEntry[] = [];
    if (this.#peek() === "string") {
      entries.push(this.#parseField(depth));
      while (this.#peek() === ",") {
        this.#advance();
        entries.push(this.#parseField(depth));
      }
    } else if (this.#peek() !== "}") {
      throw this.#error("objectStart");
    }
    this.#expect("}", "objectNext");
    return this.#isJsonb ? makeJsonbObject(entries) : { kind: "object", entries };
  }

  #parseField(depth: number): JsonbEntry {
    const keyToken = this.#token;
    if (keyToken.kind !== "string") throw this.#error("string");
    this.#advance();
    this.#expect(":", "objectLabel");
    return { key: keyToken.decoded, value: this.#parseValue(depth) };
  }
}

/** jsonb_in: parses `text` into a jsonb value (22P02, 22P05, 22003 or 54001 on failure). */
export function parseJsonb(text: string): JsonbValue {
  return new JsonParser(text, true).parseDocument();
}

/** json_in: validates `text` as json and returns it verbatim (json keeps its input text). */
export function parseJson(text: string): string {
  new JsonParser(text, false).parseDocument();
  return text;
}

/**
 * The parsed tree of a json text without decoding: strings hold their raw escaped text and
 * numbers their token text, and objects keep duplicate keys in input order.
 */
export function parseJsonTree(text: string): JsonbValue {
  return new JsonParser(text, false).parseDocument();
}
