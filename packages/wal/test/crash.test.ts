/**
 * Crash test with real processes: a child appends with sync: true and reports each acknowledged
 * LSN; the parent SIGKILLs it at a random moment, reopens the log and checks that every
 * acknowledged record is present, in order, exactly once, byte for byte, and that recovery never
 * throws on the torn tail. One directory lives through every cycle; tiny segments make crashes
 * land during rotation, and the parent truncates old segments between cycles as a checkpoint would.
 *
 * `WAL_CRASH_CYCLES` sets the cycle count (200 in `npm test`, 2,000 in the `soak` target).
 */
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { lsn } from "@omnikv/base";
import { Wal } from "@omnikv/wal";
import { CrashChild, makeTempDir, withSeed, type SeededRandom } from "@omnikv/testkit";
import { crashPayload } from "./fixtures/crash-payload.mjs";

const cycles = Number(process.env["WAL_CRASH_CYCLES"] ?? "200");
const child = join(import.meta.dirname, "fixtures", "crash-appender.mjs");
const decoder = new TextDecoder();

interface Ack {
  readonly lsn: bigint;
  readonly id: string;
}

function parseAcks(lines: readonly string[]): Ack[] {
  const acks: Ack[] = [];
  for (const line of lines) {
    const match = /^ack (\d+) (\S+)$/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined) acks.push({ lsn: BigInt(match[1]), id: match[2] });
  }
  return acks;
}

async function runCycle(dir: string, cycle: number, random: SeededRandom): Promise<Ack[]> {
  const concurrency = random.pick([1, 4, 16]);
  const crashChild = new CrashChild({ script: child, args: [dir, String(cycle), String(concurrency), "8192"], deadlineMs: 30_000 });
  // Kill at a random moment: sometimes during open/recovery, mostly mid-append.
  const waitLines = random.chance(0.1) ? 0 : random.int(1, 60);
  if (waitLines > 0) await crashChild.waitForLines(waitLines);
  await new Promise((resolve) => setTimeout(resolve, random.int(0, 15)));
  const exit = await crashChild.kill();
  expect(exit.signal, exit.stderr).toBe("SIGKILL");
  return parseAcks(crashChild.lines);
}

/**
 * Replays the log and checks it against the acknowledgements. Then it truncates all but the newest
 * records, as a checkpoint would, so the log (and the replay cost) stays small across cycles, and
 * forgets the acknowledgements below the new first LSN.
 */
async function verify(dir: string, acked: Map<bigint, string>): Promise<number> {
  const wal = await Wal.open(dir, { segmentBytesTarget: 8192 });
  try {
    let expected: bigint = wal.firstLsn;
    const seenIds = new Set<string>();
    for (const record of wal.replay()) {
      expect(record.lsn).toBe(expected);
      expected += 1n;
      const text = decoder.decode(record.payload);
      const id = text.slice(0, text.indexOf("|"));
      expect(text).toBe(crashPayload(id));
      expect(seenIds.has(id), `record ${id} replayed twice`).toBe(false);
      seenIds.add(id);
      const ackedId = acked.get(record.lsn);
      if (ackedId !== undefined) expect(id).toBe(ackedId);
    }
    for (const [ackedLsn, id] of acked) {
      expect(seenIds.has(id), `acknowledged record ${id} (lsn ${ackedLsn}) lost`).toBe(true);
    }
    expect(wal.nextLsn).toBe(expected);
    if (wal.nextLsn > 64n) await wal.truncateBefore(lsn(wal.nextLsn - 64n));
    for (const ackedLsn of acked.keys()) if (ackedLsn < wal.firstLsn) acked.delete(ackedLsn);
    return seenIds.size;
  } finally {
    await wal.close();
  }
}

describe("wal crash safety (SIGKILL)", () => {
  const temp = makeTempDir("wal-crash");
  afterAll(() => temp.cleanup());

  it(`keeps every acknowledged append across ${cycles} kill -9 cycles`, async () => {
    await withSeed("wal crash test", async (random) => {
      const dir = join(temp.path, "log");
      const acked = new Map<bigint, string>();
      let ackCount = 0;
      let replayedTotal = 0;
      for (let cycle = 0; cycle < cycles; cycle++) {
        for (const ack of await runCycle(dir, cycle, random)) {
          expect(acked.has(ack.lsn), `lsn ${ack.lsn} acknowledged twice`).toBe(false);
          acked.set(ack.lsn, ack.id);
          ackCount += 1;
        }
        replayedTotal += await verify(dir, acked);
      }
      // The run did real work: most cycles acknowledged appends before the kill.
      expect(ackCount).toBeGreaterThan(cycles);
      expect(replayedTotal).toBeGreaterThanOrEqual(ackCount);
    });
  }, cycles * 1_000);
});
