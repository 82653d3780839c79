/**
 * Iterates a sorted level (L1..L6) as one sequence: its files are disjoint and ordered, so the
 * level is their concatenation. Only the table under the cursor is open; moving past its end opens
 * the next one. A seek binary-searches the files by their largest key.
 */
import type { InternalIterator } from "./internal-iterator.ts";
import { compareInternalKeys } from "./internal-key.ts";
import type { TableCache } from "./table-cache.ts";
import type { FileMetadata } from "./version-edit.ts";

export class LevelIterator implements InternalIterator {
  readonly #files: readonly FileMetadata[];
  readonly #tables: TableCache;
  #index = -1;
  #current: InternalIterator | undefined;
  #release: (() => void) | undefined;

  constructor(files: readonly FileMetadata[], tables: TableCache) {
    this.#files = files;
    this.#tables = tables;
  }

  get isValid(): boolean {
    return this.#current?.isValid ?? false;
  }

  seek(target: Uint8Array): void {
    this.#open(this.#firstFileNotBefore(target));
    this.#current?.seek(target);
    this.#skipForward();
  }

  seekForPrev(target: Uint8Array): void {
    const index = this.#firstFileNotBefore(target);
    this.#open(Math.min(index, this.#files.length - 1));
    this.#current?.seekForPrev(target);
    this.#skipBackward();
  }

  seekToFirst(): void {
    this.#open(0);
    this.#current?.seekToFirst();
    this.#skipForward();
  }

  seekToLast(): void {
    this.#open(this.#files.length - 1);
    this.#current?.seekToLast();
    this.#skipBackward();
  }

  next(): void {
    this.#current?.next();
    this.#skipForward();
  }

  prev(): void {
    this.#current?.prev();
    this.#skipBackward();
  }

  key(): Uint8Array {
    return this.#valid().key();
  }

  value(): Uint8Array {
    return this.#valid().value();
  }

  close(): void {
    this.#current?.close();
    this.#release?.();
    this.#current = undefined;
    this.#release = undefined;
    this.#index = -1;
  }

  #valid(): InternalIterator {
    const current = this.#current;
    if (current === undefined || !current.isValid) throw new RangeError("level iterator is not positioned");
    return current;
  }

  /** Index of the first file whose largest key is >= target (files.length if none). */
  #firstFileNotBefore(target: Uint8Array): number {
    let low = 0;
    let high = this.#files.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const file = this.#files[mid];
      if (file !== undefined && compareInternalKeys(file.largestKey, target) < 0) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  #open(index: number): void {
    if (index === this.#index && this.#current !== undefined) return;
    this.#current?.close();
    this.#release?.();
    this.#current = undefined;
    this.#release = undefined;
    this.#index = index;
    const file = this.#files[index];
    if (file === undefined) return;
    const table = this.#tables.acquire(file.fileNumber);
    this.#current = table.reader.iterator();
    this.#release = table.release;
  }

  #skipForward(): void {
    while (this.#current !== undefined && !this.#current.isValid && this.#index + 1 < this.#files.length) {
      this.#open(this.#index + 1);
      this.#current?.seekToFirst();
    }
  }

  #skipBackward(): void {
    while (this.#current !== undefined && !this.#current.isValid && this.#index > 0) {
      this.#open(this.#index - 1);
      this.#current?.seekToLast();
    }
  }
}
