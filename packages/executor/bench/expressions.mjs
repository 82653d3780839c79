// Expression evaluation throughput (the expression benchmark): rows per second for the
// filter `a > 10 AND b LIKE 'x%'` and the projection `a * 2 + b` over 1,000,000 in-memory rows of
// (a int4, b int4, s text), and numeric `sum` over 1,000,000 numeric values. Expressions go through
// the real parser, binder and compiler; rows are arrays of runtime values, as scans produce them.
// Each figure is the median of EXPR_BENCH_REPEATS runs (default 5). Target: filter ≥ 10,000,000
// rows/s.
import { Numeric, TypeOid, UTC } from "@omnikv/base";
import { builtinAggregates, builtinRegistry, compileExpr } from "../dist/index.js";
import { parse } from "@omnikv/parser";
import { bindExpr } from "@omnikv/planner";

const rowCount = 1_000_000;
const repeats = Number(process.env["EXPR_BENCH_REPEATS"] ?? "5");
const context = { extraFloatDigits: 1, timeZone: "UTC", transactionStartMicros: 0n };
const int4 = { oid: TypeOid.int4, typmod: -1 };
const columns = new Map([
  ["a", { index: 0, type: int4, name: "a" }],
  ["b", { index: 1, type: int4, name: "b" }],
  ["s", { index: 2, type: { oid: TypeOid.text, typmod: -1 }, name: "s" }],
]);
const scope = {
  /** @param {readonly string[]} names */
  resolve: (names) => {
    const column = columns.get(names.at(-1) ?? "");
    if (column === undefined) throw new Error(`no column ${names.join(".")}`);
    return column;
  },
};

/** @param {string} sql */
function compile(sql) {
  const [statement] = parse(`SELECT ${sql}`);
  if (statement?.kind !== "select" || statement.body.kind !== "select_core") throw new Error("not a select");
  const target = statement.body.targets[0];
  if (target === undefined) throw new Error("no target");
  const bound = bindExpr(target.expr, { settings: { extraFloatDigits: 1, timeZone: UTC }, paramTypes: [], sql, scope });
  return compileExpr(bound, builtinRegistry);
}

const rows = Array.from({ length: rowCount }, (_, i) => [i % 100, i % 7, i % 3 === 0 ? `x${i}` : `y${i}`]);
const numerics = Array.from({ length: rowCount }, (_, i) => Numeric.parse(`${i % 1000}.${i % 100}`));

/** @param {() => void} run */
function median(run) {
  const rates = [];
  for (let r = 0; r < repeats; r++) {
    const started = performance.now();
    run();
    rates.push(rowCount / ((performance.now() - started) / 1000));
  }
  rates.sort((x, y) => x - y);
  return rates[Math.floor(rates.length / 2)] ?? 0;
}

const filter = compile("a > 10 AND s LIKE 'x%'");
const projection = compile("a * 2 + b");
let sink = 0;
/** @type {[string, number, number | undefined][]} */
const figures = [
  ["filter a > 10 AND s LIKE 'x%'", median(() => {
    for (const row of rows) if (filter(row, [], context) === true) sink++;
  }), 10_000_000],
  ["projection a * 2 + b", median(() => {
    for (const row of rows) if (projection(row, [], context) === 0) sink++;
  }), undefined],
];
const sum = builtinAggregates["sum(numeric)"];
if (sum !== undefined) {
  figures.push(["sum(numeric)", median(() => {
    const state = sum([TypeOid.numeric]);
    for (const value of numerics) state.step([value], context);
    if (state.final(context) === null) sink++;
  }), undefined]);
}
console.log(`@omnikv/executor expressions: ${rowCount.toLocaleString("en-US")} rows, median of ${repeats} (rows/s)`);
/**
 * @param {number} rate
 * @param {number | undefined} target
 */
function verdict(rate, target) {
  if (target === undefined) return "";
  const label = `  (target ${target.toLocaleString("en-US")}`;
  return rate >= target ? `${label}: met)` : `${label}: missed by ${(100 - (rate / target) * 100).toFixed(1)}%)`;
}
for (const [name, rate, target] of figures) {
  console.log(`${name.padEnd(34)} ${Math.round(rate).toLocaleString("en-US").padStart(12)}${verdict(rate, target)}`);
}
if (sum === undefined) console.log("sum(numeric): not measured (no aggregate implementation yet)");
if (sink < 0) console.log(sink);
