/**
 * EXPLAIN: a plan as PostgreSQL-style text — one line per operator with its estimated cost,
 * rows and width, details (conditions, keys) indented under it, children under `->`. With
 * actuals (EXPLAIN ANALYZE) each line also shows the measured time, rows and loops.
 * Projections are not shown (PostgreSQL folds them into the node below); the other operators
 * appear under the names of the executor's own operators.
 */
import { assertNever, typeLength } from "@omnikv/base";
import type { BoundExpr } from "../bound-expr.ts";
import { estimate } from "./estimate.ts";
import type { PlanColumn, PlanNode, SortKey } from "./plan.ts";

/** What EXPLAIN ANALYZE measured for one operator. */
export interface NodeActuals {
  readonly rows: number;
  readonly loops: number;
  readonly firstRowMs: number;
  readonly totalMs: number;
}

export interface ExplainOptions {
  /** Omit `(cost=… rows=… width=…)`, as `EXPLAIN (COSTS OFF)`. */
  readonly isCostless?: boolean;
  readonly actuals?: (node: PlanNode) => NodeActuals | undefined;
}

export function explainPlan(plan: PlanNode, options: ExplainOptions = {}): string[] {
  const lines: string[] = [];
  writeNode(shown(plan), 0, true, lines, options);
  return lines;
}

/**
 * EXPLAIN of a node the engine runs over a planned query: `Update on t` / `Delete on t` /
 * `Insert on t` (PostgreSQL's ModifyTable, which returns no rows: rows=0 width=0) or `LockRows`
 * (SELECT FOR UPDATE: the query's rows and width), with the query's plan below it.
 */
export function explainOver(header: string, input: PlanNode, kind: "modify" | "lock_rows", options: ExplainOptions = {}, headerActuals?: NodeActuals): string[] {
  const e = estimate(input);
  const [rows, columnsWidth] = kind === "modify" ? [0, 0] : [Math.round(e.rows), width(input.columns)];
  const costs = options.isCostless === true ? "" : `  (cost=${e.startupCost.toFixed(2)}..${e.totalCost.toFixed(2)} rows=${rows} width=${columnsWidth})`;
  const lines = [`${header}${costs}${headerActuals === undefined ? "" : actualsText(headerActuals, options)}`];
  writeNode(shown(input), 1, false, lines, options);
  return lines;
}

/** The node EXPLAIN shows for `plan`: projections are skipped. */
function shown(plan: PlanNode): PlanNode {
  return plan.kind === "project" ? shown(plan.input) : plan;
}

/**
 * While the inner side of an index nested loop is written: its correlation parameters by slot,
 * shown as the outer expressions they carry (`id = cu_id`, as PostgreSQL prints `id = o.cu_id`),
 * not as `$100000`.
 */
const outerParams = new Map<number, string>();

function writeNode(plan: PlanNode, depth: number, isRoot: boolean, lines: string[], options: ExplainOptions): void {
  const indent = " ".repeat(isRoot ? 0 : depth * 6 - 4);
  const arrow = isRoot ? "" : "->  ";
  lines.push(`${indent}${arrow}${label(plan)}${annotation(plan, options)}`);
  const detailIndent = " ".repeat(isRoot ? 2 : depth * 6 + 2);
  for (const detail of details(plan)) lines.push(`${detailIndent}${detail}`);
  const named = plan.kind === "lateral_join" && plan.isIndexLookup === true ? plan.correlations.filter((c) => !outerParams.has(c.slot)) : [];
  for (const correlation of named) outerParams.set(correlation.slot, exprText(correlation.value));
  try {
    for (const child of children(plan)) writeNode(shown(child), depth + 1, false, lines, options);
  } finally {
    for (const correlation of named) outerParams.delete(correlation.slot);
  }
}

function annotation(plan: PlanNode, options: ExplainOptions): string {
  const parts: string[] = [];
  if (options.isCostless !== true) {
    const e = estimate(plan);
    parts.push(`  (cost=${e.startupCost.toFixed(2)}..${e.totalCost.toFixed(2)} rows=${Math.round(e.rows)} width=${width(plan.columns)})`);
  }
  const actual = options.actuals?.(plan);
  if (actual !== undefined) {
    parts.push(actualsText(actual, options));
  } else if (options.actuals !== undefined) {
    parts.push(" (never executed)");
  }
  return parts.join("");
}

/** ` (actual time=first..total rows=n loops=l)`, per loop as PostgreSQL prints it. */
function actualsText(actual: NodeActuals, options: ExplainOptions): string {
  const loops = Math.max(1, actual.loops);
  const time = `actual time=${(actual.firstRowMs / loops).toFixed(3)}..${(actual.totalMs / loops).toFixed(3)}`;
  return `${options.isCostless === true ? "  " : " "}(${time} rows=${Math.round(actual.rows / loops)} loops=${actual.loops})`;
}

/** EXPLAIN's row width: fixed-length types by their length, variable-length ones 32 bytes (a guess, as PostgreSQL's). */
function width(columns: readonly PlanColumn[]): number {
  return columns.reduce((sum, column) => {
    const length = typeLength(column.type.oid);
    return sum + (length > 0 ? length : 32);
  }, 0);
}

function joinName(joinType: string): string {
  return joinType === "inner" ? "" : ` ${joinType[0]?.toUpperCase() ?? ""}${joinType.slice(1)}`;
}

function label(plan: PlanNode): string {
  switch (plan.kind) {
    case "seq_scan":
      return `Seq Scan on ${plan.table.name}`;
    case "index_scan":
      return `Index Scan${plan.isReverse ? " Backward" : ""} using ${plan.index.name} on ${plan.table.name}`;
    case "values":
      return "Values Scan";
    case "function_scan":
      return `Function Scan on ${plan.signatureId.slice(0, plan.signatureId.indexOf("("))}`;
    case "worktable_scan":
      return "WorkTable Scan";
    case "recursive_union":
      return "Recursive Union";
    case "filter":
      return "Filter";
    case "project":
      return "Project";
    case "nested_loop_join":
      return `Nested Loop${joinName(plan.joinType)}${plan.joinType === "inner" ? "" : " Join"}`;
    case "lateral_join":
      return `Nested Loop${joinName(plan.joinType)}${plan.joinType === "inner" ? "" : " Join"}${plan.isIndexLookup === true ? "" : " (lateral)"}`;
    case "hash_join":
      return `Hash${joinName(plan.joinType)} Join`;
    case "merge_join":
      return `Merge${joinName(plan.joinType)} Join`;
    case "aggregate":
      return plan.groupKeys.length === 0 ? "Aggregate" : plan.isSorted === true ? "GroupAggregate" : "HashAggregate";
    case "sort":
      return "Sort";
    case "window":
      return "WindowAgg";
    case "limit":
      return "Limit";
    case "distinct":
      return plan.isSorted === true ? "Unique" : "Unique (hashed)";
    case "distinct_on":
      return "Unique";
    case "set_operation":
      if (plan.op === "union") return plan.isAll ? "Append" : "Union";
      return `HashSetOp ${plan.op === "intersect" ? "Intersect" : "Except"}${plan.isAll ? " All" : ""}`;
    default:
      return assertNever(plan);
  }
}

function details(plan: PlanNode): string[] {
  if (plan.kind === "filter") return [`Filter: ${exprText(plan.predicate)}`];
  if (plan.kind === "index_scan") return indexConditions(plan);
  if (plan.kind === "hash_join" || plan.kind === "merge_join") {
    const conditions = plan.leftKeys.map((key, i) => `(${exprText(key)} = ${exprText(plan.rightKeys[i])})`);
    const condLabel = plan.kind === "hash_join" ? "Hash Cond" : "Merge Cond";
    return [`${condLabel}: ${conditions.join(" AND ")}`, ...(plan.residual === undefined ? [] : [`Join Filter: ${exprText(plan.residual)}`])];
  }
  if (plan.kind === "nested_loop_join" || plan.kind === "lateral_join") return plan.condition === undefined ? [] : [`Join Filter: ${exprText(plan.condition)}`];
  if (plan.kind === "aggregate") return plan.groupKeys.length === 0 ? [] : [`Group Key: ${plan.groupKeys.map((k) => exprText(k)).join(", ")}`];
  if (plan.kind === "sort") return [`Sort Key: ${plan.keys.map(sortKeyText).join(", ")}`];
  return [];
}

function indexConditions(plan: Extract<PlanNode, { kind: "index_scan" }>): string[] {
  const name = (position: number): string => {
    const expression = plan.index.expressions?.[position];
    return expression === undefined ? (plan.columns[plan.index.columns[position] ?? -1]?.name ?? "?") : exprText(expression);
  };
  const parts = plan.equal.map((value, i) => `(${name(i)} = ${exprText(value)})`);
  const range = name(plan.equal.length);
  if (plan.equalAny !== undefined) parts.push(`(${range} = ANY ('{${plan.equalAny.map((item) => exprText(item)).join(",")}}'))`);
  if (plan.lower !== undefined) parts.push(`(${range} ${plan.lower.isInclusive ? ">=" : ">"} ${exprText(plan.lower.value)})`);
  if (plan.upper !== undefined) parts.push(`(${range} ${plan.upper.isInclusive ? "<=" : "<"} ${exprText(plan.upper.value)})`);
  return parts.length === 0 ? [] : [`Index Cond: ${parts.join(" AND ")}`];
}

function sortKeyText(key: SortKey): string {
  const direction = key.isDescending ? " DESC" : "";
  const nulls = key.isNullsFirst === key.isDescending ? "" : key.isNullsFirst ? " NULLS FIRST" : " NULLS LAST";
  return `${exprText(key.expr)}${direction}${nulls}`;
}

function children(plan: PlanNode): PlanNode[] {
  switch (plan.kind) {
    case "seq_scan":
    case "index_scan":
    case "values":
    case "function_scan":
    case "worktable_scan":
      return [];
    case "recursive_union":
      return [plan.nonRecursive, plan.recursive];
    case "filter":
    case "project":
    case "aggregate":
    case "sort":
    case "window":
    case "limit":
    case "distinct":
    case "distinct_on":
      return [plan.input];
    case "nested_loop_join":
    case "lateral_join":
    case "hash_join":
    case "merge_join":
    case "set_operation":
      return [plan.left, plan.right];
    default:
      return assertNever(plan);
  }
}

/** A short text for an expression in a plan: column names, operators infix, calls by name. */
export function exprText(expr: BoundExpr | undefined): string {
  if (expr === undefined) return "";
  switch (expr.kind) {
    case "column":
      return expr.name;
    case "const": {
      const value = expr.value;
      if (value === null) return "NULL";
      if (typeof value === "string") return `'${value.replaceAll("'", "''")}'`;
      if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") return String(value);
      return "(constant)";
    }
    case "param":
      return outerParams.get(expr.index) ?? `$${expr.index}`;
    case "call": {
      const name = expr.signatureId.slice(0, expr.signatureId.indexOf("("));
      const isOperator = /^[^a-z_]+$/i.test(name);
      if (isOperator && expr.args.length === 2) return `(${exprText(expr.args[0])} ${name} ${exprText(expr.args[1])})`;
      if (isOperator && expr.args.length === 1) return `(${name}${exprText(expr.args[0])})`;
      return `${name}(${expr.args.map((a) => exprText(a)).join(", ")})`;
    }
    case "cast":
      return exprText(expr.expr);
    case "bool":
      return `(${expr.args.map((a) => exprText(a)).join(` ${expr.op.toUpperCase()} `)})`;
    case "not":
      return `(NOT ${exprText(expr.arg)})`;
    case "null_test":
      return `(${exprText(expr.arg)} IS ${expr.isNegated ? "NOT " : ""}NULL)`;
    case "subquery":
      return `(SubPlan ${expr.form})`;
    case "bool_test":
    case "case":
    case "coalesce":
    case "min_max":
    case "scalar_array_op":
    case "array_op":
    case "array":
    case "distinct":
    case "nullif":
      return `(${expr.kind.replaceAll("_", " ")})`;
    case "domain_check":
      return `(${exprText(expr.arg)})::${expr.domain}`;
    case "row":
      return `ROW(${expr.fields.map((field) => exprText(field)).join(", ")})`;
    default:
      return assertNever(expr);
  }
}
