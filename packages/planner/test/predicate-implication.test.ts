/**
 * Partial-index predicate implication against brute force: for random comparisons `x op1 c1`
 * (the query's) and `x op2 c2` (the predicate), whenever the planner says the first implies the
 * second, every sampled x that satisfies the first satisfies the second; and the implications a
 * person would expect are found. FC_SEED / FC_PATH / FC_NUM_RUNS replay a failure.
 */
import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TypeOid } from "@omnikv/base";
import { propertyParams } from "@omnikv/testkit";
import type { BoundExpr } from "../src/bound-expr.ts";
import { isPredicateImplied } from "../src/query/predicate-implication.ts";

const int4 = { oid: TypeOid.int4, typmod: -1 };
const bool = { oid: TypeOid.bool, typmod: -1 };
const column: BoundExpr = { kind: "column", type: int4, index: 0, name: "x" };
const ops = ["=", "<", "<=", ">", ">="] as const;
type Op = (typeof ops)[number];

function comparison(op: Op, value: number, isFlipped = false): BoundExpr {
  const constant: BoundExpr = { kind: "const", type: int4, value };
  const flipped: Record<Op, Op> = { "=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<=" };
  const args = isFlipped ? [constant, column] : [column, constant];
  return { kind: "call", type: bool, signatureId: `${isFlipped ? flipped[op] : op}(int4,int4)`, args, isStrict: true };
}

function holds(op: Op, x: number, c: number): boolean {
  switch (op) {
    case "=":
      return x === c;
    case "<":
      return x < c;
    case "<=":
      return x <= c;
    case ">":
      return x > c;
    case ">=":
      return x >= c;
    default:
      return false;
  }
}

describe("partial index predicate implication", () => {
  it("never claims an implication that a value contradicts", () => {
    fc.assert(
      fc.property(fc.constantFrom(...ops), fc.integer({ min: -5, max: 5 }), fc.boolean(), fc.constantFrom(...ops), fc.integer({ min: -5, max: 5 }), fc.boolean(), (op1, c1, flip1, op2, c2, flip2) => {
        if (!isPredicateImplied(comparison(op2, c2, flip2), [comparison(op1, c1, flip1)])) return;
        // Integers suffice: each operator's boundary is an integer, and halves probe between them.
        for (let x = -8; x <= 8; x += 0.5) {
          if (holds(op1, x, c1)) expect(holds(op2, x, c2), `x ${op1} ${c1} claimed to imply x ${op2} ${c2}, x = ${x}`).toBe(true);
        }
      }),
      propertyParams(2000),
    );
  });

  it("finds the implications of ranges, equalities and strictness", () => {
    const isNotNull: BoundExpr = { kind: "null_test", type: bool, arg: column, isNegated: true };
    const isNull: BoundExpr = { kind: "null_test", type: bool, arg: column, isNegated: false };
    expect(isPredicateImplied(comparison(">", 3), [comparison(">", 5)])).toBe(true);
    expect(isPredicateImplied(comparison(">=", 5), [comparison(">", 5)])).toBe(true);
    expect(isPredicateImplied(comparison("<", 10), [comparison("=", 4)])).toBe(true);
    // `5 < x`, the constant first, is `x > 5`.
    expect(isPredicateImplied(comparison(">", 3), [comparison(">", 5, true)])).toBe(true);
    expect(isPredicateImplied(isNotNull, [comparison("=", 7)])).toBe(true);
    expect(isPredicateImplied(comparison(">", 5), [comparison(">", 3)])).toBe(false);
    expect(isPredicateImplied(comparison(">", 5), [comparison(">=", 5)])).toBe(false);
    expect(isPredicateImplied(isNotNull, [isNull])).toBe(false);
    // Conjunction: every conjunct of the predicate must be implied by some conjunct of the query.
    const both: BoundExpr = { kind: "bool", type: bool, op: "and", args: [comparison(">", 0), isNotNull] };
    expect(isPredicateImplied(both, [comparison("=", 3)])).toBe(true);
    expect(isPredicateImplied(both, [comparison("=", -3)])).toBe(false);
  });
});
