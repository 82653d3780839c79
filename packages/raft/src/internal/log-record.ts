/**
 * The records `WalLogStorage` writes into its `@omnikv/wal` log: one per storage mutation. The
 * WAL adds framing, CRC32 and torn-tail recovery; these are the payloads. All integers are
 * little-endian; indexes are u64 holding safe integers.
 *
 *   hard state   [u8 1][u64 term][u64 votedFor]
 *   entries      [u8 2][u32 count] count × ( [u64 index][u64 term][u8 kind: 0 blank, 1 command]
 *                                            [u32 length][length bytes] )
 *   truncate     [u8 3][u64 index]                  drop entries above index
 *   purge        [u8 4][u64 index][u64 term]         drop entries up to index; it had this term
 *   reset        [u8 5][u64 index][u64 term]         drop every entry; a snapshot ends at index/term
 */
import { assert, assertNever, term as makeTerm } from "@omnikv/base";
import { CorruptionError } from "@omnikv/wal";
import type { HardState, LogEntry } from "../log-entry.ts";
import type { LogIndex, Term } from "../types.ts";

export type LogRecord =
  | { readonly kind: "hardState"; readonly state: HardState }
  | { readonly kind: "entries"; readonly entries: readonly LogEntry[] }
  | { readonly kind: "truncate"; readonly index: LogIndex }
  | { readonly kind: "purge"; readonly index: LogIndex; readonly term: Term }
  | { readonly kind: "reset"; readonly index: LogIndex; readonly term: Term };

const tag = { hardState: 1, entries: 2, truncate: 3, purge: 4, reset: 5 } as const;

function recordBytes(record: LogRecord): number {
  switch (record.kind) {
    case "hardState":
      return 17;
    case "entries":
      return 5 + record.entries.reduce((sum, e) => sum + 21 + (e.payload.kind === "command" ? e.payload.command.length : 0), 0);
    case "truncate":
      return 9;
    case "purge":
    case "reset":
      return 17;
    default:
      return assertNever(record);
  }
}

export function encodeLogRecord(record: LogRecord): Uint8Array {
  const bytes = new Uint8Array(recordBytes(record));
  const view = new DataView(bytes.buffer);
  view.setUint8(0, tag[record.kind]);
  switch (record.kind) {
    case "hardState":
      view.setBigUint64(1, record.state.term, true);
      view.setBigUint64(9, BigInt(record.state.votedFor), true);
      break;
    case "truncate":
      view.setBigUint64(1, BigInt(record.index), true);
      break;
    case "purge":
    case "reset":
      view.setBigUint64(1, BigInt(record.index), true);
      view.setBigUint64(9, record.term, true);
      break;
    case "entries":
      encodeEntries(view, bytes, record.entries);
      break;
  }
  return bytes;
}

function encodeEntries(view: DataView, bytes: Uint8Array, entries: readonly LogEntry[]): void {
  view.setUint32(1, entries.length, true);
  let offset = 5;
  for (const entry of entries) {
    view.setBigUint64(offset, BigInt(entry.index), true);
    view.setBigUint64(offset + 8, entry.term, true);
    const command = entry.payload.kind === "command" ? entry.payload.command : undefined;
    view.setUint8(offset + 16, command === undefined ? 0 : 1);
    view.setUint32(offset + 17, command?.length ?? 0, true);
    if (command !== undefined) bytes.set(command, offset + 21);
    offset += 21 + (command?.length ?? 0);
  }
  assert(offset === bytes.length, "the encoded entries fill the record exactly");
}

/** Decodes one record; `where` names it in a `CorruptionError` (a CRC-valid record that does not parse). */
export function decodeLogRecord(bytes: Uint8Array, where: string): LogRecord {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const corrupt = (why: string): CorruptionError => new CorruptionError(where, 0, why);
  const index = (offset: number): LogIndex => {
    const value = Number(view.getBigUint64(offset, true));
    if (!Number.isSafeInteger(value)) throw corrupt("index is not a safe integer");
    return value;
  };
  if (bytes.length < 1) throw corrupt("empty raft log record");
  const kind = view.getUint8(0);
  const sizes: Record<number, number> = { 1: 17, 3: 9, 4: 17, 5: 17 };
  if (sizes[kind] !== undefined && bytes.length !== sizes[kind]) throw corrupt(`raft log record of kind ${kind} has ${bytes.length} bytes`);
  switch (kind) {
    case tag.hardState:
      return { kind: "hardState", state: { term: makeTerm(view.getBigUint64(1, true)), votedFor: index(9) } };
    case tag.truncate:
      return { kind: "truncate", index: index(1) };
    case tag.purge:
      return { kind: "purge", index: index(1), term: makeTerm(view.getBigUint64(9, true)) };
    case tag.reset:
      return { kind: "reset", index: index(1), term: makeTerm(view.getBigUint64(9, true)) };
    case tag.entries:
      return { kind: "entries", entries: decodeEntries(view, bytes, index, corrupt) };
    default:
      throw corrupt(`unknown raft log record kind ${kind}`);
  }
}

function decodeEntries(view: DataView, bytes: Uint8Array, index: (offset: number) => LogIndex, corrupt: (why: string) => CorruptionError): LogEntry[] {
  if (bytes.length < 5) throw corrupt("truncated entries record");
  const count = view.getUint32(1, true);
  const entries: LogEntry[] = [];
  let offset = 5;
  for (let i = 0; i < count; i++) {
    if (offset + 21 > bytes.length) throw corrupt("truncated entry header");
    const kind = view.getUint8(offset + 16);
    const length = view.getUint32(offset + 17, true);
    if (offset + 21 + length > bytes.length || kind > 1) throw corrupt("bad entry payload");
    const payload = kind === 0 ? ({ kind: "blank" } as const) : ({ kind: "command", command: bytes.slice(offset + 21, offset + 21 + length) } as const);
    entries.push({ index: index(offset), term: makeTerm(view.getBigUint64(offset + 8, true)), payload });
    offset += 21 + length;
  }
  if (offset !== bytes.length) throw corrupt("trailing bytes after the entries");
  return entries;
}
