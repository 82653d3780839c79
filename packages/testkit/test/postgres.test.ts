import { execFileSync, spawn } from "node:child_process";
import { createConnection } from "node:net";
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

  it("dies with its test process: a SIGKILLed parent leaves no server behind", async () => {
    const child = spawn(process.execPath, [join(import.meta.dirname, "fixtures/postgres-child.mjs")], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.once("data", (chunk: Buffer) => resolve(Number(chunk.toString("utf8").trim())));
      child.once("exit", (code) => reject(new Error(`the child exited with ${String(code)} before starting PostgreSQL`)));
    });
    expect(await isListening(port)).toBe(true);
    child.kill("SIGKILL");
    const deadline = Date.now() + 10_000;
    while ((await isListening(port)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await isListening(port)).toBe(false);
  });
});

async function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
