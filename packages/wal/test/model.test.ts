/**
 * Model-based property test: random sequences of appends (synced or not, single or batched),
 * replays from random LSNs, reopens and truncations, checked against an in-memory array of the
 * records. Tiny random segment sizes make rotation happen all the time. fast-check prints the seed
 * and shrunk counterexample of a failure; FC_SEED / FC_PATH / FC_NUM_RUNS replay it.
 */
import { join } from "node:path";
import * as fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { lsn } from "@omnikv/base";
import { Wal } from "@omnikv/wal";
import { makeTempDir, propertyParams } from "@omnikv/testkit";

type Op =
  | { readonly kind: "append"; readonly payloads: readonly Uint8Array[]; readonly isSync: boolean; readonly isAwaited: boolean }
  | { readonly kind: "replay"; readonly fromFraction: number }
  | { readonly kind: "reopen" }
  | { readonly kind: "truncate"; readonly fraction: number };

const payloadArb = fc.uint8Array({ minLength: 0, maxLength: 200 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant("append" as const), payloads: fc.array(payloadArb, { minLength: 1, maxLength: 5 }), isSync: fc.boolean(), isAwaited: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("replay" as const), fromFraction: fc.double({ min: 0, max: 1, noNaN: true }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: "reopen" as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("truncate" as const), fraction: fc.double({ min: 0, max: 1.2, noNaN: true }) }) },
);

/** The model: every record ever appended, by LSN - 1, and the oldest LSN the log must still hold. */
interface Model {
  readonly records: Uint8Array[];
  mustKeepFrom: bigint;
}

function checkReplay(wal: Wal, model: Model, from: bigint): void {
  const replayed = [...wal.replay(lsn(from))];
  const start = from > wal.firstLsn ? from : wal.firstLsn;
  expect(wal.firstLsn).toBeLessThanOrEqual(model.mustKeepFrom);
  expect(replayed.map((r) => r.lsn)).toEqual(Array.from({ length: model.records.length - Number(start) + 1 }, (_, i) => start + BigInt(i)));
  for (const record of replayed) expect(record.payload).toEqual(model.records[Number(record.lsn) - 1]);
}

describe("wal against an array model", () => {
  const temp = makeTempDir("wal-model");
  afterAll(() => temp.cleanup());
  let runIndex = 0;

  it("replays exactly what was appended, across reopens, rotations and truncations", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 40 }), fc.integer({ min: 64, max: 2048 }), async (ops, segmentBytesTarget) => {
        const dir = join(temp.path, `run-${runIndex++}`);
        const options = { segmentBytesTarget };
        let wal = await Wal.open(dir, options);
        const model: Model = { records: [], mustKeepFrom: 1n };
        const inFlight: Promise<unknown>[] = [];
        try {
          for (const op of ops) {
            switch (op.kind) {
              case "append": {
                const expectedLast = BigInt(model.records.length + op.payloads.length);
                model.records.push(...op.payloads.map((p) => p.slice()));
                const done = wal.append(op.payloads, { sync: op.isSync }).then((last) => expect(last).toBe(expectedLast));
                if (op.isAwaited) await done;
                else inFlight.push(done);
                break;
              }
              case "replay":
                checkReplay(wal, model, 1n + BigInt(Math.floor(op.fromFraction * model.records.length)));
                break;
              case "reopen":
                await wal.close();
                await Promise.all(inFlight.splice(0));
                wal = await Wal.open(dir, options);
                expect(wal.nextLsn).toBe(BigInt(model.records.length + 1));
                break;
              case "truncate": {
                await Promise.all(inFlight.splice(0));
                const before = 1n + BigInt(Math.floor(op.fraction * model.records.length));
                await wal.truncateBefore(lsn(before));
                if (before > model.mustKeepFrom) model.mustKeepFrom = before > BigInt(model.records.length) ? BigInt(model.records.length) + 1n : before;
                break;
              }
            }
          }
          await Promise.all(inFlight.splice(0));
          checkReplay(wal, model, 1n);
        } finally {
          await wal.close();
          await Promise.allSettled(inFlight);
        }
      }),
      propertyParams(100),
    );
  });
});
