/**
 * Temporary files of rows, for operators that spill beyond their memory budget (work_mem). A
 * file is a sequence of rows, each `[uint32 byte length][columns…]`, each column
 * `[int32 length, -1 for NULL][the value's binary form]` — the type's PostgreSQL send/receive
 * format (`@omnikv/base`'s sendValue/recvValue), so every value round-trips exactly. Files are
 * written whole, then read back sequentially in 64 KiB chunks, and deleted when closed.
 * (Encryption of spill files at rest belongs to the security package's cipher hook, later.)
 */
import { Buffer } from "node:buffer";
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DataCorruptedError, assert, hasBinaryIo, recvValue, sendValue } from "@omnikv/base";
import type { SqlValue } from "../values.ts";
import type { Row } from "./table-access.ts";

const readChunkBytes = 64 * 1024;

/** Whether rows of these column types can be spilled (every type has a binary form). */
export function canSpill(oids: readonly number[]): boolean {
  return oids.every((oid) => hasBinaryIo(oid));
}

/** A rough in-memory size of a row, for memory budgets: what its values and arrays occupy. */
export function estimateRowBytes(row: Row): number {
  let bytes = 48 + 8 * row.length;
  for (const value of row) {
    if (typeof value === "string") bytes += 16 + 2 * value.length;
    else if (value instanceof Uint8Array) bytes += 64 + value.length;
    else if (typeof value === "object" && value !== null) bytes += 64;
    else bytes += 8;
  }
  return bytes;
}

export class SpillDirectory {
  readonly path: string;
  #files = 0;

  constructor(parent: string = tmpdir()) {
    this.path = mkdtempSync(join(parent, "omnikv-spill-"));
  }

  /** Writes `rows` of `oids` to a new file and returns its reader. */
  write(rows: Iterable<Row>, oids: readonly number[]): SpillFileReader {
    const path = join(this.path, `run-${++this.#files}`);
    const fd = openSync(path, "w");
    try {
      const pending: Uint8Array[] = [];
      let pendingBytes = 0;
      for (const row of rows) {
        const encoded = encodeRow(row, oids);
        pending.push(encoded);
        pendingBytes += encoded.length;
        if (pendingBytes >= readChunkBytes) {
          writeSync(fd, Buffer.concat(pending));
          pending.length = 0;
          pendingBytes = 0;
        }
      }
      if (pending.length > 0) writeSync(fd, Buffer.concat(pending));
    } finally {
      closeSync(fd);
    }
    return new SpillFileReader(path, oids);
  }

  /** A new file to append rows to as they come (buffered), read back once finished. */
  createWriter(oids: readonly number[]): SpillFileWriter {
    return new SpillFileWriter(join(this.path, `run-${++this.#files}`), oids);
  }

  /** Deletes every file. */
  remove(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}

/** Appends rows to one spill file, writing whenever 64 KiB are buffered. */
export class SpillFileWriter {
  readonly #path: string;
  readonly #oids: readonly number[];
  readonly #fd: number;
  readonly #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #rows = 0;

  constructor(path: string, oids: readonly number[]) {
    this.#path = path;
    this.#oids = oids;
    this.#fd = openSync(path, "w");
  }

  get rowCount(): number {
    return this.#rows;
  }

  append(row: Row): void {
    const encoded = encodeRow(row, this.#oids);
    this.#pending.push(encoded);
    this.#pendingBytes += encoded.length;
    this.#rows += 1;
    if (this.#pendingBytes >= readChunkBytes) this.#flush();
  }

  /** Writes what is buffered, closes the file and returns its reader. */
  finish(): SpillFileReader {
    this.#flush();
    closeSync(this.#fd);
    return new SpillFileReader(this.#path, this.#oids);
  }

  #flush(): void {
    if (this.#pending.length === 0) return;
    writeSync(this.#fd, Buffer.concat(this.#pending));
    this.#pending.length = 0;
    this.#pendingBytes = 0;
  }
}

function encodeRow(row: Row, oids: readonly number[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let length = 0;
  row.forEach((value, i) => {
    const header = Buffer.alloc(4);
    if (value === null) {
      header.writeInt32BE(-1);
      parts.push(header);
      length += 4;
      return;
    }
    const bytes = sendValue(oids[i] ?? 0, value);
    header.writeInt32BE(bytes.length);
    parts.push(header, bytes);
    length += 4 + bytes.length;
  });
  const prefix = Buffer.alloc(4);
  prefix.writeUInt32BE(length);
  return Buffer.concat([prefix, ...parts]);
}

export class SpillFileReader {
  readonly #path: string;
  readonly #oids: readonly number[];

  constructor(path: string, oids: readonly number[]) {
    this.#path = path;
    this.#oids = oids;
  }

  /** The rows in file order, read in chunks. */
  *rows(): Generator<Row, undefined, undefined> {
    const fd = openSync(this.#path, "r");
    try {
      let buffer = Buffer.alloc(0);
      let position = 0;
      for (;;) {
        while (buffer.length >= 4 && buffer.length >= 4 + buffer.readUInt32BE(0)) {
          const length = buffer.readUInt32BE(0);
          yield this.#decode(buffer.subarray(4, 4 + length));
          buffer = buffer.subarray(4 + length);
        }
        const chunk = Buffer.alloc(readChunkBytes);
        const read = readSync(fd, chunk, 0, readChunkBytes, position);
        if (read === 0) break;
        position += read;
        buffer = Buffer.concat([buffer, chunk.subarray(0, read)]);
      }
      if (buffer.length > 0) throw new DataCorruptedError(`spill file "${this.#path}" ends inside a row`);
    } finally {
      closeSync(fd);
    }
    return undefined;
  }

  #decode(bytes: Buffer): Row {
    const row: SqlValue[] = [];
    let offset = 0;
    for (const oid of this.#oids) {
      const length = bytes.readInt32BE(offset);
      offset += 4;
      if (length < 0) {
        row.push(null);
        continue;
      }
      row.push(recvValue(oid, new Uint8Array(bytes.subarray(offset, offset + length))));
      offset += length;
    }
    assert(offset === bytes.length, "a spilled row decodes exactly");
    return row;
  }
}
