/**
 * Hash join on equality keys, any join type: the right input is the build side (read into a
 * hash table keyed by its key values; a NULL key never matches, as `=` is never true for it),
 * the left input streams through as the probe side. A match also needs the residual condition.
 * LEFT/FULL add each unmatched left row with NULLs; RIGHT/FULL add the unmatched build rows last.
 * SEMI yields each left row that has a match once, ANTI each one without; both only its columns.
 * Integer keys of different widths are planned as int8 keys; their int2/int4 values (numbers)
 * are widened to bigints here so both sides hash and compare alike.
 * In memory for now: partitioning and spilling beyond work_mem are not built yet.
 */
import { TypeOid } from "@omnikv/base";
import type { BoundExpr, JoinType, SqlType } from "@omnikv/planner";
import { compileExpr, type CompiledExpr } from "../expr/compile.ts";
import type { CompileEnvironment } from "./execution-context.ts";
import { nulls } from "./nested-loop-join.ts";
import { RowKeyTable, isIdentityEquality } from "./row-keys.ts";
import type { RowSource } from "./row-source.ts";
import type { Row } from "./table-access.ts";
import type { SqlValue } from "../values.ts";

export interface HashJoinSpec {
  readonly joinType: JoinType;
  readonly leftKeys: readonly BoundExpr[];
  readonly rightKeys: readonly BoundExpr[];
  readonly keyTypes: readonly SqlType[];
  readonly residual: BoundExpr | undefined;
  readonly widths: { readonly left: number; readonly right: number };
}

interface BuildRow {
  readonly row: Row;
  isMatched: boolean;
}

export function compileHashJoin(spec: HashJoinSpec, left: RowSource, right: RowSource, env: CompileEnvironment): RowSource {
  const widen = (expr: BoundExpr, type: SqlType | undefined): CompiledExpr => {
    const compiled = compileExpr(expr, env.registry);
    if (type?.oid !== TypeOid.int8 || expr.type.oid === TypeOid.int8) return compiled;
    return (row, params, context) => {
      const value = compiled(row, params, context);
      return typeof value === "number" ? BigInt(value) : value;
    };
  };
  const leftKeys = spec.leftKeys.map((expr, i) => widen(expr, spec.keyTypes[i]));
  const rightKeys = spec.rightKeys.map((expr, i) => widen(expr, spec.keyTypes[i]));
  const residual = spec.residual === undefined ? undefined : compileExpr(spec.residual, env.registry);
  const oids = spec.keyTypes.map((type) => type.oid);
  const keepsLeft = spec.joinType === "left" || spec.joinType === "full";
  const keepsRight = spec.joinType === "right" || spec.joinType === "full";
  const isSemiOrAnti = spec.joinType === "semi" || spec.joinType === "anti";
  const [onlyType] = spec.keyTypes;
  const [onlyLeft] = leftKeys;
  const [onlyRight] = rightKeys;
  if (spec.keyTypes.length === 1 && onlyType !== undefined && isIdentityEquality(onlyType.oid) && onlyLeft !== undefined && onlyRight !== undefined) {
    return compileSingleKeyHashJoin(spec, { left, right, leftKey: onlyLeft, rightKey: onlyRight, residual });
  }
  return function* hashJoin(run) {
    const table = new RowKeyTable<BuildRow[]>(oids, env.registry, false);
    const unkeyed: BuildRow[] = [];
    for (const row of right(run)) {
      const key = rightKeys.map((expr) => expr(row, run.params, run.context));
      const entry = { row, isMatched: false };
      if (key.includes(null)) unkeyed.push(entry);
      else table.getOrInsert(key, run.context, () => []).push(entry);
    }
    const [onlyKey] = leftKeys;
    const probeKey: SqlValue[] = [null];
    for (const l of left(run)) {
      // One key (the common case) reuses one key row; the table does not keep probe keys.
      let key: Row;
      if (leftKeys.length === 1 && onlyKey !== undefined) {
        probeKey[0] = onlyKey(l, run.params, run.context);
        key = probeKey;
      } else {
        key = leftKeys.map((expr) => expr(l, run.params, run.context));
      }
      let isMatched = false;
      for (const entry of table.get(key, run.context) ?? []) {
        const joined = l.concat(entry.row);
        if (residual !== undefined && residual(joined, run.params, run.context) !== true) continue;
        isMatched = true;
        if (isSemiOrAnti) break;
        entry.isMatched = true;
        yield joined;
      }
      if (spec.joinType === "semi" ? isMatched : spec.joinType === "anti" ? !isMatched : false) yield l;
      else if (!isMatched && keepsLeft) yield l.concat(nulls(spec.widths.right));
    }
    if (!keepsRight) return undefined;
    for (const { value } of table.values()) {
      for (const entry of value) if (!entry.isMatched) yield [...nulls(spec.widths.left), ...entry.row];
    }
    for (const entry of unkeyed) yield [...nulls(spec.widths.left), ...entry.row];
    return undefined;
  };
}

interface SingleKeyParts {
  readonly left: RowSource;
  readonly right: RowSource;
  readonly leftKey: CompiledExpr;
  readonly rightKey: CompiledExpr;
  readonly residual: CompiledExpr | undefined;
}

/**
 * One key of a type whose `=` is `===` (integers, text, bool, date): the build side goes into a
 * plain Map by key value — the common join on an id, with no key rows and no bucket search.
 */
function compileSingleKeyHashJoin(spec: HashJoinSpec, parts: SingleKeyParts): RowSource {
  const { left, right, leftKey, rightKey, residual } = parts;
  const keepsLeft = spec.joinType === "left" || spec.joinType === "full";
  const keepsRight = spec.joinType === "right" || spec.joinType === "full";
  const isSemi = spec.joinType === "semi";
  const isAnti = spec.joinType === "anti";
  return function* singleKeyHashJoin(run) {
    const table = new Map<SqlValue, BuildRow[]>();
    const unkeyed: BuildRow[] = [];
    for (const row of right(run)) {
      const key = rightKey(row, run.params, run.context);
      const entry = { row, isMatched: false };
      if (key === null) unkeyed.push(entry);
      else {
        const bucket = table.get(key);
        if (bucket === undefined) table.set(key, [entry]);
        else bucket.push(entry);
      }
    }
    for (const l of left(run)) {
      const key = leftKey(l, run.params, run.context);
      const bucket = key === null ? undefined : table.get(key);
      let isMatched = false;
      if (bucket !== undefined) {
        for (const entry of bucket) {
          const joined = l.concat(entry.row);
          if (residual !== undefined && residual(joined, run.params, run.context) !== true) continue;
          isMatched = true;
          if (isSemi || isAnti) break;
          entry.isMatched = true;
          yield joined;
        }
      }
      if (isSemi ? isMatched : isAnti ? !isMatched : false) yield l;
      else if (!isMatched && keepsLeft) yield l.concat(nulls(spec.widths.right));
    }
    if (!keepsRight) return undefined;
    for (const bucket of table.values()) for (const entry of bucket) if (!entry.isMatched) yield nulls(spec.widths.left).concat(entry.row);
    for (const entry of unkeyed) yield nulls(spec.widths.left).concat(entry.row);
    return undefined;
  };
}
