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
  return Array.from({ length: count }, () => null);
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
        const joined = [...l, ...(rightRows[i] ?? [])];
        if (test !== undefined && test(joined, run.params, run.context) !== true) continue;
        isMatched = true;
        if (isSemiOrAnti) break;
        if (matchedRight !== undefined) matchedRight[i] = 1;
        yield joined;
      }
      if (joinType === "semi" ? isMatched : joinType === "anti" ? !isMatched : false) yield l;
      else if (!isMatched && keepsLeft) yield [...l, ...nulls(widths.right)];
    }
    if (matchedRight === undefined) return undefined;
    for (let i = 0; i < rightRows.length; i++) if (matchedRight[i] === 0) yield [...nulls(widths.left), ...(rightRows[i] ?? [])];
    return undefined;
  };
}
