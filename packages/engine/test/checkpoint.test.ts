/**
 * CHECKPOINT: what the log holds is written out to table files; superusers only (42501 otherwise,
 * PostgreSQL 15's message), and the data reads the same before and after, and after a reopen.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Database } from "../src/index.ts";

describe("CHECKPOINT", () => {
  it("writes the memtable out as table files, for superusers only", async () => {
    const dir = mkdtempSync(join(tmpdir(), "omnikv-checkpoint-"));
    try {
      let db = await Database.open({ dir });
      const admin = db.connect();
      await admin.query("CREATE TABLE t (id int PRIMARY KEY, v text)");
      await admin.query("INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 1000) g");
      expect(readdirSync(dir).filter((name) => name.endsWith(".sst"))).toEqual([]);
      expect((await admin.query("CHECKPOINT")).command).toBe("CHECKPOINT");
      expect(readdirSync(dir).filter((name) => name.endsWith(".sst")).length).toBeGreaterThan(0);
      await admin.query("CREATE ROLE plain LOGIN");
      const plain = db.connect({ user: "plain" });
      await expect(plain.query("CHECKPOINT")).rejects.toMatchObject({ sqlState: "42501", message: "must be superuser or have privileges of pg_checkpoint to do CHECKPOINT" });
      await admin.query("BEGIN");
      expect((await admin.query("CHECKPOINT")).command).toBe("CHECKPOINT");
      await admin.query("COMMIT");
      await db.close();
      db = await Database.open({ dir });
      expect((await db.connect().query("SELECT count(*)::int AS n, max(v) AS m FROM t")).rows).toEqual([[1000, "v999"]]);
      await db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
