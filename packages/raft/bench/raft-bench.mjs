// Committed proposals per second for a 3-node RaftServer cluster in one process over
// MemoryNetwork, at 1 and 256 concurrent proposers: first with MemoryLogStorage (no fsync), then
// with WalLogStorage (every Ready fsynced before its messages leave; three logs on one disk).
// Run after `npm run build -w @omnikv/raft`: `node bench/raft-bench.mjs [seconds]`.
// A proposal counts once `clientWrite` resolved: committed by a majority and applied on the leader.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
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
