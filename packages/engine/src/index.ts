/**
 * @omnikv/engine — the embeddable SQL database: `Database.open({ dir })` (in memory without a
 * dir) → `db.connect()` → `session.query(sql, params)`. Composes the parser, planner, executor,
 * transactions and the LSM store; see README.md for the storage layout and the guarantees.
 */
export { Database } from "./database.ts";
export type { DatabaseOptions } from "./database.ts";
export { Session, formatRow } from "./session/session.ts";
export type { ConnectOptions, CopySink, ExecuteResult, Field, ParamValue, PreparedDescription, QueryResult, RowStream, StatementOutcome } from "./session/session.ts";
export type { Notice, NoticeSeverity } from "./session/notice.ts";
export { Settings } from "./session/settings.ts";
export {
  CheckViolationError,
  DependentObjectsStillExistError,
  DuplicateColumnError,
  DuplicateSchemaError,
  DuplicateTableError,
  ForeignKeyViolationError,
  InFailedTransactionError,
  NotNullViolationError,
  QueryCanceledError,
  UniqueViolationError,
} from "./errors.ts";
export { KeyWriter, compareBytes, encodeKey, isKeyEncodable, prefixEnd } from "./encoding/key-codec.ts";
export { decodeRow, encodeRow } from "./encoding/row-codec.ts";
