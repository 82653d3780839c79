/**
 * Differential test of the query binder and the executor against PostgreSQL 15: the same tables
 * (with NULLs and duplicates) in both, then hand-written queries (every join kind, USING and
 * NATURAL, aggregates with DISTINCT and FILTER, GROUP BY/HAVING, DISTINCT, ORDER BY forms,
 * LIMIT/OFFSET, set operations, VALUES, CTEs, subqueries in FROM, binding errors) and
 * fast-check-generated ones. Result column names, type OIDs and rows must match: as sequences
 * when ORDER BY fixes the order (the generated queries order by every column), else as
 * multisets; a failing statement must fail with the same SQLSTATE. `FC_SEED` replays.
 */
import * as fc from "fast-check";
import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { propertyParams, startPostgres, type PostgresServer } from "@omnikv/testkit";
import { parse } from "@omnikv/parser";
import { explainPlan, planSelect } from "@omnikv/planner";
import { MemoryDatabase, postgresSetup, settings, type TableSpec } from "./memory-tables.ts";

const tables: readonly TableSpec[] = [
  {
    name: "t1",
    columns: [["a", "int4"], ["b", "text"], ["c", "numeric"]],
    rows: [["1", "x", "1.5"], ["2", "y", "2.50"], ["2", null, "-3"], [null, "z", null], ["3", "x", "0"], ["4", "w", "10.25"], ["2", "y", "2.75"]],
    // Indexes only change how rows are found here (PostgreSQL's tables have none): results must not change.
    indexes: [
      { name: "t1_a", columns: ["a"] },
      { name: "t1_b_c", columns: ["b", "c"] },
    ],
  },
  {
    name: "t2",
    columns: [["a", "int4"], ["d", "int8"], ["e", "float8"]],
    rows: [["1", "10", "0.1"], ["2", "20", "-2.5"], ["5", null, "1e10"], [null, "40", null], ["2", "21", "3"]],
    indexes: [{ name: "t2_d", columns: ["d"], isUnique: true }],
  },
  { name: "t3", columns: [["a", "int4"], ["f", "bool"]], rows: [] },
  { name: "t4", columns: [["x", "int4"], ["y", "bool"]], rows: [["1", "true"], ["2", "false"], ["3", null], ["1", "true"]] },
  {
    // Every type with RANGE offset support, with NULLs, duplicates, extremes, NaN and infinities;
    // partition c orders only NULLs.
    name: "t5",
    columns: [["g", "text"], ["i2", "int2"], ["f4", "float4"], ["n", "numeric"], ["d", "date"], ["ts", "timestamp"], ["tz", "timestamptz"], ["tm", "time"], ["iv", "interval"], ["i8", "int8"], ["f8", "float8"]],
    rows: [
      ["a", "1", "1.5", "1.5", "2024-01-01", "2024-01-01 00:00", "2024-01-01 00:00+00", "00:00", "1 day", "1", "1.5"],
      ["a", "2", "2", "2.5", "2024-01-02", "2024-01-01 12:00", "2024-01-31 00:00+00", "06:00", "1 mon", "2", "NaN"],
      ["a", "2", null, null, null, null, null, null, null, "2", null],
      ["a", "5", "Infinity", "NaN", "2024-02-29", "2024-03-01 00:00", "2024-02-29 00:00+00", "23:59:59", "-1 day", "5", "Infinity"],
      ["b", "-3", "-1", "-1", "infinity", "infinity", "-infinity", "12:00", "30 days", "-9223372036854775808", "-Infinity"],
      ["b", null, "0", "0", "2023-12-31", "2023-12-31 23:00", "2023-12-31 00:00+00", "12:00", "1 mon -30 days", "9223372036854775807", "0"],
      ["b", "32767", "3.25", "Infinity", "2024-01-01", "2024-01-01 00:00", "2024-01-01 00:00+00", null, "2 hours", null, "3.25"],
      ["c", null, null, null, null, null, null, null, null, null, null],
    ],
  },
];

let server: PostgresServer;
let client: Client;
const ours = new MemoryDatabase(tables);

beforeAll(async () => {
  server = await startPostgres();
  client = new Client({ host: server.host, port: server.port, user: server.user, database: server.database });
  await client.connect();
  await client.query("SET TimeZone = 'UTC'");
  for (const statement of postgresSetup(tables)) await client.query(statement);
});

afterAll(async () => {
  await client.end();
  await server.stop();
});

interface Outcome {
  readonly columns: string;
  readonly rows: readonly string[];
}

function sqlStateOf(error: unknown): string {
  if (typeof error === "object" && error !== null) {
    if ("sqlState" in error && typeof error.sqlState === "string") return error.sqlState;
    if ("code" in error && typeof error.code === "string") return error.code;
  }
  throw error;
}

function oursFor(sql: string): Outcome | string {
  try {
    const result = ours.query(sql);
    return { columns: result.columns.map((c) => `${c.name}:${c.type.oid}`).join(","), rows: result.rows.map((row) => JSON.stringify(row)) };
  } catch (error) {
    return `ERROR ${sqlStateOf(error)}`;
  }
}

async function theirsFor(sql: string): Promise<Outcome | string> {
  try {
    const result = await client.query<(string | null)[]>({ text: sql, rowMode: "array", types: { getTypeParser: () => (value: string) => value } });
    return { columns: result.fields.map((f) => `${f.name}:${f.dataTypeID}`).join(","), rows: result.rows.map((row) => JSON.stringify(row)) };
  } catch (error) {
    return `ERROR ${sqlStateOf(error)}`;
  }
}

/**
 * Rows compare as a multiset; with ORDER BY also as a sequence, in which numbers lose trailing
 * fractional zeros: 2.5 and 2.50 are equal sort keys whose order among themselves is unspecified.
 */
function comparable(outcome: Outcome | string, isOrdered: boolean): unknown {
  if (typeof outcome === "string") return outcome;
  const sequence = isOrdered ? outcome.rows.map((row) => row.replaceAll(/(\.\d*?)0+"/g, '$1"').replaceAll('."', '"')) : [];
  return { columns: outcome.columns, rows: [...outcome.rows].sort(), sequence };
}

async function mismatchOf(sql: string): Promise<string | undefined> {
  const isOrdered = /\border by\b/i.test(sql) && !/\border by\b[^)]*\)/i.test(sql.slice(sql.search(/\border by\b/i)));
  const [mine, pg] = [comparable(oursFor(sql), isOrdered), comparable(await theirsFor(sql), isOrdered)];
  const [a, b] = [JSON.stringify(mine), JSON.stringify(pg)];
  return a === b ? undefined : `${sql}\n  pg:   ${b.slice(0, 600)}\n  ours: ${a.slice(0, 600)}`;
}

const handWritten = [
  // Projection, expressions, names and types.
  "SELECT 1, 'x', 2.5, NULL",
  "SELECT a, b, c FROM t1",
  "SELECT * FROM t1 ORDER BY a, b, c",
  "SELECT t1.* FROM t1 WHERE a > 1",
  "SELECT a + 1 AS next, c * 2, b || '!' FROM t1 ORDER BY 1, 2, 3",
  "SELECT a::text, c::int4, e::numeric(10,2) FROM t1 JOIN t2 USING (a)",
  "SELECT a AS x, b AS x FROM t1 ORDER BY x",
  // WHERE with NULLs.
  "SELECT * FROM t1 WHERE b IS NULL OR a IS NULL",
  "SELECT * FROM t1 WHERE a IN (1, 2) AND c > 0",
  "SELECT * FROM t1 WHERE NOT (a = 2)",
  "SELECT * FROM t1 WHERE a NOT IN (1, NULL)",
  "SELECT * FROM t4 WHERE y",
  "SELECT * FROM t4 WHERE y IS NOT TRUE",
  // Joins.
  "SELECT * FROM t1 JOIN t2 ON t1.a = t2.a",
  "SELECT * FROM t1 LEFT JOIN t2 ON t1.a = t2.a",
  "SELECT * FROM t1 RIGHT JOIN t2 ON t1.a = t2.a",
  "SELECT * FROM t1 LEFT JOIN t2 ON t1.a = t2.a WHERE t2.d > 10",
  "SELECT * FROM t1 LEFT JOIN t2 ON t1.a = t2.a WHERE t2.d IS NOT NULL",
  "SELECT * FROM t1 LEFT JOIN t2 ON t1.a = t2.a WHERE NOT (t2.d > 10)",
  "SELECT * FROM t1 LEFT JOIN t2 ON t1.a = t2.a WHERE t2.e > 0 OR t2.d > 20",
  "SELECT * FROM t1 LEFT JOIN t2 ON t1.a = t2.a WHERE t2.d IS NULL OR t2.d > 20",
  "SELECT * FROM t1 LEFT JOIN t2 ON t1.a = t2.a WHERE coalesce(t2.d, 0) = 0",
  "SELECT * FROM t1 LEFT JOIN t2 ON t1.a = t2.a WHERE (t2.d > 20) IS NOT TRUE",
  "SELECT * FROM t1 LEFT JOIN t2 ON t1.a = t2.a WHERE (t2.d > 20) IS FALSE",
  "SELECT * FROM t1 RIGHT JOIN t2 ON t1.a = t2.a WHERE t1.c::int4 > 0",
  "SELECT * FROM t1 FULL JOIN t2 ON t1.a = t2.a WHERE t1.b <> 'q'",
  "SELECT * FROM t1 FULL JOIN t2 ON t1.a = t2.a WHERE t2.e < 100",
  "SELECT * FROM t1 FULL JOIN t2 ON t1.a = t2.a WHERE t1.b <> 'q' AND t2.e < 100",
  "SELECT * FROM t1 LEFT JOIN t2 ON t1.a = t2.a LEFT JOIN t4 ON t4.x = t2.a WHERE t4.y",
  "SELECT * FROM t1 LEFT JOIN t2 ON t1.a = t2.a JOIN t4 ON t4.x = t2.a",
  "SELECT * FROM t1 LEFT JOIN t2 ON t1.a = t2.a JOIN t4 ON t4.x + 1 = t1.a WHERE t4.y IS NOT FALSE",
  "SELECT * FROM t4 LEFT JOIN (t1 LEFT JOIN t2 ON t1.a = t2.a) ON t4.x = t1.a WHERE t2.d > 0",
  "SELECT * FROM t1 LEFT JOIN t2 ON t1.a = t2.a WHERE t1.c > 1 AND (t2.d IS NULL OR t1.b = 'y')",
  "SELECT * FROM t1 LEFT JOIN t2 ON t1.a = t2.a WHERE t1.b IN (SELECT b FROM t1 AS i WHERE i.c > t1.c)",
  "SELECT * FROM t1 RIGHT JOIN t2 ON t1.a = t2.a WHERE EXISTS (SELECT 1 FROM t4 WHERE t4.x > t2.a) AND t2.e IS NOT NULL",
  "SELECT * FROM t1 RIGHT JOIN t2 ON t1.a = t2.a WHERE t2.d > 15 OR t1.a IS NULL",
  "SELECT * FROM t1 FULL JOIN t2 ON t1.a = t2.a",
  "SELECT * FROM t1 FULL OUTER JOIN t2 ON t1.a = t2.a AND t2.d > 15",
  "SELECT * FROM t1 LEFT JOIN t2 ON t1.a < t2.a",
  "SELECT * FROM t1 CROSS JOIN t4",
  "SELECT * FROM t1, t2 WHERE t1.a = t2.a AND t2.e > 0",
  "SELECT * FROM t1 JOIN t2 USING (a)",
  "SELECT * FROM t1 LEFT JOIN t2 USING (a)",
  "SELECT * FROM t1 RIGHT JOIN t2 USING (a)",
  "SELECT * FROM t1 FULL JOIN t2 USING (a)",
  "SELECT a, t1.a, t2.a FROM t1 FULL JOIN t2 USING (a)",
  "SELECT * FROM t1 NATURAL JOIN t2",
  "SELECT * FROM t1 NATURAL LEFT JOIN t3",
  "SELECT * FROM t1 JOIN t2 ON t1.a = t2.a JOIN t4 ON t4.x = t1.a",
  "SELECT * FROM t1 LEFT JOIN (t2 JOIN t4 ON t2.a = t4.x) ON t1.a = t2.a",
  "SELECT j.* FROM (t1 JOIN t2 USING (a)) AS j",
  "SELECT * FROM t1 a1 JOIN t1 a2 ON a1.a = a2.a AND a1.b <> a2.b",
  "SELECT * FROM t1 JOIN t2 ON t1.a = t2.d",
  "SELECT * FROM t1 JOIN t2 ON true",
  // Inner-join regions the planner re-orders (results and column order must not change).
  "SELECT * FROM t4, t1, t2 WHERE t1.a = t2.a AND t4.x = t1.a AND t2.d > 15",
  "SELECT t1.b, t4.y, t2.e FROM t1 JOIN t2 ON t1.a = t2.a JOIN t4 ON t4.x = t2.a WHERE t4.y",
  "SELECT * FROM t1 a1, t1 a2, t2, t4 WHERE a1.a = a2.a AND a2.a = t2.a AND t2.a = t4.x AND a1.c < a2.c",
  "SELECT count(*) FROM t1, t2, t4 WHERE t1.a < t2.a AND t4.x = 1",
  "SELECT * FROM t3, t1, t2 WHERE t3.a = t1.a",
  "SELECT * FROM t1 LEFT JOIN t2 ON t1.a = t2.a, t4 WHERE t4.x = t1.a",
  "SELECT * FROM t1, t2 WHERE t1.a = t2.a AND 1 = 1 AND t1.a IN (SELECT x FROM t4 WHERE t4.x = t2.a)",
  // Aggregates and grouping.
  "SELECT count(*), count(a), count(b), sum(a), avg(c), min(b), max(c) FROM t1",
  "SELECT count(*), sum(a), max(a) FROM t3",
  "SELECT a, count(*) FROM t1 GROUP BY a",
  "SELECT b, sum(c), avg(a) FROM t1 GROUP BY b ORDER BY b",
  "SELECT a, count(DISTINCT b), count(*) FILTER (WHERE c > 0) FROM t1 GROUP BY a",
  "SELECT b, string_agg(a::text, ',') FROM t1 GROUP BY b",
  "SELECT a % 2 AS parity, count(*) FROM t1 GROUP BY a % 2",
  "SELECT a % 2 AS parity, count(*) FROM t1 GROUP BY parity ORDER BY parity",
  "SELECT b, count(*) FROM t1 GROUP BY 1 HAVING count(*) > 1",
  "SELECT count(*) FROM t1 HAVING count(*) > 100",
  "SELECT b FROM t1 GROUP BY b ORDER BY count(*) DESC, b",
  "SELECT t1.a, sum(d) FROM t1 JOIN t2 ON t1.a = t2.a GROUP BY t1.a",
  "SELECT y, bool_and(x > 1), every(x < 3) FROM t4 GROUP BY y",
  // Grouping sets: ROLLUP, CUBE, GROUPING SETS, (), GROUPING(), combined with plain keys, HAVING, ORDER BY.
  "SELECT a, b, count(*), sum(c) FROM t1 GROUP BY ROLLUP (a, b)",
  "SELECT a, b, count(*), GROUPING(a, b), GROUPING(b) FROM t1 GROUP BY CUBE (a, b) ORDER BY 4, 1, 2",
  "SELECT a, b, sum(c) FROM t1 GROUP BY GROUPING SETS ((a), (b), ())",
  "SELECT b, a % 2 AS parity, count(*) FROM t1 GROUP BY b, ROLLUP (a % 2) HAVING count(*) > 0 ORDER BY 1, 2",
  "SELECT count(*), max(a) FROM t3 GROUP BY ROLLUP (a)",
  "SELECT count(*) FROM t1 GROUP BY ()",
  "SELECT a, count(*) FROM t1 GROUP BY DISTINCT ROLLUP (a), ROLLUP (a)",
  "SELECT a, count(*) FROM t1 GROUP BY ROLLUP (a), ROLLUP (a)",
  "SELECT GROUPING(a), a, count(*) FROM t1 GROUP BY a",
  "SELECT x, y, count(*) FILTER (WHERE y), GROUPING(x, y) AS g FROM t4 GROUP BY GROUPING SETS ((x, y), x, y, ()) ORDER BY g, x, y",
  "SELECT t1.a, t2.d, sum(e) FROM t1 JOIN t2 ON t1.a = t2.a GROUP BY CUBE (t1.a, t2.d)",
  "SELECT a, count(*) FROM t1 GROUP BY ROLLUP (a) ORDER BY a NULLS FIRST, 2 LIMIT 2",
  "SELECT GROUPING(c) FROM t1 GROUP BY ROLLUP (a)",
  // LATERAL: subqueries and functions reading earlier FROM items, INNER and LEFT, nested levels.
  "SELECT t1.a, s.n FROM t1, LATERAL (SELECT count(*) AS n FROM t2 WHERE t2.a = t1.a) s",
  "SELECT t1.a, s.d FROM t1 LEFT JOIN LATERAL (SELECT d FROM t2 WHERE t2.a = t1.a ORDER BY d DESC LIMIT 1) s ON true",
  "SELECT t1.a, g FROM t1, generate_series(1, t1.a) g",
  "SELECT t1.a, x.y FROM t1 CROSS JOIN LATERAL (SELECT t1.a * 2 AS y) x",
  "SELECT t1.a, s.d FROM t1 JOIN LATERAL (SELECT t2.d FROM t2 WHERE t2.a = t1.a) s ON s.d > 15",
  "SELECT t1.a, s.d FROM t1 LEFT JOIN LATERAL (SELECT t2.d FROM t2 WHERE t2.a = t1.a) s ON s.d > 15",
  "SELECT * FROM t1 RIGHT JOIN LATERAL (SELECT t1.a AS z) s ON true",
  "SELECT t4.x, l.s FROM t4, LATERAL (SELECT t4.x + t1.a AS s FROM t1 WHERE t1.b = 'x') l",
  "SELECT a FROM t1 WHERE EXISTS (SELECT 1 FROM t2, LATERAL (SELECT t2.d + t1.a AS v) q WHERE q.v > 12)",
  "SELECT t1.a, u.v FROM t1, LATERAL unnest(ARRAY[t1.a, t1.a + 1]) WITH ORDINALITY AS u(v, n) WHERE u.n = 2",
  "SELECT t1.b, s.m FROM t1, LATERAL (SELECT max(t2.e) AS m FROM t2 WHERE t2.a <= t1.a) s ORDER BY 1, 2",
  "SELECT x, w.c FROM t4, LATERAL (SELECT count(*) AS c FROM t1, LATERAL (SELECT t1.a + t4.x AS q) z WHERE z.q > 3) w",
  "SELECT sum(e), avg(e) FROM t2",
  "SELECT array_agg(a) FROM t1 WHERE a IS NOT NULL AND false",
  "SELECT string_agg(b, ',' ORDER BY b) FROM t1",
  "SELECT string_agg(b, ',' ORDER BY b DESC NULLS FIRST, c) FROM t1",
  "SELECT a, array_agg(c ORDER BY c DESC), array_agg(b ORDER BY c NULLS FIRST) FROM t1 GROUP BY a ORDER BY a",
  "SELECT array_agg(DISTINCT b ORDER BY b DESC), array_agg(DISTINCT a ORDER BY a NULLS FIRST) FROM t1",
  "SELECT array_agg(DISTINCT b ORDER BY c) FROM t1",
  "SELECT json_agg(a ORDER BY c NULLS FIRST, a), sum(a ORDER BY b), count(* ORDER BY b) FROM t1",
  "SELECT string_agg(b, ',' ORDER BY a DESC, b) FILTER (WHERE c > 0) FROM t1",
  "SELECT array_agg(a ORDER BY a) OVER () FROM t1",
  "SELECT array_agg(a ORDER BY count(*)) FROM t1",
  "SELECT b, array_agg(a ORDER BY a), array_agg(a ORDER BY a DESC) FROM t1 GROUP BY b ORDER BY b",
  // Equal numerics of different scales are one group and one DISTINCT value.
  "SELECT count(DISTINCT x), count(*) FROM (VALUES (2.5), (2.50), (2.500)) AS v (x)",
  "SELECT count(*) FROM (VALUES (2.5), (2.50)) AS v (x) GROUP BY x",
  "SELECT count(*) FROM (SELECT DISTINCT x FROM (VALUES (1.0), (1.00), (-0.0), (0)) AS v (x)) AS d",
  // DISTINCT, ORDER BY, LIMIT.
  "SELECT DISTINCT b FROM t1",
  "SELECT DISTINCT a, b FROM t1 ORDER BY a, b",
  "SELECT DISTINCT c FROM t1 ORDER BY c",
  "SELECT a, b FROM t1 ORDER BY b DESC NULLS LAST, a",
  "SELECT a, b FROM t1 ORDER BY a NULLS FIRST, b DESC",
  "SELECT a, b FROM t1 ORDER BY c",
  "SELECT a FROM t1 ORDER BY a LIMIT 3",
  "SELECT a FROM t1 ORDER BY a LIMIT 2 OFFSET 2",
  "SELECT a FROM t1 ORDER BY a OFFSET 5",
  "SELECT a FROM t1 ORDER BY a LIMIT NULL",
  "SELECT a FROM t1 ORDER BY a FETCH FIRST 2 ROWS ONLY",
  "SELECT a, b FROM t1 ORDER BY a DESC, b LIMIT 0",
  // DISTINCT ON (the ORDER BY decides which row of each group comes first).
  "SELECT DISTINCT ON (a) a, b, c FROM t1 ORDER BY a, c DESC",
  "SELECT DISTINCT ON (b) b, a FROM t1 ORDER BY b, a DESC NULLS LAST, c",
  "SELECT DISTINCT ON (a % 2) a % 2 AS parity, a, c FROM t1 ORDER BY a % 2, c",
  "SELECT DISTINCT ON (a) a FROM t1",
  "SELECT DISTINCT ON (1) a, c FROM t1 ORDER BY 1, 2 LIMIT 2",
  "SELECT DISTINCT ON (a) a, b FROM t1 ORDER BY b",
  // Set operations and VALUES.
  "SELECT a FROM t1 UNION SELECT a FROM t2",
  "SELECT a FROM t1 UNION ALL SELECT a FROM t2",
  "SELECT a FROM t1 INTERSECT SELECT a FROM t2",
  "SELECT a FROM t1 INTERSECT ALL SELECT a FROM t2",
  "SELECT a FROM t1 EXCEPT SELECT a FROM t2",
  "SELECT a FROM t1 EXCEPT ALL SELECT a FROM t2",
  "SELECT a FROM t1 UNION SELECT a FROM t2 INTERSECT SELECT x FROM t4",
  "(SELECT a FROM t1 UNION SELECT a FROM t2) EXCEPT SELECT x FROM t4 ORDER BY 1",
  "SELECT a, b FROM t1 UNION SELECT a, d::text FROM t2 ORDER BY a, b",
  "SELECT 1 UNION SELECT 2.5",
  "VALUES (1, 'a'), (2, NULL), (NULL, 'c')",
  "SELECT * FROM (VALUES (1, 2), (3, 4)) AS v (p, q) WHERE p > 1",
  "VALUES (1), (2) ORDER BY 1 DESC",
  // Subqueries in FROM and CTEs.
  "SELECT s.b, s.n FROM (SELECT b, count(*) AS n FROM t1 GROUP BY b) AS s WHERE s.n > 1",
  "SELECT * FROM (SELECT a FROM t1 ORDER BY a LIMIT 2) AS s",
  "WITH s AS (SELECT a, sum(c) AS total FROM t1 GROUP BY a) SELECT * FROM s WHERE total > 1 ORDER BY a",
  "WITH x AS (SELECT 1 AS n), y AS (SELECT n + 1 AS m FROM x) SELECT * FROM x, y",
  "WITH s (k) AS (SELECT a FROM t1) SELECT k FROM s ORDER BY k",
  // Index scans (t1_a, t1_b_c, t2_d): equalities, ranges, NULL bounds, the rest as filters.
  "SELECT * FROM t1 WHERE a = 2",
  "SELECT * FROM t1 WHERE a > 1 AND a <= 3",
  "SELECT * FROM t1 WHERE a = NULL",
  "SELECT * FROM t1 WHERE b = 'y' AND c > 2.5",
  "SELECT * FROM t1 WHERE b = 'x' AND c >= 0 AND a < 3",
  "SELECT * FROM t2 WHERE d = 20",
  "SELECT * FROM t2 WHERE d < 25 AND e > 0",
  "SELECT * FROM t1 JOIN t2 ON t1.a = t2.a WHERE t2.d = 21 AND t1.b = 'y'",
  "SELECT count(*) FROM t1 WHERE 2 = a",
  // Subquery expressions, uncorrelated and correlated, with NULLs.
  "SELECT a, (SELECT max(d) FROM t2) FROM t1",
  "SELECT a, (SELECT max(d) FROM t2 WHERE t2.a = t1.a) AS m FROM t1",
  "SELECT * FROM t1 WHERE EXISTS (SELECT 1 FROM t2 WHERE t2.a = t1.a)",
  "SELECT * FROM t1 WHERE NOT EXISTS (SELECT 1 FROM t2 WHERE t2.a = t1.a)",
  "SELECT * FROM t1 WHERE NOT EXISTS (SELECT 1 FROM t2 WHERE t2.a + 1 = t1.a * 2)",
  "SELECT * FROM t1 WHERE EXISTS (SELECT 1 FROM t2 WHERE t2.a = t1.a - 1 AND t2.d = (t1.a - 1) * 10)",
  "SELECT * FROM t1 WHERE a IN (SELECT a FROM t2)",
  "SELECT * FROM t1 WHERE a NOT IN (SELECT a FROM t2)",
  "SELECT * FROM t1 WHERE a NOT IN (SELECT a FROM t2 WHERE a IS NOT NULL)",
  "SELECT a, a IN (SELECT a FROM t2), a NOT IN (SELECT x FROM t4) FROM t1",
  "SELECT a, a NOT IN (SELECT a FROM t3), a IN (SELECT a FROM t3), NULL::int4 NOT IN (SELECT a FROM t3) FROM t1",
  "SELECT b, b NOT IN (SELECT b FROM t1 WHERE c > 1), b IN (SELECT b FROM t1 WHERE c > 1) FROM t1",
  "SELECT a, a::int8 NOT IN (SELECT d FROM t2), a::int8 = ANY (SELECT d / 10 FROM t2), a <> ALL (SELECT x FROM t4) FROM t1",
  "SELECT a, a NOT IN (SELECT d / 10 FROM t2), a::int2 IN (SELECT d / 10 FROM t2 WHERE d IS NOT NULL), a::int2 NOT IN (SELECT a FROM t2 WHERE a IS NOT NULL) FROM t1",
  // Unknown literals in set operations resolve with the other side (PostgreSQL's select_common_type).
  "SELECT 1 UNION ALL SELECT NULL",
  "SELECT NULL UNION SELECT 2.5::numeric",
  "SELECT 1 AS n UNION SELECT '2' ORDER BY 1",
  "SELECT 1 UNION SELECT 'x'",
  "SELECT NULL UNION SELECT NULL",
  "SELECT 'a' UNION SELECT 'b' ORDER BY 1",
  "SELECT a, NULL FROM t1 UNION ALL SELECT NULL, d FROM t2",
  // Hashed subplans over types compared by their own `=` (numeric scale, float -0/NaN, interval units).
  "SELECT c, c IN (SELECT c * 1.0 FROM t1 WHERE c > 1), c NOT IN (SELECT 2.5::numeric UNION ALL SELECT NULL) FROM t1",
  "SELECT e, e IN (SELECT e FROM t2 WHERE e < 5), e NOT IN (SELECT -e FROM t2 WHERE e IS NOT NULL) FROM t2",
  "SELECT c FROM t1 WHERE c NOT IN (SELECT c FROM t1 WHERE c < 2)",
  "SELECT i, i IN (SELECT '24 hours'::interval), i NOT IN (SELECT '1 day'::interval) FROM (VALUES ('1 day'::interval), ('25 hours'), (NULL)) v(i)",
  "SELECT f, f IN (SELECT 'NaN'::float8 UNION ALL SELECT -0.0::float8) FROM (VALUES ('NaN'::float8), (0.0), (1.5)) v(f)",
  // Index-provided order: the Sort is dropped when an index (ascending, NULLs last) gives the order.
  "SELECT a FROM t1 ORDER BY a",
  "SELECT a FROM t1 ORDER BY a DESC",
  "SELECT a FROM t1 ORDER BY a DESC LIMIT 3",
  "SELECT a FROM t1 WHERE a > 1 ORDER BY a LIMIT 2 OFFSET 1",
  "SELECT b, c FROM t1 ORDER BY b, c",
  "SELECT b, c FROM t1 ORDER BY b DESC, c DESC",
  "SELECT c FROM t1 WHERE b = 'y' ORDER BY c DESC",
  "SELECT c FROM t1 WHERE b = 'y' ORDER BY b, c",
  "SELECT d, a FROM t2 ORDER BY d LIMIT 4",
  "SELECT d, a FROM t2 ORDER BY d DESC",
  "SELECT d AS k FROM t2 WHERE d > 10 ORDER BY 1",
  "SELECT a FROM t1 ORDER BY a NULLS FIRST",
  "SELECT a FROM t1 ORDER BY a DESC NULLS LAST",
  "SELECT b, c FROM t1 ORDER BY b, c DESC",
  "SELECT DISTINCT ON (b) b, c FROM t1 ORDER BY b, c",
  "SELECT * FROM t1 WHERE c > ALL (SELECT e FROM t2 WHERE e < 1)",
  "SELECT * FROM t1 WHERE c < ANY (SELECT e FROM t2)",
  "SELECT * FROM t1 WHERE a = ANY (SELECT a FROM t3)",
  "SELECT * FROM t1 WHERE a <> ALL (SELECT a FROM t3)",
  "SELECT b, (SELECT count(*) FROM t2 WHERE t2.a < t1.a AND t2.d > (SELECT min(x) FROM t4 WHERE t4.x <> t1.a)) FROM t1",
  "SELECT a FROM t1 WHERE (SELECT count(*) FROM t2 WHERE t2.a = t1.a) > 1",
  "SELECT * FROM t1 WHERE EXISTS (SELECT 1 FROM t2 WHERE t2.a = t1.a AND t2.d > 15) AND t1.c > 0",
  "SELECT * FROM t1 WHERE NOT EXISTS (SELECT 1 FROM t2, t4 WHERE t2.a = t1.a AND t4.x = t2.a AND t4.y)",
  "SELECT * FROM t1, t4 WHERE t4.x = t1.a AND EXISTS (SELECT 1 FROM t2 WHERE t2.a = t4.x AND t2.d = t1.a * 10)",
  "SELECT * FROM t1 WHERE b IN (SELECT b FROM t1 AS inner1 WHERE inner1.c > 1) AND a IN (SELECT a FROM t2)",
  "SELECT a, count(*), (SELECT max(d) FROM t2 WHERE t2.a = t1.a) FROM t1 GROUP BY a",
  "SELECT (SELECT a FROM t2)",
  "SELECT (SELECT a, d FROM t2 LIMIT 1)",
  "SELECT a FROM t1 WHERE a IN (SELECT a, d FROM t2)",
  "SELECT a FROM t1 WHERE EXISTS (SELECT nope FROM t2)",
  // Window functions.
  "SELECT a, b, row_number() OVER (ORDER BY a, b, c) FROM t1",
  "SELECT a, c, rank() OVER (ORDER BY a), dense_rank() OVER (ORDER BY a), percent_rank() OVER (ORDER BY a), cume_dist() OVER (ORDER BY a) FROM t1",
  "SELECT a, c, row_number() OVER (PARTITION BY a ORDER BY c), count(*) OVER (PARTITION BY a) FROM t1",
  "SELECT a, c, sum(c) OVER (ORDER BY a), avg(c) OVER (PARTITION BY b) FROM t1",
  "SELECT a, c, sum(c) OVER (ORDER BY a GROUPS BETWEEN 1 PRECEDING AND 1 FOLLOWING), count(*) OVER (ORDER BY a GROUPS 1 PRECEDING) FROM t1",
  "SELECT a, c, sum(c) OVER (ORDER BY a GROUPS BETWEEN CURRENT ROW AND 2 FOLLOWING EXCLUDE GROUP), count(*) OVER (ORDER BY a RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW EXCLUDE TIES) FROM t1",
  "SELECT a, c, sum(c) OVER (ORDER BY a ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING EXCLUDE CURRENT ROW), array_agg(a) OVER (PARTITION BY b ORDER BY c GROUPS BETWEEN 1 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW) FROM t1",
  "SELECT a, c, first_value(c) OVER w, last_value(c) OVER w, nth_value(c, 2) OVER w FROM t1 WINDOW w AS (ORDER BY a, c GROUPS BETWEEN 2 PRECEDING AND 1 FOLLOWING EXCLUDE TIES)",
  "SELECT a, c, first_value(c) OVER w, last_value(c) OVER w, nth_value(c, 3) OVER w FROM t1 WINDOW w AS (ORDER BY a DESC, c GROUPS BETWEEN 1 FOLLOWING AND 3 FOLLOWING)",
  "SELECT a, c, sum(c) OVER (ORDER BY a GROUPS BETWEEN 3 PRECEDING AND 1 PRECEDING), count(c) OVER (ORDER BY a GROUPS BETWEEN 2 FOLLOWING AND UNBOUNDED FOLLOWING EXCLUDE TIES) FROM t1",
  "SELECT a, sum(c) OVER (GROUPS UNBOUNDED PRECEDING) FROM t1",
  "SELECT a, sum(c) OVER (ORDER BY a GROUPS BETWEEN -1 PRECEDING AND CURRENT ROW) FROM t1",
  "SELECT a, sum(c) OVER (ORDER BY a ROWS BETWEEN CURRENT ROW AND NULL FOLLOWING) FROM t1",
  "SELECT a, c, sum(c) OVER (ORDER BY a, c ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) FROM t1",
  "SELECT a, c, max(c) OVER (ORDER BY a, c ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) FROM t1",
  "SELECT a, c, min(c) OVER (ORDER BY a, c ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) FROM t1",
  "SELECT a, c, lag(c) OVER (ORDER BY a, c), lead(c, 2, -1) OVER (ORDER BY a, c) FROM t1",
  "SELECT a, c, first_value(c) OVER w, last_value(c) OVER w, nth_value(c, 2) OVER w FROM t1 WINDOW w AS (PARTITION BY a ORDER BY c)",
  "SELECT a, c, first_value(c) OVER (ORDER BY a, c ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) FROM t1",
  "SELECT a, ntile(3) OVER (ORDER BY a, c) FROM t1",
  "SELECT b, count(*), rank() OVER (ORDER BY count(*) DESC) FROM t1 GROUP BY b",
  "SELECT b, sum(sum(c)) OVER (ORDER BY b) FROM t1 GROUP BY b",
  "SELECT a, row_number() OVER (ORDER BY a DESC NULLS LAST, c) AS r FROM t1 ORDER BY r",
  "SELECT DISTINCT a, count(*) OVER (PARTITION BY a) FROM t1",
  "SELECT a, row_number() OVER (ORDER BY c) FROM t1 ORDER BY a LIMIT 3",
  "SELECT a FROM t1 WHERE row_number() OVER () > 1",
  "SELECT row_number() OVER w FROM t1 WINDOW v AS (ORDER BY a)",
  // FILTER on window aggregates; PostgreSQL 15 has no ORDER BY or DISTINCT inside them (0A000).
  "SELECT a, c, sum(c) FILTER (WHERE a > 1) OVER (ORDER BY a), count(*) FILTER (WHERE c < 2) OVER (PARTITION BY b), array_agg(a) FILTER (WHERE b IS NOT NULL) OVER (ORDER BY a, c ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) FROM t1",
  "SELECT a, avg(c) FILTER (WHERE a = 2) OVER (ORDER BY a RANGE BETWEEN 1 PRECEDING AND 1 FOLLOWING EXCLUDE CURRENT ROW) FROM t1",
  "SELECT a, row_number() FILTER (WHERE a > 1) OVER () FROM t1",
  "SELECT a, sum(c) FILTER (WHERE sum(c) > 0) OVER () FROM t1",
  "SELECT a, array_agg(c ORDER BY c DESC) OVER (PARTITION BY b) FROM t1",
  "SELECT a, count(DISTINCT c) OVER (PARTITION BY b) FROM t1",
  // RANGE frames with offsets: every in_range type, NULL peers, DESC, extremes, EXCLUDE, errors.
  "SELECT a, c, sum(c) OVER (ORDER BY a RANGE BETWEEN 1 PRECEDING AND 1 FOLLOWING), count(*) OVER (ORDER BY a RANGE 1 PRECEDING) FROM t1",
  "SELECT a, count(*) OVER (ORDER BY a DESC RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), min(a) OVER (ORDER BY a DESC RANGE BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) FROM t1",
  "SELECT a, count(*) OVER (ORDER BY a NULLS FIRST RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), max(a) OVER (ORDER BY a DESC NULLS LAST RANGE BETWEEN 2 PRECEDING AND UNBOUNDED FOLLOWING) FROM t1",
  "SELECT a, c, sum(c) OVER (ORDER BY a RANGE BETWEEN 1 PRECEDING AND 1 FOLLOWING EXCLUDE GROUP), count(*) OVER (ORDER BY a RANGE BETWEEN 2 PRECEDING AND CURRENT ROW EXCLUDE TIES), sum(a) OVER (ORDER BY a RANGE BETWEEN 1 PRECEDING AND 1 FOLLOWING EXCLUDE CURRENT ROW) FROM t1",
  "SELECT a, first_value(a) OVER w, last_value(a) OVER w, nth_value(a, 2) OVER w FROM t1 WINDOW w AS (ORDER BY a RANGE BETWEEN 1 FOLLOWING AND 2 FOLLOWING)",
  "SELECT a, count(*) OVER (ORDER BY a RANGE BETWEEN 1 FOLLOWING AND 1 PRECEDING), count(*) OVER (ORDER BY a RANGE BETWEEN (1 + 1) PRECEDING AND 0 PRECEDING) FROM t1",
  "SELECT c, sum(c) OVER (ORDER BY c RANGE BETWEEN 1.5 PRECEDING AND 0.5 FOLLOWING), count(*) OVER (PARTITION BY b ORDER BY c DESC RANGE BETWEEN 3 PRECEDING AND 2 FOLLOWING) FROM t1",
  "SELECT d, e, count(*) OVER (ORDER BY d RANGE BETWEEN 10 PRECEDING AND 1 FOLLOWING), sum(e) OVER (ORDER BY e RANGE BETWEEN 3 PRECEDING AND 1e10 FOLLOWING) FROM t2",
  "SELECT g, i2, count(*) OVER w, sum(i2) OVER w FROM t5 WINDOW w AS (PARTITION BY g ORDER BY i2 RANGE BETWEEN 1 PRECEDING AND 1 FOLLOWING)",
  "SELECT i2, count(*) OVER (ORDER BY i2 DESC RANGE BETWEEN 2::int8 PRECEDING AND CURRENT ROW), count(*) OVER (ORDER BY i2 RANGE BETWEEN CURRENT ROW AND 1::int2 FOLLOWING) FROM t5",
  "SELECT i8, count(*) OVER (ORDER BY i8 RANGE BETWEEN 9223372036854775807 PRECEDING AND 1 FOLLOWING), count(*) OVER (ORDER BY i8 DESC RANGE BETWEEN 1 PRECEDING AND 9223372036854775807 FOLLOWING) FROM t5",
  "SELECT n, count(*) OVER (ORDER BY n RANGE BETWEEN 1 PRECEDING AND 1 FOLLOWING), count(*) OVER (ORDER BY n DESC RANGE BETWEEN 'Infinity' PRECEDING AND CURRENT ROW), count(*) OVER (ORDER BY n RANGE BETWEEN CURRENT ROW AND 'Infinity' FOLLOWING) FROM t5",
  "SELECT f8, count(*) OVER (ORDER BY f8 RANGE BETWEEN 1 PRECEDING AND 2 FOLLOWING), count(*) OVER (ORDER BY f8 RANGE BETWEEN 'Infinity' PRECEDING AND 'Infinity' FOLLOWING), count(*) OVER (ORDER BY f8 DESC RANGE BETWEEN 'Infinity' PRECEDING AND CURRENT ROW) FROM t5",
  "SELECT f4, sum(f4) OVER (ORDER BY f4 DESC RANGE BETWEEN 0.5 PRECEDING AND 1.5 FOLLOWING), count(*) OVER (PARTITION BY g ORDER BY f4 RANGE 1 PRECEDING) FROM t5",
  "SELECT d, count(*) OVER (ORDER BY d RANGE BETWEEN '1 day' PRECEDING AND '1 month' FOLLOWING), max(d) OVER (ORDER BY d DESC RANGE BETWEEN INTERVAL '2 days' PRECEDING AND CURRENT ROW) FROM t5",
  "SELECT ts, count(*) OVER (PARTITION BY g ORDER BY ts RANGE BETWEEN '12 hours' PRECEDING AND '1 mon' FOLLOWING), min(ts) OVER (ORDER BY ts DESC RANGE BETWEEN '1 year' FOLLOWING AND UNBOUNDED FOLLOWING) FROM t5",
  "SELECT tz, count(*) OVER (ORDER BY tz RANGE BETWEEN '1 month' PRECEDING AND '1 day' FOLLOWING EXCLUDE CURRENT ROW), count(*) OVER (ORDER BY tz RANGE BETWEEN '1 day' FOLLOWING AND '1 mon' FOLLOWING) FROM t5",
  "SELECT tm, count(*) OVER (ORDER BY tm RANGE BETWEEN '6 hours' PRECEDING AND '1 day 1 hour' FOLLOWING), count(*) OVER (ORDER BY tm DESC RANGE BETWEEN '12 hours' PRECEDING AND '1 minute' PRECEDING) FROM t5",
  "SELECT iv, count(*) OVER (ORDER BY iv RANGE BETWEEN '1 day' PRECEDING AND '1 day' FOLLOWING), count(*) OVER (ORDER BY iv DESC RANGE BETWEEN CURRENT ROW AND '1 mon' FOLLOWING) FROM t5",
  "SELECT a, sum(c) OVER (ORDER BY a RANGE BETWEEN NULL PRECEDING AND CURRENT ROW) FROM t1",
  "SELECT a, sum(c) OVER (ORDER BY a RANGE BETWEEN CURRENT ROW AND -1 FOLLOWING) FROM t1",
  "SELECT a, count(*) OVER (ORDER BY a RANGE BETWEEN NULL PRECEDING AND CURRENT ROW) FROM t3",
  "SELECT a, count(*) OVER (ORDER BY a ROWS BETWEEN CURRENT ROW AND NULL FOLLOWING) FROM t3",
  "SELECT d, count(*) OVER (ORDER BY d RANGE '-1 day' PRECEDING) FROM t5",
  "SELECT tm, count(*) OVER (ORDER BY tm RANGE '1 day -1 hour' PRECEDING) FROM t5",
  "SELECT f8, count(*) OVER (ORDER BY f8 RANGE 'NaN' PRECEDING) FROM t5",
  "SELECT n, count(*) OVER (ORDER BY n RANGE '-Infinity' PRECEDING) FROM t5",
  "SELECT a, count(*) OVER (ORDER BY a, c RANGE 1 PRECEDING) FROM t1",
  "SELECT a, count(*) OVER (RANGE BETWEEN CURRENT ROW AND 1 FOLLOWING) FROM t1",
  "SELECT b, count(*) OVER (ORDER BY b RANGE 1 PRECEDING) FROM t1",
  "SELECT a, count(*) OVER (ORDER BY a RANGE 1.5 PRECEDING) FROM t1",
  "SELECT c, count(*) OVER (ORDER BY c RANGE 1::float8 PRECEDING) FROM t1",
  "SELECT d, count(*) OVER (ORDER BY d RANGE 1 PRECEDING) FROM t5",
  "SELECT i8, count(*) OVER (ORDER BY i8 RANGE 1::int4 PRECEDING) FROM t5",
  "SELECT a, count(*) OVER (ORDER BY a RANGE a PRECEDING) FROM t1",
  "SELECT a, count(*) OVER (ORDER BY a RANGE BETWEEN 2 FOLLOWING AND 1 FOLLOWING), count(*) OVER (ORDER BY a RANGE BETWEEN 1 FOLLOWING AND 1 PRECEDING) FROM t1",
  "SELECT a, count(*) OVER (ORDER BY a ROWS 1 FOLLOWING) FROM t1",
  "SELECT g, d, count(*) OVER (PARTITION BY g ORDER BY d RANGE BETWEEN '1 year' PRECEDING AND '1 year' FOLLOWING EXCLUDE TIES), string_agg(i2::text, ',') OVER (PARTITION BY g ORDER BY i2 NULLS FIRST RANGE BETWEEN UNBOUNDED PRECEDING AND 0 PRECEDING) FROM t5",
  // Ordered-set aggregates (WITHIN GROUP): every type family, NULLs, DESC, empty groups, FILTER, errors.
  "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY a), percentile_disc(0.5) WITHIN GROUP (ORDER BY a), mode() WITHIN GROUP (ORDER BY a) FROM t1",
  "SELECT b, percentile_cont(0.25) WITHIN GROUP (ORDER BY c), percentile_disc(0.75) WITHIN GROUP (ORDER BY c DESC), mode() WITHIN GROUP (ORDER BY c), count(*) FROM t1 GROUP BY b",
  "SELECT a, percentile_cont(0) WITHIN GROUP (ORDER BY e), percentile_cont(1) WITHIN GROUP (ORDER BY e), percentile_cont(0.3) WITHIN GROUP (ORDER BY e DESC) FROM t2 GROUP BY a",
  "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY a) FILTER (WHERE a > 1), percentile_disc(0.1) WITHIN GROUP (ORDER BY b) FILTER (WHERE c > 0), mode() WITHIN GROUP (ORDER BY b DESC) FROM t1",
  "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY a), percentile_disc(0.5) WITHIN GROUP (ORDER BY f), mode() WITHIN GROUP (ORDER BY f) FROM t3",
  "SELECT percentile_cont(NULL) WITHIN GROUP (ORDER BY a), percentile_disc(NULL::float8) WITHIN GROUP (ORDER BY a) FROM t1",
  "SELECT g, percentile_cont(0.5) WITHIN GROUP (ORDER BY iv), percentile_cont(0.4) WITHIN GROUP (ORDER BY f8), percentile_disc(0.5) WITHIN GROUP (ORDER BY d), percentile_disc(0.5) WITHIN GROUP (ORDER BY ts DESC) FROM t5 GROUP BY g",
  "SELECT percentile_cont(0.37) WITHIN GROUP (ORDER BY iv), percentile_cont(0.5) WITHIN GROUP (ORDER BY i2), percentile_cont(0.9) WITHIN GROUP (ORDER BY f4), percentile_cont(0.5) WITHIN GROUP (ORDER BY n) FROM t5",
  "SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY n), percentile_disc(0.2) WITHIN GROUP (ORDER BY tz), percentile_disc(1) WITHIN GROUP (ORDER BY tm), percentile_disc(0) WITHIN GROUP (ORDER BY i8), mode() WITHIN GROUP (ORDER BY tm DESC), mode() WITHIN GROUP (ORDER BY i2) FROM t5",
  "SELECT x, mode() WITHIN GROUP (ORDER BY y), percentile_disc(0.5) WITHIN GROUP (ORDER BY y) FROM t4 GROUP BY x",
  "SELECT mode() WITHIN GROUP (ORDER BY c) FROM (VALUES (1.0), (1.00), (2), (2)) AS v (c)",
  "SELECT max(v), min(v), max(n), min(n) FROM (VALUES ('30 days'::interval, 1.0), ('1 mon', 1.00)) AS t (v, n)",
  "SELECT percentile_cont(ARRAY[0, 0.25, NULL, 1]) WITHIN GROUP (ORDER BY a), percentile_disc(ARRAY[[0.1, 0.9], [0.5, 0.5]]) WITHIN GROUP (ORDER BY b), percentile_cont(ARRAY[0.5]) WITHIN GROUP (ORDER BY iv) FROM t1, (SELECT iv FROM t5 LIMIT 1) AS s",
  "SELECT percentile_cont(ARRAY[2]) WITHIN GROUP (ORDER BY a) FROM t3",
  "SELECT percentile_cont(ARRAY[2]) WITHIN GROUP (ORDER BY a) FROM t1",
  "SELECT percentile_cont(1.5) WITHIN GROUP (ORDER BY a) FROM t1",
  "SELECT percentile_disc(-0.25) WITHIN GROUP (ORDER BY a) FROM t3",
  "SELECT percentile_cont('NaN') WITHIN GROUP (ORDER BY a) FROM t1",
  "SELECT a, percentile_cont(a / 10.0) WITHIN GROUP (ORDER BY c) FROM t1 GROUP BY a",
  "SELECT percentile_cont(a / 10.0) WITHIN GROUP (ORDER BY c) FROM t1",
  "SELECT t1.a, percentile_disc(t1.a / 10.0) WITHIN GROUP (ORDER BY c), rank(a) WITHIN GROUP (ORDER BY c) FROM t1 GROUP BY a",
  "SELECT (SELECT percentile_cont(t4.x / 10.0) WITHIN GROUP (ORDER BY c) FROM t1) FROM t4",
  "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY b) FROM t1",
  "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY d) FROM t5",
  "SELECT percentile_cont(0.5, 0.6) WITHIN GROUP (ORDER BY a) FROM t1",
  "SELECT percentile_cont(0.5) FROM t1",
  "SELECT sum(a) WITHIN GROUP (ORDER BY a) FROM t1",
  "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY a) OVER () FROM t1",
  "SELECT mode(a) WITHIN GROUP (ORDER BY a) FROM t1",
  "SELECT b, mode() WITHIN GROUP (ORDER BY a) AS m FROM t1 GROUP BY b HAVING mode() WITHIN GROUP (ORDER BY a) > 1 ORDER BY m DESC, b",
  // Hypothetical-set aggregates.
  "SELECT rank(2) WITHIN GROUP (ORDER BY a), dense_rank(2) WITHIN GROUP (ORDER BY a), percent_rank(2) WITHIN GROUP (ORDER BY a), cume_dist(2) WITHIN GROUP (ORDER BY a) FROM t1",
  "SELECT b, rank(2, 1.5) WITHIN GROUP (ORDER BY a DESC, c), dense_rank(NULL, 0) WITHIN GROUP (ORDER BY a, c), percent_rank(3) WITHIN GROUP (ORDER BY a NULLS FIRST), cume_dist('y') WITHIN GROUP (ORDER BY b) FROM t1 GROUP BY b",
  "SELECT rank(1) WITHIN GROUP (ORDER BY a), dense_rank(1) WITHIN GROUP (ORDER BY a), percent_rank(1) WITHIN GROUP (ORDER BY a), cume_dist(1) WITHIN GROUP (ORDER BY a) FROM t3",
  "SELECT rank(2) WITHIN GROUP (ORDER BY a) FILTER (WHERE c > 0), cume_dist(2.5) WITHIN GROUP (ORDER BY a) FROM t1",
  "SELECT g, rank('2024-01-02'::date) WITHIN GROUP (ORDER BY d), cume_dist('12 hours'::interval) WITHIN GROUP (ORDER BY iv DESC) FROM t5 GROUP BY g",
  "SELECT rank(1, 2) WITHIN GROUP (ORDER BY a) FROM t1",
  "SELECT rank('x') WITHIN GROUP (ORDER BY a) FROM t1",
  "SELECT rank(1) FROM t1",
  "SELECT rank() FROM t1",
  // WITH RECURSIVE.
  "WITH RECURSIVE r (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 10) SELECT * FROM r",
  "WITH RECURSIVE r (n) AS (SELECT 1 UNION SELECT (n % 4) + 1 FROM r) SELECT * FROM r ORDER BY n",
  "WITH RECURSIVE fib (a, b) AS (SELECT 0::int8, 1::int8 UNION ALL SELECT b, a + b FROM fib WHERE b < 1000) SELECT a FROM fib",
  "WITH RECURSIVE walk (x, depth) AS (SELECT x, 0 FROM t4 WHERE x = 1 UNION SELECT t4.x, walk.depth + 1 FROM walk JOIN t4 ON t4.x = walk.x + 1) SELECT * FROM walk",
  "WITH RECURSIVE r AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM r WHERE n < 3), s AS (SELECT n * 10 AS m FROM r) SELECT * FROM s",
  "WITH RECURSIVE r (n) AS (SELECT 1 UNION ALL SELECT n + 1.5 FROM r WHERE n < 3) SELECT * FROM r",
  "WITH RECURSIVE r (n) AS (SELECT 1 INTERSECT SELECT n FROM r) SELECT * FROM r",
  "WITH RECURSIVE r (n) AS (SELECT 1 UNION ALL SELECT (SELECT n FROM r) FROM t4) SELECT * FROM r",
  "WITH RECURSIVE x AS (SELECT 5 AS v) SELECT * FROM x",
  // Functions in FROM.
  "SELECT * FROM generate_series(1, 5)",
  "SELECT g, g * 2 FROM generate_series(1, 10, 3) AS g",
  "SELECT * FROM generate_series(1, 3) WITH ORDINALITY",
  "SELECT x FROM unnest(ARRAY[3, 1, NULL, 2]) AS u (x) ORDER BY x",
  "SELECT * FROM t1 JOIN generate_series(1, 3) AS s (n) ON t1.a = s.n",
  "SELECT * FROM jsonb_each('{\"a\": 1, \"b\": [2]}')",
  "SELECT * FROM abs(-4)",
  "SELECT count(*) FROM generate_series(1, NULL::int4)",
  "SELECT * FROM generate_series(1, 2) AS a, generate_series(5, 6) AS b",
  "SELECT * FROM nosuchfunction(1)",
  // Binding errors.
  "SELECT nope FROM t1",
  "SELECT a FROM t1, t2",
  "SELECT t9.a FROM t1",
  "SELECT * FROM nowhere",
  "SELECT b FROM t1 GROUP BY a",
  "SELECT a FROM t1 ORDER BY 9",
  "SELECT sum(a) FROM t1 WHERE sum(a) > 1",
  "SELECT sum(sum(a)) FROM t1",
  "SELECT DISTINCT a FROM t1 ORDER BY c",
  "SELECT a FROM t1 UNION SELECT a, b FROM t1",
  "SELECT * FROM t1 JOIN t1 ON true",
  "SELECT * FROM (SELECT 1)",
  "SELECT a FROM t1 GROUP BY 7",
  "SELECT 1 + 'x'",
  "SELECT * FROM t1 WHERE a",
];

/** Whether `sql` plans a merge join with hash joins disabled. */
function mergePlanned(sql: string): boolean {
  const [statement] = parse(sql);
  if (statement?.kind !== "select") return false;
  const joinMethods = { isHashJoinEnabled: false, isMergeJoinEnabled: true };
  try {
    const plan = planSelect(statement, { catalog: ours, settings, paramTypes: [], sql, ctes: [], joinMethods }).plan;
    return explainPlan(plan, { isCostless: true }).some((line) => line.includes("Merge"));
  } catch {
    return false; // the error cases in the list compare their SQLSTATE only
  }
}

/** Merge-join shapes: text and multi-column keys, int4 = int8, duplicates on both sides, NULL keys, empty sides. */
const mergeJoinQueries = [
  "SELECT * FROM t1 a1 JOIN t1 a2 ON a1.b = a2.b",
  "SELECT * FROM t1 a1 FULL JOIN t1 a2 ON a1.b = a2.b AND a1.a = a2.a",
  "SELECT * FROM t1 a1 LEFT JOIN t1 a2 ON a1.a = a2.a AND a1.c < a2.c",
  "SELECT * FROM t1 JOIN t2 ON t1.a = t2.d / 10",
  "SELECT * FROM t1 FULL JOIN t2 ON t1.a::int8 = t2.d / 10 AND t1.b <> 'w'",
  "SELECT * FROM t1 RIGHT JOIN t2 ON t1.c = t2.e::numeric",
  "SELECT * FROM t1 FULL JOIN t3 ON t1.a = t3.a",
  "SELECT * FROM t3 RIGHT JOIN t1 ON t1.a = t3.a",
  "SELECT * FROM t4 a JOIN t4 b ON a.x = b.x AND a.y = b.y",
  "SELECT * FROM t4 a FULL JOIN t4 b ON a.y = b.y",
  "SELECT * FROM t1 WHERE NOT EXISTS (SELECT 1 FROM t2 WHERE t2.a = t1.a AND t2.d > 15)",
  "SELECT t1.a, t2.d FROM t1 JOIN t2 ON t1.a = t2.a ORDER BY t1.a, t2.d",
];

describe("SELECT against PostgreSQL 15", () => {
  it("hand-written queries", async () => {
    const found: string[] = [];
    for (const sql of handWritten) {
      const mismatch = await mismatchOf(sql);
      if (mismatch !== undefined) found.push(mismatch);
    }
    expect(found, found.join("\n")).toEqual([]);
  });

  it("hand-written joins with merge joins forced (enable_hashjoin off)", async () => {
    const joins = handWritten.filter((sql) => /\bJOIN\b|\bIN \(SELECT|EXISTS/i.test(sql)).concat(mergeJoinQueries);
    const found: string[] = [];
    ours.joinMethods = { isHashJoinEnabled: false, isMergeJoinEnabled: true };
    try {
      for (const sql of joins) {
        const mismatch = await mismatchOf(sql);
        if (mismatch !== undefined) found.push(mismatch);
      }
    } finally {
      ours.joinMethods = undefined;
    }
    const merged = joins.filter((sql) => mergePlanned(sql));
    expect(merged.length).toBeGreaterThan(60);
    expect(found, found.join("\n")).toEqual([]);
  });

  it("generated queries", async () => {
    const { seed, numRuns } = propertyParams(300);
    const queries = fc.sample(queryArb, { seed, numRuns });
    const found: string[] = [];
    for (const sql of queries) {
      const mismatch = await mismatchOf(sql);
      if (mismatch !== undefined && found.length < 15) found.push(mismatch);
    }
    expect(found, `FC_SEED=${seed}\n${found.join("\n")}`).toEqual([]);
  });

  it("generated RANGE frames with offsets", async () => {
    const { seed, numRuns } = propertyParams(200);
    const queries = fc.sample(rangeFrameArb, { seed, numRuns });
    const found: string[] = [];
    for (const sql of queries) {
      const mismatch = await mismatchOf(sql);
      if (mismatch !== undefined && found.length < 15) found.push(mismatch);
    }
    expect(found, `FC_SEED=${seed}\n${found.join("\n")}`).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Generated RANGE frames over t5: each ordering column with offsets its in_range type takes

const rangeColumns: readonly (readonly [string, readonly string[]])[] = [
  ["i2", ["0", "1", "3", "40000"]],
  ["i8", ["0", "1", "9223372036854775807"]],
  ["f4", ["0", "0.5", "2", "'Infinity'"]],
  ["f8", ["0", "1.5", "'Infinity'"]],
  ["n", ["0", "1.5", "'Infinity'"]],
  ["d", ["'0 days'", "'1 day'", "'12 hours'", "'1 mon'", "'1 year'"]],
  ["ts", ["'0 days'", "'12 hours'", "'1 mon'", "'1 year'"]],
  ["tz", ["'1 day'", "'1 mon'", "'100 years'"]],
  ["tm", ["'0'", "'1 hour'", "'6 hours'", "'1 day 2 hours'"]],
  ["iv", ["'0'", "'1 day'", "'30 days'", "'1 mon'"]],
];

const rangeFrameArb = fc
  .record({
    column: fc.constantFrom(...rangeColumns),
    isDescending: fc.boolean(),
    nulls: fc.constantFrom("", " NULLS FIRST", " NULLS LAST"),
    isPartitioned: fc.boolean(),
    start: fc.constantFrom("UNBOUNDED PRECEDING", "CURRENT ROW", "o PRECEDING", "o FOLLOWING"),
    end: fc.constantFrom("UNBOUNDED FOLLOWING", "CURRENT ROW", "o PRECEDING", "o FOLLOWING"),
    startOffset: fc.nat(),
    endOffset: fc.nat(),
    exclusion: fc.constantFrom("", " EXCLUDE CURRENT ROW", " EXCLUDE GROUP", " EXCLUDE TIES"),
  })
  .map((q) => {
    const [column, offsets] = q.column;
    const offset = (index: number): string => offsets[index % offsets.length] ?? "0";
    const start = q.start.replace("o ", `${offset(q.startOffset)} `);
    const end = q.end.replace("o ", `${offset(q.endOffset)} `);
    const order = `${column}${q.isDescending ? " DESC" : ""}${q.nulls}`;
    const window = `${q.isPartitioned ? "PARTITION BY g " : ""}ORDER BY ${order} RANGE BETWEEN ${start} AND ${end}${q.exclusion}`;
    // Equal intervals can differ ('1 mon', '30 days'): min/max would depend on how ties are sorted.
    const aggregates = column === "iv" ? "sum(iv) OVER w, count(iv) OVER w" : `min(${column}) OVER w, max(${column}) OVER w`;
    return `SELECT g, ${column}, count(*) OVER w, ${aggregates} FROM t5 WINDOW w AS (${window})`;
  });

// ---------------------------------------------------------------------------------------------
// Generated queries over t1 (a, b, c) and t2 (a, d, e)

const joinArb = fc.constantFrom("", " JOIN t2 ON t1.a = t2.a", " LEFT JOIN t2 ON t1.a = t2.a", " RIGHT JOIN t2 ON t1.a = t2.a", " FULL JOIN t2 ON t1.a = t2.a", " LEFT JOIN t2 ON t1.a < t2.a", ", t2");
const scalarArb = fc.constantFrom("t1.a", "t1.b", "t1.c", "t1.a + 1", "t1.c * 2", "coalesce(t1.b, 'none')", "t1.a % 2");
const joinedScalarArb = fc.constantFrom("t2.d", "t2.e", "t2.a", "t2.d - t1.a");
const predicateArb = fc.constantFrom(
  "t1.a > 1",
  "t1.b IS NOT NULL",
  "t1.c < 2",
  "t1.a IN (1, 2, 5)",
  "t1.b <> 'x'",
  "t1.a IS NULL OR t1.c > 0",
  "NOT (t1.a = 2)",
  "t1.a IN (SELECT x FROM t4)",
  "t1.a NOT IN (SELECT x FROM t4 WHERE y)",
  "EXISTS (SELECT 1 FROM t4 WHERE t4.x = t1.a AND t4.y)",
  "t1.c > (SELECT min(x) FROM t4 WHERE t4.x <> t1.a)",
);
const joinedPredicateArb = fc.constantFrom("t2.d > 15", "t2.e IS NULL", "t2.a = 2 OR t2.d IS NULL");
const aggregateArb = fc.constantFrom("count(*)", "count(t1.b)", "sum(t1.a)", "avg(t1.c)", "max(t1.b)", "min(t1.c)", "count(DISTINCT t1.a)", "sum(t1.c) FILTER (WHERE t1.a > 1)");

const queryArb = fc
  .record({
    join: joinArb,
    columns: fc.array(scalarArb, { minLength: 1, maxLength: 3 }),
    joinedColumn: fc.option(joinedScalarArb, { nil: undefined }),
    where: fc.option(predicateArb, { nil: undefined }),
    joinedWhere: fc.option(joinedPredicateArb, { nil: undefined }),
    isGrouped: fc.boolean(),
    aggregates: fc.array(aggregateArb, { minLength: 1, maxLength: 2 }),
    isDistinct: fc.boolean(),
    limit: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }),
  })
  .map((q) => {
    const hasT2 = q.join !== "";
    const columns = hasT2 && q.joinedColumn !== undefined ? [...q.columns, q.joinedColumn] : q.columns;
    const conditions = [q.where, hasT2 ? q.joinedWhere : undefined].filter((c) => c !== undefined);
    const where = conditions.length === 0 ? "" : ` WHERE ${conditions.join(" AND ")}`;
    const select = q.isGrouped ? [...columns, ...q.aggregates] : columns;
    const groupBy = q.isGrouped ? ` GROUP BY ${columns.join(", ")}` : "";
    const orderBy = ` ORDER BY ${select.map((_, i) => i + 1).join(", ")}`;
    const limit = q.limit === undefined ? "" : ` LIMIT ${q.limit}`;
    return `SELECT ${q.isDistinct ? "DISTINCT " : ""}${select.join(", ")} FROM t1${q.join}${where}${groupBy}${orderBy}${limit}`;
  });
