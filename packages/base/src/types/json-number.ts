/**
 * jsonb numbers as exact decimals: PostgreSQL stores each JSON number as `numeric`, so a number's
 * canonical form is `numeric_out(numeric_in(token))`. Until `numeric.ts` lands this module keeps
 * numbers as that canonical decimal text and compares them digit by digit.
 *
 * Canonical text: `-?(0|[1-9][0-9]*)(\.[0-9]+)?`, no exponent, no `-` on zero, exactly `dscale`
 * fraction digits where dscale = max(0, fraction digits - exponent) (`1.50e1` is `15.0`).
 * Limits as numeric's storage format: at most 131072 integer digits, dscale at most 16383, and
 * |exponent| below 2^30 - 1; beyond them 22003 `value overflows numeric format`.
 */
import { assert } from "../assert.ts";
import { InvalidTextRepresentationError, NumericValueOutOfRangeError } from "../errors.ts";

/** numeric's storage limits: weight in base-10000 digits (int16) and dscale (14 bits). */
const integerDigitsMax = 131_072;
const displayScaleMax = 16_383;
/** numeric_in rejects |exponent| >= INT_MAX / 2 before computing anything. */
const exponentMagnitudeMax = 1_073_741_823;

const jsonNumberPattern = /^(-?)(0|[1-9][0-9]*)(?:\.([0-9]+))?(?:[eE]([+-]?)([0-9]+))?$/;
const canonicalPattern = /^(-?)(0|[1-9][0-9]*)(?:\.([0-9]+))?$/;

/** Whether `text` is a JSON number token (PostgreSQL's `IsValidJsonNumber`). */
export function isJsonNumber(text: string): boolean {
  return jsonNumberPattern.test(text);
}

function overflow(): NumericValueOutOfRangeError {
  return new NumericValueOutOfRangeError("value overflows numeric format");
}

function parseExponent(signText: string, digitsText: string): number {
  const digits = digitsText.replace(/^0+/, "");
  if (digits.length > 10) throw overflow();
  const magnitude = digits === "" ? 0 : Number(digits);
  if (magnitude >= exponentMagnitudeMax) throw overflow();
  return signText === "-" ? -magnitude : magnitude;
}

/** `numeric_out(numeric_in(token))` for a JSON number token; throws 22003 beyond numeric's range. */
export function canonicalNumberText(token: string): string {
  const match = jsonNumberPattern.exec(token);
  if (match === null) {
    throw new InvalidTextRepresentationError(`invalid input syntax for type numeric: "${token}"`);
  }
  const isNegative = match[1] === "-";
  const integerDigits = match[2] ?? "0";
  const fractionDigits = match[3] ?? "";
  const exponent = parseExponent(match[4] ?? "", match[5] ?? "0");
  const digits = integerDigits + fractionDigits;
  const displayScale = Math.max(0, fractionDigits.length - exponent);
  if (displayScale > displayScaleMax) throw overflow();
  const firstNonZero = digits.search(/[1-9]/);
  if (firstNonZero < 0) return displayScale === 0 ? "0" : `0.${"0".repeat(displayScale)}`;
  const pointIndex = integerDigits.length + exponent;
  if (pointIndex - firstNonZero > integerDigitsMax) throw overflow();
  let integerPart: string;
  let fractionPart: string;
  if (pointIndex <= 0) {
    integerPart = "0";
    fractionPart = "0".repeat(-pointIndex) + digits;
  } else if (pointIndex >= digits.length) {
    integerPart = digits + "0".repeat(pointIndex - digits.length);
    fractionPart = "";
  } else {
    integerPart = digits.slice(0, pointIndex);
    fractionPart = digits.slice(pointIndex);
  }
  assert(fractionPart.length === displayScale, "the fraction has exactly dscale digits");
  integerPart = integerPart.replace(/^0+(?=.)/, "");
  const text = (isNegative ? "-" : "") + integerPart + (fractionPart === "" ? "" : `.${fractionPart}`);
  assert(canonicalPattern.test(text), "canonical numeric text");
  return text;
}

interface DecimalParts {
  readonly sign: -1 | 0 | 1;
  readonly integerDigits: string;
  readonly fractionDigits: string;
}

function decimalParts(canonical: string): DecimalParts {
  const match = canonicalPattern.exec(canonical);
  assert(match !== null, "compared numbers are canonical");
  const integerDigits = match[2] ?? "0";
  const fractionDigits = (match[3] ?? "").replace(/0+$/, "");
  const isZero = integerDigits === "0" && fractionDigits === "";
  const sign = isZero ? 0 : match[1] === "-" ? -1 : 1;
  return { sign, integerDigits, fractionDigits };
}

function compareMagnitude(a: DecimalParts, b: DecimalParts): -1 | 0 | 1 {
  if (a.integerDigits.length !== b.integerDigits.length) {
    return a.integerDigits.length < b.integerDigits.length ? -1 : 1;
  }
  if (a.integerDigits !== b.integerDigits) return a.integerDigits < b.integerDigits ? -1 : 1;
  const width = Math.max(a.fractionDigits.length, b.fractionDigits.length);
  const fractionA = a.fractionDigits.padEnd(width, "0");
  const fractionB = b.fractionDigits.padEnd(width, "0");
  if (fractionA === fractionB) return 0;
  return fractionA < fractionB ? -1 : 1;
}

/** Numeric order of two canonical number texts (`1.0` equals `1`). */
export function compareNumberText(a: string, b: string): -1 | 0 | 1 {
  const partsA = decimalParts(a);
  const partsB = decimalParts(b);
  if (partsA.sign !== partsB.sign) return partsA.sign < partsB.sign ? -1 : 1;
  const magnitude = compareMagnitude(partsA, partsB);
  if (partsA.sign >= 0 || magnitude === 0) return magnitude;
  return magnitude === 1 ? -1 : 1;
}

/** A text equal for numerically equal numbers: trailing fraction zeros dropped. */
export function numberKey(canonical: string): string {
  const parts = decimalParts(canonical);
  if (parts.sign === 0) return "0";
  const fraction = parts.fractionDigits === "" ? "" : `.${parts.fractionDigits}`;
  return (parts.sign < 0 ? "-" : "") + parts.integerDigits + fraction;
}
