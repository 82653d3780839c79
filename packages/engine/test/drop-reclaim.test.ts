/**
 * DROP TABLE and DROP INDEX leave the dropped keys to the reclaimer (src/storage/range-reclaimer.ts):
 * the drop is a transaction of a few keys whatever the table's size, and the keys are deleted
 * after it commits — not before every transaction that was active at the commit has ended, and
 * resumed after a crash (a child SIGKILLed mid-way) or a close.
 */
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { LsmStore } from "@omnikv/lsm";
import { CrashChild, makeTempDir, withSeed, type TempDir } from "@omnikv/testkit";
import type { MvccStore } from "@omnikv/txn";
import { Database, type Session } from "../src/index.ts";
import { reclaimMarkerKey, reclaimMarkersEnd, reclaimMarkersStart, relationEnd, relationPrefix } from "../src/storage/keys.ts";
import { countKeys, orphanIds, storageOf } from "./relation-keys.ts";

const child = join(import.meta.dirname, "fixtures", "drop-reclaim.mjs");
const dirs: TempDir[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) dir.cleanup();
});


function markerIds(store: Pick<MvccStore, "scan">): number[] {
  return [...store.scan({ gte: reclaimMarkersStart, lt: reclaimMarkersEnd })].map(([key]) => new DataView(key.buffer, key.byteOffset + key.length - 4).getUint32(0));
}

/** The ids of table `name` and of its indexes. */
function storageIds(db: Database, name: string): number[] {
  const id = db.catalog.relationId("public", name);
  const table = id === undefined ? undefined : db.catalog.objects.get(id);
  if (table?.kind !== "table") throw new Error(`no table ${name}`);
  return [table.id, ...table.indexes.map((index) => index.id)];
}

async function load(session: Session, rows: number): Promise<void> {
  await session.query("CREATE TABLE big (id int PRIMARY KEY, tag text); CREATE INDEX big_tag ON big (tag)");
  for (let from = 1; from <= rows; from += 500) {
    await session.query(`INSERT INTO big SELECT g, 'tag ' || (g % 97) FROM generate_series(${from}, ${Math.min(rows, from + 499)}) g`);
  }
}

describe("dropping a table or an index", () => {
  it("drops a table with more rows and entries than a transaction may write, and then deletes its keys", async () => {
    const db = await Database.open({ writeSetWritesMax: 2000, reclaimBatchKeys: 300 });
    const session = db.connect();
    await load(session, 3000);
    const ids = storageIds(db, "big");
    expect(ids.map((id) => countKeys(db.store, id))).toEqual([3000, 3000]);
    // Deleting them in the transaction, as before, wrote 6,000 keys: past the limit (54000).
    await expect(session.query("DELETE FROM big")).rejects.toMatchObject({ sqlState: "54000" });
    await session.query("DROP TABLE big");
    await db.reclaimed();
    expect(ids.map((id) => countKeys(db.store, id))).toEqual([0, 0]);
    expect(markerIds(db.store)).toEqual([]);
    await expect(session.query("SELECT count(*) FROM big")).rejects.toMatchObject({ sqlState: "42P01" });
    await db.close();
  });

  it("keeps everything when the DROP rolls back, and reclaims a dropped index alone", async () => {
    const db = await Database.open({ reclaimBatchKeys: 100 });
    const session = db.connect();
    await load(session, 1000);
    const [tableId = 0, indexId = 0] = storageIds(db, "big");
    await session.query("BEGIN; DROP TABLE big; ROLLBACK");
    await session.query("BEGIN; SAVEPOINT s; DROP INDEX big_tag; ROLLBACK TO s; COMMIT");
    await db.reclaimed();
    expect([countKeys(db.store, tableId), countKeys(db.store, indexId)]).toEqual([1000, 1000]);
    expect(markerIds(db.store)).toEqual([]);
    expect((await session.query("SELECT count(*)::int FROM big WHERE tag = 'tag 5'")).rows).toEqual([[11]]);
    await session.query("DROP INDEX big_tag");
    await db.reclaimed();
    expect([countKeys(db.store, tableId), countKeys(db.store, indexId)]).toEqual([1000, 0]);
    expect((await session.query("SELECT count(*)::int FROM big WHERE tag = 'tag 5'")).rows).toEqual([[11]]);
    await db.close();
  });

  it("deletes nothing while a transaction that began before the drop is active, and its snapshot still reads the rows", async () => {
    const db = await Database.open({ reclaimBatchKeys: 100 });
    const first = db.connect();
    await load(first, 1000);
    const [tableId = 0] = storageIds(db, "big");
    const reader = db.connect();
    await reader.query("BEGIN ISOLATION LEVEL REPEATABLE READ");
    expect((await reader.query("SELECT count(*)::int FROM big")).rows).toEqual([[1000]]);
    const snapshot = db.store.snapshot();
    await first.query("DROP TABLE big");
    let isReclaimed = false;
    const reclaimed = db.reclaimed().then(() => {
      isReclaimed = true;
    });
    for (let turn = 0; turn < 20; turn += 1) await new Promise((resolve) => setImmediate(resolve));
    expect(isReclaimed).toBe(false);
    expect(countKeys(db.store, tableId)).toBe(1000);
    await reader.query("COMMIT");
    await reclaimed;
    expect(countKeys(db.store, tableId)).toBe(0);
    // Deletes are new versions: a snapshot from before the drop still has every row.
    expect([...db.store.scan({ gte: relationPrefix(tableId), lt: relationEnd(tableId), snapshot })]).toHaveLength(1000);
    snapshot.release();
    await db.close();
  });

  it("resumes the deletion at the next open after a close stopped it", async () => {
    const dir = makeTempDir("drop-reclaim");
    dirs.push(dir);
    let db = await Database.open({ dir: dir.path, reclaimBatchKeys: 10 });
    await load(db.connect(), 2000);
    const ids = storageIds(db, "big");
    await db.connect().query("DROP TABLE big");
    await db.close();
    const store = await LsmStore.open(dir.path);
    const left = ids.map((id) => countKeys(store, id));
    const markers = markerIds(store);
    await store.close();
    // The close came after a batch or two: most keys and both markers were still there.
    expect(left.reduce((sum, n) => sum + n, 0)).toBeGreaterThan(3000);
    expect(markers.sort((a, b) => a - b)).toEqual([...ids].sort((a, b) => a - b));
    db = await Database.open({ dir: dir.path });
    await db.reclaimed();
    expect(ids.map((id) => countKeys(db.store, id))).toEqual([0, 0]);
    expect(markerIds(db.store)).toEqual([]);
    await db.close();
  });

  it("a child SIGKILLed while it deletes a dropped table's keys: the table stays dropped and the next open deletes the rest", { timeout: 120_000 }, async () => {
    const keysLeft: number[] = [];
    await withSeed("drop-reclaim crash", async (random) => {
      for (let cycle = 0; cycle < 3; cycle += 1) {
        const dir = makeTempDir("drop-reclaim-crash");
        dirs.push(dir);
        const crashChild = new CrashChild({ script: child, args: [dir.path, "5", "5000", "drop"], deadlineMs: 60_000 });
        await crashChild.waitForLines(2);
        await new Promise((resolve) => setTimeout(resolve, random.int(0, 10)));
        const exit = await crashChild.kill();
        expect(exit.signal, exit.stderr).toBe("SIGKILL");
        const [loaded, dropped] = crashChild.lines;
        expect(dropped).toBe("dropped");
        const ids = (loaded ?? "").split(" ").slice(1).map(Number);
        expect(ids).toHaveLength(2);
        const store = await LsmStore.open(dir.path);
        keysLeft.push(ids.reduce((sum, id) => sum + countKeys(store, id), 0));
        await store.close();
        const db = await Database.open({ dir: dir.path });
        expect(db.catalog.relationId("public", "big")).toBeUndefined();
        await db.reclaimed();
        expect(ids.map((id) => countKeys(db.store, id))).toEqual([0, 0]);
        expect(markerIds(db.store)).toEqual([]);
        expect(db.store.get(reclaimMarkerKey(ids[0] ?? 0))).toBeUndefined();
        await db.close();
      }
    });
    // 10,000 keys in batches of 5: every kill came before the deletion ended.
    expect(keysLeft.every((n) => n > 0), `keys left at each kill: ${keysLeft.join(", ")}`).toBe(true);
  });
});


async function relationOid(session: Session, name: string): Promise<number> {
  const [row] = (await session.query(`SELECT oid::int FROM pg_class WHERE relname = '${name}'`)).rows;
  if (typeof row?.[0] !== "number") throw new Error(`no index ${name}`);
  return row[0];
}

describe("building a new index straight into the store", () => {
  it("builds an index with more entries than a transaction may write, unique or not, and finds rows through it", async () => {
    const db = await Database.open({ writeSetWritesMax: 2000 });
    const session = db.connect();
    await session.query("CREATE TABLE big (id int PRIMARY KEY, tag text, code int)");
    for (let from = 1; from <= 3000; from += 500) await session.query(`INSERT INTO big SELECT g, 'tag ' || (g % 97), g * 7 FROM generate_series(${from}, ${from + 499}) g`);
    await session.query("CREATE INDEX big_tag ON big (tag)");
    await session.query("CREATE UNIQUE INDEX big_code ON big (code)");
    await session.query("ALTER TABLE big ADD CONSTRAINT big_code_tag UNIQUE (code, tag)");
    for (const name of ["big_tag", "big_code", "big_code_tag"]) expect(countKeys(db.store, await relationOid(session, name))).toBe(3000);
    expect((await session.query("SELECT id FROM big WHERE code = 700")).rows).toEqual([[100]]);
    expect((await session.query("SELECT count(*)::int FROM big WHERE tag = 'tag 5'")).rows).toEqual([[31]]);
    await expect(session.query("INSERT INTO big VALUES (5000, 'x', 700)")).rejects.toMatchObject({ sqlState: "23505" });
    expect(markerIds(db.store)).toEqual([]);
    expect(orphanIds(db)).toEqual([]);
    await db.close();
  });

  it("a duplicate fails the build with 23505, and the entries written so far are reclaimed", async () => {
    const db = await Database.open({ reclaimBatchKeys: 100 });
    const session = db.connect();
    await session.query("CREATE TABLE t (id int PRIMARY KEY, v int)");
    await session.query("INSERT INTO t SELECT g, g FROM generate_series(1, 5000) g; UPDATE t SET v = 1 WHERE id = 4999");
    await expect(session.query("CREATE UNIQUE INDEX t_v ON t (v)")).rejects.toMatchObject({
      sqlState: "23505",
      message: 'could not create unique index "t_v"',
      detail: "Key (v)=(1) is duplicated.",
    });
    await db.reclaimed();
    expect(orphanIds(db)).toEqual([]);
    expect(markerIds(db.store)).toEqual([]);
    await db.close();
  });

  it("the building transaction reads its index under REPEATABLE READ; ROLLBACK and ROLLBACK TO SAVEPOINT leave nothing behind", async () => {
    const db = await Database.open();
    const session = db.connect();
    await session.query("CREATE TABLE t (id int PRIMARY KEY, v int)");
    await session.query("INSERT INTO t SELECT g, g * 3 FROM generate_series(1, 2000) g");
    await session.query("BEGIN ISOLATION LEVEL REPEATABLE READ");
    expect((await session.query("SELECT count(*)::int FROM t")).rows).toEqual([[2000]]);
    await session.query("CREATE UNIQUE INDEX t_v ON t (v)");
    const id = await relationOid(session, "t_v");
    const plan = (await session.query("EXPLAIN SELECT id FROM t WHERE v = 300")).rows.map((row) => (typeof row[0] === "string" ? row[0] : "")).join("\n");
    expect(plan).toContain("t_v");
    expect((await session.query("SELECT id FROM t WHERE v = 300")).rows).toEqual([[100]]);
    // A row changed after the build: the transaction's own entry wins over the one built.
    await session.query("UPDATE t SET v = 1 WHERE id = 100");
    expect((await session.query("SELECT id FROM t WHERE v = 300")).rows).toEqual([]);
    expect((await session.query("SELECT id FROM t WHERE v = 1")).rows).toEqual([[100]]);
    await session.query("ROLLBACK");
    await db.reclaimed();
    expect(countKeys(db.store, id)).toBe(0);

    await session.query("BEGIN; SAVEPOINT s; CREATE INDEX t_v2 ON t (v)");
    const id2 = await relationOid(session, "t_v2");
    expect(countKeys(db.store, id2)).toBe(2000);
    await session.query("ROLLBACK TO s; COMMIT");
    await db.reclaimed();
    expect(countKeys(db.store, id2)).toBe(0);
    expect(orphanIds(db)).toEqual([]);
    expect(markerIds(db.store)).toEqual([]);
    await db.close();
  });

  it("rebuilds an index built earlier in the same statement (ALTER TABLE … ADD UNIQUE, ALTER COLUMN TYPE) without stale entries", async () => {
    const db = await Database.open();
    const session = db.connect();
    await session.query("CREATE TABLE t (id int PRIMARY KEY, v int)");
    await session.query("INSERT INTO t SELECT g, g FROM generate_series(1, 1500) g");
    await session.query("ALTER TABLE t ADD CONSTRAINT t_v_key UNIQUE (v), ALTER COLUMN v TYPE bigint");
    // The type change rewrote the table and its indexes into new storage.
    expect(storageOf(db, "t_v_key")).not.toBe(await relationOid(session, "t_v_key"));
    expect(countKeys(db.store, storageOf(db, "t_v_key"))).toBe(1500);
    expect((await session.query("SELECT id FROM t WHERE v = 77")).rows).toEqual([[77]]);
    await db.reclaimed();
    expect(orphanIds(db)).toEqual([]);
    await db.close();
  });

  it("another session's DDL committing during a build leaves the build alone", async () => {
    const db = await Database.open();
    const [a, b] = [db.connect(), db.connect()];
    await a.query("CREATE TABLE t (id int PRIMARY KEY, v int)");
    await a.query("INSERT INTO t SELECT g, g % 10 FROM generate_series(1, 20000) g");
    const build = a.query("CREATE INDEX t_v ON t (v)");
    // The build yields every 1,024 rows: these DDL commits land in the middle of it.
    for (let i = 0; i < 5; i += 1) {
      await new Promise((resolve) => setImmediate(resolve));
      await b.query(`CREATE TABLE other${i} (x int); DROP TABLE other${i}`);
    }
    await build;
    await db.reclaimed();
    expect(countKeys(db.store, await relationOid(a, "t_v"))).toBe(20000);
    expect((await a.query("SELECT count(*)::int FROM t WHERE v = 3")).rows).toEqual([[2000]]);
    expect(orphanIds(db)).toEqual([]);
    await db.close();
  });

  it("a child SIGKILLed while it builds an index: the next open deletes the entries it wrote", { timeout: 120_000 }, async () => {
    const markersAtKill: number[] = [];
    await withSeed("fresh-range crash", async (random) => {
      for (let cycle = 0; cycle < 3; cycle += 1) {
        const dir = makeTempDir("fresh-range-crash");
        dirs.push(dir);
        const crashChild = new CrashChild({ script: child, args: [dir.path, "4096", "30000", "index"], deadlineMs: 60_000 });
        await crashChild.waitForLines(2);
        await new Promise((resolve) => setTimeout(resolve, random.int(20, 150)));
        const exit = await crashChild.kill();
        expect(exit.signal, exit.stderr).toBe("SIGKILL");
        expect(crashChild.lines).toEqual([expect.stringMatching(/^loaded /), "building"]);
        const store = await LsmStore.open(dir.path);
        markersAtKill.push(markerIds(store).length);
        await store.close();
        const db = await Database.open({ dir: dir.path });
        expect(db.catalog.objects.get(db.catalog.relationId("public", "big") ?? 0)).toMatchObject({ indexes: [{ name: "big_tag" }] });
        await db.reclaimed();
        expect(orphanIds(db)).toEqual([]);
        expect(markerIds(db.store)).toEqual([]);
        expect((await db.connect().query("SELECT count(*)::int FROM big WHERE tag = 'tag 5'")).rows).toEqual([[310]]);
        await db.close();
      }
    });
    // The build had begun writing at every kill: its marker was on disk for the open to find.
    expect(markersAtKill).toEqual([1, 1, 1]);
  });
});
