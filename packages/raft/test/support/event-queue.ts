/**
 * A binary min-heap of simulator events ordered by (time, sequence): ties break by insertion
 * order, so the run is a pure function of the seed.
 */
import { assert } from "@omnikv/base";

export interface Scheduled<T> {
  readonly atMs: number;
  readonly seq: number;
  readonly event: T;
}

export class EventQueue<T> {
  readonly #heap: Scheduled<T>[] = [];
  #seq = 0;

  get size(): number {
    return this.#heap.length;
  }

  push(atMs: number, event: T): void {
    assert(Number.isFinite(atMs), "events happen at a finite time");
    this.#heap.push({ atMs, seq: this.#seq++, event });
    let i = this.#heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(i, parent)) break;
      this.#swap(i, parent);
      i = parent;
    }
  }

  pop(): Scheduled<T> | undefined {
    const top = this.#heap[0];
    const last = this.#heap.pop();
    if (top === undefined || last === undefined || this.#heap.length === 0) return top;
    this.#heap[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < this.#heap.length && this.#less(left, smallest)) smallest = left;
      if (right < this.#heap.length && this.#less(right, smallest)) smallest = right;
      if (smallest === i) return top;
      this.#swap(i, smallest);
      i = smallest;
    }
  }

  #less(a: number, b: number): boolean {
    const x = this.#heap[a];
    const y = this.#heap[b];
    assert(x !== undefined && y !== undefined, "heap slots are filled");
    return x.atMs < y.atMs || (x.atMs === y.atMs && x.seq < y.seq);
  }

  #swap(a: number, b: number): void {
    const x = this.#heap[a];
    const y = this.#heap[b];
    assert(x !== undefined && y !== undefined, "heap slots are filled");
    this.#heap[a] = y;
    this.#heap[b] = x;
  }
}
