/**
 * Evaluates a stand-alone SQL expression, `SELECT <expr>` without a FROM clause: parse, bind
 * (with PostgreSQL's typing and resolution), compile once, evaluate, and format the result with
 * its type's output function. The differential tests against PostgreSQL drive this; the query
 * executor uses the same bind and compile steps per plan.
 */
import { FeatureNotSupportedError, TypeOid, formatValue, typeInfo, type SqlValue } from "@omnikv/base";
import { parse } from "@omnikv/parser";
import { bindExpr, coerce, type BoundExpr } from "@omnikv/planner";
import type { EvalContext } from "../functions/function-types.ts";
import type { FunctionRegistry } from "../functions/registry.ts";
import { compileExpr, textIoSettings } from "./compile.ts";

export interface EvaluatedExpression {
  readonly typeOid: number;
  /** `pg_typeof` of the result, e.g. `integer`. */
  readonly typeName: string;
  readonly value: SqlValue;
  /** The output function's text, or null for NULL. */
  readonly text: string | null;
}

/** Binds the single select-list expression of `SELECT <expr>`. */
export function bindStandaloneExpression(sql: string, context: EvalContext): BoundExpr {
  const statements = parse(sql);
  const statement = statements[0];
  if (statements.length !== 1 || statement?.kind !== "select" || statement.body.kind !== "select_core") {
    throw new FeatureNotSupportedError("only SELECT <expression> is evaluated here");
  }
  const core = statement.body;
  const target = core.targets[0];
  if (core.targets.length !== 1 || target === undefined || core.from.length > 0 || core.where !== undefined) {
    throw new FeatureNotSupportedError("only SELECT <expression> is evaluated here");
  }
  const bindContext = { settings: textIoSettings(context), paramTypes: [], sql };
  const bound = bindExpr(target.expr, bindContext);
  // A bare untyped literal in a select list is text, as PostgreSQL resolves it.
  return bound.type.oid === TypeOid.unknown ? coerce(bound, { oid: TypeOid.text, typmod: -1 }, "implicit", bindContext) : bound;
}

export function evaluateExpression(sql: string, registry: FunctionRegistry, context: EvalContext): EvaluatedExpression {
  const bound = bindStandaloneExpression(sql, context);
  const value = compileExpr(bound, registry)([], [], context);
  const typeOid = bound.type.oid;
  return {
    typeOid,
    typeName: typeInfo(typeOid)?.displayName ?? String(typeOid),
    value,
    text: value === null ? null : formatValue(typeOid, value, textIoSettings(context)),
  };
}
