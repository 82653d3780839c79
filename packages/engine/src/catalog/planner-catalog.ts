/**
 * The planner's `Catalog` over a transaction's `CatalogView`: tables as the planner sees them
 * (columns, the primary key and secondary indexes, statistics). A table without a primary key
 * gets the system column `ctid` last: its row id, which UPDATE and DELETE address rows by.
 */
import { TypeOid, assert } from "@omnikv/base";
import { parse } from "@omnikv/parser";
import type { Catalog, CatalogIndex, CatalogTable, CatalogView as PlannerView, TableStatistics } from "@omnikv/planner";
import type { CatalogView } from "./catalog-store.ts";
import type { StatisticsById, TableDefinition, ViewDefinition } from "./definitions.ts";
import { resolveSystemTable, sequenceRelation } from "./system-tables.ts";
import { bindTableExpr } from "../storage/row-writer.ts";

export const rowIdColumnName = "ctid";

export class PlannerCatalog implements Catalog {
  readonly #view: CatalogView;
  readonly #searchPath: () => readonly string[];
  readonly #statistics: () => StatisticsById;

  constructor(view: CatalogView, searchPath: () => readonly string[], statistics: () => StatisticsById) {
    this.#view = view;
    this.#searchPath = searchPath;
    this.#statistics = statistics;
  }

  get version(): number {
    return this.#view.version;
  }

  findView(schema: string | undefined, name: string): PlannerView | undefined {
    const relation = this.#view.findRelation(schema, name, this.#searchPath());
    if (relation?.kind !== "view") return undefined;
    return viewOf(relation);
  }

  findTable(schema: string | undefined, name: string): CatalogTable | undefined {
    const system = resolveSystemTable(schema, name, this.#searchPath(), (s) => this.#view.relation(s, name) !== undefined);
    if (system !== undefined) return system;
    const relation = this.#view.findRelation(schema, name, this.#searchPath());
    if (relation?.kind === "sequence") return sequenceRelation(relation);
    if (relation?.kind !== "table") return undefined;
    return catalogTableOf(relation, this.#statistics().get(relation.id));
  }
}

const views = new WeakMap<ViewDefinition, PlannerView>();

/** The planner's view of a stored view: its query parsed once per definition. */
function viewOf(definition: ViewDefinition): PlannerView {
  let view = views.get(definition);
  if (view === undefined) {
    const [query] = parse(definition.sql);
    assert(query?.kind === "select", "a stored view is a SELECT");
    view = { schema: definition.schema, name: definition.name, query, columns: definition.columns };
    views.set(definition, view);
  }
  return view;
}

const tables = new WeakMap<TableDefinition, { readonly statistics: TableStatistics | undefined; readonly table: CatalogTable }>();

export function catalogTableOf(definition: TableDefinition, statistics: TableStatistics | undefined): CatalogTable {
  const cached = tables.get(definition);
  if (cached !== undefined && cached.statistics === statistics) return cached.table;
  const columns = definition.columns.map((c) => ({ name: c.name, type: { oid: c.typeOid, typmod: c.typmod }, isNotNull: c.isNotNull }));
  if (definition.primaryKey === undefined) columns.push({ name: rowIdColumnName, type: { oid: TypeOid.int8, typmod: -1 }, isNotNull: true, isSystem: true } as (typeof columns)[number]);
  const indexes: CatalogIndex[] = [];
  const primaryKey = definition.primaryKey;
  if (primaryKey !== undefined) indexes.push({ id: primaryKey.id, name: primaryKey.name, columns: primaryKey.columns, isUnique: true, isPrimary: true });
  for (const index of definition.indexes) {
    const predicate = index.predicate === undefined ? {} : { predicate: bindTableExpr(definition, index.predicate) };
    const expressions = index.expressions === undefined ? {} : { expressions: index.expressions.map((sql) => (sql === null ? undefined : bindTableExpr(definition, sql))) };
    indexes.push({ id: index.id, name: index.name, columns: index.columns, isUnique: index.isUnique, isPrimary: false, ...predicate, ...expressions });
  }
  const table: CatalogTable = {
    id: definition.id,
    schema: definition.schema,
    name: definition.name,
    columns,
    indexes,
    ...(statistics === undefined ? {} : { statistics, rowCountEstimate: statistics.rowCount }),
  };
  tables.set(definition, { statistics, table });
  return table;
}
