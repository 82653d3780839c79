/**
 * `LsmStore`: the embedded key-value store that composes the parts.
 *
 * Write path: `write(batch)` assigns the batch consecutive sequence numbers and appends it to the
 * wal as one record (so it is atomic across crashes). Once the wal has it (durable, for
 * `sync: true`), it is applied to the memtable — in sequence order, whatever order the appends
 * resolved in — and only then becomes visible. A full memtable turns immutable and is flushed to an
 * L0 table in the background; compactions merge tables down the levels.
 *
 * Read path: synchronous. A lookup asks the memtable, the immutable memtables (newest first), the
 * L0 tables (newest first) and then one table per level; the first version at or below the
 * snapshot's sequence wins. A scan merges iterators over all of them and pins the version it
 * started with, so compaction cannot delete a table under it.
 *
 * Invariants:
 * - A reader never sees a write while missing an earlier one: visibility advances in sequence order.
 * - The wal is truncated only up to the first record not in a table whose manifest edit is durable
 *   (the ordering rule the Rust system we re-create broke).
 * - Memory is bounded: writers stall while `maxImmutableMemTables` memtables wait for flush or L0
 *   holds `l0StopTrigger` files, and slow down from `l0SlowdownTrigger`.
 * - A failed background write or wal failure fails the store: writes reject from then on; reads of
 *   what is durable keep working until close.
 */
import { mkdirSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { DbError, assert, lsn as toLsn } from "@omnikv/base";
import { DirLock, Wal, fsyncDirectoryAsync } from "@omnikv/wal";
import { levelScores, levelTargetBytes, pickCompaction, pickSeekCompaction, type Compaction } from "./compaction-picker.ts";
import { runCompaction, type CompactionEnvironment, type TableShape } from "./compaction.ts";
import { CorruptionError, LsmArgumentError, LsmIoError, LsmStateError } from "./errors.ts";
import { tablePath, walDirName } from "./file-names.ts";
import { copyBytes } from "./internal/bytes.ts";
import { OwningIterator } from "./internal/owning-iterator.ts";
import { TimeSlicer } from "./internal/time-slicer.ts";
import type { InternalIterator } from "./internal-iterator.ts";
import { ValueKind } from "./internal-key.ts";
import { LevelIterator } from "./level-iterator.ts";
import { MemTable } from "./mem-table.ts";
import { MergingIterator } from "./merging-iterator.ts";
import { resolveLsmOptions, type LsmOptions, type ResolvedLsmOptions } from "./options.ts";
import { BlockCache } from "./sstable/block-cache.ts";
import { bloomHash } from "./sstable/bloom-filter.ts";
import { TableBuilder } from "./sstable/table-builder.ts";
import { notFound, type FindResult, type TableReader } from "./sstable/table-reader.ts";
import { TableCache } from "./table-cache.ts";
import { SeekCharges } from "./seek-charges.ts";
import { userEntries } from "./user-iterator.ts";
import { levelCount, type FileMetadata } from "./version-edit.ts";
import { VersionSet } from "./version-set.ts";
import { compareUserKeyOf } from "./version.ts";
import { WriteBatch, batchBytesMax, decodeBatch, encodeBatchRecords, keyBytesMax, valueBytesMax, type BatchOp, type DecodedBatch } from "./write-batch.ts";

export interface WriteOptions {
  /** Resolve once the write is durable (default) or once the operating system has it. */
  readonly sync?: boolean;
}

/** A consistent read view: it sees exactly the writes visible when it was taken. */
export interface Snapshot {
  readonly sequence: number;
  release(): void;
}

export interface ReadOptions {
  readonly snapshot?: Snapshot;
}

export interface ScanOptions extends ReadOptions {
  readonly gte?: Uint8Array;
  readonly gt?: Uint8Array;
  readonly lte?: Uint8Array;
  readonly lt?: Uint8Array;
  readonly reverse?: boolean;
  readonly limit?: number;
}

/** One element of the array form of `write`: `{ type: "put", key, value }` or `{ type: "del", key }`. */
export type BatchEntry =
  | { readonly type: "put"; readonly key: Uint8Array; readonly value: Uint8Array }
  | { readonly type: "del"; readonly key: Uint8Array };

export interface LevelStats {
  readonly level: number;
  readonly files: number;
  readonly bytes: number;
  /** >= 1 means the level is due for compaction. */
  readonly score: number;
}

export interface LsmStats {
  readonly levels: readonly LevelStats[];
  readonly memTableBytes: number;
  readonly immutableMemTables: number;
  readonly blockCacheHitRate: number;
  readonly blockCacheBytes: number;
  readonly userBytesWritten: number;
  readonly walBytesWritten: number;
  /** fdatasyncs of the wal so far (group commit makes one cover many writes). */
  readonly walSyncCount: number;
  readonly flushBytesWritten: number;
  readonly compactionBytesWritten: number;
  readonly compactionBytesRead: number;
  /** (wal + flush + compaction bytes written) / user bytes written. */
  readonly writeAmplification: number;
  /** Bytes in all tables / bytes in the last non-empty level (1.0 after a full compaction). */
  readonly spaceAmplification: number;
  readonly flushCount: number;
  readonly compactionCount: number;
  /** Compactions started because reads kept passing over a table (see `seekCompaction`), not by size. */
  readonly seekCompactionCount: number;
  readonly stallCount: number;
  readonly liveSnapshots: number;
  readonly lastSequence: number;
}

export interface VerifyReport {
  readonly tablesChecked: number;
  readonly blocksChecked: number;
  /** One line per damaged block or unreadable table; empty when everything checks out. */
  readonly problems: readonly string[];
}

interface MemTableState {
  readonly table: MemTable;
  /** The LSN of the last wal record applied to this memtable (0 when none). */
  lastAppliedLsn: bigint;
  maxSequence: number;
}

interface PendingWrite {
  readonly firstSequence: number;
  readonly ops: readonly BatchOp[];
  lsn: bigint | undefined;
  readonly resolve: (lastSequence: number) => void;
  readonly reject: (error: Error) => void;
}

/** Ops of one batch applied to the memtable per event-loop turn (about 10 ms of work): larger batches take several turns. */
export const applySliceOps = 4096;

export class LsmStore {
  readonly dir: string;
  /** The largest key, value and encoded batch `write` accepts (54000 past them). */
  readonly writeLimits: { readonly keyBytesMax: number; readonly valueBytesMax: number; readonly batchBytesMax: number } = { keyBytesMax, valueBytesMax, batchBytesMax };
  readonly #options: ResolvedLsmOptions;
  readonly #lock: DirLock;
  readonly #versions: VersionSet;
  readonly #wal: Wal;
  readonly #blockCache: BlockCache;
  readonly #tables: TableCache;
  readonly #tableShape: TableShape;
  #memTable: MemTableState;
  /** Full memtables waiting for flush, oldest first. */
  readonly #immutables: MemTableState[] = [];
  #nextSequence: number;
  #visibleSequence: number;
  readonly #applyQueue: PendingWrite[] = [];
  /** The batch at the head of `#applyQueue` is being applied a slice per turn (see `#applyInSlices`). */
  #isApplyingInSlices = false;
  /** Flushes waiting for the batch being applied in slices to be published (see `flush`). */
  readonly #rotationWaiters: (() => void)[] = [];
  readonly #snapshots = new Map<number, number>();
  #roomWaiters: (() => void)[] = [];
  #flushTask: Promise<void> | undefined;
  #compactionTask: Promise<void> | undefined;
  #manualCompaction: Promise<void> | undefined;
  readonly #compactPointers = new Map<number, Uint8Array>();
  /** Undefined when the `seekCompaction` option is off. */
  readonly #seekCharges: SeekCharges | undefined;
  #failure: DbError | undefined;
  #isClosing = false;
  readonly #counters = {
    userBytes: 0,
    walBytes: 0,
    flushBytes: 0,
    compactionBytesWritten: 0,
    compactionBytesRead: 0,
    flushCount: 0,
    compactionCount: 0,
    seekCompactionCount: 0,
    stallCount: 0,
  };

  private constructor(init: { dir: string; options: ResolvedLsmOptions; versions: VersionSet; wal: Wal; blockCache: BlockCache; tables: TableCache; lock: DirLock }) {
    this.dir = init.dir;
    this.#lock = init.lock;
    this.#options = init.options;
    this.#versions = init.versions;
    this.#wal = init.wal;
    this.#blockCache = init.blockCache;
    this.#tables = init.tables;
    this.#seekCharges = init.options.seekCompaction ? new SeekCharges() : undefined;
    const { blockBytes, blockRestartInterval, compression, bloomBitsPerKey, cipher } = init.options;
    this.#tableShape = { blockBytes, restartInterval: blockRestartInterval, compression, bloomBitsPerKey, ...(cipher === undefined ? {} : { cipher: cipher.block }) };
    this.#memTable = newMemTableState();
    this.#nextSequence = init.versions.flushedSequence + 1;
    this.#visibleSequence = init.versions.flushedSequence;
  }

  /** Opens (creating if needed) the store in `dir`, recovering from the manifest and the wal. */
  static async open(dir: string, options: LsmOptions = {}): Promise<LsmStore> {
    const resolved = resolveLsmOptions(options);
    mkdirSync(dir, { recursive: true });
    const lock = DirLock.acquire(dir);
    try {
      return await LsmStore.#openLocked(dir, resolved, lock);
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  static async #openLocked(dir: string, resolved: ResolvedLsmOptions, lock: DirLock): Promise<LsmStore> {
    // Tables that become obsolete before the store exists are deleted once it does.
    const opened: { store?: LsmStore; pendingDeletes: number[] } = { pendingDeletes: [] };
    const versions = await VersionSet.open(dir, {
      ...(resolved.cipher === undefined ? {} : { walCipher: resolved.cipher.manifest }),
      manifestEditsMax: resolved.manifestEditsMax,
      onObsoleteFiles: (numbers) => (opened.store === undefined ? opened.pendingDeletes.push(...numbers) : opened.store.#deleteTables(numbers)),
    });
    const walOptions = { segmentBytesTarget: Math.max(4 * 1024 * 1024, Math.floor(resolved.memTableBytes / 2)) };
    let wal: Wal;
    try {
      wal = await Wal.open(join(dir, walDirName), resolved.cipher === undefined ? walOptions : { ...walOptions, cipher: resolved.cipher.wal });
    } catch (error) {
      await versions.close();
      throw error;
    }
    const blockCache = new BlockCache({ capacityBytes: resolved.blockCacheBytes });
    const tables = new TableCache({ dir, maxOpenTables: resolved.maxOpenTables, blockCache, ...(resolved.cipher === undefined ? {} : { cipher: resolved.cipher.block }) });
    const store = new LsmStore({ dir, options: resolved, versions, wal, blockCache, tables, lock });
    opened.store = store;
    try {
      store.#deleteTables([...opened.pendingDeletes, ...versions.orphanTableNumbers()]);
      store.#replayWal();
    } catch (error) {
      await store.close();
      throw error;
    }
    store.#scheduleBackgroundWork();
    return store;
  }

  /**
   * Rebuilds the memtables from wal records not yet in tables. The parts of a fragmented batch are
   * gathered and applied together at its last part; parts with no last (a crash while the batch
   * was being written, so it was never acknowledged) are dropped when the next batch starts or the
   * log ends.
   */
  #replayWal(): void {
    const flushed = this.#versions.flushedSequence;
    let lastSequence = flushed;
    let parts: DecodedBatch[] = [];
    for (const record of this.#wal.replay(toLsn(this.#versions.logLsn))) {
      const where = `${this.dir}/${walDirName} lsn ${record.lsn}`;
      const batch = decodeBatch(record.payload, where);
      if (batch.part === "whole" || batch.part === "first") {
        parts = [];
      } else {
        const previous = parts.at(-1);
        if (previous === undefined || batch.firstSequence !== previous.firstSequence + previous.ops.length) {
          throw new CorruptionError(where, -1, "write batch: a part of a fragmented batch without the parts before it");
        }
      }
      if (batch.part === "first" || batch.part === "middle") {
        parts.push(batch);
        continue;
      }
      const whole = batch.part === "whole" ? [batch] : [...parts, batch];
      parts = [];
      const first = whole[0]?.firstSequence ?? batch.firstSequence;
      const last = batch.firstSequence + batch.ops.length - 1;
      if (last <= flushed) continue;
      assert(first > lastSequence, "wal batches have increasing sequences");
      for (const part of whole) this.#applyBatch(part.firstSequence, part.ops, record.lsn);
      lastSequence = last;
      this.#rotateMemTableIfFull();
    }
    this.#nextSequence = lastSequence + 1;
    this.#visibleSequence = lastSequence;
  }

  // ---------------------------------------------------------------- writes

  put(key: Uint8Array, value: Uint8Array, options?: WriteOptions): Promise<void> {
    return this.write([{ type: "put", key, value }], options).then(ignoreSequence);
  }

  delete(key: Uint8Array, options?: WriteOptions): Promise<void> {
    return this.write([{ type: "del", key }], options).then(ignoreSequence);
  }

  /**
   * Applies every operation of `batch` or none, also across crashes. Resolves with the sequence
   * number of the batch's last operation: a snapshot sees the whole batch exactly when its
   * `sequence` is at least that number (an empty batch resolves with the visible sequence).
   */
  write(batch: WriteBatch | readonly BatchEntry[], options: WriteOptions = {}): Promise<number> {
    let ops: readonly BatchOp[];
    try {
      ops = batch instanceof WriteBatch ? batch.ops : toWriteBatch(batch).ops;
    } catch (error) {
      return Promise.reject(asError(error));
    }
    const refusal = this.#writeRefusal();
    if (refusal !== undefined) return Promise.reject(refusal);
    if (ops.length === 0) return Promise.resolve(this.#visibleSequence);
    const isSync = options.sync ?? true;
    if (this.#isWriteStalled()) return this.#waitForRoom().then(() => this.#writeNow(ops, isSync));
    return this.#writeNow(ops, isSync);
  }

  #writeNow(ops: readonly BatchOp[], isSync: boolean): Promise<number> {
    const refusal = this.#writeRefusal();
    if (refusal !== undefined) return Promise.reject(refusal);
    const firstSequence = this.#nextSequence;
    this.#nextSequence += ops.length;
    const records = encodeBatchRecords(firstSequence, ops, this.#options.batchRecordBytes);
    for (const record of records) this.#counters.walBytes += record.length;
    for (const op of ops) this.#counters.userBytes += op.key.length + op.value.length;
    return new Promise<number>((resolve, reject) => {
      const pending: PendingWrite = { firstSequence, ops, lsn: undefined, resolve, reject };
      this.#applyQueue.push(pending);
      // Every part is appended now, in one turn, so no other batch's record falls between them;
      // the batch is applied once the last is in the log (appends complete in order).
      const appended = records.map((record) => this.#wal.append(record, { sync: isSync }));
      Promise.all(appended).then(
        (lsns) => {
          pending.lsn = lsns.at(-1);
          this.#drainApplyQueue();
        },
        (error: unknown) => this.#fail(asDbError(error, "wal append failed")),
      );
    });
  }

  /**
   * Applies acknowledged batches in sequence order; a batch waits for every earlier one. A batch
   * of more than `applySliceOps` ops is applied a slice per event-loop turn (`#applyInSlices`),
   * and the queue waits behind it.
   */
  #drainApplyQueue(): void {
    if (this.#isApplyingInSlices) return;
    for (let head = this.#applyQueue[0]; head !== undefined; head = this.#applyQueue[0]) {
      if (head.lsn === undefined) return;
      if (head.ops.length > applySliceOps) {
        // Nothing is half-applied here: a full memtable turns immutable first, as after any batch,
        // so back-to-back large batches still rotate (and stall writers, and let the wal go).
        this.#rotateMemTableIfFull();
        this.#applyInSlices(head, head.lsn);
        return;
      }
      this.#applyQueue.shift();
      this.#applyBatch(head.firstSequence, head.ops, head.lsn);
      this.#visibleSequence = head.firstSequence + head.ops.length - 1;
      head.resolve(this.#visibleSequence);
    }
    this.#rotateMemTableIfFull();
  }

  /**
   * Applies the large batch at the head of the queue `applySliceOps` ops per event-loop turn, then
   * publishes it and drains the rest of the queue: a commit of millions of rows would otherwise
   * hold every reader and writer of the process for seconds. Until it is published no reader sees
   * any of it (its sequences are above the visible one), and the memtable it goes into is not
   * rotated (`flush` waits for `#isApplyingInSlices` to clear), so the batch stays in one memtable,
   * as replay and the wal's deletion rule need.
   */
  #applyInSlices(head: PendingWrite, lsn: bigint): void {
    this.#isApplyingInSlices = true;
    const mem = this.#memTable;
    let next = 0;
    const step = (): void => {
      // Even after `#fail`: the batch is in the wal, so it is committed and is applied to the end
      // (`#fail` leaves it at the head of the queue).
      assert(this.#memTable === mem && this.#applyQueue[0] === head, "a batch being applied keeps its memtable and its place");
      const end = Math.min(head.ops.length, next + applySliceOps);
      for (let i = next; i < end; i++) {
        const op = head.ops[i];
        assert(op !== undefined, "op index in range");
        mem.table.add(head.firstSequence + i, op.kind, op.key, op.value);
      }
      next = end;
      if (next < head.ops.length) {
        setImmediate(step);
        return;
      }
      mem.lastAppliedLsn = lsn;
      mem.maxSequence = head.firstSequence + head.ops.length - 1;
      this.#isApplyingInSlices = false;
      this.#applyQueue.shift();
      this.#visibleSequence = mem.maxSequence;
      head.resolve(this.#visibleSequence);
      // A flush that asked meanwhile takes the memtable now, before the next batch starts in it.
      const waiters = this.#rotationWaiters.splice(0);
      if (waiters.length > 0) this.#rotateForFlush();
      for (const wake of waiters) wake();
      this.#drainApplyQueue();
    };
    step();
  }

  #applyBatch(firstSequence: number, ops: readonly BatchOp[], lsn: bigint): void {
    const mem = this.#memTable;
    ops.forEach((op, i) => mem.table.add(firstSequence + i, op.kind, op.key, op.value));
    mem.lastAppliedLsn = lsn;
    mem.maxSequence = firstSequence + ops.length - 1;
  }

  /** Turns a non-empty memtable immutable for `flush` (never while a batch is half-applied). */
  #rotateForFlush(): void {
    assert(!this.#isApplyingInSlices, "no memtable rotation in the middle of a batch");
    if (this.#memTable.table.isEmpty) return;
    this.#immutables.push(this.#memTable);
    this.#memTable = newMemTableState();
  }

  #rotateMemTableIfFull(): void {
    if (this.#memTable.table.approximateBytes < this.#options.memTableBytes) return;
    this.#immutables.push(this.#memTable);
    this.#memTable = newMemTableState();
    this.#scheduleBackgroundWork();
  }

  #isWriteStalled(): boolean {
    return this.#immutables.length > this.#options.maxImmutableMemTables || this.#l0FileCount() >= this.#options.l0StopTrigger;
  }

  async #waitForRoom(): Promise<void> {
    this.#counters.stallCount += 1;
    while (this.#isWriteStalled() && this.#failure === undefined && !this.#isClosing) {
      await new Promise<void>((resolve) => this.#roomWaiters.push(resolve));
    }
    if (this.#l0FileCount() >= this.#options.l0SlowdownTrigger) await new Promise((resolve) => setTimeout(resolve, 1));
  }

  #wakeWriters(): void {
    const waiters = this.#roomWaiters;
    this.#roomWaiters = [];
    for (const wake of waiters) wake();
  }

  #l0FileCount(): number {
    return this.#versions.current.levels[0]?.length ?? 0;
  }

  #writeRefusal(): DbError | undefined {
    if (this.#isClosing) return new LsmStateError(`lsm store in "${this.dir}" is closed`);
    if (this.#failure !== undefined) return new LsmStateError(`lsm store in "${this.dir}" failed earlier: ${this.#failure.message}`, { cause: this.#failure });
    return undefined;
  }

  #fail(error: DbError): void {
    if (this.#failure !== undefined) return;
    this.#failure = error;
    // Batches whose wal records are durable (they have an lsn: always a prefix of the queue, as
    // appends complete in order) are committed: they are applied and resolve, as replay would
    // apply them. Only the others fail.
    const firstUnwritten = this.#applyQueue.findIndex((pending) => pending.lsn === undefined);
    const failed = firstUnwritten < 0 ? [] : this.#applyQueue.splice(firstUnwritten);
    for (const pending of failed) pending.reject(error);
    this.#wakeWriters();
  }

  // ---------------------------------------------------------------- reads

  /** The value of `key` at the snapshot (default: now), or undefined. Synchronous. */
  get(key: Uint8Array, options?: ReadOptions): Uint8Array | undefined {
    this.#checkReadable();
    const sequence = this.#readSequence(options?.snapshot);
    const mem = this.#memTable.table;
    // Hashed once for every memtable's and table's bloom filter.
    const keyHash = bloomHash(key);
    const found =
      (mem.isEmpty ? undefined : mem.get(key, sequence, keyHash)) ??
      (this.#immutables.length === 0 ? undefined : this.#getFromImmutables(key, sequence, keyHash));
    // A copy: the found bytes live in the memtable or a cached block, which a caller must not be able to change.
    if (found !== undefined) return found.kind === ValueKind.Delete ? undefined : copyBytes(found.value);
    return this.#getFromTables(key, sequence, keyHash);
  }

  #getFromImmutables(key: Uint8Array, sequence: number, keyHash: number): { kind: number; value: Uint8Array } | undefined {
    for (let i = this.#immutables.length - 1; i >= 0; i--) {
      const found = this.#immutables[i]?.table.get(key, sequence, keyHash);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  /** The value of `key` in the tables (a copy), or undefined: the newest entry at `sequence` decides. */
  #getFromTables(key: Uint8Array, sequence: number, keyHash: number): Uint8Array | undefined {
    const version = this.#versions.current;
    // The first table read that did not hold the key, and its level: charged (see SeekCharges)
    // when a second table must be read. Null once charged: one charge per read.
    let missed: FileMetadata | null | undefined;
    let missedLevel = 0;
    for (const file of version.levels[0] ?? []) {
      if (!fileMayHold(file, key)) continue;
      if (missed !== undefined && missed !== null) missed = this.#chargeSeek(missedLevel, missed);
      const reader = this.#tables.get(file.fileNumber);
      const kind = reader.find(key, sequence, keyHash);
      if (kind !== notFound) return copyFound(reader, kind);
      if (missed === undefined) missed = file;
    }
    for (const level of version.sortedLevelsInUse) {
      const file = version.fileForKey(level, key);
      if (file === undefined) continue;
      if (missed !== undefined && missed !== null) missed = this.#chargeSeek(missedLevel, missed);
      const reader = this.#tables.get(file.fileNumber);
      const kind = reader.find(key, sequence, keyHash);
      if (kind !== notFound) return copyFound(reader, kind);
      if (missed === undefined) {
        missed = file;
        missedLevel = level;
      }
    }
    return undefined;
  }

  /**
   * Charges a passed-over table; a table whose budget ran out is compacted in the background,
   * scheduled after this read (starting a compaction opens and reads tables: not on a read's path).
   */
  #chargeSeek(level: number, file: FileMetadata): null {
    if (this.#seekCharges?.charge(level, file.fileNumber, file.fileBytes) === true) setImmediate(() => this.#scheduleBackgroundWork());
    return null;
  }

  /**
   * The entries in key order (or reverse) within the bounds, at the snapshot (default: now), as a
   * synchronous iterable that streams from the tables. It pins the tables it reads from the moment
   * it is created: iterate it to the end or break out of the loop to release them. Keys and values
   * are the caller's own copies.
   */
  scan(options: ScanOptions = {}): IterableIterator<[Uint8Array, Uint8Array], undefined, undefined> {
    this.#checkReadable();
    if (options.limit !== undefined && (!Number.isSafeInteger(options.limit) || options.limit < 0)) {
      throw new LsmArgumentError(`scan limit must be a non-negative integer, got ${options.limit}`);
    }
    const sequence = this.#readSequence(options.snapshot);
    // Values are copied: the views point into memtables and cached blocks, which callers must not change.
    return userEntries(this.#internalIterator(), { ...options, snapshotSequence: sequence, isCopyingValues: true });
  }

  /** A merging iterator over every memtable and table, pinning the current version until closed. */
  #internalIterator(): InternalIterator {
    const version = this.#versions.acquireCurrent();
    const releases: (() => void)[] = [() => version.unref()];
    const children: InternalIterator[] = [this.#memTable.table.iterator()];
    for (const mem of this.#immutables.toReversed()) children.push(mem.table.iterator());
    for (const file of version.levels[0] ?? []) {
      const table = this.#tables.acquire(file.fileNumber);
      releases.push(table.release);
      children.push(table.reader.iterator());
    }
    for (let level = 1; level < levelCount; level++) {
      const files = version.levels[level] ?? [];
      if (files.length > 0) children.push(new LevelIterator(files, this.#tables));
    }
    return new OwningIterator(new MergingIterator(children), releases);
  }

  /** A snapshot of everything visible now; `release()` it so compaction may drop old versions. */
  snapshot(): Snapshot {
    this.#checkReadable();
    const sequence = this.#visibleSequence;
    this.#snapshots.set(sequence, (this.#snapshots.get(sequence) ?? 0) + 1);
    let isReleased = false;
    return {
      sequence,
      release: () => {
        if (isReleased) return;
        isReleased = true;
        const count = (this.#snapshots.get(sequence) ?? 1) - 1;
        if (count === 0) this.#snapshots.delete(sequence);
        else this.#snapshots.set(sequence, count);
      },
    };
  }

  #readSequence(snapshot: Snapshot | undefined): number {
    if (snapshot === undefined) return this.#visibleSequence;
    if (!this.#snapshots.has(snapshot.sequence)) throw new LsmArgumentError("snapshot was released or belongs to another store");
    return snapshot.sequence;
  }

  /** The oldest sequence any reader may still read at. */
  #smallestSnapshot(): number {
    let smallest = this.#visibleSequence;
    for (const sequence of this.#snapshots.keys()) if (sequence < smallest) smallest = sequence;
    return smallest;
  }

  #checkReadable(): void {
    if (this.#isClosing) throw new LsmStateError(`lsm store in "${this.dir}" is closed`);
  }

  // ---------------------------------------------------------------- background work

  #scheduleBackgroundWork(): void {
    if (this.#isClosing || this.#failure !== undefined) return;
    if (this.#flushTask === undefined && this.#immutables.length > 0) {
      this.#flushTask = this.#runBackground(() => this.#flushOldestImmutable()).finally(() => {
        this.#flushTask = undefined;
        this.#scheduleBackgroundWork();
      });
    }
    if (this.#compactionTask === undefined && this.#manualCompaction === undefined) {
      const compaction = pickCompaction(this.#versions.current, this.#options, this.#compactPointers) ?? this.#pickSeekCompaction();
      if (compaction === undefined) return;
      this.#compactionTask = this.#runBackground(() => this.#runPickedCompaction(compaction)).finally(() => {
        this.#compactionTask = undefined;
        this.#scheduleBackgroundWork();
      });
    }
  }

  async #runBackground(work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      this.#fail(asDbError(error, "background work failed"));
    } finally {
      this.#wakeWriters();
    }
  }

  async #flushOldestImmutable(): Promise<void> {
    const mem = this.#immutables[0];
    if (mem === undefined) return;
    const added: { level: number; file: FileMetadata }[] = [];
    if (!mem.table.isEmpty) {
      const file = await this.#writeMemTable(mem);
      if (file === undefined) return;
      added.push({ level: 0, file });
    }
    const logLsn = mem.lastAppliedLsn + 1n;
    // The manifest must never name a wal position the wal may not have on disk: after writes with
    // `sync: false` and a power loss, the wal would reopen below `logLsn`, hand its positions out
    // again, and the next replay would skip those new records. One sync per flush.
    await this.#wal.sync();
    await this.#versions.logAndApply({ addedFiles: added, deletedFiles: [], logLsn, flushedSequence: mem.maxSequence });
    this.#immutables.shift();
    this.#counters.flushCount += 1;
    // Only now, with the table and the edit naming it durable, may the wal forget these records.
    await this.#wal.truncateBefore(toLsn(logLsn));
  }

  async #writeMemTable(mem: MemTableState): Promise<FileMetadata | undefined> {
    const fileNumber = this.#versions.newFileNumber();
    const builder = new TableBuilder({ path: tablePath(this.dir, fileNumber), fileNumber, ...this.#tableShape });
    const slicer = new TimeSlicer(this.#options.backgroundSliceMs);
    const it = mem.table.iterator();
    try {
      for (it.seekToFirst(); it.isValid; it.next()) {
        if (this.#isClosing) {
          builder.abandon();
          return undefined;
        }
        builder.add(it.key(), it.value());
        const pause = slicer.maybeYield();
        if (pause !== undefined) await pause;
      }
    } catch (error) {
      builder.abandon();
      throw error;
    } finally {
      it.close();
    }
    const file = await builder.finish();
    await fsyncDirectoryAsync(this.dir);
    this.#counters.flushBytes += file.fileBytes;
    return file;
  }

  /** A seek compaction, when a table has used up its budget and is still where it was charged. */
  #pickSeekCompaction(): (Compaction & { readonly isSeek: true }) | undefined {
    const due = this.#seekCharges?.takeDue();
    if (due === undefined) return undefined;
    const compaction = pickSeekCompaction(this.#versions.current, due);
    return compaction === undefined ? undefined : { ...compaction, isSeek: true };
  }

  async #runPickedCompaction(compaction: Compaction & { readonly isSeek?: true }): Promise<void> {
    const inputsByLevel = new Map<number, readonly FileMetadata[]>([
      [compaction.level, compaction.inputs],
      [compaction.outputLevel, compaction.outputLevelInputs],
    ]);
    const isDone = await this.#compact(inputsByLevel, compaction.outputLevel);
    if (!isDone) return;
    this.#compactPointers.set(compaction.level, compaction.largestInputKey);
    if (compaction.isSeek === true) this.#counters.seekCompactionCount += 1;
  }

  /** Merges `inputsByLevel` into `outputLevel` and installs the result; false when aborted. */
  async #compact(inputsByLevel: ReadonlyMap<number, readonly FileMetadata[]>, outputLevel: number): Promise<boolean> {
    const version = this.#versions.acquireCurrent();
    try {
      const result = await runCompaction(
        { version, inputsByLevel, outputLevel, smallestSnapshot: this.#smallestSnapshot() },
        this.#compactionEnvironment(),
      );
      if (result.outputs === undefined) return false;
      this.#counters.compactionBytesRead += result.bytesRead;
      this.#counters.compactionBytesWritten += result.bytesWritten;
      this.#counters.compactionCount += 1;
      await fsyncDirectoryAsync(this.dir);
      const deletedFiles = [...inputsByLevel].flatMap(([level, files]) => files.map((file) => ({ level, fileNumber: file.fileNumber })));
      await this.#versions.logAndApply({ addedFiles: result.outputs.map((file) => ({ level: outputLevel, file })), deletedFiles });
      return true;
    } finally {
      version.unref();
    }
  }

  #compactionEnvironment(): CompactionEnvironment {
    return {
      dir: this.dir,
      tables: this.#tables,
      tableShape: this.#tableShape,
      targetFileBytes: this.#options.targetFileBytes,
      slicer: new TimeSlicer(this.#options.backgroundSliceMs),
      newFileNumber: () => this.#versions.newFileNumber(),
      isAborted: () => this.#isClosing,
    };
  }

  #deleteTables(fileNumbers: readonly number[]): void {
    this.#seekCharges?.forget(fileNumbers);
    for (const fileNumber of fileNumbers) {
      this.#tables.evict(fileNumber);
      try {
        unlinkSync(tablePath(this.dir, fileNumber));
      } catch (error) {
        if (!(error instanceof Error && "code" in error && error.code === "ENOENT")) throw error;
      }
    }
  }

  /** Turns the memtable into a table now and waits until it and every memtable full before it are flushed. */
  async flush(): Promise<void> {
    this.#checkWritable();
    await this.#settleWrites();
    // A later batch may have begun applying in slices meanwhile: it must finish in this memtable,
    // which then turns immutable before the next batch starts (see `#applyInSlices`).
    if (this.#isApplyingInSlices) await new Promise<void>((resolve) => this.#rotationWaiters.push(resolve));
    else this.#rotateForFlush();
    this.#checkWritable();
    // The memtables full by now; ones that fill while this waits are not its to wait for, or a
    // flush under a steady stream of writes would never end. They flush in order, so the last
    // one gone means all are.
    const last = this.#immutables.at(-1);
    if (last === undefined) return;
    while (this.#immutables.includes(last)) {
      this.#scheduleBackgroundWork();
      await (this.#flushTask ?? Promise.resolve());
      this.#checkWritable();
    }
  }

  /**
   * Full manual compaction: flushes, then merges every table in one pass into the deepest
   * non-empty level (at least L1, deeper when the data exceeds that level's target), dropping
   * every version and deletion no snapshot can see.
   */
  async compact(): Promise<void> {
    await this.flush();
    // While a manual compaction is queued or running, the scheduler starts no other compaction.
    const run = (this.#manualCompaction ?? Promise.resolve()).then(async () => {
      while (this.#compactionTask !== undefined) await this.#compactionTask;
      await this.#runBackground(() => this.#compactEverything());
    });
    this.#manualCompaction = run;
    try {
      await run;
    } finally {
      if (this.#manualCompaction === run) this.#manualCompaction = undefined;
    }
    this.#checkWritable();
    this.#scheduleBackgroundWork();
  }

  async #compactEverything(): Promise<void> {
    const version = this.#versions.current;
    // The output goes to the deepest non-empty level, or deeper if the data would overflow that
    // level's target: otherwise the manual compaction would leave a level due for compaction
    // and background work would rewrite everything again right after.
    let totalBytes = 0;
    for (let level = 0; level < levelCount; level++) totalBytes += version.levelBytes(level);
    let outputLevel = 1;
    for (let level = 1; level < levelCount; level++) if ((version.levels[level]?.length ?? 0) > 0) outputLevel = level;
    while (outputLevel < levelCount - 1 && totalBytes > levelTargetBytes(outputLevel, this.#options)) outputLevel += 1;
    const inputsByLevel = new Map<number, readonly FileMetadata[]>();
    version.levels.forEach((files, level) => {
      if (files.length > 0) inputsByLevel.set(level, files);
    });
    if (inputsByLevel.size > 0) await this.#compact(inputsByLevel, outputLevel);
  }

  /** Waits until every write issued so far has been applied (or failed). */
  async #settleWrites(): Promise<void> {
    const last = this.#applyQueue[this.#applyQueue.length - 1];
    if (last === undefined) return;
    await new Promise<void>((resolve) => {
      const check = (): void => {
        if (this.#applyQueue.includes(last) && this.#failure === undefined) setImmediate(check);
        else resolve();
      };
      check();
    });
  }

  #checkWritable(): void {
    const refusal = this.#writeRefusal();
    if (refusal !== undefined) throw refusal;
  }

  // ---------------------------------------------------------------- introspection

  stats(): LsmStats {
    const version = this.#versions.current;
    const scores = levelScores(version, this.#options);
    const levels = version.levels.map((files, level) => ({
      level,
      files: files.length,
      bytes: version.levelBytes(level),
      score: scores[level] ?? 0,
    }));
    const totalBytes = levels.reduce((sum, l) => sum + l.bytes, 0);
    const lastLevelBytes = levels.toReversed().find((l) => l.bytes > 0)?.bytes ?? 0;
    const c = this.#counters;
    const written = c.walBytes + c.flushBytes + c.compactionBytesWritten;
    return {
      levels,
      memTableBytes: this.#memTable.table.approximateBytes,
      immutableMemTables: this.#immutables.length,
      blockCacheHitRate: this.#blockCache.hits + this.#blockCache.misses === 0 ? 0 : this.#blockCache.hits / (this.#blockCache.hits + this.#blockCache.misses),
      blockCacheBytes: this.#blockCache.sizeBytes,
      userBytesWritten: c.userBytes,
      walBytesWritten: c.walBytes,
      walSyncCount: this.#wal.stats().syncCount,
      flushBytesWritten: c.flushBytes,
      compactionBytesWritten: c.compactionBytesWritten,
      compactionBytesRead: c.compactionBytesRead,
      writeAmplification: c.userBytes === 0 ? 0 : written / c.userBytes,
      spaceAmplification: lastLevelBytes === 0 ? 0 : totalBytes / lastLevelBytes,
      flushCount: c.flushCount,
      compactionCount: c.compactionCount,
      seekCompactionCount: c.seekCompactionCount,
      stallCount: c.stallCount,
      liveSnapshots: [...this.#snapshots.values()].reduce((a, b) => a + b, 0),
      lastSequence: this.#visibleSequence,
    };
  }

  /** Reads every block of every live table and checks its checksum; reports damage, never throws for it. */
  verify(): VerifyReport {
    this.#checkReadable();
    const version = this.#versions.acquireCurrent();
    let tablesChecked = 0;
    let blocksChecked = 0;
    const problems: string[] = [];
    try {
      for (const level of version.levels) {
        for (const file of level) {
          tablesChecked += 1;
          try {
            const table = this.#tables.acquire(file.fileNumber);
            try {
              const report = table.reader.verify();
              blocksChecked += report.blocksChecked;
              problems.push(...report.problems);
            } finally {
              table.release();
            }
          } catch (error) {
            problems.push(`table ${file.fileNumber}: ${asError(error).message}`);
          }
        }
      }
    } finally {
      version.unref();
    }
    return { tablesChecked, blocksChecked, problems };
  }

  /** Waits for background work to stop (an unfinished compaction is abandoned), then closes every file. */
  async close(): Promise<void> {
    if (this.#isClosing) return;
    await this.#settleWrites();
    this.#isClosing = true;
    this.#wakeWriters();
    await Promise.allSettled([this.#flushTask, this.#compactionTask, this.#manualCompaction]);
    try {
      await this.#wal.close();
      await this.#versions.close();
      this.#tables.close();
    } finally {
      this.#lock.release();
    }
  }
}

function newMemTableState(): MemTableState {
  return { table: new MemTable(), lastAppliedLsn: 0n, maxSequence: 0 };
}

function toWriteBatch(entries: readonly BatchEntry[]): WriteBatch {
  const batch = new WriteBatch();
  for (const entry of entries) {
    if (entry.type === "put") batch.put(entry.key, entry.value);
    else if (entry.type === "del") batch.delete(entry.key);
    else throw new LsmArgumentError(`unknown batch entry type ${entryType(entry)}`);
  }
  return batch;
}

/** The `type` of a batch entry from an untyped caller, for the error message. */
function entryType(entry: object): string {
  return "type" in entry ? String(entry.type) : "undefined";
}

/** Whether `file`'s user-key range may hold `key` (an L0 file must be checked one by one). */
function fileMayHold(file: FileMetadata, key: Uint8Array): boolean {
  return compareUserKeyOf(file.smallestKey, key) <= 0 && compareUserKeyOf(file.largestKey, key) >= 0;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function asDbError(error: unknown, context: string): DbError {
  if (error instanceof DbError) return error;
  return new LsmIoError(`${context}: ${asError(error).message}`, { cause: error });
}

function ignoreSequence(): void {}

/** The value `reader.find` found, copied out of its block; undefined for a delete. */
function copyFound(reader: TableReader, kind: FindResult): Uint8Array | undefined {
  if (kind === ValueKind.Delete) return undefined;
  return copyBytes(reader.foundBytes, reader.foundOffset, reader.foundOffset + reader.foundLength);
}
