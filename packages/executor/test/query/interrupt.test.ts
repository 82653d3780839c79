/**
 * Statement interruption: an `interrupt` hook that throws (as a statement_timeout deadline does)
 * stops every long-running shape of plan promptly — a huge cross join, an endless recursion, a
 * sort, a scan — and a plan that finishes in time is unaffected.
 */
import { describe, expect, it } from "vitest";
import { DbError, SqlState } from "@omnikv/base";
import { builtinAggregates, builtinRegistry, compilePlan } from "@omnikv/executor";
import { parse } from "@omnikv/parser";
import { planSelect } from "@omnikv/planner";
import { MemoryDatabase, context, settings } from "./memory-tables.ts";

class StatementTimeoutError extends DbError {
  readonly sqlState = SqlState.QueryCanceled;
}

const db = new MemoryDatabase([{ name: "t", columns: [["a", "int4"]], rows: Array.from({ length: 5000 }, (_, i) => [String(i)]) }]);

/** Runs `sql` with a deadline `timeoutMs` away; returns how long it ran and how it ended. */
function runWithDeadline(sql: string, timeoutMs: number): { readonly elapsedMs: number; readonly outcome: string } {
  const [statement] = parse(sql);
  if (statement?.kind !== "select") throw new Error("not a select");
  const bound = planSelect(statement, { catalog: db, settings, paramTypes: [], sql, ctes: [] });
  const run = compilePlan(bound.plan, { registry: builtinRegistry, aggregates: builtinAggregates });
  const started = performance.now();
  const deadline = started + timeoutMs;
  const interrupt = (): void => {
    if (performance.now() > deadline) throw new StatementTimeoutError("canceling statement due to statement timeout");
  };
  try {
    let rows = 0;
    for (const _ of run({ tables: db, context, params: [], interrupt })) rows += 1;
    return { elapsedMs: performance.now() - started, outcome: `${rows} rows` };
  } catch (error) {
    if (!(error instanceof DbError)) throw error;
    return { elapsedMs: performance.now() - started, outcome: error.sqlState };
  }
}

describe("statement interruption", () => {
  for (const sql of [
    "SELECT count(*) FROM generate_series(1, 1000000000)",
    "SELECT count(*) FROM t AS a, t AS b, t AS c",
    "WITH RECURSIVE r (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r",
    "SELECT count(*) FROM t WHERE a > (SELECT count(*) FROM generate_series(1, 1000000000))",
    "SELECT a FROM t AS x CROSS JOIN generate_series(1, 2000) AS g ORDER BY a DESC, g",
  ]) {
    it(`stops ${sql} soon after its deadline`, () => {
      const { elapsedMs, outcome } = runWithDeadline(sql, 30);
      expect(outcome).toBe(SqlState.QueryCanceled);
      // Checks come every 1,024 rows or comparisons (well under a millisecond of work here); the
      // bound leaves room for a loaded CI machine, far below the seconds each plan would run.
      expect(elapsedMs).toBeLessThan(30 + 250);
    });
  }

  it("lets a plan that finishes in time run to completion", () => {
    expect(runWithDeadline("SELECT count(*) FROM t AS a JOIN t AS b ON a.a = b.a", 10_000).outcome).toBe("1 rows");
  });
});
