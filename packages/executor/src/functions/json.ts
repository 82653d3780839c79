/**
 * Implementations of the json family's signatures (planner's builtins-json.ts), by id:
 * PostgreSQL 15's json/jsonb operators and functions (`jsonfuncs.c`, `jsonb_op.c`, `json.c`).
 *
 * Invariants:
 * - jsonb work is delegated to @omnikv/base's json module; this file only maps SQL NULL
 *   (`null`) to and from base's `undefined` and unpacks `text[]` arguments.
 * - json operators work on the json text itself, as PostgreSQL does: a json value is its input
 *   text, already validated, so `->` returns the element's text verbatim (inner whitespace kept,
 *   surrounding whitespace dropped) and duplicate keys resolve to the last one.
 * - Functions whose result depends on their arguments' SQL types (`to_json`, `json_build_*`) are
 *   `TypedScalarFunction`s: specialized once per call site with the argument type OIDs, because
 *   int4, float8 and date share one runtime representation.
 */
import {
  FeatureNotSupportedError,
  InvalidParameterValueError,
  Numeric,
  TypeOid,
  assert,
  formatJsonbPretty,
  formatValue,
  jsonBuildArray,
  jsonBuildObject,
  jsonbArrayElement,
  jsonbArrayLength,
  jsonbBuildArray,
  jsonbBuildObject,
  jsonbConcat,
  jsonbContainedBy,
  jsonbContains,
  jsonbDeleteIndex,
  jsonbDeleteKey,
  jsonbDeleteKeys,
  jsonbDeletePath,
  jsonbExists,
  jsonbExistsAll,
  jsonbExistsAny,
  jsonbExtractPath,
  jsonbExtractPathText,
  jsonbInsert,
  jsonbObjectField,
  jsonbSet,
  jsonbStripNulls,
  jsonbTypeof,
  jsonbValueText,
  parseJsonb,
  parseTimeZone,
  toJsonText,
  toJsonb,
  typeInfo,
  type JsonbValue,
  type PgArray,
  type SqlJsonArg,
  type TextIoSettings,
  type TimeZone,
  RecordValue,
} from "@omnikv/base";
import { asBool, asNumber, asText, type SqlValue } from "../values.ts";
import { asJsonb } from "./comparison.ts";
import type { EvalContext, FunctionTable, ScalarFunction, TypedFunctionTable, TypedScalarFunction } from "./function-types.ts";

/**
 * An implementation that needs its call site's argument types: called once when the expression
 * is compiled, with the argument type OIDs after coercion, and returns the per-row function.
 */
export type { TypedScalarFunction } from "./function-types.ts";

export type { TypedFunctionTable } from "./function-types.ts";

function fn(arity: number, compute: (args: readonly SqlValue[], context: EvalContext) => SqlValue): ScalarFunction {
  return (args, context) => {
    assert(args.length === arity, `the function takes ${arity} arguments`);
    return compute(args, context);
  };
}

function jsonbArg(args: readonly SqlValue[], index: number): JsonbValue {
  return asJsonb(args[index] ?? null);
}

function textArg(args: readonly SqlValue[], index: number): string {
  return asText(args[index] ?? null);
}

function isPgArray(value: SqlValue): value is PgArray<SqlValue> {
  return typeof value === "object" && value !== null && "dims" in value && "elements" in value;
}

/** A SQL array argument; its elements in row-major order. */
export function asArray(value: SqlValue): PgArray<SqlValue> {
  assert(isPgArray(value), "an array argument is a PgArray");
  return value;
}

/** A `text[]` argument as base's path/key lists take it: strings, `null` for NULL elements. */
export function textArrayArg(args: readonly SqlValue[], index: number): (string | null)[] {
  return asArray(args[index] ?? null).elements.map((element) => (element === null ? null : asText(element)));
}

function orNull<T extends SqlValue>(value: T | undefined): T | null {
  return value === undefined ? null : value;
}

// ---------------------------------------------------------------------------------------------
// jsonb operators

function jsonbOperators(): Record<string, ScalarFunction> {
  return {
    "->(jsonb,text)": fn(2, (args) => orNull(jsonbObjectField(jsonbArg(args, 0), textArg(args, 1)))),
    "->(jsonb,int4)": fn(2, (args) => orNull(jsonbArrayElement(jsonbArg(args, 0), asNumber(args[1] ?? null)))),
    "->>(jsonb,text)": fn(2, (args) => orNull(jsonbValueText(jsonbObjectField(jsonbArg(args, 0), textArg(args, 1))))),
    "->>(jsonb,int4)": fn(2, (args) => orNull(jsonbValueText(jsonbArrayElement(jsonbArg(args, 0), asNumber(args[1] ?? null))))),
    "#>(jsonb,_text)": fn(2, (args) => orNull(jsonbExtractPath(jsonbArg(args, 0), textArrayArg(args, 1)))),
    "#>>(jsonb,_text)": fn(2, (args) => orNull(jsonbExtractPathText(jsonbArg(args, 0), textArrayArg(args, 1)))),
    "@>(jsonb,jsonb)": fn(2, (args) => jsonbContains(jsonbArg(args, 0), jsonbArg(args, 1))),
    "<@(jsonb,jsonb)": fn(2, (args) => jsonbContainedBy(jsonbArg(args, 0), jsonbArg(args, 1))),
    "?(jsonb,text)": fn(2, (args) => jsonbExists(jsonbArg(args, 0), textArg(args, 1))),
    "?|(jsonb,_text)": fn(2, (args) => jsonbExistsAny(jsonbArg(args, 0), textArrayArg(args, 1))),
    "?&(jsonb,_text)": fn(2, (args) => jsonbExistsAll(jsonbArg(args, 0), textArrayArg(args, 1))),
    "||(jsonb,jsonb)": fn(2, (args) => jsonbConcat(jsonbArg(args, 0), jsonbArg(args, 1))),
    "-(jsonb,text)": fn(2, (args) => jsonbDeleteKey(jsonbArg(args, 0), textArg(args, 1))),
    "-(jsonb,int4)": fn(2, (args) => jsonbDeleteIndex(jsonbArg(args, 0), asNumber(args[1] ?? null))),
    "-(jsonb,_text)": fn(2, (args) => jsonbDeleteKeys(jsonbArg(args, 0), textArrayArg(args, 1))),
    "#-(jsonb,_text)": fn(2, (args) => jsonbDeletePath(jsonbArg(args, 0), textArrayArg(args, 1))),
  };
}

function jsonbProcedures(): Record<string, ScalarFunction> {
  return {
    "jsonb_typeof(jsonb)": fn(1, (args) => jsonbTypeof(jsonbArg(args, 0))),
    "jsonb_array_length(jsonb)": fn(1, (args) => jsonbArrayLength(jsonbArg(args, 0))),
    "jsonb_strip_nulls(jsonb)": fn(1, (args) => jsonbStripNulls(jsonbArg(args, 0))),
    "jsonb_pretty(jsonb)": fn(1, (args) => formatJsonbPretty(jsonbArg(args, 0))),
    "jsonb_set(jsonb,_text,jsonb)": fn(3, (args) => jsonbSet(jsonbArg(args, 0), textArrayArg(args, 1), jsonbArg(args, 2))),
    "jsonb_set(jsonb,_text,jsonb,bool)": fn(4, (args) =>
      jsonbSet(jsonbArg(args, 0), textArrayArg(args, 1), jsonbArg(args, 2), asBool(args[3] ?? null)),
    ),
    "jsonb_insert(jsonb,_text,jsonb)": fn(3, (args) => jsonbInsert(jsonbArg(args, 0), textArrayArg(args, 1), jsonbArg(args, 2))),
    "jsonb_insert(jsonb,_text,jsonb,bool)": fn(4, (args) =>
      jsonbInsert(jsonbArg(args, 0), textArrayArg(args, 1), jsonbArg(args, 2), asBool(args[3] ?? null)),
    ),
  };
}

// ---------------------------------------------------------------------------------------------
// json operators on the validated json text

const jsonWhitespace = new Set([" ", "\t", "\n", "\r"]);

function skipWhitespace(text: string, start: number): number {
  let index = start;
  while (index < text.length && jsonWhitespace.has(text[index] ?? "")) index++;
  return index;
}

/** The index just past the string token that starts at `start` (a `"`). */
function stringEnd(text: string, start: number): number {
  let index = start + 1;
  while (index < text.length && text[index] !== '"') index += text[index] === "\\" ? 2 : 1;
  assert(index < text.length, "a validated json string is closed");
  return index + 1;
}

/** The index just past the value that starts at `start` (no leading whitespace). */
function valueEnd(text: string, start: number): number {
  const first = text[start];
  if (first === '"') return stringEnd(text, start);
  if (first !== "{" && first !== "[") {
    let index = start;
    while (index < text.length && !/[\s,\]}:]/.test(text[index] ?? "")) index++;
    return index;
  }
  let depth = 0;
  let index = start;
  while (index < text.length) {
    const char = text[index];
    if (char === '"') {
      index = stringEnd(text, index);
      continue;
    }
    if (char === "{" || char === "[") depth++;
    if (char === "}" || char === "]") depth--;
    index++;
    if (depth === 0) return index;
  }
  assert(depth === 0, "a validated json container is closed");
  return index;
}

interface Span {
  readonly start: number;
  readonly end: number;
}

/** The items of the container at `start`: for objects each value's span with its decoded key. */
function containerItems(text: string, start: number): { readonly key: string | undefined; readonly span: Span }[] {
  const isObject = text[start] === "{";
  const items: { key: string | undefined; span: Span }[] = [];
  let index = skipWhitespace(text, start + 1);
  if (text[index] === "}" || text[index] === "]") return items;
  for (;;) {
    let key: string | undefined;
    if (isObject) {
      const keyEnd = stringEnd(text, index);
      key = decodeJsonString(text.slice(index, keyEnd));
      index = skipWhitespace(text, keyEnd);
      assert(text[index] === ":", "a validated json object has ':' after a key");
      index = skipWhitespace(text, index + 1);
    }
    const end = valueEnd(text, index);
    items.push({ key, span: { start: index, end } });
    index = skipWhitespace(text, end);
    if (text[index] !== ",") return items;
    index = skipWhitespace(text, index + 1);
  }
}

/** A json string token's contents, with jsonb's errors for `\u0000` and bad surrogates. */
function decodeJsonString(token: string): string {
  const value = parseJsonb(token);
  assert(value.kind === "string", "a string token parses as a string");
  return value.value;
}

function objectField(text: string, span: Span, key: string): Span | undefined {
  if (text[span.start] !== "{") return undefined;
  return containerItems(text, span.start).findLast((item) => item.key === key)?.span;
}

function arrayElement(text: string, span: Span, index: number): Span | undefined {
  if (text[span.start] !== "[") return undefined;
  const items = containerItems(text, span.start);
  const position = index < 0 ? items.length + index : index;
  return position < 0 ? undefined : items[position]?.span;
}

/** C `strtol` over the whole step, fitting int4: a path step used as an array index. */
function pathIndex(step: string): number | undefined {
  const match = /^[ \t\n\v\f\r]*([+-]?[0-9]+)$/.exec(step);
  if (match === null) return undefined;
  const value = Number(match[1]);
  return value < -2_147_483_648 || value > 2_147_483_647 ? undefined : value;
}

function rootSpan(text: string): Span {
  const start = skipWhitespace(text, 0);
  return { start, end: valueEnd(text, start) };
}

function extractPath(text: string, path: readonly (string | null)[]): Span | undefined {
  return pathFrom(text, rootSpan(text), path, 0);
}

/**
 * The rest of `path` from `span`. PostgreSQL walks the whole json text: under duplicate keys
 * every occurrence is descended, and the last complete match in document order wins, so
 * `'{"c": {"1": []}, "c": {}}'::json #> '{c,1}'` is `[]` (jsonb keeps only the last key).
 */
function pathFrom(text: string, span: Span, path: readonly (string | null)[], depth: number): Span | undefined {
  if (depth === path.length) return span;
  const step = path[depth];
  if (step === null || step === undefined) return undefined;
  if (text[span.start] === "{") {
    let found: Span | undefined;
    for (const item of containerItems(text, span.start)) {
      if (item.key !== step) continue;
      found = pathFrom(text, item.span, path, depth + 1) ?? found;
    }
    return found;
  }
  const index = pathIndex(step);
  const element = index === undefined ? undefined : arrayElement(text, span, index);
  return element === undefined ? undefined : pathFrom(text, element, path, depth + 1);
}

function spanJson(text: string, span: Span | undefined): string | null {
  return span === undefined ? null : text.slice(span.start, span.end);
}

/** `->>` on json: a string's contents, NULL for JSON null, else the element's text. */
function spanText(text: string, span: Span | undefined): string | null {
  if (span === undefined) return null;
  const slice = text.slice(span.start, span.end);
  if (slice === "null") return null;
  return text[span.start] === '"' ? decodeJsonString(slice) : slice;
}

function jsonOperators(): Record<string, ScalarFunction> {
  const field = (args: readonly SqlValue[]): [string, Span | undefined] => {
    const text = textArg(args, 0);
    return [text, objectField(text, rootSpan(text), textArg(args, 1))];
  };
  const element = (args: readonly SqlValue[]): [string, Span | undefined] => {
    const text = textArg(args, 0);
    return [text, arrayElement(text, rootSpan(text), asNumber(args[1] ?? null))];
  };
  return {
    "->(json,text)": fn(2, (args) => spanJson(...field(args))),
    "->(json,int4)": fn(2, (args) => spanJson(...element(args))),
    "->>(json,text)": fn(2, (args) => spanText(...field(args))),
    "->>(json,int4)": fn(2, (args) => spanText(...element(args))),
    "#>(json,_text)": fn(2, (args) => jsonPath(textArg(args, 0), textArrayArg(args, 1), false)),
    "#>>(json,_text)": fn(2, (args) => jsonPath(textArg(args, 0), textArrayArg(args, 1), true)),
    "json_typeof(json)": fn(1, (args) => jsonTypeof(textArg(args, 0))),
    "json_array_length(json)": fn(1, (args) => jsonArrayLength(textArg(args, 0))),
  };
}

/** `#>`/`#>>` on json; an empty path selects the whole value. */
function jsonPath(text: string, path: readonly (string | null)[], isText: boolean): string | null {
  const span = path.length === 0 ? rootSpan(text) : extractPath(text, path);
  return isText ? spanText(text, span) : spanJson(text, span);
}

function jsonTypeof(text: string): string {
  const first = text[skipWhitespace(text, 0)];
  if (first === "{") return "object";
  if (first === "[") return "array";
  if (first === '"') return "string";
  if (first === "t" || first === "f") return "boolean";
  return first === "n" ? "null" : "number";
}

function jsonArrayLength(text: string): number {
  const span = rootSpan(text);
  if (text[span.start] === "[") return containerItems(text, span.start).length;
  if (text[span.start] === "{") throw new InvalidParameterValueError("cannot get array length of a non-array");
  throw new InvalidParameterValueError("cannot get array length of a scalar");
}

// ---------------------------------------------------------------------------------------------
// SQL values into json (json_categorize_type)

const timeZoneCacheSizeMax = 64;
const timeZoneCache = new Map<string, TimeZone>();

/** Text I/O settings for the session; parsed time zones are cached by their spelling. */
export function textSettings(context: EvalContext): TextIoSettings {
  let zone = timeZoneCache.get(context.timeZone);
  if (zone === undefined) {
    if (timeZoneCache.size >= timeZoneCacheSizeMax) timeZoneCache.clear();
    zone = parseTimeZone(context.timeZone);
    timeZoneCache.set(context.timeZone, zone);
  }
  assert(timeZoneCache.size <= timeZoneCacheSizeMax, "the time zone cache is bounded");
  return { extraFloatDigits: context.extraFloatDigits, timeZone: zone };
}

const numberTypes: ReadonlySet<number> = new Set([TypeOid.int2, TypeOid.int4, TypeOid.int8, TypeOid.float4, TypeOid.float8, TypeOid.numeric]);

/** The ISO 8601 text `JsonEncodeDateTime` writes: `T` between date and time, `+hh:mm` offsets. */
function jsonDateTime(text: string, oid: number): string {
  if (oid === TypeOid.date || !/^\d/.test(text)) return text;
  assert(!text.endsWith(" BC"), "BC timestamps are rejected before formatting");
  const withT = text.replace(" ", "T");
  return oid === TypeOid.timestamptz ? withT.replace(/([+-]\d\d)$/, "$1:00") : withT;
}

/** One SQL value of type `oid` as base's json builders take it. */
export function sqlJsonArg(value: SqlValue, oid: number, settings: TextIoSettings): SqlJsonArg {
  if (value === null) return { kind: "null" };
  if (value instanceof RecordValue) {
    return { kind: "object", entries: value.values.map((field, i) => ({ key: value.names[i] ?? "", value: sqlJsonArg(field, value.types[i] ?? TypeOid.text, settings) })) };
  }
  const elementOid = typeInfo(oid)?.elementOid;
  if (elementOid !== undefined) return arrayJsonArg(asArray(value), elementOid, settings);
  if (oid === TypeOid.bool) return { kind: "bool", value: asBool(value) };
  if (oid === TypeOid.json) return { kind: "json", text: asText(value) };
  if (oid === TypeOid.jsonb) return { kind: "jsonb", value: asJsonb(value) };
  const text = oid === TypeOid.unknown ? asText(value) : formatValue(oid, value, settings);
  if (numberTypes.has(oid)) return { kind: "number", text };
  if (oid === TypeOid.date || oid === TypeOid.timestamp || oid === TypeOid.timestamptz) {
    if (text.endsWith(" BC")) throw new FeatureNotSupportedError("BC dates and timestamps in json are not supported");
    return { kind: "text", text: jsonDateTime(text, oid) };
  }
  assert(!(value instanceof Numeric) || oid === TypeOid.numeric, "a Numeric is a numeric");
  return { kind: "text", text };
}

function arrayJsonArg(array: PgArray<SqlValue>, elementOid: number, settings: TextIoSettings): SqlJsonArg {
  const leaves = array.elements.map((element) => sqlJsonArg(element, elementOid, settings));
  const nest = (axis: number, first: number): SqlJsonArg => {
    const length = array.dims[axis] ?? 0;
    if (axis === array.dims.length - 1) return { kind: "array", elements: leaves.slice(first, first + length) };
    const stride = array.dims.slice(axis + 1).reduce((product, size) => product * size, 1);
    const parts: SqlJsonArg[] = [];
    for (let index = 0; index < length; index++) parts.push(nest(axis + 1, first + index * stride));
    return { kind: "array", elements: parts };
  };
  return array.dims.length === 0 ? { kind: "array", elements: [] } : nest(0, 0);
}

function typed(build: (jsonArgs: readonly SqlJsonArg[]) => SqlValue): TypedScalarFunction {
  return (argTypes) => (args, context) => {
    assert(args.length === argTypes.length, "a typed call has one type per argument");
    const settings = textSettings(context);
    return build(args.map((arg, index) => sqlJsonArg(arg, argTypes[index] ?? TypeOid.text, settings)));
  };
}

function only(jsonArgs: readonly SqlJsonArg[]): SqlJsonArg {
  const [arg] = jsonArgs;
  assert(arg !== undefined && jsonArgs.length === 1, "to_json takes one argument");
  return arg;
}

export const jsonTypedFunctions: TypedFunctionTable = {
  "to_json(anyelement)": typed((jsonArgs) => toJsonText(only(jsonArgs))),
  "to_jsonb(anyelement)": typed((jsonArgs) => toJsonb(only(jsonArgs))),
  "row_to_json(record)": typed((jsonArgs) => toJsonText(only(jsonArgs))),
  "json_build_object(any)": typed(jsonBuildObject),
  "json_build_array(any)": typed(jsonBuildArray),
  "jsonb_build_object(any)": typed(jsonbBuildObject),
  "jsonb_build_array(any)": typed(jsonbBuildArray),
};

export const jsonFunctions: FunctionTable = {
  ...jsonbOperators(),
  ...jsonbProcedures(),
  ...jsonOperators(),
  "json_build_object()": fn(0, () => jsonBuildObject([])),
  "json_build_array()": fn(0, () => jsonBuildArray([])),
  "jsonb_build_object()": fn(0, () => jsonbBuildObject([])),
  "jsonb_build_array()": fn(0, () => jsonbBuildArray([])),
};
