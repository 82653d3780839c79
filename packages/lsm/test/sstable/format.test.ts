import CRC32 from "crc-32";
import { describe, expect, it } from "vitest";
import {
  blockHandleBytesMax,
  blockHandleLength,
  decodeBlockHandle,
  decodeFooter,
  encodeBlockHandle,
  encodeFooter,
  footerBytes,
  readUint32,
  tableFormatVersion,
  type Footer,
} from "../../src/sstable/format.ts";
import { writeBlockTrailer } from "../../src/sstable/block-codec.ts";

const footer: Footer = {
  filter: { offset: 123_456, size: 1_250 },
  index: { offset: 124_711, size: 9_000 },
  properties: { offset: 133_716, size: 80 },
  isSealed: false,
  formatVersion: tableFormatVersion,
};

describe("block handles", () => {
  it("round-trip through varints, up to 2^53 - 1 offsets", () => {
    for (const handle of [
      { offset: 0, size: 1 },
      { offset: 127, size: 128 },
      { offset: 2 ** 32 + 5, size: 4096 },
      { offset: Number.MAX_SAFE_INTEGER, size: 1 << 30 },
    ]) {
      const bytes = new Uint8Array(blockHandleBytesMax);
      const end = encodeBlockHandle(bytes, 0, handle);
      expect(end).toBe(blockHandleLength(handle));
      expect(end).toBeLessThanOrEqual(blockHandleBytesMax);
      expect(decodeBlockHandle(bytes, 0, end)).toEqual({ handle, next: end });
    }
  });

  it("reject truncated varints and sizes beyond the block limit", () => {
    const bytes = new Uint8Array(blockHandleBytesMax);
    const end = encodeBlockHandle(bytes, 0, { offset: 300, size: 300 });
    expect(decodeBlockHandle(bytes, 0, end - 1)).toBeUndefined();
    const huge = Uint8Array.from([0, 0x80, 0x80, 0x80, 0x80, 0x10]); // size 2^32
    expect(decodeBlockHandle(huge, 0, huge.length)).toBeUndefined();
  });
});

describe("footer", () => {
  it("round-trips with and without a filter and the sealed flag", () => {
    for (const f of [footer, { ...footer, filter: undefined }, { ...footer, isSealed: true }]) {
      const bytes = encodeFooter(f);
      expect(bytes).toHaveLength(footerBytes);
      expect(decodeFooter(bytes)).toEqual(f);
    }
  });

  it("ends with the format version and the magic", () => {
    const bytes = encodeFooter(footer);
    expect(readUint32(bytes, footerBytes - 12)).toBe(tableFormatVersion);
    expect(new TextDecoder().decode(bytes.subarray(footerBytes - 8))).toBe("OKVTABLE");
  });

  it("names what is wrong: magic, version, checksum, flags", () => {
    const badMagic = encodeFooter(footer);
    badMagic[footerBytes - 1] = 0x21;
    expect(decodeFooter(badMagic)).toBe("not a table file (bad magic)");

    const badVersion = encodeFooter(footer);
    badVersion[footerBytes - 12] = 9;
    expect(decodeFooter(badVersion)).toBe("unsupported table format version 9");

    const flipped = encodeFooter(footer);
    flipped[10] = (flipped[10] ?? 0) ^ 1;
    expect(decodeFooter(flipped)).toMatch(/^footer checksum mismatch/);

    const flags = encodeFooter(footer);
    flags[52] = 6;
    flags.set(crcBytes(flags.subarray(4)), 0);
    expect(decodeFooter(flags)).toBe("unknown footer flags 6");
  });
});

describe("block trailer", () => {
  it("is the type byte then a CRC over the stored bytes and the type byte", () => {
    const payload = new TextEncoder().encode("some stored block bytes");
    const trailer = new Uint8Array(5);
    writeBlockTrailer(trailer, payload, 1);
    expect(trailer[0]).toBe(1);
    const whole = new Uint8Array(payload.length + 1);
    whole.set(payload);
    whole[payload.length] = 1;
    expect(readUint32(trailer, 1)).toBe(CRC32.buf(whole) >>> 0);
  });
});

function crcBytes(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, CRC32.buf(bytes) >>> 0, true);
  return out;
}
