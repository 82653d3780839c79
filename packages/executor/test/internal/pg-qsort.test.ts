/**
 * PostgreSQL's quicksort: it sorts (the order of equal elements is what PostgreSQL's is, which
 * the DISTINCT aggregate differential test checks against a real server), and small or presorted
 * inputs keep equal elements in input order, as PostgreSQL's insertion sort and presorted check do.
 */
import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { propertyParams } from "@omnikv/testkit";
import { pgQsort } from "../../src/internal/pg-qsort.ts";

interface Tagged {
  readonly key: number;
  readonly tag: number;
}

const byKey = (a: Tagged, b: Tagged): number => a.key - b.key;
const tagged = (keys: readonly number[]): Tagged[] => keys.map((key, tag) => ({ key, tag }));

describe("pgQsort", () => {
  it("sorts any input, a permutation of it", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -5, max: 5 }), { maxLength: 300 }), (keys) => {
        const items = tagged(keys);
        pgQsort(items, byKey);
        expect(items.map((item) => item.key)).toEqual([...keys].sort((a, b) => a - b));
        expect(items.map((item) => item.tag).sort((a, b) => a - b)).toEqual(keys.map((_, i) => i));
      }),
      propertyParams(200),
    );
  });

  it("keeps equal elements in input order below 7 elements and when presorted", () => {
    const small = tagged([2, 1, 2, 1, 2, 1]);
    pgQsort(small, byKey);
    expect(small.map((item) => item.tag)).toEqual([1, 3, 5, 0, 2, 4]);
    const presorted = tagged([1, 1, 1, 2, 2, 2, 3, 3, 3]);
    pgQsort(presorted, byKey);
    expect(presorted.map((item) => item.tag)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it("is not stable from 7 elements on, as PostgreSQL's is not", () => {
    const items = tagged([1, 1, 1, 0, 1, 1, 1]);
    pgQsort(items, byKey);
    expect(items.map((item) => item.key)).toEqual([0, 1, 1, 1, 1, 1, 1]);
    expect(items.map((item) => item.tag)).not.toEqual([3, 0, 1, 2, 4, 5, 6]);
  });

  it("sorts a sub-range only", () => {
    const items = [9, 5, 4, 3, 2, 1, 0, 8, 7, -1];
    pgQsort(items, (a, b) => a - b, 1, 8);
    expect(items).toEqual([9, 0, 1, 2, 3, 4, 5, 7, 8, -1]);
  });
});
