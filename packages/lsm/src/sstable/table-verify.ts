/**
 * Verification of a whole table, as `verify()` in the store runs it on every file: read every
 * block from disk (never from the cache, which holds what was read earlier), check its checksum,
 * cipher and structure, and check the entries against each other, the index, the filter and the
 * properties:
 *
 * - keys strictly ascend across the whole table, and block i ends with the index's last key i;
 * - every user key is in the bloom filter (a false negative would make `get` miss data);
 * - entry count, delete count, smallest/largest key and sequence range equal the properties.
 *
 * Damage is reported, not thrown: each problem is one line naming the block and its offset, and
 * checking goes on with the next block, so one report shows all the damage. Order is checked
 * across a damaged block's gap from the last good key.
 */
import { CorruptionError } from "../errors.ts";
import { ValueKind, compareInternalKeys, trailerBytes } from "../internal-key.ts";
import { Block, BlockIterator } from "./block.ts";
import { BloomFilter, bloomHash } from "./bloom-filter.ts";
import { bloomLayoutOf, type BlockHandle, type Footer } from "./format.ts";
import { kindAt, sequenceAt } from "./key-range.ts";
import { decodeProperties, type TableProperties } from "./properties.ts";
import type { TableIndex } from "./table-index.ts";

export interface TableVerification {
  /** Blocks read and checked, damaged ones included: data, filter, index and properties. */
  readonly blocksChecked: number;
  /** One line per problem found; empty when the table is sound. */
  readonly problems: readonly string[];
}

export interface VerifySource {
  readonly path: string;
  readonly footer: Footer;
  readonly properties: TableProperties;
  readonly index: TableIndex;
  readonly filter: BloomFilter | undefined;
  /** The raw contents of a meta block, checksum verified. */
  readMetaBlock(handle: BlockHandle, what: string): Uint8Array;
  /** Data block `blockIndex` read from disk, checksum verified, decoded. */
  readDataBlock(blockIndex: number): Block;
}

/** Totals over the data blocks that could be read. */
interface Tally {
  entryCount: number;
  deleteCount: number;
  smallestSequence: number;
  largestSequence: number;
  first: Uint8Array | undefined;
  previous: Uint8Array | undefined;
  isComplete: boolean;
}

export function verifyTable(source: VerifySource): TableVerification {
  const problems: string[] = [];
  let blocksChecked = 0;
  const attempt = (check: () => void): boolean => {
    blocksChecked += 1;
    try {
      check();
      return true;
    } catch (error) {
      if (!(error instanceof CorruptionError)) throw error;
      problems.push(error.message);
      return false;
    }
  };
  const tally: Tally = {
    entryCount: 0,
    deleteCount: 0,
    smallestSequence: Number.MAX_SAFE_INTEGER,
    largestSequence: 0,
    first: undefined,
    previous: undefined,
    isComplete: true,
  };
  for (let i = 0; i < source.index.blockCount; i++) {
    if (!attempt(() => checkDataBlock(source, i, tally, problems))) tally.isComplete = false;
  }
  checkMetaBlocks(source, attempt);
  if (tally.isComplete) problems.push(...checkTotals(source, tally));
  return { blocksChecked, problems };
}

function checkDataBlock(source: VerifySource, blockIndex: number, tally: Tally, problems: string[]): void {
  const block = source.readDataBlock(blockIndex);
  const where = `data block ${blockIndex} at offset ${source.index.blockOffset(blockIndex)}`;
  const iterator = new BlockIterator(block);
  for (iterator.seekToFirst(); iterator.isValid; iterator.next()) {
    const key = iterator.key();
    if (tally.previous !== undefined && compareInternalKeys(tally.previous, key) >= 0) problems.push(`${where}: key out of order`);
    const userKeyEnd = key.length - trailerBytes;
    if (source.filter !== undefined && !source.filter.mayContainHash(bloomHash(key, 0, userKeyEnd))) {
      problems.push(`${where}: bloom filter misses a key the block holds`);
    }
    tally.previous = key.slice();
    tally.first ??= tally.previous;
    const sequence = sequenceAt(key, key.length);
    if (sequence < tally.smallestSequence) tally.smallestSequence = sequence;
    if (sequence > tally.largestSequence) tally.largestSequence = sequence;
    if (kindAt(key, key.length) === ValueKind.Delete) tally.deleteCount += 1;
    tally.entryCount += 1;
  }
  const last = tally.previous;
  if (last === undefined || compareInternalKeys(last, source.index.lastKey(blockIndex)) !== 0) {
    problems.push(`${where}: last key differs from its index entry`);
  }
}

function checkMetaBlocks(source: VerifySource, attempt: (check: () => void) => boolean): void {
  const { footer, path } = source;
  const filter = footer.filter;
  if (filter !== undefined) {
    attempt(() => {
      const location = { path, offset: filter.offset, what: "filter block" };
      BloomFilter.decode(source.readMetaBlock(filter, "filter block"), location, bloomLayoutOf(footer.formatVersion));
    });
  }
  attempt(() => {
    const bytes = source.readMetaBlock(footer.index, "index block");
    Block.decode(bytes, { path, offset: footer.index.offset, what: "index block" });
  });
  attempt(() => {
    const bytes = source.readMetaBlock(footer.properties, "properties block");
    decodeProperties(bytes, { path, offset: footer.properties.offset, what: "properties block" }, source.properties.fileBytes);
  });
}

function checkTotals(source: VerifySource, tally: Tally): string[] {
  const p = source.properties;
  const problems: string[] = [];
  const differs = (what: string, found: number, stated: number): void => {
    if (found !== stated) problems.push(`properties: ${what} is ${stated}, the data blocks hold ${found}`);
  };
  differs("entry count", tally.entryCount, p.entryCount);
  differs("delete count", tally.deleteCount, p.deleteCount);
  differs("smallest sequence", tally.smallestSequence, p.smallestSequence);
  differs("largest sequence", tally.largestSequence, p.largestSequence);
  if (tally.first === undefined || compareInternalKeys(tally.first, p.smallestKey) !== 0) problems.push("properties: smallest key differs from the first key");
  if (tally.previous === undefined || compareInternalKeys(tally.previous, p.largestKey) !== 0) problems.push("properties: largest key differs from the last key");
  return problems;
}
