/**
 * Nested-loop join, any join type: the right input is read once per run into memory, then each
 * left row is matched against every right row by the condition (over the concatenated row).
 * LEFT/FULL add each unmatched left row with NULLs; RIGHT/FULL add the unmatched right rows last.
 * SEMI yields each left row that has a match once, ANTI each one without; both only its columns.
 */
import type { BoundExpr, JoinType } from "@omnikv/planner";
import { compileExpr } from "../expr/compile.ts";
import type { SqlValue } from "../values.ts";
import { interruptIntervalRows, type CompileEnvironment } from "./execution-context.ts";
import type { RowSource } from "./row-source.ts";
import type { Row } from "./table-access.ts";

export function nulls(count: number): SqlValue[] {
  const row: SqlValue[] = [];
  for (let i = 0; i < count; i++) row.push(null);
  return row;
}

/**
 * `left` followed by `right`, the row a join yields for a pair. Every join builds one per
 * candidate pair, and this copy loop costs a quarter of `Array.prototype.concat` (which checks
 * each argument for `Symbol.isConcatSpreadable`) or spreading.
 */
export function joinedRow(left: Row, right: Row): SqlValue[] {
  const row = left.slice();
  for (let i = 0; i < right.length; i++) row.push(right[i] ?? null);
  return row;
}

/** `left` followed by `width` NULLs: a left row no right row matched. */
export function withNullsAfter(left: Row, width: number): SqlValue[] {
  const row = left.slice();
  for (let i = 0; i < width; i++) row.push(null);
  return row;
}

/** `width` NULLs followed by `right`: a right row no left row matched. */
export function withNullsBefore(width: number, right: Row): SqlValue[] {
  const row = nulls(width);
  for (let i = 0; i < right.length; i++) row.push(right[i] ?? null);
  return row;
}

export function compileNestedLoopJoin(
  joinType: JoinType,
  left: RowSource,
  right: RowSource,
  condition: BoundExpr | undefined,
  widths: { readonly left: number; readonly right: number },
  env: CompileEnvironment,
): RowSource {
  const test = condition === undefined ? undefined : compileExpr(condition, env.registry);
  const keepsLeft = joinType === "left" || joinType === "full";
  const keepsRight = joinType === "right" || joinType === "full";
  const isSemiOrAnti = joinType === "semi" || joinType === "anti";
  return function* nestedLoop(run) {
    const rightRows: Row[] = [...right(run)];
    const matchedRight = keepsRight ? new Uint8Array(rightRows.length) : undefined;
    let steps = 0;
    for (const l of left(run)) {
      let isMatched = false;
      for (let i = 0; i < rightRows.length; i++) {
        if (++steps % interruptIntervalRows === 0) run.interrupt?.();
        const joined = joinedRow(l, rightRows[i] ?? []);
        if (test !== undefined && test(joined, run.params, run.context) !== true) continue;
        isMatched = true;
        if (isSemiOrAnti) break;
        if (matchedRight !== undefined) matchedRight[i] = 1;
        yield joined;
      }
      if (joinType === "semi" ? isMatched : joinType === "anti" ? !isMatched : false) yield l;
      else if (!isMatched && keepsLeft) yield withNullsAfter(l, widths.right);
    }
    if (matchedRight === undefined) return undefined;
    for (let i = 0; i < rightRows.length; i++) if (matchedRight[i] === 0) yield withNullsBefore(widths.left, rightRows[i] ?? []);
    return undefined;
  };
}
