/**
 * Structured logs: one JSON object per line on stdout (`time`, `level`, `msg`, then fields), so
 * a log shipper or `jq` reads them without parsing prose.
 */
export type LogLevel = "debug" | "info" | "warn" | "error";

export interface Logger {
  info(msg: string, fields?: Readonly<Record<string, unknown>>): void;
  warn(msg: string, fields?: Readonly<Record<string, unknown>>): void;
  error(msg: string, fields?: Readonly<Record<string, unknown>>): void;
}

export function jsonLogger(write: (line: string) => void = (line) => process.stdout.write(line)): Logger {
  const log = (level: LogLevel, msg: string, fields: Readonly<Record<string, unknown>> = {}): void => {
    write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields }, (_key, value: unknown) => (typeof value === "bigint" ? String(value) : value))}\n`);
  };
  return {
    info: (msg, fields) => log("info", msg, fields),
    warn: (msg, fields) => log("warn", msg, fields),
    error: (msg, fields) => log("error", msg, fields),
  };
}
