/**
 * The ciphers inside the real Wal and LsmStore: every file kind round-trips, holds no plaintext,
 * and every tampering — a flipped ciphertext bit with its CRC recomputed (so only the cipher can
 * notice), blocks or records swapped between places, truncation — is a CorruptionError (XX001),
 * never garbage or a silently wrong answer.
 */
import { readFileSync, readdirSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import CRC32 from "crc-32";
import { SqlState, hasSqlState, lsn } from "@omnikv/base";
import { CorruptionError, LsmStore, type LsmOptions } from "@omnikv/lsm";
import { Wal } from "@omnikv/wal";
import { Keyring, Sealer, createStoreCiphers, type StoreCiphers } from "../src/index.ts";
import { withTempDir } from "./helpers.ts";

const encoder = new TextEncoder();
const canary = "PLAINTEXT-CANARY";
const keyCount = 400;
const keyOf = (i: number): Uint8Array => encoder.encode(`${canary}-key-${String(i).padStart(4, "0")}`);
const valueOf = (i: number, round: number): string => `${canary}-value-${round}-${String(i).padStart(4, "0")}-${"v".repeat(40)}`;

function lsmOptions(ciphers: StoreCiphers | undefined, compression: "none" | "lz4" = "none"): LsmOptions {
  const base: LsmOptions = { blockBytes: 1024, compression };
  return ciphers === undefined ? base : { ...base, cipher: { block: ciphers.block, wal: ciphers.wal, manifest: ciphers.manifest } };
}

async function writeRound(store: LsmStore, round: number): Promise<void> {
  for (let i = 0; i < keyCount; i++) await store.put(keyOf(i), encoder.encode(valueOf(i, round)), { sync: false });
}

function allFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile());
}

function filesContaining(dir: string, text: string): string[] {
  const needle = Buffer.from(text);
  return allFiles(dir).filter((path) => readFileSync(path).includes(needle));
}

/** The CRC a block trailer carries: crc32 over the stored payload, then the type byte. */
function blockCrc(payload: Uint8Array, type: number): number {
  return CRC32.buf(Uint8Array.of(type), CRC32.buf(payload)) >>> 0;
}

/** The length of the table's first block, found as the length whose trailer checks out. */
function firstBlockLength(table: Buffer): number {
  for (let length = 1; length + 5 <= table.length; length++) {
    const type = table[length] ?? 0;
    if (type <= 1 && table.readUInt32LE(length + 1) === blockCrc(table.subarray(0, length), type)) return length;
  }
  throw new Error("no block found");
}

/** Every frame of a wal segment: [offset, payload offset, payload length]. */
function frames(segment: Buffer): [number, number, number][] {
  const found: [number, number, number][] = [];
  let offset = 32;
  while (offset + 17 <= segment.length) {
    const length = segment.readUInt32LE(offset + 4);
    if (length === 0 || segment[offset + 8] !== 1) break;
    found.push([offset, offset + 17, length]);
    offset += 17 + length;
  }
  return found;
}

function rewriteFrameCrc(segment: Buffer, frameOffset: number, payloadLength: number): void {
  segment.writeUInt32LE(CRC32.buf(segment.subarray(frameOffset + 4, frameOffset + 17 + payloadLength)) >>> 0, frameOffset);
}

function tables(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith(".sst"))
    .sort()
    .map((name) => join(dir, name));
}

function walSegments(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith(".wal"))
    .sort()
    .map((name) => join(dir, name));
}

/** The wal's and the lsm's CorruptionError are classes of their own; both carry XX001. */
function expectCorruption(error: unknown): void {
  expect(error).toMatchObject({ name: "CorruptionError" });
  expect(hasSqlState(error, SqlState.DataCorrupted)).toBe(true);
}

function readAllErrors(store: LsmStore, round: number): unknown[] {
  const errors: unknown[] = [];
  for (let i = 0; i < keyCount; i++) {
    try {
      expect(new TextDecoder().decode(store.get(keyOf(i)))).toBe(valueOf(i, round));
    } catch (error) {
      errors.push(error);
    }
  }
  return errors;
}

describe("an encrypted LsmStore", () => {
  it("round-trips across reopen and compaction, and no file holds a plaintext key or value", async () => {
    await withTempDir(async (dir) => {
      const keyring = Keyring.generate();
      let store = await LsmStore.open(dir, lsmOptions(createStoreCiphers(keyring), "lz4"));
      await writeRound(store, 1);
      await store.flush();
      await writeRound(store, 2);
      await store.compact();
      await writeRound(store, 3); // stays in the wal and memtable
      await store.close();
      expect(filesContaining(dir, canary)).toEqual([]);
      store = await LsmStore.open(dir, lsmOptions(createStoreCiphers(keyring)));
      expect(readAllErrors(store, 3)).toEqual([]);
      expect([...store.scan({ limit: 3 })].map(([key]) => new TextDecoder().decode(key))).toEqual([0, 1, 2].map((i) => new TextDecoder().decode(keyOf(i))));
      expect(store.verify().problems).toEqual([]);
      await store.close();
      expect(filesContaining(dir, canary)).toEqual([]);
    });
  });

  it("an unencrypted store holds the canary (the grep can fail)", async () => {
    await withTempDir(async (dir) => {
      const store = await LsmStore.open(dir, lsmOptions(undefined));
      await writeRound(store, 1);
      await store.flush();
      await writeRound(store, 2);
      await store.close();
      expect(filesContaining(dir, canary).length).toBeGreaterThanOrEqual(2);
    });
  });

  it("another key fails at open with a CorruptionError and leaves every file as it was", async () => {
    await withTempDir(async (dir) => {
      const store = await LsmStore.open(dir, lsmOptions(createStoreCiphers(Keyring.generate())));
      await writeRound(store, 1);
      await store.flush();
      await writeRound(store, 2);
      await store.close();
      const before = allFiles(dir).map((path) => [path, readFileSync(path).toString("base64")]);
      const failure = await LsmStore.open(dir, lsmOptions(createStoreCiphers(Keyring.generate()))).then(
        () => undefined,
        (error: unknown) => error,
      );
      expectCorruption(failure);
      expect(allFiles(dir).map((path) => [path, readFileSync(path).toString("base64")])).toEqual(before);
    });
  });

  it("after a data-key rotation, new tables use the new key and compaction re-encrypts the old ones", async () => {
    await withTempDir(async (dir) => {
      const oldKey = { id: 1, key: Buffer.alloc(32, 1) };
      const newKey = { id: 2, key: Buffer.alloc(32, 2) };
      let store = await LsmStore.open(dir, lsmOptions(createStoreCiphers(new Keyring([oldKey], 1))));
      await writeRound(store, 1);
      await store.flush();
      await store.close();
      const keyIds = (): number[] => tables(dir).map((path) => Sealer.keyIdOf(readFileSync(path)));
      expect(keyIds()).toEqual([1]);
      store = await LsmStore.open(dir, lsmOptions(createStoreCiphers(new Keyring([oldKey, newKey], 2))));
      await writeRound(store, 2);
      await store.flush();
      expect(new Set(keyIds())).toEqual(new Set([1, 2]));
      await store.compact();
      expect(new Set(keyIds())).toEqual(new Set([2]));
      expect(readAllErrors(store, 2)).toEqual([]);
      await store.close();
    });
  });

  it("a manifest record with a flipped ciphertext bit under a recomputed CRC fails the open", async () => {
    await withTempDir(async (dir) => {
      const ciphers = createStoreCiphers(Keyring.generate());
      const store = await LsmStore.open(dir, lsmOptions(ciphers));
      await writeRound(store, 1);
      await store.flush();
      await store.close();
      const manifestDir = join(dir, readFileSync(join(dir, "CURRENT"), "utf8").trim());
      const [segment = ""] = walSegments(manifestDir);
      const bytes = readFileSync(segment);
      const [[frameOffset, payloadOffset, payloadLength] = [0, 0, 0]] = frames(bytes);
      bytes[payloadOffset + 20] = (bytes[payloadOffset + 20] ?? 0) ^ 0x01;
      rewriteFrameCrc(bytes, frameOffset, payloadLength);
      writeFileSync(segment, bytes);
      const failure = await LsmStore.open(dir, lsmOptions(ciphers)).then(
        () => undefined,
        (error: unknown) => error,
      );
      expectCorruption(failure);
      expect(String(failure)).toMatch(/failed authentication/);
    });
  });

  describe("table blocks", () => {
    async function twoTables(dir: string, ciphers: StoreCiphers): Promise<string[]> {
      const store = await LsmStore.open(dir, lsmOptions(ciphers));
      await writeRound(store, 1);
      await store.flush();
      await writeRound(store, 2);
      await store.flush();
      await store.close();
      return tables(dir);
    }

    it("a flipped ciphertext bit under a recomputed CRC fails authentication", async () => {
      await withTempDir(async (dir) => {
        const ciphers = createStoreCiphers(Keyring.generate());
        const [, newest = ""] = await twoTables(dir, ciphers);
        const table = readFileSync(newest);
        const length = firstBlockLength(table);
        table[40] = (table[40] ?? 0) ^ 0x01; // inside the ciphertext (after the 17-byte envelope header)
        table.writeUInt32LE(blockCrc(table.subarray(0, length), table[length] ?? 0), length + 1);
        writeFileSync(newest, table);
        const store = await LsmStore.open(dir, lsmOptions(ciphers));
        const errors = readAllErrors(store, 2);
        expect(errors.length).toBeGreaterThan(0);
        for (const error of errors) {
          expectCorruption(error);
          expect(String(error)).toMatch(/authenticate/);
        }
        expect(store.verify().problems.join("\n")).toMatch(/authenticate/);
        await store.close();
      });
    });

    it("a block copied from another table (same offset, valid CRC) fails authentication", async () => {
      await withTempDir(async (dir) => {
        const ciphers = createStoreCiphers(Keyring.generate());
        const [older = "", newer = ""] = await twoTables(dir, ciphers);
        const olderBytes = readFileSync(older);
        const newerBytes = readFileSync(newer);
        const length = firstBlockLength(newerBytes);
        expect(firstBlockLength(olderBytes)).toBe(length);
        olderBytes.copy(newerBytes, 0, 0, length + 5);
        writeFileSync(newer, newerBytes);
        const store = await LsmStore.open(dir, lsmOptions(ciphers));
        // Without the cipher this swap would silently return round 1's values for these keys.
        const errors = readAllErrors(store, 2);
        expect(errors.length).toBeGreaterThan(0);
        for (const error of errors) expectCorruption(error);
        await store.close();
      });
    });

    it("a truncated table is a CorruptionError", async () => {
      await withTempDir(async (dir) => {
        const ciphers = createStoreCiphers(Keyring.generate());
        const [, newer = ""] = await twoTables(dir, ciphers);
        truncateSync(newer, Math.floor(statSync(newer).size / 2));
        const store = await LsmStore.open(dir, lsmOptions(ciphers));
        expect(() => store.get(keyOf(1))).toThrow(CorruptionError);
        await store.close();
      });
    });
  });
});

describe("encrypted logs (wal records and manifest records)", () => {
  async function logWith(dir: string, ciphers: StoreCiphers, records: readonly string[]): Promise<string> {
    const wal = await Wal.open(dir, { cipher: ciphers.wal });
    for (const record of records) await wal.append(encoder.encode(record));
    await wal.close();
    const [segment = ""] = walSegments(dir);
    return segment;
  }

  async function replay(dir: string, ciphers: StoreCiphers): Promise<string[]> {
    const wal = await Wal.open(dir, { cipher: ciphers.wal });
    try {
      const records: string[] = [];
      for (const record of wal.replay(lsn(1))) records.push(new TextDecoder().decode(record.payload));
      return records;
    } finally {
      await wal.close();
    }
  }

  it("round-trip, hold no plaintext, and open only under their own key", async () => {
    await withTempDir(async (dir) => {
      const ciphers = createStoreCiphers(Keyring.generate());
      await logWith(dir, ciphers, [`${canary} one`, `${canary} two`]);
      expect(filesContaining(dir, canary)).toEqual([]);
      expect(await replay(dir, ciphers)).toEqual([`${canary} one`, `${canary} two`]);
      await expect(replay(dir, createStoreCiphers(Keyring.generate()))).rejects.toSatisfy((error) => hasSqlState(error, SqlState.DataCorrupted));
    });
  });

  it("a flipped ciphertext bit under a recomputed CRC fails authentication", async () => {
    await withTempDir(async (dir) => {
      const ciphers = createStoreCiphers(Keyring.generate());
      const segment = await logWith(dir, ciphers, ["first record", "second record", "third record"]);
      const bytes = readFileSync(segment);
      const [, [frameOffset, payloadOffset, payloadLength] = [0, 0, 0]] = frames(bytes);
      bytes[payloadOffset + 20] = (bytes[payloadOffset + 20] ?? 0) ^ 0x01;
      rewriteFrameCrc(bytes, frameOffset, payloadLength);
      writeFileSync(segment, bytes);
      await expect(replay(dir, ciphers)).rejects.toThrow(/failed authentication/);
    });
  });

  it("records swapped between positions (CRCs recomputed) fail authentication", async () => {
    await withTempDir(async (dir) => {
      const ciphers = createStoreCiphers(Keyring.generate());
      const segment = await logWith(dir, ciphers, ["record A", "record B"]);
      const bytes = readFileSync(segment);
      const [[firstOffset, firstPayload, length] = [0, 0, 0], [secondOffset, secondPayload] = [0, 0]] = frames(bytes);
      const first = Buffer.from(bytes.subarray(firstPayload, firstPayload + length));
      bytes.copy(bytes, firstPayload, secondPayload, secondPayload + length);
      first.copy(bytes, secondPayload);
      rewriteFrameCrc(bytes, firstOffset, length);
      rewriteFrameCrc(bytes, secondOffset, length);
      writeFileSync(segment, bytes);
      await expect(replay(dir, ciphers)).rejects.toThrow(/failed authentication/);
    });
  });

  it("a manifest record replayed as a wal record (same LSN) fails authentication", async () => {
    await withTempDir(async (dir) => {
      const ciphers = createStoreCiphers(Keyring.generate());
      const manifest = await Wal.open(join(dir, "manifest"), { cipher: ciphers.manifest });
      await manifest.append(encoder.encode("a manifest edit"));
      await manifest.close();
      // The manifest's segment, moved into place as a wal: its frames are intact, its binding is not.
      const [segment = ""] = walSegments(join(dir, "manifest"));
      await expect(replay(join(dir, "manifest"), ciphers)).rejects.toThrow(/failed authentication/);
      expect(segment).not.toBe("");
    });
  });

  it("a truncated tail loses only the torn record, never decrypts a part of one", async () => {
    await withTempDir(async (dir) => {
      const ciphers = createStoreCiphers(Keyring.generate());
      const segment = await logWith(dir, ciphers, ["kept", "torn"]);
      truncateSync(segment, statSync(segment).size - 5);
      expect(await replay(dir, ciphers)).toEqual(["kept"]);
    });
  });
});
