/**
 * `SnapshotReceiver`: writes the chunk stream of a snapshot (internal/message-codec.ts, kind 9)
 * that `TcpNetwork` receives on one inbound connection into a `SnapshotWriter` the runtime
 * provides (the state machine's, or one in memory), and delivers the `snapshot` message once the
 * last chunk is written and the writer finished. So a node receiving a snapshot holds no more of
 * it in memory than the chunks waiting to be written.
 *
 * Checks are synchronous, at `push`: TCP keeps a connection's chunks in order, so a stream must be
 * contiguous (its first chunk at offset 0, each next one where the last ended, every chunk
 * agreeing on the header); a violation throws and the caller drops the connection. Writes are
 * asynchronous and run one after another; `pendingBytes` says how much waits, so the caller can
 * pause the socket (flow control back to the sender) and resume it on `onIdle`.
 *
 * A chunk of a new stream abandons the one in progress (the sender gave it up, e.g. for a newer
 * snapshot): its writer is aborted. A writer that fails is aborted and its stream ignored (and
 * reported); Raft resends the snapshot after a timeout.
 */
import { assert } from "@omnikv/base";
import { RaftFrameTooLargeError, RaftProtocolError } from "../errors.ts";
import type { SnapshotMessage } from "../message.ts";
import type { SnapshotWriter, SnapshotWriterFactory } from "../snapshot-data.ts";
import type { SnapshotChunk } from "./message-codec.ts";

export interface SnapshotReceiverOptions {
  readonly snapshotBytesMax: number;
  /** Opens the writer of a new stream (looked up per stream: the runtime may register it late). */
  readonly openWriter: SnapshotWriterFactory;
  readonly deliver: (message: SnapshotMessage) => void;
  readonly onError: (error: Error) => void;
  /** Every pushed chunk has been written (or dropped). */
  readonly onIdle: () => void;
}

interface ActiveWrite {
  readonly streamId: number;
  writer: SnapshotWriter | undefined;
}

export class SnapshotReceiver {
  readonly #options: SnapshotReceiverOptions;
  /** The stream being checked at push time, and the offset its next chunk must have. */
  #stream: { readonly first: SnapshotChunk; nextOffset: number } | undefined;
  /** The stream being written (behind `#stream` by the chunks waiting in `#work`). */
  #active: ActiveWrite | undefined;
  #work: Promise<void> = Promise.resolve();
  #pendingBytes = 0;
  #isClosed = false;

  constructor(options: SnapshotReceiverOptions) {
    assert(Number.isSafeInteger(options.snapshotBytesMax) && options.snapshotBytesMax > 0, "snapshotBytesMax is a positive integer");
    this.#options = options;
  }

  /** Bytes pushed and not yet written. */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  /** Checks a chunk and queues its write; throws on a bad stream. */
  push(chunk: SnapshotChunk): void {
    assert(!this.#isClosed, "no chunk is pushed after close");
    if (chunk.totalBytes > this.#options.snapshotBytesMax) {
      throw new RaftFrameTooLargeError(`raft snapshot of ${chunk.totalBytes} bytes exceeds snapshotBytesMax ${this.#options.snapshotBytesMax}`);
    }
    const isFirst = this.#stream === undefined || this.#stream.first.streamId !== chunk.streamId;
    if (isFirst) {
      if (chunk.offset !== 0) throw new RaftProtocolError(`raft snapshot stream ${chunk.streamId} starts at offset ${chunk.offset}`);
      this.#stream = { first: chunk, nextOffset: 0 };
    }
    const stream = this.#stream;
    assert(stream !== undefined, "a chunk belongs to the current stream");
    if (!isSameStream(stream.first, chunk) || chunk.offset !== stream.nextOffset) {
      throw new RaftProtocolError(`raft snapshot stream ${chunk.streamId}: chunk at ${chunk.offset} does not continue ${stream.nextOffset}`);
    }
    stream.nextOffset += chunk.bytes.length;
    assert(stream.nextOffset <= chunk.totalBytes, "a stream never carries more than it announced");
    const isLast = stream.nextOffset === chunk.totalBytes;
    if (isLast) this.#stream = undefined;
    this.#pendingBytes += chunk.bytes.length;
    // The chain never rejects (a failed step is reported), so every later chunk still runs.
    this.#work = this.#work
      .then(() => this.#write(chunk, isFirst, isLast))
      .catch((error: unknown) => this.#options.onError(asError(error, `raft snapshot stream ${chunk.streamId} failed`)))
      .finally(() => this.#settle(chunk.bytes.length));
  }

  /** The connection is gone: abort the stream in progress once the queued writes are done. */
  close(): void {
    this.#isClosed = true;
    this.#stream = undefined;
    this.#work = this.#work.then(() => this.#abortActive()).catch((error: unknown) => this.#options.onError(asError(error, "closing a raft snapshot stream failed")));
  }

  #settle(bytes: number): void {
    this.#pendingBytes -= bytes;
    assert(this.#pendingBytes >= 0, "pending bytes never go negative");
    if (this.#pendingBytes === 0) this.#options.onIdle();
  }

  async #write(chunk: SnapshotChunk, isFirst: boolean, isLast: boolean): Promise<void> {
    if (this.#isClosed) return;
    if (isFirst) await this.#begin(chunk);
    const active = this.#active;
    if (active?.streamId !== chunk.streamId || active.writer === undefined) return; // a failed stream
    const writer = active.writer;
    try {
      if (chunk.bytes.length > 0) await writer.write(chunk.bytes);
      if (!isLast) return;
      const data = await writer.finish();
      assert(data.byteLength === chunk.totalBytes, "a finished snapshot has the announced length");
      this.#active = undefined;
      const { from, to, term, snapshot } = chunk;
      if (!this.#isClosed) this.#options.deliver({ kind: "snapshot", from, to, term, snapshot, data });
    } catch (error) {
      this.#options.onError(asError(error, `writing raft snapshot stream ${chunk.streamId} failed`));
      await this.#abortActive();
    }
  }

  async #begin(chunk: SnapshotChunk): Promise<void> {
    await this.#abortActive();
    const active: ActiveWrite = { streamId: chunk.streamId, writer: undefined };
    this.#active = active;
    try {
      active.writer = await this.#options.openWriter(chunk.snapshot, chunk.totalBytes);
    } catch (error) {
      this.#options.onError(asError(error, `opening a writer for raft snapshot stream ${chunk.streamId} failed`));
    }
  }

  async #abortActive(): Promise<void> {
    const writer = this.#active?.writer;
    this.#active = undefined;
    if (writer === undefined) return;
    try {
      await writer.abort();
    } catch (error) {
      this.#options.onError(asError(error, "aborting a raft snapshot writer failed"));
    }
  }
}

function isSameStream(a: SnapshotChunk, b: SnapshotChunk): boolean {
  return a.from === b.from && a.to === b.to && a.term === b.term && a.totalBytes === b.totalBytes && a.snapshot.index === b.snapshot.index && a.snapshot.term === b.snapshot.term;
}

function asError(error: unknown, message: string): Error {
  return new Error(message, { cause: error });
}
