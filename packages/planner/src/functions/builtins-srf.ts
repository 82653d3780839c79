/**
 * Built-in signatures of the srf family (see builtins.ts for the conventions): PostgreSQL 15's
 * set-returning functions as `pg_proc` declares them (`proretset`). Each entry has an
 * implementation under the same id in the executor's srf.ts.
 *
 * Output columns follow pg_proc's OUT parameters: `jsonb_each` yields (key, value), and the
 * `*_array_elements` functions name their one column `value`; the others have one column named
 * after the function (outputColumns absent).
 */
import { TypeOid } from "@omnikv/base";
import type { FunctionSignature, SignatureSpec } from "./signature.ts";
import { signature } from "./signature.ts";

const { bool, int4, int8, numeric, text, textArray, timestamp, timestamptz, interval, json, jsonb, anyarray, anyelement } = TypeOid;

function setReturning(spec: Omit<SignatureSpec, "returnsSet">): FunctionSignature {
  return signature({ ...spec, returnsSet: true });
}

function seriesFunctions(): FunctionSignature[] {
  const name = "generate_series";
  return [
    ...[int4, int8, numeric].flatMap((type) => [
      setReturning({ name, args: [type, type], returns: type }),
      setReturning({ name, args: [type, type, type], returns: type }),
    ]),
    setReturning({ name, args: [timestamp, timestamp, interval], returns: timestamp }),
    // Stable: the series steps in the session TimeZone (timestamptz + interval).
    setReturning({ name, args: [timestamptz, timestamptz, interval], returns: timestamptz, volatility: "stable" }),
  ];
}

function arrayFunctions(): FunctionSignature[] {
  return [
    setReturning({ name: "generate_subscripts", args: [anyarray, int4], returns: int4 }),
    setReturning({ name: "generate_subscripts", args: [anyarray, int4, bool], returns: int4 }),
    setReturning({ name: "unnest", args: [anyarray], returns: anyelement }),
    // A relation's or foreign object's options ("name=value" texts) as rows (pg_dump reads it).
    setReturning({ name: "pg_options_to_table", args: [textArray], returns: TypeOid.record, outputColumns: [{ name: "option_name", type: text }, { name: "option_value", type: text }] }),
  ];
}

function jsonFunctions(): FunctionSignature[] {
  const keyValue = (type: number): readonly { readonly name: string; readonly type: number }[] => [
    { name: "key", type: text },
    { name: "value", type },
  ];
  return [
    setReturning({ name: "jsonb_array_elements", args: [jsonb], returns: jsonb, outputColumns: [{ name: "value", type: jsonb }] }),
    setReturning({ name: "jsonb_array_elements_text", args: [jsonb], returns: text, outputColumns: [{ name: "value", type: text }] }),
    setReturning({ name: "json_array_elements", args: [json], returns: json, outputColumns: [{ name: "value", type: json }] }),
    setReturning({ name: "json_array_elements_text", args: [json], returns: text, outputColumns: [{ name: "value", type: text }] }),
    setReturning({ name: "jsonb_object_keys", args: [jsonb], returns: text }),
    // pg_proc declares these as returning `record`; the output columns carry the row type.
    setReturning({ name: "jsonb_each", args: [jsonb], returns: TypeOid.record, outputColumns: keyValue(jsonb) }),
    setReturning({ name: "jsonb_each_text", args: [jsonb], returns: TypeOid.record, outputColumns: keyValue(text) }),
  ];
}

function regexFunctions(): FunctionSignature[] {
  return [
    setReturning({ name: "regexp_matches", args: [text, text], returns: textArray }),
    setReturning({ name: "regexp_matches", args: [text, text, text], returns: textArray }),
    setReturning({ name: "regexp_split_to_table", args: [text, text], returns: text }),
    setReturning({ name: "regexp_split_to_table", args: [text, text, text], returns: text }),
  ];
}

export const srfFunctions: readonly FunctionSignature[] = [
  ...seriesFunctions(),
  ...arrayFunctions(),
  ...jsonFunctions(),
  ...regexFunctions(),
];
