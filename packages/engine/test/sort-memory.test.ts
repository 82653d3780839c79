/**
 * Bounded memory of a sort larger than work_mem (issue: "a sort of 10× work_mem completes with
 * bounded RSS"). A child process sorts 400,000 generated rows of ~120 bytes (about 60 MB of row
 * data, 60× a 1 MB work_mem) and reads the result through a portal 1,000 rows at a time, with
 * V8's old space capped at 40 MB. Spilling to sorted runs on disk, it completes in order; the very
 * same sort held in memory (work_mem 1 GB) dies of the cap, which shows the cap binds.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const fixture = join(import.meta.dirname, "fixtures", "sort-rss.mjs");
const rowCount = 400_000;
const heapCapMb = 40;

function sortInChild(workMem: string): { readonly status: number | null; readonly signal: string | null; readonly stdout: string } {
  const child = spawnSync(process.execPath, [`--max-old-space-size=${heapCapMb}`, fixture, String(rowCount), workMem], { encoding: "utf8", timeout: 90_000 });
  return { status: child.status, signal: child.signal, stdout: child.stdout };
}

describe("a sort far beyond work_mem", () => {
  it(`completes under a ${heapCapMb} MB heap by spilling, where the in-memory sort cannot`, () => {
    const spilled = sortInChild("1MB");
    expect(spilled.status).toBe(0);
    const report: unknown = JSON.parse(spilled.stdout.trim());
    expect(report).toMatchObject({ count: rowCount });
    const inMemory = sortInChild("1GB");
    expect(inMemory.status === 0 && inMemory.signal === null).toBe(false);
  }, 180_000);
});
