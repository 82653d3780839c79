/**
 * The differential test of expression evaluation against a real PostgreSQL 15: the same
 * expression is evaluated by our parser → binder → compiled closures and by PostgreSQL, and the
 * result text, the result type (`pg_typeof`) and, for errors, the SQLSTATE must be identical.
 *
 * Expressions are hand-written edge cases plus fast-check-generated trees of literals (integers
 * at their limits, numerics, floats, strings, booleans, NULL) under arithmetic, comparison,
 * three-valued logic, IN/BETWEEN/CASE/COALESCE/NULLIF/GREATEST/LEAST and casts. PostgreSQL
 * evaluates each expression in its own query and sends the result in text format, which is its
 * output function's text (a `::text` cast would differ for bool and char(n)). A failure prints the
 * seed (`FC_SEED=…`) to replay it.
 */
import * as fc from "fast-check";
import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DbError, typeInfo } from "@omnikv/base";
import { builtinRegistry, evaluateExpression, type EvalContext } from "@omnikv/executor";
import { propertyParams, startPostgres, type PostgresServer } from "@omnikv/testkit";

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

const context: EvalContext = { extraFloatDigits: 1, timeZone: "UTC", transactionStartMicros: 0n };

function ours(expr: string): string {
  try {
    const result = evaluateExpression(`SELECT ${expr}`, builtinRegistry, context);
    return `${result.text ?? "NULL"} :: ${result.typeName}`;
  } catch (error) {
    if (error instanceof DbError) return `ERROR ${error.sqlState}`;
    throw error;
  }
}

/** The raw text PostgreSQL sends (its output function), not a `::text` cast, which differs for bool and char(n). */
const rawText = { getTypeParser: () => (value: string): string => value };

async function theirs(expressions: readonly string[]): Promise<string[]> {
  const results: string[] = [];
  for (const expr of expressions) {
    try {
      const result = await client.query<[string | null]>({ text: `SELECT ${expr}`, rowMode: "array", types: rawText });
      const [value] = result.rows[0] ?? [null];
      // The column's type from RowDescription: what a client sees (pg_typeof would say `unknown` for `'abc'`).
      const typeOid = result.fields[0]?.dataTypeID ?? 0;
      results.push(`${value ?? "NULL"} :: ${typeInfo(typeOid)?.displayName ?? String(typeOid)}`);
    } catch (error) {
      results.push(`ERROR ${error instanceof Error && "code" in error ? String(error.code) : "?"}`);
    }
  }
  return results;
}

async function checkAll(expressions: readonly string[]): Promise<void> {
  const expected = await theirs(expressions);
  const mismatches: string[] = [];
  expressions.forEach((expr, i) => {
    const actual = ours(expr);
    if (actual !== expected[i]) mismatches.push(`${expr}\n    ours:       ${actual}\n    PostgreSQL: ${expected[i] ?? "?"}`);
  });
  expect(mismatches.slice(0, 20).join("\n")).toBe("");
}

const edgeCases = [
  "1 + 2", "1 + 1.5", "'1' + 1", "1 / 0", "7 / 2", "-7 / 2", "7 % -3", "2147483647 + 1", "-2147483648 / -1",
  "9223372036854775807 + 1", "32767::int2 + 1::int2", "1::int2 + 1", "1::int8 * 3", "2147483648", "-2147483648",
  "1.0 / 3", "10 / 4.0", "0.1 + 0.2", "1e3", "1.50 * 2", "2 ^ 10", "(-8) ^ (1.0 / 3)", "0 ^ -1",
  "1.5::float8 * 2", "0.1::float8 + 0.2::float8", "1e308::float8 * 10", "'NaN'::float8 = 'NaN'::float8",
  "'-0'::float8 = 0::float8", "'Infinity'::float8 > 1e308", "3.7::int", "2.5::int", "-2.5::int", "2.5::float8::int",
  "1 = 1 AND NULL", "1 = 2 AND NULL", "1 = 1 OR NULL", "NOT NULL::bool", "NULL IS NULL", "1 IS NOT NULL",
  "1 IN (1, NULL)", "2 IN (1, NULL)", "2 NOT IN (1, NULL)", "NULL IN (1, 2)", "1 IN (1.0, 2)",
  "5 BETWEEN 1 AND 10", "5 NOT BETWEEN 10 AND 1", "5 BETWEEN SYMMETRIC 10 AND 1",
  "CASE WHEN 1 > 2 THEN 1 ELSE 2.5 END", "CASE 2 WHEN 1 THEN 'a' WHEN 2 THEN 'b' END", "CASE WHEN NULL THEN 1 END",
  "COALESCE(NULL, 2, 3)", "COALESCE(NULL, NULL)", "NULLIF(1, 1)", "NULLIF(1, 2)", "GREATEST(1, 2.5, NULL)", "LEAST(3, 1, 2)",
  "3 IS DISTINCT FROM NULL", "NULL IS NOT DISTINCT FROM NULL", "1 IS DISTINCT FROM 1.0",
  "'a' = 'b'", "'a' < 'b'", "'abc' || 'def'", "'abc' || 1", "1 || 'abc'", "'a'::text = 'a  '::char(3)",
  "'abc'::varchar(2)", "'abc'::char(5)", "'x'::int", "' 12 '::int", "'1e2'::numeric", "'abc' LIKE 'a%'", "'abc' NOT LIKE '_b_'", "'abc' LIKE '%b%'", "'abc' LIKE 'abc'", "'abc' LIKE 'ab'",
  "'abcabc' LIKE 'a%c%c'", "'ac' LIKE 'a%c%c'", "'aé😀z' LIKE 'a%z'", "'aé😀z' LIKE '%😀%'", "'x' LIKE '%%'", "NULL LIKE 'a%'",
  "'a%b' LIKE 'a\\%b'", "'abc' ILIKE 'A%'",
  "true AND 'yes'", "1 + 'a'", "1 + true", "ARRAY[1, 2, 3]", "ARRAY[1, 2.5]", "ARRAY['a', NULL]",
  "1::numeric(3,1)", "123.456::numeric(5,2)", "12345.6::numeric(5,2)", "-1::int", "- 1::int", "+5", "@ -5",
  "5 & 3", "5 | 3", "5 # 3", "~5", "1 << 4", "-16 >> 2",
  "'a_c' LIKE 'a#_c' ESCAPE '#'", "'abc' LIKE 'a#_c' ESCAPE '#'", "'abc' LIKE 'a%' ESCAPE ''", "'a%c' NOT ILIKE 'A!%C' ESCAPE '!'",
  "'abc' SIMILAR TO 'a(b|x)c'", "'abc' NOT SIMILAR TO '%b_'", "'a.c' SIMILAR TO 'a#.c' ESCAPE '#'",
  "ARRAY['a']::name[]", "ARRAY[1.5, 2.5]::int4[]", "ARRAY[1, NULL]::text[]", "ARRAY['1', 'x']::int[]", "'{1,2}'::int8[]::numeric[]",
  "ARRAY[1] = ARRAY[1.0]", "ARRAY[1,2] < ARRAY[1,3]", "ARRAY[1,NULL] = ARRAY[1,NULL]", "ARRAY[1,NULL] > ARRAY[1,2]",
  "ARRAY['a','b'] < ARRAY['a']", "ARRAY[1,2] = '{1,2}'", "'{1}'::int[] <> '{1,2}'", "'[0:1]={1,2}'::int[] = '{1,2}'",
  "ARRAY['2024-01-01'::date] < ARRAY['2024-01-02'::date]", "ARRAY[ARRAY[1,2]] = ARRAY[1,2]", "ARRAY[]::int[] < ARRAY[1]",
  "ARRAY[ARRAY[1,2],ARRAY[3,4]]", "ARRAY[[1,2],[3,4]]", "ARRAY[ARRAY[1],ARRAY[2,3]]", "ARRAY[ARRAY[1,2], NULL]", "ARRAY[NULL::int[]]",
  "pg_typeof(1)", "pg_typeof(NULL)", "pg_typeof(1.5::float4 + 1)", "'int4'::regtype", "23::regtype",
];

describe("expression evaluation matches PostgreSQL 15", () => {
  it("on hand-picked edge cases", async () => {
    await checkAll(edgeCases);
  });

  it("on generated expression trees", async () => {
    const literal = fc.oneof(
      fc.constantFrom("0", "1", "-1", "2147483647", "-2147483648", "9223372036854775807", "32767::int2", "NULL", "true", "false"),
      fc.integer({ min: -1000, max: 1000 }).map(String),
      fc.constantFrom("1.5", "-0.25", "100.000", "1e-5", "0.1::float8", "'NaN'::float8", "2.5::float8", "'12'", "'abc'"),
    );
    const tree = fc.letrec<{ expr: string }>((tie) => ({
      expr: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        literal,
        fc.tuple(tie("expr"), fc.constantFrom("+", "-", "*", "/", "%", "=", "<>", "<", ">=", "AND", "OR"), tie("expr")).map(
          ([a, op, b]) => `(${a} ${op} ${b})`,
        ),
        tie("expr").map((a) => `(NOT ${a})`),
        tie("expr").map((a) => `(${a} IS NULL)`),
        fc.tuple(tie("expr"), tie("expr"), tie("expr")).map(([a, b, c]) => `COALESCE(${a}, ${b}, ${c})`),
        fc.tuple(tie("expr"), tie("expr")).map(([a, b]) => `NULLIF(${a}, ${b})`),
        fc.tuple(tie("expr"), tie("expr"), tie("expr")).map(([a, b, c]) => `CASE WHEN ${a} THEN ${b} ELSE ${c} END`),
        fc.tuple(tie("expr"), tie("expr"), tie("expr")).map(([a, b, c]) => `(${a} IN (${b}, ${c}))`),
        fc.tuple(tie("expr"), tie("expr"), tie("expr")).map(([a, b, c]) => `GREATEST(${a}, ${b}, ${c})`),
        fc.tuple(tie("expr"), fc.constantFrom("int2", "int4", "int8", "numeric", "float8", "text", "bool")).map(
          ([a, type]) => `(${a})::${type}`,
        ),
      ),
    })).expr;
    const expressions = fc.sample(tree, { numRuns: 2000, ...seedOnly() });
    await checkAll(expressions);
  });
});

/** The fast-check seed for `fc.sample` (`FC_SEED` replays it), printed with every run. */
function seedOnly(): { seed: number } {
  const { seed } = propertyParams(1);
  process.stdout.write(`expression differential test: FC_SEED=${seed}\n`);
  return { seed };
}
