/**
 * Decoding of the messages a client sends after startup (protocol 3.0), each a tagged union member.
 * Layouts (after the type byte and int32 length):
 *
 *   'Q' Query     sql\0
 *   'P' Parse     name\0 sql\0 int16 n, n × int32 type oid
 *   'B' Bind      portal\0 statement\0 int16 nf, nf × int16 format, int16 np,
 *                 np × (int32 length | -1 for NULL, bytes), int16 nr, nr × int16 format
 *   'D' Describe  'S'|'P' name\0         'C' Close  'S'|'P' name\0
 *   'E' Execute   portal\0 int32 maxRows (0 = all)
 *   'S' Sync   'H' Flush   'X' Terminate   'c' CopyDone     (empty)
 *   'd' CopyData  bytes                   'f' CopyFail  message\0
 *   'p' password / SASL message (decoded by the authentication step, which knows which it is)
 *
 * Any shape error is a `MalformedMessageError` (FATAL 08P01): the stream is no longer trusted.
 */
import { assert } from "@omnikv/base";
import type { Cell, FormatCode } from "../backend.ts";
import { MalformedMessageError } from "../errors.ts";
import type { RawMessage } from "./message-reader.ts";
import { PayloadReader } from "./payload-reader.ts";

/** PostgreSQL's limit on Bind parameters (an int16 count). */
export const bindParamCountMax = 65_535;

export type FrontendMessage =
  | { readonly kind: "query"; readonly sql: string }
  | { readonly kind: "parse"; readonly name: string; readonly sql: string; readonly paramTypeOids: readonly number[] }
  | {
      readonly kind: "bind";
      readonly portal: string;
      readonly statement: string;
      readonly params: readonly Cell[];
      readonly paramFormats: readonly FormatCode[];
      readonly resultFormats: readonly FormatCode[];
    }
  | { readonly kind: "describe"; readonly target: "statement" | "portal"; readonly name: string }
  | { readonly kind: "close"; readonly target: "statement" | "portal"; readonly name: string }
  | { readonly kind: "execute"; readonly portal: string; readonly maxRows: number }
  | { readonly kind: "sync" }
  | { readonly kind: "flush" }
  | { readonly kind: "terminate" }
  | { readonly kind: "copyData"; readonly data: Uint8Array }
  | { readonly kind: "copyDone" }
  | { readonly kind: "copyFail"; readonly message: string }
  | { readonly kind: "password"; readonly payload: Uint8Array }
  | { readonly kind: "functionCall" };

const code = (letter: string): number => letter.charCodeAt(0);

export function decodeFrontendMessage(message: RawMessage): FrontendMessage {
  const reader = new PayloadReader(message.payload, String.fromCharCode(message.type));
  const decoded = decodeBody(message.type, reader);
  if (decoded.kind !== "password" && decoded.kind !== "copyData" && decoded.kind !== "functionCall") reader.end();
  return decoded;
}

function decodeBody(type: number, reader: PayloadReader): FrontendMessage {
  switch (type) {
    case code("Q"):
      return { kind: "query", sql: reader.cstring() };
    case code("P"):
      return decodeParse(reader);
    case code("B"):
      return decodeBind(reader);
    case code("D"):
      return { kind: "describe", target: decodeTarget(reader), name: reader.cstring() };
    case code("C"):
      return { kind: "close", target: decodeTarget(reader), name: reader.cstring() };
    case code("E"):
      return decodeExecute(reader);
    case code("S"):
      return { kind: "sync" };
    case code("H"):
      return { kind: "flush" };
    case code("X"):
      return { kind: "terminate" };
    case code("d"):
      return { kind: "copyData", data: reader.rest() };
    case code("c"):
      return { kind: "copyDone" };
    case code("f"):
      return { kind: "copyFail", message: reader.cstring() };
    case code("p"):
      return { kind: "password", payload: reader.rest() };
    case code("F"):
      return { kind: "functionCall" };
    default:
      throw new MalformedMessageError(`invalid frontend message type ${type}`);
  }
}

function decodeParse(reader: PayloadReader): FrontendMessage {
  const name = reader.cstring();
  const sql = reader.cstring();
  const count = reader.int16();
  if (count < 0) throw new MalformedMessageError(`invalid parameter type count ${count} (Parse)`);
  const paramTypeOids: number[] = [];
  for (let index = 0; index < count; index += 1) paramTypeOids.push(reader.uint32());
  assert(paramTypeOids.length === count, "Parse decodes every type oid");
  return { kind: "parse", name, sql, paramTypeOids };
}

function decodeBind(reader: PayloadReader): FrontendMessage {
  const portal = reader.cstring();
  const statement = reader.cstring();
  const formatCodes = decodeFormatCodes(reader);
  const paramCount = reader.int16() & 0xffff;
  assert(paramCount <= bindParamCountMax, "an int16 count is at most 65535");
  const params: Cell[] = [];
  for (let index = 0; index < paramCount; index += 1) {
    const length = reader.int32();
    if (length < -1) throw new MalformedMessageError(`invalid parameter length ${length} (Bind)`);
    params.push(length === -1 ? null : reader.bytes(length));
  }
  const paramFormats = expandFormats(formatCodes, paramCount, "parameter");
  const resultFormats = decodeFormatCodes(reader);
  return { kind: "bind", portal, statement, params, paramFormats, resultFormats };
}

function decodeExecute(reader: PayloadReader): FrontendMessage {
  const portal = reader.cstring();
  const maxRows = reader.int32();
  // PostgreSQL treats a negative maxRows as "all rows", like 0.
  return { kind: "execute", portal, maxRows: maxRows < 0 ? 0 : maxRows };
}

function decodeTarget(reader: PayloadReader): "statement" | "portal" {
  const target = reader.int8();
  if (target === code("S")) return "statement";
  if (target === code("P")) return "portal";
  throw new MalformedMessageError(`invalid DESCRIBE/CLOSE message subtype ${target}`);
}

function decodeFormatCodes(reader: PayloadReader): FormatCode[] {
  const count = reader.int16();
  if (count < 0) throw new MalformedMessageError(`invalid format code count ${count}`);
  const formats: FormatCode[] = [];
  for (let index = 0; index < count; index += 1) {
    const format = reader.int16();
    if (format !== 0 && format !== 1) throw new MalformedMessageError(`unsupported format code: ${format}`);
    formats.push(format);
  }
  return formats;
}

/** Bind's format list: none = all text, one = all alike, else one per parameter. */
function expandFormats(formats: readonly FormatCode[], count: number, what: string): FormatCode[] {
  if (formats.length === count) return [...formats];
  if (formats.length === 0) return Array.from({ length: count }, (): FormatCode => 0);
  const only = formats[0];
  if (formats.length === 1 && only !== undefined) return Array.from({ length: count }, (): FormatCode => only);
  throw new MalformedMessageError(`bind message has ${formats.length} ${what} formats but ${count} ${what}s`);
}
