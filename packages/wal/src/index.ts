/**
 * @omnikv/wal — a segmented, checksummed write-ahead log with group commit and torn-tail recovery.
 * Usable on its own; the LSM and the Raft log storage build on it. See README.md for the format.
 */
export { Wal } from "./wal.ts";
export type { AppendOptions, WalOptions, WalRecord, WalStats } from "./wal.ts";
export type { WalCipher } from "./cipher.ts";
export { DirLock } from "./dir-lock.ts";
export { CorruptionError, WalArgumentError, WalIoError, WalLimitError, WalStateError } from "./errors.ts";
export { frameHeaderBytes, recordBytesLimit } from "./record-format.ts";
export { fsyncDirectory, fsyncDirectoryAsync, segmentHeaderBytes } from "./segment-file.ts";
