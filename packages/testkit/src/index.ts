/**
 * @omnikv/testkit (private) — helpers every package's tests share: datadriven golden files,
 * seeded randomness that prints its seed on failure, crash-test child processes, temp dirs, and a
 * serializability / snapshot-isolation checker for recorded transaction histories.
 */
export {
  DataDrivenMismatchError,
  numberArg,
  parseDataDriven,
  runDataDriven,
  runDataDrivenAsync,
  stringArg,
  unknownCommand,
} from "./data-driven.ts";
export type { AsyncDataDrivenHandler, DataDrivenArg, DataDrivenCase, DataDrivenHandler } from "./data-driven.ts";
export { SeededRandom, propertyParams, propertyRunTimeoutMs, seedFromEnv, withSeed } from "./seeded-random.ts";
export type { PropertyParams } from "./seeded-random.ts";
export { CrashChild } from "./child-process.ts";
export type { ChildExit, CrashChildOptions } from "./child-process.ts";
export { makeTempDir } from "./temp-dir.ts";
export type { TempDir } from "./temp-dir.ts";
export { postgresBinDir, startPostgres } from "./postgres.ts";
export type { PostgresServer, StartPostgresOptions } from "./postgres.ts";
export { MalformedHistoryError, checkSerializable, checkSnapshotIsolation, historyAnomaliesReportedMax } from "./history-checker.ts";
export type { CheckResult, History, HistoryOp, HistoryTxn } from "./history-checker.ts";
export { formatSltValue, parseSlt, runSlt } from "./sqllogictest.ts";
export type { SltDriver, SltRecord, SltResult, SltRun } from "./sqllogictest.ts";
export { RawClient, closesWithin, eventually, fe, fieldsOf, sendFragmented, typesOf } from "./pg-raw-client.ts";
export type { BackendFrame } from "./pg-raw-client.ts";
export { createCountingTestCipher } from "./test-cipher.ts";
export type { CountingTestCipher } from "./test-cipher.ts";
