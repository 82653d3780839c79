/**
 * PostgreSQL's advanced regular expressions (ARE) translated to JavaScript RegExps, for the `~`
 * operators and the regexp_* functions. The translation covers the documented subset (character
 * classes, word boundaries `\m \M \y`, back-references, octal and other escapes, the flags of
 * `parse_re_flags`); constructs outside it fail with 0A000 rather than matching differently.
 * Known differences from ARE (longest-match alternation, empty iterations) are listed in text.ts.
 */
import { FeatureNotSupportedError, InvalidParameterValueError, InvalidRegularExpressionError, assert } from "@omnikv/base";

function chars(value: string): string[] {
  return Array.from(value);
}

export interface RegexOptions {
  readonly isCaseInsensitive: boolean;
  /** `.` and negated brackets do not match newline (flags n, p). */
  readonly isNewlineDot: boolean;
  /** `^` and `$` match at newlines (flags n, w). */
  readonly isNewlineAnchor: boolean;
  /** Whitespace and `#` comments are ignored (flag x). */
  readonly isExpanded: boolean;
  /** The whole pattern is a literal string (flag q). */
  readonly isLiteral: boolean;
}

export const defaultRegexOptions: RegexOptions = {
  isCaseInsensitive: false,
  isNewlineDot: false,
  isNewlineAnchor: false,
  isExpanded: false,
  isLiteral: false,
};

function invalidRegex(reason: string): InvalidRegularExpressionError {
  return new InvalidRegularExpressionError(`invalid regular expression: ${reason}`);
}

function unsupportedRegex(feature: string): FeatureNotSupportedError {
  return new FeatureNotSupportedError(`regular expression feature not supported: ${feature}`);
}

const posixClasses: Readonly<Record<string, readonly (readonly [number, number])[]>> = {
  alpha: [[0x41, 0x5a], [0x61, 0x7a]],
  digit: [[0x30, 0x39]],
  alnum: [[0x30, 0x39], [0x41, 0x5a], [0x61, 0x7a]],
  upper: [[0x41, 0x5a]],
  lower: [[0x61, 0x7a]],
  space: [[0x09, 0x0d], [0x20, 0x20]],
  punct: [[0x21, 0x2f], [0x3a, 0x40], [0x5b, 0x60], [0x7b, 0x7e]],
  xdigit: [[0x30, 0x39], [0x41, 0x46], [0x61, 0x66]],
  word: [[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]],
  blank: [[0x09, 0x09], [0x20, 0x20]],
  cntrl: [[0x00, 0x1f], [0x7f, 0x7f]],
  print: [[0x20, 0x7e]],
  graph: [[0x21, 0x7e]],
};

const spaceClass = "[\\t-\\r ]";
const regexSyntaxChars = new Set("^$\\.*+?()[]{}|/");
const wordStart = "\\b(?=\\w)";
const wordEnd = "\\b(?<=\\w)";

function codePointText(code: number): string {
  return `\\u{${code.toString(16)}}`;
}

function isAsciiLetter(char: string): boolean {
  return /^[A-Za-z]$/.test(char);
}

function swapAsciiCase(char: string): string {
  return char === char.toLowerCase() ? char.toUpperCase() : char.toLowerCase();
}

class RegexTranslator {
  readonly #pattern: readonly string[];
  readonly #options: RegexOptions;
  #index = 0;
  #output = "";
  /** Capturing groups opened so far: a multi-digit `\nn` beyond them is an octal escape. */
  #groupsOpened = 0;

  constructor(pattern: string, options: RegexOptions) {
    this.#pattern = chars(pattern);
    this.#options = options;
  }

  translate(): string {
    if (this.#options.isLiteral) {
      for (const char of this.#pattern) this.#output += this.#literal(char);
      return this.#output;
    }
    this.#directors();
    while (this.#index < this.#pattern.length) this.#step();
    return this.#output;
  }

  #peek(offset = 0): string {
    return this.#pattern[this.#index + offset] ?? "";
  }

  /** `***=` (rest is literal) and `***:` (rest is an ARE) prefixes; embedded options are refused. */
  #directors(): void {
    const head = this.#pattern.slice(0, 4).join("");
    if (head === "***=") {
      for (const char of this.#pattern.slice(4)) this.#output += this.#literal(char);
      this.#index = this.#pattern.length;
    } else if (head === "***:") {
      this.#index = 4;
    }
  }

  #literal(char: string): string {
    if (this.#options.isCaseInsensitive && isAsciiLetter(char)) return `[${char}${swapAsciiCase(char)}]`;
    return regexSyntaxChars.has(char) ? `\\${char}` : char;
  }

  #step(): void {
    const char = this.#peek();
    if (this.#options.isExpanded && /^[ \t\n\r\f\v]$/.test(char)) {
      this.#index++;
      return;
    }
    if (this.#options.isExpanded && char === "#") {
      while (this.#index < this.#pattern.length && this.#peek() !== "\n") this.#index++;
      return;
    }
    this.#index++;
    switch (char) {
      case "\\":
        this.#output += this.#escapeOutside();
        return;
      case "[":
        this.#output += this.#bracket();
        return;
      case "(":
        this.#output += this.#group();
        return;
      case "{":
        this.#output += this.#bound();
        return;
      case ".":
        this.#output += this.#options.isNewlineDot ? "[^\\n]" : "[^]";
        return;
      case "^":
        this.#output += this.#options.isNewlineAnchor ? "(?<![^\\n])" : "^";
        return;
      case "$":
        this.#output += this.#options.isNewlineAnchor ? "(?![^\\n])" : "$";
        return;
      case ")":
      case "*":
      case "+":
      case "?":
      case "|":
        this.#output += char;
        return;
      default:
        this.#output += this.#literal(char);
    }
  }

  #group(): string {
    if (this.#peek() !== "?") {
      this.#groupsOpened += 1;
      return "(";
    }
    const next = this.#peek(1);
    if (next === ":" || next === "=" || next === "!") {
      this.#index += 2;
      return `(?${next}`;
    }
    if (next === "<" && (this.#peek(2) === "=" || this.#peek(2) === "!")) {
      this.#index += 3;
      return `(?<${this.#peek(-1)}`;
    }
    // `(?opts)` is only valid first in the pattern (ARE embedded options, not supported here);
    // anywhere else `(?` is a quantifier with nothing to repeat, as PostgreSQL reports it.
    const rest = this.#pattern.slice(this.#index).join("");
    if (this.#index === 1 && /^\?[bceimnpqstwx]*\)/.test(rest)) throw unsupportedRegex("embedded options (?…)");
    throw invalidRegex("quantifier operand invalid");
  }

  /** `{m}`, `{m,}`, `{m,n}` with counts up to 255 (RE_DUPMAX); any other `{` is literal. */
  #bound(): string {
    const rest = this.#pattern.slice(this.#index, this.#index + 16).join("");
    const match = /^([0-9]+)(,([0-9]*))?\}/.exec(rest);
    if (match === null) {
      if (/^[0-9]/.test(rest)) throw invalidRegex("braces {} not balanced");
      return "\\{";
    }
    const low = Number(match[1]);
    const high = match[3] === undefined || match[3] === "" ? undefined : Number(match[3]);
    if (low > 255 || (high !== undefined && (high > 255 || high < low))) throw invalidRegex("invalid repetition count(s)");
    this.#index += match[0].length;
    return `{${match[0]}`;
  }

  /** A backslash escape outside brackets; `this.#index` is just past the backslash. */
  #escapeOutside(): string {
    const char = this.#peek();
    if (char === "") throw invalidRegex("invalid escape \\ sequence");
    this.#index++;
    switch (char) {
      case "m":
        return wordStart;
      case "M":
        return wordEnd;
      case "y":
        return "\\b";
      case "Y":
        return "\\B";
      case "A":
        return "(?<![^])";
      case "Z":
        return "(?![^])";
      case "d":
      case "D":
      case "w":
      case "W":
        return `\\${char}`;
      case "s":
        return spaceClass;
      case "S":
        return "[^\\t-\\r ]";
      default:
        break;
    }
    if (/^[1-9]$/.test(char)) {
      const start = this.#index;
      let digits = char;
      while (/^[0-9]$/.test(this.#peek())) {
        digits += this.#peek();
        this.#index++;
      }
      // PostgreSQL's heuristic (regc_lex.c): one digit, or a number no larger than the groups
      // opened so far, is a back-reference; anything else is read again as an octal escape.
      if (digits.length === 1 || Number(digits) <= this.#groupsOpened) return `(?:\\${digits})`;
      this.#index = start;
      return this.#literal(String.fromCodePoint(this.#octalEscape(char)));
    }
    const code = this.#escapedCodePoint(char);
    return this.#literal(String.fromCodePoint(code));
  }

  /** Up to three octal digits, the first already read as `first`; stops at the first non-octal. */
  #octalEscape(first: string): number {
    let digits = /^[0-7]$/.test(first) ? first : "";
    if (digits === "") throw invalidRegex("invalid escape \\ sequence");
    while (digits.length < 3 && /^[0-7]$/.test(this.#peek())) {
      digits += this.#peek();
      this.#index++;
    }
    return Number.parseInt(digits, 8);
  }

  /** The character a single-character escape stands for (after the backslash and `char`). */
  #escapedCodePoint(char: string): number {
    const simple: Readonly<Record<string, number>> = { a: 7, b: 8, B: 0x5c, e: 0x1b, f: 0x0c, n: 0x0a, r: 0x0d, t: 0x09, v: 0x0b, "0": 0 };
    const known = simple[char];
    if (known !== undefined) return known;
    if (char === "c") {
      const control = this.#peek();
      if (control === "") throw invalidRegex("invalid escape \\ sequence");
      this.#index++;
      return (control.codePointAt(0) ?? 0) & 0x1f;
    }
    if (char === "x" || char === "u" || char === "U") return this.#hexEscape(char);
    if (/^[A-Za-z0-9]$/.test(char)) throw invalidRegex("invalid escape \\ sequence");
    return char.codePointAt(0) ?? 0;
  }

  #hexEscape(kind: string): number {
    const countMax = kind === "x" ? 8 : kind === "u" ? 4 : 8;
    let digits = "";
    while (digits.length < countMax && /^[0-9A-Fa-f]$/.test(this.#peek())) {
      digits += this.#peek();
      this.#index++;
    }
    if (digits === "" || (kind !== "x" && digits.length !== countMax)) throw invalidRegex("invalid escape \\ sequence");
    const code = Number.parseInt(digits, 16);
    if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) throw invalidRegex("invalid escape \\ sequence");
    return code;
  }

  /** A bracket expression; `this.#index` is just past `[`. */
  #bracket(): string {
    const rest = this.#pattern.slice(this.#index, this.#index + 6).join("");
    if (rest.startsWith("[:<:]]") || rest.startsWith("[:>:]]")) {
      this.#index += 6;
      return rest.startsWith("[:<") ? wordStart : wordEnd;
    }
    // PostgreSQL reports an unclosed bracket before anything inside it.
    if (!this.#hasBracketEnd()) throw invalidRegex("brackets [] not balanced");
    const isNegated = this.#peek() === "^";
    if (isNegated) this.#index++;
    const ranges: (readonly [number, number])[] = [];
    let isFirst = true;
    for (;;) {
      const char = this.#peek();
      if (char === "") throw invalidRegex("brackets [] not balanced");
      if (char === "]" && !isFirst) break;
      isFirst = false;
      ranges.push(...this.#bracketItem());
    }
    this.#index++;
    if (isNegated && this.#options.isNewlineDot) ranges.push([0x0a, 0x0a]);
    const body = this.#caseFold(ranges).map(([low, high]) => (low === high ? codePointText(low) : `${codePointText(low)}-${codePointText(high)}`));
    return `[${isNegated ? "^" : ""}${body.join("")}]`;
  }

  /** Whether the bracket expression starting at the current index has its closing `]`. */
  #hasBracketEnd(): boolean {
    const pattern = this.#pattern;
    let i = this.#index;
    if (pattern[i] === "^") i++;
    if (pattern[i] === "]") i++;
    while (i < pattern.length) {
      const char = pattern[i];
      const next = pattern[i + 1] ?? "";
      if (char === "]") return true;
      if (char === "\\") {
        i += 2;
      } else if (char === "[" && (next === ":" || next === "." || next === "=")) {
        let j = i + 2;
        while (j < pattern.length && !(pattern[j] === next && pattern[j + 1] === "]")) j++;
        if (j >= pattern.length) return false;
        i = j + 2;
      } else {
        i++;
      }
    }
    return false;
  }

  #bracketItem(): (readonly [number, number])[] {
    const char = this.#peek();
    const next = this.#peek(1);
    if (char === "[" && (next === ":" || next === "." || next === "=")) {
      if (next !== ":") return this.#collatingElement(next);
      const close = this.#pattern.indexOf(":", this.#index + 2);
      if (close < 0 || this.#pattern[close + 1] !== "]") throw invalidRegex("brackets [] not balanced");
      const name = this.#pattern.slice(this.#index + 2, close).join("");
      const ranges = posixClasses[name];
      if (ranges === undefined) throw invalidRegex("invalid character class");
      this.#index = close + 2;
      return [...ranges];
    }
    const low = this.#bracketChar();
    if (typeof low !== "number") return low;
    if (this.#peek() !== "-" || this.#peek(1) === "]" || this.#peek(1) === "") return [[low, low]];
    this.#index++;
    const high = this.#bracketChar();
    if (typeof high !== "number" || high < low) throw invalidRegex("invalid character range");
    return [[low, high]];
  }

  /** `[.x.]` or `[=x=]` of one character is that character in the C locale; named ones are refused. */
  #collatingElement(delimiter: string): (readonly [number, number])[] {
    const element = this.#peek(2);
    if (element === "" || this.#peek(3) !== delimiter || this.#peek(4) !== "]") {
      throw unsupportedRegex("multi-character collating elements [. .] and equivalence classes [= =]");
    }
    this.#index += 5;
    const code = element.codePointAt(0) ?? 0;
    return [[code, code]];
  }

  /** One character of a bracket expression, or the ranges of a class escape (`\d \w \s`). */
  #bracketChar(): number | (readonly [number, number])[] {
    const char = this.#peek();
    this.#index++;
    if (char !== "\\") return char.codePointAt(0) ?? 0;
    const escaped = this.#peek();
    if (escaped === "") throw invalidRegex("brackets [] not balanced");
    this.#index++;
    if (escaped === "d" || escaped === "w" || escaped === "s") {
      const name = escaped === "d" ? "digit" : escaped === "w" ? "word" : "space";
      return [...(posixClasses[name] ?? [])];
    }
    if (escaped === "D" || escaped === "W" || escaped === "S") throw unsupportedRegex("\\D, \\W and \\S inside bracket expressions");
    return this.#escapedCodePoint(escaped);
  }

  /** With case-insensitivity, the ASCII letters of each range also in the other case (C locale). */
  #caseFold(ranges: readonly (readonly [number, number])[]): (readonly [number, number])[] {
    if (!this.#options.isCaseInsensitive) return [...ranges];
    const folded = [...ranges];
    for (const [low, high] of ranges) {
      for (const [start, end, shift] of [[0x41, 0x5a, 0x20], [0x61, 0x7a, -0x20]] as const) {
        const from = Math.max(low, start);
        const to = Math.min(high, end);
        if (from <= to) folded.push([from + shift, to + shift]);
      }
    }
    return folded;
  }
}

const regexCacheSizeMax = 256;
const regexCache = new Map<string, RegExp>();

/** A global (`g`), Unicode JavaScript RegExp matching as the ARE `pattern` does under `options`. */
export function compileAre(pattern: string, options: RegexOptions): RegExp {
  const key = `${JSON.stringify(options)}${pattern}`;
  const cached = regexCache.get(key);
  if (cached !== undefined) return cached;
  const source = new RegexTranslator(pattern, options).translate();
  let regex: RegExp;
  try {
    regex = new RegExp(source, "gu");
  } catch (error) {
    throw invalidRegex(error instanceof Error ? error.message.replace(/^Invalid regular expression: /, "") : String(error));
  }
  if (regexCache.size >= regexCacheSizeMax) regexCache.clear();
  regexCache.set(key, regex);
  assert(regexCache.size <= regexCacheSizeMax, "the regex cache is bounded");
  return regex;
}

interface ParsedFlags {
  readonly options: RegexOptions;
  readonly isGlobal: boolean;
}

/** `parse_re_flags`: the flag letters of regexp_replace/regexp_match. */
export function parseRegexFlags(flags: string): ParsedFlags {
  let isGlobal = false;
  let isCaseInsensitive = false;
  let isNewlineDot = false;
  let isNewlineAnchor = false;
  let isExpanded = false;
  let isLiteral = false;
  for (const flag of flags) {
    switch (flag) {
      case "g":
        isGlobal = true;
        break;
      case "i":
        isCaseInsensitive = true;
        break;
      case "c":
        isCaseInsensitive = false;
        break;
      case "m":
      case "n":
        [isNewlineDot, isNewlineAnchor] = [true, true];
        break;
      case "p":
        [isNewlineDot, isNewlineAnchor] = [true, false];
        break;
      case "w":
        [isNewlineDot, isNewlineAnchor] = [false, true];
        break;
      case "s":
        [isNewlineDot, isNewlineAnchor] = [false, false];
        break;
      case "x":
        isExpanded = true;
        break;
      case "t":
        isExpanded = false;
        break;
      case "q":
        isLiteral = true;
        break;
      case "b":
      case "e":
        throw unsupportedRegex("basic and extended (non-advanced) regular expressions");
      default:
        throw new InvalidParameterValueError(`invalid regular expression option: "${flag}"`);
    }
  }
  return { options: { isCaseInsensitive, isNewlineDot, isNewlineAnchor, isExpanded, isLiteral }, isGlobal };
}

