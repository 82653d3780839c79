/**
 * PostgreSQL 15's string functions and operators (`varlena.c`, `oracle_compat.c`, `like.c`,
 * `regexp.c`) for text and bpchar: lengths, case mapping, trimming, substrings, padding, `||`,
 * LIKE/ILIKE and POSIX regular expressions.
 *
 * Invariants:
 * - Positions and lengths count characters (Unicode code points, as PostgreSQL counts UTF-8
 *   characters), never UTF-16 units; `octet_length` counts UTF-8 bytes.
 * - Case mapping is the C locale's (the database is created with `--locale=C`): only ASCII
 *   letters change, so `lower('ÉA')` is `Éa`, and `initcap` treats every non-ASCII character as a
 *   word boundary.
 * - A bpchar argument keeps its pad spaces; `length(bpchar)` ignores them, `octet_length` and
 *   LIKE do not, as in PostgreSQL.
 * - Results are bounded by PostgreSQL's 1 GB allocation limit (`requested length too large`).
 */
import { createHash } from "node:crypto";
import {
  InvalidEscapeSequenceError,
  InvalidParameterValueError,
  ProgramLimitExceededError,
  SubstringError,
  assert,
  bpcharLength,
  octetLength,
  textLength,
} from "@omnikv/base";
import { asBigInt, asBytes, asNumber, asText, type SqlValue } from "../values.ts";
import type { EvalContext, FunctionTable, ScalarFunction } from "./function-types.ts";
import { compileAre, defaultRegexOptions } from "./regex.ts";

/** PostgreSQL's MaxAllocSize: no datum may be larger than 1 GB - 1. */
const allocSizeBytesMax = 0x3fff_ffff;
/** The most bytes one character takes in the database encoding (UTF-8). */
const encodingCharBytesMax = 4;
const int32Max = 2_147_483_647;
/**
 * V8's longest string in UTF-16 units. PostgreSQL allows up to 1 GB of UTF-8; a result between
 * the two cannot be represented here and fails like PostgreSQL's own limit would.
 */
const stringUnitsMax = 2 ** 29 - 24;

function lengthTooLarge(): ProgramLimitExceededError {
  return new ProgramLimitExceededError("requested length too large");
}

function fn(arity: number, compute: (args: readonly SqlValue[], context: EvalContext) => SqlValue): ScalarFunction {
  return (args, context) => {
    assert(args.length === arity, `the function takes ${arity} arguments`);
    return compute(args, context);
  };
}

function textArg(args: readonly SqlValue[], index: number): string {
  return asText(args[index] ?? null);
}

function int(args: readonly SqlValue[], index: number): number {
  return asNumber(args[index] ?? null);
}

/** The code points of a string, each as its own string. */
function chars(value: string): string[] {
  return Array.from(value);
}

// ---------------------------------------------------------------------------------------------
// Case mapping in the C locale

function mapAscii(value: string, isUpper: boolean): string {
  return value.replace(isUpper ? /[a-z]+/g : /[A-Z]+/g, (run) => (isUpper ? run.toUpperCase() : run.toLowerCase()));
}

function isAsciiAlphanumeric(char: string): boolean {
  return /^[A-Za-z0-9]$/.test(char);
}

/** `asc_initcap`: ASCII letters after an ASCII letter or digit are lowered, the others raised. */
function initcap(value: string): string {
  let result = "";
  let wasAlphanumeric = false;
  for (const char of value) {
    const mapped = mapAscii(char, !wasAlphanumeric);
    result += mapped;
    wasAlphanumeric = isAsciiAlphanumeric(mapped);
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Trimming, substrings, padding

function trimChars(value: string, set: string, isLeading: boolean, isTrailing: boolean): string {
  const remove = new Set(chars(set));
  const list = chars(value);
  let start = 0;
  let end = list.length;
  if (isLeading) while (start < end && remove.has(list[start] ?? "")) start++;
  if (isTrailing) while (end > start && remove.has(list[end - 1] ?? "")) end--;
  return list.slice(start, end).join("");
}

/** `text_substring`: characters from `start` (1-based, may be <= 0) for `length` characters. */
function substring(value: string, start: number, length: number | undefined): string {
  if (length !== undefined && length < 0) throw new SubstringError("negative substring length not allowed");
  const list = chars(value);
  const first = Math.max(start, 1);
  const end = length === undefined ? list.length + 1 : start + length;
  if (end <= first) return "";
  return list.slice(first - 1, end - 1).join("");
}

/** `textpos`: the 1-based character position of `search`, 0 when absent, 1 for an empty search. */
function position(value: string, search: string): number {
  if (search === "") return 1;
  const index = value.indexOf(search);
  return index < 0 ? 0 : textLength(value.slice(0, index)) + 1;
}

function splitPart(value: string, separator: string, field: number): string {
  if (field === 0) throw new InvalidParameterValueError("field position must not be zero");
  if (value === "") return "";
  const parts = separator === "" ? [value] : value.split(separator);
  const index = field > 0 ? field - 1 : parts.length + field;
  return parts[index] ?? "";
}

function leftChars(value: string, count: number): string {
  const list = chars(value);
  const keep = count < 0 ? Math.max(list.length + count, 0) : count;
  return list.slice(0, keep).join("");
}

/** `text_right`; C's `-n` wraps for INT_MIN, so PostgreSQL then returns the whole string. */
function rightChars(value: string, count: number): string {
  const list = chars(value);
  if (count === -int32Max - 1) return value;
  const skip = count < 0 ? -count : Math.max(list.length - count, 0);
  return list.slice(skip).join("");
}

function checkPadLength(length: number): void {
  if (length * encodingCharBytesMax > allocSizeBytesMax) throw lengthTooLarge();
}

function pad(value: string, length: number, fill: string, isLeft: boolean): string {
  const target = Math.max(length, 0);
  const head = chars(value).slice(0, target);
  const fillChars = chars(fill);
  const finalLength = fillChars.length === 0 ? head.length : target;
  checkPadLength(finalLength);
  if (finalLength * 2 > stringUnitsMax) throw lengthTooLarge();
  let padding = "";
  for (let index = 0; index < finalLength - head.length; index++) padding += fillChars[index % fillChars.length] ?? "";
  assert(textLength(padding) === finalLength - head.length, "the padding fills the gap exactly");
  return isLeft ? padding + head.join("") : head.join("") + padding;
}

function repeat(value: string, count: number): string {
  if (count <= 0 || value === "") return "";
  const totalBytes = count * octetLength(value) + 4;
  if (totalBytes > allocSizeBytesMax || value.length * count > stringUnitsMax) throw lengthTooLarge();
  return value.repeat(count);
}

// ---------------------------------------------------------------------------------------------
// Identifiers and hex

/** PostgreSQL 15's keywords of every category but unreserved: `quote_ident` quotes them. */
const quotedKeywords: ReadonlySet<string> = new Set([
  "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "both", "case", "cast",
  "check", "collate", "column", "constraint", "create", "current_catalog", "current_date", "current_role",
  "current_time", "current_timestamp", "current_user", "default", "deferrable", "desc", "distinct", "do",
  "else", "end", "except", "false", "fetch", "for", "foreign", "from", "grant", "group", "having", "in",
  "initially", "intersect", "into", "lateral", "leading", "limit", "localtime", "localtimestamp", "not",
  "null", "offset", "on", "only", "or", "order", "placing", "primary", "references", "returning", "select",
  "session_user", "some", "symmetric", "table", "then", "to", "trailing", "true", "union", "unique", "user",
  "using", "variadic", "when", "where", "window", "with",
  "authorization", "binary", "collation", "concurrently", "cross", "current_schema", "freeze", "full",
  "ilike", "inner", "is", "isnull", "join", "left", "like", "natural", "notnull", "outer", "overlaps",
  "right", "similar", "tablesample", "verbose",
  "between", "bigint", "bit", "boolean", "char", "character", "coalesce", "dec", "decimal", "exists",
  "extract", "float", "greatest", "grouping", "inout", "int", "integer", "interval", "least", "national",
  "nchar", "none", "normalize", "nullif", "numeric", "out", "overlay", "position", "precision", "real",
  "row", "setof", "smallint", "substring", "time", "timestamp", "treat", "trim", "values", "varchar",
  "xmlattributes", "xmlconcat", "xmlelement", "xmlexists", "xmlforest", "xmlnamespaces", "xmlparse",
  "xmlpi", "xmlroot", "xmlserialize", "xmltable",
]);

/** `quote_identifier`: quoted unless all lowercase letters, digits and `_` and not a keyword. */
function quoteIdent(value: string): string {
  const isSafe = /^[a-z_][a-z0-9_]*$/.test(value) && !quotedKeywords.has(value);
  return isSafe ? value : `"${value.replaceAll('"', '""')}"`;
}

function md5Hex(value: string): string {
  return createHash("md5").update(value, "utf8").digest("hex");
}

// ---------------------------------------------------------------------------------------------
// Concatenation (`text || anynonarray` and its mirror are typed: text.ts)

function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length + b.length > allocSizeBytesMax) throw new ProgramLimitExceededError("invalid memory alloc request size");
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function concatenation(): Record<string, ScalarFunction> {
  return {
    "||(text,text)": fn(2, (args) => textArg(args, 0) + textArg(args, 1)),
    "||(bytea,bytea)": fn(2, (args) => concatBytes(asBytes(args[0] ?? null), asBytes(args[1] ?? null))),
  };
}

// ---------------------------------------------------------------------------------------------
// LIKE (like_match.c's MatchText on characters)

type MatchResult = "true" | "false" | "abort";

/** The characters after a `%` run: the text index advanced over `_`s, or abort when text runs out. */
function likeMatch(text: readonly string[], pattern: readonly string[], textStart: number, patternStart: number): MatchResult {
  let t = textStart;
  let p = patternStart;
  if (pattern.length - p === 1 && pattern[p] === "%") return "true";
  while (t < text.length && p < pattern.length) {
    const patternChar = pattern[p];
    if (patternChar === "\\") {
      p++;
      if (p >= pattern.length) throw new InvalidEscapeSequenceError("LIKE pattern must not end with escape character");
      if (pattern[p] !== text[t]) return "false";
    } else if (patternChar === "%") {
      return likePercent(text, pattern, t, p + 1);
    } else if (patternChar !== "_" && patternChar !== text[t]) {
      return "false";
    }
    t++;
    p++;
  }
  if (t < text.length) return "false";
  while (p < pattern.length && pattern[p] === "%") p++;
  return p >= pattern.length ? "true" : "abort";
}

function likePercent(text: readonly string[], pattern: readonly string[], textStart: number, patternStart: number): MatchResult {
  let t = textStart;
  let p = patternStart;
  for (; p < pattern.length; p++) {
    if (pattern[p] === "_") {
      if (t >= text.length) return "abort";
      t++;
    } else if (pattern[p] !== "%") {
      break;
    }
  }
  if (p >= pattern.length) return "true";
  let first = pattern[p];
  if (first === "\\") {
    if (p + 1 >= pattern.length) throw new InvalidEscapeSequenceError("LIKE pattern must not end with escape character");
    first = pattern[p + 1];
  }
  for (; t < text.length; t++) {
    if (text[t] === first) {
      const matched = likeMatch(text, pattern, t, p);
      if (matched !== "false") return matched;
    }
  }
  return "abort";
}

function isLike(value: string, pattern: string, isCaseInsensitive: boolean): boolean {
  const subject = isCaseInsensitive ? mapAscii(value, false) : value;
  const template = isCaseInsensitive ? mapAscii(pattern, false) : pattern;
  return likeMatch(chars(subject), chars(template), 0, 0) === "true";
}

function likeOperators(): Record<string, ScalarFunction> {
  const table: Record<string, ScalarFunction> = {};
  for (const left of ["text", "bpchar"]) {
    table[`~~(${left},text)`] = fn(2, (args) => isLike(textArg(args, 0), textArg(args, 1), false));
    table[`!~~(${left},text)`] = fn(2, (args) => !isLike(textArg(args, 0), textArg(args, 1), false));
    table[`~~*(${left},text)`] = fn(2, (args) => isLike(textArg(args, 0), textArg(args, 1), true));
    table[`!~~*(${left},text)`] = fn(2, (args) => !isLike(textArg(args, 0), textArg(args, 1), true));
  }
  return table;
}

// ---------------------------------------------------------------------------------------------
// POSIX regular expressions: the shared ARE translator (regex.ts)

function regexOperators(): Record<string, ScalarFunction> {
  const matches = (args: readonly SqlValue[], isCaseInsensitive: boolean): boolean => {
    const regex = compileAre(textArg(args, 1), { ...defaultRegexOptions, isCaseInsensitive });
    // compileAre's RegExps are global; a test must start at the beginning.
    regex.lastIndex = 0;
    return regex.test(textArg(args, 0));
  };
  return {
    "~(text,text)": fn(2, (args) => matches(args, false)),
    "!~(text,text)": fn(2, (args) => !matches(args, false)),
    "~*(text,text)": fn(2, (args) => matches(args, true)),
    "!~*(text,text)": fn(2, (args) => !matches(args, true)),
  };
}

// ---------------------------------------------------------------------------------------------

function basicFunctions(): Record<string, ScalarFunction> {
  const on = (compute: (value: string) => SqlValue): ScalarFunction => fn(1, (args) => compute(textArg(args, 0)));
  return {
    "length(text)": on(textLength),
    "char_length(text)": on(textLength),
    "character_length(text)": on(textLength),
    "octet_length(text)": on(octetLength),
    "length(bpchar)": on(bpcharLength),
    "octet_length(bpchar)": on(octetLength),
    "lower(text)": on((value) => mapAscii(value, false)),
    "upper(text)": on((value) => mapAscii(value, true)),
    "initcap(text)": on(initcap),
    "reverse(text)": on((value) => chars(value).toReversed().join("")),
    "md5(text)": on(md5Hex),
    "length(bytea)": fn(1, (args) => asBytes(args[0] ?? null).length),
    "octet_length(bytea)": fn(1, (args) => asBytes(args[0] ?? null).length),
    "md5(bytea)": fn(1, (args) => createHash("md5").update(asBytes(args[0] ?? null)).digest("hex")),
    "btrim(text)": on((value) => trimChars(value, " ", true, true)),
    "ltrim(text)": on((value) => trimChars(value, " ", true, false)),
    "rtrim(text)": on((value) => trimChars(value, " ", false, true)),
    "quote_ident(text)": on(quoteIdent),
    "to_hex(int4)": fn(1, (args) => (int(args, 0) >>> 0).toString(16)),
    "to_hex(int8)": fn(1, (args) => BigInt.asUintN(64, asBigInt(args[0] ?? null)).toString(16)),
  };
}

function positionalFunctions(): Record<string, ScalarFunction> {
  return {
    "btrim(text,text)": fn(2, (args) => trimChars(textArg(args, 0), textArg(args, 1), true, true)),
    "ltrim(text,text)": fn(2, (args) => trimChars(textArg(args, 0), textArg(args, 1), true, false)),
    "rtrim(text,text)": fn(2, (args) => trimChars(textArg(args, 0), textArg(args, 1), false, true)),
    "substr(text,int4)": fn(2, (args) => substring(textArg(args, 0), int(args, 1), undefined)),
    "substr(text,int4,int4)": fn(3, (args) => substring(textArg(args, 0), int(args, 1), int(args, 2))),
    "substring(text,int4)": fn(2, (args) => substring(textArg(args, 0), int(args, 1), undefined)),
    "substring(text,int4,int4)": fn(3, (args) => substring(textArg(args, 0), int(args, 1), int(args, 2))),
    "strpos(text,text)": fn(2, (args) => position(textArg(args, 0), textArg(args, 1))),
    "position(text,text)": fn(2, (args) => position(textArg(args, 0), textArg(args, 1))),
    "replace(text,text,text)": fn(3, (args) => (textArg(args, 1) === "" ? textArg(args, 0) : textArg(args, 0).split(textArg(args, 1)).join(textArg(args, 2)))),
    "split_part(text,text,int4)": fn(3, (args) => splitPart(textArg(args, 0), textArg(args, 1), int(args, 2))),
    "left(text,int4)": fn(2, (args) => leftChars(textArg(args, 0), int(args, 1))),
    "right(text,int4)": fn(2, (args) => rightChars(textArg(args, 0), int(args, 1))),
    "lpad(text,int4)": fn(2, (args) => pad(textArg(args, 0), int(args, 1), " ", true)),
    "lpad(text,int4,text)": fn(3, (args) => pad(textArg(args, 0), int(args, 1), textArg(args, 2), true)),
    "rpad(text,int4)": fn(2, (args) => pad(textArg(args, 0), int(args, 1), " ", false)),
    "rpad(text,int4,text)": fn(3, (args) => pad(textArg(args, 0), int(args, 1), textArg(args, 2), false)),
    "repeat(text,int4)": fn(2, (args) => repeat(textArg(args, 0), int(args, 1))),
    "starts_with(text,text)": fn(2, (args) => textArg(args, 0).startsWith(textArg(args, 1))),
  };
}

export const stringFunctions: FunctionTable = {
  ...basicFunctions(),
  ...positionalFunctions(),
  ...concatenation(),
  ...likeOperators(),
  ...regexOperators(),
};
