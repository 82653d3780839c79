/**
 * Built-in signatures of the srf family (see builtins.ts for the conventions): filled in by the
 * srf work; each entry must have an implementation under the same id in the executor.
 */
import type { FunctionSignature } from "./signature.ts";

export const srfFunctions: readonly FunctionSignature[] = [];
