/**
 * A bulk load straight to the store: COPY FROM into a table whose storage its own transaction
 * created — a table created or truncated in it (PostgreSQL skips WAL for such a relfilenode, and
 * COPY FREEZE needs one). The rows and index entries go to the store in batches
 * (storage/fresh-range.ts), outside the transaction's write set, so a load of any size is bound
 * by no write-set limit, and its commit has nothing of them left to write.
 *
 * Why it is safe, beyond what FreshRange guarantees for each storage id:
 * - Nobody else reads the storage before the commit: other transactions resolve the table
 *   through the committed catalog (the old storage, or no table), and a snapshot older than the
 *   commit that then reads the table fails with 40001 (`CatalogView.assertStorageVisible`), so
 *   no reader sees part of the load.
 * - Every statement error aborts the whole transaction: the load runs only when the transaction
 *   has no savepoint, whose ROLLBACK TO could not take back rows already in the store. The
 *   rollback leaves the storage to the reclaimer.
 * - The transaction's own buffered writes win over the store at commit: the load runs only when
 *   none lies in its storage, and it writes nothing but new keys (an INSERT's row and entries; a
 *   duplicate fails the statement first). Later statements of the transaction write through its
 *   write set as usual, and so override the loaded rows as they should.
 * - The table has no foreign key to itself, whose check would scan the storage and miss rows
 *   still in a pending batch.
 */
import { assert } from "@omnikv/base";
import type { RowLockOptions, Transaction, TxnScanOptions } from "@omnikv/txn";
import type { FreshRange } from "./fresh-range.ts";
import type { RowStore } from "./row-writer.ts";

export class BulkRows implements RowStore {
  readonly #txn: Transaction;
  /** By storage id: the ranges the load writes straight to the store. */
  readonly #ranges: ReadonlyMap<number, FreshRange>;
  #isClosed = false;

  constructor(txn: Transaction, ranges: readonly FreshRange[]) {
    this.#txn = txn;
    this.#ranges = new Map(ranges.map((range) => [range.id, range]));
  }

  get snapshotSequence(): number {
    return this.#txn.snapshotSequence;
  }

  #rangeOf(key: Uint8Array): FreshRange | undefined {
    if (key.length < 4) return undefined;
    return this.#ranges.get(((key[0] ?? 0) * 0x100_0000 + (key[1] ?? 0) * 0x1_0000 + (key[2] ?? 0) * 0x100 + (key[3] ?? 0)));
  }

  /** Pending entries first; then the transaction's read, which sees the store's newest state in the load's storage (`readNewestIn`). */
  get(key: Uint8Array): Uint8Array | undefined {
    const range = this.#rangeOf(key);
    if (range === undefined) return this.#txn.get(key);
    if (!range.mayHold(key)) return undefined;
    return range.pendingValue(key) ?? this.#txn.get(key);
  }

  /** No row lock in the load's storage: no other transaction can name its keys. */
  getForUpdate(key: Uint8Array, options?: Omit<RowLockOptions, "mode">): Promise<Uint8Array | undefined> {
    if (this.#rangeOf(key) === undefined) return this.#txn.getForUpdate(key, options);
    return Promise.resolve(this.get(key));
  }

  put(key: Uint8Array, value: Uint8Array): Promise<void> {
    const range = this.#rangeOf(key);
    if (range === undefined) return this.#txn.put(key, value);
    assert(!this.#isClosed, "a closed bulk load writes nothing more");
    return range.put(key, value);
  }

  putFresh(key: Uint8Array, value: Uint8Array): Promise<void> {
    return this.#rangeOf(key) === undefined ? this.#txn.putFresh(key, value) : this.put(key, value);
  }

  delete(key: Uint8Array): Promise<void> {
    // An insert deletes nothing; a delete here would have to outlive entries it cannot reach.
    assert(this.#rangeOf(key) === undefined, "a bulk load only inserts into its own storage");
    return this.#txn.delete(key);
  }

  lock(key: Uint8Array, options?: RowLockOptions): Promise<boolean> {
    assert(this.#rangeOf(key) === undefined, "a bulk load takes no row locks in its own storage");
    return this.#txn.lock(key, options);
  }

  scan(options?: TxnScanOptions): IterableIterator<[Uint8Array, Uint8Array]> {
    // Only a foreign key to the table itself would scan the load's storage, and such a table
    // takes the write set's path instead.
    const first = options?.gte === undefined ? undefined : this.#rangeOf(options.gte);
    assert(first === undefined, "a bulk load's own storage is never scanned while it loads");
    return this.#txn.scan(options);
  }

  /** Writes what is pending; the load is then whole in the store. */
  async flush(): Promise<void> {
    for (const range of this.#ranges.values()) await range.flush();
  }

  /** Done writing (loaded, failed or aborted): the reclaimer may look at the storage ids. Idempotent. */
  close(): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    for (const range of this.#ranges.values()) range.close();
  }
}
