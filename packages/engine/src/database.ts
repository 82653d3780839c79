/**
 * `Database`: one store (an `LsmStore` in `dir`, or in memory), its transaction manager, the
 * committed catalog, sequences and row-id counters. Sessions (`connect`) run SQL against it.
 */
import { DataCorruptedError, assert } from "@omnikv/base";
import { builtinAggregates, builtinRegistry, statisticsOfSample, type AggregateTable, type FunctionRegistry, type Row, type SpillCipher } from "@omnikv/executor";
import { LsmStore, type LsmOptions } from "@omnikv/lsm";
import type { TableStatistics } from "@omnikv/planner";
import { MemoryMvccStore, TransactionManager, type IsolationLevel, type MvccStore, type Transaction } from "@omnikv/txn";
import { CatalogState, CatalogView } from "./catalog/catalog-store.ts";
import { indexStorage, tableStorage, type ObjectDefinition, type RoleDefinition, type TableDefinition } from "./catalog/definitions.ts";
import { PrivilegeChecker, bootstrapRoleId, databaseObject, publicRoleId } from "./catalog/privileges.ts";
import { InsufficientPrivilegeError, InvalidAuthorizationError } from "./errors.ts";
import { catalogTableOf } from "./catalog/planner-catalog.ts";
import { layoutOf } from "./storage/table-layout.ts";
import { SequenceStore } from "./catalog/sequences.ts";
import { deleteStatistics, loadStatistics, storeStatistics } from "./catalog/statistics-store.ts";
import { RangeReclaimer } from "./storage/range-reclaimer.ts";
import { FreshRange } from "./storage/fresh-range.ts";
import { catalogKeyspace, firstObjectId, nextObjectIdKey, readRowId, relationEnd, relationPrefix, rowIdLimit, rowIdRangeEnd, storageRange, withPrefix } from "./storage/keys.ts";
import { Session, type ConnectOptions } from "./session/session.ts";
import type { RowReader } from "./storage/table-access.ts";
import type { SpillSettings } from "./dml/statement-environment.ts";

export interface DatabaseOptions {
  /** The data directory (created on first open); in memory when absent. */
  readonly dir?: string;
  /** Whether each commit waits for fsync (default true). */
  readonly sync?: boolean;
  /** Options for the LSM store under `dir`, e.g. `cipher` for encryption at rest (@omnikv/security). */
  readonly storeOptions?: LsmOptions;
  /** Where sorts, hash joins and aggregations spill beyond work_mem (default: the OS temporary directory). */
  readonly tempDirectory?: string;
  /** Encryption at rest for spill files (e.g. `createStoreCiphers(keyring).spill` from @omnikv/security). */
  readonly spillCipher?: SpillCipher;
  /**
   * PostgreSQL's deadlock_timeout (default 1000 ms, as there): how long a lock waiter waits before
   * it looks for a deadlock; it is the victim if it finds one, so the longest waiter gives way.
   */
  readonly deadlockTimeoutMs?: number;
  /** The isolation level of transactions that do not name one (default READ COMMITTED, as PostgreSQL). */
  readonly defaultIsolation?: IsolationLevel;
  /**
   * The most rows and index entries one transaction may write (default 5,000,000,
   * `writeSetWritesMaxDefault`): a transaction past it fails with 54000 and rolls back. DROP TABLE
   * and DROP INDEX write a few keys whatever the size of what they drop.
   */
  readonly writeSetWritesMax?: number;
  /** Keys the background deletion of a dropped table's or index's keys deletes per store write (default 512). */
  readonly reclaimBatchKeys?: number;
  /**
   * Auto-analyze: a table is analyzed again after `analyzeThresholdRows + analyzeScaleFactor *
   * rows` of its rows changed (PostgreSQL's autovacuum_analyze_threshold 50 and scale factor 0.1).
   */
  readonly analyzeThresholdRows?: number;
  readonly analyzeScaleFactor?: number;
  /**
   * The least time between two auto-analyzes of one table (PostgreSQL's autovacuum_naptime,
   * default 60 s there; 10 s here): a table filled row by row is not rescanned at every 10 %,
   * and a small table updated thousands of times a second (TPC-B's tellers) is not rescanned,
   * with every session's plans remade, every second.
   */
  readonly analyzeIntervalMs?: number;
  /**
   * How many times the work of its last auto-analyze the server waits before the next one, of any
   * table (default 20): after a table whose read took a second of the server's time, no table is
   * auto-analyzed for 20 s. So auto-analyze spends at most about a twentieth of the server in all,
   * however many tables are due and however large they grow (each run reads the whole table).
   * PostgreSQL bounds autovacuum with a cost limit its workers share, for the same reason.
   */
  readonly analyzeCostFactor?: number;
  /**
   * The name of the superuser a new database is created with (PostgreSQL's bootstrap superuser,
   * role id 10; default `postgres`). Sessions that name no user run as it.
   */
  readonly bootstrapSuperuser?: string;
  /**
   * Turns a plain-text PASSWORD (CREATE/ALTER ROLE) into the verifier the catalog stores, e.g. a
   * SCRAM-SHA-256 verifier. Without it only passwords already in verifier form are accepted.
   */
  readonly passwordVerifier?: (password: string) => string;
}

interface RowIdCounter {
  next: bigint;
}

export class Database {
  readonly store: MvccStore;
  readonly transactions: TransactionManager;
  readonly sequences: SequenceStore;
  readonly registry: FunctionRegistry = builtinRegistry;
  readonly aggregates: AggregateTable = builtinAggregates;
  readonly statistics = new Map<number, TableStatistics>();
  #statisticsVersion = 0;
  /** Reads the newest committed state, no snapshot: for single reads, which are consistent alone. */
  readonly latestReader: RowReader;
  readonly #close: () => Promise<void>;
  #catalog: CatalogState;
  #nextObjectId: number;
  readonly #rowIds = new Map<number, RowIdCounter>();
  /** Rows changed per table by committed transactions since its last analyze. */
  readonly #changedSinceAnalyze = new Map<number, number>();
  readonly #analyzing = new Set<number>();
  readonly #analyzeThresholdRows: number;
  readonly #analyzeScaleFactor: number;
  readonly #analyzeIntervalMs: number;
  readonly #analyzeCostFactor: number;
  /** When each analyzed table may be auto-analyzed again (`analyzeIntervalMs`). */
  readonly #nextAnalyzeAt = new Map<number, number>();
  /** No auto-analyze of any table starts before this (`analyzeCostFactor` times the last run's work). */
  #analyzeQuietUntil = 0;
  /** Tables past their threshold and not being analyzed, in the order they got there. */
  readonly #dueForAnalyze = new Map<number, true>();
  /** Set while due tables wait (for the quiet period, or their interval): looks again then. */
  #analyzeTimer: NodeJS.Timeout | undefined;
  #pendingAnalyze: Promise<void> = Promise.resolve();
  readonly #sessions = new Set<Session>();
  /** Per table, the commit sequence of its last writer (`noteRelationWrites`). */
  readonly #lastWrites = new Map<number, number>();
  /** Per table, the commit sequence of its last DDL. */
  readonly #lastDdl = new Map<number, number>();
  /** Deletes dropped tables' and indexes' keys after their drops commit. */
  readonly #reclaimer: RangeReclaimer;
  #nextBackendPid = 1000;
  #isClosed = false;
  readonly #bootstrapSuperuser: string;
  readonly passwordVerifier: ((password: string) => string) | undefined;
  /** Where statements spill and how spill files are sealed (see DatabaseOptions). */
  readonly spill: SpillSettings;

  private constructor(store: MvccStore, close: () => Promise<void>, options: DatabaseOptions) {
    this.store = store;
    this.#close = close;
    this.transactions = new TransactionManager(store, {
      sync: options.sync ?? true,
      defaultIsolation: options.defaultIsolation ?? "read committed",
      deadlockTimeoutMs: options.deadlockTimeoutMs ?? 1000,
      ...(options.writeSetWritesMax === undefined ? {} : { writeSetWritesMax: options.writeSetWritesMax }),
    });
    this.#analyzeThresholdRows = options.analyzeThresholdRows ?? 50;
    this.#analyzeScaleFactor = options.analyzeScaleFactor ?? 0.1;
    this.#analyzeIntervalMs = options.analyzeIntervalMs ?? 10_000;
    this.#analyzeCostFactor = options.analyzeCostFactor ?? 20;
    this.#bootstrapSuperuser = options.bootstrapSuperuser ?? "postgres";
    this.passwordVerifier = options.passwordVerifier;
    this.spill = {
      ...(options.tempDirectory === undefined ? {} : { tempDirectory: options.tempDirectory }),
      ...(options.spillCipher === undefined ? {} : { cipher: options.spillCipher }),
    };
    assert(this.#analyzeThresholdRows >= 0 && this.#analyzeScaleFactor >= 0, "auto-analyze thresholds are not negative");
    assert(Number.isFinite(this.#analyzeIntervalMs) && this.#analyzeIntervalMs >= 0, "analyzeIntervalMs is finite and not negative");
    assert(Number.isFinite(this.#analyzeCostFactor) && this.#analyzeCostFactor >= 0, "analyzeCostFactor is finite and not negative");
    this.#reclaimer = new RangeReclaimer(store, {
      ...(options.reclaimBatchKeys === undefined ? {} : { batchKeys: options.reclaimBatchKeys }),
      activeEnded: () => this.transactions.activeEnded(),
      isNamed: (id) => this.#isStorageNamed(id),
    });
    this.sequences = new SequenceStore(store);
    this.sequences.load();
    this.latestReader = { get: (key) => store.get(key), scan: (range) => store.scan(range) };
    const objects = new Map<number, ObjectDefinition>();
    for (const [, value] of store.scan({ gte: relationPrefix(catalogKeyspace), lt: relationEnd(catalogKeyspace) })) {
      const object = parseDefinition(value);
      objects.set(object.id, object);
    }
    this.#catalog = new CatalogState(objects);
    const tables = new Map<number, TableDefinition>();
    for (const object of objects.values()) if (object.kind === "table") tables.set(object.id, object);
    for (const [id, statistics] of loadStatistics(store, tables)) this.statistics.set(id, statistics);
    const stored = store.get(nextObjectIdKey);
    // Storage ids come from the same counter (catalog/definitions.ts, `tableStorage`).
    const storageIds = [...objects.values()].flatMap((object) => (object.kind === "table" ? [tableStorage(object), ...object.indexes.map(indexStorage)] : []));
    const highest = Math.max(firstObjectId - 1, ...objects.keys(), ...storageIds);
    this.#nextObjectId = Math.max(highest + 1, stored === undefined ? 0 : new DataView(stored.buffer, stored.byteOffset, 4).getUint32(0));
    // A dropped id still waiting for its keys to go is never handed out again, whatever the
    // unsynced high-water mark above says after a crash.
    for (const id of this.#reclaimer.markedIds()) this.#nextObjectId = Math.max(this.#nextObjectId, id + 1);
  }

  static async open(options: DatabaseOptions = {}): Promise<Database> {
    let database: Database;
    if (options.dir === undefined) {
      database = new Database(new MemoryMvccStore(), () => Promise.resolve(), options);
    } else {
      const store = await LsmStore.open(options.dir, options.storeOptions);
      database = new Database(store, () => store.close(), options);
    }
    await database.#bootstrap();
    // Drops a crash (or a close) interrupted before their keys were all deleted.
    database.#reclaimer.scheduleMarked();
    return database;
  }

  /**
   * A new database has the bootstrap superuser (role 10) and the schema `public` it owns, with
   * PostgreSQL 15's privileges on it (USAGE for PUBLIC, no CREATE). A catalog from before roles
   * existed gets the superuser and those privileges on its first open.
   */
  async #bootstrap(): Promise<void> {
    const hasRoles = this.#catalog.objects.get(bootstrapRoleId) !== undefined;
    const publicId = this.#catalog.schemaId("public");
    if (hasRoles && publicId !== undefined) return;
    const txn = await this.transactions.begin();
    const view = this.catalogView();
    if (!hasRoles) await view.write(txn, bootstrapRole(this.#bootstrapSuperuser));
    const publicAcl = [
      { grantee: bootstrapRoleId, grantor: bootstrapRoleId, privileges: "UC", grantOptions: "" },
      { grantee: publicRoleId, grantor: bootstrapRoleId, privileges: "U", grantOptions: "" },
    ];
    const existing = publicId === undefined ? undefined : view.schema("public");
    await view.write(txn, { kind: "schema", id: existing?.id ?? this.allocateObjectId(), name: "public", owner: bootstrapRoleId, acl: publicAcl });
    await this.sequences.settled();
    await txn.commit();
    this.publishCatalog(view, 0);
  }

  /**
   * The stored password verifier of a role that may log in, for authentication (PostgreSQL's
   * pg_authid.rolpassword): undefined when the role does not exist, cannot LOGIN or has none.
   */
  passwordSecret(roleName: string): string | undefined {
    const role = this.#catalog.role(roleName);
    if (role === undefined || !role.canLogin) return undefined;
    return role.password;
  }

  /**
   * A session. A named `user` must be a role that may log in (28000 otherwise, as PostgreSQL
   * refuses the connection); with no user, the session runs as the bootstrap superuser.
   */
  connect(options: ConnectOptions = {}): Session {
    assert(!this.#isClosed, "the database is open");
    const named = options.user;
    if (named !== undefined) {
      const role = this.#catalog.role(named);
      if (role === undefined) throw new InvalidAuthorizationError(`role "${named}" does not exist`);
      if (!role.canLogin) throw new InvalidAuthorizationError(`role "${named}" is not permitted to log in`);
      const database = databaseObject(this.catalogView(), options.database ?? "postgres");
      if (!new PrivilegeChecker(this.catalogView()).has(role.id, database, "c")) {
        throw new InsufficientPrivilegeError(`permission denied for database "${options.database ?? "postgres"}"`, { detail: "User does not have CONNECT privilege." });
      }
    }
    const user = named ?? this.#bootstrapRoleName();
    const session = new Session(this, { ...options, user }, this.#nextBackendPid++, () => this.#sessions.delete(session));
    this.#sessions.add(session);
    return session;
  }

  #bootstrapRoleName(): string {
    const role = this.#catalog.objects.get(bootstrapRoleId);
    assert(role?.kind === "role", "the bootstrap superuser exists");
    return role.name;
  }

  /** The open sessions, oldest first. */
  sessions(): Session[] {
    return Array.from(this.#sessions);
  }

  /** The open session with backend pid `pid`, if any. */
  sessionByPid(pid: number): Session | undefined {
    for (const session of this.#sessions) if (session.backendPid === pid) return session;
    return undefined;
  }

  /**
   * Whether session `pid` waits on a row lock held by (or queued ahead of it for) a transaction
   * of one of the sessions `pids` (PostgreSQL's pg_isolation_test_session_is_blocked).
   */
  isSessionBlocked(pid: number, pids: readonly number[]): boolean {
    const waiting = this.sessionByPid(pid)?.transactionId;
    if (waiting === undefined) return false;
    const blockers = new Set(this.transactions.waitsFor(waiting));
    if (blockers.size === 0) return false;
    return pids.some((other) => {
      const id = this.sessionByPid(other)?.transactionId;
      return id !== undefined && blockers.has(id);
    });
  }

  get catalog(): CatalogState {
    return this.#catalog;
  }

  catalogView(): CatalogView {
    return new CatalogView(() => this.#catalog);
  }

  /**
   * After a commit at `sequence`: the transaction's catalog changes become everyone's.
   * `bulkLoaded`: the tables it loaded straight to the store (`CatalogState.storageSince`).
   */
  publishCatalog(view: CatalogView, sequence: number, bulkLoaded: ReadonlySet<number> = new Set()): void {
    if (view.changes.size === 0) return;
    const before = this.#catalog;
    this.#catalog = this.#catalog.apply(view.changes, sequence, bulkLoaded);
    for (const [id, object] of view.changes) {
      // Statistics describe one table shape: a dropped or re-shaped table loses them.
      const previous = before.objects.get(id);
      const isReshaped = object?.kind === "table" && previous?.kind === "table" && previous.schemaVersion !== object.schemaVersion;
      if ((object?.kind !== "table" || isReshaped) && this.statistics.delete(id)) {
        this.#statisticsVersion += 1;
        void deleteStatistics(this.store, id).catch(() => undefined);
      }
    }
    // A catalog change may have dropped tables or indexes: their reclaim markers committed with it.
    this.#reclaimer.scheduleMarked();
  }

  /** Whether a table or index of the committed catalog stores its keys under `id`. */
  #isStorageNamed(storage: number): boolean {
    for (const table of this.#catalog.objects.values()) {
      if (table.kind !== "table") continue;
      if (tableStorage(table) === storage || table.indexes.some((index) => indexStorage(index) === storage)) return true;
    }
    return false;
  }

  /**
   * After a commit at `sequence`: it wrote rows of the tables `written` (TRUNCATE counts) and
   * changed the definitions of `altered` (dropped ids are forgotten).
   */
  noteRelationWrites(written: Iterable<number>, altered: Iterable<number>, sequence: number): void {
    const note = (id: number, map: Map<number, number>): void => {
      if (this.#catalog.objects.get(id)?.kind === "table") map.set(id, sequence);
      else map.delete(id);
    };
    for (const id of written) note(id, this.#lastWrites);
    for (const id of altered) {
      note(id, this.#lastWrites);
      note(id, this.#lastDdl);
    }
  }

  /** The commit sequence of the last transaction that wrote table `id` since the database opened (0: none). */
  lastWriteSequence(id: number): number {
    return this.#lastWrites.get(id) ?? 0;
  }

  /** The commit sequence of the last DDL on table `id` since the database opened (0: none). */
  lastDdlSequence(id: number): number {
    return this.#lastDdl.get(id) ?? 0;
  }

  /** Claims relation `id`, allocated by `txn`, for writing its keys straight to the store (storage/fresh-range.ts). */
  openFreshRange(txn: Transaction, id: number): Promise<FreshRange> {
    return FreshRange.open(this.store, this.#reclaimer, txn, id);
  }

  /** Resolves when the deletion of the keys of every table and index dropped so far has finished (or stopped at close). */
  async reclaimed(): Promise<void> {
    await this.#reclaimer.settled();
  }

  /** Changes whenever any table's statistics change: plans made before are remade. */
  get statisticsVersion(): number {
    return this.#statisticsVersion;
  }

  /** ANALYZE's result: used by the planner from now on, and kept in the store for the next open. */
  setStatistics(table: TableDefinition, statistics: TableStatistics): void {
    this.statistics.set(table.id, statistics);
    this.#statisticsVersion += 1;
    void storeStatistics(this.store, table, statistics).catch(() => undefined);
  }

  /**
   * After a commit: counts the rows it changed; a table whose changes passed its threshold joins
   * the tables due for auto-analyze, which run off the request path one at a time.
   */
  noteCommittedChanges(changes: ReadonlyMap<number, number>): void {
    for (const [tableId, count] of changes) {
      const total = (this.#changedSinceAnalyze.get(tableId) ?? 0) + count;
      this.#changedSinceAnalyze.set(tableId, total);
      const rows = this.statistics.get(tableId)?.rowCount ?? 0;
      if (total < this.#analyzeThresholdRows + this.#analyzeScaleFactor * rows || this.#isClosed) continue;
      // A table keeps its place in line (a Map iterates in insertion order); one being analyzed
      // joins again at the end if its changes meanwhile pass the threshold (see `#autoAnalyze`).
      if (!this.#analyzing.has(tableId) && !this.#dueForAnalyze.has(tableId)) this.#dueForAnalyze.set(tableId, true);
    }
    this.#startDueAnalyze();
  }

  /**
   * Starts the auto-analyze of the due table first in line whose own interval has passed, unless
   * one is running or the quiet period after the last run lasts; else sets the one timer for when
   * that changes. First in line first, so a large table always due again cannot starve the others.
   */
  #startDueAnalyze(): void {
    if (this.#isClosed || this.#analyzing.size > 0 || this.#dueForAnalyze.size === 0) return;
    // Monotonic time: a wall clock stepped back must not stop auto-analyze.
    const now = performance.now();
    let nextAt = this.#analyzeQuietUntil;
    if (now >= this.#analyzeQuietUntil) {
      nextAt = Number.POSITIVE_INFINITY;
      for (const tableId of this.#dueForAnalyze.keys()) {
        const dueAt = this.#nextAnalyzeAt.get(tableId) ?? 0;
        if (dueAt > now) {
          nextAt = Math.min(nextAt, dueAt);
          continue;
        }
        this.#dueForAnalyze.delete(tableId);
        this.#analyzing.add(tableId);
        this.#pendingAnalyze = this.#pendingAnalyze.then(() => new Promise((resolve) => setImmediate(resolve))).then(() => this.#autoAnalyze(tableId));
        return;
      }
    }
    if (this.#analyzeTimer !== undefined) clearTimeout(this.#analyzeTimer);
    this.#analyzeTimer = setTimeout(() => {
      this.#analyzeTimer = undefined;
      this.#startDueAnalyze();
    }, Math.min(Math.max(1, nextAt - now), analyzeTimerMaxMs));
    this.#analyzeTimer.unref();
  }

  /** Resolves when the auto-analyze runs started so far, and those they let start at once, have finished. */
  async analyzed(): Promise<void> {
    for (;;) {
      const pending = this.#pendingAnalyze;
      await pending;
      if (pending === this.#pendingAnalyze) return;
    }
  }

  async #autoAnalyze(tableId: number): Promise<void> {
    const definition = this.#catalog.objects.get(tableId);
    if (this.#isClosed || definition?.kind !== "table") {
      this.#analyzing.delete(tableId);
      this.#startDueAnalyze();
      return;
    }
    this.#changedSinceAnalyze.set(tableId, 0);
    const started = performance.now();
    // Still `#analyzing` while it runs: commits meanwhile count changes but do not put it in line.
    let busyMs = 0;
    try {
      const analyzed = await analyzeInSlices(this, definition, () => this.#isClosed);
      if (analyzed !== undefined) {
        busyMs = analyzed.busyMs;
        this.setStatistics(definition, analyzed.statistics);
      }
    } catch {
      // The table keeps the statistics it had; a failed run must not stop the tables due after
      // it, and the next run waits as after any run.
    } finally {
      this.#nextAnalyzeAt.set(tableId, started + this.#analyzeIntervalMs);
      this.#analyzeQuietUntil = performance.now() + this.#analyzeCostFactor * busyMs;
      this.#analyzing.delete(tableId);
    }
    // Changes committed while it ran may already be past the threshold again: it joins the line
    // at its end (and the next table in line starts, or the timer is set).
    this.noteCommittedChanges(new Map([[tableId, 0]]));
  }

  /** Object ids are never reused: the high-water mark is recorded (unsynced, ordered before any commit that uses it). */
  allocateObjectId(): number {
    const id = this.#nextObjectId;
    this.#nextObjectId += 1;
    const value = new Uint8Array(4);
    new DataView(value.buffer).setUint32(0, this.#nextObjectId);
    void this.store.write([{ type: "put", key: nextObjectIdKey, value }], { sync: false });
    return id;
  }

  /**
   * The next row id of a table without a primary key: one above the largest stored, then counted
   * in memory. Only row-id keys are looked at: a table that had a primary key until this
   * transaction still holds keys in the key's encoded form, and one of 12 bytes read as a row id
   * gave ids from 2^56 up, whose keys then fell among encoded keys (a later ADD PRIMARY KEY could
   * write one row over another). Row ids stay below 2^56, so a row-id key's first byte after the
   * table prefix is 0x00 and an encoded key's (its marker, 0x01 or 0x02) never is.
   */
  allocateRowId(storage: number): bigint {
    let counter = this.#rowIds.get(storage);
    if (counter === undefined) {
      let last = 0n;
      for (const [key] of this.store.scan({ gte: relationPrefix(storage), lt: withPrefix(storage, rowIdRangeEnd), reverse: true })) {
        last = readRowId(key);
        break;
      }
      counter = { next: last + 1n };
      this.#rowIds.set(storage, counter);
    }
    const id = counter.next;
    assert(id < rowIdLimit, "row ids stay below 2^56, apart from encoded key values");
    counter.next += 1n;
    return id;
  }

  get isClosed(): boolean {
    return this.#isClosed;
  }

  /**
   * CHECKPOINT: writes the memtables out as tables, so what is durable in the log is also in the
   * data files (a no-op in memory). Statements keep running meanwhile.
   */
  async checkpoint(): Promise<void> {
    if (this.store instanceof LsmStore) await this.store.flush();
  }

  async close(): Promise<void> {
    if (this.#isClosed) return;
    this.#isClosed = true;
    clearTimeout(this.#analyzeTimer);
    this.#analyzeTimer = undefined;
    this.#dueForAnalyze.clear();
    for (const session of Array.from(this.#sessions)) await session.close();
    // A running auto-analyze stops at its next slice; it must not read a closed store.
    await this.#pendingAnalyze.catch(() => undefined);
    await this.#reclaimer.close();
    await this.sequences.settled().catch(() => undefined);
    await this.#close();
  }
}

function bootstrapRole(name: string): RoleDefinition {
  return { kind: "role", id: bootstrapRoleId, name, isSuperuser: true, isInherit: true, canCreateRole: true, canCreateDb: true, canLogin: true, connectionLimit: -1, memberOf: [] };
}

/** A stored catalog record; a record that is not one is damage, reported as such. */
function parseDefinition(bytes: Uint8Array): ObjectDefinition {
  const parsed: unknown = JSON.parse(new TextDecoder().decode(bytes));
  if (!isDefinition(parsed)) throw new DataCorruptedError("a catalog record is not an object definition");
  return parsed;
}

function isDefinition(value: unknown): value is ObjectDefinition {
  if (typeof value !== "object" || value === null || !("kind" in value) || !("id" in value)) return false;
  const kinds: readonly unknown[] = ["table", "sequence", "view", "enum_type", "domain", "schema", "role", "database", "default_acl"];
  return kinds.includes(value.kind) && typeof value.id === "number";
}

/** The longest a timer for due auto-analyzes is set for (Node caps timers at 2^31 - 1 ms). */
const analyzeTimerMaxMs = 60 * 60 * 1000;

/** Rows an auto-analyze reads before it lets other work run (it never holds the event loop long). */
export const analyzeSliceRows = 4096;

/**
 * ANALYZE off the request path: the table is read at a snapshot in slices of `analyzeSliceRows`,
 * yielding to the event loop between slices, into a uniform reservoir sample. Undefined when the
 * database closed meanwhile.
 */
async function analyzeInSlices(db: Database, definition: TableDefinition, isClosed: () => boolean, sampleRowsMax = 30_000): Promise<{ readonly statistics: TableStatistics; readonly busyMs: number } | undefined> {
  const snapshot = db.store.snapshot();
  // The time its slices held the event loop (not the waits between them): what the run cost.
  let busyMs = 0;
  let sliceStart = performance.now();
  try {
    const layout = layoutOf(definition);
    const sample: Row[] = [];
    let rowCount = 0;
    const entries = db.store.scan({ ...storageRange(tableStorage(definition)), snapshot })[Symbol.iterator]();
    for (let next = entries.next(); next.done !== true; next = entries.next()) {
      const [key, value] = next.value;
      rowCount += 1;
      if (sample.length < sampleRowsMax) sample.push(layout.decode(key, value));
      else {
        const slot = Math.floor(Math.random() * rowCount);
        if (slot < sampleRowsMax) sample[slot] = layout.decode(key, value);
      }
      if (rowCount % analyzeSliceRows === 0) {
        busyMs += performance.now() - sliceStart;
        await new Promise((resolve) => setImmediate(resolve));
        sliceStart = performance.now();
        if (isClosed()) return undefined;
      }
    }
    const context = { extraFloatDigits: 3, timeZone: "UTC", transactionStartMicros: 0n };
    const statistics = statisticsOfSample(catalogTableOf(definition, undefined), sample, rowCount, db.registry, context);
    return { statistics, busyMs: busyMs + performance.now() - sliceStart };
  } finally {
    snapshot.release();
  }
}

