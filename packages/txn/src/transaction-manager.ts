/**
 * `TransactionManager`: begins transactions over one `MvccStore` and owns what they share — the
 * lock table, the SSI tracker, the newest committed writer of each key — and prunes what no
 * active transaction can conflict with any more.
 *
 * Pruning: a committed transaction is dropped from the SSI graph and the write-conflict index
 * once every active REPEATABLE READ or SERIALIZABLE transaction's snapshot includes it: none of
 * them can then have a conflict with it. The tracked set is therefore bounded by the commits
 * that happened during the oldest active transaction's lifetime.
 *
 * READ ONLY DEFERRABLE (SERIALIZABLE) waits for a safe snapshot, as PostgreSQL does: one taken
 * when no concurrent read-write serializable transaction can make it part of a dangerous
 * structure. It waits for the read-write serializable transactions concurrent with its snapshot
 * to finish; if one of them committed with a rw-conflict out to a transaction that committed
 * before the snapshot, it retries with a new snapshot. On a safe snapshot it runs without SSI.
 */
import { assert } from "@omnikv/base";
import { TxnArgumentError } from "./errors.ts";
import { LockTable } from "./lock-table.ts";
import type { MvccStore, MvccWriteLimits } from "./mvcc-store.ts";
import { SsiTracker } from "./ssi-tracker.ts";
import { Transaction } from "./transaction.ts";
import { sees, TxnRecord, type IsolationLevel } from "./txn-record.ts";
import type { ResolvedManagerOptions, TxnServices } from "./txn-services.ts";

/**
 * The default `writeSetBytesMax`: 240 MiB (under the LSM store's 256 MiB batch with room for its
 * framing), or 15/16 of a smaller batch limit the store declares.
 */
export const writeSetBytesMaxDefault = 240 * 1024 * 1024;

/** `writeSetBytesMax` resolved: the default fits the store's batch; a larger one than the store takes is refused. */
function writeSetBytesMaxOf(requested: number | undefined, limits: MvccWriteLimits | undefined): number {
  const batchBytesMax = limits?.batchBytesMax ?? Number.POSITIVE_INFINITY;
  if (requested === undefined) return Math.max(1, Math.min(writeSetBytesMaxDefault, Math.floor((batchBytesMax * 15) / 16)));
  const resolved = positiveInteger(requested, "writeSetBytesMax");
  if (resolved > batchBytesMax) throw new TxnArgumentError(`writeSetBytesMax ${resolved} exceeds the store's batch maximum of ${batchBytesMax} bytes`);
  return resolved;
}
/** The default `writeSetWritesMax`. */
export const writeSetWritesMaxDefault = 5_000_000;

export interface TransactionManagerOptions {
  /** PostgreSQL's `default_transaction_isolation`; ours defaults to SERIALIZABLE. */
  readonly defaultIsolation?: IsolationLevel;
  /** PostgreSQL's `lock_timeout` in milliseconds; 0 (the default) waits without a limit. */
  readonly lockTimeoutMs?: number;
  /**
   * PostgreSQL's deadlock_timeout: a lock waiter checks for a deadlock only after waiting this long,
   * and is the victim if it finds one (the longest waiter gives way, as in PostgreSQL). 0 (the
   * default) checks at once, when the wait begins, and fails the newcomer.
   */
  readonly deadlockTimeoutMs?: number;
  /** Commit durably (the default) or once the operating system has the write. */
  readonly sync?: boolean;
  /** SIREAD keys one transaction holds before they become one lock on everything (default 100,000). */
  readonly readKeysMax?: number;
  /**
   * The most a transaction may buffer before it commits, in `writeBytes` (key and value bytes and
   * 16 per write): a write past it fails with 54000. The store takes a commit as one batch, so the
   * default is just under the LSM store's batch maximum: 240 MiB.
   */
  readonly writeSetBytesMax?: number;
  /**
   * The most writes (distinct keys) a transaction may buffer: a write past it fails with 54000.
   * Each costs about 470 bytes of memory besides its key and value (measured: 1,000,000 writes of
   * 10-byte keys and 25-byte values took 382 MB of heap and 84 MB of buffers), so the default,
   * 5,000,000, keeps one transaction's write set near 2.3 GB, inside Node's default heap.
   */
  readonly writeSetWritesMax?: number;
  /** Attempts of a READ ONLY DEFERRABLE transaction to find a safe snapshot (default 1,000). */
  readonly safeSnapshotAttemptsMax?: number;
}

export interface TransactionOptions {
  readonly isolation?: IsolationLevel;
  readonly readOnly?: boolean;
  /** Only meaningful for SERIALIZABLE READ ONLY: wait for a safe snapshot, then run without SSI. */
  readonly deferrable?: boolean;
}

export interface TransactionManagerStats {
  readonly active: number;
  /** Committed transactions still tracked for conflicts (the bounded-memory figure). */
  readonly trackedCommitted: number;
  readonly readLockKeys: number;
  readonly writeConflictKeys: number;
  readonly lockedKeys: number;
  readonly lockWaiters: number;
  readonly commits: number;
  readonly rollbacks: number;
  /** Transactions SSI chose as victims (they fail with 40001). */
  readonly ssiFailures: number;
}

export class TransactionManager {
  readonly #store: MvccStore;
  readonly #defaultIsolation: IsolationLevel;
  readonly #safeSnapshotAttemptsMax: number;
  readonly #services: TxnServices;
  readonly #active = new Set<TxnRecord>();
  /** How many of `#active` are REPEATABLE READ or SERIALIZABLE (their snapshots hold still). */
  #activeSnapshotHolders = 0;
  /** Committed transactions not yet pruned, roughly in commit-visibility order. */
  #tracked: (TxnRecord | undefined)[] = [];
  #trackedHead = 0;
  #nextId = 1;
  #commitOrder = 0;
  #commits = 0;
  #rollbacks = 0;
  /** Callers of `activeEnded`, each with the transactions it still waits for. */
  readonly #endWaiters: { readonly pending: Set<TxnRecord>; readonly resolve: () => void }[] = [];

  constructor(store: MvccStore, options: TransactionManagerOptions = {}) {
    this.#store = store;
    this.#defaultIsolation = options.defaultIsolation ?? "serializable";
    this.#safeSnapshotAttemptsMax = positiveInteger(options.safeSnapshotAttemptsMax ?? 1000, "safeSnapshotAttemptsMax");
    const resolved: ResolvedManagerOptions = {
      lockTimeoutMs: nonNegativeInteger(options.lockTimeoutMs ?? 0, "lockTimeoutMs"),
      deadlockTimeoutMs: nonNegativeInteger(options.deadlockTimeoutMs ?? 0, "deadlockTimeoutMs"),
      isSync: options.sync ?? true,
      readKeysMax: positiveInteger(options.readKeysMax ?? 100_000, "readKeysMax"),
      writeSetBytesMax: writeSetBytesMaxOf(options.writeSetBytesMax, store.writeLimits),
      keyBytesMax: store.writeLimits?.keyBytesMax ?? Number.POSITIVE_INFINITY,
      valueBytesMax: store.writeLimits?.valueBytesMax ?? Number.POSITIVE_INFINITY,
      writeSetWritesMax: positiveInteger(options.writeSetWritesMax ?? writeSetWritesMaxDefault, "writeSetWritesMax"),
    };
    this.#services = {
      store,
      locks: new LockTable(),
      ssi: new SsiTracker(resolved.readKeysMax),
      options: resolved,
      lastWriter: new Map(),
      nextCommitOrder: () => ++this.#commitOrder,
      hasConcurrentSnapshotOf: (txn) => this.#hasConcurrentSnapshotOf(txn),
      onFinished: (txn) => this.#onFinished(txn),
    };
  }

  /**
   * The ids of the transactions that transaction `id` waits for on a row lock now (empty when it
   * does not wait): what PostgreSQL's pg_isolation_test_session_is_blocked and pg_locks show.
   */
  waitsFor(id: number): number[] {
    for (const txn of this.#active) {
      if (txn.id !== id) continue;
      return this.#services.locks.blockersOf(txn).flatMap((owner) => (owner instanceof TxnRecord ? [owner.id] : []));
    }
    return [];
  }

  /** Begins a transaction; resolves at once unless it is READ ONLY DEFERRABLE and must wait. */
  async begin(options: TransactionOptions = {}): Promise<Transaction> {
    const isolation = options.isolation ?? this.#defaultIsolation;
    const isReadOnly = options.readOnly ?? false;
    if (isolation === "serializable" && isReadOnly && options.deferrable === true) return this.#beginOnSafeSnapshot();
    return this.#start(isolation, isReadOnly);
  }

  /**
   * Resolves once every transaction active now has committed or rolled back (at once if none is).
   * Transactions begun later are not waited for. A caller that has just made something
   * unreachable to new transactions (a dropped table) learns when no older one can touch it.
   */
  activeEnded(): Promise<void> {
    if (this.#active.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#endWaiters.push({ pending: new Set(this.#active), resolve }));
  }

  stats(): TransactionManagerStats {
    const { locks, ssi, lastWriter } = this.#services;
    return {
      active: this.#active.size,
      trackedCommitted: this.#tracked.length - this.#trackedHead,
      readLockKeys: ssi.readKeyCount,
      writeConflictKeys: lastWriter.size,
      lockedKeys: locks.lockedKeyCount,
      lockWaiters: locks.waiterCount,
      commits: this.#commits,
      rollbacks: this.#rollbacks,
      ssiFailures: ssi.failureCount,
    };
  }

  #start(isolation: IsolationLevel, isReadOnly: boolean): Transaction {
    return new Transaction(this.#startRecord(isolation, isReadOnly), this.#services);
  }

  #startRecord(isolation: IsolationLevel, isReadOnly: boolean): TxnRecord {
    const record = new TxnRecord(this.#nextId++, isolation, isReadOnly, this.#store.snapshot());
    this.#active.add(record);
    if (isolation !== "read committed") this.#activeSnapshotHolders += 1;
    return record;
  }

  async #beginOnSafeSnapshot(): Promise<Transaction> {
    for (let attempt = 0; attempt < this.#safeSnapshotAttemptsMax; attempt++) {
      const record = this.#startRecord("serializable", true);
      record.isSafeSnapshot = true;
      const transaction = new Transaction(record, this.#services);
      // Active includes transactions still committing: they leave it once their commit is visible.
      const concurrent = [...this.#active].filter((other) => other !== record && other.isSsi && !other.isReadOnly);
      if (concurrent.length === 0) return transaction;
      // The transaction is not handed out (so it reads nothing) until the concurrent writers end.
      await Promise.all(concurrent.map((other) => other.finished));
      const isUnsafe = concurrent.some((other) => other.isCommitted && hasConflictOutBefore(other, record));
      if (!isUnsafe) return transaction;
      transaction.rollback();
    }
    throw new TxnArgumentError(`no safe snapshot found in ${this.#safeSnapshotAttemptsMax} attempts`);
  }

  #onFinished(txn: TxnRecord): void {
    if (this.#active.delete(txn) && txn.isolation !== "read committed") this.#activeSnapshotHolders -= 1;
    assert(this.#activeSnapshotHolders >= 0, "active snapshot holders counted once each");
    if (this.#endWaiters.length > 0) this.#noteEnded(txn);
    if (txn.status === "aborted") {
      this.#rollbacks += 1;
      this.#forget(txn);
    } else {
      this.#commits += 1;
      this.#tracked.push(txn);
    }
    this.#prune();
  }

  #noteEnded(txn: TxnRecord): void {
    for (let i = this.#endWaiters.length - 1; i >= 0; i -= 1) {
      const waiter = this.#endWaiters[i];
      assert(waiter !== undefined, "waiter index in range");
      waiter.pending.delete(txn);
      if (waiter.pending.size > 0) continue;
      this.#endWaiters.splice(i, 1);
      waiter.resolve();
    }
  }

  /** Drops committed transactions that every active REPEATABLE READ or SERIALIZABLE one sees. */
  #prune(): void {
    // `#active` is in begin order, and a REPEATABLE READ or SERIALIZABLE snapshot never moves, so
    // the first such transaction holds the oldest snapshot (READ COMMITTED ones are skipped).
    let oldest = Number.POSITIVE_INFINITY;
    for (const txn of this.#active) {
      if (txn.isolation === "read committed") continue;
      oldest = txn.snapshotSequence;
      break;
    }
    while (this.#trackedHead < this.#tracked.length) {
      const txn = this.#tracked[this.#trackedHead];
      assert(txn !== undefined, "tracked index in range");
      if (!sees({ snapshotSequence: oldest }, txn)) break;
      this.#tracked[this.#trackedHead] = undefined;
      this.#trackedHead += 1;
      this.#forget(txn);
    }
    if (this.#trackedHead > 1024 && this.#trackedHead * 2 > this.#tracked.length) {
      this.#tracked = this.#tracked.slice(this.#trackedHead);
      this.#trackedHead = 0;
    }
  }

  #forget(txn: TxnRecord): void {
    const { ssi, lastWriter } = this.#services;
    ssi.forget(txn);
    if (!txn.isWriterTracked) return;
    for (const key of txn.writes.keys()) if (lastWriter.get(key) === txn) lastWriter.delete(key);
  }

  #hasConcurrentSnapshotOf(txn: TxnRecord): boolean {
    if (this.#activeSnapshotHolders === 0) return false;
    for (const other of this.#active) {
      if (other !== txn && other.isolation !== "read committed" && !sees(other, txn)) return true;
    }
    return false;
  }
}

/** Whether `writer` has a rw-conflict out to a commit `reader`'s snapshot includes. */
function hasConflictOutBefore(writer: TxnRecord, reader: TxnRecord): boolean {
  for (const out of writer.outConflicts) if (sees(reader, out)) return true;
  return writer.summaryOut !== undefined && sees(reader, writer.summaryOut);
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new TxnArgumentError(`${name} must be a positive integer, got ${value}`);
  return value;
}

function nonNegativeInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new TxnArgumentError(`${name} must be a non-negative integer, got ${value}`);
  return value;
}
