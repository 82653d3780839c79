/**
 * What binding one statement needs: the catalog, the session's text I/O settings, the declared
 * parameter types, the statement text (for error positions), and the CTEs in scope.
 */
import type { TextIoSettings } from "@omnikv/base";
import type { CommonTableExpr } from "@omnikv/parser";
import type { BindContext } from "../bind/bind-expr.ts";
import type { Catalog } from "./catalog.ts";

export interface QueryContext {
  readonly catalog: Catalog;
  readonly settings: TextIoSettings;
  readonly paramTypes: readonly number[];
  readonly sql: string;
  /** CTEs visible at this level, innermost first; each reference binds its query anew (inlining). */
  readonly ctes: readonly CommonTableExpr[];
}

export function exprContext(context: QueryContext, scope: BindContext["scope"]): BindContext {
  return { settings: context.settings, paramTypes: context.paramTypes, sql: context.sql, ...(scope === undefined ? {} : { scope }) };
}

/** The 1-based character (code point) position of UTF-16 `offset` in `sql`, as PostgreSQL reports positions. */
export function characterPosition(sql: string, offset: number): number {
  let count = 0;
  for (let i = 0; i < offset && i < sql.length; i++) {
    const code = sql.charCodeAt(i);
    if (code < 0xdc00 || code > 0xdfff) count += 1;
  }
  return count + 1;
}
