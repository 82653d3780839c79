import { describe, expect, it } from "vitest";
import { MemoryMvccStore, TransactionManager, TxnArgumentError } from "@omnikv/txn";
import { b, settle, sqlStateOf, text, view } from "./helpers.ts";

async function seeded(entries: Record<string, string>, options: ConstructorParameters<typeof TransactionManager>[1] = {}): Promise<TransactionManager> {
  const store = new MemoryMvccStore();
  await store.write(Object.entries(entries).map(([key, value]) => ({ type: "put" as const, key: b(key), value: b(value) })));
  return new TransactionManager(store, options);
}

describe("Transaction", () => {
  it("reads its own writes first, in gets and in merged scans", async () => {
    const manager = await seeded({ a: "1", c: "3", e: "5" });
    const txn = await manager.begin();
    await txn.put(b("b"), b("2"));
    await txn.put(b("c"), b("33"));
    await txn.delete(b("e"));
    await txn.put(b("f"), b("6"));
    expect(text(txn.get(b("c")))).toBe("33");
    expect(txn.get(b("e"))).toBeUndefined();
    expect(view(txn)).toEqual(["a=1", "b=2", "c=33", "f=6"]);
    expect([...txn.scan({ reverse: true, limit: 3 })].map(([k]) => text(k))).toEqual(["f", "c", "b"]);
    expect([...txn.scan({ gte: b("b"), lt: b("f") })].map(([k]) => text(k))).toEqual(["b", "c"]);
    await txn.commit();
    const after = await manager.begin();
    expect(view(after)).toEqual(["a=1", "b=2", "c=33", "f=6"]);
    expect(txn.commitSequence).toBeGreaterThan(0);
  });

  it("owns what it buffers: a caller changing its key or value arrays after a write changes nothing", async () => {
    const manager = await seeded({});
    const txn = await manager.begin();
    const key = b("k1");
    const value = b("v1");
    await txn.put(key, value);
    const deleted = b("k2");
    await txn.put(deleted, b("x"));
    await txn.delete(deleted);
    key.set(b("k9"));
    value.set(b("zz"));
    deleted.set(b("k3"));
    expect(text(txn.get(b("k1")))).toBe("v1");
    expect(txn.get(b("k9"))).toBeUndefined();
    const scanned = [...txn.scan()];
    expect(scanned.map(([k, v]) => `${text(k)}=${text(v)}`)).toEqual(["k1=v1"]);
    // Keys a scan returns are the caller's to keep (and change): the write set is not affected.
    scanned[0]?.[0].set(b("k7"));
    await txn.commit();
    expect(view(await manager.begin())).toEqual(["k1=v1"]);
  });

  it("keeps a snapshot under REPEATABLE READ and takes one per statement under READ COMMITTED", async () => {
    const manager = await seeded({ k: "old" });
    const rr = await manager.begin({ isolation: "repeatable read" });
    const rc = await manager.begin({ isolation: "read committed" });
    const writer = await manager.begin();
    await writer.put(b("k"), b("new"));
    await writer.commit();
    rc.beginStatement();
    expect(text(rr.get(b("k")))).toBe("old");
    expect(text(rc.get(b("k")))).toBe("new");
  });

  it("a second writer waits; under REPEATABLE READ it fails with 40001 when the first commits, under READ COMMITTED it proceeds", async () => {
    for (const [isolation, expected] of [
      ["repeatable read", "40001"],
      ["serializable", "40001"],
      ["read committed", "ok"],
    ] as const) {
      const manager = await seeded({ k: "0" });
      const first = await manager.begin({ isolation });
      const second = await manager.begin({ isolation });
      await first.put(b("k"), b("1"));
      const waiting = second.put(b("k"), b("2"));
      expect((await settle(waiting)).state).toBe("pending");
      await first.commit();
      const outcome = await settle(waiting);
      expect(outcome.state === "rejected" ? outcome.sqlState : "ok", isolation).toBe(expected);
    }
  });

  it("a REPEATABLE READ transaction that begins while a commit is in flight still conflicts with it (40001)", async () => {
    const manager = await seeded({ k: "0" });
    const first = await manager.begin({ isolation: "read committed" });
    await first.put(b("k"), b("1"));
    // The commit's durable store write takes an event-loop turn: the second snapshot misses it.
    const committing = first.commit();
    const second = await manager.begin({ isolation: "repeatable read" });
    expect(text(second.get(b("k")))).toBe("0");
    const write = second.put(b("k"), b("2"));
    await committing;
    expect(await settle(write)).toEqual({ state: "rejected", sqlState: "40001" });
  });

  it("enters a commit's keys for write-conflict checks only while a snapshot misses it", async () => {
    const manager = await seeded({ k: "0" });
    const reader = await manager.begin({ isolation: "read committed" });
    const onlyReadCommitted = await manager.begin({ isolation: "read committed" });
    await onlyReadCommitted.put(b("a"), b("1"));
    await onlyReadCommitted.commit();
    expect(manager.stats().writeConflictKeys).toBe(0);
    const repeatable = await manager.begin({ isolation: "repeatable read" });
    const missed = await manager.begin({ isolation: "read committed" });
    await missed.put(b("b"), b("1"));
    await missed.put(b("k"), b("1"));
    await missed.commit();
    expect(manager.stats().writeConflictKeys).toBe(2);
    await expect(repeatable.put(b("k"), b("2"))).rejects.toMatchObject({ sqlState: "40001" });
    repeatable.rollback();
    reader.rollback();
    expect(manager.stats().writeConflictKeys).toBe(0);
  });

  it("putFresh writes without a row lock, and is otherwise a write: own reads, savepoints, later locks, write conflicts", async () => {
    const manager = await seeded({});
    const repeatable = await manager.begin({ isolation: "repeatable read" });
    const txn = await manager.begin({ isolation: "read committed" });
    await txn.putFresh(b("r1"), b("1"));
    txn.savepoint("s");
    await txn.putFresh(b("r2"), b("2"));
    expect(manager.stats().lockedKeys).toBe(0);
    expect(view(txn)).toEqual(["r1=1", "r2=2"]);
    txn.rollbackToSavepoint("s");
    expect(view(txn)).toEqual(["r1=1"]);
    await txn.put(b("r1"), b("11"));
    expect(manager.stats().lockedKeys).toBe(1);
    await txn.commit();
    expect(manager.stats().lockedKeys).toBe(0);
    await expect(repeatable.put(b("r1"), b("x"))).rejects.toMatchObject({ sqlState: "40001" });
    const reader = await manager.begin();
    expect(view(reader)).toEqual(["r1=11"]);
    await reader.commit();
  });

  it("a waiter proceeds when the first writer rolls back", async () => {
    const manager = await seeded({ k: "0" });
    const first = await manager.begin({ isolation: "repeatable read" });
    const second = await manager.begin({ isolation: "repeatable read" });
    await first.put(b("k"), b("1"));
    const waiting = second.put(b("k"), b("2"));
    first.rollback();
    expect((await settle(waiting)).state).toBe("fulfilled");
    await second.commit();
    expect(text((await manager.begin()).get(b("k")))).toBe("2");
  });

  it("restores writes and locks exactly on ROLLBACK TO SAVEPOINT, with nested savepoints", async () => {
    const manager = await seeded({ a: "1" });
    const txn = await manager.begin();
    await txn.put(b("a"), b("2"));
    txn.savepoint("s1");
    await txn.put(b("a"), b("3"));
    await txn.put(b("b"), b("x"));
    txn.savepoint("s2");
    await txn.delete(b("a"));
    await txn.put(b("c"), b("y"));
    expect(view(txn)).toEqual(["b=x", "c=y"]);
    txn.rollbackToSavepoint("s2");
    expect(view(txn)).toEqual(["a=3", "b=x"]);
    txn.rollbackToSavepoint("s1");
    expect(view(txn)).toEqual(["a=2"]);
    // The lock on b, taken after s1, is released: another transaction can write b at once.
    const other = await manager.begin();
    expect((await settle(other.put(b("b"), b("z")))).state).toBe("fulfilled");
    // s1 survives ROLLBACK TO; s2 is gone.
    expect(() => txn.rollbackToSavepoint("s2")).toThrow(/savepoint "s2" does not exist/);
    txn.rollbackToSavepoint("s1");
    txn.releaseSavepoint("s1");
    expect(() => txn.releaseSavepoint("s1")).toThrow(expect.objectContaining({ sqlState: "3B001" }));
    await txn.commit();
    await other.commit();
    expect(view(await manager.begin())).toEqual(["a=2", "b=z"]);
  });

  it("refuses writes in READ ONLY transactions (25006) and work after the end (25000, 25P02)", async () => {
    const manager = await seeded({});
    const readOnly = await manager.begin({ readOnly: true });
    await expect(readOnly.put(b("k"), b("v"))).rejects.toMatchObject({ sqlState: "25006" });
    await expect(readOnly.lock(b("k"))).rejects.toMatchObject({ sqlState: "25006" });
    await readOnly.commit();
    expect(() => readOnly.get(b("k"))).toThrow(expect.objectContaining({ sqlState: "25000" }));
    const rolledBack = await manager.begin();
    rolledBack.rollback();
    rolledBack.rollback();
    expect(() => rolledBack.get(b("k"))).toThrow(expect.objectContaining({ sqlState: "25P02" }));
    expect(() => new TransactionManager(new MemoryMvccStore(), { lockTimeoutMs: -1 })).toThrow(TxnArgumentError);
  });

  it("FOR UPDATE NOWAIT fails with 55P03, SKIP LOCKED skips, FOR SHARE locks coexist", async () => {
    const manager = await seeded({ k: "v" });
    const holder = await manager.begin({ isolation: "read committed" });
    const other = await manager.begin({ isolation: "read committed" });
    expect(await holder.lock(b("k"), { mode: "share" })).toBe(true);
    expect(await other.lock(b("k"), { mode: "share", wait: "nowait" })).toBe(true);
    await expect(other.lock(b("k"), { mode: "update", wait: "nowait" })).rejects.toMatchObject({ sqlState: "55P03" });
    expect(await other.lock(b("k"), { mode: "update", wait: "skip" })).toBe(false);
    await holder.commit();
    expect(await other.lock(b("k"), { mode: "update", wait: "nowait" })).toBe(true);
    await other.commit();
  });

  it("detects a deadlock when a wait would close a cycle (40P01) and lets the survivor finish", async () => {
    const manager = await seeded({ a: "0", b: "0" });
    const t1 = await manager.begin({ isolation: "read committed" });
    const t2 = await manager.begin({ isolation: "read committed" });
    await t1.put(b("a"), b("1"));
    await t2.put(b("b"), b("2"));
    const t1Waits = t1.put(b("b"), b("1"));
    expect((await settle(t1Waits)).state).toBe("pending");
    await expect(t2.put(b("a"), b("2"))).rejects.toMatchObject({ sqlState: "40P01" });
    t2.rollback();
    expect((await settle(t1Waits)).state).toBe("fulfilled");
    await t1.commit();
    expect(view(await manager.begin())).toEqual(["a=1", "b=1"]);
  });

  it("with a deadlock timeout, the longest waiter is the victim once its timeout passes (PostgreSQL's rule)", async () => {
    const manager = await seeded({ a: "0", b: "0" }, { deadlockTimeoutMs: 50 });
    const t1 = await manager.begin({ isolation: "read committed" });
    const t2 = await manager.begin({ isolation: "read committed" });
    await t1.put(b("a"), b("1"));
    await t2.put(b("b"), b("2"));
    const t1Waits = t1.put(b("b"), b("1"));
    const t2Waits = t2.put(b("a"), b("2"));
    // Both wait: the cycle exists, but nobody has looked for it yet.
    expect((await settle(t1Waits)).state).toBe("pending");
    expect((await settle(t2Waits)).state).toBe("pending");
    await expect(t1Waits).rejects.toMatchObject({ sqlState: "40P01" });
    t1.rollback();
    await t2Waits;
    await t2.commit();
    expect(view(await manager.begin())).toEqual(["a=2", "b=2"]);
  });

  it("detects a three-transaction deadlock, through queued waiters too", async () => {
    const manager = await seeded({});
    const [t1, t2, t3] = await Promise.all([manager.begin(), manager.begin(), manager.begin()]);
    await t1.put(b("x"), b("1"));
    await t2.put(b("y"), b("2"));
    await t3.put(b("z"), b("3"));
    const w1 = t1.put(b("y"), b("1"));
    const w2 = t2.put(b("z"), b("2"));
    expect((await settle(w1)).state).toBe("pending");
    expect((await settle(w2)).state).toBe("pending");
    await expect(t3.put(b("x"), b("3"))).rejects.toMatchObject({ sqlState: "40P01" });
    t3.rollback();
    expect((await settle(w2)).state).toBe("fulfilled");
    t2.rollback();
    expect((await settle(w1)).state).toBe("fulfilled");
    t1.rollback();
  });

  it("gives up a lock wait after lockTimeoutMs with 55P03, and the holder is unaffected", async () => {
    const manager = await seeded({ k: "0" }, { lockTimeoutMs: 30 });
    const holder = await manager.begin();
    const waiter = await manager.begin();
    await holder.put(b("k"), b("1"));
    const started = Date.now();
    const error: unknown = await waiter.put(b("k"), b("2")).catch((e: unknown) => e);
    expect(sqlStateOf(error)).toBe("55P03");
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    await holder.commit();
    expect(manager.stats().lockWaiters).toBe(0);
  });

  it("getForUpdate under READ COMMITTED returns the newest committed version", async () => {
    const manager = await seeded({ n: "1" });
    const t1 = await manager.begin({ isolation: "read committed" });
    const t2 = await manager.begin({ isolation: "read committed" });
    expect(text(await t1.getForUpdate(b("n")))).toBe("1");
    await t1.put(b("n"), b("2"));
    const pending = t2.getForUpdate(b("n"));
    await t1.commit();
    expect(text(await pending)).toBe("2");
    await t2.put(b("n"), b("3"));
    await t2.commit();
    expect(text((await manager.begin()).get(b("n")))).toBe("3");
  });

  it("rolling back a transaction waiting for a lock rejects its wait", async () => {
    const manager = await seeded({});
    const holder = await manager.begin();
    const waiter = await manager.begin();
    await holder.put(b("k"), b("1"));
    const waiting = waiter.put(b("k"), b("2"));
    waiter.rollback();
    expect(await settle(waiting)).toEqual({ state: "rejected", sqlState: "25000" });
    await holder.commit();
  });
});

describe("READ ONLY DEFERRABLE", () => {
  it("waits for concurrent serializable writers, then runs on a safe snapshot", async () => {
    const manager = await seeded({ x: "0" });
    const writer = await manager.begin();
    await writer.put(b("x"), b("1"));
    const deferred = manager.begin({ isolation: "serializable", readOnly: true, deferrable: true });
    expect((await settle(deferred)).state).toBe("pending");
    await writer.commit();
    // Safe: the writer had no rw-conflict out, so the snapshot taken at BEGIN is used.
    const reader = await deferred;
    expect(text(reader.get(b("x")))).toBe("0");
    await reader.commit();
  });

  it("retries with a new snapshot when a concurrent writer commits with a conflict out to an earlier commit", async () => {
    const manager = await seeded({ x: "0", y: "0" });
    const pivot = await manager.begin();
    expect(text(pivot.get(b("y")))).toBe("0");
    const earlier = await manager.begin();
    await earlier.put(b("y"), b("1"));
    await earlier.commit();
    await pivot.put(b("x"), b("1"));
    const deferred = manager.begin({ isolation: "serializable", readOnly: true, deferrable: true });
    expect((await settle(deferred)).state).toBe("pending");
    await pivot.commit();
    // The first snapshot (y=1 without x=1) would show an order no serial execution has.
    const reader = await deferred;
    expect([text(reader.get(b("x"))), text(reader.get(b("y")))]).toEqual(["1", "1"]);
    expect(manager.stats().rollbacks).toBe(1);
  });

  it("begins at once when no serializable writer is active", async () => {
    const manager = await seeded({ x: "0" });
    const reader = await manager.begin({ isolation: "serializable", readOnly: true, deferrable: true });
    expect(text(reader.get(b("x")))).toBe("0");
  });
});

describe("MemoryMvccStore", () => {
  it("makes batches visible in sequence order when a non-durable write follows a durable one", async () => {
    const store = new MemoryMvccStore();
    const durable = store.write([{ type: "put", key: b("a"), value: b("1") }], { sync: true });
    const fast = store.write([{ type: "put", key: b("b"), value: b("2") }], { sync: false });
    expect(await fast).toBe(2);
    expect(await durable).toBe(1);
    expect(text(store.get(b("a")))).toBe("1");
  });
});

describe("TransactionManager.activeEnded", () => {
  it("resolves once every transaction active at the call has ended, and waits for none begun later", async () => {
    const manager = await seeded({ a: "1" });
    expect(await settle(manager.activeEnded())).toEqual({ state: "fulfilled", value: undefined });
    const first = await manager.begin();
    const second = await manager.begin({ isolation: "read committed" });
    const ended = manager.activeEnded();
    const later = await manager.begin();
    await first.put(b("a"), b("2"));
    await first.commit();
    expect(await settle(ended)).toEqual({ state: "pending" });
    second.rollback();
    expect(await settle(ended)).toEqual({ state: "fulfilled", value: undefined });
    expect(later.status).toBe("active");
    // A waiter taken now waits for `later` alone.
    const laterEnded = manager.activeEnded();
    expect(await settle(laterEnded)).toEqual({ state: "pending" });
    await later.commit();
    expect(await settle(laterEnded)).toEqual({ state: "fulfilled", value: undefined });
  });
});

describe("Transaction.readNewestIn", () => {
  it("reads a range it fills outside its write set at the newest state, under REPEATABLE READ too", async () => {
    const store = new MemoryMvccStore();
    await store.write([{ type: "put", key: b("a1"), value: b("old") }]);
    const manager = new TransactionManager(store);
    const txn = await manager.begin({ isolation: "repeatable read" });
    expect(text(txn.get(b("a1")))).toBe("old");
    // Written straight to the store after the snapshot: invisible until the range is declared.
    await store.write([{ type: "put", key: b("f1"), value: b("direct") }, { type: "put", key: b("a2"), value: b("other") }]);
    expect(txn.get(b("f1"))).toBeUndefined();
    txn.readNewestIn(b("f"), b("g"));
    expect(text(txn.get(b("f1")))).toBe("direct");
    expect([...txn.scan({ gte: b("f"), lt: b("g") })].map(([k]) => text(k))).toEqual(["f1"]);
    // Outside the range, and a scan only partly inside it, keep the snapshot.
    expect(txn.get(b("a2"))).toBeUndefined();
    expect([...txn.scan({ gte: b("a"), lt: b("g") })].map(([k]) => text(k))).toEqual(["a1"]);
    // Its own writes still come first.
    await txn.delete(b("f1"));
    expect(txn.get(b("f1"))).toBeUndefined();
    expect([...txn.scan({ gte: b("f"), lt: b("g") })]).toEqual([]);
    await txn.commit();
    expect(store.get(b("f1"))).toBeUndefined();
  });
});

describe("Transaction.retakeSnapshot", () => {
  it("moves a REPEATABLE READ transaction that has written nothing to a snapshot taken now, and refuses once it has written", async () => {
    const manager = await seeded({ a: "1" });
    const txn = await manager.begin({ isolation: "repeatable read" });
    const other = await manager.begin();
    await other.put(b("a"), b("2"));
    await other.commit();
    expect(text(txn.get(b("a")))).toBe("1");
    txn.retakeSnapshot();
    expect(text(txn.get(b("a")))).toBe("2");
    await txn.put(b("c"), b("3"));
    expect(() => txn.retakeSnapshot()).toThrow("only a transaction that has written nothing retakes its snapshot");
    txn.rollback();
  });
});

describe("Transaction.hasWritesIn", () => {
  it("tells whether a buffered write or deletion lies in a range, with few and many writes, and after ROLLBACK TO", async () => {
    const manager = await seeded({ m1: "x" });
    const txn = await manager.begin();
    expect(txn.hasWritesIn(b("a"), b("z"))).toBe(false);
    await txn.delete(b("m1"));
    expect([txn.hasWritesIn(b("m"), b("n")), txn.hasWritesIn(b("m2"), b("n")), txn.hasWritesIn(b("a"), b("m1"))]).toEqual([true, false, false]);
    txn.savepoint("s");
    // Past eight writes the check binary-searches the sorted keys instead of looking at each.
    for (let i = 0; i < 20; i += 1) await txn.put(b(`q${String(i).padStart(2, "0")}`), b("v"));
    expect([txn.hasWritesIn(b("q05"), b("q06")), txn.hasWritesIn(b("q20"), b("r")), txn.hasWritesIn(b("p"), b("q"))]).toEqual([true, false, false]);
    txn.rollbackToSavepoint("s");
    expect([txn.hasWritesIn(b("q"), b("r")), txn.hasWritesIn(b("m"), b("n"))]).toEqual([false, true]);
    txn.rollback();
  });
});

describe("Transaction.setReadOnly", () => {
  it("refuses later writes and locks (25006), keeps earlier writes, and ROLLBACK TO an earlier savepoint undoes it", async () => {
    const manager = await seeded({ a: "1" });
    const txn = await manager.begin();
    await txn.put(b("b"), b("2"));
    txn.savepoint("s");
    txn.setReadOnly();
    expect(txn.isReadOnly).toBe(true);
    await expect(txn.put(b("c"), b("3"))).rejects.toMatchObject({ sqlState: "25006" });
    await expect(txn.lock(b("a"))).rejects.toMatchObject({ sqlState: "25006" });
    txn.rollbackToSavepoint("s");
    expect(txn.isReadOnly).toBe(false);
    await txn.put(b("d"), b("4"));
    txn.setReadOnly();
    await txn.commit();
    const after = await manager.begin();
    expect(view(after)).toEqual(["a=1", "b=2", "d=4"]);
  });
});

describe("Transaction.lockObject", () => {
  it("share locks coexist, exclusive waits for them (read-only holders too) and they for it; released at the end", async () => {
    const manager = await seeded({});
    const key = b("\u0000lock");
    const reader = await manager.begin({ readOnly: true });
    const writer = await manager.begin();
    await reader.lockObject(key, "share");
    await writer.lockObject(key, "share");
    const ddl = await manager.begin();
    const exclusive = ddl.lockObject(key, "exclusive", { what: 'relation "t"' });
    expect(await settle(exclusive)).toEqual({ state: "pending" });
    await reader.commit();
    expect(await settle(exclusive)).toEqual({ state: "pending" });
    writer.rollback();
    expect(await settle(exclusive)).toEqual({ state: "fulfilled", value: undefined });
    const late = await manager.begin();
    const shared = late.lockObject(key, "share");
    expect(await settle(shared)).toEqual({ state: "pending" });
    await ddl.commit();
    expect(await settle(shared)).toEqual({ state: "fulfilled", value: undefined });
    // A wait past its timeout names what it waited for.
    const other = await manager.begin();
    await expect(other.lockObject(key, "exclusive", { timeoutMs: 20, what: 'relation "t"' })).rejects.toMatchObject({ sqlState: "55P03", detail: 'waiting for relation "t"' });
  });
});

describe("Transaction.commit beforeRelease", () => {
  it("runs with the commit's sequence after the commit applies and before a lock waiter wakes", async () => {
    const manager = await seeded({});
    const key = b("\u0000lock");
    const ddl = await manager.begin();
    await ddl.lockObject(key, "exclusive");
    await ddl.put(b("k"), b("v"));
    let published: number | undefined;
    let waitersThen: number[] = [];
    const writer = await manager.begin();
    const waited = writer.lockObject(key, "share").then(() => published);
    await ddl.commit({
      beforeRelease: (sequence) => {
        published = sequence;
        // Still held: the writer waits for this very transaction.
        waitersThen = manager.waitsFor(Number(writer.id));
      },
    });
    expect(waitersThen).toEqual([Number(ddl.id)]);
    expect(await waited).toBe(ddl.commitSequence);
    expect(published).toBeGreaterThan(0);
    await writer.commit();
    // A callback that throws: the commit stands, its locks go, and commit rejects with the error.
    const failing = await manager.begin();
    await failing.lockObject(key, "exclusive");
    await failing.put(b("k2"), b("v2"));
    await expect(
      failing.commit({
        beforeRelease: () => {
          throw new Error("publish failed");
        },
      }),
    ).rejects.toThrow("publish failed");
    expect(failing.status).toBe("committed");
    const next = await manager.begin();
    await next.lockObject(key, "exclusive", { timeoutMs: 50 });
    expect(text(next.get(b("k2")))).toBe("v2");
  });
});
