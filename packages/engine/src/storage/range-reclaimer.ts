/**
 * Deletes the keys of dropped tables and indexes after the drop has committed.
 *
 * DROP TABLE and DROP INDEX do not delete rows in their transaction: they remove the definition
 * and write a reclaim marker (`reclaimMarkerKey`), so dropping a table of any size is a
 * transaction of a few keys — it fits the write-set limits and commits at once, as PostgreSQL's
 * unlinking a relation's files does. Object ids are never reused, so once the catalog no longer
 * names the id nothing can reach its keys. The reclaimer then deletes them off the request path,
 * in batches of `batchKeys` with a turn of the event loop between batches, and deletes the
 * marker last.
 *
 * Ordering:
 * - A batch starts only after every transaction active at the drop's commit has ended: one that
 *   still held the old catalog could otherwise commit a row under the dropped id after the
 *   reclaimer had passed its place, and that row would never be deleted.
 * - Snapshots taken before the drop keep seeing the old rows: deletes are new versions, and the
 *   store keeps what a live snapshot can see.
 * - A transaction that fills a new id outside its write set (storage/fresh-range.ts) writes the
 *   id's marker first and deletes it when it commits, and the marker is checked again before any
 *   key is deleted. A marker seen while that transaction runs waits, as any, for it to end: then
 *   either it committed and the marker is gone, or it rolled back and the keys go.
 * - A marker outlives its keys: after a crash (or a close mid-way) the marker is found at the next
 *   open and the work is redone; deleting keys twice is harmless.
 */
import { assert } from "@omnikv/base";
import type { MvccStore, MvccWrite } from "@omnikv/txn";
import { reclaimMarkerId, reclaimMarkerKey, reclaimMarkersEnd, reclaimMarkersStart, relationEnd, relationPrefix } from "./keys.ts";

export interface RangeReclaimerOptions {
  /** Keys deleted per batch (one store write, unsynced). */
  readonly batchKeys?: number;
  /** Resolves once every transaction active now has ended (`TransactionManager.activeEnded`). */
  readonly activeEnded: () => Promise<void>;
}

export const reclaimBatchKeysDefault = 4096;

export class RangeReclaimer {
  readonly #store: MvccStore;
  readonly #batchKeys: number;
  readonly #activeEnded: () => Promise<void>;
  /** Ids queued or being reclaimed, so a marker seen twice is worked once. */
  readonly #queued = new Set<number>();
  #pending: Promise<void> = Promise.resolve();
  #isClosed = false;
  #keysDeleted = 0;
  #failure: unknown;

  constructor(store: MvccStore, options: RangeReclaimerOptions) {
    this.#store = store;
    this.#batchKeys = options.batchKeys ?? reclaimBatchKeysDefault;
    assert(Number.isSafeInteger(this.#batchKeys) && this.#batchKeys >= 1, "batchKeys is a positive integer");
    this.#activeEnded = options.activeEnded;
  }

  /**
   * Queues every relation whose marker the store holds and is not queued yet: at open (work a
   * crash interrupted) and after a commit that dropped something.
   */
  scheduleMarked(): void {
    if (this.#isClosed) return;
    const ids: number[] = [];
    for (const [key] of this.#store.scan({ gte: reclaimMarkersStart, lt: reclaimMarkersEnd })) {
      const id = reclaimMarkerId(key);
      if (id !== undefined && !this.#queued.has(id)) ids.push(id);
    }
    if (ids.length === 0) return;
    for (const id of ids) this.#queued.add(id);
    const ended = this.#activeEnded();
    this.#pending = this.#pending.then(async () => {
      await ended;
      for (const id of ids) await this.#reclaim(id);
    });
  }

  /** Looks for markers again once every transaction active now has ended (one that filled a new id and rolled back left its marker). */
  scheduleAfterActive(): void {
    const ended = this.#activeEnded();
    this.#pending = this.#pending.then(async () => {
      await ended;
      this.scheduleMarked();
    });
  }

  /** Keys deleted so far, and the ids still queued: what a caller or test can watch. */
  stats(): { readonly keysDeleted: number; readonly queued: number } {
    return { keysDeleted: this.#keysDeleted, queued: this.#queued.size };
  }

  /** Resolves when the work queued so far (and work it queued) is done or stopped by `close`. */
  async settled(): Promise<void> {
    for (;;) {
      const pending = this.#pending;
      await pending;
      if (pending === this.#pending) return;
    }
  }

  /** Stops at the next batch boundary; what is left is resumed at the next open. */
  async close(): Promise<void> {
    this.#isClosed = true;
    await this.settled();
  }

  async #reclaim(id: number): Promise<void> {
    try {
      // The marker is what licenses the deletion, and it may be gone: a transaction filling a new
      // id (storage/fresh-range.ts) deletes its marker when it commits.
      if (this.#store.get(reclaimMarkerKey(id)) === undefined) {
        this.#queued.delete(id);
        return;
      }
      if (!(await this.#deleteKeys(id))) return;
      await this.#store.write([{ type: "del", key: reclaimMarkerKey(id) }], { sync: false });
      this.#queued.delete(id);
    } catch (error) {
      // A failed write (a store failing, a full disk): the marker stays and the next open retries.
      // The database goes on; the keys are unreachable either way.
      this.#failure ??= error;
    }
  }

  /** Deletes relation `id`'s keys batch by batch; false if closed before the last. */
  async #deleteKeys(id: number): Promise<boolean> {
    let from = relationPrefix(id);
    const end = relationEnd(id);
    for (;;) {
      if (this.#isClosed) return false;
      const batch: MvccWrite[] = [];
      let last: Uint8Array | undefined;
      for (const [key] of this.#store.scan({ gte: from, lt: end })) {
        batch.push({ type: "del", key });
        last = key;
        if (batch.length === this.#batchKeys) break;
      }
      if (last === undefined) return true;
      await this.#store.write(batch, { sync: false });
      this.#keysDeleted += batch.length;
      // The next scan starts past the last key deleted, not over the tombstones just written.
      from = successor(last);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** The first error a reclaim ran into, if any (it is retried at the next open). */
  get failure(): unknown {
    return this.#failure;
  }
}

/** The smallest key greater than `key`. */
function successor(key: Uint8Array): Uint8Array {
  const next = new Uint8Array(key.length + 1);
  next.set(key);
  return next;
}
