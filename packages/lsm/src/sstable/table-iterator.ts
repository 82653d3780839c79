/**
 * The two-level iterator over a whole table: a position in the decoded index (which data block)
 * and a `BlockIterator` inside that block. Moving off either end of a block loads the neighbour
 * through the block source (the reader: block cache, else a synchronous positional read) and
 * continues there. One `BlockIterator` is reused for every block, so a scan allocates per block
 * loaded from disk, not per entry.
 *
 * Positioning uses the index's last keys: the block that may hold the first key >= target is the
 * first block whose last key is >= target.
 */
import { assert } from "@omnikv/base";
import type { InternalIterator } from "../internal-iterator.ts";
import { type Block, BlockIterator } from "./block.ts";
import type { TableIndex } from "./table-index.ts";

/** What the iterator needs from a reader. */
export interface DataBlockSource {
  readonly index: TableIndex;
  /** Data block `blockIndex`, decoded; throws `CorruptionError` when it is damaged. */
  dataBlock(blockIndex: number): Block;
}

export class TableIterator implements InternalIterator {
  readonly #source: DataBlockSource;
  readonly #index: TableIndex;
  #data: BlockIterator | undefined;
  /** The block `#data` points at, or -1. */
  #loaded = -1;
  #isClosed = false;

  constructor(source: DataBlockSource) {
    this.#source = source;
    this.#index = source.index;
    assert(this.#index.blockCount > 0, "a table has at least one data block");
  }

  get isValid(): boolean {
    return this.#data?.isValid === true;
  }

  seek(target: Uint8Array): void {
    const blockIndex = this.#index.find(target, 0, target.length);
    if (blockIndex === this.#index.blockCount) {
      this.#invalidate();
      return;
    }
    this.#load(blockIndex).seek(target);
    this.#skipForward();
  }

  seekForPrev(target: Uint8Array): void {
    const blockIndex = this.#index.find(target, 0, target.length);
    if (blockIndex === this.#index.blockCount) {
      this.seekToLast();
      return;
    }
    this.#load(blockIndex).seekForPrev(target);
    this.#skipBackward();
  }

  seekToFirst(): void {
    this.#load(0).seekToFirst();
    this.#skipForward();
  }

  seekToLast(): void {
    this.#load(this.#index.blockCount - 1).seekToLast();
    this.#skipBackward();
  }

  next(): void {
    assert(this.isValid, "next() needs a positioned iterator");
    this.#current().next();
    this.#skipForward();
  }

  prev(): void {
    assert(this.isValid, "prev() needs a positioned iterator");
    this.#current().prev();
    this.#skipBackward();
  }

  key(): Uint8Array {
    assert(this.isValid, "key() needs a positioned iterator");
    return this.#current().key();
  }

  value(): Uint8Array {
    assert(this.isValid, "value() needs a positioned iterator");
    return this.#current().value();
  }

  close(): void {
    this.#isClosed = true;
    this.#invalidate();
    this.#data = undefined;
    this.#loaded = -1;
  }

  #current(): BlockIterator {
    assert(this.#data !== undefined, "a positioned iterator has a block");
    return this.#data;
  }

  #load(blockIndex: number): BlockIterator {
    assert(!this.#isClosed, "a closed iterator is not used again");
    if (this.#data !== undefined && this.#loaded === blockIndex) return this.#data;
    const block = this.#source.dataBlock(blockIndex);
    if (this.#data === undefined) this.#data = new BlockIterator(block);
    else this.#data.reset(block);
    this.#loaded = blockIndex;
    return this.#data;
  }

  /** After moving forward: if the block ran out, continue at the start of the next one. */
  #skipForward(): void {
    while (!this.isValid) {
      if (this.#loaded + 1 >= this.#index.blockCount) return;
      this.#load(this.#loaded + 1).seekToFirst();
    }
  }

  /** After moving backward: if the block ran out, continue at the end of the previous one. */
  #skipBackward(): void {
    while (!this.isValid) {
      if (this.#loaded <= 0) return;
      this.#load(this.#loaded - 1).seekToLast();
    }
  }

  #invalidate(): void {
    this.#data?.close();
  }
}
