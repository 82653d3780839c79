/**
 * The merging iterator: one sorted view over N sorted children (memtables, L0 tables, levels), the
 * way a scan and a compaction read the tree. Children are ordered by the caller, newest source
 * first by convention.
 *
 * Order: entries are ordered by (internal key, child index). Forward iteration yields that order;
 * backward iteration yields exactly its reverse. So when two children hold an equal internal key
 * (which a correct store never produces, since sequence numbers are unique), the lower child index
 * comes first going forward and last going backward, and `next` and `prev` are always inverses.
 *
 * Structure: a binary heap of child indices keyed by each child's current key — a min-heap going
 * forward, a max-heap going backward. A step moves one child and sifts it: O(log N) comparisons.
 * A seek positions every child and heapifies: O(N) plus the children's own seeks.
 *
 * Direction switch (as LevelDB's MergingIterator, made exact for equal keys). Going forward, every
 * child not at the top sits at its first entry after the current one, (K, c); going backward, at
 * its last entry before it. To turn around, every other child j is repositioned relative to (K, c):
 *   - to go backward: the last entry <= K if j < c, the last entry < K if j > c;
 *   - to go forward:  the first entry > K if j < c, the first entry >= K if j > c.
 * The current child then tops the rebuilt heap, and moves.
 *
 * Invariants: every child in the heap is valid and its key is cached in `#keys` (a child's key
 * stays valid until that child moves, per the `InternalIterator` contract); the top of the heap is
 * the current entry. Each child is itself strictly ordered.
 */
import { assert } from "@omnikv/base";
import type { InternalIterator } from "./internal-iterator.ts";
import { compareInternalKeys } from "./internal-key.ts";

/** A bound on children: L0 files plus memtables plus levels stay far below it. */
export const mergingChildCountMax = 4096;

const emptyKey: Uint8Array = new Uint8Array(0);

export class MergingIterator implements InternalIterator {
  readonly #children: readonly InternalIterator[];
  /** The current key of each child in the heap (stale for children outside it). */
  readonly #keys: Uint8Array[];
  /** Child indices; `#heap[0]` is the current child. */
  readonly #heap: Int32Array;
  #heapSize = 0;
  #isForward = true;
  #isClosed = false;

  constructor(children: readonly InternalIterator[]) {
    assert(children.length <= mergingChildCountMax, `at most ${mergingChildCountMax} children`);
    this.#children = children;
    this.#keys = children.map(() => emptyKey);
    this.#heap = new Int32Array(children.length);
  }

  get isValid(): boolean {
    return this.#heapSize > 0;
  }

  seek(target: Uint8Array): void {
    for (const child of this.#children) child.seek(target);
    this.#rebuild(true);
  }

  seekForPrev(target: Uint8Array): void {
    for (const child of this.#children) child.seekForPrev(target);
    this.#rebuild(false);
  }

  seekToFirst(): void {
    for (const child of this.#children) child.seekToFirst();
    this.#rebuild(true);
  }

  seekToLast(): void {
    for (const child of this.#children) child.seekToLast();
    this.#rebuild(false);
  }

  next(): void {
    assert(this.isValid, "next() needs a valid iterator");
    if (!this.#isForward) this.#turnForward();
    const current = this.#top();
    childAt(this.#children, current).next();
    this.#afterTopMoved(current);
  }

  prev(): void {
    assert(this.isValid, "prev() needs a valid iterator");
    if (this.#isForward) this.#turnBackward();
    const current = this.#top();
    childAt(this.#children, current).prev();
    this.#afterTopMoved(current);
  }

  key(): Uint8Array {
    assert(this.isValid, "key() needs a valid iterator");
    return keyAt(this.#keys, this.#top());
  }

  value(): Uint8Array {
    assert(this.isValid, "value() needs a valid iterator");
    return childAt(this.#children, this.#top()).value();
  }

  close(): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    this.#heapSize = 0;
    for (const child of this.#children) child.close();
  }

  #top(): number {
    return this.#heap[0] ?? -1;
  }

  /** Repositions the other children after (K, c) and rebuilds the heap as a min-heap. */
  #turnForward(): void {
    const current = this.#top();
    const key = keyAt(this.#keys, current);
    for (let i = 0; i < this.#children.length; i++) {
      if (i === current) continue;
      const child = childAt(this.#children, i);
      child.seek(key);
      if (i < current && child.isValid && compareInternalKeys(child.key(), key) === 0) child.next();
    }
    this.#rebuild(true);
    assert(this.#top() === current, "the current child tops the heap after turning forward");
  }

  /** Repositions the other children before (K, c) and rebuilds the heap as a max-heap. */
  #turnBackward(): void {
    const current = this.#top();
    const key = keyAt(this.#keys, current);
    for (let i = 0; i < this.#children.length; i++) {
      if (i === current) continue;
      const child = childAt(this.#children, i);
      if (i < current) {
        child.seekForPrev(key);
      } else {
        child.seek(key);
        if (child.isValid) child.prev();
        else child.seekToLast();
      }
    }
    this.#rebuild(false);
    assert(this.#top() === current, "the current child tops the heap after turning backward");
  }

  /** The top child moved: re-sift it, or drop it when it ran off its end. */
  #afterTopMoved(current: number): void {
    const child = childAt(this.#children, current);
    if (child.isValid) {
      this.#keys[current] = child.key();
    } else {
      this.#heapSize -= 1;
      this.#heap[0] = this.#heap[this.#heapSize] ?? -1;
    }
    if (this.#heapSize > 1) this.#siftDown(0);
  }

  /** Collects the valid children and heapifies them for the given direction. */
  #rebuild(isForward: boolean): void {
    assert(!this.#isClosed, "the iterator is not closed");
    this.#isForward = isForward;
    let size = 0;
    for (let i = 0; i < this.#children.length; i++) {
      const child = childAt(this.#children, i);
      if (!child.isValid) continue;
      this.#keys[i] = child.key();
      this.#heap[size++] = i;
    }
    this.#heapSize = size;
    for (let at = (size >> 1) - 1; at >= 0; at--) this.#siftDown(at);
  }

  #siftDown(start: number): void {
    const heap = this.#heap;
    const size = this.#heapSize;
    const moving = heap[start] ?? -1;
    let at = start;
    for (;;) {
      let child = 2 * at + 1;
      if (child >= size) break;
      if (child + 1 < size && this.#isBefore(heap[child + 1] ?? -1, heap[child] ?? -1)) child += 1;
      const candidate = heap[child] ?? -1;
      if (!this.#isBefore(candidate, moving)) break;
      heap[at] = candidate;
      at = child;
    }
    heap[at] = moving;
  }

  /** Whether child a's entry comes before child b's in the current direction. */
  #isBefore(a: number, b: number): boolean {
    const byKey = compareInternalKeys(keyAt(this.#keys, a), keyAt(this.#keys, b));
    if (byKey !== 0) return this.#isForward ? byKey < 0 : byKey > 0;
    return this.#isForward ? a < b : a > b;
  }
}

// Indices below come from the heap, which holds only indices of existing children; the casts
// drop the `| undefined` of noUncheckedIndexedAccess without a run-time check on the hot path.

function childAt(children: readonly InternalIterator[], index: number): InternalIterator {
  // oxlint-disable-next-line typescript/no-unsafe-type-assertion -- heap entries are child indices
  return children[index] as InternalIterator;
}

function keyAt(keys: readonly Uint8Array[], index: number): Uint8Array {
  // oxlint-disable-next-line typescript/no-unsafe-type-assertion -- heap entries are child indices
  return keys[index] as Uint8Array;
}
