/**
 * Built-in signatures of the text family (see builtins.ts for the conventions), as PostgreSQL 15's
 * `pg_proc`/`pg_operator` declare them: the string functions that string.ts does not cover
 * (concat, concat_ws, format, quote_literal, quote_nullable, chr, ascii, translate, regexp_*,
 * like_escape, similar_to_escape) and the array functions and `||` array operators, whose
 * implementations live in the executor's functions/text.ts under the same ids.
 *
 * The array functions are declared over `anycompatiblearray`/`anycompatible` exactly as
 * PostgreSQL 14+ does, so `array_append(int4[], int8)` will resolve to int8[] once resolve.ts
 * implements the anycompatible family; `array_length` and friends take `anyarray`.
 */
import { TypeOid } from "@omnikv/base";
import { anyCompatibleArrayOid, anyCompatibleOid, anyOid, pseudoSignature } from "./builtins-json.ts";
import type { FunctionSignature, Volatility } from "./signature.ts";
import { signature } from "./signature.ts";

const { int4, text, textArray, anyelement, anyarray } = TypeOid;

interface Options {
  readonly isStrict?: boolean;
  readonly volatility?: Volatility;
}

function fn(name: string, args: readonly number[], returns: number, options: Options = {}): FunctionSignature {
  return signature({ name, args, returns, ...options });
}

function stringProcedures(): FunctionSignature[] {
  const variadic = { isStrict: false, volatility: "stable", variadicElementType: anyOid, returns: text } as const;
  return [
    pseudoSignature({ name: "concat", args: [anyOid], ...variadic }),
    pseudoSignature({ name: "concat_ws", args: [text, anyOid], ...variadic }),
    pseudoSignature({ name: "format", args: [text, anyOid], ...variadic }),
    fn("format", [text], text, { isStrict: false, volatility: "stable" }),
    fn("quote_literal", [text], text),
    fn("quote_literal", [anyelement], text, { volatility: "stable" }),
    fn("quote_nullable", [text], text, { isStrict: false }),
    fn("quote_nullable", [anyelement], text, { isStrict: false, volatility: "stable" }),
    fn("chr", [int4], text),
    fn("ascii", [text], int4),
    fn("translate", [text, text, text], text),
    fn("regexp_replace", [text, text, text], text),
    fn("regexp_replace", [text, text, text, text], text),
    fn("regexp_replace", [text, text, text, int4], text),
    fn("regexp_replace", [text, text, text, int4, int4], text),
    fn("regexp_replace", [text, text, text, int4, int4, text], text),
    fn("regexp_match", [text, text], textArray),
    fn("regexp_match", [text, text, text], textArray),
    fn("like_escape", [text, text], text),
    fn("similar_to_escape", [text], text),
    fn("similar_to_escape", [text, text], text),
  ];
}

function arrayProcedures(): FunctionSignature[] {
  const array = anyCompatibleArrayOid;
  const element = anyCompatibleOid;
  const lenient = { isStrict: false } as const;
  return [
    fn("array_length", [anyarray, int4], int4),
    fn("array_upper", [anyarray, int4], int4),
    // `a[i]`: the binder's subscript, an operator no SQL text can name.
    signature({ name: "[]", kind: "operator", args: [anyarray, int4], returns: anyelement }),
    fn("array_lower", [anyarray, int4], int4),
    fn("cardinality", [anyarray], int4),
    pseudoSignature({ name: "array_append", args: [array, element], returns: array, ...lenient }),
    pseudoSignature({ name: "array_prepend", args: [element, array], returns: array, ...lenient }),
    pseudoSignature({ name: "array_cat", args: [array, array], returns: array, ...lenient }),
    pseudoSignature({ name: "array_position", args: [array, element], returns: int4, ...lenient }),
    pseudoSignature({ name: "array_position", args: [array, element, int4], returns: int4, ...lenient }),
    pseudoSignature({ name: "array_remove", args: [array, element], returns: array, ...lenient }),
    fn("array_to_string", [anyarray, text], text, { volatility: "stable" }),
    fn("array_to_string", [anyarray, text, text], text, { isStrict: false, volatility: "stable" }),
    fn("string_to_array", [text, text], textArray, lenient),
    fn("string_to_array", [text, text, text], textArray, lenient),
    pseudoSignature({ name: "||", kind: "operator", args: [array, array], returns: array, ...lenient }),
    pseudoSignature({ name: "||", kind: "operator", args: [array, element], returns: array, ...lenient }),
    pseudoSignature({ name: "||", kind: "operator", args: [element, array], returns: array, ...lenient }),
  ];
}

export const textFunctions: readonly FunctionSignature[] = [...stringProcedures(), ...arrayProcedures()];
