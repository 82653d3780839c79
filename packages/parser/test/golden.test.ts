/**
 * Datadriven goldens: SQL → s-expression AST, deparse output, and errors with their SQLSTATE and
 * position. Every statement a `parse` case accepts must also round-trip: `parse(deparse(ast))`
 * equals the AST, positions aside. `REWRITE=1 npx nx run parser:test` regenerates the outputs.
 *
 * Commands:
 *   parse          each statement's AST, one s-expression per statement
 *   parse-pos      the same with `@offset` after every node, to check positions
 *   deparse        the SQL `deparse` produces
 *   error          the error a bad statement raises: SQLSTATE, message, 1-based position
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "vitest";
import { DbError } from "@omnikv/base";
import { deparse, parse, toSExpr, type Statement } from "@omnikv/parser";
import { runDataDriven, unknownCommand, type DataDrivenCase } from "@omnikv/testkit";
import { assertRoundTrips } from "./round-trip.ts";

const testdata = join(import.meta.dirname, "../testdata");

function handle(testCase: DataDrivenCase): string {
  switch (testCase.command) {
    case "parse": {
      const statements = parse(testCase.input);
      assertPositions(testCase.input, statements);
      assertRoundTrips(testCase.input, statements);
      return statements.map((statement) => toSExpr(statement)).join("\n");
    }
    case "parse-pos":
      return parse(testCase.input)
        .map((statement) => toSExpr(statement, { withPositions: true }))
        .join("\n");
    case "deparse": {
      const statements = parse(testCase.input);
      assertRoundTrips(testCase.input, statements);
      return deparse(statements);
    }
    case "error":
      return describeError(testCase.input);
    default:
      return unknownCommand(testCase);
  }
}

/**
 * Every node (every object with a `kind`) carries `pos`, a 0-based offset inside the input, and a
 * child never starts before the statement that holds it.
 */
function assertPositions(sql: string, statements: readonly Statement[]): void {
  const visit = (value: unknown, path: string, statementPos: number): void => {
    if (Array.isArray(value)) {
      value.forEach((item: unknown, index) => visit(item, `${path}[${index}]`, statementPos));
      return;
    }
    if (typeof value !== "object" || value === null) return;
    const fields: Record<string, unknown> = { ...value };
    if (typeof fields["kind"] === "string") {
      const pos = fields["pos"];
      const where = `${path} (${fields["kind"]}) in ${JSON.stringify(sql)}`;
      if (typeof pos !== "number" || !Number.isInteger(pos)) throw new Error(`no position at ${where}`);
      if (pos < statementPos || pos >= sql.length) throw new Error(`position ${pos} out of range at ${where}`);
    }
    for (const [key, field] of Object.entries(fields)) visit(field, `${path}.${key}`, statementPos);
  };
  for (const statement of statements) visit(statement, statement.kind, statement.pos);
}

function describeError(sql: string): string {
  try {
    const statements = parse(sql);
    return `no error: ${deparse(statements)}`;
  } catch (error) {
    if (!(error instanceof DbError)) throw error;
    const position = error.position === undefined ? "" : ` at ${error.position}`;
    const hint = error.hint === undefined ? "" : `\nhint: ${error.hint}`;
    return `${error.sqlState}: ${error.message}${position}${hint}`;
  }
}

describe("parser goldens", () => {
  for (const file of readdirSync(testdata).filter((name) => name.endsWith(".txt")).toSorted()) {
    it(`golden file ${file}`, () => {
      runDataDriven(join(testdata, file), handle);
    });
  }
});
