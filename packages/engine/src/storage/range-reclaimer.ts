/**
 * Deletes the keys of dropped tables and indexes after the drop has committed.
 *
 * DROP TABLE and DROP INDEX do not delete rows in their transaction: they remove the definition
 * and write a reclaim marker (`reclaimMarkerKey`), so dropping a table of any size is a
 * transaction of a few keys — it fits the write-set limits and commits at once, as PostgreSQL's
 * unlinking a relation's files does (TRUNCATE and table rewrites leave their old storage so too).
 * Storage ids are never reused, so once the catalog no longer names the id nothing can reach its
 * keys. The reclaimer then deletes them off the request path, in batches of `batchKeys` with a
 * turn of the event loop between batches and a rest after every slice of `workSliceMs`, and
 * deletes the marker last.
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
  /** Whether a table or index of the committed catalog has this id: its keys are never deleted. */
  readonly isNamed: (id: number) => boolean;
}

export const reclaimBatchKeysDefault = 512;
/**
 * The reclaimer works in slices of about this long, then rests for `restMs`: it shares the event
 * loop with every session, and a statement waits behind at most one slice. Deleting a dropped
 * 5,000,000-row table in back-to-back batches of 4,096 keys (a turn of the loop between them) held
 * TPC-B on the same server at 47 TPS, every round trip waiting for a batch.
 */
const workSliceMs = 2;
const restMs = 8;

export class RangeReclaimer {
  readonly #store: MvccStore;
  readonly #batchKeys: number;
  readonly #activeEnded: () => Promise<void>;
  readonly #isNamed: (id: number) => boolean;
  /** Ids queued or being reclaimed, so a marker seen twice is worked once. */
  readonly #queued = new Set<number>();
  /**
   * Per queued id, what must end before its first key goes: every transaction active when its
   * marker was seen, and again each time it is seen later (a second drop of the id, a catalog
   * published since), so the latest sighting counts.
   */
  readonly #waits = new Map<number, Promise<void>>();
  /** Ids a transaction is filling outside its write set (`holdWhileFilling`), until it stops. */
  readonly #filling = new Map<number, Promise<void>>();
  #pending: Promise<void> = Promise.resolve();
  #isClosed = false;
  readonly #closed: Promise<void>;
  #signalClosed: () => void = () => undefined;
  #keysDeleted = 0;
  #failure: unknown;

  constructor(store: MvccStore, options: RangeReclaimerOptions) {
    this.#store = store;
    this.#batchKeys = options.batchKeys ?? reclaimBatchKeysDefault;
    assert(Number.isSafeInteger(this.#batchKeys) && this.#batchKeys >= 1, "batchKeys is a positive integer");
    this.#activeEnded = options.activeEnded;
    this.#isNamed = options.isNamed;
    this.#closed = new Promise((resolve) => {
      this.#signalClosed = resolve;
    });
  }

  /** The ids whose markers the store holds. */
  markedIds(): number[] {
    const ids: number[] = [];
    for (const [key] of this.#store.scan({ gte: reclaimMarkersStart, lt: reclaimMarkersEnd })) {
      const id = reclaimMarkerId(key);
      if (id !== undefined) ids.push(id);
    }
    return ids;
  }

  /**
   * Queues every relation whose marker the store holds: at open (work a crash interrupted) and
   * after a commit that changed the catalog. Never throws: a failure is kept in `failure`.
   */
  scheduleMarked(): void {
    if (this.#isClosed) return;
    let ids: number[];
    try {
      ids = this.markedIds();
    } catch (error) {
      this.#failure ??= error;
      return;
    }
    if (ids.length === 0) return;
    const ended = this.#activeEnded();
    const added: number[] = [];
    for (const id of ids) {
      const before = this.#waits.get(id);
      this.#waits.set(id, before === undefined ? ended : Promise.all([before, ended]).then(() => undefined));
      if (this.#queued.has(id)) continue;
      this.#queued.add(id);
      added.push(id);
    }
    if (added.length > 0) {
      this.#chain(async () => {
        for (const id of added) await this.#reclaim(id);
      });
    }
  }

  /** Looks for markers again once every transaction active now has ended (one that filled a new id and rolled back left its marker). */
  scheduleAfterActive(): void {
    const ended = this.#activeEnded();
    this.#chain(async () => {
      await Promise.race([ended, this.#closed]);
      this.scheduleMarked();
    });
  }

  /** Keeps relation `id`'s keys until `done` settles: a writer still filling it (storage/fresh-range.ts). */
  holdWhileFilling(id: number, done: Promise<void>): void {
    const held = done.then(
      () => undefined,
      () => undefined,
    );
    this.#filling.set(id, held);
    void held.then(() => {
      if (this.#filling.get(id) === held) this.#filling.delete(id);
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

  /**
   * Stops at the next batch boundary, and stops waiting for transactions (one nobody ends must not
   * hold the close); what is left is resumed at the next open.
   */
  async close(): Promise<void> {
    this.#isClosed = true;
    this.#signalClosed();
    await this.settled();
  }

  /** Appends a step to the queue; an error is kept, and later steps still run. */
  #chain(step: () => Promise<void>): void {
    this.#pending = this.#pending.then(step).catch((error: unknown) => {
      this.#failure ??= error;
    });
  }

  /** Waits for the latest wait of `id` (it may be replaced meanwhile) and any writer filling it; false if closed. */
  async #waitFor(id: number): Promise<boolean> {
    for (;;) {
      const wait = this.#waits.get(id);
      if (wait === undefined) break;
      await Promise.race([wait, this.#closed]);
      if (this.#isClosed) return false;
      if (this.#waits.get(id) === wait) break;
    }
    const filling = this.#filling.get(id);
    if (filling !== undefined) await Promise.race([filling, this.#closed]);
    return !this.#isClosed;
  }

  async #reclaim(id: number): Promise<void> {
    if (!(await this.#waitFor(id))) return;
    try {
      // The marker is what licenses the deletion, and it may be gone: a transaction filling a new
      // id (storage/fresh-range.ts) deletes its marker when it commits. A relation the catalog
      // still names keeps its keys whatever a marker says.
      const isLicensed = this.#store.get(reclaimMarkerKey(id)) !== undefined && !this.#isNamed(id);
      if (isLicensed && !(await this.#deleteKeys(id))) return;
      if (this.#store.get(reclaimMarkerKey(id)) !== undefined) await this.#store.write([{ type: "del", key: reclaimMarkerKey(id) }], { sync: false });
      this.#queued.delete(id);
      this.#waits.delete(id);
    } catch (error) {
      // A failed read or write (a store failing, a full disk): the marker stays and the next open
      // retries. The database goes on; the keys are unreachable either way.
      this.#failure ??= error;
    }
  }

  /** Deletes relation `id`'s keys batch by batch, slice by slice; false if closed before the last. */
  async #deleteKeys(id: number): Promise<boolean> {
    let from = relationPrefix(id);
    const end = relationEnd(id);
    let sliceStartedAt = performance.now();
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
      if (performance.now() - sliceStartedAt < workSliceMs) {
        await new Promise((resolve) => setImmediate(resolve));
        continue;
      }
      await Promise.race([new Promise((resolve) => setTimeout(resolve, restMs)), this.#closed]);
      sliceStartedAt = performance.now();
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
