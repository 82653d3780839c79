/**
 * The round-trip property that keeps parser and deparser honest with each other: for every
 * canonical AST (the shapes `parse` itself produces; see test/ast-arbitraries.ts for the rules
 * and the excluded shapes), `parse(deparse(ast))` is `[ast]` with positions ignored.
 *
 * fast-check prints the seed and shrink path of a failure; `FC_SEED=<n> FC_PATH=<p>` replays it
 * and `FC_NUM_RUNS=<n>` lengthens a run. The regression tests at the bottom pin bugs the
 * property found, one minimal statement each.
 */
import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DbError } from "@omnikv/base";
import { deparse, parse } from "@omnikv/parser";
import type { Statement } from "@omnikv/parser";
import { propertyParams } from "@omnikv/testkit";
import { selectOf, statementArb, stripPos, tree } from "./ast-arbitraries.ts";

/** Deparses `ast`, parses the text back, and checks it is the same tree. */
function checkRoundTrip(ast: Statement): void {
  const sql = deparse(ast);
  let reparsed: Statement[];
  try {
    reparsed = parse(sql);
  } catch (error) {
    const detail = error instanceof DbError ? `${error.sqlState} ${error.message} at ${error.position ?? "?"}` : String(error);
    throw new Error(`the deparsed SQL does not parse:\n  ${sql}\n  ${detail}`, { cause: error });
  }
  expect(stripPos(reparsed), `SQL: ${sql}\nread back as: ${deparse(reparsed)}`).toEqual([stripPos(ast)]);
}

/** Text → tree → text → tree: the second tree equals the first. */
function checkTextRoundTrip(sql: string): void {
  const first = parse(sql);
  const text = deparse(first);
  expect(stripPos(parse(text)), `deparsed as: ${text}`).toEqual(stripPos(first));
}

describe("parse(deparse(ast)) is ast", () => {
  it("for expressions of every kind", () => {
    fc.assert(
      fc.property(tree.expr, (expr) => checkRoundTrip(selectOf(expr))),
      { ...propertyParams(3000), verbose: fc.VerbosityLevel.None },
    );
  });

  it("for queries", () => {
    fc.assert(
      fc.property(tree.select, (query) => checkRoundTrip(query)),
      { ...propertyParams(1500), verbose: fc.VerbosityLevel.None },
    );
  });

  it("for statements: DML, DDL, transactions and settings", () => {
    fc.assert(
      fc.property(statementArb, (statement) => checkRoundTrip(statement)),
      { ...propertyParams(2500), verbose: fc.VerbosityLevel.None },
    );
  });
});

describe("stripPos", () => {
  it("removes every pos and nothing else", () => {
    const [statement] = parse("SELECT a + 1 FROM t WHERE b");
    const stripped = JSON.stringify(stripPos(statement));
    expect(stripped).not.toContain('"pos"');
    expect(stripped).toContain('"name":["t"]');
  });
});

// ---------------------------------------------------------------------------------------------
// Regressions found by the property and by the fuzzer. Each is the smallest statement that shows
// the bug; they fail until src/ is fixed.

describe("round-trip regressions", () => {
  it("keeps AND/OR chains flat when the left operand is parenthesized (ast.ts invariant)", () => {
    const [statement] = parse("SELECT (a AND b) AND c");
    expect(stripPos(statement)).toEqual(stripPos(parse("SELECT a AND b AND c")[0]));
  });

  it("parses an IN list whose first item is a parenthesized subquery", () => {
    checkTextRoundTrip("SELECT 1 IN ((SELECT 1), 2)");
  });

  it("parses an IN list whose first item starts with a parenthesized subquery", () => {
    checkTextRoundTrip("SELECT 1 IN ((SELECT 1) + 1)");
  });

  it("parses op ANY (array) whose array starts with a parenthesized subquery", () => {
    checkTextRoundTrip("SELECT 1 = ANY ((SELECT ARRAY[1]) || ARRAY[2])");
  });

  it('quotes the type name "double"', () => {
    checkTextRoundTrip('SELECT x::"double"');
  });

  it('quotes a SET parameter named "local"', () => {
    checkTextRoundTrip('SET "local" = 1');
  });

  it('quotes a column named "exclude" in CREATE TABLE', () => {
    checkTextRoundTrip('CREATE TABLE t ("exclude" int4)');
  });

  it('quotes a CTE named "recursive"', () => {
    checkTextRoundTrip('WITH "recursive" AS (SELECT 1) SELECT 2');
  });

  it('quotes a base window named "rows" (or partition, range, groups)', () => {
    checkTextRoundTrip('SELECT count(*) OVER ("rows" ROWS 1 PRECEDING) FROM t WINDOW "rows" AS ()');
  });

  it("parses a decimal RESTART value of a sequence option", () => {
    checkTextRoundTrip("CREATE SEQUENCE s RESTART 1.5");
  });

  it("parses a SELECT with an empty target list before RETURNING in INSERT", () => {
    checkTextRoundTrip("INSERT INTO t SELECT RETURNING 1");
  });

  it('quotes an index operator class named "include" (or nulls, tablespace)', () => {
    checkTextRoundTrip('CREATE INDEX ON t (a "include")');
  });

  it('quotes a function named "rollup" (or cube) in GROUP BY', () => {
    checkTextRoundTrip('SELECT 1 GROUP BY "rollup"(a)');
  });

  it('quotes SET parameters whose first part is "session", "transaction" or "names"', () => {
    checkTextRoundTrip('SET "session".x = 1');
    checkTextRoundTrip('SET "transaction" = 1');
    checkTextRoundTrip('SET "names" = 1');
  });

  it('protects a frame offset column named "unbounded"', () => {
    checkTextRoundTrip('SELECT count(*) OVER (ROWS "unbounded" PRECEDING) FROM t');
  });

  it("rejects unknown privilege names as PostgreSQL does, and accepts a quoted known one", () => {
    expect(() => parse("GRANT sélect ON t TO a")).toThrow(/unrecognized privilege type "sélect"/);
    expect(() => parse('GRANT "C" ON t TO a')).toThrow(/unrecognized privilege type "C"/);
    checkTextRoundTrip('GRANT "select" ON t TO a');
  });

  it("rejects * as a prefix operator, as PostgreSQL does", () => {
    expect(() => parse("SELECT now() AT TIME ZONE * 'UTC'")).toThrow(/syntax error at or near "\*"/);
  });

  it("keeps a valueless storage parameter of CREATE INDEX valueless", () => {
    checkTextRoundTrip("CREATE INDEX ON t (a) WITH (fillfactor)");
  });
});
