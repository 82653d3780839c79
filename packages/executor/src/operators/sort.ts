/**
 * Sort: reads its whole input, then yields it in key order — each key by its type's btree `<`
 * and `=`, descending or not, NULLs first or last as the plan says. The sort is stable (input
 * order among equal keys). In memory for now: spilling beyond work_mem is not built yet.
 */
import { TypeOid } from "@omnikv/base";
import type { SortKey } from "@omnikv/planner";
import { compileExpr, type CompiledExpr } from "../expr/compile.ts";
import type { EvalContext } from "../functions/function-types.ts";
import type { SqlValue } from "../values.ts";
import { interruptIntervalRows, type CompileEnvironment } from "./execution-context.ts";
import type { RowSource } from "./row-source.ts";
import type { Row } from "./table-access.ts";
import { directOrder } from "./value-order.ts";

type Compare = (a: SqlValue, b: SqlValue, context: EvalContext) => number;

export function keyComparator(key: SortKey, env: CompileEnvironment): Compare {
  const oid = key.expr.type.oid;
  const direction = key.isDescending ? -1 : 1;
  const nulls = key.isNullsFirst ? -1 : 1;
  const direct = directOrder(oid);
  if (direct !== undefined) {
    return (a, b) => {
      if (a === null || b === null) return a === b ? 0 : a === null ? nulls : -nulls;
      return direct(a, b) * direction;
    };
  }
  const less = env.registry.lookup(key.lessSignatureId, [oid, oid]);
  const equal = env.registry.lookup(key.equalSignatureId, [oid, oid]);
  return (a, b, context) => {
    if (a === null || b === null) return a === b ? 0 : a === null ? nulls : -nulls;
    if (equal([a, b], context) === true) return 0;
    return (less([a, b], context) === true ? -1 : 1) * direction;
  };
}

export function compileSort(input: RowSource, keys: readonly SortKey[], env: CompileEnvironment): RowSource {
  const exprs = keys.map((key) => compileExpr(key.expr, env.registry));
  const compares = keys.map((key) => keyComparator(key, env));
  const [onlyExpr] = exprs;
  const [onlyKey] = keys;
  const [onlyCompare] = compares;
  if (exprs.length === 1 && onlyExpr !== undefined && onlyKey !== undefined && onlyCompare !== undefined) {
    return compileOneKeySort(input, onlyExpr, onlyKey, onlyCompare);
  }
  return function* sorted(run) {
    const entries: { row: Row; keys: SqlValue[] }[] = [];
    for (const row of input(run)) entries.push({ row, keys: exprs.map((expr) => expr(row, run.params, run.context)) });
    const interrupt = interruptEvery(run.interrupt);
    entries.sort((x, y) => {
      for (let i = 0; i < compares.length; i++) {
        const order = compares[i]?.(x.keys[i] ?? null, y.keys[i] ?? null, run.context) ?? 0;
        if (order !== 0) return interrupt(order);
      }
      return interrupt(0);
    });
    for (const entry of entries) yield entry.row;
    return undefined;
  };
}

/**
 * One sort key, the common case, without per-row objects: rows and keys in parallel arrays,
 * NULL keys set aside (they go first or last as a block), and a permutation sorted by the keys —
 * through a Float64Array when every key is a number or a safe-range integer (no NaN), else
 * through the key type's comparator. Descending order reads the ascending permutation backwards.
 */
function compileOneKeySort(input: RowSource, expr: CompiledExpr, key: SortKey, compare: Compare): RowSource {
  return function* sortedByOneKey(run) {
    const rows: Row[] = [];
    const values: SqlValue[] = [];
    const nullRows: Row[] = [];
    for (const row of input(run)) {
      const value = expr(row, run.params, run.context);
      if (value === null) nullRows.push(row);
      else {
        rows.push(row);
        values.push(value);
      }
    }
    const order = new Uint32Array(rows.length);
    for (let i = 0; i < order.length; i++) order[i] = i;
    const numeric = numericOrderTypes.has(key.expr.type.oid) ? numericKeys(values) : undefined;
    const interrupt = interruptEvery(run.interrupt);
    if (numeric !== undefined) order.sort((a, b) => interrupt((numeric[a] ?? 0) - (numeric[b] ?? 0)));
    else {
      // `compare` applies the direction; sort ascending here and let the read order apply it once.
      const sign = key.isDescending ? -1 : 1;
      order.sort((a, b) => interrupt(sign * compare(values[a] ?? null, values[b] ?? null, run.context)));
    }
    if (key.isNullsFirst) yield* nullRows;
    if (key.isDescending) for (let i = order.length - 1; i >= 0; i--) yield rows[order[i] ?? 0] ?? [];
    else for (const index of order) yield rows[index] ?? [];
    if (!key.isNullsFirst) yield* nullRows;
    return undefined;
  };
}

/** The keys as float64s when that keeps their order exactly (numbers without NaN, safe-range bigints). */
function numericKeys(values: readonly SqlValue[]): Float64Array | undefined {
  const keys = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (typeof value === "number" && !Number.isNaN(value)) keys[i] = value;
    else if (typeof value === "bigint" && value >= -safeBigInt && value <= safeBigInt) keys[i] = Number(value);
    else return undefined;
  }
  return keys;
}

const safeBigInt = BigInt(Number.MAX_SAFE_INTEGER);

/** Types whose order is the numeric order of their runtime values (numbers or bigints). */
const numericOrderTypes: ReadonlySet<number> = new Set([
  TypeOid.int2,
  TypeOid.int4,
  TypeOid.int8,
  TypeOid.oid,
  TypeOid.float4,
  TypeOid.float8,
  TypeOid.date,
  TypeOid.timestamp,
  TypeOid.timestamptz,
]);

/** A pass-through of comparison results that calls `interrupt` every `interruptIntervalRows` comparisons. */
function interruptEvery(interrupt: (() => void) | undefined): (order: number) => number {
  if (interrupt === undefined) return (order) => order;
  let count = 0;
  return (order) => {
    if (++count % interruptIntervalRows === 0) interrupt();
    return order;
  };
}
