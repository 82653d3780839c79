/**
 * COPY's text and CSV formats, as PostgreSQL reads and writes them. Text: fields separated by a
 * delimiter (tab), `\N` for NULL, backslash escapes (`\t`, `\n`, `\r`, `\\`, `\b`, `\f`, `\v`,
 * octal `\123`, hex `\x41`); a line `\.` ends the data. CSV: fields separated by a comma, quoted
 * with `"` when they contain the delimiter, a quote, CR or LF; an unquoted empty field is NULL.
 */
import { FeatureNotSupportedError, InvalidTextRepresentationError } from "@omnikv/base";
import type { GenericOption } from "@omnikv/parser";

export interface CopyFormat {
  readonly isCsv: boolean;
  readonly delimiter: string;
  readonly null: string;
  readonly hasHeader: boolean;
  readonly quote: string;
}

export function copyFormatOf(options: readonly GenericOption[]): CopyFormat {
  const value = (name: string): string | undefined => {
    const option = options.find((o) => o.name === name);
    const raw = option?.value;
    return typeof raw === "string" ? raw : undefined;
  };
  const format = (value("format") ?? "text").toLowerCase();
  if (format !== "text" && format !== "csv") throw new FeatureNotSupportedError(`COPY format "${format}" is not supported`);
  const isCsv = format === "csv";
  const header = options.find((o) => o.name === "header");
  const hasHeader = header !== undefined && (header.value === undefined || ["true", "on", "1", "match"].includes(String(header.value).toLowerCase()));
  return { isCsv, delimiter: value("delimiter") ?? (isCsv ? "," : "\t"), null: value("null") ?? (isCsv ? "" : "\\N"), hasHeader, quote: value("quote") ?? '"' };
}

/** Splits a stream of bytes into complete lines (CSV lines may hold newlines inside quotes). */
export class CopyLineReader {
  readonly #format: CopyFormat;
  readonly #decoder = new TextDecoder("utf-8", { fatal: true });
  #buffer = "";
  #isDone = false;

  constructor(format: CopyFormat) {
    this.#format = format;
  }

  /** The complete lines in `chunk` (and what was buffered before it). */
  push(chunk: Uint8Array): string[] {
    this.#buffer += this.#decoder.decode(chunk, { stream: true });
    return this.#takeLines(false);
  }

  /** At the end of the data: the last line, if it had no newline. */
  end(): string[] {
    this.#buffer += this.#decoder.decode();
    return this.#takeLines(true);
  }

  #takeLines(isEnd: boolean): string[] {
    const lines: string[] = [];
    let start = 0;
    let isQuoted = false;
    for (let i = 0; i < this.#buffer.length && !this.#isDone; i++) {
      const char = this.#buffer[i];
      if (this.#format.isCsv && char === this.#format.quote) isQuoted = !isQuoted;
      if (char !== "\n" || isQuoted) continue;
      const end = i > start && this.#buffer[i - 1] === "\r" ? i - 1 : i;
      this.#addLine(lines, this.#buffer.slice(start, end));
      start = i + 1;
    }
    this.#buffer = this.#buffer.slice(start);
    if (isEnd && this.#buffer !== "" && !this.#isDone) {
      this.#addLine(lines, this.#buffer.replace(/\r$/, ""));
      this.#buffer = "";
    }
    return lines;
  }

  #addLine(lines: string[], line: string): void {
    if (line === "\\.") {
      this.#isDone = true;
      return;
    }
    lines.push(line);
  }
}

/** One line's fields; `null` for NULL. */
export function parseCopyLine(line: string, format: CopyFormat): (string | null)[] {
  return format.isCsv ? parseCsvLine(line, format) : parseTextLine(line, format);
}

function parseTextLine(line: string, format: CopyFormat): (string | null)[] {
  return line.split(format.delimiter).map((raw) => (raw === format.null ? null : unescapeText(raw)));
}

const simpleEscapes: Readonly<Record<string, string>> = { b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v" };

function unescapeText(raw: string): string {
  if (!raw.includes("\\")) return raw;
  let out = "";
  for (let i = 0; i < raw.length; i++) {
    const char = raw[i] ?? "";
    if (char !== "\\" || i + 1 >= raw.length) {
      out += char;
      continue;
    }
    const next = raw[i + 1] ?? "";
    i += 1;
    const simple = simpleEscapes[next];
    if (simple !== undefined) out += simple;
    else if (/[0-7]/.test(next)) {
      const octal = /^[0-7]{1,3}/.exec(raw.slice(i))?.[0] ?? next;
      out += String.fromCharCode(Number.parseInt(octal, 8));
      i += octal.length - 1;
    } else if (next === "x" && /^[0-9a-fA-F]/.test(raw[i + 1] ?? "")) {
      const hex = /^[0-9a-fA-F]{1,2}/.exec(raw.slice(i + 1))?.[0] ?? "";
      out += String.fromCharCode(Number.parseInt(hex, 16));
      i += hex.length;
    } else out += next;
  }
  return out;
}

function parseCsvLine(line: string, format: CopyFormat): (string | null)[] {
  const fields: (string | null)[] = [];
  let field = "";
  let isQuoted = false;
  let wasQuoted = false;
  for (let i = 0; i < line.length; i++) {
    const char = line[i] ?? "";
    if (isQuoted) {
      if (char === format.quote && line[i + 1] === format.quote) {
        field += char;
        i += 1;
      } else if (char === format.quote) isQuoted = false;
      else field += char;
    } else if (char === format.quote) {
      isQuoted = true;
      wasQuoted = true;
    } else if (char === format.delimiter) {
      fields.push(!wasQuoted && field === format.null ? null : field);
      field = "";
      wasQuoted = false;
    } else field += char;
  }
  if (isQuoted) throw new InvalidTextRepresentationError("unterminated CSV quoted field");
  fields.push(!wasQuoted && field === format.null ? null : field);
  return fields;
}

/** One row as a COPY TO line (with its newline). */
export function formatCopyLine(fields: readonly (string | null)[], format: CopyFormat): string {
  const parts = fields.map((field) => {
    if (field === null) return format.null;
    if (format.isCsv) {
      const needsQuotes = field === "" || field.includes(format.delimiter) || field.includes(format.quote) || field.includes("\n") || field.includes("\r");
      return needsQuotes ? `${format.quote}${field.replaceAll(format.quote, format.quote + format.quote)}${format.quote}` : field;
    }
    return escapeText(field, format.delimiter);
  });
  return `${parts.join(format.delimiter)}\n`;
}

function escapeText(field: string, delimiter: string): string {
  let out = "";
  for (const char of field) {
    if (char === "\\") out += "\\\\";
    else if (char === "\n") out += "\\n";
    else if (char === "\r") out += "\\r";
    else if (char === "\t") out += "\\t";
    else if (char === delimiter) out += `\\${char}`;
    else out += char;
  }
  return out;
}
