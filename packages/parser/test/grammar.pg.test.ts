/**
 * Differential test of the grammar against a real PostgreSQL 15 (testkit's private server):
 *
 * - Precedence: seeded random operator chains without parentheses (arithmetic, comparison, IS,
 *   IN, BETWEEN, LIKE, AND/OR/NOT, casts, `= ANY`, prefix operators). Where we parse one, the
 *   tree printed with a parenthesis around every operator must evaluate in PostgreSQL exactly as
 *   the original text does (same value, or same SQLSTATE and message): a different grouping
 *   shows as a different value or error. Where we reject one with 42601, PostgreSQL must reject
 *   it with the same message and position.
 * - Bare labels: for every keyword `pg_get_keywords()` lists, `SELECT 1 <word>` is accepted by
 *   both or rejected by both.
 * - Error goldens: every 42601 in `testdata/*.txt` is PostgreSQL's, message and position.
 *
 * Randomness is seeded: a failure prints `SEED=<n>` to replay it.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DbError } from "@omnikv/base";
import { parse, type Expr } from "@omnikv/parser";
import { parseDataDriven, startPostgres, withSeed, type PostgresServer, type SeededRandom } from "@omnikv/testkit";

const chainCount = 1500;

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

interface PgErrorFields {
  readonly code: string;
  readonly message: string;
  readonly position?: string;
}

function isPgError(error: unknown): error is PgErrorFields {
  return typeof error === "object" && error !== null && "code" in error && typeof error.code === "string";
}

/** PostgreSQL's first result value as JSON, or its error (with the position when asked). */
async function evaluateInPg(sql: string, { withPosition = false } = {}): Promise<string> {
  try {
    const result = await client.query<unknown[]>({ text: sql, rowMode: "array" });
    return `ok ${JSON.stringify(result.rows[0]?.[0])}`;
  } catch (error) {
    if (!isPgError(error)) throw error;
    const position = withPosition && error.position !== undefined ? ` at ${error.position}` : "";
    return `${error.code} ${error.message}${position}`;
  }
}

// ---------------------------------------------------------------------------------------------
// Precedence

const atoms = ["1", "2", "3", "0", "-1", "NULL", "TRUE", "FALSE", "'a'", "'b'", "5"];
const binaryOps = [
  "+", "-", "*", "/", "%", "^", "=", "<", ">", "<>", "<=", ">=", "AND", "OR", "||", "IS DISTINCT FROM",
  "IS NOT DISTINCT FROM", "LIKE", "NOT LIKE", "&", "|", "#", "<<", ">>",
];
const postfixes = [
  "IS NULL", "IS NOT NULL", "IS TRUE", "IS NOT FALSE", "ISNULL", "IN (1, 2)", "NOT IN (3)", "::int", "::text", "::bool",
  "= ANY ('{1,2}')", "BETWEEN 1 AND 3", "NOT BETWEEN 0 AND 1",
];
const prefixes = ["-", "NOT", "+", "~", "|/", "@"];

function operand(random: SeededRandom): string {
  return `${random.chance(0.2) ? `${random.pick(prefixes)} ` : ""}${random.pick(atoms)}`;
}

function operatorChain(random: SeededRandom): string {
  let sql = operand(random);
  const count = random.int(1, 4);
  for (let i = 0; i < count; i++) {
    sql += random.chance(0.25) ? ` ${random.pick(postfixes)}` : ` ${random.pick(binaryOps)} ${operand(random)}`;
  }
  return sql;
}

function list(items: readonly Expr[]): string {
  return items.map(parenthesize).join(", ");
}

/** The expression with a parenthesis around every operator, for the kinds the chains produce. */
function parenthesize(expr: Expr): string {
  const not = (isNegated: boolean): string => (isNegated ? "NOT " : "");
  if (expr.kind === "number") return `(${expr.text})`;
  if (expr.kind === "string") return `'${expr.value.replaceAll("'", "''")}'`;
  if (expr.kind === "boolean") return expr.value ? "TRUE" : "FALSE";
  if (expr.kind === "null") return "NULL";
  if (expr.kind === "binary") return `(${parenthesize(expr.left)} ${expr.op} ${parenthesize(expr.right)})`;
  if (expr.kind === "unary") return `(${expr.op} ${parenthesize(expr.operand)})`;
  if (expr.kind === "not") return `(NOT ${parenthesize(expr.operand)})`;
  if (expr.kind === "bool_expr") return `(${expr.args.map(parenthesize).join(` ${expr.op.toUpperCase()} `)})`;
  if (expr.kind === "is") return `(${parenthesize(expr.expr)} IS ${not(expr.isNegated)}${expr.test.toUpperCase()})`;
  if (expr.kind === "is_distinct_from") {
    return `(${parenthesize(expr.left)} IS ${not(expr.isNegated)}DISTINCT FROM ${parenthesize(expr.right)})`;
  }
  if (expr.kind === "in_list") return `(${parenthesize(expr.expr)} ${not(expr.isNegated)}IN (${list(expr.items)}))`;
  if (expr.kind === "between") {
    return `(${parenthesize(expr.expr)} ${not(expr.isNegated)}BETWEEN ${parenthesize(expr.low)} AND ${parenthesize(expr.high)})`;
  }
  if (expr.kind === "like") return `(${parenthesize(expr.expr)} ${not(expr.isNegated)}LIKE ${parenthesize(expr.pattern)})`;
  if (expr.kind === "cast") return `(${parenthesize(expr.expr)}::${expr.type.names.join(".")})`;
  if (expr.kind === "quantified_array") {
    return `(${parenthesize(expr.left)} ${expr.op} ${expr.quantifier.toUpperCase()} (${parenthesize(expr.array)}))`;
  }
  throw new Error(`the chain generator made a ${expr.kind}`);
}

function onlyTarget(sql: string): Expr {
  const [statement] = parse(sql);
  if (statement?.kind !== "select" || statement.body.kind !== "select_core") throw new Error(`not a SELECT: ${sql}`);
  const [target] = statement.body.targets;
  if (target === undefined) throw new Error(`no target: ${sql}`);
  return target.expr;
}

/** A disagreement with PostgreSQL about one chain, or undefined. */
async function checkChain(sql: string): Promise<string | undefined> {
  let expr: Expr;
  try {
    expr = onlyTarget(sql);
  } catch (error) {
    if (!(error instanceof DbError)) throw error;
    const ours = `${error.sqlState} ${error.message}${error.position === undefined ? "" : ` at ${error.position}`}`;
    const theirs = await evaluateInPg(sql, { withPosition: true });
    return ours === theirs ? undefined : `${sql}\n    PostgreSQL: ${theirs}\n    we reject:  ${ours}`;
  }
  const grouped = `SELECT ${parenthesize(expr)}`;
  const [original, ours] = [await evaluateInPg(sql), await evaluateInPg(grouped)];
  return original === ours ? undefined : `${sql}\n    we read it as ${grouped}\n    PostgreSQL: ${original}\n    ours:       ${ours}`;
}

describe("the grammar against PostgreSQL 15", () => {
  it(`groups ${chainCount} random operator chains as PostgreSQL does`, async () => {
    await withSeed("operator precedence vs PostgreSQL", async (random) => {
      const disagreements: string[] = [];
      for (let i = 0; i < chainCount && disagreements.length < 10; i++) {
        const disagreement = await checkChain(`SELECT ${operatorChain(random)}`);
        if (disagreement !== undefined) disagreements.push(disagreement);
      }
      expect(disagreements, disagreements.join("\n")).toEqual([]);
    });
  });

  it("takes a keyword as a bare alias exactly when PostgreSQL does", async () => {
    const keywords = await client.query<{ word: string }>("SELECT word FROM pg_get_keywords() ORDER BY word");
    expect(keywords.rows.length).toBeGreaterThan(400);
    const disagreements: string[] = [];
    for (const { word } of keywords.rows) {
      const sql = `SELECT 1 ${word}`;
      // Accepted is accepted, whatever the value (`SELECT 1 isnull` is an operator, not an alias).
      const theirs = (await evaluateInPg(sql, { withPosition: true })).replace(/^ok .*/, "ok");
      let ours: string;
      try {
        onlyTarget(sql);
        ours = "ok";
      } catch (error) {
        if (!(error instanceof DbError)) throw error;
        ours = `${error.sqlState} ${error.message}${error.position === undefined ? "" : ` at ${error.position}`}`;
      }
      if (ours !== theirs) disagreements.push(`${sql}\n    PostgreSQL: ${theirs}\n    ours:       ${ours}`);
    }
    expect(disagreements, disagreements.join("\n")).toEqual([]);
  });

  it("raises every syntax error of the error goldens with PostgreSQL's message and position", async () => {
    // PostgreSQL finds some syntax errors only after it has looked up the table they name.
    await client.query("CREATE TABLE IF NOT EXISTS t (a int PRIMARY KEY, b int, c int)");
    const testdata = join(import.meta.dirname, "../testdata");
    const disagreements: string[] = [];
    let checked = 0;
    for (const file of readdirSync(testdata).filter((name) => name.endsWith(".txt"))) {
      const path = join(testdata, file);
      for (const testCase of parseDataDriven(path, readFileSync(path, "utf8")).cases) {
        // Only syntax errors: other SQLSTATEs (0A000, 54001, …) are ours by design.
        if (testCase.command !== "error" || !testCase.expected.startsWith("42601: ")) continue;
        checked += 1;
        const ours = testCase.expected.split("\n")[0]?.replace(/^42601: /, "42601 ") ?? "";
        const theirs = await evaluateInPg(testCase.input, { withPosition: true });
        if (ours !== theirs) disagreements.push(`${file}:${testCase.line} ${testCase.input}\n    PostgreSQL: ${theirs}\n    golden:     ${ours}`);
      }
    }
    expect(checked).toBeGreaterThan(50);
    expect(disagreements, disagreements.join("\n")).toEqual([]);
  });
});
