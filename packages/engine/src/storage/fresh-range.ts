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
import { compareBytes } from "../encoding/key-codec.ts";
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
  /**
   * The pending batch's entries by key (latin1 strings), so reads see entries not written yet.
   * Built at the first read that needs it and kept up from then until the batch is written: a
   * load in key order never needs it (see `mayHold`).
   */
  #pending: Map<string, Uint8Array> | undefined;
  readonly #id: number;
  readonly #prefix: Uint8Array;
  /** The greatest key in the range (written or pending); no key above it is there. */
  #maxKey: Uint8Array | undefined;
  readonly #close: () => void;
  #entries = 0;

  private constructor(store: MvccStore, txn: Transaction, id: number, close: () => void) {
    this.#store = store;
    this.#txn = txn;
    this.#id = id;
    this.#prefix = relationPrefix(id);
    this.#close = close;
    // What an earlier writer of the transaction put here (an index built by an earlier statement).
    for (const [key] of store.scan({ gte: this.#prefix, lt: relationEnd(id), reverse: true })) {
      this.#maxKey = key;
      break;
    }
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

  /**
   * False when `key` is certainly not here: it sorts after every key put (a load or rewrite in key
   * order never looks further). The range's keys are this transaction's alone: nobody else can
   * name the id, and its own buffered writes are kept out of it (storage/bulk-rows.ts).
   */
  mayHold(key: Uint8Array): boolean {
    return this.#maxKey !== undefined && compareBytes(key, this.#maxKey) <= 0;
  }

  /** Whether `key` was put here (flushed or pending). */
  has(key: Uint8Array): boolean {
    if (!this.mayHold(key)) return false;
    return this.#pendingIndex().has(latin1(key)) || this.#store.get(key) !== undefined;
  }

  /** The value of `key` in the batch not yet written, if it is there. */
  pendingValue(key: Uint8Array): Uint8Array | undefined {
    if (this.#batch.length === 0 || !this.mayHold(key)) return undefined;
    return this.#pendingIndex().get(latin1(key));
  }

  #pendingIndex(): Map<string, Uint8Array> {
    if (this.#pending === undefined) {
      this.#pending = new Map();
      for (const write of this.#batch) if (write.type === "put") this.#pending.set(latin1(write.key), write.value);
    }
    return this.#pending;
  }

  get id(): number {
    return this.#id;
  }

  async put(key: Uint8Array, value: Uint8Array): Promise<void> {
    const prefix = this.#prefix;
    assert(key[0] === prefix[0] && key[1] === prefix[1] && key[2] === prefix[2] && key[3] === prefix[3], "a fresh range takes keys of its own id only");
    this.#batch.push({ type: "put", key, value });
    this.#batchBytes += key.length + value.length;
    this.#pending?.set(latin1(key), value);
    if (this.#maxKey === undefined || compareBytes(key, this.#maxKey) > 0) this.#maxKey = key;
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
    this.#pending = undefined;
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
