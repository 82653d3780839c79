import { describe, expect, it } from "vitest";
import { AssertionError, lsn, pageId, term, txnId, type Lsn, type Term } from "@omnikv/base";

describe("branded ids", () => {
  it("are plain bigints or numbers at run time", () => {
    expect(lsn(5)).toBe(5n);
    expect(txnId(7n)).toBe(7n);
    expect(term(1)).toBe(1n);
    expect(pageId(3)).toBe(3);
  });

  it("reject values outside their domain", () => {
    expect(() => lsn(-1)).toThrow(AssertionError);
    expect(() => lsn(1n << 64n)).toThrow(AssertionError);
    expect(() => pageId(1.5)).toThrow(AssertionError);
    expect(() => pageId(-1)).toThrow(AssertionError);
  });

  it("do not mix at compile time", () => {
    const position: Lsn = lsn(1);
    // @ts-expect-error a Term is not an Lsn
    const wrong: Lsn = term(1);
    const t: Term = term(2);
    expect(position < t).toBe(true);
    expect(wrong).toBe(1n);
  });
});
