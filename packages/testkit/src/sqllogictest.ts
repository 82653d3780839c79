/**
 * A sqllogictest runner (the format of SQLite's corpus, as its C driver reads it) over any SQL
 * engine: `statement ok|error`, `query <types> <sort> [label]` with `nosort`, `rowsort` and
 * `valuesort`, `N values hashing to <md5>` above `hash-threshold` (default 8), `skipif`/`onlyif`
 * with the engine name `postgresql`, and `halt`. Two extensions, as sqllogictest-rs has them:
 * `statement error <SQLSTATE>` checks the error's SQLSTATE, and a `connection <name>` line runs
 * the next record on that named connection (the default connection is `default`).
 *
 * Values print as the C driver prints them: `I` integers (booleans as 1/0), `R` with three
 * decimals, `T` text with `(empty)` for '' and `@` for control characters, `NULL` for NULL.
 */
import { createHash } from "node:crypto";

/** PostgreSQL's OIDs of the two types the C driver prints specially (testkit does not import base). */
const boolOid = 16;
const numericOid = 1700;

export interface SltRecord {
  readonly line: number;
  readonly kind: "statement" | "query";
  readonly sql: string;
  readonly expectError: boolean;
  /** `statement error 23505`: the SQLSTATE the error must carry. */
  readonly errorState?: string;
  readonly types: string;
  readonly sort: "nosort" | "rowsort" | "valuesort";
  readonly expected: readonly string[];
  readonly connection: string;
}

/** The records PostgreSQL runs, up to a `halt` that applies to it. */
export function parseSlt(text: string): SltRecord[] {
  const lines = text.split("\n");
  const records: SltRecord[] = [];
  let isSkipped = false;
  let connection = "default";
  for (let index = 0; index < lines.length; ) {
    const line = (lines[index] ?? "").trim();
    const start = index + 1;
    index += 1;
    if (line.startsWith("onlyif ")) isSkipped ||= line.split(/\s+/)[1] !== "postgresql";
    else if (line.startsWith("skipif ")) isSkipped ||= line.split(/\s+/)[1] === "postgresql";
    else if (line.startsWith("connection ")) connection = line.split(/\s+/)[1] ?? "default";
    else if (line === "halt") {
      if (!isSkipped) break;
      isSkipped = false;
    } else if (line.startsWith("statement ") || line.startsWith("query ")) {
      const sql: string[] = [];
      while (index < lines.length && (lines[index] ?? "").trim() !== "" && lines[index] !== "----") sql.push(lines[index++] ?? "");
      const expected: string[] = [];
      if (lines[index] === "----") {
        index += 1;
        while (index < lines.length && (lines[index] ?? "").trim() !== "") expected.push((lines[index++] ?? "").trim());
      }
      const [kind, arg, sort] = line.split(/\s+/);
      if (!isSkipped) {
        const isError = kind === "statement" && arg === "error";
        records.push({
          line: start,
          kind: kind === "query" ? "query" : "statement",
          sql: sql.join("\n"),
          expectError: isError,
          ...(isError && sort !== undefined ? { errorState: sort } : {}),
          types: kind === "query" ? (arg ?? "") : "",
          sort: kind === "query" && (sort === "rowsort" || sort === "valuesort") ? sort : "nosort",
          expected,
          connection,
        });
      }
      isSkipped = false;
      connection = "default";
    } else if (line === "") {
      isSkipped = false;
    }
  }
  return records;
}

/**
 * A query's result as the engine under test returns it: each column's type OID and the rows'
 * values in PostgreSQL's text form (null for NULL).
 */
export interface SltResult {
  readonly oids: readonly number[];
  readonly rows: readonly (readonly (string | null)[])[];
}

export interface SltDriver {
  statement(sql: string, connection: string): void | Promise<void>;
  query(sql: string, connection: string): SltResult | Promise<SltResult>;
}

export interface SltRun {
  readonly failures: string[];
  readonly queries: number;
}

/** Runs every record; returns one message per failure (the file's line and what differed). */
export async function runSlt(records: readonly SltRecord[], driver: SltDriver, failuresMax = 20): Promise<SltRun> {
  const failures: string[] = [];
  let queries = 0;
  for (const record of records) {
    if (failures.length >= failuresMax) break;
    const failure = record.kind === "statement" ? await runStatement(driver, record) : await runQuery(driver, record);
    if (record.kind === "query") queries += 1;
    if (failure !== undefined) failures.push(`line ${record.line}: ${record.sql}\n  ${failure}`);
  }
  return { failures, queries };
}

function errorOf(error: unknown): { readonly message: string; readonly sqlState: string | undefined } {
  const message = error instanceof Error ? error.message : String(error);
  const sqlState = typeof error === "object" && error !== null && "sqlState" in error && typeof error.sqlState === "string" ? error.sqlState : undefined;
  return { message, sqlState };
}

async function runStatement(driver: SltDriver, record: SltRecord): Promise<string | undefined> {
  try {
    await driver.statement(record.sql, record.connection);
    return record.expectError ? "expected an error, got none" : undefined;
  } catch (error) {
    const { message, sqlState } = errorOf(error);
    if (!record.expectError) return `failed: ${message}`;
    if (record.errorState !== undefined && record.errorState !== sqlState) return `expected SQLSTATE ${record.errorState}, got ${sqlState ?? "none"}: ${message}`;
    return undefined;
  }
}

async function runQuery(driver: SltDriver, record: SltRecord): Promise<string | undefined> {
  let values: string[];
  try {
    const result = await driver.query(record.sql, record.connection);
    const rows = result.rows.map((row) => row.map((text, i) => formatSltValue(text, result.oids[i] ?? 0, record.types[i] ?? "T")));
    if (record.sort === "rowsort") rows.sort((a, b) => compareRows(a, b));
    values = rows.flat();
    if (record.sort === "valuesort") values.sort();
  } catch (error) {
    return `failed: ${errorOf(error).message}`;
  }
  const hashed = /^(\d+) values hashing to ([0-9a-f]{32})$/.exec(record.expected[0] ?? "");
  if (hashed !== null) {
    const actual = `${values.length} values hashing to ${md5Lines(values)}`;
    return actual === record.expected[0] ? undefined : `expected ${record.expected[0] ?? ""}, got ${actual}: ${values.slice(0, 12).join(" ")}`;
  }
  const isSame = values.length === record.expected.length && values.every((v, i) => v === record.expected[i]);
  return isSame ? undefined : `expected ${record.expected.join(" ")}, got ${values.join(" ")}`;
}

/** A value as the C driver prints it, from its PostgreSQL text form. */
export function formatSltValue(text: string | null, oid: number, type: string): string {
  if (text === null) return "NULL";
  if (type === "I" && oid === boolOid) return text === "t" || text === "true" ? "1" : "0";
  if (type === "R") return Number.parseFloat(text).toFixed(3);
  if (type === "I" && oid === numericOid && text.includes(".")) return text.replace(/\..*$/, "");
  if (text === "") return "(empty)";
  let printed = "";
  for (let i = 0; i < text.length; i++) printed += text.charCodeAt(i) < 0x20 ? "@" : text.charAt(i);
  return printed;
}

function md5Lines(values: readonly string[]): string {
  const hash = createHash("md5");
  for (const value of values) hash.update(`${value}\n`);
  return hash.digest("hex");
}

function compareRows(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? "";
    const y = b[i] ?? "";
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}
