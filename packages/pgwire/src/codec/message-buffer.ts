/**
 * A growable output buffer that frames backend messages: `begin(type)` reserves the int32 length,
 * field writers append, `end()` patches the length in. `take()` hands the framed bytes to the caller
 * (a socket keeps them while it writes them), and later messages are written after them in the
 * same buffer: a buffer is a bump allocator, replaced once its free tail is small. Taking a fresh
 * 8 KiB buffer per answer instead was an allocation outside the heap for every query, and a
 * good part of the server's garbage collection.
 *
 * Invariants: bytes before `#start` were taken and are never written again; messages do not nest
 * (`begin` asserts none is open; `take` asserts none is open); a C string never contains NUL —
 * NULs are dropped, since one would end the string early and desync the client's framing.
 */
import { assert } from "@omnikv/base";

const initialCapacityBytes = 8192;
/** A buffer whose free tail is shorter than this after a take is replaced rather than written on. */
const freeTailMinBytes = 1024;

export class MessageBuffer {
  #buffer: Buffer = Buffer.allocUnsafe(initialCapacityBytes);
  /** Where the bytes not yet taken begin. */
  #start = 0;
  #size = 0;
  #messageStart = -1;

  get sizeBytes(): number {
    return this.#size - this.#start;
  }

  begin(type: string): void {
    assert(this.#messageStart < 0, "backend messages do not nest");
    assert(type.length === 1, "a message type is one byte");
    this.#reserve(5);
    this.#buffer[this.#size] = type.charCodeAt(0);
    this.#messageStart = this.#size + 1;
    this.#size += 5;
  }

  end(): void {
    assert(this.#messageStart >= 0, "end() closes an open message");
    const length = this.#size - this.#messageStart;
    assert(length >= 4, "a length counts itself");
    this.#buffer.writeInt32BE(length, this.#messageStart);
    this.#messageStart = -1;
  }

  int8(value: number): void {
    this.#reserve(1);
    this.#buffer.writeUInt8(value, this.#size);
    this.#size += 1;
  }

  int16(value: number): void {
    this.#reserve(2);
    this.#buffer.writeInt16BE(value, this.#size);
    this.#size += 2;
  }

  int32(value: number): void {
    this.#reserve(4);
    this.#buffer.writeInt32BE(value, this.#size);
    this.#size += 4;
  }

  cstring(value: string): void {
    const text = value.includes("\0") ? value.replaceAll("\0", "") : value;
    const length = Buffer.byteLength(text, "utf8");
    this.#reserve(length + 1);
    this.#buffer.write(text, this.#size, length, "utf8");
    this.#size += length;
    this.#buffer[this.#size] = 0;
    this.#size += 1;
  }

  bytes(value: Uint8Array): void {
    this.#reserve(value.length);
    this.#buffer.set(value, this.#size);
    this.#size += value.length;
  }

  /** The framed bytes written since the last take; they are the caller's and are never written again. */
  take(): Buffer {
    assert(this.#messageStart < 0, "take() only between messages");
    const taken = this.#buffer.subarray(this.#start, this.#size);
    // A buffer grown for a large answer goes with it: an idle connection holds only a small one.
    if (this.#buffer.length - this.#size < freeTailMinBytes || this.#buffer.length > initialCapacityBytes) {
      this.#buffer = Buffer.allocUnsafe(initialCapacityBytes);
      this.#size = 0;
    }
    this.#start = this.#size;
    return taken;
  }

  /**
   * Room for `count` more bytes. A new buffer receives only the bytes not yet taken (the taken
   * ones stay where their holder has them); an open message moves with them.
   */
  #reserve(count: number): void {
    const needed = this.#size + count;
    if (needed <= this.#buffer.length) return;
    const pending = this.#size - this.#start;
    // Doubling keeps a long run of appends amortized; one huge message gets just its size.
    const next = Buffer.allocUnsafe(Math.max(initialCapacityBytes, pending + count, Math.min(2 * this.#buffer.length, 2 * pending)));
    this.#buffer.copy(next, 0, this.#start, this.#size);
    if (this.#messageStart >= 0) this.#messageStart -= this.#start;
    this.#buffer = next;
    this.#start = 0;
    this.#size = pending;
  }
}
