/**
 * Merge join over in-memory tables: with hash joins disabled the planner plans every equi-join as
 * a merge join (Sorts below), and its rows must equal the hash join's as multisets — every join
 * type, duplicate keys on both sides, NULL keys, empty sides, residual conditions, multi-column
 * keys and int4 = int8 keys — plus exact results for small hand-checked cases.
 */
import { describe, expect, it } from "vitest";
import { parse } from "@omnikv/parser";
import { explainPlan, planSelect, type JoinMethods } from "@omnikv/planner";
import { SeededRandom } from "@omnikv/testkit";
import { builtinAggregates, builtinRegistry, compilePlan } from "@omnikv/executor";
import { MemoryDatabase, context, settings } from "./memory-tables.ts";

const random = new SeededRandom(20261203);
const value = (max: number): string | null => (random.chance(0.15) ? null : String(random.int(0, max)));
const db = new MemoryDatabase([
  { name: "l", columns: [["a", "int4"], ["b", "text"], ["c", "int4"]], rows: Array.from({ length: 300 }, () => [value(20), value(3), value(9)]) },
  { name: "r", columns: [["a", "int8"], ["b", "text"], ["c", "numeric"]], rows: Array.from({ length: 250 }, () => [value(25), value(3), value(9)]) },
  { name: "e", columns: [["a", "int4"]], rows: [] },
  { name: "same", columns: [["a", "int4"]], rows: Array.from({ length: 3000 }, () => ["1"]) },
  { name: "x", columns: [["k", "int4"], ["v", "text"]], rows: [["1", "x1"], ["1", "x2"], ["2", "x3"], [null, "xn"], ["4", "x4"]] },
  { name: "y", columns: [["k", "int4"], ["w", "text"]], rows: [["1", "y1"], ["1", "y2"], ["3", "y3"], [null, "yn"], ["4", "y4"]] },
]);

const mergeOnly: JoinMethods = { isHashJoinEnabled: false, isMergeJoinEnabled: true };
const hashOnly: JoinMethods = { isHashJoinEnabled: true, isMergeJoinEnabled: false };

function planText(sql: string, joinMethods: JoinMethods, database: MemoryDatabase = db): string {
  const [statement] = parse(sql);
  if (statement?.kind !== "select") throw new Error("not a select");
  return explainPlan(planSelect(statement, { catalog: database, settings, paramTypes: [], sql, ctes: [], joinMethods }).plan, { isCostless: true }).join("\n");
}

function rowsWith(sql: string, joinMethods: JoinMethods, database: MemoryDatabase = db): string[] {
  database.joinMethods = joinMethods;
  try {
    return database.query(sql).rows.map((row) => JSON.stringify(row)).sort();
  } finally {
    database.joinMethods = undefined;
  }
}

const joinTypes = ["JOIN", "LEFT JOIN", "RIGHT JOIN", "FULL JOIN"] as const;
const conditions = [
  "l.a = r.a",
  "l.b = r.b",
  "l.a = r.a AND l.b = r.b",
  "l.b = r.b AND l.c = r.c",
  "l.a = r.a AND l.c < r.c",
  "l.c = r.a AND l.b <> r.b",
];

describe("merge join equals hash join", () => {
  for (const joinType of joinTypes) {
    for (const condition of conditions) {
      const sql = `SELECT l.a, l.b, l.c, r.a, r.b, r.c FROM l ${joinType} r ON ${condition}`;
      it(`merge = hash: ${sql}`, () => {
        expect(planText(sql, mergeOnly)).toContain("Merge");
        expect(planText(sql, hashOnly)).toContain("Hash");
        const merged = rowsWith(sql, mergeOnly);
        expect(merged.length).toBeGreaterThan(0);
        expect(merged).toEqual(rowsWith(sql, hashOnly));
      });
    }
  }
  for (const sql of [
    "SELECT * FROM l WHERE EXISTS (SELECT 1 FROM r WHERE r.a = l.a)",
    "SELECT * FROM l WHERE NOT EXISTS (SELECT 1 FROM r WHERE r.a = l.a AND r.b = l.b)",
    "SELECT * FROM l WHERE l.a IN (SELECT r.a FROM r WHERE r.c > 3)",
    "SELECT * FROM l JOIN e ON l.a = e.a",
    "SELECT * FROM l LEFT JOIN e ON l.a = e.a",
    "SELECT * FROM e FULL JOIN r ON e.a = r.a",
    "SELECT * FROM e RIGHT JOIN l ON e.a = l.a",
    "SELECT count(*) FROM l a1 JOIN l a2 ON a1.a = a2.a JOIN r ON a2.c = r.a",
  ]) {
    it(`merge = hash: ${sql}`, () => {
      expect(planText(sql, mergeOnly)).toContain("Merge");
      expect(rowsWith(sql, mergeOnly)).toEqual(rowsWith(sql, hashOnly));
    });
  }
});

describe("merge join on interval, uuid, bytea, bpchar and time keys", () => {
  // Equal values written differently ('1 day' = '24 hours', 'a' = 'a  ' as bpchar) must meet.
  const typed = new MemoryDatabase([
    {
      name: "p",
      columns: [["i", "interval"], ["u", "uuid"], ["b", "bytea"], ["c", "bpchar"], ["t", "time"]],
      rows: [
        ["1 day", "00000000-0000-0000-0000-000000000001", "\\x00", "a", "10:00"],
        ["24 hours", "00000000-0000-0000-0000-000000000002", "\\x0001", "b", "10:00:00"],
        ["1 mon", "ffffffff-0000-0000-0000-000000000000", "\\x", "a  ", "23:59:59.999999"],
        [null, null, null, null, null],
        ["-1 day", "00000000-0000-0000-0000-000000000001", "\\xff", "", "00:00"],
      ],
    },
    {
      name: "q",
      columns: [["i", "interval"], ["u", "uuid"], ["b", "bytea"], ["c", "bpchar"], ["t", "time"]],
      rows: [
        ["30 days", "00000000-0000-0000-0000-000000000001", "\\x00", "a ", "10:00"],
        ["1 day", "ffffffff-0000-0000-0000-000000000000", "\\x", "b", "00:00:00"],
        ["86400 seconds", "00000000-0000-0000-0000-000000000003", "\\xff", "c", "12:00"],
        [null, null, null, null, null],
      ],
    },
  ]);
  for (const column of ["i", "u", "b", "c", "t"]) {
    for (const joinType of joinTypes) {
      const sql = `SELECT p.${column}::text, q.${column}::text FROM p ${joinType} q ON p.${column} = q.${column}`;
      it(`merge = hash: ${sql}`, () => {
        expect(planText(sql, mergeOnly, typed)).toContain("Merge");
        const merged = rowsWith(sql, mergeOnly, typed);
        expect(merged).toEqual(rowsWith(sql, hashOnly, typed));
        if (joinType === "JOIN") expect(merged.length).toBeGreaterThanOrEqual(2);
      });
    }
  }
});

describe("merge join, exact rows", () => {
  const cases: readonly [string, readonly (readonly (string | null)[])[]][] = [
    ["SELECT v, w FROM x JOIN y ON x.k = y.k ORDER BY v, w", [["x1", "y1"], ["x1", "y2"], ["x2", "y1"], ["x2", "y2"], ["x4", "y4"]]],
    ["SELECT v, w FROM x LEFT JOIN y ON x.k = y.k AND y.w <> 'y2' ORDER BY v, w", [["x1", "y1"], ["x2", "y1"], ["x3", null], ["x4", "y4"], ["xn", null]]],
    ["SELECT v, w FROM x RIGHT JOIN y ON x.k = y.k AND x.v = 'x2' ORDER BY w, v", [["x2", "y1"], ["x2", "y2"], [null, "y3"], [null, "y4"], [null, "yn"]]],
    ["SELECT v, w FROM x FULL JOIN y ON x.k = y.k AND x.v = 'x1' AND y.w = 'y2' ORDER BY v, w", [["x1", "y2"], ["x2", null], ["x3", null], ["x4", null], ["xn", null], [null, "y1"], [null, "y3"], [null, "y4"], [null, "yn"]]],
  ];
  for (const [sql, expected] of cases) {
    it(`rows of ${sql}`, () => {
      expect(planText(sql, mergeOnly)).toContain("Merge");
      db.joinMethods = mergeOnly;
      try {
        expect(db.query(sql).rows).toEqual(expected);
      } finally {
        db.joinMethods = undefined;
      }
    });
  }

  it("keeps hash joins when merge joins are disabled, and both on picks by cost", () => {
    const sql = "SELECT * FROM l JOIN r ON l.a = r.a";
    expect(planText(sql, hashOnly)).not.toContain("Merge");
    expect(planText(sql, { isHashJoinEnabled: true, isMergeJoinEnabled: true })).toContain("Hash Join");
    expect(planText(sql, mergeOnly)).toContain("Merge Cond: (a = a)");
  });
});

describe("merge join interruption", () => {
  it("checks the interrupt hook while joining one huge duplicate group", () => {
    const sql = "SELECT * FROM same s1 JOIN same s2 ON s1.a = s2.a";
    const [statement] = parse(sql);
    if (statement?.kind !== "select") throw new Error("not a select");
    const plan = planSelect(statement, { catalog: db, settings, paramTypes: [], sql, ctes: [], joinMethods: mergeOnly }).plan;
    expect(explainPlan(plan, { isCostless: true }).join("\n")).toContain("Merge Join");
    const run = compilePlan(plan, { registry: builtinRegistry, aggregates: builtinAggregates });
    let calls = 0;
    const interrupt = (): void => {
      calls += 1;
      if (calls > 3) throw new Error("canceled");
    };
    let rows = 0;
    expect(() => {
      for (const _ of run({ tables: db, context, params: [], interrupt })) rows += 1;
    }).toThrow("canceled");
    expect(rows).toBeLessThan(3000 * 3000);
  });
});
