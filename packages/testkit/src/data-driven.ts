/**
 * Datadriven golden files, after Pebble's `datadriven` package. A file is a list of cases:
 *
 *   # Comments and blank lines between cases are kept verbatim on rewrite.
 *   command arg1 key=value
 *   input lines (optional)
 *   ----
 *   expected output
 *
 * The expected output ends at the first blank line. Output that itself holds blank lines is fenced
 * by a doubled separator:
 *
 *   command
 *   ----
 *   ----
 *   output with
 *
 *   a blank line
 *   ----
 *   ----
 *
 * `runDataDriven(path, handler)` calls the handler for every case and compares its output with the
 * expected text. With `REWRITE=1` in the environment it writes the actual outputs back into the
 * file instead, so a reviewer reads the diff like code. A mismatch names the file and line.
 */
import { readFileSync, writeFileSync } from "node:fs";

export interface DataDrivenArg {
  readonly key: string;
  /** `key=a,b` gives `["a", "b"]`; a bare `key` gives `[]`. */
  readonly values: readonly string[];
}

export interface DataDrivenCase {
  readonly path: string;
  /** 1-based line of the command. */
  readonly line: number;
  readonly command: string;
  readonly args: readonly DataDrivenArg[];
  readonly input: string;
  readonly expected: string;
}

export type DataDrivenHandler = (testCase: DataDrivenCase) => string;
export type AsyncDataDrivenHandler = (testCase: DataDrivenCase) => string | Promise<string>;

/** A case's output did not match its golden text. */
export class DataDrivenMismatchError extends Error {
  override readonly name = "DataDrivenMismatchError";
}

const separator = "----";

interface ParsedFile {
  readonly cases: readonly DataDrivenCase[];
  /** For each case, the [start, end) line range of its expected block including separators. */
  readonly outputRanges: readonly (readonly [number, number])[];
  readonly lines: readonly string[];
}

export function parseDataDriven(path: string, text: string): ParsedFile {
  const lines = text.split("\n");
  const cases: DataDrivenCase[] = [];
  const outputRanges: (readonly [number, number])[] = [];
  let index = 0;
  while (index < lines.length) {
    const line = lines[index] ?? "";
    if (line.trim() === "" || line.startsWith("#")) {
      index += 1;
      continue;
    }
    const parsed = parseCase(path, lines, index);
    cases.push(parsed.testCase);
    outputRanges.push([parsed.outputStart, parsed.next]);
    index = parsed.next;
  }
  return { cases, outputRanges, lines };
}

function parseCase(
  path: string,
  lines: readonly string[],
  start: number,
): { testCase: DataDrivenCase; outputStart: number; next: number } {
  const header = (lines[start] ?? "").trim().split(/\s+/);
  const command = header[0] ?? "";
  const args = header.slice(1).map(parseArg);
  let index = start + 1;
  const input: string[] = [];
  while (index < lines.length && lines[index] !== separator) {
    input.push(lines[index] ?? "");
    index += 1;
  }
  if (index >= lines.length) {
    throw new DataDrivenMismatchError(`${path}:${start + 1}: command "${command}" has no ${separator} line`);
  }
  const outputStart = index;
  index += 1;
  const fenced = lines[index] === separator;
  const expected: string[] = [];
  if (fenced) {
    index += 1;
    while (index < lines.length && !(lines[index] === separator && lines[index + 1] === separator)) {
      expected.push(lines[index] ?? "");
      index += 1;
    }
    index += 2;
  } else {
    while (index < lines.length && (lines[index] ?? "").trim() !== "") {
      expected.push(lines[index] ?? "");
      index += 1;
    }
  }
  const testCase = { path, line: start + 1, command, args, input: input.join("\n"), expected: expected.join("\n") };
  return { testCase, outputStart, next: index };
}

function parseArg(token: string): DataDrivenArg {
  const eq = token.indexOf("=");
  if (eq < 0) return { key: token, values: [] };
  return { key: token.slice(0, eq), values: token.slice(eq + 1).split(",") };
}

/** Runs every case of the file; throws on the first mismatch unless `REWRITE=1`. */
export function runDataDriven(path: string, handler: DataDrivenHandler): void {
  const parsed = parseDataDriven(path, readFileSync(path, "utf8"));
  checkOutputs(path, parsed, parsed.cases.map((testCase) => normalizeOutput(handler(testCase))));
}

/** `runDataDriven` for handlers that do I/O: cases run one after another, in file order. */
export async function runDataDrivenAsync(path: string, handler: AsyncDataDrivenHandler): Promise<void> {
  const parsed = parseDataDriven(path, readFileSync(path, "utf8"));
  const actuals: string[] = [];
  for (const testCase of parsed.cases) actuals.push(normalizeOutput(await handler(testCase)));
  checkOutputs(path, parsed, actuals);
}

function checkOutputs(path: string, parsed: ParsedFile, actuals: readonly string[]): void {
  const isRewrite = process.env["REWRITE"] === "1";
  if (isRewrite) {
    writeFileSync(path, renderRewritten(parsed, actuals));
    return;
  }
  parsed.cases.forEach((testCase, i) => {
    const actual = actuals[i] ?? "";
    if (actual !== testCase.expected) {
      throw new DataDrivenMismatchError(
        `${testCase.path}:${testCase.line}: ${testCase.command}\n` +
          `expected:\n${testCase.expected}\n` +
          `actual:\n${actual}\n(run with REWRITE=1 to accept the actual output)`,
      );
    }
  });
}

/** Trailing whitespace never matters; a trailing newline from a handler is not part of the output. */
function normalizeOutput(output: string): string {
  return output
    .split("\n")
    .map((line) => line.trimEnd())
    .join("\n")
    .replace(/\n+$/, "");
}

function renderRewritten(parsed: ParsedFile, actuals: readonly string[]): string {
  const out: string[] = [];
  let cursor = 0;
  parsed.outputRanges.forEach(([start, end], i) => {
    out.push(...parsed.lines.slice(cursor, start));
    const actual = actuals[i] ?? "";
    const needsFence = actual.split("\n").some((line) => line.trim() === "");
    if (needsFence && actual !== "") {
      out.push(separator, separator, actual, separator, separator);
    } else {
      out.push(separator, ...(actual === "" ? [] : [actual]));
    }
    cursor = end;
  });
  out.push(...parsed.lines.slice(cursor));
  return out.join("\n");
}

/** Reads `key=value` from a case's args as a number, or `fallback` when absent. */
export function numberArg(testCase: DataDrivenCase, key: string, fallback?: number): number {
  const arg = testCase.args.find((a) => a.key === key);
  const raw = arg?.values[0];
  if (raw === undefined) {
    if (fallback !== undefined) return fallback;
    throw new DataDrivenMismatchError(`${testCase.path}:${testCase.line}: missing argument ${key}=<number>`);
  }
  const value = Number(raw);
  if (!Number.isFinite(value)) {
    throw new DataDrivenMismatchError(`${testCase.path}:${testCase.line}: ${key}=${raw} is not a number`);
  }
  return value;
}

/** Reads `key=value` from a case's args as a string, or `fallback` when absent. */
export function stringArg(testCase: DataDrivenCase, key: string, fallback?: string): string {
  const raw = testCase.args.find((a) => a.key === key)?.values.join(",");
  if (raw !== undefined) return raw;
  if (fallback !== undefined) return fallback;
  throw new DataDrivenMismatchError(`${testCase.path}:${testCase.line}: missing argument ${key}=<value>`);
}

/** The error every handler throws for a command it does not know: an unknown command fails the test. */
export function unknownCommand(testCase: DataDrivenCase): never {
  throw new DataDrivenMismatchError(`${testCase.path}:${testCase.line}: unknown command "${testCase.command}"`);
}
