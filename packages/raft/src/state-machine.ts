/**
 * `RaftStateMachine`: the replicated application (openraft's state-machine half). The runtime
 * hands it committed entries in log order, exactly once per index per incarnation; `R` is what a
 * command returns to the `clientWrite` caller on the leader.
 *
 * Snapshots (build, install, stream in chunks) are the next step; they will be added as methods
 * here (`buildSnapshot`, `installSnapshot`) together with log compaction.
 */
import type { LogEntry } from "./log-entry.ts";
import type { LogIndex } from "./types.ts";

export interface RaftStateMachine<R> {
  /**
   * Applies committed entries (in order, contiguous, starting after `appliedIndex()`). Returns one
   * result per entry, `undefined` for blank entries.
   */
  apply(entries: readonly LogEntry[]): Promise<readonly (R | undefined)[]> | readonly (R | undefined)[];
  /** The last index applied; entries up to it are not handed out again after a restart. */
  appliedIndex(): LogIndex;
}
