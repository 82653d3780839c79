/**
 * An iterator that also owns resources (table references, a pinned version) and releases them
 * when it is closed. Everything else is delegated.
 */
import type { InternalIterator } from "../internal-iterator.ts";

export class OwningIterator implements InternalIterator {
  readonly #inner: InternalIterator;
  #releases: (() => void)[];

  constructor(inner: InternalIterator, releases: (() => void)[]) {
    this.#inner = inner;
    this.#releases = releases;
  }

  get isValid(): boolean {
    return this.#inner.isValid;
  }

  seek(target: Uint8Array): void {
    this.#inner.seek(target);
  }

  seekForPrev(target: Uint8Array): void {
    this.#inner.seekForPrev(target);
  }

  seekToFirst(): void {
    this.#inner.seekToFirst();
  }

  seekToLast(): void {
    this.#inner.seekToLast();
  }

  next(): void {
    this.#inner.next();
  }

  prev(): void {
    this.#inner.prev();
  }

  key(): Uint8Array {
    return this.#inner.key();
  }

  value(): Uint8Array {
    return this.#inner.value();
  }

  close(): void {
    this.#inner.close();
    const releases = this.#releases;
    this.#releases = [];
    for (const release of releases) release();
  }
}
