/**
 * Protocol fuzzing against the real server process: fast-check builds message streams from valid
 * messages (real SQL against a real table), corrupted ones (a byte replaced, a wrong length,
 * truncation) and noise, sent in random fragments on trust-authenticated connections. Properties:
 * the server never logs an internal error and never exits; every fuzzed connection is closed by
 * the server once the client half-closes; a FATAL is only ever 08P01; and a concurrent SCRAM
 * session keeps getting correct answers throughout. Seeds: FC_SEED / FC_PATH / FC_NUM_RUNS.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import * as fc from "fast-check";
import { RawClient, closesWithin, fe, fieldsOf, makeTempDir, propertyParams, sendFragmented } from "@omnikv/testkit";
import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { password, startServerProcess, type ServerProcess } from "./server-process.ts";

const temp = makeTempDir("server-fuzz");
let server: ServerProcess;
let healthy: Client;
let healthyAnswers = 0;
const healthyMismatches: string[] = [];
const healthyLoopState = { isRunning: true };
let healthyLoop: Promise<void> = Promise.resolve();

beforeAll(async () => {
  // The fuzzed connections log in as "trusted" without a password; everyone else uses SCRAM.
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
  healthy = new Client({ host: "127.0.0.1", port: server.port, user: "omnikv", password, database: "postgres" });
  await healthy.connect();
  // The fuzzed connections' role must exist to log in (28000 otherwise); a superuser, so the
  // fuzzed statements reach the engine as the superuser's did before roles were enforced.
  await healthy.query("CREATE ROLE trusted LOGIN SUPERUSER");
  await healthy.query("CREATE TABLE fz (n int PRIMARY KEY, t text)");
  healthyLoop = (async (): Promise<void> => {
    for (let round = 0; healthyLoopState.isRunning; round += 1) {
      const value = `value-${round}-${"é".repeat(round % 5)}`;
      const result = await healthy.query<{ text: string }>("SELECT $1::text", [value]);
      if (result.rows[0]?.text !== value) healthyMismatches.push(`${value} → ${JSON.stringify(result.rows)}`);
      healthyAnswers += 1;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
});

afterAll(async () => {
  healthyLoopState.isRunning = false;
  await healthyLoop;
  await healthy.end();
  await server.stop();
  temp.cleanup();
});

const queries = [
  "SELECT 1",
  "SELECT generate_series(1, 40)",
  "SELECT * FROM nope",
  "BEGIN",
  "ROLLBACK",
  "COMMIT",
  "INSERT INTO fz VALUES (1, 'a') ON CONFLICT DO NOTHING",
  "UPDATE fz SET t = t || 'x'",
  "COPY fz FROM STDIN",
  "COPY fz TO STDOUT",
  "",
  "SHOW TimeZone",
  "SELECT pg_sleep",
];

const validMessage = fc.oneof(
  fc.constantFrom(...queries).map((sql) => fe.query(sql)),
  fc.constantFrom(...queries).map((sql) => fe.parse("", sql)),
  fc.constantFrom("", "s").map((name) => fe.parse(name, "SELECT $1::int4", [23])),
  fc.tuple(fc.constantFrom("", "s"), fc.option(fc.uint8Array({ maxLength: 6 }).map((bytes) => Buffer.from(bytes))), fc.constantFrom(0, 1)).map(
    ([name, param, format]) => fe.bind("", name, [param], [format], [format]),
  ),
  fc.constantFrom(fe.describe("S", ""), fe.describe("P", ""), fe.describe("S", "s"), fe.close("S", "s"), fe.close("P", "")),
  fc.nat({ max: 3 }).map((maxRows) => fe.execute("", maxRows)),
  fc.constantFrom(fe.sync(), fe.flush(), fe.copyData("7\tseven\n"), fe.copyData("junk"), fe.copyDone(), fe.copyFail("stop")),
);

const corruptMessage = fc.oneof(
  fc.tuple(validMessage, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([message, at, byte]) => {
    const copy = Buffer.from(message);
    copy[at % copy.length] = byte;
    return copy;
  }),
  fc.tuple(validMessage, fc.integer({ min: -8, max: 1 << 20 })).map(([message, delta]) => {
    const copy = Buffer.from(message);
    copy.writeInt32BE(copy.readInt32BE(1) + delta, 1);
    return copy;
  }),
  fc.tuple(validMessage, fc.nat()).map(([message, cut]) => message.subarray(0, cut % message.length)),
  fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
);


describe("protocol fuzzing against the server", () => {
  it("survives corrupted, truncated and fragmented streams after startup", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof({ weight: 3, arbitrary: validMessage }, { weight: 1, arbitrary: corruptMessage }), { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        async (messages, cuts) => {
          const { client } = await RawClient.startTrusted(server.port, { database: "postgres" });
          await sendFragmented(client, Buffer.concat(messages), cuts);
          client.socket.end();
          const frames = await client.readToEnd();
          expect(await closesWithin(client, 5000)).toBe(true);
          for (const frame of frames.filter((one) => one.type === "E" && fieldsOf(one.payload)["S"] === "FATAL")) {
            expect(fieldsOf(frame.payload)["C"]).toBe("08P01");
          }
          client.destroy();
        },
      ),
      propertyParams(40),
    );
    expect(server.child.exitCode).toBeNull();
    expect(server.logs.filter((line) => line.includes('"level":"error"'))).toEqual([]);
  });

  it("kept the concurrent healthy session correct throughout", async () => {
    const before = healthyAnswers;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(healthyAnswers).toBeGreaterThan(before);
    expect(healthyMismatches).toEqual([]);
    expect((await healthy.query("SELECT count(*)::int AS n FROM fz WHERE n = 1")).rows.length).toBe(1);
  });
});
