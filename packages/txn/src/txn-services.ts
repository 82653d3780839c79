/**
 * What a `Transaction` needs from its manager: the store, the lock table, the SSI tracker and
 * the shared commit bookkeeping. An internal seam, so transaction.ts and transaction-manager.ts
 * do not import each other.
 */
import type { LockTable } from "./lock-table.ts";
import type { MvccStore } from "./mvcc-store.ts";
import type { SsiTracker } from "./ssi-tracker.ts";
import type { TxnRecord } from "./txn-record.ts";

export interface ResolvedManagerOptions {
  readonly lockTimeoutMs: number;
  readonly deadlockTimeoutMs: number;
  readonly isSync: boolean;
  readonly readKeysMax: number;
  readonly writeSetBytesMax: number;
  readonly writeSetWritesMax: number;
  /** The store's per-write limits (infinite when it has none). */
  readonly keyBytesMax: number;
  readonly valueBytesMax: number;
}

export interface TxnServices {
  readonly store: MvccStore;
  readonly locks: LockTable;
  readonly ssi: SsiTracker;
  readonly options: ResolvedManagerOptions;
  /** The newest committed writer of each key still tracked: write conflicts check it. */
  readonly lastWriter: Map<string, TxnRecord>;
  nextCommitOrder(): number;
  /**
   * Whether an active REPEATABLE READ or SERIALIZABLE transaction other than `txn` has a snapshot
   * that does not include `txn`'s commit: only such a transaction can have a write conflict with
   * it, so only then must its keys go into `lastWriter`.
   */
  hasConcurrentSnapshotOf(txn: TxnRecord): boolean;
  /** The transaction committed (and is visible) or rolled back. */
  onFinished(txn: TxnRecord): void;
}
