/**
 * `TcpPeer`: the one outbound connection from this node to one peer, with its bounded send queue.
 *
 * States: `idle` (nothing sent yet) → `connecting` → `connected`; a failed attempt or a lost
 * connection goes to `backoff` for a delay that doubles from `reconnectDelayMsMin` up to
 * `reconnectDelayMsMax` (reset once a connection stayed up that long), then connects again.
 *
 * Why messages are dropped rather than kept: Raft tolerates loss and resends what matters
 * (heartbeats every tick, appends on probing), whereas old messages replayed after an outage only
 * delay the current ones. So frames are dropped (and counted) while in back-off, when the queue is
 * full (`queueFramesMax` frames or `queueBytesMax` bytes; one frame is always admitted into an
 * empty queue so a large snapshot can pass), and when a connection is lost with frames queued.
 *
 * Snapshot streaming: a snapshot is not queued as one frame but held as a stream whose next chunk
 * (`snapshotChunkBytes`) is read from its `SnapshotData` and encoded only when the socket has
 * drained and the queue is empty. So the socket's own backpressure paces it (flow control), small
 * messages (heartbeats, votes) overtake it between chunks instead of waiting behind megabytes, and
 * at most one chunk of it is in memory here, whatever its size (a state machine that backs its
 * snapshot by a file is read piece by piece). One stream per peer: a newer snapshot replaces the
 * one in progress (the receiver restarts on the new stream id); a lost connection or a failed
 * read drops it (Raft resends after a timeout).
 *
 * Buffering bound: the queue, plus at most one write batch (`writeBatchBytesMax`) or one chunk
 * handed to the socket beyond its high-water mark: nothing is written while the socket needs a drain.
 */
import { connect, type Socket } from "node:net";
import { assert } from "@omnikv/base";
import type { SnapshotMessage } from "../message.ts";
import type { SnapshotData } from "../snapshot-data.ts";
import { encodeChunkFrame } from "./message-codec.ts";

export interface TcpPeerOptions {
  readonly host: string;
  readonly port: number;
  readonly queueFramesMax: number;
  readonly queueBytesMax: number;
  readonly reconnectDelayMsMin: number;
  readonly reconnectDelayMsMax: number;
  readonly snapshotChunkBytes: number;
  /** A snapshot read failed (the stream is dropped). */
  readonly onError: (error: Error) => void;
}

export interface TcpPeerStats {
  readonly isConnected: boolean;
  readonly queuedFrames: number;
  readonly queuedBytes: number;
  readonly sentFrames: number;
  readonly droppedFrames: number;
  readonly connectCount: number;
  /** Snapshot streams whose last chunk was handed to the socket. */
  readonly snapshotStreamsSent: number;
  /** Bytes of the snapshot stream in progress not yet handed to the socket. */
  readonly snapshotBytesPending: number;
}

interface SnapshotStream {
  readonly message: SnapshotMessage;
  readonly data: SnapshotData;
  readonly streamId: number;
  offset: number;
  /** The next chunk, read asynchronously and waiting for the socket. */
  ready: Uint8Array | undefined;
  isReading: boolean;
}

type PeerState = "idle" | "connecting" | "connected" | "backoff" | "closed";

/** Frames coalesced into one socket write: fewer syscalls, bounded extra buffering. */
export const writeBatchBytesMax = 256 * 1024;

export class TcpPeer {
  readonly #options: TcpPeerOptions;
  #state: PeerState = "idle";
  #socket: Socket | undefined;
  #queue: Uint8Array[] = [];
  #queuedBytes = 0;
  #delayMs: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #connectedAtMs = 0;
  #sentFrames = 0;
  #droppedFrames = 0;
  #connectCount = 0;
  #snapshot: SnapshotStream | undefined;
  #nextStreamId = 1;
  #snapshotStreamsSent = 0;

  constructor(options: TcpPeerOptions) {
    assert(options.queueFramesMax > 0 && options.queueBytesMax > 0, "queue limits are positive");
    assert(options.reconnectDelayMsMin > 0 && options.reconnectDelayMsMin <= options.reconnectDelayMsMax, "reconnect delays are ordered");
    this.#options = options;
    this.#delayMs = options.reconnectDelayMsMin;
  }

  /** Whether a frame sent now could be queued (callers skip encoding when not). */
  get canAccept(): boolean {
    return this.#state !== "backoff" && this.#state !== "closed";
  }

  stats(): TcpPeerStats {
    return {
      isConnected: this.#state === "connected",
      queuedFrames: this.#queue.length,
      queuedBytes: this.#queuedBytes,
      sentFrames: this.#sentFrames,
      droppedFrames: this.#droppedFrames,
      connectCount: this.#connectCount,
      snapshotStreamsSent: this.#snapshotStreamsSent,
      snapshotBytesPending: this.#snapshot === undefined ? 0 : this.#snapshot.data.byteLength - this.#snapshot.offset,
    };
  }

  /** Counts a frame the caller dropped without offering it (peer in back-off, too large). */
  countDropped(count = 1): void {
    this.#droppedFrames += count;
  }

  /** Queues a frame; returns false (and counts it) when it was dropped. */
  enqueue(frame: Uint8Array): boolean {
    if (!this.canAccept || this.#isQueueFull(frame.length)) {
      this.#droppedFrames += 1;
      return false;
    }
    this.#queue.push(frame);
    this.#queuedBytes += frame.length;
    assert(this.#queue.length <= this.#options.queueFramesMax, "the send queue respects its frame bound");
    if (this.#state === "idle") this.#connect();
    return true;
  }

  /** Starts streaming a snapshot in chunks (replacing one in progress); false when dropped. */
  enqueueSnapshot(message: SnapshotMessage, data: SnapshotData): boolean {
    if (!this.canAccept) {
      this.#droppedFrames += 1;
      return false;
    }
    if (this.#snapshot !== undefined) this.#droppedFrames += 1; // abandoned for the newer one
    this.#snapshot = { message, data, streamId: this.#nextStreamId, offset: 0, ready: undefined, isReading: false };
    this.#nextStreamId = (this.#nextStreamId % 0xffff_ffff) + 1;
    if (this.#state === "idle") this.#connect();
    return true;
  }

  /** Writes queued frames, then snapshot chunks (as their reads complete), while the socket takes them. */
  flush(): void {
    const socket = this.#socket;
    if (this.#state !== "connected" || socket === undefined) return;
    while (!socket.writableNeedDrain) {
      if (this.#queue.length > 0) {
        const batch = this.#takeBatch();
        this.#sentFrames += batch.frameCount;
        socket.write(batch.bytes);
      } else if (this.#snapshot !== undefined) {
        const frame = this.#takeChunk(this.#snapshot);
        if (frame === undefined) return; // a read is in flight; it flushes when done
        socket.write(frame);
      } else {
        return;
      }
    }
  }

  /** The next chunk's frame, or undefined while its read is in flight (or failed). */
  #takeChunk(stream: SnapshotStream): Uint8Array | undefined {
    const bytes = stream.ready ?? this.#readChunk(stream);
    if (bytes === undefined) return undefined;
    stream.ready = undefined;
    const { message, data, streamId, offset } = stream;
    const frame = encodeChunkFrame({ from: message.from, to: message.to, term: message.term, snapshot: message.snapshot, streamId, totalBytes: data.byteLength, offset, bytes });
    stream.offset += bytes.length;
    this.#sentFrames += 1;
    if (stream.offset >= data.byteLength) {
      this.#snapshot = undefined;
      this.#snapshotStreamsSent += 1;
    }
    return frame;
  }

  /** Reads the next chunk: returns it when the read is synchronous, else starts it and returns undefined. */
  #readChunk(stream: SnapshotStream): Uint8Array | undefined {
    if (stream.isReading) return undefined;
    const length = Math.min(this.#options.snapshotChunkBytes, stream.data.byteLength - stream.offset);
    assert(length > 0 || stream.data.byteLength === 0, "a stream in progress has bytes left");
    let result: Promise<Uint8Array> | Uint8Array;
    try {
      result = length === 0 ? new Uint8Array(0) : stream.data.read(stream.offset, length);
    } catch (error) {
      this.#failStream(stream, error);
      return undefined;
    }
    if (result instanceof Uint8Array) return this.#checkChunk(stream, result, length);
    stream.isReading = true;
    result.then(
      (bytes) => {
        stream.isReading = false;
        if (this.#snapshot !== stream) return; // replaced or dropped meanwhile
        stream.ready = this.#checkChunk(stream, bytes, length);
        if (stream.ready !== undefined) this.flush();
      },
      (error: unknown) => {
        stream.isReading = false;
        this.#failStream(stream, error);
      },
    );
    return undefined;
  }

  #checkChunk(stream: SnapshotStream, bytes: Uint8Array, length: number): Uint8Array | undefined {
    if (bytes.length === length) return bytes;
    this.#failStream(stream, new Error(`a snapshot read at offset ${stream.offset} returned ${bytes.length} bytes, not ${length}`));
    return undefined;
  }

  #failStream(stream: SnapshotStream, error: unknown): void {
    if (this.#snapshot !== stream) return;
    this.#snapshot = undefined;
    this.#droppedFrames += 1;
    this.#options.onError(new Error(`reading the raft snapshot at ${stream.message.snapshot.index} for node ${stream.message.to} failed`, { cause: error }));
  }

  close(): void {
    this.#state = "closed";
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#socket?.destroy();
    this.#socket = undefined;
    this.#dropQueue();
  }

  #isQueueFull(frameBytes: number): boolean {
    if (this.#queue.length === 0) return false;
    return this.#queue.length >= this.#options.queueFramesMax || this.#queuedBytes + frameBytes > this.#options.queueBytesMax;
  }

  #takeBatch(): { readonly bytes: Uint8Array; readonly frameCount: number } {
    let count = 0;
    let bytes = 0;
    for (const frame of this.#queue) {
      if (count > 0 && bytes + frame.length > writeBatchBytesMax) break;
      count += 1;
      bytes += frame.length;
    }
    assert(count > 0, "a batch holds at least one frame");
    const frames = this.#queue.splice(0, count);
    this.#queuedBytes -= bytes;
    assert(this.#queuedBytes >= 0, "queued bytes never go negative");
    const first = frames[0];
    if (count === 1 && first !== undefined) return { bytes: first, frameCount: 1 };
    return { bytes: Buffer.concat(frames, bytes), frameCount: count };
  }

  #connect(): void {
    assert(this.#state === "idle" || this.#state === "backoff", "connect from idle or back-off");
    this.#state = "connecting";
    const socket = connect({ host: this.#options.host, port: this.#options.port });
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.on("connect", () => {
      if (this.#socket !== socket) return;
      this.#state = "connected";
      this.#connectedAtMs = Date.now();
      this.#connectCount += 1;
      this.flush();
    });
    socket.on("drain", () => this.flush());
    // Inbound data on an outbound connection is not part of the protocol; discard it.
    socket.on("data", () => undefined);
    socket.on("error", () => undefined); // "close" follows and handles it
    socket.on("close", () => this.#onClose(socket));
  }

  #onClose(socket: Socket): void {
    if (this.#socket !== socket || this.#state === "closed") return;
    const wasUpMs = this.#state === "connected" ? Date.now() - this.#connectedAtMs : 0;
    this.#socket = undefined;
    this.#dropQueue();
    this.#state = "backoff";
    // A connection that stayed up a while reconnects at once and resets the back-off; quick
    // failures wait, and each doubles the next wait.
    const isLongLived = wasUpMs >= this.#options.reconnectDelayMsMax;
    if (isLongLived) this.#delayMs = this.#options.reconnectDelayMsMin;
    const delayMs = isLongLived ? 0 : this.#delayMs;
    if (!isLongLived) this.#delayMs = Math.min(this.#delayMs * 2, this.#options.reconnectDelayMsMax);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#state === "backoff") this.#connect();
    }, delayMs);
    this.#timer.unref();
  }

  #dropQueue(): void {
    this.#droppedFrames += this.#queue.length + (this.#snapshot === undefined ? 0 : 1);
    this.#queue = [];
    this.#queuedBytes = 0;
    this.#snapshot = undefined;
  }
}
