/**
 * The records `WalLogStorage` writes into its `@omnikv/wal` log: one per storage mutation. The
 * WAL adds framing, CRC32 and torn-tail recovery; these are the payloads. All integers are
 * little-endian; indexes and ids are u64 holding safe integers.
 *
 *   hard state   [u8 1][u64 term][u64 votedFor][u64 commitIndex]
 *   entries      [u8 2][u32 count] count × ( [u64 index][u64 term][u8 kind][u32 length][length bytes] )
 *                kind 0 blank (length 0), 1 command (the bytes), 2 membership (a config, below)
 *   truncate     [u8 3][u64 index]                           drop entries above index
 *   purge        [u8 4][u64 index][u64 term][config?]        drop entries up to index (written before 0.2)
 *   reset        [u8 5][u64 index][u64 term][config?]        drop every entry; a snapshot ends there (before 0.2)
 *   checkpoint   [u8 6 purge | 7 reset][u64 index][u64 term][config?][hard state without its tag]
 *                a purge or reset that also carries the hard state in force when it was written, so
 *                every record before it is superseded and the segments holding only such records
 *                (and purged entries) can be deleted (wal-log-storage.ts)
 *   config?      [u8 0] (none) | [u8 1][config]
 *   config       [u32 n][n × u64 voter] [u32 n][n × u64 outgoing voter] [u32 n][n × u64 learner]
 */
import { assert, assertNever, term as makeTerm } from "@omnikv/base";
import { CorruptionError } from "@omnikv/wal";
import type { EntryPayload, HardState, LogEntry } from "../log-entry.ts";
import type { MembershipConfig } from "../membership.ts";
import type { LogIndex, Term } from "../types.ts";

export type LogRecord =
  | { readonly kind: "hardState"; readonly state: HardState }
  | { readonly kind: "entries"; readonly entries: readonly LogEntry[] }
  | { readonly kind: "truncate"; readonly index: LogIndex }
  | {
      readonly kind: "purge" | "reset";
      readonly index: LogIndex;
      readonly term: Term;
      readonly config: MembershipConfig | undefined;
      /** Present in checkpoint records (tags 6 and 7); absent in the older tags 4 and 5. */
      readonly hardState: HardState | undefined;
    };

const tag = { hardState: 1, entries: 2, truncate: 3, purge: 4, reset: 5, purgeCheckpoint: 6, resetCheckpoint: 7 } as const;

function recordTag(record: LogRecord): number {
  if (record.kind === "purge" && record.hardState !== undefined) return tag.purgeCheckpoint;
  if (record.kind === "reset" && record.hardState !== undefined) return tag.resetCheckpoint;
  return tag[record.kind];
}

function writeHardState(writer: Writer, state: HardState): void {
  writer.u64(state.term);
  writer.u64(state.votedFor);
  writer.u64(state.commitIndex);
}

function readHardState(reader: Reader): HardState {
  return { term: makeTerm(reader.u64()), votedFor: reader.index(), commitIndex: reader.index() };
}

function readPosition(reader: Reader, kind: "purge" | "reset", hasHardState: boolean): LogRecord {
  const index = reader.index();
  const termValue = makeTerm(reader.u64());
  const config = reader.u8() === 1 ? readConfig(reader) : undefined;
  const hardState = hasHardState ? readHardState(reader) : undefined;
  return { kind, index, term: termValue, config, hardState };
}

/** A growable little-endian writer: records are small, and simplicity beats a size pre-pass here. */
export class Writer {
  #bytes = new Uint8Array(64);
  #view = new DataView(this.#bytes.buffer);
  #length = 0;

  #reserve(count: number): number {
    if (this.#length + count > this.#bytes.length) {
      const grown = new Uint8Array(Math.max(this.#bytes.length * 2, this.#length + count));
      grown.set(this.#bytes.subarray(0, this.#length));
      this.#bytes = grown;
      this.#view = new DataView(grown.buffer);
    }
    const at = this.#length;
    this.#length += count;
    return at;
  }

  u8(value: number): void {
    const at = this.#reserve(1); // before reading #view: reserving may replace the buffer
    this.#view.setUint8(at, value);
  }

  u32(value: number): void {
    const at = this.#reserve(4);
    this.#view.setUint32(at, value, true);
  }

  u64(value: bigint | number): void {
    const at = this.#reserve(8);
    this.#view.setBigUint64(at, BigInt(value), true);
  }

  bytes(value: Uint8Array): void {
    this.u32(value.length);
    const at = this.#reserve(value.length);
    this.#bytes.set(value, at);
  }

  finish(): Uint8Array {
    return this.#bytes.slice(0, this.#length);
  }
}

export class Reader {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  readonly #where: string;
  #offset = 0;

  constructor(bytes: Uint8Array, where: string) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#where = where;
  }

  corrupt(why: string): CorruptionError {
    return new CorruptionError(this.#where, this.#offset, why);
  }

  #take(count: number): number {
    if (this.#offset + count > this.#bytes.length) throw this.corrupt("raft log record is cut short");
    const at = this.#offset;
    this.#offset += count;
    return at;
  }

  u8(): number {
    return this.#view.getUint8(this.#take(1));
  }

  u32(): number {
    return this.#view.getUint32(this.#take(4), true);
  }

  u64(): bigint {
    return this.#view.getBigUint64(this.#take(8), true);
  }

  index(): LogIndex {
    const value = Number(this.u64());
    if (!Number.isSafeInteger(value)) throw this.corrupt("index is not a safe integer");
    return value;
  }

  bytes(): Uint8Array {
    const length = this.u32();
    const at = this.#take(length);
    return this.#bytes.slice(at, at + length);
  }

  end(): void {
    if (this.#offset !== this.#bytes.length) throw this.corrupt("trailing bytes in a raft log record");
  }
}

function writeIds(writer: Writer, ids: readonly number[]): void {
  writer.u32(ids.length);
  for (const id of ids) writer.u64(id);
}

function readIds(reader: Reader): number[] {
  const count = reader.u32();
  return Array.from({ length: count }, () => reader.index());
}

export function writeConfig(writer: Writer, config: MembershipConfig): void {
  writeIds(writer, config.voters);
  writeIds(writer, config.outgoingVoters);
  writeIds(writer, config.learners);
}

export function readConfig(reader: Reader): MembershipConfig {
  return { voters: readIds(reader), outgoingVoters: readIds(reader), learners: readIds(reader) };
}

export function writePayload(writer: Writer, payload: EntryPayload): void {
  switch (payload.kind) {
    case "blank":
      writer.u8(0);
      writer.u32(0);
      return;
    case "command":
      writer.u8(1);
      writer.bytes(payload.command);
      return;
    case "membership": {
      writer.u8(2);
      const inner = new Writer();
      writeConfig(inner, payload.config);
      writer.bytes(inner.finish());
      return;
    }
    default:
      assertNever(payload);
  }
}

export function readPayload(reader: Reader, where: string): EntryPayload {
  const kind = reader.u8();
  const bytes = reader.bytes();
  if (kind === 0 && bytes.length === 0) return { kind: "blank" };
  if (kind === 1) return { kind: "command", command: bytes };
  if (kind === 2) {
    const inner = new Reader(bytes, where);
    const config = readConfig(inner);
    inner.end();
    return { kind: "membership", config };
  }
  throw reader.corrupt(`bad entry payload kind ${kind}`);
}

export function encodeLogRecord(record: LogRecord): Uint8Array {
  const writer = new Writer();
  writer.u8(recordTag(record));
  switch (record.kind) {
    case "hardState":
      writeHardState(writer, record.state);
      break;
    case "truncate":
      writer.u64(record.index);
      break;
    case "purge":
    case "reset":
      writer.u64(record.index);
      writer.u64(record.term);
      writer.u8(record.config === undefined ? 0 : 1);
      if (record.config !== undefined) writeConfig(writer, record.config);
      if (record.hardState !== undefined) writeHardState(writer, record.hardState);
      break;
    case "entries":
      writer.u32(record.entries.length);
      for (const entry of record.entries) {
        writer.u64(entry.index);
        writer.u64(entry.term);
        writePayload(writer, entry.payload);
      }
      break;
    default:
      assertNever(record);
  }
  const bytes = writer.finish();
  assert(bytes.length > 0, "a record has at least its tag");
  return bytes;
}

/** Decodes one record; `where` names it in a `CorruptionError` (a CRC-valid record that does not parse). */
export function decodeLogRecord(bytes: Uint8Array, where: string): LogRecord {
  const reader = new Reader(bytes, where);
  const kind = reader.u8();
  let record: LogRecord;
  if (kind === tag.hardState) {
    record = { kind: "hardState", state: readHardState(reader) };
  } else if (kind === tag.truncate) {
    record = { kind: "truncate", index: reader.index() };
  } else if (kind === tag.purge || kind === tag.purgeCheckpoint) {
    record = readPosition(reader, "purge", kind === tag.purgeCheckpoint);
  } else if (kind === tag.reset || kind === tag.resetCheckpoint) {
    record = readPosition(reader, "reset", kind === tag.resetCheckpoint);
  } else if (kind === tag.entries) {
    const count = reader.u32();
    const entries: LogEntry[] = [];
    for (let i = 0; i < count; i++) entries.push({ index: reader.index(), term: makeTerm(reader.u64()), payload: readPayload(reader, where) });
    record = { kind: "entries", entries };
  } else {
    throw reader.corrupt(`unknown raft log record kind ${kind}`);
  }
  reader.end();
  return record;
}
