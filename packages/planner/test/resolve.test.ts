import { describe, expect, it } from "vitest";
import { DbError, TypeOid, UTC } from "@omnikv/base";
import { parse } from "@omnikv/parser";
import { bindExpr, builtinCasts, builtinFunctions, findCast, resolveFunction, resolveOperator, type BoundExpr } from "@omnikv/planner";

const { int2, int4, int8, numeric, float8, float4, text, unknown, bool, varchar, bpchar } = TypeOid;

function operatorResult(op: string, args: readonly number[]): string {
  try {
    const resolved = resolveOperator(op, args);
    return `${resolved.signature.id} -> ${resolved.returnType}`;
  } catch (error) {
    if (error instanceof DbError) return `${error.sqlState} ${error.message}`;
    throw error;
  }
}

function bindSelect(sql: string): BoundExpr {
  const [statement] = parse(`SELECT ${sql}`);
  if (statement?.kind !== "select" || statement.body.kind !== "select_core") throw new Error("not a select");
  const target = statement.body.targets[0];
  if (target === undefined) throw new Error("no target");
  return bindExpr(target.expr, { settings: { extraFloatDigits: 1, timeZone: UTC }, paramTypes: [], sql: `SELECT ${sql}` });
}

describe("operator resolution follows PostgreSQL", () => {
  it("finds the exact cross-type integer operator", () => {
    expect(operatorResult("+", [int4, int8])).toBe(`+(int4,int8) -> ${int8}`);
    expect(operatorResult("+", [int2, int2])).toBe(`+(int2,int2) -> ${int2}`);
  });

  it("reaches numeric through the implicit cast when no exact operator exists", () => {
    expect(operatorResult("+", [int4, numeric])).toBe(`+(numeric,numeric) -> ${numeric}`);
    expect(operatorResult("=", [int8, numeric])).toBe(`=(numeric,numeric) -> ${bool}`);
    expect(operatorResult("*", [numeric, float8])).toBe(`*(float8,float8) -> ${float8}`);
    // float4 + int4 is float8 in PostgreSQL: `+(float4,float8)` needs a coercion to the preferred float8.
    expect(operatorResult("+", [float4, int4])).toBe(`+(float4,float8) -> ${float8}`);
  });

  it("gives an unknown literal the other side's type, and prefers text for two unknowns", () => {
    expect(operatorResult("+", [unknown, int4])).toBe(`+(int4,int4) -> ${int4}`);
    expect(operatorResult("=", [unknown, unknown])).toBe(`=(text,text) -> ${bool}`);
    expect(operatorResult("=", [varchar, varchar])).toBe(`=(text,text) -> ${bool}`);
    expect(operatorResult("=", [bpchar, unknown])).toBe(`=(bpchar,bpchar) -> ${bool}`);
  });

  it("fails with 42883 when nothing matches", () => {
    expect(operatorResult("+", [int4, text])).toBe("42883 operator does not exist: integer + text");
    expect(operatorResult("+", [bool, bool])).toBe("42883 operator does not exist: boolean + boolean");
  });

  it("resolves functions the same way and names the argument types when none exists", () => {
    expect(resolveFunction("abs", [int4]).signature.id).toBe("abs(int4)");
    // round(1) is double precision in PostgreSQL: float8 is the preferred numeric type.
    expect(resolveFunction("round", [int4]).signature.id).toBe("round(float8)");
    expect(() => resolveFunction("nosuch", [int4, unknown])).toThrow("function nosuch(integer, unknown) does not exist");
  });
});

describe("casts", () => {
  it("widen implicitly and narrow only by assignment, as pg_cast says", () => {
    expect(findCast(int4, int8, "implicit")).toEqual({ method: "function", castId: "cast(int4,int8)" });
    expect(findCast(int8, int4, "implicit")).toBeUndefined();
    expect(findCast(int8, int4, "assignment")).toEqual({ method: "function", castId: "cast(int8,int4)" });
    expect(findCast(varchar, text, "implicit")).toEqual({ method: "binary" });
    expect(findCast(int4, text, "assignment")).toEqual({ method: "io" });
    expect(findCast(text, int4, "explicit")).toEqual({ method: "io" });
    expect(findCast(text, int4, "assignment")).toBeUndefined();
  });

  it("have unique ids, distinct from function ids", () => {
    const castIds = builtinCasts.flatMap((cast) => (cast.id === undefined ? [] : [cast.id]));
    const functionIds = builtinFunctions.map((fn) => fn.id);
    expect(new Set(castIds).size).toBe(castIds.length);
    expect(new Set(functionIds).size).toBe(functionIds.length);
    expect(castIds.filter((id) => functionIds.includes(id))).toEqual([]);
  });
});

describe("the expression binder", () => {
  it("types literals as PostgreSQL does", () => {
    expect(bindSelect("1").type.oid).toBe(int4);
    expect(bindSelect("2147483648").type.oid).toBe(int8);
    expect(bindSelect("9223372036854775808").type.oid).toBe(numeric);
    expect(bindSelect("1.5").type.oid).toBe(numeric);
    expect(bindSelect("'x'").type.oid).toBe(unknown);
  });

  it("converts an untyped literal once, at bind time, with the error position", () => {
    expect(bindSelect("'12'::int")).toEqual({ kind: "const", type: { oid: int4, typmod: -1 }, value: 12 });
    try {
      bindSelect("1 + 'x'");
      expect.unreachable("'x' is not an integer");
    } catch (error) {
      expect(error).toBeInstanceOf(DbError);
      expect(error).toMatchObject({ sqlState: "22P02", position: 12 });
    }
  });

  it("makes coercions explicit cast nodes and typmods length coercions", () => {
    const sum = bindSelect("1 + 1.5");
    expect(sum).toMatchObject({ kind: "call", signatureId: "+(numeric,numeric)", args: [{ kind: "cast", castId: "cast(int4,numeric)" }, { kind: "const" }] });
    expect(bindSelect("'abc'::varchar(2)")).toMatchObject({ kind: "cast", method: "length", type: { oid: varchar, typmod: 6 } });
  });

  it("rejects a non-boolean condition with 42804", () => {
    expect(() => bindSelect("1 AND true")).toThrow("argument of AND must be type boolean, not type integer");
  });
});
