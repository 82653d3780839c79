/**
 * Implementations of the session family's signatures (planner's builtins-session.ts), by id.
 */
import type { FunctionTable } from "./function-types.ts";

export const sessionFunctions: FunctionTable = {};
