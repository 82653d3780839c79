/**
 * A bounds-checked cursor over one message payload. Every read checks that the bytes exist and
 * throws `MalformedMessageError` (08P01) otherwise: a truncated or lying message never reads past
 * its payload or yields garbage. Strings are NUL-terminated UTF-8; invalid UTF-8 is rejected.
 */
import { MalformedMessageError } from "../errors.ts";

const utf8 = new TextDecoder("utf-8", { fatal: true });

export class PayloadReader {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  readonly #what: string;
  #offset = 0;

  /** `what` names the message in error text, e.g. "Bind". */
  constructor(bytes: Uint8Array, what: string) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#what = what;
  }

  get remainingSizeBytes(): number {
    return this.#bytes.length - this.#offset;
  }

  int8(): number {
    this.#need(1);
    const value = this.#view.getUint8(this.#offset);
    this.#offset += 1;
    return value;
  }

  int16(): number {
    this.#need(2);
    const value = this.#view.getInt16(this.#offset);
    this.#offset += 2;
    return value;
  }

  int32(): number {
    this.#need(4);
    const value = this.#view.getInt32(this.#offset);
    this.#offset += 4;
    return value;
  }

  uint32(): number {
    this.#need(4);
    const value = this.#view.getUint32(this.#offset);
    this.#offset += 4;
    return value;
  }

  /** A NUL-terminated UTF-8 string. */
  cstring(): string {
    const end = this.#bytes.indexOf(0, this.#offset);
    if (end < 0) throw this.#malformed("missing string terminator");
    const text = this.#decode(this.#bytes.subarray(this.#offset, end));
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
