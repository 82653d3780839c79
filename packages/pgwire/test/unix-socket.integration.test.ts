/**
 * Unix-domain sockets (PostgreSQL's `unix_socket_directories`): real `pg` clients through
 * `DIR/.s.PGSQL.PORT`, `local` hba rules, no TLS over the socket, a stale socket left by a killed
 * process replaced, a live one or a stranger file refused, and the socket removed at close.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, type ClientConfig } from "pg";
import { fe } from "@omnikv/testkit";
import { PgServer, unixSocketPath, unixSocketPathBytesMax } from "@omnikv/pgwire";
import { startTestServer, type TestServer } from "./fixtures/servers.ts";
import { testBackend } from "./fixtures/test-backend.ts";

const tlsOptions = {
  cert: readFileSync(new URL("fixtures/tls-cert.pem", import.meta.url)),
  key: readFileSync(new URL("fixtures/tls-key.pem", import.meta.url)),
};

let dir: string;
let server: TestServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "pgwire-unix-"));
  server = await startTestServer({
    unixSocketDirectories: [dir],
    unixSocketPermissions: 0o700,
    tls: tlsOptions,
    hba: [
      { type: "local", database: "all", user: ["bob"], address: "all", method: "trust" },
      { type: "host", database: "all", user: ["bob"], address: "all", method: "reject" },
      { type: "host", database: "all", user: ["tcponly"], address: "all", method: "trust" },
      { database: "all", user: ["carol"], address: "127.0.0.1/32", method: "trust" },
      { database: "all", user: "all", address: "all", method: "scram-sha-256" },
    ],
  });
});

afterAll(async () => {
  await server.close();
  expect(server.internalErrors).toEqual([]);
  rmSync(dir, { recursive: true, force: true });
});

/** Logs in and runs SELECT 1; the row count, or the error. */
async function login(config: ClientConfig): Promise<unknown> {
  const client = new Client({ port: server.port, ...config });
  try {
    await client.connect();
    return (await client.query("SELECT 1")).rowCount;
  } catch (error) {
    return error;
  } finally {
    await client.end().catch(() => {});
  }
}

/** A free TCP port on 127.0.0.1 (closed again, so a server may take it). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no TCP address");
  return address.port;
}

describe("Unix-domain sockets", () => {
  it("listens in the directory as .s.PGSQL.<port>, with the configured mode", () => {
    const path = unixSocketPath(dir, server.port);
    expect(server.server.unixSocketPaths).toEqual([path]);
    const stats = statSync(path);
    expect(stats.isSocket()).toBe(true);
    expect(stats.mode & 0o777).toBe(0o700);
  });

  it("serves a pg client through the socket, with SCRAM", async () => {
    expect(await login({ host: dir, user: "alice", password: "wonderland" })).toBe(1);
    expect(await login({ host: dir, user: "alice", password: "wrong" })).toMatchObject({ code: "28P01" });
  });

  it("matches local rules for socket clients and host rules for TCP clients only", async () => {
    // bob: trusted through the socket, rejected over TCP.
    expect(await login({ host: dir, user: "bob" })).toBe(1);
    expect(await login({ host: "127.0.0.1", user: "bob", password: "builder" })).toMatchObject({
      code: "28000",
      message: 'pg_hba.conf rejects connection for host "127.0.0.1", user "bob", database "bob", no encryption',
    });
    // tcponly: a host rule does not match a socket client, which falls through to SCRAM.
    expect(await login({ host: "127.0.0.1", user: "tcponly" })).toBe(1);
    expect(await login({ host: dir, user: "tcponly", password: "x" })).toMatchObject({ code: "28P01" });
    // carol: an untyped rule's address matches TCP clients only.
    expect(await login({ host: "127.0.0.1", user: "carol" })).toBe(1);
    expect(await login({ host: dir, user: "carol", password: "x" })).toMatchObject({ code: "28P01" });
  });

  it('names a refused socket client "[local]", as PostgreSQL does', async () => {
    const strict = await startTestServer({
      unixSocketDirectories: [dir],
      hba: [{ type: "host", database: "all", user: "all", address: "all", method: "trust" }],
    });
    try {
      const error = await login({ host: dir, port: strict.port, user: "alice" });
      expect(error).toMatchObject({ code: "28000", message: 'no pg_hba.conf entry for host "[local]", user "alice", database "alice", no encryption' });
      expect(await login({ host: "127.0.0.1", port: strict.port, user: "alice" })).toBe(1);
    } finally {
      await strict.close();
    }
    expect(strict.internalErrors).toEqual([]);
  });

  it("answers SSLRequest with N on the socket though TLS is configured", async () => {
    const socket = connect(unixSocketPath(dir, server.port));
    try {
      const answer = await new Promise<Buffer>((resolve, reject) => {
        socket.once("data", resolve);
        socket.once("error", reject);
        socket.write(fe.sslRequest());
      });
      expect(answer.toString("latin1")).toBe("N");
    } finally {
      socket.destroy();
    }
    // Over TCP the same server upgrades.
    expect(await login({ host: "127.0.0.1", user: "alice", password: "wonderland", ssl: { rejectUnauthorized: false } })).toBe(1);
  });

  it("replaces a socket file left by a killed server", async () => {
    const port = await freePort();
    const path = unixSocketPath(dir, port);
    // A child listens on the path, then dies by SIGKILL: its socket file stays, with nobody behind it.
    const child = spawnSync(process.execPath, ["-e", `require("node:net").createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, "SIGKILL"))`]);
    expect(child.signal).toBe("SIGKILL");
    expect(statSync(path).isSocket()).toBe(true);
    const revived = await startTestServer({ port, unixSocketDirectories: [dir] });
    try {
      expect(await login({ host: dir, port, user: "alice", password: "wonderland" })).toBe(1);
    } finally {
      await revived.close();
    }
    expect(existsSync(path)).toBe(false);
  });

  it("refuses a socket another server answers on, and leaves nothing listening", async () => {
    // Same port on another loopback address: its TCP bind succeeds, its socket path is taken.
    const rival = new PgServer({ backend: testBackend({}), host: "127.0.0.2", port: server.port, unixSocketDirectories: [dir] });
    await expect(rival.listen()).rejects.toThrow(`another server is listening on "${unixSocketPath(dir, server.port)}"`);
    const probe = connect(server.port, "127.0.0.2");
    await expect(new Promise((resolve, reject) => probe.once("connect", resolve).once("error", reject))).rejects.toMatchObject({ code: "ECONNREFUSED" });
    probe.destroy();
    // The first server still answers on its socket.
    expect(await login({ host: dir, user: "alice", password: "wonderland" })).toBe(1);
  });

  it("refuses a path that is not a socket, and one too long for a socket address", async () => {
    const port = await freePort();
    writeFileSync(unixSocketPath(dir, port), "not a socket");
    const onFile = new PgServer({ backend: testBackend({}), port, unixSocketDirectories: [dir] });
    await expect(onFile.listen()).rejects.toThrow("exists and is not a socket");
    const deep = join(dir, "d".repeat(unixSocketPathBytesMax));
    const tooLong = new PgServer({ backend: testBackend({}), port: 0, unixSocketDirectories: [deep] });
    await expect(tooLong.listen()).rejects.toThrow(`is longer than ${unixSocketPathBytesMax} bytes`);
  });

  it("rejects a local rule with an address at configuration time", () => {
    expect(() => new PgServer({ backend: testBackend({}), hba: [{ type: "local", database: "all", user: "all", address: "127.0.0.1/32", method: "trust" }] })).toThrow(
      'a local hba rule has address "all"',
    );
  });

  it("takes a relative directory from the working directory, and a repeated one once", async () => {
    const relativeDir = relative(process.cwd(), dir);
    const other = await startTestServer({ unixSocketDirectories: [relativeDir, dir] });
    try {
      expect(other.server.unixSocketPaths).toEqual([unixSocketPath(dir, other.port)]);
    } finally {
      await other.close();
    }
  });

  it("bounds open sockets over TCP and Unix-domain listeners together", async () => {
    // maxConnections 1 + 64 sockets in startup: the 66th socket, on either listener, is dropped unanswered.
    const capped = await startTestServer({ unixSocketDirectories: [dir], maxConnections: 1 });
    const opened = Array.from({ length: 65 }, (_, i) => (i % 2 === 0 ? connect(capped.port, "127.0.0.1") : connect(unixSocketPath(dir, capped.port))));
    try {
      await Promise.all(opened.map(async (socket) => new Promise((resolve) => socket.once("connect", resolve))));
      for (const path of [unixSocketPath(dir, capped.port), undefined]) {
        const extra = path === undefined ? connect(capped.port, "127.0.0.1") : connect(path);
        extra.on("error", () => {});
        await new Promise((resolve) => extra.once("close", resolve));
        expect(extra.bytesRead).toBe(0);
      }
      expect(opened.every((socket) => !socket.destroyed)).toBe(true);
    } finally {
      for (const socket of opened) socket.destroy();
      await capped.close();
    }
  });

  it("removes the socket file at close", async () => {
    const other = await startTestServer({ unixSocketDirectories: [dir] });
    const path = unixSocketPath(dir, other.port);
    expect(existsSync(path)).toBe(true);
    await other.close();
    expect(existsSync(path)).toBe(false);
  });
});
