/**
 * Table locks: a transaction writing a table holds its lock shared, DDL takes it exclusive, so
 * CREATE INDEX, ALTER TABLE, TRUNCATE and DROP wait for open writers and writers for them. Without
 * them a row committed by a writer that began before a CREATE INDEX was missing from the index,
 * and two DDLs on one table could undo each other (a dropped table came back, then lost its rows
 * to the reclaimer). Each case here failed so before.
 */
import { describe, expect, it } from "vitest";
import { Database, type Session } from "../src/index.ts";
import { countKeys, orphanIds } from "./relation-keys.ts";

async function withDatabase(run: (db: Database, a: Session, b: Session) => Promise<void>): Promise<void> {
  const db = await Database.open({ analyzeIntervalMs: 0 });
  try {
    await run(db, db.connect(), db.connect());
  } finally {
    await db.close();
  }
}

/** Whether `promise` is still pending after a few turns of the event loop. */
async function isPending(promise: Promise<unknown>): Promise<boolean> {
  let isSettled = false;
  promise.then(
    () => {
      isSettled = true;
    },
    () => {
      isSettled = true;
    },
  );
  for (let turn = 0; turn < 20; turn += 1) await new Promise((resolve) => setImmediate(resolve));
  return !isSettled;
}



async function setUp(a: Session): Promise<void> {
  await a.query("CREATE TABLE t (id int PRIMARY KEY, v int)");
  await a.query("INSERT INTO t SELECT g, g FROM generate_series(1, 1000) g");
}

describe("table locks", () => {
  it("LOCK TABLE: writers wait for the strong modes, not for the weak ones; NOWAIT is 55P03; a later write still takes its own checks", async () => {
    await withDatabase(async (_db, a, b) => {
      await setUp(a);
      await b.query("BEGIN; LOCK TABLE t IN EXCLUSIVE MODE");
      const insert = a.query("INSERT INTO t VALUES (5001, 1)");
      expect(await isPending(insert)).toBe(true);
      await b.query("COMMIT");
      await insert;
      await b.query("BEGIN; LOCK TABLE t IN ACCESS SHARE MODE");
      await a.query("INSERT INTO t VALUES (5002, 1)");
      await expect(a.query("BEGIN; LOCK TABLE t NOWAIT")).rejects.toMatchObject({ sqlState: "55P03", message: 'could not obtain lock on relation "t"' });
      await a.query("ROLLBACK");
      const alter = a.query("ALTER TABLE t ADD COLUMN w int");
      expect(await isPending(alter)).toBe(true);
      await b.query("COMMIT");
      await alter;
      // The lock alone counts for nothing: the INSERT after it still sees that a DDL committed
      // after the snapshot, as it would without the LOCK.
      await b.query("BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT 1");
      await a.query("ALTER TABLE t ADD COLUMN x int");
      await b.query("LOCK TABLE t IN ROW EXCLUSIVE MODE");
      await expect(b.query("INSERT INTO t VALUES (5003, 1)")).rejects.toMatchObject({ sqlState: "40001" });
      await b.query("ROLLBACK");
    });
  });

  it("CREATE INDEX waits for a transaction that wrote the table, and indexes its rows", async () => {
    await withDatabase(async (_db, a, b) => {
      await setUp(a);
      await a.query("BEGIN");
      await a.query("INSERT INTO t VALUES (5000, 77)");
      const build = b.query("CREATE INDEX t_v ON t (v)");
      expect(await isPending(build)).toBe(true);
      await a.query("COMMIT");
      await build;
      const plan = (await b.query("EXPLAIN SELECT id FROM t WHERE v = 77")).rows.map((row) => (typeof row[0] === "string" ? row[0] : "")).join("\n");
      expect(plan).toContain("t_v");
      expect((await b.query("SELECT id FROM t WHERE v = 77 ORDER BY id")).rows).toEqual([[77], [5000]]);
    });
  });

  it("a writer waits for a DDL on its table, then goes on with the definition that DDL committed", async () => {
    await withDatabase(async (db, a, b) => {
      await setUp(a);
      await b.query("BEGIN; CREATE INDEX t_v ON t (v)");
      const insert = a.query("INSERT INTO t VALUES (6000, 1)");
      const update = db.connect().query("UPDATE t SET v = 2 WHERE id = 7");
      expect(await isPending(insert)).toBe(true);
      await b.query("COMMIT");
      await insert;
      await update;
      // Both maintained the index they did not know of when they were sent.
      expect((await a.query("SELECT id FROM t WHERE v = 1 ORDER BY id")).rows).toEqual([[1], [6000]]);
      expect((await a.query("SELECT id FROM t WHERE v = 2 ORDER BY id")).rows).toEqual([[2], [7]]);
      expect((await a.query("SELECT id FROM t WHERE v = 7")).rows).toEqual([]);
    });
  });

  it("a DELETE waiting for an ALTER TABLE that re-keys the table deletes the row under its new key", async () => {
    await withDatabase(async (_db, a, b) => {
      await a.query("CREATE TABLE k (id int, v int)");
      await a.query("INSERT INTO k SELECT g, g FROM generate_series(1, 100) g");
      await b.query("BEGIN; ALTER TABLE k ADD PRIMARY KEY (id)");
      const deleted = a.query("DELETE FROM k WHERE id = 5");
      expect(await isPending(deleted)).toBe(true);
      await b.query("COMMIT");
      expect((await deleted).rowCount).toBe(1);
      expect((await a.query("SELECT count(*)::int FROM k")).rows).toEqual([[99]]);
    });
  });

  it("a GRANT waiting behind a CREATE INDEX on the same table does not write the old definition over it (40001)", async () => {
    await withDatabase(async (db, a, b) => {
      await setUp(a);
      await a.query("BEGIN; CREATE INDEX t_v ON t (v)");
      const grant = b.query("GRANT SELECT ON t TO PUBLIC");
      expect(await isPending(grant)).toBe(true);
      await a.query("COMMIT");
      await expect(grant).rejects.toMatchObject({ sqlState: "40001" });
      await b.query("GRANT SELECT ON t TO PUBLIC");
      expect(db.catalog.objects.get(db.catalog.relationId("public", "t") ?? 0)).toMatchObject({ indexes: [{ name: "t_v" }] });
    });
  });

  it("TRUNCATE of a table waits for an ALTER TABLE adding a foreign key to it, then refuses (0A000)", async () => {
    await withDatabase(async (_db, a, b) => {
      await a.query("CREATE TABLE parent (id int PRIMARY KEY); INSERT INTO parent VALUES (1)");
      await a.query("CREATE TABLE child (id int PRIMARY KEY, pid int); INSERT INTO child VALUES (1, 1)");
      await a.query("BEGIN; ALTER TABLE child ADD FOREIGN KEY (pid) REFERENCES parent (id)");
      const truncate = b.query("TRUNCATE parent");
      expect(await isPending(truncate)).toBe(true);
      await a.query("COMMIT");
      await expect(truncate).rejects.toMatchObject({ sqlState: "0A000" });
      expect((await b.query("SELECT count(*)::int FROM parent")).rows).toEqual([[1]]);
    });
  });

  it("a CREATE TABLE … REFERENCES holds off a DROP of the referenced table until it ends", async () => {
    await withDatabase(async (_db, a, b) => {
      await a.query("CREATE TABLE parent (id int PRIMARY KEY); INSERT INTO parent VALUES (1)");
      await a.query("BEGIN; CREATE TABLE child (pid int REFERENCES parent (id))");
      const drop = b.query("DROP TABLE parent");
      expect(await isPending(drop)).toBe(true);
      await a.query("COMMIT");
      // Now the drop sees the foreign key, as PostgreSQL's does.
      await expect(drop).rejects.toMatchObject({ sqlState: "2BP01" });
    });
  });

  it("a DROP TABLE waits for a running CREATE INDEX, then drops the table and its new index, leaving no keys", async () => {
    await withDatabase(async (db, a, b) => {
      await setUp(a);
      await a.query("BEGIN; CREATE INDEX t_v ON t (v)");
      const drop = b.query("DROP TABLE t");
      expect(await isPending(drop)).toBe(true);
      await a.query("COMMIT");
      await drop;
      await db.reclaimed();
      expect(db.catalog.relationId("public", "t")).toBeUndefined();
      expect(orphanIds(db)).toEqual([]);
    });
  });

  it("an ALTER TABLE waiting for a DROP of its table fails with 42P01 once the drop commits; the table stays dropped", async () => {
    await withDatabase(async (db, a, b) => {
      await setUp(a);
      await a.query("BEGIN; DROP TABLE t");
      const alter = b.query("ALTER TABLE t ADD COLUMN w int");
      expect(await isPending(alter)).toBe(true);
      await a.query("COMMIT");
      await expect(alter).rejects.toMatchObject({ sqlState: "42P01" });
      await db.reclaimed();
      expect(db.catalog.relationId("public", "t")).toBeUndefined();
      expect(orphanIds(db)).toEqual([]);
    });
  });

  it("under REPEATABLE READ, DDL on a table written since the snapshot fails with 40001", async () => {
    await withDatabase(async (_db, a, b) => {
      await setUp(a);
      await b.query("BEGIN ISOLATION LEVEL REPEATABLE READ");
      expect((await b.query("SELECT count(*)::int FROM t")).rows).toEqual([[1000]]);
      await a.query("INSERT INTO t VALUES (5000, 5000)");
      await expect(b.query("CREATE INDEX t_v ON t (v)")).rejects.toMatchObject({ sqlState: "40001" });
      await b.query("ROLLBACK");
      // A fresh transaction sees the row and indexes it.
      await b.query("BEGIN ISOLATION LEVEL REPEATABLE READ; CREATE INDEX t_v ON t (v); COMMIT");
      expect((await b.query("SELECT id FROM t WHERE v = 5000")).rows).toEqual([[5000]]);
    });
  });

  it("under REPEATABLE READ, a write to a table altered since the snapshot fails with 40001; rows written since do not matter", async () => {
    await withDatabase(async (_db, a, b) => {
      await setUp(a);
      await b.query("BEGIN ISOLATION LEVEL REPEATABLE READ");
      expect((await b.query("SELECT count(*)::int FROM t")).rows).toEqual([[1000]]);
      await a.query("INSERT INTO t VALUES (5001, 1)");
      await b.query("INSERT INTO t VALUES (5002, 2)");
      await b.query("COMMIT");
      await b.query("BEGIN ISOLATION LEVEL REPEATABLE READ");
      expect((await b.query("SELECT count(*)::int FROM t")).rows).toEqual([[1002]]);
      // It holds no lock on t (it only read it), so the ALTER does not wait for it…
      await a.query("ALTER TABLE t ADD COLUMN w int DEFAULT 9");
      // …and its snapshot, older than the ALTER, holds rows of the old shape.
      await expect(b.query("INSERT INTO t VALUES (5003, 3)")).rejects.toMatchObject({ sqlState: "40001" });
      await b.query("ROLLBACK");
    });
  });

  it("a write to a referencing table waits for a DDL on the referenced one, then goes on (no 40001 under READ COMMITTED)", async () => {
    await withDatabase(async (_db, a, b) => {
      await a.query("CREATE TABLE parent (id int PRIMARY KEY, x int); INSERT INTO parent VALUES (1, 1)");
      await a.query("CREATE TABLE child (id int PRIMARY KEY, pid int REFERENCES parent (id))");
      await b.query("BEGIN; CREATE INDEX parent_x ON parent (x)");
      const insert = a.query("INSERT INTO child VALUES (1, 1)");
      expect(await isPending(insert)).toBe(true);
      await b.query("COMMIT");
      await insert;
      await expect(a.query("INSERT INTO child VALUES (2, 2)")).rejects.toMatchObject({ sqlState: "23503" });
    });
  });

  it("a GRANT issued while a CREATE INDEX builds waits for it and then fails with 40001: the index is not written over", async () => {
    await withDatabase(async (db, a, b) => {
      await a.query("CREATE TABLE t (id int PRIMARY KEY, v int)");
      await a.query("INSERT INTO t SELECT g, g FROM generate_series(1, 20000) g");
      const build = a.query("CREATE INDEX t_v ON t (v)");
      let isBuilding = false;
      while (!isBuilding) {
        await new Promise((resolve) => setImmediate(resolve));
        isBuilding = (await b.query("SELECT count(*)::int FROM pg_stat_progress_create_index")).rows[0]?.[0] === 1;
      }
      const grant = b.query("GRANT SELECT ON t TO PUBLIC");
      await build;
      await expect(grant).rejects.toMatchObject({ sqlState: "40001" });
      await b.query("GRANT SELECT ON t TO PUBLIC");
      expect(db.catalog.objects.get(db.catalog.relationId("public", "t") ?? 0)).toMatchObject({ indexes: [{ name: "t_v" }] });
      const [acl] = (await b.query("SELECT relacl::text FROM pg_class WHERE relname = 't'")).rows;
      expect(acl?.[0]).toEqual(expect.stringContaining("=r/"));
    });
  });

  it("under REPEATABLE READ, a statement that wrote no rows does not count as a write for later DDL", async () => {
    await withDatabase(async (_db, a, b) => {
      await setUp(a);
      await b.query("BEGIN ISOLATION LEVEL REPEATABLE READ");
      expect((await b.query("SELECT count(*)::int FROM t")).rows).toEqual([[1000]]);
      await a.query("UPDATE t SET v = 0 WHERE id < 0");
      await a.query("DELETE FROM t WHERE false");
      await b.query("CREATE INDEX t_v ON t (v); COMMIT");
      await a.query("TRUNCATE t");
      await b.query("BEGIN ISOLATION LEVEL REPEATABLE READ");
      await b.query("SELECT 1");
      await a.query("INSERT INTO t VALUES (1, 1)");
      // A TRUNCATE or an insert since the snapshot is a write: DDL stops.
      await expect(b.query("CREATE INDEX t_v2 ON t (v)")).rejects.toMatchObject({ sqlState: "40001" });
      await b.query("ROLLBACK");
    });
  });

  it("ROLLBACK TO a savepoint releases the table lock taken after it", async () => {
    await withDatabase(async (_db, a, b) => {
      await setUp(a);
      await a.query("BEGIN; SAVEPOINT s; INSERT INTO t VALUES (5000, 1)");
      const build = b.query("CREATE INDEX t_v ON t (v)");
      expect(await isPending(build)).toBe(true);
      await a.query("ROLLBACK TO s");
      await build;
      // The lock is taken again by the next write, and the index is maintained.
      await a.query("INSERT INTO t VALUES (5001, 2); COMMIT");
      expect((await a.query("SELECT id FROM t WHERE v = 2 ORDER BY id")).rows).toEqual([[2], [5001]]);
    });
  });

  it("a build whose session closes under it stops writing, and its entries are reclaimed", async () => {
    const db = await Database.open({ analyzeIntervalMs: 0 });
    const a = db.connect();
    await a.query("CREATE TABLE t (id int PRIMARY KEY, v int)");
    await a.query("INSERT INTO t SELECT g, g FROM generate_series(1, 30000) g");
    const builder = db.connect();
    const build = builder.query("CREATE INDEX t_v ON t (v)");
    // Once it has written a few batches of entries (4,096 each), its session closes mid-build.
    let done = 0n;
    while (done < 10_000n) {
      await new Promise((resolve) => setImmediate(resolve));
      const [row] = (await a.query("SELECT tuples_done FROM pg_stat_progress_create_index")).rows;
      done = typeof row?.[0] === "bigint" ? row[0] : 0n;
    }
    await builder.close();
    await expect(build).rejects.toBeDefined();
    await db.reclaimed();
    expect(db.catalog.objects.get(db.catalog.relationId("public", "t") ?? 0)).toMatchObject({ indexes: [] });
    expect(orphanIds(db)).toEqual([]);
    expect(countKeys(db.store, db.catalog.relationId("public", "t") ?? 0)).toBe(30000);
    await db.close();
  });
});
