/**
 * PostgreSQL 15's `json` and `jsonb` types as pure value code, for the executor's operators and
 * functions and for pgwire. This module is the public face; the work lives in:
 *
 *   json-parse.ts   json_in / jsonb_in: lexer, parser, PostgreSQL's error texts
 *   json-number.ts  jsonb numbers as canonical numeric text, compared exactly
 *   json-value.ts   the JsonbValue tree: key order, jsonb_out, jsonb_pretty, ordering, hashing
 *   json-ops.ts     -> ->> #> #>> @> <@ ? ?| ?& || - #-, jsonb_set, jsonb_insert, ...
 *   json-build.ts   to_json[b], json[b]_build_*, json[b]_agg finalizers, send/recv
 *
 * Invariants: a `json` value is its input text, verbatim, validated once by `parseJson`; a
 * `jsonb` value is a `JsonbValue` whose objects are deduplicated and in storage order, whose
 * numbers are canonical numeric text. SQL NULL is `undefined` everywhere.
 */
export { canonicalNumberText, compareNumberText, isJsonNumber } from "./json-number.ts";
export { parseJson, parseJsonb, parseJsonTree } from "./json-parse.ts";
export {
  compareJsonb,
  compareJsonbKeys,
  compareUtf8,
  escapeJsonString,
  findJsonbKey,
  formatJsonb,
  formatJsonbPretty,
  isJsonbScalar,
  jsonbEquals,
  jsonbHashKey,
  jsonbNull,
  jsonNestingDepthMax,
  makeJsonbObject,
  utf8ByteLength,
} from "./json-value.ts";
export type { JsonbEntry, JsonbOrdering, JsonbValue } from "./json-value.ts";
export {
  jsonbArrayElement,
  jsonbArrayElementText,
  jsonbArrayLength,
  jsonbConcat,
  jsonbContainedBy,
  jsonbContains,
  jsonbDeleteIndex,
  jsonbDeleteKey,
  jsonbDeleteKeys,
  jsonbDeletePath,
  jsonbExists,
  jsonbExistsAll,
  jsonbExistsAny,
  jsonbExtractPath,
  jsonbExtractPathText,
  jsonbInsert,
  jsonbObjectField,
  jsonbObjectFieldText,
  jsonbSet,
  jsonbStripNulls,
  jsonbTypeof,
  jsonbValueText,
} from "./json-ops.ts";
export {
  jsonAggFinal,
  jsonBuildArray,
  jsonBuildObject,
  jsonbAggFinal,
  jsonbBinaryVersion,
  jsonbBuildArray,
  jsonbBuildObject,
  recvJson,
  recvJsonb,
  sendJson,
  sendJsonb,
  toJsonb,
  toJsonText,
} from "./json-build.ts";
export type { SqlJsonArg } from "./json-build.ts";
