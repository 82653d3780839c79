/**
 * Built-in signatures of the json family (see builtins.ts for the conventions): PostgreSQL 15's
 * `pg_operator` entries for json and jsonb (`-> ->> #> #>> @> <@ ? ?| ?& || - #-`) and the
 * `pg_proc` entries of the json functions this build implements. Each entry has an
 * implementation under the same id in the executor's functions/json.ts.
 *
 * Pseudo-types the base type catalog does not list yet (`"any"`, `anycompatible`,
 * `anycompatiblearray`) get their ids from `pseudoSignature`, which names them as `pg_type` does,
 * so `concat("any")` has the id `concat(any)`.
 *
 * Deviations from pg_proc, each resolution-neutral: PostgreSQL declares `jsonb_set` and
 * `jsonb_insert` with a defaulted fourth argument; the three-argument forms are listed here as
 * their own entries because resolve.ts has no parameter defaults.
 */
import { TypeOid, assert } from "@omnikv/base";
import type { FunctionSignature, SignatureSpec } from "./signature.ts";
import { signature, signatureId, typeName } from "./signature.ts";

/** `"any"`: VARIADIC "any" takes each trailing argument at its own type. */
export const anyOid = 2276;
/** `anycompatible` / `anycompatiblearray`: polymorphic with a common type chosen across arguments. */
export const anyCompatibleOid = 5077;
export const anyCompatibleArrayOid = 5078;

const pseudoTypeNames: ReadonlyMap<number, string> = new Map([
  [anyOid, "any"],
  [anyCompatibleOid, "anycompatible"],
  [anyCompatibleArrayOid, "anycompatiblearray"],
]);

/** A signature whose arguments may name pseudo-types the base catalog lacks. */
export function pseudoSignature(spec: SignatureSpec): FunctionSignature {
  const names = spec.args.map((oid) => pseudoTypeNames.get(oid) ?? typeName(oid));
  const plain = signature({ ...spec, args: spec.args.map((oid) => (pseudoTypeNames.has(oid) ? TypeOid.text : oid)) });
  const result = { ...plain, id: signatureId(spec.name, names), argTypes: spec.args };
  assert(result.argTypes.length === names.length, "a pseudo signature names every argument");
  return result;
}

const { bool, int4, text, json, jsonb, textArray } = TypeOid;

function operator(name: string, args: readonly number[], returns: number): FunctionSignature {
  return signature({ name, kind: "operator", args, returns });
}

function jsonOperators(): FunctionSignature[] {
  const operators: FunctionSignature[] = [];
  for (const type of [json, jsonb]) {
    operators.push(
      operator("->", [type, text], type),
      operator("->", [type, int4], type),
      operator("->>", [type, text], text),
      operator("->>", [type, int4], text),
      operator("#>", [type, textArray], type),
      operator("#>>", [type, textArray], text),
    );
  }
  operators.push(
    operator("@>", [jsonb, jsonb], bool),
    operator("<@", [jsonb, jsonb], bool),
    operator("?", [jsonb, text], bool),
    operator("?|", [jsonb, textArray], bool),
    operator("?&", [jsonb, textArray], bool),
    operator("||", [jsonb, jsonb], jsonb),
    operator("-", [jsonb, text], jsonb),
    operator("-", [jsonb, int4], jsonb),
    operator("-", [jsonb, textArray], jsonb),
    operator("#-", [jsonb, textArray], jsonb),
  );
  return operators;
}

function jsonProcedures(): FunctionSignature[] {
  const fn = (name: string, args: readonly number[], returns: number): FunctionSignature => signature({ name, args, returns });
  const stable = { isStrict: false, volatility: "stable" } as const;
  return [
    fn("jsonb_typeof", [jsonb], text),
    fn("json_typeof", [json], text),
    fn("jsonb_array_length", [jsonb], int4),
    fn("json_array_length", [json], int4),
    fn("jsonb_strip_nulls", [jsonb], jsonb),
    fn("jsonb_pretty", [jsonb], text),
    fn("jsonb_set", [jsonb, textArray, jsonb], jsonb),
    fn("jsonb_set", [jsonb, textArray, jsonb, bool], jsonb),
    fn("jsonb_insert", [jsonb, textArray, jsonb], jsonb),
    fn("jsonb_insert", [jsonb, textArray, jsonb, bool], jsonb),
    signature({ name: "to_json", args: [TypeOid.anyelement], returns: json, volatility: "stable" }),
    signature({ name: "to_jsonb", args: [TypeOid.anyelement], returns: jsonb, volatility: "stable" }),
    signature({ name: "row_to_json", args: [TypeOid.record], returns: json, volatility: "stable" }),
    ...(["json_build_object", "json_build_array", "jsonb_build_object", "jsonb_build_array"] as const).flatMap((name) => {
      const returns = name.startsWith("jsonb") ? jsonb : json;
      return [
        signature({ name, args: [], returns, ...stable }),
        pseudoSignature({ name, args: [anyOid], returns, variadicElementType: anyOid, ...stable }),
      ];
    }),
  ];
}

export const jsonFunctions: readonly FunctionSignature[] = [...jsonOperators(), ...jsonProcedures()];
