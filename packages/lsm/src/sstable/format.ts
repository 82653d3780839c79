/**
 * The table file format: how blocks, their trailers and the footer sit in one immutable file.
 *
 *   offset 0
 *   +------------------------------+
 *   | data block 0        +trailer |  sorted entries, ~`blockBytes` each (see block-builder.ts)
 *   | data block 1        +trailer |
 *   | ...                          |
 *   | data block n-1      +trailer |
 *   +------------------------------+  <- data end = filter offset (or index offset: no filter)
 *   | filter block        +trailer |  bloom filter over the table's user keys (optional)
 *   | index block         +trailer |  one entry per data block: its last internal key -> handle
 *   | properties block    +trailer |  counts, smallest/largest keys and sequences (properties.ts)
 *   +------------------------------+  <- file size - footerBytes
 *   | footer (68 bytes)            |
 *   +------------------------------+
 *
 * Blocks are contiguous in exactly this order and the reader checks it: every byte of the file
 * belongs to one block, one trailer or the footer, and every byte is covered by a CRC.
 *
 * Each block is stored as its (compressed, then sealed) bytes followed by a 5-byte trailer:
 *
 *   +----------------------------+------+---------+
 *   | stored bytes (`size` B)    | type | crc32   |
 *   |                            | u8   | u32 LE  |
 *   +----------------------------+------+---------+
 *   \_______ covered by crc32 _________/
 *
 * `type` is the compression: 0 none, 1 lz4 (stored bytes = varint raw length + an lz4 block). A
 * block handle is (offset, size) as two varints, `size` excluding the trailer. Order on write:
 * compress, seal (cipher), checksum; on read: checksum, open, decompress (block-codec.ts).
 *
 * The footer is fixed-size, so a reader finds it from the file size alone:
 *
 *   0       4                                52       56        60             68
 *   +-------+----------------------------------+--------+---------+--------------+
 *   | crc32 | filter, index, properties handles | flags  | version | magic        |
 *   | u32LE | varints, zero padded to 48 bytes  | u32 LE | u32 LE  | "OKVTABLE"   |
 *   +-------+----------------------------------+--------+---------+--------------+
 *           \___________ covered by crc32 ____________________________________/
 *
 * An absent filter is the handle (0, 0): a real block is never empty. Flag bit 0 says the
 * blocks are sealed by a `BlockCipher`; the footer itself is never sealed.
 */
import { assert } from "@omnikv/base";
import CRC32 from "crc-32";
import { CorruptionError } from "../errors.ts";
import { readVarint, varintLength, writeVarint } from "../internal/bytes.ts";
import type { BloomLayout } from "./bloom-filter.ts";

/**
 * The version this code writes. 2: data blocks may carry a hash index (block-hash-index.ts),
 * flagged in each block's footer, and the filter is a cache-line blocked bloom filter. Version 1
 * tables (no hash indexes, classic bloom filter) are still read: a block without the flag is read
 * exactly as before, and the filter layout follows the version.
 */
export const tableFormatVersion = 2;
/** The oldest version this code reads. */
export const tableFormatVersionMin = 1;

/** The bloom filter layout of a table of `formatVersion` (bloom-filter.ts). */
export function bloomLayoutOf(formatVersion: number): BloomLayout {
  return formatVersion >= 2 ? "blocked" : "classic";
}
export const footerBytes = 68;
export const blockTrailerBytes = 5;
/** A varint of a value below 2^53 takes at most 8 bytes, so a handle at most 16. */
export const blockHandleBytesMax = 16;
/** The largest stored or decoded block: far above any real block, small enough to allocate. */
export const blockBytesLimit = 1 << 30;

const handlesBytes = 3 * blockHandleBytesMax;
const flagsOffset = 4 + handlesBytes;
const versionOffset = flagsOffset + 4;
const magicOffset = versionOffset + 4;
const tableMagic = Uint8Array.from([0x4f, 0x4b, 0x56, 0x54, 0x41, 0x42, 0x4c, 0x45]); // "OKVTABLE"
const flagSealed = 1;

/** Compression types, as stored in the trailer's type byte. */
export const CompressionType = { None: 0, Lz4: 1 } as const;
export type CompressionType = (typeof CompressionType)[keyof typeof CompressionType];

export interface BlockHandle {
  readonly offset: number;
  /** Stored bytes, excluding the trailer. */
  readonly size: number;
}

/** Where a block lives, for error messages: `what` is e.g. "data block" or "index block". */
export interface BlockLocation {
  readonly path: string;
  readonly offset: number;
  readonly what: string;
}

export function blockCorruption(location: BlockLocation, detail: string, cause?: unknown): CorruptionError {
  const message = `${location.what}: ${detail}`;
  return cause === undefined
    ? new CorruptionError(location.path, location.offset, message)
    : new CorruptionError(location.path, location.offset, message, { cause });
}

export function readUint32(bytes: Uint8Array, offset: number): number {
  return (
    ((bytes[offset] ?? 0) |
      ((bytes[offset + 1] ?? 0) << 8) |
      ((bytes[offset + 2] ?? 0) << 16) |
      ((bytes[offset + 3] ?? 0) << 24)) >>>
    0
  );
}

export function writeUint32(bytes: Uint8Array, offset: number, value: number): void {
  assert(value >= 0 && value <= 0xffff_ffff && Number.isInteger(value), "value fits a u32");
  bytes[offset] = value & 0xff;
  bytes[offset + 1] = (value >>> 8) & 0xff;
  bytes[offset + 2] = (value >>> 16) & 0xff;
  bytes[offset + 3] = (value >>> 24) & 0xff;
}

export function blockHandleLength(handle: BlockHandle): number {
  return varintLength(handle.offset) + varintLength(handle.size);
}

/** Writes `handle` at `offset`; returns the offset after it. */
export function encodeBlockHandle(target: Uint8Array, offset: number, handle: BlockHandle): number {
  assert(Number.isSafeInteger(handle.offset) && handle.offset >= 0, "handle offset is a non-negative integer");
  assert(Number.isSafeInteger(handle.size) && handle.size >= 0 && handle.size <= blockBytesLimit, "handle size within the block limit");
  return writeVarint(target, writeVarint(target, offset, handle.offset), handle.size);
}

/** Decodes a handle from bytes[offset, end), or `undefined` when the varints are malformed. */
export function decodeBlockHandle(bytes: Uint8Array, offset: number, end: number): { handle: BlockHandle; next: number } | undefined {
  const blockOffset = readVarint(bytes, offset, end);
  if (blockOffset === undefined) return undefined;
  const size = readVarint(bytes, blockOffset.next, end);
  if (size === undefined || size.value > blockBytesLimit) return undefined;
  return { handle: { offset: blockOffset.value, size: size.value }, next: size.next };
}

export interface Footer {
  /** `undefined` when the table has no filter. */
  readonly filter: BlockHandle | undefined;
  readonly index: BlockHandle;
  readonly properties: BlockHandle;
  readonly isSealed: boolean;
  readonly formatVersion: number;
}

export function encodeFooter(footer: Footer): Uint8Array {
  assert(footer.formatVersion >= tableFormatVersionMin && footer.formatVersion <= tableFormatVersion, "footers are written in a readable version");
  assert(footer.filter === undefined || footer.filter.size > 0, "a present filter is not empty");
  const bytes = new Uint8Array(footerBytes);
  let at = encodeBlockHandle(bytes, 4, footer.filter ?? { offset: 0, size: 0 });
  at = encodeBlockHandle(bytes, at, footer.index);
  at = encodeBlockHandle(bytes, at, footer.properties);
  assert(at <= flagsOffset, "handles fit their padded region");
  writeUint32(bytes, flagsOffset, footer.isSealed ? flagSealed : 0);
  writeUint32(bytes, versionOffset, footer.formatVersion);
  bytes.set(tableMagic, magicOffset);
  writeUint32(bytes, 0, CRC32.buf(bytes.subarray(4)) >>> 0);
  return bytes;
}

/** Decodes the last `footerBytes` of a file, or returns why they are not a footer. */
export function decodeFooter(bytes: Uint8Array): Footer | string {
  assert(bytes.length === footerBytes, "the whole footer is passed");
  for (let i = 0; i < tableMagic.length; i++) {
    if (bytes[magicOffset + i] !== tableMagic[i]) return "not a table file (bad magic)";
  }
  const formatVersion = readUint32(bytes, versionOffset);
  if (formatVersion < tableFormatVersionMin || formatVersion > tableFormatVersion) return `unsupported table format version ${formatVersion}`;
  const stored = readUint32(bytes, 0);
  const actual = CRC32.buf(bytes.subarray(4)) >>> 0;
  if (stored !== actual) return `footer checksum mismatch (stored ${hex(stored)}, computed ${hex(actual)})`;
  const flags = readUint32(bytes, flagsOffset);
  if ((flags & ~flagSealed) !== 0) return `unknown footer flags ${flags}`;
  const filter = decodeBlockHandle(bytes, 4, flagsOffset);
  const index = filter && decodeBlockHandle(bytes, filter.next, flagsOffset);
  const properties = index && decodeBlockHandle(bytes, index.next, flagsOffset);
  if (filter === undefined || index === undefined || properties === undefined) return "malformed block handles in the footer";
  const hasFilter = filter.handle.size > 0 || filter.handle.offset > 0;
  return {
    filter: hasFilter ? filter.handle : undefined,
    index: index.handle,
    properties: properties.handle,
    isSealed: (flags & flagSealed) !== 0,
    formatVersion,
  };
}

export function hex(value: number): string {
  return `0x${value.toString(16).padStart(8, "0")}`;
}
