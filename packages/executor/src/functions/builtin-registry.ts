/** Every built-in implementation, merged: the registries the engine and the tests use. */
import { aggregateFunctions } from "./aggregates.ts";
import type { AggregateTable } from "./aggregate-types.ts";
import { arithmeticFunctions } from "./arithmetic.ts";
import { arrayComparisonFunctions } from "./array-comparison.ts";
import { castFunctions } from "./casts.ts";
import { catalogFunctions } from "./catalog.ts";
import { comparisonFunctions } from "./comparison.ts";
import { datetimeFunctions } from "./datetime.ts";
import { jsonFunctions, jsonTypedFunctions } from "./json.ts";
import { mathFunctions } from "./math.ts";
import { FunctionRegistry } from "./registry.ts";
import { sessionFunctions, sessionTypedFunctions } from "./session.ts";
import { setReturningFunctions } from "./srf.ts";
import type { SetReturningTable } from "./function-types.ts";
import { stringFunctions } from "./string.ts";
import { textFunctions, textTypedFunctions } from "./text.ts";

export const builtinRegistry = new FunctionRegistry(
  [
    arithmeticFunctions,
    comparisonFunctions,
    mathFunctions,
    stringFunctions,
    castFunctions,
    datetimeFunctions,
    jsonFunctions,
    textFunctions,
    sessionFunctions,
    catalogFunctions,
  ],
  [jsonTypedFunctions, textTypedFunctions, sessionTypedFunctions, arrayComparisonFunctions],
);

export const builtinAggregates: AggregateTable = aggregateFunctions;

export const builtinSetReturningFunctions: SetReturningTable = setReturningFunctions;
