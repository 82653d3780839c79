/**
 * Crash safety of `WalLogStorage` with real processes: a child (fixtures/wal-storage-crash-child.mjs,
 * on the built package) appends, repairs conflicts and purges with 4 KiB segments, so purges delete
 * segments all the time; the parent SIGKILLs it at a seeded random moment (sometimes while it
 * opens), reopens the log and checks it against what the child reported:
 * - no acknowledged entry above the purge point is lost or changed (unless a later truncation was
 *   issued over it), and every entry held reads back byte for byte, contiguous, terms non-decreasing;
 * - the purge point is at least the last acknowledged purge, at most the last one issued, and
 *   never goes back across cycles; purged entries stay unreadable (none resurrected);
 * - the hard state's term is at least the last acknowledged one and never goes back.
 * One directory lives through every cycle. `RAFT_WAL_CRASH_CYCLES` sets the count (30 by default).
 */
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { WalLogStorage, type LogEntry } from "@omnikv/raft";
import { CrashChild, makeTempDir, withSeed, type SeededRandom } from "@omnikv/testkit";

const cycles = Number(process.env["RAFT_WAL_CRASH_CYCLES"] ?? "30");
const child = join(import.meta.dirname, "fixtures", "wal-storage-crash-child.mjs");
const options = { segmentBytesTarget: 4096, preallocateBytes: 4096, cacheBytesMax: 4096 } as const;

/** Must match `crashPayload` in fixtures/wal-storage-crash-child.mjs. */
function crashPayload(index: number, termValue: number): string {
  return `${index}@${termValue}|`.padEnd(20 + ((index * 7 + termValue * 13) % 300), String.fromCharCode(97 + (index % 26)));
}

/** What the parent knows must have survived, carried from one cycle to the next. */
interface Knowledge {
  /** Entries known durable (index → term), above the purge point. */
  readonly expected: Map<number, number>;
  purgedIndexMin: number;
  purgedIndexMax: number;
  termMin: number;
}

function learn(knowledge: Knowledge, line: string): void {
  const [word, what, ...rest] = line.split(" ");
  const numbers = [what, ...rest].map(Number);
  if (word === "truncate") {
    for (const index of knowledge.expected.keys()) if (index > (numbers[0] ?? 0)) knowledge.expected.delete(index);
  } else if (word === "purge") {
    knowledge.purgedIndexMax = Math.max(knowledge.purgedIndexMax, numbers[0] ?? 0);
  } else if (word === "ack" && what === "append") {
    const [first = 0, last = 0, termValue = 0] = rest.map(Number);
    for (let index = first; index <= last; index++) knowledge.expected.set(index, termValue);
  } else if (word === "ack" && what === "purge") {
    knowledge.purgedIndexMin = Math.max(knowledge.purgedIndexMin, Number(rest[0]));
  } else if (word === "ack" && what === "term") {
    knowledge.termMin = Math.max(knowledge.termMin, Number(rest[0]));
  }
}

async function runCycle(dir: string, random: SeededRandom): Promise<readonly string[]> {
  const crashChild = new CrashChild({ script: child, args: [dir, String(random.int(1, 2 ** 31))], deadlineMs: 30_000 });
  const waitLines = random.chance(0.1) ? 0 : random.int(1, 150);
  if (waitLines > 0) await crashChild.waitForLines(waitLines);
  await new Promise((resolve) => setTimeout(resolve, random.int(0, 20)));
  const exit = await crashChild.kill();
  expect(exit.signal, exit.stderr).toBe("SIGKILL");
  return crashChild.lines;
}

function checkEntry(entry: LogEntry | undefined, index: number): number {
  expect(entry?.index).toBe(index);
  const termValue = Number(entry?.term ?? -1);
  const command = entry?.payload.kind === "command" ? new TextDecoder().decode(entry.payload.command) : "";
  expect(command, `entry ${index} reads back byte for byte`).toBe(crashPayload(index, termValue));
  return termValue;
}

/** Reopens the log, checks it against what is known, and resets the knowledge to what is there. */
async function verify(dir: string, knowledge: Knowledge): Promise<number> {
  const storage = await WalLogStorage.open(dir, options);
  try {
    const state = await storage.logState();
    const hardState = await storage.readHardState();
    expect(state.purgedIndex, "the purge point never goes back").toBeGreaterThanOrEqual(knowledge.purgedIndexMin);
    expect(state.purgedIndex, "the purge point is one that was issued").toBeLessThanOrEqual(knowledge.purgedIndexMax);
    expect(Number(hardState.term), "the term never goes back").toBeGreaterThanOrEqual(knowledge.termMin);
    if (state.purgedIndex > 0) await expect(storage.readRange(state.purgedIndex, state.purgedIndex + 1)).rejects.toThrow(/purged/);
    const entries = await storage.readRange(state.purgedIndex + 1, state.lastIndex + 1);
    expect(entries).toHaveLength(state.lastIndex - state.purgedIndex);
    let termBefore = 0;
    entries.forEach((entry, i) => {
      const termValue = checkEntry(entry, state.purgedIndex + 1 + i);
      expect(termValue, "terms never decrease along the log").toBeGreaterThanOrEqual(termBefore);
      expect(termValue, "no entry has a term above the durable hard state").toBeLessThanOrEqual(Number(hardState.term));
      termBefore = termValue;
    });
    for (const [index, termValue] of knowledge.expected) {
      if (index <= state.purgedIndex) continue;
      expect(index, `acknowledged entry ${index} lost`).toBeLessThanOrEqual(state.lastIndex);
      expect(Number(entries[index - state.purgedIndex - 1]?.term), `acknowledged entry ${index} changed`).toBe(termValue);
    }
    knowledge.expected.clear();
    for (const entry of entries) knowledge.expected.set(entry.index, Number(entry.term));
    knowledge.purgedIndexMin = state.purgedIndex;
    knowledge.purgedIndexMax = state.purgedIndex;
    knowledge.termMin = Number(hardState.term);
    return storage.stats().walSegments;
  } finally {
    await storage.close();
  }
}

describe("WalLogStorage crash safety (SIGKILL)", () => {
  const temp = makeTempDir("raft-wal-crash");
  afterAll(() => temp.cleanup());

  it(`keeps acknowledged entries, the purge point and the term across ${cycles} kill -9 cycles`, async () => {
    await withSeed("raft wal storage crash test", async (random) => {
      process.stdout.write(`raft wal storage crash test: SEED=${random.seed}\n`);
      const dir = join(temp.path, "log");
      const knowledge: Knowledge = { expected: new Map(), purgedIndexMin: 0, purgedIndexMax: 0, termMin: 0 };
      let acks = 0;
      let segmentsMax = 0;
      for (let cycle = 0; cycle < cycles; cycle++) {
        const lines = await runCycle(dir, random);
        for (const line of lines) learn(knowledge, line);
        acks += lines.filter((line) => line.startsWith("ack ")).length;
        segmentsMax = Math.max(segmentsMax, await verify(dir, knowledge));
      }
      process.stdout.write(`raft wal storage crash test: ${acks} acknowledgements, final purge point ${knowledge.purgedIndexMin}, at most ${segmentsMax} segments\n`);
      expect(acks).toBeGreaterThan(cycles);
      expect(knowledge.purgedIndexMin, "purges happened, so segments were deleted under the kills").toBeGreaterThan(0);
    });
  }, cycles * 3_000);
});
