/**
 * Real processes: a 3-node cluster of the example KV server (examples/kv-server), each node a child
 * process with a durable `WalLogStorage` log, talking Raft over `TcpNetwork` on loopback. Clients
 * PUT under load (many concurrent writers, each owning its keys and writing increasing sequence
 * numbers); the leader is SIGKILLed mid-load; a new leader must appear within a generous bound
 * (the measured figure is printed); after the load, every key read through a linearizable GET on
 * the new leader holds a value no older than its last acknowledged PUT (and no value that was
 * never attempted); the killed node restarts from its data directory and catches up (through a
 * snapshot: the interval is small, so the leader compacted past what it had).
 *
 * Children never outlive the test: `CrashChild` kills them at a deadline and on the parent's
 * exit, afterAll kills them, and each polls its parent pid (`--exit-with-parent`).
 */
import { createServer } from "node:net";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CrashChild, makeTempDir, type TempDir } from "@omnikv/testkit";

const script = join(import.meta.dirname, "..", "examples", "kv-server", "kv-server.mjs");
const tickMs = 20;
const electionTicks = 10;
const electionTimeoutMs = tickMs * electionTicks;
const ids = [1, 2, 3] as const;
const writers = 48;
const keysPerWriter = 4;

interface NodeInfo {
  readonly id: number;
  readonly raftPort: number;
  readonly httpPort: number;
}

interface Status {
  readonly id: number;
  readonly role: string;
  readonly term: number;
  readonly leader: number;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  readonly snapshotsInstalled: number;
}

const children = new Map<number, CrashChild>();
let dataDir: TempDir | undefined;

afterAll(async () => {
  await Promise.all([...children.values()].map((child) => child.kill()));
  dataDir?.cleanup();
});

async function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer());
  const ports = await Promise.all(
    servers.map(
      (server) =>
        new Promise<number>((resolve) =>
          server.listen(0, "127.0.0.1", () => {
            const address = server.address();
            resolve(address !== null && typeof address === "object" ? address.port : 0);
          }),
        ),
    ),
  );
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

async function startNode(node: NodeInfo, nodes: readonly NodeInfo[], dir: string): Promise<CrashChild> {
  const peers = nodes.map((n) => `${n.id}=127.0.0.1:${n.raftPort}:${n.httpPort}`).join(",");
  const args = ["--id", String(node.id), "--data", join(dir, `node-${node.id}`), "--raft-port", String(node.raftPort), "--http-port", String(node.httpPort)];
  args.push("--peers", peers, "--tick-ms", String(tickMs), "--election-ticks", String(electionTicks), "--snapshot-interval", "300", "--exit-with-parent");
  const child = new CrashChild({ script, args, deadlineMs: 90_000 });
  children.set(node.id, child);
  await child.waitForLines(1);
  expect(child.lines[0]).toMatch(/^ready \d/);
  return child;
}

async function status(node: NodeInfo): Promise<Status | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${node.httpPort}/status`, { signal: AbortSignal.timeout(1000) });
    return parseStatus(await response.json());
  } catch {
    return undefined;
  }
}

function parseStatus(value: unknown): Status | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const field = (name: string): unknown => Reflect.get(value, name);
  const numbers = ["id", "term", "leader", "commitIndex", "appliedIndex", "snapshotsInstalled"].map((name) => field(name));
  const role = field("role");
  if (typeof role !== "string" || !numbers.every((n) => typeof n === "number")) return undefined;
  const [id = 0, term = 0, leader = 0, commitIndex = 0, appliedIndex = 0, snapshotsInstalled = 0] = numbers.map(Number);
  return { id, role, term, leader, commitIndex, appliedIndex, snapshotsInstalled };
}

async function waitForLeader(nodes: readonly NodeInfo[], termAbove: number, timeoutMs: number): Promise<{ node: NodeInfo; status: Status }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const node of nodes) {
      const s = await status(node);
      if (s !== undefined && s.role === "leader" && s.term > termAbove) return { node, status: s };
    }
    if (Date.now() > deadline) throw new Error(`no leader above term ${termAbove} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The load: each writer owns its keys and writes increasing sequence numbers to them. */
class Load {
  readonly acked = new Map<string, number>();
  readonly attempted = new Map<string, number>();
  ackCount = 0;
  serverErrors = 0;
  #leaderPort: number;
  #isRunning = true;
  readonly #nodes: readonly NodeInfo[];
  readonly #workers: Promise<void>[];

  constructor(nodes: readonly NodeInfo[], leaderPort: number) {
    this.#nodes = nodes;
    this.#leaderPort = leaderPort;
    this.#workers = Array.from({ length: writers }, (_, w) => this.#writer(w));
  }

  async stop(): Promise<void> {
    this.#isRunning = false;
    await Promise.all(this.#workers);
  }

  get isRunning(): boolean {
    return this.#isRunning;
  }

  async #writer(w: number): Promise<void> {
    for (let seq = 1; this.isRunning; seq++) {
      const key = `w${w}-k${seq % keysPerWriter}`;
      this.attempted.set(key, seq);
      const isAcked = await this.#put(key, String(seq));
      if (isAcked) {
        this.acked.set(key, seq);
        this.ackCount += 1;
      }
    }
  }

  /** One attempt: true on 200; follows x-leader on 421; moves to another node on errors. */
  async #put(key: string, value: string): Promise<boolean> {
    const port = this.#leaderPort;
    try {
      const response = await fetch(`http://127.0.0.1:${port}/kv/${key}`, { method: "PUT", body: value, signal: AbortSignal.timeout(3000) });
      await response.arrayBuffer();
      if (response.status === 200) return true;
      if (response.status >= 500 && response.status !== 503) this.serverErrors += 1;
      const leader = /:(\d+)$/.exec(response.headers.get("x-leader") ?? "");
      if (leader?.[1] !== undefined) this.#leaderPort = Number(leader[1]);
      else await new Promise((resolve) => setTimeout(resolve, 20));
    } catch {
      // Connection refused or reset (the leader died) or timed out: try the next node.
      if (this.#leaderPort === port) {
        const others = this.#nodes.filter((n) => n.httpPort !== port);
        this.#leaderPort = others[Math.floor(Math.random() * others.length)]?.httpPort ?? port;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return false;
  }
}

describe("example KV server, 3 processes over TCP", () => {
  it("survives SIGKILL of the leader under load: fast failover, no acknowledged write lost, the node rejoins", async () => {
    dataDir = makeTempDir("raft-kv-cluster");
    const dir = dataDir.path;
    const ports = await freePorts(6);
    const nodes: NodeInfo[] = ids.map((id, i) => ({ id, raftPort: ports[i] ?? 0, httpPort: ports[i + 3] ?? 0 }));
    await Promise.all(nodes.map((node) => startNode(node, nodes, dir)));
    const first = await waitForLeader(nodes, 0, 10_000);

    const load = new Load(nodes, first.node.httpPort);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const ackedBeforeKill = load.ackCount;
    expect(ackedBeforeKill).toBeGreaterThan(100);

    const leaderStatus = (await status(first.node)) ?? first.status;
    const killedAt = performance.now();
    await children.get(first.node.id)?.kill();
    const survivors = nodes.filter((n) => n !== first.node);
    const second = await waitForLeader(survivors, leaderStatus.term, 10_000);
    const failoverMs = performance.now() - killedAt;
    process.stdout.write(`kv cluster: new leader ${second.node.id} ${failoverMs.toFixed(0)} ms after SIGKILL (${(failoverMs / electionTimeoutMs).toFixed(2)} election timeouts of ${electionTimeoutMs} ms)\n`);
    // ~2 election timeouts expected (a follower waits 1–2, then pre-vote and vote rounds); the
    // bound is generous because two cores are shared with other work.
    expect(failoverMs).toBeLessThan(15 * electionTimeoutMs);

    await new Promise((resolve) => setTimeout(resolve, 1000));
    await load.stop();
    expect(load.ackCount).toBeGreaterThan(ackedBeforeKill);
    expect(load.serverErrors).toBe(0);

    const leaderNode = second.node;
    for (const [key, attempted] of load.attempted) {
      const response = await fetch(`http://127.0.0.1:${leaderNode.httpPort}/kv/${key}`, { signal: AbortSignal.timeout(3000) });
      const text = await response.text();
      const acked = load.acked.get(key);
      if (acked === undefined) {
        expect([200, 404], key).toContain(response.status);
        continue;
      }
      expect(response.status, `${key}: acknowledged ${acked}, read status`).toBe(200);
      const value = Number(text);
      expect(value, `${key}: read ${value}, last acknowledged ${acked}`).toBeGreaterThanOrEqual(acked);
      expect(value, `${key}: read ${value}, last attempted ${attempted}`).toBeLessThanOrEqual(attempted);
    }

    const leaderAfter = await status(leaderNode);
    expect(leaderAfter?.role).toBe("leader");
    await startNode(first.node, nodes, dir);
    const deadline = Date.now() + 15_000;
    for (;;) {
      const rejoined = await status(first.node);
      if (rejoined !== undefined && rejoined.appliedIndex >= (leaderAfter?.commitIndex ?? Infinity)) {
        expect(rejoined.leader).toBe(leaderNode.id);
        process.stdout.write(`kv cluster: ${load.ackCount} writes acknowledged (${ackedBeforeKill} before the kill); the restarted node caught up to ${rejoined.appliedIndex} with ${rejoined.snapshotsInstalled} snapshot(s)\n`);
        break;
      }
      if (Date.now() > deadline) throw new Error(`the restarted node did not catch up: ${JSON.stringify(rejoined)} vs ${JSON.stringify(leaderAfter)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });
});
