/**
 * Arithmetic, bitwise and unary operators of PostgreSQL 15 (`int.c`, `int8.c`, `float.c`,
 * `numeric.c`) for int2/int4/int8, float4/float8 and numeric, keyed by the planner's signature
 * ids (`+(int2,int8)`, `^(float8,float8)`, `-(numeric)`).
 *
 * Invariants: a mixed-width integer operator computes in the wider type, as PostgreSQL's
 * `int24pl`/`int48pl` do, so `+(int2,int8)` returns a bigint; every overflow is PostgreSQL's
 * error for the result type (`smallint out of range`, `integer out of range`, `bigint out of
 * range`). Shifts behave like C on x86-64: the count is taken modulo the promoted operand's width
 * (32 for int2 and int4, 64 for int8), and an int2 result is truncated back to 16 bits. float4
 * results are always `Math.fround`ed.
 */
import {
  assert,
  assertNever,
  float4Add,
  float4Div,
  float4Mul,
  float4Sub,
  float8Add,
  float8Div,
  float8Mul,
  float8Sub,
  int2Abs,
  int2Add,
  int2Div,
  int2Mod,
  int2Mul,
  int2Neg,
  int2Sub,
  int4Abs,
  int4Add,
  int4Div,
  int4Mod,
  int4Mul,
  int4Neg,
  int4Sub,
  int8Abs,
  int8Add,
  int8Div,
  int8Mod,
  int8Mul,
  int8Neg,
  int8Sub,
} from "@omnikv/base";
import { asBigInt, asNumber, asNumeric, type SqlValue } from "../values.ts";
import type { FunctionTable, ScalarFunction } from "./function-types.ts";
import { float8Power } from "./math.ts";

type IntType = "int2" | "int4" | "int8";
type FloatType = "float4" | "float8";

const intTypes: readonly IntType[] = ["int2", "int4", "int8"];
const floatTypes: readonly FloatType[] = ["float4", "float8"];
const intRank: Readonly<Record<IntType, number>> = { int2: 0, int4: 1, int8: 2 };

/** An int2/int4/int8 argument as a bigint, whichever representation its type has. */
export function intArgAsBigInt(value: SqlValue): bigint {
  return typeof value === "bigint" ? value : BigInt(asNumber(value));
}

function unary(fn: (a: SqlValue) => SqlValue): ScalarFunction {
  return (args) => {
    assert(args.length === 1, "a unary operator takes one argument");
    return fn(args[0] ?? null);
  };
}

function binary(fn: (a: SqlValue, b: SqlValue) => SqlValue): ScalarFunction {
  return (args) => {
    assert(args.length === 2, "a binary operator takes two arguments");
    return fn(args[0] ?? null, args[1] ?? null);
  };
}

interface SmallOps {
  readonly add: (a: number, b: number) => number;
  readonly sub: (a: number, b: number) => number;
  readonly mul: (a: number, b: number) => number;
  readonly div: (a: number, b: number) => number;
}

const int2Ops: SmallOps = { add: int2Add, sub: int2Sub, mul: int2Mul, div: int2Div };
const int4Ops: SmallOps = { add: int4Add, sub: int4Sub, mul: int4Mul, div: int4Div };
const int8Ops = { add: int8Add, sub: int8Sub, mul: int8Mul, div: int8Div } as const;

type ArithmeticOp = "+" | "-" | "*" | "/";
const arithmeticOps: readonly ArithmeticOp[] = ["+", "-", "*", "/"];

function pickSmall(ops: SmallOps, op: ArithmeticOp): (a: number, b: number) => number {
  switch (op) {
    case "+":
      return ops.add;
    case "-":
      return ops.sub;
    case "*":
      return ops.mul;
    case "/":
      return ops.div;
  }
  return assertNever(op);
}

function pickBig(op: ArithmeticOp): (a: bigint, b: bigint) => bigint {
  switch (op) {
    case "+":
      return int8Ops.add;
    case "-":
      return int8Ops.sub;
    case "*":
      return int8Ops.mul;
    case "/":
      return int8Ops.div;
  }
  return assertNever(op);
}

/** `+ - * /` between two integer types, computed in the wider one. */
function integerArithmetic(op: ArithmeticOp, left: IntType, right: IntType): ScalarFunction {
  const wider = intRank[left] >= intRank[right] ? left : right;
  if (wider === "int8") {
    const fn = pickBig(op);
    return binary((a, b) => fn(intArgAsBigInt(a), intArgAsBigInt(b)));
  }
  const fn = pickSmall(wider === "int4" ? int4Ops : int2Ops, op);
  return binary((a, b) => fn(asNumber(a), asNumber(b)));
}

/** C's `a << n` on the operand promoted to int, truncated back to int16 for int2. */
function shiftSmall(value: number, count: number, isLeft: boolean, type: "int2" | "int4"): number {
  const shifted = isLeft ? value << (count & 31) : value >> (count & 31);
  return type === "int2" ? (shifted << 16) >> 16 : shifted;
}

function shiftBig(value: bigint, count: number, isLeft: boolean): bigint {
  const n = BigInt(count & 63);
  return isLeft ? BigInt.asIntN(64, value << n) : value >> n;
}

function smallBitwise(type: "int2" | "int4"): Record<string, ScalarFunction> {
  const mod = type === "int2" ? int2Mod : int4Mod;
  const neg = type === "int2" ? int2Neg : int4Neg;
  const abs = type === "int2" ? int2Abs : int4Abs;
  return {
    [`%(${type},${type})`]: binary((a, b) => mod(asNumber(a), asNumber(b))),
    [`&(${type},${type})`]: binary((a, b) => asNumber(a) & asNumber(b)),
    [`|(${type},${type})`]: binary((a, b) => asNumber(a) | asNumber(b)),
    [`#(${type},${type})`]: binary((a, b) => asNumber(a) ^ asNumber(b)),
    [`<<(${type},int4)`]: binary((a, b) => shiftSmall(asNumber(a), asNumber(b), true, type)),
    [`>>(${type},int4)`]: binary((a, b) => shiftSmall(asNumber(a), asNumber(b), false, type)),
    [`-(${type})`]: unary((a) => neg(asNumber(a))),
    [`+(${type})`]: unary((a) => asNumber(a)),
    [`@(${type})`]: unary((a) => abs(asNumber(a))),
    [`~(${type})`]: unary((a) => ~asNumber(a)),
  };
}

function bigBitwise(): Record<string, ScalarFunction> {
  return {
    "%(int8,int8)": binary((a, b) => int8Mod(asBigInt(a), asBigInt(b))),
    "&(int8,int8)": binary((a, b) => asBigInt(a) & asBigInt(b)),
    "|(int8,int8)": binary((a, b) => asBigInt(a) | asBigInt(b)),
    "#(int8,int8)": binary((a, b) => asBigInt(a) ^ asBigInt(b)),
    "<<(int8,int4)": binary((a, b) => shiftBig(asBigInt(a), asNumber(b), true)),
    ">>(int8,int4)": binary((a, b) => shiftBig(asBigInt(a), asNumber(b), false)),
    "-(int8)": unary((a) => int8Neg(asBigInt(a))),
    "+(int8)": unary((a) => asBigInt(a)),
    "@(int8)": unary((a) => int8Abs(asBigInt(a))),
    "~(int8)": unary((a) => ~asBigInt(a)),
  };
}

function integerOperators(): Record<string, ScalarFunction> {
  const table: Record<string, ScalarFunction> = { ...smallBitwise("int2"), ...smallBitwise("int4"), ...bigBitwise() };
  for (const left of intTypes) {
    for (const right of intTypes) {
      for (const op of arithmeticOps) table[`${op}(${left},${right})`] = integerArithmetic(op, left, right);
    }
  }
  return table;
}

function floatArithmetic(op: ArithmeticOp, isFloat4: boolean): (a: number, b: number) => number {
  switch (op) {
    case "+":
      return isFloat4 ? float4Add : float8Add;
    case "-":
      return isFloat4 ? float4Sub : float8Sub;
    case "*":
      return isFloat4 ? float4Mul : float8Mul;
    case "/":
      return isFloat4 ? float4Div : float8Div;
  }
  return assertNever(op);
}

function floatOperators(): Record<string, ScalarFunction> {
  const table: Record<string, ScalarFunction> = {};
  for (const left of floatTypes) {
    for (const right of floatTypes) {
      const isFloat4 = left === "float4" && right === "float4";
      for (const op of arithmeticOps) {
        const fn = floatArithmetic(op, isFloat4);
        table[`${op}(${left},${right})`] = binary((a, b) => fn(asNumber(a), asNumber(b)));
      }
    }
    table[`-(${left})`] = unary((a) => -asNumber(a));
    table[`+(${left})`] = unary((a) => asNumber(a));
    table[`@(${left})`] = unary((a) => Math.abs(asNumber(a)));
  }
  table["^(float8,float8)"] = binary((a, b) => float8Power(asNumber(a), asNumber(b)));
  return table;
}

function numericOperators(): Record<string, ScalarFunction> {
  return {
    "+(numeric,numeric)": binary((a, b) => asNumeric(a).add(asNumeric(b))),
    "-(numeric,numeric)": binary((a, b) => asNumeric(a).sub(asNumeric(b))),
    "*(numeric,numeric)": binary((a, b) => asNumeric(a).mul(asNumeric(b))),
    "/(numeric,numeric)": binary((a, b) => asNumeric(a).div(asNumeric(b))),
    "%(numeric,numeric)": binary((a, b) => asNumeric(a).mod(asNumeric(b))),
    "^(numeric,numeric)": binary((a, b) => asNumeric(a).power(asNumeric(b))),
    "-(numeric)": unary((a) => asNumeric(a).neg()),
    "+(numeric)": unary((a) => asNumeric(a)),
    "@(numeric)": unary((a) => asNumeric(a).abs()),
  };
}

export const arithmeticFunctions: FunctionTable = {
  ...integerOperators(),
  ...floatOperators(),
  ...numericOperators(),
};
