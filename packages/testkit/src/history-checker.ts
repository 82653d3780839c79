/**
 * History checker for transaction tests (in the spirit of Adya's phenomena and Elle): given what a
 * run of concurrent transactions observed and wrote, decide whether the run was serializable
 * (`checkSerializable`) and whether it honoured snapshot isolation (`checkSnapshotIsolation`).
 *
 * Model. Each write writes a value unique for its key, so a read's value names the write it saw.
 * The version order of a key is its initial value (if any), then the *last* write of each committed
 * txn to that key, in commitSequence order; a txn's earlier writes to a key are intermediate and
 * never installed. Keys are ordered as JavaScript strings (UTF-16 code units), which is byte order
 * for ASCII keys.
 *
 * Serializability builds the direct serialization graph over committed txns:
 *   ww  writer of version i        -> writer of version i+1
 *   wr  writer of the observed version -> reader
 *   rw  reader of version i        -> writer of version i+1 (a read of "absent" precedes version 0)
 * A scan of [gte, lt) reads every key of the history in the range: observed keys at their value,
 * the others as absent, which yields the predicate (phantom) anti-dependencies. Any cycle, found as
 * a strongly connected component (iterative Tarjan), is reported with one concrete shortest cycle,
 * classified as G1c (no rw edge), G-single (one) or G2 (more). Reads that cannot be placed in the
 * version order are reported directly: G1a (aborted write), G1b (intermediate write), reads of
 * values nobody wrote, and a txn's reads of its own writes that are not its latest write.
 *
 * Snapshot isolation uses the sequences the system reported: every read of a key the txn has not
 * yet written must return the newest version with commitSequence <= snapshotSequence, and no two
 * committed writers of one key may overlap (first committer wins: neither's snapshot saw the other).
 *
 * Cost: O(n log n) in the number of ops plus, per scan, the number of history keys in its range.
 * Versions are sorted arrays searched by bisection; nothing compares all pairs of txns.
 *
 * Aborted txns' reads are not checked (a txn may see anything before it aborts); their writes only
 * serve to name G1a reads. A history that breaks the format's own promises (a committed writer
 * without commitSequence, a repeated commitSequence, a value written twice for one key) is a bug in
 * the recorder, not an anomaly, and throws `MalformedHistoryError`.
 */

export type HistoryOp =
  | { readonly kind: "read"; readonly key: string; readonly value: string | null }
  | { readonly kind: "write"; readonly key: string; readonly value: string }
  | { readonly kind: "scan"; readonly gte: string; readonly lt: string; readonly observed: ReadonlyMap<string, string> };

export interface HistoryTxn {
  readonly id: number;
  readonly status: "committed" | "aborted";
  readonly isReadOnly?: boolean;
  /** Store sequence of the transaction's snapshot: it sees exactly the commits whose commitSequence <= snapshotSequence. */
  readonly snapshotSequence: number;
  /** Store sequence at which a committed writer's writes became visible (undefined for read-only or aborted). Distinct per writer. */
  readonly commitSequence?: number;
  /** In program order; a txn's reads see its own earlier writes. */
  readonly ops: readonly HistoryOp[];
}

export interface History {
  /** Values present before any txn. */
  readonly initial: ReadonlyMap<string, string>;
  readonly txns: readonly HistoryTxn[];
}

export type CheckResult = { readonly ok: true } | { readonly ok: false; readonly anomalies: readonly string[] };

/** Anomalies listed per check; the rest are counted in one closing line so a report stays readable. */
export const historyAnomaliesReportedMax = 20;

/** Edges printed per cycle; a longer cycle is cut with its total length given. */
const cycleEdgesPrintedMax = 40;

/** The history breaks a promise of its format: the recorder, not the system under test, is wrong. */
export class MalformedHistoryError extends Error {
  override readonly name = "MalformedHistoryError";
}

function assertHistory(condition: boolean, message: string): asserts condition {
  if (!condition) throw new MalformedHistoryError(message);
}

// ---------------------------------------------------------------------------------------------
// Anomaly log

class AnomalyLog {
  readonly #messages: string[] = [];
  #omittedCount = 0;

  add(message: string): void {
    if (this.#messages.length < historyAnomaliesReportedMax) this.#messages.push(message);
    else this.#omittedCount++;
  }

  result(): CheckResult {
    if (this.#messages.length === 0) return { ok: true };
    const more = this.#omittedCount === 0 ? [] : [`... and ${this.#omittedCount} more anomalies`];
    return { ok: false, anomalies: [...this.#messages, ...more] };
  }
}

// ---------------------------------------------------------------------------------------------
// Version index: every written value of every key, and each key's installed versions in order

/** Where a (key, value) came from. `versionIndex` is set for installed versions only. */
interface WrittenValue {
  readonly kind: "initial" | "installed" | "intermediate" | "aborted";
  readonly value: string;
  /** Undefined for the initial value. */
  readonly writer: HistoryTxn | undefined;
  readonly versionIndex: number;
}

interface Version {
  readonly value: string;
  readonly writer: HistoryTxn | undefined;
  /** -Infinity for the initial value, so every snapshot sees it. */
  readonly commitSequence: number;
}

interface KeyHistory {
  readonly versions: Version[];
  readonly valuesWritten: Map<string, WrittenValue>;
}

interface VersionIndex {
  readonly byKey: ReadonlyMap<string, KeyHistory>;
  /** Every key of the history (initial, reads, writes, scan results), sorted: the scan universe. */
  readonly keys: readonly string[];
  readonly committed: readonly HistoryTxn[];
}

function keyHistoryOf(byKey: Map<string, KeyHistory>, key: string): KeyHistory {
  let keyHistory = byKey.get(key);
  if (keyHistory === undefined) {
    keyHistory = { versions: [], valuesWritten: new Map() };
    byKey.set(key, keyHistory);
  }
  return keyHistory;
}

function recordValue(keyHistory: KeyHistory, key: string, written: WrittenValue): void {
  const previous = keyHistory.valuesWritten.get(written.value);
  if (previous !== undefined) {
    const by = (entry: WrittenValue): string => (entry.writer === undefined ? "the initial map" : `T${entry.writer.id}`);
    throw new MalformedHistoryError(
      `value ${quote(written.value)} of key ${quote(key)} is written by ${by(previous)} and again by ${by(written)}; ` +
        "values must be unique per key",
    );
  }
  keyHistory.valuesWritten.set(written.value, written);
}

/** The last value each key gets in a txn's writes. */
function finalWrites(txn: HistoryTxn): Map<string, string> {
  const last = new Map<string, string>();
  for (const op of txn.ops) if (op.kind === "write") last.set(op.key, op.value);
  return last;
}

/** Committed writers in commitSequence order; asserts each has a distinct, finite sequence. */
function committedWritersInOrder(txns: readonly HistoryTxn[]): HistoryTxn[] {
  const writers: HistoryTxn[] = [];
  for (const txn of txns) {
    assertHistory(Number.isFinite(txn.snapshotSequence), `T${txn.id} has no finite snapshotSequence`);
    if (txn.status !== "committed" || !txn.ops.some((op) => op.kind === "write")) continue;
    assertHistory(
      txn.commitSequence !== undefined && Number.isFinite(txn.commitSequence),
      `committed writer T${txn.id} has no commitSequence`,
    );
    writers.push(txn);
  }
  writers.sort((a, b) => sequenceOf(a) - sequenceOf(b));
  writers.forEach((after, i) => {
    const before = writers[i - 1];
    if (before === undefined) return;
    assertHistory(sequenceOf(before) < sequenceOf(after), `T${before.id} and T${after.id} share commitSequence ${sequenceOf(after)}`);
  });
  return writers;
}

/** The commitSequence of a committed writer (checked by `committedWritersInOrder`). */
function sequenceOf(txn: HistoryTxn): number {
  const sequence = txn.commitSequence;
  assertHistory(sequence !== undefined, `T${txn.id} has no commitSequence`);
  return sequence;
}

function buildVersionIndex(history: History, log: AnomalyLog): VersionIndex {
  const byKey = new Map<string, KeyHistory>();
  const ids = new Set<number>();
  for (const [key, value] of history.initial) {
    const keyHistory = keyHistoryOf(byKey, key);
    keyHistory.versions.push({ value, writer: undefined, commitSequence: -Infinity });
    recordValue(keyHistory, key, { kind: "initial", value, writer: undefined, versionIndex: 0 });
  }
  for (const txn of committedWritersInOrder(history.txns)) {
    for (const [key, value] of finalWrites(txn)) {
      const keyHistory = keyHistoryOf(byKey, key);
      const versionIndex = keyHistory.versions.length;
      keyHistory.versions.push({ value, writer: txn, commitSequence: sequenceOf(txn) });
      recordValue(keyHistory, key, { kind: "installed", value, writer: txn, versionIndex });
    }
    if (txn.isReadOnly === true) log.add(`T${txn.id} is marked read-only but committed writes`);
  }
  for (const txn of history.txns) {
    assertHistory(!ids.has(txn.id), `txn id ${txn.id} appears twice`);
    ids.add(txn.id);
    recordUninstalledWrites(txn, byKey);
  }
  const committed = history.txns.filter((txn) => txn.status === "committed");
  return { byKey, keys: historyKeys(history, byKey), committed };
}

/** Records a txn's writes that never became versions: aborted ones and intermediate ones. */
function recordUninstalledWrites(txn: HistoryTxn, byKey: Map<string, KeyHistory>): void {
  const last = txn.status === "committed" ? finalWrites(txn) : new Map<string, string>();
  for (const op of txn.ops) {
    if (op.kind !== "write" || last.get(op.key) === op.value) continue;
    const kind = txn.status === "committed" ? "intermediate" : "aborted";
    recordValue(keyHistoryOf(byKey, op.key), op.key, { kind, value: op.value, writer: txn, versionIndex: -1 });
  }
}

function historyKeys(history: History, byKey: ReadonlyMap<string, KeyHistory>): string[] {
  const keys = new Set<string>(byKey.keys());
  for (const txn of history.txns) {
    for (const op of txn.ops) {
      if (op.kind === "read") keys.add(op.key);
      else if (op.kind === "scan") for (const key of op.observed.keys()) keys.add(key);
    }
  }
  return [...keys].sort(compareStrings);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The first position in sorted `keys` whose key is >= `key`. */
function lowerBound(keys: readonly string[], key: string): number {
  let low = 0;
  let high = keys.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const probe = keys[middle];
    if (probe !== undefined && probe < key) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** The history's keys in [gte, lt). */
function keysInRange(index: VersionIndex, gte: string, lt: string): readonly string[] {
  if (!(gte < lt)) return [];
  return index.keys.slice(lowerBound(index.keys, gte), lowerBound(index.keys, lt));
}

/** The newest version a snapshot at `snapshotSequence` sees, or undefined when the key is absent there. */
function visibleVersion(versions: readonly Version[], snapshotSequence: number): Version | undefined {
  let low = 0;
  let high = versions.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const probe = versions[middle];
    if (probe !== undefined && probe.commitSequence <= snapshotSequence) low = middle + 1;
    else high = middle;
  }
  const visible = low === 0 ? undefined : versions[low - 1];
  assertHistory(visible === undefined || visible.commitSequence <= snapshotSequence, "bisection overshot the snapshot");
  assertHistory((versions[low]?.commitSequence ?? Infinity) > snapshotSequence, "bisection stopped short of the snapshot");
  return visible;
}

// ---------------------------------------------------------------------------------------------
// Walking a txn's reads

/** One observation of a key by a txn: a point read, or one key of a scan. */
interface Observation {
  readonly txn: HistoryTxn;
  readonly key: string;
  readonly value: string | null;
  /** "read" or "scan [a, b)", for messages. */
  readonly via: string;
}

/**
 * Calls `onForeignRead` for each observation of a key the txn has not written yet, and checks the
 * others return the txn's own latest write.
 */
function forEachObservation(
  txn: HistoryTxn,
  index: VersionIndex,
  log: AnomalyLog,
  onForeignRead: (observation: Observation) => void,
): void {
  const ownWrites = new Map<string, string>();
  const observe = (observation: Observation): void => {
    const own = ownWrites.get(observation.key);
    if (own === undefined) onForeignRead(observation);
    else if (observation.value !== own) {
      log.add(
        `read-your-writes: T${txn.id} ${observation.via} ${quote(observation.key)} = ${quote(observation.value)} after writing ${quote(own)}`,
      );
    }
  };
  for (const op of txn.ops) {
    switch (op.kind) {
      case "write":
        ownWrites.set(op.key, op.value);
        break;
      case "read":
        observe({ txn, key: op.key, value: op.value, via: "read" });
        break;
      case "scan":
        forEachScannedKey(txn, op, index, log, observe);
        break;
      default:
        assertNeverOp(op);
    }
  }
}

function forEachScannedKey(
  txn: HistoryTxn,
  scan: Extract<HistoryOp, { kind: "scan" }>,
  index: VersionIndex,
  log: AnomalyLog,
  observe: (observation: Observation) => void,
): void {
  const via = `scan [${quote(scan.gte)}, ${quote(scan.lt)})`;
  for (const key of scan.observed.keys()) {
    if (!(scan.gte <= key && key < scan.lt)) log.add(`T${txn.id} ${via} returned ${quote(key)}, outside its range`);
  }
  for (const key of keysInRange(index, scan.gte, scan.lt)) {
    observe({ txn, key, value: scan.observed.get(key) ?? null, via });
  }
}

function assertNeverOp(op: never): never {
  throw new MalformedHistoryError(`unknown op ${JSON.stringify(op)}`);
}

function quote(value: string | null): string {
  return value === null ? "absent" : JSON.stringify(value);
}

/** Where a value read for `key` came from, for messages: `"v" (T3, commit 9)`. */
function describeValue(index: VersionIndex, key: string, value: string | null): string {
  if (value === null) return "absent";
  const written = index.byKey.get(key)?.valuesWritten.get(value);
  if (written === undefined) return `${quote(value)} (never written)`;
  const writer = written.writer;
  if (writer === undefined) return `${quote(value)} (initial)`;
  switch (written.kind) {
    case "installed":
      return `${quote(value)} (T${writer.id}, commit ${writer.commitSequence})`;
    case "intermediate":
      return `${quote(value)} (intermediate write of T${writer.id})`;
    case "aborted":
      return `${quote(value)} (written by aborted T${writer.id})`;
    case "initial":
      return `${quote(value)} (initial)`;
    default:
      return assertNeverKind(written.kind);
  }
}

function assertNeverKind(kind: never): never {
  throw new MalformedHistoryError(`unknown value kind ${String(kind)}`);
}

// ---------------------------------------------------------------------------------------------
// Dependency graph and cycles

type EdgeKind = "ww" | "wr" | "rw";

interface Edge {
  readonly kind: EdgeKind;
  readonly key: string;
}

/** Edges between committed txns, one per ordered pair (a ww or wr label wins over rw). */
class DependencyGraph {
  readonly #edges = new Map<number, Map<number, Edge>>();

  add(from: HistoryTxn, to: HistoryTxn, edge: Edge): void {
    if (from.id === to.id) return;
    let out = this.#edges.get(from.id);
    if (out === undefined) {
      out = new Map();
      this.#edges.set(from.id, out);
    }
    const existing = out.get(to.id);
    if (existing === undefined || (existing.kind === "rw" && edge.kind !== "rw")) out.set(to.id, edge);
  }

  successors(id: number): ReadonlyMap<number, Edge> {
    return this.#edges.get(id) ?? new Map<number, Edge>();
  }
}

/** The edges a committed txn's foreign read contributes, or the anomaly that keeps it out of the order. */
function addReadEdges(observation: Observation, index: VersionIndex, graph: DependencyGraph, log: AnomalyLog): void {
  const { txn, key, value, via } = observation;
  const versions = index.byKey.get(key)?.versions ?? [];
  const prefix = `T${txn.id} ${via} ${quote(key)}`;
  if (value === null) {
    const first = versions[0];
    if (first !== undefined && first.writer === undefined) {
      log.add(`${prefix} = absent, but the key has initial value ${quote(first.value)} and nothing deletes`);
    } else if (first?.writer !== undefined) {
      graph.add(txn, first.writer, { kind: "rw", key });
    }
    return;
  }
  const written = index.byKey.get(key)?.valuesWritten.get(value);
  if (written === undefined) {
    log.add(`${prefix} = ${quote(value)}, which nobody wrote`);
  } else if (written.writer?.id === txn.id) {
    log.add(`${prefix} = ${quote(value)}, its own write, before writing it`);
  } else if (written.kind === "aborted") {
    log.add(`G1a: ${prefix} = ${describeValue(index, key, value)}`);
  } else if (written.kind === "intermediate") {
    log.add(`G1b: ${prefix} = ${describeValue(index, key, value)}`);
  } else {
    if (written.writer !== undefined) graph.add(written.writer, txn, { kind: "wr", key });
    const next = versions[written.versionIndex + 1];
    if (next?.writer !== undefined) graph.add(txn, next.writer, { kind: "rw", key });
  }
}

function addWriteEdges(index: VersionIndex, graph: DependencyGraph): void {
  for (const [key, { versions }] of index.byKey) {
    for (let i = 1; i < versions.length; i++) {
      const before = versions[i - 1]?.writer;
      const after = versions[i]?.writer;
      if (before !== undefined && after !== undefined) graph.add(before, after, { kind: "ww", key });
    }
  }
}

/**
 * Strongly connected components of the graph over `nodes`, by Tarjan's algorithm with an explicit
 * stack (10,000-deep recursion would risk the call stack). Returns only components of 2+ txns;
 * the graph has no self-loops.
 */
function cyclicComponents(nodes: readonly HistoryTxn[], graph: DependencyGraph): HistoryTxn[][] {
  const position = new Map<number, number>(nodes.map((txn, i) => [txn.id, i]));
  const adjacency = nodes.map((txn) => [...graph.successors(txn.id).keys()].map((id) => position.get(id) ?? -1));
  const order = new Int32Array(nodes.length).fill(-1);
  const lowLink = new Int32Array(nodes.length);
  const isOnStack = new Uint8Array(nodes.length);
  const stack: number[] = [];
  const frames: { readonly node: number; next: number }[] = [];
  const components: HistoryTxn[][] = [];
  let counter = 0;
  const visit = (node: number): void => {
    order[node] = lowLink[node] = counter++;
    stack.push(node);
    isOnStack[node] = 1;
    frames.push({ node, next: 0 });
  };
  for (let root = 0; root < nodes.length; root++) {
    if (order[root] !== -1) continue;
    visit(root);
    while (frames.length > 0) {
      const frame = frames[frames.length - 1];
      if (frame === undefined) break;
      const successors = adjacency[frame.node] ?? [];
      if (frame.next < successors.length) {
        const successor = successors[frame.next++] ?? -1;
        assertHistory(successor >= 0, "an edge leads to a txn outside the graph");
        if (order[successor] === -1) visit(successor);
        else if (isOnStack[successor] === 1) lowLink[frame.node] = Math.min(lowLink[frame.node] ?? 0, order[successor] ?? 0);
        continue;
      }
      frames.pop();
      const parent = frames[frames.length - 1];
      if (parent !== undefined) lowLink[parent.node] = Math.min(lowLink[parent.node] ?? 0, lowLink[frame.node] ?? 0);
      if (lowLink[frame.node] === order[frame.node]) components.push(popComponent(frame.node, stack, isOnStack, nodes));
    }
  }
  assertHistory(stack.length === 0, "Tarjan left txns on its stack");
  assertHistory(!order.includes(-1), "Tarjan missed a txn");
  return components.filter((component) => component.length > 1);
}

function popComponent(root: number, stack: number[], isOnStack: Uint8Array, nodes: readonly HistoryTxn[]): HistoryTxn[] {
  const component: HistoryTxn[] = [];
  for (;;) {
    const node = stack.pop();
    assertHistory(node !== undefined, "Tarjan stack underflow");
    isOnStack[node] = 0;
    const txn = nodes[node];
    if (txn !== undefined) component.push(txn);
    if (node === root) return component;
  }
}

/**
 * A shortest cycle through the component's lowest-id txn, by breadth-first search inside the
 * component, printed as "G2: T3 -rw(x)-> T7 -wr(y)-> T3".
 */
function describeCycle(component: readonly HistoryTxn[], graph: DependencyGraph): string {
  assertHistory(component.length > 1, "a cycle needs two txns");
  const members = new Set(component.map((txn) => txn.id));
  const start = component.reduce((lowest, txn) => Math.min(lowest, txn.id), Infinity);
  const parent = new Map<number, { readonly from: number; readonly edge: Edge }>();
  const queue = [start];
  let closing: { readonly from: number; readonly edge: Edge } | undefined;
  for (let head = 0; head < queue.length && closing === undefined; head++) {
    const node = queue[head] ?? start;
    for (const [next, edge] of graph.successors(node)) {
      if (next === start) {
        closing = { from: node, edge };
        break;
      }
      if (!members.has(next) || parent.has(next)) continue;
      parent.set(next, { from: node, edge });
      queue.push(next);
    }
  }
  assertHistory(closing !== undefined, `no cycle through T${start} in its strongly connected component`);
  const steps = [{ to: start, edge: closing.edge }];
  for (let node = closing.from; node !== start; ) {
    const step = parent.get(node);
    assertHistory(step !== undefined, `broken BFS path at T${node}`);
    steps.push({ to: node, edge: step.edge });
    node = step.from;
  }
  steps.reverse();
  return formatCycle(start, steps, component.length);
}

function formatCycle(start: number, steps: readonly { readonly to: number; readonly edge: Edge }[], componentSize: number): string {
  const rwCount = steps.filter((step) => step.edge.kind === "rw").length;
  const name = rwCount === 0 ? "G1c" : rwCount === 1 ? "G-single" : "G2";
  const printed = steps.slice(0, cycleEdgesPrintedMax).map((step) => ` -${step.edge.kind}(${step.edge.key})-> T${step.to}`);
  const cut = steps.length > cycleEdgesPrintedMax ? ` ... (${steps.length} edges)` : "";
  const size = componentSize > steps.length ? ` (one cycle of a strongly connected component of ${componentSize} txns)` : "";
  return `${name}: T${start}${printed.join("")}${cut}${size}`;
}

// ---------------------------------------------------------------------------------------------
// The checks

/**
 * Whether the committed txns of `history` are serializable: no G1a/G1b or unexplained reads, and
 * an acyclic ww/wr/rw dependency graph.
 */
export function checkSerializable(history: History): CheckResult {
  const log = new AnomalyLog();
  const index = buildVersionIndex(history, log);
  const graph = new DependencyGraph();
  addWriteEdges(index, graph);
  for (const txn of index.committed) {
    forEachObservation(txn, index, log, (observation) => addReadEdges(observation, index, graph, log));
  }
  const lowestId = (component: readonly HistoryTxn[]): number =>
    component.reduce((lowest, txn) => Math.min(lowest, txn.id), Infinity);
  const components = cyclicComponents(index.committed, graph).sort((a, b) => lowestId(a) - lowestId(b));
  for (const component of components) log.add(describeCycle(component, graph));
  return log.result();
}

/**
 * Whether `history` is a snapshot-isolation execution under the sequences the system reported:
 * each committed txn read its snapshot (or its own writes), and first committer wins.
 */
export function checkSnapshotIsolation(history: History): CheckResult {
  const log = new AnomalyLog();
  const index = buildVersionIndex(history, log);
  for (const txn of index.committed) {
    const isWriter = txn.ops.some((op) => op.kind === "write");
    if (isWriter && txn.commitSequence !== undefined && txn.commitSequence <= txn.snapshotSequence) {
      log.add(`T${txn.id} committed at ${txn.commitSequence}, not after its snapshot ${txn.snapshotSequence}`);
    }
    forEachObservation(txn, index, log, (observation) => checkSnapshotRead(observation, index, log));
  }
  checkFirstCommitterWins(index, log);
  return log.result();
}

function checkSnapshotRead(observation: Observation, index: VersionIndex, log: AnomalyLog): void {
  const { txn, key, value, via } = observation;
  const visible = visibleVersion(index.byKey.get(key)?.versions ?? [], txn.snapshotSequence);
  const expected = visible?.value ?? null;
  if (value === expected) return;
  log.add(
    `T${txn.id} ${via} ${quote(key)} = ${describeValue(index, key, value)}, but its snapshot ${txn.snapshotSequence} sees ${describeValue(index, key, expected)}`,
  );
}

/** Lost updates: consecutive writers of a key whose intervals overlap (checking neighbours suffices). */
function checkFirstCommitterWins(index: VersionIndex, log: AnomalyLog): void {
  for (const [key, { versions }] of index.byKey) {
    for (let i = 1; i < versions.length; i++) {
      const earlier = versions[i - 1]?.writer;
      const later = versions[i]?.writer;
      if (earlier === undefined || later === undefined) continue;
      if (later.snapshotSequence >= sequenceOf(earlier)) continue;
      log.add(
        `lost update on ${quote(key)}: T${earlier.id} (snapshot ${earlier.snapshotSequence}, commit ${sequenceOf(earlier)}) ` +
          `and T${later.id} (snapshot ${later.snapshotSequence}, commit ${sequenceOf(later)}) both committed writes`,
      );
    }
  }
}
