/**
 * Incremental framing of the client's byte stream into messages. TCP delivers arbitrary chunks, so
 * `push` accepts any split (one byte at a time, or many messages in one chunk) and `next` returns a
 * whole message only once all its bytes have arrived.
 *
 * Two frame shapes:
 *
 *   startup phase (the first packet, and again after SSLRequest/GSSENCRequest is answered):
 *   +-------------------+-----------------------+
 *   | length: int32 BE  | payload (length - 4)  |   length counts itself
 *   +-------------------+-----------------------+
 *
 *   every later message:
 *   +--------+-------------------+-----------------------+
 *   | type u8| length: int32 BE  | payload (length - 4)  |
 *   +--------+-------------------+-----------------------+
 *
 * Invariants: a length below 4 or above the limit is rejected as soon as the header is seen (before
 * the payload is buffered), so a hostile length never makes the reader allocate it. Returned payloads
 * are copies: they stay valid after later pushes.
 */
import { assert } from "@omnikv/base";
import { MalformedMessageError } from "../errors.ts";

/** A framed message; `type` is 0 for a startup-phase packet. */
export interface RawMessage {
  readonly type: number;
  readonly payload: Uint8Array;
}

/** PostgreSQL's MAX_STARTUP_PACKET_LENGTH. */
export const startupPacketSizeBytesMax = 10_000;

export class MessageReader {
  readonly #messageSizeBytesMax: number;
  #buffer: Uint8Array = new Uint8Array(0);
  #start = 0;
  #end = 0;
  #isStartupPhase = true;

  constructor(messageSizeBytesMax: number) {
    assert(Number.isInteger(messageSizeBytesMax) && messageSizeBytesMax >= 1024, "a message size limit is at least 1 KiB");
    this.#messageSizeBytesMax = messageSizeBytesMax;
  }

  /** Bytes received and not yet returned as messages. */
  get bufferedSizeBytes(): number {
    return this.#end - this.#start;
  }

  /** After SSLRequest/GSSENCRequest is answered 'N', the client sends another startup packet. */
  expectStartupPacket(): void {
    this.#isStartupPhase = true;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    const needed = this.#end - this.#start + chunk.length;
    if (this.#end + chunk.length > this.#buffer.length) {
      // Compact into a buffer that fits; doubling keeps appends amortized O(1).
      const capacity = Math.max(needed, Math.min(this.#buffer.length * 2, needed + 65_536), 1024);
      const next = new Uint8Array(capacity);
      next.set(this.#buffer.subarray(this.#start, this.#end), 0);
      this.#buffer = next;
      this.#end -= this.#start;
      this.#start = 0;
    }
    this.#buffer.set(chunk, this.#end);
    this.#end += chunk.length;
    assert(this.#end - this.#start === needed, "push appended the whole chunk");
  }

  /** The next complete message, or undefined when more bytes are needed. Throws 08P01 on a bad length. */
  next(): RawMessage | undefined {
    const headerSize = this.#isStartupPhase ? 4 : 5;
    if (this.#end - this.#start < headerSize) return undefined;
    const type = this.#isStartupPhase ? 0 : this.#byteAt(0);
    const length = this.#int32At(headerSize - 4);
    this.#checkLength(length);
    const frameSize = headerSize - 4 + length;
    if (this.#end - this.#start < frameSize) return undefined;
    const payloadStart = this.#start + headerSize;
    const payload = this.#buffer.slice(payloadStart, this.#start + frameSize);
    this.#start += frameSize;
    if (this.#start === this.#end) {
      this.#start = 0;
      this.#end = 0;
    }
    // A startup packet is followed by typed messages unless the server says otherwise.
    this.#isStartupPhase = false;
    assert(payload.length === length - 4, "a payload is the framed length minus the length field");
    return { type, payload };
  }

  #checkLength(length: number): void {
    const max = this.#isStartupPhase ? startupPacketSizeBytesMax : this.#messageSizeBytesMax;
    if (length < 4) throw new MalformedMessageError(`invalid message length ${length}`);
    if (length > max) {
      throw new MalformedMessageError(`invalid message length ${length}`, { detail: `the limit is ${max} bytes` });
    }
  }

  #byteAt(offset: number): number {
    const value = this.#buffer[this.#start + offset];
    assert(value !== undefined, "byteAt reads buffered bytes");
    return value;
  }

  #int32At(offset: number): number {
    return (
      ((this.#byteAt(offset) << 24) | (this.#byteAt(offset + 1) << 16) | (this.#byteAt(offset + 2) << 8) | this.#byteAt(offset + 3)) | 0
    );
  }
}
