/**
 * A `Version` is one immutable picture of which tables hold the data: L0 (flush outputs, which may
 * overlap, newest first) and L1..L6 (each sorted by key and disjoint). Flushes and compactions
 * never change a version; they build the next one from an edit and publish it atomically, while
 * readers keep the version they started with (`ref`/`unref`). A table file is deleted only when no
 * live version lists it.
 */
import { assert, assertDefined, invariants } from "@omnikv/base";
import { compareBytes, compareRanges } from "./internal/bytes.ts";
import { compareInternalKeys, internalKeyUserKey, trailerBytes } from "./internal-key.ts";
import { levelCount, type FileMetadata, type VersionEdit } from "./version-edit.ts";

export class Version {
  /** `levels[0]` newest first; `levels[n > 0]` ordered by smallest key, disjoint. */
  readonly levels: readonly (readonly FileMetadata[])[];
  #refCount = 0;
  readonly #onUnreferenced: ((version: Version) => void) | undefined;

  constructor(levels: readonly (readonly FileMetadata[])[], onUnreferenced?: (version: Version) => void) {
    assert(levels.length === levelCount, "a version has every level");
    this.levels = levels;
    this.#onUnreferenced = onUnreferenced;
    if (invariants.enabled) checkLevelInvariants(levels);
  }

  static empty(): Version {
    return new Version(Array.from({ length: levelCount }, () => []));
  }

  ref(): void {
    this.#refCount += 1;
  }

  unref(): void {
    assert(this.#refCount > 0, "unref of an unreferenced version");
    this.#refCount -= 1;
    if (this.#refCount === 0) this.#onUnreferenced?.(this);
  }

  get isReferenced(): boolean {
    return this.#refCount > 0;
  }

  /** Every file number this version lists. */
  fileNumbers(): Set<number> {
    const numbers = new Set<number>();
    for (const level of this.levels) for (const file of level) numbers.add(file.fileNumber);
    return numbers;
  }

  levelBytes(level: number): number {
    let total = 0;
    for (const file of this.levels[level] ?? []) total += file.fileBytes;
    return total;
  }

  /**
   * In a sorted level (n > 0), the one file whose key range may hold `userKey`, or undefined.
   * Binary search over the files' largest keys.
   */
  fileForKey(level: number, userKey: Uint8Array): FileMetadata | undefined {
    assert(level > 0, "L0 files overlap; search them one by one");
    const files = this.levels[level] ?? [];
    let low = 0;
    let high = files.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const file = files[mid];
      if (file !== undefined && compareUserKeyOf(file.largestKey, userKey) < 0) low = mid + 1;
      else high = mid;
    }
    const file = files[low];
    if (file === undefined || compareUserKeyOf(file.smallestKey, userKey) > 0) return undefined;
    return file;
  }

  /** Files of `level` whose user-key range intersects [smallest, largest] (inclusive user keys). */
  overlappingFiles(level: number, smallest: Uint8Array, largest: Uint8Array): FileMetadata[] {
    return (this.levels[level] ?? []).filter(
      (file) =>
        compareBytes(internalKeyUserKey(file.largestKey), smallest) >= 0 &&
        compareBytes(internalKeyUserKey(file.smallestKey), largest) <= 0,
    );
  }

  /** A new version: this one with `edit`'s deletions and additions applied. */
  apply(edit: VersionEdit, onUnreferenced?: (version: Version) => void): Version {
    const levels = this.levels.map((files) => [...files]);
    for (const { level, fileNumber } of edit.deletedFiles) {
      const files = levels[level] ?? [];
      const index = files.findIndex((file) => file.fileNumber === fileNumber);
      assert(index >= 0, `deleted file ${fileNumber} is in level ${level}`);
      files.splice(index, 1);
    }
    for (const { level, file } of edit.addedFiles) levels[level]?.push(file);
    levels[0]?.sort((a, b) => b.fileNumber - a.fileNumber);
    for (let level = 1; level < levelCount; level++) levels[level]?.sort((a, b) => compareInternalKeys(a.smallestKey, b.smallestKey));
    return new Version(levels, onUnreferenced);
  }
}

/** Compares the user-key part of `internalKey` with `userKey`, without making a subarray (hot path). */
export function compareUserKeyOf(internalKey: Uint8Array, userKey: Uint8Array): number {
  return compareRanges(internalKey, 0, internalKey.length - trailerBytes, userKey, 0, userKey.length);
}

/** L1..L6 are sorted and disjoint by user key; every file's smallest key <= its largest. */
function checkLevelInvariants(levels: readonly (readonly FileMetadata[])[]): void {
  levels.forEach((files, level) => {
    for (const file of files) assert(compareInternalKeys(file.smallestKey, file.largestKey) <= 0, `file ${file.fileNumber} range is ordered`);
    if (level === 0) return;
    for (let i = 1; i < files.length; i++) {
      const previous = assertDefined(files[i - 1], "file index in range");
      const current = assertDefined(files[i], "file index in range");
      const gap = compareBytes(internalKeyUserKey(previous.largestKey), internalKeyUserKey(current.smallestKey));
      assert(gap < 0, `level ${level} files ${previous.fileNumber} and ${current.fileNumber} are disjoint`);
    }
  });
}
