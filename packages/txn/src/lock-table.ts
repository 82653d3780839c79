/**
 * Row locks: a shared or exclusive lock per key, a FIFO queue of waiters per key, deadlock
 * detection on every wait, and lock timeouts. Waiting is a promise, never a blocked event loop.
 *
 * Compatibility is PostgreSQL's for FOR SHARE / FOR UPDATE (and the implicit lock of a write):
 * shared locks coexist, an exclusive lock excludes every other holder. A holder may re-acquire a
 * lock it holds at the same or a weaker mode at once, and upgrade shared to exclusive.
 *
 * Deadlocks are detected when a wait would start: if following "waits for" edges (lock holders
 * with a conflicting mode, and conflicting waiters queued ahead) from the new waiter's blockers
 * leads back to it, the new wait fails with 40P01 instead of starting. PostgreSQL instead runs
 * the check after `deadlock_timeout` (1 s) and usually aborts the transaction that waited first;
 * here the transaction whose wait would close the cycle is the one that fails, at once.
 *
 * Invariants:
 * - A key's entry exists only while it has holders or waiters.
 * - An owner waits for at most one key at a time.
 * - A waiter is granted only when its mode is compatible with every other holder.
 */
import { assert } from "@omnikv/base";
import { DeadlockDetectedError, LockNotAvailableError } from "./errors.ts";

export type LockMode = "share" | "exclusive";

/** A lock owner (a transaction); compared by identity. `label` names it in error details. */
export interface LockOwner {
  readonly label: string;
}

export interface LockWaitOptions {
  /** 0 waits without a limit (PostgreSQL's default `lock_timeout`). */
  readonly timeoutMs: number;
  /** A label of the locked thing for error messages, e.g. `key "k1"` or a row description. */
  readonly what: string;
  /**
   * 0 (the default): a wait that would close a cycle fails at once. Otherwise PostgreSQL's
   * deadlock_timeout: the waiter looks for a cycle only after waiting this long, and if it finds
   * one it is the victim — so, as in PostgreSQL, the transaction that waited longest gives way.
   */
  readonly deadlockTimeoutMs?: number;
}

interface Waiter {
  readonly owner: LockOwner;
  readonly mode: LockMode;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
  deadlockTimer: ReturnType<typeof setTimeout> | undefined;
}


/**
 * The holders of one key's lock, in the order they were granted. Nearly every key has one holder
 * (a row written or locked by one transaction), kept in two fields; a Map exists only while a
 * second holder shares the lock. A Map per locked key was a tenth of a bulk insert, mostly GC.
 */
class Holders {
  #owner: LockOwner | undefined;
  #mode: LockMode = "share";
  #more: Map<LockOwner, LockMode> | undefined;

  constructor(owner: LockOwner, mode: LockMode) {
    this.#owner = owner;
    this.#mode = mode;
  }

  get size(): number {
    return (this.#owner === undefined ? 0 : 1) + (this.#more?.size ?? 0);
  }

  get(owner: LockOwner): LockMode | undefined {
    return owner === this.#owner ? this.#mode : this.#more?.get(owner);
  }

  has(owner: LockOwner): boolean {
    return this.get(owner) !== undefined;
  }

  set(owner: LockOwner, mode: LockMode): void {
    if (owner === this.#owner) {
      this.#mode = mode;
    } else if (this.#owner === undefined && (this.#more === undefined || this.#more.size === 0)) {
      this.#owner = owner;
      this.#mode = mode;
    } else {
      (this.#more ??= new Map()).set(owner, mode);
    }
  }

  delete(owner: LockOwner): void {
    if (owner !== this.#owner) {
      this.#more?.delete(owner);
      return;
    }
    // The earliest of the others takes the inline place, so the grant order stays.
    this.#owner = undefined;
    const more = this.#more;
    if (more === undefined) return;
    for (const [next, mode] of more) {
      more.delete(next);
      this.#owner = next;
      this.#mode = mode;
      break;
    }
  }

  *[Symbol.iterator](): IterableIterator<[LockOwner, LockMode]> {
    if (this.#owner !== undefined) yield [this.#owner, this.#mode];
    if (this.#more !== undefined) yield* this.#more;
  }
}

/**
 * No waiters: the queue every entry starts with, shared and frozen (a lock that someone waits for
 * is the rare case, so most entries never allocate a queue). `wait` gives an entry its own array.
 */
const noWaiters: Waiter[] = [];
Object.freeze(noWaiters);

/** One key's lock: its holders (the entry itself) and its waiters in FIFO order. */
class LockEntry extends Holders {
  readonly key: string;
  queue: Waiter[] = noWaiters;

  constructor(key: string, owner: LockOwner, mode: LockMode) {
    super(owner, mode);
    this.key = key;
  }
}

/** `acquireNow`'s answer: the mode held before in the low bits, plus `lockWouldWait` if not granted. */
export const lockHeldNone = 0;
export const lockHeldShare = 1;
export const lockHeldExclusive = 2;
export const lockWouldWait = 4;

/** The mode an `acquireNow` answer says was held before, if any. */
export function heldBefore(outcome: number): LockMode | undefined {
  const held = outcome & 3;
  return held === lockHeldExclusive ? "exclusive" : held === lockHeldShare ? "share" : undefined;
}

/** The most "waits for" edges a deadlock search follows; beyond it the wait is allowed. */
export const deadlockSearchNodesMax = 100_000;

export class LockTable {
  readonly #entries = new Map<string, LockEntry>();
  readonly #waiting = new Map<LockOwner, { readonly entry: LockEntry; readonly waiter: Waiter }>();

  /** The mode `owner` holds on `key`, if any. */
  heldMode(owner: LockOwner, key: string): LockMode | undefined {
    return this.#entries.get(key)?.get(owner);
  }

  /** Grants the lock at once if it can be granted without waiting; false when it would wait. */
  tryAcquire(owner: LockOwner, key: string, mode: LockMode): boolean {
    return (this.acquireNow(owner, key, mode) & lockWouldWait) === 0;
  }

  /**
   * `tryAcquire` that also tells what `owner` held before (`heldBefore` reads it), from one
   * lookup of the key: a transaction's write asks both for every key it writes.
   */
  acquireNow(owner: LockOwner, key: string, mode: LockMode): number {
    const entry = this.#entries.get(key);
    if (entry === undefined) {
      this.#entries.set(key, new LockEntry(key, owner, mode));
      return lockHeldNone;
    }
    const held = entry.get(owner);
    const before = held === "exclusive" ? lockHeldExclusive : held === "share" ? lockHeldShare : lockHeldNone;
    if (held === "exclusive" || held === mode) return before;
    const isUpgrade = held !== undefined;
    if ((isUpgrade || entry.queue.length === 0) && isCompatible(entry, owner, mode)) {
      entry.set(owner, mode);
      return before;
    }
    return before | lockWouldWait;
  }

  /**
   * Waits for the lock after `tryAcquire` returned false. Rejects with 40P01 when waiting would
   * deadlock, and with 55P03 once `timeoutMs` passes.
   */
  wait(owner: LockOwner, key: string, mode: LockMode, options: LockWaitOptions): Promise<void> {
    const entry = this.#entries.get(key);
    assert(entry !== undefined, "a lock that could not be granted has an entry");
    assert(!this.#waiting.has(owner), "an owner waits for one lock at a time");
    const isUpgrade = entry.has(owner);
    const deadlockTimeoutMs = options.deadlockTimeoutMs ?? 0;
    const detail = `${owner.label} would wait for ${options.what}, which is held by a transaction that waits for it in turn`;
    if (deadlockTimeoutMs === 0 && this.#wouldDeadlock(owner, entry, mode, isUpgrade)) {
      return Promise.reject(new DeadlockDetectedError("deadlock detected", { detail }));
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { owner, mode, resolve, reject, timer: undefined, deadlockTimer: undefined };
      if (deadlockTimeoutMs > 0) {
        waiter.deadlockTimer = setTimeout(() => {
          waiter.deadlockTimer = undefined;
          if (this.#isInCycle(owner)) this.#abandon(owner, new DeadlockDetectedError("deadlock detected", { detail }));
        }, deadlockTimeoutMs);
      }
      if (entry.queue === noWaiters) entry.queue = [];
      if (isUpgrade) entry.queue.unshift(waiter);
      else entry.queue.push(waiter);
      this.#waiting.set(owner, { entry, waiter });
      if (options.timeoutMs > 0) {
        waiter.timer = setTimeout(() => {
          this.#abandon(owner, new LockNotAvailableError("canceling statement due to lock timeout", { detail: `waiting for ${options.what}` }));
        }, options.timeoutMs);
      }
    });
  }

  /** Whom `owner` waits for now (conflicting holders and conflicting waiters ahead of it); empty when it does not wait. */
  blockersOf(owner: LockOwner): LockOwner[] {
    const waiting = this.#waiting.get(owner);
    if (waiting === undefined) return [];
    return blockersOf(waiting.entry, owner, waiting.waiter.mode, waiting.entry.queue.indexOf(waiting.waiter));
  }

  /** Stops `owner`'s wait, if any, rejecting it with `error` (a rollback or a cancel). */
  cancelWait(owner: LockOwner, error: Error): void {
    this.#abandon(owner, error);
  }

  /** Releases `owner`'s lock on `key`, or weakens it to `keepMode`, and grants waiters that now fit. */
  release(owner: LockOwner, key: string, keepMode?: LockMode): void {
    const entry = this.#entries.get(key);
    if (entry === undefined || !entry.has(owner)) return;
    if (keepMode === undefined) entry.delete(owner);
    else entry.set(owner, keepMode);
    this.#grantWaiters(entry);
  }

  /** Keys with an entry (held or waited for): for stats and the bounded-memory test. */
  get lockedKeyCount(): number {
    return this.#entries.size;
  }

  get waiterCount(): number {
    return this.#waiting.size;
  }

  #abandon(owner: LockOwner, error: Error): void {
    const waiting = this.#waiting.get(owner);
    if (waiting === undefined) return;
    const { entry, waiter } = waiting;
    this.#waiting.delete(owner);
    if (waiter.timer !== undefined) clearTimeout(waiter.timer);
    if (waiter.deadlockTimer !== undefined) clearTimeout(waiter.deadlockTimer);
    const index = entry.queue.indexOf(waiter);
    assert(index >= 0, "a waiting owner is queued");
    entry.queue.splice(index, 1);
    waiter.reject(error);
    // Waiters behind the abandoned one may fit now.
    this.#grantWaiters(entry);
  }

  #grantWaiters(entry: LockEntry): void {
    for (let head = entry.queue[0]; head !== undefined; head = entry.queue[0]) {
      if (!isCompatible(entry, head.owner, head.mode)) break;
      entry.queue.shift();
      entry.set(head.owner, head.mode);
      this.#waiting.delete(head.owner);
      if (head.timer !== undefined) clearTimeout(head.timer);
      if (head.deadlockTimer !== undefined) clearTimeout(head.deadlockTimer);
      head.resolve();
    }
    if (entry.size === 0 && entry.queue.length === 0) this.#entries.delete(entry.key);
  }

  /** Whether a wait of `owner` on `entry` would close a cycle of waits. */
  /** Whether `owner`, now waiting, is on a cycle of waits (the check a deadlock_timeout runs). */
  #isInCycle(owner: LockOwner): boolean {
    const waiting = this.#waiting.get(owner);
    if (waiting === undefined) return false;
    return this.#searchCycle(owner, blockersOf(waiting.entry, owner, waiting.waiter.mode, waiting.entry.queue.indexOf(waiting.waiter)));
  }

  #wouldDeadlock(owner: LockOwner, entry: LockEntry, mode: LockMode, isUpgrade: boolean): boolean {
    return this.#searchCycle(owner, blockersOf(entry, owner, mode, isUpgrade ? 0 : entry.queue.length));
  }

  /** Follows "waits for" edges from `blockers`; true if they lead back to `owner`. */
  #searchCycle(owner: LockOwner, blockers: LockOwner[]): boolean {
    const stack = blockers;
    const visited = new Set<LockOwner>();
    let steps = 0;
    while (stack.length > 0 && steps < deadlockSearchNodesMax) {
      steps += 1;
      const blocker = stack.pop();
      if (blocker === undefined || visited.has(blocker)) continue;
      if (blocker === owner) return true;
      visited.add(blocker);
      const waiting = this.#waiting.get(blocker);
      if (waiting === undefined) continue;
      const position = waiting.entry.queue.indexOf(waiting.waiter);
      stack.push(...blockersOf(waiting.entry, blocker, waiting.waiter.mode, position));
    }
    return false;
  }
}

function conflicts(a: LockMode, b: LockMode): boolean {
  return a === "exclusive" || b === "exclusive";
}

function isCompatible(entry: LockEntry, owner: LockOwner, mode: LockMode): boolean {
  for (const [holder, held] of entry) {
    if (holder !== owner && conflicts(held, mode)) return false;
  }
  return true;
}

/** Who `owner` waits for on `entry`: conflicting holders, and conflicting waiters ahead of `position`. */
function blockersOf(entry: LockEntry, owner: LockOwner, mode: LockMode, position: number): LockOwner[] {
  const blockers: LockOwner[] = [];
  for (const [holder, held] of entry) if (holder !== owner && conflicts(held, mode)) blockers.push(holder);
  for (let i = 0; i < position; i++) {
    const ahead = entry.queue[i];
    if (ahead !== undefined && ahead.owner !== owner && conflicts(ahead.mode, mode)) blockers.push(ahead.owner);
  }
  return blockers;
}
