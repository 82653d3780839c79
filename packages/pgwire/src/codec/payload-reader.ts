/**
 * A bounds-checked cursor over one message payload. Every read checks that the bytes exist and
 * throws `MalformedMessageError` (08P01) otherwise: a truncated or lying message never reads past
 * its payload or yields garbage. Strings are NUL-terminated UTF-8; invalid UTF-8 is rejected.
 */
import { MalformedMessageError } from "../errors.ts";

const utf8 = new TextDecoder("utf-8", { fatal: true });
/** Strings up to this long are decoded by `#shortString` when they are ASCII. */
const asciiFastPathBytesMax = 64;

export class PayloadReader {
  readonly #bytes: Uint8Array;
  readonly #what: string;
  #offset = 0;

  /** `what` names the message in error text, e.g. "Bind". */
  constructor(bytes: Uint8Array, what: string) {
    this.#bytes = bytes;
    this.#what = what;
  }

  get remainingSizeBytes(): number {
    return this.#bytes.length - this.#offset;
  }

  int8(): number {
    this.#need(1);
    const value = this.#byte(this.#offset);
    this.#offset += 1;
    return value;
  }

  int16(): number {
    this.#need(2);
    const value = ((this.#byte(this.#offset) << 24) | (this.#byte(this.#offset + 1) << 16)) >> 16;
    this.#offset += 2;
    return value;
  }

  int32(): number {
    return this.uint32() | 0;
  }

  uint32(): number {
    this.#need(4);
    const at = this.#offset;
    const value = this.#byte(at) * 0x100_0000 + ((this.#byte(at + 1) << 16) | (this.#byte(at + 2) << 8) | this.#byte(at + 3));
    this.#offset += 4;
    return value;
  }

  /** A NUL-terminated UTF-8 string. */
  cstring(): string {
    const end = this.#bytes.indexOf(0, this.#offset);
    if (end < 0) throw this.#malformed("missing string terminator");
    const text = end - this.#offset <= asciiFastPathBytesMax ? this.#shortString(this.#offset, end) : this.#decode(this.#bytes.subarray(this.#offset, end));
    this.#offset = end + 1;
    return text;
  }

  /** `count` bytes, copied out of the payload. */
  bytes(count: number): Uint8Array {
    if (count < 0) throw this.#malformed(`invalid length ${count}`);
    this.#need(count);
    // A copy (not `slice`, which shares memory when the payload is a Buffer): cells outlive the message.
    const value = new Uint8Array(this.#bytes.subarray(this.#offset, this.#offset + count));
    this.#offset += count;
    return value;
  }

  /** All bytes not yet read. */
  rest(): Uint8Array {
    return this.bytes(this.remainingSizeBytes);
  }

  /** The message must be fully consumed: trailing bytes mean the client and server disagree on its shape. */
  end(): void {
    if (this.#offset !== this.#bytes.length) throw this.#malformed("invalid message format");
  }

  /**
   * bytes[start, end) as a string without a TextDecoder call (a C++ crossing that cost more than
   * the statement names and short SQL it decodes): ASCII is valid UTF-8 as it is; any other byte
   * takes the checking decoder.
   */
  #shortString(start: number, end: number): string {
    const bytes = this.#bytes;
    let text = "";
    for (let at = start; at < end; at++) {
      const byte = this.#byte(at);
      if (byte >= 0x80) return this.#decode(bytes.subarray(start, end));
      text += String.fromCharCode(byte);
    }
    return text;
  }

  #byte(at: number): number {
    return this.#bytes[at] ?? 0;
  }

  #decode(bytes: Uint8Array): string {
    try {
      return utf8.decode(bytes);
    } catch (error) {
      throw new MalformedMessageError(`invalid byte sequence for encoding "UTF8" in ${this.#what} message`, { cause: error });
    }
  }

  #need(count: number): void {
    if (this.#offset + count > this.#bytes.length) throw this.#malformed("insufficient data left in message");
  }

  #malformed(message: string): MalformedMessageError {
    return new MalformedMessageError(`${message} (${this.#what})`);
  }
}
