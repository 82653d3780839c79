/**
 * The storage conformance suite against `MemoryLogStorage`, and the suite's own teeth: a storage
 * that forgets truncations must fail it.
 */
import { describe, expect, it } from "vitest";
import { MemoryLogStorage, checkRaftLogStorage, type LogEntry, type RaftLogStorage } from "@omnikv/raft";

describe("RaftLogStorage conformance", () => {
  it("MemoryLogStorage passes every check", async () => {
    const names = await checkRaftLogStorage({
      open: () => Promise.resolve(new MemoryLogStorage()),
      reopen: async (storage) => {
        await storage.close();
        if (!(storage instanceof MemoryLogStorage)) throw new Error("reopen got a foreign storage");
        return storage.reopen();
      },
    });
    expect(names.length).toBeGreaterThanOrEqual(9);
  });

  it("fails a storage that ignores truncation", async () => {
    class Forgetful extends MemoryLogStorage {
      override truncateAfter(): Promise<void> {
        return Promise.resolve();
      }
      override append(entries: readonly LogEntry[]): Promise<void> {
        return super.append(entries);
      }
    }
    const open = (): Promise<RaftLogStorage> => Promise.resolve(new Forgetful());
    await expect(checkRaftLogStorage({ open })).rejects.toThrow(/truncates a conflicting suffix/);
  });
});
