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
import { indexStorage, type TableDefinition } from "../catalog/definitions.ts";
import { KeyWriter } from "../encoding/key-codec.ts";
import { withPrefix } from "../storage/keys.ts";
import type { RowReader } from "../storage/table-access.ts";
import { appendKeyValue, layoutOf, type TableLayout } from "../storage/table-layout.ts";

export interface PointLookup {
  readonly table: CatalogTable;
  readonly isPrimary: boolean;
  /** The unique index read first, or undefined for the primary key (the table's own keys). */
  readonly indexId: number | undefined;
  readonly keyColumns: readonly number[];
  readonly keyValues: readonly CompiledExpr[];
  /**
   * Per key column, when its value is an undeclared parameter read as an integer type (`id = $1`
   * without a declared type: `$1::int4` by text input): that parameter and type. A JavaScript
   * number bound to it then becomes the key without its text round trip (see `integerKeyParam`).
   */
  readonly keyParams: readonly (KeyParam | undefined)[];
  /** The key parameters (0-based index → integer type) the plan refers to nowhere else. */
  readonly keyOnlyParams: ReadonlyMap<number, number>;
  readonly filter: CompiledExpr | undefined;
  readonly projection: readonly CompiledExpr[] | undefined;
}

/** An undeclared parameter (0-based `index`) cast by text input to the integer type `oid`. */
interface KeyParam {
  readonly index: number;
  readonly oid: number;
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
  const keyParams = node.equal.map(keyParamOf);
  const references = new Map<number, number>();
  countParamReferences(plan, references);
  const keyOnlyParams = new Map<number, number>();
  for (const keyParam of keyParams) {
    if (keyParam !== undefined && references.get(keyParam.index) === 1) keyOnlyParams.set(keyParam.index, keyParam.oid);
  }
  return {
    table: node.table,
    isPrimary: node.index.isPrimary,
    indexId: node.index.isPrimary ? undefined : node.index.id,
    keyColumns: node.index.columns,
    keyValues: node.equal.map((expr) => compileExpr(expr, registry)),
    keyParams,
    keyOnlyParams,
    filter: filter === undefined ? undefined : compileExpr(filter, registry),
    projection: projection?.map((expr) => compileExpr(expr, registry)),
  };
}

/** The key expression as an undeclared parameter cast by text input to an integer type, when it is one. */
function keyParamOf(expr: BoundExpr): KeyParam | undefined {
  if (expr.kind !== "cast" || expr.method !== "io" || expr.expr.kind !== "param" || expr.expr.type.oid !== TypeOid.unknown) return undefined;
  const oid = expr.type.oid;
  if (oid !== TypeOid.int2 && oid !== TypeOid.int4 && oid !== TypeOid.int8) return undefined;
  return { index: expr.expr.index - 1, oid };
}

/** Counts the references to each parameter (0-based) in a plan or expression tree. */
function countParamReferences(node: unknown, references: Map<number, number>): void {
  if (typeof node !== "object" || node === null) return;
  if ("kind" in node && node.kind === "param" && "index" in node && typeof node.index === "number") {
    references.set(node.index - 1, (references.get(node.index - 1) ?? 0) + 1);
  }
  for (const value of Object.values(node)) if (typeof value === "object") countParamReferences(value, references);
}

/**
 * Whether the client's parameter `raw` at `index` needs no conversion for this lookup: only the
 * key reads it, and `runPointLookup` takes it as it is (see `integerKeyParam`), so its text form
 * would never be read.
 */
export function isKeyOnlyParam(lookup: PointLookup, index: number, raw: unknown): boolean {
  const oid = lookup.keyOnlyParams.get(index);
  return oid !== undefined && integerKeyParam(raw, oid) !== undefined;
}

/**
 * The key value the cast of `String(raw)` to `oid` gives, for a JavaScript integer in the type's
 * range (decimal text of such a number parses back to it; -0 prints as "0"); undefined for
 * anything else, which takes the text path and its errors (22P02, 22003). Only the key is made
 * from it, and the key encodes every integer type as int8, so a number stands for an int8 too.
 */
function integerKeyParam(raw: unknown, oid: number): number | undefined {
  if (typeof raw !== "number" || !Number.isInteger(raw)) return undefined;
  const isInRange =
    oid === TypeOid.int4 ? raw >= -0x8000_0000 && raw <= 0x7fff_ffff : oid === TypeOid.int2 ? raw >= -0x8000 && raw <= 0x7fff : Number.isSafeInteger(raw);
  return isInRange ? raw : undefined;
}

/** Subqueries read tables through the executor's table access; such plans take the general path. */
function hasSubquery(node: unknown): boolean {
  if (typeof node !== "object" || node === null) return false;
  if ("kind" in node && typeof node.kind === "string" && node.kind.includes("subquery")) return true;
  return Object.values(node).some((value) => typeof value === "object" && hasSubquery(value));
}

/**
 * The storage the lookup reads first, from the definition as it is now: TRUNCATE and table
 * rewrites move a table and its indexes to new storage ids under a kept plan.
 */
function lookupKeyspace(lookup: PointLookup, definition: TableDefinition, layout: TableLayout): number {
  if (lookup.indexId === undefined) return layout.storage;
  const index = definition.indexes.find((i) => i.id === lookup.indexId);
  if (index === undefined) throw new Error(`index ${lookup.indexId} of table ${definition.name} is not in the catalog`);
  return indexStorage(index);
}

/** Reused for every lookup (keys are copied out by `finish`): one allocation fewer per statement. */
const scratchWriter = new KeyWriter();

/**
 * Runs the lookup: at most one row. `rawParams`, when given, are the client's parameters before
 * their conversion to `params` (see `PointLookup.keyParams`).
 */
export function runPointLookup(
  lookup: PointLookup,
  catalog: CatalogView,
  reader: RowReader,
  params: readonly (Row[number])[],
  context: EvalContext,
  rawParams?: readonly unknown[],
): Row[] {
  const definition = catalog.table(lookup.table.id);
  if (definition === undefined) throw new Error(`table ${lookup.table.name} (id ${lookup.table.id}) is not in the catalog`);
  catalog.assertStorageVisible(definition.id, reader.snapshotSequence, definition.name);
  const layout = layoutOf(definition);
  const writer = scratchWriter;
  writer.reset();
  writer.appendUint32(lookupKeyspace(lookup, definition, layout));
  for (let i = 0; i < lookup.keyValues.length; i++) {
    const keyParam = lookup.keyParams[i];
    const direct = keyParam === undefined || rawParams === undefined ? undefined : integerKeyParam(rawParams[keyParam.index], keyParam.oid);
    const value = direct ?? lookup.keyValues[i]?.([], params, context) ?? null;
    if (value === null) return []; // equality never matches NULL
    appendKeyValue(writer, layout.oids[lookup.keyColumns[i] ?? 0] ?? TypeOid.text, value);
  }
  const key = writer.finish();
  let rowKey = key;
  let bytes = reader.get(key);
  if (bytes !== undefined && !lookup.isPrimary) {
    rowKey = withPrefix(layout.storage, bytes);
    bytes = reader.get(rowKey);
  }
  if (bytes === undefined) return [];
  const row = layout.decode(rowKey, bytes);
  if (lookup.filter !== undefined && lookup.filter(row, params, context) !== true) return [];
  if (lookup.projection === undefined) return [row];
  return [lookup.projection.map((expr) => expr(row, params, context))];
}
