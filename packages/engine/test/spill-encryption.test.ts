/**
 * The engine's spill settings reach the executor: a sort beyond work_mem spills into the
 * configured temporary directory, every chunk goes through the configured SpillCipher, and
 * while a portal is suspended mid-result its spill files hold no plaintext. The cipher is
 * testkit's AES-256-GCM (the server passes @omnikv/security's, which engine may not import).
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createCountingTestCipher } from "@omnikv/testkit";
import { Database } from "../src/index.ts";

function spillFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .map((name) => join(dir, name))
    .filter((path) => /run-\d+$/.test(path));
}

describe("spill settings", () => {
  for (const isEncrypted of [false, true]) {
    it(`spill into the configured directory ${isEncrypted ? "sealed by the cipher" : "in plaintext without one"}`, async () => {
      const tempDirectory = mkdtempSync(join(tmpdir(), "omnikv-engine-spill-"));
      const cipher = createCountingTestCipher();
      const db = await Database.open({ tempDirectory, ...(isEncrypted ? { spillCipher: cipher } : {}) });
      const session = db.connect();
      try {
        await session.query("CREATE TABLE t (id int PRIMARY KEY, v text)");
        await session.query("INSERT INTO t SELECT g, 'SPILL-MARKER-' || (g * 7919 % 20000) FROM generate_series(1, 20000) g");
        await session.query("SET work_mem = '64kB'");
        session.prepare("sorted", "SELECT v FROM t ORDER BY v");
        session.bind("p", "sorted", []);
        const first = await session.executePortal("p", 1);
        expect(first.isSuspended).toBe(true);
        const files = spillFiles(tempDirectory);
        expect(files.length).toBeGreaterThan(0);
        const withPlaintext = files.filter((path) => readFileSync(path).includes(Buffer.from("SPILL-MARKER")));
        if (isEncrypted) {
          expect(withPlaintext).toEqual([]);
          expect(cipher.sealed).toBeGreaterThan(0);
        } else {
          expect(withPlaintext.length).toBeGreaterThan(0);
          expect(cipher.sealed).toBe(0);
        }
        const rest = await session.executePortal("p", 100_000);
        expect(rest.rows).toHaveLength(19_999);
        await session.sync();
      } finally {
        await session.close();
        await db.close();
        rmSync(tempDirectory, { recursive: true, force: true });
      }
    });
  }
});
