/**
 * How one version of a table's definition maps rows to keys and values: the row key (table id +
 * encoded primary key, or + row id), the row value (encoding/row-codec.ts, user columns only),
 * and each index's entry. One `TableLayout` is made per `TableDefinition` object and cached.
 */
import { TypeOid, assert, parseTimeZone, parseValue, type SqlValue, type TextIoSettings } from "@omnikv/base";
import type { Row } from "@omnikv/executor";
import { indexStorage, tableStorage, type IndexDefinition, type TableDefinition } from "../catalog/definitions.ts";
import { KeyWriter } from "../encoding/key-codec.ts";
import { decodeRow, encodeRow } from "../encoding/row-codec.ts";
import { readRowId, rowIdSuffix, withPrefix } from "./keys.ts";
import { withUserTypes } from "../catalog/enum-values.ts";

/** The canonical text settings of stored text (attmissingval): independent of any session. */
export const storageTextSettings: TextIoSettings = { extraFloatDigits: 3, timeZone: parseTimeZone("UTC") };

const tableSettings = new WeakMap<TableDefinition, TextIoSettings>();

/**
 * The storage settings for a table's stored text and expressions (defaults, CHECK, predicates,
 * index expressions, attmissingval): with its columns' enum types, which the table keeps.
 */
export function tableTextSettings(definition: TableDefinition): TextIoSettings {
  let settings = tableSettings.get(definition);
  if (settings === undefined) {
    settings = withUserTypes(storageTextSettings, definition.enumTypes ?? [], definition.domains ?? []);
    tableSettings.set(definition, settings);
  }
  return settings;
}

const integerOids: ReadonlySet<number> = new Set([TypeOid.int2, TypeOid.int4, TypeOid.int8]);

/**
 * Appends a key column. Integers of every width encode as int8, so a bound of another integer
 * type (the planner allows int4 = int8 comparisons as index conditions) compares correctly.
 */
export function appendKeyValue(writer: KeyWriter, oid: number, value: SqlValue): void {
  // An int2/int4 value (or a safe int8 one) skips the bigint: the same bytes, cheaper (hot on point lookups and inserts).
  if (typeof value === "number" && Number.isSafeInteger(value) && integerOids.has(oid)) {
    writer.appendInt8Number(value);
  } else if (integerOids.has(oid) && (typeof value === "number" || typeof value === "bigint")) {
    writer.appendValue(TypeOid.int8, BigInt(value));
  } else {
    writer.appendValue(oid, value);
  }
}

export interface IndexEntry {
  readonly key: Uint8Array;
  /** True when the key holds only the indexed columns (a unique index entry without NULLs). */
  readonly isUniqueKey: boolean;
}


/** `rowKey`'s and `keySuffix`'s writer: a key is built synchronously from start to `finish`, so one serves every call. */
const rowKeyWriter = new KeyWriter();

export class TableLayout {
  readonly definition: TableDefinition;
  /** The key prefix of its rows (`tableStorage`). */
  readonly storage: number;
  readonly oids: readonly number[];
  /** The values rows written before each column existed read as. */
  readonly #missing: readonly SqlValue[];
  readonly hasRowId: boolean;
  /** Width of a row as the executor sees it: user columns, then `ctid` when there is no primary key. */
  readonly width: number;

  constructor(definition: TableDefinition) {
    this.definition = definition;
    this.storage = tableStorage(definition);
    this.oids = definition.columns.map((c) => c.typeOid);
    this.#missing = definition.columns.map((c) => (c.missingText === undefined ? null : parseValue(c.typeOid, c.missingText, tableTextSettings(definition))));
    this.hasRowId = definition.primaryKey === undefined;
    this.width = definition.columns.length + (this.hasRowId ? 1 : 0);
  }

  /** The row of `key` and `value`; with `columns`, only those are decoded (the others are NULL). */
  decode(key: Uint8Array, value: Uint8Array, columns?: ReadonlySet<number>): Row {
    const { values } = decodeRow(value, this.oids, columns);
    for (let i = values.length; i < this.oids.length; i++) values.push(this.#missing[i] ?? null);
    if (this.hasRowId) values.push(readRowId(key));
    return values;
  }

  encodeValue(row: Row): Uint8Array {
    return encodeRow(this.definition.schemaVersion, this.oids, row.length === this.oids.length ? row : row.slice(0, this.oids.length));
  }

  /** The row key after the table prefix: the encoded primary key, or the row id. */
  keySuffix(row: Row): Uint8Array {
    const primaryKey = this.definition.primaryKey;
    if (primaryKey === undefined) {
      const rowId = row[this.oids.length];
      if (typeof rowId !== "bigint") throw new TypeError("a row of a table without a primary key carries its row id");
      return rowIdSuffix(rowId);
    }
    const writer = rowKeyWriter;
    writer.reset();
    for (const column of primaryKey.columns) appendKeyValue(writer, this.oids[column] ?? TypeOid.text, row[column] ?? null);
    return writer.finish();
  }

  /**
   * The row's whole key: table prefix and primary key (or row id), built in one buffer. Every row
   * write and re-check makes one; prefix and suffix built apart and joined cost four arrays a key.
   */
  rowKey(row: Row): Uint8Array {
    const primaryKey = this.definition.primaryKey;
    if (primaryKey === undefined) return withPrefix(this.storage, this.keySuffix(row));
    const writer = rowKeyWriter;
    writer.reset();
    writer.appendUint32(this.storage);
    for (const column of primaryKey.columns) appendKeyValue(writer, this.oids[column] ?? TypeOid.text, row[column] ?? null);
    return writer.finish();
  }

  /** The entry of `row` in an index of plain columns (an expression index's go through `indexEntryOf`). */
  indexEntry(index: IndexDefinition, row: Row, keySuffix: Uint8Array): IndexEntry {
    assert(index.expressions === undefined, "an expression index's keys are computed by IndexKeys");
    const writer = new KeyWriter();
    writer.appendUint32(indexStorage(index));
    let hasNull = false;
    for (const column of index.columns) {
      const value = row[column] ?? null;
      hasNull ||= value === null;
      appendKeyValue(writer, this.oids[column] ?? TypeOid.text, value);
    }
    return this.#finishEntry(writer, index.isUnique && !hasNull, keySuffix);
  }

  /** The index entry with key values `values` of types `oids`, pointing at the row `keySuffix`. */
  indexEntryOf(index: IndexDefinition, values: readonly SqlValue[], oids: readonly number[], keySuffix: Uint8Array): IndexEntry {
    const writer = new KeyWriter();
    writer.appendUint32(indexStorage(index));
    let hasNull = false;
    values.forEach((value, i) => {
      hasNull ||= value === null;
      appendKeyValue(writer, oids[i] ?? TypeOid.text, value);
    });
    return this.#finishEntry(writer, index.isUnique && !hasNull, keySuffix);
  }

  /** A unique entry without NULLs is keyed by its values alone; any other also by the row it points at. */
  #finishEntry(writer: KeyWriter, isUniqueKey: boolean, keySuffix: Uint8Array): IndexEntry {
    if (!isUniqueKey) writer.appendBytes(keySuffix);
    return { key: writer.finish(), isUniqueKey };
  }
}

const layouts = new WeakMap<TableDefinition, TableLayout>();

export function layoutOf(definition: TableDefinition): TableLayout {
  let layout = layouts.get(definition);
  if (layout === undefined) {
    layout = new TableLayout(definition);
    layouts.set(definition, layout);
  }
  return layout;
}
