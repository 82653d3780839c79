/**
 * Store options, their defaults and their checks. Every limit is explicit: memory is bounded by
 * `memTableBytes * (1 + maxImmutableMemTables)` for memtables plus `blockCacheBytes`, and writers
 * slow down and then stall before background work can fall behind without bound.
 */
import type { WalCipher } from "@omnikv/wal";
import type { BlockCipher } from "./cipher.ts";
import { LsmArgumentError } from "./errors.ts";
import { batchRecordBytesMax } from "./write-batch.ts";

export interface LsmOptions {
  /** A memtable this large becomes immutable and is flushed to a table. Default 64 MiB. */
  readonly memTableBytes?: number;
  /** Full memtables waiting for flush before writers stall. Default 2. */
  readonly maxImmutableMemTables?: number;
  /** Decoded blocks kept in memory. Default 128 MiB. */
  readonly blockCacheBytes?: number;
  /** Tables kept open. Default 1,000. */
  readonly maxOpenTables?: number;
  /** Uncompressed data block size. Default 4 KiB. */
  readonly blockBytes?: number;
  /**
   * Keys between restart points in a data block. Default 4: a point lookup starts at the restart
   * point the block's hash index names and scans half an interval on average, so a short interval
   * is what keeps it to one or two entries (about 1.5% more space than 8, measured on 16-byte keys
   * with 100-byte values; ~10% more random-read throughput).
   */
  readonly blockRestartInterval?: number;
  /** Block compression. Default "lz4". */
  readonly compression?: "lz4" | "none";
  /** Bloom filter bits per key (0 disables filters). Default 10 (about 1% false positives). */
  readonly bloomBitsPerKey?: number;
  /** Size at which compaction starts a new output table. Default 8 MiB. */
  readonly targetFileBytes?: number;
  /** Target size of L1; each deeper level is `levelSizeMultiplier` times larger. Default 64 MiB. */
  readonly levelBaseBytes?: number;
  /** Default 10. */
  readonly levelSizeMultiplier?: number;
  /** L0 file count that triggers a compaction (default 4), slows writers (8), stalls them (12). */
  readonly l0CompactionTrigger?: number;
  readonly l0SlowdownTrigger?: number;
  readonly l0StopTrigger?: number;
  /**
   * A write batch whose encoding passes this size goes to the wal as several records of about
   * this size, applied only once the last is in the log (see write-batch.ts). Default 4 MiB, at
   * most 16 MiB. Batches themselves may reach `batchBytesMax` (256 MiB).
   */
  readonly batchRecordBytes?: number;
  /** Manifest records before the manifest is rewritten as one snapshot. Default 1,000. */
  readonly manifestEditsMax?: number;
  /** How long background work may hold the event loop before yielding. Default 4 ms. */
  readonly backgroundSliceMs?: number;
  /**
   * Compact a table that point reads keep passing over (LevelDB's seek compaction; see
   * seek-charges.ts), even when no level is due by size. Default true.
   */
  readonly seekCompaction?: boolean;
  /**
   * Encryption at rest: a cipher for table blocks, one for wal records and one for manifest
   * records. The two log ciphers must differ in what they bind (both logs number records from
   * their own LSNs), so a manifest record can never be replayed as a wal record or the reverse.
   */
  readonly cipher?: { readonly block: BlockCipher; readonly wal: WalCipher; readonly manifest: WalCipher };
}

export type ResolvedLsmOptions = Required<Omit<LsmOptions, "cipher">> & { readonly cipher: LsmOptions["cipher"] };

export function resolveLsmOptions(options: LsmOptions): ResolvedLsmOptions {
  const resolved: ResolvedLsmOptions = {
    memTableBytes: options.memTableBytes ?? 64 * 1024 * 1024,
    maxImmutableMemTables: options.maxImmutableMemTables ?? 2,
    blockCacheBytes: options.blockCacheBytes ?? 128 * 1024 * 1024,
    maxOpenTables: options.maxOpenTables ?? 1000,
    blockBytes: options.blockBytes ?? 4096,
    blockRestartInterval: options.blockRestartInterval ?? 4,
    compression: options.compression ?? "lz4",
    bloomBitsPerKey: options.bloomBitsPerKey ?? 10,
    targetFileBytes: options.targetFileBytes ?? 8 * 1024 * 1024,
    levelBaseBytes: options.levelBaseBytes ?? 64 * 1024 * 1024,
    levelSizeMultiplier: options.levelSizeMultiplier ?? 10,
    l0CompactionTrigger: options.l0CompactionTrigger ?? 4,
    l0SlowdownTrigger: options.l0SlowdownTrigger ?? 8,
    l0StopTrigger: options.l0StopTrigger ?? 12,
    batchRecordBytes: options.batchRecordBytes ?? 4 * 1024 * 1024,
    manifestEditsMax: options.manifestEditsMax ?? 1000,
    backgroundSliceMs: options.backgroundSliceMs ?? 4,
    seekCompaction: options.seekCompaction ?? true,
    cipher: options.cipher,
  };
  for (const [name, value] of Object.entries(resolved)) {
    if (typeof value === "number" && (!Number.isFinite(value) || value < 0)) throw new LsmArgumentError(`lsm option ${name} must be a non-negative number, got ${value}`);
  }
  for (const name of ["manifestEditsMax", "memTableBytes", "blockCacheBytes", "maxOpenTables", "blockBytes", "blockRestartInterval", "targetFileBytes", "levelBaseBytes", "l0CompactionTrigger", "batchRecordBytes"] as const) {
    if (resolved[name] < 1) throw new LsmArgumentError(`lsm option ${name} must be at least 1`);
  }
  if (resolved.batchRecordBytes > batchRecordBytesMax) throw new LsmArgumentError(`lsm option batchRecordBytes must be at most ${batchRecordBytesMax}`);
  if (resolved.levelSizeMultiplier < 2) throw new LsmArgumentError("lsm option levelSizeMultiplier must be at least 2");
  if (!(resolved.l0CompactionTrigger <= resolved.l0SlowdownTrigger && resolved.l0SlowdownTrigger <= resolved.l0StopTrigger)) {
    throw new LsmArgumentError("lsm options need l0CompactionTrigger <= l0SlowdownTrigger <= l0StopTrigger");
  }
  if (resolved.compression !== "lz4" && resolved.compression !== "none") throw new LsmArgumentError(`unknown compression ${String(resolved.compression)}`);
  return resolved;
}
