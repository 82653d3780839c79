/**
 * `compileExpr` resolves everything once: every implementation is looked up while compiling, and
 * evaluating rows afterwards performs no lookup at all (the "compiled once per plan into
 * closures, not re-interpreted per row").
 */
import { describe, expect, it } from "vitest";
import { TypeOid, UTC, type SqlValue } from "@omnikv/base";
import { compileExpr, FunctionRegistry, type EvalContext, type ScalarFunction } from "@omnikv/executor";
import { parse } from "@omnikv/parser";
import { bindExpr } from "@omnikv/planner";
import { arithmeticFunctions } from "../../src/functions/arithmetic.ts";
import { arrayComparisonFunctions } from "../../src/functions/array-comparison.ts";
import { castFunctions } from "../../src/functions/casts.ts";
import { comparisonFunctions } from "../../src/functions/comparison.ts";
import { datetimeFunctions } from "../../src/functions/datetime.ts";
import { jsonFunctions, jsonTypedFunctions } from "../../src/functions/json.ts";
import { mathFunctions } from "../../src/functions/math.ts";
import { sessionFunctions, sessionTypedFunctions } from "../../src/functions/session.ts";
import { stringFunctions } from "../../src/functions/string.ts";
import { textFunctions, textTypedFunctions } from "../../src/functions/text.ts";

class CountingRegistry extends FunctionRegistry {
  lookupCount = 0;

  override lookup(id: string, argTypes: readonly number[] = []): ScalarFunction {
    this.lookupCount++;
    return super.lookup(id, argTypes);
  }
}

const registry = new CountingRegistry(
  [arithmeticFunctions, comparisonFunctions, mathFunctions, stringFunctions, castFunctions, datetimeFunctions, jsonFunctions, textFunctions, sessionFunctions],
  [jsonTypedFunctions, textTypedFunctions, sessionTypedFunctions, arrayComparisonFunctions],
);
const context: EvalContext = { extraFloatDigits: 1, timeZone: "UTC", transactionStartMicros: 0n };
const columns = new Map([
  ["a", { index: 0, type: { oid: TypeOid.int4, typmod: -1 }, name: "a" }],
  ["b", { index: 1, type: { oid: TypeOid.int4, typmod: -1 }, name: "b" }],
  ["s", { index: 2, type: { oid: TypeOid.text, typmod: -1 }, name: "s" }],
]);
const scope = {
  resolve: (names: readonly string[]) => {
    const column = columns.get(names.at(-1) ?? "");
    if (column === undefined) throw new Error(`no column ${names.join(".")}`);
    return column;
  },
};

function bind(expression: string): ReturnType<typeof bindExpr> {
  const sql = `SELECT ${expression}`;
  const [statement] = parse(sql);
  if (statement?.kind !== "select" || statement.body.kind !== "select_core") throw new Error("not a select");
  const target = statement.body.targets[0];
  if (target === undefined) throw new Error("no target");
  return bindExpr(target.expr, { settings: { extraFloatDigits: 1, timeZone: UTC }, paramTypes: [], sql, scope });
}

describe("compileExpr", () => {
  it("looks implementations up while compiling and never per row", () => {
    const bound = bind("CASE WHEN a * 2 + b > 10 AND s LIKE 'x%' THEN upper(s) || a::text ELSE lpad(s, 3) END");
    registry.lookupCount = 0;
    const compiled = compileExpr(bound, registry);
    const lookupsToCompile = registry.lookupCount;
    expect(lookupsToCompile).toBeGreaterThan(3);
    const results: SqlValue[] = [];
    for (let i = 0; i < 1000; i++) results.push(compiled([i % 20, i % 3, i % 2 === 0 ? `x${i}` : `y${i}`], [], context));
    expect(registry.lookupCount).toBe(lookupsToCompile);
    expect(results.slice(0, 2)).toEqual([" x0", " y1"]);
    expect(results[10]).toBe("X1010");
  });

  it("compiles op ANY (array) with one lookup", () => {
    const bound = bind("a = ANY(ARRAY[b, 3])");
    registry.lookupCount = 0;
    const compiled = compileExpr(bound, registry);
    expect(registry.lookupCount).toBe(1);
    expect([compiled([3, 0, ""], [], context), compiled([1, 1, ""], [], context), compiled([2, 0, ""], [], context)]).toEqual([true, true, false]);
    expect(compiled([2, null, ""], [], context)).toBe(null);
    expect(registry.lookupCount).toBe(1);
  });
});
