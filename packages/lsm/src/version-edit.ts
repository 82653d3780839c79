/**
 * Version edits: the records of the manifest. Each edit says which tables appeared in or left
 * which level, and moves the store's counters forward. Replaying every edit in order rebuilds the
 * current version; the first edit of a manifest is a full snapshot (all live files).
 *
 * Encoding: UTF-8 JSON with keys in base64. The manifest is small (one edit per flush or
 * compaction), so readability in a hex dump and easy evolution beat compactness; the wal framing
 * around each record gives the CRC. Decoding validates every field: a garbled manifest is a
 * `CorruptionError`, never a half-understood version.
 */
import { CorruptionError } from "./errors.ts";

export interface FileMetadata {
  readonly fileNumber: number;
  readonly fileBytes: number;
  readonly entryCount: number;
  /** Smallest and largest internal keys in the table. */
  readonly smallestKey: Uint8Array;
  readonly largestKey: Uint8Array;
  readonly smallestSequence: number;
  readonly largestSequence: number;
}

export interface LevelFile {
  readonly level: number;
  readonly file: FileMetadata;
}

export interface VersionEdit {
  /** Tables added, each to a level. */
  readonly addedFiles: readonly LevelFile[];
  /** Tables removed, by level and number. */
  readonly deletedFiles: readonly { readonly level: number; readonly fileNumber: number }[];
  /** The first wal LSN not covered by tables: replay starts here. */
  readonly logLsn?: bigint;
  /** Every write with a sequence at or below this is in a table. */
  readonly flushedSequence?: number;
  /** The next unused file number. */
  readonly nextFileNumber?: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

export function encodeVersionEdit(edit: VersionEdit): Uint8Array {
  const json = {
    added: edit.addedFiles.map(({ level, file }) => ({
      level,
      number: file.fileNumber,
      bytes: file.fileBytes,
      entries: file.entryCount,
      smallest: Buffer.from(file.smallestKey).toString("base64"),
      largest: Buffer.from(file.largestKey).toString("base64"),
      smallestSeq: file.smallestSequence,
      largestSeq: file.largestSequence,
    })),
    deleted: edit.deletedFiles.map(({ level, fileNumber }) => ({ level, number: fileNumber })),
    ...(edit.logLsn === undefined ? {} : { logLsn: edit.logLsn.toString() }),
    ...(edit.flushedSequence === undefined ? {} : { flushedSeq: edit.flushedSequence }),
    ...(edit.nextFileNumber === undefined ? {} : { nextFile: edit.nextFileNumber }),
  };
  return encoder.encode(JSON.stringify(json));
}

/** Decodes an edit; `where` names the manifest record for the error message. */
export function decodeVersionEdit(bytes: Uint8Array, where: { readonly path: string; readonly lsn: bigint }): VersionEdit {
  const fail = (detail: string): never => {
    throw new CorruptionError(where.path, -1, `manifest record ${where.lsn}: ${detail}`);
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(bytes));
  } catch (error) {
    return fail(`not a version edit (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!isRecord(parsed)) return fail("not an object");
  const added = arrayField(parsed, "added", fail).map((entry) => decodeAdded(entry, fail));
  const deleted = arrayField(parsed, "deleted", fail).map((entry) => {
    if (!isRecord(entry)) return fail("deleted entry is not an object");
    return { level: levelField(entry, fail), fileNumber: integerField(entry, "number", fail) };
  });
  const logLsnText = parsed["logLsn"];
  if (logLsnText !== undefined && (typeof logLsnText !== "string" || !/^\d+$/.test(logLsnText))) return fail("bad logLsn");
  return {
    addedFiles: added,
    deletedFiles: deleted,
    ...(typeof logLsnText === "string" ? { logLsn: BigInt(logLsnText) } : {}),
    ...(parsed["flushedSeq"] === undefined ? {} : { flushedSequence: integerField(parsed, "flushedSeq", fail) }),
    ...(parsed["nextFile"] === undefined ? {} : { nextFileNumber: integerField(parsed, "nextFile", fail) }),
  };
}

function decodeAdded(entry: unknown, fail: (detail: string) => never): LevelFile {
  if (!isRecord(entry)) return fail("added entry is not an object");
  return {
    level: levelField(entry, fail),
    file: {
      fileNumber: integerField(entry, "number", fail),
      fileBytes: integerField(entry, "bytes", fail),
      entryCount: integerField(entry, "entries", fail),
      smallestKey: base64Field(entry, "smallest", fail),
      largestKey: base64Field(entry, "largest", fail),
      smallestSequence: integerField(entry, "smallestSeq", fail),
      largestSequence: integerField(entry, "largestSeq", fail),
    },
  };
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function arrayField(record: Readonly<Record<string, unknown>>, key: string, fail: (detail: string) => never): readonly unknown[] {
  const value = record[key];
  return Array.isArray(value) ? value : fail(`${key} is not an array`);
}

function integerField(record: Readonly<Record<string, unknown>>, key: string, fail: (detail: string) => never): number {
  const value = record[key];
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0 ? value : fail(`${key} is not a non-negative integer`);
}

function levelField(record: Readonly<Record<string, unknown>>, fail: (detail: string) => never): number {
  const level = integerField(record, "level", fail);
  return level < levelCount ? level : fail(`level ${level} out of range`);
}

function base64Field(record: Readonly<Record<string, unknown>>, key: string, fail: (detail: string) => never): Uint8Array {
  const value = record[key];
  if (typeof value !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) return fail(`${key} is not base64`);
  const bytes = new Uint8Array(Buffer.from(value, "base64"));
  return bytes.length >= 8 ? bytes : fail(`${key} is shorter than an internal key`);
}

/** The number of levels: L0 (overlapping flush outputs) and L1..L6 (each sorted and disjoint). */
export const levelCount = 7;
