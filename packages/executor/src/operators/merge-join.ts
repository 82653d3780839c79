/**
 * Merge join on equality keys, any join type, over two inputs sorted ascending with NULLs last on
 * their keys (the planner puts Sorts below when they are not). Both sides stream: the only rows
 * held are the right side's current group of equal keys, which every left row with that key is
 * matched against (the "mark/restore" of PostgreSQL's merge join, as a buffer). A match also needs
 * the residual condition over the joined row.
 *
 * A row whose key has a NULL never matches (`=` is never true for NULL); it is settled as soon as
 * it reaches the head of its side — emitted with NULLs for an outer side, dropped otherwise —
 * which keeps both sequences sorted. Keys compare with the value orders Sort uses (`directOrder`),
 * so the merge agrees with the sort below it. Integer keys of different widths are planned as
 * int8 keys; their int2/int4 values (numbers) are widened to bigints before comparing.
 */
import { TypeOid } from "@omnikv/base";
import type { BoundExpr, JoinType, SqlType } from "@omnikv/planner";
import { assert } from "@omnikv/base";
import { compileExpr, type CompiledExpr } from "../expr/compile.ts";
import type { SqlValue } from "../values.ts";
import { interruptIntervalRows, type CompileEnvironment, type ExecutionContext } from "./execution-context.ts";
import { joinedRow, withNullsAfter, withNullsBefore } from "./nested-loop-join.ts";
import type { RowSource } from "./row-source.ts";
import type { Row } from "./table-access.ts";
import { directOrder, type ValueOrder } from "./value-order.ts";

export interface MergeJoinSpec {
  readonly joinType: JoinType;
  readonly leftKeys: readonly BoundExpr[];
  readonly rightKeys: readonly BoundExpr[];
  readonly keyTypes: readonly SqlType[];
  readonly residual: BoundExpr | undefined;
  readonly widths: { readonly left: number; readonly right: number };
}

/** One input's head: its row and key, or undefined at the end. */
interface Head {
  readonly row: Row;
  readonly key: readonly SqlValue[];
}

/** Everything one join needs at run time, compiled once. */
interface Join {
  readonly spec: MergeJoinSpec;
  readonly leftKeys: readonly CompiledExpr[];
  readonly rightKeys: readonly CompiledExpr[];
  readonly orders: readonly ValueOrder[];
  readonly residual: CompiledExpr | undefined;
}

export function compileMergeJoin(spec: MergeJoinSpec, left: RowSource, right: RowSource, env: CompileEnvironment): RowSource {
  assert(spec.leftKeys.length === spec.rightKeys.length && spec.leftKeys.length === spec.keyTypes.length, "a merge join has one type per key pair");
  assert(spec.leftKeys.length > 0, "a merge join has at least one key");
  const widen = (expr: BoundExpr, type: SqlType | undefined): CompiledExpr => {
    const compiled = compileExpr(expr, env.registry);
    if (type?.oid !== TypeOid.int8 || expr.type.oid === TypeOid.int8) return compiled;
    return (row, params, context) => {
      const value = compiled(row, params, context);
      return typeof value === "number" ? BigInt(value) : value;
    };
  };
  const orders = spec.keyTypes.map((type) => {
    const order = directOrder(type.oid);
    assert(order !== undefined, `merge join key type ${type.oid} has a direct order`);
    return order;
  });
  const join: Join = {
    spec,
    leftKeys: spec.leftKeys.map((expr, i) => widen(expr, spec.keyTypes[i])),
    rightKeys: spec.rightKeys.map((expr, i) => widen(expr, spec.keyTypes[i])),
    orders,
    residual: spec.residual === undefined ? undefined : compileExpr(spec.residual, env.registry),
  };
  return (run) => mergeJoin(join, left(run), right(run), run);
}

function compareKeys(orders: readonly ValueOrder[], a: readonly SqlValue[], b: readonly SqlValue[]): number {
  for (let i = 0; i < orders.length; i++) {
    const order = orders[i];
    const x = a[i] ?? null;
    const y = b[i] ?? null;
    assert(order !== undefined && x !== null && y !== null, "merge keys compared are non-NULL");
    const c = order(x, y);
    if (c !== 0) return c;
  }
  return 0;
}

/** An iterator over one input, yielding each row with its key. */
function heads(rows: Iterable<Row>, keys: readonly CompiledExpr[], run: ExecutionContext): Iterator<Head, undefined> {
  return (function* keyed(): Generator<Head, undefined, undefined> {
    for (const row of rows) yield { row, key: keys.map((key) => key(row, run.params, run.context) ?? null) };
    return undefined;
  })();
}

/** The current group of right rows with equal keys, and which of them found a match. */
interface Group {
  readonly key: readonly SqlValue[];
  readonly rows: Row[];
  readonly matched: Uint8Array | undefined;
}

function* mergeJoin(join: Join, leftRows: Iterable<Row>, rightRows: Iterable<Row>, run: ExecutionContext): Generator<Row, undefined, undefined> {
  const { spec, orders } = join;
  const keepsRight = spec.joinType === "right" || spec.joinType === "full";
  const lefts = heads(leftRows, join.leftKeys, run);
  const rights = heads(rightRows, join.rightKeys, run);
  let r = rights.next().value;
  let group: Group | undefined;
  const steps = { count: 0 };
  const tick = (): void => {
    if (++steps.count % interruptIntervalRows === 0) run.interrupt?.();
  };
  const unmatchedRight = (row: Row): Row[] => (keepsRight ? [withNullsBefore(spec.widths.left, row)] : []);
  for (let l = lefts.next().value; l !== undefined; l = lefts.next().value) {
    tick();
    if (!l.key.includes(null) && (group === undefined || compareKeys(orders, l.key, group.key) !== 0)) {
      if (group !== undefined) yield* settleGroup(group, unmatchedRight);
      group = undefined;
      // Pass the right rows below this key (and those with NULL keys): none can match any more.
      while (r !== undefined && (r.key.includes(null) || compareKeys(orders, r.key, l.key) < 0)) {
        tick();
        yield* unmatchedRight(r.row);
        r = rights.next().value;
      }
      if (r !== undefined && compareKeys(orders, r.key, l.key) === 0) [group, r] = readGroup(r, rights, orders, keepsRight);
    }
    const isMatchable = group !== undefined && !l.key.includes(null);
    yield* probeGroup(join, l.row, isMatchable ? group : undefined, run, tick);
  }
  if (group !== undefined) yield* settleGroup(group, unmatchedRight);
  for (; r !== undefined; r = rights.next().value) {
    if (!keepsRight) break;
    tick();
    yield* unmatchedRight(r.row);
  }
  return undefined;
}

/** Reads the right rows whose key equals `first`'s; returns the group and the next right head. */
function readGroup(first: Head, rights: Iterator<Head, undefined>, orders: readonly ValueOrder[], keepsRight: boolean): [Group, Head | undefined] {
  const rows: Row[] = [first.row];
  let next = rights.next().value;
  while (next !== undefined && !next.key.includes(null) && compareKeys(orders, next.key, first.key) === 0) {
    rows.push(next.row);
    next = rights.next().value;
  }
  assert(next === undefined || next.key.includes(null) || compareKeys(orders, next.key, first.key) > 0, "merge join right input is sorted on its keys");
  return [{ key: first.key, rows, matched: keepsRight ? new Uint8Array(rows.length) : undefined }, next];
}

/** One left row against the current group (undefined: no candidates); yields its output rows. */
function* probeGroup(join: Join, l: Row, group: Group | undefined, run: ExecutionContext, tick: () => void): Generator<Row, undefined, undefined> {
  const { spec, residual } = join;
  const keepsLeft = spec.joinType === "left" || spec.joinType === "full";
  const isSemiOrAnti = spec.joinType === "semi" || spec.joinType === "anti";
  let isMatched = false;
  const rows = group?.rows ?? [];
  for (let i = 0; i < rows.length; i++) {
    tick();
    const joined = joinedRow(l, rows[i] ?? []);
    if (residual !== undefined && residual(joined, run.params, run.context) !== true) continue;
    isMatched = true;
    if (isSemiOrAnti) break;
    if (group?.matched !== undefined) group.matched[i] = 1;
    yield joined;
  }
  if (spec.joinType === "semi" ? isMatched : spec.joinType === "anti" ? !isMatched : false) yield l;
  else if (!isMatched && keepsLeft) yield withNullsAfter(l, spec.widths.right);
  return undefined;
}

/** The group is done: its rows no left row matched come out with NULLs (RIGHT/FULL). */
function* settleGroup(group: Group, unmatchedRight: (row: Row) => Row[]): Generator<Row, undefined, undefined> {
  if (group.matched === undefined) return undefined;
  for (let i = 0; i < group.rows.length; i++) if (group.matched[i] === 0) yield* unmatchedRight(group.rows[i] ?? []);
  return undefined;
}
