/**
 * Differential test of json/jsonb against a real PostgreSQL 15: thousands of random documents
 * (valid and mutated) go through `::json::text` and `::jsonb::text` on both sides, and valid
 * pairs through the operators and functions; results and SQLSTATEs must match byte for byte.
 * Batches keep it fast; the seed is printed on failure (`SEED=<n>` replays it).
 */
import { startPostgres, withSeed, type PostgresServer, type SeededRandom } from "@omnikv/testkit";
import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertNever } from "../../src/assert.ts";
import { DbError } from "../../src/errors.ts";
import {
  compareJsonb,
  formatJsonb,
  formatJsonbPretty,
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
  parseJson,
  parseJsonb,
  sendJsonb,
  type JsonbValue,
} from "../../src/types/json.ts";
import { hashJsonb } from "../../src/types/scalar-hash.ts";
import { edgeDocuments, mutateJson, randomJsonText } from "./json-gen.ts";

const documentCount = 3000;
const batchSize = 500;

let server: PostgresServer;
let client: Client;

const setupSql = `
create function try_in(t text, typ text) returns text language plpgsql as $$
declare d text;
begin
  if typ = 'jsonb' then return 'OK:' || t::jsonb::text; end if;
  return 'OK:' || t::json::text;
exception when others then
  get stacked diagnostics d = pg_exception_detail;
  return 'ERR:' || sqlstate || ':' || sqlerrm || ':' || coalesce(d, '');
end $$;
create function try_op(op text, a jsonb, b jsonb, k text, i int, p text[]) returns text language plpgsql as $$
declare r text;
begin
  r := case op
    when 'len' then jsonb_array_length(a)::text
    when 'delkey' then (a - k)::text
    when 'delkeys' then (a - p)::text
    when 'delidx' then (a - i)::text
    when 'delpath' then (a #- p)::text
    when 'set' then jsonb_set(a, p, b)::text
    when 'setnc' then jsonb_set(a, p, b, false)::text
    when 'ins' then jsonb_insert(a, p, b)::text
    when 'insa' then jsonb_insert(a, p, b, true)::text
  end;
  return coalesce('OK:' || r, 'NULL');
exception when others then
  return 'ERR:' || sqlstate || ':' || sqlerrm;
end $$;`;

beforeAll(async () => {
  server = await startPostgres();
  client = new Client({ host: server.host, port: server.port, user: server.user, database: server.database });
  await client.connect();
  await client.query(setupSql);
}, 60_000);

afterAll(async () => {
  await client.end();
  await server.stop();
});

function describeError(error: unknown): string {
  if (error instanceof DbError) return `ERR:${error.sqlState}:${error.message}:${error.detail ?? ""}`;
  throw error;
}

function ourInput(text: string, type: "json" | "jsonb"): string {
  try {
    return `OK:${type === "jsonb" ? formatJsonb(parseJsonb(text)) : parseJson(text)}`;
  } catch (error) {
    return describeError(error);
  }
}

function randomDocuments(random: SeededRandom): string[] {
  const documents = [...edgeDocuments];
  while (documents.length < documentCount) {
    const text = randomJsonText(random, random.int(0, 5));
    documents.push(random.chance(0.25) ? mutateJson(random, text) : text);
  }
  return documents;
}

interface RowText {
  readonly [column: string]: string | null;
}

async function queryRows(sql: string, params: readonly unknown[]): Promise<RowText[]> {
  const result = await client.query<RowText>(sql, [...params]);
  return result.rows;
}

/** A random part of `value`: objects and arrays keep a random subset of their (pruned) items. */
function pruneJsonb(random: SeededRandom, value: JsonbValue): JsonbValue {
  switch (value.kind) {
    case "array":
      return { kind: "array", elements: value.elements.filter(() => random.chance(0.6)).map((element) => pruneJsonb(random, element)) };
    case "object":
      return {
        kind: "object",
        entries: value.entries.filter(() => random.chance(0.6)).map((entry) => ({ key: entry.key, value: pruneJsonb(random, entry.value) })),
      };
    case "null":
    case "bool":
    case "number":
    case "string":
      return value;
  }
  return assertNever(value);
}

const opKeys = ["a", "b", "aa", "", "é", "1", "ab", "0", "😀"];

function randomKey(random: SeededRandom, value: JsonbValue): string {
  if (value.kind === "object" && value.entries.length > 0 && random.chance(0.6)) return random.pick(value.entries).key;
  return random.pick(opKeys);
}

function randomPath(random: SeededRandom, value: JsonbValue): (string | null)[] {
  const path: (string | null)[] = [];
  let current: JsonbValue | undefined = value;
  const length = random.int(0, 3);
  for (let step = 0; step < length; step++) {
    if (random.chance(0.05)) {
      path.push(null);
      continue;
    }
    const index = random.pick(["0", "1", "-1", "-5", "7", " 1", "+1", "x", "1 "]);
    const key: string = current === undefined ? random.pick(opKeys) : randomKey(random, current);
    const chosen: string = current?.kind === "array" && random.chance(0.8) ? index : key;
    path.push(chosen);
    current = current === undefined ? undefined : jsonbExtractPath(current, [chosen]);
  }
  return path;
}

function arrayLiteral(items: readonly (string | null)[]): string {
  const quoted = items.map((item) => (item === null ? "NULL" : `"${item.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`));
  return `{${quoted.join(",")}}`;
}

interface OpCase {
  readonly a: JsonbValue;
  readonly b: JsonbValue;
  readonly sub: JsonbValue;
  readonly key: string;
  readonly index: number;
  readonly path: readonly (string | null)[];
}

function attempt(body: () => JsonbValue | string | number | undefined): string {
  try {
    const result = body();
    if (result === undefined) return "NULL";
    return `OK:${typeof result === "object" ? formatJsonb(result) : String(result)}`;
  } catch (error) {
    if (error instanceof DbError) return `ERR:${error.sqlState}:${error.message}`;
    throw error;
  }
}

function textOrNull(value: JsonbValue | undefined): string | null {
  return value === undefined ? null : formatJsonb(value);
}

function compareText(a: JsonbValue, b: JsonbValue): string {
  return String(compareJsonb(a, b));
}

function ourOps(c: OpCase): Record<string, string | null> {
  const { a, b, sub, key, index, path } = c;
  return {
    f1: textOrNull(jsonbObjectField(a, key)),
    f2: jsonbObjectFieldText(a, key) ?? null,
    f3: textOrNull(jsonbArrayElement(a, index)),
    f4: jsonbArrayElementText(a, index) ?? null,
    f5: textOrNull(jsonbExtractPath(a, path)),
    f6: jsonbExtractPathText(a, path) ?? null,
    e1: String(jsonbExists(a, key)),
    e2: String(jsonbExistsAny(a, path)),
    e3: String(jsonbExistsAll(a, path)),
    c1: String(jsonbContains(a, b)),
    c2: String(jsonbContains(a, sub)),
    c3: String(jsonbContainedBy(sub, a)),
    c4: String(jsonbContains(b, sub)),
    cat: formatJsonb(jsonbConcat(a, b)),
    typ: jsonbTypeof(a),
    pretty: formatJsonbPretty(a),
    strip: formatJsonb(jsonbStripNulls(a)),
    cmp: compareText(a, b),
    cmp2: compareText(a, sub),
    send: Buffer.from(sendJsonb(a)).toString("hex"),
    hash: String(hashJsonb(a)),
    len: attempt(() => jsonbArrayLength(a)),
    delkey: attempt(() => jsonbDeleteKey(a, key)),
    delkeys: attempt(() => jsonbDeleteKeys(a, path)),
    delidx: attempt(() => jsonbDeleteIndex(a, index)),
    delpath: attempt(() => jsonbDeletePath(a, path)),
    set: attempt(() => jsonbSet(a, path, b)),
    setnc: attempt(() => jsonbSet(a, path, b, false)),
    ins: attempt(() => jsonbInsert(a, path, b)),
    insa: attempt(() => jsonbInsert(a, path, b, true)),
  };
}

const opsSql = `
select (a -> k)::text f1, a ->> k f2, (a -> i)::text f3, a ->> i f4, (a #> p)::text f5, a #>> p f6,
  (a ? k)::text e1, (a ?| p)::text e2, (a ?& p)::text e3,
  (a @> b)::text c1, (a @> s)::text c2, (s <@ a)::text c3, (b @> s)::text c4,
  (a || b)::text cat, jsonb_typeof(a) typ, jsonb_pretty(a) pretty, jsonb_strip_nulls(a)::text strip,
  (case when a < b then -1 when a = b then 0 else 1 end)::text cmp,
  (case when a < s then -1 when a = s then 0 else 1 end)::text cmp2,
  encode(jsonb_send(a), 'hex') send, jsonb_hash(a)::text hash,
  try_op('len', a, b, k, i, p) len, try_op('delkey', a, b, k, i, p) delkey, try_op('delkeys', a, b, k, i, p) delkeys,
  try_op('delidx', a, b, k, i, p) delidx, try_op('delpath', a, b, k, i, p) delpath, try_op('set', a, b, k, i, p) set,
  try_op('setnc', a, b, k, i, p) setnc, try_op('ins', a, b, k, i, p) ins, try_op('insa', a, b, k, i, p) insa
from (select x.a::jsonb a, x.b::jsonb b, x.s::jsonb s, x.k, x.i, x.p::text[] p, x.n
      from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[]) with ordinality x(a, b, s, k, i, p, n)) q
order by n`;

function randomOpCases(random: SeededRandom, count: number): OpCase[] {
  const values: JsonbValue[] = [];
  while (values.length < count + 1) {
    try {
      values.push(parseJsonb(randomJsonText(random, random.int(0, 4))));
    } catch {
      // Generated text may hold \u0000 or a lone surrogate, which jsonb rejects; draw again.
    }
  }
  return values.slice(0, count).map((a, at) => {
    const other = values[at + 1] ?? a;
    const b = random.chance(0.2) ? pruneJsonb(random, a) : other;
    return { a, b, sub: pruneJsonb(random, a), key: randomKey(random, a), index: random.int(-3, 3), path: randomPath(random, a) };
  });
}

describe("json and jsonb against PostgreSQL 15", () => {
  it("operators and functions match on random documents", async () => {
    await withSeed("jsonb operator differential", async (random) => {
      const cases = randomOpCases(random, 2000);
      for (let start = 0; start < cases.length; start += batchSize) {
        const batch = cases.slice(start, start + batchSize);
        const rows = await queryRows(opsSql, [
          batch.map((c) => formatJsonb(c.a)),
          batch.map((c) => formatJsonb(c.b)),
          batch.map((c) => formatJsonb(c.sub)),
          batch.map((c) => c.key),
          batch.map((c) => c.index),
          batch.map((c) => arrayLiteral(c.path)),
        ]);
        batch.forEach((c, at) => {
          const label = `a=${formatJsonb(c.a)} b=${formatJsonb(c.b)} sub=${formatJsonb(c.sub)} key=${JSON.stringify(c.key)} index=${c.index} path=${arrayLiteral(c.path)}`;
          expect(ourOps(c), label).toEqual({ ...rows[at] });
        });
      }
    });
  });

  it("input, output and errors match for random and edge documents", async () => {
    await withSeed("json input differential", async (random) => {
      const documents = randomDocuments(random);
      const outcomes = { ok: 0, error: 0 };
      for (let start = 0; start < documents.length; start += batchSize) {
        const batch = documents.slice(start, start + batchSize);
        const rows = await queryRows(
          "select try_in(d, 'jsonb') as jsonb, try_in(d, 'json') as json from unnest($1::text[]) with ordinality u(d, n) order by n",
          [batch],
        );
        const theirs = rows.map((row) => `${row["jsonb"]}\n${row["json"]}`);
        const ours = batch.map((text) => `${ourInput(text, "jsonb")}\n${ourInput(text, "json")}`);
        for (let index = 0; index < batch.length; index++) {
          expect(ours[index], `document ${JSON.stringify(batch[index])}`).toBe(theirs[index]);
          if (theirs[index]?.startsWith("OK:") === true) outcomes.ok++;
          else outcomes.error++;
        }
      }
      // Both paths must be exercised in earnest, or the comparison proves little.
      expect(outcomes.ok).toBeGreaterThan(documentCount / 2);
      expect(outcomes.error).toBeGreaterThan(documentCount / 20);
    });
  });
});
