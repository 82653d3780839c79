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

/**
 * Three cycles of: a child (fixtures/drop-reclaim.mjs) loads table big with `rows` rows, starts
 * `mode` (a statement writing new storage straight to the store) and is SIGKILLed in the middle;
 * then the store must hold the marker of that storage (the kill came after the writing began), and
 * the next open must reclaim every key no definition names and pass `check`.
 */
async function crashCycles(
  crash: { readonly mode: "load" | "rewrite"; readonly rows: number; readonly killAfterMs: readonly [number, number] },
  check: (session: Session) => Promise<void>,
): Promise<void> {
  const markersAtKill: number[] = [];
  await withSeed(`${crash.mode} crash`, async (random) => {
    for (let cycle = 0; cycle < 3; cycle += 1) {
      const dir = makeTempDir(`${crash.mode}-crash`);
      dirs.push(dir);
      const crashChild = new CrashChild({ script: child, args: [dir.path, "4096", String(crash.rows), crash.mode], deadlineMs: 60_000 });
      await crashChild.waitForLines(2);
      await new Promise((resolve) => setTimeout(resolve, random.int(...crash.killAfterMs)));
      const exit = await crashChild.kill();
      expect(exit.signal, exit.stderr).toBe("SIGKILL");
      expect(crashChild.lines).toEqual([expect.stringMatching(/^loaded /), crash.mode === "load" ? "loading" : "rewriting"]);
      const store = await LsmStore.open(dir.path);
      markersAtKill.push([...store.scan({ gte: reclaimMarkersStart, lt: reclaimMarkersEnd })].length);
      await store.close();
      const db = await Database.open({ dir: dir.path });
      await db.reclaimed();
      expect(orphanIds(db)).toEqual([]);
      await check(db.connect());
      await db.close();
    }
  });
  expect(markersAtKill.every((n) => n > 0), `markers at each kill: ${markersAtKill.join(", ")}`).toBe(true);
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

/** COPY FROM of `lines` (ids from..to: `id\ttag id%97\tid*2`) through the session's COPY sink. */
async function copyRows(session: Session, from: number, to: number, sql = "COPY big FROM STDIN"): Promise<unknown> {
  const sink = await session.copyFrom(sql);
  const encoder = new TextEncoder();
  for (let start = from; start <= to; start += 1000) {
    const lines: string[] = [];
    for (let id = start; id <= Math.min(to, start + 999); id += 1) lines.push(`${id}\ttag ${id % 97}\t${id * 2}\n`);
    await sink.write(encoder.encode(lines.join("")));
  }
  return (await sink.finish()).rowCount;
}

describe("COPY into storage its transaction created", () => {
  it("loads a table created or truncated in the transaction straight to the store, past the write-set limit", async () => {
    const db = await Database.open({ writeSetWritesMax: 2000, reclaimBatchKeys: 500 });
    const [a, b] = [db.connect(), db.connect()];
    await a.query("BEGIN; CREATE TABLE big (id int PRIMARY KEY, tag text, extra int); CREATE INDEX big_tag ON big (tag)");
    // 5,000 rows and 5,000 index entries: five times what the transaction may write.
    expect(await copyRows(a, 1, 5000)).toBe(5000);
    expect(await count(a)).toBe(5000);
    expect(await count(a, "tag = 'tag 5'")).toBe(52);
    await expect(b.query("SELECT 1 FROM big")).rejects.toMatchObject({ sqlState: "42P01" });
    await a.query("COMMIT");
    expect(await count(b)).toBe(5000);
    expect((await b.query("SELECT tag, extra FROM big WHERE id = 4321")).rows).toEqual([["tag 53", 8642]]);
    expect(countKeys(db.store, storageOf(db, "big_tag"))).toBe(5000);
    // TRUNCATE then COPY, as pgbench -i does: the same path.
    const before = storageOf(db, "big");
    await a.query("BEGIN; TRUNCATE big");
    expect(await copyRows(a, 1, 4000, "COPY big FROM STDIN WITH (FREEZE ON)")).toBe(4000);
    expect(await count(b)).toBe(5000);
    await a.query("COMMIT");
    expect(await count(b)).toBe(4000);
    expect(await count(b, "tag = 'tag 5'")).toBe(42);
    await db.reclaimed();
    expect(countKeys(db.store, before)).toBe(0);
    expect(orphanIds(db)).toEqual([]);
    // A table the transaction did not create goes through the write set, and meets its limit.
    await expect(copyRows(a, 10_001, 12_000)).rejects.toMatchObject({ sqlState: "54000" });
    await db.close();
  });

  it("CREATE TABLE AS loads its rows straight to the store too", async () => {
    const db = await Database.open({ writeSetWritesMax: 2000 });
    const session = db.connect();
    await session.query("CREATE TABLE copied AS SELECT g AS id, 'row ' || g AS label FROM generate_series(1, 6000) g");
    expect((await session.query("SELECT count(*)::int, max(label) FROM copied")).rows).toEqual([[6000, "row 999"]]);
    // In a savepoint it takes the write set's path, and meets its limit.
    await session.query("BEGIN; SAVEPOINT s");
    await expect(session.query("CREATE TABLE other AS SELECT g FROM generate_series(1, 6000) g")).rejects.toMatchObject({ sqlState: "54000" });
    await session.query("ROLLBACK");
    await db.reclaimed();
    expect(orphanIds(db)).toEqual([]);
    await db.close();
  });

  it("a duplicate fails the load, and a failed or aborted load leaves nothing behind", async () => {
    const db = await Database.open({ reclaimBatchKeys: 500 });
    const session = db.connect();
    await session.query("CREATE TABLE big (id int PRIMARY KEY, tag text, extra int); CREATE UNIQUE INDEX big_extra ON big (extra)");
    await copyRows(session, 1, 10);
    await session.query("BEGIN; TRUNCATE big");
    const sink = await session.copyFrom("COPY big FROM STDIN");
    // The duplicate is in the batch not yet written: the check sees it there.
    await expect(sink.write(new TextEncoder().encode("1\ta\t1\n2\tb\t2\n1\tc\t3\n"))).rejects.toMatchObject({ sqlState: "23505", detail: "Key (id)=(1) already exists." });
    await session.query("ROLLBACK");
    await session.query("BEGIN; TRUNCATE big");
    await expect(copyRows(session, 1, 3000, "COPY big (id, tag) FROM STDIN")).rejects.toMatchObject({ sqlState: "22P04" });
    await session.query("ROLLBACK");
    await session.query("BEGIN; TRUNCATE big");
    await copyRows(session, 1, 3000);
    await expect(copyRows(session, 3001, 3001)).resolves.toBe(1);
    const aborted = await session.copyFrom("COPY big FROM STDIN");
    await aborted.write(new TextEncoder().encode("5000\tx\t99999\n"));
    await aborted.abort("client gave up");
    await session.query("ROLLBACK");
    await db.reclaimed();
    expect(await count(session)).toBe(10);
    expect(orphanIds(db)).toEqual([]);
    await db.close();
  });

  it("takes the write set's path with a savepoint, after its own writes to the table, and for a foreign key to the table itself", async () => {
    const db = await Database.open({ writeSetWritesMax: 1000 });
    const session = db.connect();
    await session.query("CREATE TABLE big (id int PRIMARY KEY, tag text, extra int)");
    await session.query("BEGIN; TRUNCATE big; SAVEPOINT s");
    await expect(copyRows(session, 1, 2000)).rejects.toMatchObject({ sqlState: "54000" });
    await session.query("ROLLBACK TO s; RELEASE s");
    // Rolled back to the savepoint, the transaction has no savepoint: the load goes straight to the store.
    await copyRows(session, 1, 1500);
    await session.query("ROLLBACK; BEGIN; TRUNCATE big; INSERT INTO big VALUES (1, 'x', 0)");
    await expect(copyRows(session, 2, 2000)).rejects.toMatchObject({ sqlState: "54000" });
    await session.query("ROLLBACK; CREATE TABLE tree (id int PRIMARY KEY, parent int REFERENCES tree, x int)");
    await session.query("BEGIN; TRUNCATE tree");
    const sink = await session.copyFrom("COPY tree FROM STDIN");
    await sink.write(new TextEncoder().encode("1\t\\N\t0\n2\t1\t0\n"));
    await expect(sink.write(new TextEncoder().encode("3\t7\t0\n"))).rejects.toMatchObject({ sqlState: "23503" });
    await session.query("ROLLBACK");
    await db.close();
  });
});

describe("COPY into storage its transaction created, crashing", () => {
  it("a child SIGKILLed while it loads a truncated table: the next open has the table as it was, and deletes the rows it wrote", { timeout: 120_000 }, async () => {
    await crashCycles({ mode: "load", rows: 5000, killAfterMs: [50, 400] }, async (session) => {
      expect((await session.query("SELECT count(*)::int, count(*) FILTER (WHERE tag LIKE 'load%')::int FROM big")).rows).toEqual([[5000, 0]]);
    });
  });
});

describe("other transactions around new storage", () => {
  it("an older snapshot gets 40001 after a rewrite and after a bulk-loaded CREATE TABLE, sees a plain new table empty, and READ COMMITTED reads on", async () => {
    const db = await Database.open();
    const [a, b] = [db.connect(), db.connect()];
    await load(a, 100);
    await b.query("BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT 1");
    await a.query("ALTER TABLE big ALTER COLUMN extra TYPE bigint");
    await a.query("CREATE TABLE plain (x int); INSERT INTO plain VALUES (1)");
    await a.query("BEGIN; CREATE TABLE loaded (id int, tag text, extra int)");
    await copyRows(a, 1, 10, "COPY loaded FROM STDIN");
    await a.query("COMMIT");
    await expect(b.query("SELECT count(*) FROM big")).rejects.toMatchObject({ sqlState: "40001" });
    await b.query("ROLLBACK; BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT 1");
    await a.query("BEGIN; CREATE TABLE loaded2 (id int, tag text, extra int)");
    await copyRows(a, 1, 10, "COPY loaded2 FROM STDIN");
    await a.query("COMMIT; CREATE TABLE plain2 (x int); INSERT INTO plain2 VALUES (1)");
    // As in PostgreSQL, the new table's rows are newer than the snapshot.
    expect((await b.query("SELECT count(*)::int FROM plain2")).rows).toEqual([[0]]);
    // Loaded straight to the store, its rows are older than the commit: 40001, not a partial view.
    await expect(b.query("SELECT count(*) FROM loaded2")).rejects.toMatchObject({ sqlState: "40001" });
    await b.query("ROLLBACK; BEGIN");
    expect(await count(b)).toBe(100);
    await a.query("TRUNCATE big");
    // READ COMMITTED: the next statement's snapshot is newer than the TRUNCATE.
    expect(await count(b)).toBe(0);
    await b.query("COMMIT");
    await db.close();
  });

  it("a foreign key's check and action under an older snapshot get 40001 instead of missing rows a rewrite moved", async () => {
    const db = await Database.open();
    const [a, b] = [db.connect(), db.connect()];
    await a.query("CREATE TABLE parent (id int PRIMARY KEY); CREATE TABLE child (id int PRIMARY KEY, parent_id int REFERENCES parent, note varchar(10))");
    await a.query("INSERT INTO parent VALUES (1), (2); INSERT INTO child VALUES (10, 1, 'x')");
    await b.query("BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT 1");
    await a.query("ALTER TABLE child ALTER COLUMN note TYPE text");
    // Before, the scan for referencing rows read the child's new storage at the old snapshot,
    // found none, and the parent went with its child row left behind.
    await expect(b.query("DELETE FROM parent WHERE id = 1")).rejects.toMatchObject({ sqlState: "40001" });
    await b.query("ROLLBACK; BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT 1");
    await a.query("ALTER TABLE parent ADD COLUMN label text, ALTER COLUMN id TYPE bigint");
    await expect(b.query("INSERT INTO child VALUES (11, 2, 'y')")).rejects.toMatchObject({ sqlState: "40001" });
    await b.query("ROLLBACK");
    expect((await a.query("SELECT count(*)::int FROM child")).rows).toEqual([[1]]);
    await db.close();
  });

  it("COPY under an older snapshot gets 40001 instead of writing over a row a rewrite moved", async () => {
    const db = await Database.open();
    const [a, b] = [db.connect(), db.connect()];
    await load(a, 100);
    await b.query("BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT 1");
    await a.query("ALTER TABLE big ALTER COLUMN extra TYPE bigint");
    await expect(copyRows(b, 50, 50)).rejects.toMatchObject({ sqlState: "40001" });
    await b.query("ROLLBACK");
    expect((await a.query("SELECT tag FROM big WHERE id = 50")).rows).toEqual([["tag 50"]]);
    await db.close();
  });

  it("SELECT … FOR UPDATE holds off TRUNCATE and ALTER TABLE until its transaction ends", async () => {
    const db = await Database.open();
    const [a, b] = [db.connect(), db.connect()];
    await load(a, 10);
    await a.query("BEGIN");
    expect((await a.query("SELECT tag FROM big WHERE id = 3 FOR UPDATE")).rows).toEqual([["tag 3"]]);
    let isDone = false;
    const truncating = b.query("TRUNCATE big").then(() => {
      isDone = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(isDone).toBe(false);
    await a.query("UPDATE big SET extra = 0 WHERE id = 3; COMMIT");
    await truncating;
    expect(await count(a)).toBe(0);
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

  it("ADD COLUMN … PRIMARY KEY reads the new column's default in every row, as PostgreSQL", async () => {
    const db = await Database.open();
    const session = db.connect();
    await session.query("CREATE TABLE t (a int); INSERT INTO t VALUES (1), (2); CREATE TABLE u (a int); INSERT INTO u VALUES (1)");
    await expect(session.query("ALTER TABLE t ADD COLUMN k int PRIMARY KEY")).rejects.toMatchObject({ sqlState: "23502", message: 'column "k" of relation "t" contains null values' });
    await expect(session.query("ALTER TABLE t ADD COLUMN k int DEFAULT 5 PRIMARY KEY")).rejects.toMatchObject({ sqlState: "23505", detail: "Key (k)=(5) is duplicated." });
    await session.query("ALTER TABLE u ADD COLUMN k int DEFAULT 5 PRIMARY KEY");
    expect((await session.query("SELECT * FROM u WHERE k = 5")).rows).toEqual([[1, 5]]);
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
    await crashCycles({ mode: "rewrite", rows: 60_000, killAfterMs: [20, 150] }, async (session) => {
      expect((await session.query("SELECT pg_typeof(id)::text FROM big LIMIT 1")).rows).toEqual([["integer"]]);
      expect((await session.query("SELECT count(*)::int FROM big WHERE tag = 'tag 5'")).rows).toEqual([[619]]);
    });
  });
});
