/**
 * A write batch: puts and deletes applied atomically — all or none, also across crashes.
 *
 * Record layout (a batch is one wal record, or several when it is large; see below):
 *
 *   +------------------+--------------+----------------------------------------------+
 *   | flags + first    | op count     | ops                                          |
 *   | sequence         | varint       | kind u8, key length varint, key,             |
 *   | 7 B big-endian   |              | (put only) value length varint, value        |
 *   +------------------+--------------+----------------------------------------------+
 *
 * The i-th op gets sequence `first + i`, so a later op on the same key in one batch wins.
 * Sequences stay below 2^53, so the top three bits of the first byte are free; they are the flags:
 *
 *   0x80 fragment: the record is one part of a batch written as several consecutive records
 *   0x40 first:    the batch's first part           0x20 last: the batch's last part
 *
 * A batch whose encoding passes the store's `batchRecordBytes` is split between ops into parts of
 * about that size, each a record of the layout above with its own first sequence (the parts'
 * sequences are consecutive). Records without flags (all records of older logs) are whole batches.
 * Replay applies a fragmented batch only when its last part is read: a crash in the middle of
 * writing one leaves first parts with no last, and those are dropped (the write was never
 * acknowledged; it resolves only once every part is in the log).
 */
import { assert } from "@omnikv/base";
import { CorruptionError, LsmArgumentError, LsmLimitError } from "./errors.ts";
import { readVarint, varintLength, writeVarint } from "./internal/bytes.ts";
import { ValueKind } from "./internal-key.ts";

/** Keys longer than this are refused (54000): they would bloat every index block they land in. */
export const keyBytesMax = 64 * 1024;
/** Values longer than this are refused (54000). */
export const valueBytesMax = 32 * 1024 * 1024;
/**
 * Encoded batches longer than this are refused (54000). A batch is applied to one memtable whole,
 * so this also bounds how far past `memTableBytes` a memtable can grow.
 */
export const batchBytesMax = 256 * 1024 * 1024;
/** The largest `batchRecordBytes`: a part holds at least one op, and part + op stays under a wal record's maximum. */
export const batchRecordBytesMax = 16 * 1024 * 1024;

const flagFragment = 0x80;
const flagFirst = 0x40;
const flagLast = 0x20;
const flagMask = flagFragment | flagFirst | flagLast;
/** Where a record sits in its batch. */
export type BatchPart = "whole" | "first" | "middle" | "last";

export interface BatchOp {
  readonly kind: ValueKind;
  readonly key: Uint8Array;
  /** Empty for deletes. */
  readonly value: Uint8Array;
}

const empty = new Uint8Array(0);

export class WriteBatch {
  readonly #ops: BatchOp[] = [];
  #encodedBytes = 7 + 5;

  put(key: Uint8Array, value: Uint8Array): this {
    checkKey(key);
    if (value.length > valueBytesMax) throw new LsmLimitError(`value of ${value.length} bytes exceeds the maximum of ${valueBytesMax} bytes`);
    return this.#push({ kind: ValueKind.Put, key, value });
  }

  delete(key: Uint8Array): this {
    checkKey(key);
    return this.#push({ kind: ValueKind.Delete, key, value: empty });
  }

  get ops(): readonly BatchOp[] {
    return this.#ops;
  }

  get count(): number {
    return this.#ops.length;
  }

  get encodedBytes(): number {
    return this.#encodedBytes;
  }

  #push(op: BatchOp): this {
    const bytes = opBytes(op);
    if (this.#encodedBytes + bytes > batchBytesMax) throw new LsmLimitError(`write batch exceeds the maximum of ${batchBytesMax} bytes`);
    this.#ops.push(op);
    this.#encodedBytes += bytes;
    return this;
  }
}

function checkKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array)) throw new LsmArgumentError("keys are Uint8Array");
  if (key.length > keyBytesMax) throw new LsmLimitError(`key of ${key.length} bytes exceeds the maximum of ${keyBytesMax} bytes`);
}

/** One op's encoded size. */
function opBytes(op: BatchOp): number {
  return 1 + varintLength(op.key.length) + op.key.length + (op.kind === ValueKind.Put ? varintLength(op.value.length) + op.value.length : 0);
}

/**
 * The wal records of a batch: one record when its encoding fits `recordBytes`, else consecutive
 * parts of about `recordBytes` each (split between ops, every part holding at least one).
 */
export function encodeBatchRecords(firstSequence: number, ops: readonly BatchOp[], recordBytes: number): Uint8Array[] {
  const parts: { start: number; end: number }[] = [];
  let start = 0;
  let size = 0;
  ops.forEach((op, i) => {
    const bytes = opBytes(op);
    if (i > start && size + bytes > recordBytes) {
      parts.push({ start, end: i });
      start = i;
      size = 0;
    }
    size += bytes;
  });
  parts.push({ start, end: ops.length });
  if (parts.length === 1) return [encodeBatch(firstSequence, ops)];
  return parts.map(({ start: from, end }, index) => {
    const flags = flagFragment | (index === 0 ? flagFirst : 0) | (index === parts.length - 1 ? flagLast : 0);
    return encodeBatch(firstSequence + from, ops.slice(from, end), flags);
  });
}

export function encodeBatch(firstSequence: number, ops: readonly BatchOp[], flags = 0): Uint8Array {
  assert(Number.isSafeInteger(firstSequence) && firstSequence > 0, "sequences start at 1");
  assert((flags & ~flagMask) === 0, "only batch flags");
  let size = 7 + varintLength(ops.length);
  for (const op of ops) size += opBytes(op);
  const out = new Uint8Array(size);
  writeSequence7(out, firstSequence);
  assert(((out[0] ?? 0) & flagMask) === 0, "a sequence below 2^53 leaves the flag bits clear");
  out[0] = (out[0] ?? 0) | flags;
  let at = writeVarint(out, 7, ops.length);
  for (const op of ops) {
    out[at++] = op.kind;
    at = writeVarint(out, at, op.key.length);
    out.set(op.key, at);
    at += op.key.length;
    if (op.kind === ValueKind.Put) {
      at = writeVarint(out, at, op.value.length);
      out.set(op.value, at);
      at += op.value.length;
    }
  }
  assert(at === size, "batch encoding filled its buffer exactly");
  return out;
}

export interface DecodedBatch {
  readonly firstSequence: number;
  readonly ops: readonly BatchOp[];
  readonly part: BatchPart;
}

/** Decodes a batch record; `where` names it in the error. Keys and values are views into `bytes`. */
export function decodeBatch(bytes: Uint8Array, where: string): DecodedBatch {
  const fail = (detail: string): never => {
    throw new CorruptionError(where, -1, `write batch: ${detail}`);
  };
  if (bytes.length < 8) return fail("shorter than its header");
  const flags = (bytes[0] ?? 0) & flagMask;
  const part = partOf(flags) ?? fail(`unknown flags 0x${flags.toString(16)}`);
  const firstSequence = readSequence7(bytes);
  const count = readVarint(bytes, 7, bytes.length) ?? fail("bad op count");
  const ops: BatchOp[] = [];
  let at = count.next;
  for (let i = 0; i < count.value; i++) {
    const kind = bytes[at];
    if (kind !== ValueKind.Put && kind !== ValueKind.Delete) return fail(`op ${i} has unknown kind ${String(kind)}`);
    const keyLength = readVarint(bytes, at + 1, bytes.length) ?? fail(`op ${i} key length`);
    const keyEnd = keyLength.next + keyLength.value;
    if (keyEnd > bytes.length) return fail(`op ${i} key runs past the record`);
    const key = bytes.subarray(keyLength.next, keyEnd);
    if (kind === ValueKind.Delete) {
      ops.push({ kind, key, value: empty });
      at = keyEnd;
      continue;
    }
    const valueLength = readVarint(bytes, keyEnd, bytes.length) ?? fail(`op ${i} value length`);
    const valueEnd = valueLength.next + valueLength.value;
    if (valueEnd > bytes.length) return fail(`op ${i} value runs past the record`);
    ops.push({ kind, key, value: bytes.subarray(valueLength.next, valueEnd) });
    at = valueEnd;
  }
  if (at !== bytes.length) return fail(`${bytes.length - at} trailing bytes`);
  if (part !== "whole" && ops.length === 0) return fail("an empty part of a fragmented batch");
  return { firstSequence, ops, part };
}

function partOf(flags: number): BatchPart | undefined {
  switch (flags) {
    case 0:
      return "whole";
    case flagFragment | flagFirst:
      return "first";
    case flagFragment:
      return "middle";
    case flagFragment | flagLast:
      return "last";
    default:
      return undefined;
  }
}

function writeSequence7(out: Uint8Array, sequence: number): void {
  const high = Math.floor(sequence / 0x1_0000_0000);
  const low = sequence >>> 0;
  out[0] = (high >>> 16) & 0xff;
  out[1] = (high >>> 8) & 0xff;
  out[2] = high & 0xff;
  out[3] = (low >>> 24) & 0xff;
  out[4] = (low >>> 16) & 0xff;
  out[5] = (low >>> 8) & 0xff;
  out[6] = low & 0xff;
}

function readSequence7(bytes: Uint8Array): number {
  const high = (((bytes[0] ?? 0) & ~flagMask) << 16) | ((bytes[1] ?? 0) << 8) | (bytes[2] ?? 0);
  const low = (((bytes[3] ?? 0) << 24) | ((bytes[4] ?? 0) << 16) | ((bytes[5] ?? 0) << 8) | (bytes[6] ?? 0)) >>> 0;
  return high * 0x1_0000_0000 + low;
}
