/**
 * The codec alone: framing over arbitrary splits, length limits, message decoding errors, startup
 * options, and the output buffer's framing.
 */
import * as fc from "fast-check";
import { propertyParams } from "@omnikv/testkit";
import { describe, expect, it } from "vitest";
import { MessageReader, type RawMessage } from "../src/codec/message-reader.ts";
import { decodeFrontendMessage } from "../src/codec/frontend-messages.ts";
import { decodeStartupPacket, parseStartupOptions } from "../src/codec/startup-packet.ts";
import { MessageBuffer } from "../src/codec/message-buffer.ts";
import { MessageWriter } from "../src/codec/message-writer.ts";
import { Duplex } from "node:stream";
import { writeDataRow, writeErrorOrNotice } from "../src/codec/backend-messages.ts";
import { fe } from "@omnikv/testkit";

function drain(reader: MessageReader): RawMessage[] {
  const messages: RawMessage[] = [];
  for (let next = reader.next(); next !== undefined; next = reader.next()) messages.push(next);
  return messages;
}


/** The value `action` throws, or undefined. */
function thrown(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe("MessageReader", () => {
  const stream = Buffer.concat([fe.startup({ user: "u" }), fe.query("SELECT 1"), fe.parse("s", "SELECT $1", [23]), fe.sync(), fe.copyData("x".repeat(3000))]);
  const wholeReader = new MessageReader(1 << 20);
  wholeReader.push(stream);
  const whole = drain(wholeReader);

  it("frames a startup packet, then typed messages", () => {
    expect(whole.map((one) => one.type)).toEqual([0, 0x51, 0x50, 0x53, 0x64]);
    expect(decodeFrontendMessage(whole[1] ?? { type: 0, payload: new Uint8Array() })).toEqual({ kind: "query", sql: "SELECT 1" });
  });

  it("yields the same messages however the stream is split", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: stream.length }), { maxLength: 20 }), (cuts) => {
        const reader = new MessageReader(1 << 20);
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const messages: RawMessage[] = [];
        let start = 0;
        for (const point of [...points, stream.length]) {
          reader.push(stream.subarray(start, point));
          messages.push(...drain(reader));
          start = point;
        }
        expect(messages).toEqual(whole);
        expect(reader.bufferedSizeBytes).toBe(0);
      }),
      propertyParams(200),
    );
  });

  it("rejects a length over the limit as soon as the header arrives", () => {
    const reader = new MessageReader(1024);
    reader.push(fe.startup({ user: "u" }));
    drain(reader);
    reader.push(Buffer.from([0x51, 0x7f, 0xff, 0xff, 0xff]));
    expect(thrown(() => reader.next())).toMatchObject({ sqlState: "08P01", message: "invalid message length 2147483647" });
  });
});

describe("frontend messages", () => {
  const decode = (bytes: Buffer): unknown => decodeFrontendMessage({ type: bytes[0] ?? 0, payload: bytes.subarray(5) });

  it("decodes Bind with expanded formats and NULLs", () => {
    expect(decode(fe.bind("p", "s", [Buffer.from("1"), null], [1], []))).toEqual({
      kind: "bind", portal: "p", statement: "s", params: [new Uint8Array([0x31]), null], paramFormats: [1, 1], resultFormats: [],
    });
  });

  it("rejects trailing bytes, bad format codes and mismatched format counts", () => {
    expect(() => decode(Buffer.concat([fe.sync().subarray(0, 1), Buffer.from([0, 0, 0, 5, 0])]))).toThrow("invalid message format");
    expect(() => decode(fe.bind("", "", [null], [2]))).toThrow("unsupported format code: 2");
    expect(() => decode(fe.bind("", "", [null, null], [0, 1, 0]))).toThrow("bind message has 3 parameter formats but 2 parameters");
  });

  it("decodes startup packets and their options", () => {
    expect(decodeStartupPacket(fe.cancel(7, -9).subarray(4))).toEqual({ kind: "cancelRequest", processId: 7, secretKey: -9 });
    expect(decodeStartupPacket(fe.startup({ user: "u", database: "d" }).subarray(4))).toMatchObject({ kind: "startup", majorVersion: 3, minorVersion: 0 });
    expect([...parseStartupOptions("-c a=1 -cb=2 --c-d=x\\ y")]).toEqual([["a", "1"], ["b", "2"], ["c_d", "x y"]]);
    expect(() => parseStartupOptions("-X")).toThrow("invalid command-line argument");
  });
});

describe("MessageBuffer", () => {
  it("frames DataRow and ErrorResponse with correct lengths", () => {
    const out = new MessageBuffer();
    writeDataRow(out, [new Uint8Array([1, 2]), null]);
    writeErrorOrNotice(out, "E", { severity: "ERROR", sqlState: "42601", message: "bad\0 thing", position: 3 });
    const bytes = out.take();
    expect([...bytes.subarray(0, 17)]).toEqual([0x44, 0, 0, 0, 16, 0, 2, 0, 0, 0, 2, 1, 2, 0xff, 0xff, 0xff, 0xff]);
    const error = bytes.subarray(17);
    expect(error.readInt32BE(1)).toBe(error.length - 1);
    expect(error.toString("latin1")).toContain("Mbad thing\0");
  });
});

describe("MessageBuffer takes", () => {
  /** A message: type, payload bytes; then whether the output is taken after it. */
  const step = fc.record({ type: fc.constantFrom("D", "C", "Z"), payload: fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ minLength: 900, maxLength: 20_000 })), isTaken: fc.boolean() });

  it("hands out each message once, in order, and never changes bytes already taken", () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        const out = new MessageBuffer();
        const taken: { chunk: Buffer; copy: number[] }[] = [];
        const expected: number[] = [];
        const takeNow = (): void => {
          const chunk = out.take();
          taken.push({ chunk, copy: [...chunk] });
          expect(out.sizeBytes).toBe(0);
        };
        for (const { type, payload, isTaken } of steps) {
          out.begin(type);
          out.bytes(payload);
          out.end();
          expected.push(type.charCodeAt(0), ...[24, 16, 8, 0].map((shift) => ((payload.length + 4) >>> shift) & 0xff), ...payload);
          if (isTaken) takeNow();
        }
        takeNow();
        // Later writes (into the same buffer, or a grown one) left every taken chunk as it was taken.
        for (const { chunk, copy } of taken) expect([...chunk]).toEqual(copy);
        expect(taken.flatMap(({ copy }) => copy)).toEqual(expected);
      }),
      propertyParams(200),
    );
  });
});

describe("MessageBuffer memory", () => {
  it("gives a huge message a buffer of its size, and drops it once taken", () => {
    const out = new MessageBuffer();
    out.begin("D");
    out.bytes(new Uint8Array(1_000_000));
    out.end();
    const huge = out.take();
    expect(huge.length).toBe(1_000_005);
    expect(huge.buffer.byteLength).toBeLessThan(1_100_000);
    out.begin("Z");
    out.int8(73);
    out.end();
    // The next answer is written into a small buffer, not the huge one.
    expect(out.take().buffer.byteLength).toBeLessThanOrEqual(8192);
  });

  it("drops a buffer grown by many rows once they are taken, free room or not", () => {
    const out = new MessageBuffer();
    for (let row = 0; row < 41; row++) {
      out.begin("D");
      out.bytes(new Uint8Array(3000));
      out.end();
    }
    const rows = out.take();
    expect(rows.buffer.byteLength - rows.length).toBeGreaterThan(1024);
    out.begin("Z");
    out.int8(73);
    out.end();
    expect(out.take().buffer.byteLength).toBeLessThanOrEqual(8192);
  });
});

describe("MessageWriter.flushSoon", () => {
  /** A socket that records what reaches it, chunk by chunk. */
  function recordingSocket(): { socket: Duplex; chunks: number[][] } {
    const chunks: number[][] = [];
    const socket = new Duplex({
      read: () => undefined,
      write: (chunk: Buffer, _encoding, done) => {
        chunks.push([...chunk]);
        done();
      },
    });
    return { socket, chunks };
  }
  const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

  it("holds answers until the event loop has handled its input, then writes every connection's in turn", async () => {
    const first = recordingSocket();
    const second = recordingSocket();
    const a = new MessageWriter(first.socket);
    const b = new MessageWriter(second.socket);
    a.out.int8(1);
    a.flushSoon();
    b.out.int8(2);
    b.flushSoon();
    a.out.int8(3);
    a.flushSoon();
    expect([first.chunks, second.chunks]).toEqual([[], []]);
    await nextTurn();
    expect([first.chunks, second.chunks]).toEqual([[[1, 3]], [[2]]]);
  });

  it("a flush sends at once what a flushSoon held, and the held one then writes nothing more", async () => {
    const { socket, chunks } = recordingSocket();
    const writer = new MessageWriter(socket);
    writer.out.int8(7);
    writer.flushSoon();
    writer.out.int8(8);
    writer.flush();
    expect(chunks).toEqual([[7, 8]]);
    await nextTurn();
    expect(chunks).toEqual([[7, 8]]);
    writer.flushSoon();
    await nextTurn();
    expect(chunks).toEqual([[7, 8]]);
  });
});
