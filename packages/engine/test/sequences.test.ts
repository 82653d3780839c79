/**
 * Sequence DDL takes effect when its transaction commits (the differential test compares the
 * statement-level behaviour with PostgreSQL); here: what is durable across a reopen.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Database, type Session } from "../src/index.ts";

async function next(session: Session, name: string): Promise<string> {
  const [row] = (await session.query(`SELECT nextval('${name}')::text`)).rows;
  const value = row?.[0];
  if (typeof value !== "string") throw new Error(`nextval('${name}') returned no text`);
  return value;
}

describe("sequence DDL across a reopen", () => {
  it("keeps a committed RESTART, and a rolled-back DROP leaves the sequence where it was", async () => {
    const dir = mkdtempSync(join(tmpdir(), "omnikv-seq-"));
    try {
      let db = await Database.open({ dir });
      let session = db.connect();
      await session.query("CREATE SEQUENCE a; CREATE SEQUENCE b");
      for (let i = 0; i < 40; i++) await next(session, "b");
      await session.query("BEGIN; ALTER SEQUENCE a RESTART WITH 1000; COMMIT");
      await session.query("BEGIN; DROP SEQUENCE b; ROLLBACK");
      await session.query("BEGIN; ALTER SEQUENCE b RESTART WITH 1; ROLLBACK");
      await db.close();

      db = await Database.open({ dir });
      session = db.connect();
      expect(await next(session, "a")).toBe("1000");
      // b handed out 1..40; after a reopen it resumes beyond them (a gap is allowed, a repeat never).
      expect(Number(await next(session, "b"))).toBeGreaterThan(40);
      await db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
