/**
 * UNION / INTERSECT / EXCEPT [ALL] with PostgreSQL's multiset rules: UNION ALL concatenates;
 * UNION keeps one of each distinct row; INTERSECT ALL keeps min(m, n) copies of a row that
 * appears m times on the left and n on the right, EXCEPT ALL max(m − n, 0); without ALL each
 * result row appears once. Rows compare with NULLs equal, as DISTINCT does.
 */
import type { PlanColumn } from "@omnikv/planner";
import type { CompileEnvironment } from "./execution-context.ts";
import { compileDistinct } from "./distinct.ts";
import { RowKeyTable } from "./row-keys.ts";
import type { RowSource } from "./row-source.ts";
import type { Row } from "./table-access.ts";

export function compileSetOperation(
  op: "union" | "intersect" | "except",
  isAll: boolean,
  left: RowSource,
  right: RowSource,
  columns: readonly PlanColumn[],
  env: CompileEnvironment,
): RowSource {
  const concatenated: RowSource = function* union(run) {
    yield* left(run);
    yield* right(run);
    return undefined;
  };
  if (op === "union") return isAll ? concatenated : compileDistinct(concatenated, columns, env);
  const oids = columns.map((c) => c.type.oid);
  return function* intersectOrExcept(run) {
    const counts = new RowKeyTable<{ row: Row; left: number; right: number }>(oids, env.registry, true);
    for (const row of left(run)) counts.getOrInsert(row, run.context, () => ({ row, left: 0, right: 0 })).left += 1;
    for (const row of right(run)) {
      const entry = counts.get(row, run.context);
      if (entry !== undefined) entry.right += 1;
    }
    for (const { value } of counts.values()) {
      const copies = isAll ? allCopies(op, value.left, value.right) : distinctCopies(op, value.left, value.right);
      for (let i = 0; i < copies; i++) yield value.row;
    }
    return undefined;
  };
}

function allCopies(op: "intersect" | "except", left: number, right: number): number {
  return op === "intersect" ? Math.min(left, right) : Math.max(left - right, 0);
}

/** Without ALL: one copy of each row that is in both inputs (INTERSECT) or only in the left (EXCEPT). */
function distinctCopies(op: "intersect" | "except", left: number, right: number): number {
  if (left === 0) return 0;
  return (op === "intersect" ? right > 0 : right === 0) ? 1 : 0;
}
