/**
 * The version set owns the manifest and the current `Version`.
 *
 * The manifest is a `@omnikv/wal` log of version edits (CRC-framed, torn tail cut at open) in a
 * directory `MANIFEST-<n>`; its first record is a snapshot of the whole version. `CURRENT` names
 * the live manifest and is replaced atomically: write a temp file, fdatasync it, rename it over
 * `CURRENT`, fsync the directory. So reopen sees either the old manifest or the new one, never a
 * half-installed version.
 *
 * Invariants:
 * - An edit is durable in the manifest before the version it produces is published.
 * - Edits are applied one at a time (`logAndApply` serializes them).
 * - A table file is deleted only when no live version (current or still referenced by a reader)
 *   lists it.
 * - A missing or garbled CURRENT or manifest is a `CorruptionError` at open, never an empty store.
 */
import { closeSync, existsSync, fdatasyncSync, openSync, readFileSync, readdirSync, renameSync, rmSync, unlinkSync, writeSync } from "node:fs";
import { basename, join } from "node:path";
import { assert } from "@omnikv/base";
import { Wal, fsyncDirectoryAsync, type WalCipher } from "@omnikv/wal";
import { CorruptionError } from "./errors.ts";
import { currentFileName, manifestDirName, parseManifestDirName, parseTableFileName, walDirName } from "./file-names.ts";
import { encodeVersionEdit, decodeVersionEdit, type LevelFile, type VersionEdit } from "./version-edit.ts";
import { Version } from "./version.ts";

export interface VersionSetOptions {
  /** A `WalCipher` for the manifest log, when the store is encrypted. */
  readonly walCipher?: WalCipher;
  /** Called with the numbers of tables no live version lists any more; the store deletes them. */
  readonly onObsoleteFiles: (fileNumbers: readonly number[]) => void;
  /**
   * After this many edits the manifest is rewritten as one snapshot in a new `MANIFEST-<n>`, so
   * it (and the replay at open) stays small however long the store lives.
   */
  readonly manifestEditsMax: number;
}

interface RecoveredCounters {
  logLsn: bigint;
  flushedSequence: number;
  nextFileNumber: number;
}

export class VersionSet {
  readonly dir: string;
  readonly #options: VersionSetOptions;
  #manifest: Wal;
  #current: Version;
  readonly #liveVersions = new Set<Version>();
  readonly #counters: RecoveredCounters;
  #editQueue: Promise<void> = Promise.resolve();
  /** Records in the live manifest: what `manifestEditsMax` bounds. */
  #manifestEdits: number;

  private constructor(dir: string, options: VersionSetOptions, manifest: Wal, version: Version, counters: RecoveredCounters) {
    this.dir = dir;
    this.#manifestEdits = Number(manifest.nextLsn - manifest.firstLsn);
    this.#options = options;
    this.#manifest = manifest;
    this.#counters = counters;
    this.#current = new Version(version.levels, this.#onUnreferenced);
    this.#adopt(this.#current);
  }

  /** Recovers the version set of `dir`, or creates a new one when the directory holds no store. */
  static async open(dir: string, options: VersionSetOptions): Promise<VersionSet> {
    removeTempFiles(dir);
    const currentPath = join(dir, currentFileName);
    if (!existsSync(currentPath)) return await VersionSet.#create(dir, options);
    const manifestName = readCurrent(currentPath);
    const manifestPath = join(dir, manifestName);
    if (!existsSync(manifestPath)) throw new CorruptionError(currentPath, -1, `names manifest "${manifestName}", which does not exist`);
    const manifest = await Wal.open(manifestPath, walOptions(options));
    try {
      const { version, counters } = replayManifest(manifest, manifestPath);
      const manifestNumber = parseManifestDirName(manifestName) ?? 0;
      counters.nextFileNumber = Math.max(counters.nextFileNumber, manifestNumber + 1, highestFileNumber(dir) + 1);
      removeOtherManifests(dir, manifestName);
      return new VersionSet(dir, options, manifest, version, counters);
    } catch (error) {
      await manifest.close();
      throw error;
    }
  }

  static async #create(dir: string, options: VersionSetOptions): Promise<VersionSet> {
    const names = readdirSync(dir);
    const leftovers = names.filter((name) => parseTableFileName(name) !== undefined || name === walDirName);
    if (leftovers.length > 0) {
      throw new CorruptionError(join(dir, currentFileName), -1, `is missing but the directory holds store files (${leftovers.slice(0, 3).join(", ")}); refusing to start an empty store over them`);
    }
    // Manifests without CURRENT, tables or a wal: a crash during the very first open. Start over.
    for (const name of names) if (parseManifestDirName(name) !== undefined) rmSync(join(dir, name), { recursive: true, force: true });
    const counters: RecoveredCounters = { logLsn: 1n, flushedSequence: 0, nextFileNumber: 2 };
    const version = Version.empty();
    const manifest = await writeNewManifest(dir, 1, version, counters, options);
    return new VersionSet(dir, options, manifest, version, counters);
  }

  get current(): Version {
    return this.#current;
  }

  /** The first wal LSN not yet covered by tables: where replay starts. */
  get logLsn(): bigint {
    return this.#counters.logLsn;
  }

  /** Every write at or below this sequence is in a table. */
  get flushedSequence(): number {
    return this.#counters.flushedSequence;
  }

  /** Reserves a new file number. It becomes durable with the next edit. */
  newFileNumber(): number {
    const fileNumber = this.#counters.nextFileNumber;
    this.#counters.nextFileNumber += 1;
    return fileNumber;
  }

  /** A version handed to a reader: it stays alive (its files stay on disk) until `unref`. */
  acquireCurrent(): Version {
    this.#current.ref();
    return this.#current;
  }

  /**
   * Makes `edit` durable in the manifest, then publishes the version it produces. Edits queue
   * behind each other; each applies to the version current when its turn comes.
   */
  logAndApply(edit: VersionEdit): Promise<Version> {
    const run = this.#editQueue.then(() => this.#logAndApplyNow(edit));
    this.#editQueue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  async #logAndApplyNow(edit: VersionEdit): Promise<Version> {
    const complete: VersionEdit = { ...edit, nextFileNumber: this.#counters.nextFileNumber };
    const next = this.#current.apply(complete, this.#onUnreferenced);
    await this.#manifest.append(encodeVersionEdit(complete));
    this.#manifestEdits += 1;
    if (complete.logLsn !== undefined) this.#counters.logLsn = complete.logLsn;
    if (complete.flushedSequence !== undefined) this.#counters.flushedSequence = complete.flushedSequence;
    const previous = this.#current;
    this.#current = next;
    this.#adopt(next);
    previous.unref();
    if (this.#manifestEdits >= this.#options.manifestEditsMax) await this.#rollManifest();
    return next;
  }

  /**
   * Starts a new manifest holding one snapshot of the current version, points CURRENT at it
   * (atomically), then deletes the old one. A crash before the switch leaves the old manifest in
   * charge (the new directory is removed at the next open); after it, the new one.
   */
  async #rollManifest(): Promise<void> {
    const oldPath = join(this.dir, manifestDirName(this.#manifestNumber()));
    const number = this.newFileNumber();
    const manifest = await writeNewManifest(this.dir, number, this.#current, this.#counters, this.#options);
    const old = this.#manifest;
    this.#manifest = manifest;
    this.#manifestEdits = 1;
    await old.close();
    rmSync(oldPath, { recursive: true, force: true });
  }

  #manifestNumber(): number {
    return parseManifestDirName(basename(this.#manifest.dir)) ?? 0;
  }

  /** Every live version holds one reference for being live; `current` holds it until replaced. */
  #adopt(version: Version): void {
    this.#liveVersions.add(version);
    version.ref();
  }

  /** Runs when a version's last reference goes: a replaced version retires and frees its files. */
  readonly #onUnreferenced = (version: Version): void => {
    if (version !== this.#current) this.#retire(version);
  };

  #retire(version: Version): void {
    if (!this.#liveVersions.delete(version)) return;
    const stillListed = new Set<number>();
    for (const live of this.#liveVersions) for (const n of live.fileNumbers()) stillListed.add(n);
    const obsolete = [...version.fileNumbers()].filter((n) => !stillListed.has(n));
    if (obsolete.length > 0) this.#options.onObsoleteFiles(obsolete);
  }

  /** Table files in the directory that no version lists: leftovers of a flush or compaction that crashed. */
  orphanTableNumbers(): number[] {
    const listed = this.#current.fileNumbers();
    return readdirSync(this.dir)
      .map(parseTableFileName)
      .filter((n): n is number => n !== undefined && !listed.has(n));
  }

  async close(): Promise<void> {
    await this.#editQueue;
    await this.#manifest.close();
  }
}

function walOptions(options: VersionSetOptions): { cipher?: WalCipher; segmentBytesTarget: number; preallocateBytes: number } {
  const base = { segmentBytesTarget: 4 * 1024 * 1024, preallocateBytes: 0 };
  return options.walCipher === undefined ? base : { ...base, cipher: options.walCipher };
}

function readCurrent(currentPath: string): string {
  const text = readFileSync(currentPath, "utf8");
  const match = /^(MANIFEST-\d{6,})\n$/.exec(text);
  if (match?.[1] === undefined) throw new CorruptionError(currentPath, 0, `does not name a manifest (${JSON.stringify(text.slice(0, 40))})`);
  return match[1];
}

function replayManifest(manifest: Wal, path: string): { version: Version; counters: RecoveredCounters } {
  let version: Version | undefined;
  const counters: RecoveredCounters = { logLsn: 1n, flushedSequence: 0, nextFileNumber: 2 };
  for (const record of manifest.replay()) {
    const edit = decodeVersionEdit(record.payload, { path, lsn: record.lsn });
    try {
      version = (version ?? Version.empty()).apply(edit);
    } catch (error) {
      throw new CorruptionError(path, -1, `manifest record ${record.lsn} does not apply: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    if (edit.logLsn !== undefined) counters.logLsn = edit.logLsn;
    if (edit.flushedSequence !== undefined) counters.flushedSequence = edit.flushedSequence;
    if (edit.nextFileNumber !== undefined) counters.nextFileNumber = Math.max(counters.nextFileNumber, edit.nextFileNumber);
  }
  if (version === undefined) throw new CorruptionError(path, -1, "manifest holds no version");
  return { version, counters };
}

/** A snapshot edit listing every file of `version`, with the counters. */
function snapshotEdit(version: Version, counters: RecoveredCounters): VersionEdit {
  const addedFiles: LevelFile[] = [];
  version.levels.forEach((files, level) => files.forEach((file) => addedFiles.push({ level, file })));
  return { addedFiles, deletedFiles: [], logLsn: counters.logLsn, flushedSequence: counters.flushedSequence, nextFileNumber: counters.nextFileNumber };
}

async function writeNewManifest(dir: string, manifestNumber: number, version: Version, counters: RecoveredCounters, options: VersionSetOptions): Promise<Wal> {
  assert(counters.nextFileNumber > manifestNumber, "the manifest's number is reserved");
  const name = manifestDirName(manifestNumber);
  const manifest = await Wal.open(join(dir, name), walOptions(options));
  await manifest.append(encodeVersionEdit(snapshotEdit(version, counters)));
  await installCurrent(dir, name);
  return manifest;
}

/** Points CURRENT at `manifestName` atomically: temp file, fdatasync, rename, directory fsync. */
async function installCurrent(dir: string, manifestName: string): Promise<void> {
  const tempPath = join(dir, `${currentFileName}.${process.pid}.tmp`);
  const fd = openSync(tempPath, "w");
  try {
    const bytes = new TextEncoder().encode(`${manifestName}\n`);
    writeSync(fd, bytes, 0, bytes.length, 0);
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tempPath, join(dir, currentFileName));
  await fsyncDirectoryAsync(dir);
}

/** Manifests other than the live one: an old one a crash kept from being deleted, or a new one never installed. */
function removeOtherManifests(dir: string, liveName: string): void {
  for (const name of readdirSync(dir)) {
    if (name !== liveName && parseManifestDirName(name) !== undefined) rmSync(join(dir, name), { recursive: true, force: true });
  }
}

function removeTempFiles(dir: string): void {
  for (const name of readdirSync(dir)) if (name.endsWith(".tmp")) unlinkSync(join(dir, name));
}

function highestFileNumber(dir: string): number {
  let highest = 0;
  for (const name of readdirSync(dir)) {
    const n = parseTableFileName(name) ?? parseManifestDirName(name);
    if (n !== undefined && n > highest) highest = n;
  }
  return highest;
}
