/**
 * A tiny key-value state machine for runtime tests and the benchmark: commands are `key=value`
 * text; applying one returns the previous value. Snapshots are the map as JSON, built whole and
 * received in chunks through a counting in-memory writer.
 */
import { memorySnapshotWriter, readSnapshotBytes, type LogEntry, type RaftStateMachine, type SnapshotData, type SnapshotMeta, type SnapshotWriter } from "@omnikv/raft";

const decoder = new TextDecoder();
const encoder = new TextEncoder();

export class KvStateMachine implements RaftStateMachine<string> {
  readonly data = new Map<string, string>();
  #appliedIndex = 0;

  apply(entries: readonly LogEntry[]): readonly (string | undefined)[] {
    return entries.map((entry) => {
      this.#appliedIndex = entry.index;
      if (entry.payload.kind !== "command") return undefined;
      const [key = "", value = ""] = decoder.decode(entry.payload.command).split("=");
      const previous = this.data.get(key);
      this.data.set(key, value);
      return previous ?? "";
    });
  }

  appliedIndex(): number {
    return this.#appliedIndex;
  }

  snapshotsInstalled = 0;
  /** Chunks written through `receiveSnapshot` writers (networks that stream snapshots use them). */
  snapshotChunksReceived = 0;

  receiveSnapshot(_meta: SnapshotMeta, byteLength: number): SnapshotWriter {
    const writer = memorySnapshotWriter(byteLength);
    return {
      write: (bytes) => {
        this.snapshotChunksReceived += 1;
        return writer.write(bytes);
      },
      finish: () => writer.finish(),
      abort: () => writer.abort(),
    };
  }

  buildSnapshot(): Uint8Array {
    return encoder.encode(JSON.stringify([...this.data]));
  }

  async installSnapshot(meta: SnapshotMeta, data: SnapshotData): Promise<void> {
    const parsed: unknown = JSON.parse(decoder.decode(await readSnapshotBytes(data)));
    if (!Array.isArray(parsed)) throw new Error("snapshot is not a list of pairs");
    this.data.clear();
    for (const pair of parsed) {
      if (Array.isArray(pair)) this.data.set(String(pair[0]), String(pair[1]));
    }
    this.#appliedIndex = meta.index;
    this.snapshotsInstalled += 1;
  }
}
