/**
 * The second pass of date/time input: interpret the typed fields of `tokenize` as a date, a time
 * of day, an optional zone and an optional special value, following PostgreSQL's DecodeDateTime,
 * DecodeDate, DecodeNumber, DecodeNumberField, DecodeTime and DecodeTimezone with DateStyle MDY.
 *
 * Each recognized field sets bits in `fieldMask`; a field whose bits are already set makes the
 * input ambiguous, hence invalid. Field values are range-checked at the end (ValidateDate), so
 * `2024-02-30` is a field overflow (22008) while `2024-02-x` is bad syntax (22007).
 */
import { assert, assertNever } from "../assert.ts";
import { InvalidParameterValueError } from "../errors.ts";
import { SECONDS_PER_DAY, civilFromDays, daysInMonth, isLeapYear, rint } from "./datetime-core.ts";
import { DecodeFailure, isDigit, leadingInteger, parseFractionText, type Field } from "./datetime-tokens.ts";
import { lookupTimeZone, lookupZoneAbbreviation, type TimeZone } from "./datetime-zone.ts";

export const Mask = {
  year: 1 << 0,
  month: 1 << 1,
  day: 1 << 2,
  hour: 1 << 3,
  minute: 1 << 4,
  second: 1 << 5,
  zone: 1 << 6,
  meridian: 1 << 7,
  era: 1 << 8,
  weekday: 1 << 9,
  dayOfYear: 1 << 10,
  special: 1 << 11,
} as const;
const dateMask = Mask.year | Mask.month | Mask.day;
const timeMask = Mask.hour | Mask.minute | Mask.second;

export type SpecialValue = "epoch" | "infinity" | "-infinity" | "now" | "today" | "tomorrow" | "yesterday";

/** What DecodeDateTime yields: broken-down fields plus the zone information found. */
export interface DecodedDateTime {
  special: SpecialValue | undefined;
  fieldMask: number;
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  micros: number;
  /** An explicit numeric offset or abbreviation, seconds east. */
  offsetSeconds: number | undefined;
  /** An explicit zone name, resolved against the local time once the date is known. */
  namedZone: TimeZone | undefined;
}

const months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const monthLongNames = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];
const weekdays: ReadonlyMap<string, number> = new Map([
  ["sun", 0], ["sunday", 0], ["mon", 1], ["monday", 1], ["tue", 2], ["tues", 2], ["tuesday", 2], ["wed", 3],
  ["wednesday", 3], ["thu", 4], ["thur", 4], ["thurs", 4], ["thursday", 4], ["fri", 5], ["friday", 5], ["sat", 6], ["saturday", 6],
]);

function monthNumber(word: string): number | undefined {
  if (word === "sept") return 9;
  const index = word.length === 3 ? months.indexOf(word) : monthLongNames.indexOf(word);
  return index < 0 ? undefined : index + 1;
}

interface DecodeState extends DecodedDateTime {
  /** A day of the year (1..366) given with the year, or 0. */
  dayOfYear: number;
  isBc: boolean;
  is2digits: boolean;
  hasTextMonth: boolean;
  isJulian: boolean;
  meridian: "am" | "pm" | undefined;
  /** A unit label ("t" or "j") waiting for its number. */
  pending: "time" | "julian" | undefined;
}

function emptyState(): DecodeState {
  return {
    special: undefined, fieldMask: 0, year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0, micros: 0,
    offsetSeconds: undefined, namedZone: undefined, dayOfYear: 0, isBc: false, is2digits: false, hasTextMonth: false,
    isJulian: false, meridian: undefined, pending: undefined,
  };
}

/** Decodes the fields of a date or timestamp. Throws `DecodeFailure` (or 22023 for an unknown zone name). */
export function decodeDateTime(fields: readonly Field[]): DecodedDateTime {
  const state = emptyState();
  for (let index = 0; index < fields.length; index++) {
    const field = fields[index];
    assert(field !== undefined, "index within fields");
    const bits = decodeField(state, field, fields[index + 1]);
    if ((bits & state.fieldMask) !== 0) throw new DecodeFailure("badFormat");
    state.fieldMask |= bits;
  }
  if (state.pending !== undefined) throw new DecodeFailure("badFormat");
  validateDate(state);
  applyMeridian(state);
  if (state.special === undefined && (state.fieldMask & dateMask) !== dateMask) throw new DecodeFailure("badFormat");
  return state;
}

/** Decodes the fields of a time of day: the date part is optional and only validated. */
export function decodeTimeOnly(fields: readonly Field[]): DecodedDateTime {
  const state = emptyState();
  for (let index = 0; index < fields.length; index++) {
    const field = fields[index];
    assert(field !== undefined, "index within fields");
    let bits: number;
    if (field.kind === "number" && state.pending === undefined && (state.fieldMask & timeMask) === 0 && !field.text.includes(".")) {
      bits = decodeNumberField(state, field.text, state.fieldMask | dateMask);
    } else bits = decodeField(state, field, fields[index + 1]);
    if ((bits & state.fieldMask) !== 0) throw new DecodeFailure("badFormat");
    state.fieldMask |= bits;
  }
  if (state.pending !== undefined) throw new DecodeFailure("badFormat");
  validateDate(state);
  applyMeridian(state);
  if (state.special === "epoch" || state.special === "infinity" || state.special === "-infinity") throw new DecodeFailure("badFormat");
  if (state.special === undefined && (state.fieldMask & timeMask) === 0) throw new DecodeFailure("badFormat");
  const totalMicros = ((state.hour * 60 + state.minute) * 60 + state.second) * 1_000_000 + state.micros;
  if (state.hour > 24 || totalMicros > SECONDS_PER_DAY * 1_000_000) throw new DecodeFailure("fieldOverflow");
  return state;
}

function decodeField(state: DecodeState, field: Field, next: Field | undefined): number {
  switch (field.kind) {
    case "date":
      return decodeDateField(state, field.text);
    case "time": {
      if (state.pending !== undefined && state.pending !== "time") throw new DecodeFailure("badFormat");
      state.pending = undefined;
      decodeTime(state, field.text);
      if (timeOverflows(state)) throw new DecodeFailure("fieldOverflow");
      return timeMask;
    }
    case "tz":
      state.offsetSeconds = decodeTimezoneOffset(field.text);
      return Mask.zone;
    case "number":
      return decodeNumberToken(state, field.text);
    case "string":
    case "special":
      return decodeWord(state, field.text, next);
  }
  return assertNever(field.kind);
}

function timeOverflows(state: DecodeState): boolean {
  const { hour, minute, second, micros } = state;
  if (hour < 0 || minute < 0 || minute > 59 || second < 0 || second > 60 || hour > 24) return true;
  return ((hour * 60 + minute) * 60 + second) * 1_000_000 + micros > SECONDS_PER_DAY * 1_000_000;
}

function decodeDateField(state: DecodeState, text: string): number {
  const hasMonthAndDay = (state.fieldMask & (Mask.month | Mask.day)) === (Mask.month | Mask.day);
  if (state.pending === undefined && !hasMonthAndDay) return decodeDate(state, text);
  // With the date already known this is a zone name with punctuation, e.g. america/new_york.
  if (state.pending !== undefined || isDigit(text.charAt(0))) return decodeTimeWithZone(state, text);
  const zone = lookupTimeZone(text, false);
  if (zone === undefined) throw new InvalidParameterValueError(`time zone "${text}" not recognized`);
  state.namedZone = zone;
  return Mask.zone;
}

/** Splits a date field as DecodeDate does: runs of digits or letters, each ended by one character. */
function splitDateField(text: string): string[] {
  const parts: string[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && !/[a-z0-9]/.test(text.charAt(i))) i++;
    if (i >= text.length) throw new DecodeFailure("badFormat");
    const start = i;
    const isDigitRun = isDigit(text.charAt(i));
    while (i < text.length && (isDigitRun ? isDigit(text.charAt(i)) : /[a-z]/.test(text.charAt(i)))) i++;
    parts.push(text.slice(start, i));
    // The character after a run is dropped whatever it is, as DecodeDate overwrites it.
    i++;
    if (parts.length > 25) throw new DecodeFailure("badFormat");
  }
  return parts;
}

/** `hhmmss-zz` run together, after a complete date. */
function decodeTimeWithZone(state: DecodeState, text: string): number {
  if ((state.fieldMask & timeMask) === timeMask) throw new DecodeFailure("badFormat");
  const dash = text.indexOf("-");
  if (dash < 0) throw new DecodeFailure("badFormat");
  state.offsetSeconds = decodeTimezoneOffset(text.slice(dash));
  state.pending = undefined;
  return decodeNumberField(state, text.slice(0, dash), state.fieldMask) | Mask.zone;
}

/** A date with embedded delimiters: 2024-01-31, 01/31/2024, jan-31-2024, 2024.01.31. */
function decodeDate(state: DecodeState, text: string): number {
  const parts = splitDateField(text);
  // DecodeDate tracks a text month of its own field only; the caller's flag is restored after.
  const hasOuterTextMonth = state.hasTextMonth;
  state.hasTextMonth = false;
  let mask = 0;
  const numeric: string[] = [];
  for (const part of parts) {
    if (isDigit(part.charAt(0))) {
      numeric.push(part);
      continue;
    }
    const month = monthNumber(part);
    if (month === undefined || ((state.fieldMask | mask) & Mask.month) !== 0) throw new DecodeFailure("badFormat");
    state.month = month;
    state.hasTextMonth = true;
    mask |= Mask.month;
  }
  for (const part of numeric) {
    const bits = decodeNumber(state, part, state.fieldMask | mask);
    if ((bits & (state.fieldMask | mask)) !== 0) throw new DecodeFailure("badFormat");
    mask |= bits;
  }
  state.hasTextMonth = hasOuterTextMonth;
  if (((state.fieldMask | mask) & ~(Mask.dayOfYear | Mask.zone)) !== dateMask) throw new DecodeFailure("badFormat");
  return mask;
}

/** A bare number in a date/time (DecodeDateTime's DTK_NUMBER case). */
function decodeNumberToken(state: DecodeState, text: string): number {
  if (state.pending !== undefined) return decodeLabelledNumber(state, text);
  const point = text.indexOf(".");
  const hasDate = (state.fieldMask & dateMask) !== 0;
  if (point >= 0 && !hasDate) return decodeDate(state, text);
  if (point > 2) return decodeNumberField(state, text, state.fieldMask);
  if (text.length >= 6 && (!hasDate || (state.fieldMask & timeMask) === 0)) {
    return decodeNumberField(state, text, state.fieldMask);
  }
  return decodeNumber(state, text, state.fieldMask);
}

function decodeLabelledNumber(state: DecodeState, text: string): number {
  const pending = state.pending;
  state.pending = undefined;
  if (pending === "time") {
    const bits = decodeNumberField(state, text, state.fieldMask | dateMask);
    if (bits !== timeMask) throw new DecodeFailure("badFormat");
    return bits;
  }
  assert(pending === "julian", "the pending labels are t and j");
  if (!/^\d+$/.test(text)) throw new DecodeFailure("badFormat");
  const julianDay = Number(text);
  if (julianDay > 0x7fff_ffff) throw new DecodeFailure("fieldOverflow");
  const civil = civilFromDays(julianDay - 2_451_545);
  state.year = civil.year;
  state.month = civil.month;
  state.day = civil.day;
  state.isJulian = true;
  return dateMask;
}

/** DecodeNumber: one numeric field whose meaning depends on the fields seen so far (MDY order). */
function decodeNumber(state: DecodeState, text: string, fieldMask: number): number {
  const { value, end } = leadingInteger(text, 0);
  if (end === 0) throw new DecodeFailure("badFormat");
  if (value > 0x7fff_ffff) throw new DecodeFailure("fieldOverflow");
  const length = text.length;
  if (end < text.length) {
    if (text.charAt(end) !== ".") throw new DecodeFailure("badFormat");
    if (end > 2) return decodeNumberField(state, text, fieldMask);
    state.micros = rint(parseFractionText(text.slice(end)) * 1e6);
  }
  if (length === 3 && (fieldMask & dateMask) === Mask.year && value >= 1 && value <= 366) {
    // Year and day of year (2001.360): turned into a date once the year is final (validateDate).
    state.dayOfYear = value;
    return Mask.dayOfYear | Mask.month | Mask.day;
  }
  return assignDatePart(state, text, value, fieldMask & dateMask);
}

function assignDatePart(state: DecodeState, text: string, value: number, dateFields: number): number {
  const length = text.length;
  const setYear = (): number => {
    state.year = value;
    state.is2digits = length <= 2;
    return Mask.year;
  };
  const setDay = (): number => {
    state.day = value;
    return Mask.day;
  };
  switch (dateFields) {
    case 0:
      if (length >= 3) return setYear();
      state.month = value;
      return Mask.month;
    case Mask.year:
      state.month = value;
      return Mask.month;
    case Mask.month:
      return state.hasTextMonth && length >= 3 ? setYear() : setDay();
    case Mask.year | Mask.month:
      if (state.hasTextMonth && length >= 3 && state.is2digits) {
        state.day = state.year;
        state.year = value;
        state.is2digits = false;
        return Mask.day;
      }
      return setDay();
    case Mask.year | Mask.day:
      state.month = value;
      return Mask.month;
    case Mask.month | Mask.day:
      return setYear();
    case dateMask:
      // The whole field, fraction included: "34.5" has only two digits, so it is no hhmm time.
      return decodeNumberField(state, text, dateMask);
    default:
      throw new DecodeFailure("badFormat");
  }
}

/** Run-together digits: yyyymmdd / yymmdd, hhmmss / hhmm, optionally with .fraction. */
/**
 * C's `atoi` as glibc computes it, which PostgreSQL's DecodeNumberField reads a run of date digits
 * with: strtol's 64-bit long (saturating at 2^63 - 1), cut to a 32-bit int. So an overlong year
 * wraps as it does there ('3120242024020312' reads year 312024202402 as -1508410206, which then
 * fails as a field out of range, not as a timestamp out of range).
 */
function cAtoi(digits: string): number {
  // atoi reads a leading [sign]digits and ignores the rest; no digits read as 0.
  const leading = /^[+-]?\d+/u.exec(digits)?.[0];
  if (leading === undefined) return 0;
  const longMax = 2n ** 63n - 1n;
  const value = BigInt(leading);
  const saturated = value > longMax ? longMax : value < -longMax - 1n ? -longMax - 1n : value;
  return Number(BigInt.asIntN(32, saturated));
}

function decodeNumberField(state: DecodeState, text: string, fieldMask: number): number {
  let digits = text;
  const point = text.indexOf(".");
  if (point >= 0) {
    state.micros = rint(parseFractionText(text.slice(point)) * 1e6);
    digits = text.slice(0, point);
  } else if ((fieldMask & dateMask) !== dateMask && digits.length >= 6) {
    state.day = Number(digits.slice(-2));
    state.month = Number(digits.slice(-4, -2));
    state.year = cAtoi(digits.slice(0, -4));
    state.is2digits = digits.length === 6;
    return dateMask;
  }
  if (!/^\d*$/.test(digits)) throw new DecodeFailure("badFormat");
  if ((fieldMask & timeMask) !== timeMask) {
    if (digits.length === 6 || digits.length === 4) {
      state.hour = Number(digits.slice(0, 2));
      state.minute = Number(digits.slice(2, 4));
      state.second = digits.length === 6 ? Number(digits.slice(4, 6)) : 0;
      return timeMask;
    }
  }
  throw new DecodeFailure("badFormat");
}

/** hh:mm[:ss[.frac]], or mm:ss.frac when the second part has a fraction (DecodeTime). */
function decodeTime(state: DecodeState, text: string): void {
  const hour = leadingInteger(text, 0);
  if (text.charAt(hour.end) !== ":") throw new DecodeFailure("badFormat");
  const minute = leadingInteger(text, hour.end + 1);
  let second = 0;
  let micros = 0;
  let hours = hour.value;
  let minutes = minute.value;
  const rest = text.slice(minute.end);
  if (rest.startsWith(".")) {
    micros = rint(parseFractionText(rest) * 1e6);
    second = minutes;
    minutes = hours;
    hours = 0;
  } else if (rest.startsWith(":")) {
    const sec = leadingInteger(text, minute.end + 1);
    second = sec.value;
    const tail = text.slice(sec.end);
    if (tail.startsWith(".")) micros = rint(parseFractionText(tail) * 1e6);
    else if (tail !== "") throw new DecodeFailure("badFormat");
  } else if (rest !== "") throw new DecodeFailure("badFormat");
  if (hours > 0x7fff_ffff || minutes > 0x7fff_ffff || second > 0x7fff_ffff) throw new DecodeFailure("fieldOverflow");
  if (minutes > 59 || second > 60 || micros > 1_000_000) throw new DecodeFailure("fieldOverflow");
  state.hour = hours;
  state.minute = minutes;
  state.second = second;
  state.micros = micros;
}

/** `+05`, `-0800`, `+05:30`, `+05:30:15` -> seconds east (DecodeTimezone). */
export function decodeTimezoneOffset(text: string): number {
  const sign = text.charAt(0);
  if (sign !== "+" && sign !== "-") throw new DecodeFailure("badFormat");
  // Like strtol, no digits at all read as hour 0: a lone "-" (e.g. "2024-" as hhmm-zz) is UTC.
  const hourPart = leadingInteger(text, 1);
  let hours = hourPart.value;
  let minutes = 0;
  let seconds = 0;
  let end = hourPart.end;
  if (text.charAt(end) === ":") {
    const minutePart = leadingInteger(text, end + 1);
    minutes = minutePart.value;
    end = minutePart.end;
    if (text.charAt(end) === ":") {
      const secondPart = leadingInteger(text, end + 1);
      seconds = secondPart.value;
      end = secondPart.end;
    }
  } else if (end === text.length && text.length > 3) {
    minutes = hours % 100;
    hours = Math.floor(hours / 100);
  }
  if (hours < 0 || hours > 15 || minutes < 0 || minutes >= 60 || seconds < 0 || seconds >= 60) throw new DecodeFailure("tzOverflow");
  if (end !== text.length) throw new DecodeFailure("badFormat");
  const total = (hours * 60 + minutes) * 60 + seconds;
  return sign === "-" && total !== 0 ? -total : total;
}

const specials: ReadonlyMap<string, SpecialValue> = new Map([
  ["epoch", "epoch"], ["infinity", "infinity"], ["+infinity", "infinity"], ["-infinity", "-infinity"],
  ["now", "now"], ["today", "today"], ["tomorrow", "tomorrow"], ["yesterday", "yesterday"],
]);

/** A word: keyword, month, weekday, AM/PM, AD/BC, zone abbreviation or zone name. */
function decodeWord(state: DecodeState, word: string, next: Field | undefined): number {
  const abbreviation = lookupZoneAbbreviation(word);
  if (abbreviation !== undefined) {
    state.offsetSeconds = abbreviation.offsetSeconds;
    return Mask.zone;
  }
  const special = specials.get(word);
  if (special !== undefined) {
    state.special = special;
    return Mask.special;
  }
  if (word === "allballs") {
    state.hour = 0;
    state.minute = 0;
    state.second = 0;
    state.micros = 0;
    state.offsetSeconds = 0;
    return timeMask | Mask.zone;
  }
  const month = monthNumber(word);
  if (month !== undefined) return decodeMonthWord(state, month);
  if (weekdays.has(word)) return Mask.weekday;
  return decodeOtherWord(state, word, next);
}

function decodeMonthWord(state: DecodeState, month: number): number {
  let bits: number = Mask.month;
  if ((state.fieldMask & Mask.month) !== 0 && !state.hasTextMonth && (state.fieldMask & Mask.day) === 0 && state.month >= 1 && state.month <= 31) {
    state.day = state.month;
    bits = Mask.day;
  }
  state.hasTextMonth = true;
  state.month = month;
  return bits;
}

function decodeOtherWord(state: DecodeState, word: string, next: Field | undefined): number {
  switch (word) {
    case "am":
    case "pm":
      state.meridian = word;
      return Mask.meridian;
    case "ad":
    case "bc":
      state.isBc = word === "bc";
      return Mask.era;
    case "at":
    case "on":
      return 0;
    case "t":
      if ((state.fieldMask & dateMask) !== dateMask || next === undefined) throw new DecodeFailure("badFormat");
      if (next.kind !== "number" && next.kind !== "time" && next.kind !== "date") throw new DecodeFailure("badFormat");
      state.pending = "time";
      return 0;
    case "j":
    case "jd":
    case "julian":
      state.pending = "julian";
      return 0;
    default: {
      const zone = lookupTimeZone(word, false);
      if (zone === undefined) throw new DecodeFailure("badFormat");
      state.namedZone = zone;
      return Mask.zone;
    }
  }
}

/** ValidateDate: AD/BC and 2-digit years, then month and day ranges. */
function validateDate(state: DecodeState): void {
  if ((state.fieldMask & Mask.year) !== 0 && !state.isJulian) {
    if (state.isBc) {
      if (state.year <= 0) throw new DecodeFailure("fieldOverflow");
      state.year = -(state.year - 1);
    } else if (state.is2digits) {
      if (state.year < 70) state.year += 2000;
      else if (state.year < 100) state.year += 1900;
    } else if (state.year <= 0) throw new DecodeFailure("fieldOverflow");
  }
  if ((state.fieldMask & Mask.dayOfYear) !== 0) {
    // After the AD/BC adjustment, as PostgreSQL does: the day may roll into the next year
    // (2023.366 is 2024-01-01), and in a BC year the leap days are those of its astronomical year.
    const civil = pgJulianToDate(pgDateToJulian(state.year, 1, 1) + state.dayOfYear - 1);
    state.year = civil.year;
    state.month = civil.month;
    state.day = civil.day;
  }
  if ((state.fieldMask & Mask.month) !== 0 && (state.month < 1 || state.month > 12)) throw new DecodeFailure("fieldOverflow");
  if ((state.fieldMask & Mask.day) !== 0 && (state.day < 1 || state.day > 31)) throw new DecodeFailure("fieldOverflow");
  if ((state.fieldMask & dateMask) === dateMask && state.day > daysInMonth(state.year, state.month)) {
    throw new DecodeFailure("fieldOverflow");
  }
  assert(!((state.fieldMask & dateMask) === dateMask && state.month === 2 && state.day === 29 && !isLeapYear(state.year)), "Feb 29 only in leap years");
}

/**
 * PostgreSQL's date2j, in its 32-bit integer arithmetic: a year far outside the date range
 * wraps around as it does there (13120249.311 reads as 1361028-10-18 on PostgreSQL 15), so the
 * day-of-year form answers what PostgreSQL answers, out-of-range checks included.
 */
function pgDateToJulian(year: number, month: number, day: number): number {
  const y = month > 2 ? year + 4800 : year + 4799;
  const m = month > 2 ? month + 1 : month + 13;
  const century = Math.trunc(y / 100);
  let julian = (Math.imul(y, 365) - 32167) | 0;
  julian = (julian + Math.trunc(y / 4) - century + Math.trunc(century / 4)) | 0;
  return (julian + Math.trunc((7834 * m) / 256) + day) | 0;
}

/** PostgreSQL's j2date, with its unsigned 32-bit intermediates. */
function pgJulianToDate(julianDay: number): { readonly year: number; readonly month: number; readonly day: number } {
  let julian = (julianDay + 32044) >>> 0;
  let quad = Math.floor(julian / 146097);
  const extra = ((((julian - quad * 146097) >>> 0) * 4 + 3) >>> 0);
  julian = (julian + 60 + quad * 3 + Math.floor(extra / 146097)) >>> 0;
  quad = Math.floor(julian / 1461);
  julian = (julian - quad * 1461) >>> 0;
  let y = Math.floor((julian * 4) / 1461);
  julian = (y !== 0 ? (julian + 305) % 365 : (julian + 306) % 366) + 123;
  y = (y + quad * 4) | 0;
  const q = Math.floor((julian * 2141) / 65536);
  return { year: y - 4800, month: ((q + 10) % 12) + 1, day: julian - Math.floor((7834 * q) / 256) };
}

function applyMeridian(state: DecodeState): void {
  if (state.meridian === undefined) return;
  if (state.hour > 12) throw new DecodeFailure("fieldOverflow");
  if (state.meridian === "am" && state.hour === 12) state.hour = 0;
  else if (state.meridian === "pm" && state.hour !== 12) state.hour += 12;
}
