/**
 * The round-trip check the golden and corpus tests share: deparsing a parsed statement and
 * parsing it again gives the same tree, positions aside.
 */
import { deparse, parse, type Statement } from "@omnikv/parser";

/** A deep copy without `pos` fields, for comparing trees parsed from different texts. */
export function withoutPositions(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutPositions);
  if (typeof value !== "object" || value === null) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (key !== "pos") copy[key] = withoutPositions(field);
  }
  return copy;
}

/** JSON with object keys sorted, so trees built with fields in another order compare equal. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, field: unknown) => {
    if (typeof field !== "object" || field === null || Array.isArray(field)) return field;
    return Object.fromEntries(Object.entries(field).toSorted(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  });
}

export function assertRoundTrips(source: string, statements: readonly Statement[]): void {
  const text = deparse(statements);
  let reparsed: Statement[];
  try {
    reparsed = parse(text);
  } catch (error) {
    throw new Error(`deparse output does not parse\n  source:  ${source}\n  deparse: ${text}`, { cause: error });
  }
  const expected = canonicalJson(withoutPositions(statements));
  const actual = canonicalJson(withoutPositions(reparsed));
  if (expected !== actual) {
    throw new Error(`round trip changed the tree\n  source:  ${source}\n  deparse: ${text}\n  before: ${expected}\n  after:  ${actual}`);
  }
}
