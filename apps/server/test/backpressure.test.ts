/**
 * Backpressure: a client that stops reading never makes the server buffer the result. A 400 MB
 * SELECT (simple protocol outside and inside a transaction block, and extended protocol with
 * Execute maxRows 0) sent by a client whose
 * socket is paused stays in pg_stat_activity, held by the full socket, while the
 * server's resident memory grows by far less than the result; other sessions keep working, and
 * closing the stalled connection ends the statement.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RawClient, fe, makeTempDir } from "@omnikv/testkit";
import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { password, startServerProcess, type ServerProcess } from "./server-process.ts";

const temp = makeTempDir("server-backpressure");
let server: ServerProcess;
let admin: Client;

/** The result: 400,000 rows of about 1 KB, produced on the fly by generate_series. */
const bigSelect = "SELECT g, repeat('x', 1000) AS filler FROM generate_series(1, 400000) g";
const resultBytes = 400_000 * 1000;
/** What the server may add to its resident memory while the result is stalled. */
const growthBytesMax = 150 * 1024 * 1024;

function residentBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (match?.[1] === undefined) throw new Error("no VmRSS");
  return Number(match[1]) * 1024;
}

async function stateOf(queryText: string): Promise<string | undefined> {
  const result = await admin.query<{ state: string }>("SELECT state FROM pg_stat_activity WHERE query = $1", [queryText]);
  return result.rows[0]?.state;
}

beforeAll(async () => {
  const config = join(temp.path, "omnikv.json");
  writeFileSync(
    config,
    JSON.stringify({
      hba: [
        { database: "all", user: ["trusted"], address: "127.0.0.1/32", method: "trust" },
        { database: "all", user: "all", address: "127.0.0.1/32", method: "scram-sha-256" },
      ],
    }),
  );
  server = await startServerProcess(join(temp.path, "data"), ["--config", config]);
  admin = new Client({ host: "127.0.0.1", port: server.port, user: "omnikv", password, database: "postgres" });
  await admin.connect();
  await admin.query("CREATE ROLE trusted LOGIN");
});

afterAll(async () => {
  await admin.end();
  await server.stop();
  temp.cleanup();
});

describe("a client that stops reading", () => {
  for (const protocol of ["simple", "extended", "simple, in a transaction block"] as const) {
    it(`holds a large result back instead of buffering it (${protocol} protocol)`, async () => {
      const pid = server.child.pid ?? 0;
      const before = residentBytes(pid);
      const { client } = await RawClient.startTrusted(server.port, { database: "postgres" });
      client.socket.pause();
      const text = protocol === "simple, in a transaction block" ? `BEGIN; ${bigSelect}` : bigSelect;
      if (protocol === "extended") client.send(Buffer.concat([fe.parse("", bigSelect), fe.bind("", ""), fe.execute("", 0), fe.sync()]));
      else client.send(fe.query(text));
      // Let the server fill the socket and stall.
      await new Promise((resolve) => setTimeout(resolve, 3000));
      // The simple protocol's statement is running; an extended-protocol portal is fetched in
      // steps, and between them the engine shows the session idle (a known difference: PostgreSQL
      // shows "active" for the whole Execute).
      expect(await stateOf(text)).toBe(protocol === "extended" ? "idle" : "active");
      const growth = residentBytes(pid) - before;
      expect(growth, `the server grew by ${Math.round(growth / 1e6)} MB for a ${resultBytes / 1e6} MB result`).toBeLessThan(growthBytesMax);
      // Another session is served meanwhile.
      expect((await admin.query("SELECT 1 + 1 AS two")).rows).toEqual([{ two: 2 }]);
      client.destroy();
      for (let attempt = 0; attempt < 100 && (await stateOf(text)) !== undefined; attempt++) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await stateOf(text)).toBeUndefined();
    });
  }

  it("streams a result the client does read, in full and in order", async () => {
    const result = await admin.query<{ g: number; n: number }>("SELECT g, length(repeat('y', g % 100)) AS n FROM generate_series(1, 50000) g");
    expect(result.rows).toHaveLength(50_000);
    expect(result.rows[49_999]).toEqual({ g: 50_000, n: 0 });
    expect(result.rows.every((row, index) => row.g === index + 1)).toBe(true);
  });
});
