/**
 * @omnikv/executor — evaluation. So far: expressions compiled once into closures over the
 * runtime values of `@omnikv/base`, the implementations of the planner's built-in operators,
 * functions and casts, and stand-alone expression evaluation.
 */
export { compileExpr, textIoSettings } from "./expr/compile.ts";
export type { CompiledExpr } from "./expr/compile.ts";
export { bindStandaloneExpression, evaluateExpression } from "./expr/evaluate.ts";
export type { EvaluatedExpression } from "./expr/evaluate.ts";
export { FunctionRegistry } from "./functions/registry.ts";
export type {
  EvalContext,
  FunctionTable,
  ScalarFunction,
  CatalogFunctions,
  SequenceFunctions,
  SessionInfo,
  SetReturningFunction,
  SetReturningTable,
} from "./functions/function-types.ts";
export { builtinAggregates, builtinRegistry, builtinSetReturningFunctions } from "./functions/builtin-registry.ts";
export type { AggregateFunction, AggregateState, AggregateTable } from "./functions/aggregate-types.ts";
export { bufferedRowsMax, prepareAggregateCall } from "./functions/aggregate-call.ts";
export type { AggregateCallSpec, AggregateGroup, Compare as AggregateOrderCompare } from "./functions/aggregate-call.ts";
export { compilePlan } from "./operators/compile-plan.ts";
export type { CompiledPlan, MutableActuals, PlanEnvironment } from "./operators/compile-plan.ts";
export { interruptIntervalRows } from "./operators/execution-context.ts";
export type { ExecutionContext } from "./operators/execution-context.ts";
export type { SpillCipher } from "./operators/spill-file.ts";
export type { IndexScanRequest, Row, ScanOptions, TableAccess } from "./operators/table-access.ts";
export { analyzeTable, statisticsOfSample } from "./statistics/analyze.ts";
export type { AnalyzeOptions } from "./statistics/analyze.ts";
export { formatType } from "./functions/catalog.ts";
