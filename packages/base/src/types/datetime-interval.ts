/**
 * The interval type: input (PostgreSQL's traditional syntax, SQL `Y-M` and `D H:M:S`, ISO 8601
 * durations), output in IntervalStyle `postgres`, and the operators on intervals alone.
 *
 *   input   1 day 2 hours · 1-2 · -1 12:00 · P1Y2M3DT4H5M6S · P0001-02-03T04:05:06 · @ 1 hour ago
 *   output  1 year 2 mons 3 days 04:05:06.5 · -1 days +02:00:00 · 00:00:00
 *
 * Months, days and microseconds are independent fields (a day is not always 24 hours, a month not
 * always 30 days); only comparison and justify_* relate them, by 30-day months and 24-hour days.
 * Fractional units spill downward as PostgreSQL's AdjustFract* do: 1.5 months = 1 month 15 days.
 */
import { assert } from "../assert.ts";
import { DivisionByZeroError } from "../errors.ts";
import {
  INT32_MAX,
  INT32_MIN,
  INT64_MAX,
  INT64_MIN,
  MICROS_PER_DAY,
  MICROS_PER_HOUR,
  MICROS_PER_MINUTE,
  MICROS_PER_SECOND,
  fractionText,
  intervalOutOfRange,
  isInt32,
  isInt64,
  pad2,
  rint,
  type IntervalValue,
} from "./datetime-core.ts";
import { decodeText } from "./datetime-text.ts";
import { DecodeFailure, leadingInteger, parseFractionText, type Field } from "./datetime-tokens.ts";

/** interval_in's work buffer. */
const intervalBufferSizeMax = 256;

export const ZERO_INTERVAL: IntervalValue = { months: 0, days: 0, micros: 0n };

export function makeInterval(months: number, days: number, micros: bigint): IntervalValue {
  assert(isInt32(months) && isInt32(days), "interval months and days are int32");
  assert(isInt64(micros), "interval microseconds are int64");
  return { months, days, micros };
}

type Unit = "microsecond" | "millisecond" | "second" | "minute" | "hour" | "day" | "week" | "month" | "year" | "decade" | "century" | "millennium";

const unitWords: ReadonlyMap<string, Unit> = new Map(
  (
    [
      ["microsecond", "microsecon us usec usecs useconds usecond"],
      ["millisecond", "millisecon ms msec msecs mseconds msecond"],
      ["second", "s sec secs second seconds"],
      ["minute", "m min mins minute minutes"],
      ["hour", "h hr hrs hour hours"],
      ["day", "d day days"],
      ["week", "w week weeks"],
      ["month", "mon mons month months"],
      ["year", "y yr yrs year years"],
      ["decade", "dec decs decade decades"],
      ["century", "c cent century centuries"],
      ["millennium", "mil mils millennia millennium"],
    ] as const
  ).flatMap(([unit, words]) => words.split(" ").map((word) => [word, unit] as const)),
);

/** Accumulates fields while decoding (pg_itm_in): months and days as int32, time as int64. */
interface IntervalAccumulator {
  years: number;
  months: number;
  days: number;
  micros: bigint;
}

function overflow(): DecodeFailure {
  return new DecodeFailure("intervalOverflow");
}

function addMicros(acc: IntervalAccumulator, delta: bigint): void {
  acc.micros += delta;
  if (!isInt64(acc.micros)) throw overflow();
}

/** AdjustFractMicroseconds: the fractional part times the scale, rounded to whole µs away from .5. */
function addFractionMicros(acc: IntervalAccumulator, fraction: number, scale: number): void {
  if (fraction === 0) return;
  const scaled = fraction * scale;
  let micros = Math.trunc(scaled);
  const rest = scaled - micros;
  if (rest > 0.5) micros++;
  else if (rest < -0.5) micros--;
  addMicros(acc, BigInt(micros));
}

function addDays(acc: IntervalAccumulator, value: bigint, scale: number): void {
  if (value < BigInt(INT32_MIN) || value > BigInt(INT32_MAX)) throw overflow();
  const days = Number(value) * scale;
  if (!isInt32(days) || !isInt32(acc.days + days)) throw overflow();
  acc.days += days;
}

function addFractionDays(acc: IntervalAccumulator, fraction: number, scale: number): void {
  if (fraction === 0) return;
  const scaled = fraction * scale;
  const days = Math.trunc(scaled);
  if (!isInt32(acc.days + days)) throw overflow();
  acc.days += days;
  addFractionMicros(acc, scaled - days, 86_400_000_000);
}

function addMonths(acc: IntervalAccumulator, value: bigint): void {
  if (value < BigInt(INT32_MIN) || value > BigInt(INT32_MAX)) throw overflow();
  if (!isInt32(acc.months + Number(value))) throw overflow();
  acc.months += Number(value);
}

function addYears(acc: IntervalAccumulator, value: bigint, scale: number, fraction: number): void {
  if (value < BigInt(INT32_MIN) || value > BigInt(INT32_MAX)) throw overflow();
  const years = Number(value) * scale;
  if (!isInt32(years) || !isInt32(acc.years + years)) throw overflow();
  acc.years += years;
  const extraMonths = rint(fraction * scale * 12);
  if (!isInt32(acc.months + extraMonths)) throw overflow();
  acc.months += extraMonths;
}

/** Adds `value.fraction` of `unit` (DecodeInterval's unit switch). */
function addUnit(acc: IntervalAccumulator, unit: Unit, value: bigint, fraction: number): void {
  const timeScale = (scale: bigint): void => {
    addMicros(acc, value * scale);
    addFractionMicros(acc, fraction, Number(scale));
  };
  switch (unit) {
    case "microsecond":
      return timeScale(1n);
    case "millisecond":
      return timeScale(1000n);
    case "second":
      return timeScale(MICROS_PER_SECOND);
    case "minute":
      return timeScale(MICROS_PER_MINUTE);
    case "hour":
      return timeScale(MICROS_PER_HOUR);
    case "day":
      addDays(acc, value, 1);
      return addFractionMicros(acc, fraction, 86_400_000_000);
    case "week":
      addDays(acc, value, 7);
      return addFractionDays(acc, fraction, 7);
    case "month":
      addMonths(acc, value);
      return addFractionDays(acc, fraction, 30);
    case "year":
      return addYears(acc, value, 1, fraction);
    case "decade":
      return addYears(acc, value, 10, fraction);
    case "century":
      return addYears(acc, value, 100, fraction);
    case "millennium":
      return addYears(acc, value, 1000, fraction);
  }
}

function unitMask(unit: Unit, fraction: number): number {
  const bits: Record<Unit, number> = {
    microsecond: 1 << 0, millisecond: 1 << 1, second: 1 << 2, minute: 1 << 3, hour: 1 << 4, day: 1 << 5,
    week: 1 << 6, month: 1 << 7, year: 1 << 8, decade: 1 << 9, century: 1 << 10, millennium: 1 << 11,
  };
  // Fractional seconds count as milli- and microseconds too, so "1.5 seconds 3 ms" is rejected.
  if (unit === "second" && fraction !== 0) return bits.second | bits.millisecond | bits.microsecond;
  return bits[unit];
}

/** A time field counts as hours, minutes and all second units (DTK_TIME_M). */
const timeMaskBits = 0b11111;

export function parseInterval(text: string): IntervalValue {
  const trimmed = text.trim();
  if (trimmed.startsWith("P")) {
    return decodeText(text, "interval", intervalBufferSizeMax, () => decodeIso8601Interval(trimmed));
  }
  return decodeText(text, "interval", intervalBufferSizeMax, decodeInterval);
}

/**
 * DecodeInterval (PostgreSQL 15): walk the fields right to left so units are seen before their
 * numbers. A number without a unit takes the unit of the field to its right, or seconds; after
 * a time field it is days. `ago` (anywhere) negates everything, and a bare number right before it
 * is an error.
 */
function decodeInterval(fields: readonly Field[]): IntervalValue {
  const acc: IntervalAccumulator = { years: 0, months: 0, days: 0, micros: 0n };
  let unit: Unit | "none" | undefined;
  let isBefore = false;
  let fieldMask = 0;
  for (let index = fields.length - 1; index >= 0; index--) {
    const field = fields[index];
    assert(field !== undefined, "index within fields");
    let bits = 0;
    if (field.kind === "string" || field.kind === "special") {
      if (field.text === "ago") {
        isBefore = true;
        unit = "none";
        continue;
      }
      const word = unitWords.get(field.text.slice(0, 10));
      if (word === undefined) throw new DecodeFailure("badFormat");
      unit = word;
      continue;
    }
    if (field.kind === "time" || (field.kind === "tz" && isSignedTimeField(acc, field.text))) {
      if (field.kind === "time") decodeIntervalTime(acc, field.text);
      bits = timeMaskBits;
      unit = "day";
    } else {
      const decoded = decodeIntervalNumber(acc, field.text, unit ?? "second");
      bits = decoded.bits;
      unit = decoded.nextUnit;
    }
    if ((bits & fieldMask) !== 0) throw new DecodeFailure("badFormat");
    fieldMask |= bits;
  }
  if (fieldMask === 0) throw new DecodeFailure("badFormat");
  return finishInterval(acc, isBefore);
}

/** A signed `[+-]hh:mm[:ss]` field decodes as a time when it can; otherwise it is a number. */
function isSignedTimeField(acc: IntervalAccumulator, text: string): boolean {
  if (!text.slice(1).includes(":")) return false;
  const saved = acc.micros;
  try {
    decodeIntervalTime(acc, text);
    return true;
  } catch (error) {
    if (!(error instanceof DecodeFailure)) throw error;
    acc.micros = saved;
    return false;
  }
}

/** `hh:mm[:ss[.frac]]`, `mm:ss.frac`, optionally signed: sets (not adds) the time part. */
function decodeIntervalTime(acc: IntervalAccumulator, text: string): void {
  const isNegative = text.startsWith("-");
  const body = text.startsWith("-") || text.startsWith("+") ? text.slice(1) : text;
  const hour = leadingInteger(body, 0);
  if (body.charAt(hour.end) !== ":") throw new DecodeFailure("badFormat");
  const minute = leadingInteger(body, hour.end + 1);
  let hours = BigInt(body.slice(0, hour.end));
  let minutes = minute.value;
  let seconds = 0;
  let micros = 0;
  const rest = body.slice(minute.end);
  if (rest.startsWith(".")) {
    micros = rint(parseFractionText(rest) * 1e6);
    seconds = minutes;
    minutes = Number(hours);
    hours = 0n;
  } else if (rest.startsWith(":")) {
    const second = leadingInteger(body, minute.end + 1);
    seconds = second.value;
    const tail = body.slice(second.end);
    if (tail.startsWith(".")) micros = rint(parseFractionText(tail) * 1e6);
    else if (tail !== "") throw new DecodeFailure("badFormat");
  } else if (rest !== "") throw new DecodeFailure("badFormat");
  if (minutes > 59 || seconds > 60 || micros > 1_000_000) throw overflow();
  const total = hours * MICROS_PER_HOUR + BigInt(minutes) * MICROS_PER_MINUTE + BigInt(seconds) * MICROS_PER_SECOND + BigInt(micros);
  if (!isInt64(total)) throw overflow();
  acc.micros = isNegative ? -total : total;
}

/** A number field: an integer, a decimal, or SQL years-months `Y-M`. */
function decodeIntervalNumber(acc: IntervalAccumulator, text: string, unit: Unit | "none"): { bits: number; nextUnit: Unit | undefined } {
  const match = /^([+-]?\d+)(.*)$/.exec(text);
  if (match === null) {
    if (!/^[+-]?\.\d*$/.test(text)) throw new DecodeFailure("badFormat");
  }
  const integerText = match?.[1] ?? "0";
  const rest = match?.[2] ?? text.replace(/^[+-]/, "");
  const value = BigInt(integerText);
  if (!isInt64(value)) throw overflow();
  const isNegative = text.startsWith("-");
  if (rest.startsWith("-")) {
    if (!/^-\d+$/.test(rest)) throw new DecodeFailure("badFormat");
    const months = Number(rest.slice(1));
    if (months >= 12) throw overflow();
    const total = value * 12n + BigInt(isNegative ? -months : months);
    addUnit(acc, "month", total, 0);
    return { bits: unitMask("month", 0), nextUnit: "month" };
  }
  let fraction = 0;
  if (rest.startsWith(".")) fraction = parseFractionText(rest);
  else if (rest !== "") throw new DecodeFailure("badFormat");
  if (isNegative) fraction = -fraction;
  // After "ago" only a years-months field may stand without a unit.
  if (unit === "none") throw new DecodeFailure("badFormat");
  addUnit(acc, unit, value, fraction);
  return { bits: unitMask(unit, fraction), nextUnit: unit === "hour" ? "day" : unit };
}

function finishInterval(acc: IntervalAccumulator, isBefore: boolean): IntervalValue {
  let { days, micros } = acc;
  let months = acc.years * 12 + acc.months;
  if (isBefore) {
    if (micros === INT64_MIN || days === INT32_MIN || months === INT32_MIN) throw overflow();
    micros = -micros;
    days = -days || 0;
    months = -months || 0;
  }
  if (!isInt32(months)) throw new DecodeFailure("intervalOverflow");
  return { months, days, micros };
}

/** ParseISO8601Number: a decimal, truncated toward zero into integer and fraction. */
function iso8601Number(text: string, start: number): { value: bigint; fraction: number; end: number } {
  const match = /^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(text.slice(start));
  if (match === null) throw new DecodeFailure("badFormat");
  const number = Number(match[0]);
  if (Number.isNaN(number) || Math.abs(number) > 1e15) throw overflow();
  const integer = number >= 0 ? Math.floor(number) : -Math.floor(-number);
  return { value: BigInt(integer), fraction: number - integer, end: start + match[0].length };
}

function decodeIso8601Interval(text: string): IntervalValue {
  const acc: IntervalAccumulator = { years: 0, months: 0, days: 0, micros: 0n };
  if (text.length < 2 || !text.startsWith("P")) throw new DecodeFailure("badFormat");
  let isDatePart = true;
  let hasField = false;
  let i = 1;
  while (i < text.length) {
    if (text.charAt(i) === "T") {
      isDatePart = false;
      hasField = false;
      i++;
      continue;
    }
    const fieldStart = i;
    const number = iso8601Number(text, i);
    i = number.end;
    const designator = text.charAt(i);
    i++;
    if (designator === "" || designator === "-" || designator === ":" || (designator === "T" && isDatePart)) {
      if (hasField) throw new DecodeFailure("badFormat");
      i = isoAlternativeField(acc, text, fieldStart, isDatePart);
      hasField = true;
      if (text.charAt(i) === "T") isDatePart = false;
      continue;
    }
    isoDesignator(acc, designator, isDatePart, number.value, number.fraction);
    hasField = true;
  }
  return finishInterval(acc, false);
}

function isoDesignator(acc: IntervalAccumulator, designator: string, isDatePart: boolean, value: bigint, fraction: number): void {
  const units: Record<string, Unit> = isDatePart ? { Y: "year", M: "month", W: "week", D: "day" } : { H: "hour", M: "minute", S: "second" };
  const unit = units[designator];
  if (unit === undefined) throw new DecodeFailure("badFormat");
  addUnit(acc, unit, value, fraction);
}

/** The alternative format: `P0001-02-03T04:05:06` (or run-together `P00010203T040506`). */
function isoAlternativeField(acc: IntervalAccumulator, text: string, start: number, isDatePart: boolean): number {
  const rest = text.slice(start);
  if (isDatePart) {
    const match = /^(-?\d+(?:\.\d+)?)(?:-(-?\d+(?:\.\d+)?)(?:-(-?\d+(?:\.\d+)?))?)?/.exec(rest);
    if (match === null) throw new DecodeFailure("badFormat");
    const parts = [match[1], match[2], match[3]];
    (["year", "month", "day"] as const).forEach((unit, index) => {
      const part = parts[index];
      if (part !== undefined) addIsoPart(acc, unit, part);
    });
    return start + match[0].length;
  }
  const match = /^(-?\d+(?:\.\d+)?)(?::(-?\d+(?:\.\d+)?)(?::(-?\d+(?:\.\d+)?))?)?$/.exec(rest);
  if (match === null) throw new DecodeFailure("badFormat");
  const parts = [match[1], match[2], match[3]];
  (["hour", "minute", "second"] as const).forEach((unit, index) => {
    const part = parts[index];
    if (part !== undefined) addIsoPart(acc, unit, part);
  });
  return start + match[0].length;
}

function addIsoPart(acc: IntervalAccumulator, unit: Unit, part: string): void {
  const number = iso8601Number(part, 0);
  addUnit(acc, unit, number.value, number.fraction);
}

/** IntervalStyle `postgres`: `1 year 2 mons -3 days +04:05:06.5`. */
export function formatInterval(interval: IntervalValue): string {
  const years = Math.trunc(interval.months / 12);
  const months = interval.months % 12;
  const parts: string[] = [];
  let isBefore = false;
  const addPart = (value: number, unit: string): void => {
    if (value === 0) return;
    parts.push(`${isBefore && value > 0 ? "+" : ""}${value} ${unit}${value === 1 ? "" : "s"}`);
    isBefore = value < 0;
  };
  addPart(years, "year");
  addPart(months, "mon");
  addPart(interval.days, "day");
  const time = interval.micros;
  const hours = time / MICROS_PER_HOUR;
  const minutes = Number((time % MICROS_PER_HOUR) / MICROS_PER_MINUTE);
  const seconds = Number((time % MICROS_PER_MINUTE) / MICROS_PER_SECOND);
  const micros = Number(time % MICROS_PER_SECOND);
  if (parts.length === 0 || time !== 0n) {
    const sign = time < 0n ? "-" : isBefore ? "+" : "";
    const absHours = hours < 0n ? -hours : hours;
    const hourText = absHours < 10n ? `0${absHours}` : String(absHours);
    parts.push(`${sign}${hourText}:${pad2(Math.abs(minutes))}:${pad2(Math.abs(seconds))}${fractionText(Math.abs(micros))}`);
  }
  return parts.join(" ");
}

function checkedInterval(months: number, days: number, micros: bigint): IntervalValue {
  if (!isInt32(months) || !isInt32(days) || !isInt64(micros)) throw intervalOutOfRange();
  return { months, days, micros };
}

export function addIntervals(a: IntervalValue, b: IntervalValue): IntervalValue {
  return checkedInterval(a.months + b.months, a.days + b.days, a.micros + b.micros);
}

export function subtractIntervals(a: IntervalValue, b: IntervalValue): IntervalValue {
  return checkedInterval(a.months - b.months, a.days - b.days, a.micros - b.micros);
}

export function negateInterval(a: IntervalValue): IntervalValue {
  return checkedInterval(-a.months || 0, -a.days || 0, -a.micros);
}

/** interval * float8 (interval_mul): fractional months spill into days, fractional days into time. */
export function multiplyInterval(span: IntervalValue, factor: number): IntervalValue {
  return scaleInterval(span, (x) => x * factor, true);
}

/** interval / float8 (interval_div), with the same downward spill. */
export function divideInterval(span: IntervalValue, divisor: number): IntervalValue {
  if (divisor === 0) throw new DivisionByZeroError("division by zero");
  return scaleInterval(span, (x) => x / divisor, false);
}

/** TSROUND: round to whole microseconds' worth of decimal places. */
function roundToMicros(x: number): number {
  return rint(x * 1e6) / 1e6;
}

function fitsInt32(x: number): boolean {
  return !Number.isNaN(x) && x >= INT32_MIN && x < -INT32_MIN;
}

function scaleInterval(span: IntervalValue, scale: (x: number) => number, isChecked: boolean): IntervalValue {
  const monthsProduct = scale(span.months);
  const daysProduct = scale(span.days);
  if (isChecked && (!fitsInt32(monthsProduct) || !fitsInt32(daysProduct))) throw intervalOutOfRange();
  const months = Math.trunc(monthsProduct) | 0;
  let days = Math.trunc(daysProduct) | 0;
  const monthRemainderDays = roundToMicros((monthsProduct - months) * 30);
  let secRemainder = roundToMicros((daysProduct - days + monthRemainderDays - Math.trunc(monthRemainderDays)) * 86_400);
  if (Math.abs(secRemainder) >= 86_400) {
    const wholeDays = Math.trunc(secRemainder / 86_400);
    days += wholeDays;
    secRemainder -= wholeDays * 86_400;
  }
  days += Math.trunc(monthRemainderDays);
  const time = rint(scale(Number(span.micros)) + secRemainder * 1e6);
  if (Number.isNaN(time) || time < -9.223372036854776e18 || time >= 9.223372036854776e18) throw intervalOutOfRange();
  return checkedInterval(months || 0, days || 0, BigInt(time));
}

/** The comparison key: 30-day months and 24-hour days, as a 128-bit-safe bigint. */
function intervalKey(a: IntervalValue): bigint {
  return a.micros + (BigInt(a.months) * 30n + BigInt(a.days)) * MICROS_PER_DAY;
}

export function compareIntervals(a: IntervalValue, b: IntervalValue): -1 | 0 | 1 {
  const ka = intervalKey(a);
  const kb = intervalKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** justify_hours: whole 24-hour periods of the time move into days. */
export function justifyHours(span: IntervalValue): IntervalValue {
  let days = span.days + Number(span.micros / MICROS_PER_DAY);
  let micros = span.micros % MICROS_PER_DAY;
  if (days > 0 && micros < 0n) {
    micros += MICROS_PER_DAY;
    days--;
  } else if (days < 0 && micros > 0n) {
    micros -= MICROS_PER_DAY;
    days++;
  }
  return checkedInterval(span.months, days, micros);
}

/** justify_days: whole 30-day periods move into months. */
export function justifyDays(span: IntervalValue): IntervalValue {
  let months = span.months + Math.trunc(span.days / 30);
  let days = span.days % 30;
  if (months > 0 && days < 0) {
    days += 30;
    months--;
  } else if (months < 0 && days > 0) {
    days -= 30;
    months++;
  }
  return checkedInterval(months, days || 0, span.micros);
}

/** justify_interval: both, with the signs of all fields made consistent. */
export function justifyInterval(span: IntervalValue): IntervalValue {
  let months = span.months;
  let days = span.days + Number(span.micros / MICROS_PER_DAY);
  let micros = span.micros % MICROS_PER_DAY;
  months += Math.trunc(days / 30);
  days %= 30;
  if (months > 0 && (days < 0 || (days === 0 && micros < 0n))) {
    days += 30;
    months--;
  } else if (months < 0 && (days > 0 || (days === 0 && micros > 0n))) {
    days -= 30;
    months++;
  }
  if (days > 0 && micros < 0n) {
    micros += MICROS_PER_DAY;
    days--;
  } else if (days < 0 && micros > 0n) {
    micros -= MICROS_PER_DAY;
    days++;
  }
  return checkedInterval(months, days || 0, micros);
}

export { INT64_MAX as INTERVAL_MICROS_MAX };
