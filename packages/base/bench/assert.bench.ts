/**
 * What it measures: the cost of an always-on `assert` on the hot path, against a bare `if`.
 * What it does not: anything involving I/O. The figure justifies keeping cheap assertions on.
 */
import { bench, describe } from "vitest";
import { assert } from "@omnikv/base";

const values = Array.from({ length: 1024 }, (_, i) => i);

describe("assert vs bare comparison, 1024 checks", () => {
  bench("assert(cond, msg)", () => {
    for (const v of values) assert(v >= 0, "non-negative");
  });
  bench("if (!cond) throw", () => {
    for (const v of values) {
      if (v < 0) throw new Error("negative");
    }
  });
});
