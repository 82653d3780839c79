// Whole-process benchmark of @omnikv/engine over its built dist/, as a consumer runs it, against
// PGlite (@electric-sql/pglite) and SQLite (better-sqlite3), all measured in this one run.
//
// 1. Point select by primary key: `SELECT * FROM t WHERE id = $1` with random ids over a
//    1,000,000-row table t (id int PRIMARY KEY, k int, pad text), one statement at a time.
//    OmniKV runs it prepared (`session.prepare` + `session.execute`) when the session has them and
//    through `session.query(sql, params)` otherwise; the report says which path ran.
//    Targets: >= 300,000/s and >= 3x PGlite.
// 2. Single-row INSERT in autocommit without waiting for fsync: 20,000 rows into u (same shape).
// 3. Bulk INSERT of 1,000,000 rows in one transaction: multi-row INSERTs of 1,000 rows each
//    between BEGIN and COMMIT. This is the load of t for test 1.
// 4. Join + GROUP BY: orders (100,000 rows) JOIN customers (1,000 rows) grouped by the customer's
//    region with count and sum; ms per query, the median of a few repetitions after a warm-up.
//
// Every store is on disk, in one temp dir removed at the end: OmniKV with `sync: false`, PGlite
// with its default fsync=off, SQLite with journal_mode=WAL and synchronous=OFF. The systems run
// one after another (OmniKV first), each in its own store; all use the same SQL text and data.
//
// Usage: node bench/engine-bench.mjs [seconds per throughput measurement, default 3] [scale, default 1]
// (scale multiplies every row count, e.g. 0.05 for a quick smoke run).
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, arch, platform, release, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import Sqlite from "better-sqlite3";
import { Database } from "../dist/index.js";

const seconds = Number(process.argv[2] ?? 3);
const scale = Number(process.argv[3] ?? 1);
const pointRowCount = Math.round(1_000_000 * scale);
const insertCount = Math.round(20_000 * scale);
const orderCount = Math.round(100_000 * scale);
const customerCount = 1_000;
const regionCount = 10;
const batchRowCountMax = 1_000;
const joinRepetitionCount = 5;
/** Caps, so a pathologically slow system cannot hold the run hostage; a capped figure says so. */
const bulkLoadBudgetMs = 180_000;
const insertBudgetMs = 90_000;
const joinBudgetMs = 60_000;
const pointSelectSql = "SELECT * FROM t WHERE id = $1";
const joinSql =
  "SELECT c.region, count(*) AS order_count, sum(o.amount) AS amount_total FROM orders o JOIN customers c ON c.id = o.customer_id GROUP BY c.region ORDER BY c.region";

/** A statement parameter: the benchmark binds integers and text only. @typedef {number | string} Param */
/**
 * Runs one SQL statement with parameters; resolves to the rows it returned or changed.
 * @typedef {(params: readonly Param[]) => number | Promise<number>} Statement
 */
/**
 * One way of running a parameterized statement, e.g. "prepared" or "query(sql, params)".
 * @typedef {{ label: string; make: (sql: string) => Statement }} StatementPath
 */
/**
 * A system under test as the benchmark drives it. `paths[0]` is its main statement path.
 * @typedef {object} System
 * @property {string} name
 * @property {string} description
 * @property {(sql: string) => Promise<void>} run runs SQL without parameters
 * @property {(sql: string) => Promise<string[][]>} rows runs a query and returns its rows as text
 * @property {StatementPath[]} paths
 * @property {() => Promise<void>} [settle] waits for the system's background work (OmniKV's auto-analyze) so it does not run during a measurement
 * @property {() => Promise<void>} close
 */
/**
 * The part of OmniKV's Session the benchmark uses; prepare/execute are optional because they may
 * not exist in the build being measured.
 * @typedef {object} EngineSession
 * @property {(sql: string, params?: readonly Param[]) => Promise<{ readonly rows: readonly (readonly unknown[])[]; readonly commandTag: string }>} query
 * @property {((name: string, sql: string) => unknown) | undefined} [prepare]
 * @property {((name: string, params: readonly Param[]) => Promise<{ readonly commandTag: string }>) | undefined} [execute]
 */

/**
 * The row count of an OmniKV command tag ("SELECT 1", "INSERT 0 1"). The tag, not `rowCount`:
 * `execute` of an INSERT reports rowCount 0 (rows returned) while its tag says 1.
 * @param {{ readonly commandTag: string }} result
 */
function taggedCount(result) {
  return Number(result.commandTag.slice(result.commandTag.lastIndexOf(" ") + 1));
}

/**
 * A small deterministic generator (mulberry32), so every system sees the same ids and data.
 * @param {number} seed
 * @returns {() => number}
 */
function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** @param {unknown} value */
function toText(value) {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

/**
 * An SQL literal of a benchmark value (integers and plain text only).
 * @param {unknown} value
 */
function sqlLiteral(value) {
  if (typeof value === "number") return String(value);
  return `'${String(value).replaceAll("'", "''")}'`;
}

/** @param {number} i */
const tRow = (i) => [i, (i * 7919) % 100_000, `pad-${String(i).padStart(8, "0")}-xxxxxxxxxxxxxxxx`];
/** @param {number} i */
const customerRow = (i) => [i, `region-${i % regionCount}`, `customer-${i}`];
/** @param {number} i */
const orderRow = (i) => [i, (i * 7919) % customerCount, ((i * 31) % 1_000) + 1];

/**
 * Multi-row INSERT statements of up to `batchRowCountMax` rows: the same text for every system.
 * @param {string} table
 * @param {number} start
 * @param {number} count
 * @param {(i: number) => unknown[]} rowOf
 * @returns {{ sql: string; rowCount: number }[]}
 */
function insertBatches(table, start, count, rowOf) {
  const batches = [];
  for (let first = start; first < start + count; first += batchRowCountMax) {
    const last = Math.min(start + count, first + batchRowCountMax);
    const values = [];
    for (let i = first; i < last; i++) values.push(`(${rowOf(i).map(sqlLiteral).join(", ")})`);
    batches.push({ sql: `INSERT INTO ${table} VALUES ${values.join(", ")}`, rowCount: last - first });
  }
  return batches;
}

/**
 * @param {string} dir
 * @returns {Promise<System>}
 */
async function openOmniKv(dir) {
  const db = await Database.open({ dir, sync: false });
  /** @type {EngineSession} */
  const session = db.connect();
  /** @type {StatementPath} */
  const queryPath = {
    label: "query(sql, params)",
    make: (sql) => async (params) => taggedCount(await session.query(sql, params)),
  };
  const paths = [queryPath];
  if (typeof session.prepare === "function" && typeof session.execute === "function") {
    const prepare = session.prepare.bind(session);
    const execute = session.execute.bind(session);
    let statementCount = 0;
    /** @type {StatementPath} */
    const preparedPath = {
      label: "prepared (session.prepare + session.execute)",
      make: (sql) => {
        const name = `bench_${statementCount++}`;
        prepare(name, sql);
        return async (params) => taggedCount(await execute(name, params));
      },
    };
    paths.unshift(preparedPath);
  }
  return {
    name: "OmniKV",
    description: "on disk, sync: false",
    settle: () => db.analyzed(),
    run: async (sql) => {
      await session.query(sql);
    },
    rows: async (sql) => (await session.query(sql)).rows.map((row) => row.map(toText)),
    paths,
    close: () => db.close(),
  };
}

/**
 * @param {string} dir
 * @returns {Promise<System>}
 */
async function openPglite(dir) {
  const pg = await PGlite.create({ dataDir: dir, relaxedDurability: true });
  const fsync = (await pg.query("SHOW fsync", [], { rowMode: "array" })).rows.flat().map(toText).join("");
  let statementCount = 0;
  return {
    name: "PGlite",
    description: `on disk (NodeFS), fsync=${fsync}, relaxedDurability`,
    run: async (sql) => {
      await pg.exec(sql);
    },
    rows: async (sql) => {
      const result = await pg.query(sql, [], { rowMode: "array" });
      return result.rows.map((row) => (Array.isArray(row) ? row.map(toText) : [toText(row)]));
    },
    paths: [
      { label: "query(sql, params)", make: (sql) => async (params) => countOf(await pg.query(sql, [...params])) },
      {
        label: "PREPARE + EXECUTE",
        make: (sql) => {
          const name = `bench_${statementCount++}`;
          const prepared = pg.exec(`PREPARE ${name} AS ${sql}`);
          return async (params) => {
            await prepared;
            return countOf(await pg.query(`EXECUTE ${name}(${params.map(sqlLiteral).join(", ")})`));
          };
        },
      },
    ],
    close: () => pg.close(),
  };
}

/**
 * The rows a PGlite statement returned or changed.
 * @param {{ rows: unknown[]; affectedRows?: number }} result
 */
function countOf(result) {
  return result.rows.length > 0 ? result.rows.length : (result.affectedRows ?? 0);
}

/**
 * @param {string} path
 * @returns {Promise<System>}
 */
async function openSqlite(path) {
  const db = new Sqlite(path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = OFF");
  const version = toText(db.prepare("SELECT sqlite_version()").pluck().get());
  /** @type {StatementPath} */
  const preparedPath = {
    label: "prepare(sql).get / .run",
    make: (sql) => {
      const statement = db.prepare(sql.replaceAll(/\$\d+/g, "?"));
      if (statement.reader) return (params) => (statement.get(...params) === undefined ? 0 : 1);
      return (params) => statement.run(...params).changes;
    },
  };
  return {
    name: "SQLite",
    description: `${version}, on disk, journal_mode=WAL, synchronous=OFF`,
    run: (sql) => {
      db.exec(sql);
      return Promise.resolve();
    },
    rows: (sql) => Promise.resolve(db.prepare(sql).raw().all().map((row) => (Array.isArray(row) ? row.map(toText) : [toText(row)]))),
    paths: [preparedPath],
    close: () => {
      db.close();
      return Promise.resolve();
    },
  };
}

/**
 * BEGIN, the batches, COMMIT; stops early (still committing) once `budgetMs` is spent.
 * @param {System} system
 * @param {{ sql: string; rowCount: number }[]} batches
 * @param {number} budgetMs
 */
async function bulkInsert(system, batches, budgetMs) {
  const started = performance.now();
  let rowCount = 0;
  await system.run("BEGIN");
  for (const batch of batches) {
    await system.run(batch.sql);
    rowCount += batch.rowCount;
    if (performance.now() - started > budgetMs) break;
  }
  await system.run("COMMIT");
  const ms = performance.now() - started;
  return { rowCount, ms, rowsPerSecond: rowCount / (ms / 1000), isCapped: rowCount < batches.reduce((sum, b) => sum + b.rowCount, 0) };
}

/**
 * Runs `statement` for `seconds` (after a warm-up of a third of that); every call must touch one row.
 * @param {Statement} statement
 * @param {() => readonly Param[]} nextParams
 */
async function measureThroughput(statement, nextParams) {
  /** @param {number} ms */
  const runFor = async (ms) => {
    let count = 0;
    const started = performance.now();
    while (performance.now() - started < ms) {
      for (let burst = 0; burst < 256; burst++) {
        const result = statement(nextParams());
        const touched = typeof result === "number" ? result : await result;
        if (touched !== 1) throw new Error(`a point statement touched ${touched} rows`);
      }
      count += 256;
    }
    return count / ((performance.now() - started) / 1000);
  };
  await runFor((seconds * 1000) / 3);
  return runFor(seconds * 1000);
}

/**
 * Single-row INSERTs in autocommit: a warm-up, then `insertCount` timed ones.
 * @param {Statement} statement
 */
async function measureInserts(statement) {
  const rowOf = random(11);
  /** @param {number} i */
  const insertOne = async (i) => {
    const result = statement([i, Math.floor(rowOf() * 100_000), `row-${i}`]);
    const touched = typeof result === "number" ? result : await result;
    if (touched !== 1) throw new Error(`an INSERT touched ${touched} rows`);
  };
  // Warm-up: at least 1,000 rows and a third of `seconds`, with ids below the timed ones.
  const warmUpStarted = performance.now();
  for (let i = 0; i < 1_000 || performance.now() - warmUpStarted < (seconds * 1000) / 3; i++) await insertOne(-1 - i);
  const started = performance.now();
  let count = 0;
  while (count < insertCount && performance.now() - started < insertBudgetMs) {
    for (let burst = 0; burst < 100 && count < insertCount; burst++) await insertOne(count++);
  }
  const ms = performance.now() - started;
  return { count, perSecond: count / (ms / 1000), isCapped: count < insertCount };
}

/** The join's expected result, computed here, so a wrong answer cannot pass as a fast one. */
function expectedJoinRows() {
  /** @type {Map<string, { count: number; total: number }>} */
  const groups = new Map();
  for (let i = 0; i < orderCount; i++) {
    const [, customerId, amount] = orderRow(i);
    const region = `region-${Number(customerId) % regionCount}`;
    const group = groups.get(region) ?? { count: 0, total: 0 };
    group.count += 1;
    group.total += Number(amount);
    groups.set(region, group);
  }
  return [...groups].sort(([a], [b]) => (a < b ? -1 : 1)).map(([region, g]) => [region, String(g.count), String(g.total)]);
}

/**
 * Loads customers and orders, then runs the join: one warm-up, then up to `joinRepetitionCount` timed runs.
 * @param {System} system
 */
async function measureJoin(system) {
  await system.run("CREATE TABLE customers (id int PRIMARY KEY, region text, name text)");
  await system.run("CREATE TABLE orders (id int PRIMARY KEY, customer_id int, amount int)");
  await bulkInsert(system, insertBatches("customers", 0, customerCount, customerRow), Number.POSITIVE_INFINITY);
  await bulkInsert(system, insertBatches("orders", 0, orderCount, orderRow), Number.POSITIVE_INFINITY);
  await system.run("ANALYZE customers");
  await system.run("ANALYZE orders");
  const expected = JSON.stringify(expectedJoinRows());
  const started = performance.now();
  const warmUp = await system.rows(joinSql);
  if (JSON.stringify(warmUp) !== expected) throw new Error(`${system.name} join returned ${JSON.stringify(warmUp)}, expected ${expected}`);
  const warmUpMs = performance.now() - started;
  /** @type {number[]} */
  const timesMs = [];
  while (timesMs.length < joinRepetitionCount && performance.now() - started < joinBudgetMs) {
    const runStarted = performance.now();
    await system.rows(joinSql);
    timesMs.push(performance.now() - runStarted);
  }
  timesMs.sort((a, b) => a - b);
  const medianMs = timesMs[Math.floor(timesMs.length / 2)] ?? warmUpMs;
  return { medianMs, minMs: timesMs[0] ?? warmUpMs, repetitionCount: timesMs.length, warmUpMs };
}

/**
 * @typedef {object} SystemResult
 * @property {string} name
 * @property {string} description
 * @property {{ label: string; perSecond: number }[]} pointSelects one per statement path, main path first
 * @property {{ label: string; count: number; perSecond: number; isCapped: boolean }[]} inserts one per statement path, main path first
 * @property {{ rowCount: number; ms: number; rowsPerSecond: number; isCapped: boolean }} bulk
 * @property {{ medianMs: number; minMs: number; repetitionCount: number; warmUpMs: number }} join
 */

/**
 * All four measurements on one system, in one store; `rowCount` rows of t (fewer if the load is capped).
 * @param {System} system
 * @param {number} rowCount
 * @returns {Promise<SystemResult>}
 */
async function measureSystem(system, rowCount) {
  await system.run("CREATE TABLE w (id int PRIMARY KEY, k int, pad text)");
  await bulkInsert(system, insertBatches("w", 0, Math.min(20_000, rowCount), tRow), Number.POSITIVE_INFINITY);
  await system.run("CREATE TABLE t (id int PRIMARY KEY, k int, pad text)");
  const bulk = await bulkInsert(system, insertBatches("t", 0, rowCount, tRow), bulkLoadBudgetMs);
  report(system.name, "bulk INSERT into t, one transaction", `${fmt(bulk.rowsPerSecond)} rows/s (${fmt(bulk.rowCount)} rows in ${(bulk.ms / 1000).toFixed(1)} s)${bulk.isCapped ? " CAPPED" : ""}`);
  await system.run("ANALYZE t");
  await system.settle?.();
  const pointSelects = [];
  for (const path of system.paths) {
    const nextId = random(42);
    const perSecond = await measureThroughput(path.make(pointSelectSql), () => [Math.floor(nextId() * bulk.rowCount)]);
    pointSelects.push({ label: path.label, perSecond });
    report(system.name, `point select, ${path.label}`, `${fmt(perSecond)} /s`);
  }
  const inserts = [];
  for (const [index, path] of system.paths.entries()) {
    await system.run(`CREATE TABLE u${index} (id int PRIMARY KEY, k int, pad text)`);
    const measured = await measureInserts(path.make(`INSERT INTO u${index} VALUES ($1, $2, $3)`));
    inserts.push({ label: path.label, ...measured });
    report(system.name, `single-row INSERT, ${path.label}`, `${fmt(measured.perSecond)} /s${measured.isCapped ? ` CAPPED after ${fmt(measured.count)} rows` : ""}`);
  }
  const joined = await measureJoin(system);
  const joinFigure =
    joined.repetitionCount === 0
      ? `${joined.warmUpMs.toFixed(1)} ms, the warm-up only: CAPPED at ${joinBudgetMs / 1000} s`
      : `${joined.medianMs.toFixed(1)} ms median of ${joined.repetitionCount} (min ${joined.minMs.toFixed(1)}, warm-up ${joined.warmUpMs.toFixed(1)})`;
  report(system.name, "join + GROUP BY", joinFigure);
  return { name: system.name, description: system.description, pointSelects, inserts, bulk, join: joined };
}

/** @param {number} value */
function fmt(value) {
  return value.toLocaleString("en-US", { maximumFractionDigits: 0 });
}

/**
 * @param {string} system
 * @param {string} label
 * @param {string} value
 */
function report(system, label, value) {
  console.log(`  ${system.padEnd(7)} ${label.padEnd(66)} ${value}`);
}

/** @param {number} ratio */
function times(ratio) {
  return `${ratio.toFixed(2)}x`;
}

/**
 * The summary table: each system's figure and OmniKV's ratio to it (above 1: OmniKV is faster).
 * @param {SystemResult[]} results
 */
function printSummary(results) {
  const [omnikv, ...others] = results;
  if (omnikv === undefined) return;
  /**
   * OmniKV's main path, a comparator's fastest one.
   * @param {SystemResult} r
   * @param {{ perSecond: number }[]} figures
   */
  const pick = (r, figures) => (r === omnikv ? (figures[0]?.perSecond ?? 0) : Math.max(...figures.map((f) => f.perSecond)));
  /** @type {{ label: string; value: (r: SystemResult) => number; unit: string; isLowerBetter: boolean }[]} */
  const rows = [
    { label: "1. point select by PK", value: (r) => pick(r, r.pointSelects), unit: "ops/s", isLowerBetter: false },
    { label: "2. single-row INSERT, autocommit, no fsync", value: (r) => pick(r, r.inserts), unit: "ops/s", isLowerBetter: false },
    { label: "3. bulk INSERT, one transaction", value: (r) => r.bulk.rowsPerSecond, unit: "rows/s", isLowerBetter: false },
    { label: "4. join + GROUP BY (median)", value: (r) => r.join.medianMs, unit: "ms", isLowerBetter: true },
  ];
  const header = ["test".padEnd(44), "unit".padEnd(7), ...results.map((r) => r.name.padStart(12)), ...others.map((r) => `vs ${r.name}`.padStart(12))];
  console.log(`\n${header.join(" ")}`);
  for (const row of rows) {
    const ours = row.value(omnikv);
    const ratios = others.map((r) => times(row.isLowerBetter ? row.value(r) / ours : ours / row.value(r)).padStart(12));
    const figures = results.map((r) => (row.unit === "ms" ? row.value(r).toFixed(1) : fmt(row.value(r))).padStart(12));
    console.log([row.label.padEnd(44), row.unit.padEnd(7), ...figures, ...ratios].join(" "));
  }
  console.log("Ratios are OmniKV's speed over the other's (above 1: OmniKV is faster). For tests 1 and 2 a comparator's");
  console.log(`figure is its fastest statement path; OmniKV's is its main path: ${omnikv.pointSelects[0]?.label ?? "none"}.`);
  const pglite = results.find((r) => r.name === "PGlite");
  const pointPerSecond = pick(omnikv, omnikv.pointSelects);
  const pgliteRatio = pglite === undefined ? Number.NaN : pointPerSecond / pick(pglite, pglite.pointSelects);
  console.log(`\nTargets (point select): >= 300,000/s: ${pointPerSecond >= 300_000 ? "met" : "NOT met"} (${fmt(pointPerSecond)}/s);`);
  console.log(`                        >= 3x PGlite:  ${pgliteRatio >= 3 ? "met" : "NOT met"} (${times(pgliteRatio)})`);
}

async function main() {
  const cpuList = cpus();
  console.log(`@omnikv/engine benchmark: Node ${process.version}, ${platform()} ${release()} ${arch()}, ${cpuList.length} x ${cpuList[0]?.model ?? "unknown CPU"}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB`);
  console.log(`t: ${fmt(pointRowCount)} rows; single-row INSERTs: ${fmt(insertCount)}; join: ${fmt(orderCount)} orders x ${fmt(customerCount)} customers; ${seconds} s per throughput measurement`);
  const dir = mkdtempSync(join(tmpdir(), "engine-bench-"));
  /** @type {SystemResult[]} */
  const results = [];
  try {
    /** @type {[string, () => Promise<System>][]} */
    const openers = [
      ["omnikv", () => openOmniKv(join(dir, "omnikv"))],
      ["pglite", () => openPglite(join(dir, "pglite"))],
      ["sqlite", () => openSqlite(join(dir, "sqlite.db"))],
    ];
    let rowCount = pointRowCount;
    for (const [, open] of openers) {
      const system = await open();
      console.log(`\n${system.name}: ${system.description}; statement path: ${system.paths[0]?.label ?? "none"}`);
      try {
        const result = await measureSystem(system, rowCount);
        results.push(result);
        if (result.bulk.isCapped) {
          console.log(`  NOTE: ${system.name}'s load of t hit the ${bulkLoadBudgetMs / 1000} s cap; every system uses ${fmt(result.bulk.rowCount)} rows of t`);
          rowCount = result.bulk.rowCount;
        }
      } finally {
        await system.close();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  printSummary(results);
}

await main();
