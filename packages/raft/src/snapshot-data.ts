/**
 * Snapshot data as a stream (openraft's `SnapshotData`/`begin_receiving_snapshot` split).
 *
 * - `SnapshotData` is a snapshot's bytes read in pieces at given offsets: a state machine can back
 *   it by a file it wrote, so a leader sends a snapshot chunk by chunk without ever holding it
 *   whole; `snapshotDataFromBytes` wraps bytes already in memory.
 * - `SnapshotWriter` receives a snapshot's bytes in order, chunk by chunk, from the network; its
 *   `finish()` hands them back as `SnapshotData` for `installSnapshot` (a file-backed writer
 *   keeps no more than a chunk in memory). `memorySnapshotWriter` collects them in memory.
 *
 * Who reads what: `TcpNetwork` reads a snapshot it sends in `snapshotChunkBytes` pieces, each
 * only once the socket has drained (flow control), and writes one it receives through the writer
 * the runtime registered (`RaftNetwork.setSnapshotReceiver`), pausing the socket while writes
 * lag. `MemoryNetwork` passes the `SnapshotData` by reference.
 */
import { assert } from "@omnikv/base";
import type { SnapshotMeta } from "./log-entry.ts";

export interface SnapshotData {
  /** The snapshot's size in bytes. */
  readonly byteLength: number;
  /**
   * Bytes `[offset, offset + length)`, where `offset + length <= byteLength`. Called with
   * increasing offsets while sending; may be called again (a new stream) from offset 0.
   */
  read(offset: number, length: number): Promise<Uint8Array> | Uint8Array;
}

export interface SnapshotWriter {
  /** Appends the next chunk (chunks arrive in order, contiguous, from offset 0). */
  write(bytes: Uint8Array): Promise<void> | void;
  /** All `byteLength` bytes were written: make them readable as the received snapshot. */
  finish(): Promise<SnapshotData> | SnapshotData;
  /** The stream was abandoned (a newer one, a lost connection): drop what was written. */
  abort(): Promise<void> | void;
}

/** Opens a writer for a snapshot of `byteLength` bytes arriving from the leader. */
export type SnapshotWriterFactory = (meta: SnapshotMeta, byteLength: number) => Promise<SnapshotWriter> | SnapshotWriter;

/** Snapshot data over bytes in memory. */
export function snapshotDataFromBytes(bytes: Uint8Array): SnapshotData {
  return {
    byteLength: bytes.length,
    read(offset, length) {
      checkRange(offset, length, bytes.length);
      return bytes.subarray(offset, offset + length);
    },
  };
}

/** Reads a whole snapshot into memory (for state machines whose snapshots are small). */
export async function readSnapshotBytes(data: SnapshotData): Promise<Uint8Array> {
  const bytes = await data.read(0, data.byteLength);
  assert(bytes.length === data.byteLength, "a snapshot read returns the length asked for");
  return bytes;
}

/** A writer that collects the snapshot in memory (the default when a state machine has no `receiveSnapshot`). */
export function memorySnapshotWriter(byteLength: number): SnapshotWriter {
  assert(Number.isSafeInteger(byteLength) && byteLength >= 0, "a snapshot's length is a non-negative integer");
  const bytes = new Uint8Array(byteLength);
  let written = 0;
  return {
    write(chunk) {
      assert(written + chunk.length <= byteLength, "a snapshot stream never exceeds its announced length");
      bytes.set(chunk, written);
      written += chunk.length;
    },
    finish() {
      assert(written === byteLength, "a snapshot is finished only once every byte arrived");
      return snapshotDataFromBytes(bytes);
    },
    abort() {
      written = 0;
    },
  };
}

function checkRange(offset: number, length: number, byteLength: number): void {
  assert(Number.isSafeInteger(offset) && Number.isSafeInteger(length) && offset >= 0 && length >= 0, "a snapshot read has a non-negative offset and length");
  assert(offset + length <= byteLength, "a snapshot read stays within the snapshot");
}
