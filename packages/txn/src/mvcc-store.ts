/**
 * `MvccStore`: the store transactions run over, declared here because txn is its caller (a plugin
 * point belongs to the package that calls it). `@omnikv/lsm`'s `LsmStore` satisfies it
 * structurally; txn never imports lsm.
 *
 * What txn relies on:
 * - A snapshot sees exactly the writes whose sequence is at most `snapshot.sequence`, and the
 *   visible sequence only grows.
 * - `write` applies a batch atomically (also across crashes) and resolves with the sequence of its
 *   last entry: a snapshot sees the whole batch exactly when its sequence is at least that number.
 * - Keys compare as unsigned bytes.
 */

/** A consistent read view of the store; `release()` it when done so old versions can be dropped. */
export interface MvccSnapshot {
  readonly sequence: number;
  release(): void;
}

export interface MvccReadOptions {
  readonly snapshot?: MvccSnapshot;
}

export interface MvccScanOptions extends MvccReadOptions {
  readonly gte?: Uint8Array;
  readonly lt?: Uint8Array;
  readonly reverse?: boolean;
}

export type MvccWrite =
  | { readonly type: "put"; readonly key: Uint8Array; readonly value: Uint8Array }
  | { readonly type: "del"; readonly key: Uint8Array };

export interface MvccWriteOptions {
  /** Resolve once durable (the default) or once the operating system has the write. */
  readonly sync?: boolean;
}

/** The largest key, value and batch a store's `write` accepts (bytes; the batch as the store encodes it). */
export interface MvccWriteLimits {
  readonly keyBytesMax: number;
  readonly valueBytesMax: number;
  readonly batchBytesMax: number;
}

export interface MvccStore {
  /**
   * What `write` refuses past, if it has limits: a transaction checks each write against them as
   * it is made, so a commit does not fail on them after the transaction's work is done.
   */
  readonly writeLimits?: MvccWriteLimits;
  snapshot(): MvccSnapshot;
  get(key: Uint8Array, options?: MvccReadOptions): Uint8Array | undefined;
  scan(options?: MvccScanOptions): Iterable<[Uint8Array, Uint8Array]>;
  write(batch: readonly MvccWrite[], options?: MvccWriteOptions): Promise<number>;
}
