/**
 * Differential test of the scalar types and arrays against a real PostgreSQL 15: generated input
 * strings, doubles, float32s, integer arithmetic, hashes and comparisons are evaluated by both, and
 * the text results, or SQLSTATE + message + detail, must be identical.
 *
 * PostgreSQL evaluates each case inside a PL/pgSQL function that traps the error and returns it
 * as text, so a batch of thousands of cases is one query even when some fail. Randomness comes
 * from fast-check with `propertyParams` seeds; a mismatch reports `FC_SEED=<n>` to replay it.
 */
import * as fc from "fast-check";
import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DbError, TypeOid } from "@omnikv/base";
import { propertyParams, startPostgres, type PostgresServer } from "@omnikv/testkit";
import { type ArrayElementBinary, type ArrayElementText, arrayOf, formatArray, parseArray, sendArray } from "../../src/types/array.ts";
import * as s from "../../src/types/scalar.ts";

const batchSizeMax = 2000;

let server: PostgresServer;
let client: Client;

beforeAll(async () => {
  server = await startPostgres();
  client = new Client({ host: server.host, port: server.port, user: server.user, database: server.database });
  await client.connect();
  await client.query(`
    CREATE FUNCTION try_eval(expr text) RETURNS text LANGUAGE plpgsql AS $$
    DECLARE result text; detail text;
    BEGIN
      EXECUTE 'SELECT (' || expr || ')::text' INTO result;
      RETURN coalesce(result, 'NULL');
    EXCEPTION WHEN others THEN
      GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
      RETURN 'ERROR ' || SQLSTATE || ' ' || SQLERRM || CASE WHEN detail = '' THEN '' ELSE ' / ' || detail END;
    END $$`);
}, 60_000);

afterAll(async () => {
  await client.end();
  await server.stop();
});

/** A SQL string literal (standard_conforming_strings is on: only quotes double). */
function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

function ours(compute: () => string): string {
  try {
    return compute();
  } catch (error) {
    if (!(error instanceof DbError)) throw error;
    return `ERROR ${error.sqlState} ${error.message}${error.detail === undefined ? "" : ` / ${error.detail}`}`;
  }
}

async function evaluateInPg(expressions: readonly string[], setup = ""): Promise<string[]> {
  const results: string[] = [];
  for (let start = 0; start < expressions.length; start += batchSizeMax) {
    const chunk = expressions.slice(start, start + batchSizeMax);
    await client.query("RESET ALL");
    if (setup !== "") await client.query(setup);
    const result = await client.query<{ r: string }>(
      "SELECT try_eval(e) AS r FROM unnest($1::text[]) WITH ORDINALITY AS t(e, n) ORDER BY n",
      [chunk],
    );
    results.push(...result.rows.map((row) => row.r));
  }
  return results;
}

interface Case {
  readonly sql: string;
  readonly ours: () => string;
}

/** Runs every case in PostgreSQL and here; returns the mismatches (at most 20) as readable lines. */
async function mismatches(cases: readonly Case[], setup = ""): Promise<string[]> {
  const theirs = await evaluateInPg(
    cases.map((c) => c.sql),
    setup,
  );
  const lines: string[] = [];
  cases.forEach((c, index) => {
    const mine = ours(c.ours);
    if (mine !== theirs[index] && lines.length < 20) lines.push(`${c.sql}\n   pg:   ${theirs[index]}\n   ours: ${mine}`);
  });
  return lines;
}

/** Samples `count` values of `arbitrary` with a replayable seed. */
function sample<T>(arbitrary: fc.Arbitrary<T>, count: number, seed: number): T[] {
  return fc.sample(arbitrary, { numRuns: count, seed });
}

async function expectNoMismatch(name: string, build: (seed: number) => Case[], setup = ""): Promise<number> {
  const { seed } = propertyParams(1);
  const cases = build(seed);
  const lines = await mismatches(cases, setup);
  expect(lines, `${name}: ${lines.length} mismatches with FC_SEED=${seed}\n${lines.join("\n")}`).toEqual([]);
  return cases.length;
}

function castCases(inputs: readonly string[], sqlType: string, parseFormat: (text: string) => string): Case[] {
  return inputs.map((input) => ({ sql: `${literal(input)}::${sqlType}`, ours: () => parseFormat(input) }));
}

const intAlphabet = fc.constantFrom(" ", "\t", "\n", "-", "+", "0", "1", "2", "3", "7", "9", "8", "x", ".", "e");
const floatAlphabet = fc.constantFrom(" ", "-", "+", "0", "1", "5", "9", ".", "e", "E", "x", "p", "a", "f", "i", "n", "N", "I", "y", "t", "(", ")");

describe("scalar input and output match PostgreSQL 15", () => {
  it("bool", async () => {
    const words = ["t", "true", "TRUE", "tr", "yes", "y", "ye", "on", "o", "off", "of", "no", "n", "f", "fa", "false", "1", "0", "", " ", " true ", "\ttrue\n", "truex", "10", "yess", "On", "OFF", "nO"];
    const random = (seed: number): string[] => sample(fc.string({ unit: fc.constantFrom("t", "r", "u", "e", "f", "a", "l", "s", "y", "o", "n", "1", "0", " ", "x"), maxLength: 6 }), 400, seed);
    await expectNoMismatch("bool", (seed) => castCases([...words, ...random(seed)], "bool", (t) => s.formatBool(s.parseBool(t))).map((c) => ({ ...c, sql: `format('%s', ${c.sql})` })));
  });

  it("int2, int4, int8 and oid", async () => {
    const edges = ["2147483647", "2147483648", "-2147483648", "-2147483649", "2147483648x", "99999999999x", "32767", "32768", "-32768", "-32769",
      "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809", "4294967295", "4294967296", "-1", "-0", "+0",
      "00000000000000000000000000012", " 12 ", "1 2", "", " ", "-", "+", "0x1F", "1e3", "1.0", "١٢"];
    const build = (seed: number): Case[] => {
      const inputs = [...edges, ...sample(fc.string({ unit: intAlphabet, maxLength: 22 }), 600, seed)];
      return [
        ...castCases(inputs, "int2", (t) => s.formatInt(s.parseInt2(t))),
        ...castCases(inputs, "int4", (t) => s.formatInt(s.parseInt4(t))),
        ...castCases(inputs, "int8", (t) => s.formatInt8(s.parseInt8(t))),
        ...castCases(inputs, "oid", (t) => s.formatOid(s.parseOid(t))),
      ];
    };
    await expectNoMismatch("integers", build);
  });

  it("float4 and float8 text input", async () => {
    const edges = ["NaN", "nan", "-nan", "nan(123)", "nan(", "Infinity", "-Infinity", "+inf", "inf", "INF", "infinit", "infinityx", "1e400", " 1e400 ",
      "-1e400", "1e-400", "1e-320", "4.9e-324", "2.5e-324", "2.4e-324", "1e39", "3.4028235e38", "3.40282357e38", "3.4028236e38", "1e-45", "7e-46", "8e-46",
      "1.17549435e-38", "0x10", "0x1p-1074", "0x1.8p1", "0x", "0x.8", "1e", "1e+", ".5", "5.", ".", "", " ", "  -0  ", "0e999999", "1.5e-5", "16777217",
      "0.1", "1e23", "9007199254740993", "1.00000005960464477539062499", "1.000000059604644775390625", "1.00000005960464477539062501"];
    const build = (seed: number): Case[] => {
      const inputs = [...edges, ...sample(fc.string({ unit: floatAlphabet, maxLength: 14 }), 700, seed)];
      return [
        ...castCases(inputs, "float8", (t) => s.formatFloat8(s.parseFloat8(t))),
        ...castCases(inputs, "float4", (t) => s.formatFloat4(s.parseFloat4(t))),
      ];
    };
    await expectNoMismatch("float input", build);
  });

  for (const extraFloatDigits of [1, 0, -3, 3, -15, 2]) {
    it(`float8 and float4 output with extra_float_digits = ${extraFloatDigits}`, async () => {
      const build = (seed: number): Case[] => {
        const doubles = [
          ...sample(fc.double({ noNaN: true, noDefaultInfinity: true }), 1500, seed),
          ...sample(fc.integer({ min: -330, max: 310 }), 300, seed + 1).map((exponent) => Number(`1e${exponent}`)),
          ...sample(fc.integer({ min: -330, max: 310 }), 300, seed + 2).map((exponent) => Number(`9.5e${exponent}`)),
          0, -0, 5e-324, 2.2250738585072014e-308, Number.MAX_VALUE, 0.5, 2.5, 1e15, 1e16, 123456789012345, 1234567890123456, 1e-4, 1e-5, 0.1, 0.3,
        ];
        const floats = [
          ...sample(fc.float({ noNaN: true, noDefaultInfinity: true }), 1500, seed + 3),
          ...sample(fc.integer({ min: -45, max: 38 }), 200, seed + 4).map((exponent) => Math.fround(Number(`1e${exponent}`))),
          1e-45, 1.1754944e-38, 3.4028235e38, 16777216, 100000, 1000000, 0.5,
        ].map((value) => Math.fround(value));
        return [
          ...doubles.map((value) => ({ sql: `${literal(String(value === 0 && Object.is(value, -0) ? "-0" : value))}::float8`, ours: () => s.formatFloat8(value, extraFloatDigits) })),
          ...floats.map((value) => ({ sql: `${literal(Object.is(value, -0) ? "-0" : String(value))}::float8::float4`, ours: () => s.formatFloat4(value, extraFloatDigits) })),
        ];
      };
      await expectNoMismatch(`float output efd=${extraFloatDigits}`, build, `SET extra_float_digits = ${extraFloatDigits}`);
    });
  }

  it("text, varchar and bpchar typmods, lengths and C-collation order", async () => {
    const text = fc.string({ unit: fc.constantFrom("a", "b", " ", "é", "😀", "\u{FFFD}", "Z", "'", "\\"), maxLength: 6 });
    const build = (seed: number): Case[] => {
      const values = sample(text, 500, seed);
      const pairs = sample(fc.tuple(text, text), 500, seed + 1);
      const cases: Case[] = [];
      for (const value of values) {
        cases.push({ sql: `${literal(value)}::varchar(3)`, ours: () => s.coerceVarchar(value, 3, { isExplicit: true }) });
        cases.push({ sql: `${literal(value)}::text::varchar(3)`, ours: () => s.coerceVarchar(value, 3, { isExplicit: true }) });
        cases.push({ sql: `format('%s', ${literal(value)}::bpchar(4))`, ours: () => s.coerceBpchar(value, 4, { isExplicit: true }) });
        cases.push({ sql: `length(${literal(value)}::bpchar(4))`, ours: () => String(s.bpcharLength(s.coerceBpchar(value, 4, { isExplicit: true }))) });
        cases.push({ sql: `length(${literal(value)}::text)`, ours: () => String(s.textLength(value)) });
        cases.push({ sql: `hashtext(${literal(value)})`, ours: () => String(s.hashText(value)) });
        cases.push({ sql: `hashbpchar(${literal(value)})`, ours: () => String(s.hashBpchar(value)) });
      }
      for (const [a, b] of pairs) {
        const sign = (sql: string): string => `sign(CASE WHEN ${sql} THEN -1 ELSE 0 END + CASE WHEN ${sql.replace("<", ">")} THEN 1 ELSE 0 END)`;
        cases.push({ sql: sign(`${literal(a)}::text < ${literal(b)}::text COLLATE "C"`), ours: () => String(s.compareText(a, b)) });
        cases.push({ sql: sign(`${literal(a)}::bpchar < ${literal(b)}::bpchar COLLATE "C"`), ours: () => String(s.compareBpchar(a, b)) });
      }
      return cases;
    };
    await expectNoMismatch("text", build);
  });

  it("varchar and bpchar assignment (typmod input) errors", async () => {
    const inputs = ["abc", "abcd", "abc ", "abc  x", "ab  ", "😀😀😀", "😀😀😀😀", "😀😀😀 ", "", "a"];
    await client.query("CREATE TEMP TABLE typmods (v varchar(3), c char(3))");
    for (const value of inputs) {
      const theirs = await client.query<{ v: string; c: string }>(`INSERT INTO typmods VALUES (${literal(value)}, ${literal(value)}) RETURNING v, c`).then(
        (result) => `${String(result.rows[0]?.v)}|${String(result.rows[0]?.c)}`,
        (error: unknown) => `ERROR ${error instanceof Error && "code" in error ? String(error.code) : "?"} ${error instanceof Error ? error.message : ""}`,
      );
      const mine = ours(() => `${s.coerceVarchar(value, 3, { isExplicit: false })}|${s.coerceBpchar(value, 3, { isExplicit: false })}`);
      expect(mine, value).toBe(theirs);
    }
  });

  it("bytea and uuid", async () => {
    const byteaText = fc.oneof(
      fc.string({ unit: fc.constantFrom("0", "1", "a", "F", "g", " ", "\n", "9"), maxLength: 10 }).map((body) => `\\x${body}`),
      fc.string({ unit: fc.constantFrom("\\", "0", "3", "7", "8", "a", "é", " ", "4"), maxLength: 10 }),
    );
    const uuidText = fc.oneof(
      fc.uuid().map((uuid) => uuid.toUpperCase()),
      fc.uuid().map((uuid) => uuid.replaceAll("-", "")),
      fc.uuid().map((uuid) => `{${uuid}}`),
      fc.string({ unit: fc.constantFrom("a", "0", "-", "{", "}", "f", "g"), maxLength: 40 }),
      fc.tuple(fc.uuid(), fc.integer({ min: 0, max: 32 }), fc.constantFrom("-", "", "x", "}")).map(([uuid, at, insert]) => {
        const hex = uuid.replaceAll("-", "");
        return hex.slice(0, at) + insert + hex.slice(at);
      }),
    );
    const build = (seed: number): Case[] => [
      ...castCases(sample(byteaText, 600, seed), "bytea", (t) => s.formatBytea(s.parseBytea(t))),
      ...castCases(sample(uuidText, 600, seed + 2), "uuid", (t) => s.formatUuid(s.parseUuid(t))),
      ...sample(fc.uuid(), 100, seed + 3).map((uuid) => ({ sql: `uuid_hash(${literal(uuid)})`, ours: () => String(s.hashUuid(uuid)) })),
    ];
    await expectNoMismatch("bytea and uuid", build);
    const escapeBuild = (seed: number): Case[] => castCases(sample(byteaText, 300, seed), "bytea", (t) => s.formatBytea(s.parseBytea(t), "escape"));
    await expectNoMismatch("bytea escape output", escapeBuild, "SET bytea_output = escape");
  });
});

describe("arithmetic and hashing match PostgreSQL 15", () => {
  it("integer arithmetic at the overflow edges", async () => {
    const int4 = fc.oneof(fc.constantFrom(0, 1, -1, 2, -2, 2147483647, -2147483648, 46341, -46341, 65536), fc.integer());
    const int2 = fc.oneof(fc.constantFrom(0, 1, -1, 32767, -32768, 182, 256), fc.integer({ min: -32768, max: 32767 }));
    const int8 = fc.oneof(fc.constantFrom(0n, 1n, -1n, 9223372036854775807n, -9223372036854775808n, 3037000500n, 4294967296n), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }));
    const ops = [
      ["+", s.int4Add, s.int2Add, s.int8Add],
      ["-", s.int4Sub, s.int2Sub, s.int8Sub],
      ["*", s.int4Mul, s.int2Mul, s.int8Mul],
      ["/", s.int4Div, s.int2Div, s.int8Div],
      ["%", s.int4Mod, s.int2Mod, s.int8Mod],
    ] as const;
    const build = (seed: number): Case[] => {
      const cases: Case[] = [];
      const pairs4 = sample(fc.tuple(int4, int4), 300, seed);
      const pairs2 = sample(fc.tuple(int2, int2), 300, seed + 1);
      const pairs8 = sample(fc.tuple(int8, int8), 300, seed + 2);
      for (const [op, f4, f2, f8] of ops) {
        for (const [a, b] of pairs4) cases.push({ sql: `(${a})::int4 ${op} (${b})::int4`, ours: () => s.formatInt(f4(a, b)) });
        for (const [a, b] of pairs2) cases.push({ sql: `(${a})::int2 ${op} (${b})::int2`, ours: () => s.formatInt(f2(a, b)) });
        for (const [a, b] of pairs8) cases.push({ sql: `(${a})::int8 ${op} (${b})::int8`, ours: () => s.formatInt8(f8(a, b)) });
      }
      for (const [a] of pairs4) {
        cases.push({ sql: `-((${a})::int4)`, ours: () => s.formatInt(s.int4Neg(a)) });
        cases.push({ sql: `abs((${a})::int4)`, ours: () => s.formatInt(s.int4Abs(a)) });
        cases.push({ sql: `hashint4((${a})::int4)`, ours: () => String(s.hashInt4(a)) });
      }
      for (const [a, b] of pairs4) {
        const array = arrayOf([a, null, b]);
        cases.push({ sql: `hash_array(ARRAY[${a}, NULL, ${b}]::int4[])`, ours: () => String(s.hashArray(array, s.hashInt4)) });
      }
      for (const [a, b] of pairs8) {
        const array = arrayOf([a, b]);
        cases.push({ sql: `hash_array('[0:1]={${a},${b}}'::int8[])`, ours: () => String(s.hashArray(array, s.hashInt8)) });
      }
      cases.push({ sql: "hash_array('{}'::int4[])", ours: () => String(s.hashArray(arrayOf<number>([]), s.hashInt4)) });
      cases.push({ sql: "hash_array('{{a,NULL},{\"\",b}}'::text[])", ours: () => String(s.hashArray({ dims: [2, 2], lowerBounds: [1, 1], elements: ["a", null, "", "b"] }, s.hashText)) });
      for (const [a] of pairs8) {
        cases.push({ sql: `abs((${a})::int8)`, ours: () => s.formatInt8(s.int8Abs(a)) });
        cases.push({ sql: `hashint8((${a})::int8)`, ours: () => String(s.hashInt8(a)) });
        cases.push({ sql: `(${a})::int8::int4`, ours: () => s.formatInt(s.castInt(a, "int4")) });
      }
      return cases;
    };
    await expectNoMismatch("integer arithmetic", build);
  });

  it("float arithmetic overflow, underflow and hashes", async () => {
    const double = fc.oneof(fc.constantFrom(0, -0, 1e308, -1e308, 1e-308, 5e-324, 2, 0.5, Number.NaN, Infinity, -Infinity, 1e200, 1e-200), fc.double());
    const render = (value: number): string => (Object.is(value, -0) ? "'-0'" : `'${String(value)}'`);
    const build = (seed: number): Case[] => {
      const cases: Case[] = [];
      for (const [a, b] of sample(fc.tuple(double, double), 400, seed)) {
        cases.push({ sql: `${render(a)}::float8 + ${render(b)}::float8`, ours: () => s.formatFloat8(s.float8Add(a, b)) });
        cases.push({ sql: `${render(a)}::float8 * ${render(b)}::float8`, ours: () => s.formatFloat8(s.float8Mul(a, b)) });
        cases.push({ sql: `${render(a)}::float8 / ${render(b)}::float8`, ours: () => s.formatFloat8(s.float8Div(a, b)) });
        const fa = Math.fround(a);
        const fb = Math.fround(b);
        cases.push({ sql: `${render(fa)}::float8::float4 * ${render(fb)}::float8::float4`, ours: () => s.formatFloat4(s.float4Mul(fa, fb)) });
        cases.push({ sql: `${render(a)}::float8::float4`, ours: () => s.formatFloat4(s.float8ToFloat4(a)) });
        cases.push({ sql: `hashfloat8(${render(a)}::float8)`, ours: () => String(s.hashFloat8(a)) });
      }
      return cases;
    };
    await expectNoMismatch("float arithmetic", build);
  });
});

describe("binary send matches PostgreSQL 15", () => {
  it("int, float, uuid and array send functions", async () => {
    const int4Binary: ArrayElementBinary<number> = { elementTypeOid: TypeOid.int4, send: s.sendInt4, recv: s.recvInt4 };
    const textBinary: ArrayElementBinary<string> = { elementTypeOid: TypeOid.text, send: s.sendText, recv: s.recvText };
    const render = (value: number): string => (Object.is(value, -0) ? "'-0'" : `'${String(value)}'`);
    const build = (seed: number): Case[] => [
      ...sample(fc.integer(), 200, seed).map((v) => ({ sql: `int4send('${v}'::int4)`, ours: () => s.formatBytea(s.sendInt4(v)) })),
      ...sample(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), 200, seed + 1).map((v) => ({ sql: `int8send('${v}'::int8)`, ours: () => s.formatBytea(s.sendInt8(v)) })),
      ...sample(fc.double({ noNaN: true }), 200, seed + 2).map((v) => ({ sql: `float8send(${render(v)}::float8)`, ours: () => s.formatBytea(s.sendFloat8(v)) })),
      ...sample(fc.float({ noNaN: true }), 200, seed + 3).map((v) => ({ sql: `float4send(${render(v)}::float8::float4)`, ours: () => s.formatBytea(s.sendFloat4(v)) })),
      ...sample(fc.uuid(), 100, seed + 4).map((v) => ({ sql: `uuid_send(${literal(v)})`, ours: () => s.formatBytea(s.sendUuid(v)) })),
      ...sample(fc.array(fc.option(fc.integer()), { maxLength: 5 }), 200, seed + 5).map((v) => ({
        sql: `array_send(ARRAY[${v.map((e) => (e === null ? "NULL" : String(e))).join(",")}]::int4[])`,
        ours: () => s.formatBytea(sendArray(arrayOf(v), int4Binary)),
      })),
      ...sample(fc.array(fc.option(fc.string()), { maxLength: 4 }), 200, seed + 6).map((v) => ({
        sql: `array_send(ARRAY[${v.map((e) => (e === null ? "NULL" : literal(e))).join(",")}]::text[])`,
        ours: () => s.formatBytea(sendArray(arrayOf(v), textBinary)),
      })),
      { sql: "array_send('[0:1][2:3]={{1,2},{3,NULL}}'::int4[])", ours: () => s.formatBytea(sendArray({ dims: [2, 2], lowerBounds: [0, 2], elements: [1, 2, 3, null] }, int4Binary)) },
    ];
    await expectNoMismatch("binary send", build);
  });
});

describe("array text I/O matches PostgreSQL 15", () => {
  const int4Element: ArrayElementText<number> = { parse: s.parseInt4, format: s.formatInt };
  const textElement: ArrayElementText<string> = { parse: (t) => t, format: (t) => t };
  const float8Element: ArrayElementText<number> = { parse: s.parseFloat8, format: (v) => s.formatFloat8(v) };

  it("generated literals for int4[], text[] and float8[]", async () => {
    const piece = fc.constantFrom("{", "}", ",", '"', "\\", " ", "1", "2", "-3", "a", "b c", "NULL", "null", "[1:2]", "[0:1]", "=", "[", "]", ":", "é", "\t", "{1,2}", "{}", "1e3");
    const structured = fc.letrec((tie) => ({
      item: fc.oneof({ depthSize: "small" }, fc.constantFrom("1", "-2", "NULL", '"x y"', '"a\\"b"', "a\\,b", "  3  ", '""', "nan"), tie("array")),
      array: fc.array(tie("item"), { maxLength: 4 }).map((items) => `{${items.join(",")}}`),
    }));
    const sameShape = fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: -2, max: 2 })).map(([rows, columns, lowerBound]) => {
      const row = `{${Array.from({ length: columns }, (_, index) => String(index)).join(",")}}`;
      const body = `{${Array.from({ length: rows }, () => row).join(",")}}`;
      return lowerBound === 1 ? body : `[${lowerBound}:${lowerBound + rows - 1}][1:${columns}]=${body}`;
    });
    const literalText = fc.oneof(fc.string({ unit: piece, maxLength: 8 }), structured.array, sameShape);
    const build = (seed: number): Case[] => {
      const inputs = [...sample(literalText, 900, seed), "{}", "  {1,2}  ", "{1,2} x", "[1:2]={1}", "[2:1]={1}", "[1:2]{1,2}", "[1]={1}", "[a]={1}", "{{1},{{2}}}", '{"a b",NULL,"NULL",""}'];
      return [
        ...castCases(inputs, "int4[]", (t) => formatArray(parseArray(t, int4Element), int4Element)),
        ...castCases(inputs, "text[]", (t) => formatArray(parseArray(t, textElement), textElement)),
        ...castCases(inputs, "float8[]", (t) => formatArray(parseArray(t, float8Element), float8Element)),
      ];
    };
    await expectNoMismatch("arrays", build);
  });
});
