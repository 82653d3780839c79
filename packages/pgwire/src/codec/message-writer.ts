/**
 * The connection's output side: backend messages accumulate in a `MessageBuffer` and reach the
 * socket on `flush()` (at ReadyForQuery, Flush, before waiting for client input, or when the buffer
 * passes `flushThresholdBytes`). Backpressure: when `socket.write` returns false the writer is
 * `isBackedUp`, and producers of result rows `await waitForDrain()` before pulling more — so a slow
 * client costs at most about one threshold of buffered data plus the socket's own high-water mark.
 */
import { assert } from "@omnikv/base";
import type { Duplex } from "node:stream";
import { MessageBuffer } from "./message-buffer.ts";

/** Buffered output passes to the socket once it exceeds this many bytes. */
export const flushThresholdBytes = 65_536;

export class MessageWriter {
  readonly out = new MessageBuffer();
  #socket: Duplex;
  #isBackedUp = false;
  #drainWaiters: (() => void)[] = [];

  constructor(socket: Duplex) {
    this.#socket = socket;
  }

  /** After a TLS upgrade, writes go to the TLS socket. */
  replaceSocket(socket: Duplex): void {
    assert(this.out.sizeBytes === 0, "nothing is buffered across a TLS upgrade");
    this.#socket = socket;
    this.#isBackedUp = false;
  }

  get isBackedUp(): boolean {
    return this.#isBackedUp;
  }

  flush(): void {
    if (this.out.sizeBytes === 0) return;
    const bytes = this.out.take();
    if (this.#socket.destroyed || this.#socket.writableEnded) return;
    const isAccepted = this.#socket.write(bytes);
    if (!isAccepted && !this.#isBackedUp) {
      this.#isBackedUp = true;
      this.#socket.once("drain", this.#onDrain);
    }
  }

  /** Flushes only when enough has accumulated that holding more would cost memory, not syscalls. */
  flushIfLarge(): void {
    if (this.out.sizeBytes >= flushThresholdBytes) this.flush();
  }

  /** Resolves once the socket drained (or closed); immediately when not backed up. */
  async waitForDrain(): Promise<void> {
    if (!this.#isBackedUp) return;
    await new Promise<void>((resolve) => {
      this.#drainWaiters.push(resolve);
    });
  }

  /** The socket closed: release anyone waiting for a drain that will never come. */
  releaseWaiters(): void {
    this.#onDrain();
  }

  readonly #onDrain = (): void => {
    this.#isBackedUp = false;
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const resolve of waiters) resolve();
  };
}
