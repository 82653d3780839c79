/**
 * What running a plan needs: table access, the function registry (every implementation is looked
 * up once, when the plan is compiled), the evaluation context (session settings) and the
 * statement's parameter values. A plan is compiled once into nested generators (`compilePlan`)
 * and can run many times.
 */
import type { FunctionRegistry } from "../functions/registry.ts";
import type { EvalContext } from "../functions/function-types.ts";
import type { SqlValue } from "../values.ts";
import type { SpillCipher } from "./spill-file.ts";
import type { TableAccess } from "./table-access.ts";

export interface ExecutionContext {
  readonly tables: TableAccess;
  readonly context: EvalContext;
  readonly params: readonly SqlValue[];
  /**
   * Called by the operators at least every `interruptIntervalRows` rows they read or produce
   * (scans, function scans, join loops, recursion rounds, sort comparisons); it throws to stop
   * the statement — a `statement_timeout` deadline or a cancel request (57014). Cancel requests
   * can only arrive between event-loop turns, so a caller that wants them runs a plan in slices.
   */
  readonly interrupt?: () => void;
  /** PostgreSQL's work_mem: what a sort holds in memory before it spills (default 4 MiB). */
  readonly workMemBytes?: number;
  /** Where spill files go (default: the operating system's temporary directory). */
  readonly tempDirectory?: string;
  /** Encryption at rest for spill files (see `SpillCipher`); plaintext when absent. */
  readonly spillCipher?: SpillCipher;
}

/** How many rows (or sort comparisons) an operator handles between calls of `interrupt`. */
export const interruptIntervalRows = 1024;

export interface CompileEnvironment {
  readonly registry: FunctionRegistry;
}
