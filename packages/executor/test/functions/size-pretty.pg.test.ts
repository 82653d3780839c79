/**
 * pg_size_pretty against a real PostgreSQL 15: the edges of every unit and fast-check-generated
 * sizes of every magnitude print the same. FC_SEED / FC_PATH / FC_NUM_RUNS replay a failure.
 */
import * as fc from "fast-check";
import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { propertyParams, startPostgres, type PostgresServer } from "@omnikv/testkit";
import { sizePretty } from "../../src/functions/catalog.ts";

let server: PostgresServer;
let client: Client;

beforeAll(async () => {
  server = await startPostgres();
  client = new Client({ host: "127.0.0.1", port: server.port, user: server.user, database: "postgres" });
  await client.connect();
});

afterAll(async () => {
  await client.end();
  await server.stop();
});

async function postgresPretty(values: readonly bigint[]): Promise<string[]> {
  const result = await client.query<{ pretty: string }>("SELECT pg_size_pretty(v) AS pretty FROM unnest($1::bigint[]) WITH ORDINALITY AS u(v, n) ORDER BY n", [values.map(String)]);
  return result.rows.map((row) => row.pretty);
}

describe("pg_size_pretty", () => {
  it("prints what PostgreSQL 15 prints at every unit's edges", async () => {
    const edges = [0n, 1n, 10239n, 10240n, 10751n, 10752n, 20479n * 512n - 1n, 20479n * 512n, 123456789n, 5n * 1024n ** 4n, 9223372036854775807n];
    const values = [...edges, ...edges.map((v) => -v), -9223372036854775808n];
    expect(values.map(sizePretty)).toEqual(await postgresPretty(values));
  });

  it("prints what PostgreSQL 15 prints for sizes of every magnitude", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.nat({ max: 63 })).map(([v, shift]) => v >> BigInt(shift)), { minLength: 1, maxLength: 50 }), async (values) => {
        expect(values.map(sizePretty)).toEqual(await postgresPretty(values));
      }),
      propertyParams(30),
    );
  });
});
