/**
 * `MemoryNetwork`: an in-process `RaftNetwork` hub for tests, examples and the in-memory benchmark.
 * Messages are queued and delivered together on the next macrotask (`setImmediate`), so a burst of
 * sends is one delivery batch, as a socket read would be. Links can be cut and healed, one
 * direction at a time. The queue is bounded (`queuedMessagesMax`); past it, messages drop, which
 * Raft tolerates.
 */
import { assert } from "@omnikv/base";
import type { RaftMessage } from "./message.ts";
import type { RaftNetwork } from "./network.ts";
import type { NodeId } from "./types.ts";

export const queuedMessagesMax = 1_000_000;

export class MemoryNetwork {
  readonly #handlers = new Map<NodeId, (message: RaftMessage) => void>();
  readonly #cut = new Set<string>();
  #queue: RaftMessage[] = [];
  #isScheduled = false;
  #droppedCount = 0;

  /** The network as node `id` sees it. */
  endpoint(id: NodeId): RaftNetwork {
    return {
      send: (messages) => {
        for (const message of messages) {
          assert(message.from === id, "an endpoint sends only its own node's messages");
          this.#enqueue(message);
        }
      },
      onMessage: (handler) => {
        this.#handlers.set(id, handler);
      },
      close: () => {
        this.#handlers.delete(id);
      },
    };
  }

  /** Drops messages from `from` to `to` until healed. */
  cut(from: NodeId, to: NodeId): void {
    this.#cut.add(`${from}>${to}`);
  }

  /** Cuts every link into and out of `id`. */
  isolate(id: NodeId, others: readonly NodeId[]): void {
    for (const other of others) {
      if (other === id) continue;
      this.cut(id, other);
      this.cut(other, id);
    }
  }

  heal(): void {
    this.#cut.clear();
  }

  get droppedCount(): number {
    return this.#droppedCount;
  }

  #enqueue(message: RaftMessage): void {
    if (this.#cut.has(`${message.from}>${message.to}`) || this.#queue.length >= queuedMessagesMax) {
      this.#droppedCount += 1;
      return;
    }
    this.#queue.push(message);
    if (this.#isScheduled) return;
    this.#isScheduled = true;
    setImmediate(() => this.#deliver());
  }

  #deliver(): void {
    this.#isScheduled = false;
    const batch = this.#queue;
    this.#queue = [];
    for (const message of batch) {
      if (this.#cut.has(`${message.from}>${message.to}`)) {
        this.#droppedCount += 1;
        continue;
      }
      this.#handlers.get(message.to)?.(message);
    }
  }
}
