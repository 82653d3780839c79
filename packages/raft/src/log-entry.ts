/**
 * Log entries. An entry's payload is a tagged union so membership changes (joint consensus) can be
 * added as a new `kind` later without touching storage or the wire shape of the others.
 *
 * - `blank`: the no-op a new leader appends so it can commit entries of its own term (the figure-8
 *   rule forbids committing earlier terms' entries by counting replicas).
 * - `command`: opaque bytes for the state machine; the core never inspects them.
 */
import type { LogIndex, Term } from "./types.ts";

export type EntryPayload = { readonly kind: "blank" } | { readonly kind: "command"; readonly command: Uint8Array };

export interface LogEntry {
  readonly index: LogIndex;
  readonly term: Term;
  readonly payload: EntryPayload;
}

/** What a node persists besides its log: current term and the vote cast in it. */
export interface HardState {
  readonly term: Term;
  /** `noNode` (0) when no vote was cast in `term`. */
  readonly votedFor: number;
}

/**
 * The log position a snapshot covers: every entry up to `index` (whose term is `term`) is in the
 * state machine's snapshot and may be dropped from the log. (Membership will be added here.)
 */
export interface SnapshotMeta {
  readonly index: LogIndex;
  readonly term: Term;
}
