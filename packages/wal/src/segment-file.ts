/**
 * Segment files: the log is a directory of files named by the LSN of their first record,
 * `00000000000000000001.wal`, each opening with a fixed 32-byte header:
 *
 *   0           8            16        20         28        32
 *   +-----------+------------+---------+----------+---------+
 *   | magic     | first lsn  | flags   | reserved | crc32   |
 *   | "OKVWAL\0"| u64 LE     | u32 LE  | 8 zero B | u32 LE  |
 *   |  + 0x01   |            |         |          | of 0..28|
 *   +-----------+------------+---------+----------+---------+
 *
 * The last magic byte is the format version (1). Flag bit 0 says payloads are sealed by a cipher.
 * The name and the header's first LSN must agree: a renamed or misplaced file is corruption.
 * Records follow the header back to back (see `record-format.ts`).
 */
import { closeSync, fsyncSync, openSync, readdirSync } from "node:fs";
import { open as openFile } from "node:fs/promises";
import { join } from "node:path";
import { assert } from "@omnikv/base";
import CRC32 from "crc-32";

export const segmentHeaderBytes = 32;
const magic = Uint8Array.from([0x4f, 0x4b, 0x56, 0x57, 0x41, 0x4c, 0x00, 0x01]); // "OKVWAL\0" v1
const flagSealed = 1;
const segmentNamePattern = /^(\d{20})\.wal$/;

export interface SegmentHeader {
  readonly firstLsn: bigint;
  readonly isSealed: boolean;
}

export function segmentFileName(firstLsn: bigint): string {
  assert(firstLsn >= 1n, "segments start at lsn 1 or later");
  return `${firstLsn.toString().padStart(20, "0")}.wal`;
}

export function encodeSegmentHeader(header: SegmentHeader): Uint8Array {
  const bytes = new Uint8Array(segmentHeaderBytes);
  const view = new DataView(bytes.buffer);
  bytes.set(magic, 0);
  view.setBigUint64(8, header.firstLsn, true);
  view.setUint32(16, header.isSealed ? flagSealed : 0, true);
  view.setUint32(28, CRC32.buf(bytes.subarray(0, 28)) >>> 0, true);
  return bytes;
}

/** Decodes a header, or returns a reason it is not one. */
export function decodeSegmentHeader(bytes: Uint8Array): SegmentHeader | string {
  if (bytes.length < segmentHeaderBytes) return `file is ${bytes.length} bytes, shorter than a segment header`;
  const view = new DataView(bytes.buffer, bytes.byteOffset, segmentHeaderBytes);
  if (view.getUint32(28, true) !== CRC32.buf(bytes.subarray(0, 28)) >>> 0) return "segment header checksum mismatch";
  for (let i = 0; i < magic.length; i++) {
    if (bytes[i] !== magic[i]) return "not a wal segment (bad magic or unsupported version)";
  }
  const flags = view.getUint32(16, true);
  if ((flags & ~flagSealed) !== 0) return `unknown segment flags ${flags}`;
  return { firstLsn: view.getBigUint64(8, true), isSealed: (flags & flagSealed) !== 0 };
}

export interface SegmentName {
  readonly firstLsn: bigint;
  readonly path: string;
}

/** The segments in `dir`, ordered by first LSN. Files that are not segments are ignored. */
export function listSegments(dir: string): SegmentName[] {
  const segments: SegmentName[] = [];
  for (const name of readdirSync(dir)) {
    const match = segmentNamePattern.exec(name);
    if (match?.[1] !== undefined) segments.push({ firstLsn: BigInt(match[1]), path: join(dir, name) });
  }
  return segments.sort((a, b) => (a.firstLsn < b.firstLsn ? -1 : a.firstLsn > b.firstLsn ? 1 : 0));
}

/**
 * fsyncs a directory so that file creations, renames and deletions in it are durable. Without it
 * a new segment can vanish after a power loss even though its own data was fsynced.
 */
export function fsyncDirectory(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** `fsyncDirectory` on the thread pool, for callers that must not block the event loop. */
export async function fsyncDirectoryAsync(dir: string): Promise<void> {
  const handle = await openFile(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
