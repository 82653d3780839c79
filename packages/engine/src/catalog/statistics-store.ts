/**
 * Table statistics kept in the store, so plans are as good after a restart as before it. Like
 * PostgreSQL's pg_statistic, they are written by ANALYZE outside the transaction that reads them
 * (not transactional, unsynced: losing the newest statistics in a crash only costs an ANALYZE).
 * Values (most common values, histogram bounds) are stored in their text form, per column type.
 *
 *   [u32 5][u32 table id]   JSON { rowCount, columns: [{ nullFraction, distinctCount, mostCommon, histogram }] }
 */
import { formatValue, parseValue } from "@omnikv/base";
import type { TableStatistics } from "@omnikv/planner";
import type { MvccStore } from "@omnikv/txn";
import type { TableDefinition } from "./definitions.ts";
import { relationPrefix, statisticsKeyspace } from "../storage/keys.ts";
import { tableTextSettings } from "../storage/table-layout.ts";

interface StoredColumn {
  readonly nullFraction: number;
  readonly distinctCount: number;
  readonly mostCommon: readonly { readonly value: string; readonly frequency: number }[];
  readonly histogram: readonly string[];
}

interface StoredStatistics {
  readonly rowCount: number;
  /** The table's schema version they were gathered at: after ALTER TABLE they are discarded. */
  readonly schemaVersion: number;
  readonly columns: readonly StoredColumn[];
}

function statisticsKey(tableId: number): Uint8Array {
  const key = new Uint8Array(8);
  const view = new DataView(key.buffer);
  view.setUint32(0, statisticsKeyspace);
  view.setUint32(4, tableId);
  return key;
}

/** Records `statistics` of `table` (fire and forget: ordered in the log before later commits). */
export function storeStatistics(store: MvccStore, table: TableDefinition, statistics: TableStatistics): Promise<number> {
  const stored: StoredStatistics = {
    rowCount: statistics.rowCount,
    schemaVersion: table.schemaVersion,
    columns: statistics.columns.map((column, i) => {
      const oid = table.columns[i]?.typeOid;
      const text = (value: Parameters<typeof formatValue>[1]): string => (oid === undefined || value === null ? "" : formatValue(oid, value, tableTextSettings(table)));
      return {
        nullFraction: column.nullFraction,
        distinctCount: column.distinctCount,
        mostCommon: column.mostCommon.map((entry) => ({ value: text(entry.value), frequency: entry.frequency })),
        histogram: column.histogram.map(text),
      };
    }),
  };
  return store.write([{ type: "put", key: statisticsKey(table.id), value: new TextEncoder().encode(JSON.stringify(stored)) }], { sync: false });
}

export function deleteStatistics(store: MvccStore, tableId: number): Promise<number> {
  return store.write([{ type: "del", key: statisticsKey(tableId) }], { sync: false });
}

/** Every table's stored statistics that still match its definition (at open). */
export function loadStatistics(store: MvccStore, tables: ReadonlyMap<number, TableDefinition>): Map<number, TableStatistics> {
  const loaded = new Map<number, TableStatistics>();
  for (const [key, value] of store.scan({ gte: relationPrefix(statisticsKeyspace), lt: relationPrefix(statisticsKeyspace + 1) })) {
    const tableId = new DataView(key.buffer, key.byteOffset + 4, 4).getUint32(0);
    const table = tables.get(tableId);
    const parsed: unknown = JSON.parse(new TextDecoder().decode(value));
    if (table === undefined || !isStored(parsed) || parsed.schemaVersion !== table.schemaVersion || parsed.columns.length !== table.columns.length) continue;
    const settings = tableTextSettings(table);
    const parseColumns = (): TableStatistics["columns"] =>
      parsed.columns.map((column, i) => {
        const oid = table.columns[i]?.typeOid ?? 0;
        return {
          nullFraction: column.nullFraction,
          distinctCount: column.distinctCount,
          mostCommon: column.mostCommon.map((entry) => ({ value: parseValue(oid, entry.value, settings), frequency: entry.frequency })),
          histogram: column.histogram.map((text) => parseValue(oid, text, settings)),
        };
      });
    // Statistics are advisory: values that no longer read (an enum label renamed since) drop them until the next ANALYZE.
    let columns: TableStatistics["columns"];
    try {
      columns = parseColumns();
    } catch {
      continue;
    }
    loaded.set(tableId, { rowCount: parsed.rowCount, columns });
  }
  return loaded;
}

function isStored(value: unknown): value is StoredStatistics {
  return typeof value === "object" && value !== null && "rowCount" in value && typeof value.rowCount === "number" && "columns" in value && Array.isArray(value.columns) && "schemaVersion" in value;
}
