/**
 * Index-provided order over the real engine: `ORDER BY pk LIMIT n` reads the primary key in order
 * and stops after n rows (EXPLAIN ANALYZE's actual rows of the scan, a count, not a timing), and
 * a reverse scan serves DESC; an order no index gives keeps its Sort and reads every row.
 */
import { describe, expect, it } from "vitest";
import { Database, type Session } from "../src/index.ts";

const tableRows = 20_000;

async function withSession(run: (session: Session) => Promise<void>): Promise<void> {
  const db = await Database.open({ analyzeIntervalMs: 0 });
  try {
    const session = db.connect();
    await session.query("CREATE TABLE big (id int PRIMARY KEY, grp int, note text)");
    await session.query("CREATE INDEX big_grp ON big (grp)");
    await session.query(`INSERT INTO big SELECT g, g % 100, 'n' || g FROM generate_series(1, ${tableRows}) g`);
    await run(session);
  } finally {
    await db.close();
  }
}

async function planLines(session: Session, sql: string): Promise<string[]> {
  return (await session.query(sql)).rows.map((row) => {
    const line = row[0];
    if (typeof line !== "string") throw new Error("EXPLAIN returns text lines");
    return line;
  });
}

describe("index-provided order", () => {
  it("ORDER BY pk LIMIT 10 reads 10 rows of the primary key, with no Sort", async () => {
    await withSession(async (session) => {
      const lines = await planLines(session, "EXPLAIN (ANALYZE, COSTS OFF) SELECT id, note FROM big ORDER BY id LIMIT 10");
      expect(lines.join("\n")).not.toContain("Sort");
      const scan = lines.find((line) => line.includes("Index Scan using big_pkey"));
      expect(scan).toMatch(/rows=10 loops=1/);
      const rows = (await session.query("SELECT id FROM big ORDER BY id LIMIT 3 OFFSET 2")).rows.map((row) => row[0]);
      expect(rows).toEqual([3, 4, 5]);
    });
  });

  it("DESC reads the primary key backwards", async () => {
    await withSession(async (session) => {
      const lines = await planLines(session, "EXPLAIN (ANALYZE, COSTS OFF) SELECT id FROM big ORDER BY id DESC LIMIT 5");
      expect(lines.find((line) => line.includes("Index Scan Backward using big_pkey"))).toMatch(/rows=5 loops=1/);
      expect((await session.query("SELECT id FROM big ORDER BY id DESC LIMIT 2")).rows.map((row) => row[0])).toEqual([tableRows, tableRows - 1]);
    });
  });

  it("DESC NULLS LAST is no index order: a Sort over every row", async () => {
    await withSession(async (session) => {
      const lines = await planLines(session, "EXPLAIN (ANALYZE, COSTS OFF) SELECT id FROM big ORDER BY id DESC NULLS LAST LIMIT 5");
      expect(lines.join("\n")).toContain("Sort");
      expect(lines.find((line) => line.includes("Scan"))).toMatch(new RegExp(`rows=${tableRows} loops=1`));
    });
  });
});
