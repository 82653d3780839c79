/**
 * Sort: reads its whole input, then yields it in key order — each key by its type's btree `<`
 * and `=`, descending or not, NULLs first or last as the plan says; beyond `work_mem`, an
 * external merge sort through temporary files.
 */
import { TypeOid } from "@omnikv/base";
import type { SortKey } from "@omnikv/planner";
import { compileExpr, type CompiledExpr } from "../expr/compile.ts";
import type { EvalContext } from "../functions/function-types.ts";
import type { SqlValue } from "../values.ts";
import { interruptIntervalRows, type CompileEnvironment, type ExecutionContext } from "./execution-context.ts";
import { SpillDirectory, canSpill, estimateRowBytes, type SpillFileReader } from "./spill-file.ts";
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

/** PostgreSQL's default work_mem: 4 MiB. */
export const defaultWorkMemBytes = 4 * 1024 * 1024;

/**
 * Sort, in memory while the input fits in `work_mem` (`ExecutionContext.workMemBytes`), else an
 * external merge sort: each time the buffered rows exceed the budget they are sorted and written
 * to a temporary file as one run, and the runs are merged at the end through a heap of their
 * heads, so memory stays near the budget whatever the input's size. Rows of types without a
 * binary form (none of this build's, but a guard) stay in memory.
 */
export function compileSort(input: RowSource, keys: readonly SortKey[], env: CompileEnvironment, oids: readonly number[]): RowSource {
  const exprs = keys.map((key) => compileExpr(key.expr, env.registry));
  const compares = keys.map((key) => keyComparator(key, env));
  const sortRows = inMemorySorter(exprs, keys, compares);
  const isSpillable = canSpill(oids);
  return function* sorted(run) {
    const budget = run.workMemBytes ?? defaultWorkMemBytes;
    let buffered: Row[] = [];
    let bytes = 0;
    let spill: SpillDirectory | undefined;
    const runs: SpillFileReader[] = [];
    try {
      for (const row of input(run)) {
        buffered.push(row);
        bytes += estimateRowBytes(row);
        if (bytes > budget && isSpillable) {
          spill ??= new SpillDirectory(run.tempDirectory, run.spillCipher);
          runs.push(spill.write(sortRows(buffered, run), oids));
          buffered = [];
          bytes = 0;
        }
      }
      if (spill === undefined) {
        yield* sortRows(buffered, run);
        return undefined;
      }
      runs.push(spill.write(sortRows(buffered, run), oids));
      buffered = [];
      yield* mergeRuns(runs, exprs, compares, run);
    } finally {
      spill?.remove();
    }
    return undefined;
  };
}

type RowSorter = (rows: Row[], run: ExecutionContext) => Row[];

function inMemorySorter(exprs: readonly CompiledExpr[], keys: readonly SortKey[], compares: readonly Compare[]): RowSorter {
  const [onlyExpr] = exprs;
  const [onlyKey] = keys;
  const [onlyCompare] = compares;
  if (exprs.length === 1 && onlyExpr !== undefined && onlyKey !== undefined && onlyCompare !== undefined) {
    return (rows, run) => sortByOneKey(rows, onlyExpr, onlyKey, onlyCompare, run);
  }
  return (rows, run) => {
    const entries = rows.map((row) => ({ row, keys: exprs.map((expr) => expr(row, run.params, run.context)) }));
    const interrupt = interruptEvery(run.interrupt);
    entries.sort((x, y) => interrupt(compareKeys(compares, x.keys, y.keys, run)));
    return entries.map((entry) => entry.row);
  };
}

function compareKeys(compares: readonly Compare[], a: readonly SqlValue[], b: readonly SqlValue[], run: ExecutionContext): number {
  for (let i = 0; i < compares.length; i++) {
    const order = compares[i]?.(a[i] ?? null, b[i] ?? null, run.context) ?? 0;
    if (order !== 0) return order;
  }
  return 0;
}

/** The k-way merge of sorted runs: a min-heap of each run's current row by its sort keys. */
function* mergeRuns(runs: readonly SpillFileReader[], exprs: readonly CompiledExpr[], compares: readonly Compare[], run: ExecutionContext): Generator<Row, undefined, undefined> {
  interface Head {
    readonly row: Row;
    readonly keys: readonly SqlValue[];
    readonly source: Iterator<Row, undefined, undefined>;
  }
  const heads: Head[] = [];
  const less = (a: Head, b: Head): boolean => compareKeys(compares, a.keys, b.keys, run) < 0;
  const headOf = (source: Iterator<Row, undefined, undefined>): Head | undefined => {
    const next = source.next();
    if (next.done === true) return undefined;
    return { row: next.value, keys: exprs.map((expr) => expr(next.value, run.params, run.context)), source };
  };
  for (const spilled of runs) {
    const head = headOf(spilled.rows());
    if (head !== undefined) heapInsert(heads, head, less);
  }
  let count = 0;
  for (let top = heads[0]; top !== undefined; top = heads[0]) {
    if (++count % interruptIntervalRows === 0) run.interrupt?.();
    yield top.row;
    const next = headOf(top.source);
    if (next === undefined) {
      const last = heads.pop();
      if (last !== undefined && heads.length > 0) siftDown(heads, 0, last, less);
    } else {
      siftDown(heads, 0, next, less);
    }
  }
  return undefined;
}

function heapInsert<T>(heap: T[], item: T, less: (a: T, b: T) => boolean): void {
  heap.push(item);
  let i = heap.length - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    const above = heap[parent];
    if (above === undefined || !less(item, above)) break;
    heap[i] = above;
    i = parent;
  }
  heap[i] = item;
}

/** Puts `item` at `index` and moves it down to its place in the min-heap. */
function siftDown<T>(heap: T[], index: number, item: T, less: (a: T, b: T) => boolean): void {
  let i = index;
  for (;;) {
    const left = 2 * i + 1;
    if (left >= heap.length) break;
    const right = left + 1;
    const [l, r] = [heap[left], heap[right]];
    const child = r !== undefined && l !== undefined && less(r, l) ? right : left;
    const smaller = heap[child];
    if (smaller === undefined || !less(smaller, item)) break;
    heap[i] = smaller;
    i = child;
  }
  heap[i] = item;
}

/**
 * One sort key, the common case, without per-row objects: rows and keys in parallel arrays,
 * NULL keys set aside (they go first or last as a block), and a permutation sorted by the keys —
 * through a Float64Array when every key is a number or a safe-range integer (no NaN), else
 * through the key type's comparator. Descending order reads the ascending permutation backwards.
 */
function sortByOneKey(input: readonly Row[], expr: CompiledExpr, key: SortKey, compare: Compare, run: ExecutionContext): Row[] {
  const rows: Row[] = [];
  const values: SqlValue[] = [];
  const nullRows: Row[] = [];
  for (const row of input) {
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
  const sorted: Row[] = [];
  if (key.isNullsFirst) sorted.push(...nullRows);
  if (key.isDescending) for (let i = order.length - 1; i >= 0; i--) sorted.push(rows[order[i] ?? 0] ?? []);
  else for (const index of order) sorted.push(rows[index] ?? []);
  if (!key.isNullsFirst) sorted.push(...nullRows);
  return sorted;
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
