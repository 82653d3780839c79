/**
 * The wire encoding of `RaftMessage`s for `TcpNetwork`: one message per frame. Integers are
 * little-endian; indexes, ids and terms are u64 holding safe integers (terms: any u64); booleans
 * are one byte, 0 or 1 (anything else is corrupt). Entries and membership configurations use the
 * same layout as the WAL records (internal/log-record.ts), so the two encodings cannot drift.
 *
 *   frame     [u16 magic 0x4b52 "RK"][u8 version 1][u8 flags 0][u32 body length][u32 crc32(body)][body]
 *   body      [u8 kind][u64 from][u64 to][u64 term] then, by kind:
 *     1 vote               [u8 isPreVote][u8 isLeaderTransfer][u64 lastLogIndex][u64 lastLogTerm]
 *     2 voteResponse       [u8 isPreVote][u8 isGranted]
 *     3 append             [u64 prevIndex][u64 prevTerm][u64 commitIndex][u32 count] count × entry
 *     4 appendResponse     [u8 isSuccess][u64 matchIndex][u64 rejectedIndex][u64 hintIndex][u64 hintTerm]
 *     5 heartbeat          [u64 commitIndex][u64 readSeq]
 *     6 heartbeatResponse  [u64 readSeq]
 *     7 timeoutNow         (nothing)
 *     8 snapshot           [u64 index][u64 term][config?][u8 hasData = 0][u32 length = 0]
 *                          (a snapshot without data; data never travels in this frame)
 *     9 snapshot chunk     [u64 index][u64 term][config?][u32 streamId][u64 totalBytes][u64 offset]
 *                          [u32 length][length bytes]   (not a RaftMessage: TcpNetwork sends a
 *                          snapshot's data as a stream of these, written to a SnapshotWriter on
 *                          the receiving side and delivered as one `snapshot` message)
 *   entry     [u64 index][u64 term][u8 payload kind][u32 length][length bytes]
 *   config?   [u8 0] | [u8 1][u32 n][n × u64 voter][u32 n][n × u64 outgoing][u32 n][n × u64 learner]
 *
 * Invariants: `decodeMessage(encodeMessage(m))` deep-equals `m` for every message kind; a body
 * that does not parse exactly (unknown kind, bad boolean, trailing bytes, unsafe index) throws.
 */
import { crc32 } from "node:zlib";
import { assert, assertNever, term as makeTerm } from "@omnikv/base";
import type { LogEntry, SnapshotMeta } from "../log-entry.ts";
import type { RaftMessage, RaftMessageKind } from "../message.ts";
import { readConfig, readPayload, Reader, writeConfig, writePayload, Writer } from "./log-record.ts";

export const frameMagic = 0x4b52;
export const frameVersion = 1;
/** magic (2) + version (1) + flags (1) + body length (4) + crc32 (4). */
export const frameHeaderBytes = 12;

const kindTag = {
  vote: 1,
  voteResponse: 2,
  append: 3,
  appendResponse: 4,
  heartbeat: 5,
  heartbeatResponse: 6,
  timeoutNow: 7,
  snapshot: 8,
} as const satisfies Record<RaftMessageKind, number>;

const snapshotChunkTag = 9;

const where = "raft message frame";

/** A piece of a snapshot's data; chunks of one stream share `streamId` and arrive in order. */
export interface SnapshotChunk {
  readonly from: number;
  readonly to: number;
  readonly term: RaftMessage["term"];
  readonly snapshot: SnapshotMeta;
  readonly streamId: number;
  readonly totalBytes: number;
  readonly offset: number;
  readonly bytes: Uint8Array;
}

/** What one frame carries: a whole message, or one chunk of a snapshot stream. */
export type Frame = { readonly kind: "message"; readonly message: RaftMessage } | { readonly kind: "snapshotChunk"; readonly chunk: SnapshotChunk };

/** One message as a complete frame (header included), ready for the socket. */
export function encodeFrame(message: RaftMessage): Uint8Array {
  return sealFrame((writer) => writeBody(writer, message));
}

/** One snapshot chunk as a complete frame. */
export function encodeChunkFrame(chunk: SnapshotChunk): Uint8Array {
  assert(chunk.offset + chunk.bytes.length <= chunk.totalBytes, "a chunk lies within its snapshot");
  return sealFrame((writer) => {
    writer.u8(snapshotChunkTag);
    writer.u64(chunk.from);
    writer.u64(chunk.to);
    writer.u64(chunk.term);
    writeSnapshotMeta(writer, chunk.snapshot);
    writer.u32(chunk.streamId);
    writer.u64(chunk.totalBytes);
    writer.u64(chunk.offset);
    writer.bytes(chunk.bytes);
  });
}

function sealFrame(writeContent: (writer: Writer) => void): Uint8Array {
  const writer = new Writer();
  // Header placeholder, patched below once the body length and checksum are known.
  writer.u32(0);
  writer.u32(0);
  writer.u32(0);
  writeContent(writer);
  const frame = writer.finish();
  const body = frame.subarray(frameHeaderBytes);
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  view.setUint16(0, frameMagic, true);
  view.setUint8(2, frameVersion);
  view.setUint8(3, 0);
  view.setUint32(4, body.length, true);
  view.setUint32(8, crc32(body), true);
  assert(frame.length === frameHeaderBytes + body.length, "a frame is its header and body");
  return frame;
}

export interface FrameHeader {
  readonly bodyBytes: number;
  readonly crc: number;
}

/** Parses a frame header; a wrong magic or version throws (the peer speaks something else). */
export function decodeFrameHeader(header: Uint8Array): FrameHeader {
  assert(header.length === frameHeaderBytes, "a frame header has a fixed size");
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  const reader = new Reader(header, where);
  if (view.getUint16(0, true) !== frameMagic) throw reader.corrupt("bad frame magic");
  if (view.getUint8(2) !== frameVersion) throw reader.corrupt(`unsupported frame version ${view.getUint8(2)}`);
  if (view.getUint8(3) !== 0) throw reader.corrupt("unknown frame flags");
  return { bodyBytes: view.getUint32(4, true), crc: view.getUint32(8, true) };
}

/** Checks a body against its header's checksum and decodes it. */
export function decodeFrameBody(header: FrameHeader, body: Uint8Array): Frame {
  assert(body.length === header.bodyBytes, "the body has the length its header announced");
  if (crc32(body) !== header.crc) throw new Reader(body, where).corrupt("frame checksum mismatch");
  if (body[0] !== snapshotChunkTag) return { kind: "message", message: decodeMessage(body) };
  return { kind: "snapshotChunk", chunk: decodeChunk(body) };
}

function decodeChunk(body: Uint8Array): SnapshotChunk {
  const reader = new Reader(body, where);
  const tag = reader.u8();
  assert(tag === snapshotChunkTag, "decodeChunk reads chunks");
  const header = { from: reader.index(), to: reader.index(), term: readTerm(reader) };
  const snapshot = readSnapshotMeta(reader);
  const chunk = { ...header, snapshot, streamId: reader.u32(), totalBytes: reader.index(), offset: reader.index(), bytes: reader.bytes() };
  reader.end();
  if (chunk.offset + chunk.bytes.length > chunk.totalBytes) throw reader.corrupt("snapshot chunk beyond its snapshot's size");
  return chunk;
}

export function encodeMessage(message: RaftMessage): Uint8Array {
  const writer = new Writer();
  writeBody(writer, message);
  return writer.finish();
}

function writeBody(writer: Writer, message: RaftMessage): void {
  writer.u8(kindTag[message.kind]);
  writer.u64(message.from);
  writer.u64(message.to);
  writer.u64(message.term);
  switch (message.kind) {
    case "vote":
      writeBool(writer, message.isPreVote);
      writeBool(writer, message.isLeaderTransfer);
      writer.u64(message.lastLogIndex);
      writer.u64(message.lastLogTerm);
      return;
    case "voteResponse":
      writeBool(writer, message.isPreVote);
      writeBool(writer, message.isGranted);
      return;
    case "append":
      writer.u64(message.prevIndex);
      writer.u64(message.prevTerm);
      writer.u64(message.commitIndex);
      writeEntries(writer, message.entries);
      return;
    case "appendResponse":
      writeBool(writer, message.isSuccess);
      writer.u64(message.matchIndex);
      writer.u64(message.rejectedIndex);
      writer.u64(message.hintIndex);
      writer.u64(message.hintTerm);
      return;
    case "heartbeat":
      writer.u64(message.commitIndex);
      writer.u64(message.readSeq);
      return;
    case "heartbeatResponse":
      writer.u64(message.readSeq);
      return;
    case "timeoutNow":
      return;
    case "snapshot":
      assert(message.data === undefined, "snapshot data travels as a chunk stream, not inside a message frame");
      writeSnapshotMeta(writer, message.snapshot);
      writeBool(writer, false);
      writer.bytes(new Uint8Array(0));
      return;
    default:
      assertNever(message);
  }
}

function writeSnapshotMeta(writer: Writer, meta: SnapshotMeta): void {
  writer.u64(meta.index);
  writer.u64(meta.term);
  writer.u8(meta.config === undefined ? 0 : 1);
  if (meta.config !== undefined) writeConfig(writer, meta.config);
}

function readSnapshotMeta(reader: Reader): SnapshotMeta {
  const index = reader.index();
  const snapshotTerm = readTerm(reader);
  const configTag = reader.u8();
  if (configTag > 1) throw reader.corrupt(`bad config tag ${configTag}`);
  return configTag === 1 ? { index, term: snapshotTerm, config: readConfig(reader) } : { index, term: snapshotTerm };
}

function writeBool(writer: Writer, value: boolean): void {
  writer.u8(value ? 1 : 0);
}

function writeEntries(writer: Writer, entries: readonly LogEntry[]): void {
  writer.u32(entries.length);
  for (const entry of entries) {
    writer.u64(entry.index);
    writer.u64(entry.term);
    writePayload(writer, entry.payload);
  }
}

function readBool(reader: Reader): boolean {
  const value = reader.u8();
  if (value > 1) throw reader.corrupt(`bad boolean ${value}`);
  return value === 1;
}

function readTerm(reader: Reader): ReturnType<typeof makeTerm> {
  return makeTerm(reader.u64());
}

/** Decodes one message body; anything that does not parse exactly throws `CorruptionError`. */
export function decodeMessage(body: Uint8Array): RaftMessage {
  const reader = new Reader(body, where);
  const tag = reader.u8();
  const header = { from: reader.index(), to: reader.index(), term: readTerm(reader) };
  const message = decodeKind(reader, tag, header);
  reader.end();
  return message;
}

type Header = Pick<RaftMessage, "from" | "to" | "term">;

function decodeKind(reader: Reader, tag: number, header: Header): RaftMessage {
  switch (tag) {
    case kindTag.vote:
      return { kind: "vote", ...header, isPreVote: readBool(reader), isLeaderTransfer: readBool(reader), lastLogIndex: reader.index(), lastLogTerm: readTerm(reader) };
    case kindTag.voteResponse:
      return { kind: "voteResponse", ...header, isPreVote: readBool(reader), isGranted: readBool(reader) };
    case kindTag.append:
      return { kind: "append", ...header, prevIndex: reader.index(), prevTerm: readTerm(reader), commitIndex: reader.index(), entries: readEntries(reader) };
    case kindTag.appendResponse:
      return {
        kind: "appendResponse",
        ...header,
        isSuccess: readBool(reader),
        matchIndex: reader.index(),
        rejectedIndex: reader.index(),
        hintIndex: reader.index(),
        hintTerm: readTerm(reader),
      };
    case kindTag.heartbeat:
      return { kind: "heartbeat", ...header, commitIndex: reader.index(), readSeq: reader.index() };
    case kindTag.heartbeatResponse:
      return { kind: "heartbeatResponse", ...header, readSeq: reader.index() };
    case kindTag.timeoutNow:
      return { kind: "timeoutNow", ...header };
    case kindTag.snapshot:
      return readSnapshot(reader, header);
    default:
      throw reader.corrupt(`unknown raft message kind ${tag}`);
  }
}

function readSnapshot(reader: Reader, header: Header): RaftMessage {
  const snapshot = readSnapshotMeta(reader);
  const hasData = readBool(reader);
  const data = reader.bytes();
  if (hasData || data.length > 0) throw reader.corrupt("snapshot data inside a message frame (it travels as chunks)");
  return { kind: "snapshot", ...header, snapshot, data: undefined };
}

function readEntries(reader: Reader): LogEntry[] {
  const count = reader.u32();
  const entries: LogEntry[] = [];
  for (let i = 0; i < count; i++) entries.push({ index: reader.index(), term: readTerm(reader), payload: readPayload(reader, where) });
  return entries;
}
