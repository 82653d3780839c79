/**
 * Datadriven goldens for casts and output formats: each case is a stand-alone expression and its
 * result as `text :: type` (the type as pg_typeof names it), or its SQLSTATE and message. The
 * expected texts are PostgreSQL 15's; `REWRITE=1` regenerates them (review the diff like code).
 *
 *   eval [tz=<zone>] [extra_float_digits=<n>]
 *   <expression>
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "vitest";
import { DbError } from "@omnikv/base";
import { builtinRegistry, evaluateExpression, type EvalContext } from "@omnikv/executor";
import { runDataDriven, unknownCommand, type DataDrivenCase } from "@omnikv/testkit";

const testdata = join(import.meta.dirname, "../testdata");

function argValue(testCase: DataDrivenCase, key: string): string | undefined {
  return testCase.args.find((arg) => arg.key === key)?.values[0];
}

function evaluate(testCase: DataDrivenCase): string {
  const context: EvalContext = {
    extraFloatDigits: Number(argValue(testCase, "extra_float_digits") ?? "1"),
    timeZone: argValue(testCase, "tz") ?? "UTC",
    transactionStartMicros: 0n,
  };
  return testCase.input
    .split("\n")
    .map((expr) => {
      try {
        const result = evaluateExpression(`SELECT ${expr}`, builtinRegistry, context);
        return `${result.text ?? "NULL"} :: ${result.typeName}`;
      } catch (error) {
        if (error instanceof DbError) return `ERROR ${error.sqlState}: ${error.message}`;
        throw error;
      }
    })
    .join("\n");
}

describe("expression goldens", () => {
  for (const file of readdirSync(testdata).filter((name) => name.endsWith(".txt")).toSorted()) {
    it(`golden file ${file}`, () => {
      runDataDriven(join(testdata, file), (testCase) => (testCase.command === "eval" ? evaluate(testCase) : unknownCommand(testCase)));
    });
  }
});
