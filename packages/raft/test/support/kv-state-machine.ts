/**
 * A tiny key-value state machine for runtime tests and the benchmark: commands are `key=value`
 * text; applying one returns the previous value.
 */
import type { LogEntry, RaftStateMachine } from "@omnikv/raft";

const decoder = new TextDecoder();

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
}
