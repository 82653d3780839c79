// Statements parsed per second, measured the way a server parses: one statement after another in
// a tight loop on one core, against the built package (dist/), as a consumer runs it. Each
// statement runs for PARSER_BENCH_SECONDS (default 2) after a warm-up, PARSER_BENCH_REPEATS times
// (default 3); the median is printed with the spread. Target: ≥ 500,000/s for the pgbench point
// SELECT (the parser issue).
import { parse } from "../dist/index.js";
import { analyticQuery, pgbenchSelect, pgbenchUpdate } from "./statements.mjs";

const seconds = Number(process.env["PARSER_BENCH_SECONDS"] ?? "2");
const repeats = Number(process.env["PARSER_BENCH_REPEATS"] ?? "3");

/**
 * @param {string} sql
 * @returns {number} statements per second over one timed run
 */
function measure(sql) {
  const deadline = performance.now() + seconds * 1000;
  let count = 0;
  const started = performance.now();
  while (performance.now() < deadline) {
    for (let i = 0; i < 1000; i++) parse(sql);
    count += 1000;
  }
  return count / ((performance.now() - started) / 1000);
}

/**
 * @param {number} median
 * @param {number | undefined} target
 */
function verdict(median, target) {
  if (target === undefined) return "";
  const label = `  (target ${target.toLocaleString("en-US")}`;
  return median >= target ? `${label}: met)` : `${label}: missed by ${(100 - (median / target) * 100).toFixed(1)}%)`;
}

/** @type {[string, string, number | undefined][]} */
const cases = [
  ["pgbench point SELECT", pgbenchSelect, 500_000],
  ["pgbench TPC-B UPDATE", pgbenchUpdate, undefined],
  ["40-line analytic query", analyticQuery, undefined],
];
console.log(`@omnikv/parser throughput: ${seconds} s per run, median of ${repeats} runs (statements/s)`);
for (const [name, sql, target] of cases) {
  for (let i = 0; i < 20_000; i++) parse(sql);
  const rates = Array.from({ length: repeats }, () => measure(sql)).toSorted((a, b) => a - b);
  const median = rates[Math.floor(rates.length / 2)] ?? 0;
  const spread = `${Math.round(rates[0] ?? 0).toLocaleString("en-US")}–${Math.round(rates.at(-1) ?? 0).toLocaleString("en-US")}`;
  console.log(`${name.padEnd(26)} ${Math.round(median).toLocaleString("en-US").padStart(10)}/s  runs ${spread}${verdict(median, target)}`);
}
