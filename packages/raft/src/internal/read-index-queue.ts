/**
 * ReadIndex (thesis §6.4): a read is linearizable if it is served at an index the leader had
 * committed when the read arrived, after a quorum confirmed the node was still leader *after* that.
 *
 * Each confirmation round has a sequence number `readSeq`, carried by heartbeats and echoed by
 * their answers. A read registered under round `s` is confirmed once a quorum (the leader counts
 * itself) answered a heartbeat of round `s` or later. Rounds only grow, so confirming round `s`
 * confirms every earlier one, and reads are released in arrival order.
 */
import { assert } from "@omnikv/base";
import type { LogIndex, NodeId } from "../types.ts";

export interface ReadState {
  readonly requestId: number;
  /** Serve the read once the state machine applied at least this index. */
  readonly index: LogIndex;
}

interface PendingRead extends ReadState {
  readonly seq: number;
}

export class ReadIndexQueue {
  readonly #pending: PendingRead[] = [];
  /** Reads that arrived before the leader committed an entry of its term: their index is not known yet. */
  readonly #awaitingTermCommit: number[] = [];
  readonly #ackedSeq = new Map<NodeId, number>();
  #seq = 0;

  get seq(): number {
    return this.#seq;
  }

  size(): number {
    return this.#pending.length + this.#awaitingTermCommit.length;
  }

  /** Registers a read at `commitIndex`; returns the round whose heartbeats must confirm it. */
  add(requestId: number, commitIndex: LogIndex): number {
    this.#seq += 1;
    assert(Number.isSafeInteger(this.#seq), "read rounds stay safe integers");
    this.#pending.push({ requestId, index: commitIndex, seq: this.#seq });
    return this.#seq;
  }

  /** Starts a confirmation round with no read of its own (a heartbeat round that renews the lease). */
  newRound(): number {
    this.#seq += 1;
    assert(Number.isSafeInteger(this.#seq), "read rounds stay safe integers");
    return this.#seq;
  }

  deferUntilTermCommit(requestId: number): void {
    this.#awaitingTermCommit.push(requestId);
  }

  /** The leader committed its first entry of the term: deferred reads get that index. */
  takeDeferred(): readonly number[] {
    return this.#awaitingTermCommit.splice(0);
  }

  /** Records `from`'s answer to round `seq`. */
  acknowledge(from: NodeId, seq: number): void {
    if (seq > (this.#ackedSeq.get(from) ?? 0)) this.#ackedSeq.set(from, seq);
  }

  /** The last round `id` answered (the leader itself has answered every round). */
  ackedSeq(id: NodeId, self: NodeId): number {
    return id === self ? this.#seq : (this.#ackedSeq.get(id) ?? 0);
  }

  /** Releases the reads of rounds up to `confirmed`, the round a quorum has answered. */
  release(confirmed: number): readonly ReadState[] {
    let count = 0;
    while (count < this.#pending.length && (this.#pending[count]?.seq ?? Infinity) <= confirmed) count += 1;
    return this.#pending.splice(0, count).map((read) => ({ requestId: read.requestId, index: read.index }));
  }

  /** Leadership ended: every waiting read fails. */
  drain(): readonly number[] {
    const ids = [...this.#pending.map((read) => read.requestId), ...this.#awaitingTermCommit];
    this.#pending.length = 0;
    this.#awaitingTermCommit.length = 0;
    this.#ackedSeq.clear();
    return ids;
  }
}
