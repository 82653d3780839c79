// One node of the multi-process benchmark (raft-bench.mjs starts three): a `RaftServer` with a
// durable `WalLogStorage` log and a `TcpNetwork` on loopback, and a counting state machine. The
// parent drives it through stdin lines and reads its stdout lines:
//
//   in   load <proposers> <seconds>   on the leader: run that many concurrent proposers
//   out  ready <id>                   serving
//   out  leader <id> <term>           became leader and committed an entry of its term
//   out  load <committed> <ms> <p50Ms> <p99Ms>  or  load refused (not the leader)
//
// Usage: node raft-bench-node.mjs <id> <dir> <tickMs> <electionTicks> <1=port,2=port,3=port>
import { createInterface } from "node:readline";
import { NotLeaderError, RaftServer, TcpNetwork, WalLogStorage } from "@omnikv/raft";

/** @typedef {import("@omnikv/raft").LogEntry} LogEntry */

const [idText, dir, tickMsText, electionTicksText, peersText] = process.argv.slice(2);
if (idText === undefined || dir === undefined || tickMsText === undefined || electionTicksText === undefined || peersText === undefined) {
  throw new Error("usage: raft-bench-node <id> <dir> <tickMs> <electionTicks> <1=port,2=port,...>");
}
const id = Number(idText);
const peers = new Map(peersText.split(",").map((item) => {
  const [peerId, port] = item.split("=");
  return [Number(peerId), { host: "127.0.0.1", port: Number(port) }];
}));
const command = new TextEncoder().encode("bench-key=bench-value-0123456789");

/** Counts commands; nothing else (the figure is the consensus cost, not a state machine's). */
class CountingStateMachine {
  count = 0;
  applied = 0;
  /** @param {readonly LogEntry[]} entries */
  apply(entries) {
    return entries.map((entry) => {
      this.applied = entry.index;
      if (entry.payload.kind === "command") this.count += 1;
      return undefined;
    });
  }
  appliedIndex() {
    return this.applied;
  }
}

const network = await TcpNetwork.listen({ id, listen: { port: peers.get(id)?.port ?? 0 }, peers });
const server = await RaftServer.start({
  id,
  voters: [...peers.keys()],
  storage: await WalLogStorage.open(dir),
  stateMachine: new CountingStateMachine(),
  network,
  tickMs: Number(tickMsText),
  config: { electionTicks: Number(electionTicksText) },
});

// Report leadership once an entry of the new term committed: that is when a client sees it.
let reportedTerm = 0n;
setInterval(() => {
  const metrics = server.metrics();
  if (metrics.role !== "leader" || metrics.term <= reportedTerm) return;
  reportedTerm = metrics.term;
  server.clientWrite(command).then(
    () => process.stdout.write(`leader ${id} ${metrics.term}\n`),
    () => undefined,
  );
}, 1);

// A bench harness that dies without killing its children must not leave nodes behind.
const parent = process.ppid;
setInterval(() => process.ppid !== parent && process.exit(1), 500).unref();

/**
 * @param {number} proposers
 * @param {number} seconds
 */
async function load(proposers, seconds) {
  const state = { isRunning: true, committed: 0, isRefused: false };
  /** @type {number[]} */
  const latencies = [];
  const worker = async () => {
    while (state.isRunning) {
      const started = performance.now();
      try {
        await server.clientWrite(command);
      } catch (error) {
        if (!(error instanceof NotLeaderError)) throw error;
        state.isRefused = true;
        return;
      }
      latencies.push(performance.now() - started);
      state.committed += 1;
    }
  };
  const startedAt = performance.now();
  const workers = Array.from({ length: proposers }, () => worker());
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  state.isRunning = false;
  await Promise.all(workers);
  const elapsedMs = performance.now() - startedAt;
  if (state.isRefused && state.committed === 0) return "load refused";
  latencies.sort((a, b) => a - b);
  const p50 = latencies[Math.floor(latencies.length / 2)] ?? 0;
  const p99 = latencies[Math.floor(latencies.length * 0.99)] ?? 0;
  return `load ${state.committed} ${elapsedMs.toFixed(0)} ${p50.toFixed(3)} ${p99.toFixed(3)}`;
}

createInterface({ input: process.stdin }).on("line", (line) => {
  const [verb, a, b] = line.split(" ");
  if (verb === "load") void load(Number(a), Number(b)).then((result) => process.stdout.write(`${result}\n`));
});
process.stdout.write(`ready ${id}\n`);
