/**
 * Authentication and connection limits over real TCP: SCRAM-SHA-256, md5, cleartext and trust chosen
 * by pg_hba-like rules, wrong passwords (28P01, no hint of which part was wrong), rejection (28000),
 * TLS, max_connections (53300) and the startup timeout.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, type ClientConfig } from "pg";
import { RawClient, eventually, fe, fieldsOf, typesOf } from "@omnikv/testkit";
import { startTestServer, type TestServer } from "./fixtures/servers.ts";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({
    tls: { cert: readFileSync(new URL("fixtures/tls-cert.pem", import.meta.url)), key: readFileSync(new URL("fixtures/tls-key.pem", import.meta.url)) },
  });
});

afterAll(async () => {
  await server.close();
  expect(server.internalErrors).toEqual([]);
});

async function login(config: ClientConfig): Promise<unknown> {
  const client = new Client({ host: "127.0.0.1", port: server.port, ...config });
  try {
    await client.connect();
    const result = await client.query("SELECT 1");
    return result.rowCount;
  } catch (error) {
    return error;
  } finally {
    await client.end().catch(() => {});
  }
}

describe("authentication", () => {
  it("logs in with SCRAM-SHA-256", async () => {
    expect(await login({ user: "alice", password: "wonderland" })).toBe(1);
  });

  it("logs in with md5", async () => {
    expect(await login({ user: "md5user", password: "hash me" })).toBe(1);
  });

  it("logs in with a cleartext password", async () => {
    expect(await login({ user: "plainuser", password: "in the clear" })).toBe(1);
  });

  it("logs in with trust, sending no password", async () => {
    expect(await login({ user: "trusted" })).toBe(1);
  });

  it.each([
    ["SCRAM", "alice"],
    ["md5", "md5user"],
    ["cleartext", "plainuser"],
    ["an unknown user", "mallory"],
  ])("fails with 28P01 for a wrong password (%s)", async (_method, user) => {
    const error = await login({ user, password: "wrong" });
    expect(error).toMatchObject({ code: "28P01", severity: "FATAL", message: `password authentication failed for user "${user}"` });
    expect(error).not.toHaveProperty("hint", expect.anything());
  });

  it("rejects by rule with 28000", async () => {
    expect(await login({ user: "blocked", password: "x" })).toMatchObject({ code: "28000", message: expect.stringContaining("rejects connection") as unknown });
  });

  it("accepts a hostssl rule only over TLS, and a TLS login otherwise works", async () => {
    expect(await login({ user: "tlsonly", password: "x" })).toMatchObject({ code: "28P01" });
    expect(await login({ user: "tlsonly", ssl: { rejectUnauthorized: false } })).toBe(1);
    expect(await login({ user: "alice", password: "wonderland", ssl: { rejectUnauthorized: false } })).toBe(1);
  });

  it("closes a connection whose TLS handshake is garbage, and keeps serving", async () => {
    const client = await RawClient.connect(server.port);
    client.send(fe.sslRequest());
    expect(await client.byte()).toBe("S");
    client.send(Buffer.from("this is not a TLS ClientHello, not at all\n".repeat(4)));
    await client.readToEnd();
    expect(client.isClosed).toBe(true);
    const early = await RawClient.connect(server.port);
    early.send(Buffer.concat([fe.sslRequest(), fe.startup({ user: "trusted" })]));
    expect(await early.byte()).toBe("E");
    expect(await login({ user: "alice", password: "wonderland", ssl: { rejectUnauthorized: false } })).toBe(1);
  });

  it("answers GSSENCRequest with N and then serves the startup packet", async () => {
    const client = await RawClient.connect(server.port);
    client.send(fe.gssEncRequest());
    expect(await client.byte()).toBe("N");
    client.send(fe.startup({ user: "trusted" }));
    expect(typesOf(await client.readUntil("Z"))).toMatch(/^R(S)+KZ$/);
    client.destroy();
  });
});

describe("limits", () => {
  it("refuses the connection past max_connections with 53300 and serves again after one leaves", async () => {
    const limited = await startTestServer({ maxConnections: 2 });
    const connect = async (): Promise<Client> => {
      const client = new Client({ host: "127.0.0.1", port: limited.port, user: "trusted" });
      await client.connect();
      return client;
    };
    const first = await connect();
    const second = await connect();
    await expect(connect()).rejects.toMatchObject({ code: "53300", message: "sorry, too many clients already" });
    await first.end();
    expect(await eventually(() => limited.server.sessionCount === 1)).toBe(true);
    const third = await connect();
    await Promise.all([second.end(), third.end()]);
    await limited.close();
    expect(limited.server.sessionCount).toBe(0);
  });

  it("closes a connection that does not finish startup in time", async () => {
    const hurried = await startTestServer({ startupTimeoutMs: 200 });
    const idle = await RawClient.connect(hurried.port);
    const started = Date.now();
    expect(await idle.readToEnd()).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    // A half-finished SCRAM exchange is cut off the same way.
    const halfway = await RawClient.connect(hurried.port);
    halfway.send(fe.startup({ user: "alice" }));
    expect(typesOf(await halfway.readToEnd())).toBe("R");
    await hurried.close();
  });

  it("rejects a startup packet over 10,000 bytes and an unknown protocol major version", async () => {
    const huge = await RawClient.connect(server.port);
    huge.send(fe.startup({ user: "x".repeat(20_000) }));
    const frames = await huge.readToEnd();
    expect(frames.map((one) => fieldsOf(one.payload)["C"])).toEqual(["08P01"]);
    const old = await RawClient.connect(server.port);
    old.send(fe.startup({ user: "trusted" }, 2 << 16));
    expect((await old.readToEnd()).map((one) => fieldsOf(one.payload)["C"])).toEqual(["0A000"]);
  });

  it("answers a newer 3.x minor version with NegotiateProtocolVersion", async () => {
    const client = await RawClient.connect(server.port);
    client.send(fe.startup({ user: "trusted", "_pq_.compression": "on" }, (3 << 16) | 2));
    const frames = await client.readUntil("Z");
    const negotiate = frames.find((one) => one.type === "v");
    expect(negotiate?.payload.readInt32BE(0)).toBe(3 << 16);
    client.destroy();
  });
});
