/**
 * The leader's view of one follower (etcd's Progress), which is the flow control of replication.
 *
 * - `probe`: the leader does not know where the logs agree. One append at a time; the next waits
 *   for its answer (or a heartbeat answer), and rejections walk `nextIndex` back using the hint.
 * - `replicate`: logs agree up to `matchIndex`. Appends are pipelined: `nextIndex` moves ahead
 *   optimistically and up to `inflightMessagesMax` messages may be unacknowledged.
 *
 * - `snapshot`: the entries the follower needs were compacted away; a snapshot was sent and
 *   nothing else goes out until it is acknowledged (or presumed lost, then probing restarts).
 *
 * Invariants: `matchIndex < nextIndex`; in probe state nothing is in the inflight window; the
 * window holds increasing last-indexes, all above `matchIndex` once freed up to it.
 */
import { assert } from "@omnikv/base";
import type { LogIndex } from "../types.ts";

export type ProgressState = "probe" | "replicate" | "snapshot";

export class Progress {
  matchIndex: LogIndex = 0;
  nextIndex: LogIndex;
  state: ProgressState = "probe";
  /** Probe state: an append was sent and not answered yet. */
  isProbeSent = false;
  /** Heard from since the last check-quorum round. */
  isRecentActive = true;
  /**
   * Leader tick of the last acknowledgement, or of the first send after the follower was caught
   * up: entries outstanding for a heartbeat interval past it were probably lost (stall detection).
   */
  lastProgressTick = 0;
  /** Last index of each unacknowledged append, oldest first. */
  readonly #inflight: LogIndex[] = [];
  readonly #inflightMax: number;

  constructor(nextIndex: LogIndex, inflightMax: number) {
    assert(nextIndex >= 1, "next index starts at 1 or later");
    this.nextIndex = nextIndex;
    this.#inflightMax = inflightMax;
  }

  /** Snapshot state: the index of the snapshot in flight. */
  pendingSnapshotIndex = 0;

  isPaused(): boolean {
    if (this.state === "snapshot") return true;
    if (this.state === "probe") return this.isProbeSent;
    return this.#inflight.length >= this.#inflightMax;
  }

  inflightCount(): number {
    return this.#inflight.length;
  }

  /** Records an append carrying entries up to `lastIndex`, sent at leader tick `tick`. */
  sent(lastIndex: LogIndex, hasEntries: boolean, tick: number): void {
    if (this.state === "probe") {
      this.isProbeSent = true;
      return;
    }
    if (!hasEntries) return;
    // The stall clock starts when the first unacknowledged entries leave.
    if (this.#inflight.length === 0) this.lastProgressTick = tick;
    assert(lastIndex >= this.nextIndex, "a pipelined append moves next forward");
    assert(this.#inflight.length < this.#inflightMax, "the inflight window is never overfilled");
    this.#inflight.push(lastIndex);
    this.nextIndex = lastIndex + 1;
  }

  /** Success up to `index`; returns whether match advanced. */
  acknowledge(index: LogIndex, tick: number): boolean {
    if (index <= this.matchIndex) return false;
    this.matchIndex = index;
    this.nextIndex = Math.max(this.nextIndex, index + 1);
    this.lastProgressTick = tick;
    while (this.#inflight.length > 0 && (this.#inflight[0] ?? Infinity) <= index) this.#inflight.shift();
    if (this.state === "probe" || (this.state === "snapshot" && index >= this.pendingSnapshotIndex)) this.becomeReplicate();
    assert(this.matchIndex < this.nextIndex, "match stays below next");
    return true;
  }

  becomeProbe(nextIndex: LogIndex): void {
    assert(nextIndex > this.matchIndex, "probing starts after the match");
    this.state = "probe";
    this.isProbeSent = false;
    this.nextIndex = nextIndex;
    this.#inflight.length = 0;
  }

  becomeSnapshot(snapshotIndex: LogIndex, tick: number): void {
    assert(snapshotIndex > this.matchIndex, "a snapshot is sent only to a follower behind it");
    this.state = "snapshot";
    this.pendingSnapshotIndex = snapshotIndex;
    this.lastProgressTick = tick;
    this.#inflight.length = 0;
  }

  becomeReplicate(): void {
    this.state = "replicate";
    this.isProbeSent = false;
    this.nextIndex = this.matchIndex + 1;
    this.#inflight.length = 0;
  }

  /** A heartbeat answer proves the follower is reachable: let one more message through. */
  heartbeatAnswered(): void {
    if (this.state === "probe") this.isProbeSent = false;
    else if (this.#inflight.length >= this.#inflightMax) this.#inflight.shift();
  }
}
