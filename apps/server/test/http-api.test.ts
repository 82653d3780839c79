/**
 * The HTTP API through the real server: JWT and API-key authentication (and every way they fail),
 * POST /sql and the KV interface running as the credential's role, with privileges enforced
 * exactly as over pgwire (a matrix of roles × statements run both ways must agree), limits, and
 * HTTPS from the server's certificate configuration.
 */
import { execFile, type ExecFileException } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { join } from "node:path";
import { makeTempDir } from "@omnikv/testkit";
import { issueToken } from "@omnikv/security";
import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliPath, password, startServerProcess, type ServerProcess } from "./server-process.ts";

const temp = makeTempDir("server-http");
const dataDir = join(temp.path, "data");
let server: ServerProcess;

function omnikv(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cliPath, ...args], { timeout: 30_000 }, (error: ExecFileException | null, stdout, stderr) =>
      resolve({ code: typeof error?.code === "number" ? error.code : error === null ? 0 : -1, stdout, stderr }),
    );
  });
}

async function mint(role: string): Promise<string> {
  const result = await omnikv(["token", "--data", dataDir, "--role", role, "--ttl", "10m"]);
  expect(result.stderr).toBe("");
  return result.stdout.trim();
}

interface Reply {
  readonly status: number;
  readonly body: Buffer;
  json(): unknown;
}

async function call(method: string, path: string, credential: string | undefined, body?: string | Uint8Array): Promise<Reply> {
  const response = await fetch(`http://127.0.0.1:${server.httpPort ?? 0}${path}`, {
    method,
    headers: credential === undefined ? {} : { authorization: `Bearer ${credential}` },
    ...(body === undefined ? {} : { body }),
  });
  const bytes = Buffer.from(await response.arrayBuffer());
  return { status: response.status, body: bytes, json: (): unknown => JSON.parse(bytes.toString("utf8")) };
}

/** The `error` object of a JSON error reply. */
function errorOf(reply: Reply): { readonly sqlstate: string; readonly message: string } {
  const parsed = reply.json();
  if (typeof parsed === "object" && parsed !== null && "error" in parsed && typeof parsed.error === "object" && parsed.error !== null) {
    const { error } = parsed;
    if ("sqlstate" in error && "message" in error && typeof error.sqlstate === "string" && typeof error.message === "string") return { sqlstate: error.sqlstate, message: error.message };
  }
  throw new Error(`not an error reply: ${reply.body.toString()}`);
}

function sqlStateOf(error: unknown): string {
  return typeof error === "object" && error !== null && "code" in error && typeof error.code === "string" ? error.code : String(error);
}

function sql(credential: string, text: string, params: readonly (string | null)[] = []): Promise<Reply> {
  return call("POST", "/sql", credential, JSON.stringify({ sql: text, params }));
}

async function pgAs<T>(user: string, userPassword: string, body: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ host: "127.0.0.1", port: server.port, user, password: userPassword, database: "postgres" });
  await client.connect();
  try {
    return await body(client);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  server = await startServerProcess(dataDir, ["--http-port", "0"]);
  await pgAs("omnikv", password, async (admin) => {
    await admin.query("CREATE TABLE items (id int PRIMARY KEY, name text)");
    await admin.query("INSERT INTO items VALUES (1, 'one'), (2, NULL)");
    await admin.query("CREATE ROLE reader LOGIN PASSWORD 'reader-pw'");
    await admin.query("CREATE ROLE writer LOGIN PASSWORD 'writer-pw'");
    await admin.query("CREATE ROLE ghost NOLOGIN");
    await admin.query("GRANT SELECT ON items TO reader");
    await admin.query("GRANT SELECT, INSERT, UPDATE ON items TO writer");
    await admin.query("GRANT USAGE ON SCHEMA omnikv_kv TO reader, writer");
    await admin.query("GRANT SELECT ON omnikv_kv.entries TO reader");
    await admin.query("GRANT SELECT, INSERT, UPDATE, DELETE ON omnikv_kv.entries TO writer");
  });
});

afterAll(async () => {
  await server.stop();
  temp.cleanup();
});

describe("authentication", () => {
  it("runs SQL as the token's role and returns PostgreSQL's text output", async () => {
    const reply = await sql(await mint("reader"), "SELECT id, name, current_user AS who FROM items ORDER BY id; SELECT 1.50::numeric AS n");
    expect(reply.status).toBe(200);
    expect(reply.json()).toEqual({
      results: [
        {
          command: "SELECT 2",
          rowCount: 2,
          fields: [
            { name: "id", typeOid: 23 },
            { name: "name", typeOid: 25 },
            { name: "who", typeOid: 19 },
          ],
          rows: [
            ["1", "one", "reader"],
            ["2", null, "reader"],
          ],
        },
        { command: "SELECT 1", rowCount: 1, fields: [{ name: "n", typeOid: 1700 }], rows: [["1.50"]] },
      ],
    });
  });

  it("refuses a missing, malformed, forged, expired or foreign-role credential with 401", async () => {
    const secret = Buffer.from(readFileSync(join(dataDir, "http-token-secret"), "utf8").trim(), "hex");
    const expired = await issueToken({ alg: "HS256", secret }, { subject: "x", role: "reader", ttlSeconds: 60, nowMs: Date.now() - 3_600_000 });
    const forged = await issueToken({ alg: "HS256", secret: Buffer.alloc(32, 7) }, { subject: "x", role: "omnikv", ttlSeconds: 60 });
    const missing = await call("POST", "/sql", undefined, "{}");
    expect(missing.status).toBe(401);
    expect(errorOf(missing).message).toMatch(/Bearer credential is required/);
    for (const [credential, pattern] of [
      ["not-a-token", /token rejected/],
      [expired, /expired/],
      [forged, /signature/],
      [await mint("nobody"), /role "nobody" does not exist/],
      [await mint("ghost"), /not permitted to log in/],
      [`okv_${"0".repeat(16)}_${"A".repeat(43)}`, /invalid API key/],
    ] as const) {
      const reply = await sql(credential, "SELECT 1");
      expect(reply.status, String(pattern)).toBe(401);
      expect(errorOf(reply).message, String(pattern)).toMatch(pattern);
    }
  });

  it("accepts API keys, which are stored only as hashes", async () => {
    const created = await omnikv(["apikey", "--data", dataDir, "--role", "writer"]);
    const key = created.stdout.trim();
    expect(key).toMatch(/^okv_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    // The secret is the last 43 characters (base64url: it may itself contain "_", so no split).
    const secret = key.slice(-43);
    expect(secret).toHaveLength(43);
    expect(readFileSync(join(dataDir, "api-keys.json"), "utf8")).not.toContain(secret);
    const reply = await sql(key, "SELECT current_user AS who");
    expect(reply.json()).toMatchObject({ results: [{ rows: [["writer"]] }] });
    expect((await sql(`${key.slice(0, -2)}xx`, "SELECT 1")).status).toBe(401);
  });
});

describe("privileges, over HTTP exactly as over pgwire", () => {
  const statements = [
    "SELECT count(*) FROM items",
    "INSERT INTO items VALUES (100, 'new') ON CONFLICT (id) DO NOTHING",
    "UPDATE items SET name = 'x' WHERE id = 100",
    "DELETE FROM items WHERE id = 100",
    "TRUNCATE items",
    "CREATE TABLE mine (id int)",
    "SELECT key FROM omnikv_kv.entries",
    "DROP TABLE items",
  ];
  const roles = [
    ["reader", "reader-pw"],
    ["writer", "writer-pw"],
  ] as const;

  it("gives the same outcome and SQLSTATE for every role × statement", async () => {
    const outcomes: string[] = [];
    for (const [role, rolePassword] of roles) {
      const credential = await mint(role);
      for (const statement of statements) {
        const overHttp = await sql(credential, statement);
        const httpOutcome = overHttp.status === 200 ? "ok" : errorOf(overHttp).sqlstate;
        const pgOutcome = await pgAs(role, rolePassword, (client) => client.query(statement)).then(
          () => "ok",
          (error: unknown) => sqlStateOf(error),
        );
        expect(httpOutcome, `${role}: ${statement}`).toBe(pgOutcome);
        if (overHttp.status !== 200) expect(overHttp.status, `${role}: ${statement}`).toBe(pgOutcome === "42501" ? 403 : 400);
        outcomes.push(`${role}: ${statement} -> ${httpOutcome}`);
      }
    }
    // The matrix is not trivially all-allowed or all-denied.
    expect(outcomes.filter((line) => line.endsWith("ok")).length).toBeGreaterThan(3);
    expect(outcomes.filter((line) => line.endsWith("42501")).length).toBeGreaterThan(3);
  });
});

describe("the KV interface", () => {
  it("puts, gets and deletes bytes under the role's privileges on omnikv_kv.entries", async () => {
    const writer = await mint("writer");
    const reader = await mint("reader");
    const value = Uint8Array.from([0, 1, 2, 250, 255]);
    expect((await call("PUT", "/kv/a%2Fb", writer, value)).status).toBe(204);
    const got = await call("GET", "/kv/a%2Fb", reader);
    expect(got.status).toBe(200);
    expect([...got.body]).toEqual([...value]);
    const denied = await call("PUT", "/kv/a%2Fb", reader, "x");
    expect(denied.status).toBe(403);
    expect(denied.json()).toMatchObject({ error: { sqlstate: "42501", message: "permission denied for table entries" } });
    expect((await call("PUT", "/kv/a%2Fb", writer, "second")).status).toBe(204);
    expect((await call("GET", "/kv/a%2Fb", writer)).body.toString()).toBe("second");
    expect((await call("DELETE", "/kv/a%2Fb", writer)).status).toBe(204);
    expect((await call("GET", "/kv/a%2Fb", writer)).status).toBe(404);
    expect((await call("DELETE", "/kv/a%2Fb", writer)).status).toBe(404);
  });
});

describe("bad requests", () => {
  it("answers with JSON errors and limits, and keeps serving", async () => {
    const credential = await mint("reader");
    expect((await call("POST", "/sql", credential, "{not json")).json()).toMatchObject({ error: { sqlstate: "22P02" } });
    const syntax = await sql(credential, "SELEC 1");
    expect(syntax.status).toBe(400);
    expect(syntax.json()).toMatchObject({ error: { sqlstate: "42601", position: 1 } });
    expect((await call("POST", "/sql", credential, "x".repeat(1024 * 1024 + 1))).status).toBe(413);
    expect((await call("GET", "/elsewhere", credential)).status).toBe(404);
    expect((await call("GET", "/sql", credential)).status).toBe(405);
    expect((await call("GET", `/kv/${"k".repeat(1025)}`, credential)).status).toBe(400);
    expect((await sql(credential, "SELECT 42 AS answer")).json()).toMatchObject({ results: [{ rows: [["42"]] }] });
  });
});

describe("HTTPS", () => {
  it("serves the API over TLS from the server's certificate configuration", async () => {
    const fixtures = join(import.meta.dirname, "fixtures");
    const config = join(temp.path, "tls.json");
    writeFileSync(config, JSON.stringify({ tls: { cert: join(fixtures, "tls-cert.pem"), key: join(fixtures, "tls-key.pem") } }));
    const tlsDir = join(temp.path, "tls-data");
    const tlsServer = await startServerProcess(tlsDir, ["--config", config, "--http-port", "0"]);
    try {
      const credential = (await omnikv(["token", "--data", tlsDir, "--role", "omnikv"])).stdout.trim();
      const body = await new Promise<string>((resolve, reject) => {
        const request = httpsRequest(
          { host: "127.0.0.1", servername: "localhost", port: tlsServer.httpPort, path: "/sql", method: "POST", ca: readFileSync(join(fixtures, "tls-cert.pem")), headers: { authorization: `Bearer ${credential}` } },
          (response) => {
            let text = "";
            response.setEncoding("utf8");
            response.on("data", (chunk: string) => (text += chunk));
            response.on("end", () => resolve(text));
          },
        );
        request.on("error", reject);
        request.end(JSON.stringify({ sql: "SELECT 'over tls' AS t" }));
      });
      expect(JSON.parse(body)).toMatchObject({ results: [{ rows: [["over tls"]] }] });
      await expect(fetch(`http://127.0.0.1:${tlsServer.httpPort ?? 0}/sql`, { method: "POST" })).rejects.toThrow(/fetch failed/);
    } finally {
      await tlsServer.stop();
    }
  });
});
