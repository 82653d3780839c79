/**
 * @omnikv/pgwire — the PostgreSQL v3 wire protocol over any engine implementing its Backend and
 * Session interfaces. See README.md.
 */
export type {
  AuthContext,
  AuthMethod,
  Backend,
  BindRequest,
  Cell,
  CopyInSink,
  FieldDescription,
  FormatCode,
  Notice,
  QueryEvent,
  QueryEvents,
  Row,
  Session,
  StartupParams,
  StatementDescription,
  TransactionStatus,
} from "./backend.ts";
export { InvalidPasswordError, MalformedMessageError, QueryCanceledError } from "./errors.ts";
