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
 * Buffering bound: the queue, plus at most one write batch (`writeBatchBytesMax`) handed to the
 * socket beyond its high-water mark: the queue is drained only while the socket needs no drain.
 */
import { connect, type Socket } from "node:net";
import { assert } from "@omnikv/base";

export interface TcpPeerOptions {
  readonly host: string;
  readonly port: number;
  readonly queueFramesMax: number;
  readonly queueBytesMax: number;
  readonly reconnectDelayMsMin: number;
  readonly reconnectDelayMsMax: number;
}

export interface TcpPeerStats {
  readonly isConnected: boolean;
  readonly queuedFrames: number;
  readonly queuedBytes: number;
  readonly sentFrames: number;
  readonly droppedFrames: number;
  readonly connectCount: number;
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

  /** Writes queued frames to the socket (call after a burst of `enqueue`). */
  flush(): void {
    const socket = this.#socket;
    if (this.#state !== "connected" || socket === undefined) return;
    while (this.#queue.length > 0 && !socket.writableNeedDrain) {
      const batch = this.#takeBatch();
      this.#sentFrames += batch.frameCount;
      socket.write(batch.bytes);
    }
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
    this.#droppedFrames += this.#queue.length;
    this.#queue = [];
    this.#queuedBytes = 0;
  }
}
