import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CrashChild } from "@omnikv/testkit";

const ticker = join(import.meta.dirname, "fixtures", "ticker.mjs");

describe("CrashChild", () => {
  it("streams the child's lines and SIGKILLs it", async () => {
    const child = new CrashChild({ script: ticker });
    await child.waitForLines(500);
    expect(child.lines.slice(0, 3)).toEqual(["0", "1", "2"]);
    const exit = await child.kill();
    expect(exit.signal).toBe("SIGKILL");
    expect(child.isRunning).toBe(false);
    const seen = child.lines.length;
    expect(seen).toBeGreaterThanOrEqual(500);
    // Lines are consecutive integers: none lost or reordered by the reader.
    child.lines.forEach((line, i) => expect(line).toBe(String(i)));
  });

  it("kills a child at its deadline", async () => {
    const child = new CrashChild({ script: ticker, deadlineMs: 200 });
    const exit = await child.exited;
    expect(exit.signal).toBe("SIGKILL");
  });

  it("reports a child that exits before printing enough", async () => {
    const child = new CrashChild({ script: join(import.meta.dirname, "fixtures", "missing.mjs") });
    await expect(child.waitForLines(1)).rejects.toThrowError(/child exited \(code 1/);
  });
});
