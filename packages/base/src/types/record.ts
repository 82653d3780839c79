/**
 * Composite values (`record`): a whole-row reference (`SELECT t FROM t`, `row_to_json(t)`) or a
 * row constructor (`ROW(1, 'a')`). A `RecordValue` carries its fields' values, types and names,
 * so output (`(1,a)`, record_send) and json conversion need nothing else.
 */
import { assert } from "../assert.ts";
import type { SqlValue } from "./text-io.ts";

export class RecordValue {
  readonly values: readonly SqlValue[];
  readonly types: readonly number[];
  readonly names: readonly string[];

  constructor(values: readonly SqlValue[], types: readonly number[], names: readonly string[]) {
    assert(values.length === types.length && types.length === names.length, "a record has one type and one name per field");
    this.values = values;
    this.types = types;
    this.names = names;
  }
}

/**
 * record_out: `(f1,f2,…)`, a NULL field empty, a field quoted (with `"` and `\` doubled) when it
 * is empty or holds a parenthesis, comma, quote, backslash or whitespace.
 */
export function formatRecord(record: RecordValue, formatField: (oid: number, value: SqlValue) => string): string {
  const fields = record.values.map((value, i) => {
    if (value === null) return "";
    const text = formatField(record.types[i] ?? 0, value);
    const isQuoted = text === "" || /[(),"\\\s]/u.test(text);
    return isQuoted ? `"${text.replace(/(["\\])/g, "$1$1")}"` : text;
  });
  return `(${fields.join(",")})`;
}

/** record_send: the field count, then per field its type OID, its length (-1 for NULL) and its binary form. */
export function sendRecord(record: RecordValue, sendField: (oid: number, value: SqlValue) => Uint8Array): Uint8Array {
  const parts = record.values.map((value, i) => (value === null ? undefined : sendField(record.types[i] ?? 0, value)));
  const size = 4 + parts.reduce((total, part) => total + 8 + (part?.length ?? 0), 0);
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  view.setInt32(0, parts.length);
  let at = 4;
  parts.forEach((part, i) => {
    view.setUint32(at, record.types[i] ?? 0);
    view.setInt32(at + 4, part === undefined ? -1 : part.length);
    at += 8;
    if (part !== undefined) {
      bytes.set(part, at);
      at += part.length;
    }
  });
  assert(at === size, "a record fills its computed size");
  return bytes;
}
