/**
 * `Transaction`: reads at a snapshot, buffers writes, takes row locks, and commits atomically
 * through one store batch. Isolation levels follow PostgreSQL:
 *
 * - READ COMMITTED: a fresh snapshot per statement (`beginStatement()`); a write to a row that a
 *   concurrent transaction committed after the snapshot proceeds (`getForUpdate` returns the
 *   newest version, as PostgreSQL re-reads it).
 * - REPEATABLE READ: one snapshot for the whole transaction; writing (or locking) a key that a
 *   concurrent transaction committed after the snapshot fails with 40001.
 * - SERIALIZABLE: REPEATABLE READ plus SSI (ssi-tracker.ts).
 *
 * A second writer of a key waits for the first one's row lock, which is held until the first
 * commits (and its commit is visible) or rolls back; then the conflict check above decides.
 *
 * Invariants:
 * - Reads see the transaction's own writes first, then the snapshot.
 * - While a savepoint exists, every lock acquisition is logged with the mode held before it, so
 *   a rollback to a savepoint restores locks exactly; SIREAD locks survive it, as in PostgreSQL.
 * - Only `active` transactions accept operations.
 */
import { Buffer } from "node:buffer";
import { ProgramLimitExceededError, assert, txnId, type TxnId } from "@omnikv/base";
import { InFailedTransactionError, LockNotAvailableError, ReadOnlyTransactionError, SavepointError, SerializationFailureError, TransactionStateError } from "./errors.ts";
import { keyBytes, keyString, type KeyRange } from "./key-string.ts";
import { heldBefore, lockWouldWait, type LockMode } from "./lock-table.ts";
import type { MvccReadOptions, MvccWrite } from "./mvcc-store.ts";
import { mergeWithWrites } from "./merged-scan.ts";
import { sees, type IsolationLevel, type TxnRecord, type TxnStatus } from "./txn-record.ts";
import type { TxnServices } from "./txn-services.ts";
import { writeBytes, type BufferedWrite } from "./write-set.ts";

/** FOR UPDATE takes an exclusive row lock; FOR SHARE a shared one. */
export type RowLockMode = "update" | "share";
/** Wait for the lock, fail at once (NOWAIT, 55P03), or skip the row (SKIP LOCKED). */
export type LockWaitPolicy = "block" | "nowait" | "skip";

export interface RowLockOptions {
  readonly mode?: RowLockMode;
  readonly wait?: LockWaitPolicy;
  /** Overrides the manager's `lockTimeoutMs` for this wait; 0 waits without a limit. */
  readonly timeoutMs?: number;
}

export interface TxnScanOptions {
  readonly gte?: Uint8Array;
  readonly lt?: Uint8Array;
  readonly reverse?: boolean;
  readonly limit?: number;
}

interface Savepoint {
  readonly name: string;
  readonly undoLength: number;
  readonly lockLogLength: number;
  readonly isSwitchedReadOnly: boolean;
}

interface LockLogEntry {
  readonly key: string;
  readonly previous: LockMode | undefined;
}

export class Transaction {
  readonly #txn: TxnRecord;
  readonly #services: TxnServices;
  readonly #savepoints: Savepoint[] = [];
  readonly #lockLog: LockLogEntry[] = [];
  readonly #heldKeys = new Set<string>();
  /** Made read-only after it began (`setReadOnly`): refuses writes from now on. */
  #isSwitchedReadOnly = false;
  /** Ranges read at the store's newest state rather than the snapshot (`readNewestIn`); usually none. */
  #newestRanges: { readonly gte: string; readonly lt: string }[] | undefined;

  /** @internal Transactions come from `TransactionManager.begin()`. */
  constructor(txn: TxnRecord, services: TxnServices) {
    this.#txn = txn;
    this.#services = services;
  }

  get id(): TxnId {
    return txnId(this.#txn.id);
  }

  get isolation(): IsolationLevel {
    return this.#txn.isolation;
  }

  /** Whether it refuses writes: begun READ ONLY, or made so since (`setReadOnly`). */
  get isReadOnly(): boolean {
    return this.#txn.isReadOnly || this.#isSwitchedReadOnly;
  }

  /**
   * SET TRANSACTION READ ONLY after the transaction began, as PostgreSQL allows at any point:
   * later writes and row locks are refused (25006); what it already wrote stays and commits.
   * ROLLBACK TO a savepoint taken before undoes it. SSI still counts the transaction as the
   * writer it began as (a read-only transaction's exemptions hold only for one that never wrote).
   */
  setReadOnly(): void {
    this.#assertActive();
    this.#isSwitchedReadOnly = true;
  }

  get status(): TxnStatus {
    return this.#txn.status;
  }

  /** The store sequence this transaction (or, under READ COMMITTED, this statement) reads at. */
  get snapshotSequence(): number {
    return this.#txn.snapshotSequence;
  }

  /** The store sequence at which the commit became visible; undefined until committed. */
  get commitSequence(): number | undefined {
    return this.#txn.status === "committed" ? this.#txn.commitSequence : undefined;
  }

  /** Starts a statement: under READ COMMITTED it reads at a fresh snapshot from here on. */
  beginStatement(): void {
    this.#assertActive();
    if (this.#txn.isolation !== "read committed") return;
    const previous = this.#txn.snapshot;
    const snapshot = this.#services.store.snapshot();
    this.#txn.snapshot = snapshot;
    this.#txn.snapshotSequence = snapshot.sequence;
    previous?.release();
  }

  /**
   * A snapshot taken now, for a transaction that has read and written nothing yet: LOCK TABLE
   * waits for its locks first and takes no snapshot, as in PostgreSQL, so a REPEATABLE READ
   * transaction that begins with it reads what the transactions it waited for committed.
   */
  retakeSnapshot(): void {
    this.#assertActive();
    assert(this.#txn.writes.size === 0, "only a transaction that has written nothing retakes its snapshot");
    const previous = this.#txn.snapshot;
    const snapshot = this.#services.store.snapshot();
    this.#txn.snapshot = snapshot;
    this.#txn.snapshotSequence = snapshot.sequence;
    previous?.release();
  }

  /**
   * From now on, reads of keys in `[gte, lt)` see the store's newest state instead of this
   * transaction's snapshot: for a range only this transaction fills, and outside its write set
   * (a new index's entries written straight to the store, which nobody else can name before this
   * transaction commits). Its own such writes become visible to it under every isolation level.
   * A scan reads so only when its whole range lies inside one such range.
   */
  readNewestIn(gte: Uint8Array, lt: Uint8Array): void {
    this.#assertActive();
    (this.#newestRanges ??= []).push({ gte: keyString(gte), lt: keyString(lt) });
  }

  /**
   * Whether this transaction has buffered a write or deletion of a key in `[gte, lt)`: a writer
   * straight to the store must not write keys its own buffered writes would override at commit.
   */
  hasWritesIn(gte: Uint8Array, lt: Uint8Array): boolean {
    this.#assertActive();
    return this.#txn.writes.intersects({ gte: keyString(gte), lt: keyString(lt) });
  }

  /** The value of `key` as this transaction sees it, or undefined. Synchronous; never blocks. */
  get(key: Uint8Array): Uint8Array | undefined {
    this.#assertActive();
    const name = keyString(key);
    const own = this.#txn.writes.get(name);
    if (own !== undefined) return own ?? undefined;
    if (this.#txn.isSsi) this.#services.ssi.onRead(this.#txn, name);
    return this.#services.store.get(key, this.#readOptions(name));
  }

  /**
   * The snapshot to read the key `gte` (or, with `lt`, the range `[gte, lt)`) at, or none — the
   * newest state — inside a `readNewestIn` range.
   */
  #readOptions(gte: string | undefined, lt?: string): MvccReadOptions {
    const ranges = this.#newestRanges;
    if (ranges === undefined || gte === undefined) return { snapshot: this.#snapshot() };
    const isInside = lt === undefined ? ranges.some((r) => gte >= r.gte && gte < r.lt) : ranges.some((r) => gte >= r.gte && lt <= r.lt);
    return isInside ? {} : { snapshot: this.#snapshot() };
  }

  /**
   * The entries in `[gte, lt)` as this transaction sees them, streaming, in key order (or
   * reverse). Under SERIALIZABLE the whole range is read-locked, so a concurrent insert into it
   * is a conflict (no phantoms).
   */
  scan(options: TxnScanOptions = {}): IterableIterator<[Uint8Array, Uint8Array]> {
    this.#assertActive();
    const range: KeyRange = {
      gte: options.gte === undefined ? undefined : keyString(options.gte),
      lt: options.lt === undefined ? undefined : keyString(options.lt),
    };
    if (this.#txn.isSsi) this.#services.ssi.onScan(this.#txn, range);
    const isReverse = options.reverse ?? false;
    const stored = this.#services.store.scan({
      ...(options.gte === undefined ? {} : { gte: options.gte }),
      ...(options.lt === undefined ? {} : { lt: options.lt }),
      reverse: isReverse,
      ...(range.lt === undefined ? { snapshot: this.#snapshot() } : this.#readOptions(range.gte, range.lt)),
    });
    const own = this.#txn.writes.keysInRange(range, isReverse).map((name): BufferedWrite => {
      const value = this.#txn.writes.get(name);
      assert(value !== undefined, "a key in range is in the write set");
      return { key: keyBytes(name), value: value ?? undefined };
    });
    return mergeWithWrites(stored, own, isReverse, options.limit ?? Number.POSITIVE_INFINITY);
  }

  put(key: Uint8Array, value: Uint8Array): Promise<void> {
    return this.#write(key, ownCopy(value));
  }

  /**
   * `put` of a key no other transaction can write before this one ends, such as a row keyed by a
   * row id this transaction was just given: no row lock is taken, since nobody else can name the
   * key to wait for it (a bulk load took a lock per row, a fifth of its time). A later write of the
   * key in this transaction locks it as `put` does; SSI and savepoints treat it as any write.
   */
  putFresh(key: Uint8Array, value: Uint8Array): Promise<void> {
    return this.#write(key, ownCopy(value), true);
  }

  delete(key: Uint8Array): Promise<void> {
    return this.#write(key, undefined);
  }

  /**
   * SELECT … FOR UPDATE / FOR SHARE of one key: takes the row lock and, under REPEATABLE READ
   * and SERIALIZABLE, fails with 40001 if a concurrent transaction committed a write to it after
   * this snapshot. Resolves false only under SKIP LOCKED when the row is locked.
   */
  async lock(key: Uint8Array, options: RowLockOptions = {}): Promise<boolean> {
    this.#assertWritable("SELECT FOR UPDATE/SHARE");
    const name = keyString(key);
    const mode: LockMode = (options.mode ?? "update") === "update" ? "exclusive" : "share";
    const isLocked = await this.#lockKey(name, mode, options);
    if (isLocked) this.#checkWriteConflict(name);
    return isLocked;
  }

  /**
   * A lock on something no write names — a table, which DDL takes `exclusive` and writers
   * `share` so that neither runs under the other — keyed by `key` (outside every stored key
   * range): `share` locks coexist, `exclusive` excludes every other. Held until the transaction
   * ends or rolls back to a savepoint taken before; waits, deadlock detection and timeouts as for
   * row locks (`what` names it in their messages). Read-only transactions take it too.
   */
  async lockObject(key: Uint8Array, mode: "share" | "exclusive", options: { readonly timeoutMs?: number; readonly what?: string; readonly wait?: "block" | "nowait" } = {}): Promise<void> {
    this.#assertActive();
    const name = keyString(key);
    const wait = options.wait === undefined ? {} : { wait: options.wait };
    await this.#lockKey(name, mode, options.timeoutMs === undefined ? wait : { ...wait, timeoutMs: options.timeoutMs }, options.what);
  }

  /**
   * Locks `key` for update and returns its newest committed value (READ COMMITTED) or its value at
   * the snapshot, which is then the newest (REPEATABLE READ, SERIALIZABLE) — the read half of
   * UPDATE. Own writes come first. Resolves undefined when the key is absent.
   */
  async getForUpdate(key: Uint8Array, options: Omit<RowLockOptions, "mode"> = {}): Promise<Uint8Array | undefined> {
    const isLocked = await this.lock(key, { ...options, mode: "update" });
    if (!isLocked) throw new LockNotAvailableError("could not obtain lock on row", { detail: "SKIP LOCKED does not apply to getForUpdate" });
    const name = keyString(key);
    const own = this.#txn.writes.get(name);
    if (own !== undefined) return own ?? undefined;
    if (this.#txn.isolation === "read committed") return this.#services.store.get(key);
    if (this.#txn.isSsi) this.#services.ssi.onRead(this.#txn, name);
    return this.#services.store.get(key, this.#readOptions(name));
  }

  /**
   * The newest version of `key` as a READ COMMITTED re-check after `lock` reads it: this
   * transaction's own write first, else the newest committed value (not the statement snapshot).
   */
  latest(key: Uint8Array): Uint8Array | undefined {
    this.#assertActive();
    const own = this.#txn.writes.get(keyString(key));
    if (own !== undefined) return own ?? undefined;
    return this.#services.store.get(key);
  }

  savepoint(name: string): void {
    this.#assertActive();
    this.#txn.writes.setUndoRecording(true);
    this.#savepoints.push({ name, undoLength: this.#txn.writes.undoLength, lockLogLength: this.#lockLog.length, isSwitchedReadOnly: this.#isSwitchedReadOnly });
  }

  /** RELEASE SAVEPOINT: forgets the savepoint and every later one; keeps their writes. */
  releaseSavepoint(name: string): void {
    this.#assertActive();
    this.#savepoints.length = this.#savepointIndex(name);
    if (this.#savepoints.length === 0) {
      this.#txn.writes.setUndoRecording(false);
      this.#lockLog.length = 0;
    }
  }

  /**
   * ROLLBACK TO SAVEPOINT: restores the write set and the row locks as they were at the savepoint,
   * which stays defined. SIREAD locks and rw-conflicts stay, as in PostgreSQL.
   */
  rollbackToSavepoint(name: string): void {
    this.#assertActive();
    const index = this.#savepointIndex(name);
    const savepoint = this.#savepoints[index];
    assert(savepoint !== undefined, "savepoint index in range");
    const removed = this.#txn.writes.rollbackTo(savepoint.undoLength);
    if (this.#txn.isSsi) for (const key of removed) this.#services.ssi.onUnwrite(this.#txn, key);
    while (this.#lockLog.length > savepoint.lockLogLength) {
      const entry = this.#lockLog.pop();
      assert(entry !== undefined, "lock log entry");
      this.#services.locks.release(this.#txn, entry.key, entry.previous);
      if (entry.previous === undefined) this.#heldKeys.delete(entry.key);
    }
    this.#isSwitchedReadOnly = savepoint.isSwitchedReadOnly;
    this.#savepoints.length = index + 1;
  }

  /**
   * Validates and commits: one atomic batch to the store (durable unless the manager says
   * otherwise), then the locks are released. A serialization failure rolls the transaction back
   * and rejects with 40001. `beforeRelease` runs, with the commit's sequence, once the commit is applied and before any lock is
   * released: what a lock waiter must find on waking (a caller's own state, such as a catalog the
   * transaction changed) is published there. If it throws, the transaction is committed all the
   * same and its locks released, and `commit` rejects with that error.
   */
  async commit(options: { readonly beforeRelease?: (commitSequence: number) => void } = {}): Promise<void> {
    this.#assertActive();
    const txn = this.#txn;
    if (txn.isSsi && txn.writes.size > 0 && txn.doomed === undefined) this.#services.ssi.checkPivotAtCommit(txn);
    if (txn.doomed !== undefined) return this.#failDoomed(true);
    txn.commitOrder = this.#services.nextCommitOrder();
    txn.status = "committing";
    if (txn.writes.size === 0) {
      txn.commitSequence = this.#visibleSequence();
      this.#finishCommitted(options.beforeRelease);
      return undefined;
    }
    if (txn.isSsi) this.#services.ssi.checkAsToutAtCommit(txn);
    const batch: MvccWrite[] = [];
    for (const [name, value] of txn.writes.entries()) {
      // The key's bytes from its string (not kept beside it, see WriteSet): a Buffer from Node's
      // pool, which the store copies into its batch.
      const key = Buffer.from(name, "latin1");
      batch.push(value === null ? { type: "del", key } : { type: "put", key, value });
    }
    try {
      txn.commitSequence = await this.#services.store.write(batch, { sync: this.#services.options.isSync });
    } catch (error) {
      this.#finish("aborted");
      throw error;
    }
    // Entered only now, and only when some transaction's snapshot misses this commit: a writer of
    // one of these keys checks `lastWriter` after it takes the key's row lock, which this
    // transaction holds until `#finish`, and a transaction that begins from here on sees the
    // commit. Under READ COMMITTED alone nobody would ever read the entries.
    if (this.#services.hasConcurrentSnapshotOf(txn)) {
      txn.isWriterTracked = true;
      for (const key of txn.writes.keys()) this.#services.lastWriter.set(key, txn);
    }
    this.#finishCommitted(options.beforeRelease);
    return undefined;
  }

  /** Runs `beforeRelease` and then releases everything, even if it throws (the commit stands; its error goes to the caller). */
  #finishCommitted(beforeRelease: ((commitSequence: number) => void) | undefined): void {
    const sequence = this.#txn.commitSequence;
    assert(sequence !== undefined, "a committing transaction has its commit sequence");
    try {
      beforeRelease?.(sequence);
    } finally {
      this.#finish("committed");
    }
  }

  /** Discards every write and releases every lock; a no-op on a transaction already rolled back. */
  rollback(): void {
    if (this.#txn.status === "aborted") return;
    if (this.#txn.status !== "active") throw new TransactionStateError(`${this.#txn.label} is ${this.#txn.status}; it cannot roll back`);
    this.#services.locks.cancelWait(this.#txn, new TransactionStateError(`${this.#txn.label} rolled back while waiting for a lock`));
    this.#finish("aborted");
  }

  async #write(key: Uint8Array, value: Uint8Array | undefined, isFresh = false): Promise<void> {
    this.#assertWritable(value === undefined ? "DELETE" : "INSERT or UPDATE");
    if (this.#txn.doomed !== undefined) return this.#failDoomed(false);
    const name = keyString(key);
    this.#checkWriteSetLimit(name, key, value);
    if (!isFresh) await this.#lockKey(name, "exclusive", {});
    this.#assertActive();
    this.#checkWriteConflict(name);
    this.#txn.writes.set(name, value ?? null);
    if (this.#txn.isSsi) this.#services.ssi.onWrite(this.#txn, name);
    if (this.#txn.doomed !== undefined) return this.#failDoomed(false);
    return undefined;
  }

  /** Resolves true once `name` is locked at `mode` (or stronger); false when SKIP LOCKED skips. */
  async #lockKey(name: string, mode: LockMode, options: RowLockOptions, what = `key ${JSON.stringify(name)}`): Promise<boolean> {
    const { locks } = this.#services;
    const outcome = locks.acquireNow(this.#txn, name, mode);
    const previous = heldBefore(outcome);
    if (previous === "exclusive" || previous === mode) return true;
    if ((outcome & lockWouldWait) !== 0) {
      const wait = options.wait ?? "block";
      if (wait === "skip") return false;
      if (wait === "nowait") throw new LockNotAvailableError("could not obtain lock on row", { detail: `${what} is locked` });
      const timeoutMs = options.timeoutMs ?? this.#services.options.lockTimeoutMs;
      await locks.wait(this.#txn, name, mode, { timeoutMs, what, deadlockTimeoutMs: this.#services.options.deadlockTimeoutMs });
    }
    // Only a rollback to a savepoint needs the log, so there is none without one.
    if (this.#savepoints.length > 0) this.#lockLog.push({ key: name, previous });
    this.#heldKeys.add(name);
    return true;
  }

  /**
   * 54000 when the store would refuse `key` or `value`, or writing them would take the write set
   * past `writeSetBytesMax` or `writeSetWritesMax`: refused now, not at commit.
   */
  #checkWriteSetLimit(name: string, key: Uint8Array, value: Uint8Array | undefined): void {
    const { writeSetBytesMax, writeSetWritesMax, keyBytesMax, valueBytesMax } = this.#services.options;
    if (key.length > keyBytesMax) throw new ProgramLimitExceededError(`key of ${key.length} bytes exceeds the maximum of ${keyBytesMax} bytes`);
    if (value !== undefined && value.length > valueBytesMax) throw new ProgramLimitExceededError(`value of ${value.length} bytes exceeds the maximum of ${valueBytesMax} bytes`);
    const writes = this.#txn.writes;
    const added = writeBytes(key.length, value);
    // Far from both limits even if the key is new: no lookup (a bulk load makes millions of writes).
    if (writes.bytes + added <= writeSetBytesMax && writes.size < writeSetWritesMax) return;
    const replaced = writes.get(name);
    const bytesAfter = writes.bytes + added - (replaced === undefined ? 0 : writeBytes(key.length, replaced));
    const countAfter = writes.size + (replaced === undefined ? 1 : 0);
    if (bytesAfter <= writeSetBytesMax && countAfter <= writeSetWritesMax) return;
    const what = bytesAfter > writeSetBytesMax ? `the maximum of ${writeSetBytesMax} bytes` : `the maximum of ${writeSetWritesMax} writes`;
    throw new ProgramLimitExceededError(`transaction write set exceeds ${what}`, {
      detail: `The transaction has buffered ${writes.size} writes (${writes.bytes} bytes).`,
      hint: "Split the work into several transactions.",
    });
  }

  /** First-updater-wins: a key committed by a transaction this snapshot does not see is a conflict. */
  #checkWriteConflict(name: string): void {
    if (this.#txn.isolation === "read committed") return;
    const writer = this.#services.lastWriter.get(name);
    if (writer === undefined || writer === this.#txn || sees(this.#txn, writer)) return;
    assert(writer.status === "committed", "a conflicting writer finished before its row lock was released");
    throw new SerializationFailureError("could not serialize access due to concurrent update", {
      detail: `${writer.label} committed a write to this key after ${this.#txn.label} took its snapshot`,
      hint: "The transaction might succeed if retried.",
    });
  }

  async #failDoomed(isCommit: boolean): Promise<never> {
    const { doomed, doomedAfter } = this.#txn;
    assert(doomed !== undefined, "only a doomed transaction fails as doomed");
    if (isCommit) this.#finish("aborted");
    // A retry must see the commit that completed the dangerous structure, or it could form it again.
    if (doomedAfter !== undefined) await doomedAfter;
    throw doomed;
  }

  #finish(status: "committed" | "aborted"): void {
    const txn = this.#txn;
    for (const key of this.#heldKeys) this.#services.locks.release(txn, key);
    this.#heldKeys.clear();
    this.#lockLog.length = 0;
    txn.snapshot?.release();
    txn.snapshot = undefined;
    txn.markFinished(status);
    this.#services.onFinished(txn);
  }

  #visibleSequence(): number {
    const snapshot = this.#services.store.snapshot();
    snapshot.release();
    return snapshot.sequence;
  }

  #snapshot(): NonNullable<TxnRecord["snapshot"]> {
    const { snapshot } = this.#txn;
    assert(snapshot !== undefined, "an active transaction holds a snapshot");
    return snapshot;
  }

  #savepointIndex(name: string): number {
    for (let i = this.#savepoints.length - 1; i >= 0; i--) if (this.#savepoints[i]?.name === name) return i;
    throw new SavepointError(`savepoint "${name}" does not exist`);
  }

  #assertActive(): void {
    const { status, label } = this.#txn;
    if (status === "active") return;
    if (status === "aborted") throw new InFailedTransactionError(`${label} was rolled back; commands are ignored until it ends`);
    throw new TransactionStateError(`${label} is ${status}`);
  }

  #assertWritable(what: string): void {
    this.#assertActive();
    if (this.isReadOnly) throw new ReadOnlyTransactionError(`cannot execute ${what} in a read-only transaction`);
  }
}

/**
 * The transaction's own copy of a written value. `Buffer.allocUnsafe` takes values under 4 KiB from
 * Node's shared pool: a view, where `slice` allocates a backing store of its own for anything over
 * 64 bytes (about a microsecond each, and GC work, for every row a bulk load writes). Every byte is
 * overwritten, so nothing stale shows.
 */
function ownCopy(value: Uint8Array): Uint8Array {
  const copy = Buffer.allocUnsafe(value.length);
  copy.set(value);
  return copy;
}
