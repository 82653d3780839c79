/**
 * The storage conformance suite against `MemoryLogStorage`, and the suite's own teeth: a storage
 * that forgets truncations must fail it.
 */
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MemoryLogStorage, WalLogStorage, checkRaftLogStorage, type LogEntry, type RaftLogStorage } from "@omnikv/raft";
import { makeTempDir, type TempDir } from "@omnikv/testkit";

let temp: TempDir | undefined;

afterEach(() => {
  temp?.cleanup();
  temp = undefined;
});

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
    expect(names.length).toBeGreaterThanOrEqual(10);
  });

  it("WalLogStorage passes every check, restarts included", async () => {
    const dir = makeTempDir("raft-wal-storage");
    temp = dir;
    let count = 0;
    const paths = new Map<RaftLogStorage, string>();
    const names = await checkRaftLogStorage({
      open: async () => {
        count += 1;
        const path = join(dir.path, `log-${count}`);
        const storage = await WalLogStorage.open(path);
        paths.set(storage, path);
        return storage;
      },
      reopen: async (storage) => {
        const path = paths.get(storage);
        if (path === undefined) throw new Error("reopen got a storage this harness did not open");
        await storage.close();
        const reopened = await WalLogStorage.open(path);
        paths.set(reopened, path);
        return reopened;
      },
    });
    expect(names.length).toBeGreaterThanOrEqual(10);
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
