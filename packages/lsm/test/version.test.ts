/**
 * Version.fileForKey: the word-indexed search of a sorted level against a linear scan of its
 * files, over keys with long shared prefixes, keys that are prefixes of others, empty keys and
 * bytes on both sides of every file's range; and the seek-compaction picker over hand-made versions.
 */
import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { propertyParams } from "@omnikv/testkit";
import { compareBytes } from "../src/internal/bytes.ts";
import { encodeInternalKey, ValueKind } from "../src/internal-key.ts";
import { levelCount, type FileMetadata } from "../src/version-edit.ts";
import { Version } from "../src/version.ts";
import { pickSeekCompaction } from "../src/compaction-picker.ts";

/** User keys over a tiny alphabet behind an optional common prefix, so words often tie. */
const userKeyArb = fc.tuple(fc.constantFrom("", "k", "key:\u0000\u0000", "table/7/"), fc.array(fc.constantFrom(0, 1, 2, 0xff), { maxLength: 7 })).map(([prefix, tail]) => new Uint8Array([...Buffer.from(prefix, "latin1"), ...tail]));

function fileOf(fileNumber: number, smallest: Uint8Array, largest: Uint8Array): FileMetadata {
  return {
    fileNumber,
    fileBytes: 1,
    entryCount: 1,
    smallestKey: encodeInternalKey(smallest, 9, ValueKind.Put),
    largestKey: encodeInternalKey(largest, 3, ValueKind.Put),
    smallestSequence: 3,
    largestSequence: 9,
  };
}

/** The file whose [smallest, largest] user-key range holds `key`, found by walking them all. */
function linearFileForKey(ranges: readonly [Uint8Array, Uint8Array][], key: Uint8Array): number | undefined {
  const index = ranges.findIndex(([smallest, largest]) => compareBytes(smallest, key) <= 0 && compareBytes(key, largest) <= 0);
  return index < 0 ? undefined : index + 1;
}

describe("Version.fileForKey", () => {
  it("finds the file a linear scan finds, for keys inside, between and outside the files", () => {
    fc.assert(
      fc.property(fc.uniqueArray(userKeyArb, { minLength: 1, maxLength: 24, selector: (k) => Buffer.from(k).toString("latin1") }), fc.array(userKeyArb, { maxLength: 40 }), fc.boolean(), (keys, probes, isSingletons) => {
        const sorted = keys.toSorted(compareBytes);
        // Disjoint ranges: consecutive pairs, or one key per file.
        const ranges: [Uint8Array, Uint8Array][] = [];
        const step = isSingletons ? 1 : 2;
        for (let i = 0; i < sorted.length; i += step) {
          const smallest = sorted[i] ?? new Uint8Array(0);
          ranges.push([smallest, sorted[Math.min(i + step - 1, sorted.length - 1)] ?? smallest]);
        }
        const levels: FileMetadata[][] = Array.from({ length: levelCount }, () => []);
        levels[3] = ranges.map(([smallest, largest], i) => fileOf(i + 1, smallest, largest));
        const version = new Version(levels);
        expect(version.sortedLevelsInUse).toEqual([3]);
        for (const probe of [...probes, ...sorted]) {
          expect(version.fileForKey(3, probe)?.fileNumber, Buffer.from(probe).toString("hex")).toBe(linearFileForKey(ranges, probe));
        }
        expect(version.fileForKey(2, sorted[0] ?? new Uint8Array(0))).toBeUndefined();
      }),
      propertyParams(300),
    );
  });
});

describe("pickSeekCompaction", () => {
  const k = (text: string): Uint8Array => Buffer.from(text, "latin1");
  const levels = (): FileMetadata[][] => Array.from({ length: levelCount }, () => []);

  it("takes the worn-out file of Ln with the files of Ln+1 it overlaps, and every L0 file from L0", () => {
    const shape = levels();
    shape[0] = [fileOf(9, k("c"), k("m")), fileOf(8, k("a"), k("z"))];
    shape[2] = [fileOf(1, k("a"), k("f")), fileOf(2, k("g"), k("p"))];
    shape[3] = [fileOf(3, k("a"), k("b")), fileOf(4, k("c"), k("h")), fileOf(5, k("i"), k("k")), fileOf(6, k("q"), k("z"))];
    const version = new Version(shape);
    const fromL2 = pickSeekCompaction(version, { level: 2, fileNumber: 2 });
    expect(fromL2?.inputs.map((f) => f.fileNumber)).toEqual([2]);
    expect(fromL2?.outputLevelInputs.map((f) => f.fileNumber)).toEqual([4, 5]);
    expect([fromL2?.level, fromL2?.outputLevel]).toEqual([2, 3]);
    const fromL0 = pickSeekCompaction(version, { level: 0, fileNumber: 9 });
    expect(fromL0?.inputs.map((f) => f.fileNumber)).toEqual([9, 8]);
    expect(fromL0?.outputLevel).toBe(1);
  });

  it("takes nothing for a file no longer in its level, or in the last level", () => {
    const shape = levels();
    shape[1] = [fileOf(1, k("a"), k("f"))];
    shape[levelCount - 1] = [fileOf(2, k("a"), k("z"))];
    const version = new Version(shape);
    expect(pickSeekCompaction(version, { level: 1, fileNumber: 7 })).toBeUndefined();
    expect(pickSeekCompaction(version, { level: 2, fileNumber: 1 })).toBeUndefined();
    expect(pickSeekCompaction(version, { level: levelCount - 1, fileNumber: 2 })).toBeUndefined();
  });
});
