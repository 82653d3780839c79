/**
 * Narrowing helpers for JSON read from disk or from a child process. Parsed JSON is `unknown`
 * until one of these guards has looked at it, so no `any` ever reaches the checks.
 */

export type JsonRecord = Readonly<Record<string, unknown>>;

/** Parses JSON text into `unknown`; the caller narrows it. */
export function parseJson(text: string, where: string): unknown {
  try {
    const value: unknown = JSON.parse(text);
    return value;
  } catch (error) {
    throw new Error(`invalid JSON in ${where}`, { cause: error });
  }
}

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The string at `key`, or `undefined` when it is absent or not a string. */
export function stringField(record: JsonRecord, key: string): string | undefined {
  const value = record[key];
  return typeof value === "string" ? value : undefined;
}

/** The keys of the object at `key` (a `dependencies`-style map); absent means none. */
export function objectKeys(record: JsonRecord, key: string, where: string): readonly string[] {
  const value = record[key];
  if (value === undefined) return [];
  if (!isRecord(value)) throw new Error(`"${key}" in ${where} is not an object`);
  return Object.keys(value).sort();
}

/** The array at `key`, or an error naming `where` when it is absent or not an array. */
export function arrayField(record: JsonRecord, key: string, where: string): readonly unknown[] {
  const value = record[key];
  if (!Array.isArray(value)) throw new Error(`"${key}" in ${where} is not an array`);
  const items: readonly unknown[] = value;
  return items;
}
