/**
 * Simple-protocol statements that differ only in integer literals share one parsed statement,
 * and through it one plan. pgbench and most OLTP clients send `... WHERE aid = 48213` with a new
 * number each time over the simple protocol; parsing and planning every one of them was most of
 * the server's work (PostgreSQL plans each one too, but on many cores).
 *
 * The shape of a statement is its text with every integer literal cut out. The first statement of
 * a shape is parsed; its integer literals in value positions become int4 parameters (`$n` in a
 * *planning text*), so the statement is a prepared statement whose parameters are the literals:
 * - UPDATE … SET values and INSERT … VALUES rows: every integer literal outside type modifiers,
 *   subqueries and aggregate/window clauses;
 * - WHERE of SELECT, UPDATE and DELETE: an integer literal compared with `=`, under AND/OR/NOT.
 * Every other integer literal (LIMIT 10, ORDER BY 1, varchar(10), a range bound the planner
 * estimates from histograms) stays in the planning text and must match exactly for a statement
 * to reuse the entry. A literal beyond int4 is never a parameter: it is an int8 or numeric.
 *
 * Why the same answers: an integer literal that fits int4 is an int4 constant, and a parameter
 * declared int4 binds exactly as one (operators, functions, assignment casts); plans never depend
 * on parameter values. What differs is that estimates for `col = $n` use the column's average
 * rather than the literal's own frequency, as PostgreSQL's generic plans do.
 *
 * Error positions are those of the planning text; `remapPosition` moves them to the text the
 * client sent (only integer literals differ between the two, so the shift is exact).
 */
import { DbError, TypeOid, type SqlValue } from "@omnikv/base";
import { parse, tokenize, TokenType, type Expr, type Statement, type Token } from "@omnikv/parser";

/** Most shapes a session keeps (least recently used dropped first), and variants per shape. */
export const literalShapeCapacity = 256;
const variantsPerShape = 4;
/** Longer statements are not cached: bulk INSERTs would hold megabytes per session. */
const shapeTextMax = 4096;
const int4Max = 2_147_483_647;

export interface ShapedStatement {
  /** The statement with parameters for the literals, and its planning text. */
  readonly entry: ShapeEntry;
  /** This statement's literal values, one per parameter. */
  readonly params: readonly SqlValue[];
  /** This statement's integer literals: where they are in the text the client sent. */
  readonly spans: readonly Span[];
}

export interface ShapeEntry {
  readonly planningSql: string;
  readonly statement: Statement;
  readonly paramTypes: readonly number[];
  /** Per integer literal (in text order): the text it must have, or undefined when it is a parameter. */
  readonly fixed: readonly (string | undefined)[];
  /** Parameter n+1 is the integer literal with this ordinal. */
  readonly paramOrdinals: readonly number[];
  /** Per integer literal: its span in the planning text (a parameter's span is its `$n`). */
  readonly planningSpans: readonly Span[];
}

export interface Span {
  readonly pos: number;
  readonly end: number;
}

/** The statements of one session's recent shapes. */
export class LiteralShapeCache {
  readonly #shapes = new Map<string, ShapeEntry[]>();
  /** Shapes seen not to be cacheable (not DML, several statements, parse errors): not retried. */
  readonly #refused = new Set<string>();

  /**
   * Shape keys whose statements `quickScan` reads exactly as the lexer does (checked when the
   * shape was made): a statement with such a key is looked up without tokenizing it.
   */
  readonly #quickKeys = new Set<string>();

  /** The cached statement for `sql`, made now if its shape is new; undefined when `sql` is not cacheable. */
  lookup(sql: string): ShapedStatement | undefined {
    const quick = quickScan(sql);
    if (quick !== undefined && this.#quickKeys.has(quick.key)) {
      const shaped = this.#hit(quick);
      if (shaped !== undefined) return shaped;
    }
    const scanned = scan(sql);
    if (scanned === undefined || this.#refused.has(scanned.key)) return undefined;
    const texts = scanned.integers.map((token) => token.text);
    const variants = this.#shapes.get(scanned.key);
    // A parameter slot takes only an int4 literal: a larger one is an int8 or numeric constant.
    const hit = variants?.find((entry) => entry.fixed.every((text, i) => (text === undefined ? Number(texts[i]) <= int4Max : text === texts[i])));
    const entry = hit ?? this.#make(sql, scanned);
    if (entry === undefined) return undefined;
    if (hit !== undefined && variants !== undefined) {
      // Most recently used last, as Map iteration order makes the first key the eviction victim.
      this.#shapes.delete(scanned.key);
      this.#shapes.set(scanned.key, variants);
    }
    const params = entry.paramOrdinals.map((ordinal) => Number(texts[ordinal]));
    return { entry, params, spans: scanned.integers.map(({ pos, end }) => ({ pos, end })) };
  }

  /** `lookup` for a quick-scanned statement whose shape has an entry its literals fit; else undefined. */
  #hit(quick: QuickScanned): ShapedStatement | undefined {
    const texts = quick.texts;
    const variants = this.#shapes.get(quick.key);
    const entry = variants?.find((one) => one.fixed.every((text, i) => (text === undefined ? Number(texts[i]) <= int4Max : text === texts[i])));
    if (entry === undefined || variants === undefined) return undefined;
    this.#shapes.delete(quick.key);
    this.#shapes.set(quick.key, variants);
    return { entry, params: entry.paramOrdinals.map((ordinal) => Number(texts[ordinal])), spans: quick.spans };
  }

  #make(sql: string, scanned: Scanned): ShapeEntry | undefined {
    const entry = makeEntry(sql, scanned.integers);
    if (entry !== undefined && isSameScan(quickScan(sql), scanned)) {
      this.#quickKeys.add(scanned.key);
      if (this.#quickKeys.size > literalShapeCapacity) this.#quickKeys.clear();
    }
    if (entry === undefined) {
      this.#refused.add(scanned.key);
      if (this.#refused.size > literalShapeCapacity) this.#refused.clear();
      return undefined;
    }
    const variants = this.#shapes.get(scanned.key) ?? [];
    variants.unshift(entry);
    if (variants.length > variantsPerShape) variants.pop();
    this.#shapes.delete(scanned.key);
    this.#shapes.set(scanned.key, variants);
    if (this.#shapes.size > literalShapeCapacity) {
      const oldest = this.#shapes.keys().next();
      if (oldest.done !== true) this.#shapes.delete(oldest.value);
    }
    return entry;
  }
}

/**
 * A 1-based character position in the planning text moved to the same place in the text the
 * client sent. The texts differ only inside integer literals, so the shift is the sum of the
 * length differences of the literals before the position; a position inside a literal goes to
 * that literal's start.
 */
export function remapPosition(position: number, planning: readonly Span[], sent: readonly Span[]): number {
  const offset = position - 1;
  let shift = 0;
  for (let i = 0; i < planning.length; i++) {
    const from = planning[i];
    const to = sent[i];
    if (from === undefined || to === undefined || from.pos > offset) break;
    if (offset < from.end) return to.pos + 1;
    shift = to.end - from.end;
  }
  return offset + shift + 1;
}

/** `error` with its position (if it has one) moved from the planning text to the text sent. */
export function withRemappedPosition(error: unknown, planning: readonly Span[], sent: readonly Span[]): unknown {
  if (error instanceof DbError && error.position !== undefined) {
    // The field is readonly to callers; this is the one place that corrects it, before anyone sees it.
    Object.defineProperty(error, "position", { value: remapPosition(error.position, planning, sent) });
  }
  return error;
}

interface Scanned {
  readonly key: string;
  readonly integers: readonly Token[];
}

/** The shape key of `sql` and its integer tokens; undefined when `sql` cannot be cached. */
function scan(sql: string): Scanned | undefined {
  // Character positions must equal UTF-16 offsets for the position arithmetic: no surrogates.
  if (sql.length > shapeTextMax || /[\uD800-\uDFFF]/.test(sql)) return undefined;
  let tokens: Token[];
  try {
    tokens = tokenize(sql);
  } catch {
    return undefined; // the normal path reports the syntax error
  }
  const integers: Token[] = [];
  const parts: string[] = [];
  let previous = 0;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (token === undefined) break;
    if (token.type === TokenType.Param) return undefined;
    // One statement only: a `;` may only end the text.
    if (token.type === TokenType.Punct && token.text === ";" && tokens[i + 1]?.type !== TokenType.Eof) return undefined;
    if (token.type !== TokenType.Integer) continue;
    integers.push(token);
    parts.push(sql.slice(previous, token.pos));
    previous = token.end;
  }
  parts.push(sql.slice(previous));
  return { key: parts.join("\u0000"), integers };
}

interface QuickScanned {
  readonly key: string;
  /** The integer literals' texts and spans, in text order. */
  readonly texts: readonly string[];
  readonly spans: readonly Span[];
}

/** Longest digit run `quickScan` takes as an integer literal (longer ones may be int8 or numeric). */
const quickDigitsMax = 9;

/**
 * `scan` without the lexer, for the statements OLTP clients repeat: one pass that cuts out digit
 * runs standing alone, skips quoted strings and identifiers, and gives up (undefined) on anything
 * whose reading takes the lexer: `$`, backslashes, comments, prefixed strings (E'', B'', X'',
 * U&''), numbers with a point or an exponent, digits against a letter, surrogates, long digit
 * runs. It is trusted only for a key whose first statement it read exactly as `scan` did: two
 * texts with one key differ only in the digits of their literals, and where quickScan sees a
 * literal depends only on the characters around it, which the key holds.
 */
function quickScan(sql: string): QuickScanned | undefined {
  if (sql.length > shapeTextMax) return undefined;
  const parts: string[] = [];
  const texts: string[] = [];
  const spans: Span[] = [];
  let previous = 0;
  let at = 0;
  while (at < sql.length) {
    const code = sql.charCodeAt(at);
    if (code === 39 || code === 34) {
      const close = closingQuote(sql, at);
      if (close < 0 || (code === 39 && isStringPrefix(sql, at))) return undefined;
      at = close + 1;
    } else if (isQuickDigit(code)) {
      const start = at;
      while (isQuickDigit(sql.charCodeAt(at))) at++;
      if (at - start > quickDigitsMax || isNumberContinuation(sql.charCodeAt(at)) || (start > 0 && sql.charCodeAt(start - 1) === 46)) return undefined;
      parts.push(sql.slice(previous, start));
      texts.push(sql.slice(start, at));
      spans.push({ pos: start, end: at });
      previous = at;
    } else if (isQuickIdentifierChar(code)) {
      while (at < sql.length && isQuickIdentifierChar(sql.charCodeAt(at))) at++;
      if (isQuickDigit(sql.charCodeAt(at))) {
        while (isQuickDigit(sql.charCodeAt(at)) || isQuickIdentifierChar(sql.charCodeAt(at))) at++;
      }
    } else if (code === 36 || code === 92 || (code >= 0xd800 && code <= 0xdfff) || isCommentStart(sql, at)) {
      return undefined;
    } else {
      at++;
    }
  }
  parts.push(sql.slice(previous));
  return { key: parts.join("\u0000"), texts, spans };
}

/** Where the quote opened at `open` closes (a doubled quote stays inside), or -1. */
function closingQuote(sql: string, open: number): number {
  const quote = sql.charCodeAt(open);
  let at = open + 1;
  for (;;) {
    const close = sql.indexOf(sql.charAt(open), at);
    if (close < 0) return -1;
    if (sql.charCodeAt(close + 1) !== quote) return close;
    at = close + 2;
  }
}

/** A letter right before a quote makes a prefixed string (E'…', B'…', X'…', N'…', U&'…'). */
function isStringPrefix(sql: string, quote: number): boolean {
  const before = sql.charCodeAt(quote - 1);
  return isQuickIdentifierChar(before) || before === 38;
}

function isCommentStart(sql: string, at: number): boolean {
  const code = sql.charCodeAt(at);
  const next = sql.charCodeAt(at + 1);
  return (code === 45 && next === 45) || (code === 47 && next === 42);
}

function isQuickDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** Letters, `_` and every non-ASCII character, as identifiers take them (digits apart; `$` makes the scan give up). */
function isQuickIdentifierChar(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95 || (code >= 0x80 && !(code >= 0xd800 && code <= 0xdfff));
}

/** A character after a digit run that makes it part of a longer token (a decimal, an exponent, a word). */
function isNumberContinuation(code: number): boolean {
  return code === 46 || isQuickIdentifierChar(code) || code === 36;
}

/** Whether `quickScan` read `sql` as `scan` did: the same key and the same integer literals. */
function isSameScan(quick: QuickScanned | undefined, scanned: Scanned): boolean {
  if (quick === undefined || quick.key !== scanned.key || quick.texts.length !== scanned.integers.length) return false;
  return scanned.integers.every((token, i) => token.text === quick.texts[i] && token.pos === quick.spans[i]?.pos && token.end === quick.spans[i]?.end);
}

/** Parses `sql`, picks the literals to become parameters and builds the planning text. */
function makeEntry(sql: string, integers: readonly Token[]): ShapeEntry | undefined {
  let statements: Statement[];
  try {
    statements = parse(sql);
  } catch {
    return undefined;
  }
  const [statement] = statements;
  if (statements.length !== 1 || statement === undefined) return undefined;
  const literalPositions: number[] = [];
  if (!collectValueLiterals(statement, literalPositions)) return undefined;
  const ordinalAt = literalOrdinals(sql, integers);
  const chosen = new Set<number>();
  for (const pos of literalPositions) {
    const ordinal = ordinalAt.get(pos);
    const token = ordinal === undefined ? undefined : integers[ordinal];
    if (ordinal !== undefined && token !== undefined && Number(token.text) <= int4Max) chosen.add(ordinal);
  }
  const paramOrdinals = [...chosen].sort((a, b) => a - b);
  const paramNumber = new Map(paramOrdinals.map((ordinal, i) => [ordinal, i + 1]));
  // The planning text: the chosen literals replaced by $n, everything else as sent.
  const pieces: string[] = [];
  const planningSpans: Span[] = [];
  let previous = 0;
  let length = 0;
  integers.forEach((token, ordinal) => {
    const between = sql.slice(previous, token.pos);
    pieces.push(between);
    length += between.length;
    const number = paramNumber.get(ordinal);
    const text = number === undefined ? token.text : `$${number}`;
    pieces.push(text);
    planningSpans.push({ pos: length, end: length + text.length });
    length += text.length;
    previous = token.end;
  });
  pieces.push(sql.slice(previous));
  const planningSql = pieces.join("");
  let planned: Statement[];
  try {
    planned = parse(planningSql);
  } catch {
    return undefined;
  }
  const [plannedStatement] = planned;
  if (planned.length !== 1 || plannedStatement?.kind !== statement.kind) return undefined;
  return {
    planningSql,
    statement: plannedStatement,
    paramTypes: paramOrdinals.map(() => TypeOid.int4),
    fixed: integers.map((token, ordinal) => (chosen.has(ordinal) ? undefined : token.text)),
    paramOrdinals,
    planningSpans,
  };
}

/**
 * The ordinal of the integer token each number literal starts at. A literal's position is its
 * first character, which for a folded unary minus (`-3012`) is the minus: its digits are the next
 * integer token.
 */
function literalOrdinals(sql: string, integers: readonly Token[]): Map<number, number> {
  const byLiteralPos = new Map<number, number>();
  integers.forEach((token, ordinal) => {
    byLiteralPos.set(token.pos, ordinal);
    // Walk back over whitespace to a minus sign folded into the literal.
    let at = token.pos - 1;
    while (at >= 0 && /\s/.test(sql.charAt(at))) at--;
    if (at >= 0 && sql.charAt(at) === "-") byLiteralPos.set(at, ordinal);
  });
  return byLiteralPos;
}

/**
 * Positions of the number literals of `statement` that may become parameters (see the module
 * comment). False when the statement is not cacheable at all (not SELECT/INSERT/UPDATE/DELETE).
 */
function collectValueLiterals(statement: Statement, out: number[]): boolean {
  if (statement.kind === "select") {
    if (statement.body.kind === "select_core") equalityLiterals(statement.body.where, out);
    return true;
  }
  if (statement.kind === "insert") {
    const source = statement.source;
    if (source !== undefined && source.body.kind === "values" && source.orderBy.length === 0 && source.limit === undefined && source.offset === undefined) {
      for (const row of source.body.rows) for (const expr of row) valueLiterals(expr, out);
    }
    return true;
  }
  if (statement.kind === "update") {
    for (const clause of statement.set) valueLiterals(clause.value, out);
    equalityLiterals(statement.where, out);
    return true;
  }
  if (statement.kind === "delete") {
    equalityLiterals(statement.where, out);
    return true;
  }
  return false; // utility statements and DDL: parsed each time, as before
}

function equalityLiterals(expr: Expr | undefined, out: number[]): void {
  if (expr === undefined) return;
  if (expr.kind === "bool_expr") {
    for (const arg of expr.args) equalityLiterals(arg, out);
  } else if (expr.kind === "not") {
    equalityLiterals(expr.operand, out);
  } else if (expr.kind === "binary" && expr.op === "=" && expr.opSchema === undefined) {
    for (const side of [expr.left, expr.right]) if (side.kind === "number" && side.isInteger) out.push(side.pos);
  }
}

/** Node kinds whose numbers are not values of the expression around them (or run in another query). */
const opaqueKinds: ReadonlySet<string> = new Set(["type_name", "select", "scalar_subquery", "array_subquery", "exists", "in_subquery", "quantified_subquery"]);

/** Every integer literal of a value expression, outside opaque nodes and outside a call's clauses. */
function valueLiterals(node: unknown, out: number[]): void {
  if (Array.isArray(node)) {
    for (const item of node) valueLiterals(item, out);
    return;
  }
  if (typeof node !== "object" || node === null || !("kind" in node) || typeof node.kind !== "string") return;
  if (node.kind === "number") {
    if ("isInteger" in node && node.isInteger === true && "pos" in node && typeof node.pos === "number") out.push(node.pos);
    return;
  }
  if (opaqueKinds.has(node.kind)) return;
  if (node.kind === "func_call") {
    // Aggregate ORDER BY, FILTER and OVER are not plain values (and cannot appear here anyway).
    if ("args" in node) valueLiterals(node.args, out);
    return;
  }
  for (const value of Object.values(node)) if (typeof value === "object") valueLiterals(value, out);
}
