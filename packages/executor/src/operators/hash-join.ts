/**
 * Hash join on equality keys, any join type: the right input is the build side (read into a
 * hash table keyed by its key values; a NULL key never matches, as `=` is never true for it),
 * the left input streams through as the probe side. A match also needs the residual condition.
 * LEFT/FULL add each unmatched left row with NULLs; RIGHT/FULL add the unmatched build rows last.
 * SEMI yields each left row that has a match once, ANTI each one without; both only its columns.
 *
 * One key of a type whose `=` is `===` (integers, text, bool, date) uses a plain Map by key value;
 * other keys the typed `RowKeyTable`. Integer keys of different widths are planned as int8 keys;
 * their int2/int4 values (numbers) are widened to bigints so both sides hash and compare alike.
 *
 * Memory (grace hash join): when the build side passes `workMemBytes`, both sides are split by
 * key hash into temporary files and each pair of partitions is joined in memory in turn; rows
 * with NULL keys are settled on the way (they match nothing). A partition whose build side alone
 * exceeds the budget is partitioned again with a new hash, up to four levels (16^4 partitions);
 * one that cannot split (one key value holds all its rows) is joined in memory whatever its size,
 * as PostgreSQL's hash join does with a skewed batch.
 */
import { TypeOid, hashValue } from "@omnikv/base";
import type { BoundExpr, JoinType, SqlType } from "@omnikv/planner";
import { compileExpr, type CompiledExpr } from "../expr/compile.ts";
import type { EvalContext } from "../functions/function-types.ts";
import type { FunctionRegistry } from "../functions/registry.ts";
import type { SqlValue } from "../values.ts";
import type { CompileEnvironment, ExecutionContext } from "./execution-context.ts";
import { joinedRow, withNullsAfter, withNullsBefore } from "./nested-loop-join.ts";
import { RowKeyTable, isIdentityEquality } from "./row-keys.ts";
import type { RowSource } from "./row-source.ts";
import { defaultWorkMemBytes } from "./sort.ts";
import { SpillDirectory, canSpill, estimateRowBytes, type SpillFileWriter } from "./spill-file.ts";
import type { Row } from "./table-access.ts";

export interface HashJoinSpec {
  readonly joinType: JoinType;
  readonly leftKeys: readonly BoundExpr[];
  readonly rightKeys: readonly BoundExpr[];
  readonly keyTypes: readonly SqlType[];
  readonly residual: BoundExpr | undefined;
  readonly widths: { readonly left: number; readonly right: number };
  /** Column types of each side, for spilling. */
  readonly leftOids: readonly number[];
  readonly rightOids: readonly number[];
}

interface BuildRow {
  readonly row: Row;
  isMatched: boolean;
}

interface BuildTable {
  add(key: readonly SqlValue[], entry: BuildRow): void;
  get(key: readonly SqlValue[]): readonly BuildRow[] | undefined;
  buckets(): Iterable<readonly BuildRow[]>;
}

/** Partitions of a spilling hash join. */
const partitionCount = 16;

/** Everything one join needs at run time, compiled once. */
interface Join {
  readonly spec: HashJoinSpec;
  readonly leftKeys: readonly CompiledExpr[];
  readonly rightKeys: readonly CompiledExpr[];
  readonly residual: CompiledExpr | undefined;
  readonly newTable: (context: EvalContext) => BuildTable;
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
  const [onlyType] = spec.keyTypes;
  const isPlainMap = spec.keyTypes.length === 1 && onlyType !== undefined && isIdentityEquality(onlyType.oid);
  const oids = spec.keyTypes.map((type) => type.oid);
  const join: Join = {
    spec,
    leftKeys: spec.leftKeys.map((expr, i) => widen(expr, spec.keyTypes[i])),
    rightKeys: spec.rightKeys.map((expr, i) => widen(expr, spec.keyTypes[i])),
    residual: spec.residual === undefined ? undefined : compileExpr(spec.residual, env.registry),
    newTable: isPlainMap ? plainMapTable : (context) => rowKeyTable(oids, env.registry, context),
  };
  const isSpillable = canSpill(spec.leftOids) && canSpill(spec.rightOids);
  return function* hashJoin(run) {
    const budget = run.workMemBytes ?? defaultWorkMemBytes;
    const buildRows: Row[] = [];
    let bytes = 0;
    const build = right(run)[Symbol.iterator]();
    for (let next = build.next(); next.done !== true; next = build.next()) {
      buildRows.push(next.value);
      bytes += estimateRowBytes(next.value);
      if (bytes > budget && isSpillable) {
        yield* graceJoin(join, buildRows, build, left(run), run);
        return undefined;
      }
    }
    yield* joinInMemory(join, buildRows, left(run), run);
    return undefined;
  };
}

function plainMapTable(): BuildTable {
  const map = new Map<SqlValue, BuildRow[]>();
  return {
    add: (key, entry) => {
      const value = key[0] ?? null;
      const bucket = map.get(value);
      if (bucket === undefined) map.set(value, [entry]);
      else bucket.push(entry);
    },
    get: (key) => map.get(key[0] ?? null),
    buckets: () => map.values(),
  };
}

function rowKeyTable(oids: readonly number[], registry: FunctionRegistry, context: EvalContext): BuildTable {
  const table = new RowKeyTable<BuildRow[]>(oids, registry, false);
  return {
    add: (key, entry) => table.getOrInsert(key, context, () => []).push(entry),
    get: (key) => table.get(key, context),
    buckets: () => [...table.values()].map((entry) => entry.value),
  };
}

function keyOf(keys: readonly CompiledExpr[], row: Row, run: ExecutionContext, into: SqlValue[]): SqlValue[] {
  for (let i = 0; i < keys.length; i++) into[i] = keys[i]?.(row, run.params, run.context) ?? null;
  return into;
}

/** The in-memory join of one build side and one probe side. */
function* joinInMemory(join: Join, build: Iterable<Row>, probe: Iterable<Row>, run: ExecutionContext): Generator<Row, undefined, undefined> {
  const { spec, residual } = join;
  const keepsLeft = spec.joinType === "left" || spec.joinType === "full";
  const keepsRight = spec.joinType === "right" || spec.joinType === "full";
  const isSemi = spec.joinType === "semi";
  const isAnti = spec.joinType === "anti";
  const table = join.newTable(run.context);
  const unkeyed: BuildRow[] = [];
  for (const row of build) {
    const key = keyOf(join.rightKeys, row, run, []);
    const entry = { row, isMatched: false };
    if (key.includes(null)) unkeyed.push(entry);
    else table.add(key, entry);
  }
  const probeKey: SqlValue[] = [];
  for (const l of probe) {
    const key = keyOf(join.leftKeys, l, run, probeKey);
    const bucket = key.includes(null) ? undefined : table.get(key);
    let isMatched = false;
    for (const entry of bucket ?? []) {
      const joined = joinedRow(l, entry.row);
      if (residual !== undefined && residual(joined, run.params, run.context) !== true) continue;
      isMatched = true;
      if (isSemi || isAnti) break;
      entry.isMatched = true;
      yield joined;
    }
    if (isSemi ? isMatched : isAnti ? !isMatched : false) yield l;
    else if (!isMatched && keepsLeft) yield withNullsAfter(l, spec.widths.right);
  }
  if (!keepsRight) return undefined;
  for (const bucket of table.buckets()) for (const entry of bucket) if (!entry.isMatched) yield withNullsBefore(spec.widths.left, entry.row);
  for (const entry of unkeyed) yield withNullsBefore(spec.widths.left, entry.row);
  return undefined;
}

/** A key's partition at a repartitioning level: its hash, mixed with the level so each level splits anew. */
function partitionOf(key: readonly SqlValue[], oids: readonly number[], level: number): number {
  let hash = 0x2545f491 ^ Math.imul(level, 0x9e3779b1);
  key.forEach((value, i) => {
    hash = Math.imul(hash ^ hashValue(oids[i] ?? 0, value ?? 0), 0x85ebca6b);
    hash ^= hash >>> 13;
  });
  return (hash >>> 0) % partitionCount;
}

/** Levels of repartitioning: 16^4 partitions in all before a partition is joined whatever its size. */
const partitionLevelsMax = 4;

/** Partitions both sides by key hash into files, then joins each pair of partitions. */
function* graceJoin(join: Join, buffered: readonly Row[], restOfBuild: Iterator<Row, unknown>, probe: Iterable<Row>, run: ExecutionContext): Generator<Row, undefined, undefined> {
  const directory = new SpillDirectory(run.tempDirectory, run.spillCipher);
  function* buildRows(): Generator<Row, undefined, undefined> {
    yield* buffered;
    for (let next = restOfBuild.next(); next.done !== true; next = restOfBuild.next()) yield next.value;
    return undefined;
  }
  try {
    yield* partitionedJoin(join, buildRows(), probe, run, directory, 0);
  } finally {
    directory.remove();
  }
  return undefined;
}

/**
 * One level of the grace join. Rows with a NULL key can only be met at level 0 (deeper levels
 * read rows that had keys): they match nothing and are settled there. A pair whose build side
 * still exceeds the budget is partitioned again with the next level's hash, unless every one of
 * its rows stayed together (one key value, or colliding ones: more levels would not split it).
 */
function* partitionedJoin(join: Join, build: Iterable<Row>, probe: Iterable<Row>, run: ExecutionContext, directory: SpillDirectory, level: number): Generator<Row, undefined, undefined> {
  const { spec } = join;
  const oids = spec.keyTypes.map((type) => type.oid);
  const budget = run.workMemBytes ?? defaultWorkMemBytes;
  const buildFiles = Array.from({ length: partitionCount }, () => directory.createWriter(spec.rightOids));
  const probeFiles = Array.from({ length: partitionCount }, () => directory.createWriter(spec.leftOids));
  const buildBytes = buildFiles.map(() => 0);
  const keepsRight = spec.joinType === "right" || spec.joinType === "full";
  const unkeyedBuild: SpillFileWriter | undefined = keepsRight && level === 0 ? directory.createWriter(spec.rightOids) : undefined;
  let buildCount = 0;
  for (const row of build) {
    const key = keyOf(join.rightKeys, row, run, []);
    if (key.includes(null)) {
      unkeyedBuild?.append(row);
      continue;
    }
    const partition = partitionOf(key, oids, level);
    buildFiles[partition]?.append(row);
    buildBytes[partition] = (buildBytes[partition] ?? 0) + estimateRowBytes(row);
    buildCount += 1;
  }
  const probeKey: SqlValue[] = [];
  for (const l of probe) {
    const key = keyOf(join.leftKeys, l, run, probeKey);
    if (!key.includes(null)) probeFiles[partitionOf(key, oids, level)]?.append(l);
    else if (spec.joinType === "left" || spec.joinType === "full") yield withNullsAfter(l, spec.widths.right);
    else if (spec.joinType === "anti") yield l;
  }
  for (let i = 0; i < partitionCount; i++) {
    const buildWriter = buildFiles[i];
    const probeWriter = probeFiles[i];
    if (buildWriter === undefined || probeWriter === undefined) continue;
    const rowCount = buildWriter.rowCount;
    const [buildFile, probeFile] = [buildWriter.finish(), probeWriter.finish()];
    const canSplit = (buildBytes[i] ?? 0) > budget && level + 1 < partitionLevelsMax && rowCount < buildCount;
    if (canSplit) yield* partitionedJoin(join, buildFile.rows(), probeFile.rows(), run, directory, level + 1);
    else yield* joinInMemory(join, buildFile.rows(), probeFile.rows(), run);
  }
  if (unkeyedBuild !== undefined) for (const row of unkeyedBuild.finish().rows()) yield withNullsBefore(spec.widths.left, row);
  return undefined;
}
