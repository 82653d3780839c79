/**
 * Storage ids (PostgreSQL's relfilenodes, `TableDefinition.storage`): TRUNCATE moves a table and
 * its indexes to new, empty storage, and the table rewrites of ALTER TABLE (ADD PRIMARY KEY,
 * ALTER COLUMN TYPE, DROP COLUMN) write the rows into new storage straight to the store. Neither
 * is bounded by the write-set limits; the old keys go to the reclaimer after the commit, and a
 * failed or rolled-back statement leaves its new storage to it.
 */
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { LsmStore } from "@omnikv/lsm";
import { CrashChild, makeTempDir, withSeed, type TempDir } from "@omnikv/testkit";
import { Database, type Session } from "../src/index.ts";
import { reclaimMarkersEnd, reclaimMarkersStart } from "../src/storage/keys.ts";
import { countKeys, orphanIds, storageOf } from "./relation-keys.ts";

const child = join(import.meta.dirname, "fixtures", "drop-reclaim.mjs");
const dirs: TempDir[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) dir.cleanup();
});

/** A table of `rows` rows (and an index on `tag`): with a primary key, or keyed by row id. */
async function load(session: Session, rows: number, primaryKey = true): Promise<void> {
  await session.query(`CREATE TABLE big (id int ${primaryKey ? "PRIMARY KEY" : ""}, tag text, extra int); CREATE INDEX big_tag ON big (tag)`);
  for (let from = 1; from <= rows; from += 500) {
    await session.query(`INSERT INTO big SELECT g, 'tag ' || (g % 97), g * 2 FROM generate_series(${from}, ${Math.min(rows, from + 499)}) g`);
  }
}

async function count(session: Session, where = "true"): Promise<unknown> {
  return (await session.query(`SELECT count(*)::int FROM big WHERE ${where}`)).rows[0]?.[0];
}

describe("TRUNCATE", () => {
  it("truncates a table with more rows and entries than a transaction may write, at once, and its old keys are reclaimed", async () => {
    const db = await Database.open({ writeSetWritesMax: 2000, reclaimBatchKeys: 500 });
    const session = db.connect();
    await load(session, 3000);
    const before = [storageOf(db, "big"), storageOf(db, "big_tag")];
    await session.query("TRUNCATE big");
    const after = [storageOf(db, "big"), storageOf(db, "big_tag")];
    expect(after.some((id) => before.includes(id))).toBe(false);
    expect(await count(session)).toBe(0);
    await db.reclaimed();
    expect(before.map((id) => countKeys(db.store, id))).toEqual([0, 0]);
    expect(orphanIds(db)).toEqual([]);
    // The table works as before in its new storage: writes, its primary key, its index.
    await session.query("INSERT INTO big VALUES (1, 'tag 5', 2), (2, 'tag 5', 4)");
    await expect(session.query("INSERT INTO big VALUES (1, 'x', 0)")).rejects.toMatchObject({ sqlState: "23505" });
    expect(await count(session, "tag = 'tag 5'")).toBe(2);
    expect((await session.query("SELECT tag FROM big WHERE id = 2")).rows).toEqual([["tag 5"]]);
    expect(after.map((id) => countKeys(db.store, id))).toEqual([2, 2]);
    await db.close();
  });

  it("rolled back, it keeps the rows in their storage; in its transaction, the table is empty and takes new rows", async () => {
    const db = await Database.open({ reclaimBatchKeys: 100 });
    const [a, b] = [db.connect(), db.connect()];
    await load(a, 1000, false);
    const storage = storageOf(db, "big");
    await a.query("BEGIN; TRUNCATE big; INSERT INTO big VALUES (7, 'tag 7', 0)");
    // Row ids start again in the new storage.
    expect((await a.query("SELECT id, ctid::text FROM big")).rows).toEqual([[7, "1"]]);
    expect(await count(b)).toBe(1000);
    await a.query("ROLLBACK");
    await db.reclaimed();
    expect(storageOf(db, "big")).toBe(storage);
    expect(await count(a)).toBe(1000);
    expect(await count(a, "tag = 'tag 7'")).toBe(11);
    expect(orphanIds(db)).toEqual([]);
    await a.query("BEGIN; TRUNCATE big; INSERT INTO big VALUES (7, 'tag 7', 0); COMMIT");
    expect(await count(b)).toBe(1);
    expect(await count(b, "tag = 'tag 7'")).toBe(1);
    await db.close();
  });

  it("a transaction whose snapshot predates a TRUNCATE gets 40001 reading the table, instead of rows that vanished under it", async () => {
    const db = await Database.open();
    const [a, b] = [db.connect(), db.connect()];
    await load(a, 100);
    await b.query("BEGIN ISOLATION LEVEL REPEATABLE READ");
    expect(await count(b)).toBe(100);
    await a.query("TRUNCATE big");
    await expect(b.query("SELECT count(*) FROM big")).rejects.toMatchObject({ sqlState: "40001", message: 'could not serialize access due to concurrent TRUNCATE or rewrite of relation "big"' });
    await b.query("ROLLBACK");
    // The point-lookup path checks it too; a snapshot taken after the TRUNCATE reads the table.
    await b.query("BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT 1");
    await a.query("INSERT INTO big VALUES (5, 'x', 0); TRUNCATE big");
    await expect(b.query("SELECT tag FROM big WHERE id = 5")).rejects.toMatchObject({ sqlState: "40001" });
    await b.query("ROLLBACK; BEGIN ISOLATION LEVEL REPEATABLE READ");
    expect(await count(b)).toBe(0);
    await b.query("COMMIT");
    await db.close();
  });
});

describe("table rewrites", () => {
  it("ADD PRIMARY KEY, ALTER COLUMN TYPE and DROP COLUMN rewrite a table larger than the write-set limit", async () => {
    const db = await Database.open({ writeSetWritesMax: 2000, reclaimBatchKeys: 500 });
    const session = db.connect();
    await load(session, 3000, false);
    const seen = new Set([storageOf(db, "big"), storageOf(db, "big_tag")]);
    const expectRewritten = (): void => {
      for (const id of [storageOf(db, "big"), storageOf(db, "big_tag")]) {
        expect(seen.has(id)).toBe(false);
        seen.add(id);
      }
    };
    await session.query("ALTER TABLE big ADD PRIMARY KEY (id)");
    expectRewritten();
    expect(await count(session, "tag = 'tag 5'")).toBe(31);
    expect((await session.query("SELECT tag, extra FROM big WHERE id = 2998")).rows).toEqual([["tag 88", 5996]]);
    await session.query("ALTER TABLE big ALTER COLUMN id TYPE bigint, ALTER COLUMN tag TYPE varchar(10)");
    expectRewritten();
    expect((await session.query("SELECT pg_typeof(id)::text, tag FROM big WHERE id = 2998")).rows).toEqual([["bigint", "tag 88"]]);
    await session.query("ALTER TABLE big DROP COLUMN extra");
    expectRewritten();
    expect((await session.query("SELECT * FROM big WHERE id = 2998")).rows).toEqual([[2998n, "tag 88"]]);
    // Dropping the primary key's column keys the rows by row id again.
    await session.query("ALTER TABLE big DROP COLUMN id");
    expectRewritten();
    expect(await count(session, "tag = 'tag 5'")).toBe(31);
    expect(await count(session)).toBe(3000);
    await db.reclaimed();
    expect(orphanIds(db)).toEqual([]);
    await db.close();
  });

  it("a rewrite that fails (a duplicate, a NULL, a failed conversion) leaves the table as it was and its new storage to the reclaimer", async () => {
    const db = await Database.open({ reclaimBatchKeys: 100 });
    const session = db.connect();
    await load(session, 2000, false);
    await session.query("INSERT INTO big VALUES (1500, 'dup', 0), (NULL, 'null', 0)");
    const storage = storageOf(db, "big");
    await expect(session.query("ALTER TABLE big ADD PRIMARY KEY (tag)")).rejects.toMatchObject({ sqlState: "23505", message: 'could not create unique index "big_pkey"' });
    await expect(session.query("ALTER TABLE big ADD PRIMARY KEY (id)")).rejects.toMatchObject({ sqlState: "23502", message: 'column "id" of relation "big" contains null values' });
    await session.query("DELETE FROM big WHERE id IS NULL");
    await expect(session.query("ALTER TABLE big ADD PRIMARY KEY (id)")).rejects.toMatchObject({ sqlState: "23505", detail: "Key (id)=(1500) is duplicated." });
    await expect(session.query("ALTER TABLE big ALTER COLUMN tag TYPE int USING length(tag) / (length(tag) - 3)")).rejects.toMatchObject({ sqlState: "22012" });
    await db.reclaimed();
    expect(storageOf(db, "big")).toBe(storage);
    expect(await count(session)).toBe(2001);
    expect(await count(session, "tag = 'dup'")).toBe(1);
    expect(orphanIds(db)).toEqual([]);
    await db.close();
  });

  it("a child SIGKILLed while it rewrites a table: the next open has the table as it was, and deletes the rows it wrote", { timeout: 120_000 }, async () => {
    const markersAtKill: number[] = [];
    await withSeed("table rewrite crash", async (random) => {
      for (let cycle = 0; cycle < 3; cycle += 1) {
        const dir = makeTempDir("table-rewrite-crash");
        dirs.push(dir);
        const crashChild = new CrashChild({ script: child, args: [dir.path, "4096", "30000", "rewrite"], deadlineMs: 60_000 });
        await crashChild.waitForLines(2);
        await new Promise((resolve) => setTimeout(resolve, random.int(20, 150)));
        const exit = await crashChild.kill();
        expect(exit.signal, exit.stderr).toBe("SIGKILL");
        expect(crashChild.lines).toEqual([expect.stringMatching(/^loaded /), "rewriting"]);
        const store = await LsmStore.open(dir.path);
        markersAtKill.push([...store.scan({ gte: reclaimMarkersStart, lt: reclaimMarkersEnd })].length);
        await store.close();
        const db = await Database.open({ dir: dir.path });
        await db.reclaimed();
        expect(orphanIds(db)).toEqual([]);
        const session = db.connect();
        expect((await session.query("SELECT pg_typeof(id)::text FROM big LIMIT 1")).rows).toEqual([["integer"]]);
        expect((await session.query("SELECT count(*)::int FROM big WHERE tag = 'tag 5'")).rows).toEqual([[310]]);
        await db.close();
      }
    });
    // The rewrite had begun writing at every kill: its new storage's marker was on disk.
    expect(markersAtKill.every((n) => n > 0), `markers at each kill: ${markersAtKill.join(", ")}`).toBe(true);
  });
});
