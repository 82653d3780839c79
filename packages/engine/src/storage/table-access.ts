/**
 * The executor's `TableAccess` over one transaction: table scans are range scans of the table's
 * keyspace at the transaction's snapshot (with its own writes merged in), index scans are range
 * scans of the index keyspace followed by a point read of each row. Rows stream; nothing is
 * materialized here.
 */
import { TypeOid, type SqlValue } from "@omnikv/base";
import type { IndexScanRequest, Row, ScanOptions, TableAccess } from "@omnikv/executor";
import type { CatalogTable } from "@omnikv/planner";
import type { MvccSnapshot, MvccStore } from "@omnikv/txn";
import type { CatalogView } from "../catalog/catalog-store.ts";
import { indexStorage, type TableDefinition } from "../catalog/definitions.ts";
import { KeyWriter, prefixEnd } from "../encoding/key-codec.ts";
import { relationEnd, relationPrefix, withPrefix } from "./keys.ts";
import { indexKeyOids } from "./row-writer.ts";
import { appendKeyValue, layoutOf, type TableLayout } from "./table-layout.ts";

/** The marker byte of a NULL key column (ascending, NULLS LAST): every non-NULL value sorts before it. */
const nullMarker = 0x02;

/** What table access reads through: a transaction (which `Transaction` is) or a bare store snapshot. */
export interface RowReader {
  /** The snapshot reads are at; absent when they read the newest state. */
  readonly snapshotSequence?: number;
  get(key: Uint8Array): Uint8Array | undefined;
  scan(options: { readonly gte?: Uint8Array; readonly lt?: Uint8Array; readonly reverse?: boolean }): Iterable<[Uint8Array, Uint8Array]>;
}

/**
 * Reads at one store snapshot without a transaction: what a single autocommit SELECT under READ
 * COMMITTED or REPEATABLE READ needs (one consistent snapshot, no locks, no conflict tracking).
 */

/** The writer of point lookups' keys (see `#point`). */
const pointKeyWriter = new KeyWriter();

export class SnapshotReader implements RowReader {
  readonly #store: MvccStore;
  readonly #snapshot: MvccSnapshot;

  constructor(store: MvccStore) {
    this.#store = store;
    this.#snapshot = store.snapshot();
  }

  get snapshotSequence(): number {
    return this.#snapshot.sequence;
  }

  get(key: Uint8Array): Uint8Array | undefined {
    return this.#store.get(key, { snapshot: this.#snapshot });
  }

  scan(options: { readonly gte?: Uint8Array; readonly lt?: Uint8Array; readonly reverse?: boolean }): Iterable<[Uint8Array, Uint8Array]> {
    return this.#store.scan({ ...options, snapshot: this.#snapshot });
  }

  release(): void {
    this.#snapshot.release();
  }
}

export class TxnTableAccess implements TableAccess {
  readonly #txn: RowReader;
  readonly #catalog: CatalogView;

  constructor(txn: RowReader, catalog: CatalogView) {
    this.#txn = txn;
    this.#catalog = catalog;
  }

  *scan(table: CatalogTable, options: ScanOptions = {}): Iterable<Row> {
    const layout = this.#layout(table);
    for (const [key, value] of this.#txn.scan({ gte: relationPrefix(layout.storage), lt: relationEnd(layout.storage) })) yield layout.decode(key, value, options.columns);
  }

  *scanIndex(table: CatalogTable, request: IndexScanRequest): Iterable<Row> {
    const layout = this.#layout(table);
    const definition = layout.definition;
    const isPrimary = request.index.isPrimary;
    const index = isPrimary ? undefined : definition.indexes.find((i) => i.id === request.index.id);
    const columns = isPrimary ? (definition.primaryKey?.columns ?? []) : (index?.columns ?? []);
    // Each key element's type: its column's, or an expression index element's expression's.
    const keyOids = index?.expressions === undefined ? columns.map((c) => layout.oids[c] ?? TypeOid.text) : indexKeyOids(definition, index);
    if (!isPrimary && index === undefined) throw new Error(`index ${request.index.name} of table ${table.name} is not in the catalog`);
    const keyspace = index === undefined ? layout.storage : indexStorage(index);
    if (isPointLookup(request, columns.length)) {
      yield* this.#point(layout, keyspace, keyOids, request);
      return;
    }
    const range = keyRange(keyspace, keyOids, request);
    const entries = this.#txn.scan({ ...range, reverse: request.isReverse });
    if (isPrimary) {
      for (const [key, value] of entries) yield layout.decode(key, value, request.columns);
      return;
    }
    for (const [, suffix] of entries) {
      const key = withPrefix(layout.storage, suffix);
      const value = this.#txn.get(key);
      if (value !== undefined) yield layout.decode(key, value, request.columns);
    }
  }

  /**
   * Equality on every column of the primary key or of a unique index: one point read instead of
   * a range scan (a unique entry without NULLs is keyed by its columns alone; equality never
   * matches NULL). A non-unique-form entry cannot exist for non-NULL values of a unique index.
   */
  *#point(layout: TableLayout, keyspace: number, keyOids: readonly number[], request: IndexScanRequest): Iterable<Row> {
    // Built whole before the first yield, so one writer serves every lookup.
    const writer = pointKeyWriter;
    writer.reset();
    writer.appendUint32(keyspace);
    request.equal.forEach((value, i) => appendKeyValue(writer, keyOids[i] ?? TypeOid.text, value));
    const key = writer.finish();
    const value = this.#txn.get(key);
    if (value === undefined) return;
    if (request.index.isPrimary) {
      yield layout.decode(key, value);
      return;
    }
    const rowKey = withPrefix(layout.storage, value);
    const row = this.#txn.get(rowKey);
    if (row !== undefined) yield layout.decode(rowKey, row);
  }

  #layout(table: CatalogTable): TableLayout {
    const definition: TableDefinition | undefined = this.#catalog.table(table.id);
    if (definition === undefined) throw new Error(`table ${table.name} (id ${table.id}) is not in the catalog`);
    this.#catalog.assertStorageVisible(table.id, this.#txn.snapshotSequence, table.name);
    return layoutOf(definition);
  }
}

function isPointLookup(request: IndexScanRequest, keyColumns: number): boolean {
  return request.index.isUnique && request.equal.length === keyColumns && request.lower === undefined && request.upper === undefined;
}

/** The store range `[gte, lt)` of an index scan request over keyspace `id` whose key columns have `oids`. */
export function keyRange(id: number, oids: readonly number[], request: IndexScanRequest): { readonly gte: Uint8Array; readonly lt: Uint8Array } {
  const prefix = new KeyWriter();
  prefix.appendUint32(id);
  request.equal.forEach((value, i) => appendKeyValue(prefix, oids[i] ?? TypeOid.text, value));
  const base = prefix.finish();
  const nextOid = oids[request.equal.length] ?? TypeOid.text;
  const end = prefixEnd(base) ?? relationEnd(id);
  if (request.lower === undefined && request.upper === undefined) return { gte: base, lt: end };
  const gte = request.lower === undefined ? base : bound(base, nextOid, request.lower.value, !request.lower.isInclusive);
  // A range condition never matches NULL, and NULLs sort last: stop before them.
  const lt = request.upper === undefined ? concat(base, new Uint8Array([nullMarker])) : bound(base, nextOid, request.upper.value, request.upper.isInclusive);
  return { gte, lt };
}

/** `base` + the encoded value, or the first key after every key starting with that (`isAfter`). */
function bound(base: Uint8Array, oid: number, value: SqlValue, isAfter: boolean): Uint8Array {
  const writer = new KeyWriter();
  writer.appendBytes(base);
  appendKeyValue(writer, oid, value);
  const key = writer.finish();
  return isAfter ? (prefixEnd(key) ?? key) : key;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
