/**
 * Implementations of the set-returning signatures (planner's builtins-srf.ts), by id:
 * PostgreSQL 15's generate_series (int.c, int8.c, numeric.c, timestamp.c), generate_subscripts
 * and unnest (arrayfuncs.c), the jsonb and json set functions (jsonfuncs.c) and regexp_matches /
 * regexp_split_to_table (regexp.c).
 *
 * Invariants:
 * - Every function is a generator: rows are produced as the caller pulls them, so
 *   `generate_series(1, 2147483647)` costs nothing until read. Argument errors (step zero, NaN)
 *   are raised on the first pull, which is when PostgreSQL's first SRF call raises them.
 * - A series computes its next value before returning the current one, as PostgreSQL does: an
 *   integer series stops silently where the next value would overflow, and a timestamp series
 *   fails with 22008 on the row whose successor is out of range.
 * - All these functions are strict; the caller returns no rows for a NULL argument.
 */
import {
  InvalidParameterValueError,
  Numeric,
  ZERO_INTERVAL,
  addIntervalToTimestamp,
  addIntervalToTimestamptz,
  arrayOf,
  assert,
  compareIntervals,
  jsonbValueText,
  parseJsonb,
  type IntervalValue,
  type JsonbValue,
  type PgArray,
} from "@omnikv/base";
import { asBigInt, asBool, asInterval, asNumber, asNumeric, asText, type SqlValue } from "../values.ts";
import { textIoSettings } from "../expr/compile.ts";
import { asJsonb } from "./comparison.ts";
import type { EvalContext, SetReturningFunction, SetReturningTable } from "./function-types.ts";
import { asArray } from "./json.ts";
import { compileAre, parseRegexFlags } from "./regex.ts";

type Row = readonly SqlValue[];

function arg(args: readonly SqlValue[], index: number): SqlValue {
  assert(index < args.length, "the argument exists");
  const value = args[index] ?? null;
  assert(value !== null, "a strict set-returning function is not called with NULL");
  return value;
}

function asMicros(value: SqlValue): bigint {
  assert(typeof value === "bigint", "a timestamp argument is a bigint of microseconds");
  return value;
}

function parameterError(message: string): InvalidParameterValueError {
  return new InvalidParameterValueError(message);
}

// ---------------------------------------------------------------------------------------------
// generate_series

const int4Min = -2147483648;
const int4Max = 2147483647;
const int8Min = -(2n ** 63n);
const int8Max = 2n ** 63n - 1n;

/** `generate_series_step_int4`: stops without error where the next value would overflow. */
function* int4Series(start: number, stop: number, step: number): Generator<Row> {
  if (step === 0) throw parameterError("step size cannot equal zero");
  assert(Number.isInteger(start) && Number.isInteger(stop) && Number.isInteger(step), "int4 series bounds are integers");
  let current = start;
  for (;;) {
    if (step > 0 ? current > stop : current < stop) return;
    yield [current];
    const next = current + step;
    if (next < int4Min || next > int4Max) return;
    assert(next !== current, "an int4 series advances");
    current = next;
  }
}

/** `generate_series_step_int8`: as the int4 series, over bigint. */
function* int8Series(start: bigint, stop: bigint, step: bigint): Generator<Row> {
  if (step === 0n) throw parameterError("step size cannot equal zero");
  let current = start;
  for (;;) {
    if (step > 0n ? current > stop : current < stop) return;
    yield [current];
    const next = current + step;
    if (next < int8Min || next > int8Max) return;
    assert(next !== current, "an int8 series advances");
    current = next;
  }
}

function rejectSpecialNumeric(value: Numeric, what: string): void {
  if (value.isNaN) throw parameterError(`${what} cannot be NaN`);
  if (!value.isFinite) throw parameterError(`${what} cannot be infinity`);
}

/** `generate_series_step_numeric`: each value has the larger scale of start and step. */
function* numericSeries(start: Numeric, stop: Numeric, step: Numeric): Generator<Row> {
  rejectSpecialNumeric(start, "start value");
  rejectSpecialNumeric(stop, "stop value");
  rejectSpecialNumeric(step, "step size");
  if (step.isZero) throw parameterError("step size cannot equal zero");
  const isAscending = step.compare(Numeric.zero) > 0;
  let current = start;
  for (;;) {
    const order = current.compare(stop);
    if (isAscending ? order > 0 : order < 0) return;
    yield [current];
    const next = current.add(step);
    assert(next.compare(current) === (isAscending ? 1 : -1), "a numeric series advances");
    current = next;
  }
}

/**
 * `generate_series_timestamp(tz)`: the successor is computed before a row is returned, so a
 * successor out of range fails on that row. An infinite start never advances, as in PostgreSQL.
 */
function* timestampSeries(start: bigint, stop: bigint, step: IntervalValue, advance: (ts: bigint) => bigint): Generator<Row> {
  const sign = compareIntervals(step, ZERO_INTERVAL);
  if (sign === 0) throw parameterError("step size cannot equal zero");
  let current = start;
  for (;;) {
    if (sign > 0 ? current > stop : current < stop) return;
    const next = advance(current);
    yield [current];
    current = next;
  }
}

function seriesFunctions(): Record<string, SetReturningFunction> {
  const int4 = (args: readonly SqlValue[], index: number): number => asNumber(arg(args, index));
  const int8 = (args: readonly SqlValue[], index: number): bigint => asBigInt(arg(args, index));
  const numeric = (args: readonly SqlValue[], index: number): Numeric => asNumeric(arg(args, index));
  const micros = (args: readonly SqlValue[], index: number): bigint => asMicros(arg(args, index));
  return {
    "generate_series(int4,int4)": (args) => int4Series(int4(args, 0), int4(args, 1), 1),
    "generate_series(int4,int4,int4)": (args) => int4Series(int4(args, 0), int4(args, 1), int4(args, 2)),
    "generate_series(int8,int8)": (args) => int8Series(int8(args, 0), int8(args, 1), 1n),
    "generate_series(int8,int8,int8)": (args) => int8Series(int8(args, 0), int8(args, 1), int8(args, 2)),
    "generate_series(numeric,numeric)": (args) => numericSeries(numeric(args, 0), numeric(args, 1), Numeric.one),
    "generate_series(numeric,numeric,numeric)": (args) => numericSeries(numeric(args, 0), numeric(args, 1), numeric(args, 2)),
    "generate_series(timestamp,timestamp,interval)": (args) => {
      const step = asInterval(arg(args, 2));
      return timestampSeries(micros(args, 0), micros(args, 1), step, (ts) => addIntervalToTimestamp(ts, step));
    },
    "generate_series(timestamptz,timestamptz,interval)": (args, context: EvalContext) => {
      const step = asInterval(arg(args, 2));
      const zone = textIoSettings(context).timeZone;
      return timestampSeries(micros(args, 0), micros(args, 1), step, (ts) => addIntervalToTimestamptz(ts, step, zone));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Arrays

/** `unnest(anyarray)`: every element of every dimension in storage (row-major) order. */
function* unnestArray(array: PgArray<SqlValue>): Generator<Row> {
  for (const element of array.elements) yield [element];
}

/** `pg_options_to_table(text[])`: each "name=value" as (name, value); no "=" gives a NULL value, as PostgreSQL's. */
function* optionsToTable(array: PgArray<SqlValue>): Generator<Row> {
  for (const element of array.elements) {
    if (typeof element !== "string") continue;
    const at = element.indexOf("=");
    yield at < 0 ? [element, null] : [element.slice(0, at), element.slice(at + 1)];
  }
}

/** `generate_subscripts`: no rows for an empty array or a dimension it does not have. */
function* generateSubscripts(array: PgArray<SqlValue>, dimension: number, isReverse: boolean): Generator<Row> {
  if (dimension < 1 || dimension > array.dims.length) return;
  const lowerBound = array.lowerBounds[dimension - 1];
  const length = array.dims[dimension - 1];
  assert(lowerBound !== undefined && length !== undefined, "a dimension has a length and a lower bound");
  assert(length >= 1, "a present dimension is not empty");
  for (let offset = 0; offset < length; offset++) yield [isReverse ? lowerBound + length - 1 - offset : lowerBound + offset];
}

function arrayFunctions(): Record<string, SetReturningFunction> {
  return {
    "unnest(anyarray)": (args) => unnestArray(asArray(arg(args, 0))),
    "pg_options_to_table(_text)": (args) => optionsToTable(asArray(arg(args, 0))),
    "generate_subscripts(anyarray,int4)": (args) => generateSubscripts(asArray(arg(args, 0)), asNumber(arg(args, 1)), false),
    "generate_subscripts(anyarray,int4,bool)": (args) =>
      generateSubscripts(asArray(arg(args, 0)), asNumber(arg(args, 1)), asBool(arg(args, 2))),
  };
}

// ---------------------------------------------------------------------------------------------
// jsonb

/** The elements of a jsonb array, with PostgreSQL's errors for scalars and objects. */
function* jsonbArrayElements(value: JsonbValue, isText: boolean): Generator<Row> {
  if (value.kind === "object") throw parameterError("cannot extract elements from an object");
  if (value.kind !== "array") throw parameterError("cannot extract elements from a scalar");
  for (const element of value.elements) yield [isText ? (jsonbValueText(element) ?? null) : element];
}

function* jsonbObjectKeys(value: JsonbValue): Generator<Row> {
  if (value.kind === "array") throw parameterError("cannot call jsonb_object_keys on an array");
  if (value.kind !== "object") throw parameterError("cannot call jsonb_object_keys on a scalar");
  for (const entry of value.entries) yield [entry.key];
}

function* jsonbEach(value: JsonbValue, functionName: string, isText: boolean): Generator<Row> {
  if (value.kind !== "object") throw parameterError(`cannot call ${functionName} on a non-object`);
  for (const entry of value.entries) yield [entry.key, isText ? (jsonbValueText(entry.value) ?? null) : entry.value];
}

function jsonbFunctions(): Record<string, SetReturningFunction> {
  const jsonb = (args: readonly SqlValue[]): JsonbValue => asJsonb(arg(args, 0));
  return {
    "jsonb_array_elements(jsonb)": (args) => jsonbArrayElements(jsonb(args), false),
    "jsonb_array_elements_text(jsonb)": (args) => jsonbArrayElements(jsonb(args), true),
    "jsonb_object_keys(jsonb)": (args) => jsonbObjectKeys(jsonb(args)),
    "jsonb_each(jsonb)": (args) => jsonbEach(jsonb(args), "jsonb_each", false),
    "jsonb_each_text(jsonb)": (args) => jsonbEach(jsonb(args), "jsonb_each_text", true),
  };
}

// ---------------------------------------------------------------------------------------------
// json (the value is its validated input text)

function isJsonWhitespace(char: string | undefined): boolean {
  return char === " " || char === "\t" || char === "\n" || char === "\r";
}

/** The end of the string token opening at `start` (just past its closing quote). */
function jsonStringEnd(text: string, start: number): number {
  assert(text[start] === '"', "a json string token opens with a quote");
  let index = start + 1;
  while (index < text.length && text[index] !== '"') index += text[index] === "\\" ? 2 : 1;
  assert(index < text.length, "a validated json string is closed");
  return index + 1;
}

/**
 * The elements of the json array opening at `start`, each as its input text with surrounding
 * whitespace dropped (json_array_elements returns them verbatim).
 */
function* jsonArrayItems(text: string, start: number): Generator<string> {
  assert(text[start] === "[", "a json array opens with a bracket");
  let depth = 0;
  let itemStart = start + 1;
  for (let index = start; index < text.length; ) {
    const char = text[index];
    if (char === '"') {
      index = jsonStringEnd(text, index);
      continue;
    }
    if (char === "[" || char === "{") depth++;
    if (char === "]" || char === "}") depth--;
    if ((depth === 1 && char === ",") || depth === 0) {
      const item = text.slice(itemStart, index).trim();
      if (item !== "" || char === ",") yield item;
      if (depth === 0) return;
      itemStart = index + 1;
    }
    index++;
  }
  assert(false, "a validated json array is closed");
}

/** `json_array_elements[_text]`: strings decode for the text form; a json null is SQL NULL there. */
function* jsonArrayElements(text: string, functionName: string, isText: boolean): Generator<Row> {
  let start = 0;
  while (isJsonWhitespace(text[start])) start++;
  const first = text[start];
  if (first === "{") throw parameterError(`cannot call ${functionName} on a non-array`);
  if (first !== "[") throw parameterError(`cannot call ${functionName} on a scalar`);
  for (const item of jsonArrayItems(text, start)) {
    if (!isText) yield [item];
    else if (item === "null") yield [null];
    else yield [item.startsWith('"') ? (jsonbValueText(parseJsonb(item)) ?? null) : item];
  }
}

function jsonFunctions(): Record<string, SetReturningFunction> {
  const json = (args: readonly SqlValue[]): string => asText(arg(args, 0));
  return {
    "json_array_elements(json)": (args) => jsonArrayElements(json(args), "json_array_elements", false),
    "json_array_elements_text(json)": (args) => jsonArrayElements(json(args), "json_array_elements_text", true),
  };
}

// ---------------------------------------------------------------------------------------------
// Regular expressions

interface RegexMatch {
  readonly start: number;
  readonly end: number;
  readonly groups: readonly (string | null)[];
}

/** The UTF-16 offset one character (code point) after `offset`. */
function nextCharOffset(source: string, offset: number): number {
  const code = source.codePointAt(offset);
  return offset + (code !== undefined && code > 0xffff ? 2 : 1);
}

function isInsideSurrogatePair(source: string, offset: number): boolean {
  if (offset <= 0 || offset >= source.length) return false;
  const before = source.charCodeAt(offset - 1);
  const after = source.charCodeAt(offset);
  return before >= 0xd800 && before <= 0xdbff && after >= 0xdc00 && after <= 0xdfff;
}

/**
 * regexp.c's `setup_regexp_matches` search loop: each search starts where the previous match
 * ended, one character further after an empty match. `ignoreDegenerate` (regexp_split_*) drops
 * empty matches at the end of the string or just after the previous match.
 */
function* regexMatches(source: string, regex: RegExp, isGlobal: boolean, ignoreDegenerate: boolean): Generator<RegexMatch> {
  let searchStart = 0;
  let previousEnd = 0;
  while (searchStart <= source.length) {
    regex.lastIndex = searchStart;
    const match = regex.exec(source);
    if (match === null) return;
    if (isInsideSurrogatePair(source, match.index)) {
      // V8 can report an empty lookbehind match (`^` under flag n) between the halves of a
      // surrogate pair despite flag u; no PostgreSQL position lies there, so search on.
      searchStart = match.index + 1;
      continue;
    }
    const end = match.index + match[0].length;
    assert(match.index >= searchStart && end >= match.index, "a match lies at or after the search start");
    if (!ignoreDegenerate || (match.index < source.length && end > previousEnd)) {
      yield { start: match.index, end, groups: match.slice(1).map((group: string | undefined) => group ?? null) };
    }
    previousEnd = end;
    if (!isGlobal) return;
    searchStart = match[0].length === 0 ? nextCharOffset(source, end) : end;
  }
}

/** `regexp_matches`: per match its capture groups (the whole match if there are none). */
function* regexpMatches(source: string, pattern: string, flagsText: string): Generator<Row> {
  const flags = parseRegexFlags(flagsText);
  const regex = compileAre(pattern, flags.options);
  for (const match of regexMatches(source, regex, flags.isGlobal, false)) {
    const groups = match.groups.length > 0 ? match.groups : [source.slice(match.start, match.end)];
    yield [arrayOf<SqlValue>(groups)];
  }
}

/** `regexp_split_to_table`: the text between non-degenerate matches, and the rest at the end. */
function* regexpSplitToTable(source: string, pattern: string, flagsText: string): Generator<Row> {
  const flags = parseRegexFlags(flagsText);
  if (flags.isGlobal) throw parameterError('regexp_split_to_table() does not support the "global" option');
  const regex = compileAre(pattern, flags.options);
  let pieceStart = 0;
  for (const match of regexMatches(source, regex, true, true)) {
    assert(match.start >= pieceStart, "split pieces do not overlap");
    yield [source.slice(pieceStart, match.start)];
    pieceStart = match.end;
  }
  yield [source.slice(pieceStart)];
}

function regexFunctions(): Record<string, SetReturningFunction> {
  const text = (args: readonly SqlValue[], index: number): string => asText(arg(args, index));
  return {
    "regexp_matches(text,text)": (args) => regexpMatches(text(args, 0), text(args, 1), ""),
    "regexp_matches(text,text,text)": (args) => regexpMatches(text(args, 0), text(args, 1), text(args, 2)),
    "regexp_split_to_table(text,text)": (args) => regexpSplitToTable(text(args, 0), text(args, 1), ""),
    "regexp_split_to_table(text,text,text)": (args) => regexpSplitToTable(text(args, 0), text(args, 1), text(args, 2)),
  };
}

export const setReturningFunctions: SetReturningTable = {
  ...seriesFunctions(),
  ...arrayFunctions(),
  ...jsonbFunctions(),
  ...jsonFunctions(),
  ...regexFunctions(),
};
