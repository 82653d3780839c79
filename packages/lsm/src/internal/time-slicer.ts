/**
 * Background work (flush, compaction) runs on the main thread in slices: it checks the clock every
 * few entries and yields to the event loop once its slice is used up, so no request waits behind
 * it for more than about `sliceMs`.
 */
const checkEvery = 64;

export class TimeSlicer {
  readonly #sliceMs: number;
  #sliceStart = performance.now();
  #sinceCheck = 0;

  constructor(sliceMs: number) {
    this.#sliceMs = sliceMs;
  }

  /** Yields (resolves on the next turn of the event loop) when the slice is used up; cheap otherwise. */
  maybeYield(): Promise<void> | undefined {
    this.#sinceCheck += 1;
    if (this.#sinceCheck < checkEvery) return undefined;
    this.#sinceCheck = 0;
    if (performance.now() - this.#sliceStart < this.#sliceMs) return undefined;
    return new Promise((resolve) => {
      setImmediate(() => {
        this.#sliceStart = performance.now();
        resolve();
      });
    });
  }
}
