/**
 * The storage conformance suite against `MemoryLogStorage`, and the suite's own teeth: a storage
 * that forgets truncations must fail it.
 */
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MemoryLogStorage, WalLogStorage, checkRaftLogStorage, type LogEntry, type RaftLogStorage, type WalLogStorageOptions } from "@omnikv/raft";
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

  const walCases: readonly { name: string; options: WalLogStorageOptions }[] = [
    { name: "default options", options: {} },
    // Tiny segments and cache: every check deletes segments and reads entries back from the WAL.
    { name: "4 KiB segments and a 2 KiB cache", options: { segmentBytesTarget: 4096, preallocateBytes: 4096, cacheBytesMax: 2048 } },
  ];
  for (const { name, options } of walCases) {
    it(`WalLogStorage passes every check, restarts included (${name})`, async () => {
      const dir = makeTempDir("raft-wal-storage");
      temp = dir;
      let count = 0;
      const paths = new Map<RaftLogStorage, string>();
      const names = await checkRaftLogStorage({
        open: async () => {
          count += 1;
          const path = join(dir.path, `log-${count}`);
          const storage = await WalLogStorage.open(path, options);
          paths.set(storage, path);
          return storage;
        },
        reopen: async (storage) => {
          const path = paths.get(storage);
          if (path === undefined) throw new Error("reopen got a storage this harness did not open");
          await storage.close();
          const reopened = await WalLogStorage.open(path, options);
          paths.set(reopened, path);
          return reopened;
        },
      });
      expect(names.length).toBeGreaterThanOrEqual(15);
    });
  }

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
