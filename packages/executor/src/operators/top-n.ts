/**
 * TopN: ORDER BY … LIMIT n [OFFSET m] without sorting everything — a bounded heap keeps the
 * n + m first rows in sort order while the input streams by (O(rows · log(n + m)) time, n + m
 * rows of memory), then they are sorted and the first m skipped. Used when LIMIT and OFFSET are
 * constants or parameters and the sort sits right below them. Ties among equal keys come out in
 * an unspecified order, as in PostgreSQL.
 */
import { InvalidRowCountInLimitClauseError, InvalidRowCountInResultOffsetClauseError } from "@omnikv/base";
import type { BoundExpr, SortKey } from "@omnikv/planner";
import { compileExpr } from "../expr/compile.ts";
import type { SqlValue } from "../values.ts";
import { interruptIntervalRows, type CompileEnvironment } from "./execution-context.ts";
import type { RowSource } from "./row-source.ts";
import { keyComparator } from "./sort.ts";
import type { Row } from "./table-access.ts";

interface Entry {
  readonly row: Row;
  readonly keys: readonly SqlValue[];
}

export function compileTopN(input: RowSource, keys: readonly SortKey[], limit: BoundExpr, offset: BoundExpr | undefined, env: CompileEnvironment): RowSource {
  const exprs = keys.map((key) => compileExpr(key.expr, env.registry));
  const compares = keys.map((key) => keyComparator(key, env));
  const limitExpr = compileExpr(limit, env.registry);
  const offsetExpr = offset === undefined ? undefined : compileExpr(offset, env.registry);
  return function* topN(run) {
    const count = limitExpr([], run.params, run.context);
    const skip = offsetExpr?.([], run.params, run.context) ?? 0n;
    if (typeof count === "bigint" && count < 0n) throw new InvalidRowCountInLimitClauseError("LIMIT must not be negative");
    if (typeof skip === "bigint" && skip < 0n) throw new InvalidRowCountInResultOffsetClauseError("OFFSET must not be negative");
    const order = (a: Entry, b: Entry): number => {
      for (let i = 0; i < compares.length; i++) {
        const result = compares[i]?.(a.keys[i] ?? null, b.keys[i] ?? null, run.context) ?? 0;
        if (result !== 0) return result;
      }
      return 0;
    };
    const skipped = typeof skip === "bigint" ? Number(skip) : 0;
    // LIMIT NULL (or a count beyond the heap's reach) keeps everything: a plain sort.
    const kept = typeof count === "bigint" && count <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(count) + skipped : Number.POSITIVE_INFINITY;
    if (kept === 0 || (typeof count === "bigint" && count === 0n)) return undefined;
    const heap: Entry[] = [];
    let seen = 0;
    for (const row of input(run)) {
      if (++seen % interruptIntervalRows === 0) run.interrupt?.();
      const entry = { row, keys: exprs.map((expr) => expr(row, run.params, run.context)) };
      if (heap.length < kept) heapPush(heap, entry, order);
      else if (order(entry, heap[0] ?? entry) < 0) heapReplaceTop(heap, entry, order);
    }
    heap.sort(order);
    for (let i = skipped; i < heap.length; i++) yield heap[i]?.row ?? [];
    return undefined;
  };
}

/** A max-heap by `order`: the root is the worst kept row, the one a better row replaces. */
function heapPush(heap: Entry[], entry: Entry, order: (a: Entry, b: Entry) => number): void {
  heap.push(entry);
  let i = heap.length - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    const [p, c] = [heap[parent], heap[i]];
    if (p === undefined || c === undefined || order(p, c) >= 0) break;
    heap[parent] = c;
    heap[i] = p;
    i = parent;
  }
}

function heapReplaceTop(heap: Entry[], entry: Entry, order: (a: Entry, b: Entry) => number): void {
  heap[0] = entry;
  let i = 0;
  for (;;) {
    const [l, r] = [2 * i + 1, 2 * i + 2];
    let largest = i;
    const at = (k: number): Entry | undefined => heap[k];
    const current = at(largest);
    const left = at(l);
    if (left !== undefined && current !== undefined && order(left, current) > 0) largest = l;
    const best = at(largest);
    const right = at(r);
    if (right !== undefined && best !== undefined && order(right, best) > 0) largest = r;
    if (largest === i) return;
    const [a, b] = [heap[i], heap[largest]];
    if (a === undefined || b === undefined) return;
    heap[i] = b;
    heap[largest] = a;
    i = largest;
  }
}
