/**
 * Temporary files of rows, for operators that spill beyond their memory budget (work_mem). A
 * file is a sequence of rows, each `[uint32 byte length][columns…]`, each column
 * `[int32 length, -1 for NULL][the value's binary form]` — the type's PostgreSQL send/receive
 * format (`@omnikv/base`'s sendValue/recvValue), so every value round-trips exactly. Rows are
 * written in chunks of about 64 KiB, read back sequentially, and deleted when closed.
 *
 * Encryption at rest: with a `SpillCipher` each chunk is sealed and stored as
 * `[uint32 sealed length][sealed chunk]`, bound to its file and chunk number, so spilled rows
 * never reach the disk in plaintext and a tampered chunk fails to open (XX001).
 */
import { Buffer } from "node:buffer";
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DataCorruptedError, EnumValue, assert, decodeEnumStorage, encodeEnumStorage, hasBinaryIo, isEnumOid, recvValue, sendValue } from "@omnikv/base";
import type { SqlValue } from "../values.ts";
import type { Row } from "./table-access.ts";

const readChunkBytes = 64 * 1024;

/**
 * The encryption hook spill files call (implemented by `@omnikv/security`'s `createStoreCiphers`
 * as `spill`; the executor never imports a crypto package). `open` throws when a chunk fails to
 * authenticate.
 */
export interface SpillCipher {
  seal(fileId: number, chunkIndex: number, plaintext: Uint8Array): Uint8Array;
  open(fileId: number, chunkIndex: number, sealed: Uint8Array): Uint8Array;
}

/** Spill files of one process are numbered apart, so a chunk is bound to its file. */
let nextFileId = 1;

/** Whether rows of these column types can be spilled (every type has a binary form). */
export function canSpill(oids: readonly number[]): boolean {
  return oids.every((oid) => hasBinaryIo(oid) || isEnumOid(oid));
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

interface SpillFile {
  readonly path: string;
  readonly id: number;
  readonly oids: readonly number[];
  readonly cipher: SpillCipher | undefined;
}

export class SpillDirectory {
  readonly path: string;
  readonly #cipher: SpillCipher | undefined;
  #files = 0;

  constructor(parent: string = tmpdir(), cipher?: SpillCipher) {
    this.path = mkdtempSync(join(parent, "omnikv-spill-"));
    this.#cipher = cipher;
  }

  /** Writes `rows` of `oids` to a new file and returns its reader. */
  write(rows: Iterable<Row>, oids: readonly number[]): SpillFileReader {
    const writer = this.createWriter(oids);
    for (const row of rows) writer.append(row);
    return writer.finish();
  }

  /** A new file to append rows to as they come (buffered), read back once finished. */
  createWriter(oids: readonly number[]): SpillFileWriter {
    return new SpillFileWriter({ path: join(this.path, `run-${++this.#files}`), id: nextFileId++, oids, cipher: this.#cipher });
  }

  /** Deletes every file. */
  remove(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}

/** Appends rows to one spill file, writing a chunk whenever 64 KiB are buffered. */
export class SpillFileWriter {
  readonly #file: SpillFile;
  readonly #fd: number;
  readonly #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #rows = 0;
  #chunks = 0;

  constructor(file: SpillFile) {
    this.#file = file;
    this.#fd = openSync(file.path, "w");
  }

  get rowCount(): number {
    return this.#rows;
  }

  append(row: Row): void {
    const encoded = encodeRow(row, this.#file.oids);
    this.#pending.push(encoded);
    this.#pendingBytes += encoded.length;
    this.#rows += 1;
    if (this.#pendingBytes >= readChunkBytes) this.#flush();
  }

  /** Writes what is buffered, closes the file and returns its reader. */
  finish(): SpillFileReader {
    this.#flush();
    closeSync(this.#fd);
    return new SpillFileReader(this.#file);
  }

  #flush(): void {
    if (this.#pending.length === 0) return;
    const chunk = Buffer.concat(this.#pending);
    this.#pending.length = 0;
    this.#pendingBytes = 0;
    const { cipher, id } = this.#file;
    if (cipher === undefined) {
      writeSync(this.#fd, chunk);
      return;
    }
    const sealed = cipher.seal(id, this.#chunks++, chunk);
    const prefix = Buffer.alloc(4);
    prefix.writeUInt32BE(sealed.length);
    writeSync(this.#fd, Buffer.concat([prefix, sealed]));
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
    const bytes = value instanceof EnumValue ? encodeEnumStorage(value) : sendValue(oids[i] ?? 0, value);
    header.writeInt32BE(bytes.length);
    parts.push(header, bytes);
    length += 4 + bytes.length;
  });
  const prefix = Buffer.alloc(4);
  prefix.writeUInt32BE(length);
  return Buffer.concat([prefix, ...parts]);
}

export class SpillFileReader {
  readonly #file: SpillFile;

  constructor(file: SpillFile) {
    this.#file = file;
  }

  /** The rows in file order, read in chunks. */
  *rows(): Generator<Row, undefined, undefined> {
    const fd = openSync(this.#file.path, "r");
    try {
      let buffer: Buffer = Buffer.alloc(0);
      for (const chunk of this.#file.cipher === undefined ? plainChunks(fd) : sealedChunks(fd, this.#file)) {
        buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
        while (buffer.length >= 4 && buffer.length >= 4 + buffer.readUInt32BE(0)) {
          const length = buffer.readUInt32BE(0);
          yield this.#decode(buffer.subarray(4, 4 + length));
          buffer = buffer.subarray(4 + length);
        }
      }
      if (buffer.length > 0) throw new DataCorruptedError(`spill file "${this.#file.path}" ends inside a row`);
    } finally {
      closeSync(fd);
    }
    return undefined;
  }

  /** An enum value was spilled in its storage form (receiving its send form would need its type's definition). */
  #decodeValue(oid: number, bytes: Uint8Array): SqlValue {
    if (!isEnumOid(oid)) return recvValue(oid, bytes);
    const value = decodeEnumStorage(oid, bytes);
    if (value === undefined) throw new DataCorruptedError("a spilled enum value is damaged");
    return value;
  }

  #decode(bytes: Buffer): Row {
    const row: SqlValue[] = [];
    let offset = 0;
    for (const oid of this.#file.oids) {
      const length = bytes.readInt32BE(offset);
      offset += 4;
      if (length < 0) {
        row.push(null);
        continue;
      }
      row.push(this.#decodeValue(oid, new Uint8Array(bytes.subarray(offset, offset + length))));
      offset += length;
    }
    assert(offset === bytes.length, "a spilled row decodes exactly");
    return row;
  }
}

/** An unencrypted file in 64 KiB reads. */
function* plainChunks(fd: number): Generator<Buffer, undefined, undefined> {
  let position = 0;
  for (;;) {
    const chunk = Buffer.alloc(readChunkBytes);
    const read = readSync(fd, chunk, 0, readChunkBytes, position);
    if (read === 0) return undefined;
    position += read;
    yield chunk.subarray(0, read);
  }
}

/** An encrypted file's chunks, each read whole and opened (authenticated) before use. */
function* sealedChunks(fd: number, file: SpillFile): Generator<Buffer, undefined, undefined> {
  assert(file.cipher !== undefined, "sealed chunks need the cipher");
  const prefix = Buffer.alloc(4);
  let position = 0;
  for (let index = 0; ; index++) {
    const read = readSync(fd, prefix, 0, 4, position);
    if (read === 0) return undefined;
    const length = read === 4 ? prefix.readUInt32BE(0) : -1;
    const sealed = Buffer.alloc(Math.max(length, 0));
    if (length < 0 || readSync(fd, sealed, 0, length, position + 4) !== length) {
      throw new DataCorruptedError(`spill file "${file.path}" ends inside chunk ${index}`);
    }
    position += 4 + length;
    let opened: Uint8Array;
    try {
      opened = file.cipher.open(file.id, index, sealed);
    } catch (error) {
      if (error instanceof DataCorruptedError) throw error;
      throw new DataCorruptedError(`spill file "${file.path}" chunk ${index} failed authentication`, { cause: error });
    }
    yield Buffer.from(opened.buffer, opened.byteOffset, opened.length);
  }
}
