import { readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SqlState, hasSqlState, lsn, type Lsn } from "@omnikv/base";
import { CorruptionError, Wal, WalArgumentError, WalIoError, WalLimitError, WalStateError, type WalCipher } from "@omnikv/wal";
import { makeTempDir, type TempDir } from "@omnikv/testkit";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const bytes = (text: string): Uint8Array => encoder.encode(text);

function texts(wal: Wal, from?: Lsn): string[] {
  return [...wal.replay(from)].map((r) => `${r.lsn}:${decoder.decode(r.payload)}`);
}

describe("Wal", () => {
  let temp: TempDir;
  afterEach(() => temp.cleanup());
  const dir = (): string => {
    temp = makeTempDir("wal");
    return join(temp.path, "log");
  };

  it("appends, replays and survives reopen", async () => {
    const path = dir();
    const wal = await Wal.open(path);
    expect(wal.nextLsn).toBe(1n);
    expect(await wal.append(bytes("a"))).toBe(1n);
    expect(await wal.append([bytes("b"), bytes("c")])).toBe(3n);
    expect(await wal.append(bytes("d"), { sync: false })).toBe(4n);
    expect(texts(wal)).toEqual(["1:a", "2:b", "3:c", "4:d"]);
    await wal.close();

    const reopened = await Wal.open(path);
    expect(reopened.nextLsn).toBe(5n);
    expect(texts(reopened)).toEqual(["1:a", "2:b", "3:c", "4:d"]);
    expect(texts(reopened, lsn(3))).toEqual(["3:c", "4:d"]);
    expect(await reopened.append(bytes("e"))).toBe(5n);
    await reopened.close();
    expect(reopened.stats().tornTailBytesAtOpen).toBe(0);
  });

  it("stores empty payloads and binary data byte for byte", async () => {
    const wal = await Wal.open(dir());
    const binary = Uint8Array.from({ length: 300 }, (_, i) => (i * 37) & 0xff);
    await wal.append([new Uint8Array(0), binary]);
    const records = [...wal.replay()];
    expect(records.map((r) => r.payload.length)).toEqual([0, 300]);
    expect(records[1]?.payload).toEqual(binary);
    await wal.close();
  });

  it("resolves every append of a burst and batches them into few syncs (group commit)", async () => {
    const wal = await Wal.open(dir());
    const lsns = await Promise.all(Array.from({ length: 200 }, (_, i) => wal.append(bytes(`r${i}`))));
    expect(lsns).toEqual(Array.from({ length: 200 }, (_, i) => BigInt(i + 1)));
    const stats = wal.stats();
    expect(stats.syncCount).toBeGreaterThanOrEqual(1);
    expect(stats.syncCount).toBeLessThan(20);
    expect(stats.recordsPerSyncMean).toBeGreaterThan(10);
    await wal.close();
  });

  it("rejects bad input with SQLSTATEs and keeps working", async () => {
    const wal = await Wal.open(dir(), { recordBytesMax: 1024 });
    await expect(wal.append([])).rejects.toBeInstanceOf(WalArgumentError);
    const tooBig = wal.append(new Uint8Array(1025));
    await expect(tooBig).rejects.toBeInstanceOf(WalLimitError);
    await expect(tooBig).rejects.toSatisfy((e) => hasSqlState(e, SqlState.ProgramLimitExceeded));
    // A batch with one oversized record is refused whole.
    await expect(wal.append([bytes("ok"), new Uint8Array(2000)])).rejects.toBeInstanceOf(WalLimitError);
    expect(await wal.append(bytes("fine"))).toBe(1n);
    expect(texts(wal)).toEqual(["1:fine"]);
    await wal.close();
  });

  it("rejects invalid options", async () => {
    await expect(Wal.open(dir(), { segmentBytesTarget: 0 })).rejects.toBeInstanceOf(WalArgumentError);
    await expect(Wal.open(dir(), { recordBytesMax: 1.5 })).rejects.toBeInstanceOf(WalArgumentError);
    await expect(Wal.open(dir(), { recordBytesMax: 2 ** 30 })).rejects.toBeInstanceOf(WalLimitError);
  });

  it("refuses appends and replay after close, but close is idempotent", async () => {
    const wal = await Wal.open(dir());
    const unsynced = wal.append(bytes("x"), { sync: false });
    await wal.close();
    expect(await unsynced).toBe(1n);
    await expect(wal.append(bytes("y"))).rejects.toBeInstanceOf(WalStateError);
    expect(() => [...wal.replay()]).toThrow(WalStateError);
    await wal.close();
  });

  it("makes unsynced appends durable at close", async () => {
    const path = dir();
    const wal = await Wal.open(path);
    const appends = Array.from({ length: 50 }, (_, i) => wal.append(bytes(`u${i}`), { sync: false }));
    await wal.close();
    await Promise.all(appends);
    const reopened = await Wal.open(path);
    expect(texts(reopened)).toHaveLength(50);
    await reopened.close();
  });

  it("rotates segments at the size target and replays across them", async () => {
    const path = dir();
    const wal = await Wal.open(path, { segmentBytesTarget: 256 });
    for (let i = 0; i < 40; i++) await wal.append(bytes(`record-${i}-${"x".repeat(i)}`));
    const segmentCount = wal.stats().segmentCount;
    expect(segmentCount).toBeGreaterThan(5);
    expect(readdirSync(path).filter((n) => n.endsWith(".wal"))).toHaveLength(segmentCount);
    await wal.close();
    const reopened = await Wal.open(path, { segmentBytesTarget: 256 });
    const all = texts(reopened);
    expect(all).toHaveLength(40);
    expect(all[39]).toBe(`40:record-39-${"x".repeat(39)}`);
    expect(texts(reopened, lsn(38))).toHaveLength(3);
    await reopened.close();
  });

  it("truncateBefore drops whole segments below the checkpoint, never the active one", async () => {
    const path = dir();
    const wal = await Wal.open(path, { segmentBytesTarget: 200 });
    for (let i = 0; i < 30; i++) await wal.append(bytes(`r${i}-${"y".repeat(40)}`));
    const before = wal.stats().segmentCount;
    expect(await wal.truncateBefore(lsn(1))).toBe(0);
    const removed = await wal.truncateBefore(lsn(20));
    expect(removed).toBeGreaterThan(0);
    expect(wal.stats().segmentCount).toBe(before - removed);
    expect(wal.firstLsn).toBeLessThanOrEqual(20n);
    const remaining = [...wal.replay()].map((r) => r.lsn);
    expect(remaining[0]).toBe(wal.firstLsn);
    expect(remaining.at(-1)).toBe(30n);
    // Everything at or after the checkpoint survives.
    expect(remaining).toContain(20n);
    await wal.truncateBefore(lsn(1000));
    expect(wal.stats().segmentCount).toBe(1);
    expect(await wal.append(bytes("after"))).toBe(31n);
    await wal.close();
    const reopened = await Wal.open(path, { segmentBytesTarget: 200 });
    expect([...reopened.replay()].at(-1)?.lsn).toBe(31n);
    await reopened.close();
  });

  it("locks its directory against a second writer until closed", async () => {
    const path = dir();
    const wal = await Wal.open(path);
    await expect(Wal.open(path)).rejects.toThrowError(/is locked by this process/);
    await expect(Wal.open(path)).rejects.toBeInstanceOf(WalStateError);
    await wal.append(bytes("still fine"));
    await wal.close();
    const reopened = await Wal.open(path);
    expect(texts(reopened)).toEqual(["1:still fine"]);
    await reopened.close();
  });

  it("takes over a lock left by a process that no longer runs", async () => {
    const path = dir();
    await (await Wal.open(path)).close();
    // Pid 2^22+1 is above Linux's pid_max default range and names no running process.
    writeFileSync(join(path, "LOCK"), `${2 ** 22 + 1}\n`);
    const wal = await Wal.open(path);
    expect(wal.nextLsn).toBe(1n);
    await wal.close();
  });

  it("an empty log reopens empty", async () => {
    const path = dir();
    await (await Wal.open(path)).close();
    const reopened = await Wal.open(path);
    expect(texts(reopened)).toEqual([]);
    expect(reopened.nextLsn).toBe(1n);
    expect(reopened.firstLsn).toBe(1n);
    await reopened.close();
  });
});

describe("Wal fsync failure", () => {
  let temp: TempDir;
  afterEach(() => temp.cleanup());

  it("sync() makes what was appended without sync durable, and syncs nothing when all is durable", async () => {
    temp = makeTempDir("wal-sync");
    const synced: number[] = [];
    const syncFile = async (fd: number): Promise<void> => {
      synced.push(fd);
      await new Promise((resolve) => setTimeout(resolve, 2));
    };
    const wal = await Wal.open(join(temp.path, "log"), { syncFile });
    await wal.append(bytes("a"), { sync: true });
    const before = synced.length;
    await wal.append(bytes("b"), { sync: false });
    await wal.append(bytes("c"), { sync: false });
    expect(synced.length).toBe(before);
    await wal.sync();
    expect(synced.length).toBe(before + 1);
    expect(wal.stats().syncCount).toBeGreaterThanOrEqual(2);
    await wal.sync();
    expect(synced.length).toBe(before + 1);
    // Queued behind a write still pending in this turn: that write is covered too.
    const pending = wal.append(bytes("d"), { sync: false });
    await wal.sync();
    await pending;
    expect(synced.length).toBe(before + 2);
    await wal.close();
    await expect(wal.sync()).rejects.toThrow(/closed/);
  });

  it("rejects every covered append, then fails the log for good", async () => {
    temp = makeTempDir("wal-fail");
    let isFailing = false;
    const syncFile = async (fd: number): Promise<void> => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (isFailing) throw Object.assign(new Error(`EIO: i/o error, fdatasync ${fd}`), { code: "EIO" });
    };
    const wal = await Wal.open(join(temp.path, "log"), { syncFile });
    expect(await wal.append(bytes("before"))).toBe(1n);
    isFailing = true;
    const covered = Array.from({ length: 10 }, (_, i) => wal.append(bytes(`c${i}`)));
    const results = await Promise.allSettled(covered);
    for (const result of results) {
      expect(result.status).toBe("rejected");
      if (result.status === "rejected") {
        expect(result.reason).toBeInstanceOf(WalIoError);
        expect(hasSqlState(result.reason, SqlState.IoError)).toBe(true);
      }
    }
    isFailing = false;
    // No silent continue: the log stays failed even though fsync would now succeed.
    await expect(wal.append(bytes("later"))).rejects.toBeInstanceOf(WalIoError);
    await expect(wal.append(bytes("later"), { sync: false })).rejects.toThrowError(/failed earlier/);
    await expect(wal.truncateBefore(lsn(1))).rejects.toBeInstanceOf(WalIoError);
    await wal.close();
  });
});

describe("Wal cipher hook", () => {
  let temp: TempDir;
  afterEach(() => temp.cleanup());

  /** A toy cipher for the hook's contract: xor with a key byte mixed with the LSN, plus a check byte. */
  function xorCipher(key: number): WalCipher {
    const apply = (at: Lsn, input: Uint8Array): Uint8Array => input.map((b) => b ^ key ^ Number(at & 0xffn));
    return {
      seal: (at, plaintext) => Uint8Array.of(...apply(at, plaintext), key),
      open: (at, sealed) => {
        if (sealed.at(-1) !== key) throw new Error("authentication failed");
        return apply(at, sealed.subarray(0, -1));
      },
    };
  }

  it("seals payloads on disk and opens them on replay", async () => {
    temp = makeTempDir("wal-cipher");
    const path = join(temp.path, "log");
    const wal = await Wal.open(path, { cipher: xorCipher(0x5a) });
    await wal.append([bytes("secret-1"), bytes("secret-2")]);
    await wal.close();
    const segment = readdirSync(path).find((n) => n.endsWith(".wal")) ?? "";
    expect(statSync(join(path, segment)).size).toBeGreaterThan(0);
    expect(Buffer.from(readFileSync(join(path, segment))).includes("secret")).toBe(false);

    const reopened = await Wal.open(path, { cipher: xorCipher(0x5a) });
    expect(texts(reopened)).toEqual(["1:secret-1", "2:secret-2"]);
    await reopened.close();

    const wrongKey = await Wal.open(path, { cipher: xorCipher(0x11) });
    expect(() => [...wrongKey.replay()]).toThrow(CorruptionError);
    await wrongKey.close();
    await expect(Wal.open(path)).rejects.toBeInstanceOf(WalStateError);
  });

  it("a cipher that throws on seal rejects the append and leaves no partial batch", async () => {
    temp = makeTempDir("wal-cipher");
    let calls = 0;
    const flaky: WalCipher = {
      seal: (_at, plaintext) => {
        calls += 1;
        if (calls === 2) throw new Error("hsm unavailable");
        return plaintext;
      },
      open: (_at, sealed) => sealed,
    };
    const wal = await Wal.open(join(temp.path, "log"), { cipher: flaky });
    await expect(wal.append([bytes("a"), bytes("b")])).rejects.toThrowError(/hsm unavailable/);
    expect(await wal.append(bytes("c"))).toBe(1n);
    expect(texts(wal)).toEqual(["1:c"]);
    await wal.close();
  });
});
