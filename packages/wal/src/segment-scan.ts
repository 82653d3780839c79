/**
 * Sequential reading of one segment file, and the rule that tells a torn tail from corruption.
 *
 * A scan walks records from the header to `endOffset`, checking each frame's CRC and that LSNs
 * are consecutive from the header's first LSN. It stops at the first bad frame and reports where.
 *
 * Torn tail or corruption? After a crash the end of the last segment may hold a partial record,
 * zeros or leftover garbage: the records there were never acknowledged (an acknowledged record was
 * fsynced, and so was everything before it). So damage *at the end* is a torn tail and is cut off.
 * But if any valid record with a later LSN exists *after* the damage, the damage sits in the middle
 * of data that was written in order, and a crash cannot explain it: that is corruption.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { assert } from "@omnikv/base";
import { CorruptionError } from "./errors.ts";
import { RecordType, decodeFrame, frameHeaderBytes, peekFrameLength, recordBytesLimit } from "./record-format.ts";
import { decodeSegmentHeader, segmentHeaderBytes, type SegmentHeader } from "./segment-file.ts";

const windowBytesDefault = 1024 * 1024;
const scanChunkBytes = 256 * 1024;

/** A read-only window over a file, refilled by positional reads; views stay valid until the next call. */
export class FileWindow {
  readonly #fd: number;
  readonly sizeBytes: number;
  #buffer: Uint8Array;
  #start = 0;
  #length = 0;

  constructor(fd: number, sizeBytes: number) {
    this.#fd = fd;
    this.sizeBytes = sizeBytes;
    this.#buffer = new Uint8Array(Math.min(windowBytesDefault, Math.max(sizeBytes, 1)));
  }

  /** Up to `length` bytes at `offset`; fewer only when the file ends first. */
  view(offset: number, length: number): Uint8Array {
    assert(offset >= 0 && length >= 0, "window request is non-negative");
    const available = Math.max(0, Math.min(length, this.sizeBytes - offset));
    if (offset >= this.#start && offset + available <= this.#start + this.#length) {
      return this.#buffer.subarray(offset - this.#start, offset - this.#start + available);
    }
    if (available > this.#buffer.length) this.#buffer = new Uint8Array(available);
    const want = Math.min(this.#buffer.length, this.sizeBytes - offset);
    let filled = 0;
    while (filled < want) {
      const n = readSync(this.#fd, this.#buffer, filled, want - filled, offset + filled);
      if (n === 0) break;
      filled += n;
    }
    this.#start = offset;
    this.#length = filled;
    return this.#buffer.subarray(0, Math.min(available, filled));
  }
}

export interface ScannedRecord {
  readonly lsn: bigint;
  /** A view into the scan window: copy it before the next record is read. */
  readonly payload: Uint8Array;
  readonly offset: number;
}

export type ScanEnd =
  | { readonly kind: "clean"; readonly endOffset: number; readonly nextLsn: bigint }
  | { readonly kind: "damaged"; readonly offset: number; readonly nextLsn: bigint; readonly detail: string };

/** An open segment file being scanned. Close it when done. */
export class SegmentScan {
  readonly path: string;
  readonly header: SegmentHeader;
  readonly #fd: number;
  readonly #window: FileWindow;

  private constructor(path: string, fd: number, header: SegmentHeader, window: FileWindow) {
    this.path = path;
    this.#fd = fd;
    this.header = header;
    this.#window = window;
  }

  /** Opens `path` and checks its header; a bad header is reported as a string, not thrown. */
  static open(path: string): SegmentScan | { readonly headerProblem: string; readonly sizeBytes: number } {
    const fd = openSync(path, "r");
    const window = new FileWindow(fd, fstatSync(fd).size);
    const header = decodeSegmentHeader(window.view(0, segmentHeaderBytes));
    if (typeof header === "string") {
      closeSync(fd);
      return { headerProblem: header, sizeBytes: window.sizeBytes };
    }
    return new SegmentScan(path, fd, header, window);
  }

  get sizeBytes(): number {
    return this.#window.sizeBytes;
  }

  /**
   * Yields the valid records in order up to `endOffset` (default: end of file), then returns how the
   * scan ended. LSNs must run consecutively from the header's first LSN.
   */
  *records(endOffset: number = this.sizeBytes): Generator<ScannedRecord, ScanEnd> {
    assert(endOffset <= this.sizeBytes, "scan ends within the file");
    let offset = segmentHeaderBytes;
    let nextLsn = this.header.firstLsn;
    while (offset < endOffset) {
      const length = peekFrameLength(this.#window.view(offset, frameHeaderBytes)) ?? 0;
      const probe = decodeFrame(this.#window.view(offset, Math.min(frameHeaderBytes + length, endOffset - offset)));
      if (probe.kind !== "record") return { kind: "damaged", offset, nextLsn, detail: probe.detail };
      if (probe.lsn !== nextLsn) {
        return { kind: "damaged", offset, nextLsn, detail: `record has lsn ${probe.lsn}, expected ${nextLsn}` };
      }
      yield { lsn: probe.lsn, payload: probe.payload, offset };
      offset += probe.frameBytes;
      nextLsn += 1n;
    }
    return { kind: "clean", endOffset: offset, nextLsn };
  }

  /**
   * Whether any valid record with an LSN of at least `minLsn` starts after `damageOffset`. Candidate
   * offsets are found with a native byte search for the record-type byte (so megabytes of zeros
   * are skipped at memchr speed); the length, LSN range and finally the CRC filter them.
   */
  findRecordAfter(damageOffset: number, minLsn: bigint): { offset: number; lsn: bigint } | undefined {
    const end = this.sizeBytes;
    // A record after the damage cannot have an LSN beyond one per header's worth of bytes.
    const maxLsn = minLsn + BigInt(Math.ceil((end - damageOffset) / frameHeaderBytes));
    const typeOffset = 8;
    let offset = damageOffset + 1;
    while (offset + frameHeaderBytes <= end) {
      const chunk = this.#window.view(offset + typeOffset, Math.min(scanChunkBytes, end - offset - typeOffset));
      const hit = chunk.indexOf(RecordType.Full);
      if (hit < 0) {
        offset += chunk.length;
        continue;
      }
      offset += hit;
      const found = this.#probeCandidate(offset, end, minLsn, maxLsn);
      if (found !== undefined) return { offset, lsn: found };
      offset += 1;
    }
    return undefined;
  }

  #probeCandidate(offset: number, end: number, minLsn: bigint, maxLsn: bigint): bigint | undefined {
    if (offset + frameHeaderBytes > end) return undefined;
    const head = this.#window.view(offset, frameHeaderBytes);
    const length = peekFrameLength(head);
    if (length === undefined || length > recordBytesLimit || offset + frameHeaderBytes + length > end) return undefined;
    const view = new DataView(head.buffer, head.byteOffset, frameHeaderBytes);
    const lsn = view.getBigUint64(9, true);
    if (lsn < minLsn || lsn > maxLsn) return undefined;
    const probe = decodeFrame(this.#window.view(offset, frameHeaderBytes + length));
    return probe.kind === "record" ? probe.lsn : undefined;
  }

  close(): void {
    closeSync(this.#fd);
  }
}

/** Throws the `CorruptionError` for a scan that ended in damage where damage is not allowed. */
export function corruptionAt(path: string, end: Extract<ScanEnd, { kind: "damaged" }>, why: string): CorruptionError {
  return new CorruptionError(path, end.offset, `${end.detail}; ${why}`);
}
