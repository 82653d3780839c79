/**
 * Differential test of `Numeric` against a real PostgreSQL 15: thousands of generated expressions
 * (parse, arithmetic, rounding, transcendental functions, casts, typmods, binary send) are
 * evaluated by both, and the text results or SQLSTATE + message + detail must be identical.
 *
 * Expressions PostgreSQL evaluates without error go in batches, one query of many columns each;
 * an expression either side rejects is run alone, because an error aborts the whole query.
 * Randomness is seeded: a failure prints `SEED=<n>` to replay it.
 */
import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DbError } from "@omnikv/base";
import { startPostgres, withSeed, type PostgresServer, type SeededRandom } from "@omnikv/testkit";
import { Numeric, type NumericIntType } from "../../src/types/numeric.ts";
import { hashNumeric } from "../../src/types/scalar-hash.ts";

interface Case {
  /** A SQL expression whose `::text` PostgreSQL prints. */
  readonly sql: string;
  /** The same computation through `Numeric`, as text. */
  readonly ours: () => string;
}

const batchSizeMax = 400;

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

function describeError(error: unknown): string {
  if (error instanceof DbError) {
    return `ERROR ${error.sqlState} ${error.message}${error.detail === undefined ? "" : ` / ${error.detail}`}`;
  }
  throw error;
}

function evaluateOurs(c: Case): string {
  try {
    return c.ours();
  } catch (error) {
    return describeError(error);
  }
}

function isPgError(error: unknown): error is { code: string; message: string; detail?: string } {
  return typeof error === "object" && error !== null && "code" in error && typeof error.code === "string";
}

async function evaluateOneInPg(sql: string): Promise<string> {
  try {
    const result = await client.query<unknown[]>({ text: `SELECT (${sql})::text`, rowMode: "array" });
    return String(result.rows[0]?.[0]);
  } catch (error) {
    if (!isPgError(error)) throw error;
    return `ERROR ${error.code} ${error.message}${error.detail === undefined ? "" : ` / ${error.detail}`}`;
  }
}

/** PostgreSQL's results for `cases`, batched where it can be. */
async function evaluateInPg(cases: readonly Case[], expectErrors: readonly boolean[]): Promise<string[]> {
  const results: string[] = Array.from({ length: cases.length }, () => "");
  const batchIndexes: number[] = [];
  for (let i = 0; i < cases.length; i++) {
    const c = cases[i];
    if (c === undefined) continue;
    if (expectErrors[i] === true) results[i] = await evaluateOneInPg(c.sql);
    else batchIndexes.push(i);
  }
  for (let start = 0; start < batchIndexes.length; start += batchSizeMax) {
    const chunk = batchIndexes.slice(start, start + batchSizeMax);
    const columns = chunk.map((i) => `(${cases[i]?.sql ?? "NULL"})::text`).join(", ");
    try {
      const result = await client.query<unknown[]>({ text: `SELECT ${columns}`, rowMode: "array" });
      const row = result.rows[0] ?? [];
      chunk.forEach((caseIndex, column) => {
        results[caseIndex] = String(row[column]);
      });
    } catch {
      for (const i of chunk) results[i] = await evaluateOneInPg(cases[i]?.sql ?? "NULL");
    }
  }
  return results;
}

async function checkAgainstPg(cases: readonly Case[]): Promise<number> {
  const ours = cases.map(evaluateOurs);
  const theirs = await evaluateInPg(
    cases,
    ours.map((r) => r.startsWith("ERROR")),
  );
  const mismatches: string[] = [];
  cases.forEach((c, i) => {
    if (ours[i] !== theirs[i]) mismatches.push(`${c.sql}\n  pg:   ${theirs[i]}\n  ours: ${ours[i]}`);
  });
  expect(mismatches.slice(0, 20).join("\n")).toBe("");
  return cases.length;
}

// ------------------------------------------------------------------------------------------------
// Generators
// ------------------------------------------------------------------------------------------------

const edgeValues = [
  "0", "-0.0", "0.000", "1", "-1", "2.5", "-2.5", "0.5", "-0.5", "1.5", "0.0005", "-0.0005", "1.50", "10",
  "100", "0.1", "9999", "10000", "99999.9999", "1e-20", "3", "7", "1e20", "123456789012345678901234567890",
  "0.333333333333333333", "NaN", "Infinity", "-Infinity", "32767.5", "-32768.5", "2147483647.49",
  "2147483647.5", "-2147483648.5", "9223372036854775807.4", "9223372036854775807.5", "-9223372036854775808.5",
  "0.9", "1.1", "0.99999", "1.00001",
];

function randomDigits(random: SeededRandom, count: number): string {
  let text = String(random.int(1, 9));
  for (let i = 1; i < count; i++) text += String(random.int(0, 9));
  return text;
}

/** A random finite or special numeric literal, biased toward the edges. */
function randomValue(random: SeededRandom, maxDigits = 30): string {
  if (random.chance(0.25)) return random.pick(edgeValues);
  const sign = random.chance(0.4) ? "-" : "";
  const intPart = random.chance(0.3) ? "0" : randomDigits(random, random.int(1, maxDigits));
  if (random.chance(0.3)) return sign + intPart;
  let frac = random.chance(0.2) ? "" : randomDigits(random, random.int(1, 12));
  if (random.chance(0.3)) frac = "0".repeat(random.int(1, 10)) + frac;
  if (random.chance(0.2)) frac += "0".repeat(random.int(1, 4));
  if (random.chance(0.15)) return `${sign}${intPart}.${frac}e${random.int(-40, 40)}`;
  return `${sign}${intPart}.${frac}`;
}

/** A moderate positive or negative value for the transcendental functions. */
function randomSmallValue(random: SeededRandom): string {
  if (random.chance(0.2)) return random.pick(edgeValues);
  const sign = random.chance(0.3) ? "-" : "";
  return `${sign}${random.int(0, 999)}.${randomDigits(random, random.int(1, 6))}e${random.int(-6, 3)}`;
}

function lit(text: string): string {
  return `'${text}'::numeric`;
}

function num(text: string): Numeric {
  return Numeric.parse(text);
}

/** A double's IEEE 754 bytes in hex, as `float8send` sends them (compared bitwise, not as text). */
function float8Hex(value: number): string {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setFloat64(0, value);
  return Buffer.from(bytes).toString("hex");
}

function binaryCase(a: string): Case {
  return {
    sql: `encode(numeric_send(${lit(a)}), 'hex')`,
    ours: () => Buffer.from(num(a).toBinary()).toString("hex"),
  };
}

function arithmeticCases(random: SeededRandom, count: number): Case[] {
  const cases: Case[] = [];
  for (let i = 0; i < count; i++) {
    const a = randomValue(random);
    const b = randomValue(random);
    const x = (): Numeric => num(a);
    const y = (): Numeric => num(b);
    const s = random.int(-8, 24);
    cases.push(
      { sql: lit(a), ours: () => x().toString() },
      { sql: `${lit(a)} + ${lit(b)}`, ours: () => x().add(y()).toString() },
      { sql: `${lit(a)} - ${lit(b)}`, ours: () => x().sub(y()).toString() },
      { sql: `${lit(a)} * ${lit(b)}`, ours: () => x().mul(y()).toString() },
      { sql: `${lit(a)} / ${lit(b)}`, ours: () => x().div(y()).toString() },
      { sql: `${lit(a)} % ${lit(b)}`, ours: () => x().mod(y()).toString() },
      { sql: `div(${lit(a)}, ${lit(b)})`, ours: () => x().divTrunc(y()).toString() },
      { sql: `(${lit(a)} > ${lit(b)})::int - (${lit(a)} < ${lit(b)})::int`, ours: () => String(x().compare(y())) },
      { sql: `${lit(a)} = ${lit(b)}`, ours: () => (x().equals(y()) ? "true" : "false") },
      { sql: `round(${lit(a)}, ${s})`, ours: () => x().round(s).toString() },
      { sql: `trunc(${lit(a)}, ${s})`, ours: () => x().trunc(s).toString() },
      { sql: `ceil(${lit(a)})`, ours: () => x().ceil().toString() },
      { sql: `floor(${lit(a)})`, ours: () => x().floor().toString() },
      { sql: `sign(${lit(a)})`, ours: () => x().sign().toString() },
      { sql: `abs(${lit(a)})`, ours: () => x().abs().toString() },
      { sql: `-${lit(a)}`, ours: () => x().neg().toString() },
      { sql: `hash_numeric(${lit(a)})`, ours: () => String(hashNumeric(x())) },
      binaryCase(a),
    );
  }
  return cases;
}

function castCases(random: SeededRandom, count: number): Case[] {
  const cases: Case[] = [];
  const intTypes: readonly NumericIntType[] = ["int2", "int4", "int8"];
  for (let i = 0; i < count; i++) {
    const a = randomValue(random, random.pick([4, 9, 19, 25]));
    const type = random.pick(intTypes);
    const precision = random.int(1, 20);
    const scale = random.int(-4, 8);
    cases.push(
      { sql: `${lit(a)}::${type}`, ours: () => num(a).toBigInt(type).toString() },
      { sql: `${lit(a)}::numeric(${precision}, ${scale})`, ours: () => num(a).applyTypmod(precision, scale).toString() },
      { sql: `encode(float8send(${lit(a)}::float8), 'hex')`, ours: () => float8Hex(num(a).toNumber()) },
    );
    const double = random.chance(0.5)
      ? (random.nextFloat() - 0.5) * 10 ** random.int(-30, 30)
      : random.int(-1_000_000, 1_000_000) / 10 ** random.int(0, 8);
    cases.push({ sql: `'${String(double)}'::float8::numeric`, ours: () => Numeric.fromFloat8(double).toString() });
  }
  return cases;
}

function functionCases(random: SeededRandom, count: number): Case[] {
  const cases: Case[] = [];
  for (let i = 0; i < count; i++) {
    const a = randomSmallValue(random);
    const b = random.chance(0.5) ? String(random.int(-12, 12)) : randomSmallValue(random);
    const x = (): Numeric => num(a);
    cases.push(
      { sql: `sqrt(${lit(a)})`, ours: () => x().sqrt().toString() },
      { sql: `ln(${lit(a)})`, ours: () => x().ln().toString() },
      { sql: `log(${lit(a)})`, ours: () => x().log10().toString() },
      { sql: `exp(${lit(a)})`, ours: () => x().exp().toString() },
      { sql: `power(${lit(a)}, ${lit(b)})`, ours: () => x().power(num(b)).toString() },
    );
  }
  return cases;
}

const inputSpellings = [
  "  12.5  ", "+.5", "-.5e3", "5.", ".", "-", "+", "", "  ", "1e", "1e+", "1e-2", "1E2", "1e 5", "1.2.3", "1,5",
  "nan", "NAN", " NaN ", "-nan", "inf", "+inf", "-inf", "INFINITY", "-Infinity", "infinit", "infinityx", "Inf ",
  "1_000", "0x10", "1e1073741822", "1e-1073741822", "1e131071", "1e131072", "9.9e131071", "1e-16383", "1e-16384",
  "0e-16384", "0e200000", "00012.3400", "-0", "\t7\n", "1e2147483648", "1e0000000000000000000005", "12abc",
];

function specialCases(): Case[] {
  const cases: Case[] = inputSpellings.map((text) => ({
    sql: `'${text}'::numeric`,
    ours: () => Numeric.parse(text).toString(),
  }));
  const specials = ["NaN", "Infinity", "-Infinity", "0", "1", "-1", "2", "-2", "0.5", "-0.5", "1.5", "1.0", "-3"];
  for (const a of specials) {
    for (const b of specials) {
      for (const [op, f] of [
        ["+", (x: Numeric, y: Numeric) => x.add(y)],
        ["-", (x: Numeric, y: Numeric) => x.sub(y)],
        ["*", (x: Numeric, y: Numeric) => x.mul(y)],
        ["/", (x: Numeric, y: Numeric) => x.div(y)],
        ["%", (x: Numeric, y: Numeric) => x.mod(y)],
        ["^", (x: Numeric, y: Numeric) => x.power(y)],
      ] as const) {
        cases.push({ sql: `${lit(a)} ${op} ${lit(b)}`, ours: () => f(num(a), num(b)).toString() });
      }
      cases.push({ sql: `div(${lit(a)}, ${lit(b)})`, ours: () => num(a).divTrunc(num(b)).toString() });
    }
    cases.push(
      { sql: `${lit(a)}::numeric(5, 2)`, ours: () => num(a).applyTypmod(5, 2).toString() },
      { sql: `sqrt(${lit(a)})`, ours: () => num(a).sqrt().toString() },
      { sql: `exp(${lit(a)})`, ours: () => num(a).exp().toString() },
      { sql: `ln(${lit(a)})`, ours: () => num(a).ln().toString() },
      { sql: `${lit(a)}::int4`, ours: () => num(a).toBigInt("int4").toString() },
      binaryCase(a),
    );
  }
  return cases;
}

function limitCases(): Case[] {
  const pairs: readonly (readonly [string, () => Numeric])[] = [
    ["1e-10000 * 1e-10000", () => num("1e-10000").mul(num("1e-10000"))],
    ["1e131071 * 10", () => num("1e131071").mul(num("10"))],
    ["1e131071 + 1e131071 * 9", () => num("1e131071").add(num("1e131071").mul(num("9")))],
    ["1e131071 / 0.1", () => num("1e131071").div(num("0.1"))],
    ["exp(6000::numeric)", () => num("6000").exp()],
    ["exp(-6000::numeric)", () => num("-6000").exp()],
    ["exp(5000.5::numeric)", () => num("5000.5").exp()],
    ["10::numeric ^ 131072", () => num("10").power(num("131072"))],
    ["10::numeric ^ -5000", () => num("10").power(num("-5000"))],
    ["0.1::numeric ^ 2000", () => num("0.1").power(num("2000"))],
    ["(-2)::numeric ^ 1e10::numeric", () => num("-2").power(num("1e10"))],
    ["(-1)::numeric ^ 10000000001::numeric", () => num("-1").power(num("10000000001"))],
    ["1.0000001::numeric ^ 1000000000", () => num("1.0000001").power(num("1000000000"))],
    ["2::numeric ^ 1000.5", () => num("2").power(num("1000.5"))],
    ["0::numeric ^ 0.5", () => num("0").power(num("0.5"))],
    ["round(9.5::numeric, -1)", () => num("9.5").round(-1)],
    ["round(1.5::numeric, 3000)", () => num("1.5").round(3000)],
    ["12345::numeric(5,-2)", () => num("12345").applyTypmod(5, -2)],
    ["0.001::numeric(3,5)", () => num("0.001").applyTypmod(3, 5)],
    ["1234.5::numeric(3,5)", () => num("1234.5").applyTypmod(3, 5)],
    ["5::numeric(1,-2)", () => num("5").applyTypmod(1, -2)],
    ["99.995::numeric(4,2)", () => num("99.995").applyTypmod(4, 2)],
    ["0.5::numeric(1,1)", () => num("0.5").applyTypmod(1, 1)],
    ["9.5::numeric(1,0)", () => num("9.5").applyTypmod(1, 0)],
    ["sqrt(1e-16000::numeric)", () => num("1e-16000").sqrt()],
    ["ln(1e-16000::numeric)", () => num("1e-16000").ln()],
    ["ln(1e131000::numeric)", () => num("1e131000").ln()],
    ["log(1.0000000000000000000001::numeric)", () => num("1.0000000000000000000001").log10()],
  ];
  return pairs.map(([sql, f]) => ({ sql, ours: () => f().toString() }));
}

describe("Numeric against PostgreSQL 15", () => {
  it("parses, prints and combines special values and limits as PostgreSQL does", async () => {
    const count = await checkAgainstPg([...specialCases(), ...limitCases()]);
    expect(count).toBeGreaterThan(1000);
  });

  it("matches random arithmetic, rounding, comparison, hash_numeric and binary send", async () => {
    await withSeed("numeric arithmetic vs PostgreSQL", async (random) => {
      expect(await checkAgainstPg(arithmeticCases(random, 400))).toBe(400 * 18);
    });
  });

  it("matches random casts to integers, float8 and numeric(p, s)", async () => {
    await withSeed("numeric casts vs PostgreSQL", async (random) => {
      expect(await checkAgainstPg(castCases(random, 700))).toBe(700 * 4);
    });
  });

  it("matches random sqrt, ln, log, exp and power", async () => {
    await withSeed("numeric functions vs PostgreSQL", async (random) => {
      expect(await checkAgainstPg(functionCases(random, 300))).toBe(300 * 5);
    });
  });
});
