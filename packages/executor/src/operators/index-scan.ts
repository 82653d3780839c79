/**
 * Index scan: evaluates the key bounds once per run (constants and parameters) and reads the
 * matching rows from `TableAccess.scanIndex`, streaming. A NULL bound matches nothing: an
 * equality or a comparison with NULL is never true. Integer bounds of another width arrive as
 * the key column's type (an int2/int4 key's bigint bound as a number keeps its order).
 */
import { TypeOid, assert } from "@omnikv/base";
import type { PlanNode } from "@omnikv/planner";
import { compileExpr } from "../expr/compile.ts";
import { interruptIntervalRows, type CompileEnvironment } from "./execution-context.ts";
import type { RowSource } from "./row-source.ts";
import type { IndexScanRequest } from "./table-access.ts";
import type { SqlValue } from "../values.ts";
import { equalityOf, isIdentityEquality } from "./row-keys.ts";

export function compileIndexScan(plan: Extract<PlanNode, { kind: "index_scan" }>, env: CompileEnvironment): RowSource {
  const equal = plan.equal.map((expr) => compileExpr(expr, env.registry));
  const lower = plan.lower === undefined ? undefined : { value: compileExpr(plan.lower.value, env.registry), isInclusive: plan.lower.isInclusive };
  const upper = plan.upper === undefined ? undefined : { value: compileExpr(plan.upper.value, env.registry), isInclusive: plan.upper.isInclusive };
  const readColumns = plan.readColumns === undefined ? undefined : new Set(plan.readColumns);
  const keyTypes = plan.index.columns.map((column) => plan.columns[column]?.type.oid);
  const anyItems = plan.equalAny?.map((expr) => compileExpr(expr, env.registry));
  const anyType = keyTypes[plan.equal.length] ?? TypeOid.text;
  const isSameItem = equalityOf(anyType, env.registry);
  // Types whose `=` is `===` dedupe through a Set; others compare pairwise (IN lists are short).
  const isIdentity = isIdentityEquality(anyType);
  return function* indexScan(run) {
    assert(run.tables.scanIndex !== undefined, "a table access that offers indexes can scan them");
    const values = equal.map((expr, i) => asColumnType(expr([], run.params, run.context), keyTypes[i]));
    if (anyItems !== undefined) {
      assert(lower === undefined && upper === undefined, "an IN-list scan has no range");
      if (values.includes(null)) return undefined;
      // Each distinct non-NULL item once (a NULL item matches nothing), in list order.
      const items: SqlValue[] = [];
      const seen = new Set<SqlValue>();
      for (const item of anyItems) {
        const value = asColumnType(item([], run.params, run.context), anyType);
        if (value === null) continue;
        if (isIdentity ? seen.has(value) : items.some((other) => isSameItem(other, value, run.context))) continue;
        seen.add(value);
        items.push(value);
      }
      let count = 0;
      for (const item of items) {
        const request: IndexScanRequest = { index: plan.index, equal: [...values, item], isReverse: plan.isReverse, ...(readColumns === undefined ? {} : { columns: readColumns }) };
        for (const row of run.tables.scanIndex(plan.table, request)) {
          if (++count % interruptIntervalRows === 0) run.interrupt?.();
          yield row;
        }
      }
      return undefined;
    }
    const lowerValue = asColumnType(lower?.value([], run.params, run.context), keyTypes[equal.length]);
    const upperValue = asColumnType(upper?.value([], run.params, run.context), keyTypes[equal.length]);
    if (values.includes(null) || lowerValue === null || upperValue === null) return undefined;
    const request: IndexScanRequest = {
      index: plan.index,
      equal: values,
      ...(lower === undefined || lowerValue === undefined ? {} : { lower: { value: lowerValue, isInclusive: lower.isInclusive } }),
      ...(upper === undefined || upperValue === undefined ? {} : { upper: { value: upperValue, isInclusive: upper.isInclusive } }),
      isReverse: plan.isReverse,
      ...(readColumns === undefined ? {} : { columns: readColumns }),
    };
    let count = 0;
    for (const row of run.tables.scanIndex(plan.table, request)) {
      if (++count % interruptIntervalRows === 0) run.interrupt?.();
      yield row;
    }
    return undefined;
  };
}

/** An integer bound of another width as the key column's runtime type (int8: bigint; int2/int4: number). */
function asColumnType<T extends SqlValue | undefined>(value: T, oid: number | undefined): T | SqlValue {
  if (oid === TypeOid.int8 && typeof value === "number") return BigInt(value);
  if ((oid === TypeOid.int4 || oid === TypeOid.int2) && typeof value === "bigint") return Number(value);
  return value;
}
