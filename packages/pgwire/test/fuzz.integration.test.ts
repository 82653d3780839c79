/**
 * Protocol fuzzing over raw sockets: fast-check builds message streams from valid messages,
 * corrupted ones (flipped bytes, wrong lengths, truncation) and plain noise, and sends them in random
 * fragments. Properties: the server never reports an internal error or crashes; every fuzzed
 * connection is closed by the server (at the latest once the client half-closes); a stream whose
 * first bad message is a complete, unknown frame gets FATAL 08P01; and a concurrent node-postgres
 * session keeps getting correct answers throughout. Seeds: FC_SEED / FC_PATH / FC_NUM_RUNS.
 */
import * as fc from "fast-check";
import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RawClient, closesWithin, fe, fieldsOf, propertyParams, sendFragmented } from "@omnikv/testkit";
import { startTestServer, type TestServer } from "./fixtures/servers.ts";

let server: TestServer;
let healthy: Client;
let healthyAnswers = 0;
const healthyMismatches: string[] = [];
const healthyLoopState = { isRunning: true };
let healthyLoop: Promise<void> = Promise.resolve();

beforeAll(async () => {
  server = await startTestServer({ messageSizeBytesMax: 16 * 1024, startupTimeoutMs: 5000 });
  healthy = new Client({ host: "127.0.0.1", port: server.port, user: "alice", password: "wonderland" });
  await healthy.connect();
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
  await server.close();
});

const queries = ["SELECT 1", "SELECT generate_series(1, 40)", "SELECT * FROM nope", "BEGIN", "ROLLBACK", "COPY t FROM STDIN", "COPY t TO STDOUT", "NOTICE hi", "", "SHOW x"];

const validMessage = fc.oneof(
  fc.constantFrom(...queries).map((sql) => fe.query(sql)),
  fc.constantFrom(...queries).map((sql) => fe.parse("", sql)),
  fc.constantFrom("", "s").map((name) => fe.parse(name, "SELECT $1::int4", [23])),
  fc.tuple(fc.constantFrom("", "s"), fc.option(fc.uint8Array({ maxLength: 6 }).map((bytes) => Buffer.from(bytes))), fc.constantFrom(0, 1)).map(
    ([name, param, format]) => fe.bind("", name, [param], [format], [format]),
  ),
  fc.constantFrom(fe.describe("S", ""), fe.describe("P", ""), fe.describe("S", "s"), fe.close("S", "s"), fe.close("P", "")),
  fc.nat({ max: 3 }).map((maxRows) => fe.execute("", maxRows)),
  fc.constantFrom(fe.sync(), fe.flush(), fe.copyData("row\n"), fe.copyDone(), fe.copyFail("stop")),
);

const corruptMessage = fc.oneof(
  // One byte of a valid message replaced.
  fc.tuple(validMessage, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([message, at, byte]) => {
    const copy = Buffer.from(message);
    copy[at % copy.length] = byte;
    return copy;
  }),
  // A valid message's length field off by a little or a lot.
  fc.tuple(validMessage, fc.integer({ min: -8, max: 1 << 20 })).map(([message, delta]) => {
    const copy = Buffer.from(message);
    copy.writeInt32BE(copy.readInt32BE(1) + delta, 1);
    return copy;
  }),
  // Truncated.
  fc.tuple(validMessage, fc.nat()).map(([message, cut]) => message.subarray(0, cut % message.length)),
  // Noise.
  fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
);

/** A complete frame whose type no frontend message has: the server must answer FATAL 08P01. */
const unknownFrame = fc.constantFrom("~", "!", "0", "z", "R").map((type) => fe.raw(type, Buffer.from("junk")));


describe("protocol fuzzing", () => {
  it("survives corrupted, truncated and fragmented streams after startup", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof({ weight: 3, arbitrary: validMessage }, { weight: 1, arbitrary: corruptMessage }), { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        async (messages, cuts) => {
          const { client } = await RawClient.startTrusted(server.port);
          await sendFragmented(client, Buffer.concat(messages), cuts);
          client.socket.end();
          const frames = await client.readToEnd();
          expect(await closesWithin(client, 3000)).toBe(true);
          for (const frame of frames.filter((one) => one.type === "E" && fieldsOf(one.payload)["S"] === "FATAL")) {
            expect(fieldsOf(frame.payload)["C"]).toBe("08P01");
          }
          client.destroy();
        },
      ),
      propertyParams(40),
    );
    expect(server.internalErrors).toEqual([]);
  });

  it("answers a complete unknown frame after valid messages with FATAL 08P01 and closes", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(validMessage, { maxLength: 6 }), unknownFrame, fc.array(fc.nat(), { maxLength: 6 }), async (valid, bad, cuts) => {
        const { client } = await RawClient.startTrusted(server.port);
        // COPY FROM STDIN would make the unknown frame a COPY-phase error; end any COPY first.
        await sendFragmented(client, Buffer.concat([...valid, fe.copyDone(), fe.sync(), bad]), cuts);
        const frames = await client.readToEnd();
        const fatal = frames.filter((one) => one.type === "E" && fieldsOf(one.payload)["S"] === "FATAL");
        expect(fatal.map((one) => fieldsOf(one.payload)["C"])).toEqual(["08P01"]);
        expect(client.isClosed).toBe(true);
      }),
      propertyParams(30),
    );
    expect(server.internalErrors).toEqual([]);
  });

  it("survives noise before and during startup", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(corruptMessage, fc.constant(fe.startup({ user: "trusted" })), fc.constant(fe.sslRequest())), { minLength: 1, maxLength: 4 }), fc.array(fc.nat(), { maxLength: 6 }), async (parts, cuts) => {
        const client = await RawClient.connect(server.port);
        await sendFragmented(client, Buffer.concat(parts), cuts);
        client.socket.end();
        await client.readToEnd();
        expect(await closesWithin(client, 3000)).toBe(true);
        client.destroy();
      }),
      propertyParams(30),
    );
    expect(server.internalErrors).toEqual([]);
  });

  it("kept the concurrent healthy session correct throughout", async () => {
    const before = healthyAnswers;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(healthyAnswers).toBeGreaterThan(before);
    expect(healthyAnswers).toBeGreaterThan(20);
    expect(healthyMismatches).toEqual([]);
    expect((await healthy.query("SELECT 1")).rows).toEqual([{ "?column?": 1 }]);
  });
});
