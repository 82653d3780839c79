/**
 * @omnikv/pgwire — the PostgreSQL v3 wire protocol over any engine implementing its Backend and
 * Session interfaces. See README.md.
 */
export {};
