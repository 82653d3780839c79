/**
 * Crash test with real processes. A child runs streams of atomic batches with sync: true over tiny
 * memtables and levels (so flushes and compactions run all the time) and reports each
 * acknowledged batch; the parent SIGKILLs it at a random moment — often mid-flush or
 * mid-compaction — then reopens the store and checks, per writer stream:
 * - every acknowledged batch is there (the stream is at or past its last acknowledged batch);
 * - no batch is partially there (the keys equal the exact state after one whole batch);
 * - the stream is at most one batch past its last acknowledgement (only one was in flight);
 * - `verify()` finds no damage.
 * `LSM_CRASH_CYCLES` sets the cycle count (200 in `npm test`, 2,000 in `soak`).
 */
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { assertDefined } from "@omnikv/base";
import { LsmStore } from "@omnikv/lsm";
import { CrashChild, makeTempDir, withSeed, type SeededRandom } from "@omnikv/testkit";
import { batchOps, crashStoreOptions, progressKey } from "./fixtures/crash-batches.mjs";

const cycles = Number(process.env["LSM_CRASH_CYCLES"] ?? "200");
const writers = 3;
const child = join(import.meta.dirname, "fixtures", "crash-writer.mjs");
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The exact state of each writer's keys after each batch, computed incrementally. */
class StreamModel {
  readonly #seed: number;
  readonly #states: Map<string, string>[] = [];
  readonly #batchApplied: number[] = [];

  constructor(seed: number) {
    this.#seed = seed;
    for (let w = 0; w < writers; w++) {
      this.#states.push(new Map());
      this.#batchApplied.push(0);
    }
  }

  /** The model state of `writer` after `batch` (batches only move forward). */
  stateAfter(writer: number, batch: number): ReadonlyMap<string, string> {
    const state = assertDefined(this.#states[writer], "writer index in range");
    while ((this.#batchApplied[writer] ?? 0) < batch) {
      const next = (this.#batchApplied[writer] ?? 0) + 1;
      for (const [key, value] of batchOps(this.#seed, writer, next)) {
        if (value === null) state.delete(key);
        else state.set(key, value);
      }
      this.#batchApplied[writer] = next;
    }
    expect(this.#batchApplied[writer]).toBe(batch);
    return state;
  }
}

function storedState(store: LsmStore, writer: number): Map<string, string> {
  const state = new Map<string, string>();
  for (const [key, value] of store.scan({ gte: encoder.encode(`w${writer}/`), lt: encoder.encode(`w${writer}0`) })) {
    state.set(decoder.decode(key), decoder.decode(value));
  }
  return state;
}

async function crashOnce(dir: string, seed: number, random: SeededRandom): Promise<Map<number, number>> {
  const crashChild = new CrashChild({ script: child, args: [dir, String(seed), String(writers)], deadlineMs: 30_000 });
  const waitLines = random.chance(0.1) ? 0 : random.int(1, 80);
  if (waitLines > 0) await crashChild.waitForLines(waitLines);
  await new Promise((resolve) => setTimeout(resolve, random.int(0, 20)));
  const exit = await crashChild.kill();
  expect(exit.signal, exit.stderr).toBe("SIGKILL");
  const acked = new Map<number, number>();
  for (const line of crashChild.lines) {
    const match = /^ack (\d+) (\d+)$/.exec(line);
    if (match !== null) acked.set(Number(match[1]), Number(match[2]));
  }
  return acked;
}

/** Checks the store after a crash; returns how many tables sit below L0 (proof compaction ran). */
async function verifyStore(dir: string, model: StreamModel, lastAcked: Map<number, number>): Promise<number> {
  const store = await LsmStore.open(dir, crashStoreOptions);
  try {
    for (let writer = 0; writer < writers; writer++) {
      const progress = store.get(encoder.encode(progressKey(writer)));
      const batch = progress === undefined ? 0 : Number(decoder.decode(progress));
      const acked = lastAcked.get(writer) ?? 0;
      expect(batch, `writer ${writer} lost acknowledged batch ${acked}`).toBeGreaterThanOrEqual(acked);
      expect(batch, `writer ${writer} is more than one batch past its acknowledgement`).toBeLessThanOrEqual(acked + 1);
      expect(storedState(store, writer), `writer ${writer} is not at the exact state after batch ${batch}`).toEqual(model.stateAfter(writer, batch));
      lastAcked.set(writer, batch);
    }
    expect(store.verify().problems).toEqual([]);
    return store.stats().levels.slice(1).reduce((sum, level) => sum + level.files, 0);
  } finally {
    await store.close();
  }
}

describe("lsm crash safety (SIGKILL)", () => {
  const temp = makeTempDir("lsm-crash");
  afterAll(() => temp.cleanup());

  it(`keeps every acknowledged batch, and no partial one, across ${cycles} kill -9 cycles`, async () => {
    await withSeed("lsm crash test", async (random) => {
      const dir = join(temp.path, "store");
      const seed = random.int(1, 1_000_000);
      const model = new StreamModel(seed);
      const lastAcked = new Map<number, number>();
      let ackCount = 0;
      let deepTables = 0;
      for (let cycle = 0; cycle < cycles; cycle++) {
        const acked = await crashOnce(dir, seed, random);
        for (const [writer, batch] of acked) {
          ackCount += 1;
          if (batch > (lastAcked.get(writer) ?? 0)) lastAcked.set(writer, batch);
        }
        deepTables = await verifyStore(dir, model, lastAcked);
      }
      expect(ackCount).toBeGreaterThan(cycles);
      // The workload was big enough for flushes and compactions to run between the kills.
      expect(deepTables).toBeGreaterThan(0);
    });
  }, cycles * 1_500);
});
