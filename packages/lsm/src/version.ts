/**
 * A `Version` is one immutable picture of which tables hold the data: L0 (flush outputs, which may
 * overlap, newest first) and L1..L6 (each sorted by key and disjoint). Flushes and compactions
 * never change a version; they build the next one from an edit and publish it atomically, while
 * readers keep the version they started with (`ref`/`unref`). A table file is deleted only when no
 * live version lists it.
 */
import { assert, assertDefined, invariants } from "@omnikv/base";
import { compareBytes, compareRanges, wordAfter } from "./internal/bytes.ts";
import { compareInternalKeys, internalKeyUserKey, trailerBytes } from "./internal-key.ts";
import { levelCount, type FileMetadata, type VersionEdit } from "./version-edit.ts";

export class Version {
  /** `levels[0]` newest first; `levels[n > 0]` ordered by smallest key, disjoint. */
  readonly levels: readonly (readonly FileMetadata[])[];
  /** The sorted levels (n > 0) that hold files, shallowest first: a point read asks only these. */
  readonly sortedLevelsInUse: readonly number[];
  /** Per level n > 0, its files found by key (see `SortedLevelIndex`); undefined for an empty level. */
  readonly #sortedIndexes: readonly (SortedLevelIndex | undefined)[];
  #refCount = 0;
  readonly #onUnreferenced: ((version: Version) => void) | undefined;

  constructor(levels: readonly (readonly FileMetadata[])[], onUnreferenced?: (version: Version) => void) {
    assert(levels.length === levelCount, "a version has every level");
    this.levels = levels;
    this.#onUnreferenced = onUnreferenced;
    if (invariants.enabled) checkLevelInvariants(levels);
    this.#sortedIndexes = levels.map((files, level) => (level === 0 || files.length === 0 ? undefined : new SortedLevelIndex(files)));
    this.sortedLevelsInUse = levels.flatMap((files, level) => (level > 0 && files.length > 0 ? [level] : []));
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
    return this.#sortedIndexes[level]?.fileForKey(userKey);
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

/**
 * A sorted level's files, found by user key with the method of the table index (table-index.ts):
 * every file's keys share the user-key prefix that the level's first smallest and last largest
 * keys share, so a 4-byte word of each file's largest user key after that prefix decides most
 * binary-search steps with one integer compare, and only equal words compare whole keys. A point
 * read asks every level in use; walking file metadata and comparing keys byte by byte there cost
 * a sixth of an in-memory read.
 */
class SortedLevelIndex {
  readonly #files: readonly FileMetadata[];
  /** The level's shared user-key prefix, as bytes of the first file's smallest key. */
  readonly #prefixKey: Uint8Array;
  readonly #prefixLength: number;
  /** Per file: the 4 bytes of its largest user key after the prefix, big-endian, zero-padded. */
  readonly #largestWords: Uint32Array;

  constructor(files: readonly FileMetadata[]) {
    assert(files.length > 0, "an indexed level has files");
    this.#files = files;
    const first = assertDefined(files[0], "a first file").smallestKey;
    const last = assertDefined(files.at(-1), "a last file").largestKey;
    const firstEnd = first.length - trailerBytes;
    const lastEnd = last.length - trailerBytes;
    let prefixLength = 0;
    while (prefixLength < firstEnd && prefixLength < lastEnd && first[prefixLength] === last[prefixLength]) prefixLength += 1;
    this.#prefixKey = first;
    this.#prefixLength = prefixLength;
    this.#largestWords = Uint32Array.from(files, (file) => wordAfter(file.largestKey, prefixLength, file.largestKey.length - trailerBytes));
  }

  /** The one file whose user-key range may hold `userKey`, or undefined. */
  fileForKey(userKey: Uint8Array): FileMetadata | undefined {
    const files = this.#files;
    const prefix = this.#prefixKey;
    for (let i = 0; i < this.#prefixLength; i++) {
      // Outside the shared prefix the key sorts before or after every file alike.
      if (i >= userKey.length) return undefined;
      const d = (userKey[i] ?? 0) - (prefix[i] ?? 0);
      if (d !== 0) return undefined;
    }
    const target = wordAfter(userKey, this.#prefixLength, userKey.length);
    const words = this.#largestWords;
    let low = 0;
    let high = files.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const word = words[mid] ?? 0;
      const isBefore = word === target ? compareUserKeyOf(assertDefined(files[mid], "file index in range").largestKey, userKey) < 0 : word < target;
      if (isBefore) low = mid + 1;
      else high = mid;
    }
    const file = files[low];
    if (file === undefined || compareUserKeyOf(file.smallestKey, userKey) > 0) return undefined;
    return file;
  }
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
