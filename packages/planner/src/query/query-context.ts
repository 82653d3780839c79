/**
 * What binding one statement needs: the catalog, the session's text I/O settings, the declared
 * parameter types, the statement text (for error positions), and the CTEs in scope.
 */
import type { TextIoSettings } from "@omnikv/base";
import type { CommonTableExpr, SelectStatement } from "@omnikv/parser";
import type { BindContext, ColumnScope } from "../bind/bind-expr.ts";
import type { SubqueryCorrelation } from "../bound-expr.ts";
import type { Catalog } from "./catalog.ts";
import { UndefinedColumnError } from "./errors.ts";
import type { JoinMethods } from "./merge-join.ts";
import type { PlanColumn, PlanNode } from "./plan.ts";

export interface QueryContext {
  readonly catalog: Catalog;
  readonly settings: TextIoSettings;
  readonly paramTypes: readonly number[];
  readonly sql: string;
  /** CTEs visible at this level, innermost first; each reference binds its query anew (inlining). */
  readonly ctes: readonly CommonTableExpr[];
  /** CTEs of a WITH RECURSIVE, which may refer to themselves. */
  readonly recursiveCtes?: ReadonlySet<CommonTableExpr>;
  /** Recursive CTEs being bound: inside its recursive term, the name reads the work table. */
  readonly workTables?: readonly WorkTable[];
  /** How many subquery expressions deep this level is (0 at the statement's top). */
  readonly subqueryDepth?: number;
  /** The enclosing query level, when this one is a subquery expression. */
  readonly outer?: OuterLevel;
  /** The statement's counter of correlation parameter slots (shared by every level). */
  readonly slots?: { next: number };
  /** Binds a nested query (set by the query binder, so subquery expressions can recurse). */
  readonly bindQuery?: (query: SelectStatement, context: QueryContext) => PlanNode;
  /** The session's `enable_hashjoin` / `enable_mergejoin`; both on when absent. */
  readonly joinMethods?: JoinMethods;
}

export interface WorkTable {
  readonly name: string;
  readonly id: number;
  readonly columns: readonly PlanColumn[];
  /** The subquery depth of the recursive CTE: a reference from a deeper subquery is an error. */
  readonly subqueryDepth: number;
}

/** What a subquery's names fall back to: the enclosing level's scope; what it read goes to `correlations`. */
export interface OuterLevel {
  readonly scope: ColumnScope;
  readonly correlations: SubqueryCorrelation[];
  readonly slots: { next: number };
}

/** Correlation parameters are numbered from here, far above any `$n` a client can send (65535). */
export const correlationSlotBase = 100_000;

export function exprContext(context: QueryContext, scope: BindContext["scope"]): BindContext {
  const bindQuery = context.bindQuery;
  const base = { settings: context.settings, paramTypes: context.paramTypes, sql: context.sql, ...(scope === undefined ? {} : { scope }) };
  if (bindQuery === undefined) return base;
  const slots = context.slots ?? { next: correlationSlotBase };
  return {
    ...base,
    subqueries: {
      bind: (query) => {
        const outer: OuterLevel = { scope: scope ?? noColumns, correlations: [], slots };
        const plan = bindQuery(query, { ...context, outer, slots, subqueryDepth: (context.subqueryDepth ?? 0) + 1 });
        return { plan, correlations: outer.correlations };
      },
    },
  };
}

/** The scope of a level without a FROM clause: every name is unknown there. */
export const noColumns: ColumnScope = {
  resolve(names) {
    throw new UndefinedColumnError(`column "${names.join(".")}" does not exist`);
  },
};

/** The 1-based character (code point) position of UTF-16 `offset` in `sql`, as PostgreSQL reports positions. */
export function characterPosition(sql: string, offset: number): number {
  let count = 0;
  for (let i = 0; i < offset && i < sql.length; i++) {
    const code = sql.charCodeAt(i);
    if (code < 0xdc00 || code > 0xdfff) count += 1;
  }
  return count + 1;
}
