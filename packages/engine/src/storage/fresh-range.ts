/**
 * Writing the keys of a relation id that only one transaction can name yet — a new index's
 * entries — straight to the store, outside the transaction's write set. An index built so is
 * bounded neither by the write-set limits nor by memory, and its entries skip the write set's
 * bookkeeping (about half of CREATE INDEX's time).
 *
 * Why it is safe:
 * - Nobody reads the id until the catalog that names it commits, and the entries are written
 *   before that commit, so every snapshot that sees the definition sees every entry.
 * - A reclaim marker for the id goes to the store first (the wal keeps order: after a crash the
 *   entries never outlive it), and the transaction deletes the marker in its own writes. If it
 *   commits, marker deletion and definition land together; if it rolls back or the process dies,
 *   the marker stays and the reclaimer deletes the entries (storage/range-reclaimer.ts), which it
 *   never starts before the building transaction has ended.
 * - The building transaction reads the id's keys at the newest state (`Transaction.readNewestIn`),
 *   so it sees the entries under any isolation level.
 * - Writes the building transaction makes later (an UPDATE after the CREATE INDEX) go through
 *   its write set as usual and, committing later, win over the entries written here.
 */
import { Buffer } from "node:buffer";
import { assert } from "@omnikv/base";
import { TransactionStateError, type MvccStore, type MvccWrite, type Transaction } from "@omnikv/txn";
import { reclaimMarkerKey, relationEnd, relationPrefix } from "./keys.ts";
import type { RangeReclaimer } from "./range-reclaimer.ts";

/** Entries, and bytes of keys and values, per store write. */
const batchEntriesMax = 4096;
const batchBytesMax = 4 * 1024 * 1024;

export class FreshRange {
  readonly #store: MvccStore;
  readonly #txn: Transaction;
  readonly #batch: MvccWrite[] = [];
  #batchBytes = 0;
  /** The pending batch's keys (latin1 strings), so `has` sees entries not written yet. */
  readonly #pendingKeys = new Set<string>();
  readonly #id: number;
  readonly #close: () => void;
  #entries = 0;

  private constructor(store: MvccStore, txn: Transaction, id: number, close: () => void) {
    this.#store = store;
    this.#txn = txn;
    this.#id = id;
    this.#close = close;
  }

  /**
   * Claims relation `id` for `txn`: the marker is written, `txn` deletes it on commit, and the
   * reclaimer looks for it once `txn` has ended (a rollback leaves it) — and not before this
   * writer is `close`d. Call `close` when done writing, also on failure.
   */
  static async open(store: MvccStore, reclaimer: RangeReclaimer, txn: Transaction, id: number): Promise<FreshRange> {
    let close: () => void = () => undefined;
    reclaimer.holdWhileFilling(
      id,
      new Promise<void>((resolve) => {
        close = resolve;
      }),
    );
    try {
      await store.write([{ type: "put", key: reclaimMarkerKey(id), value: new Uint8Array(0) }], { sync: false });
      // Scheduled before anything else can fail: a marker is never left without a look.
      reclaimer.scheduleAfterActive();
      await txn.delete(reclaimMarkerKey(id));
      // Its later statements (an index scan, a rebuild in ALTER TABLE) must see the entries, which
      // its snapshot, older than them, would not.
      txn.readNewestIn(relationPrefix(id), relationEnd(id));
    } catch (error) {
      close();
      throw error;
    }
    return new FreshRange(store, txn, id, close);
  }

  get entries(): number {
    return this.#entries;
  }

  /** Whether `key` was put here (flushed or pending). */
  has(key: Uint8Array): boolean {
    return this.#pendingKeys.has(latin1(key)) || this.#store.get(key) !== undefined;
  }

  async put(key: Uint8Array, value: Uint8Array): Promise<void> {
    assert(new DataView(key.buffer, key.byteOffset, 4).getUint32(0) === this.#id, "a fresh range takes keys of its own id only");
    this.#batch.push({ type: "put", key, value });
    this.#batchBytes += key.length + value.length;
    this.#pendingKeys.add(latin1(key));
    this.#entries += 1;
    if (this.#batch.length >= batchEntriesMax || this.#batchBytes >= batchBytesMax) await this.flush();
  }

  /**
   * Writes the pending batch (unsynced: the transaction's commit syncs the wal past it). A
   * transaction that ended meanwhile (rolled back under the build, its session closed) writes
   * nothing more: its id is the reclaimer's now.
   */
  async flush(): Promise<void> {
    if (this.#batch.length === 0) return;
    if (this.#txn.status !== "active") throw new TransactionStateError("the transaction building this index has ended");
    const batch = this.#batch.splice(0);
    this.#batchBytes = 0;
    this.#pendingKeys.clear();
    await this.#store.write(batch, { sync: false });
  }

  /** Done writing (committed or not): the reclaimer may now look at the id. */
  close(): void {
    this.#close();
  }
}

function latin1(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString("latin1");
}
