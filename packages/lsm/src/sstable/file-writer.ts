/**
 * A bounded write buffer over a file being built from start to end: small appends (a 4 KiB block
 * and its 5-byte trailer) are gathered and written with one positional `writeSync` when the
 * buffer fills; an append larger than the buffer goes straight to the file. Memory never grows
 * with the table: at most `bufferBytes` are held.
 *
 * The writes are synchronous: tables are built by flush and compaction, off the request path
 * (ARCHITECTURE.md), and a synchronous write of 64 KiB costs less than a promise round trip.
 * Write errors become `LsmIoError`; the caller then abandons the file.
 */
import { writeSync } from "node:fs";
import { assert } from "@omnikv/base";
import { LsmIoError } from "../errors.ts";

export const writeBufferBytesDefault = 64 * 1024;

export class FileWriter {
  readonly #fd: number;
  readonly #path: string;
  readonly #buffer: Uint8Array;
  #buffered = 0;
  /** File offset of the first buffered byte. */
  #flushedBytes = 0;

  constructor(fd: number, path: string, bufferBytes: number = writeBufferBytesDefault) {
    assert(Number.isInteger(bufferBytes) && bufferBytes >= 64, "write buffer holds at least 64 bytes");
    this.#fd = fd;
    this.#path = path;
    this.#buffer = new Uint8Array(bufferBytes);
  }

  /** Bytes appended so far: the file offset the next append lands at. */
  get offset(): number {
    return this.#flushedBytes + this.#buffered;
  }

  append(bytes: Uint8Array): void {
    if (bytes.length > this.#buffer.length - this.#buffered) this.flush();
    if (bytes.length >= this.#buffer.length) {
      this.#write(bytes);
      return;
    }
    this.#buffer.set(bytes, this.#buffered);
    this.#buffered += bytes.length;
    assert(this.#buffered <= this.#buffer.length, "buffer never overflows");
  }

  /** Writes out whatever is buffered. */
  flush(): void {
    if (this.#buffered === 0) return;
    const pending = this.#buffer.subarray(0, this.#buffered);
    this.#buffered = 0;
    this.#write(pending);
  }

  #write(bytes: Uint8Array): void {
    assert(this.#buffered === 0, "buffered bytes go out first");
    let written = 0;
    try {
      while (written < bytes.length) {
        written += writeSync(this.#fd, bytes, written, bytes.length - written, this.#flushedBytes + written);
      }
    } catch (error) {
      throw new LsmIoError(`could not write table file "${this.#path}" at offset ${this.#flushedBytes + written}`, { cause: error });
    }
    this.#flushedBytes += bytes.length;
  }
}
