/**
 * The write-set limits: a transaction buffers at most `writeSetBytesMax` (key + value + 16 bytes
 * per write) and `writeSetWritesMax` writes before it commits; the write that would pass either
 * fails with 54000 and is not buffered. The set's running byte count is checked against a recount from its entries under
 * random writes, overwrites, deletions, savepoints and rollbacks (FC_SEED / FC_PATH replay one).
 */
import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { propertyParams } from "@omnikv/testkit";
import { MemoryMvccStore, TransactionManager } from "@omnikv/txn";
import { WriteSet, writeBytes } from "../src/write-set.ts";
import { b, sqlStateOf } from "./helpers.ts";

type Step =
  | { readonly kind: "set"; readonly key: number; readonly valueLength: number | undefined }
  | { readonly kind: "savepoint" }
  | { readonly kind: "rollback"; readonly depth: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant("set" as const), key: fc.nat({ max: 5 }), valueLength: fc.option(fc.nat({ max: 40 }), { nil: undefined }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("savepoint" as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("rollback" as const), depth: fc.nat({ max: 3 }) }) },
);

describe("write-set limit", () => {
  it("keeps the set's byte count equal to a recount of its entries, through savepoints and rollbacks", () => {
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 80 }), (steps) => {
        const set = new WriteSet();
        const savepoints: number[] = [];
        for (const step of steps) {
          if (step.kind === "set") {
            set.set(`k${step.key}`, step.valueLength === undefined ? null : new Uint8Array(step.valueLength));
          } else if (step.kind === "savepoint") {
            set.setUndoRecording(true);
            savepoints.push(set.undoLength);
          } else {
            const target = savepoints[savepoints.length - 1 - step.depth];
            if (target === undefined) continue;
            savepoints.length -= step.depth;
            set.rollbackTo(target);
          }
          let recount = 0;
          for (const [name, value] of set.entries()) recount += writeBytes(name.length, value);
          expect(set.bytes).toBe(recount);
        }
      }),
      propertyParams(300),
    );
  });

  it("refuses the write that would pass writeSetBytesMax with 54000, buffering nothing of it", async () => {
    // Each write of a 2-byte key and a 100-byte value counts 118 bytes: eight fit in 1,000.
    const manager = new TransactionManager(new MemoryMvccStore(), { writeSetBytesMax: 1000 });
    const txn = await manager.begin({ isolation: "read committed" });
    const value = new Uint8Array(100).fill(0x61);
    for (let i = 0; i < 8; i++) await txn.put(b(`k${i}`), value);
    // Overwriting a key with a value of the same size costs nothing more.
    await txn.put(b("k0"), value);
    const refused = await txn.put(b("k8"), value).then(
      () => "written",
      (error: unknown) => sqlStateOf(error),
    );
    expect(refused).toBe("54000");
    expect(txn.get(b("k8"))).toBeUndefined();
    // A deletion keeps only its key: turning k1's write into one frees its value's 100 bytes.
    await txn.delete(b("k1"));
    await txn.put(b("k8"), value);
    await txn.commit();
    const reader = await manager.begin();
    expect(reader.get(b("k8"))?.length).toBe(100);
    expect(reader.get(b("k1"))).toBeUndefined();
    await reader.commit();
  });

  it("rolling back to a savepoint gives the budget back", async () => {
    const manager = new TransactionManager(new MemoryMvccStore(), { writeSetBytesMax: 1000 });
    const txn = await manager.begin({ isolation: "read committed" });
    const value = new Uint8Array(100);
    txn.savepoint("s");
    for (let i = 0; i < 8; i++) await txn.put(b(`k${i}`), value);
    await expect(txn.put(b("k8"), value)).rejects.toThrow(/write set exceeds the maximum of 1000 bytes/);
    txn.rollbackToSavepoint("s");
    for (let i = 10; i < 18; i++) await txn.put(b(`k${i}`), value);
    await txn.commit();
  });

  it("refuses the write of one key more than writeSetWritesMax, while overwrites still go through", async () => {
    const manager = new TransactionManager(new MemoryMvccStore(), { writeSetWritesMax: 3 });
    const txn = await manager.begin({ isolation: "read committed" });
    for (const key of ["a", "b", "c"]) await txn.put(b(key), b("1"));
    await expect(txn.put(b("d"), b("1"))).rejects.toThrow(/write set exceeds the maximum of 3 writes/);
    await txn.put(b("a"), b("2"));
    await txn.delete(b("b"));
    await txn.commit();
  });

  it("refuses a key or value the store declares too large at the write, not at commit", async () => {
    const store = Object.assign(new MemoryMvccStore(), { writeLimits: { keyBytesMax: 8, valueBytesMax: 16, batchBytesMax: 1024 } });
    const manager = new TransactionManager(store);
    const txn = await manager.begin({ isolation: "read committed" });
    await expect(txn.put(b("123456789"), b("v"))).rejects.toThrow(/key of 9 bytes exceeds the maximum of 8 bytes/);
    await expect(txn.put(b("k"), new Uint8Array(17))).rejects.toThrow(/value of 17 bytes exceeds the maximum of 16 bytes/);
    await expect(txn.delete(b("123456789"))).rejects.toSatisfy((error) => sqlStateOf(error) === "54000");
    // The default write-set limit fits the store's batch: 15/16 of it, 960 bytes = 32 writes of 30.
    for (let i = 0; i < 32; i++) await txn.put(b(`k${String(i).padStart(2, "0")}`), new Uint8Array(11));
    await expect(txn.put(b("k99"), new Uint8Array(11))).rejects.toThrow(/exceeds the maximum of 960 bytes/);
    await txn.commit();
    expect(() => new TransactionManager(store, { writeSetBytesMax: 2048 })).toThrow(/exceeds the store's batch maximum of 1024 bytes/);
  });

  it("refuses a limit that is not a positive integer", () => {
    expect(() => new TransactionManager(new MemoryMvccStore(), { writeSetBytesMax: 0 })).toThrow(/writeSetBytesMax/);
  });
});
