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
import { deparse, parse, toSExpr } from "@omnikv/parser";
import { runDataDriven, unknownCommand, type DataDrivenCase } from "@omnikv/testkit";
import { assertRoundTrips } from "./round-trip.ts";

const testdata = join(import.meta.dirname, "../testdata");

function handle(testCase: DataDrivenCase): string {
  switch (testCase.command) {
    case "parse": {
      const statements = parse(testCase.input);
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
