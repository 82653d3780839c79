/**
 * Seek compaction (after LevelDB's `allowed_seeks`). A point read that has to read a second table,
 * after the first table it read did not hold the key, is charged to that first table: every such
 * read paid for one table lookup more than it would with that table compacted into the level
 * below. Once a table's charges have paid for its compaction, it is compacted even when no level
 * is due by size. That is what makes a read-mostly store converge to one lookup per read
 * (pgbench's select-only run after TPC-B read through three overlapping L0 tables).
 *
 * The budget is what the charges must add up to: one charge per `seekChargeBytes` of table, at
 * least 100. LevelDB counts a charge as worth compacting 16 KiB, since a lookup there was a disk
 * seek. Here tables are read through the block cache, and a passed-over lookup costs a few
 * hundred nanoseconds (the index search and a bloom-filter or hash-index probe), while compaction
 * merges and rewrites some 10 MB/s on one thread (about 100 ns per byte): a charge is worth about
 * 4 bytes. So a table is compacted by reads only once they have spent about as much on it as the
 * compaction will, and a store under steady writes, whose newest L0 table every read passes
 * over, still flushes and compacts by size (its tables are replaced long before their budget is
 * spent). Budgets live in memory only; a reopened store starts them afresh.
 */
export const seekChargeBytes = 4;
export const seekChargesMin = 100;

export interface SeekCandidate {
  readonly level: number;
  readonly fileNumber: number;
}

export class SeekCharges {
  readonly #remaining = new Map<number, number>();
  #due: SeekCandidate | undefined;

  /** Charges one passed-over read to the table; true when that used up its budget (it is now due). */
  charge(level: number, fileNumber: number, fileBytes: number): boolean {
    const remaining = (this.#remaining.get(fileNumber) ?? seekBudgetOf(fileBytes)) - 1;
    this.#remaining.set(fileNumber, remaining);
    if (remaining > 0 || this.#due !== undefined) return false;
    this.#due = { level, fileNumber };
    return true;
  }

  /** The table due for a seek compaction, if any; it is no longer due once taken. */
  takeDue(): SeekCandidate | undefined {
    const due = this.#due;
    this.#due = undefined;
    return due;
  }

  /** Deleted tables: their budgets go (file numbers are never reused). */
  forget(fileNumbers: readonly number[]): void {
    for (const fileNumber of fileNumbers) {
      this.#remaining.delete(fileNumber);
      if (this.#due?.fileNumber === fileNumber) this.#due = undefined;
    }
  }
}

/** The charges that pay for compacting a table of `fileBytes`. */
export function seekBudgetOf(fileBytes: number): number {
  return Math.max(seekChargesMin, Math.floor(fileBytes / seekChargeBytes));
}
