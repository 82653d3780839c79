/**
 * The lock table's grants against a model (per key, a Map of holder → mode): random tryAcquire
 * and release calls of three owners on two keys, without waiting. After each step every owner's
 * held mode matches the model, and a grant happens exactly when the model's compatibility rules
 * allow it. FC_SEED / FC_PATH / FC_NUM_RUNS replay a failure.
 */
import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { propertyParams } from "@omnikv/testkit";
import { LockTable, type LockMode, type LockOwner } from "../src/lock-table.ts";

const owners: readonly LockOwner[] = [{ label: "t1" }, { label: "t2" }, { label: "t3" }];
const keys = ["a", "b"];

type Step =
  | { readonly kind: "acquire"; readonly owner: number; readonly key: string; readonly mode: LockMode }
  | { readonly kind: "release"; readonly owner: number; readonly key: string; readonly keepShare: boolean };

// Mostly key "a" and shared locks, so that keys often have several holders that come and go.
const keyArb = fc.constantFrom("a", "a", "a", "b");
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant("acquire" as const), owner: fc.nat({ max: 2 }), key: keyArb, mode: fc.constantFrom<LockMode>("share", "share", "exclusive") }),
  fc.record({ kind: fc.constant("release" as const), owner: fc.nat({ max: 2 }), key: keyArb, keepShare: fc.constantFrom(false, false, true) }),
);

function modelGrants(holders: Map<number, LockMode>, owner: number, mode: LockMode): boolean {
  const held = holders.get(owner);
  if (held === "exclusive" || held === mode) return true;
  for (const [other, otherMode] of holders) if (other !== owner && (otherMode === "exclusive" || mode === "exclusive")) return false;
  return true;
}

describe("LockTable", () => {
  it("grants and releases as the model does, whoever shares a key", () => {
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 60 }), (steps) => {
        const table = new LockTable();
        const model = new Map<string, Map<number, LockMode>>(keys.map((key) => [key, new Map()]));
        for (const step of steps) {
          const holders = model.get(step.key) ?? new Map<number, LockMode>();
          const owner = owners[step.owner] ?? { label: "?" };
          if (step.kind === "acquire") {
            const isGranted = modelGrants(holders, step.owner, step.mode);
            expect(table.tryAcquire(owner, step.key, step.mode)).toBe(isGranted);
            if (isGranted && holders.get(step.owner) !== "exclusive") holders.set(step.owner, step.mode);
          } else {
            const keep: LockMode | undefined = step.keepShare ? "share" : undefined;
            table.release(owner, step.key, keep);
            if (holders.has(step.owner)) {
              if (keep === undefined) holders.delete(step.owner);
              else holders.set(step.owner, keep);
            }
          }
          for (const key of keys) {
            owners.forEach((one, index) => expect(table.heldMode(one, key), `${one.label} on ${key}`).toBe(model.get(key)?.get(index)));
          }
          expect(table.lockedKeyCount).toBe(keys.filter((key) => (model.get(key)?.size ?? 0) > 0).length);
        }
      }),
      propertyParams(300),
    );
  });
});
