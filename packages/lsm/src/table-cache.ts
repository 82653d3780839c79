/**
 * A bounded cache of open tables. Opening a table reads its footer, index and filter, so readers
 * keep hot tables open; at most `maxOpenTables` stay open. A table in use (an iterator holds it)
 * is closed only after its last user lets go, even when the cache evicts it meanwhile.
 */
import { LRUCache } from "lru-cache";
import { assert } from "@omnikv/base";
import type { BlockCipher } from "./cipher.ts";
import { tablePath } from "./file-names.ts";
import type { BlockCache } from "./sstable/block-cache.ts";
import { TableReader } from "./sstable/table-reader.ts";

interface CachedTable {
  readonly reader: TableReader;
  users: number;
  isEvicted: boolean;
}

export interface TableCacheOptions {
  readonly dir: string;
  readonly maxOpenTables: number;
  readonly blockCache: BlockCache;
  readonly cipher?: BlockCipher;
}

export class TableCache {
  readonly #options: TableCacheOptions;
  readonly #tables: LRUCache<number, CachedTable>;
  /** The same entries by number: the read path's lookup, cheaper than an LRU get (see `#entry`). */
  readonly #open = new Map<number, CachedTable>();
  #lookups = 0;

  constructor(options: TableCacheOptions) {
    assert(options.maxOpenTables > 0, "at least one open table");
    this.#options = options;
    this.#tables = new LRUCache<number, CachedTable>({
      max: options.maxOpenTables,
      dispose: (table, fileNumber) => {
        if (this.#open.get(fileNumber) === table) this.#open.delete(fileNumber);
        table.isEvicted = true;
        if (table.users === 0) table.reader.close();
      },
    });
  }

  /** The open table `fileNumber`, for a synchronous use that ends before the caller returns. */
  get(fileNumber: number): TableReader {
    return this.#entry(fileNumber).reader;
  }

  /** The open table, held until `release` is called (for iterators that outlive one call). */
  acquire(fileNumber: number): { reader: TableReader; release: () => void } {
    const entry = this.#entry(fileNumber);
    entry.users += 1;
    let isReleased = false;
    return {
      reader: entry.reader,
      release: () => {
        if (isReleased) return;
        isReleased = true;
        entry.users -= 1;
        if (entry.users === 0 && entry.isEvicted) entry.reader.close();
      },
    };
  }

  /** Drops a deleted table: closes it (now or when its last user releases it). */
  evict(fileNumber: number): void {
    this.#tables.delete(fileNumber);
    this.#options.blockCache.evictFile(fileNumber);
  }

  close(): void {
    this.#tables.clear();
    this.#open.clear();
  }

  #entry(fileNumber: number): CachedTable {
    const open = this.#open.get(fileNumber);
    if (open !== undefined) {
      // A sample of lookups refreshes the LRU order; every lookup through lru-cache would cost
      // as much as the rest of a cached point read.
      this.#lookups += 1;
      if ((this.#lookups & 15) === 0) this.#tables.get(fileNumber);
      return open;
    }
    const { dir, blockCache, cipher } = this.#options;
    const reader = TableReader.open({ path: tablePath(dir, fileNumber), fileNumber, blockCache, ...(cipher === undefined ? {} : { cipher }) });
    const entry: CachedTable = { reader, users: 0, isEvicted: false };
    this.#tables.set(fileNumber, entry);
    this.#open.set(fileNumber, entry);
    return entry;
  }
}
