/**
 * Compiles a planner `PlanNode` tree into nested row sources, once per plan: every expression
 * is compiled and every function implementation looked up here, so running the plan resolves
 * nothing per row. `runPlan` runs it and yields result rows as they are produced.
 */
import { assert, assertNever } from "@omnikv/base";
import type { BoundExpr, PlanNode } from "@omnikv/planner";
import type { AggregateTable } from "../functions/aggregate-types.ts";
import type { FunctionRegistry, SubqueryCompiler } from "../functions/registry.ts";
import { compileAggregate } from "./aggregate.ts";
import { compileGroupAggregate } from "./group-aggregate.ts";
import { compileDistinct } from "./distinct.ts";
import { compileDistinctOn } from "./distinct-on.ts";
import type { ExecutionContext } from "./execution-context.ts";
import { compileFilter } from "./filter.ts";
import { compileMergeJoin } from "./merge-join.ts";
import { compileHashJoin } from "./hash-join.ts";
import { compileLimit } from "./limit.ts";
import { compileLateralJoin } from "./lateral-join.ts";
import { compileNestedLoopJoin } from "./nested-loop-join.ts";
import { compileProject } from "./project.ts";
import type { RowSource } from "./row-source.ts";
import { compileSeqScan } from "./scan.ts";
import { compileIndexScan } from "./index-scan.ts";
import { compileSetOperation } from "./set-operation.ts";
import { compileSort } from "./sort.ts";
import { compileTopN } from "./top-n.ts";
import { compileWindow } from "./window.ts";
import { subqueryCompiler } from "./subquery.ts";
import type { Row } from "./table-access.ts";
import { compileValues } from "./values.ts";
import { compileFunctionScan } from "./function-scan.ts";
import { compileRecursiveUnion, compileWorkTableScan, type WorkTableSlot } from "./recursive-union.ts";

export interface PlanEnvironment {
  readonly registry: FunctionRegistry;
  readonly aggregates: AggregateTable;
  /** EXPLAIN ANALYZE: every operator's rows, loops and time are recorded here, by plan node. */
  readonly actuals?: Map<PlanNode, MutableActuals>;
  /** The work tables of the recursive unions being compiled, by id. */
  readonly workTables?: ReadonlyMap<number, WorkTableSlot>;
}

/** A compiled plan: call it with a run's context to stream the result rows. */
export type CompiledPlan = (run: ExecutionContext) => Iterable<Row>;

export function compilePlan(plan: PlanNode, env: PlanEnvironment): CompiledPlan {
  // A subquery's own plan (compiled through the registry's compiler) keeps its parent's.
  if (env.registry.subqueries !== undefined) return withRunContext(compileNode(plan, env));
  let subqueryCount = 0;
  const compileSubquery = subqueries(env);
  const counting: SubqueryCompiler = (expr, registry) => {
    subqueryCount += 1;
    return compileSubquery(expr, registry);
  };
  const root = compileNode(plan, { ...env, registry: env.registry.withSubqueries(counting) });
  // Only subquery expressions read the context's tables and interrupt: a plan without them runs on
  // the caller's context as it is, without two object copies per run (an OLTP statement's plan).
  return subqueryCount === 0 ? root : withRunContext(root);
}

/**
 * Subquery expressions read tables through the evaluation context, and an uncorrelated one keeps
 * its rows per context object: each run of a plan with subqueries gets a context of its own.
 */
function withRunContext(root: RowSource): CompiledPlan {
  return (run) => {
    const interrupt = run.interrupt === undefined ? {} : { interrupt: run.interrupt };
    return root({ ...run, context: { ...run.context, tables: run.tables, ...interrupt } });
  };
}

function compileNode(plan: PlanNode, env: PlanEnvironment): RowSource {
  const source = compileOperator(plan, env);
  return env.actuals === undefined ? source : instrument(source, plan, env.actuals);
}

/** The rows, loops and time EXPLAIN ANALYZE reports for one operator (times include its inputs'). */
export interface MutableActuals {
  rows: number;
  loops: number;
  firstRowMs: number;
  totalMs: number;
}

function instrument(source: RowSource, plan: PlanNode, actuals: Map<PlanNode, MutableActuals>): RowSource {
  const entry: MutableActuals = { rows: 0, loops: 0, firstRowMs: 0, totalMs: 0 };
  actuals.set(plan, entry);
  return function* instrumented(run) {
    entry.loops += 1;
    const started = performance.now();
    let isFirst = true;
    const iterator = source(run)[Symbol.iterator]();
    try {
      for (;;) {
        // The first step also counts the iterator's setup, so the time to the first row never exceeds the total.
        const resumed = isFirst ? started : performance.now();
        const next = iterator.next();
        entry.totalMs += performance.now() - resumed;
        if (isFirst) {
          entry.firstRowMs += performance.now() - started;
          isFirst = false;
        }
        if (next.done === true) return undefined;
        entry.rows += 1;
        yield next.value;
      }
    } finally {
      iterator.return?.();
    }
  };
}

function compileOperator(plan: PlanNode, env: PlanEnvironment): RowSource {
  switch (plan.kind) {
    case "seq_scan":
      return compileSeqScan(plan.table, plan.readColumns);
    case "index_scan":
      return compileIndexScan(plan, env);
    case "values":
      return compileValues(plan.rows, env);
    case "function_scan":
      return compileFunctionScan(plan, env);
    case "recursive_union": {
      // The slot exists before the recursive term compiles, so its work-table scans find it.
      const slot: WorkTableSlot = { rows: [] };
      const inner: PlanEnvironment = { ...env, workTables: new Map([...(env.workTables ?? []), [plan.workTableId, slot]]) };
      return compileRecursiveUnion(compileNode(plan.nonRecursive, env), compileNode(plan.recursive, inner), slot, plan, env);
    }
    case "worktable_scan": {
      const slot = env.workTables?.get(plan.workTableId);
      assert(slot !== undefined, "a work-table scan compiles inside its recursive union");
      return compileWorkTableScan(slot);
    }
    case "filter":
      return compileFilter(compileNode(plan.input, env), plan.predicate, env);
    case "project":
      return compileProject(compileNode(plan.input, env), plan.exprs, env);
    case "nested_loop_join":
      return compileNestedLoopJoin(plan.joinType, compileNode(plan.left, env), compileNode(plan.right, env), plan.condition, widths(plan), env);
    case "lateral_join":
      return compileLateralJoin(
        { joinType: plan.joinType, correlations: plan.correlations, condition: plan.condition, rightWidth: plan.right.columns.length },
        compileNode(plan.left, env),
        compileNode(plan.right, env),
        env,
      );
    case "hash_join":
      return compileHashJoin(
        { ...plan, widths: widths(plan), leftOids: plan.left.columns.map((c) => c.type.oid), rightOids: plan.right.columns.map((c) => c.type.oid) },
        compileNode(plan.left, env),
        compileNode(plan.right, env),
        env,
      );
    case "merge_join":
      return compileMergeJoin({ ...plan, widths: widths(plan) }, compileNode(plan.left, env), compileNode(plan.right, env), env);
    case "aggregate":
      if (plan.isSorted === true && plan.groupKeys.length > 0) return compileGroupAggregate(compileNode(plan.input, env), plan.groupKeys, plan.aggregates, env);
      return compileAggregate(compileNode(plan.input, env), plan.groupKeys, plan.aggregates, env, plan.input.columns.map((c) => c.type.oid));
    case "sort":
      return compileSort(compileNode(plan.input, env), plan.keys, env, plan.columns.map((c) => c.type.oid));
    case "window":
      return compileWindow(compileNode(plan.input, env), plan.windows, env, plan.isInputOrdered === true);
    case "limit": {
      // ORDER BY … LIMIT n: keep only the first rows in a heap instead of sorting all of them.
      const sort = plan.input;
      if (sort.kind === "sort" && plan.limit !== undefined && isRunConstant(plan.limit) && (plan.offset === undefined || isRunConstant(plan.offset))) {
        return compileTopN(compileNode(sort.input, env), sort.keys, plan.limit, plan.offset, env);
      }
      return compileLimit(compileNode(plan.input, env), plan.limit, plan.offset, env);
    }
    case "distinct":
      return compileDistinct(compileNode(plan.input, env), plan.columns, env, plan.isSorted === true);
    case "distinct_on":
      return compileDistinctOn(compileNode(plan.input, env), plan.keys, env);
    case "set_operation":
      return compileSetOperation(plan.op, plan.isAll, compileNode(plan.left, env), compileNode(plan.right, env), plan.columns, env);
    default:
      return assertNever(plan);
  }
}

/** A LIMIT/OFFSET expression fixed for a run: constants, parameters and casts of them. */
function isRunConstant(expr: BoundExpr): boolean {
  if (expr.kind === "const" || expr.kind === "param") return true;
  return expr.kind === "cast" && isRunConstant(expr.expr);
}

function subqueries(env: PlanEnvironment): SubqueryCompiler {
  return subqueryCompiler((plan, registry) => compilePlan(plan, { ...env, registry }));
}

function widths(plan: { readonly left: PlanNode; readonly right: PlanNode }): { left: number; right: number } {
  return { left: plan.left.columns.length, right: plan.right.columns.length };
}
