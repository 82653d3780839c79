/**
 * What it measures: replay throughput (records per second) of a log holding 100,000 records of
 * 100 bytes across several segments, as an LSM or Raft log store pays it at every open; and the
 * cost of one unsynced `append` call, the CPU side of group commit.
 * What it does not: fsync rates and group commit under concurrency — those are whole-process
 * figures measured by `durable-append.mjs` in the same `bench` target.
 */
import { join } from "node:path";
import { afterAll, bench, describe } from "vitest";
import { Wal } from "@omnikv/wal";
import { makeTempDir } from "@omnikv/testkit";

const recordCount = 100_000;
const temp = makeTempDir("wal-bench-replay");
const payload = new Uint8Array(100).fill(0x62);
const replayWal = await Wal.open(join(temp.path, "replay"), { segmentBytesTarget: 4 * 1024 * 1024 });
for (let i = 0; i < recordCount; i += 1000) {
  await replayWal.append(Array.from({ length: 1000 }, () => payload), { sync: false });
}
const appendWal = await Wal.open(join(temp.path, "append"));

afterAll(async () => {
  await replayWal.close();
  await appendWal.close();
  temp.cleanup();
});

describe("wal", () => {
  bench(`replay ${recordCount.toLocaleString("en-US")} records of 100 B`, () => {
    let count = 0;
    for (const record of replayWal.replay()) count += record.payload.length > 0 ? 1 : 0;
    if (count !== recordCount) throw new Error(`replayed ${count} records`);
  });

  bench("1,000 unsynced appends of 100 B, one call each", async () => {
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < 1000; i++) calls.push(appendWal.append(payload, { sync: false }));
    await Promise.all(calls);
  });
});
