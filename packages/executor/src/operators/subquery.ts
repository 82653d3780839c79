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
 */
import { assert, assertNever } from "@omnikv/base";
import type { BoundExpr } from "@omnikv/planner";
import { compileExpr, type CompiledExpr } from "../expr/compile.ts";
import type { EvalContext } from "../functions/function-types.ts";
import type { FunctionRegistry, SubqueryCompiler } from "../functions/registry.ts";
import type { SqlValue } from "../values.ts";
import type { CompiledPlan } from "./compile-plan.ts";
import { CardinalityViolationError } from "./errors.ts";
import type { Row } from "./table-access.ts";

type SubqueryExpr = Extract<BoundExpr, { kind: "subquery" }>;

/** A subquery compiler that compiles subquery plans with `compilePlan` (passed in, not imported, to keep modules acyclic). */
export function subqueryCompiler(compilePlan: (plan: SubqueryExpr["plan"], registry: FunctionRegistry) => CompiledPlan): SubqueryCompiler {
  return (expr, registry) => compileSubquery(expr, registry, compilePlan(expr.plan, registry));
}

function compileSubquery(expr: SubqueryExpr, registry: FunctionRegistry, plan: CompiledPlan): CompiledExpr {
  const correlations = expr.correlations.map((c) => ({ slot: c.slot, value: compileExpr(c.value, registry) }));
  const perRun = new WeakMap<EvalContext, readonly Row[]>();
  const rowsFor = (row: readonly SqlValue[], params: readonly SqlValue[], context: EvalContext): Iterable<Row> => {
    const tables = context.tables;
    assert(tables !== undefined, "a subquery runs inside a plan run, which provides its tables");
    if (correlations.length === 0) {
      let rows = perRun.get(context);
      if (rows === undefined) {
        rows = [...plan({ tables, context, params, ...interruptOf(context) })];
        perRun.set(context, rows);
      }
      return rows;
    }
    const inner = params.slice();
    for (const { slot, value } of correlations) inner[slot - 1] = value(row, params, context);
    return plan({ tables, context, params: inner, ...interruptOf(context) });
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
    case "any":
    case "all":
      return compileQuantified(expr, registry, rowsFor);
    default:
      return assertNever(expr.form);
  }
}

function compileQuantified(
  expr: SubqueryExpr,
  registry: FunctionRegistry,
  rowsFor: (row: readonly SqlValue[], params: readonly SqlValue[], context: EvalContext) => Iterable<Row>,
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
