/**
 * `WalLogStorage` bounds: the WAL directory stays bounded under a long run with periodic purges
 * (bytes on disk measured), memory stays within the cache budget while old entries still read
 * back right from disk, and a seeded random model test against `MemoryLogStorage` with tiny
 * segments, a tiny cache and frequent restarts (the replay of a WAL whose head was deleted).
 */
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { term } from "@omnikv/base";
import { Wal } from "@omnikv/wal";
import { MemoryLogStorage, RaftConfigError, WalLogStorage, type LogEntry, type RaftLogStorage, type WalLogStorageOptions } from "@omnikv/raft";
import { encodeLogRecord } from "../src/internal/log-record.ts";
import { makeTempDir, withSeed, type SeededRandom, type TempDir } from "@omnikv/testkit";

let temp: TempDir | undefined;

afterEach(() => {
  temp?.cleanup();
  temp = undefined;
});

function tempDir(name: string): TempDir {
  temp = makeTempDir(name);
  return temp;
}

function directoryBytes(dir: string): number {
  return readdirSync(dir).reduce((sum, name) => sum + statSync(join(dir, name)).size, 0);
}

/** A payload that names its entry, padded to `sizeBytes`, so a read back proves it is the right one. */
function payloadFor(index: number, termValue: number, sizeBytes: number): Uint8Array {
  const head = `${index}@${termValue}|`;
  return new TextEncoder().encode(head.padEnd(Math.max(sizeBytes, head.length), String.fromCharCode(97 + (index % 26))));
}

function commandEntry(index: number, termValue: number, sizeBytes: number): LogEntry {
  return { index, term: term(termValue), payload: { kind: "command", command: payloadFor(index, termValue, sizeBytes) } };
}

function expectEntry(entry: LogEntry | undefined, index: number, termValue: number, sizeBytes: number): void {
  expect(entry?.index).toBe(index);
  expect(entry?.term).toBe(BigInt(termValue));
  expect(entry?.payload.kind).toBe("command");
  if (entry?.payload.kind === "command") expect(entry.payload.command).toEqual(payloadFor(index, termValue, sizeBytes));
}

describe("WalLogStorage on disk", () => {
  it("keeps the WAL directory bounded over a long run with periodic purges", async () => {
    const dir = join(tempDir("raft-wal-bounded").path, "log");
    const segmentBytes = 64 * 1024;
    const entryBytes = 200;
    const keptEntries = 500; // the live tail a purge keeps (a lagging follower's window)
    let storage = await WalLogStorage.open(dir, { segmentBytesTarget: segmentBytes, cacheBytesMax: 128 * 1024 });
    let lastIndex = 0;
    let bytesMax = 0;
    let appendedBytes = 0;
    let segmentsDeleted = 0;
    for (let round = 0; round < 300; round++) {
      for (let batch = 0; batch < 10; batch++) {
        const entries = Array.from({ length: 10 }, (_, i) => commandEntry(lastIndex + 1 + i, 1 + Math.floor(round / 50), entryBytes));
        await storage.append(entries);
        lastIndex += entries.length;
        appendedBytes += entries.length * entryBytes;
      }
      await storage.saveHardState({ term: term(1 + Math.floor(round / 50)), votedFor: 1, commitIndex: lastIndex });
      if (lastIndex > keptEntries) await storage.purgeUpTo(lastIndex - keptEntries);
      bytesMax = Math.max(bytesMax, directoryBytes(dir));
      if (round % 50 === 49) {
        segmentsDeleted += storage.stats().segmentsDeleted;
        await storage.close();
        storage = await WalLogStorage.open(dir, { segmentBytesTarget: segmentBytes, cacheBytesMax: 128 * 1024 });
      }
    }
    // Live entries (500 × ~250 B framed) plus at most one partly dead segment before them and the
    // active one with its preallocation (capped at the segment size): about 0.31 MiB.
    const liveBytes = keptEntries * (entryBytes + 50);
    const boundBytes = liveBytes + 3 * segmentBytes;
    process.stdout.write(`wal bounded: ${(appendedBytes / 2 ** 20).toFixed(1)} MiB appended, directory at most ${bytesMax} bytes (bound ${boundBytes}), ${segmentsDeleted} segments deleted\n`);
    expect(appendedBytes).toBeGreaterThan(10 * boundBytes);
    expect(bytesMax).toBeLessThanOrEqual(boundBytes);
    expect(segmentsDeleted).toBeGreaterThan(50);
    const state = await storage.logState();
    expect(state.purgedIndex).toBe(lastIndex - keptEntries);
    const entries = await storage.readRange(state.firstIndex, lastIndex + 1);
    expect(entries).toHaveLength(keptEntries);
    expectEntry(entries[0], state.firstIndex, 1 + Math.floor(Math.floor((state.firstIndex - 1) / 100) / 50), entryBytes);
    await storage.close();
  });

  it("frees the whole log on a reset to a snapshot", async () => {
    const dir = join(tempDir("raft-wal-reset").path, "log");
    const storage = await WalLogStorage.open(dir, { segmentBytesTarget: 16 * 1024 });
    for (let first = 1; first <= 2000; first += 100) await storage.append(Array.from({ length: 100 }, (_, i) => commandEntry(first + i, 1, 300)));
    const before = directoryBytes(dir);
    await storage.resetToSnapshot({ index: 5000, term: term(3) });
    const after = directoryBytes(dir);
    expect(before).toBeGreaterThan(500 * 1024);
    expect(after).toBeLessThanOrEqual(2 * 16 * 1024);
    expect(storage.stats().walSegments).toBeLessThanOrEqual(2);
    await storage.append([commandEntry(5001, 3, 10)]);
    await storage.close();
    const reopened = await WalLogStorage.open(dir, { segmentBytesTarget: 16 * 1024 });
    const state = await reopened.logState();
    expect([state.purgedIndex, state.purgedTerm, state.lastIndex]).toEqual([5000, 3n, 5001]);
    await reopened.close();
  });
});

describe("WalLogStorage format", () => {
  it("opens a log written before checkpoint records (purge and reset without the hard state)", async () => {
    const dir = join(tempDir("raft-wal-old-format").path, "log");
    const wal = await Wal.open(dir);
    const config = { voters: [1, 2], outgoingVoters: [], learners: [] };
    await wal.append([
      encodeLogRecord({ kind: "hardState", state: { term: term(2), votedFor: 1, commitIndex: 3 } }),
      encodeLogRecord({ kind: "entries", entries: [1, 2, 3, 4, 5].map((index) => commandEntry(index, 2, 30)) }),
      encodeLogRecord({ kind: "purge", index: 2, term: term(2), config, hardState: undefined }),
      encodeLogRecord({ kind: "truncate", index: 4 }),
    ]);
    await wal.close();
    const storage = await WalLogStorage.open(dir, { cacheBytesMax: 100 });
    expect(await storage.readHardState()).toEqual({ term: 2n, votedFor: 1, commitIndex: 3 });
    expect(await storage.logState()).toEqual({ firstIndex: 3, lastIndex: 4, purgedIndex: 2, purgedTerm: 2n, purgedConfig: config });
    const entries = await storage.readRange(3, 10);
    expect(entries).toHaveLength(2);
    entries.forEach((entry, i) => expectEntry(entry, 3 + i, 2, 30));
    await storage.purgeUpTo(3); // a checkpoint now carries the hard state and the membership forward
    await storage.close();
    const reopened = await WalLogStorage.open(dir);
    expect(await reopened.logState()).toEqual({ firstIndex: 4, lastIndex: 4, purgedIndex: 3, purgedTerm: 2n, purgedConfig: config });
    expect(await reopened.readHardState()).toEqual({ term: 2n, votedFor: 1, commitIndex: 3 });
    await reopened.close();
  });

  it("refuses a cache budget that is not a positive integer", async () => {
    const dir = join(tempDir("raft-wal-options").path, "log");
    await expect(WalLogStorage.open(dir, { cacheBytesMax: 0 })).rejects.toBeInstanceOf(RaftConfigError);
    await expect(WalLogStorage.open(dir, { cacheBytesMax: 1.5 })).rejects.toBeInstanceOf(RaftConfigError);
  });
});

describe("WalLogStorage in memory", () => {
  it("keeps only its cache budget in memory and reads older entries back from disk", async () => {
    const dir = join(tempDir("raft-wal-cache").path, "log");
    const cacheBytesMax = 64 * 1024;
    const options: WalLogStorageOptions = { segmentBytesTarget: 1024 * 1024, cacheBytesMax };
    let storage = await WalLogStorage.open(dir, options);
    const entryBytes = 1024;
    const count = 10_000; // 10 MiB of payloads, 160 times the cache budget
    for (let first = 1; first <= count; first += 50) {
      await storage.append(Array.from({ length: 50 }, (_, i) => commandEntry(first + i, 1 + Math.floor(first / 2500), entryBytes)));
      expect(storage.stats().cachedBytes).toBeLessThanOrEqual(cacheBytesMax);
    }
    const stats = storage.stats();
    process.stdout.write(`wal cache: ${count} entries of ${entryBytes} B, ${stats.cachedEntries} cached in ${stats.cachedBytes} B, ${stats.locationRuns} location runs\n`);
    expect(stats.cachedEntries).toBeLessThan(count / 100);
    expect(stats.locationRuns).toBe(count / 50);
    for (let round = 0; round < 2; round++) {
      for (const index of [1, 2, 49, 50, 51, 2500, 5003, 9000]) {
        const [entry] = await storage.readRange(index, index + 1);
        expectEntry(entry, index, 1 + Math.floor((index - ((index - 1) % 50)) / 2500), entryBytes);
      }
      const span = await storage.readRange(4990, 5110);
      span.forEach((entry, i) => expectEntry(entry, 4990 + i, 1 + Math.floor((4990 + i - ((4990 + i - 1) % 50)) / 2500), entryBytes));
      expect(span).toHaveLength(120);
      const tail = await storage.readRange(count - 10, count + 5);
      expect(tail.map((entry) => entry.index)).toEqual(Array.from({ length: 11 }, (_, i) => count - 10 + i));
      expect(storage.stats().entriesReadFromDisk).toBeGreaterThan(0);
      await storage.close();
      storage = await WalLogStorage.open(dir, options); // replay keeps to the budget too
      expect(storage.stats().cachedBytes).toBeLessThanOrEqual(cacheBytesMax);
    }
    await storage.close();
  });
});

type Operation = "append" | "truncate" | "purge" | "reset" | "hardState" | "reopen" | "read";

async function step(random: SeededRandom, wal: RaftLogStorage, model: MemoryLogStorage): Promise<Operation> {
  const state = await model.logState();
  const operation = random.pick<Operation>(["append", "append", "append", "truncate", "purge", "purge", "reset", "hardState", "reopen", "read", "read"]);
  const termValue = Number((await model.readHardState()).term) + 1;
  const issue = async (act: (storage: RaftLogStorage) => Promise<unknown>): Promise<void> => {
    await Promise.all([act(wal), act(model)]);
  };
  if (operation === "append") {
    const entries = Array.from({ length: random.int(1, 12) }, (_, i) => commandEntry(state.lastIndex + 1 + i, termValue, random.int(0, 400)));
    await issue((storage) => storage.append(entries));
  } else if (operation === "truncate" && state.lastIndex > state.purgedIndex) {
    const index = random.int(state.purgedIndex, state.lastIndex);
    await issue((storage) => storage.truncateAfter(index));
  } else if (operation === "purge" && state.lastIndex > state.purgedIndex) {
    const index = random.int(state.purgedIndex + 1, state.lastIndex);
    const config = random.chance(0.5) ? { voters: [1, index], outgoingVoters: [], learners: [] } : undefined;
    await issue((storage) => storage.purgeUpTo(index, config));
  } else if (operation === "reset" && random.chance(0.2)) {
    const meta = { index: state.lastIndex + random.int(0, 30), term: term(termValue), config: { voters: [7], outgoingVoters: [], learners: [] } };
    await issue((storage) => storage.resetToSnapshot(meta));
  } else if (operation === "hardState") {
    const hardState = { term: term(termValue), votedFor: random.int(0, 3), commitIndex: state.lastIndex };
    await issue((storage) => storage.saveHardState(hardState));
  }
  return operation;
}

async function checkSame(wal: RaftLogStorage, model: MemoryLogStorage, random: SeededRandom): Promise<void> {
  const [walState, modelState] = [await wal.logState(), await model.logState()];
  expect(walState).toEqual(modelState);
  expect(await wal.readHardState()).toEqual(await model.readHardState());
  const from = random.int(modelState.firstIndex, modelState.lastIndex + 1);
  const to = random.int(from, modelState.lastIndex + 3);
  expect(await wal.readRange(from, to)).toEqual(await model.readRange(from, to));
}

describe("WalLogStorage against a model", () => {
  it("matches MemoryLogStorage through random mutations, restarts and segment deletions", async () => {
    const root = tempDir("raft-wal-model").path;
    await withSeed("wal log storage model", async (random) => {
      process.stdout.write(`wal log storage model: SEED=${random.seed}\n`);
      let segmentsDeleted = 0;
      for (let run = 0; run < 8; run++) {
        const dir = join(root, `run-${run}`);
        const options: WalLogStorageOptions = { segmentBytesTarget: random.pick([512, 2048, 16384]), preallocateBytes: 0, cacheBytesMax: random.pick([200, 2000, 100_000]) };
        let wal: WalLogStorage = await WalLogStorage.open(dir, options);
        let model = new MemoryLogStorage();
        for (let i = 0; i < 120; i++) {
          if ((await step(random, wal, model)) === "reopen") {
            segmentsDeleted += wal.stats().segmentsDeleted;
            await wal.close();
            wal = await WalLogStorage.open(dir, options);
            await model.close();
            model = model.reopen();
          }
          await checkSame(wal, model, random);
        }
        segmentsDeleted += wal.stats().segmentsDeleted;
        await wal.close();
        await model.close();
      }
      expect(segmentsDeleted, "the runs deleted segments, so replays started mid-history").toBeGreaterThan(0);
    });
  });
});
