/**
 * The mapping from thrown values to ErrorResponse fields: a `DbError` keeps its SQLSTATE, message,
 * detail, hint and position; `MalformedMessageError` is FATAL; anything else is XX000 with a
 * generic message (its text may hold internals), reported through the server's error hook.
 */
import { DbError, SqlState } from "@omnikv/base";
import type { ErrorFields } from "./codec/backend-messages.ts";
import { MalformedMessageError } from "./errors.ts";

export function errorFieldsOf(error: unknown, severity: "ERROR" | "FATAL"): ErrorFields {
  if (error instanceof DbError) {
    return {
      severity: error instanceof MalformedMessageError ? "FATAL" : severity,
      sqlState: error.sqlState,
      message: error.message,
      detail: error.detail,
      hint: error.hint,
      position: error.position,
    };
  }
  return { severity, sqlState: SqlState.InternalError, message: "internal error" };
}

/** Wire-level failures raised before a session exists, with codes `SqlState` does not list. */
export const connectionErrors = {
  tooManyClients: { severity: "FATAL", sqlState: "53300", message: "sorry, too many clients already" },
  cannotConnectNow: { severity: "FATAL", sqlState: "57P03", message: "the database system is shutting down" },
} as const satisfies Record<string, ErrorFields>;

/** 28000: no pg_hba rule matched, or the matching rule says `reject`; worded as PostgreSQL words it. */
export function hbaRejection(address: string, user: string, database: string, isTls: boolean, isRejectRule: boolean): ErrorFields {
  const encryption = isTls ? "SSL encryption" : "no encryption";
  const what = isRejectRule ? "pg_hba.conf rejects connection" : "no pg_hba.conf entry";
  return { severity: "FATAL", sqlState: "28000", message: `${what} for host "${address}", user "${user}", database "${database}", ${encryption}` };
}

/** A FATAL that is not a `DbError` (codes `SqlState` does not list, e.g. 53300, 28000). */
export class ConnectionRefusal extends Error {
  override readonly name = "ConnectionRefusal";
  readonly fields: ErrorFields;
  constructor(fields: ErrorFields) {
    super(fields.message);
    this.fields = fields;
  }
}
