/**
 * Access paths: a filter over a sequential scan becomes an index scan when an index of the table
 * serves some of its conditions more cheaply — equalities on a prefix of the index's columns
 * (`pk = $1`, `(a, b) = (1, 2)`), then a range on the next column (`x > 5 AND x <= 10`); the
 * other conditions stay in a filter above it. Costs follow the constants of the system we
 * re-create: a sequential scan 1.0 per row, an index scan 0.25 per row it returns, a lookup of
 * a whole unique key 1.0. Bound values must be constants or parameters of the column's own type,
 * or integers of another width (so the index's order is the comparison's).
 */
import { TypeOid } from "@omnikv/base";
import type { BoundExpr } from "../bound-expr.ts";
import type { CatalogIndex } from "./catalog.ts";
import { estimate, selectivity } from "./estimate.ts";
import { conjunction, conjuncts } from "./expr-columns.ts";
import { isPredicateImplied, isSameExpr } from "./predicate-implication.ts";
import { mapChildren } from "./plan-children.ts";
import type { IndexBound, PlanNode } from "./plan.ts";

const indexScanCostPerRow = 0.25;
const uniqueLookupCost = 1.0;

interface Comparison {
  readonly part: BoundExpr;
  /** The compared column's position, or -1 when the compared side is another expression. */
  readonly column: number;
  /** The side compared with a run-time constant: a column, or an expression an index may key on. */
  readonly target: BoundExpr;
  readonly op: "=" | "<" | "<=" | ">" | ">=";
  readonly value: BoundExpr;
}

type ComparisonOperator = Comparison["op"];

const mirrored: ReadonlyMap<string, ComparisonOperator> = new Map<string, ComparisonOperator>([
  ["=", "="],
  ["<", ">"],
  ["<=", ">="],
  [">", "<"],
  [">=", "<="],
]);
const operators: ReadonlySet<string> = new Set(mirrored.keys());

function asOperator(op: string): ComparisonOperator | undefined {
  for (const candidate of ["=", "<", "<=", ">", ">="] as const) if (candidate === op) return candidate;
  return undefined;
}

function isRunConstant(expr: BoundExpr): boolean {
  if (expr.kind === "const" || expr.kind === "param") return true;
  return expr.kind === "cast" && isRunConstant(expr.expr);
}

const integerTypes: ReadonlySet<number> = new Set([TypeOid.int2, TypeOid.int4, TypeOid.int8]);

/** Same type, or integers of different widths (the executor widens or narrows the bound). */
function isSameOrder(a: number, b: number): boolean {
  return a === b || (integerTypes.has(a) && integerTypes.has(b));
}

/** `column op value` (either way round) with a same-type comparison, if `part` is one. */
function comparisonOf(part: BoundExpr): Comparison | undefined {
  if (part.kind !== "call" || part.args.length !== 2) return undefined;
  const typed = asOperator(part.signatureId.slice(0, part.signatureId.indexOf("(")));
  if (typed === undefined || !operators.has(typed)) return undefined;
  const [a, b] = part.args;
  if (a === undefined || b === undefined || !isSameOrder(a.type.oid, b.type.oid)) return undefined;
  if (!isRunConstant(a) && isRunConstant(b)) return { part, column: a.kind === "column" ? a.index : -1, target: a, op: typed, value: b };
  const flipped = mirrored.get(typed);
  if (!isRunConstant(b) && isRunConstant(a) && flipped !== undefined) return { part, column: b.kind === "column" ? b.index : -1, target: b, op: flipped, value: a };
  return undefined;
}

const integerWidth: ReadonlyMap<number, number> = new Map([
  [TypeOid.int2, 2],
  [TypeOid.int4, 4],
  [TypeOid.int8, 8],
]);

/**
 * The column under `expr`: the column itself, or one the binder widened to a larger integer type
 * to compare it with wider items (`int4col IN (1, 3000000000)` compares as int8). Widening keeps
 * the order, and the executor narrows each int8 item to the column's width (an item out of its
 * range matches nothing), so the column's index still serves the list.
 */
function listColumnOf(expr: BoundExpr): Extract<BoundExpr, { kind: "column" }> | undefined {
  if (expr.kind === "column") return expr;
  if (expr.kind !== "cast" || expr.isExplicit || expr.expr.kind !== "column") return undefined;
  const from = integerWidth.get(expr.expr.type.oid);
  const to = integerWidth.get(expr.type.oid);
  return from !== undefined && to !== undefined && from <= to ? expr.expr : undefined;
}

/** The items of `column IN (items)` when `part` is one that an index on the column serves. */
function inListOf(part: BoundExpr, column: number): readonly BoundExpr[] | undefined {
  if (part.kind !== "scalar_array_op" || !part.isAny) return undefined;
  const left = listColumnOf(part.left);
  if (left === undefined || left.index !== column) return undefined;
  if (asOperator(part.signatureId.slice(0, part.signatureId.indexOf("("))) !== "=") return undefined;
  const type = left.type.oid;
  return part.items.every((item) => isRunConstant(item) && isSameOrder(type, item.type.oid)) ? part.items : undefined;
}

interface IndexChoice {
  readonly plan: PlanNode;
  readonly cost: number;
  readonly isUniqueLookup: boolean;
}

/** `plan` with every filter over a sequential scan turned into an index scan where cheaper. */
export function chooseAccessPaths(plan: PlanNode): PlanNode {
  if (plan.kind === "filter" && plan.input.kind === "seq_scan") return chooseForFilter(plan, plan.input);
  return mapChildren(plan, chooseAccessPaths);
}

function chooseForFilter(filter: Extract<PlanNode, { kind: "filter" }>, scan: Extract<PlanNode, { kind: "seq_scan" }>): PlanNode {
  const parts = conjuncts(filter.predicate);
  const comparisons = parts.map(comparisonOf);
  let best: IndexChoice = { plan: filter, cost: estimate(filter).totalCost, isUniqueLookup: false };
  for (const index of scan.table.indexes ?? []) {
    if (index.predicate !== undefined && !isPredicateImplied(index.predicate, parts)) continue;
    const choice = indexChoice(index, scan, parts, comparisons);
    if (choice === undefined) continue;
    // A unique lookup wins ties: it reads one key whatever the table holds, while a scan's real
    // cost also grows with row versions not yet compacted away, which statistics do not count
    // (TPC-B's one-row pgbench_branches, updated thousands of times a second, was scanned).
    if (choice.cost < best.cost || (choice.isUniqueLookup && choice.cost <= best.cost)) best = choice;
  }
  return best.plan;
}

/** Whether comparison `c` is on key element `element` of `index`: its column, or the same expression. */
function isOnElement(c: Comparison, index: CatalogIndex, element: number): boolean {
  const expression = index.expressions?.[element];
  if (expression !== undefined) return isSameExpr(c.target, expression) && isSameOrder(c.target.type.oid, expression.type.oid);
  return c.column >= 0 && c.column === index.columns[element];
}

function indexChoice(index: CatalogIndex, scan: Extract<PlanNode, { kind: "seq_scan" }>, parts: readonly BoundExpr[], comparisons: readonly (Comparison | undefined)[]): IndexChoice | undefined {
  const used = new Set<BoundExpr>();
  const equal: BoundExpr[] = [];
  for (let element = 0; element < index.columns.length; element++) {
    const match = comparisons.find((c) => c !== undefined && c.op === "=" && !used.has(c.part) && isOnElement(c, index, element));
    if (match === undefined) break;
    equal.push(match.value);
    used.add(match.part);
  }
  let lower: IndexBound | undefined;
  let upper: IndexBound | undefined;
  const rangeElement = equal.length;
  // (IN lists are matched on plain columns only; -1 matches none.)
  const rangeColumn = index.expressions?.[rangeElement] === undefined ? index.columns[rangeElement] : -1;
  if (rangeElement < index.columns.length) {
    for (const c of comparisons) {
      if (c === undefined || !isOnElement(c, index, rangeElement) || c.op === "=" || used.has(c.part)) continue;
      const bound = { value: c.value, isInclusive: c.op === "<=" || c.op === ">=" };
      if ((c.op === ">" || c.op === ">=") && lower === undefined) lower = bound;
      else if ((c.op === "<" || c.op === "<=") && upper === undefined) upper = bound;
      else continue;
      used.add(c.part);
    }
  }
  // No range on the next column: an IN list there makes one scan per item.
  let equalAny: readonly BoundExpr[] | undefined;
  if (rangeColumn !== undefined && lower === undefined && upper === undefined) {
    const inList = parts.find((p) => !used.has(p) && inListOf(p, rangeColumn) !== undefined);
    if (inList !== undefined) {
      equalAny = inListOf(inList, rangeColumn);
      used.add(inList);
    }
  }
  if (used.size === 0) return undefined;
  const served = parts.filter((p) => used.has(p));
  // A partial index returns only rows its predicate holds for: the conjuncts stating it need no filter.
  const predicateParts = index.predicate === undefined ? [] : conjuncts(index.predicate);
  const rest = parts.filter((p) => !used.has(p) && !predicateParts.some((needed) => isSameExpr(needed, p)));
  const tableRows = estimate(scan).rows;
  const statsOf = (column: number): ReturnType<typeof columnStats> => columnStats(scan, column);
  const matched = Math.max(1, tableRows * served.reduce((s, p) => s * selectivity(p, statsOf), 1));
  const lookups = equalAny?.length ?? 1;
  const isUniqueLookup = index.isUnique && equal.length + (equalAny === undefined ? 0 : 1) === index.columns.length;
  const indexCost = isUniqueLookup ? uniqueLookupCost * lookups : matched * indexScanCostPerRow + uniqueLookupCost * lookups;
  const indexScan: PlanNode = { kind: "index_scan", table: scan.table, index, equal, lower, upper, isReverse: false, columns: scan.columns, ...(equalAny === undefined ? {} : { equalAny }) };
  const plan: PlanNode = rest.length === 0 ? indexScan : { kind: "filter", input: indexScan, predicate: conjunction(rest), columns: scan.columns };
  return { plan, cost: indexCost + matched * 0.01, isUniqueLookup };
}

function columnStats(scan: Extract<PlanNode, { kind: "seq_scan" }>, column: number) {
  return scan.table.statistics?.columns[column];
}

