/**
 * The first pass of date/time input: split text into typed fields, as PostgreSQL's ParseDateTime.
 *
 *   "2024-01-31T13:45:00.5+05:30"  ->  date "2024-01-31", string "t", time "13:45:00.5", tz "+05:30"
 *   "Jan 31 2024 1:45 PM EST"      ->  string "jan", number "31", number "2024", time "1:45", ...
 *
 * Letters are lowercased. A field keeps its sign when it has one (`tz` fields start with + or -).
 * Separators other than those inside a field (whitespace, `,`, `@`, other punctuation) split
 * fields and are dropped. Inputs are limited like PostgreSQL's fixed work buffer.
 */
import { assert } from "../assert.ts";

export type FieldKind = "number" | "time" | "date" | "string" | "special" | "tz";

export interface Field {
  readonly kind: FieldKind;
  readonly text: string;
}

/** PostgreSQL's MAXDATEFIELDS. */
const fieldCountMax = 25;

/** Thrown inside the decoders; the public entry points turn it into a `DbError`. */
export class DecodeFailure extends Error {
  override readonly name = "DecodeFailure";
  readonly code: "badFormat" | "fieldOverflow" | "tzOverflow" | "intervalOverflow";
  constructor(code: "badFormat" | "fieldOverflow" | "tzOverflow" | "intervalOverflow") {
    super(code);
    this.code = code;
  }
}

export const isDigit = (c: string): boolean => c >= "0" && c <= "9";
export const isAlpha = (c: string): boolean => (c >= "a" && c <= "z") || (c >= "A" && c <= "Z");
const isAlnum = (c: string): boolean => isDigit(c) || isAlpha(c);
const isSpace = (c: string): boolean => c === " " || (c >= "\t" && c <= "\r");
const isPunct = (c: string): boolean => c.length === 1 && c > " " && c < "\u007f" && !isAlnum(c);
/** Words that may precede a digit without starting a zone name (datetktbl entries). */
const keywordsBeforeDigits = new Set(["t", "j", "jd", "julian", "y", "m", "d", "h", "s", "am", "pm", "ad", "bc", "at", "on", "allballs", "epoch", "infinity", "now", "today", "tomorrow", "yesterday"]);
const monthsAndDays = /^(jan|january|feb|february|mar|march|apr|april|may|jun|june|jul|july|aug|august|sep|sept|september|oct|october|nov|november|dec|december|sun|sunday|mon|monday|tue|tues|tuesday|wed|wednesday|thu|thur|thurs|thursday|fri|friday|sat|saturday)$/;

export function tokenize(input: string, bufferSizeMax: number): Field[] {
  const fields: Field[] = [];
  let used = 0;
  let i = 0;
  while (i < input.length) {
    const c = input.charAt(i);
    if (isSpace(c)) {
      i++;
      continue;
    }
    let field: { kind: FieldKind; text: string; end: number } | undefined;
    if (isDigit(c)) field = digitField(input, i);
    else if (c === ".") field = spanWhile(input, i + 1, isDigit, ".", "number");
    else if (isAlpha(c)) field = alphaField(input, i);
    else if (c === "+" || c === "-") field = signedField(input, i);
    else if (isPunct(c)) {
      i++;
      continue;
    } else throw new DecodeFailure("badFormat");
    used += field.text.length + 1;
    if (fields.length >= fieldCountMax || used >= bufferSizeMax) throw new DecodeFailure("badFormat");
    fields.push({ kind: field.kind, text: field.text });
    assert(field.end > i, "each field consumes input");
    i = field.end;
  }
  return fields;
}

function spanWhile(input: string, start: number, accept: (c: string) => boolean, prefix: string, kind: FieldKind): { kind: FieldKind; text: string; end: number } {
  let end = start;
  while (end < input.length && accept(input.charAt(end))) end++;
  return { kind, text: prefix + input.slice(start, end).toLowerCase(), end };
}

function digitField(input: string, start: number): { kind: FieldKind; text: string; end: number } {
  let end = start;
  while (end < input.length && isDigit(input.charAt(end))) end++;
  const next = input.charAt(end);
  if (next === ":") {
    const rest = spanWhile(input, end, (ch) => isDigit(ch) || ch === ":" || ch === ".", "", "time");
    return { kind: "time", text: input.slice(start, end) + rest.text, end: rest.end };
  }
  if (next !== "-" && next !== "/" && next !== ".") return { kind: "number", text: input.slice(start, end), end };
  const delimiter = next;
  end++;
  if (!isDigit(input.charAt(end))) {
    while (end < input.length && (isAlnum(input.charAt(end)) || input.charAt(end) === delimiter)) end++;
    return { kind: "date", text: input.slice(start, end).toLowerCase(), end };
  }
  let kind: FieldKind = delimiter === "." ? "number" : "date";
  while (end < input.length && isDigit(input.charAt(end))) end++;
  if (input.charAt(end) === delimiter) {
    kind = "date";
    end++;
    while (end < input.length && (isDigit(input.charAt(end)) || input.charAt(end) === delimiter)) end++;
  }
  return { kind, text: input.slice(start, end), end };
}

function alphaField(input: string, start: number): { kind: FieldKind; text: string; end: number } {
  let end = start;
  while (end < input.length && isAlpha(input.charAt(end))) end++;
  const word = input.slice(start, end).toLowerCase();
  const next = input.charAt(end);
  let isDate = next === "-" || next === "/" || next === ".";
  if (next === "+" || isDigit(next)) isDate = !keywordsBeforeDigits.has(word) && !monthsAndDays.test(word);
  if (!isDate) return { kind: "string", text: word, end };
  while (end < input.length) {
    const ch = input.charAt(end);
    if (!(isAlnum(ch) || ch === "+" || ch === "-" || ch === "/" || ch === "_" || ch === "." || ch === ":")) break;
    end++;
  }
  return { kind: "date", text: input.slice(start, end).toLowerCase(), end };
}

function signedField(input: string, start: number): { kind: FieldKind; text: string; end: number } {
  const sign = input.charAt(start);
  let end = start + 1;
  while (end < input.length && isSpace(input.charAt(end))) end++;
  const c = input.charAt(end);
  if (isDigit(c)) return spanWhile(input, end, (ch) => isDigit(ch) || ch === ":" || ch === "." || ch === "-", sign, "tz");
  if (isAlpha(c)) return spanWhile(input, end, isAlpha, sign, "special");
  throw new DecodeFailure("badFormat");
}

/** C's strtol on a field: the leading integer (optionally signed) and where it ends. */
export function leadingInteger(text: string, start: number): { value: number; end: number } {
  let end = start;
  if (text.charAt(end) === "+" || text.charAt(end) === "-") end++;
  const digitsStart = end;
  while (end < text.length && isDigit(text.charAt(end))) end++;
  if (end === digitsStart) return { value: 0, end: start };
  return { value: Number(text.slice(start, end)), end };
}

/** A strict `.123` fraction (ParseFraction): "." alone is 0; anything after the digits is an error. */
export function parseFractionText(text: string): number {
  assert(text.startsWith("."), "a fraction starts at its point");
  if (text === ".") return 0;
  if (!/^\.\d+$/.test(text)) throw new DecodeFailure("badFormat");
  return Number(`0${text}`);
}
