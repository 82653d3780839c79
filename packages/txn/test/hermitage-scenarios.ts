/**
 * The Hermitage isolation tests (Kleppmann's suite of anomalies, as run against PostgreSQL), each
 * step written twice: as the SQL PostgreSQL runs, and as the same operation on a key-value
 * "table" through a `Transaction` (rows `test/<id>` → value, predicates evaluated on every row
 * of the table, UPDATE and DELETE locking each matching row and re-checking it on the newest
 * version under READ COMMITTED, as PostgreSQL's EvalPlanQual does).
 *
 * Setup: `test(id int primary key, value int)` holding (1, 10) and (2, 20).
 */
import { assertNever } from "@omnikv/base";
import type { Transaction } from "@omnikv/txn";
import { b, text } from "./helpers.ts";

export type Predicate = (id: number, value: number) => boolean;

export type Operation =
  | { readonly kind: "select"; readonly where: Predicate }
  | { readonly kind: "update"; readonly where: Predicate; readonly set: (value: number) => number }
  | { readonly kind: "delete"; readonly where: Predicate }
  | { readonly kind: "insert"; readonly id: number; readonly value: number }
  | { readonly kind: "commit" }
  | { readonly kind: "abort" };

export interface Step {
  /** Which transaction: 1, 2 or 3. */
  readonly t: number;
  readonly sql: string;
  readonly op: Operation;
}

export interface Scenario {
  readonly name: string;
  readonly steps: readonly Step[];
}

export const initialRows: ReadonlyMap<number, number> = new Map([
  [1, 10],
  [2, 20],
]);

const all: Predicate = () => true;
const idIs =
  (...ids: number[]): Predicate =>
  (id) =>
    ids.includes(id);
const valueIs =
  (expected: number): Predicate =>
  (_id, value) =>
    value === expected;
const valueMod =
  (divisor: number): Predicate =>
  (_id, value) =>
    value % divisor === 0;

const select = (t: number, where: string, predicate: Predicate): Step => ({ t, sql: `select * from test${where}`, op: { kind: "select", where: predicate } });
const setValue = (t: number, id: number, value: number): Step => ({
  t,
  sql: `update test set value = ${value} where id = ${id}`,
  op: { kind: "update", where: idIs(id), set: () => value },
});
const commit = (t: number): Step => ({ t, sql: "commit", op: { kind: "commit" } });
const abort = (t: number): Step => ({ t, sql: "abort", op: { kind: "abort" } });
const insert = (t: number, id: number, value: number): Step => ({ t, sql: `insert into test (id, value) values (${id}, ${value})`, op: { kind: "insert", id, value } });

export const scenarios: readonly Scenario[] = [
  {
    name: "G0 write cycles",
    steps: [setValue(1, 1, 11), setValue(2, 1, 12), setValue(1, 2, 21), commit(1), select(3, "", all), setValue(2, 2, 22), commit(2), select(3, "", all), commit(3)],
  },
  { name: "G1a aborted reads", steps: [setValue(1, 1, 101), select(2, "", all), abort(1), select(2, "", all), commit(2)] },
  { name: "G1b intermediate reads", steps: [setValue(1, 1, 101), select(2, "", all), setValue(1, 1, 11), commit(1), select(2, "", all), commit(2)] },
  {
    name: "G1c circular information flow",
    steps: [setValue(1, 1, 11), setValue(2, 2, 22), select(1, " where id = 2", idIs(2)), select(2, " where id = 1", idIs(1)), commit(1), commit(2)],
  },
  {
    name: "OTV observed transaction vanishes",
    steps: [
      setValue(1, 1, 11),
      setValue(1, 2, 19),
      setValue(2, 1, 12),
      commit(1),
      select(3, " where id = 1", idIs(1)),
      setValue(2, 2, 18),
      select(3, " where id = 2", idIs(2)),
      commit(2),
      select(3, " where id = 2", idIs(2)),
      select(3, " where id = 1", idIs(1)),
      commit(3),
    ],
  },
  {
    name: "PMP predicate-many-preceders",
    steps: [select(1, " where value = 30", valueIs(30)), insert(2, 3, 30), commit(2), select(1, " where value % 3 = 0", valueMod(3)), commit(1)],
  },
  {
    name: "PMP with write predicates",
    steps: [
      { t: 1, sql: "update test set value = value + 10", op: { kind: "update", where: all, set: (v) => v + 10 } },
      { t: 2, sql: "delete from test where value = 20", op: { kind: "delete", where: valueIs(20) } },
      commit(1),
      select(2, " where value = 20", valueIs(20)),
      commit(2),
    ],
  },
  {
    name: "P4 lost update",
    steps: [select(1, " where id = 1", idIs(1)), select(2, " where id = 1", idIs(1)), setValue(1, 1, 11), setValue(2, 1, 11), commit(1), commit(2)],
  },
  {
    name: "G-single read skew",
    steps: [
      select(1, " where id = 1", idIs(1)),
      select(2, " where id = 1", idIs(1)),
      select(2, " where id = 2", idIs(2)),
      setValue(2, 1, 12),
      setValue(2, 2, 18),
      commit(2),
      select(1, " where id = 2", idIs(2)),
      commit(1),
    ],
  },
  {
    name: "G-single with predicate dependencies",
    steps: [
      select(1, " where value % 5 = 0", valueMod(5)),
      { t: 2, sql: "update test set value = 12 where value = 10", op: { kind: "update", where: valueIs(10), set: () => 12 } },
      commit(2),
      select(1, " where value % 3 = 0", valueMod(3)),
      commit(1),
    ],
  },
  {
    name: "G-single with write predicate",
    steps: [
      select(1, " where id = 1", idIs(1)),
      select(2, "", all),
      setValue(2, 1, 12),
      setValue(2, 2, 18),
      commit(2),
      { t: 1, sql: "delete from test where value = 20", op: { kind: "delete", where: valueIs(20) } },
      abort(1),
    ],
  },
  {
    name: "G2-item write skew",
    steps: [select(1, " where id in (1,2)", idIs(1, 2)), select(2, " where id in (1,2)", idIs(1, 2)), setValue(1, 1, 11), setValue(2, 2, 21), commit(1), commit(2)],
  },
  {
    name: "G2 anti-dependency cycles",
    steps: [select(1, " where value % 3 = 0", valueMod(3)), select(2, " where value % 3 = 0", valueMod(3)), insert(1, 3, 30), insert(2, 4, 42), commit(1), commit(2)],
  },
  {
    name: "G2 with two anti-dependency edges (Fekete's read-only anomaly)",
    steps: [
      select(1, "", all),
      { t: 2, sql: "update test set value = value + 5 where id = 2", op: { kind: "update", where: idIs(2), set: (v) => v + 5 } },
      commit(2),
      select(3, "", all),
      commit(3),
      setValue(1, 1, 0),
      commit(1),
    ],
  },
];

const prefix = "test/";
const rowKey = (id: number): Uint8Array => b(`${prefix}${id}`);

/** Rows the transaction sees, as `id=value` in id order: the format both sides print. */
export function formatRows(rows: readonly (readonly [number, number])[]): string {
  const sorted = [...rows].sort((x, y) => x[0] - y[0]);
  return sorted.length === 0 ? "(none)" : sorted.map(([id, value]) => `${id}=${value}`).join(",");
}

function visibleRows(txn: Transaction): [number, number][] {
  return [...txn.scan({ gte: b(prefix), lt: b("test0") })].map(([key, value]) => [Number((text(key) ?? "").slice(prefix.length)), Number(text(value))]);
}

/**
 * Runs one operation as a statement of `txn` and returns what PostgreSQL's side prints for it:
 * the rows of a SELECT, `ok N` for DML. Errors propagate.
 */
export async function runOperation(txn: Transaction, op: Operation): Promise<string> {
  txn.beginStatement();
  switch (op.kind) {
    case "select":
      return formatRows(visibleRows(txn).filter(([id, value]) => op.where(id, value)));
    case "insert":
      await txn.put(rowKey(op.id), b(String(op.value)));
      return "ok 1";
    case "update":
    case "delete":
      return `ok ${await modifyMatching(txn, op)}`;
    case "commit":
    case "abort":
      throw new Error("commit and abort are run by the driver");
    default:
      return assertNever(op);
  }
}

/** UPDATE/DELETE: each row matching at the snapshot is locked, re-read at its newest version, re-checked. */
async function modifyMatching(txn: Transaction, op: Extract<Operation, { kind: "update" | "delete" }>): Promise<number> {
  let count = 0;
  for (const [id, value] of visibleRows(txn)) {
    if (!op.where(id, value)) continue;
    const newest = await txn.getForUpdate(rowKey(id));
    if (newest === undefined) continue;
    const newestValue = Number(text(newest));
    if (!op.where(id, newestValue)) continue;
    if (op.kind === "update") await txn.put(rowKey(id), b(String(op.set(newestValue))));
    else await txn.delete(rowKey(id));
    count += 1;
  }
  return count;
}

export function initialWrites(): { type: "put"; key: Uint8Array; value: Uint8Array }[] {
  return [...initialRows].map(([id, value]) => ({ type: "put" as const, key: rowKey(id), value: b(String(value)) }));
}
