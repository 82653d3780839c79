/**
 * Table properties: what a table holds, written once in the properties block so that the version
 * set, compaction and `stats()` learn a table's key range and counts without reading its data.
 *
 *   +-------------+-------------+--------------+-----------------+
 *   | file number | entry count | delete count | data block count |   varints
 *   +-------------+-------------+--------------+-----------------+
 *   | smallest sequence | largest sequence |                          varints
 *   +-------------------+------------------+-----------------------+
 *   | smallest key length | smallest key | largest key length | largest key |
 *   +---------------------+--------------+--------------------+-------------+
 *
 * The file number is recorded so a table copied or renamed to another number is caught at open.
 * The keys are internal keys. Decoding consumes the block exactly and checks the values agree
 * with each other (smallest <= largest, deletes <= entries, one block at least).
 */
import { assert } from "@omnikv/base";
import { compareInternalKeys, trailerBytes } from "../internal-key.ts";
import { readVarint, varintLength, writeVarint } from "../internal/bytes.ts";
import { blockCorruption, type BlockLocation } from "./format.ts";

export interface TableProperties {
  readonly fileNumber: number;
  /** The size of the whole file. */
  readonly fileBytes: number;
  readonly entryCount: number;
  /** Entries that are deletions (tombstones). */
  readonly deleteCount: number;
  readonly dataBlockCount: number;
  /** The first internal key in the table (a copy). */
  readonly smallestKey: Uint8Array;
  /** The last internal key in the table (a copy). */
  readonly largestKey: Uint8Array;
  readonly smallestSequence: number;
  readonly largestSequence: number;
}

/** The fields stored in the block: everything but the file size, which the file itself gives. */
export type StoredProperties = Omit<TableProperties, "fileBytes">;

export function encodeProperties(properties: StoredProperties): Uint8Array {
  const counts = [
    properties.fileNumber,
    properties.entryCount,
    properties.deleteCount,
    properties.dataBlockCount,
    properties.smallestSequence,
    properties.largestSequence,
  ];
  const { smallestKey, largestKey } = properties;
  assert(smallestKey.length >= trailerBytes && largestKey.length >= trailerBytes, "property keys are internal keys");
  let length = 0;
  for (const count of counts) length += varintLength(count);
  length += varintLength(smallestKey.length) + smallestKey.length + varintLength(largestKey.length) + largestKey.length;
  const bytes = new Uint8Array(length);
  let at = 0;
  for (const count of counts) at = writeVarint(bytes, at, count);
  at = writeVarint(bytes, at, smallestKey.length);
  bytes.set(smallestKey, at);
  at = writeVarint(bytes, at + smallestKey.length, largestKey.length);
  bytes.set(largestKey, at);
  assert(at + largestKey.length === length, "properties fill the block exactly");
  return bytes;
}

export function decodeProperties(bytes: Uint8Array, location: BlockLocation, fileBytes: number): TableProperties {
  const reader = { at: 0 };
  const next = (what: string): number => {
    const decoded = readVarint(bytes, reader.at, bytes.length);
    if (decoded === undefined) throw blockCorruption(location, `malformed ${what}`);
    reader.at = decoded.next;
    return decoded.value;
  };
  const key = (what: string): Uint8Array => {
    const length = next(`${what} length`);
    if (length < trailerBytes || reader.at + length > bytes.length) throw blockCorruption(location, `${what} of ${length} bytes does not fit`);
    reader.at += length;
    return bytes.slice(reader.at - length, reader.at);
  };
  const properties: TableProperties = {
    fileNumber: next("file number"),
    fileBytes,
    entryCount: next("entry count"),
    deleteCount: next("delete count"),
    dataBlockCount: next("data block count"),
    smallestSequence: next("smallest sequence"),
    largestSequence: next("largest sequence"),
    smallestKey: key("smallest key"),
    largestKey: key("largest key"),
  };
  if (reader.at !== bytes.length) throw blockCorruption(location, `${bytes.length - reader.at} unexpected bytes after the properties`);
  const problem = inconsistency(properties);
  if (problem !== undefined) throw blockCorruption(location, problem);
  return properties;
}

function inconsistency(p: TableProperties): string | undefined {
  if (p.dataBlockCount < 1 || p.entryCount < p.dataBlockCount) return `${p.entryCount} entries in ${p.dataBlockCount} data blocks`;
  if (p.deleteCount > p.entryCount) return `${p.deleteCount} deletes among ${p.entryCount} entries`;
  if (p.smallestSequence > p.largestSequence) return `smallest sequence ${p.smallestSequence} > largest ${p.largestSequence}`;
  const order = compareInternalKeys(p.smallestKey, p.largestKey);
  if (order > 0 || (order === 0 && p.entryCount > 1)) return "smallest key sorts after largest key";
  return undefined;
}
