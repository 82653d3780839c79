// The example's replicated state machine: a map from string keys to byte values.
//
// Commands (the bytes a `clientWrite` carries):
//   put   [u8 1][u32 key length][key, UTF-8][value bytes to the end]
//
// Snapshots: `buildSnapshot()` encodes the whole map, `installSnapshot()` replaces it. Both also
// write the snapshot to `<data>/kv-snapshot` (temporary file, fsync, rename, fsync of the
// directory) before they return, because the runtime purges the durable log up to a snapshot
// as soon as it is built: the map is in memory only, so after a restart it comes back from that
// file, and the WAL replays the entries after it.
//   file      [u32 header length][header: JSON {index, term (decimal string)}][map]
// (The example never changes membership, so a snapshot needs no configuration: the voters given
// on the command line apply.)
//   map       count × ( [u32 key length][key][u32 value length][value] )
import { open, readFile, rename } from "node:fs/promises";
import { join } from "node:path";
import { term } from "@omnikv/base";

/** @typedef {import("@omnikv/raft").LogEntry} LogEntry */
/** @typedef {import("@omnikv/raft").SnapshotMeta} SnapshotMeta */
/** @typedef {import("@omnikv/raft").Term} Term */

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const putTag = 1;

/**
 * @param {string} key
 * @param {Uint8Array} value
 * @returns {Uint8Array}
 */
export function encodePut(key, value) {
  const keyBytes = encoder.encode(key);
  const command = new Uint8Array(5 + keyBytes.length + value.length);
  const view = new DataView(command.buffer);
  view.setUint8(0, putTag);
  view.setUint32(1, keyBytes.length, true);
  command.set(keyBytes, 5);
  command.set(value, 5 + keyBytes.length);
  return command;
}

/**
 * @param {Uint8Array} command
 * @returns {{ key: string, value: Uint8Array }}
 */
function decodePut(command) {
  const view = new DataView(command.buffer, command.byteOffset, command.byteLength);
  if (command.length < 5 || view.getUint8(0) !== putTag) throw new Error("not a put command");
  const keyLength = view.getUint32(1, true);
  if (5 + keyLength > command.length) throw new Error("put command cut short");
  return { key: decoder.decode(command.subarray(5, 5 + keyLength)), value: command.slice(5 + keyLength) };
}

/**
 * @param {ReadonlyMap<string, Uint8Array>} data
 * @returns {Uint8Array}
 */
function encodeMap(data) {
  /** @type {Uint8Array[]} */
  const parts = [];
  for (const [key, value] of data) {
    const keyBytes = encoder.encode(key);
    const lengths = new DataView(new ArrayBuffer(4));
    lengths.setUint32(0, keyBytes.length, true);
    const valueLength = new DataView(new ArrayBuffer(4));
    valueLength.setUint32(0, value.length, true);
    parts.push(new Uint8Array(lengths.buffer), keyBytes, new Uint8Array(valueLength.buffer), value);
  }
  return Buffer.concat(parts);
}

/**
 * @param {Uint8Array} bytes
 * @returns {Map<string, Uint8Array>}
 */
function decodeMap(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  /** @type {Map<string, Uint8Array>} */
  const data = new Map();
  let at = 0;
  /** @returns {Uint8Array} */
  const field = () => {
    if (at + 4 > bytes.length) throw new Error("kv snapshot cut short");
    const length = view.getUint32(at, true);
    at += 4;
    if (at + length > bytes.length) throw new Error("kv snapshot cut short");
    const out = bytes.slice(at, at + length);
    at += length;
    return out;
  };
  while (at < bytes.length) {
    const key = decoder.decode(field());
    data.set(key, field());
  }
  return data;
}

export class KvStateMachine {
  /** @type {Map<string, Uint8Array>} */
  data = new Map();
  /** Snapshots received from a leader since start (reported by GET /status). */
  snapshotsInstalled = 0;
  #appliedIndex = 0;
  /** @type {Term | undefined} */
  #appliedTerm;
  #dir;

  /** @param {string} dir where the snapshot file lives */
  constructor(dir) {
    this.#dir = dir;
  }

  /**
   * Loads the latest snapshot file, if any; returns the machine and the snapshot's position.
   * @param {string} dir
   * @returns {Promise<{ machine: KvStateMachine, meta: SnapshotMeta | undefined }>}
   */
  static async open(dir) {
    const machine = new KvStateMachine(dir);
    /** @type {Uint8Array} */
    let file;
    try {
      file = await readFile(join(dir, "kv-snapshot"));
    } catch (error) {
      if (error instanceof Error && "code" in error && error.code === "ENOENT") return { machine, meta: undefined };
      throw error;
    }
    const headerLength = new DataView(file.buffer, file.byteOffset, file.byteLength).getUint32(0, true);
    /** @type {unknown} */
    const header = JSON.parse(decoder.decode(file.subarray(4, 4 + headerLength)));
    if (typeof header !== "object" || header === null || !("index" in header) || !("term" in header)) throw new Error("bad kv snapshot header");
    /** @type {SnapshotMeta} */
    const meta = { index: Number(header.index), term: term(BigInt(String(header.term))) };
    machine.data = decodeMap(file.subarray(4 + headerLength));
    machine.#appliedIndex = meta.index;
    machine.#appliedTerm = meta.term;
    return { machine, meta };
  }

  /** @param {readonly LogEntry[]} entries */
  apply(entries) {
    return entries.map((entry) => {
      this.#appliedIndex = entry.index;
      this.#appliedTerm = entry.term;
      if (entry.payload.kind !== "command") return undefined;
      const { key, value } = decodePut(entry.payload.command);
      this.data.set(key, value);
      return undefined;
    });
  }

  appliedIndex() {
    return this.#appliedIndex;
  }

  async buildSnapshot() {
    const data = encodeMap(this.data);
    if (this.#appliedTerm !== undefined) await this.#save({ index: this.#appliedIndex, term: this.#appliedTerm }, data);
    return data;
  }

  /**
   * @param {SnapshotMeta} meta
   * @param {Uint8Array} data
   */
  async installSnapshot(meta, data) {
    this.data = decodeMap(data);
    this.#appliedIndex = meta.index;
    this.#appliedTerm = meta.term;
    this.snapshotsInstalled += 1;
    await this.#save(meta, data);
  }

  /**
   * @param {SnapshotMeta} meta
   * @param {Uint8Array} data
   */
  async #save(meta, data) {
    const header = encoder.encode(JSON.stringify({ index: meta.index, term: String(meta.term) }));
    const length = new DataView(new ArrayBuffer(4));
    length.setUint32(0, header.length, true);
    const path = join(this.#dir, "kv-snapshot");
    const file = await open(`${path}.tmp`, "w");
    try {
      await file.writeFile(Buffer.concat([new Uint8Array(length.buffer), header, data]));
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(`${path}.tmp`, path);
    const dir = await open(this.#dir, "r");
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
}
