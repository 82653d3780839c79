/**
 * `MemoryMvccStore`: a small in-memory `MvccStore` — the reference the transaction tests run
 * against besides the real LsmStore, and a store for programs that need transactions without
 * durability. Writes get consecutive sequence numbers at once and become visible, in order, on a
 * later turn of the event loop (like a store whose durable write takes time), so tests see the
 * same in-flight commits as with a real store.
 *
 * Old versions are dropped once no live snapshot can read them.
 */
import { assert } from "@omnikv/base";
import { keyBytes, keyString } from "./key-string.ts";
import type { MvccReadOptions, MvccScanOptions, MvccSnapshot, MvccStore, MvccWrite, MvccWriteOptions } from "./mvcc-store.ts";

interface Version {
  readonly sequence: number;
  readonly value: Uint8Array | undefined;
}

export class MemoryMvccStore implements MvccStore {
  readonly #versions = new Map<string, Version[]>();
  #sortedKeys: string[] = [];
  readonly #snapshots = new Map<number, number>();
  #nextSequence = 1;
  #visibleSequence = 0;
  /** Written batches not yet visible, in sequence order. */
  readonly #queued: { readonly firstSequence: number; readonly entries: readonly { readonly key: string; readonly value: Uint8Array | undefined }[]; readonly resolve: (sequence: number) => void }[] = [];

  snapshot(): MvccSnapshot {
    const sequence = this.#visibleSequence;
    this.#snapshots.set(sequence, (this.#snapshots.get(sequence) ?? 0) + 1);
    let isReleased = false;
    return {
      sequence,
      release: () => {
        if (isReleased) return;
        isReleased = true;
        const count = (this.#snapshots.get(sequence) ?? 1) - 1;
        if (count === 0) this.#snapshots.delete(sequence);
        else this.#snapshots.set(sequence, count);
      },
    };
  }

  get(key: Uint8Array, options: MvccReadOptions = {}): Uint8Array | undefined {
    const sequence = options.snapshot?.sequence ?? this.#visibleSequence;
    return visibleValue(this.#versions.get(keyString(key)), sequence);
  }

  *scan(options: MvccScanOptions = {}): Generator<[Uint8Array, Uint8Array], undefined, undefined> {
    const sequence = options.snapshot?.sequence ?? this.#visibleSequence;
    const gte = options.gte === undefined ? undefined : keyString(options.gte);
    const lt = options.lt === undefined ? undefined : keyString(options.lt);
    const isReverse = options.reverse ?? false;
    // Re-find the position from the last key after each yield: keys may be added meanwhile.
    let last: string | undefined;
    for (;;) {
      const key = isReverse ? this.#keyBefore(last ?? lt, gte) : this.#keyAtOrAfter(last, gte, lt);
      if (key === undefined) return undefined;
      last = key;
      const value = visibleValue(this.#versions.get(key), sequence);
      if (value !== undefined) yield [keyBytes(key), value];
    }
  }

  write(batch: readonly MvccWrite[], options: MvccWriteOptions = {}): Promise<number> {
    const firstSequence = this.#nextSequence;
    this.#nextSequence += batch.length;
    const entries = batch.map((write) => ({ key: keyString(write.key), value: write.type === "put" ? compactCopy(write.value) : undefined }));
    return new Promise<number>((resolve) => {
      this.#queued.push({ firstSequence, entries, resolve });
      // Durable writes take a turn of the event loop, others a microtask. A write that comes due
      // applies every earlier queued write first, so batches become visible in sequence order
      // even when a non-durable write follows a durable one.
      const apply = (): void => this.#applyThrough(firstSequence);
      if (options.sync ?? true) setImmediate(apply);
      else queueMicrotask(apply);
    });
  }

  #applyThrough(sequence: number): void {
    for (let head = this.#queued[0]; head !== undefined && head.firstSequence <= sequence; head = this.#queued[0]) {
      this.#queued.shift();
      assert(this.#visibleSequence === head.firstSequence - 1, "batches become visible in sequence order");
      head.entries.forEach((entry, index) => this.#apply(entry.key, head.firstSequence + index, entry.value));
      this.#visibleSequence = head.firstSequence + head.entries.length - 1;
      head.resolve(this.#visibleSequence);
    }
  }


  /** Keys with at least one stored version (for tests of version pruning). */
  get keyCount(): number {
    return this.#versions.size;
  }

  #apply(key: string, sequence: number, value: Uint8Array | undefined): void {
    let versions = this.#versions.get(key);
    if (versions === undefined) {
      versions = [];
      this.#versions.set(key, versions);
      this.#sortedKeys.splice(lowerBound(this.#sortedKeys, key), 0, key);
    }
    versions.push({ sequence, value });
    this.#dropInvisible(key, versions);
  }

  /** Keeps the versions newer than the oldest live snapshot and the newest one it can read. */
  #dropInvisible(key: string, versions: Version[]): void {
    let oldest = this.#visibleSequence + 1;
    for (const sequence of this.#snapshots.keys()) if (sequence < oldest) oldest = sequence;
    let keepFrom = 0;
    for (let i = versions.length - 1; i >= 0; i--) {
      if ((versions[i]?.sequence ?? 0) <= oldest) {
        keepFrom = i;
        break;
      }
    }
    if (keepFrom > 0) versions.splice(0, keepFrom);
    const only = versions.length === 1 ? versions[0] : undefined;
    if (only !== undefined && only.value === undefined && only.sequence <= oldest) {
      this.#versions.delete(key);
      this.#sortedKeys.splice(lowerBound(this.#sortedKeys, key), 1);
    }
  }

  #keyAtOrAfter(last: string | undefined, gte: string | undefined, lt: string | undefined): string | undefined {
    let index = gte === undefined ? 0 : lowerBound(this.#sortedKeys, gte);
    if (last !== undefined) index = Math.max(index, upperBound(this.#sortedKeys, last));
    const key = this.#sortedKeys[index];
    return key !== undefined && (lt === undefined || key < lt) ? key : undefined;
  }

  #keyBefore(bound: string | undefined, gte: string | undefined): string | undefined {
    const index = (bound === undefined ? this.#sortedKeys.length : lowerBound(this.#sortedKeys, bound)) - 1;
    const key = this.#sortedKeys[index];
    return key !== undefined && (gte === undefined || key >= gte) ? key : undefined;
  }
}

function visibleValue(versions: readonly Version[] | undefined, sequence: number): Uint8Array | undefined {
  if (versions === undefined) return undefined;
  for (let i = versions.length - 1; i >= 0; i--) {
    const version = versions[i];
    if (version !== undefined && version.sequence <= sequence) return version.value === undefined ? undefined : compactCopy(version.value);
  }
  return undefined;
}

/**
 * A copy with a backing store of its own. `slice` would not do: a value may be a Buffer (a
 * transaction's pooled copy), whose `slice` is a view that would keep an 8 KiB pool block alive.
 */
function compactCopy(value: Uint8Array): Uint8Array {
  return new Uint8Array(value);
}

function lowerBound(sorted: readonly string[], target: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((sorted[middle] ?? "") < target) low = middle + 1;
    else high = middle;
  }
  return low;
}

function upperBound(sorted: readonly string[], target: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((sorted[middle] ?? "") <= target) low = middle + 1;
    else high = middle;
  }
  return low;
}
