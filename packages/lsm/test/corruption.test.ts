/**
 * Damage on disk: a reader gets a CorruptionError (XX001), never a wrong answer; `verify()` names
 * the damage; a missing or garbled manifest is a clear error at open, never an empty store.
 */
import { closeSync, openSync, readFileSync, readSync, readdirSync, statSync, truncateSync, unlinkSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SqlState, hasSqlState } from "@omnikv/base";
import { CorruptionError, LsmStore, type LsmOptions } from "@omnikv/lsm";
import { Wal } from "@omnikv/wal";
import { makeTempDir, type TempDir } from "@omnikv/testkit";

const encoder = new TextEncoder();
const options: LsmOptions = { blockBytes: 512, compression: "none" };
const keyCount = 500;
const keyOf = (i: number): Uint8Array => encoder.encode(`key${String(i).padStart(4, "0")}`);

async function buildStore(path: string): Promise<void> {
  const store = await LsmStore.open(path, options);
  for (let i = 0; i < keyCount; i++) await store.put(keyOf(i), encoder.encode(`value-${i}-${"x".repeat(40)}`), { sync: false });
  await store.compact();
  await store.close();
}

function onlyTable(path: string): string {
  const tables = readdirSync(path).filter((n) => n.endsWith(".sst"));
  expect(tables).toHaveLength(1);
  return join(path, tables[0] ?? "");
}

function flipByte(file: string, offset: number): void {
  const fd = openSync(file, "r+");
  const one = new Uint8Array(1);
  readSync(fd, one, 0, 1, offset);
  one[0] = (one[0] ?? 0) ^ 0x20;
  writeSync(fd, one, 0, 1, offset);
  closeSync(fd);
}

/** Reads every key; returns the errors thrown, and fails if any read returns a wrong value. */
function readAll(store: LsmStore): unknown[] {
  const errors: unknown[] = [];
  for (let i = 0; i < keyCount; i++) {
    try {
      const value = store.get(keyOf(i));
      expect(new TextDecoder().decode(value)).toBe(`value-${i}-${"x".repeat(40)}`);
    } catch (error) {
      errors.push(error);
    }
  }
  return errors;
}

describe("lsm corruption handling", () => {
  let temp: TempDir;
  afterEach(() => temp.cleanup());
  const dir = (): string => {
    temp = makeTempDir("lsm-corrupt");
    return join(temp.path, "db");
  };

  it("a flipped bit in a data block is a CorruptionError for readers and a problem for verify", async () => {
    const path = dir();
    await buildStore(path);
    flipByte(onlyTable(path), 100);
    const store = await LsmStore.open(path, options);
    const errors = readAll(store);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.length).toBeLessThan(keyCount);
    for (const error of errors) {
      expect(error).toBeInstanceOf(CorruptionError);
      expect(hasSqlState(error, SqlState.DataCorrupted)).toBe(true);
    }
    expect(() => [...store.scan()]).toThrow(CorruptionError);
    const report = store.verify();
    expect(report.tablesChecked).toBe(1);
    expect(report.problems.length).toBeGreaterThan(0);
    await store.close();
  });

  it("a truncated table fails its readers with CorruptionError", async () => {
    const path = dir();
    await buildStore(path);
    const table = onlyTable(path);
    truncateSync(table, Math.floor(statSync(table).size / 2));
    const store = await LsmStore.open(path, options);
    expect(() => store.get(keyOf(1))).toThrow(CorruptionError);
    expect(store.verify().problems.length).toBeGreaterThan(0);
    await store.close();
  });

  it("a garbled manifest record is an error at open, not an empty store", async () => {
    const path = dir();
    await buildStore(path);
    const manifestDir = join(path, readFileSync(join(path, "CURRENT"), "utf8").trim());
    // A record whose frame is intact (valid CRC) but whose content is not a version edit.
    const manifest = await Wal.open(manifestDir);
    await manifest.append(encoder.encode("{ this is not a version edit"));
    await manifest.close();
    await expect(LsmStore.open(path, options)).rejects.toBeInstanceOf(CorruptionError);
  });

  it("a damaged manifest frame followed by valid ones is an error at open", async () => {
    const path = dir();
    await buildStore(path);
    const manifestDir = join(path, readFileSync(join(path, "CURRENT"), "utf8").trim());
    const segment = join(manifestDir, readdirSync(manifestDir).find((n) => n.endsWith(".wal")) ?? "");
    flipByte(segment, 32 + 17 + 2);
    const failure = LsmStore.open(path, options);
    await expect(failure).rejects.toSatisfy((e) => hasSqlState(e, SqlState.DataCorrupted));
    await expect(failure).rejects.toThrowError(/offset 32/);
  });

  it("a CURRENT that names nothing, or is missing beside store files, is an error at open", async () => {
    const path = dir();
    await buildStore(path);
    writeFileSync(join(path, "CURRENT"), "MANIFEST-999999\n");
    await expect(LsmStore.open(path, options)).rejects.toThrowError(/does not exist/);
    writeFileSync(join(path, "CURRENT"), "garbage");
    await expect(LsmStore.open(path, options)).rejects.toBeInstanceOf(CorruptionError);
    unlinkSync(join(path, "CURRENT"));
    await expect(LsmStore.open(path, options)).rejects.toThrowError(/refusing to start an empty store/);
  });
});
