/**
 * Row and cost estimates of a plan, for EXPLAIN and for choosing join orders. With statistics
 * (`CatalogTable.statistics`, from ANALYZE) as PostgreSQL uses them: a table's counted rows;
 * `column = constant` selects its most-common-value frequency, or the rest spread over the other
 * distinct values; a range the covered fraction of the equi-depth histogram (plus the matching
 * common values); `a = b` across tables 1 / max(distinct a, distinct b); IS NULL the null
 * fraction. Without them, PostgreSQL's defaults: a table's row count from the catalog or 1,000,
 * an equality selects 0.5% (DEFAULT_EQ_SEL), a range a third (DEFAULT_INEQ_SEL), other
 * conditions a half; AND multiplies, OR adds and subtracts the overlap; a GROUP BY makes 200
 * groups (DEFAULT_NUM_DISTINCT) at most; a set-returning function 1,000 rows.
 *
 * Costs start from the constants of the system we re-create: a sequential scan costs 1.0 per
 * row, a hash join 2.0 per build row plus 0.1 per probe row; evaluating a condition or a row of
 * output costs 0.01 (PostgreSQL's cpu_operator_cost is 0.0025, cpu_tuple_cost 0.01).
 */
import { assertNever } from "@omnikv/base";
import type { SqlValue } from "@omnikv/base";
import type { BoundExpr } from "../bound-expr.ts";
import type { ColumnStatistics } from "./catalog.ts";
import type { PlanNode } from "./plan.ts";
import { compareForStatistics } from "./value-compare.ts";

/** The statistics of the column at an index of some plan's row, when it comes from a table that has them. */
export type ColumnStatisticsOf = (index: number) => ColumnStatistics | undefined;

export interface Estimate {
  readonly rows: number;
  readonly startupCost: number;
  readonly totalCost: number;
}

const defaultTableRows = 1000;
const defaultEqualitySelectivity = 0.005;
const rangeSelectivity = 1 / 3;
const otherSelectivity = 0.5;
const groupsMax = 200;
const setReturningRows = 1000;
const seqScanCostPerRow = 1.0;
const hashBuildCostPerRow = 2.0;
const hashProbeCostPerRow = 0.1;
const cpuCostPerRow = 0.01;
/** A merge join's step over one input row: a key comparison, cheaper than a hash build. */
const mergeCostPerRow = 0.05;

/** The estimated selectivity of a condition (0..1), from statistics where `statsOf` has them. */
export function selectivity(expr: BoundExpr | undefined, statsOf: ColumnStatisticsOf = noStatistics): number {
  if (expr === undefined) return 1;
  const fromStatistics = statisticsSelectivity(expr, statsOf);
  if (fromStatistics !== undefined) return fromStatistics;
  if (expr.kind === "bool") {
    const parts = expr.args.map((arg) => selectivity(arg, statsOf));
    if (expr.op === "and") return parts.reduce((product, s) => product * s, 1);
    return parts.reduce((union, s) => union + s - union * s, 0);
  }
  if (expr.kind === "not") return 1 - selectivity(expr.arg, statsOf);
  if (expr.kind === "const") return expr.value === true ? 1 : 0;
  if (expr.kind === "null_test") return expr.isNegated ? 0.995 : defaultEqualitySelectivity;
  if (expr.kind === "call") {
    const op = expr.signatureId.slice(0, expr.signatureId.indexOf("("));
    if (op === "=") return defaultEqualitySelectivity;
    if (op === "<" || op === "<=" || op === ">" || op === ">=") return rangeSelectivity;
    if (op === "<>") return 1 - defaultEqualitySelectivity;
  }
  if (expr.kind === "scalar_array_op") return Math.min(1, defaultEqualitySelectivity * expr.items.length);
  return otherSelectivity;
}

const noStatistics: ColumnStatisticsOf = () => undefined;

function operatorOf(expr: BoundExpr): string | undefined {
  return expr.kind === "call" ? expr.signatureId.slice(0, expr.signatureId.indexOf("(")) : undefined;
}

/** A column, possibly under casts. */
function columnIndex(expr: BoundExpr | undefined): number | undefined {
  if (expr?.kind === "column") return expr.index;
  return expr?.kind === "cast" ? columnIndex(expr.expr) : undefined;
}

const mirrored: Readonly<Record<string, string>> = { "=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<=" };

function statisticsSelectivity(expr: BoundExpr, statsOf: ColumnStatisticsOf): number | undefined {
  if (expr.kind === "null_test") {
    const index = columnIndex(expr.arg);
    const stats = index === undefined ? undefined : statsOf(index);
    if (stats === undefined) return undefined;
    return expr.isNegated ? 1 - stats.nullFraction : stats.nullFraction;
  }
  const op = operatorOf(expr);
  if (op === undefined || expr.kind !== "call" || expr.args.length !== 2) return undefined;
  const [left, right] = expr.args;
  const [li, ri] = [columnIndex(left), columnIndex(right)];
  if (li !== undefined && ri !== undefined && op === "=") {
    const [ls, rs] = [statsOf(li), statsOf(ri)];
    if (ls === undefined || rs === undefined) return undefined;
    return (1 - ls.nullFraction) * (1 - rs.nullFraction) / Math.max(1, ls.distinctCount, rs.distinctCount);
  }
  const [index, constant, operator] = li !== undefined && right?.kind === "const" ? [li, right.value, op] : ri !== undefined && left?.kind === "const" ? [ri, left.value, mirrored[op]] : [undefined, null, undefined];
  if (index === undefined || operator === undefined || constant === null) return undefined;
  const stats = statsOf(index);
  if (stats === undefined) return undefined;
  if (operator === "=") return equalitySelectivity(stats, constant);
  if (operator === "<" || operator === "<=" || operator === ">" || operator === ">=") return rangeSelectivityOf(stats, constant, operator);
  return undefined;
}

function equalitySelectivity(stats: ColumnStatistics, constant: SqlValue): number | undefined {
  let commonTotal = 0;
  for (const common of stats.mostCommon) {
    const order = compareForStatistics(common.value, constant);
    if (order === undefined) return undefined;
    if (order === 0) return common.frequency;
    commonTotal += common.frequency;
  }
  const others = Math.max(1, stats.distinctCount - stats.mostCommon.length);
  return Math.max(0, 1 - stats.nullFraction - commonTotal) / others;
}

function rangeSelectivityOf(stats: ColumnStatistics, constant: SqlValue, op: string): number | undefined {
  const isBelow = op === "<" || op === "<=";
  let common = 0;
  let commonTotal = 0;
  for (const entry of stats.mostCommon) {
    const order = compareForStatistics(entry.value, constant);
    if (order === undefined) return undefined;
    commonTotal += entry.frequency;
    const matches = isBelow ? order < 0 || (op === "<=" && order === 0) : order > 0 || (op === ">=" && order === 0);
    if (matches) common += entry.frequency;
  }
  const rest = Math.max(0, 1 - stats.nullFraction - commonTotal);
  const bounds = stats.histogram;
  if (bounds.length < 2) return common + rest * rangeSelectivity;
  // The fraction of the histogram's buckets below the constant, interpolating inside its bucket.
  let below = 0;
  const buckets = bounds.length - 1;
  for (let i = 0; i < buckets; i++) {
    const [low, high] = [bounds[i] ?? null, bounds[i + 1] ?? null];
    const [vsLow, vsHigh] = [compareForStatistics(constant, low), compareForStatistics(constant, high)];
    if (vsLow === undefined || vsHigh === undefined) return undefined;
    if (vsHigh >= 0) below += 1;
    else if (vsLow > 0) below += interpolate(low, high, constant);
  }
  const fraction = below / buckets;
  return common + rest * (isBelow ? fraction : 1 - fraction);
}

function interpolate(low: SqlValue, high: SqlValue, value: SqlValue): number {
  const toNumber = (v: SqlValue): number | undefined => (typeof v === "number" ? v : typeof v === "bigint" ? Number(v) : undefined);
  const [l, h, x] = [toNumber(low), toNumber(high), toNumber(value)];
  if (l === undefined || h === undefined || x === undefined || h <= l) return 0.5;
  return Math.min(1, Math.max(0, (x - l) / (h - l)));
}

/** The statistics of `plan`'s column `index`, followed down to the table it comes from. */
export function columnStatistics(plan: PlanNode, index: number): ColumnStatistics | undefined {
  switch (plan.kind) {
    case "seq_scan":
    case "index_scan":
      return plan.table.statistics?.columns[index];
    case "filter":
    case "sort":
    case "limit":
    case "distinct":
    case "distinct_on":
    case "window":
      return columnStatistics(plan.input, index);
    case "project": {
      const source = columnIndex(plan.exprs[index]);
      return source === undefined ? undefined : columnStatistics(plan.input, source);
    }
    case "lateral_join": {
      const width = plan.left.columns.length;
      return index < width ? columnStatistics(plan.left, index) : undefined;
    }
    case "hash_join":
    case "merge_join":
    case "nested_loop_join": {
      if (plan.joinType === "semi" || plan.joinType === "anti") return columnStatistics(plan.left, index);
      const width = plan.left.columns.length;
      return index < width ? columnStatistics(plan.left, index) : columnStatistics(plan.right, index - width);
    }
    case "aggregate":
    case "function_scan":
    case "recursive_union":
    case "set_operation":
    case "values":
    case "worktable_scan":
      return undefined;
    default:
      return assertNever(plan);
  }
}

export function estimate(plan: PlanNode): Estimate {
  switch (plan.kind) {
    case "index_scan": {
      const tableRows = plan.table.statistics?.rowCount ?? plan.table.rowCountEstimate ?? defaultTableRows;
      const statsOf: ColumnStatisticsOf = (index) => plan.table.statistics?.columns[index];
      const column = (position: number): BoundExpr => {
        const index = plan.index.columns[position] ?? 0;
        return { kind: "column", type: plan.columns[index]?.type ?? { oid: 0, typmod: -1 }, index, name: plan.columns[index]?.name ?? "" };
      };
      const equalities = plan.equal.map((value, i): BoundExpr => ({ kind: "call", type: { oid: 16, typmod: -1 }, signatureId: "=(x)", args: [column(i), value], isStrict: true }));
      const lookups = plan.equalAny?.length ?? 1;
      if (plan.equalAny !== undefined) equalities.push({ kind: "call", type: { oid: 16, typmod: -1 }, signatureId: "=(x)", args: [column(plan.equal.length), plan.equalAny[0] ?? column(0)], isStrict: true });
      const isUnique = plan.index.isUnique && equalities.length === plan.index.columns.length;
      let rows = isUnique ? lookups : tableRows * equalities.reduce((s, e) => s * selectivity(e, statsOf), 1) * lookups;
      if (plan.lower !== undefined || plan.upper !== undefined) rows *= plan.lower !== undefined && plan.upper !== undefined ? 0.005 * 50 : rangeSelectivity;
      rows = Math.max(1, rows);
      return { rows, startupCost: 0, totalCost: isUnique ? lookups : rows * 0.25 + lookups };
    }
    case "seq_scan": {
      const rows = plan.table.statistics?.rowCount ?? plan.table.rowCountEstimate ?? defaultTableRows;
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
    case "merge_join":
      return estimateJoin(plan);
    case "lateral_join": {
      // The right side runs once per left row.
      const [left, right] = [estimate(plan.left), estimate(plan.right)];
      const rows = Math.max(plan.joinType === "left" ? left.rows : 1, left.rows * right.rows);
      return { rows, startupCost: left.startupCost + right.startupCost, totalCost: left.totalCost + left.rows * right.totalCost + rows * cpuCostPerRow };
    }
    case "aggregate": {
      const input = estimate(plan.input);
      const rows = plan.groupKeys.length === 0 ? 1 : Math.max(1, Math.min(groupsMax, input.rows));
      const cost = input.totalCost + input.rows * cpuCostPerRow * (1 + plan.aggregates.length);
      // A sorted aggregation streams: its first group is ready after about one group's input.
      const startupCost = plan.isSorted === true ? input.startupCost + (cost - input.startupCost) / rows : cost;
      return { rows, startupCost, totalCost: cost + rows * cpuCostPerRow };
    }
    case "sort":
    case "window": {
      const input = estimate(plan.input);
      const sortCost = input.rows > 1 ? input.rows * Math.log2(input.rows) * cpuCostPerRow : 0;
      return { rows: input.rows, startupCost: input.totalCost + sortCost, totalCost: input.totalCost + sortCost + input.rows * cpuCostPerRow };
    }
    case "distinct_on": {
      const input = estimate(plan.input);
      return { rows: Math.max(1, Math.min(input.rows, groupsMax)), startupCost: input.startupCost, totalCost: input.totalCost + input.rows * cpuCostPerRow };
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
      return { rows: Math.max(1, input.rows * selectivity(plan.predicate, (index) => columnStatistics(plan.input, index))), startupCost: input.startupCost, totalCost: input.totalCost + perRow };
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

function estimateJoin(plan: Extract<PlanNode, { kind: "nested_loop_join" | "hash_join" | "merge_join" }>): Estimate {
  const [left, right] = [estimate(plan.left), estimate(plan.right)];
  const statsOf: ColumnStatisticsOf = (index) => (index < plan.left.columns.length ? columnStatistics(plan.left, index) : columnStatistics(plan.right, index - plan.left.columns.length));
  if (plan.joinType === "semi" || plan.joinType === "anti") {
    // Without distinct counts of the keys, half the outer rows find a match (PostgreSQL's default).
    const matched = Math.min(1, right.rows * selectivity(plan.condition, statsOf));
    const fraction = plan.joinType === "semi" ? Math.max(matched, 0.5 * Math.min(1, right.rows)) : 1 - Math.min(matched, 0.5);
    const rows = Math.max(1, left.rows * fraction);
    const build = right.totalCost + right.rows * (plan.kind === "hash_join" ? hashBuildCostPerRow : cpuCostPerRow);
    return { rows, startupCost: build, totalCost: build + left.totalCost + left.rows * hashProbeCostPerRow };
  }
  let rows = left.rows * right.rows * selectivity(plan.condition, statsOf);
  if (plan.joinType === "left" || plan.joinType === "full") rows = Math.max(rows, left.rows);
  if (plan.joinType === "right" || plan.joinType === "full") rows = Math.max(rows, right.rows);
  rows = Math.max(1, rows);
  if (plan.kind === "merge_join") {
    // One pass over both sorted inputs; the sorts below (if any) carry their own cost.
    return { rows, startupCost: left.startupCost + right.startupCost, totalCost: left.totalCost + right.totalCost + (left.rows + right.rows) * mergeCostPerRow + rows * cpuCostPerRow };
  }
  if (plan.kind === "hash_join") {
    const build = right.totalCost + right.rows * hashBuildCostPerRow;
    return { rows, startupCost: build, totalCost: build + left.totalCost + left.rows * hashProbeCostPerRow + rows * cpuCostPerRow };
  }
  return { rows, startupCost: right.totalCost, totalCost: left.totalCost + right.totalCost + left.rows * right.rows * cpuCostPerRow };
}
