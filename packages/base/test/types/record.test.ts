/**
 * Composite values: record_out's quoting (PostgreSQL's, also compared with a live server by the
 * engine's differential test) and record_send's layout.
 */
import { describe, expect, it } from "vitest";
import { FeatureNotSupportedError, RecordValue, TypeOid, formatValue, parseTimeZone, parseValue, sendValue } from "../../src/index.ts";

const settings = { extraFloatDigits: 1, timeZone: parseTimeZone("UTC") };

describe("record", () => {
  it("prints fields in parentheses, NULL as nothing, quoting what needs it", () => {
    const record = new RecordValue([1, null, "a b", "", 'x"y', "back\\slash", "plain"], [23, 25, 25, 25, 25, 25, 25], ["a", "b", "c", "d", "e", "f", "g"]);
    expect(formatValue(TypeOid.record, record, settings)).toBe('(1,,"a b","","x""y","back\\\\slash",plain)');
  });

  it("sends the field count, then each field's type, length (-1 for NULL) and binary form", () => {
    const bytes = sendValue(TypeOid.record, new RecordValue([7, null], [TypeOid.int4, TypeOid.text], ["a", "b"]));
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    expect(view.getInt32(0)).toBe(2);
    expect([view.getUint32(4), view.getInt32(8), view.getInt32(12)]).toEqual([TypeOid.int4, 4, 7]);
    expect([view.getUint32(16), view.getInt32(20)]).toEqual([TypeOid.text, -1]);
    expect(bytes.length).toBe(24);
  });

  it("has no text input (anonymous records), as PostgreSQL", () => {
    expect(() => parseValue(TypeOid.record, "(1)", settings)).toThrow(FeatureNotSupportedError);
  });
});
