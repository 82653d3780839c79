/**
 * `SnapshotAssembler`: rebuilds a `snapshot` message from the chunk stream `TcpNetwork` sends for
 * a large snapshot (internal/message-codec.ts, kind 9), one per inbound connection. TCP keeps a
 * connection's chunks in order, so a stream must be contiguous: its first chunk has offset 0,
 * each next one starts where the last ended, and every chunk agrees on the header. A chunk of a
 * new stream abandons the one in progress (the sender gave it up, e.g. for a newer snapshot).
 *
 * Bound: a stream may announce at most `snapshotBytesMax` bytes, and no more than it announced is
 * kept, so one connection holds at most one snapshot in memory.
 */
import { assert } from "@omnikv/base";
import { RaftFrameTooLargeError, RaftProtocolError } from "../errors.ts";
import type { SnapshotMessage } from "../message.ts";
import type { SnapshotChunk } from "./message-codec.ts";

export class SnapshotAssembler {
  readonly #snapshotBytesMax: number;
  #stream: { readonly first: SnapshotChunk; readonly parts: Uint8Array[]; receivedBytes: number } | undefined;

  constructor(snapshotBytesMax: number) {
    assert(Number.isSafeInteger(snapshotBytesMax) && snapshotBytesMax > 0, "snapshotBytesMax is a positive integer");
    this.#snapshotBytesMax = snapshotBytesMax;
  }

  /** Bytes held for the stream in progress. */
  get bufferedBytes(): number {
    return this.#stream?.receivedBytes ?? 0;
  }

  /** Adds a chunk; returns the whole snapshot message once its last chunk arrived. Throws on a bad stream. */
  push(chunk: SnapshotChunk): SnapshotMessage | undefined {
    if (chunk.totalBytes > this.#snapshotBytesMax) {
      throw new RaftFrameTooLargeError(`raft snapshot of ${chunk.totalBytes} bytes exceeds snapshotBytesMax ${this.#snapshotBytesMax}`);
    }
    if (this.#stream === undefined || this.#stream.first.streamId !== chunk.streamId) {
      if (chunk.offset !== 0) throw new RaftProtocolError(`raft snapshot stream ${chunk.streamId} starts at offset ${chunk.offset}`);
      this.#stream = { first: chunk, parts: [], receivedBytes: 0 };
    }
    const stream = this.#stream;
    if (!isSameStream(stream.first, chunk) || chunk.offset !== stream.receivedBytes) {
      throw new RaftProtocolError(`raft snapshot stream ${chunk.streamId}: chunk at ${chunk.offset} does not continue ${stream.receivedBytes}`);
    }
    stream.parts.push(chunk.bytes);
    stream.receivedBytes += chunk.bytes.length;
    assert(stream.receivedBytes <= chunk.totalBytes, "a stream never holds more than it announced");
    if (stream.receivedBytes < chunk.totalBytes) return undefined;
    this.#stream = undefined;
    const { from, to, term, snapshot } = stream.first;
    return { kind: "snapshot", from, to, term, snapshot, data: concat(stream.parts, chunk.totalBytes) };
  }
}

function isSameStream(a: SnapshotChunk, b: SnapshotChunk): boolean {
  return a.from === b.from && a.to === b.to && a.term === b.term && a.totalBytes === b.totalBytes && a.snapshot.index === b.snapshot.index && a.snapshot.term === b.snapshot.term;
}

function concat(parts: readonly Uint8Array[], totalBytes: number): Uint8Array {
  const out = new Uint8Array(totalBytes);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  assert(at === totalBytes, "the parts fill the snapshot exactly");
  return out;
}
