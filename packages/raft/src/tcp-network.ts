/**
 * `TcpNetwork`: a `RaftNetwork` over TCP (node:net). Each node listens on one port for inbound
 * connections, on which it only receives, and keeps one outbound connection per peer, on which it
 * only sends (so a pair of nodes uses two connections and no connection needs an owner).
 *
 * Frames are length-prefixed with a magic, a version and a CRC32 of the body (layout in
 * internal/message-codec.ts); one message per frame, frames of a burst coalesced into one write.
 * Limits, each named and enforced:
 * - `frameBytesMax` (default 64 MiB): a larger message is not sent (counted in `oversizedMessages`,
 *   reported to `onError`); a peer announcing a larger frame is disconnected before its body is read.
 * - a snapshot travels as a stream of chunks of at most `snapshotChunkBytes` (default 1 MiB), each
 *   read from its `SnapshotData` only once the socket drained (internal/tcp-peer.ts), and written
 *   on arrival to the `SnapshotWriter` the runtime registered (`setSnapshotReceiver`; by default
 *   one in memory), pausing that connection while more than two chunks wait to be written
 *   (internal/snapshot-receiver.ts); `snapshotBytesMax` (default 1 GiB) bounds one on both sides.
 * - per-peer send queue (`sendQueueFramesMax`, `sendQueueBytesMax`): past it, messages are
 *   dropped and counted (Raft tolerates loss); see internal/tcp-peer.ts for when else they drop.
 * - an inbound connection buffers at most one frame (internal/frame-reader.ts).
 * Garbage (bad magic, version, checksum or body) closes the connection; nothing else happens, so
 * a stray client cannot crash a node. Messages addressed to another node are dropped.
 */
import { createServer, type Server, type Socket } from "node:net";
import { assert } from "@omnikv/base";
import { RaftConfigError, RaftFrameTooLargeError } from "./errors.ts";
import { FrameReader } from "./internal/frame-reader.ts";
import { encodeFrame, frameHeaderBytes, type Frame } from "./internal/message-codec.ts";
import { SnapshotReceiver } from "./internal/snapshot-receiver.ts";
import { TcpPeer, type TcpPeerStats } from "./internal/tcp-peer.ts";
import type { RaftMessage } from "./message.ts";
import type { RaftNetwork } from "./network.ts";
import { memorySnapshotWriter, type SnapshotData, type SnapshotWriterFactory } from "./snapshot-data.ts";
import type { NodeId } from "./types.ts";

export interface TcpPeerAddress {
  readonly host: string;
  readonly port: number;
}

export interface TcpNetworkOptions {
  readonly id: NodeId;
  /** Listening address; host defaults to 127.0.0.1, port 0 picks a free port (see `port`). */
  readonly listen: { readonly host?: string; readonly port: number };
  /** Every other node's listening address (an entry for `id` itself is ignored). */
  readonly peers: ReadonlyMap<NodeId, TcpPeerAddress>;
  /** Largest frame body sent or accepted (default 64 MiB). */
  readonly frameBytesMax?: number;
  /** Snapshots are streamed in chunks of at most this size (default 1 MiB; at most half of `frameBytesMax`). */
  readonly snapshotChunkBytes?: number;
  /** Largest snapshot sent or accepted (default 1 GiB). */
  readonly snapshotBytesMax?: number;
  /** Frames queued per peer before new ones drop (default 16,384). */
  readonly sendQueueFramesMax?: number;
  /** Bytes queued per peer before new frames drop (default 32 MiB). */
  readonly sendQueueBytesMax?: number;
  /** First reconnection delay (default 20 ms); it doubles per failed attempt. */
  readonly reconnectDelayMsMin?: number;
  /** Longest reconnection delay (default 1,000 ms). */
  readonly reconnectDelayMsMax?: number;
  /** Told of oversized messages and of inbound connections closed for bad frames. */
  readonly onError?: (error: Error) => void;
}

export interface TcpNetworkMetrics {
  readonly receivedMessages: number;
  /** Inbound connections closed because of a bad or oversized frame. */
  readonly rejectedConnections: number;
  /** Messages not sent because their frame exceeds `frameBytesMax`. */
  readonly oversizedMessages: number;
  /** Messages for a node that is not a peer, or received for another node. */
  readonly misaddressedMessages: number;
  readonly peers: readonly ({ readonly id: NodeId } & TcpPeerStats)[];
}

export const tcpNetworkDefaults = {
  frameBytesMax: 64 * 1024 * 1024,
  snapshotChunkBytes: 1024 * 1024,
  snapshotBytesMax: 1024 * 1024 * 1024,
  sendQueueFramesMax: 16_384,
  sendQueueBytesMax: 32 * 1024 * 1024,
  reconnectDelayMsMin: 20,
  reconnectDelayMsMax: 1000,
} as const;

export class TcpNetwork implements RaftNetwork {
  readonly #id: NodeId;
  readonly #server: Server;
  readonly #peers = new Map<NodeId, TcpPeer>();
  readonly #peerLimits: Omit<ConstructorParameters<typeof TcpPeer>[0], "host" | "port">;
  readonly #inbound = new Set<Socket>();
  readonly #frameBytesMax: number;
  readonly #snapshotChunkBytes: number;
  readonly #snapshotBytesMax: number;
  readonly #onError: (error: Error) => void;
  readonly #closed: Promise<void>;
  #handler: ((message: RaftMessage) => void) | undefined;
  #openSnapshotWriter: SnapshotWriterFactory = (_meta, byteLength) => memorySnapshotWriter(byteLength);
  #isClosed = false;
  #receivedMessages = 0;
  #rejectedConnections = 0;
  #oversizedMessages = 0;
  #misaddressedMessages = 0;

  private constructor(options: TcpNetworkOptions, server: Server) {
    this.#id = options.id;
    this.#server = server;
    this.#frameBytesMax = options.frameBytesMax ?? tcpNetworkDefaults.frameBytesMax;
    this.#snapshotChunkBytes = options.snapshotChunkBytes ?? tcpNetworkDefaults.snapshotChunkBytes;
    this.#snapshotBytesMax = options.snapshotBytesMax ?? tcpNetworkDefaults.snapshotBytesMax;
    this.#onError = options.onError ?? (() => undefined);
    this.#peerLimits = { ...peerLimits(options), onError: (error) => this.#onError(error) };
    for (const [peerId, address] of options.peers) {
      if (peerId !== options.id) this.#peers.set(peerId, new TcpPeer({ ...address, ...this.#peerLimits }));
    }
    server.on("connection", (socket) => this.#accept(socket));
    this.#closed = new Promise((resolve) => server.once("close", () => resolve()));
  }

  /** Starts listening; resolves once the port is bound. */
  static async listen(options: TcpNetworkOptions): Promise<TcpNetwork> {
    checkOptions(options);
    const server = createServer({ noDelay: true });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.listen.port, options.listen.host ?? "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
    return new TcpNetwork(options, server);
  }

  /** The bound port (useful with `listen.port` 0). */
  get port(): number {
    const address = this.#server.address();
    assert(address !== null && typeof address === "object", "a listening TCP server has an address");
    return address.port;
  }

  /** Resolves once `close()` finished closing the listening socket. */
  get closed(): Promise<void> {
    return this.#closed;
  }

  send(messages: readonly RaftMessage[]): void {
    if (this.#isClosed) return;
    const touched = new Set<TcpPeer>();
    for (const message of messages) {
      assert(message.from === this.#id, "a node sends only its own messages");
      const peer = this.#peers.get(message.to);
      if (peer === undefined) {
        this.#misaddressedMessages += 1;
        continue;
      }
      if (!peer.canAccept) {
        peer.countDropped(); // skip encoding a frame that would be dropped anyway
        continue;
      }
      if (message.kind === "snapshot" && message.data !== undefined) {
        if (this.#streamSnapshot(peer, message, message.data)) touched.add(peer);
        continue;
      }
      const frame = encodeFrame(message);
      if (frame.length - frameHeaderBytes > this.#frameBytesMax) {
        this.#oversizedMessages += 1;
        peer.countDropped();
        this.#onError(new RaftFrameTooLargeError(`raft ${message.kind} message of ${frame.length - frameHeaderBytes} bytes to node ${message.to} exceeds frameBytesMax ${this.#frameBytesMax}`));
        continue;
      }
      if (peer.enqueue(frame)) touched.add(peer);
    }
    for (const peer of touched) peer.flush();
  }

  #streamSnapshot(peer: TcpPeer, message: RaftMessage & { readonly kind: "snapshot" }, data: SnapshotData): boolean {
    if (data.byteLength <= this.#snapshotBytesMax) return peer.enqueueSnapshot(message, data);
    this.#oversizedMessages += 1;
    peer.countDropped();
    this.#onError(new RaftFrameTooLargeError(`raft snapshot of ${data.byteLength} bytes to node ${message.to} exceeds snapshotBytesMax ${this.#snapshotBytesMax}`));
    return false;
  }

  onMessage(handler: (message: RaftMessage) => void): void {
    this.#handler = handler;
  }

  /**
   * Adds a peer, or moves one to a new address (a node a membership change adds, say). A moved
   * peer's connection closes and what was queued for it drops (Raft resends what matters).
   */
  setPeer(id: NodeId, address: TcpPeerAddress): void {
    if (!Number.isSafeInteger(id) || id <= 0) throw new RaftConfigError(`tcp network peer id must be a positive integer, got ${id}`);
    if (id === this.#id || this.#isClosed) return;
    this.#peers.get(id)?.close();
    this.#peers.set(id, new TcpPeer({ ...address, ...this.#peerLimits }));
  }

  /** Forgets a peer (a node a membership change removed): its connection closes, its queue drops. */
  removePeer(id: NodeId): void {
    this.#peers.get(id)?.close();
    this.#peers.delete(id);
  }

  setSnapshotReceiver(open: SnapshotWriterFactory): void {
    this.#openSnapshotWriter = open;
  }

  /** Stops listening, closes every connection and drops queued frames; see `closed`. */
  close(): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    this.#handler = undefined;
    this.#server.close();
    for (const socket of this.#inbound) socket.destroy();
    this.#inbound.clear();
    for (const peer of this.#peers.values()) peer.close();
  }

  metrics(): TcpNetworkMetrics {
    return {
      receivedMessages: this.#receivedMessages,
      rejectedConnections: this.#rejectedConnections,
      oversizedMessages: this.#oversizedMessages,
      misaddressedMessages: this.#misaddressedMessages,
      peers: [...this.#peers].map(([id, peer]) => ({ id, ...peer.stats() })),
    };
  }

  #accept(socket: Socket): void {
    if (this.#isClosed) {
      socket.destroy();
      return;
    }
    this.#inbound.add(socket);
    const reader = new FrameReader(this.#frameBytesMax);
    const snapshots = new SnapshotReceiver({
      snapshotBytesMax: this.#snapshotBytesMax,
      openWriter: (meta, byteLength) => this.#openSnapshotWriter(meta, byteLength),
      deliver: (message) => this.#deliver(message),
      onError: (error) => this.#onError(error),
      onIdle: () => socket.resume(),
    });
    socket.on("data", (chunk: Buffer) => this.#receive(socket, reader, snapshots, chunk));
    socket.on("error", () => undefined); // "close" follows
    socket.on("close", () => {
      this.#inbound.delete(socket);
      snapshots.close();
    });
  }

  #receive(socket: Socket, reader: FrameReader, snapshots: SnapshotReceiver, chunk: Buffer): void {
    let frames: Frame[];
    try {
      frames = reader.push(chunk);
      for (const frame of frames) {
        if (frame.kind === "snapshotChunk" && frame.chunk.to === this.#id) snapshots.push(frame.chunk);
      }
    } catch (error) {
      this.#rejectedConnections += 1;
      socket.destroy();
      this.#onError(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    // Flow control: while the snapshot writer lags more than two chunks, stop reading this
    // connection (the sender's socket fills and its stream waits); resumed when writes catch up.
    if (snapshots.pendingBytes > 2 * this.#snapshotChunkBytes) socket.pause();
    for (const frame of frames) {
      if (frame.kind === "message") this.#deliver(frame.message);
      else if (frame.chunk.to !== this.#id) this.#misaddressedMessages += 1;
    }
  }

  #deliver(message: RaftMessage): void {
    if (message.to !== this.#id) {
      this.#misaddressedMessages += 1;
      return;
    }
    this.#receivedMessages += 1;
    this.#handler?.(message);
  }
}

function peerLimits(options: TcpNetworkOptions): Omit<ConstructorParameters<typeof TcpPeer>[0], "host" | "port" | "onError"> {
  return {
    queueFramesMax: options.sendQueueFramesMax ?? tcpNetworkDefaults.sendQueueFramesMax,
    queueBytesMax: options.sendQueueBytesMax ?? tcpNetworkDefaults.sendQueueBytesMax,
    reconnectDelayMsMin: options.reconnectDelayMsMin ?? tcpNetworkDefaults.reconnectDelayMsMin,
    reconnectDelayMsMax: options.reconnectDelayMsMax ?? tcpNetworkDefaults.reconnectDelayMsMax,
    snapshotChunkBytes: options.snapshotChunkBytes ?? tcpNetworkDefaults.snapshotChunkBytes,
  };
}

function checkOptions(options: TcpNetworkOptions): void {
  const limits = [
    ["frameBytesMax", options.frameBytesMax ?? tcpNetworkDefaults.frameBytesMax],
    ["snapshotChunkBytes", options.snapshotChunkBytes ?? tcpNetworkDefaults.snapshotChunkBytes],
    ["snapshotBytesMax", options.snapshotBytesMax ?? tcpNetworkDefaults.snapshotBytesMax],
    ["sendQueueFramesMax", options.sendQueueFramesMax ?? tcpNetworkDefaults.sendQueueFramesMax],
    ["sendQueueBytesMax", options.sendQueueBytesMax ?? tcpNetworkDefaults.sendQueueBytesMax],
    ["reconnectDelayMsMin", options.reconnectDelayMsMin ?? tcpNetworkDefaults.reconnectDelayMsMin],
    ["reconnectDelayMsMax", options.reconnectDelayMsMax ?? tcpNetworkDefaults.reconnectDelayMsMax],
  ] as const;
  for (const [name, value] of limits) {
    if (!Number.isSafeInteger(value) || value <= 0) throw new RaftConfigError(`tcp network option "${name}" must be a positive integer, got ${value}`);
  }
  const frameBytesMax = options.frameBytesMax ?? tcpNetworkDefaults.frameBytesMax;
  if ((options.snapshotChunkBytes ?? tcpNetworkDefaults.snapshotChunkBytes) > frameBytesMax / 2) {
    // A chunk's frame also carries its header and the snapshot's membership: leave room for them.
    throw new RaftConfigError(`tcp network option "snapshotChunkBytes" must be at most half of "frameBytesMax" (${frameBytesMax})`);
  }
  const delays = peerLimits(options);
  if (delays.reconnectDelayMsMin > delays.reconnectDelayMsMax) throw new RaftConfigError(`tcp network option "reconnectDelayMsMin" exceeds "reconnectDelayMsMax"`);
  if (!Number.isSafeInteger(options.id) || options.id <= 0) throw new RaftConfigError(`tcp network node id must be a positive integer, got ${options.id}`);
}
