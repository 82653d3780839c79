/**
 * Implementations of the text family's signatures (planner's builtins-text.ts), by id:
 * PostgreSQL 15's concat, concat_ws, format, quote_literal, quote_nullable, chr, ascii,
 * translate, regexp_replace, regexp_match, like_escape, similar_to_escape, and the array
 * functions (`array_*`, `cardinality`, `string_to_array`, `||` on arrays).
 *
 * Invariants:
 * - Positions count characters (code points), as PostgreSQL counts UTF-8 characters.
 * - Functions that print arguments of any type (concat, format, quote_literal(anyelement),
 *   array_to_string) or compare elements (array_position, array_remove) are
 *   `TypedScalarFunction`s, specialized per call site with the argument type OIDs.
 * - PostgreSQL regular expressions (ARE) are translated to JavaScript's by regex-translate below;
 *   ARE features with no faithful translation raise 0A000 instead of matching differently.
 *   Known remaining differences: ARE picks the longest match among alternatives at the leftmost
 *   position (`a|ab` matches `ab`), JavaScript the first alternative that matches; a capture group
 *   repeated by a quantifier whose last iteration matched empty (`(a*)*`) is "" in ARE but
 *   unmatched (NULL) in JavaScript; with flag `i`, back-references still compare case-sensitively.
 */
import {
  DataExceptionError,
  FeatureNotSupportedError,
  InvalidEscapeSequenceError,
  InvalidUseOfEscapeCharacterError,
  InvalidParameterValueError,
  InvalidTextRepresentationError,
  Numeric,
  NullValueNotAllowedError,
  NumericValueOutOfRangeError,
  ProgramLimitExceededError,
  TypeOid,
  ArraySubscriptError,
  arrayOf,
  assert,
  compareBpchar,
  compareFloat,
  compareIntervals,
  compareJsonb,
  formatValue,
  typeInfo,
  type IntervalValue,
  type PgArray,
} from "@omnikv/base";
import { asBytes, asNumber, asText, type SqlValue } from "../values.ts";
import { asJsonb } from "./comparison.ts";
import type { EvalContext, FunctionTable, ScalarFunction } from "./function-types.ts";
import { compileAre, parseRegexFlags } from "./regex.ts";
import { asArray, textSettings, type TypedFunctionTable, type TypedScalarFunction } from "./json.ts";
import { stringFunctions } from "./string.ts";

function fn(arity: number, compute: (args: readonly SqlValue[], context: EvalContext) => SqlValue): ScalarFunction {
  return (args, context) => {
    assert(args.length === arity, `the function takes ${arity} arguments`);
    return compute(args, context);
  };
}

function textArg(args: readonly SqlValue[], index: number): string {
  return asText(args[index] ?? null);
}

function chars(value: string): string[] {
  return Array.from(value);
}

// ---------------------------------------------------------------------------------------------
// Text output of values of any type

function outputText(argTypes: readonly number[], index: number, value: SqlValue, context: EvalContext): string {
  const oid = argTypes[index] ?? TypeOid.text;
  if (typeof value === "string" && (oid === TypeOid.unknown || typeInfo(oid)?.category === "S")) return value;
  return formatValue(oid, value, textSettings(context));
}

/**
 * `text || anynonarray` and its mirror: the value as its cast to text gives it (PostgreSQL's
 * anytextcat is `$1::text || $2`), which is the type's output function except for bool
 * (`true`, not `t`). The argument's type decides: a date and an int4 share a representation.
 */
function castText(argTypes: readonly number[], index: number, value: SqlValue, context: EvalContext): string {
  if ((argTypes[index] ?? TypeOid.text) === TypeOid.bool) return value === true ? "true" : "false";
  return outputText(argTypes, index, value, context);
}

function typedCall(compute: (argTypes: readonly number[], args: readonly SqlValue[], context: EvalContext) => SqlValue): TypedScalarFunction {
  return (argTypes) => (args, context) => {
    assert(args.length === argTypes.length, "a typed call has one type per argument");
    return compute(argTypes, args, context);
  };
}

function concat(argTypes: readonly number[], args: readonly SqlValue[], context: EvalContext, first: number, separator: string): string {
  const parts: string[] = [];
  for (let index = first; index < args.length; index++) {
    const value = args[index] ?? null;
    if (value !== null) parts.push(outputText(argTypes, index, value, context));
  }
  return parts.join(separator);
}

/** `quote_literal_cstr`: single quotes doubled; with a backslash, `E'...'` and backslashes doubled. */
export function quoteLiteral(value: string): string {
  const quoted = value.replaceAll("'", "''");
  return value.includes("\\") ? `E'${quoted.replaceAll("\\", "\\\\")}'` : `'${quoted}'`;
}

const quoteIdentFunction = stringFunctions["quote_ident(text)"];

function quoteIdent(value: string, context: EvalContext): string {
  assert(quoteIdentFunction !== undefined, "string.ts implements quote_ident(text)");
  return asText(quoteIdentFunction([value], context));
}

// ---------------------------------------------------------------------------------------------
// format() (varlena.c text_format)

const int32Max = 2_147_483_647;

interface FormatSpec {
  /** 1-based explicit argument position, or 0 for "the next one". */
  readonly argPosition: number;
  /** -1: no `*`; 0: `*` (next argument); n: `*n$`. */
  readonly widthPosition: number;
  readonly width: number;
  readonly isLeftJustified: boolean;
  /** The index of the conversion character. */
  readonly end: number;
}

function unterminated(): InvalidParameterValueError {
  return new InvalidParameterValueError("unterminated format() type specifier", { hint: 'For a single "%" use "%%".' });
}

function argumentZero(): InvalidParameterValueError {
  return new InvalidParameterValueError("format specifies argument 0, but arguments are numbered from 1");
}

class FormatCursor {
  index: number;
  readonly #format: readonly string[];

  constructor(format: readonly string[], index: number) {
    this.#format = format;
    this.index = index;
  }

  /** The character under the cursor (a method, so comparisons are not narrowed across advances). */
  char(): string {
    return this.#format[this.index] ?? "";
  }

  advance(): void {
    this.index++;
    if (this.index >= this.#format.length) throw unterminated();
  }

  /** `text_format_parse_digits`: a decimal number, or undefined when no digit is here. */
  digits(): number | undefined {
    if (!/[0-9]/.test(this.char())) return undefined;
    let value = 0;
    while (/[0-9]/.test(this.char())) {
      value = value * 10 + Number(this.char());
      if (value > int32Max) throw new NumericValueOutOfRangeError("number is out of range");
      this.advance();
    }
    return value;
  }
}

/** `text_format_parse_format`: `[n$][-...][width | * | *n$]`, ending at the conversion character. */
function parseFormatSpec(format: readonly string[], start: number): FormatSpec {
  const cursor = new FormatCursor(format, start);
  let argPosition = 0;
  const first = cursor.digits();
  if (first !== undefined) {
    if (cursor.char() !== "$") return { argPosition: 0, widthPosition: -1, width: first, isLeftJustified: false, end: cursor.index };
    if (first === 0) throw argumentZero();
    argPosition = first;
    cursor.advance();
  }
  let isLeftJustified = false;
  while (cursor.char() === "-") {
    isLeftJustified = true;
    cursor.advance();
  }
  let widthPosition = -1;
  let width = 0;
  if (cursor.char() === "*") {
    cursor.advance();
    const position = cursor.digits();
    widthPosition = 0;
    if (position !== undefined) {
      if (cursor.char() !== "$") throw new InvalidParameterValueError('width argument position must be ended by "$"');
      if (position === 0) throw argumentZero();
      widthPosition = position;
      cursor.advance();
    }
  } else {
    width = cursor.digits() ?? 0;
  }
  return { argPosition, widthPosition, width, isLeftJustified, end: cursor.index };
}

function pad(value: string, width: number, isLeftJustified: boolean): string {
  const padding = " ".repeat(Math.max(width - chars(value).length, 0));
  return isLeftJustified ? value + padding : padding + value;
}

interface FormatCall {
  readonly argTypes: readonly number[];
  readonly args: readonly SqlValue[];
  readonly context: EvalContext;
}

/** The `*` width argument: int2/int4 directly, other types through their text, NULL as 0. */
function widthArgument(call: FormatCall, index: number): number {
  const value = call.args[index] ?? null;
  if (value === null) return 0;
  const oid = call.argTypes[index] ?? TypeOid.int4;
  if (oid === TypeOid.int4 || oid === TypeOid.int2) return asNumber(value);
  const text = outputText(call.argTypes, index, value, call.context).trim();
  if (!/^[+-]?[0-9]+$/.test(text)) throw new InvalidTextRepresentationError(`invalid input syntax for type integer: "${text}"`);
  const width = Number(text);
  if (width > int32Max || width < -int32Max - 1) throw new NumericValueOutOfRangeError(`value "${text}" is out of range for type integer`);
  return width;
}

function convert(call: FormatCall, conversion: string, index: number): string {
  const value = call.args[index] ?? null;
  if (value === null) {
    if (conversion === "I") throw new NullValueNotAllowedError("null values cannot be formatted as an SQL identifier");
    return conversion === "L" ? "NULL" : "";
  }
  const text = outputText(call.argTypes, index, value, call.context);
  if (conversion === "I") return quoteIdent(text, call.context);
  return conversion === "L" ? quoteLiteral(text) : text;
}

/** `text_format`; `call.args[0]` is the format string itself. */
function formatText(call: FormatCall): string {
  const template = chars(textArg(call.args, 0));
  let result = "";
  let argIndex = 0;
  for (let index = 0; index < template.length; index++) {
    const char = template[index] ?? "";
    if (char !== "%") {
      result += char;
      continue;
    }
    if (index + 1 >= template.length) throw unterminated();
    if (template[index + 1] === "%") {
      result += "%";
      index++;
      continue;
    }
    const spec = parseFormatSpec(template, index + 1);
    const conversion = template[spec.end] ?? "";
    if (!"sIL".includes(conversion)) {
      throw new InvalidParameterValueError(`unrecognized format() type specifier "${conversion}"`, { hint: 'For a single "%" use "%%".' });
    }
    let width = spec.width;
    let isLeftJustified = spec.isLeftJustified;
    if (spec.widthPosition >= 0) {
      argIndex = spec.widthPosition > 0 ? spec.widthPosition : argIndex + 1;
      if (argIndex >= call.args.length) throw new InvalidParameterValueError("too few arguments for format()");
      width = widthArgument(call, argIndex);
      if (width < 0) {
        if (width === -int32Max - 1) throw new NumericValueOutOfRangeError("number is out of range");
        isLeftJustified = true;
        width = -width;
      }
    }
    argIndex = spec.argPosition > 0 ? spec.argPosition : argIndex + 1;
    if (argIndex >= call.args.length) throw new InvalidParameterValueError("too few arguments for format()");
    result += pad(convert(call, conversion, argIndex), width, isLeftJustified);
    index = spec.end;
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// chr, ascii, translate

function chr(code: number): string {
  if (code < 0) throw new InvalidParameterValueError("character number must be positive");
  const unsigned = code;
  if (unsigned === 0) throw new ProgramLimitExceededError("null character not permitted");
  if (unsigned > 0x10ffff) throw new ProgramLimitExceededError(`requested character too large for encoding: ${unsigned}`);
  if (unsigned >= 0xd800 && unsigned <= 0xdfff) throw new ProgramLimitExceededError(`requested character not valid for encoding: ${unsigned}`);
  return String.fromCodePoint(unsigned);
}

function translate(value: string, from: string, to: string): string {
  const fromChars = chars(from);
  const toChars = chars(to);
  let result = "";
  for (const char of value) {
    const position = fromChars.indexOf(char);
    if (position < 0) result += char;
    else result += toChars[position] ?? "";
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// like_escape, similar_to_escape (like.c do_like_escape, regexp.c similar_escape_internal)

function invalidEscapeString(): InvalidEscapeSequenceError {
  return new InvalidEscapeSequenceError("invalid escape string", { hint: "Escape string must be empty or one character." });
}

/** Rewrites a LIKE pattern with escape `escape` into one whose escape is backslash, as `~~` reads it. */
export function likeEscape(pattern: string, escape: string): string {
  const escapeChars = chars(escape);
  if (escapeChars.length === 0) return pattern.replaceAll("\\", "\\\\");
  if (escapeChars.length > 1) throw invalidEscapeString();
  if (escape === "\\") return pattern;
  let result = "";
  let isAfterEscape = false;
  for (const char of pattern) {
    if (char === escape && !isAfterEscape) {
      result += "\\";
      isAfterEscape = true;
    } else if (char === "\\") {
      result += isAfterEscape ? "\\" : "\\\\";
      isAfterEscape = false;
    } else {
      result += char;
      isAfterEscape = false;
    }
  }
  return result;
}

const similarQuoteSeparators = ["){1,1}?(", "){1,1}(?:"] as const;

/** A SIMILAR TO pattern as the POSIX regex `~` matches: `^(?:...)$`, `%` → `.*`, `_` → `.`. */
export function similarToEscape(pattern: string, escape: string | undefined): string {
  const escapeChar = escape ?? "\\";
  if (chars(escapeChar).length > 1) throw invalidEscapeString();
  let result = "^(?:";
  let isAfterEscape = false;
  let isInCharClass = false;
  let quoteCount = 0;
  for (const char of pattern) {
    if (isAfterEscape) {
      if (char === '"' && !isInCharClass) {
        const separator = similarQuoteSeparators[quoteCount];
        if (separator === undefined) {
          throw new InvalidUseOfEscapeCharacterError("SQL regular expression may not contain more than two escape-double-quote separators");
        }
        result += separator;
        quoteCount++;
      } else {
        result += `\\${char}`;
      }
      isAfterEscape = false;
    } else if (escapeChar !== "" && char === escapeChar) {
      isAfterEscape = true;
    } else if (isInCharClass) {
      result += char === "\\" ? "\\\\" : char;
      if (char === "]") isInCharClass = false;
    } else {
      result += similarChar(char);
      if (char === "[") isInCharClass = true;
    }
  }
  return `${result})$`;
}

function similarChar(char: string): string {
  switch (char) {
    case "%":
      return ".*";
    case "_":
      return ".";
    case "(":
      return "(?:";
    case "\\":
    case ".":
    case "^":
    case "$":
      return `\\${char}`;
    default:
      return char;
  }
}

/** The UTF-16 offset of code point `position` (0-based) in `value`, or its length past the end. */
function utf16Offset(value: string, position: number): number {
  let offset = 0;
  for (let count = 0; count < position && offset < value.length; count++) {
    offset += (value.codePointAt(offset) ?? 0) > 0xffff ? 2 : 1;
  }
  return offset;
}

function advanceOne(value: string, offset: number): number {
  return offset + ((value.codePointAt(offset) ?? 0) > 0xffff ? 2 : 1);
}

/** `appendStringInfoRegexpSubstr`: `\1`..`\9` groups, `\&` the match, `\\` a backslash. */
function expandReplacement(replacement: string, match: RegExpExecArray): string {
  if (!replacement.includes("\\")) return replacement;
  let result = "";
  for (let index = 0; index < replacement.length; index++) {
    const char = replacement[index] ?? "";
    if (char !== "\\" || index + 1 >= replacement.length) {
      result += char;
      continue;
    }
    const next = replacement[index + 1] ?? "";
    index++;
    if (/^[1-9]$/.test(next)) result += match[Number(next)] ?? "";
    else if (next === "&") result += match[0];
    else if (next === "\\") result += "\\";
    else result += `\\${next}`;
  }
  return result;
}

interface ReplaceRequest {
  readonly source: string;
  readonly regex: RegExp;
  readonly replacement: string;
  /** 0-based character position where the search starts. */
  readonly start: number;
  /** Which match to replace, 1-based; 0 replaces all. */
  readonly occurrence: number;
}

/** `replace_text_regexp`. */
function replaceRegex(request: ReplaceRequest): string {
  const { source, regex, replacement, occurrence } = request;
  let searchStart = utf16Offset(source, request.start);
  let copied = 0;
  let result = "";
  let matchCount = 0;
  while (searchStart <= source.length) {
    regex.lastIndex = searchStart;
    const match = regex.exec(source);
    if (match === null) break;
    matchCount++;
    const end = match.index + match[0].length;
    if (occurrence === 0 || matchCount === occurrence) {
      result += source.slice(copied, match.index) + expandReplacement(replacement, match);
      copied = end;
      if (occurrence !== 0) break;
    }
    searchStart = match[0].length === 0 ? advanceOne(source, end) : end;
  }
  assert(copied <= source.length, "the copied prefix lies within the source");
  return result + source.slice(copied);
}

function regexpReplace(args: readonly SqlValue[], flagsText: string, start: number, occurrence: number | undefined): string {
  if (start <= 0) throw new InvalidParameterValueError(`invalid value for parameter "start": ${start}`);
  if (occurrence !== undefined && occurrence < 0) throw new InvalidParameterValueError(`invalid value for parameter "n": ${occurrence}`);
  const flags = parseRegexFlags(flagsText);
  const regex = compileAre(textArg(args, 1), flags.options);
  const resolvedOccurrence = occurrence ?? (flags.isGlobal ? 0 : 1);
  return replaceRegex({ source: textArg(args, 0), regex, replacement: textArg(args, 2), start: start - 1, occurrence: resolvedOccurrence });
}

function regexpReplaceWithFlags(args: readonly SqlValue[]): string {
  const flags = textArg(args, 3);
  if (/^[0-9]/.test(flags)) {
    throw new InvalidParameterValueError(`invalid regular expression option: "${chars(flags)[0] ?? ""}"`, {
      hint: "If you meant to use regexp_replace() with a start parameter, cast the fourth argument to integer explicitly.",
    });
  }
  return regexpReplace(args, flags, 1, undefined);
}

/** `regexp_match`: the capture groups of the first match (the whole match without groups). */
function regexpMatch(source: string, pattern: string, flagsText: string): SqlValue {
  const flags = parseRegexFlags(flagsText);
  if (flags.isGlobal) {
    throw new InvalidParameterValueError('regexp_match() does not support the "global" option', {
      hint: "Use the regexp_matches function instead.",
    });
  }
  const regex = compileAre(pattern, flags.options);
  regex.lastIndex = 0;
  const match = regex.exec(source);
  if (match === null) return null;
  const groups = match.length > 1 ? match.slice(1) : [match[0]];
  return arrayOf<SqlValue>(groups.map((group: string | undefined) => group ?? null));
}

function regexFunctions(): Record<string, ScalarFunction> {
  const int = (args: readonly SqlValue[], index: number): number => asNumber(args[index] ?? null);
  return {
    "regexp_replace(text,text,text)": fn(3, (args) => regexpReplace(args, "", 1, undefined)),
    "regexp_replace(text,text,text,text)": fn(4, regexpReplaceWithFlags),
    "regexp_replace(text,text,text,int4)": fn(4, (args) => regexpReplace(args, "", int(args, 3), undefined)),
    "regexp_replace(text,text,text,int4,int4)": fn(5, (args) => regexpReplace(args, "", int(args, 3), int(args, 4))),
    "regexp_replace(text,text,text,int4,int4,text)": fn(6, (args) => regexpReplace(args, textArg(args, 5), int(args, 3), int(args, 4))),
    "regexp_match(text,text)": fn(2, (args) => regexpMatch(textArg(args, 0), textArg(args, 1), "")),
    "regexp_match(text,text,text)": fn(3, (args) => regexpMatch(textArg(args, 0), textArg(args, 1), textArg(args, 2))),
  };
}

// ---------------------------------------------------------------------------------------------
// Arrays (arrayfuncs.c, array_userfuncs.c)

const emptyArray: PgArray<SqlValue> = { dims: [], lowerBounds: [], elements: [] };

function dimensionInfo(array: PgArray<SqlValue>, dimension: number): { readonly length: number; readonly lowerBound: number } | undefined {
  const length = array.dims[dimension - 1];
  const lowerBound = array.lowerBounds[dimension - 1];
  return length === undefined || lowerBound === undefined ? undefined : { length, lowerBound };
}

function checkedSubscript(value: number): number {
  if (value > int32Max || value < -int32Max - 1) throw new NumericValueOutOfRangeError("integer out of range");
  return value;
}

/** `array_append`/`array_prepend`: a NULL array is empty; the lower bound is kept. */
function arrayPush(array: PgArray<SqlValue>, element: SqlValue, isAppend: boolean): PgArray<SqlValue> {
  if (array.dims.length === 0) return arrayOf([element]);
  if (array.dims.length !== 1) throw new DataExceptionError("argument must be empty or one-dimensional array");
  const [length = 0] = array.dims;
  const [lowerBound = 1] = array.lowerBounds;
  checkedSubscript(isAppend ? lowerBound + length : lowerBound - 1);
  const elements = isAppend ? [...array.elements, element] : [element, ...array.elements];
  const result = { dims: [length + 1], lowerBounds: [lowerBound], elements };
  assert(result.elements.length === length + 1, "one element is added");
  return result;
}

function incompatible(detail: string): ArraySubscriptError {
  return new ArraySubscriptError("cannot concatenate incompatible arrays", { detail });
}

/** `array_cat`: same dimensionality joins along the first axis; one fewer adds one sub-array. */
function arrayCat(left: PgArray<SqlValue>, right: PgArray<SqlValue>): PgArray<SqlValue> {
  if (left.dims.length === 0) return right;
  if (right.dims.length === 0) return left;
  const [leftCount, rightCount] = [left.dims.length, right.dims.length];
  if (Math.abs(leftCount - rightCount) > 1) {
    throw incompatible(`Arrays of ${leftCount} and ${rightCount} dimensions are not compatible for concatenation.`);
  }
  const outer = leftCount >= rightCount ? left : right;
  const inner = leftCount >= rightCount ? right : left;
  const innerShapeStart = leftCount === rightCount ? 1 : 0;
  for (let axis = innerShapeStart; axis < inner.dims.length; axis++) {
    const outerAxis = leftCount === rightCount ? axis : axis + 1;
    if (inner.dims[axis] !== outer.dims[outerAxis] || inner.lowerBounds[axis] !== outer.lowerBounds[outerAxis]) {
      const what = leftCount === rightCount ? "element dimensions" : "dimensions";
      throw incompatible(`Arrays with differing ${what} are not compatible for concatenation.`);
    }
  }
  const added = leftCount === rightCount ? (inner.dims[0] ?? 0) : 1;
  const dims = [(outer.dims[0] ?? 0) + added, ...outer.dims.slice(1)];
  const lowerBounds = leftCount === rightCount ? left.lowerBounds : outer.lowerBounds;
  const result = { dims, lowerBounds, elements: [...left.elements, ...right.elements] };
  assert(result.elements.length === dims.reduce((product, length) => product * length, 1), "the result's shape holds its elements");
  return result;
}

type ElementEquals = (a: SqlValue, b: SqlValue) => boolean;

function isIntervalValue(value: SqlValue): value is IntervalValue {
  return typeof value === "object" && value !== null && "months" in value && "micros" in value;
}

/** The element type's default equality (btree `=`), for array_position and array_remove. */
function elementEquals(elementOid: number): ElementEquals {
  if (elementOid === TypeOid.bpchar) return (a, b) => compareBpchar(asText(a), asText(b)) === 0;
  if (elementOid === TypeOid.jsonb) return (a, b) => compareJsonb(asJsonb(a), asJsonb(b)) === 0;
  if (elementOid === TypeOid.float4 || elementOid === TypeOid.float8) return (a, b) => compareFloat(asNumber(a), asNumber(b)) === 0;
  if (elementOid === TypeOid.interval) {
    return (a, b) => isIntervalValue(a) && isIntervalValue(b) && compareIntervals(a, b) === 0;
  }
  return (a, b) => {
    if (a instanceof Numeric && b instanceof Numeric) return a.compare(b) === 0;
    if (a instanceof Uint8Array) return Buffer.compare(asBytes(a), asBytes(b)) === 0;
    assert(typeof a !== "object" || a === null, `equality of element type ${elementOid} is implemented`);
    return a === b;
  };
}

/** IS NOT DISTINCT FROM: NULL finds NULL. */
function isSameElement(equals: ElementEquals, element: SqlValue, search: SqlValue): boolean {
  if (element === null || search === null) return element === search;
  return equals(element, search);
}

function arrayPosition(array: PgArray<SqlValue>, search: SqlValue, start: number | undefined, equals: ElementEquals): number | null {
  if (array.dims.length > 1) throw new FeatureNotSupportedError("searching for elements in multidimensional arrays is not supported");
  if (array.dims.length === 0) return null;
  const [lowerBound = 1] = array.lowerBounds;
  const first = start === undefined ? 0 : Math.max(start - lowerBound, 0);
  for (let index = first; index < array.elements.length; index++) {
    if (isSameElement(equals, array.elements[index] ?? null, search)) return lowerBound + index;
  }
  return null;
}

function arrayRemove(array: PgArray<SqlValue>, search: SqlValue, equals: ElementEquals): PgArray<SqlValue> {
  if (array.dims.length > 1) throw new FeatureNotSupportedError("removing elements from multidimensional arrays is not supported");
  const kept = array.elements.filter((element) => !isSameElement(equals, element, search));
  if (kept.length === 0) return emptyArray;
  if (kept.length === array.elements.length) return array;
  return { dims: [kept.length], lowerBounds: array.lowerBounds, elements: kept };
}

function arrayToString(array: PgArray<SqlValue>, delimiter: string, nullText: string | null, format: (value: SqlValue) => string): string {
  const parts: string[] = [];
  for (const element of array.elements) {
    if (element !== null) parts.push(format(element));
    else if (nullText !== null) parts.push(nullText);
  }
  return parts.join(delimiter);
}

/** `string_to_array`: a NULL delimiter splits into characters, an empty one yields the whole string. */
function stringToArray(value: string, delimiter: string | null, nullText: string | null): PgArray<SqlValue> {
  if (value === "") return emptyArray;
  let parts: string[];
  if (delimiter === null) parts = chars(value);
  else if (delimiter === "") parts = [value];
  else parts = value.split(delimiter);
  return arrayOf<SqlValue>(parts.map((part) => (nullText !== null && part === nullText ? null : part)));
}

function elementOidOf(argTypes: readonly number[], index: number): number {
  const elementOid = typeInfo(argTypes[index] ?? TypeOid.textArray)?.elementOid;
  assert(elementOid !== undefined, "an anyarray argument has an array type");
  return elementOid;
}

function arrayOrNull(value: SqlValue): PgArray<SqlValue> | null {
  return value === null ? null : asArray(value);
}

function arrayDimensionFunctions(): Record<string, ScalarFunction> {
  const dimension = (pick: (info: { readonly length: number; readonly lowerBound: number }) => number): ScalarFunction =>
    fn(2, (args) => {
      const info = dimensionInfo(asArray(args[0] ?? null), asNumber(args[1] ?? null));
      return info === undefined ? null : pick(info);
    });
  const cat = fn(2, (args) => {
    const [left, right] = [arrayOrNull(args[0] ?? null), arrayOrNull(args[1] ?? null)];
    if (left === null) return right;
    return right === null ? left : arrayCat(left, right);
  });
  const append = fn(2, (args) => arrayPush(arrayOrNull(args[0] ?? null) ?? emptyArray, args[1] ?? null, true));
  const prepend = fn(2, (args) => arrayPush(arrayOrNull(args[1] ?? null) ?? emptyArray, args[0] ?? null, false));
  return {
    "array_length(anyarray,int4)": dimension((info) => info.length),
    "array_upper(anyarray,int4)": dimension((info) => info.lowerBound + info.length - 1),
    // `a[i]` of a one-dimensional array; NULL outside its bounds or for a multi-dimensional one.
    "[](anyarray,int4)": fn(2, (args) => {
      const array = asArray(args[0] ?? null);
      const info = array.dims.length === 1 ? dimensionInfo(array, 1) : undefined;
      const index = asNumber(args[1] ?? null) - (info?.lowerBound ?? 0);
      return info === undefined || index < 0 || index >= info.length ? null : (array.elements[index] ?? null);
    }),
    "array_lower(anyarray,int4)": dimension((info) => info.lowerBound),
    "cardinality(anyarray)": fn(1, (args) => asArray(args[0] ?? null).elements.length),
    "array_append(anycompatiblearray,anycompatible)": append,
    "array_prepend(anycompatible,anycompatiblearray)": prepend,
    "array_cat(anycompatiblearray,anycompatiblearray)": cat,
    "||(anycompatiblearray,anycompatiblearray)": cat,
    "||(anycompatiblearray,anycompatible)": append,
    "||(anycompatible,anycompatiblearray)": prepend,
    "string_to_array(text,text)": fn(2, (args) =>
      args[0] === null ? null : stringToArray(textArg(args, 0), args[1] === null ? null : textArg(args, 1), null),
    ),
    "string_to_array(text,text,text)": fn(3, (args) =>
      args[0] === null
        ? null
        : stringToArray(textArg(args, 0), args[1] === null ? null : textArg(args, 1), args[2] === null ? null : textArg(args, 2)),
    ),
  };
}

function arrayTypedFunctions(): Record<string, TypedScalarFunction> {
  const position = (hasStart: boolean): TypedScalarFunction => (argTypes) => {
    const equals = elementEquals(elementOidOf(argTypes, 0));
    return (args) => {
      const array = arrayOrNull(args[0] ?? null);
      if (array === null) return null;
      if (hasStart && args[2] === null) throw new NullValueNotAllowedError("initial position must not be null");
      return arrayPosition(array, args[1] ?? null, hasStart ? asNumber(args[2] ?? null) : undefined, equals);
    };
  };
  const toText = typedCall((argTypes, args, context) => {
    const [array, delimiter, nullText] = [args[0] ?? null, args[1] ?? null, args[2] ?? null];
    if (array === null || delimiter === null) return null;
    const elementOid = elementOidOf(argTypes, 0);
    const settings = textSettings(context);
    const format = (value: SqlValue): string => (typeof value === "string" ? value : formatValue(elementOid, value, settings));
    return arrayToString(asArray(array), asText(delimiter), nullText === null ? null : asText(nullText), format);
  });
  return {
    "array_position(anycompatiblearray,anycompatible)": position(false),
    "array_position(anycompatiblearray,anycompatible,int4)": position(true),
    "array_remove(anycompatiblearray,anycompatible)": (argTypes) => {
      const equals = elementEquals(elementOidOf(argTypes, 0));
      return fn(2, (args) => {
        const array = arrayOrNull(args[0] ?? null);
        return array === null ? null : arrayRemove(array, args[1] ?? null, equals);
      });
    },
    "array_to_string(anyarray,text)": toText,
    "array_to_string(anyarray,text,text)": toText,
  };
}

// ---------------------------------------------------------------------------------------------

function stringTypedFunctions(): Record<string, TypedScalarFunction> {
  const literal = typedCall((argTypes, args, context) => quoteLiteral(outputText(argTypes, 0, args[0] ?? null, context)));
  const nullable = typedCall((argTypes, args, context) => {
    const value = args[0] ?? null;
    return value === null ? "NULL" : quoteLiteral(outputText(argTypes, 0, value, context));
  });
  return {
    "concat(any)": typedCall((argTypes, args, context) => concat(argTypes, args, context, 0, "")),
    "concat_ws(text,any)": typedCall((argTypes, args, context) =>
      args[0] === null || args[0] === undefined ? null : concat(argTypes, args, context, 1, textArg(args, 0)),
    ),
    "format(text,any)": typedCall((argTypes, args, context) => (args[0] === null ? null : formatText({ argTypes, args, context }))),
    "||(text,anynonarray)": typedCall((argTypes, args, context) => textArg(args, 0) + castText(argTypes, 1, args[1] ?? null, context)),
    "||(anynonarray,text)": typedCall((argTypes, args, context) => castText(argTypes, 0, args[0] ?? null, context) + textArg(args, 1)),
    "quote_literal(anyelement)": literal,
    "quote_nullable(anyelement)": nullable,
  };
}

export const textTypedFunctions: TypedFunctionTable = {
  ...stringTypedFunctions(),
  ...arrayTypedFunctions(),
};

export const textFunctions: FunctionTable = {
  "format(text)": fn(1, (args, context) => (args[0] === null ? null : formatText({ argTypes: [TypeOid.text], args, context }))),
  "quote_literal(text)": fn(1, (args) => quoteLiteral(textArg(args, 0))),
  "quote_nullable(text)": fn(1, (args) => (args[0] === null ? "NULL" : quoteLiteral(textArg(args, 0)))),
  "chr(int4)": fn(1, (args) => chr(asNumber(args[0] ?? null))),
  "ascii(text)": fn(1, (args) => textArg(args, 0).codePointAt(0) ?? 0),
  "translate(text,text,text)": fn(3, (args) => translate(textArg(args, 0), textArg(args, 1), textArg(args, 2))),
  "like_escape(text,text)": fn(2, (args) => likeEscape(textArg(args, 0), textArg(args, 1))),
  "similar_to_escape(text)": fn(1, (args) => similarToEscape(textArg(args, 0), undefined)),
  "similar_to_escape(text,text)": fn(2, (args) => similarToEscape(textArg(args, 0), textArg(args, 1))),
  ...regexFunctions(),
  ...arrayDimensionFunctions(),
};
