/**
 * Opening an existing log: find the segments, check the last one record by record, and cut a torn
 * tail so new appends follow the last good record. Sealed (older) segments are checked lazily, when
 * `replay` reads them; only the last segment can legitimately end in damage.
 */
import { closeSync, fdatasyncSync, ftruncateSync, openSync, unlinkSync } from "node:fs";
import { assert } from "@omnikv/base";
import { CorruptionError, WalStateError } from "./errors.ts";
import { fsyncDirectory, listSegments, segmentHeaderBytes, type SegmentName } from "./segment-file.ts";
import { SegmentScan, corruptionAt } from "./segment-scan.ts";

export interface RecoveredLog {
  /** Every segment, oldest first. Empty for a new log. */
  readonly segments: readonly SegmentName[];
  /** Byte length of the last segment after any torn tail was cut. */
  readonly activeSizeBytes: number;
  readonly nextLsn: bigint;
  /** Bytes cut from the end of the last segment (0 after a clean shutdown). */
  readonly tornTailBytes: number;
}

export function recoverLog(dir: string, isCipherConfigured: boolean): RecoveredLog {
  const segments = listSegments(dir);
  let nextLsnIfEmpty = 1n;
  while (segments.length > 0) {
    const last = segments[segments.length - 1];
    assert(last !== undefined, "non-empty segment list has a last element");
    const scan = SegmentScan.open(last.path);
    if (!(scan instanceof SegmentScan)) {
      // A crash while a segment was being created leaves a file no longer than its header.
      if (scan.sizeBytes > segmentHeaderBytes) throw new CorruptionError(last.path, 0, scan.headerProblem);
      unlinkSync(last.path);
      fsyncDirectory(dir);
      segments.pop();
      nextLsnIfEmpty = last.firstLsn;
      continue;
    }
    try {
      return recoverLastSegment(scan, segments, last, isCipherConfigured);
    } finally {
      scan.close();
    }
  }
  return { segments, activeSizeBytes: 0, nextLsn: nextLsnIfEmpty, tornTailBytes: 0 };
}

function recoverLastSegment(
  scan: SegmentScan,
  segments: readonly SegmentName[],
  last: SegmentName,
  isCipherConfigured: boolean,
): RecoveredLog {
  checkSegmentHeader(scan, last, isCipherConfigured);
  const records = scan.records();
  let step = records.next();
  while (step.done !== true) step = records.next();
  const end = step.value;
  if (end.kind === "clean") {
    return { segments, activeSizeBytes: end.endOffset, nextLsn: end.nextLsn, tornTailBytes: 0 };
  }
  const later = scan.findRecordAfter(end.offset, end.nextLsn);
  if (later !== undefined) {
    throw corruptionAt(last.path, end, `a valid record (lsn ${later.lsn}) follows at offset ${later.offset}`);
  }
  cutTornTail(last.path, end.offset);
  return { segments, activeSizeBytes: end.offset, nextLsn: end.nextLsn, tornTailBytes: scan.sizeBytes - end.offset };
}

/** The header must name the same first LSN as the file name, and agree on encryption. */
export function checkSegmentHeader(scan: SegmentScan, name: SegmentName, isCipherConfigured: boolean): void {
  if (scan.header.firstLsn !== name.firstLsn) {
    throw new CorruptionError(name.path, 0, `header says first lsn ${scan.header.firstLsn}, file name says ${name.firstLsn}`);
  }
  if (scan.header.isSealed && !isCipherConfigured) {
    throw new WalStateError(`wal segment "${name.path}" is encrypted and no cipher was configured`);
  }
  if (!scan.header.isSealed && isCipherConfigured) {
    throw new WalStateError(`wal segment "${name.path}" is not encrypted but a cipher was configured`);
  }
}

function cutTornTail(path: string, sizeBytes: number): void {
  const fd = openSync(path, "r+");
  try {
    ftruncateSync(fd, sizeBytes);
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
