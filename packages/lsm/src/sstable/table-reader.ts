/**
 * `TableReader`: point lookups, iterators and verification over one table file, all synchronous
 * (a lookup must not cost a promise per block; ARCHITECTURE.md).
 *
 * Open reads and checks the footer, then the properties, index and filter blocks, which stay in
 * memory for the reader's life (the index decoded into flat arrays, see table-index.ts). Data
 * blocks are read on demand with positional `readSync` and kept, decoded, in the shared
 * `BlockCache`. A damaged footer, meta block or data block is a `CorruptionError` naming the file
 * and offset; a short or truncated file fails at open. Nothing read from the file is trusted
 * before its checksum and structure are checked.
 *
 * A point lookup `get(userKey, snapshot)`:
 *   1. index binary search for the seek key (userKey, snapshot, kindForSeek), compared without
 *      building it -> the one data block that can hold it;
 *   2. a block not resident: the bloom filter first (a miss ends the lookup without a read), then
 *      block cache or disk. A resident block skips the filter: its hash index answers "absent"
 *      as cheaply (one cache line), and a key that is there saves the filter's cache miss;
 *   3. `BlockLookup` (block-lookup.ts): with the block's shape (restart array and hash index
 *      places) kept beside its bytes for a resident block, or read from the block's tail, the
 *      block's hash index (same user-key hash as the bloom filter) names the restart interval of the key's first entry, or says the key is not in
 *      the block; without an index, or for a key in a shared bucket, the restart keys are
 *      binary-searched instead; then it scans forward to the newest version <= snapshot, or to a
 *      larger user key (not found).
 * It allocates the result object and the value view, nothing else on a cache hit.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { assert } from "@omnikv/base";
import type { BlockCipher } from "../cipher.ts";
import { CorruptionError, LsmIoError, LsmStateError } from "../errors.ts";
import type { InternalIterator } from "../internal-iterator.ts";
import { ValueKind, compareInternalKeys } from "../internal-key.ts";
import { Block } from "./block.ts";
import type { BlockCache, BlockOwner } from "./block-cache.ts";
import { decodeStoredBlock, type BlockReadContext } from "./block-codec.ts";
import { BlockLookup, blockShapeSlots } from "./block-lookup.ts";
import { BloomFilter, bloomHash } from "./bloom-filter.ts";
import { blockCorruption, blockTrailerBytes, bloomLayoutOf, decodeFooter, footerBytes, type BlockHandle, type BlockLocation, type Footer } from "./format.ts";
import { decodeProperties, type TableProperties } from "./properties.ts";
import { TableIndex } from "./table-index.ts";
import { TableIterator } from "./table-iterator.ts";
import { verifyTable, type TableVerification } from "./table-verify.ts";

/** One in this many direct block hits refreshes the block's LRU position (a power of two, minus one). */
const residentTouchMask = 31;

export interface TableReaderOptions {
  readonly path: string;
  readonly fileNumber: number;
  readonly blockCache: BlockCache;
  /** Required exactly when the table was written with one. */
  readonly cipher?: BlockCipher;
  /**
   * Check each data block's CRC when it is read from disk (the footer and meta blocks always are).
   * Default true. Off trades the detection of damage inside data blocks for a little speed on
   * cache misses: structural damage is still caught, but a flipped bit in a value is returned.
   */
  readonly verifyChecksums?: boolean;
}

/** The newest visible version of a key in one table. A delete has an empty value. */
/** `TableReader.find`: no entry of the key is visible in the table. */
export const notFound = -1;
export type FindResult = ValueKind | typeof notFound;
const emptyBytes = new Uint8Array(0);

export interface TableEntry {
  readonly kind: ValueKind;
  readonly sequence: number;
  /** A view into a cached block: immutable, valid as long as the caller holds it. */
  readonly value: Uint8Array;
}

/** The pieces `open` reads before the reader exists. */
interface OpenedParts {
  readonly footer: Footer;
  readonly properties: TableProperties;
  readonly index: TableIndex;
  readonly filter: BloomFilter | undefined;
}

export class TableReader {
  readonly path: string;
  readonly fileNumber: number;
  readonly properties: TableProperties;
  readonly index: TableIndex;
  readonly #fd: number;
  readonly #cache: BlockCache;
  readonly #filter: BloomFilter | undefined;
  readonly #context: BlockReadContext;
  /** The same as `#context` but always checking CRCs: `verify` and meta blocks. */
  readonly #verifyingContext: BlockReadContext;
  readonly #footer: Footer;
  /** The block lookup `get` reuses for every lookup. */
  readonly #lookup = new BlockLookup();
  #isClosed = false;
  /** Blocks of this table the cache holds, by block index; see `dataBlock`. */
  #resident: (Block | undefined)[];
  /** The bytes of the same blocks: point lookups need only these (see block-lookup.ts). */
  #residentBytes: (Uint8Array | undefined)[];
  /**
   * The shape of each block in `#residentBytes` (restart array and hash index places, from its
   * decoded `Block`), `blockShapeSlots` per block: a lookup reads it here, in a small array that
   * stays in the CPU cache, instead of from the block's tail (a cache miss). Valid while the
   * block's bytes are resident; a block's shape never changes, so a stale entry is harmless.
   */
  readonly #residentShapes: Int32Array;
  #residentHits = 0;
  /** Drops the direct references to a block the cache let go of. */
  readonly #owner: BlockOwner = {
    blockEvicted: (blockIndex, block) => {
      if (this.#resident[blockIndex] !== block) return;
      this.#resident[blockIndex] = undefined;
      this.#residentBytes[blockIndex] = undefined;
    },
  };
  /** Where the block a lookup reads lies, for its error messages; reused. */
  readonly #where: { readonly path: string; blockOffset: number };
  /** After `find` returned a kind: the value is foundBytes[foundOffset, + foundLength). */
  foundBytes: Uint8Array = emptyBytes;
  foundOffset = 0;
  foundLength = 0;

  private constructor(options: TableReaderOptions, fd: number, parts: OpenedParts) {
    this.path = options.path;
    this.fileNumber = options.fileNumber;
    this.#fd = fd;
    this.#cache = options.blockCache;
    this.#footer = parts.footer;
    this.properties = parts.properties;
    this.index = parts.index;
    this.#filter = parts.filter;
    this.#context = { fileNumber: options.fileNumber, cipher: options.cipher, verifyChecksum: options.verifyChecksums ?? true };
    this.#verifyingContext = { ...this.#context, verifyChecksum: true };
    this.#resident = Array.from({ length: parts.index.blockCount }, () => undefined);
    this.#residentBytes = Array.from({ length: parts.index.blockCount }, () => undefined);
    this.#residentShapes = new Int32Array(blockShapeSlots * parts.index.blockCount);
    this.#where = { path: options.path, blockOffset: 0 };
  }

  /** Opens and checks a table; throws `CorruptionError` for a damaged or truncated file. */
  static open(options: TableReaderOptions): TableReader {
    const fd = openTableFile(options.path);
    try {
      return new TableReader(options, fd, readParts(fd, options));
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  /** Whether the table was built with a bloom filter. */
  get hasFilter(): boolean {
    return this.#filter !== undefined;
  }

  /**
   * The newest entry of `userKey` with sequence <= `snapshotSequence`, or `undefined`. A delete is
   * returned as such: the caller stops looking in older tables. `keyHash` is `bloomHash(userKey)`,
   * computed once by a caller that asks many tables.
   */
  get(userKey: Uint8Array, snapshotSequence: number, keyHash?: number): TableEntry | undefined {
    const kind = this.find(userKey, snapshotSequence, keyHash ?? bloomHash(userKey));
    if (kind === notFound) return undefined;
    return { kind, sequence: this.#lookup.sequence, value: this.foundBytes.subarray(this.foundOffset, this.foundOffset + this.foundLength) };
  }

  /**
   * `get` without allocating, for the store's point reads: the kind of the newest entry of
   * `userKey` with sequence <= `snapshotSequence` (`ValueKind.Put` or `ValueKind.Delete`), or
   * `notFound`. A found value is foundBytes[foundOffset, + foundLength): the bytes of a cached
   * block, which the caller copies out and never changes; the next `find` replaces them.
   */
  find(userKey: Uint8Array, snapshotSequence: number, keyHash: number): FindResult {
    assert(!this.#isClosed, "get on a closed table reader");
    const blockIndex = this.index.findUserKey(userKey, snapshotSequence);
    if (blockIndex === this.index.blockCount) return notFound;
    const lookup = this.#lookup;
    this.#where.blockOffset = this.index.blockOffset(blockIndex);
    let bytes = this.#residentBytes[blockIndex];
    let isFound: boolean;
    if (bytes !== undefined) {
      this.#recordResidentHit(blockIndex);
      isFound = lookup.findWithShape(bytes, this.#where, userKey, snapshotSequence, keyHash, this.#residentShapes, blockShapeSlots * blockIndex);
    } else {
      if (this.#filter !== undefined && !this.#filter.mayContainHash(keyHash)) return notFound;
      bytes = this.#loadDataBlock(blockIndex).bytes;
      isFound = lookup.find(bytes, this.#where, userKey, snapshotSequence, keyHash);
    }
    if (!isFound) return notFound;
    const kind = lookup.kind;
    if (kind !== ValueKind.Put && kind !== ValueKind.Delete) {
      throw new CorruptionError(this.path, this.#where.blockOffset, `data block: entry of unknown kind ${kind}`);
    }
    this.foundBytes = bytes;
    this.foundOffset = lookup.valueOffset;
    this.foundLength = lookup.valueLength;
    return kind === ValueKind.Put ? ValueKind.Put : ValueKind.Delete;
  }

  /** An iterator over every entry in internal-key order. Close it when done. */
  iterator(): InternalIterator {
    assert(!this.#isClosed, "iterator on a closed table reader");
    return new TableIterator(this);
  }

  /** Data block `blockIndex`, from the cache or read, checked and decoded, then cached. */
  dataBlock(blockIndex: number): Block {
    assert(!this.#isClosed, "read from a closed table reader");
    // Fast path: a direct reference to a block the cache holds (dropped when the cache evicts it).
    const resident = this.#resident[blockIndex];
    if (resident !== undefined) {
      this.#recordResidentHit(blockIndex);
      return resident;
    }
    return this.#loadDataBlock(blockIndex);
  }

  /**
   * Counts a hit served from a direct reference. Only a sample of them refreshes the block's place
   * in the LRU order: an lru-cache lookup costs a few cache misses, as much as the rest of an
   * in-memory point read.
   */
  #recordResidentHit(blockIndex: number): void {
    this.#cache.recordHit();
    this.#residentHits += 1;
    if ((this.#residentHits & residentTouchMask) === 0) this.#cache.touch(this.fileNumber, this.index.blockOffset(blockIndex));
  }

  #loadDataBlock(blockIndex: number): Block {
    const offset = this.index.blockOffset(blockIndex);
    const block = this.#cache.get(this.fileNumber, offset) ?? this.#readDataBlock(blockIndex, this.#context);
    const isKept = this.#cache.set(this.fileNumber, offset, block, this.#owner, blockIndex);
    if (isKept) {
      this.#resident[blockIndex] = block;
      this.#residentBytes[blockIndex] = block.bytes;
      const at = blockShapeSlots * blockIndex;
      this.#residentShapes[at] = block.restartsOffset;
      this.#residentShapes[at + 1] = block.restartCount;
      this.#residentShapes[at + 2] = block.hashBucketsOffset;
      this.#residentShapes[at + 3] = block.hashBucketCount;
    }
    return block;
  }

  /**
   * Reads every block from disk (bypassing the cache), checking checksums, structure, key order
   * and the properties. Never throws for damage: each problem is a line in `problems`.
   */
  verify(): TableVerification {
    assert(!this.#isClosed, "verify on a closed table reader");
    return verifyTable({
      path: this.path,
      footer: this.#footer,
      properties: this.properties,
      index: this.index,
      filter: this.#filter,
      readMetaBlock: (handle, what) => readBlockContents(this.#fd, { path: this.path, offset: handle.offset, what }, handle.size, this.#verifyingContext),
      readDataBlock: (blockIndex) => this.#readDataBlock(blockIndex, this.#verifyingContext),
    });
  }

  /** Closes the file. Blocks already cached stay valid; `evictFile` drops them when the table is deleted. */
  close(): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    this.#resident = [];
    this.#residentBytes = [];
    closeSync(this.#fd);
  }

  #readDataBlock(blockIndex: number, context: BlockReadContext): Block {
    const handle = { offset: this.index.blockOffset(blockIndex), size: this.index.blockSize(blockIndex) };
    return readBlock(this.#fd, this.path, handle, "data block", context);
  }

}

function openTableFile(path: string): number {
  try {
    return openSync(path, "r");
  } catch (error) {
    if (error instanceof Error && "code" in error && error.code === "ENOENT") {
      throw new CorruptionError(path, -1, "table file is missing", { cause: error });
    }
    throw new LsmIoError(`could not open table file "${path}"`, { cause: error });
  }
}

function readParts(fd: number, options: TableReaderOptions): OpenedParts {
  const { path } = options;
  const fileBytes = fstatSync(fd).size;
  if (fileBytes < footerBytes) throw new CorruptionError(path, 0, `file is ${fileBytes} bytes, shorter than a table footer (${footerBytes})`);
  const footerOffset = fileBytes - footerBytes;
  const footer = decodeFooter(readExactly(fd, path, footerOffset, footerBytes));
  if (typeof footer === "string") throw new CorruptionError(path, footerOffset, footer);
  checkSealing(footer, options);
  const layoutProblem = checkLayout(footer, footerOffset);
  if (layoutProblem !== undefined) throw new CorruptionError(path, footerOffset, `footer: ${layoutProblem}`);
  const context: BlockReadContext = { fileNumber: options.fileNumber, cipher: options.cipher, verifyChecksum: true };
  const propertiesLocation = { path, offset: footer.properties.offset, what: "properties block" };
  const properties = decodeProperties(readBlockContents(fd, propertiesLocation, footer.properties.size, context), propertiesLocation, fileBytes);
  if (properties.fileNumber !== options.fileNumber) {
    throw blockCorruption(propertiesLocation, `table says it is file ${properties.fileNumber}, expected ${options.fileNumber}`);
  }
  const dataEnd = footer.filter?.offset ?? footer.index.offset;
  const indexBlock = readBlock(fd, path, footer.index, "index block", context);
  const index = TableIndex.decode(indexBlock, dataEnd);
  checkIndexAgainstProperties(index, properties, indexBlock.location);
  let filter: BloomFilter | undefined;
  if (footer.filter !== undefined) {
    const location = { path, offset: footer.filter.offset, what: "filter block" };
    filter = BloomFilter.decode(readBlockContents(fd, location, footer.filter.size, context), location, bloomLayoutOf(footer.formatVersion));
  }
  return { footer, properties, index, filter };
}

function checkSealing(footer: Footer, options: TableReaderOptions): void {
  if (footer.isSealed && options.cipher === undefined) {
    throw new LsmStateError(`table "${options.path}" is encrypted and no cipher was configured`);
  }
  if (!footer.isSealed && options.cipher !== undefined) {
    throw new LsmStateError(`table "${options.path}" is not encrypted but a cipher was configured`);
  }
}

/** Meta blocks follow the data in order (filter, index, properties) and end at the footer. */
function checkLayout(footer: Footer, footerOffset: number): string | undefined {
  const end = (handle: BlockHandle): number => handle.offset + handle.size + blockTrailerBytes;
  if (end(footer.properties) !== footerOffset) return `properties block ends at ${end(footer.properties)}, not at the footer (${footerOffset})`;
  if (end(footer.index) !== footer.properties.offset) return "index block does not end where the properties block starts";
  if (footer.filter !== undefined && end(footer.filter) !== footer.index.offset) return "filter block does not end where the index block starts";
  if (footer.properties.size === 0 || footer.index.size === 0 || footer.filter?.size === 0) return "empty meta block";
  return undefined;
}

function checkIndexAgainstProperties(index: TableIndex, properties: TableProperties, location: BlockLocation): void {
  if (index.blockCount !== properties.dataBlockCount) {
    throw blockCorruption(location, `${index.blockCount} entries, properties say ${properties.dataBlockCount} data blocks`);
  }
  const last = index.lastKey(index.blockCount - 1);
  if (compareInternalKeys(last, properties.largestKey) !== 0) throw blockCorruption(location, "last entry differs from the largest key in the properties");
}

/** Reads a block and its trailer, checks and decodes it: the raw block bytes. */
function readBlockContents(fd: number, location: BlockLocation, size: number, context: BlockReadContext): Uint8Array {
  const stored = readExactly(fd, location.path, location.offset, size + blockTrailerBytes);
  return decodeStoredBlock(stored, location, context);
}

function readBlock(fd: number, path: string, handle: BlockHandle, what: string, context: BlockReadContext): Block {
  const location = { path, offset: handle.offset, what };
  return Block.decode(readBlockContents(fd, location, handle.size, context), location);
}

/** `length` bytes at `offset`; a file that ends first is corruption (it was truncated). */
function readExactly(fd: number, path: string, offset: number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let filled = 0;
  try {
    while (filled < length) {
      const n = readSync(fd, bytes, filled, length - filled, offset + filled);
      if (n === 0) break;
      filled += n;
    }
  } catch (error) {
    throw new LsmIoError(`could not read table file "${path}" at offset ${offset + filled}`, { cause: error });
  }
  if (filled < length) throw new CorruptionError(path, offset, `file ends ${length - filled} bytes short of a ${length}-byte read`);
  return bytes;
}
