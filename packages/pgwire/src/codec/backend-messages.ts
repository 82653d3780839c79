/**
 * Encoders for the messages the server sends, each appended to a `MessageBuffer`. Layouts (after
 * the type byte and int32 length):
 *
 *   'R' Authentication  int32 kind (0 ok, 3 cleartext, 5 md5 + 4-byte salt, 10 SASL mechanisms\0…\0,
 *                       11 SASL continue + data, 12 SASL final + data)
 *   'S' ParameterStatus name\0 value\0          'K' BackendKeyData  int32 pid, int32 secret
 *   'Z' ReadyForQuery   status byte (I/T/E)     'v' NegotiateProtocolVersion int32 minor, int32 n, n × name\0
 *   'T' RowDescription  int16 n, n × (name\0 int32 table oid, int16 column, int32 type oid,
 *                       int16 type size, int32 type modifier, int16 format)
 *   'D' DataRow         int16 n, n × (int32 length | -1, bytes)
 *   'C' CommandComplete tag\0    'I' EmptyQueryResponse    'n' NoData    's' PortalSuspended
 *   '1' ParseComplete  '2' BindComplete  '3' CloseComplete  't' ParameterDescription int16 n, n × int32
 *   'E' ErrorResponse / 'N' NoticeResponse  (field code byte, value\0)*, \0
 *   'G' CopyInResponse / 'H' CopyOutResponse  int8 format, int16 n, n × int16 format
 *   'd' CopyData bytes   'c' CopyDone
 */
import { assert } from "@omnikv/base";
import type { FieldDescription, FormatCode, Row } from "../backend.ts";
import type { MessageBuffer } from "./message-buffer.ts";

/** ErrorResponse/NoticeResponse fields pgwire sends. */
export interface ErrorFields {
  readonly severity: "ERROR" | "FATAL" | "WARNING" | "NOTICE" | "DEBUG" | "INFO" | "LOG";
  readonly sqlState: string;
  readonly message: string;
  readonly detail?: string | undefined;
  readonly hint?: string | undefined;
  readonly position?: number | undefined;
}

export function writeAuthentication(out: MessageBuffer, kind: 0 | 3 | 5 | 10 | 11 | 12, data?: Uint8Array): void {
  out.begin("R");
  out.int32(kind);
  if (data !== undefined) out.bytes(data);
  out.end();
}

export function writeAuthenticationSasl(out: MessageBuffer, mechanisms: readonly string[]): void {
  assert(mechanisms.length > 0, "SASL offers at least one mechanism");
  out.begin("R");
  out.int32(10);
  for (const mechanism of mechanisms) out.cstring(mechanism);
  out.int8(0);
  out.end();
}

export function writeParameterStatus(out: MessageBuffer, name: string, value: string): void {
  out.begin("S");
  out.cstring(name);
  out.cstring(value);
  out.end();
}

export function writeBackendKeyData(out: MessageBuffer, processId: number, secretKey: number): void {
  out.begin("K");
  out.int32(processId);
  out.int32(secretKey);
  out.end();
}

export function writeReadyForQuery(out: MessageBuffer, status: "I" | "T" | "E"): void {
  out.begin("Z");
  out.int8(status.charCodeAt(0));
  out.end();
}

export function writeNegotiateProtocolVersion(out: MessageBuffer, minorVersion: number, unrecognized: readonly string[]): void {
  out.begin("v");
  out.int32((3 << 16) | minorVersion);
  out.int32(unrecognized.length);
  for (const option of unrecognized) out.cstring(option);
  out.end();
}

export function writeRowDescription(out: MessageBuffer, fields: readonly FieldDescription[]): void {
  assert(fields.length <= 1664, "a row has at most 1664 columns (PostgreSQL's MaxTupleAttributeNumber)");
  out.begin("T");
  out.int16(fields.length);
  for (const field of fields) {
    out.cstring(field.name);
    out.int32(field.tableOid);
    out.int16(field.columnNumber);
    out.int32(field.typeOid);
    out.int16(field.typeSize);
    out.int32(field.typeModifier);
    out.int16(field.format);
  }
  out.end();
}

export function writeDataRow(out: MessageBuffer, row: Row): void {
  out.begin("D");
  out.int16(row.length);
  for (const cell of row) {
    if (cell === null) {
      out.int32(-1);
    } else {
      out.int32(cell.length);
      out.bytes(cell);
    }
  }
  out.end();
}

export function writeParameterDescription(out: MessageBuffer, typeOids: readonly number[]): void {
  out.begin("t");
  out.int16(typeOids.length);
  for (const oid of typeOids) out.int32(oid | 0);
  out.end();
}

/** Messages with a single C-string body: CommandComplete 'C', CopyFail-free bodies. */
export function writeCommandComplete(out: MessageBuffer, tag: string): void {
  out.begin("C");
  out.cstring(tag);
  out.end();
}

/** Messages with an empty body: 'I', 'n', 's', '1', '2', '3', 'c'. */
export function writeEmpty(out: MessageBuffer, type: "I" | "n" | "s" | "1" | "2" | "3" | "c"): void {
  out.begin(type);
  out.end();
}

export function writeErrorOrNotice(out: MessageBuffer, type: "E" | "N", fields: ErrorFields): void {
  out.begin(type);
  const field = (code: string, value: string): void => {
    out.int8(code.charCodeAt(0));
    out.cstring(value);
  };
  field("S", fields.severity);
  field("V", fields.severity);
  field("C", fields.sqlState);
  field("M", fields.message);
  if (fields.detail !== undefined) field("D", fields.detail);
  if (fields.hint !== undefined) field("H", fields.hint);
  if (fields.position !== undefined) field("P", String(fields.position));
  out.int8(0);
  out.end();
}

export function writeCopyResponse(out: MessageBuffer, type: "G" | "H", format: FormatCode, columnFormats: readonly FormatCode[]): void {
  out.begin(type);
  out.int8(format);
  out.int16(columnFormats.length);
  for (const columnFormat of columnFormats) out.int16(columnFormat);
  out.end();
}

export function writeCopyData(out: MessageBuffer, data: Uint8Array): void {
  out.begin("d");
  out.bytes(data);
  out.end();
}
