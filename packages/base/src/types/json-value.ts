/**
 * The jsonb value model: a parsed tree whose output, order and equality are PostgreSQL 15's.
 *
 * Invariants:
 * - Numbers hold canonical numeric text (see json-number.ts), so `1.50` prints as `1.50`.
 * - Object entries are unique by key and sorted as PostgreSQL stores them: by UTF-8 byte length,
 *   then bytewise. `makeJsonbObject` enforces this (the last duplicate wins, as in jsonb_in).
 * - A value handed to an operator is a root; a scalar root behaves as PostgreSQL's "raw scalar"
 *   pseudo-array where PostgreSQL says so (`->` by index, `@>`, `||`, ordering against arrays).
 *
 * Output format (jsonb_out): `{"a": 1, "b": [1, 2]}`: `": "` after a key, `", "` between items.
 * Ordering (jsonb btree opclass, strings under the C collation): Object > Array > Boolean >
 * Number > String > Null; containers by item count, then item by item (key, value, key, ...);
 * at the root an empty array sorts below every scalar and a non-empty array above them.
 */
import { assert, assertNever } from "../assert.ts";
import { compareNumberText, numberKey } from "./json-number.ts";

export interface JsonbEntry {
  readonly key: string;
  readonly value: JsonbValue;
}

export type JsonbValue =
  | { readonly kind: "null" }
  | { readonly kind: "bool"; readonly value: boolean }
  | { readonly kind: "number"; readonly text: string }
  | { readonly kind: "string"; readonly value: string }
  | { readonly kind: "array"; readonly elements: readonly JsonbValue[] }
  | { readonly kind: "object"; readonly entries: readonly JsonbEntry[] };

export type JsonbOrdering = -1 | 0 | 1;

export const jsonbNull: JsonbValue = { kind: "null" };

/**
 * Values nest at most this deep. PostgreSQL's limit is its 2 MB stack (about 9000 levels); ours is
 * lower because the parser and every operator recurse on the JavaScript stack.
 */
export const jsonNestingDepthMax = 2000;

/** The UTF-8 length of `text` in bytes; lone surrogates count as the 3 bytes PostgreSQL would reject. */
export function utf8ByteLength(text: string): number {
  let length = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 0x80) length += 1;
    else if (code < 0x800) length += 2;
    else if (code >= 0xd800 && code <= 0xdbff && isLowSurrogate(text.charCodeAt(index + 1))) {
      length += 4;
      index++;
    } else length += 3;
  }
  return length;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

function isSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdfff;
}

/** Bytewise order of the UTF-8 encodings, which is code point order (memcmp, C collation). */
export function compareUtf8(a: string, b: string): JsonbOrdering {
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index++) {
    const codeA = a.charCodeAt(index);
    const codeB = b.charCodeAt(index);
    if (codeA === codeB) continue;
    // A surrogate encodes a code point above U+FFFF, so it follows every BMP code unit.
    const isSurrogateA = isSurrogate(codeA);
    if (isSurrogateA !== isSurrogate(codeB)) return isSurrogateA ? 1 : -1;
    return codeA < codeB ? -1 : 1;
  }
  if (a.length === b.length) return 0;
  return a.length < b.length ? -1 : 1;
}

/** PostgreSQL's object key storage order: shorter UTF-8 first, then bytewise. */
export function compareJsonbKeys(a: string, b: string): JsonbOrdering {
  const lengthA = utf8ByteLength(a);
  const lengthB = utf8ByteLength(b);
  if (lengthA !== lengthB) return lengthA < lengthB ? -1 : 1;
  return compareUtf8(a, b);
}

/** An object from entries in input order: keys deduplicated (the last wins) and sorted. */
export function makeJsonbObject(entries: readonly JsonbEntry[]): JsonbValue {
  const lastByKey = new Map<string, JsonbEntry>();
  for (const entry of entries) lastByKey.set(entry.key, entry);
  const unique = [...lastByKey.values()].sort((a, b) => compareJsonbKeys(a.key, b.key));
  assert(unique.length <= entries.length, "deduplication never adds keys");
  return { kind: "object", entries: unique };
}

/** The entry index of `key` in a sorted object, or -1 (binary search in storage order). */
export function findJsonbKey(entries: readonly JsonbEntry[], key: string): number {
  let low = 0;
  let high = entries.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const entry = entries[middle];
    assert(entry !== undefined, "middle is in range");
    const order = compareJsonbKeys(entry.key, key);
    if (order === 0) return middle;
    if (order < 0) low = middle + 1;
    else high = middle - 1;
  }
  return -1;
}

/** PostgreSQL's escape_json: quotes, backslash, \b \f \n \r \t, other controls as \u00xx. */
export function escapeJsonString(text: string): string {
  let out = '"';
  for (const char of text) {
    const code = char.charCodeAt(0);
    if (char === '"') out += '\\"';
    else if (char === "\\") out += "\\\\";
    else if (code >= 0x20) out += char;
    else out += escapeControl(code);
  }
  return `${out}"`;
}

function escapeControl(code: number): string {
  switch (code) {
    case 0x08:
      return "\\b";
    case 0x0c:
      return "\\f";
    case 0x0a:
      return "\\n";
    case 0x0d:
      return "\\r";
    case 0x09:
      return "\\t";
    default:
      return `\\u${code.toString(16).padStart(4, "0")}`;
  }
}

/** jsonb_out: the text PostgreSQL prints for a jsonb value. */
export function formatJsonb(value: JsonbValue): string {
  switch (value.kind) {
    case "null":
      return "null";
    case "bool":
      return value.value ? "true" : "false";
    case "number":
      return value.text;
    case "string":
      return escapeJsonString(value.value);
    case "array":
      return `[${value.elements.map(formatJsonb).join(", ")}]`;
    case "object":
      return `{${value.entries.map((entry) => `${escapeJsonString(entry.key)}: ${formatJsonb(entry.value)}`).join(", ")}}`;
  }
  return assertNever(value);
}

/** jsonb_pretty: four-space indentation, one item per line, `": "` after keys. */
export function formatJsonbPretty(value: JsonbValue, level = 0): string {
  const inner = "\n" + "    ".repeat(level + 1);
  const close = "\n" + "    ".repeat(level);
  switch (value.kind) {
    case "null":
    case "bool":
    case "number":
    case "string":
      return formatJsonb(value);
    case "array":
      return `[${value.elements.map((element) => inner + formatJsonbPretty(element, level + 1)).join(",")}${close}]`;
    case "object": {
      const items = value.entries.map(
        (entry) => `${inner}${escapeJsonString(entry.key)}: ${formatJsonbPretty(entry.value, level + 1)}`,
      );
      return `{${items.join(",")}${close}}`;
    }
  }
  return assertNever(value);
}

/** Whether `value` is a scalar (not an array or object). */
export function isJsonbScalar(value: JsonbValue): boolean {
  return value.kind !== "array" && value.kind !== "object";
}

/** The btree type rank: Null < String < Number < Boolean < Array < Object. */
function typeRank(value: JsonbValue): number {
  switch (value.kind) {
    case "null":
      return 0;
    case "string":
      return 1;
    case "number":
      return 2;
    case "bool":
      return 3;
    case "array":
      return 4;
    case "object":
      return 5;
  }
  return assertNever(value);
}

function compareCounts(a: number, b: number): JsonbOrdering {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/** jsonb's btree comparison (`jsonb_cmp`) of two root values. */
export function compareJsonb(a: JsonbValue, b: JsonbValue): JsonbOrdering {
  // A raw scalar is a one-element pseudo-array: PostgreSQL first ranks it below any real array,
  // then lets the element count override that, so only the empty array sorts below it.
  if (isJsonbScalar(a) && b.kind === "array") return b.elements.length === 0 ? 1 : -1;
  if (isJsonbScalar(b) && a.kind === "array") return a.elements.length === 0 ? -1 : 1;
  return compareNested(a, b);
}

function compareNested(a: JsonbValue, b: JsonbValue): JsonbOrdering {
  if (a.kind !== b.kind) return compareCounts(typeRank(a), typeRank(b));
  switch (a.kind) {
    case "null":
      return 0;
    case "bool":
      return b.kind === "bool" ? compareCounts(Number(a.value), Number(b.value)) : 0;
    case "number":
      return b.kind === "number" ? compareNumberText(a.text, b.text) : 0;
    case "string":
      return b.kind === "string" ? compareUtf8(a.value, b.value) : 0;
    case "array":
      return b.kind === "array" ? compareArrays(a.elements, b.elements) : 0;
    case "object":
      return b.kind === "object" ? compareObjects(a.entries, b.entries) : 0;
  }
  return assertNever(a);
}

function compareArrays(a: readonly JsonbValue[], b: readonly JsonbValue[]): JsonbOrdering {
  const byCount = compareCounts(a.length, b.length);
  if (byCount !== 0) return byCount;
  for (let index = 0; index < a.length; index++) {
    const elementA = a[index];
    const elementB = b[index];
    assert(elementA !== undefined && elementB !== undefined, "equal counts");
    const order = compareNested(elementA, elementB);
    if (order !== 0) return order;
  }
  return 0;
}

function compareObjects(a: readonly JsonbEntry[], b: readonly JsonbEntry[]): JsonbOrdering {
  const byCount = compareCounts(a.length, b.length);
  if (byCount !== 0) return byCount;
  for (let index = 0; index < a.length; index++) {
    const entryA = a[index];
    const entryB = b[index];
    assert(entryA !== undefined && entryB !== undefined, "equal counts");
    // Keys compare under the collation here, not in storage order.
    const byKey = compareUtf8(entryA.key, entryB.key);
    if (byKey !== 0) return byKey;
    const byValue = compareNested(entryA.value, entryB.value);
    if (byValue !== 0) return byValue;
  }
  return 0;
}

/** jsonb equality (`=`), consistent with `compareJsonb`. */
export function jsonbEquals(a: JsonbValue, b: JsonbValue): boolean {
  return compareJsonb(a, b) === 0;
}

/** A string equal exactly for `jsonbEquals` values, for hash tables (hash join, GROUP BY). */
export function jsonbHashKey(value: JsonbValue): string {
  switch (value.kind) {
    case "null":
      return "n";
    case "bool":
      return value.value ? "t" : "f";
    case "number":
      return `#${numberKey(value.text)}`;
    case "string":
      return escapeJsonString(value.value);
    case "array":
      return `[${value.elements.map(jsonbHashKey).join(",")}]`;
    case "object":
      return `{${value.entries.map((entry) => `${escapeJsonString(entry.key)}:${jsonbHashKey(entry.value)}`).join(",")}}`;
  }
  return assertNever(value);
}
