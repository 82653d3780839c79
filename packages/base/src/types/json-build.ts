/**
 * SQL values into json and jsonb: to_json/to_jsonb, json[b]_build_object, json[b]_build_array,
 * the json_agg/jsonb_agg finalizers, and the binary send/recv forms of both types.
 *
 * A SQL argument arrives as a `SqlJsonArg` tagged by its JSON category (PostgreSQL's
 * json_categorize_type): `number` carries the type's output text (int, float, numeric), `text`
 * any value output as a JSON string (the caller formats dates as PostgreSQL's to_json does),
 * `array` a SQL array (nested arrays for more dimensions).
 *
 * json text formats (PostgreSQL's): json_build_object `{"a" : 1, "b" : 2}`, json_build_array and
 * json_agg `[1, 2]` (json_agg puts `\n ` before each later SQL-array element), a SQL array
 * inside json `[1,2]`. json values are embedded verbatim. Binary: json is its UTF-8 text; jsonb
 * is a version byte (1) followed by the jsonb_out text.
 */
import { assert, assertNever } from "../assert.ts";
import { InvalidParameterValueError } from "../errors.ts";
import { CharacterNotInRepertoireError, InternalError, ProtocolViolationError } from "../errors.ts";
import { canonicalNumberText, isJsonNumber } from "./json-number.ts";
import { parseJson, parseJsonb } from "./json-parse.ts";
import { escapeJsonString, formatJsonb, makeJsonbObject, type JsonbEntry, type JsonbValue } from "./json-value.ts";

export type SqlJsonArg =
  | { readonly kind: "null" }
  | { readonly kind: "text"; readonly text: string }
  | { readonly kind: "number"; readonly text: string }
  | { readonly kind: "bool"; readonly value: boolean }
  | { readonly kind: "json"; readonly text: string }
  | { readonly kind: "jsonb"; readonly value: JsonbValue }
  | { readonly kind: "array"; readonly elements: readonly SqlJsonArg[] }
  /** A composite (record) value: its fields by name, in order. */
  | { readonly kind: "object"; readonly entries: readonly { readonly key: string; readonly value: SqlJsonArg }[] };

/** The jsonb binary format version jsonb_send writes and jsonb_recv accepts. */
export const jsonbBinaryVersion = 1;

/** to_json: the json text of one SQL value. */
export function toJsonText(arg: SqlJsonArg): string {
  switch (arg.kind) {
    case "null":
      return "null";
    case "text":
      return escapeJsonString(arg.text);
    case "number":
      return isJsonNumber(arg.text) ? arg.text : escapeJsonString(arg.text);
    case "bool":
      return arg.value ? "true" : "false";
    case "json":
      return arg.text;
    case "jsonb":
      return formatJsonb(arg.value);
    case "array":
      return `[${arg.elements.map(toJsonText).join(",")}]`;
    case "object":
      // composite_to_json: no spaces, fields in order.
      return `{${arg.entries.map((entry) => `${escapeJsonString(entry.key)}:${toJsonText(entry.value)}`).join(",")}}`;
  }
  return assertNever(arg);
}

/** to_jsonb: the jsonb value of one SQL value (numbers spelled with N/n, e.g. NaN, become strings). */
export function toJsonb(arg: SqlJsonArg): JsonbValue {
  switch (arg.kind) {
    case "null":
      return { kind: "null" };
    case "text":
      return { kind: "string", value: arg.text };
    case "number":
      return /[Nn]/.test(arg.text) ? { kind: "string", value: arg.text } : { kind: "number", text: canonicalNumberText(arg.text) };
    case "bool":
      return { kind: "bool", value: arg.value };
    case "json":
      return parseJsonb(arg.text);
    case "jsonb":
      return arg.value;
    case "array":
      return { kind: "array", elements: arg.elements.map(toJsonb) };
    case "object":
      return makeJsonbObject(arg.entries.map((entry) => ({ key: entry.key, value: toJsonb(entry.value) })));
  }
  return assertNever(arg);
}

type BuildFunction = "json_build_object" | "jsonb_build_object";

function checkEvenArguments(args: readonly SqlJsonArg[], functionName: BuildFunction): void {
  if (args.length % 2 !== 0) {
    throw new InvalidParameterValueError("argument list must have even number of elements", {
      hint: `The arguments of ${functionName}() must consist of alternating keys and values.`,
    });
  }
}

/** The text of an object key: scalars by their output text; NULL, arrays and json are errors. */
function objectKeyText(key: SqlJsonArg, position: number, functionName: BuildFunction): string {
  switch (key.kind) {
    case "null":
      if (functionName === "json_build_object") {
        throw new InvalidParameterValueError(`argument ${position} cannot be null`, { hint: "Object keys should be text." });
      }
      throw new InvalidParameterValueError(`argument ${position}: key must not be null`);
    case "text":
    case "number":
      return key.text;
    case "bool":
      return key.value ? "true" : "false";
    case "json":
    case "jsonb":
    case "array":
    case "object":
      throw new InvalidParameterValueError("key value must be scalar, not array, composite, or json");
  }
  return assertNever(key);
}

/** json_build_object(VARIADIC "any"): keys keep their order and duplicates. */
export function jsonBuildObject(args: readonly SqlJsonArg[]): string {
  checkEvenArguments(args, "json_build_object");
  const items: string[] = [];
  for (let index = 0; index < args.length; index += 2) {
    const key = args[index];
    const value = args[index + 1];
    assert(key !== undefined && value !== undefined, "arguments come in pairs");
    items.push(`${escapeJsonString(objectKeyText(key, index + 1, "json_build_object"))} : ${toJsonText(value)}`);
  }
  return `{${items.join(", ")}}`;
}

/** jsonb_build_object(VARIADIC "any"): duplicate keys collapse, the last wins. */
export function jsonbBuildObject(args: readonly SqlJsonArg[]): JsonbValue {
  checkEvenArguments(args, "jsonb_build_object");
  const entries: JsonbEntry[] = [];
  for (let index = 0; index < args.length; index += 2) {
    const key = args[index];
    const value = args[index + 1];
    assert(key !== undefined && value !== undefined, "arguments come in pairs");
    entries.push({ key: objectKeyText(key, index + 1, "jsonb_build_object"), value: toJsonb(value) });
  }
  return makeJsonbObject(entries);
}

/** json_build_array(VARIADIC "any"). */
export function jsonBuildArray(args: readonly SqlJsonArg[]): string {
  return `[${args.map(toJsonText).join(", ")}]`;
}

/** jsonb_build_array(VARIADIC "any"). */
export function jsonbBuildArray(args: readonly SqlJsonArg[]): JsonbValue {
  return { kind: "array", elements: args.map(toJsonb) };
}

/** json_agg's final value over the aggregated inputs in order; NULL (undefined) over no rows. */
export function jsonAggFinal(elements: readonly SqlJsonArg[]): string | undefined {
  if (elements.length === 0) return undefined;
  let out = "[";
  elements.forEach((element, index) => {
    if (index > 0) out += ", ";
    // PostgreSQL separates structured (array, composite) elements by a line break, but not NULL ones.
    if (index > 0 && (element.kind === "array" || element.kind === "object")) out += "\n ";
    out += toJsonText(element);
  });
  return `${out}]`;
}

/** jsonb_agg's final value; NULL (undefined) over no rows. */
export function jsonbAggFinal(elements: readonly SqlJsonArg[]): JsonbValue | undefined {
  if (elements.length === 0) return undefined;
  return { kind: "array", elements: elements.map(toJsonb) };
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function decodeUtf8(bytes: Uint8Array): string {
  const zeroAt = bytes.indexOf(0);
  if (zeroAt >= 0) throw new CharacterNotInRepertoireError('invalid byte sequence for encoding "UTF8": 0x00');
  try {
    return utf8Decoder.decode(bytes);
  } catch (error) {
    throw new CharacterNotInRepertoireError('invalid byte sequence for encoding "UTF8"', { cause: error });
  }
}

/** json_send: the UTF-8 bytes of the json text. */
export function sendJson(text: string): Uint8Array {
  return utf8Encoder.encode(text);
}

/** json_recv: UTF-8 text validated as json, kept verbatim. */
export function recvJson(bytes: Uint8Array): string {
  return parseJson(decodeUtf8(bytes));
}

/** jsonb_send: version byte 1, then the jsonb_out text in UTF-8. */
export function sendJsonb(value: JsonbValue): Uint8Array {
  const text = utf8Encoder.encode(formatJsonb(value));
  const out = new Uint8Array(text.length + 1);
  out[0] = jsonbBinaryVersion;
  out.set(text, 1);
  assert(out.length === text.length + 1, "one version byte precedes the text");
  return out;
}

/** jsonb_recv: checks the version byte and parses the text that follows. */
export function recvJsonb(bytes: Uint8Array): JsonbValue {
  const version = bytes[0];
  if (version === undefined) throw new ProtocolViolationError("insufficient data left in message");
  if (version !== jsonbBinaryVersion) throw new InternalError(`unsupported jsonb version number ${version}`);
  return parseJsonb(decodeUtf8(bytes.subarray(1)));
}
