/**
 * Model-based test (fast-check `fc.commands`): random sequences of puts, deletes, atomic batches,
 * point reads, bounded scans (forward, reverse, limited), snapshots taken, read and released,
 * flushes, full compactions and reopens, run against the real store and a sorted-map model with
 * snapshot copies. Tiny memtables and levels make every path run: flush, L0 compaction, level
 * compaction, reads across memtables and tables. A failure prints the seed and the shrunk command
 * list; FC_SEED / FC_PATH replay it.
 */
import { join } from "node:path";
import * as fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { assertDefined } from "@omnikv/base";
import { LsmStore, type LsmOptions, type Snapshot } from "@omnikv/lsm";
import { makeTempDir, propertyParams } from "@omnikv/testkit";

const options: LsmOptions = {
  memTableBytes: 512,
  maxImmutableMemTables: 1,
  targetFileBytes: 1024,
  levelBaseBytes: 4096,
  levelSizeMultiplier: 2,
  l0CompactionTrigger: 2,
  l0SlowdownTrigger: 3,
  l0StopTrigger: 6,
  blockBytes: 256,
  blockCacheBytes: 64 * 1024,
  manifestEditsMax: 5,
  // Batches of a few ops already span several wal records, so reopen replays fragmented batches.
  batchRecordBytes: 64,
};

type Model = { current: Map<string, string>; snapshots: (Map<string, string> | undefined)[] };
interface Real {
  store: LsmStore;
  readonly dir: string;
  snapshots: (Snapshot | undefined)[];
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");
const bytesOf = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, "hex"));
const keyArb = fc.uint8Array({ minLength: 0, maxLength: 3, max: 7 }).map(hex);
const valueArb = fc.uint8Array({ minLength: 0, maxLength: 64 }).map(hex);

function expectedScan(state: ReadonlyMap<string, string>, bounds: ScanBounds): [string, string][] {
  let entries = [...state].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).filter(([k]) => inBounds(k, bounds));
  if (bounds.reverse) entries = entries.toReversed();
  return bounds.limit === undefined ? entries : entries.slice(0, bounds.limit);
}

interface ScanBounds {
  readonly low?: string;
  readonly isLowInclusive: boolean;
  readonly high?: string;
  readonly isHighInclusive: boolean;
  readonly reverse: boolean;
  readonly limit?: number;
}

function inBounds(key: string, b: ScanBounds): boolean {
  if (b.low !== undefined && (b.isLowInclusive ? key < b.low : key <= b.low)) return false;
  if (b.high !== undefined && (b.isHighInclusive ? key > b.high : key >= b.high)) return false;
  return true;
}

function realScan(store: LsmStore, b: ScanBounds, snapshot?: Snapshot): [string, string][] {
  const out: [string, string][] = [];
  const scanOptions = {
    ...(b.low === undefined ? {} : b.isLowInclusive ? { gte: bytesOf(b.low) } : { gt: bytesOf(b.low) }),
    ...(b.high === undefined ? {} : b.isHighInclusive ? { lte: bytesOf(b.high) } : { lt: bytesOf(b.high) }),
    reverse: b.reverse,
    ...(b.limit === undefined ? {} : { limit: b.limit }),
    ...(snapshot === undefined ? {} : { snapshot }),
  };
  for (const [k, v] of store.scan(scanOptions)) out.push([hex(k), hex(v)]);
  return out;
}

const boundsArb: fc.Arbitrary<ScanBounds> = fc.record({
  low: fc.option(keyArb, { nil: undefined }),
  isLowInclusive: fc.boolean(),
  high: fc.option(keyArb, { nil: undefined }),
  isHighInclusive: fc.boolean(),
  reverse: fc.boolean(),
  limit: fc.option(fc.integer({ min: 0, max: 10 }), { nil: undefined }),
}).map((b) => {
  const out: { -readonly [K in keyof ScanBounds]: ScanBounds[K] } = { isLowInclusive: b.isLowInclusive, isHighInclusive: b.isHighInclusive, reverse: b.reverse };
  if (b.low !== undefined) out.low = b.low;
  if (b.high !== undefined) out.high = b.high;
  if (b.limit !== undefined) out.limit = b.limit;
  return out;
});

type Command = fc.AsyncCommand<Model, Real>;

const commands: fc.Arbitrary<Command>[] = [
  fc.tuple(keyArb, valueArb).map(([k, v]): Command => ({
    check: () => true,
    run: async (m, r) => {
      await r.store.put(bytesOf(k), bytesOf(v));
      m.current.set(k, v);
    },
    toString: () => `put(${k}, ${v.slice(0, 8)})`,
  })),
  keyArb.map((k): Command => ({
    check: () => true,
    run: async (m, r) => {
      await r.store.delete(bytesOf(k));
      m.current.delete(k);
    },
    toString: () => `delete(${k})`,
  })),
  fc.array(fc.tuple(keyArb, fc.option(valueArb, { nil: undefined })), { minLength: 1, maxLength: 6 }).map((ops): Command => ({
    check: () => true,
    run: async (m, r) => {
      await r.store.write(ops.map(([k, v]) => (v === undefined ? { type: "del" as const, key: bytesOf(k) } : { type: "put" as const, key: bytesOf(k), value: bytesOf(v) })));
      for (const [k, v] of ops) if (v === undefined) m.current.delete(k); else m.current.set(k, v);
    },
    toString: () => `batch(${ops.map(([k, v]) => (v === undefined ? `-${k}` : `+${k}`)).join(" ")})`,
  })),
  keyArb.map((k): Command => ({
    check: () => true,
    run: (m, r) => {
      const got = r.store.get(bytesOf(k));
      expect(got === undefined ? undefined : hex(got)).toBe(m.current.get(k));
      return Promise.resolve();
    },
    toString: () => `get(${k})`,
  })),
  boundsArb.map((b): Command => ({
    check: () => true,
    run: (m, r) => {
      expect(realScan(r.store, b)).toEqual(expectedScan(m.current, b));
      return Promise.resolve();
    },
    toString: () => `scan(${JSON.stringify(b)})`,
  })),
  fc.constant<Command>({
    check: () => true,
    run: (m, r) => {
      r.snapshots.push(r.store.snapshot());
      m.snapshots.push(new Map(m.current));
      return Promise.resolve();
    },
    toString: () => "snapshot()",
  }),
  fc.tuple(fc.nat(), keyArb, boundsArb).map(([index, k, b]): Command => ({
    check: (m) => m.snapshots.some((s) => s !== undefined),
    run: (m, r) => {
      const live = m.snapshots.flatMap((s, i) => (s === undefined ? [] : [i]));
      const i = assertDefined(live[index % live.length], "a live snapshot");
      const snapshot = assertDefined(r.snapshots[i], "the snapshot is live");
      const state = assertDefined(m.snapshots[i], "the model snapshot is live");
      const got = r.store.get(bytesOf(k), { snapshot });
      expect(got === undefined ? undefined : hex(got)).toBe(state.get(k));
      expect(realScan(r.store, b, snapshot)).toEqual(expectedScan(state, b));
      return Promise.resolve();
    },
    toString: () => `readSnapshot(${index}, ${k})`,
  })),
  fc.nat().map((index): Command => ({
    check: (m) => m.snapshots.some((s) => s !== undefined),
    run: (m, r) => {
      const live = m.snapshots.flatMap((s, i) => (s === undefined ? [] : [i]));
      const i = assertDefined(live[index % live.length], "a live snapshot");
      r.snapshots[i]?.release();
      r.snapshots[i] = undefined;
      m.snapshots[i] = undefined;
      return Promise.resolve();
    },
    toString: () => `releaseSnapshot(${index})`,
  })),
  fc.constant<Command>({ check: () => true, run: async (_m, r) => r.store.flush(), toString: () => "flush()" }),
  fc.constant<Command>({ check: () => true, run: async (_m, r) => r.store.compact(), toString: () => "compact()" }),
  fc.constant<Command>({
    check: () => true,
    run: async (m, r) => {
      await r.store.close();
      r.store = await LsmStore.open(r.dir, options);
      r.snapshots = [];
      m.snapshots = [];
      expect(r.store.verify().problems).toEqual([]);
    },
    toString: () => "reopen()",
  }),
];

describe("lsm store against a sorted-map model", () => {
  const temp = makeTempDir("lsm-model");
  afterAll(() => temp.cleanup());
  let run = 0;

  it("agrees with the model under puts, deletes, batches, snapshots, flushes, compactions and reopens", async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 60 }), async (cmds) => {
        const dir = join(temp.path, `run-${run++}`);
        const real: Real = { store: await LsmStore.open(dir, options), dir, snapshots: [] };
        try {
          await fc.asyncModelRun(() => ({ model: { current: new Map(), snapshots: [] }, real }), cmds);
          expect(real.store.verify().problems).toEqual([]);
        } finally {
          await real.store.close();
        }
      }),
      propertyParams(60),
    );
  });
});
