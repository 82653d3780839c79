/**
 * Record framing: how one log record sits in a segment file.
 *
 *   0        4          8      9                17                    17+length
 *   +--------+----------+------+-----------------+---------------------+
 *   | crc32  | length   | type | lsn             | payload             |
 *   | u32 LE | u32 LE   | u8   | u64 LE          | `length` bytes      |
 *   +--------+----------+------+-----------------+---------------------+
 *            \_______________ covered by crc32 _______________________/
 *
 * The CRC (IEEE 802.3, the `crc-32` package) covers everything after itself: length, type, LSN and
 * payload. Covering the LSN means a stale record from an older incarnation of the file can never
 * pass for the record expected at that position; covering the length means a flipped length bit
 * is caught before it is trusted. A zeroed region fails the check because type 0 is never written
 * (and the CRC of zeros is not zero).
 *
 * Why no 32 KiB blocks as in LevelDB/Pebble: blocks let a reader resynchronise and skip damage.
 * This log never skips damage — it stops at the first bad record and decides whether the damage
 * is a torn tail or corruption (see `segment-scan.ts`) — so blocks would only cost padding.
 */
import { assert } from "@omnikv/base";
import CRC32 from "crc-32";

export const frameHeaderBytes = 17;

/** Record types. Zero is deliberately unused so that zeroed bytes never decode as a record. */
export const RecordType = { Full: 1 } as const;
export type RecordType = (typeof RecordType)[keyof typeof RecordType];

/** The hard ceiling on one record's stored payload (after the cipher, if any): 256 MiB. */
export const recordBytesLimit = 256 * 1024 * 1024;

/**
 * Writes one frame at `offset` in `target`; returns the number of bytes written. `view` is a
 * DataView over the whole of `target`, passed in so the hot path does not allocate one per record.
 */
export function encodeFrame(target: Uint8Array, view: DataView, offset: number, lsn: bigint, payload: Uint8Array): number {
  const frameBytes = frameHeaderBytes + payload.length;
  assert(offset + frameBytes <= target.length, "frame fits in the target buffer");
  assert(view.buffer === target.buffer && view.byteOffset === target.byteOffset, "view covers the target");
  view.setUint32(offset + 4, payload.length, true);
  view.setUint8(offset + 8, RecordType.Full);
  view.setBigUint64(offset + 9, lsn, true);
  target.set(payload, offset + frameHeaderBytes);
  const crc = CRC32.buf(target.subarray(offset + 4, offset + frameBytes));
  view.setUint32(offset, crc >>> 0, true);
  return frameBytes;
}

/** The result of looking for a frame at some offset. */
export type FrameProbe =
  | { readonly kind: "record"; readonly lsn: bigint; readonly payload: Uint8Array; readonly frameBytes: number }
  /** Fewer bytes remain than the header or the declared length needs. */
  | { readonly kind: "truncated"; readonly detail: string }
  /** The bytes are there but are not a valid frame. */
  | { readonly kind: "invalid"; readonly detail: string };

/**
 * Decodes the frame starting at `bytes[0]`. `bytes` holds at least everything up to the end of the
 * file (or `frameHeaderBytes + length` bytes if the file is longer). The payload is a view into
 * `bytes`, not a copy.
 */
export function decodeFrame(bytes: Uint8Array): FrameProbe {
  if (bytes.length < frameHeaderBytes) {
    return { kind: "truncated", detail: `${bytes.length} bytes left, a record header needs ${frameHeaderBytes}` };
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, frameHeaderBytes);
  const length = view.getUint32(4, true);
  const type = view.getUint8(8);
  if (type !== RecordType.Full) return { kind: "invalid", detail: `unknown record type ${type}` };
  if (length > recordBytesLimit) return { kind: "invalid", detail: `record length ${length} exceeds the limit` };
  const frameBytes = frameHeaderBytes + length;
  if (bytes.length < frameBytes) {
    return { kind: "truncated", detail: `record needs ${frameBytes} bytes, ${bytes.length} left` };
  }
  const stored = view.getUint32(0, true);
  const actual = CRC32.buf(bytes.subarray(4, frameBytes)) >>> 0;
  if (stored !== actual) return { kind: "invalid", detail: `checksum mismatch (stored ${hex(stored)}, computed ${hex(actual)})` };
  const lsn = view.getBigUint64(9, true);
  return { kind: "record", lsn, payload: bytes.subarray(frameHeaderBytes, frameBytes), frameBytes };
}

/** Reads just the declared payload length of a frame header, for cheap candidate filtering. */
export function peekFrameLength(bytes: Uint8Array): number | undefined {
  if (bytes.length < frameHeaderBytes) return undefined;
  if (bytes[8] !== RecordType.Full) return undefined;
  return new DataView(bytes.buffer, bytes.byteOffset, 8).getUint32(4, true);
}

function hex(value: number): string {
  return `0x${value.toString(16).padStart(8, "0")}`;
}
