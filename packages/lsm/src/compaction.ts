/**
 * Running a compaction: merge the input tables, drop what no reader can see, and write the rest
 * as new tables of about `targetFileBytes`, split only between user keys (so the output level
 * stays disjoint by user key).
 *
 * What is dropped (LevelDB's rules; `smallestSnapshot` is the oldest sequence any reader may use):
 * - a version shadowed by a newer version of the same key whose sequence <= smallestSnapshot:
 *   every reader sees the newer one;
 * - a deletion with sequence <= smallestSnapshot when no level below the output holds the key:
 *   there is nothing left for it to hide.
 *
 * The merge runs in time slices (see `TimeSlicer`) and stops early when aborted (store closing);
 * then its partial outputs are deleted and nothing is installed.
 */
import { unlinkSync } from "node:fs";
import { assert } from "@omnikv/base";
import type { BlockCipher } from "./cipher.ts";
import { compareBytes } from "./internal/bytes.ts";
import type { TimeSlicer } from "./internal/time-slicer.ts";
import type { InternalIterator } from "./internal-iterator.ts";
import { ValueKind, internalKeyKind, internalKeySequence, internalKeyUserKey, sequenceMax } from "./internal-key.ts";
import { LevelIterator } from "./level-iterator.ts";
import { MergingIterator } from "./merging-iterator.ts";
import { OwningIterator } from "./internal/owning-iterator.ts";
import { tablePath } from "./file-names.ts";
import { TableBuilder } from "./sstable/table-builder.ts";
import type { TableCache } from "./table-cache.ts";
import { levelCount, type FileMetadata } from "./version-edit.ts";
import type { Version } from "./version.ts";

export interface TableShape {
  readonly blockBytes: number;
  readonly restartInterval: number;
  readonly compression: "lz4" | "none";
  readonly bloomBitsPerKey: number;
  readonly cipher?: BlockCipher;
}

export interface CompactionJob {
  readonly version: Version;
  /** Input files by level; all of them are replaced by the outputs. */
  readonly inputsByLevel: ReadonlyMap<number, readonly FileMetadata[]>;
  readonly outputLevel: number;
  readonly smallestSnapshot: number;
}

export interface CompactionEnvironment {
  readonly dir: string;
  readonly tables: TableCache;
  readonly tableShape: TableShape;
  readonly targetFileBytes: number;
  readonly slicer: TimeSlicer;
  readonly newFileNumber: () => number;
  readonly isAborted: () => boolean;
}

export interface CompactionResult {
  /** Undefined when aborted. */
  readonly outputs: FileMetadata[] | undefined;
  readonly bytesRead: number;
  readonly bytesWritten: number;
  readonly entriesDropped: number;
}

export async function runCompaction(job: CompactionJob, env: CompactionEnvironment): Promise<CompactionResult> {
  const input = mergedInput(job, env.tables);
  const writer = new OutputWriter(env);
  let bytesRead = 0;
  let entriesDropped = 0;
  let currentUserKey: Uint8Array | undefined;
  let lastSequenceForKey = sequenceMax;
  try {
    for (input.seekToFirst(); input.isValid; input.next()) {
      if (env.isAborted()) {
        await writer.abandon();
        return { outputs: undefined, bytesRead, bytesWritten: 0, entriesDropped };
      }
      const key = input.key();
      const value = input.value();
      bytesRead += key.length + value.length;
      const userKey = internalKeyUserKey(key);
      const isNewUserKey = currentUserKey === undefined || compareBytes(userKey, currentUserKey) !== 0;
      if (isNewUserKey) {
        currentUserKey = userKey.slice();
        lastSequenceForKey = sequenceMax;
      }
      const sequence = internalKeySequence(key);
      const isShadowed = lastSequenceForKey <= job.smallestSnapshot;
      const isObsoleteDelete =
        !isShadowed && internalKeyKind(key) === ValueKind.Delete && sequence <= job.smallestSnapshot && isBaseLevelForKey(job, userKey);
      lastSequenceForKey = sequence;
      if (isShadowed || isObsoleteDelete) {
        entriesDropped += 1;
      } else {
        await writer.add(key, value, isNewUserKey);
      }
      const pause = env.slicer.maybeYield();
      if (pause !== undefined) await pause;
    }
    const outputs = await writer.finish();
    return { outputs, bytesRead, bytesWritten: outputs.reduce((sum, f) => sum + f.fileBytes, 0), entriesDropped };
  } catch (error) {
    await writer.abandon();
    throw error;
  } finally {
    input.close();
  }
}

function mergedInput(job: CompactionJob, tables: TableCache): InternalIterator {
  const children: InternalIterator[] = [];
  const releases: (() => void)[] = [];
  for (const [level, files] of job.inputsByLevel) {
    if (level === 0) {
      for (const file of files) {
        const table = tables.acquire(file.fileNumber);
        releases.push(table.release);
        children.push(table.reader.iterator());
      }
    } else if (files.length > 0) {
      children.push(new LevelIterator(files, tables));
    }
  }
  return new OwningIterator(new MergingIterator(children), releases);
}

/** True when no level below the output level may hold `userKey`. */
function isBaseLevelForKey(job: CompactionJob, userKey: Uint8Array): boolean {
  for (let level = job.outputLevel + 1; level < levelCount; level++) {
    if (job.version.fileForKey(level, userKey) !== undefined) return false;
  }
  return true;
}

/** Writes the compaction's output tables, cutting a new one at a user-key boundary past the target size. */
class OutputWriter {
  readonly #env: CompactionEnvironment;
  readonly #finished: FileMetadata[] = [];
  #builder: TableBuilder | undefined;
  #builderBytes = 0;

  constructor(env: CompactionEnvironment) {
    this.#env = env;
  }

  async add(key: Uint8Array, value: Uint8Array, isNewUserKey: boolean): Promise<void> {
    if (this.#builder !== undefined && isNewUserKey && this.#builderBytes >= this.#env.targetFileBytes) await this.#finishCurrent();
    if (this.#builder === undefined) {
      const fileNumber = this.#env.newFileNumber();
      this.#builder = new TableBuilder({ path: tablePath(this.#env.dir, fileNumber), fileNumber, ...this.#env.tableShape });
      this.#builderBytes = 0;
    }
    this.#builder.add(key, value);
    this.#builderBytes += key.length + value.length;
  }

  async finish(): Promise<FileMetadata[]> {
    await this.#finishCurrent();
    return this.#finished;
  }

  async abandon(): Promise<void> {
    this.#builder?.abandon();
    this.#builder = undefined;
    for (const file of this.#finished.splice(0)) unlinkSync(tablePath(this.#env.dir, file.fileNumber));
    await Promise.resolve();
  }

  async #finishCurrent(): Promise<void> {
    const builder = this.#builder;
    if (builder === undefined) return;
    this.#builder = undefined;
    const properties = await builder.finish();
    assert(properties.entryCount > 0, "an output table is never empty");
    this.#finished.push(properties);
  }
}
