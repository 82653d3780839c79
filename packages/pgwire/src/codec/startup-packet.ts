/**
 * Decoding of the packets a client may send before the typed-message phase, told apart by the
 * int32 after the length:
 *
 *   SSLRequest     len=8   80877103
 *   GSSENCRequest  len=8   80877104
 *   CancelRequest  len=16  80877102  int32 process id  int32 secret key
 *   StartupMessage         int32 version (major << 16 | minor), then (name\0 value\0)* \0
 */
import { assert } from "@omnikv/base";
import { MalformedMessageError } from "../errors.ts";
import { PayloadReader } from "./payload-reader.ts";

export const sslRequestCode = 80_877_103;
export const gssEncRequestCode = 80_877_104;
export const cancelRequestCode = 80_877_102;

/** Startup parameters in one packet, a limit so a 10 kB packet cannot hold an unbounded map. */
export const startupParamCountMax = 256;

export type StartupPacket =
  | { readonly kind: "sslRequest" }
  | { readonly kind: "gssEncRequest" }
  | { readonly kind: "cancelRequest"; readonly processId: number; readonly secretKey: number }
  | {
      readonly kind: "startup";
      readonly majorVersion: number;
      readonly minorVersion: number;
      readonly params: ReadonlyMap<string, string>;
    };

export function decodeStartupPacket(payload: Uint8Array): StartupPacket {
  const reader = new PayloadReader(payload, "startup packet");
  const code = reader.int32();
  if (code === sslRequestCode || code === gssEncRequestCode) {
    reader.end();
    return { kind: code === sslRequestCode ? "sslRequest" : "gssEncRequest" };
  }
  if (code === cancelRequestCode) {
    const processId = reader.int32();
    const secretKey = reader.int32();
    reader.end();
    return { kind: "cancelRequest", processId, secretKey };
  }
  const params = decodeParams(reader);
  return { kind: "startup", majorVersion: code >>> 16, minorVersion: code & 0xffff, params };
}

function decodeParams(reader: PayloadReader): Map<string, string> {
  const params = new Map<string, string>();
  for (;;) {
    if (reader.remainingSizeBytes === 0) throw new MalformedMessageError("invalid startup packet layout: expected terminator as last byte");
    const name = reader.cstring();
    if (name === "") break;
    if (params.size >= startupParamCountMax) throw new MalformedMessageError("too many startup parameters");
    params.set(name, reader.cstring());
  }
  reader.end();
  assert(params.size <= startupParamCountMax, "startup parameters are bounded");
  return params;
}

/**
 * The `options` startup parameter: space-separated command-line switches, `\` escaping the next
 * character. `-c name=value` and `--name=value` set run-time parameters; anything else is rejected.
 */
export function parseStartupOptions(options: string): Map<string, string> {
  const words = splitOptions(options);
  const settings = new Map<string, string>();
  for (let index = 0; index < words.length; index += 1) {
    const word = words[index] ?? "";
    let setting: string | undefined;
    if (word === "-c") {
      index += 1;
      setting = words[index];
    } else if (word.startsWith("-c")) {
      setting = word.slice(2);
    } else if (word.startsWith("--")) {
      setting = word.slice(2);
    }
    const equals = setting?.indexOf("=") ?? -1;
    if (setting === undefined || equals <= 0) {
      throw new MalformedMessageError(`invalid command-line argument for server process: ${word}`, {
        hint: 'Use -c name=value or --name=value in "options".',
      });
    }
    settings.set(setting.slice(0, equals).replaceAll("-", "_"), setting.slice(equals + 1));
  }
  return settings;
}

function splitOptions(options: string): string[] {
  const words: string[] = [];
  let current = "";
  let isEscaped = false;
  for (const char of options) {
    if (isEscaped) {
      current += char;
      isEscaped = false;
    } else if (char === "\\") {
      isEscaped = true;
    } else if (char === " " || char === "\t" || char === "\n") {
      if (current !== "") words.push(current);
      current = "";
    } else {
      current += char;
    }
  }
  if (current !== "") words.push(current);
  return words;
}
