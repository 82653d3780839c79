/**
 * PostgreSQL's in-memory sort (`src/include/lib/sort_template.h`, the Bentley–McIlroy quicksort
 * behind tuplesort's qsort_tuple/qsort_ssup), step for step, so that values which compare equal
 * but print differently (`1.0` and `1.00`, `'a'` and `'a  '::bpchar`, `-0` and `0`) come out in
 * the same order as in PostgreSQL. JavaScript's stable sort does not: PostgreSQL's is stable only
 * below 7 elements (insertion sort) and for presorted input.
 *
 * Invariants: sorts `items` (no element undefined) in place; uses only `compare`; recursion is on the smaller partition,
 * so the depth stays below log2(n), as in C.
 */
import { assert } from "@omnikv/base";

export type Comparator<T> = (a: T, b: T) => number;

/** `items[i]`: every index used here lies inside the range being sorted, and no element is undefined. */
function at<T>(items: readonly T[], i: number): T & ({} | null) {
  const value = items[i];
  assert(value !== undefined, "a sorted element is defined");
  return value;
}

function swap(items: unknown[], i: number, j: number): void {
  const held = items[i];
  items[i] = items[j];
  items[j] = held;
}

function swapRuns(items: unknown[], i: number, j: number, count: number): void {
  for (let k = 0; k < count; k++) swap(items, i + k, j + k);
}

function med3<T>(items: readonly T[], a: number, b: number, c: number, compare: Comparator<T>): number {
  const [x, y, z] = [at(items, a), at(items, b), at(items, c)];
  if (compare(x, y) < 0) return compare(y, z) < 0 ? b : compare(x, z) < 0 ? c : a;
  return compare(y, z) > 0 ? b : compare(x, z) < 0 ? a : c;
}

function isPresorted<T>(items: readonly T[], start: number, n: number, compare: Comparator<T>): boolean {
  for (let m = start + 1; m < start + n; m++) if (compare(at(items, m - 1), at(items, m)) > 0) return false;
  return true;
}

function insertionSort<T>(items: T[], start: number, n: number, compare: Comparator<T>): void {
  for (let m = start + 1; m < start + n; m++) {
    for (let l = m; l > start && compare(at(items, l - 1), at(items, l)) > 0; l--) swap(items, l, l - 1);
  }
}

function pivotIndex<T>(items: readonly T[], start: number, n: number, compare: Comparator<T>): number {
  let m = start + Math.floor(n / 2);
  if (n > 7) {
    let l = start;
    let last = start + n - 1;
    if (n > 40) {
      const d = Math.floor(n / 8);
      l = med3(items, l, l + d, l + 2 * d, compare);
      m = med3(items, m - d, m, m + d, compare);
      last = med3(items, last - 2 * d, last - d, last, compare);
    }
    m = med3(items, l, m, last, compare);
  }
  return m;
}

/** Sorts `items[start, start + n)` in place exactly as PostgreSQL's qsort would. */
export function pgQsort<T>(items: T[], compare: Comparator<T>, start = 0, n = items.length - start): void {
  assert(start >= 0 && start + n <= items.length, "the sorted range lies inside the array");
  let a = start;
  let count = n;
  for (;;) {
    if (count < 7) return insertionSort(items, a, count, compare);
    if (isPresorted(items, a, count, compare)) return;
    swap(items, a, pivotIndex(items, a, count, compare));
    let pa = a + 1;
    let pb = a + 1;
    let pc = a + count - 1;
    let pd = a + count - 1;
    for (;;) {
      while (pb <= pc) {
        const r = compare(at(items, pb), at(items, a));
        if (r > 0) break;
        if (r === 0) swap(items, pa++, pb);
        pb++;
      }
      while (pb <= pc) {
        const r = compare(at(items, pc), at(items, a));
        if (r < 0) break;
        if (r === 0) swap(items, pc, pd--);
        pc--;
      }
      if (pb > pc) break;
      swap(items, pb++, pc--);
    }
    const pn = a + count;
    let d1 = Math.min(pa - a, pb - pa);
    swapRuns(items, a, pb - d1, d1);
    d1 = Math.min(pd - pc, pn - pd - 1);
    swapRuns(items, pb, pn - d1, d1);
    d1 = pb - pa;
    const d2 = pd - pc;
    // Recurse on the smaller partition, iterate on the larger.
    if (d1 <= d2) {
      if (d1 > 1) pgQsort(items, compare, a, d1);
      if (d2 <= 1) return;
      a = pn - d2;
      count = d2;
    } else {
      if (d2 > 1) pgQsort(items, compare, pn - d2, d2);
      if (d1 <= 1) return;
      count = d1;
    }
  }
}
