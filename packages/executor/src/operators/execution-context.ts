/**
 * What running a plan needs: table access, the function registry (every implementation is looked
 * up once, when the plan is compiled), the evaluation context (session settings) and the
 * statement's parameter values. A plan is compiled once into nested generators (`compilePlan`)
 * and can run many times.
 */
import type { FunctionRegistry } from "../functions/registry.ts";
import type { EvalContext } from "../functions/function-types.ts";
import type { SqlValue } from "../values.ts";
import type { TableAccess } from "./table-access.ts";

export interface ExecutionContext {
  readonly tables: TableAccess;
  readonly context: EvalContext;
  readonly params: readonly SqlValue[];
}

export interface CompileEnvironment {
  readonly registry: FunctionRegistry;
}
