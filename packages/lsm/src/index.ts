/**
 * @omnikv/lsm — an embedded, durable, ordered key-value store: an LSM tree with a write-ahead log
 * (`@omnikv/wal`), MVCC snapshots, leveled compaction, bloom filters and lz4-compressed blocks.
 * See README.md for the design and the file formats.
 */
export { LsmStore } from "./lsm-store.ts";
export type { BatchEntry, LevelStats, LsmStats, ReadOptions, ScanOptions, Snapshot, VerifyReport, WriteOptions } from "./lsm-store.ts";
export type { LsmOptions } from "./options.ts";
export { WriteBatch, batchBytesMax, keyBytesMax, valueBytesMax } from "./write-batch.ts";
export type { BlockCipher } from "./cipher.ts";
export { CorruptionError, LsmArgumentError, LsmIoError, LsmLimitError, LsmStateError } from "./errors.ts";
