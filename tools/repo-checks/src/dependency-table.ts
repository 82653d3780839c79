/**
 * The dependency rule of STYLE.md section 2 and ARCHITECTURE.md, as data: for each workspace
 * package, the packages of ours it may import at run time.
 *
 * Changing this table is a design decision: record it in ARCHITECTURE.md in the same change.
 * A package missing from the table fails the dependency-rule test, so a new package is added
 * here deliberately rather than inheriting whatever edges it happens to grow.
 */

export type DependencyTable = ReadonlyMap<string, ReadonlySet<string>>;

/** The private test-helper package: only tests, benchmarks and devDependencies may use it. */
export const testkitPackageName = "@omnikv/testkit";

/** Every package of ours is in this scope, except the server's CLI name. */
export const workspaceScope = "@omnikv/";

const base = "@omnikv/base";
const wal = "@omnikv/wal";
const lsm = "@omnikv/lsm";
const txn = "@omnikv/txn";
const parser = "@omnikv/parser";
const planner = "@omnikv/planner";
const executor = "@omnikv/executor";
const engine = "@omnikv/engine";
const pgwire = "@omnikv/pgwire";
const raft = "@omnikv/raft";
const security = "@omnikv/security";

const libraryEdges: readonly (readonly [string, readonly string[]])[] = [
  [base, []],
  [wal, [base]],
  [parser, [base]],
  // raft's durable log storage is built on the wal (ARCHITECTURE.md: "wal <- lsm, raft").
  [raft, [base, wal]],
  [pgwire, [base]],
  [security, [base]],
  [lsm, [base, wal]],
  // txn declares MvccStore and lsm satisfies it structurally: txn never imports lsm.
  [txn, [base]],
  [planner, [base, parser]],
  [executor, [base, parser, planner]],
  [engine, [base, parser, planner, executor, txn, lsm]],
];

/** apps/server is the only composer: it may import every library (testkit stays test-only). */
const serverEdges = libraryEdges.map(([name]) => name);

export const dependencyTable: DependencyTable = new Map<string, ReadonlySet<string>>([
  ...libraryEdges.map(([name, edges]) => [name, new Set(edges)] as const),
  [testkitPackageName, new Set([base])],
  ["omnikv", new Set(serverEdges)],
  ["@omnikv/server", new Set(serverEdges)],
]);

/**
 * Packages of ours a package's tests and benchmarks may use beyond its run-time table row (and
 * list in `devDependencies`), never its `src/`. txn's serializability test runs over the real
 * LsmStore, which satisfies txn's `MvccStore` structurally: the product code stays apart.
 * security's ciphers satisfy the hooks wal and lsm declare structurally; its tests run them inside
 * the real Wal and LsmStore (round trips, tampering, the plaintext grep).
 */
export const testOnlyEdges: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  [txn, new Set([lsm])],
  [security, new Set([wal, lsm])],
]);

/** True for a package of ours: the `@omnikv/` scope or any name in the table (`omnikv`). */
export function isWorkspacePackageName(name: string, table: DependencyTable): boolean {
  return name.startsWith(workspaceScope) || table.has(name);
}
