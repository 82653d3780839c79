/**
 * Differential test of the by-OID dispatchers against a real PostgreSQL 15: for values of every
 * type (and arrays of them), `sendValue` must produce exactly the bytes PostgreSQL sends in a
 * binary-format result, `recvValue` must read PostgreSQL's bytes back to the value whose text
 * PostgreSQL prints, and `hashValue` must equal the hash function of the type's default hash
 * opclass (`hashint4`, `hash_numeric`, `interval_hash`, `jsonb_hash`, `hash_array`, …).
 */
import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DbError, TypeOid, UTC, formatValue, hasBinaryIo, hasHash, hashValue, parseValue, recvValue, sendValue, typeInfo } from "@omnikv/base";
import { startPostgres, type PostgresServer } from "@omnikv/testkit";

let server: PostgresServer;
let client: Client;

beforeAll(async () => {
  server = await startPostgres();
  client = new Client({ host: server.host, port: server.port, user: server.user, database: server.database });
  await client.connect();
  await client.query("SET TimeZone = 'UTC'; SET extra_float_digits = 1");
}, 60_000);

afterAll(async () => {
  await client.end();
  await server.stop();
});

const settings = { extraFloatDigits: 1, timeZone: UTC };

/** Each type with literals (their text form) and the SQL of its hash opclass's function on `$x`. */
const samples: readonly { readonly oid: number; readonly literals: readonly string[]; readonly hashSql?: string }[] = [
  { oid: TypeOid.bool, literals: ["t", "f"], hashSql: "hashint4($x::int)" },
  { oid: TypeOid.int2, literals: ["0", "-32768", "32767", "-1"], hashSql: "hashint2($x)" },
  { oid: TypeOid.int4, literals: ["0", "-2147483648", "2147483647", "42"], hashSql: "hashint4($x)" },
  { oid: TypeOid.int8, literals: ["0", "-9223372036854775808", "9223372036854775807", "-5", "4294967296"], hashSql: "hashint8($x)" },
  { oid: TypeOid.oid, literals: ["0", "4294967295", "23"], hashSql: "hashoid($x)" },
  { oid: TypeOid.float4, literals: ["0", "-0", "NaN", "Infinity", "1.5", "3.4028235e38", "1e-45"], hashSql: "hashfloat4($x)" },
  { oid: TypeOid.float8, literals: ["0", "-0", "NaN", "-Infinity", "0.1", "1e308", "5e-324"], hashSql: "hashfloat8($x)" },
  { oid: TypeOid.numeric, literals: ["0", "0.000", "1.0", "1.00", "-123456789012345678901234.5678", "1e-30", "NaN", "Infinity", "-Infinity", "10000", "0.0001"], hashSql: "hash_numeric($x)" },
  { oid: TypeOid.text, literals: ["", "abc", "é😀", "a b "], hashSql: "hashtext($x)" },
  { oid: TypeOid.varchar, literals: ["", "xyz"], hashSql: "hashtext($x::text)" },
  { oid: TypeOid.bpchar, literals: ["a", "a  ", ""], hashSql: "hashbpchar($x)" },
  { oid: TypeOid.name, literals: ["pg_class", ""], hashSql: "hashname($x)" },
  { oid: TypeOid.bytea, literals: ["\\x", "\\x00ff10", "\\x616263"] },
  { oid: TypeOid.uuid, literals: ["a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "00000000-0000-0000-0000-000000000000"], hashSql: "uuid_hash($x)" },
  { oid: TypeOid.json, literals: ['{"b": 1,  "a":[1, 2.50]}', "null", '"x"'] },
  { oid: TypeOid.jsonb, literals: ['{"b": 1, "a": [1, 2.50, null, true]}', "[]", "{}", "1.0", '"s"', "[[]]"], hashSql: "jsonb_hash($x)" },
  { oid: TypeOid.date, literals: ["2000-01-01", "2024-02-29", "4713-01-01 BC", "infinity", "-infinity"], hashSql: "hashint4(('x' || encode(date_send($x), 'hex'))::bit(32)::int4)" },
  { oid: TypeOid.time, literals: ["00:00", "24:00:00", "13:45:06.123456"], hashSql: "time_hash($x)" },
  { oid: TypeOid.timestamp, literals: ["2000-01-01", "1999-12-31 23:59:59.999999", "infinity", "0044-03-15 12:00 BC"], hashSql: "timestamp_hash($x)" },
  { oid: TypeOid.timestamptz, literals: ["2024-03-10 07:00:00+00", "-infinity"], hashSql: "timestamp_hash($x::timestamp)" },
  { oid: TypeOid.interval, literals: ["0", "1 day", "24 hours", "1 mon", "30 days", "-1 years +2 days -00:00:00.000001", "178000000 years"], hashSql: "interval_hash($x)" },
  { oid: TypeOid.int4Array, literals: ["{}", "{1,NULL,3}", "[0:1]={5,6}", "{{1,2},{3,4}}"], hashSql: "hash_array($x)" },
  { oid: TypeOid.textArray, literals: ["{a,\"\",NULL}", "{}"], hashSql: "hash_array($x)" },
  { oid: TypeOid.numericArray, literals: ["{1.0,NaN}", "{1.00,NaN}"], hashSql: "hash_array($x)" },
];

function typeName(oid: number): string {
  const info = typeInfo(oid);
  if (info === undefined) throw new Error(`no type ${oid}`);
  return info.name;
}

function cast(oid: number, text: string): string {
  return `'${text.replaceAll("'", "''")}'::${typeName(oid)}`;
}

/**
 * PostgreSQL's binary form of the value: its type's send function (`pg_type.typsend`), which is
 * what a binary-format result carries (node-postgres cannot receive binary results).
 */
async function binaryOf(oid: number, text: string): Promise<string> {
  const send = (await client.query<{ f: string }>("SELECT typsend::text f FROM pg_type WHERE oid = $1", [oid])).rows[0]?.f;
  if (send === undefined) throw new Error(`no type ${oid} in PostgreSQL`);
  const result = await client.query<{ h: string }>(`SELECT encode(${send}(${cast(oid, text)}), 'hex') h`);
  return result.rows[0]?.h ?? "?";
}

describe("by-OID binary I/O and hashing match PostgreSQL 15", () => {
  it("sendValue sends PostgreSQL's bytes and recvValue reads them back", async () => {
    const mismatches: string[] = [];
    for (const { oid, literals } of samples) {
      expect(hasBinaryIo(oid), typeName(oid)).toBe(true);
      for (const text of literals) {
        const theirs = await binaryOf(oid, text);
        const value = parseValue(oid, text, settings);
        const ours = Buffer.from(sendValue(oid, value)).toString("hex");
        if (ours !== theirs) mismatches.push(`send ${cast(oid, text)}: ours ${ours}, PostgreSQL ${theirs}`);
        let printed: string;
        try {
          const received = recvValue(oid, Buffer.from(theirs, "hex"));
          printed = received === null ? "NULL" : formatValue(oid, received, settings);
        } catch (error) {
          if (!(error instanceof DbError)) throw error;
          printed = `ERROR ${error.sqlState} ${error.message}`;
        }
        const expected = (await client.query<{ t: string }>(`SELECT ${cast(oid, text)}::text t`)).rows[0]?.t;
        // A cast to text spells a bool out and trims a bpchar; compare through the same cast.
        const oursPrinted = oid === TypeOid.bool ? (printed === "t" ? "true" : "false") : oid === TypeOid.bpchar ? printed.trimEnd() : printed;
        if (oursPrinted !== expected) mismatches.push(`recv ${cast(oid, text)}: ours ${oursPrinted}, PostgreSQL ${expected ?? "?"}`);
      }
    }
    expect(mismatches.join("\n")).toBe("");
  });

  it("hashValue is the type's hash opclass function", async () => {
    const mismatches: string[] = [];
    for (const { oid, literals, hashSql } of samples) {
      if (hashSql === undefined) continue;
      expect(hasHash(oid), typeName(oid)).toBe(true);
      for (const text of literals) {
        const sql = `SELECT (${hashSql.replaceAll("$x", `(${cast(oid, text)})`)})::text h`;
        const theirs = (await client.query<{ h: string }>(sql)).rows[0]?.h;
        const ours = String(hashValue(oid, parseValue(oid, text, settings)));
        if (ours !== theirs) mismatches.push(`${sql}: ours ${ours}, PostgreSQL ${theirs ?? "?"}`);
      }
    }
    expect(mismatches.join("\n")).toBe("");
    expect(hasHash(TypeOid.json)).toBe(false);
  });
});
