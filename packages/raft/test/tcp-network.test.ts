/**
 * `TcpNetwork` over real loopback sockets, and its message codec: every message kind round-trips
 * (property-based, split into random chunks as a socket would), a restarted peer is reconnected,
 * garbage and oversized frames close the connection without harming the node, a message too large
 * to send is refused with a clear error, and a peer that stops reading bounds the send queue.
 * Snapshots stream: the sender reads its `SnapshotData` one chunk at a time as the socket drains,
 * the receiver writes chunks to the registered `SnapshotWriter` and pauses the connection while
 * that writer lags, so neither side holds a snapshot whole.
 */
import { createServer, connect, type Server, type Socket } from "node:net";
import * as fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { term } from "@omnikv/base";
import {
  MemoryLogStorage,
  RaftConfigError,
  RaftFrameTooLargeError,
  RaftProtocolError,
  RaftServer,
  TcpNetwork,
  readSnapshotBytes,
  snapshotDataFromBytes,
  type LogEntry,
  type RaftMessage,
  type SnapshotData,
  type SnapshotMessage,
  type SnapshotWriter,
  type TcpNetworkOptions,
} from "@omnikv/raft";
import { FrameReader } from "../src/internal/frame-reader.ts";
import { decodeMessage, encodeChunkFrame, encodeFrame, encodeMessage, type Frame, type SnapshotChunk } from "../src/internal/message-codec.ts";
import { SnapshotReceiver } from "../src/internal/snapshot-receiver.ts";
import { KvStateMachine } from "./support/kv-state-machine.ts";

const open: TcpNetwork[] = [];
const rawServers: Server[] = [];
const rawSockets: Socket[] = [];

afterEach(async () => {
  for (const network of open.splice(0)) {
    network.close();
    await network.closed;
  }
  for (const socket of rawSockets.splice(0)) socket.destroy();
  for (const server of rawServers.splice(0)) server.close();
});

async function listen(id: number, peers: Map<number, { host: string; port: number }>, extra: Partial<TcpNetworkOptions> = {}, port = 0): Promise<TcpNetwork> {
  const network = await TcpNetwork.listen({ id, listen: { port }, peers, ...extra });
  open.push(network);
  return network;
}

async function waitFor<T>(probe: () => T | undefined, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const safeIndex = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const nodeId = fc.integer({ min: 1, max: 1_000_000 });
const anyTerm = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((t) => term(t));
const ids = fc.uniqueArray(nodeId, { maxLength: 5 });
const config = fc.record({ voters: ids, outgoingVoters: ids, learners: ids });
const entry: fc.Arbitrary<LogEntry> = fc.record({
  index: safeIndex,
  term: anyTerm,
  payload: fc.oneof(
    fc.constant({ kind: "blank" as const }),
    fc.uint8Array({ maxLength: 64 }).map((command) => ({ kind: "command" as const, command })),
    config.map((c) => ({ kind: "membership" as const, config: c })),
  ),
});
const header = { from: nodeId, to: nodeId, term: anyTerm };

const message: fc.Arbitrary<RaftMessage> = fc.oneof(
  fc.record({ kind: fc.constant("vote" as const), ...header, isPreVote: fc.boolean(), isLeaderTransfer: fc.boolean(), lastLogIndex: safeIndex, lastLogTerm: anyTerm }),
  fc.record({ kind: fc.constant("voteResponse" as const), ...header, isPreVote: fc.boolean(), isGranted: fc.boolean() }),
  fc.record({ kind: fc.constant("append" as const), ...header, prevIndex: safeIndex, prevTerm: anyTerm, entries: fc.array(entry, { maxLength: 8 }), commitIndex: safeIndex }),
  fc.record({
    kind: fc.constant("appendResponse" as const),
    ...header,
    isSuccess: fc.boolean(),
    matchIndex: safeIndex,
    rejectedIndex: safeIndex,
    hintIndex: safeIndex,
    hintTerm: anyTerm,
  }),
  fc.record({ kind: fc.constant("heartbeat" as const), ...header, commitIndex: safeIndex, readSeq: safeIndex }),
  fc.record({ kind: fc.constant("heartbeatResponse" as const), ...header, readSeq: safeIndex }),
  fc.record({ kind: fc.constant("timeoutNow" as const), ...header }),
  fc.record({
    kind: fc.constant("snapshot" as const),
    ...header,
    snapshot: fc.oneof(fc.record({ index: safeIndex, term: anyTerm }), fc.record({ index: safeIndex, term: anyTerm, config })),
    data: fc.constant(undefined), // data travels as chunks, never inside a message frame
  }),
);

/** The messages among decoded frames (the codec tests send no chunks). */
function messagesOf(frames: readonly Frame[]): RaftMessage[] {
  return frames.map((frame) => {
    if (frame.kind !== "message") throw new Error("unexpected snapshot chunk");
    return frame.message;
  });
}

/** A snapshot's data cut into chunks of the given sizes (cycled), as a sender would stream it. */
function chunksOf(data: Uint8Array, sizes: readonly number[], streamId: number): SnapshotChunk[] {
  const chunks: SnapshotChunk[] = [];
  for (let offset = 0, i = 0; offset < data.length; i++) {
    const bytes = data.subarray(offset, offset + (sizes[i % sizes.length] ?? 1));
    chunks.push({ from: 1, to: 2, term: term(3), snapshot: { index: 40, term: term(2) }, streamId, totalBytes: data.length, offset, bytes });
    offset += bytes.length;
  }
  return chunks;
}

/** One message of each kind, addressed from 1 to 2, the snapshot carrying 1 MiB. */
function oneOfEachKind(): RaftMessage[] {
  const h = { from: 1, to: 2, term: term(7) };
  const entries: LogEntry[] = [
    { index: 5, term: term(6), payload: { kind: "blank" } },
    { index: 6, term: term(7), payload: { kind: "command", command: new Uint8Array([1, 2, 3]) } },
    { index: 7, term: term(7), payload: { kind: "membership", config: { voters: [1, 2, 3], outgoingVoters: [1, 2], learners: [9] } } },
  ];
  const data = new Uint8Array(1024 * 1024).map((_, i) => i % 251);
  return [
    { kind: "vote", ...h, isPreVote: true, isLeaderTransfer: false, lastLogIndex: 4, lastLogTerm: term(6) },
    { kind: "voteResponse", ...h, isPreVote: false, isGranted: true },
    { kind: "append", ...h, prevIndex: 4, prevTerm: term(6), entries, commitIndex: 4 },
    { kind: "appendResponse", ...h, isSuccess: false, matchIndex: 0, rejectedIndex: 4, hintIndex: 3, hintTerm: term(5) },
    { kind: "heartbeat", ...h, commitIndex: 7, readSeq: 12 },
    { kind: "heartbeatResponse", ...h, readSeq: 12 },
    { kind: "timeoutNow", ...h },
    { kind: "snapshot", ...h, snapshot: { index: 100, term: term(7), config: { voters: [1, 2, 3], outgoingVoters: [], learners: [] } }, data: snapshotDataFromBytes(data) },
  ];
}

describe("message codec", () => {
  it("round-trips every message kind", () => {
    fc.assert(
      fc.property(message, (m) => {
        expect(decodeMessage(encodeMessage(m))).toEqual(m);
      }),
      { numRuns: 2000 },
    );
  });

  it("reassembles frames from arbitrary chunk boundaries", () => {
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 10 }), fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1 }), (messages, cuts) => {
        const stream = Buffer.concat(messages.map((m) => encodeFrame(m)));
        const reader = new FrameReader(1 << 20);
        const received: RaftMessage[] = [];
        let at = 0;
        for (let i = 0; at < stream.length; i++) {
          const size = cuts[i % cuts.length] ?? 1;
          received.push(...messagesOf(reader.push(stream.subarray(at, at + size))));
          at += size;
        }
        expect(received).toEqual(messages);
        expect(reader.bufferedBytes).toBe(0);
      }),
    );
  });

  it("rejects corrupted frames: any flipped byte fails the magic, version, length bound or checksum", () => {
    const append = oneOfEachKind().find((m) => m.kind === "append");
    if (append === undefined) throw new Error("no append message");
    const frame = encodeFrame(append);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: frame.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, mask) => {
        const bad = frame.slice();
        bad[at] = (bad[at] ?? 0) ^ mask;
        // A body-length byte may grow the announced length: then the frame is incomplete, not accepted.
        let error: unknown;
        let messages: RaftMessage[] = [];
        try {
          messages = messagesOf(new FrameReader(1 << 20).push(bad));
        } catch (e) {
          error = e;
        }
        expect(messages).toEqual([]);
        if (error !== undefined) expect(error instanceof RaftProtocolError || error instanceof RaftFrameTooLargeError).toBe(true);
      }),
    );
  });
});

/** A receiver over in-memory writers that records what it delivers and reports. */
function receiverFor(snapshotBytesMax: number): { readonly receiver: SnapshotReceiver; readonly delivered: SnapshotMessage[]; readonly errors: Error[]; idle: number } {
  const delivered: SnapshotMessage[] = [];
  const errors: Error[] = [];
  const state = { delivered, errors, idle: 0 };
  const receiver = new SnapshotReceiver({
    snapshotBytesMax,
    openWriter: (_meta, byteLength) => memoryWriter(byteLength),
    deliver: (m) => delivered.push(m),
    onError: (e) => errors.push(e),
    onIdle: () => (state.idle += 1),
  });
  return Object.assign(state, { receiver });
}

/** An in-memory writer with asynchronous writes, as a file-backed one would have. */
function memoryWriter(byteLength: number, log: string[] = []): SnapshotWriter {
  const parts: Uint8Array[] = [];
  return {
    async write(bytes) {
      await new Promise((resolve) => setImmediate(resolve));
      parts.push(bytes.slice());
      log.push(`write ${bytes.length}`);
    },
    finish() {
      log.push("finish");
      const bytes = new Uint8Array(Buffer.concat(parts));
      expect(bytes.length).toBe(byteLength);
      return snapshotDataFromBytes(bytes);
    },
    abort() {
      log.push("abort");
    },
  };
}

async function settled(receiver: SnapshotReceiver): Promise<void> {
  await waitFor(() => (receiver.pendingBytes === 0 ? true : undefined), "the receiver's writes");
  // The last write's continuation (finish, deliver) runs after pendingBytes drops.
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe("snapshot chunks", () => {
  it("round-trip through frames and are written in order from any chunk sizes", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 4096 }), fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 5 }), async (data, sizes) => {
        const reader = new FrameReader(1 << 20);
        const { receiver, delivered, errors } = receiverFor(1 << 20);
        for (const chunk of chunksOf(data, sizes, 7)) {
          const [frame] = reader.push(encodeChunkFrame(chunk));
          if (frame?.kind !== "snapshotChunk") throw new Error("a chunk frame decodes to a chunk");
          expect(frame.chunk).toEqual(chunk);
          receiver.push(frame.chunk);
        }
        await settled(receiver);
        expect(errors).toEqual([]);
        expect(delivered).toHaveLength(1);
        const [snapshot] = delivered;
        expect({ ...snapshot, data: undefined }).toEqual({ kind: "snapshot", from: 1, to: 2, term: term(3), snapshot: { index: 40, term: term(2) }, data: undefined });
        expect(await readSnapshotBytes(snapshot?.data ?? snapshotDataFromBytes(new Uint8Array()))).toEqual(data);
      }),
      { numRuns: 50 },
    );
  });

  it("refuses gaps and streams above snapshotBytesMax, and aborts a stream a new one replaces", async () => {
    const data = new Uint8Array(1000).map((_, i) => i % 256);
    const [first, second, third] = chunksOf(data, [400], 1);
    if (first === undefined || second === undefined || third === undefined) throw new Error("three chunks");
    const gap = receiverFor(1 << 20).receiver;
    gap.push(first);
    expect(() => gap.push(third)).toThrow(RaftProtocolError);
    expect(() => receiverFor(999).receiver.push(first)).toThrow(RaftFrameTooLargeError);
    expect(() => receiverFor(1 << 20).receiver.push(second)).toThrow(RaftProtocolError);
    const log: string[] = [];
    const delivered: SnapshotMessage[] = [];
    const replaced = new SnapshotReceiver({ snapshotBytesMax: 1 << 20, openWriter: (_m, n) => memoryWriter(n, log), deliver: (m) => delivered.push(m), onError: (e) => { throw e; }, onIdle: () => undefined });
    replaced.push(first);
    for (const chunk of chunksOf(data, [600], 2)) replaced.push(chunk);
    await settled(replaced);
    expect(log).toEqual(["write 400", "abort", "write 600", "write 400", "finish"]);
    expect(delivered).toHaveLength(1);
    expect(await readSnapshotBytes(delivered[0]?.data ?? snapshotDataFromBytes(new Uint8Array()))).toEqual(data);
  });

  it("reports a failing writer, drops its stream, and takes the next one", async () => {
    const data = new Uint8Array(900).fill(3);
    const errors: Error[] = [];
    const delivered: SnapshotMessage[] = [];
    let opened = 0;
    const receiver = new SnapshotReceiver({
      snapshotBytesMax: 1 << 20,
      openWriter: (_m, n) => {
        opened += 1;
        if (opened === 1) return { write: () => Promise.reject(new Error("disk full")), finish: () => snapshotDataFromBytes(new Uint8Array()), abort: () => undefined };
        return memoryWriter(n);
      },
      deliver: (m) => delivered.push(m),
      onError: (e) => errors.push(e),
      onIdle: () => undefined,
    });
    for (const chunk of chunksOf(data, [300], 1)) receiver.push(chunk);
    await settled(receiver);
    expect(delivered).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toMatch(/writing raft snapshot stream 1 failed/);
    for (const chunk of chunksOf(data, [300], 2)) receiver.push(chunk);
    await settled(receiver);
    expect(delivered).toHaveLength(1);
  });
});

describe("TcpNetwork over loopback", () => {
  it("delivers one message of every kind, a 1 MiB snapshot included", async () => {
    const b = await listen(2, new Map());
    const a = await listen(1, new Map([[2, { host: "127.0.0.1", port: b.port }]]));
    const received: RaftMessage[] = [];
    b.onMessage((m) => received.push(m));
    const sent = oneOfEachKind();
    // The first sends may find the connection still being set up: they queue, not drop.
    a.send(sent);
    await waitFor(() => (received.length >= sent.length ? true : undefined), "all messages");
    // The 1 MiB snapshot is compared bytewise (a deep equality over a million elements is slow).
    const [sentSnapshot, receivedSnapshot] = [sent.at(-1), received.at(-1)];
    if (sentSnapshot?.kind !== "snapshot" || receivedSnapshot?.kind !== "snapshot") throw new Error("the snapshot comes last");
    if (sentSnapshot.data === undefined || receivedSnapshot.data === undefined) throw new Error("both snapshots carry data");
    expect(Buffer.compare(await readSnapshotBytes(sentSnapshot.data), await readSnapshotBytes(receivedSnapshot.data))).toBe(0);
    expect({ ...receivedSnapshot, data: undefined }).toEqual({ ...sentSnapshot, data: undefined });
    expect(received.slice(0, -1)).toEqual(sent.slice(0, -1));
    expect(b.metrics().receivedMessages).toBe(sent.length);
    expect(a.metrics().peers[0]?.droppedFrames).toBe(0);
  });

  it("reconnects after the peer restarts on the same port", async () => {
    let b = await listen(2, new Map());
    const port = b.port;
    const a = await listen(1, new Map([[2, { host: "127.0.0.1", port }]]), { reconnectDelayMsMin: 5, reconnectDelayMsMax: 50 });
    const heartbeat = (readSeq: number): RaftMessage => ({ kind: "heartbeat", from: 1, to: 2, term: term(1), commitIndex: 0, readSeq });
    let received: RaftMessage[] = [];
    b.onMessage((m) => received.push(m));
    a.send([heartbeat(1)]);
    await waitFor(() => (received.length === 1 ? true : undefined), "the first heartbeat");
    b.close();
    await b.closed;
    // Sends while the peer is down drop (the connection is lost or in back-off) without throwing.
    for (let i = 0; i < 20; i++) {
      a.send([heartbeat(100 + i)]);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    b = await listen(2, new Map(), {}, port);
    received = [];
    b.onMessage((m) => received.push(m));
    await waitFor(
      () => {
        a.send([heartbeat(1000)]);
        return received.some((m) => m.kind === "heartbeat" && m.readSeq === 1000) ? true : undefined;
      },
      "a heartbeat after the restart",
    );
    const stats = a.metrics().peers[0];
    expect(stats?.connectCount).toBeGreaterThanOrEqual(2);
    expect(stats?.droppedFrames).toBeGreaterThan(0);
  });

  it("closes connections that send garbage or oversized frames, and keeps serving others", async () => {
    const errors: Error[] = [];
    const b = await listen(2, new Map(), { frameBytesMax: 4096, snapshotChunkBytes: 1024, onError: (e) => errors.push(e) });
    const received: RaftMessage[] = [];
    b.onMessage((m) => received.push(m));
    const oversized = Buffer.alloc(12);
    oversized.writeUInt16LE(0x4b52, 0);
    oversized.writeUInt8(1, 2);
    oversized.writeUInt32LE(1 << 30, 4); // announces a 1 GiB body: refused before any of it arrives
    const badChecksum = Buffer.from(encodeFrame({ kind: "timeoutNow", from: 1, to: 2, term: term(1) }));
    badChecksum.writeUInt32LE((badChecksum.readUInt32LE(8) ^ 1) >>> 0, 8);
    for (const bytes of [Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), oversized, badChecksum]) {
      expect(await writeRawAndAwaitClose(b.port, bytes)).toBe(true);
    }
    expect(b.metrics().rejectedConnections).toBe(3);
    expect(received).toEqual([]);
    expect(errors.some((e) => e instanceof RaftFrameTooLargeError)).toBe(true);
    expect(errors.filter((e) => e instanceof RaftProtocolError)).toHaveLength(2);
    const a = await listen(1, new Map([[2, { host: "127.0.0.1", port: b.port }]]));
    a.send([{ kind: "timeoutNow", from: 1, to: 2, term: term(3) }]);
    await waitFor(() => (received.length === 1 ? true : undefined), "a valid message after the garbage");
  });

  it("adds, moves and removes peers at run time (membership changes)", async () => {
    const b = await listen(2, new Map());
    const c = await listen(2, new Map());
    const a = await listen(1, new Map());
    const atB: RaftMessage[] = [];
    const atC: RaftMessage[] = [];
    b.onMessage((m) => atB.push(m));
    c.onMessage((m) => atC.push(m));
    const heartbeat = (readSeq: number): RaftMessage => ({ kind: "heartbeat", from: 1, to: 2, term: term(1), commitIndex: 0, readSeq });
    a.send([heartbeat(1)]);
    expect(a.metrics().misaddressedMessages).toBe(1);
    a.setPeer(2, { host: "127.0.0.1", port: b.port });
    a.send([heartbeat(2)]);
    await waitFor(() => (atB.length === 1 ? true : undefined), "a message to the added peer");
    a.setPeer(2, { host: "127.0.0.1", port: c.port });
    a.send([heartbeat(3)]);
    await waitFor(() => (atC.length === 1 ? true : undefined), "a message to the moved peer");
    expect(atC[0]).toEqual(heartbeat(3));
    a.removePeer(2);
    a.send([heartbeat(4)]);
    expect(a.metrics().misaddressedMessages).toBe(2);
    expect(a.metrics().peers).toEqual([]);
    expect(() => a.setPeer(0, { host: "127.0.0.1", port: 1 })).toThrow(RaftConfigError);
  });

  it("refuses to send a message larger than frameBytesMax, with a clear error", async () => {
    const errors: Error[] = [];
    const b = await listen(2, new Map());
    const a = await listen(1, new Map([[2, { host: "127.0.0.1", port: b.port }]]), { frameBytesMax: 1024, snapshotChunkBytes: 512, onError: (e) => errors.push(e) });
    const entries: LogEntry[] = [{ index: 1, term: term(1), payload: { kind: "command", command: new Uint8Array(2048) } }];
    a.send([{ kind: "append", from: 1, to: 2, term: term(1), prevIndex: 0, prevTerm: term(0), entries, commitIndex: 0 }]);
    expect(a.metrics().oversizedMessages).toBe(1);
    expect(errors[0]).toBeInstanceOf(RaftFrameTooLargeError);
    expect(errors[0]?.message).toMatch(/append message of \d+ bytes to node 2 exceeds frameBytesMax 1024/);
  });

  it("streams a snapshot larger than a frame in chunks, letting heartbeats overtake it", async () => {
    const b = await listen(2, new Map(), { frameBytesMax: 256 * 1024, snapshotChunkBytes: 64 * 1024 });
    const a = await listen(1, new Map([[2, { host: "127.0.0.1", port: b.port }]]), { frameBytesMax: 256 * 1024, snapshotChunkBytes: 64 * 1024 });
    const received: RaftMessage[] = [];
    b.onMessage((m) => received.push(m));
    a.send([{ kind: "heartbeat", from: 1, to: 2, term: term(1), commitIndex: 0, readSeq: 0 }]);
    await waitFor(() => (received.length === 1 ? true : undefined), "the connection");
    const data = new Uint8Array(5 * 1024 * 1024).map((_, i) => (i * 7) % 256);
    a.send([{ kind: "snapshot", from: 1, to: 2, term: term(1), snapshot: { index: 9, term: term(1) }, data: snapshotDataFromBytes(data) }]);
    a.send([{ kind: "heartbeat", from: 1, to: 2, term: term(1), commitIndex: 0, readSeq: 1 }]);
    await waitFor(() => (received.length === 3 ? true : undefined), "the snapshot");
    expect(received.map((m) => m.kind)).toEqual(["heartbeat", "heartbeat", "snapshot"]);
    const snapshot = received[2];
    if (snapshot?.kind !== "snapshot" || snapshot.data === undefined) throw new Error("a snapshot with data");
    expect(Buffer.compare(await readSnapshotBytes(snapshot.data), data)).toBe(0);
    expect(a.metrics().peers[0]?.snapshotStreamsSent).toBe(1);
    expect(a.metrics().peers[0]?.sentFrames).toBe(2 + 80);
    expect(b.metrics().rejectedConnections).toBe(0);
  });

  it("reads a snapshot one chunk at a time and writes it to the registered writer, pausing while the writer lags", async () => {
    const chunkBytes = 64 * 1024;
    const totalBytes = 32 * 1024 * 1024;
    const patternAt = (i: number): number => (i * 31 + (i >>> 16)) % 251;
    const pattern = Uint8Array.from({ length: totalBytes }, (_, i) => patternAt(i));
    let readBytes = 0;
    let readsInFlight = 0;
    let maxReadsInFlight = 0;
    let maxReadLength = 0;
    const source: SnapshotData = {
      byteLength: totalBytes,
      async read(offset, length) {
        readsInFlight += 1;
        maxReadsInFlight = Math.max(maxReadsInFlight, readsInFlight);
        maxReadLength = Math.max(maxReadLength, length);
        await new Promise((resolve) => setImmediate(resolve));
        readsInFlight -= 1;
        readBytes += length;
        return pattern.slice(offset, offset + length);
      },
    };
    let writtenBytes = 0;
    let maxInFlight = 0;
    let mismatches = 0;
    const b = await listen(2, new Map(), { snapshotChunkBytes: chunkBytes });
    b.setSnapshotReceiver((meta, byteLength) => {
      expect({ meta, byteLength }).toEqual({ meta: { index: 9, term: term(1) }, byteLength: totalBytes });
      return {
        async write(bytes) {
          await new Promise((resolve) => setTimeout(resolve, 1)); // a slow disk
          for (let i = 0; i < bytes.length; i += 997) if (bytes[i] !== patternAt(writtenBytes + i)) mismatches += 1;
          writtenBytes += bytes.length;
          maxInFlight = Math.max(maxInFlight, readBytes - writtenBytes);
        },
        finish: () => ({ byteLength: writtenBytes, read: () => new Uint8Array() }),
        abort: () => undefined,
      };
    });
    const received: RaftMessage[] = [];
    b.onMessage((m) => received.push(m));
    const a = await listen(1, new Map([[2, { host: "127.0.0.1", port: b.port }]]), { snapshotChunkBytes: chunkBytes });
    a.send([{ kind: "snapshot", from: 1, to: 2, term: term(1), snapshot: { index: 9, term: term(1) }, data: source }]);
    await waitFor(() => (received.length === 1 ? true : undefined), "the snapshot", 60_000);
    expect(received[0]?.kind === "snapshot" ? received[0].data?.byteLength : undefined).toBe(totalBytes);
    expect(mismatches).toBe(0);
    expect(maxReadLength).toBe(chunkBytes);
    expect(maxReadsInFlight).toBe(1);
    // Without the receiver pausing the connection, the sender reads all 32 MiB within
    // milliseconds while the writer needs over a second; with it, what is read but not yet
    // written stays within the socket buffers (a few MiB on loopback) and two chunks.
    expect(maxInFlight).toBeLessThan(totalBytes / 2);
    expect(a.metrics().peers[0]?.snapshotStreamsSent).toBe(1);
  }, 90_000);

  it("drops a stream whose read fails, reports it, and sends the next snapshot", async () => {
    const errors: Error[] = [];
    const b = await listen(2, new Map(), { snapshotChunkBytes: 1024 });
    const received: RaftMessage[] = [];
    b.onMessage((m) => received.push(m));
    const a = await listen(1, new Map([[2, { host: "127.0.0.1", port: b.port }]]), { snapshotChunkBytes: 1024, onError: (e) => errors.push(e) });
    const failing: SnapshotData = { byteLength: 4096, read: (offset, length) => (offset < 2048 ? new Uint8Array(length) : Promise.reject(new Error("file vanished"))) };
    a.send([{ kind: "snapshot", from: 1, to: 2, term: term(1), snapshot: { index: 5, term: term(1) }, data: failing }]);
    await waitFor(() => (errors.length === 1 ? true : undefined), "the read error");
    expect(errors[0]?.message).toMatch(/reading the raft snapshot at 5 for node 2 failed/);
    const good = new Uint8Array(3000).map((_, i) => i % 7);
    a.send([{ kind: "snapshot", from: 1, to: 2, term: term(1), snapshot: { index: 6, term: term(1) }, data: snapshotDataFromBytes(good) }]);
    await waitFor(() => (received.length === 1 ? true : undefined), "the next snapshot");
    const snapshot = received[0];
    if (snapshot?.kind !== "snapshot" || snapshot.data === undefined) throw new Error("a snapshot with data");
    expect(snapshot.snapshot.index).toBe(6);
    expect(await readSnapshotBytes(snapshot.data)).toEqual(good);
    expect(a.metrics().peers[0]?.droppedFrames).toBe(1);
    expect(b.metrics().rejectedConnections).toBe(0);
  });

  it("refuses to stream a snapshot larger than snapshotBytesMax", async () => {
    const errors: Error[] = [];
    const b = await listen(2, new Map());
    const a = await listen(1, new Map([[2, { host: "127.0.0.1", port: b.port }]]), { snapshotChunkBytes: 1024, snapshotBytesMax: 4096, onError: (e) => errors.push(e) });
    a.send([{ kind: "snapshot", from: 1, to: 2, term: term(1), snapshot: { index: 1, term: term(1) }, data: snapshotDataFromBytes(new Uint8Array(8192)) }]);
    expect(a.metrics().oversizedMessages).toBe(1);
    expect(errors[0]).toBeInstanceOf(RaftFrameTooLargeError);
  });

  it("bounds the send queue when the peer stops reading, and drops the excess", async () => {
    const stalled = await stalledServer();
    const queueBytesMax = 1024 * 1024;
    const a = await listen(1, new Map([[2, { host: "127.0.0.1", port: stalled.port }]]), { sendQueueBytesMax: queueBytesMax, sendQueueFramesMax: 64 });
    const entries: LogEntry[] = [{ index: 1, term: term(1), payload: { kind: "command", command: new Uint8Array(64 * 1024) } }];
    let maxQueued = 0;
    for (let round = 0; round < 200; round++) {
      const burst = Array.from({ length: 16 }, (): RaftMessage => ({ kind: "append", from: 1, to: 2, term: term(1), prevIndex: 0, prevTerm: term(0), entries, commitIndex: round }));
      a.send(burst);
      const stats = a.metrics().peers[0];
      maxQueued = Math.max(maxQueued, stats?.queuedBytes ?? 0);
      expect(stats?.queuedFrames).toBeLessThanOrEqual(64);
      await new Promise((resolve) => setImmediate(resolve));
    }
    const stats = a.metrics().peers[0];
    expect(maxQueued).toBeLessThanOrEqual(queueBytesMax);
    expect(stats?.droppedFrames).toBeGreaterThan(0);
    // 200 MiB offered; what left the queue sits in kernel buffers the stalled peer never drains.
    expect(stats?.sentFrames).toBeLessThan(3200);
    expect((stats?.sentFrames ?? 0) + (stats?.droppedFrames ?? 0) + (stats?.queuedFrames ?? 0)).toBe(3200);
  });
});

describe("RaftServer over TcpNetwork", () => {
  it("replicates over loopback and catches a late node up with a snapshot streamed in chunks", async () => {
    const voters = [1, 2, 3];
    const networks = await Promise.all(voters.map((id) => listen(id, new Map())));
    const addresses = new Map(voters.map((id, i) => [id, { host: "127.0.0.1", port: networks[i]?.port ?? 0 }]));
    // Re-listen with the peer table now that every port is known (port 0 picked them).
    for (const network of networks) network.close();
    // Small chunks, so the ~5 KiB snapshot of 50 keys travels as several of them.
    const limits = { snapshotChunkBytes: 1024, reconnectDelayMsMax: 50 };
    const wired = await Promise.all(voters.map((id) => listen(id, addresses, limits, addresses.get(id)?.port ?? 0)));
    const networkOf = (i: number): TcpNetwork => {
      const network = wired[i];
      if (network === undefined) throw new Error(`no network for node ${i + 1}`);
      return network;
    };
    const machines = voters.map(() => new KvStateMachine());
    const start = (i: number): Promise<RaftServer<string>> =>
      RaftServer.start({ id: i + 1, voters, storage: new MemoryLogStorage(), stateMachine: machines[i] ?? new KvStateMachine(), network: networkOf(i), tickMs: 5, snapshotIntervalEntries: 100 });
    const servers = await Promise.all([start(0), start(1)]);
    try {
      const leader = await waitFor(() => servers.find((s) => s.metrics().role === "leader"), "a leader of two");
      const encoder = new TextEncoder();
      const value = "v".repeat(100);
      await Promise.all(Array.from({ length: 500 }, (_, i) => leader.clientWrite(encoder.encode(`k${i % 50}=${value}${i}`))));
      servers.push(await start(2));
      const late = machines[2];
      await waitFor(() => (machines.every((m) => m.data.get("k49") === `${value}499`) ? true : undefined), "every node to apply");
      expect(late?.snapshotsInstalled).toBeGreaterThanOrEqual(1);
      // The snapshot reached the late node's state machine through its writer, chunk by chunk.
      expect(late?.snapshotChunksReceived).toBeGreaterThanOrEqual(2);
      const toLate = networkOf(leader.id - 1).metrics().peers.find((p) => p.id === 3);
      expect(toLate?.snapshotStreamsSent).toBeGreaterThanOrEqual(1);
      expect(wired.every((n) => n.metrics().rejectedConnections === 0)).toBe(true);
    } finally {
      for (const server of servers) await server.stop();
    }
  });
});

/** Writes bytes on a fresh connection; resolves true once the server closed it. */
function writeRawAndAwaitClose(port: number, bytes: Uint8Array): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port }, () => socket.write(bytes));
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(false);
    }, 5000);
    socket.on("error", () => undefined);
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** A server that accepts connections and never reads from them. */
async function stalledServer(): Promise<{ readonly port: number }> {
  const server = createServer((socket) => {
    socket.pause();
    rawSockets.push(socket);
  });
  rawServers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no address");
  return { port: address.port };
}
