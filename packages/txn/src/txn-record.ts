/**
 * The transaction layer's bookkeeping for one transaction, shared by the lock table, the SSI
 * tracker and the manager. Users see it only through `Transaction`.
 *
 * Ids and orders (see README.md):
 * - `id`: a transaction id, unique within a manager, assigned at begin in increasing order.
 * - `snapshotSequence`: the store sequence the transaction reads at (per statement under READ
 *   COMMITTED); it sees exactly the commits whose `commitSequence` is at most this.
 * - `commitOrder`: assigned when commit validation passes (0 before); the order of commits.
 * - `commitSequence`: the store sequence at which the commit became visible (for a transaction
 *   that wrote nothing, the store's visible sequence when it committed).
 */
import type { SerializationFailureError } from "./errors.ts";
import type { KeyRange } from "./key-string.ts";
import type { LockOwner } from "./lock-table.ts";
import type { MvccSnapshot } from "./mvcc-store.ts";
import { WriteSet } from "./write-set.ts";

export type IsolationLevel = "read committed" | "repeatable read" | "serializable";

/**
 * `active` until commit or rollback; `committing` between passing validation and the store's
 * acknowledgement; then `committed` or `aborted`.
 */
export type TxnStatus = "active" | "committing" | "committed" | "aborted";

/** A commit as the SSI checks need it: a transaction, or the summary of pruned ones. */
export interface CommitPoint {
  readonly commitOrder: number;
  readonly commitSequence: number | undefined;
}

export class TxnRecord implements LockOwner, CommitPoint {
  readonly id: number;
  readonly label: string;
  readonly isolation: IsolationLevel;
  readonly isReadOnly: boolean;
  readonly writes = new WriteSet();
  snapshot: MvccSnapshot | undefined;
  snapshotSequence: number;
  /** A READ ONLY DEFERRABLE transaction on a safe snapshot: it needs no SSI tracking. */
  isSafeSnapshot = false;
  status: TxnStatus = "active";
  commitOrder = 0;
  commitSequence: number | undefined = undefined;
  /** Whether its writes were entered in `lastWriter` at commit (see `Transaction.commit`). */
  isWriterTracked = false;
  #inConflicts: Set<TxnRecord> | undefined = undefined;
  #outConflicts: Set<TxnRecord> | undefined = undefined;
  /** The earliest commit among pruned out-conflicts (PostgreSQL's summarized conflict out). */
  summaryOut: CommitPoint | undefined = undefined;
  /** SIREAD locks: keys and key ranges read (SERIALIZABLE only); allocated on first use. */
  readKeys: Set<string> | undefined = undefined;
  readRanges: KeyRange[] | undefined = undefined;
  /** Set when SSI chose this transaction as a victim; it fails at its next write or commit. */
  doomed: SerializationFailureError | undefined = undefined;
  /** The commit that completed the dangerous structure: a retry waits for it to be visible. */
  doomedAfter: Promise<void> | undefined = undefined;
  #finished: Promise<void> | undefined = undefined;
  #finish: (() => void) | undefined = undefined;

  constructor(id: number, isolation: IsolationLevel, isReadOnly: boolean, snapshot: MvccSnapshot) {
    this.id = id;
    this.label = `transaction ${id}`;
    this.isolation = isolation;
    this.isReadOnly = isReadOnly;
    this.snapshot = snapshot;
    this.snapshotSequence = snapshot.sequence;
  }

  /** Resolves once the transaction committed (its commit visible) or rolled back. */
  get finished(): Promise<void> {
    if (this.#finished === undefined) {
      if (this.status === "committed" || this.status === "aborted") return Promise.resolve();
      this.#finished = new Promise<void>((resolve) => {
        this.#finish = resolve;
      });
    }
    return this.#finished;
  }

  /** rw-antidependencies in: transactions that read what this one wrote without seeing it. */
  get inConflicts(): ReadonlySet<TxnRecord> {
    return this.#inConflicts ?? noTransactions;
  }

  /** rw-antidependencies out: transactions that wrote what this one read, unseen. */
  get outConflicts(): ReadonlySet<TxnRecord> {
    return this.#outConflicts ?? noTransactions;
  }

  addInConflict(reader: TxnRecord): void {
    (this.#inConflicts ??= new Set()).add(reader);
  }

  addOutConflict(writer: TxnRecord): void {
    (this.#outConflicts ??= new Set()).add(writer);
  }

  deleteInConflict(reader: TxnRecord): void {
    this.#inConflicts?.delete(reader);
  }

  deleteOutConflict(writer: TxnRecord): void {
    this.#outConflicts?.delete(writer);
  }

  clearConflicts(): void {
    this.#inConflicts = undefined;
    this.#outConflicts = undefined;
  }

  /** Whether SSI tracks this transaction's reads and writes. */
  get isSsi(): boolean {
    return this.isolation === "serializable" && !this.isSafeSnapshot;
  }

  /** Validation passed (committing or committed) and it did not fail. */
  get isCommitted(): boolean {
    return this.commitOrder > 0 && this.status !== "aborted";
  }

  get isAborted(): boolean {
    return this.status === "aborted";
  }

  /** Read-only for SSI's purposes: declared so, or committed without writing. */
  get isEffectivelyReadOnly(): boolean {
    return this.isReadOnly || (this.isCommitted && this.writes.size === 0);
  }

  /** Marks the end (committed or aborted); waiters on `finished` wake. */
  markFinished(status: "committed" | "aborted"): void {
    this.status = status;
    this.#finish?.();
  }
}

/** The shared empty conflict set: most transactions never have a conflict, so they allocate none. */
const noTransactions: ReadonlySet<TxnRecord> = new Set();

/**
 * Whether `reader`'s snapshot includes `commit`. A commit still in flight (no sequence yet) counts
 * as unseen: every use of this answer is conservative in that direction (an extra rw-conflict, a
 * later prune), and write conflicts wait for the writer's row lock, which outlives the flight.
 */
export function sees(reader: { readonly snapshotSequence: number }, commit: CommitPoint): boolean {
  return commit.commitOrder > 0 && commit.commitSequence !== undefined && commit.commitSequence <= reader.snapshotSequence;
}
