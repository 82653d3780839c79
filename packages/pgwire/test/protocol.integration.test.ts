/**
 * The protocol byte for byte over a raw socket: startup messages, simple and extended query flows
 * (PortalSuspended, NoData, skip-until-Sync, Flush), binary formats, COPY in and out, Terminate,
 * FATAL 08P01 for malformed or out-of-order input, and backpressure on a client that stops reading.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RawClient, eventually, fe, fieldsOf, typesOf, type BackendFrame } from "@omnikv/testkit";
import { DbError, SqlState } from "@omnikv/base";
import { PgServer, type Backend, type FieldDescription, type QueryEvent, type Session } from "@omnikv/pgwire";
import { startTestServer, type TestServer } from "./fixtures/servers.ts";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ messageSizeBytesMax: 64 * 1024 });
});

afterAll(async () => {
  await server.close();
  expect(server.internalErrors).toEqual([]);
});

const int32 = (value: number): Buffer => {
  const bytes = Buffer.alloc(4);
  bytes.writeInt32BE(value);
  return bytes;
};
const text = (frame: BackendFrame | undefined): string => frame?.payload.toString("utf8").replace(/\0$/, "") ?? "";

/** DataRow cells as raw bytes. */
function cellsOf(frame: BackendFrame): (Buffer | null)[] {
  const cells: (Buffer | null)[] = [];
  let offset = 2;
  for (let index = 0; index < frame.payload.readInt16BE(0); index += 1) {
    const length = frame.payload.readInt32BE(offset);
    offset += 4;
    cells.push(length < 0 ? null : frame.payload.subarray(offset, offset + length));
    offset += Math.max(length, 0);
  }
  return cells;
}

async function session(params: Record<string, string> = {}): Promise<RawClient> {
  return (await RawClient.startTrusted(server.port, params)).client;
}

describe("startup", () => {
  it("sends AuthenticationOk, the ParameterStatus set, BackendKeyData and ReadyForQuery(I)", async () => {
    const { client, frames } = await RawClient.startTrusted(server.port, { application_name: "raw", options: "-c search_path=public --work-mem=4MB" });
    expect(typesOf(frames)).toMatch(/^RS{13}KZ$/);
    const status: Record<string, string> = {};
    for (const one of frames.filter((frame) => frame.type === "S")) {
      const [name = "", value = ""] = text(one).split("\0");
      status[name] = value;
    }
    expect(status).toMatchObject({ server_version: expect.stringMatching(/^15\./) as unknown, application_name: "raw", session_authorization: "trusted", is_superuser: "off" });
    expect(Object.keys(status).sort()).toEqual(
      ["DateStyle", "IntervalStyle", "TimeZone", "application_name", "client_encoding", "default_transaction_read_only", "in_hot_standby",
        "integer_datetimes", "is_superuser", "server_encoding", "server_version", "session_authorization", "standard_conforming_strings"].sort(),
    );
    expect(text(frames.at(-1))).toBe("I");
    client.send(fe.query("SHOW search_path; SHOW work_mem"));
    const rows = (await client.readUntil("Z")).filter((one) => one.type === "D").map((one) => cellsOf(one)[0]?.toString());
    expect(rows).toEqual(["public", "4MB"]);
    client.destroy();
  });

  it("answers SSLRequest with N when no certificate is configured", async () => {
    const client = await RawClient.connect(server.port);
    client.send(fe.sslRequest());
    expect(await client.byte()).toBe("N");
    client.send(fe.startup({ user: "trusted" }));
    expect(typesOf(await client.readUntil("Z")).at(0)).toBe("R");
    client.destroy();
  });
});

describe("simple query", () => {
  it("answers an empty query with EmptyQueryResponse", async () => {
    const client = await session();
    client.send(fe.query("  "));
    expect(typesOf(await client.readUntil("Z"))).toBe("IZ");
    client.send(fe.query("SELECT 1; SELECT * FROM nope; SELECT 1"));
    const frames = await client.readUntil("Z");
    expect(typesOf(frames)).toBe("TDCEZ");
    expect(fieldsOf(frames[3]?.payload ?? Buffer.alloc(0))).toMatchObject({ S: "ERROR", V: "ERROR", C: "42P01", P: "25", H: "Create it first.", D: "There is no table nope." });
    client.destroy();
  });

  it("passes a Session's ParameterStatus and notices through mid-query", async () => {
    const client = await session();
    client.send(fe.query("SET application_name TO 'renamed'; NOTICE careful"));
    const frames = await client.readUntil("Z");
    expect(typesOf(frames)).toBe("SCNCZ");
    expect(text(frames[0])).toBe("application_name\0renamed");
    expect(fieldsOf(frames[2]?.payload ?? Buffer.alloc(0))).toMatchObject({ S: "NOTICE", V: "NOTICE", C: "00000", M: "careful" });
    client.destroy();
  });

  it("reports transaction status T and E in ReadyForQuery", async () => {
    const client = await session();
    client.send(fe.query("BEGIN"));
    expect(text((await client.readUntil("Z")).at(-1))).toBe("T");
    client.send(fe.query("SELECT * FROM nope"));
    expect(text((await client.readUntil("Z")).at(-1))).toBe("E");
    client.send(fe.query("ROLLBACK"));
    expect(text((await client.readUntil("Z")).at(-1))).toBe("I");
    client.destroy();
  });
});

describe("extended query", () => {
  it("describes, binds and executes with maxRows and PortalSuspended", async () => {
    const client = await session();
    // Inside a transaction block, so the portal outlives Sync (the backend drops portals at the end of a transaction).
    client.send(fe.query("BEGIN"));
    await client.readUntil("Z");
    client.send(Buffer.concat([fe.parse("s1", "SELECT generate_series(1, 5)"), fe.describe("S", "s1"), fe.bind("p1", "s1"), fe.describe("P", "p1"), fe.execute("p1", 2), fe.sync()]));
    const first = await client.readUntil("Z");
    expect(typesOf(first)).toBe("1tT2TDDsZ");
    expect(first[1]?.payload.readInt16BE(0)).toBe(0);
    client.send(Buffer.concat([fe.execute("p1", 2), fe.execute("p1", 2), fe.sync()]));
    const rest = await client.readUntil("Z");
    expect(typesOf(rest)).toBe("DDsDCZ");
    expect(rest.filter((one) => one.type === "D").map((one) => cellsOf(one)[0]?.toString())).toEqual(["3", "4", "5"]);
    // PostgreSQL's tag counts the rows of the finishing Execute only.
    expect(text(rest[4])).toBe("SELECT 1");
    client.send(Buffer.concat([fe.close("P", "p1"), fe.close("S", "s1"), fe.parse("", "BEGIN"), fe.describe("S", ""), fe.sync()]));
    const closed = await client.readUntil("Z");
    expect(typesOf(closed)).toBe("331tnZ");
    expect(text(closed.at(-1))).toBe("T");
    client.destroy();
  });

  it("passes binary parameters and results through unchanged", async () => {
    const client = await session();
    client.send(Buffer.concat([fe.parse("", "SELECT $1::int4", [23]), fe.bind("", "", [int32(-123_456)], [1], [1]), fe.describe("P", ""), fe.execute(""), fe.sync()]));
    const frames = await client.readUntil("Z");
    expect(typesOf(frames)).toBe("12TDCZ");
    const rowDescription = frames[2]?.payload ?? Buffer.alloc(0);
    expect(rowDescription.readInt16BE(rowDescription.length - 2)).toBe(1);
    expect(cellsOf(frames[3] ?? { type: "D", payload: Buffer.alloc(2) })[0]).toEqual(int32(-123_456));
    client.send(Buffer.concat([fe.bind("", "", [null], [1]), fe.execute(""), fe.sync()]));
    expect(cellsOf((await client.readUntil("Z"))[1] ?? { type: "D", payload: Buffer.alloc(2) })).toEqual([null]);
    client.destroy();
  });

  it("skips to Sync after an error, and Flush delivers without Sync", async () => {
    const client = await session();
    client.send(Buffer.concat([fe.parse("", "SELECT * FROM nope"), fe.bind("", ""), fe.execute(""), fe.query("SELECT 1"), fe.sync()]));
    const frames = await client.readUntil("Z");
    expect(typesOf(frames)).toBe("EZ");
    expect(fieldsOf(frames[0]?.payload ?? Buffer.alloc(0))["C"]).toBe("42P01");
    client.send(Buffer.concat([fe.parse("named", "SELECT 1"), fe.flush()]));
    expect(typesOf([(await client.frame()) ?? { type: "?", payload: Buffer.alloc(0) }])).toBe("1");
    client.send(Buffer.concat([fe.bind("", "missing"), fe.sync()]));
    expect(typesOf(await client.readUntil("Z"))).toBe("EZ");
    client.destroy();
  });
});

describe("COPY", () => {
  it("copies in with CopyData/CopyDone, out with CopyOutResponse, and fails with CopyFail", async () => {
    const client = await session();
    client.send(fe.query("COPY t FROM STDIN"));
    expect(typesOf([(await client.frame()) ?? { type: "?", payload: Buffer.alloc(0) }])).toBe("G");
    client.send(Buffer.concat([fe.copyData("one\ntw"), fe.copyData("o\n"), fe.copyDone()]));
    const done = await client.readUntil("Z");
    expect(typesOf(done)).toBe("CZ");
    expect(text(done[0])).toBe("COPY 2");
    client.send(fe.query("COPY t TO STDOUT"));
    const out = await client.readUntil("Z");
    expect(typesOf(out)).toBe("HddcCZ");
    expect(out.slice(1, 3).map((one) => one.payload.toString())).toEqual(["one\n", "two\n"]);
    client.send(fe.query("COPY t FROM STDIN"));
    await client.frame();
    client.send(Buffer.concat([fe.copyData("three\n"), fe.copyFail("client gave up"), fe.copyData("late\n")]));
    const failed = await client.readUntil("Z");
    expect(typesOf(failed)).toBe("EZ");
    expect(fieldsOf(failed[0]?.payload ?? Buffer.alloc(0))).toMatchObject({ C: "57014", M: "COPY from stdin failed: client gave up" });
    expect(server.state.table).toEqual(["one", "two"]);
    client.send(fe.query("SELECT 1"));
    expect(typesOf(await client.readUntil("Z"))).toBe("TDCZ");
    client.destroy();
  });
});

describe("bad input", () => {
  const fatalCode = (frames: readonly BackendFrame[]): readonly (string | undefined)[] =>
    frames.filter((one) => one.type === "E").map((one) => `${fieldsOf(one.payload)["S"]} ${fieldsOf(one.payload)["C"]}`);

  it.each([
    ["a password message after startup", fe.password("late")],
    ["an unknown message type", fe.raw("~", Buffer.alloc(3))],
    ["a message length below 4", Buffer.from([0x51, 0, 0, 0, 2])],
    ["an unterminated Query string", fe.raw("Q", Buffer.from("SELECT 1"))],
    ["a Bind with a negative parameter length", fe.raw("B", Buffer.from([0, 0, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xf0, 0, 0]))],
    ["a message over the size limit", fe.query("x".repeat(70 * 1024))],
    ["invalid UTF-8 in a string", fe.raw("Q", Buffer.from([0xc3, 0x28, 0]))],
  ])("closes the connection with FATAL 08P01 on %s", async (_what, bytes) => {
    const client = await session();
    client.send(bytes);
    expect(fatalCode(await client.readToEnd())).toEqual(["FATAL 08P01"]);
    expect(client.isClosed).toBe(true);
  });

  it("sends a non-DbError as XX000 without its text, reports it, and keeps the session", async () => {
    const crashing = await startTestServer();
    const { client } = await RawClient.startTrusted(crashing.port);
    client.send(fe.query("SELECT crash()"));
    const frames = await client.readUntil("Z");
    expect(typesOf(frames)).toBe("EZ");
    expect(fieldsOf(frames[0]?.payload ?? Buffer.alloc(0))).toMatchObject({ S: "ERROR", C: "XX000", M: "internal error" });
    expect(crashing.internalErrors).toHaveLength(1);
    client.send(fe.query("SELECT 1"));
    expect(typesOf(await client.readUntil("Z"))).toBe("TDCZ");
    client.destroy();
    await crashing.close();
  });

  it("ends the session on Terminate", async () => {
    const ended = server.state.sessionsEnded;
    const client = await session();
    client.send(fe.terminate());
    expect(await client.readToEnd()).toEqual([]);
    expect(await eventually(() => server.state.sessionsEnded === ended + 1)).toBe(true);
  });
});

describe("backpressure", () => {
  it("stops pulling rows while the client does not read, and releases the statement when it leaves", async () => {
    const total = 1_000_000;
    const client = await session();
    const before = server.state.seriesRowsProduced;
    client.socket.pause();
    client.send(fe.query(`SELECT generate_series(1, ${total})`));
    // Wait until the producer stands still while the client reads nothing, then check it stays still.
    let produced = -1;
    for (let sample = 0; sample < 100; sample += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const now = server.state.seriesRowsProduced - before;
      if (now > 0 && now === produced) break;
      produced = now;
    }
    expect(produced).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(server.state.seriesRowsProduced - before).toBe(produced);
    expect(produced).toBeLessThan(total / 2);
    const ended = server.state.sessionsEnded;
    client.destroy();
    expect(await eventually(() => server.state.sessionsEnded === ended + 1)).toBe(true);
  });
});

class SqlSyntaxError extends DbError {
  override readonly name = "SqlSyntaxError";
  readonly sqlState = SqlState.SyntaxError;
}

describe("a Session answering with a promise of its events", () => {
  const column: FieldDescription = { name: "n", tableOid: 0, columnNumber: 0, typeOid: 23, typeSize: 4, typeModifier: -1, format: 0 };
  const rowsOf = (count: number): QueryEvent[] => [{ kind: "rows", rows: Array.from({ length: count }, (_, i) => [Buffer.from(String(i + 1))]) }, { kind: "commandComplete", tag: `SELECT ${count}` }];
  /** Answers `N` with N rows and anything else with 42601, always through a promise, resolved a tick later. */
  const later = async (sql: string): Promise<QueryEvent[]> => {
    await new Promise((resolve) => setImmediate(resolve));
    if (!/^\d+$/.test(sql.trim())) throw new SqlSyntaxError(`syntax error at or near "${sql.trim()}"`);
    return rowsOf(Number(sql));
  };
  const backend: Backend = {
    passwordSecret: () => undefined,
    startup: (): Session => {
      const portals = new Map<string, string>();
      const statements = new Map<string, string>();
      return {
        transactionStatus: "I",
        simpleQuery: async (sql) => [{ kind: "rowDescription", fields: [column] }, ...(await later(sql))],
        parse: (name, sql) => void statements.set(name, sql),
        bind: ({ portal, statement }) => void portals.set(portal, statements.get(statement) ?? ""),
        describeStatement: () => ({ paramTypeOids: [], fields: [column] }),
        describePortal: () => [column],
        execute: (portal) => later(portals.get(portal) ?? ""),
        close: () => {},
        sync: () => {},
        cancel: () => {},
        end: () => {},
      };
    },
  };

  it("writes resolved events as they are and a rejection as an ErrorResponse, for Query and Execute", async () => {
    const promised = new PgServer({ backend, port: 0, hba: [{ database: "all", user: "all", address: "all", method: "trust" }] });
    const port = await promised.listen();
    try {
      const client = (await RawClient.startTrusted(port)).client;
      client.send(fe.query("3"));
      const simple = await client.readUntil("Z");
      expect(typesOf(simple)).toBe("TDDDCZ");
      expect(text(simple[4])).toBe("SELECT 3");
      client.send(fe.query("nope"));
      const failed = await client.readUntil("Z");
      expect(typesOf(failed)).toBe("EZ");
      expect(fieldsOf(failed[0]?.payload ?? Buffer.alloc(0))).toMatchObject({ C: "42601" });
      client.send(Buffer.concat([fe.parse("", "2"), fe.bind("", ""), fe.execute("", 0), fe.parse("", "bad"), fe.bind("", ""), fe.execute("", 0), fe.execute("", 0), fe.sync()]));
      const extended = await client.readUntil("Z");
      // The second Execute fails; the messages after it are skipped until Sync.
      expect(typesOf(extended)).toBe("12DDC12EZ");
      expect(text(extended[4])).toBe("SELECT 2");
      client.destroy();
    } finally {
      await promised.close();
    }
  });
});

describe("an answer while the same connection's next statement runs", () => {
  const column: FieldDescription = { name: "n", tableOid: 0, columnNumber: 0, typeOid: 23, typeSize: 4, typeModifier: -1, format: 0 };
  const slowMs = 600;
  /** "slow" holds the event loop for `slowMs` without yielding (as a long statement in microtasks does). */
  const backend: Backend = {
    passwordSecret: () => undefined,
    startup: (): Session => ({
      transactionStatus: "I",
      simpleQuery: async (sql) => {
        if (sql === "slow") {
          const until = performance.now() + slowMs;
          while (performance.now() < until) {
            // busy: no other callback may run
          }
        }
        return [{ kind: "rowDescription", fields: [column] }, { kind: "rows", rows: [[Buffer.from("1")]] }, { kind: "commandComplete", tag: "SELECT 1" }];
      },
      parse: () => {},
      bind: () => {},
      describeStatement: () => ({ paramTypeOids: [], fields: [column] }),
      describePortal: () => [column],
      execute: () => [],
      close: () => {},
      sync: () => {},
      cancel: () => {},
      end: () => {},
    }),
  };
  /**
   * A client in its own process (this one's event loop is held by "slow"): sends two Queries in one
   * packet and prints when each ReadyForQuery arrived, in ms after sending.
   */
  const client = `
    const net = require("node:net");
    const socket = net.connect(Number(process.argv[1]), "127.0.0.1");
    const cstr = (s) => Buffer.from(s + "\\0");
    const startup = Buffer.concat([Buffer.alloc(8), cstr("user"), cstr("u"), cstr("database"), cstr("d"), Buffer.from([0])]);
    startup.writeInt32BE(startup.length, 0);
    startup.writeInt32BE(196608, 4);
    const query = (sql) => { const body = cstr(sql); const head = Buffer.alloc(5); head.write("Q"); head.writeInt32BE(body.length + 4, 1); return Buffer.concat([head, body]); };
    let input = Buffer.alloc(0); let readyCount = 0; let sentAt = 0; const times = [];
    socket.on("connect", () => socket.write(startup));
    socket.on("data", (chunk) => {
      input = Buffer.concat([input, chunk]);
      while (input.length >= 5 && input.length >= 1 + input.readInt32BE(1)) {
        const type = String.fromCharCode(input[0]);
        input = input.subarray(1 + input.readInt32BE(1));
        if (type !== "Z") continue;
        readyCount += 1;
        if (readyCount === 1) { sentAt = performance.now(); socket.write(Buffer.concat([query("1"), query("slow")])); }
        else times.push(Math.round(performance.now() - sentAt));
        if (readyCount === 3) { process.stdout.write(JSON.stringify(times)); socket.destroy(); }
      }
    });
  `;

  it("goes out before that statement ends when the client pipelined it", async () => {
    const { spawn } = await import("node:child_process");
    const pipelined = new PgServer({ backend, port: 0, hba: [{ database: "all", user: "all", address: "all", method: "trust" }] });
    const port = await pipelined.listen();
    try {
      const child = spawn(process.execPath, ["-e", client, String(port)], { stdio: ["ignore", "pipe", "inherit"] });
      let output = "";
      child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
      await new Promise((resolve) => child.on("exit", resolve));
      const parsed: unknown = JSON.parse(output);
      if (!Array.isArray(parsed) || !parsed.every((time): time is number => typeof time === "number")) throw new Error(`the client printed ${output}`);
      const [first = Number.POSITIVE_INFINITY, second = 0] = parsed;
      // The first answer arrives while "slow" still holds the server, not after it.
      expect(first).toBeLessThan(slowMs / 2);
      expect(second).toBeGreaterThanOrEqual(slowMs - 50);
    } finally {
      await pipelined.close();
    }
  });
});
