/**
 * The goldens of golden.test.ts are PostgreSQL 15's outputs: this test evaluates every case of
 * `testdata/*.txt` in a real PostgreSQL (with the case's TimeZone and extra_float_digits) and
 * requires the recorded expectation to be exactly what PostgreSQL prints — result text and type,
 * or SQLSTATE and message. So a `REWRITE=1` of the goldens cannot silently record our own bugs.
 * It only reads the files; it never rewrites them.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { typeInfo } from "@omnikv/base";
import { parseDataDriven, startPostgres, type DataDrivenCase, type PostgresServer } from "@omnikv/testkit";

const testdata = join(import.meta.dirname, "../testdata");

let server: PostgresServer;
let client: Client;

beforeAll(async () => {
  server = await startPostgres();
  client = new Client({ host: server.host, port: server.port, user: server.user, database: server.database });
  await client.connect();
}, 60_000);

afterAll(async () => {
  await client.end();
  await server.stop();
});

/** The raw text PostgreSQL sends (its output function). */
const rawText = { getTypeParser: () => (value: string): string => value };

function argValue(testCase: DataDrivenCase, key: string): string | undefined {
  return testCase.args.find((arg) => arg.key === key)?.values[0];
}

async function evaluateInPostgres(testCase: DataDrivenCase): Promise<string> {
  const zone = argValue(testCase, "tz") ?? "UTC";
  const digits = Number(argValue(testCase, "extra_float_digits") ?? "1");
  await client.query(`SET TimeZone = '${zone}'; SET extra_float_digits = ${digits}`);
  const lines: string[] = [];
  for (const expr of testCase.input.split("\n")) {
    try {
      const result = await client.query<[string | null]>({ text: `SELECT ${expr}`, rowMode: "array", types: rawText });
      const [value] = result.rows[0] ?? [null];
      const typeOid = result.fields[0]?.dataTypeID ?? 0;
      lines.push(`${value ?? "NULL"} :: ${typeInfo(typeOid)?.displayName ?? String(typeOid)}`);
    } catch (error) {
      const code = error instanceof Error && "code" in error ? String(error.code) : "?";
      lines.push(`ERROR ${code}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return lines.map((line) => line.trimEnd()).join("\n");
}

describe("expression goldens are PostgreSQL 15's output", () => {
  for (const file of readdirSync(testdata).filter((name) => name.endsWith(".txt")).toSorted()) {
    it(`golden file ${file}`, async () => {
      const path = join(testdata, file);
      const mismatches: string[] = [];
      for (const testCase of parseDataDriven(path, readFileSync(path, "utf8")).cases) {
        expect(testCase.command).toBe("eval");
        const actual = await evaluateInPostgres(testCase);
        if (actual !== testCase.expected) mismatches.push(`${file}:${testCase.line}\nrecorded:\n${testCase.expected}\nPostgreSQL:\n${actual}`);
      }
      expect(mismatches.join("\n\n")).toBe("");
    });
  }
});
