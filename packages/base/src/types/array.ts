/**
 * PostgreSQL 15 arrays as values, for any element type: text input/output (`array_in`,
 * `array_out`) and binary send/recv (`array_send`, `array_recv`). The element type comes in as
 * callbacks, so `int4[]`, `text[]` and `float8[]` share this code.
 *
 * Representation: `PgArray` holds the dimension lengths, their lower bounds and the elements in
 * row-major order, `null` for SQL NULL. An empty array has no dimensions at all (`{}`), exactly as
 * PostgreSQL stores it. Invariants: `dims.length === lowerBounds.length <= 6`, every length >= 1,
 * and `elements.length` is the product of the lengths.
 *
 * Text format:  [ '[' lb ':' ub ']' ... '=' ] '{' item (',' item)* '}'   where an item is a nested
 * `{...}`, a double-quoted string (backslash escapes anything), or unquoted characters with
 * backslash escapes and surrounding whitespace dropped; unquoted `NULL` (any case) is NULL.
 * Output quotes an element that is empty, equals NULL case-insensitively, or holds `{`, `}`, `,`,
 * `"`, `\` or whitespace, backslash-escaping `"` and `\`; `[lb:ub]...=` precedes the braces when
 * any lower bound is not 1.
 *
 * Binary format (all integers big-endian):
 *   int32 ndim | int32 hasNull (0/1) | uint32 element type oid | ndim x (int32 length, int32 lb)
 *   | per element: int32 byteLength (-1 for NULL) then that many bytes
 */
import { assert } from "../assert.ts";
import {
  ArraySubscriptError,
  DatatypeMismatchError,
  InvalidBinaryRepresentationError,
  InvalidTextRepresentationError,
  ProgramLimitExceededError,
} from "../errors.ts";
import { isCSpace } from "./scalar-common.ts";

/** PostgreSQL's MAXDIM. */
export const arrayDimensionsMax = 6;

export interface PgArray<T> {
  /** Length of each dimension, outermost first; empty for an empty array. */
  readonly dims: readonly number[];
  /** Lower bound (first subscript) of each dimension, 1 unless written `[lb:ub]=`. */
  readonly lowerBounds: readonly number[];
  /** Elements in row-major order; `null` is SQL NULL. */
  readonly elements: readonly (T | null)[];
}

/** An element type's text input and output functions, as the array functions call them. */
export interface ArrayElementText<T> {
  readonly parse: (text: string) => T;
  readonly format: (value: T) => string;
}

/** An element type's binary functions and its `pg_type` oid (written into every array). */
export interface ArrayElementBinary<T> {
  readonly elementTypeOid: number;
  readonly send: (value: T) => Uint8Array;
  readonly recv: (bytes: Uint8Array) => T;
}

/** A one-dimensional array with lower bound 1 (`ARRAY[...]`); no elements is the empty array. */
export function arrayOf<T>(elements: readonly (T | null)[]): PgArray<T> {
  if (elements.length === 0) return { dims: [], lowerBounds: [], elements: [] };
  return { dims: [elements.length], lowerBounds: [1], elements: [...elements] };
}

function assertArrayShape<T>(array: PgArray<T>): void {
  assert(array.dims.length === array.lowerBounds.length, "an array has one lower bound per dimension");
  assert(array.dims.length <= arrayDimensionsMax, "an array has at most 6 dimensions");
  assert(array.dims.every((length) => Number.isInteger(length) && length >= 1), "array dimension lengths are positive");
  const count = array.dims.reduce((product, length) => product * length, array.dims.length === 0 ? 0 : 1);
  assert(array.elements.length === count, "an array holds the product of its lengths in elements");
}

// ---------------------------------------------------------------------------------------------
// Text input

function malformed(literal: string, detail?: string): InvalidTextRepresentationError {
  return new InvalidTextRepresentationError(`malformed array literal: "${literal}"`, detail === undefined ? {} : { detail });
}

function tooManyDimensions(count: number): ProgramLimitExceededError {
  return new ProgramLimitExceededError(`number of array dimensions (${count}) exceeds the maximum allowed (${arrayDimensionsMax})`);
}

/** C `atoi` over the `[0-9+-]` run PostgreSQL cut out: an optional sign, then digits up to the first non-digit. */
function cAtoi(text: string): number {
  const match = /^[+-]?\d*/u.exec(text);
  const value = Number(match?.[0] ?? "0");
  return Number.isFinite(value) ? Math.max(-2147483648, Math.min(2147483647, value)) : 0;
}

interface Decoration {
  readonly dims: number[];
  readonly lowerBounds: number[];
  readonly end: number;
}

/** The `[lb:ub][lb:ub]` prefix of `array_in`, ending at the first non-space non-`[` character. */
function readDecoration(text: string): Decoration {
  const dims: number[] = [];
  const lowerBounds: number[] = [];
  let index = 0;
  for (;;) {
    while (isCSpace(text[index])) index++;
    if (text[index] !== "[") return { dims, lowerBounds, end: index };
    index++;
    if (dims.length >= arrayDimensionsMax) throw tooManyDimensions(dims.length + 1);
    let scan = skipBoundChars(text, index);
    if (scan === index) throw malformed(text, '"[" must introduce explicitly-specified array dimensions.');
    let lowerBound = 1;
    if (text[scan] === ":") {
      lowerBound = cAtoi(text.slice(index, scan));
      index = scan + 1;
      scan = skipBoundChars(text, index);
      if (scan === index) throw malformed(text, "Missing array dimension value.");
    }
    if (text[scan] !== "]") throw malformed(text, 'Missing "]" after array dimensions.');
    const upperBound = cAtoi(text.slice(index, scan));
    index = scan + 1;
    // PostgreSQL raises 2202E (array_subscript_error) here; base has no class for it yet.
    if (upperBound < lowerBound) throw new ArraySubscriptError("upper bound cannot be less than lower bound");
    dims.push(upperBound - lowerBound + 1);
    lowerBounds.push(lowerBound);
  }
}

function skipBoundChars(text: string, start: number): number {
  let index = start;
  while (index < text.length && /[0-9+-]/u.test(text[index] ?? "")) index++;
  return index;
}

/** `array_in`: the text form of an array whose elements `element.parse` reads. */
export function parseArray<T>(text: string, element: ArrayElementText<T>): PgArray<T> {
  const decoration = readDecoration(text);
  let start = decoration.end;
  let dims: readonly number[];
  let lowerBounds: readonly number[];
  if (decoration.dims.length === 0) {
    if (text[start] !== "{") throw malformed(text, 'Array value must start with "{" or dimension information.');
    dims = countArray(text.slice(start));
    lowerBounds = dims.map(() => 1);
  } else {
    if (text[start] !== "=") throw malformed(text, 'Missing "=" after array dimensions.');
    start++;
    while (isCSpace(text[start])) start++;
    if (text[start] !== "{") throw malformed(text, 'Array contents must start with "{".');
    const braceDims = countArray(text.slice(start));
    const isMatching = braceDims.length === decoration.dims.length && braceDims.every((length, index) => length === decoration.dims[index]);
    if (!isMatching) throw malformed(text, "Specified array dimensions do not match array contents.");
    dims = decoration.dims;
    lowerBounds = decoration.lowerBounds;
  }
  const count = dims.reduce((product, length) => product * length, 1);
  if (dims.length === 0 || count === 0) return { dims: [], lowerBounds: [], elements: [] };
  const items = readArrayItems(text, start, dims, count);
  const elements = items.map((item) => (item === null ? null : element.parse(item)));
  const result = { dims: [...dims], lowerBounds: [...lowerBounds], elements };
  assertArrayShape(result);
  return result;
}

/** ArrayCount's parse states. */
type CountState =
  | "noLevel"
  | "levelStarted"
  | "elementStarted"
  | "elementCompleted"
  | "quotedElementStarted"
  | "quotedElementCompleted"
  | "elementDelimited"
  | "levelCompleted"
  | "levelDelimited";

/**
 * PostgreSQL 15's `ArrayCount`: validates the brace structure of `literal` (which starts at its
 * `{`) and returns the dimension lengths it implies, or none for `{}`. Its errors quote `literal`,
 * the text after any dimension decoration, as PostgreSQL's do.
 */
function countArray(literal: string): number[] {
  const counter = new ArrayCounter(literal);
  counter.run();
  return counter.dims();
}

class ArrayCounter {
  readonly #literal: string;
  #index = 0;
  #state: CountState = "noLevel";
  #nestLevel = 0;
  #dimensionCount = 1;
  #isInQuotes = false;
  #isEmpty = true;
  readonly #temp: number[] = Array.from({ length: arrayDimensionsMax }, () => 0);
  readonly #elementCounts: number[] = Array.from({ length: arrayDimensionsMax }, () => 1);
  readonly #elementCountsLast: number[] = Array.from({ length: arrayDimensionsMax }, () => 0);

  constructor(literal: string) {
    this.#literal = literal;
  }

  run(): void {
    let isArrayDone = false;
    while (!isArrayDone) {
      let isItemDone = false;
      while (!isItemDone) {
        if (this.#state === "elementStarted" || this.#state === "quotedElementStarted") this.#isEmpty = false;
        const outcome = this.#step(this.#literal[this.#index]);
        isItemDone = outcome !== "continue";
        isArrayDone = outcome === "arrayDone";
        if (!isItemDone) this.#index++;
      }
      this.#bump(this.#temp, this.#dimensionCount - 1);
      this.#index++;
    }
    for (const char of this.#literal.slice(this.#index)) {
      if (!isCSpace(char)) throw malformed(this.#literal, "Junk after closing right brace.");
    }
  }

  dims(): number[] {
    return this.#isEmpty ? [] : this.#temp.slice(0, this.#dimensionCount);
  }

  #bump(counts: number[], at: number): void {
    counts[at] = (counts[at] ?? 0) + 1;
  }

  #unexpected(char: string): InvalidTextRepresentationError {
    return malformed(this.#literal, `Unexpected "${char}" character.`);
  }

  #isState(...states: readonly CountState[]): boolean {
    return states.includes(this.#state);
  }

  #step(char: string | undefined): "continue" | "itemDone" | "arrayDone" {
    if (char === undefined) throw malformed(this.#literal, "Unexpected end of input.");
    if (char === "\\") return this.#backslash();
    if (char === '"') return this.#quote();
    if (this.#isInQuotes) return "continue";
    if (char === "{") return this.#openBrace();
    if (char === "}") return this.#closeBrace();
    if (char === ",") {
      if (!this.#isState("elementStarted", "elementCompleted", "quotedElementCompleted", "levelCompleted")) throw this.#unexpected(",");
      this.#state = this.#state === "levelCompleted" ? "levelDelimited" : "elementDelimited";
      this.#bump(this.#elementCounts, this.#nestLevel - 1);
      return "itemDone";
    }
    if (!isCSpace(char)) {
      if (!this.#isState("levelStarted", "elementStarted", "elementDelimited")) throw malformed(this.#literal, "Unexpected array element.");
      this.#state = "elementStarted";
    }
    return "continue";
  }

  #backslash(): "continue" {
    if (!this.#isState("levelStarted", "elementStarted", "quotedElementStarted", "elementDelimited")) throw this.#unexpected("\\");
    if (this.#state !== "quotedElementStarted") this.#state = "elementStarted";
    if (this.#index + 1 >= this.#literal.length) throw malformed(this.#literal, "Unexpected end of input.");
    this.#index++;
    return "continue";
  }

  #quote(): "continue" {
    if (!this.#isState("levelStarted", "quotedElementStarted", "elementDelimited")) throw malformed(this.#literal, "Unexpected array element.");
    this.#isInQuotes = !this.#isInQuotes;
    this.#state = this.#isInQuotes ? "quotedElementStarted" : "quotedElementCompleted";
    return "continue";
  }

  #openBrace(): "continue" {
    if (!this.#isState("noLevel", "levelStarted", "levelDelimited")) throw this.#unexpected("{");
    this.#state = "levelStarted";
    if (this.#nestLevel >= arrayDimensionsMax) throw tooManyDimensions(this.#nestLevel + 1);
    this.#temp[this.#nestLevel] = 0;
    this.#nestLevel++;
    this.#dimensionCount = Math.max(this.#dimensionCount, this.#nestLevel);
    return "continue";
  }

  #closeBrace(): "continue" | "arrayDone" {
    const isAllowed =
      this.#isState("elementStarted", "elementCompleted", "quotedElementCompleted", "levelCompleted") ||
      (this.#nestLevel === 1 && this.#state === "levelStarted");
    if (!isAllowed) throw this.#unexpected("}");
    this.#state = "levelCompleted";
    if (this.#nestLevel === 0) throw malformed(this.#literal, 'Unmatched "}" character.');
    this.#nestLevel--;
    const level = this.#nestLevel;
    const last = this.#elementCountsLast[level] ?? 0;
    if (last !== 0 && this.#elementCounts[level] !== last) {
      throw malformed(this.#literal, "Multidimensional arrays must have sub-arrays with matching dimensions.");
    }
    this.#elementCountsLast[level] = this.#elementCounts[level] ?? 1;
    this.#elementCounts[level] = 1;
    if (level === 0) return "arrayDone";
    this.#bump(this.#temp, level - 1);
    return "continue";
  }
}

/**
 * PostgreSQL 15's `ReadArrayStr` over validated text from its first `{`: each element's text with
 * quotes and escapes removed and unquoted surrounding whitespace dropped, or `null` for an
 * unquoted NULL, placed at its row-major position (positions never written stay NULL).
 */
function readArrayItems(original: string, start: number, dims: readonly number[], count: number): (string | null)[] {
  const items: (string | null)[] = Array.from({ length: count }, () => null);
  const strides = dims.map((_, axis) => dims.slice(axis + 1).reduce((product, length) => product * length, 1));
  const subscripts = dims.map(() => 0);
  const offset = (): number => subscripts.reduce((sum, subscript, axis) => sum + subscript * (strides[axis] ?? 0), 0);
  const state = { index: start, nestLevel: 0, isInQuotes: false };
  let isArrayDone = false;
  while (!isArrayDone) {
    const item = readOneItem(original, state, dims.length, subscripts, offset);
    isArrayDone = item.isArrayDone;
    if (item.position < 0 || item.position >= count) throw malformed(original);
    items[item.position] = !item.hasQuoting && isNullWord(item.text) ? null : item.text;
  }
  return items;
}

/** `pg_strcasecmp(text, "NULL") == 0`: ASCII case folding only. */
function isNullWord(text: string): boolean {
  return /^[nN][uU][lL][lL]$/u.test(text);
}

interface ItemScan {
  index: number;
  nestLevel: number;
  isInQuotes: boolean;
}

function readOneItem(
  original: string,
  state: ItemScan,
  dimensionCount: number,
  subscripts: number[],
  offset: () => number,
): { readonly text: string; readonly hasQuoting: boolean; readonly position: number; readonly isArrayDone: boolean } {
  let position = -1;
  let text = "";
  let significantLength = 0;
  let hasQuoting = false;
  let isLeadingSpace = true;
  for (;;) {
    const char = original[state.index];
    if (char === undefined) throw malformed(original);
    state.index++;
    if (char === "\\") {
      const escaped = original[state.index];
      if (escaped === undefined) throw malformed(original);
      state.index++;
      text += escaped;
      significantLength = text.length;
      isLeadingSpace = false;
      hasQuoting = true;
    } else if (char === '"') {
      state.isInQuotes = !state.isInQuotes;
      if (state.isInQuotes) isLeadingSpace = false;
      else significantLength = text.length;
      hasQuoting = true;
    } else if (state.isInQuotes) {
      text += char;
    } else if (char === "{") {
      if (state.nestLevel >= dimensionCount) throw malformed(original);
      state.nestLevel++;
      subscripts[state.nestLevel - 1] = 0;
    } else if (char === "}") {
      if (state.nestLevel === 0) throw malformed(original);
      if (position === -1) position = offset();
      subscripts[state.nestLevel - 1] = 0;
      state.nestLevel--;
      if (state.nestLevel === 0) return { text: text.slice(0, significantLength), hasQuoting, position, isArrayDone: true };
      subscripts[state.nestLevel - 1] = (subscripts[state.nestLevel - 1] ?? 0) + 1;
    } else if (char === ",") {
      if (position === -1) position = offset();
      subscripts[dimensionCount - 1] = (subscripts[dimensionCount - 1] ?? 0) + 1;
      return { text: text.slice(0, significantLength), hasQuoting, position, isArrayDone: false };
    } else if (isCSpace(char)) {
      if (!isLeadingSpace) text += char;
    } else {
      text += char;
      isLeadingSpace = false;
      significantLength = text.length;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Text output

/** Whether `array_out` must double-quote an element's text. */
function needsQuotes(text: string): boolean {
  if (text === "" || isNullWord(text)) return true;
  for (const char of text) {
    if (char === '"' || char === "\\" || char === "{" || char === "}" || char === "," || isCSpace(char)) return true;
  }
  return false;
}

function quoteElement(text: string): string {
  return needsQuotes(text) ? `"${text.replaceAll(/["\\]/gu, (char) => `\\${char}`)}"` : text;
}

/** `array_out`. */
export function formatArray<T>(array: PgArray<T>, element: ArrayElementText<T>): string {
  assertArrayShape(array);
  if (array.dims.length === 0) return "{}";
  const texts = array.elements.map((value) => (value === null ? "NULL" : quoteElement(element.format(value))));
  const hasDecoration = array.lowerBounds.some((bound) => bound !== 1);
  const decoration = hasDecoration
    ? `${array.dims.map((length, axis) => `[${array.lowerBounds[axis] ?? 1}:${(array.lowerBounds[axis] ?? 1) + length - 1}]`).join("")}=`
    : "";
  return decoration + nestBraces(texts, array.dims, 0, 0);
}

function nestBraces(texts: readonly string[], dims: readonly number[], axis: number, first: number): string {
  const length = dims[axis] ?? 0;
  if (axis === dims.length - 1) return `{${texts.slice(first, first + length).join(",")}}`;
  const stride = dims.slice(axis + 1).reduce((product, size) => product * size, 1);
  const parts: string[] = [];
  for (let index = 0; index < length; index++) parts.push(nestBraces(texts, dims, axis + 1, first + index * stride));
  return `{${parts.join(",")}}`;
}

// ---------------------------------------------------------------------------------------------
// Binary

/** `array_send`. */
export function sendArray<T>(array: PgArray<T>, element: ArrayElementBinary<T>): Uint8Array {
  assertArrayShape(array);
  const encoded = array.elements.map((value) => (value === null ? null : element.send(value)));
  const headerSizeBytes = 12 + 8 * array.dims.length;
  const sizeBytes = encoded.reduce((sum, bytes) => sum + 4 + (bytes?.length ?? 0), headerSizeBytes);
  const out = new Uint8Array(sizeBytes);
  const view = new DataView(out.buffer);
  view.setInt32(0, array.dims.length);
  view.setInt32(4, array.elements.includes(null) ? 1 : 0);
  view.setUint32(8, element.elementTypeOid);
  array.dims.forEach((length, axis) => {
    view.setInt32(12 + axis * 8, length);
    view.setInt32(16 + axis * 8, array.lowerBounds[axis] ?? 1);
  });
  let at = headerSizeBytes;
  for (const bytes of encoded) {
    view.setInt32(at, bytes === null ? -1 : bytes.length);
    at += 4;
    if (bytes !== null) out.set(bytes, at);
    at += bytes?.length ?? 0;
  }
  assert(at === sizeBytes, "array_send filled exactly the computed size");
  return out;
}

/** A cursor over a binary array that fails like `pq_getmsgint` when data runs out. */
class BinaryCursor {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  #at = 0;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remainingBytes(): number {
    return this.#bytes.length - this.#at;
  }

  int32(): number {
    if (this.remainingBytes < 4) throw new InvalidBinaryRepresentationError("insufficient data left in message");
    const value = this.#view.getInt32(this.#at);
    this.#at += 4;
    return value;
  }

  take(sizeBytes: number): Uint8Array {
    assert(sizeBytes >= 0 && sizeBytes <= this.remainingBytes, "a take stays inside the buffer");
    const slice = this.#bytes.slice(this.#at, this.#at + sizeBytes);
    this.#at += sizeBytes;
    return slice;
  }
}

/** `array_recv` for arrays of `element`. */
export function recvArray<T>(bytes: Uint8Array, element: ArrayElementBinary<T>): PgArray<T> {
  const cursor = new BinaryCursor(bytes);
  const dimensionCount = cursor.int32();
  if (dimensionCount < 0) throw new InvalidBinaryRepresentationError(`invalid number of dimensions: ${dimensionCount}`);
  if (dimensionCount > arrayDimensionsMax) throw tooManyDimensions(dimensionCount);
  const flags = cursor.int32();
  if (flags !== 0 && flags !== 1) throw new InvalidBinaryRepresentationError("invalid array flags");
  const elementTypeOid = cursor.int32() >>> 0;
  if (elementTypeOid !== element.elementTypeOid) {
    // PostgreSQL names both types; only their OIDs are known at this layer.
    throw new DatatypeMismatchError(
      `binary data has array element type ${elementTypeOid} instead of expected ${element.elementTypeOid}`,
    );
  }
  const dims: number[] = [];
  const lowerBounds: number[] = [];
  for (let axis = 0; axis < dimensionCount; axis++) {
    dims.push(cursor.int32());
    lowerBounds.push(cursor.int32());
  }
  if (dims.some((length) => length < 0)) throw new ProgramLimitExceededError("array size exceeds the maximum allowed (134217727)");
  const count = dims.reduce((product, length) => product * length, 1);
  if (dimensionCount === 0 || count === 0) return { dims: [], lowerBounds: [], elements: [] };
  const elements: (T | null)[] = [];
  for (let index = 0; index < count; index++) elements.push(recvElement(cursor, element, index));
  if (cursor.remainingBytes !== 0) throw new InvalidBinaryRepresentationError("incorrect binary data format");
  const result = { dims, lowerBounds, elements };
  assertArrayShape(result);
  return result;
}

function recvElement<T>(cursor: BinaryCursor, element: ArrayElementBinary<T>, index: number): T | null {
  const sizeBytes = cursor.int32();
  if (sizeBytes < -1 || sizeBytes > cursor.remainingBytes) throw new InvalidBinaryRepresentationError("insufficient data left in message");
  if (sizeBytes === -1) return null;
  const body = cursor.take(sizeBytes);
  try {
    return element.recv(body);
  } catch (error) {
    if (error instanceof InvalidBinaryRepresentationError && error.message === "incorrect binary data format") {
      throw new InvalidBinaryRepresentationError(`improper binary format in array element ${index + 1}`, { cause: error });
    }
    throw error;
  }
}
