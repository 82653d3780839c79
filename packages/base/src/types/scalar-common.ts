/**
 * Helpers shared by the scalar value modules (`scalar-*.ts`): the C locale's character classes
 * that PostgreSQL's input functions use (`isspace`, `isdigit`, `isxdigit` under LC_CTYPE=C), and
 * the fixed-width big-endian framing of binary (`send`/`recv`) values.
 *
 * Invariants: character classes look at ASCII only, exactly as PostgreSQL's `isspace((unsigned
 * char) c)` does in the C locale, so a Unicode space is never whitespace here. Binary readers
 * reject a value whose length is not exactly its type's width with 22P03.
 */
import { assert } from "../assert.ts";
import { InvalidBinaryRepresentationError } from "../errors.ts";

/** C `isspace`: space, tab, newline, vertical tab, form feed, carriage return. */
export function isCSpace(char: string | undefined): boolean {
  return char === " " || char === "\t" || char === "\n" || char === "\v" || char === "\f" || char === "\r";
}

/** C `isdigit`: ASCII 0-9 only. */
export function isCDigit(char: string | undefined): boolean {
  return char !== undefined && char.length === 1 && char >= "0" && char <= "9";
}

/** The value of an ASCII hex digit, or -1 for any other character. */
export function hexDigitValue(char: string | undefined): number {
  if (char === undefined || char.length !== 1) return -1;
  const code = char.charCodeAt(0);
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x61 && code <= 0x66) return code - 0x61 + 10;
  if (code >= 0x41 && code <= 0x46) return code - 0x41 + 10;
  return -1;
}

/** Index of the first non-`isspace` character at or after `start`. */
export function skipCSpace(text: string, start: number): number {
  let index = start;
  while (index < text.length && isCSpace(text[index])) index++;
  return index;
}

/** Index just past the last non-`isspace` character (`text.length` when none trail). */
export function trimCSpaceEnd(text: string, start: number): number {
  let end = text.length;
  while (end > start && isCSpace(text[end - 1])) end--;
  return end;
}

/** A zeroed buffer of `sizeBytes` with a big-endian view on it, for a `send` function. */
export function newBinary(sizeBytes: number): { readonly bytes: Uint8Array; readonly view: DataView } {
  assert(Number.isInteger(sizeBytes) && sizeBytes >= 0, "binary size is a non-negative integer");
  const bytes = new Uint8Array(sizeBytes);
  return { bytes, view: new DataView(bytes.buffer) };
}

/**
 * A view over a binary value that must be exactly `sizeBytes` long. Short input is PostgreSQL's
 * `insufficient data left in message`; long input is the Bind-level `incorrect binary data format`.
 */
export function fixedBinary(bytes: Uint8Array, sizeBytes: number): DataView {
  if (bytes.length < sizeBytes) throw new InvalidBinaryRepresentationError("insufficient data left in message");
  if (bytes.length > sizeBytes) throw new InvalidBinaryRepresentationError("incorrect binary data format");
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Three-way result of every `compare*` function: negative, zero or positive like PostgreSQL's btree support functions. */
export type Ordering = -1 | 0 | 1;

/** Orders two primitives of one type by `<`. */
export function compareOrdered<T extends number | bigint | string>(a: T, b: T): Ordering {
  if (a < b) return -1;
  return a > b ? 1 : 0;
}
