/**
 * ANALYZE: a table's statistics from one streaming pass over its rows, with bounded memory — a
 * uniform reservoir sample (Vitter's algorithm R) of at most `sampleRowsMax` rows (PostgreSQL
 * samples 300 × default_statistics_target = 30,000). Per column, as PostgreSQL's
 * compute_scalar_stats does:
 *
 * - the null fraction of the sample;
 * - distinct values: exact when the sample is the whole table, else the Haas–Stokes Duj1
 *   estimator n·d / (n − f1 + f1·n/N) (f1: values seen once), clamped to [d, N];
 * - most common values: those seen at least twice and 1.25 times the average count (all of them
 *   when the sample holds every distinct value and they fit), at most `mostCommonMax`;
 * - an equi-depth histogram of at most `histogramBucketsMax` buckets over the other values.
 *
 * Columns whose type has no btree order (json) get only the null fraction and distinct count.
 */
import { assert } from "@omnikv/base";
import { resolveOperator, type CatalogTable, type ColumnStatistics, type TableStatistics } from "@omnikv/planner";
import type { EvalContext } from "../functions/function-types.ts";
import type { FunctionRegistry } from "../functions/registry.ts";
import type { SqlValue } from "../values.ts";
import { RowKeyTable } from "../operators/row-keys.ts";
import { keyComparator } from "../operators/sort.ts";
import type { Row } from "../operators/table-access.ts";

export interface AnalyzeOptions {
  readonly sampleRowsMax?: number;
  readonly mostCommonMax?: number;
  readonly histogramBucketsMax?: number;
  /** A uniform random number in [0, 1): sampling is reproducible with a seeded source. */
  readonly random?: () => number;
}

export function analyzeTable(table: CatalogTable, rows: Iterable<Row>, registry: FunctionRegistry, context: EvalContext, options: AnalyzeOptions = {}): TableStatistics {
  const sampleRowsMax = options.sampleRowsMax ?? 30_000;
  assert(Number.isSafeInteger(sampleRowsMax) && sampleRowsMax >= 1, "the sample holds at least one row");
  const random = options.random ?? Math.random;
  const sample: Row[] = [];
  let rowCount = 0;
  for (const row of rows) {
    rowCount += 1;
    if (sample.length < sampleRowsMax) sample.push(row);
    else {
      const slot = Math.floor(random() * rowCount);
      if (slot < sampleRowsMax) sample[slot] = row;
    }
  }
  return statisticsOfSample(table, sample, rowCount, registry, context, options);
}

/**
 * Statistics from a uniform sample of a table of `rowCount` rows: what `analyzeTable` computes
 * after sampling, for callers that sample themselves (in slices, off the request path).
 */
export function statisticsOfSample(
  table: CatalogTable,
  sample: readonly Row[],
  rowCount: number,
  registry: FunctionRegistry,
  context: EvalContext,
  options: AnalyzeOptions = {},
): TableStatistics {
  assert(sample.length <= rowCount, "a sample holds at most the table's rows");
  const columns = table.columns.map((column, index) =>
    columnStatistics(
      sample.map((row) => row[index] ?? null),
      column.type.oid,
      { rowCount, registry, context, mostCommonMax: options.mostCommonMax ?? 100, histogramBucketsMax: options.histogramBucketsMax ?? 100 },
    ),
  );
  return { rowCount, columns };
}

interface ColumnInput {
  readonly rowCount: number;
  readonly registry: FunctionRegistry;
  readonly context: EvalContext;
  readonly mostCommonMax: number;
  readonly histogramBucketsMax: number;
}

function columnStatistics(values: readonly SqlValue[], oid: number, input: ColumnInput): ColumnStatistics {
  const sampled = values.length;
  const nonNull = values.filter((v) => v !== null);
  const nullFraction = sampled === 0 ? 0 : (sampled - nonNull.length) / sampled;
  const counts = countValues(nonNull, oid, input);
  if (counts === undefined) return { nullFraction, distinctCount: nonNull.length, mostCommon: [], histogram: [] };
  const distinctInSample = counts.length;
  const singletons = counts.filter((c) => c.count === 1).length;
  const isWholeTable = sampled >= input.rowCount;
  const n = nonNull.length;
  const totalNonNull = input.rowCount * (1 - nullFraction);
  let distinctCount = distinctInSample;
  if (!isWholeTable && n > 0) {
    distinctCount = singletons === n ? totalNonNull : (n * distinctInSample) / (n - singletons + (singletons * n) / Math.max(n, totalNonNull));
    distinctCount = Math.min(Math.max(distinctCount, distinctInSample), Math.max(totalNonNull, distinctInSample));
  }
  const mostCommon = pickMostCommon(counts, { sampled, distinctCount, input });
  const common = new Set(mostCommon.map((m) => m.value));
  const rest = counts.filter((c) => !common.has(c.value));
  const histogram = histogramOf(rest, oid, input);
  return { nullFraction, distinctCount: Math.round(distinctCount), mostCommon, histogram };
}

interface ValueCount {
  readonly value: SqlValue;
  count: number;
}

/** Each distinct value with its count (equality of the type); undefined for a type without `=`. */
function countValues(values: readonly SqlValue[], oid: number, input: ColumnInput): ValueCount[] | undefined {
  let table: RowKeyTable<ValueCount>;
  try {
    resolveOperator("=", [oid, oid]);
    table = new RowKeyTable<ValueCount>([oid], input.registry, true);
  } catch {
    return undefined;
  }
  for (const value of values) {
    table.getOrInsert([value], input.context, () => ({ value, count: 0 })).count += 1;
  }
  return [...table.values()].map((entry) => entry.value);
}

function pickMostCommon(counts: readonly ValueCount[], shape: { sampled: number; distinctCount: number; input: ColumnInput }): { value: SqlValue; frequency: number }[] {
  const { sampled, distinctCount, input } = shape;
  const sorted = [...counts].sort((a, b) => b.count - a.count);
  const hasAll = counts.length === distinctCount && counts.length <= input.mostCommonMax;
  const total = counts.reduce((sum, c) => sum + c.count, 0);
  const minimum = hasAll ? 1 : Math.max(2, (1.25 * total) / Math.max(1, counts.length));
  return sorted
    .filter((c) => c.count >= minimum)
    .slice(0, input.mostCommonMax)
    .map((c) => ({ value: c.value, frequency: sampled === 0 ? 0 : c.count / sampled }));
}

function histogramOf(rest: readonly ValueCount[], oid: number, input: ColumnInput): SqlValue[] {
  let compare: ((a: SqlValue, b: SqlValue, context: EvalContext) => number) | undefined;
  try {
    const less = resolveOperator("<", [oid, oid]);
    const equal = resolveOperator("=", [oid, oid]);
    const key = { expr: { kind: "const" as const, type: { oid, typmod: -1 }, value: null }, isDescending: false, isNullsFirst: false, lessSignatureId: less.signature.id, equalSignatureId: equal.signature.id };
    compare = keyComparator(key, { registry: input.registry });
  } catch {
    return [];
  }
  const values: SqlValue[] = [];
  for (const entry of rest) for (let i = 0; i < entry.count; i++) values.push(entry.value);
  if (values.length < 2) return [];
  values.sort((a, b) => compare(a, b, input.context));
  const buckets = Math.min(input.histogramBucketsMax, values.length - 1);
  const bounds: SqlValue[] = [];
  for (let i = 0; i <= buckets; i++) bounds.push(values[Math.floor((i * (values.length - 1)) / buckets)] ?? null);
  return bounds;
}
