/**
 * Simple-protocol statements sharing a literal shape (literal-shapes.ts): which literals become
 * parameters, which must match, error positions moved back to the text sent, and sessions that
 * reuse a shape's plan across DDL, new statistics, search_path changes and transactions, with
 * the answers of statements that never shared one.
 */
import { DbError } from "@omnikv/base";
import { propertyParams } from "@omnikv/testkit";
import * as fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Database, type Session } from "../src/index.ts";
import { LiteralShapeCache, remapPosition } from "../src/session/literal-shapes.ts";

async function failure(promise: Promise<unknown>): Promise<{ readonly sqlState: string; readonly position: number | undefined }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DbError) return { sqlState: error.sqlState, position: error.position };
    throw error;
  }
  throw new Error("expected the statement to fail");
}

/**
 * Pieces of statement text for the quick-scan property: the ones the quick scan reads itself
 * (words with digits, quoted strings and identifiers with doubled quotes, operators) and the ones
 * it must leave to the lexer (`$1`, comments, prefixed strings, decimals, exponents, digits against
 * a letter, non-ASCII). `#` marks where a generated digit run goes.
 */
const shapePieces = [" ", "a", "t1", "x_2", "=", "+", "-", "(", ")", ",", ";", "'s 1'", "'it''s 2'", "E'3'", '"q 4"', '"a""b"', "$1", "--c\n", "/*5*/", "1.5", ".", "e3", "abc", "::int", "é", "AND", "#", "#", "#"];

describe("LiteralShapeCache quick scan", () => {
  const template = fc.tuple(
    fc.constantFrom("SELECT a FROM t WHERE a = ", "UPDATE t SET v = ", "DELETE FROM t WHERE id = ", "INSERT INTO t VALUES (", "SELECT "),
    fc.array(fc.constantFrom(...shapePieces), { maxLength: 12 }),
  );
  const digits = fc.oneof(fc.nat({ max: 99 }).map(String), fc.nat().map(String), fc.bigInt({ min: 0n, max: 10n ** 12n }).map(String), fc.nat({ max: 99 }).map((n) => `00${n}`));
  const instance = (start: string, pieces: readonly string[], numbers: readonly string[]): string => {
    let next = 0;
    return start + pieces.map((piece) => (piece === "#" ? (numbers[next++ % numbers.length] ?? "1") : piece)).join("");
  };

  it("answers a statement of a known shape exactly as the lexer's scan does", () => {
    fc.assert(
      fc.property(template, fc.array(digits, { minLength: 1, maxLength: 4 }), fc.array(digits, { minLength: 1, maxLength: 4 }), ([start, pieces], first, second) => {
        const a = instance(start, pieces, first);
        const b = instance(start, pieces, second);
        const cache = new LiteralShapeCache();
        cache.lookup(a); // makes the shape: from now on `b` may take the quick path
        const quick = cache.lookup(b);
        // The reference: a cache that has seen nothing scans `b` with the lexer.
        const reference = new LiteralShapeCache().lookup(b);
        expect(quick === undefined, `${a} / ${b}`).toBe(reference === undefined);
        if (quick === undefined || reference === undefined) return;
        expect(quick.entry.planningSql).toBe(reference.entry.planningSql);
        expect(quick.params).toEqual(reference.params);
        expect(quick.spans).toEqual(reference.spans);
      }),
      propertyParams(500),
    );
  });

  it("takes the quick path for pgbench's statements, and not for a dollar-quoted or commented one", () => {
    const cache = new LiteralShapeCache();
    const first = cache.lookup("SELECT abalance FROM pgbench_accounts WHERE aid = 48213;");
    const second = cache.lookup("SELECT abalance FROM pgbench_accounts WHERE aid = 7;");
    expect(second?.entry).toBe(first?.entry);
    expect(second?.params).toEqual([7]);
    expect(second?.spans).toEqual([{ pos: 50, end: 51 }]);
    const commented = cache.lookup("SELECT abalance FROM pgbench_accounts WHERE aid = 9 -- 12");
    expect(commented?.params).toEqual([9]);
    expect(commented?.entry.planningSql).toBe("SELECT abalance FROM pgbench_accounts WHERE aid = $1 -- 12");
  });
});

describe("LiteralShapeCache", () => {
  it("shares one statement between texts that differ in compared and assigned integers", () => {
    const cache = new LiteralShapeCache();
    const a = cache.lookup("UPDATE t SET v = v + -3012 WHERE id = 5");
    const b = cache.lookup("UPDATE t SET v = v + -7 WHERE id = 123456");
    expect(a?.entry.planningSql).toBe("UPDATE t SET v = v + -$1 WHERE id = $2");
    expect(b?.entry).toBe(a?.entry);
    expect(a?.params).toEqual([3012, 5]);
    expect(b?.params).toEqual([7, 123456]);
  });

  it("keeps literals outside value positions, and a statement reuses an entry only when they match", () => {
    const cache = new LiteralShapeCache();
    const first = cache.lookup("SELECT a FROM t WHERE b = 1 AND c > 10 ORDER BY 1 LIMIT 5");
    expect(first?.entry.planningSql).toBe("SELECT a FROM t WHERE b = $1 AND c > 10 ORDER BY 1 LIMIT 5");
    expect(cache.lookup("SELECT a FROM t WHERE b = 2 AND c > 10 ORDER BY 1 LIMIT 5")?.entry).toBe(first?.entry);
    const other = cache.lookup("SELECT a FROM t WHERE b = 2 AND c > 10 ORDER BY 2 LIMIT 5");
    expect(other?.entry).not.toBe(first?.entry);
    expect(other?.entry.planningSql).toBe("SELECT a FROM t WHERE b = $1 AND c > 10 ORDER BY 2 LIMIT 5");
    // Both variants stay cached.
    expect(cache.lookup("SELECT a FROM t WHERE b = 3 AND c > 10 ORDER BY 1 LIMIT 5")?.entry).toBe(first?.entry);
  });

  it("never makes a parameter of a literal beyond int4, a type modifier or a subquery's literal", () => {
    const cache = new LiteralShapeCache();
    expect(cache.lookup("INSERT INTO t VALUES (2147483648, 2147483647, 7::numeric(10, 2))")?.entry.planningSql).toBe("INSERT INTO t VALUES (2147483648, $1, $2::numeric(10, 2))");
    expect(cache.lookup("UPDATE t SET v = (SELECT 1) WHERE id IN (SELECT 2) AND k = 3")?.entry.planningSql).toBe("UPDATE t SET v = (SELECT 1) WHERE id IN (SELECT 2) AND k = $1");
    expect(cache.lookup("SELECT a + 1 FROM t GROUP BY a + 1")?.entry.planningSql).toBe("SELECT a + 1 FROM t GROUP BY a + 1");
    // A slot made a parameter by an int4 literal does not take a larger one later.
    const small = cache.lookup("INSERT INTO k VALUES (1, 2)");
    const large = cache.lookup("INSERT INTO k VALUES (9223372036854775807, 2)");
    expect(large?.entry).not.toBe(small?.entry);
    expect(large?.entry.planningSql).toBe("INSERT INTO k VALUES (9223372036854775807, $1)");
    expect(large?.params).toEqual([2]);
  });

  it("refuses several statements, bind parameters, utility statements and syntax errors", () => {
    const cache = new LiteralShapeCache();
    for (const sql of ["SELECT 1; SELECT 2", "SELECT $1", "SET work_mem = 1024", "BEGIN", "SELEC 1", "SELECT 'unterminated"]) {
      expect(cache.lookup(sql), sql).toBeUndefined();
    }
    expect(cache.lookup("SELECT 1;")?.entry.planningSql).toBe("SELECT 1;");
  });
});

describe("remapPosition", () => {
  it("shifts positions after literals of other lengths and maps a position inside a literal to its start", () => {
    // planning: "SELECT x WHERE a = $1 AND b = $2 AND zz"  sent: "SELECT x WHERE a = 12345 AND b = 7 AND zz"
    const planning = [
      { pos: 19, end: 21 },
      { pos: 30, end: 32 },
    ];
    const sent = [
      { pos: 19, end: 24 },
      { pos: 33, end: 34 },
    ];
    expect(remapPosition(8, planning, sent)).toBe(8);
    expect(remapPosition(21, planning, sent)).toBe(20);
    expect(remapPosition(23, planning, sent)).toBe(26);
    expect(remapPosition(38, planning, sent)).toBe(40);
  });
});

describe("sessions running statements by shape", () => {
  let db: Database;
  let session: Session;
  beforeEach(async () => {
    db = await Database.open({ analyzeIntervalMs: 0 });
    session = db.connect();
    await session.query("CREATE TABLE t (id int4 PRIMARY KEY, v int4, s text, small int2)");
    await session.query("INSERT INTO t SELECT g, g * 10, 's' || g, 1 FROM generate_series(1, 20) g");
  });
  afterEach(async () => {
    await db.close();
  });

  it("answers every literal as an unshared statement does", async () => {
    for (let id = -2; id <= 23; id++) {
      const result = await session.query(`SELECT v, s FROM t WHERE id = ${id}`);
      expect(result.rows, `id ${id}`).toEqual(id >= 1 && id <= 20 ? [[id * 10, `s${id}`]] : []);
    }
    await session.query("UPDATE t SET v = v + -5 WHERE id = 3");
    await session.query("UPDATE t SET v = v + 12 WHERE id = 14");
    await session.query("INSERT INTO t (id, v, s, small) VALUES (100, 1, 'x', 2)");
    await session.query("INSERT INTO t (id, v, s, small) VALUES (101, 2, 'y', 3)");
    await session.query("DELETE FROM t WHERE id = 4");
    const rows = await session.query("SELECT id, v, small FROM t WHERE id IN (3, 4, 14, 100, 101) ORDER BY id");
    expect(rows.rows).toEqual([
      [3, 25, 1],
      [14, 152, 1],
      [100, 1, 2],
      [101, 2, 3],
    ]);
  });

  it("keeps PostgreSQL's errors: SQLSTATE, and the position in the text sent", async () => {
    const sql = (id: string): string => `SELECT v FROM t WHERE id = ${id} AND nocol = 1`;
    const short = await failure(session.query(sql("1")));
    const long = await failure(session.query(sql("123456")));
    expect(short).toEqual({ sqlState: "42703", position: sql("1").indexOf("nocol") + 1 });
    expect(long).toEqual({ sqlState: "42703", position: sql("123456").indexOf("nocol") + 1 });
    // int4 parameters assign as int4 literals do: out of int2's range is 22003 either way.
    expect((await failure(session.query("UPDATE t SET small = 40000 WHERE id = 1"))).sqlState).toBe("22003");
    expect((await failure(session.query("UPDATE t SET small = 50000 WHERE id = 2"))).sqlState).toBe("22003");
    // A runtime error inside a streamed SELECT.
    expect((await failure(session.query("SELECT 1 / (v - 10) FROM t WHERE id = 1"))).sqlState).toBe("22012");
  });

  it("re-plans after DDL, new statistics and a search_path change", async () => {
    expect((await session.query("SELECT * FROM t WHERE id = 1")).fields.map((f) => f.name)).toEqual(["id", "v", "s", "small"]);
    await session.query("ALTER TABLE t ADD COLUMN extra int4 DEFAULT 7");
    const widened = await session.query("SELECT * FROM t WHERE id = 2");
    expect(widened.fields.map((f) => f.name)).toEqual(["id", "v", "s", "small", "extra"]);
    expect(widened.rows).toEqual([[2, 20, "s2", 1, 7]]);
    await session.query("ANALYZE t");
    expect((await session.query("SELECT v FROM t WHERE id = 3")).rows).toEqual([[30]]);
    await session.query("CREATE SCHEMA other");
    await session.query("CREATE TABLE other.t (id int4 PRIMARY KEY, v int4)");
    await session.query("INSERT INTO other.t VALUES (4, -4)");
    await session.query("SET search_path = other, public");
    expect((await session.query("SELECT v FROM t WHERE id = 4")).rows).toEqual([[-4]]);
    await session.query("RESET search_path");
    expect((await session.query("SELECT v FROM t WHERE id = 4")).rows).toEqual([[40]]);
  });

  it("runs shaped statements inside transaction blocks and sees a block's own DDL", async () => {
    await session.query("BEGIN");
    await session.query("UPDATE t SET v = 0 WHERE id = 5");
    expect((await session.query("SELECT v FROM t WHERE id = 5")).rows).toEqual([[0]]);
    await session.query("ALTER TABLE t DROP COLUMN s");
    expect((await session.query("SELECT * FROM t WHERE id = 6")).fields.map((f) => f.name)).toEqual(["id", "v", "small"]);
    await session.query("ROLLBACK");
    expect((await session.query("SELECT * FROM t WHERE id = 5")).rows).toEqual([[5, 50, "s5", 1]]);
  });

  it("streams shaped SELECTs over the simple protocol with the same rows", async () => {
    const outcomes: unknown[] = [];
    for await (const outcome of session.queryEach("SELECT id FROM t WHERE v = 70")) {
      if (outcome.kind === "rows") outcomes.push(outcome.stream.take(10));
    }
    for await (const outcome of session.queryEach("SELECT id FROM t WHERE v = 80")) {
      if (outcome.kind === "rows") outcomes.push(outcome.stream.take(10));
    }
    expect(outcomes).toEqual([[[7]], [[8]]]);
  });
});
