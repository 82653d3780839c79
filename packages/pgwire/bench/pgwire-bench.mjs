// Whole-process benchmark of @omnikv/pgwire over the built package (dist/), as a consumer runs it:
// `SELECT 1` round trips per second with one node-postgres client against the README's Map-backed
// backend (plus a constant `SELECT 1`), over the simple protocol (Query) and over a named prepared
// statement (Bind/Execute/Sync). Client and server share this one process and its event loop, so
// the figure is the cost of both ends of a round trip, not a server-only throughput.
//
// Usage: npm run build -w @omnikv/pgwire && node bench/pgwire-bench.mjs [seconds per round, default 3]
import { loadavg } from "node:os";
import { Client } from "pg";
import { PgServer } from "@omnikv/pgwire";

const seconds = Number(process.argv[2] ?? 3);
const rounds = 3;
const utf8 = new TextEncoder();

/** @type {import("@omnikv/pgwire").FieldDescription} */
const valueColumn = { name: "value", tableOid: 0, columnNumber: 0, typeOid: 25, typeSize: -1, typeModifier: -1, format: 0 };
/** @type {import("@omnikv/pgwire").FieldDescription} */
const oneColumn = { name: "?column?", tableOid: 0, columnNumber: 0, typeOid: 23, typeSize: 4, typeModifier: -1, format: 0 };
const one = utf8.encode("1");

/**
 * The README's tiny KV "SQL" (`SET k v`, `GET k`) plus `SELECT 1`.
 * @param {Map<string, string>} store
 * @param {string} sql
 * @returns {import("@omnikv/pgwire").QueryEvent[]}
 */
function run(store, sql) {
  if (sql === "SELECT 1") return [{ kind: "rowDescription", fields: [oneColumn] }, { kind: "rows", rows: [[one]] }, { kind: "commandComplete", tag: "SELECT 1" }];
  const [verb = "", key = "", value = ""] = sql.trim().split(/\s+/);
  if (verb.toUpperCase() === "SET") return (store.set(key, value), [{ kind: "commandComplete", tag: "SET" }]);
  const found = store.get(key);
  const rows = found === undefined ? [] : [[utf8.encode(found)]];
  return [{ kind: "rowDescription", fields: [valueColumn] }, { kind: "rows", rows }, { kind: "commandComplete", tag: `SELECT ${rows.length}` }];
}

/** @returns {import("@omnikv/pgwire").Backend} */
function mapBackend() {
  /** @type {Map<string, string>} */
  const store = new Map();
  return {
    passwordSecret: (user) => (user === "kv" ? "secret" : undefined),
    startup: () => {
      /** @type {Map<string, string>} */
      const statements = new Map();
      /** @type {Map<string, string>} */
      const portals = new Map();
      /** @param {string | undefined} sql */
      const fieldsOf = (sql) => (sql === "SELECT 1" ? [oneColumn] : /^\s*get\b/i.test(sql ?? "") ? [valueColumn] : null);
      return {
        transactionStatus: "I",
        simpleQuery: (sql) => sql.split(";").filter((part) => part.trim() !== "").flatMap((part) => run(store, part)),
        parse: (name, sql) => void statements.set(name, sql),
        bind: ({ portal, statement }) => void portals.set(portal, statements.get(statement) ?? ""),
        describeStatement: (name) => ({ paramTypeOids: [], fields: fieldsOf(statements.get(name)) }),
        describePortal: (name) => fieldsOf(portals.get(name)),
        execute: (portal) => run(store, portals.get(portal) ?? "").filter((event) => event.kind !== "rowDescription"),
        close: (kind, name) => void (kind === "statement" ? statements : portals).delete(name),
        sync: () => {},
        cancel: () => {},
        end: () => {},
      };
    },
  };
}

/**
 * Round trips per second of `query` over `durationSeconds`.
 * @param {() => Promise<unknown>} query
 * @param {number} durationSeconds
 */
async function measure(query, durationSeconds) {
  const deadline = performance.now() + durationSeconds * 1000;
  let count = 0;
  const started = performance.now();
  while (performance.now() < deadline) {
    await query();
    count += 1;
  }
  return count / ((performance.now() - started) / 1000);
}

/** @param {number[]} values */
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

const server = new PgServer({ backend: mapBackend(), port: 0 });
const port = await server.listen();
const client = new Client({ host: "127.0.0.1", port, user: "kv", password: "secret" });
await client.connect();

const modes = {
  simple: () => client.query("SELECT 1"),
  prepared: () => client.query({ name: "one", text: "SELECT 1" }),
};
console.log(`pgwire bench: ${rounds} rounds of ${seconds} s per mode, load average ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
for (const [name, query] of Object.entries(modes)) {
  await measure(query, 0.5);
  const results = [];
  for (let round = 0; round < rounds; round += 1) results.push(await measure(query, seconds));
  console.log(`  SELECT 1 ${name.padEnd(8)} ${Math.round(median(results)).toLocaleString("en-US").padStart(8)} round trips/s (median; rounds ${results.map((x) => Math.round(x)).join(", ")})`);
}
await client.end();
await server.close();
