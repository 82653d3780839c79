import { describe, expect, it } from "vitest";
import * as fc from "fast-check";
import { DataCorruptedError } from "@omnikv/base";
import { DecryptionFailedError, Keyring, Sealer, createStoreCiphers, sealOverheadBytes } from "../src/index.ts";
import { lsn } from "@omnikv/base";

const aad = (text: string): Uint8Array => Buffer.from(text);

describe("Sealer (AES-256-GCM)", () => {
  it("round-trips any plaintext under its associated data", () => {
    const sealer = new Sealer(Keyring.generate());
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), fc.uint8Array({ maxLength: 40 }), (plaintext, associated) => {
        const sealed = sealer.seal(associated, plaintext);
        expect(sealed.length).toBe(plaintext.length + sealOverheadBytes);
        expect(Buffer.from(sealer.open(associated, sealed)).equals(Buffer.from(plaintext))).toBe(true);
      }),
    );
  });

  it("detects every flipped bit, every truncation and other associated data", () => {
    const sealer = new Sealer(Keyring.generate());
    const plaintext = Buffer.from("the quick brown fox jumps over the lazy dog");
    const sealed = sealer.seal(aad("file 7 offset 4096"), plaintext);
    fc.assert(
      fc.property(fc.nat({ max: sealed.length * 8 - 1 }), (bit) => {
        const tampered = Buffer.from(sealed);
        tampered[bit >> 3] = (tampered[bit >> 3] ?? 0) ^ (1 << (bit & 7));
        expect(() => sealer.open(aad("file 7 offset 4096"), tampered)).toThrow(DecryptionFailedError);
      }),
      { numRuns: 300 },
    );
    for (let length = 0; length < sealed.length; length += 7) {
      expect(() => sealer.open(aad("file 7 offset 4096"), sealed.subarray(0, length))).toThrow(DecryptionFailedError);
    }
    expect(() => sealer.open(aad("file 7 offset 8192"), sealed)).toThrow(DecryptionFailedError);
  });

  it("reports failures as data corruption (XX001)", () => {
    const sealer = new Sealer(Keyring.generate());
    const sealed = sealer.seal(aad("a"), Buffer.from("x"));
    const error = (() => {
      try {
        sealer.open(aad("b"), sealed);
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(DataCorruptedError);
    expect(error).toMatchObject({ sqlState: "XX001" });
  });

  it("never repeats a nonce within a sealer, and sealers start at random points", () => {
    const keyring = Keyring.generate();
    const nonces = new Set<string>();
    for (const sealer of [new Sealer(keyring), new Sealer(keyring)]) {
      for (let index = 0; index < 20_000; index += 1) {
        const sealed = sealer.seal(aad(""), new Uint8Array(0));
        nonces.add(Buffer.from(sealed.subarray(5, 17)).toString("hex"));
      }
    }
    expect(nonces.size).toBe(40_000);
  });

  it("opens objects sealed under an older data key after rotation, and names an unknown key", () => {
    const oldKey = { id: 1, key: Buffer.alloc(32, 1) };
    const newKey = { id: 2, key: Buffer.alloc(32, 2) };
    const before = new Sealer(new Keyring([oldKey], 1)).seal(aad("p"), Buffer.from("old"));
    const rotated = new Sealer(new Keyring([oldKey, newKey], 2));
    const after = rotated.seal(aad("p"), Buffer.from("new"));
    expect(Sealer.keyIdOf(before)).toBe(1);
    expect(Sealer.keyIdOf(after)).toBe(2);
    expect(Buffer.from(rotated.open(aad("p"), before)).toString()).toBe("old");
    expect(() => new Sealer(new Keyring([oldKey], 1)).open(aad("p"), after)).toThrow(/data key 2/);
  });

  it("rejects another key's objects", () => {
    const sealed = new Sealer(new Keyring([{ id: 1, key: Buffer.alloc(32, 1) }], 1)).seal(aad("p"), Buffer.from("secret"));
    expect(() => new Sealer(new Keyring([{ id: 1, key: Buffer.alloc(32, 9) }], 1)).open(aad("p"), sealed)).toThrow(DecryptionFailedError);
  });
});

describe("store ciphers", () => {
  const ciphers = createStoreCiphers(Keyring.generate());

  it("bind a block to its file and offset", () => {
    const sealed = ciphers.block.seal(12, 4096, Buffer.from("block"));
    expect(Buffer.from(ciphers.block.open(12, 4096, sealed)).toString()).toBe("block");
    expect(() => ciphers.block.open(13, 4096, sealed)).toThrow(DecryptionFailedError);
    expect(() => ciphers.block.open(12, 0, sealed)).toThrow(DecryptionFailedError);
  });

  it("keep wal, manifest, block and spill objects apart at equal positions", () => {
    const record = ciphers.wal.seal(lsn(5), Buffer.from("record"));
    expect(Buffer.from(ciphers.wal.open(lsn(5), record)).toString()).toBe("record");
    expect(() => ciphers.wal.open(lsn(6), record)).toThrow(DecryptionFailedError);
    expect(() => ciphers.manifest.open(lsn(5), record)).toThrow(DecryptionFailedError);
    expect(() => ciphers.block.open(5, 0, record)).toThrow(DecryptionFailedError);
    expect(() => ciphers.spill.open(5, 0, record)).toThrow(DecryptionFailedError);
  });
});
