/**
 * `= <> < <= > >=` on whole arrays (PostgreSQL's array_eq and array_cmp), specialized per call
 * site by the element type: each element pair is compared with the element type's own operators,
 * resolved once when the expression is compiled.
 *
 * Order, as PostgreSQL's btree for arrays: elements in storage order, a NULL element after every
 * non-NULL one and equal to another NULL; then the array with fewer elements first; then fewer
 * dimensions; then dimension lengths and lower bounds. Equality needs the same shape and equal
 * elements, NULLs equal to each other.
 */
import { assert, typeInfo, type PgArray, type SqlValue } from "@omnikv/base";
import { resolveOperator } from "@omnikv/planner";
import { comparisonFunctions } from "./comparison.ts";
import { datetimeFunctions } from "./datetime.ts";
import type { EvalContext, ScalarFunction, TypedFunctionTable, TypedScalarFunction } from "./function-types.ts";

type ElementCompare = (a: SqlValue, b: SqlValue, context: EvalContext) => number;

function elementOperator(op: string, elementOid: number): ScalarFunction {
  const id = resolveOperator(op, [elementOid, elementOid]).signature.id;
  const fn = comparisonFunctions[id] ?? datetimeFunctions[id];
  assert(fn !== undefined, `the element comparison ${id} is implemented`);
  return fn;
}

function elementComparator(elementOid: number): ElementCompare {
  const less = elementOperator("<", elementOid);
  const equal = elementOperator("=", elementOid);
  return (a, b, context) => {
    if (equal([a, b], context) === true) return 0;
    return less([a, b], context) === true ? -1 : 1;
  };
}

function asArray(value: SqlValue): PgArray<SqlValue> {
  assert(typeof value === "object" && value !== null && "elements" in value && "dims" in value, "an array operand is an array");
  return value;
}

function compareShapes(a: PgArray<SqlValue>, b: PgArray<SqlValue>): number {
  if (a.elements.length !== b.elements.length) return a.elements.length < b.elements.length ? -1 : 1;
  if (a.dims.length !== b.dims.length) return a.dims.length < b.dims.length ? -1 : 1;
  for (let i = 0; i < a.dims.length; i++) {
    const dim = (a.dims[i] ?? 0) - (b.dims[i] ?? 0);
    if (dim !== 0) return Math.sign(dim);
    const bound = (a.lowerBounds[i] ?? 0) - (b.lowerBounds[i] ?? 0);
    if (bound !== 0) return Math.sign(bound);
  }
  return 0;
}

function compareArrays(a: PgArray<SqlValue>, b: PgArray<SqlValue>, compare: ElementCompare, context: EvalContext): number {
  const shared = Math.min(a.elements.length, b.elements.length);
  for (let i = 0; i < shared; i++) {
    const x = a.elements[i] ?? null;
    const y = b.elements[i] ?? null;
    if (x === null || y === null) {
      if (x === null && y === null) continue;
      return x === null ? 1 : -1;
    }
    const order = compare(x, y, context);
    if (order !== 0) return order;
  }
  return compareShapes(a, b);
}

const verdicts: Readonly<Record<string, (order: number) => boolean>> = {
  "=": (order) => order === 0,
  "<>": (order) => order !== 0,
  "<": (order) => order < 0,
  "<=": (order) => order <= 0,
  ">": (order) => order > 0,
  ">=": (order) => order >= 0,
};

function arrayOperator(op: string): TypedScalarFunction {
  const verdict = verdicts[op];
  assert(verdict !== undefined, `${op} is an array comparison`);
  return (argTypes) => {
    const elementOid = typeInfo(argTypes[0] ?? 0)?.elementOid;
    assert(elementOid !== undefined, "an array comparison's operands are arrays");
    const compare = elementComparator(elementOid);
    return (args, context) => verdict(compareArrays(asArray(args[0] ?? null), asArray(args[1] ?? null), compare, context));
  };
}

export const arrayComparisonFunctions: TypedFunctionTable = Object.fromEntries(
  Object.keys(verdicts).map((op) => [`${op}(anyarray,anyarray)`, arrayOperator(op)]),
);
