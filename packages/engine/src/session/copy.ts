/**
 * COPY … FROM STDIN and COPY … TO STDOUT over a statement environment: rows stream in (each
 * line parsed, converted by the column types' input functions, defaults filled, written through
 * `RowWriter` with every constraint checked) and stream out (a query's rows as lines).
 */
import { DbError, FeatureNotSupportedError, SqlState, TypeOid, formatValue, parseValue, type SqlValue } from "@omnikv/base";
import type { CopyStatement } from "@omnikv/parser";
import { UndefinedColumnError } from "@omnikv/planner";
import { tableStorage, type TableDefinition } from "../catalog/definitions.ts";
import { columnRef, selectStatement, tableRef, target } from "../dml/ast-builders.ts";
import { targetTable } from "../dml/modify.ts";
import { planQuery, streamPlan, type StatementEnvironment } from "../dml/statement-environment.ts";
import type { BulkRows } from "../storage/bulk-rows.ts";
import { RowWriter, compileTableExpr } from "../storage/row-writer.ts";
import { CopyLineReader, copyFormatOf, formatCopyLine, parseCopyLine, type CopyFormat } from "./copy-format.ts";

class BadCopyFileFormatError extends DbError {
  override readonly name: string = "BadCopyFileFormatError";
  readonly sqlState = SqlState.BadCopyFileFormat;
}

export interface CopyIn {
  readonly columnCount: number;
  write(chunk: Uint8Array): Promise<void>;
  /** The data ended: the number of rows copied. */
  finish(): Promise<number>;
  /**
   * After a failure or an abort: a bulk load stops, and its storage is the reclaimer's once the
   * transaction has ended. Idempotent; `finish` does it itself.
   */
  close(): void;
}

export function copyIn(env: StatementEnvironment, statement: CopyStatement): CopyIn {
  if (statement.table === undefined) throw new FeatureNotSupportedError("COPY FROM needs a table");
  if (statement.target !== "stdin") throw new FeatureNotSupportedError("COPY FROM a server file is not supported; use FROM STDIN");
  if (statement.where !== undefined) throw new FeatureNotSupportedError("COPY FROM … WHERE is not supported yet");
  const table = targetTable(env, statement.table);
  const format = copyFormatOf(statement.options);
  const positions = columnPositions(table, statement.columns);
  const defaults = table.columns.map((column, i) => {
    const sql = positions.includes(i) ? undefined : (column.defaultSql ?? (column.domain === undefined ? undefined : env.catalog.domain(column.domain)?.defaultSql));
    return sql === undefined ? undefined : compileTableExpr(table, sql, { oid: column.typeOid, typmod: column.typmod }, env.registry);
  });
  let writer = new RowWriter(env, table);
  // Decided at the first row: a table whose storage this transaction created loads straight to
  // the store (storage/bulk-rows.ts).
  let bulk: BulkRows | undefined;
  let isBulkDecided = false;
  const reader = new CopyLineReader(format);
  let isHeaderPending = format.hasHeader;
  let count = 0;
  const insertLine = async (line: string): Promise<void> => {
    if (isHeaderPending) {
      isHeaderPending = false;
      return;
    }
    if (!isBulkDecided) {
      isBulkDecided = true;
      bulk = await env.openBulkLoad?.(table);
      if (bulk !== undefined) writer = new RowWriter({ ...env, txn: bulk }, table);
    }
    const fields = parseCopyLine(line, format);
    if (fields.length !== positions.length) {
      throw new BadCopyFileFormatError(fields.length < positions.length ? `missing data for column "${table.columns[positions[fields.length] ?? 0]?.name ?? ""}"` : "extra data after last expected column");
    }
    const row: SqlValue[] = table.columns.map((_, i) => defaults[i]?.([], [], env.context) ?? null);
    positions.forEach((position, i) => {
      const text = fields[i] ?? null;
      const column = table.columns[position];
      row[position] = text === null || column === undefined ? null : parseValue(column.typeOid, text, env.settings);
    });
    if (table.primaryKey === undefined) row.push(await env.allocateRowId(tableStorage(table)));
    await writer.insert(row);
    count += 1;
  };
  return {
    columnCount: positions.length,
    write: async (chunk) => {
      for (const line of reader.push(chunk)) await insertLine(line);
    },
    finish: async () => {
      for (const line of reader.end()) await insertLine(line);
      await bulk?.flush();
      bulk?.close();
      return count;
    },
    close: () => bulk?.close(),
  };
}

function columnPositions(table: TableDefinition, columns: readonly string[]): number[] {
  if (columns.length === 0) return table.columns.map((_, i) => i);
  return columns.map((name) => {
    const index = table.columns.findIndex((c) => c.name === name);
    if (index < 0) throw new UndefinedColumnError(`column "${name}" of relation "${table.name}" does not exist`);
    return index;
  });
}

/** COPY … TO STDOUT: the lines, and (as the generator's return value) the row count. */
export function* copyOut(env: StatementEnvironment, statement: CopyStatement): Generator<Uint8Array, number> {
  if (statement.target !== "stdout") throw new FeatureNotSupportedError("COPY TO a server file is not supported; use TO STDOUT");
  const format: CopyFormat = copyFormatOf(statement.options);
  let query = statement.query;
  if (query === undefined) {
    const table = targetTable(env, statement.table ?? []);
    const names = statement.columns.length > 0 ? statement.columns : table.columns.map((c) => c.name);
    query = selectStatement({ targets: names.map((name) => target(columnRef([name], statement.pos))), from: [tableRef([table.schema, table.name], undefined, statement.pos)] }, statement.pos);
  }
  const { plan, columns } = planQuery(env, query);
  const encoder = new TextEncoder();
  if (format.hasHeader) yield encoder.encode(formatCopyLine(columns.map((c) => c.name), format));
  let count = 0;
  for (const row of streamPlan(env, plan)) {
    const fields = row.map((value, i) => (value === null ? null : formatValue(columns[i]?.type.oid ?? TypeOid.text, value, env.settings)));
    yield encoder.encode(formatCopyLine(fields, format));
    count += 1;
  }
  return count;
}
