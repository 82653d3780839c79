// The example's replicated state machine: a map from string keys to byte values.
//
// Commands (the bytes a `clientWrite` carries):
//   put   [u8 1][u32 key length][key, UTF-8][value bytes to the end]
//
// Snapshots stream through files; no snapshot is ever held whole in memory (only the map is):
// - `buildSnapshot()` writes the map to `<data>/snapshot-<index>.kv` in 64 KiB pieces (temporary
//   file, fsync, rename, fsync of the directory: the runtime purges the durable log up to a
//   snapshot as soon as it is built) and returns a `SnapshotData` that reads that file at the
//   offsets the network asks for, chunk by chunk.
// - `receiveSnapshot()` returns a writer that appends the chunks arriving from the leader to
//   `<data>/incoming-<n>.kv.tmp`; `installSnapshot()` renames that file to `snapshot-<index>.kv`
//   (after its fsync; then a directory fsync) and decodes it in 64 KiB pieces into a new map. A
//   received file the runtime did not install (a stale snapshot) is deleted once two newer ones
//   were received (the newest may be being installed).
// The two newest snapshot files are kept (a follower may still be receiving the older one);
// `open()` loads the newest, and the WAL replays the entries after it.
//   file      [u32 header length][header: JSON {index, term (decimal string)}][map]
// (The example never changes membership, so a snapshot needs no configuration: the voters given
// on the command line apply.)
//   map       count × ( [u32 key length][key][u32 value length][value] )
import { open, readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { term } from "@omnikv/base";

/** @typedef {import("@omnikv/raft").LogEntry} LogEntry */
/** @typedef {import("@omnikv/raft").SnapshotMeta} SnapshotMeta */
/** @typedef {import("@omnikv/raft").Term} Term */
/** @typedef {import("@omnikv/raft").SnapshotData} SnapshotData */
/** @typedef {import("@omnikv/raft").SnapshotWriter} SnapshotWriter */

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const putTag = 1;
/** Bytes per file read or write while building, sending or installing a snapshot. */
const ioChunkBytes = 64 * 1024;
/** Snapshot files kept: the newest, and the one before it (a follower may still be receiving it). */
const snapshotsKept = 2;
const incomingPattern = /^incoming-\d+\.kv\.tmp$/;

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
 * @param {number} value
 * @returns {Uint8Array}
 */
function u32(value) {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value, true);
  return bytes;
}

/**
 * Writes a snapshot file in `ioChunkBytes` pieces, then makes it durable.
 * @param {string} path
 * @param {SnapshotMeta} meta
 * @param {ReadonlyMap<string, Uint8Array>} data
 * @returns {Promise<number>} the file's size
 */
async function writeSnapshotFile(path, meta, data) {
  const file = await open(path, "w");
  let size = 0;
  /** @type {Uint8Array[]} */
  let pending = [];
  let pendingBytes = 0;
  /** @param {Uint8Array} bytes */
  const push = async (bytes) => {
    pending.push(bytes);
    pendingBytes += bytes.length;
    if (pendingBytes >= ioChunkBytes) await flush();
  };
  const flush = async () => {
    await file.write(Buffer.concat(pending, pendingBytes));
    size += pendingBytes;
    pending = [];
    pendingBytes = 0;
  };
  try {
    const header = encoder.encode(JSON.stringify({ index: meta.index, term: String(meta.term) }));
    await push(u32(header.length));
    await push(header);
    for (const [key, value] of data) {
      const keyBytes = encoder.encode(key);
      await push(u32(keyBytes.length));
      await push(keyBytes);
      await push(u32(value.length));
      await push(value);
    }
    await flush();
    await file.sync();
  } finally {
    await file.close();
  }
  return size;
}

/**
 * Reads a file front to back in `ioChunkBytes` pieces, handing out exact byte counts.
 */
class FileCursor {
  /** @type {import("node:fs/promises").FileHandle} */
  #file;
  #position = 0;
  #buffer = new Uint8Array(0);
  #at = 0;

  /** @param {import("node:fs/promises").FileHandle} file */
  constructor(file) {
    this.#file = file;
  }

  /** @returns {Promise<boolean>} whether any byte is left */
  async hasMore() {
    if (this.#at < this.#buffer.length) return true;
    await this.#fill(1);
    return this.#at < this.#buffer.length;
  }

  /**
   * @param {number} length
   * @returns {Promise<Uint8Array>}
   */
  async take(length) {
    if (this.#buffer.length - this.#at < length) await this.#fill(length);
    if (this.#buffer.length - this.#at < length) throw new Error("kv snapshot cut short");
    const out = this.#buffer.slice(this.#at, this.#at + length);
    this.#at += length;
    return out;
  }

  async u32() {
    const bytes = await this.take(4);
    return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true);
  }

  /** @param {number} length at least this many bytes buffered, unless the file ends first */
  async #fill(length) {
    const rest = this.#buffer.subarray(this.#at);
    const parts = [rest];
    let have = rest.length;
    while (have < length) {
      const chunk = new Uint8Array(Math.max(ioChunkBytes, length - have));
      const { bytesRead } = await this.#file.read(chunk, 0, chunk.length, this.#position);
      if (bytesRead === 0) break;
      this.#position += bytesRead;
      parts.push(chunk.subarray(0, bytesRead));
      have += bytesRead;
    }
    const joined = Buffer.concat(parts, have);
    // A plain Uint8Array view: its slice() copies (a Buffer's would share memory).
    this.#buffer = new Uint8Array(joined.buffer, joined.byteOffset, joined.length);
    this.#at = 0;
  }
}

/**
 * Decodes a snapshot file piece by piece.
 * @param {string} path
 * @returns {Promise<{ meta: SnapshotMeta, data: Map<string, Uint8Array> }>}
 */
async function readSnapshotFile(path) {
  const file = await open(path, "r");
  try {
    const cursor = new FileCursor(file);
    /** @type {unknown} */
    const header = JSON.parse(decoder.decode(await cursor.take(await cursor.u32())));
    if (typeof header !== "object" || header === null || !("index" in header) || !("term" in header)) throw new Error(`bad kv snapshot header in ${path}`);
    /** @type {SnapshotMeta} */
    const meta = { index: Number(header.index), term: term(BigInt(String(header.term))) };
    /** @type {Map<string, Uint8Array>} */
    const data = new Map();
    while (await cursor.hasMore()) {
      const key = decoder.decode(await cursor.take(await cursor.u32()));
      data.set(key, await cursor.take(await cursor.u32()));
    }
    return { meta, data };
  } finally {
    await file.close();
  }
}

/**
 * The snapshot file as the network reads it: a piece at a time, each read opening the file anew
 * (a file deleted meanwhile fails the read; the stream is dropped and Raft sends a newer one).
 * @param {string} path
 * @param {number} byteLength
 * @returns {SnapshotData}
 */
function fileSnapshotData(path, byteLength) {
  return {
    byteLength,
    async read(offset, length) {
      const file = await open(path, "r");
      try {
        const bytes = new Uint8Array(length);
        const { bytesRead } = await file.read(bytes, 0, length, offset);
        return bytes.subarray(0, bytesRead);
      } finally {
        await file.close();
      }
    },
  };
}

/** @param {string} dir */
async function syncDir(dir) {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Snapshot files in `dir`, newest first.
 * @param {string} dir
 * @returns {Promise<{ name: string, index: number }[]>}
 */
async function snapshotFiles(dir) {
  const names = await readdir(dir);
  return names
    .map((name) => ({ name, match: /^snapshot-(\d+)\.kv$/.exec(name) }))
    .filter((f) => f.match !== null)
    .map((f) => ({ name: f.name, index: Number(f.match?.[1]) }))
    .sort((a, b) => b.index - a.index);
}

export class KvStateMachine {
  /** @type {Map<string, Uint8Array>} */
  data = new Map();
  /** Snapshots received from a leader since start (reported by GET /status). */
  snapshotsInstalled = 0;
  #appliedIndex = 0;
  /** @type {Term} */
  #appliedTerm = term(0);
  #dir;
  /** @type {Map<SnapshotData, string>} what our writers finished, and the file holding it */
  #received = new Map();
  #incomingCount = 0;

  /** @param {string} dir where the snapshot files live */
  constructor(dir) {
    this.#dir = dir;
  }

  /**
   * Loads the newest snapshot file, if any (dropping a partly received one); returns the machine
   * and the snapshot's position.
   * @param {string} dir
   * @returns {Promise<{ machine: KvStateMachine, meta: SnapshotMeta | undefined }>}
   */
  static async open(dir) {
    const machine = new KvStateMachine(dir);
    for (const name of await readdir(dir)) {
      if (incomingPattern.test(name)) await rm(join(dir, name), { force: true });
    }
    const [newest] = await snapshotFiles(dir);
    if (newest === undefined) return { machine, meta: undefined };
    const { meta, data } = await readSnapshotFile(join(dir, newest.name));
    machine.data = data;
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

  /** @returns {Promise<SnapshotData>} */
  async buildSnapshot() {
    const meta = { index: this.#appliedIndex, term: this.#appliedTerm };
    const path = join(this.#dir, `snapshot-${meta.index}.kv`);
    const size = await writeSnapshotFile(`${path}.tmp`, meta, this.data);
    await rename(`${path}.tmp`, path);
    await syncDir(this.#dir);
    await this.#dropOldSnapshots();
    return fileSnapshotData(path, size);
  }

  /**
   * A snapshot arriving from the leader goes to a new `incoming-<n>.kv.tmp`, chunk by chunk.
   * @param {SnapshotMeta} _meta
   * @param {number} byteLength
   * @returns {Promise<SnapshotWriter>}
   */
  async receiveSnapshot(_meta, byteLength) {
    await this.#dropReceived();
    this.#incomingCount += 1;
    const path = join(this.#dir, `incoming-${this.#incomingCount}.kv.tmp`);
    const file = await open(path, "w");
    const received = this.#received;
    let written = 0;
    let isOpen = true;
    const close = async () => {
      if (!isOpen) return;
      isOpen = false;
      await file.close();
    };
    return {
      async write(bytes) {
        await file.write(bytes, 0, bytes.length, written);
        written += bytes.length;
      },
      async finish() {
        if (written !== byteLength) throw new Error(`received ${written} of ${byteLength} snapshot bytes`);
        await file.sync();
        await close();
        const data = fileSnapshotData(path, byteLength);
        received.set(data, path);
        return data;
      },
      async abort() {
        await close();
        await rm(path, { force: true });
      },
    };
  }

  /**
   * Replaces the map by a snapshot: decoded from the received file piece by piece, which then
   * becomes this node's newest snapshot file.
   * @param {SnapshotMeta} meta
   * @param {SnapshotData} data
   */
  async installSnapshot(meta, data) {
    const path = join(this.#dir, `snapshot-${meta.index}.kv`);
    const incoming = this.#received.get(data);
    if (incoming !== undefined) {
      this.#received.delete(data);
      await rename(incoming, path);
    } else {
      // Not our writer's file (an in-process network hands over the leader's data): copy it.
      await this.#copyToFile(data, `${path}.tmp`);
      await rename(`${path}.tmp`, path);
    }
    await syncDir(this.#dir);
    const loaded = await readSnapshotFile(path);
    if (loaded.meta.index !== meta.index || loaded.meta.term !== meta.term) throw new Error(`snapshot file holds ${loaded.meta.index}/${loaded.meta.term}, expected ${meta.index}/${meta.term}`);
    this.data = loaded.data;
    this.#appliedIndex = meta.index;
    this.#appliedTerm = meta.term;
    this.snapshotsInstalled += 1;
    await this.#dropOldSnapshots();
  }

  /**
   * @param {SnapshotData} data
   * @param {string} path
   */
  async #copyToFile(data, path) {
    const file = await open(path, "w");
    try {
      for (let offset = 0; offset < data.byteLength; offset += ioChunkBytes) {
        const bytes = await data.read(offset, Math.min(ioChunkBytes, data.byteLength - offset));
        await file.write(bytes, 0, bytes.length, offset);
      }
      await file.sync();
    } finally {
      await file.close();
    }
  }

  /**
   * Deletes received snapshots that were never installed (the runtime found them stale), all but
   * the newest: that one may be being installed right now.
   */
  async #dropReceived() {
    const stale = [...this.#received].slice(0, -1);
    for (const [data, path] of stale) {
      this.#received.delete(data);
      await rm(path, { force: true });
    }
  }

  async #dropOldSnapshots() {
    const files = await snapshotFiles(this.#dir);
    for (const file of files.slice(snapshotsKept)) await rm(join(this.#dir, file.name), { force: true });
  }
}
