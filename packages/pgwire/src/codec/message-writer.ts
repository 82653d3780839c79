/**
 * The connection's output side: backend messages accumulate in a `MessageBuffer` and reach the
 * socket on `flush()` (at Flush, or when the buffer passes `flushThresholdBytes`) or, for the end of
 * a round trip (ReadyForQuery, waiting for client input), on `flushSoon()`: at the end of the
 * event loop's turn, together with the other connections' answers. Backpressure: when
 * `socket.write` returns false the writer is `isBackedUp`, and producers of result rows
 * `await waitForDrain()` before pulling more — so a slow client costs at most about one threshold
 * of buffered data plus the socket's own high-water mark.
 */
import { assert } from "@omnikv/base";
import type { Duplex } from "node:stream";
import { MessageBuffer } from "./message-buffer.ts";

/** Buffered output passes to the socket once it exceeds this many bytes. */
export const flushThresholdBytes = 65_536;

/**
 * Writers with a `flushSoon` pending, flushed together once the event loop has handled the input
 * it found readable (a `setImmediate` runs after the poll phase). Answers to many connections then
 * reach their sockets back to back instead of one per query as each finishes: a client process
 * that serves several connections (pgbench's threads) is woken once for the lot rather than once
 * per answer, and each wake-up of a sleeping thread cost the server's write as much as the query
 * did (Redis writes its replies just before the event loop sleeps for the same reason). The cost:
 * an answer finished in a turn waits for the statements other connections run later in that same
 * turn (a long one that never yields holds it as long as it runs, as it holds every connection's
 * next query anyway). A connection that has pipelined input is flushed at once instead.
 */
const soonWriters = new Set<MessageWriter>();
let isSoonFlushScheduled = false;

function flushSoonWriters(): void {
  isSoonFlushScheduled = false;
  const writers = [...soonWriters];
  soonWriters.clear();
  for (const writer of writers) {
    try {
      writer.flush();
    } catch {
      // A socket that throws on write is closing: its connection ends through its own error path,
      // and the other connections' answers must still go out.
    }
  }
}

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

  /**
   * Flushes at the end of this turn of the event loop, with the other connections' answers (see
   * `soonWriters`): for an answer that ends a round trip (ReadyForQuery, or waiting for input),
   * where nothing else can be added before the client reads it. A `flush` meanwhile sends it at once.
   */
  flushSoon(): void {
    if (this.out.sizeBytes === 0) return;
    soonWriters.add(this);
    if (isSoonFlushScheduled) return;
    isSoonFlushScheduled = true;
    setImmediate(flushSoonWriters);
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
