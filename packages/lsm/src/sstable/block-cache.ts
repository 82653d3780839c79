/**
 * The block cache: decoded data blocks (checksummed, opened, decompressed, restart array checked)
 * shared by every table reader of a store, least recently used out first, bounded in bytes.
 *
 * Keys are (file number, block offset). File numbers are never reused within a store, so a cached
 * block can never be mistaken for another file's; a reader closed and reopened (the table cache
 * evicting and reopening it) finds its blocks still here. `evictFile` drops a deleted table's
 * blocks at once instead of leaving them to age out; the cache keeps a set of cached offsets per
 * file for it, so eviction costs the blocks of that file, not a walk of the whole cache.
 *
 * The key is the number fileNumber * 2^32 + offset when that is exact (file numbers below 2^21,
 * offsets below 4 GiB: always, in practice), else a string, so a lookup allocates nothing.
 * A block is charged its buffer's bytes plus a fixed overhead for the objects around it.
 */
import { assert } from "@omnikv/base";
import { LRUCache } from "lru-cache";
import type { Block } from "./block.ts";

/** Objects per cached block (Block, views, cache node, map and set entries), roughly, in bytes. */
const entryOverheadBytes = 256;
const offsetScale = 0x1_0000_0000;
const numberKeyFileNumberLimit = 2 ** 21;

export interface BlockCacheOptions {
  /** The most bytes of blocks (and their overhead) held at once. */
  readonly capacityBytes: number;
}

export interface BlockCacheStats {
  readonly hits: number;
  readonly misses: number;
  readonly entryCount: number;
  readonly sizeBytes: number;
  readonly capacityBytes: number;
}

interface CacheEntry {
  readonly fileNumber: number;
  readonly offset: number;
  readonly block: Block;
  /** The reader that holds a direct reference to the block, told to drop it (block `ownerIndex`). */
  readonly owner: BlockOwner | undefined;
  readonly ownerIndex: number;
}

/**
 * Who keeps direct references to cached blocks (a table reader): told when one leaves the cache.
 * One listener per reader, not a closure per block: a cache miss allocates as little as it can.
 */
export interface BlockOwner {
  blockEvicted(ownerIndex: number, block: Block): void;
}

type CacheKey = number | string;

export class BlockCache {
  readonly capacityBytes: number;
  readonly #cache: LRUCache<CacheKey, CacheEntry>;
  /** Cached block offsets per file, for `evictFile`. */
  readonly #offsetsByFile = new Map<number, Set<number>>();
  #hits = 0;
  #misses = 0;

  constructor(options: BlockCacheOptions) {
    assert(Number.isSafeInteger(options.capacityBytes) && options.capacityBytes > 0, "cache capacity is a positive integer");
    this.capacityBytes = options.capacityBytes;
    this.#cache = new LRUCache<CacheKey, CacheEntry>({
      maxSize: options.capacityBytes,
      sizeCalculation: (entry) => chargeBytes(entry.block),
      // Overwriting a key keeps the file's offset set as it is; only removals update it.
      noDisposeOnSet: true,
      dispose: (entry) => {
        this.#forget(entry.fileNumber, entry.offset);
        entry.owner?.blockEvicted(entry.ownerIndex, entry.block);
      },
    });
  }

  get hits(): number {
    return this.#hits;
  }

  get misses(): number {
    return this.#misses;
  }

  /** Bytes charged for the blocks held now (at most `capacityBytes`). */
  get sizeBytes(): number {
    return this.#cache.calculatedSize;
  }

  /** The cached block, counting a hit or a miss. */
  get(fileNumber: number, offset: number): Block | undefined {
    const entry = this.#cache.get(cacheKey(fileNumber, offset));
    if (entry === undefined) {
      this.#misses += 1;
      return undefined;
    }
    this.#hits += 1;
    return entry.block;
  }

  /** Caches a decoded block. A block larger than the whole cache is not kept. */
  /**
   * Caches a decoded block; returns whether it was kept. `owner.blockEvicted(ownerIndex, block)`
   * runs when the block leaves the cache, so a reader that keeps a direct reference (see
   * `TableReader.dataBlock`) drops it too and the cache's byte bound stays the bound on decoded
   * blocks in memory.
   */
  set(fileNumber: number, offset: number, block: Block, owner?: BlockOwner, ownerIndex = 0): boolean {
    assert(Number.isSafeInteger(fileNumber) && fileNumber >= 0, "file number is a non-negative integer");
    assert(Number.isSafeInteger(offset) && offset >= 0, "block offset is a non-negative integer");
    if (chargeBytes(block) > this.capacityBytes) return false;
    this.#cache.set(cacheKey(fileNumber, offset), { fileNumber, offset, block, owner, ownerIndex });
    let offsets = this.#offsetsByFile.get(fileNumber);
    if (offsets === undefined) {
      offsets = new Set();
      this.#offsetsByFile.set(fileNumber, offsets);
    }
    offsets.add(offset);
    return this.#cache.has(cacheKey(fileNumber, offset));
  }

  /** Counts a hit served from a reader's direct reference, without a cache lookup. */
  recordHit(): void {
    this.#hits += 1;
  }

  /** Marks a block as recently used (readers call this for a sample of their direct hits). */
  touch(fileNumber: number, offset: number): void {
    this.#cache.get(cacheKey(fileNumber, offset));
  }

  /** Drops every block of a table (it was deleted); returns how many were cached. */
  evictFile(fileNumber: number): number {
    const offsets = this.#offsetsByFile.get(fileNumber);
    if (offsets === undefined) return 0;
    const count = offsets.size;
    // Each delete runs `dispose`, which removes the offset from this set: deleting the element
    // being visited is well-defined for a Set iteration.
    for (const offset of offsets) this.#cache.delete(cacheKey(fileNumber, offset));
    assert(!this.#offsetsByFile.has(fileNumber), "evicting a file's blocks forgets the file");
    return count;
  }

  clear(): void {
    this.#cache.clear();
    assert(this.#offsetsByFile.size === 0, "a cleared cache tracks no files");
  }

  stats(): BlockCacheStats {
    return {
      hits: this.#hits,
      misses: this.#misses,
      entryCount: this.#cache.size,
      sizeBytes: this.#cache.calculatedSize,
      capacityBytes: this.capacityBytes,
    };
  }

  #forget(fileNumber: number, offset: number): void {
    const offsets = this.#offsetsByFile.get(fileNumber);
    if (offsets === undefined) return;
    offsets.delete(offset);
    if (offsets.size === 0) this.#offsetsByFile.delete(fileNumber);
  }
}

function cacheKey(fileNumber: number, offset: number): CacheKey {
  if (fileNumber < numberKeyFileNumberLimit && offset < offsetScale) return fileNumber * offsetScale + offset;
  return `${fileNumber}:${offset}`;
}

function chargeBytes(block: Block): number {
  return block.bytes.buffer.byteLength + entryOverheadBytes;
}
