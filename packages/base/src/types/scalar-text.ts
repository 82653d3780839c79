/**
 * PostgreSQL 15's character types (`text`, `varchar(n)`, `bpchar(n)`), `bytea` and `uuid` as
 * values: text input/output, typmod coercion, binary send/recv and ordering.
 *
 * Representations: text/varchar/bpchar are JS strings (a bpchar keeps its pad spaces); bytea is a
 * `Uint8Array`; uuid is its canonical text, 36 lowercase characters `8-4-4-4-12`.
 *
 * Invariants and formats:
 * - Lengths (`varchar(n)`, `bpchar(n)`, `length()`) count Unicode code points, as PostgreSQL
 *   counts UTF-8 characters; a surrogate pair is one character.
 * - Ordering is the C collation, i.e. UTF-8 byte order, which is code point order. JS `<` on
 *   strings compares UTF-16 units and puts U+FFFD above U+1F600, so it is never used here.
 * - bpchar ignores trailing spaces (U+0020 only) when comparing, hashing and in `length()`.
 * - bytea text: hex `\x` + pairs of hex digits (whitespace allowed between pairs), or the escape
 *   format (`\\` is a backslash, `\ooo` an octal byte, any other byte itself). Output is hex
 *   (bytea_output = hex) or escape.
 * - uuid text: optional `{...}`, 32 hex digits, a `-` allowed after any group of four but the last.
 */
import { assert, assertNever } from "../assert.ts";
import {
  CharacterNotInRepertoireError,
  InvalidParameterValueError,
  InvalidTextRepresentationError,
  StringDataRightTruncationError,
} from "../errors.ts";
import { type Ordering, compareOrdered, fixedBinary, hexDigitValue } from "./scalar-common.ts";

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

// ---------------------------------------------------------------------------------------------
// text, varchar, bpchar

/** Code point order (= UTF-8 byte order, the C collation) of two strings. */
export function compareText(a: string, b: string): Ordering {
  const sharedLength = Math.min(a.length, b.length);
  for (let index = 0; index < sharedLength; index++) {
    if (a.charCodeAt(index) !== b.charCodeAt(index)) {
      // At a differing high surrogate, codePointAt reads the whole pair; at a differing low
      // surrogate the high halves were equal, so comparing the units is already right.
      return compareOrdered(a.codePointAt(index) ?? 0, b.codePointAt(index) ?? 0);
    }
  }
  return compareOrdered(a.length, b.length);
}

/** `length(text)`: characters (code points). */
export function textLength(value: string): number {
  let count = 0;
  for (const _ of value) count++;
  return count;
}

/** `octet_length`: the UTF-8 size. */
export function octetLength(value: string): number {
  return utf8Encoder.encode(value).length;
}

/** A bpchar without its trailing spaces, the form its comparisons and `length()` use. */
export function bpcharTrimmed(value: string): string {
  let end = value.length;
  while (end > 0 && value.charCodeAt(end - 1) === 0x20) end--;
  return value.slice(0, end);
}

/** `bpcharcmp`: C-collation order ignoring trailing spaces. */
export function compareBpchar(a: string, b: string): Ordering {
  return compareText(bpcharTrimmed(a), bpcharTrimmed(b));
}

/** `length(bpchar)`: characters, not counting trailing spaces. */
export function bpcharLength(value: string): number {
  return textLength(bpcharTrimmed(value));
}

/** How a value meets a length typmod: an explicit cast (`::varchar(3)`) truncates silently. */
export interface CoercionOptions {
  readonly isExplicit: boolean;
}

/** The string cut after `count` code points, and whether anything was cut. */
function clipCodePoints(value: string, count: number): { readonly head: string; readonly tail: string } {
  let index = 0;
  for (let seen = 0; seen < count && index < value.length; seen++) {
    index += (value.codePointAt(index) ?? 0) > 0xffff ? 2 : 1;
  }
  return { head: value.slice(0, index), tail: value.slice(index) };
}

function checkLengthTypmod(maxLength: number): void {
  assert(Number.isInteger(maxLength), "a length typmod is an integer");
  assert(maxLength >= 1 && maxLength <= 10_485_760, "a length typmod is in 1..10485760");
}

/**
 * `varchar(value, n, isExplicit)` and `varcharin` with a typmod (which behaves as an assignment):
 * too long is 22001 unless every excess character is a space, which is cut off.
 */
export function coerceVarchar(value: string, maxLength: number, options: CoercionOptions): string {
  checkLengthTypmod(maxLength);
  const { head, tail } = clipCodePoints(value, maxLength);
  if (tail === "") return value;
  if (!options.isExplicit && /[^ ]/u.test(tail)) {
    throw new StringDataRightTruncationError(`value too long for type character varying(${maxLength})`);
  }
  return head;
}

/** `bpchar(value, n, isExplicit)` and `bpcharin` with a typmod: cut as varchar, then pad to n with spaces. */
export function coerceBpchar(value: string, length: number, options: CoercionOptions): string {
  checkLengthTypmod(length);
  const { head, tail } = clipCodePoints(value, length);
  if (tail !== "") {
    if (!options.isExplicit && /[^ ]/u.test(tail)) {
      throw new StringDataRightTruncationError(`value too long for type character(${length})`);
    }
    return head;
  }
  const result = value + " ".repeat(length - textLength(value));
  assert(textLength(result) === length, "a padded bpchar has exactly its typmod's length");
  return result;
}

/** `textsend` (also varchar, bpchar): the UTF-8 bytes. */
export function sendText(value: string): Uint8Array {
  return utf8Encoder.encode(value);
}

/** `textrecv`: UTF-8 bytes, which must be valid and contain no NUL (PostgreSQL text cannot). */
export function recvText(bytes: Uint8Array): string {
  const nulIndex = bytes.indexOf(0);
  if (nulIndex >= 0) throw new CharacterNotInRepertoireError('invalid byte sequence for encoding "UTF8": 0x00');
  try {
    return utf8Decoder.decode(bytes);
  } catch (error) {
    throw new CharacterNotInRepertoireError('invalid byte sequence for encoding "UTF8"', { cause: error });
  }
}

// ---------------------------------------------------------------------------------------------
// bytea

/** `byteain`: hex format when the text starts with `\x`, else the escape format. */
export function parseBytea(text: string): Uint8Array {
  if (text.startsWith("\\x")) return parseByteaHex(text, 2);
  return parseByteaEscape(utf8Encoder.encode(text));
}

function parseByteaHex(text: string, start: number): Uint8Array {
  const out: number[] = [];
  let index = start;
  const digitAt = (at: number): number => {
    const value = hexDigitValue(text[at]);
    if (value < 0) {
      const char = String.fromCodePoint(text.codePointAt(at) ?? 0);
      throw new InvalidParameterValueError(`invalid hexadecimal digit: "${char}"`);
    }
    return value;
  };
  while (index < text.length) {
    const char = text[index];
    if (char === " " || char === "\n" || char === "\t" || char === "\r") {
      index++;
      continue;
    }
    const high = digitAt(index);
    if (index + 1 >= text.length) throw new InvalidParameterValueError("invalid hexadecimal data: odd number of digits");
    out.push((high << 4) | digitAt(index + 1));
    index += 2;
  }
  return Uint8Array.from(out);
}

function isOctal(byte: number | undefined, max: number): boolean {
  return byte !== undefined && byte >= 0x30 && byte <= max;
}

function parseByteaEscape(bytes: Uint8Array): Uint8Array {
  const out: number[] = [];
  let index = 0;
  while (index < bytes.length) {
    const byte = bytes[index] ?? 0;
    if (byte !== 0x5c) {
      out.push(byte);
      index++;
    } else if (isOctal(bytes[index + 1], 0x33) && isOctal(bytes[index + 2], 0x37) && isOctal(bytes[index + 3], 0x37)) {
      out.push(((bytes[index + 1] ?? 0) - 0x30) * 64 + ((bytes[index + 2] ?? 0) - 0x30) * 8 + ((bytes[index + 3] ?? 0) - 0x30));
      index += 4;
    } else if (bytes[index + 1] === 0x5c) {
      out.push(0x5c);
      index += 2;
    } else {
      throw new InvalidTextRepresentationError("invalid input syntax for type bytea");
    }
  }
  return Uint8Array.from(out);
}

/** The `bytea_output` setting. */
export type ByteaOutput = "hex" | "escape";

/** `byteaout`: `\x` and lowercase hex, or the escape format (`\\`, `\ooo` outside 0x20..0x7e). */
export function formatBytea(value: Uint8Array, output: ByteaOutput = "hex"): string {
  switch (output) {
    case "hex": {
      let text = "\\x";
      for (const byte of value) text += byte.toString(16).padStart(2, "0");
      return text;
    }
    case "escape": {
      let text = "";
      for (const byte of value) {
        if (byte === 0x5c) text += "\\\\";
        else if (byte < 0x20 || byte > 0x7e) text += `\\${byte.toString(8).padStart(3, "0")}`;
        else text += String.fromCharCode(byte);
      }
      return text;
    }
  }
  return assertNever(output);
}

/** `byteacmp`: bytewise, then the shorter first. */
export function compareBytea(a: Uint8Array, b: Uint8Array): Ordering {
  const sharedLength = Math.min(a.length, b.length);
  for (let index = 0; index < sharedLength; index++) {
    const order = compareOrdered(a[index] ?? 0, b[index] ?? 0);
    if (order !== 0) return order;
  }
  return compareOrdered(a.length, b.length);
}

export function sendBytea(value: Uint8Array): Uint8Array {
  return value.slice();
}

export function recvBytea(bytes: Uint8Array): Uint8Array {
  // A copy, as a plain Uint8Array, also from a Buffer (whose `slice` is a view, and whose species
  // makes even Uint8Array's slice a Buffer): the value must not share memory with the bytes it
  // came from (a row read from storage is a Buffer).
  return new Uint8Array(bytes);
}

// ---------------------------------------------------------------------------------------------
// uuid

const uuidSizeBytes = 16;

/** `uuid_in` (`string_to_uuid`), returning the canonical lowercase hyphenated text. */
export function parseUuid(text: string): string {
  const invalid = (): InvalidTextRepresentationError =>
    new InvalidTextRepresentationError(`invalid input syntax for type uuid: "${text}"`);
  let index = 0;
  const hasBraces = text[0] === "{";
  if (hasBraces) index++;
  let hex = "";
  for (let byteIndex = 0; byteIndex < uuidSizeBytes; byteIndex++) {
    if (hexDigitValue(text[index]) < 0 || hexDigitValue(text[index + 1]) < 0) throw invalid();
    hex += text.slice(index, index + 2).toLowerCase();
    index += 2;
    if (text[index] === "-" && byteIndex % 2 === 1 && byteIndex < uuidSizeBytes - 1) index++;
  }
  if (hasBraces) {
    if (text[index] !== "}") throw invalid();
    index++;
  }
  if (index !== text.length) throw invalid();
  return canonicalUuid(hex);
}

function canonicalUuid(hex: string): string {
  assert(/^[0-9a-f]{32}$/u.test(hex), "a uuid is 32 lowercase hex digits");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function assertCanonicalUuid(value: string): void {
  assert(value.length === 36, "a uuid value is 36 characters");
  assert(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/u.test(value), "a uuid value is canonical");
}

/** `uuid_out`: the value is already canonical. */
export function formatUuid(value: string): string {
  assertCanonicalUuid(value);
  return value;
}

/** `uuid_cmp`: canonical texts order as their bytes do. */
export function compareUuid(a: string, b: string): Ordering {
  return compareOrdered(a, b);
}

export function sendUuid(value: string): Uint8Array {
  assertCanonicalUuid(value);
  const hex = value.replaceAll("-", "");
  const bytes = new Uint8Array(uuidSizeBytes);
  for (let index = 0; index < uuidSizeBytes; index++) bytes[index] = Number.parseInt(hex.slice(index * 2, index * 2 + 2), 16);
  return bytes;
}

export function recvUuid(bytes: Uint8Array): string {
  fixedBinary(bytes, uuidSizeBytes);
  let hex = "";
  for (const byte of bytes) hex += byte.toString(16).padStart(2, "0");
  return canonicalUuid(hex);
}

/** The UTF-8 bytes of a string (for hashing and sizes). */
export function utf8Bytes(value: string): Uint8Array {
  return utf8Encoder.encode(value);
}
