/**
 * Which compaction to run next, by score (LevelDB's rule):
 * - L0's score is its file count over `l0CompactionTrigger` (L0 files overlap, so every lookup may
 *   read each of them: their count is what hurts).
 * - Ln's score (1 <= n < 6) is its bytes over its target, `levelBaseBytes * multiplier^(n-1)`.
 * The level with the highest score >= 1 is compacted into the next one. From L0 all files go
 * (they overlap each other); from Ln one file goes, chosen round-robin past the last compacted
 * key, with the files of level n+1 it overlaps. So a compaction rewrites a key range, never a
 * whole level.
 *
 * When no level is due by size, a file that reads keep passing over is compacted into the next
 * level (LevelDB's seek compaction; see `SeekCharges`).
 */
import { assertDefined } from "@omnikv/base";
import { compareBytes } from "./internal/bytes.ts";
import { compareInternalKeys, internalKeyUserKey } from "./internal-key.ts";
import { levelCount, type FileMetadata } from "./version-edit.ts";
import type { Version } from "./version.ts";

export interface CompactionShape {
  readonly l0CompactionTrigger: number;
  readonly levelBaseBytes: number;
  readonly levelSizeMultiplier: number;
}

export interface Compaction {
  /** Input level; outputs go to `outputLevel`. */
  readonly level: number;
  readonly outputLevel: number;
  /** Files of `level` and files of `outputLevel` that they overlap. */
  readonly inputs: readonly FileMetadata[];
  readonly outputLevelInputs: readonly FileMetadata[];
  /** The largest internal key among the inputs of `level` (the round-robin pointer moves past it). */
  readonly largestInputKey: Uint8Array;
}

export function levelTargetBytes(level: number, shape: CompactionShape): number {
  return shape.levelBaseBytes * shape.levelSizeMultiplier ** Math.max(0, level - 1);
}

/** Each level's score; index = level. The last level has no score (nothing below it). */
export function levelScores(version: Version, shape: CompactionShape): number[] {
  const scores: number[] = [(version.levels[0]?.length ?? 0) / shape.l0CompactionTrigger];
  for (let level = 1; level < levelCount - 1; level++) scores.push(version.levelBytes(level) / levelTargetBytes(level, shape));
  return scores;
}

export function pickCompaction(version: Version, shape: CompactionShape, pointers: ReadonlyMap<number, Uint8Array>): Compaction | undefined {
  const scores = levelScores(version, shape);
  let best = -1;
  for (let level = 0; level < scores.length; level++) if ((scores[level] ?? 0) >= 1 && (best < 0 || (scores[level] ?? 0) > (scores[best] ?? 0))) best = level;
  if (best < 0) return undefined;
  const files = version.levels[best] ?? [];
  const inputs = best === 0 ? [...files] : [pickRoundRobin(files, pointers.get(best))];
  return compactionOf(version, best, best + 1, inputs);
}

/**
 * The compaction a file worn out by reads asks for: the file into the next level (for L0, every L0
 * file, as by size: they overlap, and an older overlapping file must never stay above a newer
 * one's output). Undefined when the file is no longer in that level or the level is the last.
 */
export function pickSeekCompaction(version: Version, candidate: { readonly level: number; readonly fileNumber: number }): Compaction | undefined {
  const { level, fileNumber } = candidate;
  if (level >= levelCount - 1) return undefined;
  const files = version.levels[level] ?? [];
  const file = files.find((f) => f.fileNumber === fileNumber);
  if (file === undefined) return undefined;
  return compactionOf(version, level, level + 1, level === 0 ? [...files] : [file]);
}

function pickRoundRobin(files: readonly FileMetadata[], pointer: Uint8Array | undefined): FileMetadata {
  const next = pointer === undefined ? undefined : files.find((file) => compareInternalKeys(file.largestKey, pointer) > 0);
  return next ?? assertDefined(files[0], "a level picked for compaction has files");
}

/** A compaction of `inputs` (files of `level`) into `outputLevel`, with the overlapped output-level files. */
export function compactionOf(version: Version, level: number, outputLevel: number, inputs: readonly FileMetadata[]): Compaction {
  const { smallest, largest } = userKeyRange(inputs);
  const outputLevelInputs = level === outputLevel ? [] : version.overlappingFiles(outputLevel, smallest, largest);
  let largestInputKey = assertDefined(inputs[0], "a compaction has inputs").largestKey;
  for (const file of inputs) if (compareInternalKeys(file.largestKey, largestInputKey) > 0) largestInputKey = file.largestKey;
  return { level, outputLevel, inputs, outputLevelInputs, largestInputKey };
}

export function userKeyRange(files: readonly FileMetadata[]): { smallest: Uint8Array; largest: Uint8Array } {
  const first = assertDefined(files[0], "a key range of at least one file");
  let smallest = internalKeyUserKey(first.smallestKey);
  let largest = internalKeyUserKey(first.largestKey);
  for (const file of files) {
    const s = internalKeyUserKey(file.smallestKey);
    const l = internalKeyUserKey(file.largestKey);
    if (compareBytes(s, smallest) < 0) smallest = s;
    if (compareBytes(l, largest) > 0) largest = l;
  }
  return { smallest, largest };
}
