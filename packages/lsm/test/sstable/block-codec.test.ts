/**
 * Block encoding: lz4 only when it saves an eighth, sealing after compression and before the
 * checksum, and every decode failure (checksum, cipher, compression type, lz4 length) reported as
 * a CorruptionError at the block's location.
 */
import CRC32 from "crc-32";
import { describe, expect, it } from "vitest";
import { SeededRandom } from "@omnikv/testkit";
import { CorruptionError } from "../../src/errors.ts";
import { BlockEncoder, decodeStoredBlock, incompressibleStreakMax, probeInterval, writeBlockTrailer } from "../../src/sstable/block-codec.ts";
import { CompressionType, blockTrailerBytes } from "../../src/sstable/format.ts";
import { ToyCipher } from "./helpers.ts";

const location = { path: "t.sst", offset: 8192, what: "data block" };

function store(payload: Uint8Array, type: CompressionType): Uint8Array {
  const stored = new Uint8Array(payload.length + blockTrailerBytes);
  stored.set(payload);
  const trailer = new Uint8Array(blockTrailerBytes);
  writeBlockTrailer(trailer, payload, type);
  stored.set(trailer, payload.length);
  return stored;
}

/** The stored block with its trailer's type byte replaced (and the CRC recomputed to match). */
function withType(stored: Uint8Array, type: number): Uint8Array {
  const out = stored.slice();
  const size = out.length - blockTrailerBytes;
  out[size] = type;
  new DataView(out.buffer).setUint32(size + 1, CRC32.buf(out.subarray(0, size + 1)) >>> 0, true);
  return out;
}

const compressible = new TextEncoder().encode("the same forty-byte phrase, over and over ".repeat(100));
const random = new SeededRandom(11).bytes(4000);

describe("block codec", () => {
  it("compresses with lz4 only when that saves at least an eighth", () => {
    const encoder = new BlockEncoder({ isCompressing: true, cipher: undefined, fileNumber: 1 });
    const small = encoder.encode(compressible, 0, true);
    expect(small.type).toBe(CompressionType.Lz4);
    expect(small.payload.length).toBeLessThan(compressible.length / 4);
    expect(decodeStoredBlock(store(small.payload, small.type), location, { fileNumber: 1, cipher: undefined, verifyChecksum: true })).toEqual(compressible);

    expect(encoder.encode(random, 0, true).type).toBe(CompressionType.None);
    expect(encoder.encode(compressible, 0, false).type).toBe(CompressionType.None);
    // Mostly random with a little repetition: compressible, but by less than an eighth.
    const barely = new Uint8Array(4000);
    barely.set(random.subarray(0, 3700));
    barely.set(random.subarray(0, 300), 3700);
    expect(encoder.encode(barely, 0, true).type).toBe(CompressionType.None);
    const none = new BlockEncoder({ isCompressing: false, cipher: undefined, fileNumber: 1 });
    expect(none.encode(compressible, 0, true).type).toBe(CompressionType.None);
  });

  it("stops trying blocks that never compress, and probes to notice when they do again", () => {
    const encoder = new BlockEncoder({ isCompressing: true, cipher: undefined, fileNumber: 1 });
    const types: number[] = [];
    for (let i = 0; i < incompressibleStreakMax; i++) types.push(encoder.encode(random, 0, true).type);
    // Now only every probeInterval-th block is tried: compressible blocks wait for the next probe.
    for (let i = 0; i < probeInterval + 2; i++) types.push(encoder.encode(compressible, 0, true).type);
    const lz4 = CompressionType.Lz4;
    const none = CompressionType.None;
    expect(types).toEqual([
      ...Array.from({ length: incompressibleStreakMax }, () => none),
      ...Array.from({ length: probeInterval - 1 }, () => none),
      lz4,
      lz4,
      lz4,
    ]);
  });

  it("seals after compressing and opens after checking the CRC", () => {
    const cipher = new ToyCipher();
    const encoder = new BlockEncoder({ isCompressing: true, cipher, fileNumber: 7 });
    const encoded = encoder.encode(compressible, 8192, true);
    expect(encoded.type).toBe(CompressionType.Lz4);
    expect(encoded.payload.length).toBeLessThan(compressible.length / 4);
    const stored = store(encoded.payload, encoded.type);
    const context = { fileNumber: 7, cipher, verifyChecksum: true };
    expect(decodeStoredBlock(stored, location, context)).toEqual(compressible);

    // Damage is caught by the CRC before the cipher sees the bytes.
    const opensBefore = cipher.openCount;
    const damaged = stored.slice();
    damaged[3] = (damaged[3] ?? 0) ^ 4;
    expect(() => decodeStoredBlock(damaged, location, context)).toThrow(/block checksum mismatch/);
    expect(cipher.openCount).toBe(opensBefore);

    // A sealed block moved to another file or offset fails to authenticate.
    expect(() => decodeStoredBlock(stored, { ...location, offset: 0 }, context)).toThrow(/fails to authenticate/);
    expect(() => decodeStoredBlock(stored, location, { ...context, fileNumber: 8 })).toThrow(CorruptionError);
  });

  it("reports unknown compression types and bad lz4 lengths as corruption", () => {
    const context = { fileNumber: 1, cipher: undefined, verifyChecksum: true };
    expect(() => decodeStoredBlock(withType(store(compressible, CompressionType.None), 7), location, context)).toThrow(/unknown compression type 7/);
    const encoder = new BlockEncoder({ isCompressing: true, cipher: undefined, fileNumber: 1 });
    const encoded = encoder.encode(compressible, 0, true).payload.slice();
    encoded[0] = (encoded[0] ?? 0) + 1; // claims one more raw byte than the lz4 data yields
    expect(() => decodeStoredBlock(store(encoded, CompressionType.Lz4), location, context)).toThrow(/decompresses to \d+ bytes, expected/);
    expect(() => decodeStoredBlock(store(Uint8Array.from([0x80]), CompressionType.Lz4), location, context)).toThrow(/malformed lz4 block length/);
  });

  it("skips the CRC only when asked", () => {
    const stored = store(compressible, CompressionType.None);
    stored[0] = (stored[0] ?? 0) ^ 1;
    expect(() => decodeStoredBlock(stored, location, { fileNumber: 1, cipher: undefined, verifyChecksum: true })).toThrow(CorruptionError);
    expect(decodeStoredBlock(stored, location, { fileNumber: 1, cipher: undefined, verifyChecksum: false })).toHaveLength(compressible.length);
  });
});
