/**
 * Golden frames recorded from a real PostgreSQL 15: each case in testdata/pg15-frames.txt sends
 * frontend messages over a fresh trusted connection and prints every backend frame as hex (error
 * and notice frames as their S/V/C/M/P fields, since PostgreSQL adds file/line/routine fields).
 * Normally the cases run against PgServer over the test backend and must match byte for byte.
 *
 * `REWRITE=1 npx vitest run test/golden-frames.test.ts` re-records the file from PostgreSQL 15
 * (started by testkit's `startPostgres`; needs Debian's postgresql-15 binaries), never from PgServer.
 *
 * Input lines: `Q sql` | `P name|sql|oid,oid` | `B portal|statement|hex-or-NULL,…|formats|result formats`
 * | `D S|name` or `D P|name` | `E portal|maxRows` | `C S|name` | `S` | `H`.
 */
import { startPostgres, runDataDrivenAsync, unknownCommand, type DataDrivenCase, type PostgresServer } from "@omnikv/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RawClient, fe, fieldsOf, type BackendFrame } from "@omnikv/testkit";
import { startTestServer, type TestServer } from "./fixtures/servers.ts";

const goldenPath = new URL("../testdata/pg15-frames.txt", import.meta.url).pathname;
const isRecording = process.env["REWRITE"] === "1";

let target: { readonly port: number; readonly user: string; readonly database: string; close(): Promise<void> };
let testServer: TestServer | undefined;

beforeAll(async () => {
  if (isRecording) {
    const postgres: PostgresServer = await startPostgres();
    target = { port: postgres.port, user: postgres.user, database: postgres.database, close: () => postgres.stop() };
  } else {
    testServer = await startTestServer();
    target = { port: testServer.port, user: "trusted", database: "db", close: () => testServer?.close() ?? Promise.resolve() };
  }
}, 60_000);

afterAll(async () => {
  await target.close();
  expect(testServer?.internalErrors ?? []).toEqual([]);
});

const split = (text: string): string[] => text.split("|");
const list = (text: string | undefined): string[] => (text === undefined || text === "" ? [] : text.split(","));

function encode(line: string): Buffer {
  const type = line.slice(0, 1);
  const rest = line.slice(2);
  const [a = "", b = "", c, d, e] = split(rest);
  switch (type) {
    case "Q":
      return fe.query(rest);
    case "P":
      return fe.parse(a, b, list(c).map(Number));
    case "B":
      return fe.bind(a, b, list(c).map((hex) => (hex === "NULL" ? null : Buffer.from(hex, "hex"))), list(d).map(Number), list(e).map(Number));
    case "D":
      return fe.describe(a === "S" ? "S" : "P", b);
    case "C":
      return fe.close(a === "S" ? "S" : "P", b);
    case "E":
      return fe.execute(a, Number(b || "0"));
    case "S":
      return fe.sync();
    case "H":
      return fe.flush();
    default:
      throw new Error(`unknown golden input line: ${line}`);
  }
}

function render(frame: BackendFrame): string {
  if (frame.type === "E" || frame.type === "N") {
    const fields = fieldsOf(frame.payload);
    return `${frame.type} ${["S", "V", "C", "M", "P"].filter((code) => fields[code] !== undefined).map((code) => `${code}=${fields[code] ?? ""}`).join(" ")}`;
  }
  return frame.payload.length === 0 ? frame.type : `${frame.type} ${frame.payload.toString("hex")}`;
}

/** ParameterStatus values that are the same on any PostgreSQL 15 with UTF8 and default settings. */
const stableStatus = new Set(["DateStyle", "IntervalStyle", "client_encoding", "server_encoding", "integer_datetimes", "standard_conforming_strings", "default_transaction_read_only", "in_hot_standby"]);

async function connect(): Promise<{ client: RawClient; frames: BackendFrame[] }> {
  const client = await RawClient.connect(target.port);
  client.send(fe.startup({ user: target.user, database: target.database }));
  return { client, frames: await client.readUntil("Z") };
}

async function runCase(testCase: DataDrivenCase): Promise<string> {
  const { client, frames } = await connect();
  try {
    if (testCase.command === "startup") {
      const lines = frames.map((frame) => {
        if (frame.type !== "S") return frame.type === "K" ? "K" : render(frame);
        const [name = "", value = ""] = frame.payload.toString("utf8").split("\0");
        return stableStatus.has(name) ? `S ${name}=${value}` : `S ${name}`;
      });
      const statuses = lines.filter((line) => line.startsWith("S ")).sort();
      return [...lines.filter((line) => !line.startsWith("S ") && line !== "K" && !line.startsWith("Z")), ...statuses, "K", render(frames.at(-1) ?? { type: "?", payload: Buffer.alloc(0) })].join("\n");
    }
    if (testCase.command !== "exchange") return unknownCommand(testCase);
    const inputs = testCase.input.split("\n").filter((line) => line !== "");
    client.send(Buffer.concat(inputs.map(encode)));
    const expectedReady = inputs.filter((line) => line.startsWith("Q ") || line === "S").length;
    const out: string[] = [];
    for (let ready = 0; ready < expectedReady; ) {
      const batch = await client.readUntil("Z");
      out.push(...batch.map(render));
      ready += 1;
    }
    return out.join("\n");
  } finally {
    client.send(fe.terminate());
    client.destroy();
  }
}

describe("golden frames from PostgreSQL 15", () => {
  it("matches testdata/pg15-frames.txt", async () => {
    await runDataDrivenAsync(goldenPath, runCase);
  });
});
