/**
 * Crash test with real processes: a child (fixtures/crash-bank.mjs, over the built dist/) opens
 * `Database.open({ dir, sync: true })`, creates a bank schema (accounts with CHECK (balance >= 0)
 * and a UNIQUE owner; a ledger with a FOREIGN KEY to accounts and a UNIQUE ref), adds a column
 * (DDL), and runs random transactions from several sessions at once — transfers that keep the
 * total constant, new accounts, transactions that fail on a constraint, savepoints — printing
 * each COMMIT that returned. The parent SIGKILLs it at a random moment, reopens the database
 * in-process and checks:
 * - every acknowledged commit is there, found through the primary key and through the unique
 *   index on ref; every acknowledged new account and ADD COLUMN is there;
 * - no transaction rolled back on a constraint left anything, and at most one unacknowledged
 *   transaction per session (those in flight at the kill) is there;
 * - atomicity: every transaction's ledger rows are all there and net to zero, the total balance
 *   is unchanged, and each account's balance is its opening balance plus its ledger amounts;
 * - the constraints hold (no negative balance, no ledger row without its account, refs and
 *   owners unique) and are still enforced (23514, 23505, 23503, 23502 on new writes);
 * - the database accepts new writes, which the following cycles check in turn.
 * One directory lives through every cycle. `ENGINE_CRASH_CYCLES` sets the count (10 by default);
 * `SEED` replays the kill moments and the child's choices (not the interleaving of its sessions).
 */
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseTimeZone } from "@omnikv/base";
import { Database, formatRow, type Session } from "@omnikv/engine";
import { CrashChild, makeTempDir, withSeed, type SeededRandom } from "@omnikv/testkit";
import { accountCount, openingBalanceCents } from "./fixtures/crash-bank-schema.mjs";

const cycles = Number(process.env["ENGINE_CRASH_CYCLES"] ?? "10");
const workers = 3;
const child = join(import.meta.dirname, "fixtures", "crash-bank.mjs");
const textSettings = { extraFloatDigits: 1, timeZone: parseTimeZone("UTC") };
const totalBalance = ((accountCount * openingBalanceCents) / 100).toFixed(2);

/** What the children acknowledged, over every cycle so far. */
interface Acknowledged {
  isSchemaReady: boolean;
  /** Transaction number → its ledger entries (ids n*10 .. n*10+entries-1, refs r<n>-<k>). */
  readonly commits: Map<number, number>;
  readonly accounts: Set<number>;
  readonly ddlCycles: Set<number>;
  /** Transaction numbers found in the database (acknowledged or not) at an earlier check. */
  readonly present: Set<number>;
}

interface CycleLines {
  /** Transactions rolled back on a constraint in this cycle: none of their rows may exist. */
  readonly rollbacks: readonly number[];
  /** Transactions whose commit was acknowledged in this cycle. */
  readonly commits: readonly number[];
}

function parseLines(lines: readonly string[], acked: Acknowledged): CycleLines {
  const rollbacks: number[] = [];
  const commits: number[] = [];
  for (const line of lines) {
    const [verb, first, second] = line.split(" ");
    if (verb === "ready") acked.isSchemaReady = true;
    else if (verb === "ddl") acked.ddlCycles.add(Number(first));
    else if (verb === "commit") {
      acked.commits.set(Number(first), Number(second));
      commits.push(Number(first));
    } else if (verb === "open") acked.accounts.add(Number(second));
    else if (verb === "rollback") rollbacks.push(Number(first));
    else throw new Error(`unexpected line from the child: ${line}`);
  }
  return { rollbacks, commits };
}

async function crashOnce(dir: string, cycle: number, random: SeededRandom, acked: Acknowledged): Promise<CycleLines> {
  const args = [dir, String(random.int(1, 0x7fff_ffff)), String(cycle), String(workers)];
  const crashChild = new CrashChild({ script: child, args, deadlineMs: 30_000 });
  // Kill at a random moment: sometimes while it opens, recovers or creates the schema, mostly mid-transaction.
  const waitLines = random.chance(0.1) ? 0 : random.int(1, 200);
  if (waitLines > 0) await crashChild.waitForLines(waitLines);
  await new Promise((resolve) => setTimeout(resolve, random.int(0, 20)));
  const exit = await crashChild.kill();
  expect(exit.signal, exit.stderr).toBe("SIGKILL");
  return parseLines(crashChild.lines, acked);
}

/** The rows of `sql` in PostgreSQL's text form. */
async function textRows(session: Session, sql: string): Promise<(string | null)[][]> {
  const result = await session.query(sql);
  return result.rows.map((row) => formatRow(result.fields, row, textSettings));
}

async function hasSchema(session: Session): Promise<boolean> {
  try {
    await session.query("SELECT count(*) FROM accounts");
    return true;
  } catch (error) {
    if (typeof error === "object" && error !== null && "sqlState" in error && error.sqlState === "42P01") return false;
    throw error;
  }
}

async function expectSqlState(session: Session, sql: string, sqlState: string): Promise<void> {
  await expect(session.query(sql), sql).rejects.toMatchObject({ sqlState });
}

/** Atomicity and the constraints, by queries over the whole database. */
async function checkInvariants(session: Session): Promise<void> {
  const [sums] = await textRows(session, "SELECT sum(balance), sum(opening), count(*) FROM accounts");
  expect(sums?.[0], "the total balance is unchanged").toBe(totalBalance);
  expect(sums?.[1]).toBe(totalBalance);
  expect(await textRows(session, "SELECT id, balance FROM accounts WHERE balance < 0"), "no negative balance").toEqual([]);
  const drifted = await textRows(
    session,
    "SELECT a.id, a.balance, a.opening, l.total FROM accounts a LEFT JOIN (SELECT account_id, sum(amount) AS total FROM ledger GROUP BY account_id) l ON l.account_id = a.id WHERE a.balance <> a.opening + coalesce(l.total, 0)",
  );
  expect(drifted, "each balance is its opening balance plus its ledger amounts").toEqual([]);
  const orphans = await textRows(session, "SELECT l.id, l.account_id FROM ledger l LEFT JOIN accounts a ON a.id = l.account_id WHERE a.id IS NULL");
  expect(orphans, "every ledger row's account exists").toEqual([]);
  expect(await textRows(session, "SELECT ref, count(*) FROM ledger GROUP BY ref HAVING count(*) > 1"), "refs are unique").toEqual([]);
  expect(await textRows(session, "SELECT owner, count(*) FROM accounts GROUP BY owner HAVING count(*) > 1"), "owners are unique").toEqual([]);
  const partial = await textRows(session, "SELECT id / 10, count(*), sum(amount) FROM ledger GROUP BY id / 10 HAVING count(*) <> 2 OR sum(amount) <> 0");
  expect(partial, "every transaction's ledger rows are all there and net to zero").toEqual([]);
}

/**
 * Every acknowledged commit, by one scan of the ledger; this cycle's also one by one, through the
 * primary key and through the unique index on ref.
 */
async function checkAcknowledged(session: Session, acked: Acknowledged, lines: CycleLines): Promise<void> {
  const refs = new Map((await textRows(session, "SELECT id, ref FROM ledger")).map((row) => [Number(row[0]), row[1]]));
  const present = new Set([...refs.keys()].map((id) => Math.floor(id / 10)));
  for (const [n, entries] of acked.commits) {
    for (let k = 0; k < entries; k++) expect(refs.get(n * 10 + k), `acknowledged ledger row ${n * 10 + k}`).toBe(`r${n}-${k}`);
  }
  for (const n of lines.commits) {
    const entries = acked.commits.get(n) ?? 0;
    for (let k = 0; k < entries; k++) {
      const byId = await textRows(session, `SELECT ref FROM ledger WHERE id = ${n * 10 + k}`);
      expect(byId, `acknowledged ledger row ${n * 10 + k}`).toEqual([[`r${n}-${k}`]]);
      const byRef = await textRows(session, `SELECT id FROM ledger WHERE ref = 'r${n}-${k}'`);
      expect(byRef, `acknowledged ref r${n}-${k} through the unique index`).toEqual([[String(n * 10 + k)]]);
    }
  }
  for (const n of lines.rollbacks) expect(present.has(n), `transaction ${n} was rolled back but its rows are there`).toBe(false);
  const unacknowledged = [...present].filter((n) => !acked.commits.has(n) && !acked.present.has(n));
  expect(unacknowledged.length, `unacknowledged transactions present: ${unacknowledged.join(", ")}`).toBeLessThanOrEqual(workers);
  for (const n of present) acked.present.add(n);
  const accounts = new Set((await textRows(session, "SELECT id FROM accounts")).map((row) => Number(row[0])));
  for (const account of acked.accounts) expect(accounts.has(account), `acknowledged account ${account}`).toBe(true);
  for (const cycle of acked.ddlCycles) {
    const [column] = await textRows(session, `SELECT count(c${cycle}) FROM ledger`);
    expect(column, `acknowledged column c${cycle}`).toBeDefined();
  }
}

/** New writes commit, and every constraint is still enforced. The commit is acknowledged like a child's. */
async function checkNewWrites(session: Session, acked: Acknowledged): Promise<void> {
  const [max] = await textRows(session, "SELECT coalesce(max(id), 0) FROM ledger");
  const n = Math.floor(Number(max?.[0]) / 10) + 1;
  const [richest] = await textRows(session, "SELECT id FROM accounts ORDER BY balance DESC, id LIMIT 1");
  const [poorest] = await textRows(session, "SELECT id, balance FROM accounts ORDER BY balance, id LIMIT 1");
  const [from, to] = [Number(richest?.[0]), Number(poorest?.[0])];
  await expectSqlState(session, `UPDATE accounts SET balance = balance - ${poorest?.[1] ?? "0"} - 0.01 WHERE id = ${to}`, "23514");
  await expectSqlState(session, `INSERT INTO ledger (id, ref, account_id, amount) VALUES (${n * 10}, 'r${n}-x', -1, 0)`, "23503");
  await expectSqlState(session, `INSERT INTO ledger (id, ref, account_id, amount) VALUES (${n * 10}, NULL, ${from}, 0)`, "23502");
  await expectSqlState(session, `INSERT INTO accounts (id, owner, balance, opening) VALUES (${from}, 'someone new', 0, 0)`, "23505");
  await session.query(
    `BEGIN; UPDATE accounts SET balance = balance - 0.01 WHERE id = ${from}; UPDATE accounts SET balance = balance + 0.01 WHERE id = ${to}; ` +
      `INSERT INTO ledger (id, ref, account_id, amount) VALUES (${n * 10}, 'r${n}-0', ${from}, -0.01), (${n * 10 + 1}, 'r${n}-1', ${to}, 0.01); COMMIT`,
  );
  acked.commits.set(n, 2);
  await expectSqlState(session, `INSERT INTO ledger (id, ref, account_id, amount) VALUES (${n * 10 + 5}, 'r${n}-0', ${from}, 0)`, "23505");
  expect(await textRows(session, `SELECT id FROM ledger WHERE ref = 'r${n}-1'`)).toEqual([[String(n * 10 + 1)]]);
}

/** Reopens the database after a crash and checks it; returns the number of ledger rows. */
async function verifyDatabase(dir: string, acked: Acknowledged, lines: CycleLines): Promise<number> {
  const db = await Database.open({ dir, sync: true });
  try {
    const session = db.connect();
    if (!(await hasSchema(session))) {
      // Killed before the schema's transaction committed: nothing of it may be there.
      expect(acked.isSchemaReady, "the schema was acknowledged but is gone").toBe(false);
      expect(await textRows(session, "SELECT 1"), "the database answers").toEqual([["1"]]);
      return 0;
    }
    await checkInvariants(session);
    await checkAcknowledged(session, acked, lines);
    await checkNewWrites(session, acked);
    await checkInvariants(session);
    const [count] = await textRows(session, "SELECT count(*) FROM ledger");
    return Number(count?.[0]);
  } finally {
    await db.close();
  }
}

describe("engine crash safety (SIGKILL)", () => {
  const temp = makeTempDir("engine-crash");
  afterAll(() => temp.cleanup());

  it(`keeps every acknowledged transaction, atomically and with its constraints, across ${cycles} kill -9 cycles`, async () => {
    await withSeed("engine crash test", async (random) => {
      const dir = join(temp.path, "db");
      const acked: Acknowledged = { isSchemaReady: false, commits: new Map(), accounts: new Set(), ddlCycles: new Set(), present: new Set() };
      let commitCount = 0;
      let ledgerRows = 0;
      for (let cycle = 1; cycle <= cycles; cycle++) {
        const lines = await crashOnce(dir, cycle, random, acked);
        commitCount += lines.commits.length;
        ledgerRows = await verifyDatabase(dir, acked, lines);
      }
      // The children did real work between the kills.
      expect(commitCount).toBeGreaterThan(cycles);
      expect(ledgerRows).toBeGreaterThan(2 * cycles);
    });
  }, Math.max(120_000, cycles * 4_000));
});
