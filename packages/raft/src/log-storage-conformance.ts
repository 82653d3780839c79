/**
 * `checkRaftLogStorage`: the `RaftLogStorage` contract as executable checks (the conformance suite).
 * Any implementation must pass it; raft's own tests run it against `MemoryLogStorage`. It uses no
 * test framework: a failed check throws `AssertionError` naming the check, so it runs under
 * vitest, node:test or a plain script alike.
 *
 * `open` returns a fresh, empty storage. `reopen`, when given, closes a storage and opens it again
 * over the same durable contents (a restart); the durability checks run only then.
 */
import { AssertionError, assert, term } from "@omnikv/base";
import type { HardState, LogEntry } from "./log-entry.ts";
import type { RaftLogStorage } from "./log-storage.ts";
import { describeMembership, type MembershipConfig } from "./membership.ts";
import type { LogIndex } from "./types.ts";

export interface LogStorageHarness {
  readonly open: () => Promise<RaftLogStorage>;
  readonly reopen?: (storage: RaftLogStorage) => Promise<RaftLogStorage>;
}

type Check = (harness: LogStorageHarness) => Promise<void>;

const encoder = new TextEncoder();

function entry(index: LogIndex, termValue: number, text?: string): LogEntry {
  const payload = text === undefined ? ({ kind: "blank" } as const) : ({ kind: "command", command: encoder.encode(text) } as const);
  return { index, term: term(termValue), payload };
}

function entriesFrom(first: LogIndex, last: LogIndex, termValue: number): LogEntry[] {
  return Array.from({ length: last - first + 1 }, (_, i) => entry(first + i, termValue, `cmd-${first + i}-t${termValue}`));
}

function describeEntries(entries: readonly LogEntry[]): string {
  return entries.map((e) => `${e.index}@${e.term}:${describePayload(e)}`).join(",");
}

function describePayload(logEntry: LogEntry): string {
  const payload = logEntry.payload;
  if (payload.kind === "command") return new TextDecoder().decode(payload.command);
  if (payload.kind === "membership") return `conf(${describeMembership(payload.config)})`;
  return "blank";
}

function checkEntries(actual: readonly LogEntry[], expected: readonly LogEntry[], what: string): void {
  const got = describeEntries(actual);
  const want = describeEntries(expected);
  assert(got === want, `${what}: read [${got}], expected [${want}]`);
}

async function expectRejection(promise: Promise<unknown>, what: string): Promise<void> {
  let isRejected = false;
  try {
    await promise;
  } catch (error) {
    if (error instanceof AssertionError) throw error;
    isRejected = true;
  }
  assert(isRejected, `${what} must reject`);
}

const checks: Record<string, Check> = {
  async "starts empty"({ open }) {
    const storage = await open();
    const hardState = await storage.readHardState();
    assert(hardState.term === 0n && hardState.votedFor === 0 && hardState.commitIndex === 0, "a new storage has term 0, no vote, commit 0");
    const state = await storage.logState();
    assert(state.lastIndex === 0 && state.firstIndex === 1, "a new storage has no entries");
    checkEntries(await storage.readRange(1, 10), [], "reading an empty log");
    await storage.close();
  },
  async "keeps the last hard state"({ open }) {
    const storage = await open();
    const states: HardState[] = [
      { term: term(1), votedFor: 2, commitIndex: 0 },
      { term: term(1), votedFor: 2, commitIndex: 5 },
      { term: term(7), votedFor: 0, commitIndex: 9 },
      { term: term(2n ** 40n), votedFor: 3, commitIndex: 2 ** 40 },
    ];
    for (const state of states) {
      await storage.saveHardState(state);
      const read = await storage.readHardState();
      const isSame = read.term === state.term && read.votedFor === state.votedFor && read.commitIndex === state.commitIndex;
      assert(isSame, `hard state ${state.term}/${state.votedFor}/${state.commitIndex} reads back`);
    }
    await storage.close();
  },
  async "appends contiguously and reads ranges"({ open }) {
    const storage = await open();
    const first = [entry(1, 1), ...entriesFrom(2, 5, 1)];
    await storage.append(first.slice(0, 2));
    await storage.append(first.slice(2));
    checkEntries(await storage.readRange(1, 6), first, "the whole log");
    checkEntries(await storage.readRange(2, 4), first.slice(1, 3), "a middle range");
    checkEntries(await storage.readRange(4, 100), first.slice(3), "a range past the end");
    checkEntries(await storage.readRange(6, 9), [], "a range after the end");
    const state = await storage.logState();
    assert(state.firstIndex === 1 && state.lastIndex === 5, "log state follows appends");
    await storage.close();
  },
  async "rejects a gap or an overlap"({ open }) {
    const storage = await open();
    await storage.append(entriesFrom(1, 3, 1));
    await expectRejection(storage.append(entriesFrom(5, 5, 1)), "an append leaving a gap");
    await expectRejection(storage.append(entriesFrom(3, 3, 2)), "an append overlapping the last entry");
    checkEntries(await storage.readRange(1, 10), entriesFrom(1, 3, 1), "the log after refused appends");
    await storage.close();
  },
  async "truncates a conflicting suffix"({ open }) {
    const storage = await open();
    await storage.append(entriesFrom(1, 6, 1));
    await storage.truncateAfter(3);
    assert((await storage.logState()).lastIndex === 3, "truncation moves the last index");
    await storage.append(entriesFrom(4, 5, 2));
    checkEntries(await storage.readRange(1, 10), [...entriesFrom(1, 3, 1), ...entriesFrom(4, 5, 2)], "the repaired log");
    await storage.truncateAfter(9);
    assert((await storage.logState()).lastIndex === 5, "truncating past the end changes nothing");
    await storage.truncateAfter(0);
    assert((await storage.logState()).lastIndex === 0, "truncating after 0 empties the log");
    await storage.append(entriesFrom(1, 1, 3));
    checkEntries(await storage.readRange(1, 10), entriesFrom(1, 1, 3), "appending to an emptied log");
    await storage.close();
  },
  async "purges a prefix and keeps its last term"({ open }) {
    const storage = await open();
    await storage.append([...entriesFrom(1, 4, 1), ...entriesFrom(5, 8, 2)]);
    await storage.purgeUpTo(5);
    const state = await storage.logState();
    assert(state.firstIndex === 6 && state.lastIndex === 8, "purging moves the first index");
    assert(state.purgedIndex === 5 && state.purgedTerm === 2n, "the purge point keeps its term");
    checkEntries(await storage.readRange(6, 9), entriesFrom(6, 8, 2), "the log after a purge");
    await expectRejection(storage.readRange(5, 9), "reading a purged entry");
    await storage.purgeUpTo(3);
    assert((await storage.logState()).firstIndex === 6, "purging an already purged prefix changes nothing");
    await storage.append(entriesFrom(9, 9, 3));
    checkEntries(await storage.readRange(8, 10), [...entriesFrom(8, 8, 2), ...entriesFrom(9, 9, 3)], "appending after a purge");
    await storage.close();
  },
  async "resets to a snapshot"({ open, reopen }) {
    let storage = await open();
    await storage.append(entriesFrom(1, 5, 1));
    await storage.resetToSnapshot({ index: 9, term: term(3) });
    let state = await storage.logState();
    assert(state.firstIndex === 10 && state.lastIndex === 9, "a reset log is empty after the snapshot");
    assert(state.purgedIndex === 9 && state.purgedTerm === 3n, "a reset log keeps the snapshot's position");
    await storage.append(entriesFrom(10, 11, 3));
    if (reopen !== undefined) storage = await reopen(storage);
    state = await storage.logState();
    assert(state.purgedIndex === 9 && state.lastIndex === 11, "a reset survives a restart");
    checkEntries(await storage.readRange(10, 20), entriesFrom(10, 11, 3), "entries after a reset");
    await expectRejection(storage.readRange(5, 12), "reading an entry the reset dropped");
    await storage.close();
  },
  async "keeps membership entries and the purge point's membership"({ open, reopen }) {
    let storage = await open();
    const joint: MembershipConfig = { voters: [1, 2, 4], outgoingVoters: [1, 2, 3], learners: [5] };
    const plain: MembershipConfig = { voters: [1, 2, 4], outgoingVoters: [], learners: [5] };
    const entries: LogEntry[] = [
      entry(1, 1),
      { index: 2, term: term(1), payload: { kind: "membership", config: joint } },
      { index: 3, term: term(1), payload: { kind: "membership", config: plain } },
      entry(4, 1, "x"),
    ];
    await storage.append(entries);
    await storage.purgeUpTo(3, plain);
    if (reopen !== undefined) storage = await reopen(storage);
    const state = await storage.logState();
    assert(state.purgedIndex === 3, "the purge point survives");
    assert(state.purgedConfig !== undefined && describeMembership(state.purgedConfig) === describeMembership(plain), "the purge point keeps its membership");
    checkEntries(await storage.readRange(4, 5), entries.slice(3), "entries after the purge");
    await storage.close();
    storage = await open();
    await storage.append(entries);
    if (reopen !== undefined) storage = await reopen(storage);
    checkEntries(await storage.readRange(1, 5), entries, "membership entries");
    await storage.close();
  },
  async "does not alias caller buffers"({ open }) {
    const storage = await open();
    const command = encoder.encode("original");
    await storage.append([{ index: 1, term: term(1), payload: { kind: "command", command } }]);
    command.fill(0x21);
    const [read] = await storage.readRange(1, 2);
    assert(read?.payload.kind === "command", "a command entry reads back as a command");
    assert(new TextDecoder().decode(read.payload.command) === "original", "mutating the appended buffer does not change the log");
    await storage.close();
  },
  async "holds many entries in order"({ open }) {
    const storage = await open();
    for (let first = 1; first <= 2000; first += 100) await storage.append(entriesFrom(first, first + 99, 1 + Math.floor(first / 500)));
    const all = await storage.readRange(1, 2001);
    assert(all.length === 2000, "every appended entry reads back");
    all.forEach((e, i) => assert(e.index === i + 1, "entries read back in index order"));
    await storage.close();
  },
  async "applies mutations issued together in call order"({ open, reopen }) {
    let storage = await open();
    await storage.append(entriesFrom(1, 4, 1));
    const issued = [
      storage.saveHardState({ term: term(2), votedFor: 1, commitIndex: 0 }),
      storage.truncateAfter(2),
      storage.append(entriesFrom(3, 5, 2)),
      storage.saveHardState({ term: term(3), votedFor: 0, commitIndex: 1 }),
    ];
    await Promise.all(issued);
    if (reopen !== undefined) storage = await reopen(storage);
    checkEntries(await storage.readRange(1, 10), [...entriesFrom(1, 2, 1), ...entriesFrom(3, 5, 2)], "the log after overlapped mutations");
    const hardState = await storage.readHardState();
    assert(hardState.term === 3n && hardState.votedFor === 0, "the last hard state issued wins");
    await storage.close();
  },
  async "keeps the hard state, purge point and entries across repeated purges and restarts"({ open, reopen }) {
    // A storage that frees space on purge must carry the hard state and purge point forward: the
    // record that first held them may be gone. Payloads are large enough to fill small segments.
    let storage = await open();
    await storage.saveHardState({ term: term(5), votedFor: 3, commitIndex: 1 });
    const filler = "x".repeat(200);
    const long = (first: LogIndex, last: LogIndex): LogEntry[] => Array.from({ length: last - first + 1 }, (_, i) => entry(first + i, 5, `big-${first + i}-${filler}`));
    for (let first = 1; first <= 1200; first += 50) {
      await storage.append(long(first, first + 49));
      if (first % 300 === 1 && first > 1) await storage.purgeUpTo(first - 100);
      if (first === 601 && reopen !== undefined) storage = await reopen(storage);
    }
    await storage.purgeUpTo(1100);
    if (reopen !== undefined) storage = await reopen(storage);
    const hardState = await storage.readHardState();
    assert(hardState.term === 5n && hardState.votedFor === 3 && hardState.commitIndex === 1, "the hard state outlives purges");
    const state = await storage.logState();
    assert(state.purgedIndex === 1100 && state.purgedTerm === 5n && state.lastIndex === 1200, "the purge point outlives purges");
    checkEntries(await storage.readRange(1101, 1201), long(1101, 1200), "the entries after many purges");
    await expectRejection(storage.readRange(1100, 1102), "reading a purged entry after a restart");
    await storage.close();
  },
  async "truncates a tail after a purge, across a restart"({ open, reopen }) {
    let storage = await open();
    await storage.append(entriesFrom(1, 30, 1));
    await storage.purgeUpTo(10);
    await storage.truncateAfter(20);
    await storage.append(entriesFrom(21, 25, 2));
    await expectRejection(storage.truncateAfter(9), "a truncation below the purge point");
    if (reopen !== undefined) storage = await reopen(storage);
    checkEntries(await storage.readRange(11, 100), [...entriesFrom(11, 20, 1), ...entriesFrom(21, 25, 2)], "the log after a purge then a truncation");
    await storage.purgeUpTo(22);
    await storage.truncateAfter(23);
    if (reopen !== undefined) storage = await reopen(storage);
    const state = await storage.logState();
    assert(state.purgedIndex === 22 && state.lastIndex === 23 && state.purgedTerm === 2n, "purge and truncation compose");
    checkEntries(await storage.readRange(23, 100), entriesFrom(23, 23, 2), "the one entry left");
    await storage.close();
  },
  async "reads a long log back from the start after a restart"({ open, reopen }) {
    let storage = await open();
    const filler = "y".repeat(500);
    const all: LogEntry[] = Array.from({ length: 600 }, (_, i) => entry(i + 1, 1 + Math.floor(i / 200), `long-${i + 1}-${filler}`));
    for (let i = 0; i < all.length; i += 7) await storage.append(all.slice(i, i + 7));
    checkEntries(await storage.readRange(1, 601), all, "a long log");
    if (reopen !== undefined) storage = await reopen(storage);
    checkEntries(await storage.readRange(1, 601), all, "a long log after a restart");
    checkEntries(await storage.readRange(295, 305), all.slice(294, 304), "a middle range of a long log");
    await storage.close();
  },
  async "survives a restart"({ open, reopen }) {
    if (reopen === undefined) return;
    let storage = await open();
    await storage.saveHardState({ term: term(4), votedFor: 2, commitIndex: 6 });
    await storage.append([...entriesFrom(1, 5, 1), ...entriesFrom(6, 9, 3)]);
    await storage.truncateAfter(7);
    await storage.append(entriesFrom(8, 8, 4));
    await storage.purgeUpTo(2);
    storage = await reopen(storage);
    const hardState = await storage.readHardState();
    assert(hardState.term === 4n && hardState.votedFor === 2 && hardState.commitIndex === 6, "the hard state survives a restart");
    const state = await storage.logState();
    assert(state.firstIndex === 3 && state.lastIndex === 8 && state.purgedTerm === 1n, "the log bounds survive a restart");
    checkEntries(await storage.readRange(3, 100), [...entriesFrom(3, 5, 1), ...entriesFrom(6, 7, 3), ...entriesFrom(8, 8, 4)], "entries after a restart");
    await storage.append(entriesFrom(9, 9, 4));
    storage = await reopen(storage);
    assert((await storage.logState()).lastIndex === 9, "appends after a restart survive another");
    await storage.close();
  },
};

/** Runs every check; returns their names. Throws `AssertionError` (naming the check) on the first failure. */
export async function checkRaftLogStorage(harness: LogStorageHarness): Promise<readonly string[]> {
  const names = Object.keys(checks);
  for (const name of names) {
    const check = checks[name];
    assert(check !== undefined, "every named check exists");
    try {
      await check(harness);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new AssertionError(`raft log storage conformance: "${name}": ${detail}`, { cause: error });
    }
  }
  return names;
}
