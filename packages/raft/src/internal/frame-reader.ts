/**
 * `FrameReader`: reassembles `TcpNetwork` frames (internal/message-codec.ts) from socket chunks.
 * It never buffers more than one frame plus the chunk being read: a header announcing a body
 * larger than `frameBytesMax` is refused before its body arrives, so a peer cannot make it grow
 * without bound. A frame that does not decode throws; the caller closes the connection (the
 * stream cannot be resynchronized once framing is lost).
 */
import { assert } from "@omnikv/base";
import { RaftFrameTooLargeError, RaftProtocolError } from "../errors.ts";
import { decodeFrameBody, decodeFrameHeader, frameHeaderBytes, type Frame, type FrameHeader } from "./message-codec.ts";

export class FrameReader {
  readonly #frameBytesMax: number;
  #chunks: Uint8Array[] = [];
  #bufferedBytes = 0;
  #header: FrameHeader | undefined;

  constructor(frameBytesMax: number) {
    assert(Number.isSafeInteger(frameBytesMax) && frameBytesMax > 0, "frameBytesMax is a positive integer");
    this.#frameBytesMax = frameBytesMax;
  }

  get bufferedBytes(): number {
    return this.#bufferedBytes;
  }

  /** Adds a chunk; returns the frames it completed. Throws on a bad or oversized frame. */
  push(chunk: Uint8Array): Frame[] {
    // A plain view: a Buffer's slice() would share memory, and decoded bytes must be copies.
    this.#chunks.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    this.#bufferedBytes += chunk.length;
    const frames: Frame[] = [];
    for (;;) {
      if (this.#header === undefined) {
        if (this.#bufferedBytes < frameHeaderBytes) break;
        this.#header = this.#readHeader(this.#take(frameHeaderBytes));
      }
      if (this.#bufferedBytes < this.#header.bodyBytes) break;
      frames.push(this.#readBody(this.#header, this.#take(this.#header.bodyBytes)));
      this.#header = undefined;
    }
    assert(this.#bufferedBytes < frameHeaderBytes + this.#frameBytesMax + chunk.length, "at most one frame plus a chunk is buffered");
    return frames;
  }

  #readHeader(bytes: Uint8Array): FrameHeader {
    let header: FrameHeader;
    try {
      header = decodeFrameHeader(bytes);
    } catch (error) {
      throw new RaftProtocolError("invalid raft frame header", { cause: error });
    }
    if (header.bodyBytes > this.#frameBytesMax) {
      throw new RaftFrameTooLargeError(`raft frame of ${header.bodyBytes} bytes exceeds frameBytesMax ${this.#frameBytesMax}`);
    }
    return header;
  }

  #readBody(header: FrameHeader, body: Uint8Array): Frame {
    try {
      return decodeFrameBody(header, body);
    } catch (error) {
      throw new RaftProtocolError("invalid raft frame body", { cause: error });
    }
  }

  /** Removes and returns the first `count` buffered bytes (a view when one chunk holds them). */
  #take(count: number): Uint8Array {
    assert(count <= this.#bufferedBytes, "take only what is buffered");
    this.#bufferedBytes -= count;
    const first = this.#chunks[0];
    if (first !== undefined && first.length >= count) {
      if (first.length === count) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(count);
      return first.subarray(0, count);
    }
    const out = new Uint8Array(count);
    let filled = 0;
    while (filled < count) {
      const chunk = this.#chunks[0];
      assert(chunk !== undefined, "buffered bytes are in chunks");
      const part = Math.min(chunk.length, count - filled);
      out.set(chunk.subarray(0, part), filled);
      filled += part;
      if (part === chunk.length) this.#chunks.shift();
      else this.#chunks[0] = chunk.subarray(part);
    }
    return out;
  }
}
