/**
 * Model-based property test: tables built from random sets of internal keys (many versions of few
 * user keys, empty and compressible values, long shared prefixes, huge sequence numbers), with
 * random block sizes, restart intervals, compression, filter settings, cache sizes, with or
 * without data block hash indexes and with or without a cipher, checked against a sorted array: `get` at random snapshots, full forward and
 * backward iteration, and seeks followed by random walks. fast-check prints the seed and the
 * shrunk counterexample of a failure; FC_SEED / FC_PATH / FC_NUM_RUNS replay it.
 */
import { join } from "node:path";
import * as fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { assertNever } from "@omnikv/base";
import { SeededRandom, makeTempDir, propertyParams } from "@omnikv/testkit";
import type { InternalIterator } from "../../src/internal-iterator.ts";
import { ValueKind, compareInternalKeys, encodeInternalKey, internalKeyKind, internalKeySequence, internalKeyUserKey, kindForSeek } from "../../src/internal-key.ts";
import { compareBytes } from "../../src/internal/bytes.ts";
import { BlockCache } from "../../src/sstable/block-cache.ts";
import { TableReader } from "../../src/sstable/table-reader.ts";
import { ToyCipher, buildTable, describeKey, entryAt, lowerBound, sortEntries, type Entry } from "./helpers.ts";

/**
 * Arbitraries produce compact descriptions (a prefix length and a few suffix bytes; a value's
 * shape, length and seed) that are turned into bytes inside the property, so a failure prints and
 * shrinks quickly instead of dumping kilobytes of values.
 */
interface UserKeySpec {
  readonly prefixLength: number;
  readonly suffix: readonly number[];
}
type ValueSpec =
  | { readonly kind: "empty" }
  | { readonly kind: "random"; readonly length: number; readonly seed: number }
  | { readonly kind: "repeat"; readonly unit: readonly number[]; readonly times: number };

/** User keys: up to 3 bytes over a tiny alphabet, often behind a long shared prefix. */
const userKeyArb: fc.Arbitrary<UserKeySpec> = fc.record({
  prefixLength: fc.constantFrom(0, 1, 40, 300),
  suffix: fc.array(fc.constantFrom(0x00, 0x01, 0x61, 0xff), { maxLength: 3 }),
});
const sequenceArb = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 60 }) }, { weight: 1, arbitrary: fc.constantFrom(2 ** 32, 2 ** 53 - 1, 2 ** 40 + 3) });
const valueArb: fc.Arbitrary<ValueSpec> = fc.oneof(
  fc.constant({ kind: "empty" as const }),
  fc.record({ kind: fc.constant("random" as const), length: fc.integer({ min: 1, max: 40 }), seed: fc.nat() }),
  fc.record({ kind: fc.constant("repeat" as const), unit: fc.array(fc.nat({ max: 255 }), { minLength: 1, maxLength: 8 }), times: fc.integer({ min: 1, max: 120 }) }),
  fc.record({ kind: fc.constant("random" as const), length: fc.integer({ min: 3000, max: 6000 }), seed: fc.nat() }),
);

function userKeyBytes(spec: UserKeySpec): Uint8Array {
  const key = new Uint8Array(spec.prefixLength + spec.suffix.length).fill(0x70);
  key.set(spec.suffix, spec.prefixLength);
  return key;
}

function valueBytes(spec: ValueSpec): Uint8Array {
  switch (spec.kind) {
    case "empty":
      return new Uint8Array(0);
    case "random":
      return new SeededRandom(spec.seed).bytes(spec.length);
    case "repeat": {
      const out = new Uint8Array(spec.unit.length * spec.times);
      for (let i = 0; i < out.length; i++) out[i] = spec.unit[i % spec.unit.length] ?? 0;
      return out;
    }
    default:
      return assertNever(spec);
  }
}
const entryArb = fc.record({ userKey: userKeyArb, sequence: sequenceArb, isDelete: fc.boolean(), value: valueArb });
const optionsArb = fc.record({
  blockBytes: fc.constantFrom(1, 40, 200, 4096),
  restartInterval: fc.constantFrom(1, 2, 16),
  compression: fc.constantFrom("lz4" as const, "none" as const),
  bloomBitsPerKey: fc.constantFrom(0, 1, 10),
  hasHashIndex: fc.boolean(),
  hasCipher: fc.boolean(),
  cacheBytes: fc.constantFrom(1, 8 * 1024, 1 << 22),
  verifyChecksums: fc.boolean(),
});
const queryArb = fc.record({ userKey: userKeyArb, snapshot: sequenceArb });
const seekArb: fc.Arbitrary<Seek> = fc.record({
  userKey: userKeyArb,
  sequence: sequenceArb,
  kind: fc.constantFrom(ValueKind.Delete, ValueKind.Put, kindForSeek),
  isForPrev: fc.boolean(),
  walk: fc.array(fc.boolean(), { maxLength: 12 }),
});

interface RawEntry {
  readonly userKey: UserKeySpec;
  readonly sequence: number;
  readonly isDelete: boolean;
  readonly value: ValueSpec;
}

interface Seek {
  readonly userKey: UserKeySpec;
  readonly sequence: number;
  readonly kind: number;
  readonly isForPrev: boolean;
  readonly walk: readonly boolean[];
}

function toEntries(raw: readonly RawEntry[]): Entry[] {
  const byKey = new Map<string, Entry>();
  for (const r of raw) {
    const key = encodeInternalKey(userKeyBytes(r.userKey), r.sequence, r.isDelete ? ValueKind.Delete : ValueKind.Put);
    byKey.set(Buffer.from(key).toString("hex"), { key, value: r.isDelete ? new Uint8Array(0) : valueBytes(r.value) });
  }
  return sortEntries([...byKey.values()]);
}

/**
 * The model's answer to get(userKey, snapshot), found without the seek-key trick the reader uses:
 * among the versions of userKey with sequence <= snapshot, the newest (then the higher kind).
 */
function modelGet(entries: readonly Entry[], userKey: Uint8Array, snapshot: number): Entry | undefined {
  let best: Entry | undefined;
  for (const entry of entries) {
    const sequence = internalKeySequence(entry.key);
    if (compareBytes(internalKeyUserKey(entry.key), userKey) !== 0 || sequence > snapshot) continue;
    const isNewer =
      best === undefined ||
      sequence > internalKeySequence(best.key) ||
      (sequence === internalKeySequence(best.key) && internalKeyKind(entry.key) > internalKeyKind(best.key));
    if (isNewer) best = entry;
  }
  return best;
}

function position(iterator: InternalIterator): string {
  return iterator.isValid ? `${describeKey(iterator.key())}=${Buffer.from(iterator.value()).toString("hex").slice(0, 16)}` : "invalid";
}

function modelPosition(entries: readonly Entry[], index: number): string {
  const entry = entries[index];
  return entry === undefined ? "invalid" : `${describeKey(entry.key)}=${Buffer.from(entry.value).toString("hex").slice(0, 16)}`;
}

function checkIteration(iterator: InternalIterator, entries: readonly Entry[]): void {
  const forward: string[] = [];
  for (iterator.seekToFirst(); iterator.isValid; iterator.next()) forward.push(position(iterator));
  expect(forward).toEqual(entries.map((_, i) => modelPosition(entries, i)));
  const backward: string[] = [];
  for (iterator.seekToLast(); iterator.isValid; iterator.prev()) backward.push(position(iterator));
  expect(backward).toEqual(forward.toReversed());
}

function checkSeek(iterator: InternalIterator, entries: readonly Entry[], seek: Seek): void {
  const target = encodeInternalKey(userKeyBytes(seek.userKey), seek.sequence, seek.kind);
  let index = lowerBound(entries, target);
  if (seek.isForPrev) {
    const isExact = index < entries.length && compareInternalKeys(entryAt(entries, index).key, target) === 0;
    if (!isExact) index -= 1;
    iterator.seekForPrev(target);
  } else {
    iterator.seek(target);
  }
  if (index < 0 || index >= entries.length) index = -1;
  expect(position(iterator)).toBe(modelPosition(entries, index));
  for (const isNext of seek.walk) {
    if (!iterator.isValid) break;
    if (isNext) iterator.next();
    else iterator.prev();
    index += isNext ? 1 : -1;
    expect(position(iterator)).toBe(modelPosition(entries, index));
  }
}

describe("tables against a sorted-array model", () => {
  const temp = makeTempDir("sstable-model");
  afterAll(() => temp.cleanup());
  let runIndex = 0;

  it("get, iteration and seeks agree with the model", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(entryArb, { minLength: 1, maxLength: 150 }),
        optionsArb,
        fc.array(queryArb, { maxLength: 60 }),
        fc.array(seekArb, { maxLength: 30 }),
        async (raw, options, queries, seeks) => {
          const entries = toEntries(raw);
          const fileNumber = ++runIndex;
          const path = join(temp.path, `${fileNumber}.sst`);
          const cipher = options.hasCipher ? new ToyCipher() : undefined;
          const shape = { blockBytes: options.blockBytes, restartInterval: options.restartInterval, compression: options.compression, bloomBitsPerKey: options.bloomBitsPerKey, hasHashIndex: options.hasHashIndex };
          const built = await buildTable({ path, fileNumber, ...shape, ...(cipher === undefined ? {} : { cipher }) }, entries);
          expect(built.entryCount).toBe(entries.length);
          const blockCache = new BlockCache({ capacityBytes: options.cacheBytes });
          const reader = TableReader.open({ path, fileNumber, blockCache, verifyChecksums: options.verifyChecksums, ...(cipher === undefined ? {} : { cipher }) });
          try {
            const lookups = queries.map((q) => ({ userKey: userKeyBytes(q.userKey), snapshot: q.snapshot }));
            for (const entry of entries) lookups.push({ userKey: internalKeyUserKey(entry.key), snapshot: internalKeySequence(entry.key) });
            for (const query of lookups) {
              const expected = modelGet(entries, query.userKey, query.snapshot);
              const found = reader.get(query.userKey, query.snapshot);
              expect(found === undefined ? "none" : `${found.kind}@${found.sequence}:${Buffer.from(found.value).toString("hex")}`).toBe(
                expected === undefined ? "none" : `${internalKeyKind(expected.key)}@${internalKeySequence(expected.key)}:${Buffer.from(expected.value).toString("hex")}`,
              );
            }
            const iterator = reader.iterator();
            checkIteration(iterator, entries);
            for (const seek of seeks) checkSeek(iterator, entries, seek);
            iterator.close();
            expect(reader.verify().problems).toEqual([]);
          } finally {
            reader.close();
          }
        },
      ),
      propertyParams(150),
    );
  });
});
