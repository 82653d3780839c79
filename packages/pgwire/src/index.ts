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
export { PgServer, unixSocketPath, unixSocketPathBytesMax } from "./server.ts";
export { parameterStatusDefaults } from "./server-options.ts";
export type { PgServerOptions } from "./server-options.ts";
export type { HbaRule } from "./auth/hba.ts";
export { createScramVerifier, ScramExchange } from "./auth/scram.ts";
export { md5Secret } from "./auth/md5.ts";
