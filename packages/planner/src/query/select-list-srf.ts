/**
 * Set-returning functions in the select list (PostgreSQL's ProjectSet), in their common form:
 * one call of a one-column set-returning function (it may appear in several items, written the
 * same) in a query without aggregation or window functions. It is rewritten, before binding, into
 * a LATERAL function in FROM whose one column the items read instead:
 *
 *   SELECT a, unnest(arr) + 1 FROM t   ≡   SELECT a, s.v + 1 AS "?column?" FROM t, LATERAL unnest(arr) AS s(v)
 *
 * which is PostgreSQL's meaning: per input row, the function's rows in order, and none at all
 * when it returns none. WHERE filters the input rows first (it cannot name the function's
 * column), DISTINCT, ORDER BY and LIMIT apply to the result. Items keep the names PostgreSQL gives
 * them (`unnest`, or their alias).
 *
 * Every other use keeps the binder's 0A000 with its hint: several different set-returning calls
 * (PostgreSQL runs them in lockstep), one under CASE or COALESCE or inside another's arguments,
 * one in an aggregated or windowed query, one next to `*` (which would expand to the hidden
 * column), and functions with several output columns.
 */
import { deparse, type Expr, type FuncCall, type FunctionRef, type ResTarget, type SelectCore } from "@omnikv/parser";
import { builtinFunctions } from "../functions/builtins.ts";
import { mapExpr, visitExpr } from "./ast-walk.ts";
import { containsAggregate } from "./bind-aggregate.ts";
import { containsWindowCall } from "./bind-window.ts";
import { columnNameOf } from "./column-name.ts";

/** The hidden alias and column of the rewritten function (NUL cannot appear in a written name). */
const srfAlias = "\u0000srf";
const srfColumn = "\u0000value";

/** Names all of whose built-in overloads return a set of one column. */
const oneColumnSetReturning: ReadonlySet<string> = (() => {
  const verdicts = new Map<string, boolean>();
  for (const signature of builtinFunctions) {
    const isOneColumnSet = signature.returnsSet === true && (signature.outputColumns === undefined || signature.outputColumns.length === 1);
    verdicts.set(signature.name, (verdicts.get(signature.name) ?? true) && isOneColumnSet);
  }
  return new Set([...verdicts].filter(([, isOk]) => isOk).map(([name]) => name));
})();

function isSetReturningCall(node: Expr): node is FuncCall {
  return node.kind === "func_call" && node.name.length === 1 && node.over === undefined && oneColumnSetReturning.has(node.name[0] ?? "");
}

/** `core` with its select list's set-returning call moved into FROM, when it has exactly the supported form. */
export function withSelectListSrf(core: SelectCore): SelectCore {
  const calls = new Map<string, FuncCall>();
  let isUnsupported = false;
  for (const target of core.targets) {
    if (target.expr.kind === "column_ref" && target.expr.isStar) isUnsupported = true;
    visitExpr(target.expr, (node) => {
      if (isSetReturningCall(node)) calls.set(deparse(node), node);
      // PostgreSQL refuses these around a set-returning call; the binder's error stays.
      if ((node.kind === "case" || node.kind === "special_function") && containsSetReturningCall(node)) isUnsupported = true;
    });
  }
  const [call, ...others] = calls.values();
  if (call === undefined) return core;
  if (isUnsupported || others.length > 0 || call.args.some(containsSetReturningCall)) return core;
  const isAggregated = core.groupBy.length > 0 || core.groupingSets !== undefined || core.having !== undefined || core.targets.some((t) => containsAggregate(t.expr) || containsWindowCall(t.expr));
  if (isAggregated) return core;
  const text = deparse(call);
  const functionRef: FunctionRef = {
    kind: "function_ref",
    call,
    alias: { kind: "alias", name: srfAlias, columns: [srfColumn], pos: call.pos },
    isLateral: true,
    withOrdinality: false,
    pos: call.pos,
  };
  const targets = core.targets.map((target): ResTarget => {
    const expr = mapExpr(target.expr, (node) => (isSetReturningCall(node) && deparse(node) === text ? { kind: "column_ref", names: [srfAlias, srfColumn], isStar: false, pos: node.pos } : undefined));
    return expr === target.expr ? target : { ...target, expr, alias: target.alias ?? columnNameOf(target.expr) };
  });
  return { ...core, from: [...core.from, functionRef], targets };
}

function containsSetReturningCall(expr: Expr): boolean {
  let isFound = false;
  visitExpr(expr, (node) => {
    if (isSetReturningCall(node)) isFound = true;
  });
  return isFound;
}
