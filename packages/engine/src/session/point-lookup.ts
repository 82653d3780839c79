/**
 * The point-lookup fast path: a plan that is an equality lookup on every column of the primary
 * key or of a unique index (optionally filtered and projected) runs as one or two store reads and
 * a projection, without the executor's row-source machinery. The answer is the executor's: the
 * same compiled expressions evaluate the key, the filter and the projection; only the plumbing
 * between them is skipped. Prepared statements take it when their plan has this shape.
 */
import { TypeOid } from "@omnikv/base";
import { compileExpr, type CompiledExpr, type EvalContext, type FunctionRegistry, type Row } from "@omnikv/executor";
import type { BoundExpr, CatalogTable, PlanNode } from "@omnikv/planner";
import type { CatalogView } from "../catalog/catalog-store.ts";
import { KeyWriter } from "../encoding/key-codec.ts";
import { withPrefix } from "../storage/keys.ts";
import type { RowReader } from "../storage/table-access.ts";
import { appendKeyValue, layoutOf } from "../storage/table-layout.ts";

export interface PointLookup {
  readonly table: CatalogTable;
  readonly isPrimary: boolean;
  /** The keyspace read first: the table's own (primary key) or the unique index's. */
  readonly keyspace: number;
  readonly keyColumns: readonly number[];
  readonly keyValues: readonly CompiledExpr[];
  readonly filter: CompiledExpr | undefined;
  readonly projection: readonly CompiledExpr[] | undefined;
}

/** The plan as a point lookup, when it is one: project? → filter? → unique index scan on every key column. */
export function pointLookupOf(plan: PlanNode, registry: FunctionRegistry): PointLookup | undefined {
  let node = plan;
  let projection: readonly BoundExpr[] | undefined;
  let filter: BoundExpr | undefined;
  if (node.kind === "project") {
    projection = node.exprs;
    node = node.input;
  }
  if (node.kind === "filter") {
    filter = node.predicate;
    node = node.input;
  }
  if (node.kind !== "index_scan" || !node.index.isUnique || node.lower !== undefined || node.upper !== undefined) return undefined;
  // (An expression index's key types are its expressions': such plans take the general path.)
  if (node.equal.length !== node.index.columns.length || node.index.expressions !== undefined) return undefined;
  const expressions = [...node.equal, ...(projection ?? []), ...(filter === undefined ? [] : [filter])];
  if (expressions.some(hasSubquery)) return undefined;
  return {
    table: node.table,
    isPrimary: node.index.isPrimary,
    keyspace: node.index.isPrimary ? node.table.id : node.index.id,
    keyColumns: node.index.columns,
    keyValues: node.equal.map((expr) => compileExpr(expr, registry)),
    filter: filter === undefined ? undefined : compileExpr(filter, registry),
    projection: projection?.map((expr) => compileExpr(expr, registry)),
  };
}

/** Subqueries read tables through the executor's table access; such plans take the general path. */
function hasSubquery(node: unknown): boolean {
  if (typeof node !== "object" || node === null) return false;
  if ("kind" in node && typeof node.kind === "string" && node.kind.includes("subquery")) return true;
  return Object.values(node).some((value) => typeof value === "object" && hasSubquery(value));
}

/** Reused for every lookup (keys are copied out by `finish`): one allocation fewer per statement. */
const scratchWriter = new KeyWriter();

/** Runs the lookup: at most one row. */
export function runPointLookup(lookup: PointLookup, catalog: CatalogView, reader: RowReader, params: readonly (Row[number])[], context: EvalContext): Row[] {
  const definition = catalog.table(lookup.table.id);
  if (definition === undefined) throw new Error(`table ${lookup.table.name} (id ${lookup.table.id}) is not in the catalog`);
  const layout = layoutOf(definition);
  const writer = scratchWriter;
  writer.reset();
  writer.appendUint32(lookup.keyspace);
  for (let i = 0; i < lookup.keyValues.length; i++) {
    const value = lookup.keyValues[i]?.([], params, context) ?? null;
    if (value === null) return []; // equality never matches NULL
    appendKeyValue(writer, layout.oids[lookup.keyColumns[i] ?? 0] ?? TypeOid.text, value);
  }
  const key = writer.finish();
  let rowKey = key;
  let bytes = reader.get(key);
  if (bytes !== undefined && !lookup.isPrimary) {
    rowKey = withPrefix(definition.id, bytes);
    bytes = reader.get(rowKey);
  }
  if (bytes === undefined) return [];
  const row = layout.decode(rowKey, bytes);
  if (lookup.filter !== undefined && lookup.filter(row, params, context) !== true) return [];
  if (lookup.projection === undefined) return [row];
  return [lookup.projection.map((expr) => expr(row, params, context))];
}
