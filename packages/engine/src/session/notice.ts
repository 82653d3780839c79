/** A NoticeResponse sent with a statement's result, at PostgreSQL's severity and code for the message. */
export interface Notice {
  readonly severity: NoticeSeverity;
  readonly message: string;
  /** PostgreSQL's SQLSTATE for it: 00000 for a plain NOTICE, 01000 for a plain WARNING, else the class's code. */
  readonly sqlState: string;
}

/** The levels a statement's notices come at (PostgreSQL: `ereport(NOTICE | WARNING, …)`). */
export type NoticeSeverity = "NOTICE" | "WARNING";

/** A notice of `severity` with PostgreSQL's code (`sqlState`, else that of a plain notice or warning). */
export function noticeOf(message: string, severity: NoticeSeverity = "NOTICE", sqlState?: string): Notice {
  return { severity, message, sqlState: sqlState ?? (severity === "WARNING" ? "01000" : "00000") };
}
