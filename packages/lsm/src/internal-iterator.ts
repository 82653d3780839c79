/**
 * The cursor every layer of the read path implements — memtable, table blocks, whole tables,
 * levels, and the merge of all of them — so they compose: a scan is a merging iterator over the
 * memtables' and tables' iterators, filtered for snapshot visibility.
 *
 * Entries are in internal-key order (see `internal-key.ts`). Everything is synchronous: a point
 * lookup or a scan step must not cost a promise (ARCHITECTURE.md, "Read path is synchronous").
 *
 * Lifetimes: `key()` may be a view into a buffer the iterator reuses, valid until the next
 * movement; `value()` is a view into immutable storage (a cached block or a memtable entry) and
 * stays valid. Callers that keep a key copy it.
 */
export interface InternalIterator {
  /** Whether the iterator is positioned at an entry. Every accessor below requires it. */
  readonly isValid: boolean;
  /** Positions at the first entry whose internal key is >= `target`. */
  seek(target: Uint8Array): void;
  /** Positions at the last entry whose internal key is <= `target`. */
  seekForPrev(target: Uint8Array): void;
  seekToFirst(): void;
  seekToLast(): void;
  next(): void;
  prev(): void;
  key(): Uint8Array;
  value(): Uint8Array;
  /** Releases what the iterator holds (file references). Idempotent. */
  close(): void;
}
