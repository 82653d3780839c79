/**
 * The recursive-descent parser's view of the tokens: lookahead, keyword tests, expectations that
 * fail with PostgreSQL's wording, and the nesting-depth guard.
 *
 * Keywords are recognized by context: a keyword test matches an unquoted `Word` with that
 * (folded) text, so `"select"` in double quotes is always an identifier.
 */
import { assert } from "@omnikv/base";
import type { DeleteStatement, InsertStatement, SelectStatement, UpdateStatement } from "./ast.ts";
import type { SqlSyntaxError } from "./errors.ts";
import { nearText, syntaxError, tooComplexError } from "./errors.ts";
import { TokenType, type Token } from "./lexer.ts";

export interface ParseLimits {
  /** Nesting depth of expressions, subqueries and parenthesized constructs (→ 54001). */
  readonly depthMax: number;
}

/**
 * The grammar is mutually recursive (expressions hold subqueries, WITH holds INSERT …), but its
 * modules must not import each other in a cycle: the entry points that close the loops are
 * handed to the stream once, by `parse`.
 */
export interface GrammarHooks {
  readonly parseQuery: (p: TokenStream) => SelectStatement;
  readonly parseModifyingStatement: (p: TokenStream) => InsertStatement | UpdateStatement | DeleteStatement;
}

export type QueryMemoEntry =
  | { readonly query: SelectStatement; readonly end: number }
  | { readonly error: SqlSyntaxError };

export class TokenStream {
  readonly sql: string;
  readonly hooks: GrammarHooks;
  readonly #tokens: readonly Token[];
  readonly #limits: ParseLimits;
  #index = 0;
  #depth = 0;

  readonly #eof: Token;

  constructor(sql: string, tokens: readonly Token[], limits: ParseLimits, hooks: GrammarHooks) {
    const eof = tokens.at(-1);
    assert(eof !== undefined && eof.type === TokenType.Eof, "the token list ends with Eof");
    this.#eof = eof;
    this.sql = sql;
    this.hooks = hooks;
    this.#tokens = tokens;
    this.#limits = limits;
  }

  get index(): number {
    return this.#index;
  }

  /** Moves back to a saved `index` (bounded backtracking for typed literals). */
  rewind(index: number): void {
    assert(index >= 0 && index <= this.#index, "rewind only goes back");
    this.#index = index;
  }

  /** Moves forward to `index`, past a query already parsed from here (see `queryMemo`). */
  seek(index: number): void {
    assert(index >= this.#index && index < this.#tokens.length, "seek only goes forward, within the input");
    this.#index = index;
  }

  /**
   * Queries already parsed (or already failed to parse) at a token index, while speculating.
   * Speculative parsing of `( query )` may parse the same query twice from the same place;
   * remembering the outcome keeps nested speculation linear instead of exponential in the
   * nesting depth. Allocated only once a speculation stores something, so a plain statement
   * pays nothing for it.
   */
  #queryMemo: Map<number, QueryMemoEntry> | undefined;
  #speculationDepth = 0;

  memoLookup(index: number): QueryMemoEntry | undefined {
    return this.#queryMemo?.get(index);
  }

  memoStore(index: number, entry: QueryMemoEntry): void {
    if (this.#speculationDepth === 0) return;
    this.#queryMemo ??= new Map();
    this.#queryMemo.set(index, entry);
  }

  /** Runs a speculative parse, during which query outcomes are remembered. */
  speculate<T>(parse: () => T): T {
    this.#speculationDepth += 1;
    try {
      return parse();
    } finally {
      this.#speculationDepth -= 1;
    }
  }

  /** The offset (from the current token) of the first token that is not `(`, at or after `offset`. */
  skipOpenParens(offset: number): number {
    const start = this.#index + offset;
    const ends = this.#parenRunEnds ?? this.#computeParenRunEnds();
    return (ends[start] ?? start) - this.#index;
  }

  #parenRunEnds: Int32Array | undefined;

  /** For each token, the index of the first non-`(` token at or after it: computed once, O(n). */
  #computeParenRunEnds(): Int32Array {
    const tokens = this.#tokens;
    const ends = new Int32Array(tokens.length);
    let next = tokens.length - 1;
    for (let i = tokens.length - 1; i >= 0; i--) {
      const token = tokens[i];
      const isOpen = token !== undefined && token.type === TokenType.Punct && token.text === "(";
      if (!isOpen) next = i;
      ends[i] = next;
    }
    this.#parenRunEnds = ends;
    return ends;
  }

  peek(offset = 0): Token {
    // Past the end (or before the start) is the Eof token: lookahead never runs off the list.
    return this.#tokens[this.#index + offset] ?? this.#eof;
  }

  get pos(): number {
    return this.peek().pos;
  }

  next(): Token {
    const token = this.peek();
    if (token.type !== TokenType.Eof) this.#index += 1;
    return token;
  }

  atEnd(): boolean {
    return this.peek().type === TokenType.Eof;
  }

  /** Whether the token at `offset` is the unquoted keyword `word` (lowercase). */
  isKeyword(word: string, offset = 0): boolean {
    const token = this.peek(offset);
    return token.type === TokenType.Word && token.text === word;
  }

  acceptKeyword(word: string): boolean {
    if (!this.isKeyword(word)) return false;
    this.#index += 1;
    return true;
  }

  /** Accepts a sequence of keywords only if all of them are next. */
  acceptKeywords(...words: readonly string[]): boolean {
    for (let i = 0; i < words.length; i++) {
      if (!this.isKeyword(words[i] ?? "", i)) return false;
    }
    this.#index += words.length;
    return true;
  }

  /** Whether the next tokens are these keywords, without consuming them. */
  isKeywords(...words: readonly string[]): boolean {
    return words.every((word, i) => this.isKeyword(word, i));
  }

  expectKeyword(word: string): Token {
    const token = this.peek();
    if (!this.isKeyword(word)) throw this.unexpected();
    this.#index += 1;
    return token;
  }

  isPunct(text: string, offset = 0): boolean {
    const token = this.peek(offset);
    return token.type === TokenType.Punct && token.text === text;
  }

  acceptPunct(text: string): boolean {
    if (!this.isPunct(text)) return false;
    this.#index += 1;
    return true;
  }

  expectPunct(text: string): Token {
    const token = this.peek();
    if (!this.isPunct(text)) throw this.unexpected();
    this.#index += 1;
    return token;
  }

  isOp(text: string, offset = 0): boolean {
    const token = this.peek(offset);
    return token.type === TokenType.Op && token.text === text;
  }

  acceptOp(text: string): boolean {
    if (!this.isOp(text)) return false;
    this.#index += 1;
    return true;
  }

  expectOp(text: string): Token {
    const token = this.peek();
    if (!this.isOp(text)) throw this.unexpected();
    this.#index += 1;
    return token;
  }

  /** `syntax error at or near "<token>"`, or `at end of input`, at the current token. */
  unexpected(token: Token = this.peek()): SqlSyntaxError {
    if (token.type === TokenType.Eof) return syntaxError(this.sql, token.pos, "syntax error at end of input");
    return syntaxError(this.sql, token.pos, `syntax error ${nearText(this.sql.slice(token.pos, token.end))}`);
  }

  errorAt(pos: number, message: string): SqlSyntaxError {
    return syntaxError(this.sql, pos, message);
  }

  /** Runs `parse` one nesting level deeper; past `depthMax` it fails with 54001. */
  nested<T>(parse: () => T): T {
    this.#depth += 1;
    if (this.#depth > this.#limits.depthMax) throw tooComplexError(this.sql, this.pos, this.#limits.depthMax);
    try {
      return parse();
    } finally {
      this.#depth -= 1;
    }
  }

  /** The current nesting depth, to restore after a chain charged with `deepen`. */
  get depth(): number {
    return this.#depth;
  }

  /**
   * Adds one level for each operator of a left-deep chain (`a + b + c …`), which the parser
   * builds in a loop rather than by recursion but which is just as deep a tree for everything
   * that later walks it. The caller restores the saved `depth` when the chain ends.
   */
  deepen(): void {
    this.#depth += 1;
    if (this.#depth > this.#limits.depthMax) throw tooComplexError(this.sql, this.pos, this.#limits.depthMax);
  }

  restoreDepth(depth: number): void {
    assert(depth <= this.#depth, "a chain only restores a shallower depth");
    this.#depth = depth;
  }
}
