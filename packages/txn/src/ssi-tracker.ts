/**
 * Serializable Snapshot Isolation (Cahill, Röhm and Fekete 2008; PostgreSQL's implementation by
 * Ports and Grittner, VLDB 2012): SIREAD locks on keys and key ranges, rw-antidependency edges
 * between concurrent SERIALIZABLE transactions, and detection of the dangerous structure
 *
 *     Tin --rw--> Tpivot --rw--> Tout      (Tin may be Tout)
 *
 * in which Tout committed first. Every non-serializable execution under snapshot isolation
 * contains one, so failing a member of each one keeps execution serializable. The refinements
 * PostgreSQL uses are here: the structure only counts when Tout commits before both others, and
 * when Tin is read-only, only when Tout committed before Tin took its snapshot.
 *
 * When a structure appears, the victim is the pivot if it has not committed, else Tin: either one
 * ran concurrently with the committed Tout, so its retry sees Tout's writes and cannot form the
 * same structure. A victim is "doomed": its next write or its commit fails with 40001 (after the
 * commit that completed the structure is visible, so a retry does not race it). Reads never fail.
 *
 * The edges are found at three moments: a read (writers of that key the reader cannot see), a
 * write (readers of that key that ran concurrently), and a commit (the pivot check for the
 * committing transaction, and structures in which it is Tout). Committed transactions stay
 * tracked until every active transaction sees them; then they are pruned, and their committed
 * out-conflicts survive as a per-reader summary (`summaryOut`), as PostgreSQL summarizes.
 *
 * Limits: a transaction's SIREAD keys are capped at `readKeysMax`; past it they are replaced by
 * one lock on the whole key space (more false positives, bounded memory), as PostgreSQL promotes
 * row locks to page and relation locks.
 */
import { assert } from "@omnikv/base";
import { SerializationFailureError } from "./errors.ts";
import { rangeHas, type KeyRange } from "./key-string.ts";
import { sees, type CommitPoint, type TxnRecord } from "./txn-record.ts";

const everything: KeyRange = { gte: undefined, lt: undefined };

export class SsiTracker {
  readonly #readKeysMax: number;
  readonly #readersByKey: KeyIndex = new Map();
  readonly #rangeReaders = new Set<TxnRecord>();
  readonly #writersByKey: KeyIndex = new Map();
  readonly #writers = new Set<TxnRecord>();
  #failures = 0;

  constructor(readKeysMax: number) {
    assert(Number.isSafeInteger(readKeysMax) && readKeysMax >= 1, "readKeysMax is a positive integer");
    this.#readKeysMax = readKeysMax;
  }

  /** SIREAD keys held by all tracked transactions (for stats and the bounded-memory test). */
  get readKeyCount(): number {
    return this.#readersByKey.size;
  }

  get trackedWriterCount(): number {
    return this.#writers.size;
  }

  /** Transactions doomed so far. */
  get failureCount(): number {
    return this.#failures;
  }

  /** `reader` read `key` (and did not find its own write there). */
  onRead(reader: TxnRecord, key: string): void {
    assert(reader.isSsi && reader.status === "active", "only active serializable transactions read under SSI");
    if (!this.#coversAll(reader)) {
      const readKeys = (reader.readKeys ??= new Set());
      if (readKeys.has(key)) {
        // Already locked.
      } else if (readKeys.size >= this.#readKeysMax) {
        this.#promoteToEverything(reader);
      } else {
        readKeys.add(key);
        addToIndex(this.#readersByKey, key, reader);
      }
    }
    for (const writer of members(this.#writersByKey.get(key))) if (writer !== reader && !sees(reader, writer)) this.#addEdge(reader, writer);
  }

  /** `reader` scanned `range`: a predicate read, so later inserts into it conflict too. */
  onScan(reader: TxnRecord, range: KeyRange): void {
    assert(reader.isSsi && reader.status === "active", "only active serializable transactions read under SSI");
    if (!this.#coversAll(reader)) {
      (reader.readRanges ??= []).push(range);
      this.#rangeReaders.add(reader);
    }
    for (const writer of this.#writers) {
      if (writer !== reader && !sees(reader, writer) && writer.writes.intersects(range)) this.#addEdge(reader, writer);
    }
  }

  /** `writer` wrote `key` (a put or a delete), not yet committed. */
  onWrite(writer: TxnRecord, key: string): void {
    assert(writer.isSsi && writer.status === "active", "only active serializable transactions write under SSI");
    addToIndex(this.#writersByKey, key, writer);
    this.#writers.add(writer);
    for (const reader of members(this.#readersByKey.get(key))) if (this.#isConcurrentReader(reader, writer)) this.#addEdge(reader, writer);
    for (const reader of this.#rangeReaders) {
      if (!this.#isConcurrentReader(reader, writer) || reader.outConflicts.has(writer)) continue;
      if (reader.readRanges?.some((range) => rangeHas(range, key)) === true) this.#addEdge(reader, writer);
    }
  }

  /** `writer` no longer writes `key` (a rollback to a savepoint took the write back). */
  onUnwrite(writer: TxnRecord, key: string): void {
    removeFromIndex(this.#writersByKey, key, writer);
  }

  /**
   * Validation of a committing serializable transaction, before it gets its commit order: fails
   * it when it is the pivot of a structure whose Tout already committed.
   */
  checkPivotAtCommit(txn: TxnRecord): void {
    assert(txn.isSsi && txn.status === "active" && txn.commitOrder === 0, "the pivot check runs before the commit order");
    for (const tin of txn.inConflicts) {
      for (const tout of txn.outConflicts) this.#check(tin, txn, tout);
      if (txn.summaryOut !== undefined) this.#check(tin, txn, txn.summaryOut);
    }
  }

  /** After `txn` got its commit order: structures in which it is Tout, committing first. */
  checkAsToutAtCommit(txn: TxnRecord): void {
    assert(txn.isCommitted, "the Tout check runs after the commit order is assigned");
    for (const pivot of txn.inConflicts) {
      for (const tin of pivot.inConflicts) this.#check(tin, pivot, txn);
    }
  }

  /**
   * Drops an aborted transaction, or a committed one every active transaction sees; a committed
   * one leaves its commit in the summary of each reader that had a conflict out to it.
   */
  forget(txn: TxnRecord): void {
    for (const reader of txn.inConflicts) {
      reader.deleteOutConflict(txn);
      if (txn.isCommitted) reader.summaryOut = earlier(reader.summaryOut, txn);
    }
    for (const writer of txn.outConflicts) writer.deleteInConflict(txn);
    txn.clearConflicts();
    if (txn.readKeys !== undefined) for (const key of txn.readKeys) removeFromIndex(this.#readersByKey, key, txn);
    txn.readKeys = undefined;
    txn.readRanges = undefined;
    this.#rangeReaders.delete(txn);
    if (this.#writers.delete(txn)) {
      for (const key of txn.writes.keys()) removeFromIndex(this.#writersByKey, key, txn);
    }
  }

  /** A reader conflicts with a writer's write if it did not commit before the writer's snapshot. */
  #isConcurrentReader(reader: TxnRecord, writer: TxnRecord): boolean {
    return reader !== writer && !reader.isAborted && !sees(writer, reader);
  }

  #coversAll(reader: TxnRecord): boolean {
    return reader.readRanges?.[0] === everything;
  }

  #promoteToEverything(reader: TxnRecord): void {
    for (const key of reader.readKeys ?? []) removeFromIndex(this.#readersByKey, key, reader);
    reader.readKeys = undefined;
    reader.readRanges = [everything];
    this.#rangeReaders.add(reader);
  }

  #addEdge(reader: TxnRecord, writer: TxnRecord): void {
    if (reader === writer || reader.outConflicts.has(writer) || reader.isAborted || writer.isAborted) return;
    reader.addOutConflict(writer);
    writer.addInConflict(reader);
    for (const tin of reader.inConflicts) this.#check(tin, reader, writer);
    for (const tout of writer.outConflicts) this.#check(reader, writer, tout);
    if (writer.summaryOut !== undefined) this.#check(reader, writer, writer.summaryOut);
  }

  /** Dooms a member of `tin -> pivot -> tout` when that is a dangerous structure. */
  #check(tin: TxnRecord, pivot: TxnRecord, tout: TxnRecord | CommitPoint): void {
    if (!isDangerous(tin, pivot, tout)) return;
    const victim = !pivot.isCommitted ? pivot : !tin.isCommitted ? tin : undefined;
    assert(victim !== undefined, "a dangerous structure is found while one of Tin and the pivot is uncommitted");
    if (victim.doomed !== undefined) return;
    this.#failures += 1;
    const during = victim.status === "active" ? "during conflict in checking" : "during commit attempt";
    victim.doomed = new SerializationFailureError("could not serialize access due to read/write dependencies among transactions", {
      detail: `Reason code: Canceled on identification as a pivot, ${during}.`,
      hint: "The transaction might succeed if retried.",
    });
    victim.doomedAfter = "finished" in tout ? tout.finished : undefined;
  }
}

/** Tout committed first (before the pivot and before Tin), and before a read-only Tin's snapshot. */
function isDangerous(tin: TxnRecord, pivot: TxnRecord, tout: TxnRecord | CommitPoint): boolean {
  if (tout.commitOrder === 0 || ("isAborted" in tout && tout.isAborted)) return false;
  if (tin.isAborted || pivot.isAborted) return false;
  if (pivot.isCommitted && pivot.commitOrder < tout.commitOrder) return false;
  if (tin === tout) return true;
  if (tin.isCommitted && tin.commitOrder < tout.commitOrder) return false;
  return !tin.isEffectivelyReadOnly || sees(tin, tout);
}

function earlier(summary: CommitPoint | undefined, commit: CommitPoint): CommitPoint {
  if (summary !== undefined && summary.commitOrder <= commit.commitOrder) return summary;
  return { commitOrder: commit.commitOrder, commitSequence: commit.commitSequence };
}

/**
 * Transactions by key. Most keys have one reader or writer at a time, so a key maps to that
 * transaction itself and only becomes a Set when a second one arrives (fewer allocations on the
 * hot path).
 */
type KeyIndex = Map<string, TxnRecord | Set<TxnRecord>>;

const noMembers: readonly TxnRecord[] = [];

function members(entry: TxnRecord | Set<TxnRecord> | undefined): Iterable<TxnRecord> {
  if (entry === undefined) return noMembers;
  return entry instanceof Set ? entry : [entry];
}

function addToIndex(index: KeyIndex, key: string, txn: TxnRecord): void {
  const entry = index.get(key);
  if (entry === undefined) index.set(key, txn);
  else if (entry instanceof Set) entry.add(txn);
  else if (entry !== txn) index.set(key, new Set([entry, txn]));
}

function removeFromIndex(index: KeyIndex, key: string, txn: TxnRecord): void {
  const entry = index.get(key);
  if (entry === undefined) return;
  if (entry instanceof Set) {
    entry.delete(txn);
    if (entry.size === 0) index.delete(key);
  } else if (entry === txn) {
    index.delete(key);
  }
}
