import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { postgresBinDir, startPostgres } from "@omnikv/testkit";

describe("startPostgres", () => {
  it("starts a private PostgreSQL 15 that answers queries, and stop() removes it", async () => {
    const binDir = postgresBinDir();
    expect(binDir, "PostgreSQL 15 must be installed: .ci/run installs postgresql-15").toBeDefined();
    const server = await startPostgres();
    const psql = join(binDir ?? "", "psql");
    const query = (sql: string): string =>
      execFileSync(psql, ["-h", server.host, "-p", String(server.port), "-U", server.user, "-XAtc", sql], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
      }).trim();
    let dataDir = "";
    try {
      expect(server.version).toMatch(/^15\./);
      expect(query("SELECT 6 * 7")).toBe("42");
      dataDir = query("SHOW data_directory");
      expect(existsSync(dataDir)).toBe(true);
    } finally {
      await server.stop();
    }
    expect(() => query("SELECT 1")).toThrow(/Command failed/);
    expect(existsSync(dataDir)).toBe(false);
  });
});
