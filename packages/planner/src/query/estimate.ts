/**
 * Row and cost estimates of a plan, for EXPLAIN (and, later, for choosing plans). Without
 * statistics (ANALYZE is not built yet) they use PostgreSQL's defaults: a table's row count from
 * the catalog or 1,000, an equality selects 0.5% (DEFAULT_EQ_SEL), a range a third
 * (DEFAULT_INEQ_SEL), other conditions a half; AND multiplies, OR adds and subtracts the overlap;
 * a GROUP BY makes 200 groups (DEFAULT_NUM_DISTINCT) at most; a set-returning function 1,000 rows.
 *
 * Costs start from the constants of the system we re-create: a sequential scan costs 1.0 per
 * row, a hash join 2.0 per build row plus 0.1 per probe row; evaluating a condition or a row of
 * output costs 0.01 (PostgreSQL's cpu_operator_cost is 0.0025, cpu_tuple_cost 0.01).
 */
import { assertNever } from "@omnikv/base";
import type { BoundExpr } from "../bound-expr.ts";
import type { PlanNode } from "./plan.ts";

export interface Estimate {
  readonly rows: number;
  readonly startupCost: number;
  readonly totalCost: number;
}

const defaultTableRows = 1000;
const equalitySelectivity = 0.005;
const rangeSelectivity = 1 / 3;
const otherSelectivity = 0.5;
const groupsMax = 200;
const setReturningRows = 1000;
const seqScanCostPerRow = 1.0;
const hashBuildCostPerRow = 2.0;
const hashProbeCostPerRow = 0.1;
const cpuCostPerRow = 0.01;

/** The estimated selectivity of a condition (0..1). */
export function selectivity(expr: BoundExpr | undefined): number {
  if (expr === undefined) return 1;
  if (expr.kind === "bool") {
    const parts = expr.args.map(selectivity);
    if (expr.op === "and") return parts.reduce((product, s) => product * s, 1);
    return parts.reduce((union, s) => union + s - union * s, 0);
  }
  if (expr.kind === "not") return 1 - selectivity(expr.arg);
  if (expr.kind === "const") return expr.value === true ? 1 : 0;
  if (expr.kind === "null_test") return expr.isNegated ? 0.995 : equalitySelectivity;
  if (expr.kind === "call") {
    const op = expr.signatureId.slice(0, expr.signatureId.indexOf("("));
    if (op === "=") return equalitySelectivity;
    if (op === "<" || op === "<=" || op === ">" || op === ">=") return rangeSelectivity;
    if (op === "<>") return 1 - equalitySelectivity;
  }
  if (expr.kind === "scalar_array_op") return Math.min(1, equalitySelectivity * expr.items.length);
  return otherSelectivity;
}

export function estimate(plan: PlanNode): Estimate {
  switch (plan.kind) {
    case "seq_scan": {
      const rows = plan.table.rowCountEstimate ?? defaultTableRows;
      return { rows, startupCost: 0, totalCost: rows * seqScanCostPerRow };
    }
    case "values":
      return { rows: plan.rows.length, startupCost: 0, totalCost: plan.rows.length * cpuCostPerRow };
    case "function_scan": {
      const rows = plan.isSetReturning ? setReturningRows : 1;
      return { rows, startupCost: 0, totalCost: rows * cpuCostPerRow };
    }
    case "worktable_scan":
      return { rows: 100, startupCost: 0, totalCost: 100 * cpuCostPerRow };
    case "recursive_union": {
      const [base, step] = [estimate(plan.nonRecursive), estimate(plan.recursive)];
      return { rows: base.rows + 10 * step.rows, startupCost: base.startupCost, totalCost: base.totalCost + 10 * step.totalCost };
    }
    case "filter":
    case "project":
    case "limit":
    case "distinct":
      return estimateStreaming(plan);
    case "nested_loop_join":
    case "hash_join":
      return estimateJoin(plan);
    case "aggregate": {
      const input = estimate(plan.input);
      const rows = plan.groupKeys.length === 0 ? 1 : Math.max(1, Math.min(groupsMax, input.rows));
      const cost = input.totalCost + input.rows * cpuCostPerRow * (1 + plan.aggregates.length);
      return { rows, startupCost: cost, totalCost: cost + rows * cpuCostPerRow };
    }
    case "sort":
    case "window": {
      const input = estimate(plan.input);
      const sortCost = input.rows > 1 ? input.rows * Math.log2(input.rows) * cpuCostPerRow : 0;
      return { rows: input.rows, startupCost: input.totalCost + sortCost, totalCost: input.totalCost + sortCost + input.rows * cpuCostPerRow };
    }
    case "set_operation": {
      const [left, right] = [estimate(plan.left), estimate(plan.right)];
      const rows = plan.op === "union" ? left.rows + right.rows : plan.op === "intersect" ? Math.min(left.rows, right.rows) : left.rows;
      return { rows, startupCost: 0, totalCost: left.totalCost + right.totalCost + (left.rows + right.rows) * cpuCostPerRow };
    }
    default:
      return assertNever(plan);
  }
}

function estimateStreaming(plan: Extract<PlanNode, { kind: "filter" | "project" | "limit" | "distinct" }>): Estimate {
  const input = estimate(plan.input);
  const perRow = input.rows * cpuCostPerRow;
  switch (plan.kind) {
    case "filter":
      return { rows: Math.max(1, input.rows * selectivity(plan.predicate)), startupCost: input.startupCost, totalCost: input.totalCost + perRow };
    case "project":
      return { rows: input.rows, startupCost: input.startupCost, totalCost: input.totalCost + perRow };
    case "distinct":
      return { rows: Math.max(1, input.rows * 0.5), startupCost: input.startupCost, totalCost: input.totalCost + perRow };
    case "limit": {
      const limit = plan.limit?.kind === "const" && typeof plan.limit.value === "bigint" ? Number(plan.limit.value) : input.rows;
      const rows = Math.min(input.rows, limit);
      const fraction = input.rows === 0 ? 1 : rows / input.rows;
      return { rows, startupCost: input.startupCost, totalCost: input.startupCost + (input.totalCost - input.startupCost) * fraction };
    }
    default:
      return assertNever(plan);
  }
}

function estimateJoin(plan: Extract<PlanNode, { kind: "nested_loop_join" | "hash_join" }>): Estimate {
  const [left, right] = [estimate(plan.left), estimate(plan.right)];
  const condition = plan.kind === "hash_join" ? plan.residual : plan.condition;
  const keySelectivity = plan.kind === "hash_join" ? equalitySelectivity ** plan.leftKeys.length : 1;
  let rows = left.rows * right.rows * keySelectivity * selectivity(condition);
  if (plan.joinType === "left" || plan.joinType === "full") rows = Math.max(rows, left.rows);
  if (plan.joinType === "right" || plan.joinType === "full") rows = Math.max(rows, right.rows);
  rows = Math.max(1, rows);
  if (plan.kind === "hash_join") {
    const build = right.totalCost + right.rows * hashBuildCostPerRow;
    return { rows, startupCost: build, totalCost: build + left.totalCost + left.rows * hashProbeCostPerRow + rows * cpuCostPerRow };
  }
  return { rows, startupCost: right.totalCost, totalCost: left.totalCost + right.totalCost + left.rows * right.rows * cpuCostPerRow };
}
