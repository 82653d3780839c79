/**
 * What lives in a store directory:
 *
 *   <dir>/
 *     CURRENT             names the live manifest ("MANIFEST-000004\n"); replaced atomically
 *     MANIFEST-000004/    the manifest: a @omnikv/wal log of version edits
 *     wal/                the write-ahead log of the memtables (@omnikv/wal)
 *     000007.sst ...      tables, named by file number
 *     *.tmp               a CURRENT being replaced; removed at open
 *
 * File numbers come from one counter (tables and manifests), persisted in the manifest.
 */
import { join } from "node:path";
import { assert } from "@omnikv/base";

export const currentFileName = "CURRENT";
export const walDirName = "wal";

export function tableFileName(fileNumber: number): string {
  assert(Number.isSafeInteger(fileNumber) && fileNumber > 0, "file numbers are positive integers");
  return `${String(fileNumber).padStart(6, "0")}.sst`;
}

export function manifestDirName(fileNumber: number): string {
  assert(Number.isSafeInteger(fileNumber) && fileNumber > 0, "file numbers are positive integers");
  return `MANIFEST-${String(fileNumber).padStart(6, "0")}`;
}

export function tablePath(dir: string, fileNumber: number): string {
  return join(dir, tableFileName(fileNumber));
}

/** The file number of a table file name, or undefined for any other name. */
export function parseTableFileName(name: string): number | undefined {
  const match = /^(\d{6,})\.sst$/.exec(name);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** The file number of a manifest directory name, or undefined for any other name. */
export function parseManifestDirName(name: string): number | undefined {
  const match = /^MANIFEST-(\d{6,})$/.exec(name);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}
