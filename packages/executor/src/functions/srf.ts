/**
 * Implementations of the set-returning signatures (planner's builtins-srf.ts), by id.
 */
import type { SetReturningTable } from "./function-types.ts";

export const setReturningFunctions: SetReturningTable = {};
