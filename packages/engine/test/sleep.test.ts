/**
 * pg_sleep and pg_sleep_for: the statement completes after the time asked (summed over rows),
 * other sessions are served meanwhile (the wait is a timer, not a blocked event loop), cancel and
 * statement_timeout end it with 57014 (a failed block then accepts only ROLLBACK), NULL returns
 * NULL at once, and the result is `void` (printed empty).
 */
import { describe, expect, it } from "vitest";
import { Database } from "../src/index.ts";

async function timed<T>(body: () => Promise<T>): Promise<{ readonly value: T; readonly ms: number }> {
  const started = performance.now();
  const value = await body();
  return { value, ms: performance.now() - started };
}

describe("pg_sleep", () => {
  it("waits the time asked, summed over rows, and returns void", async () => {
    const db = await Database.open();
    const session = db.connect();
    try {
      const one = await timed(() => session.query("SELECT pg_sleep(0.2)"));
      expect(one.ms).toBeGreaterThanOrEqual(190);
      expect(one.value.rows).toEqual([[""]]);
      expect(one.value.fields).toMatchObject([{ name: "pg_sleep", typeOid: 2278 }]);
      expect((await timed(() => session.query("SELECT pg_sleep(0.05) FROM generate_series(1, 4)"))).ms).toBeGreaterThanOrEqual(190);
      expect((await timed(() => session.query("SELECT pg_sleep_for('200 milliseconds')"))).ms).toBeGreaterThanOrEqual(190);
      const none = await timed(() => session.query("SELECT pg_sleep(NULL) IS NULL, pg_sleep(-5)"));
      expect(none.value.rows).toEqual([[true, ""]]);
      expect(none.ms).toBeLessThan(150);
      session.prepare("nap", "SELECT pg_sleep($1::float8)");
      expect((await timed(() => session.execute("nap", [0.15]))).ms).toBeGreaterThanOrEqual(140);
    } finally {
      await session.close();
      await db.close();
    }
  });

  it("leaves the event loop to other sessions while it waits", async () => {
    const db = await Database.open();
    const sleeper = db.connect();
    const other = db.connect();
    try {
      const sleeping = sleeper.query("SELECT pg_sleep(0.5)");
      const quick = await timed(() => other.query("SELECT 40 + 2"));
      expect(quick.value.rows).toEqual([[42]]);
      expect(quick.ms).toBeLessThan(400);
      await sleeping;
    } finally {
      await sleeper.close();
      await other.close();
      await db.close();
    }
  });

  it("ends with 57014 on statement_timeout and on cancel; a block then needs ROLLBACK", async () => {
    const db = await Database.open();
    const session = db.connect();
    try {
      await session.query("SET statement_timeout = '100ms'");
      const timedOut = await timed(() => session.query("SELECT pg_sleep(10)").catch((error: unknown) => error));
      expect(timedOut.value).toMatchObject({ sqlState: "57014", message: "canceling statement due to statement timeout" });
      expect(timedOut.ms).toBeLessThan(2000);
      await session.query("RESET statement_timeout");
      setTimeout(() => session.cancel(), 100);
      const canceled = await timed(() => session.query("SELECT pg_sleep(10)").catch((error: unknown) => error));
      expect(canceled.value).toMatchObject({ sqlState: "57014", message: "canceling statement due to user request" });
      expect(canceled.ms).toBeLessThan(2000);
      await session.query("BEGIN");
      await session.query("SET LOCAL statement_timeout = '50ms'");
      await expect(session.query("SELECT pg_sleep(5)")).rejects.toMatchObject({ sqlState: "57014" });
      await expect(session.query("SELECT 1")).rejects.toMatchObject({ sqlState: "25P02" });
      await session.query("ROLLBACK");
      expect((await session.query("SELECT 1 AS ok")).rows).toEqual([[1]]);
    } finally {
      await session.close();
      await db.close();
    }
  });
});
