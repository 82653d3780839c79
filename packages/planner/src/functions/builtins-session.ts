/**
 * Built-in signatures of the session family (see builtins.ts for the conventions): filled in by the
 * session work; each entry must have an implementation under the same id in the executor.
 */
import type { FunctionSignature } from "./signature.ts";

export const sessionFunctions: readonly FunctionSignature[] = [];
