import { describe, expect, it } from "vitest";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { argon2id } from "@noble/hashes/argon2.js";
import { withTempDir } from "./helpers.ts";
import {
  KeystoreFormatError,
  Sealer,
  WrongEncryptionKeyError,
  argon2Defaults,
  createKeystore,
  generateKeyFileContents,
  openKeystore,
  rekeyKeystore,
} from "../src/index.ts";

/** Cheap Argon2id for tests that are about the keystore, not the KDF's cost. */
const fastArgon2 = { memoryKiB: 64, iterations: 1, parallelism: 1 };
const aad = Buffer.from("x");

function saltOf(keystoreText: string): string {
  const match = /"salt": "([^"]+)"/.exec(keystoreText);
  if (match?.[1] === undefined) throw new Error("keystore without a salt");
  return match[1];
}

describe("Argon2id (the @noble/hashes implementation the keystore uses)", () => {
  it("matches RFC 9106's Argon2id test vector (section 5.3)", () => {
    const tag = argon2id(new Uint8Array(32).fill(0x01), new Uint8Array(16).fill(0x02), {
      t: 3,
      m: 32,
      p: 4,
      key: new Uint8Array(8).fill(0x03),
      personalization: new Uint8Array(12).fill(0x04),
      dkLen: 32,
    });
    expect(Buffer.from(tag).toString("hex")).toBe("0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659");
  });

  it("defaults at or above OWASP's recommendation (19 MiB x 2 or 46 MiB x 1)", () => {
    expect(argon2Defaults.memoryKiB * argon2Defaults.iterations).toBeGreaterThanOrEqual(46 * 1024);
    expect(argon2Defaults.memoryKiB).toBeGreaterThanOrEqual(19 * 1024);
  });
});

describe("keystore", () => {
  it("wraps a random data key under a passphrase (default parameters) and opens only with it", async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, "keystore.json");
      const created = await createKeystore(path, { passphrase: "correct horse battery staple" });
      const stored: unknown = JSON.parse(readFileSync(path, "utf8"));
      expect(stored).toMatchObject({ kdf: { algorithm: "argon2id", memoryKiB: argon2Defaults.memoryKiB, iterations: argon2Defaults.iterations } });
      expect(Buffer.from(saltOf(readFileSync(path, "utf8")), "base64").length).toBe(16);
      const reopened = await openKeystore(path, { passphrase: "correct horse battery staple" });
      const sealed = new Sealer(created).seal(aad, Buffer.from("row"));
      expect(Buffer.from(new Sealer(reopened).open(aad, sealed)).toString()).toBe("row");
      await expect(openKeystore(path, { passphrase: "correct horse battery stapler" })).rejects.toThrow(WrongEncryptionKeyError);
      await expect(openKeystore(path, { passphrase: "correct horse battery stapler" })).rejects.toMatchObject({ sqlState: "28P01" });
    });
  });

  it("uses a fresh salt and data key per keystore", async () => {
    await withTempDir(async (dir) => {
      await createKeystore(join(dir, "a"), { passphrase: "p" }, { argon2: fastArgon2 });
      await createKeystore(join(dir, "b"), { passphrase: "p" }, { argon2: fastArgon2 });
      const a = readFileSync(join(dir, "a"), "utf8");
      const b = readFileSync(join(dir, "b"), "utf8");
      expect(saltOf(a)).not.toBe(saltOf(b));
      await expect(createKeystore(join(dir, "a"), { passphrase: "p" })).rejects.toThrow(KeystoreFormatError);
    });
  });

  it("opens with a key file, refuses another key file, a passphrase, and a malformed key file", async () => {
    await withTempDir(async (dir) => {
      const keyFile = join(dir, "key");
      const otherKeyFile = join(dir, "other");
      writeFileSync(keyFile, generateKeyFileContents());
      writeFileSync(otherKeyFile, generateKeyFileContents());
      const path = join(dir, "keystore.json");
      const created = await createKeystore(path, { keyFile });
      const sealed = new Sealer(created).seal(aad, Buffer.from("row"));
      expect(Buffer.from(new Sealer(await openKeystore(path, { keyFile })).open(aad, sealed)).toString()).toBe("row");
      await expect(openKeystore(path, { keyFile: otherKeyFile })).rejects.toThrow(WrongEncryptionKeyError);
      await expect(openKeystore(path, { passphrase: "x" })).rejects.toThrow(WrongEncryptionKeyError);
      writeFileSync(otherKeyFile, "not hex\n");
      await expect(openKeystore(path, { keyFile: otherKeyFile })).rejects.toThrow(/64 hex digits/);
    });
  });

  it("rekeys without changing the data keys; the old key stops working", async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, "keystore.json");
      const keyFile = join(dir, "key");
      writeFileSync(keyFile, generateKeyFileContents());
      const created = await createKeystore(path, { passphrase: "old" }, { argon2: fastArgon2 });
      const sealed = new Sealer(created).seal(aad, Buffer.from("row"));
      await rekeyKeystore(path, { from: { passphrase: "old" }, to: { keyFile } });
      await expect(openKeystore(path, { passphrase: "old" })).rejects.toThrow(WrongEncryptionKeyError);
      expect(Buffer.from(new Sealer(await openKeystore(path, { keyFile })).open(aad, sealed)).toString()).toBe("row");
      await expect(rekeyKeystore(path, { from: { passphrase: "old" }, to: { passphrase: "new" } })).rejects.toThrow(WrongEncryptionKeyError);
    });
  });

  it("rotates the data key: new objects use it, old objects still open", async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, "keystore.json");
      const first = await createKeystore(path, { passphrase: "p" }, { argon2: fastArgon2 });
      const old = new Sealer(first).seal(aad, Buffer.from("old"));
      const currentId = await rekeyKeystore(path, { from: { passphrase: "p" }, to: { passphrase: "p" }, rotateDataKey: true, argon2: fastArgon2 });
      expect(currentId).toBe(2);
      const rotated = await openKeystore(path, { passphrase: "p" });
      expect(rotated.ids).toEqual([1, 2]);
      const fresh = new Sealer(rotated).seal(aad, Buffer.from("new"));
      expect(Sealer.keyIdOf(fresh)).toBe(2);
      expect(Buffer.from(new Sealer(rotated).open(aad, old)).toString()).toBe("old");
    });
  });

  it("rejects a file that is not a keystore, and Argon2 parameters edited below the floor", async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, "keystore.json");
      writeFileSync(path, "{}");
      await expect(openKeystore(path, { passphrase: "p" })).rejects.toThrow(KeystoreFormatError);
      writeFileSync(path, "not json");
      await expect(openKeystore(path, { passphrase: "p" })).rejects.toThrow(KeystoreFormatError);
      const real = join(dir, "real.json");
      await createKeystore(real, { passphrase: "p" }, { argon2: fastArgon2 });
      writeFileSync(real, readFileSync(real, "utf8").replace(/"memoryKiB": \d+/, '"memoryKiB": 1'));
      await expect(openKeystore(real, { passphrase: "p" })).rejects.toThrow(KeystoreFormatError);
    });
  });
});
