/**
 * Subquery expressions: the subquery's plan, compiled once, run from inside an expression.
 *
 * An uncorrelated subquery runs once per plan run (its rows are kept for that run, keyed by the
 * run's evaluation context); a correlated one runs for each outer row with the outer values it
 * reads passed as extra parameters, and stops as soon as its answer is known (EXISTS at the
 * first row, ANY at the first true comparison, a scalar subquery at its second row).
 *
 * Three-valued logic of ANY/ALL as PostgreSQL: ANY is true if some comparison is true, else
 * NULL if some is NULL, else false (so `x IN (subquery)` with no match and a NULL is NULL); ALL
 * dually. Over no rows ANY is false and ALL true, whatever `left` is.
 *
 * Hashed subplan: an uncorrelated `x = ANY (subquery)` / `x <> ALL (subquery)` (IN / NOT IN)
 * over one type (or integers of mixed widths), compared by that type's own `=`, puts the
 * subquery's values in a set once per run and answers each outer row by lookup, with the same three-valued result, rather than
 * comparing against every row (quadratic for NOT IN, which cannot become an anti join).
 */
import { TypeOid, arrayOf, assert, assertNever } from "@omnikv/base";
import { resolveOperator, type BoundExpr } from "@omnikv/planner";
import { compileExpr, type CompiledExpr } from "../expr/compile.ts";
import type { EvalContext } from "../functions/function-types.ts";
import type { FunctionRegistry, SubqueryCompiler } from "../functions/registry.ts";
import type { SqlValue } from "../values.ts";
import type { CompiledPlan } from "./compile-plan.ts";
import { CardinalityViolationError } from "./errors.ts";
import { RowKeyTable, isIdentityEquality } from "./row-keys.ts";
import type { Row } from "./table-access.ts";

type SubqueryExpr = Extract<BoundExpr, { kind: "subquery" }>;

/** A subquery's rows for one outer row (its values feed the correlation parameters). */
type RowsFor = (row: readonly SqlValue[], params: readonly SqlValue[], context: EvalContext) => Iterable<Row>;

/** A subquery compiler that compiles subquery plans with `compilePlan` (passed in, not imported, to keep modules acyclic). */
export function subqueryCompiler(compilePlan: (plan: SubqueryExpr["plan"], registry: FunctionRegistry) => CompiledPlan): SubqueryCompiler {
  return (expr, registry) => compileSubquery(expr, registry, compilePlan(expr.plan, registry));
}

function compileSubquery(expr: SubqueryExpr, registry: FunctionRegistry, plan: CompiledPlan): CompiledExpr {
  const correlations = expr.correlations.map((c) => ({ slot: c.slot, value: compileExpr(c.value, registry) }));
  /** The subquery's rows for this outer row, run afresh. */
  const run: RowsFor = (row, params, context) => {
    const tables = context.tables;
    assert(tables !== undefined, "a subquery runs inside a plan run, which provides its tables");
    if (correlations.length === 0) return plan({ tables, context, params, ...interruptOf(context) });
    const inner = params.slice();
    for (const { slot, value } of correlations) inner[slot - 1] = value(row, params, context);
    return plan({ tables, context, params: inner, ...interruptOf(context) });
  };
  /** The same, with an uncorrelated subquery's rows kept for the rest of the plan run. */
  const perRun = new WeakMap<EvalContext, readonly Row[]>();
  const rowsFor: RowsFor = (row, params, context) => {
    if (correlations.length > 0) return run(row, params, context);
    let rows = perRun.get(context);
    if (rows === undefined) {
      rows = [...run(row, params, context)];
      perRun.set(context, rows);
    }
    return rows;
  };
  switch (expr.form) {
    case "exists":
      return (row, params, context) => {
        for (const _ of rowsFor(row, params, context)) return true;
        return false;
      };
    case "scalar":
      return (row, params, context) => {
        let value: SqlValue = null;
        let count = 0;
        for (const result of rowsFor(row, params, context)) {
          if (++count > 1) throw new CardinalityViolationError("more than one row returned by a subquery used as an expression");
          value = result[0] ?? null;
        }
        return value;
      };
    case "array":
      return (row, params, context) => arrayOf([...rowsFor(row, params, context)].map((result) => result[0] ?? null));
    case "any":
    case "all":
      // The hashed form keeps its own per-run Set, so it reads the rows once without keeping them.
      return hashedQuantified(expr, registry, run) ?? scannedQuantified(expr, registry, rowsFor);
    default:
      return assertNever(expr.form);
  }
}

const integerTypes: ReadonlySet<number> = new Set([TypeOid.int2, TypeOid.int4, TypeOid.int8]);

/** The values of an uncorrelated IN / NOT IN subquery, as a lookup set. */
interface ValueSet {
  has(value: SqlValue, context: EvalContext): boolean;
  readonly hasNull: boolean;
  readonly isEmpty: boolean;
}

/** How the values of one hashed subplan are kept: a JavaScript Set, or a table of the type's own `=`. */
type SetMaker = () => { add(value: SqlValue, context: EvalContext): void; has(value: SqlValue, context: EvalContext): boolean };

/**
 * The set for `x = ANY (subquery)` / `x <> ALL (subquery)`, when one exists: identity-equality
 * types (integers across widths compared as bigints) in a JavaScript Set; any other type compared
 * with itself by its standard `=` (numeric 1.0 = 1.00, floats' -0 = 0 and NaN = NaN, intervals'
 * '1 day' = '24 hours', …) in a RowKeyTable, which hashes as that `=` compares.
 */
function setMakerFor(leftType: number, rightType: number, test: NonNullable<SubqueryExpr["test"]>, registry: FunctionRegistry): SetMaker | undefined {
  const isIntegers = integerTypes.has(leftType) && integerTypes.has(rightType);
  if (isIdentityEquality(leftType) && isIdentityEquality(rightType) && (leftType === rightType || isIntegers)) {
    // int2/int4 values are numbers and int8 values bigints: compare integers as bigints.
    const keyOf = isIntegers ? (value: SqlValue): SqlValue => (typeof value === "number" ? BigInt(value) : value) : (value: SqlValue): SqlValue => value;
    return () => {
      const values = new Set<SqlValue>();
      return { add: (value) => values.add(keyOf(value)), has: (value) => values.has(keyOf(value)) };
    };
  }
  if (leftType !== rightType || !isStandardEquality(leftType, test.signatureId)) return undefined;
  return () => {
    const table = new RowKeyTable<true>([leftType], registry, false);
    return { add: (value, context) => table.getOrInsert([value], context, () => true), has: (value, context) => table.get([value], context) === true };
  };
}

/** Whether `signatureId` is the type's own `=` or `<>` (whose negation is that `=`), so hashing by `=` is sound. */
function isStandardEquality(oid: number, signatureId: string): boolean {
  try {
    return [resolveOperator("=", [oid, oid]).signature.id, resolveOperator("<>", [oid, oid]).signature.id].includes(signatureId);
  } catch {
    return false;
  }
}

function hashedQuantified(
  expr: SubqueryExpr,
  registry: FunctionRegistry,
  rowsFor: RowsFor,
): CompiledExpr | undefined {
  const test = expr.test;
  if (test === undefined || expr.correlations.length > 0 || !test.isStrict) return undefined;
  const [leftType, rightType] = test.argTypes;
  if (leftType === undefined || rightType === undefined) return undefined;
  const isIn = expr.form === "any" && test.signatureId.startsWith("=(");
  const isNotIn = expr.form === "all" && test.signatureId.startsWith("<>(");
  if (!isIn && !isNotIn) return undefined;
  const makeSet = setMakerFor(leftType, rightType, test, registry);
  if (makeSet === undefined) return undefined;
  const left = compileExpr(test.left, registry);
  const right = compileExpr(test.right, registry);
  const perRun = new WeakMap<EvalContext, ValueSet>();
  const setFor = (row: readonly SqlValue[], params: readonly SqlValue[], context: EvalContext): ValueSet => {
    let set = perRun.get(context);
    if (set === undefined) {
      const values = makeSet();
      let hasNull = false;
      let isEmpty = true;
      for (const inner of rowsFor(row, params, context)) {
        isEmpty = false;
        const value = right(inner, params, context);
        if (value === null) hasNull = true;
        else values.add(value, context);
      }
      set = { has: (value, valueContext) => values.has(value, valueContext), hasNull, isEmpty };
      perRun.set(context, set);
    }
    return set;
  };
  return (row, params, context) => {
    const set = setFor(row, params, context);
    if (set.isEmpty) return isNotIn;
    const l = left(row, params, context);
    // `x = ANY`: true on a match, else NULL if x or some value is NULL, else false; NOT IN is its negation.
    const isMember: boolean | null = l === null ? null : set.has(l, context) ? true : set.hasNull ? null : false;
    return isMember === null ? null : isIn ? isMember : !isMember;
  };
}

function scannedQuantified(
  expr: SubqueryExpr,
  registry: FunctionRegistry,
  rowsFor: RowsFor,
): CompiledExpr {
  const test = expr.test;
  assert(test !== undefined, "an ANY/ALL subquery has its comparison");
  const left = compileExpr(test.left, registry);
  const right = compileExpr(test.right, registry);
  const compare = registry.lookup(test.signatureId, test.argTypes);
  const isAny = expr.form === "any";
  const args: SqlValue[] = [null, null];
  return (row, params, context) => {
    const l = left(row, params, context);
    let sawNull = false;
    for (const inner of rowsFor(row, params, context)) {
      const r = right(inner, params, context);
      let result: SqlValue;
      if ((l === null || r === null) && test.isStrict) result = null;
      else {
        args[0] = l;
        args[1] = r;
        result = compare(args, context);
      }
      if (result === null) sawNull = true;
      else if (result === isAny) return isAny;
    }
    return sawNull ? null : !isAny;
  };
}

function interruptOf(context: EvalContext): { readonly interrupt?: () => void } {
  return context.interrupt === undefined ? {} : { interrupt: context.interrupt };
}
