/**
 * Bound expressions: the binder's output and the executor's input. Every node carries its
 * resolved type; every call names the catalog signature (by id) it resolved to; every implicit
 * coercion PostgreSQL would insert is an explicit `cast` node. The executor compiles this tree
 * once per plan into closures and never resolves anything per row.
 */
import type { SqlValue } from "@omnikv/base";
import type { PlanNode } from "./query/plan.ts";

/** A type with its modifier (`varchar(10)` is varchar with typmod 10; -1 means none). */
export interface SqlType {
  readonly oid: number;
  readonly typmod: number;
}

export type BoundExpr =
  | { readonly kind: "const"; readonly type: SqlType; readonly value: SqlValue }
  | { readonly kind: "param"; readonly type: SqlType; readonly index: number }
  | { readonly kind: "column"; readonly type: SqlType; readonly index: number; readonly name: string }
  | {
      readonly kind: "call";
      readonly type: SqlType;
      /** The catalog signature id, e.g. `+(int4,int8)`; the executor's implementation key. */
      readonly signatureId: string;
      readonly args: readonly BoundExpr[];
      readonly isStrict: boolean;
    }
  | {
      readonly kind: "cast";
      readonly type: SqlType;
      readonly expr: BoundExpr;
      /**
       * `function`: the cast signature `castId`; `io`: through the text form (output of the
       * source type, input of the target); `binary`: same representation, nothing to do;
       * `length`: only the typmod changes (varchar(n), bpchar(n), numeric(p,s)).
       */
      readonly method: "function" | "io" | "binary" | "length" | "array";
      readonly castId?: string;
      /** For `array`: how each element converts (PostgreSQL's ArrayCoerceExpr). */
      readonly elementCast?: {
        readonly method: "function" | "io" | "binary";
        readonly castId?: string;
        readonly sourceOid: number;
        readonly targetOid: number;
      };
      /** An explicit cast truncates varchar/bpchar silently; an assignment errors (22001). */
      readonly isExplicit: boolean;
    }
  | { readonly kind: "bool"; readonly type: SqlType; readonly op: "and" | "or"; readonly args: readonly BoundExpr[] }
  | { readonly kind: "not"; readonly type: SqlType; readonly arg: BoundExpr }
  | { readonly kind: "null_test"; readonly type: SqlType; readonly arg: BoundExpr; readonly isNegated: boolean }
  | {
      readonly kind: "bool_test";
      readonly type: SqlType;
      readonly arg: BoundExpr;
      readonly test: "true" | "false" | "unknown";
      readonly isNegated: boolean;
    }
  | {
      readonly kind: "case";
      readonly type: SqlType;
      readonly whens: readonly { readonly condition: BoundExpr; readonly result: BoundExpr }[];
      readonly elseResult: BoundExpr;
    }
  | { readonly kind: "coalesce"; readonly type: SqlType; readonly args: readonly BoundExpr[] }
  | { readonly kind: "min_max"; readonly type: SqlType; readonly op: "greatest" | "least"; readonly compareId: string; readonly args: readonly BoundExpr[] }
  | {
      /** `x IN (a, b)`: one operator applied to each item with OR (any) or AND (all). */
      readonly kind: "scalar_array_op";
      readonly type: SqlType;
      readonly signatureId: string;
      readonly isAny: boolean;
      readonly left: BoundExpr;
      readonly items: readonly BoundExpr[];
    }
  | {
      /**
       * `x op ANY (array)` / `x op ALL (array)`: the operator between `left` and each element of
       * the array value, combined with OR (any) or AND (all).
       */
      readonly kind: "array_op";
      readonly type: SqlType;
      readonly signatureId: string;
      /** The operator's argument types: `left`'s and the array's element type. */
      readonly argTypes: readonly [number, number];
      readonly isStrict: boolean;
      readonly isAny: boolean;
      readonly left: BoundExpr;
      readonly array: BoundExpr;
    }
  | {
      readonly kind: "array";
      readonly type: SqlType;
      readonly elements: readonly BoundExpr[];
      /** `ARRAY[ARRAY[1,2], ARRAY[3,4]]`: the elements are sub-arrays of one more dimension. */
      readonly isMultiDimensional: boolean;
    }
  | {
      /** `IS [NOT] DISTINCT FROM` and NULLIF: the `=` signature, with NULL-aware semantics. */
      readonly kind: "distinct";
      readonly type: SqlType;
      readonly signatureId: string;
      readonly left: BoundExpr;
      readonly right: BoundExpr;
      readonly isNegated: boolean;
    }
  | {
      /**
       * A subquery used as an expression. `scalar`: its one row's one column (NULL for no row,
       * 21000 for more than one); `array`: its rows' one column as an array (ARRAY(subquery)); `exists`: whether it returns a row; `any`/`all`: `left op row`
       * over its rows, combined with OR/AND in three-valued logic (IN is `= ANY`, NOT IN
       * `<> ALL`). The values of outer columns it reads are passed as parameters `slot`.
       */
      readonly kind: "subquery";
      readonly type: SqlType;
      readonly form: "scalar" | "exists" | "any" | "all" | "array";
      readonly plan: PlanNode;
      readonly correlations: readonly SubqueryCorrelation[];
      readonly test?: SubqueryTest;
    }
  | {
      /**
       * A composite value (type record): `ROW(a, b)` (fields f1, f2, …) or a whole-row reference
       * to a FROM item (its columns, by their names).
       */
      readonly kind: "row";
      readonly type: SqlType;
      readonly fields: readonly BoundExpr[];
      readonly names: readonly string[];
    }
  | {
      /**
       * A value becoming a domain's (a cast to it): with `isNotNull` NULL is 23502, and each
       * CHECK, bound over VALUE as column 0 of a one-column row of its own, must not be false
       * (23514). The value itself is `arg`'s, of the domain's base type.
       */
      readonly kind: "domain_check";
      readonly type: SqlType;
      readonly arg: BoundExpr;
      readonly domain: string;
      readonly isNotNull: boolean;
      readonly checks: readonly { readonly name: string; readonly expr: BoundExpr }[];
    }
  | {
      /**
       * NULLIF(left, right): NULL if `left = right`, else `left` — as coerced for the `=`
       * operator, which is also the result type (PostgreSQL returns the operator's first input).
       */
      readonly kind: "nullif";
      readonly type: SqlType;
      readonly signatureId: string;
      readonly left: BoundExpr;
      readonly right: BoundExpr;
    };

/** An outer value a correlated subquery reads: `value` (over the outer row) becomes parameter `slot`. */
export interface SubqueryCorrelation {
  readonly slot: number;
  readonly value: BoundExpr;
}

/** The comparison of an ANY/ALL subquery: `left` against `right`, an expression over the subquery's row. */
export interface SubqueryTest {
  readonly left: BoundExpr;
  readonly right: BoundExpr;
  readonly signatureId: string;
  readonly argTypes: readonly number[];
  readonly isStrict: boolean;
}
