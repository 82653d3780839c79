/**
 * Seek compaction (LevelDB's `allowed_seeks`). A point read that has to read a second table, after
 * the first table it read did not hold the key, is charged to that first table: every such read
 * pays one table lookup more than it would with that table compacted into the level below. Once a
 * table's charges use up its budget, compacting it costs less than the lookups it keeps costing,
 * and it is compacted even when no level is due by size. That is what makes a read-mostly store
 * converge to one lookup per read (pgbench's select-only run after `pgbench -i` left three
 * overlapping L0 tables, each read passing over one or two of them).
 *
 * The budget is one charge per 16 KiB of table, at least 100: a lookup that misses costs about
 * what compacting a few tens of KiB costs (LevelDB's estimate, kept deliberately low so that
 * compaction starts early). Budgets live in memory only; a reopened store starts them afresh.
 */
export const seekChargeBytes = 16 * 1024;
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
    const remaining = (this.#remaining.get(fileNumber) ?? budgetOf(fileBytes)) - 1;
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

function budgetOf(fileBytes: number): number {
  return Math.max(seekChargesMin, Math.floor(fileBytes / seekChargeBytes));
}
