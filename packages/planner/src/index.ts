/**
 * @omnikv/planner — binding and planning: the built-in function catalog (PostgreSQL's operators,
 * functions and casts as data), PostgreSQL's operator/function/cast resolution, the expression
 * binder that turns parser expressions into typed `BoundExpr`s, and the query binder that turns
 * a SELECT into a physical plan over the `Catalog` interface it declares.
 */
export type { BoundExpr, SqlType, SubqueryCorrelation } from "./bound-expr.ts";
export { bindCondition, bindDomainCheck, bindExpr, coerce, withDomainCheck } from "./bind/bind-expr.ts";
export type { BindContext, ColumnScope } from "./bind/bind-expr.ts";
export { selectCommonType } from "./bind/common-type.ts";
export { arrayOidOf, resolveTypeName, resolveTypeTarget } from "./bind/type-names.ts";
export { anyNonArrayOid, builtinCasts, builtinFunctions } from "./functions/builtins.ts";
export { aggregatesFunctions, hypotheticalSetFunctions } from "./functions/builtins-aggregates.ts";
export { datetimeFunctions } from "./functions/builtins-datetime.ts";
export { jsonFunctions } from "./functions/builtins-json.ts";
export { textFunctions } from "./functions/builtins-text.ts";
export { srfFunctions } from "./functions/builtins-srf.ts";
export { sessionFunctions } from "./functions/builtins-session.ts";
export {
  AmbiguousFunctionError,
  UndefinedFunctionError,
  canCoerceImplicitly,
  findCast,
  formatTypeName,
  resolveFunction,
  resolveOperator,
} from "./functions/resolve.ts";
export type { CastPath, ElementCastPath, ResolvedCall } from "./functions/resolve.ts";
export { signatureId } from "./functions/signature.ts";
export type { CastContext, CastSignature, FunctionSignature, Volatility } from "./functions/signature.ts";
export { planSelect } from "./query/bind-select.ts";
export type { BoundQuery } from "./query/bind-select.ts";
export type { Catalog, CatalogColumn, CatalogIndex, CatalogTable, CatalogView, ColumnStatistics, TableStatistics } from "./query/catalog.ts";
export type { AggregateCall, FrameEdge, IndexBound, JoinType, PlanColumn, PlanNode, RangeOffsetArithmetic, SortKey, WindowCall, WindowFrameSpec, WindowSpec } from "./query/plan.ts";
export type { QueryContext } from "./query/query-context.ts";
export type { JoinMethods } from "./query/merge-join.ts";
export { explainOver, explainPlan } from "./query/explain.ts";
export { PlanCache } from "./query/plan-cache.ts";
export type { PlanCacheStats } from "./query/plan-cache.ts";
export type { ExplainOptions, NodeActuals } from "./query/explain.ts";
export { columnStatistics, estimate, selectivity } from "./query/estimate.ts";
export type { ColumnStatisticsOf, Estimate } from "./query/estimate.ts";
export {
  AmbiguousColumnError,
  DuplicateAliasError,
  GroupingError,
  InvalidColumnReferenceError,
  UndefinedColumnError,
  UndefinedTableError,
} from "./query/errors.ts";
