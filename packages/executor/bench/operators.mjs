// Operator throughput (issue 6's executor benchmark), over in-memory tables, through the real
// parser, query binder, plan compiler and operators:
// - hash join of 1,000,000 probe rows against 100,000 build rows (target >= 2,000,000 probe rows/s),
// - hash aggregate of 1,000,000 rows into 1,000 groups (target >= 3,000,000 rows/s),
// - sort of 1,000,000 int8 keys (target <= 1.5 s),
// - planning a 10-table star join (target <= 50 ms) and a 64-table equi-join (well under 1 s).
// Each figure is the median of OPERATOR_BENCH_REPEATS runs (default 3).
import { TypeOid, UTC } from "@omnikv/base";
import { parse } from "@omnikv/parser";
import { planSelect } from "@omnikv/planner";
import { builtinAggregates, builtinRegistry, compilePlan } from "../dist/index.js";

const repeats = Number(process.env["OPERATOR_BENCH_REPEATS"] ?? "3");
const context = { extraFloatDigits: 1, timeZone: "UTC", transactionStartMicros: 0n };
const settings = { extraFloatDigits: 1, timeZone: UTC };
const int4 = { oid: TypeOid.int4, typmod: -1 };
const int8 = { oid: TypeOid.int8, typmod: -1 };

/** @type {Map<string, { table: import("@omnikv/planner").CatalogTable; rows: import("../dist/index.js").Row[] }>} */
const tables = new Map();
/**
 * @param {string} name
 * @param {[string, { oid: number; typmod: number }][]} columns
 * @param {import("../dist/index.js").Row[]} rows
 */
function addTable(name, columns, rows) {
  const table = { id: tables.size + 1, schema: "public", name, columns: columns.map(([column, type]) => ({ name: column, type, isNotNull: false })) };
  tables.set(name, { table, rows });
}
const catalog = {
  /** @param {string | undefined} _schema @param {string} name */
  findTable: (_schema, name) => tables.get(name)?.table,
};
const access = {
  /** @param {import("@omnikv/planner").CatalogTable} table */
  scan: (table) => tables.get(table.name)?.rows ?? [],
};

addTable("probe", [["k", int4], ["v", int4]], Array.from({ length: 1_000_000 }, (_, i) => [i % 100_000, i]));
addTable("build", [["k", int4], ["w", int4]], Array.from({ length: 100_000 }, (_, i) => [i, i * 2]));
addTable("facts", [["g", int4], ["x", int8]], Array.from({ length: 1_000_000 }, (_, i) => [i % 1000, BigInt(i)]));
addTable("keys", [["x", int8]], Array.from({ length: 1_000_000 }, () => [BigInt(Math.floor(Math.random() * 2 ** 52))]));
for (let d = 1; d <= 9; d++) addTable(`dim${d}`, [["id", int4], ["label", { oid: TypeOid.text, typmod: -1 }]], []);
addTable("center", Array.from({ length: 10 }, (_, d) => [`d${d}`, int4]), []);

/** @param {string} sql */
function plan(sql) {
  const [statement] = parse(sql);
  if (statement?.kind !== "select") throw new Error("not a select");
  return planSelect(statement, { catalog, settings, paramTypes: [], sql, ctes: [] });
}

/**
 * @param {string} sql
 * @param {number} [workMemBytes] the memory budget of sorts, hash joins and hash aggregation (default: 256 MiB, an in-memory sort)
 */
function run(sql, workMemBytes = 256 * 1024 * 1024) {
  const compiled = compilePlan(plan(sql).plan, { registry: builtinRegistry, aggregates: builtinAggregates });
  let rows = 0;
  for (const _ of compiled({ tables: access, context, params: [], workMemBytes })) rows += 1;
  return rows;
}

/** @param {() => void} body @returns {number} median milliseconds */
function medianMs(body) {
  const times = [];
  for (let r = 0; r < repeats; r++) {
    const started = performance.now();
    body();
    times.push(performance.now() - started);
  }
  times.sort((x, y) => x - y);
  return times[Math.floor(times.length / 2)] ?? 0;
}

const joinMs = medianMs(() => run("SELECT count(*) FROM probe JOIN build ON probe.k = build.k"));
const graceJoinMs = medianMs(() => run("SELECT count(*) FROM probe JOIN build ON probe.k = build.k", 4 * 1024 * 1024));
const aggregateMs = medianMs(() => run("SELECT g, count(*), sum(x) FROM facts GROUP BY g"));
const sortMs = medianMs(() => run("SELECT x FROM keys ORDER BY x"));
const externalSortMs = medianMs(() => run("SELECT x FROM keys ORDER BY x", 4 * 1024 * 1024));
const star = `SELECT * FROM center ${Array.from({ length: 9 }, (_, i) => `JOIN dim${i + 1} ON dim${i + 1}.id = center.d${i + 1}`).join(" ")}`;
const planMs = medianMs(() => plan(star));
for (let t = 1; t <= 64; t++) addTable(`chain${t}`, [["k", int4], ["next", int4]], []);
const chain = `SELECT * FROM ${Array.from({ length: 64 }, (_, i) => `chain${i + 1}`).join(", ")} WHERE ${Array.from({ length: 63 }, (_, i) => `chain${i + 1}.next = chain${i + 2}.k`).join(" AND ")}`;
const chainMs = medianMs(() => plan(chain));

/** @param {number} value */
const rate = (value) => Math.round(value).toLocaleString("en-US");
console.log(`executor operators, medians of ${repeats}, Node ${process.version}`);
console.log(`hash join 1,000,000 x 100,000 (with count(*)): ${rate(1_000_000 / (joinMs / 1000))} probe rows/s (target >= 2,000,000)`);
console.log(`hash join, same, with work_mem 4 MiB (grace hash join, both sides partitioned to files): ${rate(1_000_000 / (graceJoinMs / 1000))} probe rows/s`);
console.log(`hash aggregate 1,000,000 rows into 1,000 groups: ${rate(1_000_000 / (aggregateMs / 1000))} rows/s (target >= 3,000,000)`);
console.log(`sort 1,000,000 int8 keys in memory: ${(sortMs / 1000).toFixed(2)} s (target <= 1.5 s)`);
console.log(`sort 1,000,000 int8 keys with work_mem 4 MiB (external merge sort): ${(externalSortMs / 1000).toFixed(2)} s`);
console.log(`plan a 10-table star join (dynamic programming): ${planMs.toFixed(1)} ms (target <= 50 ms)`);
console.log(`plan a 64-table chain equi-join (greedy): ${chainMs.toFixed(1)} ms (target: well under 1 s)`);
