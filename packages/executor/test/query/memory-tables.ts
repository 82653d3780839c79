/**
 * In-memory tables for the query tests: a `Catalog` and a `TableAccess` over arrays of rows,
 * built from a compact description, plus the SQL that creates the same tables in PostgreSQL.
 */
import { Numeric, TypeOid, compareText, formatValue, parseTimeZone, parseValue, type SqlValue, type TextIoSettings } from "@omnikv/base";
import { builtinAggregates, builtinRegistry, compilePlan, type EvalContext, type IndexScanRequest, type Row, type ScanOptions, type TableAccess } from "@omnikv/executor";
import { parse, type SelectStatement, type Statement } from "@omnikv/parser";
import { planSelect, resolveTypeName, type Catalog, type CatalogTable, type JoinMethods, type PlanColumn } from "@omnikv/planner";

export interface TableSpec {
  readonly name: string;
  /** Column name and SQL type name, e.g. `["a", "int4"]`. */
  readonly columns: readonly (readonly [string, string])[];
  /** Rows as PostgreSQL literals (text), `null` for NULL. */
  readonly rows: readonly (readonly (string | null)[])[];
  /** Indexes over named columns, which the planner may scan instead of the table. */
  readonly indexes?: readonly { readonly name: string; readonly columns: readonly string[]; readonly isUnique?: boolean }[];
  /** Give the planner the table's row count (`rowCountEstimate`); without it every table is guessed alike. */
  readonly isCounted?: boolean;
}

const typeOids: ReadonlyMap<string, number> = new Map([
  ["int4", TypeOid.int4],
  ["int8", TypeOid.int8],
  ["text", TypeOid.text],
  ["numeric", TypeOid.numeric],
  ["float8", TypeOid.float8],
  ["bool", TypeOid.bool],
  ["int2", TypeOid.int2],
  ["float4", TypeOid.float4],
  ["date", TypeOid.date],
  ["time", TypeOid.time],
  ["timestamp", TypeOid.timestamp],
  ["timestamptz", TypeOid.timestamptz],
  ["interval", TypeOid.interval],
  ["uuid", TypeOid.uuid],
  ["bytea", TypeOid.bytea],
  ["bpchar", TypeOid.bpchar],
]);

export const settings: TextIoSettings = { extraFloatDigits: 1, timeZone: parseTimeZone("UTC") };
export const context: EvalContext = { extraFloatDigits: 1, timeZone: "UTC", transactionStartMicros: 0n };

export class MemoryDatabase implements Catalog, TableAccess {
  readonly #tables = new Map<string, { readonly table: CatalogTable; readonly rows: Row[] }>();
  /** The planner's enable_hashjoin / enable_mergejoin for the next queries (both on when unset). */
  joinMethods: JoinMethods | undefined;

  constructor(specs: readonly TableSpec[]) {
    specs.forEach((spec, id) => {
      const columns = spec.columns.map(([name, type]) => {
        const oid = typeOids.get(type);
        if (oid === undefined) throw new Error(`no type ${type}`);
        return { name, type: { oid, typmod: -1 }, isNotNull: false };
      });
      const indexes = (spec.indexes ?? []).map((index, i) => ({
        id: (id + 1) * 100 + i,
        name: index.name,
        columns: index.columns.map((name) => spec.columns.findIndex(([column]) => column === name)),
        isUnique: index.isUnique ?? false,
        isPrimary: false,
      }));
      const table: CatalogTable = { id: id + 1, schema: "public", name: spec.name, columns, indexes, ...(spec.isCounted === true ? { rowCountEstimate: spec.rows.length } : {}) };
      const rows = spec.rows.map((row) => row.map((text, i): SqlValue => (text === null ? null : parseValue(columns[i]?.type.oid ?? TypeOid.text, text, settings))));
      this.#tables.set(spec.name, { table, rows: [...rows] });
    });
  }

  findTable(schema: string | undefined, name: string): CatalogTable | undefined {
    if (schema !== undefined && schema !== "public") return undefined;
    return this.#tables.get(name)?.table;
  }

  /** Rows with the columns the plan does not read set to NULL, as the engine may: wrong pruning shows. */
  scan(table: CatalogTable, options: ScanOptions = {}): Iterable<Row> {
    return readOnly(this.#tables.get(table.name)?.rows ?? [], options.columns);
  }

  /** An index scan done the slow way: filter by the key range, sort by the key (NULLs last). */
  scanIndex(table: CatalogTable, request: IndexScanRequest): Iterable<Row> {
    const rows = this.#tables.get(table.name)?.rows ?? [];
    const columns = request.index.columns;
    const matches = rows.filter((row) => {
      const isEqual = request.equal.every((value, i) => compareValues(row[columns[i] ?? -1] ?? null, value) === 0);
      const next = row[columns[request.equal.length] ?? -1] ?? null;
      const isAbove = request.lower === undefined || (next !== null && compareValues(next, request.lower.value) > (request.lower.isInclusive ? -1 : 0));
      const isBelow = request.upper === undefined || (next !== null && compareValues(next, request.upper.value) < (request.upper.isInclusive ? 1 : 0));
      return isEqual && isAbove && isBelow;
    });
    const sorted = matches.toSorted((a, b) => {
      for (const column of columns) {
        const order = compareValues(a[column] ?? null, b[column] ?? null);
        if (order !== 0) return order;
      }
      return 0;
    });
    return readOnly(request.isReverse ? sorted.toReversed() : sorted, request.columns);
  }

  /** Runs one SELECT; rows come back as PostgreSQL's text forms. */
  query(sql: string): { readonly columns: readonly PlanColumn[]; readonly rows: (string | null)[][] } {
    const { columns, rows } = this.select(sql);
    return { columns, rows: rows.map((row) => row.map((value, i) => (value === null ? null : formatValue(columns[i]?.type.oid ?? TypeOid.text, value, settings)))) };
  }

  /** Runs one SELECT; rows come back as runtime values. */
  select(sql: string): { readonly columns: readonly PlanColumn[]; readonly rows: Row[] } {
    const [statement] = parse(sql);
    if (statement === undefined || statement.kind !== "select") throw new Error(`not one SELECT: ${sql}`);
    return this.#run(statement, sql);
  }

  #run(statement: SelectStatement, sql: string): { readonly columns: readonly PlanColumn[]; readonly rows: Row[] } {
    const joinMethods = this.joinMethods;
    const bound = planSelect(statement, { catalog: this, settings, paramTypes: [], sql, ctes: [], ...(joinMethods === undefined ? {} : { joinMethods }) });
    const run = compilePlan(bound.plan, { registry: builtinRegistry, aggregates: builtinAggregates });
    return { columns: bound.columns, rows: [...run({ tables: this, context, params: [] })] };
  }

  /**
   * Just enough DDL and DML for the test corpora: CREATE TABLE (columns and types only; other
   * clauses ignored), CREATE INDEX (ignored: these tables have no indexes) and INSERT of a query's
   * rows (values converted to the column types through their text form).
   */
  execute(sql: string): void {
    for (const statement of parse(sql)) this.#execute(statement, sql);
  }

  #execute(statement: Statement, sql: string): void {
    if (statement.kind === "create_table") {
      const name = statement.name.at(-1) ?? "";
      const columns = statement.columns.map((c) => ({ name: c.name, type: { oid: resolveTypeName(c.type).oid, typmod: -1 }, isNotNull: false }));
      this.#tables.set(name, { table: { id: this.#tables.size + 1, schema: "public", name, columns }, rows: [] });
    } else if (statement.kind === "create_index") {
      return;
    } else if (statement.kind === "insert" && statement.source !== undefined) {
      const target = this.#tables.get(statement.table.at(-1) ?? "");
      if (target === undefined) throw new Error(`no table ${statement.table.join(".")}`);
      const names = statement.columns.length > 0 ? statement.columns : target.table.columns.map((c) => c.name);
      const positions = names.map((name) => target.table.columns.findIndex((c) => c.name === name));
      const source = this.#run(statement.source, sql);
      for (const row of source.rows) {
        const stored: SqlValue[] = target.table.columns.map(() => null);
        positions.forEach((position, i) => {
          const value = row[i] ?? null;
          const oid = target.table.columns[position]?.type.oid ?? TypeOid.text;
          stored[position] = value === null ? null : parseValue(oid, formatValue(source.columns[i]?.type.oid ?? TypeOid.text, value, settings), settings);
        });
        target.rows.push(stored);
      }
    } else {
      throw new Error(`the memory database does not run ${statement.kind}`);
    }
  }
}

/** `CREATE TABLE` and `INSERT` statements that make the same tables in PostgreSQL. */
export function postgresSetup(specs: readonly TableSpec[]): string[] {
  return specs.flatMap((spec) => {
    const create = `CREATE TABLE ${spec.name} (${spec.columns.map(([name, type]) => `${name} ${type}`).join(", ")})`;
    if (spec.rows.length === 0) return [create];
    const literal = (text: string | null): string => (text === null ? "NULL" : `'${text.replaceAll("'", "''")}'`);
    const values = spec.rows.map((row) => `(${row.map(literal).join(", ")})`).join(", ");
    return [create, `INSERT INTO ${spec.name} VALUES ${values}`];
  });
}

/** The btree order of the test tables' values, NULLs last. */
function compareValues(a: SqlValue, b: SqlValue): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  if (typeof a === "string" && typeof b === "string") return compareText(a, b);
  if (a instanceof Numeric && b instanceof Numeric) return a.compare(b);
  if ((typeof a === "number" || typeof a === "bigint" || typeof a === "boolean") && (typeof b === "number" || typeof b === "bigint" || typeof b === "boolean")) return a < b ? -1 : a > b ? 1 : 0;
  throw new Error("the test tables compare numbers, bigints, booleans, strings and numerics");
}

function readOnly(rows: readonly Row[], columns: ReadonlySet<number> | undefined): readonly Row[] {
  if (columns === undefined) return rows;
  return rows.map((row) => row.map((value, i) => (columns.has(i) ? value : null)));
}
