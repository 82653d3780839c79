// Committed proposals per second for a 3-node RaftServer cluster in one process over
// MemoryNetwork, at 1 and 256 concurrent proposers: first with MemoryLogStorage (no fsync), then
// with WalLogStorage (every Ready fsynced before its messages leave; three logs on one disk).
// Then the same across 3 processes over loopback TCP (`TcpNetwork`, WalLogStorage), and leader
// failover: SIGKILL the leader, time until a new leader committed an entry (median of trials).
// Run after `npm run build -w @omnikv/raft`: `node bench/raft-bench.mjs [seconds] [tcp]`
// (`tcp`: only the multi-process part).
// A proposal counts once `clientWrite` resolved: committed by a majority and applied on the leader.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { createInterface } from "node:readline";
import { join } from "node:path";
import { MemoryLogStorage, MemoryNetwork, RaftServer, WalLogStorage } from "@omnikv/raft";

/** @typedef {import("@omnikv/raft").LogEntry} LogEntry */

const seconds = Number(process.argv[2] ?? "3");
const voters = [1, 2, 3];
const command = new TextEncoder().encode("bench-key=bench-value-0123456789");

/** A state machine that counts commands; `clientWrite` resolves with the running count. */
class CountingStateMachine {
  count = 0;
  applied = 0;
  /** @param {readonly LogEntry[]} entries */
  apply(entries) {
    return entries.map((entry) => {
      this.applied = entry.index;
      if (entry.payload.kind === "command") this.count += 1;
      return this.count;
    });
  }
  appliedIndex() {
    return this.applied;
  }
}

/** @param {string | undefined} dir where durable logs go; undefined for in-memory logs */
async function startCluster(dir) {
  const network = new MemoryNetwork();
  const servers = await Promise.all(
    voters.map(async (id) =>
      RaftServer.start({
        id,
        voters,
        storage: dir === undefined ? new MemoryLogStorage() : await WalLogStorage.open(join(dir, `node-${id}`)),
        stateMachine: new CountingStateMachine(),
        network: network.endpoint(id),
        tickMs: 10,
      }),
    ),
  );
  servers[0]?.campaign();
  for (;;) {
    const leader = servers.find((s) => s.metrics().role === "leader");
    if (leader !== undefined) return { servers, leader };
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * @param {number} proposers
 * @param {string | undefined} dir
 */
async function measure(proposers, dir) {
  const { servers, leader } = await startCluster(dir);
  let committed = 0;
  const state = { isRunning: true };
  /** @type {number[]} */
  const latencies = [];
  const worker = async () => {
    while (state.isRunning) {
      const started = performance.now();
      await leader.clientWrite(command);
      latencies.push(performance.now() - started);
      committed += 1;
    }
  };
  const startedAt = performance.now();
  const workers = Array.from({ length: proposers }, () => worker());
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  state.isRunning = false;
  await Promise.all(workers);
  const elapsedSeconds = (performance.now() - startedAt) / 1000;
  latencies.sort((a, b) => a - b);
  const p50 = latencies[Math.floor(latencies.length / 2)] ?? 0;
  const p99 = latencies[Math.floor(latencies.length * 0.99)] ?? 0;
  const mean = latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length);
  const max = latencies.at(-1) ?? 0;
  for (const server of servers) await server.stop();
  return { proposers, committed, perSecond: Math.round(committed / elapsedSeconds), p50Ms: p50.toFixed(3), p99Ms: p99.toFixed(3), meanMs: mean.toFixed(3), maxMs: max.toFixed(1) };
}

async function inMemoryNetworkFigures() {
  for (const isDurable of [false, true]) {
    for (const proposers of [1, 256]) {
      const dir = isDurable ? mkdtempSync(join(tmpdir(), "omnikv-raft-bench-")) : undefined;
      try {
        const result = await measure(proposers, dir);
        console.log(
          `3 nodes, in-memory network, ${isDurable ? "WalLogStorage (fsync)" : "MemoryLogStorage     "}, ${String(proposers).padStart(3)} proposers: ` +
            `${result.perSecond} committed proposals/s (${result.committed} in ${seconds}s; latency p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, max ${result.maxMs} ms)`,
        );
      } finally {
        if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
      }
    }
  }
}

// ---- 3 processes over loopback TCP ------------------------------------------------------------

const nodeScript = join(import.meta.dirname, "raft-bench-node.mjs");
const tickMs = 20;
const electionTicks = 10;
const electionTimeoutMs = tickMs * electionTicks;
const failoverTrials = Number(process.env["RAFT_BENCH_FAILOVERS"] ?? "7");

/** @type {Set<import("node:child_process").ChildProcess>} */
const liveChildren = new Set();
process.on("exit", () => {
  for (const child of liveChildren) child.kill("SIGKILL");
});

/** @param {number} count */
async function freePorts(count) {
  const servers = Array.from({ length: count }, () => createServer());
  /** @type {number[]} */
  const ports = [];
  for (const server of servers) {
    await new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(undefined)));
    const address = server.address();
    ports.push(address !== null && typeof address === "object" ? address.port : 0);
  }
  for (const server of servers) await new Promise((resolve) => server.close(() => resolve(undefined)));
  return ports;
}

/** A bench node process and the lines it printed, with a way to wait for the next matching one. */
class BenchNode {
  /** @type {string[]} */
  lines = [];
  /** @type {(() => void)[]} */
  #waiters = [];
  /** @type {import("node:child_process").ChildProcess} */
  process;
  /** @type {Promise<void>} */
  exited;

  /**
   * @param {number} id
   * @param {string} dir
   * @param {string} peers
   */
  constructor(id, dir, peers) {
    this.id = id;
    this.process = spawn(process.execPath, [nodeScript, String(id), join(dir, `node-${id}`), String(tickMs), String(electionTicks), peers], {
      stdio: ["pipe", "pipe", "inherit"],
    });
    liveChildren.add(this.process);
    this.exited = new Promise((resolve) => this.process.on("close", () => {
      liveChildren.delete(this.process);
      this.#wake();
      resolve();
    }));
    if (this.process.stdout !== null) {
      createInterface({ input: this.process.stdout }).on("line", (line) => {
        this.lines.push(line);
        this.#wake();
      });
    }
  }

  /**
   * Resolves with the first line from `from` on that matches.
   * @param {RegExp} pattern
   * @param {number} from
   * @returns {Promise<string>}
   */
  async waitFor(pattern, from = 0) {
    for (;;) {
      const line = this.lines.slice(from).find((l) => pattern.test(l));
      if (line !== undefined) return line;
      if (!liveChildren.has(this.process)) throw new Error(`bench node ${this.id} exited`);
      await new Promise((resolve) => this.#waiters.push(() => resolve(undefined)));
    }
  }

  /** @param {string} line */
  send(line) {
    this.process.stdin?.write(`${line}\n`);
  }

  async kill() {
    this.process.kill("SIGKILL");
    await this.exited;
  }

  #wake() {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}

/**
 * The first `leader <id> <term>` line above `termAbove` printed by any of `nodes` after their
 * first `from` lines, with the time it arrived.
 * @param {readonly BenchNode[]} nodes
 * @param {bigint} termAbove
 * @param {ReadonlyMap<BenchNode, number>} [from]
 * @returns {Promise<{ node: BenchNode, term: bigint, at: number }>}
 */
function nextLeader(nodes, termAbove, from = new Map()) {
  return Promise.race(
    nodes.map(async (node) => {
      for (let at = from.get(node) ?? 0; ; ) {
        const line = await node.waitFor(/^leader /, at);
        at = node.lines.indexOf(line, at) + 1;
        const term = BigInt(line.split(" ")[2] ?? "0");
        if (term > termAbove) return { node, term, at: performance.now() };
      }
    }),
  );
}

/**
 * The leader of the highest term reported so far (leadership may have moved during a load).
 * @param {readonly BenchNode[]} nodes
 * @returns {{ node: BenchNode, term: bigint } | undefined}
 */
function currentLeader(nodes) {
  /** @type {{ node: BenchNode, term: bigint } | undefined} */
  let best;
  for (const node of nodes) {
    for (const line of node.lines) {
      if (!line.startsWith("leader ")) continue;
      const term = BigInt(line.split(" ")[2] ?? "0");
      if (best === undefined || term > best.term) best = { node, term };
    }
  }
  return best;
}

/**
 * @param {BenchNode} leader
 * @param {number} proposers
 */
async function tcpLoad(leader, proposers) {
  const from = leader.lines.length;
  leader.send(`load ${proposers} ${seconds}`);
  const line = await leader.waitFor(/^load /, from);
  const [, committed = "0", ms = "1", p50 = "0", p99 = "0"] = line.split(" ");
  if (committed === "refused") throw new Error("the leader refused the load (leadership changed)");
  const perSecond = Math.round(Number(committed) / (Number(ms) / 1000));
  console.log(
    `3 processes, loopback TCP, WalLogStorage (fsync), ${String(proposers).padStart(3)} proposers: ` +
      `${perSecond} committed proposals/s (${committed} in ${(Number(ms) / 1000).toFixed(1)}s; latency p50 ${p50} ms, p99 ${p99} ms)`,
  );
}

/**
 * Kills the current leader, times the first commit by a new leader, restarts the killed node and
 * lets it catch up before the next trial.
 * @param {BenchNode[]} nodes
 * @param {(id: number) => BenchNode} restart
 */
async function failoverTrial(nodes, restart) {
  const leader = currentLeader(nodes);
  if (leader === undefined) throw new Error("no leader to kill");
  const survivors = nodes.filter((n) => n !== leader.node);
  const from = new Map(survivors.map((n) => [n, n.lines.length]));
  const killedAt = performance.now();
  leader.node.process.kill("SIGKILL");
  const next = await nextLeader(survivors, leader.term, from);
  const failoverMs = next.at - killedAt;
  await leader.node.exited;
  const restarted = restart(leader.node.id);
  await restarted.waitFor(/^ready /);
  await new Promise((resolve) => setTimeout(resolve, 3 * electionTimeoutMs));
  return { failoverMs, nodes: [...survivors, restarted] };
}

async function tcpFigures() {
  const dir = mkdtempSync(join(tmpdir(), "omnikv-raft-bench-tcp-"));
  const ids = [1, 2, 3];
  const ports = await freePorts(ids.length);
  const peers = ids.map((id, i) => `${id}=${ports[i]}`).join(",");
  let nodes = ids.map((id) => new BenchNode(id, dir, peers));
  try {
    await Promise.all(nodes.map((node) => node.waitFor(/^ready /)));
    await nextLeader(nodes, 0n);
    for (const proposers of [1, 256]) {
      const leader = currentLeader(nodes);
      if (leader === undefined) throw new Error("no leader");
      await tcpLoad(leader.node, proposers);
      const after = currentLeader(nodes);
      if (after !== undefined && after.term !== leader.term) console.log(`  (leadership moved during the run: term ${leader.term} → ${after.term})`);
    }
    /** @type {number[]} */
    const failovers = [];
    for (let trial = 0; trial < failoverTrials; trial++) {
      const result = await failoverTrial(nodes, (id) => new BenchNode(id, dir, peers));
      failovers.push(result.failoverMs);
      nodes = result.nodes;
    }
    failovers.sort((a, b) => a - b);
    const median = failovers[Math.floor(failovers.length / 2)] ?? 0;
    console.log(
      `leader failover (SIGKILL to the first commit of a new leader), ${failovers.length} trials, election timeout ${electionTimeoutMs} ms ` +
        `(randomized in [${electionTimeoutMs}, ${2 * electionTimeoutMs}) ms): median ${median.toFixed(0)} ms = ${(median / electionTimeoutMs).toFixed(2)} election timeouts; ` +
        `all: ${failovers.map((ms) => ms.toFixed(0)).join(", ")} ms`,
    );
  } finally {
    await Promise.all(nodes.map((node) => node.kill()));
    rmSync(dir, { recursive: true, force: true });
  }
}

const loadAverage = () => loadavg().map((l) => l.toFixed(2)).join(", ");
console.log(`load average at start: ${loadAverage()}`);
if (process.argv[3] !== "tcp") await inMemoryNetworkFigures();
await tcpFigures();
console.log(`load average at end: ${loadAverage()}`);
