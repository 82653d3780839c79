/**
 * node-postgres against PgServer over real TCP: simple and extended protocol, named statements,
 * binary results, errors with their fields, notices, transaction status, cancel, and the README's
 * Map-backed example.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, type ClientConfig, type QueryResult } from "pg";
import { PgServer } from "@omnikv/pgwire";
import { mapBackend } from "./fixtures/map-backend.ts";
import { RawClient, fe } from "@omnikv/testkit";
import { startTestServer, type TestServer } from "./fixtures/servers.ts";

let server: TestServer;

/** node-postgres returns an array of results for a multi-statement Query; its types say one. */
function resultsOf(value: unknown): readonly QueryResult[] {
  const results: QueryResult[] = [];
  if (Array.isArray(value)) for (const one of value) if (isQueryResult(one)) results.push(one);
  return results;
}

function isQueryResult(value: unknown): value is QueryResult {
  return typeof value === "object" && value !== null && "rowCount" in value;
}

/** node-postgres keeps BackendKeyData in untyped fields. */
function cancelKeyOf(client: Client): { readonly processID: number; readonly secretKey: number } {
  const processID: unknown = Reflect.get(client, "processID");
  const secretKey: unknown = Reflect.get(client, "secretKey");
  if (typeof processID !== "number" || typeof secretKey !== "number") throw new Error("no BackendKeyData");
  return { processID, secretKey };
}
let client: Client;

beforeAll(async () => {
  server = await startTestServer();
  client = new Client({ host: "127.0.0.1", port: server.port, user: "alice", password: "wonderland", database: "app", application_name: "vitest" });
  await client.connect();
});

afterAll(async () => {
  await client.end();
  await server.close();
  expect(server.internalErrors).toEqual([]);
});

describe("node-postgres", () => {
  it("runs a simple query", async () => {
    const result = await client.query("SELECT 1");
    expect(result.rows).toEqual([{ "?column?": 1 }]);
    expect(result.command).toBe("SELECT");
    expect(result.fields[0]?.dataTypeID).toBe(23);
  });

  it("runs several statements in one Query message", async () => {
    const results: unknown = await client.query("SELECT 1; SELECT generate_series(1, 3)");
    expect(Array.isArray(results)).toBe(true);
    expect(resultsOf(results).map((one) => one.rowCount)).toEqual([1, 3]);
  });

  it("runs parameterized queries through the extended protocol", async () => {
    expect((await client.query("SELECT $1::text", ["héllo"])).rows).toEqual([{ text: "héllo" }]);
    expect((await client.query("SELECT $1::int4", [42])).rows).toEqual([{ int4: 42 }]);
    expect((await client.query("SELECT $1::text", [null])).rows).toEqual([{ text: null }]);
  });

  it("reuses a named prepared statement", async () => {
    for (const value of ["a", "b", "c"]) {
      const result = await client.query({ name: "echo", text: "SELECT $1::text", values: [value] });
      expect(result.rows).toEqual([{ text: value }]);
    }
  });

  it("returns binary results when asked", async () => {
    // node-postgres decodes every DataRow cell as UTF-8 text before its binary parsers see it, so
    // only values whose bytes are ASCII survive; test/protocol.integration.test.ts checks the bytes.
    // `binary` is a runtime option @types/pg does not declare.
    const config: ClientConfig & { readonly binary: boolean } = { host: "127.0.0.1", port: server.port, user: "alice", password: "wonderland", binary: true };
    const binary = new Client(config);
    await binary.connect();
    const result = await binary.query("SELECT $1::int4", [42]);
    expect(result.rows).toEqual([{ int4: 42 }]);
    expect(result.fields[0]?.format).toBe("binary");
    const series = await binary.query<{ generate_series: number }>("SELECT generate_series(1, 4)", []);
    expect(series.rows.map((row) => row.generate_series)).toEqual([1, 2, 3, 4]);
    await binary.end();
  });

  it("reports errors with code, position, hint and detail, and keeps the session usable", async () => {
    const error: unknown = await client.query("SELECT * FROM nope").catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "42P01", position: "15", hint: "Create it first.", detail: "There is no table nope.", severity: "ERROR" });
    const extended: unknown = await client.query("SELECT * FROM nope", []).catch((caught: unknown) => caught);
    expect(extended).toMatchObject({ code: "42P01" });
    expect((await client.query("SELECT 1")).rowCount).toBe(1);
  });

  it("delivers notices", async () => {
    const notices: string[] = [];
    const onNotice = (notice: { readonly message?: string | undefined }): void => void notices.push(notice.message ?? "");
    client.on("notice", onNotice);
    await client.query("NOTICE hello there");
    client.off("notice", onNotice);
    expect(notices).toEqual(["hello there"]);
  });

  it("tracks transaction status across BEGIN, an error and ROLLBACK", async () => {
    await client.query("BEGIN");
    await expect(client.query("SELECT * FROM nope")).rejects.toMatchObject({ code: "42P01" });
    await expect(client.query("SELECT 1")).rejects.toMatchObject({ code: "25P02" });
    await client.query("ROLLBACK");
    expect((await client.query("SELECT 1")).rowCount).toBe(1);
  });

  it("cancels a running statement with CancelRequest (57014)", async () => {
    const other = new Client({ host: "127.0.0.1", port: server.port, user: "alice", password: "wonderland" });
    await other.connect();
    const keys = cancelKeyOf(other);
    const sleeping = other.query("SELECT pg_sleep(20)").catch((caught: unknown) => caught);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const wrongKey = await RawClient.connect(server.port);
    wrongKey.send(fe.cancel(keys.processID, keys.secretKey ^ 1));
    await wrongKey.readToEnd();
    const canceller = await RawClient.connect(server.port);
    canceller.send(fe.cancel(keys.processID, keys.secretKey));
    expect(await canceller.readToEnd()).toEqual([]);
    expect(await sleeping).toMatchObject({ code: "57014" });
    expect((await other.query("SELECT 1")).rowCount).toBe(1);
    await other.end();
  });
});

describe("the README's Map-backed backend", () => {
  it("is the code the README shows", () => {
    const fixture = readFileSync(new URL("fixtures/map-backend.ts", import.meta.url), "utf8");
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    expect(readme).toContain(fixture.slice(fixture.indexOf("import { DbError")));
  });

  it("serves SET and GET over simple and extended protocol", async () => {
    const kv = new PgServer({ backend: mapBackend(), port: 0 });
    const port = await kv.listen();
    const kvClient = new Client({ host: "127.0.0.1", port, user: "kv", password: "secret" });
    await kvClient.connect();
    await kvClient.query("SET greeting hello");
    expect((await kvClient.query("GET greeting")).rows).toEqual([{ value: "hello" }]);
    expect((await kvClient.query("GET $1", ["greeting"])).rows).toEqual([{ value: "hello" }]);
    expect((await kvClient.query("GET missing")).rows).toEqual([]);
    await expect(kvClient.query("DROP everything")).rejects.toMatchObject({ code: "42601", position: "1" });
    await kvClient.end();
    await kv.close();
  });
});
