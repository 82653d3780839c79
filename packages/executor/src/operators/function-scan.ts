/**
 * A function in FROM: the arguments are evaluated once per run; a set-returning function yields
 * its rows lazily (a strict one yields none for a NULL argument, as in PostgreSQL), a scalar
 * function one row. WITH ORDINALITY appends each row's 1-based number as int8.
 */
import { assert } from "@omnikv/base";
import type { PlanNode } from "@omnikv/planner";
import { compileExpr } from "../expr/compile.ts";
import { builtinSetReturningFunctions } from "../functions/builtin-registry.ts";
import type { SqlValue } from "../values.ts";
import { interruptIntervalRows, type CompileEnvironment } from "./execution-context.ts";
import type { RowSource } from "./row-source.ts";

export function compileFunctionScan(plan: Extract<PlanNode, { kind: "function_scan" }>, env: CompileEnvironment): RowSource {
  const args = plan.args.map((arg) => compileExpr(arg, env.registry));
  const produce = plan.isSetReturning ? builtinSetReturningFunctions[plan.signatureId] : undefined;
  const scalar = plan.isSetReturning ? undefined : env.registry.lookup(plan.signatureId, plan.argTypes);
  assert(produce !== undefined || scalar !== undefined, `an implementation of ${plan.signatureId}`);
  return function* functionScan(run) {
    const values = args.map((arg) => arg([], run.params, run.context));
    if (plan.isStrict && values.includes(null)) {
      if (scalar !== undefined) yield withOrdinal([null], 1n, plan.withOrdinality);
      return undefined;
    }
    if (scalar !== undefined) {
      yield withOrdinal([scalar(values, run.context)], 1n, plan.withOrdinality);
      return undefined;
    }
    let ordinal = 0n;
    let count = 0;
    for (const row of produce?.(values, run.context) ?? []) {
      if (++count % interruptIntervalRows === 0) run.interrupt?.();
      yield withOrdinal(row, ++ordinal, plan.withOrdinality);
    }
    return undefined;
  };
}

function withOrdinal(row: readonly SqlValue[], ordinal: bigint, isOrdinal: boolean): readonly SqlValue[] {
  return isOrdinal ? [...row, ordinal] : row;
}
