/**
 * A tiny key-value state machine for runtime tests and the benchmark: commands are `key=value`
 * text; applying one returns the previous value. Snapshots are the map as JSON.
 */
import type { LogEntry, RaftStateMachine, SnapshotMeta } from "@omnikv/raft";

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

  buildSnapshot(): Uint8Array {
    return encoder.encode(JSON.stringify([...this.data]));
  }

  installSnapshot(meta: SnapshotMeta, data: Uint8Array): void {
    const parsed: unknown = JSON.parse(decoder.decode(data));
    if (!Array.isArray(parsed)) throw new Error("snapshot is not a list of pairs");
    this.data.clear();
    for (const pair of parsed) {
      if (Array.isArray(pair)) this.data.set(String(pair[0]), String(pair[1]));
    }
    this.#appliedIndex = meta.index;
    this.snapshotsInstalled += 1;
  }
}
