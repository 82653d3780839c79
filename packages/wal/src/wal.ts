/**
 * `Wal`: a segmented append-only log with group commit.
 *
 * Life of an append. `append()` assigns LSNs and encodes the frames into an in-memory pending
 * buffer at once, so LSN order is call order. On the next turn of the event loop (or at once, when
 * the buffer passes `writeBatchBytesMax`) the whole pending buffer goes to the active segment in
 * one positional write. Unsynced appends resolve then. Synced appends wait for an fdatasync that
 * *started after* their bytes were written: while one fdatasync is in flight, every write that
 * lands meanwhile is covered by the next one, which starts the moment the first completes. That is
 * group commit: one fsync acknowledges every append that arrived during the previous one.
 *
 * Invariants:
 * - An append resolves only after the sync that covers it completed (sync: true), or after its
 *   bytes reached the OS (sync: false). Resolution never precedes the data.
 * - Segments rotate only when the active segment is clean (nothing written since the last sync
 *   began and no sync in flight). So when segment N+1 holds any record, segment N is durable in
 *   full, and damage in a non-last segment can never be a torn tail.
 * - A failed write or fsync fails the log: covered and queued appends reject, later appends
 *   reject, nothing is retried (see `WalIoError`).
 */
import { closeSync, fdatasync, fdatasyncSync, ftruncateSync, mkdirSync, openSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { assert, lsn as toLsn, type DbError, type Lsn } from "@omnikv/base";
import type { WalCipher } from "./cipher.ts";
import { DirLock } from "./dir-lock.ts";
import { CorruptionError, WalArgumentError, WalIoError, WalLimitError, WalStateError } from "./errors.ts";
import { encodeFrame, frameHeaderBytes, recordBytesLimit } from "./record-format.ts";
import { checkSegmentHeader, recoverLog } from "./recovery.ts";
import {
  encodeSegmentHeader,
  fsyncDirectory,
  fsyncDirectoryAsync,
  segmentFileName,
  segmentHeaderBytes,
  type SegmentName,
} from "./segment-file.ts";
import { SegmentScan, corruptionAt } from "./segment-scan.ts";

export interface WalOptions {
  /** Rotate to a new segment once the active one reaches this size. Default 64 MiB. */
  readonly segmentBytesTarget?: number;
  /** Largest payload `append` accepts, before sealing. Default 64 MiB; at most 256 MiB. */
  readonly recordBytesMax?: number;
  /** Pending bytes that force an immediate write instead of waiting for the next tick. Default 4 MiB. */
  readonly writeBatchBytesMax?: number;
  /**
   * Zeroed space written ahead of the records, in steps of this size (default 1 MiB; 0 turns it
   * off). Overwriting already-allocated blocks lets fdatasync flush data alone; appending to a
   * growing file forces a journal commit for the new size on every sync.
   */
  readonly preallocateBytes?: number;
  /** Encryption at rest; see `WalCipher`. A log written with a cipher needs one to be read. */
  readonly cipher?: WalCipher;
  /**
   * How a segment file is made durable. Defaults to fdatasync(2). Tests substitute a failing one,
   * since a real fsync failure (EIO) cannot be provoked on demand.
   */
  readonly syncFile?: (fd: number) => Promise<void>;
}

export interface AppendOptions {
  /** Resolve only once the records are durable (default), or once they reached the OS. */
  readonly sync?: boolean;
}

export interface WalRecord {
  readonly lsn: Lsn;
  readonly payload: Uint8Array;
}

export interface WalStats {
  readonly appendedRecords: number;
  readonly appendedBytes: number;
  readonly writeCount: number;
  readonly syncCount: number;
  /** Records acknowledged by syncs divided by syncs: the group-commit batching factor. */
  readonly recordsPerSyncMean: number;
  readonly segmentCount: number;
  readonly activeSegmentBytes: number;
  /** Bytes of torn tail cut when this log was opened. */
  readonly tornTailBytesAtOpen: number;
}

interface Waiter {
  readonly lastLsn: Lsn;
  readonly recordCount: number;
  readonly isSync: boolean;
  readonly resolve: (lsn: Lsn) => void;
  readonly reject: (error: Error) => void;
}

interface ActiveSegment {
  readonly fd: number;
  readonly path: string;
  /** Bytes of header and records: where the next record goes. */
  sizeBytes: number;
  /** The file's length, including zeroed space written ahead of `sizeBytes`. */
  fileBytes: number;
}

interface ResolvedOptions {
  readonly segmentBytesTarget: number;
  readonly recordBytesMax: number;
  readonly writeBatchBytesMax: number;
  readonly preallocateBytes: number;
  readonly cipher: WalCipher | undefined;
  readonly syncFile: (fd: number) => Promise<void>;
}

const pendingBytesInitial = 64 * 1024;

export class Wal {
  readonly dir: string;
  readonly #options: ResolvedOptions;
  readonly #lock: DirLock;
  readonly #segments: SegmentName[];
  #active: ActiveSegment;
  #nextLsn: bigint;
  #pending = new Uint8Array(pendingBytesInitial);
  #pendingView = new DataView(this.#pending.buffer);
  #pendingBytes = 0;
  #pendingWaiters: Waiter[] = [];
  #isWriteScheduled = false;
  #awaitingSync: Waiter[] = [];
  readonly #dirtyFds = new Set<number>();
  #isDirDirty = false;
  #isSyncInFlight = false;
  #isRotationWanted = false;
  #failure: DbError | undefined;
  #isClosing = false;
  #idleWaiters: (() => void)[] = [];
  readonly #counters = { appendedRecords: 0, appendedBytes: 0, writeCount: 0, syncCount: 0, syncedRecords: 0 };
  readonly #tornTailBytesAtOpen: number;

  private constructor(init: {
    dir: string;
    options: ResolvedOptions;
    lock: DirLock;
    segments: SegmentName[];
    active: ActiveSegment;
    nextLsn: bigint;
    tornTailBytes: number;
  }) {
    this.dir = init.dir;
    this.#options = init.options;
    this.#lock = init.lock;
    this.#segments = init.segments;
    this.#active = init.active;
    this.#nextLsn = init.nextLsn;
    this.#tornTailBytesAtOpen = init.tornTailBytes;
  }

  /**
   * Opens (creating if needed) the log in `dir`. Recovery runs here: a torn tail is cut, damage
   * followed by valid records throws `CorruptionError`.
   */
  static async open(dir: string, options: WalOptions = {}): Promise<Wal> {
    const resolved = resolveOptions(options);
    mkdirSync(dir, { recursive: true });
    const lock = DirLock.acquire(dir);
    try {
      return await Promise.resolve(Wal.#openLocked(dir, resolved, lock));
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  static #openLocked(dir: string, resolved: ResolvedOptions, lock: DirLock): Wal {
    const recovered = recoverLog(dir, resolved.cipher !== undefined);
    const segments = [...recovered.segments];
    let active: ActiveSegment;
    const last = segments[segments.length - 1];
    if (last === undefined) {
      const created = createSegment(dir, recovered.nextLsn, resolved.cipher !== undefined);
      fdatasyncSync(created.fd);
      fsyncDirectory(dir);
      segments.push({ firstLsn: recovered.nextLsn, path: created.path });
      active = { fd: created.fd, path: created.path, sizeBytes: segmentHeaderBytes, fileBytes: segmentHeaderBytes };
    } else {
      const size = recovered.activeSizeBytes;
      active = { fd: openSync(last.path, "r+"), path: last.path, sizeBytes: size, fileBytes: size };
    }
    return new Wal({ dir, options: resolved, lock, segments, active, nextLsn: recovered.nextLsn, tornTailBytes: recovered.tornTailBytes });
  }

  /** The LSN the next appended record will get. */
  get nextLsn(): Lsn {
    return toLsn(this.#nextLsn);
  }

  /** The LSN of the oldest record still in the log (or `nextLsn` when the log holds none). */
  get firstLsn(): Lsn {
    const first = this.#segments[0];
    assert(first !== undefined, "an open log has at least one segment");
    return toLsn(first.firstLsn);
  }

  /**
   * Appends one record, or several in order, and resolves with the LSN of the last one once they
   * are durable (`sync: true`, the default) or written to the OS (`sync: false`). The records of
   * one call get consecutive LSNs, but a crash may keep a prefix of them: a batch that must be
   * atomic belongs in one record.
   */
  append(payload: Uint8Array | readonly Uint8Array[], options: AppendOptions = {}): Promise<Lsn> {
    const refusal = this.#refusal();
    if (refusal !== undefined) return Promise.reject(refusal);
    const payloads = payload instanceof Uint8Array ? [payload] : payload;
    const invalid = this.#checkPayloads(payloads);
    if (invalid !== undefined) return Promise.reject(invalid);
    const nextLsnBefore = this.#nextLsn;
    const pendingBytesBefore = this.#pendingBytes;
    let lastLsn: Lsn;
    try {
      lastLsn = this.#encodeAll(payloads);
    } catch (error) {
      // A throwing cipher must not leave half a batch behind.
      this.#nextLsn = nextLsnBefore;
      this.#pendingBytes = pendingBytesBefore;
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    const isSync = options.sync ?? true;
    return new Promise<Lsn>((resolve, reject) => {
      this.#pendingWaiters.push({ lastLsn, recordCount: payloads.length, isSync, resolve, reject });
      this.#scheduleWrite();
    });
  }

  /**
   * Resolves once every record appended before the call is durable: what `append(…, { sync: true })`
   * waits for, without a record. Pending bytes are written and the segment synced; nothing is
   * synced when everything written is durable already.
   */
  sync(): Promise<void> {
    const refusal = this.#refusal();
    if (refusal !== undefined) return Promise.reject(refusal);
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { lastLsn: toLsn(this.#nextLsn - 1n), recordCount: 0, isSync: true, resolve: () => resolve(), reject };
      if (this.#pendingBytes > 0) {
        this.#pendingWaiters.push(waiter);
        this.#scheduleWrite();
      } else {
        this.#awaitingSync.push(waiter);
        this.#startSync();
      }
    });
  }

  #checkPayloads(payloads: readonly Uint8Array[]): DbError | undefined {
    if (payloads.length === 0) return new WalArgumentError("append needs at least one record");
    for (const p of payloads) {
      if (p.length > this.#options.recordBytesMax) {
        return new WalLimitError(`wal record of ${p.length} bytes exceeds the maximum of ${this.#options.recordBytesMax} bytes`);
      }
    }
    return undefined;
  }

  #encodeAll(payloads: readonly Uint8Array[]): Lsn {
    const cipher = this.#options.cipher;
    for (const plaintext of payloads) {
      const stored = cipher === undefined ? plaintext : cipher.seal(toLsn(this.#nextLsn), plaintext);
      assert(stored.length <= recordBytesLimit, "sealed record within the format limit");
      this.#reservePending(frameHeaderBytes + stored.length);
      this.#pendingBytes += encodeFrame(this.#pending, this.#pendingView, this.#pendingBytes, this.#nextLsn, stored);
      this.#nextLsn += 1n;
      this.#counters.appendedRecords += 1;
      this.#counters.appendedBytes += plaintext.length;
    }
    return toLsn(this.#nextLsn - 1n);
  }

  #reservePending(frameBytes: number): void {
    const needed = this.#pendingBytes + frameBytes;
    if (needed <= this.#pending.length) return;
    const grown = new Uint8Array(Math.max(needed, this.#pending.length * 2));
    grown.set(this.#pending.subarray(0, this.#pendingBytes));
    this.#pending = grown;
    this.#pendingView = new DataView(grown.buffer);
  }

  #scheduleWrite(): void {
    if (this.#pendingBytes >= this.#options.writeBatchBytesMax) {
      this.#writePending();
      return;
    }
    if (this.#isWriteScheduled) return;
    this.#isWriteScheduled = true;
    setImmediate(() => {
      this.#isWriteScheduled = false;
      this.#writePending();
    });
  }

  /**
   * The write stage: pending bytes go to the active segment in one write. `canWaitForRotation`
   * false (replay) writes into the current segment even when it is due for rotation: the size
   * target is soft, and replay must see every record appended before it.
   */
  #writePending(canWaitForRotation = true): void {
    if (this.#pendingBytes === 0 || this.#failure !== undefined) return;
    const isRotationDue = this.#active.sizeBytes >= this.#options.segmentBytesTarget;
    if (isRotationDue) {
      const isClean = !this.#isSyncInFlight && this.#dirtyFds.size === 0;
      if (isClean) {
        this.#rotate();
      } else if (canWaitForRotation) {
        // Rotation waits for the active segment to be durable; pending bytes wait with it.
        this.#isRotationWanted = true;
        this.#startSync();
        return;
      }
    }
    try {
      this.#preallocate(this.#active.sizeBytes + this.#pendingBytes);
      writeFully(this.#active.fd, this.#pending.subarray(0, this.#pendingBytes), this.#active.sizeBytes);
    } catch (error) {
      this.#fail(new WalIoError(`could not write to wal segment "${this.#active.path}": ${describeError(error)}`, { cause: error }));
      return;
    }
    this.#counters.writeCount += 1;
    this.#active.sizeBytes += this.#pendingBytes;
    this.#dirtyFds.add(this.#active.fd);
    const written = this.#pendingWaiters;
    this.#pendingWaiters = [];
    this.#pendingBytes = 0;
    if (this.#pending.length > this.#options.writeBatchBytesMax) {
      this.#pending = new Uint8Array(pendingBytesInitial);
      this.#pendingView = new DataView(this.#pending.buffer);
    }
    for (const waiter of written) {
      if (waiter.isSync) this.#awaitingSync.push(waiter);
      else waiter.resolve(waiter.lastLsn);
    }
    this.#startSync();
  }

  /**
   * Makes sure the file extends, with zeros, past `endBytes`. The zeros reach the disk with the next
   * fdatasync (the file grew, so that one sync also commits the new size); later syncs of records
   * written over them flush data alone. Recovery cuts unused zeros as a torn tail.
   */
  #preallocate(endBytes: number): void {
    const step = this.#options.preallocateBytes;
    if (step === 0 || endBytes <= this.#active.fileBytes) return;
    // Never preallocate past the rotation point: a segment is trimmed when it is sealed anyway.
    const target = Math.min((Math.floor(endBytes / step) + 1) * step, Math.max(endBytes, this.#options.segmentBytesTarget));
    if (target <= this.#active.fileBytes) return;
    const zeros = new Uint8Array(Math.min(step, 1024 * 1024));
    for (let at = this.#active.fileBytes; at < target; at += zeros.length) {
      writeFully(this.#active.fd, zeros.subarray(0, Math.min(zeros.length, target - at)), at);
    }
    this.#active.fileBytes = target;
  }

  /** Cuts preallocated zeros off the active segment and makes that durable (it is about to be sealed). */
  #trimActive(): void {
    if (this.#active.fileBytes === this.#active.sizeBytes) return;
    ftruncateSync(this.#active.fd, this.#active.sizeBytes);
    fdatasyncSync(this.#active.fd);
    this.#active.fileBytes = this.#active.sizeBytes;
  }

  /**
   * Seals the clean active segment and starts a new one; the new file's creation is made durable by
   * the next sync. The sealed segment is trimmed first, synchronously: a sealed segment must end at
   * its last record, or replay would read the zeros as damage.
   */
  #rotate(): void {
    assert(!this.#isSyncInFlight && this.#dirtyFds.size === 0, "rotation only from a clean segment");
    this.#trimActive();
    const created = createSegment(this.dir, this.#nextLsnWritten(), this.#options.cipher !== undefined);
    closeSync(this.#active.fd);
    this.#segments.push({ firstLsn: this.#nextLsnWritten(), path: created.path });
    this.#active = { fd: created.fd, path: created.path, sizeBytes: segmentHeaderBytes, fileBytes: segmentHeaderBytes };
    this.#dirtyFds.add(created.fd);
    this.#isDirDirty = true;
    this.#isRotationWanted = false;
  }

  /** The LSN of the first record not yet written to a segment (the first pending one). */
  #nextLsnWritten(): bigint {
    const firstPending = this.#pendingWaiters[0];
    if (firstPending === undefined) return this.#nextLsn;
    return firstPending.lastLsn - BigInt(firstPending.recordCount) + 1n;
  }

  /** The sync stage: one fdatasync covers everything written before it started. */
  #startSync(): void {
    if (this.#isSyncInFlight || this.#failure !== undefined) return;
    if (this.#awaitingSync.length === 0 && !this.#isRotationWanted && !this.#isClosing) return;
    if (this.#dirtyFds.size === 0 && !this.#isDirDirty) {
      this.#resolveSynced(this.#takeAwaitingSync());
      if (this.#isRotationWanted) this.#writePending();
      this.#notifyIdle();
      return;
    }
    this.#isSyncInFlight = true;
    const batch = this.#takeAwaitingSync();
    const fds = [...this.#dirtyFds];
    this.#dirtyFds.clear();
    const isDir = this.#isDirDirty;
    this.#isDirDirty = false;
    void this.#runSync(batch, fds, isDir);
  }

  async #runSync(batch: readonly Waiter[], fds: readonly number[], isDir: boolean): Promise<void> {
    try {
      for (const fd of fds) await this.#options.syncFile(fd);
      if (isDir) await fsyncDirectoryAsync(this.dir);
    } catch (error) {
      this.#isSyncInFlight = false;
      const failure = new WalIoError(`could not fdatasync wal in "${this.dir}": ${describeError(error)}`, { cause: error });
      for (const waiter of batch) waiter.reject(failure);
      this.#fail(failure);
      return;
    }
    this.#isSyncInFlight = false;
    this.#counters.syncCount += 1;
    this.#resolveSynced(batch);
    if (this.#isRotationWanted) this.#writePending();
    this.#startSync();
    this.#notifyIdle();
  }

  #takeAwaitingSync(): Waiter[] {
    const batch = this.#awaitingSync;
    this.#awaitingSync = [];
    return batch;
  }

  #resolveSynced(batch: readonly Waiter[]): void {
    for (const waiter of batch) {
      this.#counters.syncedRecords += waiter.recordCount;
      waiter.resolve(waiter.lastLsn);
    }
  }

  /** Enters the failed state: everything queued rejects now, everything later rejects at once. */
  #fail(failure: DbError): void {
    if (this.#failure !== undefined) return;
    this.#failure = failure;
    const queued = [...this.#takeAwaitingSync(), ...this.#pendingWaiters];
    this.#pendingWaiters = [];
    this.#pendingBytes = 0;
    for (const waiter of queued) waiter.reject(failure);
    this.#notifyIdle();
  }

  #refusal(): DbError | undefined {
    if (this.#isClosing) return new WalStateError(`wal in "${this.dir}" is closed`);
    if (this.#failure !== undefined) {
      return new WalIoError(`wal in "${this.dir}" failed earlier and accepts no appends: ${this.#failure.message}`, {
        cause: this.#failure,
      });
    }
    return undefined;
  }

  #notifyIdle(): void {
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const wake of waiters) wake();
  }

  get #isIdle(): boolean {
    return this.#pendingBytes === 0 && !this.#isSyncInFlight && this.#awaitingSync.length === 0;
  }

  /**
   * The records from `fromLsn` (default: the oldest retained) to the last one written when the
   * iteration began, each payload a fresh copy. Damage found on the way throws `CorruptionError`.
   */
  *replay(fromLsn?: Lsn): Generator<WalRecord, void, undefined> {
    if (this.#isClosing) throw new WalStateError(`wal in "${this.dir}" is closed`);
    this.#writePending(false);
    const segments = [...this.#segments];
    const activeEndOffset = this.#active.sizeBytes;
    const from = fromLsn ?? 0n;
    let index = segments.length - 1;
    while (index > 0 && (segments[index]?.firstLsn ?? 0n) > from) index -= 1;
    for (; index < segments.length; index++) {
      const segment = segments[index];
      assert(segment !== undefined, "segment index in range");
      const isLast = index === segments.length - 1;
      yield* this.#replaySegment(segment, isLast ? activeEndOffset : undefined, segments[index + 1], from);
    }
  }

  *#replaySegment(segment: SegmentName, endOffset: number | undefined, next: SegmentName | undefined, from: bigint): Generator<WalRecord, void, undefined> {
    const scan = SegmentScan.open(segment.path);
    if (!(scan instanceof SegmentScan)) throw new CorruptionError(segment.path, 0, scan.headerProblem);
    try {
      checkSegmentHeader(scan, segment, this.#options.cipher !== undefined);
      const records = scan.records(endOffset ?? scan.sizeBytes);
      let step = records.next();
      while (step.done !== true) {
        if (step.value.lsn >= from) yield this.#openRecord(segment, step.value.lsn, step.value.payload, step.value.offset);
        step = records.next();
      }
      const end = step.value;
      if (end.kind === "damaged") throw corruptionAt(segment.path, end, "damage inside a segment that was fully synced");
      if (next !== undefined && end.nextLsn !== next.firstLsn) {
        throw new CorruptionError(segment.path, end.endOffset, `segment ends before lsn ${end.nextLsn} but the next segment starts at lsn ${next.firstLsn}`);
      }
    } finally {
      scan.close();
    }
  }

  #openRecord(segment: SegmentName, lsnValue: bigint, stored: Uint8Array, offset: number): WalRecord {
    const cipher = this.#options.cipher;
    const recordLsn = toLsn(lsnValue);
    if (cipher === undefined) return { lsn: recordLsn, payload: stored.slice() };
    try {
      return { lsn: recordLsn, payload: cipher.open(recordLsn, stored.slice()) };
    } catch (error) {
      throw new CorruptionError(segment.path, offset, `record ${lsnValue} failed authentication: ${describeError(error)}`);
    }
  }

  /**
   * Deletes every segment whose records all have LSNs below `lsn` (a checkpoint no longer needs
   * them), oldest first, then fsyncs the directory. The active segment is never deleted. Resolves
   * with the number of segments deleted.
   */
  async truncateBefore(lsn: Lsn): Promise<number> {
    const refusal = this.#refusal();
    if (refusal !== undefined) throw refusal;
    let removable = 0;
    while (removable + 1 < this.#segments.length && (this.#segments[removable + 1]?.firstLsn ?? 0n) <= lsn) removable += 1;
    if (removable === 0) return 0;
    const doomed = this.#segments.splice(0, removable);
    for (const segment of doomed) unlinkSync(segment.path);
    await fsyncDirectoryAsync(this.dir);
    return removable;
  }

  stats(): WalStats {
    const c = this.#counters;
    return {
      appendedRecords: c.appendedRecords,
      appendedBytes: c.appendedBytes,
      writeCount: c.writeCount,
      syncCount: c.syncCount,
      recordsPerSyncMean: c.syncCount === 0 ? 0 : c.syncedRecords / c.syncCount,
      segmentCount: this.#segments.length,
      activeSegmentBytes: this.#active.sizeBytes,
      tornTailBytesAtOpen: this.#tornTailBytesAtOpen,
    };
  }

  /**
   * Writes and syncs everything appended so far (unsynced appends included), then closes the
   * files. Appends made after `close()` was called reject. Closing a failed log releases its files
   * and resolves: the failure was already reported to every affected append.
   */
  async close(): Promise<void> {
    if (this.#isClosing) return;
    this.#isClosing = true;
    while (this.#failure === undefined) {
      this.#writePending();
      this.#startSync();
      if (this.#isIdle && this.#dirtyFds.size === 0 && !this.#isDirDirty) break;
      await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
    }
    try {
      if (this.#failure === undefined) this.#trimActive();
    } finally {
      closeSync(this.#active.fd);
      this.#lock.release();
    }
  }
}

function resolveOptions(options: WalOptions): ResolvedOptions {
  const resolved: ResolvedOptions = {
    segmentBytesTarget: options.segmentBytesTarget ?? 64 * 1024 * 1024,
    recordBytesMax: options.recordBytesMax ?? 64 * 1024 * 1024,
    writeBatchBytesMax: options.writeBatchBytesMax ?? 4 * 1024 * 1024,
    preallocateBytes: options.preallocateBytes ?? 1024 * 1024,
    cipher: options.cipher,
    syncFile: options.syncFile ?? fdatasyncAsync,
  };
  checkPositiveInteger("segmentBytesTarget", resolved.segmentBytesTarget);
  checkPositiveInteger("recordBytesMax", resolved.recordBytesMax);
  checkPositiveInteger("writeBatchBytesMax", resolved.writeBatchBytesMax);
  if (resolved.preallocateBytes !== 0) checkPositiveInteger("preallocateBytes", resolved.preallocateBytes);
  if (resolved.recordBytesMax > recordBytesLimit) {
    throw new WalLimitError(`recordBytesMax ${resolved.recordBytesMax} exceeds the format limit of ${recordBytesLimit} bytes`);
  }
  return resolved;
}

function checkPositiveInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new WalArgumentError(`wal option ${name} must be a positive integer, got ${value}`);
  }
}

function createSegment(dir: string, firstLsn: bigint, isSealed: boolean): { fd: number; path: string } {
  const path = join(dir, segmentFileName(firstLsn));
  const fd = openSync(path, "wx+");
  writeFully(fd, encodeSegmentHeader({ firstLsn, isSealed }), 0);
  return { fd, path };
}

function writeFully(fd: number, bytes: Uint8Array, position: number): void {
  let written = 0;
  while (written < bytes.length) {
    written += writeSync(fd, bytes, written, bytes.length - written, position + written);
  }
}

function fdatasyncAsync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => {
    fdatasync(fd, (error) => (error === null ? resolve() : reject(error)));
  });
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
