/**
 * Differential test of the json family (functions/json.ts) against a real PostgreSQL 15:
 * fast-check-generated jsonb/json documents, keys, indexes and paths are run through every
 * operator and function here and in PostgreSQL (`SELECT (expr)::text` inside a PL/pgSQL
 * try-wrapper, one query per batch), and the text output or the SQLSTATE and message of the
 * error must be identical. A mismatch reports `FC_SEED=<n>` to replay the same cases.
 */
import * as fc from "fast-check";
import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DbError, Numeric, TypeOid, arrayOf, formatValue, parseJsonb, parseTimeZone, type SqlValue } from "@omnikv/base";
import { propertyParams, startPostgres, type PostgresServer } from "@omnikv/testkit";
import type { EvalContext } from "../../src/functions/function-types.ts";
import { jsonFunctions, jsonTypedFunctions } from "../../src/functions/json.ts";

const batchSizeMax = 2000;
const mismatchesShownMax = 20;
const context: EvalContext = { extraFloatDigits: 1, timeZone: "UTC", transactionStartMicros: 0n };

let server: PostgresServer;
let client: Client;

beforeAll(async () => {
  server = await startPostgres();
  client = new Client({ host: server.host, port: server.port, user: server.user, database: server.database });
  await client.connect();
  await client.query(`
    CREATE FUNCTION try_eval(expr text) RETURNS text LANGUAGE plpgsql AS $$
    DECLARE result text;
    BEGIN
      EXECUTE 'SET TIME ZONE ''UTC''; SELECT (' || expr || ')::text' INTO result;
      RETURN coalesce(result, 'NULL');
    EXCEPTION WHEN others THEN
      RETURN 'ERROR ' || SQLSTATE || ' ' || SQLERRM;
    END $$`);
}, 60_000);

afterAll(async () => {
  await client.end();
  await server.stop();
});

function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

interface Case {
  readonly sql: string;
  /** Our result and its type, for the text output. */
  readonly ours: () => readonly [SqlValue, number];
}

function oursText(run: Case["ours"]): string {
  try {
    const [value, oid] = run();
    if (typeof value === "boolean") return value ? "true" : "false";
    return value === null ? "NULL" : formatValue(oid, value, { extraFloatDigits: 1, timeZone: parseTimeZone("UTC") });
  } catch (error) {
    if (!(error instanceof DbError)) throw error;
    return `ERROR ${error.sqlState} ${error.message}`;
  }
}

async function mismatches(cases: readonly Case[]): Promise<string[]> {
  const found: string[] = [];
  for (let start = 0; start < cases.length; start += batchSizeMax) {
    const chunk = cases.slice(start, start + batchSizeMax);
    const result = await client.query<{ r: string }>(
      "SELECT try_eval(e) AS r FROM unnest($1::text[]) WITH ORDINALITY AS t(e, n) ORDER BY n",
      [chunk.map((c) => c.sql)],
    );
    chunk.forEach((c, index) => {
      const theirs = result.rows[index]?.r;
      const mine = oursText(c.ours);
      if (mine !== theirs && found.length < mismatchesShownMax) found.push(`${c.sql}\n  pg:   ${theirs}\n  ours: ${mine}`);
    });
  }
  return found;
}

function call(id: string, args: readonly SqlValue[], type: number): () => readonly [SqlValue, number] {
  const implementation = jsonFunctions[id];
  if (implementation === undefined) throw new Error(`no implementation of ${id}`);
  return () => [implementation(args, context), type];
}

function typedCall(id: string, argTypes: readonly number[], args: readonly SqlValue[], type: number): () => readonly [SqlValue, number] {
  const factory = jsonTypedFunctions[id];
  if (factory === undefined) throw new Error(`no implementation of ${id}`);
  return () => [factory(argTypes)(args, context), type];
}

// ---------------------------------------------------------------------------------------------
// Generators

const keys = ["a", "b", "c", "", "ab", "é", "0", "1", "-1"];
const keyArb = fc.constantFrom(...keys);

const jsonTextArb: fc.Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constantFrom("null", "true", "false", "0", "1", "-2.50", "1e3", "0.1", '""', '"a"', '"x\\"y"', '"\\u00e9"', '"1"'),
    fc.array(tie("value"), { maxLength: 4 }).map((items) => `[${items.join(",")}]`),
    fc.array(fc.tuple(keyArb, tie("value")), { maxLength: 4 }).map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(",")}}`),
  ),
})).value;

/** json text with whitespace sprinkled between tokens, to check that json operators keep it. */
const spacedJsonArb = fc.tuple(jsonTextArb, fc.constantFrom(" ", "", "  ", "\n")).map(([text, space]) => text.replaceAll(",", `${space},${space}`).replaceAll(":", `${space}: `));

const pathArb = fc.array(fc.constantFrom(...keys, "2", "-2", "x", "00"), { maxLength: 3 });

function textArray(items: readonly string[]): SqlValue {
  return arrayOf<SqlValue>(items);
}

function arrayLiteral(items: readonly string[]): string {
  return `${literal(`{${items.map((item) => `"${item.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`).join(",")}}`)}::text[]`;
}

function jsonbCases(doc: string, other: string, key: string, index: number, path: readonly string[]): Case[] {
  const value = parseJsonb(doc);
  const otherValue = parseJsonb(other);
  const d = `${literal(doc)}::jsonb`;
  const o = `${literal(other)}::jsonb`;
  const k = literal(key);
  const p = arrayLiteral(path);
  const { jsonb, text, bool, int4 } = TypeOid;
  return [
    { sql: `${d} -> ${k}`, ours: call("->(jsonb,text)", [value, key], jsonb) },
    { sql: `${d} -> ${index}`, ours: call("->(jsonb,int4)", [value, index], jsonb) },
    { sql: `${d} ->> ${k}`, ours: call("->>(jsonb,text)", [value, key], text) },
    { sql: `${d} ->> ${index}`, ours: call("->>(jsonb,int4)", [value, index], text) },
    { sql: `${d} #> ${p}`, ours: call("#>(jsonb,_text)", [value, textArray(path)], jsonb) },
    { sql: `${d} #>> ${p}`, ours: call("#>>(jsonb,_text)", [value, textArray(path)], text) },
    { sql: `${d} @> ${o}`, ours: call("@>(jsonb,jsonb)", [value, otherValue], bool) },
    { sql: `${d} <@ ${o}`, ours: call("<@(jsonb,jsonb)", [value, otherValue], bool) },
    { sql: `${d} ? ${k}`, ours: call("?(jsonb,text)", [value, key], bool) },
    { sql: `${d} ?| ${p}`, ours: call("?|(jsonb,_text)", [value, textArray(path)], bool) },
    { sql: `${d} ?& ${p}`, ours: call("?&(jsonb,_text)", [value, textArray(path)], bool) },
    { sql: `${d} || ${o}`, ours: call("||(jsonb,jsonb)", [value, otherValue], jsonb) },
    { sql: `${d} - ${k}`, ours: call("-(jsonb,text)", [value, key], jsonb) },
    { sql: `${d} - ${index}`, ours: call("-(jsonb,int4)", [value, index], jsonb) },
    { sql: `${d} - ${p}`, ours: call("-(jsonb,_text)", [value, textArray(path)], jsonb) },
    { sql: `${d} #- ${p}`, ours: call("#-(jsonb,_text)", [value, textArray(path)], jsonb) },
    { sql: `jsonb_typeof(${d})`, ours: call("jsonb_typeof(jsonb)", [value], text) },
    { sql: `jsonb_array_length(${d})`, ours: call("jsonb_array_length(jsonb)", [value], int4) },
    { sql: `jsonb_strip_nulls(${d})`, ours: call("jsonb_strip_nulls(jsonb)", [value], jsonb) },
    { sql: `jsonb_pretty(${d})`, ours: call("jsonb_pretty(jsonb)", [value], text) },
    { sql: `jsonb_set(${d}, ${p}, ${o})`, ours: call("jsonb_set(jsonb,_text,jsonb)", [value, textArray(path), otherValue], jsonb) },
    { sql: `jsonb_set(${d}, ${p}, ${o}, false)`, ours: call("jsonb_set(jsonb,_text,jsonb,bool)", [value, textArray(path), otherValue, false], jsonb) },
    { sql: `jsonb_insert(${d}, ${p}, ${o})`, ours: call("jsonb_insert(jsonb,_text,jsonb)", [value, textArray(path), otherValue], jsonb) },
    { sql: `jsonb_insert(${d}, ${p}, ${o}, true)`, ours: call("jsonb_insert(jsonb,_text,jsonb,bool)", [value, textArray(path), otherValue, true], jsonb) },
  ];
}

/**
 * PostgreSQL 15's json (not jsonb) path walk counts a negative subscript below the top level from
 * the element count of the first array it met at that depth, not the array it is in
 * (`'[[1,2,3,4],[false,0,[7]]]'::json #> '{1,-2}'` is `[7]`; jsonb gives `0`, as we do for both).
 * Paths for json therefore use negative subscripts only at the top level.
 */
function jsonPath(path: readonly string[]): string[] {
  return path.map((step, i) => (i > 0 && step.startsWith("-") ? step.slice(1) : step));
}

function jsonCases(doc: string, key: string, index: number, rawPath: readonly string[]): Case[] {
  const path = jsonPath(rawPath);
  const d = `${literal(doc)}::json`;
  const k = literal(key);
  const p = arrayLiteral(path);
  const { json, text, int4 } = TypeOid;
  return [
    { sql: `${d} -> ${k}`, ours: call("->(json,text)", [doc, key], json) },
    { sql: `${d} -> ${index}`, ours: call("->(json,int4)", [doc, index], json) },
    { sql: `${d} ->> ${k}`, ours: call("->>(json,text)", [doc, key], text) },
    { sql: `${d} ->> ${index}`, ours: call("->>(json,int4)", [doc, index], text) },
    { sql: `${d} #> ${p}`, ours: call("#>(json,_text)", [doc, textArray(path)], json) },
    { sql: `${d} #>> ${p}`, ours: call("#>>(json,_text)", [doc, textArray(path)], text) },
    { sql: `json_typeof(${d})`, ours: call("json_typeof(json)", [doc], text) },
    { sql: `json_array_length(${d})`, ours: call("json_array_length(json)", [doc], int4) },
    { sql: `to_json(${d})`, ours: typedCall("to_json(anyelement)", [json], [doc], json) },
    { sql: `to_jsonb(${d})`, ours: typedCall("to_jsonb(anyelement)", [json], [doc], TypeOid.jsonb) },
  ];
}

/** Typed arguments for to_json and json_build_*: SQL text, our value, its type. */
const typedArgs: readonly (readonly [string, SqlValue, number])[] = [
  ["1::int4", 1, TypeOid.int4],
  ["-7::int2", -7, TypeOid.int2],
  ["123456789012::int8", 123_456_789_012n, TypeOid.int8],
  ["1.5::float8", 1.5, TypeOid.float8],
  ["'NaN'::float8", Number.NaN, TypeOid.float8],
  ["'-Infinity'::float4", Number.NEGATIVE_INFINITY, TypeOid.float4],
  ["1e20::float8", 1e20, TypeOid.float8],
  ["2.500::numeric", Numeric.parse("2.500"), TypeOid.numeric],
  ["'NaN'::numeric", Numeric.parse("NaN"), TypeOid.numeric],
  ["true", true, TypeOid.bool],
  ["'x\"y'::text", 'x"y', TypeOid.text],
  ["'k'::text", "k", TypeOid.text],
  ["NULL::text", null, TypeOid.text],
  ["'[1, {\"a\": null}]'::jsonb", parseJsonb('[1, {"a": null}]'), TypeOid.jsonb],
  ["'{\"b\" :  2}'::json", '{"b" :  2}', TypeOid.json],
  ["'{1,NULL,3}'::int4[]", arrayOf<SqlValue>([1, null, 3]), TypeOid.int4Array],
  ["'{{a,b},{c,d}}'::text[]", { dims: [2, 2], lowerBounds: [1, 1], elements: ["a", "b", "c", "d"] }, TypeOid.textArray],
  ["'{}'::text[]", arrayOf<SqlValue>([]), TypeOid.textArray],
  ["'2020-01-02'::date", 7306, TypeOid.date],
];

function buildCases(): Case[] {
  const cases: Case[] = [];
  for (const [sql, value, oid] of typedArgs) {
    if (value !== null) {
      // to_json is strict: the evaluator, not the implementation, turns NULL into NULL.
      cases.push({ sql: `to_json(${sql})`, ours: typedCall("to_json(anyelement)", [oid], [value], TypeOid.json) });
      cases.push({ sql: `to_jsonb(${sql})`, ours: typedCall("to_jsonb(anyelement)", [oid], [value], TypeOid.jsonb) });
    }
    for (const name of ["json_build_object", "jsonb_build_object"]) {
      const type = name.startsWith("jsonb") ? TypeOid.jsonb : TypeOid.json;
      cases.push({ sql: `${name}('k'::text, ${sql})`, ours: typedCall(`${name}(any)`, [TypeOid.text, oid], ["k", value], type) });
      cases.push({ sql: `${name}(${sql}, 1)`, ours: typedCall(`${name}(any)`, [oid, TypeOid.int4], [value, 1], type) });
    }
    for (const name of ["json_build_array", "jsonb_build_array"]) {
      const type = name.startsWith("jsonb") ? TypeOid.jsonb : TypeOid.json;
      cases.push({ sql: `${name}(${sql}, 'k'::text)`, ours: typedCall(`${name}(any)`, [oid, TypeOid.text], [value, "k"], type) });
    }
  }
  cases.push({ sql: "json_build_object('a'::text)", ours: typedCall("json_build_object(any)", [TypeOid.text], ["a"], TypeOid.json) });
  cases.push({ sql: "jsonb_build_object()", ours: call("jsonb_build_object()", [], TypeOid.jsonb) });
  cases.push({ sql: "json_build_array()", ours: call("json_build_array()", [], TypeOid.json) });
  return cases;
}

describe("json family against PostgreSQL 15", () => {
  it("jsonb operators and functions on generated documents", async () => {
    const params = propertyParams(1);
    const sample = fc.sample(fc.tuple(jsonTextArb, jsonTextArb, keyArb, fc.integer({ min: -4, max: 4 }), pathArb), { seed: params.seed, numRuns: 300 });
    const cases = sample.flatMap(([doc, other, key, index, path]) => jsonbCases(doc, other, key, index, path));
    const found = await mismatches(cases);
    expect(found, `FC_SEED=${params.seed} (${cases.length} cases)\n${found.join("\n")}`).toEqual([]);
  });

  it("json operators keep the input text", async () => {
    const params = propertyParams(1);
    const sample = fc.sample(fc.tuple(spacedJsonArb, keyArb, fc.integer({ min: -4, max: 4 }), pathArb), { seed: params.seed, numRuns: 300 });
    const cases = sample.flatMap(([doc, key, index, path]) => jsonCases(doc, key, index, path));
    cases.push(...jsonCases(' { "a" : [1,  2 ] , "a":3 } ', "a", 0, []), ...jsonCases('"\\u0041b"', "a", 0, []));
    const found = await mismatches(cases);
    expect(found, `FC_SEED=${params.seed} (${cases.length} cases)\n${found.join("\n")}`).toEqual([]);
  });

  it("to_json and json_build_* on typed values", async () => {
    const found = await mismatches(buildCases());
    expect(found, found.join("\n")).toEqual([]);
  });
});
