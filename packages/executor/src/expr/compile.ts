/**
 * Compiles a `BoundExpr` once into a tree of closures, so evaluating it per row is a few
 * function calls with no dispatch on node kinds and no lookups: the function implementation of
 * every call is found at compile time.
 *
 * SQL's three-valued logic lives here: AND is false if any argument is false, else NULL if any is
 * NULL; OR dually; a strict function returns NULL on any NULL argument without being called;
 * `x = ANY (…)` is true if any comparison is true, else NULL if any is NULL, else false.
 */
import {
  ArraySubscriptError,
  FeatureNotSupportedError,
  Numeric,
  TypeOid,
  assert,
  assertNever,
  coerceBpchar,
  coerceVarchar,
  formatValue,
  parseTimeZone,
  parseValue,
  type PgArray,
  type SqlValue,
  type TextIoSettings,
  type TimeZone,
  RecordValue,
} from "@omnikv/base";
import type { BoundExpr } from "@omnikv/planner";
import type { EvalContext, ScalarFunction } from "../functions/function-types.ts";
import type { FunctionRegistry } from "../functions/registry.ts";
import { DomainCheckViolationError, DomainNotNullViolationError } from "../operators/errors.ts";

/** An evaluable expression: the current row's values, the statement's parameters, the session. */
export type CompiledExpr = (row: readonly SqlValue[], params: readonly SqlValue[], context: EvalContext) => SqlValue;

export function compileExpr(expr: BoundExpr, registry: FunctionRegistry): CompiledExpr {
  switch (expr.kind) {
    case "const": {
      const value = expr.value;
      return () => value;
    }
    case "param": {
      const index = expr.index - 1;
      return (_row, params) => params[index] ?? null;
    }
    case "column": {
      const index = expr.index;
      return (row) => row[index] ?? null;
    }
    case "call":
      return (
        compileConstantLike(expr, registry) ??
        compileCall(
          registry.lookup(expr.signatureId, expr.args.map((arg) => arg.type.oid)),
          expr.args.map((arg) => compileExpr(arg, registry)),
          expr.isStrict,
        )
      );
    case "cast":
      return compileCast(expr, registry);
    case "bool":
      return compileBool(expr.op, expr.args.map((arg) => compileExpr(arg, registry)));
    case "not": {
      const arg = compileExpr(expr.arg, registry);
      return (row, params, context) => {
        const value = arg(row, params, context);
        return value === null ? null : !isTrue(value);
      };
    }
    case "null_test":
    case "bool_test":
    case "case":
    case "coalesce":
      return compileConditional(expr, registry);
    case "scalar_array_op":
    case "distinct":
    case "nullif":
    case "min_max":
    case "array":
      return compileComparisonForms(expr, registry);
    case "array_op":
      return compileArrayOp(expr, registry);
    case "domain_check":
      return compileDomainCheck(expr, registry);
    case "row": {
      const fields = expr.fields.map((field) => compileExpr(field, registry));
      const types = expr.fields.map((field) => field.type.oid);
      const names = expr.names;
      return (row, params, context) => new RecordValue(fields.map((field) => field(row, params, context)), types, names);
    }
    case "subquery": {
      // Plan compilation gives the registry a subquery compiler (operators/subquery.ts).
      const compile = registry.subqueries;
      if (compile === undefined) throw new FeatureNotSupportedError("subqueries are only evaluated inside a query plan");
      return compile(expr, registry);
    }
  }
  return assertNever(expr);
}

function isTrue(value: SqlValue): boolean {
  assert(typeof value === "boolean", "a condition evaluates to a boolean or NULL");
  return value;
}

/**
 * A call site reuses one argument array: implementations never keep it, and a call site cannot
 * be re-entered while its function runs (functions do not evaluate expressions), so no array is
 * allocated per row.
 */
function compileCall(fn: ScalarFunction, args: readonly CompiledExpr[], isStrict: boolean): CompiledExpr {
  if (args.length === 1) {
    const [only] = args;
    assert(only !== undefined, "a one-argument call has its argument");
    const values: SqlValue[] = [null];
    return (row, params, context) => {
      const value = only(row, params, context);
      if (value === null && isStrict) return null;
      values[0] = value;
      return fn(values, context);
    };
  }
  if (args.length === 2) {
    const [left, right] = args;
    assert(left !== undefined && right !== undefined, "a two-argument call has both arguments");
    const values: SqlValue[] = [null, null];
    // Every argument is evaluated before the strictness check, as in PostgreSQL, so an error in
    // a later argument is raised even when an earlier one is NULL.
    return (row, params, context) => {
      const a = left(row, params, context);
      const b = right(row, params, context);
      if ((a === null || b === null) && isStrict) return null;
      values[0] = a;
      values[1] = b;
      return fn(values, context);
    };
  }
  return (row, params, context) => {
    const values: SqlValue[] = [];
    let hasNull = false;
    for (const arg of args) {
      const value = arg(row, params, context);
      if (value === null) hasNull = true;
      values.push(value);
    }
    return hasNull && isStrict ? null : fn(values, context);
  };
}

/**
 * `text LIKE 'constant'` without `_` or escapes is a prefix, suffix, substring or equality test;
 * it is compiled to one, instead of running the general matcher on every row.
 */
function compileConstantLike(expr: Extract<BoundExpr, { kind: "call" }>, registry: FunctionRegistry): CompiledExpr | undefined {
  const isLike = expr.signatureId === "~~(text,text)";
  const isNotLike = expr.signatureId === "!~~(text,text)";
  const [subject, pattern] = expr.args;
  if ((!isLike && !isNotLike) || subject === undefined || pattern?.kind !== "const" || typeof pattern.value !== "string") return undefined;
  const text = pattern.value;
  if (text.includes("_") || text.includes("\\")) return undefined;
  const parts = text.split("%");
  const matches = constantLikeMatcher(parts);
  const value = compileExpr(subject, registry);
  return (row, params, context) => {
    const input = value(row, params, context);
    if (input === null) return null;
    assert(typeof input === "string", "LIKE's subject is text");
    return matches(input) === isLike;
  };
}

function constantLikeMatcher(parts: readonly string[]): (input: string) => boolean {
  const first = parts[0] ?? "";
  const last = parts.at(-1) ?? "";
  if (parts.length === 1) return (input) => input === first;
  if (parts.length === 2) return (input) => input.length >= first.length + last.length && input.startsWith(first) && input.endsWith(last);
  const middle = parts.slice(1, -1).filter((part) => part !== "");
  return (input) => {
    if (input.length < first.length + last.length || !input.startsWith(first) || !input.endsWith(last)) return false;
    let at = first.length;
    const end = input.length - last.length;
    for (const part of middle) {
      const found = input.indexOf(part, at);
      if (found < 0 || found + part.length > end) return false;
      at = found + part.length;
    }
    return true;
  };
}

function compileBool(op: "and" | "or", args: readonly CompiledExpr[]): CompiledExpr {
  // AND stops at the first false, OR at the first true; NULL only if nothing decided.
  const decisive = op === "or";
  return (row, params, context) => {
    let sawNull = false;
    for (const arg of args) {
      const value = arg(row, params, context);
      if (value === null) sawNull = true;
      else if (isTrue(value) === decisive) return decisive;
    }
    return sawNull ? null : !decisive;
  };
}

// ---------------------------------------------------------------------------------------------
// Casts

const zoneCache = new Map<string, TimeZone>();

/** The text I/O settings of a session, with its time zone parsed once. */
export function textIoSettings(context: EvalContext): TextIoSettings {
  let timeZone = zoneCache.get(context.timeZone);
  if (timeZone === undefined) {
    timeZone = parseTimeZone(context.timeZone);
    zoneCache.set(context.timeZone, timeZone);
  }
  if (context.enumType === undefined && context.typeName === undefined) return { extraFloatDigits: context.extraFloatDigits, timeZone };
  return {
    extraFloatDigits: context.extraFloatDigits,
    timeZone,
    ...(context.enumType === undefined ? {} : { enumType: context.enumType }),
    ...(context.typeName === undefined ? {} : { typeName: context.typeName }),
  };
}

function compileCast(expr: Extract<BoundExpr, { kind: "cast" }>, registry: FunctionRegistry): CompiledExpr {
  const inner = compileExpr(expr.expr, registry);
  const sourceOid = expr.expr.type.oid;
  const targetOid = expr.type.oid;
  switch (expr.method) {
    case "binary":
      return inner;
    case "function": {
      assert(expr.castId !== undefined, "a function cast names its implementation");
      return compileCall(registry.lookup(expr.castId), [inner], true);
    }
    case "io":
      return (row, params, context) => {
        const value = inner(row, params, context);
        if (value === null) return null;
        const settings = textIoSettings(context);
        return parseValue(targetOid, formatValue(sourceOid, value, settings), settings);
      };
    case "length":
      return compileLengthCoercion(inner, targetOid, expr.type.typmod, expr.isExplicit);
    case "array":
      return compileArrayCoercion(inner, expr, registry);
  }
  throw new Error("unreachable cast method");
}

/** Converts every element of an array (PostgreSQL's ArrayCoerceExpr); NULL elements stay NULL. */
function compileArrayCoercion(inner: CompiledExpr, expr: Extract<BoundExpr, { kind: "cast" }>, registry: FunctionRegistry): CompiledExpr {
  const element = expr.elementCast;
  assert(element !== undefined, "an array cast says how its elements convert");
  const convert = elementConverter(element, registry);
  return (row, params, context) => {
    const value = inner(row, params, context);
    if (value === null) return null;
    assert(typeof value === "object" && "elements" in value && "dims" in value, "an array cast's input is an array");
    return { dims: value.dims, lowerBounds: value.lowerBounds, elements: value.elements.map((item) => (item === null ? null : convert(item, context))) };
  };
}

function elementConverter(
  element: NonNullable<Extract<BoundExpr, { kind: "cast" }>["elementCast"]>,
  registry: FunctionRegistry,
): (value: SqlValue, context: EvalContext) => SqlValue {
  switch (element.method) {
    case "binary":
      return (value) => value;
    case "function": {
      assert(element.castId !== undefined, "a function element cast names its implementation");
      const fn = registry.lookup(element.castId);
      const args: SqlValue[] = [null];
      return (value, context) => {
        args[0] = value;
        return fn(args, context);
      };
    }
    case "io":
      return (value, context) => {
        const settings = textIoSettings(context);
        return parseValue(element.targetOid, formatValue(element.sourceOid, value, settings), settings);
      };
  }
  throw new Error("unreachable element cast method");
}

/** Applies a typmod: varchar/bpchar length (22001 unless explicit), numeric precision and scale. */
function compileLengthCoercion(inner: CompiledExpr, oid: number, typmod: number, isExplicit: boolean): CompiledExpr {
  const options = { isExplicit };
  switch (oid) {
    case TypeOid.varchar:
      return (row, params, context) => {
        const value = inner(row, params, context);
        return typeof value === "string" ? coerceVarchar(value, typmod - 4, options) : value;
      };
    case TypeOid.bpchar:
      return (row, params, context) => {
        const value = inner(row, params, context);
        return typeof value === "string" ? coerceBpchar(value, typmod - 4, options) : value;
      };
    case TypeOid.numeric: {
      const precision = ((typmod - 4) >> 16) & 0xffff;
      const scale = (((typmod - 4) & 0xffff) << 16) >> 16;
      return (row, params, context) => {
        const value = inner(row, params, context);
        return value instanceof Numeric ? value.applyTypmod(precision, scale) : value;
      };
    }
    case TypeOid.time:
    case TypeOid.timestamp:
    case TypeOid.timestamptz: {
      const scale = precisionScale(typmod);
      return (row, params, context) => {
        const value = inner(row, params, context);
        return typeof value === "bigint" && scale !== 1n && value !== int64Min && value !== int64Max ? roundToScale(value, scale) : value;
      };
    }
    case TypeOid.interval: {
      const scale = precisionScale(typmod);
      return (row, params, context) => {
        const value = inner(row, params, context);
        if (scale === 1n || value === null || typeof value !== "object" || !("micros" in value)) return value;
        return { months: value.months, days: value.days, micros: roundToScale(value.micros, scale) };
      };
    }
    default:
      return inner;
  }
}

const int64Min = -(2n ** 63n);
const int64Max = 2n ** 63n - 1n;

/** Microseconds per unit of a fractional-seconds precision (0–6; 6 and above keep every microsecond). */
function precisionScale(precision: number): bigint {
  return precision >= 0 && precision < 6 ? 10n ** BigInt(6 - precision) : 1n;
}

/** Rounds half away from zero, as PostgreSQL's AdjustTimestampForTypmod and AdjustIntervalForTypmod do. */
function roundToScale(micros: bigint, scale: bigint): bigint {
  const half = scale / 2n;
  return micros >= 0n ? ((micros + half) / scale) * scale : -(((-micros + half) / scale) * scale);
}

// ---------------------------------------------------------------------------------------------
// Conditionals

function compileConditional(
  expr: Extract<BoundExpr, { kind: "null_test" | "bool_test" | "case" | "coalesce" }>,
  registry: FunctionRegistry,
): CompiledExpr {
  switch (expr.kind) {
    case "null_test": {
      const arg = compileExpr(expr.arg, registry);
      const isNegated = expr.isNegated;
      if (expr.arg.type.oid === TypeOid.record) {
        // A row IS NULL when every field is, IS NOT NULL when none is (so both can be false).
        return (row, params, context) => {
          const value = arg(row, params, context);
          const fields = value instanceof RecordValue ? value.values : [value];
          return isNegated ? fields.every((field) => field !== null) : fields.every((field) => field === null);
        };
      }
      return (row, params, context) => (arg(row, params, context) === null) !== isNegated;
    }
    case "bool_test":
      return compileBoolTest(expr, registry);
    case "case":
      return compileCase(expr, registry);
    case "coalesce": {
      const args = expr.args.map((arg) => compileExpr(arg, registry));
      return (row, params, context) => {
        for (const arg of args) {
          const value = arg(row, params, context);
          if (value !== null) return value;
        }
        return null;
      };
    }
  }
  return assertNever(expr);
}

function compileBoolTest(expr: Extract<BoundExpr, { kind: "bool_test" }>, registry: FunctionRegistry): CompiledExpr {
  const arg = compileExpr(expr.arg, registry);
  const { test, isNegated } = expr;
  return (row, params, context) => {
    const value = arg(row, params, context);
    const matches = test === "unknown" ? value === null : value !== null && isTrue(value) === (test === "true");
    return matches !== isNegated;
  };
}

function compileCase(expr: Extract<BoundExpr, { kind: "case" }>, registry: FunctionRegistry): CompiledExpr {
  const whens = expr.whens.map((when) => ({
    condition: compileExpr(when.condition, registry),
    result: compileExpr(when.result, registry),
  }));
  const elseResult = compileExpr(expr.elseResult, registry);
  return (row, params, context) => {
    for (const when of whens) {
      const condition = when.condition(row, params, context);
      if (condition !== null && isTrue(condition)) return when.result(row, params, context);
    }
    return elseResult(row, params, context);
  };
}

function compileComparisonForms(
  expr: Extract<BoundExpr, { kind: "scalar_array_op" | "distinct" | "nullif" | "min_max" | "array" }>,
  registry: FunctionRegistry,
): CompiledExpr {
  switch (expr.kind) {
    case "scalar_array_op":
      return compileScalarArrayOp(expr, registry);
    case "distinct": {
      const equals = registry.lookup(expr.signatureId, [expr.left.type.oid, expr.right.type.oid]);
      const left = compileExpr(expr.left, registry);
      const right = compileExpr(expr.right, registry);
      const isNegated = expr.isNegated;
      return (row, params, context) => {
        const a = left(row, params, context);
        const b = right(row, params, context);
        const isDistinct = a === null || b === null ? a !== b : !isTrue(equals([a, b], context));
        return isDistinct !== isNegated;
      };
    }
    case "nullif": {
      const equals = registry.lookup(expr.signatureId, [expr.left.type.oid, expr.right.type.oid]);
      const left = compileExpr(expr.left, registry);
      const right = compileExpr(expr.right, registry);
      // Both arguments are evaluated, as PostgreSQL does, so an error on the right is raised
      // even when the left is NULL.
      return (row, params, context) => {
        const a = left(row, params, context);
        const b = right(row, params, context);
        if (a === null) return null;
        return b !== null && isTrue(equals([a, b], context)) ? null : a;
      };
    }
    case "min_max":
      return compileMinMax(expr, registry);
    case "array": {
      const elements = expr.elements.map((element) => compileExpr(element, registry));
      if (expr.isMultiDimensional) return compileMultiDimensionalArray(elements);
      return (row, params, context) => {
        const values = elements.map((element) => element(row, params, context));
        return values.length === 0
          ? { dims: [], lowerBounds: [], elements: [] }
          : { dims: [values.length], lowerBounds: [1], elements: values };
      };
    }
  }
  return assertNever(expr);
}

function compileScalarArrayOp(expr: Extract<BoundExpr, { kind: "scalar_array_op" }>, registry: FunctionRegistry): CompiledExpr {
  // The operand types, for typed implementations (array = array compares by the element type).
  const compare = registry.lookup(expr.signatureId, [expr.left.type.oid, expr.items[0]?.type.oid ?? expr.left.type.oid]);
  const left = compileExpr(expr.left, registry);
  const items = expr.items.map((item) => compileExpr(item, registry));
  const decisive = expr.isAny;
  // PostgreSQL builds the list as an array first (ExecEvalArrayExpr), so every item is evaluated,
  // and its errors raised, before any comparison decides: `0 IN (0, 'x'::jsonb::int8)` fails.
  const values: SqlValue[] = Array.from({ length: items.length }, () => null);
  return (row, params, context) => {
    const value = left(row, params, context);
    for (let i = 0; i < items.length; i++) values[i] = items[i]?.(row, params, context) ?? null;
    if (value === null) return null;
    let sawNull = false;
    for (const other of values) {
      if (other === null) {
        sawNull = true;
      } else if (isTrue(compare([value, other], context)) === decisive) {
        return decisive;
      }
    }
    return sawNull ? null : !decisive;
  };
}

/**
 * `x op ANY/ALL (array)` as PostgreSQL's ExecEvalScalarArrayOp: a NULL array gives NULL; an empty
 * one gives false (ANY) or true (ALL) even for a NULL `x`; otherwise a strict operator gives NULL
 * for a NULL `x`, and the result is decided by the first decisive comparison, else NULL if any
 * comparison was NULL (a NULL element with a strict operator counts as one).
 */
function compileArrayOp(expr: Extract<BoundExpr, { kind: "array_op" }>, registry: FunctionRegistry): CompiledExpr {
  const compare = registry.lookup(expr.signatureId, expr.argTypes);
  const left = compileExpr(expr.left, registry);
  const array = compileExpr(expr.array, registry);
  const { isAny: decisive, isStrict } = expr;
  const args: SqlValue[] = [null, null];
  return (row, params, context) => {
    const value = left(row, params, context);
    const arrayValue = array(row, params, context);
    if (arrayValue === null) return null;
    assert(typeof arrayValue === "object" && "elements" in arrayValue, "the right side of op ANY/ALL is an array");
    const elements = arrayValue.elements;
    if (elements.length === 0) return !decisive;
    if (value === null && isStrict) return null;
    let sawNull = false;
    for (const element of elements) {
      if (element === null && isStrict) {
        sawNull = true;
        continue;
      }
      args[0] = value;
      args[1] = element;
      const result = compare(args, context);
      if (result === null) sawNull = true;
      else if (isTrue(result) === decisive) return decisive;
    }
    return sawNull ? null : !decisive;
  };
}

/**
 * `ARRAY[ARRAY[1,2], ARRAY[3,4]]`: sub-arrays of equal shape stacked along a new first
 * dimension. NULL and empty sub-arrays are allowed only if all are (the result is then empty),
 * as in PostgreSQL.
 */
function compileMultiDimensionalArray(elements: readonly CompiledExpr[]): CompiledExpr {
  return (row, params, context) => {
    const subArrays: PgArray<SqlValue>[] = [];
    let hasEmpty = false;
    for (const element of elements) {
      const value = element(row, params, context);
      if (value === null) {
        hasEmpty = true;
        continue;
      }
      assert(typeof value === "object" && "elements" in value && "dims" in value, "a sub-array is an array");
      if (value.dims.length > 0) subArrays.push(value);
      else hasEmpty = true;
    }
    const [first] = subArrays;
    if (first === undefined) return { dims: [], lowerBounds: [], elements: [] };
    const isSameShape = (other: PgArray<SqlValue>): boolean =>
      other.dims.length === first.dims.length && other.dims.every((dim, i) => dim === first.dims[i] && other.lowerBounds[i] === first.lowerBounds[i]);
    if (hasEmpty || !subArrays.every(isSameShape)) {
      throw new ArraySubscriptError("multidimensional arrays must have array expressions with matching dimensions");
    }
    return {
      dims: [subArrays.length, ...first.dims],
      lowerBounds: [1, ...first.lowerBounds],
      elements: subArrays.flatMap((subArray) => subArray.elements),
    };
  };
}

/** GREATEST/LEAST ignore NULLs; the result is NULL only when every argument is. */
function compileMinMax(expr: Extract<BoundExpr, { kind: "min_max" }>, registry: FunctionRegistry): CompiledExpr {
  const lessThan = registry.lookup(expr.compareId);
  const args = expr.args.map((arg) => compileExpr(arg, registry));
  const isGreatest = expr.op === "greatest";
  return (row, params, context) => {
    let best: SqlValue = null;
    for (const arg of args) {
      const value = arg(row, params, context);
      if (value === null) continue;
      if (best === null || isTrue(isGreatest ? lessThan([best, value], context) : lessThan([value, best], context))) best = value;
    }
    return best;
  };
}

/** A value becoming a domain's: NULL against NOT NULL (23502), then each CHECK over it (23514 when false). */
function compileDomainCheck(expr: Extract<BoundExpr, { kind: "domain_check" }>, registry: FunctionRegistry): CompiledExpr {
  const arg = compileExpr(expr.arg, registry);
  const checks = expr.checks.map((check) => ({ name: check.name, test: compileExpr(check.expr, registry) }));
  const { domain, isNotNull } = expr;
  return (row, params, context) => {
    const value = arg(row, params, context);
    if (value === null && isNotNull) throw new DomainNotNullViolationError(`domain ${domain} does not allow null values`);
    const own = [value];
    for (const check of checks) {
      if (check.test(own, [], context) === false) throw new DomainCheckViolationError(`value for domain ${domain} violates check constraint "${check.name}"`);
    }
    return value;
  };
}
