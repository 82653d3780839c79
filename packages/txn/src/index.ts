/**
 * @omnikv/txn — transactions over any MVCC key-value store that satisfies `MvccStore` (such as
 * `@omnikv/lsm`'s `LsmStore`): READ COMMITTED, REPEATABLE READ and Serializable Snapshot
 * Isolation as PostgreSQL implements them, savepoints, row locks with deadlock detection and
 * lock timeouts. See README.md for the model, the ids and the guarantees.
 */
export { TransactionManager, writeSetBytesMaxDefault, writeSetWritesMaxDefault } from "./transaction-manager.ts";
export type { TransactionManagerOptions, TransactionManagerStats, TransactionOptions } from "./transaction-manager.ts";
export { Transaction } from "./transaction.ts";
export type { LockWaitPolicy, RowLockMode, RowLockOptions, TxnScanOptions } from "./transaction.ts";
export type { IsolationLevel, TxnStatus } from "./txn-record.ts";
export type { MvccReadOptions, MvccScanOptions, MvccSnapshot, MvccStore, MvccWrite, MvccWriteLimits, MvccWriteOptions } from "./mvcc-store.ts";
export { MemoryMvccStore } from "./memory-mvcc-store.ts";
export { deadlockSearchNodesMax } from "./lock-table.ts";
export {
  DeadlockDetectedError,
  InFailedTransactionError,
  LockNotAvailableError,
  ReadOnlyTransactionError,
  SavepointError,
  SerializationFailureError,
  TransactionStateError,
  TxnArgumentError,
} from "./errors.ts";
