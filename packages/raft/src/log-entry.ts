/**
 * Log entries. An entry's payload is a tagged union so membership changes (joint consensus) can be
 * added as a new `kind` later without touching storage or the wire shape of the others.
 *
 * - `blank`: the no-op a new leader appends so it can commit entries of its own term (the figure-8
 *   rule forbids committing earlier terms' entries by counting replicas).
 * - `command`: opaque bytes for the state machine; the core never inspects them.
 * - `membership`: a configuration change; it takes effect when appended to a node's log (one at a time).
 */
import type { MembershipConfig } from "./membership.ts";
import type { LogIndex, Term } from "./types.ts";

export type EntryPayload =
  | { readonly kind: "blank" }
  | { readonly kind: "command"; readonly command: Uint8Array }
  | { readonly kind: "membership"; readonly config: MembershipConfig };

export interface LogEntry {
  readonly index: LogIndex;
  readonly term: Term;
  readonly payload: EntryPayload;
}

/**
 * What a node persists besides its log: current term, the vote cast in it, and the commit index
 * it knew (so a restart re-applies committed membership entries before it acts on them).
 */
export interface HardState {
  readonly term: Term;
  /** `noNode` (0) when no vote was cast in `term`. */
  readonly votedFor: number;
  /** 0 when unknown (storage written before it was recorded). */
  readonly commitIndex: LogIndex;
}

/**
 * The log position a snapshot covers: every entry up to `index` (whose term is `term`) is in the
 * state machine's snapshot and may be dropped from the log; `config` is the membership in force
 * at `index` (undefined: none was ever committed, the bootstrap voters apply).
 */
export interface SnapshotMeta {
  readonly index: LogIndex;
  readonly term: Term;
  readonly config?: MembershipConfig | undefined;
}
