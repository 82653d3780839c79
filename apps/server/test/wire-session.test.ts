/**
 * `WireSession` (the engine behind pgwire) in-process, where a leak can be counted: a statement
 * that fails while its rows are read, or a result stream pgwire abandons before its first pull,
 * must end the engine's statement — its snapshot released, pg_stat_activity back to idle — and the
 * statements before a failing one keep their results, as PostgreSQL sends them.
 */
import { Database, type Session } from "@omnikv/engine";
import type { QueryEvent, QueryEvents } from "@omnikv/pgwire";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { jsonLogger } from "../src/logger.ts";
import { WireSession } from "../src/wire-session.ts";

let db: Database;
let session: Session;
let wire: WireSession;
/** Store snapshots taken and not yet released (the store's own count is not public). */
let openSnapshots = 0;

beforeEach(async () => {
  db = await Database.open();
  const store = db.store;
  const take = store.snapshot.bind(store);
  store.snapshot = () => {
    const snapshot = take();
    openSnapshots += 1;
    let isReleased = false;
    return {
      ...snapshot,
      sequence: snapshot.sequence,
      release: () => {
        if (!isReleased) openSnapshots -= 1;
        isReleased = true;
        snapshot.release();
      },
    };
  };
  openSnapshots = 0;
  session = db.connect();
  await session.query("CREATE TABLE t (id int PRIMARY KEY, v int)");
  await session.query("INSERT INTO t SELECT g, g FROM generate_series(1, 1000) g");
  wire = new WireSession(session, { slowQueryMs: 0, logger: jsonLogger(() => undefined) });
});

afterEach(async () => {
  await db.close();
});

/** The events of a Query, as pgwire reads them, with an error where the stream threw. */
async function eventsOf(pending: QueryEvents | Promise<QueryEvents>): Promise<string[]> {
  const out: string[] = [];
  const name = (event: QueryEvent): string => (event.kind === "commandComplete" ? `C(${event.tag})` : event.kind === "rows" ? `rows(${event.rows.length})` : event.kind);
  try {
    const events = await pending;
    if (Symbol.asyncIterator in events) for await (const event of events) out.push(name(event));
    else for (const event of events) out.push(name(event));
  } catch (error) {
    out.push(`error(${error instanceof Error && "sqlState" in error ? String(error.sqlState) : String(error)})`);
  }
  return out;
}

describe("WireSession.simpleQuery", () => {
  it("keeps the results of the statements before one that fails while its rows are read, and ends that statement", async () => {
    const events = await eventsOf(wire.simpleQuery("SELECT 1; SELECT 1/(x-3) FROM generate_series(1,5) x; SELECT 2"));
    expect(events).toEqual(["rowDescription", "rows(1)", "C(SELECT 1)", "rowDescription", "error(22012)"]);
    expect(openSnapshots).toBe(0);
    expect(session.activity().state).toBe("idle");
    expect(await eventsOf(wire.simpleQuery("BEGIN; SELECT 1/(x-3) FROM generate_series(1,5) x"))).toEqual(["C(BEGIN)", "rowDescription", "error(22012)"]);
    expect(session.transactionStatus).toBe("E");
    expect(await eventsOf(wire.simpleQuery("ROLLBACK"))).toEqual(["C(ROLLBACK)"]);
    expect(await eventsOf(wire.simpleQuery("SELECT count(*) FROM t"))).toEqual(["rowDescription", "rows(1)", "C(SELECT 1)"]);
  });

  it("ends the statement of a result stream abandoned before its first pull", async () => {
    for (const sql of ["SELECT * FROM t", "SELECT 1; SELECT * FROM t WHERE v > 0"]) {
      const events = await wire.simpleQuery(sql);
      expect(Symbol.asyncIterator in events, "a result past one batch streams").toBe(true);
      if (!(Symbol.asyncIterator in events)) continue;
      expect(openSnapshots, sql).toBe(1);
      await events[Symbol.asyncIterator]().return?.();
      expect(openSnapshots, sql).toBe(0);
      expect(session.activity().state, sql).toBe("idle");
    }
  });

  it("streams a long result in batches and releases it at the end", async () => {
    expect(await eventsOf(wire.simpleQuery("SELECT * FROM t; SELECT 2"))).toEqual(["rowDescription", "rows(256)", "rows(256)", "rows(256)", "rows(232)", "C(SELECT 1000)", "rowDescription", "rows(1)", "C(SELECT 1)"]);
    expect(openSnapshots).toBe(0);
    expect(session.activity().state).toBe("idle");
  });

  it("answers a primary-key read of a known shape at once, as an array, and anything else as before", async () => {
    // The shape is made and planned on the first Query; from the second on it is immediate.
    for (const id of [1, 2]) expect(await eventsOf(wire.simpleQuery(`SELECT v FROM t WHERE id = ${id}`))).toEqual(["rowDescription", "rows(1)", "C(SELECT 1)"]);
    const immediate = wire.simpleQuery("SELECT v FROM t WHERE id = 7");
    expect(Array.isArray(immediate)).toBe(true);
    expect(await eventsOf(immediate)).toEqual(["rowDescription", "rows(1)", "C(SELECT 1)"]);
    expect(Array.isArray(wire.simpleQuery("SELECT v FROM t WHERE id = 5000"))).toBe(true);
    expect(session.activity().state).toBe("idle");
    // An error of the immediate path is thrown by the call itself; pgwire answers it at once too.
    expect(await eventsOf(wire.simpleQuery("SELECT v / 0 FROM t WHERE id = 1"))).toContain("error(22012)");
    expect(() => wire.simpleQuery("SELECT v / 0 FROM t WHERE id = 3")).toThrow(/division by zero/);
    expect(session.activity().state).toBe("idle");
    // Inside a transaction block the read goes through the transaction: a promise.
    expect(await eventsOf(wire.simpleQuery("BEGIN"))).toEqual(["C(BEGIN)"]);
    const inBlock = wire.simpleQuery("SELECT v FROM t WHERE id = 8");
    expect(inBlock).toBeInstanceOf(Promise);
    expect(await eventsOf(inBlock)).toEqual(["rowDescription", "rows(1)", "C(SELECT 1)"]);
    expect(await eventsOf(wire.simpleQuery("COMMIT"))).toEqual(["C(COMMIT)"]);
    const update = wire.simpleQuery("UPDATE t SET v = 0 WHERE id = 9");
    expect(update).toBeInstanceOf(Promise);
    expect(await eventsOf(update)).toEqual(["C(UPDATE 1)"]);
    expect(openSnapshots).toBe(0);
  });

  it("reports a setting a ROLLBACK gave back (ParameterStatus), and nothing when none changed", async () => {
    /** The ParameterStatus messages of a Query, as name=value. */
    const statusOf = async (sql: string): Promise<string[]> => {
      const events = await wire.simpleQuery(sql);
      const out: string[] = [];
      if (Symbol.asyncIterator in events) {
        for await (const event of events) if (event.kind === "parameterStatus") out.push(`${event.name}=${event.value}`);
      } else {
        for (const event of events) if (event.kind === "parameterStatus") out.push(`${event.name}=${event.value}`);
      }
      return out;
    };
    const original = session.settings.get("timezone");
    await statusOf("BEGIN");
    expect(await statusOf("SET TimeZone = 'Asia/Tokyo'")).toContain("TimeZone=Asia/Tokyo");
    expect(await statusOf("ROLLBACK")).toEqual([`TimeZone=${original}`]);
    expect(await statusOf("SELECT 1")).toEqual([]);
    await statusOf("BEGIN; SET application_name = 'kept'; SAVEPOINT s; SET application_name = 'dropped'");
    expect(await statusOf("ROLLBACK TO SAVEPOINT s")).toEqual(["application_name=kept"]);
    expect(await statusOf("COMMIT")).toEqual([]);
    // set_config in a query is reported too.
    expect(await statusOf("SELECT set_config('application_name', 'from_query', false)")).toEqual(["application_name=from_query"]);
  });
});
