/**
 * Sequence values. Not transactional, as in PostgreSQL: a value `nextval` hands out is never
 * handed out again, whether or not its transaction commits. What DDL does to a sequence is
 * transactional, as PostgreSQL's new relfilenode makes it: CREATE SEQUENCE, ALTER SEQUENCE …
 * RESTART, TRUNCATE … RESTART IDENTITY and DROP SEQUENCE change a transaction's `SequenceOverlay`
 * (nextval and setval in that transaction use it), which takes effect when the transaction
 * commits and is forgotten when it rolls back (savepoints included). Like PostgreSQL's `log_cnt`, the
 * store records a value `prefetch` steps ahead, so only every 32nd call writes; after a crash a
 * sequence resumes after the recorded value (a gap, never a repeat). The write is not synced on
 * its own: it is ordered in the log before the commit of any transaction that used the value,
 * and `settled()` lets that commit wait for it.
 */
import { DataCorruptedError, NumericValueOutOfRangeError, ObjectNotInPrerequisiteStateError, type DbError } from "@omnikv/base";
import type { MvccStore } from "@omnikv/txn";
import type { SequenceDefinition } from "./definitions.ts";
import { SequenceLimitError } from "../errors.ts";
import { relationPrefix, sequenceKey, sequencesKeyspace } from "../storage/keys.ts";

const prefetch = 32n;

interface SequenceState {
  last: bigint;
  isCalled: boolean;
  /** The last value the store has recorded as handed out. */
  recorded: bigint;
}

export class SequenceStore {
  readonly #store: MvccStore;
  readonly #states = new Map<number, SequenceState>();
  #pending: Promise<unknown> = Promise.resolve();
  #failure: unknown;

  constructor(store: MvccStore) {
    this.#store = store;
  }

  /** Reads every recorded sequence state (at open). */
  load(): void {
    for (const [key, value] of this.#store.scan({ gte: relationPrefix(sequencesKeyspace), lt: relationPrefix(sequencesKeyspace + 1) })) {
      const id = new DataView(key.buffer, key.byteOffset + 4, 4).getUint32(0);
      const parsed: unknown = JSON.parse(new TextDecoder().decode(value));
      if (typeof parsed !== "object" || parsed === null || !("last" in parsed) || typeof parsed.last !== "string" || !("isCalled" in parsed)) {
        throw new DataCorruptedError(`the state of sequence ${id} is damaged`);
      }
      this.#states.set(id, { last: BigInt(parsed.last), isCalled: parsed.isCalled === true, recorded: BigInt(parsed.last) });
    }
  }

  nextval(definition: SequenceDefinition, overlay?: SequenceOverlay): bigint {
    const own = overlay?.state(definition.id);
    const state = own ?? this.#state(definition);
    const increment = BigInt(definition.increment);
    let next = state.isCalled ? state.last + increment : state.last;
    const min = BigInt(definition.min);
    const max = BigInt(definition.max);
    if (next > max || next < min) {
      if (!definition.isCycle) {
        const bound = next > max ? `maximum value of sequence "${definition.name}" (${max})` : `minimum value of sequence "${definition.name}" (${min})`;
        throw new SequenceLimitError(`nextval: reached ${bound}`);
      }
      next = increment > 0n ? min : max;
    }
    state.last = next;
    state.isCalled = true;
    // A transaction's own (restarted) state is recorded when it commits.
    if (own !== undefined) return next;
    const stored = this.#state(definition);
    const isBeyondRecorded = increment > 0n ? next > stored.recorded : next < stored.recorded;
    if (isBeyondRecorded) {
      stored.recorded = next + increment * (prefetch - 1n);
      this.#record(definition.id, stored.recorded, true);
    }
    return next;
  }

  setval(definition: SequenceDefinition, value: bigint, isCalled: boolean, overlay?: SequenceOverlay): bigint {
    const min = BigInt(definition.min);
    const max = BigInt(definition.max);
    if (value < min || value > max) {
      throw new NumericValueOutOfRangeError(`setval: value ${value} is out of bounds for sequence "${definition.name}" (${min}..${max})`);
    }
    const own = overlay?.state(definition.id);
    if (own !== undefined) {
      own.last = value;
      own.isCalled = isCalled;
      return value;
    }
    const state = this.#state(definition);
    state.last = value;
    state.isCalled = isCalled;
    state.recorded = value;
    this.#record(definition.id, value, isCalled);
    return value;
  }

  /** The sequence's state as every session sees it, or undefined before its first use. */
  peek(id: number): { readonly last: bigint; readonly isCalled: boolean } | undefined {
    const state = this.#states.get(id);
    return state === undefined ? undefined : { last: state.last, isCalled: state.isCalled };
  }

  /** What a committed transaction's DDL did to sequences: restarted states are installed, dropped ones deleted. */
  apply(overlay: SequenceOverlay): void {
    for (const [id, state] of overlay.changes) {
      if (state === undefined) {
        this.#states.delete(id);
        this.#pending = this.#pending.then(() => this.#store.write([{ type: "del", key: sequenceKey(id) }], { sync: false }));
        continue;
      }
      this.#states.set(id, { last: state.last, isCalled: state.isCalled, recorded: state.last });
      this.#record(id, state.last, state.isCalled);
    }
  }

  /** Resolves when every recorded state is in the log; rejects if recording one failed. */
  async settled(): Promise<void> {
    await this.#pending;
    const failure = this.#failure;
    if (failure !== undefined) throw failure instanceof Error ? failure : new Error("recording a sequence value failed", { cause: failure });
  }

  #state(definition: SequenceDefinition): SequenceState {
    let state = this.#states.get(definition.id);
    if (state === undefined) {
      const start = BigInt(definition.start);
      state = { last: start, isCalled: false, recorded: start };
      this.#states.set(definition.id, state);
    }
    return state;
  }

  #record(id: number, last: bigint, isCalled: boolean): void {
    const value = new TextEncoder().encode(JSON.stringify({ last: String(last), isCalled }));
    const write = this.#store.write([{ type: "put", key: sequenceKey(id), value }], { sync: false });
    this.#pending = Promise.all([this.#pending, write]).catch((error: unknown) => {
      this.#failure = error;
    });
  }
}

/**
 * One transaction's sequence DDL: per sequence its new state (created or restarted, then advanced
 * by the transaction's own nextval/setval), or undefined when dropped.
 */
export class SequenceOverlay {
  readonly #changes = new Map<number, { last: bigint; isCalled: boolean } | undefined>();

  get changes(): ReadonlyMap<number, { readonly last: bigint; readonly isCalled: boolean } | undefined> {
    return this.#changes;
  }

  /** This transaction's own state of the sequence, if its DDL gave it one. */
  state(id: number): { last: bigint; isCalled: boolean } | undefined {
    return this.#changes.get(id);
  }

  /** A new sequence (or ALTER SEQUENCE RESTART) starts at `start`. */
  reset(definition: SequenceDefinition): void {
    this.#changes.set(definition.id, { last: BigInt(definition.start), isCalled: false });
  }

  drop(id: number): void {
    this.#changes.set(id, undefined);
  }

  /** For a savepoint: the changes as they are now. */
  snapshot(): ReadonlyMap<number, { readonly last: bigint; readonly isCalled: boolean } | undefined> {
    return new Map([...this.#changes].map(([id, state]) => [id, state === undefined ? undefined : { ...state }]));
  }

  /** ROLLBACK TO SAVEPOINT: the changes as they were at the savepoint. */
  restore(saved: ReadonlyMap<number, { readonly last: bigint; readonly isCalled: boolean } | undefined>): void {
    this.#changes.clear();
    for (const [id, state] of saved) this.#changes.set(id, state === undefined ? undefined : { ...state });
  }
}

/** currval before nextval in this session: 55000, as PostgreSQL. */
export function currvalNotDefined(name: string): DbError {
  return new ObjectNotInPrerequisiteStateError(`currval of sequence "${name}" is not yet defined in this session`);
}

export function lastvalNotDefined(): DbError {
  return new ObjectNotInPrerequisiteStateError("lastval is not yet defined in this session");
}
