/**
 * SQL-level PREPARE / EXECUTE and LOCK TABLE beyond what the differential steps against
 * PostgreSQL cover: the extended protocol's Describe of an EXECUTE, parameter counting, nesting,
 * and the snapshot of a transaction that begins with LOCK.
 */
import { describe, expect, it } from "vitest";
import { Database } from "../src/index.ts";

describe("PREPARE and EXECUTE", () => {
  it("EXECUTE takes exactly the statement's parameters, declared or used, and none of its own", async () => {
    const db = await Database.open();
    const session = db.connect();
    await session.query("CREATE TABLE t (id int PRIMARY KEY, v int); INSERT INTO t VALUES (1, 10)");
    await session.query("PREPARE upd AS UPDATE t SET v = v + 1 WHERE id = $1 RETURNING v");
    await expect(session.query("EXECUTE upd")).rejects.toMatchObject({ sqlState: "42601", detail: "Expected 1 parameters but got 0." });
    await expect(session.query("EXECUTE upd (1, 2)")).rejects.toMatchObject({ sqlState: "42601", detail: "Expected 1 parameters but got 2." });
    expect((await session.query("EXECUTE upd (1)")).rows).toEqual([[11]]);
    session.prepare("outer", "EXECUTE upd ($1)");
    await expect(session.execute("outer", [1])).rejects.toMatchObject({ sqlState: "42P02", message: "there is no parameter $1" });
    await db.close();
  });

  it("Describe of EXECUTE through the extended protocol gives the executed statement's columns", async () => {
    const db = await Database.open();
    const session = db.connect();
    await session.query("CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'a')");
    await session.query("PREPARE sel (int) AS SELECT v, id FROM t WHERE id = $1");
    session.prepare("", "EXECUTE sel (1)");
    const description = await session.describePrepared("");
    expect(description.fields.map((field) => [field.name, field.typeOid])).toEqual([
      ["v", 25],
      ["id", 23],
    ]);
    expect((await session.execute("")).rows).toEqual([["a", 1]]);
    // A statement that EXECUTEs itself stops at the depth limit (PostgreSQL: stack depth, 54001).
    session.prepare("loop", "EXECUTE loop");
    await expect(session.execute("loop")).rejects.toMatchObject({ sqlState: "54001" });
    await db.close();
  });
});

describe("LOCK TABLE", () => {
  it("runs in a multi-statement string's implicit block, and not alone outside a block", async () => {
    const db = await Database.open();
    const session = db.connect();
    await session.query("CREATE TABLE t (id int)");
    await expect(session.query("LOCK TABLE t")).rejects.toMatchObject({ sqlState: "25P01" });
    expect((await session.query("LOCK TABLE t IN SHARE MODE; INSERT INTO t VALUES (1)")).commandTag).toBe("INSERT 0 1");
    await db.close();
  });

  it("a REPEATABLE READ transaction that begins with LOCK reads what the writer it waited for committed", async () => {
    const db = await Database.open();
    const [a, b] = [db.connect(), db.connect()];
    await a.query("CREATE TABLE t (id int PRIMARY KEY, v int); INSERT INTO t VALUES (1, 1)");
    await a.query("BEGIN; UPDATE t SET v = 2 WHERE id = 1");
    await b.query("BEGIN ISOLATION LEVEL REPEATABLE READ");
    const locking = b.query("LOCK TABLE t IN EXCLUSIVE MODE");
    await new Promise((resolve) => setTimeout(resolve, 20));
    await a.query("COMMIT");
    await locking;
    // As in PostgreSQL, where LOCK takes no snapshot: the snapshot comes after the wait.
    expect((await b.query("SELECT v FROM t WHERE id = 1")).rows).toEqual([[2]]);
    await b.query("UPDATE t SET v = 3 WHERE id = 1; COMMIT");
    expect((await a.query("SELECT v FROM t")).rows).toEqual([[3]]);
    await db.close();
  });
});
