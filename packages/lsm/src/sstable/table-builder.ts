/**
 * `TableBuilder` writes one table file from internal keys added in strictly ascending order (the
 * layout is in format.ts).
 *
 * Life of a table: `new TableBuilder` creates the file exclusively (an existing file is never
 * overwritten); `add` appends entries to the current data block, and each block that reaches
 * `blockBytes` is encoded (lz4, cipher, CRC) and handed to a bounded write buffer at once, so
 * memory stays at about one block plus the buffer plus the index and filter hashes. `finish`
 * writes the filter, index and properties blocks and the footer, then fdatasyncs and closes the
 * file, and only then resolves. `abandon` closes and deletes a partial file.
 *
 * Invariants:
 * - Keys strictly ascend in internal-key order and are Put or Delete entries (asserted; the
 *   reader checks the same order on its side).
 * - A table holds at least one entry: an empty builder is abandoned, never finished.
 * - Durability of the directory entry is the caller's: it fsyncs the directory (together with the
 *   manifest edit naming the table) after `finish` resolves.
 */
import { close, closeSync, fdatasync, openSync, unlinkSync } from "node:fs";
import { assert } from "@omnikv/base";
import type { BlockCipher } from "../cipher.ts";
import { LsmArgumentError, LsmIoError } from "../errors.ts";
import { ValueKind, internalKeyKind, internalKeySequence, trailerBytes } from "../internal-key.ts";
import { compareRanges } from "../internal/bytes.ts";
import { BlockBuilder, restartIntervalMax } from "./block-builder.ts";
import { BlockEncoder, writeBlockTrailer } from "./block-codec.ts";
import { BloomFilterBuilder, bloomBitsPerKeyDefault, bloomBitsPerKeyMax, bloomHash } from "./bloom-filter.ts";
import { FileWriter } from "./file-writer.ts";
import { blockBytesLimit, blockHandleBytesMax, blockTrailerBytes, encodeBlockHandle, encodeFooter, tableFormatVersion, tableFormatVersionMin, bloomLayoutOf, type BlockHandle } from "./format.ts";
import { compareInternalKeyRanges } from "./key-range.ts";
import { encodeProperties, type StoredProperties, type TableProperties } from "./properties.ts";

export interface TableBuilderOptions {
  readonly path: string;
  readonly fileNumber: number;
  /** A data block is cut once its encoded entries reach this size. Default 4096. */
  readonly blockBytes?: number;
  /** Every this many entries a key is stored whole (a restart point). Default 16. */
  readonly restartInterval?: number;
  /** Default "lz4": a block is stored compressed when that saves at least an eighth. */
  readonly compression?: "lz4" | "none";
  /** Bloom filter bits per user key; 0 writes no filter. Default 10 (about 0.95% false positives, blocked filter). */
  readonly bloomBitsPerKey?: number;
  /** Encryption at rest for every block; the reader needs the same cipher. */
  readonly cipher?: BlockCipher;
  /** A hash index in each data block (block-hash-index.ts), so point lookups skip the binary search. Default true. */
  readonly hasHashIndex?: boolean;
  /**
   * The table format version to write (format.ts). Default the current one; version 1 (no hash
   * indexes, classic bloom filter) exists to test that old tables still read.
   */
  readonly formatVersion?: number;
}

export const blockBytesDefault = 4096;
export const restartIntervalDefault = 16;
/** The index block stores one key per data block and is decoded whole at open: no prefix restarts needed. */
const indexRestartInterval = 1;

type BuilderState = "building" | "finishing" | "finished" | "failed" | "abandoned";

export class TableBuilder {
  readonly path: string;
  readonly fileNumber: number;
  readonly #blockBytes: number;
  readonly #isSealed: boolean;
  readonly #hasHashIndex: boolean;
  readonly #formatVersion: number;
  #fd: number | undefined;
  #state: BuilderState = "building";
  readonly #writer: FileWriter;
  readonly #encoder: BlockEncoder;
  readonly #dataBlock: BlockBuilder;
  readonly #indexBlock = new BlockBuilder({ restartInterval: indexRestartInterval });
  readonly #filter: BloomFilterBuilder | undefined;
  readonly #trailer = new Uint8Array(blockTrailerBytes);
  readonly #handleScratch = new Uint8Array(blockHandleBytesMax);
  #lastKey = new Uint8Array(64);
  #lastKeyLength = 0;
  /** The `bloomHash` of the last key's user key, computed once per user key. */
  #lastUserKeyHash = 0;
  #smallestKey: Uint8Array | undefined;
  #entryCount = 0;
  #deleteCount = 0;
  #dataBlockCount = 0;
  #smallestSequence = Number.MAX_SAFE_INTEGER;
  #largestSequence = 0;

  constructor(options: TableBuilderOptions) {
    const resolved = resolveOptions(options);
    this.path = options.path;
    this.fileNumber = options.fileNumber;
    this.#blockBytes = resolved.blockBytes;
    this.#isSealed = options.cipher !== undefined;
    this.#hasHashIndex = resolved.hasHashIndex;
    this.#formatVersion = resolved.formatVersion;
    this.#dataBlock = new BlockBuilder({ restartInterval: resolved.restartInterval, hasHashIndex: resolved.hasHashIndex });
    this.#filter = resolved.bloomBitsPerKey > 0 ? new BloomFilterBuilder(resolved.bloomBitsPerKey) : undefined;
    this.#encoder = new BlockEncoder({ isCompressing: resolved.compression === "lz4", cipher: options.cipher, fileNumber: options.fileNumber });
    this.#fd = createExclusive(options.path);
    this.#writer = new FileWriter(this.#fd, options.path);
  }

  get entryCount(): number {
    return this.#entryCount;
  }

  /** The file size if the table were finished now, roughly: compaction cuts output files by it. */
  get fileBytesEstimate(): number {
    return this.#writer.offset + this.#dataBlock.sizeBytesEstimate + this.#indexBlock.sizeBytesEstimate;
  }

  /** Appends an entry; `internalKey` must sort after the previous one. Both are copied. */
  add(internalKey: Uint8Array, value: Uint8Array): void {
    assert(this.#state === "building", "add only while building");
    assert(internalKey.length >= trailerBytes, "a table key is an internal key");
    const kind = internalKeyKind(internalKey);
    assert(kind === ValueKind.Put || kind === ValueKind.Delete, "a table entry is a put or a delete");
    const isFirst = this.#entryCount === 0;
    if (!isFirst) {
      const order = compareInternalKeyRanges(this.#lastKey, 0, this.#lastKeyLength, internalKey, 0, internalKey.length);
      assert(order < 0, "table keys strictly ascend");
    }
    const isNewUserKey =
      isFirst || compareRanges(this.#lastKey, 0, this.#lastKeyLength - trailerBytes, internalKey, 0, internalKey.length - trailerBytes) !== 0;
    const needsHash = this.#filter !== undefined || this.#hasHashIndex;
    if (needsHash && isNewUserKey) {
      this.#lastUserKeyHash = bloomHash(internalKey, 0, internalKey.length - trailerBytes);
      this.#filter?.addHash(this.#lastUserKeyHash);
    }
    this.#noteEntry(internalKey, kind);
    this.#dataBlock.add(internalKey, value, this.#hasHashIndex ? this.#lastUserKeyHash : undefined);
    if (this.#dataBlock.sizeBytesEstimate >= this.#blockBytes) this.#guard(() => this.#flushDataBlock());
  }

  /**
   * Writes the rest of the table, fdatasyncs and closes the file. Resolves with its properties once
   * the file is durable. On failure the builder is failed; `abandon` it.
   */
  async finish(): Promise<TableProperties> {
    assert(this.#state === "building", "finish once, after building");
    assert(this.#entryCount > 0, "a table holds at least one entry; abandon an empty builder");
    this.#state = "finishing";
    const fd = this.#fd;
    assert(fd !== undefined, "a building table has an open file");
    try {
      this.#writeRest();
      await syncFile(fd, this.path);
      this.#fd = undefined;
      await closeFile(fd, this.path);
    } catch (error) {
      this.#state = "failed";
      throw error;
    }
    this.#state = "finished";
    return { ...this.#storedProperties(), fileBytes: this.#writer.offset };
  }

  /** Closes and deletes the partial file. Idempotent; not allowed once the table is finished. */
  abandon(): void {
    assert(this.#state !== "finished", "a finished table is deleted by whoever owns it, not abandoned");
    assert(this.#state !== "finishing", "abandon waits for finish to settle");
    if (this.#state === "abandoned") return;
    this.#state = "abandoned";
    const fd = this.#fd;
    this.#fd = undefined;
    try {
      if (fd !== undefined) closeSync(fd);
      unlinkSync(this.path);
    } catch (error) {
      if (!isNotFound(error)) throw new LsmIoError(`could not delete abandoned table "${this.path}"`, { cause: error });
    }
  }

  #noteEntry(internalKey: Uint8Array, kind: number): void {
    if (internalKey.length > this.#lastKey.length) this.#lastKey = new Uint8Array(Math.max(internalKey.length, 2 * this.#lastKey.length));
    this.#lastKey.set(internalKey);
    this.#lastKeyLength = internalKey.length;
    this.#smallestKey ??= internalKey.slice();
    const sequence = internalKeySequence(internalKey);
    if (sequence < this.#smallestSequence) this.#smallestSequence = sequence;
    if (sequence > this.#largestSequence) this.#largestSequence = sequence;
    if (kind === ValueKind.Delete) this.#deleteCount += 1;
    this.#entryCount += 1;
  }

  #flushDataBlock(): void {
    assert(!this.#dataBlock.isEmpty, "only non-empty data blocks are written");
    const handle = this.#writeBlock(this.#dataBlock.finish(), true);
    const handleEnd = encodeBlockHandle(this.#handleScratch, 0, handle);
    this.#indexBlock.add(this.#dataBlock.lastKey, this.#handleScratch.subarray(0, handleEnd));
    this.#dataBlock.reset();
    this.#dataBlockCount += 1;
  }

  #writeBlock(raw: Uint8Array, isCompressible: boolean): BlockHandle {
    const offset = this.#writer.offset;
    const { payload, type } = this.#encoder.encode(raw, offset, isCompressible);
    writeBlockTrailer(this.#trailer, payload, type);
    this.#writer.append(payload);
    this.#writer.append(this.#trailer);
    assert(this.#writer.offset === offset + payload.length + blockTrailerBytes, "block and trailer were appended whole");
    return { offset, size: payload.length };
  }

  #writeRest(): void {
    if (!this.#dataBlock.isEmpty) this.#flushDataBlock();
    const filter = this.#filter === undefined ? undefined : this.#writeBlock(this.#filter.finish(bloomLayoutOf(this.#formatVersion)), false);
    const index = this.#writeBlock(this.#indexBlock.finish(), true);
    const properties = this.#writeBlock(encodeProperties(this.#storedProperties()), false);
    this.#writer.append(encodeFooter({ filter, index, properties, isSealed: this.#isSealed, formatVersion: this.#formatVersion }));
    this.#writer.flush();
  }

  #storedProperties(): StoredProperties {
    assert(this.#smallestKey !== undefined, "a table with entries has a smallest key");
    return {
      fileNumber: this.fileNumber,
      entryCount: this.#entryCount,
      deleteCount: this.#deleteCount,
      dataBlockCount: this.#dataBlockCount,
      smallestKey: this.#smallestKey.slice(),
      largestKey: this.#lastKey.slice(0, this.#lastKeyLength),
      smallestSequence: this.#smallestSequence,
      largestSequence: this.#largestSequence,
    };
  }

  /** Runs a step that writes; a failure fails the builder, which must then be abandoned. */
  #guard(step: () => void): void {
    try {
      step();
    } catch (error) {
      this.#state = "failed";
      throw error;
    }
  }
}

interface ResolvedOptions {
  readonly blockBytes: number;
  readonly restartInterval: number;
  readonly compression: "lz4" | "none";
  readonly bloomBitsPerKey: number;
  readonly hasHashIndex: boolean;
  readonly formatVersion: number;
}

function resolveOptions(options: TableBuilderOptions): ResolvedOptions {
  const resolved: ResolvedOptions = {
    blockBytes: options.blockBytes ?? blockBytesDefault,
    restartInterval: options.restartInterval ?? restartIntervalDefault,
    compression: options.compression ?? "lz4",
    bloomBitsPerKey: options.bloomBitsPerKey ?? bloomBitsPerKeyDefault,
    formatVersion: options.formatVersion ?? tableFormatVersion,
    hasHashIndex: options.hasHashIndex ?? (options.formatVersion ?? tableFormatVersion) >= 2,
  };
  checkInteger("fileNumber", options.fileNumber, 0, Number.MAX_SAFE_INTEGER);
  checkInteger("blockBytes", resolved.blockBytes, 1, blockBytesLimit / 2);
  checkInteger("restartInterval", resolved.restartInterval, 1, restartIntervalMax);
  checkInteger("bloomBitsPerKey", resolved.bloomBitsPerKey, 0, bloomBitsPerKeyMax);
  checkInteger("formatVersion", resolved.formatVersion, tableFormatVersionMin, tableFormatVersion);
  if (resolved.hasHashIndex && resolved.formatVersion < 2) throw new LsmArgumentError("table format version 1 has no hash indexes");
  if (resolved.compression !== "lz4" && resolved.compression !== "none") {
    throw new LsmArgumentError(`unknown compression "${String(resolved.compression)}"`);
  }
  return resolved;
}

function checkInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new LsmArgumentError(`table option "${name}" must be an integer in [${min}, ${max}], got ${value}`);
  }
}

function createExclusive(path: string): number {
  try {
    return openSync(path, "wx");
  } catch (error) {
    throw new LsmIoError(`could not create table file "${path}"`, { cause: error });
  }
}

function syncFile(fd: number, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    fdatasync(fd, (error) => {
      if (error === null) resolve();
      else reject(new LsmIoError(`could not sync table file "${path}"`, { cause: error }));
    });
  });
}

function closeFile(fd: number, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    close(fd, (error) => {
      if (error === null) resolve();
      else reject(new LsmIoError(`could not close table file "${path}"`, { cause: error }));
    });
  });
}

function isNotFound(error: unknown): boolean {
  return error instanceof Error && "code" in error && error.code === "ENOENT";
}
